/*
 * out.c: atomic named outputs. Data goes to a temporary file in the target's
 * directory (so rename(2) is atomic), is fsynced, and is renamed into place
 * only when complete; any exit or fatal signal before that removes the
 * temporary, so a killed run never leaves a valid-looking output. Without
 * OUT_FORCE the final step is rename(2) with RENAME_NOREPLACE (or, where
 * the file system lacks it, link(2) + unlink(2)), which cannot replace a
 * file that appeared meanwhile. A temporary is removed by its name in its
 * directory's descriptor, not by a path: the error that ends a run may
 * come while the working directory is another (spec.c reads a spec in an
 * empty one).
 */
#include <sys/stat.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "initkit.h"

#define NTMP 16

/* Written only with signals blocked; read by the handler. */
static char *volatile tmps[NTMP];
static volatile char isdir[NTMP];
/* Where each is: its directory, open, and its name there. */
static volatile int dirfds[NTMP];
static const char *volatile names[NTMP];
/* Who made each: a forked worker inherits the list but not the duty. */
static volatile pid_t maker[NTMP];

static void
remove_tmp(int i)
{
	if (maker[i] != getpid())
		return;
	if (isdir[i])
		rmtree_at(dirfds[i], names[i]);
	else
		unlinkat(dirfds[i], names[i], 0);
}

static void (*volatile before_cleanup)(void);

void
out_before_cleanup(void (*fn)(void))
{
	before_cleanup = fn;
}

static void
on_signal(int sig)
{
	if (before_cleanup != NULL)
		before_cleanup();
	for (int i = 0; i < NTMP; i++)
		if (tmps[i] != NULL)
			remove_tmp(i);
	signal(sig, SIG_DFL);
	raise(sig);
}

void
out_cleanup(void)
{
	if (before_cleanup != NULL)
		before_cleanup();
	for (int i = 0; i < NTMP; i++)
		if (tmps[i] != NULL) {
			remove_tmp(i);
			tmps[i] = NULL;
			if (dirfds[i] >= 0)
				close(dirfds[i]);
		}
}

static void
track(char *tmp, char *old, int dir)
{
	static int installed;
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGPIPE };
	const char *name = tmp;
	sigset_t all, prev;
	int i, fd = AT_FDCWD;

	if (!installed) {
		struct sigaction sa = { .sa_handler = on_signal };

		struct sigaction prev_sa;

		/* A signal ignored by our parent (nohup, "cmd &") stays so. */
		sigfillset(&sa.sa_mask);
		for (i = 0; i < (int)(sizeof(sigs) / sizeof(sigs[0])); i++)
			if (sigaction(sigs[i], NULL, &prev_sa) == 0 &&
			    prev_sa.sa_handler != SIG_IGN)
				sigaction(sigs[i], &sa, NULL);
		atexit(out_cleanup);
		installed = 1;
	}
	/* Its directory; one that cannot be opened fails the creation that
	 * follows (naming the output), and till then the path will do. */
	if (tmp != NULL) {
		const char *slash = strrchr(tmp, '/');
		char *d = slash ? xasprintf("%.*s", (int)(slash - tmp + 1), tmp) :
		    xstrdup(".");

		if ((fd = open(d, O_PATH | O_DIRECTORY | O_CLOEXEC)) >= 0)
			name = slash ? slash + 1 : tmp;
		else
			fd = AT_FDCWD;
		free(d);
	}
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &prev);
	for (i = 0; i < NTMP; i++)
		if (tmps[i] == old) {
			if (old != NULL && dirfds[i] >= 0)
				close(dirfds[i]);
			tmps[i] = tmp;
			isdir[i] = (char)dir;
			dirfds[i] = fd;
			names[i] = name;
			maker[i] = getpid();
			break;
		}
	sigprocmask(SIG_SETMASK, &prev, NULL);
	if (i == NTMP)
		errx(1, "too many open outputs");
}

/* ".NAME.tmpXXXXXX" beside path: same file system, so rename is atomic. */
static char *
tmp_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	int dirlen = slash ? (int)(slash - path + 1) : 0;

	return xasprintf("%.*s.%s.tmpXXXXXX", dirlen, path,
	    slash ? slash + 1 : path);
}

