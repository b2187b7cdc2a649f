/* SPDX-License-Identifier: MIT */
/*
 * tls.c: BearSSL TLS 1.2 engines: a client engine per upstream
 * connection and a server engine per DoT client, both with the same
 * profile (ECDHE + AEAD suites only, the faster cipher on this CPU
 * first); entropy, the socket pump (the clients' with a read-ahead they
 * share), plaintext windows, session resumption and readable error
 * messages, shared through struct tls_link.  Knows nothing of DNS; X.509
 * policy is in cert.c, the server's key and chain come from certkey.c,
 * the words for alerts, engine errors and suites from tlsname.c.
 */
#include <sys/types.h>
#include <sys/random.h>
#include <sys/socket.h>

#include <errno.h>
#include <poll.h>
#include <string.h>

#include "ec.h"
#include "fmt.h"
#include "log.h"
#include "tls.h"
#include "tlsname.h"

#define TLS_SEED_LEN	32	/* bytes injected per handshake */

static void	profile(br_ssl_engine_context *);
static int	seed(struct tls_link *);
static int	sock_write(struct tls_link *, int);
static int	sock_read(struct tls_link *, int);
static void	link_reset(struct tls_link *);
static void	note_session(struct tls_conn *);

/* The server engines' session cache (tls_srv_cache). */
static br_ssl_session_cache_lru	 srv_cache;
static int			 has_srv_cache;

/*
 * ChaCha20 first: fastest without AES instructions (MIPS and ARM
 * routers, see TOOLCHAIN.md); then AES-GCM.  ECDSA before RSA for each
 * cipher.  (A suite added here gets its name in tlsname.c.)
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

/* The clients' read-ahead (see tls_io): its bytes belong to stage_owner. */
static uint8_t		 stage[TLS_STAGE_CAP];
static struct tls_link	*stage_owner;
static size_t		 stage_off, stage_len;

/*
 * The profile both sides share.  SHA-256 and SHA-384 cover the PRFs,
 * the transcript and the ServerKeyExchange signatures of TLS 1.2 (no
 * SHA-1 or MD5); ECDHE needs the EC code, then the two AEADs.
 */
static void
profile(br_ssl_engine_context *eng)
{
	br_ssl_engine_set_versions(eng, BR_TLS12, BR_TLS12);
	/* BearSSL's AES-GCM then runs on AES-NI and PCLMULQDQ */
	if (tls_aes_hw())
		br_ssl_engine_set_suites(eng, suites_aes, nitems(suites_aes));
	else
		br_ssl_engine_set_suites(eng, suites_chacha,
		    nitems(suites_chacha));
	br_ssl_engine_set_hash(eng, br_sha256_ID, &br_sha256_vtable);
	br_ssl_engine_set_hash(eng, br_sha384_ID, &br_sha384_vtable);
	br_ssl_engine_set_prf_sha256(eng, &br_tls12_sha256_prf);
	br_ssl_engine_set_prf_sha384(eng, &br_tls12_sha384_prf);
	br_ssl_engine_set_ec(eng, ec_impl());
	br_ssl_engine_set_default_aes_gcm(eng);
	br_ssl_engine_set_default_chapol(eng);
	br_ssl_engine_add_flags(eng, BR_OPT_NO_RENEGOTIATION);
}

/* see tls.h */
void
tls_init(struct tls_conn *t, uint8_t *iobuf,
    const br_x509_trust_anchor *tas, size_t n_tas,
    const uint8_t (*pin)[32], int n_pin)
{
	br_ssl_engine_context *eng = &t->cc.eng;

	memset(t, 0, sizeof(*t));
	t->iobuf = iobuf;
	t->l.eng = eng;
	t->l.cert = &t->cert;
	t->l.read_ahead = 1;
	br_ssl_client_zero(&t->cc);
	profile(eng);
	/* Server signatures; no static-RSA suites, so no rsapub. */
	br_ssl_engine_set_ecdsa(eng, br_ecdsa_vrfy_asn1_get_default());
	br_ssl_engine_set_default_rsavrfy(eng);
	cert_init(&t->cert, eng, tas, n_tas, pin, n_pin);
	/*
	 * A small output buffer makes BearSSL send max_fragment_length
	 * (512); input stays full size, servers often ignore the request.
	 */
	br_ssl_engine_set_buffers_bidi(eng, iobuf, TLS_IN_CAP,
	    iobuf + TLS_IN_CAP, TLS_OUT_CAP);
}

