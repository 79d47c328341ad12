/*
 * deb.c: read a Debian binary package in one pass with libarchive: the ar
 * archive, its control.tar for the fields packages.tsv needs, and each
 * entry of its data.tar handed to a callback.
 *
 * Format: deb(5). An ar archive whose first member is "debian-binary"
 * ("2.0\n"), then "control.tar" and "data.tar", each uncompressed or
 * compressed (.gz, .xz, .zst, .bz2, .lzma); members starting with "_" are
 * reserved and skipped, any other is an error, as dpkg-deb has it.
 *
 * The data.tar's headers are held to dpkg's dialect (deb(5): "Unrecognized
 * tar typeflags are considered an error"; dpkg's lib/dpkg/tarfn.c), which
 * libarchive hides: it reads a contiguous file '7' or an unknown type as a
 * regular file, skips a volume header 'V' and makes a sparse file without
 * holes a plain one. So the member is decompressed here and the stream
 * kept until libarchive has read the headers of an entry, which are then
 * looked at as stored: ustar (POSIX.1-1988 10.1.1), pax extended headers
 * (POSIX.1-2001 pax, "ustar Interchange Format" and "pax Extended Header"),
 * GNU long names and sparse files (GNU tar manual, "Basic Tar Format").
 * pax headers are read too, beyond dpkg: a path they give is checked like
 * any other, and an owner (pax "uid", "gid": any size) must fit a uid_t
 * as GNU tar requires, and not be (uid_t)-1.
 *
 * A data.tar.xz whose bytes are xz's (a kernel's is 100 MB) is decoded
 * by liblzma's threads instead of libarchive's one, to the member's end
 * and every integrity check verified: a cut or corrupt one is refused,
 * as dpkg refuses it.
 */
#include <archive.h>
#include <archive_entry.h>
#include <ctype.h>
#include <err.h>
#include <errno.h>
#include <lzma.h>
#include <stdlib.h>
#include <string.h>

#include "initkit.h"

/*
 * The outer (ar) archive as the inner (tar) archive's input; held bytes
 * of buf, read ahead to see what the member holds, come first.
 */
struct inner_src {
	struct archive *ar;
	size_t held;
	char buf[65536];
};

static la_ssize_t
inner_read(struct archive *a, void *arg, const void **buf)
{
	struct inner_src *src = arg;
	la_ssize_t n;

	if (src->held > 0) {
		*buf = src->buf;
		n = (la_ssize_t)src->held;
		src->held = 0;
		return n;
	}
	n = archive_read_data(src->ar, src->buf, sizeof(src->buf));
	if (n < 0)
		archive_set_error(a, archive_errno(src->ar), "%s",
		    archive_error_string(src->ar));
	*buf = src->buf;
	return n;
}

/*
 * A data.tar.xz member decoded by liblzma: its input is src's (held bytes
 * first), end is set at the end of the last stream.
 */
struct xz_src {
	lzma_stream z;
	struct inner_src *src;
	int in_eof, end;
};

/* xz's magic (The .xz File Format 1.1.0, 2.1.1.1 Header Magic Bytes). */
static const unsigned char xz_magic[6] = { 0xfd, '7', 'z', 'X', 'Z', 0 };

/* What liblzma's error means, in xz(1)'s words. */
static const char *
xz_text(lzma_ret ret)
{
	switch (ret) {
	case LZMA_MEM_ERROR:
		return "xz: cannot allocate memory";
	case LZMA_MEMLIMIT_ERROR:
		return "xz: memory usage limit reached";
	case LZMA_FORMAT_ERROR:
		return "xz: file format not recognized";
	case LZMA_OPTIONS_ERROR:
		return "xz: unsupported options";
	case LZMA_DATA_ERROR:
		return "xz: compressed data is corrupt";
	case LZMA_BUF_ERROR:
		return "xz: unexpected end of input";
	default:
		return "xz: internal error";
	}
}

/*
 * Decode the member if it is named .xz and holds xz's bytes, as many
 * blocks at once as there are CPUs; NULL if not (libarchive then reads
 * it, the bytes read ahead held for it). Like xz(1): concatenated
 * streams and their padding, each block's check verified, threads
 * dropped rather than more memory than a quarter of RAM taken, but never
 * a limit that refuses a package (dpkg sets none).
 */
