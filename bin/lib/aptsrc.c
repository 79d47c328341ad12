/*
 * aptsrc.c: the apt sources of one release, as the lines of a private
 * sources.list (each "deb [signed-by=KEYRING,... check-valid-until=...]
 * URI SUITE COMPONENTS"): made for a mirror, or read from a one-line
 * sources.list or a deb822 .sources file (a given one, or the host's in
 * /etc/apt), keeping the entries whose suite belongs to the release (it
 * or SUITE-*: bookworm-updates) and the components asked for. An entry
 * without Signed-By is signed by the Debian archive keyring; the extra
 * keyrings are trusted for every entry.
 *
 * Implements: sources.list(5), both styles (one-line: [signed-by=,
 * check-valid-until=]; deb822: Types, URIs, Suites, Components,
 * Signed-By, Check-Valid-Until); apt.conf(5)'s Acquire::Check-Valid-Until
 * of the host, through apt-config(8).
 */
#include <ctype.h>
#include <err.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "initkit.h"

#define DEBIAN_KEYRING "/usr/share/keyrings/debian-archive-keyring.gpg"

/*
 * Whether suite belongs to one of the comma-separated releases: it is
 * one of them, or one of them followed by '-' (bookworm-updates).
 */
static int
suite_in(const char *suite, const char *releases)
{
	for (const char *r = releases; *r != '\0'; r += *r == ',') {
		size_t n = strcspn(r, ",");

		if (strncmp(suite, r, n) == 0 && (suite[n] == '\0' ||
		    suite[n] == '-'))
			return 1;
		r += n;
	}
	return 0;
}

/* -r's list: suite names, as a sources.list line and a file name take them. */
void
aptsrc_release_check(const char *releases)
{
	for (const char *r = releases;; r++) {
		size_t n = strspn(r, "abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.+_-");

		if (n == 0 || (r[n] != ',' && r[n] != '\0') || *r == '.' ||
		    *r == '-')
			errx(1, "-r %s: not a suite name or a comma-separated "
			    "list of them", releases);
		r += n;
		if (*r == '\0')
			return;
	}
}

/* -C's list: component names (non-free-firmware, updates/main). */
void
aptsrc_comps(struct aptsrc *s, const char *arg)
{
	char *list = xstrdup(arg), *save, *c;

	for (size_t i = 0; i < s->ncomps; i++)	/* the last -C counts */
		free(s->comps[i]);
	free(s->comps);
	free(s->seen);
	s->comps = NULL;
	s->ncomps = 0;
	for (c = strtok_r(list, ",", &save); c; c = strtok_r(NULL, ",",
	    &save)) {
		size_t n = strspn(c, "abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.+_-/");

		if (c[n] != '\0' || *c == '.' || *c == '-' || *c == '/')
			break;
		s->comps = xreallocarray(s->comps, s->ncomps + 1,
		    sizeof(*s->comps));
		s->comps[s->ncomps++] = xstrdup(c);
	}
	if (s->ncomps == 0 || c != NULL || arg[0] == ',' ||
	    arg[strlen(arg) - 1] == ',' || strstr(arg, ",,") != NULL)
		errx(1, "-C %s: not a component name or a comma-separated "
		    "list of them", arg);
	s->seen = xcalloc(s->ncomps, sizeof(*s->seen));
	free(list);
}

/*
 * The components of a source line: with -C, those of comps (a source's
 * blank-separated list) that -C names, marking them found; NULL when
 * none is.
 */
static char *
comps_pick(struct aptsrc *s, const char *comps)
{
	char *out = NULL, *list, *save, *p;

	if (s->comps == NULL)
		return xstrdup(comps);
	list = xstrdup(comps);
	for (char *c = strtok_r(list, " \t", &save); c; c = strtok_r(NULL,
	    " \t", &save))
		for (size_t i = 0; i < s->ncomps; i++)
			if (strcmp(c, s->comps[i]) == 0) {
				s->seen[i] = 1;
				p = xasprintf("%s%s%s", out ? out : "",
				    out ? " " : "", c);
				free(out);
				out = p;
				break;
			}
	free(list);
	return out;
}

