/*
 * initkit.h: the one header of bin/lib, the code two or more tools share.
 * Each section below is one module, bin/lib/NAME.c.
 */
#ifndef INITKIT_H
#define INITKIT_H

#include <sys/types.h>

#include <getopt.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define NORETURN __attribute__((noreturn))
#define PRINTF(f, a) __attribute__((format(printf, f, a)))

/*
 * err*.c: diagnostics in one shape, "tool: object: problem", on top of
 * err(3). One adaptor per library turns its error state into that line.
 * Each exits 1 (failure); usage errors go through the tool's usage().
 */
struct archive;
NORETURN void errx_archive(struct archive *, const char *obj);
NORETURN void errx_ssl(const char *obj);
/* A memory BIO's bytes as a new NUL-terminated string (*len: without the
 * NUL; len may be NULL); the BIO is freed. */
struct bio_st;
char *bio_text(struct bio_st *, size_t *len);
NORETURN void errx_sqfs(int code, const char *obj);
/* Exit 2 with "tool: message": a bad option value. */
NORETURN PRINTF(1, 2) void errx_usage(const char *fmt, ...);

/*
 * progress.c: a status line for a terminal (the caller knows stderr is
 * one), "\rtool: text" with the rest of the line erased; progress_clear
 * erases it, as every diagnostic does first.
 */
void progress_line(const char *fmt, va_list);
void progress_clear(void);

/* ncpus.c: usable CPUs (affinity mask), at least 1. */
int ncpus(void);

/* xalloc.c: allocation that exits on failure. */
void *xmalloc(size_t);
void *xcalloc(size_t, size_t);
void *xreallocarray(void *, size_t, size_t);
char *xstrdup(const char *);
PRINTF(1, 2) char *xasprintf(const char *fmt, ...);
/* Read a whole file ("-" or NULL: stdin) into memory, NUL-terminated. */
char *xreadfile(const char *path, size_t *len);

/*
 * out.c: atomic named outputs. out_open() creates a temporary file beside
 * the target; out_commit() flushes, fsyncs and renames it into place.
 * Until then the temporary is removed on exit, on errx() and on
 * SIGINT/SIGTERM/SIGHUP/SIGPIPE. Without force an existing target is
 * refused, both at open and (atomically) at commit. A NULL or "-" path is
 * standard output, which is refused when it is a terminal. With force, an
 * existing symbolic link is followed (its target is replaced, the link
 * stays) and a block or character device or a FIFO is written in place,
 * never replaced by a file (a FIFO refused with OUT_SEEK).
 */
#define OUT_FORCE	0x1	/* replace an existing target (-f) */
#define OUT_SECRET	0x2	/* mode 0600 instead of 0666 & ~umask */
#define OUT_TTY		0x4	/* allow a terminal on standard output */
#define OUT_SEEK	0x8	/* written at offsets: no FIFO */
struct out {
	const char *path;	/* the target, "-" for stdout */
	char *tmp;		/* temporary name; NULL: stdout or in place */
	int fd;
	int flags;
	char *real;		/* a symbolic link's target, the new path */
};
void out_open(struct out *, const char *path, int flags);
void out_write(struct out *, const void *, size_t);
/* pwrite(2) all of it; -1 with errno on failure. */
int pwrite_full(int fd, const void *, size_t, off_t);
/* pread(2) until len bytes or the end of the file: the count, or -1. */
ssize_t pread_full(int fd, void *, size_t len, off_t);
void out_commit(struct out *);
/* Remove every uncommitted temporary now (also done at exit). */
void out_cleanup(void);
/* Run fn (async-signal-safe) first, e.g. to stop workers still writing. */
void out_before_cleanup(void (*fn)(void));
/* The same for a directory: o->tmp is the directory to fill; its file
 * system is synced (syncfs) before the rename. */
void out_dir_open(struct out *, const char *path, int flags);
void out_dir_commit(struct out *);
/* A directory and a file that describes it, together or not at all: the
 * old file is removed before the directory is renamed in, the new file
 * renamed in last, so a file there always describes the directory. */
void out_dir_commit_with(struct out *dir, struct out *file);
/* A private working directory, never an output: DIR/NAME.XXXXXX (DIR
 * NULL: $TMPDIR or /tmp), removed at exit or on a fatal signal. */
char *scratch_dir(const char *dir, const char *name);

/*
 * num.c: strict number parsing (no sign surprises, no trailing junk, no
 * overflow) and SOURCE_DATE_EPOCH. Bad values exit 2 naming the option.
 */
int64_t num_parse(const char *s, int64_t min, int64_t max, const char *what);
/* Sizes with an optional K, M, G or T suffix (powers of 1024). */
uint64_t size_parse(const char *s, const char *what);
/* The epoch from -t (opt, may be NULL) or SOURCE_DATE_EPOCH; -1 if none.
 * 0..2^32-1; SOURCE_DATE_EPOCH set but empty is an error too. */