static struct xz_src *
xz_open(struct inner_src *src, const char *deb, const char *member)
{
	size_t len = strlen(member);
	struct xz_src *x;
	la_ssize_t n = 1;
	lzma_mt mt = {
		.flags = LZMA_CONCATENATED,
		.threads = (uint32_t)ncpus(),
		.memlimit_threading = lzma_physmem() / 4,
		.memlimit_stop = UINT64_MAX,
	};
	lzma_ret ret;

	if (len < 3 || strcmp(member + len - 3, ".xz") != 0)
		return NULL;
	/* A read error is met again, and reported, by libarchive's path. */
	while (src->held < sizeof(xz_magic) && n > 0)
		if ((n = archive_read_data(src->ar, src->buf + src->held,
		    sizeof(src->buf) - src->held)) > 0)
			src->held += (size_t)n;
	if (src->held < sizeof(xz_magic) ||
	    memcmp(src->buf, xz_magic, sizeof(xz_magic)) != 0)
		return NULL;
	x = xcalloc(1, sizeof(*x));
	x->z = (lzma_stream)LZMA_STREAM_INIT;
	if ((ret = lzma_stream_decoder_mt(&x->z, &mt)) != LZMA_OK)
		errx(1, "%s: %s: %s", deb, member, xz_text(ret));
	x->src = src;
	x->z.next_in = (const uint8_t *)src->buf;
	x->z.avail_in = src->held;
	src->held = 0;
	return x;
}

/* Up to len decoded bytes into out; 0 at the end, -1 (a's error) if bad. */
static la_ssize_t
xz_read(struct xz_src *x, struct archive *a, void *out, size_t len)
{
	struct archive *ar = x->src->ar;
	la_ssize_t n;
	lzma_ret ret;

	x->z.next_out = out;
	x->z.avail_out = len;
	while (x->z.avail_out > 0 && !x->end) {
		if (x->z.avail_in == 0 && !x->in_eof) {
			n = archive_read_data(ar, x->src->buf,
			    sizeof(x->src->buf));
			if (n < 0) {
				archive_set_error(a, archive_errno(ar), "%s",
				    archive_error_string(ar));
				return -1;
			}
			x->in_eof = n == 0;
			x->z.next_in = (const uint8_t *)x->src->buf;
			x->z.avail_in = (size_t)n;
		}
		ret = lzma_code(&x->z, x->in_eof ? LZMA_FINISH : LZMA_RUN);
		if (ret == LZMA_STREAM_END)
			x->end = 1;
		else if (ret != LZMA_OK) {
			archive_set_error(a, EILSEQ, "%s",
			    xz_text(ret));
			return -1;
		}
	}
	return (la_ssize_t)(len - x->z.avail_out);
}

/*
 * After the tar archive's end, decode the rest of the member, so that a
 * truncated or corrupt one is refused as dpkg refuses it; what it holds
 * counts against the decompression bomb's ceiling, left bytes of it.
 */
static void
xz_close(struct xz_src *x, struct archive *in, const char *deb,
    const char *member, uint64_t left, uint64_t limit, const char *why)
{
	static char scratch[65536];
	la_ssize_t n;

	while ((n = xz_read(x, in, scratch, sizeof(scratch))) > 0)
		if ((uint64_t)n > left)
			errx(1, "%s: %s: unpacks to more than %ju bytes (%s)",
			    deb, member, (uintmax_t)limit, why);
		else
			left -= (uint64_t)n;
	if (n < 0)
		errx(1, "%s: %s: %s", deb, member, archive_error_string(in));
	lzma_end(&x->z);
	free(x);
}

/*
 * The data.tar, decompressed by raw or xz, as the tar reader's input:
 * bytes [base, base + len) of the stream are in buf; those before keep
 * are no longer needed (no header of an entry still to come is there).
 */
struct tar_src {
	struct archive *raw;
	struct xz_src *xz;
	int eof;
	unsigned char *buf;
	size_t len, cap;
	int64_t base, keep;
};

