# The profile chain: make PROFILE=NAME builds out/NAME/ from
# profiles/NAME.mk, which only declares (KIND, RELEASE, ARCH, PACKAGES,
# EXCLUDE, OMIT, MODULES, CMDLINE, BASE, ...). One step, one file under
# out/NAME/, each through a temporary name; every output depends on the
# profile and the tools that make it, so a second make does nothing.
#
# KIND=initrd:
#   root/ root.mtree packages.tsv   pkgroot of PACKAGES (LOCK= pins them),
#                                   less the paths EXCLUDE globs match and
#                                   the dependencies OMIT names (pkgroot -x,
#                                   -N: taken as installed, not installed)
#   config/                         what maintainer scripts would have made:
#                                   /etc/initrd-release, /init, users and
#                                   groups (systemd-sysusers), unit presets
#   initrd.cpio.zst                 mkcpio of image.mtree (root.mtree less
#                                   /var/run, /var/lock) + config/ + profiles/NAME/
#   kernel/ kernel.mtree kernel.tsv pkgroot of the kernel, systemd-boot-efi,
#                                   free firmware and (amd64, UCODE=yes) the
#                                   CPU microcode (KERNEL_LOCK= pins them)
#   modules-KVER.cpio.zst           modroot MODULES | mkcpio
#   ucode.cpio                      mkucode: the early microcode (UCODE=yes)
#   KVER.efi                        mkuki: stub + kernel + both initrds (+ the
#                                   microcode: .ucode, or first in .initrd
#                                   for a stub before 256), signed
#   NAME-X.addon.efi                mkuki -a: a PE addon of ADDON_CMDLINE_X, signed
#   tools/ tools.tsv                (ARCH not this machine's) the image's
#                                   systemd for this machine, which makes config/
#   manifest.json sbom.spdx.json    manifest of packages.tsv
#   epoch kernel.epoch              the time the outputs bear
#
# KIND=sysext, KIND=confext: NAME.sysext.raw, NAME.confext.raw (mk/sysext.mk)
# of what the BASE profile lacks; KIND=root: NAME.raw, a verity root.
#
# Knobs (config.mk or the command line): RELEASE (trixie, the default;
# bookworm; forky), SOURCES (apt sources of every release: profiles/debian.sources)
# or MIRROR (one suite), KEY, CERT (PEM or PKCS#11 URI;
# without them a development key from "make keys"), KEYRING,
# PCR_KEY (PEM or PKCS#11 URI: the UKI carries PCR 11 policies signed
# with it, mkuki -K, for disks enrolled against its public key; best not
# KEY) and PCR_BANKS (mkuki -B, default sha256),
# CACHE, LOCK, KERNEL_LOCK, BASE_LOCK (an extension's base's LOCK),
# KERNEL (a kernel flavour or version:
# linux-image-$(KERNEL)), COMPONENTS (the archive components, pkgroot
# -C), UCODE (yes or no: the CPU microcode in the UKI), UPDATE=1
# (refresh the package lists: without it the lists of the last run are
# used), SOURCE_DATE_EPOCH (without it,
# epoch and kernel.epoch: the dates of the packages); PROFILES
# (where NAME.mk is) and OUTROOT or O (instead of out/); ARCH (amd64 or
# arm64) on the command line builds the profile for that architecture
# into out/NAME-ARCH (RELEASE= into out/NAME-RELEASE, both
# out/NAME-RELEASE-ARCH): packages, kernel and stub of that architecture from
# the same archive, nothing of theirs run on this machine.

