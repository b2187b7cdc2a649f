/* SPDX-License-Identifier: MIT */
/*
 * upstream.c: the upstream pool.  Each enabled address has 'connections'
 * DoT connections (upconn.c), opened on demand and kept open.  Queries
 * wait in a per-connection queue and are written after each loop
 * iteration, so a burst leaves in as few records as the buffer allows;
 * answers are matched by ID (slot + generation), connection and
 * question (upmatch.c).  A dead connection puts its queries on the retry
 * list (upretry.c), worked after the loop's dispatch: sent again
 * elsewhere while their deadline allows, else answered SERVFAIL.  A
 * connection with queries out and no answer for a while gets a probe (a
 * query for the root's NS, which any resolver has cached): a server that
 * answers it is alive and merely slow on some name; one that answers
 * nothing is a black hole.  Address choice and back-off are policy.c's.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "cert.h"
#include "dns.h"
#include "fmt.h"
#include "inherit.h"
#include "log.h"
#include "loop.h"
#include "mem.h"
#include "policy.h"
#include "stats.h"
#include "upmatch.h"
#include "upretry.h"
#include "upstream.h"

#define UP_HANDSHAKE_MIN_MS	1000
#define UP_DOWN_SUMMARY_MS	60000	/* while down: one line a minute */
#define UP_STALL_MIN_MS		500	/* no answer this long: black hole */
#define UP_CLOCK_POLL_MS	1000
#define UP_NAME_CAP		(ADDR_STR_CAP + CONF_NAME_CAP + 4)
#define UP_ERR_CAP		64

struct up_addr;

/* A connection of the pool: the DoT connection and what the pool
 * learns about it. */
struct up_conn {
	struct uc	 uc;		/* first: callbacks get &uc */
	struct up_addr	*a;
	uint32_t	 server_idle_ms;	/* RFC 7828 from answers */
	int		 has_server_idle;
	int		 relaxed;		/* validated before clock sync */
	int		 probe_out;		/* a probe waits for its answer */
	uint16_t	 probe_id;
};

struct up_addr {
	const struct conf_upstream *u;
	int		 idx;			/* for policy.c */
	struct addr	 sa;
	char		 name[UP_NAME_CAP];	/* "1.1.1.1:853 (one.one)" */
	struct up_conn	*conn;
	int		 n_conn;
	int		 is_down;		/* logged as down */
	uint32_t	 n_fail_quiet;		/* failures not logged yet */
	uint64_t	 summary_ms;		/* next "still down" line */
	char		 last_err[UP_ERR_CAP];
	struct up_counts n;
	int		 is_restored;	/* start-up: took a carried record */
};

/* One address as a reload carries it (INH_R_ADDR). */
struct up_carried {
	struct addr	 sa;				/* key */
	char		 auth_name[CONF_NAME_CAP];	/* key */
	struct up_counts n;
	struct pol_health health;
	int32_t		 is_down;
	uint32_t	 n_fail_quiet;
	uint64_t	 summary_ms;
	char		 last_err[UP_ERR_CAP];
};

static struct up_conn *pick_conn(struct up_addr *);
static int	 conn_open(struct up_conn *);
static void	 conn_ready(struct uc *);
static void	 conn_sent(struct uc *, int);
static void	 conn_answer(struct uc *, uint8_t *, size_t);
static void	 conn_fail(struct uc *, enum uc_fail, const char *);
static void	 addr_failed(struct up_addr *, const char *, enum uc_fail);
static void	 addr_good(struct up_addr *);
static void	 enqueue(struct up_conn *, int);
static void	 dequeue(struct uc *, int);
static uint64_t	 up_next(void *);
static void	 up_tick(void *, uint64_t);
static void	 up_flush(void *);
static uint32_t	 stall_ms(void);
static void	 probe_send(struct up_conn *);
static int	 probe_answer(struct up_conn *, const uint8_t *, size_t);

static const struct uc_ops conn_ops = {
	conn_ready,
	conn_sent,
	conn_answer,
	conn_fail,
};

static const struct conf *cf;
static struct qt	*qt;
static struct up_cbs	 cbs;
static struct up_addr	*addrs;
static int		 n_addrs;
static struct up_conn	**conns;	/* by idx */
static int		 n_conns;
static int		 any_dirty;
static int		 any_relaxed;	/* a conn validated before clock sync */
static uint64_t		 last_clock_ms;

