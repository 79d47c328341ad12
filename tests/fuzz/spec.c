/*
 * spec.c: fuzz the tree-spec reader (bin/lib/spec.c). The input is a spec;
 * contents= may name the files tree.h sets up. One that tree_add_spec_mem
 * and tree_finish take must survive a round trip: tree_write_spec's text,
 * read back, gives the same tree (pkgroot writes specs that mkcpio,
 * mksqfs and modroot read), every regular file whose line says size=
 * has that many bytes in its contents file, and its owners are ones
 * chown(2) can give: (uid_t)-1 would leave a file root's.
 */
#include <ctype.h>
#include <inttypes.h>
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

/*
 * The first word of line l, its \ooo escapes decoded, into buf (size
 * cap): 0 if it holds another escape, which could name any path.
 */
static int
first_word(const char *l, char *buf, size_t cap)
{
	size_t n = 0;

	l += strspn(l, " \t");
	for (; *l != '\0' && *l != ' ' && *l != '\t' && n + 1 < cap; l++) {
		if (*l != '\\')
			buf[n++] = *l;
		else if (l[1] >= '0' && l[1] <= '3' && l[2] >= '0' &&
		    l[2] <= '7' && l[3] >= '0' && l[3] <= '7') {
			buf[n++] = (char)((l[1] - '0') << 6 | (l[2] - '0') << 3 |
			    (l[3] - '0'));
			l += 3;
		} else
			return 0;
	}
	buf[n] = '\0';
	return 1;
}

/*
 * Whether name is named by exactly one line of the spec, and no /set
 * gives a size= (a later line or a /set would change its size): lines
 * are split at every newline, so a continuation's second half counts
 * as a line too, and a line whose name cannot be decoded here counts
 * as any name.
 */
static int
named_once(const char *data, size_t size, const char *name)
{
	char *copy = strndup(data, size), *save = NULL, *l;
	char word[1024];
	int lines = 0;

	if (copy == NULL)
		fuzz_fail("strndup");
	for (l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n",
	    &save)) {
		const char *p = l + strspn(l, " \t");

		if (*p == '/' && strstr(p, "size=") != NULL)
			lines += 2;
		else if (!first_word(l, word, sizeof(word)) ||
		    strcmp(word, name) == 0)
			lines++;
	}
	free(copy);
	return lines == 1;
}

/*
 * The size= of each plain line "./name ... size=N ..." (no escapes, no
 * continuation, its name on no other line, no /set size=) against the
 * accepted file's contents, read here, not through the reader.
 */
static void
check_sizes(const struct tree *t, const char *data, size_t size)
{
	char *copy = strndup(data, size), *save = NULL, *l, *tok, *name;

	if (copy == NULL)
		fuzz_fail("strndup");
	for (l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n",
	    &save)) {
		char *w = NULL, *p = l + strspn(l, " \t");
		const char *want = NULL;
		struct stat st;

		if (strchr(l, '\\') || strncmp(p, "./", 2) != 0 ||
		    (name = strtok_r(p, " \t", &w)) == NULL)
			continue;
		while ((tok = strtok_r(NULL, " \t", &w)))
			if (strncmp(tok, "size=", 5) == 0)
				want = tok + 5;
		if (want == NULL || !isdigit((unsigned char)*want) ||
		    !named_once(data, size, name))
			continue;
		for (size_t i = 0; i < t->n; i++) {
			const struct node *n = &t->v[i];

			if (strcmp(n->path, name + 2) != 0 ||
			    !S_ISREG(n->mode) || n->src == NULL)
				continue;
			if (fstatat(fuzz_tmpfd(), n->src, &st, 0) < 0)
				fuzz_fail("%s: contents %s gone", n->path,
				    n->src);
			if ((uintmax_t)st.st_size != strtoumax(want, NULL, 10))
				fuzz_fail("%s: size=%s accepted, contents %s "
				    "has %jd bytes", n->path, want, n->src,
				    (intmax_t)st.st_size);
		}
	}
	free(copy);
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
	check_sizes(&t1, (const char *)data, size);
	for (size_t i = 0; i < t1.n; i++)
		if (t1.v[i].uid == (uid_t)-1 || t1.v[i].gid == (gid_t)-1)
			fuzz_fail("%s: owner %ju:%ju taken", t1.v[i].path,
			    (uintmax_t)t1.v[i].uid, (uintmax_t)t1.v[i].gid);
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
