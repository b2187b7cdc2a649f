/* SPDX-License-Identifier: MIT */
/*
 * t_qtab.c: unit tests for qtab.c.  Allocation until full, reuse, IDs
 * (generation << idx_bits | index) and stale-ID rejection, generation
 * wrap-around, deadline order, a seeded random run checked step by step
 * against a plain model, the stored upstream form of a query (in the slot
 * or its spill row) and that never-used slots are never written.
 * `./t_qtab NAME` runs one case.
 */
#include <stdlib.h>

#include "dnsedit.h"
#include "qtab.h"
#include "t.h"

#define N_MAX		4096	/* qt_init's upper bound */
#define N_TABLES	64	/* more than all cases together create */
#define TIMEOUT_MS	2500
#define RANDOM_STEPS	100000L
#define SWEEP_EVERY	25000L	/* steps between full 16-bit ID sweeps */
#define DEEP_N		64	/* up to this size, walk the lists every step */

/* What the table should hold, kept the simple way. */
struct model {
	int		 n;
	unsigned	 idx_bits;
	uint16_t	 gen[N_MAX];	/* bumped by us on every release */
	uint8_t		 is_live[N_MAX];
	int		 order[N_MAX];	/* live slots, oldest first */
	int		 n_live;
	uint64_t	 now_ms;
};

/*
 * The arena never frees, so every table stays reachable from here; a
 * table on the stack would look like a leak to LeakSanitizer.
 */
static struct qt	tabs[N_TABLES];
static int		n_tabs;
static struct model	mdl;		/* 36 KB: too big for the stack */
static uint8_t		seen[65536];	/* IDs or slots met so far */
static uint32_t		rng;

static struct qt *
new_table(int n)
{
	struct qt *t;

	if (n_tabs >= N_TABLES)
		abort();
	t = &tabs[n_tabs++];
	qt_init(t, n);
	return t;
}

/* Index bits the header promises: the fewest that can name n slots. */
static unsigned
index_bits(int n)
{
	unsigned b;

	for (b = 0; (1 << b) < n; b++)
		;
	return b;
}

/* xorshift32: a fixed seed gives the same run everywhere. */
static uint32_t
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return rng;
}

/* Fill the table; fail if it does not take exactly n slots. */
static int
fill(struct qt *t, int n, uint64_t now_ms)
{
	int i, k;

	memset(seen, 0, sizeof(seen));
	for (k = 0; k < n; k++) {
		i = qt_alloc(t, now_ms, TIMEOUT_MS);
		if (i < 0 || i >= n || seen[i])
			T_FAIL("n %d: alloc %d gave slot %d", n, k, i);
		seen[i] = 1;
		T_EQ_INT(t->n_used, k + 1);
	}
	T_EQ_INT(qt_alloc(t, now_ms, TIMEOUT_MS), -1);
	return 0;
}

/* Live slots have distinct IDs, each naming its own index. */
static int
check_unique(const struct qt *t)
{
	unsigned mask;
	uint16_t id;
	int i, n_live = 0;

	mask = (1U << t->idx_bits) - 1;
	memset(seen, 0, sizeof(seen));
	for (i = 0; i < t->n; i++) {
		if (t->slot[i].state == QT_FREE)
			continue;
		n_live++;
		id = qt_id(t, i);
		if ((id & mask) != (unsigned)i)
			T_FAIL("n %d: slot %d has ID 0x%04x", t->n, i, id);
		if (seen[id])
			T_FAIL("n %d: ID 0x%04x used twice", t->n, id);
		seen[id] = 1;
		T_EQ_INT(qt_lookup(t, id), i);
	}
	T_EQ_INT(n_live, t->n_used);
	return 0;
}

/* The model starts from the generations the fresh table reports. */
static void
model_init(struct model *m, const struct qt *t, int n)
{
	int i;

	memset(m, 0, sizeof(*m));
	m->n = n;
	m->idx_bits = index_bits(n);
	for (i = 0; i < n; i++)
		m->gen[i] = (uint16_t)(qt_id(t, i) >> m->idx_bits);
	m->now_ms = 1000;
}

static uint16_t
model_id(const struct model *m, int i)
{
	unsigned gen_mask;

	gen_mask = (1U << (16 - m->idx_bits)) - 1;
	return (uint16_t)((m->gen[i] & gen_mask) << m->idx_bits |
	    (unsigned)i);
}

