/*
 * pkgroot: install Debian packages into a root directory without root
 * privileges and without touching the host's package state: apt resolves
 * and downloads (signatures checked) in a private state directory, each
 * .deb is unpacked by libarchive, and the real owners, modes and device
 * nodes go into the tree spec on stdout. First step of the pipeline: its
 * root, spec and packages.tsv feed mkcpio, mksqfs and manifest.
 *
 * Implements: deb(5); apt's configuration (apt.conf(5), sources.list(5));
 * Debian's merged /usr layout; packages.tsv(5).
 */
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>

#include <ctype.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <inttypes.h>
#include <limits.h>
#include <locale.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "initkit.h"

#define DEBIAN_KEYRING "/usr/share/keyrings/debian-archive-keyring.gpg"

struct pkg {
	char *name, *version, *arch;
	char *deb;		/* the .deb file */
	char *want_sha;		/* SHA256 the signed index gives, if any */
	int indexed;		/* from the repository, not a local operand */
	uint64_t work;		/* expected unpacking work: installed size */
	uint64_t get_size;	/* the .deb's size as apt gives it */
	int fetch;		/* not in the cache whole: apt fetches it */
	char sha[65];
	off_t size;
	struct deb_info info;	/* a local operand's control fields */
	struct tsv_pkg row;	/* its line of packages.tsv, in row_line */
	char *row_line;
	size_t seq0, seq1;	/* its nodes' seq numbers */
};

struct pkgs {
	struct pkg *v;
	size_t n;
};

static int progress, verbose;
static char resolution[65];	/* key of apt's answer, see resolve() */
static pid_t parent_pid;
static char *apt_env[3];
static char *uri_path(const char *, size_t);

/* -h: on stdout, exit 0; a usage error: on stderr, exit 2. */
static NORETURN void
usage(int status)
{
	fprintf(status ? stderr : stdout, "usage: pkgroot [-fuv] [-a arch] [-r release] "
	    "[-m mirror | -S sources]\n"
	    "               [-C component[,...]] [-K keyring] [-b base.tsv] "
	    "[-L lock.tsv]\n"
	    "               [-x exclude-glob] [-c cachedir] [-p packages.tsv] "
	    "-o rootdir\n"
	    "               pkg | file.deb ...\n");
	exit(status);
}

/* Seconds since the first call. */
static double
elapsed(void)
{
	static struct timespec t0;
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (t0.tv_sec == 0)
		t0 = now;
	return (double)(now.tv_sec - t0.tv_sec) +
	    (now.tv_nsec - t0.tv_nsec) / 1e9;
}

/* Progress on a terminal; with -v, each phase on its own line, timed. */
static void
say(const char *fmt, ...)
{
	va_list ap;

	if (!progress && !verbose)
		return;
	va_start(ap, fmt);
	if (verbose) {
		fprintf(stderr, "pkgroot: %6.3f s: ", elapsed());
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
	} else
		progress_line(fmt, ap);
	va_end(ap);
}

/* A size as apt gives one: B, kB, MB, GB, in powers of 1000. */
static char *
human(uint64_t n, char buf[16])
{
	static const char *const unit[] = { "kB", "MB", "GB", "TB" };
	double v = (double)n;
	int u = -1;

	if (n < 1000) {
		snprintf(buf, 16, "%" PRIu64 " B", n);
		return buf;
	}
	while (v >= 1000 && u < 3) {
		v /= 1000;
		u++;
	}
	snprintf(buf, 16, "%.1f %s", v, unit[u]);
	return buf;
}

static void
write_file(const char *path, const char *text)
{
	struct out o;

	out_open(&o, path, OUT_FORCE);
	out_write(&o, text, strlen(text));
	out_commit(&o);
}

static char *
host_arch(void)
{
	static const struct { const char *uname, *deb; } map[] = {
		{ "x86_64", "amd64" }, { "aarch64", "arm64" },
		{ "i686", "i386" }, { "armv7l", "armhf" },
		{ "ppc64le", "ppc64el" }, { "s390x", "s390x" },
		{ "riscv64", "riscv64" },
	};
	struct utsname u;

	if (uname(&u) == 0)
		for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
			if (strcmp(u.machine, map[i].uname) == 0)
				return xstrdup(map[i].deb);
	errx(1, "unknown machine %s; use -a", u.machine);
}

