/* SPDX-License-Identifier: MIT */
/*
 * tagen.c: build-time host tool.  "tagen FILE.pem... > ta_builtin.c"
 * decodes the certificates of each PEM file with ta_decode_pem() and
 * writes them as C data: ta_builtin[] and ta_builtin_n (ta.h).  Output
 * depends only on the arguments and the files' contents.  Not part of
 * the daemon; it may use malloc freely.
 */
#include <errno.h>
#include <string.h>

#include "mem.h"
#include "ta.h"

#define TAGEN_FILE_MAX	(1024 * 1024)	/* a root PEM is ~2 KB */

struct anchor {
	const char		*file;
	int			 idx;		/* certificate number in file */
	br_x509_trust_anchor	 ta;		/* data malloc'd */
};

struct gen {
	const char	*file;
	int		 n_cert;
	int		 failed;	/* add_cb refused a certificate */
	struct anchor	*a;
	size_t		 n;
	size_t		 cap;
};

static void	 usage(void) DEAD;
static char	*read_file(const char *, size_t *);
static int	 add_cb(void *, const br_x509_trust_anchor *, int);
static unsigned char *dup_bytes(const unsigned char *, size_t);
static void	 put_array(const char *, size_t, const char *,
		    const unsigned char *, size_t);
static void	 put_output(const struct gen *);
static const char *curve_name(int);

/*
 * tagen links ta.o for ta_decode_pem() alone; ta_init(), the only user
 * of the two symbols below, never runs here.
 */
const br_x509_trust_anchor ta_builtin[1];
const size_t ta_builtin_n = 0;

/* see mem.h; plain calloc in this host tool */
void *
mem_alloc(size_t len)
{
	void *p;

	if ((p = calloc(1, len == 0 ? 1 : len)) == NULL) {
		fprintf(stderr, "tagen: out of memory\n");
		exit(EX_OS_);
	}
	return p;
}

int
main(int argc, char **argv)
{
	static struct gen g;	/* static: reachable at exit, no leak noise */
	size_t len;
	char *pem;
	int i, n;

	if (argc < 2)
		usage();
	for (i = 1; i < argc; i++) {
		if ((pem = read_file(argv[i], &len)) == NULL)
			return 1;
		g.file = argv[i];
		g.n_cert = 0;
		n = ta_decode_pem(pem, len, add_cb, &g);
		free(pem);
		if (n < 0) {
			if (!g.failed)
				fprintf(stderr, "tagen: %s: bad PEM\n",
				    argv[i]);
			return 1;
		}
		if (n == 0) {
			fprintf(stderr, "tagen: %s: no certificate\n", argv[i]);
			return 1;
		}
	}
	put_output(&g);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "tagen: write error: %s\n", strerror(errno));
		return 1;
	}
	return 0;
}

static void
usage(void)
{
	fprintf(stderr, "usage: tagen FILE.pem... > ta_builtin.c\n");
	exit(EX_USAGE_);
}

/* Whole file, NUL-terminated for safety; NULL after a message. */
static char *
read_file(const char *path, size_t *len)
{
	char *buf;
	size_t got;
	FILE *f;

	if ((f = fopen(path, "r")) == NULL) {
		fprintf(stderr, "tagen: %s: %s\n", path, strerror(errno));
		return NULL;
	}
	buf = mem_alloc(TAGEN_FILE_MAX + 1);
	got = fread(buf, 1, TAGEN_FILE_MAX + 1, f);
	if (ferror(f) || got > TAGEN_FILE_MAX) {
		fprintf(stderr, "tagen: %s: %s\n", path,
		    ferror(f) ? strerror(errno) : "file too big");
		fclose(f);
		free(buf);
		return NULL;
	}
	fclose(f);
	*len = got;
	return buf;
}

/* Keep a copy of each anchor; any unusable certificate is fatal. */
static int
add_cb(void *arg, const br_x509_trust_anchor *ta, int br_err)
{
	struct gen *g = arg;
	struct anchor *a;

	g->n_cert++;
	if (ta == NULL) {
		fprintf(stderr, "tagen: %s: certificate %d: BearSSL X.509 "
		    "error %d\n", g->file, g->n_cert, br_err);
		g->failed = 1;
		return -1;
	}
	if (g->n == g->cap) {
		g->cap = g->cap == 0 ? 16 : g->cap * 2;
		if ((g->a = realloc(g->a, g->cap * sizeof(*g->a))) == NULL) {
			fprintf(stderr, "tagen: out of memory\n");
			exit(EX_OS_);
		}
	}
	a = &g->a[g->n++];
	a->file = g->file;
	a->idx = g->n_cert;
	a->ta = *ta;
	a->ta.dn.data = dup_bytes(ta->dn.data, ta->dn.len);
	if (ta->pkey.key_type == BR_KEYTYPE_RSA) {
		a->ta.pkey.key.rsa.n = dup_bytes(ta->pkey.key.rsa.n,
		    ta->pkey.key.rsa.nlen);
		a->ta.pkey.key.rsa.e = dup_bytes(ta->pkey.key.rsa.e,
		    ta->pkey.key.rsa.elen);
	} else
		a->ta.pkey.key.ec.q = dup_bytes(ta->pkey.key.ec.q,
		    ta->pkey.key.ec.qlen);
	return 0;
}

