/*
 * kernel.c: the Linux kernel's image as mkuki takes it with -l: a PE
 * image as it is, or the gzip or zstd stream of one, decompressed here;
 * and the release it says it is.
 *
 * Implements: gzip (RFC 1952) and zstd (RFC 8878) framing, over zlib and
 * libzstd; the x86 boot protocol's setup header (Documentation/arch/x86/
 * boot.rst) for the release.
 */
#include <err.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>
#include <zstd.h>

#include "initkit.h"

/*
 * A first buffer size for a kernel compressed into inlen bytes: four
 * times that (an Image compresses to a third or so), at least 64 KiB, at
 * most one byte past max (see unz_room).
 */
static size_t
unz_start(size_t inlen, size_t max)
{
	if (inlen < 16384)
		return 65536;
	return inlen > max / 4 ? max + 1 : inlen * 4;
}

/*
 * Room for more decompressed output when buf (*cap bytes) is full: twice
 * the size, up to one byte past max, so that filling that much shows the
 * kernel decompresses to more than we take.
 */
static uint8_t *
unz_room(const char *name, uint8_t *buf, size_t len, size_t *cap,
    size_t max)
{
	if (len > max)
		errx(1, "%s: decompresses to more than %zu MiB", name,
		    max >> 20);
	if (len < *cap)
		return buf;
	*cap = *cap > max / 2 ? max + 1 : *cap * 2;
	return xreallocarray(buf, *cap, 1);
}

/*
 * gzip (RFC 1952): a series of members (2.2), each a deflate stream
 * (RFC 1951) between a header and a CRC-32 and length trailer that zlib
 * checks. The members are decompressed one after the other, as gzip -d
 * does; anything after the last that does not start another (ID1 ID2,
 * 0x1f 0x8b: 2.3.1) is refused, not ignored, since the image is what
 * gets signed and measured.
 */
static uint8_t *
gunzip(const char *name, uint8_t *in, size_t inlen, size_t max,
    size_t *outlen)
{
	size_t len = 0, cap = unz_start(inlen, max);
	uint8_t *out = xmalloc(cap);
	z_stream z;
	int r;

	memset(&z, 0, sizeof(z));
	/* 16 + MAX_WBITS: gzip framing only, the full 32 KiB window. */
	if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
		errx(1, "%s: zlib: cannot initialise", name);
	z.next_in = in;
	z.avail_in = (uInt)inlen;
	for (;;) {
		out = unz_room(name, out, len, &cap, max);
		z.next_out = out + len;
		z.avail_out = (uInt)(cap - len);
		r = inflate(&z, Z_NO_FLUSH);
		len = (size_t)(z.next_out - out);
		if (r == Z_STREAM_END) {
			if (z.avail_in == 0)
				break;
			if (z.avail_in < 2 || z.next_in[0] != 0x1f ||
			    z.next_in[1] != 0x8b)
				errx(1, "%s: %u bytes after the gzip stream",
				    name, z.avail_in);
			if (inflateReset(&z) != Z_OK)
				errx(1, "%s: zlib: cannot reset", name);
		} else if (r == Z_BUF_ERROR && z.avail_in == 0)
			errx(1, "%s: truncated gzip stream", name);
		else if (r != Z_OK && r != Z_BUF_ERROR)
			errx(1, "%s: gzip: %s", name, z.msg != NULL ? z.msg :
			    zError(r));
	}
	inflateEnd(&z);
	*outlen = len;
	return out;
}

/*
 * Whether p starts a zstd frame: Magic_Number 0xFD2FB528 (RFC 8878,
 * 3.1.1) or a skippable frame's 0x184D2A5? (3.1.2), little endian.
 */
static int
zstd_frame(const uint8_t *p, size_t len)
{
	uint32_t magic;

	if (len < 4)
		return 0;
	magic = le32_get(p);
	return magic == 0xfd2fb528 || (magic & 0xfffffff0) == 0x184d2a50;
}

/*
 * zstd (RFC 8878): one or more frames (3.1), skippable ones carrying
 * nothing (3.1.2), decompressed one after the other as zstd -d does; a
 * frame cut short, or anything after the last that is not a frame, is
 * refused. The first frame's Frame_Content_Size (3.1.1.1.4), when it has
 * one, sizes the buffer, or refuses the kernel before any work when it is
 * more than we take. The decoder's own memory is bounded by its default
 * window limit (ZSTD_d_windowLogMax, 2^27 bytes).
 */
