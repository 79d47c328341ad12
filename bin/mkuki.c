/*
 * mkuki: build a Unified Kernel Image, systemd-stub with the kernel, its
 * initrds, early microcode, command line and os-release added as PE
 * sections, or a PE addon (the addon stub with a command line, initrd or
 * microcode), optionally signed with Authenticode for Secure Boot;
 * predict the TPM PCR 11 value the stub will measure; or inspect a UKI.
 * Last step of the initrd pipeline: it takes mkcpio's archives and the
 * kernel pkgroot installed. The stub is loaded and checked, then the
 * kernel (decompressed if it is compressed); our sections collected, the
 * SBAT merged, the initrds concatenated; the image assembled, with its
 * signed PCR policies and its Authenticode signature, and written.
 *
 * Implements: the UAPI Unified Kernel Image specification (sections,
 * PCR 11 measurement order); ukify's section placement and contents, as
 * systemd 257's ukify makes them (mkuki(1) says where we differ);
 * systemd-stub's measurements as systemd-measure(1) predicts
 * them, with the boot phase strings systemd-pcrphase(8) extends; SBAT
 * (shim's SBAT.md) merged as ukify merges it (bin/lib/sbat.c);
 * Authenticode through bin/lib/pe.c and bin/lib/authenticode.c; a kernel
 * compressed with gzip (RFC 1952) or zstd (RFC 8878) is decompressed
 * first (bin/lib/kernel.c); -I's report is bin/lib/uki.c's.
 */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "initkit.h"

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

