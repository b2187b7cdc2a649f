/* SPDX-License-Identifier: MIT */
/*
 * fault_conn.c: one dotfault connection: the BearSSL engine pump, DNS
 * framing, the pending-answer queue (delay, reorder) and the faults
 * keyed on the answer count (close, reset, silence, garbage, wrong ID),
 * idle close, and the event log every line of which the tests read.
 * Does not accept, poll or handle signals (dotfault.c does).
 */
#define _GNU_SOURCE		/* POLLRDHUP: see a silent peer leave */

#include <sys/types.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dns.h"
#include "fault.h"

#define REORDER_WAIT_MS	50	/* --reorder: the longest hold */
#define DRAIN_MS	2000	/* close_notify must leave by then */
#define LINGER_MS	2000	/* wait for the peer's FIN after ours */
#define RESET_WAIT_MS	1000	/* answers must leave before the RST */
#define OUTQ_POLL_MS	5	/* re-check the kernel send queue */
#define GARBAGE_LEN	64
#define PUMP_STEPS	256	/* engine steps per wakeup and connection */
#define LINGER_READS	64	/* discarded reads per wakeup */
#define LINE_CAP	2048	/* one log line; names are <= 1024 */

enum conn_st {
	C_TLS,		/* handshake or serving */
	C_SILENT,	/* black hole: flush what is sent, read nothing */
	C_DRAIN,	/* close_notify going out, then FIN */
	C_LINGER,	/* FIN sent: discard input until the peer's FIN */
	C_RESET,	/* answers going out, then RST */
	C_DEAD		/* fd closed; the owner calls fconn_free() */
};

/* An answer waiting for its time (--delay) or its turn (--reorder). */
struct pend {
	uint64_t	 recv_ms;
	uint64_t	 due_ms;
	int		 is_released;	/* --reorder let it go */
	size_t		 len;
	uint8_t		 buf[FT_ANS_CAP];
};

struct fconn {
	struct ftls	 tls;		/* first: see struct ftls */
	int		 fd;
	unsigned	 num;		/* "conn N" in the log */
	enum conn_st	 st;
	int		 has_tls;	/* 0 with --silent-handshake */
	int		 is_ready;	/* handshake done and logged */
	int		 is_closed;	/* the close line is logged */
	int		 notify_sent;	/* close_notify queued */
	int		 garbage_sent;
	int		 has_more;	/* run_tls() stopped at PUMP_STEPS */
	unsigned	 n_answers;
	uint64_t	 last_ms;	/* last query, or accept/handshake */
	uint64_t	 until_ms;	/* C_DRAIN, C_LINGER, C_RESET limit */
	uint8_t		 in[2 + FT_QUERY_CAP]; /* length + query */
	size_t		 in_len;
	struct pend	 q[FT_MAX_PENDING];	/* in arrival order */
	int		 n_q;
	uint8_t		 out[2 + FT_ANS_CAP]; /* plaintext to send */
	size_t		 out_len;
	size_t		 out_off;
	int		 out_is_answer;
	uint16_t	 out_id;
	int		 out_rcode;
	int		 out_wrong;
	uint64_t	 out_resume_ms;	/* --split: the rest leaves then */
};

static void	conn_log_close(struct fconn *, const char *, const char *);
static void	conn_graceful(struct fconn *, const char *, uint64_t);
static void	conn_reset_soon(struct fconn *, const char *, uint64_t);
static void	run_tls(struct fconn *, uint64_t);
static void	run_drain(struct fconn *, uint64_t);
static void	run_linger(struct fconn *, uint64_t);
static void	run_reset(struct fconn *, uint64_t);
static int	sock_write(struct fconn *);
static int	sock_read(struct fconn *);
static const char *sock_errstr(int, char *, size_t);
static void	tls_closed(struct fconn *);
static void	handshake_done(struct fconn *, uint64_t);
static int	take_plain(struct fconn *, uint64_t);
static void	handle_query(struct fconn *, const uint8_t *, size_t,
		    uint64_t);
