/* SPDX-License-Identifier: MIT */
/*
 * query.c: `dotfwd query` (see query.h).  The queries are slots of an
 * in-flight table of its own, written on one upstream-style connection
 * (upconn.c: connect, TLS, 2-byte framing) in the daemon's own form (OPT
 * with edns-tcp-keepalive, padded to 128-byte blocks); with -f up to
 * Q_WINDOW of them are out at once.  Answers are matched by ID and
 * question.  Output: dig's presentation (dnsprint.c) for one question,
 * a line per query and the totals for a file of them.
 */
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "dns.h"
#include "dnsedit.h"
#include "dnsprint.h"
#include "fmt.h"
#include "log.h"
#include "loop.h"
#include "mem.h"
#include "opt.h"
#include "qtab.h"
#include "query.h"
#include "ta.h"
#include "tls.h"
#include "upconn.h"

#define Q_TIMEOUT_MS	5000	/* connect, handshake, and each answer */
#define Q_WINDOW	256	/* -f: queries out at once */
#define Q_PAD_BLOCK	128	/* RFC 8467 4.1: queries */
#define Q_MAX_PINS	CONF_MAX_PINS
#define Q_LINE_CAP	1024	/* a line of the -f file */
#define Q_ERR_CAP	320
#define Q_PIN_CAP	(sizeof("sha256/") + 44)
#define Q_OUT_CAP	2048	/* stdout's buffer: a few answers */
#define Q_ERRBUF_CAP	256	/* stderr's: one message, mostly */
#define EX_NOINPUT_	66

struct q_item {
	uint16_t	 type;
	uint8_t		 wlen;
	uint8_t		 wire[DNS_NAME_WIRE_MAX];
};

static void	usage(const char *, const struct opt_args *) DEAD;
static int	add_item(const char *, const char *, const char *, int);
static char	*word(char **);
static void	*grow(void *, size_t, size_t);
static int	read_names(const char *, const char *);
static void	fill(void);
static void	on_ready(struct uc *);
static void	on_sent(struct uc *, int);
static void	on_answer(struct uc *, uint8_t *, size_t);
static void	on_fail(struct uc *, enum uc_fail, const char *);
static void	conn_line(void);
static void	pin_text(const uint8_t *, char *, size_t);
static void	qname(int, char *, size_t, unsigned *);
static uint64_t	q_next(void *);
static void	q_tick(void *, uint64_t);
static void	finish(void);

static const struct uc_ops ops = { on_ready, on_sent, on_answer, on_fail };
static const struct opt_row pin_row = { "pin", OPT_PIN_LIST, 0, 0, 0,
    Q_MAX_PINS, 0, NULL, NULL };

/* conf and uc are big: from the arena, so the daemon's bss stays small */
static struct conf	*conf;
static struct uc	*uc;
static struct qt	 qt;
static struct q_item	*items;
static size_t		 n_items, cap_items, n_next, n_done, n_answered;
static int		 batch;		/* -f */
static int		 insecure;	/* -k */
static struct cert_leaf	 leaf;		/* its CN and pin are printed */
static int		 n_pin;
static uint8_t		 pins[Q_MAX_PINS][32];
static const char	*auth = "";
static char		 server[ADDR_STR_CAP + CONF_NAME_CAP + 4];
static char		 server_dig[ADDR_STR_CAP + CONF_NAME_CAP + 4];
static const char	*banner_name;
static char		 err[Q_ERR_CAP];
static int		 failed;
static uint64_t		 t_first, t_last;
static uint32_t		 n_rcode[17];
static struct fmt_out	*qout, *qerr;	/* stdout, stderr: query_main's */

/* After what getopt(3) would have said, when it was a bad option. */
static void
usage(const char *argv0, const struct opt_args *g)
{
	if (g->why != NULL)
		fmt_printf(qerr, "%s: %s: %c\n", argv0, g->why, g->opt);
	fmt_puts(qerr, "usage: dotfwd query [-s ADDR[:PORT]] [-n AUTH_NAME] "
	    "[-C CAFILE] [-p PIN] [-k]\n"
	    "                    [-t TYPE] [-f NAMESFILE] [-c FILE] "
	    "[NAME [TYPE]]\n");
	exit(EX_USAGE_);
}

