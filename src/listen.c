/* SPDX-License-Identifier: MIT */
/*
 * listen.c: LAN sockets.  UDP datagrams and TCP frames become queries
 * through check_query(), the one place for the client-visible policy;
 * answers and errors go back through lsn_answer()/lsn_fail().  UDP is
 * read with recvmmsg() and answers leave together with sendmmsg() at the
 * end of the loop iteration (lsn_flush).  TCP clients live in a fixed
 * pool (lsnconn.c): a source outside `allow` or over its source_tcp
 * share is closed at accept; a full pool closes an idle client of its
 * heaviest source for a newcomer, or (every client busy) accept pauses
 * for a second.  Each source's queries in flight are capped too
 * (source.c counts).
 */
#define _GNU_SOURCE		/* recvmmsg(), sendmmsg(): Linux */

#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>

#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "dns.h"
#include "dnsedit.h"
#include "listen.h"
#include "log.h"
#include "loop.h"
#include "inherit.h"
#include "lsnconn.h"
#include "mem.h"
#include "source.h"
#include "stats.h"
#include "upstream.h"

#define LSN_UDP_BATCH	32	/* datagrams per wakeup, for fairness */
#define LSN_MMSG	16	/* datagrams per recvmmsg/sendmmsg call */
#define LSN_TX_CAP	4096	/* answer bytes waiting for sendmmsg; a
				 * bigger answer is sent on its own */
#define LSN_ACCEPT_BATCH 8
#define LSN_ACCEPT_PAUSE_MS 1000	/* out of fds: stop accepting a while */
#define LSN_FULL_RETRY_MS 100	/* every client busy: look again (a client
				 * with nothing in flight may come any time) */
#define LSN_LIMIT_LOG_MS 60000	/* a limit hit: one line a minute */
#define LSN_RECV_CAP	(DNS_QUERY_MAX + 1)	/* a longer UDP query is
				 * cut here, so it is still too long: FORMERR */
#define LSN_REPLY_CAP	(DNS_QUERY_MAX + 64)

struct lsn_sock {
	int		 fd;
	int		 h;
	int		 is_tcp;
	struct addr addr;
};

static void	udp_read(void *, short);
static void	tcp_accept(void *, short);
static void	tcp_query(int, const union addr_sa *, const uint8_t *, size_t);
static void	tcp_closed(void);
static void	limit_log(struct log_rl *, const char *,
		    const union addr_sa *);
static void	slot_release(int);
static void	check_query(struct lsn_sock *, int, const union addr_sa *,
		    socklen_t, const uint8_t *, size_t);
static void	reply_now(struct lsn_sock *, int, const union addr_sa *,
		    socklen_t, const uint8_t *, size_t, const struct dns_msg *,
		    int, int);
static void	listeners_events(void);
static void	udp_send(struct lsn_sock *, const union addr_sa *, socklen_t,
		    const uint8_t *, size_t);

static const struct conf *cf;
static struct qt	*qt;
static struct lsn_sock	*socks;
static int		 n_socks;
static uint64_t		 accept_paused_until;
static int		 draining;	/* a reload's forked copy */
static void		(*foreign_answer)(int, uint8_t *, size_t,
			    const struct dns_msg *);
static void		(*foreign_fail)(int, int);
static struct log_rl	 rl_pause, rl_tcp_src, rl_query_src;
/* UDP in: one recvmmsg() call's datagrams */
static uint8_t		 rx_buf[LSN_MMSG][LSN_RECV_CAP];
static union addr_sa	 rx_peer[LSN_MMSG];
static struct iovec	 rx_iov[LSN_MMSG];
static struct mmsghdr	 rx_msg[LSN_MMSG];
/* UDP out: answers of this loop iteration, for one socket */
static struct lsn_sock	*tx_sock;
static uint8_t		 tx_buf[LSN_TX_CAP];
static size_t		 tx_len;
static union addr_sa	 tx_peer[LSN_MMSG];
static struct iovec	 tx_iov[LSN_MMSG];
static struct mmsghdr	 tx_msg[LSN_MMSG];
static int		 n_tx;

