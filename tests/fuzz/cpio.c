/*
 * cpio.c: fuzz the cpio writer (bin/lib/cpio.c, sink.c) with random specs.
 * A spec the reader takes (tree.h's contents files) becomes a finished
 * tree, cpio_write writes it uncompressed into a file, and libarchive's
 * cpio reader must give the tree back: every entry's path, type, mode,
 * owner, mtime, size, link target, device, inode, link count and bytes,
 * in order, then the end; and the file is cpio_size bytes long. All in
 * the directory the spec was read in, which relative contents= name.
 */
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <archive.h>
#include <archive_entry.h>
#include <err.h>
#include <stdio.h>
#include <stdlib.h>

#include "tree.h"

static struct tree t;
static char *out_path;

static void
build(const uint8_t *data, size_t size)
{
	struct out o = { 0 };
	struct sink s;
	uint64_t want;
	struct stat st;

	tree_enter();
	tree_add_spec_mem(&t, "fuzz.mtree", (const char *)data, size);
	tree_finish(&t, 1700000000);
	want = cpio_size(&t);
	o.path = out_path;
	if ((o.fd = open(out_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0644)) < 0)
		err(1, "%s", out_path);
	sink_open(&s, &o, COMP_NONE, 0, -1);
	cpio_write(&s, &t);
	sink_close(&s);
	if (fstat(o.fd, &st) < 0 || close(o.fd) < 0)
		err(1, "%s", out_path);
	if ((uint64_t)st.st_size != want)
		fuzz_fail("cpio_size says %ju bytes, cpio_write wrote %jd",
		    (uintmax_t)want, (intmax_t)st.st_size);
	tree_leave();
}

/* The bytes of a node's contents file against what the archive holds. */
static void
check_data(struct archive *a, const struct node *n)
{
	char *want = NULL, got[65536];
	size_t len = 0, at = 0;
	la_ssize_t r;

	if (n->data) {
		want = xreadfile(n->src, &len);
		if (len != n->size)
			fuzz_fail("%s: %s changed", n->path, n->src);
	}
	while ((r = archive_read_data(a, got, sizeof(got))) > 0) {
		if (at + (size_t)r > len || memcmp(want + at, got, r) != 0)
			fuzz_fail("%s: bytes differ at %zu", n->path, at);
		at += r;
	}
	if (r < 0)
		fuzz_fail("%s: %s", n->path, archive_error_string(a));
	if (at != len)
		fuzz_fail("%s: %zu bytes, want %zu", n->path, at, len);
	free(want);
}

static void
check(void)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	size_t i = 0;
	int r;

	/* A relative contents= names a file in the directory read in. */
	tree_enter();
	if (a == NULL || archive_read_support_format_cpio(a) != ARCHIVE_OK ||
	    archive_read_open_filename(a, out_path, 65536) != ARCHIVE_OK)
		fuzz_fail("%s: %s", out_path, archive_error_string(a));
	while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
		const struct node *n = &t.v[i];
		const char *l = archive_entry_symlink(e);

		if (i == t.n)
			fuzz_fail("entry %s after the last node",
			    archive_entry_pathname(e));
		i++;
		if (strcmp(archive_entry_pathname(e), n->path) != 0 ||
		    archive_entry_mode(e) != n->mode ||
		    archive_entry_uid(e) != n->uid ||
		    archive_entry_gid(e) != n->gid ||
		    archive_entry_mtime(e) != n->mtime ||
		    archive_entry_ino(e) != n->ino ||
		    archive_entry_nlink(e) != n->nlink ||
		    archive_entry_rdevmajor(e) != major(n->rdev) ||
		    archive_entry_rdevminor(e) != minor(n->rdev) ||
		    (S_ISLNK(n->mode) ? l == NULL || strcmp(l, n->link) != 0 :
		    archive_entry_size(e) != (n->data ? (la_int64_t)n->size :
		    0)))
			fuzz_fail("%s: read back as %s mode %o %jd:%jd mtime "
			    "%jd ino %jd nlink %u rdev %u,%u size %jd link %s; "
			    "the tree has mode %o %u:%u mtime %jd ino %u "
			    "nlink %u rdev %u,%u size %ju data %d link %s",
			    n->path, archive_entry_pathname(e),
			    archive_entry_mode(e), (intmax_t)archive_entry_uid(e),
			    (intmax_t)archive_entry_gid(e),
			    (intmax_t)archive_entry_mtime(e),
			    (intmax_t)archive_entry_ino(e),
			    archive_entry_nlink(e),
			    (unsigned)archive_entry_rdevmajor(e),
			    (unsigned)archive_entry_rdevminor(e),
			    (intmax_t)archive_entry_size(e), l, n->mode,
			    n->uid, n->gid, (intmax_t)n->mtime, n->ino,
			    n->nlink, major(n->rdev), minor(n->rdev),
			    (uintmax_t)n->size, n->data, n->link);
		if (S_ISREG(n->mode))
			check_data(a, n);
	}
	if (r != ARCHIVE_EOF)
		fuzz_fail("%s: %s", out_path, archive_error_string(a));
	if (i != t.n)
		fuzz_fail("%zu entries, the tree has %zu nodes", i, t.n);
	archive_read_free(a);
	tree_leave();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int ok;

	tree_setup();
	if (out_path == NULL)
		out_path = fuzz_path("out.cpio");
	FUZZ_RUN(ok, build(data, size));
	if (ok)
		check();
	else if (fuzz_errmsg[0] == '\0')
		fuzz_fail("an error exit without a message");
	if (ok)
		tree_free(&t);
	memset(&t, 0, sizeof(t));
	return 0;
}
