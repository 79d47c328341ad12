/*
 * uuid.c: UUIDs in RFC 4122 byte order. The text form (RFC 4122 3,
 * 8-4-4-4-12 hex digits) is read by libuuid; the 32 digits alone, as
 * systemd writes an ID (machine-id(5)), are taken too. And the identities
 * systemd-repart derives from its --seed.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <uuid/uuid.h>

#include "initkit.h"

int
uuid_read(const char *s, uint8_t out[16])
{
	char text[37];

	if (strlen(s) == 32 && strspn(s, "0123456789abcdefABCDEF") == 32) {
		snprintf(text, sizeof(text), "%.8s-%.4s-%.4s-%.4s-%.12s", s,
		    s + 8, s + 12, s + 16, s + 20);
		s = text;
	}
	return uuid_parse(s, out) == 0 ? 0 : -1;
}

void
seed_hmac(const uint8_t seed[16], const void *msg, size_t len,
    uint8_t out[32])
{
	unsigned int mdlen;

	if (HMAC(EVP_sha256(), seed, 16, msg, len, out, &mdlen) == NULL)
		errx_ssl("hmac");
}

void
uuid_derive(const uint8_t seed[16], const void *msg, size_t len,
    uint8_t out[16])
{
	uint8_t md[32];

	seed_hmac(seed, msg, len, md);
	memcpy(out, md, 16);
	out[6] = (out[6] & 0x0f) | 0x40;	/* RFC 4122 4.1.3: version 4 */
	out[8] = (out[8] & 0x3f) | 0x80;	/* 4.1.1: the variant */
}
