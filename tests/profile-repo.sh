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
#                       K is its kernel release; in non-free-firmware (as
#                       Debian's), amd64's intel-microcode (two updates,
#                       $T/ucode-a and, in a .initramfs file, $T/ucode-b)
#                       and amd64-microcode (one container, $T/ucode-amd)
#   stub_arm64          the real arm64 stub (linuxaa64.efi.stub) from the
#                       Debian archive's systemd-boot-efi for arm64, kept in
#                       the test cache (archive_get, tests/kernel.sh):
#                       sets STUB64 and returns 0, or returns 1 with the
#                       reason in STUB64_WHY (for t_archive)
#   profile_repo_arm64  after profile_repo, adds to $T/repo: testlib for
#                       amd64 and for arm64 (usr/lib/testlib/arch says
#                       which), and for arm64 linux-image-test (release
#                       K64, its module an aarch64 ELF, $STUB64 as its
#                       vmlinuz) and systemd-boot-efi ($STUB64 as
#                       linuxaa64.efi.stub), without STUB64 both a stand-in
#                       that is no PE, enough for all but the UKI; the
#                       kernel and the stub for amd64 become amd64 packages
#   profile_initrd NAME [LINE...]   profiles/NAME.mk here: an initrd of
#                       testutil, module globs drivers/*, console=ttyS0,
#                       then the LINEs (a later one overrides)

. "$top/tests/kernel.sh"

STUB=/usr/lib/systemd/boot/efi/linuxx64.efi.stub
K=6.1.0-0-test
K64=6.1.0-0-test-arm64

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

# linux-image-test and systemd-boot-efi: arch kver stub module stub-name;
# the stub is the kernel's vmlinuz too.
_kernel_pkgs() {
	PKGARCH=$1 PKGCOPY="boot/vmlinuz-$2 $3
lib/modules/$2/kernel/drivers/x/foo.ko $4
lib/modules/$2/modules.order $T/modules.order" mkpkg linux-image-test 1.0
	PKGARCH=$1 PKGCOPY="usr/lib/systemd/boot/efi/$5 $3" mkpkg systemd-boot-efi 1.0
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
	_kernel_pkgs all $K "$STUB" "$T/foo.ko" linuxx64.efi.stub
	PKGFILES='usr/lib/firmware/free.bin fw' mkpkg firmware-linux-free 1.0
	python3 "$top/tests/mcu.py" 0x906e9 0x2a 0xf8 >"$T/ucode-b"
	python3 "$top/tests/mcu.py" 0x6f2 0x01 0x10 >"$T/ucode-a"
	printf 'DMA\000test container\n' >"$T/ucode-amd"
	PKGARCH=amd64 PKGPOOL=pool-non-free-firmware \
	    PKGCOPY="usr/lib/firmware/intel-ucode/06-0f-02 $T/ucode-a
usr/lib/firmware/intel-ucode/06-9e-09.initramfs $T/ucode-b" mkpkg intel-microcode 1.0
	PKGARCH=amd64 PKGPOOL=pool-non-free-firmware \
	    PKGCOPY="lib/firmware/amd-ucode/microcode_amd_fam17h.bin $T/ucode-amd" mkpkg amd64-microcode 1.0
	REPO_COMPONENTS='main non-free-firmware'
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

stub_arm64() {
	STUB64= STUB64_WHY=
	if ! archive_get stub64 arm64 systemd-boot-efi; then
		STUB64_WHY=$GET_WHY
		return 1
	fi
	STUB64=$T/stub64/usr/lib/systemd/boot/efi/linuxaa64.efi.stub
	[ -f "$STUB64" ] || { STUB64_WHY="no linuxaa64.efi.stub in systemd-boot-efi"; STUB64=; return 1; }
}

profile_repo_arm64() {
	for _a in amd64 arm64; do
		PKGARCH=$_a PKGFILES="usr/lib/testlib/arch $_a" mkpkg testlib 1.0 'Depends: testbase'
	done
	_s=${STUB64:-}
	if [ -z "$_s" ]; then
		_s=$T/stub64.standin
		printf 'not a PE: the arm64 stub was not fetched\n' >"$_s"
	fi
	printf 'static const char mi[] __attribute__((used, section(".modinfo"), aligned(1))) = "license=GPL\\0name=foo\\0vermagic=%s SMP \\0";\n' $K64 >"$T/foo64.c"
	cc -c -o "$T/foo64.ko" "$T/foo64.c"
	# e_machine (ELF header offset 18, little-endian): EM_AARCH64, 183.
	printf '\267\000' | dd of="$T/foo64.ko" bs=1 seek=18 conv=notrunc 2>/dev/null
	# The same name and version for all and for arm64 would be two
	# candidates to apt: amd64's become amd64 packages, as Debian's are.
	rm -f "$REPO/pool/linux-image-test_1.0_all.deb" \
	    "$REPO/pool/systemd-boot-efi_1.0_all.deb"
	_kernel_pkgs amd64 $K "$STUB" "$T/foo.ko" linuxx64.efi.stub
	_kernel_pkgs arm64 $K64 "$_s" "$T/foo64.ko" linuxaa64.efi.stub
	repo_index
}
