/*
 * num.c: strict number parsing and SOURCE_DATE_EPOCH
 * (https://reproducible-builds.org/specs/source-date-epoch/: a decimal
 * count of seconds since the Unix epoch; anything else is an error), and
 * the range of owners; rounding up for layouts.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "initkit.h"

int64_t
num_parse(const char *s, int64_t min, int64_t max, const char *what)
{
	char *end;
	intmax_t v;

	/* strtoimax skips blanks and takes "+": a strict number does not. */
	if (*s != '-' && !isdigit((unsigned char)*s))
		errx_usage("%s: %s: not a number", what, s);
	errno = 0;
	v = strtoimax(s, &end, 10);
	if (end == s || *end != '\0')
		errx_usage("%s: %s: not a number", what, s);
	if (errno == ERANGE || v < min || v > max)
		errx_usage("%s: %s: out of range %" PRId64 "..%" PRId64,
		    what, s, min, max);
	return v;
}

uint64_t
size_parse(const char *s, const char *what)
{
	static const char units[] = "KMGT";
	const char *u;
	char *end;
	uintmax_t v;
	int shift = 0;

	if (!isdigit((unsigned char)*s))
		errx_usage("%s: %s: not a size", what, s);
	errno = 0;
	v = strtoumax(s, &end, 10);
	if (end == s || errno == ERANGE)
		errx_usage("%s: %s: not a size", what, s);
	/* K or KiB, ...: powers of 1024, as sfdisk and systemd-repart. */
	if (*end != '\0') {
		if ((end[1] != '\0' && strcmp(end + 1, "iB") != 0) ||
		    (u = strchr(units, *end)) == NULL)
			errx_usage("%s: %s: not a size (suffixes: K M G T, KiB "
			    "MiB GiB TiB)", what, s);
		shift = 10 * (int)(u - units + 1);
	}
	if (shift && v > (UINTMAX_MAX >> shift))
		errx_usage("%s: %s: too large", what, s);
	return (uint64_t)v << shift;
}

/*
 * Up to 2^32 - 1: the widest time newc cpio (8 hex digits) and squashfs
 * (32 bits) store. Set but empty is malformed too: it is what a failed
 * $(git log -1 --format=%ct) gives, and a build that meant to be
 * reproducible would silently not be.
 */
#define EPOCH_MAX 4294967295LL

int64_t
epoch_get(const char *opt)
{
	const char *env;

	if (opt != NULL)
		return num_parse(opt, 0, EPOCH_MAX, "-t");
	env = getenv("SOURCE_DATE_EPOCH");
	if (env == NULL)
		return -1;
	if (*env == '\0')
		errx_usage("SOURCE_DATE_EPOCH: empty, not a number");
	return num_parse(env, 0, EPOCH_MAX, "SOURCE_DATE_EPOCH");
}

int
owner_valid(int64_t uid, int64_t gid)
{
	return uid >= 0 && uid < UINT32_MAX && gid >= 0 && gid < UINT32_MAX;
}

uint64_t
round_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) / a * a;
}
