/*
 * verity.c: the dm-verity hash tree and superblock, format 1 with SHA-256,
 * as the kernel checks it (Documentation/admin-guide/device-mapper/
 * verity.rst) and veritysetup(8) writes it (cryptsetup's lib/verity).
 *
 * Each data block's digest is SHA-256(salt || block); digests are packed
 * hash_block_size / 32 to a hash block, zero-padded, and each level is
 * hashed the same way into the next, until a level is one block: its
 * digest is the root hash. On disk: the superblock (512 bytes, padded to
 * a hash block) at the hash offset, then the levels, top level first.
 * verity_check reads it all back, as mkverity -V.
 */
#include <sys/stat.h>

#include <endian.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "initkit.h"

#define DIGEST	32	/* SHA-256 */
#define SB_SIZE	512

/* struct verity_sb of cryptsetup, little-endian, 512 bytes. */
struct verity_sb {
	uint8_t signature[8];		/* "verity\0\0" */
	uint32_t version;		/* 1 */
	uint32_t hash_type;		/* 1: salt before data */
	uint8_t uuid[16];
	uint8_t algorithm[32];		/* "sha256" */
	uint32_t data_block_size;
	uint32_t hash_block_size;
	uint64_t data_blocks;
	uint16_t salt_size;
	uint8_t pad1[6];
	uint8_t salt[256];
	uint8_t pad2[168];
} __attribute__((packed));

_Static_assert(sizeof(struct verity_sb) == SB_SIZE, "verity superblock");

void
verity_layout(struct verity *v)
{
	uint64_t n = v->data_blocks, per = v->block_size / DIGEST;

	/* Levels until one block holds all digests; a single data block
	 * needs none: its digest is the root hash (as for veritysetup). */
	v->levels = 0;
	while (n > 1 && v->levels < VERITY_MAX_LEVELS) {
		n = (n + per - 1) / per;
		v->level_blocks[v->levels++] = n;
	}
	v->sb_size = ((SB_SIZE + v->block_size - 1) / v->block_size) *
	    v->block_size;
	v->tree_size = 0;
	for (int i = v->levels - 1; i >= 0; i--) {
		v->level_offset[i] = v->sb_size + v->tree_size;
		v->tree_size += v->level_blocks[i] * v->block_size;
	}
}

void
verity_seed(struct verity *v, const uint8_t seed[16])
{
	/* As systemd-repart derives them from its --seed. */
	seed_hmac(seed, "verity-salt", 11, v->salt);
	v->salt_size = 32;
	uuid_derive(seed, "verity-uuid", 11, v->uuid);
}

/* A digest context with the salt absorbed, to be copied per block. */
static EVP_MD_CTX *
salted(const struct verity *v)
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();

	if (c == NULL || EVP_DigestInit_ex(c, EVP_sha256(), NULL) != 1 ||
	    EVP_DigestUpdate(c, v->salt, v->salt_size) != 1)
		errx_ssl("sha256");
	return c;
}

static void
digest(EVP_MD_CTX *base, EVP_MD_CTX *c, const void *block, size_t len,
    uint8_t *out)
{
	if (EVP_MD_CTX_copy_ex(c, base) != 1 ||
	    EVP_DigestUpdate(c, block, len) != 1 ||
	    EVP_DigestFinal_ex(c, out, NULL) != 1)
		errx_ssl("sha256");
}

void
verity_digest(const struct verity *v, const uint8_t *block, uint8_t out[32])
{
	EVP_MD_CTX *base = salted(v), *c = EVP_MD_CTX_new();

	if (c == NULL)
		errx_ssl("sha256");
	digest(base, c, block, v->block_size, out);
	EVP_MD_CTX_free(c);
	EVP_MD_CTX_free(base);
}

/*
 * The digests of n blocks of bs bytes at in, one after the other at out:
 * two at a time where the CPU can (sha256x2.c), else through c, a copy of
 * base (the salt absorbed) per block.
 */