static void	release(struct fconn *, uint64_t);
static int	next_out(struct fconn *, uint64_t);
static int	give_plain(struct fconn *, uint64_t);
static void	after_out(struct fconn *, uint64_t);
static void	triggers(struct fconn *, uint64_t);

static const struct fopts *o;
static struct fdns_opts	 dopt;
static int		 silent;
static FILE		*log_fp;
static int		 log_time;
static uint64_t		 start_ms;

/* see fault.h */
void
flog_init(FILE *fp, int with_time)
{
	log_fp = fp;
	log_time = with_time;
	start_ms = fnow_ms();
}

/* see fault.h */
void
flog(const char *fmt, ...)
{
	char line[LINE_CAP];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (log_time)
		fprintf(log_fp, "%llu ",
		    (unsigned long long)(fnow_ms() - start_ms));
	fprintf(log_fp, "%s\n", line);
	fflush(log_fp);
}

/* see fault.h */
uint64_t
fnow_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* see fault.h */
void
fconn_config(const struct fopts *opts)
{
	o = opts;
	dopt.keepalive_ms = o->keepalive_ms;
	dopt.pad_answers = o->pad_answers;
}

/* see fault.h */
void
fconn_set_silent(int on)
{
	silent = on;
}

/* see fault.h */
struct fconn *
fconn_new(int fd, unsigned num, uint64_t now)
{
	struct fconn *c;
	int one = 1;

	if ((c = calloc(1, sizeof(*c))) == NULL) {
		flog("conn %u close reason=error:nomem", num);
		close(fd);
		return NULL;
	}
	c->fd = fd;
	c->num = num;
	c->last_ms = now;
	fcntl(fd, F_SETFL, O_NONBLOCK);
	fcntl(fd, F_SETFD, FD_CLOEXEC);
	/* Each answer is one record: send it now, as DoT servers do. */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (o->silent_handshake) {
		c->st = C_SILENT;
		return c;
	}
	c->has_tls = 1;
	if (ftls_start(&c->tls) == -1) {
		fconn_kill(c, "error:tls-init", 0);
		fconn_free(c);
		return NULL;
	}
	return c;
}

/* see fault.h */
void
fconn_touch(struct fconn *c, uint64_t now)
{
	c->last_ms = now;
}

/* see fault.h */
int
fconn_is_dead(const struct fconn *c)
{
	return c->st == C_DEAD;
}

/* see fault.h */
int
fconn_is_active(const struct fconn *c)
{
	return !c->is_closed;
}

/* see fault.h */
void
fconn_free(struct fconn *c)
{
	if (c->st != C_DEAD)
		fconn_kill(c, "exit", 0);
	ftls_free(&c->tls);
	free(c);
}

/* The one "close" line per connection. */
static void
conn_log_close(struct fconn *c, const char *reason, const char *extra)
{
	if (c->is_closed)
		return;
	c->is_closed = 1;
	flog("conn %u close reason=%s%s", c->num, reason, extra);
}

/* see fault.h */
void
fconn_kill(struct fconn *c, const char *reason, int rst)
{
	struct linger lg = { 1, 0 };

	if (c->st == C_DEAD)
		return;
	conn_log_close(c, reason, "");
	if (rst)
		setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(c->fd);
	c->fd = -1;
	c->st = C_DEAD;
}

/* close_notify, FIN, then wait for the peer's FIN; pending work dropped. */
static void
conn_graceful(struct fconn *c, const char *reason, uint64_t now)
{
	conn_log_close(c, reason, "");
	c->n_q = 0;
	c->out_len = c->out_off = 0;
	c->st = C_DRAIN;
	c->notify_sent = 0;
	c->until_ms = now + DRAIN_MS;
}

