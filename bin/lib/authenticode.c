/*
 * authenticode.c: Authenticode signatures of PE images, as UEFI Secure
 * Boot checks them: a PKCS#7 SignedData whose content is an
 * SpcIndirectDataContent holding the image's digest, with the signed
 * attributes contentType and messageDigest, the latter over the DER of
 * that content without its outer tag and length.
 *
 * Implements: Microsoft, "Windows Authenticode Portable Executable
 * Signature Format" 1.0 (SpcIndirectDataContent, SpcPeImageData); PKCS #7
 * 1.5 (RFC 2315) 9.3, the message digest over the content octets.
 * No signingTime attribute is written, so RSA signatures are the same
 * bytes for the same image and key.
 */
#include <err.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pkcs7.h>
#include <openssl/x509.h>

#include "initkit.h"

#define SPC_INDIRECT_DATA	"1.3.6.1.4.1.311.2.1.4"

/*
 * SpcIndirectDataContent ::= SEQUENCE {
 *   data SEQUENCE { type SPC_PE_IMAGE_DATAOBJ (1.3.6.1.4.1.311.2.1.15),
 *     value SpcPeImageData ::= SEQUENCE { flags BIT STRING {},
 *       file [0] SpcLink ::= [2] SpcString ::= [0] IMPLICIT BMPString
 *       "<<<Obsolete>>>" } },
 *   messageDigest DigestInfo ::= SEQUENCE { SEQUENCE { sha256, NULL },
 *     OCTET STRING (32 bytes) } }
 * The file link is the fixed string signtool, sbsign and osslsigncode
 * write. Lengths are short-form DER; the digest is the last 32 bytes.
 */
static const uint8_t idc_template[] = {
	0x30, 0x68,
	  0x30, 0x33,
	    0x06, 0x0a, 0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x02,
	    0x01, 0x0f,
	    0x30, 0x25,
	      0x03, 0x01, 0x00,
	      0xa0, 0x20,
	        0xa2, 0x1e,
	          0x80, 0x1c,
	            0x00, '<', 0x00, '<', 0x00, '<', 0x00, 'O', 0x00, 'b',
	            0x00, 's', 0x00, 'o', 0x00, 'l', 0x00, 'e', 0x00, 't',
	            0x00, 'e', 0x00, '>', 0x00, '>', 0x00, '>',
	  0x30, 0x31,
	    0x30, 0x0d,
	      0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
	      0x01,
	      0x05, 0x00,
	    0x04, 0x20,
	    /* the 32-byte digest follows */
};
#define IDC_LEN		(sizeof(idc_template) + 32)
#define IDC_HDR		2	/* the outer SEQUENCE's tag and length */

uint8_t *
sign_authenticode(EVP_PKEY *key, X509 *cert, const uint8_t digest[32],
    size_t *len)
{
	uint8_t idc[IDC_LEN], md[EVP_MAX_MD_SIZE], *der = NULL, *ret;
	unsigned int mdlen;
	PKCS7_SIGNER_INFO *si;
	ASN1_OBJECT *spc;
	ASN1_STRING *seq;
	PKCS7 *p7, *inner;
	int n;

	memcpy(idc, idc_template, sizeof(idc_template));
	memcpy(idc + sizeof(idc_template), digest, 32);
	if (EVP_Digest(idc + IDC_HDR, IDC_LEN - IDC_HDR, md, &mdlen,
	    EVP_sha256(), NULL) != 1)
		errx_ssl("authenticode");

	if ((p7 = PKCS7_new()) == NULL ||
	    PKCS7_set_type(p7, NID_pkcs7_signed) != 1 ||
	    (si = PKCS7_add_signature(p7, cert, key, EVP_sha256())) == NULL ||
	    PKCS7_add_certificate(p7, cert) != 1 ||
	    (spc = OBJ_txt2obj(SPC_INDIRECT_DATA, 1)) == NULL ||
	    PKCS7_add_signed_attribute(si, NID_pkcs9_contentType,
	    V_ASN1_OBJECT, spc) != 1 ||
	    PKCS7_add1_attrib_digest(si, md, (int)mdlen) != 1 ||
	    PKCS7_SIGNER_INFO_sign(si) != 1)
		errx_ssl("authenticode signature");

	/* The content: [0] EXPLICIT SpcIndirectDataContent, not data. */
	if ((inner = PKCS7_new()) == NULL ||
	    (inner->type = OBJ_txt2obj(SPC_INDIRECT_DATA, 1)) == NULL ||
	    (inner->d.other = ASN1_TYPE_new()) == NULL ||
	    (seq = ASN1_STRING_new()) == NULL ||
	    ASN1_STRING_set(seq, idc, IDC_LEN) != 1)
		errx_ssl("authenticode content");
	ASN1_TYPE_set(inner->d.other, V_ASN1_SEQUENCE, seq);
	if (PKCS7_set_content(p7, inner) != 1 ||
	    (n = i2d_PKCS7(p7, &der)) <= 0)
		errx_ssl("authenticode signature");
	ret = xmalloc((size_t)n);
	memcpy(ret, der, (size_t)n);
	*len = (size_t)n;
	OPENSSL_free(der);
	PKCS7_free(p7);
	return ret;
}

