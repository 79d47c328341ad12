#!/bin/sh
# pkgroot: packages from a local signed repository made here (offline),
# then, if the Debian archive answers, the real systemd and udev.
. "$(dirname "$0")/lib.sh"
. "$top/tests/repo.sh"
cd "$T" || exit 1

for c in apt-get apt-ftparchive gpg dpkg-deb python3 bsdtar; do
	if ! need $c; then
		t_skip "pkgroot" "$c not installed"
		t_done
	fi
done

repo_init "$T/repo"
# Dependencies: a chain, alternatives, a virtual package, two versions.
mkpkg app 1.0 'Depends: libfoo'
mkpkg libfoo 1.0 'Depends: libbar'
mkpkg libbar 1.0
mkpkg alt-user 1.0 'Depends: not-there | libbar'
mkpkg vprov 1.0 'Provides: virt'
mkpkg vuser 1.0 'Depends: virt'
mkpkg ver 1.0
mkpkg ver 2.0
mkpkg broken 1.0 'Depends: libbar (>= 7)'
mkpkg either 1.0 'Depends: libfoo | vprov'
mkpkg verdep 1.0 'Depends: ver (>= 2)'
PKGFILES='usr/share/doc/docpkg/README read me
usr/share/doc/docpkg/copyright MIT
usr/share/man/man1/docpkg.1 .TH X
usr/bin/docpkg tool' mkpkg docpkg 1.0
PKGFILES='bin/tool t
sbin/stool s
lib/libx.so.1 l
lib64/ld-test.so.2 l' mkpkg usrmerge 1.0
mkdeb owners 1.0 <<'EOF'
dir ./ 0755
dir ./usr 0755
dir ./usr/bin 0755
file ./usr/bin/suid 4755 0 42 setuid\040binary
dir ./var 0755
dir ./var/spool 2775 5 6
file ./var/spool/data 0640 5 6 x
dir ./dev 0755
char ./dev/console 0600 5 1
file ./usr/bin/one 0755 0 0 same\040bytes
hardlink ./usr/bin/two ./usr/bin/one
symlink ./usr/bin/abs /usr/bin/one
EOF
repo_index

# pr: pkgroot on the test repository (a script: sh -c cases call it too).
printf '#!/bin/sh\nexec pkgroot -a amd64 -r bookworm -m "copy:%s/repo" -K "%s" -c "%s/cache" "$@"\n' \
    "$T" "$KEY" "$T" >pr
chmod +x pr
PATH=$T:$PATH

t_ok "install a dependency chain" sh -c 'pr -o r1 app >r1.mtree'
t_eq "packages.tsv: name, version, arch, source, size, sha256 of the .deb" \
    "$(for p in app libbar libfoo; do
	printf '%s\t1.0\tall\t%s\t%s\t%s\n' $p $p \
	    $(( $(dpkg-deb -f repo/pool/${p}_1.0_all.deb Installed-Size)0 * 1024 / 10 )) \
	    "$(sha256sum repo/pool/${p}_1.0_all.deb | cut -d' ' -f1)"
    done)" cat r1.tsv
t_ok "the spec names every file with its contents" \
    sh -c 'grep -q "^\./usr/share/libbar/version type=file mode=0644 uid=0 gid=0 .* contents=r1/usr/share/libbar/version$" r1.mtree &&
	grep -q "libbar 1.0" r1/usr/share/libbar/version'
t_ok "mkcpio takes the spec" \
    sh -c 'mkcpio -z none r1.mtree | bsdcpio -it 2>/dev/null | grep -qx usr/share/app/version'
t_ok "bsdtar reads the spec too" \
    sh -c 'bsdtar -cf - --format newc @r1.mtree | bsdcpio -it 2>/dev/null | grep -qx ./usr/share/app/version'

t_eq "alternatives: the installable one" "alt-user libbar" \
    sh -c 'pr -o r2 alt-user >/dev/null && cut -f1 r2.tsv | tr "\n" " " | sed "s/ \$//"'
t_eq "virtual package: its provider" "vprov vuser" \
    sh -c 'pr -o r3 vuser >/dev/null && cut -f1 r3.tsv | tr "\n" " " | sed "s/ \$//"'
t_eq "newest version by default" "2.0" \
    sh -c 'pr -o r4 ver >/dev/null && cut -f2 r4.tsv'
printf 'ver\t1.0\tall\tver\t0\t%064d\n' 0 >lock.tsv
t_eq "-L installs the locked version" "1.0" \
    sh -c 'pr -L lock.tsv -o r5 ver >/dev/null && cut -f2 r5.tsv'
t_eq "-b: packages of the base are not installed again" "app" \
    sh -c 'grep -v "^app	" r1.tsv >base.tsv && pr -b base.tsv -o r6 app >r6.mtree && cut -f1 r6.tsv'
t_ok "-b: nothing of the base in the spec" \
    sh -c '! grep -q libbar r6.mtree && grep -q "^\./usr/share/app/version " r6.mtree'

# -N: a package taken as installed (its candidate, without its
# dependencies), never fetched nor unpacked. A cache of its own, so that
# nothing is in its archives but what this run fetched.
st=$T/cache/apt-bookworm-amd64/status
t_eq "-N libfoo: app alone, nothing of libfoo nor of its dependency" "app" \
    sh -c 'pr -c "$T/cache-n" -N libfoo -o n1 app >n1.mtree && cut -f1 n1.tsv &&
	! grep -Eq "libfoo|libbar" n1.mtree && [ ! -e n1/usr/share/libfoo ] &&
	[ "$(ls cache-n/apt-bookworm-amd64/archives/*.deb)" = cache-n/apt-bookworm-amd64/archives/app_1.0_all.deb ]'
t_eq "-N: in the private status as installed, its candidate, without Depends" \
    "$(printf 'Package: libfoo\nStatus: install ok installed\nArchitecture: all\nVersion: 1.0')" \
    sh -c 'pr -N libfoo -o n2 app >/dev/null && cat "$1"' - "$st"
t_ok "-N: the same inputs, the same spec and packages.tsv" \
    sh -c 'pr -N libfoo -o n2b app >n2b.mtree && sed "s,contents=n2b/,contents=n1/," n2b.mtree | cmp - n1.mtree &&
	cmp n1.tsv n2b.tsv'
