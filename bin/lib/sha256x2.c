/*
 * sha256x2.c: two SHA-256 digests computed at once, for the dm-verity hash
 * tree, whose every block is hashed as SHA-256(salt || block): two
 * messages of the same length and the same prefix.
 *
 * On x86-64 with the SHA extensions one message's rounds form one chain of
 * dependent sha256rnds2 instructions, whose latency, not the CPU's
 * throughput, bounds the speed; the rounds of two independent messages
 * interleaved keep the unit busy (the Linux kernel hashes dm-verity and
 * fs-verity blocks the same way, sha256_finup_2x). Elsewhere, or on a CPU
 * without the extensions, sha256x2() says so and the caller uses OpenSSL.
 *
 * Implements: FIPS 180-4 SHA-256 (padding, message schedule, rounds) with
 * Intel's SHA extensions (sha256rnds2, sha256msg1, sha256msg2).
 */
#include <string.h>

#include "initkit.h"

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>

static const uint32_t K[64] __attribute__((aligned(16))) = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
	0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
	0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
	0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
	0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
	0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
	0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
	0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static const uint32_t H0[8] = {
	0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
	0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
};

#define SHA_TARGET __attribute__((target("sha,sse4.1,ssse3")))

/* The byte shuffle that turns each 32-bit lane around (big-endian words). */
static SHA_TARGET inline __m128i
word_bswap(void)
{
	return _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
}

/*
 * One 64-byte block of each message into its state. The state is kept as
 * the instructions want it: s0 = ABEF, s1 = CDGH. Each group of four
 * rounds: the message words (big-endian in the block; from group 4 on,
 * W[t] = s1(W[t-2]) + W[t-7] + s0(W[t-15]) + W[t-16]) plus the constants,
 * two rounds with the low half, two with the high half.
 */
static SHA_TARGET void
compress2(__m128i s0[2], __m128i s1[2], const uint8_t *blk[2])
{
	const __m128i bswap = word_bswap();
	__m128i w[2][4], save0[2], save1[2];

	for (int m = 0; m < 2; m++) {
		save0[m] = s0[m];
		save1[m] = s1[m];
	}
#pragma GCC unroll 16
	for (int g = 0; g < 16; g++) {
		__m128i k = _mm_load_si128((const __m128i *)&K[4 * g]);

#pragma GCC unroll 2
		for (int m = 0; m < 2; m++) {
			__m128i x;

			if (g < 4)
				w[m][g] = _mm_shuffle_epi8(_mm_loadu_si128(
				    (const __m128i *)(blk[m] + 16 * g)), bswap);
			else {
				/* w[g % 4] holds group g - 4; g - 3, g - 2
				 * and g - 1 follow it round the ring. */
				x = _mm_sha256msg1_epu32(w[m][g % 4],
				    w[m][(g + 1) % 4]);
				x = _mm_add_epi32(x, _mm_alignr_epi8(
				    w[m][(g + 3) % 4], w[m][(g + 2) % 4], 4));
				w[m][g % 4] = _mm_sha256msg2_epu32(x,
				    w[m][(g + 3) % 4]);
			}
			x = _mm_add_epi32(w[m][g % 4], k);
			s1[m] = _mm_sha256rnds2_epu32(s1[m], s0[m], x);
			x = _mm_shuffle_epi32(x, 0x0e);
			s0[m] = _mm_sha256rnds2_epu32(s0[m], s1[m], x);
		}
	}
	for (int m = 0; m < 2; m++) {
		s0[m] = _mm_add_epi32(s0[m], save0[m]);
		s1[m] = _mm_add_epi32(s1[m], save1[m]);
	}
}

/* Bytes [64 * i, 64 * i + 64) of prefix || data || padding: in place
 * where they are all data, else assembled in tmp. */