static void
link_reset(struct tls_link *l)
{
	tls_link_detach(l);
	l->sock_err = 0;
	l->eof = 0;
	l->start_err = 0;
	l->is_ready = 0;
	l->closing = 0;
}

/*
 * Entropy for one handshake.  Non-blocking: before the kernel's pool is
 * ready (early boot) fail this attempt rather than stall the event loop.
 */
static int
seed(struct tls_link *l)
{
	uint8_t buf[TLS_SEED_LEN];
	ssize_t n;

	do
		n = getrandom(buf, sizeof(buf), GRND_NONBLOCK);
	while (n == -1 && errno == EINTR);
	if (n != (ssize_t)sizeof(buf)) {
		l->start_err = n == -1 ? errno : EAGAIN;
		return -1;
	}
	br_ssl_engine_inject_entropy(l->eng, buf, sizeof(buf));
	memset(buf, 0, sizeof(buf));
	return 0;
}

/* see tls.h */
int
tls_start(struct tls_conn *t, const char *server_name)
{
	link_reset(&t->l);
	t->resumed = 0;
	/* no name (no SNI) only without authentication (query -k) */
	if (server_name == NULL || (server_name[0] == '\0' &&
	    !t->cert.insecure) || strlen(server_name) >= sizeof(t->name)) {
		t->l.start_err = -1;
		return -1;
	}
	/* A resumed handshake skips X.509: only for the same name. */
	if (strcmp(t->name, server_name) != 0) {
		t->has_session = 0;
		memcpy(t->name, server_name, strlen(server_name) + 1);
	}
	if (seed(&t->l) == -1)
		return -1;
	if (t->has_session)
		br_ssl_engine_set_session_parameters(&t->cc.eng, &t->session);
	if (!br_ssl_client_reset(&t->cc, server_name, t->has_session))
		return -1;	/* engine closed; tls_errstr() reads why */
	return 0;
}

/* see tls.h */
int
tls_io(struct tls_conn *t, int fd)
{
	int was_ready = t->l.is_ready, r;

	r = tls_link_io(&t->l, fd);
	if (!was_ready && t->l.is_ready)
		note_session(t);
	/* Whatever broke a handshake, do not offer that session again. */
	if (r == -1 && !t->l.is_ready)
		t->has_session = 0;
	return r;
}

/* see tls.h */
int
tls_link_io(struct tls_link *l, int fd)
{
	unsigned st;
	int r, wr_blocked = 0, rd_blocked = 0;

	if (l->eof || l->sock_err != 0)
		return -1;
	for (;;) {
		st = br_ssl_engine_current_state(l->eng);
		if (st & (BR_SSL_SENDAPP | BR_SSL_RECVAPP))
			l->is_ready = 1;
		if (st & BR_SSL_CLOSED)
			return -1;
		if ((st & BR_SSL_SENDREC) && !wr_blocked) {
			if ((r = sock_write(l, fd)) == -1)
				return -1;
			wr_blocked = r == 0;
		} else if ((st & BR_SSL_RECVREC) && !rd_blocked) {
			if ((r = sock_read(l, fd)) == -1)
				return -1;
			rd_blocked = r == 0;
		} else
			return 0;
	}
}

/* Returns 1 when bytes moved, 0 when the socket would block, or -1. */
static int
sock_write(struct tls_link *l, int fd)
{
	uint8_t *buf;
	size_t len;
	ssize_t n;

	buf = br_ssl_engine_sendrec_buf(l->eng, &len);
	do
		n = send(fd, buf, len, MSG_NOSIGNAL);
	while (n == -1 && errno == EINTR);
	if (n == -1) {
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return 0;
		l->sock_err = errno;
		return -1;
	}
	br_ssl_engine_sendrec_ack(l->eng, (size_t)n);
	return 1;
}

