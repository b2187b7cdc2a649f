/* SPDX-License-Identifier: MIT */
/*
 * tlsname.c: words for BearSSL's numbers: the alerts of RFC 5246 section
 * 7.2, the engine errors (bearssl_ssl.h) a peer can cause, and the names
 * of the suites the profile offers (tls.c).  Constant tables and
 * switches; no engine is touched, no state is kept.
 */
#include <bearssl.h>

#include "tlsname.h"

/* The suites of tls.c's profile. */
static const struct {
	uint16_t	 id;
	const char	*name;
} tls_suite_names[] = {
	{ BR_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
	    "ECDHE-ECDSA-CHACHA20-POLY1305" },
	{ BR_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
	    "ECDHE-RSA-CHACHA20-POLY1305" },
	{ BR_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
	    "ECDHE-ECDSA-AES128-GCM-SHA256" },
	{ BR_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
	    "ECDHE-RSA-AES128-GCM-SHA256" },
	{ BR_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
	    "ECDHE-ECDSA-AES256-GCM-SHA384" },
	{ BR_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
	    "ECDHE-RSA-AES256-GCM-SHA384" }
};

/* see tlsname.h */
const char *
tn_alert(int a)
{
	switch (a) {
	case 10:
		return "unexpected message";
	case 20:
		return "bad record MAC";
	case 22:
		return "record overflow";
	case 40:
		return "handshake failure";
	case 42:
		return "bad certificate";
	case 43:
		return "unsupported certificate";
	case 46:
		return "certificate unknown";
	case 47:
		return "illegal parameter";
	case 48:
		return "unknown CA";
	case 50:
		return "decode error";
	case 51:
		return "decrypt error";
	case 70:
		return "protocol version";
	case 71:
		return "insufficient security";
	case 80:
		return "internal error";
	case 86:
		return "inappropriate fallback";
	case 90:
		return "user canceled";
	case 110:
		return "unsupported extension";
	case 112:
		return "unrecognized name";
	default:
		return NULL;
	}
}

/* see tlsname.h */
const char *
tn_engine_err(int err)
{
	switch (err) {
	case BR_ERR_BAD_PARAM:
		return "bad parameter";
	case BR_ERR_BAD_STATE:
		return "bad engine state";
	case BR_ERR_UNSUPPORTED_VERSION:
		return "server does not offer TLS 1.2";
	case BR_ERR_BAD_VERSION:
		return "bad record version";
	case BR_ERR_BAD_LENGTH:
		return "bad record length";
	case BR_ERR_TOO_LARGE:
		return "record too large";
	case BR_ERR_BAD_MAC:
		return "bad record MAC";
	case BR_ERR_NO_RANDOM:
		return "no entropy";
	case BR_ERR_UNKNOWN_TYPE:
		return "unknown record type";
	case BR_ERR_UNEXPECTED:
		return "unexpected message";
	case BR_ERR_BAD_CCS:
		return "bad ChangeCipherSpec";
	case BR_ERR_BAD_ALERT:
		return "bad alert";
	case BR_ERR_BAD_HANDSHAKE:
		return "bad handshake message";
	case BR_ERR_OVERSIZED_ID:
		return "oversized session ID";
	case BR_ERR_BAD_CIPHER_SUITE:
		return "server chose a suite we did not offer";
	case BR_ERR_BAD_COMPRESSION:
		return "server chose compression";
	case BR_ERR_BAD_FRAGLEN:
		return "bad max_fragment_length answer";
	case BR_ERR_BAD_SECRENEG:
		return "bad secure renegotiation";
	case BR_ERR_EXTRA_EXTENSION:
		return "unrequested extension from server";
	case BR_ERR_BAD_SNI:
		return "bad SNI";
	case BR_ERR_BAD_HELLO_DONE:
		return "bad ServerHelloDone";
	case BR_ERR_LIMIT_EXCEEDED:
		return "handshake limit exceeded";
	case BR_ERR_BAD_FINISHED:
		return "bad Finished";
	case BR_ERR_RESUME_MISMATCH:
		return "session resumption mismatch";
	case BR_ERR_INVALID_ALGORITHM:
		return "unsupported algorithm";
	case BR_ERR_BAD_SIGNATURE:
		return "bad ServerKeyExchange signature";
	case BR_ERR_WRONG_KEY_USAGE:
		return "certificate key usage mismatch";
	case BR_ERR_NO_CLIENT_AUTH:
		return "client certificate required";
	case BR_ERR_IO:
		return "I/O error";
	default:
		return NULL;
	}
}

/* see tlsname.h */
const char *
tn_suite(uint16_t id)
{
	size_t i;

	for (i = 0; i < nitems(tls_suite_names); i++)
		if (tls_suite_names[i].id == id)
			return tls_suite_names[i].name;
	return NULL;
}
