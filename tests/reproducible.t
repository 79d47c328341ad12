#!/bin/sh
# Reproducibility: the same profile built twice, in two output
# directories, with another umask, time zone, locale and -j, from the
# same lock, gives the same bytes: initrd, modules cpio, UKI signed with
# an RSA key, manifests. Offline, on the local repository of profiles.t;
# then debian-basic from the real archive, for amd64 and for arm64 (with
# the graphical and speech module sets), and the initrd extensions
# debian-initrd-bluetooth, -graphical and -speech over it. The sanitizer
# pass (make check SANITIZE=1) builds from the archive twice, amd64
# only: the sanitized tools on a real kernel and package set, compared.
# The installed and arm64 builds run the same code on other bytes, and
# the plain pass has them.
. "$(dirname "$0")/lib.sh"
. "$top/tests/repo.sh"
. "$top/tests/profile-repo.sh"
cd "$T" || exit 1

profile_need reproducible || t_done
profile_repo
profile_initrd repro
openssl req -x509 -newkey rsa:2048 -nodes -keyout k.pem -out c.pem -days 3650 -subj /CN=repro 2>/dev/null
chmod 600 k.pem

# build OUTROOT UMASK TZ LANG JOBS [make args]
build() {
	_o=$1 _u=$2 _tz=$3 _l=$4 _j=$5
	shift 5
	(umask $_u && env -u KEY -u CERT TZ=$_tz LANG=$_l LC_ALL=$_l \
	    make -s -j$_j -C "$top" B="${B#$top/}" PROFILES="$T/profiles" \
	    OUTROOT="$T/$_o" MIRROR=copy:$T/repo KEYRING=$KEY KERNEL=test \
	    CACHE="$T/$_o-cache" KEY="$T/k.pem" CERT="$T/c.pem" PROFILE=repro "$@")
}
build one 022 UTC C 1 >one.out 2>&1; rc1=$?
t_ok "first build" sh -c "[ $rc1 -eq 0 ] || { cat one.out >&2; exit 1; }"
build two 077 Asia/Tokyo de_DE.UTF-8 2 LOCK="$T/one/repro/packages.tsv" \
    KERNEL_LOCK="$T/one/repro/kernel.tsv" >two.out 2>&1; rc2=$?
t_ok "second build: other directory, umask, TZ, locale, -j2, from the lock" \
    sh -c "[ $rc2 -eq 0 ] || { cat two.out >&2; exit 1; }"
for f in initrd.cpio.zst modules-$K.cpio.zst ucode.cpio $K.efi manifest.json sbom.spdx.json packages.tsv kernel.tsv; do
	t_ok "the same $f" cmp one/repro/$f two/repro/$f
done
t_ok "both builds bear the date of the newest package, the same from the lock" \
    sh -c "[ -s one/repro/epoch ] && cmp one/repro/epoch two/repro/epoch"
day=$(($(cat one/repro/epoch 2>/dev/null || echo 0) / 86400))
t_ok "and the initrd has users with that day as their password date" \
    sh -c "bsdtar -xOf one/repro/initrd.cpio.zst etc/shadow | grep -q '^tester:!\*:$day:'"

