/*
 * gpt.c: fuzz the GPT reader of mkgpt -V (bin/mkgpt.c's verify and
 * read_side, compiled in with main renamed): the input is a disk image.
 */
#define main mkgpt_main
#include "../../bin/mkgpt.c"
#undef main

#include "fuzz.h"

static char *path;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int ok;

	if (path == NULL)
		path = fuzz_path("disk.raw");
	fuzz_write(path, data, size);
	FUZZ_RUN(ok, verify(path));
	(void)ok;
	return 0;
}
