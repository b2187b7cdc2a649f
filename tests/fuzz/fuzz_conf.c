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

#define FZ_CHECK(c) do {						\
	if (!(c))							\
		abort();						\
} while (0)

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void	fz_dump(const struct conf *, char **, size_t *);
static void	fz_bounds(const struct conf *);

static struct conf	fz_c, fz_c2;
static FILE		*fz_null;

static void
fz_dump(const struct conf *c, char **buf, size_t *len)
{
	FILE *f;

	FZ_CHECK((f = open_memstream(buf, len)) != NULL);
	conf_dump(c, f);
	FZ_CHECK(fclose(f) == 0);
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
	char *d1 = NULL, *d2 = NULL;
	size_t l1 = 0, l2 = 0;
	int n;

	if (fz_null == NULL)
		FZ_CHECK((fz_null = fopen("/dev/null", "w")) != NULL);
	n = conf_parse(&fz_c, "fuzz", (const char *)data, size, fz_null);
	FZ_CHECK(n >= 0);
	if (n != 0)
		return 0;
	fz_bounds(&fz_c);
	fz_dump(&fz_c, &d1, &l1);
	FZ_CHECK(conf_parse(&fz_c2, "dump", d1, l1, fz_null) == 0);
	fz_dump(&fz_c2, &d2, &l2);
	FZ_CHECK(l1 == l2 && memcmp(d1, d2, l1) == 0);
	free(d1);
	free(d2);
	return 0;
}
