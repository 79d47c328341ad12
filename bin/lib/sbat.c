/*
 * sbat.c: SBAT, the Secure Boot Advanced Targeting records shim checks
 * (shim's SBAT.md), of a UKI's parts merged into one as ukify merges them:
 * one "sbat,1" header line, then the records of each part in turn but its
 * own header line and empty lines.
 */
#include <err.h>
#include <stdlib.h>
#include <string.h>

#include "initkit.h"

/* SBAT.md's first record, the SBAT format's own version. */
#define SBAT_HEADER "sbat,1,SBAT Version,sbat,1," \
	"https://github.com/rhboot/shim/blob/main/SBAT.md\n"

char *
sbat_new(void)
{
	return xstrdup(SBAT_HEADER);
}

/* Up to a NUL, if any; each line checked as printable ASCII. */
void
sbat_add(char **sbat, const char *what, const char *text, size_t len)
{
	const char *p = text, *end = text + len, *nl;
	char *s;

	for (size_t i = 0; i < len; i++)
		if (text[i] == '\0') {
			len = i;
			end = text + len;
			break;
		}
	for (; p < end; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		if (nl == p || (p == text && strncmp(p, "sbat,", 5) == 0))
			continue;
		for (const char *c = p; c < nl; c++)
			if ((unsigned char)*c < ' ' || (unsigned char)*c >= 0x7f)
				errx(1, "%s: SBAT line with a control or "
				    "non-ASCII byte", what);
		s = xasprintf("%s%.*s\n", *sbat, (int)(nl - p), p);
		free(*sbat);
		*sbat = s;
		if (nl == end)
			break;
	}
}

char *
sbat_section(const struct pe *pe, size_t *len)
{
	int i = pe_find(pe, ".sbat");

	return i < 0 ? NULL : (char *)pe_section_data(pe, i, len);
}

/*
 * systemd 252's linuxaa64.efi.stub (objcopy -O binary behind gnu-efi's
 * hand-written PE header, which lists .text and .data only) carries its
 * ELF .sbat after the listed sections, where pe_strip_tail drops it.
 * Found there by its first record ("sbat,1,", SBAT.md), up to its NUL.
 */
char *
sbat_tail(const struct pe *pe)
{
	static const char rec[] = "sbat,1,";
	uint64_t end = pe_data_end(pe);
	const uint8_t *p, *nul;

	if (end >= pe->len || (p = memmem(pe->buf + end, pe->len - end,
	    rec, sizeof(rec) - 1)) == NULL)
		return NULL;
	nul = memchr(p, '\0', (size_t)(pe->buf + pe->len - p));
	return xasprintf("%.*s", (int)((nul != NULL ? nul : pe->buf +
	    pe->len) - p), (const char *)p);
}
