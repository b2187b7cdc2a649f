/* SPDX-License-Identifier: MIT */
/*
 * conf.c: which options exist (one table row each, default included),
 * what a section needs as a whole, and the entry points: load a file,
 * read its UCI model (uci.c) into struct conf through the rows
 * (opt.c), print the effective configuration and the schema.  Touches
 * no socket; allocates only while loading.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "fmt.h"
#include "log.h"
#include "mem.h"
#include "opt.h"
#include "uci.h"

#define HINT_CAP	160

/* conf_upstream.name holds what uci accepts as a section name. */
typedef char section_cap_check[UCI_SECTION_CAP == CONF_SECTION_CAP ? 1 : -1];

static const char *const policy_names[] = { "ordered", "roundrobin",
    "fastest", NULL };
/* LOG_L_* order (log.h) */
static const char *const level_names[] = { "error", "warn", "info",
    "debug", NULL };

#define M(f)	offsetof(struct conf, f)
#define U(f)	offsetof(struct conf_upstream, f)
#define S(f)	offsetof(struct conf_server, f)

/*
 * Adding an option: one row here (its field in conf.h) and one
 * tests/conf case.  name, kind, field, count field, lo, hi, default
 * port, enum names, default.
 */
static const struct opt_row main_opts[] = {
	{ "listen",	     OPT_ADDR_LIST, M(listen), M(n_listen), 0,
	    CONF_MAX_LISTEN, 0, NULL, "127.0.0.1:5453 [::1]:5453" },
	{ "allow",	     OPT_NET_LIST, M(allow), M(n_allow), 0,
	    CONF_MAX_ALLOW, 0, NULL, "127.0.0.0/8 ::1/128 10.0.0.0/8 "
	    "172.16.0.0/12 192.168.0.0/16 100.64.0.0/10 fc00::/7 fe80::/10" },
	{ "timeout_ms",	     OPT_UINT, M(timeout_ms), 0, 100, 60000, 0, NULL,
	    "2500" },
	{ "idle_timeout_ms", OPT_UINT, M(idle_timeout_ms), 0, 0, 3600000, 0,
	    NULL, "9000" },
	{ "connections",     OPT_UINT, M(connections), 0, 1, 8, 0, NULL, "1" },
	{ "policy",	     OPT_ENUM, M(policy), 0, 0, 0, 0, policy_names,
	    "ordered" },
	{ "padding",	     OPT_UINT, M(padding), 0, 0, 512, 0, NULL, "128" },
	{ "ca_file",	     OPT_PATH, M(ca_file), 0, 0, CONF_PATH_CAP, 0,
	    NULL, NULL },
	{ "max_inflight",    OPT_UINT, M(max_inflight), 0, 1, 4096, 0, NULL,
	    "256" },
	{ "max_tcp_clients", OPT_UINT, M(max_tcp_clients), 0, 1, 1024, 0,
	    NULL, "32" },
	/* no LAN host may hold every TCP slot or in-flight slot */
	{ "source_tcp",	     OPT_UINT, M(source_tcp), 0, 1, 1024, 0, NULL,
	    "8" },
	{ "source_inflight", OPT_UINT, M(source_inflight), 0, 1, 4096, 0,
	    NULL, "64" },
	/* DNS Flag Day 2020: no fragments, no big reflected answers */
	{ "max_udp_size",    OPT_UINT, M(max_udp_size), 0, 512, 4096, 0,
	    NULL, "1232" },
	{ "log_level",	     OPT_ENUM, M(log_level), 0, 0, 0, 0, level_names,
	    "info" },
	/* the OpenWrt init script's own; the daemon checks and ignores them */
	{ "enabled",	     OPT_IGNORE, 0, 0, 0, 0, 0, NULL, "1" },
	{ "dnsmasq",	     OPT_IGNORE, 0, 0, 0, 0, 0, NULL, "1" },
	{ "intercept",	     OPT_IGNORE, 0, 0, 0, 0, 0, NULL, "0" },
};