t_ok "-N: a list and repeats, in any order: the same status" \
    sh -c 'pr -N libfoo,libbar -o n3 app >/dev/null && cp "$1" n3.status &&
	pr -N libbar -N libfoo,libbar -o n4 app >/dev/null && cmp "$1" n3.status &&
	grep -c "^Package: " n3.status | grep -qx 2 && cmp n3.tsv n1.tsv' - "$st"
t_eq "-N on the first alternative of A | B: neither installed" "either" \
    sh -c 'pr -N libfoo -o n5 either >/dev/null && cut -f1 n5.tsv'
t_eq "-N on the second alternative: neither installed" "either" \
    sh -c 'pr -N vprov -o n6 either >/dev/null && cut -f1 n6.tsv'
t_eq "-N: a versioned dependency its candidate satisfies" "verdep" \
    sh -c 'pr -N ver -o n7 verdep >/dev/null && cut -f1 n7.tsv'
printf 'ver\t9.9\tall\tver\t0\t%064d\nverdep\t1.0\tall\tverdep\t0\t%064d\n' 0 0 >lockn.tsv
t_eq "-N with -L: the lock's line of it neither required nor installed" "verdep" \
    sh -c 'pr -L lockn.tsv -N ver -o n8 verdep >/dev/null && cut -f1 n8.tsv'
t_eq "-N with -b: a package of the base omitted changes nothing" "app" \
    sh -c 'pr -b base.tsv -N libfoo -o n9 app >/dev/null && cut -f1 n9.tsv'
t_eq "-x drops paths; ! keeps copyright" \
    "$(printf '%s\n' ./usr/bin/docpkg ./usr/share/doc/docpkg/copyright)" \
    sh -c 'pr -x "/usr/share/doc/*" -x "!/usr/share/doc/*/copyright" -x "/usr/share/man/*" -o r7 docpkg |
	grep "type=file" | grep docpkg | grep -v version | cut -d" " -f1'
t_ok "-x: dropped files are not in the root" \
    sh -c '[ ! -e r7/usr/share/doc/docpkg/README ] && [ ! -e r7/usr/share/man/man1/docpkg.1 ]'

t_ok "merged /usr: package paths land under usr/" \
    sh -c 'pr -o r8 usrmerge >r8.mtree && for p in usr/bin/tool usr/sbin/stool usr/lib/libx.so.1 usr/lib64/ld-test.so.2; do
	[ -f r8/$p ] && grep -q "^\./$p " r8.mtree || exit 1; done'
t_ok "merged /usr: bin sbin lib lib64 are symlinks into usr/" \
    sh -c 'for d in bin sbin lib lib64; do [ "$(readlink r8/$d)" = usr/$d ] &&
	grep -q "^\./$d type=link mode=0777 .* link=usr/$d$" r8.mtree || exit 1; done &&
	! grep -q "^\./bin/" r8.mtree && grep -q "^\./usr/lib64 type=dir " r8.mtree'

t_ok "ownership and setuid recorded in the spec" \
    sh -c 'pr -o r9 owners >r9.mtree &&
	grep -q "^\./usr/bin/suid type=file mode=4755 uid=0 gid=42 " r9.mtree &&
	grep -q "^\./var/spool type=dir mode=2775 uid=5 gid=6 " r9.mtree &&
	grep -q "^\./var/spool/data type=file mode=0640 uid=5 gid=6 " r9.mtree'
t_ok "ownership and setuid not applied to disk" \
    sh -c '[ "$(stat -c %a:%u r9/usr/bin/suid)" = "755:$(id -u)" ]'
t_ok "device node in the spec only" \
    sh -c 'grep -q "^\./dev/console type=char mode=0600 uid=0 gid=0 .* device=native,5,1$" r9.mtree &&
	[ ! -e r9/dev/console ]'
t_ok "hard link kept: one inode" \
    sh -c '[ "$(stat -c %i r9/usr/bin/one)" = "$(stat -c %i r9/usr/bin/two)" ] &&
	mkcpio -z none r9.mtree | bsdtar -tvf - | grep -q "usr/bin/two link to usr/bin/one"'
t_ok "absolute symlink stored as is, not followed" \
    sh -c '[ "$(readlink r9/usr/bin/abs)" = /usr/bin/one ]'

# Unprivileged: everything above as an ordinary user.
if [ "$(id -u)" -eq 0 ] && need setpriv; then
	chmod 755 "$T" && mkdir -m 777 "$T/nobody"
	t_ok "an ordinary user (nobody) installs with setuid files and devices" \
	    sh -c 'setpriv --reuid=65534 --regid=65534 --clear-groups env HOME=/nonexistent \
		pkgroot -a amd64 -r bookworm -m "copy:$T/repo" -K "$KEY" -c "$T/nobody/cache" \
		-o "$T/nobody/root" owners app >nobody.mtree &&
		grep -q "^\./usr/bin/suid type=file mode=4755 uid=0 gid=42 " nobody.mtree &&
		[ "$(stat -c %u "$T/nobody/root/usr/bin/suid")" = 65534 ]'
elif [ "$(id -u)" -ne 0 ]; then
	t_ok "an ordinary user installs with setuid files and devices" \
	    sh -c 'pr -o nobody-root owners >nobody.mtree &&
		grep -q "^\./usr/bin/suid type=file mode=4755 uid=0 gid=42 " nobody.mtree'
else
	t_skip "unprivileged install" "setpriv not installed"
fi

# Warm cache: the same inputs give the same outputs with the repository gone.
t_ok "second run, repository removed: identical spec and packages.tsv" \
    sh -c 'mv repo repo.away && pr -o r1b app >r1b.mtree; rc=$?; mv repo.away repo;
	[ $rc = 0 ] && sed "s,contents=r1b/,contents=r1/," r1b.mtree | cmp - r1.mtree && cmp r1.tsv r1b.tsv'
mkpkg fresh 1.0
repo_index
t_err "lists are not refreshed unless asked" 1 'Unable to locate package fresh \(.*-u refreshes' pr -o r10 fresh
t_ok "-u refreshes the lists" sh -c 'pr -u -o r10 fresh >/dev/null && grep -q "^fresh	" r10.tsv'
t_err "existing root refused without -f" 1 'pkgroot: r1: exists; use -f' pr -o r1 app
t_ok "-f replaces the root" sh -c 'touch r1/stale && pr -f -o r1 app >/dev/null && [ ! -e r1/stale ]'

