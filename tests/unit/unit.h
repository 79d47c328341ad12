/*
 * unit.h: TAP for the C unit tests of bin/lib. ok() prints one line per
 * case; exits() runs a function in a child and checks that it exits with a
 * code and a stderr line containing a string (bin/lib reports errors by
 * exiting, as the tools do). As tests/lib.sh does for a script, the
 * program says "# start of NAME" first and unit_done() "# end of NAME: N
 * cases" last, which tests/run checks.
 */
#include <sys/wait.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int unit_cases, unit_failed;

static __attribute__((constructor)) void
unit_start(void)
{
	printf("# start of %s\n", program_invocation_name);
	fflush(stdout);
}

#define ok(cond, ...) unit_ok(!!(cond), #cond, __VA_ARGS__)

static void
unit_ok(int pass, const char *expr, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#include <stdarg.h>
static void
unit_ok(int pass, const char *expr, const char *fmt, ...)
{
	va_list ap;

	printf("%s - ", pass ? "ok" : "not ok");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	unit_cases++;
	if (!pass) {
		printf("# failed: %s\n", expr);
		unit_failed = 1;
	}
	fflush(stdout);
}

/* Run fn(arg) in a child; pass if it exits code with msg on stderr. */
static __attribute__((unused)) void
exits(int code, const char *msg, void (*fn)(void *), void *arg,
    const char *desc)
{
	char buf[4096] = "";
	int p[2], status = 0;
	ssize_t n, len = 0;
	pid_t pid;

	fflush(stdout);
	if (pipe(p) < 0 || (pid = fork()) < 0) {
		perror("fork");
		exit(1);
	}
	if (pid == 0) {
		close(p[0]);
		dup2(p[1], 2);
		fn(arg);
		_exit(0);
	}
	close(p[1]);
	while ((n = read(p[0], buf + len, sizeof(buf) - 1 - len)) > 0)
		len += n;
	buf[len] = '\0';
	close(p[0]);
	waitpid(pid, &status, 0);
	unit_ok(WIFEXITED(status) && WEXITSTATUS(status) == code &&
	    strstr(buf, msg) != NULL, "exit status and message", "%s", desc);
	if (!(WIFEXITED(status) && WEXITSTATUS(status) == code &&
	    strstr(buf, msg) != NULL))
		printf("# want exit %d and \"%s\"; got status %#x, stderr: "
		    "%s\n", code, msg, status, buf);
}

static int
unit_done(void)
{
	printf("# end of %s: %d cases\n", program_invocation_name, unit_cases);
	fflush(stdout);
	return unit_failed;
}
