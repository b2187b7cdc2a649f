/* SPDX-License-Identifier: MIT */
/*
 * reload.h: SIGHUP.  The configuration file is compared with the one
 * running (SHA-256 of its bytes).  Unchanged: the upstreams are
 * re-checked (WAN events send the same signal).  Changed: a `dotfwd -t`
 * child checks it first and a bad file is refused (its FILE:LINE errors
 * are logged, the old configuration keeps running).  A good file is
 * applied by re-executing the same PID with the listening sockets (and
 * the status socket) inherited; queries in flight stay with a forked
 * copy that answers them and exits, so no query is lost and the kernel
 * queues new ones meanwhile.
 *
 * What is kept: uptime, the clock state, the totals, and for every
 * upstream address still configured (same address, port and auth_name)
 * its counters, up/down state, last error, back-off and RTT, and the
 * sample ring; they go to the new image in a memfd (inherit.h).  The
 * forked copy starts its counters at zero; when it has answered the
 * queries in flight it writes them to a memfd of its own and exits, and
 * the image that reaps it (the same PID: its parent) adds them, so an
 * answer given by the copy is counted once and never lost.  A copy that
 * ends otherwise than with status 0 has its counts dropped (logged).
 * The hand-over itself (variable, sockets, blobs) is inherit.h's.
 */
#ifndef RELOAD_H
#define RELOAD_H

#include "compat.h"
#include "conf.h"

/*
 * Start-up, before conf_load: remember argv (for the exec), the file and
 * its digest (taken first: a file that changes while it is loaded then
 * reads as changed at the next SIGHUP, never as unchanged), and where the
 * configuration will be (its timeout_ms bounds the drain).
 */
void	reload_init(char **argv, const char *conf_path, const struct conf *);
/* SIGHUP, from the loop (never from a signal handler). */
void	reload_hup(void);
/* Start-up of a reloaded image, after up_init and ring_init: take the
 * carried state (a blob that does not check out is dropped, logged:
 * counters start from zero) and the list of forked copies to wait for. */
void	reload_restore(void);
/* SIGCHLD, and once after start-up: collect the forked copies of earlier
 * images that have finished (they are this PID's children) and add
 * their counts. */
void	reload_reap(void);

#endif
