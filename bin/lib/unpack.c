/*
 * unpack.c: unpack tar entries (a .deb's data.tar) into a root directory
 * that serves as a content store, and record each entry's real metadata as
 * a tree node; nothing needs privileges.
 *
 * Every path stays inside the root: "..", empty and "." components and
 * absolute names are refused, and the path is walked one component at a
 * time with O_NOFOLLOW, so a symlink a package (or another package) placed
 * is never followed, the equivalent of openat2 RESOLVE_BENEATH |
 * RESOLVE_NO_SYMLINKS. Hard links may only name regular files already in
 * the root. Device nodes and fifos exist only in the tree; files are
 * written mode 0644 or 0755, the spec carries the real mode and owner.
 *
 * Merged /usr (Debian's usrmerge layout): a path under bin, sbin, lib or
 * lib64 is stored under usr/, and those four are symlinks into usr/.
 */
#include <sys/stat.h>

#include <archive.h>
#include <archive_entry.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "initkit.h"

const char *const merged_usr[] = { "bin", "sbin", "lib", "lib64", NULL };

char *
unpack_map(const char *deb, const char *raw)
{
	const char *p = raw, *c, *end;
	size_t len;

	if (strncmp(p, "./", 2) == 0)
		p += 2;
	else if (strcmp(p, ".") == 0)
		p += 1;
	else if (p[0] == '/')
		errx(1, "%s: %s: absolute path", deb, raw);
	len = strlen(p);
	while (len > 0 && p[len - 1] == '/')
		len--;
	if (len == 0)
		return NULL;	/* the root itself */
	for (c = p; c < p + len; c = end + 1) {
		end = memchr(c, '/', p + len - c);
		if (end == NULL)
			end = p + len;
		if (end - c == 2 && c[0] == '.' && c[1] == '.')
			errx(1, "%s: %s: path escapes the root", deb, raw);
		if (end == c || (end - c == 1 && c[0] == '.'))
			errx(1, "%s: %s: empty or \".\" path component", deb,
			    raw);
	}
	for (int i = 0; merged_usr[i]; i++) {
		size_t n = strlen(merged_usr[i]);

		if (strncmp(p, merged_usr[i], n) == 0 &&
		    (p[n] == '/' || len == n))
			return xasprintf("usr/%.*s", (int)len, p);
	}
	return xasprintf("%.*s", (int)len, p);
}

/*
 * Exclusion: the path with a leading "/" is matched against each pattern
 * (fnmatch(3) without FNM_PATHNAME, so "*" spans directories); the last
 * matching pattern decides, and one starting with "!" keeps the path.
 */
int
unpack_excluded(char *const *pats, size_t n, const char *path)
{
	char *abs = xasprintf("/%s", path);
	int out = 0;

	for (size_t i = 0; i < n; i++) {
		int neg = pats[i][0] == '!';

		if (fnmatch(pats[i] + neg, abs, 0) == 0)
			out = !neg;
	}
	free(abs);
	return out;
}

/*
 * Open path's parent directory beneath the root; *name gets the last part.
 * The last one is kept open: a directory below it is walked to from there
 * (a tree N deep costs N steps, not N * N / 2).
 */
