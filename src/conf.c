/* SPDX-License-Identifier: MIT */
/*
 * conf.c: the UCI configuration file (SPEC.md section 3).  A tokenizer
 * that reads what libuci reads, a small uci-like model (sections,
 * options, lists: merge, overwrite, delete), then one table row per
 * option that checks each value into struct conf.  Problems are sorted by
 * line before they are printed.  Touches no socket; allocates only here,
 * while loading.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"

#define MSG_MAX		100	/* problems kept and sorted; more are counted */
#define MSG_CAP		1024	/* one message: text and two shown values */
#define SHOW_CAP	64	/* bytes of a value quoted in a message */
#define SHOW_BUF	(SHOW_CAP * 4 + 4)	/* each byte may become \xNN */
#define SEC_MAX		64	/* sections of any type in one file */
#define OPT_MAX		64	/* distinct option names in one section */
#define CHUNK_CAP	4096	/* model nodes are carved from such chunks */
#define PIN_PREFIX	"sha256/"
#define PIN_B64_LEN	44	/* base64 of 32 bytes, with one '=' */

/* Words of one command: the keyword and at most two arguments. */
#define WORDS_MAX	3

enum { T_WORD, T_END, T_EOF, T_ERR };

/* The uci model: what the file says after merges, overwrites, deletes. */
struct val {
	struct val	*next;
	const char	*s;
	int		 line;		/* of the option/list keyword */
};

struct opt {
	struct opt	*next;
	const char	*name;
	int		 line;		/* of the command that set the value */
	int		 is_list;
	int		 deleted;	/* "option x ''" */
	struct val	*head, **tail;
};

struct sec {
	const char	*type;
	const char	*name;		/* NULL: anonymous */
	int		 line;		/* of its first "config" */
	int		 index;		/* N of @type[N]: among its type */
	int		 n_opt;
	struct opt	*opts, **tail;
};

struct msg {
	int		 line;
	int		 seq;
	int		 is_warn;
	char		*text;		/* in the chunks */
};

struct chunk {
	struct chunk	*next;
	size_t		 used;
	size_t		 cap;
};

struct pctx {
	struct conf	*c;
	const char	*file;
	const char	*buf;
	size_t		 len;
	size_t		 pos;
	int		 line;
	int		 word_line;	/* where the last word started */
	char		*out;		/* decoded words, NUL-terminated */
	size_t		 out_len;
	size_t		 out_cap;
	struct chunk	*chunks;
	struct sec	 sec[SEC_MAX];
	int		 n_sec;
	int		 sec_full;	/* "too many sections" was said */
	struct sec	*cur;		/* section that options go to */
	int		 discard;	/* after a bad "config": drop options */
	struct msg	 msg[MSG_MAX];
	int		 n_msg;
	int		 n_lost;
	int		 n_err;
	int		 oom;
};

enum opt_kind {
	OPT_UINT,		/* uint32_t in lo..hi */
	OPT_BOOL,		/* int 0/1 */
	OPT_IGNORE,		/* boolean, checked and dropped */
	OPT_ENUM,		/* int: index into names */
	OPT_PATH,		/* char[CONF_PATH_CAP] */
	OPT_HOST,		/* char[CONF_NAME_CAP]: DNS name */
	OPT_ADDR,		/* struct conf_addr; n_off: its has_ flag */
	OPT_ADDR_LIST,		/* struct conf_addr[hi]; n_off: count */
	OPT_NET_LIST,		/* struct conf_net[hi]; n_off: count */
	OPT_PIN_LIST		/* uint8_t[hi][32]; n_off: count */
};

/*
 * One row per option.  lo..hi: range of OPT_UINT; hi: items of a list.
 * port: default port of an address, 0 when the port must be given.
 */
struct conf_opt {
	const char		*name;
	enum opt_kind		 kind;
	size_t			 off;
	size_t			 n_off;
	uint32_t		 lo;
	uint32_t		 hi;
	uint16_t		 port;
	const char *const	*names;
};

static const char *const policy_names[] = { "ordered", "roundrobin",
    "fastest", NULL };
/* LOG_L_* order (log.h) */
static const char *const level_names[] = { "error", "warn", "info",
    "debug", NULL };

#define M(f)	offsetof(struct conf, f)
#define U(f)	offsetof(struct conf_upstream, f)
#define S(f)	offsetof(struct conf_server, f)

/* name, kind, field, count field, lo, hi, default port, enum names */
static const struct conf_opt main_opts[] = {
	{ "listen",	     OPT_ADDR_LIST, M(listen), M(n_listen), 0,
	    CONF_MAX_LISTEN, 0, NULL },
	{ "allow",	     OPT_NET_LIST, M(allow), M(n_allow), 0,
	    CONF_MAX_ALLOW, 0, NULL },
	{ "timeout_ms",	     OPT_UINT, M(timeout_ms), 0, 100, 60000, 0, NULL },
	{ "idle_timeout_ms", OPT_UINT, M(idle_timeout_ms), 0, 0, 3600000, 0,
	    NULL },
	{ "connections",     OPT_UINT, M(connections), 0, 1, 8, 0, NULL },
	{ "policy",	     OPT_ENUM, M(policy), 0, 0, 0, 0, policy_names },
	{ "padding",	     OPT_UINT, M(padding), 0, 0, 512, 0, NULL },
	{ "ca_file",	     OPT_PATH, M(ca_file), 0, 0, 0, 0, NULL },
	{ "max_inflight",    OPT_UINT, M(max_inflight), 0, 1, 4096, 0, NULL },
	{ "max_tcp_clients", OPT_UINT, M(max_tcp_clients), 0, 1, 1024, 0,
	    NULL },
	{ "log_level",	     OPT_ENUM, M(log_level), 0, 0, 0, 0, level_names },
	/* the OpenWrt init script's own; the daemon ignores them */
	{ "enabled",	     OPT_IGNORE, 0, 0, 0, 0, 0, NULL },
	{ "dnsmasq",	     OPT_IGNORE, 0, 0, 0, 0, 0, NULL },
	{ "intercept",	     OPT_IGNORE, 0, 0, 0, 0, 0, NULL },
};

static const struct conf_opt upstream_opts[] = {
	{ "address",   OPT_ADDR_LIST, U(addr), U(n_addr), 0, CONF_MAX_ADDRS,
	    853, NULL },
	{ "auth_name", OPT_HOST,      U(auth_name), 0, 0, 0, 0, NULL },
	{ "pin",       OPT_PIN_LIST,  U(pin), U(n_pin), 0, CONF_MAX_PINS, 0,
	    NULL },
	{ "enabled",   OPT_BOOL,      U(enabled), 0, 0, 0, 0, NULL },
};

static const struct conf_opt server_opts[] = {
	{ "listen",  OPT_ADDR_LIST, S(listen), S(n_listen), 0, CONF_MAX_LISTEN,
	    0, NULL },
	{ "cert",    OPT_PATH,      S(cert), 0, 0, 0, 0, NULL },
	{ "key",     OPT_PATH,      S(key), 0, 0, 0, 0, NULL },
	{ "backend", OPT_ADDR,      S(backend), S(has_backend), 0, 0, 53,
	    NULL },
};

