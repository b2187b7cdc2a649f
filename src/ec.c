/* SPDX-License-Identifier: MIT */
/*
 * ec.c: ec_small routes X25519 to BearSSL's br_ec_c25519_i31 and the
 * NIST curves to br_ec_prime_i31, both built on the i31 big-integer code
 * that RSA already links.
 */
#include "ec.h"

static const br_ec_impl *
pick(int curve)
{
	return curve == BR_EC_curve25519 ? &br_ec_c25519_i31 :
	    &br_ec_prime_i31;
}

static const unsigned char *
generator(int curve, size_t *len)
{
	return pick(curve)->generator(curve, len);
}

static const unsigned char *
order(int curve, size_t *len)
{
	return pick(curve)->order(curve, len);
}

static size_t
xoff(int curve, size_t *len)
{
	return pick(curve)->xoff(curve, len);
}

static uint32_t
mul(unsigned char *g, size_t glen, const unsigned char *x, size_t xlen,
    int curve)
{
	return pick(curve)->mul(g, glen, x, xlen, curve);
}

static size_t
mulgen(unsigned char *r, const unsigned char *x, size_t xlen, int curve)
{
	return pick(curve)->mulgen(r, x, xlen, curve);
}

static uint32_t
muladd(unsigned char *a, const unsigned char *b, size_t len,
    const unsigned char *x, size_t xlen, const unsigned char *y,
    size_t ylen, int curve)
{
	return pick(curve)->muladd(a, b, len, x, xlen, y, ylen, curve);
}

const br_ec_impl ec_small = {
	((uint32_t)1 << BR_EC_secp256r1) | ((uint32_t)1 << BR_EC_secp384r1) |
	    ((uint32_t)1 << BR_EC_secp521r1) |
	    ((uint32_t)1 << BR_EC_curve25519),
	generator, order, xoff, mul, mulgen, muladd
};

/* see ec.h */
const br_ec_impl *
ec_impl(void)
{
#ifdef DOTFWD_EC_SMALL
	return &ec_small;
#else
	return br_ec_get_default();
#endif
}
