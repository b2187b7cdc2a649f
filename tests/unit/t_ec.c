/* SPDX-License-Identifier: MIT */
/*
 * t_ec.c: unit tests for ec.c.  ec_small must compute what BearSSL's
 * default EC code computes, curve by curve: the same constants, the same
 * public keys (mulgen), the same ECDH results (mul) and for the NIST
 * curves the same sums (muladd), over seeded random scalars; and an
 * ECDSA signature made with one must verify with the other.
 * `./t_ec NAME` runs one case.
 */
#include <string.h>

#include "compat.h"
#include "ec.h"
#include "t.h"

#define ROUNDS	8

static const int curves[] = {
	BR_EC_secp256r1, BR_EC_secp384r1, BR_EC_secp521r1, BR_EC_curve25519
};

static uint32_t rng = 2463534242U;

static void
fill(uint8_t *p, size_t n)
{
	while (n-- > 0) {
		rng ^= rng << 13;
		rng ^= rng >> 17;
		rng ^= rng << 5;
		*p++ = (uint8_t)rng;
	}
}

/* a random scalar below the curve's order (X25519 takes any 32 bytes) */
static size_t
scalar(int curve, uint8_t *x)
{
	size_t olen;
	const uint8_t *o = br_ec_get_default()->order(curve, &olen);

	fill(x, olen);
	if (curve != BR_EC_curve25519)
		x[0] = (uint8_t)(x[0] % (o[0] == 0 ? 1 : o[0]));
	return olen;
}

static int
case_constants(void)
{
	const br_ec_impl *d = br_ec_get_default();
	size_t i, la, lb, oa, ob;

	T_ASSERT(ec_small.supported_curves == d->supported_curves);
	for (i = 0; i < nitems(curves); i++) {
		const uint8_t *a = ec_small.generator(curves[i], &la);
		const uint8_t *b = d->generator(curves[i], &lb);

		T_EQ_HEX(a, la, b, lb);
		a = ec_small.order(curves[i], &la);
		b = d->order(curves[i], &lb);
		T_EQ_HEX(a, la, b, lb);
		oa = ec_small.xoff(curves[i], &la);
		ob = d->xoff(curves[i], &lb);
		T_EQ_INT(oa, ob);
		T_EQ_INT(la, lb);
	}
	return 0;
}

static int
case_mul(void)
{
	const br_ec_impl *d = br_ec_get_default();
	uint8_t x[66], y[66], pa[133], pb[133], qa[133], qb[133];
	size_t i, r, xl, yl, la, lb;

	for (i = 0; i < nitems(curves); i++) {
		for (r = 0; r < ROUNDS; r++) {
			xl = scalar(curves[i], x);
			yl = scalar(curves[i], y);
			la = ec_small.mulgen(pa, x, xl, curves[i]);
			lb = d->mulgen(pb, x, xl, curves[i]);
			T_ASSERT(la > 0);
			T_EQ_HEX(pa, la, pb, lb);
			/* ECDH: y * (x * G) */
			memcpy(qa, pa, la);
			memcpy(qb, pb, lb);
			T_EQ_INT(ec_small.mul(qa, la, y, yl, curves[i]), 1);
			T_EQ_INT(d->mul(qb, lb, y, yl, curves[i]), 1);
			T_EQ_HEX(qa, la, qb, lb);
			if (curves[i] == BR_EC_curve25519)
				continue;
			/* x*G + y*(x*G), the ECDSA verification's sum */
			memcpy(qa, pa, la);
			memcpy(qb, pb, lb);
			T_EQ_INT(ec_small.muladd(qa, NULL, la, x, xl, y, yl,
			    curves[i]), 1);
			T_EQ_INT(d->muladd(qb, NULL, lb, x, xl, y, yl,
			    curves[i]), 1);
			T_EQ_HEX(qa, la, qb, lb);
		}
	}
	return 0;
}

static int
case_ecdsa(void)
{
	static const int nist[] = {
		BR_EC_secp256r1, BR_EC_secp384r1, BR_EC_secp521r1
	};
	const br_ec_impl *d = br_ec_get_default();
	uint8_t x[66], pub[133], sig[160], hash[32];
	br_ec_private_key sk;
	br_ec_public_key pk;
	size_t i, sl;

	fill(hash, sizeof(hash));
	for (i = 0; i < nitems(nist); i++) {
		sk.curve = pk.curve = nist[i];
		sk.x = x;
		sk.xlen = scalar(nist[i], x);
		pk.q = pub;
		pk.qlen = ec_small.mulgen(pub, x, sk.xlen, nist[i]);
		sl = br_ecdsa_i31_sign_asn1(&ec_small, &br_sha256_vtable, hash,
		    &sk, sig);
		T_ASSERT(sl > 0);
		T_EQ_INT(br_ecdsa_i31_vrfy_asn1(d, hash, sizeof(hash), &pk,
		    sig, sl), 1);
		sl = br_ecdsa_i31_sign_asn1(d, &br_sha256_vtable, hash, &sk,
		    sig);
		T_EQ_INT(br_ecdsa_i31_vrfy_asn1(&ec_small, hash, sizeof(hash),
		    &pk, sig, sl), 1);
		sig[sl / 2] ^= 1;
		T_EQ_INT(br_ecdsa_i31_vrfy_asn1(&ec_small, hash, sizeof(hash),
		    &pk, sig, sl), 0);
	}
	return 0;
}

/* the board's choice is one of the two */
static int
case_impl(void)
{
#ifdef DOTFWD_EC_SMALL
	T_ASSERT(ec_impl() == &ec_small);
#else
	T_ASSERT(ec_impl() == br_ec_get_default());
#endif
	return 0;
}

static const struct t_case cases[] = {
	{ "constants",	case_constants },
	{ "mul",	case_mul },
	{ "ecdsa",	case_ecdsa },
	{ "impl",	case_impl },
};

int
main(int argc, char **argv)
{
	return t_main(argc, argv, "ec", cases, nitems(cases));
}
