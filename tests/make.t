#!/bin/sh
# The make interface as a new user meets it: make -j2 from a fresh clone
# (no build/, no out/) for every target, dry and for real on the offline
# repository of profiles.t; the date a build bears when SOURCE_DATE_EPOCH
# is not given; make help; an unknown profile; clean with ARCH=; the
# modes of the development key and certificate.
. "$(dirname "$0")/lib.sh"
. "$top/tests/repo.sh"
. "$top/tests/profile-repo.sh"
cd "$T" || exit 1

profile_need make || t_done
if ! need git || ! git -C "$top" rev-parse --git-dir >/dev/null 2>&1; then
	t_skip "make" "not a git checkout: no fresh clone to make"
	t_done
fi
profile_repo
profile_initrd testinit
printf '%s\n' 'KIND = sysext' 'BASE = testinit' 'DISTRIBUTION = debian' \
    'RELEASE = bookworm' 'ARCH = amd64' 'SYSEXT_SCOPE = initrd' \
    'PACKAGES = testtool' >profiles/testext.mk
printf '%s\n' 'KIND = root' 'DISTRIBUTION = debian' 'RELEASE = bookworm' \
    'ARCH = amd64' 'PACKAGES = testutil' >profiles/testroot.mk

# A fresh clone: the files git would check out, as they are in the work
# tree (so uncommitted edits are what is tested), and nothing else.
mkdir clone
(cd "$top" && git ls-files -z --cached --others --exclude-standard |
    xargs -0 sh -c 'for f; do [ -e "$f" ] || [ -L "$f" ] && printf "%s\0" "$f"; done' sh |
    tar -cf - --null -T -) | tar -C clone -xf -
C=$T/clone
# mk: make in the clone on this profile, repository and output root;
# without SOURCE_DATE_EPOCH (lib.sh unsets it), as a user runs it.
cat >mk <<EOF
#!/bin/sh
exec env -u KEY -u CERT make -s -C "$C" B="${B#$top/}" PROFILES="$T/profiles" \\
    OUTROOT="$T/out" MIRROR=copy:$T/repo KEYRING=$KEY KERNEL=test \\
    CACHE="$T/cache" "\$@"
EOF
chmod +x mk
t_ok "the fresh clone has no build/ and no out/" \
    sh -c "[ -f $C/GNUmakefile ] && [ ! -e $C/build ] && [ ! -e $C/out ]"

# Dry runs, each from the fresh state: make knows how to make every
# prerequisite of every target (the missing rule for the tools' absolute
# paths made make -j2 PROFILE= fail in a fresh clone). Not a sysext
# profile: its sub-makes need the base's outputs, which make -n does not
# make; it is built for real below.
: >spec.mtree
: >k.pem
: >c.pem
for goal in all check lint install uninstall fuzz-build help keys \
    'PROFILE=testinit' 'PROFILE=testroot' \
    'PROFILE=testinit keys' 'PROFILE=testinit ARCH=arm64' \
    "sysext SYSEXT_NAME=x SYSEXT_SPEC=$T/spec.mtree SYSEXT_KEY=$T/k.pem SYSEXT_CERT=$T/c.pem SYSEXT_OUT=$T/out/x"; do
	t_ok "make -n -j2 $goal: every prerequisite has a rule" \
	    sh -c "./mk -n -j2 DESTDIR=$T/dest $goal >dry.out 2>&1 || { cat dry.out >&2; exit 1; }"
done
t_ok "and the dry runs wrote nothing" sh -c "[ ! -e $C/build ] && [ ! -e $C/out ] && [ ! -e out ]"

# For real: make -j2 of each kind of profile, the tools built on the way,
# the sub-makes of the chain sharing the jobs (not "jobserver
# unavailable: using -j1").
for p in testinit testext testroot; do
	./mk -j2 PROFILE=$p >$p.out 2>&1; rc=$?
	t_ok "make -j2 PROFILE=$p in the fresh clone" \
	    sh -c "[ $rc -eq 0 ] && ! grep -q jobserver $p.out || { cat $p.out >&2; exit 1; }"
