/* err-archive.c: libarchive's error state as "tool: object: problem". */
#include <archive.h>
#include <err.h>
#include <stdio.h>
#include <string.h>

#include "initkit.h"

/*
 * libarchive quotes names as they are (mtree: "different type for ./d" and
 * a newline): control bytes as octal escapes, so the message stays one
 * line.
 */
static char *
oneline(const char *s)
{
	size_t len = strlen(s);
	char *out = xmalloc(4 * len + 1), *o = out;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = s[i];

		if (c < 0x20 || c == 0x7f)
			o += sprintf(o, "\\%03o", c);
		else
			*o++ = c;
	}
	*o = '\0';
	return out;
}

void
errx_archive(struct archive *a, const char *obj)
{
	const char *s = archive_error_string(a);
	int e = archive_errno(a);

	if (s == NULL)
		s = e > 0 ? strerror(e) : "unknown libarchive error";
	errx(1, "%s: %s", obj, oneline(s));
}
