/* SPDX-License-Identifier: MIT */
/*
 * backend.h: server mode's plain DNS backend (option backend, e.g. BIND
 * on 127.0.0.1:8853).  Queries of in-flight slots go out over UDP; an
 * answer with TC set is asked again over TCP, on one connection opened
 * on demand, pipelined, and closed when idle.  Answers are matched by ID
 * and question, then handed to the owner's callbacks.  Knows no TLS and
 * no client.
 */
#ifndef BACKEND_H
#define BACKEND_H

#include "addr.h"
#include "compat.h"
#include "qtab.h"

/*
 * 'answer': the backend's answer for 'slot' (editable, len bytes, parsed
 * as m).  'fail': the slot gets 'rcode' (the TCP connection broke under
 * it).  Both must release the slot; neither may call be_*().
 */
struct be_cbs {
	void	(*answer)(int slot, uint8_t *msg, size_t len,
		    const struct dns_msg *m);
	void	(*fail)(int slot, int rcode);
};

/* The UDP socket (connected) and the TCP buffers; start-up only, exits
 * 71 when the socket cannot be made. */
void	be_init(const struct addr *, struct qt *, const struct be_cbs *);
/* Fds it may hold (for loop_init). */
int	be_max_fds(void);
/* Register with the loop (after loop_init). */
void	be_start(void);
/*
 * Send a filled slot (state QT_WAIT, q in plain form: no keepalive, no
 * padding).  0, or -1 when it could not be sent (the caller answers).
 */
int	be_submit(int slot);

#endif
