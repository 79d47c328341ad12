/*
 * mkgpt: assemble a GPT disk image from partition payload files, with
 * Discoverable Partitions types and the identities systemd-repart would
 * give them; or check an image's GPT strictly. In the pipeline it puts a
 * system extension's squashfs, verity tree and signature into one image.
 *
 * Implements: UEFI 2.10, 5.2.3 (protective MBR) and 5.3 (GPT header and
 * partition entries, CRC32); the Discoverable Partitions Specification's
 * type UUIDs; systemd-repart's derivation of partition and disk UUIDs
 * (mkgpt(1)).
 */
#include <sys/ioctl.h>
#include <sys/stat.h>

#include <endian.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "initkit.h"

#define ALIGN		4096	/* partitions and the disk, as repart */
#define NENTRIES	128	/* UEFI: at least 16 KiB of entries */
#define ENTRY_SIZE	128
#define MAXPARTS	NENTRIES
/*
 * DPS: read-only, which it recommends setting always on verity and signature
 * partitions. Data partitions get no bits: repart 252's grow-fs (59) on a
 * squashfs under verity means nothing (mkgpt.1, COMPATIBILITY).
 */
#define ATTR_RO		(1ULL << 60)

struct gpt_header {
	char signature[8];		/* "EFI PART" */
	uint32_t revision;		/* 1.0 */
	uint32_t header_size;		/* 92 */
	uint32_t header_crc;
	uint32_t reserved;
	uint64_t my_lba, alternate_lba;
	uint64_t first_usable, last_usable;
	uint8_t disk_guid[16];
	uint64_t entries_lba;
	uint32_t nentries, entry_size;
	uint32_t entries_crc;
} __attribute__((packed));

struct gpt_entry {
	uint8_t type[16];
	uint8_t uuid[16];
	uint64_t first_lba, last_lba;	/* inclusive */
	uint64_t attributes;
	uint16_t name[36];		/* UTF-16LE */
} __attribute__((packed));

_Static_assert(sizeof(struct gpt_header) == 92, "GPT header");
_Static_assert(sizeof(struct gpt_entry) == ENTRY_SIZE, "GPT entry");

/* DPS designators: x86-64 and arm64 type UUIDs. */
static const struct {
	const char *name, *x86, *arm;
	int verity;	/* 1: verity hash, 2: verity signature */
} types[] = {
	{ "root", "4f68bce3-e8cd-4db1-96e7-fbcaf984b709",
	    "b921b045-1df0-41c3-af44-4c6f280d3fae", 0 },
	{ "usr", "8484680c-9521-48c6-9c11-b0720656f69e",
	    "b0e01050-ee5f-4390-949a-9101b17104e9", 0 },
	{ "root-verity", "2c7357ed-ebd2-46d9-aec1-23d437ec2bf5",
	    "df3300ce-d69f-4c92-978c-9bfb0f38d820", 1 },
	{ "usr-verity", "77ff5f63-e7b6-4633-acf4-1565b864c0e6",
	    "6e11a4e7-fbca-4ded-b9e9-e1a512bb664e", 1 },
	{ "root-verity-sig", "41092b05-9fc8-4523-994f-2def0408b176",
	    "6db69de6-29f4-4758-a7a5-962190f00ce3", 2 },
	{ "usr-verity-sig", "e7bb33fb-06cf-4e81-8273-e543b413e2e2",
	    "c23ce4ff-44bd-4b00-b2d4-b41b3419e02a", 2 },
	{ "esp", "c12a7328-f81f-11d2-ba4b-00a0c93ec93b",
	    "c12a7328-f81f-11d2-ba4b-00a0c93ec93b", 0 },
	{ "xbootldr", "bc13c2ff-59e6-4262-a352-b275fd6f7172",
	    "bc13c2ff-59e6-4262-a352-b275fd6f7172", 0 },
	{ "linux-generic", "0fc63daf-8483-4772-8e79-3d69d8477de4",
	    "0fc63daf-8483-4772-8e79-3d69d8477de4", 0 },
};