/*
 * Returns 1 when bytes moved, 0 when the socket would block (or a short
 * read said it is empty), or -1.  A client's link with the read-ahead
 * free takes all the socket has in one recv(); the engine gets its
 * record from it now and the rest on the next calls (tls_pending() says
 * so meanwhile).
 */
static int
sock_read(struct tls_link *l, int fd)
{
	uint8_t *buf, *to;
	size_t len, cap;
	ssize_t n;

	buf = br_ssl_engine_recvrec_buf(l->eng, &len);
	if (stage_owner == l) {
		n = (ssize_t)MIN(len, stage_len);
		memcpy(buf, stage + stage_off, (size_t)n);
		stage_off += (size_t)n;
		stage_len -= (size_t)n;
		if (stage_len == 0)
			stage_owner = NULL;
		br_ssl_engine_recvrec_ack(l->eng, (size_t)n);
		return 1;
	}
	if (l->rd_drained)
		return 0;
	to = l->read_ahead && stage_owner == NULL ? stage : buf;
	cap = to == stage ? sizeof(stage) : len;
	do
		n = recv(fd, to, cap, 0);
	while (n == -1 && errno == EINTR);
	if (n == -1) {
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return 0;
		l->sock_err = errno;
		return -1;
	}
	if (n == 0) {
		l->eof = 1;
		return -1;
	}
	/* less than asked for: the socket is empty now (until poll()
	 * says otherwise: only clients ask tls_events() every round) */
	if ((size_t)n < cap && l->read_ahead)
		l->rd_drained = 1;
	if (to == buf) {
		br_ssl_engine_recvrec_ack(l->eng, (size_t)n);
		return 1;
	}
	stage_owner = l;
	stage_off = 0;
	stage_len = (size_t)n;
	return sock_read(l, fd);
}

/* see tls.h */
int
tls_pending(const struct tls_conn *t)
{
	return stage_owner == &t->l && stage_len > 0;
}

/* see tls.h */
void
tls_defer_reads(struct tls_conn *t)
{
	t->l.rd_drained = 1;
}

/* see tls.h */
void
tls_detach(struct tls_conn *t)
{
	tls_link_detach(&t->l);
}

/* see tls.h */
void
tls_link_detach(struct tls_link *l)
{
	if (stage_owner == l) {
		stage_owner = NULL;
		stage_len = 0;
	}
	l->rd_drained = 0;
}

/* see tls.h */
int
tls_aes_hw(void)
{
	return br_aes_x86ni_ctr_get_vtable() != NULL;
}

/*
 * The handshake is done: keep the session for next time and tell
 * whether this one was resumed (BearSSL's rule: the server echoed our
 * session ID).
 */
static void
note_session(struct tls_conn *t)
{
	br_ssl_session_parameters sp;

	br_ssl_engine_get_session_parameters(&t->cc.eng, &sp);
	t->resumed = t->has_session && sp.session_id_len > 0 &&
	    sp.session_id_len == t->session.session_id_len &&
	    memcmp(sp.session_id, t->session.session_id,
	    sp.session_id_len) == 0;
	t->session = sp;
	t->has_session = sp.session_id_len > 0;
}

/* see tls.h */
short
tls_events(struct tls_conn *t)
{
	return tls_link_events(&t->l);
}

/* see tls.h */
short
tls_link_events(struct tls_link *l)
{
	unsigned st;
	short ev = 0;

	l->rd_drained = 0;	/* poll() tells anew */
	if (l->eof || l->sock_err != 0)
		return 0;
	st = br_ssl_engine_current_state(l->eng);
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
	return t->l.is_ready;
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
	return tls_link_out(&t->l, cap);
}

