/*
 * progress.c: a status line on a terminal, "tool: text" rewritten in
 * place while a long step goes on. The err(3) family (err-line.c) erases
 * it first, so a diagnostic is a line of its own whatever was shown.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "initkit.h"

static int shown;

void
progress_line(const char *fmt, va_list ap)
{
	fprintf(stderr, "\r%s: ", program_invocation_short_name);
	vfprintf(stderr, fmt, ap);
	fputs("\033[K", stderr);
	shown = 1;
}

void
progress_clear(void)
{
	if (shown)
		fputs("\r\033[K", stderr);
	shown = 0;
}
