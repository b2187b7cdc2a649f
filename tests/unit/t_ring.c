/* SPDX-License-Identifier: MIT */
/*
 * t_ring.c: unit tests for ring.c, the sample ring, over a real upstream
 * pool of three addresses (no connection is opened): one sample per
 * interval with that interval's counts and mean RTT; never more than
 * RING_N samples and no memory taken after start-up however long it
 * runs; missed intervals as empty samples, at most RING_N; the status
 * JSON; a reload's records read back to the same ring, and a carried
 * ring of another size or interval dropped.  `./t_ring NAME` runs one.
 */
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "fmt.h"
#include "inherit.h"
#include "loop.h"
#include "mem.h"
#include "policy.h"
#include "qtab.h"
#include "ring.h"
#include "stats.h"
#include "t.h"
#include "upstream.h"

#define JSON_CAP	(64 * 1024)

static const char config[] =
    "config dotfwd 'main'\n"
    "\tlist listen '127.0.0.1:5453'\n"
    "config upstream 'a'\n"
    "\tlist address '192.0.2.1'\n"
    "\tlist address '[2001:db8::1]:8853'\n"
    "\toption auth_name 'a.example'\n"
    "config upstream 'b'\n"
    "\tlist address '192.0.2.2'\n"
    "\toption auth_name 'b.example'\n";

static struct conf	conf;
static struct qt	qt;
static char		json[JSON_CAP];
static uint64_t		now;

static void
no_answer(int slot, uint8_t *msg, size_t len, const struct dns_msg *m)
{
	(void)slot;
	(void)msg;
	(void)len;
	(void)m;
}

static void
no_fail(int slot, int rcode)
{
	(void)slot;
	(void)rcode;
}

/* The pool and a started ring, once per process. */
static int
setup(void)
{
	static int done;
	struct up_cbs cbs = { no_answer, no_fail };
	struct fmt_out err;
	char ebuf[256];

	if (done)
		return 0;
	fmt_out_err(&err, ebuf, sizeof(ebuf));
	if (conf_parse(&conf, "t_ring", config, sizeof(config) - 1,
	    &err) != 0)
		return -1;
	qt_init(&qt, 16);
	loop_init(8);
	up_init(&conf, &qt, &cbs);
	ring_init();
	ring_start();
	now = loop_clock() + RING_INTERVAL_MS;
	done = 1;
	return 0;
}

/* The text of "NAME": [...] in json, without the brackets. */
static const char *
array(const char *name, char *out, size_t cap)
{
	char key[64];
	const char *p, *e;

	snprintf(key, sizeof(key), "\"%s\": [", name);
	if ((p = strstr(json, key)) == NULL)
		return NULL;
	p += strlen(key);
	if ((e = strchr(p, ']')) == NULL || (size_t)(e - p) >= cap)
		return NULL;
	memcpy(out, p, (size_t)(e - p));
	out[e - p] = '\0';
	return out;
}

/* Numbers in a JSON array's text. */
static int
count(const char *a)
{
	int n = 0;

	if (*a == '\0')
		return 0;
	for (n = 1; *a != '\0'; a++)
		n += *a == ',';
	return n;
}

/* The last number of an array's text. */
static long
last(const char *a)
{
	const char *p = strrchr(a, ',');

	return strtol(p != NULL ? p + 1 : a, NULL, 10);
}

static void
render(void)
{
	size_t len = ring_json(json, 0, sizeof(json));

	json[len] = '\0';
}

/* next interval with these counts */
static void
interval(int queries, int answered, int servfail)
{
	st.q_udp += (uint64_t)queries;
	st.answered += (uint64_t)answered;
	st.servfail += (uint64_t)servfail;
	ring_tick(NULL, now);
	now += RING_INTERVAL_MS;
}

static int
t_one_interval(void)
{
	char a[8192];

	T_ASSERT(setup() == 0);
	interval(7, 5, 2);
	pol_rtt(0, 10);
	pol_rtt(0, 31);		/* mean 20.5: 21 */
	pol_rtt(2, 200);
	interval(3, 3, 0);
	interval(0, 0, 0);	/* no answer: RTT 0 */
	render();
	T_ASSERT(strstr(json, ", \"history\": {\"interval_s\": 5, "
	    "\"size\": 120, ") == json);
	T_ASSERT(array("queries", a, sizeof(a)) != NULL);
	T_ASSERT(strstr(a, "7, 3, 0") != NULL);
	T_ASSERT(array("answered", a, sizeof(a)) != NULL);
	T_ASSERT(strstr(a, "5, 3, 0") != NULL);
	T_ASSERT(array("servfail", a, sizeof(a)) != NULL);
	T_ASSERT(strstr(a, "2, 0, 0") != NULL);
	T_ASSERT(strstr(json, "{\"address\": \"192.0.2.1:853\", "
	    "\"auth_name\": \"a.example\", \"ms\": [") != NULL);
	T_ASSERT(strstr(json, "{\"address\": \"[2001:db8::1]:8853\", ")
	    != NULL);
	T_ASSERT(strstr(json, "\"ms\": [0, 21, 0]}") != NULL ||
	    strstr(json, ", 0, 21, 0]}") != NULL);
	T_ASSERT(strstr(json, "0, 200, 0]}]}") != NULL);
	return 0;
}

