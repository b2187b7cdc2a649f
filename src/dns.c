/* SPDX-License-Identifier: MIT */
/*
 * dns.c: reading DNS messages in caller-owned buffers: a sticky read
 * cursor, LAN query and upstream answer parsing, question comparison and
 * names for printing.  Writing is dnsedit.c's.  No I/O, no logging, no
 * allocation.  Only dns_rd_name() follows compression pointers.
 */
#include <string.h>

#include "dns.h"

static uint8_t	lower(uint8_t);
static int	rd_need(struct dns_rd *, size_t);
static int	parse_head(struct dns_rd *, const uint8_t *, size_t,
		    struct dns_msg *);
static void	rd_question(struct dns_rd *, struct dns_msg *);
static void	rd_rrs(struct dns_rd *, struct dns_msg *, int);
static int	rd_opt_rdata(const uint8_t *, size_t, int, struct dns_msg *);
static int	emit(char *, size_t, size_t *, const char *, size_t);
static int	emit_label(char *, size_t, size_t *, const uint8_t *, size_t);

/* ASCII only: DNS names compare without locale (RFC 4343). */
static uint8_t
lower(uint8_t c)
{
	if (c >= 'A' && c <= 'Z')
		return (uint8_t)(c + ('a' - 'A'));
	return c;
}

/* Sticky: DNS_ETRUNC unless n bytes remain (also if off went past len). */
static int
rd_need(struct dns_rd *r, size_t n)
{
	if (r->err == 0 && (r->off > r->len || r->len - r->off < n))
		r->err = DNS_ETRUNC;
	return r->err;
}

/* see dns.h */
void
dns_rd_init(struct dns_rd *r, const uint8_t *buf, size_t len)
{
	r->buf = buf;
	r->len = len;
	r->off = 0;
	r->err = DNS_OK;
}

/* see dns.h */
uint8_t
dns_rd_u8(struct dns_rd *r)
{
	if (rd_need(r, 1) != 0)
		return 0;
	return r->buf[r->off++];
}

/* see dns.h */
uint16_t
dns_rd_u16(struct dns_rd *r)
{
	uint16_t v;

	if (rd_need(r, 2) != 0)
		return 0;
	v = dns_get16(r->buf + r->off);
	r->off += 2;
	return v;
}

/* see dns.h */
uint32_t
dns_rd_u32(struct dns_rd *r)
{
	uint32_t v;

	if (rd_need(r, 4) != 0)
		return 0;
	v = (uint32_t)r->buf[r->off] << 24 |
	    (uint32_t)r->buf[r->off + 1] << 16 |
	    (uint32_t)r->buf[r->off + 2] << 8 |
	    (uint32_t)r->buf[r->off + 3];
	r->off += 4;
	return v;
}

/* see dns.h */
void
dns_rd_skip(struct dns_rd *r, size_t n)
{
	if (rd_need(r, n) != 0)
		return;
	r->off += n;
}

/*
 * see dns.h.  The pointer is not followed (so loops cost nothing here),
 * but it must point strictly backwards (RFC 1035 4.1.4 "prior
 * occurrence"): that rejects forward and past-the-end pointers cheaply.
 */
void
dns_rd_skip_name(struct dns_rd *r)
{
	size_t start, at, ptr;
	uint8_t c;

	start = r->off;
	while (r->err == 0) {
		at = r->off;
		c = dns_rd_u8(r);
		if (r->err != 0 || c == 0)
			return;
		if ((c & DNS_PTR_MASK) == DNS_PTR_MASK) {
			ptr = (size_t)(c & DNS_PTR_HI_MASK) << 8;
			ptr |= dns_rd_u8(r);
			if (r->err == 0 && ptr >= at)
				r->err = DNS_EFORMAT;
			return;
		}
		if (c > DNS_LABEL_MAX) {
			r->err = DNS_EFORMAT;
			return;
		}
		dns_rd_skip(r, c);
		/* Labels so far plus at least a root byte must fit. */
		if (r->err == 0 && r->off - start >= DNS_NAME_WIRE_MAX)
			r->err = DNS_EFORMAT;
	}
}

/* Append n bytes of s to out[cap], keeping room for the NUL. */
static int
emit(char *out, size_t cap, size_t *o, const char *s, size_t n)
{
	if (cap - *o <= n)
		return -1;
	memcpy(out + *o, s, n);
	*o += n;
	return 0;
}

