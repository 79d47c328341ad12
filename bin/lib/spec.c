/*
 * spec.c: the tree spec. mtree(5) as libarchive reads it (the "full path"
 * form its writer produces and bsdtar @spec consumes), plus directory walks,
 * into one sorted list of nodes.
 *
 * libarchive parses the grammar and the keywords (with "checkfs", so a
 * keyword a spec leaves out comes from the contents file, exactly as for
 * bsdtar). It does not say where an entry's bytes are, nor whether two lines
 * for one path disagree on its type, so a small scanner reads the logical
 * lines once more for the name, "type=" and "contents=" of each.
 */
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <archive.h>
#include <archive_entry.h>
#include <ctype.h>
#include <dirent.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "initkit.h"

/* What the scanner knows of one entry line. */
struct line {
	char *name;		/* decoded, as libarchive names the entry */
	char *type;		/* effective "type=" value or NULL */
	char *contents;		/* effective "contents=" value or NULL */
	char *size;		/* effective "size=" value or NULL */
	unsigned given;		/* GIVEN_*: keywords in effect, /set too */
	size_t lineno;
	size_t order;
};

/* Keywords whose absence matters for ".": see root_defaults. */
#define GIVEN_UID	1u
#define GIVEN_GID	2u
#define GIVEN_TIME	4u
#define GIVEN_MODE	8u

static unsigned
given_bit(const char *key)
{
	return strcmp(key, "uid") == 0 ? GIVEN_UID : strcmp(key, "gid") == 0 ?
	    GIVEN_GID : strcmp(key, "time") == 0 ? GIVEN_TIME :
	    strcmp(key, "mode") == 0 ? GIVEN_MODE : 0;
}

struct scan {
	struct line *v;
	size_t n, cap;
};

/*
 * Decoding as libarchive's mtree reader does: \ooo octal (first digit
 * 0-3), \0 alone, and the C escapes \a \b \f \n \r \t \v \\ plus \s for a
 * space; an unknown escape keeps the backslash.
 */
char *
spec_decode(char *s)
{
	char *d = s, *p = s;
	char c;

	while (*p != '\0') {
		c = *p++;
		if (c != '\\') {
			*d++ = c;
			continue;
		}
		if (p[0] >= '0' && p[0] <= '3' &&
		    p[1] >= '0' && p[1] <= '7' && p[2] >= '0' && p[2] <= '7') {
			c = (char)((p[0] - '0') << 6 | (p[1] - '0') << 3 |
			    (p[2] - '0'));
			p += 3;
		} else if (p[0] == '0') {
			c = '\0';
			p++;
		} else {
			static const char from[] = "abfnrstv\\";
			static const char to[] = "\a\b\f\n\r \t\v\\";
			const char *f = p[0] ? strchr(from, p[0]) : NULL;

			if (f != NULL) {
				c = to[f - from];
				p++;
			}
		}
		*d++ = c;
	}
	*d = '\0';
	return s;
}

/*
 * Encoding as libarchive's mtree writer does: every byte outside the
 * printable ASCII range, and space, '#', '=' and '\', becomes \ooo.
 */
char *
spec_encode(const char *s)
{
	char *out = xmalloc(strlen(s) * 4 + 1), *d = out;
	const unsigned char *p;

	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p <= 0x20 || *p >= 0x7f || *p == '#' || *p == '=' ||
		    *p == '\\') {
			*d++ = '\\';
			*d++ = (char)('0' + (*p >> 6));
			*d++ = (char)('0' + ((*p >> 3) & 7));
			*d++ = (char)('0' + (*p & 7));
		} else
			*d++ = (char)*p;
	}
	*d = '\0';
	return out;
}

/* Set a keyword's value in a small option list (the /set globals). */
static void
opt_set(char **slot, const char *val)
{
	free(*slot);
	*slot = val ? xstrdup(val) : NULL;
}

/*
 * Split buf into logical lines the way libarchive's readline() does: a
 * backslash before the newline (not itself escaped) continues the line,
 * and the newline stays as a blank.
 */
static char *
next_line(char **pos, size_t *lineno)
{
	char *start = *pos, *p;

	if (*start == '\0')
		return NULL;
	for (p = start; *p != '\0'; p++) {
		if (*p == '\\' && p[1] == '\\') {
			p++;
			continue;
		}
		if (*p == '\\' && p[1] == '\n') {
			*p++ = ' ';
			*p = ' ';
			++*lineno;
			continue;
		}
		if (*p == '\n')
			break;
	}
	if (*p == '\n')
		*p++ = '\0';
	*pos = p;
	++*lineno;
	return start;
}

