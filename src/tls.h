/* SPDX-License-Identifier: MIT */
/*
 * tls.h: BearSSL engines: one client engine per upstream connection and
 * one server engine per DoT client of server mode, set up alike (TLS
 * 1.2, ECDHE + AEAD: AES-GCM first where the CPU has AES instructions
 * BearSSL uses, else ChaCha20 first); entropy, the socket pump,
 * plaintext windows and error names, shared by both sides through
 * struct tls_link.  Knows nothing of DNS.
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
 * Read-ahead shared by every client connection: one recv() takes what
 * the socket holds (many records); see tls_io().
 */
#define TLS_STAGE_CAP	4096

/*
 * An engine and what became of its socket: the part the pump, the
 * plaintext windows and the error names need, client or server.  Only
 * tls.c writes it.
 */
struct tls_link {
	br_ssl_engine_context	*eng;
	const struct cert_ctx	*cert;		/* client: X.509 verdict */
	int			 sock_err;	/* errno of failed send/recv */
	int			 eof;		/* peer closed the TCP stream */
	int			 start_err;	/* start: errno, or -1 */
	int			 is_ready;	/* handshake done */
	int			 closing;	/* tls_close() was called */
	int			 read_ahead;	/* a client: reads through the
						 * shared read-ahead */
	int			 rd_drained;	/* a short read emptied the
						 * socket (until tls_events) */
};

struct tls_conn {
	br_ssl_client_context	 cc;
	struct tls_link		 l;
	struct cert_ctx		 cert;
	br_ssl_session_parameters session;	/* last good session */
	int			 has_session;
	char			 name[TLS_NAME_CAP];	/* session's server */
	uint8_t			*iobuf;		/* TLS_IN_CAP + TLS_OUT_CAP */
	int			 resumed;	/* ... by session resumption */
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
 * Reads go through a read-ahead buffer shared by all client connections
 * when it is free: what the engine cannot take yet stays there for this
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

/*
 * `dotfwd query -k`: accept any certificate (chain, name, dates and
 * pins unchecked); cert_verdict() still says what the full check found.
 * The server's certificate: (valid after the handshake, until the next).
 */
void	tls_set_insecure(struct tls_conn *);
const struct cert_ctx *tls_cert(const struct tls_conn *);

/*
 * The same operations on either side's engine (see the tls_conn ones
 * above for each contract): the server side uses these directly.
 */
int	 tls_link_io(struct tls_link *, int fd);
short	 tls_link_events(struct tls_link *);
void	 tls_link_detach(struct tls_link *);
uint8_t	*tls_link_out(struct tls_link *, size_t *cap);
void	 tls_link_out_ack(struct tls_link *, size_t n);
void	 tls_link_flush(struct tls_link *);
uint8_t	*tls_link_in(struct tls_link *, size_t *len);
void	 tls_link_in_ack(struct tls_link *, size_t n);
void	 tls_link_close(struct tls_link *);
enum tls_fail tls_link_fail_kind(const struct tls_link *);
const char *tls_link_errstr(const struct tls_link *);
const char *tls_link_suite(const struct tls_link *);

/*
 * Server side (server mode).  A certificate chain (leaf first) and its
 * private key, decoded by certkey.c into caller-owned memory; engines
 * borrow it from tls_srv_start() until their handshake is done.
 */
#define TLS_CHAIN_MAX	8	/* certificates in the chain we send */
struct tls_cred {
	br_x509_certificate	 chain[TLS_CHAIN_MAX];
	size_t			 n_chain;
	int			 key_type;	/* BR_KEYTYPE_EC or _RSA */
	br_skey_decoder_context	 skey;		/* holds the decoded key */
};

/* Server engines send records of at most 4 KB (input stays full size:
 * a client's records may be 16 KB). */
#define TLS_SRV_OUT_CAP	(4096 + 85)
/* BearSSL's LRU cache takes exactly 100 bytes per session. */
#define TLS_CACHE_ENTRY	100

struct tls_srv {
	br_ssl_server_context	 sc;
	struct tls_link		 l;
	uint8_t			*iobuf;		/* TLS_IN_CAP + TLS_SRV_OUT_CAP */
};

/*
 * Start-up, once: the session cache every server engine shares (store
 * of 'len' bytes, borrowed; len 0: no resumption).
 */
void	tls_srv_cache(uint8_t *store, size_t len);
/* Start-up: a server engine on iobuf (TLS_IN_CAP + TLS_SRV_OUT_CAP
 * bytes, borrowed). */
void	tls_srv_init(struct tls_srv *, uint8_t *iobuf);
/*
 * A handshake on a fresh socket, presenting cred.  Returns 0, or -1
 * (no entropy yet): tls_link_errstr() says why.
 */
int	tls_srv_start(struct tls_srv *, const struct tls_cred *cred);

#endif