/* After the sources were read: every component -C names is in one. */
static void
comps_check(const struct aptsrc *s, const char *where)
{
	for (size_t i = 0; i < s->ncomps; i++)
		if (!s->seen[i])
			errx(1, "%s: no source of %s has the component %s",
			    where, s->release, s->comps[i]);
}

/*
 * Append the source line of a host's or -S file's entry when its suite
 * belongs to release.
 */
static void
add_source(struct aptsrc *s, const char *uri, const char *suite,
    const char *comps, const char *signed_by, const char *cvu)
{
	char *line, *old = s->lines, *picked;

	if (!suite_in(suite, s->release))
		return;
	if (cvu == NULL)
		cvu = s->cvu;
	if (cvu != NULL && strcmp(cvu, "yes") != 0 && strcmp(cvu, "no") != 0)
		errx(1, "%s: Check-Valid-Until: %s: not yes or no", uri, cvu);
	if ((picked = comps_pick(s, comps)) == NULL)
		return;
	line = xasprintf("%sdeb [signed-by=%s%s%s%s] %s %s %s\n",
	    old ? old : "", signed_by ? signed_by : DEBIAN_KEYRING,
	    s->keys ? s->keys : "", cvu ? " check-valid-until=" : "", cvu ? cvu : "",
	    uri, suite, picked);
	free(picked);
	free(old);
	s->lines = line;
}

/* Is w one of the blank-separated words of list? */
static int
has_word(const char *list, const char *w)
{
	size_t n = strlen(w);

	for (const char *p = list; (p = strstr(p, w)) != NULL; p += n)
		if ((p == list || isspace((unsigned char)p[-1])) &&
		    (p[n] == '\0' || isspace((unsigned char)p[n])))
			return 1;
	return 0;
}

/*
 * deb822 .sources files: Types, URIs, Suites, Components, Signed-By and
 * Check-Valid-Until (apt's: "no" takes a Release whose Valid-Until has
 * passed, as a frozen mirror or snapshot serves it).
 */
static void
read_deb822(struct aptsrc *src, const char *file)
{
	size_t len;
	char *text = xreadfile(file, &len), *stanza, *save, *line, *save2;
	char *types, *uris, *suites, *comps, *signed_by, *cvu;

	for (stanza = text; stanza && *stanza; stanza = save) {
		save = strstr(stanza, "\n\n");
		if (save) {
			*save = '\0';
			save += 2;
		}
		types = uris = suites = comps = signed_by = cvu = NULL;
		for (line = strtok_r(stanza, "\n", &save2); line;
		    line = strtok_r(NULL, "\n", &save2)) {
			char *v = strchr(line, ':');

			if (line[0] == '#' || v == NULL)
				continue;
			*v++ = '\0';
			v += strspn(v, " \t");
			if (strcasecmp(line, "Types") == 0)
				types = v;
			else if (strcasecmp(line, "URIs") == 0)
				uris = v;
			else if (strcasecmp(line, "Suites") == 0)
				suites = v;
			else if (strcasecmp(line, "Components") == 0)
				comps = v;
			else if (strcasecmp(line, "Signed-By") == 0)
				signed_by = v;
			else if (strcasecmp(line, "Check-Valid-Until") == 0)
				cvu = v;
		}
		if (!types || !uris || !suites || !comps || !has_word(types,
		    "deb"))
			continue;
		for (char *u = strtok_r(uris, " \t", &save2); u;
		    u = strtok_r(NULL, " \t", &save2)) {
			char *s2, *sx = xstrdup(suites);

			for (char *s = strtok_r(sx, " \t", &s2); s;
			    s = strtok_r(NULL, " \t", &s2))
				add_source(src, u, s, comps, signed_by, cvu);
			free(sx);
		}
	}
	free(text);
}

