/*
 * mkgpt: assemble a GPT disk image from partition payload files, with
 * Discoverable Partitions types and the identities systemd-repart would
 * give them; or check an image's GPT strictly. In the pipeline it puts a
 * system extension's squashfs, verity tree and signature into one image.
 *
 * Implements: UEFI 2.10, 5.2.3 (protective MBR) and 5.3 (GPT header and
 * partition entries, CRC32), in bin/lib/gpt.c; the Discoverable
 * Partitions Specification's type UUIDs; systemd-repart's derivation of
 * partition and disk UUIDs (mkgpt(1), bin/lib/uuid.c).
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

#include "initkit.h"

#define ALIGN		4096	/* partitions and the disk, as repart */
#define MAXPARTS	GPT_ENTRIES
/*
 * DPS: read-only, which it recommends setting always on verity and signature
 * partitions. Data partitions get no bits: repart 252's grow-fs (59) on a
 * squashfs under verity means nothing (mkgpt.1, COMPATIBILITY).
 */
#define ATTR_RO		(1ULL << 60)

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
	int kind;		/* index into types[], or -1 */
	uint64_t size;		/* payload bytes */
	uint64_t want;		/* partition size asked for (@size), or 0 */
	struct gpt_part g;	/* its entry: type, UUID, LBAs, label */
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

/* repart's default label: the type's name, with the architecture for
 * the root, usr and their verity types ("root-x86-64-verity"); a type
 * given as a UUID: "linux-generic". */
static void
default_label(struct part *p, const char *arch)
{
	const char *n;
	size_t base;

	if (p->kind < 0) {
		strcpy(p->g.label, "linux-generic");
		return;
	}
	n = types[p->kind].name;
	if (strcmp(n, "esp") == 0 || strcmp(n, "xbootldr") == 0 ||
	    strcmp(n, "linux-generic") == 0) {
		strcpy(p->g.label, n);
		return;
	}
	base = strcspn(n, "-");
	snprintf(p->g.label, sizeof(p->g.label), "%.*s-%s%s", (int)base, n, arch,
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
		strcpy(p->g.label, colon + 1);
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
			    types[t].arm, p->g.type);
		}
	if (p->kind < 0 && uuid_read(spec, p->g.type) != 0)
		errx(1, "%s: %s: neither a partition designator nor a UUID",
		    arg, spec);
	if (p->kind >= 0 && types[p->kind].verity)
		p->g.attributes = ATTR_RO;
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
			memcpy(p->g.uuid, data ? root : root + rootlen - 16, 16);
			continue;
		}
		if (verity == 1)
			errx(1, "%s: a verity partition needs the root hash "
			    "(-r, or a verity signature partition)", p->spec);
		for (size_t j = 0; j < i; j++)
			nth += memcmp(parts[j].g.type, p->g.type, 16) == 0;
		memcpy(msg, p->g.type, 16);
		if (nth > 0) {
			uint64_t le = htole64(nth);

			memcpy(msg + 16, &le, 8);
		}
		uuid_derive(seed, msg, nth > 0 ? 24 : 16, p->g.uuid);
	}
}

/*
 * Layout: entries after the primary header, partitions 4 KiB aligned and
 * sized to their payload, then the backup. (repart 252 gets 1 MiB
 * alignment from libfdisk on disks over 4 MiB and makes partitions at
 * least 10 MiB: mkgpt.1, COMPATIBILITY.) Returns the disk's sectors.
 */
static uint64_t
layout(struct part *parts, size_t np, uint32_t ss)
{
	uint64_t array = gpt_array_sectors(ss);
	uint64_t lba = round_up((2 + array) * ss, ALIGN) / ss;

	for (size_t i = 0; i < np; i++) {
		parts[i].g.first = lba;
		lba += round_up(parts[i].want ? parts[i].want : parts[i].size,
		    ALIGN) / ss;
		parts[i].g.last = lba - 1;
	}
	return round_up((lba + array + 1) * ss, ALIGN) / ss;
}

/*
 * The output, for total sectors: a file is cut to its size. Onto a disk
 * (a USB stick, a loop device) the table is the disk's, its backup in the
 * disk's last sectors (*total becomes the disk's sectors), in the disk's
 * sector size. Returns whether it is a disk.
 */
static int
disk_open(struct out *o, const char *path, int flags, uint32_t ss,
    uint64_t *total)
{
	struct stat st;
	uint64_t bytes;
	int lss;

	out_open(o, path, flags | OUT_SEEK);
	if (fstat(o->fd, &st) < 0)
		err(1, "%s", path);
	if (!S_ISBLK(st.st_mode)) {
		if (S_ISREG(st.st_mode) && ftruncate(o->fd,
		    (off_t)(*total * ss)) < 0)
			err(1, "%s", path);
		return 0;
	}
	if (ioctl(o->fd, BLKSSZGET, &lss) < 0 ||
	    ioctl(o->fd, BLKGETSIZE64, &bytes) < 0)
		err(1, "%s", path);
	if ((uint32_t)lss != ss)
		errx(1, "%s: a disk of %d-byte sectors; use -b %d", path, lss,
		    lss);
	if (bytes / ss < *total)
		errx(1, "%s: %" PRIu64 " bytes, the image needs %" PRIu64, path,
		    bytes, *total * ss);
	*total = bytes / ss;
	return 1;
}

/* The payloads; on a disk, zeros after each to its partition's end (the
 * last sector's tail written, the rest zeroed out). */
static void
payloads_write(int fd, const char *path, const struct part *parts,
    size_t np, uint32_t ss, int blk)
{
	static const uint8_t zeros[4096];

	for (size_t i = 0; i < np; i++) {
		uint64_t end = parts[i].g.first * ss + parts[i].size;
		uint64_t range[2] = { round_up(end, ss), 0 };

		copy_in(fd, path, &parts[i], (off_t)(parts[i].g.first * ss), blk);
		if (!blk)
			continue;
		range[1] = (parts[i].g.last + 1) * ss - range[0];
		pwrite_all(fd, path, zeros, range[0] - end, (off_t)end);
		if (range[1] > 0 && ioctl(fd, BLKZEROOUT, range) < 0)
			err(1, "%s", path);
	}
}

/* The GPT: the partitions' entries, in the order given. */
static void
table_write(int fd, const char *path, uint32_t ss, uint64_t total,
    const uint8_t disk[16], const struct part *parts, size_t np)
{
	struct gpt_part *t = xcalloc(np, sizeof(*t));

	for (size_t i = 0; i < np; i++)
		t[i] = parts[i].g;
	gpt_write(fd, path, ss, total, disk, t, np);
	free(t);
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
	uint64_t total;
	struct out o;

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
		gpt_check(argv[0]);
		return 0;
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
	total = layout(parts, (size_t)argc, ss);

	blk = disk_open(&o, outpath, flags, ss, &total);
	payloads_write(o.fd, outpath, parts, (size_t)argc, ss, blk);
	table_write(o.fd, outpath, ss, total, disk_uuid, parts, (size_t)argc);
	out_commit(&o);
	free(lines);
	free(text);
	for (int i = 0; i < argc; i++)
		free((char *)parts[i].file);
	return 0;
}