/* The command line. */
struct args {
	const char *stub, *kernel, *cmdline, *osrel, *uname, *sbat;
	const char *key, *cert, *pass, *out, *ucode, *early, *pcrkey, *banks;
	const char *image;		/* -I's: the image to inspect */
	const char **initrds, **extras, **phases;
	size_t ninitrd, nextra, nphase;
	enum stub_kind kind;		/* to build: STUB_ADDON with -a */
	int flags, pcr, json;
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
#define NMEASURED (sizeof(measured) / sizeof(measured[0]))

/* The phase paths systemd-measure signs and lists by default (252 and
 * 257 alike: up to "ready"). */
static const char *const default_phases[] = { "enter-initrd",
	"enter-initrd:leave-initrd", "enter-initrd:leave-initrd:sysinit",
	"enter-initrd:leave-initrd:sysinit:ready" };

/*
 * The data of measured[n] as systemd-stub release version measures it:
 * the section as loaded (VirtualSize bytes), late's when late is that
 * section (one not in pe yet: .linux, while the .pcrsig that goes before
 * it is made), else pe's in a new buffer, *own, to free. NULL when that
 * stub does not measure it, or it is missing or empty.
 */
static const uint8_t *
measured_data(const struct pe *pe, const struct sect *late, int version,
    size_t n, size_t *len, uint8_t **own)
{
	const char *name = measured[n].name;
	int i;

	*own = NULL;
	if (version < measured[n].since)
		return NULL;
	if (late != NULL && strcmp(late->name, name) == 0) {
		*len = late->len;
		return *len > 0 ? late->data : NULL;
	}
	if ((i = pe_find(pe, name)) < 0)
		return NULL;
	*own = pe_section_data(pe, i, len);
	return *len > 0 ? *own : NULL;
}

/*
 * PCR 11 of bank md, into pcr, as systemd-stub extends it: for each
 * section it measures, the name with its NUL, then the data.
 */
static void
measure_sections(const struct pe *pe, const struct sect *late, int version,
    const EVP_MD *md, uint8_t *pcr)
{
	memset(pcr, 0, (size_t)EVP_MD_get_size(md));
	for (size_t n = 0; n < NMEASURED; n++) {
		const uint8_t *d;
		uint8_t *own;
		size_t len;

		if ((d = measured_data(pe, late, version, n, &len, &own)) !=
		    NULL) {
			pcr_extend(md, pcr, measured[n].name,
			    strlen(measured[n].name) + 1);
			pcr_extend(md, pcr, d, len);
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

/*
 * -P: the SHA-256 of each section measured, PCR 11 after the stub, and
 * at each phase path.
 */
static void
pcr_print(const struct pe *pe, int version, const char *const *phases,
    size_t nphase)
{
	uint8_t base[32], pcr[32], *own;
	const uint8_t *d;
	char hex[65];
	size_t len;

	for (size_t n = 0; n < NMEASURED; n++) {
		if ((d = measured_data(pe, NULL, version, n, &len, &own)) !=
		    NULL) {
			sha256_hex(d, len, hex);
			printf("section\t%s\t%s\n", measured[n].name, hex);
		}
		free(own);
	}
	measure_sections(pe, NULL, version, EVP_sha256(), base);
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

		measure_sections(pe, late, version, md, base);
		for (size_t n = 0; n < nphase; n++) {
			memcpy(pcr, base, size);
			measure_phases(md, pcr, phases[n]);
			pcrsig_add(&s, b, 11, pcr, size);
		}
	}
	return pcrsig_end(&s, len);
}

/* The combinations that make no image; -T's default. */
static void
args_check(struct args *a, int argc)
{
	int addon = a->kind == STUB_ADDON;

	if (addon && (a->kernel != NULL || a->osrel != NULL || a->pcr ||
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
	if (a->stub == NULL || (a->kernel == NULL && !addon) ||
	    (a->out == NULL && !a->pcr)) {
		warnx("%s is required", a->stub == NULL ? "-s stub" :
		    a->kernel == NULL && !addon ? "-l vmlinuz" :
		    addon ? "-o name.addon.efi" : "-o out.efi (or -P)");
		usage(2);
	}
	if (addon && a->cmdline == NULL && a->ninitrd == 0 &&
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

/* A path option given more than once: each in turn. */
static void
list_add(const char ***v, size_t *n, const char *arg)
{
	*v = xreallocarray(*v, *n + 1, sizeof(**v));
	(*v)[(*n)++] = arg;
}

/* Options, then whatever a usage error is; -I sets a->image alone. */
static void
args_parse(struct args *a, int argc, char *argv[])
{
	int ch, inspecting = 0;

	while ((ch = getopt_long(argc, argv,
	    "hA:B:C:IK:M:PS:T:U:ac:fi:jk:l:o:p:r:s:u:", std_longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'A':
			list_add(&a->extras, &a->nextra, optarg);
			break;
		case 'B':
			a->banks = optarg;
			break;
		case 'K':
			a->pcrkey = optarg;
			break;
		case 'T':
			phase_check(optarg);
			list_add(&a->phases, &a->nphase, optarg);
			break;
		case 'C':
			a->cmdline = optarg;
			break;
		case 'I':
			inspecting = 1;
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
			a->kind = STUB_ADDON;
			break;
		case 'c':
			a->cert = optarg;
			break;
		case 'f':
			a->flags |= OUT_FORCE;
			break;
		case 'i':
			list_add(&a->initrds, &a->ninitrd, optarg);
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
	if (inspecting) {
		if (argc != 1 || a->stub || a->kernel || a->out || a->pcr ||
		    a->kind == STUB_ADDON)
			usage(2);
		a->image = argv[0];
		return;
	}
	args_check(a, argc);
}

/* The Authenticode key and certificate, the PCR key, the PCR banks. */
static void
keys_load(struct uki *u, const struct args *a)
{
	u->banks = pcr_banks_parse(a->banks != NULL ? a->banks : "sha256");
	if (a->cert != NULL) {
		u->cert = sign_cert(a->cert);
		u->key = sign_key(a->key, a->pass, u->cert, a->cert);
	}
	if (a->pcrkey != NULL)
		u->pcrkey = sign_private_key(a->pcrkey, a->pass);
}

/*
 * The stub: a PE, unsigned, no UKI already, and of the kind asked for:
 * systemd-stub for a UKI, systemd-addon (254 and later) for an addon.
 * Its release (0 if unknown) in u->version.
 */
static void
stub_load(struct uki *u, const struct args *a)
{
	enum stub_kind kind;
	uint32_t off, size;
	uint8_t *buf;
	size_t len;

	buf = readall(a->stub, &len);
	pe_parse(&u->stub, a->stub, buf, len);
	pe_cert_table(&u->stub, &off, &size);
	if (size != 0)
		errx(1, "%s: stub is already signed", a->stub);
	if (pe_find(&u->stub, ".linux") >= 0)
		errx(1, "%s: stub already has a .linux section (a UKI?)",
		    a->stub);
	u->version = stub_version(&u->stub, &kind);
	if (a->kind == STUB_ADDON && kind != STUB_ADDON)
		errx(1, "%s: not an addon stub (addonx64.efi.stub, systemd "
		    "254 and later)", a->stub);
	if (a->kind != STUB_ADDON && kind == STUB_ADDON)
		errx(1, "%s: an addon stub: it builds addons (-a)", a->stub);
}

/*
 * -M: the early microcode archive where the stub hands it to the kernel
 * first: 256's .ucode section, or, for an older stub, the first archive
 * of .initrd (the kernel looks for it uncompressed at the start).
 */
static void
early_place(struct args *a, int version)
{
	if (a->early == NULL)
		return;
	if (version >= 256) {
		a->ucode = a->early;
		return;
	}
	a->initrds = xreallocarray(a->initrds, a->ninitrd + 1,
	    sizeof(*a->initrds));
	memmove(a->initrds + 1, a->initrds, a->ninitrd * sizeof(*a->initrds));
	a->initrds[0] = a->early;
	a->ninitrd++;
}

/*
 * .ucode, an early microcode cpio the stub hands the kernel before the
 * .initrd, is systemd 256's; as are .initrd and .ucode in an addon
 * 257's (the first release that takes them: the addon must have a
 * .cmdline, .dtb, .dtbauto, .initrd or .ucode).
 */
static void
stub_takes(const struct uki *u, const struct args *a)
{
	if (a->kind != STUB_ADDON && a->ucode != NULL && u->version < 256)
		errx(1, "%s: systemd-stub %d does not know .ucode (256 and "
		    "later do)", a->stub, u->version);
	if (a->kind == STUB_ADDON && (a->ucode != NULL || a->ninitrd > 0) &&
	    u->version < 257)
		errx(1, "%s: systemd-addon %d takes no .%s (257 and later "
		    "do)", a->stub, u->version, a->ucode != NULL ? "ucode" :
		    "initrd");
}

/*
 * The kernel, for the stub's machine; or for an x86 (ia32) stub an
 * x86-64 one, which it starts in EFI mixed mode through its 32-bit
 * handover entry (Documentation/arch/x86/boot.rst, "EFI Handover
 * Protocol").
 */
static void
kernel_load(struct uki *u, const struct args *a)
{
	const struct pe *stub = &u->stub, *kernel = &u->kernel;
	uint8_t *buf;
	size_t len;

	buf = kernel_read(a->kernel, PE_IMAGE_MAX, &len);
	pe_parse(&u->kernel, a->kernel, buf, len);
	if (kernel->machine != stub->machine && !(stub->machine ==
	    PE_MACHINE_I386 && kernel->machine == PE_MACHINE_AMD64)) {
		char kb[PE_MACHINE_BUFSIZE], sb[PE_MACHINE_BUFSIZE];

		errx(1, "%s: kernel is for %s, stub %s is for %s", a->kernel,
		    pe_machine_name(kernel->machine, kb), stub->name,
		    pe_machine_name(stub->machine, sb));
	}
}

/* Append a section to be added. */
static void
sect_add(struct uki *u, const char *name, uint8_t *data, size_t len)
{
	struct sect *s;

	u->sects = xreallocarray(u->sects, u->nsect + 1, sizeof(*u->sects));
	s = &u->sects[u->nsect++];
	s->name = name;
	s->own = NULL;
	s->data = data;
	s->len = len;
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

/* .uname: -u, else the kernel's release; none for an addon without -u. */
static char *
uname_get(const struct uki *u, const struct args *a)
{
	char *rel;

	if (a->uname != NULL)
		rel = xstrdup(a->uname);
	else if (a->kind == STUB_ADDON)
		return NULL;
	else if ((rel = kernel_release(u->kernel.buf, u->kernel.len)) == NULL)
		errx(1, "%s: no kernel version found (give -u)", a->kernel);
	if (*rel == '\0' || strpbrk(rel, " \t\n/") != NULL)
		errx(1, "%s: not a kernel release", rel);
	return rel;
}

/* -A name=file: a section no other option adds, nor -K's with -K. */
static void
extra_add(struct uki *u, const char *arg)
{
	static const char *const own[] = { ".linux", ".initrd", ".ucode",
	    ".sbat", ".osrel", ".cmdline", ".uname" };
	const char *eq = strchr(arg, '=');
	uint8_t *d;
	size_t len;
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
	if (u->pcrkey != NULL && (strcmp(name, ".pcrsig") == 0 ||
	    strcmp(name, ".pcrpkey") == 0))
		errx_usage("-A %s: -K makes it", name);
	d = readall(eq + 1, &len);
	sect_add(u, name, d, len);
	u->sects[u->nsect - 1].own = name;
}

/* Ours before the SBAT: .osrel, .cmdline, .uname, -A's, .pcrpkey. */
static void
sections_collect(struct uki *u, const struct args *a)
{
	uint8_t *d;
	size_t len;
	char *rel;

	if (a->osrel != NULL) {
		d = readall(a->osrel, &len);
		sect_add(u, ".osrel", d, len);
	}
	if (a->cmdline != NULL) {
		d = cmdline_read(a->cmdline, &len);
		sect_add(u, ".cmdline", d, len);
	}
	if ((rel = uname_get(u, a)) != NULL)
		sect_add(u, ".uname", (uint8_t *)rel, strlen(rel));
	for (size_t i = 0; i < a->nextra; i++)
		extra_add(u, a->extras[i]);
	if (u->pcrkey != NULL) {
		d = (uint8_t *)pcr_public_pem(u->pcrkey, a->pcrkey, &len);
		sect_add(u, ".pcrpkey", d, len);
	}
}

/*
 * SBAT in place over the stub's .sbat when it fits (as ukify does);
 * else the stub's section, if any, is dropped and the merged one added
 * with ours. The NUL is part of the section.
 */
static void
sbat_place(struct uki *u, char *sbat)
{
	int si = pe_find(&u->stub, ".sbat");

	if (si >= 0 && strlen(sbat) + 1 <= pe_section_room(&u->stub, si)) {
		pe_replace_section(&u->stub, si, sbat, strlen(sbat) + 1);
		free(sbat);
		return;
	}
	if (si >= 0)
		pe_remove_section(&u->stub, si);
	sect_add(u, ".sbat", (uint8_t *)sbat, strlen(sbat) + 1);
}

/*
 * .sbat: the stub's records (its section's, or those after its sections),
 * the kernel's and ours (-S) under one header, placed by sbat_place. The
 * stub's own section stays as it is when nothing is to be merged into
 * it; a UKI's stub must have SBAT when something is. An addon, which has
 * none of its own, always gets one: -S's lines, or ukify's for addons.
 */
static void
sbat_merge(struct uki *u, const struct args *a)
{
	size_t len, klen = 0;
	char *stub = sbat_section(&u->stub, &len), *tail = NULL;
	char *kernel = NULL, *sbat, *t;

	if (stub == NULL && (tail = sbat_tail(&u->stub)) != NULL)
		len = strlen(tail);
	if (a->kind != STUB_ADDON) {
		kernel = sbat_section(&u->kernel, &klen);
		if (a->sbat == NULL && kernel == NULL && tail == NULL) {
			free(stub);
			return;
		}
		if (stub == NULL && tail == NULL)
			errx(1, "%s: stub has no .sbat section to merge into",
			    a->stub);
	}
	sbat = sbat_new();
	if (stub != NULL || tail != NULL)
		sbat_add(&sbat, a->stub, stub != NULL ? stub : tail, len);
	if (kernel != NULL)
		sbat_add(&sbat, a->kernel, kernel, klen);
	if (a->sbat != NULL) {
		t = text_arg(a->sbat, &len);
		sbat_add(&sbat, a->sbat[0] == '@' ? a->sbat + 1 : "-S", t, len);
		free(t);
	} else if (a->kind == STUB_ADDON)
		sbat_add(&sbat, "-S", ADDON_SBAT, strlen(ADDON_SBAT));
	free(stub);
	free(tail);
	free(kernel);
	sbat_place(u, sbat);
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

/* Last of ours: .ucode, then the initrds concatenated as .initrd. */
static void
initrds_concat(struct uki *u, const struct args *a)
{
	uint8_t *d;
	size_t len;

	if (a->ucode != NULL) {
		d = readall(a->ucode, &len);
		sect_add(u, ".ucode", d, len);
	}
	if (a->ninitrd > 0) {
		d = initrd_join(a->initrds, a->ninitrd, &len);
		sect_add(u, ".initrd", d, len);
	}
}

/* Ours: none twice, none the stub's. */
static void
sections_check(const struct uki *u, const struct args *a)
{
	const struct sect *v = u->sects;

	for (size_t i = 0; i < u->nsect; i++) {
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
	if (a->kind != STUB_ADDON)
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

static void
image_write(const struct pe *image, const char *path, int flags)
{
	struct out o;

	out_open(&o, path, flags);
	out_write(&o, image->buf, image->len);
	out_commit(&o);
}

static void
uki_free(struct uki *u, struct args *a)
{
	for (size_t i = 0; i < u->nsect; i++) {
		free(u->sects[i].data);
		free(u->sects[i].own);
	}
	free(u->sects);
	free(u->stub.buf);
	free(u->kernel.buf);
	free(a->initrds);
	free(a->extras);
	free(a->phases);
	EVP_PKEY_free(u->key);
	EVP_PKEY_free(u->pcrkey);
	X509_free(u->cert);
}

int
main(int argc, char *argv[])
{
	struct args a = { 0 };
	struct uki u = { 0 };

	args_parse(&a, argc, argv);
	if (a.image != NULL)
		return uki_inspect(a.image, a.json ? uki_print_json :
		    uki_print_text);
	/* Everything read and checked before the output is opened. */
	keys_load(&u, &a);
	stub_load(&u, &a);
	early_place(&a, u.version);
	stub_takes(&u, &a);
	if (a.kind != STUB_ADDON)
		kernel_load(&u, &a);
	sections_collect(&u, &a);
	sbat_merge(&u, &a);
	initrds_concat(&u, &a);
	sections_check(&u, &a);
	image_assemble(&u, &a);
	if (a.pcr)
		pcr_print(&u.stub, u.version, a.phases, a.nphase);
	if (a.out != NULL)
		image_write(&u.stub, a.out, a.flags);
	uki_free(&u, &a);
	if (fclose(stdout) != 0)
		err(1, "stdout");
	return 0;
}
