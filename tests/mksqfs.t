#!/bin/sh
# mksqfs: squashfs images from tree specs and directories, read back with
# squashfs-tools (unsquashfs) and squashfs-tools-ng (sqfs2tar), compared
# with what libarchive's bsdtar reads from the same spec.
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 1

if ! need unsquashfs sqfs2tar bsdtar python3; then
	t_skip "mksqfs" "unsquashfs, sqfs2tar, bsdtar or python3 not installed"
	t_done
fi
. "$top/tests/fixture.sh"
full_spec

# The spec as bsdtar reads it, and the image as sqfs2tar reads it, both
# listed by bsdtar: mode, owner, size, time, name, link target.
cat >tlist <<'EOF'
#!/bin/sh
bsdtar -tvf - --numeric-owner | awk '{ $2 = ""; print }' | sed 's,  *, ,g; s, \./, ,; s, link to \./, link to ,' | sort
EOF
chmod +x tlist
# (the root, "." or an empty name, is not listed by sqfs2tar)
bsdtar -cf - --format pax @full.mtree 2>/dev/null | ./tlist | grep -v -e ' \.$' -e ' $' >spec.list

t_ok "build an image from the spec" mksqfs -o full.sqfs full.mtree
t_ok "sqfs2tar reads back the spec: names, modes, owners, sizes, times, targets" \
    sh -c 'sqfs2tar full.sqfs | ./tlist >sqfs.list && diff spec.list sqfs.list'
# unsquashfs -lln: "mode uid/gid size date time path [-> target]", as
# "mode uid gid size /path [-> target]", directory sizes (squashfs's own)
# left out; names with blanks or newlines are checked by extraction below.
cat >ulist <<'EOF'
#!/bin/sh
unsquashfs -lln "$1" | grep -a '^[-dlcbps]' |
	awk '{ if ($3 ~ /,$/) { $3 = $3 $4; $4 = "" } print }' |
	sed 's,  *, ,g; s, [0-9-]* [0-9:]* squashfs-root, ,; s,^\([^ ]*\) \([0-9]*\)/\([0-9]*\),\1 \2 \3,' |
	awk '$1 ~ /^[dl]/ { $4 = "-" } { print }' | grep -av -e latin1 -e new -e line -e space -e ' -$' | sort
EOF
chmod +x ulist
t_eq "unsquashfs -lln lists the spec" \
    "$(sed 's/ [A-Z][a-z][a-z] [0-9]* [0-9:]* / \//; s, link to .*,,; s,/$,,' spec.list |
	awk '$1 ~ /^[dl]/ { $4 = "-" } { print }' | grep -av -e latin1 -e new -e line -e space | sort)" \
    ./ulist full.sqfs
t_ok "extracted bytes are the contents (unsquashfs -d)" \
    sh -c 'unsquashfs -q -d x full.sqfs >/dev/null && cmp x/etc/random c/random && cmp x/bin/su c/init &&
	cmp "x/etc/with space" c/hello.txt && cmp "$(printf "x/etc/new\nline")" c/hello.txt &&
	cmp "$(printf "x/etc/\377latin1\351")" c/hello.txt'
t_ok "setuid, devices and fifo kept" \
    sh -c '[ "$(stat -c %a x/bin/su)" = 4755 ] && [ "$(stat -c %t,%T x/dev/sda)" = 8,0 ] && [ -p x/run/initctl ]'
t_ok "image size is a multiple of 4096 (a dm-verity block)" \
    sh -c '[ $(( $(wc -c <full.sqfs) % 4096 )) = 0 ]'
if need veritysetup; then
	t_ok "mkverity takes the image: veritysetup verify accepts the tree over all its blocks" \
	    sh -c 'root=$(mkverity -o full.verity full.sqfs) && veritysetup verify full.sqfs full.verity "$root" &&
		veritysetup dump full.verity | grep -q "^Data blocks:[[:space:]]*$(($(wc -c <full.sqfs) / 4096))\$"'
else
	t_skip "mkverity takes the image" "veritysetup (cryptsetup-bin) not installed"
fi

t_ok "two builds: the same bytes" sh -c 'mksqfs -o again.sqfs full.mtree && cmp full.sqfs again.sqfs'
t_ok "-j 1 and -j 2: the same bytes" \
    sh -c 'mksqfs -j 1 -o j1.sqfs full.mtree && mksqfs -j 2 -o j2.sqfs full.mtree && cmp j1.sqfs j2.sqfs'
t_ok "another umask, time zone, locale and build path: the same bytes" \
    sh -c 'mkdir -p el/se && cp -a c full.mtree el/se/ && cd el/se && umask 077 &&
	TZ=Asia/Tokyo LC_ALL=C.UTF-8 mksqfs -o p.sqfs full.mtree && cmp p.sqfs ../../full.sqfs'
# (The spec's entries are of time 1000: every one clamped to 500.)
t_ok "superblock time is the epoch (-t), mtimes clamped" \
    sh -c 'mksqfs -t 500 -o t.sqfs full.mtree && unsquashfs -s t.sqfs | grep -q "Thu Jan  1 00:08:20 1970" &&
	sqfs2tar t.sqfs | python3 -c "
