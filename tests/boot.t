#!/bin/sh
# The boot test: what the profiles build must boot, the way a machine with
# Secure Boot runs it. The firmware starts in setup mode; systemd-boot
# (signed with our db key) enrolls PK, KEK and db made here (efitools),
# and from then on the firmware enforces them. One GPT disk made by our
# tools holds the ESP (mkfs.vfat + mtools) and the root of a debian-root
# image (squashfs, verity, signature). The UKI (mkuki, signed): Debian's
# stub and kernel, the debian-basic initrd and its modules cpio, a command
# line with only console= and roothash=, and an initrd extension beside
# it (initkit.efi.extra.d/), which must be merged in the initrd, and must
# not be when signed by an untrusted key; a credential comes from qemu's
# SMBIOS. Beside it in the good boot, debian-initrd-bluetooth (the modules
# cpio with its module set), whose bluetoothd and system bus must run in
# the initrd. systemd in the initrd opens the verity root and switches to it,
# where a unit prints what it sees and powers off. Then: an unsigned UKI
# must be refused by the firmware, and a root with one byte changed must
# stop at verity's corrupted block. Needs the Debian archive (or the test
# cache).
#
# INITKIT_ARCH=arm64 (make check-boot ARCH=arm64): the same for arm64,
# everything built on this machine with ARCH=arm64 and booted under
# qemu-system-aarch64 -M virt with Debian's AAVMF (edk2 for arm64, TCG):
# the good boot and the unsigned UKI; the untrusted and bad boots too
# with INITKIT_BOOT_ALL=1.
# INITKIT_RELEASE=bookworm (make check-boot RELEASE=bookworm): every image
# of that Debian release instead of the profiles' default (trixie). When the
# initrd's systemd is 254 or later (trixie's 257, not bookworm's 252),
# what it adds too: a PE addon beside the UKI, built by the chain
# (ADDON_CMDLINE_X) and signed with the db key, must add its words to the
# kernel's command line, and an unsigned one and one signed by a key db
# lacks must not; the debian-initrd-dhcp configuration extension beside
# the UKI (*.confext.raw, which the stub hands to the initrd as
# /.extra/confext) must be merged into the initrd's /etc, and must not
# be when signed by an untrusted key. The archive's sources are
# $SOURCES (tests/lib.sh: Check-Valid-Until: no, unless SOURCES= is given).
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 1

# debian-basic with the bluetooth module set, for debian-initrd-bluetooth.
BASIC_ARGS=MODULE_SETS=bluetooth
. "$top/tests/boot.sh"
mk PROFILES="$top/profiles" PROFILE=debian-initrd-debug >ext.out 2>&1 || cat ext.out >&2
mk PROFILES="$top/profiles" PROFILE=debian-initrd-bluetooth >bt.out 2>&1 || cat bt.out >&2
BT=out/debian-initrd-bluetooth$SFX/debian-initrd-bluetooth.sysext.raw
# Local configuration for the initrd, through the ESP: a tmpfiles.extra
# credential (systemd-creds, null key: no TPM here) that writes a file.
mkdir -p creds
printf 'f /run/initkit-credential 0644 - - - from-the-esp\n' >creds/tmpfiles.extra
t_ok "make PROFILE=debian-basic creds CREDS=dir" \
    mk PROFILES="$top/profiles" PROFILE=debian-basic creds CREDS="$T/creds"
# Configuration extensions and addons: systemd 254 and later (the
# initrd's, whatever release that is).
NEW=
if dpkg --compare-versions "$(awk -F '\t' '$1 == "systemd" { print $2 }' $B0/packages.tsv)" ge 254; then
	NEW=1
	mk PROFILES="$top/profiles" PROFILE=debian-initrd-dhcp >conf.out 2>&1 || cat conf.out >&2
