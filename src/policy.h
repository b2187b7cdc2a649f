/* SPDX-License-Identifier: MIT */
/*
 * policy.h: which upstream address a query goes to, and each address's
 * health: back-off after failures (1 s doubling to 60 s, ended by an
 * answer or a re-check), the smoothed RTT, and one probe a second when
 * every address is backed off.  The policies (ordered, roundrobin,
 * fastest) are a table of functions indexed by conf's policy.  Knows
 * nothing of connections or TLS; does no I/O and no logging.
 */
#ifndef POLICY_H
#define POLICY_H

#include "compat.h"

#define POL_BACKOFF_MIN_MS	1000
#define POL_BACKOFF_MAX_MS	60000
#define POL_PROBE_MS		1000	/* all backed off: one attempt/s */
#define POL_FASTEST_PROBE	16	/* fastest: every Nth pick rotates */
#define POL_RTT_MAX_MS		60000	/* longer samples count as this */

/*
 * n addresses (0 allowed), in configuration order, all healthy, with
 * policy CONF_POLICY_*.  Start-up only (arena).
 */
void	 pol_init(int policy, int n);

/*
 * The address for a query at 'now' among those not backed off, by
 * policy; 'avoid' (or -1) is taken only when nothing else is.  When
 * every address is backed off: the one whose back-off ends first, at
 * most once per POL_PROBE_MS (*is_probe is then 1), else -1.
 */
int	 pol_pick(uint64_t now, int avoid, int *is_probe);

/* Address i failed at 'now': its back-off doubles (first 1 s); returns
 * the new back-off in ms. */
uint32_t pol_failed(int i, uint64_t now);
/* Address i answered: no more back-off. */
void	 pol_good(int i);
/* 1 while address i has a back-off (it failed and has not answered
 * since), whether or not the wait is over. */
int	 pol_is_failing(int i);
/* An answer came rtt_ms after its query left: smoothed 7/8 (RFC 6298
 * style, kept in 1/8 ms so it never drifts to 0). */
void	 pol_rtt(int i, uint64_t rtt_ms);
/* Smoothed RTT in ms, at least 1 once measured, 0 before. */
uint32_t pol_rtt_ms(int i);
/* Every back-off wait ends now (SIGHUP, WAN events); the doubling
 * stays until an answer. */
void	 pol_recheck(void);

/* An address's health as a reload carries it to the next image. */
struct pol_health {
	uint32_t	 backoff_ms;	/* 0: healthy */
	uint64_t	 backoff_until_ms;	/* CLOCK_MONOTONIC */
	uint32_t	 srtt8;		/* smoothed RTT in 1/8 ms; 0: none */
};

void	 pol_health_get(int i, struct pol_health *);
/* Take over a carried health at 'now', checked: a back-off outside
 * POL_BACKOFF_MIN_MS..POL_BACKOFF_MAX_MS means healthy, a wait never
 * ends later than now + the back-off, the RTT is capped at
 * POL_RTT_MAX_MS. */
void	 pol_health_set(int i, const struct pol_health *, uint64_t now);
/* The mean RTT in ms of the answers since the previous call, 0 when
 * there were none (the sample ring's per-interval value). */
uint32_t pol_rtt_take(int i);

#endif