static void
digest_run(const struct verity *v, EVP_MD_CTX *base, EVP_MD_CTX *c,
    const uint8_t *in, uint64_t n, uint8_t *out)
{
	size_t bs = v->block_size;
	uint64_t i = 0;

	for (; i + 1 < n; i += 2)
		if (sha256x2(v->salt, v->salt_size, in + i * bs,
		    in + (i + 1) * bs, bs, out + i * DIGEST,
		    out + (i + 1) * DIGEST) != 0)
			break;
	for (; i < n; i++)
		digest(base, c, in + i * bs, bs, out + i * DIGEST);
}

struct job {
	const struct verity *v;
	int fd;
	const char *name;
	uint64_t first, count;		/* data blocks */
	uint8_t *out;			/* level 0, digest per block */
};

/* Hash data blocks [first, first + count) with large sequential reads. */
static void *
hash_range(void *arg)
{
	struct job *j = arg;
	size_t bs = j->v->block_size, chunk = (1 << 21) / bs;
	uint8_t *buf = xmalloc(chunk * bs);
	EVP_MD_CTX *base = salted(j->v), *c = EVP_MD_CTX_new();

	if (c == NULL)
		errx_ssl("sha256");
	for (uint64_t b = 0; b < j->count; b += chunk) {
		size_t n = j->count - b < chunk ? j->count - b : chunk;
		ssize_t got = pread_full(j->fd, buf, n * bs,
		    (off_t)((j->first + b) * bs));

		if (got < 0)
			err(1, "%s", j->name);
		if ((size_t)got < n * bs)
			errx(1, "%s: shrank while hashing", j->name);
		digest_run(j->v, base, c, buf, n, j->out + b * DIGEST);
	}
	EVP_MD_CTX_free(c);
	EVP_MD_CTX_free(base);
	free(buf);
	return NULL;
}

/*
 * Level 0 packs data digests per hash block; level i + 1 hashes level i's
 * blocks. A hash block holds exactly bs / 32 digests, so each level's
 * digests lie one after the other, zero-padded at its end. tree gets the
 * levels at their offsets (tree[0] is the start of the hash area,
 * superblock included).
 */
void
verity_hash(const struct verity *v, int fd, const char *name, uint8_t *tree,
    uint8_t root[32])
{
	size_t bs = v->block_size;
	int nt = ncpus() > 8 ? 8 : ncpus();
	uint64_t share;
	/* A single data block's digest is the root hash. */
	uint8_t *digests = v->levels > 0 ? tree + v->level_offset[0] : root;
	struct job jobs[8];
	pthread_t th[8];
	EVP_MD_CTX *base = salted(v), *c = EVP_MD_CTX_new();

	if (c == NULL)
		errx_ssl("sha256");
	memset(tree, 0, v->sb_size + v->tree_size);
	if ((uint64_t)nt > v->data_blocks)
		nt = (int)v->data_blocks;
	share = (v->data_blocks + (uint64_t)nt - 1) / (uint64_t)nt;
	/* Even shares: each thread's blocks pair up (sha256x2). */
	share += share % 2;
	for (int t = 0; t < nt; t++) {
		uint64_t first = share * (uint64_t)t;

		jobs[t] = (struct job){ v, fd, name, first, 0,
		    digests + first * DIGEST };
		jobs[t].count = first >= v->data_blocks ? 0 :
		    first + share > v->data_blocks ? v->data_blocks - first :
		    share;
		if (t > 0 && pthread_create(&th[t], NULL, hash_range,
		    &jobs[t]) != 0)
			errx(1, "cannot start a hashing thread");
	}
	hash_range(&jobs[0]);
	for (int t = 1; t < nt; t++)
		pthread_join(th[t], NULL);

	for (int l = 1; l < v->levels; l++)
		digest_run(v, base, c, tree + v->level_offset[l - 1],
		    v->level_blocks[l - 1], tree + v->level_offset[l]);
	if (v->levels > 0)
		digest(base, c, tree + v->level_offset[v->levels - 1], bs,
		    root);
	EVP_MD_CTX_free(c);
	EVP_MD_CTX_free(base);
}