/* What was already handed to TLS leaves first; the rest is dropped. */
static void
conn_reset_soon(struct fconn *c, const char *reason, uint64_t now)
{
	conn_log_close(c, reason, "");
	c->n_q = 0;
	c->out_len = c->out_off = 0;
	c->st = C_RESET;
	c->until_ms = now + RESET_WAIT_MS;
}

/* see fault.h */
void
fconn_run(struct fconn *c, uint64_t now)
{
	enum conn_st was;

	if (silent)
		return;
	do {
		was = c->st;
		switch (c->st) {
		case C_TLS:
			run_tls(c, now);
			break;
		case C_SILENT:
			/* The last answers still leave; nothing else. */
			while (c->has_tls && c->st == C_SILENT &&
			    (br_ssl_engine_current_state(&c->tls.sc.eng) &
			    BR_SSL_SENDREC) && sock_write(c) == 1)
				;
			break;
		case C_DRAIN:
			run_drain(c, now);
			break;
		case C_LINGER:
			run_linger(c, now);
			break;
		case C_RESET:
			run_reset(c, now);
			break;
		case C_DEAD:
			break;
		}
	} while (c->st != was);
}

/*
 * The engine pump: one step at a time, the state re-read after every
 * ack (so a buffer is never asked for in a stale state), until nothing
 * moves (socket would block, queue full, nothing due) or PUMP_STEPS.
 */
static void
run_tls(struct fconn *c, uint64_t now)
{
	br_ssl_engine_context *eng = &c->tls.sc.eng;
	unsigned st;
	int r, steps;

	c->has_more = 0;
	if (o->idle_close_ms > 0 && c->n_q == 0 &&
	    c->out_off == c->out_len &&
	    now >= c->last_ms + (uint64_t)o->idle_close_ms) {
		conn_graceful(c, "idle", now);
		return;
	}
	for (steps = 0; steps < PUMP_STEPS; steps++) {
		st = br_ssl_engine_current_state(eng);
		if (st & BR_SSL_CLOSED) {
			tls_closed(c);
			return;
		}
		if (!c->is_ready && (st & (BR_SSL_SENDAPP | BR_SSL_RECVAPP))) {
			handshake_done(c, now);
			if (c->st != C_TLS)
				return;
		}
		r = 0;
		if (st & BR_SSL_SENDREC)
			r = sock_write(c);
		if (r == 0 && (st & BR_SSL_RECVAPP))
			r = take_plain(c, now);
		if (r == 0 && (st & BR_SSL_RECVREC))
			r = sock_read(c);
		if (r == 0 && (st & BR_SSL_SENDAPP)) {
			release(c, now);
			r = give_plain(c, now);
		}
		if (r <= 0 || c->st != C_TLS)
			return;
	}
	c->has_more = 1;	/* fconn_deadline(): come back at once */
}

/* Flush, queue close_notify, flush it, then FIN. */
static void
run_drain(struct fconn *c, uint64_t now)
{
	br_ssl_engine_context *eng = &c->tls.sc.eng;
	unsigned st;

	for (;;) {
		st = c->has_tls ? br_ssl_engine_current_state(eng) :
		    BR_SSL_CLOSED;
		if ((st & BR_SSL_SENDREC) && now < c->until_ms) {
			if (sock_write(c) != 1)
				return;	/* blocked, or killed */
			continue;
		}
		if (!c->notify_sent && !(st & BR_SSL_CLOSED) &&
		    now < c->until_ms) {
			c->notify_sent = 1;
			br_ssl_engine_close(eng);
			continue;
		}
		break;
	}
	shutdown(c->fd, SHUT_WR);
	c->st = C_LINGER;
	c->until_ms = now + LINGER_MS;
}

/* Discard whatever the peer still sends until its FIN (or time is up). */
static void
run_linger(struct fconn *c, uint64_t now)
{
	uint8_t junk[4096];
	ssize_t n;
	int k;

	for (k = 0; k < LINGER_READS; k++) {
		n = recv(c->fd, junk, sizeof(junk), 0);
		if (n > 0 || (n == -1 && errno == EINTR))
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK) &&
		    now < c->until_ms)
			return;
		fconn_kill(c, "", 0);
		return;
	}
	if (now >= c->until_ms)
		fconn_kill(c, "", 0);	/* still sending: give up */
}

