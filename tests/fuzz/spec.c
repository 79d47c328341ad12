/*
 * spec.c: fuzz the tree-spec reader (bin/lib/spec.c). The input is a spec;
 * contents= may name the files tree.h sets up. One that tree_add_spec_mem
 * and tree_finish take must survive a round trip: tree_write_spec's text,
 * read back, gives the same tree (pkgroot writes specs that mkcpio,
 * mksqfs and modroot read).
 */
#include <stdio.h>
#include <stdlib.h>

#include "tree.h"

static struct tree t1, t2;
static char *text;
static size_t textlen;

static void
first(const uint8_t *data, size_t size)
{
	tree_enter();
	tree_add_spec_mem(&t1, "fuzz.mtree", (const char *)data, size);
	tree_finish(&t1, -1);
	tree_leave();
}

static void
again(void)
{
	tree_enter();
	tree_add_spec_mem(&t2, "written.mtree", text, textlen);
	tree_finish(&t2, -1);
	tree_leave();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	FILE *fp;
	int ok;

	tree_setup();
	FUZZ_RUN(ok, first(data, size));
	if (!ok) {
		/* Its blocks are gone (fuzz.h). */
		memset(&t1, 0, sizeof(t1));
		return 0;
	}
	if ((fp = open_memstream(&text, &textlen)) == NULL)
		fuzz_fail("open_memstream");
	tree_write_spec(&t1, fp);
	if (fclose(fp) != 0)
		fuzz_fail("fclose");
	FUZZ_RUN(ok, again());
	if (!ok)
		fuzz_fail("the written spec is refused (%s):\n%s",
		    fuzz_errmsg, text);
	tree_compare(&t1, &t2, "spec round trip");
	tree_free(&t1);
	tree_free(&t2);
	free(text);
	text = NULL;
	return 0;
}