struct part {
	const char *spec;	/* as given */
	const char *file;	/* allocated */
	char label[37];
	uint8_t type[16];	/* RFC 4122 byte order */
	uint8_t uuid[16];
	int kind;		/* index into types[], or -1 */
	uint64_t size;		/* payload bytes */
	uint64_t want;		/* partition size asked for (@size), or 0 */
	uint64_t first, last;	/* LBAs */
};

/* -h: on stdout, exit 0; a usage error: on stderr, exit 2. */
static NORETURN void
usage(int status)
{
	fprintf(status ? stderr : stdout, "usage: mkgpt [-f] [-a x86-64 | arm64] [-S seed] "
	    "[-r roothash] [-b sectorsize]\n"
	    "             -o disk.raw type[@size][:label]=file ...\n"
	    "       mkgpt -V disk.raw\n");
	exit(status);
}

/* RFC 4122 byte order to GPT's: the first three fields little-endian. */
static void
to_gpt(const uint8_t in[16], uint8_t out[16])
{
	static const int order[16] = {
		3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15
	};

	for (int i = 0; i < 16; i++)
		out[i] = in[order[i]];
}

/* The rootHash of a verity signature partition's JSON payload. */
static int
sig_root_hash(const char *file, char out[129])
{
	size_t len;
	char *text = xreadfile(file, &len), *p, *end;

	p = strstr(text, "\"rootHash\":\"");
	if (p == NULL || (end = strchr(p += 12, '"')) == NULL ||
	    end - p > 128 || end - p < 40) {
		free(text);
		return -1;
	}
	memcpy(out, p, (size_t)(end - p));
	out[end - p] = '\0';
	free(text);
	return 0;
}

static void
pwrite_all(int fd, const char *name, const void *buf, size_t len, off_t off)
{
	if (pwrite_full(fd, buf, len, off) < 0)
		err(1, "%s", name);
}

/*
 * Copy a payload in: its zero blocks stay holes; runs of data go through
 * copy_file_range(2), which may share extents (reflink), else pwrite.
 */