static const struct lc_ops tcp_ops = {
	tcp_query,
	tcp_closed,
};

/* see listen.h */
int
lsn_max_fds(const struct conf *c)
{
	return 2 * c->n_listen + (int)c->max_tcp_clients;
}

static int
open_sock(const struct addr *a, int type)
{
	char name[ADDR_STR_CAP];
	int fd, on = 1;

	addr_str(a, name, sizeof(name));
	fd = socket(a->u.sa.sa_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1)
		fatal(EX_OS_, "socket for %s", name);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	if (a->u.sa.sa_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on));
	if (bind(fd, &a->u.sa, a->len) == -1)
		fatal(EX_OS_, "bind %s %s", type == SOCK_STREAM ? "tcp" : "udp",
		    name);
	if (type == SOCK_STREAM && listen(fd, 64) == -1)
		fatal(EX_OS_, "listen %s", name);
	return fd;
}

/* see listen.h */
void
lsn_init(const struct conf *c, struct qt *t)
{
	int i;

	cf = c;
	qt = t;
	n_socks = 2 * c->n_listen;
	socks = mem_alloc(sizeof(*socks) * (size_t)n_socks);
	/* take the handed-over sockets first: one for an address no longer
	 * listed (say 0.0.0.0:53) must be closed before binding new ones */
	for (i = 0; i < n_socks; i++) {
		socks[i].addr = c->listen[i / 2];
		socks[i].is_tcp = i % 2;
		socks[i].fd = inh_take(&socks[i].addr.u.sa,
		    socks[i].addr.len, i % 2 ? SOCK_STREAM : SOCK_DGRAM);
	}
	inh_drop_unused(0);
	for (i = 0; i < n_socks; i++)
		if (socks[i].fd == -1)
			socks[i].fd = open_sock(&socks[i].addr,
			    socks[i].is_tcp ? SOCK_STREAM : SOCK_DGRAM);
	lc_init(c, &tcp_ops);
	/* every TCP client and every slot holds one source reference */
	src_init((int)c->max_tcp_clients + (int)c->max_inflight);
	log_rl_init(&rl_pause, LSN_LIMIT_LOG_MS, 1);
	log_rl_init(&rl_tcp_src, LSN_LIMIT_LOG_MS, 1);
	log_rl_init(&rl_query_src, LSN_LIMIT_LOG_MS, 1);
}

/* see listen.h */
void
lsn_start(void)
{
	int i;

	for (i = 0; i < n_socks; i++) {
		socks[i].h = loop_add(socks[i].fd,
		    socks[i].is_tcp ? tcp_accept : udp_read, &socks[i]);
		BUG_ON(socks[i].h == -1);
	}
	listeners_events();
	lc_start();
}

/* see listen.h */
int
lsn_fds(int *fds, int cap)
{
	int i;

	for (i = 0; i < n_socks && i < cap; i++)
		fds[i] = socks[i].fd;
	return i;
}

/* see listen.h */
int
lsn_busy(void)
{
	return qt->n_used > 0 || lc_n_open() > 0;
}

/* see listen.h */
void
lsn_drain(void)
{
	int i;

	draining = 1;
	for (i = 0; i < n_socks; i++) {
		if (socks[i].is_tcp) {
			loop_del(socks[i].h);
			close(socks[i].fd);
			socks[i].fd = -1;
		} else
			loop_set(socks[i].h, 0);	/* still sends */
	}
	lc_drain();
}

static void
listeners_events(void)
{
	int i, paused;

	if (draining)
		return;
	paused = loop_now() < accept_paused_until;
	for (i = 0; i < n_socks; i++)
		loop_set(socks[i].h,
		    socks[i].is_tcp && paused ? 0 : POLLIN);
}