/* qt_alloc, checked against the model and applied to it. */
static int
m_alloc(struct qt *t, struct model *m, int *out)
{
	const struct qt_slot *s;
	int i;

	i = qt_alloc(t, m->now_ms, TIMEOUT_MS);
	*out = i;
	if (m->n_live == m->n) {
		T_EQ_INT(i, -1);
		return 0;
	}
	if (i < 0 || i >= m->n)
		T_FAIL("qt_alloc: want a slot in [0, %d), got %d", m->n, i);
	if (m->is_live[i])
		T_FAIL("qt_alloc: slot %d is already live", i);
	s = &t->slot[i];
	T_EQ_INT(s->state, QT_WAIT);
	T_EQ_INT(s->conn, -1);
	T_EQ_INT(s->addr, -1);
	T_EQ_INT(s->start_ms, m->now_ms);
	T_EQ_INT(s->deadline_ms, m->now_ms + TIMEOUT_MS);
	T_EQ_INT(qt_id(t, i), model_id(m, i));
	m->is_live[i] = 1;
	m->order[m->n_live++] = i;
	T_EQ_INT(qt_lookup(t, model_id(m, i)), i);
	return 0;
}

/* qt_release of the live slot at position pos of the age order. */
static int
m_release(struct qt *t, struct model *m, int pos)
{
	uint16_t old;
	int i;

	i = m->order[pos];
	old = model_id(m, i);
	qt_release(t, i);
	m->is_live[i] = 0;
	m->gen[i]++;
	memmove(&m->order[pos], &m->order[pos + 1],
	    (size_t)(m->n_live - pos - 1) * sizeof(m->order[0]));
	m->n_live--;
	T_EQ_INT(qt_lookup(t, old), -1);
	return 0;
}

/*
 * Counts and both ends of the age list always; with deep, also the whole
 * list in both directions and every live slot's ID.
 */
static int
m_check(const struct qt *t, const struct model *m, int deep)
{
	int i, k, prev;

	T_EQ_INT(t->n_used, m->n_live);
	T_EQ_INT(qt_oldest(t), m->n_live > 0 ? m->order[0] : -1);
	T_EQ_INT(t->newest, m->n_live > 0 ? m->order[m->n_live - 1] : -1);
	if (!deep)
		return 0;
	prev = -1;
	i = qt_oldest(t);
	for (k = 0; k < m->n_live; k++) {
		if (i != m->order[k])
			T_FAIL("age list position %d: want slot %d, got %d",
			    k, m->order[k], i);
		T_EQ_INT(t->slot[i].older, prev);
		T_ASSERT(t->slot[i].state != QT_FREE);
		T_EQ_INT(qt_id(t, i), model_id(m, i));
		T_EQ_INT(qt_lookup(t, model_id(m, i)), i);
		if (prev != -1)
			T_ASSERT(t->slot[prev].deadline_ms <=
			    t->slot[i].deadline_ms);
		prev = i;
		i = t->slot[i].newer;
	}
	T_EQ_INT(i, -1);
	return 0;
}

/* qt_lookup of every 16-bit ID agrees with the model. */
static int
sweep(const struct qt *t, const struct model *m)
{
	unsigned id, mask;
	int got, i, want, n_hit = 0;

	mask = (1U << m->idx_bits) - 1;
	for (id = 0; id <= 0xffff; id++) {
		i = (int)(id & mask);
		want = i < m->n && m->is_live[i] && model_id(m, i) == id ?
		    i : -1;
		got = qt_lookup(t, (uint16_t)id);
		if (got != want)
			T_FAIL("n %d: qt_lookup(0x%04x): want %d, got %d",
			    m->n, id, want, got);
		n_hit += got != -1;
	}
	T_EQ_INT(n_hit, m->n_live);
	return 0;
}

/*
 * One random alloc/release step.  fill_pct: chance of an alloc (a
 * release on an empty table becomes an alloc).  Time moves 0-3 ms.
 */
static int
m_step(struct qt *t, struct model *m, unsigned fill_pct)
{
	int i;

	m->now_ms += rnd() % 4;
	if (rnd() % 100 < fill_pct || m->n_live == 0)
		return m_alloc(t, m, &i);
	return m_release(t, m, (int)(rnd() % (uint32_t)m->n_live));
}

