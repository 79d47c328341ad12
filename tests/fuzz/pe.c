/*
 * pe.c: fuzz the PE/COFF parser as mkuki meets it (bin/lib/pe.c and
 * bin/mkuki.c, compiled in with main renamed for its static functions):
 * the kernel's release string (kernel_release), the stub's version from
 * .sdmagic (stub_version, after pe_parse) and the whole of -I, text and
 * JSON (by the input's length, odd or even): every section's data, the
 * Authenticode digest and each entry of the certificate table through the
 * signature check; and the input as a kernel for -l (kernel_read: gzip or
 * zstd decompressed), with mkuki's 1 GiB limit made 16 MiB here so that
 * a bomb costs milliseconds, not a gigabyte and the fuzzer's RSS limit.
 * Output goes to /dev/null.
 *
 * Leaks: released after a refusal (fuzz.h). OpenSSL caches what it
 * fetches for an algorithm a signature names, but nothing on these paths
 * exits after a signature check (its failure is a "problem" printed), so
 * what a refused input held is never such a cache.
 */
#define PE_IMAGE_MAX (16u << 20)
#define main mkuki_main
#include "../../bin/mkuki.c"
#undef main

#include "fuzz.h"

static char *path;

static void
parse(const uint8_t *data, size_t size)
{
	uint8_t *buf = xmalloc(size ? size : 1);
	struct pe pe;

	free(kernel_release(data, size));
	memcpy(buf, data, size);
	pe_parse(&pe, "fuzz.efi", buf, size);
	(void)stub_version(&pe);
	free(pe.buf);
}

static void
kernel(void)
{
	size_t len;

	free(kernel_read(path, &len));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int ok;

	if (path == NULL) {
		path = fuzz_path("fuzz.efi");
		if (freopen("/dev/null", "w", stdout) == NULL)
			fuzz_fail("/dev/null: cannot open");
	}
	fuzz_write(path, data, size);
	FUZZ_RUN(ok, kernel());
	FUZZ_RUN(ok, parse(data, size));
	if (!ok)
		return 0;
	FUZZ_RUN(ok, inspect(path, (int)(size & 1)));
	return 0;
}
