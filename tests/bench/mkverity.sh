#!/bin/sh
# mkverity benchmark: the hash tree of a 1 GiB image, mkverity against
# veritysetup format with the same salt and UUID, in one run; best of 3
# wall-clock times each (page cache warm for both). Target: >= 2.8x.
#
#   sh tests/bench/mkverity.sh [IMAGE]     (TMPDIR chooses where)
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/bench/lib.sh"
MKVERITY=${MKVERITY:-$top/build/bin/mkverity}
command -v veritysetup >/dev/null || { echo "mkverity.sh: veritysetup not installed" >&2; exit 2; }
w=$(mktemp -d "${TMPDIR:-/tmp}/bench-mkverity.XXXXXX")
trap 'rm -rf "$w"' EXIT
if [ $# -gt 0 ]; then
	img=$1
else
	img=$w/data.img
	head -c 1073741824 /dev/urandom >"$img"
fi
SALT=e48da609055204e89ae53b655ca2216dd983cf3cb829f34f63a297d106d53e2d
UUID=a60c98d2-ae9b-4865-bfcb-b4e3ace11033
cat "$img" >/dev/null

before() { rm -f "$w/h1" "$w/h2"; }
best t_ours "$MKVERITY" -s $SALT -u $UUID -o "$w/h1" "$img"
best t_ref veritysetup format --salt=$SALT --uuid=$UUID "$img" "$w/h2"
"$MKVERITY" -s $SALT -u $UUID -o "$w/h1" "$img" >/dev/null
veritysetup format --salt=$SALT --uuid=$UUID "$img" "$w/h2" >/dev/null
cmp "$w/h1" "$w/h2"
echo "image: $(du -b "$img" | cut -f1) bytes, $(nproc) CPUs; hash images identical"
printf '%-24s %6.2f s\n' mkverity "$t_ours" "veritysetup format" "$t_ref"
awk -v o="$t_ours" -v r="$t_ref" 'BEGIN {
	printf "veritysetup / mkverity: %.2fx (target >= 2.8) %s\n", r / o, (r / o >= 2.8 ? "PASS" : "MISS")
}'
