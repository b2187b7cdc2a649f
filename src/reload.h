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
 * The hand-over itself (variable, sockets) is inherit.h's.
 */
#ifndef RELOAD_H
#define RELOAD_H

#include "compat.h"
#include "conf.h"

/* Start-up, after conf_load: remember argv (for the exec), the running
 * configuration and its digest. */
void	reload_init(char **argv, const struct conf *);
/* SIGHUP, from the loop (never from a signal handler). */
void	reload_hup(void);
/* SIGCHLD, and once after start-up: collect the forked copies of earlier
 * images that have finished (they are this PID's children). */
void	reload_reap(void);

#endif
