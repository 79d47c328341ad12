/*
 * err-line.c: the err(3) family, defined here in place of the C
 * library's so that every diagnostic of every tool is one short line,
 * whatever it quotes: a control character (a newline in a file name, an
 * escape sequence from a package) is written as \ooo, and a word of more
 * than LONG bytes (a path of 5,000 bytes from a hostile archive) keeps
 * its first and last KEEP bytes around "...". The shape stays
 * "tool: message[: strerror]", on a line of its own: a progress line
 * (progress.c) is erased first.
 *
 * Only these eight functions live in this file: a program that defines
 * them itself (the fuzz harnesses, which jump back instead of exiting)
 * links none of it.
 */
#include <err.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "initkit.h"

#define LONG	160
#define KEEP	64

/* Whether p[i] starts a character (not a UTF-8 continuation byte). */
static int
starts(const char *p, size_t i)
{
	return ((unsigned char)p[i] & 0xc0) != 0x80;
}

/* Append word w[0..n) to fp, its middle elided if it is longer than LONG. */
static void
put_word(FILE *fp, const char *w, size_t n)
{
	size_t head = KEEP, tail = n - KEEP;

	if (n <= LONG) {
		fwrite(w, 1, n, fp);
		return;
	}
	while (head > 0 && !starts(w, head))
		head--;
	while (tail < n && !starts(w, tail))
		tail++;
	fwrite(w, 1, head, fp);
	fputs("...", fp);
	fwrite(w + tail, 1, n - tail, fp);
}

/* The line for msg: control bytes as \ooo, long words shortened. */
static void
put_line(const char *msg)
{
	char *esc = NULL, *line = NULL;
	size_t esclen = 0, linelen = 0, i, w;
	FILE *fp;

	progress_clear();
	if ((fp = open_memstream(&esc, &esclen)) == NULL) {
		fprintf(stderr, "%s: %s\n", program_invocation_short_name,
		    msg);
		return;
	}
	for (const unsigned char *c = (const unsigned char *)msg; *c; c++)
		if (*c < 0x20 || *c == 0x7f)
			fprintf(fp, "\\%03o", *c);
		else
			fputc(*c, fp);
	if (fclose(fp) != 0 || (fp = open_memstream(&line, &linelen)) ==
	    NULL) {
		fprintf(stderr, "%s: %s\n", program_invocation_short_name,
		    esc ? esc : msg);
		free(esc);
		return;
	}
	for (i = 0; i < esclen; i = w) {
		for (w = i; w < esclen && esc[w] != ' '; w++)
			;
		put_word(fp, esc + i, w - i);
		for (; w < esclen && esc[w] == ' '; w++)
			fputc(' ', fp);
	}
	fclose(fp);
	fprintf(stderr, "%s: %s\n", program_invocation_short_name,
	    line ? line : esc);
	free(line);
	free(esc);
}

static void
vmsg(int errnum, const char *fmt, va_list ap)
{
	char *msg = NULL, *full = NULL;

	if (fmt == NULL || vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	if (errnum >= 0 && asprintf(&full, "%s%s%s", msg ? msg : "",
	    msg ? ": " : "", strerror(errnum)) < 0)
		full = NULL;
	put_line(full ? full : msg ? msg : fmt ? fmt : "");
	free(full);
	free(msg);
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
	exit(eval);
}

void
verrx(int eval, const char *fmt, va_list ap)
{
	vmsg(-1, fmt, ap);
	exit(eval);
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