/*
 * Random run of 'steps' steps on a fresh table of n slots.  Phases of
 * 3n + 50 steps alternately lean to alloc (75%) and release (25%), so
 * the table is both filled and drained many times.
 */
static int
run_random(int n, uint32_t seed, long steps)
{
	struct qt *t;
	struct model *m = &mdl;
	long step, phase_len, n_full = 0, n_empty = 0;
	unsigned fill_pct;

	t = new_table(n);
	model_init(m, t, n);
	rng = seed;
	phase_len = 3L * n + 50;
	for (step = 0; step < steps; step++) {
		fill_pct = (step / phase_len) % 2 == 0 ? 75 : 25;
		if (m->n_live == m->n)
			n_full++;
		if (m_step(t, m, fill_pct) != 0)
			goto fail;
		if (m->n_live == 0)
			n_empty++;
		if (m_check(t, m, n <= DEEP_N || step % 97 == 0) != 0)
			goto fail;
		if (step % SWEEP_EVERY == 0 && sweep(t, m) != 0)
			goto fail;
	}
	if (m_check(t, m, 1) != 0 || sweep(t, m) != 0)
		goto fail;
	/* The run must have met both edges to mean anything. */
	if (n_full == 0 || n_empty == 0)
		T_FAIL("n %d: full %ld times, empty %ld times", n, n_full,
		    n_empty);
	return 0;
fail:
	printf("#   n %d, seed 0x%08x, step %ld\n", n, seed, step);
	return -1;
}

/* Cycle the top slot through 2 * 2^gen_bits reuses. */
static int
gen_wrap(int n, unsigned want_gen_bits)
{
	struct qt *t;
	unsigned ib, period, k, mask;
	uint16_t id0, prev, id, other_id = 0;
	int s;

	t = new_table(n);
	ib = index_bits(n);
	T_EQ_INT(t->idx_bits, ib);
	T_EQ_INT(16 - ib, want_gen_bits);
	period = 1U << (16 - ib);
	mask = (1U << ib) - 1;
	/* Full table: the released slot is the only one alloc can give. */
	if (fill(t, n, 0) != 0)
		return -1;
	s = n - 1;
	if (n > 1)
		other_id = qt_id(t, 0);
	id0 = prev = qt_id(t, s);
	T_EQ_INT(id0 & mask, s);
	for (k = 1; k <= 2 * period; k++) {
		qt_release(t, s);
		T_EQ_INT(qt_lookup(t, prev), -1);
		T_EQ_INT(qt_alloc(t, k, TIMEOUT_MS), s);
		id = qt_id(t, s);
		T_EQ_INT(id & mask, s);
		/* The generation field counts up by one and wraps. */
		T_EQ_INT(id >> ib, ((unsigned)(prev >> ib) + 1) & (period - 1));
		T_EQ_INT(qt_lookup(t, id), s);
		if (k % period == 0)
			T_EQ_INT(id, id0);
		else if (id == id0)
			T_FAIL("reuse %u already gives the first ID 0x%04x",
			    k, id0);
		prev = id;
	}
	if (n > 1)
		T_EQ_INT(qt_lookup(t, other_id), 0);
	T_EQ_INT(t->n_used, n);
	return 0;
}

static int
t_alloc_full(void)
{
	static const int sizes[] = { 1, 2, 5, 64, 4096 };
	struct qt *t;
	size_t k;

	for (k = 0; k < nitems(sizes); k++) {
		t = new_table(sizes[k]);
		T_EQ_INT(t->n_used, 0);
		T_EQ_INT(qt_oldest(t), -1);
		if (fill(t, sizes[k], 0) != 0)
			return -1;
		/* Still full, whatever the time. */
		T_EQ_INT(qt_alloc(t, 1, TIMEOUT_MS), -1);
		T_EQ_INT(qt_alloc(t, UINT64_MAX / 2, 0), -1);
		T_EQ_INT(t->n_used, sizes[k]);
	}
	return 0;
}

