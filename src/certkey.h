/* SPDX-License-Identifier: MIT */
/*
 * certkey.h: server mode's certificate and key: the PEM chain (leaf
 * first) and the PEM private key (EC or RSA; SEC1, PKCS#1 or PKCS#8)
 * read into a caller-owned pair, checked to belong together, with a
 * digest of both files so that a SIGHUP can tell a renewal.  Streams the
 * files through BearSSL's decoders: no allocation, no sockets, no log.
 */
#ifndef CERTKEY_H
#define CERTKEY_H

#include "compat.h"
#include "tls.h"

#define CK_DER_CAP	(16 * 1024)	/* the chain's DER, all certificates */
#define CK_CN_CAP	64		/* the leaf's common name, for the log */

struct ck_pair {
	struct tls_cred	 cred;
	uint8_t		*der;		/* CK_DER_CAP bytes, the caller's */
	size_t		 der_len;
	uint8_t		 digest[32];	/* SHA-256 of both files' bytes */
	char		 cn[CK_CN_CAP];
};

/* Which file a failure is about. */
enum { CK_CERT, CK_KEY };

/*
 * Read 'cert' and 'key' into p (p->der set by the caller).  Returns 0,
 * or -1 with *which (CK_CERT or CK_KEY) and why[cap] saying what is
 * wrong ("no certificate in it", "key does not match the certificate",
 * "cannot open: permission denied"...).  On -1, p may be half written:
 * load into a pair no engine is using.
 */
int	ck_load(struct ck_pair *p, const char *cert, const char *key,
	    int *which, char *why, size_t cap);

/* The digest ck_load would record for the two files now; 0 or -1. */
int	ck_digest(const char *cert, const char *key, uint8_t out[32]);

#endif
