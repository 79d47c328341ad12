/*
 * json.c: fuzz the JSON writer (bin/lib/json.c). The input is a small byte
 * code that drives the json_* calls as a manifest does:
 *
 *   {  [         open an object or array
 *   }  ]         close the innermost one
 *   k"..."       a key (in an object)       s"..."   a string value
 *   u123         a number                   b0 b1    false, true
 *
 * A string runs to an unescaped '"' (\x takes byte x) or a NUL, and may
 * hold any bytes. Calls that would break the grammar are skipped, what is
 * open is closed at the end. Oracles: json_valid_utf8 agrees with an
 * independent check (RFC 3629, Unicode table 3-7), and json_string refuses
 * exactly the strings that are not UTF-8; nesting deeper than 32 is
 * refused; and the document written parses as strict JSON (RFC 8259) to
 * the very calls made, every string decoded back to its bytes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "initkit.h"
#include "fuzz.h"

enum ev { OBJ, ARR, END, KEY, STR, NUM, BOOL };
struct event {
	enum ev ev;
	char *s;
	size_t len;
	uint64_t n;
};
struct events {
	struct event v[4200];
	size_t n;
};

static struct events want, got;
static struct json j;
static char *doc;
static size_t doclen;

/* Well-formed UTF-8 per the Unicode Standard's table 3-7. */
static int
utf8_ok(const unsigned char *s, size_t len)
{
	for (size_t i = 0; i < len;) {
		unsigned char c = s[i];
		unsigned lo = 0x80, hi = 0xbf;
		size_t n;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			n = 1;
		else if (c >= 0xe0 && c <= 0xef)
			n = 2;
		else if (c >= 0xf0 && c <= 0xf4)
			n = 3;
		else
			return 0;
		if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f;
		else if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;
		for (size_t k = 1; k <= n; k++) {
			if (i + k >= len)
				return 0;
			if (s[i + k] < (k == 1 ? lo : 0x80) ||
			    s[i + k] > (k == 1 ? hi : 0xbf))
				return 0;
		}
		i += n + 1;
	}
	return 1;
}

static void
add(struct events *e, enum ev ev, const char *s, size_t len, uint64_t n)
{
	if (e->n == sizeof(e->v) / sizeof(e->v[0]))
		fuzz_fail("too many events");
	e->v[e->n].ev = ev;
	e->v[e->n].s = s ? xmalloc(len + 1) : NULL;
	if (s) {
		memcpy(e->v[e->n].s, s, len);
		e->v[e->n].s[len] = '\0';
	}
	e->v[e->n].len = len;
	e->v[e->n].n = n;
	e->n++;
}

static void
clear(struct events *e)
{
	for (size_t i = 0; i < e->n; i++)
		free(e->v[i].s);
	e->n = 0;
}

/* A string operand at *p: its bytes into buf (NUL-terminated). */
static size_t
operand(const uint8_t **p, const uint8_t *end, char *buf, size_t cap)
{
	size_t n = 0;

	if (*p < end && **p == '"')
		++*p;
	while (*p < end && **p != '"' && **p != '\0') {
		if (**p == '\\' && *p + 1 < end)
			++*p;
		if (**p == '\0')
			break;	/* a C string ends there */
		if (n + 1 < cap)
			buf[n++] = (char)**p;
		++*p;
	}
	if (*p < end)
		++*p;
	buf[n] = '\0';
	return n;
}

static const uint8_t *pos, *stop;
static char stack[64];
static int depth, keyed, top_done;
static char str[4096];

