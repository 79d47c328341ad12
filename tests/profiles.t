#!/bin/sh
# make PROFILE=...: the chain of mk/profile.mk run offline on a local
# signed repository of tiny packages (a fake kernel with a module built
# here, the real systemd-stub copied into a systemd-boot-efi package),
# its outputs read back by bsdtar, sbverify, mkuki -I and jq.
. "$(dirname "$0")/lib.sh"
. "$top/tests/repo.sh"
. "$top/tests/profile-repo.sh"
cd "$T" || exit 1

profile_need profiles || exit 0
profile_repo

mkdir -p profiles/testinit
profile_initrd testinit 'EXCLUDE = /usr/share/doc/*/changelog*' 'CMDLINE = console=ttyS0 quiet'
printf 'added by the profile\n' >profiles/testinit/added
chmod 644 profiles/testinit/added
# mk: make in the checkout on this profile, repository and output root
# (KEY, the keyring repo.sh exports, is not make's signing KEY).
cat >mk <<EOF
#!/bin/sh
exec env -u KEY -u CERT make -s -C "$top" B="${B#$top/}" PROFILES="$T/profiles" OUTROOT="$T/out" \\
    MIRROR=copy:$T/repo KEYRING=$KEY KERNEL=test CACHE="$T/cache" \\
    SOURCE_DATE_EPOCH=1700000000 "\$@"
EOF
chmod +x mk
O=out/testinit

./mk PROFILE=testinit >make.out 2>&1; rc=$?
t_ok "make PROFILE=testinit exits 0" sh -c "[ $rc -eq 0 ] || { cat make.out >&2; exit 1; }"
t_ok "every output is there" sh -c "cd $O && ls initrd.cpio.zst modules-$K.cpio.zst $K.efi manifest.json sbom.spdx.json packages.tsv kernel.tsv >/dev/null"
t_ok "make says the UKI is signed with the development key" grep -q "$K.efi: signed with the development key" make.out

# The initrd.
bsdtar -tvf $O/initrd.cpio.zst >initrd.list 2>&1
t_ok "initrd: /init is a symlink to systemd" grep -q '^l.* init -> usr/lib/systemd/systemd$' initrd.list
t_eq "initrd: /etc/initrd-release from the packages' os-release, VARIANT initkit" \
    'ID=testos
VERSION_ID=1
VARIANT="initkit initrd"
VARIANT_ID=initkit' bsdtar -xOf $O/initrd.cpio.zst etc/initrd-release
t_ok "initrd: the packages' files, merged /usr" sh -c 'grep -q " usr/bin/testutil$" initrd.list && grep -q "^l.* bin -> usr/bin$" initrd.list'
t_ok "initrd: EXCLUDE dropped the changelog, kept the copyright" \
    sh -c '! grep -q "usr/share/doc/testbase/changelog" initrd.list && grep -q "usr/share/doc/testbase/copyright$" initrd.list'
