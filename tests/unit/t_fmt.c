/* SPDX-License-Identifier: MIT */
/*
 * t_fmt.c: unit tests of fmt.c: every conversion, flag and length the
 * daemon uses, compared with the C library's snprintf as the oracle;
 * truncation and the would-be length; the two sinks.
 */
#include <sys/wait.h>

#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fmt.h"
#include "t.h"

/* The oracle is asked to truncate on purpose; t_unknown passes formats
 * that no compiler check would let through. */
#pragma GCC diagnostic ignored "-Wformat-truncation"
#pragma GCC diagnostic ignored "-Wformat-security"
#pragma GCC diagnostic ignored "-Wformat-nonliteral"

/* Both printers, same format and arguments, must agree. */
#define SAME(cap, ...) do {						\
	char a_[256], b_[256];						\
	size_t na_ = fmt_snprintf(a_, (cap), __VA_ARGS__);		\
	int nb_ = snprintf(b_, (cap), __VA_ARGS__);			\
	if (na_ != (size_t)nb_ || ((cap) > 0 && strcmp(a_, b_) != 0))	\
		T_FAIL("%s: want \"%s\" (%d), got \"%s\" (%zu)",	\
		    #__VA_ARGS__, b_, nb_, a_, na_);			\
} while (0)

static int
t_conversions(void)
{
	SAME(256, "plain text");
	SAME(256, "%s|%s", "abc", "");
	SAME(256, "%c%c", 'x', '%');
	SAME(256, "100%% %d", 5);
	SAME(256, "%d %d %d", 0, -1, INT_MIN);
	SAME(256, "%d", INT_MAX);
	SAME(256, "%u %u", 0U, UINT_MAX);
	SAME(256, "%x %x %x", 0U, 255U, UINT_MAX);
	SAME(256, "%lu %ld", ULONG_MAX, LONG_MIN);
	SAME(256, "%llu %lld", ULLONG_MAX, LLONG_MIN);
	SAME(256, "%zu", (size_t)SIZE_MAX);
	SAME(256, "%" PRIu64 " %" PRIu32, UINT64_MAX, UINT32_MAX);
	SAME(256, "%hu", (unsigned short)65535);
	SAME(256, "%hd %hd", (short)-2, (short)32767);
	SAME(256, "%X %X %x", 0xabcdefU, 0U, 0xABCU);
	SAME(256, "%02X%02X%02X", 0U, 0x0aU, 0xffU);
	SAME(256, "%lx %llX", ULONG_MAX, ULLONG_MAX);
	return 0;
}

/* ".N" and ".*": a string's most bytes, an integer's fewest digits. */
static int
t_precision(void)
{
	SAME(256, "[%.3s][%.0s][%.10s]", "abcdef", "abc", "abc");
	SAME(256, "[%.*s][%.*s][%.*s]", 2, "abc", 0, "abc", -1, "abc");
	SAME(256, "[%.32s]", "0123456789012345678901234567890123456789");
	SAME(256, "[%5.2s][%-5.2s]", "abc", "abc");
	/* the bytes after the precision need no NUL */
	SAME(256, "[%.*s]", 3, (const char []){ 'x', 'y', 'z' });
	SAME(256, "[%.3d][%.3d][%5.3d][%-5.3u]", 7, -7, 7, 7U);
	SAME(256, "[%.0d][%.0u][%3.0x][%.3x]", 0, 0U, 0U, 0xaU);
	return 0;
}

static int
t_flags_width(void)
{
	SAME(256, "[%5d][%-5d][%05d][%05d]", 42, 42, 42, -42);
	SAME(256, "[%02x][%02x][%02x]", 0U, 10U, 255U);
	SAME(256, "[%8s][%-8s][%2s]", "ab", "ab", "abcd");
	SAME(256, "[%-26s]", "mipsel_24kc");
	SAME(256, "[%3c][%-3c]", 'a', 'b');
	SAME(256, "[%1d][%10u]", 12345, 7U);
	return 0;
}

static int
t_truncation(void)
{
	char buf[8];

	SAME(8, "%s", "0123456789");
	SAME(1, "%d", 12345);
	SAME(0, "%s", "abc");
	SAME(5, "ab%dcd", 1234);
	memset(buf, 'x', sizeof(buf));
	T_EQ_INT(fmt_snprintf(buf, 4, "%s", "abcdef"), 6);
	T_EQ_STR(buf, "abc");
	T_EQ_INT(buf[4], 'x');		/* nothing written past cap */
	return 0;
}

/* What printf does not define is copied, not crashed on. */
static int
t_unknown(void)
{
	/* not literals: the compiler would rightly refuse them */
	const char *q = "a%qb", *end = "end%";
	char buf[64];

	T_EQ_INT(fmt_snprintf(buf, sizeof(buf), q), 4);
	T_EQ_STR(buf, "a%qb");
	T_EQ_INT(fmt_snprintf(buf, sizeof(buf), end), 4);
	T_EQ_STR(buf, "end%");
	return 0;
}

static int
t_sink_mem(void)
{
	struct fmt_out o;
	char buf[16];

	fmt_out_mem(&o, buf, sizeof(buf));
	fmt_puts(&o, "config ");
	fmt_printf(&o, "%s %d", "x", 7);
	T_EQ_STR(buf, "config x 7");
	T_EQ_INT(o.cut, 0);
	fmt_puts(&o, "0123456789");
	T_EQ_STR(buf, "config x 701234");
	T_EQ_INT(o.cut, 1);
	T_EQ_INT(fmt_flush(&o), 0);
	return 0;
}

