/*
 * mksqfs: write a squashfs image from tree specs or directories through
 * libsquashfs, reproducibly and with a worker thread per CPU. It makes the
 * file system of every system extension and image root in the pipeline,
 * the data that mkverity protects.
 *
 * Implements: the squashfs 4.0 format (Documentation/filesystems/
 * squashfs.rst, and squashfs-tools-ng's doc/format.adoc) as written by
 * libsquashfs; the tree spec (mtree(5)) read by bin/lib/spec.c.
 */
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqfs/block_processor.h>
#include <sqfs/block_writer.h>
#include <sqfs/compressor.h>
#include <sqfs/dir_writer.h>
#include <sqfs/error.h>
#include <sqfs/frag_table.h>
#include <sqfs/id_table.h>
#include <sqfs/inode.h>
#include <sqfs/io.h>
#include <sqfs/meta_writer.h>
#include <sqfs/super.h>

#include "initkit.h"

#define DEVBLK	4096	/* image size is a multiple: dm-verity's block */

/* One squashfs inode per tree inode (hard links share one). */
struct snode {
	size_t first;		/* index of the first node with this inode */
	uint32_t num;		/* squashfs inode number */
	uint64_t ref;		/* where it is in the inode table */
	uint32_t links;
	sqfs_inode_generic_t *file;	/* from the block processor */
};

struct fs {
	struct tree *t;
	size_t *parent;		/* node index of each node's directory */
	size_t **kids;		/* directories' children, in name order */
	size_t *nkids;
	struct snode *sn;	/* by tree inode number (node->ino) */
	uint32_t next_num;
	sqfs_compressor_t *cmp;
	sqfs_meta_writer_t *im, *dm;
	sqfs_dir_writer_t *dirwr;
	sqfs_id_table_t *ids;
	const char *out;
};

/* -h: on stdout, exit 0; a usage error: on stderr, exit 2. */
static NORETURN void
usage(int status)
{
	fprintf(status ? stderr : stdout, "usage: mksqfs [-f] [-z zstd | xz | gzip | lz4] "
	    "[-l level] [-b blocksize] [-t epoch]\n"
	    "              [-C dir] [-j threads] -o image [spec | dir ...]\n");
	exit(status);
}

static void
check(int r, const char *obj)
{
	if (r != 0)
		errx_sqfs(r, obj);
}

/* Linux's encoding of a device number (new_encode_dev), as squashfs has. */
static uint32_t
devno(dev_t d)
{
	uint32_t ma = major(d), mi = minor(d);

	return (mi & 0xff) | (ma << 8) | ((mi & ~0xffu) << 12);
}

static const char *
base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

/* Number inodes children first (post-order), so the root is the last. */
static void
number(struct fs *fs, size_t d)
{
	struct node *v = fs->t->v;

	for (size_t k = 0; k < fs->nkids[d]; k++) {
		size_t c = fs->kids[d][k];

		if (S_ISDIR(v[c].mode))
			number(fs, c);
		else if (fs->sn[v[c].ino].num == 0)
			fs->sn[v[c].ino].num = ++fs->next_num;
	}
	fs->sn[v[d].ino].num = ++fs->next_num;
}

static void
write_inode(struct fs *fs, size_t i, sqfs_inode_generic_t *in)
{
	struct node *n = &fs->t->v[i];
	struct snode *s = &fs->sn[n->ino];
	sqfs_u32 off;
	sqfs_u64 block;

	in->base.mode = (sqfs_u16)n->mode;
	in->base.mod_time = (sqfs_u32)n->mtime;
	in->base.inode_number = s->num;
	check(sqfs_id_table_id_to_index(fs->ids, n->uid, &in->base.uid_idx),
	    fs->out);
	check(sqfs_id_table_id_to_index(fs->ids, n->gid, &in->base.gid_idx),
	    fs->out);
	sqfs_meta_writer_get_position(fs->im, &block, &off);
	s->ref = block << 16 | off;
	check(sqfs_meta_writer_write_inode(fs->im, in), fs->out);
}

