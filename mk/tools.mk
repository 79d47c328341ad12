# Build the tools in bin/ and the shared library bin/lib/ (Kbuild-style quiet
# output, V=1 for full commands, rebuild when flags change).

.DEFAULT_GOAL := all

B := build$(if $(SANITIZE),/san)
# B=build/san alone (as the tests give it to make) is the sanitizer build
# too: without this a profile test would rebuild it without sanitizers.
ifneq ($(filter %/san,$(B)),)
override SANITIZE := 1
endif

TOOLS := $(patsubst bin/%.c,%,$(wildcard bin/*.c))
LIBSRC := $(filter-out bin/lib/sanitize.c,$(wildcard bin/lib/*.c))
LIBOBJ := $(LIBSRC:bin/lib/%.c=$(B)/lib/%.o)
# Linked into every program of a sanitizer build (see the file).
SANOBJ := $(if $(SANITIZE),$(B)/lib/sanitize.o)
LIBA := $(B)/lib/libinitkit.a

# The libraries (config.mk's PKGS): a missing one stops make, named,
# before any compiler error it would cause; not for the goals that build
# nothing with them (make deps installs them).
NOLIB_GOALS := deps help clean uninstall lint deb deb-test
ifneq ($(filter-out $(NOLIB_GOALS),$(or $(MAKECMDGOALS),all)),)
ifeq ($(shell pkg-config --exists $(PKGS) 2>/dev/null && echo y),)
PKGS_MISSING := $(strip $(foreach p,$(PKGS),$(if $(shell pkg-config --exists $(p) 2>/dev/null && echo y),,$(p))))
$(error pkg-config finds no $(PKGS_MISSING) (PKGS of config.mk)$(if $(shell command -v pkg-config),, and is not installed): make deps installs them)
endif
endif
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

comma := ,
SAN_FLAGS := $(if $(SANITIZE),-fsanitize=address$(comma)undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
# The release, from the VERSION file: what --version and the SBOMs say.
VERSION := $(strip $(file <VERSION))
ALL_CFLAGS := -std=c11 -D_GNU_SOURCE -DINITKIT_VERSION='"$(VERSION)"' \
	-Wall -Wextra -Wshadow -Wno-unused-parameter \
	$(if $(WERROR),-Werror) $(CFLAGS) $(SAN_FLAGS) -Ibin/lib $(PKG_CFLAGS)
ALL_LDFLAGS := $(LDFLAGS) $(SAN_FLAGS) -Wl,--as-needed
LDLIBS := $(PKG_LIBS) -lpthread

all: $(TOOLS:%=$(B)/bin/%)

# Objects depend on the exact flags used: a change of CFLAGS, SANITIZE or
# WERROR rebuilds everything.
$(B)/.flags: FORCE
	@mkdir -p $(@D)
	@echo '$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) $(LDLIBS)' | cmp -s - $@ || \
		echo '$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) $(LDLIBS)' > $@

$(B)/lib/%.o: bin/lib/%.c $(B)/.flags
	@mkdir -p $(@D)
	$(call msg,CC,$@) $(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(B)/bin/%.o: bin/%.c $(B)/.flags
	@mkdir -p $(@D)
	$(call msg,CC,$@) $(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(LIBA): $(LIBOBJ)
	$(call msg,AR,$@) rm -f $@ && ar rcs $@ $^

$(B)/bin/%: $(B)/bin/%.o $(LIBA) $(SANOBJ)
	$(call msg,LD,$@) $(CC) $(ALL_LDFLAGS) -o $@ $< $(SANOBJ) $(LIBA) $(LDLIBS)

# The rule chains name the tools by absolute path (TOOLBIN, mk/common.mk):
# the same files, made by the rule above, so that make -j from a fresh
# clone knows how to make what a chain's first step needs.
$(TOOLS:%=$(CURDIR)/$(B)/bin/%): $(CURDIR)/%: % ;

# make clean: the build; make PROFILE=NAME [ARCH=] clean: what make
# PROFILE=NAME [ARCH=] builds, out/NAME or out/NAME-ARCH (mk/profile.mk).
clean:
	rm -rf $(if $(PROFILE),$(OUT),build)

.PHONY: all clean
.PRECIOUS: $(B)/bin/%.o

-include $(wildcard $(B)/lib/*.d $(B)/bin/*.d $(B)/tests/unit/*.d)
