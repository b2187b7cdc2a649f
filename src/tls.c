/* SPDX-License-Identifier: MIT */
/*
 * tls.c: one BearSSL TLS 1.2 client engine per upstream connection:
 * context set-up (ECDHE + AEAD suites only, the faster cipher on this
 * CPU first), entropy, the socket pump with a read-ahead shared by all
 * connections, plaintext windows, session resumption and readable error
 * names.  Knows nothing of DNS; X.509 policy is in cert.c.
 */
#include <sys/types.h>
#include <sys/random.h>
#include <sys/socket.h>

#include <errno.h>
#include <poll.h>
#include <string.h>

#include "log.h"
#include "tls.h"

#define TLS_SEED_LEN	32	/* bytes injected per handshake */

static int	sock_write(struct tls_conn *, int);
static int	sock_read(struct tls_conn *, int);
static void	note_state(struct tls_conn *, unsigned);
static const char *alert_name(int);
static const char *engine_errstr(int);

/*
 * ChaCha20 first: fastest without AES instructions (MIPS and ARM
 * routers, see TOOLCHAIN.md); then AES-GCM.  ECDSA before RSA for each
 * cipher.
 */
static const uint16_t suites_chacha[] = {
	BR_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
	BR_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
	BR_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
	BR_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
	BR_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
	BR_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384
};

/* Where BearSSL has hardware AES (x86 AES-NI): AES-GCM first. */
static const uint16_t suites_aes[] = {
	BR_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
	BR_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
	BR_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
	BR_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
	BR_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
	BR_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256
};

/* The read-ahead (see tls_io): its bytes belong to stage_owner. */
static uint8_t		 stage[TLS_STAGE_CAP];
static struct tls_conn	*stage_owner;
static size_t		 stage_off, stage_len;

static const struct {
	uint16_t	 id;
	const char	*name;
} tls_suite_names[] = {
	{ BR_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
	    "ECDHE-ECDSA-CHACHA20-POLY1305" },
	{ BR_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
	    "ECDHE-RSA-CHACHA20-POLY1305" },
	{ BR_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
	    "ECDHE-ECDSA-AES128-GCM-SHA256" },
	{ BR_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
	    "ECDHE-RSA-AES128-GCM-SHA256" },
	{ BR_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
	    "ECDHE-ECDSA-AES256-GCM-SHA384" },
	{ BR_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
	    "ECDHE-RSA-AES256-GCM-SHA384" }
};

/* see tls.h */
void
tls_init(struct tls_conn *t, uint8_t *iobuf,
    const br_x509_trust_anchor *tas, size_t n_tas,
    const uint8_t (*pin)[32], int n_pin)
{
	br_ssl_engine_context *eng = &t->cc.eng;

	memset(t, 0, sizeof(*t));
	t->iobuf = iobuf;
	br_ssl_client_zero(&t->cc);
	br_ssl_engine_set_versions(eng, BR_TLS12, BR_TLS12);
	/* BearSSL's AES-GCM then runs on AES-NI and PCLMULQDQ */
	if (tls_aes_hw())
		br_ssl_engine_set_suites(eng, suites_aes, nitems(suites_aes));
	else
		br_ssl_engine_set_suites(eng, suites_chacha,
		    nitems(suites_chacha));
	/*
	 * SHA-256 and SHA-384 cover the PRFs, the transcript and the
	 * ServerKeyExchange signatures we advertise; no SHA-1 or MD5
	 * (TLS 1.2 only).
	 */
	br_ssl_engine_set_hash(eng, br_sha256_ID, &br_sha256_vtable);
	br_ssl_engine_set_hash(eng, br_sha384_ID, &br_sha384_vtable);
	br_ssl_engine_set_prf_sha256(eng, &br_tls12_sha256_prf);
	br_ssl_engine_set_prf_sha384(eng, &br_tls12_sha384_prf);
	/* Also sets the default EC implementation (ECDHE). */
	br_ssl_engine_set_default_ecdsa(eng);
	br_ssl_engine_set_default_rsavrfy(eng);
	br_ssl_engine_set_default_aes_gcm(eng);
	br_ssl_engine_set_default_chapol(eng);
	/* No static-RSA suites, so no br_ssl_client_set_default_rsapub(). */
	cert_init(&t->cert, eng, tas, n_tas, pin, n_pin);
	/*
	 * A small output buffer makes BearSSL send max_fragment_length
	 * (512); input stays full size, servers often ignore the request.
	 */
	br_ssl_engine_set_buffers_bidi(eng, iobuf, TLS_IN_CAP,
	    iobuf + TLS_IN_CAP, TLS_OUT_CAP);
	br_ssl_engine_add_flags(eng, BR_OPT_NO_RENEGOTIATION);
}

