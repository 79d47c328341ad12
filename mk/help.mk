# make help: the targets and the knobs, each knob with its value here.

define HELP
usage: make [TARGET...] [KNOB=value...]

Targets:
  all                  the tools, into $(B)/bin (the default without PROFILE=)
  PROFILE=NAME         out/NAME/ from $(PROFILES)/NAME.mk (all with PROFILE=)
  clean                $(B)/; with PROFILE=NAME [ARCH=]: that profile's output
  keys                 the development signing key, $(OUTROOT)/keys/db.key and db.crt
  creds                with PROFILE= CREDS=dir: each file of dir as an encrypted credential
  qemu                 with PROFILE=: boot its signed UKI (an extension's base, a root's
                       INITRD) under qemu + UEFI on this terminal, a root shell on the
                       console; Ctrl-a x quits (mk/qemu.mk)
  sysext               with SYSEXT_NAME= SYSEXT_SPEC= SYSEXT_KEY= SYSEXT_CERT=: a signed
                       system extension image (mk/sysext.mk)
  confext              the same, a configuration extension (/etc; systemd 254 and later)
  deps                 install every build and test dependency (Debian 12, apt-get)
  check                build, then run the tests (tests/run)
  check-unit           only the unit tests (tests/unit/), seconds
  check-boot           only the boot test, ARCH=amd64 or arm64, RELEASE=
  check-boot-matrix    the generic initrd booted against many roots (about 20 minutes)
  lint                 mandoc -Tlint on every man page
  fuzz                 every fuzz target for FUZZ_TIME seconds (mk/fuzz.mk)
  fuzz-build           only build the fuzz targets
  install              the tools, man pages, rule chains and profiles, kernel-install plugin
  install-tools        its parts: the tools and man pages,
  install-chains       the rule chains and their scripts, config.mk,
  install-profiles     the profiles,
  install-plugin       the kernel-install plugin
  uninstall            remove what install put there
  deb                  initkit's Debian packages, built twice (the same bytes), then
                       lintian, into $(B)/deb/1 (debian/, mk/deb.mk)
  deb-test             their autopkgtest on this machine (installs, then purges them)
  help                 this

Knobs of config.mk (now):
  PREFIX=$(PREFIX)
  BINDIR=$(BINDIR)
  MANDIR=$(MANDIR)
  DATADIR=$(DATADIR)
  KERNELINSTALLDIR=$(KERNELINSTALLDIR)
  DESTDIR=$(DESTDIR)
  CC=$(CC)
  CFLAGS=$(CFLAGS)
  LDFLAGS=$(LDFLAGS)
  WERROR=$(WERROR)
                       1: warnings are errors (on in CI)
  SANITIZE=$(SANITIZE)
                       1: AddressSanitizer and UndefinedBehaviorSanitizer, into build/san
  V=$(V)
                       1: full command lines
  PKGS=$(PKGS)
  COMPRESS=$(COMPRESS)
  SOURCE_DATE_EPOCH=$(SOURCE_DATE_EPOCH)
                       the time outputs bear; empty: that of the newest file
                       the packages installed

Knobs of the profile chain (mk/profile.mk):
  PROFILES=$(PROFILES)
                       where NAME.mk is; there: $(PROFILE_NAMES)
  O=DIR, OUTROOT=$(OUTROOT)
                       where outputs go
  ARCH=amd64|arm64     build for that architecture, into out/NAME-ARCH
  RELEASE=bookworm|trixie|forky
                       build from that Debian release (default trixie, Debian's
                       stable), into out/NAME-RELEASE
                       (both given: out/NAME-RELEASE-ARCH)
  SOURCES=FILE         apt sources the release's suites come from
                       (default profiles/debian.sources)
  KEY=, CERT=          signing key and certificate (PEM or PKCS#11 URI)
  MIRROR=, KEYRING=    one archive instead of SOURCES (its suite RELEASE), and a
                       keyring to trust
  CACHE=               apt's state and the downloads (default OUTROOT/cache)
  LOCK=, KERNEL_LOCK=  a packages.tsv or kernel.tsv to install exactly
  BASE_LOCK=           an extension's: the packages.tsv of its base's build
  KERNEL=              the kernel flavour or version: linux-image-KERNEL
  MODULE_SETS=         debian-basic: more drivers in the modules cpio, for the
                       initrd extensions that need them (bluetooth,
                       graphical, speech: profiles/modules-SET.list)
  UCODE=yes|no         amd64: the CPU microcode (intel-microcode, amd64-microcode)
                       in the UKI, as its stub wants it (default yes)
  COMPONENTS=          the archive components the packages come from (default
                       main, and non-free-firmware for UCODE=yes)
  UPDATE=1             refresh the package lists
  CREDS=, CRED_KEY=    credentials to encrypt (make creds), and with what key
  ADDON_CMDLINE_X=     kernel command line words: a signed PE addon beside the UKI,
                       out/NAME/NAME-X.addon.efi (systemd-boot-efi 254 and later)

Knobs of make qemu (mk/qemu.mk):
  ROOT=                a GPT disk image to boot as the root (not written; default:
                       debian-root's image, built when missing)
  EXTENSIONS=          profiles (built when missing) or .raw images beside the UKI
  SECUREBOOT=1         Secure Boot: systemd-boot enrolls new PK and KEK, a db of
                       CERT and the development key's
  QEMU_CMDLINE=, QEMU_ARGS=
                       more kernel command line words, more qemu arguments
  ACCEL=auto|kvm|tcg   KVM when it runs a guest here (auto), else TCG
  MEM=                 the machine's memory in MiB (default 2048)
  INITRD=              for a KIND=root profile: the initrd profile (debian-basic)

Knobs of the tests: B= (the build the tests run), FUZZ_TIME=, FUZZ_TARGETS=
endef

help:
	$(info $(HELP))
	@:

.PHONY: help
