/*
 * modroot: pick the kernel modules an initrd needs from a kernel package's
 * tree, close them over their dependencies, soft dependencies and
 * firmware, and write them with module indexes made for just that subset,
 * plus a tree spec. In the pipeline it turns the kernel pkgroot installed
 * into the per-kernel modules cpio that mkcpio writes and mkuki appends.
 *
 * Implements: the module directory layout and index files depmod(8)
 * writes (modules.dep, modules.alias, modules.softdep, modules.builtin*,
 * modules.order; a kernel package's made in process by modindex.c),
 * resolved through libkmod; soft dependencies as
 * modprobe.d(5) and the modules' own MODULE_SOFTDEP declare them; the
 * firmware search of the kernel's firmware loader (Documentation/
 * driver-api/firmware/fw_search_path.rst: /lib/firmware, with .xz and
 * .zst variants).
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <fts.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libkmod.h>

#include "initkit.h"

/*
 * Where the output has them, and where an input root may: a merged-/usr
 * root (pkgroot's) has usr/lib/..., a package unpacked alone by dpkg-deb
 * -x has what it ships, lib/... in Debian 12.
 */
#define MODDIR	"usr/lib/modules"
#define FWDIR	"usr/lib/firmware"
static const char *const moddirs[] = { MODDIR, "lib/modules" };
static const char *const fwdirs[] = { FWDIR, "lib/firmware" };

/* The files of a module directory copied as the kernel package has them. */
static const char *const shipped[] = { "modules.order", "modules.builtin",
    "modules.builtin.modinfo" };

struct rule {
	int include;		/* -m (1) or -x (0) */
	const char *glob;
	int matched;		/* a module file matched it */
};

struct mod {
	char *name;
	char *rel;		/* under the module directory: kernel/... */
	struct kmod_rec *rec;	/* what depmod reads of it, once read */
};

/*
 * The modules taken, and the records read of modules: all of a kernel
 * package's when modroot indexed it (sorted by path), else those of the
 * modules taken, read a batch at a time on every CPU.
 */
struct set {
	struct mod *v;
	size_t n;
	struct kmod_rec *pkg;
	size_t npkg;
	struct kmod_rec **batch;
	size_t *nbatch, nb;
};

/* The command line. */
struct args {
	const char *kver, *outdir, *fwroot, *kroot, *tflag;
	struct rule *rules;
	size_t nrules;
	const char **names;
	size_t nnames;
	int flags, keep_going;
};

static int verbose, quiet;

/* -h: on stdout, exit 0; a usage error: on stderr, exit 2. */
static NORETURN void
usage(int status)
{
	fprintf(status ? stderr : stdout, "usage: modroot [-fkqv] -r kver [-m glob] [-M modname] "
	    "[-x glob] [-F firmware-root]\n"
	    "               [-t epoch] -o outdir kernel-root\n");
	exit(status);
}

static void
note(const char *fmt, ...)
{
	va_list ap;

	if (!verbose)
		return;
	va_start(ap, fmt);
	fputs("modroot: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

/* libkmod's own messages: errors only, in our shape. */
static void
kmod_log(void *data, int priority, const char *file, int line,
    const char *fn, const char *format, va_list args)
{
	(void)data, (void)file, (void)line, (void)fn;
	if (priority > 3 && !verbose)
		return;
	fputs("modroot: libkmod: ", stderr);
	vfprintf(stderr, format, args);
}

static int
is_module(const char *name)
{
	static const char *const ext[] = { ".ko", ".ko.xz", ".ko.zst",
	    ".ko.gz" };
	size_t n = strlen(name);

	for (size_t i = 0; i < sizeof(ext) / sizeof(ext[0]); i++) {
		size_t e = strlen(ext[i]);

		if (n > e && strcmp(name + n - e, ext[i]) == 0)
			return 1;
	}
	return 0;
}

/* The module's name as the kernel knows it: "-" is "_", no extension. */
static char *
mod_name(const char *path)
{
	const char *b = strrchr(path, '/');
	char *s = xstrdup(b ? b + 1 : path), *dot;

	if ((dot = strstr(s, ".ko")) != NULL)
		*dot = '\0';
	for (char *p = s; *p; p++)
		if (*p == '-')
			*p = '_';
	return s;
}

static struct mod *
set_find(struct set *s, const char *name)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->v[i].name, name) == 0)
			return &s->v[i];
	return NULL;
}