static const char *const default_listen[] = { "127.0.0.1:5453",
    "[::1]:5453" };
static const char *const default_allow[] = { "127.0.0.0/8", "::1/128",
    "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10",
    "fc00::/7", "fe80::/10" };

static const char b64_chars[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void	 report(struct pctx *, int, int, const char *, ...)
		    PRINTF(4, 5);
static int	 msg_cmp(const void *, const void *);
static void	 flush(struct pctx *, FILE *);
static const char *show(const char *, char *);
static void	*alloc(struct pctx *, size_t);
static void	 copy_str(char *, size_t, const char *);
static void	 check_bytes(struct pctx *);
static size_t	 continuation(const struct pctx *, size_t);
static int	 is_blank(int);
static void	 put(struct pctx *, int);
static int	 lex_quoted(struct pctx *);
static int	 lex_word(struct pctx *, const char **);
static void	 parse_file(struct pctx *);
static int	 is_kw(const char *, const char *);
static int	 valid_name(const char *);
static int	 valid_type(const char *);
static void	 command(struct pctx *, int, const char **, int, int);
static void	 cmd_config(struct pctx *, int, const char **, int, int);
static void	 cmd_option(struct pctx *, int, const char **, int, int, int);
static struct opt *find_opt(const struct sec *, const char *);
static void	 build(struct pctx *);
static void	 sec_label(const struct sec *, char *, size_t);
static int	 has_opt(unsigned, const struct conf_opt *, const char *);
static unsigned	 apply_section(struct pctx *, const struct sec *,
		    const struct conf_opt *, size_t, void *, const char *);
static void	 apply_opt(struct pctx *, const struct conf_opt *,
		    const struct opt *, void *, const char *);
static int	 set_value(struct pctx *, const struct conf_opt *,
		    const struct val *, void *, int, const char *);
static int	 is_list_kind(enum opt_kind);
static void	 hint(const struct conf_opt *, char *, size_t);
static int	 parse_uint(const char *, uint32_t, uint32_t, uint32_t *);
static int	 parse_bool(const char *, int *);
static int	 parse_enum(const char *, const char *const *, int *);
static int	 parse_path(const char *, char *);
static int	 parse_host(const char *, char *);
static int	 parse_addr(const char *, uint16_t, struct conf_addr *);
static int	 parse_net(const char *, struct conf_net *, int *);
static int	 parse_pin(const char *, uint8_t *);
static int	 b64_val(int);
static int	 addr_eq(const struct conf_addr *, const struct conf_addr *);
static void	 fmt_ip4(const uint8_t *, char *, size_t);
static void	 fmt_ip6(const uint8_t *, char *, size_t);
static void	 net_str(const struct conf_net *, char *, size_t);
static int	 prefix_match(const uint8_t *, const uint8_t *, int);
static void	 put_quoted(FILE *, const char *);
static void	 dump_section(FILE *, const struct conf_opt *, size_t,
		    const void *);

/*
 * Messages.
 */

static void
report(struct pctx *p, int line, int is_warn, const char *fmt, ...)
{
	char text[MSG_CAP];
	struct msg *m;
	va_list ap;
	size_t n;

	if (!is_warn)
		p->n_err++;
	if (p->n_msg == MSG_MAX) {
		p->n_lost++;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	n = strlen(text) + 1;
	m = &p->msg[p->n_msg];
	if ((m->text = alloc(p, n)) == NULL)
		return;
	memcpy(m->text, text, n);
	m->line = line;
	m->seq = p->n_msg;
	m->is_warn = is_warn;
	p->n_msg++;
}

static int
msg_cmp(const void *a, const void *b)
{
	const struct msg *x = a, *y = b;

	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Print the messages in line order, like a compiler. */
static void
flush(struct pctx *p, FILE *err)
{
	int i;

	qsort(p->msg, (size_t)p->n_msg, sizeof(p->msg[0]), msg_cmp);
	for (i = 0; i < p->n_msg; i++)
		fprintf(err, "%s:%d: %s%s\n", p->file, p->msg[i].line,
		    p->msg[i].is_warn ? "warning: " : "", p->msg[i].text);
	if (p->n_lost > 0)
		fprintf(err, "%s: %d more errors and warnings not shown\n",
		    p->file, p->n_lost);
}

/* A value for a message: printable ASCII, the rest escaped, cut short. */
static const char *
show(const char *s, char *buf)
{
	size_t i, o = 0;
	int ch;

	for (i = 0; s[i] != '\0'; i++) {
		if (i == SHOW_CAP) {
			memcpy(buf + o, "...", 4);
			return buf;
		}
		ch = (unsigned char)s[i];
		if (ch >= 0x20 && ch < 0x7f)
			buf[o++] = (char)ch;
		else if (ch == '\n') {
			buf[o++] = '\\';
			buf[o++] = 'n';
		} else if (ch == '\t') {
			buf[o++] = '\\';
			buf[o++] = 't';
		} else if (ch == '\r') {
			buf[o++] = '\\';
			buf[o++] = 'r';
		} else
			o += (size_t)snprintf(buf + o, 5, "\\x%02x", ch);
	}
	buf[o] = '\0';
	return buf;
}

/*
 * Memory: model nodes come from chunks freed together at the end.  They
 * hold only pointers and ints, so pointer alignment is enough.
 */
static void *
alloc(struct pctx *p, size_t n)
{
	struct chunk *ch = p->chunks;
	size_t cap;
	void *v;

	n = (n + sizeof(void *) - 1) & ~(sizeof(void *) - 1);
	if (ch == NULL || ch->cap - ch->used < n) {
		cap = MAX(n, CHUNK_CAP);
		if ((ch = malloc(sizeof(*ch) + cap)) == NULL) {
			p->oom = 1;
			return NULL;
		}
		ch->next = p->chunks;
		ch->used = 0;
		ch->cap = cap;
		p->chunks = ch;
	}
	v = (char *)(ch + 1) + ch->used;
	ch->used += n;
	memset(v, 0, n);
	return v;
}

static void
copy_str(char *dst, size_t cap, const char *src)
{
	size_t n = strlen(src);

	if (n >= cap)
		n = cap - 1;
	memmove(dst, src, n);
	dst[n] = '\0';
}

/*
 * Tokenizer (libuci file.c): words are unquoted, 'single' or "double"
 * pieces that concatenate; '#' starts a comment, ';' ends a command.
 */

/* libuci's uci_validate_text: no control bytes but tab, CR and LF. */
static void
check_bytes(struct pctx *p)
{
	size_t i;
	int line = 1, ch;

	for (i = 0; i < p->len; i++) {
		ch = (unsigned char)p->buf[i];
		if (ch == '\n')
			line++;
		else if (ch < 0x20 && ch != '\t' && ch != '\r') {
			report(p, line, 0, "invalid control character 0x%02x",
			    ch);
			while (i + 1 < p->len && p->buf[i + 1] != '\n')
				i++;
		}
	}
}

/* Length of a backslash-newline (or backslash-CR-LF) at i, else 0. */
static size_t
continuation(const struct pctx *p, size_t i)
{
	if (p->buf[i] != '\\')
		return 0;
	if (i + 1 < p->len && p->buf[i + 1] == '\n')
		return 2;
	if (i + 2 < p->len && p->buf[i + 1] == '\r' && p->buf[i + 2] == '\n')
		return 3;
	return 0;
}

/* isspace() minus '\n' (which ends a command); \v \f are refused. */
static int
is_blank(int ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r';
}

/*
 * Decoding never makes text longer and every word but the last ends at a
 * byte it does not keep, so the decoded words fit in len + 1 bytes.
 */
static void
put(struct pctx *p, int ch)
{
	BUG_ON(p->out_len >= p->out_cap);
	p->out[p->out_len++] = (char)ch;
}

/*
 * A quoted piece at p->pos.  Single quotes keep every byte; double quotes
 * drop a backslash and keep the next byte, except that backslash-newline
 * joins lines.  A newline inside quotes is part of the value.
 */
static int
lex_quoted(struct pctx *p)
{
	int q = p->buf[p->pos], qline = p->line, ch;
	size_t n;

	p->pos++;
	for (;;) {
		if (p->pos >= p->len) {
			/* a word begun earlier: a quote there may be missing */
			if (qline == p->word_line)
				report(p, qline, 0, "unterminated %c quote", q);
			else
				report(p, qline, 0, "unterminated %c quote; "
				    "the value began on line %d, check its "
				    "quotes", q, p->word_line);
			return -1;
		}
		ch = (unsigned char)p->buf[p->pos];
		if (ch == q) {
			p->pos++;
			return 0;
		}
		if (q == '"' && ch == '\\') {
			if ((n = continuation(p, p->pos)) != 0) {
				p->pos += n;
				p->line++;
				continue;
			}
			if (++p->pos >= p->len)
				continue;
			ch = (unsigned char)p->buf[p->pos];
		}
		if (ch == '\n')
			p->line++;
		put(p, ch);
		p->pos++;
	}
}

/*
 * Next word of the current command into *word.  Returns T_WORD, T_END
 * (newline or ';'), T_EOF or T_ERR (an unterminated quote, reported).
 * Backslash-newline outside quotes joins the two lines, anywhere.
 */
static int
lex_word(struct pctx *p, const char **word)
{
	size_t n;
	int ch;

	for (;;) {
		if (p->pos >= p->len)
			return T_EOF;
		ch = (unsigned char)p->buf[p->pos];
		if ((n = continuation(p, p->pos)) != 0) {
			p->pos += n;
			p->line++;
		} else if (is_blank(ch))
			p->pos++;
		else if (ch == '#') {
			/* a comment runs to the newline, backslash or not */
			while (p->pos < p->len && p->buf[p->pos] != '\n')
				p->pos++;
		} else if (ch == '\n') {
			p->pos++;
			p->line++;
			return T_END;
		} else if (ch == ';') {
			p->pos++;
			return T_END;
		} else
			break;
	}

	*word = p->out + p->out_len;
	p->word_line = p->line;
	while (p->pos < p->len) {
		ch = (unsigned char)p->buf[p->pos];
		if (ch == '\'' || ch == '"') {
			if (lex_quoted(p) == -1)
				return T_ERR;
			continue;
		}
		if (ch == '\\') {
			if ((n = continuation(p, p->pos)) != 0) {
				p->pos += n;
				p->line++;
				continue;
			}
			if (++p->pos >= p->len)
				break;
			put(p, p->buf[p->pos++]);
			continue;
		}
		/* '#' and ';' end a word even with no blank before them */
		if (is_blank(ch) || ch == '\n' || ch == '#' || ch == ';')
			break;
		put(p, ch);
		p->pos++;
	}
	put(p, '\0');
	return T_WORD;
}

/*
 * libuci drops the rest of a line when ';' follows an unquoted word
 * directly; here ';' always separates commands, as documented.
 */
static void
parse_file(struct pctx *p)
{
	const char *w[WORDS_MAX], *s;
	int n, extra, r, line;

	for (;;) {
		n = extra = 0;
		line = p->line;
		while ((r = lex_word(p, &s)) == T_WORD) {
			if (n == 0)
				line = p->word_line;
			if (n < (int)nitems(w))
				w[n++] = s;
			else
				extra = 1;
		}
		if (r == T_ERR)
			return;
		if (n > 0)
			command(p, line, w, n, extra);
		if (r == T_EOF || p->oom)
			return;
	}
}

/*
 * Commands: apply one to the model as libuci's list.c does.
 */

/* "config" or "c", and so on. */
static int
is_kw(const char *w, const char *kw)
{
	return strcmp(w, kw) == 0 || (w[0] == kw[0] && w[1] == '\0');
}

/* Section and option names: [A-Za-z0-9_]+ (libuci uci_validate_name). */
static int
valid_name(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= '0' && *s <= '9') || *s == '_'))
			return 0;
	return 1;
}

