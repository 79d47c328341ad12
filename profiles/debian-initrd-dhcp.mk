# debian-initrd-dhcp: the initrd's network configuration as a signed
# configuration extension (systemd 254 and later: trixie's initrd merges
# it, bookworm's systemd 252 does not know confexts): every wired link
# takes an address by DHCP when systemd-networkd runs in the initrd (with
# debian-initrd-network for remote unlock, or rd.neednet=1), where
# otherwise a tmpfiles.extra credential writes the .network file. Edit
# profiles/debian-initrd-dhcp/etc/ (a static address, another match) for
# a site of one's own: it is local configuration, no package.

KIND = confext
BASE = debian-basic
DISTRIBUTION = debian
ARCH = amd64
SYSEXT_SCOPE = initrd

PACKAGES =