fi
# Addons (systemd 254 and later): the chain's, signed with the UKI's key
# (db.key here); the same words signed with the chain's development key,
# which db lacks; and unsigned.
if [ -n "$NEW" ]; then
	AO=$T/out/debian-basic$SFX
	t_ok "make PROFILE=debian-basic ADDON_CMDLINE_boottest= KEY=db.key: a signed addon" \
	    sh -c "env -u KEY -u CERT make -s -C '$top' B='${B#$top/}' PROFILES='$top/profiles' \
		OUTROOT='$T/out' CACHE='$CACHE' ARCH=$ARCH ${REL:+RELEASE=$REL} PROFILE=debian-basic \
		KEY='$T/db.key' CERT='$T/db.crt' ADDON_CMDLINE_boottest=initkit.addon=signed \
		'$AO/debian-basic-boottest.addon.efi' >addon.out 2>&1 && cp '$AO/debian-basic-boottest.addon.efi' good.addon.efi ||
		{ cat addon.out >&2; exit 1; }"
	mk PROFILES="$top/profiles" PROFILE=debian-basic ADDON_CMDLINE_boottest=initkit.addon=untrusted \
	    $AO/debian-basic-boottest.addon.efi >addon2.out 2>&1 || cat addon2.out >&2
	cp $AO/debian-basic-boottest.addon.efi untrusted.addon.efi
	mkuki -a -s $STUBDIR/addon$EFI.efi.stub -C initkit.addon=unsigned -o unsigned.addon.efi
fi

# A third initrd, of the test's own: a unit that says whether the
# extension's files are in the initrd's /usr once systemd-sysext ran.
mkdir -p ti/etc/systemd/system/sysinit.target.wants
cat >ti/etc/systemd/system/initkit-test-sysext.service <<'EOF'
[Unit]
Description=initkit boot test: what systemd-sysext merged in the initrd
DefaultDependencies=no
After=systemd-sysext.service systemd-sysext-initrd.service systemd-tmpfiles-setup.service
Before=sysinit.target

[Service]
Type=oneshot
ExecStart=/bin/bash -c 'echo "INITKIT-INITRD strace=$([ -x /usr/bin/strace ] && echo yes || echo no) credential=$(</run/initkit-credential)" >/dev/kmsg'
# Not merged: systemd-sysext's journal to the console, a line a write.
ExecStart=/bin/bash -c '[ -x /usr/bin/strace ] || journalctl -b -o cat -u systemd-sysext.service -u systemd-sysext-initrd.service | while read -r l; do echo "INITKIT-SYSEXT-LOG $l" >/dev/kmsg; done'
EOF
# systemd 254 and later: whether systemd-confext merged the confext's
# file into the initrd's /etc (and what /etc is then).
if [ -n "$NEW" ]; then
	cat >>ti/etc/systemd/system/initkit-test-sysext.service <<'EOF'
ExecStart=/bin/bash -c 'echo "INITKIT-CONFEXT network=$([ -f /etc/systemd/network/80-initkit-dhcp.network ] && echo yes || echo no) $(findmnt -n -o FSTYPE /etc) etc=$( (: >>/etc/initkit-test-rw) 2>/dev/null && echo rw || echo ro)" >/dev/kmsg'
ExecStart=/bin/bash -c '[ -f /etc/systemd/network/80-initkit-dhcp.network ] || journalctl -b -o cat -u systemd-confext.service | while read -r l; do echo "INITKIT-CONFEXT-LOG $l" >/dev/kmsg; done'
EOF
	sed -i 's/^After=systemd-sysext.service /After=systemd-sysext.service systemd-confext.service /' \
	    ti/etc/systemd/system/initkit-test-sysext.service
fi
ln -s ../initkit-test-sysext.service ti/etc/systemd/system/sysinit.target.wants/
# The bluetooth extension (where it was merged): what bluetoothd did, on
# the console, once its start is done; bluetoothd -d, so that its log
# names the plugins it loaded and the controllers it found.
mkdir -p ti/etc/systemd/system/initrd.target.wants ti/etc/systemd/system/bluetooth.service.d
cat >ti/etc/systemd/system/initkit-test-bluetooth.service <<'EOF'
[Unit]
Description=initkit boot test: what the bluetooth extension did in the initrd
DefaultDependencies=no
After=initkit-sysext-units.service bluetooth.service
Before=initrd.target
ConditionPathExists=/usr/lib/systemd/system/bluetooth.service

