/*
 * verity.c: fuzz the verity superblock reader (verity_parse_superblock)
 * and mkverity -V (verity_check), both in bin/lib/verity.c. The input is
 * the 32-byte root hash, the hash offset as 4 bytes little-endian, then an
 * image holding the data and, at that offset, the superblock and hash
 * tree (mkverity without -o). A superblock that parses must come back the
 * same from verity_superblock.
 *
 * The process keeps to one CPU, so verity_hash hashes in the calling
 * thread: glibc keeps a thread's stack and its TLS blocks for reuse, and
 * those made in an input that then fails would be released (fuzz.h).
 * The threads are the business of tests/mkverity.t.
 */
#include <sched.h>
#include <stdint.h>
#include <string.h>

#include "initkit.h"
#include "fuzz.h"

static char *path;

static void
check(const uint8_t *data, size_t size)
{
	uint32_t hoff = (uint32_t)data[32] | (uint32_t)data[33] << 8 |
	    (uint32_t)data[34] << 16 | (uint32_t)data[35] << 24;

	verity_check(path, path, hoff, data);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct verity v, w;
	uint8_t sb[512];
	int ok;

	if (path == NULL) {
		cpu_set_t set, one;

		path = fuzz_path("image");
		CPU_ZERO(&one);
		if (sched_getaffinity(0, sizeof(set), &set) < 0)
			fuzz_fail("sched_getaffinity");
		for (int c = 0; c < CPU_SETSIZE; c++)
			if (CPU_ISSET(c, &set)) {
				CPU_SET(c, &one);
				break;
			}
		if (sched_setaffinity(0, sizeof(one), &one) < 0 ||
		    ncpus() != 1)
			fuzz_fail("cannot keep to one CPU");
	}
	if (size < 36)
		return 0;
	/* The superblock alone, wherever the image starts. */
	memset(sb, 0, sizeof(sb));
	memcpy(sb, data + 36, size - 36 < 512 ? size - 36 : 512);
	if (verity_parse_superblock(&v, sb) == 0) {
		verity_superblock(&v, sb);
		if (verity_parse_superblock(&w, sb) != 0 ||
		    v.block_size != w.block_size ||
		    v.data_blocks != w.data_blocks ||
		    v.salt_size != w.salt_size ||
		    memcmp(v.salt, w.salt, v.salt_size) != 0 ||
		    memcmp(v.uuid, w.uuid, 16) != 0)
			fuzz_fail("superblock does not read back");
	}
	fuzz_write(path, data + 36, size - 36);
	FUZZ_RUN(ok, check(data, size));
	(void)ok;
	return 0;
}
