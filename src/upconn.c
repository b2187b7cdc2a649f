/* SPDX-License-Identifier: MIT */
/*
 * upconn.c: one DoT connection to an upstream (see upconn.h).  The
 * engine is driven from its state; answers are taken out of the TLS
 * records in place when a record holds a whole message, else gathered
 * (in the connection's small buffer, or the shared big one); queued
 * queries are copied into the engine after their 2-byte length and
 * flushed as one record.
 */
#include <sys/socket.h>

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "dns.h"
#include "log.h"
#include "loop.h"
#include "mem.h"
#include "ta.h"
#include "upconn.h"

#define UC_PUMP_ROUNDS	16	/* bound work per wakeup */

static const char *const state_name[UC_N] = { "closed", "connecting",
    "handshake", "ready" };

/* Legal transitions: [from] = the set of 'to'. */
#define TO(s)	(1U << (s))
static const unsigned state_next[UC_N] = {
	[UC_CLOSED] = TO(UC_CONNECTING),
	[UC_CONNECTING] = TO(UC_HANDSHAKE) | TO(UC_CLOSED),
	[UC_HANDSHAKE] = TO(UC_READY) | TO(UC_CLOSED),
	[UC_READY] = TO(UC_CLOSED),
};

static void	set_state(struct uc *, enum uc_state);
static void	io(void *, short);
static void	pump(struct uc *);
static int	take(struct uc *);
static int	gather_big(struct uc *);
static void	big_release(struct uc *);
static void	big_unwait(struct uc *);
static uint64_t	big_next(void *);
static void	big_tick(void *, uint64_t);
static int	give(struct uc *);
static void	events(struct uc *);

/* The big buffer (see upconn.h): who holds it, who waits for it. */
static uint8_t	*big;
static struct uc *big_owner;
static struct uc *big_head, *big_tail;
static int	 big_freed;	/* waiters to wake in big_tick */

/* see upconn.h */
void
uc_init(struct uc *c, const struct uc_ops *ops, struct qt *qt, int idx,
    const char *name, const uint8_t (*pin)[32], int n_pin)
{
	if (big == NULL) {
		big = mem_alloc(UC_MSG_CAP);
		loop_timer(big_next, big_tick, NULL);
	}
	c->ops = ops;
	c->qt = qt;
	c->idx = idx;
	c->name = name;
	c->fd = -1;
	c->h = -1;
	c->state = UC_CLOSED;
	c->q_head = c->q_tail = -1;
	c->part = mem_alloc(UC_PART_CAP);
	c->msg = c->part;
	c->iobuf = mem_alloc(TLS_IN_CAP + TLS_OUT_CAP);
	c->pin = pin;
	c->n_pin = n_pin;
}

/* see upconn.h */
struct tls_conn *
uc_tls(struct uc *c)
{
	const br_x509_trust_anchor *tas;
	size_t n_tas;

	if (!c->tls_ready) {
		tas = ta_list(&n_tas);
		tls_init(&c->tls, c->iobuf, tas, n_tas, c->pin, c->n_pin);
		c->tls_ready = 1;
	}
	return &c->tls;
}

/* The only writer of c->state. */
static void
set_state(struct uc *c, enum uc_state to)
{
	BUG_ON(!(state_next[c->state] & TO(to)));
	log_debug("upstream %s: conn %d %s -> %s", c->name, c->idx,
	    state_name[c->state], state_name[to]);
	c->state = to;
}

