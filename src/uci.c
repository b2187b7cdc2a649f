/* SPDX-License-Identifier: MIT */
/*
 * uci.c: UCI syntax (see uci.h).  A tokenizer that reads what libuci
 * reads (file.c), then each command applied to the model as libuci's
 * list.c does.  Model nodes and messages come from chunks that
 * uci_free() releases together (mem_temp pages); nothing else allocates.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "mem.h"
#include "uci.h"

#define MSG_MAX		100	/* problems kept and sorted; more are counted */
#define MSG_CAP		1024	/* one message: text and two shown values */
#define SEC_MAX		64	/* sections of any type in one file */
#define OPT_MAX		64	/* distinct option names in one section */
#define CHUNK_CAP	4096	/* model nodes are carved from such chunks */

/* Words of one command: the keyword and at most two arguments. */
#define WORDS_MAX	3

enum { T_WORD, T_END, T_EOF, T_ERR };

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

struct uci {
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
	struct uci_sec	 sec[SEC_MAX];
	int		 n_sec;
	int		 sec_full;	/* "too many sections" was said */
	struct uci_sec	*cur;		/* section that options go to */
	int		 discard;	/* after a bad "config": drop options */
	int		 bad_bytes;	/* control characters: no model */
	struct msg	 msg[MSG_MAX];
	int		 n_msg;
	int		 n_lost;
	int		 n_err;
	int		 oom;
};

static void	 msg_sort(struct msg *, int);
static void	*alloc(struct uci *, size_t);
static void	 check_bytes(struct uci *);
static size_t	 continuation(const struct uci *, size_t);
static int	 is_blank(int);
static void	 put(struct uci *, int);
static int	 lex_quoted(struct uci *);
static int	 lex_word(struct uci *, const char **);
static void	 parse_file(struct uci *);
static int	 is_kw(const char *, const char *);
static int	 valid_name(const char *);
static int	 valid_type(const char *);
static void	 command(struct uci *, int, const char **, int, int);
static void	 cmd_config(struct uci *, int, const char **, int, int);
static void	 cmd_option(struct uci *, int, const char **, int, int, int);
static struct uci_opt *find_opt(const struct uci_sec *, const char *);

/*
 * Messages.
 */

/* see uci.h */
void
uci_report(struct uci *p, int line, int is_warn, const char *fmt, ...)
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
	fmt_vsnprintf(text, sizeof(text), fmt, ap);
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

/*
 * By line, then in the order reported (seq): an insertion sort, stable,
 * for at most MSG_MAX messages that mostly come in order already.
 */
static void
msg_sort(struct msg *m, int n)
{
	struct msg t;
	int i, j;

	for (i = 1; i < n; i++) {
		t = m[i];
		for (j = i; j > 0 && m[j - 1].line > t.line; j--)
			m[j] = m[j - 1];
		m[j] = t;
	}
}

/* see uci.h */
void
uci_flush(struct uci *p, struct fmt_out *err)
{
	int i;

	msg_sort(p->msg, p->n_msg);
	for (i = 0; i < p->n_msg; i++)
		fmt_printf(err, "%s:%d: %s%s\n", p->file, p->msg[i].line,
		    p->msg[i].is_warn ? "warning: " : "", p->msg[i].text);
	if (p->n_lost > 0)
		fmt_printf(err, "%s: %d more errors and warnings not shown\n",
		    p->file, p->n_lost);
	if (p->oom)
		fmt_printf(err, "%s: out of memory\n", p->file);
}

/* see uci.h */
int
uci_n_err(const struct uci *p)
{
	return p->n_err + (p->oom != 0);
}

