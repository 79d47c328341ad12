#!/bin/sh
# Hostile trees for mkcpio (and the spec reader mksqfs shares) (issue 11):
# names and symlink targets the kernel's cpio reader would not take, files
# that change size while read, names that would split a message.
. "$(dirname "$0")/../lib.sh"
. "$top/tests/hostile/lib.sh"

# long N: a path of N bytes ("a/a/.../x"), its directories as spec lines
# on stdout and the path in $LONG.
long() {
	python3 - "$1" <<'EOF'
import sys
n = int(sys.argv[1])
comps, left = [], n
while left > 200:
    comps.append("d" * 199)
    left -= 200
comps.append("f" * left)
p = ""
for c in comps[:-1]:
    p += c
    print("./%s type=dir mode=0755" % p)
    p += "/"
print(p + comps[-1])
EOF
}

spec_long() { # N [type]: long.mtree with a file of a path N bytes long
	long "$1" >dirs
	name=$(tail -1 dirs)
	{
		echo '#mtree'
		echo '. type=dir mode=0755'
		sed '$d' dirs
		echo "./$name type=file mode=0644 contents=f"
	} >long.mtree
}

h_sandbox
printf 'hi\n' >f
spec_long 4096
h_case "mkcpio: a name of 4096 bytes" 1 \
    "^mkcpio: d{64}\.\.\.: name longer than 4095 bytes, the limit of the kernel's cpio reader$" \
    "$S/out" -- mkcpio -o out long.mtree

h_sandbox
printf 'hi\n' >f
spec_long 70000
h_case "mkcpio: a name of 70000 bytes" 1 \
    "^mkcpio: long\.mtree: Line too long$" "$S/out" -- mkcpio -o out long.mtree

h_sandbox
printf 'hi\n' >f
spec_long 4096
h_case "mkcpio: a name of 4096 bytes, to stdout" 1 \
    "^mkcpio: d{64}\.\.\.: name longer than 4095 bytes" - -- mkcpio -z none long.mtree

h_sandbox
printf 'hi\n' >f
spec_long 4096
sed -i 's/^\(\.\/[^ ]*f\) type=file mode=0644 contents=f$/\1 type=link mode=0777 link=f/' long.mtree
h_case "mkcpio: a symlink named by 4096 bytes" 1 \
    "^mkcpio: d{64}\.\.\.: name longer than 4095 bytes" "$S/out" -- mkcpio -o out long.mtree

for n in 4096 100000; do
	h_sandbox
	t=$(head -c "$n" /dev/zero | tr '\0' t)
	printf '#mtree\n. type=dir mode=0755\n./l type=link mode=0777 link=%s\n' "$t" >link.mtree
	h_case "mkcpio: a symlink target of $n bytes" 1 \
	    "^mkcpio: (l: symlink target longer than 4095 bytes|link\.mtree: Line too long)$" "$S/out" -- \
	    mkcpio -o out link.mtree
done

# strace without its note on the paths of -P.
cat >"$T/held-strace" <<'EOF'
#!/bin/sh
strace "$@" 2>"$0.err"
rc=$?
grep -v '^strace: Requested path' "$0.err" >&2
exit $rc
EOF
chmod +x "$T/held-strace"
for tool in mkcpio mksqfs; do
# A file growing while read: a writer appends to it all along (the file
# may change: it is the input, not a target).
h_sandbox
: >grow
printf '#mtree\n. type=dir mode=0755\n./grow type=file mode=0644 contents=grow\n' >grow.mtree
(exec yes grow >>grow) &
yes=$!
h_case "$tool: a file that grows while read" 1 \
    "^$tool: grow(\.mtree:3: grow: size=[0-9]+ but contents grow has [0-9]+ bytes|: changed size while building|: grew while read)" \
    "$S/out" "$S/grow" -- \
    $tool -o out grow.mtree
kill "$yes"
wait "$yes" 2>/dev/null

# Sizes the kernel's files give: /proc says 0 and has bytes, /sys says
# 4096 and has fewer.
for p in /proc/version /sys/kernel/mm/transparent_hugepage/enabled; do
	if [ ! -r "$p" ]; then
		t_skip "$tool: $p as contents" "$p not readable"
		continue
	fi
	h_sandbox
	printf '#mtree\n. type=dir mode=0755\n./x type=file mode=0644 contents=%s\n' "$p" >k.mtree
	h_case "$tool: $p as contents (size $(stat -c %s "$p"))" 1 \
	    "^$tool: $p: (grew|shrank) while (read|building)" "$S/out" -- $tool -o out k.mtree
done

# A FIFO as contents=: refused when the spec is read (an open would wait
# for a writer); /dev/zero, which says 0 bytes and has more, when read.
for c in fifo; do
	h_sandbox
	[ $c = fifo ] && mkfifo fifo
	printf '#mtree\n. type=dir mode=0755\n./x type=file mode=0644 contents=%s\n' $c >f.mtree
	H_TIMEOUT=20 h_case "$tool: $c as contents=" 1 \
	    "^$tool: f\.mtree:3: contents=.*$c: not a regular file" "$S/out" -- $tool -o out f.mtree
