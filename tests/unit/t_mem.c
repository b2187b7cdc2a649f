/* SPDX-License-Identifier: MIT */
/*
 * t_mem.c: the start-up arena and the seal.  In test builds (memwrap
 * linked) any malloc after mem_seal() must abort the process: that is what
 * makes "no allocation while serving" a checked property.
 */
#include <sys/wait.h>

#include <signal.h>
#include <unistd.h>

#include "mem.h"
#include "t.h"

/* Present only when tests/memwrap.c is linked (host-asan). */
extern void *__wrap_malloc(size_t) __attribute__((weak));

static int	dies_of_abort(void (*)(void));
static void	seal_then_malloc(void);
static void	seal_then_mem_alloc(void);

static int
dies_of_abort(void (*fn)(void))
{
	pid_t pid;
	int status;

	fflush(stdout);
	if ((pid = fork()) == -1)
		return -1;
	if (pid == 0) {
		/* keep the expected report out of the test output */
		(void)!freopen("/dev/null", "w", stderr);
		fn();
		_exit(0);
	}
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT ? 0 : -1;
}

static void
seal_then_malloc(void)
{
	void *volatile p;

	(void)mem_alloc(16);
	mem_seal();
	p = malloc(32);
	free(p);
}

static void
seal_then_mem_alloc(void)
{
	mem_seal();
	(void)mem_alloc(16);
}

static int
t_malloc_after_seal(void)
{
	if (__wrap_malloc == NULL)
		return T_SKIP;
	if (dies_of_abort(seal_then_malloc) != 0)
		T_FAIL("malloc after mem_seal() did not abort");
	return 0;
}

static int
t_mem_alloc_after_seal(void)
{
	if (dies_of_abort(seal_then_mem_alloc) != 0)
		T_FAIL("mem_alloc after mem_seal() did not abort");
	return 0;
}

static int
t_alloc_zeroed_aligned(void)
{
	uint8_t *p;
	size_t sizes[] = { 1, 15, 16, 17, 4096, 70000, 300000 };
	size_t i, k, before;

	T_ASSERT(!mem_is_sealed());
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		before = mem_total();
		p = mem_alloc(sizes[i]);
		T_ASSERT(p != NULL);
		T_EQ_INT((uintptr_t)p % 16, 0);
		T_ASSERT(mem_total() - before >= sizes[i]);
		for (k = 0; k < sizes[i]; k++)
			if (p[k] != 0)
				T_FAIL("byte %zu of %zu not zero", k, sizes[i]);
		p[sizes[i] - 1] = 0xff;	/* ASan: the whole length is ours */
	}
	return 0;
}

static const struct t_case cases[] = {
	{ "alloc_zeroed_aligned", t_alloc_zeroed_aligned },
	{ "mem_alloc_after_seal", t_mem_alloc_after_seal },
	{ "malloc_after_seal", t_malloc_after_seal },
};

T_MAIN("mem", cases)
