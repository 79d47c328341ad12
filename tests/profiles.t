#!/bin/sh
# make PROFILE=...: the chain of mk/profile.mk run offline on a local
# signed repository of tiny packages (a fake kernel with a module built
# here, the real systemd-stub copied into a systemd-boot-efi package),
# its outputs read back by bsdtar, sbverify, mkuki -I and jq.
. "$(dirname "$0")/lib.sh"
. "$top/tests/repo.sh"
. "$top/tests/profile-repo.sh"
cd "$T" || exit 1

profile_need profiles || t_done
profile_repo
# For OMIT: testplug needs testgen, which an extension of it leaves out.
PKGFILES='usr/bin/testgen gen' mkpkg testgen 1.0
PKGFILES='usr/bin/testplug plug' mkpkg testplug 1.0 'Depends: testgen'
repo_index

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
t_ok "every output is there" sh -c "cd $O && ls initrd.cpio.zst modules-$K.cpio.zst ucode.cpio $K.efi manifest.json sbom.spdx.json packages.tsv kernel.tsv >/dev/null"
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
t_eq "kernel.tsv: the kernel, the stub, firmware and the microcode" \
    "amd64-microcode firmware-linux-free intel-microcode linux-image-test systemd-boot-efi" \
    sh -c "cut -f1 $O/kernel.tsv | tr '\n' ' ' | sed 's/ \$//'"

# The modules cpio and the UKI.
t_ok "modules cpio: the module and the indexes depmod made" \
    sh -c "bsdtar -tf $O/modules-$K.cpio.zst >mods.list && grep -qx 'usr/lib/modules/$K/kernel/drivers/x/foo.ko' mods.list && grep -qx 'usr/lib/modules/$K/modules.dep' mods.list"
if need sbverify; then
	t_ok "UKI: sbverify accepts it with the development certificate" sbverify --cert out/keys/db.crt $O/$K.efi
else
	t_skip "UKI: sbverify" "sbsigntool not installed"
fi
mkuki -I $O/$K.efi >uki.txt
pad() { cat "$1"; n=$(($(wc -c <"$1") % 4)); [ $n -eq 0 ] || head -c $((4 - n)) /dev/zero; }
t_eq "UKI: .initrd (stub 252) is the microcode cpio, the initrd, the modules cpio, each padded to 4" \
    "$( { pad $O/ucode.cpio; pad $O/initrd.cpio.zst; pad $O/modules-$K.cpio.zst; } | sha256sum | cut -d' ' -f1)" \
    awk -F'\t' '$2 == ".initrd" { print $5 }' uki.txt
