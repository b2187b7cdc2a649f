/* SPDX-License-Identifier: MIT */
/*
 * upstream.h: the upstream connection pool: per address 'connections'
 * persistent TLS connections, picking (ordered, roundrobin, fastest),
 * pipelining, answer matching, idle close, failure and back-off.  Talks
 * to BearSSL only through tls.h and to clients only through callbacks.
 */
#ifndef UPSTREAM_H
#define UPSTREAM_H

#include "compat.h"
#include "conf.h"
#include "qtab.h"

/*
 * How answers leave: 'answer' gets the slot and the upstream's answer
 * (editable in place, len bytes, parsed as 'm'); 'fail' gets the slot
 * and an rcode (SERVFAIL).  Both must release the slot and must not call
 * back into up_*().  The slot is already detached from every upstream.
 */
struct up_cbs {
	void	(*answer)(int slot, uint8_t *msg, size_t len,
		    const struct dns_msg *m);
	void	(*fail)(int slot, int rcode);
};

/* Build the pool from the configuration (arena).  Start-up only. */
void	up_init(const struct conf *, struct qt *, const struct up_cbs *);
/* Number of fds the pool may hold open (for loop_init). */
int	up_max_fds(const struct conf *);
/* Queue a filled slot (state QT_WAIT) for sending; may answer it at once
 * through 'fail' when no upstream can take it. */
void	up_submit(int slot);
/* Detach a slot that is being answered elsewhere (deadline). */
void	up_forget(int slot);
/*
 * The wall clock became trustworthy: connections whose certificates were
 * checked under the relaxed rule are closed and sessions forgotten, so
 * the next handshake checks validity in full.
 */
void	up_clock_synced(void);
/* Append the per-address status as a JSON array to buf (len used, cap
 * available); returns the new length (for st_status_init). */
size_t	up_status_json(char *buf, size_t len, size_t cap);
/*
 * Re-check every address now (SIGHUP; the init script sends it on WAN
 * events): back-off waits end, so the next query tries each address in
 * policy order again.  Connections and queries in flight are untouched.
 */
void	up_recheck(void);
/* Log the per-address counters (SIGUSR1). */
void	up_log_stats(void);

#endif
