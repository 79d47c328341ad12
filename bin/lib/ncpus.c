/*
 * ncpus.c: how many CPUs this process may use, for the code that works in
 * threads (mksqfs, pkgroot, the zstd sink, verity hashing); not in
 * sink.c, so that mkverity links no compressor.
 */
#include <sched.h>
#include <unistd.h>

#include "initkit.h"

int
ncpus(void)
{
	cpu_set_t set;
	int n;

	if (sched_getaffinity(0, sizeof(set), &set) == 0 &&
	    (n = CPU_COUNT(&set)) > 0)
		return n;
	n = (int)sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? n : 1;
}
