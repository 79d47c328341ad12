/*
 * mkcpio: write a newc cpio archive, the kernel's initramfs format, from tree
 * specs or directories, optionally compressed, reproducibly. It turns
 * pkgroot's and modroot's tree specs into the initrd images of the pipeline.
 *
 * Implements: newc cpio as the kernel reads it (Documentation/driver-api/
 * early-userspace/buffer-format.rst), concatenated archives with an
 * uncompressed first one for early microcode (Documentation/arch/x86/
 * microcode.rst), zstd (RFC 8878), gzip (RFC 1952) and xz with CRC32.
 */
#include <sys/stat.h>

#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "initkit.h"

/* -h: on stdout, exit 0; a usage error: on stderr, exit 2. */
static NORETURN void
usage(int status)
{
	fprintf(status ? stderr : stdout, "usage: mkcpio [-fv] [-z zstd | gzip | xz | none] "
	    "[-l level] [-t epoch]\n"
	    "              [-C dir] [-e spec | dir] [-o file] [spec | dir ...]\n");
	exit(status);
}

int
main(int argc, char *argv[])
{
	struct tree early = { 0 }, main_tree = { 0 };
	struct out out;
	struct sink sink;
	const char *outpath = NULL, *level_arg = NULL, *epoch_arg = NULL;
	const char **early_ops = NULL;
	int ch, comp = COMP_ZSTD, level, lmin, lmax, flags = 0, verbose = 0;
	size_t nearly = 0;
	int64_t epoch;
	uint64_t early_size = 0, size;

	while ((ch = getopt_long(argc, argv, "hC:e:fl:o:t:vz:",
	    std_longopts, NULL)) != -1) {
		switch (ch) {
		case 'C':
			early.base = main_tree.base = optarg;
			break;
		case 'e':
			early_ops = xreallocarray(early_ops, nearly + 1,
			    sizeof(*early_ops));
			early_ops[nearly++] = optarg;
			break;
		case 'f':
			flags |= OUT_FORCE;
			break;
		case 'l':
			level_arg = optarg;
			break;
		case 'o':
			outpath = optarg;
			break;
		case 't':
			epoch_arg = optarg;
			break;
		case 'v':
			verbose = 1;
			break;
		case 'z':
			if ((comp = comp_parse(optarg)) < 0)
				errx_usage("-z %s: unknown compressor "
				    "(zstd, gzip, xz, none)", optarg);
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

	comp_levels(comp, &level, &lmin, &lmax);
	if (level_arg != NULL) {
		if (comp == COMP_NONE)
			errx_usage("-l: -z none takes no level");
		level = (int)num_parse(level_arg, lmin, lmax, "-l");
	}
	epoch = epoch_get(epoch_arg);

	for (size_t i = 0; i < nearly; i++)
		tree_add(&early, early_ops[i]);
	if (argc == 0)
		tree_add_spec(&main_tree, "-");
	for (int i = 0; i < argc; i++)
		tree_add(&main_tree, argv[i]);
	if (nearly > 0) {
		tree_finish(&early, epoch);
		early_size = cpio_size(&early);
	}
	tree_finish(&main_tree, epoch);
	size = cpio_size(&main_tree);

	out_open(&out, outpath, flags);
	if (nearly > 0) {
		sink_open(&sink, &out, COMP_NONE, 0, early_size);
		cpio_write(&sink, &early);
		sink_close(&sink);
	}
	sink_open(&sink, &out, comp, level, size);
	cpio_write(&sink, &main_tree);
	if (sink.total != size)
		errx(1, "internal error: wrote %ju bytes of %ju",
		    (uintmax_t)sink.total, (uintmax_t)size);
	sink_close(&sink);
	out_commit(&out);
	if (verbose)
		fprintf(stderr, "mkcpio: %s: %zu entries, %ju bytes "
		    "uncompressed%s\n", out.path, early.n + main_tree.n,
		    (uintmax_t)(early_size + size), nearly ? " in 2 archives" :
		    "");
	tree_free(&early);
	tree_free(&main_tree);
	free(early_ops);
	if (fclose(stdout) != 0)
		err(1, "stdout");
	return 0;
}
