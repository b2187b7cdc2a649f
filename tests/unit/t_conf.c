/* SPDX-License-Identifier: MIT */
/*
 * t_conf.c: unit tests of the configuration (conf.c, uci.c, opt.c,
 * addr.c): the UCI tokenizer, uci semantics
 * (lists, deletes, merges, anonymous sections), every option's valid and
 * invalid values, limits, required settings, the dump, addr_match and
 * addr_str.  Messages are captured with fmemopen.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "fmt.h"
#include "opt.h"
#include "t.h"

/* A valid upstream, appended so that the lines before it stay put. */
#define UP	"config upstream 'q'\n\toption address '9.9.9.9'\n" \
		"\toption auth_name 'dns.quad9.net'\n"

static struct conf c;
static char errbuf[16384];
static int
parse_len(const char *s, size_t len)
{
	struct fmt_out e;

	fmt_out_mem(&e, errbuf, sizeof(errbuf));
	return conf_parse(&c, "t.conf", s, len, &e);
}

static int
parse(const char *s)
{
	return parse_len(s, strlen(s));
}

/* Messages must contain 'want' (a whole line or part of one). */
#define T_MSG(want) do {						\
	if (strstr(errbuf, (want)) == NULL)				\
		T_FAIL("message \"%s\" missing; got:\n%s", (want),	\
		    errbuf);						\
} while (0)

#define T_NOMSG() do {							\
	if (errbuf[0] != '\0')						\
		T_FAIL("unexpected messages:\n%s", errbuf);		\
} while (0)

static const char *
addr(const struct addr *a)
{
	static char buf[ADDR_STR_CAP];

	return addr_str(a, buf, sizeof(buf));
}

static int
t_defaults(void)
{
	conf_defaults(&c);
	T_EQ_INT(c.n_listen, 2);
	T_EQ_STR(addr(&c.listen[0]), "127.0.0.1:5453");
	T_EQ_STR(addr(&c.listen[1]), "[::1]:5453");
	T_EQ_INT(c.listen[0].len, sizeof(struct sockaddr_in));
	T_EQ_INT(c.listen[1].len, sizeof(struct sockaddr_in6));
	T_EQ_INT(c.n_allow, 8);
	T_EQ_INT(c.allow[0].family, AF_INET);
	T_EQ_INT(c.allow[0].prefix, 8);
	T_EQ_INT(c.allow[7].family, AF_INET6);
	T_EQ_INT(c.allow[7].prefix, 10);
	T_EQ_INT(c.timeout_ms, 2500);
	T_EQ_INT(c.idle_timeout_ms, 9000);
	T_EQ_INT(c.connections, 1);
	T_EQ_INT(c.policy, CONF_POLICY_ORDERED);
	T_EQ_INT(c.padding, 128);
	T_EQ_STR(c.ca_file, "");
	T_EQ_INT(c.max_inflight, 256);
	T_EQ_INT(c.max_tcp_clients, 32);
	T_EQ_INT(c.source_tcp, 8);
	T_EQ_INT(c.source_inflight, 64);
	T_EQ_INT(c.max_udp_size, 1232);
	T_EQ_INT(c.log_level, 2);
	T_EQ_INT(c.n_up, 0);
	T_EQ_INT(c.srv.present, 0);
	return 0;
}

static int
t_minimal(void)
{
	T_EQ_INT(parse(UP), 0);
	T_NOMSG();
	T_EQ_STR(c.file, "t.conf");
	T_EQ_INT(c.n_up, 1);
	T_EQ_STR(c.up[0].name, "q");
	T_EQ_INT(c.up[0].line, 1);
	T_EQ_INT(c.up[0].n_addr, 1);
	T_EQ_STR(addr(&c.up[0].addr[0]), "9.9.9.9:853");
	T_EQ_STR(c.up[0].auth_name, "dns.quad9.net");
	T_EQ_INT(c.up[0].enabled, 1);
	T_EQ_INT(c.up[0].n_pin, 0);
	T_EQ_INT(c.n_listen, 2);
	T_EQ_INT(c.n_allow, 8);
	return 0;
}

static int
t_tok_concat(void)
{
	T_EQ_INT(parse("config upstream q\n"
	    "option address 9.9.'9'\".9\"\n"
	    "option auth_name \"dns\"'.'quad9.net\n"), 0);
	T_EQ_STR(addr(&c.up[0].addr[0]), "9.9.9.9:853");
	T_EQ_STR(c.up[0].auth_name, "dns.quad9.net");
	return 0;
}

static int
t_tok_escapes(void)
{
	/* double quotes: backslash keeps the next byte */
	T_EQ_INT(parse("config dotfwd main\n"
	    "option ca_file \"/a\\\"b\\\\c\\n\"\n" UP), 0);
	T_EQ_STR(c.ca_file, "/a\"b\\cn");
	/* single quotes: no escapes at all */
	T_EQ_INT(parse("config dotfwd main\n"
	    "option ca_file '/a\\b\\'\n" UP), 0);
	T_EQ_STR(c.ca_file, "/a\\b\\");
	/* unquoted: backslash keeps the next byte, blank included */
	T_EQ_INT(parse("config dotfwd main\n"
	    "option ca_file /a\\ b\\#c\\;d\\'e\n" UP), 0);
	T_EQ_STR(c.ca_file, "/a b#c;d'e");
	/* uci's own '\'' */
	T_EQ_INT(parse("config dotfwd main\n"
	    "option ca_file '/it'\\''s'\n" UP), 0);
	T_EQ_STR(c.ca_file, "/it's");
	/* an empty quoted word is a word */
	T_EQ_INT(parse("config dotfwd main\noption ca_file '' \n" UP), 0);
	T_EQ_STR(c.ca_file, "");
	return 0;
}

static int
t_tok_comments(void)
{
	T_EQ_INT(parse("# head\n"
	    "   # indented\n"
	    "config dotfwd 'main' # after\n"
	    "\toption timeout_ms 3000#glued\n"
	    "\toption ca_file '/x#y' # kept inside quotes\n"
	    "#option padding 0\n" UP), 0);
	T_NOMSG();
	T_EQ_INT(c.timeout_ms, 3000);
	T_EQ_STR(c.ca_file, "/x#y");
	T_EQ_INT(c.padding, 128);
	/* a comment does not continue with a backslash */
	T_EQ_INT(parse("config dotfwd main # c \\\n"
	    "option padding 0\n" UP), 0);
	T_EQ_INT(c.padding, 0);
	return 0;
}

static int
t_tok_continuation(void)
{
	T_EQ_INT(parse("config dotfwd main\n"
	    "option timeout_ms \\\n3000\n"
	    "option padding 2\\\n56\n"
	    "option bogus 1\n" UP), 0);
	T_EQ_INT(c.timeout_ms, 3000);
	T_EQ_INT(c.padding, 256);
	T_MSG("t.conf:6: warning: unknown option 'bogus' in section 'main'");
	/* CR-LF after the backslash too */
	T_EQ_INT(parse("config dotfwd main\r\n"
	    "option timeout_ms 30\\\r\n00\r\n" UP), 0);
	T_EQ_INT(c.timeout_ms, 3000);
	/* inside double quotes both are dropped */
	T_EQ_INT(parse("config dotfwd main\n"
	    "option ca_file \"/a\\\nb\"\n"
	    "option x 1\n" UP), 0);
	T_EQ_STR(c.ca_file, "/ab");
	T_MSG("t.conf:4: warning: unknown option 'x'");
	return 0;
}

