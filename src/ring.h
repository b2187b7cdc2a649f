/* SPDX-License-Identifier: MIT */
/*
 * ring.h: the sample ring behind the LuCI page's live graph.  Every
 * RING_INTERVAL_MS one sample of that interval: queries, answers and
 * SERVFAIL counted in it (from st) and, per upstream address, the mean
 * RTT of its answers in it (up_rtt_take(), 0: none).  The last RING_N
 * samples are kept, the oldest overwritten.  Sized once at start-up:
 * RING_N samples with one RTT column per enabled address, at most
 * RING_MAX_COLS (the first ones in configuration order); nothing grows
 * with uptime.  `dotfwd status` shows it as "history"; a reload carries
 * it (columns follow their address and auth_name).
 */
#ifndef RING_H
#define RING_H

#include "compat.h"

#define RING_INTERVAL_MS	5000	/* the page polls every 5 s too */
#define RING_N			120	/* 10 minutes */
#define RING_MAX_COLS		16	/* a graph of more lines is unreadable */

/* Start-up, after up_init: columns for the first enabled addresses. */
void	ring_init(void);
/* Start-up, after a reload's records were restored: the first interval
 * begins (or the carried one goes on); registers the loop timer. */
void	ring_start(void);
/* One interval ended at 'now' (the loop timer; tests call it): one
 * sample, plus an empty one per interval missed (RING_N at most). */
void	ring_tick(void *arg, uint64_t now);
/* The samples in the ring (0..RING_N). */
int	ring_count(void);

/*
 * Append ", \"history\": {...}" to buf (len used, cap available):
 * interval_s, size, samples, the queries, answered and servfail arrays
 * and rtt_ms, one {address, auth_name, ms: [...]} per column, every
 * array oldest first.  Returns the new length (st_status_history's
 * callback).
 */
size_t	ring_json(char *buf, size_t len, size_t cap);

/* Reload: the ring as INH_R_RING, INH_R_RING_COL and INH_R_SAMPLE
 * records; ring_restore takes them back in that order, checked (a ring
 * of another interval or size is dropped, not adapted).  Returns 0 when
 * the record was used, -1 when not. */
struct inh_wr;
void	ring_carry(struct inh_wr *);
int	ring_restore(int type, const void *p, size_t len);

#endif
