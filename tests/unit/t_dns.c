/* SPDX-License-Identifier: MIT */
/*
 * t_dns.c: unit tests for dns.c.  Hex vectors in, byte-exact hex out;
 * truncated inputs are copied into exact-size heap buffers so ASan sees
 * any read past the end.  `./t_dns NAME` runs one case.
 */
#include <stdlib.h>

#include "dns.h"
#include "dnsedit.h"
#include "t.h"

#define BUF_CAP		4096

/* The question "www.example.com. IN A", as the upstream spells it. */
#define QN		"03 777777 07 6578616d706c65 03 636f6d 00"
#define QUESTION	QN " 0001 0001"
/* The same question as a 0x20-randomising client spells it. */
#define QUESTION_MIX	"03 577757 07 4578616d706c65 03 434f4d 00 0001 0001"

/* Plain query, RD. */
#define Q_PLAIN		"1234 0100 0001 0000 0000 0000" QUESTION
/* EDNS query: RD+AD, 4096 bytes, DO. */
#define Q_EDNS		"1234 0120 0001 0000 0000 0001" QUESTION \
			"00 0029 1000 00008000 0000"
/* EDNS query with an empty keepalive option, 512 bytes. */
#define Q_KA		"1234 0100 0001 0000 0000 0001" QUESTION \
			"00 0029 0200 00000000 0004 000b 0000"
/* Mixed-case client queries, with and without EDNS. */
#define CQ_EDNS		"1234 0100 0001 0000 0000 0001" QUESTION_MIX \
			"00 0029 1000 00000000 0000"
#define CQ_PLAIN	"1234 0100 0001 0000 0000 0000" QUESTION_MIX

/* Answer record for the question: compressed owner, A 93.184.216.34. */
#define RR_A		"c00c 0001 0001 00000e10 0004 5db8d822"
/* Upstream answer: one A, OPT with keepalive 10 s and 4 padding bytes. */
#define A_FULL		"beef 8180 0001 0001 0000 0001" QUESTION RR_A \
			"00 0029 04d0 00008000 000e" \
			"000b 0002 0064 000c 0004 00000000"
/* Upstream answer without OPT. */
#define A_NOOPT		"beef 8180 0001 0001 0000 0000" QUESTION RR_A
/* OPT (padding, EDE 18, keepalive 20 s) followed by a TSIG-like RR. */
#define RR_TSIG		"016b00 00fa 00ff 00000000 0002 abcd"
#define A_OPTMID	"beef 8180 0001 0000 0000 0002" QUESTION \
			"00 0029 04d0 00000000 0012" \
			"000c 0002 0000 000f 0002 0012 000b 0002 00c8" RR_TSIG

static uint8_t	buf[BUF_CAP], out[BUF_CAP], want[BUF_CAP], cq[BUF_CAP];

/* Parse with the right parser from an exact-size heap copy. */
static int
parse_copy(const uint8_t *p, size_t len, int is_query)
{
	struct dns_msg m;
	uint8_t *c;
	int rc;

	c = malloc(len > 0 ? len : 1);
	if (c == NULL)
		abort();
	memcpy(c, p, len);
	rc = is_query ? dns_parse_query(c, len, &m) :
	    dns_parse_answer(c, len, &m);
	free(c);
	return rc;
}

/*
 * A query for a name of 'wire' bytes (1: the root; labels of up to 63
 * 'a's), type A, optionally with a plain OPT.  Returns its length.
 */
static size_t
make_query(uint8_t *p, size_t wire, int with_opt)
{
	size_t n, left, l;

	n = t_unhex("5555 0100 0001 0000 0000 0000", p, BUF_CAP);
	if (with_opt)
		p[11] = 1;
	left = wire - 1;
	while (left > 0) {
		l = left - 1 > 63 ? 63 : left - 1;
		if (left - (l + 1) == 1)
			l--;	/* a 1-byte remainder cannot be a label */
		p[n++] = (uint8_t)l;
		memset(p + n, 'a', l);
		n += l;
		left -= l + 1;
	}
	p[n++] = 0;
	n += t_unhex("0001 0001", p + n, BUF_CAP - n);
	if (with_opt)
		n += t_unhex("00 0029 1000 00000000 0000", p + n, BUF_CAP - n);
	return n;
}

static int
t_rd_cursor(void)
{
	struct dns_rd r;
	size_t n;

	n = t_unhex("01 0203 04050607 ff", buf, BUF_CAP);
	dns_rd_init(&r, buf, n);
	T_EQ_INT(dns_rd_u8(&r), 1);
	T_EQ_INT(dns_rd_u16(&r), 0x0203);
	T_EQ_INT(dns_rd_u32(&r), 0x04050607);
	T_EQ_INT(r.err, DNS_OK);
	T_EQ_INT(dns_rd_u16(&r), 0);
	T_EQ_INT(r.err, DNS_ETRUNC);
	/* Sticky: a read that would fit still fails, and nothing moves. */
	T_EQ_INT(dns_rd_u8(&r), 0);
	T_EQ_INT(r.off, 7);
	dns_rd_init(&r, buf, n);
	dns_rd_skip(&r, 8);
	T_EQ_INT(r.err, DNS_OK);
	dns_rd_skip(&r, 1);
	T_EQ_INT(r.err, DNS_ETRUNC);
	T_EQ_INT(dns_rd_u32(&r), 0);
	/* A cursor moved past the end by hand reads nothing. */
	dns_rd_init(&r, buf, n);
	r.off = n + 5;
	T_EQ_INT(dns_rd_u8(&r), 0);
	T_EQ_INT(r.err, DNS_ETRUNC);
	return 0;
}

static int
t_query_plain(void)
{
	struct dns_msg m;
	size_t n;

	n = t_unhex(Q_PLAIN, buf, BUF_CAP);
	T_EQ_INT(dns_parse_query(buf, n, &m), DNS_OK);
	T_EQ_INT(m.id, 0x1234);
	T_EQ_INT(m.flags, 0x0100);
	T_EQ_INT(m.qname_off, 12);
	T_EQ_INT(m.qname_len, 17);
	T_EQ_INT(m.qtype, 1);
	T_EQ_INT(m.qclass, 1);
	T_EQ_INT(m.q_end, 33);
	T_EQ_INT(m.has_opt, 0);
	T_EQ_INT(m.udp_size, 512);
	T_EQ_INT(m.has_keepalive, 0);
	return 0;
}

static int
t_query_opt(void)
{
	struct dns_msg m;
	size_t n;

	n = t_unhex(Q_EDNS, buf, BUF_CAP);
	T_EQ_INT(dns_parse_query(buf, n, &m), DNS_OK);
	T_EQ_INT(m.has_opt, 1);
	T_EQ_INT(m.opt_off, 33);
	T_EQ_INT(m.opt_len, 11);
	T_EQ_INT(m.udp_size, 4096);
	T_EQ_INT(m.opt_ttl, 0x8000);
	T_EQ_INT(m.has_keepalive, 0);
	/* A size below 512 counts as 512 (RFC 6891 6.2.3). */
	n = t_unhex("1234 0100 0001 0000 0000 0001" QUESTION
	    "00 0029 0064 00000000 0000", buf, BUF_CAP);
	T_EQ_INT(dns_parse_query(buf, n, &m), DNS_OK);
	T_EQ_INT(m.udp_size, 512);
	return 0;
}

