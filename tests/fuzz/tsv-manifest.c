/*
 * tsv-manifest.c: manifest's read_list for tsv.c (a second translation
 * unit: pkgroot.c and manifest.c share names).
 */
#define main manifest_main
#include "../../bin/manifest.c"
#undef main

#include "fuzz.h"

void manifest_fuzz_list(const char *path, const char *text, size_t len);
void fuzz_check_fields(const char *what, const char *text, const char *copy,
    const char *const *f, int nf);

static struct list l;

static void
list(const char *path)
{
	l = read_list(path);
}

void
manifest_fuzz_list(const char *path, const char *text, size_t len)
{
	int ok;

	FUZZ_RUN(ok, list(path));
	if (!ok) {
		memset(&l, 0, sizeof(l));
		return;
	}
	for (size_t i = 0; i < l.n; i++) {
		const struct pkg *p = &l.v[i];
		const char *f[] = { p->name, p->version, p->arch, p->source,
		    NULL, p->sha256 };
		char size[32];

		/* The size as it was written: digits only, no sign. */
		snprintf(size, sizeof(size), "%" PRIu64, p->size);
		f[4] = size;
		if (memchr(text, '\0', len) == NULL)
			fuzz_check_fields("read_list", l.text, l.copy, f, 4);
	}
	list_free(&l);
	memset(&l, 0, sizeof(l));
}
