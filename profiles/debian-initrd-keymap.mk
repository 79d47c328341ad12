# debian-initrd-keymap: the console's keyboard layout in the initrd, as
# an initrd system extension: kbd's loadkeys with console-data's keymaps,
# and dash, the /bin/sh loadkeys runs gzip through (the keymaps are
# compressed) and the base lacks. Its own files
# (debian-initrd-keymap/usr/) load the keymap after the merge
# (initkit-keymap: vconsole.keymap= on the kernel command line, the
# vconsole.keymap credential or KEYMAP= in /etc/vconsole.conf), before
# plymouth starts. Alone, for a passphrase typed on the text console;
# debian-initrd-graphical and debian-initrd-speech include it.

KIND = sysext
BASE = debian-basic
DISTRIBUTION = debian
ARCH = amd64
SYSEXT_SCOPE = initrd

PACKAGES = kbd console-data dash
EXCLUDE = /usr/share/doc/*/changelog* /usr/share/doc/*/NEWS* \
	/usr/share/doc/*/README* /usr/share/doc/*/examples/* \
	/usr/share/man/* /usr/share/info/* /usr/share/locale/* \
	/usr/share/lintian/* /usr/share/bash-completion/* \
	/etc/init.d/* /etc/logrotate.d/* /usr/share/apport/*