/* Everything but directories and regular files. */
static sqfs_inode_generic_t *
other_inode(const struct node *n, uint32_t links)
{
	size_t extra = S_ISLNK(n->mode) ? strlen(n->link) : 0;
	sqfs_inode_generic_t *in = xcalloc(1, sizeof(*in) + extra);

	switch (n->mode & S_IFMT) {
	case S_IFLNK:
		in->base.type = SQFS_INODE_SLINK;
		in->data.slink.nlink = links;
		in->data.slink.target_size = (sqfs_u32)extra;
		memcpy(in->extra, n->link, extra);
		break;
	case S_IFCHR:
	case S_IFBLK:
		in->base.type = S_ISCHR(n->mode) ? SQFS_INODE_CDEV :
		    SQFS_INODE_BDEV;
		in->data.dev.nlink = links;
		in->data.dev.devno = devno(n->rdev);
		break;
	case S_IFIFO:
	case S_IFSOCK:
		in->base.type = S_ISFIFO(n->mode) ? SQFS_INODE_FIFO :
		    SQFS_INODE_SOCKET;
		in->data.ipc.nlink = links;
		break;
	}
	return in;
}

/* Write directory d's subtree: children's inodes, its listing, itself. */
static void
serialize(struct fs *fs, size_t d)
{
	struct node *v = fs->t->v;
	sqfs_inode_generic_t *in;
	uint32_t subdirs = 0;

	for (size_t k = 0; k < fs->nkids[d]; k++) {
		size_t c = fs->kids[d][k];
		struct snode *s = &fs->sn[v[c].ino];

		if (S_ISDIR(v[c].mode)) {
			serialize(fs, c);
			subdirs++;
		} else if (s->first == c) {
			if (S_ISREG(v[c].mode)) {
				in = s->file;
				s->file = NULL;
				if (s->links > 1) {
					check(sqfs_inode_make_extended(in),
					    fs->out);
					in->data.file_ext.nlink = s->links;
				}
			} else
				in = other_inode(&v[c], s->links);
			write_inode(fs, c, in);
			free(in);
		}
	}
	check(sqfs_dir_writer_begin(fs->dirwr, 0), fs->out);
	for (size_t k = 0; k < fs->nkids[d]; k++) {
		size_t c = fs->kids[d][k];
		struct snode *s = &fs->sn[v[c].ino];

		check(sqfs_dir_writer_add_entry(fs->dirwr, base_name(v[c].path),
		    s->num, s->ref, (sqfs_u16)v[c].mode), v[c].path);
	}
	check(sqfs_dir_writer_end(fs->dirwr), fs->out);
	in = sqfs_dir_writer_create_inode(fs->dirwr, 0, 0xffffffff,
	    fs->parent[d] == (size_t)-1 ? 0 : fs->sn[v[fs->parent[d]].ino].num);
	if (in == NULL)
		errx_sqfs(SQFS_ERROR_ALLOC, fs->out);
	if (in->base.type == SQFS_INODE_DIR)
		in->data.dir.nlink = 2 + subdirs;
	else
		in->data.dir_ext.nlink = 2 + subdirs;
	write_inode(fs, d, in);
	free(in);
}

/* Parents and children: the tree is sorted, so a parent comes first. */
static void
link_tree(struct fs *fs)
{
	struct tree *t = fs->t;

	fs->parent = xcalloc(t->n, sizeof(*fs->parent));
	fs->kids = xcalloc(t->n, sizeof(*fs->kids));
	fs->nkids = xcalloc(t->n, sizeof(*fs->nkids));
	fs->parent[0] = (size_t)-1;
	for (size_t i = 1; i < t->n; i++) {
		const char *slash = strrchr(t->v[i].path, '/');
		struct node *pn = slash ? tree_find(t, t->v[i].path,
		    (size_t)(slash - t->v[i].path)) : &t->v[0];
		size_t p;

		/* tree_finish checked every parent is there. */
		if (pn == NULL)
			errx(1, "%s: parent not found", t->v[i].path);
		p = (size_t)(pn - t->v);
		fs->parent[i] = p;
		fs->kids[p] = xreallocarray(fs->kids[p], fs->nkids[p] + 1,
		    sizeof(**fs->kids));
		fs->kids[p][fs->nkids[p]++] = i;
	}
}

