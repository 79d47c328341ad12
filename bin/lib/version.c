/*
 * version.c: the long options every tool takes beside its short ones,
 * --help (as -h) and --version, and what --version prints.
 */
#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "initkit.h"

const struct option std_longopts[] = {
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ NULL, 0, NULL, 0 },
};

void
print_version(void)
{
	printf("%s (initkit) %s\n", program_invocation_short_name,
	    INITKIT_VERSION);
	if (fclose(stdout) != 0)
		err(1, "stdout");
	exit(0);
}
