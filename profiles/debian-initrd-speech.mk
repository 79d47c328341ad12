# debian-initrd-speech: a spoken passphrase prompt, as an initrd system
# extension: espeakup, which speaks what the kernel's speakup reads off
# the text console through espeak-ng (every language's voice), and
# alsa-utils' alsactl, which sets the sound cards' mixers up (unmuted, at
# a middle volume), over debian-initrd-keymap (the keyboard's layout at
# the prompt). Its own files (debian-initrd-speech/usr/) start both after
# the merge and ask for passphrases on the first virtual console, where
# speakup reads them, also when the kernel's console is a serial one.
# The sound drivers and speakup come in the base's modules cpio:
# MODULE_SETS=speech.

include $(PROFILES)/debian-initrd-keymap.mk

PACKAGES += espeakup alsa-utils
