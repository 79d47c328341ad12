/*
 * manifest: say what is in an image, from the packages.tsv pkgroot wrote:
 * mkosi's manifest JSON, an SPDX 2.3 or CycloneDX 1.5 SBOM, or a table for
 * people; or what changed between two builds. The last step of the
 * pipeline: a bug in an image is a bug in a package with an owner.
 *
 * Implements: mkosi's manifest format (manifest_version 1); SPDX 2.3 JSON;
 * CycloneDX 1.5 JSON; package URLs (purl-spec, type "deb"); Debian
 * version order (Policy 5.6.12).
 */
#include <sys/stat.h>

#include <err.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "initkit.h"

/* What the tree spec says of the image: counts, bytes, a digest of it all. */
struct summary {
	int have;
	uint64_t entries, files, bytes;
	int64_t newest;		/* the newest entry's time */
	char sha256[65];
};

/*
 * The digest covers each entry's path, type, mode, owner and link target
 * or content hash, in path order: the same for the same image wherever
 * its content store is, unlike a hash of the spec's text.
 */
static void
summarize(const char *spec, struct summary *s)
{
	struct tree t = { 0 };
	char *text = NULL, hex[65];
	size_t len = 0;
	FILE *fp = open_memstream(&text, &len);

	tree_add(&t, spec);
	tree_finish(&t, -1);
	for (size_t i = 0; i < t.n; i++) {
		const struct node *n = &t.v[i];

		s->entries++;
		if (n->mtime > s->newest)
			s->newest = n->mtime;
		if (S_ISREG(n->mode)) {
			s->files++;
			s->bytes += n->size;
			if (n->src != NULL)
				sha256_file(n->src, hex);
			else
				sha256_hex("", 0, hex);
		}
		fprintf(fp, "%s%c%s %o %ju %ju %s\n", n->path, 0,
		    type_name(n->mode), (unsigned)(n->mode & 07777),
		    (uintmax_t)n->uid, (uintmax_t)n->gid, S_ISREG(n->mode) ?
		    hex : S_ISLNK(n->mode) ? n->link : "-");
	}
	fclose(fp);
	sha256_hex(text, len, s->sha256);
	s->have = 1;
	free(text);
	tree_free(&t);
}

/*
 * When the image was made: SOURCE_DATE_EPOCH, else what was installed
 * says, the newest entry of the tree spec (a Debian package's files bear
 * the date of its changelog entry), else when packages.tsv was written,
 * which pkgroot does as it installs.
 */
static time_t
creation_time(const char *tsv, const struct summary *sum)
{
	struct stat st;
	int64_t epoch = epoch_get(NULL);

	if (epoch >= 0)
		return (time_t)epoch;
	if (sum->have)
		return (time_t)sum->newest;
	if ((strcmp(tsv, "-") == 0 ? fstat(0, &st) : stat(tsv, &st)) != 0)
		err(1, "%s", tsv);
	return st.st_mtime > 0 ? st.st_mtime : 0;
}

static void
write_summary(struct json *j, const struct summary *s)
{
	if (!s->have)
		return;
	json_key(j, "tree");
	json_open(j, '{');
	json_key(j, "entries");
	json_uint(j, s->entries);
	json_key(j, "files");
	json_uint(j, s->files);
	json_key(j, "bytes");
	json_uint(j, s->bytes);
	json_key(j, "sha256");
	json_string(j, s->sha256);
	json_close(j, '}');
}

/* -h: on stdout, exit 0; a usage error: on stderr, exit 2. */
static NORETURN void
usage(int status)
{
	fprintf(status ? stderr : stdout, "usage: manifest [-f] [-F json | spdx | cyclonedx | "
	    "text] [-a arch]\n"
	    "                [-n name] [-N version] [-r release] [-e extension-release] "
	    "[-O format]\n"
	    "                [-s spec] [-o out] packages.tsv\n"
	    "       manifest -d old.tsv new.tsv\n");
	exit(status);
}

