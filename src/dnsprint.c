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
#include "fmt.h"

#define DP_TTL_WIDTH	8

/*
 * RDATA layouts, one letter per field, printed with a blank between
 * them: a IPv4, 6 IPv6, n name, 1 2 4 unsigned of that many bytes, y a
 * type (2 bytes), T a time (4 bytes, RFC 4034 3.2), c a character-string
 * unquoted, C character-strings quoted to the end, r the rest quoted, h
 * the rest in hex, b the rest in base64.  NULL: RFC 3597 only.
 */
static const struct {
	uint16_t	 type;
	const char	*name;
	const char	*rdata;
} types[] = {
	{ 1, "A", "a" }, { 2, "NS", "n" }, { 5, "CNAME", "n" },
	{ 6, "SOA", "nn44444" }, { 12, "PTR", "n" }, { 13, "HINFO", "C" },
	{ 15, "MX", "2n" }, { 16, "TXT", "C" }, { 28, "AAAA", "6" },
	{ 33, "SRV", "222n" }, { 35, "NAPTR", NULL }, { 39, "DNAME", "n" },
	{ 41, "OPT", NULL }, { 43, "DS", "211h" }, { 46, "RRSIG", "y114TT2nb" },
	{ 47, "NSEC", NULL }, { 48, "DNSKEY", "211b" }, { 50, "NSEC3", NULL },
	{ 52, "TLSA", "111h" }, { 64, "SVCB", NULL }, { 65, "HTTPS", NULL },
	{ 99, "SPF", "C" }, { 251, "IXFR", NULL }, { 252, "AXFR", NULL },
	{ 255, "ANY", NULL }, { 257, "CAA", "1cr" },
};

static const char *const rcodes[] = { "NOERROR", "FORMERR", "SERVFAIL",
    "NXDOMAIN", "NOTIMP", "REFUSED", "YXDOMAIN", "YXRRSET", "NXRRSET",
    "NOTAUTH", "NOTZONE", NULL, NULL, NULL, NULL, NULL, "BADVERS" };
static const char *const opcodes[] = { "QUERY", "IQUERY", "STATUS", NULL,
    "NOTIFY", "UPDATE" };

static const char b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void	print_opt(struct fmt_out *, const uint8_t *, size_t, uint16_t,
		    uint32_t);
static uint16_t	skip_rr(struct dns_rd *, size_t *, uint16_t *);
static void	print_rr(struct fmt_out *, struct dns_rd *);
static int	rdata(struct fmt_out *, const uint8_t *, size_t, size_t,
		    const char *);
static void	put_hex(struct fmt_out *, const uint8_t *, size_t);
static void	put_b64(struct fmt_out *, const uint8_t *, size_t);
static void	put_string(struct fmt_out *, const uint8_t *, size_t);
static void	put_time(struct fmt_out *, uint32_t);
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
	fmt_snprintf(buf, cap, "TYPE%u", type);
	return buf;
}

