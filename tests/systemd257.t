#!/bin/sh
# What the profile chain builds for systemd 254 and later, judged by
# trixie's own systemd 257: a configuration extension (KIND=confext),
# which systemd-dissect must see as a signed initrd confext, and PE
# addons (ADDON_CMDLINE_X), which ukify inspect must read as the addons
# ukify itself builds, signed with the UKI's key. The chain runs offline
# on the local repository of profiles.t; trixie's tools, and its addon
# stub (put into that repository's systemd-boot-efi), come from the
# Debian archive once (the test cache): those cases skip when it cannot
# be reached. systemd-measure has nothing to say of an addon: it predicts
# PCR 11, and the stub measures an addon's .cmdline into PCR 12.
. "$(dirname "$0")/lib.sh"
. "$top/tests/repo.sh"
. "$top/tests/profile-repo.sh"
cd "$T" || exit 1

profile_need systemd257 || t_done
profile_repo
# A package with configuration and programs: a confext takes its /etc.
PKGFILES='etc/testetc/testetc.conf from-the-package
usr/bin/testetc program' mkpkg testetc 1.0 'Depends: testbase'
repo_index
profile_initrd testinit
mkdir -p profiles/testconf/etc/testconf
printf 'local=yes\n' >profiles/testconf/etc/testconf/local.conf
printf '%s\n' 'KIND = confext' 'BASE = testinit' 'DISTRIBUTION = debian' \
    'RELEASE = bookworm' 'ARCH = amd64' 'SYSEXT_SCOPE = initrd' \
    'PACKAGES =' >profiles/testconf.mk
printf '%s\n' 'KIND = confext' 'BASE = testinit' 'DISTRIBUTION = debian' \
    'RELEASE = bookworm' 'ARCH = amd64' 'PACKAGES = testetc' >profiles/testconfpkg.mk
profile_initrd nopkg 'PACKAGES ='
# A base of systemd 252, which has no confexts.
mkpkg systemd 252.39-1
repo_index
profile_initrd oldinit 'PACKAGES = testutil systemd'
printf '%s\n' 'KIND = confext' 'BASE = oldinit' 'DISTRIBUTION = debian' \
    'RELEASE = bookworm' 'ARCH = amd64' 'PACKAGES =' >profiles/oldconf.mk
chmod -R u=rwX,go=rX profiles
cat >mk <<EOF
#!/bin/sh
exec env -u KEY -u CERT make -s -C "$top" B="${B#$top/}" PROFILES="$T/profiles" OUTROOT="$T/out" \\
    MIRROR=copy:$T/repo KEYRING=$KEY KERNEL=test CACHE="$T/cache" \\
    SOURCE_DATE_EPOCH=1700000000 "\$@"
EOF
chmod +x mk

# KIND=confext, offline.
./mk PROFILE=testconf >conf.out 2>&1; rc=$?
t_ok "make PROFILE=testconf (KIND=confext, no packages) exits 0" \
    sh -c "[ $rc -eq 0 ] && [ -f out/testconf/testconf.confext.raw ] || { cat conf.out >&2; exit 1; }"
C=out/testconf
t_eq "confext: the profile's etc/ and the release file, nothing else" \
    "$(printf '%s\n' / /etc /etc/extension-release.d /etc/extension-release.d/extension-release.testconf /etc/testconf /etc/testconf/local.conf)" \
    sh -c "unsquashfs -d x -ls $C/fs.img | sed -n 's,^x,,p' | sed 's,^\$,/,' | sort"
t_eq "confext: matched against the base initrd's os-release, CONFEXT_SCOPE=initrd" \
    "$(printf '%s\n' ID=testos VERSION_ID=1 CONFEXT_SCOPE=initrd ARCHITECTURE=x86-64)" \
    cat $C/extension-release
t_eq "confext: manifest.json says confext, no packages, its release" \
    'confext 0 initrd' jq -r '"\(.config.output_format) \(.packages | length) \(.extension.CONFEXT_SCOPE)"' $C/manifest.json