static int
t_query_keepalive(void)
{
	struct dns_msg m;
	size_t n;

	n = t_unhex(Q_KA, buf, BUF_CAP);
	T_EQ_INT(dns_parse_query(buf, n, &m), DNS_OK);
	T_EQ_INT(m.has_keepalive, 1);
	T_EQ_INT(m.keepalive_ms, 0);
	T_EQ_INT(m.udp_size, 512);
	n = t_unhex("1234 0100 0001 0000 0000 0001" QUESTION
	    "00 0029 0200 00000000 0006 000b 0002 0032", buf, BUF_CAP);
	T_EQ_INT(dns_parse_query(buf, n, &m), DNS_OK);
	T_EQ_INT(m.has_keepalive, 1);
	T_EQ_INT(m.keepalive_ms, 5000);
	/* A keepalive option of length 1 is malformed. */
	n = t_unhex("1234 0100 0001 0000 0000 0001" QUESTION
	    "00 0029 0200 00000000 0005 000b 0001 00", buf, BUF_CAP);
	T_EQ_INT(dns_parse_query(buf, n, &m), DNS_EFORMAT);
	return 0;
}

static int
t_query_short(void)
{
	struct dns_msg m;
	size_t n;

	n = t_unhex("1234 0100 0001 0000 0000", buf, BUF_CAP);
	T_EQ_INT(dns_parse_query(buf, n, &m), DNS_ETRUNC);
	T_EQ_INT(dns_parse_query(buf, 0, &m), DNS_ETRUNC);
	return 0;
}

static int
t_query_counts(void)
{
	static const char *bad[] = {
		/* qdcount 0 */
		"1234 0100 0000 0000 0000 0000",
		/* qdcount 2 */
		"1234 0100 0002 0000 0000 0000" QUESTION QUESTION,
		/* an answer record */
		"1234 0100 0001 0001 0000 0000" QUESTION RR_A,
		/* an authority record */
		"1234 0100 0001 0000 0001 0000" QUESTION RR_A,
		/* arcount 1 but nothing there */
		"1234 0100 0001 0000 0000 0001" QUESTION,
	};
	struct dns_msg m;
	size_t i, n;

	for (i = 0; i < nitems(bad); i++) {
		n = t_unhex(bad[i], buf, BUF_CAP);
		if (dns_parse_query(buf, n, &m) != DNS_EFORMAT)
			T_FAIL("case %zu: want DNS_EFORMAT", i);
		/* The header was readable: id and flags are known. */
		T_EQ_INT(m.id, 0x1234);
		T_EQ_INT(m.flags, 0x0100);
	}
	return 0;
}

static int
t_query_bad_names(void)
{
	static const char *bad[] = {
		/* compressed qname */
		"1234 0100 0001 0000 0000 0000 c00c 0001 0001",
		/* extended label type 0x40 */
		"1234 0100 0001 0000 0000 0000 41 00 0001 0001",
		/* name runs into the end */
		"1234 0100 0001 0000 0000 0000 05 6162",
	};
	struct dns_msg m;
	size_t i, n;

	for (i = 0; i < nitems(bad); i++) {
		n = t_unhex(bad[i], buf, BUF_CAP);
		if (dns_parse_query(buf, n, &m) != DNS_EFORMAT)
			T_FAIL("case %zu: want DNS_EFORMAT", i);
	}
	/* A 64-byte label. */
	n = t_unhex("1234 0100 0001 0000 0000 0000", buf, BUF_CAP);
	buf[n++] = 64;
	memset(buf + n, 'x', 64);
	n += 64;
	n += t_unhex("00 0001 0001", buf + n, BUF_CAP - n);
	T_EQ_INT(dns_parse_query(buf, n, &m), DNS_EFORMAT);
	return 0;
}

static int
t_query_name_limit(void)
{
	struct dns_msg m;
	size_t n;

	/* 255 wire bytes is the limit (RFC 1035 3.1) ... */
	n = make_query(buf, 255, 0);
	T_EQ_INT(dns_parse_query(buf, n, &m), DNS_OK);
	T_EQ_INT(m.qname_len, 255);
	/* ... 256 is one too many. */
	n = make_query(buf, 256, 0);
	T_EQ_INT(dns_parse_query(buf, n, &m), DNS_EFORMAT);
	/* The root name is fine. */
	n = make_query(buf, 1, 1);
	T_EQ_INT(dns_parse_query(buf, n, &m), DNS_OK);
	T_EQ_INT(m.qname_len, 1);
	return 0;
}

static int
t_query_bad_opt(void)
{
	static const char *bad[] = {
		/* two OPTs */
		"1234 0100 0001 0000 0000 0002" QUESTION
		    "00 0029 1000 00000000 0000 00 0029 1000 00000000 0000",
		/* OPT owner not the root */
		"1234 0100 0001 0000 0000 0001" QUESTION
		    "01 61 00 0029 1000 00000000 0000",
		/* OPT owner a pointer to the root of the qname */
		"1234 0100 0001 0000 0000 0001" QUESTION
		    "c01c 0029 1000 00000000 0000",
		/* option longer than the RDATA */
		"1234 0100 0001 0000 0000 0001" QUESTION
		    "00 0029 1000 00000000 0004 000b 0005",
		/* half an option header */
		"1234 0100 0001 0000 0000 0001" QUESTION
		    "00 0029 1000 00000000 0002 000b",
		/* RDATA past the end */
		"1234 0100 0001 0000 0000 0001" QUESTION
		    "00 0029 1000 00000000 0008 000b 0000",
	};
	struct dns_msg m;
	size_t i, n;

	for (i = 0; i < nitems(bad); i++) {
		n = t_unhex(bad[i], buf, BUF_CAP);
		if (dns_parse_query(buf, n, &m) != DNS_EFORMAT)
			T_FAIL("case %zu: want DNS_EFORMAT", i);
	}
	return 0;
}

static int
t_query_trailing(void)
{
	struct dns_msg m;
	size_t n;

	n = t_unhex(Q_PLAIN "00", buf, BUF_CAP);
	T_EQ_INT(dns_parse_query(buf, n, &m), DNS_EFORMAT);
	n = t_unhex(Q_EDNS "0000", buf, BUF_CAP);
	T_EQ_INT(dns_parse_query(buf, n, &m), DNS_EFORMAT);
	return 0;
}

static int
t_query_opt_not_last(void)
{
	struct dns_msg m;
	size_t n;

	/* OPT, then a TSIG-like record whose owner is compressed. */
	n = t_unhex("1234 0100 0001 0000 0000 0002" QUESTION
	    "00 0029 1000 00008000 0000 c01c 00fa 00ff 00000000 0002 abcd",
	    buf, BUF_CAP);
	T_EQ_INT(dns_parse_query(buf, n, &m), DNS_OK);
	T_EQ_INT(m.has_opt, 1);
	T_EQ_INT(m.opt_off, 33);
	T_EQ_INT(m.opt_len, 11);
	/* OPT after another additional record. */
	n = t_unhex("1234 0100 0001 0000 0000 0002" QUESTION RR_TSIG
	    "00 0029 1000 00008000 0000", buf, BUF_CAP);
	T_EQ_INT(dns_parse_query(buf, n, &m), DNS_OK);
	T_EQ_INT(m.opt_off, 33 + 15);
	return 0;
}

