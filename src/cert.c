/* SPDX-License-Identifier: MIT */
/*
 * cert.c: X.509 policy around BearSSL's minimal validator.  The chain is
 * buffered whole, then replayed into br_x509_minimal once the validation
 * time is chosen (clock-not-synchronised rule, SPEC.md section 4); SPKI
 * pins are checked after full chain and name validation.  Does no I/O
 * and no logging: callers read cert_errstr().
 */
#include <sys/timex.h>

#include <string.h>
#include <time.h>

#include "cert.h"

/* Days from 0000-01-01 (proleptic Gregorian, BearSSL's epoch) to 1970. */
#define DAYS_0_TO_1970	719528
#define SECS_PER_DAY	86400

/* Days before each month, non-leap year. */
static const int mdays[12] = { 0, 31, 59, 90, 120, 151, 181, 212, 243, 273,
    304, 334 };

/* A DER cursor: the bytes not read yet. */
struct der {
	const uint8_t	*p;
	size_t		 len;
};

static void	cx_start_chain(const br_x509_class **, const char *);
static void	cx_start_cert(const br_x509_class **, uint32_t);
static void	cx_append(const br_x509_class **, const unsigned char *,
		    size_t);
static void	cx_end_cert(const br_x509_class **);
static unsigned	cx_end_chain(const br_x509_class **);
static unsigned	insecure_end(struct cert_ctx *);
static const char *why_text(int);
static const br_x509_pkey *cx_get_pkey(const br_x509_class *const *,
		    unsigned *);
static const uint8_t *cert_at(const struct cert_ctx *, int);
static unsigned	replay(struct cert_ctx *, int64_t);
static int	classify_time(const struct cert_ctx *, int64_t);
static int	pin_matches(const struct cert_ctx *);
static int	der_get(struct der *, unsigned *, struct der *,
		    const uint8_t **, size_t *);
static int	der_expect(struct der *, unsigned, struct der *);
static int	tbs_skip_to_validity(const uint8_t *, size_t, struct der *);
static int	der_time(unsigned, const struct der *, int64_t *);
static int	dn_cn(struct der, char *, size_t);
static int	dec2(const uint8_t *, int, int, int *);
static int32_t	days_to_year(int32_t);
static void	put_dec(char *, int, int);

static const br_x509_class cert_vtable = {
	sizeof(struct cert_ctx),
	cx_start_chain,
	cx_start_cert,
	cx_append,
	cx_end_cert,
	cx_end_chain,
	cx_get_pkey
};

/* Strict unless the daemon says otherwise (see cert.h). */
static int	clock_synced = 1;
static int64_t	time_floor;

/* see cert.h */
void
cert_init(struct cert_ctx *cx, br_ssl_engine_context *eng,
    const br_x509_trust_anchor *tas, size_t n_tas,
    const uint8_t (*pin)[32], int n_pin)
{
	memset(cx, 0, sizeof(*cx));
	cx->vtable = &cert_vtable;
	cx->pin = pin;
	cx->n_pin = n_pin;

	/* SHA-256 only hashes DNs for comparison; any would do. */
	br_x509_minimal_init(&cx->mini, &br_sha256_vtable, tas, n_tas);
	/*
	 * Certificate signatures: SHA-2 only (no SHA-1 in current WebPKI
	 * chains; roots' self-signatures are never checked).  SHA-512
	 * shares its code with SHA-384, so it costs nothing extra.
	 */
	br_x509_minimal_set_hash(&cx->mini, br_sha256_ID, &br_sha256_vtable);
	br_x509_minimal_set_hash(&cx->mini, br_sha384_ID, &br_sha384_vtable);
	br_x509_minimal_set_hash(&cx->mini, br_sha512_ID, &br_sha512_vtable);
	br_x509_minimal_set_rsa(&cx->mini, br_rsa_pkcs1_vrfy_get_default());
	br_x509_minimal_set_ecdsa(&cx->mini, br_ec_get_default(),
	    br_ecdsa_vrfy_asn1_get_default());
	br_ssl_engine_set_x509(eng, &cx->vtable);
}

/* see cert.h */
void
cert_set_clock_synced(int synced)
{
	clock_synced = synced != 0;
}

