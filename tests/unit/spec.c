/*
 * Unit tests for bin/lib/spec.c: the vis encoding libarchive uses, reading
 * specs (sorting, replacement, refusals), directory hard links, and a
 * written spec read back unchanged.
 */
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <fcntl.h>
#include <stdint.h>

#include "initkit.h"
#include "unit.h"

static const char *dir;

static void
build(struct tree *t, const char *text)
{
	memset(t, 0, sizeof(*t));
	tree_add_spec_mem(t, "t.mtree", text, strlen(text));
	tree_finish(t, -1);
}

static void
bad(void *text)
{
	struct tree t;

	build(&t, text);
}

static void
two_specs(void *arg)
{
	struct tree t = { 0 };
	const char *a = "#mtree\n./x type=file contents=f1\n", *b = "#mtree\n./x type=dir\n";

	(void)arg;
	tree_add_spec_mem(&t, "a", a, strlen(a));
	tree_add_spec_mem(&t, "b", b, strlen(b));
	tree_finish(&t, -1);
}

static void
with_nul(void *arg)
{
	struct tree t = { 0 };

	(void)arg;
	tree_add_spec_mem(&t, "t.mtree", "#mtree\n./f\0 type=file\n", 21);
}

static struct node *
find(struct tree *t, const char *path)
{
	for (size_t i = 0; i < t->n; i++)
		if (strcmp(t->v[i].path, path) == 0)
			return &t->v[i];
	return NULL;
}

static void
mkfile(const char *name, const char *text)
{
	char *p = xasprintf("%s/%s", dir, name);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (fd < 0 || write(fd, text, strlen(text)) < 0 || close(fd) < 0) {
		perror(p);
		exit(1);
	}
	free(p);
}

