/*
 * debver.c: Debian version comparison, Debian Policy 5.6.12: epoch, then
 * upstream version and revision compared part by part, non-digits by a
 * modified ASCII order where '~' sorts before everything, even the end;
 * and the syntax of versions, package and architecture names.
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

/*
 * A version dpkg takes without complaint (Policy 5.6.12): an optional
 * epoch of digits and ':', a non-empty upstream version of alphanumerics
 * and ".+~-:", and after the last '-' a non-empty revision of
 * alphanumerics and ".+~". (dpkg only warns about an upstream version
 * that does not start with a digit, and so does this.)
 */
int
debver_valid(const char *v)
{
	const char *up = v, *dash, *c;

	if (strchr(v, ':') != NULL) {
		up = strchr(v, ':') + 1;
		if (up == v + 1 ||
		    strspn(v, "0123456789") != (size_t)(up - v - 1))
			return 0;
	}
	dash = strrchr(up, '-');
	if (*up == '\0' || dash == up)
		return 0;
	for (c = up; *c; c++) {
		if (c == dash || (isascii((unsigned char)*c) &&
		    isalnum((unsigned char)*c)))
			continue;
		if (strchr(dash == NULL || c < dash ? ".+~-:" : ".+~",
		    *c) == NULL)
			return 0;
	}
	return dash == NULL || dash[1] != '\0';
}

/*
 * A package name dpkg takes (Policy 5.6.1 is stricter: lower case, two
 * characters or more): an alphanumeric, then alphanumerics and "+-._".
 */
int
debname_valid(const char *s)
{
	const char *c;

	if (!isascii((unsigned char)*s) || !isalnum((unsigned char)*s))
		return 0;
	for (c = s + 1; *c; c++)
		if (!isascii((unsigned char)*c) ||
		    (!isalnum((unsigned char)*c) && strchr("+-._", *c) == NULL))
			return 0;
	return 1;
}

/* An architecture name, as dpkg-architecture lists them, or "all". */
int
debarch_valid(const char *s)
{
	return *s && strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-") ==
	    strlen(s);
}
