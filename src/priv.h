/* SPDX-License-Identifier: MIT */
/*
 * priv.h: privileges.  Started as root, dotfwd binds, then runs as an
 * unprivileged user that keeps exactly two capabilities so a SIGHUP
 * re-exec can still do its job: CAP_NET_BIND_SERVICE (bind a new port 53
 * address) and CAP_DAC_READ_SEARCH (read a root-only config), the latter
 * raised only around reading the configuration.  Both survive execve as
 * ambient capabilities.  Started unprivileged, nothing changes.
 */
#ifndef PRIV_H
#define PRIV_H

#include "compat.h"

/*
 * End of start-up.  As root: become 'user', keeping the two capabilities
 * (exits 71 on failure).  Otherwise (e.g. after a reload's exec, where
 * the ambient set made both effective): lower CAP_DAC_READ_SEARCH.
 */
void	priv_drop(const char *user);
/* Raise (1) / lower (0) CAP_DAC_READ_SEARCH around reading config files;
 * a no-op when not held. */
void	priv_read(int on);

#endif
