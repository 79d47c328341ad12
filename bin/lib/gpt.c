/*
 * gpt.c: the GUID Partition Table of UEFI 2.10: the protective MBR
 * (5.2.3, Tables 5-3 and 5-4), the GPT header (5.3.2, Table 5-5) and the
 * partition entry array (5.3.3, Table 5-6), each with its CRC32; written
 * for a disk (mkgpt), and read back strictly (mkgpt -V).
 *
 * GUIDs come and go here in RFC 4122 byte order, as libuuid has them; GPT
 * stores the first three fields little-endian (UEFI 2.10 Appendix A), and
 * only guid_to_disk makes that form.
 */
#include <sys/ioctl.h>
#include <sys/stat.h>

#include <endian.h>
#include <err.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/fs.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "initkit.h"

#define ENTRY_SIZE	128	/* SizeOfPartitionEntry, the minimum */
#define MAX_ENTRIES	1024	/* read: 128 KiB of entries at most */

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

/* RFC 4122 byte order to GPT's: the first three fields (32, 16 and 16
 * bits) little-endian. */
static void
guid_to_disk(const uint8_t uuid[16], uint8_t guid[16])
{
	static const int order[16] = {
		3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15
	};

	for (int i = 0; i < 16; i++)
		guid[i] = uuid[order[i]];
}

uint64_t
gpt_array_sectors(uint32_t ss)
{
	return (GPT_ENTRIES * ENTRY_SIZE + ss - 1) / ss;
}

static void
header_crc(struct gpt_header *h)
{
	h->header_crc = 0;
	h->header_crc = htole32((uint32_t)crc32(0, (const Bytef *)h,
	    sizeof(*h)));
}

static void
put(int fd, const char *path, const void *buf, size_t len, off_t off)
{
	if (pwrite_full(fd, buf, len, off) < 0)
		err(1, "%s", path);
}

/* The entry array, and the primary header for it (its own and its
 * alternate's LBA not yet set). */
static struct gpt_entry *
table_build(const struct gpt_part *parts, size_t n, const uint8_t disk[16],
    uint64_t sectors, uint64_t array, struct gpt_header *h)
{
	struct gpt_entry *ents = xcalloc(GPT_ENTRIES, ENTRY_SIZE);

	for (size_t i = 0; i < n; i++) {
		const struct gpt_part *p = &parts[i];
		struct gpt_entry *e = &ents[i];

		guid_to_disk(p->type, e->type);
		guid_to_disk(p->uuid, e->uuid);
		e->first_lba = htole64(p->first);
		e->last_lba = htole64(p->last);
		e->attributes = htole64(p->attributes);
		for (size_t c = 0; p->label[c]; c++)
			e->name[c] = htole16((uint16_t)p->label[c]);
	}
	memset(h, 0, sizeof(*h));
	memcpy(h->signature, "EFI PART", 8);
	h->revision = htole32(0x00010000);
	h->header_size = htole32(sizeof(*h));
	h->first_usable = htole64(2 + array);
	h->last_usable = htole64(sectors - 2 - array);
	guid_to_disk(disk, h->disk_guid);
	h->nentries = htole32(GPT_ENTRIES);
	h->entry_size = htole32(ENTRY_SIZE);
	h->entries_crc = htole32((uint32_t)crc32(0, (const Bytef *)ents,
	    GPT_ENTRIES * ENTRY_SIZE));
	return ents;
}

/*
 * The protective MBR (one partition of type 0xEE over the disk) in
 * sector 0; the primary header at 1, its entries at 2; the backup's
 * entries, then its header in the last sector.
 */