/* fmt_printf has no line limit of its own; fmt_putc. */
static int
t_sink_long(void)
{
	struct fmt_out o;
	char big[2048], want[2048], got[2048];

	memset(big, 'n', 1000);
	big[1000] = '\0';
	fmt_out_mem(&o, got, sizeof(got));
	fmt_printf(&o, "<%s|%-1010s>", big, "x");
	fmt_putc(&o, '!');
	snprintf(want, sizeof(want), "<%s|%-1010s>!", big, "x");
	T_EQ_STR(got, want);
	T_EQ_INT(o.cut, 0);
	return 0;
}

static int
t_sink_fd(void)
{
	struct fmt_out o;
	char small[4], got[64];
	int p[2], i;
	ssize_t n;

	T_ASSERT(pipe(p) == 0);
	/* a buffer smaller than the text: flushed as it fills */
	fmt_out_fd(&o, p[1], small, sizeof(small));
	for (i = 0; i < 3; i++)
		fmt_printf(&o, "line %d\n", i);
	T_EQ_INT(fmt_flush(&o), 0);
	close(p[1]);
	n = read(p[0], got, sizeof(got) - 1);
	close(p[0]);
	T_ASSERT(n > 0);
	got[n] = '\0';
	T_EQ_STR(got, "line 0\nline 1\nline 2\n");
	/* flush_each: out after each call, nothing left to flush */
	T_ASSERT(pipe(p) == 0);
	fmt_out_fd(&o, p[1], got, sizeof(got));
	o.flush_each = 1;
	fmt_printf(&o, "%s:%d: %s\n", "f", 3, "bad");
	T_EQ_INT(o.len, 0);
	fmt_putc(&o, 'c');
	T_EQ_INT(o.len, 0);
	n = read(p[0], small, sizeof(small));
	T_EQ_INT(n, 4);
	T_ASSERT(memcmp(small, "f:3:", 4) == 0);
	close(p[1]);
	close(p[0]);
	/* a closed pipe: the error sticks */
	signal(SIGPIPE, SIG_IGN);
	T_ASSERT(pipe(p) == 0);
	close(p[0]);
	fmt_out_fd(&o, p[1], small, sizeof(small));
	fmt_puts(&o, "abc");
	T_EQ_INT(fmt_flush(&o), -1);
	close(p[1]);
	return 0;
}

/* BUG_ON: one line on stderr, then abort(). */
static int
t_bug_on(void)
{
	char got[256], want[256], *nl;
	int p[2], st, line;
	ssize_t n;
	pid_t pid;

	T_ASSERT(pipe(p) == 0);
	line = __LINE__ + 3;
	if ((pid = fork()) == 0) {
		dup2(p[1], STDERR_FILENO);
		BUG_ON(1 + 1 == 2);
		_exit(0);
	}
	close(p[1]);
	n = read(p[0], got, sizeof(got) - 1);
	close(p[0]);
	T_ASSERT(waitpid(pid, &st, 0) == pid);
	T_ASSERT(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT);
	T_ASSERT(n > 0);
	got[n] = '\0';
	/* ours is the first line (under qemu-user, the emulator's own
	 * "uncaught target signal 6" may follow on the same stderr) */
	if ((nl = strchr(got, '\n')) != NULL)
		nl[1] = '\0';
	snprintf(want, sizeof(want), "dotfwd: BUG at %s:%d: 1 + 1 == 2\n",
	    __FILE__, line);
	T_EQ_STR(got, want);
	return 0;
}

/*
 * u64_div against the compiler's 64-bit division (libgcc's on 32-bit
 * CPUs, where u64_div does without it): edges, then seeded random
 * numerators of every width over divisors of every width.
 */
static int
t_u64_div(void)
{
	static const uint64_t ns[] = {
		0, 1, 9, 10, 0xffffffffu, 0x100000000u, 0x100000001u,
		UINT64_MAX, UINT64_MAX - 1, UINT64_C(253402300799) + 62167219200u
	};
	static const uint32_t ds[] = {
		1, 2, 3, 10, 16, 675, 1000, 86400, 0x7fffffffu, 0x80000000u,
		0xfffffffeu, 0xffffffffu
	};
	uint64_t n, q;
	uint32_t d, r, x = 88172645u;
	size_t i, j;
	int k;

	for (i = 0; i < nitems(ns); i++)
		for (j = 0; j < nitems(ds); j++) {
			q = u64_div(ns[i], ds[j], &r);
			if (q != ns[i] / ds[j] || r != ns[i] % ds[j])
				T_FAIL("%" PRIu64 " / %" PRIu32 ": got %" PRIu64
				    " r %" PRIu32, ns[i], ds[j], q, r);
		}
	for (k = 0; k < 200000; k++) {
		x ^= x << 13, x ^= x >> 17, x ^= x << 5;
		n = (uint64_t)x << 32;
		x ^= x << 13, x ^= x >> 17, x ^= x << 5;
		n = (n | x) >> (k % 64);
		x ^= x << 13, x ^= x >> 17, x ^= x << 5;
		d = x >> (k / 64 % 32);
		if (d == 0)
			d = 1;
		q = u64_div(n, d, &r);
		if (q != n / d || r != n % d)
			T_FAIL("%" PRIu64 " / %" PRIu32 ": got %" PRIu64
			    " r %" PRIu32, n, d, q, r);
	}
	return 0;
}

static const struct t_case cases[] = {
	{ "conversions",	t_conversions },
	{ "flags_width",	t_flags_width },
	{ "precision",		t_precision },
	{ "truncation",		t_truncation },
	{ "unknown",		t_unknown },
	{ "sink_mem",		t_sink_mem },
	{ "sink_long",		t_sink_long },
	{ "sink_fd",		t_sink_fd },
	{ "bug_on",		t_bug_on },
	{ "u64_div",		t_u64_div },
};

T_MAIN("fmt", cases)
