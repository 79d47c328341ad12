/* xalloc.c: allocation and whole-file reads that exit on failure. */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "initkit.h"

void *
xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		err(1, "malloc");
	return p;
}

void *
xcalloc(size_t n, size_t m)
{
	void *p = calloc(n ? n : 1, m ? m : 1);

	if (p == NULL)
		err(1, "calloc");
	return p;
}

void *
xreallocarray(void *p, size_t n, size_t m)
{
	if ((p = reallocarray(p, n ? n : 1, m ? m : 1)) == NULL)
		err(1, "realloc");
	return p;
}

char *
xstrdup(const char *s)
{
	char *p = strdup(s);

	if (p == NULL)
		err(1, "strdup");
	return p;
}

char *
xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		err(1, "asprintf");
	va_end(ap);
	return s;
}

char *
xreadfile(const char *path, size_t *lenp)
{
	const char *name = path == NULL || strcmp(path, "-") == 0 ?
	    "stdin" : path;
	int fd = name == path ? open(path, O_RDONLY | O_CLOEXEC) : 0;
	size_t len = 0, cap = 65536;
	char *buf;
	ssize_t r;

	if (fd < 0)
		err(1, "%s", name);
	buf = xmalloc(cap);
	for (;;) {
		if (cap - len < 2)
			buf = xreallocarray(buf, cap *= 2, 1);
		r = read(fd, buf + len, cap - len - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			err(1, "%s", name);
		if (r == 0)
			break;
		len += r;
	}
	if (fd != 0)
		close(fd);
	buf[len] = '\0';
	*lenp = len;
	return buf;
}
