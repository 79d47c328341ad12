/*
 * pkgroot: install Debian packages into a root directory without root
 * privileges and without touching the host's package state: apt resolves
 * and downloads (signatures checked) in a private state directory, each
 * .deb is unpacked by libarchive, and the real owners, modes and device
 * nodes go into the tree spec on stdout. First step of the pipeline: its
 * root, spec and packages.tsv feed mkcpio, mksqfs and manifest.
 *
 * main is the pipeline: the options; the lock and base (-L, -b) and the
 * local .debs read; the sources of the release (bin/lib/aptsrc.c) and the
 * private state (apt.c), its lists fetched when the sources changed; the
 * base's packages as installed, and those -N omits as their candidates
 * without their dependencies (aptindex.c); apt's resolution and the
 * index's hashes (aptcache.c, kept while nothing changed); each .deb
 * verified against the signed index, fetched when it is not whole; all
 * unpacked by a pool of workers (pool.c) beside the target, on the
 * merged-/usr skeleton (usrmerge.c); their specs merged, packages.tsv
 * (tsv.c) and the spec written.
 *
 * Implements: deb(5); apt's configuration (apt.conf(5), sources.list(5));
 * Debian's merged /usr layout; packages.tsv(5).
 */
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/utsname.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <locale.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "initkit.h"

/* A local .deb operand, read by our reader before apt sees it. */
struct local {
	char *deb;
	struct deb_info info;
};

/* What pkgroot has of each package it unpacked, beside its apt_pkg. */
struct unpacked {
	struct tsv_pkg row;	/* its line of packages.tsv, in line */
	char *line;
	size_t seq0, seq1;	/* its nodes' seq numbers */
};

static int progress, verbose;

