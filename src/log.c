/* SPDX-License-Identifier: MIT */
/*
 * log.c: one line per event to stderr or syslog, a level filter and a
 * window rate limiter.  Formats into a stack buffer; never allocates.
 */
#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "log.h"

#define LOG_LINE_CAP	512	/* longer lines are cut */

static void	vlog(int, int, const char *, va_list) PRINTF(3, 0);

static int	log_to_syslog;
static int	log_lvl = LOG_L_INFO;

static const int prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };
static const char *const tag[] = { "error: ", "warning: ", "", "debug: " };

/* see log.h */
const char *
log_errstr(int e)
{
	static const struct {
		int		 e;
		const char	*s;
	} words[] = {
		{ ECONNREFUSED, "connection refused" },
		{ ECONNRESET, "connection reset" },
		{ ETIMEDOUT, "connection timed out" },
		{ ENETUNREACH, "network unreachable" },
		{ EHOSTUNREACH, "host unreachable" },
		{ EADDRNOTAVAIL, "address not available" },
	};
	size_t i;

	for (i = 0; i < nitems(words); i++)
		if (words[i].e == e)
			return words[i].s;
	return strerror(e);
}

/* see log.h */
void
log_init(int to_syslog, int level)
{
	log_to_syslog = to_syslog;
	log_lvl = level;
	if (to_syslog)
		openlog("dotfwd", LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

/* see log.h */
void
log_set_level(int level)
{
	log_lvl = level;
}

/* see log.h */
int
log_level(void)
{
	return log_lvl;
}

static void
vlog(int level, int with_errno, const char *fmt, va_list ap)
{
	char line[LOG_LINE_CAP], out[LOG_LINE_CAP + 32];
	int saved = errno, n;
	size_t len;

	if (level > log_lvl)
		return;
	n = vsnprintf(line, sizeof(line), fmt, ap);
	len = n < 0 ? 0 : MIN((size_t)n, sizeof(line) - 1);
	if (with_errno)
		snprintf(line + len, sizeof(line) - len, ": %s",
		    log_errstr(saved));
	if (log_to_syslog) {
		syslog(prio[level], "%s", line);
		errno = saved;
		return;
	}
	/* one write(2) of our own buffer: glibc's dprintf() mallocs a
	 * buffer per call, and this must never allocate */
	n = snprintf(out, sizeof(out), "dotfwd: %s%s", tag[level], line);
	len = n < 0 ? 0 : MIN((size_t)n, sizeof(out) - 2);
	out[len++] = '\n';
	(void)!write(STDERR_FILENO, out, len);
	errno = saved;
}

#define LOGFN(fn, lvl, e)						\
void									\
fn(const char *fmt, ...)						\
{									\
	va_list ap;							\
									\
	va_start(ap, fmt);						\
	vlog(lvl, e, fmt, ap);						\
	va_end(ap);							\
}

LOGFN(log_error, LOG_L_ERROR, 0)
LOGFN(log_warn, LOG_L_WARN, 1)
LOGFN(log_warnx, LOG_L_WARN, 0)
LOGFN(log_info, LOG_L_INFO, 0)
LOGFN(log_debug, LOG_L_DEBUG, 0)

/* see log.h */
void
fatal(int ex, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_L_ERROR, 1, fmt, ap);
	va_end(ap);
	exit(ex);
}

/* see log.h */
void
fatalx(int ex, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_L_ERROR, 0, fmt, ap);
	va_end(ap);
	exit(ex);
}

/* see log.h */
void
log_rl_init(struct log_rl *rl, uint32_t window_ms, uint32_t burst)
{
	BUG_ON(burst == 0);
	memset(rl, 0, sizeof(*rl));
	rl->window_ms = window_ms;
	rl->burst = burst;
}

/* see log.h */
int
log_rl_allow(struct log_rl *rl, uint64_t now_ms, uint32_t *suppressed)
{
	*suppressed = 0;
	if (rl->n_window == 0 || now_ms - rl->window_start_ms >= rl->window_ms) {
		*suppressed = rl->n_suppressed;
		rl->n_suppressed = 0;
		rl->window_start_ms = now_ms;
		rl->n_window = 0;
	}
	if (rl->n_window >= rl->burst) {
		rl->n_suppressed++;
		return 0;
	}
	rl->n_window++;
	return 1;
}
