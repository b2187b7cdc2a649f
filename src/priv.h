/* SPDX-License-Identifier: MIT */
/*
 * priv.h: privileges.  Started as root, dotfwd binds its sockets, then
 * runs as a dedicated user with one capability, CAP_NET_BIND_SERVICE
 * (permitted and effective only; the bounding set is cut to it too), and
 * no_new_privs set.  Nothing more: the configuration must be readable by
 * that user's group, because a reload re-reads it.  A reload's execve
 * would lose the capability, so priv_exec() lends it to the next image
 * for the execve only (inheritable + ambient); that image's priv_drop()
 * takes the loan back.  Started unprivileged, nothing is gained.
 */
#ifndef PRIV_H
#define PRIV_H

#include "compat.h"

/*
 * End of start-up.  As root: become 'user' (or 'fallback' when there is
 * no such user, with a warning), keeping CAP_NET_BIND_SERVICE only;
 * exits 71 when it cannot.  Otherwise (a reload's new image, or started
 * by a normal user): clear the inheritable and ambient sets and keep at
 * most CAP_NET_BIND_SERVICE.  Either way no_new_privs is set.
 */
void	priv_drop(const char *user, const char *fallback);
/*
 * Around a reload's execve: 1 lends CAP_NET_BIND_SERVICE to the next
 * image (inheritable + ambient), 0 takes it back when the execve failed.
 * A no-op when the capability is not held.
 */
void	priv_exec(int on);

#endif
