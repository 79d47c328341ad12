/*
 * err.c: error exits in the one shape "tool: object: problem". err(3)
 * supplies the "tool: " prefix; the adaptors for libraries live in
 * err-archive.c and err-ssl.c so a tool links only the libraries it uses.
 */
#include <err.h>
#include <stdarg.h>

#include "initkit.h"

void
errx_usage(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verrx(2, fmt, ap);
}