/*
 * The RST must not overtake the answers: SO_LINGER {1, 0} drops what
 * the kernel has not sent yet, so wait for its send queue to empty.
 */
static void
run_reset(struct fconn *c, uint64_t now)
{
	int outq = 0;

	while (c->has_tls && now < c->until_ms &&
	    (br_ssl_engine_current_state(&c->tls.sc.eng) & BR_SSL_SENDREC))
		if (sock_write(c) != 1)
			return;
	if (now < c->until_ms && ioctl(c->fd, TIOCOUTQ, &outq) == 0 &&
	    outq > 0)
		return;
	fconn_kill(c, "", 1);
}

/* 1 moved, 0 would block, -1 (connection killed). */
static int
sock_write(struct fconn *c)
{
	char eb[32];
	uint8_t *buf;
	size_t len;
	ssize_t n;

	buf = br_ssl_engine_sendrec_buf(&c->tls.sc.eng, &len);
	do
		n = send(c->fd, buf, len, MSG_NOSIGNAL);
	while (n == -1 && errno == EINTR);
	if (n == -1) {
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return 0;
		fconn_kill(c, sock_errstr(errno, eb, sizeof(eb)), 0);
		return -1;
	}
	br_ssl_engine_sendrec_ack(&c->tls.sc.eng, (size_t)n);
	return 1;
}

/* 1 moved, 0 would block, -1 (connection killed). */
static int
sock_read(struct fconn *c)
{
	char eb[32];
	uint8_t *buf;
	size_t len;
	ssize_t n;

	buf = br_ssl_engine_recvrec_buf(&c->tls.sc.eng, &len);
	do
		n = recv(c->fd, buf, len, 0);
	while (n == -1 && errno == EINTR);
	if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return 0;
	if (n == 0) {
		conn_log_close(c, "peer-close", c->is_ready ? " notify=0" :
		    " notify=0 handshake=0");
		fconn_kill(c, "", 0);
		return -1;
	}
	if (n == -1) {
		fconn_kill(c, sock_errstr(errno, eb, sizeof(eb)), 0);
		return -1;
	}
	br_ssl_engine_recvrec_ack(&c->tls.sc.eng, (size_t)n);
	return 1;
}

/* "error:econnreset": no spaces, so the log stays one token per field. */
static const char *
sock_errstr(int e, char *buf, size_t cap)
{
	if (e == ECONNRESET)
		return "error:econnreset";
	if (e == EPIPE)
		return "error:epipe";
	if (e == ETIMEDOUT)
		return "error:etimedout";
	snprintf(buf, cap, "error:errno-%d", e);
	return buf;
}

/* The engine closed: the peer's close_notify (error 0) or a failure. */
static void
tls_closed(struct fconn *c)
{
	char eb[32], reason[64];
	int err;

	err = br_ssl_engine_last_error(&c->tls.sc.eng);
	if (err == BR_ERR_OK) {
		conn_log_close(c, "peer-close", c->is_ready ? " notify=1" :
		    " notify=1 handshake=0");
		fconn_kill(c, "", 0);
		return;
	}
	snprintf(reason, sizeof(reason), "error:%s",
	    ftls_errstr(err, eb, sizeof(eb)));
	fconn_kill(c, reason, 0);
}