static int
t_query_size_limit(void)
{
	struct dns_msg m;
	size_t n, rdlen;

	/* A query of exactly DNS_QUERY_MAX bytes (a big TXT in additional). */
	n = t_unhex("1234 0100 0001 0000 0000 0001" QUESTION
	    "00 0010 0001 00000000", buf, BUF_CAP);
	rdlen = DNS_QUERY_MAX - n - 2;
	buf[n++] = (uint8_t)(rdlen >> 8);
	buf[n++] = (uint8_t)rdlen;
	memset(buf + n, 'z', rdlen);
	n += rdlen;
	T_EQ_INT(n, DNS_QUERY_MAX);
	T_EQ_INT(dns_parse_query(buf, n, &m), DNS_OK);
	T_EQ_INT(m.has_opt, 0);
	/* One more byte is FORMERR. */
	buf[n - rdlen - 1]++;
	buf[n++] = 'z';
	T_EQ_INT(dns_parse_query(buf, n, &m), DNS_EFORMAT);
	return 0;
}

static int
t_query_prefixes(void)
{
	static const char *vec[] = { Q_PLAIN, Q_EDNS, Q_KA };
	size_t i, k, n;
	int rc;

	for (i = 0; i < nitems(vec); i++) {
		n = t_unhex(vec[i], buf, BUF_CAP);
		T_EQ_INT(parse_copy(buf, n, 1), DNS_OK);
		for (k = 0; k < n; k++) {
			rc = parse_copy(buf, k, 1);
			if (rc != (k < DNS_HDR_LEN ? DNS_ETRUNC : DNS_EFORMAT))
				T_FAIL("vector %zu, prefix %zu: got %d",
				    i, k, rc);
		}
	}
	return 0;
}

static int
t_answer_plain(void)
{
	struct dns_msg m;
	size_t n;

	n = t_unhex(A_FULL, buf, BUF_CAP);
	T_EQ_INT(dns_parse_answer(buf, n, &m), DNS_OK);
	T_EQ_INT(m.id, 0xbeef);
	T_EQ_INT(m.flags, 0x8180);
	T_EQ_INT(m.ancount, 1);
	T_EQ_INT(m.q_end, 33);
	T_EQ_INT(m.has_opt, 1);
	T_EQ_INT(m.opt_off, 49);
	T_EQ_INT(m.opt_len, 25);
	T_EQ_INT(m.udp_size, 1232);
	T_EQ_INT(m.opt_ttl, 0x8000);
	T_EQ_INT(m.has_keepalive, 1);
	T_EQ_INT(m.keepalive_ms, 10000);

	n = t_unhex(A_NOOPT, buf, BUF_CAP);
	T_EQ_INT(dns_parse_answer(buf, n, &m), DNS_OK);
	T_EQ_INT(m.has_opt, 0);
	T_EQ_INT(m.udp_size, 512);
	T_EQ_INT(m.has_keepalive, 0);

	/* OPT not last; keepalive after other options. */
	n = t_unhex(A_OPTMID, buf, BUF_CAP);
	T_EQ_INT(dns_parse_answer(buf, n, &m), DNS_OK);
	T_EQ_INT(m.opt_off, 33);
	T_EQ_INT(m.opt_len, 11 + 18);
	T_EQ_INT(m.keepalive_ms, 20000);

	/* An empty keepalive from a server carries no timeout: ignored. */
	n = t_unhex("beef 8180 0001 0000 0000 0001" QUESTION
	    "00 0029 04d0 00000000 0004 000b 0000", buf, BUF_CAP);
	T_EQ_INT(dns_parse_answer(buf, n, &m), DNS_OK);
	T_EQ_INT(m.has_keepalive, 0);

	/* Header-only answer (e.g. FORMERR from upstream). */
	n = t_unhex("beef 8181 0000 0000 0000 0000", buf, BUF_CAP);
	T_EQ_INT(dns_parse_answer(buf, n, &m), DNS_OK);
	T_EQ_INT(m.qdcount, 0);
	T_EQ_INT(m.q_end, 12);
	return 0;
}

static int
t_answer_bad(void)
{
	static const char *bad[] = {
		/* OPT in the answer section */
		"beef 8180 0001 0001 0000 0000" QUESTION
		    "00 0029 04d0 00000000 0000",
		/* two OPTs */
		"beef 8180 0001 0000 0000 0002" QUESTION
		    "00 0029 04d0 00000000 0000 00 0029 04d0 00000000 0000",
		/* compressed question */
		"beef 8180 0001 0000 0000 0000 c00c 0001 0001",
		/* two questions */
		"beef 8180 0002 0000 0000 0000" QUESTION QUESTION,
		/* trailing byte */
		A_NOOPT "00",
		/* OPT options overrun */
		"beef 8180 0001 0000 0000 0001" QUESTION
		    "00 0029 04d0 00000000 0004 000c 0001",
	};
	struct dns_msg m;
	size_t i, n;

	for (i = 0; i < nitems(bad); i++) {
		n = t_unhex(bad[i], buf, BUF_CAP);
		if (dns_parse_answer(buf, n, &m) == DNS_OK)
			T_FAIL("case %zu: want an error", i);
	}
	n = t_unhex("beef 81", buf, BUF_CAP);
	T_EQ_INT(dns_parse_answer(buf, n, &m), DNS_ETRUNC);
	return 0;
}

static int
t_answer_prefixes(void)
{
	static const char *vec[] = { A_FULL, A_NOOPT, A_OPTMID };
	size_t i, k, n;

	for (i = 0; i < nitems(vec); i++) {
		n = t_unhex(vec[i], buf, BUF_CAP);
		T_EQ_INT(parse_copy(buf, n, 0), DNS_OK);
		for (k = 0; k < n; k++)
			if (parse_copy(buf, k, 0) == DNS_OK)
				T_FAIL("vector %zu, prefix %zu parsed", i, k);
	}
	return 0;
}

static int
t_ptr_valid(void)
{
	struct dns_msg m;
	struct dns_rd r;
	char name[256];
	size_t n;

	/*
	 * Two records: "foo" + ptr to the qname at 33, then "bar" + ptr
	 * to 33 at 53: two jumps, both backwards.
	 */
	n = t_unhex("beef 8180 0001 0002 0000 0000" QUESTION
	    "03 666f6f c00c 0001 0001 00000e10 0004 01020304"
	    "03 626172 c021 0001 0001 00000e10 0004 05060708", buf, BUF_CAP);
	T_EQ_INT(dns_parse_answer(buf, n, &m), DNS_OK);
	dns_rd_init(&r, buf, n);
	r.off = 12;
	dns_rd_name(&r, name, sizeof(name));
	T_EQ_INT(r.err, DNS_OK);
	T_EQ_STR(name, "www.example.com.");
	T_EQ_INT(r.off, 29);
	r.off = 33;
	dns_rd_name(&r, name, sizeof(name));
	T_EQ_INT(r.err, DNS_OK);
	T_EQ_STR(name, "foo.www.example.com.");
	T_EQ_INT(r.off, 39);
	r.off = 53;
	dns_rd_name(&r, name, sizeof(name));
	T_EQ_INT(r.err, DNS_OK);
	T_EQ_STR(name, "bar.foo.www.example.com.");
	T_EQ_INT(r.off, 59);
	/* The cursor goes on reading after the name. */
	T_EQ_INT(dns_rd_u16(&r), 1);
	return 0;
}

