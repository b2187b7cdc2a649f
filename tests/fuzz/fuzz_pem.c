/* SPDX-License-Identifier: MIT */
/*
 * fuzz_pem.c: libFuzzer target for ta.c's PEM and trust-anchor reading
 * (ca_file at start-up, the PEM files of src/ta at build time): the
 * input is a PEM file.  Contracts checked: 'add' is called once per
 * certificate block, with an anchor whose DN fits TA_DN_CAP and whose
 * key is RSA or EC with sane lengths, or with NULL and an error; the
 * count returned is the number of anchors handed over (or -1); a
 * callback that says stop stops the decoding at once.
 */
#include <stdlib.h>
#include <string.h>

#include "ta.h"

#define FZ_CHECK(c) do {						\
	if (!(c))							\
		abort();						\
} while (0)

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int	fz_add(void *, const br_x509_trust_anchor *, int);

struct fz_count {
	int	 ok;
	int	 bad;
	int	 stop_after;	/* -1: never */
	uint8_t	 sink;
};

static int
fz_add(void *arg, const br_x509_trust_anchor *ta, int br_err)
{
	struct fz_count *c = arg;
	size_t i;

	if (ta == NULL) {
		FZ_CHECK(br_err != 0);
		c->bad++;
	} else {
		FZ_CHECK(br_err == 0);
		FZ_CHECK(ta->dn.len <= TA_DN_CAP);
		/* touch every byte: ASan checks they are there */
		for (i = 0; i < ta->dn.len; i++)
			c->sink ^= ta->dn.data[i];
		switch (ta->pkey.key_type) {
		case BR_KEYTYPE_RSA:
			FZ_CHECK(ta->pkey.key.rsa.nlen > 0 &&
			    ta->pkey.key.rsa.elen > 0);
			for (i = 0; i < ta->pkey.key.rsa.nlen; i++)
				c->sink ^= ta->pkey.key.rsa.n[i];
			break;
		case BR_KEYTYPE_EC:
			FZ_CHECK(ta->pkey.key.ec.qlen > 0);
			for (i = 0; i < ta->pkey.key.ec.qlen; i++)
				c->sink ^= ta->pkey.key.ec.q[i];
			break;
		default:
			abort();
		}
		c->ok++;
	}
	if (c->stop_after >= 0 && c->ok + c->bad > c->stop_after)
		return -1;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_count c;
	int r;

	memset(&c, 0, sizeof(c));
	c.stop_after = -1;
	r = ta_decode_pem((const char *)data, size, fz_add, &c);
	FZ_CHECK(r == -1 || r == c.ok);
	/* again, stopping after the first certificate */
	memset(&c, 0, sizeof(c));
	c.stop_after = 0;
	r = ta_decode_pem((const char *)data, size, fz_add, &c);
	FZ_CHECK(c.ok + c.bad <= 1);
	FZ_CHECK(r == -1 || (c.ok + c.bad == 0 && r == 0));
	return 0;
}
