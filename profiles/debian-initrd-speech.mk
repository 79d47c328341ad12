# debian-initrd-speech: a spoken passphrase prompt, as an initrd system
# extension: espeakup, which speaks what the kernel's speakup reads off
# the text console through espeak-ng (every language's voice), and
# alsa-utils' alsactl, which sets the sound card's mixer up (unmuted, at
# a middle volume) as the installed system does. Its own files
# (debian-initrd-speech/usr/) start both after the merge and ask for
# passphrases on the first virtual console, where speakup reads them,
# also when the kernel's console is a serial one. The sound drivers and
# speakup come in the base's modules cpio: MODULE_SETS=speech.

KIND = sysext
BASE = debian-basic
DISTRIBUTION = debian
ARCH = amd64
SYSEXT_SCOPE = initrd

PACKAGES = espeakup alsa-utils
EXCLUDE = /usr/share/doc/*/changelog* /usr/share/doc/*/NEWS* \
	/usr/share/doc/*/README* /usr/share/doc/*/examples/* \
	/usr/share/man/* /usr/share/info/* /usr/share/locale/* \
	/usr/share/lintian/* /usr/share/bash-completion/* \
	/etc/init.d/* /etc/logrotate.d/*
