/* SPDX-License-Identifier: MIT */
/*
 * cert.c: X.509 policy around BearSSL's minimal validator.  Each
 * certificate streams through to the validator as the engine hands it
 * over; a small DER walker follows it and holds back its Validity until
 * the time to check it at is chosen (the clock-not-synchronised rule,
 * SPEC.md section 4: while the clock is not known good, each certificate
 * is checked at the later of now and its own notBefore, and the rule
 * the chain as a whole must meet is checked at the end), and hashes the
 * leaf's SPKI for the pins, checked after chain and name validation.
 * The chain itself is never kept (`dotfwd query` may ask for a copy of
 * the leaf: its CN, its pin, and its key when it trusts it anyway).
 * The kept leaf's fields are read by der.c.  Does no I/O and no
 * logging: callers read cert_errstr().
 */
#include <sys/syscall.h>
#include <sys/timex.h>

#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cert.h"
#include "der.h"
#include "ec.h"
#include "fmt.h"

/* The walk (struct cert_walk) of one certificate. */
enum { W_CERT, W_TBS, W_HDR, W_BODY, W_DONE };
#define E_VALIDITY	3
#define E_SPKI		5

static void	cx_start_chain(const br_x509_class **, const char *);
static void	cx_start_cert(const br_x509_class **, uint32_t);
static void	cx_append(const br_x509_class **, const unsigned char *,
		    size_t);
static void	cx_end_cert(const br_x509_class **);
static unsigned	cx_end_chain(const br_x509_class **);
static const br_x509_pkey *cx_get_pkey(const br_x509_class *const *,
		    unsigned *);
static unsigned	chain_end(struct cert_ctx *);
static unsigned	insecure_end(struct cert_ctx *);
static const char *why_text(int);
static void	feed(struct cert_ctx *, const uint8_t *, size_t);
static void	hdr_byte(struct cert_ctx *, uint8_t);
static void	elem_done(struct cert_ctx *);
static void	hold_release(struct cert_ctx *);
static void	set_time(struct cert_ctx *, int64_t);
static int	pin_matches(const struct cert_ctx *);

static const br_x509_class cert_vtable = {
	sizeof(struct cert_ctx),
	cx_start_chain,
	cx_start_cert,
	cx_append,
	cx_end_cert,
	cx_end_chain,
	cx_get_pkey
};

/* Strict unless the daemon says otherwise (see cert.h). */
static int	clock_synced = 1;
static int64_t	time_floor;

/* see cert.h */
void
cert_init(struct cert_ctx *cx, br_ssl_engine_context *eng,
    const br_x509_trust_anchor *tas, size_t n_tas,
    const uint8_t (*pin)[32], int n_pin)
{
	memset(cx, 0, sizeof(*cx));
	cx->vtable = &cert_vtable;
	cx->pin = pin;
	cx->n_pin = n_pin;

	/* SHA-256 only hashes DNs for comparison; any would do. */
	br_x509_minimal_init(&cx->mini, &br_sha256_vtable, tas, n_tas);
	/*
	 * Certificate signatures: SHA-2 only (no SHA-1 in current WebPKI
	 * chains; roots' self-signatures are never checked).  SHA-512
	 * shares its code with SHA-384, so it costs nothing extra.
	 */
	br_x509_minimal_set_hash(&cx->mini, br_sha256_ID, &br_sha256_vtable);
	br_x509_minimal_set_hash(&cx->mini, br_sha384_ID, &br_sha384_vtable);
	br_x509_minimal_set_hash(&cx->mini, br_sha512_ID, &br_sha512_vtable);
	br_x509_minimal_set_rsa(&cx->mini, br_rsa_pkcs1_vrfy_get_default());
	br_x509_minimal_set_ecdsa(&cx->mini, ec_impl(),
	    br_ecdsa_vrfy_asn1_get_default());
	br_ssl_engine_set_x509(eng, &cx->vtable);
}

/* see cert.h */
void
cert_set_clock_synced(int synced)
{
	clock_synced = synced != 0;
}