int64_t epoch_get(const char *opt);
/*
 * Can a tree hold this owner? uid_t and gid_t are 32 bits, so 2^32 would
 * become root, and (uid_t)-1 is chown(2)'s "leave it", which leaves a file
 * the kernel's initramfs unpacker made root's: 0..2^32-2.
 */
int owner_valid(int64_t uid, int64_t gid);
/* v rounded up to a multiple of a (layout: sectors, alignments). */
uint64_t round_up(uint64_t v, uint64_t a);

/*
 * spec.c: the tree spec, mtree(5) as libarchive reads it, and directory
 * walks, into one list of nodes sorted bytewise by path with parents
 * before children. A later node for the same path replaces an earlier one;
 * within one spec file, later lines override keywords of earlier ones as
 * libarchive (and bsdtar @spec) does. Paths are stored without the leading
 * "./"; the root is ".".
 */
struct node {
	char *path;
	mode_t mode;		/* S_IFMT type and permission bits */
	uid_t uid;
	gid_t gid;
	int64_t mtime;
	uint64_t size;		/* regular file bytes */
	char *link;		/* symlink target */
	char *src;		/* where a regular file's bytes are read from */
	dev_t rdev;		/* char and block devices */
	dev_t src_dev;		/* identity of src: equal ones are hard links */
	ino_t src_ino;
	uint32_t nlink;		/* set by tree_finish */
	uint32_t ino;		/* set by tree_finish: 1, 2, ... in path order */
	int data;		/* set by tree_finish: this node carries the bytes */
	size_t seq;		/* input order, for replacement */
};
struct tree {
	struct node *v;
	size_t n, cap;
	size_t seq;
	/* Where a spec's relative paths are (-C); NULL: the working dir. */
	const char *base;
};
/* A new, zeroed node at the end (its seq set). */
struct node *tree_new(struct tree *);
void node_free(struct node *);
/* The node of path[0..len) in a sorted tree, or NULL. */
struct node *tree_find(struct tree *, const char *path, size_t len);
/* Sort by path, then input order. */
void tree_sort(struct tree *);
/* "file", "dir", "link", "char", "block", "fifo", "socket" */
const char *type_name(mode_t);
/* Add a spec file ("-" or NULL: stdin). */
void tree_add_spec(struct tree *, const char *file);
/* Add the same from memory; name is used in messages. */
void tree_add_spec_mem(struct tree *, const char *name, const char *buf,
    size_t len);
/* Add a directory: owner 0:0, modes, times and links from disk. */
void tree_add_dir(struct tree *, const char *dir);
/* An operand: a directory is walked, anything else ("-": stdin) is a spec. */
void tree_add(struct tree *, const char *operand);
/*
 * Sort, replace duplicates, check that every parent is a directory in
 * the tree, assign inode numbers and link counts, group hard links
 * (regular files with the same src identity and the same metadata), and
 * clamp mtimes to epoch when epoch >= 0.
 */
void tree_finish(struct tree *, int64_t epoch);
void tree_free(struct tree *);
/* Write the tree as an mtree(5) spec that libarchive and bsdtar read. */
void tree_write_spec(const struct tree *, FILE *);
/* Encode s for an mtree name or value (vis(3) octal style) into a new string. */
char *spec_encode(const char *s);
/* Decode in place as libarchive does; returns s. */
char *spec_decode(char *s);

/*
 * sink.c: a byte stream to a file descriptor, optionally compressed. The
 * producer fills sink->buf (sink_reserve/sink_put) and the sink compresses
 * when it is full, so file data is read straight into the compressor's
 * input. zstd runs with one worker per usable CPU and a content checksum;
 * xz uses CRC32 (the kernel's decoder requires it or none).
 */
enum comp { COMP_NONE, COMP_ZSTD, COMP_GZIP, COMP_XZ };
struct sink {
	enum comp comp;
	int level;
	struct out *out;
	unsigned char *buf;
	size_t len, cap;
	uint64_t total;		/* uncompressed bytes so far */
	void *state;		/* the compressor's */
	unsigned char *obuf;
	size_t ocap;
};
/* Parse "zstd", "gzip", "xz" or "none"; -1 if unknown. */
int comp_parse(const char *);
/* The default and valid level range of a compressor. */
void comp_levels(enum comp, int *def, int *min, int *max);
/*
 * Start a stream; size is the exact uncompressed length when known
 * (recorded in the zstd frame header), or -1.
 */
void sink_open(struct sink *, struct out *, enum comp, int level,
    int64_t size);
