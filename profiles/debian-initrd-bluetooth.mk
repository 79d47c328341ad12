# debian-initrd-bluetooth: Bluetooth keyboards at the passphrase prompt,
# as an initrd system extension: bluez (bluetoothd with its input
# plugin) and the system D-Bus it needs, which the base lacks.

KIND = sysext
BASE = debian-basic
DISTRIBUTION = debian
ARCH = amd64
SYSEXT_SCOPE = initrd

PACKAGES = bluez dbus
EXCLUDE = /usr/share/doc/*/changelog* /usr/share/man/* /usr/share/info/* \
	/usr/share/locale/*
