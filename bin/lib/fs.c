/*
 * fs.c: small file system helpers that exit 1 naming the path, and
 * rmtree_at, which never exits.
 */
#include <sys/stat.h>
#include <sys/syscall.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "initkit.h"

void
mkdir_p(const char *path)
{
	char *p = xstrdup(path);

	for (char *s = p + 1; *s; s++)
		if (*s == '/') {
			*s = '\0';
			if (mkdir(p, 0755) < 0 && errno != EEXIST)
				err(1, "%s", p);
			*s = '/';
		}
	if (mkdir(p, 0755) < 0 && errno != EEXIST)
		err(1, "%s", p);
	free(p);
}

void
mkdir_parents(const char *base, const char *rel)
{
	char *p = xasprintf("%s/%s", base, rel), *slash = strrchr(p, '/');

	*slash = '\0';
	mkdir_p(p);
	free(p);
}

int
open_input(const char *path, uint64_t size)
{
	struct stat st;
	int fd;

	/* O_NONBLOCK: a FIFO swapped in since the tree was read must not
	 * block the open; for a regular file it changes nothing, and a
	 * device that would block a read fails it (EAGAIN). */
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) < 0 ||
	    fstat(fd, &st) < 0)
		err(1, "%s", path);
	/* A character device (/dev/null as an empty file) is read as
	 * listed: one with bytes fails input_done(). */
	if (!S_ISREG(st.st_mode) && !S_ISCHR(st.st_mode))
		errx(1, "%s: no longer a regular file", path);
	if ((uint64_t)st.st_size != size)
		errx(1, "%s: changed size while building (%ju, now %jd)",
		    path, (uintmax_t)size, (intmax_t)st.st_size);
	return fd;
}

void
input_done(int fd, const char *path, uint64_t size)
{
	struct stat st;
	ssize_t r;
	char one;

	/* Bytes past the size the tree gave (a file still written to, or
	 * one like /proc's that says 0) would be silently cut: refused. */
	do
		r = read(fd, &one, 1);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		err(1, "%s", path);
	if (r > 0 || fstat(fd, &st) < 0 || (uint64_t)st.st_size != size)
		errx(1, "%s: grew while read (%ju bytes when listed)", path,
		    (uintmax_t)size);
	close(fd);
}

/*
 * Remove name below dirfd and everything in it, with async-signal-safe
 * system calls only (a signal handler uses it) and in constant stack
 * space, whatever the depth (a package decides that). Each pass removes
 * the top directory's entries and their entries; a directory two levels
 * down that is not empty is moved up into the top directory, named by its
 * inode number and never over anything, and emptied on a later pass. Each
 * directory moves at most once, so passes end, when one gets nowhere.
 */
struct linux_dirent64 {
	ino64_t d_ino;
	off64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

#define RM_MOVED ".rmtree-"

/* Remove name in fd: anything but a directory, or an empty one. */
static int
gone(int fd, const char *name)
{
	return unlinkat(fd, name, 0) == 0 || ((errno == EISDIR ||
	    errno == EPERM) && unlinkat(fd, name, AT_REMOVEDIR) == 0);
}

/*
 * One pass over fd, which is top or a directory in it: what can go goes;
 * a full directory in top is emptied (a second level of this, no more),
 * one further down moves up. Returns whether anything went or moved.
 */
static int
rm_pass(int top, int fd)
{
	char buf[8192], moved[sizeof(RM_MOVED) + 16];
	int sub, progress = 0;
	long n;

	memcpy(moved, RM_MOVED, sizeof(RM_MOVED) - 1);
	moved[sizeof(moved) - 1] = '\0';
	lseek(fd, 0, SEEK_SET);
	while ((n = syscall(SYS_getdents64, fd, buf, sizeof(buf))) > 0)
		for (long off = 0; off < n;) {
			struct linux_dirent64 *d = (void *)(buf + off);

			off += d->d_reclen;
			if (strcmp(d->d_name, ".") == 0 ||
			    strcmp(d->d_name, "..") == 0)
				continue;
			if (gone(fd, d->d_name)) {
				progress = 1;
				continue;
			}
			if (errno != ENOTEMPTY && errno != EEXIST)
				continue;	/* not ours to remove */
			if (fd != top) {
				for (int i = 0; i < 16; i++)
					moved[sizeof(RM_MOVED) - 1 + i] =
					    "0123456789abcdef"[d->d_ino >>
					    (60 - 4 * i) & 0xf];
				progress |= renameat2(fd, d->d_name, top,
				    moved, RENAME_NOREPLACE) == 0;
				continue;
			}
			if ((sub = openat(fd, d->d_name, O_RDONLY |
			    O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
				continue;
			progress |= rm_pass(top, sub);
			close(sub);
			progress |= gone(fd, d->d_name);
		}
	return progress;
}

void
rmtree_at(int dirfd, const char *name)
{
	int fd;

	if (unlinkat(dirfd, name, 0) == 0 || (errno != EISDIR &&
	    errno != EPERM))
		return;
	if ((fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) < 0)
		return;
	while (rm_pass(fd, fd))
		;
	unlinkat(dirfd, name, AT_REMOVEDIR);
	close(fd);
}