#define TAR_CHUNK 65536
/* ustar header (POSIX.1-1988 10.1.1): 512-byte blocks, size[12] at 124 in
 * octal (GNU: base-256 when the first byte is 0x80), typeflag at 156. */
#define TAR_BLOCK 512
#define TAR_SIZE 124
#define TAR_TYPE 156

static la_ssize_t
tar_read(struct archive *a, void *arg, const void **buf)
{
	struct tar_src *s = arg;
	la_ssize_t n = 0;
	size_t drop;

	/* libarchive calls again only when done with the last buffer. */
	if (s->keep > s->base) {
		drop = (uint64_t)(s->keep - s->base) < s->len ?
		    (size_t)(s->keep - s->base) : s->len;
		memmove(s->buf, s->buf + drop, s->len - drop);
		s->len -= drop;
		s->base += drop;
	}
	if (s->cap - s->len < TAR_CHUNK) {
		s->cap = s->len + TAR_CHUNK;
		s->buf = xreallocarray(s->buf, s->cap, 1);
	}
	if (s->xz != NULL)
		n = xz_read(s->xz, a, s->buf + s->len, TAR_CHUNK);
	else if (!s->eof &&
	    (n = archive_read_data(s->raw, s->buf + s->len, TAR_CHUNK)) < 0)
		archive_set_error(a, archive_errno(s->raw), "%s",
		    archive_error_string(s->raw));
	*buf = s->buf + s->len;
	if (n > 0)
		s->len += n;
	return n;
}

/* A header's size field: octal, or GNU's base-256 with the top bit set. */
static int
tar_size(const unsigned char *h, uint64_t *size)
{
	const unsigned char *f = h + TAR_SIZE, *end = f + 12;
	uint64_t n = 0;

	if (*f == 0x80) {
		for (f++; f < end; f++) {
			if (n >> 55)
				return -1;
			n = n << 8 | *f;
		}
	} else {
		while (f < end && *f == ' ')
			f++;
		for (; f < end && *f >= '0' && *f <= '7'; f++)
			n = n << 3 | (uint64_t)(*f - '0');
		if (f < end && *f != ' ' && *f != '\0')
			return -1;
	}
	*size = n;
	return 0;
}

/* pax records ("LEN key=value\n") that make a sparse file. */
static int
pax_sparse(const unsigned char *p, uint64_t len)
{
	while (len > 0) {
		uint64_t rlen = 0, i = 0;

		while (i < len && i < 20 && isdigit(p[i]))
			rlen = rlen * 10 + (p[i++] - '0');
		if (i == 0 || i >= len || p[i] != ' ' || rlen <= i + 1 ||
		    rlen > len)
			return 0;	/* malformed: libarchive's to refuse */
		i++;
		if ((rlen - i >= 11 && memcmp(p + i, "GNU.sparse.", 11) == 0) ||
		    (rlen - i >= 13 && memcmp(p + i, "SUN.holesdata", 13) == 0))
			return 1;
		p += rlen;
		len -= rlen;
	}
	return 0;
}

/*
 * An entry's name, which archive_entry_pathname(3) may not give (NULL,
 * for one it cannot convert): such an entry is refused, not compared.
 * member is the tar member it is in, NULL for the ar archive's own.
 */
static const char *
entry_name(struct archive_entry *e, const char *deb, const char *member)
{
	const char *name = archive_entry_pathname(e);

	if (name == NULL && member == NULL)
		errx(1, "%s: a member without a name", deb);
	if (name == NULL)
		errx(1, "%s: %s: an entry without a name", deb, member);
	return name;
}

static void
tar_type(unsigned char type, const char *deb, const char *name)
{
	switch (type) {
	case '\0': case '0': case '1': case '2': case '3': case '4': case '5':
	case '6':
		return;
	case 'S':
		errx(1, "%s: %s: sparse file (dpkg refuses these)", deb, name);
	}
	if (isgraph(type))
		errx(1, "%s: %s: tar entry type '%c', which dpkg refuses", deb,
		    name, type);
	errx(1, "%s: %s: tar entry type \\%03o, which dpkg refuses", deb, name,
	    type);
}