static int
t_tok_multiline(void)
{
	/* a newline inside quotes is part of the value */
	T_EQ_INT(parse("config dotfwd main\n"
	    "option ca_file '/a\n"
	    "b'\n"
	    "option padding 9x\n" UP), 2);
	T_MSG("t.conf:2: invalid ca_file '/a\\nb': expected a path");
	T_MSG("t.conf:4: invalid padding '9x'");
	T_EQ_INT(parse("config dotfwd main\n"
	    "option auth \"x\n\ny\"; option padding 600\n" UP), 1);
	T_MSG("t.conf:2: warning: unknown option 'auth'");
	T_MSG("t.conf:4: invalid padding '600': expected an integer "
	    "0..512");
	return 0;
}

static int
t_tok_semicolon(void)
{
	T_EQ_INT(parse("config upstream q; option address 9.9.9.9 ;"
	    "option auth_name 'dns.quad9.net';list pin "
	    "sha256/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n"), 0);
	T_NOMSG();
	T_EQ_STR(c.up[0].auth_name, "dns.quad9.net");
	T_EQ_INT(c.up[0].n_pin, 1);
	/* a quoted ';' is data */
	T_EQ_INT(parse("config dotfwd main; option ca_file '/a;b'\n" UP),
	    0);
	T_EQ_STR(c.ca_file, "/a;b");
	/* empty commands are fine */
	T_EQ_INT(parse(";;\n ; ;\n" UP), 0);
	return 0;
}

static int
t_tok_crlf(void)
{
	T_EQ_INT(parse("config dotfwd 'main'\r\n"
	    "\toption timeout_ms '3000'\r\n"
	    "\r\n"
	    "config upstream 'q'\r\n"
	    "\tlist address '9.9.9.9'\r\n"
	    "\toption auth_name 'dns.quad9.net'\r\n"), 0);
	T_NOMSG();
	T_EQ_INT(c.timeout_ms, 3000);
	T_EQ_STR(c.up[0].auth_name, "dns.quad9.net");
	return 0;
}

static int
t_tok_unterminated(void)
{
	T_EQ_INT(parse(UP "config dotfwd main\n"
	    "option ca_file 'abc\n"
	    "def\n"), 1);
	T_MSG("t.conf:5: unterminated ' quote");
	T_EQ_INT(parse(UP "option ca_file \"abc\\\"\n\n"), 1);
	T_MSG("t.conf:4: unterminated \" quote");
	T_EQ_INT(parse(UP "option ca_file \"abc\\"), 1);
	T_MSG("t.conf:4: unterminated \" quote");
	/* a backslash at the very end outside quotes is dropped */
	T_EQ_INT(parse(UP "option auth_name dns.quad9.net\\"), 0);
	return 0;
}

static int
t_tok_control(void)
{
	static const char nul[] = "config dotfwd main\noption x '\0'\n" UP;

	T_EQ_INT(parse("config dotfwd main\n\x01\x02\nok\n\x1b\n" UP), 2);
	T_MSG("t.conf:2: invalid control character 0x01");
	T_MSG("t.conf:4: invalid control character 0x1b");
	T_ASSERT(strstr(errbuf, "0x02") == NULL);
	T_EQ_INT(parse_len(nul, sizeof(nul) - 1), 1);
	T_MSG("t.conf:2: invalid control character 0x00");
	/* tab, CR and LF are fine; DEL and UTF-8 too (in a comment) */
	T_EQ_INT(parse("# caf\xc3\xa9 \x7f\n\t\r\n" UP), 0);
	return 0;
}

static int
t_commands(void)
{
	/* one-letter abbreviations and package */
	T_EQ_INT(parse("p dotfwd\n"
	    "package dotfwd\n"
	    "c dotfwd main\n"
	    "o timeout_ms 3000\n"
	    "l listen 127.0.0.1:53\n"
	    "c upstream q\n"
	    "o address 9.9.9.9\n"
	    "o auth_name dns.quad9.net\n"), 0);
	T_NOMSG();
	T_EQ_INT(c.timeout_ms, 3000);
	T_EQ_INT(c.n_listen, 1);
	T_EQ_INT(parse("opt x y\n"
	    "configure dotfwd\n"
	    "'config' x\n"
	    "package\n"
	    "package a b\n" UP), 4);
	T_MSG("t.conf:1: invalid command 'opt': expected config, option "
	    "or list");
	T_MSG("t.conf:2: invalid command 'configure'");
	T_MSG("t.conf:3: warning: unknown section type 'x'");
	T_MSG("t.conf:4: 'package' needs a name");
	T_MSG("t.conf:5: too many arguments to 'package'");
	T_ASSERT(strstr(errbuf, "t.conf:3: invalid") == NULL);
	T_EQ_INT(parse("option timeout_ms 1\nlist allow ::1\n" UP), 2);
	T_MSG("t.conf:1: 'option' before the first 'config' line");
	T_MSG("t.conf:2: 'list' before the first 'config' line");
	return 0;
}

static int
t_syntax_errors(void)
{
	T_EQ_INT(parse("config\n"
	    "config ''\n"
	    "config a b c\n"
	    "config dotfwd bad-name\n"
	    "option timeout_ms x\n"
	    "config dotfwd main\n"
	    "option\n"
	    "option '' 1\n"
	    "option timeout_ms 1 2\n"
	    "option time-out 1\n"
	    "list a.b 1\n"
	    "config dotfwd 'a\"b'\n"
	    "config '\x7f' x\n" UP), 11);
	T_MSG("t.conf:1: 'config' needs a section type\n");
	T_MSG("t.conf:2: 'config' needs a section type\n");
	T_MSG("t.conf:3: too many arguments to 'config'\n");
	T_MSG("t.conf:4: invalid section name 'bad-name': use letters, "
	    "digits and '_'\n");
	T_MSG("t.conf:7: 'option' needs an option name\n");
	T_MSG("t.conf:8: 'option' needs an option name\n");
	T_MSG("t.conf:9: too many arguments to 'option' (quote a value "
	    "that contains blanks)\n");
	T_MSG("t.conf:10: invalid option name 'time-out'");
	T_MSG("t.conf:11: invalid option name 'a.b'");
	T_MSG("t.conf:12: invalid section name 'a\"b'");
	T_MSG("t.conf:13: invalid section type '\\x7f'");
	/* options of a bad section are dropped without more noise */
	T_ASSERT(strstr(errbuf, "t.conf:5:") == NULL);
	/* a long section name */
	T_EQ_INT(parse("config dotfwd "
	    "a234567890123456789012345678901234567890123456789012345678901234"
	    "\n" UP), 1);
	T_MSG("t.conf:1: section name 'a2345678901234567890123456789012"
	    "34567890123456789012345678901234' is too long (max 63 "
	    "characters)");
	T_EQ_INT(parse("config dotfwd "
	    "a23456789012345678901234567890123456789012345678901234567890123"
	    "\n" UP), 0);
	return 0;
}

static int
t_list_replaces_default(void)
{
	T_EQ_INT(parse("config dotfwd main\n"
	    "list listen '192.168.1.1:53'\n"
	    "list listen '[fd00::1]:53'\n"
	    "list allow '192.168.1.0/24'\n" UP), 0);
	T_EQ_INT(c.n_listen, 2);
	T_EQ_STR(addr(&c.listen[0]), "192.168.1.1:53");
	T_EQ_STR(addr(&c.listen[1]), "[fd00::1]:53");
	T_EQ_INT(c.n_allow, 1);
	T_EQ_INT(c.allow[0].prefix, 24);
	/* option on a list item: a list of one */
	T_EQ_INT(parse("config dotfwd main\n"
	    "option listen '0.0.0.0:53'\n" UP), 0);
	T_EQ_INT(c.n_listen, 1);
	T_EQ_STR(addr(&c.listen[0]), "0.0.0.0:53");
	return 0;
}

