/* SPDX-License-Identifier: MIT */
/*
 * inherit.h: what one image hands the next across a reload's execve: the
 * listening sockets (matched to the configuration by address and type),
 * the start time and the clock state, in one environment variable,
 * INH_ENV="<start ms> <clock synced 0|1> <fd>...".  A leaf: sockets only,
 * no other module.
 */
#ifndef INHERIT_H
#define INHERIT_H

#include <sys/socket.h>

#include "compat.h"

#define INH_ENV		"DOTFWD_RELOAD"
#define INH_MAX_FDS	64	/* 2 per listen address + the status socket */
#define INH_VAR_CAP	(sizeof(INH_ENV) + 48 + INH_MAX_FDS * 12)

/*
 * Start-up: read and unset INH_ENV.  Returns 1 when this process was
 * started by a reload, and then sets *start_ms and *clock_synced.
 */
int	inh_init(uint64_t *start_ms, int *clock_synced);
/*
 * The value of INH_ENV (what follows "INH_ENV="), read: decimal numbers
 * separated by spaces, the first two into *start_ms and *clock_synced
 * (when present), the rest into fds[] when each is a plausible
 * descriptor (3..INT32_MAX-1), at most cap of them.  Reading stops at
 * the first thing that is not a number (*bad then points to it, else
 * NULL).  Returns the number of fds stored.  Pure: no descriptor is
 * touched (inh_init checks them); the fuzzer calls it too.
 */
int	inh_parse(const char *s, uint64_t *start_ms, int *clock_synced,
	    int *fds, int cap, const char **bad);
/* A handed-over socket of 'type' bound to exactly sa/len, or -1. */
int	inh_take(const struct sockaddr *sa, socklen_t len, int type);
/* Close the handed-over sockets nobody took; 'all' 0 keeps AF_UNIX ones
 * (the status socket is taken later in start-up). */
void	inh_drop_unused(int all);
/* "INH_ENV=..." for the next image into buf (cap >= INH_VAR_CAP). */
void	inh_format(char *buf, size_t cap, uint64_t start_ms, int clock_synced,
	    const int *fds, int n_fds);

#endif