static void
handshake_done(struct fconn *c, uint64_t now)
{
	br_ssl_session_parameters sp;
	char sni[FT_SNI_CAP];
	const char *s;
	size_t i;

	c->is_ready = 1;
	c->last_ms = now;
	br_ssl_engine_get_session_parameters(&c->tls.sc.eng, &sp);
	s = br_ssl_engine_get_server_name(&c->tls.sc.eng);
	/* Raw bytes from the ClientHello: keep the line one line. */
	for (i = 0; s[i] != '\0' && i < sizeof(sni) - 1; i++)
		sni[i] = s[i] > 0x20 && s[i] < 0x7f ? s[i] : '?';
	sni[i] = '\0';
	flog("conn %u handshake resumed=%d suite=0x%04x sni=%s", c->num,
	    ftls_resumed(&c->tls), sp.cipher_suite, i > 0 ? sni : "-");
	triggers(c, now);
}

/*
 * Reassemble length-prefixed queries from the plaintext; stop taking
 * bytes while the pending queue is full (the engine then stops reading
 * records, TCP pushes back).  Returns 1 when bytes were taken, 0 when
 * none, -1 when the connection was killed (a query over FT_QUERY_CAP).
 */
static int
take_plain(struct fconn *c, uint64_t now)
{
	br_ssl_engine_context *eng = &c->tls.sc.eng;
	uint8_t *buf;
	size_t len, used, want, n, msg_len;
	int bad = 0;

	buf = br_ssl_engine_recvapp_buf(eng, &len);
	used = 0;
	while (used < len && c->n_q < FT_MAX_PENDING) {
		want = 2;
		if (c->in_len >= 2) {
			msg_len = (size_t)c->in[0] << 8 | c->in[1];
			if (msg_len > FT_QUERY_CAP) {
				bad = 1;
				break;
			}
			want = 2 + msg_len;
		}
		n = MIN(want - c->in_len, len - used);
		memcpy(c->in + c->in_len, buf + used, n);
		c->in_len += n;
		used += n;
		if (c->in_len >= 2 && c->in_len ==
		    2 + ((size_t)c->in[0] << 8 | c->in[1])) {
			handle_query(c, c->in + 2, c->in_len - 2, now);
			c->in_len = 0;
		}
	}
	if (used > 0)
		br_ssl_engine_recvapp_ack(eng, used);
	if (bad) {
		fconn_kill(c, "error:query-too-long", 0);
		return -1;
	}
	return used > 0;
}

static void
handle_query(struct fconn *c, const uint8_t *q, size_t len, uint64_t now)
{
	struct fdns_query fq;
	struct pend *p;
	int rcode;

	c->last_ms = now;
	if (len < DNS_HDR_LEN) {
		flog("conn %u query len=%zu dropped=short", c->num, len);
		return;
	}
	fdns_inspect(q, len, &fq);
	flog("conn %u query id=%u name=%s type=%u len=%zu padded=%d "
	    "pad_block_ok=%d keepalive=%d%s", c->num, fq.id, fq.name,
	    fq.qtype, len, fq.padded, fq.pad_block_ok, fq.keepalive,
	    !fq.parsed ? " formerr=1" : fq.is_response ? " dropped=qr" : "");
	if (fq.is_response)
		return;
	if (o->drop_slow && fq.is_slow) {
		flog("conn %u drop id=%u name=%s", c->num, fq.id, fq.name);
		return;
	}
	p = &c->q[c->n_q];
	p->len = fdns_answer(p->buf, sizeof(p->buf), q, len, &fq, &dopt,
	    &rcode);
	if (p->len == 0)
		return;
	p->recv_ms = now;
	p->due_ms = now;
	if (o->delay_ms > 0 && (!o->delay_slow_only || fq.is_slow))
		p->due_ms += (uint64_t)o->delay_ms;
	p->is_released = o->reorder == 0;
	c->n_q++;
}

/*
 * --reorder N: the unreleased queries are always the tail of the queue;
 * once there are N of them (or the oldest waited REORDER_WAIT_MS),
 * reverse that tail and let it go.
 */