/* see upstream.h */
int
up_max_fds(const struct conf *c)
{
	int i, n = 0;

	for (i = 0; i < c->n_up; i++)
		if (c->up[i].enabled)
			n += c->up[i].n_addr * (int)c->connections;
	return n;
}

/* see upstream.h */
void
up_init(const struct conf *c, struct qt *t, const struct up_cbs *cb)
{
	char as[ADDR_STR_CAP];
	struct up_addr *a;
	struct up_conn *cn;
	int i, j, k;

	cf = c;
	qt = t;
	cbs = *cb;
	for (i = 0; i < c->n_up; i++)
		if (c->up[i].enabled)
			n_addrs += c->up[i].n_addr;
	addrs = mem_alloc(sizeof(*addrs) * (size_t)MAX(n_addrs, 1));
	conns = mem_alloc(sizeof(*conns) *
	    (size_t)MAX(n_addrs * (int)c->connections, 1));
	pol_init(c->policy, n_addrs);
	a = addrs;
	for (i = 0; i < c->n_up; i++) {
		if (!c->up[i].enabled)
			continue;
		for (j = 0; j < c->up[i].n_addr; j++, a++) {
			a->u = &c->up[i];
			a->idx = (int)(a - addrs);
			a->sa = c->up[i].addr[j];
			fmt_snprintf(a->name, sizeof(a->name), "%s (%s)",
			    addr_str(&a->sa, as, sizeof(as)),
			    c->up[i].auth_name);
			a->n_conn = (int)c->connections;
			a->conn = mem_alloc(sizeof(*a->conn) *
			    (size_t)a->n_conn);
			for (k = 0; k < a->n_conn; k++) {
				cn = &a->conn[k];
				cn->a = a;
				uc_init(&cn->uc, &conn_ops, t, n_conns,
				    a->name, (const uint8_t (*)[32])a->u->pin,
				    a->u->n_pin);
				conns[n_conns++] = cn;
			}
		}
	}
	um_probe_init(c->padding);
	ur_init(t, up_submit, cb->fail);
	loop_timer(up_next, up_tick, NULL);
	loop_after(up_flush, NULL);
}

/* Queries out and nothing heard for a while: ask something any live
 * resolver answers at once, on the same connection. */
static void
probe_send(struct up_conn *c)
{
	c->probe_id = um_probe_send(&c->uc, qt);
	c->probe_out = 1;
	log_debug("upstream %s: conn %d: no answer for %" PRIu32 " ms, "
	    "probing", c->a->name, c->uc.idx, stall_ms() / 2);
	uc_pump(&c->uc);
}

/* 1 when msg is the answer to c's probe (taken), 0 when it is not. */
static int
probe_answer(struct up_conn *c, const uint8_t *msg, size_t len)
{
	if (!c->probe_out || !um_probe_answer(msg, len, c->probe_id))
		return 0;
	c->probe_out = 0;
	log_debug("upstream %s: conn %d: probe answered", c->a->name,
	    c->uc.idx);
	return 1;
}

/* An idle ready connection, else a closed one (opened), else the least
 * loaded ready or opening one. */
static struct up_conn *
pick_conn(struct up_addr *a)
{
	struct up_conn *c, *best = NULL;
	int i, load, best_load = 0;

	for (i = 0; i < a->n_conn; i++) {
		c = &a->conn[i];
		load = c->uc.n_queued + c->uc.n_sent;
		if (c->uc.state == UC_READY && load == 0)
			return c;
	}
	for (i = 0; i < a->n_conn; i++) {
		c = &a->conn[i];
		if (c->uc.state == UC_CLOSED)
			return conn_open(c) == 0 ? c : NULL;
	}
	for (i = 0; i < a->n_conn; i++) {
		c = &a->conn[i];
		load = c->uc.n_queued + c->uc.n_sent;
		if (best == NULL || load < best_load) {
			best = c;
			best_load = load;
		}
	}
	return best;
}

