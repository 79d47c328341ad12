/*
 * pe.c: PE/COFF images in memory, for mkuki: parse and check an image
 * (hostile input: every offset and size is bounded by the file), add
 * sections as ukify places them, compute the Authenticode digest and
 * append a signature.
 *
 * Implements: Microsoft PE Format (the "PE/COFF specification"), 2 (MS-DOS
 * stub, e_lfanew at 0x3c), 3.3 (COFF file header), 3.4 (optional header
 * and data directories), 4 (section table), 5.7 (the attribute
 * certificate table); "Windows Authenticode Portable Executable Signature
 * Format" 1.0 (the image digest); UEFI 2.10, 2.1.1 (the machine types
 * of UEFI images); ukify's section placement (mkuki(1)).
 */
#include <err.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "initkit.h"

#define COFF_SIZE	20	/* COFF file header */
#define SECT_SIZE	40	/* section header */
#define SYM_SIZE	18	/* COFF symbol table entry */
#define DIR_SECURITY	4	/* data directory: certificate table */
#define FILE_LOCAL_SYMS_STRIPPED 0x0008

/*
 * COFF file header Machine values (PE Format 3.3.1) of the architectures
 * UEFI defines images for (UEFI 2.10, 2.1.1), by their usual short names.
 */
static const struct {
	uint16_t machine;
	const char *name;
} machines[] = {
	{ PE_MACHINE_I386, "x86" },	/* IMAGE_FILE_MACHINE_I386 */
	{ 0x01c2, "arm" },		/* IMAGE_FILE_MACHINE_THUMB */
	{ 0x0200, "ia64" },		/* IMAGE_FILE_MACHINE_IA64 */
	{ 0x0ebc, "ebc" },		/* IMAGE_FILE_MACHINE_EBC */
	{ 0x5032, "riscv32" },		/* IMAGE_FILE_MACHINE_RISCV32 */
	{ 0x5064, "riscv64" },		/* IMAGE_FILE_MACHINE_RISCV64 */
	{ 0x6232, "loongarch32" },	/* IMAGE_FILE_MACHINE_LOONGARCH32 */
	{ 0x6264, "loongarch64" },	/* IMAGE_FILE_MACHINE_LOONGARCH64 */
	{ PE_MACHINE_AMD64, "x86-64" },	/* IMAGE_FILE_MACHINE_AMD64 */
	{ 0xaa64, "arm64" },		/* IMAGE_FILE_MACHINE_ARM64 */
};

/* Optional header field offsets that differ between PE32 and PE32+. */
static size_t
opt_dirs(const struct pe *pe)
{
	return pe->opt + (pe->plus ? 112 : 96);
}

#define OPT_SIZE_OF_CODE	4
#define OPT_SIZE_OF_IDATA	8
#define OPT_SECT_ALIGN		32
#define OPT_FILE_ALIGN		36
#define OPT_SIZE_OF_IMAGE	56
#define OPT_SIZE_OF_HEADERS	60
#define OPT_CHECKSUM		64

static uint32_t
opt32(const struct pe *pe, size_t field)
{
	return le32_get(pe->buf + pe->opt + field);
}

static uint8_t *
sect_hdr(const struct pe *pe, int i)
{
	return pe->buf + pe->sectab + (size_t)i * SECT_SIZE;
}

void
pe_section(const struct pe *pe, int i, struct pe_section *s)
{
	const uint8_t *h = sect_hdr(pe, i);

	memcpy(s->name, h, 8);
	s->name[8] = '\0';
	s->vsize = le32_get(h + 8);
	s->va = le32_get(h + 12);
	s->rawsize = le32_get(h + 16);
	s->rawptr = le32_get(h + 20);
	s->flags = le32_get(h + 36);
}

int
pe_find(const struct pe *pe, const char *name)
{
	for (int i = 0; i < pe->nsect; i++)
		if (strncmp((const char *)sect_hdr(pe, i), name, 8) == 0)
			return i;
	return -1;
}