/* packages.tsv, by name and architecture. */
static struct tsv
read_list(const char *path)
{
	struct tsv l;

	tsv_read(&l, path);
	tsv_sort(&l);
	return l;
}

/*
 * mkosi's name for a Debian architecture: arch (-a), else that of the
 * first package not of "all", else x86-64.
 */
static const char *
mkosi_arch(const char *arch, const struct tsv *l)
{
	static const char *const map[][2] = {
		{ "amd64", "x86-64" }, { "arm64", "arm64" }, { "i386", "x86" },
		{ "armhf", "arm" }, { "ppc64el", "ppc64-le" },
		{ "riscv64", "riscv64" }, { "s390x", "s390x" },
	};

	for (size_t i = 0; arch == NULL && i < l->n; i++)
		if (strcmp(l->v[i].arch, "all") != 0)
			arch = l->v[i].arch;
	if (arch == NULL)
		return "x86-64";
	for (size_t m = 0; m < sizeof(map) / sizeof(*map); m++)
		if (strcmp(arch, map[m][0]) == 0)
			return map[m][1];
	return arch;
}

/*
 * purl: pkg:deb/debian/NAME@VERSION?arch=ARCH, each component
 * percent-encoded (purl-spec, "Character encoding"): alphanumerics and
 * ".-_~" stay, and so does ':', which the spec says must never be encoded
 * (its deb test suite builds 1:2.4.47-2+b1 as 1:2.4.47-2%2Bb1); every
 * other byte, UTF-8 included, becomes %XX.
 */
static char *
purl(const struct tsv_pkg *p, const char *distro)
{
	size_t cap = 64 + strlen(distro) + 3 * (strlen(p->name) +
	    strlen(p->version) + strlen(p->arch));
	char *s = xmalloc(cap), *d = s;
	const char *parts[3] = { p->name, p->version, p->arch };
	const char *sep[3] = { "@", "?arch=", "" };

	d += sprintf(d, "pkg:deb/%s/", distro);
	for (int i = 0; i < 3; i++) {
		for (const unsigned char *c = (const unsigned char *)parts[i];
		    *c; c++)
			if ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
			    (*c >= '0' && *c <= '9') || strchr(".-_~:", *c))
				*d++ = (char)*c;
			else
				d += sprintf(d, "%%%02X", *c);
		d += sprintf(d, "%s", sep[i]);
	}
	*d = '\0';
	return s;
}

/* os-release style KEY=value lines, quotes removed. */
static void
release_fields(struct json *j, const char *path, char **id)
{
	size_t len;
	char *text = xreadfile(path, &len), *line, *save;

	json_key(j, "extension");
	json_open(j, '{');
	for (line = strtok_r(text, "\n", &save); line;
	    line = strtok_r(NULL, "\n", &save)) {
		char *eq = strchr(line, '='), *v;
		size_t vl;

		if (*line == '#' || eq == NULL)
			continue;
		*eq = '\0';
		v = eq + 1;
		vl = strlen(v);
		if (vl >= 2 && (v[0] == '"' || v[0] == '\'') && v[vl - 1] == v[0]) {
			v[vl - 1] = '\0';
			v++;
		}
		if (strcmp(line, "ID") == 0 && id != NULL)
			*id = xstrdup(v);
		json_key(j, line);
		json_string(j, v);
	}
	json_close(j, '}');
	free(text);
}

static char *
release_id(const char *path)
{
	struct json j = { .what = path };
	char *id = NULL;
	size_t len;
	char *buf = NULL;

	j.fp = open_memstream(&buf, &len);
	json_open(&j, '{');
	release_fields(&j, path, &id);
	json_close(&j, '}');
	fclose(j.fp);
	free(buf);
	return id;
}

/*
 * version and release: mkosi's ImageVersion= and Release=, each written
 * only when set, as mkosi does.
 */
