/*
 * sign.c: signing keys and certificates for pkcs7sign and mkuki. A key is
 * a PEM file (an encrypted one needs a passphrase file: there is never a
 * prompt, so a build without one fails at once) or a PKCS#11 URI
 * ("pkcs11:...") held by a token through OpenSSL's pkcs11 engine; either
 * way the key never touches an output or a temporary file.
 */
#define OPENSSL_SUPPRESS_DEPRECATED	/* ENGINE: PKCS#11 on bookworm */

#include <sys/stat.h>

#include <err.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/engine.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "initkit.h"

struct pass {
	const char *file;
	int asked;		/* the key is encrypted and there is no file */
	int used;		/* the file's passphrase was tried */
};

static int
passphrase(char *buf, int size, int rwflag, void *u)
{
	struct pass *p = u;
	size_t len;
	char *text;

	(void)rwflag;
	if (p->file == NULL) {
		p->asked = 1;
		return -1;
	}
	p->used = 1;
	text = xreadfile(p->file, &len);
	text[strcspn(text, "\r\n")] = '\0';
	len = strlen(text);
	if (len >= (size_t)size)
		errx(1, "%s: passphrase too long", p->file);
	memcpy(buf, text, len);
	OPENSSL_cleanse(text, len);
	free(text);
	return (int)len;
}

/* A key through OpenSSL's PKCS#11 engine (libengine-pkcs11-openssl). */
static EVP_PKEY *
token_key(const char *uri)
{
	EVP_PKEY *key = NULL;
	ENGINE *e;
	int saved, null, ok;

	ENGINE_load_builtin_engines();
	if ((e = ENGINE_by_id("pkcs11")) == NULL)
		errx(1, "%s: no pkcs11 engine (install "
		    "libengine-pkcs11-openssl)", uri);
	/* libp11 prints its own chatter: our one line says it. */
	fflush(stderr);
	saved = dup(2);
	if ((null = open("/dev/null", O_WRONLY | O_CLOEXEC)) >= 0) {
		dup2(null, 2);
		close(null);
	}
	ok = ENGINE_init(e) == 1 &&
	    (key = ENGINE_load_private_key(e, uri, NULL, NULL)) != NULL;
	if (saved >= 0) {
		dup2(saved, 2);
		close(saved);
	}
	if (!ok)
		errx_ssl(uri);
	ENGINE_finish(e);
	ENGINE_free(e);
	return key;
}

static EVP_PKEY *
file_key(const char *path, const char *passfile)
{
	struct pass p = { passfile, 0, 0 };
	struct stat st;
	EVP_PKEY *key;
	BIO *b;

	if ((b = BIO_new_file(path, "r")) == NULL)
		err(1, "%s", path);
	key = PEM_read_bio_PrivateKey(b, NULL, passphrase, &p);
	BIO_free(b);
	if (key == NULL && p.asked)
		errx(1, "%s: key is encrypted and no passphrase was given "
		    "(-p)", path);
	/* OpenSSL asks for a passphrase only for an encrypted PEM key. */
	if (key == NULL && p.used)
		errx(1, "%s: the passphrase in %s does not decrypt it (a wrong "
		    "passphrase)", path, passfile);
	if (key == NULL)
		errx(1, "%s: not a PEM private key", path);
	/* A warning only for a key that is one: a failure stays one line. */
	if (stat(path, &st) == 0 && (st.st_mode & 077) != 0)
		warnx("%s: readable by others (mode %04o)", path,
		    (unsigned)(st.st_mode & 07777));
	return key;
}

X509 *
sign_cert(const char *path)
{
	X509 *c;
	BIO *b;

	if ((b = BIO_new_file(path, "r")) == NULL)
		err(1, "%s", path);
	c = PEM_read_bio_X509(b, NULL, NULL, NULL);
	BIO_free(b);
	if (c == NULL)
		errx(1, "%s: not a PEM certificate", path);
	return c;
}

EVP_PKEY *
sign_private_key(const char *arg, const char *passfile)
{
	return strncmp(arg, "pkcs11:", 7) == 0 ? token_key(arg) :
	    file_key(arg, passfile);
}

EVP_PKEY *
sign_key(const char *arg, const char *passfile, X509 *cert,
    const char *certname)
{
	EVP_PKEY *key = sign_private_key(arg, passfile);

	if (X509_check_private_key(cert, key) != 1)
		errx(1, "%s: key does not match certificate %s", arg,
		    certname);
	ERR_clear_error();
	return key;
}