/* see uci.h */
const char *
uci_show(const char *s, char *buf)
{
	size_t i, o = 0;
	int ch;

	for (i = 0; s[i] != '\0'; i++) {
		if (i == UCI_SHOW_CAP) {
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
			o += fmt_snprintf(buf + o, 5, "\\x%02x", ch);
	}
	buf[o] = '\0';
	return buf;
}

/*
 * Memory: model nodes come from chunks freed together at the end.  They
 * hold only pointers and ints, so pointer alignment is enough.
 */
static void *
alloc(struct uci *p, size_t n)
{
	struct chunk *ch = p->chunks;
	size_t cap;
	void *v;

	n = (n + sizeof(void *) - 1) & ~(sizeof(void *) - 1);
	if (ch == NULL || ch->cap - ch->used < n) {
		cap = MAX(n, CHUNK_CAP);
		if ((ch = mem_temp(sizeof(*ch) + cap)) == NULL) {
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

/*
 * Tokenizer (libuci file.c): words are unquoted, 'single' or "double"
 * pieces that concatenate; '#' starts a comment, ';' ends a command.
 */

/* libuci's uci_validate_text: no control bytes but tab, CR and LF. */
static void
check_bytes(struct uci *p)
{
	size_t i;
	int line = 1, ch;

	for (i = 0; i < p->len; i++) {
		ch = (unsigned char)p->buf[i];
		if (ch == '\n')
			line++;
		else if (ch < 0x20 && ch != '\t' && ch != '\r') {
			uci_report(p, line, 0, "invalid control character 0x%02x",
			    ch);
			p->bad_bytes = 1;
			while (i + 1 < p->len && p->buf[i + 1] != '\n')
				i++;
		}
	}
}

/* Length of a backslash-newline (or backslash-CR-LF) at i, else 0. */
static size_t
continuation(const struct uci *p, size_t i)
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
put(struct uci *p, int ch)
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
lex_quoted(struct uci *p)
{
	int q = p->buf[p->pos], qline = p->line, ch;
	size_t n;

	p->pos++;
	for (;;) {
		if (p->pos >= p->len) {
			/* a word begun earlier: a quote there may be missing */
			if (qline == p->word_line)
				uci_report(p, qline, 0, "unterminated %c quote", q);
			else
				uci_report(p, qline, 0, "unterminated %c quote; "
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
lex_word(struct uci *p, const char **word)
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
parse_file(struct uci *p)
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
command(struct uci *p, int line, const char **w, int n, int extra)
{
	char b[UCI_SHOW_BUF];

	if (is_kw(w[0], "config"))
		cmd_config(p, line, w, n, extra);
	else if (is_kw(w[0], "option"))
		cmd_option(p, line, w, n, extra, 0);
	else if (is_kw(w[0], "list"))
		cmd_option(p, line, w, n, extra, 1);
	else if (is_kw(w[0], "package")) {
		/* uci_load ignores it in a single file */
		if (n < 2 || w[1][0] == '\0')
			uci_report(p, line, 0, "'package' needs a name");
		else if (n > 2 || extra)
			uci_report(p, line, 0, "too many arguments to 'package'");
	} else
		uci_report(p, line, 0, "invalid command '%s': expected config, "
		    "option or list", uci_show(w[0], b));
}

static void
cmd_config(struct uci *p, int line, const char **w, int n, int extra)
{
	const char *type = n > 1 ? w[1] : "", *name = n > 2 ? w[2] : "";
	char b1[UCI_SHOW_BUF], b2[UCI_SHOW_BUF];
	struct uci_sec *s;
	int i, idx;

	/* until this command succeeds, options have nowhere to go */
	p->cur = NULL;
	p->discard = 1;
	if (type[0] == '\0') {
		uci_report(p, line, 0, "'config' needs a section type");
		return;
	}
	if (n > 3 || extra) {
		uci_report(p, line, 0, "too many arguments to 'config'");
		return;
	}
	if (!valid_type(type)) {
		uci_report(p, line, 0, "invalid section type '%s'",
		    uci_show(type, b1));
		return;
	}
	if (name[0] != '\0') {
		if (!valid_name(name)) {
			uci_report(p, line, 0, "invalid section name '%s': use "
			    "letters, digits and '_'", uci_show(name, b1));
			return;
		}
		if (strlen(name) >= UCI_SECTION_CAP) {
			uci_report(p, line, 0, "section name '%s' is too long "
			    "(max %d characters)", uci_show(name, b1),
			    UCI_SECTION_CAP - 1);
			return;
		}
		/* a known name re-opens the section (uci merges them) */
		for (i = 0; i < p->n_sec; i++) {
			s = &p->sec[i];
			if (s->name == NULL || strcmp(s->name, name) != 0)
				continue;
			if (strcmp(s->type, type) != 0) {
				uci_report(p, line, 0, "section '%s' was declared "
				    "with type '%s' at line %d", name,
				    uci_show(s->type, b2), s->line);
				return;
			}
			p->cur = s;
			p->discard = 0;
			return;
		}
	}
	if (p->n_sec == SEC_MAX) {
		if (!p->sec_full)
			uci_report(p, line, 0, "too many sections (max %d)",
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

static struct uci_opt *
find_opt(const struct uci_sec *s, const char *name)
{
	struct uci_opt *o;

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
cmd_option(struct uci *p, int line, const char **w, int n, int extra,
    int is_list)
{
	const char *kw = is_list ? "list" : "option";
	const char *name = n > 1 ? w[1] : "", *value = n > 2 ? w[2] : "";
	char b[UCI_SHOW_BUF];
	struct uci_opt *o;
	struct uci_val *v;

	if (p->discard)
		return;
	if (p->cur == NULL) {
		uci_report(p, line, 0, "'%s' before the first 'config' line", kw);
		return;
	}
	if (name[0] == '\0') {
		uci_report(p, line, 0, "'%s' needs an option name", kw);
		return;
	}
	if (n > 3 || extra) {
		uci_report(p, line, 0, "too many arguments to '%s' (quote a value "
		    "that contains blanks)", kw);
		return;
	}
	if (!valid_name(name)) {
		uci_report(p, line, 0, "invalid option name '%s': use letters, "
		    "digits and '_'", uci_show(name, b));
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
			uci_report(p, line, 0, "too many options in one section "
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
/*
 * Entry points.
 */

/* see uci.h */
struct uci *
uci_parse(const char *name, const char *buf, size_t len)
{
	struct uci *p;

	if ((p = mem_temp(sizeof(*p))) == NULL)
		return NULL;
	/* decoded words never outgrow the text: see put() */
	if ((p->out = mem_temp(len + 2)) == NULL) {
		mem_temp_free(p);
		return NULL;
	}
	p->file = name;
	p->buf = buf;
	p->len = len;
	p->line = 1;
	p->out_cap = len + 2;
	check_bytes(p);
	if (!p->bad_bytes)
		parse_file(p);
	return p;
}

/* see uci.h */
int
uci_is_usable(const struct uci *p)
{
	return !p->bad_bytes && !p->oom;
}

/* see uci.h */
void
uci_free(struct uci *p)
{
	struct chunk *ch;

	if (p == NULL)
		return;
	while ((ch = p->chunks) != NULL) {
		p->chunks = ch->next;
		mem_temp_free(ch);
	}
	mem_temp_free(p->out);
	mem_temp_free(p);
}

/* see uci.h */
int
uci_n_sec(const struct uci *p)
{
	return p->n_sec;
}

/* see uci.h */
const struct uci_sec *
uci_sec(const struct uci *p, int i)
{
	BUG_ON(i < 0 || i >= p->n_sec);
	return &p->sec[i];
}

/* see uci.h */
const char *
uci_sec_label(const struct uci_sec *s, char *buf, size_t cap)
{
	if (s->name != NULL)
		fmt_snprintf(buf, cap, "%s", s->name);
	else
		fmt_snprintf(buf, cap, "@%s[%d]", s->type, s->index);
	return buf;
}
