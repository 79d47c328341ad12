/*
 * deb.c: fuzz the .deb reader and the tar unpacker (bin/lib/deb.c,
 * unpack.c), driven as pkgroot's worker drives them. The input is a .deb
 * file; it is unpacked into a fresh root in a private directory that also
 * holds a sentinel file and a sentinel directory beside the root. After
 * every input, refused or not, the sentinels must be unchanged (bytes,
 * inode, mode, link count, time) and nothing else may have appeared
 * beside the root; then the root is removed. An entry the unpacker took
 * must have the owner its header declared, one a uid_t holds (not 2^32
 * wrapped to root, nor (uid_t)-1); a package taken must have control
 * fields of the syntax packages.tsv(5) gives its columns (no tab, no
 * other control character, nothing beyond ASCII) and an installed size
 * whose bytes fit in 64 bits.
 */
#include <sys/stat.h>

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <err.h>
#include <fcntl.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wchar.h>

#include "initkit.h"
#include "fuzz.h"

#define SENTINEL "sentinel: never to be changed\n"

static char *deb_path, *root_path;
static struct stat sent_st, keep_st;
static char *const excl[] = { "/usr/share/doc/*", "!/usr/share/doc/*/copyright" };

static void
setup(void)
{
	int fd = fuzz_tmpfd();

	if (deb_path != NULL)
		return;
	/* As pkgroot reads pax headers' UTF-8 names. glibc loads the
	 * locale's converter at its first use, into the heap: before the
	 * first input, one that fails would release it (fuzz.h). */
	setlocale(LC_CTYPE, "C.UTF-8");
	{
		mbstate_t ms = { 0 };
		wchar_t wc;

		mbrtowc(&wc, "\303\251", 2, &ms);
	}
	deb_path = fuzz_path("in.deb");
	root_path = fuzz_path("root");
	fuzz_write(deb_path, "", 0);
	if (mkdirat(fd, "sentinel.d", 0755) < 0)
		fuzz_fail("sentinel.d: cannot make");
	{
		char *p = fuzz_path("sentinel"), *k = fuzz_path("sentinel.d/keep");

		fuzz_write(p, SENTINEL, sizeof(SENTINEL) - 1);
		fuzz_write(k, SENTINEL, sizeof(SENTINEL) - 1);
		free(p);
		free(k);
	}
	if (fstatat(fd, "sentinel", &sent_st, AT_SYMLINK_NOFOLLOW) < 0 ||
	    fstatat(fd, "sentinel.d/keep", &keep_st, AT_SYMLINK_NOFOLLOW) < 0)
		fuzz_fail("sentinel: cannot stat");
}

static void
same_file(int dirfd, const char *name, const struct stat *want)
{
	struct stat st;
	char buf[sizeof(SENTINEL)];
	int fd;
	ssize_t r;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		fuzz_fail("%s: gone", name);
	if (st.st_ino != want->st_ino || st.st_mode != want->st_mode ||
	    st.st_nlink != want->st_nlink || st.st_size != want->st_size ||
	    st.st_uid != want->st_uid ||
	    st.st_mtim.tv_sec != want->st_mtim.tv_sec ||
	    st.st_mtim.tv_nsec != want->st_mtim.tv_nsec ||
	    st.st_ctim.tv_sec != want->st_ctim.tv_sec ||
	    st.st_ctim.tv_nsec != want->st_ctim.tv_nsec)
		fuzz_fail("%s: changed (inode, mode, links, size or times)",
		    name);
	if ((fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		fuzz_fail("%s: cannot open", name);
	r = read(fd, buf, sizeof(buf));
	close(fd);
	if (r != sizeof(SENTINEL) - 1 || memcmp(buf, SENTINEL, r) != 0)
		fuzz_fail("%s: bytes changed", name);
}

/* Only these names in dirfd (NULL-terminated). */
static void
only(int dirfd, const char *what, const char *const *names)
{
	int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd < 0 ? NULL : fdopendir(fd);
	struct dirent *de;
	size_t i;

	if (d == NULL)
		fuzz_fail("%s: cannot read", what);
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		for (i = 0; names[i] && strcmp(names[i], de->d_name); i++)
			;
		if (names[i] == NULL)
			fuzz_fail("%s/%s: made outside the root", what,
			    de->d_name);
	}
	closedir(d);
}

/* The unpacker, then its node for e against what e declared. */
static void
entry(void *ctx, struct archive *a, struct archive_entry *e)
{
	struct unpacker *u = ctx;
	size_t n = u->tree->n;
	const struct node *nd;

	unpack_entry(u, a, e);
	/* A hard link takes its target's owner; the root and an excluded
	 * path make no node. */
	if (u->tree->n == n || archive_entry_hardlink(e) != NULL)
		return;
	nd = &u->tree->v[n];
	if ((int64_t)nd->uid != archive_entry_uid(e) ||
	    (int64_t)nd->gid != archive_entry_gid(e) || nd->uid == (uid_t)-1 ||
	    nd->gid == (gid_t)-1)
		fuzz_fail("%s: owner %jd:%jd taken as %ju:%ju", nd->path,
		    (intmax_t)archive_entry_uid(e),
		    (intmax_t)archive_entry_gid(e), (uintmax_t)nd->uid,
		    (uintmax_t)nd->gid);
}

static void
tsv_field(const char *name, const char *v, int (*valid)(const char *))
{
	if (!valid(v))
		fuzz_fail("%s: %s taken", name, spec_encode(v));
}

static void
unpack(void)
{
	struct tree t = { 0 };
	struct unpacker u = {
		.deb = "fuzz.deb", .prefix = root_path, .tree = &t,
		.excl = excl, .nexcl = 2,
	};
	struct deb_info info;

	if ((u.rootfd = open(root_path, O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) < 0)
		err(1, "%s", root_path);
	deb_read(deb_path, &info, entry, &u);
	tsv_field("Package", info.package, debname_valid);
	tsv_field("Version", info.version, debver_valid);
	tsv_field("Architecture", info.arch, debarch_valid);
	tsv_field("Source", info.source, debname_valid);
	if (info.installed_size > UINT64_MAX / 1024)
		fuzz_fail("Installed-Size: %ju KiB taken, more than 64 bits of "
		    "bytes", (uintmax_t)info.installed_size);
	unpack_done(&u);
	close(u.rootfd);
	tree_free(&t);
	deb_info_free(&info);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const top[] = { "in.deb", "root", "sentinel",
	    "sentinel.d", NULL };
	static const char *const sub[] = { "keep", NULL };
	int fd, sfd, ok;
	struct stat st;

	setup();
	fd = fuzz_tmpfd();
	fuzz_write(deb_path, data, size);
	if (mkdirat(fd, "root", 0755) < 0)
		fuzz_fail("root: cannot make");
	FUZZ_RUN(ok, unpack());
	(void)ok;
	same_file(fd, "sentinel", &sent_st);
	same_file(fd, "sentinel.d/keep", &keep_st);
	only(fd, fuzz_tmpdir(), top);
	if ((sfd = openat(fd, "sentinel.d", O_RDONLY | O_DIRECTORY |
	    O_NOFOLLOW | O_CLOEXEC)) < 0)
		fuzz_fail("sentinel.d: not a directory any more");
	only(sfd, "sentinel.d", sub);
	close(sfd);
	if (fstatat(fd, "root", &st, AT_SYMLINK_NOFOLLOW) < 0 ||
	    !S_ISDIR(st.st_mode))
		fuzz_fail("root: not a directory any more");
	rmtree_at(fd, "root");
	return 0;
}