/* VERSION_CODENAME of the host's os-release. */
static char *
host_release(void)
{
	size_t len;
	char *text, *p, *r = NULL;

	if (access("/etc/os-release", R_OK) != 0)
		errx(1, "/etc/os-release: cannot read; use -r");
	text = xreadfile("/etc/os-release", &len);
	for (p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		if (strncmp(p, "VERSION_CODENAME=", 17) == 0) {
			p += 17;
			p += *p == '"';
			r = xasprintf("%.*s", (int)strcspn(p, "\"\n"), p);
			break;
		}
	free(text);
	if (r == NULL || *r == '\0')
		errx(1, "/etc/os-release: no VERSION_CODENAME; use -r");
	return r;
}

static int
is_deb(const char *s)
{
	size_t len = strlen(s);

	return len > 4 && strcmp(s + len - 4, ".deb") == 0;
}

static void
skip_entry(void *ctx, struct archive *a, struct archive_entry *e)
{
	(void)ctx;
	(void)a;
	(void)e;
}

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
static void
check_releases(const char *releases)
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

/* The -K keyrings, each after a comma: trusted for every source. */
static char *extra_keys = "";

/*
 * -C: the archive components to use, NULL for every one a source lists
 * (-m: main); and whether a source of the release has each.
 */
static char **comps_want;
static int *comps_seen;
static size_t ncomps;

/* -C's list: component names (non-free-firmware, updates/main). */
static void
comps_parse(const char *arg)
{
	char *list = xstrdup(arg), *save, *c;

	for (size_t i = 0; i < ncomps; i++)	/* the last -C counts */
		free(comps_want[i]);
	free(comps_want);
	free(comps_seen);
	comps_want = NULL;
	ncomps = 0;
	for (c = strtok_r(list, ",", &save); c; c = strtok_r(NULL, ",",
	    &save)) {
		size_t n = strspn(c, "abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.+_-/");

		if (c[n] != '\0' || *c == '.' || *c == '-' || *c == '/')
			break;
		comps_want = xreallocarray(comps_want, ncomps + 1,
		    sizeof(*comps_want));
		comps_want[ncomps++] = xstrdup(c);
	}
	if (ncomps == 0 || c != NULL || arg[0] == ',' ||
	    arg[strlen(arg) - 1] == ',' || strstr(arg, ",,") != NULL)
		errx(1, "-C %s: not a component name or a comma-separated "
		    "list of them", arg);
	comps_seen = xcalloc(ncomps, sizeof(*comps_seen));
	free(list);
}

/*
 * The components of a source line: with -C, those of comps (a source's
 * blank-separated list) that -C names, marking them found; NULL when
 * none is.
 */
static char *
comps_pick(const char *comps)
{
	char *out = NULL, *list, *save, *p;

	if (comps_want == NULL)
		return xstrdup(comps);
	list = xstrdup(comps);
	for (char *c = strtok_r(list, " \t", &save); c; c = strtok_r(NULL,
	    " \t", &save))
		for (size_t i = 0; i < ncomps; i++)
			if (strcmp(c, comps_want[i]) == 0) {
				comps_seen[i] = 1;
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
comps_check(const char *where, const char *release)
{
	for (size_t i = 0; i < ncomps; i++)
		if (!comps_seen[i])
			errx(1, "%s: no source of %s has the component %s",
			    where, release, comps_want[i]);
}

/*
 * Check-Valid-Until of an entry that does not say: the host's apt setting
 * for the host's sources (host_sources), apt's default (NULL) for -S.
 */
static const char *cvu_default;

/*
 * Append the source line of a host's or -S file's entry when its suite
 * belongs to release.
 */
static void
add_source(char **out, const char *uri, const char *suite,
    const char *comps, const char *signed_by, const char *cvu,
    const char *release)
{
	char *line, *old = *out, *picked;

	if (!suite_in(suite, release))
		return;
	if (cvu == NULL)
		cvu = cvu_default;
	if (cvu != NULL && strcmp(cvu, "yes") != 0 && strcmp(cvu, "no") != 0)
		errx(1, "%s: Check-Valid-Until: %s: not yes or no", uri, cvu);
	if ((picked = comps_pick(comps)) == NULL)
		return;
	line = xasprintf("%sdeb [signed-by=%s%s%s%s] %s %s %s\n",
	    old ? old : "", signed_by ? signed_by : DEBIAN_KEYRING,
	    extra_keys, cvu ? " check-valid-until=" : "", cvu ? cvu : "",
	    uri, suite, picked);
	free(picked);
	free(old);
	*out = line;
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
host_deb822(char **out, const char *file, const char *release)
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
				add_source(out, u, s, comps, signed_by, cvu,
				    release);
			free(sx);
		}
	}
	free(text);
}

/* One-line sources.list: "deb [opts] uri suite comps...". */
static void
host_list(char **out, const char *file, const char *release)
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
			add_source(out, uri, suite, s + strspn(s, " \t"),
			    signed_by, cvu, release);
	}
	free(text);
}