static int
t_release_reuse(void)
{
	struct qt *t;
	int a[4], i, j, k;

	t = new_table(4);
	for (k = 0; k < 4; k++)
		a[k] = qt_alloc(t, 0, TIMEOUT_MS);
	T_EQ_INT(qt_alloc(t, 0, TIMEOUT_MS), -1);
	qt_release(t, a[2]);
	T_EQ_INT(t->n_used, 3);
	T_EQ_INT(qt_alloc(t, 1, TIMEOUT_MS), a[2]);
	T_EQ_INT(qt_alloc(t, 1, TIMEOUT_MS), -1);
	/* Two free: both come back, in either order, then full again. */
	qt_release(t, a[0]);
	qt_release(t, a[3]);
	T_EQ_INT(t->n_used, 2);
	i = qt_alloc(t, 2, TIMEOUT_MS);
	j = qt_alloc(t, 2, TIMEOUT_MS);
	T_ASSERT((i == a[0] && j == a[3]) || (i == a[3] && j == a[0]));
	T_EQ_INT(qt_alloc(t, 2, TIMEOUT_MS), -1);
	/* Empty it, then it takes four again. */
	for (k = 0; k < 4; k++)
		qt_release(t, a[k]);
	T_EQ_INT(t->n_used, 0);
	T_EQ_INT(qt_oldest(t), -1);
	return fill(t, 4, 3);
}

static int
t_ids_unique(void)
{
	static const int sizes[] = { 1, 2, 3, 255, 256, 257, 4096 };
	struct qt *t;
	size_t k;
	int i, n, round;

	for (k = 0; k < nitems(sizes); k++) {
		n = sizes[k];
		t = new_table(n);
		if (fill(t, n, 0) != 0 || check_unique(t) != 0)
			return -1;
		/* Churn: release a third, check, refill, check. */
		for (round = 0; round < 3; round++) {
			for (i = round; i < n; i += 3)
				qt_release(t, i);
			if (check_unique(t) != 0)
				return -1;
			while (qt_alloc(t, 1, TIMEOUT_MS) != -1)
				;
			T_EQ_INT(t->n_used, n);
			if (check_unique(t) != 0)
				return -1;
		}
	}
	return 0;
}

/* Slot s of a full table, reused k times; its ID goes to p big-endian. */
static int
put_id(struct qt *t, int s, unsigned k, uint8_t *p)
{
	uint16_t id;

	for (; k > 0; k--) {
		qt_release(t, s);
		T_EQ_INT(qt_alloc(t, 0, TIMEOUT_MS), s);
	}
	id = qt_id(t, s);
	p[0] = (uint8_t)(id >> 8);
	p[1] = (uint8_t)id;
	return 0;
}

/* The wire form of IDs: a fresh (zeroed) table starts at generation 0. */
static int
t_id_layout(void)
{
	struct qt *t;
	uint8_t got[16], want[16];
	size_t wlen;

	t = new_table(4096);
	if (fill(t, 4096, 0) != 0 || put_id(t, 0, 0, got) != 0 ||
	    put_id(t, 1, 0, got + 2) != 0 ||
	    put_id(t, 0xabc, 0, got + 4) != 0 ||
	    put_id(t, 4095, 0, got + 6) != 0 ||
	    put_id(t, 4095, 3, got + 8) != 0 ||
	    put_id(t, 0xabc, 15, got + 10) != 0 ||
	    put_id(t, 0xabc, 1, got + 12) != 0)
		return -1;
	wlen = t_unhex("0000 0001 0abc 0fff 3fff fabc 0abc", want,
	    sizeof(want));
	T_EQ_HEX(got, 14, want, wlen);

	t = new_table(256);
	if (fill(t, 256, 0) != 0 || put_id(t, 0xab, 1, got) != 0 ||
	    put_id(t, 0xff, 0xfe, got + 2) != 0 ||
	    put_id(t, 0xff, 2, got + 4) != 0)
		return -1;
	wlen = t_unhex("01ab feff 00ff", want, sizeof(want));
	T_EQ_HEX(got, 6, want, wlen);

	/* 5 slots: 3 index bits, 13 generation bits. */
	t = new_table(5);
	if (fill(t, 5, 0) != 0 || put_id(t, 4, 2, got) != 0 ||
	    put_id(t, 3, 0x1fff, got + 2) != 0)
		return -1;
	wlen = t_unhex("0014 fffb", want, sizeof(want));
	T_EQ_HEX(got, 4, want, wlen);

	t = new_table(1);
	if (fill(t, 1, 0) != 0 || put_id(t, 0, 0x1234, got) != 0 ||
	    put_id(t, 0, 0xedcb, got + 2) != 0 ||
	    put_id(t, 0, 1, got + 4) != 0)
		return -1;
	wlen = t_unhex("1234 ffff 0000", want, sizeof(want));
	T_EQ_HEX(got, 6, want, wlen);
	return 0;
}

