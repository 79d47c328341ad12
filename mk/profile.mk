# The profile chain: make PROFILE=NAME builds out/NAME/ from
# profiles/NAME.mk, which only declares (KIND, RELEASE, ARCH, PACKAGES,
# EXCLUDE, MODULES, CMDLINE, BASE, ...). One step, one file under out/NAME/,
# each through a temporary name; every output depends on the profile and
# the tools that make it, so a second make does nothing.
#
# KIND=initrd:
#   root/ root.mtree packages.tsv   pkgroot of PACKAGES (LOCK= pins them)
#   config/                         what maintainer scripts would have made:
#                                   /etc/initrd-release, /init, users and
#                                   groups (systemd-sysusers), unit presets
#   initrd.cpio.zst                 mkcpio of root.mtree + config/ + profiles/NAME/
#   kernel/ kernel.mtree kernel.tsv pkgroot of the kernel, systemd-boot-efi
#                                   and free firmware (KERNEL_LOCK= pins them)
#   modules-KVER.cpio.zst           modroot MODULES | mkcpio
#   KVER.efi                        mkuki: stub + kernel + both initrds, signed
#   manifest.json sbom.spdx.json    manifest of packages.tsv
#
# Knobs (config.mk or the command line): KEY, CERT (PEM or PKCS#11 URI;
# without them a development key from "make keys"), MIRROR, KEYRING,
# CACHE, LOCK, KERNEL_LOCK, KERNEL (a kernel flavour or version:
# linux-image-$(KERNEL)), UPDATE=1 (refresh the package lists: without
# it the lists of the last run are used), SOURCE_DATE_EPOCH; PROFILES
# (where NAME.mk is) and OUTROOT (instead of out/).

PROFILES ?= profiles
OUTROOT ?= out

ifneq ($(PROFILE),)
ifeq ($(wildcard $(PROFILES)/$(PROFILE).mk),)
$(error $(PROFILES)/$(PROFILE).mk: no such profile)
endif
include $(PROFILES)/$(PROFILE).mk

OUT := $(OUTROOT)/$(PROFILE)
PROFILE_MK := $(PROFILES)/$(PROFILE).mk
PBIN := $(CURDIR)/$(B)/bin
CACHE ?= $(OUTROOT)/cache
KERNEL ?= $(ARCH)
DEVKEY := $(OUTROOT)/keys/db.key
DEVCERT := $(OUTROOT)/keys/db.crt
SIGN_KEY = $(if $(KEY),$(KEY),$(DEVKEY))
SIGN_CERT = $(if $(CERT),$(CERT),$(DEVCERT))
ADDITIONS := $(wildcard $(PROFILES)/$(PROFILE))

# pkgroot's options for this profile.
PKGROOT = $(PBIN)/pkgroot -f -c $(CACHE) -r $(RELEASE) -a $(ARCH) \
	$(if $(MIRROR),-m $(MIRROR)) $(if $(KEYRING),-K $(KEYRING)) \
	$(if $(UPDATE),-u)

all: profile

ifeq ($(KIND),initrd)
profile: $(OUT)/initrd.cpio.zst $(OUT)/manifest.json $(OUT)/sbom.spdx.json \
	$(OUT)/kver
	@$(MAKE) --no-print-directory PROFILE=$(PROFILE) \
	    KVER=$$(cat $(OUT)/kver) profile-kernel
endif

# What the package steps were run with: a change of LOCK, MIRROR, KERNEL
# and the like reruns them (as build/.flags does for the compiler), and
# UPDATE=1 always does.
$(OUT)/pkgroot.flags: FORCE
	@mkdir -p $(@D)
	@echo '$(PKGROOT) LOCK=$(LOCK) KERNEL_LOCK=$(KERNEL_LOCK) KERNEL=$(KERNEL)' | \
	  { if [ -n "$(UPDATE)" ]; then cat >$@; else cmp -s - $@ || \
	    echo '$(PKGROOT) LOCK=$(LOCK) KERNEL_LOCK=$(KERNEL_LOCK) KERNEL=$(KERNEL)' >$@; fi; }