static void
copy_in(int out, const char *oname, const struct part *p, off_t at,
    int dense)
{
	static uint8_t buf[1 << 20], zero[ALIGN];
	static int no_cfr;
	int fd = open(p->file, O_RDONLY | O_CLOEXEC);
	off_t done = 0;
	ssize_t r;

	if (fd < 0)
		err(1, "%s", p->file);
	while ((r = pread(fd, buf, sizeof(buf), done)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			err(1, "%s", p->file);
		for (ssize_t o = 0, end; o < r; o = end) {
			size_t n = r - o < ALIGN ? (size_t)(r - o) : ALIGN;

			end = o + (ssize_t)n;
			/* A disk keeps what was there: zeros are written. */
			if (!dense && memcmp(buf + o, zero, n) == 0)
				continue;
			/* The run of blocks with data from here. */
			while (end < r && (dense || memcmp(buf + end, zero,
			    r - end < ALIGN ? (size_t)(r - end) : ALIGN) != 0))
				end += r - end < ALIGN ? r - end : ALIGN;
			for (off_t in = done + o, to = at + done + o;
			    !no_cfr && in < done + end;) {
				ssize_t c = copy_file_range(fd, &in, out, &to,
				    (size_t)(done + end - in), 0);

				if (c <= 0) {
					if (c < 0 && errno != EXDEV &&
					    errno != EINVAL && errno != ENOSYS &&
					    errno != EOPNOTSUPP)
						err(1, "%s", oname);
					no_cfr = 1;
				}
			}
			if (no_cfr)
				pwrite_all(out, oname, buf + o, (size_t)(end - o),
				    at + done + o);
		}
		done += r;
	}
	if ((uint64_t)done != p->size)
		errx(1, "%s: changed size while copying", p->file);
	close(fd);
}

static void
header_crc(struct gpt_header *h)
{
	h->header_crc = 0;
	h->header_crc = htole32((uint32_t)crc32(0, (const Bytef *)h,
	    sizeof(*h)));
}

/*
 * Read and check one header and its entries on a disk of size bytes; NULL
 * with *why set if bad.
 */
static struct gpt_entry *
read_side(int fd, uint32_t ss, uint64_t lba, off_t size,
    struct gpt_header *h, const char **why)
{
	uint8_t *sector = xmalloc(ss);
	struct gpt_entry *e;
	uint32_t crc;
	size_t bytes;

	if (pread(fd, sector, ss, (off_t)(lba * ss)) != (ssize_t)ss) {
		*why = "cannot be read";
		free(sector);
		return NULL;
	}
	memcpy(h, sector, sizeof(*h));
	free(sector);
	crc = le32toh(h->header_crc);
	if (memcmp(h->signature, "EFI PART", 8) != 0) {
		*why = "has no GPT signature";
		return NULL;
	}
	header_crc(h);
	if (le32toh(h->header_crc) != crc) {
		*why = "has a bad header CRC";
		return NULL;
	}
	if (le32toh(h->header_size) != 92 || le32toh(h->entry_size) !=
	    ENTRY_SIZE || le32toh(h->nentries) == 0 ||
	    le32toh(h->nentries) > 1024) {
		*why = "has header or entry sizes this tool does not take";
		return NULL;
	}
	if (le64toh(h->my_lba) != lba) {
		*why = "says it is somewhere else (MyLBA)";
		return NULL;
	}
	bytes = (size_t)le32toh(h->nentries) * ENTRY_SIZE;
	/* Checked before it is multiplied: 2^55 + 2 sectors wrap to 2. */
	if ((uint64_t)size < bytes ||
	    le64toh(h->entries_lba) > ((uint64_t)size - bytes) / ss) {
		*why = "has entries beyond the end of the disk";
		return NULL;
	}
	e = xmalloc(bytes);
	if (pread(fd, e, bytes, (off_t)(le64toh(h->entries_lba) * ss)) !=
	    (ssize_t)bytes) {
		*why = "has entries that cannot be read";
		free(e);
		return NULL;
	}
	if ((uint32_t)crc32(0, (const Bytef *)e, (uInt)bytes) !=
	    le32toh(h->entries_crc)) {
		*why = "has a bad partition entry CRC";
		free(e);
		return NULL;
	}
	return e;
}

/* The first partition record of type 0xEE of an MBR, or NULL. */
static const uint8_t *
pmbr_record(const uint8_t mbr[512])
{
	for (int i = 0; i < 4; i++)
		if (mbr[446 + 16 * i + 4] == 0xee)
			return mbr + 446 + 16 * i;
	return NULL;
}

/*
 * The protective MBR as UEFI 2.10 5.2.3 defines it (Tables 5-3 and 5-4):
 * one partition record of type 0xEE, not bootable (0x00), starting at
 * LBA 1 (CHS 0x000200) and covering the disk but LBA 0, or 0xFFFFFFFF
 * sectors of a larger disk; the other three records zero. Another record
 * beside it makes a hybrid MBR, through which a legacy reader sees other
 * partitions than the GPT's. The ending CHS is not checked: the spec
 * makes it the last sector's address in a geometry a disk image does not
 * have, or 0xFFFFFF, and partitioning tools write either.
 */
static void
check_pmbr(const char *path, const uint8_t mbr[512], uint64_t last)
{
	static const uint8_t zero[16];
	const uint8_t *p = pmbr_record(mbr);
	uint32_t start, count, want = last > 0xffffffff ? 0xffffffff :
	    (uint32_t)last;

	for (int i = 0; i < 4; i++) {
		const uint8_t *r = mbr + 446 + 16 * i;

		if (r != p && memcmp(r, zero, 16) != 0)
			errx(1, "%s: protective MBR has a record %d of type "
			    "0x%02x beside the 0xEE one", path, i + 1, r[4]);
	}
	memcpy(&start, p + 8, 4);
	memcpy(&count, p + 12, 4);
	start = le32toh(start);
	count = le32toh(count);
	if (p[0] != 0)
		errx(1, "%s: protective MBR 0xEE record is bootable (0x%02x)",
		    path, p[0]);
	if (start != 1)
		errx(1, "%s: protective MBR 0xEE record starts at LBA %" PRIu32
		    ", not 1", path, start);
	if (p[1] != 0x00 || p[2] != 0x02 || p[3] != 0x00)
		errx(1, "%s: protective MBR 0xEE record starts at CHS 0x%06x, "
		    "not 0x000200", path, p[1] | p[2] << 8 | p[3] << 16);
	if (count != want)
		errx(1, "%s: protective MBR 0xEE record covers %" PRIu32
		    " sectors, not %" PRIu32, path, count, want);
}

static int
verify(const char *path)
{
	struct gpt_header h1, h2;
	struct gpt_entry *e1 = NULL, *e2;
	const char *why = NULL;
	uint8_t mbr[512];
	uint32_t ss = 0;
	uint64_t last;
	struct stat st;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0 || fstat(fd, &st) < 0)
		err(1, "%s", path);
	/* A disk's size is not its inode's. */
	if (S_ISBLK(st.st_mode)) {
		uint64_t bytes;

		if (ioctl(fd, BLKGETSIZE64, &bytes) < 0)
			err(1, "%s", path);
		st.st_size = (off_t)bytes;
	}
	if (pread(fd, mbr, sizeof(mbr), 0) != sizeof(mbr) || mbr[510] != 0x55 ||
	    mbr[511] != 0xaa || pmbr_record(mbr) == NULL)
		errx(1, "%s: no protective MBR", path);
	/* The sector size is where the primary header's signature is. */
	for (uint32_t try = 512; try <= 4096 && e1 == NULL; try *= 8) {
		if ((e1 = read_side(fd, try, 1, st.st_size, &h1, &why)) != NULL)
			ss = try;
		else if (strcmp(why, "has no GPT signature") != 0)
			break;
	}
	if (e1 == NULL)
		errx(1, "%s: primary GPT header %s", path, why);
	if (st.st_size % ss != 0)
		errx(1, "%s: size is not a multiple of the %u-byte sector",
		    path, ss);
	last = (uint64_t)st.st_size / ss - 1;
	if (le64toh(h1.alternate_lba) != last)
		errx(1, "%s: primary header puts the backup at LBA %" PRIu64
		    ", the last LBA is %" PRIu64, path,
		    le64toh(h1.alternate_lba), last);
	check_pmbr(path, mbr, last);
	if ((e2 = read_side(fd, ss, last, st.st_size, &h2, &why)) == NULL)
		errx(1, "%s: backup GPT header %s", path, why);
	if (le64toh(h2.alternate_lba) != 1)
		errx(1, "%s: backup header does not point at the primary", path);
	if (memcmp(h1.disk_guid, h2.disk_guid, 16) != 0 ||
	    h1.first_usable != h2.first_usable ||
	    h1.last_usable != h2.last_usable ||
	    h1.nentries != h2.nentries || h1.entries_crc != h2.entries_crc)
		errx(1, "%s: primary and backup GPT disagree", path);
	/* Byte for byte: equal CRCs prove nothing, CRC32 is easy to forge. */
	if (memcmp(e1, e2, (size_t)le32toh(h1.nentries) * ENTRY_SIZE) != 0)
		errx(1, "%s: backup partition entries differ from the "
		    "primary's", path);
	if (le64toh(h1.first_usable) > le64toh(h1.last_usable))
		errx(1, "%s: the first usable LBA %" PRIu64 " is after the "
		    "last, %" PRIu64, path, le64toh(h1.first_usable),
		    le64toh(h1.last_usable));
	if (le64toh(h1.entries_lba) < 2 || le64toh(h1.first_usable) <
	    le64toh(h1.entries_lba) + (le32toh(h1.nentries) * ENTRY_SIZE +
	    ss - 1) / ss || le64toh(h2.entries_lba) <= le64toh(h1.last_usable)
	    || le64toh(h2.entries_lba) >= last)
		errx(1, "%s: entry arrays overlap the usable area", path);
	for (uint32_t i = 0; i < le32toh(h1.nentries); i++) {
		static const uint8_t none[16];
		uint64_t a = le64toh(e1[i].first_lba), b = le64toh(e1[i].last_lba);

		if (memcmp(e1[i].type, none, 16) == 0)
			continue;
		if (a > b || a < le64toh(h1.first_usable) ||
		    b > le64toh(h1.last_usable))
			errx(1, "%s: partition %u lies outside the usable area",
			    path, i + 1);
		if (memcmp(e1[i].uuid, none, 16) == 0)
			errx(1, "%s: partition %u has no UUID", path, i + 1);
		for (uint32_t j = 0; j < i; j++) {
			if (memcmp(e1[j].type, none, 16) == 0)
				continue;
			if (a <= le64toh(e1[j].last_lba) &&
			    le64toh(e1[j].first_lba) <= b)
				errx(1, "%s: partitions %u and %u overlap",
				    path, j + 1, i + 1);
			if (memcmp(e1[i].uuid, e1[j].uuid, 16) == 0)
				errx(1, "%s: partitions %u and %u share a UUID",
				    path, j + 1, i + 1);
		}
	}
	free(e1);
	free(e2);
	close(fd);
	return 0;
}

