/*
 * mkuki: build a Unified Kernel Image, systemd-stub with the kernel, its
 * initrds, early microcode, command line and os-release added as PE
 * sections, or a PE addon (the addon stub with a command line, initrd or
 * microcode), optionally signed with Authenticode for Secure Boot;
 * predict the TPM PCR 11 value the stub will measure; or inspect a UKI.
 * Last step of the initrd pipeline: it takes mkcpio's archives and the
 * kernel pkgroot installed.
 *
 * Implements: the UAPI Unified Kernel Image specification (sections,
 * PCR 11 measurement order); ukify's section placement and contents, as
 * systemd 257's ukify makes them (mkuki(1) says where we differ);
 * systemd-stub's measurements as systemd-measure(1) predicts
 * them, with the boot phase strings systemd-pcrphase(8) extends; SBAT
 * (shim's SBAT.md) merged as ukify merges it; Authenticode through
 * bin/lib/pe.c and bin/lib/authenticode.c; a kernel compressed with gzip
 * (RFC 1952) or zstd (RFC 8878) is decompressed first.
 */
#include <err.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <zlib.h>
#include <zstd.h>

#include "initkit.h"

#define SBAT_HEADER "sbat,1,SBAT Version,sbat,1," \
	"https://github.com/rhboot/shim/blob/main/SBAT.md\n"
/* ukify's line for an addon given no SBAT. */
#define ADDON_SBAT "uki-addon,1,UKI Addon,addon,1," \
	"https://www.freedesktop.org/software/systemd/man/latest/" \
	"systemd-stub.html\n"

struct sect {
	const char *name;
	char *own;		/* name, when allocated */
	uint8_t *data;
	size_t len;
};

/* -h: on stdout, exit 0; a usage error: on stderr, exit 2. */
static NORETURN void
usage(int status)
{
	fprintf(status ? stderr : stdout, "usage: mkuki [-fP] -s stub -l vmlinuz [-i initrd] "
	    "[-U ucode | -M ucode]\n"
	    "             [-C text | @file] "
	    "[-r os-release] [-u uname] [-S sbat] [-A name=file]\n"
	    "             [-K pcrkey [-B bank,...]] [-T phase[:...]] "
	    "[-k key -c cert] [-p passfile]\n"
	    "             -o out.efi\n"
	    "       mkuki -a [-f] -s addon-stub [-C text | @file] [-i initrd] "
	    "[-U ucode] [-u uname]\n"
	    "             [-S sbat] [-A name=file] [-k key -c cert] "
	    "[-p passfile] -o name.addon.efi\n"
	    "       mkuki -I [-j] file.efi\n");
	exit(status);
}

static uint8_t *
readall(const char *path, size_t *len)
{
	return (uint8_t *)xreadfile(path, len);
}

/*
 * A first buffer size for a kernel compressed into inlen bytes: four
 * times that (an Image compresses to a third or so), at least 64 KiB, at
 * most one byte past PE_IMAGE_MAX (see unz_room).
 */
static size_t
unz_start(size_t inlen)
{
	if (inlen < 16384)
		return 65536;
	return inlen > PE_IMAGE_MAX / 4 ? (size_t)PE_IMAGE_MAX + 1 : inlen * 4;
}

/*
 * Room for more decompressed output when buf (*cap bytes) is full: twice
 * the size, up to one byte past PE_IMAGE_MAX, so that filling that much
 * shows the kernel decompresses to more than we take.
 */
