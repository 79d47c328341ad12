#!/bin/sh
# UKI benchmark: a signed UKI from bookworm's systemd-stub and kernel and an
# initrd (out/debian-basic/initrd.cpio.zst when built, else 30 MB of random
# bytes), mkuki -k -c against systemd 252's documented recipe (objcopy
# --add-section at the offsets of systemd-stub(7), then sbsign), in one
# run; best of 3 wall-clock times each. Both results are checked with
# sbverify. (ukify, the newer peer, is not in Debian 12.)
#
#   sh tests/bench/uki.sh       (needs the Debian archive or the test cache)
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/bench/lib.sh"
B=${B:-$top/build}
PATH=$B/bin:$PATH
for c in objcopy sbsign sbverify openssl; do
	command -v $c >/dev/null || { echo "uki.sh: $c not installed" >&2; exit 2; }
done
w=$(mktemp -d "${TMPDIR:-/tmp}/bench-uki.XXXXXX")
trap 'rm -rf "$w"' EXIT
pkgroot -f -c "${INITKIT_TEST_CACHE:-$top/build/cache}" -x '/usr/lib/modules/*' \
    -x '/usr/share/*' -o "$w/k" linux-image-amd64 systemd-boot-efi >/dev/null
stub=$w/k/usr/lib/systemd/boot/efi/linuxx64.efi.stub
set -- "$w"/k/boot/vmlinuz-*
kernel=$1
kver=${kernel##*/vmlinuz-}
if [ -f "$top/out/debian-basic/initrd.cpio.zst" ]; then
	cp "$top/out/debian-basic/initrd.cpio.zst" "$w/initrd"
else
	head -c 31457280 /dev/urandom >"$w/initrd"
fi
printf 'console=ttyS0 quiet' >"$w/cmdline"
printf 'ID=debian\nVERSION_ID="12"\n' >"$w/os-release"
printf '%s' "$kver" >"$w/uname"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$w/db.key" -out "$w/db.crt" \
    -days 3650 -subj /CN=bench 2>/dev/null
cat "$stub" "$kernel" "$w/initrd" >/dev/null

before() { rm -f "$w/ours.efi" "$w/theirs.efi" "$w/unsigned.efi"; }
ours() {
	mkuki -s "$stub" -l "$kernel" -i "$w/initrd" -C @"$w/cmdline" \
	    -r "$w/os-release" -u "$kver" -k "$w/db.key" -c "$w/db.crt" -o "$w/ours.efi"
}
theirs() {
	objcopy --add-section .osrel="$w/os-release" --change-section-vma .osrel=0x20000 \
	    --add-section .cmdline="$w/cmdline" --change-section-vma .cmdline=0x30000 \
	    --add-section .uname="$w/uname" --change-section-vma .uname=0x40000 \
	    --add-section .linux="$kernel" --change-section-vma .linux=0x2000000 \
	    --add-section .initrd="$w/initrd" --change-section-vma .initrd=0x3000000 \
	    "$stub" "$w/unsigned.efi" &&
	sbsign --key "$w/db.key" --cert "$w/db.crt" --output "$w/theirs.efi" "$w/unsigned.efi"
}
best t_ours ours
best t_theirs theirs
before; ours; theirs
sbverify --cert "$w/db.crt" "$w/ours.efi" >/dev/null
sbverify --cert "$w/db.crt" "$w/theirs.efi" >/dev/null
echo "kernel $kver, initrd $(wc -c <"$w/initrd") bytes, $(nproc) CPUs; both signed (sbverify)"
printf '%-24s %6.2f s  %d bytes\n' "mkuki -k -c" "$t_ours" "$(wc -c <"$w/ours.efi")" \
    "objcopy + sbsign" "$t_theirs" "$(wc -c <"$w/theirs.efi")"
awk -v o="$t_ours" -v r="$t_theirs" 'BEGIN { printf "objcopy + sbsign / mkuki: %.2fx\n", r / o }'
