/*
 * err.c: error exits in the one shape "tool: object: problem". err(3)
 * supplies the "tool: " prefix; the adaptors for libraries live in
 * err-archive.c and err-ssl.c so a tool links only the libraries it uses.
 */
#include <err.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "initkit.h"

/* libcryptsetup returns negative errno values. */
void
errx_crypt(int r, const char *obj)
{
	errx(1, "%s: %s", obj, strerror(r < 0 ? -r : r));
}

void
errx_usage(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verrx(2, fmt, ap);
}
