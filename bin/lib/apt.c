/*
 * apt.c: apt-get (and apt-cache) run on a private state directory, which
 * holds its configuration (apt.conf: every directory apt reads or writes
 * is in the state, dpkg is /bin/false, no recommends, nothing unsigned),
 * its sources.list, lists, status and archives: nothing of the host's apt
 * is read or written. And what apt-get prints, read: the line that says why
 * it failed, and the packages --print-uris lists.
 *
 * Implements: apt.conf(5) (the Dir:: tree, APT::, Acquire::), apt-get(8)'s
 * output (E:, W: lines; --print-uris).
 */
#include <ctype.h>
#include <err.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "initkit.h"

static char *apt_env[3];

void
apt_file(const char *path, const char *text)
{
	struct out o;

	out_open(&o, path, OUT_FORCE);
	out_write(&o, text, strlen(text));
	out_commit(&o);
}

void
apt_conf(const char *state, const char *arch)
{
	char *conf = xasprintf("%s/apt.conf", state);
	char *text = xasprintf(
	    "Dir \"%1$s/\";\n"
	    "Dir::Etc \"%1$s/etc/\";\n"
	    "Dir::Etc::Main \"/dev/null\";\n"
	    "Dir::Etc::Parts \"%1$s/etc/apt.conf.d/\";\n"
	    "Dir::Etc::SourceList \"%1$s/etc/sources.list\";\n"
	    "Dir::Etc::SourceParts \"%1$s/etc/sources.list.d/\";\n"
	    "Dir::Etc::Preferences \"/dev/null\";\n"
	    "Dir::Etc::PreferencesParts \"%1$s/etc/preferences.d/\";\n"
	    "Dir::Etc::Trusted \"/dev/null\";\n"
	    "Dir::Etc::TrustedParts \"%1$s/etc/trusted.gpg.d/\";\n"
	    "Dir::State \"%1$s/\";\n"
	    "Dir::State::Lists \"%1$s/lists/\";\n"
	    "Dir::State::Status \"%1$s/status\";\n"
	    "Dir::Cache \"%1$s/\";\n"
	    "Dir::Cache::Archives \"%1$s/archives/\";\n"
	    "Dir::Log \"%1$s/\";\n"
	    "Dir::Bin::dpkg \"/bin/false\";\n"
	    "APT::Architecture \"%2$s\";\n"
	    "APT::Architectures { \"%2$s\"; };\n"
	    "APT::Install-Recommends \"false\";\n"
	    "APT::Install-Suggests \"false\";\n"
	    "APT::Sandbox::User \"root\";\n"
	    "APT::Get::AllowUnauthenticated \"false\";\n"
	    "Acquire::AllowInsecureRepositories \"false\";\n"
	    "Acquire::AllowDowngradeToInsecureRepositories \"false\";\n"
	    "Acquire::Languages \"none\";\n"
	    "Acquire::Retries \"2\";\n"
	    "Debug::NoLocking \"true\";\n",
	    state, arch);

	for (const char *const *d = (const char *const[]){ "lists/partial",
	    "archives/partial", "empty/partial", "etc/apt.conf.d",
	    "etc/preferences.d", "etc/sources.list.d", "etc/trusted.gpg.d",
	    NULL }; *d; d++) {
		char *dir = xasprintf("%s/%s", state, *d);

		mkdir_p(dir);
		free(dir);
	}
	apt_file(conf, text);
	free(text);
	apt_env[0] = xasprintf("APT_CONFIG=%s", conf);
	apt_env[1] = "LC_ALL=C";
	free(conf);
}

/* prog (apt-get, apt-cache) on the state apt_conf made. */
static int
apt_run(const char *prog, char **args, size_t nargs, char **out,
    void (*tick)(void *), void *arg)
{
	char **argv = xcalloc(nargs + 2, sizeof(*argv));
	int r;

	argv[0] = (char *)prog;
	memcpy(argv + 1, args, nargs * sizeof(*args));
	r = run_watch(argv, apt_env, out, NULL, tick, arg);
	free(argv);
	return r;
}

int
apt_get(char **args, size_t nargs, char **out, void (*tick)(void *),
    void *arg)
{
	return apt_run("apt-get", args, nargs, out, tick, arg);
}

int
apt_cache(char **args, size_t nargs, char **out)
{
	return apt_run("apt-cache", args, nargs, out, NULL, NULL);
}

int
apt_lists_changed(const char *state, const char *sources)
{
	char *list = xasprintf("%s/etc/sources.list", state), *old;
	size_t len;
	int changed = 1;

	if (access(list, R_OK) == 0) {
		old = xreadfile(list, &len);
		changed = strcmp(old, sources) != 0;
		free(old);
	}
	free(list);
	return changed;
}

void
apt_update(const char *state, const char *sources, const char *what)
{
	char *list = xasprintf("%s/etc/sources.list", state), *lists, *out;

	/* Stale lists of other sources must not be trusted. */
	lists = xasprintf("%s/lists", state);
	rmtree_at(AT_FDCWD, lists);
	mkdir_p(lists);
	free(lists);
	lists = xasprintf("%s/lists/partial", state);
	mkdir_p(lists);
	free(lists);
	apt_file(list, sources);
	if (apt_get((char *[]){ "-q", "update" }, 2, &out, NULL, NULL) != 0 ||
	    strstr(out, "\nW: ") || strncmp(out, "W: ", 3) == 0) {
		/* Any warning here is a missing or bad signature or a failed
		 * fetch: nothing may go on from that state. */
		unlink(list);
		free(list);
		apt_fail(what, out);
	}
	free(out);
	free(list);
}