/* see tls.h */
uint8_t *
tls_link_out(struct tls_link *l, size_t *cap)
{
	uint8_t *p;

	if ((p = br_ssl_engine_sendapp_buf(l->eng, cap)) == NULL)
		*cap = 0;
	return p;
}

/* see tls.h */
void
tls_out_ack(struct tls_conn *t, size_t n)
{
	tls_link_out_ack(&t->l, n);
}

/* see tls.h */
void
tls_link_out_ack(struct tls_link *l, size_t n)
{
	br_ssl_engine_sendapp_ack(l->eng, n);
}

/* see tls.h */
void
tls_flush(struct tls_conn *t)
{
	tls_link_flush(&t->l);
}

/* see tls.h */
void
tls_link_flush(struct tls_link *l)
{
	br_ssl_engine_flush(l->eng, 0);
}

/* see tls.h */
uint8_t *
tls_in(struct tls_conn *t, size_t *len)
{
	return tls_link_in(&t->l, len);
}

/* see tls.h */
uint8_t *
tls_link_in(struct tls_link *l, size_t *len)
{
	uint8_t *p;

	if ((p = br_ssl_engine_recvapp_buf(l->eng, len)) == NULL)
		*len = 0;
	return p;
}

/* see tls.h */
void
tls_in_ack(struct tls_conn *t, size_t n)
{
	tls_link_in_ack(&t->l, n);
}

/* see tls.h */
void
tls_link_in_ack(struct tls_link *l, size_t n)
{
	br_ssl_engine_recvapp_ack(l->eng, n);
}

/* see tls.h */
void
tls_close(struct tls_conn *t)
{
	tls_link_close(&t->l);
}

/* see tls.h */
void
tls_link_close(struct tls_link *l)
{
	l->closing = 1;
	if (l->is_ready && !l->eof && l->sock_err == 0)
		br_ssl_engine_close(l->eng);
}

/* see tls.h */
enum tls_fail
tls_fail_kind(const struct tls_conn *t)
{
	return tls_link_fail_kind(&t->l);
}

/* see tls.h */
enum tls_fail
tls_link_fail_kind(const struct tls_link *l)
{
	int err;

	if (l->start_err != 0)
		return TLS_F_PROTO;
	if (l->sock_err != 0 || l->eof)
		return TLS_F_NETWORK;
	err = br_ssl_engine_last_error(l->eng);
	if (err == BR_ERR_OK)
		return (br_ssl_engine_current_state(l->eng) &
		    BR_SSL_CLOSED) && !l->closing ? TLS_F_ALERT : TLS_F_NONE;
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
	return tls_link_errstr(&t->l);
}

/* see tls.h */
const char *
tls_link_errstr(const struct tls_link *l)
{
	static char buf[96];
	const char *s;
	int err;

	if (l->start_err == -1)
		return "no server name, or too long";
	if (l->start_err != 0) {
		fmt_snprintf(buf, sizeof(buf), "no entropy (getrandom: %s)",
		    log_errstr(l->start_err));
		return buf;
	}
	if (l->sock_err != 0)
		return log_errstr(l->sock_err);

	err = br_ssl_engine_last_error(l->eng);
	if (err == BR_ERR_OK) {
		if (l->eof)
			return l->is_ready ? "closed by peer" :
			    "closed by peer during handshake";
		if (br_ssl_engine_current_state(l->eng) & BR_SSL_CLOSED)
			return l->closing ? "closed" :
			    "closed by peer (close_notify)";
		return "no error";
	}
	if (err >= BR_ERR_SEND_FATAL_ALERT) {
		err -= BR_ERR_SEND_FATAL_ALERT;
		s = tn_alert(err);
		fmt_snprintf(buf, sizeof(buf), "sent alert %d%s%s%s", err,
		    s != NULL ? " (" : "", s != NULL ? s : "",
		    s != NULL ? ")" : "");
		return buf;
	}
	if (err >= BR_ERR_RECV_FATAL_ALERT) {
		err -= BR_ERR_RECV_FATAL_ALERT;
		s = tn_alert(err);
		fmt_snprintf(buf, sizeof(buf), "alert %d from peer%s%s%s",
		    err, s != NULL ? " (" : "", s != NULL ? s : "",
		    s != NULL ? ")" : "");
		return buf;
	}
	if (err >= BR_ERR_X509_OK && err <= BR_ERR_X509_NOT_TRUSTED &&
	    l->cert != NULL)
		return cert_errstr(l->cert);
	if ((s = tn_engine_err(err)) != NULL)
		return s;
	fmt_snprintf(buf, sizeof(buf), "TLS error %d", err);
	return buf;
}

