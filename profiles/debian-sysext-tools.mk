# debian-sysext-tools: debugging tools for a debian-root system, as a host
# system extension.

KIND = sysext
BASE = debian-root
DISTRIBUTION = debian
ARCH = amd64
SYSEXT_SCOPE = system

PACKAGES = strace tcpdump
EXCLUDE = /usr/share/doc/*/changelog* /usr/share/man/* /usr/share/info/* \
	/usr/share/locale/*