done
O=out/testinit
t_ok "every output of the initrd profile is there" \
    sh -c "cd $O && ls initrd.cpio.zst modules-$K.cpio.zst $K.efi manifest.json sbom.spdx.json >/dev/null"

# Without SOURCE_DATE_EPOCH the date is that of the newest file the
# packages installed (not a constant of 2023, not 1970): the SBOMs'
# creation time, the manifest's, every time in the initrd; the kernel's
# outputs bear the kernel packages' own. mkosi's manifest has the release.
newest() { sed -n 's/.* time=\([0-9]*\).*/\1/p' "$1" | sort -n | tail -n 1; }
iso() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ; }
E=$(newest $O/root.mtree)
KE=$(newest $O/kernel.mtree)
t_ok "the packages' files carry a date of this run's repository" \
    sh -c "[ $E -gt 1700000000 ] && [ $KE -gt 1700000000 ]"
t_eq "sbom.spdx.json: created is the newest package file's time" "$(iso $E)" \
    jq -r .creationInfo.created $O/sbom.spdx.json
# The newest time in a cpio, as bsdtar reads it.
cpio_newest() { bsdtar -cf - --format=mtree "@$1" >cpio.mtree && newest cpio.mtree; }
t_eq "the initrd: nothing newer, and the files made at build time bear it" "$E" \
    cpio_newest $O/initrd.cpio.zst
t_eq "the modules cpio bears the kernel packages' date" "$KE" \
    cpio_newest $O/modules-$K.cpio.zst
t_eq "manifest.json: config.release is the profile's RELEASE" "bookworm" \
    jq -r .config.release $O/manifest.json
t_eq "the sysext's SBOM: its own packages' date" "$(iso "$(newest out/testext/root.mtree)")" \
    jq -r .creationInfo.created out/testext/sbom.spdx.json
