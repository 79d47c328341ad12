/*
 * tsv.c: fuzz the readers of packages.tsv: pkgroot's read_tsv (the lock
 * -L and the base -b: name, version, architecture and any further fields)
 * and manifest's read_list (exactly six fields; tsv-manifest.c). Both are
 * static, so the tools' sources are compiled in with main renamed. What a
 * reader takes must be what the line says: each field it returns is the
 * same field of a strict split of its line at tabs, never a neighbour's.
 */
#define main pkgroot_main
#include "../../bin/pkgroot.c"
#undef main

#include "fuzz.h"

void manifest_fuzz_list(const char *path, const char *text, size_t len);

static char *path;

/* The line with field f[0] (a pointer into copy) in text, split at tabs. */
static void
check_line(const char *what, const char *text, const char *copy,
    const char *first, const char *const *f, int nf)
{
	const char *line = text + (first - copy), *end, *p = line;

	/* first is the line's start: the reader cut it there. */
	if (line != text && line[-1] != '\n')
		fuzz_fail("%s: entry %s does not start a line", what, first);
	end = line + strcspn(line, "\n");
	for (int i = 0; i < nf; i++) {
		size_t n = strcspn(p, "\t\n");

		if (p >= end || strlen(f[i]) != n || memcmp(f[i], p, n) != 0)
			fuzz_fail("%s: field %d of line \"%.*s\" read as "
			    "\"%s\"", what, i + 1, (int)(end - line), line,
			    f[i]);
		p += n + 1;
	}
}

void
fuzz_check_fields(const char *what, const char *text, const char *copy,
    const char *const *f, int nf)
{
	check_line(what, text, copy, f[0], f, nf);
}

static struct pkgs ps;
static char *copy;

static void
lock(const uint8_t *data, size_t size)
{
	ps = read_tsv(path);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int ok;

	if (path == NULL)
		path = fuzz_path("packages.tsv");
	fuzz_write(path, data, size);
	FUZZ_RUN(ok, lock(data, size));
	if (ok && memchr(data, '\0', size) == NULL) {
		/* The fields point into read_tsv's own copy: compare by
		 * content, line by line, against the text. */
		const char *t = (const char *)data, *end = t + size;
		size_t k = 0;

		copy = xmalloc(size + 1);
		memcpy(copy, data, size);
		copy[size] = '\0';
		for (const char *l = copy; l < copy + size && k <= ps.n;
		    l += strcspn(l, "\n") + 1) {
			const char *f[3];

			if (*l == '#' || *l == '\n')
				continue;
			if (k == ps.n)
				fuzz_fail("read_tsv: %zu entries, more lines",
				    ps.n);
			f[0] = ps.v[k].name;
			f[1] = ps.v[k].version;
			f[2] = ps.v[k].arch;
			check_line("read_tsv", copy, copy, l, f, 3);
			k++;
		}
		(void)end;
		if (k != ps.n)
			fuzz_fail("read_tsv: %zu entries from %zu lines", ps.n,
			    k);
		free(copy);
	}
	if (ok) {
		for (size_t i = 0; i < ps.n; i++) {
			free(ps.v[i].name);
			free(ps.v[i].version);
			free(ps.v[i].arch);
		}
		free(ps.v);
	}
	memset(&ps, 0, sizeof(ps));
	manifest_fuzz_list(path, (const char *)data, size);
	return 0;
}