# -p: the package list where asked, not beside the root.
mkdir lists
t_ok "-p writes the package list where asked" \
    sh -c 'pr -p lists/app.tsv -o r12 app >/dev/null && cmp lists/app.tsv r1.tsv'
t_ok "-p: nothing beside the root" test ! -e r12.tsv

# The default cache: $XDG_CACHE_HOME/initkit, else ~/.cache/initkit,
# wherever pkgroot runs (issue 20: it was out/cache in the current
# directory); HOME in the test directory.
t_ok "no -c: the cache is \$XDG_CACHE_HOME/initkit" sh -c '
	XDG_CACHE_HOME=$T/xdg pkgroot -a amd64 -r bookworm -m "copy:$T/repo" -K "$KEY" \
	    -o r13 app >/dev/null &&
	[ -s xdg/initkit/apt-bookworm-amd64/archives/app_1.0_all.deb ] &&
	grep -q "copy:$T/repo bookworm" xdg/initkit/apt-bookworm-amd64/etc/sources.list &&
	[ ! -e out ]'
t_ok "no -c: a second run takes \$XDG_CACHE_HOME/initkit, the repository gone" sh -c '
	mv repo repo.away
	XDG_CACHE_HOME=$T/xdg pkgroot -a amd64 -r bookworm -m "copy:$T/repo" -K "$KEY" \
	    -o r14 app >/dev/null; rc=$?
	mv repo.away repo; [ $rc = 0 ] && cmp r14.tsv r1.tsv'
mkdir cwd home
t_ok "no -c, no XDG_CACHE_HOME: the cache is ~/.cache/initkit, nothing here" sh -c '
	cd cwd && env -u XDG_CACHE_HOME HOME=$T/home pkgroot -a amd64 -r bookworm \
	    -m "copy:$T/repo" -K "$KEY" -o r app >/dev/null &&
	[ -s ../home/.cache/initkit/apt-bookworm-amd64/archives/app_1.0_all.deb ] &&
	[ "$(ls -A)" = "$(printf "r\nr.tsv")" ]'
t_ok "no -c, XDG_CACHE_HOME relative: ignored, the cache is ~/.cache/initkit" sh -c '
	cd cwd && rm -rf r r.tsv ../home/.cache &&
	XDG_CACHE_HOME=xdg HOME=$T/home pkgroot -a amd64 -r bookworm \
	    -m "copy:$T/repo" -K "$KEY" -o r app >/dev/null &&
	[ -s ../home/.cache/initkit/apt-bookworm-amd64/archives/app_1.0_all.deb ] &&
	[ ! -e xdg ]'
t_err "no -c, no XDG_CACHE_HOME, no HOME: one line, use -c" 1 \
    "^pkgroot: HOME: not set, so no cache directory; use -c\$" \
    env -u XDG_CACHE_HOME -u HOME pkgroot -a amd64 -r bookworm \
    -m "copy:$T/repo" -K "$KEY" -o cwd/r2 app
t_err "no -c, no XDG_CACHE_HOME, HOME relative: one line, use -c" 1 \
    "^pkgroot: HOME: not an absolute path, so no cache directory; use -c\$" \
    env -u XDG_CACHE_HOME HOME=home pkgroot -a amd64 -r bookworm \
    -m "copy:$T/repo" -K "$KEY" -o cwd/r2 app
t_ok "no HOME: nothing made" sh -c '[ "$(ls -A cwd)" = "$(printf "r\nr.tsv")" ] &&
	[ ! -e out ]'

# Errors: one line, exit 1, no root, nothing outside the work directory.
fail() { # desc regex args...
	_desc=$1 _re=$2
	shift 2
	t_err "$_desc" 1 "$_re" pr -o bad "$@"
	t_ok "$_desc: no root, no temporary" sh -c '! ls -A | grep -q "bad"'
}
fail "unknown package" "Unable to locate package no-such-package" no-such-package
fail "unsatisfiable dependency" 'broken : Depends: libbar \(>= 7\)' broken
printf 'ver\t9.9\tall\tver\t0\t%064d\n' 0 >lock9.tsv
fail "locked version no longer available" "Version '9.9' for 'ver' was not found" -L lock9.tsv ver
fail "-N a package no source has" '^pkgroot: -N no-such-package: not in the repository' -N libfoo,no-such-package app
fail "-N a package also named to install" '^pkgroot: -N libfoo: also named to install$' -N libfoo app libfoo=1.0
fail "-N not a package name" '^pkgroot: -N libfoo,: not a package name or a comma-separated list of them$' -N libfoo, app
printf 'ver\t1.0\tall\tver\t0\t%064d\n' 0 >basev1.tsv
fail "-N: a dependency needs another version than the installed one" \
    '^pkgroot: -N ver: a dependency needs version 2\.0, which would be installed$' -b basev1.tsv -N ver verdep

# Hostile packages, one per threat class; a sentinel must stay untouched.
mkdir -p sentinel && echo keep >sentinel/file
hostile() { # name regex < entries
	mkdeb "$1" 1.0
	repo_index
	fail "hostile: $1" "$2" -u "$1"
	t_ok "hostile: $1: nothing written outside the root" \
	    sh -c '[ "$(ls -A sentinel)" = file ] && [ "$(cat sentinel/file)" = keep ] &&
		[ ! -e pwned ] && [ ! -e ../pwned ] && [ ! -e sentinel/pwned ]'
}
hostile traversal 'path escapes the root' <<'EOF'
dir ./ 0755
file ./../pwned 0644 0 0 x
EOF
hostile deep-traversal 'path escapes the root' <<'EOF'
dir ./usr 0755
file ./usr/../../pwned 0644 0 0 x
EOF
hostile symlink-write "path goes through usr/evil, which is not a directory" <<EOF
dir ./usr 0755
symlink ./usr/evil $T/sentinel
file ./usr/evil/pwned 0644 0 0 x
EOF
hostile symlink-dir-write "path goes through etc, which is not a directory" <<EOF
symlink ./etc $T/sentinel
file ./etc/pwned 0644 0 0 x
EOF
hostile hardlink-out 'hard link to \.\./\.\./sentinel/file|path escapes the root' <<'EOF'
dir ./usr 0755
hardlink ./usr/pwned ../../sentinel/file
EOF
hostile hardlink-abs "absolute path" <<EOF
dir ./usr 0755
hardlink ./usr/pwned $T/sentinel/file
EOF
hostile pax-path 'path escapes the root' <<'EOF'
dir ./usr 0755
pax ./usr/safe ../../pwned x
EOF

