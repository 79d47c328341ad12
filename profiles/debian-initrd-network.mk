# debian-initrd-network: remote access to an initrd, for remote unlock, as
# an initrd system extension: sshd and iproute2 (systemd-networkd is in
# the base). Its own files (debian-initrd-network/usr/) start
# systemd-networkd, which sets the links up as ip= or .network files in
# /run/systemd/network (a tmpfiles.extra credential) say, and sshd
# (initkit-sshd.service): root logs in by a key of the
# ssh.authorized_keys.root credential only, and answers a passphrase
# prompt with systemd-tty-ask-password-agent --query.

KIND = sysext
BASE = debian-basic
DISTRIBUTION = debian
ARCH = amd64
SYSEXT_SCOPE = initrd

PACKAGES = openssh-server iproute2
EXCLUDE = /usr/share/doc/*/changelog* /usr/share/man/* /usr/share/info/* \
	/usr/share/locale/*
