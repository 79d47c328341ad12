/*
 * replay.c: the driver that replays inputs through a fuzz harness without
 * libFuzzer: each file named is read and given to LLVMFuzzerTestOneInput.
 * A crash, a sanitizer report or a wrong result ends it abnormally; a
 * refused input is a normal outcome. Exit 0 when every file ran.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "initkit.h"
#include "fuzz.h"

int
main(int argc, char *argv[])
{
	for (int i = 1; i < argc; i++) {
		size_t len;
		char *text = xreadfile(argv[i], &len);
		/* Exactly len bytes, as libFuzzer gives: no NUL after them. */
		uint8_t *buf = xmalloc(len ? len : 1);

		memcpy(buf, text, len);
		free(text);
		LLVMFuzzerTestOneInput(buf, len);
		free(buf);
	}
	return 0;
}