static int
conn_open(struct up_conn *c)
{
	struct up_addr *a = c->a;

	c->has_server_idle = 0;
	c->probe_out = 0;
	switch (uc_open(&c->uc, &a->sa, a->u->auth_name,
	    MAX(UP_HANDSHAKE_MIN_MS, cf->timeout_ms / 2))) {
	case 0:
		return 0;
	case UC_ECONNECT:
		/* ENETUNREACH & co: the same as a dead upstream */
		addr_failed(a, log_errstr(errno), UC_F_NETWORK);
		return -1;
	case UC_ESLOT:
		log_warnx("upstream %s: no loop slot", a->name);
		return -1;
	default:
		log_warn("upstream %s: socket", a->name);
		return -1;
	}
}

static void
addr_failed(struct up_addr *a, const char *why, enum uc_fail kind)
{
	uint64_t now = loop_now();
	uint32_t backoff;

	a->n.failures++;
	a->n.fail[kind]++;
	fmt_snprintf(a->last_err, sizeof(a->last_err), "%s", why);
	backoff = pol_failed(a->idx, now);
	if (!a->is_down) {
		a->is_down = 1;
		a->n_fail_quiet = 0;
		a->summary_ms = now + UP_DOWN_SUMMARY_MS;
		log_warnx("upstream %s is down: %s", a->name, why);
		return;
	}
	/* while down: a summary now and then, never a line per attempt */
	a->n_fail_quiet++;
	log_debug("upstream %s: connection failed: %s (retry in %" PRIu32
	    " ms)", a->name, why, backoff);
	if (now >= a->summary_ms) {
		log_warnx("upstream %s still down: %" PRIu32 " more failed "
		    "attempts, last: %s", a->name, a->n_fail_quiet, why);
		a->n_fail_quiet = 0;
		a->summary_ms = now + UP_DOWN_SUMMARY_MS;
	}
}

static void
addr_good(struct up_addr *a)
{
	pol_good(a->idx);
	if (a->is_down) {
		a->is_down = 0;
		log_info("upstream %s is back", a->name);
	}
}

/* see upstream.h */
int
up_submit(int slot)
{
	struct qt_slot *s = &qt->slot[slot];
	struct up_conn *c;
	int i, k, avoid, probe;

	BUG_ON(s->state != QT_WAIT || s->conn != -1);
	/* a resend prefers another address than the one that failed */
	avoid = s->n_sent > 0 ? s->addr : -1;
	for (k = 0; k < n_addrs; k++) {
		if ((i = pol_pick(loop_now(), avoid, &probe)) == -1)
			break;
		if (probe)
			log_debug("upstream %s: every address backed off, "
			    "trying it", addrs[i].name);
		if ((c = pick_conn(&addrs[i])) != NULL) {
			s->addr = i;
			enqueue(c, slot);
			return 0;
		}
		avoid = i;
	}
	return -1;
}

static void
enqueue(struct up_conn *c, int slot)
{
	struct qt_slot *s = &qt->slot[slot];
	struct uc *u = &c->uc;

	s->conn = u->idx;
	s->next = -1;
	if (u->q_tail == -1)
		u->q_head = slot;
	else
		qt->slot[u->q_tail].next = slot;
	u->q_tail = slot;
	u->n_queued++;
	if (u->state == UC_READY) {
		u->dirty = 1;
		any_dirty = 1;
	}
}

/* Remove a waiting slot from u's queue (not the partly written head). */
static void
dequeue(struct uc *u, int slot)
{
	int *pp, prev = -1;

	for (pp = &u->q_head; *pp != -1; pp = &qt->slot[*pp].next) {
		if (*pp == slot) {
			*pp = qt->slot[slot].next;
			if (u->q_tail == slot)
				u->q_tail = prev;
			u->n_queued--;
			qt->slot[slot].next = -1;
			return;
		}
		prev = *pp;
	}
	BUG_ON(1);
}

/* see upstream.h */
void
up_forget(int slot)
{
	struct qt_slot *s = &qt->slot[slot];
	struct up_conn *c;
	struct uc *u;
	int broken;

	if (s->state == QT_RETRY) {
		ur_remove(slot);
		return;
	}
	if (s->conn == -1)
		return;
	c = conns[s->conn];
	u = &c->uc;
	s->conn = -1;
	if (s->addr != -1)
		addrs[s->addr].n.timeouts++;
	if (s->state == QT_SENT) {
		/* nothing out any more: a probe's late answer is just late */
		if (--u->n_sent == 0)
			c->probe_out = 0;
		return;
	}
	/* half of it is in the TLS stream: the stream can't be mended */
	broken = u->q_head == slot && u->wr_off > 0;
	dequeue(u, slot);
	if (broken) {
		u->wr_off = 0;
		conn_fail(u, UC_F_SILENT, "stalled while writing");
	}
}

