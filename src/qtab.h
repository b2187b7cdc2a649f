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

/*
 * A slot keeps the upstream form of its query (our ID, the client's
 * flags and question, our OPT with keepalive and padding) without its
 * trailing zero bytes (the padding): QT_Q_MAX at most.  Up to QT_Q_INLINE
 * bytes live in the slot itself; a longer one (a question name over 53
 * bytes) in the slot's row of a spill table whose pages stay untouched
 * while names are short.
 */
#define QT_Q_MAX	(DNS_HDR_LEN + DNS_NAME_WIRE_MAX + DNS_QFIXED_LEN + \
			    DNS_OPT_FIXED_LEN + 2 * DNS_OPTION_HDR_LEN)
#define QT_Q_INLINE	88	/* keeps the slot at 192 bytes (x86_64) */

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
	uint16_t	 qlen;		/* listen (qt_set_query): the
					 * upstream form's length */
	uint16_t	 q_kept;	/* qtab: bytes of it stored; the
					 * rest are zeros */
	uint8_t		 qname_len;	/* qtab */
	uint8_t		 client_do;	/* qtab: the client's DO bit */
	uint8_t		 q[QT_Q_INLINE];	/* qtab: see QT_Q_INLINE */
};

struct qt {
	struct qt_slot	*slot;
	uint8_t		(*spill)[QT_Q_MAX];	/* a row per slot */
	int		 n;		/* capacity */
	int		 n_used;
	int		 n_fresh;	/* slots from here on never used (and
					 * never written: not resident) */
	int		 free_head;	/* released slots, last first; linked
					 * through next */
	int		 oldest, newest;
	unsigned	 idx_bits;	/* ID = gen << idx_bits | index */
};

/* n slots (1..4096) from the arena; none of them is written before
 * its first qt_alloc. */
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

/*
 * Store the upstream form of a LAN query q (parsed as m, DNS_OK) in slot
 * i: header with the slot's ID, the question, and an OPT with the DO bit
 * of m, edns-tcp-keepalive when 'keepalive' and padding to pad_block
 * (see dns_build_upstream).  Sets qlen.  Returns 0, or -1 when it cannot
 * be built (then qlen is 0).
 */
int	qt_set_query(struct qt *, int i, const uint8_t *q,
	    const struct dns_msg *m, unsigned pad_block, int keepalive);
/*
 * The stored upstream form of slot i: its first *kept bytes (the rest,
 * up to qlen, are zeros).  With m not NULL, also the query as
 * dns_parse_query() would see the client's: qdcount 1, the question at
 * qname_off 12, and the client's EDNS (has_opt, the DO bit in opt_ttl).
 */
const uint8_t *qt_query(const struct qt *, int i, size_t *kept,
	    struct dns_msg *m);
/* Copy bytes [off, off + n) of slot i's upstream form to out. */
void	qt_query_copy(const struct qt *, int i, size_t off, uint8_t *out,
	    size_t n);

#endif