void
pe_cert_table(const struct pe *pe, uint32_t *off, uint32_t *size)
{
	const uint8_t *d = pe->buf + opt_dirs(pe) + DIR_SECURITY * 8;

	*off = *size = 0;
	if (pe->ndd > DIR_SECURITY) {
		*off = le32_get(d);
		*size = le32_get(d + 4);
	}
}

/*
 * The WIN_CERTIFICATE entries of the certificate table (PE Format 5.7):
 * dwLength (the entry's, with this header), wRevision, wCertificateType,
 * then bCertificate; each entry starts 8-byte aligned.
 */
int
pe_cert_next(const struct pe *pe, uint64_t *at, struct pe_cert *c)
{
	uint32_t off, size, n;
	const uint8_t *e;
	int r = 1;

	pe_cert_table(pe, &off, &size);
	if (size == 0 || *at + 8 > size)
		return 0;
	e = pe->buf + off + *at;
	n = le32_get(e);
	c->type = le16_get(e + 6);
	if (n < 8 || *at + n > size) {
		n = (uint32_t)(size - *at);
		r = -1;
	}
	c->data = e + 8;
	c->len = n - 8;
	*at += (n + 7) / 8 * 8;
	return r;
}

/* The section data as loaded: VirtualSize bytes, zero past the raw data. */
uint8_t *
pe_section_data(const struct pe *pe, int i, size_t *len)
{
	struct pe_section s;
	uint8_t *d;

	pe_section(pe, i, &s);
	d = xcalloc(s.vsize ? s.vsize : 1, 1);
	memcpy(d, pe->buf + s.rawptr, s.rawsize < s.vsize ? s.rawsize :
	    s.vsize);
	*len = s.vsize;
	return d;
}

const char *
pe_machine_name(uint16_t machine, char buf[PE_MACHINE_BUFSIZE])
{
	for (size_t i = 0; i < sizeof(machines) / sizeof(machines[0]); i++)
		if (machines[i].machine == machine)
			return machines[i].name;
	snprintf(buf, PE_MACHINE_BUFSIZE, "0x%04x", machine);
	return buf;
}