static int
open_parent(struct unpacker *u, const char *path, const char **name)
{
	const char *slash = strrchr(path, '/'), *c, *end;
	size_t plen = slash ? (size_t)(slash - path) : 0, from = 0;
	int fd, next;

	*name = slash ? slash + 1 : path;
	if (u->pdir != NULL && strlen(u->pdir) == plen &&
	    strncmp(u->pdir, path, plen) == 0)
		return u->pfd;
	if (u->pdir != NULL && (from = strlen(u->pdir)) > 0 && from < plen &&
	    strncmp(u->pdir, path, from) == 0 && path[from] == '/')
		from++;
	else
		from = 0;
	if ((fd = dup(from > 0 ? u->pfd : u->rootfd)) < 0)
		err(1, "dup");
	if (u->pdir != NULL) {
		close(u->pfd);
		free(u->pdir);
		u->pdir = NULL;
	}
	for (c = path + from; plen > 0 && c < path + plen; c = end + 1) {
		char comp[NAME_MAX + 1];

		end = memchr(c, '/', path + plen - c);
		if (end == NULL)
			end = path + plen;
		if ((size_t)(end - c) > NAME_MAX)
			errx(1, "%s: %s: name too long", u->deb, path);
		memcpy(comp, c, end - c);
		comp[end - c] = '\0';
		next = openat(fd, comp, O_PATH | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC);
		if (next < 0 && errno == ENOENT) {
			/* A parent no entry named: made here, added later. */
			if (mkdirat(fd, comp, 0755) < 0 && errno != EEXIST)
				err(1, "%s: %.*s", u->deb, (int)(end - path),
				    path);
			next = openat(fd, comp, O_PATH | O_DIRECTORY |
			    O_NOFOLLOW | O_CLOEXEC);
		}
		if (next < 0 && (errno == ENOTDIR || errno == ELOOP))
			errx(1, "%s: %s: path goes through %.*s, which is not "
			    "a directory (a symlink is never followed)",
			    u->deb, path, (int)(end - path), path);
		if (next < 0)
			err(1, "%s: %.*s", u->deb, (int)(end - path), path);
		close(fd);
		fd = next;
	}
	u->pdir = xasprintf("%.*s", (int)plen, path);
	u->pfd = fd;
	return fd;
}

/* Make room for a new entry: whatever is there (not a directory) goes. */
static void
clear(struct unpacker *u, int dfd, const char *name, const char *path)
{
	struct stat st;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno == ENOENT)
			return;
		err(1, "%s: %s", u->deb, path);
	}
	if (S_ISDIR(st.st_mode))
		errx(1, "%s: %s: a directory is in the way", u->deb, path);
	if (unlinkat(dfd, name, 0) < 0)
		err(1, "%s: %s", u->deb, path);
}

static void
write_data(struct unpacker *u, struct archive *a, int fd, const char *path)
{
	const void *buf;
	size_t len;
	la_int64_t off, pos = 0;
	int r;

	while ((r = archive_read_data_block(a, &buf, &len, &off)) ==
	    ARCHIVE_OK) {
		if (off != pos)
			errx(1, "%s: %s: sparse data", u->deb, path);
		for (const char *p = buf; len > 0;) {
			ssize_t w = write(fd, p, len);

			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0)
				err(1, "%s: %s", u->deb, path);
			p += w;
			len -= w;
			pos += w;
		}
	}
	if (r != ARCHIVE_EOF)
		errx(1, "%s: %s: %s", u->deb, path, archive_error_string(a));
}

/*
 * Whether a symlink entry, mapped to path, is one of the merged-/usr links
 * the skeleton made (bin -> usr/bin): Debian 13's base-files ships them
 * itself. Mapped, its path and target are the same, which no other link
 * can be.
 */
static int
usr_link(const char *path, const char *target)
{
	if (target == NULL)
		return 0;
	target += *target == '/';
	for (int i = 0; merged_usr[i]; i++)
		if (strncmp(path, "usr/", 4) == 0 &&
		    strcmp(path + 4, merged_usr[i]) == 0 &&
		    strcmp(target, path) == 0)
			return 1;
	return 0;
}

/*
 * A hard link: one inode, whose metadata is the target's, which this
 * package must have shipped before (dpkg's rule too).
 */
