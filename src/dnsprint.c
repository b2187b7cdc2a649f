/* SPDX-License-Identifier: MIT */
/*
 * dnsprint.c: presentation form of DNS messages (see dnsprint.h).  Reads
 * with dns.h's sticky cursor; names follow compression pointers through
 * dns_rd_name().  RDATA of the common types is shown as zone files write
 * it, anything else (or anything that does not parse) as RFC 3597 "\#".
 */
#include <sys/socket.h>

#include <string.h>

#include "addr.h"
#include "dns.h"
#include "dnsprint.h"

#define DP_TTL_WIDTH	8

static const struct {
	uint16_t	 type;
	const char	*name;
} types[] = {
	{ 1, "A" }, { 2, "NS" }, { 5, "CNAME" }, { 6, "SOA" }, { 12, "PTR" },
	{ 13, "HINFO" }, { 15, "MX" }, { 16, "TXT" }, { 28, "AAAA" },
	{ 33, "SRV" }, { 35, "NAPTR" }, { 39, "DNAME" }, { 41, "OPT" },
	{ 43, "DS" }, { 46, "RRSIG" }, { 47, "NSEC" }, { 48, "DNSKEY" },
	{ 50, "NSEC3" }, { 52, "TLSA" }, { 64, "SVCB" }, { 65, "HTTPS" },
	{ 99, "SPF" }, { 251, "IXFR" }, { 252, "AXFR" }, { 255, "ANY" },
	{ 257, "CAA" },
};

static const char *const rcodes[] = { "NOERROR", "FORMERR", "SERVFAIL",
    "NXDOMAIN", "NOTIMP", "REFUSED", "YXDOMAIN", "YXRRSET", "NXRRSET",
    "NOTAUTH", "NOTZONE", NULL, NULL, NULL, NULL, NULL, "BADVERS" };
static const char *const opcodes[] = { "QUERY", "IQUERY", "STATUS", NULL,
    "NOTIFY", "UPDATE" };

static const char b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void	print_opt(FILE *, struct dns_rd *, size_t, uint16_t, uint32_t);
static void	print_rr(FILE *, struct dns_rd *);
static int	print_rdata(FILE *, const uint8_t *, size_t, size_t, unsigned);
static void	put_hex(FILE *, const uint8_t *, size_t);
static void	put_b64(FILE *, const uint8_t *, size_t);
static void	put_string(FILE *, const uint8_t *, size_t);
static void	put_time(FILE *, uint32_t);
static int	ieq(const char *, const char *, size_t);

/* ASCII case-insensitive: s and t equal over n bytes (t upper case). */
static int
ieq(const char *s, const char *t, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((s[i] >= 'a' && s[i] <= 'z' ? s[i] - 32 : s[i]) != t[i])
			return 0;
	return 1;
}

/* see dnsprint.h */
int
dp_type_value(const char *s)
{
	uint32_t v;
	size_t i, n = strlen(s);

	for (i = 0; i < nitems(types); i++)
		if (strlen(types[i].name) == n && ieq(s, types[i].name, n))
			return types[i].type;
	if (n > 4 && ieq(s, "TYPE", 4) && parse_u32(s + 4, 0, 65535, &v) == 0)
		return (int)v;
	return -1;
}

/* see dnsprint.h */
const char *
dp_type_name(unsigned type, char *buf, size_t cap)
{
	size_t i;

	for (i = 0; i < nitems(types); i++)
		if (types[i].type == type)
			return types[i].name;
	snprintf(buf, cap, "TYPE%u", type);
	return buf;
}

/* see dnsprint.h */
const char *
dp_rcode_name(unsigned rcode, char *buf, size_t cap)
{
	if (rcode < nitems(rcodes) && rcodes[rcode] != NULL)
		return rcodes[rcode];
	snprintf(buf, cap, "RCODE%u", rcode);
	return buf;
}

