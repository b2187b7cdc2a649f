/* SPDX-License-Identifier: MIT */
/*
 * server.c: DoT server mode (see server.h).  Each client slot owns a
 * BearSSL server engine and its buffers from the arena.  Queries are
 * read out of the engine's plaintext (gathered when a frame spans
 * records), checked as listen.c checks LAN queries, and answered as they
 * come, in any order; answers wait in the slot's output buffer only
 * while the client does not read.  Limits: max_clients (a full pool
 * closes the longest idle or stalled client for a new one, or pauses
 * accept), a handshake deadline, the idle timeout, SRV_PIPELINE_MAX
 * queries per client and half the in-flight table for all of them.
 */
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "backend.h"
#include "certkey.h"
#include "dns.h"
#include "dnsedit.h"
#include "inherit.h"
#include "log.h"
#include "loop.h"
#include "mem.h"
#include "priv.h"
#include "server.h"
#include "tls.h"
#include "upstream.h"

#define SRV_HANDSHAKE_MS	5000	/* a stalled handshake: its slot back */
#define SRV_PIPELINE_MAX	32	/* queries one client may have out */
#define SRV_FRAME_MAX		1024	/* longer frames are not DNS queries:
					 * the connection is closed */
#define SRV_OUT_CAP		16384	/* answers a client has not read yet;
					 * beyond it the client is closed */
#define SRV_ACCEPT_BATCH	8
#define SRV_ACCEPT_PAUSE_MS	1000	/* full pool, nobody to close */
#define SRV_FULL_LOG_MS		60000	/* "pool full": a line a minute */
#define SRV_EVICT_MIN_MS	1000	/* idle or handshaking this long: may
					 * make room for a new client */
#define SRV_DRAIN_QUIET_MS	1000	/* reload: close a client this quiet */
#define SRV_DRAIN_READ_MS	1500	/* reload: take queries this long, so
					 * that what is in flight is answered
					 * before the copy exits (timeout_ms +
					 * 2 s, reload.c) */
#define SRV_PAD_BLOCK		468	/* RFC 8467 4.1: responses */
#define SRV_PUMP_ROUNDS		16	/* bound the work per wakeup */
#define SRV_CACHE_PER_CLIENT	4	/* TLS sessions kept for resumption */
#define SRV_MSG_CAP		(DNS_MSG_MAX + 2)	/* an answer, edited */
#define SRV_KEEPALIVE_MAX	65535	/* RFC 7828: 16 bits of 100 ms */

/*
 * A client slot.  accept: FREE -> HANDSHAKE; done: HANDSHAKE -> OPEN;
 * closed (either side, error, deadline): HANDSHAKE or OPEN -> FREE.
 * Only set_state() writes it.
 */
enum sc_state { SC_FREE, SC_HANDSHAKE, SC_OPEN, SC_N };

struct srv_client {
	enum sc_state	 state;
	int		 fd;		/* -1 when FREE */
	int		 h;
	uint32_t	 gen;		/* bumped on close: late answers miss */
	int		 cred;		/* the pair its handshake presents */
	int		 n_inflight;
	int		 resume;	/* frames wait for the in-flight cap */
	int		 dirty;		/* plaintext written: flush after */
	uint64_t	 since_ms;	/* accepted */
	uint64_t	 active_ms;	/* last query or answer */
	union addr_sa	 peer;
	size_t		 in_len;	/* a frame gathered across records */
	size_t		 out_len;	/* framed answers not in the engine */
	uint8_t		 in[2 + SRV_FRAME_MAX];
	uint8_t		*out;		/* SRV_OUT_CAP */
	struct tls_srv	 tls;
};

struct srv_sock {
	int		 fd;
	int		 h;
	struct addr	 addr;
};

/* Counters for SIGUSR1 (process-wide ones are stats.c's). */
struct srv_counts {
	uint64_t	 accepted, refused, handshakes, failed, evicted;
	uint64_t	 idle, full, queries, answered, servfail, errors;
};

static void	accept_ready(void *, short);
static int	make_room(void);
static void	client_io(void *, short);
static void	pump(struct srv_client *);
static int	take(struct srv_client *);
static int	give(struct srv_client *);
static void	query(struct srv_client *, const uint8_t *, size_t);
static void	reply_error(struct srv_client *, const uint8_t *, size_t,
		    const struct dns_msg *, int, int);
