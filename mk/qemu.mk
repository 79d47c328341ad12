# make PROFILE=NAME qemu: boot what the profile built under qemu and UEFI
# firmware on this terminal (libexec/qemu says how): the signed UKI of
# the initrd profile, with a root, the extensions named, and a root shell
# on the serial console.
#
#   KIND=initrd   its UKI, with the root ROOT (default: debian-root's
#                 image, built when missing)
#   KIND=sysext, confext (an initrd extension: SYSEXT_SCOPE initrd)
#                 BASE's UKI with the extension beside it, and ROOT
#   KIND=root     INITRD's UKI (default debian-basic) with this image as
#                 the root
#
# Knobs: ROOT=disk.raw (a GPT disk image, not written: a copy boots),
# EXTENSIONS= (profile names, built when missing, or .raw files: placed
# beside the UKI), SECUREBOOT=1 (Secure Boot, our certificates enrolled:
# the signing CERT, PEM, and the development key's), QEMU_CMDLINE= (more
# kernel command line words), QEMU_ARGS= (more qemu arguments), ACCEL=
# (auto, kvm or tcg), MEM= (MiB, default 2048). The credentials of
# make creds (the initrd profile's out/NAME/creds/) go beside the UKI.
#
# The shell: a signed PE addon beside the UKI (systemd-boot-efi 254 and
# later, so not RELEASE=bookworm) adds systemd.debug_shell= on the
# serial console (a root shell without a password, from early in the
# root's boot: the root account of debian-root stays locked), and for
# a root built here its roothash=. The addon is signed with the
# development key only, never with KEY: placed beside a UKI on a machine
# that trusts KEY, it would open a root shell there. Everything else is
# made in out/NAME/qemu/.

ifneq ($(PROFILE),)
QEMU_INITRD := $(if $(filter sysext confext,$(KIND)),$(BASE),$(if \
	$(filter root,$(KIND)),$(or $(INITRD),debian-basic),$(PROFILE)))
QEMU_ROOT_PROFILE := $(if $(ROOT),,$(if $(filter root,$(KIND)),$(PROFILE),debian-root))
QEMU_ROOT := $(or $(ROOT),$(OUTROOT)/$(QEMU_ROOT_PROFILE)$(SUFFIX)/$(QEMU_ROOT_PROFILE).raw)
QEMU_EXTS := $(if $(filter sysext confext,$(KIND)),$(PROFILE)) $(EXTENSIONS)
QEMU_INITRD_OUT := $(OUTROOT)/$(QEMU_INITRD)$(SUFFIX)
QEMU_DIR := $(OUT)/qemu
# The initrd profile's systemd-boot-efi: the loader and the addon stub.
QEMU_EFIDIR := $(QEMU_INITRD_OUT)/kernel/usr/lib/systemd/boot/efi
QEMU_ADDON_STUB := $(QEMU_EFIDIR)/addon$(EFI_ARCH).efi.stub
# The serial console as libexec/qemu names it.
QEMU_CONSOLE = $$(INITKIT_QEMU_LIB=1 . $(LIBEXEC)/qemu && qemu_machine $(ARCH) 0 && echo $$CONSOLE)

qemu: $(DEVKEY)
	$(if $(filter-out root initrd sysext confext,$(KIND)),$(error make qemu: $(PROFILE_MK): KIND=$(KIND) boots nothing))
	$(if $(filter sysext confext,$(KIND)),$(if $(filter initrd,$(SYSEXT_SCOPE)),,$(error make qemu: $(PROFILE_MK): SYSEXT_SCOPE=$(SYSEXT_SCOPE): only an initrd extension is booted beside the UKI)))
	$(if $(and $(filter 1,$(SECUREBOOT)),$(KEY)),$(if $(wildcard $(CERT)),,$(error make qemu SECUREBOOT=1: CERT=$(CERT): the certificate to enroll must be a PEM file)))
	+@$(SUBMAKE) PROFILE=$(QEMU_INITRD) profile
	+@$(if $(QEMU_ROOT_PROFILE),$(SUBMAKE) PROFILE=$(QEMU_ROOT_PROFILE) profile)
	+@set -e; for e in $(filter-out %.raw,$(QEMU_EXTS)); do \
	  $(SUBMAKE) PROFILE=$$e profile; done
	@[ -f $(QEMU_ADDON_STUB) ] || { echo "make qemu: $(QEMU_INITRD_OUT)/kernel: no" \
	    "$(notdir $(QEMU_ADDON_STUB)) for the shell's addon: systemd-boot-efi 254 and later have addons" >&2; exit 1; }
	@rm -rf $(QEMU_DIR) && mkdir -p $(QEMU_DIR)
	$(call msg,MKUKI,$(QEMU_DIR)/shell.addon.efi) c=$(QEMU_CONSOLE) && \
	  $(PBIN)/mkuki -a -s $(QEMU_ADDON_STUB) -k $(DEVKEY) -c $(DEVCERT) \
	    -C "console=$$c systemd.debug_shell=$$c$(if $(QEMU_ROOT_PROFILE), roothash=$$(cat \
	    $(OUTROOT)/$(QEMU_ROOT_PROFILE)$(SUFFIX)/roothash)) $(QEMU_CMDLINE)" \
	    -o $(QEMU_DIR)/shell.addon.efi
	@set -e; x=; for e in $(QEMU_EXTS); do \
	  case $$e in \
	  *.raw) f=$$e ;; \
	  *) f=$$(ls $(OUTROOT)/$$e$(SUFFIX)/$$e.sysext.raw $(OUTROOT)/$$e$(SUFFIX)/$$e.confext.raw 2>/dev/null | head -n 1); \
	     [ -n "$$f" ] || { echo "make qemu: EXTENSIONS: $$e built no extension image" >&2; exit 1; } ;; \
	  esac; x="$$x -x $$f"; done; \
	  for c in $(wildcard $(QEMU_INITRD_OUT)/creds/*.cred); do x="$$x -x $$c"; done; \
	  exec $(LIBEXEC)/qemu -a $(ARCH) \
	    -n "qemu: a root shell opens on the console once the root's systemd starts (systemd.debug_shell)" -w $(QEMU_DIR)/run \
	    -l $(QEMU_EFIDIR)/systemd-boot$(EFI_ARCH).efi \
	    $(if $(filter 1,$(SECUREBOOT)),-S -k $(DEVKEY) -c $(DEVCERT) $(if $(KEY),-d $(CERT))) \
	    -m $(or $(MEM),2048) -A $(or $(ACCEL),auto) -x $(QEMU_DIR)/shell.addon.efi $$x \
	    $(QEMU_INITRD_OUT)/$$(cat $(QEMU_INITRD_OUT)/kver).efi $(QEMU_ROOT) $(QEMU_ARGS)

.PHONY: qemu
endif