/* see cert.h */
int
cert_clock_synced(void)
{
	/*
	 * The kernel's struct timex up to status, then room for the rest it
	 * writes back: its layout on every ABI (long is the kernel's).  Raw:
	 * on 32-bit time64 musl, adjtimex() converts through clock_adjtime
	 * (1.4 KB for one bit).
	 */
	struct {
		unsigned int	modes;
		long		offset, freq, maxerror, esterror;
		int		status;
		long		rest[48];
	} tx;

	/* the kernel knows once an NTP daemon disciplined it: latch that */
	if (!clock_synced) {
		memset(&tx, 0, sizeof(tx));
		if (syscall(SYS_adjtimex, &tx) != -1 &&
		    !(tx.status & STA_UNSYNC))
			clock_synced = 1;
	}
	return clock_synced;
}

/* see cert.h */
void
cert_set_time_floor(int64_t unix_secs)
{
	time_floor = MAX(unix_secs, 0);
}

/* see cert.h */
const char *
cert_errstr(const struct cert_ctx *cx)
{
	static char buf[64];
	const char *s;

	if (cx->why == CERT_OK && cx->br_err == 0)
		return "certificate ok";
	if ((s = why_text(cx->why)) != NULL)
		return s;
	fmt_snprintf(buf, sizeof(buf),
	    "certificate invalid (BearSSL error %u)", cx->br_err);
	return buf;
}

/* The words for a reason, or NULL for CERT_OK and CERT_BAD. */
static const char *
why_text(int why)
{
	switch (why) {
	case CERT_UNKNOWN_CA:
		return "unknown CA";
	case CERT_NAME_MISMATCH:
		return "certificate name mismatch";
	case CERT_PIN_MISMATCH:
		return "pin mismatch";
	case CERT_EXPIRED:
		return "certificate expired";
	case CERT_NOT_YET_VALID:
		return "certificate not yet valid";
	case CERT_TOO_LONG:
		return "certificate chain too long";
	case CERT_NO_NAME:
		return "no server name to check";
	default:
		return NULL;
	}
}

static void
cx_start_chain(const br_x509_class **ctx, const char *server_name)
{
	struct cert_ctx *cx = (struct cert_ctx *)(void *)ctx;
	const br_x509_class **mc = &cx->mini.vtable;

	cx->server_name = server_name;
	cx->n_cert = 0;
	cx->overflow = 0;
	cx->why = CERT_OK;
	cx->br_err = 0;
	cx->time_why = CERT_OK;
	cx->has_spki = 0;
	cx->max_nb = INT64_MIN;
	cx->min_na = INT64_MAX;
	/* The floor also keeps now at or after 1970 (set_time needs it). */
	cx->now = MAX((int64_t)time(NULL), time_floor);
	cx->relaxed = !cert_clock_synced();
	set_time(cx, cx->now);
	(*mc)->start_chain(mc, server_name);
}

static void
cx_start_cert(const br_x509_class **ctx, uint32_t length)
{
	struct cert_ctx *cx = (struct cert_ctx *)(void *)ctx;
	const br_x509_class **mc = &cx->mini.vtable;

	if (cx->overflow || cx->n_cert >= CERT_MAX_CERTS) {
		cx->overflow = 1;
		return;
	}
	/* once it reached an anchor the validator reads no more (and
	 * says so by having a key already) */
	cx->used = (*mc)->get_pkey(mc, NULL) == NULL;
	memset(&cx->w, 0, sizeof(cx->w));
	cx->w.state = W_CERT;
	/* until its own Validity is read (or if it cannot be) */
	set_time(cx, cx->now);
	if (cx->n_cert == 0 && cx->n_pin > 0)
		br_sha256_init(&cx->spki_hash);
	if (cx->n_cert == 0 && cx->leaf != NULL) {
		cx->leaf->len = 0;
		cx->leaf->overflow = length > sizeof(cx->leaf->der);
	}
	(*mc)->start_cert(mc, length);
}

/*
 * Bytes of the current certificate: walked, and fed to the validator
 * except the Validity element, kept back until its time is set.
 */
