/* SPDX-License-Identifier: MIT */
/*
 * compat.h: the only place for platform glue and small helpers every
 * module may use (BUG_ON, nitems, MIN/MAX, attributes).  Includes no other
 * module.
 */
#ifndef COMPAT_H
#define COMPAT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#ifndef nitems
#define nitems(a)	(sizeof(a) / sizeof((a)[0]))
#endif
#ifndef MIN
#define MIN(a, b)	((a) < (b) ? (a) : (b))
#endif
#ifndef MAX
#define MAX(a, b)	((a) > (b) ? (a) : (b))
#endif

#define DEAD		__attribute__((__noreturn__))
#define PRINTF(f, a)	__attribute__((__format__(__printf__, f, a)))
#define UNUSED		__attribute__((__unused__))

/* Broken invariant: log file:line and abort, in release builds too. */
#define BUG_ON(c) do {							\
	if (c)								\
		fmt_bug(__FILE__, __LINE__, #c);			\
} while (0)
/* "dotfwd: BUG at FILE:LINE: COND" to stderr, then abort() (fmt.c). */
void	fmt_bug(const char *file, int line, const char *cond) DEAD;

/*
 * Decimal digits only (no sign, blank or "0x"), at most 10 of them, the
 * value within lo..hi.  Returns 0 and sets *v, or -1.  For option values,
 * ports and prefix lengths.
 */
static inline int
parse_u32(const char *s, uint32_t lo, uint32_t hi, uint32_t *v)
{
	uint64_t x = 0;
	size_t i;

	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] < '0' || s[i] > '9' || i == 10)
			return -1;
		x = x * 10 + (uint64_t)(s[i] - '0');
	}
	if (i == 0 || x < lo || x > hi)
		return -1;
	*v = (uint32_t)x;
	return 0;
}

/* sysexits(3) */
#define EX_USAGE_	64
#define EX_UNAVAILABLE_	69
#define EX_SOFT_	70
#define EX_OS_		71
#define EX_NOPERM_	77
#define EX_CONFIG_	78

/* The Makefile gives both (the version: openwrt/dotfwd/Makefile). */
#ifndef DOTFWD_VERSION
#define DOTFWD_VERSION	"unknown"
#endif

/* Wall clock floor for certificates (the build's date), seconds. */
#ifndef DOTFWD_TIME_FLOOR
#define DOTFWD_TIME_FLOOR	0
#endif

#endif