/* One call, or none if the grammar does not allow it here. */
static void
step(void)
{
	uint8_t op = *pos++;
	int in_obj = depth > 0 && stack[depth - 1] == '{';
	int value_ok = depth == 0 ? !top_done : !in_obj || keyed;
	size_t len;
	uint64_t n = 0;

	switch (op) {
	case '{':
	case '[':
		if (!value_ok)
			return;
		json_open(&j, (char)op);
		add(&want, op == '{' ? OBJ : ARR, NULL, 0, 0);
		stack[depth++] = (char)op;
		keyed = 0;
		break;
	case '}':
	case ']':
		if (depth == 0 || keyed)
			return;
		json_close(&j, stack[--depth] == '{' ? '}' : ']');
		add(&want, END, NULL, 0, 0);
		top_done = depth == 0;
		keyed = 0;
		break;
	case 'k':
		len = operand(&pos, stop, str, sizeof(str));
		if (!in_obj || keyed)
			return;
		json_key(&j, str);
		add(&want, KEY, str, len, 0);
		keyed = 1;
		break;
	case 's':
		len = operand(&pos, stop, str, sizeof(str));
		if (!value_ok)
			return;
		json_string(&j, str);
		add(&want, STR, str, len, 0);
		break;
	case 'u':
		while (pos < stop && *pos >= '0' && *pos <= '9')
			n = n * 10 + (uint64_t)(*pos++ - '0');
		if (!value_ok)
			return;
		json_uint(&j, n);
		add(&want, NUM, NULL, 0, n);
		break;
	case 'b':
		n = pos < stop && *pos++ == '1';
		if (!value_ok)
			return;
		json_bool(&j, (int)n);
		add(&want, BOOL, NULL, 0, n);
		break;
	default:
		return;
	}
	if (op != 'k')
		keyed = 0;
	if (depth == 0)
		top_done = 1;
}

/* Strict JSON (RFC 8259) of what the writer makes: no blanks. */
static const char *q, *qend;

static void
bad(const char *why)
{
	fuzz_fail("written JSON: %s at byte %zu of:\n%.*s", why,
	    (size_t)(q - doc), (int)doclen, doc);
}

static unsigned
hex4(void)
{
	unsigned v = 0;

	for (int i = 0; i < 4; i++, q++) {
		if (q >= qend)
			bad("short \\u");
		if (*q >= '0' && *q <= '9')
			v = v * 16 + (unsigned)(*q - '0');
		else if (*q >= 'a' && *q <= 'f')
			v = v * 16 + (unsigned)(*q - 'a' + 10);
		else if (*q >= 'A' && *q <= 'F')
			v = v * 16 + (unsigned)(*q - 'A' + 10);
		else
			bad("bad \\u");
	}
	return v;
}

static void
parse_string(enum ev ev)
{
	char *buf = xmalloc((size_t)(qend - q) * 4 + 1);
	size_t n = 0;
	const char *start;

	if (q >= qend || *q++ != '"')
		bad("want a string");
	start = q;
	for (;;) {
		if (q >= qend)
			bad("unterminated string");
		unsigned char c = (unsigned char)*q++;

		if (c == '"')
			break;
		if (c < 0x20)
			bad("raw control character");
		if (c != '\\') {
			buf[n++] = (char)c;
			continue;
		}
		if (q >= qend)
			bad("short escape");
		c = (unsigned char)*q++;
		switch (c) {
		case '"': case '\\': case '/':
			buf[n++] = (char)c;
			break;
		case 'b': buf[n++] = '\b'; break;
		case 'f': buf[n++] = '\f'; break;
		case 'n': buf[n++] = '\n'; break;
		case 'r': buf[n++] = '\r'; break;
		case 't': buf[n++] = '\t'; break;
		case 'u': {
			unsigned u = hex4();

			if (u >= 0xd800 && u <= 0xdfff)
				bad("surrogate escape");	/* never written */
			if (u < 0x80)
				buf[n++] = (char)u;
			else if (u < 0x800) {
				buf[n++] = (char)(0xc0 | u >> 6);
				buf[n++] = (char)(0x80 | (u & 0x3f));
			} else {
				buf[n++] = (char)(0xe0 | u >> 12);
				buf[n++] = (char)(0x80 | (u >> 6 & 0x3f));
				buf[n++] = (char)(0x80 | (u & 0x3f));
			}
			break;
		}
		default:
			bad("unknown escape");
		}
	}
	if (!utf8_ok((const unsigned char *)start, (size_t)(q - 1 - start)))
		bad("string is not UTF-8");
	add(&got, ev, buf, n, 0);
	free(buf);
}

