/*
 * aptindex.c: the index files apt fetched and verified (the lists' Packages,
 * signed through their InRelease), read without apt: the stanza of each
 * package wanted, one read per list; and from them the status file of
 * packages installed already (a base image's), so that apt adds only the
 * rest, and of those taken as installed without their dependencies
 * (pkgroot -N).
 *
 * Implements: the Debian repository format's Packages index and dpkg's
 * status file (deb822 stanzas: Package, Version, Architecture, Status).
 */
#include <err.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "initkit.h"

/* Field of a stanza that starts at s (ends at a blank line). */
char *
apt_stanza_field(const char *s, const char *end, const char *name)
{
	size_t len = strlen(name);

	for (const char *p = s; p < end; p = memchr(p, '\n', end - p) ?
	    (const char *)memchr(p, '\n', end - p) + 1 : end)
		if (strncmp(p, name, len) == 0 && p[len] == ':') {
			p += len + 1;
			p += strspn(p, " ");
			return xasprintf("%.*s", (int)strcspn(p, "\n"), p);
		}
	return NULL;
}

/* A wanted package, sorted by name: where it is in the caller's list. */
struct want {
	const char *name, *version, *arch;
	size_t i;
};

static int
want_cmp(const void *a, const void *b)
{
	return strcmp(((const struct want *)a)->name,
	    ((const struct want *)b)->name);
}

/*
 * Find packages in the index files apt fetched and verified (lists/
 * *_Packages, signed through their InRelease): fn gets each wanted
 * package's stanza. Faster than asking apt-cache, one read per list.
 */
void
apt_index_scan(const char *state, struct apt_pkgs *want,
    void (*fn)(struct apt_pkg *, const char *, const char *, void *),
    void *arg)
{
	struct want *sorted = xcalloc(want->n + 1, sizeof(*sorted));
	char *pat = xasprintf("%s/lists/*_Packages", state);
	glob_t g;

	for (size_t i = 0; i < want->n; i++) {
		sorted[i].name = want->v[i].name;
		sorted[i].version = want->v[i].version;
		sorted[i].arch = want->v[i].arch;
		sorted[i].i = i;
	}
	qsort(sorted, want->n, sizeof(*sorted), want_cmp);
	if (glob(pat, 0, NULL, &g) != 0)
		g.gl_pathc = 0;
	for (size_t f = 0; f < g.gl_pathc; f++) {
		size_t len;
		char *text = xreadfile(g.gl_pathv[f], &len), *p, *end;

		for (p = text; p < text + len; p = end + (*end != '\0')) {
			struct want key = { 0 }, *hit;
			char *v, *a;

			/* memmem, not strstr: bounded, linear overall. */
			if ((end = memmem(p, (size_t)(text + len - p), "\n\n",
			    2)) == NULL)
				end = text + len;
			else
				end++;
			if (strncmp(p, "Package: ", 9) != 0)
				continue;
			key.name = xasprintf("%.*s", (int)strcspn(p + 9, "\n"),
			    p + 9);
			hit = bsearch(&key, sorted, want->n, sizeof(*sorted),
			    want_cmp);
			/* Several entries may share a name: look at all. */
			while (hit && hit > sorted &&
			    strcmp(hit[-1].name, key.name) == 0)
				hit--;
			v = hit ? apt_stanza_field(p, end, "Version") : NULL;
			a = hit ? apt_stanza_field(p, end, "Architecture") : NULL;
			for (; hit && hit < sorted + want->n &&
			    strcmp(hit->name, key.name) == 0; hit++)
				if (v && a && strcmp(hit->version, v) == 0 &&
				    strcmp(hit->arch, a) == 0)
					fn(&want->v[hit->i], p, end, arg);
			free((char *)key.name);
			free(v);
			free(a);
		}
		free(text);
	}
	globfree(&g);
	free(pat);
	free(sorted);
}

static void
take_status(struct apt_pkg *k, const char *s, const char *end, void *arg)
{
	FILE *fp = arg;
	const char *nl = strchr(s, '\n');

	if (k->indexed++)
		return;		/* the same package in two lists */
	fprintf(fp, "%.*s\nStatus: install ok installed\n%.*s\n", (int)(nl - s),
	    s, (int)(end - nl - 1), nl + 1);
}

/*
 * The status stanza of name installed, from its record in show (what
 * apt-cache show prints): Package, Architecture, Multi-Arch, Version and
 * Provides, so that what depends on it, at a version or through what it
 * provides, is satisfied; not its dependencies, which are not installed
 * (apt would take it as broken). NULL if show has no record of name.
 */
char *
apt_status_omitted(const char *show, const char *name)
{
	static const char *const field[] = { "Architecture", "Multi-Arch",
	    "Version", "Provides" };
	size_t len = strlen(name), slen = 0;
	const char *p, *end;
	char *text = NULL, *v;
	FILE *fp;

	for (p = show; p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		if (strncmp(p, "Package: ", 9) == 0 &&
		    strncmp(p + 9, name, len) == 0 && p[9 + len] == '\n')
			break;
	if (p == NULL)
		return NULL;
	if ((end = strstr(p, "\n\n")) == NULL)
		end = p + strlen(p);
	fp = open_memstream(&text, &slen);
	fprintf(fp, "Package: %s\nStatus: install ok installed\n", name);
	for (size_t i = 0; i < sizeof(field) / sizeof(*field); i++)
		if ((v = apt_stanza_field(p, end, field[i])) != NULL) {
			fprintf(fp, "%s: %s\n", field[i], v);
			free(v);
		}
	fputc('\n', fp);
	fclose(fp);
	return text;
}

/*
 * The base image's packages as installed, so apt adds only the rest, and
 * after them extra (stanzas of packages taken as installed without being
 * so, or NULL). The file is rewritten only when it changes: apt rebuilds
 * its cache when it does.
 */
void
apt_status_write(const char *state, struct apt_pkgs *base,
    const char *basefile, const char *extra)
{
	char *text = NULL, *path = xasprintf("%s/status", state), *old;
	size_t tlen = 0, olen = 0;
	FILE *fp = open_memstream(&text, &tlen);

	if (base->n > 0)
		apt_index_scan(state, base, take_status, fp);
	if (extra != NULL)
		fputs(extra, fp);
	fclose(fp);
	for (size_t i = 0; i < base->n; i++)
		if (!base->v[i].indexed)
			errx(1, "%s: %s %s (%s) is not in the repository",
			    basefile, base->v[i].name, base->v[i].version,
			    base->v[i].arch);
	old = access(path, R_OK) == 0 ? xreadfile(path, &olen) : NULL;
	if (old == NULL || strcmp(old, text) != 0)
		apt_file(path, text);
	free(old);
	free(text);
	free(path);
}