void
gpt_write(int fd, const char *path, uint32_t ss, uint64_t sectors,
    const uint8_t disk[16], const struct gpt_part *parts, size_t n)
{
	uint64_t array = gpt_array_sectors(ss);
	uint8_t *sector = xcalloc(1, ss);
	uint32_t start = htole32(1), count = htole32(sectors - 1 >
	    0xffffffffULL ? 0xffffffff : (uint32_t)(sectors - 1));
	struct gpt_header h;
	struct gpt_entry *ents = table_build(parts, n, disk, sectors, array,
	    &h);

	memcpy(sector + 446, "\x00\x00\x02\x00\xee\xff\xff\xff", 8);
	memcpy(sector + 446 + 8, &start, 4);
	memcpy(sector + 446 + 12, &count, 4);
	sector[510] = 0x55;
	sector[511] = 0xaa;
	put(fd, path, sector, ss, 0);

	h.my_lba = htole64(1);
	h.alternate_lba = htole64(sectors - 1);
	h.entries_lba = htole64(2);
	header_crc(&h);
	memset(sector, 0, ss);
	memcpy(sector, &h, sizeof(h));
	put(fd, path, sector, ss, ss);
	put(fd, path, ents, GPT_ENTRIES * ENTRY_SIZE, 2 * ss);

	h.my_lba = htole64(sectors - 1);
	h.alternate_lba = htole64(1);
	h.entries_lba = htole64(sectors - 1 - array);
	header_crc(&h);
	memset(sector, 0, ss);
	memcpy(sector, &h, sizeof(h));
	put(fd, path, ents, GPT_ENTRIES * ENTRY_SIZE,
	    (off_t)((sectors - 1 - array) * ss));
	put(fd, path, sector, ss, (off_t)((sectors - 1) * ss));
	free(ents);
	free(sector);
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
	    le32toh(h->nentries) > MAX_ENTRIES) {
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
pmbr_check(const char *path, const uint8_t mbr[512], uint64_t last)
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

/* The size of a file, or of a disk (not its inode's). */
static off_t
disk_size(int fd, const char *path)
{
	struct stat st;
	uint64_t bytes;

	if (fstat(fd, &st) < 0)
		err(1, "%s", path);
	if (!S_ISBLK(st.st_mode))
		return st.st_size;
	if (ioctl(fd, BLKGETSIZE64, &bytes) < 0)
		err(1, "%s", path);
	return (off_t)bytes;
}

/* The primary header and its entries; the sector size is where its
 * signature is (512 or 4096 bytes). */
static struct gpt_entry *
primary_read(int fd, const char *path, off_t size, struct gpt_header *h,
    uint32_t *ss)
{
	struct gpt_entry *e = NULL;
	const char *why = NULL;

	for (uint32_t try = 512; try <= 4096 && e == NULL; try *= 8) {
		if ((e = read_side(fd, try, 1, size, h, &why)) != NULL)
			*ss = try;
		else if (strcmp(why, "has no GPT signature") != 0)
			break;
	}
	if (e == NULL)
		errx(1, "%s: primary GPT header %s", path, why);
	return e;
}

/* The backup against the primary, and where both put their arrays. */
static void
sides_check(const char *path, uint32_t ss, uint64_t last,
    const struct gpt_header *h1, const struct gpt_entry *e1,
    const struct gpt_header *h2, const struct gpt_entry *e2)
{
	if (le64toh(h2->alternate_lba) != 1)
		errx(1, "%s: backup header does not point at the primary", path);
	if (memcmp(h1->disk_guid, h2->disk_guid, 16) != 0 ||
	    h1->first_usable != h2->first_usable ||
	    h1->last_usable != h2->last_usable ||
	    h1->nentries != h2->nentries || h1->entries_crc != h2->entries_crc)
		errx(1, "%s: primary and backup GPT disagree", path);
	/* Byte for byte: equal CRCs prove nothing, CRC32 is easy to forge. */
	if (memcmp(e1, e2, (size_t)le32toh(h1->nentries) * ENTRY_SIZE) != 0)
		errx(1, "%s: backup partition entries differ from the "
		    "primary's", path);
	if (le64toh(h1->first_usable) > le64toh(h1->last_usable))
		errx(1, "%s: the first usable LBA %" PRIu64 " is after the "
		    "last, %" PRIu64, path, le64toh(h1->first_usable),
		    le64toh(h1->last_usable));
	if (le64toh(h1->entries_lba) < 2 || le64toh(h1->first_usable) <
	    le64toh(h1->entries_lba) + (le32toh(h1->nentries) * ENTRY_SIZE +
	    ss - 1) / ss || le64toh(h2->entries_lba) <=
	    le64toh(h1->last_usable) || le64toh(h2->entries_lba) >= last)
		errx(1, "%s: entry arrays overlap the usable area", path);
}

/* Partitions inside the usable area, apart, each with a UUID of its own. */
static void
entries_check(const char *path, const struct gpt_header *h,
    const struct gpt_entry *e)
{
	static const uint8_t none[16];

	for (uint32_t i = 0; i < le32toh(h->nentries); i++) {
		uint64_t a = le64toh(e[i].first_lba), b = le64toh(e[i].last_lba);

		if (memcmp(e[i].type, none, 16) == 0)
			continue;
		if (a > b || a < le64toh(h->first_usable) ||
		    b > le64toh(h->last_usable))
			errx(1, "%s: partition %u lies outside the usable area",
			    path, i + 1);
		if (memcmp(e[i].uuid, none, 16) == 0)
			errx(1, "%s: partition %u has no UUID", path, i + 1);
		for (uint32_t j = 0; j < i; j++) {
			if (memcmp(e[j].type, none, 16) == 0)
				continue;
			if (a <= le64toh(e[j].last_lba) &&
			    le64toh(e[j].first_lba) <= b)
				errx(1, "%s: partitions %u and %u overlap",
				    path, j + 1, i + 1);
			if (memcmp(e[i].uuid, e[j].uuid, 16) == 0)
				errx(1, "%s: partitions %u and %u share a UUID",
				    path, j + 1, i + 1);
		}
	}
}

void
gpt_check(const char *path)
{
	struct gpt_header h1, h2;
	struct gpt_entry *e1, *e2;
	const char *why = NULL;
	uint8_t mbr[512];
	uint32_t ss = 0;
	uint64_t last;
	off_t size;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		err(1, "%s", path);
	size = disk_size(fd, path);
	if (pread(fd, mbr, sizeof(mbr), 0) != sizeof(mbr) || mbr[510] != 0x55 ||
	    mbr[511] != 0xaa || pmbr_record(mbr) == NULL)
		errx(1, "%s: no protective MBR", path);
	e1 = primary_read(fd, path, size, &h1, &ss);
	if (size % ss != 0)
		errx(1, "%s: size is not a multiple of the %u-byte sector",
		    path, ss);
	last = (uint64_t)size / ss - 1;
	if (le64toh(h1.alternate_lba) != last)
		errx(1, "%s: primary header puts the backup at LBA %" PRIu64
		    ", the last LBA is %" PRIu64, path,
		    le64toh(h1.alternate_lba), last);
	pmbr_check(path, mbr, last);
	if ((e2 = read_side(fd, ss, last, size, &h2, &why)) == NULL)
		errx(1, "%s: backup GPT header %s", path, why);
	sides_check(path, ss, last, &h1, e1, &h2, e2);
	entries_check(path, &h1, e1);
	free(e1);
	free(e2);
	close(fd);
}