static const struct opt_row upstream_opts[] = {
	{ "address",   OPT_ADDR_LIST, U(addr), U(n_addr), 0, CONF_MAX_ADDRS,
	    853, NULL, NULL },
	{ "auth_name", OPT_HOST,      U(auth_name), 0, 0, CONF_NAME_CAP, 0,
	    NULL, NULL },
	{ "pin",       OPT_PIN_LIST,  U(pin), U(n_pin), 0, CONF_MAX_PINS, 0,
	    NULL, NULL },
	{ "enabled",   OPT_BOOL,      U(enabled), 0, 0, 0, 0, NULL, "1" },
};

static const struct opt_row server_opts[] = {
	{ "listen",  OPT_ADDR_LIST, S(listen), S(n_listen), 0, CONF_MAX_LISTEN,
	    0, NULL, NULL },
	{ "cert",    OPT_PATH,      S(cert), 0, 0, CONF_PATH_CAP, 0, NULL,
	    NULL },
	{ "key",     OPT_PATH,      S(key), 0, 0, CONF_PATH_CAP, 0, NULL,
	    NULL },
	{ "backend", OPT_ADDR,      S(backend), S(has_backend), 0, 0, 53, NULL,
	    NULL },
	{ "max_clients", OPT_UINT,  S(max_clients), 0, 1, 1024, 0, NULL, "16" },
	{ "idle_timeout_ms", OPT_UINT, S(idle_timeout_ms), 0, 100, 3600000, 0,
	    NULL, "10000" },
};

static const struct {
	const char		*type;
	const struct opt_row	*rows;
	size_t			 n;
} tables[] = {
	{ "dotfwd", main_opts, nitems(main_opts) },
	{ "upstream", upstream_opts, nitems(upstream_opts) },
	{ "server", server_opts, nitems(server_opts) },
};

static void	 copy_str(char *, size_t, const char *);
static void	 defaults(const struct opt_row *, size_t, void *);
static void	 build(struct uci *, struct conf *);
static void	 build_upstream(struct uci *, struct conf *,
		    const struct uci_sec *, const char *);
static void	 build_server(struct uci *, struct conf *,
		    const struct uci_sec *, const char *);
static int	 has_opt(unsigned, const struct opt_row *, const char *);
static unsigned	 apply_section(struct uci *, const struct uci_sec *,
		    const struct opt_row *, size_t, void *, const char *);
static void	 apply_opt(struct uci *, const struct opt_row *,
		    const struct uci_opt *, void *, const char *);
static int	 set_value(struct uci *, const struct opt_row *,
		    const struct uci_val *, void *, int, const char *);
static void	 put_quoted(struct fmt_out *, const char *);
static void	 dump_section(struct fmt_out *, const struct opt_row *, size_t,
		    const void *);

static void
copy_str(char *dst, size_t cap, const char *src)
{
	size_t n = strlen(src);

	if (n >= cap)
		n = cap - 1;
	memmove(dst, src, n);
	dst[n] = '\0';
}

static void
defaults(const struct opt_row *rows, size_t n, void *base)
{
	size_t i;

	for (i = 0; i < n; i++)
		opt_default(&rows[i], base);
}

/*
 * Validation: the model into struct conf, one table row per option.
 */

