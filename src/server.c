/* SPDX-License-Identifier: MIT */
/*
 * server.c: DoT server mode (see server.h): the listeners and the pool
 * of client connections (srvconn.c does each one's TLS and framing),
 * the limits, and what a query gets: checked as listen.c checks LAN
 * queries, answered as answers come, in any order, with our keepalive
 * and padding.  Limits: max_clients (a full pool closes the longest idle
 * or stalled client for a new one, or pauses accept), a handshake
 * deadline, the idle timeout, SRV_PIPELINE_MAX queries per client and
 * half the in-flight table for all of them.
 */
#include <sys/socket.h>

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "backend.h"
#include "certkey.h"
#include "dns.h"
#include "dnsedit.h"
#include "fmt.h"
#include "inherit.h"
#include "log.h"
#include "loop.h"
#include "mem.h"
#include "server.h"
#include "srvconn.h"
#include "tls.h"
#include "upstream.h"

#define SRV_HANDSHAKE_MS	5000	/* a stalled handshake: its slot back */
#define SRV_PIPELINE_MAX	32	/* queries one client may have out */
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
#define SRV_CACHE_PER_CLIENT	4	/* TLS sessions kept for resumption */
#define SRV_MSG_CAP		(DNS_MSG_MAX + 2)	/* an answer, edited */
#define SRV_KEEPALIVE_MAX	65535	/* RFC 7828: 16 bits of 100 ms */

/* A client: its connection, and what the pool counts for it. */
struct srv_client {
	struct sc	 c;		/* first: callbacks get &c */
	int		 cred;		/* the pair its handshake presents */
	int		 n_inflight;
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
static void	on_ready(struct sc *);
static int	may_take(struct sc *);
static void	query(struct sc *, const uint8_t *, size_t);
static void	on_closed(struct sc *, int, const char *);
static void	reply_error(struct sc *, const uint8_t *, size_t,
		    const struct dns_msg *, int, int);
static void	deliver(struct sc *, uint8_t *, size_t, int);
static struct srv_client *slot_client(struct qt_slot *);
static void	slot_error(struct srv_client *, int, int);
static void	listeners_events(void);
static void	srv_after(void *);
static uint64_t	client_deadline(const struct srv_client *);
static uint64_t	srv_next(void *);
static void	srv_tick(void *, uint64_t);
static int	load_pair(struct ck_pair *, struct fmt_out *, const char *);

static const struct sc_ops sc_ops = { on_ready, may_take, query,
    on_closed };

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
static int		 any_resume, draining;
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
	return sizeof(struct srv_client) + SC_ARENA_BYTES +
	    SRV_CACHE_PER_CLIENT * TLS_CACHE_ENTRY;
}

/*
 * Load the configured pair into p: as root at start-up, as dotfwd's
 * user after a SIGHUP (the key must be readable by its group: the
 * OpenWrt init script sees to it, README); on failure print
 * "FILE:LINE: ..." to err when given, else log it.  0 or -1.
 */
