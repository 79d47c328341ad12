/*
 * common.c: the error exits, allocation and descriptor bookkeeping and
 * private directory of the fuzz harnesses (see fuzz.h for the policy).
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>

#include "initkit.h"
#include "fuzz.h"

jmp_buf fuzz_jmp;
char fuzz_errmsg[512];
static volatile int armed;
static pthread_t armed_thread;

/*
 * The sanitizer runtime's interface (compiler-rt and GCC's libasan); weak,
 * so that a build without sanitizers does no bookkeeping (and leaks what
 * a refused input held, which no one checks there).
 */
typedef void (*malloc_hook)(const volatile void *, size_t);
typedef void (*free_hook)(const volatile void *);
int __sanitizer_install_malloc_and_free_hooks(malloc_hook, free_hook)
    __attribute__((weak));

static void
vmsg(int errnum, const char *fmt, va_list ap)
{
	int n = snprintf(fuzz_errmsg, sizeof(fuzz_errmsg), "%s: ",
	    program_invocation_short_name);

	if (fmt != NULL && n >= 0 && (size_t)n < sizeof(fuzz_errmsg))
		n += vsnprintf(fuzz_errmsg + n, sizeof(fuzz_errmsg) - n, fmt,
		    ap);
	if (errnum >= 0 && n >= 0 && (size_t)n < sizeof(fuzz_errmsg))
		snprintf(fuzz_errmsg + n, sizeof(fuzz_errmsg) - n, "%s%s",
		    fmt ? ": " : "", strerror(errnum));
	if (!armed || getenv("FUZZ_VERBOSE") != NULL)
		fprintf(stderr, "%s\n", fuzz_errmsg);
}

static void __attribute__((noreturn))
escape(int eval)
{
	if (armed && pthread_equal(pthread_self(), armed_thread)) {
		armed = 0;
		longjmp(fuzz_jmp, 1);
	}
	if (armed) {
		/* No way back from another thread: that is a finding. */
		fprintf(stderr, "error exit in a second thread: %s\n",
		    fuzz_errmsg);
		abort();
	}
	exit(eval);
}

void
vwarn(const char *fmt, va_list ap)
{
	vmsg(errno, fmt, ap);
}

void
vwarnx(const char *fmt, va_list ap)
{
	vmsg(-1, fmt, ap);
}

void
verr(int eval, const char *fmt, va_list ap)
{
	vmsg(errno, fmt, ap);
	escape(eval);
}

void
verrx(int eval, const char *fmt, va_list ap)
{
	vmsg(-1, fmt, ap);
	escape(eval);
}

void
warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn(fmt, ap);
	va_end(ap);
}

void
warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarnx(fmt, ap);
	va_end(ap);
}

void
err(int eval, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verr(eval, fmt, ap);
}

void
errx(int eval, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verrx(eval, fmt, ap);
}

void
fuzz_fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "fuzz: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

/*
 * Heap blocks allocated while an input runs and not yet freed: a hash set
 * of addresses (open addressing; a freed one leaves a tombstone until the
 * input ends). Hooks run inside malloc and free, in any thread, so they
 * take a spin lock and never allocate.
 */
#define NSLOT	(1u << 18)
#define TOMB	((const void *)1)
static const void *slots[NSLOT];
static uint32_t used[NSLOT];	/* slots filled during this input */
static size_t nused;
static volatile int tracking;
static atomic_flag lock = ATOMIC_FLAG_INIT;

static uint32_t
slot_of(const void *p)
{
	return (uint32_t)(((uintptr_t)p >> 4) * 0x9e3779b97f4a7c15ULL >> 46);
}

static void
on_malloc(const volatile void *p, size_t size)
{
	uint32_t i;

	(void)size;
	if (!tracking || p == NULL)
		return;
	while (atomic_flag_test_and_set_explicit(&lock, memory_order_acquire))
		;
	/* A full set stops tracking: those blocks may be reported. */
	if (nused < NSLOT / 4 * 3) {
		for (i = slot_of((const void *)p); slots[i] != NULL &&
		    slots[i] != TOMB; i = (i + 1) % NSLOT)
			;
		if (slots[i] == NULL)
			used[nused++] = i;
		slots[i] = (const void *)p;
	}
	atomic_flag_clear_explicit(&lock, memory_order_release);
}

static void
on_free(const volatile void *p)
{
	uint32_t i;

	if (!tracking || p == NULL)
		return;
	while (atomic_flag_test_and_set_explicit(&lock, memory_order_acquire))
		;
	for (i = slot_of((const void *)p); slots[i] != NULL;
	    i = (i + 1) % NSLOT)
		if (slots[i] == p) {
			slots[i] = TOMB;
			break;
		}
	atomic_flag_clear_explicit(&lock, memory_order_release);
}