/* One-line sources.list: "deb [opts] uri suite comps...". */
static void
read_list(struct aptsrc *src, const char *file)
{
	size_t len;
	char *text = xreadfile(file, &len), *line, *save, *signed_by, *cvu;

	for (line = strtok_r(text, "\n", &save); line;
	    line = strtok_r(NULL, "\n", &save)) {
		char *uri, *suite, *p = line + strspn(line, " \t"), *s;

		if (strncmp(p, "deb", 3) != 0 || !isspace((unsigned char)p[3]))
			continue;
		p += 4;
		p += strspn(p, " \t");
		signed_by = cvu = NULL;
		if (*p == '[') {
			char *end = strchr(p, ']');

			if (end == NULL)
				continue;
			*end = '\0';
			if ((s = strstr(p, "signed-by=")) != NULL)
				signed_by = s + 10;
			if ((s = strstr(p, "check-valid-until=")) != NULL)
				cvu = s + 18;
			/* Both found before either is cut at its blank. */
			if (signed_by != NULL)
				signed_by[strcspn(signed_by, " \t")] = '\0';
			if (cvu != NULL)
				cvu[strcspn(cvu, " \t")] = '\0';
			p = end + 1;
		}
		uri = strtok_r(p, " \t", &s);
		suite = strtok_r(NULL, " \t", &s);
		if (uri && suite && s && *s)
			add_source(src, uri, suite, s + strspn(s, " \t"),
			    signed_by, cvu);
	}
	free(text);
}

/* One apt sources file: deb822 when its name ends in .sources. */
static void
read_sources(struct aptsrc *s, const char *file)
{
	size_t len = strlen(file);

	if (len > 8 && strcmp(file + len - 8, ".sources") == 0)
		read_deb822(s, file);
	else
		read_list(s, file);
}

/*
 * "no" when the host's apt takes Release files whose Valid-Until has
 * passed (Acquire::Check-Valid-Until "false" in /etc/apt/apt.conf.d, as
 * on a builder that uses a frozen mirror): the host's sources are read
 * as its apt reads them. APT_CONFIG is the host's only when unset.
 */
static const char *
host_check_valid_until(void)
{
	char *out;
	const char *r = NULL;

	if (run_capture((char *[]){ "env", "-u", "APT_CONFIG", "apt-config",
	    "shell", "V", "Acquire::Check-Valid-Until/b", NULL }, NULL, &out,
	    NULL) == 0 && strstr(out, "V='false'") != NULL)
		r = "no";
	free(out);
	return r;
}

void
aptsrc_host(struct aptsrc *s)
{
	glob_t g;

	s->cvu = host_check_valid_until();
	if (access("/etc/apt/sources.list", R_OK) == 0)
		read_list(s, "/etc/apt/sources.list");
	for (const char *const *pat = (const char *const[]){
	    "/etc/apt/sources.list.d/*.list",
	    "/etc/apt/sources.list.d/*.sources", NULL }; *pat; pat++) {
		if (glob(*pat, 0, NULL, &g) != 0)
			continue;
		for (size_t i = 0; i < g.gl_pathc; i++)
			read_sources(s, g.gl_pathv[i]);
		globfree(&g);
	}
	if (s->lines == NULL && s->ncomps > 0)
		comps_check(s, "the host's apt sources");
	if (s->lines == NULL)
		errx(1, "the host's apt sources have no suite %s; use -m or -S",
		    s->release);
	comps_check(s, "the host's apt sources");
}

void
aptsrc_file(struct aptsrc *s, const char *file)
{
	if (access(file, R_OK) != 0)
		err(1, "%s", file);
	read_sources(s, file);
	if (s->lines == NULL && s->ncomps > 0)
		comps_check(s, file);
	if (s->lines == NULL)
		errx(1, "%s: no source for suite %s", file, s->release);
	comps_check(s, file);
}

/* -m: one line for each suite, with -C's components or main. */
void
aptsrc_mirror(struct aptsrc *s, const char *mirror)
{
	char *signed_by = xasprintf("%s%s", DEBIAN_KEYRING, s->keys ?
	    s->keys : "");
	char *comps = xstrdup("main"), *more;

	for (size_t i = 0; i < s->ncomps; i++) {
		more = xasprintf("%s%s%s", i ? comps : "", i ? " " : "",
		    s->comps[i]);
		free(comps);
		comps = more;
	}
	for (const char *r = s->release; *r != '\0'; r += *r == ',') {
		size_t n = strcspn(r, ",");

		more = xasprintf("%sdeb [signed-by=%s] %s %.*s %s\n",
		    s->lines ? s->lines : "", signed_by, mirror, (int)n, r,
		    comps);
		free(s->lines);
		s->lines = more;
		r += n;
	}
	free(comps);
	free(signed_by);
}