static void
release(struct fconn *c, uint64_t now)
{
	struct pend tmp;
	int first, i, j;

	for (first = c->n_q; first > 0 && !c->q[first - 1].is_released;
	    first--)
		;
	if (first == c->n_q || (c->n_q - first < o->reorder &&
	    now < c->q[first].recv_ms + REORDER_WAIT_MS))
		return;
	for (i = first, j = c->n_q - 1; i < j; i++, j--) {
		tmp = c->q[i];
		c->q[i] = c->q[j];
		c->q[j] = tmp;
	}
	for (i = first; i < c->n_q; i++)
		c->q[i].is_released = 1;
}

/* Move the first answer that may go now into c->out.  1 when one did. */
static int
next_out(struct fconn *c, uint64_t now)
{
	struct pend *p;
	int i;

	for (i = 0; i < c->n_q; i++)
		if (c->q[i].is_released && c->q[i].due_ms <= now)
			break;
	if (i == c->n_q)
		return 0;
	p = &c->q[i];
	c->out[0] = (uint8_t)(p->len >> 8);
	c->out[1] = (uint8_t)p->len;
	memcpy(c->out + 2, p->buf, p->len);
	c->out_len = 2 + p->len;
	c->out_off = 0;
	c->out_is_answer = 1;
	c->out_wrong = o->wrong_id_after >= 0 &&
	    c->n_answers >= (unsigned)o->wrong_id_after;
	c->out_id = (uint16_t)(p->buf[0] << 8 | p->buf[1]);
	if (c->out_wrong) {
		c->out_id++;
		c->out[2] = (uint8_t)(c->out_id >> 8);
		c->out[3] = (uint8_t)c->out_id;
	}
	c->out_rcode = p->buf[3] & 0xf;
	c->n_q--;
	memmove(&c->q[i], &c->q[i + 1], (size_t)(c->n_q - i) * sizeof(*p));
	return 1;
}

/*
 * Hand plaintext to the engine; one record per answer (flush), so the
 * client sees each as soon as it is due.  Returns 1 when bytes moved.
 */
static int
give_plain(struct fconn *c, uint64_t now)
{
	br_ssl_engine_context *eng = &c->tls.sc.eng;
	uint8_t *buf;
	size_t len, n;
	int split;

	if (c->out_off == c->out_len && !next_out(c, now))
		return 0;
	if (c->out_off > 0 && now < c->out_resume_ms)
		return 0;	/* --split: the rest is not due yet */
	buf = br_ssl_engine_sendapp_buf(eng, &len);
	if (buf == NULL || len == 0)
		return 0;
	n = MIN(len, c->out_len - c->out_off);
	split = o->split_ms > 0 && c->out_is_answer && c->out_off == 0 &&
	    c->out_len > FT_SPLIT_MIN;
	if (split)
		n = MIN(n, FT_SPLIT_HEAD);
	memcpy(buf, c->out + c->out_off, n);
	br_ssl_engine_sendapp_ack(eng, n);
	c->out_off += n;
	if (split) {
		/* its head in a record of its own, the rest later */
		br_ssl_engine_flush(eng, 0);
		c->out_resume_ms = now + (uint64_t)o->split_ms;
		flog("conn %u split id=%u head=%zu", c->num, c->out_id, n);
	}
	if (c->out_off == c->out_len) {
		br_ssl_engine_flush(eng, 0);
		after_out(c, now);
	}
	return 1;
}

static void
after_out(struct fconn *c, uint64_t now)
{
	if (!c->out_is_answer)
		return;
	c->n_answers++;
	flog("conn %u answer id=%u rcode=%d%s", c->num, c->out_id,
	    c->out_rcode, c->out_wrong ? " wrong_id=1" : "");
	triggers(c, now);
}

