/* fs.c: small file system helpers that exit 1 naming the path. */
#include <sys/stat.h>

#include <err.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

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