/* One label in presentation form: '.' and '\' escaped, others as \DDD. */
static int
emit_label(char *out, size_t cap, size_t *o, const uint8_t *p, size_t n)
{
	char esc[4];
	size_t i;
	uint8_t c;

	for (i = 0; i < n; i++) {
		c = p[i];
		if (c == '.' || c == '\\') {
			esc[0] = '\\';
			esc[1] = (char)c;
			if (emit(out, cap, o, esc, 2) == -1)
				return -1;
		} else if (c <= 0x20 || c >= 0x7f) {
			esc[0] = '\\';
			esc[1] = (char)('0' + c / 100);
			esc[2] = (char)('0' + c / 10 % 10);
			esc[3] = (char)('0' + c % 10);
			if (emit(out, cap, o, esc, 4) == -1)
				return -1;
		} else if (emit(out, cap, o, (const char *)&c, 1) == -1)
			return -1;
	}
	return emit(out, cap, o, ".", 1);
}

/*
 * see dns.h.  Termination: every pointer must point before the start of
 * the segment being read (so targets strictly decrease), and the number
 * of jumps is bounded as well.  A pointer at or past itself is
 * DNS_EFORMAT; one back into the current segment is DNS_ELOOP.
 */
void
dns_rd_name(struct dns_rd *r, char *out, size_t cap)
{
	size_t p, limit, after, wire, o, t;
	unsigned jumps;
	int err;
	uint8_t c;

	if (cap > 0)
		out[0] = '\0';
	if (r->err != 0)
		return;
	if (cap == 0) {
		r->err = DNS_ESPACE;
		return;
	}
	p = limit = r->off;
	after = 0;
	wire = 0;
	o = 0;
	jumps = 0;
	err = DNS_OK;
	for (;;) {
		if (p >= r->len) {
			err = DNS_ETRUNC;
			break;
		}
		c = r->buf[p];
		if ((c & DNS_PTR_MASK) == DNS_PTR_MASK) {
			if (r->len - p < 2) {
				err = DNS_ETRUNC;
				break;
			}
			t = (size_t)(c & DNS_PTR_HI_MASK) << 8 | r->buf[p + 1];
			if (jumps == 0)
				after = p + 2;
			if (t >= p)
				err = DNS_EFORMAT;
			else if (t >= limit || ++jumps > DNS_PTR_MAX_JUMPS)
				err = DNS_ELOOP;
			if (err != DNS_OK)
				break;
			p = limit = t;
			continue;
		}
		if (c > DNS_LABEL_MAX) {
			err = DNS_EFORMAT;
			break;
		}
		if (c == 0) {
			p++;
			break;
		}
		if (r->len - p - 1 < c) {
			err = DNS_ETRUNC;
			break;
		}
		wire += 1 + (size_t)c;
		if (wire >= DNS_NAME_WIRE_MAX) {
			err = DNS_EFORMAT;
			break;
		}
		if (emit_label(out, cap, &o, r->buf + p + 1, c) == -1) {
			err = DNS_ESPACE;
			break;
		}
		p += 1 + (size_t)c;
	}
	if (err == DNS_OK && o == 0 && emit(out, cap, &o, ".", 1) == -1)
		err = DNS_ESPACE;
	if (err != DNS_OK) {
		out[0] = '\0';
		r->err = err;
		return;
	}
	out[o] = '\0';
	r->off = jumps > 0 ? after : p;
}

/* Header and counts; m is zeroed first.  DNS_ETRUNC below 12 bytes. */
static int
parse_head(struct dns_rd *r, const uint8_t *buf, size_t len,
    struct dns_msg *m)
{
	memset(m, 0, sizeof(*m));
	m->udp_size = DNS_UDP_MIN;
	m->qname_off = DNS_HDR_LEN;
	m->q_end = DNS_HDR_LEN;
	dns_rd_init(r, buf, len);
	if (len < DNS_HDR_LEN) {
		r->err = DNS_ETRUNC;
		return r->err;
	}
	m->id = dns_rd_u16(r);
	m->flags = dns_rd_u16(r);
	m->qdcount = dns_rd_u16(r);
	m->ancount = dns_rd_u16(r);
	m->nscount = dns_rd_u16(r);
	m->arcount = dns_rd_u16(r);
	return r->err;
}

/*
 * One question whose name is not compressed: it is the first name of
 * the message, so there is nothing earlier to point to, and callers copy
 * it as qname_len bytes.
 */
static void
rd_question(struct dns_rd *r, struct dns_msg *m)
{
	size_t start;
	uint8_t c;

	start = r->off;
	for (;;) {
		c = dns_rd_u8(r);
		if (r->err != 0)
			return;
		if (c > DNS_LABEL_MAX) {
			r->err = DNS_EFORMAT;	/* pointer or extended label */
			return;
		}
		if (c == 0)
			break;
		dns_rd_skip(r, c);
		if (r->err == 0 && r->off - start >= DNS_NAME_WIRE_MAX)
			r->err = DNS_EFORMAT;
	}
	m->qname_off = start;
	m->qname_len = r->off - start;
	m->qtype = dns_rd_u16(r);
	m->qclass = dns_rd_u16(r);
	m->q_end = r->off;
}

