# make deps: install every build and test dependency on Debian 12 with
# apt-get (make deb's too), and the JSON schemas the tests validate
# manifest's documents against from npm, exactly the versions
# tests/npm/package-lock.json pins (with their hashes), into build/npm
# (npm ci; Debian's npm when there is none). Idempotent and quick when
# everything is there already.

DEPS_BUILD = build-essential pkg-config libarchive-dev libssl-dev \
	libzstd-dev zlib1g-dev liblzma-dev uuid-dev \
	libsquashfs-dev libkmod-dev
# make deb and deb-test (mk/deb.mk): diffoscope shows what differs when
# two package builds do.
DEPS_DEB = debhelper lintian autopkgtest diffoscope-minimal
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

# What of them dpkg has not installed (asked by make deps only).
DEPS_MISSING = $(filter-out $(shell dpkg-query -W -f='$${db:Status-Status} $${Package}\n' \
	$(DEPS_BUILD) $(DEPS_DEB) $(DEPS_TEST) 2>/dev/null | sed -n 's/^installed //p'),$(DEPS_BUILD) $(DEPS_DEB) $(DEPS_TEST))
SUDO = $(if $(filter 0,$(shell id -u)),,sudo)
APT_INSTALL = $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	$(SUDO) apt-get install -y -qq --no-install-recommends
NPM_CI = rm -rf $(NPMDIR) && mkdir -p $(NPMDIR) && \
	cp tests/npm/package.json tests/npm/package-lock.json $(NPMDIR)/ && \
	(cd $(NPMDIR) && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)

# npm's packages are made anew, removed when npm ci fails.
deps:
	@$(if $(DEPS_MISSING),echo "deps: installing $(DEPS_MISSING)" && $(APT_INSTALL) $(DEPS_MISSING),echo "deps: all installed")
	@if [ -d $(NPMDIR)/node_modules ] && cmp -s tests/npm/package-lock.json $(NPMDIR)/package-lock.json; \
	then echo "deps: npm packages installed"; \
	else echo "deps: npm ci into $(NPMDIR)"; $(NPM_CI) || { rm -rf $(NPMDIR); exit 1; }; fi

.PHONY: deps