void
pe_parse(struct pe *pe, const char *name, uint8_t *buf, size_t len)
{
	uint32_t lfanew, fa, sa, hdrs, off, size, sym, image;
	uint64_t loaded = 0;
	uint16_t optsize, magic;
	uint64_t syms;
	size_t need;

	memset(pe, 0, sizeof(*pe));
	pe->name = name;
	pe->buf = buf;
	pe->len = pe->cap = len;
	/* MS-DOS header: "MZ", e_lfanew at 0x3c. */
	if (len < 0x40 || buf[0] != 'M' || buf[1] != 'Z')
		errx(1, "%s: not a PE image (no MZ header)", name);
	lfanew = le32_get(buf + 0x3c);
	if ((uint64_t)lfanew + 4 + COFF_SIZE > len ||
	    memcmp(buf + lfanew, "PE\0\0", 4) != 0)
		errx(1, "%s: not a PE image (no PE signature)", name);
	pe->coff = lfanew + 4;
	pe->machine = le16_get(buf + pe->coff);
	pe->nsect = le16_get(buf + pe->coff + 2);
	optsize = le16_get(buf + pe->coff + 16);
	pe->opt = pe->coff + COFF_SIZE;
	if (pe->opt + optsize > len || optsize < 2)
		errx(1, "%s: truncated optional header", name);
	magic = le16_get(buf + pe->opt);
	if (magic != 0x10b && magic != 0x20b)
		errx(1, "%s: unknown optional header magic 0x%x", name, magic);
	pe->plus = magic == 0x20b;
	need = opt_dirs(pe) - pe->opt;
	if (optsize < need)
		errx(1, "%s: truncated optional header", name);
	pe->ndd = le32_get(buf + opt_dirs(pe) - 4);
	if (pe->ndd > 16 || need + (size_t)pe->ndd * 8 > optsize)
		errx(1, "%s: bad data directory count %u", name, pe->ndd);
	pe->sectab = pe->opt + optsize;

	fa = opt32(pe, OPT_FILE_ALIGN);
	sa = opt32(pe, OPT_SECT_ALIGN);
	hdrs = opt32(pe, OPT_SIZE_OF_HEADERS);
	if (fa == 0 || (fa & (fa - 1)) != 0 || sa < fa || (sa & (sa - 1)))
		errx(1, "%s: bad alignment (file 0x%x, section 0x%x)", name,
		    fa, sa);
	if (pe->sectab + (size_t)pe->nsect * SECT_SIZE > hdrs || hdrs > len)
		errx(1, "%s: section table does not fit the headers "
		    "(truncated?)", name);
	/*
	 * Sections as loaded lie within SizeOfImage (EDK2's loader refuses
	 * others) and do not overlap, so the VirtualSize bytes that
	 * pe_section_data makes of them add up to no more than the image,
	 * which is bounded too: a small file must not make us allocate and
	 * hash gigabytes.
	 */
	image = opt32(pe, OPT_SIZE_OF_IMAGE);
	if (image > PE_IMAGE_MAX)
		errx(1, "%s: SizeOfImage %u is over %u MiB", name, image,
		    PE_IMAGE_MAX >> 20);
	for (int i = 0; i < pe->nsect; i++) {
		struct pe_section s;

		pe_section(pe, i, &s);
		if (s.rawsize != 0 && (uint64_t)s.rawptr + s.rawsize > len)
			errx(1, "%s: section %d (%.8s) lies outside the file "
			    "(truncated?)", name, i, s.name);
		if ((uint64_t)s.va + s.vsize > image ||
		    (loaded += s.vsize) > image)
			errx(1, "%s: section %d (%.8s) lies outside the image "
			    "(SizeOfImage 0x%x)", name, i, s.name, image);
	}
	pe_cert_table(pe, &off, &size);
	if (size != 0 && ((uint64_t)off + size > len || off < hdrs ||
	    size < 8))
		errx(1, "%s: certificate table lies outside the file "
		    "(truncated?)", name);
	/* COFF symbol table, then the string table, whose first 4 bytes give
	 * its size with themselves (PE Format, "COFF String Table"). */
	sym = le32_get(buf + pe->coff + 8);
	syms = (uint64_t)sym + (uint64_t)le32_get(buf + pe->coff + 12) *
	    SYM_SIZE;
	if (sym != 0 && (syms + 4 > len || le32_get(buf + syms) < 4 ||
	    syms + le32_get(buf + syms) > len))
		errx(1, "%s: symbol table lies outside the file (truncated?)",
		    name);
}

/* Make room for n more bytes at the end. */
static void
grow(struct pe *pe, size_t n)
{
	if (pe->len + n > pe->cap) {
		pe->cap = (pe->len + n) * 3 / 2;
		pe->buf = xreallocarray(pe->buf, pe->cap, 1);
	}
	memset(pe->buf + pe->len, 0, n);
	pe->len += n;
}

/*
 * A COFF symbol table (an image should have none; older stubs do) goes as
 * ukify drops it, and with it anything else past the sections (initkit.h).
 */
void
pe_strip_tail(struct pe *pe)
{
	uint8_t *c = pe->buf + pe->coff;
	uint64_t end = pe_data_end(pe);

	if (le32_get(c + 8) != 0) {
		le32_put(c + 8, 0);
		le32_put(c + 12, 0);
		le16_put(c + 18, le16_get(c + 18) | FILE_LOCAL_SYMS_STRIPPED);
	}
	if (end < pe->len)
		pe->len = end;
}