/*
 * Check the headers libarchive read for entry e: extension headers (pax
 * 'x', GNU 'L' and 'K'), then the entry's own header, whose type must be
 * one dpkg extracts: regular file ('0' or NUL), hard link '1', symlink
 * '2', character '3' or block '4' device, directory '5', fifo '6'.
 */
static void
tar_check(struct tar_src *s, struct archive *in, const char *deb,
    struct archive_entry *e, const char *name)
{
	int64_t p = archive_read_header_position(in);
	const unsigned char *h;
	uint64_t size, body;

	/* dpkg: "newline not allowed in archive object name". */
	if (strchr(name, '\n') != NULL)
		errx(1, "%s: %s: newline in a name (dpkg refuses these)", deb,
		    spec_encode(name));
	if (archive_entry_hardlink(e) != NULL &&
	    strchr(archive_entry_hardlink(e), '\n') != NULL)
		errx(1, "%s: %s: hard link to %s: newline in a name (dpkg "
		    "refuses these)", deb, spec_encode(name),
		    spec_encode(archive_entry_hardlink(e)));
	for (;;) {
		if (p < s->base || p > s->base + (int64_t)s->len - TAR_BLOCK)
			errx(1, "%s: %s: tar headers out of step", deb, name);
		h = s->buf + (p - s->base);
		if (tar_size(h, &size) < 0)
			errx(1, "%s: %s: bad tar size field", deb, name);
		if (strchr("xLK", h[TAR_TYPE]) == NULL || h[TAR_TYPE] == '\0')
			break;
		if (size > (uint64_t)(s->base + (int64_t)s->len - p -
		    TAR_BLOCK))
			errx(1, "%s: %s: tar headers out of step", deb, name);
		if (h[TAR_TYPE] == 'x' && pax_sparse(h + TAR_BLOCK, size))
			errx(1, "%s: %s: sparse file (dpkg refuses these)",
			    deb, name);
		p += TAR_BLOCK + (int64_t)((size + TAR_BLOCK - 1) &
		    ~(uint64_t)(TAR_BLOCK - 1));
	}
	tar_type(h[TAR_TYPE], deb, name);
	/* A plain file's data is all libarchive reads before the next
	 * header; anything else is kept until then. */
	body = 0;
	if (archive_entry_filetype(e) == AE_IFREG &&
	    archive_entry_hardlink(e) == NULL && archive_entry_size(e) > 0)
		body = ((uint64_t)archive_entry_size(e) + TAR_BLOCK - 1) &
		    ~(uint64_t)(TAR_BLOCK - 1);
	s->keep = p + TAR_BLOCK + (int64_t)body;
}

/*
 * After the last entry only the end-of-archive block of zeros may follow
 * (libarchive skips a trailing 'g' or 'V' header and stops at the zeros).
 */
static void
tar_end(struct tar_src *s, const char *deb, const char *member)
{
	const unsigned char *h;

	if (s->keep < s->base || s->keep + TAR_BLOCK > s->base +
	    (int64_t)s->len)
		return;
	h = s->buf + (s->keep - s->base);
	for (int i = 0; i < TAR_BLOCK; i++)
		if (h[i] != 0) {
			tar_type(h[TAR_TYPE], deb, member);
			errx(1, "%s: %s: a tar header after the last entry",
			    deb, member);
		}
}

/* The compressions dpkg knows, by member name suffix (deb(5)). */
static const struct {
	const char *ext, *name;
	int filter;
} comps[] = {
	{ "", "uncompressed", ARCHIVE_FILTER_NONE },
	{ ".gz", "gzip", ARCHIVE_FILTER_GZIP },
	{ ".xz", "xz", ARCHIVE_FILTER_XZ },
	{ ".zst", "zstd", ARCHIVE_FILTER_ZSTD },
	{ ".bz2", "bzip2", ARCHIVE_FILTER_BZIP2 },
	{ ".lzma", "lzma", ARCHIVE_FILTER_LZMA },
	{ NULL, NULL, 0 }
};

/*
 * The member's bytes must be compressed as its name says, as dpkg-deb
 * decompresses by name: libarchive would take any compression it
 * recognizes, or none, whatever the name.
 */