/* see dnsprint.h */
int
dp_name_to_wire(const char *s, uint8_t *out, size_t cap)
{
	size_t o = 0, lab = 0;
	unsigned c;

	if (cap < 1)
		return -1;
	if (strcmp(s, ".") == 0) {
		out[0] = 0;
		return 1;
	}
	if (*s == '\0' || *s == '.')
		return -1;
	out[0] = 0;		/* the first label's length byte */
	for (o = 1; *s != '\0'; s++) {
		c = (unsigned char)*s;
		if (c == '.') {
			if (o - lab == 1)
				return -1;	/* empty label */
			out[lab] = (uint8_t)(o - lab - 1);
			if (s[1] == '\0')
				break;
			lab = o;
			if (o >= cap)
				return -1;
			out[o++] = 0;
			continue;
		}
		if (c == '\\') {
			if (s[1] >= '0' && s[1] <= '9' && s[2] >= '0' &&
			    s[2] <= '9' && s[3] >= '0' && s[3] <= '9') {
				c = (unsigned)((s[1] - '0') * 100 +
				    (s[2] - '0') * 10 + (s[3] - '0'));
				s += 3;
				if (c > 255)
					return -1;
			} else if (s[1] != '\0')
				c = (unsigned char)*++s;
			else
				return -1;
		}
		if (o >= cap || o - lab > DNS_LABEL_MAX)
			return -1;
		out[o++] = (uint8_t)c;
	}
	if (o - lab > DNS_LABEL_MAX + 1)
		return -1;
	out[lab] = (uint8_t)(o - lab - 1);
	if (o >= cap || o + 1 > DNS_NAME_WIRE_MAX)
		return -1;
	out[o++] = 0;
	return (int)o;
}

/* see dnsprint.h */
void
dp_base64(const uint8_t *in, size_t len, char *out, size_t cap)
{
	size_t i, o = 0;
	uint32_t u;

	for (i = 0; i < len && o + 5 <= cap; i += 3) {
		u = (uint32_t)in[i] << 16;
		if (i + 1 < len)
			u |= (uint32_t)in[i + 1] << 8;
		if (i + 2 < len)
			u |= in[i + 2];
		out[o++] = b64[u >> 18 & 63];
		out[o++] = b64[u >> 12 & 63];
		out[o++] = i + 1 < len ? b64[u >> 6 & 63] : '=';
		out[o++] = i + 2 < len ? b64[u & 63] : '=';
	}
	if (cap > 0)
		out[MIN(o, cap - 1)] = '\0';
}

static void
put_hex(FILE *out, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		fprintf(out, "%02X", p[i]);
}

static void
put_b64(FILE *out, const uint8_t *p, size_t n)
{
	char buf[4 * 48 / 3 + 4];
	size_t k;

	/* in whole groups of 3 bytes, so the pieces join up */
	for (; n > 0; p += k, n -= k) {
		k = MIN(n, 48);
		dp_base64(p, k, buf, sizeof(buf));
		fputs(buf, out);
	}
}

/* A character-string, quoted, '"' and '\' escaped, others as \DDD. */
static void
put_string(FILE *out, const uint8_t *p, size_t n)
{
	size_t i;

	putc('"', out);
	for (i = 0; i < n; i++) {
		if (p[i] == '"' || p[i] == '\\')
			fprintf(out, "\\%c", p[i]);
		else if (p[i] < 0x20 || p[i] >= 0x7f)
			fprintf(out, "\\%03u", p[i]);
		else
			putc(p[i], out);
	}
	putc('"', out);
}

/* RRSIG times: YYYYMMDDHHMMSS UTC (RFC 4034 3.2), integer civil date. */
static void
put_time(FILE *out, uint32_t t)
{
	int64_t z = (int64_t)(t / 86400) + 719468, era, doe, yoe, doy, mp;
	int64_t y, m, d;
	uint32_t s = t % 86400;

	era = z / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp < 10 ? mp + 3 : mp - 9;
	y = yoe + era * 400 + (m <= 2);
	fprintf(out, "%04d%02d%02d%02u%02u%02u", (int)y, (int)m, (int)d,
	    s / 3600, s / 60 % 60, s % 60);
}

