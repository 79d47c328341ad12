/*
 * deb.c: read a Debian binary package in one pass with libarchive: the ar
 * archive, its control.tar for the fields packages.tsv needs, and each
 * entry of its data.tar handed to a callback.
 *
 * Format: deb(5). An ar archive whose first member is "debian-binary"
 * ("2.0\n"), then "control.tar" and "data.tar", each uncompressed or
 * compressed (.gz, .xz, .zst, .bz2, .lzma); members starting with "_" are
 * reserved and skipped, any other is an error, as dpkg-deb has it.
 */
#include <archive.h>
#include <archive_entry.h>
#include <err.h>
#include <stdlib.h>
#include <string.h>

#include "initkit.h"

/* The outer (ar) archive as the inner (tar) archive's input. */
struct inner_src {
	struct archive *ar;
	char buf[65536];
};

static la_ssize_t
inner_read(struct archive *a, void *arg, const void **buf)
{
	struct inner_src *src = arg;
	la_ssize_t n = archive_read_data(src->ar, src->buf, sizeof(src->buf));

	if (n < 0)
		archive_set_error(a, archive_errno(src->ar), "%s",
		    archive_error_string(src->ar));
	*buf = src->buf;
	return n;
}

/* Is name "control.tar" or "data.tar" with a compression dpkg knows? */
static int
tar_member(const char *name, const char *base)
{
	static const char *const ext[] = {
		"", ".gz", ".xz", ".zst", ".bz2", ".lzma", NULL
	};
	size_t len = strlen(base);

	if (strncmp(name, base, len) != 0)
		return 0;
	for (int i = 0; ext[i]; i++)
		if (strcmp(name + len, ext[i]) == 0)
			return 1;
	errx(1, "%s: unknown compression", name);
}

static struct archive *
inner_open(struct inner_src *src, const char *deb, const char *member)
{
	struct archive *in = archive_read_new();

	if (in == NULL)
		errx(1, "%s: cannot allocate a reader", deb);
	archive_read_support_format_tar(in);
	archive_read_support_filter_gzip(in);
	archive_read_support_filter_xz(in);
	archive_read_support_filter_zstd(in);
	archive_read_support_filter_bzip2(in);
	archive_read_support_filter_lzma(in);
	if (archive_read_open(in, src, NULL, inner_read, NULL) != ARCHIVE_OK)
		errx(1, "%s: %s: %s", deb, member, archive_error_string(in));
	return in;
}

/* One field of a control file (RFC 822 style), NULL if absent. */
static char *
field(const char *control, const char *name)
{
	size_t len = strlen(name);
	const char *p = control, *end;

	while (p != NULL && *p != '\0') {
		if (strncasecmp(p, name, len) == 0 && p[len] == ':') {
			p += len + 1;
			p += strspn(p, " \t");
			end = p + strcspn(p, "\n");
			while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
				end--;
			return xasprintf("%.*s", (int)(end - p), p);
		}
		if ((p = strchr(p, '\n')) != NULL)
			p++;
	}
	return NULL;
}

static void
read_control(struct archive *in, const char *deb, struct deb_info *info)
{
	struct archive_entry *e;
	char *text = NULL, *s;
	la_int64_t size;
	int r;

	while ((r = archive_read_next_header(in, &e)) == ARCHIVE_OK) {
		const char *p = archive_entry_pathname(e);

		if (strcmp(p, "./control") != 0 && strcmp(p, "control") != 0)
			continue;
		size = archive_entry_size(e);
		if (size < 0 || size > (1 << 20))
			errx(1, "%s: control file of %jd bytes", deb,
			    (intmax_t)size);
		text = xmalloc((size_t)size + 1);
		if (archive_read_data(in, text, (size_t)size) != size)
			errx(1, "%s: control: %s", deb,
			    archive_error_string(in) ? archive_error_string(in) :
			    "truncated");
		text[size] = '\0';
		break;
	}
	if (r != ARCHIVE_OK && r != ARCHIVE_EOF)
		errx(1, "%s: control.tar: %s", deb, archive_error_string(in));
	if (text == NULL)
		errx(1, "%s: control.tar has no control file", deb);
	info->package = field(text, "Package");
	info->version = field(text, "Version");
	info->arch = field(text, "Architecture");
	if (info->package == NULL || info->version == NULL ||
	    info->arch == NULL)
		errx(1, "%s: control file lacks Package, Version or "
		    "Architecture", deb);
	/* "Source: name (version)" when the versions differ. */
	if ((s = field(text, "Source")) != NULL)
		s[strcspn(s, " (")] = '\0';
	info->source = s != NULL && *s != '\0' ? s : xstrdup(info->package);
	if (s != NULL && *s == '\0')
		free(s);
	s = field(text, "Installed-Size");
	info->installed_size = s ? strtoull(s, NULL, 10) : 0;
	free(s);
	free(text);
}

void
deb_read(const char *deb, struct deb_info *info, deb_entry_fn fn, void *ctx)
{
	struct archive *ar, *in;
	struct archive_entry *e;
	struct inner_src *src = xmalloc(sizeof(*src));
	char magic[16];
	int r, n = 0, have_control = 0, have_data = 0;
	la_ssize_t len;

	memset(info, 0, sizeof(*info));
	if ((ar = archive_read_new()) == NULL)
		errx(1, "%s: cannot allocate a reader", deb);
	archive_read_support_format_ar(ar);
	if (archive_read_open_filename(ar, deb, 65536) != ARCHIVE_OK)
		errx_archive(ar, deb);
	src->ar = ar;
	while ((r = archive_read_next_header(ar, &e)) == ARCHIVE_OK) {
		const char *name = archive_entry_pathname(e);

		if (n++ == 0) {
			len = archive_read_data(ar, magic, sizeof(magic));
			if (strcmp(name, "debian-binary") != 0 || len < 4 ||
			    strncmp(magic, "2.", 2) != 0)
				errx(1, "%s: not a Debian binary package "
				    "(no debian-binary 2.x first)", deb);
			continue;
		}
		if (name[0] == '_')
			continue;
		if (!have_control && tar_member(name, "control.tar")) {
			in = inner_open(src, deb, name);
			read_control(in, deb, info);
			archive_read_free(in);
			have_control = 1;
		} else if (have_control && !have_data &&
		    tar_member(name, "data.tar")) {
			in = inner_open(src, deb, name);
			while ((r = archive_read_next_header(in, &e)) ==
			    ARCHIVE_OK)
				fn(ctx, in, e);
			if (r != ARCHIVE_EOF)
				errx(1, "%s: %s: %s", deb, name,
				    archive_error_string(in));
			archive_read_free(in);
			have_data = 1;
		} else
			errx(1, "%s: unexpected member %s", deb, name);
	}
	if (r != ARCHIVE_EOF)
		errx_archive(ar, deb);
	if (n == 0)
		errx(1, "%s: not a Debian binary package (empty archive)", deb);
	if (!have_control || !have_data)
		errx(1, "%s: truncated or incomplete: no %s member", deb,
		    have_control ? "data.tar" : "control.tar");
	archive_read_free(ar);
	free(src);
}

void
deb_info_free(struct deb_info *info)
{
	free(info->package);
	free(info->version);
	free(info->arch);
	free(info->source);
	memset(info, 0, sizeof(*info));
}