# The real archive, when it answers: debian-basic twice, the second from
# the first's locks. Downloads are kept in the test cache (tests/kernel.sh).
rc=0
build_real() {
	_o=$1 _u=$2 _tz=$3 _l=$4 _j=$5
	shift 5
	(umask $_u && env -u KEY -u CERT TZ=$_tz LANG=$_l LC_ALL=$_l \
	    make -s -j$_j -C "$top" B="${B#$top/}" OUTROOT="$T/$_o" \
	    CACHE="${INITKIT_TEST_CACHE:-$top/build/cache}" KEY="$T/k.pem" \
	    CERT="$T/c.pem" PROFILE=debian-basic "$@")
}
if build_real real1 022 UTC C 1 >real1.out 2>&1; then
	build_real real2 077 Asia/Tokyo de_DE.UTF-8 2 \
	    LOCK="$T/real1/debian-basic/packages.tsv" \
	    KERNEL_LOCK="$T/real1/debian-basic/kernel.tsv" >real2.out 2>&1; rc=$?
	t_ok "debian-basic from the archive, again from its locks" \
	    sh -c "[ $rc -eq 0 ] || { cat real2.out >&2; exit 1; }"
	kv=$(cat real1/debian-basic/kver)
	for f in initrd.cpio.zst modules-$kv.cpio.zst ucode.cpio $kv.efi manifest.json sbom.spdx.json packages.tsv kernel.tsv; do
		t_ok "debian-basic: the same $f" cmp real1/debian-basic/$f real2/debian-basic/$f
	done
	# The initrd extensions the same way, the second from its lock (and
	# its base's, BASE_LOCK).
	# extension OUT1 OUT2 NAME [make args]
	extension() {
		_1=$1 _2=$2 _e=$3
		shift 3
		build_real $_1 022 UTC C 1 PROFILE=$_e "$@" >$_1-$_e.out 2>&1; rc=$?
		[ $rc -ne 0 ] || build_real $_2 077 Asia/Tokyo de_DE.UTF-8 2 \
		    PROFILE=$_e "$@" LOCK="$T/$_1/$_e$SFX/packages.tsv" \
		    BASE_LOCK="$T/$_1/debian-basic$SFX/packages.tsv" >$_2-$_e.out 2>&1; rc=$?
		t_ok "$_e$SFX from the archive, again from its lock" \
		    sh -c "[ $rc -eq 0 ] || { cat $_1-$_e.out $_2-$_e.out >&2; exit 1; }"
		for f in $_e.sysext.raw manifest.json packages.tsv; do
			t_ok "$_e$SFX: the same $f" cmp $_1/$_e$SFX/$f $_2/$_e$SFX/$f
		done
	}
	SFX=
	extension real1 real2 debian-initrd-bluetooth
	# A sanitized build has bin/lib/sanitize.c's object (mk/tools.mk):
	# the other extensions run the same code on other packages.
	[ -f "$B/lib/sanitize.o" ] && t_done
	extension real1 real2 debian-initrd-graphical
	extension real1 real2 debian-initrd-speech
	# The same from an installed initkit (make install DESTDIR=), run
	# from another directory with the installed tools.
	env -u KEY -u CERT make -s -C "$top" B="${B#$top/}" install DESTDIR="$T/dest" \
	    PREFIX=/usr >/dev/null
	mkdir -p elsewhere
	(cd elsewhere && env -u KEY -u CERT make -s -f "$T/dest/usr/share/initkit/GNUmakefile" \
	    PROFILE=debian-basic O="$T/real3" CACHE="${INITKIT_TEST_CACHE:-$top/build/cache}" \
	    KEY="$T/k.pem" CERT="$T/c.pem" LOCK="$T/real1/debian-basic/packages.tsv" \
	    KERNEL_LOCK="$T/real1/debian-basic/kernel.tsv") >real3.out 2>&1; rc=$?
	t_ok "debian-basic from an installed initkit (DESTDIR), in another directory" \
	    sh -c "[ $rc -eq 0 ] || { cat real3.out >&2; exit 1; }"
	for f in initrd.cpio.zst modules-$kv.cpio.zst $kv.efi; do
		t_ok "debian-basic, installed: the same $f" cmp real1/debian-basic/$f real3/debian-basic/$f
	done
	# For arm64, built on this machine: nothing of the image runs here.
	# With the graphical and speech module sets: their arm64 lists must
	# match.
	if build_real a64one 022 UTC C 1 ARCH=arm64 MODULE_SETS="graphical speech" >a64one.out 2>&1; then
		build_real a64two 077 Asia/Tokyo de_DE.UTF-8 2 ARCH=arm64 MODULE_SETS="graphical speech" \
		    LOCK="$T/a64one/debian-basic-arm64/packages.tsv" \
		    KERNEL_LOCK="$T/a64one/debian-basic-arm64/kernel.tsv" >a64two.out 2>&1; rc=$?
		t_ok "debian-basic ARCH=arm64 from the archive, again from its locks" \
		    sh -c "[ $rc -eq 0 ] || { cat a64two.out >&2; exit 1; }"
		kv=$(cat a64one/debian-basic-arm64/kver)
		# ls of an output directory, the kernel release as KVER.
		outputs() { ls "$1" | sed "s/$(cat "$1/kver")/KVER/"; }
		# amd64's outputs but its microcode, and tools/ (tools.tsv,
		# tools.stamp): the image's systemd for this machine, which
		# makes its users and presets.
		t_eq "debian-basic ARCH=arm64: the same set of outputs as for amd64 but its microcode, and tools/" \
		    "$({ outputs real1/debian-basic | grep -vx ucode.cpio; printf '%s\n' tools tools.stamp tools.tsv; } | sort)" \
		    outputs a64one/debian-basic-arm64
		t_ok "debian-basic ARCH=arm64: an arm64 kernel ($kv) and arm64 packages" \
		    sh -c "case $kv in *-arm64) ;; *) exit 1;; esac &&
			awk -F '\t' '\$3 != \"arm64\" && \$3 != \"all\" { print; bad = 1 } END { exit bad }' \
			    a64one/debian-basic-arm64/packages.tsv"
		for f in initrd.cpio.zst modules-$kv.cpio.zst $kv.efi manifest.json sbom.spdx.json packages.tsv kernel.tsv; do
			t_ok "debian-basic ARCH=arm64: the same $f" \
			    cmp a64one/debian-basic-arm64/$f a64two/debian-basic-arm64/$f
		done
		SFX=-arm64
		extension a64one a64two debian-initrd-bluetooth ARCH=arm64 MODULE_SETS="graphical speech"
		extension a64one a64two debian-initrd-graphical ARCH=arm64 MODULE_SETS="graphical speech"
		extension a64one a64two debian-initrd-speech ARCH=arm64 MODULE_SETS="graphical speech"
	else
		t_ok "debian-basic ARCH=arm64 from the archive" sh -c 'cat a64one.out >&2; exit 1'
	fi
elif offline real1.out; then
	t_skip "debian-basic from the archive" "Debian archive unreachable: $(grep -m1 pkgroot real1.out | head -c 200)"
else
	t_fail "debian-basic from the archive" real1.out
fi
t_done
