/* SPDX-License-Identifier: MIT */
/*
 * t.h: the tiny unit-test harness.  Each tests/unit/t_<module>.c has a
 * table of named cases and calls t_main(); `./t_dns padding` runs one.
 * Output is one line per case, "ok - MODULE/CASE" or
 * "not ok - MODULE/CASE", which tests/run.sh counts.  A failing check
 * prints what it wanted and what it got (hex for bytes).
 */
#ifndef T_H
#define T_H

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

struct t_case {
	const char	*name;
	int		(*fn)(void);	/* 0 pass, -1 fail (after printing why),
					 * T_SKIP: not meaningful in this build */
};

#define T_SKIP	1

#define T_FAIL(...) do {						\
	fprintf(stdout, "#   %s:%d: ", __FILE__, __LINE__);		\
	fprintf(stdout, __VA_ARGS__);					\
	fputc('\n', stdout);						\
	return -1;							\
} while (0)

#define T_ASSERT(c) do {						\
	if (!(c))							\
		T_FAIL("assertion failed: %s", #c);			\
} while (0)

#define T_EQ_INT(got, want) do {					\
	long long g_ = (long long)(got), w_ = (long long)(want);	\
	if (g_ != w_)							\
		T_FAIL("%s: want %lld, got %lld", #got, w_, g_);	\
} while (0)

#define T_EQ_STR(got, want) do {					\
	const char *g_ = (got), *w_ = (want);				\
	if (strcmp(g_, w_) != 0)					\
		T_FAIL("%s: want \"%s\", got \"%s\"", #got, w_, g_);	\
} while (0)

#define T_EQ_HEX(got, glen, want, wlen) do {				\
	if (t_hexcmp((got), (glen), (want), (wlen)) != 0)		\
		T_FAIL("%s differs", #got);				\
} while (0)

static void __attribute__((__unused__))
t_hexdump(const char *label, const uint8_t *p, size_t n)
{
	size_t i;

	fprintf(stdout, "#   %s (%zu):", label, n);
	for (i = 0; i < n; i++)
		fprintf(stdout, "%s%02x", i % 32 == 0 ? "\n#     " : "", p[i]);
	fputc('\n', stdout);
}

static int __attribute__((__unused__))
t_hexcmp(const uint8_t *got, size_t glen, const uint8_t *want, size_t wlen)
{
	if (glen == wlen && memcmp(got, want, glen) == 0)
		return 0;
	t_hexdump("want", want, wlen);
	t_hexdump("got", got, glen);
	return -1;
}

/* "0a 0B:ff" -> bytes; whitespace and ':' ignored.  Returns length. */
static size_t __attribute__((__unused__))
t_unhex(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;
	int hi = -1, v;

	for (; *s != '\0'; s++) {
		if (isspace((unsigned char)*s) || *s == ':')
			continue;
		if (!isxdigit((unsigned char)*s) || n >= cap)
			abort();
		v = isdigit((unsigned char)*s) ? *s - '0' :
		    tolower((unsigned char)*s) - 'a' + 10;
		if (hi < 0)
			hi = v;
		else {
			out[n++] = (uint8_t)(hi << 4 | v);
			hi = -1;
		}
	}
	if (hi >= 0)
		abort();
	return n;
}

static int
t_main(int argc, char **argv, const char *module, const struct t_case *c,
    size_t n)
{
	size_t i;
	int failed = 0, ran = 0, r;

	/* keep every result line even if the process dies later */
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (i = 0; i < n; i++) {
		if (argc > 1 && strcmp(argv[1], c[i].name) != 0)
			continue;
		ran++;
		r = c[i].fn();
		if (r == 0)
			printf("ok - %s/%s\n", module, c[i].name);
		else if (r == T_SKIP)
			printf("skip - %s/%s: not in this build\n", module,
			    c[i].name);
		else {
			printf("not ok - %s/%s\n", module, c[i].name);
			failed++;
		}
		fflush(stdout);
	}
	if (ran == 0) {
		printf("not ok - %s: no case named %s\n", module,
		    argc > 1 ? argv[1] : "(any)");
		return 1;
	}
	return failed != 0;
}

#define T_MAIN(module, cases)						\
int									\
main(int argc, char **argv)						\
{									\
	return t_main(argc, argv, (module), (cases),			\
	    sizeof(cases) / sizeof((cases)[0]));			\
}

#endif