static void
check_filter(struct archive *a, const char *deb, const char *member)
{
	const char *ext = strchr(member, '.'), *got = "unknown";
	int code = archive_filter_code(a, 0);

	ext = strchr(ext + 1, '.');
	if (ext == NULL)
		ext = "";
	for (int i = 0; comps[i].ext; i++)
		if (code == comps[i].filter)
			got = comps[i].name;
	for (int i = 0; comps[i].ext; i++)
		if (strcmp(ext, comps[i].ext) == 0 && code != comps[i].filter)
			errx(1, "%s: %s: %s data, not %s as its name says", deb,
			    member, got, comps[i].name);
}

/* Any other member, decompressed by libarchive as a raw stream. */
static void
raw_open(struct tar_src *s, struct inner_src *src, const char *deb,
    const char *member)
{
	struct archive_entry *e;

	if ((s->raw = archive_read_new()) == NULL)
		errx(1, "%s: cannot allocate a reader", deb);
	archive_read_support_format_raw(s->raw);
	archive_read_support_filter_gzip(s->raw);
	archive_read_support_filter_xz(s->raw);
	archive_read_support_filter_zstd(s->raw);
	archive_read_support_filter_bzip2(s->raw);
	archive_read_support_filter_lzma(s->raw);
	if (archive_read_open(s->raw, src, NULL, inner_read, NULL) !=
	    ARCHIVE_OK)
		errx(1, "%s: %s: %s", deb, member,
		    archive_error_string(s->raw));
	/* An empty member has no entry: an empty stream. */
	s->eof = archive_read_next_header(s->raw, &e) != ARCHIVE_OK;
	if (!s->eof)
		check_filter(s->raw, deb, member);
}

/* The data.tar member: decompressed by one reader, read as tar by another. */
static struct archive *
data_open(struct tar_src *s, struct inner_src *src, const char *deb,
    const char *member)
{
	struct archive *in;

	memset(s, 0, sizeof(*s));
	if ((in = archive_read_new()) == NULL)
		errx(1, "%s: cannot allocate a reader", deb);
	archive_read_support_format_tar(in);
	if ((s->xz = xz_open(src, deb, member)) == NULL)
		raw_open(s, src, deb, member);
	if (archive_read_open(in, s, NULL, tar_read, NULL) != ARCHIVE_OK)
		errx(1, "%s: %s: %s", deb, member, archive_error_string(in));
	return in;
}

/* Is name "control.tar" or "data.tar" with a compression dpkg knows? */
static int
tar_member(const char *deb, const char *name, const char *base)
{
	size_t len = strlen(base);

	if (strncmp(name, base, len) != 0)
		return 0;
	for (int i = 0; comps[i].ext; i++)
		if (strcmp(name + len, comps[i].ext) == 0)
			return 1;
	errx(1, "%s: %s: unknown compression", deb, name);
}

static struct archive *
inner_open(struct inner_src *src, const char *deb, const char *member)
{
	struct archive *in = archive_read_new();

	if (in == NULL)
		errx(1, "%s: cannot allocate a reader", deb);
	archive_read_support_format_tar(in);
	archive_read_support_filter_gzip(in);
	archive_read_support_filter_xz(in);
	archive_read_support_filter_zstd(in);
	archive_read_support_filter_bzip2(in);
	archive_read_support_filter_lzma(in);
	if (archive_read_open(in, src, NULL, inner_read, NULL) != ARCHIVE_OK)
		errx(1, "%s: %s: %s", deb, member, archive_error_string(in));
	return in;
}

/* One field of a control file (RFC 822 style), NULL if absent. */
static char *
field(const char *control, const char *name)
{
	size_t len = strlen(name);
	const char *p = control, *end;

	while (p != NULL && *p != '\0') {
		if (strncasecmp(p, name, len) == 0 && p[len] == ':') {
			p += len + 1;
			p += strspn(p, " \t");
			end = p + strcspn(p, "\n");
			while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
				end--;
			return xasprintf("%.*s", (int)(end - p), p);
		}
		if ((p = strchr(p, '\n')) != NULL)
			p++;
	}
	return NULL;
}

/*
 * A field packages.tsv records, of the syntax packages.tsv(5) gives (what
 * dpkg takes): a tab would shift its columns (a Source field forging the
 * installed size), an escape sequence or invalid UTF-8 reach a terminal
 * or an SBOM.
 */
