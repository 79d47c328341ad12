/*
 * run.c: run a program with extra environment and collect what it prints
 * (stdout and stderr together), for tools that drive apt-get and friends;
 * run_watch also calls back at a steady rate while it runs, for a display
 * of how far it is.
 */
#include <sys/wait.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "initkit.h"

#define TICK_MS	200

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
run_capture(char *const argv[], char *const env[], char **out, size_t *outlen)
{
	return run_watch(argv, env, out, outlen, NULL, NULL);
}

int
run_watch(char *const argv[], char *const env[], char **out, size_t *outlen,
    void (*tick)(void *), void *arg)
{
	int p[2], status, r;
	size_t len = 0, cap = 65536;
	char *buf = xmalloc(cap);
	int64_t due = now_ms() + TICK_MS, left;
	struct pollfd pfd;
	ssize_t n;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		err(1, "pipe");
	if ((pid = fork()) < 0)
		err(1, "fork");
	if (pid == 0) {
		dup2(p[1], 1);
		dup2(p[1], 2);
		for (int i = 0; env && env[i]; i++)
			putenv(env[i]);
		execvp(argv[0], argv);
		dprintf(2, "%s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(p[1]);
	pfd.fd = p[0];
	pfd.events = POLLIN;
	for (;;) {
		if (cap - len < 2)
			buf = xreallocarray(buf, cap *= 2, 1);
		/* A tick when due, even while the program prints on. */
		if (tick != NULL) {
			if ((left = due - now_ms()) <= 0) {
				tick(arg);
				due = now_ms() + TICK_MS;
				continue;
			}
			if ((r = poll(&pfd, 1, (int)left)) < 0 && errno != EINTR)
				err(1, "poll");
			if (r <= 0)
				continue;
		}
		n = read(p[0], buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += n;
	}
	close(p[0]);
	buf[len] = '\0';
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			err(1, "waitpid");
	*out = buf;
	if (outlen)
		*outlen = len;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
}
