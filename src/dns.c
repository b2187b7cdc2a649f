/* SPDX-License-Identifier: MIT */
/*
 * dns.c: DNS wire format on caller-owned buffers: a sticky read cursor,
 * LAN query and upstream answer parsing, the upstream query with a fresh
 * OPT (keepalive, padding), the in-place client edit of answers,
 * truncation and error replies.  No I/O, no logging, no allocation.
 * Names are skipped while editing (only dns_rd_name() follows pointers);
 * pointers in RRs that move down behind a shrinking OPT are re-aimed.
 */
#include <string.h>

#include "dns.h"

#define WIRE_NAME_MAX	255	/* RFC 1035 3.1: name incl. root label */
#define LABEL_MAX	63	/* RFC 1035 3.1; 0x40/0x80 are not labels */
#define PTR_MASK	0xc0	/* RFC 1035 4.1.4: top bits of a pointer */
#define PTR_HI_MASK	0x3f	/* high bits of the pointer's offset */
/*
 * A 255-byte name has at most 127 labels, and sane compression needs at
 * most one pointer per label; anything longer is hostile.
 */
#define PTR_MAX_JUMPS	128
#define RR_FIXED_LEN	10	/* type, class, ttl, rdlength */
#define OPT_FIXED_LEN	11	/* root owner + RR_FIXED_LEN */
#define OPT_HDR_LEN	4	/* option code and option length */
#define QFIXED_LEN	4	/* qtype, qclass after the qname */
#define EDNS_DO		0x00008000U	/* RFC 3225, in the OPT TTL */
#define OPCODE_MASK	0x7800	/* flags bits 11-14 */
#define KEEPALIVE_UNIT_MS 100	/* RFC 7828 3.1: TIMEOUT in 100 ms units */

/* Header field offsets. */
#define H_ID		0
#define H_FLAGS		2
#define H_QD		4
#define H_AN		6
#define H_NS		8
#define H_AR		10

/* Offsets inside an RR that starts with a one-byte (root) owner. */
#define OPT_CLASS	3
#define OPT_TTL		5
#define OPT_RDLEN	9

/*
 * RDATA that may hold compressed names (RFC 1035 3.3; RFC 3597 4 lists
 * the later types old servers may still compress): 'skip' fixed bytes,
 * then 'names' names.  Only needed to move RRs that follow an OPT.
 */
static const struct {
	uint16_t	type;
	uint8_t		skip;
	uint8_t		names;
} rdata_names[] = {
	{ 2, 0, 1 },	/* NS */
	{ 3, 0, 1 },	/* MD */
	{ 4, 0, 1 },	/* MF */
	{ 5, 0, 1 },	/* CNAME */
	{ 6, 0, 2 },	/* SOA: mname, rname, then 20 bytes */
	{ 7, 0, 1 },	/* MB */
	{ 8, 0, 1 },	/* MG */
	{ 9, 0, 1 },	/* MR */
	{ 12, 0, 1 },	/* PTR */
	{ 14, 0, 2 },	/* MINFO */
	{ 15, 2, 1 },	/* MX */
	{ 17, 0, 2 },	/* RP */
	{ 18, 2, 1 },	/* AFSDB */
	{ 21, 2, 1 },	/* RT */
	{ 26, 2, 2 },	/* PX */
	{ 33, 6, 1 },	/* SRV */
	{ 36, 2, 1 },	/* KX */
};

static uint16_t	get16(const uint8_t *);
static void	put16(uint8_t *, uint16_t);
static void	put32(uint8_t *, uint32_t);
static uint8_t	lower(uint8_t);
static int	rd_need(struct dns_rd *, size_t);
static int	parse_head(struct dns_rd *, const uint8_t *, size_t,
		    struct dns_msg *);
