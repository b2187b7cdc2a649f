/* SPDX-License-Identifier: MIT */
/*
 * upstream.c: the upstream pool.  Each enabled address has 'connections'
 * TLS connections, opened on demand and kept open.  Queries wait in a
 * per-connection queue and are written after each loop iteration, so a
 * burst leaves in as few records as the buffer allows; answers are
 * matched by ID (slot + generation), connection and question.  A dead
 * connection hands its queries to another one while their deadline
 * allows.  Failed addresses back off (1 s doubling to 60 s).
 */
#include <sys/socket.h>

#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "cert.h"
#include "dns.h"
#include "log.h"
#include "loop.h"
#include "mem.h"
#include "stats.h"
#include "ta.h"
#include "tls.h"
#include "upstream.h"

#define UP_MSG_CAP		(2 + DNS_MSG_MAX)	/* one framed answer */
#define UP_BACKOFF_MIN_MS	1000
#define UP_BACKOFF_MAX_MS	60000
#define UP_PROBE_MS		1000	/* all backed off: one attempt/s */
#define UP_MAX_SENDS		2	/* first send + one resend (7766 6.2.1) */
#define UP_HANDSHAKE_MIN_MS	1000
#define UP_PUMP_ROUNDS		16	/* bound work per wakeup */
#define UP_FASTEST_PROBE	16	/* fastest: every Nth pick rotates */
#define UP_DOWN_SUMMARY_MS	60000	/* while down: one line a minute */
#define UP_STALL_MIN_MS		500	/* no answer this long: black hole */
#define UP_CLOCK_POLL_MS	1000
#define UP_NAME_CAP		(ADDR_STR_CAP + CONF_NAME_CAP + 4)
#define UP_ERR_CAP		64

/* Failure counters by kind, for SIGUSR1 and status. */
enum up_fail { UP_F_NETWORK, UP_F_TIMEOUT, UP_F_CERT, UP_F_TLS,
    UP_F_SILENT, UP_F_LOST, UP_F_N };

static const char *const fail_name[UP_F_N] = { "network", "timeout",
    "certificate", "tls", "silent", "lost" };

enum up_state { UP_ST_CLOSED, UP_ST_CONNECTING, UP_ST_HANDSHAKE,
    UP_ST_READY };

static const char *const state_name[] = { "closed", "connecting",
    "handshake", "ready" };

struct up_addr;

struct up_conn {
	struct up_addr	*a;
	int		 idx;		/* qt_slot.conn */
	int		 fd;
	int		 h;
	int		 state;		/* enum up_state */
	int		 dirty;		/* queries queued since last write */
	uint64_t	 open_deadline_ms;	/* connect + handshake */
	uint64_t	 last_used_ms;
	uint64_t	 waiting_since_ms;	/* oldest unanswered, or last
						 * answer while some are out */
	uint32_t	 server_idle_ms;	/* RFC 7828 from answers; 0 none */
	int		 has_server_idle;
	int		 relaxed;		/* validated before clock sync */
	int		 q_head, q_tail;	/* slots to write, in order */
	size_t		 wr_off;	/* bytes of the head written */
	int		 n_queued;
	int		 n_sent;	/* written, no answer yet */
	size_t		 msg_len;	/* bytes gathered in msg */
	uint8_t		*msg;		/* UP_MSG_CAP */
	struct tls_conn	 tls;
};

struct up_addr {
	const struct conf_upstream *u;
	struct addr sa;
	char		 name[UP_NAME_CAP];	/* "1.1.1.1:853 (one.one)" */
	struct up_conn	*conn;
	int		 n_conn;
	int		 is_down;		/* logged as down */
	uint32_t	 n_fail_quiet;		/* failures not logged yet */
	uint64_t	 summary_ms;		/* next "still down" line */
	uint32_t	 backoff_ms;
	uint64_t	 backoff_until_ms;
	uint32_t	 srtt8;			/* smoothed RTT in 1/8 ms;
						 * 0: not measured yet */
	char		 last_err[UP_ERR_CAP];
	uint64_t	 n_queries, n_answers, n_timeouts, n_handshakes,
			 n_resumed, n_failures, n_resent;
	uint64_t	 n_fail[UP_F_N];
};

