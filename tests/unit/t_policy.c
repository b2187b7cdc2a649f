/* SPDX-License-Identifier: MIT */
/*
 * t_policy.c: unit tests of policy.c without any connection or TLS:
 * back-off 1 s doubling to 60 s, one probe a second when every address
 * is down, a resend avoiding the address that failed, the three
 * policies (fastest's rotation among them), RTT smoothing, re-check.
 */
#include <stdio.h>

#include "conf.h"
#include "policy.h"
#include "t.h"

#define T0	1000000		/* a "now" far from 0 */

static int
pick(uint64_t now, int avoid)
{
	int probe;

	return pol_pick(now, avoid, &probe);
}

static int
t_backoff_doubling(void)
{
	static const uint32_t want[] = { 1000, 2000, 4000, 8000, 16000, 32000,
	    60000, 60000 };
	size_t i;

	pol_init(CONF_POLICY_ORDERED, 2);
	for (i = 0; i < nitems(want); i++)
		T_EQ_INT(pol_failed(0, T0), want[i]);
	T_EQ_INT(pol_is_failing(0), 1);
	pol_good(0);
	T_EQ_INT(pol_is_failing(0), 0);
	T_EQ_INT(pol_failed(0, T0), 1000);
	return 0;
}

static int
t_backed_off_skipped(void)
{
	pol_init(CONF_POLICY_ORDERED, 3);
	T_EQ_INT(pick(T0, -1), 0);
	pol_failed(0, T0);
	T_EQ_INT(pick(T0, -1), 1);
	T_EQ_INT(pick(T0 + 999, -1), 1);
	/* the wait is over: ordered takes the first again */
	T_EQ_INT(pick(T0 + 1000, -1), 0);
	pol_failed(0, T0 + 1000);		/* 2 s now */
	T_EQ_INT(pick(T0 + 2999, -1), 1);
	T_EQ_INT(pick(T0 + 3000, -1), 0);
	return 0;
}

static int
t_probe_once_a_second(void)
{
	int probe, i, k;

	pol_init(CONF_POLICY_ORDERED, 3);
	for (k = 0; k < 3; k++) {		/* 0 and 1: until T0 + 4 s */
		pol_failed(0, T0);
		pol_failed(1, T0);
	}
	pol_failed(2, T0 - 500);
	pol_failed(2, T0 - 500);		/* ends first: T0 + 1.5 s */
	T_EQ_INT(pol_pick(T0 + 100, -1, &probe), 2);
	T_EQ_INT(probe, 1);
	/* no second attempt within POL_PROBE_MS */
	for (i = 101; i < 1100; i += 100)
		T_EQ_INT(pol_pick(T0 + (uint64_t)i, -1, &probe), -1);
	T_EQ_INT(pol_pick(T0 + 1100, -1, &probe), 2);
	T_EQ_INT(probe, 1);
	T_EQ_INT(pol_pick(T0 + 1200, -1, &probe), -1);
	/* 2's wait is over: a normal pick, as often as asked */
	T_EQ_INT(pol_pick(T0 + 1500, -1, &probe), 2);
	T_EQ_INT(probe, 0);
	T_EQ_INT(pol_pick(T0 + 1501, -1, &probe), 2);
	T_EQ_INT(probe, 0);
	return 0;
}

static int
t_no_address(void)
{
	int probe;

	pol_init(CONF_POLICY_FASTEST, 0);
	T_EQ_INT(pol_pick(T0, -1, &probe), -1);
	return 0;
}

static int
t_resend_avoids(void)
{
	pol_init(CONF_POLICY_ORDERED, 3);
	T_EQ_INT(pick(T0, 0), 1);
	pol_failed(1, T0);
	T_EQ_INT(pick(T0, 0), 2);
	pol_failed(2, T0);
	/* nothing else usable: the avoided one after all */
	T_EQ_INT(pick(T0, 0), 0);
	pol_init(CONF_POLICY_ROUNDROBIN, 2);
	T_EQ_INT(pick(T0, 0), 1);
	T_EQ_INT(pick(T0, 0), 1);
	T_EQ_INT(pick(T0, 1), 0);
	return 0;
}

static int
t_roundrobin(void)
{
	static const int want[] = { 0, 1, 2, 0, 1, 2, 0 };
	size_t i;

	pol_init(CONF_POLICY_ROUNDROBIN, 3);
	for (i = 0; i < nitems(want); i++)
		T_EQ_INT(pick(T0, -1), want[i]);
	pol_failed(1, T0);
	T_EQ_INT(pick(T0, -1), 2);
	T_EQ_INT(pick(T0, -1), 0);
	T_EQ_INT(pick(T0, -1), 2);
	return 0;
}

/* Lowest RTT wins; every POL_FASTEST_PROBE-th pick rotates instead. */
static int
t_fastest_rotation(void)
{
	int counts[3] = { 0, 0, 0 }, i, p;

	pol_init(CONF_POLICY_FASTEST, 3);
	pol_rtt(0, 50);
	pol_rtt(1, 10);
	pol_rtt(2, 30);
	for (i = 1; i <= 4 * POL_FASTEST_PROBE; i++) {
		p = pick(T0, -1);
		if (i % POL_FASTEST_PROBE != 0)
			T_EQ_INT(p, 1);
		counts[p]++;
	}
	/* the 4 rotating picks went round robin: 0, 1, 2, 0 */
	T_EQ_INT(counts[0], 2);
	T_EQ_INT(counts[1], 4 * POL_FASTEST_PROBE - 4 + 1);
	T_EQ_INT(counts[2], 1);
	/* the fastest backed off: the next fastest */
	pol_failed(1, T0);
	T_EQ_INT(pick(T0, -1), 2);
	/* an address never measured (srtt 0) counts as fastest */
	pol_init(CONF_POLICY_FASTEST, 2);
	pol_rtt(0, 5);
	T_EQ_INT(pick(T0, -1), 1);
	return 0;
}

