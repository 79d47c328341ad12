#!/bin/sh
# mkcpio: newc cpio from tree specs and directories, checked against the
# format by hand, bsdcpio/bsdtar (libarchive), GNU cpio and the compressors.
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 1

# --- Fixtures -------------------------------------------------------------
. "$top/tests/fixture.sh"

# The hand-made expectation: one newc header (spec: buffer-format.rst).
hdr() { # ino mode uid gid nlink mtime size rmaj rmin name
	printf '070701%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x' \
	    "$1" "$2" "$3" "$4" "$5" "$6" "$7" 0 0 "$8" "$9" \
	    $((${#10} + 1)) 0
	printf '%s\0' "${10}"
	pad $((110 + ${#10} + 1))
}
pad() { n=$(( (4 - $1 % 4) % 4 )); [ $n -gt 0 ] && head -c $n /dev/zero; true; }

cat >tiny.mtree <<'EOF'
#mtree
. type=dir mode=0755 uid=0 gid=0 time=100.0
./hello type=file mode=0644 uid=1 gid=2 time=200.0 contents=c/hello.txt
./link type=link mode=0777 uid=0 gid=0 time=300.0 link=hello
EOF
{
	hdr 1 $((0040755)) 0 0 2 100 0 0 0 .
	hdr 2 $((0100644)) 1 2 1 200 3 0 0 hello; printf 'hi\n'; pad 3
	hdr 3 $((0120777)) 0 0 1 250 5 0 0 link; printf 'hello'; pad 5
	hdr 0 0 0 0 1 0 0 0 0 'TRAILER!!!'
} >tiny.expected

t_ok "bytes equal a newc archive made by hand from the spec" \
    sh -c 'mkcpio -z none -t 250 tiny.mtree | cmp - tiny.expected'
t_ok "SOURCE_DATE_EPOCH clamps like -t" \
    sh -c 'SOURCE_DATE_EPOCH=250 mkcpio -z none tiny.mtree | cmp - tiny.expected'
t_ok "an empty spec: an archive of the trailer alone" \
    sh -c 'printf "#mtree\n" | mkcpio -z none >empty.cpio && [ $(wc -c <empty.cpio) = 124 ] &&
	[ -z "$(bsdcpio -it <empty.cpio 2>/dev/null)" ]'
t_ok "spec on stdin" \
    sh -c 'mkcpio -z none -t 250 <tiny.mtree | cmp - tiny.expected'

full_spec
# plain0: c/two-link a copy; from here on it is a hard link to c/two.
mkcpio -z none full.mtree >plain0
rm c/two-link && ln c/two c/two-link

# Listing as libarchive reads an archive: mode, owner, size, link, name.
cat >list <<'EOF'
#!/bin/sh
bsdtar -tvf - --numeric-owner | awk '{ $2 = $6 = $7 = $8 = ""; print }' |
	sed 's,  *, ,g; s, \./, ,' | sort
EOF
chmod +x list

if need bsdtar bsdcpio; then
	# bsdtar stores a hard link's bytes twice, mkcpio once (below).
	t_ok "bsdtar @spec reads the same spec: equal listings" \
	    sh -c 'mkcpio -z none full.mtree | ./list | grep -v etc/two >ours &&
		bsdtar -cf - --format newc @full.mtree | ./list | grep -v etc/two >theirs &&
		diff ours theirs && [ $(wc -l <ours) = 18 ]'
	t_ok "bsdcpio -itv reads every entry" \
	    sh -c 'mkcpio -z none full.mtree | bsdcpio -itv 2>/dev/null | wc -l |
		grep -qx 21'
	t_ok "file bytes come back unchanged (bsdtar -xO)" \
	    sh -c 'mkcpio full.mtree | bsdtar -xOf - etc/random | cmp - c/random'
	t_eq "odd names survive (space, newline, non-UTF-8)" \
	    "$(printf 'etc/new\nline\netc/with space\netc/\377latin1\351')" \
	    sh -c 'mkcpio -z none full.mtree | bsdcpio -it 2>/dev/null |
		grep -a -e space -e line -e new -e latin1'
	t_ok "hard links on disk stay hard links, bytes stored once" \
	    sh -c 'mkdir x && mkcpio -z none full.mtree | (cd x && bsdcpio -id 2>/dev/null);
		[ "$(stat -c "%h %i" x/etc/two x/etc/two-link | sort -u | wc -l)" = 1 ] &&
		stat -c %h x/etc/two | grep -qx 2 && cmp x/etc/two c/two &&
		[ $(mkcpio -z none full.mtree | wc -c) -eq $(($(wc -c <plain0) - 8)) ]'
	t_ok "entries sharing a contents file are separate files" \
	    sh -c 'stat -c "%h %i" x/etc/shadow x/etc/with\ space | sort -u | wc -l | grep -qx 2'
	t_ok "setuid bit and group recorded" \
	    sh -c 'mkcpio -z none full.mtree | ./list | grep -q "^-rwsr-xr-x 0 0 20 bin/su$" &&
		mkcpio -z none full.mtree | ./list | grep -q "^-rw-r----- 0 42 3 etc/shadow$"'
	t_ok "device numbers from the spec, not the host" \
	    sh -c 'mkcpio -z none full.mtree | bsdcpio -itv 2>/dev/null |
		grep -q "^brw-rw----.* 8,0 .*dev/sda$"'
else
	t_skip "libarchive readers" "bsdtar/bsdcpio not installed"
fi
if need cpio; then
	t_ok "GNU cpio -it lists the same names" \
	    sh -c 'mkcpio -z none full.mtree | cpio -it --quiet | grep -av line >gnu &&
		mkcpio -z none full.mtree | bsdcpio -it 2>/dev/null | grep -av line >bsd &&
		diff gnu bsd'
	t_ok "GNU cpio extracts the same bytes" \
	    sh -c 'mkdir g && mkcpio -z none full.mtree | (cd g && cpio -id --quiet 2>/dev/null);
		cmp g/etc/random c/random && cmp g/bin/sh c/init'
else
	t_skip "GNU cpio reader" "cpio not installed"
fi
t_ok "entries sorted bytewise, parents first" \
    sh -c 'mkcpio -z none full.mtree | bsdcpio -it 2>/dev/null | grep -av line >names &&
	LC_ALL=C sort -c names && head -1 names | grep -qx .'

# --- Compression -----------------------------------------------------------
mkcpio -z none full.mtree >plain
for z in zstd gzip xz; do
	if need $z; then
		t_ok "-z $z decompresses ($z -dc) to the plain archive" \
		    sh -c "mkcpio -z $z full.mtree | $z -dc | cmp - plain"
	else
		t_skip "-z $z" "$z not installed"
	fi
done
t_ok "zstd is the default" sh -c 'mkcpio full.mtree | zstd -dc | cmp - plain'
t_ok "zstd frame has a content checksum and the size" \
    sh -c 'mkcpio -o z.zst full.mtree && zstd -lv z.zst >zl &&
	grep -q "Check: XXH64" zl && grep -q "Decompressed Size: .*($(wc -c <plain) B)" zl'
t_ok "xz stream uses CRC32, as the kernel requires" \
    sh -c 'mkcpio -z xz -o z.xz full.mtree && xz -lvv z.xz | grep -q "CRC32"'
t_ok "-l 19 is a valid zstd level" sh -c 'mkcpio -l 19 full.mtree | zstd -dc | cmp - plain'
t_ok "-l 1 gzip and -l 0 xz" \
    sh -c 'mkcpio -z gzip -l 1 full.mtree | gzip -dc | cmp - plain &&
	mkcpio -z xz -l 0 full.mtree | xz -dc | cmp - plain'

# --- Reproducibility -------------------------------------------------------
mkcpio -t 500 -o ref.zst full.mtree
t_ok "same bytes under another umask, TZ and locale" \
    sh -c 'umask 077; TZ=Asia/Tokyo LC_ALL=C.UTF-8 mkcpio -t 500 full.mtree | cmp - ref.zst'
t_ok "same bytes from another build path" \
    sh -c 'mkdir -p elsewhere/deep && cp -a c full.mtree elsewhere/deep/ &&
	cd elsewhere/deep && mkcpio -t 500 full.mtree | cmp - ../../ref.zst'
if need taskset; then
	for z in zstd xz; do
		t_ok "same $z bytes on one CPU as on all" \
		    sh -c "mkcpio -z $z -t 500 full.mtree >all && taskset -c 0 mkcpio -z $z -t 500 full.mtree | cmp - all"
	done
else
	t_skip "CPU count independence" "taskset not installed"
fi
t_ok "mtimes clamped, older ones kept" \
    sh -c 'mkcpio -z none -t 500 tiny.mtree | bsdtar -tvf - | grep -c "Jan  1  1970" | grep -qx 3'

# --- Directory operands ----------------------------------------------------
mkdir -p d1/etc d1/bin d2
printf 'a\n' >d1/etc/a; printf 'bb\n' >d1/etc/b; printf 'x\n' >d1/bin/x
ln d1/etc/a d1/etc/a-hard; ln -s ../etc/a d1/bin/sym; chmod 4755 d1/bin/x
# The same tree built in the opposite order: another directory order.
mkdir -p d2/bin d2/etc
ln -s ../etc/a d2/bin/sym; printf 'x\n' >d2/bin/x; chmod 4755 d2/bin/x
printf 'bb\n' >d2/etc/b; printf 'a\n' >d2/etc/a; ln d2/etc/a d2/etc/a-hard
chmod 755 d1 d2
touch -d @1000 d1 d1/* d1/*/* d2 d2/* d2/*/*; touch -h -d @1000 d1/bin/sym d2/bin/sym
t_ok "directory walk: same bytes whatever the creation order" \
    sh -c 'mkcpio -z none d1 >w1 && mkcpio -z none d2 | cmp - w1'
t_eq "directory walk: owners 0:0, modes from disk" \
    "$(printf '%s\n' 'drwxr-xr-x 0 0 0 .' 'drwxr-xr-x 0 0 0 bin' \
	'-rwsr-xr-x 0 0 2 bin/x' 'lrwxrwxrwx 0 0 8 bin/sym -> ../etc/a' \
	'drwxr-xr-x 0 0 0 etc' '-rw-r--r-- 0 0 0 etc/a' \
	'-rw-r--r-- 0 0 2 etc/a-hard link to etc/a' '-rw-r--r-- 0 0 3 etc/b' | sort)" \
    sh -c 'bsdtar -tvf w1 --numeric-owner | awk "{ \$2 = \"\"; \$6 = \$7 = \$8 = \"\"; print }" |
	sed "s/  */ /g" | sort'
t_ok "a spec operand amends a directory operand" \
    sh -c 'printf "#mtree\n./etc/b type=file mode=0600 uid=7 contents=d1/etc/b\n" >amend &&
	mkcpio -z none d1 amend | bsdtar -tvf - --numeric-owner | grep -q "^-rw------- .* 7 *0 .* etc/b$"'

# --- Amending specs: later entries replace earlier ones --------------------
printf '#mtree\n./etc/two type=file mode=0600 uid=5 gid=0 time=1000.0 contents=c/hello.txt\n' >extra.mtree
t_ok "cat spec extra | mkcpio equals mkcpio spec extra" \
    sh -c 'cat full.mtree extra.mtree | mkcpio -z none >cat.out && mkcpio -z none full.mtree extra.mtree | cmp - cat.out'
t_ok "the later entry wins" \
    sh -c 'mkcpio -z none full.mtree extra.mtree | bsdtar -tvf - --numeric-owner |
	grep -q "^-rw------- .* 5 *0 *3 .* etc/two$"'
t_ok "a trimmed spec (grep -v) is still a spec" \
    sh -c 'grep -v "^\./etc/" full.mtree | mkcpio -z none | bsdcpio -it 2>/dev/null | grep -c ^etc | grep -qx 1'

# --- Segments: uncompressed early microcode, then the compressed root ------
mkdir -p uc/kernel/x86/microcode
printf 'UCODE' >uc/kernel/x86/microcode/GenuineIntel.bin
chmod 755 uc uc/kernel uc/kernel/x86 uc/kernel/x86/microcode
mkcpio -z none uc >early.plain
t_ok "-e: first archive uncompressed and complete" \
    sh -c 'mkcpio -e uc -o seg full.mtree &&
	head -c $(wc -c <early.plain) seg | cmp - early.plain'
t_ok "-e: GNU cpio finds the microcode at the start" \
    sh -c 'cpio -it --quiet <seg | grep -qx kernel/x86/microcode/GenuineIntel.bin'
t_ok "-e: second archive is the compressed root" \
    sh -c 'tail -c +$(($(wc -c <early.plain) + 1)) seg | zstd -dc | cmp - plain'

# --- Atomic output ---------------------------------------------------------
t_err "existing output refused without -f" 1 'mkcpio: seg: exists; use -f' \
    mkcpio -o seg full.mtree
t_ok "-f replaces it" sh -c 'mkcpio -f -z none -o seg full.mtree && cmp seg plain'
t_ok "output file mode follows the umask" \
    sh -c 'umask 027 && mkcpio -o m.out full.mtree && stat -c %a m.out | grep -qx 640'

# --- Bad input: one line, exit 1, nothing left at -o ------------------------
bad() { # desc regex spec-text
	printf '#mtree\n. type=dir\n%s\n' "$3" >bad.mtree
	t_err "$1" 1 "$2" mkcpio -o bad.out bad.mtree
	t_ok "$1: no output, no temporary" sh -c '! ls -A | grep -q "bad\.out"'
}
bad "missing contents file" "mkcpio: bad.mtree: .*nope" \
    './f type=file contents=nope'
bad "path escaping the root" 'mkcpio: bad.mtree:3: \.\./etc/passwd: path escapes the root' \
    './../etc/passwd type=file contents=c/two'
bad "escaping in the middle" 'path escapes the root' \
    './a/../../x type=file contents=c/two'
bad "absolute path" "Can't parse line 3" \
    '/etc/x type=file contents=c/two'
bad "duplicate path of another type" 'mkcpio: bad.mtree:4: \./x: duplicate entry of another type \(dir, was file' \
    "$(printf './x type=file contents=c/two\n./x type=dir')"
bad "missing parent directory" 'mkcpio: a/b: parent directory a is not in the tree' \
    './a/b type=file contents=c/two'
bad "parent that is not a directory" 'parent x is a file, not a directory' \
    "$(printf './x type=file contents=c/two\n./x/y type=file contents=c/two')"
bad "contents that is a directory" 'different type for \./x' \
    './x type=file contents=c'
bad "relative (non-full) entry" 'relative entry' \
    'x type=file contents=c/two'
bad "symlink without a target" 'symlink without link=' \
    './s type=link'
bad "owner beyond 32 bits" 'bad.mtree:3: u: owner 4294967296:0 out of range' \
    './u type=dir uid=4294967296'
bad "negative group" 'owner 0:-1 out of range' './g type=dir gid=-1'
t_err "a root that is not a directory" 1 'mkcpio: \.: the root is a fifo, not a directory' \
    sh -c 'printf ". type=fifo contents=nope\n" | mkcpio -o bad.out -'
bad "an entry named like the trailer" 'mkcpio: TRAILER!!!: the name of the cpio trailer' \
    './TRAILER!!! type=dir'
long=$(head -c 4096 /dev/zero | tr '\0' a)
bad "name longer than the kernel takes" 'name longer than 4095 bytes' \
    "./$long type=file contents=c/two"
bad "symlink target too long" 'symlink target longer than 4095 bytes' \
    "./s type=link link=$long"
t_err "separate specs: duplicate of another type" 1 'x: duplicate entry of another type \(file, then dir\)' \
    sh -c 'printf "#mtree\n./x type=file contents=c/two\n" >s1; printf "#mtree\n./x type=dir\n" >s2; mkcpio -z none s1 s2'
t_err "missing spec file" 1 'mkcpio: nonexistent: No such file' mkcpio nonexistent
t_err "a spec that is not mtree" 1 'mkcpio: c/random: ' mkcpio -z none c/random

if [ "$(id -u)" -eq 0 ] && need setpriv; then
	asuser() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
else
	asuser() { "$@"; }
fi
mkdir -p ur && printf 'secret\n' >ur/locked && chmod 000 ur/locked && chmod 777 ur && chmod 755 "$T"
t_err "unreadable file" 1 'mkcpio: ur/locked: Permission denied' \
    asuser mkcpio -z none -o ur/out.cpio ur
t_ok "unreadable file: no output, no temporary" sh -c '! ls -A ur | grep -q out'

# --- Usage errors: exit 2 --------------------------------------------------
t_usage "unknown option" mkcpio -Q
t_err "unknown compressor" 2 'mkcpio: -z lz4: unknown compressor' mkcpio -z lz4
t_err "level out of range" 2 'mkcpio: -l: 0: out of range 1\.\.' mkcpio -l 0 full.mtree
t_err "level not a number" 2 'mkcpio: -l: 3x: not a number' mkcpio -l 3x full.mtree
t_err "level with -z none" 2 'mkcpio: -l: -z none takes no level' mkcpio -z none -l 3 full.mtree
t_err "bad -t" 2 'mkcpio: -t: yesterday: not a number' mkcpio -t yesterday full.mtree
t_err "bad SOURCE_DATE_EPOCH" 2 'mkcpio: SOURCE_DATE_EPOCH: -5: out of range' \
    env SOURCE_DATE_EPOCH=-5 mkcpio full.mtree

# --- Interruption: killed mid-write, nothing is left -----------------------
# strace delivers the signal as mkcpio makes its second write into the
# temporary (polling for the temporary raced the write on a loaded
# machine), and its trace shows the temporary was there to be removed.
# A signal the test runs with ignored (nohup, a background job) stays
# ignored in mkcpio, as it should: env restores its default first.
head -c 2000000 /dev/urandom >c/big
printf '#mtree\n./big type=file contents=c/big\n' >big.mtree
if need strace && strace -f -qq -o /dev/null -e trace=write \
    -e inject=write:signal=TERM:when=1 true 2>/dev/null; then
	for sig in TERM:143 HUP:129 INT:130; do
		t_ok "SIG${sig%:*} mid-write: killed, no output, no temporary" sh -c '
			rm -rf k && mkdir k &&
			env --default-signal=$1 strace -f -qq -o sig.trace -e trace=openat,write \
			    -e inject=write:signal=$1:when=2 mkcpio -z none -o k/out big.mtree
			rc=$?
			grep -Eq "openat\(AT_FDCWD, \"k/\.out\.tmp[^\"]*\", .*O_CREAT.* = [0-9]+$" sig.trace &&
			    grep -q "^[0-9]*  *+++ killed by SIG$1 +++$" sig.trace && [ $rc -eq $2 ] &&
			    [ -z "$(ls -A k)" ] || { echo "exit $rc" >&2; tail -5 sig.trace >&2; exit 1; }' sh "${sig%:*}" "${sig#*:}"
	done
else
	t_skip "signals mid-write" "strace not installed or not permitted"
fi

# Only a file entry without contents= looks at the current directory (as
# bsdtar @spec): a source tree's bin/ does not clash with the spec's ./bin
# symlink, and ./etc/passwd (type=file, no contents=) is the file of that
# name here, with the keywords the spec leaves out (its size) from it.
mkdir -p cwd/bin cwd/etc && printf 'host secret\n' >cwd/etc/passwd
printf '#mtree\n. type=dir mode=0755\n./bin type=link link=usr/bin\n./etc type=dir mode=0755\n./etc/passwd type=file mode=0644\n./c type=file contents=../c/hello.txt\n' >cwd/s.mtree
t_ok "a file entry without contents= is the file of its path here; a link is a link" \
    sh -c 'cd cwd && mkcpio -z none -o ../cwd.cpio s.mtree && cd .. &&
	bsdcpio -itv <cwd.cpio 2>/dev/null >cwd.list && grep -q "^l.* bin -> usr/bin$" cwd.list &&
	[ "$(bsdtar -xOf cwd.cpio etc/passwd)" = "host secret" ] && [ "$(bsdtar -xOf cwd.cpio c)" = hi ]'
t_ok "-C dir: the same archive from elsewhere" \
    sh -c 'mkcpio -z none -C cwd -o cwdC.cpio cwd/s.mtree && cmp cwd.cpio cwdC.cpio'
# "." is read as every entry the spec says little of: not from the
# directory the spec is read in (that gave the time of the run, the
# builder's uid and 0500; the case above failed when a second passed
# between its two runs).
printf '#mtree\n. type=dir\n./zz type=dir\n' >bare.mtree
t_eq '". type=dir" alone: owner 0:0, no permission bits, time 0, as "./zz type=dir"' \
    "d--------- 0 0 0 .
d--------- 0 0 0 zz" \
    sh -c "mkcpio -z none -o bare.cpio bare.mtree && bsdcpio -itvn <bare.cpio 2>/dev/null |
	awk '{ print \$1, \$3, \$4, \$5, \$NF }' | sed 's/ 0 Jan  1  1970 / 0 /'"
t_err "a file entry whose file is not there: an error, not an empty file" 1 \
    "^mkcpio: \\.\\./cwd/s\\.mtree: Can't open .*/empty/\\./etc/passwd$" sh -c 'mkdir -p empty && cd empty && mkcpio -z none -o ../none.cpio ../cwd/s.mtree'
# The spec bsdtar writes of a directory (every keyword, type=file without
# contents=) gives that directory's tree, read in it or with -C: the same
# names, modes, link and bytes as bsdtar's own archive of it.
mkdir -p bt/usr/bin bt/etc && printf 'hello\n' >bt/etc/motd && printf '#!/bin/sh\n' >bt/usr/bin/x &&
    chmod 755 bt/usr/bin/x && ln -s usr/bin bt/bin && chmod 600 bt/etc/motd
(cd bt && bsdtar -cf - --format=mtree .) >bt.mtree
(cd bt && bsdtar -cf - --format=newc .) >bt.cpio
t_ok "bsdtar's mtree of a directory, read with -C: bsdcpio lists what bsdtar's own cpio has" \
    sh -c 'mkcpio -z none -C bt -o bt-ours.cpio bt.mtree &&
	bsdcpio -itv <bt.cpio 2>/dev/null | awk "{ print \$1, \$NF }" | sed "s,^\\(.*\\) \\./,\\1 ," | grep -v " \\.$" | sort >bt.want &&
	bsdcpio -itv <bt-ours.cpio 2>/dev/null | awk "{ print \$1, \$NF }" | grep -v " \\.$" | sort >bt.got && diff bt.want bt.got &&
	[ "$(bsdtar -xOf bt-ours.cpio etc/motd)" = hello ]'
t_ok "a mode the spec leaves out comes from the file" \
    sh -c 'printf "#mtree\n./etc type=dir mode=0755\n./etc/motd type=file\n" >nomode.mtree &&
	mkcpio -z none -C bt -o nomode.cpio nomode.mtree && bsdcpio -itv <nomode.cpio 2>/dev/null | grep -q "^-rw------- .* etc/motd$"'
# A line continued by a backslash is one entry (libarchive's readline):
# its name, found here, and a relative contents= on the next line, as
# bsdtar reads the same spec.
printf '#mtree\n./etc type=dir mode=0755\n./etc/motd\\\n type=file mode=0644\n./etc/issue type=file \\\n mode=0644 contents=etc/motd\n' >cont.mtree
t_ok "an entry line continued by a backslash: the file of its name, and contents= on the next line" \
    sh -c 'mkcpio -z none -C bt -o cont.cpio cont.mtree && (cd bt && bsdtar -cf ../cont-bsdtar.cpio --format=newc @../cont.mtree) &&
	[ "$(bsdtar -xOf cont.cpio etc/motd)" = hello ] && [ "$(bsdtar -xOf cont.cpio etc/issue)" = hello ] &&
	bsdcpio -it <cont.cpio 2>/dev/null | sort >cont.got && bsdcpio -it <cont-bsdtar.cpio 2>/dev/null | sed "s,^\./,," | sort >cont.want && diff cont.want cont.got'
t_done
