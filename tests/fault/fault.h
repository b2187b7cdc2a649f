/* SPDX-License-Identifier: MIT */
/*
 * fault.h: dotfault, a fault-injecting DNS-over-TLS test server.  Shared
 * limits and the modules: fault_conn.c (the log, one connection's state
 * machine and its faults), fault_tls.c (BearSSL server set-up, PEM
 * loading, the session cache that notices resumption) and fault_dns.c
 * (query inspection, canned answers).  dotfault.c owns the options, the
 * listener, the connection slots, signals and the poll() loop.
 */
#ifndef FAULT_H
#define FAULT_H

#include <poll.h>

#include <bearssl.h>

#include "compat.h"

#define FT_MAX_CONNS	64	/* simultaneous connections, fixed */
#define FT_MAX_PENDING	64	/* queries held per connection */
#define FT_QUERY_CAP	4096	/* longer queries end the connection */
#define FT_ANS_CAP	4608	/* question, up to FT_BIG_MAX A RRs, OPT,
				 * padding */
#define FT_BIG_MAX	250	/* A records of a "bigN" answer */
#define FT_SPLIT_MIN	512	/* --split: longer answers are split ... */
#define FT_SPLIT_HEAD	256	/* ... after this many bytes */
#define FT_NAME_CAP	1024	/* text name with \DDD escapes */
#define FT_PAD_ANSWER	468	/* RFC 8467 4.1: server pads to 468 */
#define FT_PAD_QUERY	128	/* RFC 8467 4.1: client block size */
#define FT_SNI_CAP	256	/* BearSSL's server_name buffer */

/* Options; counts are answers per connection, -1 = off. */
struct fopts {
	const char	*listen;
	const char	*cert;
	const char	*key;
	const char	*log;
	int		 reorder;	/* 0 = off */
	int		 delay_ms;
	int		 delay_slow_only;
	int		 drop_slow;
	int		 close_after;
	int		 reset_after;
	int		 silent_after;
	int		 garbage_after;
	int		 wrong_id_after;
	int		 silent_handshake;
	int		 idle_close_ms;	/* 0 = off */
	int		 keepalive_ms;	/* -1 = off */
	int		 pad_answers;
	int		 max_conns;
	int		 no_resume;
	int		 log_time;
	int		 split_ms;	/* 0 = off */
};

/* ---- fault_conn.c ---- */

/* Log to fp (stderr or the --log file); "MS " first with 'with_time'. */
void	flog_init(FILE *fp, int with_time);
/* One line, flushed at once (the tests read the log while we run). */
void	flog(const char *, ...) PRINTF(1, 2);
uint64_t fnow_ms(void);		/* CLOCK_MONOTONIC */

struct fconn;

/* The options (borrowed for the process lifetime); call once. */
void	fconn_config(const struct fopts *);
/*
 * SIGUSR1's black hole for every connection: nothing read, nothing
 * sent, no timers.  The caller restarts idle clocks (fconn_touch()).
 */
void	fconn_set_silent(int);

/*
 * Take an accepted socket as connection 'num' (logged as such):
 * non-blocking, TLS engine ready (or silent with --silent-handshake).
 * Returns NULL (logged and closed) when memory or TLS set-up fails.
 */
struct fconn *fconn_new(int fd, unsigned num, uint64_t now);
/*
 * Do whatever can be done now: TLS records, queries, due answers,
 * faults.  May end the connection (then fconn_is_dead()).
 */
void	fconn_run(struct fconn *, uint64_t now);
/* poll() interest, derived from state; fd for the pollfd. */
void	fconn_pollfd(struct fconn *, struct pollfd *);
/* After poll(): hang-ups nobody will read (silent, queue full). */
void	fconn_revents(struct fconn *, const struct pollfd *);
/* The next time fconn_run() has work (UINT64_MAX: none). */
uint64_t fconn_deadline(struct fconn *, uint64_t now);
/* Close now, logging 'reason' unless a close was logged; RST if 'rst'. */
void	fconn_kill(struct fconn *, const char *reason, int rst);
void	fconn_touch(struct fconn *, uint64_t now);
int	fconn_is_dead(const struct fconn *);
/* 1 until the close line is logged (lingering ones do not count). */
int	fconn_is_active(const struct fconn *);
void	fconn_free(struct fconn *);

/* ---- fault_tls.c ---- */

/*
 * One server engine per connection.  'sc' must stay first: the session
 * cache callbacks get the server context and find these flags from it.
 */
struct ftls {
	br_ssl_server_context	 sc;
	int			 cache_hit;	/* load() found the ID */
	int			 cache_saved;	/* a full handshake */
	uint8_t			*iobuf;	/* BR_SSL_BUFSIZE_BIDI */
};

/*
 * Load the chain (every CERTIFICATE in cert_file, leaf first) and the
 * private key (EC or RSA, PKCS#8 or traditional PEM) once at start-up.
 * 'resume' 0 disables the session cache.  Returns 0, or -1 with a
 * message in err[cap].
 */
int	ftls_setup(const char *cert_file, const char *key_file, int resume,
	    char *err, size_t cap);
/* Free what ftls_setup() loaded (at exit). */
void	ftls_cleanup(void);

/*
 * Prepare t for a new client: allocate its I/O buffer, TLS 1.2 only,
 * ECDHE with ChaCha20 or AES-GCM, fresh entropy, no renegotiation.
 * Returns 0, or -1 (allocation, entropy or engine failure).
 */
int	ftls_start(struct ftls *);
void	ftls_free(struct ftls *);

/* 1 when the finished handshake resumed a cached session. */
int	ftls_resumed(const struct ftls *);

/* Short name for a BearSSL error code ("bad-mac", "alert-recv-46"). */
const char *ftls_errstr(int err, char *buf, size_t cap);

/* ---- fault_dns.c ---- */

/* What the log says about a query, and what the answer needs. */
struct fdns_query {
	uint16_t	 id;
	uint16_t	 qtype;
	size_t		 len;
	int		 parsed;	/* dns_parse_query() said DNS_OK */
	int		 is_response;	/* QR=1: dropped */
	int		 has_opt;
	int		 padded;	/* OPT carries option 12 */
	int		 pad_block_ok;	/* len % FT_PAD_QUERY == 0 */
	int		 keepalive;	/* OPT carries option 11 */
	int		 is_slow;	/* first label is "slow" */
	int		 n_big;		/* first label "bigN": N A records */
	char		 name[FT_NAME_CAP];
};

/* Answer options, the same for every connection. */
struct fdns_opts {
	int		 keepalive_ms;	/* -1: no keepalive option */
	int		 pad_answers;	/* pad to FT_PAD_ANSWER */
};

/*
 * Inspect q[len] (at least a header; the caller drops shorter ones)
 * into fq.  Never fails: an unparsable query has parsed = 0.
 */
void	fdns_inspect(const uint8_t *q, size_t len, struct fdns_query *fq);

/*
 * The canned answer to q[len] as inspected in fq, into out[cap]: A
 * 192.0.2.1 for A questions (for a first label "bigN", N records
 * 10.0.0.1, 10.0.0.2, ...), NXDOMAIN for names starting with "nx",
 * NODATA otherwise, FORMERR for unparsable queries, NOTIMP for opcodes
 * other than QUERY; an OPT when the query had one.  *rcode gets the
 * rcode.  Returns the length, or 0 when it does not fit.
 */
size_t	fdns_answer(uint8_t *out, size_t cap, const uint8_t *q,
	    size_t len, const struct fdns_query *fq,
	    const struct fdns_opts *o, int *rcode);

#endif
