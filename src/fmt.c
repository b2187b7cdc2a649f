/* SPDX-License-Identifier: MIT */
/*
 * fmt.c: a small printf and output sinks (see fmt.h).  One formatter
 * writes straight into a sink (vsnprintf's buffer is a memory sink);
 * integers are converted into a stack buffer, then padded.
 */
#include <sys/types.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fmt.h"

struct spec {
	int		 left;		/* '-' */
	int		 zero;		/* '0' */
	int		 has_prec;	/* '.' seen */
	size_t		 width;
	size_t		 prec;
	int		 len;		/* 0, 'h', 'l', 'L' (ll), 'z' */
};

static void	put(struct fmt_out *, const char *, size_t);
static void	pad(struct fmt_out *, int, size_t);
static size_t	field(struct fmt_out *, const struct spec *, const char *,
		    size_t);
static size_t	number(struct fmt_out *, const struct spec *, int,
		    const char *, size_t);
static char	*digits(char *, unsigned long long, unsigned, int);
static size_t	format(struct fmt_out *, const char *, va_list) PRINTF(2, 0);
static void	after(struct fmt_out *);

/* n bytes of s into the sink, without the flush_each rule. */
static void
put(struct fmt_out *out, const char *s, size_t n)
{
	size_t k;

	while (n > 0) {
		if (out->fd < 0) {
			/* memory: keep room for the NUL */
			k = out->cap > out->len + 1 ?
			    MIN(n, out->cap - out->len - 1) : 0;
			if (k > 0) {
				memcpy(out->buf + out->len, s, k);
				out->len += k;
				out->buf[out->len] = '\0';
			}
			if (k < n)
				out->cut = 1;
			return;
		}
		if (out->len == out->cap)
			fmt_flush(out);
		k = MIN(n, out->cap - out->len);
		memcpy(out->buf + out->len, s, k);
		out->len += k;
		s += k;
		n -= k;
	}
}

static void
pad(struct fmt_out *out, int ch, size_t n)
{
	static const char zeros[] = "0000000000000000";
	static const char blanks[] = "                ";
	const char *s = ch == '0' ? zeros : blanks;
	size_t k;

	for (; n > 0; n -= k) {
		k = MIN(n, sizeof(zeros) - 1);
		put(out, s, k);
	}
}

/* s (n bytes) padded with blanks to the spec's width; returns the
 * length of the field. */
static size_t
field(struct fmt_out *out, const struct spec *sp, const char *s, size_t n)
{
	size_t w = sp->width > n ? sp->width - n : 0;

	if (!sp->left)
		pad(out, ' ', w);
	put(out, s, n);
	if (sp->left)
		pad(out, ' ', w);
	return n + w;
}

/* A sign (0: none), then the n digits at p, with the precision's
 * leading zeros and the width's padding (zeros after the sign with '0'
 * and no precision, as printf); returns the length of the field. */
static size_t
number(struct fmt_out *out, const struct spec *sp, int sign, const char *p,
    size_t n)
{
	size_t z, body, w;
	int zpad = sp->zero && !sp->left && !sp->has_prec;

	if (sp->has_prec && sp->prec == 0 && n == 1 && p[0] == '0')
		n = 0;		/* "%.0d" of 0 prints no digit */
	z = sp->has_prec && sp->prec > n ? sp->prec - n : 0;
	body = (sign != 0) + z + n;
	w = sp->width > body ? sp->width - body : 0;
	if (!sp->left && !zpad)
		pad(out, ' ', w);
	if (sign != 0) {
		char c = (char)sign;

		put(out, &c, 1);
	}
	if (zpad)
		pad(out, '0', w);
	pad(out, '0', z);
	put(out, p, n);
	if (sp->left)
		pad(out, ' ', w);
	return body + w;
}

/* Digits of v in base 10 or 16 before end; returns the start. */
static char *
digits(char *end, unsigned long long v, unsigned base, int upper)
{
	static const char lower[] = "0123456789abcdef";
	static const char capital[] = "0123456789ABCDEF";
	const char *d = upper ? capital : lower;
	char *p = end;
	uint32_t r;

	do {
		v = u64_div(v, base, &r);
		*--p = d[r];
	} while (v != 0);
	return p;
}

/* see fmt.h */
uint64_t
u64_div(uint64_t n, uint32_t d, uint32_t *rem)
{
#if UINTPTR_MAX > 0xffffffffu
	*rem = (uint32_t)(n % d);
	return n / d;
#else
	uint32_t hi = (uint32_t)(n >> 32), lo = (uint32_t)n, r, q = 0, top;
	int i;

	if (hi == 0) {
		*rem = lo % d;
		return lo / d;
	}
	/* the high word, then the low word's bits one by one (r < d) */
	r = hi % d;
	for (i = 31; i >= 0; i--) {
		top = r >> 31;
		r = r << 1 | (lo >> i & 1);
		if (top || r >= d) {
			r -= d;		/* wraps right when top was set */
			q |= (uint32_t)1 << i;
		}
	}
	*rem = r;
	return (uint64_t)(hi / d) << 32 | q;
#endif
}

/* The formatter: fmt and its arguments into out; returns the length of
 * all the text (also what a memory sink had no room for). */
