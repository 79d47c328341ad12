#!/bin/sh
# Hostile .deb packages for pkgroot (issue 11): each made here by
# tests/mkdeb.py into its own sandbox beside an "outside" directory the
# attack aims at, and given as a local operand; the apt state is a shared
# cache over an empty local repository (offline), outside the sandboxes.
. "$(dirname "$0")/../lib.sh"
. "$top/tests/hostile/lib.sh"
. "$top/tests/repo.sh"

for c in apt-get apt-ftparchive gpg python3; do
	if ! need $c; then
		t_skip "pkgroot: hostile packages" "$c not installed"
		t_done
	fi
done
repo_init "$T/repo"
repo_index
mkdir -p "$T/bin"
printf '#!/bin/sh\nexec pkgroot -a amd64 -r bookworm -m "copy:%s/repo" -K "%s" -c "%s/cache" "$@"\n' \
    "$T" "$KEY" "$T" >"$T/bin/pr"
chmod +x "$T/bin/pr"
PATH=$T/bin:$PATH

# A sandbox with outside/file, the attack's target beside the root.
box() {
	h_sandbox
	mkdir outside && echo keep >outside/file
}

# hdeb NAME [FIELD: VALUE]... < entries: $S/NAME.deb, version $VER
# (default 1.0); $DATA, if set, is the --data-ext (and --data-comp)
# arguments.
hdeb() {
	_n=$1
	shift
	{
		printf 'Package: %s\nVersion: %s\nArchitecture: all\n' "$_n" "${VER:-1.0}"
		printf 'Maintainer: test <test@invalid>\nDescription: hostile\n'
		for _f; do printf '%s\n' "$_f"; done
	} >"$T/control"
	# shellcheck disable=SC2086
	python3 "$top/tests/mkdeb.py" "$S/$_n.deb" "$T/control" ${DATA:-}
}

# deb_case NAME REGEX PKG: pkgroot on ./PKG.deb, the root at $S/root.
deb_case() {
	h_case "pkgroot: $1" 1 "^pkgroot: \./$3\.deb(:[0-9]+)?: $2" "$S/root" -- \
	    pr -o root "./$3.deb"
}

# Traversal by name.
box
hdeb dotdot <<'EOF'
dir ./ 0755
file ./../outside/pwned 0644 0 0 x
EOF
deb_case "../ in a name" '\./\.\./outside/pwned: path escapes the root' dotdot

box
hdeb deepdotdot <<'EOF'
dir ./usr 0755
file ./usr/../../outside/pwned 0644 0 0 x
EOF
deb_case "../ deeper in a name" '.*path escapes the root' deepdotdot

box
hdeb absolute <<EOF
dir ./usr 0755
file $S/outside/pwned 0644 0 0 x
EOF
deb_case "an absolute name into the sandbox" "$S/outside/pwned: absolute path" absolute

box
hdeb absdir <<EOF
dir $S/outside 0755
EOF
deb_case "an absolute directory" "$S/outside/: absolute path" absdir

# Through symlinks: absolute, relative, and one planted by an earlier
# package (the second depends on the first, so it comes after it).
box
hdeb abslink <<EOF
dir ./usr 0755
symlink ./usr/evil $S/outside
file ./usr/evil/pwned 0644 0 0 x
EOF
deb_case "a file through an absolute symlink" \
    'usr/evil/pwned: path goes through usr/evil, which is not a directory' abslink

box
hdeb rellink <<'EOF'
dir ./usr 0755
symlink ./usr/evil ../../outside
file ./usr/evil/pwned 0644 0 0 x
EOF
deb_case "a file through a relative symlink" \
    'usr/evil/pwned: path goes through usr/evil, which is not a directory' rellink

box
hdeb linkdir <<'EOF'
dir ./usr 0755
symlink ./usr/evil ../../outside
dir ./usr/evil/sub 0755
EOF
deb_case "a directory through a symlink" \
    'usr/evil/sub: path goes through usr/evil, which is not a directory' linkdir

box
hdeb planter <<EOF
dir ./usr 0755
symlink ./usr/evil $S/outside
EOF
hdeb follower 'Depends: planter' <<'EOF'
dir ./usr 0755
file ./usr/evil/pwned 0644 0 0 x
EOF
# Packages unpack in parallel: when the follower comes first, its usr/evil/
# is a directory in the planter's way, which is refused just as well.
h_case "pkgroot: a file through a symlink planted by an earlier package" 1 \
    '^pkgroot: \./(follower\.deb: usr/evil(/pwned)?: (path goes through usr/evil, which is not a directory|not a directory in the root)|planter\.deb: usr/evil: a directory is in the way)' \
    "$S/root" -- pr -o root ./planter.deb ./follower.deb