void sink_put(struct sink *, const void *, size_t);
/* Make room for at least n bytes at sink->buf + sink->len. */
void sink_reserve(struct sink *, size_t n);
/* Compress what is buffered (when full or at the end). */
void sink_flush(struct sink *);
void sink_close(struct sink *);

/*
 * cpio.c: the newc ("070701") format the kernel unpacks as initramfs
 * (Documentation/driver-api/early-userspace/buffer-format.rst).
 */
#define CPIO_NAME_MAX	4095	/* the kernel takes names up to PATH_MAX with NUL */
#define CPIO_LINK_MAX	4095	/* and symlink targets up to PATH_MAX */
/* Size of one entry header + name + padding. */
uint64_t cpio_header_size(const char *name);
/* Exact size of the archive tree_finish()ed tree becomes, with trailer. */
uint64_t cpio_size(const struct tree *);
/* Write the whole tree, then the trailer. */
void cpio_write(struct sink *, const struct tree *);
/* Format one header (+ name + padding) into buf; returns its length. */
size_t cpio_header(unsigned char *buf, const char *name, uint32_t ino,
    mode_t mode, uid_t uid, gid_t gid, uint32_t nlink, uint32_t mtime,
    uint64_t size, dev_t rdev);

/*
 * ucode.c: x86 early microcode (Documentation/arch/x86/microcode.rst)
 * from a firmware directory's intel-ucode/ and amd-ucode/: the bytes of
 * GenuineIntel.bin (each Intel update once, the newest revision of each
 * signature and flags mask, in iucode_tool's order) and AuthenticAMD.bin
 * (the *.bin containers concatenated by name); NULL with *len 0 when the
 * directory is missing or has none. *mtime is raised to the newest
 * file's. Bad input exits 1 naming the file.
 */
unsigned char *ucode_intel(const char *dir, size_t *len, int64_t *mtime);
unsigned char *ucode_amd(const char *dir, size_t *len, int64_t *mtime);

/*
 * deb.c: a Debian binary package (deb(5)) read in one pass: the fields of
 * its control file, then each data.tar entry handed to fn, which may read
 * the entry's data from the archive it is given.
 */
struct archive_entry;
struct deb_info {
	char *package, *version, *arch, *source;
	uint64_t installed_size;	/* KiB, as the control file says */
};
typedef void (*deb_entry_fn)(void *ctx, struct archive *,
    struct archive_entry *);
void deb_read(const char *path, struct deb_info *, deb_entry_fn, void *ctx);
void deb_info_free(struct deb_info *);

/*
 * unpack.c: tar entries into a root directory without leaving it or
 * following a symlink, metadata into tree nodes (src named with prefix).
 */
struct unpacker {
	int rootfd;
	const char *deb;	/* for messages */
	const char *prefix;	/* the root's path as the spec names it */
	struct tree *tree;
	char *const *excl;	/* -x patterns */
	size_t nexcl;
	char *pdir;		/* the last parent directory and its fd */
	int pfd;
};
extern const char *const merged_usr[];
/* The stored path of a package path ("./bin/sh" -> "usr/bin/sh"), NULL for
 * the root; exits 1 on a path that could leave the root. */
char *unpack_map(const char *deb, const char *raw);
int unpack_excluded(char *const *pats, size_t n, const char *path);
void unpack_entry(void *unpacker, struct archive *, struct archive_entry *);
void unpack_done(struct unpacker *);
/* rm -rf dirfd/name with async-signal-safe calls only, at any depth in
 * constant stack space. */
void rmtree_at(int dirfd, const char *name);

/*
 * modindex.c, modscan.c: depmod(8)'s indexes of a module directory's
 * kernel/ made in process. A module's records, however read: its path
 * under the module directory (kernel/...), its name (the base name to the
 * first '.', '-' as '_'), its modinfo aliases and soft dependencies, the
 * symbols it exports and those it needs.
 */
struct kmod_rec {
	char *rel, *name;
	char **alias, **softdep, **exports, **needs, **firmware;
	size_t nalias, nsoftdep, nexports, nneeds, nfirmware;
	int unreadable;		/* libkmod could not read its modinfo */
};
/* modules.dep, modules.alias, modules.symbols, modules.devname and
 * modules.softdep with their .bin indexes, and modules.builtin.bin and
 * modules.builtin.alias.bin, of the modules v[0..n) (in the order depmod
 * finds them) into dir, which has modules.order, modules.builtin and
 * modules.builtin.modinfo: what kmod 30's depmod writes. -1, nothing
 * written, for an input it treats otherwise (a dependency cycle, a
 * corrupt modules.order, a byte outside 7-bit ASCII): depmod is the one
 * to run then. */
int modindex_write(const char *dir, struct kmod_rec *v, size_t n);
/* The modules of dir/kernel as depmod finds them, only rel and name set,
 * into *v; -1 (nothing in *v) for one it reads otherwise (a .ko.gz, an
 * empty name). */
