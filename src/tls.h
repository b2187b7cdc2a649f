/* SPDX-License-Identifier: MIT */
/*
 * tls.h: one BearSSL client engine per upstream connection: context
 * set-up (TLS 1.2, ECDHE + AEAD: AES-GCM first where the CPU has AES
 * instructions BearSSL uses, else ChaCha20 first), entropy, the socket
 * pump, plaintext windows and error names.  Knows nothing of DNS.
 */
#ifndef TLS_H
#define TLS_H

#include <bearssl.h>

#include "cert.h"
#include "compat.h"

/*
 * Input must take a full 16 KB record (servers may ignore the
 * max_fragment_length we ask for).  Output holds one record of
 * TLS_OUT_FRAG bytes: the queries of a poll round leave in one record
 * (RFC 6066 lets us ask for 512 to 4096; BearSSL asks for the largest
 * that both buffers take).
 */
#define TLS_OUT_FRAG	2048
#define TLS_IN_CAP	BR_SSL_BUFSIZE_INPUT
#define TLS_OUT_CAP	(TLS_OUT_FRAG + 85)	/* + BearSSL's record overhead */
#define TLS_NAME_CAP	256	/* BearSSL's server_name buffer, NUL included */
/*
 * Read-ahead shared by every connection: one recv() takes what the socket
 * holds (many records); see tls_io().
 */
#define TLS_STAGE_CAP	4096

struct tls_conn {
	br_ssl_client_context	 cc;
	struct cert_ctx		 cert;
	br_ssl_session_parameters session;	/* last good session */
	int			 has_session;
	char			 name[TLS_NAME_CAP];	/* session's server */
	uint8_t			*iobuf;		/* TLS_IN_CAP + TLS_OUT_CAP */
	int			 sock_err;	/* errno of failed send/recv */
	int			 rd_drained;	/* a short read emptied the
						 * socket (until tls_events) */
	int			 eof;		/* peer closed the TCP stream */
	int			 start_err;	/* tls_start: errno, or -1 */
	int			 is_ready;	/* handshake done */
	int			 resumed;	/* ... by session resumption */
	int			 closing;	/* tls_close() was called */
};

/*
 * Prepare a client context once (at start-up): engine, suites, hashes,
 * anchors, pins (borrowed), and iobuf of TLS_IN_CAP + TLS_OUT_CAP bytes
 * (borrowed).
 */
void	tls_init(struct tls_conn *, uint8_t *iobuf,
	    const br_x509_trust_anchor *tas, size_t n_tas,
	    const uint8_t (*pin)[32], int n_pin);

/*
 * Start a handshake on a fresh socket with SNI = server_name (never
 * NULL, never empty, under TLS_NAME_CAP; the certificate must match it).
 * Resumes the saved session when there is one for that same name.  Seeds
 * from getrandom() (non-blocking).  Returns 0, or -1 (no entropy yet, no
 * name): tls_errstr() says which.
 */
int	tls_start(struct tls_conn *, const char *server_name);

/*
 * Move records between the socket and the engine until the socket would
 * block or the engine waits for the application (plaintext to take with
 * tls_in(), room to fill with tls_out()): call it again after those.
 * Reads go through a read-ahead buffer shared by all connections when it
 * is free: what the engine cannot take yet stays there for this
 * connection (tls_pending()), the others read the socket directly
 * meanwhile.  After a read that left the socket empty, no read is tried
 * again until tls_events() was asked (before the next poll()).  Writes
 * with MSG_NOSIGNAL.  Returns 0, or -1 when the connection is over
 * (engine closed, EOF, socket error), then on every later call too:
 * tls_errstr() says why.  A failed handshake forgets the saved session.
 */
int	tls_io(struct tls_conn *, int fd);

/*
 * 1 while bytes read ahead for this connection wait for the engine:
 * poll() will not report them, so call tls_io() (and take the plaintext)
 * until this is 0 or the engine takes no more.
 */
int	tls_pending(const struct tls_conn *);

/*
 * No read from the socket until the next tls_events(): for a pump that
 * comes with data to write, not from poll() (which reports input
 * anyway), so it does not try a read that would only say EAGAIN.
 */
void	tls_defer_reads(struct tls_conn *);

/* The socket is closed: forget the bytes read ahead for it. */
void	tls_detach(struct tls_conn *);

/*
 * poll() events the engine needs now: POLLIN and/or POLLOUT.  0 while it
 * waits on the application only: plaintext to take with tls_in() (no
 * record is read until that is acked) or nothing to do; so drain
 * tls_in() after every tls_io() before polling.  Call it before each
 * poll(): it also re-arms reading (see tls_io()).
 */
short	tls_events(struct tls_conn *);

/* 1 once the handshake is done (set by tls_io()). */
int	tls_is_ready(const struct tls_conn *);
/* 1 when the last handshake resumed a session (valid once ready). */
int	tls_resumed(const struct tls_conn *);

/* Plaintext out: writable window (NULL and 0 when none), then ack. */
uint8_t	*tls_out(struct tls_conn *, size_t *cap);
void	 tls_out_ack(struct tls_conn *, size_t n);
/* Push buffered plaintext into a record now. */
void	 tls_flush(struct tls_conn *);

/* Plaintext in: readable window (NULL and 0 when none), then ack. */
uint8_t	*tls_in(struct tls_conn *, size_t *len);
void	 tls_in_ack(struct tls_conn *, size_t n);

/*
 * Queue close_notify (only on an established connection); one more
 * tls_io() pushes it, best effort, then the caller closes the socket.
 */
void	 tls_close(struct tls_conn *);

/* Drop the saved session: the next handshake is a full one (X.509
 * checked again). */
void	 tls_forget_session(struct tls_conn *);

/* What kind of trouble ended a connection, for counters and policy;
 * tls_errstr() words it for people. */
enum tls_fail {
	TLS_F_NONE,		/* not over, or closed by us */
	TLS_F_NETWORK,		/* socket error, or the peer closed TCP */
	TLS_F_CERT,		/* the server's certificate was refused */
	TLS_F_ALERT,		/* a fatal alert (or close_notify) from the peer */
	TLS_F_PROTO,		/* anything else the engine or start-up refused */
};
enum tls_fail tls_fail_kind(const struct tls_conn *);

/*
 * Why the connection ended or failed: "certificate name mismatch",
 * "unknown CA", "pin mismatch", "certificate expired", "connection
 * reset", "closed by peer", "alert 40 from peer (handshake failure)"...
 * May point to a static buffer, valid until the next call.
 */
const char *tls_errstr(const struct tls_conn *);

/* 1 when BearSSL runs AES in hardware here (x86 AES-NI): AES-GCM is
 * then offered first, else ChaCha20-Poly1305. */
int	tls_aes_hw(void);

/* Negotiated suite name, e.g. "ECDHE-ECDSA-CHACHA20-POLY1305". */
const char *tls_suite(const struct tls_conn *);

#endif