/* repart's default label: the type's name, with the architecture for
 * the root, usr and their verity types ("root-x86-64-verity"); a type
 * given as a UUID: "linux-generic". */
static void
default_label(struct part *p, const char *arch)
{
	const char *n;
	size_t base;

	if (p->kind < 0) {
		strcpy(p->label, "linux-generic");
		return;
	}
	n = types[p->kind].name;
	if (strcmp(n, "esp") == 0 || strcmp(n, "xbootldr") == 0 ||
	    strcmp(n, "linux-generic") == 0) {
		strcpy(p->label, n);
		return;
	}
	base = strcspn(n, "-");
	snprintf(p->label, sizeof(p->label), "%.*s-%s%s", (int)base, n, arch,
	    n + base);
}

/*
 * One partition of the command line, type[@size][:label]=file, checked
 * with its payload before any output; a verity signature partition's
 * root hash into roothex when that is still empty.
 */
static void
part_parse(struct part *p, const char *arg, const char *arch,
    char roothex[129])
{
	char *spec = xstrdup(arg), *eq = strchr(spec, '='), *colon, *at;
	struct stat st;

	memset(p, 0, sizeof(*p));
	p->spec = arg;
	p->kind = -1;
	if (eq == NULL)
		errx_usage("%s: want type[@size][:label]=file", arg);
	*eq = '\0';
	p->file = xstrdup(eq + 1);
	if ((at = strchr(spec, '@')) != NULL &&
	    (colon = strchr(spec, ':')) != NULL && colon < at)
		at = NULL;	/* an '@' in the label */
	if ((colon = strchr(spec, ':')) != NULL) {
		*colon = '\0';
		if (strlen(colon + 1) > 36)
			errx(1, "%s: label longer than 36 characters", arg);
		for (const char *c = colon + 1; *c; c++)
			if ((unsigned char)*c < 0x20 || (unsigned char)*c > 0x7e)
				errx(1, "%s: label is not printable ASCII", arg);
		strcpy(p->label, colon + 1);
	}
	if (at != NULL) {
		*at = '\0';
		p->want = size_parse(at + 1, arg);
		if (p->want == 0)
			errx_usage("%s: a partition of size 0", arg);
	}
	for (size_t t = 0; t < sizeof(types) / sizeof(*types); t++)
		if (strcmp(spec, types[t].name) == 0) {
			p->kind = (int)t;
			uuid_read(strcmp(arch, "arm64") ? types[t].x86 :
			    types[t].arm, p->type);
		}
	if (p->kind < 0 && uuid_read(spec, p->type) != 0)
		errx(1, "%s: %s: neither a partition designator nor a UUID",
		    arg, spec);
	if (colon == NULL)
		default_label(p, arch);
	if (stat(p->file, &st) != 0)
		err(1, "%s", p->file);
	if (!S_ISREG(st.st_mode))
		errx(1, "%s: not a regular file", p->file);
	if (st.st_size == 0)
		errx(1, "%s: empty payload", p->file);
	p->size = (uint64_t)st.st_size;
	if (p->want != 0 && p->size > p->want)
		errx(1, "%s: payload of %" PRIu64 " bytes is larger than the %"
		    PRIu64 "-byte partition", arg, p->size, p->want);
	if (p->kind >= 0 && types[p->kind].verity == 2 && roothex[0] == '\0' &&
	    sig_root_hash(p->file, roothex) != 0)
		errx(1, "%s: not a verity signature (no rootHash)", p->file);
	free(spec);
}