void
verity_superblock(const struct verity *v, uint8_t out[512])
{
	struct verity_sb sb;

	memset(&sb, 0, sizeof(sb));
	memcpy(sb.signature, "verity\0\0", 8);
	sb.version = htole32(1);
	sb.hash_type = htole32(1);
	memcpy(sb.uuid, v->uuid, 16);
	memcpy(sb.algorithm, "sha256", 6);
	sb.data_block_size = htole32(v->block_size);
	sb.hash_block_size = htole32(v->block_size);
	sb.data_blocks = htole64(v->data_blocks);
	sb.salt_size = htole16(v->salt_size);
	memcpy(sb.salt, v->salt, v->salt_size);
	memcpy(out, &sb, sizeof(sb));
}

int
verity_parse_superblock(struct verity *v, const uint8_t in[512])
{
	struct verity_sb sb;

	memcpy(&sb, in, sizeof(sb));
	if (memcmp(sb.signature, "verity\0\0", 8) != 0)
		return -1;
	if (le32toh(sb.version) != 1 || le32toh(sb.hash_type) != 1 ||
	    strncmp((char *)sb.algorithm, "sha256", 32) != 0 ||
	    le32toh(sb.data_block_size) != le32toh(sb.hash_block_size) ||
	    le16toh(sb.salt_size) > 256)
		return -2;
	memset(v, 0, sizeof(*v));
	v->block_size = le32toh(sb.data_block_size);
	if (v->block_size < 512 || v->block_size > (1 << 19) ||
	    (v->block_size & (v->block_size - 1)) != 0)
		return -2;
	v->data_blocks = le64toh(sb.data_blocks);
	if (v->data_blocks == 0)
		return -3;
	v->salt_size = le16toh(sb.salt_size);
	memcpy(v->salt, sb.salt, v->salt_size);
	memcpy(v->uuid, sb.uuid, 16);
	return 0;
}

static void
read_at(int fd, const char *name, void *buf, size_t len, off_t off)
{
	ssize_t r = pread_full(fd, buf, len, off);

	if (r < 0)
		err(1, "%s", name);
	if ((size_t)r < len)
		errx(1, "%s: too short for its hash tree", name);
}

uint64_t
verity_data_blocks(int fd, const char *name, uint32_t bs)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		err(1, "%s", name);
	if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode))
		errx(1, "%s: not a regular file", name);
	if (st.st_size == 0)
		errx(1, "%s: empty", name);
	if (st.st_size % bs != 0)
		errx(1, "%s: %jd bytes, not a multiple of the %u-byte block "
		    "size (a partial last block would not be protected)", name,
		    (intmax_t)st.st_size, bs);
	return (uint64_t)st.st_size / bs;
}

/*
 * The one data size n whose data, superblock and tree end exactly at the
 * file's end, with a superblock there that describes exactly n blocks of
 * bs bytes. (Data, superblock and tree grow with n, so a binary search
 * finds n.)
 */
off_t
verity_appended(int fd, const char *name, uint32_t bs, off_t size)
{
	struct verity v = { .block_size = bs }, sb;
	uint64_t lo = 1, hi = (uint64_t)size / bs, n;
	uint8_t buf[SB_SIZE];
	off_t end;

	while (lo <= hi) {
		n = lo + (hi - lo) / 2;
		v.data_blocks = n;
		verity_layout(&v);
		end = (off_t)(n * bs + v.sb_size + v.tree_size);
		if (end == size)
			break;
		if (end < size)
			lo = n + 1;
		else
			hi = n - 1;
	}
	if (lo > hi)
		return -1;
	read_at(fd, name, buf, sizeof(buf), (off_t)(n * bs));
	if (verity_parse_superblock(&sb, buf) != 0 || sb.block_size != bs ||
	    sb.data_blocks != n)
		return -1;
	return (off_t)(n * bs);
}

/* The superblock at hoff, of a kind this code checks. */
static void
sb_read(struct verity *v, int hfd, const char *hname, off_t hoff)
{
	uint8_t sb[SB_SIZE];
	int r;

	read_at(hfd, hname, sb, sizeof(sb), hoff);
	if ((r = verity_parse_superblock(v, sb)) == -1)
		errx(1, "%s: no verity superblock at offset %jd", hname,
		    (intmax_t)hoff);
	if (r == -3)
		errx(1, "%s: verity superblock covers no data blocks", hname);
	if (r < 0)
		errx(1, "%s: verity superblock of a kind this tool does not "
		    "check (format 1, sha256, equal block sizes)", hname);
}