/* One apt sources file: deb822 when its name ends in .sources. */
static void
sources_file(char **out, const char *file, const char *release)
{
	size_t len = strlen(file);

	if (len > 8 && strcmp(file + len - 8, ".sources") == 0)
		host_deb822(out, file, release);
	else
		host_list(out, file, release);
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

static char *
host_sources(const char *release)
{
	char *out = NULL;
	glob_t g;

	cvu_default = host_check_valid_until();
	if (access("/etc/apt/sources.list", R_OK) == 0)
		host_list(&out, "/etc/apt/sources.list", release);
	for (const char *const *pat = (const char *const[]){
	    "/etc/apt/sources.list.d/*.list",
	    "/etc/apt/sources.list.d/*.sources", NULL }; *pat; pat++) {
		if (glob(*pat, 0, NULL, &g) != 0)
			continue;
		for (size_t i = 0; i < g.gl_pathc; i++)
			sources_file(&out, g.gl_pathv[i], release);
		globfree(&g);
	}
	if (out == NULL && ncomps > 0)
		comps_check("the host's apt sources", release);
	if (out == NULL)
		errx(1, "the host's apt sources have no suite %s; use -m or -S",
		    release);
	comps_check("the host's apt sources", release);
	return out;
}

/* An absolute path: apt's configuration must not depend on our cwd. */
static char *
absolute(const char *p)
{
	char *cwd;
	char *r;

	if (p[0] == '/')
		return xstrdup(p);
	if ((cwd = getcwd(NULL, 0)) == NULL)
		err(1, "getcwd");
	r = xasprintf("%s/%s", cwd, p);
	free(cwd);
	return r;
}

/*
 * The cache of a run without -c: the user's, shared by every run wherever
 * it starts (the make chain gives its own). XDG Base Directory
 * Specification: $XDG_CACHE_HOME, ignored unless an absolute path, else
 * $HOME/.cache.
 */
static char *
user_cache(void)
{
	const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");

	if (xdg != NULL && xdg[0] == '/')
		return xasprintf("%s/initkit", xdg);
	if (home == NULL || home[0] != '/')
		errx(1, "HOME: %s, so no cache directory; use -c",
		    home == NULL ? "not set" : "not an absolute path");
	return xasprintf("%s/.cache/initkit", home);
}

/*
 * The one line that says why apt failed: an unmet dependency as apt
 * states it, else a signature that did not verify (apt's error for that
 * only says "is not signed"), else the first error that is not apt's
 * generic summary, else the first warning about fetching or signatures.
 */
NORETURN static void
apt_fail(const char *what, const char *out)
{
	char *pick = NULL, *warn = NULL, *gpg = NULL, *line, *save;
	char *text = xstrdup(out);
	int stale = 0, dep = 0;

	for (line = strtok_r(text, "\n", &save); line;
	    line = strtok_r(NULL, "\n", &save)) {
		stale |= strstr(line, "Unable to locate") != NULL ||
		    strstr(line, " 404 ") != NULL;
		/* " pkg : Depends: other but it is not installable" */
		if (pick == NULL && line[0] == ' ' && strstr(line, " : ") &&
		    (strstr(line, "Depends:") || strstr(line, "Conflicts:") ||
		    strstr(line, "Breaks:"))) {
			pick = line;
			dep = 1;
		}
		/* "W: GPG error: URI SUITE InRelease: ... NO_PUBKEY ..." */
		if (gpg == NULL && (strncmp(line, "W: GPG error: ", 14) == 0 ||
		    strncmp(line, "E: GPG error: ", 14) == 0))
			gpg = line + 3;
		if (pick == NULL && strncmp(line, "E: ", 3) == 0 &&
		    strncmp(line, "E: Some index files failed", 27) != 0 &&
		    strncmp(line, "E: Unable to correct problems", 29) != 0 &&
		    strncmp(line, "E: Unmet dependencies", 21) != 0)
			pick = line + 3;
		if (warn == NULL && strncmp(line, "W: ", 3) == 0 &&
		    (strstr(line, "Failed to fetch") ||
		    strstr(line, "signature") || strstr(line, "GPG")))
			warn = line + 3;
	}
	if (gpg != NULL && !dep)
		pick = gpg;
	if (pick == NULL)
		pick = warn;
	if (pick == NULL)
		errx(1, "%s: apt-get failed", what);
	pick += strspn(pick, " ");
	errx(1, "%s: %s%s", what, pick, stale ?
	    " (package lists may be stale: -u refreshes them)" : "");
}

/* Run an apt tool; tick, if not NULL, is called while it runs. */
static int
apt(const char *tool, char **args, size_t nargs, char **out,
    void (*tick)(void *), void *arg)
{
	char **argv = xcalloc(nargs + 2, sizeof(*argv));
	int r;

	argv[0] = (char *)tool;
	memcpy(argv + 1, args, nargs * sizeof(*args));
	r = run_watch(argv, apt_env, out, NULL, tick, arg);
	free(argv);
	return r;
}

/* A lock or a base (packages.tsv): each line's name, version and arch. */
static struct pkgs
read_tsv(const char *path)
{
	struct pkgs ps = { 0 };
	struct tsv l;

	tsv_read(&l, path);
	ps.v = xcalloc(l.n + 1, sizeof(*ps.v));
	for (ps.n = 0; ps.n < l.n; ps.n++) {
		ps.v[ps.n].name = xstrdup(l.v[ps.n].name);
		ps.v[ps.n].version = xstrdup(l.v[ps.n].version);
		ps.v[ps.n].arch = xstrdup(l.v[ps.n].arch);
	}
	tsv_free(&l);
	return ps;
}

/* "name=version" or "name:arch=version" as apt takes it. */
static char *
pin(const struct pkg *p, const char *native)
{
	if (strcmp(p->arch, "all") == 0 || strcmp(p->arch, native) == 0)
		return xasprintf("%s=%s", p->name, p->version);
	return xasprintf("%s:%s=%s", p->name, p->arch, p->version);
}

/* Field of a stanza that starts at s (ends at a blank line). */
static char *
stanza_field(const char *s, const char *end, const char *name)
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

static int
pkg_cmp(const void *a, const void *b)
{
	return strcmp(((const struct pkg *)a)->name,
	    ((const struct pkg *)b)->name);
}

/*
 * Find packages in the index files apt fetched and verified (lists/
 * *_Packages, signed through their InRelease): fn gets each wanted
 * package's stanza. Faster than asking apt-cache, one read per list.
 */
static void
scan_index(const char *state, struct pkgs *want,
    void (*fn)(struct pkg *, const char *, const char *, void *), void *arg)
{
	struct pkgs sorted = { xcalloc(want->n + 1, sizeof(struct pkg)),
	    want->n };
	char *pat = xasprintf("%s/lists/*_Packages", state);
	glob_t g;

	for (size_t i = 0; i < want->n; i++) {
		sorted.v[i] = want->v[i];
		sorted.v[i].seq0 = i;	/* back to want->v[] */
	}
	qsort(sorted.v, sorted.n, sizeof(*sorted.v), pkg_cmp);
	if (glob(pat, 0, NULL, &g) != 0)
		g.gl_pathc = 0;
	for (size_t f = 0; f < g.gl_pathc; f++) {
		size_t len;
		char *text = xreadfile(g.gl_pathv[f], &len), *p, *end;

		for (p = text; p < text + len; p = end + (*end != '\0')) {
			struct pkg key = { 0 }, *hit;
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
			hit = bsearch(&key, sorted.v, sorted.n,
			    sizeof(*sorted.v), pkg_cmp);
			/* Several entries may share a name: look at all. */
			while (hit && hit > sorted.v &&
			    strcmp(hit[-1].name, key.name) == 0)
				hit--;
			v = hit ? stanza_field(p, end, "Version") : NULL;
			a = hit ? stanza_field(p, end, "Architecture") : NULL;
			for (; hit && hit < sorted.v + sorted.n &&
			    strcmp(hit->name, key.name) == 0; hit++)
				if (v && a && strcmp(hit->version, v) == 0 &&
				    strcmp(hit->arch, a) == 0)
					fn(&want->v[hit->seq0], p, end, arg);
			free(key.name);
			free(v);
			free(a);
		}
		free(text);
	}
	globfree(&g);
	free(pat);
	free(sorted.v);
}

static void
take_status(struct pkg *k, const char *s, const char *end, void *arg)
{
	FILE *fp = arg;
	const char *nl = strchr(s, '\n');

	if (k->indexed++)
		return;		/* the same package in two lists */
	fprintf(fp, "%.*s\nStatus: install ok installed\n%.*s\n", (int)(nl - s),
	    s, (int)(end - nl - 1), nl + 1);
}

/*
 * The base image's packages as installed, so apt adds only the rest. The
 * file is rewritten only when it changes: apt rebuilds its cache when it
 * does.
 */
static void
write_status(const char *state, struct pkgs *base, const char *basefile)
{
	char *text = NULL, *path = xasprintf("%s/status", state), *old;
	size_t tlen = 0, olen = 0;
	FILE *fp = open_memstream(&text, &tlen);

	if (base->n > 0)
		scan_index(state, base, take_status, fp);
	fclose(fp);
	for (size_t i = 0; i < base->n; i++)
		if (!base->v[i].indexed)
			errx(1, "%s: %s %s (%s) is not in the repository",
			    basefile, base->v[i].name, base->v[i].version,
			    base->v[i].arch);
	old = access(path, R_OK) == 0 ? xreadfile(path, &olen) : NULL;
	if (old == NULL || strcmp(old, text) != 0)
		write_file(path, text);
	free(old);
	free(text);
	free(path);
}

static void
take_sha(struct pkg *k, const char *s, const char *end, void *arg)
{
	char *isz;

	(void)arg;
	if (k->want_sha != NULL)
		return;
	k->want_sha = stanza_field(s, end, "SHA256");
	if ((isz = stanza_field(s, end, "Installed-Size")) != NULL)
		k->work = strtoull(isz, NULL, 10);
	free(isz);
}

/*
 * What apt-get --print-uris lists, one package a line, when its archive
 * directory is empty (so nothing counts as downloaded already):
 *   'URI' NAME_VERSION_ARCH.deb SIZE HASH
 * with the version's ':' quoted as %3a. A file: URI is read in place;
 * anything else will be in apt's archive directory under that name. The
 * size is only shown (download progress), never trusted.
 */
static struct pkgs
parse_uris(const char *out, const char *archives)
{
	struct pkgs ps = { 0 };

	for (const char *p = out; p && *p;
	    p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
		const char *q = p[0] == '\'' ? strchr(p + 1, '\'') : NULL;
		char *file, *u1, *u2, *ver;
		struct pkg *k;

		if (q == NULL || q[1] != ' ')
			continue;
		file = xasprintf("%.*s", (int)strcspn(q + 2, " \n"), q + 2);
		u1 = strchr(file, '_');
		u2 = strrchr(file, '_');
		if (u1 == NULL || u1 == u2 || strlen(u2) < 5 ||
		    strcmp(file + strlen(file) - 4, ".deb") != 0)
			errx(1, "apt-get: cannot parse: %.*s",
			    (int)strcspn(p, "\n"), p);
		ps.v = xreallocarray(ps.v, ps.n + 1, sizeof(*ps.v));
		k = &ps.v[ps.n++];
		memset(k, 0, sizeof(*k));
		k->name = xasprintf("%.*s", (int)(u1 - file), file);
		ver = xasprintf("%.*s", (int)(u2 - u1 - 1), u1 + 1);
		k->version = uri_path(ver, strlen(ver));
		free(ver);
		k->arch = xasprintf("%.*s", (int)(strlen(u2 + 1) - 4), u2 + 1);
		k->get_size = strtoull(q + 2 + strlen(file), NULL, 10);
		if (strncmp(p + 1, "file:", 5) == 0)
			k->deb = uri_path(p + 6, (size_t)(q - p - 6));
		else
			k->deb = xasprintf("%s/%s", archives, file);
		free(file);
	}
	return ps;
}

static char *
uri_path(const char *uri, size_t len)
{
	char *s = xmalloc(len + 1), *d = s;

	for (size_t i = 0; i < len; i++) {
		if (uri[i] == '%' && i + 2 < len && isxdigit((unsigned char)uri[i + 1]) &&
		    isxdigit((unsigned char)uri[i + 2])) {
			char h[3] = { uri[i + 1], uri[i + 2], 0 };

			*d++ = (char)strtol(h, NULL, 16);
			i += 2;
		} else
			*d++ = uri[i];
	}
	*d = '\0';
	return s;
}

/*
 * apt's answer is a function of its configuration, lists, status and the
 * request: when none changed since the last run, the answer is reused and
 * apt is not run at all.
 */
static char *
resolve(const char *state, char **args, size_t nargs)
{
	char *key = NULL, *pat = xasprintf("%s/lists/*", state), *out, *old;
	char *file = xasprintf("%s/resolved", state), hex[65];
	const char *inputs[] = { "apt.conf", "etc/sources.list", "status" };
	size_t klen = 0, len;
	FILE *fp = open_memstream(&key, &klen);
	struct stat st;
	glob_t g;

	for (size_t i = 0; i < nargs; i++)
		fprintf(fp, "%s%c", args[i], 0);
	for (size_t i = 0; i < sizeof(inputs) / sizeof(*inputs); i++) {
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
	memcpy(resolution, hex, sizeof(hex));
	free(key);
	free(pat);
	if (access(file, R_OK) == 0) {
		old = xreadfile(file, &len);
		if (strncmp(old, hex, 64) == 0 && old[64] == '\n') {
			out = xstrdup(old + 65);
			free(old);
			free(file);
			return out;
		}
		free(old);
	}
	if (apt("apt-get", args, nargs, &out, NULL, NULL) != 0)
		apt_fail("apt-get", out);
	old = xasprintf("%s\n%s", hex, out);
	write_file(file, old);
	free(old);
	free(file);
	return out;
}

/*
 * The SHA256 and installed size of each package from the index; kept with
 * the resolution's key, as the lists it comes from are part of that key.
 */
static void
index_lookup(const char *state, struct pkgs *ps)
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
					struct pkg *k = &ps->v[i];

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
		scan_index(state, ps, take_sha, NULL);
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
		write_file(file, text);
		free(text);
	}
	free(file);
}