static int
t_ptr_loop(void)
{
	struct dns_msg m;
	struct dns_rd r;
	char name[256];
	size_t n;

	/*
	 * Owner "a" + pointer back to its own start (33): backwards from
	 * the pointer, so skipping accepts it; reading must not.
	 */
	n = t_unhex("beef 8180 0001 0001 0000 0000" QUESTION
	    "01 61 c021 0001 0001 00000e10 0004 01020304", buf, BUF_CAP);
	T_EQ_INT(dns_parse_answer(buf, n, &m), DNS_OK);
	dns_rd_init(&r, buf, n);
	r.off = 33;
	dns_rd_name(&r, name, sizeof(name));
	T_EQ_INT(r.err, DNS_ELOOP);
	T_EQ_STR(name, "");
	/* A pointer to itself. */
	n = t_unhex("beef 8180 0001 0001 0000 0000" QUESTION
	    "c021 0001 0001 00000e10 0004 01020304", buf, BUF_CAP);
	T_EQ_INT(dns_parse_answer(buf, n, &m), DNS_EFORMAT);
	dns_rd_init(&r, buf, n);
	r.off = 33;
	dns_rd_name(&r, name, sizeof(name));
	T_EQ_INT(r.err, DNS_EFORMAT);
	return 0;
}

static int
t_ptr_forward(void)
{
	struct dns_msg m;
	struct dns_rd r;
	char name[256];
	size_t n;

	/* Owner points forward to a name in the RDATA (offset 45). */
	n = t_unhex("beef 8180 0001 0001 0000 0000" QUESTION
	    "c02d 0005 0001 00000e10 0001 00", buf, BUF_CAP);
	T_EQ_INT(n, 46);
	T_EQ_INT(dns_parse_answer(buf, n, &m), DNS_EFORMAT);
	dns_rd_init(&r, buf, n);
	r.off = 33;
	dns_rd_name(&r, name, sizeof(name));
	T_EQ_INT(r.err, DNS_EFORMAT);
	return 0;
}

static int
t_ptr_past_end(void)
{
	struct dns_msg m;
	struct dns_rd r;
	char name[256];
	size_t n;

	n = t_unhex("beef 8180 0001 0001 0000 0000" QUESTION
	    "c3ff 0001 0001 00000e10 0004 01020304", buf, BUF_CAP);
	T_EQ_INT(dns_parse_answer(buf, n, &m), DNS_EFORMAT);
	dns_rd_init(&r, buf, n);
	r.off = 33;
	dns_rd_name(&r, name, sizeof(name));
	T_EQ_INT(r.err, DNS_EFORMAT);
	/* Half a pointer at the very end. */
	dns_rd_init(&r, buf, 34);
	r.off = 33;
	dns_rd_name(&r, name, sizeof(name));
	T_EQ_INT(r.err, DNS_ETRUNC);
	return 0;
}

static int
t_rd_name(void)
{
	struct dns_rd r;
	char name[32];
	size_t n;

	n = t_unhex("00", buf, BUF_CAP);
	dns_rd_init(&r, buf, n);
	dns_rd_name(&r, name, sizeof(name));
	T_EQ_INT(r.err, DNS_OK);
	T_EQ_STR(name, ".");
	T_EQ_INT(r.off, 1);
	/* Escapes: '.', '\', control and high bytes, space. */
	n = t_unhex("03 612e62 04 5c01ff20 00", buf, BUF_CAP);
	dns_rd_init(&r, buf, n);
	dns_rd_name(&r, name, sizeof(name));
	T_EQ_INT(r.err, DNS_OK);
	T_EQ_STR(name, "a\\.b.\\\\\\001\\255\\032.");
	/* "abc." needs 5 bytes with the NUL. */
	n = t_unhex("03 616263 00", buf, BUF_CAP);
	dns_rd_init(&r, buf, n);
	dns_rd_name(&r, name, 5);
	T_EQ_INT(r.err, DNS_OK);
	T_EQ_STR(name, "abc.");
	dns_rd_init(&r, buf, n);
	dns_rd_name(&r, name, 4);
	T_EQ_INT(r.err, DNS_ESPACE);
	T_EQ_STR(name, "");
	/* A sticky error leaves the cursor alone. */
	dns_rd_init(&r, buf, n);
	r.err = DNS_ETRUNC;
	dns_rd_name(&r, name, sizeof(name));
	T_EQ_INT(r.off, 0);
	T_EQ_STR(name, "");
	return 0;
}

static int
t_rd_name_long(void)
{
	struct dns_rd r;
	char name[1024];
	size_t n;

	/* 255 wire bytes read fine; 256 through a pointer do not. */
	n = make_query(buf, 255, 0);
	dns_rd_init(&r, buf, n);
	r.off = 12;
	dns_rd_name(&r, name, sizeof(name));
	T_EQ_INT(r.err, DNS_OK);
	T_EQ_INT(strlen(name), 254);
	/* "a" + pointer to the 255-byte qname at offset 12. */
	n = 12 + 255;
	n += t_unhex("01 61 c00c", buf + n, BUF_CAP - n);
	dns_rd_init(&r, buf, n);
	r.off = 12 + 255;
	dns_rd_name(&r, name, sizeof(name));
	T_EQ_INT(r.err, DNS_EFORMAT);
	return 0;
}

static int
t_padding(void)
{
	struct dns_msg m;
	size_t n, wn, got;

	n = t_unhex(Q_EDNS, buf, BUF_CAP);
	T_EQ_INT(dns_parse_query(buf, n, &m), DNS_OK);
	got = dns_build_upstream(out, BUF_CAP, buf, &m, 0xbeef, 128, 1);
	/*
	 * 12 + 21 + 11 + 4 (keepalive) + 4 (padding header) = 52, so
	 * 76 bytes of padding; AD and RD kept, DO kept, size 1232.
	 */
	wn = t_unhex("beef 0120 0001 0000 0000 0001" QUESTION
	    "00 0029 04d0 00008000 0054 000b 0000 000c 004c", want, BUF_CAP);
	memset(want + wn, 0, 76);
	wn += 76;
	T_EQ_HEX(out, got, want, wn);
	T_EQ_INT(got, 128);
	return 0;
}

static int
t_padding_sizes(void)
{
	struct dns_msg m, mu;
	size_t wire, n, got, base, i, plen;
	unsigned blocks[] = { 128, 468, 1, 7 };
	unsigned b;
	int ka;

	for (i = 0; i < nitems(blocks); i++) {
		b = blocks[i];
		for (wire = 1; wire <= 255; wire++) {
			if (wire == 2)
				continue;	/* no name is 2 bytes long */
			for (ka = 0; ka <= 1; ka++) {
				n = make_query(buf, wire, ka);
				T_EQ_INT(dns_parse_query(buf, n, &m), DNS_OK);
				got = dns_build_upstream(out, BUF_CAP, buf, &m,
				    1, b, ka);
				base = 12 + wire + 4 + 11 + (ka ? 4 : 0) + 4;
				if (got % b != 0 || got < base ||
				    got >= base + b)
					T_FAIL("block %u wire %zu ka %d: %zu",
					    b, wire, ka, got);
				/* Padding is the last option, all zeros. */
				plen = got - base;
				T_EQ_INT(out[got - plen - 4], 0);
				T_EQ_INT(out[got - plen - 3], 12);
				T_EQ_INT(out[got - plen - 2] << 8 |
				    out[got - plen - 1], plen);
				while (plen > 0)
					T_EQ_INT(out[got - plen--], 0);
				T_EQ_INT(dns_parse_query(out, got, &mu),
				    got > DNS_QUERY_MAX ? DNS_EFORMAT : DNS_OK);
				if (got > DNS_QUERY_MAX)
					continue;
				T_EQ_INT(mu.udp_size, DNS_EDNS_SIZE);
				T_EQ_INT(mu.has_keepalive, ka);
				T_ASSERT(dns_same_question(buf, &m, out, &mu));
			}
		}
	}
	return 0;
}

