/* SPDX-License-Identifier: MIT */
/*
 * qtab.c: fixed slots with a free list and an allocation-ordered list.
 * IDs carry generation bits so a late answer for a released slot that
 * was reused does not match.  Released slots are reused last first and
 * never-used ones are taken in order, so the slots (and pages) written
 * are only as many as were ever in flight at once.
 */
#include <string.h>

#include "dnsedit.h"
#include "mem.h"
#include "qtab.h"

static void	unlink_age(struct qt *, int);

/* see qtab.h */
void
qt_init(struct qt *t, int n)
{
	BUG_ON(n < 1 || n > 4096);
	/* zeroed: every slot QT_FREE with generation 0 */
	t->slot = mem_alloc(sizeof(*t->slot) * (size_t)n);
	t->spill = mem_alloc(sizeof(*t->spill) * (size_t)n);
	t->n = n;
	t->n_used = 0;
	t->n_fresh = 0;
	for (t->idx_bits = 0; (1 << t->idx_bits) < n; t->idx_bits++)
		;
	t->free_head = -1;
	t->oldest = t->newest = -1;
}

/* see qtab.h */
int
qt_alloc(struct qt *t, uint64_t now_ms, uint32_t timeout_ms)
{
	struct qt_slot *s;
	int i;

	if ((i = t->free_head) != -1)
		t->free_head = t->slot[i].next;
	else if (t->n_fresh < t->n)
		i = t->n_fresh++;
	else
		return -1;
	s = &t->slot[i];
	s->state = QT_WAIT;
	s->n_sent = 0;
	s->conn = -1;
	s->addr = -1;
	s->next = -1;
	s->start_ms = now_ms;
	s->deadline_ms = now_ms + timeout_ms;
	s->sent_ms = 0;
	s->qlen = 0;
	s->q_kept = 0;
	s->older = t->newest;
	s->newer = -1;
	if (t->newest != -1)
		t->slot[t->newest].newer = i;
	else
		t->oldest = i;
	t->newest = i;
	t->n_used++;
	return i;
}

static void
unlink_age(struct qt *t, int i)
{
	struct qt_slot *s = &t->slot[i];

	if (s->older != -1)
		t->slot[s->older].newer = s->newer;
	else
		t->oldest = s->newer;
	if (s->newer != -1)
		t->slot[s->newer].older = s->older;
	else
		t->newest = s->older;
}

/* see qtab.h */
void
qt_sent(struct qt *t, int i, uint64_t now_ms)
{
	struct qt_slot *s = &t->slot[i];

	BUG_ON(s->state != QT_WAIT);
	s->state = QT_SENT;
	s->n_sent++;
	s->sent_ms = now_ms;
}

/* see qtab.h */
void
qt_set_state(struct qt *t, int i, enum qt_state to)
{
	struct qt_slot *s = &t->slot[i];

	BUG_ON(!(to == QT_RETRY && (s->state == QT_WAIT ||
	    s->state == QT_SENT)) && !(to == QT_WAIT &&
	    s->state == QT_RETRY));
	s->state = (uint8_t)to;
}

/* see qtab.h */
void
qt_release(struct qt *t, int i)
{
	struct qt_slot *s;

	BUG_ON(i < 0 || i >= t->n || t->slot[i].state == QT_FREE);
	s = &t->slot[i];
	unlink_age(t, i);
	s->state = QT_FREE;
	s->gen++;
	s->conn = -1;
	s->next = t->free_head;
	t->free_head = i;
	t->n_used--;
}

/* see qtab.h */
uint16_t
qt_id(const struct qt *t, int i)
{
	unsigned gen_bits = 16 - t->idx_bits;
	unsigned gen = t->slot[i].gen & ((1U << gen_bits) - 1);

	return (uint16_t)(gen << t->idx_bits | (unsigned)i);
}

/* see qtab.h */
int
qt_lookup(const struct qt *t, uint16_t id)
{
	int i = id & ((1 << t->idx_bits) - 1);

	if (i >= t->n || t->slot[i].state == QT_FREE || qt_id(t, i) != id)
		return -1;
	return i;
}

/* see qtab.h */
int
qt_oldest(const struct qt *t)
{
	return t->oldest;
}

/* Where slot i's upstream form is kept. */
static uint8_t *
q_bytes(const struct qt *t, int i)
{
	struct qt_slot *s = &t->slot[i];

	return s->q_kept <= sizeof(s->q) ? s->q : t->spill[i];
}

/* see qtab.h */
int
qt_set_query(struct qt *t, int i, const uint8_t *q, const struct dns_msg *m,
    unsigned pad_block, int keepalive)
{
	struct qt_slot *s = &t->slot[i];
	uint8_t buf[QT_Q_MAX + 512];	/* padding below 512-byte blocks */
	size_t len, kept;

	s->qlen = 0;
	s->q_kept = 0;
	if (m->qname_len > DNS_NAME_WIRE_MAX)
		return -1;
	len = dns_build_upstream(buf, sizeof(buf), q, m, qt_id(t, i),
	    pad_block, keepalive);
	if (len == 0)
		return -1;
	/* the padding is zeros: keep what comes before them */
	for (kept = len; kept > 0 && buf[kept - 1] == 0; kept--)
		;
	BUG_ON(kept > QT_Q_MAX);
	s->qlen = (uint16_t)len;
	s->q_kept = (uint16_t)kept;
	s->qname_len = (uint8_t)m->qname_len;
	s->client_do = m->has_opt && (m->opt_ttl & DNS_EDNS_DO);
	memcpy(q_bytes(t, i), buf, kept);
	return 0;
}

/* see qtab.h */
const uint8_t *
qt_query(const struct qt *t, int i, size_t *kept, struct dns_msg *m)
{
	const struct qt_slot *s = &t->slot[i];
	const uint8_t *p = q_bytes(t, i);

	*kept = s->q_kept;
	if (m != NULL) {
		memset(m, 0, sizeof(*m));
		if (s->q_kept == 0)
			return p;	/* none stored: qdcount 0 */
		m->id = dns_get16(p + DNS_OFF_ID);
		m->flags = dns_get16(p + DNS_OFF_FLAGS);
		m->qdcount = 1;
		m->qname_off = DNS_HDR_LEN;
		m->qname_len = s->qname_len;
		m->q_end = DNS_HDR_LEN + s->qname_len + DNS_QFIXED_LEN;
		m->qtype = dns_get16(p + DNS_HDR_LEN + s->qname_len);
		m->qclass = dns_get16(p + DNS_HDR_LEN + s->qname_len + 2);
		m->has_opt = s->client_edns;
		m->udp_size = s->udp_size;
		m->opt_ttl = s->client_do ? DNS_EDNS_DO : 0;
	}
	return p;
}

/* see qtab.h */
void
qt_query_copy(const struct qt *t, int i, size_t off, uint8_t *out, size_t n)
{
	const struct qt_slot *s = &t->slot[i];
	const uint8_t *p = q_bytes(t, i);
	size_t k;

	BUG_ON(off + n > s->qlen);
	k = off < s->q_kept ? MIN(n, s->q_kept - off) : 0;
	memcpy(out, p + off, k);
	memset(out + k, 0, n - k);
}
