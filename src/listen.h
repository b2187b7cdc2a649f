/* SPDX-License-Identifier: MIT */
/*
 * listen.h: the LAN side: UDP sockets and TCP listeners on every listen
 * address, accept and its back-off, the client-visible policy for bad
 * queries (check_query) and every reply to a client; the TCP client
 * connections themselves (2-byte framing, pipelining) are lsnconn.h's.
 * Never talks to upstreams except through up_submit().
 */
#ifndef LISTEN_H
#define LISTEN_H

#include "compat.h"
#include "conf.h"
#include "qtab.h"

/* Bind every listen address (exits 71 on failure).  Start-up only. */
void	lsn_init(const struct conf *, struct qt *);
int	lsn_max_fds(const struct conf *);
/* Register the bound sockets with the loop (after loop_init). */
void	lsn_start(void);

/* Reload (reload.c): the listening sockets, UDP then TCP per address;
 * whether queries or TCP clients are open; and, in the forked copy that
 * answers what is in flight, stop listening (UDP sockets are kept for
 * the answers) and close TCP clients as they become idle. */
int	lsn_fds(int *fds, int cap);
int	lsn_busy(void);
void	lsn_drain(void);

/* up_cbs: deliver an upstream answer / an error rcode; release the slot. */
void	lsn_answer(int slot, uint8_t *msg, size_t len, const struct dns_msg *);
void	lsn_fail(int slot, int rcode);
/*
 * Slots of server mode (origin QT_SRV) come through the two above too
 * (the upstream callbacks, and the deadline timer below, which serves
 * the whole table): they are handed to these, set at start-up.
 */
void	lsn_set_foreign(void (*answer)(int, uint8_t *, size_t,
	    const struct dns_msg *), void (*fail)(int, int));

/* Send the UDP answers queued this loop iteration (a loop_after hook,
 * registered after the upstream pool's, whose retries may answer too).
 * arg is unused. */
void	lsn_flush(void *arg);

/* Answer SERVFAIL to every slot past its deadline (loop timer). */
uint64_t lsn_next_deadline(void *);
void	lsn_expire(void *, uint64_t now_ms);

#endif