/* see tls.h */
int
tls_start(struct tls_conn *t, const char *server_name)
{
	br_ssl_engine_context *eng = &t->cc.eng;
	uint8_t seed[TLS_SEED_LEN];
	ssize_t n;

	tls_detach(t);
	t->sock_err = 0;
	t->eof = 0;
	t->start_err = 0;
	t->is_ready = 0;
	t->resumed = 0;
	t->closing = 0;
	if (server_name == NULL || server_name[0] == '\0' ||
	    strlen(server_name) >= sizeof(t->name)) {
		t->start_err = -1;
		return -1;
	}
	/* A resumed handshake skips X.509: only for the same name. */
	if (strcmp(t->name, server_name) != 0) {
		t->has_session = 0;
		memcpy(t->name, server_name, strlen(server_name) + 1);
	}
	/*
	 * Non-blocking: before the kernel's pool is ready (early boot)
	 * fail this attempt rather than stall the event loop.
	 */
	do
		n = getrandom(seed, sizeof(seed), GRND_NONBLOCK);
	while (n == -1 && errno == EINTR);
	if (n != (ssize_t)sizeof(seed)) {
		t->start_err = n == -1 ? errno : EAGAIN;
		return -1;
	}
	br_ssl_engine_inject_entropy(eng, seed, sizeof(seed));
	memset(seed, 0, sizeof(seed));
	if (t->has_session)
		br_ssl_engine_set_session_parameters(eng, &t->session);
	if (!br_ssl_client_reset(&t->cc, server_name, t->has_session))
		return -1;	/* engine closed; tls_errstr() reads why */
	return 0;
}

/* see tls.h */
int
tls_io(struct tls_conn *t, int fd)
{
	unsigned st;
	int r, wr_blocked = 0, rd_blocked = 0;

	if (t->eof || t->sock_err != 0)
		return -1;
	for (;;) {
		st = br_ssl_engine_current_state(&t->cc.eng);
		note_state(t, st);
		if (st & BR_SSL_CLOSED)
			break;
		if ((st & BR_SSL_SENDREC) && !wr_blocked) {
			if ((r = sock_write(t, fd)) == -1)
				break;
			wr_blocked = r == 0;
		} else if ((st & BR_SSL_RECVREC) && !rd_blocked) {
			if ((r = sock_read(t, fd)) == -1)
				break;
			rd_blocked = r == 0;
		} else
			return 0;
	}
	/* Whatever broke a handshake, do not offer that session again. */
	if (!t->is_ready)
		t->has_session = 0;
	return -1;
}

/* Returns 1 when bytes moved, 0 when the socket would block, or -1. */
static int
sock_write(struct tls_conn *t, int fd)
{
	uint8_t *buf;
	size_t len;
	ssize_t n;

	buf = br_ssl_engine_sendrec_buf(&t->cc.eng, &len);
	do
		n = send(fd, buf, len, MSG_NOSIGNAL);
	while (n == -1 && errno == EINTR);
	if (n == -1) {
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return 0;
		t->sock_err = errno;
		return -1;
	}
	br_ssl_engine_sendrec_ack(&t->cc.eng, (size_t)n);
	return 1;
}