static char *
name_text(X509_NAME *name)
{
	BIO *b = BIO_new(BIO_s_mem());

	if (b == NULL || X509_NAME_print_ex(b, name, 0, XN_FLAG_RFC2253) < 0) {
		BIO_free(b);
		return xstrdup("?");
	}
	return bio_text(b, NULL);
}

int
sign_authenticode_check(const uint8_t *der, size_t len,
    const uint8_t digest[32], char **subject, const char **why)
{
	const unsigned char *p = der;
	STACK_OF(X509) *signers;
	ASN1_TYPE *other;
	ASN1_OBJECT *spc;
	PKCS7 *p7, *c;
	BIO *in;
	const uint8_t *idc;
	size_t idclen, hdr;
	int ok;

	*subject = NULL;
	*why = "not a PKCS#7 SignedData";
	if ((p7 = d2i_PKCS7(NULL, &p, (long)len)) == NULL ||
	    !PKCS7_type_is_signed(p7)) {
		PKCS7_free(p7);
		ERR_clear_error();
		return -1;
	}
	if ((signers = PKCS7_get0_signers(p7, NULL, 0)) != NULL &&
	    sk_X509_num(signers) > 0)
		*subject = name_text(X509_get_subject_name(
		    sk_X509_value(signers, 0)));
	sk_X509_free(signers);

	c = p7->d.sign->contents;
	*why = "content is not an SpcIndirectDataContent";
	spc = OBJ_txt2obj(SPC_INDIRECT_DATA, 1);
	ok = c != NULL && spc != NULL && OBJ_cmp(c->type, spc) == 0;
	ASN1_OBJECT_free(spc);
	if (!ok || (other = c->d.other) == NULL ||
	    other->type != V_ASN1_SEQUENCE) {
		PKCS7_free(p7);
		ERR_clear_error();
		return -1;
	}
	idc = ASN1_STRING_get0_data(other->value.sequence);
	idclen = (size_t)ASN1_STRING_length(other->value.sequence);
	*why = "not a SHA-256 image digest";
	if (idclen < IDC_HDR + 17 + 32 || memcmp(idc + idclen - 32 - 2 - 15,
	    idc_template + sizeof(idc_template) - 2 - 15, 15 + 2) != 0) {
		PKCS7_free(p7);
		return -1;
	}
	*why = "the image digest does not match";
	if (memcmp(idc + idclen - 32, digest, 32) != 0) {
		PKCS7_free(p7);
		return -1;
	}
	/* The signature over the content octets; the chain is not judged. */
	*why = "the signature does not verify";
	hdr = idc[1] < 0x80 ? 2 : 2 + (size_t)(idc[1] & 0x7f);
	/*
	 * Behind a buffer BIO: given a memory BIO, OpenSSL 3.0's
	 * PKCS7_verify reads it through a copy that it leaks when the
	 * signature's content cannot be opened (PKCS7_dataInit fails).
	 */
	in = BIO_push(BIO_new(BIO_f_buffer()),
	    BIO_new_mem_buf(idc + hdr, (int)(idclen - hdr)));
	ok = in != NULL && BIO_next(in) != NULL && PKCS7_verify(p7, NULL,
	    NULL, in, NULL, PKCS7_NOVERIFY | PKCS7_BINARY) == 1;
	BIO_free_all(in);
	PKCS7_free(p7);
	ERR_clear_error();
	if (!ok)
		return -1;
	*why = NULL;
	return 0;
}
