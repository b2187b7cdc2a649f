/* SPDX-License-Identifier: MIT */
/*
 * ec.h: the elliptic-curve code every engine, certificate check and key
 * check of dotfwd uses (P-256, P-384, P-521 and X25519).
 */
#ifndef EC_H
#define EC_H

#include <bearssl.h>

/*
 * BearSSL's default (curve-specific P-256 and X25519 code), or ec_small
 * on boards built with DOTFWD_EC_SMALL (EC = small in the board file):
 * BearSSL's generic i31 code for every curve, 11 KB less code on MIPS
 * for a handshake whose curve work takes 2.3-3.3 times as long
 * (connections are long-lived; queries never touch it).
 */
const br_ec_impl	*ec_impl(void);

/* The generic i31 code for all four curves (exported for t_ec). */
extern const br_ec_impl	 ec_small;

#endif