import sys, tarfile
t = {m.mtime for m in tarfile.open(fileobj=sys.stdin.buffer, mode=\"r|\")}
assert t == {500}, t"'
t_ok "superblock time from SOURCE_DATE_EPOCH" \
    sh -c 'SOURCE_DATE_EPOCH=500 mksqfs -o t2.sqfs full.mtree && cmp t.sqfs t2.sqfs'
for z in xz gzip lz4; do
	t_ok "-z $z: readable, same listing" \
	    sh -c "mksqfs -z $z -o $z.sqfs full.mtree && unsquashfs -s $z.sqfs | grep -q 'Compression $z' &&
		sqfs2tar $z.sqfs | ./tlist | diff spec.list -"
done
t_ok "-l 19 -b 1M: readable" \
    sh -c 'mksqfs -l 19 -b 1M -o big.sqfs full.mtree && unsquashfs -s big.sqfs | grep -q "Block size 1048576" &&
	sqfs2tar big.sqfs | ./tlist | diff spec.list -'

# Hard links: one inode, bytes once.
rm c/two-link && ln c/two c/two-link
t_ok "hard links on disk: one inode in the image" \
    sh -c 'mksqfs -o hl.sqfs full.mtree && unsquashfs -q -d hl hl.sqfs >/dev/null &&
	[ "$(stat -c %i hl/etc/two)" = "$(stat -c %i hl/etc/two-link)" ] && [ "$(stat -c %h hl/etc/two)" = 2 ]'

# Directories, and a spec without a root entry.
mkdir -p d1/a/b && printf 'x\n' >d1/a/b/f && ln -s ../f d1/a/link && chmod 755 d1 d1/a d1/a/b
t_ok "a directory operand: owners 0:0, modes from disk" \
    sh -c 'mksqfs -o d.sqfs d1 && unsquashfs -lln d.sqfs | grep -q "^-rw-r--r-- 0/0 .* squashfs-root/a/b/f$" &&
	unsquashfs -lln d.sqfs | grep -q "^lrwxrwxrwx 0/0 .* squashfs-root/a/link -> ../f$"'
printf '#mtree\n./x type=file mode=0600 uid=3 contents=c/two\n' >noroot.mtree
t_ok "no root in the spec: a 0755 root owned by root" \
    sh -c 'mksqfs -o nr.sqfs noroot.mtree && unsquashfs -lln nr.sqfs | grep -q "^drwxr-xr-x 0/0 .* squashfs-root$" &&
	unsquashfs -lln nr.sqfs | grep -q "^-rw------- 3/0 .* squashfs-root/x$"'
t_ok "an empty file" \
    sh -c ': >e0 && printf "#mtree\n./e type=file size=0 contents=e0\n" >e.mtree && mksqfs -o e.sqfs e.mtree && unsquashfs -lln e.sqfs | grep -q " 0 .*squashfs-root/e$"'
t_ok "-C dir: a file entry without contents= is the file of its path there" \
    sh -c 'mkdir -p cdir && printf "x\n" >cdir/e && printf "#mtree\n./e type=file\n" >ce.mtree &&
	mksqfs -C cdir -o ce.sqfs ce.mtree && unsquashfs -cat ce.sqfs e | grep -qx x'

# Bad input and usage.
printf '#mtree\n./f type=file contents=nope\n' >bad.mtree
t_err "missing contents file" 1 'mksqfs: bad.mtree: .*nope' mksqfs -o bad.sqfs bad.mtree
printf '#mtree\n./../x type=file contents=c/two\n' >esc.mtree
t_err "path escaping the root" 1 'path escapes the root' mksqfs -o bad.sqfs esc.mtree
long=$(head -c 300 /dev/zero | tr '\0' a)
printf '#mtree\n./%s type=file contents=c/two\n' "$long" >long.mtree
t_err "name longer than squashfs takes" 1 'name longer than 256 bytes' mksqfs -o bad.sqfs long.mtree
t_ok "bad input: no image, no temporary" sh -c '! ls -A | grep -q "bad\.sqfs"'
t_err "existing image refused without -f" 1 'mksqfs: full.sqfs: exists; use -f' mksqfs -o full.sqfs full.mtree
t_ok "-f replaces it" mksqfs -f -o full.sqfs full.mtree
t_missing "no -o" "mksqfs: -o image is required" mksqfs full.mtree
t_err "unknown compressor" 2 'mksqfs: -z lzo: unknown compressor' mksqfs -z lzo -o x full.mtree
t_err "bad block size" 2 'mksqfs: -b 5000: not a power of two' mksqfs -b 5000 -o x full.mtree
t_err "bad level" 2 'mksqfs: -l: 30: out of range' mksqfs -l 30 -o x full.mtree

# Killed mid-build: nothing at the output path. strace delivers SIGTERM as
# mksqfs makes its third write into the temporary (polling for the
# temporary raced the build on a loaded machine), and its trace shows the
# temporary was there to be removed.
head -c 2000000 /dev/urandom >c/big
printf '#mtree\n./big type=file contents=c/big\n' >big.mtree
if need strace && strace -f -qq -o /dev/null -e trace=pwrite64 \
    -e inject=pwrite64:signal=TERM:when=1 true 2>/dev/null; then
	t_ok "SIGTERM mid-build: killed, no image, no temporary" sh -c '
		rm -rf k && mkdir k &&
		strace -f -qq -o term.trace -e trace=openat,pwrite64 \
		    -e inject=pwrite64:signal=TERM:when=3 mksqfs -o k/i big.mtree
		rc=$?
		grep -Eq "openat\(AT_FDCWD, \"k/\.i\.tmp[^\"]*\", .*O_CREAT.* = [0-9]+$" term.trace &&
		    grep -q "^[0-9]*  *+++ killed by SIGTERM +++$" term.trace && [ $rc -eq 143 ] &&
		    [ -z "$(ls -A k)" ] || { echo "exit $rc" >&2; tail -5 term.trace >&2; exit 1; }'
else
	t_skip "SIGTERM mid-build" "strace not installed or not permitted"
fi
t_done
