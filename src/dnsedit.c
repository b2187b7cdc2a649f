/* SPDX-License-Identifier: MIT */
/*
 * dnsedit.c: writing DNS messages (see dnsedit.h): the upstream query
 * with a fresh OPT (keepalive, padding), the in-place client edit of
 * answers, truncation and error replies.  No I/O, no logging, no
 * allocation.  Names are skipped while editing; pointers in RRs that
 * move down behind a shrinking OPT are re-aimed.
 */
#include <string.h>

#include "dns.h"
#include "dnsedit.h"

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

static size_t	opt_rr_len(const uint8_t *, size_t, size_t);
static int	fix_name(uint8_t *, size_t *, size_t, size_t, size_t, size_t);
static int	fix_tail(uint8_t *, size_t, size_t, size_t, size_t);

/* see dns.h */
size_t
dns_build_upstream(uint8_t *out, size_t cap, const uint8_t *q,
    const struct dns_msg *mq, uint16_t id, unsigned pad_block,
    int keepalive)
{
	size_t qlen, fixed, rdlen, pad, total, o;
	uint32_t ttl;

	if (mq->qdcount != 1 ||
	    mq->q_end != mq->qname_off + mq->qname_len + DNS_QFIXED_LEN)
		return 0;
	qlen = mq->q_end - mq->qname_off;
	fixed = DNS_HDR_LEN + qlen + DNS_OPT_FIXED_LEN;
	rdlen = keepalive ? DNS_OPTION_HDR_LEN : 0;
	pad = 0;
	if (pad_block > 0) {
		/*
		 * RFC 7830 3: the padding option's own 4-byte header counts
		 * towards the length; RFC 8467 4.1 pads the DNS message (not
		 * the TCP length prefix) to a multiple of the block.
		 */
		rdlen += DNS_OPTION_HDR_LEN;
		pad = (pad_block - (fixed + rdlen) % pad_block) % pad_block;
		rdlen += pad;
	}
	total = fixed + rdlen;
	if (total > cap || total > DNS_MSG_MAX)
		return 0;

	dns_put16(out + DNS_OFF_ID, id);
	dns_put16(out + DNS_OFF_FLAGS, mq->flags);
	dns_put16(out + DNS_OFF_QD, 1);
	dns_put16(out + DNS_OFF_AN, 0);
	dns_put16(out + DNS_OFF_NS, 0);
	dns_put16(out + DNS_OFF_AR, 1);
	memcpy(out + DNS_HDR_LEN, q + mq->qname_off, qlen);
	o = DNS_HDR_LEN + qlen;

	/* OPT is hop by hop: only the DO bit is the client's (RFC 3225). */
	ttl = mq->has_opt ? (mq->opt_ttl & DNS_EDNS_DO) : 0;
	out[o] = 0;
	dns_put16(out + o + 1, DNS_T_OPT);
	dns_put16(out + o + DNS_OPT_OFF_CLASS, DNS_EDNS_SIZE);
	dns_put32(out + o + DNS_OPT_OFF_TTL, ttl);
	dns_put16(out + o + DNS_OPT_OFF_RDLEN, (uint16_t)rdlen);
	o += DNS_OPT_FIXED_LEN;
	if (keepalive) {
		/* RFC 7828 3.1: empty in queries. */
		dns_put16(out + o, DNS_OPT_KEEPALIVE);
		dns_put16(out + o + 2, 0);
		o += DNS_OPTION_HDR_LEN;
	}
	if (pad_block > 0) {
		dns_put16(out + o, DNS_OPT_PADDING);
		dns_put16(out + o + 2, (uint16_t)pad);
		o += DNS_OPTION_HDR_LEN;
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

	if (off < DNS_HDR_LEN || off > len || len - off < DNS_OPT_FIXED_LEN ||
	    buf[off] != 0 || dns_get16(buf + off + 1) != DNS_T_OPT)
		return 0;
	n = DNS_OPT_FIXED_LEN + (size_t)dns_get16(buf + off + DNS_OPT_OFF_RDLEN);
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
		if ((c & DNS_PTR_MASK) == DNS_PTR_MASK) {
			if (end - *off < 2)
				return -1;
			t = (size_t)(c & DNS_PTR_HI_MASK) << 8 | buf[*off + 1];
			if (t >= tail)
				dns_put16(buf + *off, (uint16_t)(DNS_PTR_MASK << 8 |
				    (t - delta)));
			else if (t >= cut)
				return -1;
			*off += 2;
			return 0;
		}
		if (c > DNS_LABEL_MAX)
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
		    len - off < DNS_RR_FIXED_LEN)
			return -1;
		type = dns_get16(buf + off);
		rd = off + DNS_RR_FIXED_LEN;
		rend = rd + dns_get16(buf + off + DNS_RR_FIXED_LEN - 2);
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
	dns_put16(buf + DNS_OFF_ID, client_id);
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
		ar = dns_get16(buf + DNS_OFF_AR);
		if (ar == 0 || fix_tail(buf, len, o, end, olen) == -1)
			return 0;
		memmove(buf + o, buf + end, len - end);
		dns_put16(buf + DNS_OFF_AR, (uint16_t)(ar - 1));
		return len - olen;
	}

	dns_put16(buf + o + DNS_OPT_OFF_CLASS, DNS_EDNS_SIZE);
	/* Keep the TTL: extended rcode and DO are the answer's. */
	rd = w = o + DNS_OPT_FIXED_LEN;
	while (rd < end) {
		if (end - rd < DNS_OPTION_HDR_LEN)
			return 0;
		code = dns_get16(buf + rd);
		n = DNS_OPTION_HDR_LEN + (size_t)dns_get16(buf + rd + 2);
		if (n > end - rd)
			return 0;
		/* Keepalive and padding describe the upstream hop only. */
		if (code != DNS_OPT_KEEPALIVE && code != DNS_OPT_PADDING) {
			memmove(buf + w, buf + rd, n);
			w += n;
		}
		rd += n;
	}
	dns_put16(buf + o + DNS_OPT_OFF_RDLEN, (uint16_t)(w - o - DNS_OPT_FIXED_LEN));
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
	flags = dns_get16(buf + DNS_OFF_FLAGS);
	dns_put16(buf + DNS_OFF_FLAGS, (uint16_t)(flags | DNS_F_TC));
	dns_put16(buf + DNS_OFF_AN, 0);
	dns_put16(buf + DNS_OFF_NS, 0);
	dns_put16(buf + DNS_OFF_AR, ar);
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
	id = dns_get16(q + DNS_OFF_ID);
	qflags = dns_get16(q + DNS_OFF_FLAGS);
	echo = parsed_ok && m != NULL && m->qdcount == 1 &&
	    m->q_end <= qlen && m->qname_off >= DNS_HDR_LEN &&
	    m->qname_off <= m->q_end;
	opt = echo && m->has_opt;
	ql = echo ? m->q_end - m->qname_off : 0;
	n = DNS_HDR_LEN + ql + (opt ? DNS_OPT_FIXED_LEN : 0);
	if (n > cap)
		return 0;
	/* Extended rcode bits (RFC 6891 6.1.3) need the OPT TTL. */
	ttl = opt ? ((uint32_t)(rcode >> 4 & 0xff) << 24 |
	    (m->opt_ttl & DNS_EDNS_DO)) : 0;

	if (echo)
		memmove(out + DNS_HDR_LEN, q + m->qname_off, ql);
	flags = (uint16_t)(DNS_F_QR | (qflags & DNS_OPCODE_MASK) |
	    (qflags & DNS_F_RD) | DNS_F_RA | (rcode & 0xf));
	dns_put16(out + DNS_OFF_ID, id);
	dns_put16(out + DNS_OFF_FLAGS, flags);
	dns_put16(out + DNS_OFF_QD, echo ? 1 : 0);
	dns_put16(out + DNS_OFF_AN, 0);
	dns_put16(out + DNS_OFF_NS, 0);
	dns_put16(out + DNS_OFF_AR, opt ? 1 : 0);
	if (opt) {
		n = DNS_HDR_LEN + ql;
		out[n] = 0;
		dns_put16(out + n + 1, DNS_T_OPT);
		dns_put16(out + n + DNS_OPT_OFF_CLASS, DNS_EDNS_SIZE);
		dns_put32(out + n + DNS_OPT_OFF_TTL, ttl);
		dns_put16(out + n + DNS_OPT_OFF_RDLEN, 0);
		n += DNS_OPT_FIXED_LEN;
	}
	return n;
}

