/*
 * mkuki: build a Unified Kernel Image, systemd-stub with the kernel, its
 * initrds, command line and os-release added as PE sections, optionally
 * signed with Authenticode for Secure Boot; predict the TPM PCR 11 value
 * the stub will measure; or inspect a UKI. Last step of the initrd
 * pipeline: it takes mkcpio's archives and the kernel pkgroot installed.
 *
 * Implements: the UAPI Unified Kernel Image specification (sections,
 * PCR 11 measurement order); ukify's section placement (mkuki(1));
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
	    "[-C text | @file] [-r os-release]\n"
	    "             [-u uname] [-S sbat] [-A name=file] [-k key -c cert] "
	    "[-p passfile]\n"
	    "             -o out.efi\n"
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

/* systemd-stub's version from its .sdmagic section, 0 if unknown. */
static int
stub_version(const struct pe *stub)
{
	static const char tag[] = "systemd-stub ";
	int i = pe_find(stub, ".sdmagic"), v = 0;
	uint8_t *d;
	char *p;
	size_t len;

	if (i < 0)
		return 0;
	d = pe_section_data(stub, i, &len);
	d[len ? len - 1 : 0] = '\0';
	if ((p = strstr((char *)d, tag)) != NULL)
		v = atoi(p + sizeof(tag) - 1);
	free(d);
	return v;
}

/* A 32-byte value as lowercase hex. */
static void
hex_encode_to(const uint8_t v[32], char hex[65])
{
	char *h = hex_encode(v, 32);

	memcpy(hex, h, 65);
	free(h);
}

static void
extend(uint8_t pcr[32], const void *data, size_t len)
{
	uint8_t buf[64];

	memcpy(buf, pcr, 32);
	if (EVP_Digest(data, len, buf + 32, NULL, EVP_sha256(), NULL) != 1 ||
	    EVP_Digest(buf, 64, pcr, NULL, EVP_sha256(), NULL) != 1)
		errx_ssl("pcr");
}

/*
 * PCR 11 as systemd-stub extends it: for each section it knows, in this
 * order, the name with its NUL, then the section as loaded. Stubs before
 * 254 do not measure .uname and .sbat. Then the phases systemd-pcrphase
 * extends, as systemd-measure calculate lists them.
 */
