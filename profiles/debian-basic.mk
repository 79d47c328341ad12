# debian-basic: a generic initrd with systemd as its init, built from
# Debian 12's packages; the same bytes for every machine and kernel. The
# package set is mkosi's default Debian initrd (mkosi-initrd's Debian list), with
# usr-is-merged so that apt does not pull usrmerge and perl in.

KIND = initrd
DISTRIBUTION = debian
RELEASE = bookworm
ARCH = amd64

PACKAGES = systemd udev bash less gzip kmod dmsetup libcryptsetup12 \
	libseccomp2 btrfs-progs e2fsprogs dosfstools procps util-linux mount \
	libfido2-1 libfdisk1 libtss2-esys-3.0.2-0 libtss2-rc0 libtss2-mu0 \
	usr-is-merged

# Dropped at unpack time: documentation but the copyright files, manuals,
# translations, the hwdb sources and the journal catalog, SysV and cron
# leftovers an initrd never runs.
EXCLUDE = /usr/share/doc/*/changelog* /usr/share/doc/*/NEWS* \
	/usr/share/doc/*/README* /usr/share/doc/*/examples/* \
	/usr/share/man/* /usr/share/info/* /usr/share/locale/* \
	/usr/share/lintian/* /usr/share/bash-completion/* /usr/share/zsh/* \
	/usr/lib/udev/hwdb.d/* /usr/lib/systemd/catalog/* \
	/etc/init.d/* /etc/rc?.d/* /etc/cron.* /etc/logrotate.d/* \
	/var/cache/* /var/log/*

# The per-kernel modules cpio: the generic set, what every architecture's
# kernel has and what only this one's has (modroot refuses a glob that
# matches no module).
MODULES = $(file <$(INITKIT_DATA)/profiles/modules-generic.list) \
	$(file <$(INITKIT_DATA)/profiles/modules-generic-$(ARCH).list)

CMDLINE = console=tty0 console=ttyS0