/* see dnsedit.h */
size_t
dns_add_server_opts(uint8_t *buf, size_t len, size_t cap,
    const struct dns_msg *m, int keepalive_units, unsigned pad_block)
{
	size_t o, rdlen, add, pad;

	if (!m->has_opt || m->opt_off + m->opt_len != len ||
	    opt_rr_len(buf, len, m->opt_off) != m->opt_len)
		return len;
	o = m->opt_off;
	rdlen = dns_get16(buf + o + DNS_OPT_OFF_RDLEN);
	add = keepalive_units >= 0 ? DNS_OPTION_HDR_LEN + 2 : 0;
	pad = 0;
	if (pad_block > 0) {
		add += DNS_OPTION_HDR_LEN;
		pad = (pad_block - (len + add) % pad_block) % pad_block;
		add += pad;
	}
	if (add > cap - len || rdlen + add > 0xffff || len + add > DNS_MSG_MAX)
		return len;
	if (keepalive_units >= 0) {
		dns_put16(buf + len, DNS_OPT_KEEPALIVE);
		dns_put16(buf + len + 2, 2);
		dns_put16(buf + len + 4, (uint16_t)keepalive_units);
		len += DNS_OPTION_HDR_LEN + 2;
	}
	if (pad_block > 0) {
		dns_put16(buf + len, DNS_OPT_PADDING);
		dns_put16(buf + len + 2, (uint16_t)pad);
		memset(buf + len + DNS_OPTION_HDR_LEN, 0, pad);
		len += DNS_OPTION_HDR_LEN + pad;
	}
	dns_put16(buf + o + DNS_OPT_OFF_RDLEN, (uint16_t)(rdlen + add));
	return len;
}