static void
udp_read(void *arg, short revents)
{
	struct lsn_sock *s = arg;
	struct msghdr *h;
	int i, n, got;

	(void)revents;
	for (got = 0; got < LSN_UDP_BATCH; got += n) {
		for (i = 0; i < LSN_MMSG; i++) {
			h = &rx_msg[i].msg_hdr;
			memset(h, 0, sizeof(*h));
			rx_iov[i].iov_base = rx_buf[i];
			rx_iov[i].iov_len = sizeof(rx_buf[i]);
			h->msg_iov = &rx_iov[i];
			h->msg_iovlen = 1;
			h->msg_name = &rx_peer[i];
			h->msg_namelen = sizeof(rx_peer[i]);
		}
		/*
		 * Raw: no timeout and no control data, so nothing for libc to
		 * convert (musl's 32-bit time64 recvmmsg() carries 1 KB of
		 * timestamp conversions); the memset above zeroes the
		 * padding 64-bit musl's msghdr has around msg_iovlen.
		 */
		n = (int)syscall(SYS_recvmmsg, s->fd, rx_msg, LSN_MMSG,
		    MSG_DONTWAIT, NULL);
		if (n == -1) {
			if (errno != EAGAIN && errno != EWOULDBLOCK &&
			    errno != EINTR)
				log_debug("udp recvmmsg: %s", log_errstr(errno));
			return;
		}
		for (i = 0; i < n; i++)
			check_query(s, -1, &rx_peer[i],
			    rx_msg[i].msg_hdr.msg_namelen, rx_buf[i],
			    rx_msg[i].msg_len);
		/* fewer than asked: the socket is empty, poll() tells when
		 * more come (saves the call that would say EAGAIN) */
		if (n < LSN_MMSG)
			return;
	}
}

/* Queue one UDP answer for lsn_flush (or send it now when it does not
 * fit); a failed send is dropped, as the client will ask again. */
static void
udp_send(struct lsn_sock *s, const union addr_sa *peer, socklen_t plen,
    const uint8_t *msg, size_t len)
{
	struct msghdr *h;

	if (n_tx > 0 && (s != tx_sock || n_tx == LSN_MMSG ||
	    len > sizeof(tx_buf) - tx_len))
		lsn_flush(NULL);
	if (len > sizeof(tx_buf)) {
		if (sendto(s->fd, msg, len, 0, &peer->sa, plen) == -1)
			log_debug("udp sendto: %s", log_errstr(errno));
		return;
	}
	tx_sock = s;
	memcpy(tx_buf + tx_len, msg, len);
	tx_peer[n_tx] = *peer;
	tx_iov[n_tx].iov_base = tx_buf + tx_len;
	tx_iov[n_tx].iov_len = len;
	h = &tx_msg[n_tx].msg_hdr;
	memset(h, 0, sizeof(*h));
	h->msg_iov = &tx_iov[n_tx];
	h->msg_iovlen = 1;
	h->msg_name = &tx_peer[n_tx];
	h->msg_namelen = plen;
	tx_len += len;
	n_tx++;
}

/* see listen.h */
void
lsn_flush(void *arg)
{
	int off, n;

	(void)arg;
	for (off = 0; off < n_tx; off += n) {
		/*
		 * The system call itself: 64-bit musl's sendmmsg() is a
		 * loop of sendmsg() calls, as its msghdr has padding the
		 * kernel's has not; ours is zeroed and carries no control
		 * data, so the kernel reads it right.
		 */
		n = (int)syscall(SYS_sendmmsg, tx_sock->fd, tx_msg + off,
		    (unsigned)(n_tx - off), 0);
		if (n == -1) {
			/* that datagram is lost, as with sendto */
			log_debug("udp sendmmsg: %s", log_errstr(errno));
			n = 1;
		}
	}
	n_tx = 0;
	tx_len = 0;
}