static int
t_list_semantics(void)
{
	/* option then list: the old value becomes the first item */
	T_EQ_INT(parse("config upstream q\n"
	    "option address 1.1.1.1\n"
	    "list address 1.0.0.1\n"
	    "option auth_name one.one.one.one\n"), 0);
	T_EQ_INT(c.up[0].n_addr, 2);
	T_EQ_STR(addr(&c.up[0].addr[0]), "1.1.1.1:853");
	T_EQ_STR(addr(&c.up[0].addr[1]), "1.0.0.1:853");
	/* list then option: replaced by the single value */
	T_EQ_INT(parse("config upstream q\n"
	    "list address 1.1.1.1\n"
	    "list address 1.0.0.1\n"
	    "option address 8.8.8.8\n"
	    "option auth_name dns.google\n"), 0);
	T_EQ_INT(c.up[0].n_addr, 1);
	T_EQ_STR(addr(&c.up[0].addr[0]), "8.8.8.8:853");
	/* option '' deletes: back to the default */
	T_EQ_INT(parse("config dotfwd main\n"
	    "option timeout_ms 3000\n"
	    "list listen 127.0.0.1:53\n"
	    "option timeout_ms ''\n"
	    "option listen\n" UP), 0);
	T_EQ_INT(c.timeout_ms, 2500);
	T_EQ_INT(c.n_listen, 2);
	/* a list after a delete starts over */
	T_EQ_INT(parse("config dotfwd main\n"
	    "list listen 127.0.0.1:53\n"
	    "option listen ''\n"
	    "list listen 127.0.0.1:54\n" UP), 0);
	T_EQ_INT(c.n_listen, 1);
	T_EQ_STR(addr(&c.listen[0]), "127.0.0.1:54");
	/* deleting what does not exist is no error */
	T_EQ_INT(parse("config dotfwd main\noption nothing ''\n" UP), 0);
	T_NOMSG();
	/* a later option overwrites, and a bad value overwritten is fine */
	T_EQ_INT(parse("config dotfwd main\n"
	    "option timeout_ms bad\n"
	    "option timeout_ms 4000\n" UP), 0);
	T_EQ_INT(c.timeout_ms, 4000);
	/* list '' is an empty item */
	T_EQ_INT(parse("config dotfwd main\nlist listen ''\n" UP), 1);
	T_MSG("t.conf:2: invalid listen '': expected ADDR:PORT, IPv6 as "
	    "[ADDR]:PORT");
	/* a single-valued option given as a list */
	T_EQ_INT(parse("config dotfwd main\n"
	    "option padding 0\n"
	    "list padding 1\n" UP), 1);
	T_MSG("t.conf:2: 'padding' takes one value: use 'option', not "
	    "'list'");
	return 0;
}

static int
t_anonymous(void)
{
	T_EQ_INT(parse("config upstream\n"
	    "option address 1.1.1.1\n"
	    "option auth_name cloudflare-dns.com\n"
	    "config upstream 'b'\n"
	    "option address 9.9.9.9\n"
	    "option auth_name dns.quad9.net\n"
	    "config upstream ''\n"
	    "option address 8.8.8.8\n"
	    "option auth_name dns.google\n"
	    "option what 1\n"
	    "config dotfwd\n"
	    "option x 1\n"), 0);
	T_EQ_INT(c.n_up, 3);
	T_EQ_STR(c.up[0].name, "@upstream[0]");
	T_EQ_STR(c.up[1].name, "b");
	T_EQ_STR(c.up[2].name, "@upstream[2]");
	T_EQ_INT(c.up[2].line, 7);
	T_MSG("t.conf:10: warning: unknown option 'what' in section "
	    "'@upstream[2]'");
	T_MSG("t.conf:12: warning: unknown option 'x' in section "
	    "'@dotfwd[0]'");
	return 0;
}

static int
t_merge(void)
{
	/* same name: uci re-opens the section */
	T_EQ_INT(parse("config dotfwd main\n"
	    "option timeout_ms 3000\n"
	    UP
	    "config dotfwd main\n"
	    "option padding 0\n"
	    "config upstream q\n"
	    "list pin sha256/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n"),
	    0);
	T_NOMSG();
	T_EQ_INT(c.timeout_ms, 3000);
	T_EQ_INT(c.padding, 0);
	T_EQ_INT(c.n_up, 1);
	T_EQ_INT(c.up[0].n_pin, 1);
	T_EQ_INT(c.up[0].line, 3);
	/* same name, other type */
	T_EQ_INT(parse(UP "config server q\noption cert /x\n"), 1);
	T_MSG("t.conf:4: section 'q' was declared with type 'upstream' at "
	    "line 1");
	T_EQ_INT(c.srv.present, 0);
	/* two different dotfwd sections */
	T_EQ_INT(parse("config dotfwd main\n"
	    "config dotfwd other\n"
	    "option timeout_ms 100\n" UP), 1);
	T_MSG("t.conf:2: second 'config dotfwd' section 'other': use one "
	    "(the first is 'main' at line 1)");
	T_EQ_INT(c.timeout_ms, 2500);
	return 0;
}

/* One option line in a section; NULL want means valid. */
struct vcase {
	const char	*sec;
	const char	*line;
	const char	*want;
};

