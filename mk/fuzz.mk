# Fuzzing (issue 11): one libFuzzer target per parser, harnesses in
# tests/fuzz/TARGET.c:
#
#   spec    the tree-spec reader; a spec it takes is written and read back
#   cpio    random specs through cpio_write, read back with libarchive
#   deb     .deb reader and tar unpacker; sentinels beside the root
#   tsv     the packages.tsv reader and writer (pkgroot, manifest)
#   pe      mkuki's PE paths: kernel release, stub version, SBAT, -I
#   gpt     mkgpt -V (bin/lib/gpt.c)
#   verity  the verity superblock and mkverity -V (bin/lib/verity.c)
#   json    the JSON writer; its output parsed back to the calls made
#   ucode   mkucode's Intel and AMD microcode readers
#
#   make fuzz [FUZZ_TIME=60] [FUZZ_TARGETS="spec cpio"] [FUZZ_JOBS=N]
#
# builds each target with clang -fsanitize=fuzzer,address,undefined into
# build/fuzz/ (the library too, in build/fuzz/lib/), makes a seed corpus
# from our own tools and real inputs (build/fuzz/seeds/, tests/fuzz/seeds.sh),
# runs each target for FUZZ_TIME seconds, FUZZ_JOBS targets at once (one
# per CPU unless given) (-max_total_time, -timeout=10,
# leak detection on) on its working corpus build/fuzz/corpus/TARGET with a
# private directory on /dev/shm, keeps its log in build/fuzz/TARGET.log,
# prints one line per target and writes build/fuzz/summary.tsv, one line
# "target<TAB>executions<TAB>crashes" per target, no header. It fails if
# any target crashed, leaked, hung or found a wrong result; the input is
# left as build/fuzz/crash/TARGET-*. Such an input, minimised, goes to
# tests/fuzz/corpus/TARGET/ beside the fix: make check replays every file
# there through $(B)/tests/fuzz/TARGET, the same harness built with $(CC)
# and a plain main() (tests/fuzz.t). Errors and leaks: tests/fuzz/fuzz.h.
# The harnesses are plain LLVMFuzzerTestOneInput ones, so AFL++ should
# build them too (FUZZ_CC=afl-clang-fast); that is not tried here.

FUZZ_TIME ?= 60
FUZZ_TARGETS ?= spec deb tsv pe gpt verity json cpio ucode
FUZZ_CC ?= clang
FB := build/fuzz

# A harness may take a second source (FUZZ_EXTRA_TARGET); none compiles
# a tool's .c in: what they test is in the library.
FUZZ_HDRS := tests/fuzz/fuzz.h tests/fuzz/tree.h
fuzz_src = tests/fuzz/$(1).c tests/fuzz/common.c $(FUZZ_EXTRA_$(1))

FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=undefined \
	-fno-omit-frame-pointer
FUZZ_CFLAGS := -std=c11 -D_GNU_SOURCE -DINITKIT_VERSION='"$(VERSION)"' -g -O1 -Wall -Wextra $(if $(WERROR),-Werror) \
	-Wno-unused-parameter $(FUZZ_SAN) -Ibin/lib -Itests/fuzz $(PKG_CFLAGS)
FUZZ_LIBOBJ := $(LIBSRC:bin/lib/%.c=$(FB)/lib/%.o)
FUZZ_BINS := $(FUZZ_TARGETS:%=$(FB)/%)

$(FB)/lib/%.o: bin/lib/%.c bin/lib/initkit.h
	@mkdir -p $(@D)
	$(call msg,CLANG,$@) $(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link \
	    -c -o $@ $<

$(FB)/lib/libinitkit.a: $(FUZZ_LIBOBJ)
	$(call msg,AR,$@) rm -f $@ && ar rcs $@ $^

define fuzz_rules
$(FB)/$(1): $(call fuzz_src,$(1)) $(FUZZ_HDRS) \
	$(FB)/lib/libinitkit.a
	$$(call msg,FUZZLD,$$@) $(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer \
	    -o $$@ $(call fuzz_src,$(1)) $(FB)/lib/libinitkit.a $(LDLIBS)

$(B)/tests/fuzz/$(1): $(call fuzz_src,$(1)) \
	tests/fuzz/replay.c $(FUZZ_HDRS) $(LIBA) $(SANOBJ) $(B)/.flags
	@mkdir -p $$(@D)
	$$(call msg,CC,$$@) $(CC) $(ALL_CFLAGS) -Itests/fuzz $(ALL_LDFLAGS) \
	    -o $$@ $(call fuzz_src,$(1)) tests/fuzz/replay.c $(SANOBJ) \
	    $(LIBA) $(LDLIBS)
endef
$(foreach t,$(FUZZ_TARGETS),$(eval $(call fuzz_rules,$(t))))

fuzz-build: $(FUZZ_BINS)

fuzz: all $(FUZZ_BINS)
	@B=$(CURDIR)/$(B) tests/fuzz/seeds.sh $(FB)/seeds $(FUZZ_TARGETS)
	@tests/fuzz/run.sh $(FB) $(FUZZ_TIME) $(FUZZ_TARGETS)

# The replay drivers, built like the unit tests and run by make check.
FUZZ_REPLAY := $(FUZZ_TARGETS:%=$(B)/tests/fuzz/%)

check: $(FUZZ_REPLAY)

.PHONY: fuzz fuzz-build
