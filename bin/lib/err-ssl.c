/*
 * err-ssl.c: OpenSSL's error queue as "tool: object: problem". The queue
 * is drained; the earliest entry is the cause, so it is the one shown.
 * And the text OpenSSL prints into a memory BIO as a C string.
 */
#include <err.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>

#include "initkit.h"

void
errx_ssl(const char *obj)
{
	unsigned long e, first = 0;
	const char *reason;

	while ((e = ERR_get_error()) != 0)
		if (first == 0)
			first = e;
	/* OpenSSL 3 keeps errno values as system-library reasons. */
	if (first != 0 && ERR_SYSTEM_ERROR(first))
		reason = strerror(ERR_GET_REASON(first));
	else
		reason = first ? ERR_reason_error_string(first) : NULL;
	if (reason == NULL)
		errx(1, "%s: %s", obj, first ? "openssl error" : "failed");
	errx(1, "%s: %s", obj, reason);
}

char *
bio_text(BIO *b, size_t *len)
{
	char *data, *s;
	long n;

	n = BIO_get_mem_data(b, &data);
	s = xmalloc((size_t)n + 1);
	memcpy(s, data, (size_t)n);
	s[n] = '\0';
	BIO_free(b);
	if (len != NULL)
		*len = (size_t)n;
	return s;
}