static void	deliver(struct srv_client *, uint8_t *, size_t, int);
static void	events(struct srv_client *);
static void	set_state(struct srv_client *, enum sc_state);
static void	client_close(struct srv_client *, int, const char *);
static struct srv_client *slot_client(struct qt_slot *);
static void	slot_error(struct srv_client *, const struct qt_slot *, int);
static void	listeners_events(void);
static void	srv_after(void *);
static uint64_t	client_deadline(const struct srv_client *);
static uint64_t	srv_next(void *);
static void	srv_tick(void *, uint64_t);
static int	load_pair(struct ck_pair *, FILE *, const char *);

static const char *const state_name[SC_N] = { "free", "handshake",
    "open" };

static const struct conf *cf;
static struct qt	*qt;
static struct srv_sock	*socks;
static int		 n_socks;
static struct srv_client *clients;
static int		 n_clients;
static int		 n_open;		/* not FREE */
static int		 n_inflight;		/* all clients' slots */
static int		 inflight_cap;		/* half the table */
static struct ck_pair	*pairs;			/* [2]: a renewal loads
						 * into the other */
static int		 cur;			/* the pair new clients get */
static uint64_t		 paused_until;
static uint64_t		 full_log_ms;
static int		 any_resume, any_dirty, draining;
static uint64_t		 drain_stop_ms;		/* no queries read after */
static struct srv_counts n;
static uint8_t		*msgbuf;		/* SRV_MSG_CAP: answer scratch */

/* see server.h */
int
srv_max_fds(const struct conf *c)
{
	if (!c->srv.present)
		return 0;
	return c->srv.n_listen + (int)c->srv.max_clients +
	    (c->srv.has_backend ? be_max_fds() : 0);
}

/* see server.h */
size_t
srv_client_bytes(void)
{
	return sizeof(struct srv_client) + TLS_IN_CAP + TLS_SRV_OUT_CAP +
	    SRV_OUT_CAP + SRV_CACHE_PER_CLIENT * TLS_CACHE_ENTRY;
}

/*
 * Load the configured pair into p, reading as root would (the key is
 * often root-only); on failure print "FILE:LINE: ..." to err when given,
 * else log it.  0 or -1.
 */
static int
load_pair(struct ck_pair *p, FILE *err, const char *when)
{
	char why[160];
	int which, r;

	priv_read(1);
	r = ck_load(p, cf->srv.cert, cf->srv.key, &which, why, sizeof(why));
	priv_read(0);
	if (r == 0)
		return 0;
	if (err != NULL)
		fprintf(err, "%s:%d: server %s '%s': %s\n", cf->file,
		    which == CK_CERT ? cf->srv.cert_line : cf->srv.key_line,
		    which == CK_CERT ? "cert" : "key",
		    which == CK_CERT ? cf->srv.cert : cf->srv.key, why);
	else
		log_warnx("%s: server %s '%s': %s; keeping the running "
		    "certificate (%s)", when, which == CK_CERT ? "cert" :
		    "key", which == CK_CERT ? cf->srv.cert : cf->srv.key, why,
		    pairs[cur].cn);
	return -1;
}

/* see server.h */
int
srv_check_files(const struct conf *c, FILE *err)
{
	struct ck_pair *p;

	if (!c->srv.present)
		return 0;
	cf = c;
	p = mem_alloc(sizeof(*p));
	p->der = mem_alloc(CK_DER_CAP);
	return load_pair(p, err, NULL) == 0 ? 0 : 1;
}

/* see server.h */
void
srv_init(const struct conf *c, struct qt *t)
{
	struct srv_client *cl;
	int i;

	cf = c;
	qt = t;
	if (!c->srv.present)
		return;
	pairs = mem_alloc(2 * sizeof(*pairs));
	for (i = 0; i < 2; i++)
		pairs[i].der = mem_alloc(CK_DER_CAP);
	if (load_pair(&pairs[0], stderr, NULL) == -1)
		exit(EX_CONFIG_);
	n_socks = c->srv.n_listen;
	socks = mem_alloc(sizeof(*socks) * (size_t)n_socks);
	for (i = 0; i < n_socks; i++) {
		socks[i].addr = c->srv.listen[i];
		socks[i].fd = inh_take(&socks[i].addr.u.sa, socks[i].addr.len,
		    SOCK_STREAM);
	}
	n_clients = (int)c->srv.max_clients;
	tls_srv_cache(mem_alloc((size_t)n_clients * SRV_CACHE_PER_CLIENT *
	    TLS_CACHE_ENTRY), (size_t)n_clients * SRV_CACHE_PER_CLIENT *
	    TLS_CACHE_ENTRY);
	clients = mem_alloc(sizeof(*clients) * (size_t)n_clients);
	for (i = 0; i < n_clients; i++) {
		cl = &clients[i];
		cl->state = SC_FREE;
		cl->fd = -1;
		cl->out = mem_alloc(SRV_OUT_CAP);
		tls_srv_init(&cl->tls, mem_alloc(TLS_IN_CAP +
		    TLS_SRV_OUT_CAP));
	}
	msgbuf = mem_alloc(SRV_MSG_CAP);
	/* the upstream side and LAN queries keep the other half */
	inflight_cap = MAX(1, t->n / 2);
}