box
hdeb replacelink <<EOF
dir ./usr 0755
symlink ./usr/file $S/outside/file
file ./usr/file 0644 0 0 replaced
EOF
deb_case "a file over a symlink out" \
    '\./usr/file: duplicate entry of another type \(file, was link on line 3\)$' replacelink

# Hard links out of the root.
box
hdeb hardout <<'EOF'
dir ./usr 0755
hardlink ./usr/pwned ../../outside/file
EOF
deb_case "a hard link out by ../" '\.\./\.\./outside/file: path escapes the root' hardout

box
hdeb hardabs <<EOF
dir ./usr 0755
hardlink ./usr/pwned $S/outside/file
EOF
deb_case "a hard link to an absolute path" "$S/outside/file: absolute path" hardabs

box
hdeb hardvia <<EOF
dir ./usr 0755
symlink ./usr/evil $S/outside
hardlink ./usr/pwned ./usr/evil/file
EOF
deb_case "a hard link through a symlink" 'usr/evil/file: path goes through usr/evil, which is not a directory' hardvia

box
hdeb hardsym <<EOF
dir ./usr 0755
symlink ./usr/evil $S/outside/file
hardlink ./usr/pwned ./usr/evil
EOF
deb_case "a hard link to a symlink out" '\./usr/pwned: hard link to \./usr/evil, which is not a regular file in the root' hardsym

# A pax "path" record overriding the ustar name.
box
hdeb paxpath <<'EOF'
dir ./usr 0755
pax ./usr/safe ../../outside/pwned x
EOF
deb_case "a pax path override with ../" '\.\./\.\./outside/pwned: path escapes the root' paxpath

box
hdeb paxabs <<EOF
dir ./usr 0755
pax ./usr/safe $S/outside/pwned x
EOF
deb_case "a pax path override, absolute" "$S/outside/pwned: absolute path" paxabs

# GNU sparse files, old and pax style (dpkg refuses them), aimed through
# a symlink.
for sp in 'gnusparse ./usr/evil/pwned 8192 x' 'paxsparse ./usr/evil/pwned 0.1 8192 x' \
    'paxsparse ./usr/evil/pwned 1.0 8192 x'; do
	box
	hdeb sparse <<EOF
dir ./usr 0755
symlink ./usr/evil $S/outside
$sp
EOF
	deb_case "a sparse file (${sp%% *} ${sp##*pwned })" '\./usr/evil/pwned: sparse file \(dpkg refuses these\)' sparse
done

# Names with newlines (dpkg: "newline not allowed in archive object name").
box
hdeb nlname <<'EOF'
dir ./usr 0755
file ./usr/new\nline 0644 0 0 x
EOF
deb_case "a name with a newline" '\./usr/new\\012line: newline in a name' nlname

box
hdeb nldir <<'EOF'
dir ./usr\n 0755
EOF
deb_case "a directory name ending in a newline" '\./usr\\012/?: newline in a name' nldir

box
hdeb nlhard <<'EOF'
dir ./usr 0755
file ./usr/a 0644 0 0 x
hardlink ./usr/b ./usr/a\n
EOF
deb_case "a hard link target with a newline" '\./usr/b: hard link to \./usr/a\\012: newline in a name' nlhard

# Truncated ar archives: a good package cut in its global header, in a
# member header, in each member's data.
box
hdeb good <<'EOF'
dir ./usr 0755
file ./usr/a 0644 0 0 hello
EOF
size=$(wc -c <"$S/good.deb")
rm "$S/good.deb"
for cut in 0 4 8 30 68 72 100 200 $((size - 40)) $((size - 1)); do
	[ "$cut" -lt "$size" ] || continue
	box
	hdeb good <<'EOF'
dir ./usr 0755
file ./usr/a 0644 0 0 hello
EOF
	truncate -s "$cut" good.deb
	mv good.deb cut.deb
	deb_case "a .deb truncated to $cut of $size bytes" '.' cut
done

# Compression that is not what the member's name says, or not one at all.
for dc in '.xz gz' '.xz none' '.gz xz' '.gz none' '.zst xz' '.bz2 gz' '.lzma xz' \
    '- gz' '- xz'; do
	box
	DATA="--data-ext ${dc% *} --data-comp ${dc#* }" hdeb magic <<'EOF'
