/*
 * mkucode: write the early microcode archive of x86 CPUs, an uncompressed
 * newc cpio holding kernel/x86/microcode/GenuineIntel.bin and
 * AuthenticAMD.bin, from a firmware directory's intel-ucode/ and
 * amd-ucode/ (Debian's intel-microcode and amd64-microcode). It makes
 * what mkuki puts in a UKI's .ucode section, or first in its .initrd.
 *
 * Implements: the early loader's archive (Documentation/arch/x86/
 * microcode.rst), newc cpio (Documentation/driver-api/early-userspace/
 * buffer-format.rst); the microcode formats in bin/lib/ucode.c.
 */
#include <sys/stat.h>

#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "initkit.h"

#define UCODE_DIR	"kernel/x86/microcode"

static NORETURN void
usage(int status)
{
	fprintf(status ? stderr : stdout,
	    "usage: mkucode [-f] [-t epoch] [-o file] firmware-dir\n");
	exit(status);
}

/* One cpio entry; a regular file's bytes padded to 4. */
static void
entry(struct sink *s, const char *name, uint32_t ino, mode_t mode,
    uint32_t nlink, int64_t mtime, const unsigned char *data, size_t len)
{
	static const unsigned char zero[4];

	sink_reserve(s, cpio_header_size(name));
	size_t h = cpio_header(s->buf + s->len, name, ino, mode, 0, 0, nlink,
	    (uint32_t)mtime, len, 0);
	s->len += h;
	s->total += h;
	if (len > 0) {
		sink_put(s, data, len);
		if (len & 3)
			sink_put(s, zero, 4 - (len & 3));
	}
}

/* Both vendors' microcode from firmware directory fw; exit 1 if none. */
struct ucode {
	unsigned char *amd, *intel;
	size_t amd_len, intel_len;
	int64_t mtime;			/* the newest file's */
};

static void
ucode_read(struct ucode *u, const char *fw)
{
	struct stat st;
	char *p;

	if (stat(fw, &st) != 0)
		err(1, "%s", fw);
	if (!S_ISDIR(st.st_mode))
		errx(1, "%s: not a directory", fw);
	p = xasprintf("%s/intel-ucode", fw);
	u->intel = ucode_intel(p, &u->intel_len, &u->mtime);
	free(p);
	p = xasprintf("%s/amd-ucode", fw);
	u->amd = ucode_amd(p, &u->amd_len, &u->mtime);
	free(p);
	if (u->intel_len == 0 && u->amd_len == 0)
		errx(1, "%s: no microcode in intel-ucode/ or amd-ucode/", fw);
	if (u->intel_len > UINT32_MAX || u->amd_len > UINT32_MAX)
		errx(1, "%s: more microcode than newc cpio holds in a file",
		    fw);
}

/* The archive: its directories, AMD's file, Intel's, the trailer. */
static void
archive_write(const struct ucode *u, int64_t mtime, const char *outpath,
    int flags)
{
	static const char *const dirs[] = { "kernel", "kernel/x86",
	    UCODE_DIR };
	struct sink sink;
	struct out out;
	uint32_t ino = 1;

	out_open(&out, outpath, flags);
	sink_open(&sink, &out, COMP_NONE, 0, -1);
	for (size_t i = 0; i < 3; i++)
		entry(&sink, dirs[i], ino++, S_IFDIR | 0755, 2, mtime, NULL, 0);
	if (u->amd_len > 0)
		entry(&sink, UCODE_DIR "/AuthenticAMD.bin", ino++,
		    S_IFREG | 0644, 1, mtime, u->amd, u->amd_len);
	if (u->intel_len > 0)
		entry(&sink, UCODE_DIR "/GenuineIntel.bin", ino++,
		    S_IFREG | 0644, 1, mtime, u->intel, u->intel_len);
	entry(&sink, "TRAILER!!!", 0, 0, 1, 0, NULL, 0);
	sink_close(&sink);
	out_commit(&out);
}

int
main(int argc, char *argv[])
{
	const char *outpath = NULL, *epoch_arg = NULL;
	struct ucode u = { 0 };
	int64_t epoch, mtime;
	int ch, flags = 0;

	while ((ch = getopt_long(argc, argv, "hfo:t:", std_longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'f':
			flags |= OUT_FORCE;
			break;
		case 'o':
			outpath = optarg;
			break;
		case 't':
			epoch_arg = optarg;
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
	if (argc != 1)
		usage(2);
	epoch = epoch_get(epoch_arg);

	ucode_read(&u, argv[0]);
	/* The files' own time, clamped to the epoch as mkcpio clamps. */
	mtime = epoch >= 0 && u.mtime > epoch ? epoch : u.mtime;
	if (mtime < 0 || mtime > UINT32_MAX)
		mtime = 0;
	archive_write(&u, mtime, outpath, flags);
	free(u.amd);
	free(u.intel);
	if (fclose(stdout) != 0)
		err(1, "stdout");
	return 0;
}