int modscan_list(const char *dir, struct kmod_rec **v, size_t *n);
/* The rest of the records v[0..n) (their rel set) read from dir, on
 * every CPU, as depmod reads them, firmware too; -1 if a module vanished
 * since it was found. */
int modscan_read(const char *dir, struct kmod_rec *v, size_t n);
void kmod_rec_free(struct kmod_rec *v, size_t n);
/* modindex_write for the modules of dir/kernel, read on every CPU; -1
 * also for none, a .ko.gz, or a module gone while read. The records into
 * *v and *n when v is not NULL (on success only). */
int modindex_build(const char *dir, struct kmod_rec **v, size_t *n);

/* usrmerge.c: the merged-/usr skeleton (usr/bin, ..., bin -> usr/bin)
 * made in root, its nodes added to t. */
void usrmerge_skeleton(const char *root, struct tree *t);
/* rebase.c: the files' src under tmp named under final instead. */
void tree_rebase(struct tree *, const char *tmp, const char *final);

/*
 * pool.c: jobs run by worker processes, one per CPU, order[] giving the
 * order they are taken in; job runs in a worker (exiting non-zero fails
 * the run: exit 1 once the others are stopped), tick, if not NULL, in the
 * parent after each job done.
 */
struct pool {
	size_t n;
	const uint32_t *order;
	void (*job)(size_t i, void *arg);
	void (*tick)(size_t done, size_t n, void *arg);
	void *arg;
	const char *what;	/* for messages: "unpacking" */
};
void pool_run(const struct pool *);

/* fs.c: mkdir -p; and the parent directories of base/rel. */
void mkdir_p(const char *path);
void mkdir_parents(const char *base, const char *rel);
/*
 * A tree's regular file opened for its bytes: still regular and of the
 * size listed (exit 1 if not); input_done() after size bytes were read
 * checks that no more follow, and closes it.
 */
int open_input(const char *path, uint64_t size);
void input_done(int fd, const char *path, uint64_t size);

/* hex.c: hex strings. */
/* Bytes of an even-length hex string of at most max bytes; -1 if not. */
int hex_decode(const char *, uint8_t *out, size_t max);
/* n bytes as lowercase hex into out (2n + 1 bytes); returns out. */
char *hex_format(char *out, const uint8_t *, size_t n);
/* The same, a new string. */
char *hex_encode(const uint8_t *, size_t n);

/*
 * uuid.c: UUIDs in RFC 4122 byte order (libuuid's uuid_t; GPT's mixed
 * endian form is gpt.c's business).
 */
/* 8-4-4-4-12 or the 32 digits alone; -1 if not a UUID. */
int uuid_read(const char *, uint8_t out[16]);
/* systemd-repart's derivation from its --seed: HMAC-SHA256(seed, msg). */
void seed_hmac(const uint8_t seed[16], const void *msg, size_t len,
    uint8_t out[32]);
/* Its first 16 bytes, marked as a version 4 UUID: repart's identities. */
void uuid_derive(const uint8_t seed[16], const void *msg, size_t len,
    uint8_t out[16]);

/*
 * le.c: little-endian integers at any alignment (PE/COFF, the x86 setup
 * header, zstd frames, microcode headers).
 */
uint16_t le16_get(const uint8_t *);
uint32_t le32_get(const uint8_t *);
void le16_put(uint8_t *, uint16_t);
void le32_put(uint8_t *, uint32_t);

/*
 * json.c: a JSON writer. Strings must be valid UTF-8 (else exit 1 naming
 * what); commas between members are written for the caller.
 */
struct json {
	FILE *fp;
	const char *what;	/* for messages */
	int depth, key;
	int count[32];
};
int json_valid_utf8(const char *);
void json_open(struct json *, char c);	/* '{' or '[' */
void json_close(struct json *, char c);
void json_key(struct json *, const char *);
void json_string(struct json *, const char *);
void json_uint(struct json *, uint64_t);
void json_bool(struct json *, int);

/*
 * pcrsig.c: TPM PCR banks, extends and PolicyPCR digests; the .pcrsig
 * JSON of signed PCR 11 policies, as systemd-measure sign writes it.
 */
struct evp_md_st;
struct evp_pkey_st;
struct pcr_bank {
	const char *name;	/* "sha256" */
	uint16_t alg;		/* TPM_ALG_ID */
};
const struct pcr_bank *pcr_bank(const char *name);	/* NULL: unknown */
unsigned pcr_banks_parse(const char *list);	/* a set; usage error */
const struct pcr_bank *pcr_banks_next(unsigned set,
    const struct pcr_bank *after);	/* NULL after the last */
