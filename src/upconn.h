/* SPDX-License-Identifier: MIT */
/*
 * upconn.h: one DNS-over-TLS connection to an upstream: connect, the
 * TLS pump, the 2-byte framing of RFC 7858 both ways (answers gathered
 * across records, queued queries written in as few records as fit), and
 * its state machine.  The pool (upstream.c) decides which queries go on
 * it, matches the answers and handles failure, through the callbacks.
 */
#ifndef UPCONN_H
#define UPCONN_H

#include "addr.h"
#include "compat.h"
#include "qtab.h"
#include "tls.h"

/*
 * Answers are read in place from the TLS record that holds them.  One
 * that spans records is gathered: into the connection's own UC_PART_CAP
 * bytes when it fits, else into one big buffer shared by all connections
 * (UC_MSG_CAP: any framed DNS message), taken for the time it takes to
 * gather it; a connection that needs it while another holds it stops
 * reading until it is free (the server's data waits in TCP meanwhile).
 */
#define UC_MSG_CAP	(2 + DNS_MSG_MAX)
#define UC_PART_CAP	(2 + DNS_EDNS_SIZE)

enum uc_state { UC_CLOSED, UC_CONNECTING, UC_HANDSHAKE, UC_READY, UC_N };

/* Why a connection failed, as counted per address (see upstream.h). */
enum uc_fail {
	UC_F_NETWORK,		/* connect: refused, unreachable, reset */
	UC_F_TIMEOUT,		/* connect or handshake took too long */
	UC_F_CERT,		/* the certificate was refused */
	UC_F_TLS,		/* a TLS alert or protocol error */
	UC_F_SILENT,		/* queries out, no answer (black hole) */
	UC_F_LOST,		/* closed with queries on it: not the
				 * address's fault, they are resent */
	UC_F_N
};

struct uc;

/*
 * The owner's side.  'ready': the handshake is done.  'sent': queued
 * slot 'slot' left whole (it is off the queue).  'answer': one framed
 * message from the server (editable, len bytes).  'fail': the
 * connection is over; the owner must call uc_shut() (and may reopen
 * later).  After 'fail' the connection is not touched again by the call
 * that reported it.
 */
struct uc_ops {
	void	(*ready)(struct uc *);
	void	(*sent)(struct uc *, int slot);
	void	(*answer)(struct uc *, uint8_t *msg, size_t len);
	void	(*fail)(struct uc *, enum uc_fail, const char *why);
};

/* Embedded first in the owner's per-connection state. */
struct uc {
	const struct uc_ops *ops;
	struct qt	*qt;		/* queued slots' q[] are written */
	int		 idx;		/* qt_slot.conn */
	const char	*name;		/* for the log */
	const char	*server_name;	/* SNI, from uc_open */
	int		 fd;
	int		 h;
	enum uc_state	 state;		/* only uc_set_state() writes it */
	int		 dirty;		/* queries queued since last write */
	uint64_t	 open_deadline_ms;	/* connect + handshake */
	uint64_t	 last_used_ms;
	uint64_t	 waiting_since_ms;	/* oldest unanswered, or last
						 * answer while some are out */
	int		 q_head, q_tail;	/* slots to write, in order;
						 * linked by qt_slot.next */
	size_t		 wr_off;	/* bytes of the head written */
	const uint8_t	*probe;		/* uc_probe(): message to write */
	size_t		 probe_len;	/* 0: none */
	size_t		 probe_off;	/* bytes of it written (framed) */
	uint16_t	 probe_id;
	int		 n_queued;
	int		 n_sent;	/* written, no answer yet */
	size_t		 msg_len;	/* bytes of a spanning answer
					 * gathered in msg, prefix included */
	uint8_t		*msg;		/* part, or the shared big buffer
					 * while this connection holds it */
	uint8_t		*part;		/* UC_PART_CAP */
	struct uc	*big_next;	/* waiting for the big buffer */
	int		 big_waits;
	int		 tls_ready;	/* tls_init done (at the first
					 * uc_open: an address never used
					 * leaves its pages untouched) */
	uint8_t		*iobuf;		/* TLS_IN_CAP + TLS_OUT_CAP */
	const uint8_t	(*pin)[32];
	int		 n_pin;
	struct tls_conn	 tls;
};

/*
 * Set up a closed connection: buffers from the arena; the TLS context
 * with the anchors and pins (borrowed) is made at the first uc_open.
 * Start-up only.
 */
void	uc_init(struct uc *, const struct uc_ops *, struct qt *, int idx,
	    const char *name, const uint8_t (*pin)[32], int n_pin);

/* The connection's TLS context, made now if it was not yet (for a
 * caller that sets it up further: `dotfwd query`). */
struct tls_conn *uc_tls(struct uc *);

/*
 * Start connecting to sa; the handshake (SNI = server_name, borrowed)
 * follows by itself.  Returns 0; or, with nothing to shut, UC_ESOCKET or
 * UC_ECONNECT (errno says why) or UC_ESLOT (no loop slot left).
 */
enum { UC_ESOCKET = -1, UC_ECONNECT = -2, UC_ESLOT = -3 };
int	uc_open(struct uc *, const struct addr *sa, const char *server_name,
	    uint32_t open_ms);

/*
 * Write one extra message, not a slot: 'msg' (len bytes, borrowed until
 * written or uc_shut) with its ID replaced by 'id', at the next frame
 * boundary, ahead of the queue.  Returns 0, or -1 when one is already
 * waiting.  (The pool's liveness probe.)
 */
int	uc_probe(struct uc *, const uint8_t *msg, size_t len, uint16_t id);

/*
 * The answer side of the framing, without TLS: take plaintext from the
 * server (p, len bytes, editable) and report whole messages through
 * ops->answer (or ops->fail for a zero length).  Returns the bytes
 * consumed (at least 1 when len > 0, but 0 while a spanning answer too
 * big for the connection's own buffer waits for the shared one: then
 * stop, the connection is pumped again when it is free); call again
 * with the rest while the connection is still ready.  uc_pump() feeds
 * it; the fuzzer does too.
 */
size_t	uc_feed(struct uc *, uint8_t *p, size_t len);

/* Move what can move now, after queueing: queries out, answers already
 * read; the socket itself is read when poll() says so. */
void	uc_pump(struct uc *);

/* Close the socket (close_notify first when 'polite' and ready); the
 * queue is the owner's to empty. */
void	uc_shut(struct uc *, int polite);

#endif
