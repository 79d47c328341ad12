#!/bin/sh
# The boot matrix (make check-boot-matrix): the debian-basic initrd, its
# modules cpio and its extensions must boot the roots people have, made
# here by the standard tools (sfdisk, mkfs, cryptsetup, lvm, mdadm). Each
# case is named after the dracut-ng integration test it mirrors, boots
# Debian's kernel directly (qemu -kernel, TCG) with the initrds
# concatenated as a boot loader passes them, and proves from inside the
# booted root how the root was mounted (a unit of the root prints the
# device chain, the file system and /proc/mdstat, then powers off).
# Extensions reach the initrd as systemd-stub hands them over: a cpio of
# /.extra/sysext/NAME.raw after the others.
#
# The disks: this machine's kernel has no device mapper, md or AF_ALG, so
# a helper guest makes them: the same kernel and initrd with the storage
# extension and a test extension of tools (coreutils, fdisk, xfsprogs),
# running mkdisks.sh (below) on blank disk files, copying in the root
# (debian-root and the reporting unit, as a squashfs on a disk of its
# own). Every boot opens the disks with snapshot=on: they stay as made,
# and two boots run at once. Needs the Debian archive (or the test cache).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib.sh"

# The helper guest's tools, as an extension of the test's.
cat >profiles/mxtools.mk <<EOF
KIND = sysext
BASE = debian-basic
DISTRIBUTION = debian
ARCH = amd64
SYSEXT_SCOPE = initrd
PACKAGES = coreutils fdisk xfsprogs
EOF
chmod -R u=rwX,go=rX profiles
mk PROFILE=mxtools >mxtools.out 2>&1
t_ok "make PROFILE=mxtools" sh -c "[ $? -eq 0 ] || { cat mxtools.out >&2; exit 1; }"
ext debian-initrd-storage mxtools

# The disks, made by the helper guest.
PASS=initkit-matrix-passphrase
U_EXT4=4c1e9a02-7d3f-4b8a-9e61-0f2d3c4b5a69 PU_EXT4=9b2f6c1e-3a4d-4e5f-8a7b-1c2d3e4f5a6b
U_BTRFS=5d2f0b13-8e4a-4c9b-8f72-1a3e4d5c6b7a
U_XFS=6e3a1c24-9f5b-4dac-9083-2b4f5e6d7c8b
U_LUKS=7f4b2d35-a06c-4ebd-a194-3c5a6f7e8d9c U_LUKSFS=805c3e46-b17d-4fce-b2a5-4d6b7a8f9eab
U_RAIDFS=916d4f57-c28e-4adf-83b6-5e7c8b9fafbc
U_LL=a27e5068-d39f-4be0-94c7-6f8d9cafb0cd
cat >mkdisks.sh <<EOF
#!/bin/bash
# The helper guest: every disk of the matrix, from blank disk files.
set -eux -o pipefail
shopt -s inherit_errexit
udevadm settle
d() { echo /dev/disk/by-id/virtio-\$1; }
# part DISK PARTUUID: one GPT partition over the whole disk. Under
# udevadm lock: else udevd, seeing the disk closed after writing,
# rereads the table once more after sfdisk did, and the partition's
# link can vanish between udevadm wait and its first use.
part() {
	printf 'label: gpt\ntype=L, uuid=%s\n' "\$2" |
	    udevadm lock -d "\$(d \$1)" sfdisk -q "\$(d \$1)"
	udevadm wait --settle -t 60 "\$(d \$1)-part1"
	echo "\$(d \$1)-part1"
}
fill() { mount "\$@" /mnt; cp -a /src/. /mnt/; umount /mnt; }
mkdir -p /src /mnt
mount -o ro \$(d src) /src

p=\$(part ext4 $PU_EXT4)
mkfs.ext4 -q -L initkit-root -U $U_EXT4 \$p
fill \$p

p=\$(part btrfs \$(cat /proc/sys/kernel/random/uuid))
mkfs.btrfs -q -U $U_BTRFS \$p
mount \$p /mnt; btrfs -q subvolume create /mnt/@root; cp -a /src/. /mnt/@root/; umount /mnt

p=\$(part xfs \$(cat /proc/sys/kernel/random/uuid))
mkfs.xfs -q -m uuid=$U_XFS \$p
fill \$p

