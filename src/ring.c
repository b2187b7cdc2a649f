/* SPDX-License-Identifier: MIT */
/*
 * ring.c: the sample ring (see ring.h).  Two arrays carved at start-up,
 * written in a circle; the counters of an interval are the difference of
 * the running totals at its two ends.  Integer only.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <string.h>

#include "fmt.h"
#include "inherit.h"
#include "loop.h"
#include "mem.h"
#include "ring.h"
#include "stats.h"
#include "upstream.h"

enum { V_QUERIES, V_ANSWERED, V_SERVFAIL, V_N };

/* The head of a carried ring (INH_R_RING). */
struct carried_ring {
	uint32_t	 interval_ms;
	uint32_t	 size;
	uint32_t	 n;
	uint32_t	 n_cols;
	uint64_t	 next_ms;
	uint64_t	 base[V_N];
};

/* A column's address (INH_R_RING_COL). */
struct carried_col {
	uint32_t	 col;
	uint32_t	 zero;
	struct addr	 sa;
	char		 auth_name[CONF_NAME_CAP];
};

/* One sample (INH_R_SAMPLE). */
struct carried_sample {
	uint32_t	 v[V_N];
	uint16_t	 rtt[RING_MAX_COLS];
};

static void	totals(uint64_t out[V_N]);
static void	push(const uint32_t v[V_N], const uint16_t *rtt);
static uint64_t	ring_next(void *);

static uint32_t	(*val)[V_N];	/* RING_N samples */
static uint16_t	*rtt;		/* RING_N x n_cols, ms (65535 at most) */
static int	 n_cols;
static int	 head;		/* the next sample goes here */
static int	 n;		/* samples kept */
static uint64_t	 next_ms;	/* the current interval ends */
static uint64_t	 base[V_N];	/* the totals when it began */
static int	 started;	/* ring_start() ran */
static int	 carried;	/* next_ms and base came with a reload */
/* restoring: the carried ring is usable, its columns mapped to ours */
static int	 rs_ok, rs_n_cols, rs_left;
static int	 rs_map[RING_MAX_COLS];

/* see ring.h */
void
ring_init(void)
{
	n_cols = MIN(up_n_addr(), RING_MAX_COLS);
	val = mem_alloc(sizeof(*val) * RING_N);
	rtt = mem_alloc(sizeof(*rtt) * RING_N * (size_t)MAX(n_cols, 1));
	head = n = 0;
	started = carried = rs_ok = 0;
}

static void
totals(uint64_t out[V_N])
{
	out[V_QUERIES] = st.q_udp + st.q_tcp;
	out[V_ANSWERED] = st.answered;
	out[V_SERVFAIL] = st.servfail;
}

/* see ring.h */
void
ring_start(void)
{
	uint64_t now = loop_clock();

	/* a carried interval goes on, unless its end makes no sense */
	if (!carried || next_ms > now + RING_INTERVAL_MS ||
	    next_ms + (uint64_t)RING_N * RING_INTERVAL_MS < now) {
		next_ms = now + RING_INTERVAL_MS;
		totals(base);
	}
	started = 1;
	rs_ok = 0;
	loop_timer(ring_next, ring_tick, NULL);
}

static uint64_t
ring_next(void *arg)
{
	(void)arg;
	return next_ms;
}

static void
push(const uint32_t v[V_N], const uint16_t *r)
{
	memcpy(val[head], v, sizeof(val[head]));
	if (n_cols > 0)
		memcpy(&rtt[(size_t)head * (size_t)n_cols], r,
		    sizeof(*rtt) * (size_t)n_cols);
	head = (head + 1) % RING_N;
	n = MIN(n + 1, RING_N);
}

/* see ring.h */
void
ring_tick(void *arg, uint64_t now)
{
	uint64_t cur[V_N];
	uint32_t v[V_N];
	uint16_t r[RING_MAX_COLS];
	uint32_t ms;
	int i, k;

	(void)arg;
	if (now < next_ms)
		return;
	totals(cur);
	for (i = 0; i < V_N; i++) {
		/* totals only grow; a difference above 2^32 is capped */
		v[i] = cur[i] < base[i] ? 0 :
		    (uint32_t)MIN(cur[i] - base[i], UINT32_MAX);
		base[i] = cur[i];
	}
	for (i = 0; i < n_cols; i++) {
		ms = up_rtt_take(i);	/* once: it resets the mean */
		r[i] = (uint16_t)MIN(ms, UINT16_MAX);
	}
	push(v, r);
	next_ms += RING_INTERVAL_MS;
	/* intervals that passed without a tick (a stopped process): empty
	 * samples, RING_N at most, then the next interval starts now */
	memset(v, 0, sizeof(v));
	memset(r, 0, sizeof(r));
	for (k = 1; now >= next_ms && k < RING_N; k++) {
		push(v, r);
		next_ms += RING_INTERVAL_MS;
	}
	if (now >= next_ms)
		next_ms = now + RING_INTERVAL_MS;
}

/* see ring.h */
int
ring_count(void)
{
	return n;
}

/* Append printf output; stops (and stays) at cap - 1. */
static size_t PRINTF(4, 5)
add(char *buf, size_t len, size_t cap, const char *fmt, ...)
{
	va_list ap;
	size_t k;

	if (len >= cap - 1)
		return len;
	va_start(ap, fmt);
	k = fmt_vsnprintf(buf + len, cap - len, fmt, ap);
	va_end(ap);
	return MIN(len + k, cap - 1);
}

