#!/bin/sh
# What the profile chain runs of systemd on an image of another
# architecture (mk/profile.mk, config.stamp): a trixie arm64 image built
# on this amd64 machine gets its users, groups and enabled units from
# trixie's own systemd-sysusers and systemctl (the image's systemd
# version, for amd64, installed by pkgroot into out/NAME/tools/), not
# from the host's 252. They must equal what the arm64 image's own
# systemd-sysusers and systemctl make of the same root, run under
# qemu-user (qemu-aarch64, its loader and libraries the image's), the
# oracle. debian-root and debian-basic (the initrd), from the Debian
# archive (or the test cache): a skip when it cannot be reached.
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 1

if ! need make qemu-aarch64 jq; then
	t_skip "host tools" "make, jq or qemu-user (qemu-aarch64) not installed"
	t_done
fi
if [ "$(dpkg --print-architecture)" != amd64 ]; then
	t_skip "host tools" "an arm64 image on an amd64 machine: this is $(dpkg --print-architecture)"
	t_done
fi
CACHE=${INITKIT_TEST_CACHE:-$top/build/cache}
mkdir -p "$CACHE"
mk() {
	env -u KEY -u CERT make -s -C "$top" B="${B#$top/}" OUTROOT="$T/out" \
	    CACHE="$CACHE" RELEASE=trixie ARCH=arm64 "$@"
}
# The files a run made in ROOT's etc/ since the mark: the user and group
# databases as they are, every link as "path -> target".
made() {
	(cd "$1" && find etc -newer "$2" \( -type l -printf '%p -> %l\n' -o \
	    -type f -printf '%p\n' \) | sort)
}

for p in debian-root debian-basic; do
	O=out/$p-trixie-arm64
	if ! mk PROFILE=$p "$T/$O/root.mtree" >$p.out 2>&1; then
		if offline $p.out; then
			t_skip "$p trixie arm64" "Debian archive unreachable: $(grep -m1 pkgroot $p.out | head -c 200)"
		else
			t_fail "$p trixie arm64: the package root" $p.out
		fi
		continue
	fi
	# The oracle's copy of the root, before the chain's run.
	rm -rf q && cp -a $O/root q && touch q.mark
	mk PROFILE=$p "$T/$O/config.stamp" >>$p.out 2>&1; rc=$?
	t_ok "$p trixie arm64: the offline configuration step" \
	    sh -c "[ $rc -eq 0 ] || { cat $p.out >&2; exit 1; }"
	v=$(awk -F '\t' '$1 == "systemd" { print $2 }' $O/packages.tsv)
	t_eq "$p: its tools are trixie's systemd of the image's version ($v), for amd64" \
	    "systemd $v amd64" awk -F '\t' '$1 == "systemd" { print $1, $2, $3 }' $O/tools.tsv
	# The image's own systemd 257 for arm64, under qemu-user.
	r=$T/q
	QR="qemu-aarch64 $r/usr/lib/ld-linux-aarch64.so.1 --library-path $r/usr/lib/aarch64-linux-gnu:$r/usr/lib/aarch64-linux-gnu/systemd"
	t_ok "$p: the arm64 image's own systemd-sysusers and systemctl preset-all run under qemu-user" \
	    sh -c "$QR $r/usr/bin/systemctl --version | grep -q '^systemd 257 ' &&
		SOURCE_DATE_EPOCH=\$(cat $O/epoch) SYSTEMD_LOG_LEVEL=warning $QR $r/usr/bin/systemd-sysusers --root=$r >/dev/null &&
		SYSTEMD_LOG_LEVEL=warning $QR $r/usr/bin/systemctl --root=$r preset-all >/dev/null 2>&1"
	for f in passwd group shadow gshadow; do
		t_ok "$p: etc/$f is the image's own systemd-sysusers'" cmp q/etc/$f $O/config/etc/$f
	done
	made q "$T/q.mark" | grep ' -> ' >want.links
	(cd $O/config && find etc -type l -printf '%p -> %l\n' | sort) >got.links
	t_ok "$p: the enabled units ($(wc -l <want.links) links) are the image's own systemctl preset-all's" \
	    sh -c '[ -s want.links ] && diff want.links got.links >&2'
	made q "$T/q.mark" | grep -v ' -> ' >want.files
	t_eq "$p: the oracle made no other file in etc/ than those four" \
	    "etc/group etc/gshadow etc/passwd etc/shadow" \
	    sh -c "grep -v '^etc/\.pwd\.lock\$' want.files | tr '\n' ' ' | sed 's/ \$//'"
done
t_done
