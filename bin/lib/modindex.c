/*
 * modindex.c: the module indexes depmod(8) writes for a module directory,
 * made in process from each module's records (struct kmod_rec: its
 * aliases and soft dependencies from .modinfo, the symbols it exports and
 * those it needs), whoever read them; modscan.c reads them from a
 * directory. They are what libkmod looks names up in, and the text files
 * beside them, byte for byte what kmod 30's depmod writes, so that libkmod
 * answers exactly as it would on depmod's.
 *
 * Implements kmod 30's tools/depmod.c: the module order (modules.order,
 * then the order of depmod's table of names), the symbol owners (the
 * last module in that order that exports one), the dependencies (each
 * needed symbol's owner), their order in modules.dep (a topological sort
 * from the modules nobody needs, the last of them in that order first),
 * and the index file of libkmod/libkmod-index.c (a trie, nodes written
 * children first, values by priority); modules.symbols in the order of
 * depmod's symbol table (shared/hash.c).
 * An input depmod treats in a way this does not reproduce (a dependency
 * cycle, a corrupt modules.order, a byte outside 7-bit ASCII, an alias
 * longer than libkmod's buffer) is declined: the caller runs depmod.
 */
#include <ctype.h>
#include <err.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "initkit.h"

/* libkmod-index.c's file: magic, version 2.1, the root node's offset. */
#define INDEX_MAGIC	0xB007F457u
#define INDEX_VERSION	0x00020001u
#define NODE_PREFIX	0x80000000u
#define NODE_VALUES	0x40000000u
#define NODE_CHILDS	0x20000000u

/* A string to module map, open addressing (module names, symbols, paths). */
struct strmap {
	const char **key;
	int *val;
	size_t cap, n;
};

static size_t
str_hash(const char *s)
{
	size_t h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

/*
 * kmod's hash_superfast (shared/hash.c, Paul Hsieh's SuperFastHash, its
 * 16-bit reads in the machine's byte order as kmod's). depmod's hash
 * tables keep each bucket in strcmp order; iterated, they give the order
 * of the modules modules.order does not name (its table of names has 512
 * buckets) and of modules.symbols (its table of symbols, 2,048).
 */
static unsigned
superfast(const char *key)
{
	unsigned len = (unsigned)strlen(key), hash = len, rem = len & 3, tmp;
	uint16_t a, b;

	for (len /= 4; len > 0; len--, key += 4) {
		memcpy(&a, key, 2);
		memcpy(&b, key + 2, 2);
		hash += a;
		tmp = ((unsigned)b << 11) ^ hash;
		hash = (hash << 16) ^ tmp;
		hash += hash >> 11;
	}
	switch (rem) {
	case 3:
		memcpy(&a, key, 2);
		hash += a;
		hash ^= hash << 16;
		hash ^= (unsigned)(unsigned char)key[2] << 18;
		hash += hash >> 11;
		break;
	case 2:
		memcpy(&a, key, 2);
		hash += a;
		hash ^= hash << 11;
		hash += hash >> 17;
		break;
	case 1:
		hash += (unsigned char)*key;
		hash ^= hash << 10;
		hash += hash >> 1;
		break;
	}
	hash ^= hash << 3;
	hash += hash >> 5;
	hash ^= hash << 4;
	hash += hash >> 17;
	hash ^= hash << 25;
	hash += hash >> 6;
	return hash;
}

static int *
map_slot(struct strmap *m, const char *key, int add)
{
	size_t i;

	if (add && (m->n + 1) * 2 > m->cap) {
		struct strmap old = *m;

		m->cap = m->cap ? m->cap * 2 : 1024;
		m->key = xcalloc(m->cap, sizeof(*m->key));
		m->val = xcalloc(m->cap, sizeof(*m->val));
		m->n = 0;
		for (i = 0; i < old.cap; i++)
			if (old.key[i] != NULL)
				*map_slot(m, old.key[i], 1) = old.val[i];
		free(old.key);
		free(old.val);
	}
	if (m->cap == 0)
		return NULL;
	for (i = str_hash(key) & (m->cap - 1); m->key[i] != NULL;
	    i = (i + 1) & (m->cap - 1))
		if (strcmp(m->key[i], key) == 0)
			return &m->val[i];
	if (!add)
		return NULL;
	m->key[i] = key;
	m->n++;
	return &m->val[i];
}

static void
map_free(struct strmap *m)
{
	free(m->key);
	free(m->val);
}

/* One key and value of an index; seq: the order depmod inserts them. */
struct entry {
	char *key;
	char *value;
	unsigned prio;
	size_t seq;
};

struct index {
	struct entry *v;
	size_t n, cap;
	int ascii;		/* every key and value 7-bit (and short) */
};

static int
ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 128)
			return 0;
	return 1;
}

