/* SPDX-License-Identifier: MIT */
/*
 * stats.h: process-wide counters (the one allowed extern) and their dump
 * on SIGUSR1.  Per-upstream counters live with the upstream pool.
 */
#ifndef STATS_H
#define STATS_H

#include "compat.h"

struct st {
	uint64_t	 start_ms;
	uint64_t	 q_udp;		/* accepted queries by transport */
	uint64_t	 q_tcp;
	uint64_t	 answered;	/* upstream answers delivered */
	uint64_t	 servfail;	/* SERVFAIL we generated */
	uint64_t	 timeouts;	/* of which: deadline passed */
	uint64_t	 refused;
	uint64_t	 formerr;
	uint64_t	 notimp;
	uint64_t	 dropped;	/* unreadable header or QR=1 */
	uint64_t	 truncated;	/* UDP answers sent with TC */
	uint64_t	 qtab_full;
	uint64_t	 tcp_accepted;
	uint64_t	 tcp_full;	/* accept paused: client pool full */
	uint64_t	 tcp_dropped;	/* client closed by us (slow, bad) */
	uint64_t	 late;		/* answers for released slots */
};

extern struct st st;

/* Log the totals, one line. */
void	st_log(uint64_t now_ms);

#endif
