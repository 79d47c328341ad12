/*
 * err-sqfs.c: libsquashfs's error codes (sqfs/error.h) as "tool: object:
 * problem"; an I/O error carries errno, which says more.
 */
#include <err.h>
#include <errno.h>
#include <string.h>

#include <sqfs/error.h>

#include "initkit.h"

void
errx_sqfs(int code, const char *obj)
{
	static const struct { int code; const char *text; } msgs[] = {
		{ SQFS_ERROR_ALLOC, "out of memory" },
		{ SQFS_ERROR_COMPRESSOR, "compressor failed" },
		{ SQFS_ERROR_INTERNAL, "internal error in libsquashfs" },
		{ SQFS_ERROR_CORRUPTED, "corrupted data" },
		{ SQFS_ERROR_UNSUPPORTED, "unsupported by squashfs" },
		{ SQFS_ERROR_OVERFLOW, "too large for squashfs" },
		{ SQFS_ERROR_OUT_OF_BOUNDS, "out of bounds" },
		{ SQFS_ERROR_SUPER_BLOCK_SIZE, "bad superblock size" },
		{ SQFS_ERROR_NOT_DIR, "not a directory" },
		{ SQFS_ERROR_NO_ENTRY, "no such entry" },
		{ SQFS_ERROR_LINK_LOOP, "symlink loop" },
		{ SQFS_ERROR_NOT_FILE, "not a regular file" },
		{ SQFS_ERROR_ARG_INVALID, "invalid argument" },
		{ SQFS_ERROR_SEQUENCE, "calls out of sequence" },
	};

	if (code == SQFS_ERROR_IO)
		errx(1, "%s: %s", obj, errno ? strerror(errno) : "I/O error");
	for (size_t i = 0; i < sizeof(msgs) / sizeof(msgs[0]); i++)
		if (msgs[i].code == code)
			errx(1, "%s: %s", obj, msgs[i].text);
	errx(1, "%s: libsquashfs error %d", obj, code);
}