static size_t
format(struct fmt_out *out, const char *fmt, va_list ap)
{
	char tmp[24], *end = tmp + sizeof(tmp), *p;
	const char *f, *s;
	struct spec sp;
	unsigned long long u;
	long long v;
	size_t total = 0, n;
	int prec;
	char c;

	for (f = fmt; *f != '\0'; f++) {
		if (*f != '%') {
			/* a run of plain text at once */
			for (s = f; f[1] != '\0' && f[1] != '%'; f++)
				;
			n = (size_t)(f - s + 1);
			put(out, s, n);
			total += n;
			continue;
		}
		s = f++;
		memset(&sp, 0, sizeof(sp));
		for (;; f++) {
			if (*f == '-')
				sp.left = 1;
			else if (*f == '0')
				sp.zero = 1;
			else
				break;
		}
		for (; *f >= '0' && *f <= '9'; f++)
			sp.width = sp.width * 10 + (size_t)(*f - '0');
		if (*f == '.') {
			sp.has_prec = 1;
			if (*++f == '*') {
				f++;
				/* a negative one counts as none (C99) */
				if ((prec = va_arg(ap, int)) < 0)
					sp.has_prec = 0;
				else
					sp.prec = (size_t)prec;
			} else
				for (; *f >= '0' && *f <= '9'; f++)
					sp.prec = sp.prec * 10 +
					    (size_t)(*f - '0');
		}
		if (*f == 'h')
			sp.len = *f++;
		else if (*f == 'z')
			sp.len = *f++;
		else if (*f == 'l') {
			sp.len = *f++;
			if (*f == 'l') {
				sp.len = 'L';
				f++;
			}
		}
		switch (*f) {
		case '%':
			put(out, "%", 1);
			total++;
			continue;
		case 'c':
			c = (char)va_arg(ap, int);
			n = field(out, &sp, &c, 1);
			break;
		case 's':
			if ((p = va_arg(ap, char *)) == NULL)
				p = "(null)";
			n = field(out, &sp, p, sp.has_prec ?
			    strnlen(p, sp.prec) : strlen(p));
			break;
		case 'd':
			if (sp.len == 'L')
				v = va_arg(ap, long long);
			else if (sp.len == 'l')
				v = va_arg(ap, long);
			else if (sp.len == 'z')
				v = (long long)va_arg(ap, ssize_t);
			else
				v = va_arg(ap, int);
			if (sp.len == 'h')
				v = (short)v;
			u = v < 0 ? 0ULL - (unsigned long long)v :
			    (unsigned long long)v;
			p = digits(end, u, 10, 0);
			n = number(out, &sp, v < 0 ? '-' : 0, p,
			    (size_t)(end - p));
			break;
		case 'u':
		case 'x':
		case 'X':
			if (sp.len == 'L')
				u = va_arg(ap, unsigned long long);
			else if (sp.len == 'l')
				u = va_arg(ap, unsigned long);
			else if (sp.len == 'z')
				u = va_arg(ap, size_t);
			else
				u = va_arg(ap, unsigned);
			if (sp.len == 'h')
				u &= 0xffff;
			p = digits(end, u, *f == 'u' ? 10 : 16, *f == 'X');
			n = number(out, &sp, 0, p, (size_t)(end - p));
			break;
		default:
			/* not ours: the text as it stands */
			if (*f == '\0')
				f--;
			n = (size_t)(f - s + 1);
			put(out, s, n);
			break;
		}
		total += n;
	}
	return total;
}

/* Memory and fd sinks: a flush_each sink writes out after each call. */
static void
after(struct fmt_out *out)
{
	if (out->flush_each)
		fmt_flush(out);
}

/* see fmt.h */
size_t
fmt_vsnprintf(char *buf, size_t cap, const char *fmt, va_list ap)
{
	struct fmt_out m;

	fmt_out_mem(&m, buf, cap);
	return format(&m, fmt, ap);
}

/* see fmt.h */
size_t
fmt_snprintf(char *buf, size_t cap, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	n = fmt_vsnprintf(buf, cap, fmt, ap);
	va_end(ap);
	return n;
}

/* see fmt.h */
void
fmt_out_fd(struct fmt_out *out, int fd, char *buf, size_t cap)
{
	memset(out, 0, sizeof(*out));
	out->fd = fd;
	out->buf = buf;
	out->cap = cap;
}

/* see fmt.h */
void
fmt_out_mem(struct fmt_out *out, char *buf, size_t cap)
{
	fmt_out_fd(out, -1, buf, cap);
	if (cap > 0)
		buf[0] = '\0';
}

/* see fmt.h */
void
fmt_out_err(struct fmt_out *out, char *buf, size_t cap)
{
	fmt_out_fd(out, STDERR_FILENO, buf, cap);
	out->flush_each = 1;
}

/* see fmt.h */
int
fmt_flush(struct fmt_out *out)
{
	size_t off = 0;
	ssize_t n;

	if (out->fd < 0)
		return 0;
	while (off < out->len) {
		n = write(out->fd, out->buf + off, out->len - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			out->err = 1;
			break;
		}
		off += (size_t)n;
	}
	out->len = 0;
	return out->err ? -1 : 0;
}

/* see fmt.h */
void
fmt_put(struct fmt_out *out, const char *s, size_t n)
{
	put(out, s, n);
	after(out);
}

/* see fmt.h */
void
fmt_puts(struct fmt_out *out, const char *s)
{
	put(out, s, strlen(s));
	after(out);
}

/* see fmt.h */
void
fmt_putc(struct fmt_out *out, int ch)
{
	char c = (char)ch;

	put(out, &c, 1);
	after(out);
}

/* see fmt.h */
void
fmt_printf(struct fmt_out *out, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	(void)format(out, fmt, ap);
	va_end(ap);
	after(out);
}

/* see compat.h */
void
fmt_bug(const char *file, int line, const char *cond)
{
	char buf[256];
	size_t n;

	n = fmt_snprintf(buf, sizeof(buf), "dotfwd: BUG at %s:%d: %s\n",
	    file, line, cond);
	if (n >= sizeof(buf)) {
		n = sizeof(buf) - 1;
		buf[n - 1] = '\n';	/* cut, but still a line */
	}
	(void)!write(STDERR_FILENO, buf, n);
	abort();
}
