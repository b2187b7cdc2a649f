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
 * The hand-over travels in one environment variable,
 * DOTFWD_RELOAD="<start ms> <clock synced 0|1> <fd>...".
 */
#ifndef RELOAD_H
#define RELOAD_H

#include <sys/socket.h>

#include "compat.h"
#include "conf.h"

/*
 * Start-up, after conf_load: remember argv (for the exec), the running
 * configuration and its digest, and pick up what a previous image handed
 * over (sockets, start time, clock state).
 */
void	reload_init(char **argv, const struct conf *);
/* Returns 1 when this process was started by a reload. */
int	reload_inherited(void);
/* A handed-over socket of 'type' bound to exactly sa/len, or -1. */
int	reload_take(const struct sockaddr *sa, socklen_t len, int type);
/* Close handed-over sockets nobody took: 'all' 0 keeps AF_UNIX ones
 * (the status socket is taken later in start-up). */
void	reload_drop_unused(int all);
/* SIGHUP, from the loop (never from a signal handler). */
void	reload_hup(void);
/* SIGCHLD, and once after start-up: collect the forked copies of earlier
 * images that have finished (they are this PID's children). */
void	reload_reap(void);

#endif