/* The partition list on stdin, one a line ('#' comments): the lines,
 * pointing into *text. */
static char **
parts_from_stdin(char **text, int *n)
{
	char **lines = NULL, *l, *save;
	size_t len;

	*n = 0;
	*text = xreadfile(NULL, &len);
	for (l = strtok_r(*text, "\n", &save); l; l = strtok_r(NULL, "\n",
	    &save)) {
		if (*l == '#' || *l == '\0')
			continue;
		lines = xreallocarray(lines, (size_t)*n + 1, sizeof(*lines));
		lines[(*n)++] = l;
	}
	return lines;
}

/* The root hash (-r, or the signature partition's), as bytes; its
 * length, 0 if there is none. */
static int
root_hash_get(const char *rootarg, char roothex[129], uint8_t root[64])
{
	size_t n;

	if (rootarg != NULL)
		snprintf(roothex, 129, "%s", rootarg);
	if (roothex[0] == '\0')
		return 0;
	n = strlen(roothex);
	if (n % 2 || n < 32 || n > 128 ||
	    strspn(roothex, "0123456789abcdef") != n)
		errx_usage("root hash %s: not lowercase hex", roothex);
	hex_decode(roothex, root, 64);
	return (int)(n / 2);
}

/*
 * Identities, as systemd-repart derives them from its seed: a verity
 * data partition (the root or usr type) and its hash partition take
 * theirs from the root hash's halves; every other the HMAC of the seed
 * and its type (and, for the Nth of a type after the first, N).
 */