[Service]
Type=oneshot
ExecStart=/bin/bash -c 'shopt -s nullglob; a=(/sys/class/bluetooth/*); echo "INITKIT-BLUETOOTH bluetoothd=$(systemctl is-active bluetooth.service) dbus=$(systemctl is-active dbus.service) class=$([ -d /sys/class/bluetooth ] && echo yes || echo no) adapters=$${#a[@]}" >/dev/kmsg'
ExecStart=/bin/bash -c 'journalctl -b -o cat -u bluetooth.service -u dbus.service -u dbus.socket | while read -r l; do echo "INITKIT-BLUETOOTH-LOG $l" >/dev/kmsg; done'
EOF
printf '[Service]\nExecStart=\nExecStart=/usr/libexec/bluetooth/bluetoothd -d\n' \
    >ti/etc/systemd/system/bluetooth.service.d/initkit-test-debug.conf
ln -s ../initkit-test-bluetooth.service ti/etc/systemd/system/initrd.target.wants/
chmod -R u=rwX,go=rX ti
mkcpio -t 1700000000 -z none -o ti.cpio ti

# The extension signed by a key the initrd does not trust.
X=out/debian-initrd-debug$SFX
openssl req -x509 -newkey rsa:2048 -nodes -keyout evil.key -out evil.crt \
    -days 3650 -subj /CN=untrusted 2>/dev/null
chmod 600 evil.key
pkcs7sign -j -k evil.key -c evil.crt -o evil-sig.img $X/roothash
mkgpt -S 11111111-2222-4333-8444-555555555555 -o evil.sysext.raw \
    root=$X/fs.img root-verity=$X/hash.img root-verity-sig=evil-sig.img
CF=out/debian-initrd-dhcp$SFX
if [ -n "$NEW" ]; then
	pkcs7sign -j -k evil.key -c evil.crt -o evil-csig.img $CF/roothash
	mkgpt -a $([ $ARCH = amd64 ] && echo x86-64 || echo arm64) \
	    -S 11111111-2222-4333-8444-555555555556 -o evil.confext.raw \
	    root=$CF/fs.img root-verity=$CF/hash.img root-verity-sig=evil-csig.img
fi