static void
cx_append(const br_x509_class **ctx, const unsigned char *buf, size_t len)
{
	struct cert_ctx *cx = (struct cert_ctx *)(void *)ctx;
	struct cert_walk *w = &cx->w;
	size_t i = 0, from = 0, n;
	int held;

	if (cx->overflow)
		return;
	if (cx->n_cert == 0 && cx->leaf != NULL && !cx->leaf->overflow) {
		if (len > sizeof(cx->leaf->der) - cx->leaf->len)
			cx->leaf->overflow = 1;
		else {
			memcpy(cx->leaf->der + cx->leaf->len, buf, len);
			cx->leaf->len += len;
		}
	}
	while (i < len && w->state != W_DONE) {
		if (w->state == W_HDR && w->hdr_len == 0 &&
		    w->elem == E_VALIDITY && !w->holding) {
			/* the Validity starts: the validator gets what came
			 * before it, then nothing until its time is set */
			feed(cx, buf + from, i - from);
			from = i;
			w->holding = 1;
			w->hold_len = 0;
		}
		held = w->holding;
		if (w->state != W_BODY) {
			if (w->holding)
				w->hold[w->hold_len++] = buf[i];
			hdr_byte(cx, buf[i++]);
		} else {
			n = MIN(len - i, w->left);
			if (w->holding) {
				memcpy(w->hold + w->hold_len, buf + i, n);
				w->hold_len += (uint8_t)n;
			}
			if (w->elem == E_SPKI && cx->n_cert == 0 &&
			    cx->n_pin > 0)
				br_sha256_update(&cx->spki_hash, buf + i, n);
			i += n;
			w->left -= (uint32_t)n;
			if (w->left == 0)
				elem_done(cx);
		}
		if (held && !w->holding)
			from = i;	/* the held bytes went out */
	}
	if (!w->holding)
		feed(cx, buf + from, len - from);
}

static void
cx_end_cert(const br_x509_class **ctx)
{
	struct cert_ctx *cx = (struct cert_ctx *)(void *)ctx;
	const br_x509_class **mc = &cx->mini.vtable;

	if (cx->overflow)
		return;
	/* cut inside the Validity: the validator reads what there was */
	hold_release(cx);
	(*mc)->end_cert(mc);
	cx->n_cert++;
}

static unsigned
cx_end_chain(const br_x509_class **ctx)
{
	struct cert_ctx *cx = (struct cert_ctx *)(void *)ctx;
	unsigned err;

	if (cx->insecure)
		return insecure_end(cx);
	/* relaxed says how an accepted chain was checked: none here */
	if ((err = chain_end(cx)) != 0)
		cx->relaxed = 0;
	return err;
}

/* The chain's verdict: 0, or the X.509 error for the engine. */
static unsigned
chain_end(struct cert_ctx *cx)
{
	const br_x509_class **mc = &cx->mini.vtable;
	unsigned err;

	/* Never validate without a name: BearSSL would skip the check. */
	if (cx->server_name == NULL || cx->server_name[0] == '\0') {
		cx->why = CERT_NO_NAME;
		return BR_ERR_X509_BAD_SERVER_NAME;
	}
	if (cx->overflow) {
		cx->why = CERT_TOO_LONG;
		return BR_ERR_X509_LIMIT_EXCEEDED;
	}
	err = (*mc)->end_chain(mc);
	/*
	 * Each certificate was checked at the later of now and its own
	 * notBefore; the chain as a whole needs one time inside every
	 * window: the latest notBefore not after any notAfter.
	 */
	if (err == 0 && cx->relaxed && cx->max_nb > cx->min_na) {
		err = BR_ERR_X509_EXPIRED;
		cx->time_why = CERT_EXPIRED;
	}
	if (err != 0) {
		cx->br_err = err;
		switch (err) {
		case BR_ERR_X509_NOT_TRUSTED:
			cx->why = CERT_UNKNOWN_CA;
			break;
		case BR_ERR_X509_BAD_SERVER_NAME:
			cx->why = CERT_NAME_MISMATCH;
			break;
		case BR_ERR_X509_EXPIRED:
			cx->why = cx->time_why != CERT_OK ? cx->time_why :
			    CERT_BAD;
			break;
		default:
			cx->why = CERT_BAD;
			break;
		}
		return err;
	}
	if (cx->n_pin > 0 && !pin_matches(cx)) {
		cx->why = CERT_PIN_MISMATCH;
		/* Any X.509 code makes the engine fail; this is the nearest. */
		return BR_ERR_X509_NOT_TRUSTED;
	}
	cx->why = CERT_OK;
	return 0;
}

