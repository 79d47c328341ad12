/*
 * pool.c: n jobs shared out among worker processes, one per CPU. A worker
 * takes the next job of the caller's order when it is done with one, so
 * with the biggest first the last to finish are small. The workers share
 * a counter of the jobs taken, in memory they all map: handing out any
 * number of jobs needs no pipe of any size. Each writes a byte to the
 * parent for each job done. A worker that fails stops the others, and
 * the run: the workers still running are killed before the temporaries
 * are removed (out_before_cleanup), as they may be writing into them.
 */
#include <sys/mman.h>
#include <sys/wait.h>

#include <err.h>
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "initkit.h"

/* Workers still running; stopped before a temporary is removed. */
static pid_t *workers;
static size_t nworkers;
static pid_t parent_pid;

static void
stop_workers(void)
{
	int status;

	if (workers == NULL || getpid() != parent_pid)
		return;
	for (size_t w = 0; w < nworkers; w++)
		if (workers[w] > 0)
			kill(workers[w], SIGKILL);
	for (size_t w = 0; w < nworkers; w++)
		if (workers[w] > 0) {
			while (waitpid(workers[w], &status, 0) < 0 &&
			    errno == EINTR)
				;
			workers[w] = 0;
		}
	nworkers = 0;
}

/* A worker: jobs until there is none, a byte to notify for each. */
static NORETURN void
worker(const struct pool *p, atomic_uint *next, int notify)
{
	unsigned k;

	/* A full disk or a file size limit is an error that names the
	 * file (EFBIG, ENOSPC), not a silent death. */
	signal(SIGXFSZ, SIG_IGN);
	while ((k = atomic_fetch_add(next, 1)) < p->n) {
		p->job(p->order[k], p->arg);
		if (write(notify, "", 1) < 0)
			err(1, "progress pipe");
	}
	/* Its files are closed; the parent's exit handlers and
	 * temporaries are not the worker's business. */
	_exit(0);
}

/* Wait for every worker; 1 if one failed (the others are stopped). */
static int
pool_wait(pid_t *pids, size_t nw, const char *what)
{
	int status;

	for (size_t w = 0; w < nw; w++) {
		if (waitpid(pids[w], &status, 0) < 0)
			err(1, "waitpid");
		pids[w] = 0;
		if (WIFSIGNALED(status))
			warnx("%s: worker killed by signal %d (%s)", what,
			    WTERMSIG(status), strsignal(WTERMSIG(status)));
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			/* Stop the others before the temporaries go. */
			stop_workers();
			return 1;
		}
	}
	return 0;
}

void
pool_run(const struct pool *p)
{
	size_t nw = (size_t)ncpus(), done = 0;
	atomic_uint *next;
	int note[2];
	pid_t *pids;
	char c;

	if (nw > p->n)
		nw = p->n;
	pids = xcalloc(nw, sizeof(*pids));
	if ((next = mmap(NULL, sizeof(*next), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0)) == MAP_FAILED)
		err(1, "mmap");
	atomic_init(next, 0);
	if (pipe(note) < 0)
		err(1, "pipe");
	fflush(NULL);
	parent_pid = getpid();
	workers = pids;
	out_before_cleanup(stop_workers);
	for (size_t w = 0; w < nw; w++) {
		if ((pids[w] = fork()) < 0)
			err(1, "fork");
		nworkers = w + 1;
		if (pids[w] == 0) {
			close(note[0]);
			worker(p, next, note[1]);
		}
	}
	close(note[1]);
	while (read(note[0], &c, 1) == 1)
		if (p->tick != NULL)
			p->tick(++done, p->n, p->arg);
	close(note[0]);
	if (pool_wait(pids, nw, p->what)) {
		workers = NULL;
		progress_clear();
		exit(1);
	}
	workers = NULL;
	munmap(next, sizeof(*next));
	free(pids);
}
