/* Unit tests for bin/lib/num.c: strict numbers, sizes, SOURCE_DATE_EPOCH,
 * round_up. */
#include <stdint.h>

#include "initkit.h"
#include "unit.h"

static void p_num(void *s) { num_parse(s, 0, 100, "-x"); }
static void p_size(void *s) { size_parse(s, "-s"); }
static void p_epoch(void *s) { setenv("SOURCE_DATE_EPOCH", s, 1); epoch_get(NULL); }

int
main(void)
{
	ok(num_parse("42", 0, 100, "-x") == 42, "decimal in range");
	ok(num_parse("-5", -10, 10, "-x") == -5, "negative in range");
	ok(num_parse("0", 0, 0, "-x") == 0, "zero");
	ok(num_parse("9223372036854775807", 0, INT64_MAX, "-x") == INT64_MAX,
	    "INT64_MAX");
	exits(2, "-x: 0x10: not a number", p_num, "0x10", "hex refused");
	exits(2, "-x: +1: not a number", p_num, "+1", "plus sign refused");
	exits(2, "-x:  1: not a number", p_num, " 1", "leading blank refused");
	exits(2, "-x: 1 : not a number", p_num, "1 ", "trailing blank refused");
	exits(2, "-x: : not a number", p_num, "", "empty refused");
	exits(2, "-x: 101: out of range 0..100", p_num, "101", "above max");
	exits(2, "-x: -1: out of range 0..100", p_num, "-1", "below min");
	exits(2, "out of range", p_num, "99999999999999999999", "overflow");

	ok(size_parse("0", "-s") == 0, "size 0");
	ok(size_parse("512", "-s") == 512, "size in bytes");
	ok(size_parse("4K", "-s") == 4096, "K is 1024");
	ok(size_parse("3M", "-s") == 3 << 20, "M is 1024^2");
	ok(size_parse("2G", "-s") == 2ULL << 30, "G is 1024^3");
	ok(size_parse("1T", "-s") == 1ULL << 40, "T is 1024^4");
	ok(size_parse("4KiB", "-s") == 4096, "KiB is K");
	ok(size_parse("3MiB", "-s") == 3 << 20, "MiB is M");
	ok(size_parse("2GiB", "-s") == 2ULL << 30, "GiB is G");
	ok(size_parse("1TiB", "-s") == 1ULL << 40, "TiB is T");
	exits(2, "-s: 4Ki: not a size", p_size, "4Ki", "Ki without B refused");
	exits(2, "-s: 4KiBx: not a size", p_size, "4KiBx", "KiB and more refused");
	exits(2, "-s: 4kiB: not a size", p_size, "4kiB", "lowercase kiB refused");
	exits(2, "-s: 4k: not a size", p_size, "4k", "lowercase suffix refused");
	exits(2, "-s: 1KB: not a size", p_size, "1KB", "two-letter suffix refused");
	exits(2, "-s: -1: not a size", p_size, "-1", "negative size refused");
	exits(2, "-s: 17179869184T: too large", p_size, "17179869184T",
	    "size overflow refused");

	unsetenv("SOURCE_DATE_EPOCH");
	ok(epoch_get(NULL) == -1, "no epoch without -t and SOURCE_DATE_EPOCH");
	setenv("SOURCE_DATE_EPOCH", "1700000000", 1);
	ok(epoch_get(NULL) == 1700000000, "SOURCE_DATE_EPOCH read");
	ok(epoch_get("7") == 7, "-t overrides SOURCE_DATE_EPOCH");
	exits(2, "SOURCE_DATE_EPOCH: 1e3: not a number", p_epoch, "1e3",
	    "malformed SOURCE_DATE_EPOCH refused");
	exits(2, "SOURCE_DATE_EPOCH: -1: out of range", p_epoch, "-1",
	    "negative SOURCE_DATE_EPOCH refused");
	exits(2, "SOURCE_DATE_EPOCH: empty, not a number", p_epoch, "",
	    "empty SOURCE_DATE_EPOCH refused");
	setenv("SOURCE_DATE_EPOCH", "4294967295", 1);
	ok(epoch_get(NULL) == 4294967295LL, "SOURCE_DATE_EPOCH 2^32 - 1 read");
	exits(2, "SOURCE_DATE_EPOCH: 4294967296: out of range 0..4294967295",
	    p_epoch, "4294967296", "SOURCE_DATE_EPOCH 2^32 refused");

	ok(round_up(0, 4096) == 0 && round_up(1, 4096) == 4096 &&
	    round_up(4096, 4096) == 4096 && round_up(4097, 512) == 4608,
	    "round_up");
	return unit_done();
}
