/*
 * debver.c: Debian version comparison, Debian Policy 5.6.12: epoch, then
 * upstream version and revision compared part by part, non-digits by a
 * modified ASCII order where '~' sorts before everything, even the end.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "initkit.h"

static int
order(int c)
{
	if (isdigit(c))
		return 0;
	if (isalpha(c))
		return c;
	if (c == '~')
		return -1;
	if (c)
		return c + 256;
	return 0;
}

/* Compare a and b (upstream or revision parts) of lengths la, lb. */
static int
verrevcmp(const char *a, size_t la, const char *b, size_t lb)
{
	const char *ea = a + la, *eb = b + lb;

	while (a < ea || b < eb) {
		int first_diff = 0;

		while ((a < ea && !isdigit((unsigned char)*a)) ||
		    (b < eb && !isdigit((unsigned char)*b))) {
			int ac = a < ea ? order((unsigned char)*a) : 0;
			int bc = b < eb ? order((unsigned char)*b) : 0;

			if (ac != bc)
				return ac - bc;
			if (a < ea)
				a++;
			if (b < eb)
				b++;
		}
		while (a < ea && *a == '0')
			a++;
		while (b < eb && *b == '0')
			b++;
		while (a < ea && isdigit((unsigned char)*a) && b < eb &&
		    isdigit((unsigned char)*b)) {
			if (!first_diff)
				first_diff = *a - *b;
			a++;
			b++;
		}
		if (a < ea && isdigit((unsigned char)*a))
			return 1;
		if (b < eb && isdigit((unsigned char)*b))
			return -1;
		if (first_diff)
			return first_diff;
	}
	return 0;
}

static void
split(const char *v, unsigned long *epoch, const char **up, size_t *ul,
    const char **rev, size_t *rl)
{
	const char *colon = strchr(v, ':'), *dash;

	*epoch = colon ? strtoul(v, NULL, 10) : 0;
	*up = colon ? colon + 1 : v;
	dash = strrchr(*up, '-');
	*ul = dash ? (size_t)(dash - *up) : strlen(*up);
	*rev = dash ? dash + 1 : "";
	*rl = strlen(*rev);
}

int
debver_cmp(const char *a, const char *b)
{
	unsigned long ea, eb;
	const char *ua, *ub, *ra, *rb;
	size_t ula, ulb, rla, rlb;
	int r;

	split(a, &ea, &ua, &ula, &ra, &rla);
	split(b, &eb, &ub, &ulb, &rb, &rlb);
	if (ea != eb)
		return ea < eb ? -1 : 1;
	if ((r = verrevcmp(ua, ula, ub, ulb)) != 0)
		return r < 0 ? -1 : 1;
	r = verrevcmp(ra, rla, rb, rlb);
	return r < 0 ? -1 : r > 0;
}