static void
uuids_derive(struct part *parts, size_t np, const uint8_t seed[16],
    const uint8_t *root, int rootlen)
{
	for (size_t i = 0; i < np; i++) {
		struct part *p = &parts[i];
		int verity = p->kind >= 0 ? types[p->kind].verity : 0;
		int data = p->kind >= 0 && (strcmp(types[p->kind].name,
		    "root") == 0 || strcmp(types[p->kind].name, "usr") == 0);
		size_t nth = 0;
		uint8_t msg[24];

		if ((data || verity == 1) && rootlen >= 32) {
			memcpy(p->uuid, data ? root : root + rootlen - 16, 16);
			continue;
		}
		if (verity == 1)
			errx(1, "%s: a verity partition needs the root hash "
			    "(-r, or a verity signature partition)", p->spec);
		for (size_t j = 0; j < i; j++)
			nth += memcmp(parts[j].type, p->type, 16) == 0;
		memcpy(msg, p->type, 16);
		if (nth > 0) {
			uint64_t le = htole64(nth);

			memcpy(msg + 16, &le, 8);
		}
		uuid_derive(seed, msg, nth > 0 ? 24 : 16, p->uuid);
	}
}

/*
 * Layout: entries after the primary header, partitions 4 KiB aligned and
 * sized to their payload, then the backup. (repart 252 gets 1 MiB
 * alignment from libfdisk on disks over 4 MiB and makes partitions at
 * least 10 MiB: mkgpt.1, COMPATIBILITY.) Returns the disk's sectors.
 */
static uint64_t
layout(struct part *parts, size_t np, uint32_t ss, uint64_t entries_lbas)
{
	uint64_t lba = round_up((2 + entries_lbas) * ss, ALIGN) / ss;

	for (size_t i = 0; i < np; i++) {
		parts[i].first = lba;
		lba += round_up(parts[i].want ? parts[i].want : parts[i].size,
		    ALIGN) / ss;
		parts[i].last = lba - 1;
	}
	return round_up((lba + entries_lbas + 1) * ss, ALIGN) / ss;
}

/*
 * Onto a disk (a USB stick, a loop device): the table is the disk's, its
 * backup in the disk's last sectors, in the disk's sector size. Returns
 * the disk's sectors, or total for a file.
 */