static const struct vcase vcases[] = {
	{ "dotfwd", "option timeout_ms 100", NULL },
	{ "dotfwd", "option timeout_ms 60000", NULL },
	{ "dotfwd", "option timeout_ms 99", "invalid timeout_ms '99': "
	    "expected an integer 100..60000" },
	{ "dotfwd", "option timeout_ms 60001", "integer 100..60000" },
	{ "dotfwd", "option timeout_ms 12x", "invalid timeout_ms '12x'" },
	{ "dotfwd", "option timeout_ms -1", "invalid timeout_ms '-1'" },
	{ "dotfwd", "option timeout_ms ' 100'", "invalid timeout_ms ' 100'" },
	{ "dotfwd", "option timeout_ms 0x100", "invalid timeout_ms" },
	{ "dotfwd", "option timeout_ms 99999999999999999999",
	    "invalid timeout_ms" },
	{ "dotfwd", "option timeout_ms 0000001000", NULL },
	{ "dotfwd", "option idle_timeout_ms 0", NULL },
	{ "dotfwd", "option idle_timeout_ms 3600000", NULL },
	{ "dotfwd", "option idle_timeout_ms 3600001", "integer 0..3600000" },
	{ "dotfwd", "option connections 8", NULL },
	{ "dotfwd", "option connections 0", "integer 1..8" },
	{ "dotfwd", "option connections 9", "integer 1..8" },
	{ "dotfwd", "option policy roundrobin", NULL },
	{ "dotfwd", "option policy fastest", NULL },
	{ "dotfwd", "option policy random", "invalid policy 'random': "
	    "expected ordered, roundrobin or fastest" },
	{ "dotfwd", "option policy Ordered", "invalid policy" },
	{ "dotfwd", "option padding 0", NULL },
	{ "dotfwd", "option padding 512", NULL },
	{ "dotfwd", "option padding 513", "integer 0..512" },
	{ "dotfwd", "option ca_file /etc/ssl/certs/ca-certificates.crt",
	    NULL },
	{ "dotfwd", "option ca_file \"a\tb\"", "invalid ca_file 'a\\tb'" },
	{ "dotfwd", "option max_inflight 4096", NULL },
	{ "dotfwd", "option max_inflight 4097", "integer 1..4096" },
	{ "dotfwd", "option max_inflight 0", "integer 1..4096" },
	{ "dotfwd", "option max_tcp_clients 1024", NULL },
	{ "dotfwd", "option max_tcp_clients 1025", "integer 1..1024" },
	{ "dotfwd", "option source_tcp 1", NULL },
	{ "dotfwd", "option source_tcp 0", "integer 1..1024" },
	{ "dotfwd", "option source_inflight 4096", NULL },
	{ "dotfwd", "option source_inflight 4097", "integer 1..4096" },
	{ "dotfwd", "option max_udp_size 512", NULL },
	{ "dotfwd", "option max_udp_size 511", "integer 512..4096" },
	{ "dotfwd", "option max_udp_size 65535", "integer 512..4096" },
	{ "dotfwd", "option log_level error", NULL },
	{ "dotfwd", "option log_level warning", "invalid log_level "
	    "'warning': expected error, warn, info or debug" },
	{ "dotfwd", "option log_level 3", "invalid log_level" },
	{ "dotfwd", "option enabled 1", NULL },
	{ "dotfwd", "option dnsmasq no", NULL },
	{ "dotfwd", "option intercept off", NULL },
	{ "dotfwd", "option intercept maybe", "invalid intercept 'maybe': "
	    "expected 1/0, yes/no, on/off, true/false or enabled/disabled" },
	{ "dotfwd", "list listen 1.2.3.4:53", NULL },
	{ "dotfwd", "list listen [::]:53", NULL },
	{ "dotfwd", "list listen 1.2.3.4", "invalid listen '1.2.3.4'" },
	{ "dotfwd", "list listen ::1", "invalid listen '::1'" },
	{ "dotfwd", "list listen [::1]", "invalid listen '[::1]'" },
	{ "dotfwd", "list listen 1.2.3.4:0", "invalid listen" },
	{ "dotfwd", "list listen 1.2.3.4:65536", "invalid listen" },
	{ "dotfwd", "list listen 1.2.3.4:", "invalid listen" },
	{ "dotfwd", "list listen localhost:53", "invalid listen" },
	{ "dotfwd", "list listen 1.2.3.04:53", "invalid listen" },
	{ "dotfwd", "list listen [1.2.3.4]:53", "invalid listen" },
	{ "dotfwd", "list listen [::1]x", "invalid listen" },
	{ "dotfwd", "list listen [::1:53", "invalid listen" },
	{ "dotfwd", "list listen fe80::1%eth0", "invalid listen" },
	{ "dotfwd", "list allow 10.0.0.0/8", NULL },
	{ "dotfwd", "list allow 0.0.0.0/0", NULL },
	{ "dotfwd", "list allow ::/0", NULL },
	{ "dotfwd", "list allow 192.168.1.7", NULL },
	{ "dotfwd", "list allow 2001:db8::/32", NULL },
	{ "dotfwd", "list allow 10.0.0.0/33", "invalid allow '10.0.0.0/33': "
	    "expected an IPv4 or IPv6 address with an optional /PREFIX" },
	{ "dotfwd", "list allow ::/129", "invalid allow" },
	{ "dotfwd", "list allow 10.0.0.0/", "invalid allow" },
	{ "dotfwd", "list allow 10.0.0.0/+8", "invalid allow" },
	{ "dotfwd", "list allow 10/8", "invalid allow" },
	{ "dotfwd", "list allow lan", "invalid allow" },
	{ "upstream", "option address 1.1.1.1", NULL },
	{ "upstream", "option address 1.1.1.1:8853", NULL },
	{ "upstream", "option address 2606:4700::1111", NULL },
	{ "upstream", "option address [2606:4700::1111]", NULL },
	{ "upstream", "option address [2606:4700::1111]:853", NULL },
	{ "upstream", "option address ::ffff:1.1.1.1", NULL },
	{ "upstream", "option address dns.google", "invalid address "
	    "'dns.google': expected an IP address with an optional :PORT "
	    "(default 853), IPv6 as [ADDR]:PORT; names are not looked up" },
	{ "upstream", "option address 1.1.1.1:dot", "invalid address" },
	{ "upstream", "option address 1.1.1", "invalid address" },
	{ "upstream", "option address 256.1.1.1", "invalid address" },
	{ "upstream", "option auth_name dns.google", NULL },
	{ "upstream", "option auth_name dns.google.", NULL },
	{ "upstream", "option auth_name localhost", NULL },
	{ "upstream", "option auth_name xn--80ak6aa92e.com", NULL },
	{ "upstream", "option auth_name dns..google", "invalid auth_name "
	    "'dns..google': expected a DNS name such as dns.example.net "
	    "(letters, digits and '-')" },
	{ "upstream", "option auth_name .dns.google", "invalid auth_name" },
	{ "upstream", "option auth_name dns.google..", "invalid auth_name" },
	{ "upstream", "option auth_name -dns.google", "invalid auth_name" },
	{ "upstream", "option auth_name dns-.google", "invalid auth_name" },
	{ "upstream", "option auth_name dns_1.google", "invalid auth_name" },
	{ "upstream", "option auth_name '*.google'", "invalid auth_name" },
	{ "upstream", "option auth_name 'dns google'", "invalid auth_name" },
	{ "upstream", "option auth_name .", "invalid auth_name" },
	{ "upstream", "option auth_name 1.1.1.1", "invalid auth_name "
	    "'1.1.1.1': an IP address cannot be checked by BearSSL" },
	{ "upstream", "option auth_name 2606:4700::1111",
	    "an IP address cannot be checked" },
	{ "upstream", "option auth_name "
	    "a23456789012345678901234567890123456789012345678901234567890123"
	    ".net", NULL },
	{ "upstream", "option auth_name "
	    "a234567890123456789012345678901234567890123456789012345678901234"
	    ".net", "invalid auth_name" },
	{ "upstream", "list pin sha256/47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZ"
	    "G3hSuFU=", NULL },
	{ "upstream", "list pin 47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",
	    "invalid pin '47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=': "
	    "expected sha256/ and the base64 of 32 bytes (44 characters)" },
	{ "upstream", "list pin sha256/47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZ"
	    "G3hSuFV=", "invalid pin" },
	{ "upstream", "list pin sha256/47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZ"
	    "G3hSuF==", "invalid pin" },
	{ "upstream", "list pin sha256/47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZ"
	    "G3hSuFU", "invalid pin" },
	{ "upstream", "list pin sha256/47DEQpj8HBSa-_TImW+5JCeuQeRkm5NMpJWZ"
	    "G3hSuFU=", "invalid pin" },
	{ "upstream", "list pin sha1/47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZ"
	    "G3hSuFU=", "invalid pin" },
	{ "upstream", "list pin sha256/", "invalid pin" },
	{ "upstream", "option enabled yes", NULL },
	{ "upstream", "option enabled true", NULL },
	{ "upstream", "option enabled on", NULL },
	{ "upstream", "option enabled enabled", NULL },
	{ "upstream", "option enabled Yes", "invalid enabled 'Yes'" },
	{ "upstream", "option enabled 2", "invalid enabled '2'" },
	{ "server", "option backend 127.0.0.1:8853", NULL },
	{ "server", "option backend 127.0.0.1", NULL },
	{ "server", "option backend [::1]:53", NULL },
	{ "server", "option backend nameserver", "invalid backend "
	    "'nameserver': expected an IP address with an optional :PORT "
	    "(default 53)" },
	{ "server", "option cert /etc/dotfwd/server.crt", NULL },
	{ "server", "list listen 1.2.3.4", "invalid listen '1.2.3.4': "
	    "expected ADDR:PORT, IPv6 as [ADDR]:PORT" },
};