/* Section types: printable ASCII without blanks. */
static int
valid_type(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 33 || (unsigned char)*s > 126)
			return 0;
	return 1;
}

static void
command(struct pctx *p, int line, const char **w, int n, int extra)
{
	char b[SHOW_BUF];

	if (is_kw(w[0], "config"))
		cmd_config(p, line, w, n, extra);
	else if (is_kw(w[0], "option"))
		cmd_option(p, line, w, n, extra, 0);
	else if (is_kw(w[0], "list"))
		cmd_option(p, line, w, n, extra, 1);
	else if (is_kw(w[0], "package")) {
		/* uci_load ignores it in a single file */
		if (n < 2 || w[1][0] == '\0')
			report(p, line, 0, "'package' needs a name");
		else if (n > 2 || extra)
			report(p, line, 0, "too many arguments to 'package'");
	} else
		report(p, line, 0, "invalid command '%s': expected config, "
		    "option or list", show(w[0], b));
}

static void
cmd_config(struct pctx *p, int line, const char **w, int n, int extra)
{
	const char *type = n > 1 ? w[1] : "", *name = n > 2 ? w[2] : "";
	char b1[SHOW_BUF], b2[SHOW_BUF];
	struct sec *s;
	int i, idx;

	/* until this command succeeds, options have nowhere to go */
	p->cur = NULL;
	p->discard = 1;
	if (type[0] == '\0') {
		report(p, line, 0, "'config' needs a section type");
		return;
	}
	if (n > 3 || extra) {
		report(p, line, 0, "too many arguments to 'config'");
		return;
	}
	if (!valid_type(type)) {
		report(p, line, 0, "invalid section type '%s'",
		    show(type, b1));
		return;
	}
	if (name[0] != '\0') {
		if (!valid_name(name)) {
			report(p, line, 0, "invalid section name '%s': use "
			    "letters, digits and '_'", show(name, b1));
			return;
		}
		if (strlen(name) >= CONF_SECTION_CAP) {
			report(p, line, 0, "section name '%s' is too long "
			    "(max %d characters)", show(name, b1),
			    CONF_SECTION_CAP - 1);
			return;
		}
		/* a known name re-opens the section (uci merges them) */
		for (i = 0; i < p->n_sec; i++) {
			s = &p->sec[i];
			if (s->name == NULL || strcmp(s->name, name) != 0)
				continue;
			if (strcmp(s->type, type) != 0) {
				report(p, line, 0, "section '%s' was declared "
				    "with type '%s' at line %d", name,
				    show(s->type, b2), s->line);
				return;
			}
			p->cur = s;
			p->discard = 0;
			return;
		}
	}
	if (p->n_sec == SEC_MAX) {
		if (!p->sec_full)
			report(p, line, 0, "too many sections (max %d)",
			    SEC_MAX);
		p->sec_full = 1;
		return;
	}
	for (i = idx = 0; i < p->n_sec; i++)
		if (strcmp(p->sec[i].type, type) == 0)
			idx++;
	s = &p->sec[p->n_sec++];
	memset(s, 0, sizeof(*s));
	s->type = type;
	s->name = name[0] != '\0' ? name : NULL;
	s->line = line;
	s->index = idx;
	s->tail = &s->opts;
	p->cur = s;
	p->discard = 0;
}

