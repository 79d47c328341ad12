#!/bin/sh
# mkcpio benchmark: mkcpio -z zstd against the usual pipelines on the same
# tree, at zstd level 3, in one run; best of 3 wall-clock times each.
#   - zstd -3 -T2 alone on the same uncompressed cpio: the floor
#     (target: mkcpio within 1.15x of it)
#   - bsdtar --format newc | zstd -3 -T2, find | cpio -o -H newc | zstd -3 -T2
#     (target: mkcpio faster than both, output no larger)
#
#   sh tests/bench/mkcpio.sh [DIR]
# Without DIR the tree is a copy of this Debian system's /usr/bin and
# /usr/include (about 480 MB). TMPDIR chooses where the work happens.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/bench/lib.sh"
MKCPIO=${MKCPIO:-$top/build/bin/mkcpio}
for c in bsdtar cpio zstd; do
	command -v $c >/dev/null || { echo "mkcpio.sh: $c not installed" >&2; exit 2; }
done
w=$(mktemp -d "${TMPDIR:-/tmp}/bench-mkcpio.XXXXXX")
trap 'rm -rf "$w"' EXIT
if [ $# -gt 0 ]; then
	dir=$1
else
	dir=$w/tree
	usr_tree "$dir"
fi
n=$(find "$dir" | wc -l)
mb=$(du -sb "$dir" | awk '{ printf "%.0f", $1 / 1048576 }')
tar -cf /dev/null -C "$dir" .	# warm the page cache for everyone
echo "tree: $dir, $n entries, $mb MiB; $(nproc) CPUs"

ours() { "$MKCPIO" -f -z zstd -l 3 -t 1700000000 -o "$w/mkcpio.zst" "$dir"; }
plain() { "$MKCPIO" -f -z none -t 1700000000 -o "$w/plain.cpio" "$dir"; }
floor() { zstd -q -f -3 -T2 -o "$w/floor.zst" "$w/plain.cpio"; }
bsd() { bsdtar -cf - --format newc -C "$dir" . | zstd -q -3 -T2 >"$w/bsdtar.zst"; }
gnu() { (cd "$dir" && find . | cpio -o -H newc --quiet) | zstd -q -3 -T2 >"$w/cpio.zst"; }

best t_ours ours
best t_plain plain
best t_floor floor
best t_bsd bsd
best t_gnu gnu
zstd -dc "$w/mkcpio.zst" | cmp - "$w/plain.cpio"

size() { wc -c <"$1"; }
printf '%-40s %7s %12s\n' "" seconds bytes
printf '%-40s %7.2f %12d\n' \
    "mkcpio -z zstd -l 3" "$t_ours" "$(size "$w/mkcpio.zst")" \
    "mkcpio -z none" "$t_plain" "$(size "$w/plain.cpio")" \
    "zstd -3 -T2 of that cpio (the floor)" "$t_floor" "$(size "$w/floor.zst")" \
    "bsdtar --format newc | zstd -3 -T2" "$t_bsd" "$(size "$w/bsdtar.zst")" \
    "find | cpio -o -H newc | zstd -3 -T2" "$t_gnu" "$(size "$w/cpio.zst")"
awk -v o="$t_ours" -v f="$t_floor" -v b="$t_bsd" -v g="$t_gnu" \
    -v so="$(size "$w/mkcpio.zst")" -v sb="$(size "$w/bsdtar.zst")" -v sg="$(size "$w/cpio.zst")" 'BEGIN {
	printf "mkcpio / zstd alone:      %.2fx (target <= 1.15) %s\n", o / f, (o / f <= 1.15 ? "PASS" : "MISS")
	printf "bsdtar pipeline / mkcpio: %.2fx (target > 1) %s\n", b / o, (b > o ? "PASS" : "MISS")
	printf "cpio pipeline / mkcpio:   %.2fx (target > 1) %s\n", g / o, (g > o ? "PASS" : "MISS")
	printf "size mkcpio / bsdtar: %.4f, mkcpio / cpio: %.4f (target <= 1) %s\n", so / sb, so / sg, (so <= sb && so <= sg ? "PASS" : "MISS")
}'