/* Run long: the ring stays RING_N samples, the arena does not move. */
static int
t_bound(void)
{
	char a[8192];
	size_t mem;
	int i;

	T_ASSERT(setup() == 0);
	mem = mem_total();
	for (i = 0; i < 10 * RING_N + 7; i++)
		interval(1, i, 0);
	T_EQ_INT(ring_count(), RING_N);
	T_EQ_INT(mem_total(), mem);
	render();
	T_ASSERT(strstr(json, "\"samples\": 120, ") != NULL);
	T_ASSERT(array("answered", a, sizeof(a)) != NULL);
	T_EQ_INT(count(a), RING_N);
	T_EQ_INT(last(a), 10 * RING_N + 6);	/* newest last */
	T_EQ_INT(strtol(a, NULL, 10), 9 * RING_N + 7);
	T_ASSERT(array("ms", a, sizeof(a)) != NULL);
	T_EQ_INT(count(a), RING_N);
	return 0;
}

/* A loop that did not tick for a while: empty samples, RING_N at most,
 * and the next interval starts from now. */
static int
t_missed(void)
{
	char a[8192];

	T_ASSERT(setup() == 0);
	interval(0, 0, 0);
	st.answered += 9;
	now += 3 * RING_INTERVAL_MS;		/* 4 intervals late */
	ring_tick(NULL, now);
	render();
	T_ASSERT(array("answered", a, sizeof(a)) != NULL);
	T_ASSERT(strlen(a) > 10 && strcmp(a + strlen(a) - 10,
	    "9, 0, 0, 0") == 0);
	now += 1000 * RING_INTERVAL_MS;		/* far too late */
	st.answered += 4;
	ring_tick(NULL, now);
	T_EQ_INT(ring_count(), RING_N);
	render();
	T_ASSERT(array("answered", a, sizeof(a)) != NULL);
	T_EQ_INT(strtol(a, NULL, 10), 4);	/* oldest: the late tick */
	T_EQ_INT(last(a), 0);
	/* next tick due one interval from the late one, not before */
	ring_tick(NULL, now + RING_INTERVAL_MS - 1);
	render();
	T_ASSERT(array("answered", a, sizeof(a)) != NULL);
	T_EQ_INT(strtol(a, NULL, 10), 4);
	now += RING_INTERVAL_MS;
	return 0;
}

static void
restore(void *arg, int type, const void *p, size_t len)
{
	(void)arg;
	if (type >= INH_R_RING)
		ring_restore(type, p, len);
}

/* Carried and read back: the same ring. */
static int
t_carry(void)
{
	static char before[JSON_CAP];
	struct inh_wr w;
	const char *why;
	int fd, i, n;

	T_ASSERT(setup() == 0);
	for (i = 0; i < 30; i++) {
		pol_rtt(1, (uint64_t)(i + 1));
		interval(i, i / 2, i % 3);
	}
	render();
	memcpy(before, json, sizeof(before));
	n = ring_count();
	T_ASSERT((fd = inh_memfd()) != -1);
	inh_wr_begin(&w, fd);
	ring_carry(&w);
	T_EQ_INT(inh_wr_end(&w), 0);
	ring_init();		/* a new image's empty ring */
	T_EQ_INT(ring_count(), 0);
	T_EQ_INT(inh_read(fd, restore, NULL, &why), 1 + 3 + n);
	T_EQ_INT(ring_count(), n);
	render();
	T_EQ_STR(json, before);
	close(fd);
	return 0;
}

/* A ring of another interval: nothing of it is taken. */
static int
t_carry_other_interval(void)
{
	uint32_t h[12];
	uint8_t sample[3 * 4 + RING_MAX_COLS * 2];

	T_ASSERT(setup() == 0);
	ring_init();
	memset(h, 0, sizeof(h));
	h[0] = 1000;		/* interval_ms */
	h[1] = RING_N;
	h[2] = 1;
	T_EQ_INT(ring_restore(INH_R_RING, h, 40), -1);	/* short */
	T_EQ_INT(ring_restore(INH_R_RING, h, 48), -1);	/* interval */
	memset(sample, 0, sizeof(sample));
	T_EQ_INT(ring_restore(INH_R_SAMPLE, sample, sizeof(sample)), -1);
	T_EQ_INT(ring_count(), 0);
	h[0] = RING_INTERVAL_MS;
	h[2] = RING_N + 1;	/* more samples than a ring holds */
	T_EQ_INT(ring_restore(INH_R_RING, h, 48), -1);
	h[2] = 1;
	h[3] = RING_MAX_COLS + 1;
	T_EQ_INT(ring_restore(INH_R_RING, h, 48), -1);
	h[3] = 0;
	T_EQ_INT(ring_restore(INH_R_RING, h, 48), 0);
	T_EQ_INT(ring_restore(INH_R_SAMPLE, sample, sizeof(sample)), 0);
	T_EQ_INT(ring_restore(INH_R_SAMPLE, sample, sizeof(sample)), -1);
	T_EQ_INT(ring_count(), 1);
	return 0;
}

static const struct t_case cases[] = {
	{ "one_interval",	t_one_interval },
	{ "bound",		t_bound },
	{ "missed",		t_missed },
	{ "carry",		t_carry },
	{ "carry_other_interval", t_carry_other_interval },
};

T_MAIN("ring", cases)