/*
 * Returns 1 when bytes moved, 0 when the socket would block (or a short
 * read said it is empty), or -1.  With the read-ahead free, one recv()
 * takes all the socket has; the engine gets its record from it now and
 * the rest on the next calls (and tls_pending() says so meanwhile).
 */
static int
sock_read(struct tls_conn *t, int fd)
{
	uint8_t *buf, *to;
	size_t len, cap;
	ssize_t n;

	buf = br_ssl_engine_recvrec_buf(&t->cc.eng, &len);
	if (stage_owner == t) {
		n = (ssize_t)MIN(len, stage_len);
		memcpy(buf, stage + stage_off, (size_t)n);
		stage_off += (size_t)n;
		stage_len -= (size_t)n;
		if (stage_len == 0)
			stage_owner = NULL;
		br_ssl_engine_recvrec_ack(&t->cc.eng, (size_t)n);
		return 1;
	}
	if (t->rd_drained)
		return 0;
	to = stage_owner == NULL ? stage : buf;
	cap = stage_owner == NULL ? sizeof(stage) : len;
	do
		n = recv(fd, to, cap, 0);
	while (n == -1 && errno == EINTR);
	if (n == -1) {
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return 0;
		t->sock_err = errno;
		return -1;
	}
	if (n == 0) {
		t->eof = 1;
		return -1;
	}
	/* less than asked for: the socket is empty now */
	if ((size_t)n < cap)
		t->rd_drained = 1;
	if (to == buf) {
		br_ssl_engine_recvrec_ack(&t->cc.eng, (size_t)n);
		return 1;
	}
	stage_owner = t;
	stage_off = 0;
	stage_len = (size_t)n;
	return sock_read(t, fd);
}

/* see tls.h */
int
tls_pending(const struct tls_conn *t)
{
	return stage_owner == t && stage_len > 0;
}

/* see tls.h */
void
tls_defer_reads(struct tls_conn *t)
{
	t->rd_drained = 1;
}

/* see tls.h */
void
tls_detach(struct tls_conn *t)
{
	if (stage_owner == t) {
		stage_owner = NULL;
		stage_len = 0;
	}
	t->rd_drained = 0;
}

/* see tls.h */
int
tls_aes_hw(void)
{
	return br_aes_x86ni_ctr_get_vtable() != NULL;
}

/*
 * Handshake bookkeeping from the engine state: once application data
 * may flow, keep the session for next time and tell whether this one
 * was resumed (BearSSL's rule: the server echoed our session ID).
 */
static void
note_state(struct tls_conn *t, unsigned st)
{
	br_ssl_session_parameters sp;

	if (!t->is_ready && (st & (BR_SSL_SENDAPP | BR_SSL_RECVAPP))) {
		t->is_ready = 1;
		br_ssl_engine_get_session_parameters(&t->cc.eng, &sp);
		t->resumed = t->has_session && sp.session_id_len > 0 &&
		    sp.session_id_len == t->session.session_id_len &&
		    memcmp(sp.session_id, t->session.session_id,
		    sp.session_id_len) == 0;
		t->session = sp;
		t->has_session = sp.session_id_len > 0;
	}
}

/* see tls.h */
short
tls_events(struct tls_conn *t)
{
	unsigned st;
	short ev = 0;

	t->rd_drained = 0;	/* poll() tells anew */
	if (t->eof || t->sock_err != 0)
		return 0;
	st = br_ssl_engine_current_state(&t->cc.eng);
	if (st & BR_SSL_CLOSED)
		return 0;
	if (st & BR_SSL_SENDREC)
		ev |= POLLOUT;
	if (st & BR_SSL_RECVREC)
		ev |= POLLIN;
	return ev;
}

/* see tls.h */
int
tls_is_ready(const struct tls_conn *t)
{
	return t->is_ready;
}

/* see tls.h */
void
tls_forget_session(struct tls_conn *t)
{
	/* no write when there is none: a context never used stays clean */
	if (t->has_session)
		t->has_session = 0;
}

/* see tls.h */
int
tls_resumed(const struct tls_conn *t)
{
	return t->resumed;
}

