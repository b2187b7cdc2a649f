/* SPDX-License-Identifier: MIT */
/*
 * fuzz_inherit.c: libFuzzer target for what a reload hands the next
 * image (inherit.c): the DOTFWD_RELOAD variable, and the carried-state
 * blob (a memfd whose records the modules read back).  An input that
 * starts with 'B' is a blob (the rest, written to a memfd); anything
 * else is the variable's value.
 *
 * Contracts checked.  The variable: inh_parse() keeps at most the room
 * it has, only plausible descriptors (3..INT32_MAX-1) and pids (over 1),
 * stops only at something that is not a number; what inh_format()
 * writes for those values reads back the same.  The blob: inh_read()
 * delivers either nothing (with a reason) or every record, each of a
 * non-zero type and at most INH_REC_MAX bytes, and as many as it says;
 * the records it delivered, written again with inh_wr_*(), read back
 * the same.
 */
#define _GNU_SOURCE		/* memfd_create */
#include <sys/mman.h>

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "inherit.h"

#define FZ_CHECK(c) do {						\
	if (!(c))							\
		abort();						\
} while (0)
#define FZ_RECS		64	/* records compared in the round trip */

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void	fz_var(const uint8_t *, size_t);
static void	fz_blob(const uint8_t *, size_t);
static void	fz_rec(void *, int, const void *, size_t);

struct fz_recs {
	int	 n;
	int	 type[FZ_RECS];
	size_t	 len[FZ_RECS];
	uint8_t	 p[FZ_RECS][INH_REC_MAX];
	int	 cmp;		/* second pass: compare instead of keep */
	int	 same;
};

static char		fz_s[4096];
static char		fz_out[INH_VAR_CAP];
static struct inh_var	fz_v, fz_v2;
static struct fz_recs	fz_r;

static void
fz_var(const uint8_t *data, size_t size)
{
	const char *bad;
	int i;

	if (size >= sizeof(fz_s))
		return;
	memcpy(fz_s, data, size);
	fz_s[size] = '\0';	/* an environment value ends at a NUL */
	inh_parse(fz_s, &fz_v, &bad);
	FZ_CHECK(fz_v.n_num >= 0 && fz_v.n_num <= 2);
	FZ_CHECK(fz_v.n_fds >= 0 && fz_v.n_fds <= INH_MAX_FDS);
	FZ_CHECK(fz_v.n_drains >= 0 && fz_v.n_drains <= INH_MAX_DRAINS);
	FZ_CHECK(fz_v.state_fd == -1 || fz_v.state_fd > 2);
	for (i = 0; i < fz_v.n_fds; i++)
		FZ_CHECK(fz_v.fds[i] > 2 && fz_v.fds[i] < INT32_MAX);
	for (i = 0; i < fz_v.n_drains; i++)
		FZ_CHECK(fz_v.drains[i].pid > 1 && fz_v.drains[i].fd > 2);
	/* it stops only at a number that is not one, never a blank */
	if (bad != NULL)
		FZ_CHECK(bad >= fz_s && bad < fz_s + size && *bad != ' ' &&
		    *bad != '\0');

	/* what the previous image writes, the next one reads */
	if (fz_v.n_num < 2)
		return;
	inh_format(fz_out, sizeof(fz_out), fz_v.start_ms, fz_v.clock_synced,
	    fz_v.state_fd, fz_v.drains, fz_v.n_drains, fz_v.fds, fz_v.n_fds);
	FZ_CHECK(strncmp(fz_out, INH_ENV "=", sizeof(INH_ENV)) == 0);
	inh_parse(fz_out + sizeof(INH_ENV), &fz_v2, &bad);
	FZ_CHECK(bad == NULL && fz_v2.n_num == 2 &&
	    fz_v2.start_ms == fz_v.start_ms &&
	    fz_v2.clock_synced == fz_v.clock_synced &&
	    fz_v2.state_fd == fz_v.state_fd &&
	    fz_v2.n_drains == fz_v.n_drains && fz_v2.n_fds == fz_v.n_fds);
	FZ_CHECK(memcmp(fz_v2.drains, fz_v.drains, (size_t)fz_v.n_drains *
	    sizeof(fz_v.drains[0])) == 0);
	FZ_CHECK(memcmp(fz_v2.fds, fz_v.fds, (size_t)fz_v.n_fds *
	    sizeof(fz_v.fds[0])) == 0);
}

/* inh_read()'s callback: check, keep (or compare with) the first ones. */
static void
fz_rec(void *arg, int type, const void *p, size_t len)
{
	struct fz_recs *r = arg;

	FZ_CHECK(type > 0 && type <= UINT16_MAX && len <= INH_REC_MAX);
	FZ_CHECK(len == 0 || p != NULL);
	if (r->n < FZ_RECS) {
		if (!r->cmp) {
			r->type[r->n] = type;
			r->len[r->n] = len;
			memcpy(r->p[r->n], p, len);
		} else if (r->type[r->n] != type || r->len[r->n] != len ||
		    memcmp(r->p[r->n], p, len) != 0)
			r->same = 0;
	}
	r->n++;
}

static void
fz_blob(const uint8_t *data, size_t size)
{
	struct inh_wr w;
	const char *why;
	int fd, n, n2, i;

	FZ_CHECK((fd = memfd_create("fuzz", MFD_CLOEXEC)) != -1);
	FZ_CHECK(size == 0 || write(fd, data, size) == (ssize_t)size);
	fz_r.n = 0;
	fz_r.cmp = 0;
	n = inh_read(fd, fz_rec, &fz_r, &why);
	FZ_CHECK(n >= -1);
	if (n == -1)
		FZ_CHECK(why != NULL && fz_r.n == 0);
	else
		FZ_CHECK(why == NULL && fz_r.n == n);
	if (n > 0 && n <= FZ_RECS) {
		/* what was read, written again, reads back the same */
		inh_wr_begin(&w, fd);
		for (i = 0; i < n; i++)
			inh_wr_rec(&w, fz_r.type[i], fz_r.p[i], fz_r.len[i]);
		FZ_CHECK(inh_wr_end(&w) == 0);
		n2 = fz_r.n;
		fz_r.n = 0;
		fz_r.cmp = 1;
		fz_r.same = 1;
		FZ_CHECK(inh_read(fd, fz_rec, &fz_r, &why) == n2 &&
		    fz_r.same);
	}
	close(fd);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 0 && data[0] == 'B')
		fz_blob(data + 1, size - 1);
	else
		fz_var(data, size);
	return 0;
}
