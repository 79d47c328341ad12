/*
 * Unit tests for bin/lib/unpack.c's rmtree_at: a tree of any depth goes
 * in constant stack space (here a stack of 256 KiB, which a frame a level
 * would overflow), with files, links, empty and full directories, and a
 * name like the ones deep directories are moved up to already there.
 */
#include <sys/resource.h>
#include <sys/stat.h>

#include <err.h>
#include <fcntl.h>

#include "initkit.h"
#include "unit.h"

#define DEPTH 1000

/* A chain of DEPTH directories "d" below top, a file and a link in some. */
static void
deep(int top)
{
	int fd = dup(top), next;

	for (int i = 0; i < DEPTH; i++) {
		if (mkdirat(fd, "d", 0755) < 0 ||
		    (next = openat(fd, "d", O_RDONLY | O_DIRECTORY)) < 0)
			err(1, "mkdir");
		close(fd);
		fd = next;
		if (i % 100 == 0 && (close(openat(fd, "f", O_WRONLY | O_CREAT,
		    0644)) < 0 || symlinkat("f", fd, "l") < 0 ||
		    mkdirat(fd, "empty", 0755) < 0))
			err(1, "file");
	}
	close(fd);
}

/* rmtree_at in a child with a small stack: 0 if it came back. */
static int
remove_small(int dirfd, const char *name)
{
	struct rlimit rl = { 256 << 10, 256 << 10 };
	int status;
	pid_t pid;

	fflush(stdout);
	if ((pid = fork()) == 0) {
		if (setrlimit(RLIMIT_STACK, &rl) < 0)
			_exit(2);
		rmtree_at(dirfd, name);
		_exit(0);
	}
	waitpid(pid, &status, 0);
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

int
main(void)
{
	const char *tmp = getenv("TMPDIR");
	char *dir = xasprintf("%s/unit-unpack.XXXXXX", tmp && *tmp ? tmp :
	    "/tmp"), moved[64];
	struct stat st;
	int dfd, top;

	if (mkdtemp(dir) == NULL || (dfd = open(dir, O_RDONLY |
	    O_DIRECTORY)) < 0)
		err(1, "mkdtemp");

	if (mkdirat(dfd, "t", 0755) < 0 || (top = openat(dfd, "t",
	    O_RDONLY | O_DIRECTORY)) < 0)
		err(1, "t");
	deep(top);
	close(top);
	ok(remove_small(dfd, "t") == 0 && fstatat(dfd, "t", &st, 0) < 0,
	    "%d nested directories removed with a 256 KiB stack", DEPTH);

	/* The name the third level would move up to, taken. */
	if (mkdirat(dfd, "t", 0755) < 0 || (top = openat(dfd, "t",
	    O_RDONLY | O_DIRECTORY)) < 0)
		err(1, "t");
	deep(top);
	if (fstatat(top, "d/d/d", &st, 0) < 0)
		err(1, "d/d/d");
	snprintf(moved, sizeof(moved), ".rmtree-%016jx", (uintmax_t)st.st_ino);
	if (mkdirat(top, moved, 0755) < 0 || close(openat(top, "d/d/d/x",
	    O_WRONLY | O_CREAT, 0644)) < 0)
		err(1, "%s", moved);
	{
		char *in = xasprintf("%s/keep", moved);

		if (close(openat(top, in, O_WRONLY | O_CREAT, 0644)) < 0)
			err(1, "%s", in);
		free(in);
	}
	close(top);
	ok(remove_small(dfd, "t") == 0 && fstatat(dfd, "t", &st, 0) < 0,
	    "removed, with a name it moves a directory to already taken");

	if (close(openat(dfd, "file", O_WRONLY | O_CREAT, 0644)) < 0)
		err(1, "file");
	rmtree_at(dfd, "file");
	ok(fstatat(dfd, "file", &st, 0) < 0, "a file is removed too");
	rmtree_at(dfd, "none");
	ok(1, "nothing there: nothing done");

	close(dfd);
	ok(rmdir(dir) == 0, "nothing left beside");
	free(dir);
	return unit_done();
}