static void
print_pcr(const struct pe *pe, int version)
{
	static const char *const order[] = { ".linux", ".osrel", ".cmdline",
	    ".initrd", ".splash", ".dtb", ".uname", ".sbat", ".pcrpkey" };
	static const char *const phases[] = { "enter-initrd", "leave-initrd",
	    "sysinit", "ready" };
	uint8_t pcr[32] = { 0 };
	char hex[65], *path = xstrdup("");

	for (size_t n = 0; n < sizeof(order) / sizeof(order[0]); n++) {
		uint8_t *d;
		size_t len;
		int i;

		if (version < 254 && (strcmp(order[n], ".uname") == 0 ||
		    strcmp(order[n], ".sbat") == 0))
			continue;
		if ((i = pe_find(pe, order[n])) < 0)
			continue;
		d = pe_section_data(pe, i, &len);
		if (len == 0) {
			free(d);
			continue;
		}
		extend(pcr, order[n], strlen(order[n]) + 1);
		extend(pcr, d, len);
		sha256_hex(d, len, hex);
		printf("section\t%s\t%s\n", order[n], hex);
		free(d);
	}
	hex_encode_to(pcr, hex);
	printf("pcr11\t%s\n", hex);
	for (size_t n = 0; n < sizeof(phases) / sizeof(phases[0]); n++) {
		char *p = xasprintf("%s%s%s", path, n ? ":" : "", phases[n]);

		free(path);
		path = p;
		extend(pcr, phases[n], strlen(phases[n]));
		hex_encode_to(pcr, hex);
		printf("pcr11\t%s\t%s\n", hex, path);
	}
	free(path);
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

int
main(int argc, char *argv[])
{
	const char *stubpath = NULL, *kpath = NULL, *cmdarg = NULL;
	const char *osrel = NULL, *uname = NULL, *sbatarg = NULL;
	const char *keyarg = NULL, *certarg = NULL, *passfile = NULL;
	const char *outpath = NULL;
	const char **initrds = NULL, **extras = NULL;
	size_t ninitrd = 0, nextra = 0, nsect = 0, len;
	int ch, flags = 0, pcr = 0, insp = 0, json = 0, i, si;
	struct sect *sects;
	struct pe stub, kernel;
	EVP_PKEY *key = NULL;
	X509 *cert = NULL;
	uint8_t *buf;
	char *sbat = NULL, *rel = NULL, *tailsbat;
	struct out o;

	while ((ch = getopt_long(argc, argv,
	    "hA:C:IPS:c:fi:jk:l:o:p:r:s:u:", std_longopts, NULL)) != -1) {
		switch (ch) {
		case 'A':
			extras = xreallocarray(extras, nextra + 1,
			    sizeof(*extras));
			extras[nextra++] = optarg;
			break;
		case 'C':
			cmdarg = optarg;
			break;
		case 'I':
			insp = 1;
			break;
		case 'P':
			pcr = 1;
			break;
		case 'S':
			sbatarg = optarg;
			break;
		case 'c':
			certarg = optarg;
			break;
		case 'f':
			flags |= OUT_FORCE;
			break;
		case 'i':
			initrds = xreallocarray(initrds, ninitrd + 1,
			    sizeof(*initrds));
			initrds[ninitrd++] = optarg;
			break;
		case 'j':
			json = 1;
			break;
		case 'k':
			keyarg = optarg;
			break;
		case 'l':
			kpath = optarg;
			break;
		case 'o':
			outpath = optarg;
			break;
		case 'p':
			passfile = optarg;
			break;
		case 'r':
			osrel = optarg;
			break;
		case 's':
			stubpath = optarg;
			break;
		case 'u':
			uname = optarg;
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
	if (insp) {
		if (argc != 1 || stubpath || kpath || outpath || pcr)
			usage(2);
		return inspect(argv[0], json);
	}
	if (stubpath == NULL || kpath == NULL || (outpath == NULL && !pcr)) {
		warnx("%s is required", stubpath == NULL ? "-s stub" :
		    kpath == NULL ? "-l vmlinuz" : "-o out.efi (or -P)");
		usage(2);
	}
	if ((keyarg == NULL) != (certarg == NULL)) {
		warnx("-k and -c go together");
		usage(2);
	}
	if (argc != 0 || json)
		usage(2);
	if (pcr && outpath != NULL && strcmp(outpath, "-") == 0)
		errx_usage("-P prints to standard output: give -o a file");

	/* Everything read and checked before the output is opened. */
	if (certarg != NULL) {
		cert = sign_cert(certarg);
		key = sign_key(keyarg, passfile, cert, certarg);
	}
	buf = readall(stubpath, &len);
	pe_parse(&stub, stubpath, buf, len);
	{
		uint32_t off, size;

		pe_cert_table(&stub, &off, &size);
		if (size != 0)
			errx(1, "%s: stub is already signed", stubpath);
	}
	if (pe_find(&stub, ".linux") >= 0)
		errx(1, "%s: stub already has a .linux section (a UKI?)",
		    stubpath);
	buf = kernel_read(kpath, &len);
	pe_parse(&kernel, kpath, buf, len);
	/*
	 * The same machine; or an x86 (ia32) stub, which starts an x86-64
	 * kernel in EFI mixed mode through its 32-bit handover entry
	 * (Documentation/arch/x86/boot.rst, "EFI Handover Protocol").
	 */
	if (kernel.machine != stub.machine && !(stub.machine ==
	    PE_MACHINE_I386 && kernel.machine == PE_MACHINE_AMD64)) {
		char kb[PE_MACHINE_BUFSIZE], sb[PE_MACHINE_BUFSIZE];

		errx(1, "%s: kernel is for %s, stub %s is for %s", kpath,
		    pe_machine_name(kernel.machine, kb), stubpath,
		    pe_machine_name(stub.machine, sb));
	}

	sects = xcalloc(8 + nextra, sizeof(*sects));
	if (osrel != NULL) {
		sects[nsect].name = ".osrel";
		sects[nsect].data = readall(osrel, &sects[nsect].len);
		nsect++;
	}
	if (cmdarg != NULL) {
		char *c = text_arg(cmdarg, &len);

		if (strlen(c) != len)
			errx(1, "%s: command line contains a NUL byte",
			    cmdarg[0] == '@' ? cmdarg + 1 : "-C");
		/* NUL-terminated, as the stub hands it on. */
		sects[nsect].name = ".cmdline";
		sects[nsect].data = (uint8_t *)c;
		sects[nsect].len = len + 1;
		nsect++;
	}
	if (uname == NULL &&
	    (rel = kernel_release(kernel.buf, kernel.len)) == NULL)
		errx(1, "%s: no kernel version found (give -u)", kpath);
	if (uname != NULL)
		rel = xstrdup(uname);
	if (*rel == '\0' || strpbrk(rel, " \t\n/") != NULL)
		errx(1, "%s: not a kernel release", rel);
	sects[nsect].name = ".uname";
	sects[nsect].data = (uint8_t *)rel;
	sects[nsect].len = strlen(rel);
	nsect++;
	for (size_t n = 0; n < nextra; n++) {
		const char *eq = strchr(extras[n], '=');
		char *name;

		if (eq == NULL || eq == extras[n] || eq[1] == '\0')
			errx_usage("-A %s: not name=file", extras[n]);
		name = xasprintf("%.*s", (int)(eq - extras[n]), extras[n]);
		if (strlen(name) > 8)
			errx(1, "%s: section name longer than 8 bytes", name);
		if (strcmp(name, ".linux") == 0 || strcmp(name, ".initrd") ==
		    0 || strcmp(name, ".sbat") == 0 || strcmp(name, ".osrel") ==
		    0 || strcmp(name, ".cmdline") == 0 ||
		    strcmp(name, ".uname") == 0)
			errx_usage("-A %s: use the option for that section",
			    name);
		sects[nsect].name = sects[nsect].own = name;
		sects[nsect].data = readall(eq + 1, &sects[nsect].len);
		nsect++;
	}
	/*
	 * SBAT: the stub's, the kernel's and ours, under one header; always
	 * when the stub's is outside its sections, so that it is in one.
	 */
	si = pe_find(&stub, ".sbat");
	tailsbat = si < 0 ? stub_tail_sbat(&stub) : NULL;
	if (sbatarg != NULL || pe_find(&kernel, ".sbat") >= 0 ||
	    tailsbat != NULL) {
		uint8_t *d;

		if (si < 0 && tailsbat == NULL)
			errx(1, "%s: stub has no .sbat section to merge into",
			    stubpath);
		sbat = xstrdup(SBAT_HEADER);
		if (si >= 0) {
			d = pe_section_data(&stub, si, &len);
			sbat_lines(&sbat, stubpath, (char *)d, len);
			free(d);
		} else
			sbat_lines(&sbat, stubpath, tailsbat, strlen(tailsbat));
		if ((i = pe_find(&kernel, ".sbat")) >= 0) {
			d = pe_section_data(&kernel, i, &len);
			sbat_lines(&sbat, kpath, (char *)d, len);
			free(d);
		}
		if (sbatarg != NULL) {
			char *t = text_arg(sbatarg, &len);

			sbat_lines(&sbat, sbatarg[0] == '@' ? sbatarg + 1 :
			    "-S", t, len);
			free(t);
		}
		/*
		 * In place when it fits (as ukify does); else the stub's
		 * section, if any, is dropped and the merged one added with
		 * ours.
		 */
		if (si >= 0 && strlen(sbat) + 1 <= pe_section_room(&stub, si))
			pe_replace_section(&stub, si, sbat, strlen(sbat) + 1);
		else {
			if (si >= 0)
				pe_remove_section(&stub, si);
			sects[nsect].name = ".sbat";
			sects[nsect].data = (uint8_t *)sbat;
			sects[nsect].len = strlen(sbat) + 1;
			sbat = NULL;
			nsect++;
		}
	}
	free(tailsbat);

	if (ninitrd > 0) {
		struct sect *s = &sects[nsect++];

		s->name = ".initrd";
		s->data = xmalloc(1);
		for (size_t n = 0; n < ninitrd; n++) {
			uint8_t *d = readall(initrds[n], &len);
			size_t pad = (4 - len % 4) % 4;

			/* Each archive padded to 4 bytes (UKI spec). */
			s->data = xreallocarray(s->data, s->len + len + pad, 1);
			memcpy(s->data + s->len, d, len);
			memset(s->data + s->len + len, 0, pad);
			s->len += len + pad;
			free(d);
		}
	}
	for (size_t n = 0; n < nsect; n++) {
		for (size_t m = 0; m < n; m++)
			if (strcmp(sects[m].name, sects[n].name) == 0)
				errx(1, "%s: section given twice",
				    sects[n].name);
		if (pe_find(&stub, sects[n].name) >= 0)
			errx(1, "%s: stub already has a %s section", stubpath,
			    sects[n].name);
	}

	pe_strip_tail(&stub);
	for (size_t n = 0; n < nsect; n++)
		pe_add_section(&stub, sects[n].name, sects[n].data,
		    sects[n].len, PE_SCN_MEM_READ | PE_SCN_CNT_IDATA);
	/* The kernel last, as code: older kernels run in place through the
	 * EFI handover protocol. */
	pe_add_section(&stub, ".linux", kernel.buf, kernel.len,
	    PE_SCN_MEM_READ | PE_SCN_CNT_CODE);
	pe_finish(&stub);
	if (key != NULL) {
		uint8_t md[32], *der;

		pe_check_covered(&stub);
		pe_digest(&stub, md);
		der = sign_authenticode(key, cert, md, &len);
		pe_append_signature(&stub, der, len);
		free(der);
	}
	if (pcr)
		print_pcr(&stub, stub_version(&stub));
	if (outpath != NULL) {
		out_open(&o, outpath, flags);
		out_write(&o, stub.buf, stub.len);
		out_commit(&o);
	}

	for (size_t n = 0; n < nsect; n++) {
		free(sects[n].data);
		free(sects[n].own);
	}
	free(sects);
	free(sbat);
	free(stub.buf);
	free(kernel.buf);
	free(initrds);
	free(extras);
	EVP_PKEY_free(key);
	X509_free(cert);
	if (fclose(stdout) != 0)
		err(1, "stdout");
	return 0;
}
