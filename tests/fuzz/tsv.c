/*
 * tsv.c: fuzz packages.tsv (bin/lib/tsv.c), the one reader pkgroot's -L
 * and -b and manifest use, and its writer. What the reader takes must be
 * what the line says: each field of each entry is the same field of its
 * line (the entry's line number) split at every tab, never a neighbour's,
 * the size its digits; every other line is a comment or empty. And what
 * the writer makes of the entries reads back to the same entries.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "initkit.h"
#include "fuzz.h"

static char *path, *path2;
static struct tsv l, back;

static void
read_one(struct tsv *t, const char *p)
{
	tsv_read(t, p);
}

static const char *
field(const struct tsv_pkg *p, int i, char buf[32])
{
	switch (i) {
	case 0:
		return p->name;
	case 1:
		return p->version;
	case 2:
		return p->arch;
	case 3:
		return p->source;
	case 4:
		snprintf(buf, 32, "%" PRIu64, p->size);
		return buf;
	default:
		return p->sha256;
	}
}

/* Line lineno of text split at tabs is the entry, and has six fields. */
static void
check_entry(const char *text, const struct tsv_pkg *p)
{
	const char *line = text, *end, *f;
	char buf[32];

	for (size_t n = 1; n < p->lineno; n++) {
		if ((line = strchr(line, '\n')) == NULL)
			fuzz_fail("entry %s: line %zu of fewer", p->name,
			    p->lineno);
		line++;
	}
	end = line + strcspn(line, "\n");
	f = line;
	for (int i = 0; i < 6; i++) {
		size_t n = strcspn(f, "\t\n"), z = 0;
		const char *want = field(p, i, buf);

		/* The size as a number: leading zeros are not written. */
		while (i == 4 && z + 1 < n && f[z] == '0')
			z++;
		if (f > end || strlen(want) != n - z ||
		    memcmp(want, f + z, n - z) != 0)
			fuzz_fail("field %d of line %zu \"%.*s\" read as \"%s\"",
			    i + 1, p->lineno, (int)(end - line), line, want);
		f += n + 1;
	}
	if (f != end + 1)
		fuzz_fail("line %zu \"%.*s\": more than six fields taken",
		    p->lineno, (int)(end - line), line);
}

/* Every line not an entry is a comment or empty. */
static void
check_skipped(const char *text, const struct tsv *t)
{
	size_t lineno = 1, k = 0;

	for (const char *s = text; s != NULL; lineno++) {
		if (k < t->n && t->v[k].lineno == lineno)
			k++;
		else if (*s != '#' && *s != '\n' && *s != '\0')
			fuzz_fail("line %zu \"%.*s\" neither read nor skipped",
			    lineno, (int)strcspn(s, "\n"), s);
		s = strchr(s, '\n');
		s = s ? s + 1 : NULL;
	}
	if (k != t->n)
		fuzz_fail("%zu entries, %zu found on their lines", t->n, k);
}

/* The writer's text of the entries reads back to them. */
static void
check_written(const struct tsv *t)
{
	char *text = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&text, &len);
	int ok;

	for (size_t i = 0; i < t->n; i++)
		tsv_write(fp, &t->v[i]);
	fclose(fp);
	fuzz_write(path2, text, len);
	free(text);
	FUZZ_RUN(ok, read_one(&back, path2));
	if (!ok)
		fuzz_fail("the written list is refused: %s", fuzz_errmsg);
	if (back.n != t->n)
		fuzz_fail("%zu entries written, %zu read back", t->n, back.n);
	for (size_t i = 0; i < t->n; i++) {
		char b1[32], b2[32];

		for (int f = 0; f < 6; f++)
			if (strcmp(field(&t->v[i], f, b1),
			    field(&back.v[i], f, b2)) != 0)
				fuzz_fail("field %d of %s written as %s, read "
				    "back as %s", f + 1, t->v[i].name, b1, b2);
	}
	tsv_free(&back);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int ok;

	if (path == NULL) {
		path = fuzz_path("packages.tsv");
		path2 = fuzz_path("written.tsv");
	}
	fuzz_write(path, data, size);
	FUZZ_RUN(ok, read_one(&l, path));
	if (!ok)
		return 0;
	/* The reader reads up to a NUL byte, as a text file ends there. */
	check_skipped(l.text, &l);
	for (size_t i = 0; i < l.n; i++)
		check_entry(l.text, &l.v[i]);
	check_written(&l);
	tsv_free(&l);
	return 0;
}
