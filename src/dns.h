/* SPDX-License-Identifier: MIT */
/*
 * dns.h: DNS wire format on byte buffers with an explicit capacity:
 * header and question parsing, OPT (EDNS(0)) editing, padding,
 * keepalive, truncation and error replies.  A leaf: no I/O, no logging.
 * Names are skipped, never decompressed while editing.
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

/*
 * Build the upstream form of a parsed LAN query into out[cap]: header
 * with 'id' (other flags kept), the question, and a fresh OPT (UDP size
 * DNS_EDNS_SIZE, the client's DO bit and version 0, no client options)
 * carrying an empty edns-tcp-keepalive option when 'keepalive' and
 * padding so the message length is a multiple of 'pad_block' (0: none).
 * Records other than the question and OPT are dropped.
 * Returns the length, or 0 when it does not fit.
 */
size_t	 dns_build_upstream(uint8_t *out, size_t cap, const uint8_t *q,
	    const struct dns_msg *mq, uint16_t id, unsigned pad_block,
	    int keepalive);

/*
 * Edit an upstream answer in place for the LAN client (len bytes, cap
 * available): set the ID to client_id, copy the client's question name
 * bytes (same length, from 'cq' as parsed in 'mcq') so case is echoed
 * exactly, and rebuild OPT hop by hop: without client EDNS the OPT RR is
 * removed; with it, keepalive and padding options are stripped and the
 * UDP size set to DNS_EDNS_SIZE.  'ma' is the answer as parsed.
 * Returns the new length (never more than len + 0), or 0 on error.
 */
size_t	 dns_answer_for_client(uint8_t *buf, size_t len,
	    const struct dns_msg *ma, uint16_t client_id,
	    const uint8_t *cq, const struct dns_msg *mcq);

/*
 * Make a message fit in 'limit' bytes for UDP: if len <= limit, return
 * len unchanged.  Else keep header and question (and the OPT RR when
 * 'keep_opt'), set TC, zero an/ns counts, ar = 1 or 0.  Returns the new
 * length (always <= limit when limit >= question + OPT), 0 on error.
 */
size_t	 dns_truncate(uint8_t *buf, size_t len, size_t limit,
	    const struct dns_msg *m, int keep_opt);

/*
 * Error reply for a query into out[cap]: the query's ID, opcode and RD,
 * QR=1, RA=1, rcode; the question echoed when 'm' parsed (DNS_OK), else
 * qdcount 0; an OPT RR (size DNS_EDNS_SIZE) when the query had one.
 * 'q' must hold at least DNS_HDR_LEN bytes.  Returns the length or 0.
 */
size_t	 dns_error_reply(uint8_t *out, size_t cap, const uint8_t *q,
	    size_t qlen, const struct dns_msg *m, int parsed_ok, int rcode);

#endif
