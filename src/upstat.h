/* SPDX-License-Identifier: MIT */
/*
 * upstat.h: the upstreams as people see them: the "upstreams" array of
 * `dotfwd status` and the per-address counter lines of SIGUSR1, read
 * through up_view().  Holds no state.
 */
#ifndef UPSTAT_H
#define UPSTAT_H

#include "compat.h"

/* Append the per-address status as a JSON array to buf (len used, cap
 * available); returns the new length (st_status_init's callback). */
size_t	ust_json(char *buf, size_t len, size_t cap);
/* Log one line of counters per address (SIGUSR1). */
void	ust_log(void);

#endif
