/*
 * Unit tests for bin/lib/err*.c: each library's error state comes out as
 * one line "tool: object: problem", exit 1; usage errors exit 2; the line
 * is short and has no control characters whatever it quotes
 * (err-line.c). The expected lines are spelt out by hand.
 */
#include <archive.h>
#include <err.h>
#include <errno.h>

#include <openssl/bio.h>
#include <openssl/err.h>

#include "initkit.h"
#include "unit.h"

static void
archive_fail(void *arg)
{
	struct archive *a = archive_read_new();

	archive_read_support_format_all(a);
	if (archive_read_open_filename(a, "/nonexistent/x.tar", 10240) !=
	    ARCHIVE_OK)
		errx_archive(a, arg);
}

static void
ssl_fail(void *arg)
{
	/* Two errors queued: the system error first, then BIO's. */
	if (BIO_new_file("/nonexistent/key.pem", "r") == NULL)
		errx_ssl(arg);
}

static void
ssl_empty(void *arg)
{
	ERR_clear_error();
	errx_ssl(arg);
}

static void
usage_fail(void *arg)
{
	errx_usage("-z %s: unknown compressor", (char *)arg);
}

static void
long_word(void *arg)
{
	errx(1, "%s: too long", (char *)arg);
}

static void
errno_word(void *arg)
{
	errno = ENOENT;
	err(1, "%s", (char *)arg);
}

static void
warn_then_exit(void *arg)
{
	warnx("first %s", (char *)arg);
	exit(3);
}

/* n copies of s. */
static char *
rep(const char *s, int n)
{
	static char buf[8][1024];
	static int k;
	char *b = buf[k++ % 8];

	b[0] = '\0';
	while (n-- > 0)
		strcat(b, s);
	return b;
}

int
main(void)
{
	char word[512], want[512];

	exits(1, "err: x.tar: Failed to open '/nonexistent/x.tar'",
	    archive_fail, "x.tar", "libarchive error with the object named");
	exits(1, "err: key.pem: No such file or directory", ssl_fail,
	    "key.pem", "OpenSSL queue: the earliest error, the cause");
	exits(1, "err: key.pem: failed", ssl_empty, "key.pem",
	    "OpenSSL with an empty queue still says something");
	exits(2, "err: -z lz4: unknown compressor", usage_fail, "lz4",
	    "usage error exits 2");

	/* A word of 160 bytes, its colon counted, stays whole. */
	snprintf(word, sizeof(word), "%s", rep("p", 159));
	snprintf(want, sizeof(want), "err: %s: too long\n", rep("p", 159));
	exits(1, want, long_word, word, "a word of 160 bytes is kept");
	/* The word is "aaa...xxx...bbb:", 162 bytes with its colon. */
	snprintf(word, sizeof(word), "%s%s%s", rep("a", 64), rep("x", 33),
	    rep("b", 64));
	snprintf(want, sizeof(want), "err: %s...%s: too long\n", rep("a", 64),
	    rep("b", 63));
	exits(1, want, long_word, word,
	    "a word of 162 bytes: its first 64 and last 64 (with the colon)");
	/*
	 * 60 three-byte characters and the colon, 181 bytes: the head ends
	 * before byte 64, inside the 22nd character, so at 63; the tail
	 * starts at byte 117, a character's first.
	 */
	snprintf(word, sizeof(word), "%s", rep("\xe2\x82\xac", 60));
	snprintf(want, sizeof(want), "err: %s...%s: too long\n",
	    rep("\xe2\x82\xac", 21), rep("\xe2\x82\xac", 21));
	exits(1, want, long_word, word,
	    "UTF-8 is cut between characters, not inside one");
	exits(1, "err: a\\012b\\033[2K\\177: too long\n", long_word,
	    "a\nb\033[2K\177", "control characters come out as \\ooo");
	/* "/d/d/.../d/" of 401 bytes, then ": No such file or directory". */
	snprintf(word, sizeof(word), "/%s", rep("d/", 200));
	snprintf(want, sizeof(want), "err: /%sd.../%s: No such file or "
	    "directory\n", rep("d/", 31), rep("d/", 31));
	exits(1, want, errno_word, word, "err(): a long path, then strerror");
	exits(3, "err: first a\\011b\n", warn_then_exit, "a\tb",
	    "warnx: the same line, no exit");
	return unit_done();
}
