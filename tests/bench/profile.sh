#!/bin/sh
# shellcheck disable=SC2154,SC2317  # set by best; run by best
# Profile benchmark (issue 9): make PROFILE=debian-basic cold (empty package
# cache, fresh OUTROOT: downloads and the development key included), warm
# (cache kept, outputs removed) and after a kernel update, the user side of
# one (kernel-install add with the initkit plugin on an installed kernel), beside
# dracut --no-hostonly, mkinitramfs (MODULES=most) and mkosi 14 building
# the same package set as a cpio, on the same machine in one run. dracut and
# mkinitramfs get the profile's own kernel: its unpacked modules (depmod run
# on a copy, as the package's postinst would), firmware and /boot, bound over
# /usr/lib/modules, /usr/lib/firmware and /boot in a private mount namespace.
# zstd level 3 on $(nproc) threads everywhere it can be chosen (mkcpio's
# default); mkosi 14 hard-codes zstd -15, so it runs once as shipped and once
# uncompressed followed by zstd -3. Best of RUNS (default 3) wall-clock
# times; cold and mkosi once. Targets: warm >= 3x faster than dracut,
# kernel update <= 1.3x the time of decoding its package, kernel-install
# add >= 50x faster than dracut and mkinitramfs, base initrd no larger
# than mkosi's.
#
#   sh tests/bench/profile.sh   (root: installs dracut-core, initramfs-tools,
#                                mkosi, debootstrap, systemd-container, cpio
#                                and zstd when missing; needs the Debian
#                                archive; about 10 minutes and 2 GB in TMPDIR)
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/bench/lib.sh"
MAKE=${MAKE:-make}
FLAVOUR=${FLAVOUR:-cloud-amd64}
n=$(nproc)

[ "$(id -u)" -eq 0 ] || {
	echo "profile.sh: needs root (apt-get install, mount namespaces, mkosi)" >&2
	exit 1
}

# What the comparison needs on this machine. dracut-core (not dracut, which
# conflicts with initramfs-tools) carries /usr/bin/dracut.
need=
for p in dracut:dracut-core mkinitramfs:initramfs-tools mkosi:mkosi \
    debootstrap:debootstrap systemd-nspawn:systemd-container cpio:cpio \
    zstd:zstd depmod:kmod unshare:util-linux; do
	command -v "${p%%:*}" >/dev/null || need="$need ${p#*:}"
done
if [ -n "$need" ]; then
	echo "installing on this machine:$need"
	# shellcheck disable=SC2086
	apt-get install -y --no-install-recommends $need >/dev/null 2>&1 || {
		apt-get update >/dev/null
		apt-get install -y --no-install-recommends $need >/dev/null
	}
fi

w=$(mktemp -d "${TMPDIR:-/tmp}/bench-profile.XXXXXX")
made=
cleanup() {
	rm -rf "$w"
	for d in $made; do rmdir "$d" 2>/dev/null || :; done
}
trap cleanup EXIT
trap 'exit 1' INT TERM
o=$w/out/debian-basic
mk() { "$MAKE" -C "$top" PROFILE=debian-basic OUTROOT="$w/out" "$@"; }
mib() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1048576 }'; }
size() { wc -c <"$1"; }
raw() { zstd -dc "$1" | wc -c; }
# Modules, compressed too (6.12's are .ko.xz).
kos() { zstd -dc "$1" | cpio -it --quiet 2>/dev/null | grep -Ec '\.ko(\.xz|\.zst|\.gz)?$' || :; }
once() { _r=${RUNS:-3}; RUNS=1; best "$@"; RUNS=$_r; }
row() { printf '%-44s %7s %9s %9s %5s\n' "$@"; }

"$MAKE" -C "$top" -j"$n" >/dev/null

# 1-2. Cold, then warm: the cache (and the development key) kept.
unset -f before 2>/dev/null || :
once tc mk
dl=$(du -sb "$w/out/cache" | cut -f1)
before() { rm -rf "$o"; }
best tw mk
K=$(cat "$o/kver")
ird=$(size "$o/initrd.cpio.zst")
mods=$(size "$o/modules-$K.cpio.zst")
uki=$(size "$o/$K.efi")
irdraw=$(raw "$o/initrd.cpio.zst")
modsraw=$(raw "$o/modules-$K.cpio.zst")
modsko=$(grep -Ec '\.ko(\.xz|\.zst|\.gz)? ' "$o/modules.mtree" || :)
# Both cpios as they are before compression, for the warm build's floor.
zstd -dc "$o/initrd.cpio.zst" >"$w/initrd.cpio"
zstd -dc "$o/modules-$K.cpio.zst" >"$w/modules.cpio"