static const char *errno_str(int);
static int	 pick_addr(int);
static struct up_conn *pick_conn(struct up_addr *);
static int	 conn_open(struct up_conn *);
static void	 conn_io(void *, short);
static void	 conn_pump(struct up_conn *);
static int	 conn_read(struct up_conn *);
static int	 conn_write(struct up_conn *);
static void	 conn_answer(struct up_conn *, uint8_t *, size_t);
static void	 conn_set_state(struct up_conn *, int);
static void	 conn_events(struct up_conn *);
static void	 conn_fail(struct up_conn *, const char *, int);
static int	 fail_kind(const struct up_conn *, const char *);
static void	 conn_shut(struct up_conn *);
static void	 enqueue(struct up_conn *, int);
static void	 dequeue(struct up_conn *, int);
static uint64_t	 up_next(void *);
static void	 up_tick(void *, uint64_t);
static void	 up_flush(void *);

static const struct conf *cf;
static struct qt	*qt;
static struct up_cbs	 cbs;
static struct up_addr	*addrs;
static int		 n_addrs;
static struct up_conn	**conns;	/* by idx */
static int		 n_conns;
static int		*retry;		/* scratch: slots of a failed conn */
static int		 in_fail;
static int		 rr_next;
static unsigned		 n_picks;
static uint64_t		 last_probe_ms;
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
	const br_x509_trust_anchor *tas;
	char as[ADDR_STR_CAP];
	struct up_addr *a;
	struct up_conn *cn;
	size_t n_tas;
	int i, j, k;

	cf = c;
	qt = t;
	cbs = *cb;
	tas = ta_list(&n_tas);
	for (i = 0; i < c->n_up; i++)
		if (c->up[i].enabled)
			n_addrs += c->up[i].n_addr;
	addrs = mem_alloc(sizeof(*addrs) * (size_t)MAX(n_addrs, 1));
	conns = mem_alloc(sizeof(*conns) *
	    (size_t)MAX(n_addrs * (int)c->connections, 1));
	retry = mem_alloc(sizeof(*retry) * (size_t)t->n);
	a = addrs;
	for (i = 0; i < c->n_up; i++) {
		if (!c->up[i].enabled)
			continue;
		for (j = 0; j < c->up[i].n_addr; j++, a++) {
			a->u = &c->up[i];
			a->sa = c->up[i].addr[j];
			snprintf(a->name, sizeof(a->name), "%s (%s)",
			    addr_str(&a->sa, as, sizeof(as)),
			    c->up[i].auth_name);
			a->n_conn = (int)c->connections;
			a->conn = mem_alloc(sizeof(*a->conn) *
			    (size_t)a->n_conn);
			for (k = 0; k < a->n_conn; k++) {
				cn = &a->conn[k];
				cn->a = a;
				cn->idx = n_conns;
				cn->fd = -1;
				cn->h = -1;
				cn->q_head = cn->q_tail = -1;
				cn->msg = mem_alloc(UP_MSG_CAP);
				tls_init(&cn->tls,
				    mem_alloc(TLS_IN_CAP + TLS_OUT_CAP),
				    tas, n_tas,
				    (const uint8_t (*)[32])a->u->pin,
				    a->u->n_pin);
				conns[n_conns++] = cn;
			}
		}
	}
	loop_timer(up_next, up_tick, NULL);
	loop_after(up_flush, NULL);
}