/* -z and -l: the compressor's configuration; its libsquashfs id. */
static int
compressor_config(const char *comp, const char *level_arg,
    size_t block_size, sqfs_compressor_config_t *cfg)
{
	int id;

	if (strcmp(comp, "zstd") && strcmp(comp, "xz") && strcmp(comp, "gzip")
	    && strcmp(comp, "lz4"))
		errx_usage("-z %s: unknown compressor (zstd, xz, gzip, lz4)",
		    comp);
	id = sqfs_compressor_id_from_name(comp);
	if (id < 0 || sqfs_compressor_config_init(cfg, (SQFS_COMPRESSOR)id,
	    block_size, 0) != 0)
		errx_usage("-z %s: not supported by this libsquashfs", comp);
	if (level_arg != NULL) {
		if (strcmp(comp, "lz4") == 0)
			errx_usage("-l: lz4 takes no level");
		cfg->level = (sqfs_u32)num_parse(level_arg, strcmp(comp, "xz") ?
		    1 : 0, strcmp(comp, "zstd") == 0 ? 22 : 9, "-l");
	}
	return id;
}

/*
 * The tree, decided before the first byte is written: the specs or
 * directories given (a spec on stdin without), a root the spec did not
 * name (0755, root's), every entry checked against what squashfs holds;
 * then fs's view of it: an inode per file, its links, its number.
 */
static void
tree_load(struct tree *t, struct fs *fs, int argc, char *argv[],
    int64_t epoch)
{
	uint32_t maxino = 0;
	size_t i;

	if (argc == 0)
		tree_add_spec(t, "-");
	for (int a = 0; a < argc; a++)
		tree_add(t, argv[a]);
	for (i = 0; i < t->n && strcmp(t->v[i].path, ".") != 0; i++)
		;
	if (i == t->n) {
		struct node *n = tree_new(t);

		n->path = xstrdup(".");
		n->mode = S_IFDIR | 0755;
		n->mtime = epoch > 0 ? epoch : 0;
	}
	tree_finish(t, epoch);
	for (i = 0; i < t->n; i++) {
		if (t->v[i].mtime < 0 || t->v[i].mtime > UINT32_MAX)
			errx(1, "%s: mtime %jd does not fit squashfs",
			    t->v[i].path, (intmax_t)t->v[i].mtime);
		if (strlen(base_name(t->v[i].path)) > 256)
			errx(1, "%s: name longer than 256 bytes", t->v[i].path);
		if (t->v[i].ino > maxino)
			maxino = t->v[i].ino;
	}
	fs->t = t;
	fs->sn = xcalloc(maxino + 1, sizeof(*fs->sn));
	for (i = t->n; i-- > 0;) {
		fs->sn[t->v[i].ino].first = i;
		fs->sn[t->v[i].ino].links++;
	}
	link_tree(fs);
	number(fs, 0);
}

/* File data, in path order; a hard link's bytes once. */
static void
data_write(struct fs *fs, sqfs_block_processor_t *proc)
{
	const struct tree *t = fs->t;
	uint8_t *buf = xmalloc(1 << 20);

	for (size_t i = 0; i < t->n; i++) {
		struct node *n = &t->v[i];
		struct snode *s = &fs->sn[n->ino];
		uint64_t left = n->size;
		int fd = -1;

		if (!S_ISREG(n->mode) || s->first != i)
			continue;
		check(sqfs_block_processor_begin_file(proc, &s->file, NULL, 0),
		    n->path);
		if (n->src != NULL)
			fd = open_input(n->src, n->size);
		while (left > 0) {
			ssize_t got = read(fd, buf, left < (1 << 20) ? left :
			    (1 << 20));

			if (got < 0 && errno == EINTR)
				continue;
			if (got < 0)
				err(1, "%s", n->src);
			if (got == 0)
				errx(1, "%s: shrank while building", n->src);
			check(sqfs_block_processor_append(proc, buf,
			    (size_t)got), n->path);
			left -= (uint64_t)got;
		}
		if (fd >= 0)
			input_done(fd, n->src, n->size);
		check(sqfs_block_processor_end_file(proc), n->path);
	}
	free(buf);
	check(sqfs_block_processor_finish(proc), fs->out);
}

