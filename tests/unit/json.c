/*
 * Unit tests for bin/lib/json.c: string escaping (RFC 8259 section 7:
 * quote, backslash and U+0000..U+001F escaped, everything else as is),
 * UTF-8 validity (RFC 3629 section 4 and its table of well-formed byte
 * sequences), commas and nesting. Expected text is written out by hand.
 */
#include <stdint.h>

#include "initkit.h"
#include "unit.h"

struct doc {
	struct json j;
	char *buf;
	size_t len;
};

static void
doc_start(struct doc *d)
{
	memset(d, 0, sizeof(*d));
	d->j.what = "test.tsv";
	d->j.fp = open_memstream(&d->buf, &d->len);
}

/* The text written so far; the caller frees it. */
static char *
doc_end(struct doc *d)
{
	fclose(d->j.fp);
	return d->buf;
}

/* One JSON string for s, as json_string writes it. */
static char *
str(const char *s)
{
	struct doc d;

	doc_start(&d);
	json_string(&d.j, s);
	return doc_end(&d);
}

static int
str_is(const char *s, const char *want)
{
	char *got = str(s);
	int r = strcmp(got, want) == 0;

	if (!r)
		printf("# json_string: got '%s', want '%s'\n", got, want);
	free(got);
	return r;
}

static void
write_str(void *s)
{
	free(str(s));
}

static void
too_deep(void *arg)
{
	struct doc d;
	int n = *(int *)arg;

	doc_start(&d);
	for (int i = 0; i < n; i++)
		json_open(&d.j, '[');
	for (int i = 0; i < n; i++)
		json_close(&d.j, ']');
	free(doc_end(&d));
}

/* Well-formed sequences at the edges of RFC 3629's table. */
static const char *const good[] = {
	"", "plain ASCII", "\x7f",
	"\xc2\x80",			/* U+0080, the first two-byte */
	"\xc3\xa9",			/* U+00E9 */
	"\xdf\xbf",			/* U+07FF, the last two-byte */
	"\xe0\xa0\x80",			/* U+0800, the first three-byte */
	"\xe2\x82\xac",			/* U+20AC */
	"\xed\x9f\xbf",			/* U+D7FF, below the surrogates */
	"\xee\x80\x80",			/* U+E000, above them */
	"\xef\xbf\xbf",			/* U+FFFF */
	"\xf0\x90\x80\x80",		/* U+10000, the first four-byte */
	"\xf0\x9d\x84\x9e",		/* U+1D11E */
	"\xf4\x8f\xbf\xbf",		/* U+10FFFF, the last */
	"caf\xc3\xa9 \xe2\x82\xac \xf0\x9d\x84\x9e",
};

static const struct {
	const char *s, *why;
} bad[] = {
	{ "\x80", "a lone continuation byte" },
	{ "\xbf", "a lone last continuation byte" },
	{ "\xc0\x80", "overlong U+0000 (C0 80)" },
	{ "\xc0\xaf", "overlong '/' (C0 AF)" },
	{ "\xc1\xbf", "overlong U+007F (C1 BF)" },
	{ "\xe0\x80\x80", "overlong three-byte U+0000" },
	{ "\xe0\x9f\xbf", "overlong three-byte U+07FF" },
	{ "\xf0\x80\x80\x80", "overlong four-byte U+0000" },
	{ "\xf0\x8f\xbf\xbf", "overlong four-byte U+FFFF" },
	{ "\xed\xa0\x80", "surrogate U+D800" },
	{ "\xed\xbf\xbf", "surrogate U+DFFF" },
	{ "\xed\xa0\xbd\xed\xb8\x80", "a CESU-8 surrogate pair" },
	{ "\xf4\x90\x80\x80", "U+110000, above the last" },
	{ "\xf5\x80\x80\x80", "lead byte F5" },
	{ "\xf8\x88\x80\x80\x80", "five-byte form" },
	{ "\xfe", "byte FE" },
	{ "\xff", "byte FF" },
	{ "\xc3", "two-byte cut at the end" },
	{ "\xe2\x82", "three-byte cut at the end" },
	{ "\xf0\x9d\x84", "four-byte cut at the end" },
	{ "\xc3" "A", "two-byte followed by ASCII" },
	{ "\xe2\x82" "A", "three-byte cut by ASCII" },
	{ "\xf0\x9d\x84" "A", "four-byte cut by ASCII" },
	{ "\xe2\xc3\xa9", "three-byte cut by another lead byte" },
	{ "ok \xc3\xa9 then \xff", "valid text, then a bad byte" },
};

