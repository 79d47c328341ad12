/*
 * cpio.c: the "new ASCII" cpio format (magic 070701) as the kernel unpacks
 * it into the initramfs: Documentation/driver-api/early-userspace/
 * buffer-format.rst and init/initramfs.c.
 *
 * Each entry: a 110-byte header of the magic and 13 fields of 8 hex digits
 * (ino, mode, uid, gid, nlink, mtime, filesize, devmajor, devminor,
 * rdevmajor, rdevminor, namesize including the NUL, check = 0), the name
 * and its NUL padded so the data starts on a 4-byte boundary, the data
 * padded to 4 bytes. The archive ends with an entry named "TRAILER!!!".
 * devmajor/devminor (the build host's file system) are always 0.
 */
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "initkit.h"

#define HDR	110
#define PAD4(n)	(((n) + 3) & ~(uint64_t)3)
#define TRAILER	"TRAILER!!!"

uint64_t
cpio_header_size(const char *name)
{
	return PAD4(HDR + strlen(name) + 1);
}

static void
hex8(unsigned char *p, uint32_t v)
{
	static const char digits[] = "0123456789abcdef";

	for (int i = 7; i >= 0; i--, v >>= 4)
		p[i] = digits[v & 0xf];
}

size_t
cpio_header(unsigned char *buf, const char *name, uint32_t ino, mode_t mode,
    uid_t uid, gid_t gid, uint32_t nlink, uint32_t mtime, uint64_t size,
    dev_t rdev)
{
	size_t nlen = strlen(name) + 1, total = PAD4(HDR + nlen);
	const uint32_t f[13] = {
		ino, mode, uid, gid, nlink, mtime, (uint32_t)size, 0, 0,
		major(rdev), minor(rdev), (uint32_t)nlen, 0,
	};

	memcpy(buf, "070701", 6);
	for (int i = 0; i < 13; i++)
		hex8(buf + 6 + 8 * i, f[i]);
	memcpy(buf + HDR, name, nlen);
	memset(buf + HDR + nlen, 0, total - HDR - nlen);
	return total;
}

/* What an entry's body holds: file bytes (if it carries them) or target. */
static uint64_t
body_size(const struct node *n)
{
	if (S_ISLNK(n->mode))
		return strlen(n->link);
	return n->data ? n->size : 0;
}

/*
 * What newc and the kernel's reader cannot take. cpio_size checks every
 * entry before any byte is written; cpio_write checks each again, so it
 * is safe on its own.
 */
static void
check_node(const struct node *n)
{
	if (strlen(n->path) > CPIO_NAME_MAX)
		errx(1, "%.64s...: name longer than %d bytes, the "
		    "limit of the kernel's cpio reader", n->path,
		    CPIO_NAME_MAX);
	/* Readers stop there; the kernel drops it and its links. */
	if (strcmp(n->path, TRAILER) == 0)
		errx(1, "%s: the name of the cpio trailer", n->path);
	if (S_ISLNK(n->mode) && strlen(n->link) > CPIO_LINK_MAX)
		errx(1, "%s: symlink target longer than %d bytes",
		    n->path, CPIO_LINK_MAX);
	if (n->size > UINT32_MAX)
		errx(1, "%s: %ju bytes; newc cpio holds at most 4 GiB "
		    "- 1 per file", n->path, (uintmax_t)n->size);
	if (n->mtime < 0 || n->mtime > UINT32_MAX)
		errx(1, "%s: mtime %jd does not fit newc cpio",
		    n->path, (intmax_t)n->mtime);
	if (n->uid > UINT32_MAX || n->gid > UINT32_MAX)
		errx(1, "%s: owner does not fit newc cpio", n->path);
}

uint64_t
cpio_size(const struct tree *t)
{
	uint64_t total = 0;

	for (size_t i = 0; i < t->n; i++) {
		check_node(&t->v[i]);
		total += cpio_header_size(t->v[i].path) +
		    PAD4(body_size(&t->v[i]));
	}
	return total + cpio_header_size(TRAILER);
}

static void
put_header(struct sink *s, const char *name, const struct node *n)
{
	sink_reserve(s, cpio_header_size(name));
	size_t len = cpio_header(s->buf + s->len, name, n->ino, n->mode,
	    n->uid, n->gid, n->nlink, (uint32_t)n->mtime, body_size(n),
	    n->rdev);
	s->len += len;
	s->total += len;
}

/* Read a file's bytes straight into the sink's buffer. */
static void
put_file(struct sink *s, const struct node *n)
{
	uint64_t left = n->size;
	int fd = open_input(n->src, n->size);
	ssize_t r;

	while (left > 0) {
		if (s->len == s->cap)
			sink_flush(s);
		r = read(fd, s->buf + s->len,
		    left < s->cap - s->len ? left : s->cap - s->len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			err(1, "%s", n->src);
		if (r == 0)
			errx(1, "%s: shrank while building", n->src);
		s->len += r;
		s->total += r;
		left -= r;
	}
	input_done(fd, n->src, n->size);
}

static void
put_pad(struct sink *s, uint64_t len)
{
	static const unsigned char zero[4];

	if (len & 3)
		sink_put(s, zero, 4 - (len & 3));
}

void
cpio_write(struct sink *s, const struct tree *t)
{
	static const struct node trailer = { .nlink = 1 };

	for (size_t i = 0; i < t->n; i++) {
		const struct node *n = &t->v[i];

		check_node(n);
		put_header(s, n->path, n);
		if (S_ISLNK(n->mode)) {
			sink_put(s, n->link, strlen(n->link));
			put_pad(s, strlen(n->link));
		} else if (n->data) {
			put_file(s, n);
			put_pad(s, n->size);
		}
	}
	put_header(s, TRAILER, &trailer);
}