# disk NAME SIGN(1|0) EXTENSION [ROOT-FS]: an ESP with systemd-boot, the
# keys, the UKI and the extension beside it, and the root; NAME.raw.
# $EXTRA: more files to put beside the UKI (addons, confexts).
disk() {
	_d=$1
	mkuki -f -s $STUBDIR/linux$EFI.efi.stub -l $VMLINUZ \
	    -i $B0/initrd.cpio.zst -i $B0/modules-$KVER.cpio.zst -i ti.cpio \
	    -C "console=$CONSOLE$SLOW roothash=$ROOTHASH" -r $B0/root/usr/lib/os-release \
	    $([ $2 = 1 ] && echo "-k db.key -c db.crt") -o $_d.efi
	rm -rf $_d.x && mkdir $_d.x
	cp $3 $_d.x/debian-initrd-debug.raw
	[ $_d = good ] && cp $B0/creds/*.cred $_d.x/
	esp $_d $_d.efi $_d.x/* ${EXTRA:-}
	mkgpt -f -S 8c2f3c4e-1d6a-4b7e-9f01-2a3b4c5d6e7f -o $_d.raw esp=$_d.vfat \
	    root=${4:-$R/fs.img} root-verity=$R/hash.img root-verity-sig=$R/sig.img
}
# Setup mode: systemd-boot enrolls the keys, resets, and Secure Boot
# holds from then on; the variable store is kept for the other boots.
EXTRA=$BT
[ -z "$NEW" ] || EXTRA="$BT good.addon.efi $CF/debian-initrd-dhcp.confext.raw"
disk good 1 $X/debian-initrd-debug.sysext.raw
t_ok "boot: the ESP holds the boot loader and the whole UKI" \
    sh -c "mcopy -n -i good.vfat ::/EFI/Linux/initkit.efi esp-uki.efi && cmp esp-uki.efi good.esp/EFI/Linux/initkit.efi && mdir -i good.vfat ::/EFI/BOOT/$BOOTEFI >/dev/null"
cp $FWVARS enrolled.vars
boot good enrolled.vars '\] INITKIT-ROOT ' 'emergency mode|Kernel panic|Access Denied|Security Violation'
t_ok "boot: systemd-boot enrolled our PK, KEK and db" \
    sh -c 'grep -aiEq "Enrolling (custom )?Secure Boot keys" good.log || { tail -c 1800 good.log >&2; exit 1; }'
t_ok "boot: the kernel runs under Secure Boot, locked down" \
    sh -c 'grep -aq "secureboot: Secure boot enabled" good.log && grep -aq "Kernel is locked down from EFI Secure Boot" good.log'
t_ok "boot: systemd in our initrd opened the verity root and switched to it" \
    sh -c 'grep -aq "\] INITKIT-ROOT secureboot=1 root=/dev/mapper/root dm=root fstype=squashfs " good.log || { tail -c 1800 good.log >&2; exit 1; }'
t_ok "boot: the machine is $ARCH" \
    grep -aq "INITKIT-ROOT .* arch=$([ $ARCH = amd64 ] && echo x86_64 || echo aarch64) " good.log
t_ok "boot: a credential from qemu's SMBIOS reached the root" \
    grep -aq "INITKIT-ROOT .* credential=from-smbios " good.log
# (trixie's logind failed at every start on the read-only root, until
# debian-root put a tmpfs on /var.)
t_ok "boot: the root has /bin/sh (dash), for system(3) and #!/bin/sh scripts" grep -aq "INITKIT-ROOT .* sh=yes failed=" good.log
t_ok "boot: no unit failed in the root" \
    sh -c 'grep -aq "INITKIT-ROOT .* failed= cmdline=" good.log || { grep -ao "INITKIT-ROOT .* cmdline=" good.log >&2; exit 1; }'
# systemd 252 (bookworm) finds the stub's extensions through our link;
# later ones in /.extra/sysext themselves (257 colours unit names on the
# console: the escapes are taken out first), 262 with a unit of its own
# for the initrd, systemd-sysext-initrd.service.
CODENAME=$(sed -n 's/^VERSION_CODENAME=//p' $B0/root/usr/lib/os-release)
if [ -f "$top/profiles/debian-basic.$CODENAME/etc/systemd/system/initkit-stub-extensions.service" ]; then
	t_ok "boot: systemd-stub handed the extension beside the UKI to the initrd, linked for systemd-sysext" \
	    sh -c 'grep -aq "Finished initkit-stub-extensions.service" good.log && grep -aq "Starting systemd-sysext.service" good.log'
else
	t_ok "boot: systemd-stub handed the extension beside the UKI to the initrd, for systemd-sysext" \
	    sh -c '! grep -aq "initkit-stub-extensions" good.log &&
		sed "s/$(printf "\033")\[[0-9;]*m//g" good.log | grep -aEq "Starting systemd-sysext(-initrd)?\.service"'
fi
t_ok "boot: systemd-sysext merged it (its strace is in the initrd's /usr)" \
    sh -c 'grep -aq "INITKIT-INITRD strace=yes" good.log || { grep -a "INITKIT" good.log >&2; exit 1; }'
t_ok "boot: the initrd applied the credential beside the UKI (tmpfiles.extra)" \
    grep -aq "INITKIT-INITRD .* credential=from-the-esp" good.log
t_ok "boot: the initrd's units with credential drop-ins all started" \
    sh -c '! grep -aE "Failed to start .*(systemd-tmpfiles-setup|systemd-sysctl)" good.log'
t_ok "boot: no unit of the initrd failed (up to the switch to the root)" \
    sh -c 'sed -n "1,/Starting .*initrd-switch-root/p" good.log | grep -aE "Failed to (start|listen on)|Dependency failed for" >&2 && exit 1 || exit 0'
t_ok "boot: the kernel got the UKI's command line" \
    grep -aq "INITKIT-ROOT .* cmdline=console=$CONSOLE$SLOW roothash=$ROOTHASH" good.log
if [ -n "$NEW" ]; then
	t_ok "boot: the signed addon beside the UKI added its words to the command line" \
	    grep -aq "INITKIT-ROOT .* cmdline=console=$CONSOLE$SLOW roothash=$ROOTHASH initkit.addon=signed *\$" good.log
	t_ok "boot: systemd-confext merged the confext beside the UKI into the initrd's /etc" \
	    sh -c 'grep -aq "INITKIT-CONFEXT network=yes overlay" good.log || { grep -a "INITKIT-CONFEXT" good.log >&2; exit 1; }'
	t_ok "boot: ... and /etc stays writable in the initrd over it (an extension's users are made there)" \
	    sh -c 'grep -aq "INITKIT-CONFEXT network=yes overlay etc=rw" good.log || { grep -a "INITKIT-CONFEXT" good.log >&2; exit 1; }'
fi
t_ok "boot: systemd ran in initrd mode (/etc/initrd-release), then left it" \
    sh -c 'grep -aq "Reached target .*Initrd Default Target" good.log && grep -aq "Switch Root" good.log'
t_ok "boot: veritysetup found the partitions by the root hash's halves" \
    grep -aq "systemd-veritysetup-generator.*Using data device /dev/disk/by-partuuid/$(echo $ROOTHASH | cut -c1-8)-" good.log
t_ok "boot: the bluetooth extension merged beside the other: bluetoothd ran in the initrd over its system bus" \
    sh -c 'grep -aq "INITKIT-BLUETOOTH bluetoothd=active dbus=active class=yes adapters=0" good.log || { grep -a "INITKIT-BLUETOOTH" good.log >&2; exit 1; }'
t_ok "boot: ... with its plugins for keyboards (input: classic HIDP, hog: Bluetooth LE), and found no controller (qemu emulates none)" \
    sh -c 'grep -aq "INITKIT-BLUETOOTH-LOG .*Loading input plugin" good.log && grep -aq "INITKIT-BLUETOOTH-LOG .*Loading hog plugin" good.log &&
	! grep -aE "INITKIT-BLUETOOTH-LOG .*(does not support|Failed to init) (input|hog) plugin" good.log &&
	grep -aq "INITKIT-BLUETOOTH-LOG .*Number of controllers: 0" good.log'

# The policy boots (the untrusted extension, addons and confext; the
# changed root byte) test systemd's and dm-verity's checks, the same code
# on every architecture: amd64 runs them, arm64 (about 200 s of emulated
# boots less in CI) only with INITKIT_BOOT_ALL=1.
POLICY=1
[ $ARCH = amd64 ] || [ -n "${INITKIT_BOOT_ALL:-}" ] || POLICY=
if [ -n "$POLICY" ]; then
# The extension signed by a key the initrd does not trust: not merged,
# and the boot goes on.
[ -z "$NEW" ] || EXTRA="untrusted.addon.efi unsigned.addon.efi evil.confext.raw"
disk untrusted 1 evil.sysext.raw
EXTRA=
cp enrolled.vars untrusted.vars
QEMU_EXTRA=$MARKER_EARLY boot untrusted untrusted.vars '\] INITKIT-ROOT ' 'emergency mode|Kernel panic'
t_ok "boot: an extension signed by an untrusted key is not merged" \
    sh -c 'grep -aq "INITKIT-INITRD strace=no" untrusted.log || { grep -a INITKIT untrusted.log >&2; exit 1; }'
t_ok "boot: ... and the initrd's journal of systemd-sysext is on the console" \
    grep -aq "INITKIT-SYSEXT-LOG" untrusted.log
t_ok "boot: ... and the system boots without it" grep -aq "INITKIT-ROOT secureboot=1 root=/dev/mapper/root" untrusted.log
# Which unit reported, not when multi-user.target was reached: under load
# the root's start can reach it before the early unit's report is done.
t_ok "boot: with the credential initkit.marker the root's early unit reports, the one after multi-user.target never starts; without it the reverse" \
    sh -c 'grep -aq INITKIT-MARKER-EARLY untrusted.log && ! grep -aq INITKIT-MARKER-LATE untrusted.log &&
	grep -aq INITKIT-MARKER-LATE good.log && ! grep -aq INITKIT-MARKER-EARLY good.log'
if [ -n "$NEW" ]; then
	t_ok "boot: systemd-stub refused the addon signed by a key db lacks, and the unsigned one" \
	    sh -c "grep -aq \"load_addons: Failed to read 'untrusted.addon.efi' .*Access denied\" untrusted.log &&
		grep -aq \"load_addons: Failed to read 'unsigned.addon.efi' .*Access denied\" untrusted.log"
	t_ok "boot: ... and they added nothing to the command line" \
	    grep -aq "INITKIT-ROOT .* cmdline=console=$CONSOLE$SLOW roothash=$ROOTHASH *\$" untrusted.log
	t_ok "boot: a confext signed by an untrusted key is not merged" \
	    sh -c 'grep -aq "INITKIT-CONFEXT network=no" untrusted.log || { grep -a "INITKIT-CONFEXT" untrusted.log >&2; exit 1; }'
fi
t_ok "boot: without the bluetooth extension its module set loads nothing and nothing of it runs" \
    sh -c '! grep -aqE "Bluetooth: Core ver|INITKIT-BLUETOOTH" untrusted.log'
t_ok "boot: without credentials the initrd's drop-ins fail nothing" \
    sh -c 'grep -aqE "INITKIT-INITRD strace=no credential=\$" untrusted.log &&
	! grep -aE "Failed to start .*(systemd-tmpfiles-setup|systemd-sysctl)" untrusted.log'
fi

# The same disk with an unsigned UKI: the firmware refuses it.
disk unsigned 0 $X/debian-initrd-debug.sysext.raw
cp enrolled.vars unsigned.vars
boot unsigned unsigned.vars 'Access Denied|Security Violation|access denied' '\] INITKIT-ROOT |Linux version'
t_ok "boot: an unsigned UKI is refused under Secure Boot" \
    sh -c 'grep -aEiq "access denied|security violation" unsigned.log && ! grep -aq "Linux version" unsigned.log || { tail -c 1800 unsigned.log >&2; exit 1; }'

[ -n "$POLICY" ] || t_done
# One byte of the root file system changed: verity must refuse it. The
# byte is flipped (a fixed value may be what is there already).
cp $R/fs.img bad-fs.img
byte=$(od -An -tu1 -j1000 -N1 bad-fs.img | tr -d ' ')
printf "\\$(printf %03o $((byte ^ 255)))" | dd of=bad-fs.img bs=1 seek=1000 conv=notrunc 2>/dev/null
t_eq "boot: the bad root differs from the good one in byte 1000 only" 1001 \
    sh -c "cmp -l $R/fs.img bad-fs.img | awk '{ print \$1 }'"
disk bad 1 $X/debian-initrd-debug.sysext.raw bad-fs.img
cp enrolled.vars bad.vars
boot bad bad.vars 'device-mapper: verity: .*data block [0-9]+ is corrupted' 'INITKIT-ROOT'
t_ok "boot: a changed byte of the root: the kernel reports the corrupted block" \
    sh -c 'grep -aEq "device-mapper: verity: .*data block [0-9]+ is corrupted" bad.log || { tail -c 1800 bad.log >&2; exit 1; }'
t_ok "boot: ... and the marker never appears" sh -c '! grep -aq INITKIT-ROOT bad.log'
t_done