static uint8_t *
unzstd(const char *name, uint8_t *in, size_t inlen, size_t max,
    size_t *outlen)
{
	unsigned long long declared = ZSTD_getFrameContentSize(in, inlen);
	size_t len = 0, cap = unz_start(inlen, max), r = 0;
	ZSTD_inBuffer ib = { in, inlen, 0 };
	ZSTD_DCtx *z;
	uint8_t *out;

	/* A skippable frame first says 0: no size to go by. */
	if (declared != ZSTD_CONTENTSIZE_UNKNOWN &&
	    declared != ZSTD_CONTENTSIZE_ERROR && declared > 0) {
		if (declared > max)
			errx(1, "%s: decompresses to more than %zu MiB", name,
			    max >> 20);
		cap = declared + 1;
	}
	out = xmalloc(cap);
	if ((z = ZSTD_createDCtx()) == NULL)
		errx(1, "%s: zstd: cannot initialise", name);
	for (;;) {
		ZSTD_outBuffer ob;

		out = unz_room(name, out, len, &cap, max);
		ob.dst = out;
		ob.size = cap;
		ob.pos = len;
		r = ZSTD_decompressStream(z, &ob, &ib);
		len = ob.pos;
		if (ZSTD_isError(r))
			errx(1, "%s: zstd: %s", name, ZSTD_getErrorName(r));
		if (r == 0 && ib.pos < ib.size && !zstd_frame(in + ib.pos,
		    ib.size - ib.pos))
			errx(1, "%s: %zu bytes after the zstd stream", name,
			    ib.size - ib.pos);
		/*
		 * All input taken, and the frame ended (another call would
		 * begin a new one) or room left (nothing more to flush).
		 */
		if (ib.pos == ib.size && (r == 0 || ob.pos < ob.size))
			break;
	}
	ZSTD_freeDCtx(z);
	if (r != 0)
		errx(1, "%s: truncated zstd stream", name);
	*outlen = len;
	return out;
}

/*
 * A PE image as it is (an EFI zboot image, "zimg" at offset 4, is one,
 * its payload decompressed by its own EFI stub), or the gzip or zstd
 * stream of one, as some distributions ship arm64's Image as vmlinuz.
 */
uint8_t *
kernel_read(const char *path, size_t max, size_t *len)
{
	uint8_t *(*decode)(const char *, uint8_t *, size_t, size_t, size_t *);
	size_t inlen;
	uint8_t *in = (uint8_t *)xreadfile(path, &inlen), *out;

	/* ID1 ID2 (RFC 1952, 2.3.1). */
	if (inlen >= 2 && in[0] == 0x1f && in[1] == 0x8b)
		decode = gunzip;
	else if (zstd_frame(in, inlen))
		decode = unzstd;
	else {
		*len = inlen;
		return in;
	}
	/* zlib counts its input in 32 bits; no kernel comes near this. */
	if (inlen > max)
		errx(1, "%s: compressed kernel over %zu MiB", path, max >> 20);
	out = decode(path, in, inlen, max, len);
	free(in);
	if (*len > max)
		errx(1, "%s: decompresses to more than %zu MiB", path,
		    max >> 20);
	return out;
}

/*
 * From the x86 boot protocol's kernel_version (setup header "HdrS", a
 * pointer at 0x20e relative to 0x200; Documentation/arch/x86/boot.rst),
 * else from the "Linux version " banner of an uncompressed image.
 */
char *
kernel_release(const uint8_t *k, size_t len)
{
	static const char banner[] = "Linux version ";
	const uint8_t *p = NULL, *e;
	size_t off;

	if (len > 0x210 && memcmp(k + 0x202, "HdrS", 4) == 0) {
		off = 0x200 + (size_t)le16_get(k + 0x20e);
		if (off < len)
			p = k + off;
	} else if ((p = memmem(k, len, banner, sizeof(banner) - 1)) != NULL)
		p += sizeof(banner) - 1;
	if (p == NULL)
		return NULL;
	for (e = p; e < k + len && *e > ' ' && *e < 0x7f; e++)
		;
	if (e == p || e == k + len)
		return NULL;
	return xasprintf("%.*s", (int)(e - p), (const char *)p);
}