void
out_open(struct out *o, const char *path, int flags)
{
	struct stat st;

	memset(o, 0, sizeof(*o));
	o->flags = flags;
	if (path == NULL || strcmp(path, "-") == 0) {
		o->path = "-";
		o->fd = STDOUT_FILENO;
		if (!(flags & OUT_TTY) && isatty(o->fd))
			errx(1, "stdout: is a terminal; use -o or redirect");
		if ((flags & OUT_SEEK) && (fstat(o->fd, &st) < 0 ||
		    !(S_ISREG(st.st_mode) || S_ISBLK(st.st_mode) ||
		    S_ISCHR(st.st_mode))))
			errx(1, "stdout: not a file, and this output is written "
			    "at offsets");
		return;
	}
	o->path = path;
	if (lstat(path, &st) == 0) {
		if (S_ISDIR(st.st_mode))
			errx(1, "%s: is a directory", path);
		if (!(flags & OUT_FORCE))
			errx(1, "%s: exists; use -f to replace it", path);
		/* A link stays: what it names is the output. */
		if (S_ISLNK(st.st_mode)) {
			if ((o->real = realpath(path, NULL)) == NULL ||
			    stat(o->real, &st) < 0)
				errx(1, "%s: a symbolic link to nothing", path);
			if (S_ISDIR(st.st_mode))
				errx(1, "%s: a symbolic link to a directory",
				    path);
			o->path = o->real;
		}
		/* Never replaced by a file: written where it is. */
		if (S_ISBLK(st.st_mode) || S_ISCHR(st.st_mode) ||
		    S_ISFIFO(st.st_mode)) {
			if (S_ISFIFO(st.st_mode) && (flags & OUT_SEEK))
				errx(1, "%s: a FIFO, and this output is "
				    "written at offsets", path);
			if ((o->fd = open(o->path, O_WRONLY | O_NOCTTY |
			    O_CLOEXEC)) < 0)
				err(1, "%s", path);
			return;
		}
		if (!S_ISREG(st.st_mode))
			errx(1, "%s: not a file, a device or a FIFO", path);
	}
	o->tmp = tmp_name(o->path);
	track(o->tmp, NULL, 0);
	if ((o->fd = mkostemp(o->tmp, O_CLOEXEC)) < 0) {
		track(NULL, o->tmp, 0);
		err(1, "%s", path);
	}
}