static int
t_lookup_live(void)
{
	struct qt *t;
	unsigned gen;
	uint16_t id;
	int i;

	/* 5 slots: 3 index bits, so indexes 5..7 name no slot. */
	t = new_table(5);
	if (fill(t, 5, 0) != 0)
		return -1;
	for (i = 0; i < 5; i++)
		T_EQ_INT(qt_lookup(t, qt_id(t, i)), i);
	/* Sent is as live as waiting. */
	t->slot[3].state = QT_SENT;
	T_EQ_INT(qt_lookup(t, qt_id(t, 3)), 3);
	for (gen = 0; gen < 1U << 13; gen++)
		for (i = 5; i < 8; i++) {
			id = (uint16_t)(gen << 3 | (unsigned)i);
			T_EQ_INT(qt_lookup(t, id), -1);
		}
	return 0;
}

static int
t_lookup_released(void)
{
	struct qt *t;
	uint16_t id, id_b;
	int a, b;

	t = new_table(3);
	a = qt_alloc(t, 0, TIMEOUT_MS);
	b = qt_alloc(t, 0, TIMEOUT_MS);
	id = qt_id(t, a);
	id_b = qt_id(t, b);
	T_EQ_INT(qt_lookup(t, id), a);
	qt_release(t, a);
	T_EQ_INT(qt_lookup(t, id), -1);
	/* Nor does the ID the free slot will get next. */
	T_EQ_INT(qt_lookup(t, qt_id(t, a)), -1);
	T_EQ_INT(qt_lookup(t, id_b), b);
	return 0;
}

static int
t_lookup_reused(void)
{
	static const int sizes[] = { 1, 2, 256, 4096 };
	struct qt *t;
	uint16_t old_id, new_id, id0;
	size_t k;
	int n, s;

	for (k = 0; k < nitems(sizes); k++) {
		n = sizes[k];
		t = new_table(n);
		if (fill(t, n, 0) != 0)
			return -1;
		s = n - 1;
		id0 = qt_id(t, 0);
		old_id = qt_id(t, s);
		qt_release(t, s);
		/* A late answer for the old query must not find the new one. */
		T_EQ_INT(qt_alloc(t, 5, TIMEOUT_MS), s);
		new_id = qt_id(t, s);
		if (new_id == old_id)
			T_FAIL("n %d: reused slot kept ID 0x%04x", n, old_id);
		T_EQ_INT(qt_lookup(t, old_id), -1);
		T_EQ_INT(qt_lookup(t, new_id), s);
		if (n > 1)
			T_EQ_INT(qt_lookup(t, id0), 0);
	}
	return 0;
}

static int
t_gen_wrap_4096(void)
{
	return gen_wrap(4096, 4);
}

static int
t_gen_wrap_1(void)
{
	return gen_wrap(1, 16);
}

static int
t_gen_wrap_256(void)
{
	return gen_wrap(256, 8);
}

static int
t_oldest_order(void)
{
	struct qt *t;
	int a, b, c, d, x, y, z;

	t = new_table(8);
	T_EQ_INT(qt_oldest(t), -1);
	a = qt_alloc(t, 100, TIMEOUT_MS);
	b = qt_alloc(t, 200, TIMEOUT_MS);
	c = qt_alloc(t, 300, TIMEOUT_MS);
	T_EQ_INT(qt_oldest(t), a);
	qt_release(t, b);
	T_EQ_INT(qt_oldest(t), a);
	qt_release(t, a);
	T_EQ_INT(qt_oldest(t), c);
	d = qt_alloc(t, 400, TIMEOUT_MS);
	T_EQ_INT(qt_oldest(t), c);
	qt_release(t, c);
	T_EQ_INT(qt_oldest(t), d);
	qt_release(t, d);
	T_EQ_INT(qt_oldest(t), -1);
	/* A reused slot goes to the young end, whatever its index. */
	x = qt_alloc(t, 500, TIMEOUT_MS);
	y = qt_alloc(t, 600, TIMEOUT_MS);
	qt_release(t, x);
	z = qt_alloc(t, 700, TIMEOUT_MS);
	T_EQ_INT(qt_oldest(t), y);
	qt_release(t, y);
	T_EQ_INT(qt_oldest(t), z);
	T_EQ_INT(t->slot[z].deadline_ms, 700 + TIMEOUT_MS);
	return 0;
}