/* Descriptors open when an input starts (those stay), and the cwd. */
#define NFD 1024
static unsigned char basefd[NFD];
static int lowfd, nbase, cwdfd = -1;
static struct stat cwdst;

static void
setup(void)
{
	if (cwdfd >= 0)
		return;
	if ((cwdfd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0 ||
	    fstat(cwdfd, &cwdst) < 0) {
		perror("fuzz: .");
		abort();
	}
	/*
	 * OpenSSL builds its provider and algorithm tables at first use:
	 * not in an input that may fail, whose blocks would be released
	 * under them (fuzz.h). SHA-256 is what verity.c, digest.c and pe.c
	 * use; an error on the queue makes its per-thread state.
	 */
	{
		unsigned char md[32];

		if (EVP_Digest("", 0, md, NULL, EVP_sha256(), NULL) != 1)
			fuzz_fail("OpenSSL: no SHA-256");
		ERR_raise(ERR_LIB_USER, ERR_R_PASSED_NULL_PARAMETER);
		ERR_clear_error();
	}
	if (__sanitizer_install_malloc_and_free_hooks != NULL)
		__sanitizer_install_malloc_and_free_hooks(on_malloc, on_free);
}

void
fuzz_begin(void)
{
	setup();
	/* What is open now (libFuzzer opens files between inputs) up to a
	 * gap of 16 closed numbers. */
	lowfd = -1;
	for (int gap = nbase = 0; nbase < NFD && gap < 16; nbase++) {
		basefd[nbase] = fcntl(nbase, F_GETFD) >= 0;
		gap = basefd[nbase] ? 0 : gap + 1;
		if (!basefd[nbase] && lowfd < 0)
			lowfd = nbase;
	}
	fuzz_errmsg[0] = '\0';
	armed_thread = pthread_self();
	armed = 1;
	tracking = 1;
}

void
fuzz_end(int failed)
{
	struct stat st;

	armed = 0;
	tracking = 0;
	while (atomic_flag_test_and_set_explicit(&lock, memory_order_acquire))
		;
	for (size_t k = 0; k < nused; k++) {
		const void *p = slots[used[k]];

		if (failed && p != TOMB)
			free((void *)p);
		slots[used[k]] = NULL;
	}
	nused = 0;
	atomic_flag_clear_explicit(&lock, memory_order_release);

	/* Descriptors: new ones end after a gap of 16 closed numbers. */
	for (int fd = lowfd, gap = 0; fd < NFD && gap < 16; fd++) {
		if (fd < nbase && basefd[fd]) {
			gap = 0;
			continue;
		}
		if (fcntl(fd, F_GETFD) < 0) {
			gap++;
			continue;
		}
		gap = 0;
		if (!failed)
			fuzz_fail("descriptor %d left open by a successful "
			    "run", fd);
		close(fd);
	}
	if (failed) {
		if (fchdir(cwdfd) < 0)
			fuzz_fail("fchdir: %s", strerror(errno));
	} else if (stat(".", &st) < 0 || st.st_dev != cwdst.st_dev ||
	    st.st_ino != cwdst.st_ino)
		fuzz_fail("a successful run left the working directory");
}

static char *tmpdir;
static int tmpfd = -1;

static void
rm_tmpdir(void)
{
	if (tmpdir != NULL)
		rmtree_at(AT_FDCWD, tmpdir);
}

const char *
fuzz_tmpdir(void)
{
	if (tmpdir == NULL) {
		const char *t = getenv("TMPDIR");

		tmpdir = xasprintf("%s/initkit-fuzz.XXXXXX", t && *t ? t :
		    "/tmp");
		if (mkdtemp(tmpdir) == NULL ||
		    (tmpfd = open(tmpdir, O_RDONLY | O_DIRECTORY |
		    O_CLOEXEC)) < 0) {
			perror(tmpdir);
			abort();
		}
		atexit(rm_tmpdir);
	}
	return tmpdir;
}

int
fuzz_tmpfd(void)
{
	fuzz_tmpdir();
	return tmpfd;
}

char *
fuzz_path(const char *name)
{
	return xasprintf("%s/%s", fuzz_tmpdir(), name);
}

void
fuzz_write(const char *path, const void *buf, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0 || (len > 0 && write(fd, buf, len) != (ssize_t)len) ||
	    close(fd) < 0)
		fuzz_fail("%s: %s", path, strerror(errno));
}

uint64_t
fuzz_le(const uint8_t *p, int n)
{
	uint64_t v = 0;

	while (n-- > 0)
		v = v << 8 | p[n];
	return v;
}