static int
t_values(void)
{
	char buf[1024], want[512], name[64];
	const struct vcase *v;
	size_t i;
	int n;

	for (i = 0; i < nitems(vcases); i++) {
		v = &vcases[i];
		/* the line under test is line 2; the rest stays valid */
		if (strcmp(v->sec, "upstream") == 0)
			snprintf(buf, sizeof(buf), "config upstream t\n%s\n"
			    "list address 9.9.9.9\n%s\n", v->line,
			    strstr(v->line, "auth_name") != NULL ? "" :
			    "option auth_name dns.quad9.net");
		else if (strcmp(v->sec, "server") == 0)
			snprintf(buf, sizeof(buf), "config server\n%s\n"
			    "option key /k\nlist listen 0.0.0.0:853\n%s\n"
			    UP, v->line, strstr(v->line, "cert") != NULL ?
			    "" : "option cert /c");
		else
			snprintf(buf, sizeof(buf), "config dotfwd main\n%s\n"
			    UP, v->line);
		n = parse(buf);
		if (v->want == NULL) {
			if (n != 0 || errbuf[0] != '\0')
				T_FAIL("case %zu \"%s\": want valid, got %d:"
				    "\n%s", i, v->line, n, errbuf);
			continue;
		}
		/* "t.conf:2: invalid NAME '", then the rest anywhere */
		if (sscanf(v->line, "%*s %63s", name) != 1)
			abort();
		snprintf(want, sizeof(want), "t.conf:2: invalid %s '", name);
		if (n != 1 || strncmp(errbuf, want, strlen(want)) != 0 ||
		    strstr(errbuf, v->want) == NULL)
			T_FAIL("case %zu \"%s\": want 1 error \"%s\", got %d:"
			    "\n%s", i, v->line, want, n, errbuf);
	}
	return 0;
}

static int
t_fields(void)
{
	uint8_t pin[32];
	size_t n_pin;

	T_EQ_INT(parse("config dotfwd main\n"
	    "option timeout_ms 1500\n"
	    "option idle_timeout_ms 0\n"
	    "option connections 3\n"
	    "option policy fastest\n"
	    "option padding 0\n"
	    "option ca_file /etc/ssl/cert.pem\n"
	    "option max_inflight 1000\n"
	    "option max_tcp_clients 5\n"
	    "option log_level debug\n"
	    "config upstream g\n"
	    "list address '[2001:4860:4860::8888]:8853'\n"
	    "option auth_name dns.google.\n"
	    "list pin sha256/47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n"
	    "option enabled off\n" UP), 0);
	T_EQ_INT(c.timeout_ms, 1500);
	T_EQ_INT(c.idle_timeout_ms, 0);
	T_EQ_INT(c.connections, 3);
	T_EQ_INT(c.policy, CONF_POLICY_FASTEST);
	T_EQ_INT(c.padding, 0);
	T_EQ_STR(c.ca_file, "/etc/ssl/cert.pem");
	T_EQ_INT(c.max_inflight, 1000);
	T_EQ_INT(c.max_tcp_clients, 5);
	T_EQ_INT(c.log_level, 3);
	T_EQ_INT(c.n_up, 2);
	T_EQ_STR(c.up[0].auth_name, "dns.google");
	T_EQ_INT(c.up[0].enabled, 0);
	T_EQ_INT(c.up[0].addr[0].u.sa.sa_family, AF_INET6);
	T_EQ_INT(ntohs(c.up[0].addr[0].u.sin6.sin6_port), 8853);
	T_EQ_INT(c.up[0].n_pin, 1);
	/* SHA-256 of nothing, the base64 above */
	n_pin = t_unhex("e3b0c442 98fc1c14 9afbf4c8 996fb924 "
	    "27ae41e4 649b934c a495991b 7852b855", pin, sizeof(pin));
	T_EQ_HEX(c.up[0].pin[0], 32, pin, n_pin);
	T_EQ_INT(c.up[1].enabled, 1);
	T_EQ_INT(parse("config dotfwd main\noption policy roundrobin\n"
	    "option log_level warn\n" UP), 0);
	T_EQ_INT(c.policy, CONF_POLICY_ROUNDROBIN);
	T_EQ_INT(c.log_level, 1);
	return 0;
}

static int
t_host_bits(void)
{
	T_EQ_INT(parse("config dotfwd main\n"
	    "list allow 192.168.1.77/24\n"
	    "list allow 2001:db8::1/32\n"
	    "list allow 10.1.2.3\n" UP), 0);
	T_MSG("t.conf:2: warning: allow '192.168.1.77/24' has host bits "
	    "set; using 192.168.1.0/24");
	T_MSG("t.conf:3: warning: allow '2001:db8::1/32' has host bits set; "
	    "using 2001:db8::/32");
	T_EQ_INT(c.n_allow, 3);
	T_EQ_INT(c.allow[2].prefix, 32);
	return 0;
}

static int
t_duplicates(void)
{
	T_EQ_INT(parse("config dotfwd main\n"
	    "list listen 127.0.0.1:53\n"
	    "list listen [::1]:53\n"
	    "list listen [0:0::1]:53\n" UP), 1);
	T_MSG("t.conf:4: duplicate listen '[0:0::1]:53' in section 'main'");
	T_EQ_INT(parse("config upstream q\n"
	    "list address 9.9.9.9\n"
	    "list address 9.9.9.9:853\n"
	    "list address 9.9.9.9:8853\n"
	    "option auth_name dns.quad9.net\n"), 1);
	T_MSG("t.conf:3: duplicate address '9.9.9.9:853'");
	return 0;
}

static int
t_limits(void)
{
	char buf[8192];
	size_t o;
	int i;

	o = (size_t)snprintf(buf, sizeof(buf), "config dotfwd main\n");
	for (i = 0; i <= CONF_MAX_LISTEN; i++)
		o += (size_t)snprintf(buf + o, sizeof(buf) - o,
		    "list listen 127.0.0.1:%d\n", 1000 + i);
	for (i = 0; i <= CONF_MAX_ALLOW; i++)
		o += (size_t)snprintf(buf + o, sizeof(buf) - o,
		    "list allow 10.%d.0.0/16\n", i);
	snprintf(buf + o, sizeof(buf) - o, UP);
	T_EQ_INT(parse(buf), 2);
	T_MSG("t.conf:18: too many listen values in section 'main' (max 16)");
	T_MSG("t.conf:51: too many allow values in section 'main' (max 32)");
	T_EQ_INT(c.n_listen, CONF_MAX_LISTEN);
	T_EQ_INT(c.n_allow, CONF_MAX_ALLOW);

	o = 0;
	for (i = 0; i <= CONF_MAX_UPSTREAMS; i++)
		o += (size_t)snprintf(buf + o, sizeof(buf) - o,
		    "config upstream\nlist address 10.0.0.%d\n"
		    "option auth_name x.net\n", i);
	T_EQ_INT(parse(buf), 1);
	T_MSG("t.conf:49: too many upstream sections (max 16)\n");
	T_EQ_INT(c.n_up, CONF_MAX_UPSTREAMS);

	o = (size_t)snprintf(buf, sizeof(buf), "config upstream q\n"
	    "option auth_name x.net\n");
	for (i = 0; i <= CONF_MAX_ADDRS; i++)
		o += (size_t)snprintf(buf + o, sizeof(buf) - o,
		    "list address 10.0.0.%d\n", i);
	for (i = 0; i <= CONF_MAX_PINS; i++)
		o += (size_t)snprintf(buf + o, sizeof(buf) - o,
		    "list pin sha256/%cAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
		    "AAA=\n", 'A' + i);
	T_EQ_INT(parse(buf), 2);
	T_MSG("t.conf:11: too many address values in section 'q' (max 8)");
	T_MSG("t.conf:20: too many pin values in section 'q' (max 8)");

	/* sections and options of unknown kinds are bounded too */
	o = (size_t)snprintf(buf, sizeof(buf), UP);
	for (i = 0; i < 70; i++)
		o += (size_t)snprintf(buf + o, sizeof(buf) - o,
		    "config other\n");
	T_EQ_INT(parse(buf), 1);
	T_MSG("t.conf:66: warning: unknown section type 'other'\n"
	    "t.conf:67: too many sections (max 64)\n");
	o = (size_t)snprintf(buf, sizeof(buf), UP);
	for (i = 0; i < 64; i++)
		o += (size_t)snprintf(buf + o, sizeof(buf) - o,
		    "option o%d 1\n", i);
	T_EQ_INT(parse(buf), 2);
	T_MSG("t.conf:65: warning: unknown option 'o61' in section 'q'\n"
	    "t.conf:66: too many options in one section (max 64)\n"
	    "t.conf:67: too many options in one section (max 64)\n");
	return 0;
}