/*
 * OPT RDATA: a sequence of {code, length, data} (RFC 6891 6.1.2) filling
 * it exactly.  edns-tcp-keepalive (RFC 7828 3.1) is empty in queries or
 * carries a 16-bit TIMEOUT; in answers only the latter counts (the
 * option is stripped before the client sees it anyway).
 */
static int
rd_opt_rdata(const uint8_t *p, size_t len, int is_query, struct dns_msg *m)
{
	struct dns_rd o;
	uint16_t code, olen;
	size_t data;

	dns_rd_init(&o, p, len);
	while (o.err == 0 && o.off < o.len) {
		code = dns_rd_u16(&o);
		olen = dns_rd_u16(&o);
		data = o.off;
		dns_rd_skip(&o, olen);
		if (o.err == 0 && code == DNS_OPT_PADDING)
			m->has_padding = 1;
		if (o.err != 0 || code != DNS_OPT_KEEPALIVE)
			continue;
		if (olen == 2) {
			m->has_keepalive = 1;
			m->keepalive_ms = (uint32_t)dns_get16(p + data) *
			    DNS_KEEPALIVE_UNIT_MS;
		} else if (olen == 0 && is_query)
			m->has_keepalive = 1;
		else if (is_query)
			o.err = DNS_EFORMAT;
	}
	return o.err == 0 ? DNS_OK : DNS_EFORMAT;
}

/*
 * Walk every RR after the question.  An OPT must be in the additional
 * section, owned by the root and unique (RFC 6891 6.1.1).
 */
static void
rd_rrs(struct dns_rd *r, struct dns_msg *m, int is_query)
{
	size_t i, n, n_before_ar, start, rdata;
	uint16_t type, class, rdlen;
	uint32_t ttl;

	n_before_ar = (size_t)m->ancount + m->nscount;
	n = n_before_ar + m->arcount;
	for (i = 0; i < n && r->err == 0; i++) {
		start = r->off;
		dns_rd_skip_name(r);
		type = dns_rd_u16(r);
		class = dns_rd_u16(r);
		ttl = dns_rd_u32(r);
		rdlen = dns_rd_u16(r);
		rdata = r->off;
		dns_rd_skip(r, rdlen);
		if (r->err != 0 || type != DNS_T_OPT)
			continue;
		if (i < n_before_ar || m->has_opt || r->buf[start] != 0) {
			r->err = DNS_EFORMAT;
			break;
		}
		m->has_opt = 1;
		m->opt_off = start;
		m->opt_len = r->off - start;
		m->udp_size = MAX(class, DNS_UDP_MIN);
		m->opt_ttl = ttl;
		r->err = rd_opt_rdata(r->buf + rdata, rdlen, is_query, m);
	}
	/* Trailing bytes mean the counts lie. */
	if (r->err == 0 && r->off != r->len)
		r->err = DNS_EFORMAT;
}

/* see dns.h */
int
dns_parse_query(const uint8_t *buf, size_t len, struct dns_msg *m)
{
	struct dns_rd r;

	if (parse_head(&r, buf, len, m) != DNS_OK)
		return DNS_ETRUNC;
	if (len > DNS_QUERY_MAX || m->qdcount != 1 || m->ancount != 0 ||
	    m->nscount != 0)
		return DNS_EFORMAT;
	rd_question(&r, m);
	rd_rrs(&r, m, 1);
	/* The header was readable: whatever is wrong now is FORMERR. */
	return r.err == DNS_OK ? DNS_OK : DNS_EFORMAT;
}

/* see dns.h */
int
dns_parse_answer(const uint8_t *buf, size_t len, struct dns_msg *m)
{
	struct dns_rd r;

	if (parse_head(&r, buf, len, m) != DNS_OK)
		return DNS_ETRUNC;
	if (m->qdcount > 1)
		return DNS_EFORMAT;
	if (m->qdcount == 1)
		rd_question(&r, m);
	rd_rrs(&r, m, 0);
	return r.err;
}

/* see dns.h */
int
dns_same_question(const uint8_t *a, const struct dns_msg *ma,
    const uint8_t *b, const struct dns_msg *mb)
{
	size_t i;

	if (ma->qdcount != 1 || mb->qdcount != 1 ||
	    ma->qname_len != mb->qname_len || ma->qtype != mb->qtype ||
	    ma->qclass != mb->qclass)
		return 0;
	/*
	 * Length bytes are at most 63, below 'A', so lower() leaves them
	 * alone and equal bytes imply equal label boundaries.
	 */
	for (i = 0; i < ma->qname_len; i++)
		if (lower(a[ma->qname_off + i]) != lower(b[mb->qname_off + i]))
			return 0;
	return 1;
}