const struct evp_md_st *pcr_bank_md(const struct pcr_bank *);
void pcr_extend(const struct evp_md_st *, uint8_t *pcr, const void *, size_t);
void pcr_policy(const struct pcr_bank *, unsigned index,
    const uint8_t *value, size_t len, uint8_t pol[32]);
char *pcr_public_pem(struct evp_pkey_st *, const char *keyname,
    size_t *len);
struct pcrsig {
	struct json j;
	struct evp_pkey_st *key;
	const char *keyname;
	const struct pcr_bank *bank;	/* whose array is open */
	char pkfp[65], *buf;
	size_t len;
};
/* Exit 1 naming keyname unless it is an RSA key. */
void pcrsig_begin(struct pcrsig *, struct evp_pkey_st *,
    const char *keyname);
/* Entries of one bank together, banks in pcr_banks_next order. */
void pcrsig_add(struct pcrsig *, const struct pcr_bank *, unsigned index,
    const uint8_t *value, size_t len);
char *pcrsig_end(struct pcrsig *, size_t *len);	/* the JSON, a newline */

/*
 * version.c: --help (the tool's -h) and --version for getopt_long, beside
 * each tool's short options; --version prints "tool (initkit) VERSION".
 */
#define OPT_VERSION	0x100
extern const struct option std_longopts[];
NORETURN void print_version(void);

/* debver.c: Debian version order (Policy 5.6.12): <0, 0, >0. */
int debver_cmp(const char *, const char *);
/* Whether a version, a package name or an architecture name is of the
 * syntax Policy allows. */
int debver_valid(const char *);
int debname_valid(const char *);
int debarch_valid(const char *);

/*
 * tsv.c: packages.tsv (packages.tsv(5)), read and written. tsv_read takes
 * a whole file ("-": stdin) in its order, each line held to the format's
 * rules (exit 1 naming file, line and field); the fields point into
 * l->copy, l->text is the file as read. tsv_parse is one line of it,
 * tsv_split the one way a tab line is cut (an empty field is a field):
 * the number of fields, max + 1 when there are more.
 */
struct tsv_pkg {
	char *name, *version, *arch, *source, *sha256;
	uint64_t size;		/* installed size, bytes */
	size_t lineno;
};
struct tsv {
	struct tsv_pkg *v;
	size_t n;
	char *text, *copy;
	size_t len;
};
int tsv_split(char *line, char **f, int max);
void tsv_parse(struct tsv_pkg *, char *line, const char *path, size_t lineno);
void tsv_read(struct tsv *, const char *path);
/* By name, then architecture: the order packages.tsv is written in. */
int tsv_cmp(const void *, const void *);
void tsv_sort(struct tsv *);
void tsv_free(struct tsv *);
void tsv_write(FILE *, const struct tsv_pkg *);

/*
 * apt*.c: apt-get on a private state directory (pkgroot). A package as
 * apt resolved it, and what is known of its .deb.
 */
struct apt_pkg {
	char *name, *version, *arch;
	char *deb;		/* the .deb file */
	char *want_sha;		/* SHA256 the signed index gives, if any */
	int indexed;		/* from the repository, not a local operand */
	uint64_t work;		/* expected unpacking work: installed size */
	uint64_t get_size;	/* the .deb's size as apt gives it */
	int fetch;		/* not in the cache whole: apt fetches it */
	char sha[65];
	off_t size;
};
struct apt_pkgs {
	struct apt_pkg *v;
	size_t n;
};
/* aptsrc.c: the sources.list lines of one release (pkgroot -m, -S, -C). */
struct aptsrc {
	const char *release;	/* its suites, comma-separated */
	char *keys;		/* ",KEYRING" for each keyring every source
				 * trusts */
	char **comps;		/* the components to use; NULL: each source's */
	int *seen;		/* whether a source of the release has each */
	size_t ncomps;
	const char *cvu;	/* Check-Valid-Until of an entry without one */
	char *lines;		/* the sources.list, NULL while empty */
};
/* Exit 1 unless a comma-separated list of suite names. */
void aptsrc_release_check(const char *releases);
/* The components of a comma-separated list (the last call counts). */
void aptsrc_comps(struct aptsrc *, const char *list);
void aptsrc_mirror(struct aptsrc *, const char *uri);
/* A sources file, or the host's; exit 1 if the release has no source
 * there, or lacks a component asked for. */
void aptsrc_file(struct aptsrc *, const char *path);
void aptsrc_host(struct aptsrc *);
/*
 * apt.c: apt_conf writes the state's apt.conf and directories; apt_get
 * runs apt-get on that state (tick, if not NULL, while it runs), apt_cache
 * apt-cache; apt_update fetches the lists of sources anew (exit 1 on any
 * warning); apt_fail exits 1 with the line of apt's output that says why,
 * after what; apt_uris reads --print-uris (.debs in archives unless
 * file:). apt_file writes a file of the state whole.
 */