/*
 * Hash every .deb; one from the repository must have the SHA256 its signed
 * index gives. Returns how many are missing or wrong, marked to fetch;
 * with final, those are errors.
 */
static size_t
verify(struct pkgs *ps, int final)
{
	struct stat st;
	size_t bad = 0;

	for (size_t i = 0; i < ps->n; i++) {
		struct pkg *k = &ps->v[i];

		if (k->indexed && k->want_sha == NULL)
			errx(1, "%s %s: not in the repository's index",
			    k->name, k->version);
		k->fetch = 0;
		if (stat(k->deb, &st) != 0) {
			if (final)
				err(1, "%s", k->deb);
			k->fetch = 1;
			bad++;
			continue;
		}
		k->size = st.st_size;
		sha256_file(k->deb, k->sha);
		if (k->indexed && strcmp(k->want_sha, k->sha) != 0) {
			if (final)
				errx(1, "%s: hash mismatch: SHA256 %s, the "
				    "signed index says %s", k->deb, k->sha,
				    k->want_sha);
			k->fetch = 1;
			bad++;
		}
	}
	return bad;
}

/* What apt-get fetches into its archive directory, and how far it is. */
struct fetch {
	const struct pkgs *ps;
	char *partial;		/* where apt keeps what it is fetching */
	size_t n;		/* packages to fetch */
	uint64_t size;		/* their bytes */
	double t0;		/* when it started, by elapsed() */
};

/* The packages in the archive directory whole, and the bytes there so far. */
static void
fetch_count(const struct fetch *f, size_t *done, uint64_t *bytes)
{
	struct stat st;

	*done = 0;
	*bytes = 0;
	for (size_t i = 0; i < f->ps->n; i++) {
		const struct pkg *k = &f->ps->v[i];
		char *part;

		if (!k->fetch)
			continue;
		if (stat(k->deb, &st) == 0 && (uint64_t)st.st_size ==
		    k->get_size) {
			++*done;
			*bytes += k->get_size;
			continue;
		}
		part = xasprintf("%s/%s", f->partial, strrchr(k->deb, '/') + 1);
		if (stat(part, &st) == 0)
			*bytes += (uint64_t)st.st_size;
		free(part);
	}
}

/* On a terminal: a count and bytes, redrawn as apt-get goes on. */
static void
fetch_show(void *arg)
{
	const struct fetch *f = arg;
	char b1[16], b2[16];
	uint64_t bytes;
	size_t done;

	fetch_count(f, &done, &bytes);
	say("downloading %zu/%zu packages, %s/%s", done, f->n,
	    human(bytes, b1), human(f->size, b2));
}

/*
 * Fetch the packages verify() found missing or wrong with apt-get, whose
 * own output is kept for an error: on a terminal a count and bytes as they
 * come instead; with -v a line at the start and one at the end.
 */