static unsigned char *
dup_bytes(const unsigned char *p, size_t len)
{
	unsigned char *q;

	q = mem_alloc(len);
	memcpy(q, p, len);
	return q;
}

/* static const unsigned char taN_SUFFIX[] = { ... }; */
static void
put_array(const char *prefix, size_t i, const char *suffix,
    const unsigned char *p, size_t len)
{
	size_t j;

	printf("static const unsigned char %s%zu_%s[] = {", prefix, i, suffix);
	for (j = 0; j < len; j++)
		printf("%s0x%02x%s", j % 12 == 0 ? "\n\t" : "", p[j],
		    j + 1 < len ? (j % 12 == 11 ? "," : ", ") : "");
	printf("\n};\n");
}

static const char *
curve_name(int curve)
{
	switch (curve) {
	case BR_EC_secp256r1:
		return "BR_EC_secp256r1";
	case BR_EC_secp384r1:
		return "BR_EC_secp384r1";
	case BR_EC_secp521r1:
		return "BR_EC_secp521r1";
	default:
		return NULL;
	}
}

static void
put_output(const struct gen *g)
{
	const br_x509_trust_anchor *ta;
	const char *cn;
	size_t i;

	printf("/* SPDX-License-Identifier: MIT */\n"
	    "/*\n"
	    " * ta_builtin.c: the compiled-in trust anchors.  Generated by "
	    "tagen;\n"
	    " * do not edit.  Sources:\n");
	for (i = 0; i < g->n; i++)
		printf(" *   %zu: %s (certificate %d)\n", i, g->a[i].file,
		    g->a[i].idx);
	printf(" */\n#include \"ta.h\"\n");

	for (i = 0; i < g->n; i++) {
		ta = &g->a[i].ta;
		printf("\n/* %zu: %s */\n", i, g->a[i].file);
		put_array("ta", i, "dn", ta->dn.data, ta->dn.len);
		if (ta->pkey.key_type == BR_KEYTYPE_RSA) {
			put_array("ta", i, "n", ta->pkey.key.rsa.n,
			    ta->pkey.key.rsa.nlen);
			put_array("ta", i, "e", ta->pkey.key.rsa.e,
			    ta->pkey.key.rsa.elen);
		} else
			put_array("ta", i, "q", ta->pkey.key.ec.q,
			    ta->pkey.key.ec.qlen);
	}

	printf("\nconst br_x509_trust_anchor ta_builtin[] = {\n");
	for (i = 0; i < g->n; i++) {
		ta = &g->a[i].ta;
		printf("\t{\t/* %zu: %s */\n", i, g->a[i].file);
		printf("\t\t{ (unsigned char *)ta%zu_dn, sizeof(ta%zu_dn) },\n",
		    i, i);
		printf("\t\t%s,\n", ta->flags & BR_X509_TA_CA ?
		    "BR_X509_TA_CA" : "0");
		if (ta->pkey.key_type == BR_KEYTYPE_RSA) {
			printf("\t\t{ BR_KEYTYPE_RSA, { .rsa = {\n");
			printf("\t\t    (unsigned char *)ta%zu_n, "
			    "sizeof(ta%zu_n),\n", i, i);
			printf("\t\t    (unsigned char *)ta%zu_e, "
			    "sizeof(ta%zu_e) } } }\n", i, i);
		} else {
			cn = curve_name(ta->pkey.key.ec.curve);
			if (cn != NULL)
				printf("\t\t{ BR_KEYTYPE_EC, { .ec = { %s,\n",
				    cn);
			else
				printf("\t\t{ BR_KEYTYPE_EC, { .ec = { %d,\n",
				    ta->pkey.key.ec.curve);
			printf("\t\t    (unsigned char *)ta%zu_q, "
			    "sizeof(ta%zu_q) } } }\n", i, i);
		}
		printf("\t},\n");
	}
	printf("};\n\nconst size_t ta_builtin_n = %zu;\n", g->n);
}