static char *
tsv_field(const char *control, const char *deb, const char *name,
    int (*valid)(const char *))
{
	char *v = field(control, name);

	if (v != NULL && !valid(v))
		errx(1, "%s: control file: %s: %s: invalid", deb, name,
		    spec_encode(v));
	return v;
}

/* "Source: name", or "name (version)" when the versions differ. */
static int
source_valid(const char *v)
{
	char *name = xasprintf("%.*s", (int)strcspn(v, " ("), v);
	int ok = debname_valid(name);

	free(name);
	return ok;
}

/*
 * A decompression bomb's ceiling: the data.tar's files may hold twice the
 * Installed-Size the control file declares (KiB, an estimate: dpkg-gencontrol
 * rounds each file up to a block) and 16 MiB more; without the field,
 * 1 GiB. dpkg sets no limit; a build server should not fill its disk.
 */
#define BOMB_SLACK	(16ULL << 20)
#define BOMB_NOSIZE	(1ULL << 30)

static uint64_t
data_limit(int known, uint64_t kib, const char **why)
{
	if (!known || kib > (UINT64_MAX - BOMB_SLACK) / 2048) {
		*why = "1 GiB without a usable Installed-Size";
		return BOMB_NOSIZE;
	}
	*why = "twice the Installed-Size and 16 MiB";
	return kib * 2048 + BOMB_SLACK;
}

/* The control file's fields; returns the data.tar's ceiling and why. */
static uint64_t
read_control(struct archive *in, const char *deb, const char *member,
    struct deb_info *info, const char **why)
{
	uint64_t limit;
	struct archive_entry *e;
	char *text = NULL, *s, *end;
	la_int64_t size;
	int r;

	while ((r = archive_read_next_header(in, &e)) == ARCHIVE_OK) {
		const char *p = entry_name(e, deb, member);

		if (strcmp(p, "./control") != 0 && strcmp(p, "control") != 0)
			continue;
		size = archive_entry_size(e);
		if (size < 0 || size > (1 << 20))
			errx(1, "%s: control file of %jd bytes", deb,
			    (intmax_t)size);
		text = xmalloc((size_t)size + 1);
		if (archive_read_data(in, text, (size_t)size) != size)
			errx(1, "%s: control: %s", deb,
			    archive_error_string(in) ? archive_error_string(in) :
			    "truncated");
		text[size] = '\0';
		break;
	}
	if (r != ARCHIVE_OK && r != ARCHIVE_EOF)
		errx(1, "%s: control.tar: %s", deb, archive_error_string(in));
	if (text == NULL)
		errx(1, "%s: control.tar has no control file", deb);
	info->package = tsv_field(text, deb, "Package", debname_valid);
	info->version = tsv_field(text, deb, "Version", debver_valid);
	info->arch = tsv_field(text, deb, "Architecture", debarch_valid);
	if (info->package == NULL || info->version == NULL ||
	    info->arch == NULL)
		errx(1, "%s: control file lacks Package, Version or "
		    "Architecture", deb);
	if ((s = tsv_field(text, deb, "Source", source_valid)) != NULL)
		s[strcspn(s, " (")] = '\0';
	info->source = s != NULL ? s : xstrdup(info->package);
	/* KiB, which packages.tsv gives in bytes. */
	if ((s = field(text, "Installed-Size")) != NULL) {
		errno = 0;
		info->installed_size = strtoull(s, &end, 10);
		if (!isdigit((unsigned char)*s) || *end != '\0' ||
		    errno == ERANGE || info->installed_size > UINT64_MAX / 1024)
			errx(1, "%s: control file: Installed-Size: %s: not a "
			    "size in KiB", deb, spec_encode(s));
	}
	limit = data_limit(s != NULL, info->installed_size, why);
	free(s);
	free(text);
	return limit;
}

/*
 * The data.tar member's entries, each checked and handed to fn: regular
 * files may hold limit bytes in all (why says whence it comes).
 */
