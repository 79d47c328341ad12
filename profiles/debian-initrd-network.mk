# debian-initrd-network: remote access to an initrd (systemd-networkd is
# in the base already; this adds sshd), as an initrd system extension.

KIND = sysext
BASE = debian-basic
DISTRIBUTION = debian
RELEASE = bookworm
ARCH = amd64
SYSEXT_SCOPE = initrd

PACKAGES = openssh-server iproute2
EXCLUDE = /usr/share/doc/*/changelog* /usr/share/man/* /usr/share/info/* \
	/usr/share/locale/*
