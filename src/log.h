/* SPDX-License-Identifier: MIT */
/*
 * log.h: messages to stderr or syslog (daemon facility), four levels, and
 * a small rate limiter for per-packet or repeated lines.  Never allocates.
 */
#ifndef LOG_H
#define LOG_H

#include "compat.h"

enum { LOG_L_ERROR, LOG_L_WARN, LOG_L_INFO, LOG_L_DEBUG };

/* to_syslog: 0 stderr, 1 syslog.  level: LOG_L_*.  Call once at start-up. */
void	log_init(int to_syslog, int level);
void	log_set_level(int level);
int	log_level(void);

/* One line each.  log_warn appends ": strerror(errno)". */
void	log_error(const char *, ...) PRINTF(1, 2);
void	log_warn(const char *, ...) PRINTF(1, 2);
void	log_warnx(const char *, ...) PRINTF(1, 2);
void	log_info(const char *, ...) PRINTF(1, 2);
void	log_debug(const char *, ...) PRINTF(1, 2);

/*
 * An errno value in the log's words: lower case and the same on glibc
 * and musl for the network errors a forwarder meets ("connection
 * refused", "network unreachable"...), the C library's text otherwise.
 * The only errno-to-text table; log_warn() and fatal() use it too.
 */
const char *log_errstr(int errnum);

/* Start-up only: log and exit with the sysexits code; fatal adds errno. */
void	fatal(int ex, const char *, ...) PRINTF(2, 3) DEAD;
void	fatalx(int ex, const char *, ...) PRINTF(2, 3) DEAD;

/*
 * Rate limit: at most 'burst' lines per 'window_ms'.  log_rl_allow()
 * returns 1 when a line may be written, else counts it as suppressed.
 * When a new window opens and lines were suppressed, *suppressed gets the
 * count (and is reset) so the caller can log one summary line.
 */
struct log_rl {
	uint64_t	 window_start_ms;
	uint32_t	 window_ms;
	uint32_t	 burst;
	uint32_t	 n_window;
	uint32_t	 n_suppressed;
};
void	log_rl_init(struct log_rl *, uint32_t window_ms, uint32_t burst);
int	log_rl_allow(struct log_rl *, uint64_t now_ms, uint32_t *suppressed);

#endif
