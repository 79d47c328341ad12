/* Unit tests for bin/lib/tsv.c: packages.tsv(5) read, written and split. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "initkit.h"
#include "unit.h"

#define SHA "0000000000000000000000000000000000000000000000000000000000000000"

static char path[4096];

static void
put(const char *text)
{
	FILE *fp = fopen(path, "w");

	if (fp == NULL || fputs(text, fp) < 0 || fclose(fp) != 0) {
		perror(path);
		exit(1);
	}
}

static void
read_it(void *text)
{
	struct tsv l;

	put(text);
	tsv_read(&l, path);
	tsv_free(&l);
}

int
main(void)
{
	char line[16] = "a\t\tb\t", *f[6];
	struct tsv l;
	char *text = NULL;
	size_t len = 0;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/unit-tsv.%d",
	    getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", (int)getpid());
	ok(tsv_split(line, f, 6) == 4, "four fields, two of them empty");
	ok(strcmp(f[0], "a") == 0 && *f[1] == '\0' && strcmp(f[2], "b") == 0 &&
	    *f[3] == '\0', "an empty field is a field, never merged");
	strcpy(line, "a\tb\tc\t");
	ok(tsv_split(line, f, 3) == 4, "more than max: max + 1");

	put("# comment\n\nzz\t1:2.0-1\tall\tzsrc\t1024\t" SHA "\n"
	    "aa\t1.0\tamd64\taa\t007\t" SHA "\n");
	tsv_read(&l, path);
	ok(l.n == 2, "comments and empty lines skipped");
	ok(strcmp(l.v[0].name, "zz") == 0 && l.v[0].lineno == 3,
	    "file order; line numbers count every line");
	ok(l.v[1].size == 7, "the size as a number");
	tsv_sort(&l);
	ok(strcmp(l.v[0].name, "aa") == 0, "tsv_sort: by name");
	fp = open_memstream(&text, &len);
	tsv_write(fp, &l.v[0]);
	fclose(fp);
	ok(strcmp(text, "aa\t1.0\tamd64\taa\t7\t" SHA "\n") == 0,
	    "tsv_write: the six fields, tab-separated");
	free(text);
	tsv_free(&l);

	exits(1, ":1: field 2 is empty", read_it,
	    "libc6\t\t2.36-9\tamd64\tglibc\t1\n", "an empty field refused");
	exits(1, ":1: want six tab-separated fields", read_it,
	    "a\t1.0\tall\n", "three fields refused (a lock needs six too)");
	exits(1, ":1: want six tab-separated fields", read_it,
	    "a\t1.0\tall\ta\t1\t" SHA "\tx\n", "seven refused");
	exits(1, ":1: SHA-256 -: invalid", read_it,
	    "a\t1.0\tall\ta\t1\t-\n", "a SHA-256 that is not one refused");
	exits(1, ":1: installed size 1x: not a number", read_it,
	    "a\t1.0\tall\ta\t1x\t" SHA "\n", "a size that is not a number");
	exits(1, ":2: package a:all listed again (line 1)", read_it,
	    "a\t1.0\tall\ta\t1\t" SHA "\na\t2.0\tall\ta\t1\t" SHA "\n",
	    "one name and architecture twice refused");
	unlink(path);
	return unit_done();
}
