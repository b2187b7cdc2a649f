/* SPDX-License-Identifier: MIT */
/*
 * certkey.c: the server's certificate chain and key (see certkey.h).
 * Each file is read in small chunks through BearSSL's PEM decoder:
 * certificates go into the pair's DER buffer, the key straight into its
 * skey decoder.  Then the leaf's public key must be the one the private
 * key makes: a renewal that pairs a new certificate with the old key is
 * refused here, not at the first client's handshake.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "certkey.h"
#include "der.h"
#include "ec.h"
#include "fmt.h"
#include "log.h"

#define CK_READ_CHUNK	1024	/* files are streamed, never held whole */
#define CK_FILE_MAX	(1024 * 1024)	/* bigger is not a PEM key or chain */

/* One file's walk through the PEM decoder. */
struct walk {
	br_pem_decoder_context	 pem;
	struct ck_pair		*p;
	int			 is_key;	/* the key file, else the chain */
	int			 in_obj;	/* inside an object we take */
	int			 n_obj;		/* objects taken */
	int			 over;		/* chain too long or too big */
	const char		*err;		/* static text, sticky */
};

static int	walk_file(struct walk *, const char *, br_sha256_context *,
		    char *, size_t);
static void	obj_begin(struct walk *, const char *);
static void	obj_end(struct walk *);
static void	der_sink(void *, const void *, size_t);
static void	key_sink(void *, const void *, size_t);
static const char *check_pair(struct ck_pair *);

/* Append to the chain; the last certificate's length grows. */
static void
der_sink(void *arg, const void *buf, size_t len)
{
	struct walk *w = arg;
	struct ck_pair *p = w->p;
	br_x509_certificate *c = &p->cred.chain[p->cred.n_chain - 1];

	if (w->over || len > CK_DER_CAP - p->der_len) {
		w->over = 1;
		return;
	}
	memcpy(p->der + p->der_len, buf, len);
	p->der_len += len;
	c->data_len += len;
}

static void
key_sink(void *arg, const void *buf, size_t len)
{
	struct walk *w = arg;

	br_skey_decoder_push(&w->p->cred.skey, buf, len);
}

/* BEGIN line: take certificates, or the first private key. */
static void
obj_begin(struct walk *w, const char *name)
{
	struct tls_cred *cr = &w->p->cred;
	size_t n = strlen(name);

	w->in_obj = 0;
	if (w->err != NULL)
		return;
	if (!w->is_key) {
		if (strcmp(name, "CERTIFICATE") != 0 &&
		    strcmp(name, "X509 CERTIFICATE") != 0)
			return;
		if (cr->n_chain == TLS_CHAIN_MAX) {
			w->err = "more than 8 certificates";
			return;
		}
		cr->chain[cr->n_chain].data = w->p->der + w->p->der_len;
		cr->chain[cr->n_chain].data_len = 0;
		cr->n_chain++;
		br_pem_decoder_setdest(&w->pem, der_sink, w);
	} else {
		/* PRIVATE KEY (PKCS#8), EC PRIVATE KEY, RSA PRIVATE KEY */
		if (w->n_obj > 0 || n < 11 ||
		    strcmp(name + n - 11, "PRIVATE KEY") != 0)
			return;
		if (strncmp(name, "ENCRYPTED", 9) == 0) {
			w->err = "an encrypted key (store it without a "
			    "passphrase)";
			return;
		}
		br_skey_decoder_init(&cr->skey);
		br_pem_decoder_setdest(&w->pem, key_sink, w);
	}
	w->in_obj = 1;
}

static void
obj_end(struct walk *w)
{
	if (!w->in_obj)
		return;
	w->in_obj = 0;
	w->n_obj++;
	br_pem_decoder_setdest(&w->pem, NULL, NULL);
	if (w->is_key &&
	    br_skey_decoder_last_error(&w->p->cred.skey) != 0 &&
	    w->err == NULL)
		w->err = "not an RSA or EC key BearSSL can read";
}

/*
 * Stream one file through the decoder and the digest.  0, or -1 with
 * why[] set (I/O and PEM syntax; w->err holds the rest).
 */
static int
walk_file(struct walk *w, const char *path, br_sha256_context *h,
    char *why, size_t cap)
{
	uint8_t buf[CK_READ_CHUNK];
	const uint8_t *q;
	size_t total = 0, used, len;
	ssize_t n;
	int fd, e, done = 0;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		fmt_snprintf(why, cap, "cannot open: %s", log_errstr(errno));
		return -1;
	}
	br_pem_decoder_init(&w->pem);
	while (!done) {
		n = read(fd, buf, sizeof(buf));
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			e = errno;
			close(fd);
			fmt_snprintf(why, cap, "cannot read: %s",
			    log_errstr(e));
			return -1;
		}
		total += (size_t)n;
		if (total > CK_FILE_MAX) {
			close(fd);
			fmt_snprintf(why, cap, "too big (over %d bytes)",
			    CK_FILE_MAX);
			return -1;
		}
		if (h != NULL)
			br_sha256_update(h, buf, (size_t)n);
		if (n == 0) {
			/* a last line without its newline */
			buf[0] = '\n';
			n = 1;
			done = 1;
		}
		for (q = buf, len = (size_t)n; len > 0; ) {
			used = br_pem_decoder_push(&w->pem, q, len);
			q += used;
			len -= used;
			switch (br_pem_decoder_event(&w->pem)) {
			case BR_PEM_BEGIN_OBJ:
				obj_begin(w, br_pem_decoder_name(&w->pem));
				break;
			case BR_PEM_END_OBJ:
				obj_end(w);
				break;
			case BR_PEM_ERROR:
				close(fd);
				fmt_snprintf(why, cap, "not a PEM file");
				return -1;
			default:
				break;
			}
		}
	}
	close(fd);
	if (w->in_obj) {
		fmt_snprintf(why, cap, "a PEM block does not end");
		return -1;
	}
	return 0;
}

