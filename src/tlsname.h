/* SPDX-License-Identifier: MIT */
/*
 * tlsname.h: words for BearSSL's numbers, for logs and the status: TLS
 * alert names (RFC 5246 section 7.2), the engine errors a peer can
 * cause, and cipher suite names.  Tables only: no engine is touched,
 * nothing is kept; tls.c composes the messages.
 */
#ifndef TLSNAME_H
#define TLSNAME_H

#include "compat.h"

/* The RFC 5246 name of alert 'a' ("handshake failure"): the alerts a
 * peer may send; NULL for the others. */
const char *tn_alert(int a);

/* Words for a BearSSL engine error (BR_ERR_*, not an alert or X.509
 * code): "bad record MAC"...; NULL for the others. */
const char *tn_engine_err(int err);

/* The suite's name, e.g. "ECDHE-ECDSA-CHACHA20-POLY1305", or NULL for
 * one we never offer. */
const char *tn_suite(uint16_t id);

#endif
