/* SPDX-License-Identifier: MIT */
/*
 * server.h: DoT server mode (config server, RFC 7858 as a server): TLS
 * listeners, a fixed pool of max_clients TLS clients (handshake
 * deadline, idle timeout, RFC 7828 keepalive, RFC 8467 padding,
 * pipelining with a per-client cap), and their queries, which go through
 * in-flight slots of origin QT_SRV to the plain DNS backend (backend.c)
 * or, without one, to the upstreams (up_submit).  The certificate and
 * key are certkey.c's; renewed files are taken on SIGHUP.  Knows no
 * upstream internals.
 */
#ifndef SERVER_H
#define SERVER_H

#include "compat.h"
#include "conf.h"
#include "qtab.h"

struct fmt_out;		/* fmt.h */

/*
 * dotfwd -t: read the server's certificate and key as start-up would;
 * each problem to 'err' as "FILE:LINE: message".  Returns the number of
 * problems (0 without a server section).  Start-up only (arena).
 */
int	srv_check_files(const struct conf *, struct fmt_out *err);

/*
 * Start-up, before lsn_init (which closes handed-over sockets nobody
 * took): take the listening sockets a reload handed over, load the
 * certificate and key (exits 78 with FILE:LINE: reason when they are
 * bad) and carve the client pool.  Nothing without a server section.
 */
void	srv_init(const struct conf *, struct qt *);
int	srv_max_fds(const struct conf *);
/* After loop_init: bind what was not handed over (exits 71 on failure),
 * register with the loop, the backend too. */
void	srv_start(void);

/* Bytes of arena one client takes (README states it). */
size_t	srv_client_bytes(void);

/* Answers for its slots (origin QT_SRV): same contract as up_cbs. */
void	srv_answer(int slot, uint8_t *msg, size_t len, const struct dns_msg *);
void	srv_fail(int slot, int rcode);

/*
 * Reload (reload.c): the listening sockets; whether clients are
 * connected; in the forked copy, stop listening and close each client
 * once it is quiet.  srv_recheck(): SIGHUP with the configuration file
 * unchanged: renewed certificate or key files are loaded for the next
 * handshakes (established connections keep theirs); a bad pair is
 * refused with the reason and the running one stays.
 */
int	srv_fds(int *fds, int cap);
int	srv_busy(void);
void	srv_drain(void);
void	srv_recheck(void);

/* SIGUSR1: one line of counters (nothing without a server section). */
void	srv_log(void);

#endif
