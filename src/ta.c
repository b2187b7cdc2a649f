/* SPDX-License-Identifier: MIT */
/*
 * ta.c: trust anchors.  Streams PEM through BearSSL's PEM and X.509
 * decoders (no allocation), and at start-up joins the compiled-in set
 * with ca_file's certificates in the arena.  Does no validation (cert.c)
 * and nothing after mem_seal().
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "fmt.h"
#include "log.h"
#include "mem.h"
#include "ta.h"

#define TA_READ_CHUNK	1024	/* ca_file is streamed, never held whole */

/* Streaming decoder state, shared by ta_decode_pem() and ta_init(). */
struct ta_dec {
	br_pem_decoder_context	 pem;
	br_x509_decoder_context	 x509;
	int			(*add)(void *, const br_x509_trust_anchor *,
				    int);
	void			*arg;
	int			 in_obj;	/* 0 none, 1 skipped, 2 cert */
	int			 n;		/* anchors decoded */
	int			 failed;
	size_t			 dn_len;
	int			 dn_over;
	uint8_t			 dn[TA_DN_CAP];
};

/* ta_init() passes: count sizes, then copy into the arena. */
struct ta_load {
	const char		*file;
	struct fmt_out *err;
	int			 n_cert;	/* seen so far, for messages */
	/* pass 1 */
	int			 n_ok;		/* usable, duplicates too */
	size_t			 n;		/* new anchors */
	size_t			 bytes;
	/* pass 2 */
	br_x509_trust_anchor	*list;
	size_t			 n_list;
	size_t			 cap_list;
	uint8_t			*blob;
	size_t			 blob_len;
	size_t			 blob_cap;
	int			 changed;
};

static void	dec_init(struct ta_dec *,
		    int (*)(void *, const br_x509_trust_anchor *, int), void *);
static int	dec_push(struct ta_dec *, const void *, size_t);
static int	dec_finish(struct ta_dec *);
static void	dec_end_obj(struct ta_dec *);
static void	dn_append(void *, const void *, size_t);
static void	der_append(void *, const void *, size_t);
static size_t	ta_bytes(const br_x509_trust_anchor *);
static int	ta_equal(const br_x509_trust_anchor *,
		    const br_x509_trust_anchor *);
static int	load_file(struct ta_load *,
		    int (*)(void *, const br_x509_trust_anchor *, int));
static int	count_cb(void *, const br_x509_trust_anchor *, int);
static int	copy_cb(void *, const br_x509_trust_anchor *, int);
static uint8_t	*blob_copy(struct ta_load *, const void *, size_t);

static const br_x509_trust_anchor *ta_cur = ta_builtin;
static size_t	ta_cur_n;
static int	ta_cur_set;

/* see ta.h */
int
ta_decode_pem(const char *pem, size_t len,
    int (*add)(void *, const br_x509_trust_anchor *, int), void *arg)
{
	struct ta_dec d;

	dec_init(&d, add, arg);
	if (dec_push(&d, pem, len) != 0)
		return -1;
	return dec_finish(&d);
}

/* see ta.h */
int
ta_init(const char *ca_file, struct fmt_out *err)
{
	struct ta_load ld;
	size_t i, cap;

	ta_cur = ta_builtin;
	ta_cur_n = ta_builtin_n;
	ta_cur_set = 1;
	if (ca_file == NULL || ca_file[0] == '\0')
		return 0;

	memset(&ld, 0, sizeof(ld));
	ld.file = ca_file;
	ld.err = err;
	if (load_file(&ld, count_cb) != 0)
		return -1;
	if (ld.n_ok == 0) {
		fmt_printf(err, "%s: no usable certificate\n", ca_file);
		return -1;
	}
	if (ld.n == 0)
		return 0;	/* every one is compiled in already */

	cap = ta_builtin_n + ld.n;
	ld.list = mem_alloc(cap * sizeof(*ld.list));
	ld.cap_list = cap;
	ld.blob = mem_alloc(ld.bytes);
	ld.blob_cap = ld.bytes;
	for (i = 0; i < ta_builtin_n; i++)
		ld.list[i] = ta_builtin[i];
	ld.n_list = ta_builtin_n;
	ld.n_cert = 0;
	if (load_file(&ld, copy_cb) != 0 || ld.changed) {
		if (ld.changed)
			fmt_printf(err, "%s: file changed while reading\n",
			    ca_file);
		return -1;
	}
	ta_cur = ld.list;
	ta_cur_n = ld.n_list;
	return 0;
}

/* see ta.h */
const br_x509_trust_anchor *
ta_list(size_t *n)
{
	*n = ta_cur_set ? ta_cur_n : ta_builtin_n;
	return ta_cur;
}