/*
 * The one line that says why apt failed: an unmet dependency as apt
 * states it, else a signature that did not verify (apt's error for that
 * only says "is not signed"), else the first error that is not apt's
 * generic summary, else the first warning about fetching or signatures.
 */
NORETURN void
apt_fail(const char *what, const char *out)
{
	char *pick = NULL, *warn = NULL, *gpg = NULL, *line, *save;
	char *text = xstrdup(out);
	int stale = 0, dep = 0;

	for (line = strtok_r(text, "\n", &save); line;
	    line = strtok_r(NULL, "\n", &save)) {
		stale |= strstr(line, "Unable to locate") != NULL ||
		    strstr(line, " 404 ") != NULL;
		/* " pkg : Depends: other but it is not installable" */
		if (pick == NULL && line[0] == ' ' && strstr(line, " : ") &&
		    (strstr(line, "Depends:") || strstr(line, "Conflicts:") ||
		    strstr(line, "Breaks:"))) {
			pick = line;
			dep = 1;
		}
		/* "W: GPG error: URI SUITE InRelease: ... NO_PUBKEY ..." */
		if (gpg == NULL && (strncmp(line, "W: GPG error: ", 14) == 0 ||
		    strncmp(line, "E: GPG error: ", 14) == 0))
			gpg = line + 3;
		if (pick == NULL && strncmp(line, "E: ", 3) == 0 &&
		    strncmp(line, "E: Some index files failed", 27) != 0 &&
		    strncmp(line, "E: Unable to correct problems", 29) != 0 &&
		    strncmp(line, "E: Unmet dependencies", 21) != 0)
			pick = line + 3;
		if (warn == NULL && strncmp(line, "W: ", 3) == 0 &&
		    (strstr(line, "Failed to fetch") ||
		    strstr(line, "signature") || strstr(line, "GPG")))
			warn = line + 3;
	}
	if (gpg != NULL && !dep)
		pick = gpg;
	if (pick == NULL)
		pick = warn;
	if (pick == NULL)
		errx(1, "%s: apt-get failed", what);
	pick += strspn(pick, " ");
	errx(1, "%s: %s%s", what, pick, stale ?
	    " (package lists may be stale: -u refreshes them)" : "");
}

static char *
uri_path(const char *uri, size_t len)
{
	char *s = xmalloc(len + 1), *d = s;

	for (size_t i = 0; i < len; i++) {
		if (uri[i] == '%' && i + 2 < len && isxdigit((unsigned char)uri[i + 1]) &&
		    isxdigit((unsigned char)uri[i + 2])) {
			char h[3] = { uri[i + 1], uri[i + 2], 0 };

			*d++ = (char)strtol(h, NULL, 16);
			i += 2;
		} else
			*d++ = uri[i];
	}
	*d = '\0';
	return s;
}

/*
 * What apt-get --print-uris lists, one package a line, when its archive
 * directory is empty (so nothing counts as downloaded already):
 *   'URI' NAME_VERSION_ARCH.deb SIZE HASH
 * with the version's ':' quoted as %3a. A file: URI is read in place;
 * anything else will be in apt's archive directory under that name. The
 * size is only shown (download progress), never trusted.
 */
struct apt_pkgs
apt_uris(const char *out, const char *archives)
{
	struct apt_pkgs ps = { 0 };

	for (const char *p = out; p && *p;
	    p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
		const char *q = p[0] == '\'' ? strchr(p + 1, '\'') : NULL;
		char *file, *u1, *u2, *ver;
		struct apt_pkg *k;

		if (q == NULL || q[1] != ' ')
			continue;
		file = xasprintf("%.*s", (int)strcspn(q + 2, " \n"), q + 2);
		u1 = strchr(file, '_');
		u2 = strrchr(file, '_');
		if (u1 == NULL || u1 == u2 || strlen(u2) < 5 ||
		    strcmp(file + strlen(file) - 4, ".deb") != 0)
			errx(1, "apt-get: cannot parse: %.*s",
			    (int)strcspn(p, "\n"), p);
		ps.v = xreallocarray(ps.v, ps.n + 1, sizeof(*ps.v));
		k = &ps.v[ps.n++];
		memset(k, 0, sizeof(*k));
		k->name = xasprintf("%.*s", (int)(u1 - file), file);
		ver = xasprintf("%.*s", (int)(u2 - u1 - 1), u1 + 1);
		k->version = uri_path(ver, strlen(ver));
		free(ver);
		k->arch = xasprintf("%.*s", (int)(strlen(u2 + 1) - 4), u2 + 1);
		k->get_size = strtoull(q + 2 + strlen(file), NULL, 10);
		if (strncmp(p + 1, "file:", 5) == 0)
			k->deb = uri_path(p + 6, (size_t)(q - p - 6));
		else
			k->deb = xasprintf("%s/%s", archives, file);
		free(file);
	}
	return ps;
}
