/* SPDX-License-Identifier: MIT */
/*
 * fuzz_cert.c: libFuzzer target for cert.c and der.c, what a server
 * sends before anything of it is trusted.  The input is a certificate
 * chain as the TLS engine hands it to the X.509 class: a flags byte,
 * then certificates as a 2-byte length and that many bytes (the last one
 * cut where the input ends).  Each certificate also goes through
 * der_find_spki() and der_find_validity() on its own; then the chain
 * through the cert.c wrapper (streamed into br_x509_minimal, each
 * Validity held back until the clock rule picks its time, pins checked),
 * appended in pieces as the engine would.
 * The anchor is a test CA of our own (below, P-256, valid 2026-2126),
 * so chains of the committed corpus (tests/fuzz/corpus/cert: leaves for
 * dot.test valid now, not yet valid, expired, RSA) reach every verdict:
 * accepted, pinned, relaxed, name mismatch, expired.  Flags: bit 0 clock
 * synchronised, 1 a time floor, 2 pins (the first is the EC leaf's), 3
 * no server name, 4-7 the append piece size.  Contracts checked: what
 * the DER readers return lies inside their input and is well-formed; a
 * chain is accepted only with CERT_OK and a key, relaxed only while the
 * clock is not synchronised; a refusal always has a reason, no key and
 * no relaxed flag.
 */
#include <stdlib.h>
#include <string.h>

#include "cert.h"
#include "der.h"
#include "ta.h"

#define FZ_CHECK(c) do {						\
	if (!(c))							\
		abort();						\
} while (0)

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void	fz_readers(const uint8_t *, size_t);
static int	fz_anchor(void *, const br_x509_trust_anchor *, int);
static void	fz_init(void);

static const char fz_ca_pem[] =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIBxDCCAWugAwIBAgIUZAjqhVqYels4wVAoI2o07grNYswwCgYIKoZIzj0EAwIw\n"
    "LzEUMBIGA1UECgwLZG90ZndkIGZ1enoxFzAVBgNVBAMMDmRvdGZ3ZCBmdXp6IENB\n"
    "MCAXDTI2MTIwMzEyMTAwM1oYDzIxMjYxMTA5MTIxMDAzWjAvMRQwEgYDVQQKDAtk\n"
    "b3Rmd2QgZnV6ejEXMBUGA1UEAwwOZG90ZndkIGZ1enogQ0EwWTATBgcqhkjOPQIB\n"
    "BggqhkjOPQMBBwNCAARtSE7/mN/h4Iz5oJTWPzAmzqjqeikAnbROWg1nD8DRI2+G\n"
    "9RMtcMwl9c5U/jqlXaFtnfbiZSf3+No0MhbUVNj2o2MwYTAfBgNVHSMEGDAWgBRV\n"
    "x2Y+dtwSZM8JeHnc5Qb86d8wVTAPBgNVHRMBAf8EBTADAQH/MA4GA1UdDwEB/wQE\n"
    "AwIBBjAdBgNVHQ4EFgQUVcdmPnbcEmTPCXh53OUG/OnfMFUwCgYIKoZIzj0EAwID\n"
    "RwAwRAIgTeBDaHKnhHZM1CKBUIigjqI/FqW/LEeiA+NIes0af78CIF9nEO1ip3+m\n"
    "hfN4EQRWmtCDcQD+PcEHGlRxWnS5PMwj\n"
    "-----END CERTIFICATE-----\n";

/* A context is 17 KB: static, and reused. */
static br_ssl_client_context	fz_cc;
static struct cert_ctx		fz_cx;
static br_x509_trust_anchor	fz_ta;
static uint8_t			fz_ta_dn[512], fz_ta_q[80];
static int			fz_ready;
/* SHA-256 of the corpus's EC leaf's SPKI, and one that matches nothing */
static const uint8_t		fz_pin[2][32] = { {
	0xa9, 0xed, 0xf1, 0x94, 0x03, 0x58, 0xb1, 0x4b, 0x27, 0x69, 0xfd, 0x02,
	0xc6, 0x10, 0xd5, 0xed, 0x4c, 0xd1, 0x03, 0xfc, 0x3c, 0xa0, 0xed, 0x28,
	0x98, 0xac, 0x9d, 0x71, 0xf8, 0x26, 0x99, 0xe4 }, { 2 } };

