/* SPDX-License-Identifier: MIT */
/*
 * srvconn.c: one DoT client of server mode (see srvconn.h).  Queries are
 * taken out of the engine's plaintext in place when a record holds the
 * whole frame, else gathered in 'in'; answers go into the engine's
 * window and, while the socket is full, into 'out'.  Records are pushed
 * to the socket whenever the engine's window fills, so a burst of
 * answers never waits for the next poll().
 */
#include <sys/socket.h>

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "dns.h"
#include "log.h"
#include "loop.h"
#include "mem.h"
#include "srvconn.h"

#define SC_PUMP_ROUNDS	16	/* bound the work per wakeup */

static void	set_state(struct sc *, enum sc_state);
static void	io(void *, short);
static int	take(struct sc *);
static int	give(struct sc *);
static void	events(struct sc *);

static const char *const state_name[SC_N] = { "free", "handshake",
    "open" };

/* see srvconn.h */
void
sc_init(struct sc *c, const struct sc_ops *ops, int idx)
{
	c->ops = ops;
	c->idx = idx;
	c->state = SC_FREE;
	c->fd = c->h = -1;
	c->out = mem_alloc(SC_OUT_CAP);
	tls_srv_init(&c->tls, mem_alloc(TLS_IN_CAP + TLS_SRV_OUT_CAP));
}

/* The only writer of c->state (see enum sc_state). */
static void
set_state(struct sc *c, enum sc_state to)
{
	static const unsigned next[SC_N] = {
		[SC_FREE] = 1U << SC_HANDSHAKE,
		[SC_HANDSHAKE] = 1U << SC_OPEN | 1U << SC_FREE,
		[SC_OPEN] = 1U << SC_FREE,
	};

	BUG_ON(!(next[c->state] & 1U << to));
	log_debug("server: client %d %s -> %s", c->idx, state_name[c->state],
	    state_name[to]);
	c->state = to;
}

/* see srvconn.h */
int
sc_open(struct sc *c, int fd, const union addr_sa *peer,
    const struct tls_cred *cred)
{
	BUG_ON(c->state != SC_FREE);
	if ((c->h = loop_add(fd, io, c)) == -1) {
		close(fd);
		c->ops->closed(c, 0, "no loop slot");
		return -1;
	}
	c->fd = fd;
	c->peer = *peer;
	c->dirty = c->held = 0;
	c->in_len = c->out_len = 0;
	c->since_ms = c->active_ms = loop_now();
	set_state(c, SC_HANDSHAKE);
	if (tls_srv_start(&c->tls, cred) == -1) {
		sc_close(c, 0, tls_link_errstr(&c->tls.l));
		return -1;
	}
	sc_pump(c);
	return 0;
}

static void
io(void *arg, short revents)
{
	struct sc *c = arg;

	/* both ways shut, or an error: no answer can reach it any more
	 * (and an engine waiting on us would not read: no busy loop) */
	if (revents & (POLLERR | POLLHUP | POLLNVAL)) {
		sc_close(c, 0, "connection closed");
		return;
	}
	sc_pump(c);
}

/* see srvconn.h */
void
sc_pump(struct sc *c)
{
	int i, moved;

	for (i = 0; i < SC_PUMP_ROUNDS && c->state != SC_FREE; i++) {
		if (tls_link_io(&c->tls.l, c->fd) == -1) {
			sc_close(c, 0, tls_link_errstr(&c->tls.l));
			return;
		}
		if (c->state == SC_HANDSHAKE) {
			if (!c->tls.l.is_ready)
				break;
			set_state(c, SC_OPEN);
			c->active_ms = loop_now();
			c->ops->ready(c);
		}
		moved = take(c);
		if (c->state == SC_FREE)
			return;
		moved |= give(c);
		if (!moved)
			break;
	}
	if (c->state != SC_FREE)
		events(c);
}

/*
 * Queries out of the plaintext while the owner takes them; the rest
 * stays in the engine.  Returns 1 if bytes were taken.
 */