static struct opt *
find_opt(const struct sec *s, const char *name)
{
	struct opt *o;

	for (o = s->opts; o != NULL; o = o->next)
		if (strcmp(o->name, name) == 0)
			return o;
	return NULL;
}

/*
 * "option x v" sets (an empty v deletes), "list x v" appends; a list
 * after an option keeps the old value as its first item (libuci list.c).
 */
static void
cmd_option(struct pctx *p, int line, const char **w, int n, int extra,
    int is_list)
{
	const char *kw = is_list ? "list" : "option";
	const char *name = n > 1 ? w[1] : "", *value = n > 2 ? w[2] : "";
	char b[SHOW_BUF];
	struct opt *o;
	struct val *v;

	if (p->discard)
		return;
	if (p->cur == NULL) {
		report(p, line, 0, "'%s' before the first 'config' line", kw);
		return;
	}
	if (name[0] == '\0') {
		report(p, line, 0, "'%s' needs an option name", kw);
		return;
	}
	if (n > 3 || extra) {
		report(p, line, 0, "too many arguments to '%s' (quote a value "
		    "that contains blanks)", kw);
		return;
	}
	if (!valid_name(name)) {
		report(p, line, 0, "invalid option name '%s': use letters, "
		    "digits and '_'", show(name, b));
		return;
	}
	o = find_opt(p->cur, name);
	if (!is_list && value[0] == '\0') {
		if (o != NULL)
			o->deleted = 1;
		return;
	}
	if (o == NULL) {
		if (p->cur->n_opt == OPT_MAX) {
			report(p, line, 0, "too many options in one section "
			    "(max %d)", OPT_MAX);
			return;
		}
		if ((o = alloc(p, sizeof(*o))) == NULL)
			return;
		o->name = name;
		o->deleted = 1;
		*p->cur->tail = o;
		p->cur->tail = &o->next;
		p->cur->n_opt++;
	}
	if ((v = alloc(p, sizeof(*v))) == NULL)
		return;
	v->s = value;
	v->line = line;
	if (o->deleted || !is_list) {
		o->head = NULL;
		o->tail = &o->head;
		o->is_list = is_list;
		o->line = line;
		o->deleted = 0;
	} else
		o->is_list = 1;
	*o->tail = v;
	o->tail = &v->next;
}

/*
 * Validation: the model into struct conf, one table row per option.
 */

static void
sec_label(const struct sec *s, char *buf, size_t cap)
{
	if (s->name != NULL)
		snprintf(buf, cap, "%s", s->name);
	else
		snprintf(buf, cap, "@%s[%d]", s->type, s->index);
}

static void
build(struct pctx *p)
{
	struct conf *c = p->c;
	const struct sec *s, *main_sec = NULL;
	struct conf_upstream *u;
	char lbl[CONF_SECTION_CAP + 16], first[CONF_SECTION_CAP + 16];
	char b[SHOW_BUF];
	unsigned seen;
	int i, n_enabled = 0, up_full = 0;

	for (i = 0; i < p->n_sec; i++) {
		s = &p->sec[i];
		sec_label(s, lbl, sizeof(lbl));
		/* the init script and conf_dump use main for config dotfwd */
		if (s->name != NULL && strcmp(s->name, "main") == 0 &&
		    (strcmp(s->type, "upstream") == 0 ||
		    strcmp(s->type, "server") == 0))
			report(p, s->line, 0, "section name 'main' is kept for "
			    "'config dotfwd'");
		if (strcmp(s->type, "dotfwd") == 0) {
			if (main_sec != NULL) {
				sec_label(main_sec, first, sizeof(first));
				report(p, s->line, 0, "second 'config dotfwd' "
				    "section '%s': use one (the first is '%s' "
				    "at line %d)", lbl, first, main_sec->line);
				continue;
			}
			main_sec = s;
			apply_section(p, s, main_opts, nitems(main_opts), c,
			    lbl);
		} else if (strcmp(s->type, "upstream") == 0) {
			if (c->n_up == CONF_MAX_UPSTREAMS) {
				if (!up_full)
					report(p, s->line, 0, "too many "
					    "upstream sections (max %d)",
					    CONF_MAX_UPSTREAMS);
				up_full = 1;
				continue;
			}
			u = &c->up[c->n_up++];
			memset(u, 0, sizeof(*u));
			copy_str(u->name, sizeof(u->name), lbl);
			u->line = s->line;
			u->enabled = 1;
			seen = apply_section(p, s, upstream_opts,
			    nitems(upstream_opts), u, lbl);
			if (!u->enabled)
				continue;
			n_enabled++;
			if (!has_opt(seen, upstream_opts, "address"))
				report(p, s->line, 0, "upstream '%s' needs an "
				    "address, e.g. list address '9.9.9.9'",
				    lbl);
			if (!has_opt(seen, upstream_opts, "auth_name"))
				report(p, s->line, 0, "upstream '%s' needs "
				    "auth_name: BearSSL cannot check IP "
				    "addresses, and an empty name would "
				    "disable the certificate name check", lbl);
		} else if (strcmp(s->type, "server") == 0) {
			if (c->srv.present) {
				report(p, s->line, 0, "second 'config server' "
				    "section '%s': use one (the first is at "
				    "line %d)", lbl, c->srv.line);
				continue;
			}
			c->srv.present = 1;
			c->srv.line = s->line;
			seen = apply_section(p, s, server_opts,
			    nitems(server_opts), &c->srv, lbl);
			if (!has_opt(seen, server_opts, "listen"))
				report(p, s->line, 0, "server '%s' needs "
				    "listen, e.g. list listen '0.0.0.0:853'",
				    lbl);
			if (!has_opt(seen, server_opts, "cert"))
				report(p, s->line, 0, "server '%s' needs cert: "
				    "the PEM certificate chain", lbl);
			if (!has_opt(seen, server_opts, "key"))
				report(p, s->line, 0, "server '%s' needs key: "
				    "the PEM private key", lbl);
		} else
			report(p, s->line, 1, "unknown section type '%s'",
			    show(s->type, b));
	}
	/* at the main section's line, or line 1 when there is none */
	if (n_enabled == 0 && !up_full)
		report(p, main_sec != NULL ? main_sec->line : 1, 0,
		    "no enabled upstream: add a 'config upstream' section "
		    "with address and auth_name");
}

