/* err-archive.c: libarchive's error state as "tool: object: problem". */
#include <archive.h>
#include <err.h>
#include <string.h>

#include "initkit.h"

void
errx_archive(struct archive *a, const char *obj)
{
	const char *s = archive_error_string(a);
	int e = archive_errno(a);

	if (s == NULL)
		s = e > 0 ? strerror(e) : "unknown libarchive error";
	errx(1, "%s: %s", obj, s);
}
