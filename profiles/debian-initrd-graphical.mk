# debian-initrd-graphical: a graphical passphrase prompt in the user's
# keyboard layout, as an initrd system extension: plymouth with its DRM
# and frame buffer renderers, the label plugin (the prompt's text in the
# theme's font) and Debian's themes; kbd's loadkeys with console-data's
# keymaps for the console's layout, which plymouth's keys come through.
# Its own files (debian-initrd-graphical/usr/) start plymouthd after the
# merge and load the keymap (initkit-keymap: vconsole.keymap= on the
# kernel command line, the vconsole.keymap credential or KEYMAP= in
# /etc/vconsole.conf). The display drivers come in the base's modules
# cpio: MODULE_SETS=graphical.
#
# dash: /bin/sh, which loadkeys runs gzip through (the keymaps are
# compressed) and the base lacks. Left out (OMIT): initramfs-tools, which
# plymouth depends on for its initramfs hook (with it klibc, cpio,
# coreutils): it never runs here.

KIND = sysext
BASE = debian-basic
DISTRIBUTION = debian
ARCH = amd64
SYSEXT_SCOPE = initrd

PACKAGES = plymouth plymouth-label plymouth-themes kbd console-data dash
OMIT = initramfs-tools
EXCLUDE = /usr/share/doc/*/changelog* /usr/share/doc/*/NEWS* \
	/usr/share/doc/*/README* /usr/share/doc/*/examples/* \
	/usr/share/man/* /usr/share/info/* /usr/share/locale/* \
	/usr/share/lintian/* /usr/share/bash-completion/* \
	/etc/init.d/* /etc/logrotate.d/* /usr/share/apport/*
