/* SPDX-License-Identifier: MIT */
/*
 * cert.h: X.509 policy around BearSSL's minimal validator, as an
 * br_x509_class wrapper: SPKI pins (RFC 7858 section 4.2) and the
 * clock-not-synchronised rule (SPEC.md section 4) live here and nowhere
 * else.  Reading a whole certificate's fields is der.h's.  Does no I/O.
 */
#ifndef CERT_H
#define CERT_H

#include <bearssl.h>

#include "compat.h"

#define CERT_MAX_CERTS	8	/* a longer chain is refused */
#define CERT_HOLD_CAP	64	/* a Validity element (two times of at
				 * most 15 characters, fractions aside) */

enum cert_why { CERT_OK, CERT_UNKNOWN_CA, CERT_NAME_MISMATCH,
    CERT_PIN_MISMATCH, CERT_EXPIRED, CERT_NOT_YET_VALID, CERT_TOO_LONG,
    CERT_BAD, CERT_NO_NAME };

/*
 * Where the walk of the certificate streaming by is: the DER headers of
 * Certificate and TBSCertificate, then the TBS elements (version aside):
 * 0 serial, 1 signature, 2 issuer, 3 validity, 4 subject, 5 SPKI.
 */
struct cert_walk {
	uint8_t		 state;		/* enum in cert.c */
	uint8_t		 elem;		/* TBS element being read */
	uint8_t		 hdr[6];	/* tag and length being read */
	uint8_t		 hdr_len;
	uint8_t		 in_version;	/* the element is [0] version */
	uint8_t		 holding;	/* validity bytes kept back */
	uint8_t		 hold_len;
	uint32_t	 left;		/* content bytes of the element */
	uint8_t		 hold[CERT_HOLD_CAP];
};

/*
 * A copy of the leaf as it streams by, for `dotfwd query` (cert_keep_leaf):
 * its CN and pin are printed, and with cert_set_insecure() its key is
 * used untrusted.
 */
#define CERT_LEAF_CAP	8192	/* a bigger leaf is not kept */
struct cert_leaf {
	uint8_t			 der[CERT_LEAF_CAP];
	size_t			 len;
	int			 overflow;	/* did not fit */
	br_x509_decoder_context	 dec;		/* insecure: its key */
};

struct cert_ctx {
	const br_x509_class	*vtable;	/* must be first */
	br_x509_minimal_context	 mini;
	const uint8_t		(*pin)[32];
	int			 n_pin;
	int			 why;		/* enum cert_why */
	unsigned		 br_err;	/* minimal's own code, or 0 */
	const char		*server_name;
	/*
	 * The chain is not kept: each certificate streams through to the
	 * validator, only its Validity held back until its validation
	 * time is set (see cert.c).
	 */
	int			 n_cert;	/* certificates started */
	int			 overflow;	/* more than CERT_MAX_CERTS */
	int			 relaxed;	/* clock not synchronised at
						 * the last full check */
	int			 used;		/* the validator reads the
						 * current certificate */
	int64_t			 now;		/* time(), floored */
	int64_t			 max_nb, min_na;	/* over those it read */
	int			 time_why;	/* first one outside its
						 * window, or CERT_OK */
	int			 has_spki;	/* leaf SPKI hashed */
	br_sha256_context	 spki_hash;
	uint8_t			 spki_sum[32];
	struct cert_walk	 w;
	struct cert_leaf	*leaf;		/* cert_keep_leaf(), or NULL */
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

/* Human reason for cx->why / br_err: "unknown CA", "pin mismatch"... */
const char *cert_errstr(const struct cert_ctx *);

/*
 * 1 when the last chain this context accepted was checked under the
 * relaxed rule (the clock was not known to be synchronised at that very
 * moment), so whatever rests on it (the connection, its TLS session)
 * must go once the clock is synchronised.  Kept across a resumed
 * handshake, which checks no chain: the session came from that check.
 */
int	cert_was_relaxed(const struct cert_ctx *);

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
 * `dotfwd query -k`: accept whatever chain comes (its leaf's key is
 * used as is); the full check still runs and cert_verdict() says what it
 * found: NULL when it passed, else why not ("unknown CA"...).  For the
 * query client only: the daemon never authenticates opportunistically.
 */
void	cert_set_insecure(struct cert_ctx *);	/* needs a kept leaf */
const char *cert_verdict(const struct cert_ctx *);

/*
 * Keep a copy of each chain's leaf in 'leaf' (borrowed; the context's
 * life).  Only `dotfwd query` does: the daemon keeps no chain.
 */
void	cert_keep_leaf(struct cert_ctx *, struct cert_leaf *leaf);

/*
 * The last chain's kept leaf (valid after a handshake, until the next): the
 * SHA-256 of its SubjectPublicKeyInfo (a pin), and its subject common
 * name in buf[cap] (printable ASCII, else '?'; "" when it has none).
 * Return 0, or -1 when there is no leaf or it cannot be read.
 */
int	cert_leaf_pin(const struct cert_ctx *, uint8_t out[32]);
int	cert_leaf_cn(const struct cert_ctx *, char *buf, size_t cap);

#endif