static uint8_t *
unz_room(const char *name, uint8_t *buf, size_t len, size_t *cap)
{
	if (len > PE_IMAGE_MAX)
		errx(1, "%s: decompresses to more than %u MiB", name,
		    PE_IMAGE_MAX >> 20);
	if (len < *cap)
		return buf;
	*cap = *cap > PE_IMAGE_MAX / 2 ? (size_t)PE_IMAGE_MAX + 1 : *cap * 2;
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
gunzip(const char *name, uint8_t *in, size_t inlen, size_t *outlen)
{
	size_t len = 0, cap = unz_start(inlen);
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
		out = unz_room(name, out, len, &cap);
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
	magic = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
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
unzstd(const char *name, uint8_t *in, size_t inlen, size_t *outlen)
{
	unsigned long long declared = ZSTD_getFrameContentSize(in, inlen);
	size_t len = 0, cap = unz_start(inlen), r = 0;
	ZSTD_inBuffer ib = { in, inlen, 0 };
	ZSTD_DCtx *z;
	uint8_t *out;

	/* A skippable frame first says 0: no size to go by. */
	if (declared != ZSTD_CONTENTSIZE_UNKNOWN &&
	    declared != ZSTD_CONTENTSIZE_ERROR && declared > 0) {
		if (declared > PE_IMAGE_MAX)
			errx(1, "%s: decompresses to more than %u MiB", name,
			    PE_IMAGE_MAX >> 20);
		cap = declared + 1;
	}
	out = xmalloc(cap);
	if ((z = ZSTD_createDCtx()) == NULL)
		errx(1, "%s: zstd: cannot initialise", name);
	for (;;) {
		ZSTD_outBuffer ob;

		out = unz_room(name, out, len, &cap);
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
 * The kernel as -l gives it: a PE image as it is (an EFI zboot image,
 * "zimg" at offset 4, is one, its payload decompressed by its own EFI
 * stub), or the gzip or zstd stream of one, as some distributions ship
 * arm64's Image as vmlinuz; that is decompressed here.
 */
static uint8_t *
kernel_read(const char *path, size_t *len)
{
	uint8_t *(*decode)(const char *, uint8_t *, size_t, size_t *);
	uint8_t *in = readall(path, len), *out;
	size_t inlen = *len;

	/* ID1 ID2 (RFC 1952, 2.3.1). */
	if (inlen >= 2 && in[0] == 0x1f && in[1] == 0x8b)
		decode = gunzip;
	else if (zstd_frame(in, inlen))
		decode = unzstd;
	else
		return in;
	/* zlib counts its input in 32 bits; no kernel comes near this. */
	if (inlen > PE_IMAGE_MAX)
		errx(1, "%s: compressed kernel over %u MiB", path,
		    PE_IMAGE_MAX >> 20);
	out = decode(path, in, inlen, len);
	free(in);
	if (*len > PE_IMAGE_MAX)
		errx(1, "%s: decompresses to more than %u MiB", path,
		    PE_IMAGE_MAX >> 20);
	return out;
}

/* "text" or "@file"; a file's one trailing newline is not part of it. */
static char *
text_arg(const char *arg, size_t *len)
{
	char *s;

	if (arg[0] != '@') {
		*len = strlen(arg);
		return xstrdup(arg);
	}
	s = xreadfile(arg + 1, len);
	if (*len > 0 && s[*len - 1] == '\n')
		s[--*len] = '\0';
	return s;
}

/*
 * The kernel's release, as uname -r prints it: from the x86 boot
 * protocol's kernel_version (setup header "HdrS", a pointer at 0x20e
 * relative to 0x200; Documentation/arch/x86/boot.rst), else from the
 * "Linux version " banner of an uncompressed image.
 */
static char *
kernel_release(const uint8_t *k, size_t len)
{
	static const char banner[] = "Linux version ";
	const uint8_t *p = NULL, *e;
	size_t off;

	if (len > 0x210 && memcmp(k + 0x202, "HdrS", 4) == 0) {
		off = 0x200 + (size_t)(k[0x20e] | k[0x20f] << 8);
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

/* Append the lines of an SBAT text after its "sbat," header line. */
static void
sbat_lines(char **out, const char *what, const char *text, size_t len)
{
	const char *p = text, *end = text + len, *nl;
	char *s;

	for (size_t i = 0; i < len; i++)
		if (text[i] == '\0') {
			len = i;
			end = text + len;
			break;
		}
	for (; p < end; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		if (nl == p || (p == text && strncmp(p, "sbat,", 5) == 0))
			continue;
		for (const char *c = p; c < nl; c++)
			if ((unsigned char)*c < ' ' || (unsigned char)*c >= 0x7f)
				errx(1, "%s: SBAT line with a control or "
				    "non-ASCII byte", what);
		s = xasprintf("%s%.*s\n", *out, (int)(nl - p), p);
		free(*out);
		*out = s;
		if (nl == end)
			break;
	}
}

/*
 * The stub's SBAT when it has no .sbat section: systemd 252's
 * linuxaa64.efi.stub (objcopy -O binary behind gnu-efi's hand-written
 * PE header, which lists .text and .data only) carries its ELF .sbat
 * after the listed sections, where pe_strip_tail drops it. Found there
 * by its first record ("sbat,1,", shim's SBAT.md), up to its NUL; NULL
 * if there is none.
 */
static char *
stub_tail_sbat(const struct pe *stub)
{
	static const char rec[] = "sbat,1,";
	uint64_t end = pe_data_end(stub);
	const uint8_t *p, *nul;

	if (end >= stub->len || (p = memmem(stub->buf + end, stub->len - end,
	    rec, sizeof(rec) - 1)) == NULL)
		return NULL;
	nul = memchr(p, '\0', (size_t)(stub->buf + stub->len - p));
	return xasprintf("%.*s", (int)((nul != NULL ? nul : stub->buf +
	    stub->len) - p), (const char *)p);
}

/*
 * The stub's systemd release from its .sdmagic section ("#### LoaderInfo:
 * systemd-stub 257.13-1 ####", an addon stub's "systemd-addon 257..."),
 * 0 if unknown; *addon says which of the two it is.
 */
static int
stub_version(const struct pe *stub, int *addon)
{
	static const char stubtag[] = "systemd-stub ", addontag[] =
	    "systemd-addon ";
	int i = pe_find(stub, ".sdmagic"), v = 0;
	uint8_t *d;
	char *p;
	size_t len;

	*addon = 0;
	if (i < 0)
		return 0;
	d = pe_section_data(stub, i, &len);
	d[len ? len - 1 : 0] = '\0';
	if ((p = strstr((char *)d, stubtag)) != NULL)
		v = atoi(p + sizeof(stubtag) - 1);
	else if ((p = strstr((char *)d, addontag)) != NULL) {
		v = atoi(p + sizeof(addontag) - 1);
		*addon = 1;
	}
	free(d);
	return v;
}

/*
 * The sections systemd-stub measures into PCR 11, in the order it does
 * (its UnifiedSection enumeration, src/fundamental/uki.h), with the
 * release that first measures each: .uname and .sbat from 254, .ucode
 * from 256, .profile, .dtbauto and .hwids from 257. .pcrsig, the
 * signature of these values, is never measured.
 */
static const struct {
	const char *name;
	int since;
} measured[] = {
	{ ".linux", 0 }, { ".osrel", 0 }, { ".cmdline", 0 }, { ".initrd", 0 },
	{ ".ucode", 256 }, { ".splash", 0 }, { ".dtb", 0 }, { ".uname", 254 },
	{ ".sbat", 254 }, { ".pcrpkey", 0 }, { ".profile", 257 },
	{ ".dtbauto", 257 }, { ".hwids", 257 },
};

/* The phase paths systemd-measure signs and lists by default (252 and
 * 257 alike: up to "ready"). */
static const char *const default_phases[] = { "enter-initrd",
	"enter-initrd:leave-initrd", "enter-initrd:leave-initrd:sysinit",
	"enter-initrd:leave-initrd:sysinit:ready" };

/*
 * PCR 11 of bank md, into pcr, as systemd-stub extends it: for each
 * section it knows, the name with its NUL, then the section as loaded
 * (VirtualSize bytes). late: a section not in pe yet (.linux, while the
 * .pcrsig that goes before it is made), or NULL. With print, each
 * section's SHA-256 on standard output.
 */
static void
measure_sections(const struct pe *pe, const struct sect *late, int version,
    const EVP_MD *md, uint8_t *pcr, int print)
{
	char hex[65];

	memset(pcr, 0, (size_t)EVP_MD_get_size(md));
	for (size_t n = 0; n < sizeof(measured) / sizeof(measured[0]); n++) {
		const char *name = measured[n].name;
		uint8_t *d, *own = NULL;
		size_t len;
		int i;

		if (version < measured[n].since)
			continue;
		if (late != NULL && strcmp(late->name, name) == 0)
			d = late->data, len = late->len;
		else if ((i = pe_find(pe, name)) >= 0)
			d = own = pe_section_data(pe, i, &len);
		else
			continue;
		if (len > 0) {
			pcr_extend(md, pcr, name, strlen(name) + 1);
			pcr_extend(md, pcr, d, len);
			if (print) {
				sha256_hex(d, len, hex);
				printf("section\t%s\t%s\n", name, hex);
			}
		}
		free(own);
	}
}

/* Then each phase of path ("enter-initrd:leave-initrd"), as
 * systemd-pcrphase extends the words, without a NUL. */
static void
measure_phases(const EVP_MD *md, uint8_t *pcr, const char *path)
{
	for (const char *p = path;;) {
		const char *e = strchrnul(p, ':');

		pcr_extend(md, pcr, p, (size_t)(e - p));
		if (*e == '\0')
			break;
		p = e + 1;
	}
}

/* -T: words of printable ASCII joined by ':'. */
static void
phase_check(const char *path)
{
	const char *p = path;

	for (;; p++) {
		if (*p == ':' || *p == '\0') {
			if (p == path || p[-1] == ':')
				errx_usage("-T %s: an empty phase", path);
			if (*p == '\0')
				return;
		} else if (*p <= ' ' || *p >= 0x7f)
			errx_usage("-T %s: a phase is printable ASCII", path);
	}
}

/* -P: the sections, PCR 11 after the stub, and at each phase path. */
static void
print_pcr(const struct pe *pe, int version, const char *const *phases,
    size_t nphase)
{
	uint8_t base[32], pcr[32];
	char hex[65];

	measure_sections(pe, NULL, version, EVP_sha256(), base, 1);
	hex_format(hex, base, 32);
	printf("pcr11\t%s\n", hex);
	for (size_t n = 0; n < nphase; n++) {
		memcpy(pcr, base, sizeof(pcr));
		measure_phases(EVP_sha256(), pcr, phases[n]);
		hex_format(hex, pcr, 32);
		printf("pcr11\t%s\t%s\n", hex, phases[n]);
	}
}

/*
 * .pcrsig: for each bank, PCR 11 at each phase path, its TPM2_PolicyPCR
 * digest signed with key, as systemd-measure sign writes it.
 */
static char *
pcrsig_make(const struct pe *pe, const struct sect *late, int version,
    EVP_PKEY *key, const char *keyname, unsigned banks,
    const char *const *phases, size_t nphase, size_t *len)
{
	uint8_t base[EVP_MAX_MD_SIZE], pcr[EVP_MAX_MD_SIZE];
	const struct pcr_bank *b = NULL;
	struct pcrsig s;

	pcrsig_begin(&s, key, keyname);
	while ((b = pcr_banks_next(banks, b)) != NULL) {
		const EVP_MD *md = pcr_bank_md(b);
		size_t size = (size_t)EVP_MD_get_size(md);

		measure_sections(pe, late, version, md, base, 0);
		for (size_t n = 0; n < nphase; n++) {
			memcpy(pcr, base, size);
			measure_phases(md, pcr, phases[n]);
			pcrsig_add(&s, b, 11, pcr, size);
		}
	}
	return pcrsig_end(&s, len);
}

/* A section name for people: printable ASCII, '?' for anything else. */
static void
clean_name(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < ' ' || (unsigned char)*s >= 0x7f)
			*s = '?';
}

/* -I: sections, the Authenticode digest, the signatures; with -j the
 * machine too. */
static int
inspect(const char *path, int json)
{
	struct json j = { .fp = stdout, .what = path };
	uint8_t *buf, md[32];
	uint32_t off, size;
	struct pe pe;
	size_t len;
	char hex[65], mb[PE_MACHINE_BUFSIZE], *dig;
	int bad = 0;

	buf = readall(path, &len);
	pe_parse(&pe, path, buf, len);
	/* A signature verifies only if it covers the whole file. */
	pe_cert_table(&pe, &off, &size);
	if (size != 0)
		pe_check_covered(&pe);
	pe_digest(&pe, md);
	dig = hex_encode(md, 32);
	if (json) {
		json_open(&j, '{');
		json_key(&j, "machine");
		json_string(&j, pe_machine_name(pe.machine, mb));
		json_key(&j, "sections");
		json_open(&j, '[');
	}
	for (int i = 0; i < pe.nsect; i++) {
		struct pe_section s;
		uint8_t *d = pe_section_data(&pe, i, &len);

		pe_section(&pe, i, &s);
		clean_name(s.name);
		sha256_hex(d, len, hex);
		free(d);
		if (!json) {
			printf("section\t%s\t0x%08" PRIx32 "\t%" PRIu32 "\t%s\n",
			    s.name, s.va, s.vsize, hex);
			continue;
		}
		json_open(&j, '{');
		json_key(&j, "name");
		json_string(&j, s.name);
		json_key(&j, "address");
		json_uint(&j, s.va);
		json_key(&j, "size");
		json_uint(&j, s.vsize);
		json_key(&j, "sha256");
		json_string(&j, hex);
		json_close(&j, '}');
	}
	if (json) {
		json_close(&j, ']');
		json_key(&j, "authenticode");
		json_string(&j, dig);
		json_key(&j, "signatures");
		json_open(&j, '[');
	} else
		printf("authenticode\tsha256\t%s\n", dig);

	/* WIN_CERTIFICATE entries: dwLength, revision, type, then data,
	 * each starting 8-byte aligned (PE format 5.7). */
	for (uint64_t at = off, end = (uint64_t)off + size; size && at + 8 <=
	    end; ) {
		uint32_t n = (uint32_t)pe.buf[at] | pe.buf[at + 1] << 8 |
		    pe.buf[at + 2] << 16 | (uint32_t)pe.buf[at + 3] << 24;
		unsigned type = pe.buf[at + 6] | pe.buf[at + 7] << 8;
		const char *why = "not a PKCS#7 signature";
		char *subject = NULL;
		int ok = -1;

		if (n < 8 || at + n > end) {
			why = "bad certificate table entry";
			n = (uint32_t)(end - at);
		} else if (type == 0x0002)
			ok = sign_authenticode_check(pe.buf + at + 8, n - 8,
			    md, &subject, &why);
		if (ok != 0)
			bad = 1;
		if (subject == NULL)
			subject = xstrdup("-");
		if (json) {
			json_open(&j, '{');
			json_key(&j, "signer");
			json_string(&j, subject);
			json_key(&j, "verified");
			json_bool(&j, ok == 0);
			if (ok != 0) {
				json_key(&j, "problem");
				json_string(&j, why);
			}
			json_close(&j, '}');
		} else
			printf("signature\t%s\t%s\n", ok == 0 ? "verified" :
			    why, subject);
		free(subject);
		at += (n + 7) / 8 * 8;
	}
	if (json) {
		json_close(&j, ']');
		json_close(&j, '}');
		putchar('\n');
	}
	free(dig);
	free(pe.buf);
	if (fflush(stdout) != 0 || ferror(stdout))
		err(1, "stdout");
	return bad;
}

/* Append a section to be added. */
static void
sect_add(struct sect *sects, size_t *n, const char *name, uint8_t *data,
    size_t len)
{
	sects[*n].name = name;
	sects[*n].data = data;
	sects[*n].len = len;
	(*n)++;
}

/*
 * .cmdline: the text, without a NUL. The stub reads VirtualSize bytes,
 * up to a NUL if there is one (xstrn8_to_16 in systemd-stub 252 and 257),
 * and measures all VirtualSize bytes, as systemd-measure hashes the file
 * it is given: a NUL stored would be measured, and ukify stores none.
 */
static uint8_t *
cmdline_read(const char *arg, size_t *len)
{
	char *c = text_arg(arg, len);

	if (strlen(c) != *len)
		errx(1, "%s: command line contains a NUL byte",
		    arg[0] == '@' ? arg + 1 : "-C");
	return (uint8_t *)c;
}

/*
 * .initrd: one initrd as it is; several concatenated, each padded with
 * zeros to a multiple of 4 bytes, where the kernel looks for the next
 * archive's header (Documentation/driver-api/early-userspace/
 * buffer-format.rst), the last one too, as ukify joins them.
 */
static uint8_t *
initrd_join(const char *const *paths, size_t n, size_t *len)
{
	uint8_t *out;

	if (n == 1)
		return readall(paths[0], len);
	out = xmalloc(1);
	*len = 0;
	for (size_t i = 0; i < n; i++) {
		size_t dlen, pad;
		uint8_t *d = readall(paths[i], &dlen);

		pad = (4 - dlen % 4) % 4;
		out = xreallocarray(out, *len + dlen + pad, 1);
		memcpy(out + *len, d, dlen);
		memset(out + *len + dlen, 0, pad);
		*len += dlen + pad;
		free(d);
	}
	return out;
}

/* -A name=file: a section no other option adds. */
static void
extra_add(struct sect *sects, size_t *n, const char *arg, int pcrkey)
{
	static const char *const own[] = { ".linux", ".initrd", ".ucode",
	    ".sbat", ".osrel", ".cmdline", ".uname" };
	const char *eq = strchr(arg, '=');
	char *name;

	if (eq == NULL || eq == arg || eq[1] == '\0')
		errx_usage("-A %s: not name=file", arg);
	name = xasprintf("%.*s", (int)(eq - arg), arg);
	if (strlen(name) > 8)
		errx(1, "%s: section name longer than 8 bytes", name);
	for (size_t i = 0; i < sizeof(own) / sizeof(own[0]); i++)
		if (strcmp(name, own[i]) == 0)
			errx_usage("-A %s: use the option for that section",
			    name);
	if (pcrkey && (strcmp(name, ".pcrsig") == 0 ||
	    strcmp(name, ".pcrpkey") == 0))
		errx_usage("-A %s: -K makes it", name);
	sects[*n].own = name;
	sect_add(sects, n, name, NULL, 0);
	sects[*n - 1].data = readall(eq + 1, &sects[*n - 1].len);
}

/*
 * The merged SBAT text (NUL-terminated, the NUL counted in the section),
 * or NULL when the stub's own .sbat stays as it is: the stub's, the
 * kernel's and ours (-S) under one header; always when the stub's is
 * outside its sections, so that it is in one. An addon, which has none
 * of its own, always gets one: -S's lines, or ukify's for addons.
 */
static char *
sbat_merge(const struct pe *stub, const char *stubpath,
    const struct pe *kernel, const char *kpath, const char *sbatarg,
    int addon)
{
	int si = pe_find(stub, ".sbat"), i;
	char *tail = si < 0 ? stub_tail_sbat(stub) : NULL, *sbat;
	uint8_t *d;
	size_t len;

	if (!addon && sbatarg == NULL && (kernel == NULL ||
	    pe_find(kernel, ".sbat") < 0) && tail == NULL)
		return NULL;
	if (!addon && si < 0 && tail == NULL)
		errx(1, "%s: stub has no .sbat section to merge into",
		    stubpath);
	sbat = xstrdup(SBAT_HEADER);
	if (si >= 0) {
		d = pe_section_data(stub, si, &len);
		sbat_lines(&sbat, stubpath, (char *)d, len);
		free(d);
	} else if (tail != NULL)
		sbat_lines(&sbat, stubpath, tail, strlen(tail));
	free(tail);
	if (kernel != NULL && (i = pe_find(kernel, ".sbat")) >= 0) {
		d = pe_section_data(kernel, i, &len);
		sbat_lines(&sbat, kpath, (char *)d, len);
		free(d);
	}
	if (sbatarg != NULL) {
		char *t = text_arg(sbatarg, &len);

		sbat_lines(&sbat, sbatarg[0] == '@' ? sbatarg + 1 : "-S", t,
		    len);
		free(t);
	} else if (addon)
		sbat_lines(&sbat, "-S", ADDON_SBAT, strlen(ADDON_SBAT));
	return sbat;
}

/*
 * SBAT in place over the stub's .sbat when it fits (as ukify does);
 * else the stub's section, if any, is dropped and the merged one added
 * with ours.
 */
static void
sbat_place(struct pe *stub, char *sbat, struct sect *sects, size_t *n)
{
	int si = pe_find(stub, ".sbat");

	if (si >= 0 && strlen(sbat) + 1 <= pe_section_room(stub, si)) {
		pe_replace_section(stub, si, sbat, strlen(sbat) + 1);
		free(sbat);
		return;
	}
	if (si >= 0)
		pe_remove_section(stub, si);
	sect_add(sects, n, ".sbat", (uint8_t *)sbat, strlen(sbat) + 1);
}

/*
 * The stub: a PE, unsigned, no UKI already, and of the kind asked for:
 * systemd-stub for a UKI, systemd-addon (254 and later) for an addon.
 * Returns its release (0 if unknown).
 */
static int
stub_load(struct pe *stub, const char *path, int addon)
{
	uint32_t off, size;
	uint8_t *buf;
	size_t len;
	int version, isaddon;

	buf = readall(path, &len);
	pe_parse(stub, path, buf, len);
	pe_cert_table(stub, &off, &size);
	if (size != 0)
		errx(1, "%s: stub is already signed", path);
	if (pe_find(stub, ".linux") >= 0)
		errx(1, "%s: stub already has a .linux section (a UKI?)",
		    path);
	version = stub_version(stub, &isaddon);
	if (addon && !isaddon)
		errx(1, "%s: not an addon stub (addonx64.efi.stub, systemd "
		    "254 and later)", path);
	if (!addon && isaddon)
		errx(1, "%s: an addon stub: it builds addons (-a)", path);
	return version;
}

/*
 * The kernel, for the stub's machine; or for an x86 (ia32) stub an
 * x86-64 one, which it starts in EFI mixed mode through its 32-bit
 * handover entry (Documentation/arch/x86/boot.rst, "EFI Handover
 * Protocol").
 */
static void
kernel_load(struct pe *kernel, const char *path, const struct pe *stub)
{
	uint8_t *buf;
	size_t len;

	buf = kernel_read(path, &len);
	pe_parse(kernel, path, buf, len);
	if (kernel->machine != stub->machine && !(stub->machine ==
	    PE_MACHINE_I386 && kernel->machine == PE_MACHINE_AMD64)) {
		char kb[PE_MACHINE_BUFSIZE], sb[PE_MACHINE_BUFSIZE];

		errx(1, "%s: kernel is for %s, stub %s is for %s", path,
		    pe_machine_name(kernel->machine, kb), stub->name,
		    pe_machine_name(stub->machine, sb));
	}
}

/* .uname: -u, else the kernel's release; none for an addon without -u. */
static char *
uname_get(const char *uname, const struct pe *kernel, const char *kpath)
{
	char *rel;

	if (uname != NULL)
		rel = xstrdup(uname);
	else if (kernel == NULL)
		return NULL;
	else if ((rel = kernel_release(kernel->buf, kernel->len)) == NULL)
		errx(1, "%s: no kernel version found (give -u)", kpath);
	if (*rel == '\0' || strpbrk(rel, " \t\n/") != NULL)
		errx(1, "%s: not a kernel release", rel);
	return rel;
}

/*
 * .ucode, an early microcode cpio the stub hands the kernel before the
 * .initrd, is systemd 256's; as are .initrd and .ucode in an addon
 * 257's (the first release that takes them: the addon must have a
 * .cmdline, .dtb, .dtbauto, .initrd or .ucode).
 */
static void
stub_takes(const char *stubpath, int version, int addon, int ucode,
    int initrd)
{
	if (!addon && ucode && version < 256)
		errx(1, "%s: systemd-stub %d does not know .ucode (256 and "
		    "later do)", stubpath, version);
	if (addon && (ucode || initrd) && version < 257)
		errx(1, "%s: systemd-addon %d takes no .%s (257 and later "
		    "do)", stubpath, version, ucode ? "ucode" : "initrd");
}

/*
 * -M: the early microcode archive where the stub hands it to the kernel
 * first: 256's .ucode section, or, for an older stub, the first archive
 * of .initrd (the kernel looks for it uncompressed at the start).
 */
static void
early_place(const char *early, int version, const char **ucode,
    const char ***initrds, size_t *ninitrd)
{
	if (version >= 256) {
		*ucode = early;
		return;
	}
	*initrds = xreallocarray(*initrds, *ninitrd + 1, sizeof(**initrds));
	memmove(*initrds + 1, *initrds, *ninitrd * sizeof(**initrds));
	(*initrds)[0] = early;
	(*ninitrd)++;
}

/* The command line. */
struct args {
	const char *stub, *kernel, *cmdline, *osrel, *uname, *sbat;
	const char *key, *cert, *pass, *out, *ucode, *early, *pcrkey, *banks;
	const char **initrds, **extras, **phases;
	size_t ninitrd, nextra, nphase;
	int flags, pcr, inspect, json, addon;
};

/* What is being built: the stub, growing into the image. */
struct uki {
	struct pe stub, kernel;
	int version;			/* the stub's systemd release */
	struct sect *sects;		/* ours, before .pcrsig and .linux */
	size_t nsect;
	EVP_PKEY *key, *pcrkey;
	X509 *cert;
	unsigned banks;
};

/* The combinations that make no image; -T's default. */
static void
args_check(struct args *a, int argc)
{
	if (a->addon && (a->kernel != NULL || a->osrel != NULL || a->pcr ||
	    a->early || a->pcrkey != NULL))
		errx_usage("-a builds an addon: no -%c", a->kernel != NULL ?
		    'l' : a->osrel != NULL ? 'r' : a->pcr ? 'P' : a->early ?
		    'M' : 'K');
	if (a->pcrkey == NULL && a->banks != NULL)
		errx_usage("-B: the banks of -K's signatures: give -K");
	if (a->nphase > 0 && a->pcrkey == NULL && !a->pcr)
		errx_usage("-T: the phases of -K's signatures or -P: give "
		    "one of them");
	if (a->nphase == 0) {
		a->phases = xreallocarray(NULL, 4, sizeof(*a->phases));
		for (; a->nphase < 4; a->nphase++)
			a->phases[a->nphase] = default_phases[a->nphase];
	}
	if (a->ucode != NULL && a->early != NULL)
		errx_usage("-U and -M: give one of them");
	if (a->stub == NULL || (a->kernel == NULL && !a->addon) ||
	    (a->out == NULL && !a->pcr)) {
		warnx("%s is required", a->stub == NULL ? "-s stub" :
		    a->kernel == NULL && !a->addon ? "-l vmlinuz" :
		    a->addon ? "-o name.addon.efi" : "-o out.efi (or -P)");
		usage(2);
	}
	if (a->addon && a->cmdline == NULL && a->ninitrd == 0 &&
	    a->ucode == NULL && a->nextra == 0) {
		warnx("-C, -i, -U or -A is required for an addon");
		usage(2);
	}
	if ((a->key == NULL) != (a->cert == NULL)) {
		warnx("-k and -c go together");
		usage(2);
	}
	if (argc != 0 || a->json)
		usage(2);
	if (a->pcr && a->out != NULL && strcmp(a->out, "-") == 0)
		errx_usage("-P prints to standard output: give -o a file");
}

/* Options, then whatever a usage error is; -I leaves a->inspect set. */
static void
args_parse(struct args *a, int argc, char *argv[])
{
	int ch;

	while ((ch = getopt_long(argc, argv,
	    "hA:B:C:IK:M:PS:T:U:ac:fi:jk:l:o:p:r:s:u:", std_longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'A':
			a->extras = xreallocarray(a->extras, a->nextra + 1,
			    sizeof(*a->extras));
			a->extras[a->nextra++] = optarg;
			break;
		case 'B':
			a->banks = optarg;
			break;
		case 'K':
			a->pcrkey = optarg;
			break;
		case 'T':
			phase_check(optarg);
			a->phases = xreallocarray(a->phases, a->nphase + 1,
			    sizeof(*a->phases));
			a->phases[a->nphase++] = optarg;
			break;
		case 'C':
			a->cmdline = optarg;
			break;
		case 'I':
			a->inspect = 1;
			break;
		case 'M':
			a->early = optarg;
			break;
		case 'P':
			a->pcr = 1;
			break;
		case 'S':
			a->sbat = optarg;
			break;
		case 'U':
			a->ucode = optarg;
			break;
		case 'a':
			a->addon = 1;
			break;
		case 'c':
			a->cert = optarg;
			break;
		case 'f':
			a->flags |= OUT_FORCE;
			break;
		case 'i':
			a->initrds = xreallocarray(a->initrds, a->ninitrd + 1,
			    sizeof(*a->initrds));
			a->initrds[a->ninitrd++] = optarg;
			break;
		case 'j':
			a->json = 1;
			break;
		case 'k':
			a->key = optarg;
			break;
		case 'l':
			a->kernel = optarg;
			break;
		case 'o':
			a->out = optarg;
			break;
		case 'p':
			a->pass = optarg;
			break;
		case 'r':
			a->osrel = optarg;
			break;
		case 's':
			a->stub = optarg;
			break;
		case 'u':
			a->uname = optarg;
			break;
		case 'h':
			usage(0);
		case OPT_VERSION:
			print_version();
		default:
			usage(2);
		}
	}
	argc -= optind;
	argv += optind;
	if (a->inspect) {
		if (argc != 1 || a->stub || a->kernel || a->out || a->pcr ||
		    a->addon)
			usage(2);
		a->out = argv[0];	/* the image to inspect */
		return;
	}
	args_check(a, argc);
}

/*
 * The inputs, read and checked: keys, stub, kernel; the early microcode
 * placed where the stub wants it.
 */
static void
inputs_load(struct uki *u, struct args *a)
{
	u->banks = pcr_banks_parse(a->banks != NULL ? a->banks : "sha256");
	if (a->cert != NULL) {
		u->cert = sign_cert(a->cert);
		u->key = sign_key(a->key, a->pass, u->cert, a->cert);
	}
	if (a->pcrkey != NULL)
		u->pcrkey = sign_private_key(a->pcrkey, a->pass);
	u->version = stub_load(&u->stub, a->stub, a->addon);
	if (a->early != NULL)
		early_place(a->early, u->version, &a->ucode, &a->initrds,
		    &a->ninitrd);
	stub_takes(a->stub, u->version, a->addon, a->ucode != NULL,
	    a->ninitrd > 0);
	if (!a->addon)
		kernel_load(&u->kernel, a->kernel, &u->stub);
}

/* Our sections, in the order they are added; none twice, none the
 * stub's. The merged SBAT may go over the stub's own. */
static void
sections_collect(struct uki *u, const struct args *a)
{
	const struct pe *kernel = a->addon ? NULL : &u->kernel;
	struct sect *v = u->sects = xcalloc(9 + a->nextra, sizeof(*v));
	size_t *n = &u->nsect, len;
	char *sbat, *rel;
	uint8_t *d;

	if (a->osrel != NULL) {
		d = readall(a->osrel, &len);
		sect_add(v, n, ".osrel", d, len);
	}
	if (a->cmdline != NULL) {
		d = cmdline_read(a->cmdline, &len);
		sect_add(v, n, ".cmdline", d, len);
	}
	if ((rel = uname_get(a->uname, kernel, a->kernel)) != NULL)
		sect_add(v, n, ".uname", (uint8_t *)rel, strlen(rel));
	for (size_t i = 0; i < a->nextra; i++)
		extra_add(v, n, a->extras[i], u->pcrkey != NULL);
	if (u->pcrkey != NULL) {
		d = (uint8_t *)pcr_public_pem(u->pcrkey, a->pcrkey, &len);
		sect_add(v, n, ".pcrpkey", d, len);
	}
	if ((sbat = sbat_merge(&u->stub, a->stub, kernel, a->kernel, a->sbat,
	    a->addon)) != NULL)
		sbat_place(&u->stub, sbat, v, n);
	if (a->ucode != NULL) {
		d = readall(a->ucode, &len);
		sect_add(v, n, ".ucode", d, len);
	}
	if (a->ninitrd > 0) {
		d = initrd_join(a->initrds, a->ninitrd, &len);
		sect_add(v, n, ".initrd", d, len);
	}
	for (size_t i = 0; i < *n; i++) {
		for (size_t m = 0; m < i; m++)
			if (strcmp(v[m].name, v[i].name) == 0)
				errx(1, "%s: section given twice", v[i].name);
		if (pe_find(&u->stub, v[i].name) >= 0)
			errx(1, "%s: stub already has a %s section", a->stub,
			    v[i].name);
	}
}

/*
 * The image: the stub without what follows its sections, ours, then
 * .pcrsig (which signs what the stub will measure, the kernel too), and
 * the kernel last, as code (older kernels run in place through the EFI
 * handover protocol); signed for Secure Boot when there is a key.
 */
static void
image_assemble(struct uki *u, const struct args *a)
{
	size_t len;

	pe_strip_tail(&u->stub);
	for (size_t i = 0; i < u->nsect; i++)
		pe_add_section(&u->stub, u->sects[i].name, u->sects[i].data,
		    u->sects[i].len, PE_SCN_MEM_READ | PE_SCN_CNT_IDATA);
	if (u->pcrkey != NULL) {
		struct sect linux = { ".linux", NULL, u->kernel.buf,
		    u->kernel.len };
		char *sig = pcrsig_make(&u->stub, &linux, u->version,
		    u->pcrkey, a->pcrkey, u->banks, a->phases, a->nphase, &len);

		pe_add_section(&u->stub, ".pcrsig", sig, len,
		    PE_SCN_MEM_READ | PE_SCN_CNT_IDATA);
		free(sig);
	}
	if (!a->addon)
		pe_add_section(&u->stub, ".linux", u->kernel.buf, u->kernel.len,
		    PE_SCN_MEM_READ | PE_SCN_CNT_CODE);
	pe_finish(&u->stub);
	if (u->key != NULL) {
		uint8_t md[32], *der;

		pe_check_covered(&u->stub);
		pe_digest(&u->stub, md);
		der = sign_authenticode(u->key, u->cert, md, &len);
		pe_append_signature(&u->stub, der, len);
		free(der);
	}
}

int
main(int argc, char *argv[])
{
	struct args a = { 0 };
	struct uki u = { 0 };
	struct out o;

	args_parse(&a, argc, argv);
	if (a.inspect)
		return inspect(a.out, a.json);
	/* Everything read and checked before the output is opened. */
	inputs_load(&u, &a);
	sections_collect(&u, &a);
	image_assemble(&u, &a);
	if (a.pcr)
		print_pcr(&u.stub, u.version, a.phases, a.nphase);
	if (a.out != NULL) {
		out_open(&o, a.out, a.flags);
		out_write(&o, u.stub.buf, u.stub.len);
		out_commit(&o);
	}

	for (size_t i = 0; i < u.nsect; i++) {
		free(u.sects[i].data);
		free(u.sects[i].own);
	}
	free(u.sects);
	free(u.stub.buf);
	if (!a.addon)
		free(u.kernel.buf);
	free(a.initrds);
	free(a.extras);
	free(a.phases);
	EVP_PKEY_free(u.key);
	EVP_PKEY_free(u.pcrkey);
	X509_free(u.cert);
	if (fclose(stdout) != 0)
		err(1, "stdout");
	return 0;
}
