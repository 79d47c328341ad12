# debian-initrd-storage: root file systems on LVM, MD RAID, iSCSI, NFS, or
# unlocked by clevis, as an initrd system extension. LVM's thin pools need
# thin_check (thin-provisioning-tools) to be activated.

KIND = sysext
BASE = debian-basic
DISTRIBUTION = debian
ARCH = amd64
SYSEXT_SCOPE = initrd

PACKAGES = lvm2 thin-provisioning-tools mdadm open-iscsi nfs-common clevis \
	clevis-luks
EXCLUDE = /usr/share/doc/*/changelog* /usr/share/man/* /usr/share/info/* \
	/usr/share/locale/*