static void
write_mkosi(struct json *j, const struct tsv *l, const char *name,
    const char *arch, const char *version, const char *release,
    const char *distro, const char *format, const char *ext,
    const struct summary *sum)
{
	json_open(j, '{');
	json_key(j, "manifest_version");
	json_uint(j, 1);
	/* Not mkosi's: which tool wrote it (readers skip unknown keys). */
	json_key(j, "generator");
	json_open(j, '{');
	json_key(j, "name");
	json_string(j, "initkit-manifest");
	json_key(j, "version");
	json_string(j, INITKIT_VERSION);
	json_close(j, '}');
	json_key(j, "config");
	json_open(j, '{');
	json_key(j, "name");
	json_string(j, name);
	json_key(j, "distribution");
	json_string(j, distro);
	json_key(j, "architecture");
	json_string(j, arch);
	if (version != NULL) {
		json_key(j, "version");
		json_string(j, version);
	}
	if (release != NULL) {
		json_key(j, "release");
		json_string(j, release);
	}
	json_key(j, "output_format");
	json_string(j, format);
	json_close(j, '}');
	json_key(j, "packages");
	json_open(j, '[');
	for (size_t i = 0; i < l->n; i++) {
		json_open(j, '{');
		json_key(j, "type");
		json_string(j, "deb");
		json_key(j, "name");
		json_string(j, l->v[i].name);
		json_key(j, "version");
		json_string(j, l->v[i].version);
		json_key(j, "architecture");
		json_string(j, l->v[i].arch);
		json_key(j, "size");
		json_uint(j, l->v[i].size);
		json_close(j, '}');
	}
	json_close(j, ']');
	if (ext != NULL)
		release_fields(j, ext, NULL);
	write_summary(j, sum);
	json_close(j, '}');
}

/* The SPDX package of the n-th line, with its checksum and purl. */
static void
spdx_package(struct json *j, const struct tsv_pkg *pkg, size_t n,
    const char *distro)
{
	char *id = xasprintf("SPDXRef-Package-%zu", n);
	char *p = purl(pkg, distro);
	char *src = xasprintf("built package from: %s", pkg->source);

	json_open(j, '{');
	json_key(j, "SPDXID");
	json_string(j, id);
	json_key(j, "name");
	json_string(j, pkg->name);
	json_key(j, "versionInfo");
	json_string(j, pkg->version);
	json_key(j, "downloadLocation");
	json_string(j, "NOASSERTION");
	json_key(j, "filesAnalyzed");
	json_bool(j, 0);
	json_key(j, "sourceInfo");
	json_string(j, src);
	json_key(j, "checksums");
	json_open(j, '[');
	json_open(j, '{');
	json_key(j, "algorithm");
	json_string(j, "SHA256");
	json_key(j, "checksumValue");
	json_string(j, pkg->sha256);
	json_close(j, '}');
	json_close(j, ']');
	json_key(j, "externalRefs");
	json_open(j, '[');
	json_open(j, '{');
	json_key(j, "referenceCategory");
	json_string(j, "PACKAGE-MANAGER");
	json_key(j, "referenceType");
	json_string(j, "purl");
	json_key(j, "referenceLocator");
	json_string(j, p);
	json_close(j, '}');
	json_close(j, ']');
	json_close(j, '}');
	free(id);
	free(p);
	free(src);
}