/* see cert.h */
int
cert_clock_synced(void)
{
	struct timex tx;

	/* the kernel knows once an NTP daemon disciplined it: latch that */
	if (!clock_synced) {
		memset(&tx, 0, sizeof(tx));
		if (adjtimex(&tx) != -1 && !(tx.status & STA_UNSYNC))
			clock_synced = 1;
	}
	return clock_synced;
}

/* see cert.h */
void
cert_set_time_floor(int64_t unix_secs)
{
	time_floor = MAX(unix_secs, 0);
}

/* see cert.h */
const char *
cert_errstr(const struct cert_ctx *cx)
{
	static char buf[64];
	const char *s;

	if (cx->why == CERT_OK && cx->br_err == 0)
		return "certificate ok";
	if ((s = why_text(cx->why)) != NULL)
		return s;
	snprintf(buf, sizeof(buf), "certificate invalid (BearSSL error %u)",
	    cx->br_err);
	return buf;
}

/* The words for a reason, or NULL for CERT_OK and CERT_BAD. */
static const char *
why_text(int why)
{
	switch (why) {
	case CERT_UNKNOWN_CA:
		return "unknown CA";
	case CERT_NAME_MISMATCH:
		return "certificate name mismatch";
	case CERT_PIN_MISMATCH:
		return "pin mismatch";
	case CERT_EXPIRED:
		return "certificate expired";
	case CERT_NOT_YET_VALID:
		return "certificate not yet valid";
	case CERT_TOO_LONG:
		return "certificate chain too long";
	case CERT_NO_NAME:
		return "no server name to check";
	default:
		return NULL;
	}
}

static void
cx_start_chain(const br_x509_class **ctx, const char *server_name)
{
	struct cert_ctx *cx = (struct cert_ctx *)(void *)ctx;

	cx->server_name = server_name;
	cx->chain_len = 0;
	cx->n_cert = 0;
	cx->overflow = 0;
	cx->why = CERT_OK;
	cx->br_err = 0;
	cx->relaxed = 0;
}

static void
cx_start_cert(const br_x509_class **ctx, uint32_t length)
{
	struct cert_ctx *cx = (struct cert_ctx *)(void *)ctx;

	(void)length;	/* the engine appends exactly that many bytes */
	if (cx->n_cert >= CERT_MAX_CERTS) {
		cx->overflow = 1;
		return;
	}
	cx->cert_len[cx->n_cert] = 0;
}

static void
cx_append(const br_x509_class **ctx, const unsigned char *buf, size_t len)
{
	struct cert_ctx *cx = (struct cert_ctx *)(void *)ctx;

	if (cx->overflow)
		return;
	if (len > sizeof(cx->chain) - cx->chain_len) {
		cx->overflow = 1;
		return;
	}
	memcpy(cx->chain + cx->chain_len, buf, len);
	cx->chain_len += len;
	cx->cert_len[cx->n_cert] += (uint32_t)len;
}

static void
cx_end_cert(const br_x509_class **ctx)
{
	struct cert_ctx *cx = (struct cert_ctx *)(void *)ctx;

	if (!cx->overflow)
		cx->n_cert++;
}

