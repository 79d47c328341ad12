#!/bin/sh
# make install: the installed tree builds a profile from another directory
# with the installed tools, byte for byte as the checkout does; make
# uninstall removes it all. The kernel-install plugin, run by bookworm's
# kernel-install against a scratch boot directory: bls and uki layouts,
# remove, inaction when initkit is not the generator, a loud failure, and
# no write outside the staging area and the boot directory (strace).
. "$(dirname "$0")/lib.sh"
. "$top/tests/repo.sh"
. "$top/tests/profile-repo.sh"
cd "$T" || exit 1

profile_need install || t_done
profile_repo
mkdir -p elsewhere
profile_initrd testinit
openssl req -x509 -newkey rsa:2048 -nodes -keyout k.pem -out c.pem -days 3650 -subj /CN=install 2>/dev/null
chmod 600 k.pem
mk() { env -u KEY -u CERT make -s -C "$top" B="${B#$top/}" "$@"; }

# --- make install / uninstall ---------------------------------------------
D=$T/dest
S=$D/usr/share/initkit
t_ok "make install DESTDIR= PREFIX=/usr" mk install DESTDIR="$D" PREFIX=/usr
t_ok "the tools, executable" sh -c "for t in mkcpio mksqfs mkverity pkcs7sign mkgpt mkuki mkucode manifest modroot pkgroot; do
	[ -x $D/usr/bin/\$t ] && [ -f $D/usr/share/man/man1/\$t.1 ] || { echo \$t; exit 1; }; done"
t_ok "the rule chains, config and profiles under DATADIR/initkit" \
    ls "$S/GNUmakefile" "$S/config.mk" "$S/mk/profile.mk" "$S/mk/sysext.mk" \
    "$S/mk/common.mk" "$S/profiles/debian-basic.mk" "$S/profiles/modules-generic.list" \
    "$S/profiles/debian-basic.bookworm/etc/tmpfiles.d/initkit-stub-extensions.conf" "$S/profiles/debian.sources"
t_ok "the chains' scripts, executable, beside them" \
    sh -c "for f in $top/libexec/*; do [ -x $S/libexec/\${f##*/} ] || { echo \$f; exit 1; }; done"
t_ok "a profile's symlinks stay symlinks" \
    test -L "$S/profiles/debian-basic.bookworm/etc/systemd/system/sysinit.target.wants/initkit-stub-extensions.service"
t_ok "the kernel-install plugin, executable, its paths filled in" \
    sh -c "[ -x $D/usr/lib/kernel/install.d/50-initkit.install ] &&
	grep -q '^bindir=/usr/bin\$' $D/usr/lib/kernel/install.d/50-initkit.install &&
	! grep -q '@[A-Z]*@' $D/usr/lib/kernel/install.d/50-initkit.install"
t_ok "nothing installed but files, directories and the profiles' links" \
    sh -c "[ -z \"\$(find $D ! -type f ! -type d ! -path '*/profiles/*')\" ]"

# The installed tree from another directory, against the checkout's build.
KEYS="KEY=$T/k.pem CERT=$T/c.pem MIRROR=copy:$T/repo KEYRING=$KEY KERNEL=test SOURCE_DATE_EPOCH=1700000000"
(cd elsewhere && env -u KEY -u CERT make -f "$S/GNUmakefile" V=1 \
    PROFILES="$T/profiles" PROFILE=testinit O="$T/inst" CACHE="$T/cache1" $KEYS) \
    >inst.out 2>&1; rc=$?
t_ok "make -f DATADIR/initkit/GNUmakefile PROFILE= O= from another directory" \
    sh -c "[ $rc -eq 0 ] || { cat inst.out >&2; exit 1; }"
t_ok "it ran the installed tools" grep -q "$D/usr/bin/mkuki " inst.out
t_ok "it wrote nothing into the current directory" sh -c "[ -z \"\$(ls -A elsewhere)\" ]"
mk PROFILES="$T/profiles" PROFILE=testinit OUTROOT="$T/src" CACHE="$T/cache2" \
    $KEYS >src.out 2>&1; rc=$?
t_ok "the same profile from the checkout" sh -c "[ $rc -eq 0 ] || { cat src.out >&2; exit 1; }"
for f in initrd.cpio.zst modules-$K.cpio.zst $K.efi manifest.json sbom.spdx.json; do
	t_ok "installed and checkout builds: the same $f" cmp inst/testinit/$f src/testinit/$f
done
(cd elsewhere && make -s -f "$S/GNUmakefile" >../noprof.out 2>&1); rc=$?
t_ok "without PROFILE=: an error listing the installed profiles" \
    sh -c "[ $rc -ne 0 ] && grep -q 'usage: make -f .*PROFILE=NAME.*debian-basic' noprof.out"