static void
set_add(struct set *s, const char *name, const char *rel, const char *why)
{
	if (set_find(s, name) != NULL)
		return;
	if (strstr(rel, "..") != NULL || rel[0] == '/')
		errx(1, "%s: module path %s leaves the module directory",
		    name, rel);
	s->v = xreallocarray(s->v, s->n + 1, sizeof(*s->v));
	s->v[s->n].name = xstrdup(name);
	s->v[s->n].rel = xstrdup(rel);
	s->v[s->n].rec = NULL;
	s->n++;
	note("%s (%s)", rel, why);
}

/*
 * -m and -x in order: the last rule that matches decides. A compressed
 * module (Debian 13 ships .ko.xz) is also matched without its
 * compression suffix, so that one glob list serves kernels of either
 * kind: "drivers/block/virtio_blk.ko" selects virtio_blk.ko.xz.
 */
static int
selected(struct rule *r, size_t n, const char *rel)
{
	const char *ko = strstr(rel, ".ko.");
	char *plain = ko ? xasprintf("%.*s", (int)(ko + 3 - rel), rel) : NULL;
	int in = 0;

	for (size_t i = 0; i < n; i++)
		if (fnmatch(r[i].glob, rel, 0) == 0 || (plain != NULL &&
		    fnmatch(r[i].glob, plain, 0) == 0)) {
			in = r[i].include;
			r[i].matched = 1;
		}
	free(plain);
	return in;
}

/*
 * A -m glob that names a module the kernel has built in (modules.builtin:
 * Debian 13's kernel builds ecb, ctr and sha512 in) is satisfied: the
 * module is there, with nothing to copy.
 */
static void
builtin_rules(const char *moddir, struct rule *r, size_t nr)
{
	char *path = xasprintf("%s/modules.builtin", moddir), *line = NULL;
	FILE *f = fopen(path, "r");
	size_t cap = 0;
	ssize_t len;

	if (f == NULL) {
		if (errno != ENOENT)
			err(1, "%s", path);
		free(path);
		return;
	}
	while ((len = getline(&line, &cap, f)) > 0) {
		line[strcspn(line, "\n")] = '\0';
		if (strncmp(line, "kernel/", 7) != 0)
			continue;
		for (size_t i = 0; i < nr; i++)
			if (r[i].include && !r[i].matched &&
			    fnmatch(r[i].glob, line + 7, 0) == 0) {
				r[i].matched = 1;
				note("%s (built in)", line);
			}
	}
	if (ferror(f))
		err(1, "%s", path);
	fclose(f);
	free(line);
	free(path);
}

/* Modules under dir (relative to the module directory: kernel/...). */
static void
walk(const char *moddir, const char *rel, struct rule *r, size_t nr,
    struct set *s)
{
	char *path = xasprintf("%s/%s", moddir, rel);
	struct dirent **names;
	int n;

	if ((n = scandir(path, &names, NULL, alphasort)) < 0)
		err(1, "%s", path);
	for (int i = 0; i < n; i++) {
		const char *d = names[i]->d_name;
		char *sub = xasprintf("%s/%s", rel, d), *full;
		struct stat st;

		full = xasprintf("%s/%s", moddir, sub);
		if (strcmp(d, ".") == 0 || strcmp(d, "..") == 0 ||
		    lstat(full, &st) < 0)
			;
		else if (S_ISDIR(st.st_mode))
			walk(moddir, sub, r, nr, s);
		else if (S_ISREG(st.st_mode) && is_module(d) &&
		    selected(r, nr, sub + strlen("kernel/"))) {
			char *name = mod_name(d);

			set_add(s, name, sub, "selected");
			free(name);
		}
		free(full);
		free(sub);
		free(names[i]);
	}
	free(names);
	free(path);
}

/* The path of mod relative to the module directory, or NULL if built in. */
static char *
mod_rel(struct kmod_module *mod, const char *moddir)
{
	const char *p = kmod_module_get_path(mod);
	size_t n = strlen(moddir);

	if (p == NULL)
		return NULL;
	if (strncmp(p, moddir, n) != 0 || p[n] != '/')
		errx(1, "%s: outside the module directory: %s",
		    kmod_module_get_name(mod), p);
	return xstrdup(p + n + 1);
}