/* see upconn.h */
int
uc_open(struct uc *c, const struct addr *sa, const char *server_name,
    uint32_t open_ms)
{
	int fd, on = 1, e;

	(void)uc_tls(c);
	fd = socket(sa->u.sa.sa_family,
	    SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return UC_ESOCKET;
	/* without it each handshake flight waits for a delayed ACK */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
	if (connect(fd, &sa->u.sa, sa->len) == -1 && errno != EINPROGRESS) {
		e = errno;
		close(fd);
		errno = e;
		return UC_ECONNECT;
	}
	if ((c->h = loop_add(fd, io, c)) == -1) {
		close(fd);
		return UC_ESLOT;
	}
	c->fd = fd;
	c->server_name = server_name;
	c->msg_len = 0;
	c->wr_off = 0;
	c->probe_len = 0;
	c->probe_off = 0;
	c->open_deadline_ms = loop_now() + open_ms;
	set_state(c, UC_CONNECTING);
	events(c);
	return 0;
}

/* see upconn.h */
void
uc_shut(struct uc *c, int polite)
{
	if (polite && c->state == UC_READY) {
		tls_close(&c->tls);
		(void)tls_io(&c->tls, c->fd);
	}
	if (c->fd != -1) {
		loop_del(c->h);
		close(c->fd);
	}
	c->fd = -1;
	c->h = -1;
	tls_detach(&c->tls);
	big_release(c);
	big_unwait(c);
	c->msg = c->part;
	c->msg_len = 0;
	c->wr_off = 0;
	c->probe_len = 0;
	c->probe_off = 0;
	c->dirty = 0;
	set_state(c, UC_CLOSED);
}

/* see upconn.h */
int
uc_probe(struct uc *c, const uint8_t *msg, size_t len, uint16_t id)
{
	if (c->probe_len != 0 || len < 2 || len > DNS_MSG_MAX)
		return -1;
	c->probe = msg;
	c->probe_len = len;
	c->probe_off = 0;
	c->probe_id = id;
	return 0;
}

static void
io(void *arg, short revents)
{
	struct uc *c = arg;
	socklen_t len;
	int err = 0;

	if (c->state == UC_CONNECTING) {
		len = sizeof(err);
		if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1)
			err = errno;
		if (err == 0 && !(revents & (POLLOUT | POLLERR | POLLHUP)))
			return;
		if (err != 0 || (revents & (POLLERR | POLLHUP) &&
		    !(revents & POLLOUT))) {
			c->ops->fail(c, UC_F_NETWORK, log_errstr(err != 0 ?
			    err : ECONNREFUSED));
			return;
		}
		if (tls_start(&c->tls, c->server_name) == -1) {
			c->ops->fail(c, UC_F_TLS, tls_errstr(&c->tls));
			return;
		}
		set_state(c, UC_HANDSHAKE);
	}
	if (c->big_waits && (revents & (POLLERR | POLLHUP))) {
		/*
		 * Waiting for the big buffer it reads nothing, so it would
		 * never see the error poll() keeps reporting: end it now
		 * (its queries go elsewhere).
		 */
		len = sizeof(err);
		if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1)
			err = errno;
		c->ops->fail(c, UC_F_LOST, err != 0 ? log_errstr(err) :
		    "closed by peer");
		return;
	}
	pump(c);
}

/* see upconn.h */
void
uc_pump(struct uc *c)
{
	/* not from poll(): what there is to read, poll() reports */
	tls_defer_reads(&c->tls);
	pump(c);
}

static void
pump(struct uc *c)
{
	int i, moved;

	for (i = 0;; i++) {
		if (tls_io(&c->tls, c->fd) == -1) {
			/* a ready connection that closes is not the
			 * address's fault: its queries go elsewhere */
			c->ops->fail(c, c->state == UC_READY ? UC_F_LOST :
			    tls_fail_kind(&c->tls) == TLS_F_CERT ? UC_F_CERT :
			    UC_F_TLS, tls_errstr(&c->tls));
			return;
		}
		if (c->state == UC_HANDSHAKE && tls_is_ready(&c->tls)) {
			set_state(c, UC_READY);
			c->last_used_ms = loop_now();
			c->ops->ready(c);
		}
		if (c->state != UC_READY)
			break;
		moved = take(c);
		if (c->state != UC_READY)
			return;		/* failed inside */
		moved |= give(c);
		if (!moved)
			break;
		/* bytes read ahead for us wait in no socket: poll() would
		 * not wake us for them, so their records are taken now */
		if (i >= UC_PUMP_ROUNDS && !tls_pending(&c->tls))
			break;
	}
	c->dirty = 0;
	events(c);
}

/* Answers out of the engine.  Returns 1 if bytes were consumed. */
static int
take(struct uc *c)
{
	uint8_t *p;
	size_t len, n;
	int moved = 0;

	while (c->state == UC_READY && (p = tls_in(&c->tls, &len)) != NULL &&
	    len > 0) {
		if ((n = uc_feed(c, p, len)) == 0)
			break;		/* paused until the big one is free */
		moved = 1;
		tls_in_ack(&c->tls, n);
	}
	return moved;
}

/* see upconn.h */
size_t
uc_feed(struct uc *c, uint8_t *p, size_t len)
{
	size_t need, n, mlen;

	if (c->msg_len == 0 && len >= 2) {
		mlen = dns_get16(p);
		if (mlen > 0 && len >= 2 + mlen) {
			/* whole message in the record: no copy */
			c->last_used_ms = loop_now();
			c->ops->answer(c, p + 2, mlen);
			return 2 + mlen;
		}
	}
	/* it spans records: gather it (a big one in the shared buffer) */
	if (c->msg_len >= 2 && c->msg == c->part &&
	    2 + (size_t)dns_get16(c->part) > UC_PART_CAP &&
	    gather_big(c) == -1)
		return 0;
	if (c->msg_len < 2)
		need = 2 - c->msg_len;
	else
		need = 2 + (size_t)dns_get16(c->msg) - c->msg_len;
	n = MIN(need, len);
	memcpy(c->msg + c->msg_len, p, n);
	c->msg_len += n;
	if (c->msg_len < 2)
		return n;
	mlen = dns_get16(c->msg);
	if (mlen == 0) {
		c->msg_len = 0;
		c->ops->fail(c, UC_F_LOST, "zero-length message from server");
		return n;
	}
	if (c->msg_len == 2 + mlen) {
		c->last_used_ms = loop_now();
		c->ops->answer(c, c->msg + 2, mlen);
		/* (closed inside: uc_shut reset it all) */
		if (c->state == UC_READY) {
			big_release(c);
			c->msg = c->part;
			c->msg_len = 0;
		}
	}
	return n;
}

