# tests/kernel.sh: the real Debian kernel for tests that need one, sourced
# after lib.sh. kernel_get installs linux-image-amd64 (without its modules;
# "kernel_get modules": with them and firmware-linux-free) with pkgroot
# into $T/kroot, keeping downloads in a cache that outlives
# the test ($INITKIT_TEST_CACHE, default build/cache beside the build), so
# only the first run needs the archive. It sets KERNEL (the vmlinuz path)
# and KVER and returns 0, or returns 1 with the reason in KERNEL_WHY.
# archive_get (below) does the same for any packages of any architecture.
# The reason starts "Debian archive unreachable: " only when pkgroot's
# error says the network failed (offline, tests/lib.sh); t_archive makes
# that a skip and anything else a failure.

# The Debian archive, for suites the host's sources do not list.
DEBIAN_MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}

kernel_get() {
	KERNEL= KVER= KERNEL_WHY=
	if [ "${1:-}" = modules ]; then
		set -- linux-image-amd64 firmware-linux-free
	else
		set -- -x '/usr/lib/modules/*' linux-image-amd64
	fi
	if ! archive_get kroot "" "$@"; then
		KERNEL_WHY=$GET_WHY
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

# archive_get DIR ARCH ARG...: pkgroot ARGs (packages, -x globs; never
# /usr/share) for ARCH (empty: this machine's) into $T/DIR, its spec
# $T/DIR.mtree, downloads kept in the test cache. 0, or 1 with the reason
# in GET_WHY.
archive_get() {
	GET_WHY=
	_gd=$1 _ga=$2
	shift 2
	_kc=${INITKIT_TEST_CACHE:-$top/build/cache}
	mkdir -p "$_kc" || { GET_WHY="cannot create $_kc"; return 1; }
	if ! pkgroot -f ${_ga:+-a $_ga} -c "$_kc" -x '/usr/share/*' \
	    -o "$T/$_gd" "$@" >"$T/$_gd.mtree" 2>"$T/$_gd.err"; then
		if offline "$T/$_gd.err"; then
			GET_WHY="Debian archive unreachable: $(head -c 200 "$T/$_gd.err")"
		else
			GET_WHY="pkgroot failed: $(head -c 2000 "$T/$_gd.err")"
		fi
		return 1
	fi
}

# t_archive DESC WHY: the case DESC, which needs what kernel_get or
# archive_get did not get (WHY, their reason): a skip when the archive
# could not be reached, a failure for anything else.
t_archive() {
	case $2 in
	"Debian archive unreachable: "*) t_skip "$1" "$2" ;;
	*) t_fail "$1"; printf '%s\n' "$2" | _diag ;;
	esac
}
