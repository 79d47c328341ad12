/*
 * pe.c: fuzz the PE/COFF parser as mkuki meets it (bin/lib/pe.c and the
 * modules over it): the kernel's release string (kernel_release), the
 * stub's version from .sdmagic (stub_version, after pe_parse) and its
 * SBAT records, in a section or after them, merged as mkuki merges them
 * (sbat.c); the whole of -I (uki_inspect), printed as text or JSON (by
 * the input's length, odd or even): every section's data, the
 * Authenticode digest and each entry of the certificate table through the
 * signature check; and the input as a kernel for -l (kernel_read: gzip or
 * zstd decompressed), with mkuki's 1 GiB limit made 16 MiB here so that
 * a bomb costs milliseconds, not a gigabyte and the fuzzer's RSS limit.
 * Output goes to /dev/null.
 *
 * When -I verifies the signatures of an image, the harness checks on its
 * own that what they sign covers the file: the Authenticode ranges as
 * EDK2 hashes them (the headers but the CheckSum and the certificate
 * table's directory entry, the sections' raw data in file order, then
 * from SizeOfHeaders plus their sizes the file less the table's size)
 * must give pe_digest's digest, and together with the CheckSum, the
 * directory entry and the table cover every byte of the file.
 *
 * Leaks: released after a refusal (fuzz.h). OpenSSL caches what it
 * fetches for an algorithm a signature names, but nothing on these paths
 * exits after a signature check (its failure is a "problem" printed), so
 * what a refused input held is never such a cache.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "initkit.h"
#include "fuzz.h"

/* What mkuki takes is PE_IMAGE_MAX; a bomb here must be cheap. */
#define KERNEL_MAX	(16u << 20)

static char *path;
static int verified;

/* Hash [off, off + len) of d and mark it in seen; fail if out of d. */
static void
range(EVP_MD_CTX *ctx, uint8_t *seen, const uint8_t *d, size_t size,
    uint64_t off, uint64_t len)
{
	if (off > size || len > size - off)
		fuzz_fail("verified: a hashed range ends past the file");
	if (ctx != NULL && EVP_DigestUpdate(ctx, d + off, len) != 1)
		fuzz_fail("sha256");
	memset(seen + off, 1, len);
}

static int
by_ptr(const void *a, const void *b)
{
	const uint64_t *x = a, *y = b;

	return x[0] < y[0] ? -1 : x[0] > y[0];
}

static void
covered(const uint8_t *d, size_t size)
{
	uint64_t lfanew = fuzz_le(d + 0x3c, 4), opt = lfanew + 24, dirs, cks,
	    sum, coff, csize, (*s)[2];
	uint8_t md[32], ours[32], *seen, *copy;
	unsigned nsect = fuzz_le(d + lfanew + 6, 2), n = 0;
	EVP_MD_CTX *ctx;
	struct pe p;

	/*
	 * pe_parse and pe_digest took these: the headers, the section table
	 * and the data directories up to the certificate table's lie within
	 * the file. An image without a table has no signature to verify.
	 */
	dirs = opt + (fuzz_le(d + opt, 2) == 0x20b ? 112 : 96);
	cks = opt + 64;
	coff = fuzz_le(d + dirs + 32, 4);
	csize = fuzz_le(d + dirs + 36, 4);
	if (csize == 0)
		return;
	s = xcalloc(nsect + 1, sizeof(*s));
	for (unsigned i = 0; i < nsect; i++) {
		const uint8_t *h = d + opt + fuzz_le(d + lfanew + 20, 2) +
		    40 * i;

		if (fuzz_le(h + 16, 4) != 0) {
			s[n][0] = fuzz_le(h + 20, 4);
			s[n++][1] = fuzz_le(h + 16, 4);
		}
	}
	qsort(s, n, sizeof(*s), by_ptr);
	seen = xcalloc(size, 1);
	sum = fuzz_le(d + opt + 60, 4);
	if ((ctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1)
		fuzz_fail("sha256");
	range(ctx, seen, d, size, 0, cks);
	range(ctx, seen, d, size, cks + 4, dirs + 32 - cks - 4);
	range(ctx, seen, d, size, dirs + 40, sum - dirs - 40);
	for (unsigned i = 0; i < n; i++) {
		range(ctx, seen, d, size, s[i][0], s[i][1]);
		sum += s[i][1];
	}
	if (size > sum + csize)
		range(ctx, seen, d, size, sum, size - sum - csize);
	if (EVP_DigestFinal_ex(ctx, md, NULL) != 1)
		fuzz_fail("sha256");
	EVP_MD_CTX_free(ctx);
	free(s);

	copy = xmalloc(size);
	memcpy(copy, d, size);
	pe_parse(&p, "fuzz.efi", copy, size);
	pe_digest(&p, ours);
	free(p.buf);
	if (memcmp(md, ours, 32) != 0)
		fuzz_fail("verified: the digest is not the firmware's");

	range(NULL, seen, d, size, cks, 4);
	range(NULL, seen, d, size, dirs + 32, 8);
	range(NULL, seen, d, size, coff, csize);
	for (size_t i = 0; i < size; i++)
		if (!seen[i])
			fuzz_fail("verified: byte 0x%zx is not signed", i);
	free(seen);
}

static void
parse(const uint8_t *data, size_t size)
{
	uint8_t *buf = xmalloc(size ? size : 1);
	enum stub_kind kind;
	struct pe pe;

	free(kernel_release(data, size));
	memcpy(buf, data, size);
	pe_parse(&pe, "fuzz.efi", buf, size);
	(void)stub_version(&pe, &kind);
	free(pe.buf);
}

/* The image's SBAT, as mkuki merges a stub's. */
static void
sbat(const uint8_t *data, size_t size)
{
	uint8_t *buf = xmalloc(size ? size : 1);
	char *own, *merged = sbat_new();
	struct pe pe;
	size_t len;

	memcpy(buf, data, size);
	pe_parse(&pe, "fuzz.efi", buf, size);
	if ((own = sbat_section(&pe, &len)) == NULL &&
	    (own = sbat_tail(&pe)) != NULL)
		len = strlen(own);
	if (own != NULL)
		sbat_add(&merged, "fuzz.efi", own, len);
	free(own);
	free(merged);
	free(pe.buf);
}

static void
kernel(void)
{
	size_t len;

	free(kernel_read(path, KERNEL_MAX, &len));
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
	FUZZ_RUN(ok, sbat(data, size));
	FUZZ_RUN(ok, verified = uki_inspect(path, size & 1 ? uki_print_json :
	    uki_print_text) == 0);
	if (ok && verified)
		covered(data, size);
	return 0;
}