PROFILES ?= profiles
OUTROOT ?= $(if $(O),$(O),out)
PROFILE_NAMES = $(sort $(patsubst %.mk,%,$(notdir $(wildcard $(PROFILES)/*.mk))))

# A development key when none is configured; outputs signed with it say
# so. The key is private (0600), the certificate public (0644): it is
# what a machine enrolls, and what an initrd carries in /etc/verity.d.
DEVKEY := $(OUTROOT)/keys/db.key
DEVCERT := $(OUTROOT)/keys/db.crt
$(DEVKEY) $(DEVCERT) &:
	@mkdir -p $(@D)
	$(call msg,KEYS,$(@D)) umask 077 && openssl req -x509 -newkey rsa:2048 \
	    -nodes -keyout $(DEVKEY).tmp -out $(DEVCERT).tmp -days 3650 \
	    -subj '/CN=initkit development key (not for production)' 2>/dev/null && \
	  chmod 644 $(DEVCERT).tmp && \
	  mv $(DEVCERT).tmp $(DEVCERT) && mv $(DEVKEY).tmp $(DEVKEY)

keys: $(if $(KEY),,$(DEVKEY))

ifneq ($(PROFILE),)
ifeq ($(wildcard $(PROFILES)/$(PROFILE).mk),)
$(error $(PROFILES)/$(PROFILE).mk: no such profile; profiles: $(PROFILE_NAMES))
endif
MK_BEFORE_PROFILE := $(MAKEFILE_LIST)
include $(PROFILES)/$(PROFILE).mk
PROFILE_MK := $(PROFILES)/$(PROFILE).mk
# The profile's makefile and the profiles it includes, the included
# first: a profile built on another takes its files (NAME/, NAME.RELEASE/)
# and puts its own over them.
reverse = $(if $(1),$(call reverse,$(wordlist 2,$(words $(1)),$(1))) $(firstword $(1)))
PROFILE_MKS := $(strip $(call reverse,$(filter-out $(MK_BEFORE_PROFILE),$(MAKEFILE_LIST))))

# The Debian architecture, and what UEFI (the stub's and boot loader's
# names) and the Discoverable Partitions Specification call it.
ifeq ($(ARCH),amd64)
EFI_ARCH := x64
DPS_ARCH := x86-64
else ifeq ($(ARCH),arm64)
EFI_ARCH := aa64
DPS_ARCH := arm64
else
$(error $(PROFILE_MK): ARCH=$(ARCH): initkit builds for amd64 and arm64)
endif
# The Debian release: the profile's RELEASE, else Debian's stable (13,
# trixie; bookworm is oldstable and forky testing). Each
# release's package names differ where its packages did (the profiles
# say so), and files only one release's systemd needs are in
# profiles/NAME.RELEASE/, added to profiles/NAME/.
RELEASES := bookworm trixie forky
RELEASE ?= trixie
ifeq ($(filter $(RELEASE),$(RELEASES)),)
$(error $(PROFILE_MK): RELEASE=$(RELEASE): initkit builds $(RELEASES))
endif
# RELEASE= and ARCH= on the command line (ARCH=amd64 too) build into
# out/NAME-RELEASE-ARCH (each part only when given), beside the
# profile's own build.
SUFFIX := $(if $(filter command line,$(origin RELEASE)),-$(RELEASE))$(if \
	$(filter command line,$(origin ARCH)),-$(ARCH))
OUT := $(OUTROOT)/$(PROFILE)$(SUFFIX)
PBIN := $(TOOLBIN)
CACHE ?= $(OUTROOT)/cache
KERNEL ?= $(ARCH)
SIGN_KEY = $(if $(KEY),$(KEY),$(DEVKEY))
SIGN_CERT = $(if $(CERT),$(CERT),$(DEVCERT))
ADDITIONS := $(wildcard $(foreach m,$(PROFILE_MKS),$(m:.mk=) $(m:.mk=).$(RELEASE)))
# What is in it, so that an edit there rebuilds (symlinks left out: make
# would follow one that points into the image, not into this tree).
ADDITION_FILES := $(if $(ADDITIONS),$(shell find $(ADDITIONS) \( -type f -o -type d \) -print))

# Early CPU microcode (amd64): Debian's intel-microcode and
# amd64-microcode, in non-free-firmware, into the UKI (UCODE=no: not).
UCODE ?= yes
ifeq ($(filter yes no,$(UCODE)),)
$(error $(PROFILE_MK): UCODE=$(UCODE): yes or no)
endif
UCODE_PACKAGES_amd64 := intel-microcode amd64-microcode
UCODE_PACKAGES := $(if $(filter yes,$(UCODE)),$(UCODE_PACKAGES_$(ARCH)))
# The archive components every package step of the profile uses (one
# set, so that the root's and the kernel's share apt's package lists):
# main, and non-free-firmware for the microcode.
COMPONENTS ?= main $(if $(UCODE_PACKAGES),non-free-firmware)
ifneq ($(UCODE_PACKAGES),)
ifeq ($(filter non-free-firmware,$(COMPONENTS)),)
$(error $(PROFILE_MK): UCODE=yes takes the microcode from non-free-firmware: add it to COMPONENTS ($(COMPONENTS)), or UCODE=no)
endif
endif

# pkgroot -C's separator (mk/tools.mk's comma is not in the installed
# chain).
COMPONENT_SEP := ,

# pkgroot's options for this profile: the release's suites from SOURCES
# (its updates and security too), or its one suite from MIRROR; their
# COMPONENTS.
SOURCES ?= $(INITKIT_DATA)/profiles/debian.sources
PKGROOT_FOR = $(PBIN)/pkgroot -f -c $(CACHE) -r $(RELEASE) -a $(1) \
	$(if $(MIRROR),-m $(MIRROR),-S $(SOURCES)) \
	-C $(subst $() ,$(COMPONENT_SEP),$(strip $(COMPONENTS))) \
	$(if $(KEYRING),-K $(KEYRING)) $(if $(UPDATE),-u)
PKGROOT = $(call PKGROOT_FOR,$(ARCH))

all: profile

# Image identities (GPT, verity) derived from the profile's name.
SEED = $$(printf %s '$(PROFILE)$(SUFFIX)' | sha256sum | cut -c1-32)
BASE_OUT := $(if $(BASE),$(OUTROOT)/$(BASE)$(SUFFIX))
BASE_TSV := $(if $(BASE),$(BASE_OUT)/packages.tsv)

# The addons the profile or the command line asks for (below).
ADDON_NAMES := $(sort $(patsubst ADDON_CMDLINE_%,%,$(filter ADDON_CMDLINE_%,$(.VARIABLES))))
ADDONS := $(if $(filter initrd,$(KIND)),$(ADDON_NAMES:%=$(OUT)/$(PROFILE)-%.addon.efi))

ifeq ($(KIND),initrd)
profile: $(OUT)/initrd.cpio.zst $(OUT)/manifest.json $(OUT)/sbom.spdx.json \
	$(OUT)/kver $(ADDONS)
	+@$(SUBMAKE) PROFILE=$(PROFILE) \
	    KVER=$$(cat $(OUT)/kver 2>/dev/null) profile-kernel
endif

# PE addons beside the UKI: each ADDON_CMDLINE_X (in the profile or on
# the command line) becomes $(OUT)/$(PROFILE)-X.addon.efi, a stub-less PE
# of the kernel release's addon stub (systemd-boot-efi 254 and later)
# holding those command line words in .cmdline, signed with the UKI's
# key. systemd-stub 257 adds a signed addon's words to the UKI's command
# line when it lies in KVER.efi.extra.d/ (or /loader/addons/ for every
# UKI), and refuses one the firmware's db does not accept.
ADDON_STUB = $(OUT)/kernel/usr/lib/systemd/boot/efi/addon$(EFI_ARCH).efi.stub
$(ADDON_NAMES:%=$(OUT)/addon-%.flags): FORCE
	@mkdir -p $(@D)
	@printf '%s\n' '$(ADDON_CMDLINE_$(patsubst $(OUT)/addon-%.flags,%,$@))' >$@.new; \
	  if cmp -s $@.new $@; then rm $@.new; else mv $@.new $@; fi
$(OUT)/$(PROFILE)-%.addon.efi: $(OUT)/addon-%.flags $(OUT)/kernel.mtree \
	$(PBIN)/mkuki $(if $(KEY),,$(DEVKEY))
	@[ -f $(ADDON_STUB) ] || { echo "$(OUT)/kernel: no $(notdir $(ADDON_STUB))" \
	    "for ADDON_CMDLINE_$*: systemd-boot-efi 254 and later have addons" \
	    "(RELEASE=$(RELEASE))" >&2; exit 1; }
	$(if $(KEY),,@echo "  NOTE    $@: signed with the development key $(DEVKEY)")
	$(call msg,MKUKI,$@) $(PBIN)/mkuki -a -f -s $(ADDON_STUB) \
	    -C '$(ADDON_CMDLINE_$*)' -k $(SIGN_KEY) -c $(SIGN_CERT) -o $@

# KIND=sysext: what the BASE profile lacks, as a signed extension image
# through mk/sysext.mk, matched against the base's os-release, with the
# files under profiles/NAME/ (usr/ and opt/ only: all an extension merges).
# KIND=confext: the same for /etc, a configuration extension (systemd 254
# and later: trixie's 257 merges it, bookworm's 252 does not know it):
# the packages' /etc and profiles/NAME/etc/. A confext of local
# configuration need name no package (PACKAGES empty): its image bears
# the base's date.
ifneq ($(filter sysext confext,$(KIND)),)
SYSEXT_SCOPE ?= system
# The base's sub-make has its own lock, BASE_LOCK: LOCK= of the command
# line (the extension's packages.tsv) would reach it too, and remake the
# base from the extension's list.
profile:
	+@$(SUBMAKE) PROFILE=$(BASE) LOCK=$(BASE_LOCK) $(BASE_TSV) $(BASE_OUT)/epoch
	+@$(SUBMAKE) PROFILE=$(PROFILE) profile-image

profile-image: $(OUT)/$(PROFILE).$(KIND).raw $(OUT)/manifest.json \
	$(OUT)/sbom.spdx.json

# A confext for a base whose systemd predates them is refused
# (libexec/extension base).
$(OUT)/$(PROFILE).$(KIND).raw: $(OUT)/root.mtree $(OUT)/epoch $(PROFILE_MKS) \
	$(if $(KEY),,$(DEVKEY)) $(ADDITION_FILES)
	$(if $(filter confext,$(KIND)),@$(LIBEXEC)/extension base $(KIND) $(PROFILE) $(BASE_TSV))
	+@$(SUBMAKE) PROFILE= $(KIND) SYSEXT_CLASS=$(KIND) SYSEXT_NAME=$(PROFILE) \
	    SYSEXT_SPEC=$(OUT)/root.mtree SYSEXT_OUT=$(OUT) SYSEXT_DIRS='$(ADDITIONS)' \
	    SYSEXT_KEY=$(SIGN_KEY) SYSEXT_CERT=$(SIGN_CERT) \
	    SYSEXT_ID=$$(sed -n 's/^ID=//p' $(BASE_OUT)/root/usr/lib/os-release) \
	    SYSEXT_VERSION_ID=$$(sed -n 's/^VERSION_ID=//p' $(BASE_OUT)/root/usr/lib/os-release | tr -d '"') \
	    SYSEXT_SCOPE='$(SYSEXT_SCOPE)' SYSEXT_ARCH=$(DPS_ARCH) SYSEXT_SEED=$(SEED) \
	    SOURCE_DATE_EPOCH=$(EPOCH)
	$(if $(KEY),,@echo "  NOTE    $@: signed with the development key $(DEVKEY)")
endif

# KIND=root: the whole tree as a verity-protected, signed GPT image (root,
# root-verity, root-verity-sig), the layout systemd-gpt-auto-generator and
# systemd-dissect find a root in.
ifeq ($(KIND),root)
profile: $(OUT)/$(PROFILE).raw $(OUT)/manifest.json $(OUT)/sbom.spdx.json

$(OUT)/fs.img: $(OUT)/root.mtree $(OUT)/config.stamp $(OUT)/epoch \
	$(PBIN)/mksqfs $(ADDITION_FILES)
	$(call msg,MKSQFS,$@) $(PBIN)/mksqfs -f -t $(EPOCH) \
	    -o $@ $(OUT)/image.mtree $(OUT)/config $(ADDITIONS)

$(OUT)/hash.img $(OUT)/roothash &: $(OUT)/fs.img $(PBIN)/mkverity
	$(call msg,MKVERITY,$(OUT)/hash.img) $(PBIN)/mkverity -f -S $(SEED) \
	    -o $(OUT)/hash.img $< >$(OUT)/roothash.tmp && \
	  mv $(OUT)/roothash.tmp $(OUT)/roothash

$(OUT)/sig.img: $(OUT)/roothash $(PBIN)/pkcs7sign $(if $(KEY),,$(DEVKEY))
	$(call msg,SIGN,$@) $(PBIN)/pkcs7sign -f -j -k $(SIGN_KEY) \
	    -c $(SIGN_CERT) -o $@ $<

$(OUT)/$(PROFILE).raw: $(OUT)/fs.img $(OUT)/hash.img $(OUT)/sig.img \
	$(PBIN)/mkgpt
	$(call msg,MKGPT,$@) $(PBIN)/mkgpt -f -a $(DPS_ARCH) -S $(SEED) -o $@ \
	    root=$(OUT)/fs.img root-verity=$(OUT)/hash.img \
	    root-verity-sig=$(OUT)/sig.img
	$(if $(KEY),,@echo "  NOTE    $@: signed with the development key $(DEVKEY)")
endif

# What the package steps were run with: a change of LOCK, MIRROR, KERNEL,
# OMIT and the like reruns them (as build/.flags does for the compiler),
# and UPDATE=1 always does. (OMIT only when given, so that the line of a
# profile without it stays what it was.)
# The root's and the kernel's apart: another KERNEL rebuilds only the
# kernel's outputs.
# uki.flags: the UKI's signing knobs, so that a new key signs it again
# (hashed: a PKCS#11 URI may hold a PIN).
FLAGS_LINE = $(if $(filter %uki.flags,$@),KEY=$(KEY) CERT=$(CERT) PCR_KEY=$(PCR_KEY) PCR_BANKS=$(PCR_BANKS),$(PKGROOT) $(if $(filter %kernel.flags,$@),KERNEL_LOCK=$(KERNEL_LOCK) KERNEL=$(KERNEL) UCODE=$(UCODE_PACKAGES),LOCK=$(LOCK)$(if $(strip $(OMIT)), OMIT=$(strip $(OMIT)))))
$(OUT)/pkgroot.flags $(OUT)/kernel.flags $(OUT)/uki.flags: FORCE
	@mkdir -p $(@D)
	@echo '$(FLAGS_LINE)' $(if $(filter %uki.flags,$@),| sha256sum) >$@.new; \
	  if [ -z "$(UPDATE)" ] && cmp -s $@.new $@; then rm $@.new; else mv $@.new $@; fi

# The package root and its spec, rebuilt when the profile or lock changes.
# An extension of no packages (a confext of local configuration): an
# empty root, dated as its base.
$(OUT)/root.mtree $(OUT)/packages.tsv &: $(PROFILE_MKS) $(LOCK) $(PBIN)/pkgroot \
	$(OUT)/pkgroot.flags $(BASE_TSV)
	@mkdir -p $(OUT)
ifneq ($(strip $(PACKAGES)),)
	$(call msg,PKGROOT,$(OUT)/root) $(PKGROOT) $(if $(LOCK),-L $(LOCK)) \
	    $(if $(BASE_TSV),-b $(BASE_TSV)) \
	    $(foreach x,$(EXCLUDE),-x '$(x)') $(foreach n,$(OMIT),-N $(n)) \
	    -p $(OUT)/packages.tsv \
	    -o $(OUT)/root $(PACKAGES) >$(OUT)/root.mtree.tmp && \
	  mv $(OUT)/root.mtree.tmp $(OUT)/root.mtree
else
	$(if $(BASE),,$(error $(PROFILE_MK): PACKAGES is empty: only an extension (with a BASE) may have none))
	$(call msg,GEN,$(OUT)/root) rm -rf $(OUT)/root && mkdir -p $(OUT)/root && \
	  : >$(OUT)/packages.tsv && \
	  printf '#mtree\n. type=dir mode=0755 uid=0 gid=0 time=%s.0\n' \
	    "$$(cat $(BASE_OUT)/epoch)" >$(OUT)/root.mtree.tmp && \
	  mv $(OUT)/root.mtree.tmp $(OUT)/root.mtree
endif

# The time the outputs bear: SOURCE_DATE_EPOCH when given, else that of
# the newest file the packages installed (a Debian package's files bear
# its changelog's date), so that an image and its SBOM are dated by their
# newest package, and a rebuild from the lock dates them the same. The
# kernel's outputs bear the kernel packages' own (kernel.epoch): another
# root leaves them alone. Rewritten only when it changes, like the flags.
EPOCH = $$(cat $(OUT)/epoch)
KERNEL_EPOCH = $$(cat $(OUT)/kernel.epoch)
$(OUT)/epoch: $(OUT)/root.mtree FORCE
$(OUT)/kernel.epoch: $(OUT)/kernel.mtree FORCE
$(OUT)/epoch $(OUT)/kernel.epoch:
	@$(if $(SOURCE_DATE_EPOCH),echo $(SOURCE_DATE_EPOCH),$(call newest,$<)) >$@.new; \
	  if cmp -s $@.new $@; then rm $@.new; else mv $@.new $@; fi

# What the maintainer scripts would have done: config/ and image.mtree
# (libexec/image-config says what they hold), made by the tools systemd
# ships for that (they only write files) on a scratch copy of the root.
# The tools are the image's own systemd's, run through the image's
# dynamic loader and libraries when the image is of this machine's
# architecture and has them. An image of another architecture gets the
# same systemd (the image's version, of this machine's architecture) from
# the same archive: pkgroot installs it into $(OUT)/tools/, whose loader
# runs it, with --root on the image. An image without them (a profile of
# no systemd) gets the host's.
HOST_ARCH := $(shell dpkg --print-architecture 2>/dev/null)
TOOLS_ARCH := $(if $(filter $(HOST_ARCH),$(ARCH)),$(ARCH),$(HOST_ARCH))
TOOLS_ROOT := $(if $(filter $(HOST_ARCH),$(ARCH)),$(OUT)/root,$(OUT)/tools)

# The image's systemd for this machine, when the image is of another
# architecture and has systemd's tools (else no tools/): the version the
# image's packages.tsv lists, without /usr/share.
$(OUT)/tools.stamp: $(OUT)/packages.tsv $(OUT)/pkgroot.flags $(PBIN)/pkgroot \
	$(LIBEXEC)/image-tools
	$(call msg,PKGROOT,$(OUT)/tools) $(LIBEXEC)/image-tools $(OUT) \
	    $(call PKGROOT_FOR,$(HOST_ARCH)) && touch $@

$(OUT)/config.stamp: $(OUT)/root.mtree $(OUT)/epoch \
	$(if $(filter initrd,$(KIND)),$(SIGN_CERT)) \
	$(if $(filter $(HOST_ARCH),$(ARCH)),,$(OUT)/tools.stamp) \
	$(LIBEXEC)/image-config
	$(call msg,CONFIG,$(OUT)/config) $(LIBEXEC)/image-config \
	    $(if $(filter initrd,$(KIND)),-I $(SIGN_CERT)) \
	    $(if $(TOOLS_ARCH),-a $(TOOLS_ARCH) -r $(TOOLS_ROOT)) $(OUT) && touch $@

$(OUT)/initrd.cpio.zst: $(OUT)/root.mtree $(OUT)/config.stamp $(OUT)/epoch \
	$(PBIN)/mkcpio $(ADDITION_FILES)
	$(call msg,MKCPIO,$@) $(PBIN)/mkcpio -f -t $(EPOCH) \
	    -z $(COMPRESS) -o $@ $(OUT)/image.mtree $(OUT)/config $(ADDITIONS)

# An extension's manifests carry its extension-release, and say what it
# is as mkosi's output_format does.
EXTREL := $(if $(filter sysext confext,$(KIND)),$(OUT)/$(PROFILE).$(KIND).raw)

$(OUT)/manifest.json: $(OUT)/packages.tsv $(OUT)/epoch $(PBIN)/manifest \
	$(EXTREL)
	$(call msg,MANIFEST,$@) SOURCE_DATE_EPOCH=$(EPOCH) \
	    $(PBIN)/manifest -f -F json -a $(ARCH) -n $(PROFILE) -r $(RELEASE) \
	    $(if $(EXTREL),-O $(KIND) -e $(OUT)/extension-release) -o $@ $<

$(OUT)/sbom.spdx.json: $(OUT)/packages.tsv $(OUT)/epoch $(PBIN)/manifest \
	$(EXTREL)
	$(call msg,MANIFEST,$@) SOURCE_DATE_EPOCH=$(EPOCH) \
	    $(PBIN)/manifest -f -F spdx -n $(PROFILE) \
	    $(if $(EXTREL),-e $(OUT)/extension-release) -o $@ $<

# The kernel, the stub, firmware and microcode: packages too, never the
# host's.
$(OUT)/kernel.mtree $(OUT)/kernel.tsv $(OUT)/kver &: $(PROFILE_MKS) \
	$(KERNEL_LOCK) $(PBIN)/pkgroot $(OUT)/kernel.flags $(LIBEXEC)/kernel-release
	@mkdir -p $(OUT)
	$(call msg,PKGROOT,$(OUT)/kernel) $(PKGROOT) \
	    $(if $(KERNEL_LOCK),-L $(KERNEL_LOCK)) -x '/usr/share/*' \
	    -p $(OUT)/kernel.tsv -o $(OUT)/kernel linux-image-$(KERNEL) \
	    systemd-boot-efi firmware-linux-free $(UCODE_PACKAGES) \
	    >$(OUT)/kernel.mtree.tmp && \
	  $(LIBEXEC)/kernel-release $(OUT)/kernel >$(OUT)/kver.tmp && \
	  mv $(OUT)/kernel.mtree.tmp $(OUT)/kernel.mtree && mv $(OUT)/kver.tmp $(OUT)/kver

# The second stage, once the kernel release is known. The kernel image is
# /boot/vmlinuz-KVER up to trixie, /usr/lib/modules/KVER/vmlinuz after.
ifneq ($(KVER),)
VMLINUZ = $(firstword $(wildcard $(OUT)/kernel/boot/vmlinuz-$(KVER)) \
	$(OUT)/kernel/usr/lib/modules/$(KVER)/vmlinuz)
profile-kernel: $(OUT)/modules-$(KVER).cpio.zst $(OUT)/$(KVER).efi

# The module globs as a file: a changed list (modules-generic.list is read
# by the profile, not named in it) rebuilds the modules cpio.
$(OUT)/modules.flags: FORCE
	@mkdir -p $(@D)
	@printf '%s\n' $(foreach m,$(MODULES),'$(m)') >$@.new; \
	  if cmp -s $@.new $@; then rm $@.new; else mv $@.new $@; fi

# The module lists are made for the architecture's default flavour
# (KERNEL=$(ARCH)): for another (cloud-amd64: no SATA, USB or physical
# network drivers), what it lacks of them is left out (modroot -k).
MODULES_KEEP_GOING = $(if $(filter $(ARCH),$(KERNEL)),,-k)

# The firmware the modules declare and the packages lack (most of it: a
# driver names every firmware its devices might load) is left out
# unsaid, modroot -q.

$(OUT)/modules.mtree: $(OUT)/kernel.mtree $(OUT)/kernel.epoch $(PBIN)/modroot \
	$(PROFILE_MKS) $(OUT)/modules.flags
	$(call msg,MODROOT,$(OUT)/modules) $(PBIN)/modroot -f -q \
	    -t $(KERNEL_EPOCH) -r $(KVER) $(MODULES_KEEP_GOING) \
	    $(foreach m,$(MODULES),-m '$(m)') \
	    -F $(OUT)/kernel -o $(OUT)/modules $(OUT)/kernel >$@.tmp && \
	  mv $@.tmp $@

$(OUT)/modules-$(KVER).cpio.zst: $(OUT)/modules.mtree $(OUT)/kernel.epoch \
	$(PBIN)/mkcpio
	$(call msg,MKCPIO,$@) $(PBIN)/mkcpio -f -t $(KERNEL_EPOCH) \
	    -z $(COMPRESS) -o $@ $<

# The early microcode of the packages' firmware directory: what the
# kernel loads before anything else, in the UKI where its stub wants it
# (mkuki -M: 257's .ucode, 252's first archive of .initrd).
UCODE_CPIO := $(if $(UCODE_PACKAGES),$(OUT)/ucode.cpio)
$(OUT)/ucode.cpio: $(OUT)/kernel.mtree $(OUT)/kernel.epoch $(PBIN)/mkucode
	$(call msg,MKUCODE,$@) $(PBIN)/mkucode -f -t $(KERNEL_EPOCH) -o $@ \
	    $(OUT)/kernel/usr/lib/firmware

$(OUT)/$(KVER).efi: $(OUT)/initrd.cpio.zst $(OUT)/modules-$(KVER).cpio.zst \
	$(UCODE_CPIO) $(OUT)/kernel.flags $(OUT)/uki.flags \
	$(PBIN)/mkuki $(PROFILE_MKS) $(if $(KEY),,$(DEVKEY))
	$(if $(KEY),,@echo "  NOTE    $@: signed with the development key $(DEVKEY)")
	$(call msg,MKUKI,$@) $(PBIN)/mkuki -f \
	    -s $(OUT)/kernel/usr/lib/systemd/boot/efi/linux$(EFI_ARCH).efi.stub \
	    -l $(VMLINUZ) -u $(KVER) $(if $(UCODE_CPIO),-M $(UCODE_CPIO)) \
	    -i $(OUT)/initrd.cpio.zst \
	    -i $(OUT)/modules-$(KVER).cpio.zst -C '$(CMDLINE)' \
	    -r $(OUT)/root/usr/lib/os-release -k $(SIGN_KEY) -c $(SIGN_CERT) \
	    $(if $(PCR_KEY),-K $(PCR_KEY) $(if $(PCR_BANKS),-B $(PCR_BANKS))) -o $@
else
# Under make -n the first stage only said what it would do: no kernel
# release yet, nothing to say for the second.
profile-kernel:
endif

# Local configuration as systemd credentials, made where the configuration
# lives (on the machine, with its TPM): every file in CREDS becomes
# $(OUT)/creds/NAME.cred, encrypted by systemd-creds with CRED_KEY
# (default auto-initrd: the TPM2 when there is one, else a null key, which
# the initrd's systemd 252 takes under Secure Boot too). They go beside
# the UKI on the ESP, in <uki>.efi.extra.d/; debian-basic's initkit-generator hands
# them to the units that read them (profiles/debian-basic/).
CRED_KEY ?= auto-initrd
creds:
	$(if $(CREDS),,$(error CREDS= must name a directory of credentials, one file each))
	$(call msg,CREDS,$(OUT)/creds) $(LIBEXEC)/creds $(CRED_KEY) $(CREDS) $(OUT)/creds

clean-profile:
	rm -rf $(OUT)

.PHONY: profile profile-kernel profile-image creds clean-profile
endif

.PHONY: keys