static int
load_pair(struct ck_pair *p, struct fmt_out *err, const char *when)
{
	char why[160];
	int which, r;

	r = ck_load(p, cf->srv.cert, cf->srv.key, &which, why, sizeof(why));
	if (r == 0)
		return 0;
	if (err != NULL)
		fmt_printf(err, "%s:%d: server %s '%s': %s\n", cf->file,
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
srv_check_files(const struct conf *c, struct fmt_out *err)
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
	struct fmt_out err;
	char ebuf[256];
	int i;

	cf = c;
	qt = t;
	if (!c->srv.present)
		return;
	pairs = mem_alloc(2 * sizeof(*pairs));
	for (i = 0; i < 2; i++)
		pairs[i].der = mem_alloc(CK_DER_CAP);
	fmt_out_err(&err, ebuf, sizeof(ebuf));
	if (load_pair(&pairs[0], &err, NULL) == -1)
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
	for (i = 0; i < n_clients; i++)
		sc_init(&clients[i].c, &sc_ops, i);
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
		/* make room only for the client poll() said is waiting:
		 * the next round tells about the next one */
		if (n_open == n_clients && j > 0)
			return;
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
		fd = loop_accept(s->fd, &peer.sa, &plen);
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
			if (clients[i].c.state == SC_FREE)
				break;
		BUG_ON(i == n_clients);
		cl = &clients[i];
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
		cl->cred = cur;
		cl->n_inflight = 0;
		n_open++;
		n.accepted++;
		/* on failure on_closed() counted it back */
		(void)sc_open(&cl->c, fd, &peer, &pairs[cur].cred);
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
	struct sc *c, *best = NULL;
	uint64_t limit = loop_now() - SRV_EVICT_MIN_MS;
	int i;

	for (i = 0; i < n_clients; i++) {
		c = &clients[i].c;
		if (c->state == SC_HANDSHAKE && c->since_ms <= limit &&
		    (best == NULL || best->state != SC_HANDSHAKE ||
		    c->since_ms < best->since_ms))
			best = c;
		else if (c->state == SC_OPEN && clients[i].n_inflight == 0 &&
		    c->out_len == 0 && c->active_ms <= limit &&
		    (best == NULL || (best->state == SC_OPEN &&
		    c->active_ms < best->active_ms)))
			best = c;
	}
	if (best == NULL)
		return -1;
	n.evicted++;
	sc_close(best, 1, "pool full: closing the longest idle client");
	return 0;
}

static void
on_ready(struct sc *c)
{
	n.handshakes++;
	log_debug("server: client %d: handshake complete (%s)", c->idx,
	    tls_link_suite(&c->tls.l));
}

/* This client and all of them under their caps; a reload's copy reads
 * for SRV_DRAIN_READ_MS only. */
static int
may_take(struct sc *c)
{
	if (draining && loop_now() >= drain_stop_ms)
		return 0;
	return ((struct srv_client *)(void *)c)->n_inflight <
	    SRV_PIPELINE_MAX && n_inflight < inflight_cap;
}

static void
on_closed(struct sc *c, int was_open, const char *why)
{
	struct srv_client *cl = (struct srv_client *)(void *)c;
	char as[ADDR_STR_CAP];
	struct addr a;

	if (log_level() >= LOG_L_DEBUG) {
		memset(&a, 0, sizeof(a));
		a.u = c->peer;
		a.len = c->peer.sa.sa_family == AF_INET6 ?
		    sizeof(a.u.sin6) : sizeof(a.u.sin);
		log_debug("server: client %d (%s) closed: %s", c->idx,
		    addr_str(&a, as, sizeof(as)), why);
	}
	if (!was_open && !draining)
		n.failed++;
	/* its answers still in flight find the generation changed */
	n_inflight -= cl->n_inflight;
	cl->n_inflight = 0;
	n_open--;
	if (paused_until > loop_now()) {
		paused_until = 0;
		listeners_events();
	}
}

/*
 * One query, with listen.c's policy: dropped without a readable header
 * or when it is an answer; FORMERR when malformed; NOTIMP for other
 * opcodes and zone transfers; SERVFAIL when no slot is free or nothing
 * can take it.  The source passed `allow` at accept.
 */
static void
query(struct sc *c, const uint8_t *buf, size_t len)
{
	struct srv_client *cl = (struct srv_client *)(void *)c;
	struct qt_slot *q;
	struct dns_msg m;
	int r, i;

	n.queries++;
	r = dns_parse_query(buf, len, &m);
	if (r == DNS_ETRUNC || (m.flags & DNS_F_QR)) {
		n.errors++;
		return;
	}
	if (r != DNS_OK) {
		n.errors++;
		reply_error(c, buf, len, &m, 0, DNS_RC_FORMERR);
		return;
	}
	if (DNS_F_OPCODE(m.flags) != 0 || m.qtype == 251 || m.qtype == 252) {
		n.errors++;
		reply_error(c, buf, len, &m, 1, DNS_RC_NOTIMP);
		return;
	}
	if ((i = qt_alloc(qt, loop_now(), cf->timeout_ms)) == -1) {
		n.servfail++;
		reply_error(c, buf, len, &m, 1, DNS_RC_SERVFAIL);
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
	q->lsn_gen = c->gen;
	cl->n_inflight++;
	n_inflight++;
	/* the backend is plain DNS: no keepalive, no padding there */
	if (qt_set_query(qt, i, buf, &m, cf->srv.has_backend ? 0 :
	    cf->padding, !cf->srv.has_backend) == -1 ||
	    (cf->srv.has_backend ? be_submit(i) : up_submit(i)) == -1)
		srv_fail(i, DNS_RC_SERVFAIL);
}

/* FORMERR & co straight from the client's bytes. */
static void
reply_error(struct sc *c, const uint8_t *buf, size_t len,
    const struct dns_msg *m, int parsed_ok, int rcode)
{
	size_t k;

	k = dns_error_reply(msgbuf, SRV_MSG_CAP, buf, len, m, parsed_ok,
	    rcode);
	if (k == 0)
		return;
	deliver(c, msgbuf, k, parsed_ok ? (m->has_keepalive ?
	    QT_SRV_KEEPALIVE : 0) | (m->has_padding ? QT_SRV_PADDED : 0) : 0);
}

/*
 * One answer (in msgbuf, len bytes) to the client, with our keepalive
 * and padding when its query asked (flags: QT_SRV_*).
 */
static void
deliver(struct sc *c, uint8_t *msg, size_t len, int flags)
{
	struct dns_msg m;
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
	sc_send(c, msg, len);
}

/* After the dispatch: held-back queries, then one flush per client. */
static void
srv_after(void *arg)
{
	struct sc *c;
	int i, resume = any_resume;

	(void)arg;
	any_resume = 0;
	for (i = 0; i < n_clients; i++) {
		c = &clients[i].c;
		if (c->state == SC_OPEN && (c->dirty || (resume && c->held)))
			sc_flush(c);
	}
}

/* The client a slot answers, or NULL when it is gone; counts it done. */
static struct srv_client *
slot_client(struct qt_slot *q)
{
	struct srv_client *cl = &clients[q->lsn];

	if (cl->c.state != SC_OPEN || cl->c.gen != q->lsn_gen)
		return NULL;
	cl->n_inflight--;
	n_inflight--;
	/* frames held back at a cap (this client's or everyone's) may go */
	any_resume = 1;
	return cl;
}

/* A reply with 'rcode' to a slot's query, from what the slot kept. */
static void
slot_error(struct srv_client *cl, int slot, int rcode)
{
	const struct qt_slot *q = &qt->slot[slot];
	const uint8_t *qb;
	struct dns_msg m;
	size_t k, kept;

	if (rcode == DNS_RC_SERVFAIL)
		n.servfail++;
	qb = qt_query(qt, slot, &kept, &m);
	k = dns_error_reply(msgbuf, SRV_MSG_CAP, qb, kept, &m, 1, rcode);
	if (k < DNS_HDR_LEN)
		return;
	dns_put16(msgbuf, q->client_id);
	deliver(&cl->c, msgbuf, k, q->srv);
}

/* see server.h */
void
srv_answer(int slot, uint8_t *msg, size_t len, const struct dns_msg *m)
{
	struct qt_slot *q = &qt->slot[slot];
	struct srv_client *cl;
	struct dns_msg cm;
	const uint8_t *qb;
	size_t k, kept;

	BUG_ON(q->origin != QT_SRV);
	if ((cl = slot_client(q)) != NULL) {
		/* in place: the ID, the client's spelling, OPT hop by hop */
		qb = qt_query(qt, slot, &kept, &cm);
		k = dns_answer_for_client(msg, len, m, q->client_id, qb, &cm);
		if (k != 0) {
			n.answered++;
			memmove(msgbuf, msg, k);
			deliver(&cl->c, msgbuf, k, q->srv);
		} else
			slot_error(cl, slot, DNS_RC_SERVFAIL);
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
		slot_error(cl, slot, rcode);
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
	const struct sc *c = &cl->c;

	switch (c->state) {
	case SC_HANDSHAKE:
		return draining ? 0 : c->since_ms + SRV_HANDSHAKE_MS;
	case SC_OPEN:
		if (cl->n_inflight > 0 || c->out_len > 0)
			return UINT64_MAX;
		if (draining)
			return MIN(c->active_ms + SRV_DRAIN_QUIET_MS,
			    drain_stop_ms);
		return c->active_ms + cf->srv.idle_timeout_ms;
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
	if (any_resume)
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
	struct sc *c;
	int i;

	(void)arg;
	if (paused_until != 0 && paused_until <= now) {
		paused_until = 0;
		listeners_events();
	}
	for (i = 0; i < n_clients; i++) {
		c = &clients[i].c;
		if (client_deadline(&clients[i]) > now)
			continue;
		if (c->state == SC_HANDSHAKE)
			sc_close(c, 0, draining ? "reload" :
			    "handshake timeout");
		else {
			n.idle++;
			sc_close(c, 1, "idle");
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
		clients[i].c.active_ms = loop_now();
}

/* see server.h */
void
srv_recheck(void)
{
	uint8_t d[32];
	int other, i, r;

	if (!cf->srv.present)
		return;
	r = ck_digest(cf->srv.cert, cf->srv.key, d);
	if (r == 0 && memcmp(d, pairs[cur].digest, sizeof(d)) == 0) {
		log_debug("SIGHUP: server certificate and key unchanged");
		return;
	}
	/* the other pair may still serve a handshake begun before the
	 * last renewal: that client starts again */
	other = 1 - cur;
	for (i = 0; i < n_clients; i++)
		if (clients[i].c.state == SC_HANDSHAKE &&
		    clients[i].cred == other)
			sc_close(&clients[i].c, 0, "certificate renewed");
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
