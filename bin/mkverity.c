/*
 * mkverity: build the dm-verity hash tree and superblock of a data image and
 * print its root hash, or verify an image against a hash image and a root
 * hash. In the pipeline it protects a system extension's file system: its
 * output is the verity partition, its root hash what pkcs7sign signs.
 *
 * Implements: dm-verity format 1 (Documentation/admin-guide/device-mapper/
 * verity.rst) with the superblock of cryptsetup's veritysetup(8), SHA-256,
 * in bin/lib/verity.c; salt and UUID derivation of systemd-repart(8) (its
 * --seed, bin/lib/uuid.c).
 */
#include <sys/random.h>
#include <sys/stat.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "initkit.h"

/* -h: on stdout, exit 0; a usage error: on stderr, exit 2. */
static NORETURN void
usage(int status)
{
	fprintf(status ? stderr : stdout, "usage: mkverity [-f] [-s salt | -S seed] [-u uuid] "
	    "[-b blocksize] [-H hashoffset]\n"
	    "                [-o hashimage] data.img\n"
	    "       mkverity -V [-H hashoffset] data.img hash.img roothash\n");
	exit(status);
}

static void
parse_uuid(const char *s, uint8_t out[16], const char *what)
{
	if (uuid_read(s, out) != 0)
		errx_usage("%s %s: not a UUID", what, s);
}

/* Salt and UUID: from the seed (all zero unless -S), then -s, -u. */
static void
identity_set(struct verity *v, const char *seed, const char *salt,
    const char *uuid)
{
	uint8_t seedb[16] = { 0 };
	int r;

	if (seed != NULL)
		parse_uuid(seed, seedb, "-S");
	verity_seed(v, seedb);
	if (salt != NULL && strcmp(salt, "-") == 0)
		v->salt_size = 0;
	else if (salt != NULL && strcmp(salt, "random") == 0) {
		if (getrandom(v->salt, 32, 0) != 32)
			err(1, "getrandom");
		v->salt_size = 32;
	} else if (salt != NULL) {
		if ((r = hex_decode(salt, v->salt, sizeof(v->salt))) < 0)
			errx_usage("-s %s: not up to 256 bytes of hex", salt);
		v->salt_size = (uint16_t)r;
	}
	if (uuid != NULL)
		parse_uuid(uuid, v->uuid, "-u");
}

/*
 * The data's blocks, and where the hash area goes: -H, or (no -o) right
 * after the data in the data file. A file that already ends in its hash
 * area: the data is what comes before it, and only -f rebuilds the area
 * in place.
 */
static off_t
data_and_offset(struct verity *v, int dfd, const char *data,
    const char *out, const char *hoff_arg, off_t hoff, int force)
{
	uint64_t size;

	v->data_blocks = verity_data_blocks(dfd, data, v->block_size);
	if (out == NULL && hoff_arg == NULL) {
		off_t at = verity_appended(dfd, data, v->block_size,
		    (off_t)(v->data_blocks * v->block_size));

		if (at >= 0 && !force)
			errx(1, "%s: ends in a verity hash area from offset %jd "
			    "(of an earlier run); use -f to rebuild it", data,
			    (intmax_t)at);
		if (at >= 0)
			v->data_blocks = (uint64_t)at / v->block_size;
	}
	size = v->data_blocks * v->block_size;
	if (out == NULL && hoff_arg == NULL)
		hoff = (off_t)size;
	if (out == NULL && (uint64_t)hoff < size)
		errx(1, "%s: -H %jd would overwrite the data", data,
		    (intmax_t)hoff);
	/* Block-aligned, as the kernel wants (hash_start_block). */
	if (hoff % v->block_size != 0)
		errx_usage("-H %s: not a multiple of the block size", hoff_arg);
	return hoff;
}

