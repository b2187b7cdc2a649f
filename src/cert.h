/* SPDX-License-Identifier: MIT */
/*
 * cert.h: X.509 policy around BearSSL's minimal validator, as an
 * br_x509_class wrapper: SPKI pins (RFC 7858 section 4.2) and the
 * clock-not-synchronised rule (SPEC.md section 4) live here and nowhere
 * else.  Does no I/O.
 */
#ifndef CERT_H
#define CERT_H

#include <bearssl.h>

#include "compat.h"

#define CERT_CHAIN_CAP	16384	/* whole chain kept for replay; bigger fails */
#define CERT_MAX_CERTS	8

enum cert_why { CERT_OK, CERT_UNKNOWN_CA, CERT_NAME_MISMATCH,
    CERT_PIN_MISMATCH, CERT_EXPIRED, CERT_NOT_YET_VALID, CERT_TOO_LONG,
    CERT_BAD, CERT_NO_NAME };

struct cert_ctx {
	const br_x509_class	*vtable;	/* must be first */
	br_x509_minimal_context	 mini;
	const uint8_t		(*pin)[32];
	int			 n_pin;
	int			 why;		/* enum cert_why */
	unsigned		 br_err;	/* minimal's own code, or 0 */
	int			 relaxed;	/* last accepted chain was
						 * checked before clock sync */
	const char		*server_name;
	/* chain buffered for replay after time policy is decided */
	uint8_t			 chain[CERT_CHAIN_CAP];
	size_t			 chain_len;
	uint32_t		 cert_len[CERT_MAX_CERTS];
	int			 n_cert;
	int			 overflow;
	int			 insecure;	/* cert_set_insecure() */
	int			 verdict;	/* insecure: enum cert_why */
};

/*
 * Set up the wrapper over a minimal validator with the given anchors
 * (borrowed for the context's life) and pins (borrowed; n_pin 0 = no pin
 * check).  The engine of 'eng' gets it as its X.509 engine, with the
 * hash and signature implementations it needs.
 */
void	cert_init(struct cert_ctx *, br_ssl_engine_context *eng,
	    const br_x509_trust_anchor *tas, size_t n_tas,
	    const uint8_t (*pin)[32], int n_pin);

/*
 * 1 when the last chain this context accepted was checked under the
 * relaxed rule (the clock was not known to be synchronised at that very
 * moment), so whatever rests on it (the connection, its TLS session)
 * must go once the clock is synchronised.  Kept across a resumed
 * handshake, which checks no chain: the session came from that check.
 */
int	cert_was_relaxed(const struct cert_ctx *);

/* Human reason for cx->why / br_err: "unknown CA", "pin mismatch"... */
const char *cert_errstr(const struct cert_ctx *);

/*
 * `dotfwd query -k`: accept whatever chain comes (its leaf's key is
 * used as is); the full check still runs and cert_verdict() says what it
 * found: NULL when it passed, else why not ("unknown CA"...).  For the
 * query client only: the daemon never authenticates opportunistically.
 */
void	cert_set_insecure(struct cert_ctx *);
const char *cert_verdict(const struct cert_ctx *);

/*
 * The last chain's leaf (valid after a handshake, until the next): the
 * SHA-256 of its SubjectPublicKeyInfo (a pin), and its subject common
 * name in buf[cap] (printable ASCII, else '?'; "" when it has none).
 * Return 0, or -1 when there is no leaf or it cannot be read.
 */
int	cert_leaf_pin(const struct cert_ctx *, uint8_t out[32]);
int	cert_leaf_cn(const struct cert_ctx *, char *buf, size_t cap);

/*
 * Subject common name of a DER certificate of exactly 'len' bytes into
 * buf[cap], as cert_leaf_cn(); 0 or -1.  (The server logs its own.)
 */
int	cert_der_cn(const uint8_t *der, size_t len, char *buf, size_t cap);

/*
 * Clock state (process-wide): 1 once the wall clock is known synced.
 * While 0, cert_clock_synced() also asks the kernel (adjtimex: an NTP
 * daemon clears STA_UNSYNC) and latches 1 when it says synchronised.
 */
void	cert_set_clock_synced(int);
int	cert_clock_synced(void);

/*
 * Never take the wall clock as earlier than 'unix_secs' (e.g. the build
 * date), in both clock states, so a router booting at 1970 still refuses
 * what expired before it was built.  0 (the default) means no floor.
 */
void	cert_set_time_floor(int64_t unix_secs);

/*
 * The UTC date of 'unix_secs' (0 if negative) as "YYYY-MM-DD" into buf
 * (years 1970..9999); integer arithmetic only, no time zone code.
 */
#define CERT_DATE_LEN	11
void	cert_fmt_date(int64_t unix_secs, char buf[CERT_DATE_LEN]);

/*
 * Find the DER SubjectPublicKeyInfo (tag and length included) inside a
 * DER certificate of exactly 'len' bytes.  Returns 0 and sets
 * *spki and *spki_len, or -1.  (Unit-tested on its own.)
 */
int	cert_find_spki(const uint8_t *der, size_t len, const uint8_t **spki,
	    size_t *spki_len);

/*
 * The validity of a DER certificate of exactly 'len' bytes, in seconds
 * since 1970-01-01 UTC (negative before 1970).  UTCTime (1950..2049) and
 * GeneralizedTime, ending in 'Z', optional fractional seconds ignored,
 * as BearSSL reads them.  Returns 0, or -1 on any malformed input.
 */
int	cert_find_validity(const uint8_t *der, size_t len,
	    int64_t *not_before, int64_t *not_after);

#endif