/* One question; 'where' names the file line for messages (or NULL). */
static int
add_item(const char *name, const char *type, const char *where, int dflt)
{
	struct q_item *it;
	void *p;
	int w, t = dflt;

	if (type != NULL && (t = dp_type_value(type)) == -1) {
		fmt_printf(qerr, "dotfwd query: %s%sunknown type '%s'\n",
		    where != NULL ? where : "", where != NULL ? ": " : "",
		    type);
		return -1;
	}
	if (n_items == cap_items) {
		cap_items = cap_items == 0 ? 16 : 2 * cap_items;
		if ((p = grow(items, n_items * sizeof(*items),
		    cap_items * sizeof(*items))) == NULL) {
			fmt_puts(qerr, "dotfwd query: out of memory\n");
			exit(EX_OS_);
		}
		items = p;
	}
	it = &items[n_items];
	if ((w = dp_name_to_wire(name, it->wire, sizeof(it->wire))) == -1) {
		fmt_printf(qerr, "dotfwd query: %s%s'%s' is not a domain "
		    "name\n", where != NULL ? where : "",
		    where != NULL ? ": " : "", name);
		return -1;
	}
	it->wlen = (uint8_t)w;
	it->type = (uint16_t)t;
	n_items++;
	return 0;
}

/* old (mem_temp, len bytes used, or NULL) moved into cap bytes, or NULL
 * (old stays). */
static void *
grow(void *old, size_t len, size_t cap)
{
	void *p;

	if ((p = mem_temp(cap)) == NULL)
		return NULL;
	if (old != NULL) {
		memcpy(p, old, len);
		mem_temp_free(old);
	}
	return p;
}

/* The next blank-separated word of *p (NUL-terminated in place), or
 * NULL at the end of the line or at a '#' comment. */
static char *
word(char **p)
{
	char *w;

	while (**p == ' ' || **p == '\t' || **p == '\r')
		(*p)++;
	if (**p == '\0' || **p == '#')
		return NULL;
	for (w = *p; **p != '\0' && **p != ' ' && **p != '\t' &&
	    **p != '\r'; (*p)++)
		continue;
	if (**p != '\0')
		*(*p)++ = '\0';
	return w;
}

/* -f: "name [type]" lines; blank lines and '#' comments skipped. */
static int
read_names(const char *path, const char *dflt_type)
{
	char where[Q_LINE_CAP], *buf = NULL, *line, *next, *p, *name, *type;
	size_t len = 0, cap = 0;
	int fd, lineno = 0, bad = 0, dflt;
	ssize_t n;

	dflt = dp_type_value(dflt_type);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		fmt_printf(qerr, "dotfwd query: %s: %s\n", path,
		    log_errstr(errno));
		exit(EX_NOINPUT_);
	}
	for (;;) {
		if (len + Q_LINE_CAP + 1 > cap) {
			cap = 2 * cap + Q_LINE_CAP + 1;
			if ((p = grow(buf, len, cap)) == NULL) {
				fmt_puts(qerr, "dotfwd query: out of "
				    "memory\n");
				exit(EX_OS_);
			}
			buf = p;
		}
		if ((n = read(fd, buf + len, cap - len - 1)) <= 0) {
			if (n == -1 && errno == EINTR)
				continue;
			break;
		}
		len += (size_t)n;
	}
	close(fd);
	buf[len] = '\0';
	for (line = buf; line != NULL && *line != '\0'; line = next) {
		lineno++;
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		fmt_snprintf(where, sizeof(where), "%s:%d", path, lineno);
		p = line;
		if ((name = word(&p)) == NULL)
			continue;
		type = word(&p);
		if (word(&p) != NULL) {
			fmt_printf(qerr, "dotfwd query: %s: expected 'name "
			    "[type]'\n", where);
			bad++;
		} else if (add_item(name, type, where, dflt) == -1)
			bad++;
	}
	mem_temp_free(buf);
	if (bad > 0)
		exit(EX_USAGE_);
	if (n_items == 0) {
		fmt_printf(qerr, "dotfwd query: %s: no names in it\n", path);
		exit(EX_USAGE_);
	}
	return 0;
}