# Sparse files and tar types dpkg refuses (deb(5): "Unrecognized tar
# typeflags are considered an error"), which libarchive would mostly read
# as regular files; each entry would land in the sentinel through usr/evil.
typed() { # name regex entry
	hostile "$1" "$1_1\.0_all\.deb: \./usr/evil/pwned: $2" <<EOF
dir ./usr 0755
symlink ./usr/evil $T/sentinel
$3
EOF
}
typed sparse-gnu 'sparse file \(dpkg refuses these\)' 'gnusparse ./usr/evil/pwned 8192 x'
typed sparse-gnu-nohole 'sparse file' 'gnusparse ./usr/evil/pwned 0 x'
typed sparse-pax01 'sparse file' 'paxsparse ./usr/evil/pwned 0.1 8192 x'
typed sparse-pax10 'sparse file' 'paxsparse ./usr/evil/pwned 1.0 8192 x'
typed sparse-pax-nohole 'sparse file' 'paxsparse ./usr/evil/pwned 1.0 0 x'
typed type-contiguous "tar entry type '7', which dpkg refuses" 'type ./usr/evil/pwned 7 x'
typed type-dumpdir "tar entry type 'D'" 'type ./usr/evil/pwned D x'
typed type-unknown "tar entry type 'Z'" 'type ./usr/evil/pwned Z x'
typed type-volume "tar entry type 'V'" 'type ./usr/label V
file ./usr/evil/pwned 0644 0 0 x'
typed pax-global "tar entry type 'g'" 'type ./usr/global g 20\040path=../../pwned\n
file ./usr/evil/pwned 0644 0 0 x'

# Corrupt packages, given as local .deb operands.
mkpkg good 1.0
mkdir -p local
head -c 300 repo/pool/good_1.0_all.deb >local/truncated.deb
python3 -c '
import sys
d = b"2.0\n"
hdr = "%-16s%-12d%-6d%-6d%-8o%-10d`\n" % ("debian-binary", 0, 0, 0, 0o100644, len(d))
open(sys.argv[1], "wb").write(b"!<arch>\n" + hdr.encode() + d)' local/nodata.deb
mkdeb badcomp 1.0 --data-ext .lz4 </dev/null
mv repo/pool/badcomp_1.0_all.deb local/badcomp.deb
cp repo/pool/good_1.0_all.deb local/good.deb
t_eq "a local .deb operand, by a path with .. in it" "good	1.0" \
    sh -c 'pr -o r11 ./local/../local/good.deb >/dev/null && cut -f1,2 r11.tsv'
fail "corrupt: truncated .deb" "truncated\.deb" ./local/truncated.deb
fail "corrupt: no members after debian-binary" "nodata\.deb" ./local/nodata.deb
fail "corrupt: unknown compression" "data\.tar\.lz4: unknown compression" ./local/badcomp.deb

# Repository problems.
cp -a repo repo-unsigned
REPO=$T/repo-unsigned repo_index unsigned
t_err "unsigned repository refused" 1 "is not signed" \
    pkgroot -a amd64 -r bookworm -m "copy:$T/repo-unsigned" -K "$KEY" -c "$T/cache-u" -o bad app
# Signed, but not by the -K key: a second throwaway key signs a copy.
mkdir -m 700 gnupg-other
GNUPGHOME=$T/gnupg-other gpg --batch --quiet --passphrase '' --quick-gen-key \
    'other key <other@invalid>' ed25519 sign never 2>/dev/null
cp -a repo repo-otherkey
(GNUPGHOME=$T/gnupg-other REPO=$T/repo-otherkey repo_index)
t_err "repository signed with a key other than -K's refused" 1 \
    "copy:$T/repo-otherkey: GPG error: .*InRelease: .*NO_PUBKEY" \
    pkgroot -a amd64 -r bookworm -m "copy:$T/repo-otherkey" -K "$KEY" -c "$T/cache-k" -o bad app
t_ok "other key: nothing at the output path" sh -c '! ls -A | grep -q "bad"'
# InRelease changed after signing: an index swapped in, its hash updated.
cp -a repo repo-forged
printf '\nPackage: evil\nVersion: 1.0\nArchitecture: all\nFilename: pool/evil.deb\n' \
    >>repo-forged/dists/bookworm/main/binary-amd64/Packages
sed -i "s,^ [0-9a-f]\{64\} *[0-9]* main/binary-amd64/Packages\$, $(
	cd repo-forged/dists/bookworm/main/binary-amd64 && sha256sum Packages |
	cut -d' ' -f1) $(wc -c <repo-forged/dists/bookworm/main/binary-amd64/Packages) main/binary-amd64/Packages," \
    repo-forged/dists/bookworm/InRelease
t_ok "forged InRelease: the text differs, the signature is the old one" sh -c '
	! cmp -s repo/dists/bookworm/InRelease repo-forged/dists/bookworm/InRelease &&
	[ "$(sed -n "/BEGIN PGP SIGNATURE/,\$p" repo/dists/bookworm/InRelease)" = \
	    "$(sed -n "/BEGIN PGP SIGNATURE/,\$p" repo-forged/dists/bookworm/InRelease)" ]'
t_err "InRelease changed after signing refused" 1 \
    "copy:$T/repo-forged: GPG error: .*InRelease: .*BADSIG" \
    pkgroot -a amd64 -r bookworm -m "copy:$T/repo-forged" -K "$KEY" -c "$T/cache-f" -o bad app
t_ok "forged InRelease: nothing at the output path" sh -c '! ls -A | grep -q "bad"'
cp -a repo repo-tampered
# One byte changed (to another value: writing a fixed one fails 1 time in 256).
python3 -c 'import sys; f = open(sys.argv[1], "r+b"); f.seek(200); b = f.read(1)[0]; f.seek(200); f.write(bytes([b ^ 0xff]))' \
    repo-tampered/pool/app_1.0_all.deb
