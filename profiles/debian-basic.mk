# debian-basic: a generic initrd with systemd as its init, built from
# Debian's packages (RELEASE: mk/profile.mk's default, or the command
# line's); the same bytes for every machine and kernel. The package set
# is mkosi's default Debian initrd (mkosi-initrd's Debian list), with
# each release's names: bookworm's usr-is-merged, so that apt does not
# pull usrmerge and perl in (trixie's base-files ships the merged /usr
# itself); trixie's systemd-cryptsetup and systemd-repart, split out of
# systemd after bookworm, and the 64-bit time_t (t64) names of the TSS
# libraries.

KIND = initrd
DISTRIBUTION = debian
ARCH = amd64

PACKAGES = systemd udev bash less gzip kmod dmsetup libcryptsetup12 \
	libseccomp2 btrfs-progs e2fsprogs dosfstools procps util-linux mount \
	libfido2-1 libfdisk1 $(PACKAGES_$(RELEASE))
PACKAGES_bookworm = libtss2-esys-3.0.2-0 libtss2-rc0 libtss2-mu0 \
	usr-is-merged
PACKAGES_trixie = libtss2-esys-3.0.2-0t64 libtss2-rc0t64 \
	libtss2-mu-4.0.1-0t64 systemd-cryptsetup systemd-repart
PACKAGES_forky = $(PACKAGES_trixie) libacl1

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

# The per-kernel modules cpio: the generic set, what every release's and
# architecture's kernel has (modules-generic.list), what only this
# architecture's has (-ARCH), only this release's (-RELEASE: bookworm's
# 6.1 still has md's linear personality, which 6.12 dropped; forky's 7.2
# has the crypto library where 6.1 and 6.12 had *_generic modules), and
# only this release's for this architecture (-RELEASE-ARCH: the x86 and
# arm64 builds of SHA-2, GHASH, CRC32C, ChaCha and Poly1305 that 7.2
# moved into its crypto library); modroot refuses a glob that matches no
# module and is not built in.
MODULES = $(foreach l,$(MODULES_LISTS),$(file <$(l)))
MODULES_LISTS = $(GENERIC).list $(GENERIC)-$(ARCH).list \
	$(wildcard $(GENERIC)-$(RELEASE).list $(GENERIC)-$(RELEASE)-$(ARCH).list)
GENERIC = $(INITKIT_DATA)/profiles/modules-generic

# The drivers an initrd extension needs and the generic set leaves out,
# as module sets (profiles/modules-SET.list) added to this cpio:
# MODULE_SETS=bluetooth for debian-initrd-bluetooth. Drivers cannot come
# in the extension: udev loads them at coldplug, before systemd-sysext
# merges anything, and modules in an extension's /usr would shadow the
# module indexes of the cpio.
# A set, like the generic one, may have lists for one architecture and
# release (modules-SET-ARCH.list and so on): those that exist are read.
MODULE_SETS ?=
MODULES_LISTS += $(foreach s,$(MODULE_SETS),$(call module_set,$(INITKIT_DATA)/profiles/modules-$(s)))
module_set = $(if $(wildcard $(1).list),$(1).list $(wildcard $(1)-$(ARCH).list \
	$(1)-$(RELEASE).list $(1)-$(RELEASE)-$(ARCH).list),$(error \
	MODULE_SETS=$(patsubst modules-%,%,$(notdir $(1))): no $(1).list))

CMDLINE = console=tty0 console=ttyS0
