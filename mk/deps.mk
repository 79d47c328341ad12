# make deps: install every build and test dependency on Debian 12 with
# apt-get. Idempotent and quick when everything is there already.

DEPS_BUILD = build-essential pkg-config libarchive-dev libssl-dev \
	libzstd-dev zlib1g-dev liblzma-dev uuid-dev libcryptsetup-dev \
	libsquashfs-dev libkmod-dev
DEPS_TEST = libarchive-tools cpio zstd xz-utils gzip mandoc groff-base util-linux \
	apt-utils gnupg binutils python3 cryptsetup-bin squashfs-tools \
	squashfs-tools-ng openssl bsdextrautils softhsm2 libengine-pkcs11-openssl \
	fdisk gdisk systemd-container jq mkosi \
	kmod systemd systemd-boot-efi sbsigntool osslsigncode qemu-system-x86 ovmf \
	qemu-system-arm qemu-efi-aarch64 \
	coreutils strace efitools dosfstools mtools e2fsprogs \
	openssh-client nfs-ganesha nfs-ganesha-vfs tgt \
	clang libclang-rt-14-dev

deps:
	@missing=$$(for p in $(DEPS_BUILD) $(DEPS_TEST); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | \
		grep -q '^install ok installed' || echo $$p; done); \
	if [ -z "$$missing" ]; then echo "deps: all installed"; exit 0; fi; \
	echo "deps: installing" $$missing; \
	sudo=; [ "$$(id -u)" -eq 0 ] || sudo=sudo; \
	$$sudo apt-get update -qq && \
	DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq \
		--no-install-recommends $$missing

.PHONY: deps