uint64_t
pe_data_end(const struct pe *pe)
{
	uint64_t end = opt32(pe, OPT_SIZE_OF_HEADERS);

	for (int i = 0; i < pe->nsect; i++) {
		struct pe_section s;

		pe_section(pe, i, &s);
		if (s.rawsize != 0 && (uint64_t)s.rawptr + s.rawsize > end)
			end = (uint64_t)s.rawptr + s.rawsize;
	}
	return end;
}

/* The end of the highest section in memory. */
static uint64_t
image_end(const struct pe *pe)
{
	uint64_t end = 0;

	for (int i = 0; i < pe->nsect; i++) {
		struct pe_section s;

		pe_section(pe, i, &s);
		if ((uint64_t)s.va + s.vsize > end)
			end = (uint64_t)s.va + s.vsize;
	}
	return end;
}

void
pe_add_section(struct pe *pe, const char *name, const void *data,
    size_t len, uint32_t flags)
{
	uint32_t fa = opt32(pe, OPT_FILE_ALIGN), sa = opt32(pe, OPT_SECT_ALIGN);
	uint32_t hdrs = opt32(pe, OPT_SIZE_OF_HEADERS);
	uint64_t first = pe->len, rawptr, rawsize, va;
	uint8_t *h;
	size_t table_end, size_field;

	if (strlen(name) > 8)
		errx(1, "%s: section name longer than 8 bytes", name);
	/*
	 * The headers may grow to the file alignment, or to the first
	 * section's data if that comes earlier.
	 */
	for (int i = 0; i < pe->nsect; i++) {
		struct pe_section s;

		pe_section(pe, i, &s);
		if (s.rawsize != 0 && s.rawptr < first)
			first = s.rawptr;
	}
	if (round_up(hdrs, fa) <= first)
		hdrs = (uint32_t)round_up(hdrs, fa);
	table_end = pe->sectab + (size_t)(pe->nsect + 1) * SECT_SIZE;
	if (table_end > hdrs)
		errx(1, "%s: no room in the headers for section %s", pe->name,
		    name);
	le32_put(pe->buf + pe->opt + OPT_SIZE_OF_HEADERS, hdrs);

	rawptr = round_up(pe->len, fa);
	rawsize = round_up(len, fa);
	va = round_up(image_end(pe), sa);
	if (rawptr + rawsize > UINT32_MAX || va + len > UINT32_MAX)
		errx(1, "%s: section %s makes the image larger than 4 GiB",
		    pe->name, name);
	grow(pe, rawptr + rawsize - pe->len);
	memcpy(pe->buf + rawptr, data, len);

	h = sect_hdr(pe, pe->nsect);
	memset(h, 0, SECT_SIZE);
	memcpy(h, name, strlen(name));
	le32_put(h + 8, (uint32_t)len);
	le32_put(h + 12, (uint32_t)va);
	le32_put(h + 16, (uint32_t)rawsize);
	le32_put(h + 20, (uint32_t)rawptr);
	le32_put(h + 36, flags);
	pe->nsect++;
	le16_put(pe->buf + pe->coff + 2, (uint16_t)pe->nsect);
	size_field = flags & PE_SCN_CNT_CODE ? OPT_SIZE_OF_CODE :
	    OPT_SIZE_OF_IDATA;
	le32_put(pe->buf + pe->opt + size_field, opt32(pe, size_field) +
	    (uint32_t)rawsize);
}

/* Bytes section i can hold in place: its raw size, up to the next section. */
size_t
pe_section_room(const struct pe *pe, int i)
{
	struct pe_section s, t;
	uint64_t room;

	pe_section(pe, i, &s);
	room = s.rawsize;
	for (int j = 0; j < pe->nsect; j++) {
		pe_section(pe, j, &t);
		if (t.va > s.va && t.va - s.va < room)
			room = t.va - s.va;
	}
	return room;
}

void
pe_replace_section(struct pe *pe, int i, const void *data, size_t len)
{
	struct pe_section s;

	pe_section(pe, i, &s);
	if (len > pe_section_room(pe, i))
		errx(1, "%s: %zu bytes do not fit section %s", pe->name, len,
		    s.name);
	memset(pe->buf + s.rawptr, 0, s.rawsize);
	memcpy(pe->buf + s.rawptr, data, len);
	le32_put(sect_hdr(pe, i) + 8, (uint32_t)len);
}