/*
 * RDATA of 'type' at msg[off..off + n) in zone-file form; -1 (nothing
 * printed) when it does not parse as that type.
 */
static int
print_rdata(FILE *out, const uint8_t *msg, size_t off, size_t n,
    unsigned type)
{
	char name[DP_NAME_CAP], name2[DP_NAME_CAP], tb[16];
	const uint8_t *p = msg + off;
	struct dns_rd r;
	uint32_t v[5];
	size_t i, k;

	dns_rd_init(&r, msg, off + n);
	r.off = off;
	switch (type) {
	case 1:
		if (n != 4)
			return -1;
		fputs(addr_ip_str(AF_INET, p, name, sizeof(name)), out);
		return 0;
	case 28:
		if (n != 16)
			return -1;
		fputs(addr_ip_str(AF_INET6, p, name, sizeof(name)), out);
		return 0;
	case 2: case 5: case 12: case 39:
		dns_rd_name(&r, name, sizeof(name));
		if (r.err != 0 || r.off != off + n)
			return -1;
		fputs(name, out);
		return 0;
	case 15:
		v[0] = dns_rd_u16(&r);
		dns_rd_name(&r, name, sizeof(name));
		if (r.err != 0 || r.off != off + n)
			return -1;
		fprintf(out, "%u %s", v[0], name);
		return 0;
	case 6:
		dns_rd_name(&r, name, sizeof(name));
		dns_rd_name(&r, name2, sizeof(name2));
		for (i = 0; i < 5; i++)
			v[i] = dns_rd_u32(&r);
		if (r.err != 0 || r.off != off + n)
			return -1;
		fprintf(out, "%s %s %u %u %u %u %u", name, name2, v[0], v[1],
		    v[2], v[3], v[4]);
		return 0;
	case 33:
		for (i = 0; i < 3; i++)
			v[i] = dns_rd_u16(&r);
		dns_rd_name(&r, name, sizeof(name));
		if (r.err != 0 || r.off != off + n)
			return -1;
		fprintf(out, "%u %u %u %s", v[0], v[1], v[2], name);
		return 0;
	case 16: case 99: case 13:
		for (i = 0; i < n; i += 1 + k) {
			k = p[i];
			if (k > n - i - 1)
				return -1;
		}
		for (i = 0; i < n; i += 1 + k) {
			k = p[i];
			if (i > 0)
				putc(' ', out);
			put_string(out, p + i + 1, k);
		}
		return 0;
	case 43:
		if (n < 4)
			return -1;
		fprintf(out, "%u %u %u ", dns_get16(p), p[2], p[3]);
		put_hex(out, p + 4, n - 4);
		return 0;
	case 48:
		if (n < 4)
			return -1;
		fprintf(out, "%u %u %u ", dns_get16(p), p[2], p[3]);
		put_b64(out, p + 4, n - 4);
		return 0;
	case 46:
		if (n < 18)
			return -1;
		r.off = off + 18;
		dns_rd_name(&r, name, sizeof(name));
		if (r.err != 0)
			return -1;
		fprintf(out, "%s %u %u %u ", dp_type_name(dns_get16(p), tb,
		    sizeof(tb)), p[2], p[3], (unsigned)(dns_get16(p + 4) <<
		    16 | dns_get16(p + 6)));
		put_time(out, (uint32_t)dns_get16(p + 8) << 16 |
		    dns_get16(p + 10));
		putc(' ', out);
		put_time(out, (uint32_t)dns_get16(p + 12) << 16 |
		    dns_get16(p + 14));
		fprintf(out, " %u %s ", dns_get16(p + 16), name);
		put_b64(out, msg + r.off, off + n - r.off);
		return 0;
	case 257:
		if (n < 2 || p[1] > n - 2)
			return -1;
		fprintf(out, "%u %.*s ", p[0], (int)p[1], (const char *)p + 2);
		put_string(out, p + 2 + p[1], n - 2 - p[1]);
		return 0;
	default:
		return -1;
	}
}