/* One pass over the file through the streaming decoder. */
static int
load_file(struct ta_load *ld,
    int (*cb)(void *, const br_x509_trust_anchor *, int))
{
	struct ta_dec d;
	char buf[TA_READ_CHUNK];
	ssize_t got;
	int fd, r;

	if ((fd = open(ld->file, O_RDONLY | O_CLOEXEC)) == -1) {
		fmt_printf(ld->err, "%s: %s\n", ld->file, log_errstr(errno));
		return -1;
	}
	dec_init(&d, cb, ld);
	r = 0;
	while (r == 0 && (got = read(fd, buf, sizeof(buf))) != 0) {
		if (got == -1 && errno == EINTR)
			continue;
		if (got == -1) {
			fmt_printf(ld->err, "%s: %s\n", ld->file,
			    log_errstr(errno));
			close(fd);
			return -1;
		}
		r = dec_push(&d, buf, (size_t)got);
	}
	close(fd);
	if (r == 0)
		r = dec_finish(&d) < 0 ? -1 : 0;
	if (r != 0 && !d.failed)
		fmt_printf(ld->err, "%s: bad PEM\n", ld->file);
	return r;
}

/* Pass 1: report unusable certificates, size the rest. */
static int
count_cb(void *arg, const br_x509_trust_anchor *ta, int br_err)
{
	struct ta_load *ld = arg;
	size_t i;

	ld->n_cert++;
	if (ta == NULL) {
		fmt_printf(ld->err, "%s: certificate %d skipped (BearSSL X.509 "
		    "error %d)\n", ld->file, ld->n_cert, br_err);
		return 0;
	}
	ld->n_ok++;
	for (i = 0; i < ta_builtin_n; i++)
		if (ta_equal(ta, &ta_builtin[i]))
			return 0;
	ld->n++;
	ld->bytes += ta_bytes(ta);
	return 0;
}

/* Pass 2: copy new anchors into the arena. */
static int
copy_cb(void *arg, const br_x509_trust_anchor *ta, int br_err)
{
	struct ta_load *ld = arg;
	br_x509_trust_anchor *t;
	size_t i;

	(void)br_err;
	ld->n_cert++;
	if (ta == NULL)
		return 0;
	for (i = 0; i < ld->n_list; i++)
		if (ta_equal(ta, &ld->list[i]))
			return 0;
	if (ld->n_list == ld->cap_list ||
	    ta_bytes(ta) > ld->blob_cap - ld->blob_len) {
		ld->changed = 1;
		return -1;
	}
	t = &ld->list[ld->n_list++];
	t->flags = ta->flags;
	t->dn.len = ta->dn.len;
	t->dn.data = blob_copy(ld, ta->dn.data, ta->dn.len);
	t->pkey.key_type = ta->pkey.key_type;
	if (ta->pkey.key_type == BR_KEYTYPE_RSA) {
		t->pkey.key.rsa.nlen = ta->pkey.key.rsa.nlen;
		t->pkey.key.rsa.n = blob_copy(ld, ta->pkey.key.rsa.n,
		    ta->pkey.key.rsa.nlen);
		t->pkey.key.rsa.elen = ta->pkey.key.rsa.elen;
		t->pkey.key.rsa.e = blob_copy(ld, ta->pkey.key.rsa.e,
		    ta->pkey.key.rsa.elen);
	} else {
		t->pkey.key.ec.curve = ta->pkey.key.ec.curve;
		t->pkey.key.ec.qlen = ta->pkey.key.ec.qlen;
		t->pkey.key.ec.q = blob_copy(ld, ta->pkey.key.ec.q,
		    ta->pkey.key.ec.qlen);
	}
	return 0;
}

/* Bump-copy into the pass-2 blob; room was checked by the caller. */
static uint8_t *
blob_copy(struct ta_load *ld, const void *src, size_t len)
{
	uint8_t *p = ld->blob + ld->blob_len;

	memcpy(p, src, len);
	ld->blob_len += len;
	return p;
}

/* Bytes an anchor's DN and key take. */
static size_t
ta_bytes(const br_x509_trust_anchor *ta)
{
	if (ta->pkey.key_type == BR_KEYTYPE_RSA)
		return ta->dn.len + ta->pkey.key.rsa.nlen +
		    ta->pkey.key.rsa.elen;
	return ta->dn.len + ta->pkey.key.ec.qlen;
}