static void
fetch(const struct pkgs *ps, const char *state, char **args, size_t nargs)
{
	struct fetch f = { .ps = ps };
	char buf[16], *out;

	f.partial = xasprintf("%s/archives/partial", state);
	for (size_t i = 0; i < ps->n; i++)
		if (ps->v[i].fetch) {
			f.n++;
			f.size += ps->v[i].get_size;
		}
	f.t0 = elapsed();
	if (verbose)
		say("downloading %zu packages, %s", f.n, human(f.size, buf));
	else
		fetch_show(&f);
	if (apt("apt-get", args, nargs, &out, progress && !verbose ?
	    fetch_show : NULL, &f) != 0)
		apt_fail("apt-get", out);
	free(out);
	if (verbose)
		say("downloaded %zu packages, %s, in %.1f s", f.n,
		    human(f.size, buf), elapsed() - f.t0);
	else
		fetch_show(&f);
	free(f.partial);
}

/*
 * A worker process: take the next package of order[] until there is none
 * (next counts the packages taken, by all the workers), unpack each, and
 * leave its nodes as a spec in work/NUMBER, headed by the package's
 * line of packages.tsv. One byte to notify per package done.
 */
static void
worker(struct pkgs *ps, const uint32_t *order, atomic_uint *next,
    const char *root, const char *work, char *const *excl, size_t nexcl,
    int notify)
{
	unsigned k;

	while ((k = atomic_fetch_add(next, 1)) < ps->n) {
		uint32_t i = order[k];
		struct pkg *p = &ps->v[i];
		struct tree t = { 0 };
		struct unpacker u = {
			.deb = p->deb, .prefix = root, .tree = &t,
			.excl = excl, .nexcl = nexcl,
		};
		struct deb_info info;
		struct tsv_pkg row;
		char *path = xasprintf("%s/%" PRIu32, work, i);
		FILE *fp;

		if ((u.rootfd = open(root, O_RDONLY | O_DIRECTORY |
		    O_CLOEXEC)) < 0)
			err(1, "%s", root);
		deb_read(p->deb, &info, unpack_entry, &u);
		unpack_done(&u);
		close(u.rootfd);
		if ((fp = fopen(path, "w")) == NULL)
			err(1, "%s", path);
		row.name = info.package;
		row.version = info.version;
		row.arch = info.arch;
		row.source = info.source;
		row.size = info.installed_size * 1024;
		row.sha256 = p->sha;
		tsv_write(fp, &row);
		tree_write_spec(&t, fp);
		if (fclose(fp) != 0)
			err(1, "%s", path);
		if (write(notify, "", 1) < 0)
			err(1, "progress pipe");
		tree_free(&t);
		deb_info_free(&info);
		free(path);
	}
}

/* Workers still running; stopped before a temporary root is removed. */
static pid_t *workers;
static size_t nworkers;

static void
stop_workers(void)
{
	int status;

	if (workers == NULL || getpid() != parent_pid)
		return;
	for (size_t w = 0; w < nworkers; w++)
		if (workers[w] > 0)
			kill(workers[w], SIGKILL);
	for (size_t w = 0; w < nworkers; w++)
		if (workers[w] > 0) {
			while (waitpid(workers[w], &status, 0) < 0 &&
			    errno == EINTR)
				;
			workers[w] = 0;
		}
	nworkers = 0;
}

static int
work_cmp(const void *a, const void *b, void *arg)
{
	const struct pkg *v = arg;
	uint64_t x = v[*(const uint32_t *)a].work, y = v[*(const uint32_t *)b].work;

	return x > y ? -1 : x < y;
}

/*
 * Unpack every package with one worker process per CPU. The biggest go
 * first (by installed size, which decompression time follows) and a worker
 * takes the next package when it is done, so the last to finish are small.
 * The workers share a counter of the packages taken, in memory they all
 * map: handing out any number of packages needs no pipe of any size.
 */
static void
unpack_all(struct pkgs *ps, const char *root, const char *work,
    char *const *excl, size_t nexcl)
{
	size_t nw = (size_t)ncpus(), done = 0;
	uint32_t *order = xcalloc(ps->n, sizeof(*order));
	atomic_uint *next;
	int note[2], status, failed = 0;
	pid_t *pids;
	char c;

	if (nw > ps->n)
		nw = ps->n;
	pids = xcalloc(nw, sizeof(*pids));
	for (size_t i = 0; i < ps->n; i++)
		order[i] = (uint32_t)i;
	qsort_r(order, ps->n, sizeof(*order), work_cmp, ps->v);
	if (ps->n > UINT_MAX - nw)
		errx(1, "too many packages at once (%zu)", ps->n);
	if ((next = mmap(NULL, sizeof(*next), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0)) == MAP_FAILED)
		err(1, "mmap");
	atomic_init(next, 0);
	if (pipe(note) < 0)
		err(1, "pipe");
	fflush(NULL);
	parent_pid = getpid();
	workers = pids;
	out_before_cleanup(stop_workers);
	for (size_t w = 0; w < nw; w++) {
		if ((pids[w] = fork()) < 0)
			err(1, "fork");
		nworkers = w + 1;
		if (pids[w] == 0) {
			/* A full disk or a file size limit is an error that
			 * names the file (EFBIG, ENOSPC), not a silent death. */
			signal(SIGXFSZ, SIG_IGN);
			close(note[0]);
			worker(ps, order, next, root, work, excl, nexcl,
			    note[1]);
			/* Its files are closed; the parent's exit handlers and
			 * temporaries are not the worker's business. */
			_exit(0);
		}
	}
	close(note[1]);
	while (read(note[0], &c, 1) == 1)
		if (++done == ps->n || !verbose)
			say("unpacked %zu/%zu", done, ps->n);
	close(note[0]);
	for (size_t w = 0; w < nw; w++) {
		if (waitpid(pids[w], &status, 0) < 0)
			err(1, "waitpid");
		pids[w] = 0;
		if (WIFSIGNALED(status))
			warnx("unpacking: worker killed by signal %d (%s)",
			    WTERMSIG(status), strsignal(WTERMSIG(status)));
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			failed = 1;
			/* Stop the others before the root is removed. */
			stop_workers();
			break;
		}
	}
	workers = NULL;
	if (failed) {
		progress_clear();
		exit(1);
	}
	munmap(next, sizeof(*next));
	free(order);
	free(pids);
}