static void
add_list(struct set *s, struct kmod_list *list, const char *moddir,
    const char *why)
{
	struct kmod_list *l;

	kmod_list_foreach(l, list) {
		struct kmod_module *m = kmod_module_get_module(l);
		char *rel = mod_rel(m, moddir);

		if (rel != NULL)
			set_add(s, kmod_module_get_name(m), rel, why);
		else
			note("%s is built in (%s)", kmod_module_get_name(m),
			    why);
		free(rel);
		kmod_module_unref(m);
	}
}

struct fw {
	char **v;
	size_t n;
};

/*
 * One "softdep" field of a module's modinfo ("pre: a b post: c"), each
 * name looked up as modprobe would (module name or alias). libkmod (30)
 * hands out only the first of a module's softdep fields, and btrfs has
 * four, so every field is read here; a name that resolves to nothing is
 * skipped, as modprobe skips it.
 */
static void
add_softdep(struct kmod_ctx *ctx, struct set *s, const char *moddir,
    const char *name, const char *value)
{
	char *v = xstrdup(value), *save = NULL;
	char *why = xasprintf("soft dependency of %s", name);

	for (char *w = strtok_r(v, " \t", &save); w != NULL;
	    w = strtok_r(NULL, " \t", &save)) {
		struct kmod_list *list = NULL;

		if (strcmp(w, "pre:") == 0 || strcmp(w, "post:") == 0)
			continue;
		if (kmod_module_new_from_lookup(ctx, w, &list) < 0)
			errx(1, "%s: cannot look up its soft dependency %s",
			    name, w);
		add_list(s, list, moddir, why);
		kmod_module_unref_list(list);
	}
	free(why);
	free(v);
}

static int
rec_cmp(const void *a, const void *b)
{
	return strcmp(((const struct kmod_rec *)a)->rel,
	    ((const struct kmod_rec *)b)->rel);
}

/*
 * The records of the modules taken from the i-th on: the kernel
 * package's where modroot read them all, the others read now, together.
 */
static void
records_read(struct set *s, size_t from, const char *moddir)
{
	struct kmod_rec *v = xcalloc(s->n - from, sizeof(*v));
	size_t n = 0;

	for (size_t i = from; i < s->n; i++) {
		struct kmod_rec key = { .rel = s->v[i].rel };

		if (s->v[i].rec == NULL && s->npkg > 0)
			s->v[i].rec = bsearch(&key, s->pkg, s->npkg,
			    sizeof(*s->pkg), rec_cmp);
		if (s->v[i].rec == NULL) {
			v[n].rel = xstrdup(s->v[i].rel);
			v[n++].name = xstrdup(s->v[i].name);
		}
	}
	if (n > 0 && modscan_read(moddir, v, n) < 0)
		errx(1, "%s: a module vanished while it was read", moddir);
	for (size_t i = from, k = 0; i < s->n; i++)
		if (s->v[i].rec == NULL)
			s->v[i].rec = &v[k++];
	s->batch = xreallocarray(s->batch, s->nb + 1, sizeof(*s->batch));
	s->nbatch = xreallocarray(s->nbatch, s->nb + 1, sizeof(*s->nbatch));
	s->batch[s->nb] = v;
	s->nbatch[s->nb++] = n;
}