/* Bit i of 'seen' (from apply_section) for the row called 'name'. */
static int
has_opt(unsigned seen, const struct conf_opt *tab, const char *name)
{
	int i;

	for (i = 0; strcmp(tab[i].name, name) != 0; i++)
		continue;
	return (seen >> i & 1) != 0;
}

/*
 * Returns the rows present (bit i for row i), valid or not, so that a
 * bad value is not also reported as missing.
 */
static unsigned
apply_section(struct pctx *p, const struct sec *s, const struct conf_opt *tab,
    size_t n, void *base, const char *label)
{
	const struct opt *o;
	char b[SHOW_BUF];
	unsigned seen = 0;
	size_t i;

	for (o = s->opts; o != NULL; o = o->next) {
		if (o->deleted)
			continue;
		for (i = 0; i < n; i++)
			if (strcmp(tab[i].name, o->name) == 0)
				break;
		if (i == n) {
			report(p, o->line, 1, "unknown option '%s' in section "
			    "'%s'", show(o->name, b), label);
			continue;
		}
		seen |= 1U << i;
		apply_opt(p, &tab[i], o, base, label);
	}
	return seen;
}

static int
is_list_kind(enum opt_kind k)
{
	return k == OPT_ADDR_LIST || k == OPT_NET_LIST || k == OPT_PIN_LIST;
}

/* A list in the file replaces the default list as a whole. */
static void
apply_opt(struct pctx *p, const struct conf_opt *t, const struct opt *o,
    void *base, const char *label)
{
	const struct val *v;
	int *np;

	if (!is_list_kind(t->kind)) {
		if (o->is_list)
			report(p, o->line, 0, "'%s' takes one value: use "
			    "'option', not 'list'", t->name);
		else
			set_value(p, t, o->head, base, 0, label);
		return;
	}
	np = (int *)(void *)((char *)base + t->n_off);
	*np = 0;
	for (v = o->head; v != NULL; v = v->next) {
		if (*np == (int)t->hi) {
			report(p, v->line, 0, "too many %s values in section "
			    "'%s' (max %d)", t->name, label, (int)t->hi);
			return;
		}
		if (set_value(p, t, v, base, *np, label) == 0)
			(*np)++;
	}
}

/* Check v and store it as item i of row t's field; 0 or -1 (reported). */
static int
set_value(struct pctx *p, const struct conf_opt *t, const struct val *v,
    void *base, int i, const char *label)
{
	char *f = (char *)base + t->off;
	char b[SHOW_BUF], h[160], ns[CONF_ADDRSTR_CAP + 8];
	struct conf_addr *a, *prev;
	struct conf_net *net;
	uint32_t u;
	int r = -1, x, j, host_bits;

	switch (t->kind) {
	case OPT_UINT:
		if ((r = parse_uint(v->s, t->lo, t->hi, &u)) == 0)
			memcpy(f, &u, sizeof(u));
		break;
	case OPT_BOOL:
	case OPT_IGNORE:
		if ((r = parse_bool(v->s, &x)) == 0 && t->kind == OPT_BOOL)
			memcpy(f, &x, sizeof(x));
		break;
	case OPT_ENUM:
		if ((r = parse_enum(v->s, t->names, &x)) == 0)
			memcpy(f, &x, sizeof(x));
		break;
	case OPT_PATH:
		r = parse_path(v->s, f);
		break;
	case OPT_HOST:
		if ((r = parse_host(v->s, f)) == -2) {
			report(p, v->line, 0, "invalid %s '%s': an IP address "
			    "cannot be checked by BearSSL; use the DNS name "
			    "in the server's certificate", t->name,
			    show(v->s, b));
			return -1;
		}
		break;
	case OPT_ADDR:
		a = (struct conf_addr *)(void *)f;
		if ((r = parse_addr(v->s, t->port, a)) == 0)
			*(int *)(void *)((char *)base + t->n_off) = 1;
		break;
	case OPT_ADDR_LIST:
		a = (struct conf_addr *)(void *)f;
		if ((r = parse_addr(v->s, t->port, &a[i])) != 0)
			break;
		for (j = 0; j < i; j++) {
			prev = &a[j];
			if (addr_eq(prev, &a[i])) {
				report(p, v->line, 0, "duplicate %s '%s' in "
				    "section '%s'", t->name, show(v->s, b),
				    label);
				return -1;
			}
		}
		break;
	case OPT_NET_LIST:
		net = &((struct conf_net *)(void *)f)[i];
		if ((r = parse_net(v->s, net, &host_bits)) == 0 && host_bits) {
			net_str(net, ns, sizeof(ns));
			report(p, v->line, 1, "%s '%s' has host bits set; "
			    "using %s", t->name, show(v->s, b), ns);
		}
		break;
	case OPT_PIN_LIST:
		r = parse_pin(v->s, (uint8_t *)f + 32 * i);
		break;
	}
	if (r != 0) {
		hint(t, h, sizeof(h));
		report(p, v->line, 0, "invalid %s '%s': %s", t->name,
		    show(v->s, b), h);
		return -1;
	}
	return 0;
}

/* What a valid value of row t looks like, for error messages. */
static void
hint(const struct conf_opt *t, char *buf, size_t cap)
{
	size_t i, n;

	switch (t->kind) {
	case OPT_UINT:
		snprintf(buf, cap, "expected an integer %lu..%lu",
		    (unsigned long)t->lo, (unsigned long)t->hi);
		break;
	case OPT_BOOL:
	case OPT_IGNORE:
		snprintf(buf, cap, "expected 1/0, yes/no, on/off, true/false "
		    "or enabled/disabled");
		break;
	case OPT_ENUM:
		for (n = 0; t->names[n] != NULL; n++)
			continue;
		snprintf(buf, cap, "expected");
		for (i = 0; i < n; i++)
			snprintf(buf + strlen(buf), cap - strlen(buf), "%s%s",
			    i == 0 ? " " : i + 1 == n ? " or " : ", ",
			    t->names[i]);
		break;
	case OPT_PATH:
		snprintf(buf, cap, "expected a path of at most %d bytes, "
		    "without control characters", CONF_PATH_CAP - 1);
		break;
	case OPT_HOST:
		snprintf(buf, cap, "expected a DNS name such as "
		    "dns.example.net (letters, digits and '-')");
		break;
	case OPT_ADDR:
	case OPT_ADDR_LIST:
		if (t->port == 0)
			snprintf(buf, cap, "expected ADDR:PORT, IPv6 as "
			    "[ADDR]:PORT");
		else
			snprintf(buf, cap, "expected an IP address with an "
			    "optional :PORT (default %u), IPv6 as "
			    "[ADDR]:PORT; names are not looked up", t->port);
		break;
	case OPT_NET_LIST:
		snprintf(buf, cap, "expected an IPv4 or IPv6 address with an "
		    "optional /PREFIX");
		break;
	case OPT_PIN_LIST:
		snprintf(buf, cap, "expected %s and the base64 of 32 bytes "
		    "(%d characters)", PIN_PREFIX, PIN_B64_LEN);
		break;
	}
}

