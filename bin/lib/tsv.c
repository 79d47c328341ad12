/*
 * tsv.c: packages.tsv (packages.tsv(5)), the list of a root's Debian
 * packages: pkgroot writes it, manifest reads it, pkgroot reads it back
 * as a lock (-L) or a base (-b). One package a line, no header; a line
 * that starts with '#' and an empty line are skipped. Every other line
 * has exactly six fields, each separated from the next by one tab, none
 * empty: name, version, architecture, source, installed size in bytes,
 * SHA-256 of the .deb, each of the syntax Debian gives its kind (Policy
 * 5.6.1, 5.6.7, 5.6.8, 5.6.12, 5.6.20). One name and architecture is
 * listed once.
 */
#include <sys/param.h>

#include <ctype.h>
#include <err.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "initkit.h"

/*
 * Cut line at every tab: an empty field is a field, never skipped (which
 * would shift the next one into its place, as strtok does). Returns the
 * number of fields, max + 1 when there are more than max.
 */
int
tsv_split(char *line, char **f, int max)
{
	int n;

	for (n = 0; n < max && line != NULL; n++)
		f[n] = strsep(&line, "\t");
	return line == NULL ? n : max + 1;
}

/*
 * Each field is checked against the syntax its kind has in Debian, so
 * that no byte of a forged control file, an escape sequence or invalid
 * UTF-8, reaches a document or a terminal.
 */
static void
check_field(const char *path, size_t lineno, const char *what,
    const char *v, int ok)
{
	if (!ok)
		errx(1, "%s:%zu: %s %s: invalid", path, lineno, what,
		    spec_encode(v));
}

static int
sha256_valid(const char *s)
{
	return strlen(s) == 64 && strspn(s, "0123456789abcdef") == 64;
}

void
tsv_parse(struct tsv_pkg *p, char *line, const char *path, size_t lineno)
{
	char *f[6], *end;

	if (tsv_split(line, f, 6) != 6)
		errx(1, "%s:%zu: want six tab-separated fields", path, lineno);
	for (int i = 0; i < 6; i++)
		if (*f[i] == '\0')
			errx(1, "%s:%zu: field %d is empty", path, lineno,
			    i + 1);
	p->name = f[0];
	p->version = f[1];
	p->arch = f[2];
	p->source = f[3];
	errno = 0;
	p->size = strtoull(f[4], &end, 10);
	if (!isdigit((unsigned char)*f[4]) || *end != '\0' || errno == ERANGE)
		errx(1, "%s:%zu: installed size %s: not a number", path,
		    lineno, f[4]);
	p->sha256 = f[5];
	check_field(path, lineno, "package name", f[0], debname_valid(f[0]));
	check_field(path, lineno, "version", f[1], debver_valid(f[1]));
	check_field(path, lineno, "architecture", f[2], debarch_valid(f[2]));
	check_field(path, lineno, "source package name", f[3],
	    debname_valid(f[3]));
	check_field(path, lineno, "SHA-256", f[5], sha256_valid(f[5]));
	p->lineno = lineno;
}

int
tsv_cmp(const void *a, const void *b)
{
	const struct tsv_pkg *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	return c ? c : strcmp(x->arch, y->arch);
}

/* One name and architecture is installed once. */
static void
check_unique(const struct tsv *l, const char *path)
{
	struct tsv_pkg *s;

	if (l->n < 2)
		return;
	s = xcalloc(l->n, sizeof(*s));
	memcpy(s, l->v, l->n * sizeof(*s));
	qsort(s, l->n, sizeof(*s), tsv_cmp);
	for (size_t i = 1; i < l->n; i++)
		if (tsv_cmp(&s[i - 1], &s[i]) == 0)
			errx(1, "%s:%zu: package %s:%s listed again (line %zu)",
			    path, MAX(s[i - 1].lineno, s[i].lineno), s[i].name,
			    s[i].arch, MIN(s[i - 1].lineno, s[i].lineno));
	free(s);
}

void
tsv_read(struct tsv *l, const char *path)
{
	char *lines, *line;
	size_t lineno = 0;

	memset(l, 0, sizeof(*l));
	l->text = xreadfile(path, &l->len);
	lines = l->copy = xstrdup(l->text);
	while ((line = strsep(&lines, "\n")) != NULL) {
		lineno++;
		if (*line == '#' || *line == '\0')
			continue;
		l->v = xreallocarray(l->v, l->n + 1, sizeof(*l->v));
		tsv_parse(&l->v[l->n++], line, path, lineno);
	}
	check_unique(l, path);
}

void
tsv_sort(struct tsv *l)
{
	if (l->n > 1)
		qsort(l->v, l->n, sizeof(*l->v), tsv_cmp);
}

void
tsv_free(struct tsv *l)
{
	free(l->v);
	free(l->text);
	free(l->copy);
	memset(l, 0, sizeof(*l));
}

void
tsv_write(FILE *fp, const struct tsv_pkg *p)
{
	fprintf(fp, "%s\t%s\t%s\t%s\t%" PRIu64 "\t%s\n", p->name, p->version,
	    p->arch, p->source, p->size, p->sha256);
}
