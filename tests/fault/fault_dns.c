/* SPDX-License-Identifier: MIT */
/*
 * fault_dns.c: dotfault's DNS side: what a query carries (name, type,
 * padding, keepalive) for the log, and the canned answers (A 192.0.2.1,
 * N A records for "bigN", NXDOMAIN for "nx*", NODATA for other types)
 * with an OPT that may
 * carry keepalive and padding.  Parsing is src/dns.c's; no I/O here.
 */
#include <string.h>

#include "dns.h"
#include "dnsedit.h"
#include "fault.h"

#define OPCODE_MASK	0x7800
#define EDNS_DO		0x00008000U	/* RFC 3225 */
#define OPT_FIXED_LEN	11	/* root, type, class, ttl, rdlen */
#define OPT_HDR_LEN	4	/* option code and length */
#define RR_A_LEN	16	/* pointer, fixed part, 4 bytes */
#define ANSWER_TTL	60
#define NAME_PTR	0xc00c	/* the question name at offset 12 */
#define RC_NXDOMAIN	3
#define KEEPALIVE_UNIT	100	/* RFC 7828 3.1: 100 ms units */

static void	put16(uint8_t *, uint16_t);
static void	put32(uint8_t *, uint32_t);
static int	label_is(const uint8_t *, size_t, const char *, int);
static void	scan_opt(const uint8_t *, const struct dns_msg *,
		    struct fdns_query *);
static int	big_count(const uint8_t *, size_t);

static const uint8_t answer_addr[4] = { 192, 0, 2, 1 };	/* TEST-NET-1 */

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

/*
 * 1 when the first label of the name at q[off] equals 'word' (whole
 * label) or, with 'prefix', starts with it; ASCII case-insensitive.
 */
static int
label_is(const uint8_t *q, size_t off, const char *word, int prefix)
{
	size_t n, i;
	uint8_t c;

	n = strlen(word);
	if (q[off] < n || (!prefix && q[off] != n))
		return 0;
	for (i = 0; i < n; i++) {
		c = q[off + 1 + i];
		if (c >= 'A' && c <= 'Z')
			c = (uint8_t)(c + ('a' - 'A'));
		if (c != (uint8_t)word[i])
			return 0;
	}
	return 1;
}

/* N for a first label "bigN" (1 to FT_BIG_MAX), else 0. */
static int
big_count(const uint8_t *q, size_t off)
{
	size_t n = q[off], i;
	int v = 0;

	if (n < 4 || n > 6 || !label_is(q, off, "big", 1))
		return 0;
	for (i = 4; i <= n; i++) {
		if (q[off + i] < '0' || q[off + i] > '9')
			return 0;
		v = v * 10 + (q[off + i] - '0');
	}
	return v >= 1 && v <= FT_BIG_MAX ? v : 0;
}

/* Options in the OPT RDATA dns_parse_query() found (bounds re-checked). */
static void
scan_opt(const uint8_t *q, const struct dns_msg *m, struct fdns_query *fq)
{
	struct dns_rd r;
	uint16_t code, olen, rdlen;

	dns_rd_init(&r, q + m->opt_off, m->opt_len);
	dns_rd_skip(&r, OPT_FIXED_LEN - 2);
	rdlen = dns_rd_u16(&r);
	if (r.err != 0 || rdlen != m->opt_len - OPT_FIXED_LEN)
		return;
	while (r.err == 0 && r.off < r.len) {
		code = dns_rd_u16(&r);
		olen = dns_rd_u16(&r);
		dns_rd_skip(&r, olen);
		if (r.err != 0)
			break;
		if (code == DNS_OPT_PADDING)
			fq->padded = 1;
		if (code == DNS_OPT_KEEPALIVE)
			fq->keepalive = 1;
	}
}

/* see fault.h */
void
fdns_inspect(const uint8_t *q, size_t len, struct fdns_query *fq)
{
	struct dns_msg m;
	struct dns_rd r;
	int rc;

	memset(fq, 0, sizeof(*fq));
	fq->len = len;
	fq->pad_block_ok = len % FT_PAD_QUERY == 0;
	snprintf(fq->name, sizeof(fq->name), "?");
	rc = dns_parse_query(q, len, &m);
	if (rc == DNS_ETRUNC)
		return;
	fq->id = m.id;
	fq->is_response = (m.flags & DNS_F_QR) != 0;
	if (rc != DNS_OK)
		return;
	fq->parsed = 1;
	fq->qtype = m.qtype;
	fq->has_opt = m.has_opt;
	if (m.has_opt)
		scan_opt(q, &m, fq);
	fq->keepalive |= m.has_keepalive;
	fq->is_slow = label_is(q, m.qname_off, "slow", 0);
	fq->n_big = big_count(q, m.qname_off);
	dns_rd_init(&r, q, len);
	dns_rd_skip(&r, m.qname_off);
	dns_rd_name(&r, fq->name, sizeof(fq->name));
	if (r.err != 0)
		snprintf(fq->name, sizeof(fq->name), "?");
}

