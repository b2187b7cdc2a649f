/* SPDX-License-Identifier: MIT */
/*
 * qtab.h: the in-flight query table.  Owns the slots, the mapping
 * upstream ID <-> slot (index + generation bits) and deadline order
 * (every slot gets the same timeout, so allocation order is deadline
 * order).  Does no I/O.
 */
#ifndef QTAB_H
#define QTAB_H

#include "addr.h"
#include "compat.h"
#include "dns.h"

/* Upstream form of a query: a LAN query (<= DNS_QUERY_MAX) with our OPT
 * and padding to at most 512-byte blocks. */
#define QT_QUERY_CAP	(DNS_QUERY_MAX + 512 + 32)

/*
 * A slot's life.  qt_alloc: FREE -> WAIT (listen.c fills it and hands it
 * to up_submit).  qt_sent: WAIT -> SENT (written to a connection).
 * qt_set_state: WAIT or SENT -> RETRY (its connection failed; on the
 * upstream retry list) and RETRY -> WAIT (taken off it).  qt_release:
 * any -> FREE (answered, or failed, by listen.c).  Anything else is a
 * bug.
 */
enum qt_state { QT_FREE, QT_WAIT, QT_SENT, QT_RETRY };
enum qt_origin { QT_UDP, QT_TCP, QT_SRV };	/* QT_SRV: server mode's */

/* qt_slot.srv bits (server mode's slots only). */
#define QT_SRV_KEEPALIVE	0x01	/* the client sent edns-tcp-keepalive */
#define QT_SRV_PADDED		0x02	/* the client padded its query */
#define QT_SRV_BACKEND		0x04	/* sent to the plain DNS backend */
#define QT_SRV_TCP		0x08	/* ... and again over TCP (TC) */

/*
 * Each field is written by one module only, named after it; "listen"
 * fields are server.c's in its own slots (origin QT_SRV), and backend.c
 * sets the QT_SRV_BACKEND/TCP bits of those it sends.
 */
struct qt_slot {
	uint16_t	 gen;		/* qtab: bumped on release */
	uint8_t		 state;		/* qtab: enum qt_state */
	uint8_t		 origin;	/* listen: enum qt_origin */
	uint8_t		 n_sent;	/* qtab (qt_sent): times written */
	uint8_t		 client_edns;	/* listen: the client sent OPT */
	uint16_t	 client_id;	/* listen: restored before replying */
	uint16_t	 udp_size;	/* listen: client's UDP limit */
	uint8_t		 srv;		/* server/backend: QT_SRV_* bits */
	int32_t		 lsn;		/* listen: UDP socket or TCP client;
					 * server: its client */
	uint32_t	 lsn_gen;	/* listen: TCP client generation */
	union addr_sa	 peer;		/* listen: UDP source */
	socklen_t	 peer_len;	/* listen */
	int32_t		 conn;		/* upstream: conn, -1 if none */
	int32_t		 addr;		/* upstream: address last used, -1 */
	int32_t		 next;		/* upstream: queue or retry link */
	int32_t		 older, newer;	/* qtab: allocation (= deadline)
					 * order */
	uint64_t	 start_ms;	/* qtab */
	uint64_t	 deadline_ms;	/* qtab */
	uint64_t	 sent_ms;	/* qtab (qt_sent): last written */
	struct dns_msg	 m;		/* listen: q as parsed */
	uint16_t	 qlen;		/* listen */
	uint8_t		 q[QT_QUERY_CAP];	/* listen: upstream form,
						 * our ID */
};

struct qt {
	struct qt_slot	*slot;
	int		 n;		/* capacity */
	int		 n_used;
	int		 free_head;	/* linked through next */
	int		 oldest, newest;
	unsigned	 idx_bits;	/* ID = gen << idx_bits | index */
};

/* n slots (1..4096) from the arena. */
void	qt_init(struct qt *, int n);
/* A fresh slot (state QT_WAIT, conn/addr -1, deadline now + timeout), or
 * -1 when the table is full. */
int	qt_alloc(struct qt *, uint64_t now_ms, uint32_t timeout_ms);
/* WAIT -> SENT: counts the send and stamps sent_ms. */
void	qt_sent(struct qt *, int, uint64_t now_ms);
/* The RETRY transitions (see enum qt_state). */
void	qt_set_state(struct qt *, int, enum qt_state);
/* The only teardown path: the slot's ID stops matching. */
void	qt_release(struct qt *, int);
uint16_t qt_id(const struct qt *, int);
/* Slot whose current ID is id and that is live, else -1. */
int	qt_lookup(const struct qt *, uint16_t id);
/* Oldest live slot (earliest deadline), or -1. */
int	qt_oldest(const struct qt *);

#endif