static int
t_file_size(void)
{
	static char big[CONF_FILE_MAX + 1];
	size_t i;

	for (i = 0; i < sizeof(big); i++)
		big[i] = i % 64 == 63 ? '\n' : '#';
	T_EQ_INT(parse_len(big, sizeof(big)), 1);
	T_EQ_STR(errbuf, "t.conf: too big (over 262144 bytes)\n");
	/* exactly at the limit is read (and lacks an upstream) */
	T_EQ_INT(parse_len(big, sizeof(big) - 1), 1);
	T_EQ_STR(errbuf, "t.conf:1: no enabled upstream: add a 'config "
	    "upstream' section with address and auth_name\n");
	return 0;
}

static int
t_required(void)
{
	T_EQ_INT(parse(""), 1);
	T_EQ_STR(errbuf, "t.conf:1: no enabled upstream: add a 'config "
	    "upstream' section with address and auth_name\n");
	T_EQ_INT(parse("\n\nconfig dotfwd main\n"), 1);
	T_MSG("t.conf:3: no enabled upstream");
	T_EQ_INT(parse("config dotfwd main\nconfig upstream x\n"
	    "option enabled 0\noption address 1.1.1.1\n"), 1);
	T_MSG("t.conf:1: no enabled upstream");
	/* a disabled upstream may be incomplete */
	T_EQ_INT(parse("config upstream x\noption enabled 0\n" UP), 0);
	T_EQ_INT(parse("config upstream 'cloudflare'\n"
	    "list address 1.1.1.1\n"), 1);
	T_EQ_STR(errbuf, "t.conf:1: upstream 'cloudflare' needs auth_name: "
	    "BearSSL cannot check IP addresses, and an empty name would "
	    "disable the certificate name check\n");
	T_EQ_INT(parse("config upstream\noption auth_name x.net\n"), 1);
	T_EQ_STR(errbuf, "t.conf:1: upstream '@upstream[0]' needs an "
	    "address, e.g. list address '9.9.9.9'\n");
	/* auth_name deleted again */
	T_EQ_INT(parse(UP "option auth_name ''\n"), 1);
	T_MSG("t.conf:1: upstream 'q' needs auth_name");
	return 0;
}

static int
t_server(void)
{
	T_EQ_INT(parse(UP "config server\n"
	    "list listen 0.0.0.0:853\n"
	    "list listen [::]:853\n"
	    "option cert /etc/dotfwd/server.crt\n"
	    "option key /etc/dotfwd/server.key\n"
	    "option backend 127.0.0.1\n"), 0);
	T_EQ_INT(c.srv.present, 1);
	T_EQ_INT(c.srv.line, 4);
	T_EQ_INT(c.srv.n_listen, 2);
	T_NOMSG();
	T_EQ_STR(addr(&c.srv.listen[1]), "[::]:853");
	T_EQ_STR(c.srv.cert, "/etc/dotfwd/server.crt");
	T_EQ_STR(c.srv.key, "/etc/dotfwd/server.key");
	T_EQ_INT(c.srv.has_backend, 1);
	T_EQ_STR(addr(&c.srv.backend), "127.0.0.1:53");
	/* the lines -t and start-up name when the files are bad */
	T_EQ_INT(c.srv.cert_line, 7);
	T_EQ_INT(c.srv.key_line, 8);
	T_EQ_INT(c.srv.max_clients, 16);
	T_EQ_INT(c.srv.idle_timeout_ms, 10000);
	T_EQ_INT(parse(UP "config server\nlist listen 127.0.0.1:853\n"
	    "option cert /c\noption key /k\noption max_clients 1024\n"
	    "option idle_timeout_ms 3600000\n"), 0);
	T_EQ_INT(c.srv.max_clients, 1024);
	T_EQ_INT(c.srv.idle_timeout_ms, 3600000);
	T_EQ_INT(parse(UP "config server\nlist listen 127.0.0.1:853\n"
	    "option cert /c\noption key /k\noption max_clients 1025\n"
	    "option idle_timeout_ms 99\n"), 2);
	T_MSG("t.conf:8: invalid max_clients '1025': expected an integer "
	    "1..1024\n");
	T_MSG("t.conf:9: invalid idle_timeout_ms '99': expected an integer "
	    "100..3600000\n");
	/* main's listener owns the TCP socket of its address */
	T_EQ_INT(parse(UP "config server\nlist listen 127.0.0.1:5453\n"
	    "option cert /c\noption key /k\n"), 1);
	T_MSG("t.conf:4: server listen 127.0.0.1:5453 is also a listen "
	    "address of 'config dotfwd'\n");
	/* ... whichever comes first in the file */
	T_EQ_INT(parse(UP "config server\nlist listen 127.0.0.1:53\n"
	    "option cert /c\noption key /k\nconfig dotfwd main\n"
	    "list listen 127.0.0.1:53\n"), 1);
	T_MSG("is also a listen address of 'config dotfwd'");
	T_EQ_INT(parse(UP "config server 'dot'\noption backend ''\n"), 3);
	T_MSG("t.conf:4: server 'dot' needs listen, e.g. list listen "
	    "'0.0.0.0:853'\n");
	T_MSG("t.conf:4: server 'dot' needs cert: the PEM certificate "
	    "chain\n");
	T_MSG("t.conf:4: server 'dot' needs key: the PEM private key\n");
	T_EQ_INT(c.srv.has_backend, 0);
	T_EQ_INT(parse(UP "config server\noption cert /c\noption key /k\n"
	    "list listen 0.0.0.0:853\nconfig server\n"), 1);
	T_MSG("t.conf:8: second 'config server' section '@server[1]': use "
	    "one (the first is at line 4)");
	return 0;
}

static int
t_unknown(void)
{
	T_EQ_INT(parse("config dotfwd main\n"
	    "option foo 1\n"
	    "list bar 2\n"
	    "list bar 3\n"
	    "config https-dns-proxy\n"
	    "option whatever 1\n" UP), 0);
	T_EQ_STR(errbuf,
	    "t.conf:2: warning: unknown option 'foo' in section 'main'\n"
	    "t.conf:3: warning: unknown option 'bar' in section 'main'\n"
	    "t.conf:5: warning: unknown section type 'https-dns-proxy'\n");
	return 0;
}

static int
t_order(void)
{
	/* messages come out in line order, whatever found them */
	T_EQ_INT(parse("config upstream q\n"
	    "option address x\n"
	    "bogus\n"
	    "option enabled nah\n"), 4);
	T_EQ_STR(errbuf,
	    "t.conf:1: upstream 'q' needs auth_name: BearSSL cannot check IP "
	    "addresses, and an empty name would disable the certificate name "
	    "check\n"
	    "t.conf:2: invalid address 'x': expected an IP address with an "
	    "optional :PORT (default 853), IPv6 as [ADDR]:PORT; names are "
	    "not looked up\n"
	    "t.conf:3: invalid command 'bogus': expected config, option or "
	    "list\n"
	    "t.conf:4: invalid enabled 'nah': expected 1/0, yes/no, on/off, "
	    "true/false or enabled/disabled\n");
	return 0;
}