static unsigned
cx_end_chain(const br_x509_class **ctx)
{
	struct cert_ctx *cx = (struct cert_ctx *)(void *)ctx;
	int64_t vt, nb, na;
	unsigned err;
	int i, synced;

	if (cx->insecure)
		return insecure_end(cx);
	/* Never validate without a name: BearSSL would skip the check. */
	if (cx->server_name == NULL || cx->server_name[0] == '\0') {
		cx->why = CERT_NO_NAME;
		return BR_ERR_X509_BAD_SERVER_NAME;
	}
	if (cx->overflow) {
		cx->why = CERT_TOO_LONG;
		return BR_ERR_X509_LIMIT_EXCEEDED;
	}

	/* The floor also keeps vt at or after 1970 (replay() needs >= 0). */
	vt = MAX((int64_t)time(NULL), time_floor);
	/*
	 * Clock not synchronised: move the validation time forward to
	 * the latest notBefore so "not yet valid" passes.  Never
	 * backwards, so notAfter is still checked against at least now
	 * and an expired certificate always fails.  The clock state is
	 * read once: the verdict and the relaxed flag agree.
	 */
	synced = cert_clock_synced();
	if (!synced) {
		for (i = 0; i < cx->n_cert; i++) {
			if (cert_find_validity(cert_at(cx, i), cx->cert_len[i],
			    &nb, &na) == 0 && nb > vt)
				vt = nb;
		}
	}

	err = replay(cx, vt);
	if (err != 0) {
		cx->br_err = err;
		switch (err) {
		case BR_ERR_X509_NOT_TRUSTED:
			cx->why = CERT_UNKNOWN_CA;
			break;
		case BR_ERR_X509_BAD_SERVER_NAME:
			cx->why = CERT_NAME_MISMATCH;
			break;
		case BR_ERR_X509_EXPIRED:
			cx->why = classify_time(cx, vt);
			break;
		default:
			cx->why = CERT_BAD;
			break;
		}
		return err;
	}
	if (cx->n_pin > 0 && !pin_matches(cx)) {
		cx->why = CERT_PIN_MISMATCH;
		/* Any X.509 code makes the engine fail; this is the nearest. */
		return BR_ERR_X509_NOT_TRUSTED;
	}
	cx->why = CERT_OK;
	cx->relaxed = !synced;
	return 0;
}

/* see cert.h */
int
cert_was_relaxed(const struct cert_ctx *cx)
{
	return cx->relaxed;
}

static const br_x509_pkey *
cx_get_pkey(const br_x509_class *const *ctx, unsigned *usages)
{
	const struct cert_ctx *cx = (const struct cert_ctx *)(const void *)ctx;

	if (cx->why != CERT_OK || cx->br_err != 0)
		return NULL;
	return cx->mini.vtable->get_pkey(&cx->mini.vtable, usages);
}

/*
 * cert_set_insecure(): the full check runs for cert_verdict(), then the
 * leaf alone is replayed with no name at a time inside its validity, so
 * that BearSSL hands out its key (an untrusted leaf still gives it).
 */
static unsigned
insecure_end(struct cert_ctx *cx)
{
	const char *name = cx->server_name;
	int64_t nb, na, vt;
	unsigned err;
	int n;

	cx->insecure = 0;
	(void)cx_end_chain(&cx->vtable);
	cx->insecure = 1;
	cx->verdict = cx->why;
	if (cx->verdict == CERT_OK && cx->br_err != 0)
		cx->verdict = CERT_BAD;
	if (cx->n_cert < 1 || cx->overflow)
		return BR_ERR_X509_EMPTY_CHAIN;
	vt = MAX((int64_t)time(NULL), time_floor);
	if (cert_find_validity(cx->chain, cx->cert_len[0], &nb, &na) == 0)
		vt = MAX(nb, 0);
	n = cx->n_cert;
	cx->n_cert = 1;
	cx->server_name = NULL;
	err = replay(cx, vt);
	cx->n_cert = n;
	cx->server_name = name;
	cx->why = CERT_OK;
	cx->br_err = 0;
	if (err != 0 && err != BR_ERR_X509_NOT_TRUSTED) {
		cx->br_err = err;
		cx->why = CERT_BAD;
		return err;
	}
	return 0;
}

/* Start of certificate i in the buffered chain. */
static const uint8_t *
cert_at(const struct cert_ctx *cx, int i)
{
	size_t off = 0;
	int j;

	for (j = 0; j < i; j++)
		off += cx->cert_len[j];
	return cx->chain + off;
}

/* Feed the buffered chain to the minimal validator at time vt. */
static unsigned
replay(struct cert_ctx *cx, int64_t vt)
{
	const br_x509_class **mc = &cx->mini.vtable;
	const uint8_t *p = cx->chain;
	uint64_t t;
	int i;

	/* vt >= 0 (see cx_end_chain), so t is never negative. */
	t = (uint64_t)(vt + (int64_t)DAYS_0_TO_1970 * SECS_PER_DAY);
	br_x509_minimal_set_time(&cx->mini, (uint32_t)(t / SECS_PER_DAY),
	    (uint32_t)(t % SECS_PER_DAY));
	(*mc)->start_chain(mc, cx->server_name);
	for (i = 0; i < cx->n_cert; i++) {
		(*mc)->start_cert(mc, cx->cert_len[i]);
		if (cx->cert_len[i] > 0)
			(*mc)->append(mc, p, cx->cert_len[i]);
		(*mc)->end_cert(mc);
		p += cx->cert_len[i];
	}
	return (*mc)->end_chain(mc);
}

