/*
 * pkcs7sign: sign bytes with a detached PKCS#7 signature, DER, in the form
 * the kernel's dm-verity root hash check and systemd accept: content type
 * data, no signed attributes, binary mode. With -j the input is a verity
 * root hash and the output the verity signature partition's payload. In
 * the pipeline it signs what mkverity prints, for mkgpt to store.
 *
 * Implements: PKCS #7 1.5 SignedData (RFC 2315) as OpenSSL's PKCS7_sign
 * writes it with PKCS7_DETACHED | PKCS7_NOATTR | PKCS7_BINARY, the flags
 * systemd-repart uses; the verity signature JSON of the Discoverable
 * Partitions Specification (pkcs7sign(1)).
 */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pkcs7.h>
#include <openssl/x509.h>

#include "initkit.h"

#define VERITY_SIG_SIZE	16384	/* the signature partition's size */

/* -h: on stdout, exit 0; a usage error: on stderr, exit 2. */
static NORETURN void
usage(int status)
{
	fprintf(status ? stderr : stdout, "usage: pkcs7sign [-fj] -k key -c cert [-p passfile] "
	    "[-o out] [file]\n");
	exit(status);
}

/* The command line. */
struct args {
	const char *key, *cert, *pass, *out;
	const char *in;			/* NULL: stdin */
	int flags, json;
};

static void
args_parse(struct args *a, int argc, char *argv[])
{
	int ch;

	while ((ch = getopt_long(argc, argv, "hc:fjk:o:p:",
	    std_longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			a->cert = optarg;
			break;
		case 'f':
			a->flags |= OUT_FORCE;
			break;
		case 'j':
			a->json = 1;
			break;
		case 'k':
			a->key = optarg;
			break;
		case 'o':
			a->out = optarg;
			break;
		case 'p':
			a->pass = optarg;
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
	if (a->key == NULL || a->cert == NULL) {
		warnx("%s is required", a->key == NULL ? "-k key" : "-c cert");
		usage(2);
	}
	if (argc > 1)
		usage(2);
	if (argc == 1)
		a->in = argv[0];
}

/*
 * -j: a root hash, lowercase hex, one line; the newline is not part of
 * what is signed.
 */
static void
roothash_check(char *data, size_t *len, const char *in)
{
	if (*len > 0 && data[*len - 1] == '\n')
		data[--*len] = '\0';
	if (*len < 40 || *len > 128 || *len % 2 != 0 ||
	    strspn(data, "0123456789abcdef") != *len)
		errx(1, "%s: not a root hash (lowercase hex)",
		    in ? in : "stdin");
}

/* The detached signature of data, DER in a new buffer. */
static unsigned char *
detached_sign(X509 *cert, EVP_PKEY *key, const char *keyname,
    const char *data, size_t len, size_t *derlen)
{
	unsigned char *der = NULL, *out;
	PKCS7 *p7;
	BIO *bio;
	int n;

	if ((bio = BIO_new_mem_buf(data, (int)len)) == NULL ||
	    (p7 = PKCS7_sign(cert, key, NULL, bio, PKCS7_DETACHED |
	    PKCS7_NOATTR | PKCS7_BINARY)) == NULL ||
	    (n = i2d_PKCS7(p7, &der)) <= 0)
		errx_ssl(keyname);
	out = xmalloc((size_t)n);
	memcpy(out, der, (size_t)n);
	*derlen = (size_t)n;
	OPENSSL_free(der);
	PKCS7_free(p7);
	BIO_free(bio);
	return out;
}

/*
 * -j: the verity signature partition's payload: the JSON object of the
 * root hash, the certificate's SHA-256 fingerprint (of its DER) and the
 * signature in Base64, NUL-padded to the partition's size.
 */
static char *
verity_payload(X509 *cert, const struct args *a, const char *roothash,
    const unsigned char *der, size_t derlen)
{
	unsigned char *cder = NULL, md[EVP_MAX_MD_SIZE];
	unsigned int mdlen;
	int clen = i2d_X509(cert, &cder);
	char *b64, *fp, *text;
	size_t tlen;

	if (clen <= 0 || EVP_Digest(cder, (size_t)clen, md, &mdlen,
	    EVP_sha256(), NULL) != 1)
		errx_ssl(a->cert);
	b64 = base64_encode(der, derlen);
	fp = hex_encode(md, mdlen);
	text = xasprintf("{\"rootHash\":\"%s\",\"certificateFingerprint"
	    "\":\"%s\",\"signature\":\"%s\"}", roothash, fp, b64);
	tlen = strlen(text);
	if (tlen > VERITY_SIG_SIZE)
		errx(1, "%s: signature JSON of %zu bytes does not fit "
		    "the %d-byte partition", a->key, tlen, VERITY_SIG_SIZE);
	text = xreallocarray(text, VERITY_SIG_SIZE, 1);
	memset(text + tlen, 0, VERITY_SIG_SIZE - tlen);
	free(fp);
	free(b64);
	OPENSSL_free(cder);
	return text;
}

static void
write_out(const struct args *a, const void *buf, size_t len)
{
	struct out o;

	out_open(&o, a->out, a->flags);
	out_write(&o, buf, len);
	out_commit(&o);
}

int
main(int argc, char *argv[])
{
	struct args a = { 0 };
	unsigned char *der;
	size_t len, derlen;
	EVP_PKEY *key;
	X509 *cert;
	char *data;

	args_parse(&a, argc, argv);
	/* Everything checked before a byte is written. */
	cert = sign_cert(a.cert);
	key = sign_key(a.key, a.pass, cert, a.cert);
	data = xreadfile(a.in, &len);
	if (a.json)
		roothash_check(data, &len, a.in);
	der = detached_sign(cert, key, a.key, data, len, &derlen);
	if (a.json) {
		char *payload = verity_payload(cert, &a, data, der, derlen);

		write_out(&a, payload, VERITY_SIG_SIZE);
		free(payload);
	} else
		write_out(&a, der, derlen);
	free(der);
	EVP_PKEY_free(key);
	X509_free(cert);
	free(data);
	if (fclose(stdout) != 0)
		err(1, "stdout");
	return 0;
}
