/*
 * ucode.c: x86 CPU microcode as the kernel's early loader takes it
 * (Documentation/arch/x86/microcode.rst): kernel/x86/microcode/
 * GenuineIntel.bin and AuthenticAMD.bin, from the files Debian's
 * intel-microcode and amd64-microcode install in /usr/lib/firmware.
 *
 * Intel: microcode updates as the Intel SDM, Vol. 3A, "Microcode Update
 * Facilities" lays them out: a 48-byte header (header version 1, update
 * revision, date, processor signature, checksum, loader revision 1,
 * processor flags, data size, total size, 12 reserved bytes), the data,
 * an optional extended signature table; several may follow each other in
 * one file. GenuineIntel.bin holds each distinct update once, for one
 * signature and flags mask only the newest revision, ordered by
 * signature, then flags mask from the highest: what Debian's hook gets
 * from iucode_tool --write-earlyfw on the directory (iucode_tool's
 * default --no-downgrade and --strict-checks).
 *
 * AMD: the containers of amd-ucode/ (magic "DMA\0", arch/x86/kernel/cpu/
 * microcode/amd.c UCODE_MAGIC) concatenated in the bytewise order of
 * their names, as Debian's amd64-microcode hook does (the kernel scans
 * one container after the other).
 */
#include <sys/stat.h>

#include <dirent.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "initkit.h"

#define INTEL_HDR	48
#define AMD_MAGIC	0x00414d44u

struct mc {
	const unsigned char *p;
	size_t len;
	uint32_t sig, pf, rev;
	const char *file;
	size_t off;
};

static int
namecmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * The regular files of dir whose names end in suffix (NULL: any), as
 * "dir/name", in bytewise order of the names; NULL when dir does not
 * exist. Symbolic links and other entries are passed over, as find
 * -type f passes them in Debian's hooks.
 */
static char **
list_files(const char *dir, const char *suffix, size_t *np, int64_t *mtime)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	struct stat st;
	char **v = NULL;
	size_t n = 0, sl = suffix ? strlen(suffix) : 0;

	*np = 0;
	if (d == NULL) {
		if (errno == ENOENT)
			return NULL;
		err(1, "%s", dir);
	}
	while ((errno = 0, de = readdir(d)) != NULL) {
		size_t l = strlen(de->d_name);

		if (de->d_name[0] == '.' && (l == 1 || (l == 2 &&
		    de->d_name[1] == '.')))
			continue;
		if (suffix && (l <= sl || strcmp(de->d_name + l - sl,
		    suffix) != 0))
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
			err(1, "%s/%s", dir, de->d_name);
		if (!S_ISREG(st.st_mode))
			continue;
		if (st.st_mtime > *mtime)
			*mtime = st.st_mtime;
		v = xreallocarray(v, n + 1, sizeof(*v));
		v[n++] = xstrdup(de->d_name);
	}
	if (errno != 0)
		err(1, "%s", dir);
	closedir(d);
	if (n > 1)	/* qsort(3) takes no null array, even of none */
		qsort(v, n, sizeof(*v), namecmp);
	for (size_t i = 0; i < n; i++) {
		char *p = xasprintf("%s/%s", dir, v[i]);

		free(v[i]);
		v[i] = p;
	}
	*np = n;
	return v;
}

/* One update at p (len bytes left in its file), checked; its length. */
static size_t
intel_one(const char *file, size_t off, const unsigned char *p, size_t len,
    struct mc *mc)
{
	uint32_t data, total, sum = 0;

