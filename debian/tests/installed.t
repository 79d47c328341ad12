#!/bin/sh
# autopkgtest (debian/tests/control): the installed packages build a
# profile offline, as tests/install.t has the checkout's "make install"
# do: the local signed repository of tests/profile-repo.sh, the chain of
# /usr/share/initkit/GNUmakefile from another directory with the tools of
# /usr/bin, twice, the same bytes; then the kernel-install plugin of
# /usr/lib/kernel/install.d stages that initrd and this kernel's modules
# cpio for bookworm's kernel-install, on a scratch boot directory.
. "$(dirname "$0")/../../tests/lib.sh"
. "$top/tests/repo.sh"
. "$top/tests/profile-repo.sh"
# The installed tools only: a build in the source tree ($B/bin, first on
# PATH after lib.sh) must not stand in for them.
PATH=/usr/sbin:/usr/bin:/sbin:/bin
cd "$T" || exit 1
S=/usr/share/initkit
TOOLS="mkcpio mksqfs mkverity pkcs7sign mkgpt mkuki mkucode manifest modroot pkgroot"

for t in $TOOLS; do
	t_eq "$t: /usr/bin/$t, of this release, with its manual page" \
	    "$t (initkit) $(cat "$top/VERSION")" \
	    sh -c "[ \"\$(command -v $t)\" = /usr/bin/$t ] && [ -f /usr/share/man/man1/$t.1.gz ] && $t --version"
done
profile_need installed || t_done
profile_repo
profile_initrd testinit
openssl req -x509 -newkey rsa:2048 -nodes -keyout k.pem -out c.pem -days 3650 -subj /CN=installed 2>/dev/null
chmod 600 k.pem

# build O UMASK: the profile into $T/O from an empty directory of its own.
build() {
	mkdir -p "$1.cwd"
	(cd "$1.cwd" && umask $2 && env -u KEY -u CERT make -f $S/GNUmakefile V=1 \
	    PROFILES="$T/profiles" PROFILE=testinit O="$T/$1" CACHE="$T/$1.cache" \
	    KEY="$T/k.pem" CERT="$T/c.pem" MIRROR=copy:$T/repo KEYRING="$KEY" \
	    KERNEL=test SOURCE_DATE_EPOCH=1700000000) >$1.out 2>&1
}
build one 022; rc=$?
t_ok "make -f $S/GNUmakefile PROFILE= O= from another directory" \
    sh -c "[ $rc -eq 0 ] || { cat one.out >&2; exit 1; }"
t_ok "it ran the installed tools and scripts" \
    sh -c "grep -q '^/usr/bin/mkuki ' one.out && grep -q '$S/libexec/image-config' one.out"
t_ok "it wrote nothing into the current directory" sh -c "[ -z \"\$(ls -A one.cwd)\" ]"
t_ok "the initrd holds the profile's package" \
    sh -c "bsdtar -tf one/testinit/initrd.cpio.zst | grep -qx 'usr/bin/testutil'"
t_ok "the UKI carries kernel and initrd, signed by the key given" \
    sh -c "mkuki -I one/testinit/$K.efi >uki.txt && grep -q '^section	\.linux	' uki.txt &&
	grep -q '^section	\.initrd	' uki.txt && grep -qx 'signature	verified	CN=installed' uki.txt"
build two 077; rc=$?
t_ok "a second build, another directory and umask" \
    sh -c "[ $rc -eq 0 ] || { cat two.out >&2; exit 1; }"
for f in initrd.cpio.zst modules-$K.cpio.zst $K.efi manifest.json sbom.spdx.json; do
	t_ok "the same $f" cmp one/testinit/$f two/testinit/$f
done

# The plugin, as kernel-install runs it, with the loader entry's plugin.
KR=$T/one/testinit/kernel
MID=0123456789abcdef0123456789abcdef
mkdir -p kconf boot
printf 'drivers/*\n' >mods.list
printf 'INITRD=%s\nMODULES=%s\nROOT=%s\n' "$T/one/testinit/initrd.cpio.zst" \
    "$T/mods.list" "$KR" >kconf/initkit.conf
printf 'console=ttyS0 ro\n' >kconf/cmdline
printf 'layout=bls\ninitrd_generator=initkit\n' >kconf/install.conf
kinstall() {
	env KERNEL_INSTALL_CONF_ROOT="$T/kconf" BOOT_ROOT="$T/boot" MACHINE_ID=$MID \
	    KERNEL_INSTALL_PLUGINS="/usr/lib/kernel/install.d/50-initkit.install /usr/lib/kernel/install.d/90-loaderentry.install" \
	    SOURCE_DATE_EPOCH=1700000000 kernel-install "$@"
}
E=boot/$MID/$K
kinstall add $K "$KR/boot/vmlinuz-$K" >ki.out 2>&1; rc=$?
t_ok "kernel-install add with the installed plugin" \
    sh -c "[ $rc -eq 0 ] || { cat ki.out >&2; exit 1; }"
t_ok "the entry has the generic initrd, byte for byte" \
    cmp "$E/initrd-initkit.cpio.zst" one/testinit/initrd.cpio.zst
t_ok "and this kernel's modules cpio, equal to the profile's" \
    cmp "$E/initrd-modules-$K.cpio.zst" "one/testinit/modules-$K.cpio.zst"
kinstall remove $K >kr.out 2>&1; rc=$?
t_ok "kernel-install remove: the entry is gone" \
    sh -c "[ $rc -eq 0 ] && [ ! -e $E ] && [ ! -e boot/loader/entries/$MID-$K.conf ]"
t_done