/* -h: on stdout, exit 0; a usage error: on stderr, exit 2. */
static NORETURN void
usage(int status)
{
	fprintf(status ? stderr : stdout, "usage: pkgroot [-fuv] [-a arch] [-r release] "
	    "[-m mirror | -S sources]\n"
	    "               [-C component[,...]] [-K keyring] [-b base.tsv] "
	    "[-L lock.tsv]\n"
	    "               [-x exclude-glob] [-N pkg[,...]] [-c cachedir] "
	    "[-p packages.tsv]\n"
	    "               -o rootdir pkg | file.deb ...\n");
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

/* A lock or a base (packages.tsv): each line's name, version and arch. */
static struct apt_pkgs
read_tsv(const char *path)
{
	struct apt_pkgs ps = { 0 };
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
pin(const struct apt_pkg *p, const char *native)
{
	if (strcmp(p->arch, "all") == 0 || strcmp(p->arch, native) == 0)
		return xasprintf("%s=%s", p->name, p->version);
	return xasprintf("%s:%s=%s", p->name, p->arch, p->version);
}

/*
 * Hash every .deb; one from the repository must have the SHA256 its signed
 * index gives. Returns how many are missing or wrong, marked to fetch;
 * with final, those are errors.
 */
static size_t
verify(struct apt_pkgs *ps, int final)
{
	struct stat st;
	size_t bad = 0;

	for (size_t i = 0; i < ps->n; i++) {
		struct apt_pkg *k = &ps->v[i];

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
	const struct apt_pkgs *ps;
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
		const struct apt_pkg *k = &f->ps->v[i];
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
fetch(const struct apt_pkgs *ps, const char *state, char **args, size_t nargs)
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
	if (apt_get(args, nargs, &out, progress && !verbose ?
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

/* What each worker needs to unpack a package. */
struct unpack_job {
	struct apt_pkgs *ps;
	const char *root, *work;
	char *const *excl;
	size_t nexcl;
};

/*
 * In a worker process: unpack package i and leave its nodes as a spec in
 * work/NUMBER, headed by the package's line of packages.tsv.
 */
static void
unpack_one(size_t i, void *arg)
{
	const struct unpack_job *j = arg;
	struct apt_pkg *p = &j->ps->v[i];
	struct tree t = { 0 };
	struct unpacker u = {
		.deb = p->deb, .prefix = j->root, .tree = &t,
		.excl = j->excl, .nexcl = j->nexcl,
	};
	struct deb_info info;
	struct tsv_pkg row;
	char *path = xasprintf("%s/%zu", j->work, i);
	FILE *fp;

	if ((u.rootfd = open(j->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		err(1, "%s", j->root);
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
	tree_free(&t);
	deb_info_free(&info);
	free(path);
}

static void
unpack_tick(size_t done, size_t n, void *arg)
{
	if (done == n || !verbose)
		say("unpacked %zu/%zu", done, n);
}

static int
work_cmp(const void *a, const void *b, void *arg)
{
	const struct apt_pkg *v = arg;
	uint64_t x = v[*(const uint32_t *)a].work, y = v[*(const uint32_t *)b].work;

	return x > y ? -1 : x < y;
}

/*
 * Unpack every package with one worker process per CPU. The biggest go
 * first (by installed size, which decompression time follows), so the
 * last to finish are small.
 */
static void
unpack_all(struct apt_pkgs *ps, const char *root, const char *work,
    char *const *excl, size_t nexcl)
{
	struct unpack_job j = { ps, root, work, excl, nexcl };
	uint32_t *order = xcalloc(ps->n, sizeof(*order));
	struct pool pool = { .n = ps->n, .order = order, .job = unpack_one,
	    .tick = unpack_tick, .arg = &j, .what = "unpacking" };

	for (size_t i = 0; i < ps->n; i++)
		order[i] = (uint32_t)i;
	qsort_r(order, ps->n, sizeof(*order), work_cmp, ps->v);
	if (ps->n > UINT_MAX - (size_t)ncpus())
		errx(1, "too many packages at once (%zu)", ps->n);
	pool_run(&pool);
	free(order);
}

/* The package whose nodes seq numbers, NULL for the skeleton's. */
static const char *
owner(const struct apt_pkgs *ps, const struct unpacked *un, size_t seq)
{
	for (size_t i = 0; i < ps->n; i++)
		if (seq >= un[i].seq0 && seq < un[i].seq1)
			return ps->v[i].name;
	return NULL;
}

/*
 * One node per path: a directory several packages ship keeps the metadata
 * of the first package in the order apt listed them (--print-uris, the
 * same for the same request and lists); any other path shipped twice is
 * a conflict dpkg would refuse too.
 */
static void
merge(struct tree *t, const struct apt_pkgs *ps, const struct unpacked *un)
{
	size_t i, j, k, out = 0;

	tree_sort(t);
	for (i = 0; i < t->n; i = j) {
		int dirs = 1;

		for (j = i; j < t->n && strcmp(t->v[i].path, t->v[j].path) == 0;
		    j++)
			dirs &= S_ISDIR(t->v[j].mode);
		if (j - i > 1 && !dirs) {
			const char *a = owner(ps, un, t->v[i].seq),
			    *b = owner(ps, un, t->v[i + 1].seq);

			errx(1, "%s: shipped by both %s and %s", t->v[i].path,
			    a ? a : "the merged-/usr layout",
			    b ? b : "the merged-/usr layout");
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
write_packages_tsv(struct out *o, const struct unpacked *un, size_t n)
{
	struct tsv_pkg *rows = xcalloc(n + 1, sizeof(*rows));
	char *text = NULL;
	size_t len = 0;
	FILE *fp;

	for (size_t i = 0; i < n; i++)
		rows[i] = un[i].row;
	qsort(rows, n, sizeof(*rows), tsv_cmp);
	fp = open_memstream(&text, &len);
	for (size_t i = 0; i < n; i++)
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
	char **omit;		/* -N's names, sorted, each once */
	size_t nkeys, nexcl, npkgs, nomit;
	int force, update;
	struct aptsrc src;	/* -C's components, the suites of -r */
};

/* -N's list: package names, separated by commas (an empty one is none). */
static void
omit_add(struct args *a, const char *arg)
{
	char *list = xstrdup(arg), *p = list, *c;

	while ((c = strsep(&p, ",")) != NULL) {
		if (!debname_valid(c))
			errx(1, "-N %s: not a package name or a comma-separated "
			    "list of them", arg);
		a->omit = xreallocarray(a->omit, a->nomit + 1,
		    sizeof(*a->omit));
		a->omit[a->nomit++] = xstrdup(c);
	}
	free(list);
}

static int
str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* -N's names in order, each once: the status does not depend on theirs. */
static void
omit_sort(struct args *a)
{
	size_t n = 0;

	if (a->nomit == 0)
		return;
	qsort(a->omit, a->nomit, sizeof(*a->omit), str_cmp);
	for (size_t i = 0; i < a->nomit; i++)
		if (n == 0 || strcmp(a->omit[i], a->omit[n - 1]) != 0)
			a->omit[n++] = a->omit[i];
		else
			free(a->omit[i]);
	a->nomit = n;
}

/* Whether -N names the package name (len bytes of it). */
static int
omitted(const struct args *a, const char *name, size_t len)
{
	char *key;
	int r;

	if (a->nomit == 0)
		return 0;
	key = xasprintf("%.*s", (int)len, name);
	r = bsearch(&key, a->omit, a->nomit, sizeof(*a->omit), str_cmp) !=
	    NULL;
	free(key);
	return r;
}

static void
args_parse(struct args *a, int argc, char *argv[])
{
	int ch;

	while ((ch = getopt_long(argc, argv, "ha:b:C:c:fK:L:m:N:o:p:r:S:uvx:",
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
			aptsrc_comps(&a->src, optarg);
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
		case 'N':
			omit_add(a, optarg);
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
	omit_sort(a);
	progress = isatty(2);
	if (a->arch == NULL)
		a->arch = host_arch();
	if (a->release == NULL)
		a->release = host_release();
	aptsrc_release_check(a->release);
	if (a->tsv == NULL)
		a->tsv = xasprintf("%s.tsv", a->root);
}

/*
 * Local .deb operands: read whole by our reader, whose errors name the
 * file, before apt sees them.
 */
static struct local *
read_local(const struct args *a, size_t *n)
{
	struct local *local = xcalloc(a->npkgs + 1, sizeof(*local));

	*n = 0;
	for (size_t i = 0; i < a->npkgs; i++)
		if (is_deb(a->pkgs[i])) {
			deb_read(a->pkgs[i], &local[*n].info, skip_entry, NULL);
			local[(*n)++].deb = xstrdup(a->pkgs[i]);
		}
	return local;
}

/*
 * -N and the operands: a package both omitted and named to install (as
 * apt takes a name: pkg, pkg:arch, pkg=version, pkg/suite; or a local
 * .deb's) is a contradiction.
 */
static void
omit_check(const struct args *a, const struct local *local, size_t nlocal)
{
	for (size_t i = 0; i < a->npkgs; i++) {
		const char *p = a->pkgs[i];
		size_t len = strcspn(p, ":=/");

		if (!is_deb(p) && omitted(a, p, len))
			errx(1, "-N %.*s: also named to install", (int)len, p);
	}
	for (size_t i = 0; i < nlocal; i++)
		if (omitted(a, local[i].info.package,
		    strlen(local[i].info.package)))
			errx(1, "-N %s: also named to install (%s)",
			    local[i].info.package, local[i].deb);
}

/* The lock's packages but those -N omits: they are not installed. */
static void
omit_unlock(const struct args *a, struct apt_pkgs *lock)
{
	size_t n = 0;

	for (size_t i = 0; i < lock->n; i++)
		if (!omitted(a, lock->v[i].name, strlen(lock->v[i].name)))
			lock->v[n++] = lock->v[i];
		else {
			free(lock->v[i].name);
			free(lock->v[i].version);
			free(lock->v[i].arch);
		}
	lock->n = n;
}

/*
 * The status stanzas of the packages -N omits (but those of the base,
 * installed already): each as its candidate in the lists, installed
 * without its dependencies. NULL when there are none.
 */
static char *
omit_status(const struct args *a, const struct apt_pkgs *base,
    const char *state)
{
	char **names = xcalloc(a->nomit + 1, sizeof(*names)), *show, *st;
	char *text = NULL;
	size_t n = 0, len = 0;
	FILE *fp;

	for (size_t i = 0; i < a->nomit; i++) {
		int in_base = 0;

		for (size_t k = 0; k < base->n; k++)
			in_base |= strcmp(base->v[k].name, a->omit[i]) == 0;
		if (!in_base)
			names[n++] = a->omit[i];
	}
	if (n == 0) {
		free(names);
		return NULL;
	}
	show = apt_show(state, names, n);
	fp = open_memstream(&text, &len);
	for (size_t i = 0; i < n; i++) {
		if ((st = apt_status_omitted(show, names[i])) == NULL)
			errx(1, "-N %s: not in the repository (package lists "
			    "may be stale: -u refreshes them)", names[i]);
		fputs(st, fp);
		free(st);
	}
	fclose(fp);
	free(show);
	free(names);
	return text;
}

/*
 * An omitted package apt would install after all: its candidate, taken
 * as installed, is not the version something depends on.
 */
static void
omit_resolved(const struct args *a, const struct apt_pkgs *ps)
{
	for (size_t i = 0; i < ps->n; i++)
		if (omitted(a, ps->v[i].name, strlen(ps->v[i].name)))
			errx(1, "-N %s: a dependency needs version %s, which "
			    "would be installed", ps->v[i].name,
			    ps->v[i].version);
}

/* The sources.list of the private state: from -m, -S or the host's. */
static char *
apt_sources(struct args *a)
{
	a->src.release = a->release;
	for (size_t i = 0; i < a->nkeys; i++)
		a->src.keys = xasprintf("%s,%s", a->src.keys ? a->src.keys : "",
		    a->keyrings[i]);
	if (a->mirror != NULL && a->sources != NULL)
		errx(1, "-m %s and -S %s: give one of them", a->mirror,
		    a->sources);
	if (a->mirror != NULL)
		aptsrc_mirror(&a->src, a->mirror);
	else if (a->sources != NULL)
		aptsrc_file(&a->src, a->sources);
	else
		aptsrc_host(&a->src);
	return a->src.lines;
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
	char *lock;
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
	apt_conf(state, a->arch);
	free(cache);
	return state;
}

/* Refresh the lists only when asked, new, or the sources changed. */
static void
lists_update(const char *state, const char *sources, const struct args *a)
{
	if (!apt_lists_changed(state, sources) && !a->update)
		return;
	say("updating package lists");
	apt_update(state, sources, a->mirror ? a->mirror : "apt-get update");
}

/*
 * apt-get's arguments: install the operands and the lock's exact
 * versions; room after them for the options of a step (resolve, fetch).
 */
static char **
install_args(const struct args *a, const struct apt_pkgs *lock,
    size_t *nargs)
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
static struct apt_pkgs
resolve_install(const char *state, char **args, size_t nargs,
    const struct local *local, size_t nlocal)
{
	struct apt_pkgs ps;
	char *out, *archives;

	say("resolving");
	args[nargs] = "--print-uris";
	args[nargs + 1] = "-o";
	args[nargs + 2] = xasprintf("Dir::Cache::Archives=%s/empty/", state);
	out = apt_resolve(state, args, nargs + 3);
	archives = xasprintf("%s/archives", state);
	ps = apt_uris(out, archives);
	free(archives);
	free(out);
	if (ps.n == 0)
		errx(1, "nothing to install: everything is in the base");
	for (size_t i = 0; i < ps.n; i++) {
		ps.v[i].indexed = 1;
		for (size_t l = 0; l < nlocal; l++) {
			const struct deb_info *d = &local[l].info;

			if (strcmp(d->package, ps.v[i].name) == 0 &&
			    strcmp(d->version, ps.v[i].version) == 0 &&
			    strcmp(d->arch, ps.v[i].arch) == 0) {
				free(ps.v[i].deb);
				ps.v[i].deb = xstrdup(local[l].deb);
				ps.v[i].indexed = 0;
				ps.v[i].work = d->installed_size;
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
fetch_verified(struct apt_pkgs *ps, const char *state, char **args,
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
static struct unpacked *
read_worker_specs(const struct apt_pkgs *ps, const char *work,
    struct tree *t)
{
	struct unpacked *un = xcalloc(ps->n + 1, sizeof(*un));

	for (size_t i = 0; i < ps->n; i++) {
		size_t len;
		char *path = xasprintf("%s/%zu", work, i), *text, *nl;

		text = xreadfile(path, &len);
		if ((nl = strchr(text, '\n')) == NULL)
			errx(1, "%s: truncated", path);
		un[i].line = xasprintf("%.*s", (int)(nl - text), text);
		tsv_parse(&un[i].row, un[i].line, path, 1);
		un[i].seq0 = t->seq;
		tree_add_spec_mem(t, ps->v[i].deb, nl + 1,
		    len - (size_t)(nl + 1 - text));
		un[i].seq1 = t->seq;
		free(text);
		free(path);
	}
	say("read the workers' specs");
	return un;
}

int
main(int argc, char *argv[])
{
	/* static: the run's state lives as long as the process, which exits
	 * without freeing it (and leak checkers know it is reachable). */
	static struct args a;
	static struct apt_pkgs lock, base, ps;
	static struct local *local;
	static struct unpacked *un;
	static struct out rootout, tsvout;
	static struct tree t;
	static char *sources, *state, **args, *work, *omits;
	static size_t nlocal, nargs;

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
	omit_unlock(&a, &lock);
	if (a.base != NULL)
		base = read_tsv(a.base);
	local = read_local(&a, &nlocal);
	omit_check(&a, local, nlocal);

	sources = apt_sources(&a);
	state = apt_state_open(&a);
	lists_update(state, sources, &a);
	omits = omit_status(&a, &base, state);
	apt_status_write(state, &base, a.base, omits);
	free(omits);
	args = install_args(&a, &lock, &nargs);
	ps = resolve_install(state, args, nargs, local, nlocal);
	omit_resolved(&a, &ps);
	apt_index_lookup(state, &ps);
	say("read the index");
	fetch_verified(&ps, state, args, nargs);

	/* Unpack beside the target, then rename it in whole. */
	out_dir_open(&rootout, a.root, a.force ? OUT_FORCE : 0);
	out_open(&tsvout, a.tsv, OUT_FORCE);
	usrmerge_skeleton(rootout.tmp, &t);
	work = scratch_dir(state, "work");
	unpack_all(&ps, rootout.tmp, work, a.excl, a.nexcl);
	un = read_worker_specs(&ps, work, &t);
	merge(&t, &ps, un);
	add_parents(&t);
	tree_rebase(&t, rootout.tmp, a.root);
	write_packages_tsv(&tsvout, un, ps.n);
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
