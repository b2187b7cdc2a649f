/* SPDX-License-Identifier: MIT */
/*
 * dnsedit.h: DNS messages written or edited in caller-owned buffers
 * with an explicit capacity: the upstream form of a LAN query, the
 * client's form of an answer, truncation and error replies.  Works on
 * what dns.h parsed.  A leaf next to dns.h: no I/O, no logging.
 */
#ifndef DNSEDIT_H
#define DNSEDIT_H

#include "dns.h"

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

/*
 * A DoT server's own options in its answer to a client (buf[len], cap
 * available, its OPT found by dns_parse_answer() as 'm'): an
 * edns-tcp-keepalive with 'keepalive_units' (RFC 7828: 100 ms units)
 * when it is 0 or more, then padding to a multiple of 'pad_block' bytes
 * (RFC 8467 4.1: 468 for responses; 0: none).  Only when the OPT is the
 * last RR (else nothing is added: both are optional).  Returns the new
 * length (len when nothing fits).
 */
size_t	 dns_add_server_opts(uint8_t *buf, size_t len, size_t cap,
	    const struct dns_msg *m, int keepalive_units, unsigned pad_block);

#endif