/* Queue questions while the window has room (the pump writes them). */
static void
fill(void)
{
	uint8_t buf[DNS_HDR_LEN + DNS_NAME_WIRE_MAX + DNS_QFIXED_LEN];
	struct qt_slot *s;
	struct q_item *it;
	struct dns_msg m;
	size_t len;
	int i;

	while (n_next < n_items && !failed &&
	    (i = qt_alloc(&qt, loop_now(), Q_TIMEOUT_MS)) != -1) {
		it = &items[n_next++];
		s = &qt.slot[i];
		memset(buf, 0, DNS_HDR_LEN);
		dns_put16(buf + DNS_OFF_FLAGS, DNS_F_RD);
		dns_put16(buf + DNS_OFF_QD, 1);
		memcpy(buf + DNS_HDR_LEN, it->wire, it->wlen);
		len = DNS_HDR_LEN + it->wlen;
		dns_put16(buf + len, it->type);
		dns_put16(buf + len + 2, 1);	/* IN */
		len += DNS_QFIXED_LEN;
		/* the daemon's own upstream form: keepalive, padding */
		if (dns_parse_query(buf, len, &m) != DNS_OK ||
		    qt_set_query(&qt, i, buf, &m, Q_PAD_BLOCK, 1) == -1)
			BUG_ON(1);	/* add_item checked the name */
		s->origin = QT_TCP;
		s->conn = 0;
		s->next = -1;
		if (uc->q_tail == -1)
			uc->q_head = i;
		else
			qt.slot[uc->q_tail].next = i;
		uc->q_tail = i;
		uc->n_queued++;
		uc->dirty = 1;
	}
}

/* A slot's question name, in text, and its type. */
static void
qname(int i, char *buf, size_t cap, unsigned *type)
{
	struct dns_msg m;
	struct dns_rd r;
	const uint8_t *q;
	size_t kept;

	q = qt_query(&qt, i, &kept, &m);
	*type = m.qtype;
	dns_rd_init(&r, q, kept);
	r.off = DNS_HDR_LEN;
	dns_rd_name(&r, buf, cap);
}

static void
pin_text(const uint8_t *sum, char *buf, size_t cap)
{
	BUG_ON(cap < Q_PIN_CAP);
	memcpy(buf, "sha256/", 7);
	dp_base64(sum, 32, buf + 7, cap - 7);
}

/* The one line about the connection: suite, session, certificate. */
static void
conn_line(void)
{
	const struct cert_ctx *cx = tls_cert(&uc->tls);
	const char *verdict = cert_verdict(cx);
	char cn[CONF_NAME_CAP], pin[Q_PIN_CAP];
	uint8_t sum[32];

	if (cert_leaf_cn(cx, cn, sizeof(cn)) != 0 || cn[0] == '\0')
		memcpy(cn, "(none)", sizeof("(none)"));
	if (cert_leaf_pin(cx, sum) == 0)
		pin_text(sum, pin, sizeof(pin));
	else
		memcpy(pin, "(unknown)", sizeof("(unknown)"));
	fmt_printf(qout, ";; TLS1.2, %s, %s, certificate CN=%s, pin %s, ",
	    tls_suite(&uc->tls), tls_resumed(&uc->tls) ? "resumed" :
	    "full handshake", cn, pin);
	if (!insecure)
		fmt_printf(qout, "authenticated as %s%s\n", auth,
		    n_pin > 0 ? " with a pinned key" : "");
	else if (verdict == NULL)
		fmt_puts(qout, "NOT authenticated (-k; the check would "
		    "pass)\n");
	else
		fmt_printf(qout, "NOT authenticated (-k; the check says: %s)\n",
		    verdict);
}

/* Output starts once the server is there: a failure is one line. */
static void
on_ready(struct uc *u)
{
	char tb[16];

	(void)u;
	if (!batch)
		fmt_printf(qout, "; <<>> dotfwd %s query <<>> @%s %s %s\n",
		    DOTFWD_VERSION, server, banner_name,
		    dp_type_name(items[0].type, tb, sizeof(tb)));
	conn_line();
	fmt_flush(qout);
}

static void
on_sent(struct uc *u, int slot)
{
	(void)u;
	qt_sent(&qt, slot, loop_now());
	if (t_first == 0)
		t_first = loop_now();
}