static int
t_deadline(void)
{
	struct qt_slot *s;
	struct qt *t;
	uint64_t now;
	int i;

	t = new_table(1);
	i = qt_alloc(t, 1000, 2500);
	T_EQ_INT(i, 0);
	s = &t->slot[i];
	T_EQ_INT(s->start_ms, 1000);
	T_EQ_INT(s->deadline_ms, 3500);
	/* Dirty the slot as a served query would; alloc must reset it. */
	s->state = QT_SENT;
	s->n_sent = 2;
	s->conn = 3;
	s->addr = 1;
	s->sent_ms = 1200;
	s->qlen = 77;
	qt_release(t, i);
	T_EQ_INT(s->conn, -1);
	/* No 32-bit truncation on either side. */
	now = (uint64_t)1 << 40;
	T_EQ_INT(qt_alloc(t, now, UINT32_MAX), 0);
	T_EQ_INT(s->state, QT_WAIT);
	T_EQ_INT(s->n_sent, 0);
	T_EQ_INT(s->conn, -1);
	T_EQ_INT(s->addr, -1);
	T_EQ_INT(s->sent_ms, 0);
	T_EQ_INT(s->qlen, 0);
	T_EQ_INT(s->start_ms, now);
	T_EQ_INT(s->deadline_ms, now + UINT32_MAX);
	qt_release(t, 0);
	T_EQ_INT(qt_alloc(t, 42, 0), 0);
	T_EQ_INT(s->deadline_ms, 42);
	return 0;
}

static int
t_random(void)
{
	static const struct {
		int		 n;
		uint32_t	 seed;
	} runs[] = {
		{ 1,	0x2545f491 },
		{ 7,	0x9e3779b9 },
		{ 64,	0x0badc0de },
		{ 4096,	0x12345678 },
	};
	size_t k;

	for (k = 0; k < nitems(runs); k++)
		if (run_random(runs[k].n, runs[k].seed, RANDOM_STEPS) != 0)
			return -1;
	return 0;
}

static int
t_lookup_all_ids(void)
{
	static const int sizes[] = { 1, 3, 256, 4095, 4096 };
	struct model *m = &mdl;
	struct qt *t;
	size_t k;
	long step;
	int i, n;

	rng = 0xfeedface;
	for (k = 0; k < nitems(sizes); k++) {
		n = sizes[k];
		t = new_table(n);
		model_init(m, t, n);
		if (sweep(t, m) != 0)
			return -1;
		while (m->n_live < n)
			if (m_alloc(t, m, &i) != 0)
				return -1;
		if (sweep(t, m) != 0)
			return -1;
		for (step = 0; step < 3L * n + 100; step++)
			if (m_step(t, m, 50) != 0)
				return -1;
		if (m_check(t, m, 1) != 0 || sweep(t, m) != 0)
			return -1;
		while (m->n_live > 0)
			if (m_release(t, m, 0) != 0)
				return -1;
		if (m_check(t, m, 1) != 0 || sweep(t, m) != 0)
			return -1;
	}
	return 0;
}

/*
 * A LAN query for 'name' (dotted, "" for the root) and qtype, flags RD
 * (+CD), with an OPT (DO when 'do_bit') when 'edns'.  Returns its length.
 */
static size_t
make_query(uint8_t *q, size_t cap, const char *name, uint16_t qtype,
    int edns, int do_bit)
{
	size_t n = DNS_HDR_LEN, l;
	const char *p = name, *dot;

	memset(q, 0, cap);
	dns_put16(q, 0x1234);
	dns_put16(q + 2, 0x0110);	/* RD, CD */
	dns_put16(q + 4, 1);
	dns_put16(q + 10, edns ? 1 : 0);
	while (*p != '\0') {
		dot = strchr(p, '.');
		l = dot != NULL ? (size_t)(dot - p) : strlen(p);
		q[n++] = (uint8_t)l;
		memcpy(q + n, p, l);
		n += l;
		p += l + (dot != NULL);
	}
	q[n++] = 0;
	dns_put16(q + n, qtype);
	dns_put16(q + n + 2, 1);
	n += 4;
	if (edns) {
		q[n] = 0;
		dns_put16(q + n + 1, DNS_T_OPT);
		dns_put16(q + n + 3, 4096);
		dns_put32(q + n + 5, do_bit ? DNS_EDNS_DO : 0);
		n += DNS_OPT_FIXED_LEN;
	}
	return n;
}

