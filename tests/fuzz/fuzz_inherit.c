/* SPDX-License-Identifier: MIT */
/*
 * fuzz_inherit.c: libFuzzer target for inherit.c's reading of the
 * reload hand-over variable (DOTFWD_RELOAD, from the environment of the
 * next image).  The input is the variable's value.  Contracts checked:
 * inh_parse() stores at most 'cap' descriptors, each a plausible one
 * (3..INT32_MAX-1), and stops only at something that is not a number;
 * and what inh_format() writes for those values reads back the same.
 */
#include <stdlib.h>
#include <string.h>

#include "inherit.h"

#define FZ_CHECK(c) do {						\
	if (!(c))							\
		abort();						\
} while (0)

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static char	fz_s[4096];
static char	fz_var[INH_VAR_CAP];

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *bad;
	uint64_t start = 7, start2 = 0;
	int fds[INH_MAX_FDS], fds2[INH_MAX_FDS], synced = -1, synced2 = -1;
	int n, n2, i, cap;

	if (size >= sizeof(fz_s))
		return 0;
	memcpy(fz_s, data, size);
	fz_s[size] = '\0';	/* an environment value ends at a NUL */
	cap = size > 0 ? data[0] % (INH_MAX_FDS + 1) : INH_MAX_FDS;
	n = inh_parse(fz_s, &start, &synced, fds, cap, &bad);
	FZ_CHECK(n >= 0 && n <= cap);
	for (i = 0; i < n; i++)
		FZ_CHECK(fds[i] > 2 && fds[i] < INT32_MAX);
	FZ_CHECK(synced == -1 || synced == 0 || synced == 1);
	/* it stops only at a non-number (or one too big), never a blank */
	if (bad != NULL)
		FZ_CHECK(bad >= fz_s && bad < fz_s + size && *bad != ' ' &&
		    *bad != '\0');

	/* what the previous image writes, the next one reads */
	inh_format(fz_var, sizeof(fz_var), start, synced == 1, fds, n);
	FZ_CHECK(strncmp(fz_var, INH_ENV "=", sizeof(INH_ENV)) == 0);
	n2 = inh_parse(fz_var + sizeof(INH_ENV), &start2, &synced2, fds2,
	    INH_MAX_FDS, &bad);
	FZ_CHECK(bad == NULL && n2 == n && start2 == start &&
	    synced2 == (synced == 1));
	FZ_CHECK(n == 0 || memcmp(fds, fds2, (size_t)n * sizeof(*fds)) == 0);
	return 0;
}