void apt_conf(const char *state, const char *arch);
int apt_get(char **args, size_t nargs, char **out, void (*tick)(void *),
    void *arg);
int apt_lists_changed(const char *state, const char *sources);
void apt_update(const char *state, const char *sources, const char *what);
int apt_cache(char **args, size_t nargs, char **out);
NORETURN void apt_fail(const char *what, const char *out);
struct apt_pkgs apt_uris(const char *out, const char *archives);
void apt_file(const char *path, const char *text);
/*
 * aptindex.c: fn gets the stanza (s to end) of each package of want in
 * the state's Packages lists; apt_stanza_field a field of one, a new
 * string or NULL. apt_status_write makes the status file of base (exit 1
 * naming basefile for a package not in the lists), then extra;
 * apt_status_omitted the stanza of a package apt_show found, installed
 * without its dependencies (NULL if not found).
 */
void apt_index_scan(const char *state, struct apt_pkgs *want,
    void (*fn)(struct apt_pkg *, const char *s, const char *end, void *),
    void *arg);
char *apt_stanza_field(const char *s, const char *end, const char *name);
void apt_status_write(const char *state, struct apt_pkgs *base,
    const char *basefile, const char *extra);
char *apt_status_omitted(const char *show, const char *name);
/*
 * aptcache.c: apt-get's answer to args, kept while its inputs are the
 * same; then each package's want_sha and work from the index, kept under
 * the same key. apt_show: apt-cache show's records of the candidates of
 * names, from the lists alone, kept the same way.
 */
char *apt_resolve(const char *state, char **args, size_t nargs);
char *apt_show(const char *state, char *const *names, size_t n);
void apt_index_lookup(const char *state, struct apt_pkgs *);

/* digest.c: SHA-256 of a file or of bytes, lowercase hex; bytes as one
 * line of padded Base64 (RFC 4648), a new string. */
void sha256_file(const char *path, char hex[65]);
void sha256_hex(const void *, size_t, char hex[65]);
char *base64_encode(const void *, size_t);

/*
 * run.c: run argv (PATH searched) with env entries ("K=V") added; its
 * stdout and stderr together into *out (NUL-terminated). Returns the exit
 * status, or 128 + signal.
 */
int run_capture(char *const argv[], char *const env[], char **out,
    size_t *outlen);
/* The same, calling tick(arg) every 200 ms while it runs (a display). */
int run_watch(char *const argv[], char *const env[], char **out,
    size_t *outlen, void (*tick)(void *), void *arg);

/*
 * verity.c: the dm-verity hash tree (format 1, SHA-256, equal data and
 * hash block sizes) and superblock, as veritysetup format writes them.
 */
#define VERITY_MAX_LEVELS 63
struct verity {
	uint32_t block_size;
	uint64_t data_blocks;
	uint8_t salt[256];
	uint16_t salt_size;
	uint8_t uuid[16];
	/* set by verity_layout: */
	int levels;			/* level 0 hashes the data */
	uint64_t level_blocks[VERITY_MAX_LEVELS];
	uint64_t level_offset[VERITY_MAX_LEVELS]; /* in the hash area */
	uint64_t sb_size;		/* superblock, padded to a block */
	uint64_t tree_size;		/* the levels */
};
void verity_layout(struct verity *);
/* Salt and UUID from a 16-byte seed, as systemd-repart does. */
void verity_seed(struct verity *, const uint8_t seed[16]);
/*
 * Hash data blocks from fd (threads, one per CPU) into tree, a buffer of
 * sb_size + tree_size bytes laid out as on disk (the superblock area is
 * left zero), and the root hash.
 */
void verity_hash(const struct verity *, int fd, const char *name,
    uint8_t *tree, uint8_t root[32]);
/* SHA-256(salt || block) of one block. */
void verity_digest(const struct verity *, const uint8_t *block,
    uint8_t out[32]);
void verity_superblock(const struct verity *, uint8_t out[512]);
/* 0, -1 if not a verity superblock, -2 if one this code does not take,
 * -3 if it covers no data blocks. */
int verity_parse_superblock(struct verity *, const uint8_t in[512]);
/* The blocks of bs bytes of data in fd: a whole, non-zero number of them
 * (exit 1 naming name if not). */
uint64_t verity_data_blocks(int fd, const char *name, uint32_t bs);
/* Where a hash area of blocks of bs bytes that mkverity appended to a file
 * of size bytes begins, or -1 if it ends in none. */
off_t verity_appended(int fd, const char *name, uint32_t bs, off_t size);
/*
 * mkverity -V: the superblock at hoff of hname, its tree from the root
 * down and the data of dname against it; exit 1 naming the first thing
 * that does not match.
 */
