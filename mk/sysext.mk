# The extension chain: a tree spec becomes NAME.sysext.raw (or, with
# SYSEXT_CLASS=confext, NAME.confext.raw), a GPT image of squashfs +
# dm-verity hash tree + verity signature, as the Discoverable Partitions
# Specification lays out a root with verity.
#
#   make sysext SYSEXT_NAME=debug SYSEXT_SPEC=debug.mtree \
#       SYSEXT_KEY=key.pem SYSEXT_CERT=cert.pem [SYSEXT_ID=debian]
#       [SYSEXT_VERSION_ID=12 | SYSEXT_LEVEL=...] [SYSEXT_SCOPE="system initrd"]
#       [SYSEXT_ARCH=x86-64] [SYSEXT_SEED=uuid] [SYSEXT_OUT=out/NAME]
#       [SYSEXT_DIRS="dir..."] [SYSEXT_CLASS=sysext|confext]
#   make confext ...   the same, SYSEXT_CLASS=confext
#
# A system extension (systemd-sysext) keeps only /usr and /opt of the
# spec, a configuration extension (systemd-confext, systemd 254 and
# later) only /etc, and each carries its release file where its systemd
# looks (libexec/extension says which), with the keys SYSEXT_ or
# CONFEXT_SCOPE and _LEVEL (os-release(5), systemd-sysext(8)).
# SYSEXT_DIRS are directories of files added over the spec (a profile's
# NAME/), holding nothing but usr/ and opt/ (etc/ for a confext):
# anything else would be left out of the merge unseen, so it is an
# error. Each step writes one file through a temporary name; times are
# clamped to SOURCE_DATE_EPOCH, without it to the newest time in the spec.

SYSEXT_NAME ?=
SYSEXT_SPEC ?=
SYSEXT_KEY ?=
SYSEXT_CERT ?=
SYSEXT_ID ?= _any
SYSEXT_VERSION_ID ?=
SYSEXT_LEVEL ?=
SYSEXT_SCOPE ?= system initrd portable
SYSEXT_ARCH ?= x86-64
SYSEXT_SEED ?=
SYSEXT_OUT ?= out/$(SYSEXT_NAME)
SYSEXT_DIRS ?=
SYSEXT_CLASS ?= $(if $(filter confext,$(MAKECMDGOALS)),confext,sysext)
ifeq ($(filter sysext confext,$(SYSEXT_CLASS)),)
$(error SYSEXT_CLASS=$(SYSEXT_CLASS): an extension is a sysext or a confext)
endif

SX := $(SYSEXT_OUT)
SXBIN := $(TOOLBIN)
SX_EPOCH = $(if $(SOURCE_DATE_EPOCH),$(SOURCE_DATE_EPOCH),$$($(call newest,$(SYSEXT_SPEC))))
# The prefix of the class's release keys.
SX_KEY := $(if $(filter confext,$(SYSEXT_CLASS)),CONFEXT,SYSEXT)
# The added files, so that an edit there rebuilds (symlinks left out, as
# in profile.mk).
SX_DIR_FILES := $(if $(SYSEXT_DIRS),$(shell find $(SYSEXT_DIRS) \( -type f -o -type d \) -print))

sysext confext: $(SX)/$(SYSEXT_NAME).$(SYSEXT_CLASS).raw

$(SX)/extension-release: FORCE
	@mkdir -p $(@D)
	$(call msg,GEN,$@) { echo ID=$(SYSEXT_ID); \
	  $(if $(SYSEXT_VERSION_ID),echo VERSION_ID=$(SYSEXT_VERSION_ID);) \
	  $(if $(SYSEXT_LEVEL),echo $(SX_KEY)_LEVEL=$(SYSEXT_LEVEL);) \
	  echo '$(SX_KEY)_SCOPE=$(SYSEXT_SCOPE)'; echo ARCHITECTURE=$(SYSEXT_ARCH); } >$@.tmp && \
	  { cmp -s $@.tmp $@ && rm $@.tmp || mv $@.tmp $@; }

# The spec: "." and what is under the directories the class merges,
# then the release file (libexec/extension).
$(SX)/$(SYSEXT_CLASS).mtree: $(SYSEXT_SPEC) $(SX)/extension-release \
	$(LIBEXEC)/extension
	$(if $(SYSEXT_NAME),,$(error SYSEXT_NAME is not set))
	$(if $(SYSEXT_SPEC),,$(error SYSEXT_SPEC is not set))
	$(call msg,SPEC,$@) $(LIBEXEC)/extension spec $(SYSEXT_CLASS) \
	    $(SYSEXT_NAME) $(SX_EPOCH) $(SX)/extension-release $(SYSEXT_SPEC) \
	    >$@.tmp && mv $@.tmp $@

$(SX)/fs.img: $(SX)/$(SYSEXT_CLASS).mtree $(SXBIN)/mksqfs $(SX_DIR_FILES)
	$(if $(SYSEXT_DIRS),@$(LIBEXEC)/extension dirs $(SYSEXT_CLASS) $(SYSEXT_DIRS))
	$(call msg,MKSQFS,$@) $(SXBIN)/mksqfs -f -t $(SX_EPOCH) -o $@ $< $(SYSEXT_DIRS)

$(SX)/hash.img $(SX)/roothash &: $(SX)/fs.img $(SXBIN)/mkverity
	$(call msg,MKVERITY,$(SX)/hash.img) $(SXBIN)/mkverity -f \
	  $(if $(SYSEXT_SEED),-S $(SYSEXT_SEED)) -o $(SX)/hash.img $< >$(SX)/roothash.tmp && \
	  mv $(SX)/roothash.tmp $(SX)/roothash

$(SX)/sig.img: $(SX)/roothash $(SYSEXT_KEY) $(SYSEXT_CERT) $(SXBIN)/pkcs7sign
	$(if $(SYSEXT_KEY),,$(error SYSEXT_KEY is not set))
	$(call msg,SIGN,$@) $(SXBIN)/pkcs7sign -f -j -k $(SYSEXT_KEY) -c $(SYSEXT_CERT) -o $@ $<

$(SX)/$(SYSEXT_NAME).$(SYSEXT_CLASS).raw: $(SX)/fs.img $(SX)/hash.img $(SX)/sig.img $(SXBIN)/mkgpt
	$(call msg,MKGPT,$@) $(SXBIN)/mkgpt -f -a $(SYSEXT_ARCH) $(if $(SYSEXT_SEED),-S $(SYSEXT_SEED)) \
	  -o $@ root=$(SX)/fs.img root-verity=$(SX)/hash.img root-verity-sig=$(SX)/sig.img

.PHONY: sysext confext
