/* SPDX-License-Identifier: MIT */
/*
 * log.c: one line per event to stderr or syslog, a level filter and a
 * window rate limiter.  Formats into a stack buffer (fmt.c); never
 * allocates.  Speaks the syslog protocol itself: one datagram per line
 * to /dev/log, "<PRI>dotfwd[PID]: text", the time left to the logger
 * (OpenWrt's logd and rsyslog both stamp what comes without one), so
 * the binary needs neither the C library's syslog nor its time zones.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>

#include "fmt.h"
#include "log.h"

#define LOG_LINE_CAP	512	/* longer lines are cut */
#define LOG_DEV		"/dev/log"
#define LOG_FAC_DAEMON	(3 << 3)	/* RFC 5424 facility 3 */

static void	vlog(int, int, const char *, va_list) PRINTF(3, 0);
static int	sys_connect(void);
static void	sys_send(int, const char *);

static int	log_to_syslog;
static int	log_lvl = LOG_L_INFO;
static int	sys_fd = -1;

/* RFC 5424 severities: err, warning, info, debug */
static const int prio[] = { 3, 4, 6, 7 };
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
		{ ENETDOWN, "network down" },
		{ EADDRNOTAVAIL, "address not available" },
		{ EADDRINUSE, "address already in use" },
		{ EAFNOSUPPORT, "address family not supported" },
		{ ECONNABORTED, "connection aborted" },
		{ ENOTCONN, "not connected" },
		{ EPIPE, "broken pipe" },
		{ ENOENT, "no such file or directory" },
		{ EACCES, "permission denied" },
		{ EPERM, "operation not permitted" },
		{ EISDIR, "is a directory" },
		{ ENOTDIR, "not a directory" },
		{ ENAMETOOLONG, "name too long" },
		{ ELOOP, "too many symbolic links" },
		{ EROFS, "read-only file system" },
		{ ENOSPC, "no space left on device" },
		{ EIO, "input/output error" },
		{ EMFILE, "too many open files" },
		{ ENFILE, "too many open files in system" },
		{ ENOMEM, "out of memory" },
		{ ENOBUFS, "no buffer space" },
		{ EAGAIN, "resource temporarily unavailable" },
		{ EINTR, "interrupted" },
		{ EINVAL, "invalid argument" },
		{ EBADF, "bad file descriptor" },
		{ ENOSYS, "not supported by the kernel" },
		{ EOPNOTSUPP, "operation not supported" },
		{ ESRCH, "no such process" },
		{ ECHILD, "no child process" },
	};
	static char other[24];
	size_t i;

	for (i = 0; i < nitems(words); i++)
		if (words[i].e == e)
			return words[i].s;
	fmt_snprintf(other, sizeof(other), "error %d", e);
	return other;
}

/* see log.h */
void
log_init(int to_syslog, int level)
{
	log_to_syslog = to_syslog;
	log_lvl = level;
	if (to_syslog)
		(void)sys_connect();
}

/* The logger's socket, connected; -1 when there is none (yet). */
static int
sys_connect(void)
{
	struct sockaddr_un sun;

	if (sys_fd != -1)
		close(sys_fd);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, LOG_DEV, sizeof(LOG_DEV));
	if ((sys_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) != -1 &&
	    connect(sys_fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		close(sys_fd);
		sys_fd = -1;
	}
	return sys_fd;
}

/* One line; a logger restarted since: connect again once.  Lines the
 * logger cannot take are lost, as syslog(3) loses them. */
static void
sys_send(int level, const char *line)
{
	char msg[LOG_LINE_CAP + 32];
	size_t n;

	n = fmt_snprintf(msg, sizeof(msg), "<%d>dotfwd[%d]: %s",
	    LOG_FAC_DAEMON | prio[level], (int)getpid(), line);
	n = MIN(n, sizeof(msg) - 1);
	if ((sys_fd == -1 || send(sys_fd, msg, n, MSG_NOSIGNAL) == -1) &&
	    sys_connect() != -1)
		(void)send(sys_fd, msg, n, MSG_NOSIGNAL);
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
	int saved = errno;
	size_t len;

	if (level > log_lvl)
		return;
	/* not inside MIN(): it evaluates twice, and ap is read once */
	len = fmt_vsnprintf(line, sizeof(line), fmt, ap);
	len = MIN(len, sizeof(line) - 1);
	if (with_errno)
		len += fmt_snprintf(line + len, sizeof(line) - len, ": %s",
		    log_errstr(saved));
	len = MIN(len, sizeof(line) - 1);
	if (log_to_syslog)
		sys_send(level, line);
	else {
		/* one write(2) of our own buffer, the newline always in */
		len = fmt_snprintf(out, sizeof(out), "dotfwd: %s%s",
		    tag[level], line);
		len = MIN(len, sizeof(out) - 2);
		out[len++] = '\n';
		(void)!write(STDERR_FILENO, out, len);
	}
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