/* see ring.h */
size_t
ring_json(char *buf, size_t len, size_t cap)
{
	static const char *const name[V_N] = { "queries", "answered",
	    "servfail" };
	struct up_view uv;
	char as[ADDR_STR_CAP];
	int first = (head - n + RING_N) % RING_N, i, k, c;

	len = add(buf, len, cap, ", \"history\": {\"interval_s\": %d, "
	    "\"size\": %d, \"samples\": %d", RING_INTERVAL_MS / 1000, RING_N,
	    n);
	for (k = 0; k < V_N; k++) {
		len = add(buf, len, cap, ", \"%s\": [", name[k]);
		for (i = 0; i < n; i++)
			len = add(buf, len, cap, "%s%" PRIu32, i ? ", " : "",
			    val[(first + i) % RING_N][k]);
		len = add(buf, len, cap, "]");
	}
	len = add(buf, len, cap, ", \"rtt_ms\": [");
	for (c = 0; c < n_cols; c++) {
		up_view(c, &uv);
		/* auth_name is a checked host name: no JSON escapes */
		len = add(buf, len, cap, "%s{\"address\": \"%s\", "
		    "\"auth_name\": \"%s\", \"ms\": [", c ? ", " : "",
		    addr_str(uv.sa, as, sizeof(as)), uv.auth_name);
		for (i = 0; i < n; i++)
			len = add(buf, len, cap, "%s%u", i ? ", " : "",
			    (unsigned)rtt[(size_t)((first + i) % RING_N) *
			    (size_t)n_cols + (size_t)c]);
		len = add(buf, len, cap, "]}");
	}
	return add(buf, len, cap, "]}");
}

/* see ring.h */
void
ring_carry(struct inh_wr *w)
{
	struct carried_ring h;
	struct carried_col cc;
	struct carried_sample cs;
	struct up_view uv;
	int first = (head - n + RING_N) % RING_N, i, c;

	memset(&h, 0, sizeof(h));
	h.interval_ms = RING_INTERVAL_MS;
	h.size = RING_N;
	h.n = (uint32_t)n;
	h.n_cols = (uint32_t)n_cols;
	h.next_ms = next_ms;
	memcpy(h.base, base, sizeof(h.base));
	inh_wr_rec(w, INH_R_RING, &h, sizeof(h));
	for (c = 0; c < n_cols; c++) {
		up_view(c, &uv);
		memset(&cc, 0, sizeof(cc));
		cc.col = (uint32_t)c;
		cc.sa = *uv.sa;
		fmt_snprintf(cc.auth_name, sizeof(cc.auth_name), "%s",
		    uv.auth_name);
		inh_wr_rec(w, INH_R_RING_COL, &cc, sizeof(cc));
	}
	for (i = 0; i < n; i++) {
		memset(&cs, 0, sizeof(cs));
		memcpy(cs.v, val[(first + i) % RING_N], sizeof(cs.v));
		for (c = 0; c < n_cols; c++)
			cs.rtt[c] = rtt[(size_t)((first + i) % RING_N) *
			    (size_t)n_cols + (size_t)c];
		inh_wr_rec(w, INH_R_SAMPLE, &cs, sizeof(cs));
	}
}

/* Our column for a carried one: the first with its address and name
 * that no other carried column took; -1 when none. */
static int
map_col(const struct carried_col *cc)
{
	struct up_view uv;
	int c, k, taken;

	if (memchr(cc->auth_name, '\0', sizeof(cc->auth_name)) == NULL ||
	    (cc->sa.u.sa.sa_family != AF_INET &&
	    cc->sa.u.sa.sa_family != AF_INET6))
		return -1;
	for (c = 0; c < n_cols; c++) {
		up_view(c, &uv);
		if (!addr_eq(uv.sa, &cc->sa) ||
		    strcmp(uv.auth_name, cc->auth_name) != 0)
			continue;
		for (k = 0, taken = 0; k < rs_n_cols; k++)
			taken |= rs_map[k] == c;
		if (!taken)
			return c;
	}
	return -1;
}

/* see ring.h */
int
ring_restore(int type, const void *p, size_t len)
{
	struct carried_ring h;
	struct carried_col cc;
	struct carried_sample cs;
	uint32_t v[V_N];
	uint16_t r[RING_MAX_COLS];
	int c;

	BUG_ON(started);
	switch (type) {
	case INH_R_RING:
		if (len != sizeof(h))
			return -1;
		memcpy(&h, p, sizeof(h));
		rs_ok = h.interval_ms == RING_INTERVAL_MS && h.size == RING_N &&
		    h.n <= RING_N && h.n_cols <= RING_MAX_COLS;
		if (!rs_ok)
			return -1;
		rs_n_cols = (int)h.n_cols;
		rs_left = (int)h.n;
		for (c = 0; c < RING_MAX_COLS; c++)
			rs_map[c] = -1;
		head = n = 0;
		next_ms = h.next_ms;
		memcpy(base, h.base, sizeof(base));
		carried = 1;
		return 0;
	case INH_R_RING_COL:
		if (!rs_ok || len != sizeof(cc))
			return -1;
		memcpy(&cc, p, sizeof(cc));
		if (cc.col >= (uint32_t)rs_n_cols || rs_map[cc.col] != -1)
			return -1;
		rs_map[cc.col] = map_col(&cc);
		return 0;
	case INH_R_SAMPLE:
		if (!rs_ok || len != sizeof(cs) || rs_left == 0)
			return -1;
		memcpy(&cs, p, sizeof(cs));
		memcpy(v, cs.v, sizeof(v));
		memset(r, 0, sizeof(r));
		for (c = 0; c < rs_n_cols; c++)
			if (rs_map[c] != -1)
				r[rs_map[c]] = cs.rtt[c];
		push(v, r);
		rs_left--;
		return 0;
	default:
		return -1;
	}
}