/* The hash image into out (a disk, a verity partition, from hoff on). */
static void
write_out(const char *out, int force, const uint8_t *tree, size_t len,
    off_t hoff)
{
	struct out o;
	struct stat st;

	out_open(&o, out, (force ? OUT_FORCE : 0) | OUT_SEEK);
	if (fstat(o.fd, &st) < 0 || (S_ISREG(st.st_mode) && hoff > 0 &&
	    ftruncate(o.fd, hoff) < 0))
		err(1, "%s", out);
	if (pwrite_full(o.fd, tree, len, hoff) < 0)
		err(1, "%s", out);
	out_commit(&o);
}

/* In place, after the data: a failure cuts the file back. */
static void
write_in_place(int dfd, const char *data, int force, const uint8_t *tree,
    size_t len, off_t hoff, off_t data_end)
{
	struct stat st;

	if (fstat(dfd, &st) < 0)
		err(1, "%s", data);
	if (st.st_size > hoff && !force)
		errx(1, "%s: has bytes after offset %jd; use -f to overwrite "
		    "them", data, (intmax_t)hoff);
	if (ftruncate(dfd, hoff) < 0 || pwrite_full(dfd, tree, len, hoff) < 0 ||
	    fsync(dfd) < 0) {
		int e = errno;

		if (ftruncate(dfd, data_end) < 0)
			warn("%s: cannot cut back", data);
		errno = e;
		err(1, "%s", data);
	}
}

int
main(int argc, char *argv[])
{
	struct verity v = { .block_size = 4096 };
	const char *out = NULL, *salt = NULL, *seed = NULL, *uuid = NULL;
	const char *hoff_arg = NULL;
	uint8_t root[32], *tree;
	char hex[65];
	int ch, force = 0, check = 0, dfd;
	off_t hoff;

	while ((ch = getopt_long(argc, argv, "hb:fH:o:s:S:u:V",
	    std_longopts, NULL)) != -1) {
		switch (ch) {
		case 'b':
			v.block_size = (uint32_t)num_parse(optarg, 512,
			    1 << 19, "-b");
			if (v.block_size & (v.block_size - 1))
				errx_usage("-b %s: not a power of two", optarg);
			break;
		case 'f':
			force = 1;
			break;
		case 'H':
			hoff_arg = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		case 's':
			salt = optarg;
			break;
		case 'S':
			seed = optarg;
			break;
		case 'u':
			uuid = optarg;
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
	hoff = hoff_arg != NULL ? (off_t)size_parse(hoff_arg, "-H") : 0;
	if (check) {
		if (argc != 3 || out || salt || seed || uuid || force)
			usage(2);
		if (strlen(argv[2]) != 64 || hex_decode(argv[2], root, 32) != 32)
			errx_usage("%s: not a SHA-256 root hash", argv[2]);
		verity_check(argv[0], argv[1], hoff, root);
		if (fclose(stdout) != 0)
			err(1, "stdout");
		return 0;
	}
	if (argc != 1 || (salt && seed))
		usage(2);
	/* Standard output is the root hash's. */
	if (out != NULL && strcmp(out, "-") == 0)
		errx_usage("-o -: standard output carries the root hash; "
		    "write the hash image to a file");
	identity_set(&v, seed, salt, uuid);
	if ((dfd = open(argv[0], (out ? O_RDONLY : O_RDWR) | O_CLOEXEC)) < 0)
		err(1, "%s", argv[0]);
	hoff = data_and_offset(&v, dfd, argv[0], out, hoff_arg, hoff, force);
	verity_layout(&v);
	tree = xmalloc(v.sb_size + v.tree_size);
	verity_hash(&v, dfd, argv[0], tree, root);
	verity_superblock(&v, tree);
	if (out != NULL)
		write_out(out, force, tree, v.sb_size + v.tree_size, hoff);
	else
		write_in_place(dfd, argv[0], force, tree, v.sb_size +
		    v.tree_size, hoff, (off_t)(v.data_blocks * v.block_size));
	free(tree);
	close(dfd);
	puts(hex_format(hex, root, 32));
	if (fclose(stdout) != 0)
		err(1, "stdout");
	return 0;
}