void verity_check(const char *dname, const char *hname, off_t hoff,
    const uint8_t root[32]);

/*
 * sha256x2.c: SHA-256(prefix || a) and SHA-256(prefix || b), a and b of
 * len bytes each, at once (two rounds chains interleaved); -1 if this CPU
 * cannot (no x86-64 SHA extensions) or sha256x2_disabled is set (the
 * tests' way to the fallback), the caller then hashes each alone.
 */
int sha256x2(const uint8_t *prefix, size_t plen, const uint8_t *a,
    const uint8_t *b, size_t len, uint8_t outa[32], uint8_t outb[32]);
extern int sha256x2_disabled;

/*
 * gpt.c: the GUID Partition Table (UEFI 2.10 5.2.3 protective MBR, 5.3
 * header and partition entries): written with 128 entries for mkgpt, and
 * read back strictly for mkgpt -V.
 */
#define GPT_ENTRIES	128	/* UEFI: at least 16 KiB of entries */
struct gpt_part {
	uint8_t type[16];	/* RFC 4122 byte order */
	uint8_t uuid[16];
	uint64_t first, last;	/* LBAs, inclusive */
	uint64_t attributes;
	char label[37];		/* printable ASCII */
};
/* The sectors one entry array takes. */
uint64_t gpt_array_sectors(uint32_t sector_size);
/*
 * The protective MBR, both headers and both entry arrays of a disk of
 * sectors sectors (exit 1 naming path if a write fails); the partitions
 * lie where their LBAs say, with their entries in the order given.
 */
void gpt_write(int fd, const char *path, uint32_t sector_size,
    uint64_t sectors, const uint8_t disk[16], const struct gpt_part *,
    size_t n);
/* mkgpt -V: exit 1 naming path and the first thing wrong with its GPT. */
void gpt_check(const char *path);

/*
 * pe.c: a PE/COFF image in memory (mkuki). pe_parse checks every offset
 * against the file and exits 1 naming what is wrong; the struct owns buf.
 */
#define PE_SCN_CNT_CODE		0x00000020
#define PE_SCN_CNT_IDATA	0x00000040
#define PE_SCN_MEM_READ		0x40000000
/*
 * The largest SizeOfImage pe_parse takes, and the most a compressed
 * kernel may decompress to: a small file must not make us allocate and
 * hash gigabytes.
 */
#define PE_IMAGE_MAX		(1u << 30)
#define PE_MACHINE_BUFSIZE	7	/* "0x" and 4 hex digits */
#define PE_MACHINE_I386		0x014c	/* COFF Machine (PE Format 3.3.1) */
#define PE_MACHINE_AMD64	0x8664
struct pe {
	const char *name;
	uint8_t *buf;
	size_t len, cap;
	size_t coff, opt, sectab;	/* header offsets */
	int plus;			/* PE32+ */
	uint16_t machine;
	int nsect;
	uint32_t ndd;			/* data directories */
};
struct pe_section {
	char name[9];
	uint32_t vsize, va, rawsize, rawptr, flags;
};
void pe_parse(struct pe *, const char *name, uint8_t *buf, size_t len);
/* The architecture of a COFF Machine value ("x86-64", "arm64"), or the
 * value in hex ("0x01c4") in buf when it is not one UEFI defines. */
const char *pe_machine_name(uint16_t machine, char buf[PE_MACHINE_BUFSIZE]);
void pe_section(const struct pe *, int i, struct pe_section *);
/* Index of the section named name, or -1. */
int pe_find(const struct pe *, const char *name);
/* A section as loaded (VirtualSize bytes), in a new buffer. */
uint8_t *pe_section_data(const struct pe *, int i, size_t *len);
/* The certificate table's file offset and size (0 if unsigned). */
void pe_cert_table(const struct pe *, uint32_t *off, uint32_t *size);
#define PE_CERT_PKCS_SIGNED_DATA 0x0002	/* WIN_CERT_TYPE_PKCS_SIGNED_DATA */
struct pe_cert {
	uint16_t type;		/* wCertificateType */
	const uint8_t *data;	/* bCertificate */
	size_t len;
};
/*
 * The table's entries in turn, *at 0 before the first: 1 and the entry
 * in c, -1 for an entry whose length is wrong (the rest of the table is
 * taken as it; c unset), 0 after the last.
 */
int pe_cert_next(const struct pe *, uint64_t *at, struct pe_cert *c);
/*
 * Drop what follows the last section's data: a COFF symbol table, or
 * in a stub that objcopy -O binary made behind a hand-written header
 * (gnu-efi's aarch64 crt0: systemd 252's linuxaa64.efi.stub) the bytes
 * of sections the header does not list. The loader maps only listed
 * sections, so nothing reads them at run time; kept, they would lie
 * between the stub's sections and new ones, where no signature covers
 * them: the firmware (EDK2) and sbverify hash the rest of the file from
 * SizeOfHeaders plus the sections' sizes, the end of the last section
 * again in the gap's place (pe_check_covered).
 */
