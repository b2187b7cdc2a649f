/* SPDX-License-Identifier: MIT */
/*
 * opt.c: option values (see opt.h): text to field, field to text, and
 * the hint of each kind.  Each parser returns 0 or -1 and leaves its
 * output alone on -1 unless the caller's slot is scratch (list items).
 */
#include <stddef.h>
#include <string.h>

#include "addr.h"
#include "fmt.h"
#include "opt.h"

#define PIN_PREFIX	"sha256/"
#define PIN_B64_LEN	44	/* base64 of 32 bytes, with one '=' */
#define HOST_LABEL_MAX	63	/* RFC 1035 2.3.4 */

static int	parse_bool(const char *, int *);
static int	parse_enum(const char *, const char *const *, int *);
static int	parse_path(const char *, char *, size_t);
static int	parse_host(const char *, char *, size_t);
static int	parse_pin(const char *, uint8_t *);
static int	b64_val(int);
static void	pin_text(const uint8_t *, char *, size_t);
static int	*count_of(const struct opt_row *, void *);

static const char b64_chars[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* see opt.h */
int
opt_is_list(const struct opt_row *r)
{
	return r->kind == OPT_ADDR_LIST || r->kind == OPT_NET_LIST ||
	    r->kind == OPT_PIN_LIST;
}

static int *
count_of(const struct opt_row *r, void *base)
{
	return (int *)(void *)((char *)base + r->n_off);
}

/* see opt.h */
int
opt_set(const struct opt_row *r, void *base, int i, const char *s)
{
	char *f = (char *)base + r->off;
	struct addr *a;
	uint32_t u;
	int x, j, host_bits;

	switch (r->kind) {
	case OPT_UINT:
		if (parse_u32(s, r->lo, r->hi, &u) == -1)
			return OPT_EINVAL;
		memcpy(f, &u, sizeof(u));
		return OPT_OK;
	case OPT_BOOL:
	case OPT_IGNORE:
		if (parse_bool(s, &x) == -1)
			return OPT_EINVAL;
		if (r->kind == OPT_BOOL)
			memcpy(f, &x, sizeof(x));
		return OPT_OK;
	case OPT_ENUM:
		if (parse_enum(s, r->names, &x) == -1)
			return OPT_EINVAL;
		memcpy(f, &x, sizeof(x));
		return OPT_OK;
	case OPT_PATH:
		return parse_path(s, f, r->hi) == 0 ? OPT_OK : OPT_EINVAL;
	case OPT_HOST:
		return parse_host(s, f, r->hi);
	case OPT_ADDR:
		if (addr_parse(s, r->port, (struct addr *)(void *)f) == -1)
			return OPT_EINVAL;
		*count_of(r, base) = 1;
		return OPT_OK;
	case OPT_ADDR_LIST:
		a = (struct addr *)(void *)f;
		if (addr_parse(s, r->port, &a[i]) == -1)
			return OPT_EINVAL;
		for (j = 0; j < i; j++)
			if (addr_eq(&a[j], &a[i]))
				return OPT_EDUP;
		return OPT_OK;
	case OPT_NET_LIST:
		if (addr_net_parse(s, (struct addr_net *)(void *)f + i,
		    &host_bits) == -1)
			return OPT_EINVAL;
		return host_bits ? OPT_HOST_BITS : OPT_OK;
	case OPT_PIN_LIST:
		return parse_pin(s, (uint8_t *)f + 32 * i) == 0 ? OPT_OK :
		    OPT_EINVAL;
	}
	return OPT_EINVAL;
}

/* see opt.h */
void
opt_default(const struct opt_row *r, void *base)
{
	char item[OPT_TEXT_CAP];
	const char *p, *e;
	int n = 0;

	if (r->def == NULL)
		return;
	if (!opt_is_list(r)) {
		BUG_ON(opt_set(r, base, 0, r->def) != OPT_OK);
		return;
	}
	for (p = r->def; *p != '\0'; p = e) {
		while (*p == ' ')
			p++;
		if (*p == '\0')
			break;
		for (e = p; *e != '\0' && *e != ' '; e++)
			continue;
		BUG_ON((size_t)(e - p) >= sizeof(item) || n >= (int)r->hi);
		memcpy(item, p, (size_t)(e - p));
		item[e - p] = '\0';
		BUG_ON(opt_set(r, base, n, item) != OPT_OK);
		n++;
	}
	*count_of(r, base) = n;
}

/* see opt.h */
int
opt_count(const struct opt_row *r, const void *base)
{
	int n;

	if (r->kind == OPT_IGNORE)
		return 0;
	if (!opt_is_list(r) && r->kind != OPT_ADDR)
		return 1;
	memcpy(&n, (const char *)base + r->n_off, sizeof(n));
	return n;
}

/* see opt.h */
const char *
opt_text(const struct opt_row *r, const void *base, int i, char *buf,
    size_t cap)
{
	const char *f = (const char *)base + r->off;
	uint32_t u;
	int x;

	switch (r->kind) {
	case OPT_UINT:
		memcpy(&u, f, sizeof(u));
		fmt_snprintf(buf, cap, "%lu", (unsigned long)u);
		break;
	case OPT_BOOL:
	case OPT_IGNORE:
		memcpy(&x, f, sizeof(x));
		fmt_snprintf(buf, cap, "%d", x != 0);
		break;
	case OPT_ENUM:
		memcpy(&x, f, sizeof(x));
		fmt_snprintf(buf, cap, "%s", r->names[x]);
		break;
	case OPT_PATH:
	case OPT_HOST:
		return f;
	case OPT_ADDR:
	case OPT_ADDR_LIST:
		return addr_str((const struct addr *)(const void *)f + i, buf,
		    cap);
	case OPT_NET_LIST:
		return addr_net_str((const struct addr_net *)(const void *)f +
		    i, buf, cap);
	case OPT_PIN_LIST:
		pin_text((const uint8_t *)f + 32 * i, buf, cap);
		break;
	}
	return buf;
}

/* see opt.h */
void
opt_hint(const struct opt_row *r, char *buf, size_t cap)
{
	size_t i, n;

	switch (r->kind) {
	case OPT_UINT:
		fmt_snprintf(buf, cap, "expected an integer %lu..%lu",
		    (unsigned long)r->lo, (unsigned long)r->hi);
		break;
	case OPT_BOOL:
	case OPT_IGNORE:
		fmt_snprintf(buf, cap, "expected 1/0, yes/no, on/off, "
		    "true/false or enabled/disabled");
		break;
	case OPT_ENUM:
		for (n = 0; r->names[n] != NULL; n++)
			continue;
		fmt_snprintf(buf, cap, "expected");
		for (i = 0; i < n; i++)
			fmt_snprintf(buf + strlen(buf), cap - strlen(buf),
			    "%s%s", i == 0 ? " " : i + 1 == n ? " or " : ", ",
			    r->names[i]);
		break;
	case OPT_PATH:
		fmt_snprintf(buf, cap, "expected a path of at most %lu bytes, "
		    "without control characters", (unsigned long)r->hi - 1);
		break;
	case OPT_HOST:
		fmt_snprintf(buf, cap, "expected a DNS name such as "
		    "dns.example.net (letters, digits and '-')");
		break;
	case OPT_ADDR:
	case OPT_ADDR_LIST:
		if (r->port == 0)
			fmt_snprintf(buf, cap, "expected ADDR:PORT, IPv6 as "
			    "[ADDR]:PORT");
		else
			fmt_snprintf(buf, cap, "expected an IP address with an "
			    "optional :PORT (default %u), IPv6 as "
			    "[ADDR]:PORT; names are not looked up", r->port);
		break;
	case OPT_NET_LIST:
		fmt_snprintf(buf, cap, "expected an IPv4 or IPv6 address "
		    "with an optional /PREFIX");
		break;
	case OPT_PIN_LIST:
		fmt_snprintf(buf, cap, "expected %s and the base64 of 32 bytes "
		    "(%d characters)", PIN_PREFIX, PIN_B64_LEN);
		break;
	}
}

/* see opt.h */
const char *
opt_kind_name(enum opt_kind k)
{
	static const char *const name[] = { "uint", "bool", "bool", "enum",
	    "path", "hostname", "address", "address_list", "cidr_list",
	    "pin_list" };

	return name[k];
}

/*
 * Values.
 */

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
parse_path(const char *s, char *dst, size_t cap)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f ||
		    i == cap - 1)
			return -1;
	memcpy(dst, s, i + 1);
	return 0;
}