t_err "hash mismatch refused" 1 "[Hh]ash [Ss]um mismatch|hash mismatch" \
    pkgroot -a amd64 -r bookworm -m "copy:$T/repo-tampered" -K "$KEY" -c "$T/cache-t" -o bad app
t_err "mirror failure" 1 "Failed to fetch|does not have a Release file" \
    pkgroot -a amd64 -r bookworm -m "copy:$T/nonexistent" -K "$KEY" -c "$T/cache-n" -o bad app
t_err "network failure" 1 "Failed to fetch http://127\.0\.0\.1:9/|Could not connect|Connection refused|Unable to connect" \
    pkgroot -a amd64 -r bookworm -m "http://127.0.0.1:9/debian" -K "$KEY" -c "$T/cache-h" -o bad app
t_ok "repository failures leave no root" sh -c '! ls -A | grep -q "^bad"'

# What the download shows (issue 20): on a terminal (script(1) makes one)
# a count and bytes, redrawn in place and erased at the end, an error on
# a line of its own; with -v a line at its start and one at its end; else
# nothing. Each run with a cache of its own, so that it downloads.
if need script; then
	tot=$(cat repo/pool/app_1.0_all.deb repo/pool/libfoo_1.0_all.deb \
	    repo/pool/libbar_1.0_all.deb | wc -c)
	tot=$(awk -v n="$tot" 'BEGIN { if (n < 1000) printf "%d B", n; else printf "%.1f kB", n / 1000 }')
	printf '\r\033[K' >erase
	t_ok "on a terminal: the download's count and bytes, redrawn in place" sh -c '
		script -qec "pkgroot -a amd64 -r bookworm -m copy:$T/repo -K $KEY \
		    -c $T/cache-tty -o r18 app >r18.mtree" /dev/null </dev/null >r18.tty &&
		cmp -s r18.tsv r1.tsv &&
		tr "\r" "\n" <r18.tty | grep -qx "pkgroot: downloading 0/3 packages, 0 B/$1$(printf "\033")\[K" &&
		tr "\r" "\n" <r18.tty | grep -qx "pkgroot: downloading 3/3 packages, $1/$1$(printf "\033")\[K"' - "$tot"
	t_ok "on a terminal: the line erased at the end" sh -c 'tail -c 4 r18.tty | cmp -s - erase'
	t_ok "on a terminal: an error is a line of its own" sh -c '
		script -qec "pkgroot -a amd64 -r bookworm -m copy:$T/repo-tampered -K $KEY \
		    -c $T/cache-tty2 -o bad app" /dev/null </dev/null >err.tty; [ $? = 1 ] &&
		tr "\r" "\n" <err.tty | grep -v "^\$" | tail -n 1 |
		    grep -Eqx "$(printf "\033")\[Kpkgroot: .*([Hh]ash [Ss]um mismatch|hash mismatch).*"'
else
	t_skip "the download on a terminal" "script (util-linux) not installed"
fi
t_ok "-v: the download's count and size at its start and end" sh -c '
	pkgroot -v -a amd64 -r bookworm -m "copy:$T/repo" -K "$KEY" -c "$T/cache-v" \
	    -o r19 app 2>r19.err >/dev/null &&
	grep -Eqx "pkgroot: +[0-9.]+ s: downloading 3 packages, $1" r19.err &&
	grep -Eqx "pkgroot: +[0-9.]+ s: downloaded 3 packages, $1, in [0-9.]+ s" r19.err' - "$tot"
t_ok "not a terminal, no -v: nothing on stderr" sh -c '
	pkgroot -a amd64 -r bookworm -m "copy:$T/repo" -K "$KEY" -c "$T/cache-q" \
	    -o r20 app 2>r20.err >/dev/null && [ ! -s r20.err ]'
# A slow mirror: a local HTTP server holds every package back 0.8 s, so
# the count must go up while apt-get runs (at most a minute of it).
if need script; then
	cat >slow.py <<'EOF'
import http.server
import os
import sys
import time


class Slow(http.server.SimpleHTTPRequestHandler):
    def do_GET(self):
        if self.path.endswith(".deb"):
            time.sleep(0.8)
        super().do_GET()

    def log_message(self, *args):
        pass


os.chdir(sys.argv[1])
s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Slow)
with open(sys.argv[2] + ".tmp", "w") as f:
    f.write("%d\n" % s.server_address[1])
