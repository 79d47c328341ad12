/*
 * pcrsig.c: PCR values and the signed PCR policies of a UKI's .pcrsig
 * section, as systemd-measure sign writes them and systemd-cryptsetup
 * (through systemd-stub's /.extra/tpm2-pcr-signature.json) reads them.
 *
 * Implements: TPM 2.0 Library Part 1 (PCR extend), Part 2 (TPM_ALG_ID,
 * TPM_CC_PolicyPCR, TPML_PCR_SELECTION) and Part 3 (TPM2_PolicyPCR's
 * policy digest in a SHA-256 session; TPM2_PolicyAuthorize, which
 * checks a signature over the approved policy); the JSON
 * object systemd 252 to 257 use: per bank an array of {"pcrs", "pkfp",
 * "pol", "sig"}, the banks in TPM_ALG_ID order, compact, one newline.
 */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "initkit.h"

#define TPM_CC_POLICY_PCR 0x0000017fu
/* systemd's selection covers 24 PCRs: three bytes of bitmap. */
#define PCR_SELECT_BYTES 3

/* In TPM_ALG_ID order, which is also the order systemd writes them in. */
static const struct pcr_bank banks[] = {
	{ "sha1", 0x0004 }, { "sha256", 0x000b }, { "sha384", 0x000c },
	{ "sha512", 0x000d },
};

const struct pcr_bank *
pcr_bank(const char *name)
{
	for (size_t i = 0; i < sizeof(banks) / sizeof(banks[0]); i++)
		if (strcmp(banks[i].name, name) == 0)
			return &banks[i];
	return NULL;
}

/* The banks of a comma-separated list, each once, in TPM_ALG_ID order. */
unsigned
pcr_banks_parse(const char *list)
{
	unsigned set = 0;
	char *copy = xstrdup(list), *save = NULL;

	for (char *t = strtok_r(copy, ",", &save); t != NULL;
	    t = strtok_r(NULL, ",", &save)) {
		const struct pcr_bank *b = pcr_bank(t);

		if (b == NULL)
			errx_usage("%s: not a PCR bank (sha1, sha256, sha384, "
			    "sha512)", t);
		set |= 1u << (b - banks);
	}
	free(copy);
	if (set == 0)
		errx_usage("%s: no PCR bank", list);
	return set;
}

const struct pcr_bank *
pcr_banks_next(unsigned set, const struct pcr_bank *after)
{
	size_t i = after == NULL ? 0 : (size_t)(after - banks) + 1;

	for (; i < sizeof(banks) / sizeof(banks[0]); i++)
		if (set & 1u << i)
			return &banks[i];
	return NULL;
}

const EVP_MD *
pcr_bank_md(const struct pcr_bank *b)
{
	const EVP_MD *md = EVP_get_digestbyname(b->name);

	if (md == NULL)
		errx_ssl(b->name);
	return md;
}

void
pcr_extend(const EVP_MD *md, uint8_t *pcr, const void *data, size_t len)
{
	uint8_t buf[2 * EVP_MAX_MD_SIZE];
	size_t n = (size_t)EVP_MD_get_size(md);

	memcpy(buf, pcr, n);
	if (EVP_Digest(data, len, buf + n, NULL, md, NULL) != 1 ||
	    EVP_Digest(buf, 2 * n, pcr, NULL, md, NULL) != 1)
		errx_ssl("pcr");
}

/*
 * The digest a SHA-256 policy session holds after TPM2_PolicyPCR on
 * PCR index of bank b holding value: SHA-256 of the empty policy (32
 * zeros), TPM_CC_PolicyPCR, the TPML_PCR_SELECTION (one selection, big
 * endian), and the SHA-256 of the selected PCR's value.
 */
void
pcr_policy(const struct pcr_bank *b, unsigned index, const uint8_t *value,
    size_t len, uint8_t pol[32])
{
	uint8_t buf[32 + 4 + 4 + 2 + 1 + PCR_SELECT_BYTES + 32], *p = buf;

	if (index >= 8 * PCR_SELECT_BYTES)
		errx(1, "PCR %u: beyond the %d a selection covers", index,
		    8 * PCR_SELECT_BYTES);
	memset(p, 0, 32);
	p += 32;
	p[0] = TPM_CC_POLICY_PCR >> 24, p[1] = TPM_CC_POLICY_PCR >> 16 & 0xff;
	p[2] = TPM_CC_POLICY_PCR >> 8 & 0xff, p[3] = TPM_CC_POLICY_PCR & 0xff;
	p[4] = p[5] = p[6] = 0, p[7] = 1;	/* count */
	p[8] = b->alg >> 8, p[9] = b->alg & 0xff;
	p[10] = PCR_SELECT_BYTES;
	memset(p + 11, 0, PCR_SELECT_BYTES);
	p[11 + index / 8] = (uint8_t)(1u << (index % 8));
	p += 11 + PCR_SELECT_BYTES;
	if (EVP_Digest(value, len, p, NULL, EVP_sha256(), NULL) != 1 ||
	    EVP_Digest(buf, sizeof(buf), pol, NULL, EVP_sha256(), NULL) != 1)
		errx_ssl("policy");
}

