/*
 * Unit tests for bin/lib/sha256x2.c and its use in verity.c: the paired
 * digests against OpenSSL's SHA-256 for every prefix length up to 256
 * bytes (a verity salt) and message lengths across the padding's edges;
 * and verity_hash giving the same tree and root hash with the pairs and
 * without them (the OpenSSL path other CPUs take).
 */
#include <sys/mman.h>

#include <stdint.h>
#if defined(__x86_64__)
#include <cpuid.h>
#endif

#include <openssl/evp.h>

#include "initkit.h"
#include "unit.h"

static void
sha256(const uint8_t *p, size_t plen, const uint8_t *d, size_t len,
    uint8_t out[32])
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();

	if (c == NULL || EVP_DigestInit_ex(c, EVP_sha256(), NULL) != 1 ||
	    EVP_DigestUpdate(c, p, plen) != 1 ||
	    EVP_DigestUpdate(c, d, len) != 1 ||
	    EVP_DigestFinal_ex(c, out, NULL) != 1)
		abort();
	EVP_MD_CTX_free(c);
}

/* Pairs of (plen, len) where the pairs differ from OpenSSL: the count. */
static int
mismatches(const uint8_t *prefix, const uint8_t *buf, size_t maxp,
    const size_t *lens, size_t nlens, int *ran)
{
	uint8_t a[32], b[32], ra[32], rb[32];
	int bad = 0;

	*ran = 0;
	for (size_t p = 0; p <= maxp; p++)
		for (size_t i = 0; i < nlens; i++) {
			/* Unaligned, and a and b different. */
			const uint8_t *x = buf + 1, *y = buf + 70001;

			if (sha256x2(prefix, p, x, y, lens[i], a, b) != 0)
				return -1;
			sha256(prefix, p, x, lens[i], ra);
			sha256(prefix, p, y, lens[i], rb);
			bad += memcmp(a, ra, 32) != 0 || memcmp(b, rb, 32) != 0;
			(*ran)++;
		}
	return bad;
}

/* verity_hash of the data in a memory file: tree and root. */
static uint8_t *
tree_of(struct verity *v, const uint8_t *data, uint64_t blocks,
    uint8_t root[32])
{
	int fd = memfd_create("data", 0);
	uint8_t *tree;

	if (fd < 0 || write(fd, data, blocks * v->block_size) !=
	    (ssize_t)(blocks * v->block_size))
		abort();
	v->data_blocks = blocks;
	verity_layout(v);
	tree = xmalloc(v->sb_size + v->tree_size);
	verity_hash(v, fd, "data", tree, root);
	close(fd);
	return tree;
}

/* The tree with pairs and without: equal, and the root hash as wanted
 * (from OpenSSL, one level, or veritysetup's for the zero image). */
static int
same_both_ways(struct verity *v, const uint8_t *data, uint64_t blocks)
{
	uint8_t r1[32], r2[32];
	uint8_t *t1, *t2;
	int same;

	sha256x2_disabled = 0;
	t1 = tree_of(v, data, blocks, r1);
	sha256x2_disabled = 1;
	t2 = tree_of(v, data, blocks, r2);
	sha256x2_disabled = 0;
	same = memcmp(r1, r2, 32) == 0 &&
	    memcmp(t1, t2, v->sb_size + v->tree_size) == 0;
	free(t1);
	free(t2);
	return same;
}

int
main(void)
{
	size_t lens[] = { 0, 1, 23, 55, 56, 57, 63, 64, 65, 119, 120, 128,
	    183, 184, 200, 512, 1000, 4096, 4097 };
	uint8_t *buf = xmalloc(140000), prefix[256], a[32], b[32];
	struct verity v = { .block_size = 4096 };
	int ran = 0, r;

	for (size_t i = 0; i < 140000; i++)
		buf[i] = (uint8_t)(i * 2654435761u >> 13);
	for (size_t i = 0; i < sizeof(prefix); i++)
		prefix[i] = (uint8_t)(i * 40503u >> 3);

#if defined(__x86_64__)
	{
		unsigned int a1, b1, c1, d1;

		if (__get_cpuid_count(7, 0, &a1, &b1, &c1, &d1) &&
		    (b1 & (1u << 29)))
			ok(sha256x2(prefix, 32, buf, buf, 4096, a, b) == 0,
			    "this CPU has the SHA extensions: sha256x2 takes "
			    "them");
	}
#endif
	r = mismatches(prefix, buf, 256, lens, sizeof(lens) / sizeof(lens[0]),
	    &ran);
	if (r >= 0)
		ok(r == 0, "%d pairs (prefix 0-256 bytes, message 0-4097 bytes) "
		    "equal to OpenSSL's digests; %d differ", ran, r);
	else
		printf("# sha256x2: this CPU has no SHA extensions; only the "
		    "OpenSSL path is tested\n");
	sha256x2_disabled = 1;
	ok(sha256x2(prefix, 32, buf, buf, 4096, a, b) == -1,
	    "disabled: sha256x2 declines");
	sha256x2_disabled = 0;

	/* Trees: odd and even block counts, an odd share per thread, two
	 * levels, 512-byte blocks, salts of 0, 32 and 256 bytes. */
	v.salt_size = 32;
	memcpy(v.salt, prefix, 32);
	ok(same_both_ways(&v, buf, 1), "1 block: the same root hash both ways");
	ok(same_both_ways(&v, buf, 3), "3 blocks: the same tree both ways");
	ok(same_both_ways(&v, buf, 33), "33 blocks: the same tree both ways");
	v.block_size = 512;
	ok(same_both_ways(&v, buf, 263), "263 blocks of 512 bytes (three "
	    "levels): the same tree both ways");
	v.salt_size = 0;
	ok(same_both_ways(&v, buf, 34), "no salt: the same tree both ways");
	v.salt_size = 256;
	memcpy(v.salt, prefix, 256);
	ok(same_both_ways(&v, buf, 35), "a salt of 256 bytes: the same tree "
	    "both ways");
	free(buf);
	return unit_done();
}
