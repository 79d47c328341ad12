# make check: build the tools and the unit tests, then run tests/run;
# make check-boot [ARCH=arm64] [RELEASE=trixie]: only the boot test, for
# amd64 or arm64, of the profiles' default release or the one given.
# make check-boot-matrix [RELEASE=bookworm]: the generic initrd against the
# roots people have (tests/matrix/*.t and the TPM unlock, tests/tpm.t,
# about 20 minutes; not part of check).
# make check-unit: the unit tests alone (tests/unit/), seconds, with
# nothing but the build's dependencies (the package build runs them).
# make lint: mandoc -Tlint on every man page, the tools' and the formats'.

UNITSRC := $(wildcard tests/unit/*.c)
UNITS := $(UNITSRC:tests/unit/%.c=$(B)/tests/unit/%)

$(B)/tests/unit/%: tests/unit/%.c tests/unit/unit.h $(LIBA) $(SANOBJ) $(B)/.flags
	@mkdir -p $(@D)
	$(call msg,CC,$@) $(CC) $(ALL_CFLAGS) -Itests/unit -MMD -MP \
		$(ALL_LDFLAGS) -o $@ $< $(SANOBJ) $(LIBA) $(LDLIBS)

MANS := $(wildcard bin/*.1 bin/*.5)

lint:
	$(call msg,LINT,$(MANS)) mandoc -Tlint -W warning $(MANS)

# The TPM unlock (tests/tpm.t) runs with check-boot and check-boot-matrix,
# not here. SANITIZE=1 leaves the boot tests out too (boot.t, qemu.t):
# their images are built by the same sanitized tools in
# tests/reproducible.t, and nothing sanitized runs in the guest (the
# boots take a quarter of the pass).
check: all $(UNITS)
	@B=$(CURDIR)/$(B) tests/run $(filter-out tests/tpm.t \
	    $(if $(SANITIZE),tests/boot.t tests/qemu.t),$(wildcard tests/*.t)) $(UNITS)

check-unit: $(UNITS)
	@B=$(CURDIR)/$(B) tests/run $(UNITS)

# The boot test alone (part of check too, for amd64), and for amd64 the
# TPM unlock (tpm.t) beside it.
check-boot: all
	@B=$(CURDIR)/$(B) INITKIT_ARCH=$(BOOT_ARCH) \
	    INITKIT_RELEASE=$(if $(filter command line,$(origin RELEASE)),$(RELEASE)) \
	    tests/run tests/boot.t $(if $(filter amd64,$(BOOT_ARCH)),tests/tpm.t)

# The matrix, and the root unlocked through the TPM (tpm.t) with it: it
# runs beside the matrix's longest script and adds no time.
check-boot-matrix: all
	@B=$(CURDIR)/$(B) \
	    INITKIT_RELEASE=$(if $(filter command line,$(origin RELEASE)),$(RELEASE)) \
	    tests/run tests/matrix/*.t tests/tpm.t

# ARCH from the command line only: kernel builders export ARCH=x86_64.
BOOT_ARCH = $(if $(filter command line,$(origin ARCH)),$(ARCH),amd64)

.PHONY: check check-unit check-boot check-boot-matrix lint
