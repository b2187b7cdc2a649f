/* SPDX-License-Identifier: MIT */
/*
 * t_dnsprint.c: dnsprint.c, what `dotfwd query` shows: type and rcode
 * names both ways, names to wire form, base64, and a whole answer in
 * dig's presentation (compared byte for byte), malformed ones included.
 */
#include <stdio.h>
#include <stdlib.h>

#include "dnsprint.h"
#include "fmt.h"
#include "t.h"

/*
 * id 0x1234, qr aa rd ra ad; a.test A; answers A, AAAA, MX (a name
 * compressed to .test), TXT (quote, backslash, a control byte), a type
 * without a name (RFC 3597); authority SOA (compressed names); OPT with
 * DO, keepalive 20 (2 s) and 4 bytes of padding.
 */
static const char msg_hex[] =
    "123485a0 0001 0005 0001 0001 016104746573740000010001"
    "c00c000100010000003c0004c0000201"
    "c00c001c00010000003c001020010db8000000000000000000000001"
    "c00c000f00010000012c0009000a046d61696cc00e"
    "c00c001000010000003c000a076869202278225c0107"
    "c00cff0000010000003c0003010203"
    "c00e000600010000003c0021026e73c00e0561646d696ec00e0000000100000e10"
    "00000258000151800000003c"
    "00002904d000008000000e000b00020014000c000400000000";

static const char msg_text[] =
    ";; ->>HEADER<<- opcode: QUERY, status: NOERROR, id: 4660\n"
    ";; flags: qr aa rd ra ad; QUERY: 1, ANSWER: 5, AUTHORITY: 1, "
    "ADDITIONAL: 1\n"
    "\n"
    ";; OPT PSEUDOSECTION:\n"
    "; EDNS: version: 0, flags: do; udp: 1232\n"
    "; TCP-KEEPALIVE: 2.0 secs\n"
    "; PADDING: 4 bytes\n"
    "\n"
    ";; QUESTION SECTION:\n"
    ";a.test.\t\t\tIN\tA\n"
    "\n"
    ";; ANSWER SECTION:\n"
    "a.test.\t\t60\tIN\tA\t192.0.2.1\n"
    "a.test.\t\t60\tIN\tAAAA\t2001:db8::1\n"
    "a.test.\t\t300\tIN\tMX\t10 mail.test.\n"
    "a.test.\t\t60\tIN\tTXT\t\"hi \\\"x\\\"\\\\\" \"\\007\"\n"
    "a.test.\t\t60\tIN\tTYPE65280\t\\# 3 010203\n"
    "\n"
    ";; AUTHORITY SECTION:\n"
    "test.\t\t60\tIN\tSOA\tns.test. admin.test. 1 3600 600 86400 60\n";

static char out[8192];

/* dp_print() into out; its return value. */
static int
print(const uint8_t *m, size_t len)
{
	struct fmt_out o;

	fmt_out_mem(&o, out, sizeof(out));
	return dp_print(&o, m, len);
}

static int
t_types(void)
{
	char b[16];

	T_EQ_INT(dp_type_value("AAAA"), 28);
	T_EQ_INT(dp_type_value("aaaa"), 28);
	T_EQ_INT(dp_type_value("Https"), 65);
	T_EQ_INT(dp_type_value("TYPE65280"), 65280);
	T_EQ_INT(dp_type_value("type1"), 1);
	T_EQ_INT(dp_type_value("TYPE65536"), -1);
	T_EQ_INT(dp_type_value("AAA"), -1);
	T_EQ_INT(dp_type_value(""), -1);
	T_EQ_STR(dp_type_name(15, b, sizeof(b)), "MX");
	T_EQ_STR(dp_type_name(999, b, sizeof(b)), "TYPE999");
	T_EQ_STR(dp_rcode_name(3, b, sizeof(b)), "NXDOMAIN");
	T_EQ_STR(dp_rcode_name(16, b, sizeof(b)), "BADVERS");
	T_EQ_STR(dp_rcode_name(12, b, sizeof(b)), "RCODE12");
	return 0;
}

