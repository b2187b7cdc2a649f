/* SPDX-License-Identifier: MIT */
/*
 * t_log.c: unit tests for log.c.  The rate-limit cases drive
 * log_rl_allow() through scripts of (time, allowed?, suppressed count
 * reported) rows, and a seeded random run is checked against a model;
 * the line cases capture stderr and compare bytes.
 * `./t_log NAME` runs one case.
 */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "log.h"
#include "t.h"

#define GARBAGE		0xdeadbeefU	/* *suppressed must be overwritten */
#define RANDOM_STEPS	200000L
#define LINE_CAP	2048	/* captured output: a few lines of <= 511 */

/* One call: at now_ms, want allow (0/1) and the count reported. */
struct rl_row {
	uint64_t	 now_ms;
	int		 allow;
	uint32_t	 suppressed;
};

static uint32_t	rng;
static uint8_t	got_buf[LINE_CAP], want_buf[LINE_CAP];
static char	msg[LINE_CAP];
static FILE	*cap;
static int	saved_fd = -1;

/* Send stderr (where log.c writes with log_init(0, ...)) to a file. */
static void
capture_start(void)
{
	fflush(stderr);
	if ((cap = tmpfile()) == NULL ||
	    (saved_fd = dup(STDERR_FILENO)) == -1 ||
	    dup2(fileno(cap), STDERR_FILENO) == -1)
		abort();
}

/* Restore stderr; the captured bytes go to got_buf.  Returns their length. */
static size_t
capture_end(void)
{
	ssize_t n;

	if (dup2(saved_fd, STDERR_FILENO) == -1)
		abort();
	close(saved_fd);
	saved_fd = -1;
	if (lseek(fileno(cap), 0, SEEK_SET) == -1 ||
	    (n = read(fileno(cap), got_buf, sizeof(got_buf))) < 0)
		abort();
	fclose(cap);
	return (size_t)n;
}

/* want_buf = text, as bytes.  Returns the length. */
static size_t
want_str(const char *text)
{
	size_t n;

	n = strlen(text);
	if (n > sizeof(want_buf))
		abort();
	memcpy(want_buf, text, n);
	return n;
}