static int
t_padding_off(void)
{
	struct dns_msg m;
	size_t n, wn, got;

	n = t_unhex(Q_PLAIN, buf, BUF_CAP);
	T_EQ_INT(dns_parse_query(buf, n, &m), DNS_OK);
	got = dns_build_upstream(out, BUF_CAP, buf, &m, 0x0001, 0, 0);
	wn = t_unhex("0001 0100 0001 0000 0000 0001" QUESTION
	    "00 0029 04d0 00000000 0000", want, BUF_CAP);
	T_EQ_HEX(out, got, want, wn);
	got = dns_build_upstream(out, BUF_CAP, buf, &m, 0x0001, 0, 1);
	wn = t_unhex("0001 0100 0001 0000 0000 0001" QUESTION
	    "00 0029 04d0 00000000 0004 000b 0000", want, BUF_CAP);
	T_EQ_HEX(out, got, want, wn);
	return 0;
}

static int
t_upstream_drops(void)
{
	struct dns_msg m;
	size_t n, wn, got;

	/*
	 * Client OPT with version 1, a cookie and keepalive, then a TSIG
	 * record: only the question and the DO bit survive.
	 */
	n = t_unhex("1234 0100 0001 0000 0000 0002" QUESTION
	    "00 0029 1000 0001ffff 0010 000a 0008 0102030405060708"
	    " 000b 0000" RR_TSIG, buf, BUF_CAP);
	T_EQ_INT(dns_parse_query(buf, n, &m), DNS_OK);
	got = dns_build_upstream(out, BUF_CAP, buf, &m, 0xabcd, 0, 0);
	wn = t_unhex("abcd 0100 0001 0000 0000 0001" QUESTION
	    "00 0029 04d0 00008000 0000", want, BUF_CAP);
	T_EQ_HEX(out, got, want, wn);
	return 0;
}

static int
t_upstream_nospace(void)
{
	struct dns_msg m;
	size_t n;

	n = t_unhex(Q_PLAIN, buf, BUF_CAP);
	T_EQ_INT(dns_parse_query(buf, n, &m), DNS_OK);
	T_EQ_INT(dns_build_upstream(out, 127, buf, &m, 1, 128, 1), 0);
	T_EQ_INT(dns_build_upstream(out, 128, buf, &m, 1, 128, 1), 128);
	T_EQ_INT(dns_build_upstream(out, 43, buf, &m, 1, 0, 0), 0);
	T_EQ_INT(dns_build_upstream(out, 44, buf, &m, 1, 0, 0), 44);
	/* Padding beyond a DNS message is refused. */
	T_EQ_INT(dns_build_upstream(out, BUF_CAP, buf, &m, 1, 70000, 0), 0);
	return 0;
}

static int
t_client_strip(void)
{
	struct dns_msg ma, mc;
	size_t n, cn, wn, got;

	n = t_unhex(A_FULL, buf, BUF_CAP);
	T_EQ_INT(dns_parse_answer(buf, n, &ma), DNS_OK);
	cn = t_unhex(CQ_EDNS, cq, BUF_CAP);
	T_EQ_INT(dns_parse_query(cq, cn, &mc), DNS_OK);
	T_ASSERT(dns_same_question(buf, &ma, cq, &mc));
	got = dns_answer_for_client(buf, n, &ma, 0x1234, cq, &mc);
	wn = t_unhex("1234 8180 0001 0001 0000 0001" QUESTION_MIX RR_A
	    "00 0029 04d0 00008000 0000", want, BUF_CAP);
	T_EQ_HEX(buf, got, want, wn);
	T_EQ_INT(dns_parse_answer(buf, got, &ma), DNS_OK);
	return 0;
}

static int
t_client_no_edns(void)
{
	struct dns_msg ma, mc;
	size_t n, cn, wn, got;

	n = t_unhex(A_FULL, buf, BUF_CAP);
	T_EQ_INT(dns_parse_answer(buf, n, &ma), DNS_OK);
	cn = t_unhex(CQ_PLAIN, cq, BUF_CAP);
	T_EQ_INT(dns_parse_query(cq, cn, &mc), DNS_OK);
	got = dns_answer_for_client(buf, n, &ma, 0x1234, cq, &mc);
	wn = t_unhex("1234 8180 0001 0001 0000 0000" QUESTION_MIX RR_A,
	    want, BUF_CAP);
	T_EQ_HEX(buf, got, want, wn);
	/* An answer without OPT for an EDNS client: nothing is added. */
	n = t_unhex(A_NOOPT, buf, BUF_CAP);
	T_EQ_INT(dns_parse_answer(buf, n, &ma), DNS_OK);
	cn = t_unhex(CQ_EDNS, cq, BUF_CAP);
	T_EQ_INT(dns_parse_query(cq, cn, &mc), DNS_OK);
	got = dns_answer_for_client(buf, n, &ma, 0x1234, cq, &mc);
	T_EQ_HEX(buf, got, want, wn);
	return 0;
}

static int
t_client_opt_not_last(void)
{
	struct dns_msg ma, mc;
	size_t n, cn, wn, got;

	/* EDNS client: padding and keepalive go, EDE stays, TSIG moves. */
	n = t_unhex(A_OPTMID, buf, BUF_CAP);
	T_EQ_INT(dns_parse_answer(buf, n, &ma), DNS_OK);
	cn = t_unhex(CQ_EDNS, cq, BUF_CAP);
	T_EQ_INT(dns_parse_query(cq, cn, &mc), DNS_OK);
	got = dns_answer_for_client(buf, n, &ma, 0x1234, cq, &mc);
	wn = t_unhex("1234 8180 0001 0000 0000 0002" QUESTION_MIX
	    "00 0029 04d0 00000000 0006 000f 0002 0012" RR_TSIG,
	    want, BUF_CAP);
	T_EQ_HEX(buf, got, want, wn);
	T_EQ_INT(dns_parse_answer(buf, got, &ma), DNS_OK);
	/* Plain client: the OPT goes, the record after it stays. */
	n = t_unhex(A_OPTMID, buf, BUF_CAP);
	T_EQ_INT(dns_parse_answer(buf, n, &ma), DNS_OK);
	cn = t_unhex(CQ_PLAIN, cq, BUF_CAP);
	T_EQ_INT(dns_parse_query(cq, cn, &mc), DNS_OK);
	got = dns_answer_for_client(buf, n, &ma, 0x1234, cq, &mc);
	wn = t_unhex("1234 8180 0001 0000 0000 0001" QUESTION_MIX RR_TSIG,
	    want, BUF_CAP);
	T_EQ_HEX(buf, got, want, wn);
	T_EQ_INT(dns_parse_answer(buf, got, &ma), DNS_OK);
	return 0;
}