static const br_x509_pkey *
cx_get_pkey(const br_x509_class *const *ctx, unsigned *usages)
{
	const struct cert_ctx *cx = (const struct cert_ctx *)(const void *)ctx;

	if (cx->why != CERT_OK || cx->br_err != 0)
		return NULL;
	if (cx->insecure) {
		if (usages != NULL)
			*usages = BR_KEYTYPE_KEYX | BR_KEYTYPE_SIGN;
		return br_x509_decoder_get_pkey(&cx->leaf->dec);
	}
	return cx->mini.vtable->get_pkey(&cx->mini.vtable, usages);
}

/*
 * cert_set_insecure(): the full check runs for cert_verdict(), then the
 * kept leaf is decoded for its key (an untrusted leaf still gives it).
 */
static unsigned
insecure_end(struct cert_ctx *cx)
{
	cx->insecure = 0;
	(void)cx_end_chain(&cx->vtable);
	cx->insecure = 1;
	cx->verdict = cx->why;
	if (cx->verdict == CERT_OK && cx->br_err != 0)
		cx->verdict = CERT_BAD;
	cx->why = CERT_OK;
	cx->br_err = 0;
	if (cx->leaf == NULL || cx->leaf->overflow || cx->n_cert < 1) {
		cx->why = CERT_BAD;
		cx->br_err = BR_ERR_X509_EMPTY_CHAIN;
		return cx->br_err;
	}
	br_x509_decoder_init(&cx->leaf->dec, NULL, NULL);
	br_x509_decoder_push(&cx->leaf->dec, cx->leaf->der, cx->leaf->len);
	if (br_x509_decoder_get_pkey(&cx->leaf->dec) == NULL) {
		cx->why = CERT_BAD;
		cx->br_err = BR_ERR_X509_BAD_SIGNATURE;
		return cx->br_err;
	}
	return 0;
}

/* Bytes of the current certificate to the validator. */
static void
feed(struct cert_ctx *cx, const uint8_t *p, size_t n)
{
	const br_x509_class **mc = &cx->mini.vtable;

	if (n > 0)
		(*mc)->append(mc, p, n);
}

/* One byte of a DER header (tag, length) of the walk. */
static void
hdr_byte(struct cert_ctx *cx, uint8_t b)
{
	struct cert_walk *w = &cx->w;
	uint32_t l;
	size_t n, i;

	w->hdr[w->hdr_len++] = b;
	if (w->elem == E_SPKI && w->state == W_HDR && cx->n_cert == 0 &&
	    cx->n_pin > 0)
		br_sha256_update(&cx->spki_hash, &b, 1);
	if (w->hdr_len < 2)
		return;
	/* low tag numbers, definite lengths of 1 to 4 bytes */
	n = w->hdr[1] & 0x80 ? w->hdr[1] & 0x7fU : 0;
	if ((w->hdr[0] & 0x1f) == 0x1f || w->hdr[1] == 0x80 || n > 4) {
		w->state = W_DONE;
		hold_release(cx);
		return;
	}
	if (w->hdr_len < 2 + n)
		return;
	l = n == 0 ? w->hdr[1] : 0;
	for (i = 0; i < n; i++)
		l = l << 8 | w->hdr[2 + i];
	w->hdr_len = 0;
	switch (w->state) {
	case W_CERT:
		/* Certificate: go inside, to the TBSCertificate */
		w->state = w->hdr[0] == 0x30 ? W_TBS : W_DONE;
		break;
	case W_TBS:
		w->state = w->hdr[0] == 0x30 ? W_HDR : W_DONE;
		break;
	default:
		w->in_version = w->elem == 0 && w->hdr[0] == 0xa0 &&
		    !w->in_version;
		if (w->holding && w->hold_len + (size_t)l > sizeof(w->hold)) {
			/* too long to hold (no such dates): checked at now */
			set_time(cx, cx->now);
			hold_release(cx);
		}
		w->left = l;
		w->state = W_BODY;
		if (l == 0)
			elem_done(cx);
		break;
	}
	if (w->state == W_DONE)
		hold_release(cx);
}

