# debian-root: a small immutable root, a verity-protected signed GPT image
# (root, root-verity, root-verity-sig) as the Discoverable Partitions
# Specification lays it out; the boot test's root and an appliance base.

KIND = root
DISTRIBUTION = debian
ARCH = amd64

PACKAGES = systemd systemd-sysv udev dbus bash coreutils util-linux mount \
	kmod login passwd $(PACKAGES_$(RELEASE))
# bookworm: without it apt pulls usrmerge and perl in; later releases'
# base-files ships the merged /usr itself.
PACKAGES_bookworm = usr-is-merged
EXCLUDE = /usr/share/doc/*/changelog* /usr/share/doc/*/NEWS* \
	/usr/share/man/* /usr/share/info/* /usr/share/locale/* \
	/usr/share/lintian/* /usr/lib/systemd/catalog/* /var/cache/* \
	/var/log/*