/* Follow the module's depends and softdeps; collect its firmware. */
static void
close_over(struct kmod_ctx *ctx, struct set *s, const char *moddir,
    struct fw *fw, char ***fwmod)
{
	for (size_t i = 0; i < s->n; i++) {
		struct kmod_module *m;
		struct kmod_list *deps, *pre = NULL, *post = NULL;
		struct kmod_rec *r;
		char *name = xstrdup(s->v[i].name), *why;

		if (s->v[i].rec == NULL)
			records_read(s, i, moddir);
		r = s->v[i].rec;

		if (kmod_module_new_from_name(ctx, name, &m) < 0)
			errx(1, "%s: cannot look the module up", name);
		why = xasprintf("needed by %s", name);
		deps = kmod_module_get_dependencies(m);
		add_list(s, deps, moddir, why);
		kmod_module_unref_list(deps);
		if (kmod_module_get_softdeps(m, &pre, &post) == 0) {
			free(why);
			why = xasprintf("soft dependency of %s", name);
			add_list(s, pre, moddir, why);
			add_list(s, post, moddir, why);
			kmod_module_unref_list(pre);
			kmod_module_unref_list(post);
		}
		free(why);
		if (r->unreadable)
			errx(1, "%s: cannot read its modinfo", name);
		for (size_t k = 0; k < r->nsoftdep; k++)
			add_softdep(ctx, s, moddir, name, r->softdep[k]);
		fw->v = xreallocarray(fw->v, fw->n + r->nfirmware + 1,
		    sizeof(*fw->v));
		*fwmod = xreallocarray(*fwmod, fw->n + r->nfirmware + 1,
		    sizeof(**fwmod));
		for (size_t k = 0; k < r->nfirmware; k++) {
			fw->v[fw->n] = xstrdup(r->firmware[k]);
			(*fwmod)[fw->n++] = xstrdup(name);
		}
		kmod_module_unref(m);
		free(name);
	}
}

/* Copy a regular file, its mode kept; exits 1 on any error. */
static void
copy(const char *from, const char *to)
{
	struct stat st;
	int in, out;
	ssize_t n;
	off_t done = 0;

	if ((in = open(from, O_RDONLY | O_CLOEXEC)) < 0 || fstat(in, &st) < 0)
		err(1, "%s", from);
	if (!S_ISREG(st.st_mode))
		errx(1, "%s: not a regular file", from);
	if ((out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0644)) < 0)
		err(1, "%s", to);
	while ((n = copy_file_range(in, NULL, out, NULL, 1 << 30, 0)) > 0)
		done += n;
	if (n < 0 && (errno == EXDEV || errno == ENOSYS || errno == EINVAL)) {
		char buf[1 << 16];

		/* Another file system: read and write, a short write resumed. */
		while ((n = read(in, buf, sizeof(buf))) > 0 || (n < 0 &&
		    errno == EINTR)) {
			if (n < 0)
				continue;
			if (pwrite_full(out, buf, (size_t)n, done) < 0)
				err(1, "%s", to);
			done += n;
		}
	}
	/* A full disk or a file size limit is the output's failure. */
	if (n < 0)
		err(1, "%s", errno == ENOSPC || errno == EFBIG ||
		    errno == EDQUOT ? to : from);
	if (done != st.st_size)
		errx(1, "%s: changed size while copied", from);
	if (close(out) < 0)
		err(1, "%s", to);
	close(in);
}

