/* SPDX-License-Identifier: MIT */
/*
 * upstream.h: the upstream connection pool: per address 'connections'
 * persistent TLS connections, opened on demand; pipelining, idle close,
 * liveness probes, and what happens to the queries of a connection that
 * fails.  Which address a query goes to is policy.c's; which slot an
 * answer is for, upmatch.c's; the retry list, upretry.c's; the status
 * and counter texts, upstat.c's.  Talks to BearSSL only through tls.h
 * and to clients only through callbacks.
 */
#ifndef UPSTREAM_H
#define UPSTREAM_H

#include "compat.h"
#include "conf.h"
#include "qtab.h"
#include "upconn.h"

/*
 * How answers leave: 'answer' gets the slot and the upstream's answer
 * (editable in place, len bytes, parsed as 'm'); 'fail' gets the slot
 * and an rcode (SERVFAIL).  Both must release the slot and must not call
 * back into up_*().  The slot is already detached from every upstream.
 * 'answer' runs while a connection is read; 'fail' only from the loop's
 * after-dispatch work (never inside another module's call).
 */
struct up_cbs {
	void	(*answer)(int slot, uint8_t *msg, size_t len,
		    const struct dns_msg *m);
	void	(*fail)(int slot, int rcode);
};

struct up_counts {
	uint64_t	 queries;	/* written to a connection */
	uint64_t	 answers;
	uint64_t	 timeouts;	/* answered SERVFAIL at the deadline */
	uint64_t	 resent;
	uint64_t	 handshakes;
	uint64_t	 resumed;
	uint64_t	 failures;	/* the address backed off */
	uint64_t	 fail[UC_F_N];	/* by kind: enum uc_fail */
};

/* One address as the status and the counters show it. */
struct up_view {
	const struct addr	*sa;
	const char		*name;		/* "1.1.1.1:853 (one.one)" */
	const char		*auth_name;
	int			 is_down;
	const char		*last_err;	/* "" when none */
	uint32_t		 rtt_ms;	/* smoothed, 0: none yet */
	uint32_t		 backoff_ms;	/* 0: not backed off */
	uint32_t		 retry_in_ms;	/* until the wait ends */
	const struct up_counts	*n;
};

/* Build the pool from the configuration (arena).  Start-up only. */
void	up_init(const struct conf *, struct qt *, const struct up_cbs *);
/* Number of fds the pool may hold open (for loop_init). */
int	up_max_fds(const struct conf *);
/* Queue a filled slot (state QT_WAIT) for sending: 0, or -1 when no
 * upstream can take it now (the caller answers it). */
int	up_submit(int slot);
/* Detach a slot that is being answered elsewhere (deadline). */
void	up_forget(int slot);
/*
 * The wall clock became trustworthy: connections whose certificates were
 * checked under the relaxed rule are closed and sessions forgotten, so
 * the next handshake checks validity in full.
 */
void	up_clock_synced(void);
/*
 * Re-check every address now (SIGHUP; the init script sends it on WAN
 * events): back-off waits end, so the next query tries each address in
 * policy order again.  Connections and queries in flight are untouched.
 */
void	up_recheck(void);

/* The enabled addresses, in configuration order. */
int	up_n_addr(void);
void	up_view(int i, struct up_view *);
/* Address i's mean RTT over the answers since the previous call, 0 when
 * none came (the sample ring). */
uint32_t up_rtt_take(int i);

/*
 * Reload.  up_carry writes one INH_R_ADDR record per address: its
 * address and auth_name (the key), counters, up/down state, last error
 * and health (back-off, RTT).  up_restore takes one such record
 * (INH_RESTORE: the first address with the same key not restored yet
 * gets it all; INH_ADD: a drainer's counts are added to the first with
 * the key); a record of another length or with a bad key is ignored.
 * Returns 0 when it was used, -1 when not.  up_reset_counts zeroes every
 * counter (the drainer, whose counts are then exactly its own).
 */
struct inh_wr;
void	up_carry(struct inh_wr *);
int	up_restore(const void *p, size_t len, int mode);
void	up_reset_counts(void);

#endif
