#!/bin/sh
# The boot test: what the profiles build must boot. OVMF runs a UKI made by
# mkuki from Debian's stub and kernel, the debian-basic initrd and its
# modules cpio, with roothash= on its command line; systemd in the initrd
# opens the verity root of a GPT image built by the debian-root chain
# (mksqfs, mkverity, pkcs7sign, mkgpt) and switches to it, where a unit
# prints what it sees and powers off. Then the same with one byte of the
# root's data changed: the kernel must report the corrupted block and the
# marker must not appear. Needs the Debian archive (or the test cache).
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 1

OVMF=/usr/share/OVMF/OVMF_CODE_4M.fd
if ! need make qemu-system-x86_64 sfdisk jq || [ ! -f $OVMF ]; then
	t_skip "boot" "qemu-system-x86, ovmf, fdisk or jq not installed"
	exit 0
fi
CACHE=${INITKIT_TEST_CACHE:-$top/build/cache}
mkdir -p "$CACHE" profiles/bootroot/etc/systemd/system/multi-user.target.wants

# The root: debian-root and a unit that reports and powers off.
cat >profiles/bootroot.mk <<EOF
include $top/profiles/debian-root.mk
EOF
cat >profiles/bootroot/etc/systemd/system/initkit-marker.service <<'EOF'
[Unit]
Description=initkit boot test marker
After=multi-user.target
SuccessAction=poweroff-force
FailureAction=poweroff-force

[Service]
Type=oneshot
ExecStart=/bin/bash -c 'echo "INITKIT-ROOT root=$(findmnt -n -o SOURCE /) dm=$(cat /sys/block/dm-0/dm/name) fstype=$(findmnt -n -o FSTYPE /) cmdline=$(cat /proc/cmdline)" >/dev/kmsg'
EOF
ln -s ../initkit-marker.service profiles/bootroot/etc/systemd/system/multi-user.target.wants/
chmod -R u=rwX,go=rX profiles

mk() {
	env -u KEY -u CERT make -s -C "$top" B="${B#$top/}" PROFILES="$T/profiles" \
	    OUTROOT="$T/out" CACHE="$CACHE" "$@"
}
# debian-basic from the project's own profiles, the root from ours.
if ! mk PROFILES="$top/profiles" PROFILE=debian-basic >basic.out 2>&1; then
	if grep -q 'pkgroot: .*\(Failed to fetch\|Could not\|unreachable\|Temporary failure\)' basic.out; then
		t_skip "boot" "Debian archive unreachable: $(grep -m1 pkgroot basic.out | head -c 200)"
		exit 0
	fi
	t_ok "make PROFILE=debian-basic" sh -c 'cat basic.out >&2; exit 1'
	exit 0
fi
mk PROFILE=bootroot >root.out 2>&1; rc=$?
t_ok "make PROFILE=bootroot (debian-root and the marker unit)" sh -c "[ $rc -eq 0 ] || { cat root.out >&2; exit 1; }"
B0=out/debian-basic
KVER=$(cat $B0/kver)
ROOTHASH=$(cat out/bootroot/roothash)

# uki CMDLINE OUT: debian-basic's pieces with this command line.
uki() {
	mkuki -f -s $B0/kernel/usr/lib/systemd/boot/efi/linuxx64.efi.stub \
	    -l $B0/kernel/boot/vmlinuz-$KVER -i $B0/initrd.cpio.zst \
	    -i $B0/modules-$KVER.cpio.zst -C "$1" \
	    -r $B0/root/usr/lib/os-release -k out/keys/db.key -c out/keys/db.crt -o "$2"
}
# boot NAME DISK PASS-REGEX FAIL-REGEX: run qemu in the background, watch
# the serial log, stop at the first match or after 300 s; $NAME.log.
boot() {
	_n=$1 _disk=$2 _pass=$3 _fail=$4
	cp /usr/share/OVMF/OVMF_VARS_4M.fd $_n.vars
	qemu-system-x86_64 -machine q35 -accel tcg -cpu max -smp 2 -m 1024 \
	    -nographic -no-reboot -net none \
	    -drive if=pflash,format=raw,readonly=on,file=$OVMF \
	    -drive if=pflash,format=raw,file=$_n.vars \
	    -drive format=raw,file=fat:rw:$_n.esp \
	    -drive if=virtio,format=raw,readonly=on,file=$_disk \
	    -serial file:$_n.serial -monitor none </dev/null >$_n.qemu 2>&1 &
	_pid=$!
	_i=0
	while [ $_i -lt 150 ] && kill -0 $_pid 2>/dev/null; do
		if grep -aEq "$_pass|$_fail" $_n.serial 2>/dev/null; then
			sleep 2
			break
		fi
		sleep 2
		_i=$((_i + 1))
	done
	kill $_pid 2>/dev/null
	wait $_pid 2>/dev/null
	tr -d '\r' <$_n.serial >$_n.log
}

mkdir -p good.esp/EFI/BOOT
uki "console=ttyS0 roothash=$ROOTHASH" good.esp/EFI/BOOT/BOOTX64.EFI
boot good out/bootroot/bootroot.raw '^\[ *[0-9.]*\] INITKIT-ROOT ' 'emergency mode|Kernel panic'
t_ok "boot: systemd in our initrd opened the verity root and switched to it" \
    sh -c 'grep -aq "^\[ *[0-9.]*\] INITKIT-ROOT root=/dev/mapper/root dm=root fstype=squashfs " good.log || { tail -c 3000 good.log >&2; exit 1; }'
t_ok "boot: the kernel got the UKI's command line" \
    grep -aq "INITKIT-ROOT .* cmdline=console=ttyS0 roothash=$ROOTHASH\$" good.log
t_ok "boot: systemd ran in initrd mode (/etc/initrd-release), then left it" \
    sh -c 'grep -aq "Reached target .*Initrd Default Target" good.log && grep -aq "Switch Root" good.log'
t_ok "boot: veritysetup found the partitions by the root hash's halves" \
    grep -aq "systemd-veritysetup-generator.*Using data device /dev/disk/by-partuuid/$(echo $ROOTHASH | cut -c1-8)-" good.log

# One byte of the root file system changed: verity must refuse it.
cp out/bootroot/bootroot.raw bad.raw
start=$(sfdisk -J bad.raw | jq '.partitiontable.partitions[0].start')
printf 'X' | dd of=bad.raw bs=1 seek=$((start * 512 + 1000)) conv=notrunc 2>/dev/null
mkdir -p bad.esp/EFI/BOOT
cp good.esp/EFI/BOOT/BOOTX64.EFI bad.esp/EFI/BOOT/
boot bad bad.raw 'device-mapper: verity: .*data block [0-9]+ is corrupted' 'INITKIT-ROOT'
t_ok "boot: a changed byte of the root: the kernel reports the corrupted block" \
    sh -c 'grep -aEq "device-mapper: verity: .*data block [0-9]+ is corrupted" bad.log || { tail -c 3000 bad.log >&2; exit 1; }'
t_ok "boot: ... and the marker never appears" sh -c '! grep -aq INITKIT-ROOT bad.log'
