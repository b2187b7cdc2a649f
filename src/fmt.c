/* SPDX-License-Identifier: MIT */
/*
 * fmt.c: a small printf and output sinks (see fmt.h).  Integers are
 * converted into a stack buffer, then padded; nothing else is kept.
 */
#include <sys/types.h>

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "fmt.h"

#define FMT_LINE_CAP	512	/* one fmt_printf() to a sink, at most */

struct spec {
	int		 left;		/* '-' */
	int		 zero;		/* '0' */
	size_t		 width;
	int		 len;		/* 0, 'h', 'l', 'L' (ll), 'z' */
};

/* Out: append n bytes of s to buf[cap] at *o, counting what does not
 * fit. */
static void
emit(char *buf, size_t cap, size_t *o, const char *s, size_t n)
{
	size_t k;

	if (*o < cap) {
		k = MIN(n, cap - *o);
		memcpy(buf + *o, s, k);
	}
	*o += n;
}

static void
emit_pad(char *buf, size_t cap, size_t *o, int ch, size_t n)
{
	char c = (char)ch;

	while (n-- > 0)
		emit(buf, cap, o, &c, 1);
}

/* s (n bytes) padded to the spec's width. */
static void
emit_field(char *buf, size_t cap, size_t *o, const struct spec *sp,
    const char *s, size_t n)
{
	size_t pad = sp->width > n ? sp->width - n : 0;

	if (!sp->left && sp->zero && n > 0 && s[0] == '-') {
		/* the sign goes before the zeros */
		emit(buf, cap, o, s, 1);
		emit_pad(buf, cap, o, '0', pad);
		emit(buf, cap, o, s + 1, n - 1);
		return;
	}
	if (!sp->left)
		emit_pad(buf, cap, o, sp->zero ? '0' : ' ', pad);
	emit(buf, cap, o, s, n);
	if (sp->left)
		emit_pad(buf, cap, o, ' ', pad);
}

/* Digits of v in base 10 or 16 at the end of tmp; returns the start. */
static char *
digits(char *end, unsigned long long v, unsigned base)
{
	static const char hexd[] = "0123456789abcdef";
	char *p = end;

	do {
		*--p = hexd[v % base];
		v /= base;
	} while (v != 0);
	return p;
}

/* see fmt.h */
size_t
fmt_vsnprintf(char *buf, size_t cap, const char *fmt, va_list ap)
{
	char tmp[24], *end = tmp + sizeof(tmp), *p;
	const char *f, *s;
	struct spec sp;
	unsigned long long u;
	long long v;
	size_t o = 0;
	char c;

	for (f = fmt; *f != '\0'; f++) {
		if (*f != '%') {
			emit(buf, cap, &o, f, 1);
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
			emit(buf, cap, &o, "%", 1);
			break;
		case 'c':
			c = (char)va_arg(ap, int);
			emit_field(buf, cap, &o, &sp, &c, 1);
			break;
		case 's':
			if ((p = va_arg(ap, char *)) == NULL)
				p = "(null)";
			emit_field(buf, cap, &o, &sp, p, strlen(p));
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
			u = v < 0 ? 0ULL - (unsigned long long)v :
			    (unsigned long long)v;
			p = digits(end, u, 10);
			if (v < 0)
				*--p = '-';
			emit_field(buf, cap, &o, &sp, p, (size_t)(end - p));
			break;
		case 'u':
		case 'x':
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
			p = digits(end, u, *f == 'x' ? 16 : 10);
			emit_field(buf, cap, &o, &sp, p, (size_t)(end - p));
			break;
		default:
			/* not ours: the text as it stands */
			if (*f == '\0')
				f--;
			emit(buf, cap, &o, s, (size_t)(f - s + 1));
			break;
		}
	}
	if (cap > 0)
		buf[MIN(o, cap - 1)] = '\0';
	return o;
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
	size_t k;

	while (n > 0) {
		if (out->fd < 0) {
			/* memory: keep room for the NUL */
			k = out->cap > out->len + 1 ?
			    MIN(n, out->cap - out->len - 1) : 0;
			memcpy(out->buf + out->len, s, k);
			out->len += k;
			if (out->cap > 0)
				out->buf[out->len] = '\0';
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

/* see fmt.h */
void
fmt_puts(struct fmt_out *out, const char *s)
{
	fmt_put(out, s, strlen(s));
}

/* see fmt.h */
void
fmt_printf(struct fmt_out *out, const char *fmt, ...)
{
	char line[FMT_LINE_CAP];
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	n = fmt_vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	fmt_put(out, line, MIN(n, sizeof(line) - 1));
}
