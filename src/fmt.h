/* SPDX-License-Identifier: MIT */
/*
 * fmt.h: text formatting without stdio: the printf subset dotfwd uses
 * (%s %c %d %u %x %X with '-' and '0' flags, a width, a precision
 * (".N" or ".*"), and the h, l, ll, z length modifiers; %%) into a
 * buffer, and an output sink that writes to a file descriptor or fills
 * memory.  So the binary links no vfprintf, no FILE and no locale.  A
 * leaf: no allocation.
 */
#ifndef FMT_H
#define FMT_H

#include <stdarg.h>

#include "compat.h"

/*
 * As C99 vsnprintf for the subset above: at most cap - 1 bytes and a NUL
 * (nothing when cap is 0); returns the length the whole text would have.
 * An unknown conversion is copied as it stands.
 */
size_t	fmt_vsnprintf(char *buf, size_t cap, const char *fmt, va_list ap)
	    PRINTF(3, 0);
size_t	fmt_snprintf(char *buf, size_t cap, const char *fmt, ...)
	    PRINTF(3, 4);

/*
 * An output: fd >= 0 writes there whenever buf fills and at fmt_flush()
 * (cap must not be 0), and after every call below when flush_each is
 * set (stdio's unbuffered stderr: one write per message); fd -1 keeps
 * everything in buf (cut at cap - 1, NUL-terminated, with 'cut' set).
 * The caller owns buf, and flushes an fd sink before it exits.
 */
struct fmt_out {
	int		 fd;
	char		*buf;
	size_t		 cap;
	size_t		 len;
	int		 cut;		/* memory sink: text was lost */
	int		 err;		/* fd sink: a write failed */
	int		 flush_each;	/* fd sink: flush after each call */
};

void	fmt_out_fd(struct fmt_out *, int fd, char *buf, size_t cap);
void	fmt_out_mem(struct fmt_out *, char *buf, size_t cap);
/* stderr as stdio has it: fd 2, written out after each call. */
void	fmt_out_err(struct fmt_out *, char *buf, size_t cap);
void	fmt_put(struct fmt_out *, const char *s, size_t n);
void	fmt_puts(struct fmt_out *, const char *s);
void	fmt_putc(struct fmt_out *, int c);
/* As printf; no length limit (the text goes straight to the sink). */
void	fmt_printf(struct fmt_out *, const char *fmt, ...) PRINTF(2, 3);
/* Write what is buffered (fd sinks); returns 0, or -1 after any failed
 * write. */
int	fmt_flush(struct fmt_out *);

/*
 * n / d (d > 0) and the remainder in *rem, with 32-bit divisions only on
 * 32-bit CPUs: no 64-bit division helpers from libgcc (4.5 KB on MIPS).
 */
uint64_t	u64_div(uint64_t n, uint32_t d, uint32_t *rem);

#endif