static void
build(struct uci *u, struct conf *c)
{
	const struct uci_sec *s, *main_sec = NULL;
	char lbl[CONF_SECTION_CAP + 16], first[CONF_SECTION_CAP + 16];
	char b[UCI_SHOW_BUF];
	int i, k, n_enabled = 0, up_full = 0;

	for (i = 0; i < uci_n_sec(u); i++) {
		s = uci_sec(u, i);
		uci_sec_label(s, lbl, sizeof(lbl));
		/* the init script and conf_dump use main for config dotfwd */
		if (s->name != NULL && strcmp(s->name, "main") == 0 &&
		    (strcmp(s->type, "upstream") == 0 ||
		    strcmp(s->type, "server") == 0))
			uci_report(u, s->line, 0, "section name 'main' is kept "
			    "for 'config dotfwd'");
		if (strcmp(s->type, "dotfwd") == 0) {
			if (main_sec != NULL) {
				uci_sec_label(main_sec, first, sizeof(first));
				uci_report(u, s->line, 0, "second 'config "
				    "dotfwd' section '%s': use one (the first "
				    "is '%s' at line %d)", lbl, first,
				    main_sec->line);
				continue;
			}
			main_sec = s;
			apply_section(u, s, main_opts, nitems(main_opts), c,
			    lbl);
		} else if (strcmp(s->type, "upstream") == 0) {
			if (c->n_up == CONF_MAX_UPSTREAMS) {
				if (!up_full)
					uci_report(u, s->line, 0, "too many "
					    "upstream sections (max %d)",
					    CONF_MAX_UPSTREAMS);
				up_full = 1;
				continue;
			}
			build_upstream(u, c, s, lbl);
		} else if (strcmp(s->type, "server") == 0)
			build_server(u, c, s, lbl);
		else
			uci_report(u, s->line, 1, "unknown section type '%s'",
			    uci_show(s->type, b));
	}
	for (k = 0; k < c->n_up; k++)
		n_enabled += c->up[k].enabled != 0;
	/* one TCP socket per address: main's listener would take it */
	for (i = 0; i < c->srv.n_listen; i++)
		for (k = 0; k < c->n_listen; k++)
			if (addr_eq(&c->srv.listen[i], &c->listen[k]))
				uci_report(u, c->srv.line, 0, "server listen "
				    "%s is also a listen address of 'config "
				    "dotfwd'", addr_str(&c->srv.listen[i], b,
				    sizeof(b)));
	/* at the main section's line, or line 1 when there is none */
	if (n_enabled == 0 && !up_full)
		uci_report(u, main_sec != NULL ? main_sec->line : 1, 0,
		    "no enabled upstream: add a 'config upstream' section "
		    "with address and auth_name");
}

static void
build_upstream(struct uci *u, struct conf *c, const struct uci_sec *s,
    const char *lbl)
{
	struct conf_upstream *up = &c->up[c->n_up++];
	unsigned seen;

	memset(up, 0, sizeof(*up));
	defaults(upstream_opts, nitems(upstream_opts), up);
	copy_str(up->name, sizeof(up->name), lbl);
	up->line = s->line;
	seen = apply_section(u, s, upstream_opts, nitems(upstream_opts), up,
	    lbl);
	if (!up->enabled)
		return;
	if (!has_opt(seen, upstream_opts, "address"))
		uci_report(u, s->line, 0, "upstream '%s' needs an address, "
		    "e.g. list address '9.9.9.9'", lbl);
	if (!has_opt(seen, upstream_opts, "auth_name"))
		uci_report(u, s->line, 0, "upstream '%s' needs auth_name: "
		    "BearSSL cannot check IP addresses, and an empty name "
		    "would disable the certificate name check", lbl);
}

static void
build_server(struct uci *u, struct conf *c, const struct uci_sec *s,
    const char *lbl)
{
	const struct uci_opt *o;
	unsigned seen;

	if (c->srv.present) {
		uci_report(u, s->line, 0, "second 'config server' section "
		    "'%s': use one (the first is at line %d)", lbl,
		    c->srv.line);
		return;
	}
	c->srv.present = 1;
	c->srv.line = s->line;
	defaults(server_opts, nitems(server_opts), &c->srv);
	seen = apply_section(u, s, server_opts, nitems(server_opts), &c->srv,
	    lbl);
	/* the files are read later (dotfwd -t, start-up): keep the lines */
	for (o = s->opts; o != NULL; o = o->next) {
		if (strcmp(o->name, "cert") == 0)
			c->srv.cert_line = o->line;
		else if (strcmp(o->name, "key") == 0)
			c->srv.key_line = o->line;
	}

	if (!has_opt(seen, server_opts, "listen"))
		uci_report(u, s->line, 0, "server '%s' needs listen, e.g. list "
		    "listen '0.0.0.0:853'", lbl);
	if (!has_opt(seen, server_opts, "cert"))
		uci_report(u, s->line, 0, "server '%s' needs cert: the PEM "
		    "certificate chain", lbl);
	if (!has_opt(seen, server_opts, "key"))
		uci_report(u, s->line, 0, "server '%s' needs key: the PEM "
		    "private key", lbl);
}

