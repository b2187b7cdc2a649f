/* SPDX-License-Identifier: MIT */
/*
 * fuzz_conf.c: libFuzzer target for conf.c.  The input is parsed as a
 * configuration file; when it is valid, its dump must parse again with no
 * error and dump to the same text (the -t -v output is a valid config).
 * A broken contract aborts, so libFuzzer keeps the input.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "fmt.h"

#define FZ_DUMP_CAP	(256 * 1024)	/* far above the largest dump */

#define FZ_CHECK(c) do {						\
	if (!(c))							\
		abort();						\
} while (0)

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void	fz_dump(const struct conf *, char *, size_t *);
static void	fz_bounds(const struct conf *);

static struct conf	fz_c, fz_c2;
static char		fz_msgs[4096];	/* messages: kept, then dropped */
static char		fz_d1[FZ_DUMP_CAP], fz_d2[FZ_DUMP_CAP];

/* The dump into buf, which must hold all of it. */
static void
fz_dump(const struct conf *c, char *buf, size_t *len)
{
	struct fmt_out o;

	fmt_out_mem(&o, buf, FZ_DUMP_CAP);
	conf_dump(c, &o);
	FZ_CHECK(!o.cut);
	*len = o.len;
}

static void
fz_bounds(const struct conf *c)
{
	int i;

	FZ_CHECK(c->n_listen >= 1 && c->n_listen <= CONF_MAX_LISTEN);
	FZ_CHECK(c->n_allow >= 1 && c->n_allow <= CONF_MAX_ALLOW);
	FZ_CHECK(c->n_up >= 1 && c->n_up <= CONF_MAX_UPSTREAMS);
	FZ_CHECK(c->timeout_ms >= 100 && c->timeout_ms <= 60000);
	FZ_CHECK(c->connections >= 1 && c->connections <= 8);
	FZ_CHECK(c->log_level >= 0 && c->log_level <= 3);
	for (i = 0; i < c->n_up; i++) {
		FZ_CHECK(c->up[i].n_addr <= CONF_MAX_ADDRS);
		FZ_CHECK(c->up[i].n_pin <= CONF_MAX_PINS);
		FZ_CHECK(!c->up[i].enabled || (c->up[i].n_addr > 0 &&
		    c->up[i].auth_name[0] != '\0'));
	}
	FZ_CHECK(!c->srv.present || (c->srv.n_listen > 0 &&
	    c->srv.cert[0] != '\0' && c->srv.key[0] != '\0'));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fmt_out msgs;
	size_t l1 = 0, l2 = 0;
	int n;

	fmt_out_mem(&msgs, fz_msgs, sizeof(fz_msgs));
	n = conf_parse(&fz_c, "fuzz", (const char *)data, size, &msgs);
	FZ_CHECK(n >= 0);
	if (n != 0)
		return 0;
	fz_bounds(&fz_c);
	fz_dump(&fz_c, fz_d1, &l1);
	fmt_out_mem(&msgs, fz_msgs, sizeof(fz_msgs));
	FZ_CHECK(conf_parse(&fz_c2, "dump", fz_d1, l1, &msgs) == 0);
	fz_dump(&fz_c2, fz_d2, &l2);
	FZ_CHECK(l1 == l2 && memcmp(fz_d1, fz_d2, l1) == 0);
	return 0;
}