static uint64_t
disk_sectors(int fd, const char *path, uint32_t ss, uint64_t total)
{
	uint64_t bytes;
	int lss;

	if (ioctl(fd, BLKSSZGET, &lss) < 0 ||
	    ioctl(fd, BLKGETSIZE64, &bytes) < 0)
		err(1, "%s", path);
	if ((uint32_t)lss != ss)
		errx(1, "%s: a disk of %d-byte sectors; use -b %d", path, lss,
		    lss);
	if (bytes / ss < total)
		errx(1, "%s: %" PRIu64 " bytes, the image needs %" PRIu64, path,
		    bytes, total * ss);
	return bytes / ss;
}

/* The partition entries, and the primary header for them (its own and
 * its alternate's LBA not yet set). */
static struct gpt_entry *
table_build(const struct part *parts, size_t np, const uint8_t disk[16],
    uint64_t total, uint64_t entries_lbas, struct gpt_header *h)
{
	struct gpt_entry *ents = xcalloc(NENTRIES, ENTRY_SIZE);

	for (size_t i = 0; i < np; i++) {
		const struct part *p = &parts[i];
		struct gpt_entry *e = &ents[i];

		to_gpt(p->type, e->type);
		to_gpt(p->uuid, e->uuid);
		e->first_lba = htole64(p->first);
		e->last_lba = htole64(p->last);
		if (p->kind >= 0 && types[p->kind].verity)
			e->attributes = htole64(ATTR_RO);
		for (size_t c = 0; p->label[c]; c++)
			e->name[c] = htole16((uint16_t)p->label[c]);
	}
	memset(h, 0, sizeof(*h));
	memcpy(h->signature, "EFI PART", 8);
	h->revision = htole32(0x00010000);
	h->header_size = htole32(sizeof(*h));
	h->first_usable = htole64(2 + entries_lbas);
	h->last_usable = htole64(total - 2 - entries_lbas);
	to_gpt(disk, h->disk_guid);
	h->nentries = htole32(NENTRIES);
	h->entry_size = htole32(ENTRY_SIZE);
	h->entries_crc = htole32((uint32_t)crc32(0, (const Bytef *)ents,
	    NENTRIES * ENTRY_SIZE));
	return ents;
}

/* The payloads; on a disk, zeros after each to its partition's end (the
 * last sector's tail written, the rest zeroed out). */
static void
payloads_write(int fd, const char *path, const struct part *parts,
    size_t np, uint32_t ss, int blk)
{
	static const uint8_t zeros[4096];

	for (size_t i = 0; i < np; i++) {
		uint64_t end = parts[i].first * ss + parts[i].size;
		uint64_t range[2] = { round_up(end, ss), 0 };

		copy_in(fd, path, &parts[i], (off_t)(parts[i].first * ss), blk);
		if (!blk)
			continue;
		range[1] = (parts[i].last + 1) * ss - range[0];
		pwrite_all(fd, path, zeros, range[0] - end, (off_t)end);
		if (range[1] > 0 && ioctl(fd, BLKZEROOUT, range) < 0)
			err(1, "%s", path);
	}
}

/*
 * The protective MBR (one partition of type 0xEE over the disk) in
 * sector 0; the primary header at 1, its entries at 2; the backup's
 * entries, then its header in the last sector.
 */
static void
tables_write(int fd, const char *path, uint32_t ss, uint64_t total,
    uint64_t entries_lbas, struct gpt_header *h,
    const struct gpt_entry *ents)
{
	uint8_t *sector = xcalloc(1, ss);
	uint32_t start = htole32(1), count = htole32(total - 1 > 0xffffffffULL ?
	    0xffffffff : (uint32_t)(total - 1));

	memcpy(sector + 446, "\x00\x00\x02\x00\xee\xff\xff\xff", 8);
	memcpy(sector + 446 + 8, &start, 4);
	memcpy(sector + 446 + 12, &count, 4);
	sector[510] = 0x55;
	sector[511] = 0xaa;
	pwrite_all(fd, path, sector, ss, 0);

	h->my_lba = htole64(1);
	h->alternate_lba = htole64(total - 1);
	h->entries_lba = htole64(2);
	header_crc(h);
	memset(sector, 0, ss);
	memcpy(sector, h, sizeof(*h));
	pwrite_all(fd, path, sector, ss, ss);
	pwrite_all(fd, path, ents, NENTRIES * ENTRY_SIZE, 2 * ss);

	h->my_lba = htole64(total - 1);
	h->alternate_lba = htole64(1);
	h->entries_lba = htole64(total - 1 - entries_lbas);
	header_crc(h);
	memset(sector, 0, ss);
	memcpy(sector, h, sizeof(*h));
	pwrite_all(fd, path, ents, NENTRIES * ENTRY_SIZE,
	    (off_t)((total - 1 - entries_lbas) * ss));
	pwrite_all(fd, path, sector, ss, (off_t)((total - 1) * ss));
	free(sector);
}