/*
 * The leaf's public key against the private key, and what BearSSL's
 * server side can use.  NULL when they belong together, else why not.
 */
static const char *
check_pair(struct ck_pair *p)
{
	br_x509_decoder_context xd;
	const br_x509_certificate *leaf = &p->cred.chain[0];
	const br_x509_pkey *pk;
	const br_ec_private_key *ek;
	const br_rsa_private_key *rk;
	br_ec_public_key pub;
	uint8_t kbuf[BR_EC_KBUF_PUB_MAX_SIZE], nbuf[512];
	const uint8_t *a, *b;
	size_t na, nb;

	br_x509_decoder_init(&xd, NULL, NULL);
	br_x509_decoder_push(&xd, leaf->data, leaf->data_len);
	if ((pk = br_x509_decoder_get_pkey(&xd)) == NULL)
		return "the first certificate cannot be read (or has a key "
		    "BearSSL does not support)";
	p->cred.key_type = br_skey_decoder_key_type(&p->cred.skey);
	if (p->cred.key_type != pk->key_type)
		return "key does not match the certificate (one is RSA, the "
		    "other EC)";
	if (p->cred.key_type == BR_KEYTYPE_EC) {
		ek = br_skey_decoder_get_ec(&p->cred.skey);
		/* ECDSA: NIST curves only (X25519 keys cannot sign) */
		if (ek->curve != BR_EC_secp256r1 &&
		    ek->curve != BR_EC_secp384r1 &&
		    ek->curve != BR_EC_secp521r1)
			return "EC key on a curve other than P-256, P-384 "
			    "or P-521";
		if (br_ec_compute_pub(ec_impl(), &pub, kbuf,
		    ek) == 0 || pub.curve != pk->key.ec.curve ||
		    pub.qlen != pk->key.ec.qlen ||
		    memcmp(pub.q, pk->key.ec.q, pub.qlen) != 0)
			return "key does not match the certificate";
		return NULL;
	}
	rk = br_skey_decoder_get_rsa(&p->cred.skey);
	if ((na = br_rsa_compute_modulus_get_default()(NULL, rk)) == 0 ||
	    na > sizeof(nbuf))
		return "RSA key BearSSL cannot use (over 4096 bits?)";
	br_rsa_compute_modulus_get_default()(nbuf, rk);
	/* both big-endian; skip leading zeros */
	for (a = nbuf; na > 0 && *a == 0; a++, na--)
		continue;
	b = pk->key.rsa.n;
	for (nb = pk->key.rsa.nlen; nb > 0 && *b == 0; b++, nb--)
		continue;
	if (na != nb || memcmp(a, b, na) != 0)
		return "key does not match the certificate";
	return NULL;
}

/* see certkey.h */
int
ck_load(struct ck_pair *p, const char *cert, const char *key, int *which,
    char *why, size_t cap)
{
	br_sha256_context h;
	struct walk w;
	const char *bad;

	p->cred.n_chain = 0;
	p->cred.key_type = 0;
	p->der_len = 0;
	p->cn[0] = '\0';
	br_sha256_init(&h);

	*which = CK_CERT;
	memset(&w, 0, sizeof(w));
	w.p = p;
	if (walk_file(&w, cert, &h, why, cap) == -1)
		return -1;
	if (w.err == NULL && w.over)
		w.err = "chain over 16 KB";
	if (w.err == NULL && p->cred.n_chain == 0)
		w.err = "no CERTIFICATE block in it";
	if (w.err != NULL) {
		fmt_snprintf(why, cap, "%s", w.err);
		return -1;
	}

	*which = CK_KEY;
	memset(&w, 0, sizeof(w));
	w.p = p;
	w.is_key = 1;
	if (walk_file(&w, key, &h, why, cap) == -1)
		return -1;
	if (w.err == NULL && w.n_obj == 0)
		w.err = "no PRIVATE KEY block in it";
	if (w.err == NULL && (bad = check_pair(p)) != NULL)
		w.err = bad;
	if (w.err != NULL) {
		fmt_snprintf(why, cap, "%s", w.err);
		return -1;
	}
	br_sha256_out(&h, p->digest);
	(void)der_find_cn(p->cred.chain[0].data, p->cred.chain[0].data_len,
	    p->cn, sizeof(p->cn));
	return 0;
}

/* see certkey.h */
int
ck_digest(const char *cert, const char *key, uint8_t out[32])
{
	br_sha256_context h;
	uint8_t buf[CK_READ_CHUNK];
	const char *files[2];
	ssize_t n;
	int fd, i;

	files[0] = cert;
	files[1] = key;
	br_sha256_init(&h);
	for (i = 0; i < 2; i++) {
		if ((fd = open(files[i], O_RDONLY | O_CLOEXEC)) == -1)
			return -1;
		while ((n = read(fd, buf, sizeof(buf))) > 0 ||
		    (n == -1 && errno == EINTR))
			if (n > 0)
				br_sha256_update(&h, buf, (size_t)n);
		close(fd);
		if (n == -1)
			return -1;
	}
	br_sha256_out(&h, out);
	return 0;
}
