/*
 * json.c: a small JSON writer (RFC 8259) for manifests: strings escaped
 * (quote, backslash, control characters as \uXXXX), invalid UTF-8 refused
 * rather than emitted, commas and nesting tracked.
 */
#include <err.h>
#include <stdio.h>
#include <string.h>

#include "initkit.h"

/* Length of the UTF-8 sequence at s (RFC 3629), or 0 if it is invalid. */
static size_t
utf8_len(const unsigned char *s)
{
	size_t n;
	uint32_t c;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, c = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, c = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, c = s[0] & 0x07;
	else
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	/* Overlong forms, surrogates and beyond U+10FFFF are invalid. */
	if ((n == 3 && c < 0x800) || (n == 4 && c < 0x10000) ||
	    (c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff)
		return 0;
	return n;
}

int
json_valid_utf8(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p;) {
		size_t n = utf8_len(p);

		if (n == 0)
			return 0;
		p += n;
	}
	return 1;
}

static void
sep(struct json *j)
{
	if (j->depth > 0 && !j->key) {
		if (j->count[j->depth - 1]++ > 0)
			fputc(',', j->fp);
	}
	j->key = 0;
}

void
json_string(struct json *j, const char *s)
{
	if (!json_valid_utf8(s))
		errx(1, "%s: not valid UTF-8, refused", j->what);
	sep(j);
	fputc('"', j->fp);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(j->fp, "\\%c", *p);
		else if (*p < 0x20)
			fprintf(j->fp, "\\u%04x", *p);
		else
			fputc(*p, j->fp);
	}
	fputc('"', j->fp);
}

void
json_key(struct json *j, const char *k)
{
	json_string(j, k);
	fputc(':', j->fp);
	j->key = 1;
}

void
json_uint(struct json *j, uint64_t v)
{
	sep(j);
	fprintf(j->fp, "%ju", (uintmax_t)v);
}

void
json_bool(struct json *j, int v)
{
	sep(j);
	fputs(v ? "true" : "false", j->fp);
}

void
json_open(struct json *j, char c)
{
	sep(j);
	fputc(c, j->fp);
	if (j->depth == (int)(sizeof(j->count) / sizeof(j->count[0])))
		errx(1, "json: nested too deep");
	j->count[j->depth++] = 0;
}

void
json_close(struct json *j, char c)
{
	fputc(c, j->fp);
	j->depth--;
}