# The package root and its spec, rebuilt when the profile or lock changes.
$(OUT)/root.mtree $(OUT)/packages.tsv &: $(PROFILE_MK) $(LOCK) $(PBIN)/pkgroot \
	$(OUT)/pkgroot.flags
	@mkdir -p $(OUT)
	$(call msg,PKGROOT,$(OUT)/root) $(PKGROOT) $(if $(LOCK),-L $(LOCK)) \
	    $(foreach x,$(EXCLUDE),-x '$(x)') -p $(OUT)/packages.tsv \
	    -o $(OUT)/root $(PACKAGES) >$(OUT)/root.mtree.tmp && \
	  mv $(OUT)/root.mtree.tmp $(OUT)/root.mtree

# What the maintainer scripts would have done, made in the root by the
# tools systemd ships for that (they only write files), then moved out
# into config/ so that root/ stays what pkgroot made. Modes are set here,
# not left to the umask. ld.so.cache is not made (ldconfig -r needs
# chroot, so root): Debian's ld.so searches the multiarch directories.
$(OUT)/config.stamp: $(OUT)/root.mtree
	$(call msg,CONFIG,$(OUT)/config) set -e; r=$(OUT)/root; c=$(OUT)/config; \
	  rm -rf $$c $$c.tmp; mkdir -p $$c.tmp/etc; touch $(OUT)/config.start; \
	  { grep -E '^(NAME|ID|ID_LIKE|VERSION_ID|VERSION_CODENAME|PRETTY_NAME)=' \
	      $$r/usr/lib/os-release; \
	    echo 'VARIANT="initkit initrd"'; echo VARIANT_ID=initkit; } \
	    >$$c.tmp/etc/initrd-release; \
	  ln -s usr/lib/systemd/systemd $$c.tmp/init; mkdir -p $$r/etc; \
	  SOURCE_DATE_EPOCH=$(SOURCE_DATE_EPOCH) SYSTEMD_LOG_LEVEL=warning \
	    systemd-sysusers --root=$$r >/dev/null; \
	  SYSTEMD_LOG_LEVEL=warning systemctl --root=$$r preset-all >/dev/null 2>&1; \
	  (cd $$r && find etc -newer ../config.start \( -type f -o -type l \) -print) | \
	  while read -r f; do mkdir -p $$c.tmp/$${f%/*}; mv $$r/$$f $$c.tmp/$$f; done; \
	  find $$c.tmp -type d -exec chmod 0755 {} +; \
	  find $$c.tmp -type f -exec chmod 0644 {} +; \
	  chmod 0000 $$c.tmp/etc/shadow $$c.tmp/etc/gshadow 2>/dev/null || :; \
	  rm -f $(OUT)/config.start $$c.tmp/etc/.pwd.lock; mv $$c.tmp $$c; touch $@

$(OUT)/initrd.cpio.zst: $(OUT)/root.mtree $(OUT)/config.stamp $(PBIN)/mkcpio \
	$(ADDITIONS)
	$(call msg,MKCPIO,$@) $(PBIN)/mkcpio -f -t $(SOURCE_DATE_EPOCH) \
	    -z $(COMPRESS) -o $@ $(OUT)/root.mtree $(OUT)/config $(ADDITIONS)

$(OUT)/manifest.json: $(OUT)/packages.tsv $(PBIN)/manifest
	$(call msg,MANIFEST,$@) SOURCE_DATE_EPOCH=$(SOURCE_DATE_EPOCH) \
	    $(PBIN)/manifest -f -F json -n $(PROFILE) -o $@ $<

$(OUT)/sbom.spdx.json: $(OUT)/packages.tsv $(PBIN)/manifest
	$(call msg,MANIFEST,$@) SOURCE_DATE_EPOCH=$(SOURCE_DATE_EPOCH) \
	    $(PBIN)/manifest -f -F spdx -n $(PROFILE) -o $@ $<

# The kernel, the stub and firmware: packages too, never the host's.
$(OUT)/kernel.mtree $(OUT)/kernel.tsv $(OUT)/kver &: $(PROFILE_MK) \
	$(KERNEL_LOCK) $(PBIN)/pkgroot $(OUT)/pkgroot.flags
	@mkdir -p $(OUT)
	$(call msg,PKGROOT,$(OUT)/kernel) $(PKGROOT) \
	    $(if $(KERNEL_LOCK),-L $(KERNEL_LOCK)) -x '/usr/share/*' \
	    -p $(OUT)/kernel.tsv -o $(OUT)/kernel linux-image-$(KERNEL) \
	    systemd-boot-efi firmware-linux-free >$(OUT)/kernel.mtree.tmp && \
	  set -- $(OUT)/kernel/boot/vmlinuz-* && [ -f "$$1" ] && [ $$# -eq 1 ] || \
	    { echo "$(OUT)/kernel: not one /boot/vmlinuz-*" >&2; exit 1; }; \
	  echo $${1##*/vmlinuz-} >$(OUT)/kver.tmp && \
	  mv $(OUT)/kernel.mtree.tmp $(OUT)/kernel.mtree && mv $(OUT)/kver.tmp $(OUT)/kver