/* see dnsprint.h */
const char *
dp_rcode_name(unsigned rcode, char *buf, size_t cap)
{
	if (rcode < nitems(rcodes) && rcodes[rcode] != NULL)
		return rcodes[rcode];
	fmt_snprintf(buf, cap, "RCODE%u", rcode);
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
put_hex(struct fmt_out *out, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		fmt_printf(out, "%02X", p[i]);
}

static void
put_b64(struct fmt_out *out, const uint8_t *p, size_t n)
{
	char buf[4 * 48 / 3 + 4];
	size_t k;

	/* in whole groups of 3 bytes, so the pieces join up */
	for (; n > 0; p += k, n -= k) {
		k = MIN(n, 48);
		dp_base64(p, k, buf, sizeof(buf));
		fmt_puts(out, buf);
	}
}

/* A character-string, quoted, '"' and '\' escaped, others as \DDD. */
static void
put_string(struct fmt_out *out, const uint8_t *p, size_t n)
{
	size_t i;

	fmt_putc(out, '"');
	for (i = 0; i < n; i++) {
		if (p[i] == '"' || p[i] == '\\')
			fmt_printf(out, "\\%c", p[i]);
		else if (p[i] < 0x20 || p[i] >= 0x7f)
			fmt_printf(out, "\\%03u", p[i]);
		else
			fmt_putc(out, p[i]);
	}
	fmt_putc(out, '"');
}

/* RRSIG times: YYYYMMDDHHMMSS UTC (RFC 4034 3.2); civil date from days
 * since 1970 in 32-bit integers (to 2106). */
static void
put_time(struct fmt_out *out, uint32_t t)
{
	uint32_t z = t / 86400 + 719468, era = z / 146097, doe, yoe, doy, mp;
	uint32_t s = t % 86400, y, m, d;

	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp < 10 ? mp + 3 : mp - 9;
	y = yoe + era * 400 + (m <= 2);
	fmt_printf(out, "%04u%02u%02u%02u%02u%02u", y, m, d, s / 3600,
	    s / 60 % 60, s % 60);
}

/*
 * RDATA at msg[off..off + n) by the 'layout' of its type (see types[]),
 * printed when out is not NULL (NULL: only check that it parses).
 * Returns 0, or -1 when the bytes do not fit the layout.
 */
static int
rdata(struct fmt_out *out, const uint8_t *msg, size_t off, size_t n,
    const char *layout)
{
	char name[DP_NAME_CAP], tb[16];
	size_t end = off + n, k;
	struct dns_rd r;
	const char *f;
	uint32_t v;

	dns_rd_init(&r, msg, end);
	r.off = off;
	for (f = layout; *f != '\0' && r.err == 0; f++) {
		if (out != NULL && f != layout)
			fmt_putc(out, ' ');
		k = end - r.off;
		switch (*f) {
		case 'a':
		case '6':
			k = *f == 'a' ? 4 : 16;
			dns_rd_skip(&r, k);
			if (out != NULL && r.err == 0)
				fmt_puts(out, addr_ip_str(k == 4 ? AF_INET :
				    AF_INET6, msg + r.off - k, name,
				    sizeof(name)));
			break;
		case 'n':
			dns_rd_name(&r, name, sizeof(name));
			if (out != NULL && r.err == 0)
				fmt_puts(out, name);
			break;
		case '1':
		case '2':
		case '4':
		case 'y':
		case 'T':
			v = *f == '1' ? dns_rd_u8(&r) : *f == '2' || *f == 'y' ?
			    dns_rd_u16(&r) : dns_rd_u32(&r);
			if (out == NULL || r.err != 0)
				break;
			if (*f == 'y')
				fmt_puts(out, dp_type_name(v, tb, sizeof(tb)));
			else if (*f == 'T')
				put_time(out, v);
			else
				fmt_printf(out, "%u", v);
			break;
		case 'c':
			k = dns_rd_u8(&r);
			dns_rd_skip(&r, k);
			if (out != NULL && r.err == 0)
				fmt_printf(out, "%.*s", (int)k,
				    (const char *)msg + r.off - k);
			break;
		case 'C':
			for (v = 0; r.err == 0 && r.off < end; v++) {
				k = dns_rd_u8(&r);
				dns_rd_skip(&r, k);
				if (out == NULL || r.err != 0)
					continue;
				if (v > 0)
					fmt_putc(out, ' ');
				put_string(out, msg + r.off - k, k);
			}
			break;
		default:	/* r h b: the rest */
			if (out != NULL && *f == 'r')
				put_string(out, msg + r.off, k);
			else if (out != NULL && *f == 'h')
				put_hex(out, msg + r.off, k);
			else if (out != NULL)
				put_b64(out, msg + r.off, k);
			r.off = end;
			break;
		}
	}
	return r.err == 0 && r.off == end ? 0 : -1;
}

/* One RR (not OPT) at the cursor, as a zone file line. */
static void
print_rr(struct fmt_out *out, struct dns_rd *r)
{
	char name[DP_NAME_CAP], tb[16];
	uint16_t type, class, rdlen;
	uint32_t ttl;
	size_t off, i;

	dns_rd_name(r, name, sizeof(name));
	type = dns_rd_u16(r);
	class = dns_rd_u16(r);
	ttl = dns_rd_u32(r);
	rdlen = dns_rd_u16(r);
	off = r->off;
	dns_rd_skip(r, rdlen);
	if (r->err != 0)
		return;
	fmt_printf(out, "%s\t%s%u\t", name, strlen(name) < DP_TTL_WIDTH ?
	    "\t" : "", ttl);
	if (class == 1)
		fmt_puts(out, "IN");
	else
		fmt_printf(out, "CLASS%u", class);
	fmt_printf(out, "\t%s\t", dp_type_name(type, tb, sizeof(tb)));
	for (i = 0; i < nitems(types) && types[i].type != type; i++)
		continue;
	if (i == nitems(types) || types[i].rdata == NULL ||
	    rdata(NULL, r->buf, off, rdlen, types[i].rdata) == -1) {
		fmt_printf(out, "\\# %u ", rdlen);
		put_hex(out, r->buf + off, rdlen);
	} else
		(void)rdata(out, r->buf, off, rdlen, types[i].rdata);
	fmt_putc(out, '\n');
}

/* The OPT RR's fields and options (RFC 6891 6.1.3), dig style. */
static void
print_opt(struct fmt_out *out, const uint8_t *p, size_t rdlen, uint16_t size,
    uint32_t ttl)
{
	size_t i, k;
	uint16_t code;

	fmt_printf(out, ";; OPT PSEUDOSECTION:\n; EDNS: version: %u, flags:%s; "
	    "udp: %u\n", (unsigned)(ttl >> 16 & 0xff),
	    (ttl & DNS_EDNS_DO) ? " do" : "", size);
	for (i = 0; i + DNS_OPTION_HDR_LEN <= rdlen; i += k) {
		code = dns_get16(p + i);
		k = dns_get16(p + i + 2);
		i += DNS_OPTION_HDR_LEN;
		if (k > rdlen - i)
			break;
		if (code == DNS_OPT_KEEPALIVE && k == 2)
			fmt_printf(out, "; TCP-KEEPALIVE: %u.%u secs\n",
			    dns_get16(p + i) / 10, dns_get16(p + i) % 10);
		else if (code == DNS_OPT_PADDING)
			fmt_printf(out, "; PADDING: %zu bytes\n", k);
		else {
			fmt_printf(out, "; OPT=%u: ", code);
			put_hex(out, p + i, k);
			fmt_putc(out, '\n');
		}
	}
	fmt_putc(out, '\n');
}

/* Skip one RR at the cursor; its type, and where its RDATA is. */
static uint16_t
skip_rr(struct dns_rd *r, size_t *rd, uint16_t *rdlen)
{
	uint16_t type;

	dns_rd_skip_name(r);
	type = dns_rd_u16(r);
	dns_rd_skip(r, 6);
	*rdlen = dns_rd_u16(r);
	*rd = r->off;
	dns_rd_skip(r, *rdlen);
	return type;
}

/* see dnsprint.h */
int
dp_print(struct fmt_out *out, const uint8_t *msg, size_t len)
{
	static const char *const sect[] = { "ANSWER", "AUTHORITY",
	    "ADDITIONAL" };
	static const struct {
		uint16_t	 bit;
		char		 name[4];
	} flags[] = { { DNS_F_QR, " qr" }, { DNS_F_AA, " aa" },
	    { DNS_F_TC, " tc" }, { DNS_F_RD, " rd" }, { DNS_F_RA, " ra" },
	    { 0x0020, " ad" }, { 0x0010, " cd" } };
	char name[DP_NAME_CAP], tb[16];
	struct dns_rd r, o;
	uint16_t h[6], rdlen;
	size_t opt = 0, rd, start;
	unsigned rcode, op, i, k, shown;

	dns_rd_init(&r, msg, len);
	for (i = 0; i < 6; i++)
		h[i] = dns_rd_u16(&r);
	if (r.err != 0) {
		fmt_printf(out, ";; a message of %zu bytes: no DNS header\n",
		    len);
		return -1;
	}
	/* find the OPT: its TTL has the extended rcode's upper bits */
	for (o = r, i = 0; i < h[2]; i++) {
		dns_rd_skip_name(&o);
		dns_rd_skip(&o, DNS_QFIXED_LEN);
	}
	rcode = DNS_F_RCODE(h[1]);
	for (i = 0; o.err == 0 && i < (unsigned)h[3] + h[4] + h[5]; i++) {
		start = o.off;
		if (skip_rr(&o, &rd, &rdlen) == DNS_T_OPT && o.err == 0 &&
		    msg[start] == 0 && opt == 0) {
			opt = start + 1;
			rcode |= (unsigned)msg[rd - 6] << 4;
		}
	}
	op = DNS_F_OPCODE(h[1]);
	fmt_printf(out, ";; ->>HEADER<<- opcode: ");
	if (op < nitems(opcodes) && opcodes[op] != NULL)
		fmt_puts(out, opcodes[op]);
	else
		fmt_printf(out, "OPCODE%u", op);
	fmt_printf(out, ", status: %s, id: %u\n;; flags:",
	    dp_rcode_name(rcode, tb, sizeof(tb)), h[0]);
	for (i = 0; i < nitems(flags); i++)
		if (h[1] & flags[i].bit)
			fmt_puts(out, flags[i].name);
	fmt_printf(out, "; QUERY: %u, ANSWER: %u, AUTHORITY: %u, ADDITIONAL: "
	    "%u\n\n", h[2], h[3], h[4], h[5]);
	if (opt != 0) {
		o = r;
		o.off = opt - 1;
		skip_rr(&o, &rd, &rdlen);
		print_opt(out, msg + rd, rdlen, dns_get16(msg + rd - 8),
		    (uint32_t)dns_get16(msg + rd - 6) << 16 |
		    dns_get16(msg + rd - 4));
	}

	fmt_puts(out, ";; QUESTION SECTION:\n");
	for (i = 0; i < h[2] && r.err == 0; i++) {
		dns_rd_name(&r, name, sizeof(name));
		rd = dns_rd_u16(&r);
		rdlen = dns_rd_u16(&r);
		if (r.err == 0)
			fmt_printf(out, ";%s\t\t\t%s\t%s\n", name, rdlen == 1 ?
			    "IN" : "?", dp_type_name((unsigned)rd, tb,
			    sizeof(tb)));
	}
	for (k = 0; k < 3 && r.err == 0; k++) {
		/* a section header with its first RR that is not the OPT */
		for (shown = i = 0; i < h[3 + k] && r.err == 0; i++) {
			if (r.off + 1 == opt) {
				skip_rr(&r, &rd, &rdlen);
				continue;
			}
			if (!shown++)
				fmt_printf(out, "\n;; %s SECTION:\n", sect[k]);
			print_rr(out, &r);
		}
	}
	if (r.err != 0) {
		fmt_printf(out, ";; malformed message (at byte %zu of %zu)\n",
		    r.off, len);
		return -1;
	}
	return 0;
}