/* A name of 'labels' labels of 'len' letters each, dotted. */
static const char *
long_name(int labels, int len)
{
	static char buf[512];
	size_t n = 0;
	int i, k;

	for (i = 0; i < labels; i++) {
		for (k = 0; k < len; k++)
			buf[n++] = (char)('a' + (i + k) % 26);
		buf[n++] = i + 1 < labels ? '.' : '\0';
	}
	return buf;
}

/*
 * Slot i keeps the upstream form of the query exactly: every split of
 * it read back with qt_query_copy() equals what dns_build_upstream()
 * writes, and qt_query() reports the question and the client's EDNS.
 */
static int
check_query(struct qt *t, int i, const uint8_t *q, size_t qlen,
    unsigned pad, int edns, int do_bit)
{
	static uint8_t want[2048], got[2048];
	struct dns_msg m, qm;
	const uint8_t *p;
	size_t wlen, kept, off, k;

	T_EQ_INT(dns_parse_query(q, qlen, &m), DNS_OK);
	wlen = dns_build_upstream(want, sizeof(want), q, &m, qt_id(t, i),
	    pad, 1);
	T_ASSERT(wlen > 0);
	t->slot[i].client_edns = (uint8_t)edns;
	t->slot[i].udp_size = m.udp_size;
	T_EQ_INT(qt_set_query(t, i, q, &m, pad, 1), 0);
	T_EQ_INT(t->slot[i].qlen, wlen);
	qt_query_copy(t, i, 0, got, wlen);
	T_EQ_HEX(got, wlen, want, wlen);
	for (off = 0; off < wlen; off += k) {	/* as give() does it */
		k = MIN(wlen - off, 7 + off % 13);
		memset(got, 0xee, k);
		qt_query_copy(t, i, off, got, k);
		T_EQ_HEX(got, k, want + off, k);
	}
	p = qt_query(t, i, &kept, &qm);
	T_ASSERT(kept <= QT_Q_MAX && kept <= wlen);
	T_EQ_HEX(p, kept, want, kept);
	T_EQ_INT(qm.id, qt_id(t, i));
	T_EQ_INT(qm.flags, m.flags);
	T_EQ_INT(qm.qdcount, 1);
	T_EQ_INT(qm.qname_off, DNS_HDR_LEN);
	T_EQ_INT(qm.qname_len, m.qname_len);
	T_EQ_INT(qm.q_end, DNS_HDR_LEN + m.qname_len + DNS_QFIXED_LEN);
	T_EQ_INT(qm.qtype, m.qtype);
	T_EQ_INT(qm.qclass, m.qclass);
	T_EQ_INT(qm.has_opt, edns);
	T_EQ_INT(qm.opt_ttl & DNS_EDNS_DO, do_bit ? DNS_EDNS_DO : 0);
	T_ASSERT(dns_same_question(q, &m, p, &qm));
	return 0;
}