int
main(void)
{
	char tmpl[] = "/tmp/unit-spec.XXXXXX", all[256], *e, *d, *text, *buf;
	struct tree t, u;
	struct node *n;
	size_t len;
	FILE *fp;
	int okay;

	/* Decoding, as libarchive's mtree reader does. */
	ok(strcmp(spec_decode((char[]){ "a\\040b\\tc" }), "a b\tc") == 0,
	    "decode octal and \\t");
	ok(strcmp(spec_decode((char[]){ "\\s\\n\\\\" }), " \n\\") == 0,
	    "decode \\s \\n \\\\");
	ok(strcmp(spec_decode((char[]){ "\\377x" }), "\377x") == 0,
	    "decode a high byte");
	ok(strcmp(spec_decode((char[]){ "a\\qb" }), "a\\qb") == 0,
	    "unknown escape keeps the backslash");
	ok(strcmp(spec_decode((char[]){ "\\400" }), "\\400") == 0,
	    "octal above \\377 is not an escape");

	/* Every byte survives encode + decode; the encoding has no blanks. */
	for (int i = 1; i < 256; i++)
		all[i - 1] = (char)i;
	all[255] = '\0';
	e = spec_encode(all);
	okay = strpbrk(e, " \t\n#=") == NULL;
	for (const unsigned char *p = (unsigned char *)e; *p; p++)
		okay &= *p > 0x20 && *p < 0x7f;
	ok(okay, "encoding is printable ASCII without blanks, '#', '='");
	d = spec_decode(xstrdup(e));
	ok(strcmp(d, all) == 0, "bytes 1..255 survive encode + decode");
	free(e);
	free(d);

	if ((dir = mkdtemp(tmpl)) == NULL || chdir(dir) < 0) {
		perror("mkdtemp");
		return 1;
	}
	mkfile("f1", "one\n");
	mkfile("f2", "two!\n");

	/* Sorting, parents, link counts, inode numbers. */
	build(&t, "#mtree\n"
	    "./z type=file contents=f1\n"
	    "./a/b type=dir\n"
	    "./a.b type=file contents=f2\n"
	    ". type=dir\n"
	    "./a type=dir\n"
	    "./\\377 type=file contents=f1\n"
	    "./a/c type=link link=../z\n");
	ok(t.n == 7 && strcmp(t.v[0].path, ".") == 0 &&
	    strcmp(t.v[1].path, "a") == 0 && strcmp(t.v[2].path, "a.b") == 0 &&
	    strcmp(t.v[3].path, "a/b") == 0 && strcmp(t.v[4].path, "a/c") == 0 &&
	    strcmp(t.v[5].path, "z") == 0 && strcmp(t.v[6].path, "\377") == 0,
	    "sorted bytewise: \".\" first, \"a\" < \"a.b\" < \"a/b\", 0xff last");
	ok(t.v[0].nlink == 3 && t.v[1].nlink == 3 && t.v[3].nlink == 2,
	    "directory link counts: 2 + subdirectories");
	okay = 1;
	for (size_t i = 0; i < t.n; i++)
		okay &= t.v[i].ino == i + 1;
	ok(okay, "inode numbers 1, 2, ... in path order");
	ok((n = find(&t, "a.b")) && n->size == 5 && n->data &&
	    strcmp(n->src, "f2") == 0, "size and source from contents=");
	ok((n = find(&t, "a/c")) && strcmp(n->link, "../z") == 0,
	    "symlink target");
	tree_free(&t);

	/* Keywords: /set, device, later lines override earlier ones. */
	build(&t, "#mtree\n/set uid=3 gid=4 mode=0640 time=77.0\n"
	    "./f type=file contents=f1\n"
	    "./f mode=0600 \\\n   uid=5\n"
	    "./dev type=dir mode=0755\n"
	    "./dev/null type=char device=native,1,3 mode=0666\n");
	ok((n = find(&t, "f")) && n->mode == (S_IFREG | 0600) && n->uid == 5 &&
	    n->gid == 4 && n->mtime == 77, "/set defaults, later line "
	    "overrides, continuation line");
	ok((n = find(&t, "dev/null")) && S_ISCHR(n->mode) &&
	    n->rdev == makedev(1, 3), "character device numbers");
	tree_free(&t);

	/* Across specs a later entry replaces an earlier one whole. */
	memset(&t, 0, sizeof(t));
	text = "#mtree\n./f type=file uid=9 mode=0755 contents=f1\n";
	tree_add_spec_mem(&t, "a", text, strlen(text));
	text = "#mtree\n./f type=file mode=0600 time=5.0 contents=f2\n";
	tree_add_spec_mem(&t, "b", text, strlen(text));
	tree_finish(&t, -1);
	ok(t.n == 1 && t.v[0].uid == 0 && t.v[0].mode == (S_IFREG | 0600) &&
	    strcmp(t.v[0].src, "f2") == 0, "a later spec replaces the entry");
	tree_free(&t);

	/* Clamping. */
	build(&t, "#mtree\n./old type=file time=10.0 contents=f1\n"
	    "./new type=file time=5000.0 contents=f1\n");
	memset(&u, 0, sizeof(u));
	text = "#mtree\n./old type=file time=10.0 contents=f1\n"
	    "./new type=file time=5000.0 contents=f1\n";
	tree_add_spec_mem(&u, "t", text, strlen(text));
	tree_finish(&u, 100);
	ok(find(&u, "old")->mtime == 10 && find(&u, "new")->mtime == 100,
	    "mtimes clamped to the epoch, older ones kept");
	tree_free(&t);
	tree_free(&u);

	/* Refusals. */
	exits(1, "t.mtree:2: ../x: path escapes the root", bad,
	    "#mtree\n../x type=file contents=f1\n", "leading ..");
	exits(1, "path escapes the root", bad,
	    "#mtree\n./a/../../x type=file contents=f1\n", ".. inside");
	exits(1, "empty or \".\" path component", bad,
	    "#mtree\n./a//b type=file contents=f1\n", "empty component");
	exits(1, "empty or \".\" path component", bad,
	    "#mtree\n./a/./b type=file contents=f1\n", "\".\" component");
	exits(1, "relative entry", bad, "#mtree\nx type=file contents=f1\n",
	    "relative entry");
	exits(1, "t.mtree:3: ./x: duplicate entry of another type (link, was "
	    "file on line 2)", bad, "#mtree\n./x type=file contents=f1\n"
	    "./x type=link link=y\n", "type conflict within one spec");
	exits(1, "x: duplicate entry of another type (file, then dir)",
	    two_specs, NULL, "type conflict across specs");
	exits(1, "a/b: parent directory a is not in the tree", bad,
	    "#mtree\n./a/b type=dir\n", "missing parent");
	exits(1, "a/b: parent a is a link, not a directory", bad,
	    "#mtree\n./a type=link link=/\n./a/b type=dir\n",
	    "parent is a symlink");
	exits(1, "Can't open /", bad,
	    "#mtree\n./f type=file contents=nope\n", "missing contents");
	exits(1, "t.mtree: NUL byte in spec", with_nul, NULL, "NUL byte");

	/* Hard links: an inode with several links and equal metadata. */
	if (link("f1", "f1-hard") < 0) {
		perror("link");
		return 1;
	}
	build(&t, "#mtree\n./a type=file contents=f1\n"
	    "./b type=file contents=f1-hard\n"
	    "./c type=file contents=f1-hard mode=0700\n"
	    "./d type=file contents=f2\n"
	    "./e type=file contents=f2\n");
	ok(t.v[0].ino == t.v[1].ino && t.v[0].nlink == 2 &&
	    t.v[1].nlink == 2 && !t.v[0].data && t.v[1].data,
	    "hard links: one inode, link count 2, bytes on the last");
	ok(t.v[2].ino != t.v[1].ino && t.v[2].nlink == 1 && t.v[2].data,
	    "same inode, other mode: a separate file");
	ok(t.v[3].ino != t.v[4].ino && t.v[3].data && t.v[4].data,
	    "one contents file with one link: two files");
	tree_free(&t);

	/* Written spec read back: the same tree. */
	mkfile("we\\ird =#name", "w\n");
	build(&t, "#mtree\n. type=dir mode=0755 time=1.0\n"
	    "./sp\\040ace type=file mode=04755 uid=1 gid=2 time=3.0 "
	    "contents=we\\134ird\\040\\075\\043name\n"
	    "./l\\012ink type=link link=sp\\040ace\n"
	    "./fifo type=fifo mode=0600\n"
	    "./blk type=block device=native,259,7 mode=0600\n");
	buf = NULL;
	fp = open_memstream(&buf, &len);
	tree_write_spec(&t, fp);
	fclose(fp);
	memset(&u, 0, sizeof(u));
	tree_add_spec_mem(&u, "written", buf, len);
	tree_finish(&u, -1);
	okay = t.n == u.n;
	for (size_t i = 0; okay && i < t.n; i++) {
		struct node *x = &t.v[i], *y = &u.v[i];

		okay = strcmp(x->path, y->path) == 0 && x->mode == y->mode &&
		    x->uid == y->uid && x->gid == y->gid &&
		    x->mtime == y->mtime && x->size == y->size &&
		    x->rdev == y->rdev && !x->link == !y->link &&
		    (!x->link || strcmp(x->link, y->link) == 0) &&
		    !x->src == !y->src && (!x->src || strcmp(x->src, y->src) == 0);
	}
	ok(okay, "tree_write_spec output reads back as the same tree");
	ok(strstr(buf, "./sp\\040ace ") != NULL &&
	    strstr(buf, "contents=we\\134ird\\040\\075\\043name") != NULL,
	    "written names and values are vis-encoded");
	free(buf);
	tree_free(&t);
	tree_free(&u);

	if (chdir("/") == 0) {
		char *cmd = xasprintf("rm -rf '%s'", dir);

		if (system(cmd) != 0)
			fprintf(stderr, "cannot remove %s\n", dir);
		free(cmd);
	}
	return unit_done();
}