static void
unpack_hardlink(struct unpacker *u, struct node *n, const char *raw,
    const char *hl)
{
	const struct node *o = NULL;
	const char *tname, *name;
	char *target;
	struct stat st;
	int dfd, tfd;

	if ((target = unpack_map(u->deb, hl)) == NULL)
		errx(1, "%s: %s: hard link to the root", u->deb, raw);
	/* Both directories at once: the cache holds only one. */
	if ((tfd = dup(open_parent(u, target, &tname))) < 0)
		err(1, "dup");
	if (fstatat(tfd, tname, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
	    !S_ISREG(st.st_mode))
		errx(1, "%s: %s: hard link to %s, which is not a "
		    "regular file in the root", u->deb, raw, hl);
	for (size_t i = u->tree->n - 1; i > 0 && o == NULL; i--)
		if (strcmp(u->tree->v[i - 1].path, target) == 0 &&
		    S_ISREG(u->tree->v[i - 1].mode))
			o = &u->tree->v[i - 1];
	if (o == NULL)
		errx(1, "%s: %s: hard link to %s, which this package "
		    "does not ship", u->deb, raw, hl);
	n->mode = o->mode;
	n->uid = o->uid;
	n->gid = o->gid;
	n->mtime = o->mtime;
	dfd = open_parent(u, n->path, &name);
	clear(u, dfd, name, n->path);
	if (linkat(tfd, tname, dfd, name, 0) < 0)
		err(1, "%s: %s", u->deb, n->path);
	close(tfd);
	n->size = st.st_size;
	n->src = xasprintf("%s/%s", u->prefix, n->path);
	free(target);
}

/* A regular file's data, written to NAME in DFD. */
static void
unpack_file(struct unpacker *u, struct archive *a, struct node *n, int dfd,
    const char *name)
{
	struct stat st;
	int fd;

	/* Create first: what is in the way is the rare case. */
	for (int tries = 0;; tries++) {
		fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL |
		    O_NOFOLLOW | O_CLOEXEC, n->mode & 0111 ? 0755 : 0644);
		if (fd >= 0 || errno != EEXIST || tries > 0)
			break;
		clear(u, dfd, name, n->path);
	}
	if (fd < 0)
		err(1, "%s: %s", u->deb, n->path);
	write_data(u, a, fd, n->path);
	if (fstat(fd, &st) < 0 || close(fd) < 0)
		err(1, "%s: %s", u->deb, n->path);
	n->size = st.st_size;
	n->src = xasprintf("%s/%s", u->prefix, n->path);
}

void
unpack_entry(void *ctx, struct archive *a, struct archive_entry *e)
{
	struct unpacker *u = ctx;
	const char *raw = archive_entry_pathname(e), *name, *hl;
	char *path;
	mode_t mode = archive_entry_mode(e);
	struct node *n;
	struct stat st;
	int dfd;

	if (raw == NULL)
		errx(1, "%s: entry without a name", u->deb);
	if ((path = unpack_map(u->deb, raw)) == NULL)
		return;
	if (unpack_excluded(u->excl, u->nexcl, path)) {
		free(path);
		return;
	}
	if (S_ISLNK(mode) && usr_link(path, archive_entry_symlink(e))) {
		free(path);
		return;
	}
	hl = archive_entry_hardlink(e);
	if (hl == NULL && archive_entry_sparse_count(e) > 0)
		errx(1, "%s: %s: sparse file (dpkg refuses these)", u->deb, raw);

	n = tree_new(u->tree);
	n->path = path;
	n->mode = mode & (S_IFMT | 07777);
	n->uid = archive_entry_uid(e);
	n->gid = archive_entry_gid(e);
	n->mtime = archive_entry_mtime(e);
	if (hl != NULL) {
		unpack_hardlink(u, n, raw, hl);
		return;
	}
	dfd = open_parent(u, path, &name);
	switch (mode & S_IFMT) {
	case S_IFDIR:
		if (mkdirat(dfd, name, 0755) < 0 && errno != EEXIST)
			err(1, "%s: %s", u->deb, path);
		if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISDIR(st.st_mode))
			errx(1, "%s: %s: not a directory in the root", u->deb,
			    path);
		break;
	case S_IFREG:
		unpack_file(u, a, n, dfd, name);
		break;
	case S_IFLNK:
		if (archive_entry_symlink(e) == NULL ||
		    *archive_entry_symlink(e) == '\0')
			errx(1, "%s: %s: symlink without a target", u->deb,
			    raw);
		n->link = xstrdup(archive_entry_symlink(e));
		if (symlinkat(n->link, dfd, name) < 0 && (errno != EEXIST ||
		    (clear(u, dfd, name, path), symlinkat(n->link, dfd,
		    name)) < 0))
			err(1, "%s: %s", u->deb, path);
		break;
	case S_IFCHR:
	case S_IFBLK:
		n->rdev = archive_entry_rdev(e);
		break;
	case S_IFIFO:
		break;
	default:
		errx(1, "%s: %s: tar entry type dpkg refuses", u->deb, raw);
	}
}

void
unpack_done(struct unpacker *u)
{
	if (u->pdir != NULL) {
		close(u->pfd);
		free(u->pdir);
		u->pdir = NULL;
	}
}

