#!/bin/sh
# forky (Debian testing) from the real archive, as `make PROFILE=NAME
# RELEASE=forky` builds it: debian-basic's initrd, modules cpio and UKI
# from forky's own kernel (7.2, its image in /usr/lib/modules/KVER) and
# systemd (262), and debian-root's verity image. Checked by their own
# consumers: systemd 262's systemd-analyze (through the image's loader)
# says which libraries it loads at run time, and every one udevd and
# systemd-cryptsetup need is in the initrd; modprobe resolves in the
# modules cpio what the generic set promises (the LUKS ciphers, btrfs's
# checksums, dm-crypt, dm-integrity), which 7.2 moved into its crypto
# library; the UKI's .linux is the package's kernel image. The sources
# are $SOURCES (tests/lib.sh: the archive's with Check-Valid-Until: no).
# Needs the archive or the test cache; the boot is `make check-boot
# RELEASE=forky` (tests/boot.t).
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 1

if ! need make modprobe zstd cpio objcopy; then
	t_skip "forky from the archive" "make, kmod, zstd, cpio or binutils not installed"
	t_done
fi
CACHE=${INITKIT_TEST_CACHE:-$top/build/cache}
mkdir -p "$CACHE"
mk() {
	env -u KEY -u CERT make -s -C "$top" B="${B#$top/}" OUTROOT="$T/out" \
	    CACHE="$CACHE" SOURCES="$SOURCES" RELEASE=forky "$@"
}
if ! mk PROFILE=debian-basic >basic.out 2>&1; then
	if offline basic.out; then
		t_skip "forky from the archive" "Debian archive unreachable: $(grep -m1 pkgroot basic.out | head -c 200)"
	else
		t_fail "forky from the archive: make PROFILE=debian-basic RELEASE=forky" basic.out
	fi
	t_done
fi
O=out/debian-basic-forky
K=$(cat $O/kver)
t_ok "make PROFILE=debian-basic RELEASE=forky: initrd, modules cpio and UKI of $K" \
    sh -c "[ -s $O/initrd.cpio.zst ] && [ -s $O/modules-$K.cpio.zst ] && [ -s $O/$K.efi ]"
t_eq "the initrd is forky's (initrd-release)" "VERSION_CODENAME=forky" \
    sh -c "zstd -dc $O/initrd.cpio.zst | cpio -i --quiet --to-stdout etc/initrd-release | grep ^VERSION_CODENAME="

# The kernel image is where the package put it, and the UKI carries it.
V=$(kernel_image $O/kernel $K)
t_ok "the UKI's .linux is the kernel package's image" \
    sh -c "objcopy -O binary --only-section=.linux $O/$K.efi linux.bin && cmp linux.bin $V"

# The libraries systemd 262 loads with dlopen (no package depends on
# them any more): what its udevd and systemd-cryptsetup mark required or
# recommended, and PID 1's required ones, must be in the initrd. Asked of
# the image's own systemd-analyze, run through its dynamic loader.
mkdir initrd && (cd initrd && zstd -dc ../$O/initrd.cpio.zst | cpio -id --quiet 2>/dev/null)
# dlopen.sh ROOT FILE PRIORITY-REGEX: fails naming the first feature that
# FILE (a path in ROOT) loads with such a priority of which no library is
# in the initrd.
cat >dlopen.sh <<'EOF'
r=$1
"$r/usr/lib64/ld-linux-x86-64.so.2" --library-path \
    "$r/usr/lib/x86_64-linux-gnu:$r/usr/lib/x86_64-linux-gnu/systemd" \
    "$r/usr/bin/systemd-analyze" dlopen-metadata --json=short "$r/$2" >dl.json || exit 1
jq -r --arg p "^($3)\$" '.[] | select(.priority | test($p)) |
    .feature + " " + (.soname | join(" "))' dl.json >need.txt || exit 1
[ -s need.txt ] || { echo "$2: none listed" >&2; exit 1; }
while read -r feature sonames; do
	ok=
	for so in $sonames; do [ -e "initrd/usr/lib/x86_64-linux-gnu/$so" ] && ok=1; done
	[ -n "$ok" ] || { echo "$2: $feature ($sonames) not in the initrd" >&2; exit 1; }
done <need.txt
EOF
if [ "$(dpkg --print-architecture 2>/dev/null)" = amd64 ] && need jq; then
	t_ok "the initrd has every library udevd requires or recommends (its systemd-analyze dlopen-metadata)" \
	    sh dlopen.sh $O/root usr/lib/systemd/systemd-udevd 'required|recommended'
	t_ok "... that systemd-cryptsetup requires or recommends" \
	    sh dlopen.sh $O/root usr/lib/systemd/systemd-cryptsetup 'required|recommended'
	t_ok "... that systemd requires" sh dlopen.sh $O/root usr/lib/systemd/systemd required
else
	t_skip "the initrd's dlopen libraries" "jq not installed, or not an amd64 machine (forky's systemd-analyze runs here only then)"
fi

# The modules cpio, as the initrd's modprobe finds it: every alias the
# generic set stands for resolves, to modules that are there or built in.
mkdir mods && (cd mods && zstd -dc ../$O/modules-$K.cpio.zst | cpio -id --quiet 2>/dev/null)
mkdir -p mp/lib noconf && ln -s "$T/mods/usr/lib/modules" mp/lib/modules
for a in crypto-xts crypto-aes crypto-essiv crypto-sha256 crypto-sha512 \
    crypto-xchacha12 crypto-adiantum crypto-gcm crypto-rfc7539 crypto-crc32c \
    crypto-lrw crypto-ctr crypto-serpent crypto-twofish crypto-authenc \
    btrfs dm-crypt dm-integrity algif_skcipher; do
	printf '%s\n' $a
done >aliases
t_ok "modprobe resolves the LUKS ciphers, btrfs, dm-crypt and dm-integrity in the modules cpio" \
    sh -c "while read -r a; do
		modprobe -C noconf -d mp -S $K --show-depends \$a >dep.txt 2>&1 || { echo \"\$a: \$(head -n 1 dep.txt)\" >&2; exit 1; }
		while read -r cmd path rest; do
			[ \$cmd = builtin ] || [ -f \"\$path\" ] || { echo \"\$a: missing \$path\" >&2; exit 1; }
		done <dep.txt
	done <aliases"
t_ok "btrfs's checksum library (blake2b) and adiantum's (NH, Poly1305) are in it" \
    sh -c "modprobe -C noconf -d mp -S $K --show-depends btrfs | grep -q libblake2b &&
	modprobe -C noconf -d mp -S $K --show-depends crypto-adiantum | grep -q libnh &&
	modprobe -C noconf -d mp -S $K --show-depends crypto-adiantum | grep -q libpoly1305"

# debian-root: the root kind, its own package set.
mk PROFILE=debian-root >root.out 2>&1; rc=$?
t_ok "make PROFILE=debian-root RELEASE=forky: a signed verity image" \
    sh -c "[ $rc -eq 0 ] || { cat root.out >&2; exit 1; }
	mkgpt -V out/debian-root-forky/debian-root.raw >/dev/null"
t_done
