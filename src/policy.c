/* SPDX-License-Identifier: MIT */
/*
 * policy.c: address choice and health (see policy.h).  One picker per
 * policy, all sharing the same notion of "usable now".
 */
#include <string.h>

#include "conf.h"
#include "mem.h"
#include "policy.h"

struct health {
	uint32_t	 backoff_ms;	/* 0: healthy */
	uint64_t	 backoff_until_ms;
	uint32_t	 srtt8;		/* smoothed RTT in 1/8 ms; 0: none */
	uint32_t	 rtt_sum_ms;	/* since the last pol_rtt_take() */
	uint32_t	 rtt_n;
};

static int	usable(int, uint64_t);
static int	pick_ordered(uint64_t, int);
static int	pick_roundrobin(uint64_t, int);
static int	pick_fastest(uint64_t, int);

/* Indexed by enum conf_policy. */
static int	(*const pickers[])(uint64_t, int) = {
	pick_ordered,
	pick_roundrobin,
	pick_fastest,
};

static struct health	*h;
static int		 n_addrs;
static int		 policy;
static int		 rr_next;
static unsigned		 n_picks;
static uint64_t		 last_probe_ms;

/* see policy.h */
void
pol_init(int pol, int n)
{
	BUG_ON(pol < 0 || pol >= (int)nitems(pickers) || n < 0);
	policy = pol;
	n_addrs = n;
	h = mem_alloc(sizeof(*h) * (size_t)MAX(n, 1));
	rr_next = 0;
	n_picks = 0;
	last_probe_ms = 0;
}

static int
usable(int i, uint64_t now)
{
	return now >= h[i].backoff_until_ms;
}

static int
pick_ordered(uint64_t now, int avoid)
{
	int i;

	for (i = 0; i < n_addrs; i++)
		if (i != avoid && usable(i, now))
			return i;
	return -1;
}

static int
pick_roundrobin(uint64_t now, int avoid)
{
	int i, k;

	for (k = 0; k < n_addrs; k++) {
		i = (rr_next + k) % n_addrs;
		if (i != avoid && usable(i, now)) {
			rr_next = (i + 1) % n_addrs;
			return i;
		}
	}
	return -1;
}

/* The lowest smoothed RTT; every POL_FASTEST_PROBE-th pick rotates, so
 * the others are measured now and then. */
static int
pick_fastest(uint64_t now, int avoid)
{
	int i, best = -1;

	if (n_picks % POL_FASTEST_PROBE == 0)
		return pick_roundrobin(now, avoid);
	for (i = 0; i < n_addrs; i++) {
		if (i == avoid || !usable(i, now))
			continue;
		if (best == -1 || h[i].srtt8 < h[best].srtt8)
			best = i;
	}
	return best;
}

/* see policy.h */
int
pol_pick(uint64_t now, int avoid, int *is_probe)
{
	int i, best;

	*is_probe = 0;
	n_picks++;
	if ((best = pickers[policy](now, avoid)) != -1)
		return best;
	if (avoid != -1 && usable(avoid, now))
		return avoid;
	if (n_addrs == 0 || now - last_probe_ms < POL_PROBE_MS)
		return -1;
	/* DNS comes back by itself: try the one whose wait ends first */
	best = 0;
	for (i = 1; i < n_addrs; i++)
		if (h[i].backoff_until_ms < h[best].backoff_until_ms)
			best = i;
	last_probe_ms = now;
	*is_probe = 1;
	return best;
}

/* see policy.h */
uint32_t
pol_failed(int i, uint64_t now)
{
	h[i].backoff_ms = h[i].backoff_ms == 0 ? POL_BACKOFF_MIN_MS :
	    MIN(h[i].backoff_ms * 2, POL_BACKOFF_MAX_MS);
	h[i].backoff_until_ms = now + h[i].backoff_ms;
	return h[i].backoff_ms;
}

/* see policy.h */
void
pol_good(int i)
{
	h[i].backoff_ms = 0;
	h[i].backoff_until_ms = 0;
}

/* see policy.h */
int
pol_is_failing(int i)
{
	return h[i].backoff_ms != 0;
}

/* see policy.h */
void
pol_rtt(int i, uint64_t rtt_ms)
{
	uint32_t s = h[i].srtt8;

	rtt_ms = MIN(rtt_ms, POL_RTT_MAX_MS);
	h[i].srtt8 = s == 0 ? (uint32_t)MAX(8 * rtt_ms, 1) :
	    (uint32_t)MAX(1, s - s / 8 + rtt_ms);
	/* 60000 ms x 71582 answers fit in 32 bits; past that the mean is
	 * of the first ones */
	if (h[i].rtt_sum_ms <= UINT32_MAX - POL_RTT_MAX_MS) {
		h[i].rtt_sum_ms += (uint32_t)rtt_ms;
		h[i].rtt_n++;
	}
}

/* see policy.h */
uint32_t
pol_rtt_take(int i)
{
	uint32_t mean;

	if (h[i].rtt_n == 0)
		return 0;
	mean = MAX(1, (h[i].rtt_sum_ms + h[i].rtt_n / 2) / h[i].rtt_n);
	h[i].rtt_sum_ms = 0;
	h[i].rtt_n = 0;
	return mean;
}

/* see policy.h */
void
pol_health_get(int i, struct pol_health *out)
{
	memset(out, 0, sizeof(*out));
	out->backoff_ms = h[i].backoff_ms;
	out->backoff_until_ms = h[i].backoff_until_ms;
	out->srtt8 = h[i].srtt8;
}

/* see policy.h */
void
pol_health_set(int i, const struct pol_health *in, uint64_t now)
{
	if (in->backoff_ms < POL_BACKOFF_MIN_MS ||
	    in->backoff_ms > POL_BACKOFF_MAX_MS) {
		h[i].backoff_ms = 0;
		h[i].backoff_until_ms = 0;
	} else {
		h[i].backoff_ms = in->backoff_ms;
		h[i].backoff_until_ms = MIN(in->backoff_until_ms,
		    now + in->backoff_ms);
	}
	h[i].srtt8 = MIN(in->srtt8, 8 * POL_RTT_MAX_MS);
}

/* see policy.h */
uint32_t
pol_rtt_ms(int i)
{
	return h[i].srtt8 == 0 ? 0 : MAX(1, (h[i].srtt8 + 4) / 8);
}

/* see policy.h */
void
pol_recheck(void)
{
	int i;

	for (i = 0; i < n_addrs; i++)
		h[i].backoff_until_ms = 0;
	last_probe_ms = 0;
}