# A development key when none is configured; outputs signed with it say so.
$(DEVKEY) $(DEVCERT) &:
	@mkdir -p $(@D)
	$(call msg,KEYS,$(@D)) umask 077 && openssl req -x509 -newkey rsa:2048 \
	    -nodes -keyout $(DEVKEY).tmp -out $(DEVCERT).tmp -days 3650 \
	    -subj '/CN=initkit development key (not for production)' 2>/dev/null && \
	  mv $(DEVCERT).tmp $(DEVCERT) && mv $(DEVKEY).tmp $(DEVKEY)

keys: $(if $(KEY),,$(DEVKEY))

# The second stage, once the kernel release is known.
ifneq ($(KVER),)
profile-kernel: $(OUT)/modules-$(KVER).cpio.zst $(OUT)/$(KVER).efi

$(OUT)/modules.mtree: $(OUT)/kernel.mtree $(PBIN)/modroot $(PROFILE_MK)
	$(call msg,MODROOT,$(OUT)/modules) $(PBIN)/modroot -f \
	    -t $(SOURCE_DATE_EPOCH) -r $(KVER) $(foreach m,$(MODULES),-m '$(m)') \
	    -F $(OUT)/kernel -o $(OUT)/modules $(OUT)/kernel >$@.tmp 2>$@.err && \
	  mv $@.tmp $@; rc=$$?; grep -v 'firmware .* not found' $@.err >&2; \
	  rm -f $@.err; exit $$rc

$(OUT)/modules-$(KVER).cpio.zst: $(OUT)/modules.mtree $(PBIN)/mkcpio
	$(call msg,MKCPIO,$@) $(PBIN)/mkcpio -f -t $(SOURCE_DATE_EPOCH) \
	    -z $(COMPRESS) -o $@ $<

$(OUT)/$(KVER).efi: $(OUT)/initrd.cpio.zst $(OUT)/modules-$(KVER).cpio.zst \
	$(PBIN)/mkuki $(PROFILE_MK) $(if $(KEY),,$(DEVKEY))
	$(if $(KEY),,@echo "  NOTE    $@: signed with the development key $(DEVKEY)")
	$(call msg,MKUKI,$@) $(PBIN)/mkuki -f \
	    -s $(OUT)/kernel/usr/lib/systemd/boot/efi/linuxx64.efi.stub \
	    -l $(OUT)/kernel/boot/vmlinuz-$(KVER) -u $(KVER) \
	    -i $(OUT)/initrd.cpio.zst \
	    -i $(OUT)/modules-$(KVER).cpio.zst -C '$(CMDLINE)' \
	    -r $(OUT)/root/usr/lib/os-release -k $(SIGN_KEY) -c $(SIGN_CERT) -o $@
endif

clean-profile:
	rm -rf $(OUT)

.PHONY: profile profile-kernel keys clean-profile
endif
