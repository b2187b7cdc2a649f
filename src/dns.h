/* SPDX-License-Identifier: MIT */
/*
 * dns.h: DNS wire format on byte buffers with an explicit length: the
 * layout constants, a sticky read cursor, parsing of LAN queries and
 * upstream answers (header, question, OPT with keepalive) and question
 * comparison.  Writing is dnsedit.h's.  A leaf: no I/O, no logging.
 */
#ifndef DNS_H
#define DNS_H

#include "compat.h"

#define DNS_HDR_LEN	12
#define DNS_MSG_MAX	65535	/* a DNS message over TCP */
#define DNS_UDP_MIN	512	/* RFC 1035 limit without EDNS */
#define DNS_EDNS_SIZE	1232	/* what we advertise (DNS flag day 2020) */
#define DNS_QUERY_MAX	512	/* larger LAN queries get FORMERR */

/* Header flag bits (host order of the 16-bit flags word). */
#define DNS_F_QR	0x8000
#define DNS_F_AA	0x0400
#define DNS_F_TC	0x0200
#define DNS_F_RD	0x0100
#define DNS_F_RA	0x0080
#define DNS_F_OPCODE(f)	(((f) >> 11) & 0xf)
#define DNS_F_RCODE(f)	((f) & 0xf)

#define DNS_RC_NOERROR	0
#define DNS_RC_FORMERR	1
#define DNS_RC_SERVFAIL	2
#define DNS_RC_NOTIMP	4
#define DNS_RC_REFUSED	5

#define DNS_T_OPT	41
#define DNS_OPT_KEEPALIVE 11	/* RFC 7828 */
#define DNS_OPT_PADDING	12	/* RFC 7830 */

/* Wire layout (RFC 1035 3.1, 4.1; RFC 6891 6.1). */
#define DNS_NAME_WIRE_MAX	255	/* RFC 1035 3.1: with the root label */
#define DNS_LABEL_MAX		63	/* 0x40 and 0x80 are not labels */
#define DNS_PTR_MASK		0xc0	/* RFC 1035 4.1.4: a pointer's top bits */
#define DNS_PTR_HI_MASK		0x3f	/* high bits of the pointer's offset */
/*
 * A 255-byte name has at most 127 labels, and sane compression needs at
 * most one pointer per label; anything longer is hostile.
 */
#define DNS_PTR_MAX_JUMPS	128
#define DNS_RR_FIXED_LEN	10	/* type, class, ttl, rdlength */
#define DNS_OPT_FIXED_LEN	11	/* root owner + DNS_RR_FIXED_LEN */
#define DNS_OPTION_HDR_LEN	4	/* option code and option length */
#define DNS_QFIXED_LEN		4	/* qtype, qclass after the qname */
#define DNS_EDNS_DO		0x00008000U	/* RFC 3225, in the OPT TTL */
#define DNS_OPCODE_MASK		0x7800	/* flags bits 11-14 */
#define DNS_KEEPALIVE_UNIT_MS	100	/* RFC 7828 3.1: 100 ms units */

/* Header field offsets. */
#define DNS_OFF_ID		0
#define DNS_OFF_FLAGS		2
#define DNS_OFF_QD		4
#define DNS_OFF_AN		6
#define DNS_OFF_NS		8
#define DNS_OFF_AR		10

/* Offsets inside an RR that starts with a one-byte (root) owner. */
#define DNS_OPT_OFF_CLASS	3
#define DNS_OPT_OFF_TTL		5
#define DNS_OPT_OFF_RDLEN	9

static inline uint16_t
dns_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline void
dns_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void
dns_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Errors (sticky in struct dns_rd). */
enum { DNS_OK = 0, DNS_ETRUNC, DNS_EFORMAT, DNS_ELOOP, DNS_ESPACE };

/* Sticky read cursor: check r.err once after a run of reads. */
struct dns_rd {
	const uint8_t	*buf;
	size_t		 len;
	size_t		 off;
	int		 err;
};
void	 dns_rd_init(struct dns_rd *, const uint8_t *buf, size_t len);
uint8_t	 dns_rd_u8(struct dns_rd *);
uint16_t dns_rd_u16(struct dns_rd *);
uint32_t dns_rd_u32(struct dns_rd *);
void	 dns_rd_skip(struct dns_rd *, size_t n);
/* Skip a possibly compressed name (a pointer ends it). */
void	 dns_rd_skip_name(struct dns_rd *);
/*
 * Read a name at the cursor, following compression pointers (loops and
 * forward pointers are DNS_ELOOP/DNS_EFORMAT), into presentation form
 * ("www.example.", "." for the root) in out[cap].  For printing only.
 */
void	 dns_rd_name(struct dns_rd *, char *out, size_t cap);

/* What dns_parse_query() learns from a query (or any message). */
struct dns_msg {
	uint16_t	 id;
	uint16_t	 flags;
	uint16_t	 qdcount, ancount, nscount, arcount;
	size_t		 qname_off;	/* 12 when qdcount == 1 */
	size_t		 qname_len;	/* wire length, uncompressed */
	uint16_t	 qtype, qclass;
	size_t		 q_end;		/* offset after the question */
	int		 has_opt;	/* an OPT RR was found */
	size_t		 opt_off;	/* start of the OPT RR (its owner name) */
	size_t		 opt_len;	/* whole OPT RR length */
	uint16_t	 udp_size;	/* OPT class, or 512 without OPT */
	uint32_t	 opt_ttl;	/* ext rcode, version, DO bit */
	uint32_t	 keepalive_ms;	/* RFC 7828 value * 100, 0 if absent */
	int		 has_keepalive;
	int		 has_padding;	/* an RFC 7830 padding option */
};

/*
 * Parse a LAN query: header, exactly one question with an uncompressed
 * name, no answer/authority records, at most one OPT in additional
 * (anywhere after the question).  Returns DNS_OK, DNS_ETRUNC (shorter
 * than a header: nothing can be echoed, drop it) or DNS_EFORMAT (header
 * readable: reply FORMERR).  m->id and m->flags are set whenever len >= 12.
 */
int	 dns_parse_query(const uint8_t *buf, size_t len, struct dns_msg *m);

/*
 * Parse an answer from an upstream: header, question (qdcount 0 or 1),
 * every RR walked to find the OPT (and keepalive option in it).
 * Returns DNS_OK or an error; m is valid only on DNS_OK.
 */
int	 dns_parse_answer(const uint8_t *buf, size_t len, struct dns_msg *m);

/*
 * 1 when both messages carry the same first question (name compared
 * case-insensitively, type and class equal).  Both must have been parsed.
 */
int	 dns_same_question(const uint8_t *a, const struct dns_msg *ma,
	    const uint8_t *b, const struct dns_msg *mb);

#endif