/* The hash area as stored: the superblock as verity_superblock would
 * write it (reserved bytes and padding zero), then the tree. */
static uint8_t *
area_read(const struct verity *v, int hfd, const char *hname, off_t hoff)
{
	uint8_t *stored = xmalloc(v->sb_size + v->tree_size), sb[SB_SIZE];

	read_at(hfd, hname, stored, v->sb_size + v->tree_size, hoff);
	for (size_t i = SB_SIZE; i < v->sb_size; i++)
		if (stored[i] != 0)
			errx(1, "%s: superblock padding is not zero", hname);
	verity_superblock(v, sb);
	if (memcmp(sb, stored, SB_SIZE) != 0)
		errx(1, "%s: superblock has non-zero reserved bytes", hname);
	return stored;
}

/* The stored tree top-down, as the kernel would: the root against the
 * top block, every block against its digest one level up. */
static void
tree_check(const struct verity *v, const uint8_t *stored, const char *hname,
    const uint8_t want[32])
{
	size_t bs = v->block_size, per = bs / DIGEST;
	uint8_t d[DIGEST];
	int l = v->levels - 1;

	if (v->levels == 0)
		return;
	verity_digest(v, stored + v->level_offset[l], d);
	if (memcmp(d, want, DIGEST) != 0)
		errx(1, "%s: root hash does not match the top of the hash tree "
		    "(wrong root hash, or hash block 0 of level %d is corrupt)",
		    hname, l);
	for (; l > 0; l--)
		for (uint64_t i = 0; i < v->level_blocks[l - 1]; i++) {
			verity_digest(v, stored + v->level_offset[l - 1] +
			    i * bs, d);
			if (memcmp(d, stored + v->level_offset[l] +
			    (i / per) * bs + (i % per) * DIGEST, DIGEST) != 0)
				errx(1, "%s: hash block %" PRIu64 " of level "
				    "%d is corrupt", hname, i, l - 1);
		}
}

/* The data against level 0 (or the root, for a single block), naming the
 * first bad block. */
static void
data_check(const struct verity *v, int dfd, const char *dname,
    const uint8_t *stored, const uint8_t want[32])
{
	size_t bs = v->block_size, per = bs / DIGEST;
	uint8_t *fresh = xmalloc(v->sb_size + v->tree_size), root[DIGEST];

	verity_hash(v, dfd, dname, fresh, root);
	for (uint64_t i = 0; v->levels > 0 && i < v->data_blocks; i++) {
		uint64_t at = v->level_offset[0] + (i / per) * bs +
		    (i % per) * DIGEST;

		if (memcmp(fresh + at, stored + at, DIGEST) != 0)
			errx(1, "%s: block %" PRIu64 " (bytes %" PRIu64 "..%"
			    PRIu64 ") does not match its hash", dname, i,
			    i * bs, (i + 1) * bs - 1);
	}
	if (memcmp(root, want, DIGEST) != 0)
		errx(1, "%s: block 0 does not match the root hash", dname);
	free(fresh);
}

void
verity_check(const char *dname, const char *hname, off_t hoff,
    const uint8_t root[32])
{
	struct verity v;
	uint8_t *stored;
	int dfd, hfd;

	if ((dfd = open(dname, O_RDONLY | O_CLOEXEC)) < 0)
		err(1, "%s", dname);
	if ((hfd = open(hname, O_RDONLY | O_CLOEXEC)) < 0)
		err(1, "%s", hname);
	sb_read(&v, hfd, hname, hoff);
	if (verity_data_blocks(dfd, dname, v.block_size) < v.data_blocks)
		errx(1, "%s: shorter than the %" PRIu64 " blocks of its hash "
		    "tree", dname, v.data_blocks);
	verity_layout(&v);
	stored = area_read(&v, hfd, hname, hoff);
	tree_check(&v, stored, hname, root);
	data_check(&v, dfd, dname, stored, root);
	free(stored);
	close(dfd);
	close(hfd);
}