/* The merged /usr skeleton: directories and the four symlinks. */
static void
skeleton(const char *root, struct tree *t)
{
	static const char *const dirs[] = {
		"usr", "usr/bin", "usr/sbin", "usr/lib", "usr/lib64", NULL
	};
	char *p;

	for (int i = 0; dirs[i]; i++) {
		struct node *d = tree_new(t);

		p = xasprintf("%s/%s", root, dirs[i]);
		if (mkdir(p, 0755) < 0)
			err(1, "%s", p);
		free(p);
		d->path = xstrdup(dirs[i]);
		d->mode = S_IFDIR | 0755;
		d->seq = (size_t)-1;	/* a package's entry wins */
	}
	for (int i = 0; merged_usr[i]; i++) {
		struct node *n = tree_new(t);
		char *target = xasprintf("usr/%s", merged_usr[i]);

		p = xasprintf("%s/%s", root, merged_usr[i]);
		if (symlink(target, p) < 0)
			err(1, "%s", p);
		free(p);
		n->path = xstrdup(merged_usr[i]);
		n->mode = S_IFLNK | 0777;
		n->link = target;
	}
}

static const struct pkg *
owner(const struct pkgs *ps, size_t seq)
{
	for (size_t i = 0; i < ps->n; i++)
		if (seq >= ps->v[i].seq0 && seq < ps->v[i].seq1)
			return &ps->v[i];
	return NULL;
}

/*
 * One node per path: a directory several packages ship keeps the first
 * package's metadata (packages are in name order); any other path shipped
 * twice is a conflict dpkg would refuse too.
 */
static void
merge(struct tree *t, const struct pkgs *ps)
{
	size_t i, j, k, out = 0;

	tree_sort(t);
	for (i = 0; i < t->n; i = j) {
		int dirs = 1;

		for (j = i; j < t->n && strcmp(t->v[i].path, t->v[j].path) == 0;
		    j++)
			dirs &= S_ISDIR(t->v[j].mode);
		if (j - i > 1 && !dirs) {
			const struct pkg *a = owner(ps, t->v[i].seq),
			    *b = owner(ps, t->v[i + 1].seq);

			errx(1, "%s: shipped by both %s and %s", t->v[i].path,
			    a ? a->name : "the merged-/usr layout",
			    b ? b->name : "the merged-/usr layout");
		}
		t->v[out++] = t->v[i];
		for (k = i + 1; k < j; k++)
			node_free(&t->v[k]);
	}
	t->n = out;
}

/* Directories no package named, but which exist for their children. */
static void
add_parents(struct tree *t)
{
	size_t n = t->n;
	char *p;

	for (size_t i = 0; i < n; i++) {
		p = xstrdup(t->v[i].path);
		for (char *s = strrchr(p, '/'); s; s = strrchr(p, '/')) {
			struct node *d;

			*s = '\0';
			d = tree_new(t);
			d->path = xstrdup(p);
			d->mode = S_IFDIR | 0755;
			d->seq = (size_t)-1;	/* loses to any real entry */
		}
		free(p);
	}
	tree_sort(t);
	/* Keep the first of each path: real entries sort before these. */
	size_t out = 0;

	for (size_t i = 0; i < t->n; i++) {
		if (out > 0 && strcmp(t->v[out - 1].path, t->v[i].path) == 0) {
			node_free(&t->v[i]);
			continue;
		}
		t->v[out++] = t->v[i];
	}
	t->n = out;
}

/* packages.tsv: the packages by name and architecture. */
static void
write_packages_tsv(struct out *o, const struct pkgs *ps)
{
	struct tsv_pkg *rows = xcalloc(ps->n + 1, sizeof(*rows));
	char *text = NULL;
	size_t len = 0;
	FILE *fp;

	for (size_t i = 0; i < ps->n; i++)
		rows[i] = ps->v[i].row;
	qsort(rows, ps->n, sizeof(*rows), tsv_cmp);
	fp = open_memstream(&text, &len);
	for (size_t i = 0; i < ps->n; i++)
		tsv_write(fp, &rows[i]);
	fclose(fp);
	out_write(o, text, len);
	free(text);
	free(rows);
}

/* The options and operands. */
struct args {
	const char *root, *tsv, *cache, *mirror, *lock, *base, *sources;
	char *arch, *release;
	char **keyrings, **excl, **pkgs;
	size_t nkeys, nexcl, npkgs;
	int force, update;
};

static void
args_parse(struct args *a, int argc, char *argv[])
{
	int ch;

	while ((ch = getopt_long(argc, argv, "ha:b:C:c:fK:L:m:o:p:r:S:uvx:",
	    std_longopts, NULL)) != -1) {
		switch (ch) {
		case 'a':
			free(a->arch);
			a->arch = xstrdup(optarg);
			break;
		case 'b':
			a->base = optarg;
			break;
		case 'C':
			comps_parse(optarg);
			break;
		case 'c':
			a->cache = optarg;
			break;
		case 'f':
			a->force = 1;
			break;
		case 'K':
			if (access(optarg, R_OK) != 0)
				err(1, "%s", optarg);
			a->keyrings = xreallocarray(a->keyrings, a->nkeys + 1,
			    sizeof(*a->keyrings));
			a->keyrings[a->nkeys++] = absolute(optarg);
			break;
		case 'L':
			a->lock = optarg;
			break;
		case 'm':
			a->mirror = optarg;
			break;
		case 'o':
			a->root = optarg;
			break;
		case 'p':
			a->tsv = optarg;
			break;
		case 'r':
			free(a->release);	/* the last -r counts */
			a->release = xstrdup(optarg);
			break;
		case 'S':
			a->sources = optarg;
			break;
		case 'u':
			a->update = 1;
			break;
		case 'v':
			verbose = 1;
			break;
		case 'x':
			a->excl = xreallocarray(a->excl, a->nexcl + 1,
			    sizeof(*a->excl));
			a->excl[a->nexcl++] = optarg;
			break;
		case 'h':
			usage(0);
		case OPT_VERSION:
			print_version();
		default:
			usage(2);
		}
	}
	if (a->root == NULL || argc == optind)
		usage(2);
	a->pkgs = argv + optind;
	a->npkgs = (size_t)(argc - optind);
	progress = isatty(2);
	if (a->arch == NULL)
		a->arch = host_arch();
	if (a->release == NULL)
		a->release = host_release();
	check_releases(a->release);
	if (a->tsv == NULL)
		a->tsv = xasprintf("%s.tsv", a->root);
}

/*
 * Local .deb operands: read whole by our reader, whose errors name the
 * file, before apt sees them.
 */
static struct pkgs
read_local(const struct args *a)
{
	struct pkgs local = { xcalloc(a->npkgs + 1, sizeof(struct pkg)), 0 };

	for (size_t i = 0; i < a->npkgs; i++)
		if (is_deb(a->pkgs[i])) {
			deb_read(a->pkgs[i], &local.v[local.n].info,
			    skip_entry, NULL);
			local.v[local.n++].deb = xstrdup(a->pkgs[i]);
		}
	return local;
}