dir ./usr 0755
file ./usr/a 0644 0 0 x
EOF
	ext=${dc% *}
	[ "$ext" = - ] && ext=
	deb_case "data.tar$ext holding ${dc#* } data" \
	    "data\\.tar$ext: [a-z0-9]+ data, not [a-z0-9]+ as its name says" magic
done

box
DATA='--data-ext .lz4' hdeb lz4 </dev/null
deb_case "data.tar.lz4, a compression dpkg does not know" 'data\.tar\.lz4: unknown compression' lz4

# Decompression bombs: more data than Installed-Size declares by far,
# refused before it is written.
box
DATA='--data-ext .gz' hdeb bomb 'Installed-Size: 1' <<'EOF'
dir ./usr 0755
zeros ./usr/bomb 104857600
EOF
deb_case "a 100 MiB file in a package of 1 KiB installed (gzip bomb)" \
    'data\.tar\.gz: \./usr/bomb: unpacks to more than' bomb

box
{ echo 'dir ./usr 0755'; for i in $(seq 1 20); do echo "zeros ./usr/b$i 1048576"; done; } >"$T/entries"
DATA='--data-ext .gz' hdeb manybomb 'Installed-Size: 4' <"$T/entries"
deb_case "twenty 1 MiB files in a package of 4 KiB installed" \
    'data\.tar\.gz: \./usr/b1[0-9]: unpacks to more than' manybomb

box
hdeb claim 'Installed-Size: 1' <<'EOF'
dir ./usr 0755
claim ./usr/huge 1099511627776
EOF
deb_case "a tar header claiming 1 TiB" 'data\.tar\.xz: \./usr/huge: unpacks to more than' claim

box
hdeb nosize <<'EOF'
dir ./usr 0755
claim ./usr/big 1073741825
EOF
deb_case "a package without Installed-Size, a file over 1 GiB" \
    'data\.tar\.xz: \./usr/big: unpacks to more than' nosize

# A data.tar.xz is decoded by liblzma's threads (issue 25), to the end of
# the member: cut, or with a byte of its data or of a block's check
# changed, it is refused, as dpkg-deb refuses it; so are bytes after the
# xz stream that are neither stream padding nor another stream (both of
# which xz(1) takes), as libarchive refused them. dpkg-deb's decompressor
# stops at the first stream's end: it takes a few such bytes, and is
# killed by SIGPIPE on more than its pipe holds.
#
# xzedit PKG cut N | flip N | add FILE: $S/PKG.deb's data.tar.xz without
# its last N bytes, with byte N (from the end if negative) changed, or
# with FILE's bytes after it.
xzedit() {
	python3 - "$S/$1.deb" "$2" "$3" <<'EOF'
import sys
path, op, arg = sys.argv[1:]
b = open(path, "rb").read()
out, i = [b[:8]], 8
while i < len(b):
    h, size = b[i:i + 60], int(b[i + 48:i + 58])
    d = bytearray(b[i + 60:i + 60 + size])
    if h.startswith(b"data.tar.xz "):
        if op == "cut":
            del d[len(d) - int(arg):]
        elif op == "flip":
            d[int(arg)] ^= 0x55
        else:
            d += open(arg, "rb").read()
        h = h[:48] + b"%-10d" % len(d) + h[58:]
    out += [h, d, b"\n" * (len(d) % 2)]
    i += 60 + size + size % 2
open(path, "wb").write(b"".join(out))
EOF
}

