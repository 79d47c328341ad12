# make deps: install every build and test dependency on Debian 12 with
# apt-get, and the JSON schemas the tests validate manifest's documents
# against from npm, exactly the versions tests/npm/package-lock.json pins
# (with their hashes), into build/npm (npm ci; Debian's npm when there
# is none). Idempotent and quick when everything is there already.

DEPS_BUILD = build-essential pkg-config libarchive-dev libssl-dev \
	libzstd-dev zlib1g-dev liblzma-dev uuid-dev \
	libsquashfs-dev libkmod-dev
DEPS_TEST = libarchive-tools cpio zstd xz-utils gzip mandoc groff-base util-linux \
	apt-utils gnupg binutils python3 cryptsetup-bin squashfs-tools \
	squashfs-tools-ng openssl bsdextrautils softhsm2 libengine-pkcs11-openssl \
	fdisk gdisk systemd-container jq mkosi \
	kmod systemd systemd-boot-efi sbsigntool osslsigncode qemu-system-x86 ovmf \
	qemu-system-arm qemu-efi-aarch64 qemu-user \
	coreutils strace efitools dosfstools mtools e2fsprogs \
	openssh-client nfs-ganesha nfs-ganesha-vfs tgt iucode-tool \
	clang libclang-rt-14-dev python3-jsonschema \
	swtpm swtpm-tools libtss2-esys-3.0.2-0 libtss2-rc0 libtss2-mu0 \
	libtss2-tcti-swtpm0 \
	$(if $(shell command -v npm 2>/dev/null),,npm)
NPMDIR = build/npm

deps:
	@missing=$$(for p in $(DEPS_BUILD) $(DEPS_TEST); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | \
		grep -q '^install ok installed' || echo $$p; done); \
	if [ -z "$$missing" ]; then echo "deps: all installed"; else \
	echo "deps: installing" $$missing; \
	sudo=; [ "$$(id -u)" -eq 0 ] || sudo=sudo; \
	$$sudo apt-get update -qq && \
	DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq \
		--no-install-recommends $$missing; fi
	@if [ -d $(NPMDIR)/node_modules ] && \
	    cmp -s tests/npm/package-lock.json $(NPMDIR)/package-lock.json; then \
	  echo "deps: npm packages installed"; else \
	  echo "deps: npm ci into $(NPMDIR)"; rm -rf $(NPMDIR) && mkdir -p $(NPMDIR) && \
	  cp tests/npm/package.json tests/npm/package-lock.json $(NPMDIR)/ && \
	  (cd $(NPMDIR) && npm ci --ignore-scripts --no-audit --no-fund \
	      --loglevel=error) || { rm -rf $(NPMDIR); exit 1; }; fi

.PHONY: deps