/* see tls.h */
uint8_t *
tls_out(struct tls_conn *t, size_t *cap)
{
	uint8_t *p;

	if ((p = br_ssl_engine_sendapp_buf(&t->cc.eng, cap)) == NULL)
		*cap = 0;
	return p;
}

/* see tls.h */
void
tls_out_ack(struct tls_conn *t, size_t n)
{
	br_ssl_engine_sendapp_ack(&t->cc.eng, n);
}

/* see tls.h */
void
tls_flush(struct tls_conn *t)
{
	br_ssl_engine_flush(&t->cc.eng, 0);
}

/* see tls.h */
uint8_t *
tls_in(struct tls_conn *t, size_t *len)
{
	uint8_t *p;

	if ((p = br_ssl_engine_recvapp_buf(&t->cc.eng, len)) == NULL)
		*len = 0;
	return p;
}

/* see tls.h */
void
tls_in_ack(struct tls_conn *t, size_t n)
{
	br_ssl_engine_recvapp_ack(&t->cc.eng, n);
}

/* see tls.h */
void
tls_close(struct tls_conn *t)
{
	t->closing = 1;
	if (t->is_ready && !t->eof && t->sock_err == 0)
		br_ssl_engine_close(&t->cc.eng);
}

/* see tls.h */
enum tls_fail
tls_fail_kind(const struct tls_conn *t)
{
	int err;

	if (t->start_err != 0)
		return TLS_F_PROTO;
	if (t->sock_err != 0 || t->eof)
		return TLS_F_NETWORK;
	err = br_ssl_engine_last_error(&t->cc.eng);
	if (err == BR_ERR_OK)
		return (br_ssl_engine_current_state(&t->cc.eng) &
		    BR_SSL_CLOSED) && !t->closing ? TLS_F_ALERT : TLS_F_NONE;
	if ((err >= BR_ERR_X509_OK && err <= BR_ERR_X509_NOT_TRUSTED) ||
	    err == BR_ERR_WRONG_KEY_USAGE)
		return TLS_F_CERT;
	if (err >= BR_ERR_RECV_FATAL_ALERT && err < BR_ERR_SEND_FATAL_ALERT)
		return TLS_F_ALERT;
	return TLS_F_PROTO;
}

/* see tls.h */
const char *
tls_errstr(const struct tls_conn *t)
{
	static char buf[96];
	const char *s;
	int err;

	if (t->start_err == -1)
		return "no server name, or too long";
	if (t->start_err != 0) {
		snprintf(buf, sizeof(buf), "no entropy (getrandom: %s)",
		    log_errstr(t->start_err));
		return buf;
	}
	if (t->sock_err != 0)
		return log_errstr(t->sock_err);

	err = br_ssl_engine_last_error(&t->cc.eng);
	if (err == BR_ERR_OK) {
		if (t->eof)
			return t->is_ready ? "closed by peer" :
			    "closed by peer during handshake";
		if (br_ssl_engine_current_state(&t->cc.eng) & BR_SSL_CLOSED)
			return t->closing ? "closed" :
			    "closed by peer (close_notify)";
		return "no error";
	}
	if (err >= BR_ERR_SEND_FATAL_ALERT) {
		err -= BR_ERR_SEND_FATAL_ALERT;
		s = alert_name(err);
		snprintf(buf, sizeof(buf), "sent alert %d%s%s%s", err,
		    s != NULL ? " (" : "", s != NULL ? s : "",
		    s != NULL ? ")" : "");
		return buf;
	}
	if (err >= BR_ERR_RECV_FATAL_ALERT) {
		err -= BR_ERR_RECV_FATAL_ALERT;
		s = alert_name(err);
		snprintf(buf, sizeof(buf), "alert %d from peer%s%s%s", err,
		    s != NULL ? " (" : "", s != NULL ? s : "",
		    s != NULL ? ")" : "");
		return buf;
	}
	if (err >= BR_ERR_X509_OK && err <= BR_ERR_X509_NOT_TRUSTED)
		return cert_errstr(&t->cert);
	if ((s = engine_errstr(err)) != NULL)
		return s;
	snprintf(buf, sizeof(buf), "TLS error %d", err);
	return buf;
}

