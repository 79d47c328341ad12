/* fs.c: small file system helpers that exit 1 naming the path. */
#include <sys/stat.h>

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
