/* SPDX-License-Identifier: MIT */
/*
 * upmatch.h: what an upstream's message answers: a slot in flight on
 * that very connection (ID, connection, QR and the same question), or
 * the connection's liveness probe, a query for the root's NS built here
 * at start-up.  No state but the probe's query and ID sequence; the
 * pool (upstream.c) keeps which connection has a probe out.
 */
#ifndef UPMATCH_H
#define UPMATCH_H

#include "compat.h"
#include "dns.h"
#include "qtab.h"
#include "upconn.h"

/*
 * Which slot an answer from connection 'conn' belongs to: its ID names a
 * live slot that was written to that connection (QT_SENT), and it is an
 * answer (QR) to the very same question.  Returns the slot (m is the
 * parsed answer), UM_NONE (no such slot: late, or not ours) or
 * UM_MISMATCH (the slot exists, the answer is not for it).  Pure: the
 * pool calls it for every answer, the fuzzer too.
 */
enum { UM_NONE = -1, UM_MISMATCH = -2 };
int	um_match(const struct qt *, int conn, const uint8_t *msg, size_t len,
	    struct dns_msg *m);

/*
 * Start-up: the probe, ". IN NS" in the form the pool's queries take
 * (OPT, keepalive, padding to pad_block bytes as dns_build_upstream).
 */
void	um_probe_init(unsigned pad_block);

/*
 * Hand the probe to connection u (uc_probe, not pumped) under an ID no
 * slot of t has now (a later clash only costs a mismatch).  Returns the
 * ID of the probe that is out: a probe still waiting to be written (TLS
 * output blocked) stays, with its own ID.
 */
uint16_t um_probe_send(struct uc *u, const struct qt *t);

/* 1 when msg (len >= DNS_HDR_LEN) answers the probe sent as 'id'. */
int	um_probe_answer(const uint8_t *msg, size_t len, uint16_t id);

#endif
