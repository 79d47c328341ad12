#!/bin/sh
# mksqfs benchmark: mksqfs against gensquashfs (squashfs-tools-ng) and
# mksquashfs -processors 2 (squashfs-tools) on the same tree, zstd level
# 15, 128 KiB blocks, in one run; best of RUNS (default 1) wall-clock
# times. Targets: >= 1.3x faster than the faster peer, image <= 1% larger.
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
best t_ours "$MKSQFS" -f -z zstd -l 15 -b 128K -o "$w/ours.sqfs" "$dir"
best t_gen gensquashfs -q -f -c zstd -X level=15 -b 131072 -j 2 -D "$dir" "$w/gen.sqfs"
best t_mks mksquashfs "$dir" "$w/mks.sqfs" -comp zstd -Xcompression-level 15 -b 131072 \
    -processors 2 -noappend -quiet -no-progress
size() { wc -c <"$w/$1.sqfs"; }
printf '%-36s %7s %12s\n' "" seconds bytes
printf '%-36s %7.2f %12d\n' "mksqfs" "$t_ours" "$(size ours)" \
    "gensquashfs -j 2" "$t_gen" "$(size gen)" \
    "mksquashfs -processors 2" "$t_mks" "$(size mks)"
awk -v o="$t_ours" -v g="$t_gen" -v m="$t_mks" -v so="$(size ours)" -v sg="$(size gen)" -v sm="$(size mks)" 'BEGIN {
	f = g < m ? g : m; sf = g < m ? sg : sm
	printf "faster peer / mksqfs: %.2fx (target >= 1.3) %s\n", f / o, (f / o >= 1.3 ? "PASS" : "MISS")
	printf "size mksqfs / that peer: %.4f (target <= 1.01) %s\n", so / sf, (so / sf <= 1.01 ? "PASS" : "MISS")
}'