done
h_sandbox
printf '#mtree\n. type=dir mode=0755\n./x type=file mode=0644 contents=/dev/zero\n' >z.mtree
h_case "$tool: /dev/zero as contents=" 1 \
    "^$tool: (z\.mtree: mtree specification has different type for \./x|/dev/zero: grew while read)$" "$S/out" -- \
    $tool -o out z.mtree

# A FIFO swapped in for a listed file after the tree was read (while our
# open of the file before it, its second, is held up by strace): refused,
# not waited on.
if need strace; then
	h_sandbox
	printf 'a\n' >a
	printf 'b\n' >b
	printf '#mtree\n. type=dir mode=0755\n./a type=file mode=0644 contents=a\n./b type=file mode=0644 contents=b\n' >ab.mtree
	(sleep 1; rm -f "$S/b"; mkfifo -m 644 "$S/b") &
	swap=$!
	H_TIMEOUT=20 h_case "$tool: a FIFO swapped in for a file while building" 1 \
	    "^$tool: b: no longer a regular file$" "$S/out" "$S/b" -- \
	    "$T/held-strace" -qq -o /dev/null -P "$S/a" -P a -e trace=openat -e inject=openat:delay_enter=3000000:when=2 \
	    $tool -o out ab.mtree
	wait "$swap"
else
	t_skip "$tool: a FIFO swapped in" "strace not installed"
fi
done

# Names with a newline: the message stays one line.
for tool in mkcpio mksqfs; do
	h_sandbox
	printf '#mtree\n. type=dir mode=0755\n./new\\012line type=file mode=0644 contents=nope\n' >nl.mtree
	h_case "$tool: a missing contents file for a name with a newline" 1 \
	    "^$tool: nl\.mtree: Can't open $S/nope$" "$S/out" -- \
	    $tool -o out nl.mtree
	h_sandbox
	printf '#mtree\n. type=dir mode=0755\n./d\\012 type=file mode=0644 contents=/dev/null\n./d\\012/x type=dir\n' >nl.mtree
	h_case "$tool: a file with a newline as a parent" 1 \
	    "^$tool: nl\.mtree: mtree specification has different type for \./d\\\\012$" "$S/out" -- \
	    $tool -o out nl.mtree
done

# A size= the contents file does not have: a root whose files changed after
# its spec was written (libarchive takes the size from the file itself).
for tool in mkcpio mksqfs; do
	for how in "size=100" "size=2" "size=0"; do
		h_sandbox
		printf 'abc' >f
		printf '#mtree\n. type=dir mode=0755\n./x type=file mode=0644 %s contents=f\n' "$how" >s.mtree
		h_case "$tool: $how with contents of 3 bytes" 1 \
		    "^$tool: s\.mtree:3: x: ${how%%=*}=${how#*=} but contents f has 3 bytes$" \
		    "$S/out" -- $tool -o out s.mtree
	done
	h_sandbox
	printf 'abc' >f
	printf '#mtree\n/set type=file size=7\n. type=dir mode=0755\n./x mode=0644 contents=f\n' >s.mtree
	h_case "$tool: /set size=7 with contents of 3 bytes" 1 \
	    "^$tool: s\.mtree:4: x: size=7 but contents f has 3 bytes$" \
	    "$S/out" -- $tool -o out s.mtree
	h_sandbox
	printf 'abc' >f
	printf '#mtree\n. type=dir mode=0755\n./x type=file mode=0644 size=3 contents=f\n./x size=9\n' >s.mtree
	h_case "$tool: a second line's size=9 with contents of 3 bytes" 1 \
	    "^$tool: s\.mtree:3: x: size=9 but contents f has 3 bytes$" \
	    "$S/out" -- $tool -o out s.mtree
	h_sandbox
	printf 'abc' >f
	printf '#mtree\n. type=dir mode=0755\n./x type=file mode=0644 size=3k contents=f\n' >s.mtree
	h_case "$tool: size=3k" 1 \
	    "^$tool: s\.mtree:3: x: size=3k: not a size in bytes$" \
	    "$S/out" -- $tool -o out s.mtree
	# pkgroot's spec of a root, then a file of the root grows.
	h_sandbox
	mkdir -p root/etc
	printf 'one\n' >root/etc/motd
	printf '#mtree\n. type=dir mode=0755\n./etc type=dir mode=0755\n./etc/motd type=file mode=0644 size=4 contents=root/etc/motd\n' >root.mtree
	printf 'one more line\n' >>root/etc/motd
	h_case "$tool: a root file that changed after its spec was written" 1 \
	    "^$tool: root\.mtree:4: etc/motd: size=4 but contents root/etc/motd has 18 bytes$" \
	    "$S/out" -- $tool -o out root.mtree
done

# An owner of (uid_t)-1 (issue 19): the kernel's unpacker chowns to it,
# which leaves the file it made as root root's: a setuid root file.
for tool in mkcpio mksqfs; do
	h_sandbox
	printf 'x\n' >f
	printf '#mtree\n. type=dir mode=0755\n./sh2 type=file mode=4755 uid=4294967295 gid=4294967295 contents=f\n' >own.mtree
	h_case "$tool: a setuid file of owner 4294967295" 1 \
	    "^$tool: own\.mtree:3: sh2: owner 4294967295:4294967295 out of range$" \
	    "$S/out" -- $tool -o out own.mtree
done
t_done
