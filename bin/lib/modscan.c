/*
 * modscan.c: depmod(8) for a module directory's kernel/, in process: its
 * modules found in the order depmod finds them, each read through libkmod
 * (which decompresses .ko.zst; .ko.xz is decompressed here, see
 * xz_unpack) on every CPU, one libkmod context per thread (libkmod is not
 * thread-safe), and their indexes written by modindex.c.
 *
 * Implements kmod 30's depmod_modules_search_dir (readdir order, "build"
 * and "source" skipped, symbolic links followed, the first module of a
 * name kept) and depmod_load_modules (what it reads of each module).
 */
#include <sys/mman.h>
#include <sys/stat.h>

#include <dirent.h>
#include <err.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libkmod.h>
#include <lzma.h>

#include "initkit.h"

struct scan {
	struct kmod_rec *v;
	size_t n, cap;
	int declined;
};

static int
found(struct scan *s, const char *name)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->v[i].name, name) == 0)
			return 1;
	return 0;
}

/*
 * A module file: the suffixes Debian's kmod 30 reads (.ko, .ko.xz,
 * .ko.zst); a .ko.gz, which a kmod built with zlib would read too, or a
 * module without a name declines.
 */
static void
scan_file(struct scan *s, const char *rel, const char *base)
{
	static const char *const ext[] = { ".ko", ".ko.xz", ".ko.zst" };
	size_t n = strlen(base), i;
	char *name;

	if (n > 6 && strcmp(base + n - 6, ".ko.gz") == 0)
		s->declined = 1;
	for (i = 0; i < sizeof(ext) / sizeof(ext[0]); i++)
		if (n > strlen(ext[i]) &&
		    strcmp(base + n - strlen(ext[i]), ext[i]) == 0)
			break;
	if (i == sizeof(ext) / sizeof(ext[0]))
		return;
	/* libkmod's modname_normalize: to the first '.', '-' as '_'. */
	name = xasprintf("%.*s", (int)strcspn(base, "."), base);
	for (char *p = name; *p; p++)
		if (*p == '-')
			*p = '_';
	if (*name == '\0')
		s->declined = 1;
	if (found(s, name)) {
		free(name);
		return;
	}
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 1024;
		s->v = xreallocarray(s->v, s->cap, sizeof(*s->v));
	}
	s->v[s->n] = (struct kmod_rec){ .rel = xstrdup(rel), .name = name };
	s->n++;
}

static void
scan_dir(struct scan *s, int dfd, const char *rel)
{
	DIR *d = fdopendir(dfd);
	struct dirent *de;

	if (d == NULL) {
		close(dfd);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		const char *name = de->d_name;
		char *sub;
		int dir, fd;
		struct stat st;

		if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0 ||
		    strcmp(name, "build") == 0 || strcmp(name, "source") == 0)
			continue;
		if (de->d_type == DT_REG || de->d_type == DT_DIR)
			dir = de->d_type == DT_DIR;
		else if (fstatat(dirfd(d), name, &st, 0) < 0 ||
		    !(S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)))
			continue;
		else
			dir = S_ISDIR(st.st_mode);
		sub = xasprintf("%s/%s", rel, name);
		if (!dir)
			scan_file(s, sub, name);
		else if ((fd = openat(dirfd(d), name, O_RDONLY | O_CLOEXEC)) >=
		    0)
			scan_dir(s, fd, sub);
		free(sub);
	}
	closedir(d);
}

struct reader {
	const char *dir;
	struct kmod_rec *v;
	size_t n;
	atomic_size_t next;
	atomic_int gone;	/* a module vanished: depmod would not list it */
};

static void
kmod_quiet(void *data, int priority, const char *file, int line,
    const char *fn, const char *format, va_list args)
{
	(void)data, (void)priority, (void)file, (void)line, (void)fn;
	(void)format, (void)args;
}