/*
 * Drop section i: its header leaves the table (later ones move up) and
 * its address range becomes a hole the loader zero-fills. Its raw data,
 * zeroed, becomes padding of the section whose data it follows: data
 * between sections that no section covers is in no Authenticode digest
 * (pe_check_covered), so the file must not have any.
 */
void
pe_remove_section(struct pe *pe, int i)
{
	struct pe_section s, t;
	uint8_t *h = sect_hdr(pe, i);
	int prev = -1;

	pe_section(pe, i, &s);
	for (int j = 0; j < pe->nsect && s.rawsize != 0; j++) {
		pe_section(pe, j, &t);
		if (j != i && t.rawsize != 0 && t.rawptr + t.rawsize ==
		    s.rawptr)
			prev = j;
	}
	if (s.rawsize != 0 && prev < 0)
		errx(1, "%s: cannot drop section %s: no section's data "
		    "precedes it", pe->name, s.name);
	if (prev >= 0) {
		pe_section(pe, prev, &t);
		le32_put(sect_hdr(pe, prev) + 16, t.rawsize + s.rawsize);
	}
	memset(pe->buf + s.rawptr, 0, s.rawsize);
	memmove(h, h + SECT_SIZE, (size_t)(pe->nsect - i - 1) * SECT_SIZE);
	pe->nsect--;
	memset(sect_hdr(pe, pe->nsect), 0, SECT_SIZE);
	le16_put(pe->buf + pe->coff + 2, (uint16_t)pe->nsect);
}

void
pe_finish(struct pe *pe)
{
	uint32_t sa = opt32(pe, OPT_SECT_ALIGN);

	le32_put(pe->buf + pe->opt + OPT_SIZE_OF_IMAGE,
	    (uint32_t)round_up(image_end(pe), sa));
	/* Nothing checks it for EFI images; ukify zeroes it too. */
	le32_put(pe->buf + pe->opt + OPT_CHECKSUM, 0);
}

static int
by_rawptr(const void *a, const void *b)
{
	const struct pe_section *x = a, *y = b;

	return x->rawptr < y->rawptr ? -1 : x->rawptr > y->rawptr;
}

/* The sections with file data, in file order, in a new array of *n. */
static struct pe_section *
file_sections(const struct pe *pe, int *n)
{
	struct pe_section *v = xcalloc(pe->nsect + 1, sizeof(*v));

	*n = 0;
	for (int i = 0; i < pe->nsect; i++) {
		pe_section(pe, i, &v[*n]);
		if (v[*n].rawsize != 0)
			(*n)++;
	}
	qsort(v, *n, sizeof(*v), by_rawptr);
	return v;
}

/*
 * The Authenticode digest as the firmware (EDK2's DxeImageVerificationLib)
 * and sbverify compute it: the headers without the CheckSum field and the
 * certificate table's directory entry, then each section's raw data in
 * file order, then, from the offset SizeOfHeaders plus the sections' raw
 * sizes (the Authenticode specification's SUM_OF_BYTES_HASHED), the file
 * but as many bytes at its end as the certificate table has. That rest is
 * what follows the sections up to the table only when the sections lie
 * back to back after the headers and the table ends the file, which
 * pe_check_covered checks.
 */
