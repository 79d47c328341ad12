/*
 * Unit tests for bin/lib/err*.c: each library's error state comes out as
 * one line "tool: object: problem", exit 1; usage errors exit 2.
 */
#include <archive.h>
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
crypt_fail(void *arg)
{
	errx_crypt(-ENOENT, arg);
}

static void
usage_fail(void *arg)
{
	errx_usage("-z %s: unknown compressor", (char *)arg);
}

int
main(void)
{
	exits(1, "err: x.tar: Failed to open '/nonexistent/x.tar'",
	    archive_fail, "x.tar", "libarchive error with the object named");
	exits(1, "err: key.pem: No such file or directory", ssl_fail,
	    "key.pem", "OpenSSL queue: the earliest error, the cause");
	exits(1, "err: key.pem: failed", ssl_empty, "key.pem",
	    "OpenSSL with an empty queue still says something");
	exits(1, "err: /dev/vda: No such file or directory", crypt_fail,
	    "/dev/vda", "libcryptsetup negative errno");
	exits(2, "err: -z lz4: unknown compressor", usage_fail, "lz4",
	    "usage error exits 2");
	return unit_done();
}