/* Append prefix, n_a 'a's and suffix to want_buf at off; new length. */
static size_t
want_line(size_t off, const char *prefix, size_t n_a, const char *suffix)
{
	size_t lp, ls;

	lp = strlen(prefix);
	ls = strlen(suffix);
	if (off + lp + n_a + ls > sizeof(want_buf))
		abort();
	memcpy(want_buf + off, prefix, lp);
	memset(want_buf + off + lp, 'a', n_a);
	memcpy(want_buf + off + lp + n_a, suffix, ls);
	return off + lp + n_a + ls;
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

static int
run_rows(uint32_t window_ms, uint32_t burst, const struct rl_row *row,
    size_t n)
{
	struct log_rl rl;
	uint32_t sup;
	size_t k;
	int got;

	log_rl_init(&rl, window_ms, burst);
	for (k = 0; k < n; k++) {
		sup = GARBAGE;
		got = log_rl_allow(&rl, row[k].now_ms, &sup);
		if (got != row[k].allow || sup != row[k].suppressed)
			T_FAIL("row %zu (t=%llu): want allow %d suppressed %u, "
			    "got allow %d suppressed %u", k,
			    (unsigned long long)row[k].now_ms, row[k].allow,
			    row[k].suppressed, got, sup);
	}
	return 0;
}

#define RUN_ROWS(w, b, rows)	run_rows((w), (b), (rows), nitems(rows))

/* 3 lines per second, then silence, then one report and a fresh burst. */
static int
t_rl_burst(void)
{
	static const struct rl_row rows[] = {
		{ 5000, 1, 0 }, { 5000, 1, 0 }, { 5001, 1, 0 },
		{ 5001, 0, 0 }, { 5500, 0, 0 }, { 5998, 0, 0 },
		{ 5999, 0, 0 },
		/* Next window: the 4 suppressed lines are reported once. */
		{ 6000, 1, 4 }, { 6000, 1, 0 }, { 6100, 1, 0 },
		{ 6200, 0, 0 }, { 6999, 0, 0 },
		{ 7000, 1, 2 }, { 7001, 1, 0 },
	};

	return RUN_ROWS(1000, 3, rows);
}

static int
t_rl_burst_1(void)
{
	static const struct rl_row rows[] = {
		{ 10, 1, 0 }, { 10, 0, 0 }, { 11, 0, 0 }, { 109, 0, 0 },
		{ 110, 1, 3 }, { 209, 0, 0 }, { 210, 1, 1 }, { 310, 1, 0 },
	};

	return RUN_ROWS(100, 1, rows);
}

/* The count is reported once, whatever follows: quiet windows, gaps. */
static int
t_rl_report_once(void)
{
	static const struct rl_row rows[] = {
		{ 0, 1, 0 }, { 1, 1, 0 }, { 2, 0, 0 }, { 3, 0, 0 },
		/* A long gap: still reported, and only at the next call. */
		{ 50000, 1, 2 }, { 50001, 1, 0 },
		/* A window with nothing suppressed reports 0 when it ends. */
		{ 51000, 1, 0 }, { 51001, 1, 0 }, { 52000, 1, 0 },
		{ 53000, 1, 0 }, { 53001, 1, 0 }, { 53002, 0, 0 },
		/* Counts do not carry over from an earlier report. */
		{ 54002, 1, 1 }, { 54003, 1, 0 }, { 54004, 0, 0 },
		{ 54005, 0, 0 }, { 54006, 0, 0 },
		{ 55002, 1, 3 }, { 56002, 1, 0 },
	};

	return RUN_ROWS(1000, 2, rows);
}

/*
 * A window opens at the first line after the last one ended, not on a
 * multiple of window_ms: 6400 is still inside [5500, 6500).
 */
static int
t_rl_window_from_first(void)
{
	static const struct rl_row rows[] = {
		{ 5500, 1, 0 }, { 5600, 1, 0 }, { 6000, 0, 0 },
		{ 6400, 0, 0 }, { 6499, 0, 0 },
		{ 6500, 1, 3 }, { 6501, 1, 0 }, { 7499, 0, 0 },
		/* Idle, then a window that starts at 9876. */
		{ 9876, 1, 1 }, { 9877, 1, 0 }, { 10875, 0, 0 },
		{ 10876, 1, 1 },
		/* Lines allowed early in a window do not move its start. */
		{ 11000, 1, 0 }, { 11875, 0, 0 }, { 11876, 1, 1 },
	};

	return RUN_ROWS(1000, 2, rows);
}

/* The first line may come at time 0; huge clocks do not wrap. */
static int
t_rl_time_edges(void)
{
	static const struct rl_row rows0[] = {
		{ 0, 1, 0 }, { 0, 0, 0 }, { 999, 0, 0 }, { 1000, 1, 2 },
	};
	static const struct rl_row rows_big[] = {
		{ UINT64_MAX - 3000, 1, 0 }, { UINT64_MAX - 2001, 0, 0 },
		{ UINT64_MAX - 2000, 1, 1 }, { UINT64_MAX - 1001, 0, 0 },
		{ UINT64_MAX - 1000, 1, 1 }, { UINT64_MAX - 1, 0, 0 },
		{ UINT64_MAX, 1, 1 },
	};
	static const struct rl_row rows_wide[] = {
		/* A window near UINT32_MAX ms (49 days). */
		{ 1, 1, 0 }, { (uint64_t)UINT32_MAX, 0, 0 },
		{ (uint64_t)UINT32_MAX + 1, 1, 1 },
	};

	if (RUN_ROWS(1000, 1, rows0) != 0 ||
	    RUN_ROWS(1000, 1, rows_big) != 0)
		return -1;
	return RUN_ROWS(UINT32_MAX, 1, rows_wide);
}

/*
 * Random run against a model written from the header's contract: at
 * most burst lines per window, a window opens at the first call at or
 * after the end of the last, and its opening call reports (once) the
 * lines suppressed since the last report.  Times go forward by random
 * steps, some far beyond the window.
 */
static int
rl_random(uint32_t window_ms, uint32_t burst, uint32_t seed)
{
	struct log_rl rl;
	uint64_t now = 7, start = 0, n_calls = 0, n_allowed = 0;
	uint64_t n_reported = 0;
	uint32_t in_window = 0, pending = 0, sup, want_sup, r;
	long step;
	int got, want, is_open = 0;

	rng = seed;
	log_rl_init(&rl, window_ms, burst);
	for (step = 0; step < RANDOM_STEPS; step++) {
		r = rnd();
		if (r % 64 == 0)
			now += rnd() % (4 * (uint64_t)window_ms + 1);
		else
			now += rnd() % (window_ms / 8 + 2);
		want_sup = 0;
		if (!is_open || now - start >= window_ms) {
			want_sup = pending;
			pending = 0;
			start = now;
			in_window = 0;
			is_open = 1;
		}
		want = in_window < burst;
		if (want)
			in_window++;
		else
			pending++;
		sup = GARBAGE;
		got = log_rl_allow(&rl, now, &sup);
		if (got != want || sup != want_sup)
			T_FAIL("window %u burst %u seed 0x%08x step %ld "
			    "t=%llu: want allow %d suppressed %u, got allow %d "
			    "suppressed %u", window_ms, burst, seed, step,
			    (unsigned long long)now, want, want_sup, got, sup);
		n_calls++;
		n_allowed += (uint64_t)got;
		n_reported += sup;
	}
	/* Every call is either written, reported, or still pending. */
	T_EQ_INT(n_allowed + n_reported + pending, n_calls);
	T_ASSERT(n_reported > 0);
	return 0;
}

static int
t_rl_random(void)
{
	static const struct {
		uint32_t	 window_ms, burst, seed;
	} runs[] = {
		{ 1000,	3,	0x2545f491 },
		{ 1000,	1,	0x9e3779b9 },
		{ 60000, 10,	0x0badc0de },
		{ 7,	2,	0x12345678 },
		{ 1,	1,	0xfeedface },
	};
	size_t k;

	for (k = 0; k < nitems(runs); k++)
		if (rl_random(runs[k].window_ms, runs[k].burst,
		    runs[k].seed) != 0)
			return -1;
	return 0;
}

/* One line per call: prefix, level tag, text, newline; levels filter. */
static int
t_lines(void)
{
	size_t glen, wlen;
	int e;

	log_init(0, LOG_L_INFO);
	capture_start();
	log_info("n=%d", 42);
	glen = capture_end();
	/* "dotfwd: n=42\n", no NUL */
	wlen = t_unhex("646f74667764 3a20 6e3d3432 0a", want_buf,
	    sizeof(want_buf));
	T_EQ_HEX(got_buf, glen, want_buf, wlen);

	capture_start();
	log_debug("hidden %d", 1);
	log_warnx("w %s", "x");
	log_error("e");
	log_set_level(LOG_L_DEBUG);
	log_debug("d");
	log_set_level(LOG_L_ERROR);
	log_warnx("hidden");
	log_info("hidden");
	log_error("still");
	glen = capture_end();
	log_set_level(LOG_L_INFO);
	wlen = want_str("dotfwd: warning: w x\ndotfwd: error: e\n"
	    "dotfwd: debug: d\ndotfwd: error: still\n");
	T_EQ_HEX(got_buf, glen, want_buf, wlen);

	/* log_warn appends errno in words and leaves errno alone. */
	capture_start();
	errno = ENOENT;
	log_warn("open %s", "f");
	e = errno;
	glen = capture_end();
	T_EQ_INT(e, ENOENT);
	snprintf(msg, sizeof(msg), "dotfwd: warning: open f: %s\n",
	    "no such file or directory");
	wlen = want_str(msg);
	T_EQ_HEX(got_buf, glen, want_buf, wlen);
	return 0;
}

/* Messages longer than 511 bytes are cut; so is the errno suffix. */
static int
t_lines_long(void)
{
	size_t glen, wlen;

	log_init(0, LOG_L_INFO);
	memset(msg, 'a', 600);
	msg[600] = '\0';
	capture_start();
	log_info("%s", msg);
	errno = ENOENT;
	log_warn("%s", msg);
	/* 509 + ": " fills the line exactly; the errno text is cut. */
	msg[509] = '\0';
	log_warn("%s", msg);
	glen = capture_end();
	wlen = want_line(0, "dotfwd: ", 511, "\n");
	wlen = want_line(wlen, "dotfwd: warning: ", 511, "\n");
	wlen = want_line(wlen, "dotfwd: warning: ", 509, ": \n");
	T_EQ_HEX(got_buf, glen, want_buf, wlen);
	return 0;
}

static const struct t_case cases[] = {
	{ "rl_burst",		t_rl_burst },
	{ "rl_burst_1",		t_rl_burst_1 },
	{ "rl_report_once",	t_rl_report_once },
	{ "rl_window_from_first", t_rl_window_from_first },
	{ "rl_time_edges",	t_rl_time_edges },
	{ "rl_random",		t_rl_random },
	{ "lines",		t_lines },
	{ "lines_long",		t_lines_long },
};

T_MAIN("log", cases)