static void
parse_value(int level)
{
	if (level > 40)
		bad("nested too deep");
	if (q >= qend)
		bad("want a value");
	if (*q == '{' || *q == '[') {
		char close = *q == '{' ? '}' : ']';

		add(&got, *q == '{' ? OBJ : ARR, NULL, 0, 0);
		q++;
		if (q < qend && *q == close) {
			q++;
			add(&got, END, NULL, 0, 0);
			return;
		}
		for (;;) {
			if (close == '}') {
				parse_string(KEY);
				if (q >= qend || *q++ != ':')
					bad("want ':'");
			}
			parse_value(level + 1);
			if (q < qend && *q == ',') {
				q++;
				continue;
			}
			if (q >= qend || *q++ != close)
				bad("want ',' or the end");
			add(&got, END, NULL, 0, 0);
			return;
		}
	}
	if (*q == '"') {
		parse_string(STR);
		return;
	}
	if (qend - q >= 4 && memcmp(q, "true", 4) == 0) {
		q += 4;
		add(&got, BOOL, NULL, 0, 1);
		return;
	}
	if (qend - q >= 5 && memcmp(q, "false", 5) == 0) {
		q += 5;
		add(&got, BOOL, NULL, 0, 0);
		return;
	}
	if (*q >= '0' && *q <= '9') {
		uint64_t v = 0;
		const char *d = q;

		while (q < qend && *q >= '0' && *q <= '9')
			v = v * 10 + (uint64_t)(*q++ - '0');
		if (q - d > 1 && *d == '0')
			bad("leading zero");
		if (q - d > 20)
			bad("number too long");
		add(&got, NUM, NULL, 0, v);
		return;
	}
	bad("not a value");
}

static void
run(const char **s)
{
	*s = NULL;
	while (pos < stop) {
		/* What the next string is, for the refusal check. */
		if (*pos == 'k' || *pos == 's') {
			const uint8_t *p = pos + 1;
			size_t len = operand(&p, stop, str, sizeof(str));

			*s = str;
			if (json_valid_utf8(str) != utf8_ok((unsigned char *)str,
			    len))
				fuzz_fail("json_valid_utf8 says %d for \"%s\"",
				    json_valid_utf8(str), str);
		}
		if ((*pos == '{' || *pos == '[') && depth == 32) {
			*s = "deep";
			json_open(&j, (char)*pos);
			fuzz_fail("json_open took a 33rd level");
		}
		step();
		*s = NULL;
	}
	if (keyed) {
		json_bool(&j, 0);
		add(&want, BOOL, NULL, 0, 0);
		keyed = 0;
	}
	while (depth > 0) {
		json_close(&j, stack[--depth] == '{' ? '}' : ']');
		add(&want, END, NULL, 0, 0);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *s;
	FILE *fp;
	int ok;

	if (size > 4096)
		return 0;	/* the events fit */
	if ((fp = open_memstream(&doc, &doclen)) == NULL)
		fuzz_fail("open_memstream");
	memset(&j, 0, sizeof(j));
	j.fp = fp;
	j.what = "fuzz";
	pos = data;
	stop = data + size;
	depth = keyed = top_done = 0;
	FUZZ_RUN(ok, run(&s));
	if (fclose(fp) != 0)
		fuzz_fail("fclose");
	if (!ok) {
		/* Refused: a string that is not UTF-8, or a 33rd level. */
		if (s == NULL)
			fuzz_fail("refused: %s", fuzz_errmsg);
		if (strcmp(s, "deep") == 0 && strstr(fuzz_errmsg,
		    "nested too deep") == NULL)
			fuzz_fail("a 33rd level refused as: %s", fuzz_errmsg);
		if (strcmp(s, "deep") != 0 && (utf8_ok((const unsigned char *)
		    s, strlen(s)) || strstr(fuzz_errmsg, "UTF-8") == NULL))
			fuzz_fail("\"%s\" refused: %s", s, fuzz_errmsg);
		/* The events' strings were released with the input's blocks. */
		want.n = 0;
	} else if (want.n > 0) {
		q = doc;
		qend = doc + doclen;
		parse_value(0);
		if (q != qend)
			bad("junk after the document");
		if (got.n != want.n)
			fuzz_fail("%zu events written, %zu read", want.n, got.n);
		for (size_t i = 0; i < want.n; i++)
			if (want.v[i].ev != got.v[i].ev ||
			    want.v[i].n != got.v[i].n ||
			    want.v[i].len != got.v[i].len ||
			    (want.v[i].s && memcmp(want.v[i].s, got.v[i].s,
			    want.v[i].len) != 0))
				fuzz_fail("event %zu differs: %d \"%s\" %ju, "
				    "read %d \"%s\" %ju", i, want.v[i].ev,
				    want.v[i].s, (uintmax_t)want.v[i].n,
				    got.v[i].ev, got.v[i].s,
				    (uintmax_t)got.v[i].n);
	} else if (doclen != 0)
		fuzz_fail("no call, yet %zu bytes written", doclen);
	clear(&want);
	clear(&got);
	free(doc);
	doc = NULL;
	return 0;
}