static void
scan_spec(struct scan *sc, const char *name, char *buf)
{
	char *pos = buf, *l, *tok, *save, *key, *val;
	char *g_type = NULL, *g_contents = NULL, *g_size = NULL;
	unsigned g_given = 0;
	size_t lineno = 0, start;

	for (;;) {
		start = lineno + 1;
		if ((l = next_line(&pos, &lineno)) == NULL)
			break;
		l += strspn(l, " \t");
		if (*l == '#' || *l == '\0' || *l == '\r')
			continue;
		if (*l == '/') {
			int set = strncmp(l, "/set", 4) == 0;

			/* libarchive rejects any other "/" line itself. */
			if (!set && strncmp(l, "/unset", 6) != 0)
				continue;
			strtok_r(l, " \t\r\n", &save);
			while ((tok = strtok_r(NULL, " \t\r\n", &save))) {
				key = tok;
				val = strchr(tok, '=');
				if (val != NULL)
					*val++ = '\0';
				if (set)
					g_given |= given_bit(key);
				else
					g_given &= ~given_bit(key);
				if (!set && strcmp(key, "all") == 0) {
					opt_set(&g_type, NULL);
					opt_set(&g_contents, NULL);
					opt_set(&g_size, NULL);
					g_given = 0;
				} else if (strcmp(key, "type") == 0)
					opt_set(&g_type, set ? val : NULL);
				else if (strcmp(key, "contents") == 0 ||
				    strcmp(key, "content") == 0)
					opt_set(&g_contents, set ? val : NULL);
				else if (strcmp(key, "size") == 0)
					opt_set(&g_size, set ? val : NULL);
			}
			continue;
		}
		if (sc->n == sc->cap)
			sc->v = xreallocarray(sc->v, sc->cap = sc->cap * 2 + 64,
			    sizeof(*sc->v));
		struct line *e = &sc->v[sc->n];
		e->lineno = start;
		e->order = sc->n++;
		e->name = spec_decode(xstrdup(strtok_r(l, " \t\r\n", &save)));
		e->type = g_type ? xstrdup(g_type) : NULL;
		e->contents = g_contents ? xstrdup(g_contents) : NULL;
		e->size = g_size ? xstrdup(g_size) : NULL;
		e->given = g_given;
		while ((tok = strtok_r(NULL, " \t\r\n", &save))) {
			key = tok;
			val = strchr(tok, '=');
			if (val != NULL)
				*val++ = '\0';
			e->given |= given_bit(key);
			if (strcmp(key, "type") == 0)
				opt_set(&e->type, val);
			else if (strcmp(key, "contents") == 0 ||
			    strcmp(key, "content") == 0)
				opt_set(&e->contents, val);
			else if (strcmp(key, "size") == 0)
				opt_set(&e->size, val);
		}
		if (e->contents != NULL)
			spec_decode(e->contents);
		if (strchr(e->name, '/') == NULL && strcmp(e->name, ".") != 0)
			errx(1, "%s:%zu: %s: relative entry; the tree spec "
			    "takes full paths (./dir/name)", name, e->lineno,
			    e->name);
	}
	free(g_type);
	free(g_contents);
	free(g_size);
}

