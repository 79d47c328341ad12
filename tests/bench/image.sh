#!/bin/sh
# Image benchmark: a signed verity image (squashfs root, verity hash,
# signature; the layout of a system extension or a root) of the same tree,
# our chain (mksqfs | mkverity | pkcs7sign -j | mkgpt) against
# systemd-repart 252 (which runs mksquashfs and veritysetup's library), in
# one run; best of 3 wall-clock times each. Both squashfs at their shared
# default: gzip, 128 KiB blocks. Both images are checked with
# systemd-dissect. Needs root and loop devices (repart 252 does).
#
#   sh tests/bench/image.sh [DIR]     (default: a copy of /usr/include)
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/bench/lib.sh"
B=${B:-$top/build}
PATH=$B/bin:$PATH
for c in systemd-repart systemd-dissect mksquashfs openssl; do
	command -v $c >/dev/null || { echo "image.sh: $c not installed" >&2; exit 2; }
done
w=$(mktemp -d "${TMPDIR:-/tmp}/bench-image.XXXXXX")
trap 'rm -rf "$w"' EXIT
if [ $# -gt 0 ]; then
	tree=$1
else
	tree=$w/tree
	mkdir -p "$tree/usr"
	cp -a /usr/include "$tree/usr/"
fi
SEED=6a1c3d2e-5f40-4b8a-9c7d-0e1f2a3b4c5d
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$w/key.pem" -out "$w/cert.pem" \
    -days 3650 -subj /CN=bench 2>/dev/null
tar -cf - -C "$tree" . >/dev/null

before() { rm -f "$w"/fs.img "$w"/hash.img "$w"/sig.img "$w"/ours.raw "$w"/theirs.raw; }
ours() {
	mksqfs -z gzip -l 9 -b 131072 -o "$w/fs.img" "$tree" &&
	mkverity -S $SEED -o "$w/hash.img" "$w/fs.img" |
	    pkcs7sign -j -k "$w/key.pem" -c "$w/cert.pem" -o "$w/sig.img" &&
	mkgpt -S $SEED -o "$w/ours.raw" root="$w/fs.img" root-verity="$w/hash.img" \
	    root-verity-sig="$w/sig.img"
}
theirs() {
	systemd-repart --definitions="$w/defs" --empty=create --size=auto --seed=$SEED \
	    --private-key="$w/key.pem" --certificate="$w/cert.pem" --dry-run=no \
	    "$w/theirs.raw"
}
# repart 252 has no Minimize=: it gets the partition sizes our run found
# (rounded up to 1 MiB, which it needs anyway).
before; ours >/dev/null
mib() { echo $(( ($(wc -c <"$1") + 1048575) / 1048576 ))M; }
mkdir -p "$w/defs"
printf '[Partition]\nType=root\nFormat=squashfs\nCopyFiles=%s:/\nVerity=data\nVerityMatchKey=root\nSizeMinBytes=%s\nSizeMaxBytes=%s\n' \
    "$tree" $(mib "$w/fs.img") $(mib "$w/fs.img") >"$w/defs/10-root.conf"
printf '[Partition]\nType=root-verity\nVerity=hash\nVerityMatchKey=root\nSizeMinBytes=%s\nSizeMaxBytes=%s\n' \
    $(mib "$w/hash.img") $(mib "$w/hash.img") >"$w/defs/20-verity.conf"
printf '[Partition]\nType=root-verity-sig\nVerity=signature\nVerityMatchKey=root\n' >"$w/defs/30-sig.conf"
best t_ours ours
best t_theirs theirs
before; ours; theirs >/dev/null 2>&1
for i in ours theirs; do
	systemd-dissect "$w/$i.raw" | grep -Eq '^ro root .* signed ' ||
	    { echo "image.sh: systemd-dissect does not take $i.raw" >&2; exit 1; }
done
echo "tree: $(du -sb "$tree" | cut -f1) bytes, $(find "$tree" | wc -l) entries, $(nproc) CPUs; systemd-dissect: both roots verity-signed"
printf '%-44s %6.2f s  %d bytes\n' "mksqfs | mkverity | pkcs7sign | mkgpt" "$t_ours" "$(wc -c <"$w/ours.raw")" \
    "systemd-repart 252" "$t_theirs" "$(wc -c <"$w/theirs.raw")"
awk -v o="$t_ours" -v r="$t_theirs" 'BEGIN { printf "systemd-repart / initkit: %.2fx\n", r / o }'