/* see server.h */
void
srv_start(void)
{
	char name[ADDR_STR_CAP];
	struct be_cbs bc;
	int i, on = 1;

	if (!cf->srv.present)
		return;
	for (i = 0; i < n_socks; i++) {
		addr_str(&socks[i].addr, name, sizeof(name));
		if (socks[i].fd == -1) {
			socks[i].fd = socket(socks[i].addr.u.sa.sa_family,
			    SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
			if (socks[i].fd == -1)
				fatal(EX_OS_, "server: socket for %s", name);
			setsockopt(socks[i].fd, SOL_SOCKET, SO_REUSEADDR, &on,
			    sizeof(on));
			if (socks[i].addr.u.sa.sa_family == AF_INET6)
				setsockopt(socks[i].fd, IPPROTO_IPV6,
				    IPV6_V6ONLY, &on, sizeof(on));
			if (bind(socks[i].fd, &socks[i].addr.u.sa,
			    socks[i].addr.len) == -1)
				fatal(EX_OS_, "server: bind tcp %s", name);
			if (listen(socks[i].fd, 64) == -1)
				fatal(EX_OS_, "server: listen %s", name);
		}
		socks[i].h = loop_add(socks[i].fd, accept_ready, &socks[i]);
		BUG_ON(socks[i].h == -1);
	}
	listeners_events();
	if (cf->srv.has_backend) {
		bc.answer = srv_answer;
		bc.fail = srv_fail;
		be_init(&cf->srv.backend, qt, &bc);
		be_start();
	}
	loop_timer(srv_next, srv_tick, NULL);
	loop_after(srv_after, NULL);
	log_info("server: DoT on %d address%s, certificate %s (%s key), "
	    "%d clients of %zu KB, queries to %s", n_socks,
	    n_socks == 1 ? "" : "es", pairs[cur].cn,
	    pairs[cur].cred.key_type == BR_KEYTYPE_EC ? "EC" : "RSA",
	    n_clients, srv_client_bytes() / 1024, cf->srv.has_backend ?
	    addr_str(&cf->srv.backend, name, sizeof(name)) : "the upstreams");
}

static void
listeners_events(void)
{
	int i, paused;

	if (draining)
		return;
	paused = loop_now() < paused_until;
	for (i = 0; i < n_socks; i++)
		loop_set(socks[i].h, paused ? 0 : POLLIN);
}

/* The only writer of cl->state (see enum sc_state). */
static void
set_state(struct srv_client *cl, enum sc_state to)
{
	static const unsigned next[SC_N] = {
		[SC_FREE] = 1U << SC_HANDSHAKE,
		[SC_HANDSHAKE] = 1U << SC_OPEN | 1U << SC_FREE,
		[SC_OPEN] = 1U << SC_FREE,
	};

	BUG_ON(!(next[cl->state] & 1U << to));
	log_debug("server: client %d %s -> %s", (int)(cl - clients),
	    state_name[cl->state], state_name[to]);
	cl->state = to;
}

static void
accept_ready(void *arg, short revents)
{
	struct srv_sock *s = arg;
	struct srv_client *cl;
	union addr_sa peer;
	socklen_t plen;
	int fd, i, j, on = 1;

	(void)revents;
	for (j = 0; j < SRV_ACCEPT_BATCH; j++) {
		if (n_open == n_clients && make_room() == -1) {
			n.full++;
			if (loop_now() >= full_log_ms) {
				log_warnx("server: %d clients (max_clients), "
				    "none idle: pausing accept", n_clients);
				full_log_ms = loop_now() + SRV_FULL_LOG_MS;
			}
			paused_until = loop_now() + SRV_ACCEPT_PAUSE_MS;
			listeners_events();
			return;
		}
		plen = sizeof(peer);
		fd = accept(s->fd, &peer.sa, &plen);
		if (fd == -1) {
			if (errno == EMFILE || errno == ENFILE) {
				log_warn("server: accept");
				paused_until = loop_now() +
				    SRV_ACCEPT_PAUSE_MS;
				listeners_events();
			}
			return;
		}
		/* allow is checked before any TLS work */
		if (!addr_match(cf->allow, cf->n_allow, &peer.sa)) {
			n.refused++;
			close(fd);
			continue;
		}
		for (i = 0; i < n_clients; i++)
			if (clients[i].state == SC_FREE)
				break;
		BUG_ON(i == n_clients);
		cl = &clients[i];
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
		fcntl(fd, F_SETFD, FD_CLOEXEC);
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
		if ((cl->h = loop_add(fd, client_io, cl)) == -1) {
			close(fd);
			return;
		}
		cl->fd = fd;
		cl->cred = cur;
		cl->peer = peer;
		cl->n_inflight = 0;
		cl->resume = cl->dirty = 0;
		cl->in_len = cl->out_len = 0;
		cl->since_ms = cl->active_ms = loop_now();
		set_state(cl, SC_HANDSHAKE);
		n_open++;
		n.accepted++;
		if (tls_srv_start(&cl->tls, &pairs[cur].cred) == -1) {
			client_close(cl, 0, tls_link_errstr(&cl->tls.l));
			continue;
		}
		pump(cl);
	}
}

/*
 * A full pool and a client waiting: close the oldest stalled handshake,
 * else the client idle longest, if either has had SRV_EVICT_MIN_MS (RFC
 * 7766 6.2.3: a busy server may close idle connections).  0 or -1.
 */
static int
make_room(void)
{
	struct srv_client *cl, *best = NULL;
	uint64_t limit = loop_now() - SRV_EVICT_MIN_MS;
	int i;

	for (i = 0; i < n_clients; i++) {
		cl = &clients[i];
		if (cl->state == SC_HANDSHAKE && cl->since_ms <= limit &&
		    (best == NULL || best->state != SC_HANDSHAKE ||
		    cl->since_ms < best->since_ms))
			best = cl;
		else if (cl->state == SC_OPEN && cl->n_inflight == 0 &&
		    cl->out_len == 0 && cl->active_ms <= limit &&
		    (best == NULL || (best->state == SC_OPEN &&
		    cl->active_ms < best->active_ms)))
			best = cl;
	}
	if (best == NULL)
		return -1;
	n.evicted++;
	client_close(best, 1, "pool full: closing the longest idle client");
	return 0;
}

static void
client_io(void *arg, short revents)
{
	struct srv_client *cl = arg;

	/* both ways shut, or an error: no answer can reach it any more
	 * (and an engine waiting on us would not read: no busy loop) */
	if (revents & (POLLERR | POLLHUP | POLLNVAL)) {
		client_close(cl, 0, "connection closed");
		return;
	}
	pump(cl);
}

/* Move what can move: records, queries in, answers out. */
static void
pump(struct srv_client *cl)
{
	int i, moved;

	for (i = 0; i < SRV_PUMP_ROUNDS; i++) {
		if (tls_link_io(&cl->tls.l, cl->fd) == -1) {
			if (cl->state == SC_HANDSHAKE)
				n.failed++;
			client_close(cl, 0, tls_link_errstr(&cl->tls.l));
			return;
		}
		if (cl->state == SC_HANDSHAKE) {
			if (!cl->tls.l.is_ready)
				break;
			set_state(cl, SC_OPEN);
			n.handshakes++;
			cl->active_ms = loop_now();
			log_debug("server: client %d: handshake complete (%s)",
			    (int)(cl - clients), tls_link_suite(&cl->tls.l));
		}
		moved = take(cl);
		if (cl->state == SC_FREE)
			return;
		moved |= give(cl);
		if (!moved)
			break;
	}
	events(cl);
}

/*
 * Queries out of the plaintext, while this client and all of them are
 * under their caps; the rest stays in the engine (which then reads no
 * more records) until answers come.  Returns 1 if bytes were taken.
 */
static int
take(struct srv_client *cl)
{
	uint32_t gen = cl->gen;
	uint8_t *p;
	size_t len, need, k, flen;
	int moved = 0;

	cl->resume = 0;
	if (draining && loop_now() >= drain_stop_ms)
		return 0;	/* closed once its answers are out */
	while ((p = tls_link_in(&cl->tls.l, &len)) != NULL && len > 0) {
		if (cl->n_inflight >= SRV_PIPELINE_MAX ||
		    n_inflight >= inflight_cap) {
			cl->resume = 1;
			break;
		}
		moved = 1;
		/* a whole frame in the record: no copy */
		if (cl->in_len == 0 && len >= 2 && (flen = dns_get16(p)) > 0 &&
		    flen <= SRV_FRAME_MAX && len >= 2 + flen) {
			query(cl, p + 2, flen);
			if (cl->state == SC_FREE || cl->gen != gen)
				return 1;
			tls_link_in_ack(&cl->tls.l, 2 + flen);
			continue;
		}
		need = cl->in_len < 2 ? 2 - cl->in_len :
		    2 + (size_t)dns_get16(cl->in) - cl->in_len;
		k = MIN(need, len);
		memcpy(cl->in + cl->in_len, p, k);
		cl->in_len += k;
		tls_link_in_ack(&cl->tls.l, k);
		if (cl->in_len < 2)
			continue;
		flen = dns_get16(cl->in);
		if (flen == 0 || flen > SRV_FRAME_MAX) {
			/* no query is this long: the stream is not DNS */
			n.errors++;
			client_close(cl, 0, "a frame that is no DNS query");
			return 1;
		}
		if (cl->in_len < 2 + flen)
			continue;
		cl->in_len = 0;
		query(cl, cl->in + 2, flen);
		if (cl->state == SC_FREE || cl->gen != gen)
			return 1;
	}
	/* cl->resume: srv_after takes the rest once a slot is freed */
	return moved;
}

/*
 * One query, with listen.c's policy: dropped without a readable header
 * or when it is an answer; FORMERR when malformed; NOTIMP for other
 * opcodes and zone transfers; SERVFAIL when no slot is free or nothing
 * can take it.  The source passed `allow` at accept.
 */
static void
query(struct srv_client *cl, const uint8_t *buf, size_t len)
{
	struct qt_slot *q;
	struct dns_msg m;
	int r, i;

	cl->active_ms = loop_now();
	n.queries++;
	r = dns_parse_query(buf, len, &m);
	if (r == DNS_ETRUNC || (m.flags & DNS_F_QR)) {
		n.errors++;
		return;
	}
	if (r != DNS_OK) {
		n.errors++;
		reply_error(cl, buf, len, &m, 0, DNS_RC_FORMERR);
		return;
	}
	if (DNS_F_OPCODE(m.flags) != 0 || m.qtype == 251 || m.qtype == 252) {
		n.errors++;
		reply_error(cl, buf, len, &m, 1, DNS_RC_NOTIMP);
		return;
	}
	if ((i = qt_alloc(qt, loop_now(), cf->timeout_ms)) == -1) {
		n.servfail++;
		reply_error(cl, buf, len, &m, 1, DNS_RC_SERVFAIL);
		return;
	}
	q = &qt->slot[i];
	q->origin = QT_SRV;
	q->client_id = m.id;
	q->client_edns = (uint8_t)m.has_opt;
	q->udp_size = m.udp_size;
	q->srv = (uint8_t)((m.has_keepalive ? QT_SRV_KEEPALIVE : 0) |
	    (m.has_padding ? QT_SRV_PADDED : 0));
	q->lsn = (int32_t)(cl - clients);
	q->lsn_gen = cl->gen;
	cl->n_inflight++;
	n_inflight++;
	/* the backend is plain DNS: no keepalive, no padding there */
	q->qlen = (uint16_t)dns_build_upstream(q->q, sizeof(q->q), buf, &m,
	    qt_id(qt, i), cf->srv.has_backend ? 0 : cf->padding,
	    !cf->srv.has_backend);
	if (q->qlen == 0 || dns_parse_query(q->q, q->qlen, &q->m) != DNS_OK ||
	    (cf->srv.has_backend ? be_submit(i) : up_submit(i)) == -1)
		srv_fail(i, DNS_RC_SERVFAIL);
}

/* FORMERR & co straight from the client's bytes. */
static void
reply_error(struct srv_client *cl, const uint8_t *buf, size_t len,
    const struct dns_msg *m, int parsed_ok, int rcode)
{
	size_t k;

	k = dns_error_reply(msgbuf, SRV_MSG_CAP, buf, len, m, parsed_ok,
	    rcode);
	if (k == 0)
		return;
	deliver(cl, msgbuf, k, parsed_ok ? (m->has_keepalive ?
	    QT_SRV_KEEPALIVE : 0) | (m->has_padding ? QT_SRV_PADDED : 0) : 0);
}

/*
 * One answer (in msgbuf, len bytes) to the client: our keepalive and
 * padding first (per 'flags', QT_SRV_*), then into the engine, and what
 * does not fit now into the output buffer; a client whose unread
 * answers pass SRV_OUT_CAP is closed.
 */
static void
deliver(struct srv_client *cl, uint8_t *msg, size_t len, int flags)
{
	struct dns_msg m;
	uint8_t pfx[2], *w;
	size_t cap, k, off = 0;
	uint32_t ka;

	if ((flags & (QT_SRV_KEEPALIVE | QT_SRV_PADDED)) &&
	    dns_parse_answer(msg, len, &m) == DNS_OK) {
		/* RFC 7828 3.3.2: our idle timeout, in 100 ms units */
		ka = MIN(cf->srv.idle_timeout_ms / DNS_KEEPALIVE_UNIT_MS,
		    SRV_KEEPALIVE_MAX);
		len = dns_add_server_opts(msg, len, SRV_MSG_CAP, &m,
		    (flags & QT_SRV_KEEPALIVE) ? (int)ka : -1,
		    (flags & QT_SRV_PADDED) ? SRV_PAD_BLOCK : 0);
	}
	dns_put16(pfx, (uint16_t)len);
	cl->active_ms = loop_now();
	/* nothing waits: straight into the engine, records to the socket */
	while (cl->out_len == 0 && off < 2 + len) {
		if ((w = tls_link_out(&cl->tls.l, &cap)) == NULL || cap == 0) {
			if (tls_link_io(&cl->tls.l, cl->fd) == -1) {
				client_close(cl, 0, tls_link_errstr(
				    &cl->tls.l));
				return;
			}
			if ((w = tls_link_out(&cl->tls.l, &cap)) == NULL ||
			    cap == 0)
				break;	/* the socket is full */
		}
		k = MIN(cap, 2 + len - off);
		if (off < 2) {
			k = MIN(k, 2 - off);
			memcpy(w, pfx + off, k);
		} else
			memcpy(w, msg + off - 2, k);
		tls_link_out_ack(&cl->tls.l, k);
		off += k;
	}
	if (off < 2 + len) {
		if (2 + len - off > SRV_OUT_CAP - cl->out_len) {
			n.errors++;
			client_close(cl, 0, "not reading its answers");
			return;
		}
		if (off < 2) {
			memcpy(cl->out + cl->out_len, pfx + off, 2 - off);
			cl->out_len += 2 - off;
			off = 2;
		}
		memcpy(cl->out + cl->out_len, msg + off - 2, 2 + len - off);
		cl->out_len += 2 + len - off;
	}
	cl->dirty = any_dirty = 1;
}

/* Waiting answers into the engine.  Returns 1 if bytes went. */
static int
give(struct srv_client *cl)
{
	uint8_t *w;
	size_t cap, k;
	int moved = 0;

	while (cl->out_len > 0) {
		if ((w = tls_link_out(&cl->tls.l, &cap)) == NULL || cap == 0) {
			/* full records to the socket first; pump() reports
			 * a failure */
			if (tls_link_io(&cl->tls.l, cl->fd) == -1 ||
			    (w = tls_link_out(&cl->tls.l, &cap)) == NULL ||
			    cap == 0)
				break;
		}
		k = MIN(cap, cl->out_len);
		memcpy(w, cl->out, k);
		tls_link_out_ack(&cl->tls.l, k);
		memmove(cl->out, cl->out + k, cl->out_len - k);
		cl->out_len -= k;
		moved = 1;
	}
	if (moved) {
		tls_link_flush(&cl->tls.l);
		cl->dirty = 0;
	}
	return moved;
}

static void
events(struct srv_client *cl)
{
	/*
	 * The engine asks for reads and writes itself; a client held at
	 * its in-flight cap has plaintext waiting, so the engine reads no
	 * further records (TCP pushes back) until lsn-style resumption.
	 */
	loop_set(cl->h, tls_link_events(&cl->tls.l));
}

/* 'polite': close_notify first (an idle or evicted client). */
static void
client_close(struct srv_client *cl, int polite, const char *why)
{
	char as[ADDR_STR_CAP];
	struct addr a;

	if (cl->state == SC_FREE)
		return;
	if (log_level() >= LOG_L_DEBUG) {
		memset(&a, 0, sizeof(a));
		a.u = cl->peer;
		a.len = cl->peer.sa.sa_family == AF_INET6 ?
		    sizeof(a.u.sin6) : sizeof(a.u.sin);
		log_debug("server: client %d (%s) closed: %s",
		    (int)(cl - clients), addr_str(&a, as, sizeof(as)), why);
	}
	if (polite && cl->state == SC_OPEN) {
		tls_link_close(&cl->tls.l);
		(void)tls_link_io(&cl->tls.l, cl->fd);
	}
	loop_del(cl->h);
	close(cl->fd);
	cl->fd = -1;
	set_state(cl, SC_FREE);
	cl->gen++;		/* its answers still in flight are dropped */
	n_inflight -= cl->n_inflight;
	cl->n_inflight = 0;
	cl->in_len = cl->out_len = 0;
	cl->dirty = cl->resume = 0;
	n_open--;
	if (paused_until > loop_now()) {
		paused_until = 0;
		listeners_events();
	}
}

/* After the dispatch: held-back queries, then one flush per client. */
static void
srv_after(void *arg)
{
	struct srv_client *cl;
	int i, resume = any_resume, dirty = any_dirty;

	(void)arg;
	any_resume = any_dirty = 0;
	if (!resume && !dirty)
		return;
	for (i = 0; i < n_clients; i++) {
		cl = &clients[i];
		if (cl->state != SC_OPEN || (!cl->resume && !cl->dirty))
			continue;
		if (cl->dirty) {
			tls_link_flush(&cl->tls.l);
			cl->dirty = 0;
		}
		pump(cl);
	}
}

/* The client a slot answers, or NULL when it is gone; counts it done. */
static struct srv_client *
slot_client(struct qt_slot *q)
{
	struct srv_client *cl = &clients[q->lsn];

	if (cl->state != SC_OPEN || cl->gen != q->lsn_gen)
		return NULL;
	cl->n_inflight--;
	n_inflight--;
	/* frames held back at a cap (this client's or everyone's) may go */
	any_resume = 1;
	return cl;
}

/* A reply with 'rcode' to a slot's query, from what the slot kept. */
static void
slot_error(struct srv_client *cl, const struct qt_slot *q, int rcode)
{
	struct dns_msg m;
	size_t k;

	if (rcode == DNS_RC_SERVFAIL)
		n.servfail++;
	m = q->m;
	m.has_opt = q->client_edns;
	k = dns_error_reply(msgbuf, SRV_MSG_CAP, q->q, q->qlen, &m, 1, rcode);
	if (k < DNS_HDR_LEN)
		return;
	dns_put16(msgbuf, q->client_id);
	deliver(cl, msgbuf, k, q->srv);
}

/* see server.h */
void
srv_answer(int slot, uint8_t *msg, size_t len, const struct dns_msg *m)
{
	struct qt_slot *q = &qt->slot[slot];
	struct srv_client *cl;
	struct dns_msg cm;
	size_t k;

	BUG_ON(q->origin != QT_SRV);
	if ((cl = slot_client(q)) != NULL) {
		cm = q->m;
		cm.has_opt = q->client_edns;
		/* in place: the ID, the client's spelling, OPT hop by hop */
		k = dns_answer_for_client(msg, len, m, q->client_id, q->q, &cm);
		if (k != 0) {
			n.answered++;
			memmove(msgbuf, msg, k);
			deliver(cl, msgbuf, k, q->srv);
		} else
			slot_error(cl, q, DNS_RC_SERVFAIL);
	}
	qt_release(qt, slot);
}

/* see server.h */
void
srv_fail(int slot, int rcode)
{
	struct qt_slot *q = &qt->slot[slot];
	struct srv_client *cl;

	BUG_ON(q->origin != QT_SRV);
	if ((cl = slot_client(q)) != NULL)
		slot_error(cl, q, rcode);
	qt_release(qt, slot);
}

/*
 * Deadlines: the handshake, then idle (nothing in flight, nothing to
 * send) for idle_timeout_ms; in a reload's copy, quiet for
 * SRV_DRAIN_QUIET_MS or done after SRV_DRAIN_READ_MS.
 */
static uint64_t
client_deadline(const struct srv_client *cl)
{
	switch (cl->state) {
	case SC_HANDSHAKE:
		return draining ? 0 : cl->since_ms + SRV_HANDSHAKE_MS;
	case SC_OPEN:
		if (cl->n_inflight > 0 || cl->out_len > 0)
			return UINT64_MAX;
		if (draining)
			return MIN(cl->active_ms + SRV_DRAIN_QUIET_MS,
			    drain_stop_ms);
		return cl->active_ms + cf->srv.idle_timeout_ms;
	default:
		return UINT64_MAX;
	}
}

static uint64_t
srv_next(void *arg)
{
	uint64_t next = UINT64_MAX;
	int i;

	(void)arg;
	if (any_resume || any_dirty)
		return 0;
	if (paused_until != 0)
		next = paused_until;
	for (i = 0; i < n_clients; i++)
		next = MIN(next, client_deadline(&clients[i]));
	return next;
}

static void
srv_tick(void *arg, uint64_t now)
{
	struct srv_client *cl;
	int i;

	(void)arg;
	if (paused_until != 0 && paused_until <= now) {
		paused_until = 0;
		listeners_events();
	}
	for (i = 0; i < n_clients; i++) {
		cl = &clients[i];
		if (client_deadline(cl) > now)
			continue;
		if (cl->state == SC_HANDSHAKE) {
			if (!draining)
				n.failed++;
			client_close(cl, 0, draining ? "reload" :
			    "handshake timeout");
		} else {
			n.idle++;
			client_close(cl, 1, "idle");
		}
	}
}

/* see server.h */
int
srv_fds(int *fds, int cap)
{
	int i;

	for (i = 0; i < n_socks && i < cap; i++)
		fds[i] = socks[i].fd;
	return i;
}

/* see server.h */
int
srv_busy(void)
{
	return n_open > 0;
}

/* see server.h */
void
srv_drain(void)
{
	int i;

	if (!cf->srv.present)
		return;
	draining = 1;
	drain_stop_ms = loop_now() + SRV_DRAIN_READ_MS;
	for (i = 0; i < n_socks; i++) {
		loop_del(socks[i].h);
		close(socks[i].fd);
		socks[i].fd = -1;
	}
	/* each established client gets the quiet time from now */
	for (i = 0; i < n_clients; i++)
		clients[i].active_ms = loop_now();
}

/* see server.h */
void
srv_recheck(void)
{
	uint8_t d[32];
	int other, i, r;

	if (!cf->srv.present)
		return;
	priv_read(1);
	r = ck_digest(cf->srv.cert, cf->srv.key, d);
	priv_read(0);
	if (r == 0 && memcmp(d, pairs[cur].digest, sizeof(d)) == 0) {
		log_debug("SIGHUP: server certificate and key unchanged");
		return;
	}
	/* the other pair may still serve a handshake begun before the
	 * last renewal: that client starts again */
	other = 1 - cur;
	for (i = 0; i < n_clients; i++)
		if (clients[i].state == SC_HANDSHAKE &&
		    clients[i].cred == other)
			client_close(&clients[i], 0, "certificate renewed");
	if (load_pair(&pairs[other], NULL, "SIGHUP") == -1)
		return;
	cur = other;
	log_info("SIGHUP: server certificate renewed (%s, %s key): new "
	    "connections get it, %d established keep theirs", pairs[cur].cn,
	    pairs[cur].cred.key_type == BR_KEYTYPE_EC ? "EC" : "RSA", n_open);
}

/* see server.h */
void
srv_log(void)
{
	if (!cf->srv.present)
		return;
	log_info("stats: server clients %d/%d accepted %llu refused %llu "
	    "handshakes %llu failed %llu evicted %llu idle %llu full %llu "
	    "queries %llu answered %llu servfail %llu errors %llu", n_open,
	    n_clients, (unsigned long long)n.accepted,
	    (unsigned long long)n.refused, (unsigned long long)n.handshakes,
	    (unsigned long long)n.failed, (unsigned long long)n.evicted,
	    (unsigned long long)n.idle, (unsigned long long)n.full,
	    (unsigned long long)n.queries, (unsigned long long)n.answered,
	    (unsigned long long)n.servfail, (unsigned long long)n.errors);
}
