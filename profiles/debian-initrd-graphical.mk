# debian-initrd-graphical: a graphical passphrase prompt in the user's
# keyboard layout, as an initrd system extension: plymouth with its DRM
# and frame buffer renderers, the label plugin (the prompt's text in the
# theme's font) and Debian's themes, over debian-initrd-keymap (the
# console's keymap, which plymouth's keys come through). Its own files
# (debian-initrd-graphical/usr/) start plymouthd after the merge and the
# keymap, and hand it over to the root or stop it before the switch. The
# display drivers come in the base's modules cpio: MODULE_SETS=graphical.
#
# Left out (OMIT): initramfs-tools, which plymouth depends on for its
# initramfs hook (with it klibc, cpio, coreutils): it never runs here.

include $(PROFILES)/debian-initrd-keymap.mk

PACKAGES += plymouth plymouth-label plymouth-themes
OMIT = initramfs-tools