int
main(int argc, char *argv[])
{
	const char *outpath = NULL, *arch = "x86-64", *seedarg = NULL;
	const char *rootarg = NULL;
	struct part parts[MAXPARTS];
	uint8_t seed[16] = { 0 }, root[64], disk_uuid[16];
	char roothex[129] = "", **lines = NULL, *text = NULL;
	uint32_t ss = 512;
	int ch, flags = 0, check = 0, rootlen, blk;
	uint64_t entries_lbas, total;
	struct gpt_entry *ents;
	struct gpt_header h;
	struct out o;
	struct stat ost;

	while ((ch = getopt_long(argc, argv, "ha:b:fo:r:S:V",
	    std_longopts, NULL)) != -1) {
		switch (ch) {
		case 'a':
			arch = optarg;
			break;
		case 'b':
			ss = (uint32_t)num_parse(optarg, 512, 4096, "-b");
			if (ss != 512 && ss != 4096)
				errx_usage("-b %s: 512 or 4096", optarg);
			break;
		case 'f':
			flags |= OUT_FORCE;
			break;
		case 'o':
			outpath = optarg;
			break;
		case 'r':
			rootarg = optarg;
			break;
		case 'S':
			seedarg = optarg;
			break;
		case 'V':
			check = 1;
			break;
		case 'h':
			usage(0);
		case OPT_VERSION:
			print_version();
		default:
			usage(2);
		}
	}
	argc -= optind;
	argv += optind;
	if (check) {
		if (argc != 1 || outpath)
			usage(2);
		return verify(argv[0]);
	}
	if (outpath == NULL) {
		warnx("-o disk.raw is required");
		usage(2);
	}
	if (strcmp(arch, "x86-64") != 0 && strcmp(arch, "arm64") != 0)
		errx_usage("-a %s: x86-64 or arm64", arch);
	if (seedarg != NULL && uuid_read(seedarg, seed) != 0)
		errx_usage("-S %s: not a UUID", seedarg);
	if (argc == 0)
		argv = lines = parts_from_stdin(&text, &argc);
	if (argc == 0)
		errx_usage("no partitions");
	if (argc > MAXPARTS)
		errx(1, "%d partitions: a GPT here holds at most %d", argc,
		    MAXPARTS);

	/* Every partition, its payload and identity, before any output. */
	for (int i = 0; i < argc; i++)
		part_parse(&parts[i], argv[i], arch, roothex);
	rootlen = root_hash_get(rootarg, roothex, root);
	uuid_derive(seed, "disk-uuid", 9, disk_uuid);
	uuids_derive(parts, (size_t)argc, seed, root, rootlen);
	entries_lbas = (NENTRIES * ENTRY_SIZE + ss - 1) / ss;
	total = layout(parts, (size_t)argc, ss, entries_lbas);

	out_open(&o, outpath, flags | OUT_SEEK);
	if (fstat(o.fd, &ost) < 0)
		err(1, "%s", outpath);
	blk = S_ISBLK(ost.st_mode);
	if (blk)
		total = disk_sectors(o.fd, outpath, ss, total);
	else if (S_ISREG(ost.st_mode) && ftruncate(o.fd, (off_t)(total * ss)) <
	    0)
		err(1, "%s", outpath);
	ents = table_build(parts, (size_t)argc, disk_uuid, total, entries_lbas,
	    &h);
	payloads_write(o.fd, outpath, parts, (size_t)argc, ss, blk);
	tables_write(o.fd, outpath, ss, total, entries_lbas, &h, ents);
	out_commit(&o);
	free(ents);
	free(lines);
	free(text);
	for (int i = 0; i < argc; i++)
		free((char *)parts[i].file);
	return 0;
}
