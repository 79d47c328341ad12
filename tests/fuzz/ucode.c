/*
 * ucode.c: fuzz the microcode readers of mkucode (bin/lib/ucode.c). The
 * input is split at its first "\n--\n" into two files of intel-ucode/
 * (one file when there is none) and read by ucode_intel; the whole input
 * is also amd-ucode/x.bin for ucode_amd. What they accept is checked
 * independently: GenuineIntel.bin is a run of updates whose header
 * version, loader revision and checksum are right, each of them bytes of
 * the input, no two alike, in signature order; AuthenticAMD.bin is the
 * input.
 */
#include <sys/stat.h>

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "initkit.h"
#include "fuzz.h"

static char *intel, *amd, *f1, *f2, *fa;
static unsigned char *out;
static size_t outlen;

static void
run_intel(void)
{
	int64_t t = 0;

	out = ucode_intel(intel, &outlen, &t);
}

static void
run_amd(void)
{
	int64_t t = 0;

	out = ucode_amd(amd, &outlen, &t);
}

static void
check_intel(const uint8_t *data, size_t size)
{
	size_t off = 0, prev = 0;
	int first = 1;

	while (off < outlen) {
		const unsigned char *p = out + off;
		uint64_t total, data_size, sum = 0;

		if (outlen - off < 48)
			fuzz_fail("accepted: %zu bytes after the last update",
			    outlen - off);
		if (fuzz_le(p, 4) != 1 || fuzz_le(p + 20, 4) != 1)
			fuzz_fail("accepted: an update of header version "
			    "%llu", (unsigned long long)fuzz_le(p, 4));
		data_size = fuzz_le(p + 28, 4);
		total = fuzz_le(p + 32, 4);
		if (data_size == 0) {
			data_size = 2000;
			total = 2048;
		}
		if (total > outlen - off || total < 48 + data_size)
			fuzz_fail("accepted: an update of %llu bytes",
			    (unsigned long long)total);
		for (uint64_t i = 0; i < 48 + data_size; i += 4)
			sum += fuzz_le(p + i, 4);
		if ((uint32_t)sum != 0)
			fuzz_fail("accepted: an update with a bad checksum");
		if (memmem(data, size, p, total) == NULL)
			fuzz_fail("an update that is not in the input");
		if (!first) {
			const unsigned char *q = out + prev;

			if (fuzz_le(q + 12, 4) > fuzz_le(p + 12, 4) ||
			    (fuzz_le(q + 12, 4) == fuzz_le(p + 12, 4) &&
			    fuzz_le(q + 24, 4) <= fuzz_le(p + 24, 4)))
				fuzz_fail("updates out of order, or two for "
				    "one signature and flags mask");
		}
		first = 0;
		prev = off;
		off += total;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *cut;
	int ok;

	if (intel == NULL) {
		char *fw = fuzz_path("fw");

		intel = xasprintf("%s/intel-ucode", fw);
		amd = xasprintf("%s/amd-ucode", fw);
		if (mkdir(fw, 0755) != 0 || mkdir(intel, 0755) != 0 ||
		    mkdir(amd, 0755) != 0)
			fuzz_fail("mkdir %s", fw);
		f1 = xasprintf("%s/06-0f-02", intel);
		f2 = xasprintf("%s/06-0f-02.initramfs", intel);
		fa = xasprintf("%s/x.bin", amd);
		free(fw);
	}
	cut = memmem(data, size, "\n--\n", 4);
	unlink(f2);
	if (cut != NULL) {
		fuzz_write(f1, data, cut - data);
		fuzz_write(f2, cut + 4, size - (cut + 4 - data));
	} else
		fuzz_write(f1, data, size);
	FUZZ_RUN(ok, run_intel());
	if (ok) {
		check_intel(data, size);
		free(out);
	}
	fuzz_write(fa, data, size);
	FUZZ_RUN(ok, run_amd());
	if (ok) {
		if (outlen != size || (size > 0 && memcmp(out, data, size)))
			fuzz_fail("AuthenticAMD.bin is not the input");
		free(out);
	}
	return 0;
}
