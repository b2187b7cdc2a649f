/* SPDX-License-Identifier: MIT */
/*
 * t_source.c: unit tests for source.c.  Limits per kind, IPv4 and IPv6
 * (and IPv4-mapped) kept apart, entries gone once they hold nothing,
 * and a seeded random run of holds and puts over many addresses checked
 * step by step against a plain model, at the table's full load (every
 * reference a different address), so that backward-shift deletion is
 * exercised along long probe runs.  `./t_source NAME` runs one case.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "compat.h"
#include "source.h"
#include "t.h"

#define MAX_REFS	600	/* src_init(): one table for every case */
#define N_ADDRS		900	/* more than the table may hold at once */
#define RANDOM_STEPS	200000L

static uint32_t rng = 12345;

static uint32_t
rnd(void)
{
	rng = rng * 1103515245U + 12345U;
	return rng >> 8;
}

static struct sockaddr_in
v4(uint32_t a)
{
	struct sockaddr_in sin;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(a);
	sin.sin_port = htons((uint16_t)rnd());	/* the port never counts */
	return sin;
}

static struct sockaddr_in6
v6(const char *s)
{
	struct sockaddr_in6 sin6;

	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	if (inet_pton(AF_INET6, s, &sin6.sin6_addr) != 1)
		abort();
	return sin6;
}

/* Address number i of the random run: half IPv6 in one /64, half
 * IPv4-mapped: keys that differ in a few bits only. */
static struct sockaddr_in6
addr_of(int i, char *buf, size_t cap)
{
	if (i % 2)
		snprintf(buf, cap, "fd00::%x:%x", i * 7919 >> 16,
		    i * 7919 & 0xffff);
	else
		snprintf(buf, cap, "::ffff:10.%d.%d.1", i / 256, i % 256);
	return v6(buf);
}

#define SA(x)	((const struct sockaddr *)(const void *)&(x))

static int
t_limits(void)
{
	struct sockaddr_in a = v4(0x0a000001), a2 = v4(0x0a000001);
	int i;

	for (i = 0; i < 3; i++)
		T_EQ_INT(src_hold(SA(a), SRC_TCP, 3), 0);
	T_EQ_INT(src_hold(SA(a2), SRC_TCP, 3), -1);	/* another port */
	T_EQ_INT(src_count(SA(a), SRC_TCP), 3);
	/* the other kind has its own limit */
	T_EQ_INT(src_hold(SA(a), SRC_QUERY, 1), 0);
	T_EQ_INT(src_hold(SA(a), SRC_QUERY, 1), -1);
	T_EQ_INT(src_n_live(), 1);
	src_put(SA(a), SRC_TCP);
	T_EQ_INT(src_hold(SA(a), SRC_TCP, 3), 0);
	for (i = 0; i < 3; i++)
		src_put(SA(a), SRC_TCP);
	src_put(SA(a), SRC_QUERY);
	T_EQ_INT(src_n_live(), 0);
	T_EQ_INT(src_count(SA(a), SRC_TCP), 0);
	/* limit 0: nothing, and no entry left behind */
	T_EQ_INT(src_hold(SA(a), SRC_TCP, 0), -1);
	T_EQ_INT(src_n_live(), 0);
	return 0;
}

static int
t_families(void)
{
	struct sockaddr_in a = v4(0x7f000001);
	struct sockaddr_in6 m = v6("::ffff:127.0.0.1"), l = v6("::1");
	struct sockaddr_in6 z = v6("::7f00:1");
	struct sockaddr u;

	T_EQ_INT(src_hold(SA(a), SRC_QUERY, 1), 0);
	/* a mapped address is another source than the IPv4 one */
	T_EQ_INT(src_hold(SA(m), SRC_QUERY, 1), 0);
	T_EQ_INT(src_hold(SA(z), SRC_QUERY, 1), 0);
	T_EQ_INT(src_hold(SA(l), SRC_QUERY, 1), 0);
	T_EQ_INT(src_n_live(), 4);
	T_EQ_INT(src_hold(SA(m), SRC_QUERY, 1), -1);
	memset(&u, 0, sizeof(u));
	u.sa_family = AF_UNIX;
	T_EQ_INT(src_hold(&u, SRC_QUERY, 9), -1);
	src_put(SA(a), SRC_QUERY);
	src_put(SA(m), SRC_QUERY);
	src_put(SA(z), SRC_QUERY);
	src_put(SA(l), SRC_QUERY);
	T_EQ_INT(src_n_live(), 0);
	return 0;
}

/* Holds and puts at random, each checked against the model. */
static int
t_random(void)
{
	static uint16_t model[N_ADDRS][SRC_N];
	struct sockaddr_in6 sa;
	char buf[64];
	long step;
	int refs = 0, live = 0, i, k, want, r;
	uint32_t lim;

	memset(model, 0, sizeof(model));
	for (step = 0; step < RANDOM_STEPS; step++) {
		i = (int)(rnd() % N_ADDRS);
		k = (int)(rnd() % SRC_N);
		sa = addr_of(i, buf, sizeof(buf));
		lim = 1 + rnd() % 4;
		if (rnd() % 2 && refs < MAX_REFS) {
			want = model[i][k] < lim ? 0 : -1;
			r = src_hold(SA(sa), (enum src_kind)k, lim);
			if (r != want)
				T_FAIL("step %ld: hold %s kind %d limit %u: want "
				    "%d, got %d", step, buf, k, lim, want, r);
			if (r == 0) {
				if (model[i][0] + model[i][1] == 0)
					live++;
				model[i][k]++;
				refs++;
			}
		} else if (model[i][k] > 0) {
			src_put(SA(sa), (enum src_kind)k);
			model[i][k]--;
			refs--;
			if (model[i][0] + model[i][1] == 0)
				live--;
		}
		if (src_count(SA(sa), (enum src_kind)k) != model[i][k])
			T_FAIL("step %ld: %s kind %d: want %u, got %u", step,
			    buf, k, model[i][k],
			    src_count(SA(sa), (enum src_kind)k));
		T_EQ_INT(src_n_live(), live);
		/* now and then every address: nothing lost by a shift */
		if (step % 20000 == 0) {
			for (i = 0; i < N_ADDRS; i++) {
				sa = addr_of(i, buf, sizeof(buf));
				for (k = 0; k < SRC_N; k++)
					if (src_count(SA(sa), (enum src_kind)k)
					    != model[i][k])
						T_FAIL("step %ld sweep: %s", step,
						    buf);
			}
		}
	}
	/* give everything back: the table ends empty */
	for (i = 0; i < N_ADDRS; i++) {
		sa = addr_of(i, buf, sizeof(buf));
		for (k = 0; k < SRC_N; k++)
			while (model[i][k] > 0) {
				src_put(SA(sa), (enum src_kind)k);
				model[i][k]--;
			}
	}
	T_EQ_INT(src_n_live(), 0);
	return 0;
}

static const struct t_case cases[] = {
	{ "limits", t_limits },
	{ "families", t_families },
	{ "random", t_random },
};

int
main(int argc, char **argv)
{
	src_init(MAX_REFS);
	return t_main(argc, argv, "source", cases, nitems(cases));
}