/*
 * Which way BR_ERR_X509_EXPIRED failed: minimal checks certificates in
 * order and stops at the first outside [notBefore, notAfter] at vt.
 */
static int
classify_time(const struct cert_ctx *cx, int64_t vt)
{
	int64_t nb, na;
	int i;

	for (i = 0; i < cx->n_cert; i++) {
		if (cert_find_validity(cert_at(cx, i), cx->cert_len[i],
		    &nb, &na) != 0)
			continue;
		if (nb > vt)
			return CERT_NOT_YET_VALID;
		if (na < vt)
			return CERT_EXPIRED;
	}
	return CERT_BAD;
}

/* 1 when SHA-256 of the end-entity SPKI is one of the pins. */
static int
pin_matches(const struct cert_ctx *cx)
{
	br_sha256_context h;
	const uint8_t *spki;
	uint8_t sum[32];
	size_t spki_len;
	int i;

	if (cx->n_cert < 1 ||
	    cert_find_spki(cx->chain, cx->cert_len[0], &spki, &spki_len) != 0)
		return 0;
	br_sha256_init(&h);
	br_sha256_update(&h, spki, spki_len);
	br_sha256_out(&h, sum);
	for (i = 0; i < cx->n_pin; i++)
		if (memcmp(sum, cx->pin[i], sizeof(sum)) == 0)
			return 1;
	return 0;
}

/*
 * Read one DER element: its tag (low tag numbers only), its contents as
 * a cursor and (when elem is not NULL) its whole encoding.  Definite
 * lengths of at most 4 bytes.  Returns 0, or -1 without moving d.
 */
static int
der_get(struct der *d, unsigned *tag, struct der *in, const uint8_t **elem,
    size_t *elem_len)
{
	size_t hdr, n, l, i;

	if (d->len < 2 || (d->p[0] & 0x1f) == 0x1f)
		return -1;
	l = d->p[1];
	hdr = 2;
	if (l & 0x80) {
		n = l & 0x7f;
		if (n == 0 || n > 4 || d->len - 2 < n)
			return -1;
		for (l = 0, i = 0; i < n; i++)
			l = l << 8 | d->p[2 + i];
		hdr += n;
	}
	if (l > d->len - hdr)
		return -1;
	*tag = d->p[0];
	in->p = d->p + hdr;
	in->len = l;
	if (elem != NULL) {
		*elem = d->p;
		*elem_len = hdr + l;
	}
	d->p += hdr + l;
	d->len -= hdr + l;
	return 0;
}

/* der_get() that also requires the tag. */
static int
der_expect(struct der *d, unsigned want, struct der *in)
{
	struct der save = *d;
	unsigned tag;

	if (der_get(d, &tag, in, NULL, NULL) != 0)
		return -1;
	if (tag != want) {
		*d = save;
		return -1;
	}
	return 0;
}

/*
 * Open Certificate and TBSCertificate and skip version, serial,
 * signature and issuer: *tbs then starts at Validity.
 */
static int
tbs_skip_to_validity(const uint8_t *der, size_t len, struct der *tbs)
{
	struct der d, cert, skip;

	d.p = der;
	d.len = len;
	if (der_expect(&d, 0x30, &cert) != 0 || d.len != 0)
		return -1;
	if (der_expect(&cert, 0x30, tbs) != 0)
		return -1;
	if (tbs->len > 0 && tbs->p[0] == 0xa0 &&
	    der_expect(tbs, 0xa0, &skip) != 0)
		return -1;
	if (der_expect(tbs, 0x02, &skip) != 0 ||	/* serialNumber */
	    der_expect(tbs, 0x30, &skip) != 0 ||	/* signature */
	    der_expect(tbs, 0x30, &skip) != 0)		/* issuer */
		return -1;
	return 0;
}