static void
data_read(struct inner_src *src, const char *deb, const char *name,
    uint64_t limit, const char *why, deb_entry_fn fn, void *ctx)
{
	struct archive *in;
	struct archive_entry *e;
	struct tar_src ts;
	uint64_t total = 0, size;
	int r;

	in = data_open(&ts, src, deb, name);
	while ((r = archive_read_next_header(in, &e)) == ARCHIVE_OK) {
		const char *path = entry_name(e, deb, name);

		tar_check(&ts, in, deb, e, path);
		/* Before the bytes are written anywhere. */
		size = archive_entry_size(e) > 0 ?
		    (uint64_t)archive_entry_size(e) : 0;
		if (archive_entry_filetype(e) == AE_IFREG &&
		    archive_entry_hardlink(e) == NULL && size > limit - total)
			errx(1, "%s: %s: %s: unpacks to more than %ju bytes "
			    "(%s)", deb, name, spec_encode(path),
			    (uintmax_t)limit, why);
		if (archive_entry_filetype(e) == AE_IFREG &&
		    archive_entry_hardlink(e) == NULL)
			total += size;
		/* GNU tar's and dpkg's range, less (uid_t)-1. */
		if (!owner_valid(archive_entry_uid(e), archive_entry_gid(e)))
			errx(1, "%s: %s: %s: owner %jd:%jd out of range", deb,
			    name, spec_encode(path),
			    (intmax_t)archive_entry_uid(e),
			    (intmax_t)archive_entry_gid(e));
		fn(ctx, in, e);
	}
	if (r != ARCHIVE_EOF)
		errx(1, "%s: %s: %s", deb, name, archive_error_string(in));
	tar_end(&ts, deb, name);
	if (ts.xz != NULL)
		xz_close(ts.xz, in, deb, name, limit - total, limit, why);
	archive_read_free(in);
	archive_read_free(ts.raw);
	free(ts.buf);
}

void
deb_read(const char *deb, struct deb_info *info, deb_entry_fn fn, void *ctx)
{
	struct archive *ar, *in;
	struct archive_entry *e;
	struct inner_src *src = xcalloc(1, sizeof(*src));
	char magic[16];
	int r, n = 0, have_control = 0, have_data = 0;
	la_ssize_t len;
	uint64_t limit = 0;
	const char *limit_why = NULL;

	memset(info, 0, sizeof(*info));
	if ((ar = archive_read_new()) == NULL)
		errx(1, "%s: cannot allocate a reader", deb);
	archive_read_support_format_ar(ar);
	if (archive_read_open_filename(ar, deb, 65536) != ARCHIVE_OK)
		errx_archive(ar, deb);
	src->ar = ar;
	while ((r = archive_read_next_header(ar, &e)) == ARCHIVE_OK) {
		const char *name = entry_name(e, deb, NULL);

		if (n++ == 0) {
			len = archive_read_data(ar, magic, sizeof(magic));
			if (strcmp(name, "debian-binary") != 0 || len < 4 ||
			    strncmp(magic, "2.", 2) != 0)
				errx(1, "%s: not a Debian binary package "
				    "(no debian-binary 2.x first)", deb);
			continue;
		}
		if (name[0] == '_')
			continue;
		if (!have_control && tar_member(deb, name, "control.tar")) {
			in = inner_open(src, deb, name);
			limit = read_control(in, deb, name, info, &limit_why);
			check_filter(in, deb, name);
			archive_read_free(in);
			have_control = 1;
		} else if (have_control && !have_data &&
		    tar_member(deb, name, "data.tar")) {
			data_read(src, deb, name, limit, limit_why, fn, ctx);
			have_data = 1;
		} else
			errx(1, "%s: unexpected member %s", deb, name);
	}
	if (r != ARCHIVE_EOF)
		errx_archive(ar, deb);
	if (n == 0)
		errx(1, "%s: not a Debian binary package (empty archive)", deb);
	if (!have_control || !have_data)
		errx(1, "%s: truncated or incomplete: no %s member", deb,
		    have_control ? "data.tar" : "control.tar");
	archive_read_free(ar);
	free(src);
}

void
deb_info_free(struct deb_info *info)
{
	free(info->package);
	free(info->version);
	free(info->arch);
	free(info->source);
	memset(info, 0, sizeof(*info));
}
