/* SPDX-License-Identifier: MIT */
/*
 * der.c: a certificate held whole in memory, read as DER: cursors over
 * definite-length elements (low tag numbers, lengths of up to 4 bytes),
 * the walk of the TBSCertificate to its Validity, SubjectPublicKeyInfo
 * and subject, the two time forms, and UTC dates.  Every read is bounds
 * checked; nothing is copied out but the common name.  No BearSSL, no
 * I/O, no policy: cert.c decides what the fields mean.
 */
#include <string.h>

#include "der.h"

/* Days before each month, non-leap year. */
static const int mdays[12] = { 0, 31, 59, 90, 120, 151, 181, 212, 243, 273,
    304, 334 };

static int	der_get(struct der *, unsigned *, struct der *,
		    const uint8_t **, size_t *);
static int	der_expect(struct der *, unsigned, struct der *);
static int	tbs_skip_to_validity(const uint8_t *, size_t, struct der *);
static int	der_time(unsigned, const struct der *, int64_t *);
static int	dn_cn(struct der, char *, size_t);
static int	dec2(const uint8_t *, int, int, int *);
static int32_t	days_to_year(int32_t);
static void	put_dec(char *, int, int);

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

/* see der.h */
int
der_find_spki(const uint8_t *der, size_t len, const uint8_t **spki,
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

/* see der.h */
int
der_find_validity(const uint8_t *der, size_t len, int64_t *not_before,
    int64_t *not_after)
{
	struct der tbs;

	if (tbs_skip_to_validity(der, len, &tbs) != 0)
		return -1;
	return der_validity(&tbs, not_before, not_after);
}

/* see der.h */
int
der_validity(struct der *d, int64_t *not_before, int64_t *not_after)
{
	struct der val, t;
	unsigned tag;

	if (der_expect(d, 0x30, &val) != 0)
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
	int32_t y, days;
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

	days = days_to_year(y) + mdays[mo - 1] + (mo > 2 && leap) + d - 1;
	*out = (int64_t)(days - DER_DAYS_0_TO_1970) * DER_SECS_PER_DAY +
	    h * 3600 + mi * 60 + s;
	return 0;
}

/* Days from 0000-01-01 to y-01-01 (0 <= y <= 9999), as BearSSL counts. */
static int32_t
days_to_year(int32_t y)
{
	return 365 * y + (y + 3) / 4 - (y + 99) / 100 + (y + 399) / 400;
}

/* see der.h */
void
der_fmt_date(int64_t unix_secs, char buf[DER_DATE_LEN])
{
	int32_t days, y;
	int mo, leap;

	/*
	 * 253402300799 is 9999-12-31 23:59:59.  86400 = 128 * 675, and the
	 * seconds / 128 fit 32 bits: no 64-bit division on 32-bit CPUs.
	 */
	unix_secs = MIN(MAX(unix_secs, 0), INT64_C(253402300799));
	days = (int32_t)((uint32_t)(unix_secs >> 7) / 675) + DER_DAYS_0_TO_1970;
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

/* see der.h */
int
der_find_cn(const uint8_t *der, size_t len, char *buf, size_t cap)
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
