/*
 * Unit tests for bin/lib/cpio.c against the newc layout written out by hand
 * from buffer-format.rst: "070701", 13 x 8 hex digits, name, NUL, padding
 * to 4 bytes.
 */
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "initkit.h"
#include "unit.h"

static struct tree one;

static void
size_of(void *arg)
{
	cpio_size(arg);
}

/* cpio_write alone, without cpio_size first, uncompressed into arg's file. */
static void
write_alone(void *arg)
{
	struct out o;
	struct sink s;

	out_open(&o, getenv("UNIT_CPIO_OUT"), OUT_FORCE);
	sink_open(&s, &o, COMP_NONE, 0, -1);
	cpio_write(&s, arg);
	sink_close(&s);
	out_commit(&o);
	exit(0);
}

static struct tree *
single(const char *path, mode_t mode, uint64_t size, int64_t mtime)
{
	static struct node n;

	n = (struct node){ .path = (char *)path, .mode = mode, .size = size,
	    .mtime = mtime, .nlink = 1, .ino = 1, .data = 1, .link = "x" };
	one.v = &n;
	one.n = 1;
	return &one;
}

int
main(void)
{
	unsigned char buf[256];
	char name[5000];
	size_t len;

	len = cpio_header(buf, "hello", 2, S_IFREG | 0644, 1, 2, 1, 200, 3, 0);
	ok(len == 116 && memcmp(buf, "070701"
	    "00000002" "000081a4" "00000001" "00000002" "00000001" "000000c8"
	    "00000003" "00000000" "00000000" "00000000" "00000000" "00000006"
	    "00000000" "hello\0", 116) == 0,
	    "regular file header, 110 + 6 bytes, no padding");

	len = cpio_header(buf, "dev/sda1", 9, S_IFBLK | 0660, 0, 6, 1, 0, 0,
	    makedev(8, 1));
	ok(len == 120 && memcmp(buf, "070701"
	    "00000009" "000061b0" "00000000" "00000006" "00000001" "00000000"
	    "00000000" "00000000" "00000000" "00000008" "00000001" "00000009"
	    "00000000" "dev/sda1\0\0\0", 120) == 0,
	    "block device: rdev major/minor fields, dev fields zero, padding");

	len = cpio_header(buf, "TRAILER!!!", 0, 0, 0, 0, 1, 0, 0, 0);
	ok(len == 124 && memcmp(buf + 94, "0000000b" "00000000" "TRAILER!!!\0"
	    "\0\0\0", 30) == 0, "trailer: namesize 11, padded to 124");

	/* 110 + name + NUL, rounded up to 4. */
	ok(cpio_header_size("a") == 112, "1-byte name: 112");
	ok(cpio_header_size("ab") == 116, "2-byte name: 116");
	ok(cpio_header_size("abcde") == 116, "5-byte name: 116");
	ok(cpio_header_size("abcdef") == 120, "6-byte name: 120");

	/* size: header 112 + body 5 padded to 8, trailer 124 */
	ok(cpio_size(single("a", S_IFREG | 0644, 5, 0)) == 112 + 8 + 124,
	    "archive size with data padding and trailer");
	ok(cpio_size(single("a", S_IFLNK | 0777, 0, 0)) == 112 + 4 + 124,
	    "symlink body is its target");

	memset(name, 'a', sizeof(name));
	name[4095] = '\0';
	ok(cpio_size(single(name, S_IFDIR | 0755, 0, 0)) > 0,
	    "4095-byte name accepted");
	name[4095] = 'a';
	name[4096] = '\0';
	exits(1, "name longer than 4095 bytes", size_of,
	    single(name, S_IFDIR | 0755, 0, 0), "4096-byte name refused");
	exits(1, "at most 4 GiB - 1 per file", size_of,
	    single("big", S_IFREG | 0644, 1ULL << 32, 0), "4 GiB file refused");
	ok(cpio_size(single("big", S_IFREG | 0644, UINT32_MAX, 0)) > 0,
	    "4 GiB - 1 file accepted");
	exits(1, "mtime 4294967296 does not fit", size_of,
	    single("f", S_IFREG | 0644, 0, 1LL << 32), "mtime past 2106 refused");
	exits(1, "mtime -1 does not fit", size_of,
	    single("f", S_IFREG | 0644, 0, -1), "negative mtime refused");

	/*
	 * cpio_write checks on its own: a name of 5000 bytes, larger than
	 * the room it once reserved for any name, is refused, not copied
	 * past its buffer; one of 4095 bytes comes out whole.
	 */
	{
		char tmpl[] = "/tmp/unit-cpio.XXXXXX", *dir = mkdtemp(tmpl), path[64];
		struct stat st;

		if (dir == NULL)
			return 1;
		snprintf(path, sizeof(path), "%s/out", dir);
		setenv("UNIT_CPIO_OUT", path, 1);
		memset(name, 'a', sizeof(name) - 1);
		name[sizeof(name) - 1] = '\0';
		single(name, S_IFDIR | 0755, 0, 0)->v[0].data = 0;
		exits(1, "name longer than 4095 bytes", write_alone, &one,
		    "cpio_write alone refuses a 4999-byte name");
		name[4095] = '\0';
		single(name, S_IFDIR | 0755, 0, 0)->v[0].data = 0;
		exits(0, "", write_alone, &one,
		    "cpio_write alone writes a 4095-byte name");
		ok(stat(path, &st) == 0 && st.st_size == 4208 + 124,
		    "header, name and NUL (4206 bytes, padded to 4208), "
		    "trailer");
		unlink(path);
		rmdir(dir);
	}
	return unit_done();
}