/* The current TBS element ended. */
static void
elem_done(struct cert_ctx *cx)
{
	struct cert_walk *w = &cx->w;
	struct der d;
	int64_t nb, na, vt;

	w->state = W_HDR;
	if (w->in_version)
		return;		/* [0] version: elem stays 0 (serial) */
	if (w->elem == E_VALIDITY && w->holding) {
		d.p = w->hold;
		d.len = w->hold_len;
		vt = cx->now;
		if (der_validity(&d, &nb, &na) == 0 && d.len == 0) {
			/* not synchronised: "not yet valid" passes */
			if (cx->relaxed)
				vt = MAX(vt, nb);
			if (cx->used) {
				cx->max_nb = MAX(cx->max_nb, nb);
				cx->min_na = MIN(cx->min_na, na);
				if (cx->time_why == CERT_OK && nb > vt)
					cx->time_why = CERT_NOT_YET_VALID;
				else if (cx->time_why == CERT_OK && na < vt)
					cx->time_why = CERT_EXPIRED;
			}
		}
		set_time(cx, vt);
		hold_release(cx);
	}
	if (w->elem == E_SPKI) {
		if (cx->n_cert == 0 && cx->n_pin > 0) {
			br_sha256_out(&cx->spki_hash, cx->spki_sum);
			cx->has_spki = 1;
		}
		w->state = W_DONE;
	}
	w->elem++;
}

/* Hand the held-back Validity bytes to the validator. */
static void
hold_release(struct cert_ctx *cx)
{
	struct cert_walk *w = &cx->w;

	if (!w->holding)
		return;
	w->holding = 0;
	feed(cx, w->hold, w->hold_len);
}

/* The validator's clock, from seconds since 1970 (vt >= 0). */
static void
set_time(struct cert_ctx *cx, int64_t vt)
{
	uint64_t days;
	uint32_t secs;

	days = u64_div((uint64_t)(vt + (int64_t)DER_DAYS_0_TO_1970 *
	    DER_SECS_PER_DAY), DER_SECS_PER_DAY, &secs);
	br_x509_minimal_set_time(&cx->mini, (uint32_t)days, secs);
}

/* 1 when SHA-256 of the end-entity SPKI is one of the pins. */
static int
pin_matches(const struct cert_ctx *cx)
{
	int i;

	if (!cx->has_spki)
		return 0;
	for (i = 0; i < cx->n_pin; i++)
		if (memcmp(cx->spki_sum, cx->pin[i], sizeof(cx->spki_sum)) == 0)
			return 1;
	return 0;
}

/* see cert.h */
int
cert_was_relaxed(const struct cert_ctx *cx)
{
	return cx->relaxed;
}

/* see cert.h */
void
cert_keep_leaf(struct cert_ctx *cx, struct cert_leaf *leaf)
{
	memset(leaf, 0, sizeof(*leaf));
	cx->leaf = leaf;
}

/* see cert.h */
void
cert_set_insecure(struct cert_ctx *cx)
{
	cx->insecure = 1;
}

/* see cert.h */
const char *
cert_verdict(const struct cert_ctx *cx)
{
	int why = cx->insecure ? cx->verdict : cx->why;
	const char *s;

	if (why == CERT_OK)
		return NULL;
	return (s = why_text(why)) != NULL ? s : "certificate invalid";
}

/* see cert.h */
int
cert_leaf_pin(const struct cert_ctx *cx, uint8_t out[32])
{
	br_sha256_context h;
	const uint8_t *spki;
	size_t spki_len;

	if (cx->leaf == NULL || cx->leaf->overflow || cx->n_cert < 1 ||
	    der_find_spki(cx->leaf->der, cx->leaf->len, &spki, &spki_len) != 0)
		return -1;
	br_sha256_init(&h);
	br_sha256_update(&h, spki, spki_len);
	br_sha256_out(&h, out);
	return 0;
}

/* see cert.h */
int
cert_leaf_cn(const struct cert_ctx *cx, char *buf, size_t cap)
{
	if (cx->leaf == NULL || cx->leaf->overflow || cx->n_cert < 1)
		return -1;
	return der_find_cn(cx->leaf->der, cx->leaf->len, buf, cap);
}