t_ok "SOURCE_DATE_EPOCH given wins, and rebuilds what bears it" \
    sh -c "./mk PROFILE=testinit SOURCE_DATE_EPOCH=1700000000 >sde.out 2>&1 &&
	[ \"\$(jq -r .creationInfo.created $O/sbom.spdx.json)\" = 2023-11-14T22:13:20Z ] || { cat sde.out >&2; exit 1; }"
t_ok "and without it again, the packages' date again" \
    sh -c "./mk PROFILE=testinit >sde2.out 2>&1 &&
	[ \"\$(jq -r .creationInfo.created $O/sbom.spdx.json)\" = $(iso $E) ] || { cat sde2.out >&2; exit 1; }"

# make help: every target a user runs and every knob of config.mk.
./mk help >help.out 2>&1; rc=$?
t_ok "make help exits 0" sh -c "[ $rc -eq 0 ] || { cat help.out >&2; exit 1; }"
targets=$(sed -n 's/^\.PHONY://p' "$top"/mk/*.mk | tr ' ' '\n' |
    grep -Evx 'FORCE|profile|profile-kernel|profile-image|clean-profile|' | sort -u)
t_ok "make help names every target" sh -c "for t in $(echo $targets); do
	grep -Eq \"^ +\$t( |\\\$)\" help.out || { echo \"missing: \$t\"; exit 1; }; done"
knobs=$(sed -n 's/^\([A-Z_]*\) *?*=.*/\1/p' "$top/config.mk")
t_ok "make help names every knob of config.mk" sh -c "for k in $(echo $knobs); do
	grep -Eq \"^ +\$k( |=|\\\$)\" help.out || { echo \"missing: \$k\"; exit 1; }; done"
t_ok "make help names the profiles there are" grep -q 'testinit' help.out

# A library pkg-config does not find: make stops naming it, before any
# compiler error; make help and make deps work without it.
t_err "a library pkg-config does not find: one line naming it" 2 \
    'pkg-config finds no initkit-nosuch-lib \(PKGS of config\.mk\): make deps installs them\.  Stop\.$' \
    ./mk PKGS='libarchive initkit-nosuch-lib'
t_ok "make help without it" ./mk PKGS='libarchive initkit-nosuch-lib' help

# An unknown profile: one line that says which profiles there are.
t_err "PROFILE=nosuch: one line listing the profiles" 2 \
    'nosuch\.mk: no such profile; profiles: testext testinit testroot\.  Stop\.$' \
    ./mk PROFILE=nosuch

# clean with ARCH= removes that architecture's build, not the other.
mkdir -p out/testroot-arm64
t_ok "make PROFILE=testroot ARCH=arm64 clean removes out/testroot-arm64 only" \
    sh -c "./mk PROFILE=testroot ARCH=arm64 clean >/dev/null && [ ! -e out/testroot-arm64 ] && [ -f out/testroot/testroot.raw ]"
# RELEASE= on the command line builds into out/NAME-RELEASE (the same
# file system as the profile's own RELEASE gives; its partition and
# verity identities are derived from the name with the suffix, as ARCH='s),
# and clean with it removes that build only; a release initkit does not
# build is refused in one line naming those it does.
t_ok "make PROFILE=testroot RELEASE=bookworm: out/testroot-bookworm, the same file system" \
    sh -c "./mk PROFILE=testroot UPDATE=1 >/dev/null && ./mk PROFILE=testroot RELEASE=bookworm UPDATE=1 >/dev/null &&
	cmp out/testroot/fs.img out/testroot-bookworm/fs.img"
t_ok "make PROFILE=testroot RELEASE=bookworm clean removes out/testroot-bookworm only" \
    sh -c "./mk PROFILE=testroot RELEASE=bookworm clean >/dev/null && [ ! -e out/testroot-bookworm ] && [ -f out/testroot/testroot.raw ]"
t_err "RELEASE=sid: one line naming the releases" 2 \
    'RELEASE=sid: initkit builds bookworm trixie forky\.  Stop\.$' \
    ./mk PROFILE=testroot RELEASE=sid
t_ok "make PROFILE=testroot clean removes out/testroot" \
    sh -c "./mk PROFILE=testroot clean >/dev/null && [ ! -e out/testroot ] && [ -d out/testinit ]"

# The development key is private, its certificate public, whatever the
# umask.
rm -rf out/keys
t_eq "make keys: db.key 0600, db.crt 0644" "600 644" \
    sh -c "(umask 077 && ./mk PROFILE=testinit keys >/dev/null) && stat -c %a out/keys/db.key out/keys/db.crt | tr '\n' ' ' | sed 's/ \$//'"

# Only the tools that read tree specs or packages load libarchive (and
# with it libxml2, ICU, nettle, ...): the others link none of it
# (-Wl,--as-needed; nothing they take from bin/lib reaches unpack.c or
# spec.c).
if need readelf; then
	t_eq "tools that read no spec or package do not link libarchive" "" \
	    sh -c "for t in mkverity mkgpt pkcs7sign mkuki mkucode; do
		readelf -d $B/bin/\$t | grep -q 'NEEDED.*libarchive' && echo \$t || :; done"
	t_eq "... and those that do, do" "mkcpio mksqfs modroot pkgroot manifest" \
	    sh -c "for t in mkcpio mksqfs modroot pkgroot manifest; do
		readelf -d $B/bin/\$t | grep -q 'NEEDED.*libarchive' && printf '%s ' \$t; done | sed 's/ \$//'"
	t_eq "mkverity links no compressor (ncpus is not sink.c's)" "" \
	    sh -c "readelf -d $B/bin/mkverity | grep -E 'NEEDED.*(libzstd|liblzma|libz\.)' || :"
else
	t_skip "libarchive linked by spec readers only" "binutils not installed"
fi
t_done