static int
take(struct sc *c)
{
	uint32_t gen = c->gen;
	uint8_t *p;
	size_t len, need, k, flen;
	int moved = 0;

	c->held = 0;
	while ((p = tls_link_in(&c->tls.l, &len)) != NULL && len > 0) {
		if (!c->ops->may_take(c)) {
			c->held = 1;
			break;
		}
		moved = 1;
		/* a whole frame in the record: no copy */
		if (c->in_len == 0 && len >= 2 && (flen = dns_get16(p)) > 0 &&
		    flen <= SC_FRAME_MAX && len >= 2 + flen) {
			c->active_ms = loop_now();
			c->ops->query(c, p + 2, flen);
			if (c->state == SC_FREE || c->gen != gen)
				return 1;
			tls_link_in_ack(&c->tls.l, 2 + flen);
			continue;
		}
		need = c->in_len < 2 ? 2 - c->in_len :
		    2 + (size_t)dns_get16(c->in) - c->in_len;
		k = MIN(need, len);
		memcpy(c->in + c->in_len, p, k);
		c->in_len += k;
		tls_link_in_ack(&c->tls.l, k);
		if (c->in_len < 2)
			continue;
		flen = dns_get16(c->in);
		if (flen == 0 || flen > SC_FRAME_MAX) {
			/* no query is this long: the stream is not DNS */
			sc_close(c, 0, "a frame that is no DNS query");
			return 1;
		}
		if (c->in_len < 2 + flen)
			continue;
		c->in_len = 0;
		c->active_ms = loop_now();
		c->ops->query(c, c->in + 2, flen);
		if (c->state == SC_FREE || c->gen != gen)
			return 1;
	}
	return moved;
}

/* see srvconn.h */
void
sc_send(struct sc *c, const uint8_t *msg, size_t len)
{
	uint8_t pfx[2], *w;
	size_t cap, k, off = 0;

	if (c->state != SC_OPEN)
		return;
	dns_put16(pfx, (uint16_t)len);
	c->active_ms = loop_now();
	/* nothing waits: straight into the engine, records to the socket */
	while (c->out_len == 0 && off < 2 + len) {
		if ((w = tls_link_out(&c->tls.l, &cap)) == NULL || cap == 0) {
			if (tls_link_io(&c->tls.l, c->fd) == -1) {
				sc_close(c, 0, tls_link_errstr(&c->tls.l));
				return;
			}
			if ((w = tls_link_out(&c->tls.l, &cap)) == NULL ||
			    cap == 0)
				break;	/* the socket is full */
		}
		k = MIN(cap, 2 + len - off);
		if (off < 2) {
			k = MIN(k, 2 - off);
			memcpy(w, pfx + off, k);
		} else
			memcpy(w, msg + off - 2, k);
		tls_link_out_ack(&c->tls.l, k);
		off += k;
	}
	if (off < 2 + len) {
		if (2 + len - off > SC_OUT_CAP - c->out_len) {
			sc_close(c, 0, "not reading its answers");
			return;
		}
		if (off < 2) {
			memcpy(c->out + c->out_len, pfx + off, 2 - off);
			c->out_len += 2 - off;
			off = 2;
		}
		memcpy(c->out + c->out_len, msg + off - 2, 2 + len - off);
		c->out_len += 2 + len - off;
	}
	c->dirty = 1;
}

/* Waiting answers into the engine.  Returns 1 if bytes went. */
static int
give(struct sc *c)
{
	uint8_t *w;
	size_t cap, k;
	int moved = 0;

	while (c->out_len > 0) {
		if ((w = tls_link_out(&c->tls.l, &cap)) == NULL || cap == 0) {
			/* full records to the socket first; sc_pump()
			 * reports a failure */
			if (tls_link_io(&c->tls.l, c->fd) == -1 ||
			    (w = tls_link_out(&c->tls.l, &cap)) == NULL ||
			    cap == 0)
				break;
		}
		k = MIN(cap, c->out_len);
		memcpy(w, c->out, k);
		tls_link_out_ack(&c->tls.l, k);
		memmove(c->out, c->out + k, c->out_len - k);
		c->out_len -= k;
		moved = 1;
	}
	if (moved) {
		tls_link_flush(&c->tls.l);
		c->dirty = 0;
	}
	return moved;
}

/* see srvconn.h */
void
sc_flush(struct sc *c)
{
	if (c->state != SC_OPEN)
		return;
	if (c->dirty) {
		tls_link_flush(&c->tls.l);
		c->dirty = 0;
	}
	sc_pump(c);
}

/*
 * The engine asks for reads and writes itself; one held back by the
 * owner has plaintext waiting, so it reads no further records (TCP
 * pushes back on the client) until sc_pump() takes more.
 */
static void
events(struct sc *c)
{
	loop_set(c->h, tls_link_events(&c->tls.l));
}

/* see srvconn.h */
void
sc_close(struct sc *c, int polite, const char *why)
{
	int was_open = c->state == SC_OPEN;

	if (c->state == SC_FREE)
		return;
	if (polite && was_open) {
		tls_link_close(&c->tls.l);
		(void)tls_link_io(&c->tls.l, c->fd);
	}
	loop_del(c->h);
	close(c->fd);
	c->fd = c->h = -1;
	set_state(c, SC_FREE);
	c->gen++;
	c->in_len = c->out_len = 0;
	c->dirty = c->held = 0;
	c->ops->closed(c, was_open, why);
}
