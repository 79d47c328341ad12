/*
 * Unit tests for bin/lib/uuid.c and hex.c: UUID text (libuuid's form and
 * the 32 digits alone) to RFC 4122 bytes, hex both ways, and
 * systemd-repart's derivations from a seed (the expected values from
 * Python's hmac and hashlib).
 */
#include <stdint.h>

#include "initkit.h"
#include "unit.h"

static const uint8_t want[16] = {
	0x0b, 0x9a, 0x3a, 0x5e, 0x1b, 0x1f, 0x4a, 0x53,
	0x8f, 0x4e, 0x2f, 0x6c, 0x1c, 0x2b, 0x3d, 0x4e,
};

static int
reads(const char *s)
{
	uint8_t u[16] = { 0 };

	return uuid_read(s, u) == 0 && memcmp(u, want, 16) == 0;
}

static int
refused(const char *s)
{
	uint8_t u[16];

	return uuid_read(s, u) == -1;
}

static int
hexeq(const uint8_t *p, size_t n, const char *s)
{
	char buf[65];

	return strcmp(hex_format(buf, p, n), s) == 0;
}

int
main(void)
{
	uint8_t seed[16], u[16], md[32], b[4];
	char *h;

	ok(reads("0b9a3a5e-1b1f-4a53-8f4e-2f6c1c2b3d4e"), "8-4-4-4-12");
	ok(reads("0B9A3A5E-1B1F-4A53-8F4E-2F6C1C2B3D4E"), "upper case");
	ok(reads("0b9a3a5e1b1f4a538f4e2f6c1c2b3d4e"), "32 digits alone");
	ok(refused("0b9a3a5e-1b1f-4a53-8f4e-2f6c1c2b3d4"), "35 characters");
	ok(refused("0b9a3a5e-1b1f-4a53-8f4e-2f6c1c2b3d4e0"), "37 characters");
	ok(refused("0b9a3a5e11b1f-4a53-8f4e-2f6c1c2b3d4e"), "a dash missing");
	ok(refused("0b9a3a5e-1b1f-4a53-8f4e-2f6c1c2b3d4g"), "not hex");
	ok(refused("0b9a3a5e1b1f4a538f4e2f6c1c2b3d4g"), "32, not hex");
	ok(refused("0b9a3a5e-1b1f-4a538f4e2f6c1c2b3d4e"), "32 with a dash");
	ok(refused(""), "empty");

	ok(hex_decode("00ff7A", b, 4) == 3 && b[0] == 0 && b[1] == 0xff &&
	    b[2] == 0x7a, "hex_decode, either case");
	ok(hex_decode("abc", b, 4) == -1, "odd length refused");
	ok(hex_decode("0102030405", b, 4) == -1, "longer than max refused");
	ok(hex_decode("zz", b, 4) == -1, "not hex refused");
	ok(hexeq(want, 16, "0b9a3a5e1b1f4a538f4e2f6c1c2b3d4e"), "hex_format");
	ok(hexeq(want, 0, ""), "hex_format of nothing");
	h = hex_encode(want, 2);
	ok(strcmp(h, "0b9a") == 0, "hex_encode");
	free(h);

	memcpy(seed, want, 16);
	uuid_derive(seed, "disk-uuid", 9, u);
	ok(hexeq(u, 16, "a4c8afdbde8745f7b14eeff67a9e7147"),
	    "disk UUID as repart derives it (version 4, variant 10)");
	uuid_derive(seed, "verity-uuid", 11, u);
	ok(hexeq(u, 16, "f26adfd7abe54818bea51ebc3667c41c"), "verity UUID");
	seed_hmac(seed, "verity-salt", 11, md);
	ok(hexeq(md, 32, "2434a8e5cc3359413a0ef87ba6ba59e8"
	    "fbe8db6cc6944f087585e1178a8bf601"), "verity salt");
	return unit_done();
}
