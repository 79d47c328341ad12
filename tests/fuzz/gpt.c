/*
 * gpt.c: fuzz the GPT reader of mkgpt -V (gpt_check, bin/lib/gpt.c): the
 * input is a disk image. A disk gpt_check accepts is read again here,
 * independently: its backup entry array must be the primary's byte for
 * byte, and its protective MBR as UEFI 2.10 5.2.3 defines it (Tables 5-3,
 * 5-4: one record of type 0xEE, not bootable, at LBA 1 and CHS 0x000200,
 * covering the disk but LBA 0 or 0xFFFFFFFF sectors; the other three
 * zero; 0xAA55).
 */
#include <stdint.h>
#include <string.h>

#include "initkit.h"
#include "fuzz.h"

static char *path;

/* The entry array a header at LBA lba points at, or fail. */
static const uint8_t *
entries(const uint8_t *d, size_t size, uint64_t ss, uint64_t lba,
    uint64_t *len)
{
	const uint8_t *h = d + lba * ss;
	uint64_t at = fuzz_le(h + 72, 8);

	*len = fuzz_le(h + 80, 4) * fuzz_le(h + 84, 4);
	if (at >= size / ss || *len > size - at * ss)
		fuzz_fail("accepted: the entries of the header at LBA %llu "
		    "lie outside the disk", (unsigned long long)lba);
	return d + at * ss;
}

static void
check(const uint8_t *d, size_t size)
{
	static const uint8_t zero[16];
	uint64_t ss = size >= 520 && memcmp(d + 512, "EFI PART", 8) == 0 ?
	    512 : 4096, last, len1, len2, want;
	const uint8_t *e1, *e2;
	int found = 0;

	if (size < 2 * ss || memcmp(d + ss, "EFI PART", 8) != 0)
		fuzz_fail("accepted: no primary header");
	last = size / ss - 1;
	e1 = entries(d, size, ss, 1, &len1);
	e2 = entries(d, size, ss, last, &len2);
	if (len1 != len2 || memcmp(e1, e2, len1) != 0)
		fuzz_fail("accepted: backup entries differ from the primary's");
	if (d[510] != 0x55 || d[511] != 0xaa)
		fuzz_fail("accepted: no MBR signature");
	want = last > 0xffffffff ? 0xffffffff : last;
	for (int i = 0; i < 4; i++) {
		const uint8_t *r = d + 446 + 16 * i;

		if (memcmp(r, zero, 16) == 0)
			continue;
		if (found++ || r[0] != 0 || r[1] != 0 || r[2] != 2 ||
		    r[3] != 0 || r[4] != 0xee || fuzz_le(r + 8, 4) != 1 ||
		    fuzz_le(r + 12, 4) != want)
			fuzz_fail("accepted: MBR record %d is not the one "
			    "protective record", i + 1);
	}
	if (!found)
		fuzz_fail("accepted: no protective record");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int ok;

	if (path == NULL)
		path = fuzz_path("disk.raw");
	fuzz_write(path, data, size);
	FUZZ_RUN(ok, gpt_check(path));
	if (ok)
		check(data, size);
	return 0;
}