static void
on_answer(struct uc *u, uint8_t *msg, size_t len)
{
	char name[DP_NAME_CAP], tb[16], rb[16];
	struct qt_slot *s;
	struct dns_msg m, qm;
	const uint8_t *q;
	size_t kept;
	unsigned rc, type;
	int i;

	if (len < DNS_HDR_LEN || (i = qt_lookup(&qt, dns_get16(msg))) == -1 ||
	    qt.slot[i].state != QT_SENT)
		return;		/* late, or not ours */
	s = &qt.slot[i];
	q = qt_query(&qt, i, &kept, &qm);
	if (dns_parse_answer(msg, len, &m) == DNS_OK &&
	    (!(m.flags & DNS_F_QR) || m.qdcount != 1 ||
	    !dns_same_question(msg, &m, q, &qm)))
		return;		/* another question: not the answer */
	u->n_sent--;
	t_last = loop_now();
	n_done++;
	n_answered++;
	rc = DNS_F_RCODE(dns_get16(msg + DNS_OFF_FLAGS));
	n_rcode[MIN(rc, 16)]++;
	if (!batch) {
		fmt_puts(qout, ";; Got answer:\n");
		dp_print(qout, msg, len);
		fmt_printf(qout, "\n;; Query time: %u msec\n;; SERVER: %s "
		    "(TLS)\n;; MSG SIZE  rcvd: %zu\n", (unsigned)(loop_now() -
		    s->sent_ms), server_dig, len);
	} else {
		qname(i, name, sizeof(name), &type);
		fmt_printf(qout, "%s\t%s\t%s\t%u\t%u ms\n", name,
		    dp_type_name(type, tb, sizeof(tb)),
		    dp_rcode_name(rc, rb, sizeof(rb)),
		    (unsigned)dns_get16(msg + DNS_OFF_AN),
		    (unsigned)(loop_now() - s->sent_ms));
	}
	qt_release(&qt, i);
	fill();
	if (n_done == n_items)
		loop_stop();
}

/* Why the connection ended, in one line, with what helps. */
static void
on_fail(struct uc *u, enum uc_fail kind, const char *why)
{
	const struct cert_ctx *cx = tls_cert(&uc->tls);
	char cn[CONF_NAME_CAP], pin[Q_PIN_CAP];
	uint8_t sum[32];
	size_t k;

	failed = 1;
	k = fmt_snprintf(err, sizeof(err), "%s", why);
	if (kind == UC_F_CERT && cx->why == CERT_NAME_MISMATCH) {
		if (cert_leaf_cn(cx, cn, sizeof(cn)) != 0 || cn[0] == '\0')
			memcpy(cn, "another name", sizeof("another name"));
		fmt_snprintf(err + k, sizeof(err) - k, ": wanted %s, the "
		    "certificate is for %s", auth, cn);
	} else if (kind == UC_F_CERT && cx->why == CERT_PIN_MISMATCH &&
	    cert_leaf_pin(cx, sum) == 0) {
		pin_text(sum, pin, sizeof(pin));
		fmt_snprintf(err + k, sizeof(err) - k, ": the server's key "
		    "is %s", pin);
	} else if (kind == UC_F_CERT && cx->why == CERT_UNKNOWN_CA)
		fmt_snprintf(err + k, sizeof(err) - k, " (give -C CAFILE, "
		    "or -k to skip authentication)");
	else if (kind == UC_F_LOST && n_done < n_items && !batch)
		fmt_snprintf(err + k, sizeof(err) - k, " before the answer");
	uc_shut(u, 0);
	loop_stop();
}

/* Deadlines: the connection's set-up, then each query's. */
static uint64_t
q_next(void *arg)
{
	uint64_t next = UINT64_MAX;
	int i;

	(void)arg;
	if (uc->state == UC_CONNECTING || uc->state == UC_HANDSHAKE)
		next = uc->open_deadline_ms;
	if ((i = qt_oldest(&qt)) != -1)
		next = MIN(next, qt.slot[i].deadline_ms);
	return next;
}

static void
q_tick(void *arg, uint64_t now)
{
	char name[DP_NAME_CAP], tb[16];
	struct qt_slot *s;
	unsigned type;
	int i;

	(void)arg;
	if ((uc->state == UC_CONNECTING || uc->state == UC_HANDSHAKE) &&
	    now >= uc->open_deadline_ms) {
		failed = 1;
		fmt_snprintf(err, sizeof(err), "%s within %d s",
		    uc->state == UC_CONNECTING ? "no connection" :
		    "no TLS handshake", Q_TIMEOUT_MS / 1000);
		uc_shut(uc, 0);
		loop_stop();
		return;
	}
	while ((i = qt_oldest(&qt)) != -1 && qt.slot[i].deadline_ms <= now) {
		s = &qt.slot[i];
		if (!batch || s->state != QT_SENT) {
			failed = 1;
			fmt_snprintf(err, sizeof(err), "no answer within %d s",
			    Q_TIMEOUT_MS / 1000);
			loop_stop();
			return;
		}
		qname(i, name, sizeof(name), &type);
		fmt_printf(qout, "%s\t%s\tno answer within %d s\n", name,
		    dp_type_name(type, tb, sizeof(tb)),
		    Q_TIMEOUT_MS / 1000);
		uc->n_sent--;
		n_done++;
		qt_release(&qt, i);
	}
	fill();
	if (uc->state == UC_READY)
		uc_pump(uc);
	if (n_done == n_items)
		loop_stop();
}