t_eq "UKI: no .ucode section for stub 252" "" awk -F'\t' '$2 == ".ucode"' uki.txt
# The microcode as the kernel finds it: the first archive of .initrd,
# uncompressed (bsdcpio reads it and stops at its trailer), with the
# packages' microcode, Intel's by signature.
t_ok "UKI: the first archive of .initrd holds the packages' microcode" \
    sh -c "objcopy -O binary --only-section=.initrd $O/$K.efi uki.initrd && mkdir uc && (cd uc && bsdcpio -id 2>/dev/null <../uki.initrd) &&
	[ \"\$(cd uc && find . | sort | tr '\n' ' ')\" = '. ./kernel ./kernel/x86 ./kernel/x86/microcode ./kernel/x86/microcode/AuthenticAMD.bin ./kernel/x86/microcode/GenuineIntel.bin ' ] &&
	cat ucode-a ucode-b | cmp - uc/kernel/x86/microcode/GenuineIntel.bin && cmp ucode-amd uc/kernel/x86/microcode/AuthenticAMD.bin"
t_ok "modules cpio: none of the microcode (it is no module's firmware)" \
    sh -c "! bsdtar -tf $O/modules-$K.cpio.zst | grep -q ucode"
t_eq "UKI: .cmdline from the profile, .uname the package's release" \
    "$(printf 'console=ttyS0 quiet' | sha256sum | cut -d' ' -f1) $(printf %s $K | sha256sum | cut -d' ' -f1)" \
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
    sh -c "./mk PROFILE=testinit >/dev/null 2>&1 && mkuki -I $O/$K.efi | awk -F'\t' '\$2 == \".cmdline\" { print \$5 }' | grep -qx $(printf 'console=ttyS0' | sha256sum | cut -d' ' -f1)"

# UCODE=no: no microcode packages, no microcode in the UKI, the
# non-free-firmware component not used; back to yes: all as before.
cp $O/$K.efi ucode-yes.efi
cp $O/initrd.cpio.zst initrd-yes.cpio.zst
./mk PROFILE=testinit UCODE=no >no.out 2>&1; rc=$?
t_ok "UCODE=no: make exits 0" sh -c "[ $rc -eq 0 ] || { cat no.out >&2; exit 1; }"
mkuki -I $O/$K.efi >uki-no.txt
t_eq "UCODE=no: the UKI is rebuilt, its .initrd the initrd and the modules cpio alone" \
    "$( { pad $O/initrd.cpio.zst; pad $O/modules-$K.cpio.zst; } | sha256sum | cut -d' ' -f1)" \
    awk -F'\t' '$2 == ".initrd" { print $5 }' uki-no.txt
t_eq "UCODE=no: kernel.tsv without the microcode packages" "firmware-linux-free linux-image-test systemd-boot-efi" \
    sh -c "cut -f1 $O/kernel.tsv | tr '\n' ' ' | sed 's/ \$//'"
t_ok "UCODE=no: pkgroot used main alone" grep -qx 'deb \[.*\] copy:.*/repo bookworm main' cache/apt-bookworm-amd64/etc/sources.list
t_ok "UCODE=no: the initrd is the same bytes" cmp $O/initrd.cpio.zst initrd-yes.cpio.zst
t_ok "UCODE=yes again: the same UKI as before" sh -c "./mk PROFILE=testinit >/dev/null 2>&1 && cmp $O/$K.efi ucode-yes.efi"
t_err "UCODE=yes with COMPONENTS lacking non-free-firmware: refused, naming it" 2 \
    'UCODE=yes takes the microcode from non-free-firmware: add it to COMPONENTS \(main\), or UCODE=no' \
    ./mk PROFILE=testinit COMPONENTS=main
t_err "UCODE neither yes nor no" 2 'UCODE=maybe: yes or no' ./mk PROFILE=testinit UCODE=maybe

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
# PCR_KEY: the UKI's PCR 11 policies signed with a key of their own; a
# change of the knob alone makes the UKI again.
t_ok "PCR_KEY, PCR_BANKS: .pcrpkey is its public key, .pcrsig has the banks asked for" \
    sh -c "./mk PROFILE=testinit PCR_KEY=$T/own.key PCR_BANKS=sha1,sha256 >pcr.out 2>&1 &&
	objcopy -O binary --only-section=.pcrpkey $O/$K.efi pcr.pub &&
	openssl pkey -in own.key -pubout | cmp - pcr.pub &&
	objcopy -O binary --only-section=.pcrsig $O/$K.efi pcr.sig &&
	jq -e 'keys == [\"sha1\", \"sha256\"] and (.sha256 | length) == 4' pcr.sig >/dev/null ||
	{ cat pcr.out >&2; exit 1; }"
t_ok "without PCR_KEY the UKI is made again, without them" \
    sh -c "./mk PROFILE=testinit >/dev/null 2>&1 && ! objdump -h $O/$K.efi | grep -q pcrsig"

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
mkdir -p profiles/testext/usr/lib/testext
printf 'added by the extension profile\n' >profiles/testext/usr/lib/testext/added
chmod -R u=rwX,go=rX profiles/testext
./mk PROFILE=testext >ext.out 2>&1; rc=$?
t_ok "make PROFILE=testext (KIND=sysext, BASE=testinit)" sh -c "[ $rc -eq 0 ] || { cat ext.out >&2; exit 1; }"
# Again from its own lock: the base's list stays the base's (the lock
# reached the base's sub-make once, which then took the extension's
# package in and left the extension nothing to install).
cp out/testinit/packages.tsv base-before.tsv
cp out/testext/packages.tsv ext-lock.tsv
./mk PROFILE=testext LOCK="$T/ext-lock.tsv" >ext-lock.out 2>&1; rc=$?
t_ok "make PROFILE=testext LOCK=its packages.tsv: built, the base's package list unchanged" \
    sh -c "[ $rc -eq 0 ] && cmp base-before.tsv out/testinit/packages.tsv && cmp ext-lock.tsv out/testext/packages.tsv || { cat ext-lock.out >&2; exit 1; }"
if need unsquashfs; then
	t_eq "sysext: the profile's own files under /usr added" "added by the extension profile" \
	    unsquashfs -cat out/testext/fs.img usr/lib/testext/added
else
	t_skip "sysext: the profile's own files" "squashfs-tools not installed"
fi
sed 's/^PACKAGES = .*/PACKAGES = testtool/' profiles/testext.mk >profiles/etcext.mk
mkdir -p profiles/etcext/usr/lib profiles/etcext/etc
echo x >profiles/etcext/etc/lost
t_ok "sysext: a profile's file outside usr/ and opt/ is an error" \
    sh -c "! ./mk PROFILE=etcext >etcext.out 2>&1 && grep -q 'etcext: etc: an extension carries only usr/ and opt/' etcext.out"
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
	t_skip "sysext: systemd-dissect" "not root, no loop devices or no systemd-dissect"
fi
t_ok "sysext: the manifest carries the extension" \
    sh -c "jq -c .extension out/testext/manifest.json | grep -q testos"
# OMIT: a dependency taken as installed, not installed (pkgroot -N); a
# change of it alone (here on the command line) makes the root again.
sed 's/^PACKAGES = .*/PACKAGES = testplug/' profiles/testext.mk >profiles/omitext.mk
echo 'OMIT = testgen' >>profiles/omitext.mk
t_eq "OMIT: the dependency it names is not installed" "testplug" \
    sh -c "./mk PROFILE=omitext >omit.out 2>&1 && cut -f1 out/omitext/packages.tsv || { cat omit.out >&2; exit 1; }"
t_eq "OMIT= on the command line: the root made again, with it" "testgen testplug" \
    sh -c "./mk PROFILE=omitext OMIT= >omit2.out 2>&1 && cut -f1 out/omitext/packages.tsv | tr '\n' ' ' | sed 's/ \$//' || { cat omit2.out >&2; exit 1; }"
# testroot's files, and a profile built on it (include) with one of its own.
mkdir -p profiles/testroot/etc profiles/testchild/etc
echo parent >profiles/testroot/etc/initkit-parent
echo parent >profiles/testroot/etc/initkit-both
echo child >profiles/testchild/etc/initkit-both
echo "include $PWD/profiles/testroot.mk" >profiles/testchild.mk
chmod -R u=rwX,go=rX profiles/testroot profiles/testchild
./mk PROFILE=testroot >root.out 2>&1; rc=$?
t_ok "make PROFILE=testroot (KIND=root)" sh -c "[ $rc -eq 0 ] || { cat root.out >&2; exit 1; }"
if dissect; then
	t_eq "root: root, root-verity, root-verity-sig; systemd-dissect takes it" "root:signed root-verity:null root-verity-sig:null" \
	    sh -c "systemd-dissect --json=short out/testroot/testroot.raw | jq -r -f verity.jq"
else
	t_skip "root: systemd-dissect" "not root, no loop devices or no systemd-dissect"
fi
if need unsquashfs; then
	t_ok "root: the packages and the offline configuration in the squashfs" \
	    sh -c "unsquashfs -lc out/testroot/fs.img >fs.list && grep -qx squashfs-root/usr/bin/testutil fs.list && grep -qx squashfs-root/etc/machine-id fs.list && ! grep -q squashfs-root/etc/initrd-release fs.list"
else
	t_skip "root: the squashfs" "squashfs-tools not installed"
fi
t_ok "root: the hash tree matches the data and the root hash" \
    sh -c 'mkverity -V out/testroot/fs.img out/testroot/hash.img "$(cat out/testroot/roothash)"'
./mk PROFILE=testchild >child.out 2>&1; rc=$?
t_ok "make PROFILE=testchild (include testroot.mk)" sh -c "[ $rc -eq 0 ] || { cat child.out >&2; exit 1; }"
if need unsquashfs; then
	t_eq "a profile that includes another takes its files, its own over them" \
	    "parent child parent" sh -c 'for f in out/testchild/fs.img:initkit-parent out/testchild/fs.img:initkit-both out/testroot/fs.img:initkit-both; do unsquashfs -cat ${f%%:*} etc/${f#*:}; done | paste -sd" " -'
else
	t_skip "a profile that includes another: its files" "squashfs-tools not installed"
fi

t_ok "make PROFILE=testinit clean removes its output only" \
    sh -c "./mk PROFILE=testinit clean >/dev/null 2>&1 && [ ! -e $O ] && [ -d out/keys ] && [ -d '$B/bin' ]"
t_ok "an unknown profile is an error" \
    sh -c "! ./mk PROFILE=nosuch >err.out 2>&1 && grep -q 'nosuch.mk: no such profile' err.out"

# ARCH=arm64 (issue 13): the same profiles for arm64 beside the amd64 ones,
# in out/NAME-arm64, from the arm64 packages of the same repository; the
# GPT types read back by sfdisk, expected as the Discoverable Partitions
# Specification lists them. The real arm64 stub comes from the Debian
# archive when it is reachable; without it all but the arm64 UKI is checked.
stub_arm64 || :
profile_repo_arm64
profile_initrd archinit 'PACKAGES = testutil testlib'
sed -e 's/^BASE = .*/BASE = archinit/' \
    -e 's/^PACKAGES = .*/PACKAGES = testtool testlib/' profiles/testext.mk >profiles/archext.mk
sed -e 's/^KIND = sysext/KIND = root/' -e '/^BASE/d' -e '/^SYSEXT_SCOPE/d' \
    -e 's/^PACKAGES = .*/PACKAGES = testutil testlib/' profiles/archext.mk >profiles/archroot.mk
# The types of root, root-verity and root-verity-sig, in partition order.
X64_TYPES='4f68bce3-e8cd-4db1-96e7-fbcaf984b709 2c7357ed-ebd2-46d9-aec1-23d437ec2bf5 41092b05-9fc8-4523-994f-2def0408b176'
A64_TYPES='b921b045-1df0-41c3-af44-4c6f280d3fae df3300ce-d69f-4c92-978c-9bfb0f38d820 6db69de6-29f4-4758-a7a5-962190f00ce3'
gpt_types() { sfdisk --json "$1" | jq -r '[.partitiontable.partitions[].type | ascii_downcase] | join(" ")'; }
tsv() { cut -f1,3 "$1" | tr '\t\n' '  ' | sed 's/ $//'; }
tree() { find "$@" -exec stat -c '%n %s %Y' {} + | sort; }

# amd64 first (UPDATE=1: the lists of the last run lack testlib).
./mk PROFILE=archinit UPDATE=1 >a.out 2>&1 && ./mk PROFILE=archext UPDATE=1 >>a.out 2>&1 &&
    ./mk PROFILE=archroot UPDATE=1 >>a.out 2>&1; rc=$?
t_ok "amd64: make PROFILE=archinit, archext, archroot" sh -c "[ $rc -eq 0 ] || { cat a.out >&2; exit 1; }"
tree out/archinit out/archext out/archroot >amd64.tree
t_eq "amd64: packages.tsv has testlib for amd64" "testbase all testlib amd64 testutil all" tsv out/archinit/packages.tsv

./mk PROFILE=archext ARCH=arm64 >a64ext.out 2>&1; rc=$?
t_ok "make PROFILE=archext ARCH=arm64 (KIND=sysext)" sh -c "[ $rc -eq 0 ] || { cat a64ext.out >&2; exit 1; }"
t_eq "sysext arm64: its BASE is the arm64 build of archinit, made for it" \
    "testbase all testlib arm64 testutil all" tsv out/archinit-arm64/packages.tsv
t_eq "sysext arm64: only what the arm64 base lacks (its testlib too)" "testtool all" tsv out/archext-arm64/packages.tsv
t_eq "sysext arm64: extension-release says ARCHITECTURE=arm64" \
    "ID=testos VERSION_ID=1 SYSEXT_SCOPE=initrd ARCHITECTURE=arm64" \
    sh -c "tr '\n' ' ' <out/archext-arm64/extension-release | sed 's/ \$//'"
if need sfdisk; then
	t_eq "sysext arm64: sfdisk reads the arm64 root, root-verity, root-verity-sig types" \
	    "$A64_TYPES" gpt_types out/archext-arm64/archext.sysext.raw
	t_eq "sysext amd64: still the x86-64 types" "$X64_TYPES" gpt_types out/archext/archext.sysext.raw
else
	t_skip "sysext: GPT types" "sfdisk not installed"
fi
t_ok "sysext arm64: mkgpt -V accepts the image" mkgpt -V out/archext-arm64/archext.sysext.raw
t_eq "sysext amd64: still ARCHITECTURE=x86-64" "ARCHITECTURE=x86-64" grep ^ARCHITECTURE= out/archext/extension-release

./mk PROFILE=archroot ARCH=arm64 >a64root.out 2>&1; rc=$?
t_ok "make PROFILE=archroot ARCH=arm64 (KIND=root)" sh -c "[ $rc -eq 0 ] || { cat a64root.out >&2; exit 1; }"
t_eq "root arm64: packages.tsv has testlib for arm64" "testbase all testlib arm64 testutil all" tsv out/archroot-arm64/packages.tsv
if need sfdisk; then
	t_eq "root arm64: sfdisk reads the arm64 root, root-verity, root-verity-sig types" \
	    "$A64_TYPES" gpt_types out/archroot-arm64/archroot.raw
	t_eq "root amd64: still the x86-64 types" "$X64_TYPES" gpt_types out/archroot/archroot.raw
else
	t_skip "root: GPT types" "sfdisk not installed"
fi
if need unsquashfs; then
	t_eq "root arm64: the squashfs holds the arm64 build of testlib" "arm64" \
	    sh -c "unsquashfs -cat out/archroot-arm64/fs.img usr/lib/testlib/arch"
else
	t_skip "root arm64: the squashfs" "squashfs-tools not installed"
fi
if need sfdisk; then
	t_ok "root arm64: its own disk GUID (the seed names the architecture)" \
	    sh -c "[ \"\$(sfdisk --json out/archroot/archroot.raw | jq -r .partitiontable.id)\" != \"\$(sfdisk --json out/archroot-arm64/archroot.raw | jq -r .partitiontable.id)\" ]"
else
	t_skip "root arm64: its own disk GUID" "sfdisk not installed"
fi

# KIND=initrd: the UKI needs the arm64 stub, so the steps before it by name.
A=$T/out/archinit-arm64
./mk PROFILE=archinit ARCH=arm64 $A/initrd.cpio.zst $A/manifest.json $A/kver >a64init.out 2>&1 &&
    ./mk PROFILE=archinit ARCH=arm64 KVER=$K64 $A/modules-$K64.cpio.zst >>a64init.out 2>&1; rc=$?
t_ok "make PROFILE=archinit ARCH=arm64: the initrd and the modules cpio" sh -c "[ $rc -eq 0 ] || { cat a64init.out >&2; exit 1; }"
t_eq "initrd arm64: testlib's arm64 build in the initrd" "arm64" bsdtar -xOf $A/initrd.cpio.zst usr/lib/testlib/arch
t_eq "initrd arm64: kernel.tsv has the arm64 kernel and stub" \
    "firmware-linux-free all linux-image-test arm64 systemd-boot-efi arm64" tsv $A/kernel.tsv
t_eq "initrd arm64: the arm64 kernel's release" "$K64" cat $A/kver
t_ok "initrd arm64: the modules cpio has the arm64 kernel's module" \
    sh -c "bsdtar -tf $A/modules-$K64.cpio.zst | grep -qx 'usr/lib/modules/$K64/kernel/drivers/x/foo.ko'"
t_eq "initrd arm64: manifest.json says arm64" "arm64" jq -r .config.architecture $A/manifest.json
if [ -n "$STUB64" ]; then
	./mk PROFILE=archinit ARCH=arm64 >a64uki.out 2>&1; rc=$?
	t_ok "make PROFILE=archinit ARCH=arm64: the UKI with the real arm64 stub" \
	    sh -c "[ $rc -eq 0 ] && [ -f $A/$K64.efi ] || { cat a64uki.out >&2; exit 1; }"
	# PE: e_lfanew at 0x3c, then "PE\0\0" and the machine, 0xaa64.
	t_eq "UKI arm64: a PE for arm64 (machine 0xaa64)" "aa64" \
	    sh -c "o=\$(od -An -tu4 -j60 -N4 $A/$K64.efi | tr -d ' '); od -An -tx2 -j\$((o + 4)) -N2 $A/$K64.efi | tr -d ' '"
	t_eq "UKI arm64: .uname is the arm64 kernel's" "$(printf %s $K64 | sha256sum | cut -d' ' -f1)" \
	    sh -c "mkuki -I $A/$K64.efi | awk -F'\t' '\$2 == \".uname\" { print \$5 }'"
	if need sbverify; then
		t_ok "UKI arm64: sbverify accepts it" sbverify --cert out/keys/db.crt $A/$K64.efi
	else
		t_skip "UKI arm64: sbverify" "sbsigntool not installed"
	fi
else
	t_archive "ARCH=arm64 UKI" "$STUB64_WHY"
fi

t_eq "the arm64 builds left the amd64 ones alone" "$(cat amd64.tree)" tree out/archinit out/archext out/archroot
ls out >out.before
t_err "ARCH=sparc: one line naming the profile and the problem" 2 'archinit\.mk: ARCH=sparc: ' \
    ./mk PROFILE=archinit ARCH=sparc
t_ok "ARCH=sparc: nothing made" sh -c 'ls out | cmp -s - out.before && [ ! -e out/archinit-sparc ]'

# RELEASE=trixie: systemd-stub 257 takes the microcode as its .ucode
# section. Trixie's stub, systemd-measure and ukify come from the
# archive (or the test cache, as mkuki.t fetches them); the repository
# gets a suite trixie of the same packages, with that stub.
if ! archive_get sd257 "" -r trixie -m "$DEBIAN_MIRROR" systemd-boot-efi \
    systemd-ukify systemd; then
	t_archive "RELEASE=trixie: the UKI's .ucode" "$GET_WHY"
else
	R7=$T/sd257
	IN_ROOT=chroot
	[ "$(id -u)" = 0 ] || IN_ROOT="unshare -r chroot"
	mkdir -p repo/pool-trixie repo/pool-trixie-non-free-firmware
	for d in repo/pool/*_all.deb repo/pool/*_amd64.deb; do
		case $d in */systemd-boot-efi_*) ;; *) cp "$d" repo/pool-trixie/ ;; esac
	done
	cp repo/pool-non-free-firmware/*.deb repo/pool-trixie-non-free-firmware/
	PKGARCH=amd64 PKGPOOL=pool-trixie PKGCOPY="usr/lib/systemd/boot/efi/linuxx64.efi.stub $R7/usr/lib/systemd/boot/efi/linuxx64.efi.stub" \
	    mkpkg systemd-boot-efi 257
	SUITE=trixie POOL=pool-trixie repo_index
	P=out/testinit-trixie
	./mk PROFILE=testinit RELEASE=trixie >trixie.out 2>&1; rc=$?
	t_ok "RELEASE=trixie: make exits 0" sh -c "[ $rc -eq 0 ] || { cat trixie.out >&2; exit 1; }"
	t_eq "RELEASE=trixie: the stub's sections, then ours, .ucode before .initrd" \
	    "$(objdump -h $R7/usr/lib/systemd/boot/efi/linuxx64.efi.stub | awk '$1 ~ /^[0-9]+$/ { printf "%s ", $2 }').osrel .cmdline .uname .ucode .initrd .linux" \
	    sh -c "objdump -h $P/$K.efi | awk '\$1 ~ /^[0-9]+\$/ { printf \"%s%s\", s, \$2; s = \" \" }'"
	for x in ucode initrd linux osrel cmdline uname sbat; do
		objcopy -O binary --only-section=.$x $P/$K.efi $P.$x 2>/dev/null
	done
	t_ok "RELEASE=trixie: .ucode is ucode.cpio, .initrd the initrd and the modules cpio" \
	    sh -c "cmp $P.ucode $P/ucode.cpio && { cat $P/initrd.cpio.zst; head -c \$(( (4 - \$(wc -c <$P/initrd.cpio.zst) % 4) % 4 )) /dev/zero; cat $P/modules-$K.cpio.zst;
		head -c \$(( (4 - \$(wc -c <$P/modules-$K.cpio.zst) % 4) % 4 )) /dev/zero; } | cmp - $P.initrd"
	mkdir -p $R7/w && cp $P/$K.efi $R7/w/uki.efi && for x in ucode initrd linux osrel cmdline uname sbat; do cp $P.$x $R7/w/$x; done
	$IN_ROOT $R7 python3 /usr/bin/ukify --json=short inspect /w/uki.efi >tinsp.json 2>tinsp.err
	t_eq "RELEASE=trixie: ukify 257 inspect finds .ucode with ucode.cpio's SHA-256" \
	    "$(sha256sum <$P/ucode.cpio | cut -d' ' -f1)" jq -r '.[".ucode"].sha256' tinsp.json
	# PCR 11: 257's systemd-measure over the sections equals mkuki -P
	# over the chain's inputs (mkuki -M, as the chain gives them).
	want=$($IN_ROOT $R7 /usr/lib/systemd/systemd-measure calculate --bank=sha256 \
	    --linux=/w/linux --osrel=/w/osrel --cmdline=/w/cmdline --initrd=/w/initrd \
	    --ucode=/w/ucode --uname=/w/uname --sbat=/w/sbat --phase= 2>/dev/null | sed 's/^11:sha256=//')
	t_eq "RELEASE=trixie: PCR 11 with .ucode, 257's systemd-measure = mkuki -P" \
	    "${want:-systemd-measure calculated nothing}" \
	    sh -c "mkuki -P -s $P/kernel/usr/lib/systemd/boot/efi/linuxx64.efi.stub -l $P/kernel/boot/vmlinuz-$K -u $K \
		-M $P/ucode.cpio -i $P/initrd.cpio.zst -i $P/modules-$K.cpio.zst -C '$(sed -n 's/^CMDLINE = //p' profiles/testinit.mk | tail -n 1)' \
		-r $P/root/usr/lib/os-release | awk '\$1 == \"pcr11\" && NF == 2 { print \$2 }'"
fi
t_done