static void
push(char ***v, size_t *n, const char *s)
{
	*v = xreallocarray(*v, *n + 1, sizeof(**v));
	(*v)[(*n)++] = xstrdup(s);
}

/*
 * The module at path, if its bytes are xz's, decompressed into the memory
 * file mfd (emptied first): 0; else -1, and libkmod reads path itself.
 * libkmod 30 decodes xz as this does (liblzma's stream decoder, no memory
 * limit, concatenated streams) but grows its buffer 8 KiB at a time; the
 * C library's realloc moves those pages cheaply, AddressSanitizer's
 * copies them, and a sanitized modroot spent 90 s of a kernel package's
 * 100 there. A stream liblzma refuses is left to libkmod, which refuses
 * it the same way. z is the thread's decoder, its dictionary kept from
 * one module to the next.
 */
static int
xz_unpack(const char *path, int mfd, lzma_stream *z)
{
	static const uint8_t magic[6] = { 0xfd, '7', 'z', 'X', 'Z', 0 };
	uint8_t in[65536], out[65536];
	lzma_ret ret = LZMA_OK;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = 0;

	if (fd < 0 || (n = read(fd, in, sizeof(in))) < (ssize_t)sizeof(magic) ||
	    memcmp(in, magic, sizeof(magic)) != 0 ||
	    ftruncate(mfd, 0) < 0 || lseek(mfd, 0, SEEK_SET) < 0 ||
	    lzma_stream_decoder(z, UINT64_MAX, LZMA_CONCATENATED) != LZMA_OK) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	z->next_in = in;
	z->avail_in = (size_t)n;
	while (ret == LZMA_OK) {
		if (z->avail_in == 0 && n > 0) {
			n = read(fd, in, sizeof(in));
			z->next_in = in;
			z->avail_in = n > 0 ? (size_t)n : 0;
		}
		z->next_out = out;
		z->avail_out = sizeof(out);
		ret = lzma_code(z, n > 0 ? LZMA_RUN : LZMA_FINISH);
		if (n < 0 || (size_t)write(mfd, out, sizeof(out) - z->avail_out) !=
		    sizeof(out) - z->avail_out)
			ret = LZMA_PROG_ERROR;
	}
	close(fd);
	return ret == LZMA_STREAM_END ? 0 : -1;
}

/* What depmod reads of a module: the symbols it exports, its modinfo
 * (aliases, soft dependencies and firmware kept), the symbols it needs;
 * what it cannot read is left empty, as depmod leaves it (and modinfo it
 * cannot read is marked). -1 if the file is gone. A .ko.xz is given to
 * libkmod decompressed, as the memory file mfd (when there is one). */
static int
read_one(struct kmod_ctx *ctx, const char *dir, struct kmod_rec *r, int mfd,
    lzma_stream *z)
{
	char *path = xasprintf("%s/%s", dir, r->rel);
	char *mpath = mfd >= 0 && xz_unpack(path, mfd, z) == 0 ?
	    xasprintf("/proc/self/fd/%d", mfd) : NULL;
	struct kmod_module *m;
	struct kmod_list *l, *list = NULL;
	int rc = kmod_module_new_from_path(ctx, mpath ? mpath : path, &m);

	free(mpath);
	if (rc < 0) {
		free(path);
		return -1;
	}
	if (kmod_module_get_symbols(m, &list) >= 0) {
		kmod_list_foreach(l, list)
			push(&r->exports, &r->nexports,
			    kmod_module_symbol_get_symbol(l));
		kmod_module_symbols_free_list(list);
	}
	list = NULL;
	if (kmod_module_get_info(m, &list) >= 0) {
		kmod_list_foreach(l, list) {
			const char *key = kmod_module_info_get_key(l);

			if (strcmp(key, "alias") == 0)
				push(&r->alias, &r->nalias,
				    kmod_module_info_get_value(l));
			else if (strcmp(key, "softdep") == 0)
				push(&r->softdep, &r->nsoftdep,
				    kmod_module_info_get_value(l));
			else if (strcmp(key, "firmware") == 0)
				push(&r->firmware, &r->nfirmware,
				    kmod_module_info_get_value(l));
		}
		kmod_module_info_free_list(list);
	} else
		r->unreadable = 1;
	list = NULL;
	if (kmod_module_get_dependency_symbols(m, &list) >= 0) {
		kmod_list_foreach(l, list)
			push(&r->needs, &r->nneeds,
			    kmod_module_dependency_symbol_get_symbol(l));
		kmod_module_dependency_symbols_free_list(list);
	}
	kmod_module_unref(m);
	free(path);
	return 0;
}

