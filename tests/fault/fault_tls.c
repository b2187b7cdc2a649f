/* SPDX-License-Identifier: MIT */
/*
 * fault_tls.c: dotfault's BearSSL server side: the certificate chain and
 * key loaded from PEM once, a trimmed TLS 1.2 profile (ECDHE, ChaCha20
 * or AES-GCM, EC or RSA key) per connection, and an LRU session cache
 * wrapped so the server can tell a resumed handshake from a full one.
 * Knows nothing of sockets or DNS.
 */
#include <sys/types.h>
#include <sys/random.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fault.h"

#define FT_FILE_MAX	(1024 * 1024)	/* PEM files are a few KB */
#define FT_DER_MAX	(64 * 1024)	/* one decoded PEM object */
#define FT_CHAIN_MAX	8		/* leaf plus intermediates */
#define FT_SEED_LEN	32	/* entropy injected per handshake */
/*
 * BearSSL's LRU cache uses exactly 100 bytes per entry; 256 sessions
 * outlast any test run.
 */
#define FT_CACHE_ENTRY	100
#define FT_CACHE_N	256

/* A growing DER buffer for br_pem_decoder_setdest(). */
struct der {
	uint8_t	*buf;
	size_t	 len;
	size_t	 cap;
	int	 err;
};

/* The LRU cache behind a vtable of ours; 'vtable' must stay first. */
struct fcache {
	const br_ssl_session_cache_class *vtable;
	br_ssl_session_cache_lru	  lru;
};

typedef int pem_take_fn(const char *name, struct der *, char *, size_t);

static int	read_file(const char *, uint8_t **, size_t *, char *, size_t);
static void	der_append(void *, const void *, size_t);
static int	pem_walk(const char *, pem_take_fn *, char *, size_t);
static int	take_cert(const char *, struct der *, char *, size_t);
static int	take_key(const char *, struct der *, char *, size_t);
static void	cache_save(const br_ssl_session_cache_class **,
		    br_ssl_server_context *, const br_ssl_session_parameters *);
static int	cache_load(const br_ssl_session_cache_class **,
		    br_ssl_server_context *, br_ssl_session_parameters *);

/*
 * ECDHE only (forward secrecy, as DoT providers), ChaCha20 first, then
 * AES-GCM; the policy picks the ECDSA or RSA ones to match the key.
 */
static const uint16_t ft_suites[] = {
	BR_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
	BR_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
	BR_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
	BR_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
	BR_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
	BR_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384
};

static const br_ssl_session_cache_class fcache_vtable = {
	sizeof(struct fcache), cache_save, cache_load
};

static const struct {
	int		 err;
	const char	*name;
} ft_errors[] = {
	{ BR_ERR_BAD_PARAM, "bad-param" },
	{ BR_ERR_BAD_STATE, "bad-state" },
	{ BR_ERR_UNSUPPORTED_VERSION, "unsupported-version" },
	{ BR_ERR_BAD_VERSION, "bad-version" },
	{ BR_ERR_BAD_LENGTH, "bad-length" },
	{ BR_ERR_TOO_LARGE, "too-large" },
	{ BR_ERR_BAD_MAC, "bad-mac" },
	{ BR_ERR_NO_RANDOM, "no-random" },
	{ BR_ERR_UNKNOWN_TYPE, "unknown-type" },
	{ BR_ERR_UNEXPECTED, "unexpected" },
	{ BR_ERR_BAD_CCS, "bad-ccs" },
	{ BR_ERR_BAD_ALERT, "bad-alert" },
	{ BR_ERR_BAD_HANDSHAKE, "bad-handshake" },
	{ BR_ERR_OVERSIZED_ID, "oversized-id" },
	{ BR_ERR_BAD_CIPHER_SUITE, "bad-cipher-suite" },
	{ BR_ERR_BAD_COMPRESSION, "bad-compression" },
	{ BR_ERR_BAD_FRAGLEN, "bad-fraglen" },
	{ BR_ERR_BAD_SECRENEG, "bad-secreneg" },
	{ BR_ERR_EXTRA_EXTENSION, "extra-extension" },
	{ BR_ERR_BAD_SNI, "bad-sni" },
	{ BR_ERR_BAD_HELLO_DONE, "bad-hello-done" },
	{ BR_ERR_LIMIT_EXCEEDED, "limit-exceeded" },
	{ BR_ERR_BAD_FINISHED, "bad-finished" },
	{ BR_ERR_RESUME_MISMATCH, "resume-mismatch" },
	{ BR_ERR_INVALID_ALGORITHM, "invalid-algorithm" },
	{ BR_ERR_BAD_SIGNATURE, "bad-signature" },
	{ BR_ERR_WRONG_KEY_USAGE, "wrong-key-usage" },
	{ BR_ERR_NO_CLIENT_AUTH, "no-client-auth" },
	{ BR_ERR_IO, "io" }
};