/*
 * The client-visible policy: drop what has no readable header or is an
 * answer; REFUSED outside allow (TCP: closed at accept); FORMERR when
 * malformed; NOTIMP for opcodes other than QUERY and for zone transfers;
 * SERVFAIL when the source already has source_inflight queries out or
 * the table is full.  Everything else is queued for an upstream, its UDP
 * answer capped at max_udp_size.  cl: the TCP client, or -1 for UDP.
 */
static void
check_query(struct lsn_sock *s, int cl, const union addr_sa *peer,
    socklen_t plen, const uint8_t *buf, size_t len)
{
	struct qt_slot *q;
	struct dns_msg m;
	int r, i, allowed;

	/* longer than DNS_QUERY_MAX is DNS_EFORMAT, header still read */
	r = dns_parse_query(buf, len, &m);
	if (r == DNS_ETRUNC || (m.flags & DNS_F_QR)) {
		st.dropped++;
		return;
	}
	if (cl == -1)
		st.q_udp++;
	else
		st.q_tcp++;
	/* a TCP client outside allow never got past accept */
	allowed = cl != -1 || addr_match(cf->allow, cf->n_allow, &peer->sa);
	if (!allowed) {
		st.refused++;
		reply_now(s, cl, peer, plen, buf, len, &m, r == DNS_OK,
		    DNS_RC_REFUSED);
		return;
	}
	if (r != DNS_OK) {
		st.formerr++;
		reply_now(s, cl, peer, plen, buf, len, &m, 0, DNS_RC_FORMERR);
		return;
	}
	if (DNS_F_OPCODE(m.flags) != 0 || m.qtype == 251 || m.qtype == 252) {
		/* IXFR/AXFR are multi-message streams: not for a forwarder */
		st.notimp++;
		reply_now(s, cl, peer, plen, buf, len, &m, 1, DNS_RC_NOTIMP);
		return;
	}
	/* no source may take the whole table (or a big share of it) */
	if (src_hold(&peer->sa, SRC_QUERY, cf->source_inflight) == -1) {
		st.source_full++;
		st.servfail++;
		limit_log(&rl_query_src, "queries in flight (source_inflight "
		    "reached): SERVFAIL to more", peer);
		reply_now(s, cl, peer, plen, buf, len, &m, 1, DNS_RC_SERVFAIL);
		return;
	}
	if ((i = qt_alloc(qt, loop_now(), cf->timeout_ms)) == -1) {
		src_put(&peer->sa, SRC_QUERY);
		st.qtab_full++;
		st.servfail++;
		reply_now(s, cl, peer, plen, buf, len, &m, 1, DNS_RC_SERVFAIL);
		return;
	}
	q = &qt->slot[i];
	q->client_id = m.id;
	q->client_edns = (uint8_t)m.has_opt;
	/* no reflected answer bigger than the cap, whatever EDNS says */
	q->udp_size = (uint16_t)MIN(m.udp_size, cf->max_udp_size);
	/* the source reference goes back from q->peer (slot_release) */
	q->peer = *peer;
	q->peer_len = plen;
	if (cl != -1) {
		q->origin = QT_TCP;
		q->lsn = cl;
		q->lsn_gen = lc_hold(cl);
	} else {
		q->origin = QT_UDP;
		q->lsn = (int32_t)(s - socks);
	}
	if (qt_set_query(qt, i, buf, &m, cf->padding, 1) == -1) {
		/* cannot happen for a query that parsed; answer anyway */
		lsn_fail(i, DNS_RC_SERVFAIL);
		return;
	}
	if (up_submit(i) == -1)
		lsn_fail(i, DNS_RC_SERVFAIL);
}

static void
reply_now(struct lsn_sock *s, int cl, const union addr_sa *peer,
    socklen_t plen, const uint8_t *buf, size_t len, const struct dns_msg *m,
    int parsed_ok, int rcode)
{
	uint8_t out[LSN_REPLY_CAP];
	size_t n;

	n = dns_error_reply(out, sizeof(out), buf, len, m, parsed_ok, rcode);
	if (n == 0)
		return;
	if (cl != -1)
		lc_send(cl, out, n);
	else
		udp_send(s, peer, plen, out, n);
}