/* Bit i of 'seen' (from apply_section) for the row called 'name'. */
static int
has_opt(unsigned seen, const struct opt_row *tab, const char *name)
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
apply_section(struct uci *u, const struct uci_sec *s,
    const struct opt_row *tab, size_t n, void *base, const char *label)
{
	const struct uci_opt *o;
	char b[UCI_SHOW_BUF];
	unsigned seen = 0;
	size_t i;

	for (o = s->opts; o != NULL; o = o->next) {
		if (o->deleted)
			continue;
		for (i = 0; i < n; i++)
			if (strcmp(tab[i].name, o->name) == 0)
				break;
		if (i == n) {
			uci_report(u, o->line, 1, "unknown option '%s' in "
			    "section '%s'", uci_show(o->name, b), label);
			continue;
		}
		seen |= 1U << i;
		apply_opt(u, &tab[i], o, base, label);
	}
	return seen;
}

/* A list in the file replaces the default list as a whole. */
static void
apply_opt(struct uci *u, const struct opt_row *t, const struct uci_opt *o,
    void *base, const char *label)
{
	const struct uci_val *v;
	int *np;

	if (!opt_is_list(t)) {
		if (o->is_list)
			uci_report(u, o->line, 0, "'%s' takes one value: use "
			    "'option', not 'list'", t->name);
		else
			set_value(u, t, o->head, base, 0, label);
		return;
	}
	np = (int *)(void *)((char *)base + t->n_off);
	*np = 0;
	for (v = o->head; v != NULL; v = v->next) {
		if (*np == (int)t->hi) {
			uci_report(u, v->line, 0, "too many %s values in "
			    "section '%s' (max %d)", t->name, label,
			    (int)t->hi);
			return;
		}
		if (set_value(u, t, v, base, *np, label) == 0)
			(*np)++;
	}
}

/* Check v and store it as item i of row t's field; 0 or -1 (reported). */
static int
set_value(struct uci *u, const struct opt_row *t, const struct uci_val *v,
    void *base, int i, const char *label)
{
	char b[UCI_SHOW_BUF], h[HINT_CAP], ns[OPT_TEXT_CAP];

	switch (opt_set(t, base, i, v->s)) {
	case OPT_OK:
		return 0;
	case OPT_HOST_BITS:
		uci_report(u, v->line, 1, "%s '%s' has host bits set; using %s",
		    t->name, uci_show(v->s, b),
		    opt_text(t, base, i, ns, sizeof(ns)));
		return 0;
	case OPT_EIP:
		uci_report(u, v->line, 0, "invalid %s '%s': an IP address "
		    "cannot be checked by BearSSL; use the DNS name in the "
		    "server's certificate", t->name, uci_show(v->s, b));
		return -1;
	case OPT_EDUP:
		uci_report(u, v->line, 0, "duplicate %s '%s' in section '%s'",
		    t->name, uci_show(v->s, b), label);
		return -1;
	default:
		opt_hint(t, h, sizeof(h));
		uci_report(u, v->line, 0, "invalid %s '%s': %s", t->name,
		    uci_show(v->s, b), h);
		return -1;
	}
}

/*
 * Dump, in uci's own format.
 */

/* uci_escape: single quotes, and ' written as '\'' */
static void
put_quoted(struct fmt_out *out, const char *s)
{
	fmt_putc(out, '\'');
	for (; *s != '\0'; s++) {
		if (*s == '\'')
			fmt_puts(out, "'\\''");
		else
			fmt_putc(out, *s);
	}
	fmt_putc(out, '\'');
}

static void
dump_section(struct fmt_out *out, const struct opt_row *tab, size_t n,
    const void *base)
{
	char v[OPT_TEXT_CAP];
	size_t i;
	int k, cnt;

	for (i = 0; i < n; i++) {
		cnt = opt_count(&tab[i], base);
		for (k = 0; k < cnt; k++) {
			fmt_printf(out, "\t%s %s ", opt_is_list(&tab[i]) ?
			    "list" : "option", tab[i].name);
			put_quoted(out, opt_text(&tab[i], base, k, v,
			    sizeof(v)));
			fmt_putc(out, '\n');
		}
	}
}

/*
 * Entry points.
 */