/* see cert.h */
int
cert_find_spki(const uint8_t *der, size_t len, const uint8_t **spki,
    size_t *spki_len)
{
	struct der tbs, skip;
	unsigned tag;

	if (tbs_skip_to_validity(der, len, &tbs) != 0 ||
	    der_expect(&tbs, 0x30, &skip) != 0 ||	/* validity */
	    der_expect(&tbs, 0x30, &skip) != 0)		/* subject */
		return -1;
	if (der_get(&tbs, &tag, &skip, spki, spki_len) != 0 || tag != 0x30)
		return -1;
	return 0;
}

/* see cert.h */
int
cert_find_validity(const uint8_t *der, size_t len, int64_t *not_before,
    int64_t *not_after)
{
	struct der tbs, val, t;
	unsigned tag;

	if (tbs_skip_to_validity(der, len, &tbs) != 0 ||
	    der_expect(&tbs, 0x30, &val) != 0)
		return -1;
	if (der_get(&val, &tag, &t, NULL, NULL) != 0 ||
	    der_time(tag, &t, not_before) != 0)
		return -1;
	if (der_get(&val, &tag, &t, NULL, NULL) != 0 ||
	    der_time(tag, &t, not_after) != 0)
		return -1;
	return val.len == 0 ? 0 : -1;
}

/* Two decimal digits at p, within [lo, hi]. */
static int
dec2(const uint8_t *p, int lo, int hi, int *v)
{
	if (p[0] < '0' || p[0] > '9' || p[1] < '0' || p[1] > '9')
		return -1;
	*v = (p[0] - '0') * 10 + (p[1] - '0');
	return *v < lo || *v > hi ? -1 : 0;
}

/*
 * UTCTime (0x17) YYMMDDHHMMSS or GeneralizedTime (0x18) YYYYMMDDHHMMSS,
 * optional ".digits", then 'Z' (BearSSL's asn1.t0 read-date rules).
 */
static int
der_time(unsigned tag, const struct der *t, int64_t *out)
{
	const uint8_t *p = t->p;
	size_t n = t->len, i;
	int64_t y, days;
	int yd, hi, mo, d, h, mi, s, leap, mlen;

	if (tag != 0x17 && tag != 0x18)
		return -1;
	i = tag == 0x18 ? 4 : 2;
	if (n < i + 11)		/* year, MMDDHHMMSS and 'Z' */
		return -1;
	if (tag == 0x18) {
		if (dec2(p, 0, 99, &hi) != 0 || dec2(p + 2, 0, 99, &yd) != 0)
			return -1;
		y = hi * 100 + yd;
	} else {
		if (dec2(p, 0, 99, &yd) != 0)
			return -1;
		y = yd < 50 ? 2000 + yd : 1900 + yd;
	}
	leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (dec2(p + i, 1, 12, &mo) != 0)
		return -1;
	mlen = mo == 12 ? 31 : mdays[mo] - mdays[mo - 1];
	if (mo == 2 && leap)
		mlen++;
	if (dec2(p + i + 2, 1, mlen, &d) != 0 ||
	    dec2(p + i + 4, 0, 23, &h) != 0 ||
	    dec2(p + i + 6, 0, 59, &mi) != 0 ||
	    dec2(p + i + 8, 0, 60, &s) != 0)
		return -1;
	i += 10;
	if (p[i] == '.') {
		for (i++; i < n && p[i] >= '0' && p[i] <= '9'; i++)
			continue;
	}
	if (i != n - 1 || p[i] != 'Z')
		return -1;

	days = days_to_year((int32_t)y) + mdays[mo - 1] + (mo > 2 && leap) +
	    d - 1;
	*out = (days - DAYS_0_TO_1970) * SECS_PER_DAY + h * 3600 + mi * 60 + s;
	return 0;
}

/* Days from 0000-01-01 to y-01-01 (0 <= y <= 9999), as BearSSL counts. */
static int32_t
days_to_year(int32_t y)
{
	return 365 * y + (y + 3) / 4 - (y + 99) / 100 + (y + 399) / 400;
}