/*
 * Values.  Each parser returns 0 or -1 and leaves the output alone on -1
 * unless the caller's slot is scratch (list items).
 */

/* Decimal digits only: no sign, blank or leading "0x". */
static int
parse_uint(const char *s, uint32_t lo, uint32_t hi, uint32_t *v)
{
	uint64_t x = 0;
	size_t i;

	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] < '0' || s[i] > '9' || i == 10)
			return -1;
		x = x * 10 + (uint64_t)(s[i] - '0');
	}
	if (i == 0 || x < lo || x > hi)
		return -1;
	*v = (uint32_t)x;
	return 0;
}

/* The set of /lib/functions.sh config_get_bool, lower case only. */
static int
parse_bool(const char *s, int *v)
{
	static const char *const yes[] = { "1", "yes", "on", "true",
	    "enabled" };
	static const char *const no[] = { "0", "no", "off", "false",
	    "disabled" };
	size_t i;

	for (i = 0; i < nitems(yes); i++) {
		if (strcmp(s, yes[i]) == 0) {
			*v = 1;
			return 0;
		}
		if (strcmp(s, no[i]) == 0) {
			*v = 0;
			return 0;
		}
	}
	return -1;
}

static int
parse_enum(const char *s, const char *const *names, int *v)
{
	int i;

	for (i = 0; names[i] != NULL; i++)
		if (strcmp(s, names[i]) == 0) {
			*v = i;
			return 0;
		}
	return -1;
}

static int
parse_path(const char *s, char *dst)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f ||
		    i == CONF_PATH_CAP - 1)
			return -1;
	memcpy(dst, s, i + 1);
	return 0;
}

/*
 * RFC 1123 host name: labels of 1..63 letters, digits and '-', not
 * starting or ending with '-'; at most 253 characters without the one
 * trailing dot allowed (dropped: SNI carries no trailing dot, RFC 6066).
 * -2 when it looks like an IP address (all-digit last label, or ':').
 */
static int
parse_host(const char *s, char *dst)
{
	size_t n = strlen(s), i, lab = 0, start = 0;
	int ch, digits = 1;

	if (strchr(s, ':') != NULL)
		return -2;
	if (n > 0 && s[n - 1] == '.')
		n--;
	if (n == 0 || n > CONF_NAME_CAP - 1)
		return -1;
	for (i = 0; i < n; i++) {
		ch = (unsigned char)s[i];
		if (ch == '.') {
			if (lab == 0 || s[i - 1] == '-')
				return -1;
			lab = 0;
			start = i + 1;
			continue;
		}
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || ch == '-'))
			return -1;
		if ((ch == '-' && lab == 0) || ++lab > 63)
			return -1;
	}
	if (lab == 0 || s[n - 1] == '-')
		return -1;
	for (i = start; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			digits = 0;
	if (digits)
		return -2;
	memcpy(dst, s, n);
	dst[n] = '\0';
	return 0;
}

/*
 * "1.2.3.4", "1.2.3.4:53", "[::1]:53", "[::1]" or a bare "2001:db8::1"
 * (no port then).  port: the default, 0 when a port is required.
 */
static int
parse_addr(const char *s, uint16_t port, struct conf_addr *a)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *end, *ps = NULL;
	uint32_t pv = port;
	size_t n;
	int v6;

	if (s[0] == '[') {
		if ((end = strchr(s, ']')) == NULL)
			return -1;
		s++;
		v6 = 1;
		if (end[1] == ':')
			ps = end + 2;
		else if (end[1] != '\0')
			return -1;
	} else if ((end = strchr(s, ':')) != NULL &&
	    strchr(end + 1, ':') == NULL) {
		v6 = 0;
		ps = end + 1;
	} else {
		v6 = end != NULL;
		end = s + strlen(s);
	}
	n = (size_t)(end - s);
	if (n >= sizeof(host))
		return -1;
	memcpy(host, s, n);
	host[n] = '\0';
	if (ps != NULL && parse_uint(ps, 1, 65535, &pv) == -1)
		return -1;
	if (pv == 0)
		return -1;

	memset(a, 0, sizeof(*a));
	if (v6) {
		if (inet_pton(AF_INET6, host, &a->u.sin6.sin6_addr) != 1)
			return -1;
		a->u.sin6.sin6_family = AF_INET6;
		a->u.sin6.sin6_port = htons((uint16_t)pv);
		a->len = sizeof(a->u.sin6);
	} else {
		if (inet_pton(AF_INET, host, &a->u.sin.sin_addr) != 1)
			return -1;
		a->u.sin.sin_family = AF_INET;
		a->u.sin.sin_port = htons((uint16_t)pv);
		a->len = sizeof(a->u.sin);
	}
	return 0;
}

/* "ADDR" or "ADDR/PREFIX"; host bits are cleared and reported. */
static int
parse_net(const char *s, struct conf_net *net, int *host_bits)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *slash = strchr(s, '/');
	uint32_t max, pfx;
	size_t n = slash != NULL ? (size_t)(slash - s) : strlen(s);
	uint8_t keep;
	int i;

	if (n >= sizeof(host))
		return -1;
	memcpy(host, s, n);
	host[n] = '\0';
	memset(net, 0, sizeof(*net));
	if (strchr(host, ':') != NULL) {
		net->family = AF_INET6;
		max = 128;
	} else {
		net->family = AF_INET;
		max = 32;
	}
	if (inet_pton(net->family, host, net->addr) != 1)
		return -1;
	pfx = max;
	if (slash != NULL && parse_uint(slash + 1, 0, max, &pfx) == -1)
		return -1;
	net->prefix = (int)pfx;
	*host_bits = 0;
	for (i = 0; i < (int)max / 8; i++) {
		if (i * 8 >= (int)pfx)
			keep = 0;
		else if (i * 8 + 8 <= (int)pfx)
			keep = 0xff;
		else
			keep = (uint8_t)(0xff << (8 - (pfx - (uint32_t)i * 8)));
		if (net->addr[i] & (uint8_t)~keep)
			*host_bits = 1;
		net->addr[i] &= keep;
	}
	return 0;
}

static int
b64_val(int ch)
{
	const char *p;

	if (ch == '\0' || (p = strchr(b64_chars, ch)) == NULL)
		return -1;
	return (int)(p - b64_chars);
}