/* Inodes and directories, then the tables, then the superblock again,
 * the image padded to the device block. */
static void
tables_write(struct fs *fs, sqfs_file_t *file, sqfs_super_t *super,
    sqfs_frag_table_t *frags)
{
	const struct snode *root = &fs->sn[fs->t->v[0].ino];
	const char *outpath = fs->out;

	super->inode_count = fs->next_num;
	super->inode_table_start = file->get_size(file);
	serialize(fs, 0);
	check(sqfs_meta_writer_flush(fs->im), outpath);
	check(sqfs_meta_writer_flush(fs->dm), outpath);
	super->root_inode_ref = root->ref;
	super->directory_table_start = file->get_size(file);
	check(sqfs_meta_write_write_to_file(fs->dm), outpath);
	check(sqfs_frag_table_write(frags, file, super, fs->cmp), outpath);
	check(sqfs_dir_writer_write_export_table(fs->dirwr, file, fs->cmp,
	    root->num, root->ref, super), outpath);
	check(sqfs_id_table_write(fs->ids, file, super, fs->cmp), outpath);
	super->flags |= SQFS_FLAG_NO_XATTRS;
	super->bytes_used = file->get_size(file);
	check(sqfs_super_write(super, file), outpath);
	if (super->bytes_used % DEVBLK != 0) {
		static const uint8_t zero[DEVBLK];

		check(file->write_at(file, super->bytes_used, zero,
		    DEVBLK - super->bytes_used % DEVBLK), outpath);
	}
}

/* The command line. */
struct args {
	const char *out, *comp, *level, *epoch, *base;
	size_t block_size, threads;
	int flags;
};

static void
args_parse(struct args *a, int *argcp, char ***argvp)
{
	int ch;

	a->comp = "zstd";
	a->block_size = 131072;
	a->threads = (size_t)ncpus();
	while ((ch = getopt_long(*argcp, *argvp, "hb:C:fj:l:o:t:z:",
	    std_longopts, NULL)) != -1) {
		switch (ch) {
		case 'C':
			a->base = optarg;
			break;
		case 'b':
			a->block_size = size_parse(optarg, "-b");
			if (a->block_size < 4096 || a->block_size > (1 << 20) ||
			    (a->block_size & (a->block_size - 1)))
				errx_usage("-b %s: not a power of two from 4K "
				    "to 1M", optarg);
			break;
		case 'f':
			a->flags |= OUT_FORCE;
			break;
		case 'j':
			a->threads = (size_t)num_parse(optarg, 1, 256, "-j");
			break;
		case 'l':
			a->level = optarg;
			break;
		case 'o':
			a->out = optarg;
			break;
		case 't':
			a->epoch = optarg;
			break;
		case 'z':
			a->comp = optarg;
			break;
		case 'h':
			usage(0);
		case OPT_VERSION:
			print_version();
		default:
			usage(2);
		}
	}
	*argcp -= optind;
	*argvp += optind;
	if (a->out == NULL) {
		warnx("-o image is required");
		usage(2);
	}
	/* libsquashfs opens the image by name. */
	if (strcmp(a->out, "-") == 0)
		errx_usage("-o -: the image is written at offsets; give a file");
}

/* The image being written: libsquashfs's file and writers. */
struct image {
	struct out out;
	sqfs_file_t *file;
	sqfs_super_t super;
	sqfs_block_writer_t *bw;
	sqfs_frag_table_t *frags;
	sqfs_block_processor_t *proc;
};

