/*
 * Unit tests for bin/lib/out.c: atomic outputs. A committed output has
 * the bytes and the umask's mode; until then the target does not exist;
 * errors and signals leave no temporary behind.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <err.h>
#include <fcntl.h>
#include <signal.h>

#include "initkit.h"
#include "unit.h"

/* Number of directory entries other than . and .. */
static int
entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	if (d == NULL)
		return -1;
	while ((de = readdir(d)) != NULL)
		n += strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0;
	closedir(d);
	return n;
}

static char *
slurp(const char *path)
{
	size_t len;

	return xreadfile(path, &len);
}

static void
open_existing(void *path)
{
	struct out o;

	out_open(&o, path, 0);
}

static void
fail_midway(void *path)
{
	struct out o;

	out_open(&o, path, 0);
	out_write(&o, "partial", 7);
	errx(1, "%s: something went wrong", (char *)path);
}

static void
race(void *path)
{
	struct out o;
	int fd;

	out_open(&o, path, 0);
	out_write(&o, "new", 3);
	/* Someone creates the target meanwhile: commit must not replace it. */
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
	if (fd < 0 || write(fd, "theirs", 6) != 6)
		_exit(99);
	close(fd);
	out_commit(&o);
}

static void
directory(void *path)
{
	struct out o;

	out_open(&o, path, OUT_FORCE);
}

/* Relative outputs, then an error exit from another working directory. */
static void
fail_elsewhere(void *dir)
{
	struct out o, d;

	if (chdir(dir) < 0)
		_exit(99);
	out_open(&o, "c.img", 0);
	out_dir_open(&d, "c.d", 0);
	if (mkdir(xasprintf("%s/x", d.tmp), 0755) < 0 || chdir("/") < 0)
		_exit(99);
	errx(1, "c.img: failed in another directory");
}

int
main(void)
{
	char tmpl[] = "/tmp/unit-out.XXXXXX", *dir, *a, *b, *c, *s = NULL;
	struct out o;
	struct stat st;
	pid_t pid;
	int status;

	if ((dir = mkdtemp(tmpl)) == NULL)
		err(1, "mkdtemp");
	a = xasprintf("%s/a.img", dir);
	b = xasprintf("%s/b.img", dir);
	c = xasprintf("%s/c.img", dir);

	umask(027);
	out_open(&o, a, 0);
	out_write(&o, "hello", 5);
	ok(stat(a, &st) < 0 && entries(dir) == 1,
	    "before commit: no target, one temporary beside it");
	out_commit(&o);
	ok(stat(a, &st) == 0 && (st.st_mode & 0777) == 0640 &&
	    strcmp(s = slurp(a), "hello") == 0 && entries(dir) == 1,
	    "after commit: target with the bytes, mode 0666 & ~umask, no "
	    "temporary");
	free(s);
	s = NULL;

	exits(1, "a.img: exists; use -f to replace it", open_existing, a,
	    "existing target refused without force");
	out_open(&o, a, OUT_FORCE);
	out_write(&o, "again", 5);
	out_commit(&o);
	ok(strcmp(s = slurp(a), "again") == 0 && entries(dir) == 1,
	    "force replaces the target");
	free(s);
	s = NULL;

	out_open(&o, b, OUT_SECRET);
	out_commit(&o);
	ok(stat(b, &st) == 0 && (st.st_mode & 0777) == 0600,
	    "secret output: mode 0600");

	exits(1, "c.img: something went wrong", fail_midway, c,
	    "error exit after a partial write");
	ok(stat(c, &st) < 0 && entries(dir) == 2,
	    "error exit: no target, no temporary");

	exits(1, "c.img: exists; use -f to replace it", race, c,
	    "target created during the write: commit refuses");
	ok(strcmp(s = slurp(c), "theirs") == 0 && entries(dir) == 3,
	    "the other writer's file stays, our temporary is gone");
	free(s);
	s = NULL;
	unlink(c);

	exits(1, "is a directory", directory, dir, "directory target refused");

	exits(1, "c.img: failed in another directory", fail_elsewhere, dir,
	    "error exit after a chdir(2) away from relative outputs");
	ok(entries(dir) == 2, "error exit after a chdir(2): no temporary");

	fflush(stdout);
	if ((pid = fork()) == 0) {
		out_open(&o, c, 0);
		out_write(&o, "partial", 7);
		raise(SIGTERM);
		_exit(0);
	}
	waitpid(pid, &status, 0);
	ok(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM &&
	    stat(c, &st) < 0 && entries(dir) == 2,
	    "SIGTERM: dies of the signal, no target, no temporary");

	fflush(stdout);
	if ((pid = fork()) == 0) {
		signal(SIGINT, SIG_IGN);
		out_open(&o, c, 0);
		raise(SIGINT);
		out_commit(&o);
		_exit(0);
	}
	waitpid(pid, &status, 0);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0 &&
	    stat(c, &st) == 0, "an ignored SIGINT stays ignored");

	{
		char *r = xasprintf("%s/r", dir), *rl = xasprintf("%s/r.tsv", dir);
		char *f;
		struct out d;

		/* An old pair, replaced by a new one. */
		if (mkdir(r, 0755) < 0 || close(open(rl, O_WRONLY | O_CREAT,
		    0644)) < 0)
			err(1, "%s", r);
		out_dir_open(&d, r, OUT_FORCE);
		f = xasprintf("%s/new", d.tmp);
		close(open(f, O_WRONLY | O_CREAT, 0644));
		free(f);
		out_open(&o, rl, OUT_FORCE);
		out_write(&o, "new", 3);
		out_dir_commit_with(&d, &o);
		f = xasprintf("%s/new", r);
		ok(stat(f, &st) == 0 && strcmp(s = slurp(rl), "new") == 0 &&
		    entries(dir) == 5, "a directory and its list committed "
		    "together: both new, no temporary");
		free(s);
		s = NULL;
		unlink(f);
		free(f);
		rmdir(r);
		unlink(rl);
		free(r);
		free(rl);
	}

	unlink(a);
	unlink(b);
	unlink(c);
	rmdir(dir);
	free(a);
	free(b);
	free(c);
	return unit_done();
}