static int
t_rtt_smoothing(void)
{
	pol_init(CONF_POLICY_FASTEST, 1);
	T_EQ_INT(pol_rtt_ms(0), 0);
	pol_rtt(0, 0);
	T_EQ_INT(pol_rtt_ms(0), 1);	/* measured: at least 1 */
	pol_init(CONF_POLICY_FASTEST, 1);
	pol_rtt(0, 80);
	T_EQ_INT(pol_rtt_ms(0), 80);
	pol_rtt(0, 0);
	T_EQ_INT(pol_rtt_ms(0), 70);	/* 7/8 of 80 */
	pol_rtt(0, 1000000);		/* capped at POL_RTT_MAX_MS */
	T_EQ_INT(pol_rtt_ms(0), (70 * 8 - 70 + POL_RTT_MAX_MS + 4) / 8);
	return 0;
}

static int
t_recheck(void)
{
	int probe;

	pol_init(CONF_POLICY_ORDERED, 2);
	pol_failed(0, T0);
	pol_failed(0, T0);
	pol_failed(1, T0);
	T_EQ_INT(pol_pick(T0 + 10, -1, &probe), 1);	/* a probe */
	T_EQ_INT(probe, 1);
	T_EQ_INT(pol_pick(T0 + 20, -1, &probe), -1);
	pol_recheck();
	T_EQ_INT(pol_pick(T0 + 30, -1, &probe), 0);
	T_EQ_INT(probe, 0);
	/* the doubling stays until an answer */
	T_EQ_INT(pol_failed(0, T0 + 30), 4000);
	return 0;
}

/* The per-interval mean for the sample ring: reset by each take. */
static int
t_rtt_take(void)
{
	pol_init(CONF_POLICY_ORDERED, 2);
	T_EQ_INT(pol_rtt_take(0), 0);
	pol_rtt(0, 10);
	pol_rtt(0, 21);
	pol_rtt(1, 0);
	T_EQ_INT(pol_rtt_take(0), 16);	/* 15.5 rounds up */
	T_EQ_INT(pol_rtt_take(0), 0);
	T_EQ_INT(pol_rtt_take(1), 1);	/* measured: at least 1 */
	pol_rtt(0, 10 * POL_RTT_MAX_MS);
	T_EQ_INT(pol_rtt_take(0), POL_RTT_MAX_MS);
	return 0;
}

/* Health carried by a reload: back as it was, or healthy when it makes
 * no sense. */
static int
t_health_carried(void)
{
	struct pol_health hl;

	pol_init(CONF_POLICY_ORDERED, 3);
	pol_failed(0, T0);
	pol_failed(0, T0);		/* 2 s, until T0 + 2 s */
	pol_rtt(0, 40);
	pol_health_get(0, &hl);
	T_EQ_INT(hl.backoff_ms, 2000);
	pol_init(CONF_POLICY_ORDERED, 3);	/* the next image */
	pol_health_set(1, &hl, T0 + 500);
	T_EQ_INT(pol_is_failing(1), 1);
	T_EQ_INT(pol_rtt_ms(1), 40);
	T_EQ_INT(pick(T0 + 1999, -1), 0);	/* 1 still waits */
	T_EQ_INT(pick(T0 + 1999, 0), 2);
	T_EQ_INT(pick(T0 + 2000, 0), 1);
	/* the doubling goes on from 2 s */
	T_EQ_INT(pol_failed(1, T0 + 2000), 4000);
	/* a wait far in the future ends by now + back-off */
	hl.backoff_until_ms = T0 + 1000000;
	pol_health_set(2, &hl, T0);
	T_EQ_INT(pick(T0 + 2000, 0), 2);
	/* garbage: back-off out of range means healthy, RTT capped */
	hl.backoff_ms = POL_BACKOFF_MAX_MS + 1;
	hl.srtt8 = UINT32_MAX;
	pol_health_set(0, &hl, T0);
	T_EQ_INT(pol_is_failing(0), 0);
	T_EQ_INT(pol_rtt_ms(0), POL_RTT_MAX_MS);
	hl.backoff_ms = 1;
	pol_health_set(0, &hl, T0);
	T_EQ_INT(pol_is_failing(0), 0);
	return 0;
}

static const struct t_case cases[] = {
	{ "rtt_take",		t_rtt_take },
	{ "health_carried",	t_health_carried },
	{ "backoff_doubling",	t_backoff_doubling },
	{ "backed_off_skipped",	t_backed_off_skipped },
	{ "probe_once_a_second", t_probe_once_a_second },
	{ "no_address",		t_no_address },
	{ "resend_avoids",	t_resend_avoids },
	{ "roundrobin",		t_roundrobin },
	{ "fastest_rotation",	t_fastest_rotation },
	{ "rtt_smoothing",	t_rtt_smoothing },
	{ "recheck",		t_recheck },
};

T_MAIN("policy", cases)