/* "sha256/" and the canonical base64 of 32 bytes (43 chars and "="). */
static int
parse_pin(const char *s, uint8_t *out)
{
	uint8_t tmp[32];
	uint32_t acc = 0;
	int i, v, bits = 0, n = 0;

	if (strncmp(s, PIN_PREFIX, strlen(PIN_PREFIX)) != 0)
		return -1;
	s += strlen(PIN_PREFIX);
	if (strlen(s) != PIN_B64_LEN || s[PIN_B64_LEN - 1] != '=')
		return -1;
	for (i = 0; i < PIN_B64_LEN - 1; i++) {
		if ((v = b64_val((unsigned char)s[i])) == -1)
			return -1;
		acc = acc << 6 | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			tmp[n++] = (uint8_t)(acc >> bits);
			acc &= (1U << bits) - 1;
		}
	}
	if (acc != 0)		/* the 2 spare bits must be zero */
		return -1;
	memcpy(out, tmp, sizeof(tmp));
	return 0;
}

static int
addr_eq(const struct conf_addr *a, const struct conf_addr *b)
{
	if (a->u.sa.sa_family != b->u.sa.sa_family)
		return 0;
	if (a->u.sa.sa_family == AF_INET)
		return a->u.sin.sin_port == b->u.sin.sin_port &&
		    memcmp(&a->u.sin.sin_addr, &b->u.sin.sin_addr, 4) == 0;
	return a->u.sin6.sin6_port == b->u.sin6.sin6_port &&
	    memcmp(&a->u.sin6.sin6_addr, &b->u.sin6.sin6_addr, 16) == 0;
}

/*
 * Text forms.  IPv6 is formatted here (RFC 5952) rather than by
 * inet_ntop so that glibc and musl print the same.
 */

static void
fmt_ip4(const uint8_t *a, char *buf, size_t cap)
{
	snprintf(buf, cap, "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
}

static void
fmt_ip6(const uint8_t *a, char *buf, size_t cap)
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	    0xff, 0xff };
	unsigned w[8];
	size_t o = 0;
	int i, j, best = -1, best_len = 1;

	if (memcmp(a, mapped, sizeof(mapped)) == 0) {
		snprintf(buf, cap, "::ffff:%u.%u.%u.%u", a[12], a[13], a[14],
		    a[15]);
		return;
	}
	for (i = 0; i < 8; i++)
		w[i] = (unsigned)a[2 * i] << 8 | a[2 * i + 1];
	/* the first longest run of two or more zero groups becomes "::" */
	for (i = 0; i < 8; i = j + 1) {
		for (j = i; j < 8 && w[j] == 0; j++)
			continue;
		if (j - i > best_len) {
			best = i;
			best_len = j - i;
		}
	}
	buf[0] = '\0';
	for (i = 0; i < 8 && o < cap; ) {
		if (i == best) {
			o += (size_t)snprintf(buf + o, cap - o, "::");
			i += best_len;
			continue;
		}
		o += (size_t)snprintf(buf + o, cap - o, "%s%x",
		    i > 0 && i != best + best_len ? ":" : "", w[i]);
		i++;
	}
}

static void
net_str(const struct conf_net *n, char *buf, size_t cap)
{
	char ip[INET6_ADDRSTRLEN + 1];

	if (n->family == AF_INET)
		fmt_ip4(n->addr, ip, sizeof(ip));
	else
		fmt_ip6(n->addr, ip, sizeof(ip));
	snprintf(buf, cap, "%s/%d", ip, n->prefix);
}

/* see conf.h */
const char *
conf_addr_str(const struct conf_addr *a, char *buf, size_t cap)
{
	char ip[INET6_ADDRSTRLEN + 1];

	if (a->u.sa.sa_family == AF_INET) {
		fmt_ip4((const uint8_t *)&a->u.sin.sin_addr, ip, sizeof(ip));
		snprintf(buf, cap, "%s:%u", ip, ntohs(a->u.sin.sin_port));
	} else if (a->u.sa.sa_family == AF_INET6) {
		fmt_ip6(a->u.sin6.sin6_addr.s6_addr, ip, sizeof(ip));
		snprintf(buf, cap, "[%s]:%u", ip, ntohs(a->u.sin6.sin6_port));
	} else
		snprintf(buf, cap, "?");
	return buf;
}

static int
prefix_match(const uint8_t *net, const uint8_t *a, int bits)
{
	int n = bits / 8;
	uint8_t mask;

	if (memcmp(net, a, (size_t)n) != 0)
		return 0;
	if (bits % 8 == 0)
		return 1;
	mask = (uint8_t)(0xff << (8 - bits % 8));
	return (net[n] & mask) == (a[n] & mask);
}

/* see conf.h */
int
conf_allowed(const struct conf *c, const struct sockaddr *sa)
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	    0xff, 0xff };
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;
	const uint8_t *a4 = NULL, *a6 = NULL;
	int i;

	if (sa->sa_family == AF_INET) {
		memcpy(&sin, sa, sizeof(sin));
		a4 = (const uint8_t *)&sin.sin_addr;
	} else if (sa->sa_family == AF_INET6) {
		memcpy(&sin6, sa, sizeof(sin6));
		a6 = sin6.sin6_addr.s6_addr;
		/* a v4 client on a dual-stack socket: ::ffff:a.b.c.d */
		if (memcmp(a6, mapped, sizeof(mapped)) == 0)
			a4 = a6 + 12;
	} else
		return 0;
	for (i = 0; i < c->n_allow; i++) {
		if (c->allow[i].family == AF_INET && a4 != NULL &&
		    prefix_match(c->allow[i].addr, a4, c->allow[i].prefix))
			return 1;
		if (c->allow[i].family == AF_INET6 && a6 != NULL &&
		    prefix_match(c->allow[i].addr, a6, c->allow[i].prefix))
			return 1;
	}
	return 0;
}

/*
 * Dump, in uci's own format.
 */

/* uci_escape: single quotes, and ' written as '\'' */
static void
put_quoted(FILE *out, const char *s)
{
	putc('\'', out);
	for (; *s != '\0'; s++) {
		if (*s == '\'')
			fputs("'\\''", out);
		else
			putc(*s, out);
	}
	putc('\'', out);
}