os.rename(sys.argv[2] + ".tmp", sys.argv[2])
s.serve_forever()
EOF
	timeout 60 python3 slow.py "$T/repo" "$T/port" & srv=$!
	i=0
	while [ ! -s port ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	t_ok "on a terminal, a slow mirror: the count goes up while apt-get runs" sh -c '
		script -qec "env -u http_proxy -u HTTP_PROXY pkgroot -a amd64 -r bookworm \
		    -m http://127.0.0.1:$(cat port) -K $KEY -c $T/cache-slow -o r21 app \
		    >r21.mtree" /dev/null </dev/null >r21.tty &&
		tr "\r" "\n" <r21.tty | grep -Eq "^pkgroot: downloading [12]/3 packages, "'
	kill $srv 2>/dev/null
	wait $srv 2>/dev/null
fi

# The host's apt state is neither read nor changed, whatever the
# environment says: an APT_CONFIG that would break apt, or one that would
# take an unsigned repository and keep lists and packages elsewhere.
printf 'this is not apt configuration\n' >poison-broken.conf
cat >poison-open.conf <<EOF
Acquire::AllowInsecureRepositories "true";
APT::Get::AllowUnauthenticated "true";
Dir::State::Lists "$T/poison/lists/";
Dir::Cache::Archives "$T/poison/archives/";
EOF
mkdir -p poison/lists/partial poison/archives/partial
host_apt=
for d in /etc/apt /var/lib/apt /var/cache/apt /var/lib/dpkg; do
	[ -e $d ] && host_apt="$host_apt $d"
done
touch stamp
t_ok "APT_CONFIG that would break apt: ignored" sh -c '
	APT_CONFIG=$T/poison-broken.conf pkgroot -a amd64 -r bookworm -m "copy:$T/repo" \
	    -K "$KEY" -c "$T/cache-p" -o r15 app >/dev/null && cmp r15.tsv r1.tsv'
t_err "APT_CONFIG allowing unsigned repositories: ignored" 1 "is not signed" \
    env APT_CONFIG="$T/poison-open.conf" pkgroot -a amd64 -r bookworm \
    -m "copy:$T/repo-unsigned" -K "$KEY" -c "$T/cache-p2" -o bad app
t_eq "APT_CONFIG's lists and archives: nothing written there" "" find poison -type f
# shellcheck disable=SC2086
t_eq "host apt state unchanged:$host_apt" "" \
    sh -c 'find "$@" -newer stamp 2>/dev/null; true' - $host_apt
if need strace && strace -f -qq -o /dev/null true 2>/dev/null; then
	# (LeakSanitizer cannot run under ptrace: no leak check there.)
	t_ok "host apt state and APT_CONFIG never opened (strace)" sh -c '
		ASAN_OPTIONS=detect_leaks=0 APT_CONFIG=$T/poison-open.conf strace -f -qq -e trace=%file -o strace.log \
		    pkgroot -a amd64 -r bookworm -m "copy:$T/repo" -K "$KEY" -c "$T/cache-s" \
		    -o r16 app >/dev/null &&
		grep -q "apt-get" strace.log && ! grep -q "$T/poison" strace.log &&
		! grep -E "\"(/etc/apt|/var/lib/apt|/var/cache/apt|/var/lib/dpkg|/var/log/apt)[/\"]" strace.log'
else
	t_skip "host apt state never opened (strace)" "strace not installed or not permitted"
fi
t_usage "no -o" pkgroot app
t_usage "no package" pkgroot -o x
t_err "missing keyring" 1 'pkgroot: nokey.gpg: No such file' pkgroot -K nokey.gpg -o x app

# Interruption: SIGTERM while unpacking leaves no root and no temporary.
python3 -c '
print("dir ./ 0755")
print("dir ./usr 0755")
for d in range(60):
    print("dir ./usr/d%d 0755" % d)
    for f in range(500):
        print("file ./usr/d%d/f%d 0644 0 0 x" % (d, f))' | mkdeb many 1.0
repo_index
t_ok "SIGTERM while unpacking: no root, no temporary" sh -c '
	pr -u -o k/root many >/dev/null 2>&1 & pid=$!
	mkdir -p k; i=0
	while [ $i -lt 400 ] && ! ls -A k | grep -q tmp; do sleep 0.02; i=$((i+1)); done
	ls -A k | grep -q tmp || { echo "no temporary seen" >&2; kill $pid; exit 1; }
	kill -TERM $pid; wait $pid; sleep 0.2
	[ -z "$(ls -A k)" ]'

# Many packages at once (issue 20): how the workers get their packages
# must not depend on a pipe's capacity. A preloaded pipe() makes every
# pipe of the run one page (4096 bytes, the least F_SETPIPE_SZ gives; a
# user over /proc/sys/fs/pipe-user-pages-soft gets a page or two), where
# 1,100 package numbers of 4 bytes each do not fit.
if need cc; then
	cat >pipe1.c <<'EOF'
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <unistd.h>

int
pipe2(int fd[2], int flags)
{
	static int (*real)(int[2], int);

	if (real == NULL)
		real = (int (*)(int[2], int))dlsym(RTLD_NEXT, "pipe2");
	if (real(fd, flags) < 0)
		return -1;
	fcntl(fd[0], F_SETPIPE_SZ, 4096);
	return 0;
}

int
pipe(int fd[2])
{
	return pipe2(fd, 0);
}
EOF
	cc -shared -fPIC -o pipe1.so pipe1.c
	mkdir lots
	python3 - "$top/tests" <<'EOF'
import io, sys, tarfile
sys.path.insert(0, sys.argv[1])
import mkdeb
for i in range(1100):
    name = "p%04d" % i
    ctl = ("Package: %s\nVersion: 1.0\nArchitecture: all\n"
           "Maintainer: test <test@invalid>\nDescription: one of many\n"
           % name).encode()
    cbuf = io.BytesIO()
    with tarfile.open(fileobj=cbuf, mode="w:gz") as t:
        ti = tarfile.TarInfo("./control")
        ti.size, ti.mtime, ti.mode = len(ctl), 1700000000, 0o644
        t.addfile(ti, io.BytesIO(ctl))
    data = mkdeb.tar_bytes(["dir ./usr 0755", "file ./usr/%s 0644 0 0 x" % name],
                           "gz")
    with open("lots/%s.deb" % name, "wb") as fp:
        fp.write(b"!<arch>\n" + mkdeb.ar_member("debian-binary", b"2.0\n") +
                 mkdeb.ar_member("control.tar.gz", cbuf.getvalue()) +
                 mkdeb.ar_member("data.tar.gz", data))
EOF
	t_ok "1,100 packages, every pipe one page: all unpacked, no hang" sh -c '
		timeout -k 5 120 env LD_PRELOAD=$T/pipe1.so \
		    ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0 \
		    pr -o r17 lots/*.deb >r17.mtree &&
		[ "$(wc -l <r17.tsv)" = 1100 ] && [ -f r17/usr/p1099 ] &&
		[ "$(grep -c "^\./usr/p[0-9]* type=file " r17.mtree)" = 1100 ]'
else
	t_skip "1,100 packages, every pipe one page" "no C compiler"
fi

# -r takes several suites of one mirror, as a sources.list lists them:
# a backports suite (NotAutomatic, ButAutomaticUpgrades, as Debian's are)
# gives what only it has, resolved against the release, and what both
# have comes from the release, as apt pins it.
mkdir -p repo/pool-bpo
(
	mkpkg bponly 1.0~bpo12+1 'Depends: libfoo' &&
	    mkpkg libfoo 2.0~bpo12+1 'Depends: libbar' &&
	    mv repo/pool/bponly_* repo/pool/libfoo_2.0* repo/pool-bpo/
) && SUITE=bookworm-backports POOL=pool-bpo NOTAUTO=1 repo_index && repo_index
t_eq "-r release,backports: what only backports has, the rest from the release" \
    "$(printf 'bponly 1.0~bpo12+1\nlibbar 1.0\nlibfoo 1.0')" \
    sh -c 'pr -r bookworm,bookworm-backports -o bpo bponly >/dev/null && cut -f1,2 bpo.tsv | tr "\t" " "'
t_err "-r release alone: the backports package is not there" 1 'bponly' \
    sh -c 'pr -o nobpo bponly >/dev/null'
t_ok "nor a root or list left" sh -c '! ls -A | grep -q "^nobpo"'
t_err "-r with an empty suite" 1 '^pkgroot: -r bookworm,: not a suite name or a comma-separated list of them$' \
    pr -r bookworm, -o x app
t_err "-r with a blank in a suite" 1 '^pkgroot: -r bookworm main: not a suite name or a comma-separated list of them$' \
    pr -r 'bookworm main' -o x app

# -S: an apt sources file instead of the host's, deb822 or one-line, its
# entries chosen by -r as the host's are (bookworm, bookworm-backports),
# the -K keyring trusted for them; not together with -m.
printf 'Types: deb\nURIs: copy:%s/repo\nSuites: bookworm bookworm-backports trixie\nComponents: main\n' "$T" >test.sources
printf 'deb copy:%s/repo bookworm main\n' "$T" >test.list
t_eq "-S deb822: the release's suites of the file, backports too" \
    "$(printf 'bponly 1.0~bpo12+1\nlibbar 1.0\nlibfoo 1.0')" \
    sh -c 'pkgroot -a amd64 -r bookworm -S test.sources -K "$KEY" -c "$T/cache-s" -o srcs bponly >/dev/null && cut -f1,2 srcs.tsv | tr "\t" " "'
t_eq "-S one-line: the same as -m" "$(cut -f1,2 r1.tsv)" \
    sh -c 'pkgroot -a amd64 -r bookworm -S test.list -K "$KEY" -c "$T/cache-s" -o srcl app >/dev/null && cut -f1,2 srcl.tsv'
t_err "-S without the -K keyring: the repository's signature is refused" 1 'pkgroot: .*(NO_PUBKEY|not signed|signature)' \
    pkgroot -a amd64 -r bookworm -S test.list -c "$T/cache-s2" -o srcn app
t_err "-S naming no suite of -r" 1 '^pkgroot: test.list: no source for suite forky$' \
    pkgroot -a amd64 -r forky -S test.list -c "$T/cache-s" -o srcf app
t_err "-S and -m together" 1 '^pkgroot: -m copy:x and -S test.list: give one of them$' \
    pkgroot -a amd64 -r bookworm -m copy:x -S test.list -o srcm app
t_err "-S of a missing file" 1 '^pkgroot: nosuch.sources: No such file or directory$' \
    pkgroot -a amd64 -r bookworm -S nosuch.sources -o srcx app

# A suite whose Release has expired (a frozen mirror's, a snapshot's):
# refused, as apt refuses it, unless the sources say Check-Valid-Until: no.
SUITE=expired VALID_UNTIL='Thu, 01 Jan 2026 00:00:00 UTC' repo_index
printf 'Types: deb\nURIs: copy:%s/repo\nSuites: expired\nComponents: main\n' "$T" >exp.sources
printf 'deb [check-valid-until=no] copy:%s/repo expired main\n' "$T" >exp-no.list
t_err "an expired Release is refused" 1 'pkgroot: .*(expired|Valid-Until|no longer valid)' \
    pkgroot -a amd64 -r expired -S exp.sources -K "$KEY" -c "$T/cache-e" -o exp app
{ cat exp.sources; echo 'Check-Valid-Until: no'; } >exp-no.sources
t_eq "... and taken with Check-Valid-Until: no (deb822)" "$(cut -f1,2 r1.tsv)" \
    sh -c 'pkgroot -a amd64 -r expired -S exp-no.sources -K "$KEY" -c "$T/cache-e" -o expn app >/dev/null && cut -f1,2 expn.tsv'
t_eq "... and with [check-valid-until=no] (one-line)" "$(cut -f1,2 r1.tsv)" \
    sh -c 'pkgroot -a amd64 -r expired -S exp-no.list -K "$KEY" -c "$T/cache-e2" -o expl app >/dev/null && cut -f1,2 expl.tsv'
# ... and from the host's sources when the host's apt says
# Acquire::Check-Valid-Until "false" (a builder on a frozen mirror), not
# otherwise: another /etc/apt in a mount namespace.
if need unshare && unshare -rm true 2>/dev/null; then
	mkdir -p hostapt/sources.list.d hostapt/apt.conf.d
	printf 'deb copy:%s/repo expired main\n' "$T" >hostapt/sources.list.d/t.list
	host_apt() {
		unshare -rm sh -c 'mount --bind "$0" /etc/apt && exec "$@"' \
		    "$T/hostapt" "$@"
	}
	t_err "the host's expired Release: refused by default" 1 'pkgroot: .*(expired|Valid-Until|no longer valid)' \
	    host_apt pkgroot -a amd64 -r expired -K "$KEY" -c "$T/cache-h" -o exph app
	echo 'Acquire::Check-Valid-Until "false";' >hostapt/apt.conf.d/50frozen
	t_eq "... taken where the host's apt says Check-Valid-Until \"false\"" "$(cut -f1,2 r1.tsv)" \
	    host_apt sh -c 'pkgroot -a amd64 -r expired -K "$KEY" -c "$T/cache-h" -o exph app >/dev/null && cut -f1,2 exph.tsv'
	t_err "... but not for -S, whose entries say for themselves" 1 'pkgroot: .*(expired|Valid-Until|no longer valid)' \
	    host_apt pkgroot -a amd64 -r expired -S exp.sources -K "$KEY" -c "$T/cache-h2" -o exps app
else
	t_skip "the host's sources in a mount namespace" "unshare -rm does not run here"
fi
t_err "Check-Valid-Until neither yes nor no" 1 '^pkgroot: copy:.*: Check-Valid-Until: maybe: not yes or no$' \
    sh -c 'sed "s/: no/: maybe/" exp-no.sources >exp-inval.sources && pkgroot -a amd64 -r expired -S exp-inval.sources -K "$KEY" -c "$T/cache-e" -o expb app'

# -C: components beyond main (Debian's firmware and microcode are in
# non-free-firmware). Suite "comp": needsfw in main depends on fwpkg,
# which only non-free-firmware has.
(
	PKGPOOL=pool-comp mkpkg needsfw 1.0 'Depends: fwpkg' &&
	    PKGPOOL=pool-comp-non-free-firmware PKGFILES='usr/lib/firmware/fw.bin blob' mkpkg fwpkg 1.0
) && SUITE=comp POOL=pool-comp REPO_COMPONENTS='main non-free-firmware' repo_index
pc() { pkgroot -a amd64 -r comp -K "$KEY" -c "$T/cache-c" "$@"; }
t_err "-m: main only, as before: a dependency in non-free-firmware is not found" 1 'pkgroot: .*fwpkg' \
    pc -m "copy:$T/repo" -o c0 needsfw
t_eq "-m -C main,non-free-firmware: both components" "fwpkg needsfw" \
    sh -c "pkgroot -a amd64 -r comp -K '$KEY' -c '$T/cache-c' -m copy:$T/repo -C main,non-free-firmware -o c1 needsfw >c1.mtree && cut -f1 c1.tsv | tr '\n' ' ' | sed 's/ \$//' && grep -q '^\./usr/lib/firmware/fw.bin ' c1.mtree"
t_ok "... the sources apt was given name the components" \
    grep -qx "deb \[signed-by=.*\] copy:$T/repo comp main non-free-firmware" cache-c/apt-comp-amd64/etc/sources.list
t_ok "-m -C non-free-firmware alone: only that component" \
    sh -c "pkgroot -a amd64 -r comp -K '$KEY' -c '$T/cache-c' -m copy:$T/repo -C non-free-firmware -o c2 fwpkg >/dev/null && grep -qx 'deb .* comp non-free-firmware' cache-c/apt-comp-amd64/etc/sources.list"
printf 'Types: deb\nURIs: copy:%s/repo\nSuites: comp\nComponents: main non-free-firmware\n' "$T" >comp.sources
printf 'deb copy:%s/repo comp main\n' "$T" >comp-main.list
t_eq "-S without -C: every component the file lists" "fwpkg needsfw" \
    sh -c "pkgroot -a amd64 -r comp -K '$KEY' -c '$T/cache-c' -S comp.sources -o c3 needsfw >/dev/null && cut -f1 c3.tsv | tr '\n' ' ' | sed 's/ \$//'"
t_err "-S -C main: the file's other components are not used" 1 'pkgroot: .*fwpkg' \
    pc -S comp.sources -C main -o c4 needsfw
t_err "-S -C naming a component no source of the release lists" 1 \
    '^pkgroot: comp-main.list: no source of comp has the component non-free-firmware$' \
    pc -S comp-main.list -C main,non-free-firmware -o c5 needsfw
t_ok "nor a root or list left" sh -c '! ls -A | grep -q "^c[045]"'
t_err "-C with an empty component" 1 '^pkgroot: -C main,: not a component name or a comma-separated list of them$' \
    pc -m "copy:$T/repo" -C main, -o x needsfw
t_err "-C with a blank in it" 1 '^pkgroot: -C main contrib: not a component name or a comma-separated list of them$' \
    pc -m "copy:$T/repo" -C 'main contrib' -o x needsfw

# Debian 13's base-files ships the merged-/usr links itself (./bin ->
# usr/bin): the skeleton's own, so they install, and stay links.
printf '%s\n' 'dir ./ 0755' 'symlink ./bin usr/bin' 'symlink ./sbin usr/sbin' \
    'symlink ./lib usr/lib' 'symlink ./lib64 usr/lib64' 'dir ./usr 0755' \
    'dir ./usr/bin 0755' 'file ./usr/bin/tool 0755 0 0 x' | mkdeb usrlinks 1.0
repo_index
t_ok "a package's own merged-/usr links (trixie's base-files) install as the skeleton's" \
    sh -c 'pr -u -o ul usrlinks >ul.mtree && [ "$(readlink ul/bin)" = usr/bin ] && [ "$(readlink ul/lib64)" = usr/lib64 ] &&
	[ -f ul/usr/bin/tool ] && grep -c "^\./bin " ul.mtree | grep -qx 1'
printf '%s\n' 'dir ./ 0755' 'symlink ./bin /etc' | mkdeb badlink 1.0
repo_index
t_err "but a bin link elsewhere is no merged-/usr link" 1 'badlink_1.0_all.deb: usr/bin: a directory is in the way' \
    sh -c 'pr -u -o bl badlink >/dev/null'

# A full disk, as a file size limit: the error names the file.
printf '%s\n' 'dir ./ 0755' 'dir ./usr 0755' \
    "file ./usr/big 0644 0 0 $(head -c 300000 /dev/zero | tr '\0' x)" | mkdeb bigfile 1.0
repo_index
t_err "no space for a file: one line naming it" 1 'bigfile_1.0_all.deb: usr/big: File too large' \
    sh -c 'pr -u -o bad bigfile >/dev/null 2>&1; rm -rf bad bad.tsv; ulimit -f 100; exec pr -o bad bigfile'
t_ok "no space: no root, no temporary" sh -c '! ls -A | grep -q "bad"'

# The real archive: skipped when it cannot be reached.
real=$T/real
if pkgroot -c "$T/cache-real" -r bookworm -o "$real" systemd udev >real.mtree 2>real.err; then
	t_ok "real: /usr/lib/systemd/systemd installed" test -x "$real/usr/lib/systemd/systemd"
	t_ok "real: /bin is a symlink to usr/bin" sh -c '[ "$(readlink "$1/bin")" = usr/bin ]' - "$real"
	t_ok "real: packages.tsv lists libc6, systemd and udev" \
	    sh -c 'cut -f1 "$1.tsv" | grep -qx libc6 && cut -f1 "$1.tsv" | grep -qx udev &&
		cut -f1 "$1.tsv" | grep -qx systemd' - "$real"
	t_ok "real: spec agrees with dpkg-deb -c of every .deb on owners and modes" \
	    python3 "$top/tests/debcheck.py" real.mtree "$T/cache-real" "$real.tsv"
else
	if offline real.err; then
		t_skip "real archive: systemd and udev" "Debian archive unreachable: $(head -c 200 real.err)"
	else
		t_fail "real archive: systemd and udev" real.err
	fi
fi
t_done