/*
 * Callbacks of the connections.
 */

static void
conn_ready(struct uc *u)
{
	struct up_conn *c = (struct up_conn *)(void *)u;
	struct up_addr *a = c->a;

	a->n.handshakes++;
	if (tls_resumed(&u->tls))
		a->n.resumed++;
	/* while the address is down, only an answer (not a handshake)
	 * brings it back: see conn_answer */
	(a->is_down ? log_debug : log_info)("upstream %s: handshake "
	    "complete (%s%s)", a->name, tls_suite(&u->tls),
	    tls_resumed(&u->tls) ? ", resumed" : "");
	/* what counts is the clock when the certificate was checked (or,
	 * resumed, when the session's was), not now */
	c->relaxed = cert_was_relaxed(&u->tls.cert);
	if (c->relaxed && cert_clock_synced()) {
		/* synchronised during the handshake: check it again */
		log_info("upstream %s: clock synchronised during the "
		    "handshake, reconnecting to check the certificate in full",
		    a->name);
		tls_forget_session(&u->tls);
		conn_fail(u, UC_F_LOST, "clock synchronised");
		return;
	}
	any_relaxed |= c->relaxed;
}

static void
conn_sent(struct uc *u, int slot)
{
	struct up_conn *c = (struct up_conn *)(void *)u;

	qt_sent(qt, slot, loop_now());
	c->a->n.queries++;
	if (qt->slot[slot].n_sent > 1)
		c->a->n.resent++;
}

static void
conn_answer(struct uc *u, uint8_t *msg, size_t len)
{
	struct up_conn *c = (struct up_conn *)(void *)u;
	struct up_addr *a = c->a;
	struct qt_slot *s;
	struct dns_msg m;
	int i;

	if (len >= DNS_HDR_LEN && probe_answer(c, msg, len)) {
		/* alive: whatever is out is slow, not lost */
		u->waiting_since_ms = loop_now();
		return;
	}
	if ((i = um_match(qt, u->idx, msg, len, &m)) < 0) {
		if (i == UM_MISMATCH)
			log_debug("upstream %s: answer %u does not match its "
			    "query", a->name, m.id);
		/* late (answered or timed out), or not ours */
		st.late++;
		return;
	}
	s = &qt->slot[i];
	s->conn = -1;
	u->n_sent--;
	u->waiting_since_ms = loop_now();
	if (u->n_sent == 0)
		c->probe_out = 0;	/* a late probe answer is just late */
	a->n.answers++;
	if (a->is_down || pol_is_failing(a->idx))
		addr_good(a);
	if (m.has_keepalive) {
		/* RFC 7828 3.3.2: the server's idea of our idle time */
		c->server_idle_ms = m.keepalive_ms;
		c->has_server_idle = 1;
	}
	pol_rtt(a->idx, loop_now() - s->sent_ms);
	cbs.answer(i, msg, len, &m);
}

/*
 * The connection is over.  For every kind but UC_F_LOST its address
 * backs off.  Every query on it (queued or sent) goes to the retry list.
 */
static void
conn_fail(struct uc *u, enum uc_fail kind, const char *why)
{
	struct up_conn *c = (struct up_conn *)(void *)u;
	struct qt_slot *s;
	int i;

	if (kind != UC_F_LOST)
		addr_failed(c->a, why, kind);
	else if (u->n_sent > 0 || u->n_queued > 0) {
		c->a->n.fail[UC_F_LOST]++;
		log_info("upstream %s: connection lost with %d queries in "
		    "flight: %s", c->a->name, u->n_sent + u->n_queued, why);
	} else
		log_debug("upstream %s: connection closed: %s", c->a->name,
		    why);
	uc_shut(u, 0);
	for (i = 0; i < qt->n; i++) {
		s = &qt->slot[i];
		if ((s->state == QT_WAIT || s->state == QT_SENT) &&
		    s->conn == u->idx)
			ur_add(i);
	}
	u->q_head = u->q_tail = -1;
	u->n_queued = 0;
	u->n_sent = 0;
}