/* see fault.h */
size_t
fdns_answer(uint8_t *out, size_t cap, const uint8_t *q, size_t len,
    const struct fdns_query *fq, const struct fdns_opts *o, int *rcode)
{
	struct dns_msg m;
	size_t n, qlen, rdlen, pad;
	uint16_t flags;
	int is_a, n_a, i;

	*rcode = DNS_RC_FORMERR;
	if (!fq->parsed || dns_parse_query(q, len, &m) != DNS_OK)
		return dns_error_reply(out, cap, q, len, NULL, 0,
		    DNS_RC_FORMERR);
	if (DNS_F_OPCODE(m.flags) != 0) {
		*rcode = DNS_RC_NOTIMP;
		return dns_error_reply(out, cap, q, len, &m, 1,
		    DNS_RC_NOTIMP);
	}
	*rcode = label_is(q, m.qname_off, "nx", 1) ? RC_NXDOMAIN :
	    DNS_RC_NOERROR;
	is_a = *rcode == DNS_RC_NOERROR && m.qtype == 1;
	n_a = !is_a ? 0 : fq->n_big > 0 ? fq->n_big : 1;
	qlen = m.q_end - m.qname_off;
	rdlen = 0;
	if (m.has_opt && o->keepalive_ms >= 0)
		rdlen += OPT_HDR_LEN + 2;
	n = DNS_HDR_LEN + qlen + (size_t)n_a * RR_A_LEN +
	    (m.has_opt ? OPT_FIXED_LEN : 0);
	pad = 0;
	if (m.has_opt && o->pad_answers) {
		/* RFC 7830 3: the option header counts towards the block. */
		rdlen += OPT_HDR_LEN;
		pad = (FT_PAD_ANSWER - (n + rdlen) % FT_PAD_ANSWER) %
		    FT_PAD_ANSWER;
		rdlen += pad;
	}
	if (n + rdlen > cap)
		return 0;

	flags = (uint16_t)(DNS_F_QR | (m.flags & OPCODE_MASK) |
	    (m.flags & DNS_F_RD) | DNS_F_RA | *rcode);
	put16(out, m.id);
	put16(out + 2, flags);
	put16(out + 4, 1);
	put16(out + 6, (uint16_t)n_a);
	put16(out + 8, 0);
	put16(out + 10, m.has_opt ? 1 : 0);
	memcpy(out + DNS_HDR_LEN, q + m.qname_off, qlen);
	n = DNS_HDR_LEN + qlen;
	for (i = 0; i < n_a; i++) {
		put16(out + n, NAME_PTR);
		put16(out + n + 2, 1);
		put16(out + n + 4, m.qclass);
		put32(out + n + 6, ANSWER_TTL);
		put16(out + n + 10, sizeof(answer_addr));
		if (fq->n_big > 0)
			put32(out + n + 12, 0x0a000000U + (uint32_t)i + 1);
		else
			memcpy(out + n + 12, answer_addr, sizeof(answer_addr));
		n += RR_A_LEN;
	}
	if (!m.has_opt)
		return n;
	out[n] = 0;
	put16(out + n + 1, DNS_T_OPT);
	put16(out + n + 3, DNS_EDNS_SIZE);
	put32(out + n + 5, m.opt_ttl & EDNS_DO);
	put16(out + n + 9, (uint16_t)rdlen);
	n += OPT_FIXED_LEN;
	if (o->keepalive_ms >= 0) {
		/* RFC 7828 3.1: 16-bit TIMEOUT in units of 100 ms. */
		put16(out + n, DNS_OPT_KEEPALIVE);
		put16(out + n + 2, 2);
		put16(out + n + 4, (uint16_t)MIN(o->keepalive_ms /
		    KEEPALIVE_UNIT, 0xffff));
		n += OPT_HDR_LEN + 2;
	}
	if (o->pad_answers) {
		put16(out + n, DNS_OPT_PADDING);
		put16(out + n + 2, (uint16_t)pad);
		memset(out + n + OPT_HDR_LEN, 0, pad);
		n += OPT_HDR_LEN + pad;
	}
	return n;
}