static int
line_cmp(const void *a, const void *b)
{
	const struct line *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	if (c != 0)
		return c;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* Lines for one path must agree on its type (sc sorted by line_cmp). */
static void
scan_check(const struct scan *sc, const char *file)
{
	const struct line *typed = NULL, *e;

	for (size_t i = 0; i < sc->n; i++) {
		e = &sc->v[i];
		if (typed != NULL && strcmp(typed->name, e->name) != 0)
			typed = NULL;
		if (e->type == NULL)
			continue;
		if (typed != NULL && strcmp(typed->type, e->type) != 0)
			errx(1, "%s:%zu: %s: duplicate entry of another type "
			    "(%s, was %s on line %zu)", file, e->lineno,
			    e->name, e->type, typed->type, typed->lineno);
		typed = e;
	}
}

/* The merged view of all lines for one name: the last contents and size. */
static const struct line *
scan_find(struct scan *sc, const char *name, const char **contents,
    const char **size)
{
	struct line key = { .name = (char *)name, .order = 0 };
	size_t lo = 0, hi = sc->n, mid;
	const struct line *e, *first = NULL;

	/* The first line for name: lower bound on (name, order 0). */
	while (lo < hi) {
		mid = (lo + hi) / 2;
		if (line_cmp(&sc->v[mid], &key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*contents = *size = NULL;
	for (; lo < sc->n && strcmp(sc->v[lo].name, name) == 0; lo++) {
		e = &sc->v[lo];
		if (first == NULL)
			first = e;
		if (e->contents != NULL)
			*contents = e->contents;
		if (e->size != NULL)
			*size = e->size;
	}
	return first;
}

struct node *
tree_new(struct tree *t)
{
	struct node *n;

	if (t->n == t->cap)
		t->v = xreallocarray(t->v, t->cap = t->cap * 2 + 256,
		    sizeof(*t->v));
	n = &t->v[t->n++];
	memset(n, 0, sizeof(*n));
	n->seq = t->seq++;
	return n;
}

/*
 * Normalise a spec path to the stored form ("." or "a/b"): strip one
 * leading "./", refuse any "", "." or ".." component, which could name
 * something outside the root or one thing twice. (libarchive refuses lines
 * that start with "/" itself.)
 */
static char *
norm_path(const char *file, size_t lineno, const char *p)
{
	const char *c, *end;
	size_t len;

	if (strcmp(p, ".") == 0 || strcmp(p, "./") == 0)
		return xstrdup(".");
	if (strncmp(p, "./", 2) == 0)
		p += 2;
	len = strlen(p);
	if (len > 0 && p[len - 1] == '/')
		len--;	/* "dir/" names the directory */
	for (c = p; c <= p + len; c = end + 1) {
		end = memchr(c, '/', p + len - c);
		if (end == NULL)
			end = p + len;
		if (end - c == 2 && c[0] == '.' && c[1] == '.')
			errx(1, "%s:%zu: %s: path escapes the root", file,
			    lineno, p);
		if (end == c || (end - c == 1 && c[0] == '.'))
			errx(1, "%s:%zu: %s: empty or \".\" path component",
			    file, lineno, p);
	}
	return xasprintf("%.*s", (int)len, p);
}

/*
 * Hard links are files that are hard links on disk: the same inode with a
 * link count above one, as libarchive's link resolver decides for bsdtar.
 * Two spec entries that merely share a contents file stay two files.
 */
static void
set_identity(struct node *n, const struct stat *st)
{
	if (st->st_nlink < 2)
		return;
	n->src_dev = st->st_dev;
	n->src_ino = st->st_ino;
}

/* A size= value: decimal digits, as mtree(5) writes it. */
static uint64_t
spec_size(const char *file, size_t lineno, const char *path, const char *v)
{
	uintmax_t size;
	char *end;

	errno = 0;
	size = strtoumax(v, &end, 10);
	if (!isdigit((unsigned char)*v) || *end != '\0' || errno == ERANGE ||
	    size > INT64_MAX)
		errx(1, "%s:%zu: %s: size=%s: not a size in bytes", file,
		    lineno, path, v);
	return size;
}

/* Where a regular file's bytes are, and how many. */
static void
set_source(struct node *n, const char *file, size_t lineno,
    const char *contents, const char *entry_path, const char *size,
    const char *base, int rebase)
{
	const char *src = contents ? contents : entry_path;
	char *at = src[0] != '/' ? xasprintf("%s/%s", base, src) :
	    xstrdup(src);
	struct stat st;

	if (stat(at, &st) < 0)
		errx(1, "%s:%zu: %s: %s %s: %s", file, lineno, n->path,
		    contents ? "contents" : "file", src, strerror(errno));
	if (!S_ISREG(st.st_mode))
		errx(1, "%s:%zu: %s: %s %s: not a regular file", file, lineno,
		    n->path, contents ? "contents" : "file", src);
	/*
	 * libarchive takes a regular file's size from its contents file,
	 * whatever size= said: the spec's own word is compared here, so a
	 * file that changed after its spec was written is refused.
	 */
	if (size != NULL)
		n->size = spec_size(file, lineno, n->path, size);
	if (size != NULL && (uint64_t)st.st_size != n->size)
		errx(1, "%s:%zu: %s: size=%" PRIu64 " but %s %s has %jd "
		    "bytes", file, lineno, n->path, n->size,
		    contents ? "contents" : "file", src, (intmax_t)st.st_size);
	n->size = st.st_size;
	/* Read later from the working directory: under -C, the whole path. */
	n->src = rebase ? at : xstrdup(src);
	if (rebase)
		at = NULL;
	free(at);
	set_identity(n, &st);
}

/* An empty private directory, made once, removed at exit. */
static const char *
empty_dir(void)
{
	static char *dir;

	if (dir == NULL) {
		dir = scratch_dir(NULL, "initkit-spec");
		if (chmod(dir, 0500) < 0)
			err(1, "%s", dir);
	}
	return dir;
}

/*
 * Whether the entry named raw[0..len) (as the spec writes it) is a file
 * whose bytes are found by its path: every line for it leaves contents=
 * out, and its type is file or not given (libarchive's default).
 */
static int
by_path(struct scan *sc, const char *raw, size_t len)
{
	char *name = spec_decode(xasprintf("%.*s", (int)len, raw));
	const char *contents, *size, *type = NULL;
	const struct line *e = scan_find(sc, name, &contents, &size);

	if (e == NULL) {
		free(name);
		return 0;	/* not an entry scan_spec saw */
	}
	for (; e < sc->v + sc->n && strcmp(e->name, name) == 0; e++)
		if (e->type != NULL)
			type = e->type;
	free(name);
	return contents == NULL && (type == NULL || strcmp(type, "file") == 0);
}

/*
 * ".": the one entry libarchive always finds on disk when it checks the
 * file system, the empty directory it reads in. What the spec leaves out
 * of it is taken as for any entry not on disk (owner 0:0, time 0, no
 * permission bits), not from that directory: the builder's uid, the time
 * of the run, 0500.
 */
static void
root_defaults(struct node *n, struct scan *sc, const char *name)
{
	const char *contents, *size;
	const struct line *e = scan_find(sc, name, &contents, &size);
	unsigned given = 0;

	for (; e != NULL && e < sc->v + sc->n && strcmp(e->name, name) == 0;
	    e++)
		given |= e->given;
	if (!(given & GIVEN_UID))
		n->uid = 0;
	if (!(given & GIVEN_GID))
		n->gid = 0;
	if (!(given & GIVEN_TIME))
		n->mtime = 0;
	if (!(given & GIVEN_MODE))
		n->mode &= S_IFMT;
}

/*
 * The spec text with every relative "contents=" (or "content=") value
 * prefixed by base, and a file entry without one given contents= of its
 * path under base. Lines and words are split as scan_spec splits them
 * (next_line's logical lines, blanks " \t\r\n"), on a copy whose
 * continuations became blanks of the same length, so offsets in it are
 * offsets in buf; what is written is buf's own text with the insertions.
 */
static char *
absolute_contents(struct scan *sc, const char *buf, size_t len,
    const char *base, size_t *outlen)
{
	static const char blank[] = " \t\r\n";
	char *enc = spec_encode(base), *flat = xmalloc(len + 1), *pos = flat;
	char *l, *out = NULL;
	size_t lineno = 0, done = 0;
	FILE *f = open_memstream(&out, outlen);

	if (f == NULL)
		err(1, "open_memstream");
	memcpy(flat, buf, len);
	flat[len] = '\0';
	while ((l = next_line(&pos, &lineno)) != NULL) {
		size_t end = (size_t)(l - flat) + strlen(l);
		char *w = l + strspn(l, " \t"), *name = NULL;
		size_t namelen = 0;

		if (*w == '#' || *w == '\0' || *w == '\r') {
			/* A comment or blank line, as scan_spec skips it. */
		} else {
			if (*w != '/') {
				name = w;
				namelen = strcspn(w, blank);
				w += namelen;
			}
			for (w += strspn(w, blank); *w != '\0';
			    w += strspn(w, blank)) {
				size_t wl = strcspn(w, blank), k = 0;

				if (wl > 9 && memcmp(w, "contents=", 9) == 0)
					k = 9;
				else if (wl > 8 && memcmp(w, "content=", 8) == 0)
					k = 8;
				if (k != 0 && w[k] != '/') {
					size_t at = (size_t)(w - flat) + k;

					fwrite(buf + done, 1, at - done, f);
					fprintf(f, "%s/", enc);
					done = at;
				}
				w += wl;
			}
		}
		if (name != NULL && by_path(sc, name, namelen)) {
			fwrite(buf + done, 1, end - done, f);
			fprintf(f, " contents=%s/%.*s", enc, (int)namelen,
			    buf + (name - flat));
			done = end;
		}
	}
	fwrite(buf + done, 1, len - done, f);
	if (fclose(f) != 0)
		err(1, "open_memstream");
	free(flat);
	free(enc);
	return out;
}

/* The spec's lines, sorted by path, their types checked. */
static void
spec_scan(struct scan *sc, const char *file, const char *buf, size_t len)
{
	char *copy;

	if (memchr(buf, '\0', len) != NULL)
		errx(1, "%s: NUL byte in spec", file);
	copy = xmalloc(len + 1);
	memcpy(copy, buf, len);
	copy[len] = '\0';
	scan_spec(sc, file, copy);
	free(copy);
	if (sc->n > 1)
		qsort(sc->v, sc->n, sizeof(*sc->v), line_cmp);
	scan_check(sc, file);
}

static void
scan_free(struct scan *sc)
{
	for (size_t i = 0; i < sc->n; i++) {
		free(sc->v[i].name);
		free(sc->v[i].type);
		free(sc->v[i].contents);
		free(sc->v[i].size);
	}
	free(sc->v);
}

/*
 * Where relative paths in the spec are: the working directory, or the
 * tree's base (-C).
 */
static char *
spec_base(const struct tree *t)
{
	char *base;

	if (t->base != NULL)
		base = realpath(t->base, NULL);
	else
		base = getcwd(NULL, 0);
	if (base == NULL)
		err(1, "%s", t->base ? t->base : "getcwd");
	return base;
}

/*
 * libarchive opens a file's contents= (or its path) to learn its type and
 * size, and open(2) of a FIFO waits for a writer: that is refused before
 * (other types libarchive names itself).
 */
static void
fifos_refuse(const struct scan *sc, const char *file, const char *base)
{
	for (size_t i = 0; i < sc->n; i++) {
		const char *c = sc->v[i].contents;
		struct stat st;
		char *at;

		if (c == NULL && sc->v[i].type != NULL &&
		    strcmp(sc->v[i].type, "file") != 0)
			continue;
		if (c == NULL)
			c = sc->v[i].name;
		at = c[0] == '/' ? xstrdup(c) : xasprintf("%s/%s", base, c);
		if (stat(at, &st) == 0 && S_ISFIFO(st.st_mode))
			errx(1, "%s:%zu: %s%s: not a regular file", file,
			    sc->v[i].lineno, sc->v[i].contents ? "contents=" :
			    "", spec_encode(c));
		free(at);
	}
}

/* The node of the entry libarchive read. */
static void
entry_add(struct tree *t, struct scan *sc, const char *file,
    struct archive_entry *ae, const char *base)
{
	const char *contents, *size, *p = archive_entry_pathname(ae);
	const struct line *ln;
	struct node *n;

	if (p == NULL || (ln = scan_find(sc, p, &contents, &size)) == NULL)
		errx(1, "%s: %s: entry not found in the spec text", file,
		    p ? p : "(null)");
	n = tree_new(t);
	n->path = norm_path(file, ln->lineno, p);
	/* libarchive keeps mode= bits above 07777 beside the type. */
	n->mode = archive_entry_mode(ae) & (S_IFMT | 07777);
	/* uid_t is 32 bits: 4294967296 must not become root. */
	if (!owner_valid(archive_entry_uid(ae), archive_entry_gid(ae)))
		errx(1, "%s:%zu: %s: owner %jd:%jd out of range", file,
		    ln->lineno, n->path, (intmax_t)archive_entry_uid(ae),
		    (intmax_t)archive_entry_gid(ae));
	n->uid = archive_entry_uid(ae);
	n->gid = archive_entry_gid(ae);
	n->mtime = archive_entry_mtime(ae);
	if (strcmp(p, ".") == 0)
		root_defaults(n, sc, p);
	switch (n->mode & S_IFMT) {
	case S_IFREG:
		n->size = archive_entry_size(ae);
		set_source(n, file, ln->lineno, contents, p, size, base,
		    t->base != NULL);
		break;
	case S_IFLNK:
		if (archive_entry_symlink(ae) == NULL ||
		    *archive_entry_symlink(ae) == '\0')
			errx(1, "%s:%zu: %s: symlink without link=", file,
			    ln->lineno, n->path);
		n->link = xstrdup(archive_entry_symlink(ae));
		break;
	case S_IFCHR:
	case S_IFBLK:
		n->rdev = archive_entry_rdev(ae);
		break;
	case S_IFDIR:
	case S_IFIFO:
	case S_IFSOCK:
		break;
	default:
		errx(1, "%s:%zu: %s: unknown file type", file, ln->lineno,
		    n->path);
	}
}

/*
 * libarchive looks at the path of every entry without contents= in the
 * current directory (to check its type, and take a regular file's bytes):
 * a spec's "./bin" symlink against a source tree's bin/, or "./etc/passwd"
 * against the host's. So it reads in an empty directory, with relative
 * contents= made absolute, and a file entry without contents= (type=file,
 * or no type) given its path under base as contents=, as bsdtar reads it:
 * its bytes, and the keywords the spec leaves out, from that file.
 */
static void
spec_read(struct tree *t, struct scan *sc, const char *file,
    const char *buf, size_t len, const char *base)
{
	struct archive *a;
	struct archive_entry *ae;
	size_t abslen;
	char *abs = absolute_contents(sc, buf, len, base, &abslen);
	int r, cwdfd;

	if ((cwdfd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0 ||
	    chdir(empty_dir()) < 0)
		err(1, "%s", file);
	if ((a = archive_read_new()) == NULL)
		errx(1, "%s: cannot allocate a reader", file);
	if (archive_read_support_format_mtree(a) != ARCHIVE_OK ||
	    archive_read_set_format_option(a, "mtree", "checkfs", "1") !=
	    ARCHIVE_OK || archive_read_open_memory(a, abs, abslen) !=
	    ARCHIVE_OK)
		errx_archive(a, file);
	while ((r = archive_read_next_header(a, &ae)) != ARCHIVE_EOF) {
		if (r != ARCHIVE_OK)
			errx_archive(a, file);
		entry_add(t, sc, file, ae, base);
	}
	archive_read_free(a);
	if (fchdir(cwdfd) < 0)
		err(1, "%s", base);
	close(cwdfd);
	free(abs);
}

void
tree_add_spec_mem(struct tree *t, const char *file, const char *buf,
    size_t len)
{
	struct scan sc = { 0 };
	char *base;

	if (len == 0)
		return;		/* an empty spec is an empty tree */
	spec_scan(&sc, file, buf, len);
	base = spec_base(t);
	fifos_refuse(&sc, file, base);
	spec_read(t, &sc, file, buf, len, base);
	free(base);
	scan_free(&sc);
}

void
tree_add_spec(struct tree *t, const char *file)
{
	size_t len;
	char *buf = xreadfile(file, &len);

	tree_add_spec_mem(t, file && strcmp(file, "-") ? file : "stdin", buf,
	    len);
	free(buf);
}

void
tree_add(struct tree *t, const char *operand)
{
	struct stat st;

	if (strcmp(operand, "-") != 0 && stat(operand, &st) == 0 &&
	    S_ISDIR(st.st_mode))
		tree_add_dir(t, operand);
	else
		tree_add_spec(t, operand);
}

/* Walk dir (open as fd) whose tree path is rel and disk path is disk. */
static void
walk(struct tree *t, int fd, const char *rel, const char *disk)
{
	DIR *d;
	struct dirent *de;
	struct stat st;
	struct node *n;
	char **names = NULL;
	size_t nn = 0, cap = 0;

	if ((d = fdopendir(fd)) == NULL)
		err(1, "%s", disk);
	/* Read all names first: the fd stays one per level, not per entry. */
	while ((errno = 0, de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (nn == cap)
			names = xreallocarray(names, cap = cap * 2 + 16,
			    sizeof(*names));
		names[nn++] = xstrdup(de->d_name);
	}
	if (errno != 0)
		err(1, "%s", disk);
	for (size_t i = 0; i < nn; i++) {
		char *path = strcmp(rel, ".") == 0 ? xstrdup(names[i]) :
		    xasprintf("%s/%s", rel, names[i]);
		char *dpath = xasprintf("%s/%s", disk, names[i]);

		if (fstatat(dirfd(d), names[i], &st, AT_SYMLINK_NOFOLLOW) < 0)
			err(1, "%s", dpath);
		n = tree_new(t);
		n->path = path;
		n->mode = st.st_mode & (S_IFMT | 07777);
		n->mtime = st.st_mtime;
		switch (st.st_mode & S_IFMT) {
		case S_IFREG:
			n->size = st.st_size;
			n->src = xstrdup(dpath);
			set_identity(n, &st);
			break;
		case S_IFLNK: {
			char buf[PATH_MAX];
			ssize_t r = readlinkat(dirfd(d), names[i], buf,
			    sizeof(buf));

			if (r < 0)
				err(1, "%s", dpath);
			if (r == sizeof(buf))
				errx(1, "%s: symlink target too long", dpath);
			n->link = xasprintf("%.*s", (int)r, buf);
			break;
		}
		case S_IFCHR:
		case S_IFBLK:
			n->rdev = st.st_rdev;
			break;
		case S_IFDIR: {
			int sub = openat(dirfd(d), names[i],
			    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

			if (sub < 0)
				err(1, "%s", dpath);
			walk(t, sub, path, dpath);
			break;
		}
		}
		free(dpath);
		free(names[i]);
	}
	free(names);
	closedir(d);
}

void
tree_add_dir(struct tree *t, const char *dir)
{
	struct stat st;
	struct node *n;
	int fd;

	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 ||
	    fstat(fd, &st) < 0)
		err(1, "%s", dir);
	n = tree_new(t);
	n->path = xstrdup(".");
	n->mode = st.st_mode & (S_IFMT | 07777);
	n->mtime = st.st_mtime;
	walk(t, fd, ".", dir);
}

static int
node_cmp(const void *a, const void *b)
{
	const struct node *x = a, *y = b;
	int c = strcmp(x->path, y->path);

	if (c != 0)
		return c;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

void
node_free(struct node *n)
{
	free(n->path);
	free(n->link);
	free(n->src);
}

const char *
type_name(mode_t m)
{
	switch (m & S_IFMT) {
	case S_IFREG: return "file";
	case S_IFDIR: return "dir";
	case S_IFLNK: return "link";
	case S_IFCHR: return "char";
	case S_IFBLK: return "block";
	case S_IFIFO: return "fifo";
	case S_IFSOCK: return "socket";
	}
	return "unknown";
}

struct node *
tree_find(struct tree *t, const char *path, size_t len)
{
	size_t lo = 0, hi = t->n, mid;
	int c;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		c = strncmp(t->v[mid].path, path, len);
		if (c == 0 && t->v[mid].path[len] != '\0')
			c = 1;
		if (c < 0)
			lo = mid + 1;
		else if (c > 0)
			hi = mid;
		else
			return &t->v[mid];
	}
	return NULL;
}

/* Order for finding hard links: same bytes, same metadata, then path. */
static int
link_cmp(const void *a, const void *b, void *arg)
{
	const struct node *v = arg;
	const struct node *x = &v[*(const size_t *)a], *y =
	    &v[*(const size_t *)b];

#define CMP(f) if (x->f != y->f) return x->f < y->f ? -1 : 1
	CMP(src_dev);
	CMP(src_ino);
	CMP(mode);
	CMP(uid);
	CMP(gid);
	CMP(mtime);
#undef CMP
	return *(const size_t *)a < *(const size_t *)b ? -1 : 1;
}

static int
same_file(const struct node *x, const struct node *y)
{
	return x->src_dev == y->src_dev && x->src_ino == y->src_ino &&
	    x->mode == y->mode && x->uid == y->uid && x->gid == y->gid &&
	    x->mtime == y->mtime;
}

void
tree_sort(struct tree *t)
{
	if (t->n > 1)
		qsort(t->v, t->n, sizeof(*t->v), node_cmp);
}

void
tree_finish(struct tree *t, int64_t epoch)
{
	size_t i, j, k, *idx, ni = 0, *leader;
	uint32_t ino = 0;
	struct node *p;
	const char *slash;

	tree_sort(t);
	/* Replacement: keep the last node of each run of one path. */
	for (i = j = 0; i < t->n; i++) {
		if (i + 1 < t->n && strcmp(t->v[i].path, t->v[i + 1].path) == 0) {
			if ((t->v[i].mode & S_IFMT) != (t->v[i + 1].mode & S_IFMT))
				errx(1, "%s: duplicate entry of another type "
				    "(%s, then %s)", t->v[i].path,
				    type_name(t->v[i].mode),
				    type_name(t->v[i + 1].mode));
			node_free(&t->v[i]);
			continue;
		}
		t->v[j++] = t->v[i];
	}
	t->n = j;

	for (i = 0; i < t->n; i++) {
		struct node *n = &t->v[i];

		n->nlink = S_ISDIR(n->mode) ? 2 : 1;
		n->data = S_ISREG(n->mode) && n->src != NULL;
		if (epoch >= 0 && n->mtime > epoch)
			n->mtime = epoch;
		if ((slash = strrchr(n->path, '/')) == NULL) {
			/* Top level: the root entry is optional. */
			if (strcmp(n->path, ".") == 0 && !S_ISDIR(n->mode))
				errx(1, ".: the root is a %s, not a directory",
				    type_name(n->mode));
			if (S_ISDIR(n->mode) && strcmp(n->path, ".") != 0 &&
			    (p = tree_find(t, ".", 1)) != NULL)
				p->nlink++;
			continue;
		}
		p = tree_find(t, n->path, slash - n->path);
		if (p == NULL)
			errx(1, "%s: parent directory %.*s is not in the tree",
			    n->path, (int)(slash - n->path), n->path);
		if (!S_ISDIR(p->mode))
			errx(1, "%s: parent %s is a %s, not a directory",
			    n->path, p->path, type_name(p->mode));
		if (S_ISDIR(n->mode))
			p->nlink++;
	}

	/*
	 * Hard links: regular files read from one inode with equal metadata.
	 * The kernel links entries with equal (ino, mode) to the first one
	 * and appends a later entry's bytes, so any one of them may carry the
	 * data; like GNU cpio and libarchive, the last one does, and the
	 * others are written with size 0.
	 */
	idx = xcalloc(t->n, sizeof(*idx));
	leader = xcalloc(t->n, sizeof(*leader));
	for (i = 0; i < t->n; i++) {
		leader[i] = i;
		if (t->v[i].data && t->v[i].src_ino != 0)
			idx[ni++] = i;
	}
	qsort_r(idx, ni, sizeof(*idx), link_cmp, t->v);
	for (i = 0; i < ni; i = j) {
		for (j = i + 1; j < ni && same_file(&t->v[idx[i]],
		    &t->v[idx[j]]); j++)
			;
		if (j - i < 2)
			continue;
		for (k = i; k < j; k++) {
			leader[idx[k]] = idx[i];
			t->v[idx[k]].nlink = (uint32_t)(j - i);
			t->v[idx[k]].data = k == j - 1;
		}
	}
	for (i = 0; i < t->n; i++)
		t->v[i].ino = leader[i] == i ? ++ino : t->v[leader[i]].ino;
	free(idx);
	free(leader);
}

void
tree_free(struct tree *t)
{
	for (size_t i = 0; i < t->n; i++)
		node_free(&t->v[i]);
	free(t->v);
	memset(t, 0, sizeof(*t));
}

void
tree_write_spec(const struct tree *t, FILE *fp)
{
	fputs("#mtree\n", fp);
	for (size_t i = 0; i < t->n; i++) {
		const struct node *n = &t->v[i];
		char *p = spec_encode(n->path), *s;

		fprintf(fp, "%s%s type=%s mode=%04o uid=%ju gid=%ju "
		    "time=%" PRId64 ".0", strcmp(n->path, ".") ? "./" : "", p,
		    type_name(n->mode), (unsigned)(n->mode & 07777),
		    (uintmax_t)n->uid, (uintmax_t)n->gid, n->mtime);
		if (S_ISREG(n->mode)) {
			fprintf(fp, " size=%" PRIu64, n->size);
			if (n->src != NULL) {
				s = spec_encode(n->src);
				fprintf(fp, " contents=%s", s);
				free(s);
			}
		} else if (S_ISLNK(n->mode)) {
			s = spec_encode(n->link);
			fprintf(fp, " link=%s", s);
			free(s);
		} else if (S_ISCHR(n->mode) || S_ISBLK(n->mode))
			fprintf(fp, " device=native,%u,%u", major(n->rdev),
			    minor(n->rdev));
		fputc('\n', fp);
		free(p);
	}
}