static int
t_client_mismatch(void)
{
	struct dns_msg ma, mc;
	size_t n, cn;

	/* Question lengths differ: refuse rather than copy. */
	n = t_unhex(A_FULL, buf, BUF_CAP);
	T_EQ_INT(dns_parse_answer(buf, n, &ma), DNS_OK);
	cn = make_query(cq, 5, 0);
	T_EQ_INT(dns_parse_query(cq, cn, &mc), DNS_OK);
	T_EQ_INT(dns_answer_for_client(buf, n, &ma, 1, cq, &mc), 0);
	/* No question in the answer. */
	n = t_unhex("beef 8182 0000 0000 0000 0000", buf, BUF_CAP);
	T_EQ_INT(dns_parse_answer(buf, n, &ma), DNS_OK);
	T_EQ_INT(dns_answer_for_client(buf, n, &ma, 1, cq, &mc), 0);
	return 0;
}

/*
 * OPT with padding (33..52), then "ns1" + pointer to the qname (52),
 * an AAAA and an MX whose owner and exchange point to "ns1" at 52.
 */
#define A_TAIL		"beef 8180 0001 0000 0000 0004" QUESTION \
			"00 0029 04d0 00000000 0008 000c 0004 00000000" \
			"03 6e7331 c00c 0001 0001 00000e10 0004 01020304"
#define TAIL_AAAA(p)	p " 001c 0001 00000e10 0010" \
			" 20010db8000000000000000000000001"
#define TAIL_MX(p)	p " 000f 0001 00000e10 0004 000a " p

static int
t_client_tail_pointers(void)
{
	struct dns_msg ma, mc;
	struct dns_rd r;
	char name[256];
	size_t n, cn, wn, got;

	/* EDNS client: 8 bytes of padding go, pointers to 52 become 44. */
	n = t_unhex(A_TAIL TAIL_AAAA("c034") TAIL_MX("c034"), buf, BUF_CAP);
	T_EQ_INT(dns_parse_answer(buf, n, &ma), DNS_OK);
	cn = t_unhex(CQ_EDNS, cq, BUF_CAP);
	T_EQ_INT(dns_parse_query(cq, cn, &mc), DNS_OK);
	got = dns_answer_for_client(buf, n, &ma, 0x1234, cq, &mc);
	wn = t_unhex("1234 8180 0001 0000 0000 0004" QUESTION_MIX
	    "00 0029 04d0 00000000 0000"
	    "03 6e7331 c00c 0001 0001 00000e10 0004 01020304"
	    TAIL_AAAA("c02c") TAIL_MX("c02c"), want, BUF_CAP);
	T_EQ_HEX(buf, got, want, wn);
	T_EQ_INT(dns_parse_answer(buf, got, &ma), DNS_OK);
	dns_rd_init(&r, buf, got);
	r.off = got - 2;
	dns_rd_name(&r, name, sizeof(name));
	T_EQ_INT(r.err, DNS_OK);
	T_EQ_STR(name, "ns1.WwW.Example.COM.");

	/* Plain client: the whole OPT (19 bytes) goes: 52 becomes 33. */
	n = t_unhex(A_TAIL TAIL_AAAA("c034") TAIL_MX("c034"), buf, BUF_CAP);
	T_EQ_INT(dns_parse_answer(buf, n, &ma), DNS_OK);
	cn = t_unhex(CQ_PLAIN, cq, BUF_CAP);
	T_EQ_INT(dns_parse_query(cq, cn, &mc), DNS_OK);
	got = dns_answer_for_client(buf, n, &ma, 0x1234, cq, &mc);
	wn = t_unhex("1234 8180 0001 0000 0000 0003" QUESTION_MIX
	    "03 6e7331 c00c 0001 0001 00000e10 0004 01020304"
	    TAIL_AAAA("c021") TAIL_MX("c021"), want, BUF_CAP);
	T_EQ_HEX(buf, got, want, wn);
	T_EQ_INT(dns_parse_answer(buf, got, &ma), DNS_OK);
	return 0;
}

/*
 * Fuzzer find: an RR after the OPT whose owner points into the OPT.
 * Removing the OPT would leave a forward pointer; refuse instead.
 */
static int
t_fuzz_tail_ptr_into_opt(void)
{
	struct dns_msg ma, mc;
	size_t n, cn;

	n = t_unhex("1234 0100 0001 0000 0000 0002 03777777 0363306d 00"
	    "0001 0001 00 0029 1000 00008000 0000"
	    "c01c 00fa 00ff 00000000 0002 ab00", buf, BUF_CAP);
	T_EQ_INT(dns_parse_answer(buf, n, &ma), DNS_OK);
	cn = t_unhex("1234 0100 0001 0000 0000 0000 03777777 0363306d 00"
	    "0001 0001", cq, BUF_CAP);
	T_EQ_INT(dns_parse_query(cq, cn, &mc), DNS_OK);
	T_EQ_INT(dns_answer_for_client(buf, n, &ma, 1, cq, &mc), 0);
	/* The MX exchange pointing into the OPT fails the same way. */
	n = t_unhex("beef 8180 0001 0000 0000 0003" QUESTION
	    "00 0029 04d0 00000000 0008 000c 0004 00000000"
	    "03 6e7331 c00c 0001 0001 00000e10 0004 01020304"
	    "c034 000f 0001 00000e10 0004 000a c024", buf, BUF_CAP);
	T_EQ_INT(dns_parse_answer(buf, n, &ma), DNS_OK);
	cn = t_unhex(CQ_EDNS, cq, BUF_CAP);
	T_EQ_INT(dns_parse_query(cq, cn, &mc), DNS_OK);
	T_EQ_INT(dns_answer_for_client(buf, n, &ma, 1, cq, &mc), 0);
	return 0;
}

/* Answer with 40 A records and an empty OPT: 33 + 640 + 11 bytes. */
static size_t
make_big_answer(uint8_t *p)
{
	size_t n;
	int i;

	n = t_unhex("beef 8580 0001 0028 0000 0001" QUESTION, p, BUF_CAP);
	for (i = 0; i < 40; i++)
		n += t_unhex("c00c 0001 0001 00000e10 0004 0a000001",
		    p + n, BUF_CAP - n);
	n += t_unhex("00 0029 04d0 00000000 0000", p + n, BUF_CAP - n);
	return n;
}

static int
t_truncate(void)
{
	struct dns_msg m;
	size_t n, wn, got;

	n = make_big_answer(buf);
	T_EQ_INT(n, 684);
	T_EQ_INT(dns_parse_answer(buf, n, &m), DNS_OK);
	/* Fits: untouched. */
	T_EQ_INT(dns_truncate(buf, n, 684, &m, 1), 684);
	T_EQ_INT(buf[2], 0x85);
	/* EDNS client: TC, question and OPT. */
	got = dns_truncate(buf, n, 512, &m, 1);
	wn = t_unhex("beef 8780 0001 0000 0000 0001" QUESTION
	    "00 0029 04d0 00000000 0000", want, BUF_CAP);
	T_EQ_HEX(buf, got, want, wn);
	T_EQ_INT(dns_parse_answer(buf, got, &m), DNS_OK);
	/* Plain client: no OPT. */
	n = make_big_answer(buf);
	T_EQ_INT(dns_parse_answer(buf, n, &m), DNS_OK);
	got = dns_truncate(buf, n, 512, &m, 0);
	wn = t_unhex("beef 8780 0001 0000 0000 0000" QUESTION, want, BUF_CAP);
	T_EQ_HEX(buf, got, want, wn);
	return 0;
}