printf 'garbage after the xz stream\n' >"$T/garbage"
for xc in 'cut 12|its footer cut|xz: unexpected end of input' \
    'cut 40|cut in its block|xz: unexpected end of input' \
    'flip 40|a byte of its data changed|xz: compressed data is corrupt' \
    'flip -25|a byte of its check changed|xz: compressed data is corrupt' \
    "add $T/garbage|bytes after its stream|xz: compressed data is corrupt"; do
	box
	printf 'dir ./usr 0755\nfile ./usr/a 0644 0 0 hello\n' | hdeb xzbad
	op=${xc%%|*}
	xzedit xzbad ${op% *} "${op#* }"
	desc=${xc#*|}
	deb_case "a data.tar.xz with ${desc%|*}" "data\\.tar\\.xz: ${xc##*|}\$" xzbad
done

# Stream padding and a second stream after the first: the same files.
box
printf 'dir ./usr 0755\nfile ./usr/a 0644 0 0 hello\n' | hdeb xzgood
pr -o root ./xzgood.deb >plain.mtree
printf '\0\0\0\0' >pad
printf 'more\n' | xz >second
xzedit xzgood add pad
xzedit xzgood add second
t_ok "pkgroot: a data.tar.xz with stream padding and a second stream" \
    sh -c 'pr -f -o root ./xzgood.deb >root.mtree && cmp plain.mtree root.mtree'

# What follows the tar archive's end is decoded too, against the ceiling.
box
hdeb xzbomb 'Installed-Size: 1' <<'EOF'
dir ./usr 0755
file ./usr/a 0644 0 0 hello
EOF
head -c 20971520 /dev/zero | xz >"$T/zeros.xz"
xzedit xzbomb add "$T/zeros.xz"
deb_case "20 MiB after the tar archive's end in a package of 1 KiB installed" \
    'data\.tar\.xz: unpacks to more than [0-9]+ bytes' xzbomb

# Owners beyond uid_t (issue 19): a pax record of 2^32 over a ustar 1000
# must not become root's setuid file, nor may (uid_t)-1, which chown(2)
# takes as "leave it", so a file made by root stays root's.
for own in 4294967296 4294967295; do
	box
	hdeb wrap <<EOF
dir ./usr 0755
paxown ./usr/sh2 4755 1000 1000 $own $own x
EOF
	deb_case "a setuid file of pax owner $own over a ustar 1000" \
	    "data\\.tar\\.xz: \\./usr/sh2: owner $own:$own out of range" wrap
done

# Deep trees (issue 19): removing one must not take a stack frame a
# level. nest N: the directories ./d, ./d/d, ... N deep, as entries.
nest() {
	python3 -c 'import sys
for i in range(1, int(sys.argv[1]) + 1):
    print("dir ./" + "/".join(["d"] * i) + " 0755")' "$1"
}

box
{ nest 2100; echo 'file ./../outside/pwned 0644 0 0 x'; } | hdeb deep
deb_case "2,100 nested directories, then a bad entry" \
    '\./\.\./outside/pwned: path escapes the root' deep
t_ok "pkgroot: 2,100 nested directories: the cache's work directory removed" \
    sh -c '! ls -a "$T"/cache/apt-*/ | grep -q "^\.work\.tmp"'

# 2,040 fit in PATH_MAX, so they install; a second run must then replace
# the root, and root.tsv with it.
box
nest 2040 | hdeb deep
mv deep.deb deep-1.0.deb
nest 2040 | VER=2.0 hdeb deep
mv deep.deb deep-2.0.deb
t_ok "pkgroot: 2,040 nested directories installed, then replaced with -f" sh -c '
	pr -o root ./deep-1.0.deb >/dev/null && pr -f -o root ./deep-2.0.deb >/dev/null &&
	grep -q "^deep	2\.0	" root.tsv && [ -d root/d/d/d ] &&
	! ls -A | grep -q tmp'


# The root and root.tsv commit together or not at all: a run killed at
# the list's rename, after the new root took its place, must not leave
# the old list beside the new root. A preloaded rename kills it there
# (what it leaves in TMPDIR, the spec reader's directory, goes with $T).
if need cc; then
	cat >"$T/killtsv.c" <<'EOF'
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void
maybe_kill(const char *to)
{
	size_t n = strlen(to);

	if (n >= 8 && strcmp(to + n - 8, "root.tsv") == 0) {
		close(open("killed", O_WRONLY | O_CREAT, 0644));
		kill(getpid(), SIGKILL);
	}
}

int
rename(const char *from, const char *to)
{
	maybe_kill(to);
	return renameat2(AT_FDCWD, from, AT_FDCWD, to, 0);
}

int
renameat(int fd, const char *from, int tofd, const char *to)
{
	maybe_kill(to);
	return renameat2(fd, from, tofd, to, 0);
}
EOF
	cc -shared -fPIC -o "$T/killtsv.so" "$T/killtsv.c"
	box
	for v in 1.0 2.0; do
		printf 'dir ./usr 0755\nfile ./usr/version 0644 0 0 %s\n' $v |
		    VER=$v hdeb pair
		mv pair.deb pair-$v.deb
	done
	t_ok "pkgroot: killed at root.tsv's rename: no list of another root" sh -c '
		pr -o root ./pair-1.0.deb >/dev/null || exit 1
		TMPDIR=$T LD_PRELOAD=$T/killtsv.so \
		    ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0 \
		    pr -f -o root ./pair-2.0.deb >/dev/null 2>&1
		[ -e killed ] && [ "$(cat root/usr/version)" = 2.0 ] &&
		{ [ ! -e root.tsv ] || grep -q "^pair	2\.0	" root.tsv; }'
else
	t_skip "pkgroot: killed at root.tsv's rename" "no C compiler"
fi

# A name libarchive does not give (issue 20): archive_entry_pathname(3)
# returns NULL for one it cannot convert, which no header of ours makes it
# do, so a preloaded one does it for the entry named $NULL_NAME. An ar
# member, the control file and a data entry: each refused, naming the
# package, never compared.
if need cc; then
	cat >"$T/nullname.c" <<'EOF'
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

struct archive_entry;

const char *
archive_entry_pathname(struct archive_entry *e)
{
	static const char *(*real)(struct archive_entry *);
	const char *name, *want = getenv("NULL_NAME");

	if (real == NULL)
		real = (const char *(*)(struct archive_entry *))dlsym(RTLD_NEXT,
		    "archive_entry_pathname");
	name = real(e);
	return name != NULL && want != NULL && strcmp(name, want) == 0 ?
	    NULL : name;
}
EOF
	cc -shared -fPIC -o "$T/nullname.so" "$T/nullname.c"
	for c in 'control.tar.xz|a member without a name' \
	    './control|control\.tar\.xz: an entry without a name' \
	    './usr/a|data\.tar\.xz: an entry without a name'; do
		box
		printf 'dir ./usr 0755\nfile ./usr/a 0644 0 0 x\n' | hdeb noname
		h_case "pkgroot: no name for ${c%%|*} from libarchive" 1 \
		    "^pkgroot: \\./noname\\.deb: ${c#*|}\$" "$S/root" -- \
		    env LD_PRELOAD="$T/nullname.so" NULL_NAME="${c%%|*}" \
		    ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
		    pr -o root ./noname.deb
	done
else
	t_skip "pkgroot: no name from libarchive" "no C compiler"
fi

# A path longer than PATH_MAX (issue 19): refused while the spec reader
# works in its empty directory, which must not keep the exit's cleanup
# from the temporaries beside a relative -o.
box
python3 -c 'print("file ./" + "/".join(["x" * 250] * 17) + " 0644 0 0 x")' |
    hdeb longpath
deb_case "a path longer than PATH_MAX, a relative -o" "Can't open /.*\\.\\.\\.x{64}\$" longpath

# Control fields that would forge packages.tsv (issue 19): a tab shifts
# its columns (the installed size below became 102399998976); a field
# must have the syntax packages.tsv(5) gives it, so no control character
# or invalid UTF-8 reaches it either.
#
# field_case DESC FIELD REGEX: a package whose control file has FIELD too.
field_case() {
	box
	hdeb field "$2" </dev/null
	deb_case "$1" "control file: $3" field
}
field_case "a tab in the Source field" "$(printf 'Source: upstream\t99999999')" \
    'Source: upstream\\01199999999: invalid'
field_case "an escape sequence in the Source field" "$(printf 'Source: x\033[2K')" \
    'Source: x\\033\[2K: invalid'
field_case "Latin-1 in the Source field" "$(printf 'Source: caf\351')" \
    'Source: caf\\351: invalid'
field_case "an Installed-Size whose bytes overflow 64 bits" \
    'Installed-Size: 18014398509481984' \
    'Installed-Size: 18014398509481984: not a size in KiB'
box
(VER=$(printf '1.0\033[2K') hdeb escver </dev/null)
deb_case "an escape sequence in the Version field" \
    'control file: Version: 1\.0\\033\[2K: invalid' escver

# Names in UTF-8, as a pax header gives them (issue 19): they install in
# any locale; the tool reads them the same way whatever the environment.
box
printf 'dir ./usr 0755\nfile ./usr/caf\303\251 0644 0 0 x\nsymlink ./usr/link caf\303\251\n' |
    hdeb utf8
for loc in C POSIX C.UTF-8; do
	t_ok "pkgroot: a UTF-8 name in a pax header, LC_ALL=$loc" sh -c '
		LC_ALL=$1 pr -o root-$1 ./utf8.deb >$1.mtree &&
		grep -q "^\./usr/caf\\\\303\\\\251 type=file " $1.mtree &&
		grep -q "^\./usr/link type=link .* link=caf\\\\303\\\\251\$" $1.mtree &&
		[ -f "root-$1/usr/$(printf "caf\303\251")" ]' - $loc
done
t_done