static void
dump_section(FILE *out, const struct conf_opt *tab, size_t n,
    const void *base)
{
	const struct conf_opt *t;
	const char *f;
	char v[CONF_ADDRSTR_CAP + 8], pin[sizeof(PIN_PREFIX) + PIN_B64_LEN];
	const uint8_t *b;
	uint32_t u;
	size_t i;
	int x, k, cnt, j, o;

	for (i = 0; i < n; i++) {
		t = &tab[i];
		f = (const char *)base + t->off;
		cnt = 1;
		if (is_list_kind(t->kind) || t->kind == OPT_ADDR)
			memcpy(&cnt, (const char *)base + t->n_off,
			    sizeof(cnt));
		for (k = 0; k < cnt; k++) {
			switch (t->kind) {
			case OPT_UINT:
				memcpy(&u, f, sizeof(u));
				snprintf(v, sizeof(v), "%lu",
				    (unsigned long)u);
				break;
			case OPT_BOOL:
				memcpy(&x, f, sizeof(x));
				snprintf(v, sizeof(v), "%d", x != 0);
				break;
			case OPT_IGNORE:
				continue;
			case OPT_ENUM:
				memcpy(&x, f, sizeof(x));
				snprintf(v, sizeof(v), "%s", t->names[x]);
				break;
			case OPT_PATH:
			case OPT_HOST:
				fprintf(out, "\toption %s ", t->name);
				put_quoted(out, f);
				putc('\n', out);
				continue;
			case OPT_ADDR:
			case OPT_ADDR_LIST:
				conf_addr_str((const struct conf_addr *)
				    (const void *)f + k, v, sizeof(v));
				break;
			case OPT_NET_LIST:
				net_str((const struct conf_net *)
				    (const void *)f + k, v, sizeof(v));
				break;
			case OPT_PIN_LIST:
				b = (const uint8_t *)f + 32 * k;
				o = snprintf(pin, sizeof(pin), "%s",
				    PIN_PREFIX);
				for (j = 0; j < 32; j += 3) {
					u = (uint32_t)b[j] << 16;
					if (j + 1 < 32)
						u |= (uint32_t)b[j + 1] << 8;
					if (j + 2 < 32)
						u |= b[j + 2];
					pin[o++] = b64_chars[u >> 18 & 63];
					pin[o++] = b64_chars[u >> 12 & 63];
					pin[o++] = b64_chars[u >> 6 & 63];
					pin[o++] = j + 2 < 32 ?
					    b64_chars[u & 63] : '=';
				}
				pin[o] = '\0';
				snprintf(v, sizeof(v), "%s", pin);
				break;
			}
			fprintf(out, "\t%s %s ",
			    is_list_kind(t->kind) ? "list" : "option",
			    t->name);
			put_quoted(out, v);
			putc('\n', out);
		}
	}
}

/* see conf.h */
void
conf_dump(const struct conf *c, FILE *out)
{
	int i;

	fprintf(out, "config dotfwd 'main'\n");
	dump_section(out, main_opts, nitems(main_opts), c);
	for (i = 0; i < c->n_up; i++) {
		fprintf(out, "\nconfig upstream");
		if (c->up[i].name[0] != '@') {
			putc(' ', out);
			put_quoted(out, c->up[i].name);
		}
		putc('\n', out);
		dump_section(out, upstream_opts, nitems(upstream_opts),
		    &c->up[i]);
	}
	if (c->srv.present) {
		fprintf(out, "\nconfig server\n");
		dump_section(out, server_opts, nitems(server_opts), &c->srv);
	}
}

/*
 * Entry points.
 */

/* see conf.h */
void
conf_defaults(struct conf *c)
{
	size_t i;
	int host_bits;

	memset(c, 0, sizeof(*c));
	for (i = 0; i < nitems(default_listen); i++)
		BUG_ON(parse_addr(default_listen[i], 0,
		    &c->listen[c->n_listen++]) != 0);
	for (i = 0; i < nitems(default_allow); i++)
		BUG_ON(parse_net(default_allow[i], &c->allow[c->n_allow++],
		    &host_bits) != 0);
	c->timeout_ms = 2500;
	c->idle_timeout_ms = 9000;
	c->connections = 1;
	c->policy = CONF_POLICY_ORDERED;
	c->padding = 128;
	c->max_inflight = 256;
	c->max_tcp_clients = 32;
	c->log_level = 2;	/* LOG_L_INFO */
}

/* see conf.h */
int
conf_parse(struct conf *c, const char *name, const char *buf, size_t len,
    FILE *err)
{
	char saved[CONF_PATH_CAP];
	struct pctx *p;
	struct chunk *ch;
	int n;

	if (name == c->file) {
		copy_str(saved, sizeof(saved), name);
		name = saved;
	}
	conf_defaults(c);
	copy_str(c->file, sizeof(c->file), name);
	if (len > CONF_FILE_MAX) {
		fprintf(err, "%s: too big (over %d bytes)\n", name,
		    CONF_FILE_MAX);
		return 1;
	}
	if ((p = calloc(1, sizeof(*p))) == NULL ||
	    (p->out = malloc(len + 2)) == NULL) {
		free(p);
		fprintf(err, "%s: out of memory\n", name);
		return 1;
	}
	p->c = c;
	p->file = name;
	p->buf = buf;
	p->len = len;
	p->line = 1;
	p->out_cap = len + 2;

	check_bytes(p);
	if (p->n_err == 0) {
		parse_file(p);
		if (!p->oom)
			build(p);
	}
	flush(p, err);
	if (p->oom) {
		fprintf(err, "%s: out of memory\n", name);
		p->n_err++;
	}
	n = p->n_err;
	while ((ch = p->chunks) != NULL) {
		p->chunks = ch->next;
		free(ch);
	}
	free(p->out);
	free(p);
	return n;
}

/* see conf.h */
int
conf_load(struct conf *c, const char *path, FILE *err)
{
	char saved[CONF_PATH_CAP];
	FILE *f;
	char *buf;
	size_t n;
	int r, e;

	if (path == c->file) {
		copy_str(saved, sizeof(saved), path);
		path = saved;
	}
	conf_defaults(c);
	copy_str(c->file, sizeof(c->file), path);
	if ((f = fopen(path, "r")) == NULL) {
		fprintf(err, "%s: cannot open: %s\n", path, strerror(errno));
		return 1;
	}
	if ((buf = malloc(CONF_FILE_MAX + 1)) == NULL) {
		fclose(f);
		fprintf(err, "%s: out of memory\n", path);
		return 1;
	}
	n = fread(buf, 1, CONF_FILE_MAX + 1, f);
	e = errno;
	if (ferror(f)) {
		fclose(f);
		free(buf);
		fprintf(err, "%s: cannot read: %s\n", path, strerror(e));
		return 1;
	}
	fclose(f);
	if (n > CONF_FILE_MAX) {
		free(buf);
		fprintf(err, "%s: too big (over %d bytes)\n", path,
		    CONF_FILE_MAX);
		return 1;
	}
	r = conf_parse(c, path, buf, n, err);
	free(buf);
	return r;
}

/* see conf.h */
void
conf_schema(FILE *out)
{
	static const struct {
		const char		*section;
		const struct conf_opt	*tab;
		size_t			 n;
	} secs[] = {
		{ "dotfwd", main_opts, nitems(main_opts) },
		{ "upstream", upstream_opts, nitems(upstream_opts) },
		{ "server", server_opts, nitems(server_opts) },
	};
	static const char *const kind_name[] = { "uint", "bool", "bool",
	    "enum", "path", "hostname", "address", "address_list",
	    "cidr_list", "pin_list" };
	const struct conf_opt *t;
	const char *const *e;
	size_t i, k;

	for (i = 0; i < nitems(secs); i++) {
		for (k = 0; k < secs[i].n; k++) {
			t = &secs[i].tab[k];
			fprintf(out, "%s %s %s", secs[i].section, t->name,
			    kind_name[t->kind]);
			if (t->kind == OPT_UINT)
				fprintf(out, " %u %u", (unsigned)t->lo,
				    (unsigned)t->hi);
			for (e = t->names; e != NULL && *e != NULL; e++)
				fprintf(out, " %s", *e);
			fputc('\n', out);
		}
	}
}