static void	rd_question(struct dns_rd *, struct dns_msg *);
static void	rd_rrs(struct dns_rd *, struct dns_msg *, int);
static int	rd_opt_rdata(const uint8_t *, size_t, int, struct dns_msg *);
static size_t	opt_rr_len(const uint8_t *, size_t, size_t);
static int	fix_name(uint8_t *, size_t *, size_t, size_t, size_t, size_t);
static int	fix_tail(uint8_t *, size_t, size_t, size_t, size_t);
static int	emit(char *, size_t, size_t *, const char *, size_t);
static int	emit_label(char *, size_t, size_t *, const uint8_t *, size_t);

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

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
	v = get16(r->buf + r->off);
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
		if ((c & PTR_MASK) == PTR_MASK) {
			ptr = (size_t)(c & PTR_HI_MASK) << 8;
			ptr |= dns_rd_u8(r);
			if (r->err == 0 && ptr >= at)
				r->err = DNS_EFORMAT;
			return;
		}
		if (c > LABEL_MAX) {
			r->err = DNS_EFORMAT;
			return;
		}
		dns_rd_skip(r, c);
		/* Labels so far plus at least a root byte must fit. */
		if (r->err == 0 && r->off - start >= WIRE_NAME_MAX)
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
		if ((c & PTR_MASK) == PTR_MASK) {
			if (r->len - p < 2) {
				err = DNS_ETRUNC;
				break;
			}
			t = (size_t)(c & PTR_HI_MASK) << 8 | r->buf[p + 1];
			if (jumps == 0)
				after = p + 2;
			if (t >= p)
				err = DNS_EFORMAT;
			else if (t >= limit || ++jumps > PTR_MAX_JUMPS)
				err = DNS_ELOOP;
			if (err != DNS_OK)
				break;
			p = limit = t;
			continue;
		}
		if (c > LABEL_MAX) {
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
		if (wire >= WIRE_NAME_MAX) {
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
		if (c > LABEL_MAX) {
			r->err = DNS_EFORMAT;	/* pointer or extended label */
			return;
		}
		if (c == 0)
			break;
		dns_rd_skip(r, c);
		if (r->err == 0 && r->off - start >= WIRE_NAME_MAX)
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
		if (o.err != 0 || code != DNS_OPT_KEEPALIVE)
			continue;
		if (olen == 2) {
			m->has_keepalive = 1;
			m->keepalive_ms = (uint32_t)get16(p + data) *
			    KEEPALIVE_UNIT_MS;
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

/* see dns.h */
size_t
dns_build_upstream(uint8_t *out, size_t cap, const uint8_t *q,
    const struct dns_msg *mq, uint16_t id, unsigned pad_block,
    int keepalive)
{
	size_t qlen, fixed, rdlen, pad, total, o;
	uint32_t ttl;

	if (mq->qdcount != 1 ||
	    mq->q_end != mq->qname_off + mq->qname_len + QFIXED_LEN)
		return 0;
	qlen = mq->q_end - mq->qname_off;
	fixed = DNS_HDR_LEN + qlen + OPT_FIXED_LEN;
	rdlen = keepalive ? OPT_HDR_LEN : 0;
	pad = 0;
	if (pad_block > 0) {
		/*
		 * RFC 7830 3: the padding option's own 4-byte header counts
		 * towards the length; RFC 8467 4.1 pads the DNS message (not
		 * the TCP length prefix) to a multiple of the block.
		 */
		rdlen += OPT_HDR_LEN;
		pad = (pad_block - (fixed + rdlen) % pad_block) % pad_block;
		rdlen += pad;
	}
	total = fixed + rdlen;
	if (total > cap || total > DNS_MSG_MAX)
		return 0;

	put16(out + H_ID, id);
	put16(out + H_FLAGS, mq->flags);
	put16(out + H_QD, 1);
	put16(out + H_AN, 0);
	put16(out + H_NS, 0);
	put16(out + H_AR, 1);
	memcpy(out + DNS_HDR_LEN, q + mq->qname_off, qlen);
	o = DNS_HDR_LEN + qlen;

	/* OPT is hop by hop: only the DO bit is the client's (RFC 3225). */
	ttl = mq->has_opt ? (mq->opt_ttl & EDNS_DO) : 0;
	out[o] = 0;
	put16(out + o + 1, DNS_T_OPT);
	put16(out + o + OPT_CLASS, DNS_EDNS_SIZE);
	put32(out + o + OPT_TTL, ttl);
	put16(out + o + OPT_RDLEN, (uint16_t)rdlen);
	o += OPT_FIXED_LEN;
	if (keepalive) {
		/* RFC 7828 3.1: empty in queries. */
		put16(out + o, DNS_OPT_KEEPALIVE);
		put16(out + o + 2, 0);
		o += OPT_HDR_LEN;
	}
	if (pad_block > 0) {
		put16(out + o, DNS_OPT_PADDING);
		put16(out + o + 2, (uint16_t)pad);
		o += OPT_HDR_LEN;
		memset(out + o, 0, pad);	/* RFC 7830 3: zero octets */
		o += pad;
	}
	return o;
}

/*
 * Length of the OPT RR at 'off' in buf[len], read from the buffer itself
 * (root owner, type 41, RDATA inside the message), or 0 if there is none.
 */
static size_t
opt_rr_len(const uint8_t *buf, size_t len, size_t off)
{
	size_t n;

	if (off < DNS_HDR_LEN || off > len || len - off < OPT_FIXED_LEN ||
	    buf[off] != 0 || get16(buf + off + 1) != DNS_T_OPT)
		return 0;
	n = OPT_FIXED_LEN + (size_t)get16(buf + off + OPT_RDLEN);
	if (n > len - off)
		return 0;
	return n;
}

/*
 * One name at *off (below end) in an RR that moves down by 'delta' bytes
 * because bytes before it in [cut, tail) shrink.  A pointer to tail or
 * beyond must move too; one into [cut, tail) has lost its target.
 */
static int
fix_name(uint8_t *buf, size_t *off, size_t end, size_t cut, size_t tail,
    size_t delta)
{
	size_t t;
	uint8_t c;

	for (;;) {
		if (*off >= end)
			return -1;
		c = buf[*off];
		if ((c & PTR_MASK) == PTR_MASK) {
			if (end - *off < 2)
				return -1;
			t = (size_t)(c & PTR_HI_MASK) << 8 | buf[*off + 1];
			if (t >= tail)
				put16(buf + *off, (uint16_t)(PTR_MASK << 8 |
				    (t - delta)));
			else if (t >= cut)
				return -1;
			*off += 2;
			return 0;
		}
		if (c > LABEL_MAX)
			return -1;
		*off += 1;
		if (c == 0)
			return 0;
		if (end - *off < c)
			return -1;
		*off += c;
	}
}

/*
 * The OPT in [cut, tail) of buf[len] is about to shrink by 'delta' and
 * the RRs after it to move down (RFC 6891 does not make OPT the last RR:
 * TSIG or SIG(0) follow it).  Their compression pointers are absolute
 * offsets, so fix the owner names and the names in RDATA that may be
 * compressed.  0, or -1 when that cannot be done.
 */
static int
fix_tail(uint8_t *buf, size_t len, size_t cut, size_t tail, size_t delta)
{
	size_t off, rd, rend, i, k;
	uint16_t type;

	off = tail;
	while (off < len) {
		if (fix_name(buf, &off, len, cut, tail, delta) == -1 ||
		    len - off < RR_FIXED_LEN)
			return -1;
		type = get16(buf + off);
		rd = off + RR_FIXED_LEN;
		rend = rd + get16(buf + off + RR_FIXED_LEN - 2);
		if (rend > len)
			return -1;
		for (i = 0; i < nitems(rdata_names); i++) {
			if (rdata_names[i].type != type)
				continue;
			if (rend - rd < rdata_names[i].skip)
				return -1;
			rd += rdata_names[i].skip;
			for (k = 0; k < rdata_names[i].names; k++)
				if (fix_name(buf, &rd, rend, cut, tail,
				    delta) == -1)
					return -1;
			break;
		}
		off = rend;
	}
	return 0;
}

/*
 * see dns.h.  On 0 the buffer may be partly edited: do not send it.
 * Fails when an RR after the OPT points into the OPT.
 */
size_t
dns_answer_for_client(uint8_t *buf, size_t len, const struct dns_msg *ma,
    uint16_t client_id, const uint8_t *cq, const struct dns_msg *mcq)
{
	size_t o, olen, rd, end, w, n;
	uint16_t code, ar;

	if (ma->qdcount != 1 || mcq->qdcount != 1 ||
	    ma->qname_len != mcq->qname_len ||
	    ma->qname_off + ma->qname_len > len || len < DNS_HDR_LEN)
		return 0;
	put16(buf + H_ID, client_id);
	/* Echo the client's spelling (0x20 randomisation, RFC 5452 9.3). */
	memcpy(buf + ma->qname_off, cq + mcq->qname_off, mcq->qname_len);
	if (!ma->has_opt)
		return len;

	o = ma->opt_off;
	olen = opt_rr_len(buf, len, o);
	if (olen == 0 || olen != ma->opt_len)
		return 0;
	end = o + olen;
	if (!mcq->has_opt) {
		/* RFC 6891 7: no OPT in an answer to a query without one. */
		ar = get16(buf + H_AR);
		if (ar == 0 || fix_tail(buf, len, o, end, olen) == -1)
			return 0;
		memmove(buf + o, buf + end, len - end);
		put16(buf + H_AR, (uint16_t)(ar - 1));
		return len - olen;
	}

	put16(buf + o + OPT_CLASS, DNS_EDNS_SIZE);
	/* Keep the TTL: extended rcode and DO are the answer's. */
	rd = w = o + OPT_FIXED_LEN;
	while (rd < end) {
		if (end - rd < OPT_HDR_LEN)
			return 0;
		code = get16(buf + rd);
		n = OPT_HDR_LEN + (size_t)get16(buf + rd + 2);
		if (n > end - rd)
			return 0;
		/* Keepalive and padding describe the upstream hop only. */
		if (code != DNS_OPT_KEEPALIVE && code != DNS_OPT_PADDING) {
			memmove(buf + w, buf + rd, n);
			w += n;
		}
		rd += n;
	}
	put16(buf + o + OPT_RDLEN, (uint16_t)(w - o - OPT_FIXED_LEN));
	if (w < end && fix_tail(buf, len, o, end, end - w) == -1)
		return 0;
	memmove(buf + w, buf + end, len - end);
	return len - (end - w);
}

/*
 * see dns.h.  The OPT length is read from buf, so 'm' may come from
 * before dns_answer_for_client() shrank the OPT in place.
 */
size_t
dns_truncate(uint8_t *buf, size_t len, size_t limit,
    const struct dns_msg *m, int keep_opt)
{
	size_t n, olen;
	uint16_t flags, ar;

	if (len <= limit)
		return len;
	if (len < DNS_HDR_LEN || m->q_end < DNS_HDR_LEN || m->q_end > len ||
	    m->q_end > limit)
		return 0;
	n = m->q_end;
	ar = 0;
	if (keep_opt && m->has_opt) {
		olen = opt_rr_len(buf, len, m->opt_off);
		if (olen == 0 || m->opt_off < n)
			return 0;
		/* Without room for the OPT, the client still gets TC. */
		if (olen <= limit - n) {
			memmove(buf + n, buf + m->opt_off, olen);
			n += olen;
			ar = 1;
		}
	}
	flags = get16(buf + H_FLAGS);
	put16(buf + H_FLAGS, (uint16_t)(flags | DNS_F_TC));
	put16(buf + H_AN, 0);
	put16(buf + H_NS, 0);
	put16(buf + H_AR, ar);
	return n;
}

/*
 * see dns.h.  'parsed_ok' is a boolean (non-zero when dns_parse_query()
 * returned DNS_OK).  The query's header is read before anything is
 * written, so out may be the query buffer itself.
 */
size_t
dns_error_reply(uint8_t *out, size_t cap, const uint8_t *q, size_t qlen,
    const struct dns_msg *m, int parsed_ok, int rcode)
{
	size_t n, ql;
	uint16_t id, qflags, flags;
	uint32_t ttl;
	int echo, opt;

	if (qlen < DNS_HDR_LEN || cap < DNS_HDR_LEN)
		return 0;
	id = get16(q + H_ID);
	qflags = get16(q + H_FLAGS);
	echo = parsed_ok && m != NULL && m->qdcount == 1 &&
	    m->q_end <= qlen && m->qname_off >= DNS_HDR_LEN &&
	    m->qname_off <= m->q_end;
	opt = echo && m->has_opt;
	ql = echo ? m->q_end - m->qname_off : 0;
	n = DNS_HDR_LEN + ql + (opt ? OPT_FIXED_LEN : 0);
	if (n > cap)
		return 0;
	/* Extended rcode bits (RFC 6891 6.1.3) need the OPT TTL. */
	ttl = opt ? ((uint32_t)(rcode >> 4 & 0xff) << 24 |
	    (m->opt_ttl & EDNS_DO)) : 0;

	if (echo)
		memmove(out + DNS_HDR_LEN, q + m->qname_off, ql);
	flags = (uint16_t)(DNS_F_QR | (qflags & OPCODE_MASK) |
	    (qflags & DNS_F_RD) | DNS_F_RA | (rcode & 0xf));
	put16(out + H_ID, id);
	put16(out + H_FLAGS, flags);
	put16(out + H_QD, echo ? 1 : 0);
	put16(out + H_AN, 0);
	put16(out + H_NS, 0);
	put16(out + H_AR, opt ? 1 : 0);
	if (opt) {
		n = DNS_HDR_LEN + ql;
		out[n] = 0;
		put16(out + n + 1, DNS_T_OPT);
		put16(out + n + OPT_CLASS, DNS_EDNS_SIZE);
		put32(out + n + OPT_TTL, ttl);
		put16(out + n + OPT_RDLEN, 0);
		n += OPT_FIXED_LEN;
	}
	return n;
}
