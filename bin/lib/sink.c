/*
 * sink.c: an output byte stream, compressed with libzstd, zlib or liblzma,
 * or not at all. The producer writes into sink->buf; a full buffer is handed
 * to the compressor in one call, so file data needs no extra copy.
 *
 * Formats and what the kernel's decompressors need (lib/decompress_*.c):
 * - zstd (RFC 8878): one frame with a content checksum; libzstd's
 *   multi-threaded mode gives the same bytes for any worker count >= 1,
 *   so the output does not depend on the machine.
 * - gzip (RFC 1952) via deflate with a gzip wrapper, mtime 0, no name.
 * - xz: check CRC32 (the kernel accepts only CRC32 or none), LZMA2 filter.
 */

#include <err.h>
#include <lzma.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "initkit.h"

#define BUFSZ	(1 << 20)

int
comp_parse(const char *s)
{
	if (strcmp(s, "zstd") == 0)
		return COMP_ZSTD;
	if (strcmp(s, "gzip") == 0)
		return COMP_GZIP;
	if (strcmp(s, "xz") == 0)
		return COMP_XZ;
	if (strcmp(s, "none") == 0)
		return COMP_NONE;
	return -1;
}

void
comp_levels(enum comp c, int *def, int *min, int *max)
{
	switch (c) {
	case COMP_ZSTD:
		*def = 3, *min = 1, *max = ZSTD_maxCLevel();
		break;
	case COMP_GZIP:
		*def = 6, *min = 1, *max = 9;
		break;
	case COMP_XZ:
		*def = 6, *min = 0, *max = 9;
		break;
	default:
		*def = *min = *max = 0;
	}
}

static void
zstd_check(size_t r, struct sink *s)
{
	if (ZSTD_isError(r))
		errx(1, "%s: zstd: %s", s->out->path, ZSTD_getErrorName(r));
}

void
sink_open(struct sink *s, struct out *out, enum comp comp, int level,
    int64_t size)
{
	memset(s, 0, sizeof(*s));
	s->comp = comp;
	s->level = level;
	s->out = out;
	s->cap = BUFSZ;
	s->buf = xmalloc(s->cap);
	switch (comp) {
	case COMP_NONE:
		break;
	case COMP_ZSTD: {
		ZSTD_CCtx *z = ZSTD_createCCtx();

		if (z == NULL)
			errx(1, "%s: zstd: cannot allocate", out->path);
		zstd_check(ZSTD_CCtx_setParameter(z, ZSTD_c_compressionLevel,
		    level), s);
		zstd_check(ZSTD_CCtx_setParameter(z, ZSTD_c_checksumFlag, 1),
		    s);
		zstd_check(ZSTD_CCtx_setParameter(z, ZSTD_c_nbWorkers,
		    ncpus()), s);
		if (size >= 0)
			zstd_check(ZSTD_CCtx_setPledgedSrcSize(z,
			    (unsigned long long)size), s);
		s->state = z;
		s->ocap = ZSTD_CStreamOutSize();
		break;
	}
	case COMP_GZIP: {
		z_stream *z = xcalloc(1, sizeof(*z));

		/* windowBits 15 + 16: a gzip wrapper with mtime 0, no name. */
		if (deflateInit2(z, level, Z_DEFLATED, 15 + 16, 8,
		    Z_DEFAULT_STRATEGY) != Z_OK)
			errx(1, "%s: zlib: cannot initialise", out->path);
		s->state = z;
		s->ocap = BUFSZ;
		break;
	}
	case COMP_XZ: {
		lzma_stream *x = xcalloc(1, sizeof(*x));
		lzma_mt mt = {
			.threads = ncpus(),
			.preset = level,
			.check = LZMA_CHECK_CRC32,
		};

		*x = (lzma_stream)LZMA_STREAM_INIT;
		if (lzma_stream_encoder_mt(x, &mt) != LZMA_OK)
			errx(1, "%s: xz: cannot initialise", out->path);
		s->state = x;
		s->ocap = BUFSZ;
		break;
	}
	}
	if (s->ocap)
		s->obuf = xmalloc(s->ocap);
}

/* Feed in[0..len) to the compressor; end finishes the stream. */
static void
feed(struct sink *s, const unsigned char *in, size_t len, int end)
{
	switch (s->comp) {
	case COMP_NONE:
		out_write(s->out, in, len);
		break;
	case COMP_ZSTD: {
		ZSTD_inBuffer ib = { in, len, 0 };
		ZSTD_EndDirective mode = end ? ZSTD_e_end : ZSTD_e_continue;
		size_t left;

		do {
			ZSTD_outBuffer ob = { s->obuf, s->ocap, 0 };

			left = ZSTD_compressStream2(s->state, &ob, &ib, mode);
			zstd_check(left, s);
			out_write(s->out, s->obuf, ob.pos);
		} while (end ? left != 0 : ib.pos < ib.size);
		break;
	}
	case COMP_GZIP: {
		z_stream *z = s->state;
		int r;

		z->next_in = (unsigned char *)in;
		z->avail_in = (uInt)len;
		do {
			z->next_out = s->obuf;
			z->avail_out = (uInt)s->ocap;
			r = deflate(z, end ? Z_FINISH : Z_NO_FLUSH);
			if (r == Z_STREAM_ERROR)
				errx(1, "%s: zlib: deflate failed",
				    s->out->path);
			out_write(s->out, s->obuf, s->ocap - z->avail_out);
		} while (end ? r != Z_STREAM_END : z->avail_in > 0);
		break;
	}
	case COMP_XZ: {
		lzma_stream *x = s->state;
		lzma_ret r;

		x->next_in = in;
		x->avail_in = len;
		do {
			x->next_out = s->obuf;
			x->avail_out = s->ocap;
			r = lzma_code(x, end ? LZMA_FINISH : LZMA_RUN);
			if (r != LZMA_OK && r != LZMA_STREAM_END)
				errx(1, "%s: xz: encoder error %d",
				    s->out->path, (int)r);
			out_write(s->out, s->obuf, s->ocap - x->avail_out);
		} while (end ? r != LZMA_STREAM_END : x->avail_in > 0);
		break;
	}
	}
}

void
sink_flush(struct sink *s)
{
	if (s->len == 0)
		return;
	feed(s, s->buf, s->len, 0);
	s->len = 0;
}

void
sink_reserve(struct sink *s, size_t n)
{
	if (s->cap - s->len >= n)
		return;
	sink_flush(s);
	if (s->cap < n)
		s->buf = xreallocarray(s->buf, s->cap = n, 1);
}

void
sink_put(struct sink *s, const void *p, size_t n)
{
	if (n >= s->cap) {
		/* Larger than the buffer: straight through. */
		sink_flush(s);
		feed(s, p, n, 0);
		s->total += n;
		return;
	}
	sink_reserve(s, n);
	memcpy(s->buf + s->len, p, n);
	s->len += n;
	s->total += n;
}

void
sink_close(struct sink *s)
{
	feed(s, s->buf, s->len, 1);
	s->len = 0;
	switch (s->comp) {
	case COMP_ZSTD:
		ZSTD_freeCCtx(s->state);
		break;
	case COMP_GZIP:
		deflateEnd(s->state);
		free(s->state);
		break;
	case COMP_XZ:
		lzma_end(s->state);
		free(s->state);
		break;
	case COMP_NONE:
		break;
	}
	free(s->buf);
	free(s->obuf);
	s->buf = s->obuf = NULL;
	s->state = NULL;
}