void
pe_digest(const struct pe *pe, uint8_t md[32])
{
	size_t sum = opt32(pe, OPT_SIZE_OF_HEADERS), cks = pe->opt +
	    OPT_CHECKSUM, dir = opt_dirs(pe) + DIR_SECURITY * 8;
	uint32_t coff, csize;
	struct pe_section *v;
	EVP_MD_CTX *ctx;
	int n;

	if (pe->ndd <= DIR_SECURITY)
		errx(1, "%s: no certificate table directory", pe->name);
	if ((ctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1 ||
	    EVP_DigestUpdate(ctx, pe->buf, cks) != 1 ||
	    EVP_DigestUpdate(ctx, pe->buf + cks + 4, dir - cks - 4) != 1 ||
	    EVP_DigestUpdate(ctx, pe->buf + dir + 8, sum - dir - 8) != 1)
		errx_ssl(pe->name);
	v = file_sections(pe, &n);
	for (int i = 0; i < n; i++) {
		if (EVP_DigestUpdate(ctx, pe->buf + v[i].rawptr,
		    v[i].rawsize) != 1)
			errx_ssl(pe->name);
		sum += v[i].rawsize;
	}
	pe_cert_table(pe, &coff, &csize);
	if (pe->len > sum + csize && EVP_DigestUpdate(ctx, pe->buf + sum,
	    pe->len - sum - csize) != 1)
		errx_ssl(pe->name);
	if (EVP_DigestFinal_ex(ctx, md, NULL) != 1)
		errx_ssl(pe->name);
	EVP_MD_CTX_free(ctx);
	free(v);
}

/*
 * The digest covers every byte of the file but the CheckSum, the
 * directory entry and the certificate table only when the sections' data
 * follow each other from the end of the headers, and the table, if any,
 * comes after them and ends the file. Else EDK2 and sbverify hash the end
 * of the last section again in place of a gap between sections, whose
 * bytes no signature then covers, and hash part of the table in place of
 * bytes after it.
 */
void
pe_check_covered(const struct pe *pe)
{
	uint64_t end = opt32(pe, OPT_SIZE_OF_HEADERS);
	uint32_t coff, csize;
	struct pe_section *v;
	int n;

	v = file_sections(pe, &n);
	for (int i = 0; i < n; i++) {
		if (v[i].rawptr > end)
			errx(1, "%s: %" PRIu64 " bytes before section %s at "
			    "0x%" PRIx32 " are in no section: no signature "
			    "covers them", pe->name, v[i].rawptr - end,
			    v[i].name, v[i].rawptr);
		if (v[i].rawptr < end)
			errx(1, "%s: section %s at 0x%" PRIx32 " overlaps the "
			    "data before it", pe->name, v[i].name,
			    v[i].rawptr);
		end += v[i].rawsize;
	}
	free(v);
	pe_cert_table(pe, &coff, &csize);
	if (csize != 0 && coff < end)
		errx(1, "%s: certificate table at 0x%" PRIx32 " lies within "
		    "the sections' data", pe->name, coff);
	if (csize != 0 && (uint64_t)coff + csize < pe->len)
		errx(1, "%s: %" PRIu64 " bytes after the certificate table, "
		    "which no signature covers", pe->name,
		    (uint64_t)pe->len - coff - csize);
}

/*
 * Append der as the one WIN_CERTIFICATE (revision 2.0, PKCS#7 SignedData)
 * of the certificate table, 8-byte aligned, and point the security
 * directory at it: the file offset, not an address (PE format 5.7).
 */
void
pe_append_signature(struct pe *pe, const uint8_t *der, size_t len)
{
	uint8_t *d;
	size_t at, size = round_up(8 + len, 8);

	if (pe->len % 8 != 0)
		errx(1, "%s: image size not 8-byte aligned", pe->name);
	at = pe->len;
	grow(pe, size);
	le32_put(pe->buf + at, (uint32_t)size);	/* dwLength */
	le16_put(pe->buf + at + 4, 0x0200);	/* WIN_CERT_REVISION_2_0 */
	le16_put(pe->buf + at + 6, PE_CERT_PKCS_SIGNED_DATA);
	memcpy(pe->buf + at + 8, der, len);
	d = pe->buf + opt_dirs(pe) + DIR_SECURITY * 8;
	le32_put(d, (uint32_t)at);
	le32_put(d + 4, (uint32_t)size);
}