/* -f: the totals (integer arithmetic: no floating point anywhere). */
static void
finish(void)
{
	char rb[16];
	uint64_t ms, qps;
	uint32_t r;
	unsigned k;
	int first = 1;

	ms = t_last > t_first ? t_last - t_first : 0;
	qps = u64_div((uint64_t)n_answered * 10000,
	    ms == 0 ? 1 : ms > UINT32_MAX ? UINT32_MAX : (uint32_t)ms, &r);
	qps = u64_div(qps, 10, &r);		/* r: the tenths */
	fmt_printf(qout, ";; %zu queries, %zu answered (", n_items, n_answered);
	for (k = 0; k < nitems(n_rcode); k++) {
		if (n_rcode[k] == 0)
			continue;
		fmt_printf(qout, "%s%s %u", first ? "" : ", ",
		    dp_rcode_name(k, rb, sizeof(rb)), n_rcode[k]);
		first = 0;
	}
	fmt_printf(qout, "%s) in %llu ms on one connection: %llu.%llu "
	    "queries/s\n", first ? "none" : "", (unsigned long long)ms,
	    (unsigned long long)qps, (unsigned long long)r);
}

/* see query.h */
int
query_main(int argc, char **argv, const char *conf_path)
{
	const char *srv = NULL, *cafile = NULL, *file = NULL, *type = NULL;
	const char *name = ".", *ptype = NULL;
	const struct conf_upstream *up = NULL;
	char as[ADDR_STR_CAP], ip[ADDR_STR_CAP];
	char obuf[Q_OUT_CAP], ebuf[Q_ERRBUF_CAP];
	struct opt_args g = { 1, 0, NULL, 0, NULL };
	struct fmt_out o, e;
	const char *argv0;
	struct addr sa;
	int ch, i, r, named = 0;

	/* stdout fully buffered and flushed where a reader waits (the
	 * banner, the end); stderr written at once, as stdio's */
	fmt_out_fd(&o, STDOUT_FILENO, obuf, sizeof(obuf));
	fmt_out_err(&e, ebuf, sizeof(ebuf));
	qout = &o;
	qerr = &e;

	while ((ch = opt_getopt(&g, argc, argv, "s:n:C:p:kt:f:c:")) != -1) {
		switch (ch) {
		case 's':
			srv = g.arg;
			break;
		case 'n':
			auth = g.arg;
			break;
		case 'C':
			cafile = g.arg;
			break;
		case 'p':
			if (n_pin == Q_MAX_PINS ||
			    opt_set(&pin_row, pins, n_pin, g.arg) != OPT_OK) {
				fmt_printf(qerr, "dotfwd query: -p %s: "
				    "expected sha256/ and the base64 of 32 "
				    "bytes (at most %d pins)\n", g.arg,
				    Q_MAX_PINS);
				return EX_USAGE_;
			}
			n_pin++;
			break;
		case 'k':
			insecure = 1;
			break;
		case 't':
			type = g.arg;
			break;
		case 'f':
			file = g.arg;
			break;
		case 'c':
			conf_path = g.arg;
			break;
		default:
			usage(argv[0], &g);
		}
	}
	argv0 = argv[0];
	argc -= g.ind;
	argv += g.ind;
	if (argc > 2 || (file != NULL && argc > 0))
		usage(argv0, &g);
	if (argc > 0) {
		name = argv[0];
		named = 1;
	}
	if (argc > 1)
		ptype = argv[1];
	if (type != NULL && dp_type_value(type) == -1) {
		fmt_printf(qerr, "dotfwd query: unknown type '%s'\n", type);
		return EX_USAGE_;
	}
	log_init(0, LOG_L_ERROR);
	signal(SIGPIPE, SIG_IGN);
	conf = mem_alloc(sizeof(*conf));
	uc = mem_alloc(sizeof(*uc));

	/* which server: -s, else the configuration's first upstream */
	if (srv != NULL) {
		if (addr_parse(srv, 853, &sa) == -1) {
			fmt_printf(qerr, "dotfwd query: -s %s: expected an IP "
			    "address with an optional :PORT (default 853), "
			    "IPv6 as [ADDR]:PORT\n", srv);
			return EX_USAGE_;
		}
		if (auth[0] == '\0' && !insecure) {
			fmt_printf(qerr, "dotfwd query: -s needs -n AUTH_NAME, "
			    "the name the server's certificate must carry "
			    "(or -k to skip authentication)\n");
			return EX_USAGE_;
		}
	} else {
		if (conf_load(conf, conf_path, qerr) != 0) {
			fmt_printf(qerr, "dotfwd query: %s is not valid; give "
			    "-s ADDR[:PORT] -n AUTH_NAME\n", conf_path);
			return EX_CONFIG_;
		}
		for (i = 0; i < conf->n_up && up == NULL; i++)
			if (conf->up[i].enabled)
				up = &conf->up[i];
		BUG_ON(up == NULL);	/* conf_load requires one */
		sa = up->addr[0];
		if (auth[0] == '\0')
			auth = up->auth_name;
		if (n_pin == 0) {
			memcpy(pins, up->pin, sizeof(pins));
			n_pin = up->n_pin;
		}
		if (cafile == NULL && conf->ca_file[0] != '\0')
			cafile = conf->ca_file;
	}
	addr_str(&sa, as, sizeof(as));
	fmt_snprintf(server, sizeof(server), "%s%s%s%s", as, auth[0] != '\0' ?
	    " (" : "", auth, auth[0] != '\0' ? ")" : "");
	/* dig's form: ADDR#PORT(NAME) */
	addr_ip_str(sa.u.sa.sa_family, sa.u.sa.sa_family == AF_INET ?
	    (const uint8_t *)&sa.u.sin.sin_addr : sa.u.sin6.sin6_addr.s6_addr,
	    ip, sizeof(ip));
	fmt_snprintf(server_dig, sizeof(server_dig), "%s#%u(%s)", ip,
	    (unsigned)ntohs(sa.u.sa.sa_family == AF_INET ? sa.u.sin.sin_port :
	    sa.u.sin6.sin6_port), auth[0] != '\0' ? auth : ip);
	banner_name = name;
	if (ta_init(cafile, qerr) == -1)
		return EX_NOINPUT_;

	if (file != NULL) {
		batch = 1;
		read_names(file, type != NULL ? type : "A");
	} else if (add_item(name, ptype != NULL ? ptype : type, NULL,
	    named ? 1 : 2) == -1)
		return EX_USAGE_;

	loop_init(2);
	qt_init(&qt, (int)MIN(n_items, Q_WINDOW));
	uc_init(uc, &ops, &qt, 0, server, (const uint8_t (*)[32])pins, n_pin);
	cert_keep_leaf(&uc_tls(uc)->cert, &leaf);
	if (insecure)
		tls_set_insecure(uc_tls(uc));
	loop_timer(q_next, q_tick, NULL);
	fill();
	r = uc_open(uc, &sa, auth, Q_TIMEOUT_MS);
	if (r != 0) {
		fmt_printf(qerr, "dotfwd query: %s: %s\n", server,
		    r == UC_ESLOT ? "no loop slot" : log_errstr(errno));
		return EX_UNAVAILABLE_;
	}
	loop_run();
	if (uc->state != UC_CLOSED)
		uc_shut(uc, 1);
	if (batch && n_answered > 0)
		finish();
	/* what went out before why the rest did not */
	fmt_flush(qout);
	mem_temp_free(items);
	if (failed && (!batch || n_answered == 0)) {
		fmt_printf(qerr, "dotfwd query: %s: %s\n", server, err);
		return EX_UNAVAILABLE_;
	}
	if (failed || n_answered < n_items) {
		fmt_printf(qerr, "dotfwd query: %s: %zu of %zu queries got no "
		    "answer%s%s\n", server, n_items - n_answered, n_items,
		    failed ? ": " : "", failed ? err : "");
		return EX_UNAVAILABLE_;
	}
	return 0;
}
