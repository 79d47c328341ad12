/*
 * usrmerge.c: the merged /usr layout a Debian root starts from (Debian 12
 * and later: bin, sbin, lib and lib64 are symlinks into usr): its
 * directories and the four links made in a root, and their nodes added to
 * the root's tree, where the directories lose to a package's entry of
 * the same path (seq (size_t)-1).
 */
#include <sys/stat.h>

#include <err.h>
#include <stdlib.h>
#include <unistd.h>

#include "initkit.h"

void
usrmerge_skeleton(const char *root, struct tree *t)
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
