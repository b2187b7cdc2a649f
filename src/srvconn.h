/* SPDX-License-Identifier: MIT */
/*
 * srvconn.h: one DoT client connection of server mode, the server's
 * counterpart of upconn.h: the TLS engine's pump, the 2-byte framing of
 * RFC 7858 both ways (a frame split across records is gathered; answers
 * wait in an output buffer only while the client does not read), close
 * with or without close_notify, and the state machine.  The pool and
 * every policy (caps, deadlines, what a query gets) are server.c's,
 * through the callbacks.
 */
#ifndef SRVCONN_H
#define SRVCONN_H

#include "addr.h"
#include "compat.h"
#include "tls.h"

#define SC_FRAME_MAX	1024	/* longer frames are not DNS queries: the
				 * connection is closed */
#define SC_OUT_CAP	16384	/* answers a client has not read yet;
				 * beyond it the client is closed */

/*
 * accept: FREE -> HANDSHAKE (sc_open); the handshake done: HANDSHAKE ->
 * OPEN; closed by either side, an error or the owner: -> FREE.  Only
 * srvconn.c writes it.
 */
enum sc_state { SC_FREE, SC_HANDSHAKE, SC_OPEN, SC_N };

struct sc;

/*
 * The owner's side.  'ready': the handshake is done.  'may_take': 1 when
 * another query may be read now (else the rest waits in the engine, which
 * then reads no more records, until sc_pump()).  'query': one whole
 * frame's message (len bytes, valid during the call); it may answer with
 * sc_send() and may close the connection.  'closed': it is FREE again
 * (was_open: the handshake had been done); 'why' for the log.
 */
struct sc_ops {
	void	(*ready)(struct sc *);
	int	(*may_take)(struct sc *);
	void	(*query)(struct sc *, const uint8_t *msg, size_t len);
	void	(*closed)(struct sc *, int was_open, const char *why);
};

/* Embedded first in the owner's per-client state. */
struct sc {
	const struct sc_ops *ops;
	enum sc_state	 state;
	int		 idx;		/* for the log */
	int		 fd;		/* -1 when FREE */
	int		 h;
	uint32_t	 gen;		/* bumped on close */
	int		 dirty;		/* plaintext written: flush after */
	int		 held;		/* may_take said no: frames wait */
	uint64_t	 since_ms;	/* accepted */
	uint64_t	 active_ms;	/* last query or answer */
	union addr_sa	 peer;
	size_t		 in_len;	/* a frame gathered across records */
	size_t		 out_len;	/* framed answers not in the engine */
	uint8_t		 in[2 + SC_FRAME_MAX];
	uint8_t		*out;		/* SC_OUT_CAP */
	struct tls_srv	 tls;
};

/* Bytes of buffers sc_init() takes from the arena for one connection. */
#define SC_ARENA_BYTES	(TLS_IN_CAP + TLS_SRV_OUT_CAP + SC_OUT_CAP)

/* A FREE connection with its buffers from the arena.  Start-up only. */
void	sc_init(struct sc *, const struct sc_ops *, int idx);

/*
 * Take an accepted socket (non-blocking): the handshake starts,
 * presenting cred (borrowed until it is done).  0, or -1 when it could
 * not start: the socket is closed and 'closed' was called.
 */
int	sc_open(struct sc *, int fd, const union addr_sa *peer,
	    const struct tls_cred *cred);

/* Move what can move now: records, queries in, answers out. */
void	sc_pump(struct sc *);

/*
 * One answer to the client (len bytes; framed here): into the engine
 * when it has room, records pushed to the socket, the rest into the
 * output buffer.  A client whose unread answers pass SC_OUT_CAP is
 * closed.  Flushed by sc_flush() after the dispatch.
 */
void	sc_send(struct sc *, const uint8_t *msg, size_t len);

/* Push what sc_send() wrote into a record, then pump. */
void	sc_flush(struct sc *);

/* Close ('polite': close_notify first); 'closed' is called. */
void	sc_close(struct sc *, int polite, const char *why);

#endif