# LUKS2 as cryptsetup makes it by default (aes-xts-plain64, argon2id),
# with a memory cost the test's guests can afford.
p=\$(part luks \$(cat /proc/sys/kernel/random/uuid))
printf %s $PASS | cryptsetup luksFormat -q --type luks2 --uuid $U_LUKS \
    --pbkdf-memory 65536 --iter-time 300 --key-file - \$p
printf %s $PASS | cryptsetup open --key-file - \$p mxluks
mkfs.ext4 -q -U $U_LUKSFS /dev/mapper/mxluks
fill /dev/mapper/mxluks
cryptsetup close mxluks

p=\$(part lvm \$(cat /proc/sys/kernel/random/uuid))
pvcreate -q \$p; vgcreate -q mxvg \$p
lvcreate -q -y -n root -L 400M mxvg
mkfs.ext4 -q /dev/mxvg/root
fill /dev/mxvg/root
vgchange -q -an mxvg

p=\$(part thin \$(cat /proc/sys/kernel/random/uuid))
pvcreate -q \$p; vgcreate -q mxthin \$p
lvcreate -q -y -L 440M -T mxthin/pool
lvcreate -q -y -V 400M -T mxthin/pool -n root
mkfs.ext4 -q /dev/mxthin/root
fill /dev/mxthin/root
vgchange -q -an mxthin

a=\$(part raid-a \$(cat /proc/sys/kernel/random/uuid))
b=\$(part raid-b \$(cat /proc/sys/kernel/random/uuid))
mdadm --create /dev/md/mxraid --run --assume-clean --level=1 \
    --raid-devices=2 --metadata=1.2 \$a \$b
mkfs.ext4 -q -U $U_RAIDFS /dev/md/mxraid
fill /dev/md/mxraid
mdadm --stop /dev/md/mxraid

# The Debian installer's "guided, encrypted" layout on RAID1: LVM on
# LUKS on MD.
a=\$(part ll-a \$(cat /proc/sys/kernel/random/uuid))
b=\$(part ll-b \$(cat /proc/sys/kernel/random/uuid))
mdadm --create /dev/md/mxll --run --assume-clean --level=1 \
    --raid-devices=2 --metadata=1.2 \$a \$b
printf %s $PASS | cryptsetup luksFormat -q --type luks2 --uuid $U_LL \
    --pbkdf-memory 65536 --iter-time 300 --key-file - /dev/md/mxll
printf %s $PASS | cryptsetup open --key-file - /dev/md/mxll mxll
pvcreate -q /dev/mapper/mxll; vgcreate -q mxllvg /dev/mapper/mxll
lvcreate -q -y -n root -L 400M mxllvg
mkfs.ext4 -q /dev/mxllvg/root
fill /dev/mxllvg/root
vgchange -q -an mxllvg
cryptsetup close mxll
mdadm --stop /dev/md/mxll
sync
echo INITKIT-MKDISKS-DONE >/dev/kmsg
EOF
mkdir -p mk.d/etc/systemd/system/sysinit.target.wants mk.d/etc/initkit
cp mkdisks.sh mk.d/etc/initkit/
cat >mk.d/etc/systemd/system/initkit-mkdisks.service <<'EOF'
[Unit]
Description=initkit boot matrix: make the disks
DefaultDependencies=no
After=systemd-sysext.service initkit-sysext-udev.service systemd-udev-trigger.service
Before=sysinit.target
SuccessAction=poweroff-force
FailureAction=poweroff-force

[Service]
Type=oneshot
StandardOutput=journal+console
StandardError=journal+console
ExecStart=/bin/bash /etc/initkit/mkdisks.sh
EOF
ln -s ../initkit-mkdisks.service mk.d/etc/systemd/system/sysinit.target.wants/
chmod -R u=rwX,go=rX mk.d
mkcpio -t 1700000000 -z none -o mk.cpio mk.d
initrd mkdisks basic.initrd ext-debian-initrd-storage+mxtools.cpio mk.cpio
DISKS="ext4 btrfs xfs luks lvm thin raid-a raid-b ll-a ll-b"
args=
for k in $DISKS; do
	rm -f $k.raw && truncate -s 512M $k.raw
	args="$args -drive if=none,id=$k,format=raw,file=$k.raw -device virtio-blk-pci,drive=$k,serial=$k"
done
vm_run mkdisks "INITKIT-MKDISKS-DONE|Failed to start initkit" 900 "" mkdisks.initrd \
    -drive if=none,id=src,format=raw,readonly=on,file=out/mxroot$SFX/fs.img \
    -device virtio-blk-pci,drive=src,serial=src $args
