/* SPDX-License-Identifier: MIT */
/*
 * upretry.c: the upstream pool's retry list: slots whose connection
 * failed wait here (QT_RETRY, linked through qt_slot.next) until the
 * pool's after-dispatch work sends them again or, out of sends or time,
 * fails them SERVFAIL.  Does no I/O; the sending and the answering are
 * the callbacks'.
 */
#include "dns.h"
#include "loop.h"
#include "stats.h"
#include "upretry.h"

#define UR_MAX_SENDS	2	/* first send + one resend (7766 6.2.1) */

static struct qt	*qt;
static int		(*submit)(int);
static void		(*fail)(int, int);
static int		 retry_head = -1, retry_tail = -1; /* QT_RETRY slots */

/* see upretry.h */
void
ur_init(struct qt *t, int (*submit_cb)(int), void (*fail_cb)(int, int))
{
	qt = t;
	submit = submit_cb;
	fail = fail_cb;
}

/* see upretry.h */
void
ur_add(int slot)
{
	struct qt_slot *s = &qt->slot[slot];

	qt_set_state(qt, slot, QT_RETRY);
	s->conn = -1;
	s->next = -1;
	if (retry_tail == -1)
		retry_head = slot;
	else
		qt->slot[retry_tail].next = slot;
	retry_tail = slot;
}

/* see upretry.h */
void
ur_remove(int slot)
{
	int *pp, prev = -1;

	for (pp = &retry_head; *pp != -1; pp = &qt->slot[*pp].next) {
		if (*pp == slot) {
			*pp = qt->slot[slot].next;
			if (retry_tail == slot)
				retry_tail = prev;
			qt->slot[slot].next = -1;
			qt_set_state(qt, slot, QT_WAIT);
			return;
		}
		prev = *pp;
	}
	BUG_ON(1);
}

/* see upretry.h */
int
ur_is_pending(void)
{
	return retry_head != -1;
}

/* see upretry.h */
void
ur_run(void)
{
	struct qt_slot *s;
	uint64_t now = loop_now();
	int slot;

	while ((slot = retry_head) != -1) {
		s = &qt->slot[slot];
		retry_head = s->next;
		if (retry_head == -1)
			retry_tail = -1;
		s->next = -1;
		qt_set_state(qt, slot, QT_WAIT);
		if (now >= s->deadline_ms) {
			st.timeouts++;
			fail(slot, DNS_RC_SERVFAIL);
		} else if (s->n_sent >= UR_MAX_SENDS || submit(slot) == -1)
			fail(slot, DNS_RC_SERVFAIL);
	}
}
