#!/bin/sh
# mksqfs benchmark: mksqfs against gensquashfs -e (squashfs-tools-ng; -e:
# an NFS export table, as mksqfs and mksquashfs write) and mksquashfs
# -processors 2 (squashfs-tools) on the same tree, zstd level
# 15, 128 KiB blocks, in one run; best of RUNS (default 1) wall-clock
# times; and the compression floor of the same data: zstdfloor.c
# compresses every block and fragment block as the image holds them, on
# one thread, and that CPU time divided by the CPUs is the floor.
# Targets: mksqfs's wall time at most 1.05x the floor; on a tree of many
# small files (DIR=/usr/include, /usr/share) at least 1.15x faster than
# both peers; the image no larger than either peer's.
#
#   sh tests/bench/mksqfs.sh [DIR]
# Without DIR the tree is a copy of /usr/bin and /usr/include (~480 MB).
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/bench/lib.sh"
MKSQFS=${MKSQFS:-$top/build/bin/mksqfs}
for c in gensquashfs mksquashfs; do
	command -v $c >/dev/null || { echo "mksqfs.sh: $c not installed" >&2; exit 2; }
done
w=$(mktemp -d "${TMPDIR:-/tmp}/bench-mksqfs.XXXXXX")
trap 'rm -rf "$w"' EXIT
if [ $# -gt 0 ]; then
	dir=$1
else
	dir=$w/tree
	usr_tree "$dir"
fi
tar -cf /dev/null -C "$dir" .
echo "tree: $(find "$dir" | wc -l) entries, $(du -sb "$dir" | awk '{ printf "%.0f", $1 / 1048576 }') MiB; $(nproc) CPUs"

RUNS=${RUNS:-1}
${CC:-cc} -O2 -o "$w/zstdfloor" "$top/tests/bench/zstdfloor.c" -lzstd
floor=$("$w/zstdfloor" 15 131072 "$dir" | awk -v n="$(nproc)" '{ printf "%.3f", $2 / n }')
best t_ours "$MKSQFS" -f -z zstd -l 15 -b 128K -o "$w/ours.sqfs" "$dir"
best t_gen gensquashfs -q -f -e -c zstd -X level=15 -b 131072 -j 2 -D "$dir" "$w/gen.sqfs"
best t_mks mksquashfs "$dir" "$w/mks.sqfs" -comp zstd -Xcompression-level 15 -b 131072 \
    -processors 2 -noappend -quiet -no-progress
size() { wc -c <"$w/$1.sqfs"; }
printf '%-36s %7s %12s\n' "" seconds bytes
printf '%-36s %7.2f %12d\n' "mksqfs" "$t_ours" "$(size ours)" \
    "gensquashfs -j 2" "$t_gen" "$(size gen)" \
    "mksquashfs -processors 2" "$t_mks" "$(size mks)"
printf '%-36s %7.2f\n' "compression floor (CPU / $(nproc))" "$floor"
awk -v o="$t_ours" -v g="$t_gen" -v m="$t_mks" -v fl="$floor" -v so="$(size ours)" -v sg="$(size gen)" -v sm="$(size mks)" 'BEGIN {
	printf "mksqfs / floor: %.3fx (target <= 1.05) %s\n", o / fl, (o / fl <= 1.05 ? "PASS" : "MISS")
	printf "gensquashfs / mksqfs: %.2fx, mksquashfs / mksqfs: %.2fx (target >= 1.15 both, on many small files) %s\n",
	    g / o, m / o, (g / o >= 1.15 && m / o >= 1.15 ? "PASS" : "MISS")
	printf "size mksqfs / smaller peer: %.4f (target <= 1) %s\n", so / (sg < sm ? sg : sm), (so <= sg && so <= sm ? "PASS" : "MISS")
}'
