# debian-initrd-debug: tools to look around in a debian-basic initrd that
# will not boot, as an initrd system extension (signed, /usr only).

KIND = sysext
BASE = debian-basic
DISTRIBUTION = debian
ARCH = amd64
SYSEXT_SCOPE = initrd

PACKAGES = strace less vim-tiny procps
EXCLUDE = /usr/share/doc/*/changelog* /usr/share/man/* /usr/share/info/* \
	/usr/share/locale/*