/* One RR (not OPT) at the cursor, as a zone file line. */
static void
print_rr(FILE *out, struct dns_rd *r)
{
	char name[DP_NAME_CAP], tb[16];
	uint16_t type, class, rdlen;
	uint32_t ttl;
	size_t off;

	dns_rd_name(r, name, sizeof(name));
	type = dns_rd_u16(r);
	class = dns_rd_u16(r);
	ttl = dns_rd_u32(r);
	rdlen = dns_rd_u16(r);
	off = r->off;
	dns_rd_skip(r, rdlen);
	if (r->err != 0)
		return;
	fprintf(out, "%s\t%s%u\t", name, strlen(name) < DP_TTL_WIDTH ?
	    "\t" : "", ttl);
	if (class == 1)
		fputs("IN", out);
	else
		fprintf(out, "CLASS%u", class);
	fprintf(out, "\t%s\t", dp_type_name(type, tb, sizeof(tb)));
	if (print_rdata(out, r->buf, off, rdlen, type) == -1) {
		fprintf(out, "\\# %u ", rdlen);
		put_hex(out, r->buf + off, rdlen);
	}
	putc('\n', out);
}

/* The OPT RR's fields and options (RFC 6891 6.1.3), dig style. */
static void
print_opt(FILE *out, struct dns_rd *r, size_t rdlen, uint16_t size,
    uint32_t ttl)
{
	const uint8_t *p = r->buf + r->off;
	size_t i, k;
	uint16_t code;

	fprintf(out, ";; OPT PSEUDOSECTION:\n; EDNS: version: %u, flags:%s; "
	    "udp: %u\n", (unsigned)(ttl >> 16 & 0xff),
	    (ttl & DNS_EDNS_DO) ? " do" : "", size);
	for (i = 0; i + DNS_OPTION_HDR_LEN <= rdlen; i += k) {
		code = dns_get16(p + i);
		k = dns_get16(p + i + 2);
		i += DNS_OPTION_HDR_LEN;
		if (k > rdlen - i)
			break;
		if (code == DNS_OPT_KEEPALIVE && k == 2)
			fprintf(out, "; TCP-KEEPALIVE: %u.%u secs\n",
			    dns_get16(p + i) / 10, dns_get16(p + i) % 10);
		else if (code == DNS_OPT_KEEPALIVE)
			fprintf(out, "; TCP-KEEPALIVE\n");
		else if (code == DNS_OPT_PADDING)
			fprintf(out, "; PADDING: %zu bytes\n", k);
		else {
			fprintf(out, "; OPT=%u: ", code);
			put_hex(out, p + i, k);
			putc('\n', out);
		}
	}
}