static void
write_spdx(struct json *j, const struct tsv *l, const char *name,
    const char *distro, const char *stamp, const char *hash)
{
	char *ns = xasprintf("https://spdx.initkit.invalid/%s-%s", name, hash);

	json_open(j, '{');
	json_key(j, "spdxVersion");
	json_string(j, "SPDX-2.3");
	json_key(j, "dataLicense");
	json_string(j, "CC0-1.0");
	json_key(j, "SPDXID");
	json_string(j, "SPDXRef-DOCUMENT");
	json_key(j, "name");
	json_string(j, name);
	json_key(j, "documentNamespace");
	json_string(j, ns);
	json_key(j, "creationInfo");
	json_open(j, '{');
	json_key(j, "created");
	json_string(j, stamp);
	json_key(j, "creators");
	json_open(j, '[');
	json_string(j, "Tool: initkit-manifest-" INITKIT_VERSION);
	json_close(j, ']');
	json_close(j, '}');
	json_key(j, "packages");
	json_open(j, '[');
	json_open(j, '{');
	json_key(j, "SPDXID");
	json_string(j, "SPDXRef-Image");
	json_key(j, "name");
	json_string(j, name);
	json_key(j, "downloadLocation");
	json_string(j, "NOASSERTION");
	json_key(j, "filesAnalyzed");
	json_bool(j, 0);
	json_key(j, "primaryPackagePurpose");
	json_string(j, "OPERATING_SYSTEM");
	json_close(j, '}');
	for (size_t i = 0; i < l->n; i++)
		spdx_package(j, &l->v[i], i + 1, distro);
	json_close(j, ']');
	json_key(j, "relationships");
	json_open(j, '[');
	json_open(j, '{');
	json_key(j, "spdxElementId");
	json_string(j, "SPDXRef-DOCUMENT");
	json_key(j, "relationshipType");
	json_string(j, "DESCRIBES");
	json_key(j, "relatedSpdxElement");
	json_string(j, "SPDXRef-Image");
	json_close(j, '}');
	for (size_t i = 0; i < l->n; i++) {
		char *id = xasprintf("SPDXRef-Package-%zu", i + 1);

		json_open(j, '{');
		json_key(j, "spdxElementId");
		json_string(j, "SPDXRef-Image");
		json_key(j, "relationshipType");
		json_string(j, "CONTAINS");
		json_key(j, "relatedSpdxElement");
		json_string(j, id);
		json_close(j, '}');
		free(id);
	}
	json_close(j, ']');
	json_close(j, '}');
	free(ns);
}

static void
write_cyclonedx(struct json *j, const struct tsv *l, const char *name,
    const char *distro, const char *stamp, const char *hash)
{
	char *serial = xasprintf("urn:uuid:%.8s-%.4s-4%.3s-8%.3s-%.12s", hash,
	    hash + 8, hash + 13, hash + 17, hash + 20);

	json_open(j, '{');
	json_key(j, "bomFormat");
	json_string(j, "CycloneDX");
	json_key(j, "specVersion");
	json_string(j, "1.5");
	json_key(j, "serialNumber");
	json_string(j, serial);
	json_key(j, "version");
	json_uint(j, 1);
	json_key(j, "metadata");
	json_open(j, '{');
	json_key(j, "timestamp");
	json_string(j, stamp);
	json_key(j, "tools");
	json_open(j, '{');
	json_key(j, "components");
	json_open(j, '[');
	json_open(j, '{');
	json_key(j, "type");
	json_string(j, "application");
	json_key(j, "name");
	json_string(j, "initkit-manifest");
	json_key(j, "version");
	json_string(j, INITKIT_VERSION);
	json_close(j, '}');
	json_close(j, ']');
	json_close(j, '}');
	json_key(j, "component");
	json_open(j, '{');
	json_key(j, "type");
	json_string(j, "operating-system");
	json_key(j, "bom-ref");
	json_string(j, "image");
	json_key(j, "name");
	json_string(j, name);
	json_close(j, '}');
	json_close(j, '}');
	json_key(j, "components");
	json_open(j, '[');
	for (size_t i = 0; i < l->n; i++) {
		char *p = purl(&l->v[i], distro);

		json_open(j, '{');
		json_key(j, "type");
		json_string(j, "library");
		json_key(j, "bom-ref");
		json_string(j, p);
		json_key(j, "name");
		json_string(j, l->v[i].name);
		json_key(j, "version");
		json_string(j, l->v[i].version);
		json_key(j, "purl");
		json_string(j, p);
		json_key(j, "hashes");
		json_open(j, '[');
		json_open(j, '{');
		json_key(j, "alg");
		json_string(j, "SHA-256");
		json_key(j, "content");
		json_string(j, l->v[i].sha256);
		json_close(j, '}');
		json_close(j, ']');
		json_close(j, '}');
		free(p);
	}
	json_close(j, ']');
	json_key(j, "dependencies");
	json_open(j, '[');
	json_open(j, '{');
	json_key(j, "ref");
	json_string(j, "image");
	json_key(j, "dependsOn");
	json_open(j, '[');
	for (size_t i = 0; i < l->n; i++) {
		char *p = purl(&l->v[i], distro);

		json_string(j, p);
		free(p);
	}
	json_close(j, ']');
	json_close(j, '}');
	json_close(j, ']');
	json_close(j, '}');
	free(serial);
}