/*
 * Deadlines.
 */

/* Close idle connections before the provider does: our idle_timeout_ms
 * or the server's RFC 7828 value, whichever is smaller. */
static uint32_t
idle_ms(const struct up_conn *c)
{
	uint32_t ms = cf->idle_timeout_ms > 0 ? cf->idle_timeout_ms :
	    UINT32_MAX;

	if (c->has_server_idle)
		ms = MIN(ms, c->server_idle_ms);
	return ms;
}

/* Queries out and no answer for this long: the server went silent (a
 * black hole keeps TCP open); recycle it while the queries have time. */
static uint32_t
stall_ms(void)
{
	return MAX(UP_STALL_MIN_MS, cf->timeout_ms / 2);
}

static uint64_t
conn_deadline(const struct up_conn *c)
{
	const struct uc *u = &c->uc;

	switch (u->state) {
	case UC_CONNECTING:
	case UC_HANDSHAKE:
		return u->open_deadline_ms;
	case UC_READY:
		/* silent for stall_ms / 2: probe; for stall_ms: dead */
		if (u->n_sent > 0)
			return u->waiting_since_ms + (c->probe_out ?
			    stall_ms() : stall_ms() / 2);
		if (u->n_queued == 0 && idle_ms(c) != UINT32_MAX)
			return u->last_used_ms + idle_ms(c);
		break;
	default:
		break;
	}
	return UINT64_MAX;
}

static uint64_t
up_next(void *arg)
{
	uint64_t next = UINT64_MAX;
	int i;

	(void)arg;
	if (ur_is_pending())
		return 0;	/* worked by up_flush this iteration */
	for (i = 0; i < n_conns; i++)
		next = MIN(next, conn_deadline(conns[i]));
	return next;
}

static void
up_tick(void *arg, uint64_t now)
{
	struct uc *u;
	int i;

	(void)arg;
	for (i = 0; i < n_conns; i++) {
		u = &conns[i]->uc;
		if (conn_deadline(conns[i]) > now)
			continue;
		if (u->state == UC_READY && u->n_sent > 0 &&
		    !conns[i]->probe_out)
			probe_send(conns[i]);
		else if (u->state == UC_READY && u->n_sent > 0)
			conn_fail(u, UC_F_SILENT, "server not answering");
		else if (u->state == UC_READY) {
			log_debug("upstream %s: conn %d idle, closing",
			    u->name, u->idx);
			uc_shut(u, 1);
		} else
			conn_fail(u, UC_F_TIMEOUT, u->state == UC_CONNECTING ?
			    "connect timeout" : "handshake timeout");
	}
}

/* After the dispatch: retries first, then every queue into its
 * connection in one go. */
static void
up_flush(void *arg)
{
	struct uc *u;
	int i;

	(void)arg;
	/* the kernel may have learnt the time (cert.c asks it): once a
	 * second while connections rest on the relaxed rule */
	if (any_relaxed && loop_now() - last_clock_ms >= UP_CLOCK_POLL_MS) {
		last_clock_ms = loop_now();
		if (cert_clock_synced())
			up_clock_synced();
	}
	ur_run();
	if (!any_dirty)
		return;
	any_dirty = 0;
	for (i = 0; i < n_conns; i++) {
		u = &conns[i]->uc;
		if (u->dirty && u->state == UC_READY)
			uc_pump(u);
	}
}

/* see upstream.h */
void
up_recheck(void)
{
	pol_recheck();
}

/* see upstream.h */
void
up_clock_synced(void)
{
	struct up_conn *c;
	int i;

	any_relaxed = 0;
	for (i = 0; i < n_conns; i++) {
		c = conns[i];
		tls_forget_session(&c->uc.tls);
		if (c->uc.state == UC_READY && c->relaxed) {
			log_info("upstream %s: clock synchronised, "
			    "reconnecting to check the certificate in full",
			    c->a->name);
			conn_fail(&c->uc, UC_F_LOST, "clock synchronised");
		}
	}
}