/* see tls.h */
const char *
tls_suite(const struct tls_conn *t)
{
	size_t i;

	if (!t->is_ready)
		return "none";
	for (i = 0; i < nitems(tls_suite_names); i++)
		if (tls_suite_names[i].id == t->session.cipher_suite)
			return tls_suite_names[i].name;
	return "unknown";
}

/* RFC 5246 section 7.2 names of the alerts a server may send. */
static const char *
alert_name(int a)
{
	switch (a) {
	case 10:
		return "unexpected message";
	case 20:
		return "bad record MAC";
	case 22:
		return "record overflow";
	case 40:
		return "handshake failure";
	case 42:
		return "bad certificate";
	case 43:
		return "unsupported certificate";
	case 46:
		return "certificate unknown";
	case 47:
		return "illegal parameter";
	case 48:
		return "unknown CA";
	case 50:
		return "decode error";
	case 51:
		return "decrypt error";
	case 70:
		return "protocol version";
	case 71:
		return "insufficient security";
	case 80:
		return "internal error";
	case 86:
		return "inappropriate fallback";
	case 90:
		return "user canceled";
	case 110:
		return "unsupported extension";
	case 112:
		return "unrecognized name";
	default:
		return NULL;
	}
}

/* BearSSL engine errors (bearssl_ssl.h) that a peer can cause. */
static const char *
engine_errstr(int err)
{
	switch (err) {
	case BR_ERR_BAD_PARAM:
		return "bad parameter";
	case BR_ERR_BAD_STATE:
		return "bad engine state";
	case BR_ERR_UNSUPPORTED_VERSION:
		return "server does not offer TLS 1.2";
	case BR_ERR_BAD_VERSION:
		return "bad record version";
	case BR_ERR_BAD_LENGTH:
		return "bad record length";
	case BR_ERR_TOO_LARGE:
		return "record too large";
	case BR_ERR_BAD_MAC:
		return "bad record MAC";
	case BR_ERR_NO_RANDOM:
		return "no entropy";
	case BR_ERR_UNKNOWN_TYPE:
		return "unknown record type";
	case BR_ERR_UNEXPECTED:
		return "unexpected message";
	case BR_ERR_BAD_CCS:
		return "bad ChangeCipherSpec";
	case BR_ERR_BAD_ALERT:
		return "bad alert";
	case BR_ERR_BAD_HANDSHAKE:
		return "bad handshake message";
	case BR_ERR_OVERSIZED_ID:
		return "oversized session ID";
	case BR_ERR_BAD_CIPHER_SUITE:
		return "server chose a suite we did not offer";
	case BR_ERR_BAD_COMPRESSION:
		return "server chose compression";
	case BR_ERR_BAD_FRAGLEN:
		return "bad max_fragment_length answer";
	case BR_ERR_BAD_SECRENEG:
		return "bad secure renegotiation";
	case BR_ERR_EXTRA_EXTENSION:
		return "unrequested extension from server";
	case BR_ERR_BAD_SNI:
		return "bad SNI";
	case BR_ERR_BAD_HELLO_DONE:
		return "bad ServerHelloDone";
	case BR_ERR_LIMIT_EXCEEDED:
		return "handshake limit exceeded";
	case BR_ERR_BAD_FINISHED:
		return "bad Finished";
	case BR_ERR_RESUME_MISMATCH:
		return "session resumption mismatch";
	case BR_ERR_INVALID_ALGORITHM:
		return "unsupported algorithm";
	case BR_ERR_BAD_SIGNATURE:
		return "bad ServerKeyExchange signature";
	case BR_ERR_WRONG_KEY_USAGE:
		return "certificate key usage mismatch";
	case BR_ERR_NO_CLIENT_AUTH:
		return "client certificate required";
	case BR_ERR_IO:
		return "I/O error";
	default:
		return NULL;
	}
}