int
main(void)
{
	struct doc d;
	char *got, name[64];
	int n;

	/* Escapes written out by hand. */
	ok(str_is("", "\"\""), "the empty string");
	ok(str_is("a\"b", "\"a\\\"b\""), "a quote is escaped");
	ok(str_is("a\\b", "\"a\\\\b\""), "a backslash is escaped");
	ok(str_is("\\\"", "\"\\\\\\\"\""), "backslash then quote");
	ok(str_is("/", "\"/\""), "a slash is left alone");
	ok(str_is("\t", "\"\\u0009\""), "tab");
	ok(str_is("\n", "\"\\u000a\""), "newline");
	ok(str_is("\r", "\"\\u000d\""), "carriage return");
	ok(str_is("\b\f", "\"\\u0008\\u000c\""), "backspace and form feed");
	ok(str_is("\x01", "\"\\u0001\""), "U+0001");
	ok(str_is("\x1f", "\"\\u001f\""), "U+001F, the last control");
	ok(str_is(" ", "\" \""), "U+0020 is not a control");
	ok(str_is("\x7f", "\"\x7f\""), "DEL needs no escape in JSON");
	ok(str_is("x\x01y\x1fz", "\"x\\u0001y\\u001fz\""),
	    "controls between characters");

	/*
	 * Every control character U+0001..U+001F: six characters, \u and
	 * four hex digits that read back as the character.
	 */
	for (int c = 1; c < 0x20; c++) {
		char in[2] = { (char)c, 0 }, *end;
		long v;

		got = str(in);
		v = strtol(got + 3, &end, 16);
		ok(strlen(got) == 8 && strncmp(got, "\"\\u", 3) == 0 &&
		    end == got + 7 && strcmp(end, "\"") == 0 && v == c,
		    "U+%04X escaped as \\u%04x (got %s)", c, c, got);
		free(got);
	}

	/* Valid UTF-8 passes, byte for byte. */
	for (size_t i = 0; i < sizeof(good) / sizeof(*good); i++) {
		char want[128];

		ok(json_valid_utf8(good[i]), "valid UTF-8 #%zu accepted", i);
		snprintf(want, sizeof(want), "\"%s\"", good[i]);
		ok(str_is(good[i], want), "valid UTF-8 #%zu written as is", i);
	}

	/* Invalid UTF-8 is refused, and json_string exits naming the input. */
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		ok(!json_valid_utf8(bad[i].s), "refused: %s", bad[i].why);
		exits(1, "test.tsv: not valid UTF-8, refused", write_str,
		    (void *)bad[i].s, bad[i].why);
	}

	/* Commas and nesting, against text written by hand. */
	doc_start(&d);
	json_open(&d.j, '{');
	json_close(&d.j, '}');
	got = doc_end(&d);
	ok(strcmp(got, "{}") == 0, "an empty object (got %s)", got);
	free(got);

	doc_start(&d);
	json_open(&d.j, '{');
	json_key(&d.j, "a");
	json_uint(&d.j, 1);
	json_key(&d.j, "b");
	json_open(&d.j, '[');
	json_bool(&d.j, 1);
	json_bool(&d.j, 0);
	json_string(&d.j, "x");
	json_uint(&d.j, UINT64_MAX);
	json_close(&d.j, ']');
	json_key(&d.j, "c");
	json_open(&d.j, '{');
	json_close(&d.j, '}');
	json_key(&d.j, "d");
	json_open(&d.j, '[');
	json_close(&d.j, ']');
	json_key(&d.j, "e\"");
	json_open(&d.j, '[');
	json_open(&d.j, '[');
	json_uint(&d.j, 0);
	json_close(&d.j, ']');
	json_open(&d.j, '{');
	json_key(&d.j, "k");
	json_string(&d.j, "v");
	json_close(&d.j, '}');
	json_open(&d.j, '[');
	json_close(&d.j, ']');
	json_close(&d.j, ']');
	json_close(&d.j, '}');
	got = doc_end(&d);
	ok(strcmp(got, "{\"a\":1,\"b\":[true,false,\"x\","
	    "18446744073709551615],\"c\":{},\"d\":[],"
	    "\"e\\\"\":[[0],{\"k\":\"v\"},[]]}") == 0,
	    "members, elements and nesting separated by commas (got %s)", got);
	ok(d.j.depth == 0, "depth back to 0");
	free(got);

	/* A second document after the first: no comma between them. */
	doc_start(&d);
	json_open(&d.j, '[');
	json_close(&d.j, ']');
	json_string(&d.j, "top");
	got = doc_end(&d);
	ok(strcmp(got, "[]\"top\"") == 0, "values at depth 0 get no comma "
	    "(got %s)", got);
	free(got);

	/* The nesting limit: 32 levels, not 33. */
	n = 32;
	exits(0, "", too_deep, &n, "32 levels of nesting");
	n = 33;
	snprintf(name, sizeof(name), "%d levels refused", n);
	exits(1, "json: nested too deep", too_deep, &n, name);
	return unit_done();
}
