/* digest.c: SHA-256 of a file as lowercase hex, and Base64 (RFC 4648,
 * padded, one line), through OpenSSL's EVP. */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "initkit.h"

void
sha256_hex(const void *data, size_t len, char hex[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	if (EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL) != 1)
		errx_ssl("sha256");
	hex_format(hex, md, mdlen);
}

void
sha256_file(const char *path, char hex[65])
{
	unsigned char buf[1 << 16], md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		err(1, "%s", path);
	if (ctx == NULL || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1)
		errx_ssl(path);
	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			err(1, "%s", path);
		if (EVP_DigestUpdate(ctx, buf, (size_t)n) != 1)
			errx_ssl(path);
	}
	if (EVP_DigestFinal_ex(ctx, md, &mdlen) != 1)
		errx_ssl(path);
	EVP_MD_CTX_free(ctx);
	close(fd);
	hex_format(hex, md, mdlen);
}

char *
base64_encode(const void *data, size_t len)
{
	/* Four characters for every three bytes begun, and the NUL. */
	char *out = xmalloc(4 * ((len + 2) / 3) + 1);

	if (len > INT_MAX)
		errx(1, "base64: %zu bytes, too many", len);
	EVP_EncodeBlock((unsigned char *)out, data, (int)len);
	return out;
}