static int
t_too_many_messages(void)
{
	char buf[4096];
	size_t o = 0;
	int i;

	for (i = 0; i < 120; i++)
		o += (size_t)snprintf(buf + o, sizeof(buf) - o, "x\n");
	snprintf(buf + o, sizeof(buf) - o, UP);
	T_EQ_INT(parse(buf), 120);
	T_MSG("t.conf:100: invalid command 'x'");
	T_ASSERT(strstr(errbuf, "t.conf:101:") == NULL);
	T_MSG("\nt.conf: 20 more errors and warnings not shown\n");
	return 0;
}

static int
t_show(void)
{
	T_EQ_INT(parse("config dotfwd main\n"
	    "option log_level '\xc3\xa9t\xc3\xa9'\n"
	    "option ca_file '"
	    "/0123456789012345678901234567890123456789012345678901234567890"
	    "123456789012345678901234567890123456789012345678901234567890123"
	    "456789012345678901234567890123456789012345678901234567890123456"
	    "789012345678901234567890123456789012345678901234567890123456789"
	    "012345"
	    "'\n" UP), 2);
	T_MSG("t.conf:2: invalid log_level '\\xc3\\xa9t\\xc3\\xa9'");
	T_MSG("t.conf:3: invalid ca_file '/012345678901234567890123456789"
	    "012345678901234567890123456789012...': expected a path of at "
	    "most 255 bytes");
	return 0;
}

static int
t_dump(void)
{
	static char out1[8192], out2[8192];
	struct fmt_out o;

	T_EQ_INT(parse("config dotfwd main\n"
	    "list listen 127.0.0.1:53\n"
	    "option ca_file \"/it's\"\n"
	    "option policy roundrobin\n"
	    "option enabled 1\n"
	    "config upstream\n"
	    "list address 2606:4700:4700::1111\n"
	    "option auth_name cloudflare-dns.com\n"
	    "list pin sha256/47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n"
	    "config server\n"
	    "list listen 0.0.0.0:853\n"
	    "option cert /c\n"
	    "option key /k\n"
	    "option backend ::1\n"), 0);
	fmt_out_mem(&o, out1, sizeof(out1));
	conf_dump(&c, &o);
	T_EQ_INT(o.cut, 0);
	T_EQ_STR(out1,
	    "config dotfwd 'main'\n"
	    "\tlist listen '127.0.0.1:53'\n"
	    "\tlist allow '127.0.0.0/8'\n"
	    "\tlist allow '::1/128'\n"
	    "\tlist allow '10.0.0.0/8'\n"
	    "\tlist allow '172.16.0.0/12'\n"
	    "\tlist allow '192.168.0.0/16'\n"
	    "\tlist allow '100.64.0.0/10'\n"
	    "\tlist allow 'fc00::/7'\n"
	    "\tlist allow 'fe80::/10'\n"
	    "\toption timeout_ms '2500'\n"
	    "\toption idle_timeout_ms '9000'\n"
	    "\toption connections '1'\n"
	    "\toption policy 'roundrobin'\n"
	    "\toption padding '128'\n"
	    "\toption ca_file '/it'\\''s'\n"
	    "\toption max_inflight '256'\n"
	    "\toption max_tcp_clients '32'\n"
	    "\toption source_tcp '8'\n"
	    "\toption source_inflight '64'\n"
	    "\toption max_udp_size '1232'\n"
	    "\toption log_level 'info'\n"
	    "\n"
	    "config upstream\n"
	    "\tlist address '[2606:4700:4700::1111]:853'\n"
	    "\toption auth_name 'cloudflare-dns.com'\n"
	    "\tlist pin 'sha256/47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='\n"
	    "\toption enabled '1'\n"
	    "\n"
	    "config server\n"
	    "\tlist listen '0.0.0.0:853'\n"
	    "\toption cert '/c'\n"
	    "\toption key '/k'\n"
	    "\toption backend '[::1]:53'\n"
	    "\toption max_clients '16'\n"
	    "\toption idle_timeout_ms '10000'\n");
	/* the dump reads back to the same configuration */
	T_EQ_INT(parse(out1), 0);
	T_NOMSG();
	fmt_out_mem(&o, out2, sizeof(out2));
	conf_dump(&c, &o);
	T_EQ_STR(out2, out1);
	return 0;
}

static int
t_addr_str(void)
{
	static const struct {
		const char	*in;
		const char	*want;
	} v[] = {
		{ "1.2.3.4:1", "1.2.3.4:1" },
		{ "[::]:1", "[::]:1" },
		{ "[::1]:1", "[::1]:1" },
		{ "[1::]:1", "[1::]:1" },
		{ "[2001:DB8:0:0:1:0:0:1]:1", "[2001:db8::1:0:0:1]:1" },
		{ "[2001:db8:0:1:1:1:1:1]:1", "[2001:db8:0:1:1:1:1:1]:1" },
		{ "[2001:0:0:1:0:0:0:1]:1", "[2001:0:0:1::1]:1" },
		{ "[0:0:1:0:0:1:0:0]:1", "[::1:0:0:1:0:0]:1" },
		{ "[1:0:0:0:0:0:0:0]:65535", "[1::]:65535" },
		{ "[::ffff:10.0.0.1]:53", "[::ffff:10.0.0.1]:53" },
		{ "[::10.0.0.1]:53", "[::a00:1]:53" },
		{ "[fe80::0001:00ab]:53", "[fe80::1:ab]:53" },
	};
	struct addr a;
	char buf[ADDR_STR_CAP], small[8];
	size_t i;
	int n;

	for (i = 0; i < nitems(v); i++) {
		snprintf(buf, sizeof(buf), "config dotfwd main\n"
		    "list listen '%s'\n", v[i].in);
		n = parse(buf);
		T_EQ_INT(n, 1);		/* just the missing upstream */
		T_EQ_STR(addr_str(&c.listen[0], buf, sizeof(buf)),
		    v[i].want);
	}
	/* a short buffer is cut, still terminated */
	T_EQ_STR(addr_str(&c.listen[0], small, sizeof(small)),
	    "[fe80::");
	memset(&a, 0, sizeof(a));
	T_EQ_STR(addr_str(&a, buf, sizeof(buf)), "?");
	return 0;
}

