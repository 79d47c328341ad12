/*
 * aptcache.c: apt's answers kept in its state directory. apt's resolution
 * of a request is a function of its configuration, lists, status and the
 * request: resolved holds the last answer under a SHA-256 of all of them,
 * so that an unchanged run does not run apt at all; resolved.index holds,
 * under the same key, each package's SHA256 and Installed-Size from the
 * index, one "name<TAB>version<TAB>arch<TAB>sha256<TAB>kib" line each;
 * shown holds apt-cache's records of candidates (pkgroot -N) the same way.
 */
#include <sys/stat.h>

#include <err.h>
#include <glob.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "initkit.h"

static char resolution[65];	/* key of apt's answer, see apt_resolve() */

/*
 * The key of apt's answer to args: the args, the state's configuration,
 * sources and, when apt reads it, status, and each list's size and time.
 */
static void
answer_key(const char *state, char **args, size_t nargs, int status,
    char hex[65])
{
	char *key = NULL, *pat = xasprintf("%s/lists/*", state);
	const char *inputs[] = { "apt.conf", "etc/sources.list", "status" };
	size_t klen = 0, len;
	FILE *fp = open_memstream(&key, &klen);
	struct stat st;
	glob_t g;

	for (size_t i = 0; i < nargs; i++)
		fprintf(fp, "%s%c", args[i], 0);
	for (size_t i = 0; i < sizeof(inputs) / sizeof(*inputs) - !status;
	    i++) {
		char *p = xasprintf("%s/%s", state, inputs[i]), *text;

		text = xreadfile(p, &len);
		fprintf(fp, "%s%c%zu%c", inputs[i], 0, len, 0);
		fwrite(text, 1, len, fp);
		free(text);
		free(p);
	}
	if (glob(pat, 0, NULL, &g) == 0) {
		for (size_t i = 0; i < g.gl_pathc; i++)
			if (stat(g.gl_pathv[i], &st) == 0)
				fprintf(fp, "%s%c%jd%c%jd.%09ld%c", g.gl_pathv[i],
				    0, (intmax_t)st.st_size, 0,
				    (intmax_t)st.st_mtim.tv_sec,
				    st.st_mtim.tv_nsec, 0);
		globfree(&g);
	}
	fclose(fp);
	sha256_hex(key, klen, hex);
	free(key);
	free(pat);
}

/* The answer kept in file under key hex, a new string; NULL if none is. */
static char *
answer_kept(const char *file, const char *hex)
{
	char *old, *out = NULL;
	size_t len;

	if (access(file, R_OK) != 0)
		return NULL;
	old = xreadfile(file, &len);
	if (strncmp(old, hex, 64) == 0 && old[64] == '\n')
		out = xstrdup(old + 65);
	free(old);
	return out;
}

static void
answer_keep(const char *file, const char *hex, const char *out)
{
	char *text = xasprintf("%s\n%s", hex, out);

	apt_file(file, text);
	free(text);
}

/*
 * apt's answer is a function of its configuration, lists, status and the
 * request: when none changed since the last run, the answer is reused and
 * apt is not run at all.
 */
char *
apt_resolve(const char *state, char **args, size_t nargs)
{
	char *file = xasprintf("%s/resolved", state), *out;

	answer_key(state, args, nargs, 1, resolution);
	if ((out = answer_kept(file, resolution)) == NULL) {
		if (apt_get(args, nargs, &out, NULL, NULL) != 0)
			apt_fail("apt-get", out);
		answer_keep(file, resolution, out);
	}
	free(file);
	return out;
}

/*
 * The records of the candidates of names as apt-cache show prints them,
 * chosen from the lists alone: the status and its cache are not read (a
 * package the status says is installed would be its own candidate).
 * Kept as apt-get's answer is; a name without a candidate has no record.
 */
char *
apt_show(const char *state, char *const *names, size_t n)
{
	char **args = xcalloc(n + 7, sizeof(*args));
	char *file = xasprintf("%s/shown", state), *out, hex[65];
	size_t nargs = 0;

	args[nargs++] = "-o";
	args[nargs++] = "Dir::State::Status=/dev/null";
	args[nargs++] = "-o";
	args[nargs++] = "Dir::Cache::pkgcache=";
	args[nargs++] = "show";
	args[nargs++] = "--no-all-versions";
	for (size_t i = 0; i < n; i++)
		args[nargs++] = names[i];
	answer_key(state, args, nargs, 0, hex);
	if ((out = answer_kept(file, hex)) == NULL) {
		/* None found is exit 100, and for us an answer. */
		if (apt_cache(args, nargs, &out) == 0)
			answer_keep(file, hex, out);
		else if (strstr(out, "E: No packages found") == NULL)
			apt_fail("apt-cache", out);
	}
	free(file);
	free(args);
	return out;
}

static void
take_sha(struct apt_pkg *k, const char *s, const char *end, void *arg)
{
	char *isz;

	(void)arg;
	if (k->want_sha != NULL)
		return;
	k->want_sha = apt_stanza_field(s, end, "SHA256");
	if ((isz = apt_stanza_field(s, end, "Installed-Size")) != NULL)
		k->work = strtoull(isz, NULL, 10);
	free(isz);
}

/*
 * The SHA256 and installed size of each package from the index; kept with
 * the resolution's key, as the lists it comes from are part of that key.
 */
void
apt_index_lookup(const char *state, struct apt_pkgs *ps)
{
	char *file = xasprintf("%s/resolved.index", state), *text, *line, *save;
	char *f[5];
	FILE *fp;
	size_t len, hit = 0;

	if (access(file, R_OK) == 0) {
		text = xreadfile(file, &len);
		if (strncmp(text, resolution, 64) == 0 && text[64] == '\n') {
			for (line = strtok_r(text + 65, "\n", &save); line;
			    line = strtok_r(NULL, "\n", &save)) {
				int nf = tsv_split(line, f, 5);

				for (size_t i = 0; nf == 5 && i < ps->n; i++) {
					struct apt_pkg *k = &ps->v[i];

					if (k->want_sha || strcmp(k->name, f[0]) ||
					    strcmp(k->version, f[1]) ||
					    strcmp(k->arch, f[2]))
						continue;
					k->want_sha = xstrdup(f[3]);
					k->work = strtoull(f[4], NULL, 10);
					hit++;
				}
			}
		}
		free(text);
	}
	if (hit < ps->n) {
		apt_index_scan(state, ps, take_sha, NULL);
		text = NULL;
		fp = open_memstream(&text, &len);
		fprintf(fp, "%s\n", resolution);
		for (size_t i = 0; i < ps->n; i++)
			if (ps->v[i].want_sha)
				fprintf(fp, "%s\t%s\t%s\t%s\t%" PRIu64 "\n",
				    ps->v[i].name, ps->v[i].version,
				    ps->v[i].arch, ps->v[i].want_sha,
				    ps->v[i].work);
		fclose(fp);
		apt_file(file, text);
		free(text);
	}
	free(file);
}