static br_x509_certificate	 ft_chain[FT_CHAIN_MAX];
static size_t			 ft_n_chain;
/* The decoded key lives inside the decoder context: keep it. */
static br_skey_decoder_context	 ft_skey;
static int			 ft_key_type;
static struct fcache		 ft_cache;
static uint8_t		 ft_cache_store[FT_CACHE_N * FT_CACHE_ENTRY];
static int			 ft_use_cache;

/* Whole file into a malloc'd buffer (at most FT_FILE_MAX bytes). */
static int
read_file(const char *path, uint8_t **out, size_t *len, char *err,
    size_t cap)
{
	struct stat sb;
	uint8_t *buf;
	size_t off;
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY)) == -1) {
		snprintf(err, cap, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &sb) == -1 || sb.st_size <= 0 ||
	    sb.st_size > FT_FILE_MAX) {
		snprintf(err, cap, "%s: empty, unreadable or too large", path);
		close(fd);
		return -1;
	}
	if ((buf = malloc((size_t)sb.st_size)) == NULL) {
		snprintf(err, cap, "%s: out of memory", path);
		close(fd);
		return -1;
	}
	for (off = 0; off < (size_t)sb.st_size; off += (size_t)n) {
		n = read(fd, buf + off, (size_t)sb.st_size - off);
		if (n == -1 && errno == EINTR) {
			n = 0;
			continue;
		}
		if (n <= 0) {
			snprintf(err, cap, "%s: short read", path);
			free(buf);
			close(fd);
			return -1;
		}
	}
	close(fd);
	*out = buf;
	*len = off;
	return 0;
}

/* br_pem_decoder destination: grow up to FT_DER_MAX, else sticky err. */
static void
der_append(void *ctx, const void *data, size_t len)
{
	struct der *d = ctx;
	uint8_t *nb;
	size_t ncap;

	if (d->err != 0)
		return;
	if (len > FT_DER_MAX - d->len) {
		d->err = 1;
		return;
	}
	if (d->len + len > d->cap) {
		ncap = MAX(d->cap * 2, d->len + len);
		if ((nb = realloc(d->buf, ncap)) == NULL) {
			d->err = 1;
			return;
		}
		d->buf = nb;
		d->cap = ncap;
	}
	memcpy(d->buf + d->len, data, len);
	d->len += len;
}

/*
 * Decode every PEM object of 'path' and hand each to take(), which
 * takes d->buf when it keeps it (sets it to NULL).  A final newline is
 * added for files without one.
 */
static int
pem_walk(const char *path, pem_take_fn *take, char *err, size_t cap)
{
	br_pem_decoder_context pc;
	struct der d;
	uint8_t *file;
	const uint8_t *p;
	size_t len, n;
	char name[128];
	int inobj, rc, nl_done;

	if (read_file(path, &file, &len, err, cap) == -1)
		return -1;
	br_pem_decoder_init(&pc);
	memset(&d, 0, sizeof(d));
	p = file;
	inobj = 0;
	rc = 0;
	nl_done = 0;
	while (len > 0 && rc == 0) {
		n = br_pem_decoder_push(&pc, p, len);
		p += n;
		len -= n;
		switch (br_pem_decoder_event(&pc)) {
		case BR_PEM_BEGIN_OBJ:
			snprintf(name, sizeof(name), "%s",
			    br_pem_decoder_name(&pc));
			free(d.buf);
			memset(&d, 0, sizeof(d));
			br_pem_decoder_setdest(&pc, der_append, &d);
			inobj = 1;
			break;
		case BR_PEM_END_OBJ:
			if (!inobj)
				break;
			inobj = 0;
			if (d.err != 0) {
				snprintf(err, cap, "%s: PEM object too large",
				    path);
				rc = -1;
			} else
				rc = take(name, &d, err, cap);
			break;
		case BR_PEM_ERROR:
			snprintf(err, cap, "%s: bad PEM", path);
			rc = -1;
			break;
		}
		if (len == 0 && !nl_done) {
			nl_done = 1;
			p = (const uint8_t *)"\n";
			len = 1;
		}
	}
	if (rc == 0 && inobj) {
		snprintf(err, cap, "%s: unfinished PEM object", path);
		rc = -1;
	}
	free(d.buf);
	free(file);
	return rc;
}