/*
 * RFC 1123 host name: labels of 1..63 letters, digits and '-', not
 * starting or ending with '-'; at most cap - 1 characters without the
 * one trailing dot allowed (dropped: SNI carries no trailing dot, RFC
 * 6066).  OPT_EIP when it looks like an IP address (all-digit last
 * label, or ':').
 */
static int
parse_host(const char *s, char *dst, size_t cap)
{
	size_t n = strlen(s), i, lab = 0, start = 0;
	int ch, digits = 1;

	if (strchr(s, ':') != NULL)
		return OPT_EIP;
	if (n > 0 && s[n - 1] == '.')
		n--;
	if (n == 0 || n > cap - 1)
		return OPT_EINVAL;
	for (i = 0; i < n; i++) {
		ch = (unsigned char)s[i];
		if (ch == '.') {
			if (lab == 0 || s[i - 1] == '-')
				return OPT_EINVAL;
			lab = 0;
			start = i + 1;
			continue;
		}
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || ch == '-'))
			return OPT_EINVAL;
		if ((ch == '-' && lab == 0) || ++lab > HOST_LABEL_MAX)
			return OPT_EINVAL;
	}
	if (lab == 0 || s[n - 1] == '-')
		return OPT_EINVAL;
	for (i = start; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			digits = 0;
	if (digits)
		return OPT_EIP;
	memcpy(dst, s, n);
	dst[n] = '\0';
	return OPT_OK;
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

/* The text parse_pin reads. */
static void
pin_text(const uint8_t *b, char *buf, size_t cap)
{
	size_t o;
	uint32_t u;
	int j;

	BUG_ON(cap < sizeof(PIN_PREFIX) + PIN_B64_LEN);
	memcpy(buf, PIN_PREFIX, sizeof(PIN_PREFIX) - 1);
	o = sizeof(PIN_PREFIX) - 1;
	for (j = 0; j < 32; j += 3) {
		u = (uint32_t)b[j] << 16;
		if (j + 1 < 32)
			u |= (uint32_t)b[j + 1] << 8;
		if (j + 2 < 32)
			u |= b[j + 2];
		buf[o++] = b64_chars[u >> 18 & 63];
		buf[o++] = b64_chars[u >> 12 & 63];
		buf[o++] = b64_chars[u >> 6 & 63];
		buf[o++] = j + 2 < 32 ? b64_chars[u & 63] : '=';
	}
	buf[o] = '\0';
}

/* see opt.h */
int
opt_getopt(struct opt_args *g, int argc, char *const *argv,
    const char *spec)
{
	const char *a, *d;
	int c;

	g->arg = NULL;
	if (g->ind >= argc || (a = argv[g->ind]) == NULL)
		return -1;
	if (g->pos == 0) {
		if (a[0] != '-' || a[1] == '\0')
			return -1;		/* an operand, or "-" */
		if (a[1] == '-' && a[2] == '\0') {
			g->ind++;		/* "--" ends the options */
			return -1;
		}
		g->pos = 1;
	}
	c = (unsigned char)a[g->pos++];
	if (a[g->pos] == '\0') {
		g->ind++;
		g->pos = 0;
	}
	d = c == ':' ? NULL : strchr(spec, c);
	if (d == NULL) {
		g->opt = c;
		g->why = "unrecognized option";
		return '?';
	}
	if (d[1] == ':') {
		/* the rest of this word, else the next word */
		if (g->pos != 0) {
			g->arg = (char *)a + g->pos;
			g->ind++;
			g->pos = 0;
		} else if (g->ind < argc)
			g->arg = argv[g->ind++];
		else {
			g->opt = c;
			g->why = "option requires an argument";
			return '?';
		}
	}
	return c;
}