/* see upstream.h */
int
up_n_addr(void)
{
	return n_addrs;
}

/* see upstream.h */
void
up_view(int i, struct up_view *v)
{
	const struct up_addr *a = &addrs[i];
	struct pol_health hl;

	BUG_ON(i < 0 || i >= n_addrs);
	pol_health_get(a->idx, &hl);
	v->backoff_ms = hl.backoff_ms;
	v->retry_in_ms = hl.backoff_until_ms > loop_now() ?
	    (uint32_t)MIN(hl.backoff_until_ms - loop_now(), UINT32_MAX) : 0;
	v->sa = &a->sa;
	v->name = a->name;
	v->auth_name = a->u->auth_name;
	v->is_down = a->is_down;
	v->last_err = a->last_err;
	v->rtt_ms = pol_rtt_ms(a->idx);
	v->n = &a->n;
}

/* see upstream.h */
uint32_t
up_rtt_take(int i)
{
	BUG_ON(i < 0 || i >= n_addrs);
	return pol_rtt_take(addrs[i].idx);
}

/* see upstream.h */
void
up_carry(struct inh_wr *w)
{
	struct up_carried c;
	const struct up_addr *a;
	int i;

	for (i = 0; i < n_addrs; i++) {
		a = &addrs[i];
		memset(&c, 0, sizeof(c));
		c.sa = a->sa;
		fmt_snprintf(c.auth_name, sizeof(c.auth_name), "%s",
		    a->u->auth_name);
		c.n = a->n;
		pol_health_get(a->idx, &c.health);
		c.is_down = a->is_down;
		c.n_fail_quiet = a->n_fail_quiet;
		c.summary_ms = a->summary_ms;
		memcpy(c.last_err, a->last_err, sizeof(c.last_err));
		inh_wr_rec(w, INH_R_ADDR, &c, sizeof(c));
	}
}

/* A key from another image: an IP address with a port and a name. */
static int
carried_key_ok(const struct up_carried *c)
{
	int f = c->sa.u.sa.sa_family;

	if (f == AF_INET && c->sa.len != sizeof(c->sa.u.sin))
		return 0;
	if (f == AF_INET6 && c->sa.len != sizeof(c->sa.u.sin6))
		return 0;
	return (f == AF_INET || f == AF_INET6) &&
	    memchr(c->auth_name, '\0', sizeof(c->auth_name)) != NULL;
}

static void
add_counts(struct up_counts *to, const struct up_counts *from)
{
	int k;

	to->queries += from->queries;
	to->answers += from->answers;
	to->timeouts += from->timeouts;
	to->resent += from->resent;
	to->handshakes += from->handshakes;
	to->resumed += from->resumed;
	to->failures += from->failures;
	for (k = 0; k < UC_F_N; k++)
		to->fail[k] += from->fail[k];
}

/* see upstream.h */
int
up_restore(const void *p, size_t len, int mode)
{
	struct up_carried c;
	struct up_addr *a;
	uint64_t now = loop_clock();
	int i;

	if (len != sizeof(c))
		return -1;
	memcpy(&c, p, sizeof(c));
	if (!carried_key_ok(&c))
		return -1;
	for (i = 0; i < n_addrs; i++) {
		a = &addrs[i];
		if ((mode == INH_RESTORE && a->is_restored) ||
		    !addr_eq(&a->sa, &c.sa) ||
		    strcmp(a->u->auth_name, c.auth_name) != 0)
			continue;
		if (mode == INH_ADD) {
			add_counts(&a->n, &c.n);
			return 0;
		}
		a->is_restored = 1;
		a->n = c.n;
		pol_health_set(a->idx, &c.health, now);
		a->is_down = c.is_down != 0;
		a->n_fail_quiet = c.n_fail_quiet;
		a->summary_ms = MIN(c.summary_ms, now + UP_DOWN_SUMMARY_MS);
		c.last_err[sizeof(c.last_err) - 1] = '\0';
		memcpy(a->last_err, c.last_err, sizeof(a->last_err));
		return 0;
	}
	return -1;
}

/* see upstream.h */
void
up_reset_counts(void)
{
	int i;

	for (i = 0; i < n_addrs; i++)
		memset(&addrs[i].n, 0, sizeof(addrs[i].n));
}