/* -m: one line for each suite of -r, with -C's components or main. */
static char *
mirror_sources(const char *mirror, const char *release)
{
	char *signed_by = xasprintf("%s%s", DEBIAN_KEYRING, extra_keys);
	char *comps = xstrdup("main"), *lines = NULL, *more;

	for (size_t i = 0; i < ncomps; i++) {
		more = xasprintf("%s%s%s", i ? comps : "", i ? " " : "",
		    comps_want[i]);
		free(comps);
		comps = more;
	}
	for (const char *r = release; *r != '\0'; r += *r == ',') {
		size_t n = strcspn(r, ",");

		more = xasprintf("%sdeb [signed-by=%s] %s %.*s %s\n",
		    lines ? lines : "", signed_by, mirror, (int)n, r, comps);
		free(lines);
		lines = more;
		r += n;
	}
	free(comps);
	free(signed_by);
	return lines;
}

/* The sources.list of the private state: from -m, -S or the host's. */
static char *
apt_sources(const struct args *a)
{
	char *sources = NULL;

	for (size_t i = 0; i < a->nkeys; i++)
		extra_keys = xasprintf("%s,%s", extra_keys, a->keyrings[i]);
	if (a->mirror != NULL && a->sources != NULL)
		errx(1, "-m %s and -S %s: give one of them", a->mirror,
		    a->sources);
	if (a->mirror != NULL)
		return mirror_sources(a->mirror, a->release);
	if (a->sources == NULL)
		return host_sources(a->release);
	if (access(a->sources, R_OK) != 0)
		err(1, "%s", a->sources);
	sources_file(&sources, a->sources, a->release);
	if (sources == NULL && ncomps > 0)
		comps_check(a->sources, a->release);
	if (sources == NULL)
		errx(1, "%s: no source for suite %s", a->sources, a->release);
	comps_check(a->sources, a->release);
	return sources;
}

/* apt.conf: every directory apt reads or writes is in state. */
static void
write_apt_conf(const char *state, const char *arch)
{
	char *conf = xasprintf("%s/apt.conf", state);
	char *text = xasprintf(
	    "Dir \"%1$s/\";\n"
	    "Dir::Etc \"%1$s/etc/\";\n"
	    "Dir::Etc::Main \"/dev/null\";\n"
	    "Dir::Etc::Parts \"%1$s/etc/apt.conf.d/\";\n"
	    "Dir::Etc::SourceList \"%1$s/etc/sources.list\";\n"
	    "Dir::Etc::SourceParts \"%1$s/etc/sources.list.d/\";\n"
	    "Dir::Etc::Preferences \"/dev/null\";\n"
	    "Dir::Etc::PreferencesParts \"%1$s/etc/preferences.d/\";\n"
	    "Dir::Etc::Trusted \"/dev/null\";\n"
	    "Dir::Etc::TrustedParts \"%1$s/etc/trusted.gpg.d/\";\n"
	    "Dir::State \"%1$s/\";\n"
	    "Dir::State::Lists \"%1$s/lists/\";\n"
	    "Dir::State::Status \"%1$s/status\";\n"
	    "Dir::Cache \"%1$s/\";\n"
	    "Dir::Cache::Archives \"%1$s/archives/\";\n"
	    "Dir::Log \"%1$s/\";\n"
	    "Dir::Bin::dpkg \"/bin/false\";\n"
	    "APT::Architecture \"%2$s\";\n"
	    "APT::Architectures { \"%2$s\"; };\n"
	    "APT::Install-Recommends \"false\";\n"
	    "APT::Install-Suggests \"false\";\n"
	    "APT::Sandbox::User \"root\";\n"
	    "APT::Get::AllowUnauthenticated \"false\";\n"
	    "Acquire::AllowInsecureRepositories \"false\";\n"
	    "Acquire::AllowDowngradeToInsecureRepositories \"false\";\n"
	    "Acquire::Languages \"none\";\n"
	    "Acquire::Retries \"2\";\n"
	    "Debug::NoLocking \"true\";\n",
	    state, arch);

	write_file(conf, text);
	free(text);
	apt_env[0] = xasprintf("APT_CONFIG=%s", conf);
	apt_env[1] = "LC_ALL=C";
	free(conf);
}

/*
 * The private apt state, CACHE/apt-RELEASE-ARCH: nothing of the host's is
 * read or written. One run at a time on it (make -j builds two roots from
 * one cache): the lock is held until exit.
 */
static char *
apt_state_open(const struct args *a)
{
	char *cache = a->cache ? absolute(a->cache) : user_cache();
	char *state = xasprintf("%s/apt-%s-%s", cache, a->release, a->arch);
	char *lock, *dir;
	int fd;

	for (char *c = state + strlen(cache); *c; c++)
		if (*c == '/' && c > state + strlen(cache))
			*c = '_';
	mkdir_p(state);
	lock = xasprintf("%s/lock", state);
	if ((fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0644)) < 0)
		err(1, "%s", lock);
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno != EWOULDBLOCK)
			err(1, "%s", lock);
		say("waiting for another pkgroot on %s", cache);
		if (flock(fd, LOCK_EX) < 0)
			err(1, "%s", lock);
	}
	free(lock);
	for (const char *const *d = (const char *const[]){ "lists/partial",
	    "archives/partial", "empty/partial", "etc/apt.conf.d",
	    "etc/preferences.d", "etc/sources.list.d", "etc/trusted.gpg.d",
	    NULL }; *d; d++) {
		dir = xasprintf("%s/%s", state, *d);
		mkdir_p(dir);
		free(dir);
	}
	write_apt_conf(state, a->arch);
	free(cache);
	return state;
}

/* Refresh the lists only when asked, new, or the sources changed. */
static void
apt_update(const char *state, const char *sources, int update,
    const char *mirror)
{
	char *list = xasprintf("%s/etc/sources.list", state), *lists, *out;

	if (access(list, R_OK) == 0) {
		size_t len;
		char *old = xreadfile(list, &len);

		update |= strcmp(old, sources) != 0;
		free(old);
	} else
		update = 1;
	if (!update) {
		free(list);
		return;
	}
	/* Stale lists of other sources must not be trusted. */
	lists = xasprintf("%s/lists", state);
	rmtree_at(AT_FDCWD, lists);
	mkdir_p(lists);
	free(lists);
	lists = xasprintf("%s/lists/partial", state);
	mkdir_p(lists);
	free(lists);
	write_file(list, sources);
	say("updating package lists");
	if (apt("apt-get", (char *[]){ "-q", "update" }, 2, &out, NULL,
	    NULL) != 0 || strstr(out, "\nW: ") || strncmp(out, "W: ", 3) == 0) {
		/* Any warning here is a missing or bad signature or a failed
		 * fetch: nothing may go on from that state. */
		unlink(list);
		free(list);
		apt_fail(mirror ? mirror : "apt-get update", out);
	}
	free(out);
	free(list);
}