/* -d: added, removed, upgraded, downgraded; 0 if equal, 1 if not. */
static int
diff(const char *a, const char *b)
{
	struct tsv o = read_list(a), n = read_list(b);
	size_t i = 0, k = 0;
	int changed = 0;

	while (i < o.n || k < n.n) {
		int c = i == o.n ? 1 : k == n.n ? -1 : tsv_cmp(&o.v[i], &n.v[k]);

		if (c < 0) {
			printf("- %s %s %s\n", o.v[i].name, o.v[i].arch,
			    o.v[i].version);
			i++;
		} else if (c > 0) {
			printf("+ %s %s %s\n", n.v[k].name, n.v[k].arch,
			    n.v[k].version);
			k++;
		} else {
			int v = debver_cmp(o.v[i].version, n.v[k].version);

			if (v != 0)
				printf("%s %s %s %s -> %s\n", v < 0 ? "^" : "v",
				    o.v[i].name, o.v[i].arch, o.v[i].version,
				    n.v[k].version);
			else if (strcmp(o.v[i].sha256, n.v[k].sha256) != 0)
				printf("! %s %s %s (rebuilt: the .deb differs)\n",
				    o.v[i].name, o.v[i].arch, o.v[i].version);
			changed |= v != 0 || strcmp(o.v[i].sha256,
			    n.v[k].sha256) != 0;
			i++;
			k++;
			continue;
		}
		changed = 1;
	}
	tsv_free(&o);
	tsv_free(&n);
	if (fclose(stdout) != 0)
		err(2, "stdout");
	return changed;
}

/* -F, -N, -r and -a, checked. */
static void
options_check(const char *format, const char *version, const char *release,
    const char *arch)
{
	if (strcmp(format, "json") && strcmp(format, "spdx") &&
	    strcmp(format, "cyclonedx") && strcmp(format, "text"))
		errx_usage("-F %s: json, spdx, cyclonedx or text", format);
	if (version != NULL && !json_valid_utf8(version))
		errx_usage("-N: not valid UTF-8");
	if (release != NULL && !json_valid_utf8(release))
		errx_usage("-r: not valid UTF-8");
	if (arch != NULL && (*arch == '\0' || strspn(arch,
	    "abcdefghijklmnopqrstuvwxyz0123456789-") != strlen(arch)))
		errx_usage("-a %s: not an architecture name", arch);
}

/* Without -n: the list's file name without ".tsv". */
static char *
default_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *base = xstrdup(slash ? slash + 1 : path);
	size_t n = strlen(base);

	if (n > 4 && strcmp(base + n - 4, ".tsv") == 0)
		base[n - 4] = '\0';
	return base;
}

/* -F text: a column per field, the tree's summary last. */
static void
write_text(FILE *fp, const struct tsv *l, const struct summary *sum)
{
	int w = 4;

	for (size_t i = 0; i < l->n; i++)
		if ((int)strlen(l->v[i].name) > w)
			w = (int)strlen(l->v[i].name);
	for (size_t i = 0; i < l->n; i++)
		fprintf(fp, "%-*s %-24s %-6s %12" PRIu64 "\n", w, l->v[i].name,
		    l->v[i].version, l->v[i].arch, l->v[i].size);
	if (sum->have)
		fprintf(fp, "# tree: %" PRIu64 " entries, %" PRIu64 " files, %"
		    PRIu64 " bytes, sha256 %s\n", sum->entries, sum->files,
		    sum->bytes, sum->sha256);
}