/* The shipped index files the kernel has; the others empty if asked. */
static void
copy_shipped(const char *src, const char *dst, int empty)
{
	for (size_t i = 0; i < sizeof(shipped) / sizeof(shipped[0]); i++) {
		char *from = xasprintf("%s/%s", src, shipped[i]);
		char *to = xasprintf("%s/%s", dst, shipped[i]);

		if (access(from, F_OK) == 0)
			copy(from, to);
		else if (empty)
			close(open(to, O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
		free(from);
		free(to);
	}
}

/*
 * A firmware file of the root: the path, or its .xz or .zst variant,
 * symlinks followed inside the root only. The found relative path in
 * *found; NULL if there is none.
 */
static char *
firmware_find(const char *fwroot, const char *name, char **found)
{
	static const char *const ext[] = { "", ".xz", ".zst" };

	if (strstr(name, "..") != NULL || name[0] == '/')
		return NULL;
	for (size_t d = 0; d < sizeof(fwdirs) / sizeof(fwdirs[0]); d++)
		for (size_t i = 0; i < sizeof(ext) / sizeof(ext[0]); i++) {
			char *root = realpath(fwroot, NULL), *p, *real;

			p = xasprintf("%s/%s/%s%s", fwroot, fwdirs[d], name,
			    ext[i]);
			real = realpath(p, NULL);
			free(p);
			if (real != NULL && root != NULL && strncmp(real, root,
			    strlen(root)) == 0 && real[strlen(root)] == '/') {
				free(root);
				*found = xasprintf(FWDIR "/%s%s", name, ext[i]);
				return real;
			}
			free(real);
			free(root);
		}
	return NULL;
}

/*
 * depmod(8) for a module directory at dir/KVER: it only takes a base with
 * lib/modules below it, so a private base links there.
 */
static void
depmod(const char *work, const char *moddir_parent, const char *kver,
    const char *what)
{
	char *base = xasprintf("%s/base", work), *lib, *out;
	char *argv[] = { "depmod", "-b", base, (char *)kver, NULL };
	char *target = realpath(moddir_parent, NULL);

	if (target == NULL)
		err(1, "%s", moddir_parent);
	lib = xasprintf("%s/lib", base);
	if (mkdir(base, 0755) < 0 || mkdir(lib, 0755) < 0)
		err(1, "%s", base);
	free(lib);
	lib = xasprintf("%s/lib/modules", base);
	if (symlink(target, lib) < 0)
		err(1, "%s", lib);
	free(target);
	if (run_capture(argv, NULL, &out, NULL) != 0)
		errx(1, "%s: depmod failed: %.*s", what,
		    (int)strcspn(out, "\n"), out);
	free(out);
	rmtree_at(AT_FDCWD, base);
	free(lib);
	free(base);
}

/* The kernel root's module directory for kver, absolute (symlinks in
 * the work directory point into it). */
static char *
modules_dir(const char *kroot, const char *kver)
{
	char *abs = realpath(kroot, NULL), *src = NULL;
	struct stat st;

	if (abs == NULL)
		err(1, "%s", kroot);
	for (size_t i = 0; i < sizeof(moddirs) / sizeof(moddirs[0]); i++) {
		src = xasprintf("%s/%s/%s", abs, moddirs[i], kver);
		if (stat(src, &st) == 0 && S_ISDIR(st.st_mode))
			break;
		free(src);
		src = NULL;
	}
	free(abs);
	if (src == NULL)
		errx(1, "%s: no modules for %s (neither " MODDIR "/%s nor "
		    "lib/modules/%s)", kroot, kver, kver, kver);
	return src;
}

/* Whether st was changed at or after t (the time of modules.dep.bin). */
static int
not_older(const struct stat *st, struct timespec t)
{
	return st->st_mtim.tv_sec > t.tv_sec ||
	    (st->st_mtim.tv_sec == t.tv_sec && st->st_mtim.tv_nsec >= t.tv_nsec);
}

/* Whether a module or a directory below src changed since t, or a module
 * lies outside kernel/ (src itself changed when depmod wrote the index);
 * an unreadable directory counts as a change. */
static int
changed_since(const char *src, struct timespec t)
{
	char *const paths[] = { (char *)src, NULL };
	size_t skip = strlen(src);
	FTS *fts = fts_open(paths, FTS_PHYSICAL | FTS_NOCHDIR, NULL);
	FTSENT *e;
	int changed = fts == NULL;

	while (!changed && fts != NULL && (e = fts_read(fts)) != NULL)
		switch (e->fts_info) {
		case FTS_D:
			changed = e->fts_level > 0 && not_older(e->fts_statp, t);
			break;
		case FTS_F:
			changed = is_module(e->fts_name) &&
			    (not_older(e->fts_statp, t) ||
			    strncmp(e->fts_path + skip, "/kernel/", 8) != 0);
			break;
		case FTS_DNR:
		case FTS_ERR:
			changed = 1;
			break;
		}
	if (fts != NULL)
		fts_close(fts);
	return changed;
}

/*
 * Whether the module directory has depmod's indexes, made after every
 * module and directory in it was last changed (on an installed kernel,
 * by the package's postinst) and over kernel/ alone, as index_build
 * makes them: then they are the ones index_build would make, and the
 * kernel's 4,000 modules need no depmod of ours.
 */
static int
index_current(const char *src)
{
	static const char *const need[] = { "modules.alias.bin",
	    "modules.symbols.bin", "modules.softdep", "modules.builtin.bin" };
	char *path = xasprintf("%s/modules.dep.bin", src);
	struct stat st;
	struct timespec t;
	int current = stat(path, &st) == 0 && S_ISREG(st.st_mode);

	free(path);
	if (!current)
		return 0;
	t = st.st_mtim;
	for (size_t i = 0; i < sizeof(need) / sizeof(need[0]); i++) {
		path = xasprintf("%s/%s", src, need[i]);
		if (stat(path, &st) < 0 || !S_ISREG(st.st_mode))
			current = 0;
		free(path);
	}
	for (size_t i = 0; i < sizeof(shipped) / sizeof(shipped[0]); i++) {
		path = xasprintf("%s/%s", src, shipped[i]);
		if (stat(path, &st) == 0 && not_older(&st, t))
			current = 0;
		free(path);
	}
	return current && !changed_since(src, t);
}

/*
 * The kernel's own indexes, made in a private directory whose kernel/
 * links to the package's modules: Debian's package ships none, and the
 * kernel root is an input, never written. They are made in process, each
 * module read on every CPU (modindex_build), the bytes depmod would
 * write; depmod itself makes them for what modindex_build declines. The
 * records read are kept in s. Returns that module directory: src itself
 * when its indexes are current.
 */
static char *
index_build(const char *work, const char *kver, const char *src,
    struct set *s)
{
	char *idx, *from, *to, *parent;

	if (index_current(src))
		return xstrdup(src);
	idx = xasprintf("%s/src/%s", work, kver);
	from = xasprintf("%s/kernel", src);
	to = xasprintf("%s/kernel", idx);
	parent = xasprintf("%s/src", work);
	mkdir_parents(work, "src/x");
	if (mkdir(idx, 0755) < 0)
		err(1, "%s", idx);
	if (symlink(from, to) < 0)
		err(1, "%s", to);
	/* depmod makes no builtin index without the list: an empty one
	 * stands in, for libkmod. */
	copy_shipped(src, idx, 1);
	if (modindex_build(idx, &s->pkg, &s->npkg) < 0)
		depmod(work, parent, kver, src);
	else
		qsort(s->pkg, s->npkg, sizeof(*s->pkg), rec_cmp);
	free(from);
	free(to);
	free(parent);
	return idx;
}

/* libkmod on that index, with the configuration of the kernel root only,
 * never the host's. */
static struct kmod_ctx *
kmod_open(const char *kroot, const char *idx, const char *src,
    char *config[4])
{
	struct kmod_ctx *ctx;

	config[0] = xasprintf("%s/etc/modprobe.d", kroot);
	config[1] = xasprintf("%s/usr/lib/modprobe.d", kroot);
	config[2] = xasprintf("%s/lib/modprobe.d", kroot);
	config[3] = NULL;
	if ((ctx = kmod_new(idx, (const char *const *)config)) == NULL)
		errx(1, "%s: libkmod cannot use it", src);
	kmod_set_log_fn(ctx, kmod_log, NULL);
	if (kmod_load_resources(ctx) < 0)
		errx(1, "%s: cannot load the module indexes", src);
	return ctx;
}

/* The modules -m/-x select and -M names, closed over their
 * dependencies; the firmware they ask for into fw (and fwmod, whose). */
static void
modules_select(struct kmod_ctx *ctx, const char *idx, const char *src,
    const char *kver, struct rule *rules, size_t nrules,
    const char **names, size_t nnames, int keep_going, struct set *s,
    struct fw *fw, char ***fwmod)
{
	char *kdir = xasprintf("%s/kernel", src);
	struct stat st;

	if (stat(kdir, &st) == 0)
		walk(idx, "kernel", rules, nrules, s);
	free(kdir);
	builtin_rules(src, rules, nrules);
	for (size_t i = 0; i < nrules; i++) {
		if (!rules[i].include || rules[i].matched)
			continue;
		if (!keep_going)
			errx(1, "-m %s: matches no module of %s",
			    rules[i].glob, kver);
		if (verbose)
			warnx("-m %s: matches no module of %s: left out",
			    rules[i].glob, kver);
	}
	for (size_t i = 0; i < nnames; i++) {
		struct kmod_list *list = NULL;

		if (kmod_module_new_from_lookup(ctx, names[i], &list) < 0 ||
		    list == NULL)
			errx(1, "%s: no such module or alias in %s", names[i],
			    kver);
		add_list(s, list, idx, "-M");
		kmod_module_unref_list(list);
	}
	close_over(ctx, s, idx, fw, fwmod);
}

/* The selected modules and the shipped files into dir's module
 * directory; returns the newest module's time. */
static int64_t
modules_write(const char *dir, const char *src, const char *kver,
    const struct set *s)
{
	char *outmods = xasprintf("%s/" MODDIR "/%s", dir, kver);
	int64_t newest = 0;
	struct stat st;

	mkdir_parents(dir, MODDIR "/x");
	if (mkdir(outmods, 0755) < 0)
		err(1, "%s", outmods);
	for (size_t i = 0; i < s->n; i++) {
		char *from = xasprintf("%s/%s", src, s->v[i].rel);
		char *to = xasprintf("%s/%s", outmods, s->v[i].rel);

		if (stat(from, &st) == 0 && st.st_mtime > newest)
			newest = st.st_mtime;
		mkdir_parents(outmods, s->v[i].rel);
		copy(from, to);
		free(from);
		free(to);
	}
	copy_shipped(src, outmods, 0);
	free(outmods);
	return newest;
}

/* The firmware the modules ask for, from fwroot, into dir; a file not
 * there is said (not with -q), not fatal. */
static void
firmware_write(const char *dir, const char *fwroot, const struct fw *fw,
    char **fwmod)
{
	for (size_t i = 0; fwroot != NULL && i < fw->n; i++) {
		char *rel = NULL, *real, *to;

		if ((real = firmware_find(fwroot, fw->v[i], &rel)) == NULL) {
			if (!quiet)
				warnx("%s: firmware %s not found in %s",
				    fwmod[i], fw->v[i], fwroot);
			continue;
		}
		to = xasprintf("%s/%s", dir, rel);
		if (access(to, F_OK) != 0) {
			mkdir_parents(dir, rel);
			copy(real, to);
			note("%s (firmware of %s)", rel, fwmod[i]);
		}
		free(to);
		free(rel);
		free(real);
	}
}

/*
 * The output's indexes, made in process from the records of the modules
 * taken (each read once, in close_over), in the order depmod would find
 * the files in dir: -1, nothing written, where modindex_write declines
 * (or the kernel ships no modules.order or modules.builtin*, or only
 * built-in modules were taken), for depmod to make them.
 */
static int
index_output(const char *dir, const struct set *s)
{
	struct kmod_rec *found, *v;
	size_t n;
	int ret = 0;

	for (size_t i = 0; i < sizeof(shipped) / sizeof(shipped[0]); i++) {
		char *path = xasprintf("%s/%s", dir, shipped[i]);

		if (access(path, F_OK) != 0)
			ret = -1;
		free(path);
	}
	if (ret < 0 || modscan_list(dir, &found, &n) < 0)
		return -1;
	v = xcalloc(n + 1, sizeof(*v));
	for (size_t i = 0; i < n && ret == 0; i++) {
		size_t k = 0;

		while (k < s->n && strcmp(s->v[k].rel, found[i].rel) != 0)
			k++;
		if (k == s->n || s->v[k].rec == NULL)
			ret = -1;
		else {
			v[i] = *s->v[k].rec;
			v[i].rel = found[i].rel;
			v[i].name = found[i].name;
		}
	}
	if (ret == 0)
		ret = modindex_write(dir, v, n);
	free(v);
	kmod_rec_free(found, n);
	return ret;
}

/*
 * The spec of tmp (to be outdir): owners root, times no later than the
 * newest module and clamped to -t or SOURCE_DATE_EPOCH, the bytes named
 * by the final path.
 */
static void
spec_make(struct tree *t, const char *tmp, const char *outdir,
    int64_t newest, int64_t epoch)
{
	tree_add_dir(t, tmp);
	for (size_t i = 0; i < t->n; i++)
		if (newest > 0 && t->v[i].mtime > newest)
			t->v[i].mtime = newest;
	tree_rebase(t, tmp, outdir);
	tree_finish(t, epoch);
}

/* The options and the operand into a; a usage error exits 2. */
static void
args_parse(int argc, char *argv[], struct args *a)
{
	int ch;

	while ((ch = getopt_long(argc, argv, "hF:M:fkm:o:qr:t:vx:",
	    std_longopts, NULL)) != -1) {
		switch (ch) {
		case 'F':
			a->fwroot = optarg;
			break;
		case 'M':
			a->names = xreallocarray(a->names, a->nnames + 1,
			    sizeof(*a->names));
			a->names[a->nnames++] = optarg;
			break;
		case 'f':
			a->flags |= OUT_FORCE;
			break;
		case 'k':
			a->keep_going = 1;
			break;
		case 'm':
		case 'x':
			a->rules = xreallocarray(a->rules, a->nrules + 1,
			    sizeof(*a->rules));
			a->rules[a->nrules].include = ch == 'm';
			a->rules[a->nrules].matched = 0;
			a->rules[a->nrules++].glob = optarg;
			break;
		case 'o':
			a->outdir = optarg;
			break;
		case 'q':
			quiet = 1;
			break;
		case 'r':
			a->kver = optarg;
			break;
		case 't':
			a->tflag = optarg;
			break;
		case 'v':
			verbose = 1;
			break;
		case 'h':
			usage(0);
		case OPT_VERSION:
			print_version();
		default:
			usage(2);
		}
	}
	argc -= optind;
	argv += optind;
	if (a->kver == NULL || a->outdir == NULL || argc == 0) {
		warnx("%s is required", a->kver == NULL ? "-r kver" :
		    a->outdir == NULL ? "-o outdir" : "a kernel-root operand");
		usage(2);
	}
	if (argc != 1)
		usage(2);
	a->kroot = argv[0];
	if (*a->kver == '\0' || strchr(a->kver, '/') != NULL ||
	    strcmp(a->kver, ".") == 0 || strcmp(a->kver, "..") == 0)
		errx_usage("-r %s: not a kernel release", a->kver);
}

int
main(int argc, char *argv[])
{
	struct args a = { 0 };
	char *src, *work, *idx, **fwmod = NULL, *config[4];
	struct kmod_ctx *ctx;
	struct set s = { 0 };
	struct fw fw = { 0 };
	struct tree t = { 0 };
	struct stat st;
	struct out o;
	int64_t epoch, newest;

	args_parse(argc, argv, &a);
	epoch = epoch_get(a.tflag);
	/* Files 0644 and directories 0755 (ours and depmod's), as the spec
	 * takes them from disk: never the caller's umask. */
	umask(022);
	src = modules_dir(a.kroot, a.kver);
	if (a.fwroot != NULL &&
	    (stat(a.fwroot, &st) < 0 || !S_ISDIR(st.st_mode)))
		errx(1, "%s: not a directory", a.fwroot);
	work = scratch_dir(NULL, "modroot");
	idx = index_build(work, a.kver, src, &s);
	ctx = kmod_open(a.kroot, idx, src, config);
	modules_select(ctx, idx, src, a.kver, a.rules, a.nrules, a.names,
	    a.nnames, a.keep_going, &s, &fw, &fwmod);

	/* The output: modules, shipped files, firmware, new indexes. */
	out_dir_open(&o, a.outdir, a.flags);
	newest = modules_write(o.tmp, src, a.kver, &s);
	firmware_write(o.tmp, a.fwroot, &fw, fwmod);
	{
		char *parent = xasprintf("%s/" MODDIR, o.tmp);
		char *mods = xasprintf("%s/%s", parent, a.kver);

		if (index_output(mods, &s) < 0)
			depmod(work, parent, a.kver, a.outdir);
		free(mods);
		free(parent);
	}
	spec_make(&t, o.tmp, a.outdir, newest, epoch);
	out_dir_commit(&o);
	tree_write_spec(&t, stdout);

	tree_free(&t);
	kmod_unref(ctx);
	for (size_t i = 0; i < s.n; i++) {
		free(s.v[i].name);
		free(s.v[i].rel);
	}
	for (size_t i = 0; i < fw.n; i++) {
		free(fw.v[i]);
		free(fwmod[i]);
	}
	free(fw.v);
	free(fwmod);
	free(s.v);
	kmod_rec_free(s.pkg, s.npkg);
	for (size_t i = 0; i < s.nb; i++)
		kmod_rec_free(s.batch[i], s.nbatch[i]);
	free(s.batch);
	free(s.nbatch);
	free(a.rules);
	free(a.names);
	for (int i = 0; i < 3; i++)
		free(config[i]);
	free(idx);
	free(src);
	if (fclose(stdout) != 0)
		err(1, "stdout");
	return 0;
}