/* see conf.h */
void
conf_dump(const struct conf *c, struct fmt_out *out)
{
	int i;

	fmt_printf(out, "config dotfwd 'main'\n");
	dump_section(out, main_opts, nitems(main_opts), c);
	for (i = 0; i < c->n_up; i++) {
		fmt_printf(out, "\nconfig upstream");
		if (c->up[i].name[0] != '@') {
			fmt_putc(out, ' ');
			put_quoted(out, c->up[i].name);
		}
		fmt_putc(out, '\n');
		dump_section(out, upstream_opts, nitems(upstream_opts),
		    &c->up[i]);
	}
	if (c->srv.present) {
		fmt_printf(out, "\nconfig server\n");
		dump_section(out, server_opts, nitems(server_opts), &c->srv);
	}
}

/* see conf.h */
void
conf_defaults(struct conf *c)
{
	memset(c, 0, sizeof(*c));
	defaults(main_opts, nitems(main_opts), c);
}

/* see conf.h */
int
conf_parse(struct conf *c, const char *name, const char *buf, size_t len,
    struct fmt_out *err)
{
	char saved[CONF_PATH_CAP];
	struct uci *u;
	int n;

	if (name == c->file) {
		copy_str(saved, sizeof(saved), name);
		name = saved;
	}
	conf_defaults(c);
	copy_str(c->file, sizeof(c->file), name);
	if (len > CONF_FILE_MAX) {
		fmt_printf(err, "%s: too big (over %d bytes)\n", name,
		    CONF_FILE_MAX);
		return 1;
	}
	if ((u = uci_parse(name, buf, len)) == NULL) {
		fmt_printf(err, "%s: out of memory\n", name);
		return 1;
	}
	if (uci_is_usable(u))
		build(u, c);
	uci_flush(u, err);
	n = uci_n_err(u);
	uci_free(u);
	return n;
}

/* see conf.h */
int
conf_load(struct conf *c, const char *path, struct fmt_out *err)
{
	char saved[CONF_PATH_CAP];
	char *buf;
	size_t n = 0;
	ssize_t k;
	int fd, r;

	if (path == c->file) {
		copy_str(saved, sizeof(saved), path);
		path = saved;
	}
	conf_defaults(c);
	copy_str(c->file, sizeof(c->file), path);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		fmt_printf(err, "%s: cannot open: %s\n", path,
		    log_errstr(errno));
		return 1;
	}
	if ((buf = mem_temp(CONF_FILE_MAX + 1)) == NULL) {
		close(fd);
		fmt_printf(err, "%s: out of memory\n", path);
		return 1;
	}
	/* one byte more than allowed tells "too big" */
	while (n < CONF_FILE_MAX + 1 &&
	    (k = read(fd, buf + n, CONF_FILE_MAX + 1 - n)) != 0) {
		if (k == -1 && errno == EINTR)
			continue;
		if (k == -1) {
			fmt_printf(err, "%s: cannot read: %s\n", path,
			    log_errstr(errno));
			close(fd);
			mem_temp_free(buf);
			return 1;
		}
		n += (size_t)k;
	}
	close(fd);
	if (n > CONF_FILE_MAX) {
		mem_temp_free(buf);
		fmt_printf(err, "%s: too big (over %d bytes)\n", path,
		    CONF_FILE_MAX);
		return 1;
	}
	r = conf_parse(c, path, buf, n, err);
	mem_temp_free(buf);
	return r;
}

/* see conf.h */
void
conf_schema(struct fmt_out *out)
{
	const struct opt_row *t;
	const char *const *e, *d;
	size_t i, k;

	for (i = 0; i < nitems(tables); i++) {
		for (k = 0; k < tables[i].n; k++) {
			t = &tables[i].rows[k];
			fmt_printf(out, "%s %s %s", tables[i].type, t->name,
			    opt_kind_name(t->kind));
			if (t->kind == OPT_UINT)
				fmt_printf(out, " %u %u", (unsigned)t->lo,
				    (unsigned)t->hi);
			for (e = t->names; e != NULL && *e != NULL; e++)
				fmt_printf(out, " %s", *e);
			/* list items are comma-separated: no item has one */
			if (t->def != NULL) {
				fmt_puts(out, " default=");
				for (d = t->def; *d != '\0'; d++)
					fmt_putc(out, *d == ' ' ? ',' : *d);
			}
			fmt_putc(out, '\n');
		}
	}
}