void
pcrsig_begin(struct pcrsig *s, struct evp_pkey_st *key, const char *keyname)
{
	uint8_t *der = NULL;
	int len;

	/* 252's systemd-cryptsetup loads RSA keys only into the TPM. */
	if (EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA)
		errx(1, "%s: not an RSA key (systemd takes RSA keys for PCR "
		    "signatures)", keyname);
	/* systemd's fingerprint: of the key as i2d_PublicKey encodes it
	 * (for RSA, PKCS#1 RSAPublicKey). */
	if ((len = i2d_PublicKey(key, &der)) <= 0)
		errx_ssl(keyname);
	sha256_hex(der, (size_t)len, s->pkfp);
	OPENSSL_free(der);
	s->key = key;
	s->keyname = keyname;
	s->bank = NULL;
	s->buf = NULL;
	s->len = 0;
	s->j = (struct json){ .what = ".pcrsig" };
	if ((s->j.fp = open_memstream(&s->buf, &s->len)) == NULL)
		err(1, ".pcrsig");
	json_open(&s->j, '{');
}

/* One entry of bank b: PCR index holding value, its policy signed. */
void
pcrsig_add(struct pcrsig *s, const struct pcr_bank *b, unsigned index,
    const uint8_t *value, size_t len)
{
	uint8_t pol[32], *sig;
	size_t siglen = 0;
	char *b64, *hex;
	EVP_MD_CTX *ctx;

	if (s->bank != b) {
		if (s->bank != NULL)
			json_close(&s->j, ']');
		json_key(&s->j, b->name);
		json_open(&s->j, '[');
		s->bank = b;
	}
	pcr_policy(b, index, value, len, pol);
	/* RSASSA-PKCS1-v1_5 over the policy digest with the bank's hash,
	 * as systemd signs it (252 and 257: SHA-1 for the sha1 bank); TPM2_
	 * VerifySignature checks it under TPM2_PolicyAuthorize. */
	if ((ctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestSignInit(ctx, NULL, pcr_bank_md(b), NULL, s->key) != 1 ||
	    EVP_DigestSign(ctx, NULL, &siglen, pol, sizeof(pol)) != 1)
		errx_ssl(s->keyname);
	sig = xmalloc(siglen);
	if (EVP_DigestSign(ctx, sig, &siglen, pol, sizeof(pol)) != 1)
		errx_ssl(s->keyname);
	EVP_MD_CTX_free(ctx);
	b64 = base64_encode(sig, siglen);
	hex = hex_encode(pol, sizeof(pol));

	json_open(&s->j, '{');
	json_key(&s->j, "pcrs");
	json_open(&s->j, '[');
	json_uint(&s->j, index);
	json_close(&s->j, ']');
	json_key(&s->j, "pkfp");
	json_string(&s->j, s->pkfp);
	json_key(&s->j, "pol");
	json_string(&s->j, hex);
	json_key(&s->j, "sig");
	json_string(&s->j, b64);
	json_close(&s->j, '}');
	free(hex);
	free(b64);
	free(sig);
}

char *
pcrsig_end(struct pcrsig *s, size_t *len)
{
	if (s->bank != NULL)
		json_close(&s->j, ']');
	json_close(&s->j, '}');
	fputc('\n', s->j.fp);
	if (fclose(s->j.fp) != 0)
		err(1, ".pcrsig");
	*len = s->len;
	return s->buf;
}

/* The key's public half as PEM (SubjectPublicKeyInfo), for .pcrpkey. */
char *
pcr_public_pem(struct evp_pkey_st *key, const char *keyname, size_t *len)
{
	BIO *b = BIO_new(BIO_s_mem());

	if (b == NULL || PEM_write_bio_PUBKEY(b, key) != 1)
		errx_ssl(keyname);
	return bio_text(b, len);
}