static int
t_allowed(void)
{
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;
	struct sockaddr_un_like {
		sa_family_t	fam;
		char		pad[32];
	} other;
	static const struct {
		const char	*ip;
		int		 want;
	} v[] = {
		{ "127.0.0.1", 1 },
		{ "10.255.255.255", 1 },
		{ "172.16.0.1", 1 },
		{ "172.32.0.1", 0 },
		{ "192.168.200.1", 1 },
		{ "100.64.0.1", 1 },
		{ "100.128.0.1", 0 },
		{ "8.8.8.8", 0 },
		{ "::1", 1 },
		{ "::2", 0 },
		{ "fd12:3456::1", 1 },
		{ "fe80::1", 1 },
		{ "febf::1", 1 },
		{ "fec0::1", 0 },
		{ "2001:db8::1", 0 },
		{ "::ffff:192.168.1.1", 0 },	/* forged: not IPv4 */
		{ "::ffff:127.0.0.1", 0 },
		{ "::ffff:8.8.8.8", 0 },
		{ "::192.168.1.1", 0 },
	};
	size_t i;
	int got;

	conf_defaults(&c);
	for (i = 0; i < nitems(v); i++) {
		if (strchr(v[i].ip, ':') == NULL) {
			memset(&sin, 0, sizeof(sin));
			sin.sin_family = AF_INET;
			T_ASSERT(inet_pton(AF_INET, v[i].ip,
			    &sin.sin_addr) == 1);
			got = addr_match(c.allow, c.n_allow, (struct sockaddr *)&sin);
		} else {
			memset(&sin6, 0, sizeof(sin6));
			sin6.sin6_family = AF_INET6;
			T_ASSERT(inet_pton(AF_INET6, v[i].ip,
			    &sin6.sin6_addr) == 1);
			got = addr_match(c.allow, c.n_allow, (struct sockaddr *)&sin6);
		}
		if (got != v[i].want)
			T_FAIL("%s: want %d, got %d", v[i].ip, v[i].want, got);
	}
	memset(&other, 0, sizeof(other));
	other.fam = AF_UNIX;
	T_EQ_INT(addr_match(c.allow, c.n_allow, (struct sockaddr *)(void *)&other), 0);

	/* everything, and a prefix that is not byte-aligned */
	T_EQ_INT(parse("config dotfwd main\nlist allow 0.0.0.0/0\n"
	    "list allow 2001:db8:8000::/33\n" UP), 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	T_EQ_INT(addr_match(c.allow, c.n_allow, (struct sockaddr *)&sin), 1);
	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	inet_pton(AF_INET6, "2001:db8:ffff::1", &sin6.sin6_addr);
	T_EQ_INT(addr_match(c.allow, c.n_allow, (struct sockaddr *)&sin6), 1);
	inet_pton(AF_INET6, "2001:db8:7fff::1", &sin6.sin6_addr);
	T_EQ_INT(addr_match(c.allow, c.n_allow, (struct sockaddr *)&sin6), 0);
	/* a v4 prefix (even 0.0.0.0/0) never matches a mapped source */
	inet_pton(AF_INET6, "::ffff:1.2.3.4", &sin6.sin6_addr);
	T_EQ_INT(addr_match(c.allow, c.n_allow, (struct sockaddr *)&sin6), 0);
	T_EQ_INT(parse("config dotfwd main\nlist allow ::ffff:0:0/96\n" UP),
	    0);
	sin.sin_addr.s_addr = htonl(0x01020304);
	T_EQ_INT(addr_match(c.allow, c.n_allow, (struct sockaddr *)&sin), 0);
	T_EQ_INT(addr_match(c.allow, c.n_allow, (struct sockaddr *)&sin6), 1);
	return 0;
}

static int
t_load(void)
{
	char path[] = "/tmp/t_conf.XXXXXX";
	struct fmt_out e;
	char junk[64];
	FILE *f;
	int fd, n;

	fmt_out_mem(&e, errbuf, sizeof(errbuf));
	n = conf_load(&c, "/nonexistent/dotfwd", &e);
	T_EQ_INT(n, 1);
	T_EQ_STR(errbuf, "/nonexistent/dotfwd: cannot open: no such file or "
	    "directory\n");

	fd = mkstemp(path);
	T_ASSERT(fd != -1);
	f = fdopen(fd, "w");
	T_ASSERT(f != NULL);
	fputs("config dotfwd main\n\toption padding 7x\n" UP, f);
	fclose(f);
	fmt_out_mem(&e, errbuf, sizeof(errbuf));
	n = conf_load(&c, path, &e);
	T_EQ_INT(n, 1);
	T_ASSERT(strncmp(errbuf, path, strlen(path)) == 0);
	T_MSG(":2: invalid padding '7x': expected an integer 0..512\n");
	T_EQ_STR(c.file, path);
	/* reloading from c->file itself */
	fmt_out_mem(&e, junk, sizeof(junk));
	T_EQ_INT(conf_load(&c, c.file, &e), 1);
	T_EQ_STR(c.file, path);
	unlink(path);

	/* a directory opens but cannot be read */
	fmt_out_mem(&e, errbuf, sizeof(errbuf));
	n = conf_load(&c, "/", &e);
	T_EQ_INT(n, 1);
	T_ASSERT(strncmp(errbuf, "/: cannot ", 10) == 0);
	return 0;
}

/* opt_getopt() over argv (NULL-terminated): "c" for an option, "c=ARG"
 * with its argument, "?c:WHY" for an error, then "#N" the index of the
 * first operand, all joined by blanks. */
static const char *
getopt_trace(char **argv, const char *spec)
{
	static char buf[256];
	struct opt_args g = { 1, 0, NULL, 0, NULL };
	struct fmt_out o;
	int argc, ch;

	for (argc = 0; argv[argc] != NULL; argc++)
		continue;
	fmt_out_mem(&o, buf, sizeof(buf));
	while ((ch = opt_getopt(&g, argc, argv, spec)) != -1) {
		if (ch == '?')
			fmt_printf(&o, "?%c:%s ", g.opt, g.why);
		else if (g.arg != NULL)
			fmt_printf(&o, "%c=%s ", ch, g.arg);
		else
			fmt_printf(&o, "%c ", ch);
	}
	fmt_printf(&o, "#%d", g.ind);
	return buf;
}

/* The command line's options: what musl's getopt(3) returns and says. */
static int
t_getopt(void)
{
	char *a1[] = { "p", "-t", "-vv", "-cFILE", "-c", "F2", "x", "-t",
	    NULL };
	char *a2[] = { "p", "-tvc", "F", "--", "-t", NULL };
	char *a3[] = { "p", "-x", "-t:", "-", "-t", NULL };
	char *a4[] = { "p", "-tc", NULL };
	char *a5[] = { "p", NULL };
	char *a6[] = { "p", "-c", "-t", "--", NULL };

	T_EQ_STR(getopt_trace(a1, "c:tv"), "t v v c=FILE c=F2 #6");
	T_EQ_STR(getopt_trace(a2, "c:tv"), "t v c=F #4");
	T_EQ_STR(getopt_trace(a3, "c:tv"),
	    "?x:unrecognized option t ?::unrecognized option #3");
	T_EQ_STR(getopt_trace(a4, "c:tv"),
	    "t ?c:option requires an argument #2");
	T_EQ_STR(getopt_trace(a5, "c:tv"), "#1");
	T_EQ_STR(getopt_trace(a6, "c:tv"), "c=-t #4");
	return 0;
}

static const struct t_case cases[] = {
	{ "getopt", t_getopt },
	{ "defaults", t_defaults },
	{ "minimal", t_minimal },
	{ "tok_concat", t_tok_concat },
	{ "tok_escapes", t_tok_escapes },
	{ "tok_comments", t_tok_comments },
	{ "tok_continuation", t_tok_continuation },
	{ "tok_multiline", t_tok_multiline },
	{ "tok_semicolon", t_tok_semicolon },
	{ "tok_crlf", t_tok_crlf },
	{ "tok_unterminated", t_tok_unterminated },
	{ "tok_control", t_tok_control },
	{ "commands", t_commands },
	{ "syntax_errors", t_syntax_errors },
	{ "list_replaces_default", t_list_replaces_default },
	{ "list_semantics", t_list_semantics },
	{ "anonymous", t_anonymous },
	{ "merge", t_merge },
	{ "values", t_values },
	{ "fields", t_fields },
	{ "host_bits", t_host_bits },
	{ "duplicates", t_duplicates },
	{ "limits", t_limits },
	{ "file_size", t_file_size },
	{ "required", t_required },
	{ "server", t_server },
	{ "unknown", t_unknown },
	{ "order", t_order },
	{ "too_many_messages", t_too_many_messages },
	{ "show", t_show },
	{ "dump", t_dump },
	{ "addr_str", t_addr_str },
	{ "allowed", t_allowed },
	{ "load", t_load },
};

T_MAIN("conf", cases)