static void *
read_some(void *arg)
{
	struct reader *rd = arg;
	const char *const noconfig[] = { NULL };
	struct kmod_ctx *ctx = kmod_new(rd->dir, noconfig);
	/* Without /proc, libkmod decompresses from the path. */
	int mfd = memfd_create("initkit-module", MFD_CLOEXEC);
	lzma_stream z = LZMA_STREAM_INIT;
	char proc[64];
	size_t i;

	if (ctx == NULL)
		errx(1, "%s: libkmod cannot use it", rd->dir);
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", mfd);
	if (mfd >= 0 && access(proc, R_OK) < 0) {
		close(mfd);
		mfd = -1;
	}
	kmod_set_log_fn(ctx, kmod_quiet, NULL);
	while ((i = atomic_fetch_add(&rd->next, 1)) < rd->n)
		if (read_one(ctx, rd->dir, &rd->v[i], mfd, &z) < 0)
			rd->gone = 1;
	lzma_end(&z);
	if (mfd >= 0)
		close(mfd);
	kmod_unref(ctx);
	return NULL;
}

int
modscan_read(const char *dir, struct kmod_rec *v, size_t n)
{
	struct reader rd = { dir, v, n, 0, 0 };
	int nt = ncpus() > 64 ? 64 : ncpus();
	pthread_t th[64];

	/* A thread of its own is not worth its start for a module or two. */
	if ((size_t)nt > n)
		nt = n > 0 ? (int)n : 1;

	for (int t = 1; t < nt; t++)
		if (pthread_create(&th[t], NULL, read_some, &rd) != 0)
			errx(1, "cannot start a module reading thread");
	read_some(&rd);
	for (int t = 1; t < nt; t++)
		pthread_join(th[t], NULL);
	return rd.gone ? -1 : 0;
}

static void
strv_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void
kmod_rec_free(struct kmod_rec *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].rel);
		free(v[i].name);
		strv_free(v[i].alias, v[i].nalias);
		strv_free(v[i].softdep, v[i].nsoftdep);
		strv_free(v[i].exports, v[i].nexports);
		strv_free(v[i].needs, v[i].nneeds);
		strv_free(v[i].firmware, v[i].nfirmware);
	}
	free(v);
}

int
modscan_list(const char *dir, struct kmod_rec **v, size_t *n)
{
	struct scan s = { 0 };
	char *kdir = xasprintf("%s/kernel", dir);
	int fd = open(kdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	free(kdir);
	if (fd >= 0)
		scan_dir(&s, fd, "kernel");
	if (s.declined) {
		kmod_rec_free(s.v, s.n);
		*v = NULL;
		*n = 0;
		return -1;
	}
	*v = s.v;
	*n = s.n;
	return 0;
}

int
modindex_build(const char *dir, struct kmod_rec **recs, size_t *nrecs)
{
	struct kmod_rec *v;
	size_t n;
	int ret = -1;

	if (modscan_list(dir, &v, &n) == 0 && n > 0 &&
	    modscan_read(dir, v, n) == 0)
		ret = modindex_write(dir, v, n);
	if (ret == 0 && recs != NULL) {
		*recs = v;
		*nrecs = n;
	} else
		kmod_rec_free(v, n);
	return ret;
}