/* Takes key and value. */
static void
index_add(struct index *ix, char *key, char *value, unsigned prio)
{
	if (!ascii(key) || !ascii(value))
		ix->ascii = 0;
	if (ix->n == ix->cap) {
		ix->cap = ix->cap ? 2 * ix->cap : 1024;
		ix->v = xreallocarray(ix->v, ix->cap, sizeof(*ix->v));
	}
	ix->v[ix->n] = (struct entry){ key, value, prio, ix->n };
	ix->n++;
}

/* Keys in byte order; a node's values by priority, the later inserted of
 * equal priority first (depmod's index_add_value). */
static int
entry_cmp(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	int c = strcmp(x->key, y->key);

	if (c != 0)
		return c;
	if (x->prio != y->prio)
		return x->prio < y->prio ? -1 : 1;
	return x->seq < y->seq ? 1 : x->seq > y->seq ? -1 : 0;
}

static void
put32(FILE *f, uint32_t u)
{
	unsigned char b[4] = { u >> 24, u >> 16, u >> 8, u };

	fwrite(b, 1, 4, f);
}

/*
 * The node of the keys v[lo..hi), which agree up to depth: its prefix is
 * what they all share beyond (none for the root), its values those of the
 * key that ends there, its children one per next byte. Children are
 * written before their parent; returns the node's offset and flags.
 */
static uint32_t
node_write(FILE *f, const struct entry *v, size_t lo, size_t hi,
    size_t depth, int root)
{
	const char *a = v[lo].key + depth, *z = v[hi - 1].key + depth;
	size_t len = 0, ends = lo, first = 0, last = 0;
	uint32_t offs[128] = { 0 }, off;

	while (!root && a[len] != '\0' && a[len] == z[len])
		len++;
	depth += len;
	while (ends < hi && v[ends].key[depth] == '\0')
		ends++;
	for (size_t i = ends; i < hi;) {
		unsigned char c = (unsigned char)v[i].key[depth];
		size_t j = i;

		while (j < hi && (unsigned char)v[j].key[depth] == c)
			j++;
		if (i == ends)
			first = c;
		last = c;
		offs[c] = node_write(f, v, i, j, depth + 1, 0);
		i = j;
	}
	off = (uint32_t)ftell(f);
	if (len > 0) {
		fwrite(a, 1, len, f);
		fputc('\0', f);
		off |= NODE_PREFIX;
	}
	if (ends < hi) {
		fputc((int)first, f);
		fputc((int)last, f);
		for (size_t c = first; c <= last; c++)
			put32(f, offs[c]);
		off |= NODE_CHILDS;
	}
	if (ends > lo) {
		put32(f, (uint32_t)(ends - lo));
		for (size_t i = lo; i < ends; i++) {
			put32(f, v[i].prio);
			fputs(v[i].value, f);
			fputc('\0', f);
		}
		off |= NODE_VALUES;
	}
	return off;
}