/* Same DN, flags and key. */
static int
ta_equal(const br_x509_trust_anchor *a, const br_x509_trust_anchor *b)
{
	const br_rsa_public_key *ra = &a->pkey.key.rsa, *rb = &b->pkey.key.rsa;
	const br_ec_public_key *ea = &a->pkey.key.ec, *eb = &b->pkey.key.ec;

	if (a->flags != b->flags || a->dn.len != b->dn.len ||
	    memcmp(a->dn.data, b->dn.data, a->dn.len) != 0 ||
	    a->pkey.key_type != b->pkey.key_type)
		return 0;
	if (a->pkey.key_type == BR_KEYTYPE_RSA)
		return ra->nlen == rb->nlen && ra->elen == rb->elen &&
		    memcmp(ra->n, rb->n, ra->nlen) == 0 &&
		    memcmp(ra->e, rb->e, ra->elen) == 0;
	return ea->curve == eb->curve && ea->qlen == eb->qlen &&
	    memcmp(ea->q, eb->q, ea->qlen) == 0;
}

static void
dec_init(struct ta_dec *d,
    int (*add)(void *, const br_x509_trust_anchor *, int), void *arg)
{
	br_pem_decoder_init(&d->pem);
	d->add = add;
	d->arg = arg;
	d->in_obj = 0;
	d->n = 0;
	d->failed = 0;
}

/* Push PEM text; returns 0, or -1 (bad PEM, or 'add' said stop). */
static int
dec_push(struct ta_dec *d, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	const char *name;
	size_t used;

	while (len > 0 && !d->failed) {
		used = br_pem_decoder_push(&d->pem, p, len);
		p += used;
		len -= used;
		switch (br_pem_decoder_event(&d->pem)) {
		case BR_PEM_BEGIN_OBJ:
			name = br_pem_decoder_name(&d->pem);
			if (strcmp(name, "CERTIFICATE") == 0 ||
			    strcmp(name, "X509 CERTIFICATE") == 0) {
				d->in_obj = 2;
				d->dn_len = 0;
				d->dn_over = 0;
				br_x509_decoder_init(&d->x509, dn_append, d);
				br_pem_decoder_setdest(&d->pem, der_append, d);
			} else {
				d->in_obj = 1;
				br_pem_decoder_setdest(&d->pem, NULL, NULL);
			}
			break;
		case BR_PEM_END_OBJ:
			if (d->in_obj == 2)
				dec_end_obj(d);
			d->in_obj = 0;
			break;
		case BR_PEM_ERROR:
			return -1;
		default:
			break;
		}
	}
	return d->failed ? -1 : 0;
}

/* End of input: a last newline ends an unterminated last line. */
static int
dec_finish(struct ta_dec *d)
{
	if (dec_push(d, "\n", 1) != 0 || d->in_obj != 0)
		return -1;
	return d->n;
}

/* A certificate's DER is complete: hand the anchor to 'add'. */
static void
dec_end_obj(struct ta_dec *d)
{
	br_x509_trust_anchor ta;
	const br_x509_pkey *pk;
	int err;

	pk = br_x509_decoder_get_pkey(&d->x509);
	err = br_x509_decoder_last_error(&d->x509);
	if (pk == NULL || d->dn_over) {
		if (err == 0)
			err = BR_ERR_X509_LIMIT_EXCEEDED;
		if (d->add(d->arg, NULL, err) != 0)
			d->failed = 1;
		return;
	}
	memset(&ta, 0, sizeof(ta));
	ta.dn.data = d->dn;
	ta.dn.len = d->dn_len;
	ta.flags = br_x509_decoder_isCA(&d->x509) ? BR_X509_TA_CA : 0;
	ta.pkey = *pk;
	if (d->add(d->arg, &ta, 0) != 0)
		d->failed = 1;
	else
		d->n++;
}

static void
der_append(void *arg, const void *buf, size_t len)
{
	struct ta_dec *d = arg;
	int err;

	/*
	 * BearSSL 0.6's br_x509_decoder_push() runs the decoder again even
	 * after it failed (x509_minimal's append checks first): fed more
	 * bytes, it resumes past its own failure with a stale stack and
	 * reads out of bounds (found by tests/fuzz/fuzz_pem).  Stop at the
	 * first error; "truncated" only means "not done yet".
	 */
	err = br_x509_decoder_last_error(&d->x509);
	if (err != 0 && err != BR_ERR_X509_TRUNCATED)
		return;
	br_x509_decoder_push(&d->x509, buf, len);
}

static void
dn_append(void *arg, const void *buf, size_t len)
{
	struct ta_dec *d = arg;

	if (d->dn_over || len > sizeof(d->dn) - d->dn_len) {
		d->dn_over = 1;
		return;
	}
	memcpy(d->dn + d->dn_len, buf, len);
	d->dn_len += len;
}