void
out_write(struct out *o, const void *buf, size_t len)
{
	const unsigned char *p = buf;
	ssize_t r;

	while (len > 0) {
		r = write(o->fd, p, len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			err(1, "%s", o->path);
		p += r;
		len -= r;
	}
}

int
pwrite_full(int fd, const void *buf, size_t len, off_t off)
{
	for (size_t done = 0; done < len;) {
		ssize_t r = pwrite(fd, (const uint8_t *)buf + done, len - done,
		    off + (off_t)done);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		done += (size_t)r;
	}
	return 0;
}

ssize_t
pread_full(int fd, void *buf, size_t len, off_t off)
{
	size_t done = 0;

	while (done < len) {
		ssize_t r = pread(fd, (uint8_t *)buf + done, len - done,
		    off + (off_t)done);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		done += (size_t)r;
	}
	return (ssize_t)done;
}

/* A file's mode, bytes and metadata to disk, before it takes the name. */
static void
file_sync(struct out *o)
{
	mode_t mask = umask(0);

	umask(mask);
	if (fchmod(o->fd, o->flags & OUT_SECRET ? 0600 : 0666 & ~mask) < 0 ||
	    fsync(o->fd) < 0 || close(o->fd) < 0)
		err(1, "%s", o->path);
	o->fd = -1;
}

static void
file_rename(struct out *o)
{
	if (o->flags & OUT_FORCE) {
		if (rename(o->tmp, o->path) < 0)
			err(1, "%s", o->path);
	} else if (renameat2(AT_FDCWD, o->tmp, AT_FDCWD, o->path,
	    RENAME_NOREPLACE) < 0) {
		if (errno == EEXIST)
			errx(1, "%s: exists; use -f to replace it", o->path);
		/* A file system without RENAME_NOREPLACE: link, unlink. */
		if (errno != EINVAL)
			err(1, "%s", o->path);
		if (link(o->tmp, o->path) < 0) {
			if (errno == EEXIST)
				errx(1, "%s: exists; use -f to replace it",
				    o->path);
			err(1, "%s", o->path);
		}
		if (unlink(o->tmp) < 0)
			err(1, "%s", o->tmp);
	}
	track(NULL, o->tmp, 0);
	free(o->tmp);
	o->tmp = NULL;
}

void
out_commit(struct out *o)
{
	if (o->tmp == NULL) {
		/* A pipe cannot be fsynced; a file or a disk can. */
		if (fsync(o->fd) < 0 && errno != EINVAL && errno != EROFS)
			err(1, "%s", strcmp(o->path, "-") ? o->path : "stdout");
		if (o->fd != STDOUT_FILENO && close(o->fd) < 0)
			err(1, "%s", o->path);
	} else {
		file_sync(o);
		file_rename(o);
	}
	free(o->real);
	o->real = NULL;
}

/*
 * Directory outputs: built as a temporary directory beside the target and
 * renamed into place whole. With OUT_FORCE an existing target is swapped
 * out atomically (RENAME_EXCHANGE) and then removed.
 */
void
out_dir_open(struct out *o, const char *path, int flags)
{
	struct stat st;

	memset(o, 0, sizeof(*o));
	o->flags = flags;
	o->path = path;
	o->fd = -1;
	if (lstat(path, &st) == 0 && !(flags & OUT_FORCE))
		errx(1, "%s: exists; use -f to replace it", path);
	if (lstat(path, &st) == 0 && !S_ISDIR(st.st_mode))
		errx(1, "%s: exists and is not a directory", path);
	o->tmp = tmp_name(path);
	track(o->tmp, NULL, 1);
	if (mkdtemp(o->tmp) == NULL) {
		track(NULL, o->tmp, 1);
		err(1, "%s", path);
	}
	if (chmod(o->tmp, 0755) < 0)
		err(1, "%s", o->tmp);
}

/*
 * A working directory that is never an output: DIR/NAME.XXXXXX (DIR
 * NULL: $TMPDIR, or /tmp when that is unset or empty), mode 0700, removed
 * with everything in it at exit or on a fatal signal, as a temporary.
 */
char *
scratch_dir(const char *dir, const char *name)
{
	const char *base = dir != NULL ? dir : getenv("TMPDIR");
	char *path = xasprintf("%s/%s.XXXXXX", base != NULL && *base ? base :
	    "/tmp", name);

	track(path, NULL, 1);
	if (mkdtemp(path) == NULL) {
		track(NULL, path, 1);
		err(1, "%s", path);
	}
	return path;
}

/*
 * The tree's data and metadata to disk before it takes the name, as for a
 * file: syncfs(2) of its file system, one call for thousands of files.
 */
static void
dir_sync(struct out *o)
{
	int fd;

	if ((fd = open(o->tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		err(1, "%s", o->path);
	if (syncfs(fd) < 0)
		err(1, "%s", o->path);
	close(fd);
}

/* Returns whether an old tree now sits at the temporary name. */
static int
dir_rename(struct out *o)
{
	struct stat st;

	if (renameat2(AT_FDCWD, o->tmp, AT_FDCWD, o->path, RENAME_NOREPLACE)
	    == 0)
		return 0;
	if (errno != EEXIST && errno != ENOTEMPTY)
		err(1, "%s", o->path);
	if (!(o->flags & OUT_FORCE))
		errx(1, "%s: exists; use -f to replace it", o->path);
	if (lstat(o->path, &st) == 0 && !S_ISDIR(st.st_mode))
		errx(1, "%s: exists and is not a directory", o->path);
	if (renameat2(AT_FDCWD, o->tmp, AT_FDCWD, o->path, RENAME_EXCHANGE) < 0)
		err(1, "%s", o->path);
	return 1;
}

/* The old tree, if any, is removed; until then it is a temporary. */
static void
dir_done(struct out *o, int old)
{
	if (old)
		rmtree_at(AT_FDCWD, o->tmp);
	track(NULL, o->tmp, 1);
	free(o->tmp);
	o->tmp = NULL;
}

void
out_dir_commit(struct out *o)
{
	dir_sync(o);
	dir_done(o, dir_rename(o));
}

/*
 * What can fail slowly (the syncs) comes before the old file goes; after
 * that only renames, whose refusals (a target in the way) out_dir_open()
 * and out_open() have seen coming.
 */
void
out_dir_commit_with(struct out *dir, struct out *file)
{
	int old;

	if (file->tmp == NULL) {
		out_dir_commit(dir);
		out_commit(file);
		return;
	}
	dir_sync(dir);
	file_sync(file);
	if (unlink(file->path) < 0 && errno != ENOENT)
		err(1, "%s", file->path);
	old = dir_rename(dir);
	file_rename(file);
	dir_done(dir, old);
}
