/*
 * pe.c: fuzz the PE/COFF parser as mkuki meets it (bin/lib/pe.c and
 * bin/mkuki.c, compiled in with main renamed for its static functions):
 * the kernel's release string (kernel_release), the stub's version from
 * .sdmagic (stub_version, after pe_parse) and the whole of -I, text and
 * JSON (by the input's length, odd or even): every section's data, the
 * Authenticode digest and each entry of the certificate table through the
 * signature check. Output goes to /dev/null.
 *
 * Leaks: released after a refusal (fuzz.h). OpenSSL caches what it
 * fetches for an algorithm a signature names, but nothing on these paths
 * exits after a signature check (its failure is a "problem" printed), so
 * what a refused input held is never such a cache.
 */
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
	FUZZ_RUN(ok, parse(data, size));
	if (!ok)
		return 0;
	FUZZ_RUN(ok, inspect(path, (int)(size & 1)));
	return 0;
}