/* see tls.h */
const char *
tls_suite(const struct tls_conn *t)
{
	return tls_link_suite(&t->l);
}

/* see tls.h */
const char *
tls_link_suite(const struct tls_link *l)
{
	br_ssl_session_parameters sp;
	const char *s;

	if (!l->is_ready)
		return "none";
	br_ssl_engine_get_session_parameters(l->eng, &sp);
	return (s = tn_suite(sp.cipher_suite)) != NULL ? s : "unknown";
}

/* see tls.h */
void
tls_set_insecure(struct tls_conn *t)
{
	cert_set_insecure(&t->cert);
}

/* see tls.h */
const struct cert_ctx *
tls_cert(const struct tls_conn *t)
{
	return &t->cert;
}

/*
 * Server side.
 */

/* see tls.h */
void
tls_srv_cache(uint8_t *store, size_t len)
{
	has_srv_cache = len >= TLS_CACHE_ENTRY;
	if (has_srv_cache)
		br_ssl_session_cache_lru_init(&srv_cache, store, len);
}

/* see tls.h */
void
tls_srv_init(struct tls_srv *s, uint8_t *iobuf)
{
	br_ssl_engine_context *eng = &s->sc.eng;

	memset(s, 0, sizeof(*s));
	s->l.eng = eng;
	s->iobuf = iobuf;
	br_ssl_server_zero(&s->sc);
	profile(eng);
	/* our order, ChaCha20 first: the cheaper one on router CPUs */
	br_ssl_engine_add_flags(eng, BR_OPT_ENFORCE_SERVER_PREFERENCES);
	if (has_srv_cache)
		br_ssl_server_set_cache(&s->sc, &srv_cache.vtable);
}

/* see tls.h */
int
tls_srv_start(struct tls_srv *s, const struct tls_cred *cr)
{
	link_reset(&s->l);
	/*
	 * Signing only (BR_KEYTYPE_SIGN): the ECDHE suites; the key's type
	 * picks the ECDSA or the RSA ones.  The issuer key type matters for
	 * static ECDH suites only, which are not offered.
	 */
	if (cr->key_type == BR_KEYTYPE_EC)
		br_ssl_server_set_single_ec(&s->sc, cr->chain, cr->n_chain,
		    br_skey_decoder_get_ec(&cr->skey), BR_KEYTYPE_SIGN,
		    BR_KEYTYPE_EC, ec_impl(),
		    br_ecdsa_sign_asn1_get_default());
	else
		br_ssl_server_set_single_rsa(&s->sc, cr->chain, cr->n_chain,
		    br_skey_decoder_get_rsa(&cr->skey), BR_KEYTYPE_SIGN,
		    br_rsa_private_get_default(),
		    br_rsa_pkcs1_sign_get_default());
	/*
	 * Buffers again for each client: that also forgets the previous
	 * client's max_fragment_length, which BearSSL's reset keeps (and
	 * would then send, unasked, to the next client).
	 */
	br_ssl_engine_set_buffers_bidi(&s->sc.eng, s->iobuf, TLS_IN_CAP,
	    s->iobuf + TLS_IN_CAP, TLS_SRV_OUT_CAP);
	if (seed(&s->l) == -1)
		return -1;
	if (!br_ssl_server_reset(&s->sc))
		return -1;	/* engine closed; tls_link_errstr() says why */
	return 0;
}
