/*
 * Unit tests for bin/lib/sink.c: each compressor's stream decodes, with the
 * libraries' own decoders, to exactly the bytes put in, through both ways
 * of filling the buffer; the zstd frame records the size and a checksum;
 * the xz stream's check is CRC32 (the only one the kernel verifies).
 */
#include <err.h>
#include <fcntl.h>
#include <lzma.h>
#include <zlib.h>
#include <zstd.h>

#include "initkit.h"
#include "unit.h"

#define N (3 * 1000 * 1000 + 7)

static unsigned char *input;

/* Compress input[0..N) into path, half by sink_put, half in place. */
static void
produce(const char *path, enum comp c, int level, int64_t size)
{
	struct out o;
	struct sink s;
	size_t half = N / 2, off = half, n;

	out_open(&o, path, OUT_FORCE);
	sink_open(&s, &o, c, level, size);
	for (size_t i = 0; i < half; i += 1000)
		sink_put(&s, input + i, half - i < 1000 ? half - i : 1000);
	while (off < N) {
		n = N - off < 70000 ? N - off : 70000;
		sink_reserve(&s, n);
		memcpy(s.buf + s.len, input + off, n);
		s.len += n;
		s.total += n;
		off += n;
	}
	ok(s.total == N, "%s: all bytes counted", path);
	sink_close(&s);
	out_commit(&o);
}

static unsigned char *
unzstd(const unsigned char *in, size_t len, size_t *outlen)
{
	unsigned long long size = ZSTD_getFrameContentSize(in, len);
	unsigned char *out;

	if (size == ZSTD_CONTENTSIZE_UNKNOWN || size == ZSTD_CONTENTSIZE_ERROR)
		return NULL;
	out = xmalloc(size);
	*outlen = ZSTD_decompress(out, size, in, len);
	return ZSTD_isError(*outlen) ? NULL : out;
}

static unsigned char *
ungzip(const unsigned char *in, size_t len, size_t *outlen)
{
	z_stream z = { 0 };
	unsigned char *out = xmalloc(N + 1);

	if (inflateInit2(&z, 16 + 15) != Z_OK)
		return NULL;
	z.next_in = (unsigned char *)in;
	z.avail_in = (uInt)len;
	z.next_out = out;
	z.avail_out = N + 1;
	if (inflate(&z, Z_FINISH) != Z_STREAM_END)
		return NULL;
	*outlen = z.total_out;
	inflateEnd(&z);
	return out;
}

static unsigned char *
unxz(const unsigned char *in, size_t len, size_t *outlen)
{
	unsigned char *out = xmalloc(N + 1);
	uint64_t limit = UINT64_MAX;
	size_t inpos = 0;

	*outlen = 0;
	if (lzma_stream_buffer_decode(&limit, 0, NULL, in, &inpos, len, out,
	    outlen, N + 1) != LZMA_OK)
		return NULL;
	return out;
}

static int
xz_check(const unsigned char *in, size_t len)
{
	lzma_stream_flags f;

	if (len < LZMA_STREAM_HEADER_SIZE ||
	    lzma_stream_footer_decode(&f, in + len - LZMA_STREAM_HEADER_SIZE) !=
	    LZMA_OK)
		return -1;
	return (int)f.check;
}

int
main(void)
{
	char tmpl[] = "/tmp/unit-sink.XXXXXX", *dir, *path;
	unsigned char *z, *d;
	size_t zlen, dlen = 0;
	uint32_t x = 1;
	int def, min, max;

	/* Compressible but not trivial: a small-alphabet pseudo-random text. */
	input = xmalloc(N);
	for (size_t i = 0; i < N; i++) {
		x = x * 1103515245 + 12345;
		input[i] = "abcdefgh\n"[(x >> 16) % 9];
	}
	if ((dir = mkdtemp(tmpl)) == NULL)
		err(1, "mkdtemp");
	path = xasprintf("%s/out", dir);

	ok(comp_parse("zstd") == COMP_ZSTD && comp_parse("gzip") == COMP_GZIP &&
	    comp_parse("xz") == COMP_XZ && comp_parse("none") == COMP_NONE &&
	    comp_parse("lz4") == -1 && comp_parse("") == -1, "comp_parse");
	comp_levels(COMP_ZSTD, &def, &min, &max);
	ok(def == 3 && min == 1 && max == ZSTD_maxCLevel(), "zstd levels");
	comp_levels(COMP_GZIP, &def, &min, &max);
	ok(def == 6 && min == 1 && max == 9, "gzip levels");
	comp_levels(COMP_XZ, &def, &min, &max);
	ok(def == 6 && min == 0 && max == 9, "xz levels");
	ok(ncpus() >= 1, "ncpus");

	produce(path, COMP_NONE, 0, -1);
	z = (unsigned char *)xreadfile(path, &zlen);
	ok(zlen == N && memcmp(z, input, N) == 0, "none: bytes as put");
	free(z);

	produce(path, COMP_ZSTD, 3, N);
	z = (unsigned char *)xreadfile(path, &zlen);
	d = unzstd(z, zlen, &dlen);
	ok(d != NULL && dlen == N && memcmp(d, input, N) == 0,
	    "zstd: libzstd decodes the bytes put in");
	ok(zlen < N / 2, "zstd: compressed (%zu of %d bytes)", zlen, N);
	/* RFC 8878 3.1.1.1.1: descriptor byte after the magic, bit 2. */
	ok(zlen > 5 && (z[4] & 0x04) &&
	    ZSTD_getFrameContentSize(z, zlen) == N,
	    "zstd: frame has checksum and size");
	free(z);
	free(d);

	produce(path, COMP_ZSTD, 19, -1);
	z = (unsigned char *)xreadfile(path, &zlen);
	ok(ZSTD_getFrameContentSize(z, zlen) == ZSTD_CONTENTSIZE_UNKNOWN,
	    "zstd: unknown size stays unknown");
	free(z);

	produce(path, COMP_GZIP, 6, -1);
	z = (unsigned char *)xreadfile(path, &zlen);
	d = ungzip(z, zlen, &dlen);
	ok(d != NULL && dlen == N && memcmp(d, input, N) == 0,
	    "gzip: zlib inflates the bytes put in");
	ok(z[0] == 0x1f && z[1] == 0x8b && z[4] == 0 && z[5] == 0 &&
	    z[6] == 0 && z[7] == 0 && (z[3] & 0x08) == 0,
	    "gzip: header with mtime 0 and no file name");
	free(z);
	free(d);

	produce(path, COMP_XZ, 1, -1);
	z = (unsigned char *)xreadfile(path, &zlen);
	d = unxz(z, zlen, &dlen);
	ok(d != NULL && dlen == N && memcmp(d, input, N) == 0,
	    "xz: liblzma decodes the bytes put in");
	ok(xz_check(z, zlen) == LZMA_CHECK_CRC32, "xz: check is CRC32");
	free(z);
	free(d);

	unlink(path);
	rmdir(dir);
	free(path);
	free(input);
	return unit_done();
}