static int
take_cert(const char *name, struct der *d, char *err, size_t cap)
{
	if (strcmp(name, "CERTIFICATE") != 0 &&
	    strcmp(name, "X509 CERTIFICATE") != 0)
		return 0;
	if (ft_n_chain == FT_CHAIN_MAX) {
		snprintf(err, cap, "more than %d certificates", FT_CHAIN_MAX);
		return -1;
	}
	ft_chain[ft_n_chain].data = d->buf;
	ft_chain[ft_n_chain].data_len = d->len;
	ft_n_chain++;
	d->buf = NULL;
	return 0;
}

/* The first "... PRIVATE KEY" object; "EC PARAMETERS" etc. are skipped. */
static int
take_key(const char *name, struct der *d, char *err, size_t cap)
{
	size_t n;
	int e;

	n = strlen(name);
	if (ft_key_type != 0 || n < 11 ||
	    strcmp(name + n - 11, "PRIVATE KEY") != 0)
		return 0;
	br_skey_decoder_init(&ft_skey);
	br_skey_decoder_push(&ft_skey, d->buf, d->len);
	if ((e = br_skey_decoder_last_error(&ft_skey)) != 0) {
		snprintf(err, cap, "cannot decode %s (BearSSL error %d)",
		    name, e);
		return -1;
	}
	ft_key_type = br_skey_decoder_key_type(&ft_skey);
	return 0;
}

/* see fault.h */
int
ftls_setup(const char *cert_file, const char *key_file, int resume,
    char *err, size_t cap)
{
	if (pem_walk(cert_file, take_cert, err, cap) == -1)
		return -1;
	if (ft_n_chain == 0) {
		snprintf(err, cap, "%s: no CERTIFICATE", cert_file);
		return -1;
	}
	if (pem_walk(key_file, take_key, err, cap) == -1)
		return -1;
	if (ft_key_type != BR_KEYTYPE_EC && ft_key_type != BR_KEYTYPE_RSA) {
		snprintf(err, cap, "%s: no EC or RSA private key", key_file);
		return -1;
	}
	ft_use_cache = resume;
	if (resume) {
		br_ssl_session_cache_lru_init(&ft_cache.lru, ft_cache_store,
		    sizeof(ft_cache_store));
		ft_cache.vtable = &fcache_vtable;
	}
	return 0;
}

/* see fault.h */
void
ftls_cleanup(void)
{
	size_t i;

	for (i = 0; i < ft_n_chain; i++)
		free(ft_chain[i].data);
	ft_n_chain = 0;
}

/*
 * The server context is the first member of struct ftls, so the cache
 * callbacks can mark the connection that is handshaking.
 */
static void
cache_save(const br_ssl_session_cache_class **ctx, br_ssl_server_context *sc,
    const br_ssl_session_parameters *params)
{
	struct fcache *c = (struct fcache *)(void *)ctx;
	struct ftls *t = (struct ftls *)(void *)sc;

	c->lru.vtable->save(&c->lru.vtable, sc, params);
	t->cache_saved = 1;
}

static int
cache_load(const br_ssl_session_cache_class **ctx, br_ssl_server_context *sc,
    br_ssl_session_parameters *params)
{
	struct fcache *c = (struct fcache *)(void *)ctx;
	struct ftls *t = (struct ftls *)(void *)sc;
	int r;

	r = c->lru.vtable->load(&c->lru.vtable, sc, params);
	if (r)
		t->cache_hit = 1;
	return r;
}