/*
 * Open the output and write what comes first (the superblock, to be
 * rewritten at the end, and the compressor's options), and make the
 * writers of data, fragments, inodes and directories.
 */
static void
image_open(struct image *im, struct fs *fs, const struct args *a,
    sqfs_compressor_config_t *cfg, int id, int64_t epoch)
{
	int r;

	out_open(&im->out, a->out, a->flags | OUT_SEEK);
	/* libsquashfs opens it again: the temporary, or a disk in place. */
	if ((im->file = sqfs_open_file(im->out.tmp ? im->out.tmp :
	    im->out.path, SQFS_FILE_OPEN_OVERWRITE)) == NULL)
		err(1, "%s", a->out);
	check(sqfs_compressor_create(cfg, &fs->cmp), a->out);
	check(sqfs_super_init(&im->super, a->block_size, (sqfs_u32)(epoch > 0 ?
	    epoch : 0), (SQFS_COMPRESSOR)id), a->out);
	check(sqfs_super_write(&im->super, im->file), a->out);
	if ((r = fs->cmp->write_options(fs->cmp, im->file)) < 0)
		errx_sqfs(r, a->out);
	if (r > 0)
		im->super.flags |= SQFS_FLAG_COMPRESSOR_OPTIONS;
	/*
	 * A deep backlog (256 blocks a worker) keeps the workers busy across
	 * runs of small files, which cost the reading thread most.
	 */
	if ((im->bw = sqfs_block_writer_create(im->file, DEVBLK, 0)) == NULL ||
	    (im->frags = sqfs_frag_table_create(0)) == NULL ||
	    (im->proc = sqfs_block_processor_create(a->block_size, fs->cmp,
	    a->threads, a->threads * 256, im->bw, im->frags)) == NULL ||
	    (fs->ids = sqfs_id_table_create(0)) == NULL ||
	    (fs->im = sqfs_meta_writer_create(im->file, fs->cmp, 0)) == NULL ||
	    (fs->dm = sqfs_meta_writer_create(im->file, fs->cmp,
	    SQFS_META_WRITER_KEEP_IN_MEMORY)) == NULL ||
	    (fs->dirwr = sqfs_dir_writer_create(fs->dm,
	    SQFS_DIR_WRITER_CREATE_EXPORT_TABLE)) == NULL)
		errx_sqfs(SQFS_ERROR_ALLOC, a->out);
}

/* Free the writers (the file is complete) and commit the image. */
static void
image_close(struct image *im, struct fs *fs)
{
	sqfs_destroy(fs->dirwr);
	sqfs_destroy(fs->dm);
	sqfs_destroy(fs->im);
	sqfs_destroy(fs->ids);
	sqfs_destroy(im->proc);
	sqfs_destroy(im->frags);
	sqfs_destroy(im->bw);
	sqfs_destroy(fs->cmp);
	sqfs_destroy(im->file);
	out_commit(&im->out);
}

static void
fs_free(struct fs *fs, struct tree *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(fs->kids[i]);
	free(fs->kids);
	free(fs->nkids);
	free(fs->parent);
	free(fs->sn);
	tree_free(t);
}

int
main(int argc, char *argv[])
{
	struct args a = { 0 };
	struct tree t = { 0 };
	struct fs fs = { 0 };
	struct image im;
	sqfs_compressor_config_t cfg;
	int64_t epoch;
	int id;

	args_parse(&a, &argc, &argv);
	id = compressor_config(a.comp, a.level, a.block_size, &cfg);
	epoch = epoch_get(a.epoch);
	t.base = a.base;
	fs.out = a.out;
	tree_load(&t, &fs, argc, argv, epoch);

	/* Superblock and compressor options first, the tables at the end. */
	image_open(&im, &fs, &a, &cfg, id, epoch);
	data_write(&fs, im.proc);
	tables_write(&fs, im.file, &im.super, im.frags);
	image_close(&im, &fs);
	fs_free(&fs, &t);
	return 0;
}