static int
t_names(void)
{
	uint8_t w[300], want[300];
	char longname[300];
	size_t n;

	n = t_unhex("03777777076578616d706c6503636f6d00", want, sizeof(want));
	T_EQ_INT(dp_name_to_wire("www.example.com", w, sizeof(w)), (int)n);
	T_EQ_HEX(w, n, want, n);
	T_EQ_INT(dp_name_to_wire("www.example.com.", w, sizeof(w)), (int)n);
	T_EQ_HEX(w, n, want, n);
	T_EQ_INT(dp_name_to_wire(".", w, sizeof(w)), 1);
	T_EQ_INT(w[0], 0);
	/* escapes: a dot inside a label, a byte by number */
	n = t_unhex("03612e62015c0178037a7a7a00", want, sizeof(want));
	T_EQ_INT(dp_name_to_wire("a\\.b.\\092.\\120.zzz", w, sizeof(w)),
	    (int)n);
	T_EQ_HEX(w, n, want, n);
	T_EQ_INT(dp_name_to_wire("a..b", w, sizeof(w)), -1);
	T_EQ_INT(dp_name_to_wire(".a", w, sizeof(w)), -1);
	T_EQ_INT(dp_name_to_wire("", w, sizeof(w)), -1);
	T_EQ_INT(dp_name_to_wire("a\\256", w, sizeof(w)), -1);
	/* a label of 64, a name over 255 bytes */
	memset(longname, 'x', 64);
	longname[64] = '\0';
	T_EQ_INT(dp_name_to_wire(longname, w, sizeof(w)), -1);
	longname[63] = '\0';
	T_EQ_INT(dp_name_to_wire(longname, w, sizeof(w)), 65);
	memset(longname, 'x', 260);
	for (n = 63; n < 260; n += 64)
		longname[n] = '.';
	longname[260] = '\0';
	T_EQ_INT(dp_name_to_wire(longname, w, sizeof(w)), -1);
	return 0;
}

static int
t_base64(void)
{
	char b[64];

	dp_base64((const uint8_t *)"", 0, b, sizeof(b));
	T_EQ_STR(b, "");
	dp_base64((const uint8_t *)"f", 1, b, sizeof(b));
	T_EQ_STR(b, "Zg==");
	dp_base64((const uint8_t *)"fo", 2, b, sizeof(b));
	T_EQ_STR(b, "Zm8=");
	dp_base64((const uint8_t *)"foobar", 6, b, sizeof(b));
	T_EQ_STR(b, "Zm9vYmFy");
	return 0;
}

static int
t_print(void)
{
	uint8_t m[512];
	size_t n;

	n = t_unhex(msg_hex, m, sizeof(m));
	T_EQ_INT(print(m, n), 0);
	T_EQ_STR(out, msg_text);
	return 0;
}

/* DNSSEC and CAA layouts: type names, dates, hex, base64, strings. */
static int
t_layouts(void)
{
	uint8_t m[512];
	size_t n;

	n = t_unhex("0001 8180 0001 0003 0000 0000 017400 002e 0001"
	    "c00c 002e 0001 0000003c 0019 0001 0d 02 00000e10 6955b900"
	    "692cda80 3039 017400 01020304"
	    "c00c 002b 0001 0000003c 0007 3039 0d 02 abcdef"
	    "c00c 0101 0001 0000003c 0011 00 05 6973737565"
	    "63612e6578616d706c65", m, sizeof(m));
	T_EQ_INT(print(m, n), 0);
	T_ASSERT(strstr(out, "t.\t\t60\tIN\tRRSIG\tA 13 2 3600 "
	    "20260101000000 20251201000000 12345 t. AQIDBA==\n") != NULL);
	T_ASSERT(strstr(out, "t.\t\t60\tIN\tDS\t12345 13 2 ABCDEF\n") !=
	    NULL);
	T_ASSERT(strstr(out, "t.\t\t60\tIN\tCAA\t0 issue \"ca.example\"\n")
	    != NULL);
	/* an A record of 3 bytes is shown as data, not as an address */
	n = t_unhex("0001 8180 0001 0001 0000 0000 017400 0001 0001"
	    "c00c 0001 0001 0000003c 0003 c00002", m, sizeof(m));
	T_EQ_INT(print(m, n), 0);
	T_ASSERT(strstr(out, "\tA\t\\# 3 C00002\n") != NULL);
	return 0;
}

/* What can be read is shown, then where it broke; never past the end. */
static int
t_malformed(void)
{
	uint8_t m[512];
	size_t n, k;

	n = t_unhex(msg_hex, m, sizeof(m));
	T_EQ_INT(print(m, 5), -1);
	T_EQ_STR(out, ";; a message of 5 bytes: no DNS header\n");
	for (k = 12; k < n; k++)
		T_EQ_INT(print(m, k), -1);
	T_ASSERT(strstr(out, ";; malformed message") != NULL);
	/* a pointer to itself in the first answer */
	m[24] = 0xc0;
	m[25] = 24;
	T_EQ_INT(print(m, n), -1);
	return 0;
}

static const struct t_case cases[] = {
	{ "types",	t_types },
	{ "names",	t_names },
	{ "base64",	t_base64 },
	{ "print",	t_print },
	{ "layouts",	t_layouts },
	{ "malformed",	t_malformed },
};

T_MAIN("dnsprint", cases)