/* Close an accepted socket we will not serve, with RST: no FIN
 * handshake to wait for, nothing left in TIME_WAIT. */
static void
refuse_fd(int fd)
{
	struct linger lg = { 1, 0 };

	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(fd);
}

static void
tcp_accept(void *arg, short revents)
{
	struct lsn_sock *s = arg;
	union addr_sa peer;
	socklen_t plen;
	uint32_t n;
	int fd, j;

	(void)revents;
	for (j = 0; j < LSN_ACCEPT_BATCH; j++) {
		if (lc_is_full()) {
			/* every client has queries out: wait for one */
			st.tcp_full++;
			if (accept_paused_until <= loop_now() &&
			    log_rl_allow(&rl_pause, loop_now(), &n))
				log_warnx("%d TCP clients, all busy: pausing "
				    "accept (%" PRIu32 " more pauses since the "
				    "last line)", (int)cf->max_tcp_clients, n);
			accept_paused_until = loop_now() + LSN_FULL_RETRY_MS;
			listeners_events();
			return;
		}
		plen = sizeof(peer);
		fd = loop_accept(s->fd, &peer.sa, &plen);
		if (fd == -1) {
			if (errno == EMFILE || errno == ENFILE) {
				log_warn("accept");
				accept_paused_until = loop_now() +
				    LSN_ACCEPT_PAUSE_MS;
				listeners_events();
			}
			return;
		}
		/* outside allow: not even a slot (its queries would only
		 * get REFUSED) */
		if (!addr_match(cf->allow, cf->n_allow, &peer.sa)) {
			st.tcp_refused++;
			refuse_fd(fd);
			continue;
		}
		if (src_hold(&peer.sa, SRC_TCP, cf->source_tcp) == -1) {
			st.tcp_source_full++;
			limit_log(&rl_tcp_src, "TCP connections (source_tcp "
			    "reached): closing new ones", &peer);
			refuse_fd(fd);
			continue;
		}
		if (lc_open(fd, &peer) == -1) {
			/* the last idle client got input since lc_is_full() */
			st.tcp_full++;
			src_put(&peer.sa, SRC_TCP);
			refuse_fd(fd);
			return;
		}
	}
}

/* A whole frame from TCP client cl: the same policy as a datagram. */
static void
tcp_query(int cl, const union addr_sa *peer, const uint8_t *msg, size_t len)
{
	check_query(NULL, cl, peer, sizeof(*peer), msg, len);
}

/* A TCP client went: a paused accept resumes at once. */
static void
tcp_closed(void)
{
	if (accept_paused_until > loop_now()) {
		accept_paused_until = 0;
		listeners_events();
	}
}

/* A limit hit by one source: a warning, at most one line a minute. */
static void
limit_log(struct log_rl *rl, const char *what, const union addr_sa *peer)
{
	char as[ADDR_STR_CAP];
	uint32_t n;

	if (!log_rl_allow(rl, loop_now(), &n))
		return;
	addr_host_str(&peer->sa, as, sizeof(as));
	if (n > 0)
		log_warnx("client %s: too many %s (%" PRIu32 " more limit "
		    "hits since the last line)", as, what, n);
	else
		log_warnx("client %s: too many %s", as, what);
}

/* 0 when a slot's reply has somewhere to go (UDP, or its TCP client is
 * still there), -1 if gone. */
static int
slot_client(struct qt_slot *q)
{
	if (q->origin == QT_UDP)
		return 0;
	return lc_answered(q->lsn, q->lsn_gen);
}