void pe_strip_tail(struct pe *);
/* Where the headers' and the listed sections' file data end. */
uint64_t pe_data_end(const struct pe *);
/* Append a section after the last, placed as ukify does. */
void pe_add_section(struct pe *, const char *name, const void *data,
    size_t len, uint32_t flags);
/* How many bytes section i can hold in place (up to the next section). */
size_t pe_section_room(const struct pe *, int i);
/* New contents for section i in place; exits 1 if they do not fit. */
void pe_replace_section(struct pe *, int i, const void *data, size_t len);
/* Drop section i's header and zero its data. */
void pe_remove_section(struct pe *, int i);
/* SizeOfImage recomputed, CheckSum zeroed. */
void pe_finish(struct pe *);
/* The SHA-256 Authenticode digest, as the firmware computes it. */
void pe_digest(const struct pe *, uint8_t md[32]);
/*
 * Exit 1 naming the bytes unless that digest covers every byte of the
 * file but the CheckSum, the certificate table and its directory entry.
 */
void pe_check_covered(const struct pe *);
void pe_append_signature(struct pe *, const uint8_t *der, size_t len);

/*
 * kernel.c: the kernel image mkuki -l takes: a PE image as it is, or the
 * gzip or zstd stream of one, decompressed (exit 1 if the file, or what
 * it decompresses to, is more than max bytes).
 */
uint8_t *kernel_read(const char *path, size_t max, size_t *len);
/* Its release as uname -r prints it, a new string; NULL if not found. */
char *kernel_release(const uint8_t *, size_t);

/*
 * sbat.c: SBAT records (shim's SBAT.md) merged under one header, as
 * ukify merges a UKI's: sbat_new() is the header line alone; sbat_add()
 * appends text's records but its header line (exit 1 naming what for a
 * control or non-ASCII byte).
 */
char *sbat_new(void);
void sbat_add(char **sbat, const char *what, const char *text, size_t len);
/* A PE image's .sbat section as loaded, NULL if it has none. */
char *sbat_section(const struct pe *, size_t *len);
/*
 * The SBAT records that follow a stub's sections, outside any (systemd
 * 252's arm64 stub: pe_strip_tail drops them), up to a NUL; NULL if none.
 */
char *sbat_tail(const struct pe *);

/*
 * uki.c: what a stub is, and mkuki -I's report of a PE image: sections,
 * Authenticode digest, signatures.
 */
enum stub_kind {
	STUB_UKI,		/* systemd-stub, or a stub that does not say */
	STUB_ADDON		/* systemd-addon */
};
/* The systemd release in the stub's .sdmagic, 0 if unknown. */
int stub_version(const struct pe *, enum stub_kind *);
/* -I's printers: tab-separated lines, or one JSON object (-j). */
struct uki_report;
typedef void (*uki_print_fn)(const struct uki_report *, FILE *);
void uki_print_text(const struct uki_report *, FILE *);
void uki_print_json(const struct uki_report *, FILE *);
/*
 * mkuki -I: read and check path (exit 1 if it is no PE image, or a
 * signed one whose signature could not cover every byte), print its
 * report on standard output; 1 if a signature does not verify, else 0.
 */
int uki_inspect(const char *path, uki_print_fn);

/*
 * sign.c: signing keys and certificates (pkcs7sign, mkuki). A key is a
 * PEM file, encrypted only with a passphrase file (never a prompt), or a
 * PKCS#11 URI for a token; it must match the certificate (exit 1 if not).
 */
struct x509_st;
struct evp_pkey_st;
struct x509_st *sign_cert(const char *path);
struct evp_pkey_st *sign_key(const char *arg, const char *passfile,
    struct x509_st *cert, const char *certname);
/* A key alone, no certificate to match (mkuki -K). */
struct evp_pkey_st *sign_private_key(const char *arg, const char *passfile);
/*
 * An Authenticode signature (PKCS#7 SignedData of SpcIndirectDataContent)
 * over a PE image's SHA-256 Authenticode digest, DER in a new buffer.
 */
uint8_t *sign_authenticode(struct evp_pkey_st *, struct x509_st *,
    const uint8_t digest[32], size_t *len);
/*
 * Check an Authenticode signature: 0 if its signature verifies and the
 * digest it signs is digest; -1 otherwise, with why set to a reason. The
 * signer's subject (new string) in *subject when it can be read.
 */
int sign_authenticode_check(const uint8_t *der, size_t len,
    const uint8_t digest[32], char **subject, const char **why);

#endif
