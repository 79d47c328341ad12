/*
 * rebase.c: a tree built in a temporary directory beside its target names
 * its files' bytes (src) by the temporary's path; once the directory is
 * renamed into place they are read from the target's.
 */
#include <stdlib.h>
#include <string.h>

#include "initkit.h"

void
tree_rebase(struct tree *t, const char *tmp, const char *final)
{
	size_t n = strlen(tmp);

	for (size_t i = 0; i < t->n; i++) {
		char *src = t->v[i].src;

		if (src != NULL && strncmp(src, tmp, n) == 0) {
			t->v[i].src = xasprintf("%s%s", final, src + n);
			free(src);
		}
	}
}