t_eq "initrd: the profile's own files added" "added by the profile" bsdtar -xOf $O/initrd.cpio.zst added
t_ok "initrd: no kernel, no modules in the kernel-independent part" sh -c '! grep -q -e boot/vmlinuz -e usr/lib/modules initrd.list'
t_ok "initrd: owners root, no time after SOURCE_DATE_EPOCH" \
    sh -c 'bsdtar -tvf '$O'/initrd.cpio.zst --numeric-owner | awk "\$3 != 0 || \$4 != 0 { exit 1 }
	!(\$6 \$7 \$8 == \"Nov142023\" || \$6 \$7 \$8 == \"Jan11970\") { exit 1 }"'
t_eq "packages.tsv: the initrd's packages" "testbase testutil" sh -c "cut -f1 $O/packages.tsv | tr '\n' ' ' | sed 's/ \$//'"
t_eq "kernel.tsv: the kernel, the stub and firmware" "firmware-linux-free linux-image-test systemd-boot-efi" \
    sh -c "cut -f1 $O/kernel.tsv | tr '\n' ' ' | sed 's/ \$//'"

# The modules cpio and the UKI.
t_ok "modules cpio: the module and the indexes depmod made" \
    sh -c "bsdtar -tf $O/modules-$K.cpio.zst >mods.list && grep -qx 'usr/lib/modules/$K/kernel/drivers/x/foo.ko' mods.list && grep -qx 'usr/lib/modules/$K/modules.dep' mods.list"
if need sbverify; then
	t_ok "UKI: sbverify accepts it with the development certificate" sbverify --cert out/keys/db.crt $O/$K.efi
fi
mkuki -I $O/$K.efi >uki.txt
pad() { cat "$1"; n=$(($(wc -c <"$1") % 4)); [ $n -eq 0 ] || head -c $((4 - n)) /dev/zero; }
t_eq "UKI: .initrd is the initrd then the modules cpio, each padded to 4" \
    "$( { pad $O/initrd.cpio.zst; pad $O/modules-$K.cpio.zst; } | sha256sum | cut -d' ' -f1)" \
    awk -F'\t' '$2 == ".initrd" { print $5 }' uki.txt
t_eq "UKI: .cmdline from the profile, .uname the package's release" \
    "$(printf 'console=ttyS0 quiet\0' | sha256sum | cut -d' ' -f1) $(printf %s $K | sha256sum | cut -d' ' -f1)" \
    sh -c "awk -F'\t' '\$2 == \".cmdline\" { c = \$5 } \$2 == \".uname\" { u = \$5 } END { print c, u }' uki.txt"
t_ok "UKI: the signature verifies" grep -q '^signature	verified	CN=initkit development key' uki.txt
t_eq "manifest.json: mkosi's format, the two packages" "1 testbase,testutil" \
    jq -r '"\(.manifest_version) \([.packages[].name] | join(","))"' $O/manifest.json
t_ok "sbom.spdx.json: SPDX 2.3" sh -c "jq -e '.spdxVersion == \"SPDX-2.3\"' $O/sbom.spdx.json >/dev/null"

# make again: nothing to do; an edit of the profile rebuilds.
ls -l --time-style=full-iso $O >before
t_ok "a second make does nothing" \
    sh -c "./mk PROFILE=testinit >again.out 2>&1 && ls -l --time-style=full-iso $O | cmp - before && ! grep -v 'Nothing to be done' again.out | grep -q ."
sed -i 's/^CMDLINE = .*/CMDLINE = console=ttyS0/' profiles/testinit.mk
t_ok "an edited profile rebuilds the UKI with the new command line" \
    sh -c "./mk PROFILE=testinit >/dev/null 2>&1 && mkuki -I $O/$K.efi | awk -F'\t' '\$2 == \".cmdline\" { print \$5 }' | grep -qx $(printf 'console=ttyS0\0' | sha256sum | cut -d' ' -f1)"

# A key of one's own; a lock keeps versions.
openssl req -x509 -newkey rsa:2048 -nodes -keyout own.key -out own.crt -days 3650 -subj /CN=own 2>/dev/null
chmod 600 own.key
cp $O/packages.tsv lock.tsv
PKGFILES='usr/bin/testutil util 2' mkpkg testutil 2.0 'Depends: testbase'
repo_index
t_ok "KEY and CERT sign the UKI instead" \
    sh -c "./mk PROFILE=testinit UPDATE=1 KEY=$T/own.key CERT=$T/own.crt LOCK=$T/lock.tsv >own.out 2>&1 && ! grep -q 'development key' own.out && sbverify --cert own.crt $O/$K.efi >/dev/null 2>&1 || { cat own.out >&2; exit 1; }"
t_eq "LOCK: the locked version, though the repository has a newer one" "testutil	1.0" \
    sh -c "grep '^testutil' $O/packages.tsv | cut -f1,2"
t_eq "without LOCK the newer one" "testutil	2.0" \
    sh -c "./mk PROFILE=testinit UPDATE=1 >/dev/null 2>&1 && grep '^testutil' $O/packages.tsv | cut -f1,2"

# A system extension of testinit, and a verity root.
cat >profiles/testext.mk <<'EOF'
KIND = sysext
BASE = testinit
DISTRIBUTION = debian
RELEASE = bookworm
ARCH = amd64
SYSEXT_SCOPE = initrd
PACKAGES = testtool
EOF
cat >profiles/testroot.mk <<'EOF'
KIND = root
DISTRIBUTION = debian
RELEASE = bookworm
ARCH = amd64
PACKAGES = testutil
EOF
./mk PROFILE=testext >ext.out 2>&1; rc=$?
t_ok "make PROFILE=testext (KIND=sysext, BASE=testinit)" sh -c "[ $rc -eq 0 ] || { cat ext.out >&2; exit 1; }"
t_eq "sysext: only what the base lacks" "testtool" cut -f1 out/testext/packages.tsv
t_eq "sysext: extension-release from the base's os-release" \
    "ID=testos VERSION_ID=1 SYSEXT_SCOPE=initrd ARCHITECTURE=x86-64" \
    sh -c "tr '\n' ' ' <out/testext/extension-release | sed 's/ \$//'"
t_ok "sysext: mkgpt -V accepts the image" mkgpt -V out/testext/testext.sysext.raw
dissect() { need systemd-dissect && [ "$(id -u)" -eq 0 ] && [ -e /dev/loop-control ]; }
cat >verity.jq <<'EOF'
[.mounts[] | "\(.designator):\(.verity)"] | join(" ")
EOF
if dissect; then
	t_ok "sysext: systemd-dissect sees an initrd extension, not a system one" \
	    sh -c "systemd-dissect out/testext/testext.sysext.raw >dis.txt 2>&1 && grep -q '^ *+ extension for initrd\$' dis.txt && grep -q '^ *- extension for system\$' dis.txt"
	t_eq "sysext: its root partition verity-signed" "root:signed root-verity:null root-verity-sig:null" \
	    sh -c "systemd-dissect --json=short out/testext/testext.sysext.raw | jq -r -f verity.jq"
else
	t_skip "systemd-dissect" "not root, no loop devices or no systemd-dissect"
fi
t_ok "sysext: the manifest carries the extension" \
    sh -c "jq -c .extension out/testext/manifest.json | grep -q testos"
./mk PROFILE=testroot >root.out 2>&1; rc=$?
t_ok "make PROFILE=testroot (KIND=root)" sh -c "[ $rc -eq 0 ] || { cat root.out >&2; exit 1; }"
if dissect; then
	t_eq "root: root, root-verity, root-verity-sig; systemd-dissect takes it" "root:signed root-verity:null root-verity-sig:null" \
	    sh -c "systemd-dissect --json=short out/testroot/testroot.raw | jq -r -f verity.jq"
fi
if need unsquashfs; then
	t_ok "root: the packages and the offline configuration in the squashfs" \
	    sh -c "unsquashfs -lc out/testroot/fs.img >fs.list && grep -qx squashfs-root/usr/bin/testutil fs.list && grep -qx squashfs-root/etc/machine-id fs.list && ! grep -q squashfs-root/etc/initrd-release fs.list"
fi
t_ok "root: the hash tree matches the data and the root hash" \
    sh -c 'mkverity -V out/testroot/fs.img out/testroot/hash.img "$(cat out/testroot/roothash)"'

t_ok "make PROFILE=testinit clean removes its output only" \
    sh -c "./mk PROFILE=testinit clean >/dev/null 2>&1 && [ ! -e $O ] && [ -d out/keys ] && [ -d '$B/bin' ]"
t_ok "an unknown profile is an error" \
    sh -c "! ./mk PROFILE=nosuch >err.out 2>&1 && grep -q 'nosuch.mk: no such profile' err.out"
