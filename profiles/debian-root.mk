# debian-root: a small immutable root, a verity-protected signed GPT image
# (root, root-verity, root-verity-sig) as the Discoverable Partitions
# Specification lays it out; the boot test's root and an appliance base.

KIND = root
DISTRIBUTION = debian
ARCH = amd64

PACKAGES = systemd systemd-sysv udev dbus bash dash coreutils util-linux \
	mount kmod login passwd $(PACKAGES_$(RELEASE))
# dash: /bin/sh, for system(3) and every #!/bin/sh script. Debian's
# Essential packages are not pulled in by dependencies: each is named.
# The TSS2 libraries systemd loads to measure the boot phases (sysinit,
# ready) into PCR 11, as a UKI's signed PCR policies expect: without
# them systemd-pcrphase finds "no complete TPM2 support" and measures
# nothing. bookworm: usr-is-merged, without which apt pulls usrmerge and
# perl in; later releases' base-files ships the merged /usr itself.
PACKAGES_bookworm = usr-is-merged libtss2-esys-3.0.2-0 libtss2-rc0 libtss2-mu0
PACKAGES_trixie = libtss2-esys-3.0.2-0t64 libtss2-rc0t64 libtss2-mu-4.0.1-0t64
PACKAGES_forky = $(PACKAGES_trixie)
EXCLUDE = /usr/share/doc/*/changelog* /usr/share/doc/*/NEWS* \
	/usr/share/man/* /usr/share/info/* /usr/share/locale/* \
	/usr/share/lintian/* /usr/lib/systemd/catalog/* /var/cache/* \
	/var/log/*
