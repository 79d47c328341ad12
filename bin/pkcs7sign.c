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
#include <ctype.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

int
main(int argc, char *argv[])
{
	const char *keyarg = NULL, *certarg = NULL, *outpath = NULL;
	const char *passfile = NULL;
	const char *in = NULL;
	int ch, flags = 0, json = 0;
	unsigned char *der = NULL, md[EVP_MAX_MD_SIZE];
	unsigned int mdlen;
	size_t len;
	char *data, *fp;
	int derlen;
	EVP_PKEY *key;
	X509 *cert;
	PKCS7 *p7;
	BIO *bio;
	struct out o;

	while ((ch = getopt_long(argc, argv, "hc:fjk:o:p:",
	    std_longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			certarg = optarg;
			break;
		case 'f':
			flags |= OUT_FORCE;
			break;
		case 'j':
			json = 1;
			break;
		case 'k':
			keyarg = optarg;
			break;
		case 'o':
			outpath = optarg;
			break;
		case 'p':
			passfile = optarg;
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
	if (keyarg == NULL || certarg == NULL) {
		warnx("%s is required", keyarg == NULL ? "-k key" : "-c cert");
		usage(2);
	}
	if (argc > 1)
		usage(2);
	if (argc == 1)
		in = argv[0];

	/* Everything checked before a byte is written. */
	cert = sign_cert(certarg);
	key = sign_key(keyarg, passfile, cert, certarg);
	data = xreadfile(in, &len);
	if (json) {
		/* A root hash: lowercase hex, one line; the newline is not
		 * part of what is signed. */
		if (len > 0 && data[len - 1] == '\n')
			data[--len] = '\0';
		if (len < 40 || len > 128 || len % 2 != 0 ||
		    strspn(data, "0123456789abcdef") != len)
			errx(1, "%s: not a root hash (lowercase hex)",
			    in ? in : "stdin");
	}
	if ((bio = BIO_new_mem_buf(data, (int)len)) == NULL ||
	    (p7 = PKCS7_sign(cert, key, NULL, bio, PKCS7_DETACHED |
	    PKCS7_NOATTR | PKCS7_BINARY)) == NULL ||
	    (derlen = i2d_PKCS7(p7, &der)) <= 0)
		errx_ssl(keyarg);

	out_open(&o, outpath, flags);
	if (!json) {
		out_write(&o, der, (size_t)derlen);
	} else {
		unsigned char *cder = NULL;
		int clen = i2d_X509(cert, &cder);
		char *b64 = xmalloc(4 * ((size_t)derlen + 2) / 3 + 1), *text;
		size_t tlen;

		if (clen <= 0 || EVP_Digest(cder, (size_t)clen, md, &mdlen,
		    EVP_sha256(), NULL) != 1)
			errx_ssl(certarg);
		EVP_EncodeBlock((unsigned char *)b64, der, derlen);
		fp = hex_encode(md, mdlen);
		text = xasprintf("{\"rootHash\":\"%s\",\"certificateFingerprint"
		    "\":\"%s\",\"signature\":\"%s\"}", data, fp, b64);
		tlen = strlen(text);
		if (tlen > VERITY_SIG_SIZE)
			errx(1, "%s: signature JSON of %zu bytes does not fit "
			    "the %d-byte partition", keyarg, tlen,
			    VERITY_SIG_SIZE);
		text = xreallocarray(text, VERITY_SIG_SIZE, 1);
		memset(text + tlen, 0, VERITY_SIG_SIZE - tlen);
		out_write(&o, text, VERITY_SIG_SIZE);
		free(text);
		free(fp);
		free(b64);
		OPENSSL_free(cder);
	}
	out_commit(&o);
	OPENSSL_free(der);
	PKCS7_free(p7);
	BIO_free(bio);
	EVP_PKEY_free(key);
	X509_free(cert);
	free(data);
	if (fclose(stdout) != 0)
		err(1, "stdout");
	return 0;
}