/* Faults keyed on the answer count: after the handshake and each answer. */
static void
triggers(struct fconn *c, uint64_t now)
{
	unsigned n = c->n_answers;

	if (o->garbage_after >= 0 && n == (unsigned)o->garbage_after &&
	    !c->garbage_sent) {
		c->garbage_sent = 1;
		if (getrandom(c->out, GARBAGE_LEN, 0) != GARBAGE_LEN)
			memset(c->out, 0xa5, GARBAGE_LEN);
		c->out_len = GARBAGE_LEN;
		c->out_off = 0;
		c->out_is_answer = 0;
		flog("conn %u garbage len=%d", c->num, GARBAGE_LEN);
	}
	if (o->close_after >= 0 && n == (unsigned)o->close_after)
		conn_graceful(c, "close-after", now);
	else if (o->reset_after >= 0 && n == (unsigned)o->reset_after)
		conn_reset_soon(c, "reset-after", now);
	else if (o->silent_after >= 0 && n == (unsigned)o->silent_after) {
		flog("conn %u silent", c->num);
		c->st = C_SILENT;
	}
}

/* see fault.h.  Interest derived from state, never toggled. */
void
fconn_pollfd(struct fconn *c, struct pollfd *p)
{
	unsigned st;
	short ev = 0;

	p->fd = c->fd;
	p->events = 0;
	p->revents = 0;
	if (silent || c->st == C_DEAD)
		return;
	st = c->has_tls ? br_ssl_engine_current_state(&c->tls.sc.eng) : 0;
	switch (c->st) {
	case C_TLS:
		if (st & BR_SSL_RECVREC)
			ev |= POLLIN;
		if (st & BR_SSL_SENDREC)
			ev |= POLLOUT;
		break;
	case C_SILENT:
		ev = POLLRDHUP;
		if (st & BR_SSL_SENDREC)
			ev |= POLLOUT;
		break;
	case C_DRAIN:
	case C_RESET:
		if (st & BR_SSL_SENDREC)
			ev |= POLLOUT;
		break;
	case C_LINGER:
		ev = POLLIN;
		break;
	case C_DEAD:
		break;
	}
	p->events = ev;
}

/* see fault.h */
uint64_t
fconn_deadline(struct fconn *c, uint64_t now)
{
	uint64_t d = UINT64_MAX;
	int i;

	if (silent)
		return d;
	switch (c->st) {
	case C_TLS:
		if (c->has_more)
			return now;
		for (i = 0; i < c->n_q; i++) {
			if (!c->q[i].is_released)
				d = MIN(d, c->q[i].recv_ms + REORDER_WAIT_MS);
			else if (c->q[i].due_ms > now)
				d = MIN(d, c->q[i].due_ms);
		}
		if (o->idle_close_ms > 0 && c->n_q == 0 &&
		    c->out_off == c->out_len)
			d = MIN(d, c->last_ms + (uint64_t)o->idle_close_ms);
		if (c->out_off > 0 && c->out_off < c->out_len)
			d = MIN(d, c->out_resume_ms);
		break;
	case C_RESET:
		d = MIN(c->until_ms, now + OUTQ_POLL_MS);
		break;
	case C_DRAIN:
	case C_LINGER:
		d = c->until_ms;
		break;
	case C_SILENT:
	case C_DEAD:
		break;
	}
	return d;
}

/*
 * see fault.h.  Errors and hang-ups come even without interest: one that
 * will not read them (silent, queue full, draining) would make poll()
 * spin, so end it here.  A silent one sees its peer leave by RDHUP.
 */
void
fconn_revents(struct fconn *c, const struct pollfd *p)
{
	char eb[32];
	socklen_t sl;
	int e = 0;

	if (c->st == C_DEAD)
		return;
	if ((p->revents & (POLLERR | POLLHUP | POLLNVAL)) &&
	    !(p->events & POLLIN)) {
		sl = sizeof(e);
		if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &e, &sl) == -1 ||
		    e == 0)
			fconn_kill(c, "error:hangup", 0);
		else
			fconn_kill(c, sock_errstr(e, eb, sizeof(eb)), 0);
	} else if ((p->revents & POLLRDHUP) && c->st == C_SILENT)
		fconn_kill(c, "peer-close", 0);
}
