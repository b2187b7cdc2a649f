/* SPDX-License-Identifier: MIT */
/*
 * ta.h: trust anchors.  The compiled-in set (generated at build time
 * from the PEM files in src/ta by tagen) plus the PEM certificates of ca_file,
 * decoded once at start-up into the arena.  Nothing loads after mem_seal().
 */
#ifndef TA_H
#define TA_H

#include <bearssl.h>

#include "compat.h"

struct fmt_out;		/* fmt.h */

/*
 * Load the compiled-in anchors and, when ca_file is non-NULL and
 * non-empty, every certificate in it (PEM, "BEGIN CERTIFICATE" blocks;
 * others skipped), copied into the arena; anchors equal to one already
 * loaded are dropped.  Errors are printed to 'err' as "FILE: message";
 * a certificate BearSSL cannot use is reported and skipped.  Returns 0,
 * or -1 when ca_file cannot be read, is not valid PEM or holds no usable
 * certificate.  Start-up only (mem_alloc).
 */
int	ta_init(const char *ca_file, struct fmt_out *err);

/* The loaded set (before ta_init: the compiled-in set). */
const br_x509_trust_anchor *ta_list(size_t *n);

/*
 * Decode every certificate of a PEM buffer ("BEGIN CERTIFICATE" or "BEGIN
 * X509 CERTIFICATE" blocks; other blocks and text between blocks are
 * skipped), calling 'add' once per certificate: with the anchor and
 * br_err 0 (DN and key point into the decoder: the callee copies them;
 * flags has BR_X509_TA_CA when the certificate says it is a CA), or with
 * NULL and BearSSL's X.509 error when BearSSL cannot use it (unsupported
 * key, DN over TA_DN_CAP...).  'add' returns 0 to go on, -1 to stop.
 * Shared by the daemon and tagen; needs no allocator.  Returns the number
 * of anchors decoded, or -1 on bad PEM syntax, an unterminated block or
 * when 'add' stopped it.
 */
#define TA_DN_CAP	1024	/* longest subject DN we keep (Mozilla: <300) */
int	ta_decode_pem(const char *pem, size_t len,
	    int (*add)(void *arg, const br_x509_trust_anchor *ta, int br_err),
	    void *arg);

/* Compiled-in table (ta_builtin.c, generated). */
extern const br_x509_trust_anchor ta_builtin[];
extern const size_t ta_builtin_n;

#endif