static int
t_truncate_tight(void)
{
	struct dns_msg m;
	size_t n, wn, got;

	/* Room for the question but not the OPT: TC without OPT. */
	n = make_big_answer(buf);
	T_EQ_INT(dns_parse_answer(buf, n, &m), DNS_OK);
	got = dns_truncate(buf, n, 40, &m, 1);
	wn = t_unhex("beef 8780 0001 0000 0000 0000" QUESTION, want, BUF_CAP);
	T_EQ_HEX(buf, got, want, wn);
	/* Not even the question fits. */
	n = make_big_answer(buf);
	T_EQ_INT(dns_parse_answer(buf, n, &m), DNS_OK);
	T_EQ_INT(dns_truncate(buf, n, 32, &m, 1), 0);
	return 0;
}

static int
t_truncate_after_edit(void)
{
	struct dns_msg ma, mc;
	size_t n, cn, wn, got;

	/* A stale parse after the OPT shrank in place still works. */
	n = t_unhex("beef 8180 0001 0028 0000 0001" QUESTION, buf, BUF_CAP);
	for (wn = 0; wn < 40; wn++)
		n += t_unhex(RR_A, buf + n, BUF_CAP - n);
	n += t_unhex("00 0029 04d0 00000000 000a 000c 0006 000000000000",
	    buf + n, BUF_CAP - n);
	T_EQ_INT(dns_parse_answer(buf, n, &ma), DNS_OK);
	cn = t_unhex(CQ_EDNS, cq, BUF_CAP);
	T_EQ_INT(dns_parse_query(cq, cn, &mc), DNS_OK);
	got = dns_answer_for_client(buf, n, &ma, 0x1234, cq, &mc);
	T_EQ_INT(got, n - 10);
	got = dns_truncate(buf, got, 512, &ma, 1);
	wn = t_unhex("1234 8380 0001 0000 0000 0001" QUESTION_MIX
	    "00 0029 04d0 00000000 0000", want, BUF_CAP);
	T_EQ_HEX(buf, got, want, wn);
	return 0;
}

static int
t_error_header_only(void)
{
	struct dns_msg m;
	size_t n, wn, got;
	int rc;

	n = t_unhex("1234 0100 0002 0000 0000 0000" QUESTION QUESTION,
	    buf, BUF_CAP);
	rc = dns_parse_query(buf, n, &m);
	T_EQ_INT(rc, DNS_EFORMAT);
	got = dns_error_reply(out, BUF_CAP, buf, n, &m, rc == DNS_OK,
	    DNS_RC_FORMERR);
	wn = t_unhex("1234 8181 0000 0000 0000 0000", want, BUF_CAP);
	T_EQ_HEX(out, got, want, wn);
	/* m may be NULL when nothing parsed. */
	got = dns_error_reply(out, BUF_CAP, buf, 12, NULL, 0,
	    DNS_RC_FORMERR);
	T_EQ_HEX(out, got, want, wn);
	/* Less than a header: nothing to answer. */
	T_EQ_INT(dns_error_reply(out, BUF_CAP, buf, 11, NULL, 0, 1), 0);
	return 0;
}

static int
t_error_question(void)
{
	struct dns_msg m;
	size_t n, wn, got;

	/* FORMERR for a well-formed query (caller policy): question kept. */
	n = t_unhex(Q_PLAIN, buf, BUF_CAP);
	T_EQ_INT(dns_parse_query(buf, n, &m), DNS_OK);
	got = dns_error_reply(out, BUF_CAP, buf, n, &m, 1, DNS_RC_FORMERR);
	wn = t_unhex("1234 8181 0001 0000 0000 0000" QUESTION, want, BUF_CAP);
	T_EQ_HEX(out, got, want, wn);
	/* SERVFAIL for an EDNS query: OPT with DO; AD not echoed. */
	n = t_unhex(Q_EDNS, buf, BUF_CAP);
	T_EQ_INT(dns_parse_query(buf, n, &m), DNS_OK);
	got = dns_error_reply(out, BUF_CAP, buf, n, &m, 1, DNS_RC_SERVFAIL);
	wn = t_unhex("1234 8182 0001 0000 0000 0001" QUESTION
	    "00 0029 04d0 00008000 0000", want, BUF_CAP);
	T_EQ_HEX(out, got, want, wn);
	/* In place, into the query buffer. */
	got = dns_error_reply(buf, BUF_CAP, buf, n, &m, 1, DNS_RC_SERVFAIL);
	T_EQ_HEX(buf, got, want, wn);
	return 0;
}

static int
t_error_opcode(void)
{
	struct dns_msg m;
	size_t n, wn, got;

	/* UPDATE (opcode 5) without RD: NOTIMP keeps the opcode. */
	n = t_unhex("1234 2800 0001 0000 0000 0000" QUESTION, buf, BUF_CAP);
	T_EQ_INT(dns_parse_query(buf, n, &m), DNS_OK);
	got = dns_error_reply(out, BUF_CAP, buf, n, &m, 1, DNS_RC_NOTIMP);
	wn = t_unhex("1234 a884 0001 0000 0000 0000" QUESTION, want, BUF_CAP);
	T_EQ_HEX(out, got, want, wn);
	/* BADVERS (16): low bits in the header, high bits in the OPT. */
	n = t_unhex("1234 0100 0001 0000 0000 0001" QUESTION
	    "00 0029 1000 00010000 0000", buf, BUF_CAP);
	T_EQ_INT(dns_parse_query(buf, n, &m), DNS_OK);
	got = dns_error_reply(out, BUF_CAP, buf, n, &m, 1, 16);
	wn = t_unhex("1234 8180 0001 0000 0000 0001" QUESTION
	    "00 0029 04d0 01000000 0000", want, BUF_CAP);
	T_EQ_HEX(out, got, want, wn);
	return 0;
}

static int
t_error_nospace(void)
{
	struct dns_msg m;
	size_t n;

	n = t_unhex(Q_EDNS, buf, BUF_CAP);
	T_EQ_INT(dns_parse_query(buf, n, &m), DNS_OK);
	T_EQ_INT(dns_error_reply(out, 43, buf, n, &m, 1, 2), 0);
	T_EQ_INT(dns_error_reply(out, 44, buf, n, &m, 1, 2), 44);
	T_EQ_INT(dns_error_reply(out, 11, buf, n, NULL, 0, 1), 0);
	T_EQ_INT(dns_error_reply(out, 12, buf, n, NULL, 0, 1), 12);
	return 0;
}

