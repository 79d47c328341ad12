#!/bin/sh
# pkgroot benchmark: a warm-cache install of the debian-basic package set
# (mkosi's default Debian initrd packages and their dependencies), against
# `dpkg-deb -x` of the same .debs in a loop, on the same machine in one run.
# Best of 3 wall-clock times each; prints the ratio (target: >= 2).
#
#   sh tests/bench/pkgroot.sh      (needs the Debian archive once, to fill
#                                   the cache; CACHE= to choose the cache)
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/bench/lib.sh"
PKGROOT=${PKGROOT:-$top/build/bin/pkgroot}
CACHE=${CACHE:-$top/out/cache}
PKGS="systemd udev bash less gzip kmod dmsetup libcryptsetup12 libseccomp2
btrfs-progs e2fsprogs dosfstools procps util-linux mount libfido2-1 libfdisk1
libtss2-esys-3.0.2-0 libtss2-mu0 libtss2-rc0 libtss2-tctildr0"
w=$(mktemp -d "${TMPDIR:-/tmp}/bench-pkgroot.XXXXXX")
trap 'rm -rf "$w"' EXIT

before() { rm -rf "$w/r" "$w/r.tsv" "$w/x"; }

# shellcheck disable=SC2086
"$PKGROOT" -c "$CACHE" -o "$w/warm" $PKGS >/dev/null
n=$(wc -l <"$w/warm.tsv")
debs=$(awk -F'\t' '{ v = $2; gsub(/:/, "%3a", v); print $1 "_" v "_" $3 ".deb" }' "$w/warm.tsv" |
	sed "s,^,$CACHE/apt-bookworm-$(dpkg --print-architecture)/archives/,")
mb=$(du -cb $debs | tail -1 | awk '{ printf "%.1f", $1 / 1048576 }')
size=$(du -sb "$w/warm" | awk '{ printf "%.0f", $1 / 1048576 }')
echo "debian-basic: $n packages, $mb MiB of .debs, $size MiB unpacked, $(nproc) CPUs"

run_pkgroot() { "$PKGROOT" -c "$CACHE" -o "$w/r" $PKGS >/dev/null; }
run_dpkg() { mkdir "$w/x"; for d in $debs; do dpkg-deb -x "$d" "$w/x"; done; }
run_resolve() { "$PKGROOT" -c "$CACHE" -o "$w/r" -x '*' $PKGS >/dev/null; }

best tp run_pkgroot
best td run_dpkg
best tr run_resolve
printf '%-44s %6.2f s\n' "pkgroot (resolve, verify, unpack)" "$tp" \
    "dpkg-deb -x loop (unpack only)" "$td" \
    "pkgroot -x '*' (all but writing the files)" "$tr"
awk -v p="$tp" -v d="$td" 'BEGIN {
	printf "dpkg-deb loop / pkgroot: %.2fx (target >= 2)\n", d / p
}'