/* Socket errors as the log words them (lower case, no libc variance). */
static const char *
errno_str(int e)
{
	switch (e) {
	case ECONNREFUSED:
		return "connection refused";
	case ECONNRESET:
		return "connection reset";
	case ETIMEDOUT:
		return "connection timed out";
	case ENETUNREACH:
		return "network unreachable";
	case EHOSTUNREACH:
		return "host unreachable";
	case EADDRNOTAVAIL:
		return "address not available";
	default:
		return strerror(e);
	}
}

static int
addr_ok(const struct up_addr *a, uint64_t now)
{
	return now >= a->backoff_until_ms;
}

/*
 * The address for a query, by policy, among those not backed off; when
 * every address is backed off, one attempt per UP_PROBE_MS on the one
 * whose back-off ends first, so DNS comes back by itself.  'avoid' is
 * skipped when another choice exists.  Returns an index or -1.
 */
static int
pick_addr(int avoid)
{
	uint64_t now = loop_now();
	int i, k, best = -1;

	n_picks++;
	switch (cf->policy) {
	case CONF_POLICY_FASTEST:
		if (n_picks % UP_FASTEST_PROBE != 0) {
			for (i = 0; i < n_addrs; i++) {
				if (i == avoid || !addr_ok(&addrs[i], now))
					continue;
				if (best == -1 || addrs[i].srtt8 <
				    addrs[best].srtt8)
					best = i;
			}
			break;
		}
		/* now and then measure the others */
		/* FALLTHROUGH */
	case CONF_POLICY_ROUNDROBIN:
		for (k = 0; k < n_addrs && best == -1; k++) {
			i = (rr_next + k) % n_addrs;
			if (i != avoid && addr_ok(&addrs[i], now)) {
				best = i;
				rr_next = (i + 1) % n_addrs;
			}
		}
		break;
	default:
		for (i = 0; i < n_addrs && best == -1; i++)
			if (i != avoid && addr_ok(&addrs[i], now))
				best = i;
		break;
	}
	if (best != -1)
		return best;
	if (avoid != -1 && addr_ok(&addrs[avoid], now))
		return avoid;
	if (n_addrs == 0 || now - last_probe_ms < UP_PROBE_MS)
		return -1;
	for (i = 0; i < n_addrs; i++)
		if (best == -1 || addrs[i].backoff_until_ms <
		    addrs[best].backoff_until_ms)
			best = i;
	last_probe_ms = now;
	log_debug("upstream %s: every address backed off, trying it",
	    addrs[best].name);
	return best;
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
		load = c->n_queued + c->n_sent;
		if (c->state == UP_ST_READY && load == 0)
			return c;
	}
	for (i = 0; i < a->n_conn; i++) {
		c = &a->conn[i];
		if (c->state == UP_ST_CLOSED)
			return conn_open(c) == 0 ? c : NULL;
	}
	for (i = 0; i < a->n_conn; i++) {
		c = &a->conn[i];
		load = c->n_queued + c->n_sent;
		if (best == NULL || load < best_load) {
			best = c;
			best_load = load;
		}
	}
	return best;
}

static void
addr_failed(struct up_addr *a, const char *why, int kind)
{
	uint64_t now = loop_now();

	a->n_failures++;
	a->n_fail[kind]++;
	snprintf(a->last_err, sizeof(a->last_err), "%s", why);
	a->backoff_ms = a->backoff_ms == 0 ? UP_BACKOFF_MIN_MS :
	    MIN(a->backoff_ms * 2, UP_BACKOFF_MAX_MS);
	a->backoff_until_ms = now + a->backoff_ms;
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
	    " ms)", a->name, why, a->backoff_ms);
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
	a->backoff_ms = 0;
	a->backoff_until_ms = 0;
	if (a->is_down) {
		a->is_down = 0;
		log_info("upstream %s is back", a->name);
	}
}