static const uint8_t *
block_at(uint8_t *tmp, uint64_t i, const uint8_t *prefix, size_t plen,
    const uint8_t *data, size_t len)
{
	uint64_t off = 64 * i, end = off + 64, total = plen + len, lo, hi;

	if (off >= plen && end <= total)
		return data + (off - plen);
	memset(tmp, 0, 64);
	if (off < plen)
		memcpy(tmp, prefix + off, (plen < end ? plen : end) - off);
	lo = off > plen ? off : plen;
	hi = end < total ? end : total;
	if (lo < hi)
		memcpy(tmp + (lo - off), data + (lo - plen), hi - lo);
	if (total >= off && total < end)
		tmp[total - off] = 0x80;
	/* The length in bits, big-endian, ends the last block. */
	if (end == ((total + 9 + 63) & ~(uint64_t)63))
		for (int j = 0; j < 8; j++)
			tmp[56 + j] = (uint8_t)((total * 8) >> (56 - 8 * j));
	return tmp;
}

static SHA_TARGET void
digests2(const uint8_t *prefix, size_t plen, const uint8_t *a,
    const uint8_t *b, size_t len, uint8_t *outa, uint8_t *outb)
{
	uint8_t tmp[2][64] __attribute__((aligned(16)));
	const uint8_t *data[2] = { a, b };
	uint8_t *out[2] = { outa, outb };
	uint64_t n = (plen + len + 9 + 63) / 64;
	__m128i s0[2], s1[2];

	for (int m = 0; m < 2; m++) {
		/* H0 as lanes DCBA, HGFE, rearranged into ABEF, CDGH. */
		__m128i t = _mm_shuffle_epi32(_mm_loadu_si128(
		    (const __m128i *)&H0[0]), 0xb1);
		__m128i u = _mm_shuffle_epi32(_mm_loadu_si128(
		    (const __m128i *)&H0[4]), 0x1b);

		s0[m] = _mm_alignr_epi8(t, u, 8);
		s1[m] = _mm_blend_epi16(u, t, 0xf0);
	}
	for (uint64_t i = 0; i < n; i++) {
		const uint8_t *blk[2];

		for (int m = 0; m < 2; m++)
			blk[m] = block_at(tmp[m], i, prefix, plen, data[m],
			    len);
		compress2(s0, s1, blk);
	}
	for (int m = 0; m < 2; m++) {
		/* Back to A..H, each word big-endian. */
		const __m128i bswap = word_bswap();
		__m128i t = _mm_shuffle_epi32(s0[m], 0x1b);
		__m128i u = _mm_shuffle_epi32(s1[m], 0xb1);
		__m128i abcd = _mm_blend_epi16(t, u, 0xf0);
		__m128i efgh = _mm_alignr_epi8(u, t, 8);

		_mm_storeu_si128((__m128i *)out[m],
		    _mm_shuffle_epi8(abcd, bswap));
		_mm_storeu_si128((__m128i *)(out[m] + 16),
		    _mm_shuffle_epi8(efgh, bswap));
	}
}

static int have_sha;

/* SSSE3 and SSE4.1 (CPUID leaf 1, ECX bits 9 and 19) and SHA (leaf 7,
 * EBX bit 29), read once before any thread starts. */
__attribute__((constructor)) static void
detect(void)
{
	unsigned int a, b, c, d;

	have_sha = __get_cpuid(1, &a, &b, &c, &d) && (c & (1u << 9)) &&
	    (c & (1u << 19)) && __get_cpuid_count(7, 0, &a, &b, &c, &d) &&
	    (b & (1u << 29));
}

int
sha256x2(const uint8_t *prefix, size_t plen, const uint8_t *a,
    const uint8_t *b, size_t len, uint8_t outa[32], uint8_t outb[32])
{
	if (sha256x2_disabled || !have_sha)
		return -1;
	digests2(prefix, plen, a, b, len, outa, outb);
	return 0;
}

#else

int
sha256x2(const uint8_t *prefix, size_t plen, const uint8_t *a,
    const uint8_t *b, size_t len, uint8_t outa[32], uint8_t outb[32])
{
	return -1;
}

#endif

int sha256x2_disabled;