t_ok "the helper guest made the disks (sfdisk, mkfs, cryptsetup, lvm, mdadm)" \
    sh -c 'grep -aq "INITKIT-MKDISKS-DONE" mkdisks.log || { cat mkdisks.why >&2; grep -av "systemd-shutdown\|audit" mkdisks.log | tail -c 1400 >&2; exit 1; }'
if ! grep -aq "INITKIT-MKDISKS-DONE" mkdisks.log; then
	t_done
fi

# A disk as made (writes go to a temporary overlay), and the controllers.
disk() { echo "-drive if=none,id=$2,format=raw,snapshot=on,file.locking=off,file=$1.raw"; }
on_virtio() { echo "$(disk $1 r) -device virtio-blk-pci,drive=r"; }
on_nvme() { echo "$(disk $1 r) -device nvme,drive=r,serial=initkit"; }
on_ahci() { echo "$(disk $1 r) -device ide-hd,drive=r,bus=ide.0"; }
on_scsi() { echo "$(disk $1 r) -device $2,id=hba -device scsi-hd,drive=r,bus=hba.0"; }
on_usb() { echo "$(disk $1 r) -device qemu-xhci,id=xhci -device usb-storage,drive=r,bus=xhci.0"; }
upper() { echo "$1" | tr a-f A-F; }
SMBIOS_PASS="-smbios type=11,value=io.systemd.credential:cryptsetup.passphrase=$PASS"
# A plain credential of a name the initrd also takes encrypted.
SMBIOS_TMPFILES="-smbios type=11,value=io.systemd.credential.binary:tmpfiles.extra=$(printf 'f /run/initkit-plain 0644 - - - from-smbios\n' | base64 -w0)"

# TEST-10: ext4 on every common controller, root= spelled every way.
bg boot t10-virtio "root=PARTUUID=$(upper $PU_EXT4)" basic.initrd $(on_virtio ext4) $SMBIOS_TMPFILES
bg boot t10-nvme "root=UUID=$U_EXT4" basic.initrd $(on_nvme ext4)
bg boot t10-ahci "root=LABEL=initkit-root" basic.initrd $(on_ahci ext4)
bg boot t10-virtio-scsi "root=UUID=$(upper $U_EXT4)" basic.initrd $(on_scsi ext4 virtio-scsi-pci)
bg boot t10-usb "root=/dev/disk/by-uuid/$U_EXT4" basic.initrd $(on_usb ext4)
bg boot t10-pvscsi "root=PARTUUID=$PU_EXT4" basic.initrd $(on_scsi ext4 pvscsi)
bg boot t10-megasas "root=UUID=$U_EXT4" basic.initrd $(on_scsi ext4 megasas-gen2)
bg boot t10-lsi "root=UUID=$U_EXT4" basic.initrd $(on_scsi ext4 lsi53c895a)
# TEST-11: btrfs, the root a subvolume; and xfs.
bg boot t11-btrfs "root=UUID=$U_BTRFS rootflags=subvol=@root" basic.initrd $(on_virtio btrfs)
bg boot xfs "root=UUID=$U_XFS" basic.initrd $(on_virtio xfs)

# TEST-20: LUKS2, the passphrase typed on the console (a wrong one first,
# refused and asked again), or from a credential. The typed one comes
# late: the root's device (root=UUID= of the file system inside) has a
# time out of 15 s here instead of systemd's 90, and the passphrase is
# typed 20 s after the prompt appeared: the initrd must wait for the
# person at the prompt (initkit-generator), not give up on the device.
luks_typed() {
	vm t20-luks-typed "rd.luks.uuid=$U_LUKS root=UUID=$U_LUKSFS rootflags=x-systemd.device-timeout=15" \
	    basic.initrd $(on_virtio luks)
	if see t20-luks-typed "Please enter passphrase|$FAIL" 300 && ! see t20-luks-typed "$FAIL" 20; then
		type_in t20-luks-typed wrong-passphrase
		see t20-luks-typed "Please enter passphrase" 300 2 &&
		    type_in t20-luks-typed $PASS
	fi
	see t20-luks-typed "INITKIT-MATRIX .* end|$FAIL" 300
	vm_done t20-luks-typed
}
bg luks_typed
bg boot t20-luks-credential "rd.luks.uuid=$U_LUKS root=UUID=$U_LUKSFS" basic.initrd $(on_virtio luks) $SMBIOS_PASS
# TEST-20: LUKS2 opened by a credential encrypted beside the UKI (make
# creds: systemd-creds, the null key without a TPM), through OVMF and
# systemd-stub, which hands it to the initrd.
mkdir -p creds esp/EFI/BOOT/BOOTX64.EFI.extra.d
printf %s $PASS >creds/cryptsetup.passphrase
mk PROFILE=debian-basic creds CREDS="$T/creds" >creds.out 2>&1 || cat creds.out >&2
cp $B0/creds/cryptsetup.passphrase.cred esp/EFI/BOOT/BOOTX64.EFI.extra.d/
mkuki -s $B0/kernel/usr/lib/systemd/boot/efi/linuxx64.efi.stub -l $KERNEL \
    -i $B0/initrd.cpio.zst -i $B0/modules-$KVER.cpio.zst -r $B0/root/usr/lib/os-release \
    -C "console=ttyS0 panic=-1 rd.luks.uuid=$U_LUKS root=UUID=$U_LUKSFS" \
    -o esp/EFI/BOOT/BOOTX64.EFI