t_ok "confext: the same bytes when made again" \
    sh -c "cp $C/testconf.confext.raw first.raw && rm -rf $C && ./mk PROFILE=testconf >/dev/null 2>&1 && cmp first.raw $C/testconf.confext.raw"
t_ok "confext: the same bytes from another output root, umask, time zone and locale (the same key)" \
    sh -c "(umask 077 && TZ=Asia/Tokyo LC_ALL=C.UTF-8 ./mk PROFILE=testconf OUTROOT=$T/out2 KEY=$T/out/keys/db.key CERT=$T/out/keys/db.crt >rep.out 2>&1) &&
	cmp $C/testconf.confext.raw out2/testconf/testconf.confext.raw || { cat rep.out >&2; exit 1; }"
./mk PROFILE=testconfpkg >confpkg.out 2>&1; rc=$?
t_ok "confext of a package: its /etc only, the default scope system" \
    sh -c "[ $rc -eq 0 ] && unsquashfs -d y out/testconfpkg/fs.img >/dev/null &&
	[ \"\$(cat y/etc/testetc/testetc.conf)\" = from-the-package ] && [ ! -e y/usr ] &&
	grep -qx CONFEXT_SCOPE=system out/testconfpkg/extension-release || { cat confpkg.out >&2; exit 1; }"
t_ok "an initrd profile of no packages: one line naming it, no root" \
    sh -c "! ./mk PROFILE=nopkg >nopkg.out 2>&1 &&
	grep -q 'nopkg.mk: PACKAGES is empty: only an extension (with a BASE) may have none' nopkg.out && [ ! -e out/nopkg/root.mtree ]"

t_ok "a confext of a base with systemd 252: one line naming it, no image" \
    sh -c "! ./mk PROFILE=oldconf >old.out 2>&1 &&
	grep -q 'out/oldinit/packages.tsv: systemd 252.39-1 has no configuration extensions (254 and later): oldconf needs RELEASE=trixie or later' old.out &&
	[ ! -e out/oldconf/oldconf.confext.raw ] || { cat old.out >&2; exit 1; }"

# Addons with a systemd-boot-efi that has no addon stub (bookworm's 252).
t_ok "ADDON_CMDLINE_X without an addon stub: one line naming it, no addon" \
    sh -c "! ./mk PROFILE=testinit ADDON_CMDLINE_debug=debug >noaddon.out 2>&1 &&
	grep -q 'out/testinit/kernel: no addonx64.efi.stub for ADDON_CMDLINE_debug: systemd-boot-efi 254 and later have addons' noaddon.out &&
	[ ! -e out/testinit/testinit-debug.addon.efi ]"

# Trixie's systemd 257: the judge, and the addon stub.
IN_ROOT=chroot
[ "$(id -u)" = 0 ] || IN_ROOT="unshare -r chroot"
if ! archive_get sd257 "" -r trixie -m "$DEBIAN_MIRROR" systemd \
    systemd-container systemd-ukify systemd-boot-efi; then
	t_archive "systemd 257: confext, addons" "$GET_WHY"
	t_done
fi
R=$T/sd257
RUN257="$R/usr/lib64/ld-linux-x86-64.so.2 --library-path $R/usr/lib/x86_64-linux-gnu:$R/usr/lib/x86_64-linux-gnu/systemd"
mkdir -p $R/w
ukify() { $IN_ROOT "$R" python3 /usr/bin/ukify "$@"; }

# systemd-dissect 257, run through the root's own loader (it needs this
# machine's /dev for its loop devices).
if [ "$(id -u)" -eq 0 ] && [ -e /dev/loop-control ]; then
	mkdir -p d && cp $C/testconf.confext.raw d/
	if timeout 60 $RUN257 $R/usr/bin/systemd-dissect --json=short d/testconf.confext.raw >d.json 2>d.err; then
		t_eq "systemd-dissect 257: an initrd configuration extension, verity signed" \
		    "true false false signed" jq -r '"\(.useInitRDConfigurationExtension) \(.useConfigurationExtension) \(.useSystemExtension) \(.mounts[] | select(.designator == "root") | .verity)"' d.json
		t_eq "systemd-dissect 257: its confext release is ours" \
		    "$(cat $C/extension-release)" jq -r '.confextRelease[]' d.json
	elif no_loop d.err; then
		t_skip "systemd-dissect 257" "no loop devices here: $(head -c 160 d.err)"
	else
		t_fail "systemd-dissect 257: an initrd configuration extension" d.err
	fi
else
	t_skip "systemd-dissect 257" "needs root and loop devices"
fi

# Addons: the local systemd-boot-efi gets trixie's addon stub beside the
# UKI stub.
A7=$R/usr/lib/systemd/boot/efi/addonx64.efi.stub
PKGCOPY="usr/lib/systemd/boot/efi/linuxx64.efi.stub $STUB
usr/lib/systemd/boot/efi/addonx64.efi.stub $A7" mkpkg systemd-boot-efi 2.0
repo_index
./mk PROFILE=testinit UPDATE=1 ADDON_CMDLINE_debug='systemd.log_level=debug rd.shell' \
    ADDON_CMDLINE_quiet=quiet >addon.out 2>&1; rc=$?
O=out/testinit
t_ok "make PROFILE=testinit ADDON_CMDLINE_debug= ADDON_CMDLINE_quiet= exits 0, two addons" \
    sh -c "[ $rc -eq 0 ] && [ -f $O/testinit-debug.addon.efi ] && [ -f $O/testinit-quiet.addon.efi ] || { cat addon.out >&2; exit 1; }"
if need sbverify; then
	t_ok "addons: signed with the UKI's key (sbverify --cert, as the UKI)" \
	    sh -c "sbverify --cert out/keys/db.crt $O/testinit-debug.addon.efi && sbverify --cert out/keys/db.crt $O/testinit-quiet.addon.efi && sbverify --cert out/keys/db.crt $O/$K.efi"
else
	t_skip "addons: sbverify" "sbsigntool not installed"
fi
cp $O/testinit-debug.addon.efi $R/w/
ukify --json=short inspect /w/testinit-debug.addon.efi >a.json 2>a.err
t_eq "addons: ukify 257 inspect reads .cmdline, the words given, and .sbat" \
    ".cmdline .sbat|systemd.log_level=debug rd.shell" jq -r '"\(keys | join(" "))|\(.[".cmdline"].text)"' a.json
ukify build --stub=/usr/lib/systemd/boot/efi/addonx64.efi.stub \
    --cmdline='systemd.log_level=debug rd.shell' --output=/w/ukify.addon.efi >ukify.out 2>&1 || cat ukify.out >&2
ukify --json=short inspect /w/ukify.addon.efi >u.json 2>/dev/null
t_eq "addons: section for section what ukify build makes of the same words" \
    "$(jq -cS . u.json)" jq -cS . a.json
# (Without UPDATE=1 the package steps run once more: their flags changed.)
t_ok "addons: a second make has nothing to do" \
    sh -c "./mk PROFILE=testinit ADDON_CMDLINE_debug='systemd.log_level=debug rd.shell' >/dev/null 2>&1 &&
	before=\$(stat -c '%i %.9Y' $O/testinit-debug.addon.efi) && ./mk PROFILE=testinit ADDON_CMDLINE_debug='systemd.log_level=debug rd.shell' >/dev/null 2>&1 &&
	[ \"\$(stat -c '%i %.9Y' $O/testinit-debug.addon.efi)\" = \"\$before\" ]"
t_ok "addons: other words rebuild it with them" \
    sh -c "./mk PROFILE=testinit ADDON_CMDLINE_debug=debug >/dev/null 2>&1 && cp $O/testinit-debug.addon.efi $R/w/ &&
	$IN_ROOT $R python3 /usr/bin/ukify --json=short inspect /w/testinit-debug.addon.efi | jq -er '.[\".cmdline\"].text' | grep -qx debug"
t_done
