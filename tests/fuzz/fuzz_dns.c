/* SPDX-License-Identifier: MIT */
/*
 * fuzz_dns.c: libFuzzer target for dns.c.  The input is taken as a LAN
 * query and as an upstream answer; every entry point runs over it and
 * the results are checked against the contracts in dns.h (a broken
 * contract aborts, so libFuzzer keeps the input).
 */
#include <stdlib.h>
#include <string.h>

#include "dns.h"
#include "dnsedit.h"

#define FZ_CAP		(DNS_MSG_MAX + 1)
#define FZ_NAME_CAP	1024	/* 255 wire bytes, 4 chars each at most */

#define FZ_CHECK(c) do {						\
	if (!(c))							\
		abort();						\
} while (0)

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void	fz_query(const uint8_t *, size_t, uint8_t);
static void	fz_answer(const uint8_t *, size_t, uint8_t);
static void	fz_names(const uint8_t *, size_t);

static uint8_t	fz_out[FZ_CAP];
static uint8_t	fz_cq[FZ_CAP];

static const unsigned fz_pads[] = { 0, 128, 468, 1, 7, 65535 };

static void
fz_query(const uint8_t *data, size_t size, uint8_t knob)
{
	struct dns_msg mq, mu;
	size_t n;
	unsigned pad;
	int rc, ka;

	rc = dns_parse_query(data, size, &mq);
	FZ_CHECK((rc == DNS_ETRUNC) == (size < DNS_HDR_LEN));
	FZ_CHECK(rc == DNS_OK || rc == DNS_ETRUNC || rc == DNS_EFORMAT);

	n = dns_error_reply(fz_out, sizeof(fz_out), data, size, &mq,
	    rc == DNS_OK, DNS_RC_FORMERR);
	FZ_CHECK((n == 0) == (size < DNS_HDR_LEN));
	if (n != 0)
		FZ_CHECK(dns_parse_answer(fz_out, n, &mu) == DNS_OK);
	if (rc != DNS_OK)
		return;
	FZ_CHECK(mq.qdcount == 1 && mq.q_end <= size);
	FZ_CHECK(mq.udp_size >= DNS_UDP_MIN);

	pad = fz_pads[knob % nitems(fz_pads)];
	ka = (knob & 0x80) != 0;
	n = dns_build_upstream(fz_out, sizeof(fz_out), data, &mq,
	    (uint16_t)(knob * 257), pad, ka);
	if (pad == 65535) {
		FZ_CHECK(n == 0 || n == 65535);
		if (n == 0)
			return;
	}
	FZ_CHECK(n != 0);
	if (pad != 0)
		FZ_CHECK(n % pad == 0);
	if (n <= DNS_QUERY_MAX) {
		FZ_CHECK(dns_parse_query(fz_out, n, &mu) == DNS_OK);
		FZ_CHECK(dns_same_question(data, &mq, fz_out, &mu));
		FZ_CHECK(mu.has_keepalive == ka);
	}
	/* Too small a buffer is refused, never overrun. */
	FZ_CHECK(dns_build_upstream(fz_out, n - 1, data, &mq, 1, pad,
	    ka) == 0);
}

static void
fz_answer(const uint8_t *data, size_t size, uint8_t knob)
{
	struct dns_msg ma, mc, me;
	uint8_t *a;
	size_t n, tn, cn, i, limit;
	int rc;

	rc = dns_parse_answer(data, size, &ma);
	if (rc != DNS_OK || ma.qdcount != 1)
		return;

	/* A client query for the same question, spelled differently. */
	memset(fz_cq, 0, DNS_HDR_LEN);
	fz_cq[0] = 0x12;
	fz_cq[5] = 1;
	fz_cq[11] = (knob & 1) ? 1 : 0;
	memcpy(fz_cq + DNS_HDR_LEN, data + ma.qname_off,
	    ma.q_end - ma.qname_off);
	cn = DNS_HDR_LEN + ma.q_end - ma.qname_off;
	for (i = DNS_HDR_LEN; i < DNS_HDR_LEN + ma.qname_len; i++)
		if ((fz_cq[i] | 0x20) >= 'a' && (fz_cq[i] | 0x20) <= 'z' &&
		    (i + knob) % 3 == 0)
			fz_cq[i] ^= 0x20;
	if (knob & 1) {
		memcpy(fz_cq + cn, "\0\0\51\20\0\0\0\200\0\0\0", 11);
		cn += 11;
	}
	FZ_CHECK(dns_parse_query(fz_cq, cn, &mc) == DNS_OK);
	FZ_CHECK(dns_same_question(data, &ma, fz_cq, &mc));

	/* Edit an exact-size copy so ASan sees any overrun. */
	a = malloc(size);
	FZ_CHECK(a != NULL);
	memcpy(a, data, size);
	n = dns_answer_for_client(a, size, &ma, 0x1234, fz_cq, &mc);
	/* Only RRs after the OPT pointing into it make this fail. */
	if (n == 0) {
		FZ_CHECK(ma.has_opt && ma.opt_off + ma.opt_len < size);
		free(a);
		return;
	}
	FZ_CHECK(n <= size);
	FZ_CHECK(dns_parse_answer(a, n, &me) == DNS_OK);
	FZ_CHECK(me.id == 0x1234 && !me.has_keepalive);
	FZ_CHECK(me.has_opt == (ma.has_opt && mc.has_opt));
	FZ_CHECK(memcmp(a + me.qname_off, fz_cq + mc.qname_off,
	    mc.qname_len) == 0);

	/* Truncate with the stale parse, as the caller may. */
	limit = (size_t)knob * 4;
	tn = dns_truncate(a, n, limit, &ma, mc.has_opt);
	if (n <= limit)
		FZ_CHECK(tn == n);
	else if (limit >= ma.q_end)
		FZ_CHECK(tn != 0 && tn <= limit);
	else
		FZ_CHECK(tn == 0);
	if (tn != 0)
		FZ_CHECK(dns_parse_answer(a, tn, &me) == DNS_OK);
	free(a);
}

static void
fz_names(const uint8_t *data, size_t size)
{
	struct dns_rd r;
	char name[FZ_NAME_CAP];
	size_t off;

	for (off = 0; off < size && off < 64; off++) {
		dns_rd_init(&r, data, size);
		r.off = off;
		dns_rd_name(&r, name, sizeof(name));
		if (r.err == DNS_OK) {
			FZ_CHECK(r.off > off && r.off <= size);
			FZ_CHECK(strlen(name) > 0 && strlen(name) < 1020);
		} else
			FZ_CHECK(name[0] == '\0');
		dns_rd_init(&r, data, size);
		r.off = off;
		dns_rd_name(&r, name, 8);
		FZ_CHECK(strlen(name) < 8);
		dns_rd_init(&r, data, size);
		r.off = off;
		dns_rd_skip_name(&r);
		FZ_CHECK(r.off <= size);
	}
	/* The primitives on their own. */
	dns_rd_init(&r, data, size);
	while (r.err == DNS_OK) {
		(void)dns_rd_u32(&r);
		(void)dns_rd_u16(&r);
		(void)dns_rd_u8(&r);
		dns_rd_skip(&r, 1);
	}
	FZ_CHECK(r.off <= size);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t knob;

	if (size > DNS_MSG_MAX)
		return 0;
	knob = size > 0 ? data[size - 1] : 0;
	fz_query(data, size, knob);
	fz_answer(data, size, knob);
	fz_names(data, size);
	return 0;
}
