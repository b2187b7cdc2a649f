/* SPDX-License-Identifier: MIT */
/*
 * lsnconn.h: the LAN side's TCP clients: a fixed pool of accepted
 * connections (a full pool gives up an idle client of its heaviest
 * source), the 2-byte framing of DNS over TCP both ways (pipelined
 * queries, answers buffered while the client does not read), idle close
 * and the state machine.  The door (accept, allow, source_tcp, the
 * accept pause) and what a query gets are listen.c's, through the
 * callbacks.  Clients are named by their index in the pool.
 */
#ifndef LSNCONN_H
#define LSNCONN_H

#include "addr.h"
#include "compat.h"
#include "conf.h"

/*
 * The owner's side.  'query': one whole frame's message (len bytes,
 * valid during the call) from client 'cl' at 'peer'; it may answer with
 * lc_send() and may close the client.  'closed': a client is gone, the
 * pool has room again (it must not call lc_*()).
 */
struct lc_ops {
	void	(*query)(int cl, const union addr_sa *peer, const uint8_t *msg,
		    size_t len);
	void	(*closed)(void);
};

/*
 * Start-up: max_tcp_clients slots and their output buffers from the
 * arena, none written before a client comes.  lc_start registers the
 * after-hook that reads frames held back (pipeline full).
 */
void	lc_init(const struct conf *, const struct lc_ops *);
void	lc_start(void);

/* 1 when every slot is taken by a client with queries out (none may be
 * given up for a newcomer): accept must wait. */
int	lc_is_full(void);

/*
 * A newcomer: an accepted socket whose SRC_TCP reference is taken (the
 * pool gives it back at close).  A full pool first closes the client
 * it can best give up (counted as evicted).  Returns 0, or -1 when no
 * client can go after all (input reached the last idle one since
 * lc_is_full()): the caller closes fd and gives its reference back.
 */
int	lc_open(int fd, const union addr_sa *peer);

/* Clients open now. */
int	lc_n_open(void);

/* Reload's forked copy: close each client once it is idle. */
void	lc_drain(void);

/*
 * A query of client cl took a slot: one more in flight.  Returns the
 * client's generation, which the slot keeps for lc_answered().
 */
uint32_t lc_hold(int cl);

/*
 * The slot of client cl (generation gen) is answered: 0 when it is still
 * that client (one less in flight, the idle time restarts), -1 when the
 * client is gone.
 */
int	lc_answered(int cl, uint32_t gen);

/* Send one message to client cl, framed; a client that does not read
 * its answers is closed rather than buffered without bound. */
void	lc_send(int cl, const uint8_t *msg, size_t len);

/* Idle clients (no query in flight) close at their deadline; 0 when
 * held-back frames wait for this round's after-hook. */
uint64_t lc_next_deadline(void);
void	lc_expire(uint64_t now_ms);

/*
 * The 2-byte framing of DNS over TCP (RFC 1035 4.2.2, RFC 7766) as the
 * LAN side reads it: the first frame of buf[len].  LC_FRAME_OK: a whole
 * frame, *flen bytes of message at buf + 2; LC_FRAME_MORE: not whole
 * yet; LC_FRAME_BAD: a length no query has (0, over DNS_QUERY_MAX),
 * the stream is not DNS.  Pure (the fuzzer calls it too).
 */
enum { LC_FRAME_OK, LC_FRAME_MORE, LC_FRAME_BAD };
int	lc_frame(const uint8_t *buf, size_t len, size_t *flen);

#endif