static int
t_same_question(void)
{
	struct dns_msg ma, mb;
	size_t n, bn;

	n = t_unhex(Q_PLAIN, buf, BUF_CAP);
	T_EQ_INT(dns_parse_query(buf, n, &ma), DNS_OK);
	bn = t_unhex(CQ_EDNS, cq, BUF_CAP);
	T_EQ_INT(dns_parse_query(cq, bn, &mb), DNS_OK);
	T_EQ_INT(dns_same_question(buf, &ma, cq, &mb), 1);
	T_EQ_INT(dns_same_question(cq, &mb, buf, &ma), 1);
	/* Type differs (AAAA). */
	bn = t_unhex("1234 0100 0001 0000 0000 0000" QN "001c 0001",
	    cq, BUF_CAP);
	T_EQ_INT(dns_parse_query(cq, bn, &mb), DNS_OK);
	T_EQ_INT(dns_same_question(buf, &ma, cq, &mb), 0);
	/* Class differs (CH). */
	bn = t_unhex("1234 0100 0001 0000 0000 0000" QN "0001 0003",
	    cq, BUF_CAP);
	T_EQ_INT(dns_parse_query(cq, bn, &mb), DNS_OK);
	T_EQ_INT(dns_same_question(buf, &ma, cq, &mb), 0);
	/* Same length, other name (.org). */
	bn = t_unhex("1234 0100 0001 0000 0000 0000"
	    "03 777777 07 6578616d706c65 03 6f7267 00 0001 0001", cq, BUF_CAP);
	T_EQ_INT(dns_parse_query(cq, bn, &mb), DNS_OK);
	T_EQ_INT(dns_same_question(buf, &ma, cq, &mb), 0);
	/* '@' (0x40) and '`' (0x60) are not letters. */
	n = t_unhex("1234 0100 0001 0000 0000 0000 01 40 00 0001 0001",
	    buf, BUF_CAP);
	T_EQ_INT(dns_parse_query(buf, n, &ma), DNS_OK);
	bn = t_unhex("1234 0100 0001 0000 0000 0000 01 60 00 0001 0001",
	    cq, BUF_CAP);
	T_EQ_INT(dns_parse_query(cq, bn, &mb), DNS_OK);
	T_EQ_INT(dns_same_question(buf, &ma, cq, &mb), 0);
	/* No question on one side. */
	bn = t_unhex("1234 8181 0000 0000 0000 0000", cq, BUF_CAP);
	T_EQ_INT(dns_parse_answer(cq, bn, &mb), DNS_OK);
	T_EQ_INT(dns_same_question(buf, &ma, cq, &mb), 0);
	return 0;
}

/*
 * dns_add_server_opts(): a DoT server's keepalive (RFC 7828) and padding
 * to 468-byte blocks (RFC 8467) in its answer, only with the OPT last;
 * and dns_parse_query() noting a padded query.
 */
static int
t_server_opts(void)
{
	struct dns_msg m;
	size_t n, k, w;

	/* the client's form of A_FULL: OPT last, no options left */
	n = t_unhex("beef 8180 0001 0001 0000 0001" QUESTION RR_A
	    "00 0029 04d0 00008000 0000", buf, BUF_CAP);
	T_EQ_INT(dns_parse_answer(buf, n, &m), DNS_OK);
	k = dns_add_server_opts(buf, n, BUF_CAP, &m, 20, 468);
	T_EQ_INT(k, 468);
	w = t_unhex("beef 8180 0001 0001 0000 0001" QUESTION RR_A
	    "00 0029 04d0 00008000 0198 000b 0002 0014 000c 018e", want,
	    BUF_CAP);
	memset(want + w, 0, 468 - w);
	T_EQ_HEX(buf, k, want, 468);
	T_EQ_INT(dns_parse_answer(buf, k, &m), DNS_OK);
	T_EQ_INT(m.has_keepalive, 1);
	T_EQ_INT(m.keepalive_ms, 2000);
	/* keepalive alone */
	n = t_unhex("beef 8180 0001 0001 0000 0001" QUESTION RR_A
	    "00 0029 04d0 00008000 0000", buf, BUF_CAP);
	T_EQ_INT(dns_parse_answer(buf, n, &m), DNS_OK);
	T_EQ_INT(dns_add_server_opts(buf, n, BUF_CAP, &m, 65535, 0), n + 6);
	/* no room: unchanged */
	n = t_unhex("beef 8180 0001 0001 0000 0001" QUESTION RR_A
	    "00 0029 04d0 00008000 0000", buf, BUF_CAP);
	T_EQ_INT(dns_parse_answer(buf, n, &m), DNS_OK);
	T_EQ_INT(dns_add_server_opts(buf, n, n + 5, &m, 20, 0), n);
	/* no OPT, or the OPT not last: nothing added */
	n = t_unhex(A_NOOPT, buf, BUF_CAP);
	T_EQ_INT(dns_parse_answer(buf, n, &m), DNS_OK);
	T_EQ_INT(dns_add_server_opts(buf, n, BUF_CAP, &m, 20, 468), n);
	n = t_unhex(A_OPTMID, buf, BUF_CAP);
	T_EQ_INT(dns_parse_answer(buf, n, &m), DNS_OK);
	T_EQ_INT(dns_add_server_opts(buf, n, BUF_CAP, &m, 20, 468), n);
	/* a padded query says so; an unpadded one does not */
	n = t_unhex("1234 0100 0001 0000 0000 0001" QUESTION
	    "00 0029 0200 00000000 0008 000c 0004 00000000", buf, BUF_CAP);
	T_EQ_INT(dns_parse_query(buf, n, &m), DNS_OK);
	T_EQ_INT(m.has_padding, 1);
	n = t_unhex(Q_KA, buf, BUF_CAP);
	T_EQ_INT(dns_parse_query(buf, n, &m), DNS_OK);
	T_EQ_INT(m.has_padding, 0);
	return 0;
}

static const struct t_case cases[] = {
	{ "rd_cursor",		t_rd_cursor },
	{ "query_plain",	t_query_plain },
	{ "query_opt",		t_query_opt },
	{ "query_keepalive",	t_query_keepalive },
	{ "query_short",	t_query_short },
	{ "query_counts",	t_query_counts },
	{ "query_bad_names",	t_query_bad_names },
	{ "query_name_limit",	t_query_name_limit },
	{ "query_bad_opt",	t_query_bad_opt },
	{ "query_trailing",	t_query_trailing },
	{ "query_opt_not_last",	t_query_opt_not_last },
	{ "query_size_limit",	t_query_size_limit },
	{ "query_prefixes",	t_query_prefixes },
	{ "answer_plain",	t_answer_plain },
	{ "answer_bad",		t_answer_bad },
	{ "answer_prefixes",	t_answer_prefixes },
	{ "ptr_valid",		t_ptr_valid },
	{ "ptr_loop",		t_ptr_loop },
	{ "ptr_forward",	t_ptr_forward },
	{ "ptr_past_end",	t_ptr_past_end },
	{ "rd_name",		t_rd_name },
	{ "rd_name_long",	t_rd_name_long },
	{ "padding",		t_padding },
	{ "padding_sizes",	t_padding_sizes },
	{ "padding_off",	t_padding_off },
	{ "upstream_drops",	t_upstream_drops },
	{ "upstream_nospace",	t_upstream_nospace },
	{ "client_strip",	t_client_strip },
	{ "client_no_edns",	t_client_no_edns },
	{ "client_opt_not_last", t_client_opt_not_last },
	{ "client_mismatch",	t_client_mismatch },
	{ "client_tail_pointers", t_client_tail_pointers },
	{ "fuzz_tail_ptr_into_opt", t_fuzz_tail_ptr_into_opt },
	{ "truncate",		t_truncate },
	{ "truncate_tight",	t_truncate_tight },
	{ "truncate_after_edit", t_truncate_after_edit },
	{ "error_header_only",	t_error_header_only },
	{ "error_question",	t_error_question },
	{ "error_opcode",	t_error_opcode },
	{ "error_nospace",	t_error_nospace },
	{ "same_question",	t_same_question },
	{ "server_opts",	t_server_opts },
};

T_MAIN("dns", cases)