/* The probe into the engine, whole, at a frame boundary.  Returns 1 if
 * any bytes went. */
static int
give_probe(struct uc *c)
{
	uint8_t *w, pfx[2];
	size_t cap, total, n, k, off;
	int moved = 0;

	total = 2 + c->probe_len;
	while (c->probe_len > 0 && c->wr_off == 0) {
		if ((w = tls_out(&c->tls, &cap)) == NULL || cap == 0)
			break;
		dns_put16(pfx, (uint16_t)c->probe_len);
		n = MIN(cap, total - c->probe_off);
		for (k = 0; k < n; k++) {
			off = c->probe_off + k;
			w[k] = off < 2 ? pfx[off] : off == 2 ?
			    (uint8_t)(c->probe_id >> 8) : off == 3 ?
			    (uint8_t)c->probe_id : c->probe[off - 2];
		}
		tls_out_ack(&c->tls, n);
		c->probe_off += n;
		moved = 1;
		if (c->probe_off == total) {
			c->probe_len = 0;
			c->probe_off = 0;
		}
	}
	return moved;
}

/*
 * A gathered answer too big for c->part moves to the big buffer: 0, or
 * -1 while another connection holds it (c then waits in line and is
 * pumped again by big_tick once it is free).
 */
static int
gather_big(struct uc *c)
{
	if (big_owner != NULL && big_owner != c) {
		if (!c->big_waits) {
			log_debug("upstream %s: conn %d: a %u-byte answer "
			    "waits for the big answer buffer", c->name,
			    c->idx, (unsigned)dns_get16(c->part));
			c->big_waits = 1;
			c->big_next = NULL;
			if (big_tail == NULL)
				big_head = c;
			else
				big_tail->big_next = c;
			big_tail = c;
		}
		return -1;
	}
	big_unwait(c);
	big_owner = c;
	memcpy(big, c->part, c->msg_len);
	c->msg = big;
	return 0;
}

/* c no longer needs the big buffer: free it for the next in line. */
static void
big_release(struct uc *c)
{
	if (big_owner != c)
		return;
	big_owner = NULL;
	if (big_head != NULL)
		big_freed = 1;
}

/* Take c out of the line for the big buffer. */
static void
big_unwait(struct uc *c)
{
	struct uc **pp, *prev = NULL;

	if (!c->big_waits)
		return;
	for (pp = &big_head; *pp != NULL; pp = &(*pp)->big_next) {
		if (*pp == c) {
			*pp = c->big_next;
			if (big_tail == c)
				big_tail = prev;
			break;
		}
		prev = *pp;
	}
	c->big_waits = 0;
	c->big_next = NULL;
}

static uint64_t
big_next(void *arg)
{
	(void)arg;
	return big_freed ? 0 : UINT64_MAX;
}

/*
 * The big buffer was freed: pump those in line, first come first, until
 * one holds it again (the others stay in line for its release).
 */
static void
big_tick(void *arg, uint64_t now)
{
	struct uc *c;

	(void)arg;
	(void)now;
	big_freed = 0;
	while (big_owner == NULL && (c = big_head) != NULL) {
		big_unwait(c);
		if (c->state == UC_READY)
			uc_pump(c);
	}
}

/* Queued queries into the engine.  Returns 1 if any bytes went. */
static int
give(struct uc *c)
{
	struct qt_slot *s;
	uint8_t *w, pfx[2];
	size_t cap, total, n, k;
	int slot, moved;

	moved = give_probe(c);
	/* a probe half written goes on first */
	while (c->probe_off == 0 && (slot = c->q_head) != -1) {
		if ((w = tls_out(&c->tls, &cap)) == NULL || cap == 0)
			break;
		s = &c->qt->slot[slot];
		total = 2 + (size_t)s->qlen;
		n = MIN(cap, total - c->wr_off);
		k = 0;
		if (c->wr_off < 2) {
			dns_put16(pfx, s->qlen);
			k = MIN(n, 2 - c->wr_off);
			memcpy(w, pfx + c->wr_off, k);
		}
		if (n > k)
			qt_query_copy(c->qt, slot, c->wr_off + k - 2, w + k,
			    n - k);
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
		c->last_used_ms = loop_now();
		c->ops->sent(c, slot);
	}
	if (moved)
		tls_flush(&c->tls);
	return moved;
}

static void
events(struct uc *c)
{
	if (c->fd == -1)
		return;
	loop_set(c->h, c->state == UC_CONNECTING ? POLLOUT :
	    tls_events(&c->tls));
}