mkfs.vfat -C -n ESP esp.vfat 131072 >/dev/null && mcopy -s -i esp.vfat esp/EFI ::/
mkgpt -o esp.img esp=esp.vfat
cp $FWVARS uki.vars
bg boot t20-luks-uki-credential "" - \
    -drive if=pflash,format=raw,unit=0,readonly=on,file=$FW \
    -drive if=pflash,format=raw,unit=1,file=uki.vars $(on_virtio luks) \
    -drive if=none,id=esp,format=raw,snapshot=on,file=esp.img -device virtio-blk-pci,drive=esp

# TEST-20: LVM, LVM thin, MD RAID1 and a degraded RAID1, assembled by the
# storage extension's udev rules.
bg boot t20-lvm "root=/dev/mxvg/root" storage.initrd $(on_virtio lvm)
bg boot t20-lvm-thin "root=/dev/mxthin/root" storage.initrd $(on_virtio thin)
bg boot t20-raid1 "root=UUID=$U_RAIDFS" storage.initrd $(disk raid-a a) -device virtio-blk-pci,drive=a $(disk raid-b b) -device virtio-blk-pci,drive=b
bg boot t20-raid1-degraded "root=UUID=$U_RAIDFS" storage.initrd $(disk raid-a a) -device virtio-blk-pci,drive=a
# TEST-26: the installer's encrypted layout on RAID1, LVM on LUKS on MD.
bg boot t26-lvm-luks-raid1 "rd.luks.uuid=$U_LL root=/dev/mxllvg/root" storage.initrd $(disk ll-a a) -device virtio-blk-pci,drive=a $(disk ll-b b) -device virtio-blk-pci,drive=b $SMBIOS_PASS

# A way in: rd.shell opens the emergency shell, and nothing else does.
shell() {
	vm $1 "rd.systemd.unit=emergency.target $2" basic.initrd
	if see $1 "Press Enter|maintenance|root account is locked|refused" 300; then
		sleep 3
		type_in $1 ""
		sleep 2
		type_in $1 'echo INITKIT-SHELL-$((6*7)); systemctl poweroff -ff'
	fi
	see $1 "INITKIT-SHELL-42" 30
	vm_done $1 10
}
bg shell shell "rd.shell"
bg shell shell-locked ""
bg shell shell-lockdown "rd.shell lockdown=integrity"
wait

root t10-virtio "TEST-10 ext4 on virtio-blk, root=PARTUUID= in upper case" "root=/dev/vda1 fstype=ext4 "
root t10-nvme "TEST-10 ext4 on NVMe, root=UUID=" "root=/dev/nvme0n1p1 fstype=ext4 "
root t10-ahci "TEST-10 ext4 on AHCI, root=LABEL=" "root=/dev/sda1 fstype=ext4 "
root t10-virtio-scsi "TEST-10 ext4 on virtio-scsi, root=UUID= in upper case" "root=/dev/sda1 fstype=ext4 "
root t10-usb "TEST-10 ext4 on USB storage (xHCI), root=/dev/disk/by-uuid/" "root=/dev/sda1 fstype=ext4 "
root t10-pvscsi "TEST-10 ext4 on VMware PVSCSI" "root=/dev/sda1 fstype=ext4 "
root t10-megasas "TEST-10 ext4 on LSI MegaRAID SAS" "root=/dev/sda1 fstype=ext4 "
root t10-lsi "TEST-10 ext4 on LSI 53C895A (sym53c8xx)" "root=/dev/sda1 fstype=ext4 "
root t11-btrfs "TEST-11 btrfs, the root a subvolume (rootflags=subvol=)" "root=/dev/vda1 fstype=btrfs fsroot=/@root "
root xfs "xfs" "root=/dev/vda1 fstype=xfs "
root t20-luks-typed "TEST-20 LUKS2 (aes-xts-plain64, argon2id), the passphrase typed on the console, 20 s late" \
    "root=/dev/mapper/luks-$U_LUKS fstype=ext4 fsroot=/ chain=luks-$U_LUKS:crypt,vda1:part,vda:disk, "