/* The options. */
struct args {
	const char *format, *name, *ext, *out, *version, *release, *arch;
	const char *oformat, *spec;
	int flags, difference;
};

/* Options into a; returns the index of the first operand. */
static int
args_parse(struct args *a, int argc, char *argv[])
{
	int ch;

	a->format = "json";
	a->oformat = "cpio";
	a->flags = OUT_TTY;
	while ((ch = getopt_long(argc, argv, "ha:de:fF:n:N:o:O:r:s:",
	    std_longopts, NULL)) != -1) {
		switch (ch) {
		case 'a':
			a->arch = optarg;
			break;
		case 'd':
			a->difference = 1;
			break;
		case 'e':
			a->ext = optarg;
			break;
		case 'f':
			a->flags |= OUT_FORCE;
			break;
		case 'F':
			a->format = optarg;
			break;
		case 'n':
			a->name = optarg;
			break;
		case 'N':
			a->version = optarg;
			break;
		case 'o':
			a->out = optarg;
			break;
		case 'O':
			a->oformat = optarg;
			break;
		case 'r':
			a->release = optarg;
			break;
		case 's':
			a->spec = optarg;
			break;
		case 'h':
			usage(0);
		case OPT_VERSION:
			print_version();
		default:
			usage(2);
		}
	}
	return optind;
}

/* The document of -F, as one string of *len bytes. */
static char *
document(const struct args *a, const struct tsv *l, const char *path,
    const char *name, const char *distro, const struct summary *sum,
    size_t *len)
{
	struct json j = { .what = path };
	char stamp[32], hash[65], *key, *buf = NULL;
	time_t t;

	/* Deterministic: the time and the ids from the input. */
	t = creation_time(path, sum);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
	key = xasprintf("%s\n%s", name, l->text);
	sha256_hex(key, strlen(key), hash);
	free(key);

	j.fp = open_memstream(&buf, len);
	if (strcmp(a->format, "json") == 0)
		write_mkosi(&j, l, name, mkosi_arch(a->arch, l), a->version,
		    a->release, distro, a->oformat, a->ext, sum);
	else if (strcmp(a->format, "spdx") == 0)
		write_spdx(&j, l, name, distro, stamp, hash);
	else if (strcmp(a->format, "cyclonedx") == 0)
		write_cyclonedx(&j, l, name, distro, stamp, hash);
	else
		write_text(j.fp, l, sum);
	if (strcmp(a->format, "text") != 0)
		fputc('\n', j.fp);
	fclose(j.fp);
	return buf;
}

int
main(int argc, char *argv[])
{
	struct args a = { 0 };
	struct summary sum = { 0 };
	const char *name, *distro;
	char *base = NULL, *rid = NULL, *doc;
	int first = args_parse(&a, argc, argv);
	size_t len;
	struct tsv l;
	struct out o;

	argc -= first;
	argv += first;
	if (a.difference) {
		if (argc != 2)
			usage(2);
		return diff(argv[0], argv[1]);
	}
	if (argc != 1)
		usage(2);
	options_check(a.format, a.version, a.release, a.arch);

	l = read_list(argv[0]);
	if ((name = a.name) == NULL)
		name = base = default_name(argv[0]);
	distro = rid = a.ext ? release_id(a.ext) : NULL;
	if (distro == NULL || strcmp(distro, "_any") == 0)
		distro = "debian";
	if (a.spec != NULL)
		summarize(a.spec, &sum);
	doc = document(&a, &l, argv[0], name, distro, &sum, &len);
	out_open(&o, a.out, a.flags);
	out_write(&o, doc, len);
	out_commit(&o);
	free(doc);
	free(base);
	free(rid);
	tsv_free(&l);
	if (fclose(stdout) != 0)
		err(1, "stdout");
	return 0;
}
