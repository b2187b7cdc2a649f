/* SPDX-License-Identifier: MIT */
/*
 * upconn.c: one DoT connection to an upstream (see upconn.h).  The
 * engine is driven from its state; answers are taken out of the TLS
 * records in place when a record holds a whole message, else gathered
 * in msg; queued queries are copied into the engine after their 2-byte
 * length and flushed as one record.
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
static int	take(struct uc *);
static int	give(struct uc *);
static void	events(struct uc *);

/* see upconn.h */
void
uc_init(struct uc *c, const struct uc_ops *ops, struct qt *qt, int idx,
    const char *name, const uint8_t (*pin)[32], int n_pin)
{
	const br_x509_trust_anchor *tas;
	size_t n_tas;

	tas = ta_list(&n_tas);
	c->ops = ops;
	c->qt = qt;
	c->idx = idx;
	c->name = name;
	c->fd = -1;
	c->h = -1;
	c->state = UC_CLOSED;
	c->q_head = c->q_tail = -1;
	c->msg = mem_alloc(UC_MSG_CAP);
	tls_init(&c->tls, mem_alloc(TLS_IN_CAP + TLS_OUT_CAP), tas, n_tas,
	    pin, n_pin);
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
	uc_pump(c);
}

/* see upconn.h */
void
uc_pump(struct uc *c)
{
	int i, moved;

	for (i = 0; i < UC_PUMP_ROUNDS; i++) {
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
	}
	c->dirty = 0;
	events(c);
}

/* Answers out of the engine.  Returns 1 if bytes were consumed. */
static int
take(struct uc *c)
{
	uint8_t *p;
	size_t len;
	int moved = 0;

	while (c->state == UC_READY && (p = tls_in(&c->tls, &len)) != NULL &&
	    len > 0) {
		moved = 1;
		tls_in_ack(&c->tls, uc_feed(c, p, len));
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
		c->msg_len = 0;
		c->ops->answer(c, c->msg + 2, mlen);
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

/* Queued queries into the engine.  Returns 1 if any bytes went. */
static int
give(struct uc *c)
{
	struct qt_slot *s;
	uint8_t *w, pfx[2];
	size_t cap, total, n, off, k;
	int slot, moved;

	moved = give_probe(c);
	/* a probe half written goes on first */
	while (c->probe_off == 0 && (slot = c->q_head) != -1) {
		if ((w = tls_out(&c->tls, &cap)) == NULL || cap == 0)
			break;
		s = &c->qt->slot[slot];
		dns_put16(pfx, s->qlen);
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