/* The only way a LAN slot ends: its source reference goes back first. */
static void
slot_release(int slot)
{
	struct qt_slot *q = &qt->slot[slot];

	if (q->origin == QT_UDP || q->origin == QT_TCP)
		src_put(&q->peer.sa, SRC_QUERY);
	qt_release(qt, slot);
}

static void
deliver(struct qt_slot *q, const uint8_t *msg, size_t len)
{
	if (q->origin == QT_TCP)
		lc_send(q->lsn, msg, len);
	else
		udp_send(&socks[q->lsn], &q->peer, q->peer_len, msg, len);
}

/* SERVFAIL & co for a slot, from its stored question. */
static void
reply_error(int slot, int rcode)
{
	struct qt_slot *q = &qt->slot[slot];
	const uint8_t *qb;
	struct dns_msg m;
	uint8_t out[LSN_REPLY_CAP];
	size_t n, kept;

	if (rcode == DNS_RC_SERVFAIL)
		st.servfail++;
	qb = qt_query(qt, slot, &kept, &m);
	n = dns_error_reply(out, sizeof(out), qb, kept, &m, 1, rcode);
	if (n < DNS_HDR_LEN)
		return;
	out[0] = (uint8_t)(q->client_id >> 8);
	out[1] = (uint8_t)q->client_id;
	deliver(q, out, n);
}

/* see listen.h */
void
lsn_set_foreign(void (*answer)(int, uint8_t *, size_t,
    const struct dns_msg *), void (*fail)(int, int))
{
	foreign_answer = answer;
	foreign_fail = fail;
}

/* see listen.h */
void
lsn_answer(int slot, uint8_t *msg, size_t len, const struct dns_msg *m)
{
	struct qt_slot *q = &qt->slot[slot];
	struct dns_msg cm, m2;
	const uint8_t *qb;
	size_t n, kept;

	if (q->origin == QT_SRV) {
		foreign_answer(slot, msg, len, m);
		return;
	}
	if (slot_client(q) == 0) {
		/* the answer's OPT follows the client's query */
		qb = qt_query(qt, slot, &kept, &cm);
		n = dns_answer_for_client(msg, len, m, q->client_id, qb, &cm);
		if (n != 0 && q->origin == QT_UDP && n > q->udp_size) {
			if (dns_parse_answer(msg, n, &m2) == DNS_OK)
				n = dns_truncate(msg, n, q->udp_size, &m2,
				    q->client_edns);
			else
				n = 0;
			st.truncated++;
		}
		if (n != 0) {
			st.answered++;
			deliver(q, msg, n);
		} else
			reply_error(slot, DNS_RC_SERVFAIL);
	} else
		st.abandoned++;
	slot_release(slot);
}

/* see listen.h */
void
lsn_fail(int slot, int rcode)
{
	struct qt_slot *q = &qt->slot[slot];

	if (q->origin == QT_SRV) {
		foreign_fail(slot, rcode);
		return;
	}
	if (slot_client(q) == 0)
		reply_error(slot, rcode);
	else
		st.abandoned++;
	slot_release(slot);
}

/* see listen.h */
uint64_t
lsn_next_deadline(void *arg)
{
	uint64_t next;
	int i;

	(void)arg;
	/* 0 while held-back TCP frames wait for this round */
	next = lc_next_deadline();
	if ((i = qt_oldest(qt)) != -1)
		next = MIN(next, qt->slot[i].deadline_ms);
	if (accept_paused_until != 0)
		next = MIN(next, accept_paused_until);
	return next;
}

/* see listen.h */
void
lsn_expire(void *arg, uint64_t now)
{
	int i;

	(void)arg;
	while ((i = qt_oldest(qt)) != -1 && qt->slot[i].deadline_ms <= now) {
		up_forget(i);
		st.timeouts++;
		lsn_fail(i, DNS_RC_SERVFAIL);
	}
	if (accept_paused_until != 0 && accept_paused_until <= now) {
		accept_paused_until = 0;
		listeners_events();
	}
	lc_expire(now);
}
