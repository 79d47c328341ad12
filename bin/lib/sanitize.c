/*
 * sanitize.c: the leak-check policy of sanitizer builds (make SANITIZE=1),
 * linked into every program there and empty otherwise.
 *
 * A tool that fails exits from wherever it is, with the allocations of
 * the code it interrupted still live: that is how err(3) ends a program,
 * not a leak. So LeakSanitizer's check at exit is skipped for a non-zero
 * exit status; every successful run is still checked. on_exit handlers run
 * in reverse order of registration, and this one is registered before any
 * of the program's (out.c's cleanup runs first) but after the sanitizer's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#ifdef __SANITIZE_ADDRESS__
static void
skip_leak_check(int status, void *arg)
{
	(void)arg;
	if (status != 0) {
		fflush(NULL);
		_exit(status);
	}
}

__attribute__((constructor)) static void
leak_policy(void)
{
	on_exit(skip_leak_check, NULL);
}
#endif