# 3. A kernel update: the kernel's package root removed, so make unpacks the
# kernel again and rebuilds the modules cpio and the UKI; the initrd must
# stay. Then the same without the unpack (modroot, mkcpio, mkuki only).
touch "$w/stamp"
before() { rm -rf "$o"/kernel* "$o/kver" "$o"/modules* "$o"/*.efi; }
best tk mk
before() { rm -rf "$o"/modules* "$o"/*.efi; }
best tm mk
[ -z "$(find "$o/initrd.cpio.zst" -newer "$w/stamp")" ] ||
	echo "warning: the kernel update rebuilt initrd.cpio.zst" >&2
# The floor of a kernel update (issue 25): decoding the kernel package's
# data.tar.xz with liblzma's multithreaded decoder on every core.
kdeb=$(find "$w/out/cache" -name "linux-image-${K}_*.deb" | head -n 1)
ar p "$kdeb" data.tar.xz >"$w/kdata.tar.xz"
decode() { xz -T0 -dc "$w/kdata.tar.xz" >/dev/null; }
unset -f before
best tx decode
# The floor of a generator that knows every module's aliases, as a soft
# dependency or -M may name any (modroot, depmod): the package decoded,
# then each of its compressed modules, on every core.
kmods=$o/kernel/usr/lib/modules/$K
nkmods=$(find "$kmods" -name '*.ko*' | wc -l)
decode_all() {
	decode && find "$kmods" -name '*.ko.xz' -print0 |
	    xargs -0 -r -P"$n" -n 64 xz -dc >/dev/null
}
best txa decode_all
# The floor of the warm build: that, every other package of both trees
# decoded (on every core), and both cpios compressed once as mkcpio does.
cat "$o/packages.tsv" "$o/kernel.tsv" | while IFS="$(printf '\t')" read -r p _ a _; do
	[ "$p" = "linux-image-$K" ] || find "$w/out/cache" -name "${p}_*_$a.deb"
done >"$w/other.debs"
debdecode='m=$(ar t "$1" | grep "^data\.tar") && case $m in
*.xz) ar p "$1" "$m" | xz -dc ;; *.zst) ar p "$1" "$m" | zstd -dc ;;
*.gz) ar p "$1" "$m" | gzip -dc ;; *) ar p "$1" "$m" ;; esac >/dev/null'
decode_warm() {
	decode_all && xargs -P"$n" -n 1 sh -c "$debdecode" sh <"$w/other.debs" &&
	    zstd -3 -T"$n" -q -c "$w/initrd.cpio" >/dev/null &&
	    zstd -3 -T"$n" -q -c "$w/modules.cpio" >/dev/null
}
best tww decode_warm

# 4-5. dracut and mkinitramfs for the same kernel, modules and firmware.
mkdir -p "$w/mods/lib/modules"
cp -a "$o/kernel/usr/lib/modules/$K" "$w/mods/lib/modules/"
depmod -b "$w/mods" "$K"
for d in /usr/lib/modules /usr/lib/firmware /boot; do
	[ -d "$d" ] || { mkdir "$d"; made="$d $made"; }
done
inns() {
	unshare -m sh -c 'mount --bind "$1" /usr/lib/modules &&
	    mount --bind "$2" /usr/lib/firmware && mount --bind "$3" /boot &&
	    shift 3 && exec "$@"' sh "$w/mods/lib/modules" \
	    "$o/kernel/usr/lib/firmware" "$o/kernel/boot" "$@"
}
unset -f before
run_dracut() {
	inns dracut --no-hostonly --force --kver "$K" \
	    --compress "zstd -3 -q -T$n" "$w/dracut.img"
}
run_mkinitramfs() {
	ZSTD_NBTHREADS=$n inns mkinitramfs -c zstd -l 3 -o "$w/mkinitramfs.img" "$K"
}
best td run_dracut
best ti run_mkinitramfs

# 5b. The user side of a kernel update: kernel-install add with
# initrd_generator=initkit on a machine where dpkg unpacked the same kernel
# and its postinst ran depmod (the copy above, with the firmware, as ROOT),
# the plugin as make install writes it but pointing into this checkout.
# It stages the generic initrd and builds the modules cpio (bls layout).
mkdir -p "$w/ki/conf" "$w/ki/root/usr/lib/modules" "$w/ki/root/usr/lib" \
    "$w/ki/root/etc" "$w/ki/stage"
cp -al "$w/mods/lib/modules/$K" "$w/ki/root/usr/lib/modules/"
cp -al "$o/kernel/usr/lib/firmware" "$w/ki/root/usr/lib/"
cp "$o/root/usr/lib/os-release" "$w/ki/root/etc/os-release"
sed -e "s|@DATADIR@|$top|g" -e "s|@BINDIR@|$top/build/bin|g" \
    "$top/kernel-install/50-initkit.install" >"$w/ki/50-initkit.install"
printf 'ROOT=%s\nINITRD=%s\n' "$w/ki/root" "$o/initrd.cpio.zst" \
    >"$w/ki/conf/initkit.conf"
before() { rm -rf "$w/ki/stage" && mkdir "$w/ki/stage"; }
run_kernel_install() {
	KERNEL_INSTALL_INITRD_GENERATOR=initkit \
	    KERNEL_INSTALL_STAGING_AREA="$w/ki/stage" \
	    KERNEL_INSTALL_CONF_ROOT="$w/ki/conf" \
	    sh "$w/ki/50-initkit.install" add "$K" "$w/ki/entry" \
	    "$o/kernel/boot/vmlinuz-$K"
}
best tu run_kernel_install
unset -f before
kimods=$w/ki/stage/initrd-modules-$K.cpio.zst
# Its floor: the modules taken decoded on every core, which any generator
# reads for the firmware they name (modinfo), and their cpio written as
# mkcpio writes it.
decode_taken() {
	find "$o/modules" -name '*.ko.xz' -print0 |
	    xargs -0 -r -P"$n" -n 16 xz -dc >/dev/null
}
best tuf decode_taken

# 6. mkosi 14: the same package set as a cpio. Without systemd as PID 1,
# systemd-nspawn (which mkosi runs in the image) needs --keep-unit, and it
# refuses to clean up under a /run that is not a tmpfs: a wrapper adds the
# one, a private tmpfs on /run/systemd gives the other.
mkdir -p "$w/mkosi/bin" "$w/mkosi/cache"
printf '#!/bin/sh\nexec /usr/bin/systemd-nspawn --keep-unit "$@"\n' \
    >"$w/mkosi/bin/systemd-nspawn"
chmod +x "$w/mkosi/bin/systemd-nspawn"
[ -d /run/systemd ] || { mkdir -p /run/systemd; made="/run/systemd $made"; }
mkosi_conf() {
	cat <<EOF
[Distribution]
Distribution=debian
Release=$rel

[Output]
Format=cpio
CompressOutput=$1
Output=$2

[Content]
WithDocs=no
Packages=$(cut -f1 "$o/packages.tsv" | grep -vx usr-is-merged | paste -sd, -)
EOF
}
run_mkosi() {
	(cd "$w/mkosi" && unshare -m sh -c \
	    'mount -t tmpfs tmpfs /run/systemd && exec "$@"' sh \
	    env PATH="$w/mkosi/bin:$PATH" mkosi --force --cache "$w/mkosi/cache" \
	    build) >"$w/mkosi/log" 2>&1
}
mkosi_v=$(mkosi --version 2>/dev/null || echo mkosi unknown)
# The release make built (RELEASE=, or the profiles' default).
rel=$(sed -n 's/^VERSION_CODENAME=//p' "$o/root/usr/lib/os-release")
mkosi_conf zstd initrd.cpio.zst >"$w/mkosi/mkosi.conf"
ts1=
if _s=$(now) && run_mkosi; then
	ts1=$(echo "$_s $(now)" | awk '{ print $2 - $1 }')
	mk1=$(size "$w/mkosi/initrd.cpio.zst")
	mkraw=$(raw "$w/mkosi/initrd.cpio.zst")
	mkosi_conf no initrd.cpio >"$w/mkosi/mkosi.conf"
	_s=$(now)
	if run_mkosi && zstd -3 -q -T"$n" -f --rm "$w/mkosi/initrd.cpio"; then
		ts2=$(echo "$_s $(now)" | awk '{ print $2 - $1 }')
		mk2=$(size "$w/mkosi/initrd.cpio.zst")
	fi
else
	echo "mkosi: skipped ($mkosi_v failed: $(grep -v '^I:' "$w/mkosi/log" |
	    tail -1))" >&2
fi

# A switch to another kernel flavour: what make reruns, timed from a build
# of the default kernel (its packages downloaded once beforehand).
mk KERNEL="$FLAVOUR" >/dev/null 2>&1
before() { mk >/dev/null 2>&1; }
run_flavour() { mk KERNEL="$FLAVOUR" >"$w/flavour.log" 2>&1; }
best tf run_flavour
reran=$(awk '$1 ~ /^[A-Z]+$/ && $1 != "NOTE" { sub(/.*\//, "", $2); printf "%s%s", s, $2; s = " " }' \
    "$w/flavour.log")

echo "debian-basic, kernel $K, $n CPUs, best of ${RUNS:-3} (cold and mkosi: once)"
echo "cold: empty package cache, fresh OUTROOT: downloads ($(mib "$dl") MiB" \
    "of lists and .debs) and the development key included"
row tool "wall s" "zstd MiB" "cpio MiB" ".ko"
row "make, cold (downloads included)" "$(printf %.2f "$tc")" \
    "$(mib $((ird + mods)))" "$(mib $((irdraw + modsraw)))" "$modsko"
row "make, warm (cache kept, outputs removed)" "$(printf %.2f "$tw")" \
    "$(mib $((ird + mods)))" "$(mib $((irdraw + modsraw)))" "$modsko"
row "  floor: its $(($(wc -l <"$w/other.debs") + 1)) packages and modules decoded, cpios" "$(printf %.2f "$tww")" "" "" ""
row "  initrd.cpio.zst (kernel-independent)" "" "$(mib "$ird")" "$(mib "$irdraw")" 0
row "  modules-$K.cpio.zst" "" "$(mib "$mods")" "$(mib "$modsraw")" "$modsko"
row "  $K.efi (signed UKI)" "" "$(mib "$uki")" "" ""
row "make, kernel update (kernel re-unpacked)" "$(printf %.2f "$tk")" \
    "$(mib $((mods + uki)))" "" ""
row "  of which modules cpio + UKI only" "$(printf %.2f "$tm")" "" "" ""
row "  floor: xz -T$n -dc of its data.tar.xz" "$(printf %.2f "$tx")" "" "" ""
row "  floor: that and its $nkmods modules decoded" "$(printf %.2f "$txa")" "" "" ""
row "make KERNEL=$FLAVOUR (switch)" "$(printf %.2f "$tf")" "" "" ""
row "dracut --no-hostonly (zstd -3)" "$(printf %.2f "$td")" \
    "$(mib "$(size "$w/dracut.img")")" "$(mib "$(raw "$w/dracut.img")")" \
    "$(kos "$w/dracut.img")"
row "mkinitramfs, MODULES=most (zstd -3)" "$(printf %.2f "$ti")" \
    "$(mib "$(size "$w/mkinitramfs.img")")" \
    "$(mib "$(raw "$w/mkinitramfs.img")")" "$(kos "$w/mkinitramfs.img")"
row "kernel-install add, initkit plugin (bls)" "$(printf %.2f "$tu")" \
    "$(mib $(($(size "$kimods") + ird)))" \
    "$(mib $(($(raw "$kimods") + irdraw)))" "$(kos "$kimods")"
row "  floor: the modules taken decoded" "$(printf %.2f "$tuf")" "" "" ""
if [ -n "$ts1" ]; then
	row "$mkosi_v, cold, as shipped (zstd -15)" "$(printf %.2f "$ts1")" \
	    "$(mib "$mk1")" "$(mib "$mkraw")" 0
	[ -z "${ts2:-}" ] || row "$mkosi_v, warm, cpio + zstd -3" \
	    "$(printf %.2f "$ts2")" "$(mib "$mk2")" "$(mib "$mkraw")" 0
fi
echo "make KERNEL=$FLAVOUR reran: $reran"
echo "mkosi: debootstrap then apt in systemd-nspawn (wrapped with --keep-unit," \
    "private tmpfs on /run/systemd); only apt's downloads are cached, so warm" \
    "fetches debootstrap's base set again"
awk -v w="$tw" -v ww="$tww" -v d="$td" -v k="$tk" -v m="$tm" -v x="$tx" -v xa="$txa" -v i="$ird" -v u="$tu" -v uf="$tuf" -v n="$ti" \
    -v a="${mk1:-}" -v b="${mk2:-}" 'BEGIN {
	printf "dracut / warm make: %.2fx (target >= 3); warm make / its floor %.2f s: %.2fx, dracut / that floor: %.2fx\n", d / w, ww, w / ww, d / ww
	printf "kernel update: %.2f s, %.2f s without the unpack; / decode floor %.2f s: %.2fx (target <= 1.3); / the floor with every module decoded %.2f s: %.2fx\n", k, m, x, k / x, xa, k / xa
	printf "kernel-install add, user side: %.2f s; dracut / it: %.1fx, mkinitramfs / it: %.1fx (target >= 50); its floor (the modules taken decoded) %.2f s: dracut / floor %.1fx, mkinitramfs / floor %.1fx\n", u, d / u, n / u, uf, d / uf, n / uf
	if (b != "")
		printf "initrd / mkosi initrd at zstd -3: %.2f, as shipped: %.2f (target <= 1)\n", i / b, i / a
	else
		print "initrd / mkosi initrd: not measured (mkosi did not run)"
}'