static int
t_query_store(void)
{
	static const struct {
		int		 labels, len;	/* 0: "a.test" */
		uint16_t	 qtype;
		unsigned	 pad;
		int		 edns, do_bit, spill;
	} v[] = {
		{ 0, 0,		1,	128,	1, 0, 0 },
		{ 0, 0,		28,	128,	1, 1, 0 },
		{ 0, 0,		1,	0,	0, 0, 0 },
		{ 0, 0,		16,	512,	1, 1, 0 },
		{ 0, 0,		1,	468,	0, 0, 0 },
		{ 5, 9,		1,	128,	1, 0, 0 },	/* 51 bytes */
		{ 3, 17,	1,	128,	1, 0, 1 },	/* 55 bytes */
		{ 4, 62,	1,	128,	1, 1, 1 },	/* 253 bytes */
		{ 4, 62,	255,	0,	0, 0, 1 },
		{ 4, 62,	1,	512,	1, 0, 1 },
	};
	static uint8_t q[1024];
	struct qt *t;
	size_t k, qlen;
	int i;

	t = new_table(8);
	for (k = 0; k < nitems(v); k++) {
		i = qt_alloc(t, 0, TIMEOUT_MS);
		T_ASSERT(i >= 0);
		qlen = make_query(q, sizeof(q), v[k].labels == 0 ? "a.test" :
		    long_name(v[k].labels, v[k].len), v[k].qtype, v[k].edns,
		    v[k].do_bit);
		if (check_query(t, i, q, qlen, v[k].pad, v[k].edns,
		    v[k].do_bit) != 0)
			T_FAIL("case %zu", k);
		/* short ones in the slot, long ones in its spill row */
		T_EQ_INT(t->slot[i].q_kept > QT_Q_INLINE, v[k].spill);
		qt_release(t, i);
		/* a fresh slot has no query */
		i = qt_alloc(t, 0, TIMEOUT_MS);
		T_EQ_INT(t->slot[i].qlen, 0);
		T_EQ_INT(t->slot[i].q_kept, 0);
		qt_release(t, i);
	}
	/* not a single question: refused, nothing stored */
	qlen = make_query(q, sizeof(q), "a.test", 1, 0, 0);
	dns_put16(q + 4, 0);
	i = qt_alloc(t, 0, TIMEOUT_MS);
	{
		struct dns_msg m, qm;
		size_t kept;

		memset(&m, 0, sizeof(m));
		m.qdcount = 0;
		T_EQ_INT(qt_set_query(t, i, q, &m, 128, 1), -1);
		T_EQ_INT(t->slot[i].qlen, 0);
		(void)qt_query(t, i, &kept, &qm);
		T_EQ_INT(kept, 0);
		T_EQ_INT(qm.qdcount, 0);
	}
	qt_release(t, i);
	return 0;
}

/*
 * Slots are taken from the never-used end only when no released one is
 * left, and released ones come back last first: the slots (and pages)
 * ever written are as many as were ever in flight at once.
 */
static int
t_fresh_slots(void)
{
	struct qt *t;
	int a[8], k, round;

	t = new_table(256);
	T_EQ_INT(t->n_fresh, 0);
	for (round = 0; round < 100; round++) {
		for (k = 0; k < 8; k++)
			a[k] = qt_alloc(t, (uint64_t)round, TIMEOUT_MS);
		for (k = 0; k < 8; k++) {
			T_ASSERT(a[k] >= 0 && a[k] < 8);
			qt_release(t, a[(k * 5) % 8]);
		}
	}
	T_EQ_INT(t->n_fresh, 8);
	/* the slot released last is the next one taken */
	a[0] = qt_alloc(t, 0, TIMEOUT_MS);
	a[1] = qt_alloc(t, 0, TIMEOUT_MS);
	qt_release(t, a[0]);
	T_EQ_INT(qt_alloc(t, 0, TIMEOUT_MS), a[0]);
	T_EQ_INT(t->n_fresh, 8);
	/* the never-used ones were never written: still all zero */
	for (k = 8; k < 256; k++)
		for (round = 0; round < (int)sizeof(t->slot[k]); round++)
			if (((const uint8_t *)&t->slot[k])[round] != 0)
				T_FAIL("slot %d written", k);
	return 0;
}

static const struct t_case cases[] = {
	{ "alloc_full",		t_alloc_full },
	{ "release_reuse",	t_release_reuse },
	{ "ids_unique",		t_ids_unique },
	{ "id_layout",		t_id_layout },
	{ "lookup_live",	t_lookup_live },
	{ "lookup_released",	t_lookup_released },
	{ "lookup_reused",	t_lookup_reused },
	{ "gen_wrap_4096",	t_gen_wrap_4096 },
	{ "gen_wrap_1",		t_gen_wrap_1 },
	{ "gen_wrap_256",	t_gen_wrap_256 },
	{ "oldest_order",	t_oldest_order },
	{ "deadline",		t_deadline },
	{ "random",		t_random },
	{ "lookup_all_ids",	t_lookup_all_ids },
	{ "query_store",	t_query_store },
	{ "fresh_slots",	t_fresh_slots },
};

T_MAIN("qtab", cases)