/* see upstream.h */
void
up_submit(int slot)
{
	struct qt_slot *s = &qt->slot[slot];
	struct up_conn *c;
	int i, k, avoid;

	BUG_ON(s->state != QT_WAIT || s->conn != -1);
	/* a resend prefers another address than the one that failed */
	avoid = s->n_sent > 0 ? s->addr : -1;
	for (k = 0; k < n_addrs; k++) {
		if ((i = pick_addr(avoid)) == -1)
			break;
		if ((c = pick_conn(&addrs[i])) != NULL) {
			s->addr = i;
			enqueue(c, slot);
			return;
		}
		avoid = i;
	}
	cbs.fail(slot, DNS_RC_SERVFAIL);
}

static void
enqueue(struct up_conn *c, int slot)
{
	struct qt_slot *s = &qt->slot[slot];

	s->conn = c->idx;
	s->next = -1;
	if (c->q_tail == -1)
		c->q_head = slot;
	else
		qt->slot[c->q_tail].next = slot;
	c->q_tail = slot;
	c->n_queued++;
	if (c->state == UP_ST_READY) {
		c->dirty = 1;
		any_dirty = 1;
	}
}

/* Remove a waiting slot from c's queue (not the partly written head). */
static void
dequeue(struct up_conn *c, int slot)
{
	int *pp, prev = -1;

	for (pp = &c->q_head; *pp != -1; pp = &qt->slot[*pp].next) {
		if (*pp == slot) {
			*pp = qt->slot[slot].next;
			if (c->q_tail == slot)
				c->q_tail = prev;
			c->n_queued--;
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
	int broken;

	if (s->conn == -1)
		return;
	c = conns[s->conn];
	s->conn = -1;
	if (s->addr != -1)
		addrs[s->addr].n_timeouts++;
	if (s->state == QT_SENT) {
		c->n_sent--;
		return;
	}
	/* half of it is in the TLS stream: the stream can't be mended */
	broken = c->q_head == slot && c->wr_off > 0;
	dequeue(c, slot);
	if (broken) {
		c->wr_off = 0;
		conn_fail(c, "stalled while writing", 1);
	}
}

static int
conn_open(struct up_conn *c)
{
	struct up_addr *a = c->a;
	int fd, on = 1;

	fd = socket(a->sa.u.sa.sa_family,
	    SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1) {
		log_warn("upstream %s: socket", a->name);
		return -1;
	}
	/* without it each handshake flight waits for a delayed ACK */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
	if (connect(fd, &a->sa.u.sa, a->sa.len) == -1 &&
	    errno != EINPROGRESS) {
		/* ENETUNREACH & co: the same as a dead upstream */
		addr_failed(a, errno_str(errno), UP_F_NETWORK);
		close(fd);
		return -1;
	}
	if ((c->h = loop_add(fd, conn_io, c)) == -1) {
		log_warnx("upstream %s: no loop slot", a->name);
		close(fd);
		return -1;
	}
	c->fd = fd;
	c->msg_len = 0;
	c->wr_off = 0;
	c->has_server_idle = 0;
	c->open_deadline_ms = loop_now() + MAX(UP_HANDSHAKE_MIN_MS,
	    cf->timeout_ms / 2);
	conn_set_state(c, UP_ST_CONNECTING);
	conn_events(c);
	return 0;
}

static void
conn_set_state(struct up_conn *c, int st_new)
{
	log_debug("upstream %s: conn %d %s -> %s", c->a->name, c->idx,
	    state_name[c->state], state_name[st_new]);
	c->state = st_new;
}

static void
conn_io(void *arg, short revents)
{
	struct up_conn *c = arg;
	socklen_t len;
	int err = 0;

	if (c->state == UP_ST_CONNECTING) {
		len = sizeof(err);
		if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1)
			err = errno;
		if (err == 0 && !(revents & (POLLOUT | POLLERR | POLLHUP)))
			return;
		if (err != 0 || (revents & (POLLERR | POLLHUP) &&
		    !(revents & POLLOUT))) {
			conn_fail(c, errno_str(err != 0 ? err : ECONNREFUSED),
			    1);
			return;
		}
		if (tls_start(&c->tls, c->a->u->auth_name) == -1) {
			conn_fail(c, tls_errstr(&c->tls), 1);
			return;
		}
		conn_set_state(c, UP_ST_HANDSHAKE);
	}
	conn_pump(c);
}

/* Drive the engine: socket records in and out, answers out of it,
 * queued queries into it, until nothing moves (bounded). */
static void
conn_pump(struct up_conn *c)
{
	struct up_addr *a = c->a;
	int i, moved;

	for (i = 0; i < UP_PUMP_ROUNDS; i++) {
		if (tls_io(&c->tls, c->fd) == -1) {
			conn_fail(c, tls_errstr(&c->tls),
			    c->state != UP_ST_READY);
			return;
		}
		if (c->state == UP_ST_HANDSHAKE && tls_is_ready(&c->tls)) {
			conn_set_state(c, UP_ST_READY);
			a->n_handshakes++;
			if (tls_resumed(&c->tls))
				a->n_resumed++;
			/* while the address is down, only an answer (not
			 * a handshake) brings it back: see conn_answer */
			(a->is_down ? log_debug : log_info)(
			    "upstream %s: handshake complete (%s%s)",
			    a->name, tls_suite(&c->tls),
			    tls_resumed(&c->tls) ? ", resumed" : "");
			c->relaxed = !cert_clock_synced();
			any_relaxed |= c->relaxed;
			c->last_used_ms = loop_now();
		}
		if (c->state != UP_ST_READY)
			break;
		moved = conn_read(c);
		if (c->state != UP_ST_READY)
			return;		/* failed inside */
		moved |= conn_write(c);
		if (!moved)
			break;
	}
	c->dirty = 0;
	conn_events(c);
}

/* Take answers out of the engine.  Returns 1 if bytes were consumed. */
static int
conn_read(struct up_conn *c)
{
	uint8_t *p;
	size_t len, need, n, mlen;
	int moved = 0;

	while ((p = tls_in(&c->tls, &len)) != NULL && len > 0) {
		moved = 1;
		if (c->msg_len == 0 && len >= 2) {
			mlen = (size_t)p[0] << 8 | p[1];
			if (mlen > 0 && len >= 2 + mlen) {
				/* whole message in the record: no copy */
				conn_answer(c, p + 2, mlen);
				tls_in_ack(&c->tls, 2 + mlen);
				continue;
			}
		}
		if (c->msg_len < 2)
			need = 2 - c->msg_len;
		else
			need = 2 + ((size_t)c->msg[0] << 8 | c->msg[1]) -
			    c->msg_len;
		n = MIN(need, len);
		memcpy(c->msg + c->msg_len, p, n);
		c->msg_len += n;
		tls_in_ack(&c->tls, n);
		if (c->msg_len < 2)
			continue;
		mlen = (size_t)c->msg[0] << 8 | c->msg[1];
		if (mlen == 0) {
			conn_fail(c, "zero-length message from server", 0);
			return 1;
		}
		if (c->msg_len == 2 + mlen) {
			conn_answer(c, c->msg + 2, mlen);
			c->msg_len = 0;
		}
	}
	return moved;
}

static void
conn_answer(struct up_conn *c, uint8_t *msg, size_t len)
{
	struct up_addr *a = c->a;
	struct qt_slot *s;
	struct dns_msg m;
	uint64_t rtt;
	int i;

	c->last_used_ms = loop_now();
	if (len < DNS_HDR_LEN ||
	    (i = qt_lookup(qt, (uint16_t)(msg[0] << 8 | msg[1]))) == -1 ||
	    qt->slot[i].state != QT_SENT || qt->slot[i].conn != c->idx) {
		/* late (answered or timed out), or not ours */
		st.late++;
		return;
	}
	s = &qt->slot[i];
	if (dns_parse_answer(msg, len, &m) != DNS_OK ||
	    !(m.flags & DNS_F_QR) || m.qdcount != 1 ||
	    !dns_same_question(msg, &m, s->q, &s->m)) {
		log_debug("upstream %s: answer %u does not match its query",
		    a->name, m.id);
		st.late++;
		return;
	}
	s->conn = -1;
	c->n_sent--;
	c->waiting_since_ms = loop_now();
	a->n_answers++;
	if (a->is_down || a->backoff_ms != 0)
		addr_good(a);
	if (m.has_keepalive) {
		/* RFC 7828 3.3.2: the server's idea of our idle time */
		c->server_idle_ms = m.keepalive_ms;
		c->has_server_idle = 1;
	}
	rtt = loop_now() - s->sent_ms;
	/* 7/8 smoothing kept in 1/8 ms (as TCP does): no rounding drift */
	rtt = MIN(rtt, 60000);
	a->srtt8 = a->srtt8 == 0 ? (uint32_t)MAX(8 * rtt, 1) :
	    (uint32_t)MAX(1, a->srtt8 - a->srtt8 / 8 + rtt);
	cbs.answer(i, msg, len, &m);
}

/* Put queued queries into the engine.  Returns 1 if any bytes went. */
static int
conn_write(struct up_conn *c)
{
	struct qt_slot *s;
	uint8_t *w, pfx[2];
	size_t cap, total, n, off, k;
	int slot, moved = 0;

	while ((slot = c->q_head) != -1) {
		if ((w = tls_out(&c->tls, &cap)) == NULL || cap == 0)
			break;
		s = &qt->slot[slot];
		pfx[0] = (uint8_t)(s->qlen >> 8);
		pfx[1] = (uint8_t)s->qlen;
		total = 2 + (size_t)s->qlen;
		n = MIN(cap, total - c->wr_off);
		for (k = 0; k < n; k++) {
			off = c->wr_off + k;
			w[k] = off < 2 ? pfx[off] : s->q[off - 2];
		}
		tls_out_ack(&c->tls, n);
		c->wr_off += n;
		moved = 1;
		if (c->wr_off < total)
			continue;
		c->wr_off = 0;
		c->q_head = s->next;
		if (c->q_head == -1)
			c->q_tail = -1;
		s->next = -1;
		c->n_queued--;
		if (c->n_sent++ == 0)
			c->waiting_since_ms = loop_now();
		s->state = QT_SENT;
		s->n_sent++;
		s->sent_ms = loop_now();
		c->a->n_queries++;
		if (s->n_sent > 1)
			c->a->n_resent++;
		c->last_used_ms = loop_now();
	}
	if (moved)
		tls_flush(&c->tls);
	return moved;
}

static void
conn_events(struct up_conn *c)
{
	short ev;

	if (c->fd == -1)
		return;
	if (c->state == UP_ST_CONNECTING)
		ev = POLLOUT;
	else
		ev = tls_events(&c->tls);
	loop_set(c->h, ev);
}

static void
conn_shut(struct up_conn *c)
{
	if (c->fd != -1) {
		loop_del(c->h);
		close(c->fd);
	}
	c->fd = -1;
	c->h = -1;
	c->msg_len = 0;
	c->wr_off = 0;
	c->dirty = 0;
	conn_set_state(c, UP_ST_CLOSED);
}

/*
 * The connection is over.  With addr_fault (connect or handshake failed,
 * server not answering) its address backs off.  Every query on it (queued or sent)
 * goes to another connection while it has sends and time left, else is
 * answered SERVFAIL.
 */
static void
conn_fail(struct up_conn *c, const char *why, int addr_fault)
{
	struct qt_slot *s;
	uint64_t now = loop_now();
	int i, n = 0;

	if (addr_fault)
		addr_failed(c->a, why, fail_kind(c, why));
	else if (c->n_sent > 0 || c->n_queued > 0) {
		c->a->n_fail[UP_F_LOST]++;
		log_info("upstream %s: connection lost with %d queries in "
		    "flight: %s", c->a->name, c->n_sent + c->n_queued, why);
	} else
		log_debug("upstream %s: connection closed: %s", c->a->name,
		    why);
	conn_shut(c);
	/* 'retry' is shared scratch: a nested conn_fail would clobber it */
	BUG_ON(in_fail);
	in_fail = 1;
	for (i = 0; i < qt->n; i++) {
		s = &qt->slot[i];
		if (s->state == QT_FREE || s->conn != c->idx)
			continue;
		s->conn = -1;
		s->next = -1;
		s->state = QT_WAIT;
		retry[n++] = i;
	}
	c->q_head = c->q_tail = -1;
	c->n_queued = 0;
	c->n_sent = 0;
	for (i = 0; i < n; i++) {
		s = &qt->slot[retry[i]];
		if (now >= s->deadline_ms) {
			st.timeouts++;
			cbs.fail(retry[i], DNS_RC_SERVFAIL);
		} else if (s->n_sent >= UP_MAX_SENDS)
			cbs.fail(retry[i], DNS_RC_SERVFAIL);
		else
			up_submit(retry[i]);
	}
	in_fail = 0;
}

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

/* Which counter a failure goes to (see conn_fail's callers). */
static int
fail_kind(const struct up_conn *c, const char *why)
{
	if (c->state == UP_ST_CONNECTING)
		return strstr(why, "timeout") != NULL ? UP_F_TIMEOUT :
		    UP_F_NETWORK;
	if (c->state == UP_ST_READY)
		return UP_F_SILENT;
	if (strstr(why, "timeout") != NULL)
		return UP_F_TIMEOUT;
	if (strstr(why, "certificate") != NULL || strstr(why, "CA") != NULL ||
	    strstr(why, "pin") != NULL)
		return UP_F_CERT;
	return UP_F_TLS;
}

static uint64_t
conn_deadline(const struct up_conn *c)
{
	switch (c->state) {
	case UP_ST_CONNECTING:
	case UP_ST_HANDSHAKE:
		return c->open_deadline_ms;
	case UP_ST_READY:
		if (c->n_sent > 0)
			return c->waiting_since_ms + stall_ms();
		if (c->n_queued == 0 && idle_ms(c) != UINT32_MAX)
			return c->last_used_ms + idle_ms(c);
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
	for (i = 0; i < n_conns; i++)
		next = MIN(next, conn_deadline(conns[i]));
	return next;
}

static void
up_tick(void *arg, uint64_t now)
{
	struct up_conn *c;
	int i;

	(void)arg;
	for (i = 0; i < n_conns; i++) {
		c = conns[i];
		if (conn_deadline(c) > now)
			continue;
		if (c->state == UP_ST_READY && c->n_sent > 0)
			conn_fail(c, "server not answering", 1);
		else if (c->state == UP_ST_READY) {
			log_debug("upstream %s: conn %d idle, closing",
			    c->a->name, c->idx);
			tls_close(&c->tls);
			(void)tls_io(&c->tls, c->fd);
			conn_shut(c);
		} else
			conn_fail(c, c->state == UP_ST_CONNECTING ?
			    "connect timeout" : "handshake timeout", 1);
	}
}

static void
up_flush(void *arg)
{
	int i;

	(void)arg;
	/* the kernel may have learnt the time (cert.c asks it): once a
	 * second while connections rest on the relaxed rule */
	if (any_relaxed && loop_now() - last_clock_ms >= UP_CLOCK_POLL_MS) {
		last_clock_ms = loop_now();
		if (cert_clock_synced())
			up_clock_synced();
	}
	if (!any_dirty)
		return;
	any_dirty = 0;
	for (i = 0; i < n_conns; i++)
		if (conns[i]->dirty && conns[i]->state == UP_ST_READY)
			conn_pump(conns[i]);
}

/* see upstream.h */
void
up_recheck(void)
{
	int i;

	for (i = 0; i < n_addrs; i++)
		addrs[i].backoff_until_ms = 0;
	last_probe_ms = 0;
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
		tls_forget_session(&c->tls);
		if (c->state == UP_ST_READY && c->relaxed) {
			log_info("upstream %s: clock synchronised, "
			    "reconnecting to check the certificate in full",
			    c->a->name);
			conn_fail(c, "clock synchronised", 0);
		}
	}
}

/* Smoothed RTT in ms, at least 1 once measured. */
static uint32_t
rtt_ms(const struct up_addr *a)
{
	return a->srtt8 == 0 ? 0 : MAX(1, (a->srtt8 + 4) / 8);
}

/* JSON string content: our names and reasons are plain; anything odd
 * becomes '?' rather than an escape. */
static const char *
json_safe(const char *in, char *out, size_t cap)
{
	size_t i;

	for (i = 0; in[i] != '\0' && i < cap - 1; i++)
		out[i] = in[i] < 0x20 || in[i] > 0x7e || in[i] == '"' ||
		    in[i] == '\\' ? '?' : in[i];
	out[i] = '\0';
	return out;
}

/* see upstream.h */
size_t
up_status_json(char *buf, size_t len, size_t cap)
{
	const struct up_addr *a;
	char as[ADDR_STR_CAP], err[UP_ERR_CAP];
	int i, n;

	for (i = 0; i < n_addrs && len < cap - 1; i++) {
		a = &addrs[i];
		n = snprintf(buf + len, cap - len, "%s{\"address\": \"%s\", "
		    "\"auth_name\": \"%s\", \"state\": \"%s\", \"rtt_ms\": %"
		    PRIu32 ", \"queries\": %" PRIu64 ", \"answers\": %" PRIu64
		    ", \"timeouts\": %" PRIu64 ", \"handshakes\": %" PRIu64
		    ", \"resumed\": %" PRIu64 ", \"failures\": %" PRIu64
		    ", \"last_error\": \"%s\"}", i == 0 ? "[" : ", ",
		    addr_str(&a->sa, as, sizeof(as)), a->u->auth_name,
		    a->is_down ? "down" : "up", rtt_ms(a), a->n_queries,
		    a->n_answers, a->n_timeouts, a->n_handshakes, a->n_resumed,
		    a->n_failures, json_safe(a->last_err, err, sizeof(err)));
		if (n < 0)
			break;
		len = MIN(len + (size_t)n, cap - 1);
	}
	n = snprintf(buf + len, cap - len, "%s", n_addrs == 0 ? "[]" : "]");
	if (n > 0)
		len = MIN(len + (size_t)n, cap - 1);
	return len;
}

/* see upstream.h */
void
up_log_stats(void)
{
	const struct up_addr *a;
	char why[UP_F_N * 32];
	size_t len;
	int i, k;

	for (i = 0; i < n_addrs; i++) {
		a = &addrs[i];
		why[0] = '\0';
		for (k = 0, len = 0; k < UP_F_N && len < sizeof(why); k++)
			len += (size_t)snprintf(why + len, sizeof(why) - len,
			    " %s %" PRIu64, fail_name[k], a->n_fail[k]);
		log_info("stats: upstream %s: %s, queries %" PRIu64
		    ", answers %" PRIu64 ", timeouts %" PRIu64 ", resent %"
		    PRIu64 ", handshakes %" PRIu64 " (resumed %" PRIu64
		    "), failures %" PRIu64 " (%s)%s%s, rtt %" PRIu32 " ms",
		    a->name, a->is_down ? "down" : "up", a->n_queries,
		    a->n_answers, a->n_timeouts, a->n_resent,
		    a->n_handshakes, a->n_resumed, a->n_failures, why + 1,
		    a->last_err[0] != '\0' ? ", last: " : "", a->last_err,
		    rtt_ms(a));
	}
}