/* see dnsprint.h */
int
dp_print(FILE *out, const uint8_t *msg, size_t len)
{
	static const char *const sect[] = { "ANSWER", "AUTHORITY",
	    "ADDITIONAL" };
	char name[DP_NAME_CAP], tb[16];
	struct dns_rd r, o;
	uint16_t h[6], type, class, rdlen;
	uint32_t ttl;
	unsigned rcode, op, i, k, shown;
	size_t start;

	dns_rd_init(&r, msg, len);
	for (i = 0; i < 6; i++)
		h[i] = dns_rd_u16(&r);
	if (r.err != 0) {
		fprintf(out, ";; a message of %zu bytes: no DNS header\n", len);
		return -1;
	}
	/* the extended rcode's upper bits are in the OPT TTL */
	rcode = DNS_F_RCODE(h[1]);
	for (o = r, i = 0; i < h[2]; i++) {
		dns_rd_skip_name(&o);
		dns_rd_skip(&o, DNS_QFIXED_LEN);
	}
	for (i = 0; o.err == 0 && i < (unsigned)h[3] + h[4] + h[5]; i++) {
		start = o.off;
		dns_rd_skip_name(&o);
		type = dns_rd_u16(&o);
		dns_rd_skip(&o, 2);
		ttl = dns_rd_u32(&o);
		dns_rd_skip(&o, dns_rd_u16(&o));
		if (o.err == 0 && type == DNS_T_OPT && msg[start] == 0)
			rcode |= (ttl >> 24) << 4;
	}
	op = DNS_F_OPCODE(h[1]);
	fprintf(out, ";; ->>HEADER<<- opcode: ");
	if (op < nitems(opcodes) && opcodes[op] != NULL)
		fputs(opcodes[op], out);
	else
		fprintf(out, "OPCODE%u", op);
	fprintf(out, ", status: %s, id: %u\n;; flags:",
	    dp_rcode_name(rcode, tb, sizeof(tb)), h[0]);
	if (h[1] & DNS_F_QR)
		fputs(" qr", out);
	if (h[1] & DNS_F_AA)
		fputs(" aa", out);
	if (h[1] & DNS_F_TC)
		fputs(" tc", out);
	if (h[1] & DNS_F_RD)
		fputs(" rd", out);
	if (h[1] & DNS_F_RA)
		fputs(" ra", out);
	if (h[1] & 0x0020)
		fputs(" ad", out);
	if (h[1] & 0x0010)
		fputs(" cd", out);
	fprintf(out, "; QUERY: %u, ANSWER: %u, AUTHORITY: %u, ADDITIONAL: "
	    "%u\n\n", h[2], h[3], h[4], h[5]);

	/* OPT first, as dig shows it */
	for (o = r, i = 0; i < h[2]; i++) {
		dns_rd_skip_name(&o);
		dns_rd_skip(&o, DNS_QFIXED_LEN);
	}
	for (i = 0; o.err == 0 && i < (unsigned)h[3] + h[4] + h[5]; i++) {
		start = o.off;
		dns_rd_skip_name(&o);
		type = dns_rd_u16(&o);
		class = dns_rd_u16(&o);
		ttl = dns_rd_u32(&o);
		rdlen = dns_rd_u16(&o);
		if (o.err == 0 && type == DNS_T_OPT && msg[start] == 0 &&
		    rdlen <= len - o.off) {
			print_opt(out, &o, rdlen, class, ttl);
			putc('\n', out);
		}
		dns_rd_skip(&o, rdlen);
	}

	fprintf(out, ";; QUESTION SECTION:\n");
	for (i = 0; i < h[2] && r.err == 0; i++) {
		dns_rd_name(&r, name, sizeof(name));
		type = dns_rd_u16(&r);
		class = dns_rd_u16(&r);
		if (r.err == 0)
			fprintf(out, ";%s\t\t\t%s\t%s\n", name, class == 1 ?
			    "IN" : "?", dp_type_name(type, tb, sizeof(tb)));
	}
	for (k = 0; k < 3 && r.err == 0; k++) {
		/* a section header with its first RR that is not the OPT */
		for (shown = i = 0; i < h[3 + k] && r.err == 0; i++) {
			o = r;
			dns_rd_skip_name(&o);
			if (dns_rd_u16(&o) == DNS_T_OPT && o.err == 0) {
				r = o;
				dns_rd_skip(&r, 6);
				dns_rd_skip(&r, dns_rd_u16(&r));
				continue;
			}
			if (!shown++)
				fprintf(out, "\n;; %s SECTION:\n", sect[k]);
			print_rr(out, &r);
		}
	}
	if (r.err != 0) {
		fprintf(out, ";; malformed message (at byte %zu of %zu)\n",
		    r.off, len);
		return -1;
	}
	return 0;
}
