#!/bin/sh
# tests/deb.sh: initkit's own Debian packages (debian/), for make deb and
# make deb-test (mk/deb.mk).
#
#   tests/deb.sh build DIR   the source package into DIR/1 (dpkg-source
#                            -b), then dpkg-buildpackage -us -uc -b twice,
#                            from two copies of this tree: DIR/1/initkit
#                            and DIR/2/elsewhere/initkit-2, the second
#                            with another umask, time zone, locale and
#                            -j; every .deb of the two must be the same
#                            bytes. Then lintian of DIR/1's source and
#                            packages: no error and no warning (debian/
#                            *lintian-overrides say why of each let pass).
#   tests/deb.sh test DIR    autopkgtest (debian/tests/) of DIR/1's
#                            packages with the null runner, which installs
#                            them on this machine with apt-get; purged
#                            after. Refused when initkit is installed: not
#                            ours to replace.
#
# The copies leave build/ and out/ out; their files bear the time of the
# copy, later than debian/changelog's date, so dpkg-deb clamps every
# mtime to that date (SOURCE_DATE_EPOCH) whatever the checkout's times.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
[ $# -eq 2 ] || { echo "usage: tests/deb.sh build|test dir" >&2; exit 2; }
mkdir -p "$2"
dir=$(cd "$2" && pwd)
cd "$top"
v=$(dpkg-parsechangelog -S Version)
pkgs="initkit-tools initkit"

# copy DEST: this tree less its builds and .git.
copy() {
	mkdir -p "$1"
	tar -c --exclude=./build --exclude=./out --exclude=./.git . | tar -x -m -C "$1"
}

# dpkg_build SRC LOG [env...]: dpkg-buildpackage -us -uc -b in SRC, its
# output in LOG, shown when it fails.
dpkg_build() {
	_s=$1 _l=$2
	shift 2
	(cd "$_s" && env "$@" dpkg-buildpackage -us -uc -b) >"$_l" 2>&1 ||
	    { tail -n 40 "$_l" >&2; echo "deb: dpkg-buildpackage failed in $_s, log $_l" >&2; exit 1; }
}

build() {
	if [ "$v" != "$(cat VERSION)" ]; then
		echo "deb: debian/changelog: version $v, VERSION says $(cat VERSION)" >&2
		exit 1
	fi
	rm -rf "$dir/1" "$dir/2"
	copy "$dir/1/initkit"
	(cd "$dir/1" && dpkg-source -b initkit) >"$dir/1/source.log" 2>&1 ||
	    { cat "$dir/1/source.log" >&2; exit 1; }
	dpkg_build "$dir/1/initkit" "$dir/1/build.log" DEB_BUILD_OPTIONS=parallel=1
	copy "$dir/2/elsewhere/initkit-2"
	(umask 002 && dpkg_build "$dir/2/elsewhere/initkit-2" "$dir/2/build.log" \
	    DEB_BUILD_OPTIONS=parallel=2 TZ=Asia/Tokyo LANG=C.UTF-8 LC_ALL=C.UTF-8)
	n=0
	for d in "$dir"/1/*.deb; do
		f=${d##*/}
		if ! cmp -s "$d" "$dir/2/elsewhere/$f"; then
			echo "deb: $f differs between the two builds" >&2
			if command -v diffoscope >/dev/null; then
				diffoscope --text - "$d" "$dir/2/elsewhere/$f" | head -n 60 >&2
			fi
			exit 1
		fi
		n=$((n + 1))
	done
	echo "deb: $n packages in $dir/1, the same bytes in both builds:"
	(cd "$dir/1" && sha256sum ./*.deb)
	# lintian says on stderr that it runs as root: no finding, left out.
	# It leaves files in TMPDIR (mldbm-elf-*): in one of ours, removed.
	rc=0
	mkdir -p "$dir/lintian.tmp"
	TMPDIR=$dir/lintian.tmp lintian --fail-on error,warning --info --pedantic \
	    "$dir/1/initkit_$v.dsc" "$dir/1/initkit_${v}_$(dpkg --print-architecture).changes" \
	    >"$dir/lintian.out" 2>&1 || rc=$?
	rm -rf "$dir/lintian.tmp"
	grep -v '^running with root privileges is not recommended!$' "$dir/lintian.out" || true
	[ $rc -eq 0 ] || { echo "deb: lintian: errors or warnings (above)" >&2; exit 1; }
	echo "deb: lintian: no error, no warning"
}

test_() {
	for p in $pkgs; do
		if [ "$(dpkg-query -W -f='${db:Status-Status}' $p 2>/dev/null)" = installed ]; then
			echo "deb: $p is installed on this machine: the null runner would replace it (apt-get purge it first)" >&2
			exit 1
		fi
	done
	[ -f "$dir/1/initkit_$v.dsc" ] || { echo "deb: no packages in $dir/1: make deb first" >&2; exit 1; }
	sudo=
	[ "$(id -u)" -eq 0 ] || sudo=sudo
	rc=0
	autopkgtest "$dir/1/initkit-tools_${v}_$(dpkg --print-architecture).deb" \
	    "$dir/1/initkit_${v}_all.deb" "$dir/1/initkit_$v.dsc" -- null || rc=$?
	$sudo apt-get purge -y -qq $pkgs >/dev/null
	echo "deb: $pkgs purged from this machine"
	return $rc
}

case $1 in
build) build ;;
test) test_ ;;
*) echo "usage: tests/deb.sh build|test dir" >&2; exit 2 ;;
esac