	if (len < INTEL_HDR)
		errx(1, "%s: offset %zu: %zu bytes, less than a microcode "
		    "header", file, off, len);
	if (le32_get(p) != 1 || le32_get(p + 20) != 1)
		errx(1, "%s: offset %zu: not an Intel microcode update "
		    "(header version %u, loader revision %u)", file, off,
		    le32_get(p), le32_get(p + 20));
	data = le32_get(p + 28);
	total = le32_get(p + 32);
	/* SDM: a data size of 0 means 2000 bytes of data, 2048 in all. */
	if (data == 0) {
		data = 2000;
		total = 2048;
	}
	/* SDM: the data size a multiple of 4 bytes, the total of 1 KiB. */
	if (data % 4 != 0 || total % 1024 != 0 || total < INTEL_HDR + data)
		errx(1, "%s: offset %zu: bad sizes (data %u, total %u)", file,
		    off, data, total);
	if (total > len)
		errx(1, "%s: offset %zu: truncated (%u bytes, %zu there)",
		    file, off, total, len);
	/* SDM: the header and data sum to 0 as 32-bit words. */
	for (uint32_t i = 0; i < INTEL_HDR + data; i += 4)
		sum += le32_get(p + i);
	if (sum != 0)
		errx(1, "%s: offset %zu: bad checksum", file, off);
	/*
	 * SDM: the rest is the extended signature table, a 20-byte header
	 * (count, checksum, reserved) and 12 bytes a signature, summing to
	 * 0 as the header and data do; the kernel takes no other bytes.
	 */
	if (total > INTEL_HDR + data) {
		const unsigned char *x = p + INTEL_HDR + data;
		uint32_t xlen = total - INTEL_HDR - data;

		sum = 0;
		for (uint32_t i = 0; i < xlen; i += 4)
			sum += le32_get(x + i);
		if (xlen < 20 || (uint64_t)le32_get(x) * 12 + 20 != xlen ||
		    sum != 0)
			errx(1, "%s: offset %zu: bad extended signature "
			    "table", file, off);
	}
	mc->p = p;
	mc->len = total;
	mc->sig = le32_get(p + 12);
	mc->pf = le32_get(p + 24);
	mc->rev = le32_get(p + 4);
	mc->file = file;
	mc->off = off;
	return total;
}

/* Signature up, flags mask down (iucode_tool's order), newest first. */
static int
mc_cmp(const void *a, const void *b)
{
	const struct mc *x = a, *y = b;

	if (x->sig != y->sig)
		return x->sig < y->sig ? -1 : 1;
	if (x->pf != y->pf)
		return x->pf > y->pf ? -1 : 1;
	if (x->rev != y->rev)
		return x->rev > y->rev ? -1 : 1;
	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	return memcmp(x->p, y->p, x->len);
}

unsigned char *
ucode_intel(const char *dir, size_t *lenp, int64_t *mtime)
{
	size_t nf, n = 0, len, out = 0;
	char **files = list_files(dir, NULL, &nf, mtime);
	unsigned char *buf = NULL, **data;
	struct mc *v = NULL, *keep = NULL;

	*lenp = 0;
	data = xcalloc(nf + 1, sizeof(*data));
	for (size_t f = 0; f < nf; f++) {
		data[f] = (unsigned char *)xreadfile(files[f], &len);
		for (size_t off = 0; off < len; n++) {
			v = xreallocarray(v, n + 1, sizeof(*v));
			off += intel_one(files[f], off, data[f] + off,
			    len - off, &v[n]);
		}
	}
	if (n > 1)
		qsort(v, n, sizeof(*v), mc_cmp);
	for (size_t i = 0; i < n; i++) {
		if (keep != NULL && keep->sig == v[i].sig &&
		    keep->pf == v[i].pf) {
			if (keep->rev == v[i].rev && (keep->len != v[i].len ||
			    memcmp(keep->p, v[i].p, keep->len) != 0))
				errx(1, "%s: offset %zu: signature 0x%08x, "
				    "flags 0x%02x, revision 0x%x as in %s, "
				    "other contents", v[i].file, v[i].off,
				    v[i].sig, v[i].pf, v[i].rev, keep->file);
			continue;	/* the same, or an older revision */
		}
		keep = &v[i];
		buf = xreallocarray(buf, out + keep->len, 1);
		memcpy(buf + out, keep->p, keep->len);
		out += keep->len;
	}
	for (size_t f = 0; f < nf; f++) {
		free(data[f]);
		free(files[f]);
	}
	free(data);
	free(files);
	free(v);
	*lenp = out;
	return buf;
}

unsigned char *
ucode_amd(const char *dir, size_t *lenp, int64_t *mtime)
{
	size_t nf, len, out = 0;
	char **files = list_files(dir, ".bin", &nf, mtime);
	unsigned char *buf = NULL, *d;

	for (size_t f = 0; f < nf; f++) {
		d = (unsigned char *)xreadfile(files[f], &len);
		if (len < 4 || le32_get(d) != AMD_MAGIC)
			errx(1, "%s: not an AMD microcode container",
			    files[f]);
		buf = xreallocarray(buf, out + len, 1);
		memcpy(buf + out, d, len);
		out += len;
		free(d);
		free(files[f]);
	}
	free(files);
	*lenp = out;
	return buf;
}