/*
 * apt-get's arguments: install the operands and the lock's exact
 * versions; room after them for the options of a step (resolve, fetch).
 */
static char **
install_args(const struct args *a, const struct pkgs *lock, size_t *nargs)
{
	char **args = xcalloc(a->npkgs + lock->n + 8, sizeof(*args));
	size_t n = 0;

	args[n++] = "-q";
	args[n++] = "-y";
	args[n++] = "install";
	for (size_t i = 0; i < lock->n; i++)
		args[n++] = pin(&lock->v[i], a->arch);
	/* A locked package named again keeps its locked version. */
	for (size_t i = 0; i < a->npkgs; i++) {
		int locked = 0;

		for (size_t k = 0; k < lock->n; k++)
			locked |= strcmp(lock->v[k].name, a->pkgs[i]) == 0;
		if (!locked)
			args[n++] = is_deb(a->pkgs[i]) ? absolute(a->pkgs[i]) :
			    a->pkgs[i];
	}
	*nargs = n;
	return args;
}

/*
 * What apt would install, each with its .deb: in the archive directory,
 * or a local operand, which our reader checked instead of an index.
 */
static struct pkgs
resolve_install(const char *state, char **args, size_t nargs,
    const struct pkgs *local)
{
	struct pkgs ps;
	char *out, *archives;

	say("resolving");
	args[nargs] = "--print-uris";
	args[nargs + 1] = "-o";
	args[nargs + 2] = xasprintf("Dir::Cache::Archives=%s/empty/", state);
	out = resolve(state, args, nargs + 3);
	archives = xasprintf("%s/archives", state);
	ps = parse_uris(out, archives);
	free(archives);
	free(out);
	if (ps.n == 0)
		errx(1, "nothing to install: everything is in the base");
	for (size_t i = 0; i < ps.n; i++) {
		ps.v[i].indexed = 1;
		for (size_t l = 0; l < local->n; l++) {
			const struct pkg *d = &local->v[l];

			if (strcmp(d->info.package, ps.v[i].name) == 0 &&
			    strcmp(d->info.version, ps.v[i].version) == 0 &&
			    strcmp(d->info.arch, ps.v[i].arch) == 0) {
				free(ps.v[i].deb);
				ps.v[i].deb = xstrdup(d->deb);
				ps.v[i].indexed = 0;
				ps.v[i].work = d->info.installed_size;
			}
		}
	}
	say("resolved %zu packages", ps.n);
	return ps;
}

/*
 * A warm cache needs no apt-get: every .deb is there, with the SHA256 of
 * the signed index. Otherwise apt fetches what is not.
 */
static void
fetch_verified(struct pkgs *ps, const char *state, char **args,
    size_t nargs)
{
	if (verify(ps, 0) > 0) {
		args[nargs] = "--download-only";
		fetch(ps, state, args, nargs + 1);
		verify(ps, 1);
	}
	say("verified");
}

/*
 * Each worker's file: the package's line of packages.tsv, then the spec
 * of its nodes, which go into t numbered in package order.
 */
static void
read_worker_specs(struct pkgs *ps, const char *work, struct tree *t)
{
	for (size_t i = 0; i < ps->n; i++) {
		size_t len;
		char *path = xasprintf("%s/%zu", work, i), *text, *nl;

		text = xreadfile(path, &len);
		if ((nl = strchr(text, '\n')) == NULL)
			errx(1, "%s: truncated", path);
		ps->v[i].row_line = xasprintf("%.*s", (int)(nl - text), text);
		tsv_parse(&ps->v[i].row, ps->v[i].row_line, path, 1);
		ps->v[i].seq0 = t->seq;
		tree_add_spec_mem(t, ps->v[i].deb, nl + 1,
		    len - (size_t)(nl + 1 - text));
		ps->v[i].seq1 = t->seq;
		free(text);
		free(path);
	}
	say("read the workers' specs");
}

/* Name the bytes by the root's final path. */
static void
tree_rebase(struct tree *t, const char *tmp, const char *final)
{
	for (size_t i = 0; i < t->n; i++) {
		char *src = t->v[i].src;

		if (src != NULL && strncmp(src, tmp, strlen(tmp)) == 0) {
			t->v[i].src = xasprintf("%s%s", final,
			    src + strlen(tmp));
			free(src);
		}
	}
}

int
main(int argc, char *argv[])
{
	/* static: the run's state lives as long as the process, which exits
	 * without freeing it (and leak checkers know it is reachable). */
	static struct args a;
	static struct pkgs lock, base, local, ps;
	static struct out rootout, tsvout;
	static struct tree t;
	static char *sources, *state, **args, *work;
	static size_t nargs;

	/*
	 * libarchive hands out a pax header's UTF-8 names in the locale's
	 * charset, ASCII in the C locale a program starts in: read them as
	 * UTF-8, whatever the environment says (where C.UTF-8 is missing,
	 * a name beyond ASCII is refused).
	 */
	setlocale(LC_CTYPE, "C.UTF-8");
	args_parse(&a, argc, argv);
	if (a.lock != NULL)
		lock = read_tsv(a.lock);
	if (a.base != NULL)
		base = read_tsv(a.base);
	local = read_local(&a);

	sources = apt_sources(&a);
	state = apt_state_open(&a);
	apt_update(state, sources, a.update, a.mirror);
	write_status(state, &base, a.base);
	args = install_args(&a, &lock, &nargs);
	ps = resolve_install(state, args, nargs, &local);
	index_lookup(state, &ps);
	say("read the index");
	fetch_verified(&ps, state, args, nargs);

	/* Unpack beside the target, then rename it in whole. */
	out_dir_open(&rootout, a.root, a.force ? OUT_FORCE : 0);
	out_open(&tsvout, a.tsv, OUT_FORCE);
	skeleton(rootout.tmp, &t);
	work = scratch_dir(state, "work");
	unpack_all(&ps, rootout.tmp, work, a.excl, a.nexcl);
	read_worker_specs(&ps, work, &t);
	merge(&t, &ps);
	add_parents(&t);
	tree_rebase(&t, rootout.tmp, a.root);
	write_packages_tsv(&tsvout, &ps);
	/* An interrupted run leaves a root without a list: make reruns it. */
	out_dir_commit_with(&rootout, &tsvout);
	/* The spec may go to the terminal the progress line is on. */
	progress_clear();
	tree_write_spec(&t, stdout);
	if (verbose)
		say("done");
	if (fclose(stdout) != 0)
		err(1, "stdout");
	return 0;
}