# The extension chain alone, without a profile: sysext and confext alike.
mkdir -p cx/etc/initkit
echo 'from the confext' >cx/etc/initkit/x.conf
printf '#mtree\n. type=dir mode=0755 uid=0 gid=0 time=1700000000.0\n' >cx.mtree
(cd elsewhere && make -s -f "$S/GNUmakefile" confext SYSEXT_NAME=cx \
    SYSEXT_SPEC="$T/cx.mtree" SYSEXT_DIRS="$T/cx" SYSEXT_OUT="$T/cxout" \
    SYSEXT_KEY="$T/k.pem" SYSEXT_CERT="$T/c.pem" >../cx.out 2>&1); rc=$?
t_ok "make -f DATADIR/initkit/GNUmakefile confext, without PROFILE=" \
    sh -c "[ $rc -eq 0 ] && mkgpt -V cxout/cx.confext.raw || { cat cx.out >&2; exit 1; }"
t_ok "make uninstall removes every installed file" \
    sh -c "env -u KEY -u CERT make -s -C '$top' B='${B#$top/}' uninstall DESTDIR='$D' PREFIX=/usr &&
	[ -z \"\$(find $D ! -type d)\" ]"

# --- kernel-install -------------------------------------------------------
if ! need kernel-install strace; then
	t_skip "kernel-install plugin" "kernel-install or strace not installed"
	t_done
fi
P=$T/prefix
mk install PREFIX="$P" >/dev/null
KR=$T/inst/testinit/kernel		# the kernel package's root (pkgroot)
MID=0123456789abcdef0123456789abcdef
mkdir -p kconf boot
printf 'drivers/*\n' >mods.list
cat >kconf/initkit.conf <<EOF
# the generic initrd built above, the kernel from its package root
INITRD=$T/inst/testinit/initrd.cpio.zst
MODULES=$T/mods.list
ROOT=$KR
OSREL=$T/inst/testinit/root/usr/lib/os-release
EOF
printf 'console=ttyS0 ro\n' >kconf/cmdline
# Our plugin under strace (its writes logged), then the stock loader entry.
# (LeakSanitizer cannot run under ptrace: off for a sanitizer build.)
cat >plugin <<EOF
#!/bin/sh
ASAN_OPTIONS=\${ASAN_OPTIONS:+\$ASAN_OPTIONS:}detect_leaks=0
export ASAN_OPTIONS
exec strace -f -y -qq -o "$T/strace.\$1" -e trace=%file,%desc -e signal=none \\
    "$P/lib/kernel/install.d/50-initkit.install" "\$@"
EOF
chmod +x plugin
kinstall() { # layout generator args...
	printf 'layout=%s\ninitrd_generator=%s\n' "$1" "$2" >kconf/install.conf
	shift 2
	env KERNEL_INSTALL_CONF_ROOT="$T/kconf" BOOT_ROOT="$T/boot" MACHINE_ID=$MID \
	    KERNEL_INSTALL_PLUGINS="$T/plugin /usr/lib/kernel/install.d/90-loaderentry.install" \
	    SOURCE_DATE_EPOCH=1700000000 kernel-install "$@"
}
E=boot/$MID/$K
kinstall bls initkit --verbose add $K "$KR/boot/vmlinuz-$K" >ki.out 2>&1; rc=$?
t_ok "kernel-install add (layout=bls, initrd_generator=initkit)" \
    sh -c "[ $rc -eq 0 ] || { cat ki.out >&2; exit 1; }"
t_ok "the entry has the generic initrd, byte for byte" cmp "$E/initrd-initkit.cpio.zst" inst/testinit/initrd.cpio.zst
t_ok "and this kernel's modules cpio, equal to the profile's" \
    cmp "$E/initrd-modules-$K.cpio.zst" "inst/testinit/modules-$K.cpio.zst"
t_ok "which holds the module" sh -c "bsdtar -tf $E/initrd-modules-$K.cpio.zst | grep -qx 'usr/lib/modules/$K/kernel/drivers/x/foo.ko'"
t_eq "the loader entry loads the generic initrd first, then the modules" \
    "initrd-initkit.cpio.zst
initrd-modules-$K.cpio.zst" \
    sh -c "grep '^initrd' boot/loader/entries/$MID-$K.conf | sed 's|.*/||'"
t_ok "--verbose: the plugin says what it staged" grep -q '^50-initkit.install: staging' ki.out
# Every path the plugin (and what it ran) created, opened for writing,
# renamed or removed, from strace -y: "dir/name" for a name relative to a
# directory descriptor. kernel-install makes its staging area in $TMPDIR
# (mktemp -t).
stage_re=$(printf '%s' "${TMPDIR:-/tmp}" | sed 's/[][\\.*^$]/\\&/g')
written() {
	awk '$2 ~ /^(mkdir|mkdirat|rename|renameat2?|unlink|unlinkat|rmdir|symlink|symlinkat|link|linkat)\(/ ||
	    ($2 ~ /^(open|openat|creat)\(/ && /O_WRONLY|O_RDWR|O_CREAT/) {
		if ($0 ~ /= -1 /) next
		line = $0
		if ($2 ~ /^symlink/) sub(/"[^"]*"/, "", line)	# the target
		while (match(line, /([0-9]+<[^>]*>, )?"[^"]*"/)) {
			m = substr(line, RSTART, RLENGTH); line = substr(line, RSTART + RLENGTH)
			name = m; sub(/^.*"([^"]*)"$/, "", name)
			q = m; sub(/^[^"]*"/, "", q); sub(/"$/, "", q)
			dir = ""
			if (m ~ /^[0-9]+</) { dir = m; sub(/^[0-9]+</, "", dir); sub(/>.*/, "", dir) }
			print (q ~ /^\// || dir == "") ? q : dir "/" q
		}
	}' "$T"/strace.add |
	    grep -v -e '^/dev/null$' -e "^$stage_re/kernel-install\\.staging\\.[^/]*\\(/\\|\$\\)" \
	    -e "^$T/boot/" || true
}
t_eq "it wrote nothing but in the staging area" "" written
kinstall bls initkit remove $K >kr.out 2>&1; rc=$?
t_ok "kernel-install remove: the entry is gone" \
    sh -c "[ $rc -eq 0 ] && [ ! -e $E ] && [ ! -e boot/loader/entries/$MID-$K.conf ]"

kinstall bls dracut add $K "$KR/boot/vmlinuz-$K" >kd.out 2>&1; rc=$?
t_ok "initrd_generator=dracut: the plugin stays out" \
    sh -c "[ $rc -eq 0 ] && [ -f $E/linux ] && ! ls $E | grep -q initrd"
kinstall bls dracut remove $K >/dev/null 2>&1

sed -i "s|^INITRD=.*|INITRD=$T/missing.cpio|" kconf/initkit.conf
kinstall bls initkit add $K "$KR/boot/vmlinuz-$K" >kf.out 2>&1; rc=$?
t_ok "a missing generic initrd fails kernel-install, naming it" \
    sh -c "[ $rc -ne 0 ] && grep -q '^50-initkit.install: $T/missing.cpio: no generic initrd' kf.out"
kinstall bls initkit remove $K >/dev/null 2>&1
sed -i "s|^INITRD=.*|INITRD=$T/inst/testinit/initrd.cpio.zst|" kconf/initkit.conf

# layout=uki: bookworm has no 90-uki-copy.install, so the plugin installs it.
printf 'KEY=%s\nCERT=%s\n' "$T/k.pem" "$T/c.pem" >>kconf/initkit.conf
U=boot/EFI/Linux/$MID-$K.efi
kinstall uki initkit add $K "$KR/boot/vmlinuz-$K" >ku.out 2>&1; rc=$?
t_ok "kernel-install add (layout=uki)" sh -c "[ $rc -eq 0 ] && [ -f $U ] || { cat ku.out >&2; exit 1; }"
t_ok "the UKI is signed by the configured key (sbverify)" \
    sbverify --cert c.pem "$U"
t_ok "it carries the kernel, the uname, the command line of the config" \
    sh -c "mkuki -I $U >uki.txt && grep -q '^section	\.linux	' uki.txt &&
	objcopy -O binary --only-section=.uname $U uname.bin && tr -d '\0' <uname.bin | grep -qx '$K' &&
	objcopy -O binary --only-section=.cmdline $U cmd.bin && tr -d '\0' <cmd.bin | grep -qx 'console=ttyS0 ro *'"
pad4() { _n=$(wc -c <"$1"); cat "$1"; head -c $(( (4 - _n % 4) % 4 )) /dev/zero; }
pad4 inst/testinit/initrd.cpio.zst >i1
pad4 inst/testinit/modules-$K.cpio.zst >i2
t_ok "its .initrd is the generic initrd, then the modules cpio (each padded to 4 bytes)" \
    sh -c "objcopy -O binary --only-section=.initrd $U initrd.bin && cat i1 i2 | cmp - initrd.bin"
t_eq "and it wrote nothing but in the staging area and the boot directory" "" written
kinstall uki initkit remove $K >/dev/null 2>&1; rc=$?
t_ok "kernel-install remove (layout=uki): the UKI is gone" sh -c "[ $rc -eq 0 ] && [ ! -e $U ]"

# The stub follows the kernel's machine (its PE header): an arm64 one
# takes linuxaa64.efi.stub, which this package root lacks; a machine
# without a known stub must have STUB set; a kernel that is no PE (a
# compressed one) takes this machine's (uname -m).
machine() { # file hex-machine: a copy of the test kernel made for that machine
	python3 -c '
import struct, sys
d = bytearray(open(sys.argv[1], "rb").read())
struct.pack_into("<H", d, struct.unpack_from("<I", d, 0x3c)[0] + 4, int(sys.argv[3], 16))
open(sys.argv[2], "wb").write(d)' "$KR/boot/vmlinuz-$K" "$1" "$2"
}
machine vmlinuz-arm64 aa64
kinstall uki initkit add $K "$T/vmlinuz-arm64" >ka.out 2>&1; rc=$?
t_ok "an arm64 kernel: the plugin takes linuxaa64.efi.stub (missing here: kernel-install fails, naming it)" \
    sh -c "[ $rc -ne 0 ] && [ ! -e $U ] && grep -q '^50-initkit.install: $KR/usr/lib/systemd/boot/efi/linuxaa64.efi.stub: no stub' ka.out"
machine vmlinuz-riscv64 5064
kinstall uki initkit add $K "$T/vmlinuz-riscv64" >kr5.out 2>&1; rc=$?
t_ok "a kernel for a machine without a known stub: set STUB, says the plugin" \
    sh -c "[ $rc -ne 0 ] && [ ! -e $U ] && grep -q '^50-initkit.install: $T/vmlinuz-riscv64: no systemd-stub known for its machine (5064): set STUB in ' kr5.out"
mkdir -p fakebin
printf '#!/bin/sh\n[ "$1" = -m ] && echo aarch64 || exec /bin/uname "$@"\n' >fakebin/uname
chmod +x fakebin/uname
gzip -n <"$KR/boot/vmlinuz-$K" >vmlinuz.gz
PATH=$T/fakebin:$PATH kinstall uki initkit add $K "$T/vmlinuz.gz" >kz.out 2>&1; rc=$?
t_ok "a compressed kernel on an arm64 machine (uname -m): linuxaa64.efi.stub" \
    sh -c "[ $rc -ne 0 ] && [ ! -e $U ] && grep -q 'usr/lib/systemd/boot/efi/linuxaa64.efi.stub: no stub' kz.out"
kinstall uki initkit remove $K >/dev/null 2>&1

# MODULES unset: debian-basic's lists, the common one and those of this
# machine's architecture and of ROOT's release (os-release's
# VERSION_CODENAME), where they exist. The installed lists are replaced by
# globs of the test kernel; the release's names a module it lacks, which
# modroot refuses: so that list was read.
L=$P/share/initkit/profiles/modules-generic
rm -f "$L"-*.list
printf 'drivers/x/*\n' >"$L.list"
printf 'drivers/x/foo*\n' >"$L-$(dpkg --print-architecture).list"
printf 'drivers/nosuch/*\n' >"$L-testrel.list"
cp -a "$KR" kroot && mkdir -p kroot/etc
printf 'ID=debian\nVERSION_CODENAME=testrel\n' >kroot/etc/os-release
sed -e '/^MODULES=/d' -e "s|^ROOT=.*|ROOT=$T/kroot|" kconf/initkit.conf >kconf/initkit.conf.new &&
    mv kconf/initkit.conf.new kconf/initkit.conf
kinstall bls initkit add $K "$KR/boot/vmlinuz-$K" >kd.out 2>&1; rc=$?
t_ok "MODULES unset: ROOT's release's list is read too (its glob matches nothing: refused)" \
    sh -c "[ $rc -ne 0 ] && grep -q 'drivers/nosuch' kd.out || { cat kd.out >&2; exit 1; }"
kinstall bls initkit remove $K >/dev/null 2>&1
rm -f "$L-testrel.list"
kinstall bls initkit add $K "$KR/boot/vmlinuz-$K" >kd.out 2>&1; rc=$?
t_ok "MODULES unset: the common and the architecture's lists, the same modules cpio" \
    sh -c "[ $rc -eq 0 ] && cmp $E/initrd-modules-$K.cpio.zst inst/testinit/modules-$K.cpio.zst || { cat kd.out >&2; exit 1; }"
kinstall bls initkit remove $K >/dev/null 2>&1
t_done
