# tests/profile-repo.sh: what the profile tests (profiles.t,
# reproducible.t, install.t, hostile/interrupt-profile.sh) build on,
# sourced after lib.sh and repo.sh.
#
#   profile_need NAME   SKIP NAME and return 1 unless make, apt, a C
#                       compiler, systemd's offline tools and the stub
#                       of systemd-boot-efi are here
#   profile_repo        the local signed repository $T/repo: testbase
#                       (os-release ID=testos VERSION_ID=1, a systemd,
#                       a sysusers.d user, docs), testutil and testtool
#                       on it, linux-image-test (the stub as its vmlinuz,
#                       one module built here, no modules.builtin),
#                       systemd-boot-efi (the real stub), firmware-linux-free;
#                       K is its kernel release
#   profile_initrd NAME [LINE...]   profiles/NAME.mk here: an initrd of
#                       testutil, module globs drivers/*, console=ttyS0,
#                       then the LINEs (a later one overrides)

STUB=/usr/lib/systemd/boot/efi/linuxx64.efi.stub
K=6.1.0-0-test

profile_need() {
	for _c in make apt-get apt-ftparchive gpg dpkg-deb cc bsdtar jq openssl \
	    systemd-sysusers systemctl depmod; do
		if ! need $_c; then
			t_skip "$1" "$_c not installed"
			return 1
		fi
	done
	if [ ! -f $STUB ]; then
		t_skip "$1" "systemd-boot-efi not installed"
		return 1
	fi
}

profile_repo() {
	repo_init "$T/repo"
	printf 'ID=testos\nVERSION_ID=1\n' >"$T/osrel"
	PKGCOPY="usr/lib/os-release $T/osrel" PKGFILES='usr/lib/systemd/systemd #!/bin/sh
usr/lib/sysusers.d/test.conf u tester - "Test user"
usr/share/doc/testbase/changelog dropped by EXCLUDE
usr/share/doc/testbase/copyright kept' mkpkg testbase 1.0
	PKGFILES='usr/bin/testtool tool' mkpkg testtool 1.0 'Depends: testbase'
	PKGFILES='usr/bin/testutil util' mkpkg testutil 1.0 'Depends: testbase'
	printf 'static const char mi[] __attribute__((used, section(".modinfo"), aligned(1))) = "license=GPL\\0name=foo\\0vermagic=%s SMP \\0";\n' $K >"$T/foo.c"
	cc -c -o "$T/foo.ko" "$T/foo.c"
	printf 'kernel/drivers/x/foo.ko\n' >"$T/modules.order"
	PKGCOPY="boot/vmlinuz-$K $STUB
lib/modules/$K/kernel/drivers/x/foo.ko $T/foo.ko
lib/modules/$K/modules.order $T/modules.order" mkpkg linux-image-test 1.0
	PKGCOPY="usr/lib/systemd/boot/efi/linuxx64.efi.stub $STUB" mkpkg systemd-boot-efi 1.0
	PKGFILES='usr/lib/firmware/free.bin fw' mkpkg firmware-linux-free 1.0
	repo_index
}

profile_initrd() {
	_p=$1
	shift
	mkdir -p profiles
	{
		printf '%s\n' 'KIND = initrd' 'DISTRIBUTION = debian' \
		    'RELEASE = bookworm' 'ARCH = amd64' 'PACKAGES = testutil' \
		    'MODULES = drivers/*' 'CMDLINE = console=ttyS0'
		for _l; do printf '%s\n' "$_l"; done
	} >profiles/$_p.mk
}
