/* SPDX-License-Identifier: MIT */
/*
 * der.h: reading X.509 certificates held whole in memory, as DER: the
 * SubjectPublicKeyInfo, the Validity times and the subject's common name
 * found by walking the TBSCertificate, and UTC dates in integer
 * arithmetic.  Bounds-checked on every read; no BearSSL, no I/O, no
 * policy (that is cert.c's).
 */
#ifndef DER_H
#define DER_H

#include "compat.h"

/* Days from 0000-01-01 (proleptic Gregorian, BearSSL's epoch) to 1970. */
#define DER_DAYS_0_TO_1970	719528
#define DER_SECS_PER_DAY	86400

/* A DER cursor: the bytes not read yet. */
struct der {
	const uint8_t	*p;
	size_t		 len;
};

/*
 * The Validity SEQUENCE at the cursor: both times (as der_find_validity),
 * nothing else inside it.  Returns 0 with d moved past it, or -1.
 */
int	der_validity(struct der *d, int64_t *not_before, int64_t *not_after);

/*
 * Find the DER SubjectPublicKeyInfo (tag and length included) inside a
 * DER certificate of exactly 'len' bytes.  Returns 0 and sets
 * *spki and *spki_len, or -1.  (Unit-tested on its own.)
 */
int	der_find_spki(const uint8_t *der, size_t len, const uint8_t **spki,
	    size_t *spki_len);

/*
 * The validity of a DER certificate of exactly 'len' bytes, in seconds
 * since 1970-01-01 UTC (negative before 1970).  UTCTime (1950..2049) and
 * GeneralizedTime, ending in 'Z', optional fractional seconds ignored,
 * as BearSSL reads them.  Returns 0, or -1 on any malformed input.
 */
int	der_find_validity(const uint8_t *der, size_t len,
	    int64_t *not_before, int64_t *not_after);

/*
 * Subject common name (the last one) of a DER certificate of exactly
 * 'len' bytes into buf[cap]: printable ASCII, else '?'; "" when it has
 * none.  Returns 0, or -1 when it cannot be read.
 */
int	der_find_cn(const uint8_t *der, size_t len, char *buf, size_t cap);

/*
 * The UTC date of 'unix_secs' (0 if negative) as "YYYY-MM-DD" into buf
 * (years 1970..9999); integer arithmetic only, no time zone code.
 */
#define DER_DATE_LEN	11
void	der_fmt_date(int64_t unix_secs, char buf[DER_DATE_LEN]);

#endif