/* see cert.h */
void
cert_fmt_date(int64_t unix_secs, char buf[CERT_DATE_LEN])
{
	int32_t days, y;
	int mo, leap;

	/*
	 * 253402300799 is 9999-12-31 23:59:59.  86400 = 128 * 675, and the
	 * seconds / 128 fit 32 bits: no 64-bit division on 32-bit CPUs.
	 */
	unix_secs = MIN(MAX(unix_secs, 0), INT64_C(253402300799));
	days = (int32_t)((uint32_t)(unix_secs >> 7) / 675) + DAYS_0_TO_1970;
	/* 146097 days every 400 years: a guess within a year, then exact */
	y = days / 146097 * 400 + days % 146097 * 400 / 146097;
	while (days_to_year(y + 1) <= days)
		y++;
	while (days_to_year(y) > days)
		y--;
	days -= days_to_year(y);
	leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	for (mo = 11; mdays[mo] + (mo >= 2 && leap) > days; mo--)
		continue;
	days -= mdays[mo] + (mo >= 2 && leap);
	put_dec(buf, (int)y, 4);
	buf[4] = '-';
	put_dec(buf + 5, mo + 1, 2);
	buf[7] = '-';
	put_dec(buf + 8, (int)days + 1, 2);
	buf[10] = '\0';
}

/* v (>= 0) as exactly n decimal digits at p. */
static void
put_dec(char *p, int v, int n)
{
	while (n-- > 0) {
		p[n] = (char)('0' + v % 10);
		v /= 10;
	}
}

/* see cert.h */
void
cert_set_insecure(struct cert_ctx *cx)
{
	cx->insecure = 1;
}

/* see cert.h */
const char *
cert_verdict(const struct cert_ctx *cx)
{
	int why = cx->insecure ? cx->verdict : cx->why;
	const char *s;

	if (why == CERT_OK)
		return NULL;
	return (s = why_text(why)) != NULL ? s : "certificate invalid";
}

/* see cert.h */
int
cert_leaf_pin(const struct cert_ctx *cx, uint8_t out[32])
{
	br_sha256_context h;
	const uint8_t *spki;
	size_t spki_len;

	if (cx->n_cert < 1 ||
	    cert_find_spki(cx->chain, cx->cert_len[0], &spki, &spki_len) != 0)
		return -1;
	br_sha256_init(&h);
	br_sha256_update(&h, spki, spki_len);
	br_sha256_out(&h, out);
	return 0;
}

/* see cert.h */
int
cert_leaf_cn(const struct cert_ctx *cx, char *buf, size_t cap)
{
	if (cx->n_cert < 1)
		return -1;
	return cert_der_cn(cx->chain, cx->cert_len[0], buf, cap);
}

/* see cert.h */
int
cert_der_cn(const uint8_t *der, size_t len, char *buf, size_t cap)
{
	struct der tbs, skip, subject;

	if (cap == 0)
		return -1;
	buf[0] = '\0';
	if (tbs_skip_to_validity(der, len, &tbs) != 0 ||
	    der_expect(&tbs, 0x30, &skip) != 0 ||	/* validity */
	    der_expect(&tbs, 0x30, &subject) != 0)
		return -1;
	return dn_cn(subject, buf, cap);
}

/*
 * The last commonName (OID 2.5.4.3) of a Name: a SEQUENCE of SETs of
 * SEQUENCE { type, value }; the value is one of the string types.
 */
static int
dn_cn(struct der dn, char *buf, size_t cap)
{
	static const uint8_t oid_cn[] = { 0x55, 0x04, 0x03 };
	struct der rdn, atv, oid, val;
	unsigned tag;
	size_t i, n;

	while (dn.len > 0) {
		if (der_expect(&dn, 0x31, &rdn) != 0)
			return -1;
		while (rdn.len > 0) {
			if (der_expect(&rdn, 0x30, &atv) != 0 ||
			    der_expect(&atv, 0x06, &oid) != 0 ||
			    der_get(&atv, &tag, &val, NULL, NULL) != 0)
				return -1;
			if (oid.len != sizeof(oid_cn) ||
			    memcmp(oid.p, oid_cn, sizeof(oid_cn)) != 0)
				continue;
			n = MIN(val.len, cap - 1);
			for (i = 0; i < n; i++)
				buf[i] = val.p[i] >= 0x20 && val.p[i] < 0x7f ?
				    (char)val.p[i] : '?';
			buf[n] = '\0';
		}
	}
	return 0;
}