/* see fault.h */
int
ftls_start(struct ftls *t)
{
	br_ssl_engine_context *eng = &t->sc.eng;
	uint8_t seed[FT_SEED_LEN];
	ssize_t n;

	t->cache_hit = 0;
	t->cache_saved = 0;
	if (t->iobuf == NULL &&
	    (t->iobuf = malloc(BR_SSL_BUFSIZE_BIDI)) == NULL)
		return -1;
	br_ssl_server_zero(&t->sc);
	br_ssl_engine_set_versions(eng, BR_TLS12, BR_TLS12);
	br_ssl_engine_set_suites(eng, ft_suites, nitems(ft_suites));
	/* Signature hashes the client may ask for; no MD5 in TLS 1.2. */
	br_ssl_engine_set_hash(eng, br_sha1_ID, &br_sha1_vtable);
	br_ssl_engine_set_hash(eng, br_sha224_ID, &br_sha224_vtable);
	br_ssl_engine_set_hash(eng, br_sha256_ID, &br_sha256_vtable);
	br_ssl_engine_set_hash(eng, br_sha384_ID, &br_sha384_vtable);
	br_ssl_engine_set_hash(eng, br_sha512_ID, &br_sha512_vtable);
	br_ssl_engine_set_prf_sha256(eng, &br_tls12_sha256_prf);
	br_ssl_engine_set_prf_sha384(eng, &br_tls12_sha384_prf);
	br_ssl_engine_set_default_ec(eng);
	br_ssl_engine_set_default_aes_gcm(eng);
	br_ssl_engine_set_default_chapol(eng);
	/* SIGN only: ECDHE suites, never static ECDH or RSA key exchange. */
	if (ft_key_type == BR_KEYTYPE_EC)
		br_ssl_server_set_single_ec(&t->sc, ft_chain, ft_n_chain,
		    br_skey_decoder_get_ec(&ft_skey), BR_KEYTYPE_SIGN,
		    BR_KEYTYPE_EC, br_ec_get_default(),
		    br_ecdsa_sign_asn1_get_default());
	else
		br_ssl_server_set_single_rsa(&t->sc, ft_chain, ft_n_chain,
		    br_skey_decoder_get_rsa(&ft_skey), BR_KEYTYPE_SIGN,
		    br_rsa_private_get_default(),
		    br_rsa_pkcs1_sign_get_default());
	br_ssl_engine_set_buffer(eng, t->iobuf, BR_SSL_BUFSIZE_BIDI, 1);
	br_ssl_engine_add_flags(eng, BR_OPT_NO_RENEGOTIATION);
	if (ft_use_cache)
		br_ssl_server_set_cache(&t->sc, &ft_cache.vtable);
	do
		n = getrandom(seed, sizeof(seed), 0);
	while (n == -1 && errno == EINTR);
	if (n != (ssize_t)sizeof(seed))
		return -1;
	br_ssl_engine_inject_entropy(eng, seed, sizeof(seed));
	if (!br_ssl_server_reset(&t->sc))
		return -1;
	return 0;
}

/* see fault.h */
void
ftls_free(struct ftls *t)
{
	free(t->iobuf);
	t->iobuf = NULL;
}

/*
 * see fault.h.  BearSSL has no "resumed" getter on the server side: a
 * cache hit followed by no save() is an abbreviated handshake (a hit
 * whose suite or version no longer fits falls back to a full one, which
 * saves a new session).
 */
int
ftls_resumed(const struct ftls *t)
{
	return t->cache_hit && !t->cache_saved;
}

/* see fault.h */
const char *
ftls_errstr(int err, char *buf, size_t cap)
{
	size_t i;

	if (err >= BR_ERR_SEND_FATAL_ALERT) {
		snprintf(buf, cap, "alert-sent-%d",
		    err - BR_ERR_SEND_FATAL_ALERT);
		return buf;
	}
	if (err >= BR_ERR_RECV_FATAL_ALERT) {
		snprintf(buf, cap, "alert-recv-%d",
		    err - BR_ERR_RECV_FATAL_ALERT);
		return buf;
	}
	for (i = 0; i < nitems(ft_errors); i++)
		if (ft_errors[i].err == err)
			return ft_errors[i].name;
	snprintf(buf, cap, "tls-%d", err);
	return buf;
}
