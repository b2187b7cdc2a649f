/* SPDX-License-Identifier: MIT */
/*
 * stats.h: process-wide counters (the one allowed extern) and their dump
 * on SIGUSR1.  Per-upstream counters live with the upstream pool.
 */
#ifndef STATS_H
#define STATS_H

#include "compat.h"

/* start_ms, then uint64_t counters only: a reload carries and adds them
 * as one array (st_restore), so a new counter needs nothing more. */
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
	uint64_t	 source_full;	/* SERVFAIL: source_inflight reached */
	uint64_t	 tcp_accepted;
	uint64_t	 tcp_full;	/* accept paused: every client busy */
	uint64_t	 tcp_refused;	/* closed at accept: outside allow */
	uint64_t	 tcp_source_full;	/* closed at accept: source_tcp */
	uint64_t	 tcp_evicted;	/* idle client closed for a newcomer */
	uint64_t	 tcp_dropped;	/* client closed by us (slow, bad) */
	uint64_t	 abandoned;	/* TCP client gone before its answer */
	uint64_t	 late;		/* answers for released slots */
};

extern struct st st;

/* Log the totals, one line. */
void	st_log(uint64_t now_ms);

/*
 * A status document, at most: the totals (< 1 KB), the history (ring.h:
 * 3 x 120 numbers and 16 RTT columns of 120, < 24 KB with 253-character
 * names) and 128 upstream addresses of < 600 bytes each (76 KB).
 */
#define ST_JSON_CAP	(128 * 1024)

/*
 * Serve `dotfwd status`: a unix socket in the abstract namespace named
 * after the configuration file's absolute path (no file to clean up, no
 * permission trouble after dropping root).  Each connection from root
 * or our own uid gets the status JSON and is closed; others are closed
 * at once.  'upstreams' appends the upstream array (JSON, no trailing
 * newline) and returns the new length.  Start-up only; exits 71 when the
 * name is taken (another dotfwd, or a squatter) or the socket fails.
 */
void	st_status_init(const char *conf_path,
	    size_t (*upstreams)(char *buf, size_t len, size_t cap),
	    int (*clock_synced)(void));

/* The rest of the document after "upstreams": 'history' appends
 * ", \"history\": {...}" (ring.c); start-up, after st_status_init. */
void	st_status_history(size_t (*history)(char *buf, size_t len,
	    size_t cap));

/*
 * Reload: st_carry writes the totals as an INH_R_TOTALS record;
 * st_restore takes one (INH_RESTORE: the previous image's totals replace
 * ours; INH_ADD: a drainer's are added), start_ms excepted (INH_ENV
 * carries it); a record of another length is ignored (-1).
 * st_reset_counts zeroes every counter but start_ms (the drainer).
 */
struct inh_wr;
void	st_carry(struct inh_wr *);
int	st_restore(const void *p, size_t len, int mode);
void	st_reset_counts(void);

/* Reload: the status listener (-1 if none) to hand over; closing it in
 * the copy that drains. */
int	st_status_fd(void);
void	st_status_close(void);

/*
 * The client: print the running daemon's status; returns an exit code:
 * 0, 69 (not running, no whole answer within 3 s or over ST_JSON_CAP),
 * 77 (the socket's owner is not root, us or the file's owner), 78, 71.
 */
int	st_status_query(const char *conf_path);

#endif
