/* SPDX-License-Identifier: MIT */
/*
 * qtab.c: fixed slots with a free list and an allocation-ordered list.
 * IDs carry generation bits so a late answer for a released slot that
 * was reused does not match.
 */
#include "mem.h"
#include "qtab.h"

static void	unlink_age(struct qt *, int);

/* see qtab.h */
void
qt_init(struct qt *t, int n)
{
	int i;

	BUG_ON(n < 1 || n > 4096);
	t->slot = mem_alloc(sizeof(*t->slot) * (size_t)n);
	t->n = n;
	t->n_used = 0;
	for (t->idx_bits = 0; (1 << t->idx_bits) < n; t->idx_bits++)
		;
	for (i = 0; i < n; i++) {
		t->slot[i].state = QT_FREE;
		t->slot[i].next = i + 1 < n ? i + 1 : -1;
	}
	t->free_head = 0;
	t->oldest = t->newest = -1;
}

/* see qtab.h */
int
qt_alloc(struct qt *t, uint64_t now_ms, uint32_t timeout_ms)
{
	struct qt_slot *s;
	int i;

	if ((i = t->free_head) == -1)
		return -1;
	s = &t->slot[i];
	t->free_head = s->next;
	s->state = QT_WAIT;
	s->n_sent = 0;
	s->conn = -1;
	s->addr = -1;
	s->next = -1;
	s->start_ms = now_ms;
	s->deadline_ms = now_ms + timeout_ms;
	s->sent_ms = 0;
	s->qlen = 0;
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
