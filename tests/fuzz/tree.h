/*
 * tree.h: what the spec and cpio harnesses share: the contents files a
 * spec may name (c/..., as tests/fixture.sh makes them, c/two-link a hard
 * link of c/two), set up in the private directory, the working directory
 * while a spec is read (tree_enter, tree_leave; libFuzzer's own paths are
 * relative to the real one); and a comparison of two finished trees.
 */
#include <sys/stat.h>

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "initkit.h"
#include "fuzz.h"

static void
tree_file(const char *name, const void *buf, size_t len)
{
	char *path = fuzz_path(name);

	fuzz_write(path, buf, len);
	free(path);
}

static void
tree_setup(void)
{
	static int done;
	struct tree warm = { 0 };
	char rnd[3000];
	uint32_t x = 1;

	if (done)
		return;
	done = 1;
	if (mkdirat(fuzz_tmpfd(), "c", 0755) < 0)
		fuzz_fail("%s: cannot set up c/", fuzz_tmpdir());
	for (size_t i = 0; i < sizeof(rnd); i++)
		rnd[i] = (char)((x = x * 1103515245 + 12345) >> 16);
	tree_file("c/hello.txt", "hi\n", 3);
	tree_file("c/two", "second\n", 7);
	tree_file("c/random", rnd, sizeof(rnd));
	tree_file("c/init", "#!/bin/sh\necho init\n", 20);
	tree_file("c/empty", "", 0);
	if (linkat(fuzz_tmpfd(), "c/two", fuzz_tmpfd(), "c/two-link", 0) < 0)
		fuzz_fail("c/two-link: cannot link");
	/* The reader's empty directory, made once and kept. */
	tree_add_spec_mem(&warm, "warm-up", ". type=dir\n", 11);
	tree_free(&warm);
}

static int tree_cwd = -1;

static void
tree_enter(void)
{
	if ((tree_cwd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0 ||
	    fchdir(fuzz_tmpfd()) < 0)
		fuzz_fail("cannot enter %s", fuzz_tmpdir());
}

/* Not reached after an error exit: fuzz_end restores the directory. */
static void
tree_leave(void)
{
	if (fchdir(tree_cwd) < 0 || close(tree_cwd) < 0)
		fuzz_fail("cannot leave %s", fuzz_tmpdir());
}

static int
str_eq(const char *a, const char *b)
{
	return a == b || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* Whether two finished trees name the same nodes, all fields alike. */
static __attribute__((unused)) void
tree_compare(const struct tree *a, const struct tree *b, const char *what)
{
	if (a->n != b->n)
		fuzz_fail("%s: %zu nodes, then %zu", what, a->n, b->n);
	for (size_t i = 0; i < a->n; i++) {
		const struct node *x = &a->v[i], *y = &b->v[i];

		if (strcmp(x->path, y->path) != 0 || x->mode != y->mode ||
		    x->uid != y->uid || x->gid != y->gid ||
		    x->mtime != y->mtime || x->size != y->size ||
		    !str_eq(x->link, y->link) || !str_eq(x->src, y->src) ||
		    x->rdev != y->rdev || x->nlink != y->nlink ||
		    x->ino != y->ino || x->data != y->data)
			fuzz_fail("%s: node %zu differs: %s %o %u:%u %jd %ju "
			    "link=%s src=%s rdev=%ju nlink=%u ino=%u, then "
			    "%s %o %u:%u %jd %ju link=%s src=%s rdev=%ju "
			    "nlink=%u ino=%u", what, i, x->path, x->mode,
			    x->uid, x->gid, (intmax_t)x->mtime,
			    (uintmax_t)x->size, x->link, x->src,
			    (uintmax_t)x->rdev, x->nlink, x->ino, y->path,
			    y->mode, y->uid, y->gid, (intmax_t)y->mtime,
			    (uintmax_t)y->size, y->link, y->src,
			    (uintmax_t)y->rdev, y->nlink, y->ino);
	}
}
