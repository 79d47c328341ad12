/*
 * Unit tests for bin/lib/modindex.c: module indexes made from records in
 * memory (no module file read), read back by libkmod: the dependency
 * order of modules.dep, symbols, aliases as patterns, modules.order's
 * order deciding between two modules with one alias, built-in names and
 * aliases; and what it leaves to depmod.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libkmod.h>

#include "initkit.h"
#include "unit.h"

static char dir[4096];

static void
put(const char *name, const char *text, size_t len)
{
	char path[4200];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((fp = fopen(path, "w")) == NULL || fwrite(text, 1, len, fp) != len ||
	    fclose(fp) != 0) {
		perror(path);
		exit(1);
	}
}

static int
exists(const char *name)
{
	char path[4200];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return access(path, F_OK) == 0;
}

static char *s_a[] = { "a_fn" }, *s_b[] = { "b_fn" }, *n_b[] = { "a_fn" };
static char *n_c[] = { "b_fn", "a_fn", "nowhere_fn" };
static char *al_b[] = { "pci:v1*", "dual:*" }, *al_d[] = { "x-[a-b]*" };
static char *al_e[] = { "dual:*" }, *sd_c[] = { "pre: d post: e" };

/* a <- b <- c (c also needs a), d and e with aliases, e's name dashed. */
static struct kmod_rec recs[] = {
	{ .rel = "kernel/a.ko", .name = "a", .exports = s_a, .nexports = 1 },
	{ .rel = "kernel/x/b.ko.xz", .name = "b", .exports = s_b,
	    .nexports = 1, .needs = n_b, .nneeds = 1, .alias = al_b,
	    .nalias = 2 },
	{ .rel = "kernel/c.ko", .name = "c", .needs = n_c, .nneeds = 3,
	    .softdep = sd_c, .nsoftdep = 1 },
	{ .rel = "kernel/d.ko", .name = "d", .alias = al_d, .nalias = 1 },
	{ .rel = "kernel/e-e.ko", .name = "e_e", .alias = al_e, .nalias = 1 },
};

/* The names a lookup gives, space-separated, each with its path or "-". */
static char *
lookup(struct kmod_ctx *ctx, const char *name)
{
	static char out[1024];
	struct kmod_list *list = NULL, *l;

	out[0] = '\0';
	if (kmod_module_new_from_lookup(ctx, name, &list) < 0)
		return "error";
	kmod_list_foreach(l, list) {
		struct kmod_module *m = kmod_module_get_module(l);
		const char *p = kmod_module_get_path(m);

		snprintf(out + strlen(out), sizeof(out) - strlen(out), "%s%s=%s",
		    out[0] ? " " : "", kmod_module_get_name(m),
		    p ? p + strlen(dir) + 1 : "-");
		kmod_module_unref(m);
	}
	kmod_module_unref_list(list);
	return out;
}

static char *
deps(struct kmod_ctx *ctx, const char *name)
{
	static char out[1024];
	struct kmod_module *m;
	struct kmod_list *list, *l;

	out[0] = '\0';
	if (kmod_module_new_from_name(ctx, name, &m) < 0)
		return "error";
	list = kmod_module_get_dependencies(m);
	kmod_list_foreach(l, list) {
		struct kmod_module *d = kmod_module_get_module(l);

		snprintf(out + strlen(out), sizeof(out) - strlen(out), "%s%s",
		    out[0] ? " " : "", kmod_module_get_name(d));
		kmod_module_unref(d);
	}
	kmod_module_unref_list(list);
	kmod_module_unref(m);
	return out;
}

static void
is(const char *got, const char *want, const char *what)
{
	ok(strcmp(got, want) == 0, "%s: \"%s\"", what, want);
	if (strcmp(got, want) != 0)
		printf("# got \"%s\"\n", got);
}

int
main(void)
{
	const char *const noconfig[] = { NULL };
	static const char builtin_modinfo[] =
	    "bi.alias=dual:*\0bi.alias=only-bi\0bi.license=GPL\0";
	struct kmod_ctx *ctx;
	struct kmod_rec cyc[2] = { recs[0], recs[1] };
	char *nonascii[] = { "caf\xc3\xa9" };

	snprintf(dir, sizeof(dir), "%s/modindex.XXXXXX",
	    getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(dir) == NULL) {
		perror(dir);
		return 1;
	}
	/* Empty files: libkmod stats a dependency's path, never reads it. */
	mkdir_parents(dir, "kernel/x/b.ko.xz");
	for (size_t i = 0; i < 5; i++)
		put(recs[i].rel, "", 0);
	/* e before b: e's alias dual:* comes first, whatever the records say. */
	put("modules.order", "kernel/e-e.ko\nkernel/x/b.ko\n", 28);
	put("modules.builtin", "kernel/bi.ko\n", 13);
	put("modules.builtin.modinfo", builtin_modinfo,
	    sizeof(builtin_modinfo) - 1);
	ok(modindex_write(dir, recs, 5) == 0, "five modules indexed");
	ctx = kmod_new(dir, noconfig);
	ok(ctx != NULL && kmod_load_resources(ctx) == 0,
	    "libkmod loads the five indexes");
	if (ctx == NULL)
		return unit_done();
	/* modules.dep: the last needed first, as libkmod hands them out. */
	is(deps(ctx, "c"), "a b", "c's dependencies, b's own too");
	is(deps(ctx, "b"), "a", "b's");
	is(deps(ctx, "a"), "", "a needs nothing");
	is(lookup(ctx, "b"), "b=kernel/x/b.ko.xz", "a name, its compressed path");
	is(lookup(ctx, "e-e"), "e_e=kernel/e-e.ko", "a name with a dash");
	is(lookup(ctx, "symbol:b_fn"), "b=kernel/x/b.ko.xz", "a symbol");
	is(lookup(ctx, "pci:v1234"), "b=kernel/x/b.ko.xz", "an alias pattern");
	is(lookup(ctx, "x-a1"), "d=kernel/d.ko", "a range in an alias, the dash outside it");
	is(lookup(ctx, "x-c1"), "", "outside the range: nothing");
	is(lookup(ctx, "dual:1"), "e_e=kernel/e-e.ko b=kernel/x/b.ko.xz",
	    "an alias of two modules, in modules.order's order; not the built-in's");
	is(lookup(ctx, "only-bi"), "bi=-", "a built-in alias");
	is(lookup(ctx, "bi"), "bi=-", "a built-in name");
	kmod_unref(ctx);

	/* Left to depmod: a cycle, a byte outside 7-bit ASCII; nothing
	 * written. */
	for (const char *const *f = (const char *const[]){ "modules.dep.bin",
	    "modules.alias.bin", "modules.symbols.bin", "modules.builtin.bin",
	    "modules.builtin.alias.bin", "modules.softdep", NULL }; *f; f++) {
		char path[4200];

		snprintf(path, sizeof(path), "%s/%s", dir, *f);
		unlink(path);
	}
	cyc[0].needs = s_b;
	cyc[0].nneeds = 1;
	ok(modindex_write(dir, cyc, 2) == -1 && !exists("modules.dep.bin") &&
	    !exists("modules.softdep"), "a cycle: declined, nothing written");
	cyc[0] = recs[0];
	cyc[1].alias = nonascii;
	cyc[1].nalias = 1;
	ok(modindex_write(dir, cyc, 2) == -1 && !exists("modules.alias.bin"),
	    "an alias outside 7-bit ASCII: declined");
	rmtree_at(AT_FDCWD, dir);
	return unit_done();
}