/* ta_decode_pem()'s callback: keep the one EC anchor. */
static int
fz_anchor(void *arg, const br_x509_trust_anchor *ta, int br_err)
{
	(void)arg;
	FZ_CHECK(ta != NULL && br_err == 0);
	FZ_CHECK(ta->dn.len <= sizeof(fz_ta_dn) &&
	    ta->pkey.key_type == BR_KEYTYPE_EC &&
	    ta->pkey.key.ec.qlen <= sizeof(fz_ta_q));
	memcpy(fz_ta_dn, ta->dn.data, ta->dn.len);
	memcpy(fz_ta_q, ta->pkey.key.ec.q, ta->pkey.key.ec.qlen);
	fz_ta = *ta;
	fz_ta.dn.data = fz_ta_dn;
	fz_ta.pkey.key.ec.q = fz_ta_q;
	return 0;
}

static void
fz_init(void)
{
	FZ_CHECK(ta_decode_pem(fz_ca_pem, sizeof(fz_ca_pem) - 1, fz_anchor,
	    NULL) == 1);
	fz_ready = 1;
}

static void
fz_readers(const uint8_t *der, size_t len)
{
	const uint8_t *spki;
	size_t spki_len;
	int64_t nb, na;

	if (der_find_spki(der, len, &spki, &spki_len) == 0) {
		FZ_CHECK(spki >= der && spki_len >= 2);
		FZ_CHECK(spki + spki_len <= der + len);
		FZ_CHECK(spki[0] == 0x30);
	}
	if (der_find_validity(der, len, &nb, &na) == 0) {
		/* years 0000..9999 at most, as BearSSL reads them */
		FZ_CHECK(nb >= -62167219200LL && nb < 253402300800LL);
		FZ_CHECK(na >= -62167219200LL && na < 253402300800LL);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const br_x509_class **vt = &fz_cx.vtable;
	const br_x509_pkey *pk;
	const char *why;
	uint8_t flags;
	size_t off, len, k, piece;
	unsigned err, usages;

	if (!fz_ready)
		fz_init();
	if (size < 1)
		return 0;
	flags = data[0];
	cert_set_clock_synced(flags & 1);
	cert_set_time_floor(flags & 2 ? 1700000000 : 0);
	cert_init(&fz_cx, &fz_cc.eng, &fz_ta, 1, fz_pin, flags & 4 ? 2 : 0);
	(*vt)->start_chain(vt, flags & 8 ? NULL : "dot.test");
	for (off = 1; off < size; off += len) {
		if (size - off < 2)
			break;
		len = (size_t)data[off] << 8 | data[off + 1];
		off += 2;
		len = len < size - off ? len : size - off;
		fz_readers(data + off, len);
		(*vt)->start_cert(vt, (uint32_t)len);
		/* in pieces of 1..64 bytes, as records may cut them */
		piece = 1 + (flags >> 4) * 4;
		for (k = 0; k < len; k += piece)
			(*vt)->append(vt, data + off + k,
			    len - k < piece ? len - k : piece);
		(*vt)->end_cert(vt);
	}
	err = (*vt)->end_chain(vt);
	why = cert_errstr(&fz_cx);
	FZ_CHECK(why != NULL && why[0] != '\0');
	pk = (*vt)->get_pkey(vt, &usages);
	if (err == 0) {
		FZ_CHECK(fz_cx.why == CERT_OK && pk != NULL);
		/* unsynchronised may still read "synced" from the kernel */
		FZ_CHECK(!(flags & 1) || !cert_was_relaxed(&fz_cx));
	} else {
		FZ_CHECK(pk == NULL && fz_cx.why != CERT_OK);
		FZ_CHECK(!cert_was_relaxed(&fz_cx));
	}
	return 0;
}
