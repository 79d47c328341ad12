/*
 * Unit tests for bin/lib/digest.c: SHA-256 as hex (FIPS 180-4's example
 * "abc") and Base64 (RFC 4648 section 10's test vectors).
 */
#include <stdlib.h>

#include "initkit.h"
#include "unit.h"

static int
b64is(const char *in, const char *want)
{
	char *got = base64_encode(in, strlen(in));
	int same = strcmp(got, want) == 0;

	if (!same)
		printf("# base64 of \"%s\": got %s, want %s\n", in, got, want);
	free(got);
	return same;
}

int
main(void)
{
	char hex[65];

	sha256_hex("abc", 3, hex);
	ok(strcmp(hex, "ba7816bf8f01cfea414140de5dae2223"
	    "b00361a396177a9cb410ff61f20015ad") == 0,
	    "sha256_hex: FIPS 180-4 \"abc\"");
	ok(b64is("", ""), "base64: empty");
	ok(b64is("f", "Zg=="), "base64: f");
	ok(b64is("fo", "Zm8="), "base64: fo");
	ok(b64is("foo", "Zm9v"), "base64: foo");
	ok(b64is("foob", "Zm9vYg=="), "base64: foob");
	ok(b64is("fooba", "Zm9vYmE="), "base64: fooba");
	ok(b64is("foobar", "Zm9vYmFy"), "base64: foobar");
	return unit_done();
}