t_eq "t20-luks-typed: a wrong passphrase is refused and asked again, the right one taken" 2 \
    grep -ac "Please enter passphrase" t20-luks-typed.log
root t20-luks-credential "TEST-20 LUKS2, the passphrase a plain credential (SMBIOS)" \
    "root=/dev/mapper/luks-$U_LUKS fstype=ext4 fsroot=/ chain=luks-$U_LUKS:crypt,vda1:part,vda:disk, "
t_ok "t20-luks-credential: ... and nothing asked on the console" sh -c '! grep -aq "Please enter passphrase" t20-luks-credential.log'
root t20-luks-uki-credential "TEST-20 LUKS2, the passphrase a credential encrypted beside the UKI" \
    "root=/dev/mapper/luks-$U_LUKS fstype=ext4 fsroot=/ chain=luks-$U_LUKS:crypt,vda1:part,vda:disk, "
t_ok "t20-luks-uki-credential: ... and nothing asked on the console" sh -c '! grep -aq "Please enter passphrase" t20-luks-uki-credential.log'
root t20-lvm "TEST-20 LVM (the storage extension)" "root=/dev/mapper/mxvg-root fstype=ext4 fsroot=/ chain=mxvg-root:lvm,vda1:part,vda:disk, "
root t20-lvm-thin "TEST-20 LVM thin (the storage extension)" "root=/dev/mapper/mxthin-root fstype=ext4 fsroot=/ chain=mxthin-root:lvm,mxthin-pool-tpool:lvm,"
root t20-raid1 "TEST-20 MD RAID1 (the storage extension)" "root=/dev/md[0-9]+ fstype=ext4 fsroot=/ chain=md[0-9]+:raid1,.* md=.*active raid1 .*\\[UU\\]"
root t20-raid1-degraded "TEST-20 MD RAID1 with one disk missing, started degraded" "root=/dev/md[0-9]+ fstype=ext4 fsroot=/ chain=md[0-9]+:raid1,.* md=.*active raid1 .*\\[(U_|_U)\\]"
root t26-lvm-luks-raid1 "TEST-26 LVM on LUKS on MD RAID1 (the installer's encrypted layout)" \
    "root=/dev/mapper/mxllvg-root fstype=ext4 fsroot=/ chain=mxllvg-root:lvm,luks-$U_LL:crypt,md[0-9]+:raid1,vda1:part,vda:disk,vdb1:part,vdb:disk, md=.*\\[UU\\]"
t_ok "a plain credential of a name also taken encrypted (tmpfiles.extra by SMBIOS) is applied" \
    grep -aq "INITKIT-MATRIX .* plain=from-smbios " t10-virtio.log
t_ok "no initrd failed a unit that reads credentials" \
    sh -c '! grep -aE "Failed to start (systemd-tmpfiles-setup|systemd-sysctl|systemd-cryptsetup)|CREDENTIALS" t*.log xfs.log'
t_ok "the initrd is not tainted (/var/run is a link to /run)" sh -c '! grep -a "tainted" t10-virtio.log | grep -a var-run-bad'
t_ok "rd.shell: the emergency shell opens without the root password" grep -aq "^INITKIT-SHELL-42" shell.log
t_ok "no rd.shell: the root account stays locked" \
    sh -c 'grep -aq "root account is locked" shell-locked.log && ! grep -aq "^INITKIT-SHELL-42" shell-locked.log'
t_ok "rd.shell under lockdown: refused, and the root account stays locked" \
    sh -c 'grep -aq "rd.shell refused: the kernel is locked down" shell-lockdown.log && ! grep -aq "^INITKIT-SHELL-42" shell-lockdown.log'
t_done
