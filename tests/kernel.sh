# tests/kernel.sh: the real Debian kernel for tests that need one, sourced
# after lib.sh. kernel_get installs linux-image-amd64 (without its modules;
# "kernel_get modules": with them and firmware-linux-free) with pkgroot
# into $T/kroot, keeping downloads in a cache that outlives
# the test ($INITKIT_TEST_CACHE, default build/cache beside the build), so
# only the first run needs the archive. It sets KERNEL (the vmlinuz path)
# and KVER and returns 0, or returns 1 with the reason in KERNEL_WHY.

kernel_get() {
	KERNEL= KVER= KERNEL_WHY=
	_kc=${INITKIT_TEST_CACHE:-$top/build/cache}
	mkdir -p "$_kc" || { KERNEL_WHY="cannot create $_kc"; return 1; }
	if [ "${1:-}" = modules ]; then
		set -- linux-image-amd64 firmware-linux-free
	else
		set -- -x '/usr/lib/modules/*' linux-image-amd64
	fi
	if ! pkgroot -f -c "$_kc" -x '/usr/share/*' -o "$T/kroot" "$@" \
	    >"$T/kroot.mtree" 2>"$T/kroot.err"; then
		KERNEL_WHY="Debian archive unreachable: $(head -c 200 "$T/kroot.err")"
		return 1
	fi
	for _k in "$T"/kroot/boot/vmlinuz-*; do
		[ -f "$_k" ] && KERNEL=$_k
	done
	if [ -z "$KERNEL" ]; then
		KERNEL_WHY="no /boot/vmlinuz-* in linux-image-amd64"
		return 1
	fi
	KVER=${KERNEL##*/vmlinuz-}
}
