/*
 * fuzz.h: what the fuzz harnesses (tests/fuzz/TARGET.c) share, built
 * both as libFuzzer targets (clang, build/fuzz/) and as replay drivers of
 * the regression inputs (the normal compiler, $(B)/tests/fuzz/).
 *
 * The tools end on bad input through err(3)/errx(3) from wherever they
 * are. common.c defines err, errx, verr, verrx, warn and friends in the
 * executable, which interposes libc's: while an input runs they longjmp
 * back to the harness (FUZZ_RUN), so a refused input is a normal outcome
 * and the next input runs in the same process. What the interrupted code
 * held is then released by fuzz_end(): its open descriptors are closed,
 * the working directory restored, and the heap blocks it allocated and
 * never freed are released, as the exit of a tool would: sanitizer builds
 * of the tools do no leak check after a failure exit (bin/lib/sanitize.c).
 * A leak on a path that succeeds is still reported, and so is a
 * descriptor left open by one.
 *
 * Releasing them is right only when the code under test keeps nothing
 * allocated in an input beyond it: a harness warms such state up before
 * the first input (common.c: OpenSSL's SHA-256 and error state; tree.h:
 * spec.c's private directory) or shows that no error exit follows its
 * making (pe.c: what a signature check fetches).
 * LeakSanitizer's alternative, __lsan_ignore_object, was tried and
 * dropped: every refused input then costs libFuzzer a leak check of the
 * whole heap (100 times slower) and the ignored blocks pile up.
 */
#ifndef FUZZ_H
#define FUZZ_H

#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>

extern jmp_buf fuzz_jmp;

/* Start an input: arm the error exits, track allocations and descriptors. */
void fuzz_begin(void);
/* End it; failed says whether it ended through an error exit. */
void fuzz_end(int failed);
/*
 * Run stmt with error exits armed; ok becomes 1 if it finished, 0 if an
 * error exit ended it. stmt should be a call: locals of the caller that it
 * changes are indeterminate after the longjmp.
 */
#define FUZZ_RUN(ok, stmt) do {						\
	fuzz_begin();							\
	if (setjmp(fuzz_jmp) == 0) {					\
		stmt;							\
		fuzz_end(0);						\
		(ok) = 1;						\
	} else {							\
		fuzz_end(1);						\
		(ok) = 0;						\
	}								\
} while (0)

/* The last error message (for harnesses that expect a particular one). */
extern char fuzz_errmsg[512];

/* A private directory for this process, removed at exit; its fd. */
const char *fuzz_tmpdir(void);
int fuzz_tmpfd(void);
/* "dir/name" in the private directory, a new string. */
char *fuzz_path(const char *name);
/* Write buf to path (created or truncated); exits on failure. */
void fuzz_write(const char *path, const void *buf, size_t len);
/* The little-endian number of n (at most 8) bytes at p. */
uint64_t fuzz_le(const uint8_t *p, int n);

/* Stop with a message: a wrong result is a crash for the fuzzer. */
void fuzz_fail(const char *fmt, ...) __attribute__((noreturn,
    format(printf, 1, 2)));

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#endif
