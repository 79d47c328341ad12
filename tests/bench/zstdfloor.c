/*
 * zstdfloor: the compression floor of a squashfs image of a tree, for
 * tests/bench/mksqfs.sh. Every regular file (a hard link's data once),
 * in path order, is cut into blocks of BLOCKSIZE bytes; whole blocks are
 * compressed one by one, and the tails packed into fragment blocks of
 * BLOCKSIZE (a tail that does not fit closes the fragment block), each
 * compressed once, as squashfs writers do. The compression alone is
 * timed, on one thread; the floor for N cores is that time divided by N.
 *
 *   zstdfloor LEVEL BLOCKSIZE DIR
 * prints "cpu SECONDS blocks N bytes-in N bytes-out N".
 */
#define _GNU_SOURCE
#include <sys/stat.h>

#include <err.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <zstd.h>

static int level;
static size_t bs, fill, blocks;
static unsigned char *frag, *out;
static unsigned long long bytes_in, bytes_out;
static double cpu;
static ZSTD_CCtx *cctx;
static char **paths;
static size_t npaths, cap;
static struct { dev_t dev; ino_t ino; } *seen;
static size_t nseen;
static struct { size_t size; unsigned long long h; } *sums;
static size_t nsums;

static double
now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void
compress(const unsigned char *p, size_t n)
{
	double t = now();
	size_t r = ZSTD_compressCCtx(cctx, out, ZSTD_compressBound(bs), p, n,
	    level);

	cpu += now() - t;
	if (ZSTD_isError(r))
		errx(1, "zstd: %s", ZSTD_getErrorName(r));
	/* Stored as is when it does not shrink. */
	bytes_out += r < n ? r : n;
	bytes_in += n;
	blocks++;
}

static int
collect(const char *path, const struct stat *st, int type, struct FTW *f)
{
	(void)f;
	if (type != FTW_F || !S_ISREG(st->st_mode))
		return 0;
	if (st->st_nlink > 1) {
		for (size_t i = 0; i < nseen; i++)
			if (seen[i].dev == st->st_dev && seen[i].ino == st->st_ino)
				return 0;
		seen = realloc(seen, (nseen + 1) * sizeof(*seen));
		seen[nseen].dev = st->st_dev;
		seen[nseen++].ino = st->st_ino;
	}
	if (npaths == cap && (paths = realloc(paths, (cap = cap * 2 + 64) *
	    sizeof(*paths))) == NULL)
		err(1, "realloc");
	paths[npaths++] = strdup(path);
	return 0;
}

/* The whole file in memory. */
static unsigned char *
slurp(const char *path, size_t *size)
{
	int fd = open(path, O_RDONLY);
	struct stat st;
	unsigned char *d;
	size_t got = 0;
	ssize_t n;

	if (fd < 0 || fstat(fd, &st) < 0)
		err(1, "%s", path);
	if ((d = malloc((size_t)st.st_size + 1)) == NULL)
		err(1, "malloc");
	while (got < (size_t)st.st_size &&
	    (n = read(fd, d + got, (size_t)st.st_size - got)) > 0)
		got += (size_t)n;
	close(fd);
	*size = got;
	return d;
}

/* Whether a file with these bytes came before (size and FNV-1a 64). */
static int
duplicate(const unsigned char *d, size_t size)
{
	unsigned long long h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < size; i++)
		h = (h ^ d[i]) * 0x100000001b3ULL;
	for (size_t i = 0; i < nsums; i++)
		if (sums[i].size == size && sums[i].h == h)
			return 1;
	if ((sums = realloc(sums, (nsums + 1) * sizeof(*sums))) == NULL)
		err(1, "realloc");
	sums[nsums].size = size;
	sums[nsums++].h = h;
	return 0;
}

/* Whole blocks compressed, the tail into the fragment block. */
static void
file_blocks(const unsigned char *d, size_t size)
{
	size_t off = 0;

	for (; size - off >= bs; off += bs)
		compress(d + off, bs);
	if (off == size)
		return;
	if (fill + (size - off) > bs) {
		compress(frag, fill);
		fill = 0;
	}
	memcpy(frag + fill, d + off, size - off);
	fill += size - off;
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
main(int argc, char *argv[])
{
	if (argc != 4)
		errx(2, "usage: zstdfloor LEVEL BLOCKSIZE DIR");
	level = atoi(argv[1]);
	bs = (size_t)atol(argv[2]);
	frag = malloc(bs);
	out = malloc(ZSTD_compressBound(bs));
	if ((cctx = ZSTD_createCCtx()) == NULL || !frag || !out)
		errx(1, "out of memory");
	if (nftw(argv[3], collect, 64, FTW_PHYS) != 0)
		err(1, "%s", argv[3]);
	qsort(paths, npaths, sizeof(*paths), by_name);
	for (size_t i = 0; i < npaths; i++) {
		size_t size;
		unsigned char *d = slurp(paths[i], &size);

		if (!duplicate(d, size))
			file_blocks(d, size);
		free(d);
	}
	if (fill > 0)
		compress(frag, fill);
	printf("cpu %.3f blocks %zu bytes-in %llu bytes-out %llu\n", cpu,
	    blocks, bytes_in, bytes_out);
	return 0;
}
