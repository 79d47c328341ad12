/*
 * uki.c: Unified Kernel Images and their stubs: the systemd release and
 * kind a stub says it is, and what mkuki -I reports of an image (any PE
 * image, a UKI or not): its sections, its Authenticode digest and each
 * signature, checked against that digest.
 *
 * Implements: systemd-stub's .sdmagic section (its "LoaderInfo" string);
 * the signatures through bin/lib/pe.c (the certificate table, PE Format
 * 5.7; the digest) and bin/lib/authenticode.c.
 */
#include <err.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "initkit.h"

/* What -I reports of an image. */
struct uki_section {
	char name[9];		/* printable ASCII; '?' for other bytes */
	uint32_t va, vsize;
	char sha256[65];	/* of the section as loaded */
};
struct uki_signature {
	char *signer;		/* the subject, "-" when unknown */
	const char *problem;	/* why it does not verify; NULL: it does */
};
struct uki_report {
	const char *path;
	uint16_t machine;
	struct uki_section *sect;
	int nsect;
	char digest[65];	/* Authenticode, SHA-256 */
	struct uki_signature *sig;
	size_t nsig;
	int bad;		/* a signature does not verify */
};

/*
 * .sdmagic: "#### LoaderInfo: systemd-stub 257.13-1 ####", an addon
 * stub's "systemd-addon 257...".
 */
int
stub_version(const struct pe *stub, enum stub_kind *kind)
{
	static const char stubtag[] = "systemd-stub ", addontag[] =
	    "systemd-addon ";
	int i = pe_find(stub, ".sdmagic"), v = 0;
	uint8_t *d;
	char *p;
	size_t len;

	*kind = STUB_UKI;
	if (i < 0)
		return 0;
	d = pe_section_data(stub, i, &len);
	d[len ? len - 1 : 0] = '\0';
	if ((p = strstr((char *)d, stubtag)) != NULL)
		v = atoi(p + sizeof(stubtag) - 1);
	else if ((p = strstr((char *)d, addontag)) != NULL) {
		v = atoi(p + sizeof(addontag) - 1);
		*kind = STUB_ADDON;
	}
	free(d);
	return v;
}

/* A section name for people: printable ASCII, '?' for anything else. */
static void
clean_name(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < ' ' || (unsigned char)*s >= 0x7f)
			*s = '?';
}

static void
sections_report(struct uki_report *r, const struct pe *pe)
{
	r->sect = xcalloc((size_t)pe->nsect + 1, sizeof(*r->sect));
	for (int i = 0; i < pe->nsect; i++) {
		struct uki_section *rs = &r->sect[i];
		struct pe_section s;
		size_t len;
		uint8_t *d = pe_section_data(pe, i, &len);

		pe_section(pe, i, &s);
		memcpy(rs->name, s.name, sizeof(rs->name));
		clean_name(rs->name);
		rs->va = s.va;
		rs->vsize = s.vsize;
		sha256_hex(d, len, rs->sha256);
		free(d);
	}
	r->nsect = pe->nsect;
}

/* Each entry of the certificate table, checked against md. */
static void
signatures_report(struct uki_report *r, const struct pe *pe,
    const uint8_t md[32])
{
	struct pe_cert c;
	uint64_t at = 0;
	int entry;

	while ((entry = pe_cert_next(pe, &at, &c)) != 0) {
		struct uki_signature *s;

		r->sig = xreallocarray(r->sig, r->nsig + 1, sizeof(*r->sig));
		s = &r->sig[r->nsig++];
		s->signer = NULL;
		s->problem = "not a PKCS#7 signature";
		if (entry < 0)
			s->problem = "bad certificate table entry";
		else if (c.type == PE_CERT_PKCS_SIGNED_DATA &&
		    sign_authenticode_check(c.data, c.len, md, &s->signer,
		    &s->problem) == 0)
			s->problem = NULL;
		if (s->problem != NULL)
			r->bad = 1;
		if (s->signer == NULL)
			s->signer = xstrdup("-");
	}
}

static void
report_make(struct uki_report *r, const char *path)
{
	uint32_t off, size;
	uint8_t *buf, md[32];
	struct pe pe;
	size_t len;

	memset(r, 0, sizeof(*r));
	r->path = path;
	buf = (uint8_t *)xreadfile(path, &len);
	pe_parse(&pe, path, buf, len);
	/* A signature verifies only if it covers the whole file. */
	pe_cert_table(&pe, &off, &size);
	if (size != 0)
		pe_check_covered(&pe);
	pe_digest(&pe, md);
	hex_format(r->digest, md, 32);
	r->machine = pe.machine;
	sections_report(r, &pe);
	signatures_report(r, &pe, md);
	free(pe.buf);
}

/* One line a section, the digest, one line a signature; tab-separated. */
void
uki_print_text(const struct uki_report *r, FILE *fp)
{
	for (int i = 0; i < r->nsect; i++)
		fprintf(fp, "section\t%s\t0x%08" PRIx32 "\t%" PRIu32 "\t%s\n",
		    r->sect[i].name, r->sect[i].va, r->sect[i].vsize,
		    r->sect[i].sha256);
	fprintf(fp, "authenticode\tsha256\t%s\n", r->digest);
	for (size_t i = 0; i < r->nsig; i++)
		fprintf(fp, "signature\t%s\t%s\n", r->sig[i].problem == NULL ?
		    "verified" : r->sig[i].problem, r->sig[i].signer);
}

/* One JSON object, the machine too (mkuki(1) -j). */
void
uki_print_json(const struct uki_report *r, FILE *fp)
{
	struct json j = { .fp = fp, .what = r->path };
	char mb[PE_MACHINE_BUFSIZE];

	json_open(&j, '{');
	json_key(&j, "machine");
	json_string(&j, pe_machine_name(r->machine, mb));
	json_key(&j, "sections");
	json_open(&j, '[');
	for (int i = 0; i < r->nsect; i++) {
		json_open(&j, '{');
		json_key(&j, "name");
		json_string(&j, r->sect[i].name);
		json_key(&j, "address");
		json_uint(&j, r->sect[i].va);
		json_key(&j, "size");
		json_uint(&j, r->sect[i].vsize);
		json_key(&j, "sha256");
		json_string(&j, r->sect[i].sha256);
		json_close(&j, '}');
	}
	json_close(&j, ']');
	json_key(&j, "authenticode");
	json_string(&j, r->digest);
	json_key(&j, "signatures");
	json_open(&j, '[');
	for (size_t i = 0; i < r->nsig; i++) {
		json_open(&j, '{');
		json_key(&j, "signer");
		json_string(&j, r->sig[i].signer);
		json_key(&j, "verified");
		json_bool(&j, r->sig[i].problem == NULL);
		if (r->sig[i].problem != NULL) {
			json_key(&j, "problem");
			json_string(&j, r->sig[i].problem);
		}
		json_close(&j, '}');
	}
	json_close(&j, ']');
	json_close(&j, '}');
	fputc('\n', fp);
}

static void
report_free(struct uki_report *r)
{
	for (size_t i = 0; i < r->nsig; i++)
		free(r->sig[i].signer);
	free(r->sig);
	free(r->sect);
}

int
uki_inspect(const char *path, uki_print_fn print)
{
	struct uki_report r;

	report_make(&r, path);
	print(&r, stdout);
	report_free(&r);
	if (fflush(stdout) != 0 || ferror(stdout))
		err(1, "stdout");
	return r.bad;
}