static void
index_write(struct index *ix, const char *dir, const char *name)
{
	char *path = xasprintf("%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	uint32_t root;

	if (f == NULL)
		err(1, "%s", path);
	put32(f, INDEX_MAGIC);
	put32(f, INDEX_VERSION);
	put32(f, 0);
	if (ix->n == 0)
		root = (uint32_t)ftell(f);
	else {
		qsort(ix->v, ix->n, sizeof(*ix->v), entry_cmp);
		root = node_write(f, ix->v, 0, ix->n, 0, 1);
	}
	if (fseek(f, 8, SEEK_SET) != 0)
		err(1, "%s", path);
	put32(f, root);
	if (ferror(f) || fclose(f) != 0)
		err(1, "%s", path);
	free(path);
}

static void
index_free(struct index *ix)
{
	for (size_t i = 0; i < ix->n; i++) {
		free(ix->v[i].key);
		free(ix->v[i].value);
	}
	free(ix->v);
}

/*
 * libkmod's alias_normalize: '-' is '_' outside brackets; -1 for an
 * unmatched bracket. (Its bracket loop has no bound: an alias that long
 * is declined before.)
 */
static int
alias_normalize(const char *alias, char buf[PATH_MAX])
{
	size_t i;

	for (i = 0; i < PATH_MAX - 1 && alias[i] != '\0'; i++) {
		if (alias[i] == ']')
			return -1;
		if (alias[i] == '[') {
			while (alias[i] != ']' && alias[i] != '\0' &&
			    i < PATH_MAX - 1) {
				buf[i] = alias[i];
				i++;
			}
			if (alias[i] != ']')
				return -1;
		}
		buf[i] = alias[i] == '-' ? '_' : alias[i];
	}
	buf[i] = '\0';
	return 0;
}

/* The modules in depmod's order, and what it computes over them. */
struct depmod {
	struct kmod_rec *rec;
	size_t n;
	size_t *order;		/* position -> record */
	size_t *pos;		/* record -> position (depmod's idx) */
	size_t **deps;		/* by record: records of the owners */
	size_t *ndeps;
	size_t *sorted;		/* by record: topological position */
	struct strmap owner;	/* symbol -> record of the module */
};

/* A key of one of depmod's hash tables, with what it maps to. */
struct tablekey {
	const char *key;
	unsigned bucket;
	size_t val;
};

static int
tablekey_cmp(const void *a, const void *b)
{
	const struct tablekey *x = a, *y = b;

	if (x->bucket != y->bucket)
		return x->bucket < y->bucket ? -1 : 1;
	return strcmp(x->key, y->key);
}

/* v[0..n) (key and val set) in the order depmod's table of that many
 * buckets iterates them. */
static void
table_order(struct tablekey *v, size_t n, unsigned buckets)
{
	for (size_t i = 0; i < n; i++)
		v[i].bucket = superfast(v[i].key) & (buckets - 1);
	qsort(v, n, sizeof(*v), tablekey_cmp);
}

/* By the key, then by the position in the table of names. */
static int
sort_cmp(const void *a, const void *b, void *arg)
{
	const long *key = arg;
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	if (key[2 * x] != key[2 * y])
		return key[2 * x] < key[2 * y] ? -1 : 1;
	return key[2 * x + 1] < key[2 * y + 1] ? -1 :
	    key[2 * x + 1] > key[2 * y + 1];
}

/*
 * depmod_modules_sort: the modules modules.order lists (by the path with
 * the module's name and ".ko", however compressed), in its order, before
 * the others. depmod gives those others one sort key, and its modules
 * array is built from its table of names, sorted by glibc's stable qsort:
 * they come in that table's order (not the order found). -1: a line
 * without its newline, which depmod would take as corrupt and leave the
 * whole order to its table.
 */
static int
modules_order(struct depmod *d, const char *dir)
{
	char *path = xasprintf("%s/modules.order", dir), line[PATH_MAX];
	char **uncrel = xcalloc(d->n, sizeof(*uncrel));
	FILE *f = fopen(path, "r");
	struct strmap byrel = { 0 };
	struct tablekey *names = xcalloc(d->n + 1, sizeof(*names));
	long *key = xcalloc(2 * d->n, sizeof(*key)), total = 0, idx = 0;
	int ok = 1;

	if (f == NULL)
		err(1, "%s", path);
	for (size_t i = 0; i < d->n; i++) {
		const char *rel = d->rec[i].rel, *slash = strrchr(rel, '/');
		size_t len = (size_t)(slash - rel) + strlen(d->rec[i].name) + 4;

		/* depmod's uncrelpath: the found path cut to that length. */
		uncrel[i] = xasprintf("%.*s", (int)len, rel);
		key[2 * i] = 1;
		*map_slot(&byrel, uncrel[i], 1) = (int)i;
		names[i] = (struct tablekey){ .key = d->rec[i].name, .val = i };
	}
	table_order(names, d->n, 512);
	for (size_t i = 0; i < d->n; i++)
		key[2 * names[i].val + 1] = (long)i;
	while (fgets(line, sizeof(line), f) != NULL) {
		size_t len = strlen(line);

		total++;
		if (len > 0 && line[len - 1] != '\n')
			ok = 0;
	}
	if (ferror(f))
		err(1, "%s", path);
	rewind(f);
	while (ok && fgets(line, sizeof(line), f) != NULL) {
		size_t len = strlen(line);
		int *m;

		idx++;
		if (len == 0)
			continue;
		line[len - 1] = '\0';
		if ((m = map_slot(&byrel, line, 0)) != NULL)
			key[2 * *m] = idx - (total + 1);
	}
	fclose(f);
	for (size_t i = 0; i < d->n; i++)
		d->order[i] = i;
	qsort_r(d->order, d->n, sizeof(*d->order), sort_cmp, key);
	for (size_t i = 0; i < d->n; i++)
		d->pos[d->order[i]] = i;
	map_free(&byrel);
	for (size_t i = 0; i < d->n; i++)
		free(uncrel[i]);
	free(uncrel);
	free(names);
	free(key);
	free(path);
	return ok ? 0 : -1;
}

/*
 * depmod_load_dependencies: each needed symbol's owner (the last module
 * in order that exports it; a leading '.' skipped, as for PPC64), once;
 * users counts who needs a module.
 */
static void
dependencies(struct depmod *d, size_t *users)
{
	struct strmap *owner = &d->owner;

	for (size_t p = 0; p < d->n; p++) {
		struct kmod_rec *r = &d->rec[d->order[p]];

		for (size_t i = 0; i < r->nexports; i++)
			*map_slot(owner, r->exports[i], 1) = (int)d->order[p];
	}
	for (size_t p = 0; p < d->n; p++) {
		size_t m = d->order[p];
		struct kmod_rec *r = &d->rec[m];

		for (size_t i = 0; i < r->nneeds; i++) {
			const char *s = r->needs[i] + (r->needs[i][0] == '.');
			int *o = map_slot(owner, s, 0);
			size_t j;

			if (o == NULL)
				continue;
			for (j = 0; j < d->ndeps[m] && d->deps[m][j] !=
			    (size_t)*o; j++)
				;
			if (j < d->ndeps[m])
				continue;
			d->deps[m] = xreallocarray(d->deps[m], d->ndeps[m] + 1,
			    sizeof(**d->deps));
			d->deps[m][d->ndeps[m]++] = (size_t)*o;
			users[*o]++;
		}
	}
}

/*
 * depmod_calculate_dependencies: the modules nobody needs first, taken
 * from a stack (the latest pushed first), each one's dependencies pushed
 * when their last user is placed. -1 on a cycle, which depmod refuses.
 */
static int
topo_sort(struct depmod *d, size_t *users)
{
	size_t *stack = xcalloc(d->n, sizeof(*stack)), top = 0, done = 0;

	for (size_t p = 0; p < d->n; p++)
		if (users[d->order[p]] == 0)
			stack[top++] = d->order[p];
	while (top > 0) {
		size_t m = stack[--top];

		d->sorted[m] = done++;
		for (size_t j = 0; j < d->ndeps[m]; j++)
			if (--users[d->deps[m][j]] == 0)
				stack[top++] = d->deps[m][j];
	}
	free(stack);
	return done == d->n ? 0 : -1;
}

static int
topo_cmp(const void *a, const void *b, void *arg)
{
	const size_t *key = arg;
	size_t x = key[*(const size_t *)a], y = key[*(const size_t *)b];

	return x < y ? -1 : x > y;
}

/* Every module m needs, directly or not, in topological order. */
static size_t
closure(const struct depmod *d, size_t m, size_t *out, unsigned char *seen)
{
	size_t n = 0, from = m;

	/* out doubles as the work list: what is found is visited in turn. */
	for (size_t k = 0;; from = out[k++]) {
		for (size_t j = 0; j < d->ndeps[from]; j++)
			if (!seen[d->deps[from][j]]) {
				seen[d->deps[from][j]] = 1;
				out[n++] = d->deps[from][j];
			}
		if (k == n)
			break;
	}
	for (size_t k = 0; k < n; k++)
		seen[out[k]] = 0;
	qsort_r(out, n, sizeof(*out), topo_cmp, d->sorted);
	return n;
}

/* modules.dep.bin and modules.dep: each module's path, then those of all
 * it needs. */
static void
deps_index(const struct depmod *d, struct index *ix, FILE *txt)
{
	size_t *all = xcalloc(d->n, sizeof(*all));
	unsigned char *seen = xcalloc(d->n, 1);

	for (size_t p = 0; p < d->n; p++) {
		size_t m = d->order[p], n = closure(d, m, all, seen), len;
		char *line;

		len = strlen(d->rec[m].rel) + 2;
		for (size_t k = 0; k < n; k++)
			len += strlen(d->rec[all[k]].rel) + 1;
		line = xmalloc(len);
		len = (size_t)sprintf(line, "%s:", d->rec[m].rel);
		for (size_t k = 0; k < n; k++)
			len += (size_t)sprintf(line + len, " %s",
			    d->rec[all[k]].rel);
		fprintf(txt, "%s\n", line);
		index_add(ix, xstrdup(d->rec[m].name), line, (unsigned)p);
	}
	free(seen);
	free(all);
}

/*
 * modules.alias.bin and modules.alias (each alias as the module has it);
 * modules.symbols.bin and modules.symbols (each symbol with its owner).
 */
static void
alias_index(const struct depmod *d, struct index *alias,
    struct index *symbols, FILE *atxt, FILE *stxt)
{
	struct tablekey *keys = xcalloc(d->owner.n + 1, sizeof(*keys));
	char buf[PATH_MAX];
	size_t nkeys = 0;

	fputs("# Aliases extracted from modules themselves.\n", atxt);
	for (size_t p = 0; p < d->n; p++) {
		const struct kmod_rec *r = &d->rec[d->order[p]];

		for (size_t i = 0; i < r->nalias; i++) {
			fprintf(atxt, "alias %s %s\n", r->alias[i], r->name);
			if (strlen(r->alias[i]) >= PATH_MAX - 1)
				alias->ascii = 0;
			else if (alias_normalize(r->alias[i], buf) == 0)
				index_add(alias, xstrdup(buf), xstrdup(r->name),
				    (unsigned)p);
		}
	}
	for (size_t i = 0; i < d->owner.cap; i++)
		if (d->owner.key[i] != NULL) {
			index_add(symbols, xasprintf("symbol:%s",
			    d->owner.key[i]),
			    xstrdup(d->rec[d->owner.val[i]].name),
			    (unsigned)d->pos[d->owner.val[i]]);
			keys[nkeys].key = d->owner.key[i];
			keys[nkeys++].val = (size_t)d->owner.val[i];
		}
	table_order(keys, nkeys, 2048);
	fputs("# Aliases for symbols, used by symbol_request().\n", stxt);
	for (size_t i = 0; i < nkeys; i++)
		fprintf(stxt, "alias symbol:%s %s\n", keys[i].key,
		    d->rec[keys[i].val].name);
	free(keys);
}

/*
 * modules.devname: a module with a "devname:" alias and a
 * "char-major-M-N" or "block-major-M-N" one (the last before both are
 * found), as depmod's output_devname reads them.
 */
static void
devname_write(const struct depmod *d, FILE *f)
{
	int empty = 1;

	for (size_t p = 0; p < d->n; p++) {
		const struct kmod_rec *r = &d->rec[d->order[p]];
		const char *devname = NULL;
		char type = '\0';
		unsigned major = 0, minor = 0, maj, min;

		for (size_t i = 0; i < r->nalias; i++) {
			const char *v = r->alias[i];

			if (strncmp(v, "devname:", 8) == 0)
				devname = v + 8;
			else if (sscanf(v, "char-major-%u-%u", &maj, &min) == 2) {
				type = 'c';
				major = maj;
				minor = min;
			} else if (sscanf(v, "block-major-%u-%u", &maj,
			    &min) == 2) {
				type = 'b';
				major = maj;
				minor = min;
			}
			if (type != '\0' && devname != NULL)
				break;
		}
		if (devname == NULL || type == '\0')
			continue;
		if (empty)
			fputs("# Device nodes to trigger on-demand module "
			    "loading.\n", f);
		empty = 0;
		fprintf(f, "%s %s %c%u:%u\n", r->name, devname, type, major,
		    minor);
	}
}

static void
softdep_write(const struct depmod *d, FILE *f)
{
	fputs("# Soft dependencies extracted from modules themselves.\n", f);
	for (size_t p = 0; p < d->n; p++) {
		const struct kmod_rec *r = &d->rec[d->order[p]];

		for (size_t i = 0; i < r->nsoftdep; i++)
			fprintf(f, "softdep %s %s\n", r->name, r->softdep[i]);
	}
}

/* A text index made in memory into dir/name. */
static void
text_write(const char *dir, const char *name, const char *buf, size_t len)
{
	char *path = xasprintf("%s/%s", dir, name);
	FILE *f = fopen(path, "w");

	if (f == NULL || fwrite(buf, 1, len, f) != len || fclose(f) != 0)
		err(1, "%s", path);
	free(path);
}

/*
 * modules.builtin.bin: the name of each line's module (libkmod's
 * path_to_modname: the base name up to its first '.'), lines not starting
 * with a letter skipped. -1 for a line with an empty base name, whose
 * name depmod leaves undefined.
 */
static int
builtin_index(const char *dir, struct index *ix)
{
	char *path = xasprintf("%s/modules.builtin", dir), line[PATH_MAX];
	FILE *f = fopen(path, "r");
	int ok = 1;

	if (f == NULL)
		err(1, "%s", path);
	while (fgets(line, sizeof(line), f) != NULL) {
		const char *base = strrchr(line, '/');
		size_t len;

		if (!isalpha((unsigned char)line[0]))
			continue;
		base = base ? base + 1 : line;
		if (*base == '\0')
			ok = 0;
		len = strcspn(base, ".");
		index_add(ix, xasprintf("%.*s", (int)len, base), xstrdup(""),
		    0);
		for (char *p = ix->v[ix->n - 1].key; *p; p++)
			if (*p == '-')
				*p = '_';
	}
	if (ferror(f))
		err(1, "%s", path);
	fclose(f);
	free(path);
	return ok ? 0 : -1;
}

/* depmod's flush_stream_to: up to end (or a NUL) into dst; its length
 * if end was reached, else 0. */
static size_t
stream_to(FILE *f, int end, char *dst)
{
	size_t i = 0;
	int c;

	for (c = getc(f); c != EOF && c != end && c != '\0' && i < PATH_MAX;
	    c = getc(f))
		if (dst != NULL)
			dst[i++] = (char)c;
	if (i == PATH_MAX)
		i--;
	return c == end ? i : 0;
}

/* modules.builtin.alias.bin: modules.builtin.modinfo's "NAME.alias=A". */
static void
builtin_alias_index(const char *dir, struct index *ix)
{
	char *path = xasprintf("%s/modules.builtin.modinfo", dir);
	char name[PATH_MAX], value[PATH_MAX], alias[PATH_MAX];
	FILE *f = fopen(path, "r");
	size_t len;

	if (f == NULL)
		err(1, "%s", path);
	while (!feof(f) && !ferror(f)) {
		len = stream_to(f, '.', name);
		name[len] = '\0';
		if (len == 0)
			continue;
		len = stream_to(f, '=', value);
		value[len] = '\0';
		if (strcmp(value, "alias") != 0) {
			stream_to(f, '\0', NULL);
			continue;
		}
		len = stream_to(f, '\0', value);
		value[len] = '\0';
		if (len == 0 || alias_normalize(value, alias) < 0)
			continue;
		index_add(ix, xstrdup(alias), xstrdup(name), 0);
	}
	if (ferror(f))
		err(1, "%s", path);
	fclose(f);
	free(path);
}

int
modindex_write(const char *dir, struct kmod_rec *rec, size_t n)
{
	static const char *const names[] = { "modules.dep.bin",
	    "modules.alias.bin", "modules.symbols.bin", "modules.builtin.bin",
	    "modules.builtin.alias.bin" };
	static const char *const texts[] = { "modules.dep", "modules.alias",
	    "modules.symbols", "modules.devname", "modules.softdep" };
	struct index ix[5];
	struct depmod d = { .rec = rec, .n = n };
	size_t *users = xcalloc(n + 1, sizeof(*users)), len[5];
	char *buf[5];
	FILE *txt[5];
	int ok = n > 0;

	for (size_t i = 0; i < 5; i++) {
		ix[i] = (struct index){ .ascii = 1 };
		if ((txt[i] = open_memstream(&buf[i], &len[i])) == NULL)
			err(1, "%s", texts[i]);
	}
	d.order = xcalloc(n + 1, sizeof(*d.order));
	d.pos = xcalloc(n + 1, sizeof(*d.pos));
	d.deps = xcalloc(n + 1, sizeof(*d.deps));
	d.ndeps = xcalloc(n + 1, sizeof(*d.ndeps));
	d.sorted = xcalloc(n + 1, sizeof(*d.sorted));
	if (ok && modules_order(&d, dir) == 0) {
		dependencies(&d, users);
		ok = topo_sort(&d, users) == 0;
	} else
		ok = 0;
	if (ok) {
		deps_index(&d, &ix[0], txt[0]);
		alias_index(&d, &ix[1], &ix[2], txt[1], txt[2]);
		devname_write(&d, txt[3]);
		softdep_write(&d, txt[4]);
		ok = builtin_index(dir, &ix[3]) == 0;
		builtin_alias_index(dir, &ix[4]);
	}
	for (size_t i = 0; i < 5; i++)
		ok = ok && ix[i].ascii;
	for (size_t i = 0; i < 5; i++) {
		if (ok)
			index_write(&ix[i], dir, names[i]);
		index_free(&ix[i]);
	}
	for (size_t i = 0; i < 5; i++) {
		if (fclose(txt[i]) != 0)
			err(1, "%s", texts[i]);
		if (ok)
			text_write(dir, texts[i], buf[i], len[i]);
		free(buf[i]);
	}
	for (size_t i = 0; i < n; i++)
		free(d.deps[i]);
	map_free(&d.owner);
	free(d.deps);
	free(d.ndeps);
	free(d.sorted);
	free(d.order);
	free(d.pos);
	free(users);
	return ok ? 0 : -1;
}
