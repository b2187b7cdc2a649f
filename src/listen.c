/* SPDX-License-Identifier: MIT */
/*
 * listen.c: LAN sockets.  UDP datagrams and TCP frames become queries
 * through check_query(), the one place for the client-visible policy;
 * answers and errors go back through lsn_answer()/lsn_fail().  UDP is
 * read with recvmmsg() and answers leave together with sendmmsg() at the
 * end of the loop iteration (lsn_flush).  TCP clients live in a fixed
 * pool: a source outside `allow` or over its source_tcp share is closed
 * at accept; a full pool closes an idle client of its heaviest source
 * for a newcomer, or (every client busy) pauses accept for a second.
 * Each source's queries in flight are capped too (source.c counts).
 */
#define _GNU_SOURCE		/* recvmmsg(), sendmmsg(): Linux */

#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "dns.h"
#include "dnsedit.h"
#include "listen.h"
#include "log.h"
#include "loop.h"
#include "inherit.h"
#include "mem.h"
#include "source.h"
#include "stats.h"
#include "upstream.h"

#define LSN_UDP_BATCH	32	/* datagrams per wakeup, for fairness */
#define LSN_MMSG	16	/* datagrams per recvmmsg/sendmmsg call */
#define LSN_TX_CAP	4096	/* answer bytes waiting for sendmmsg; a
				 * bigger answer is sent on its own */
#define LSN_ACCEPT_BATCH 8
#define LSN_ACCEPT_PAUSE_MS 1000	/* full pool: stop accepting a while */
#define LSN_TCP_IDLE_MS	10000	/* RFC 7766 6.2.3: close idle clients;
				 * only a whole frame restarts it */
#define LSN_PIPELINE_MAX 32	/* queries one TCP client may have out
				 * (and no more than source_inflight) */
#define LSN_LIMIT_LOG_MS 60000	/* a limit hit: one line a minute */
#define LSN_OUT_CAP	16384	/* unsent answers per client; beyond it
				 * the client is not reading: close it */
#define LSN_RECV_CAP	(DNS_QUERY_MAX + 1)	/* a longer UDP query is
				 * cut here, so it is still too long: FORMERR */
#define LSN_REPLY_CAP	(DNS_QUERY_MAX + 64)

struct lsn_sock {
	int		 fd;
	int		 h;
	int		 is_tcp;
	struct addr addr;
};

/*
 * A TCP client slot.  accept: FREE -> OPEN; the client shuts down its
 * side (EOF): OPEN -> EOF, answered what it asked, then closed; closed
 * by either side: OPEN or EOF -> FREE.  Only client_set_state() writes
 * the state.
 */
enum cl_state { CL_FREE, CL_OPEN, CL_EOF };

struct lsn_client {
	enum cl_state	 state;
	int		 fd;		/* while not FREE */
	int		 h;
	uint32_t	 gen;
	int		 resume;	/* frames wait in 'in': parse them */
	int		 n_inflight;
	union addr_sa	 peer;		/* holds a SRC_TCP reference */
	uint64_t	 idle_deadline_ms;	/* last whole frame or answer
						 * + LSN_TCP_IDLE_MS */
	uint64_t	 progress_ms;	/* accept, or a whole frame while
					 * it had no answer unread */
	size_t		 in_len;
	size_t		 out_len;
	uint8_t		 in[2 + DNS_QUERY_MAX];
	uint8_t		*out;		/* LSN_OUT_CAP */
};

static void	udp_read(void *, short);
static void	tcp_accept(void *, short);
static void	client_io(void *, short);
static void	client_read(struct lsn_client *);
static void	client_parse(struct lsn_client *);
static void	lsn_after(void *);
static void	client_write(struct lsn_client *);
static void	client_events(struct lsn_client *);
static void	client_close(struct lsn_client *);
static void	client_set_state(struct lsn_client *, enum cl_state);
static int	client_has_frame(const struct lsn_client *);
static struct lsn_client *client_evictable(void);
static int	pipeline_max(void);
static void	limit_log(struct log_rl *, const char *,
		    const union addr_sa *);
static void	slot_release(int);
static void	client_send(struct lsn_client *, const uint8_t *, size_t);
static void	check_query(struct lsn_sock *, struct lsn_client *,
		    const union addr_sa *, socklen_t, const uint8_t *, size_t);
static void	reply_now(struct lsn_sock *, struct lsn_client *,
		    const union addr_sa *, socklen_t, const uint8_t *, size_t,
		    const struct dns_msg *, int, int);
static void	listeners_events(void);
static void	udp_send(struct lsn_sock *, const union addr_sa *, socklen_t,
		    const uint8_t *, size_t);

static const struct conf *cf;
static struct qt	*qt;
static struct lsn_sock	*socks;
static int		 n_socks;
static struct lsn_client *clients;
static uint8_t		*client_out;	/* LSN_OUT_CAP per client */
static int		 n_clients;
static int		 n_open_clients;
static uint64_t		 accept_paused_until;
static int		 any_resume;
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
	n_clients = (int)c->max_tcp_clients;
	/* zeroed: every client CL_FREE; nothing is written before one
	 * comes, so the slots and buffers never used stay out of RSS */
	clients = mem_alloc(sizeof(*clients) * (size_t)n_clients);
	/* every TCP client and every slot holds one source reference */
	src_init(n_clients + (int)c->max_inflight);
	log_rl_init(&rl_pause, LSN_LIMIT_LOG_MS, 1);
	log_rl_init(&rl_tcp_src, LSN_LIMIT_LOG_MS, 1);
	log_rl_init(&rl_query_src, LSN_LIMIT_LOG_MS, 1);
	client_out = mem_alloc(LSN_OUT_CAP * (size_t)n_clients);
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
	loop_after(lsn_after, NULL);
}

/* Frames held back while a client had LSN_PIPELINE_MAX queries out. */
static void
lsn_after(void *arg)
{
	struct lsn_client *cl;
	int i;

	(void)arg;
	if (!any_resume)
		return;
	any_resume = 0;
	for (i = 0; i < n_clients; i++) {
		cl = &clients[i];
		if (cl->state == CL_FREE || !cl->resume)
			continue;
		client_parse(cl);
		if (cl->state != CL_FREE)
			client_events(cl);
	}
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
	return qt->n_used > 0 || n_open_clients > 0;
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
	for (i = 0; i < n_clients; i++)
		if (clients[i].state != CL_FREE)
			client_events(&clients[i]);
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
		n = recvmmsg(s->fd, rx_msg, LSN_MMSG, MSG_DONTWAIT, NULL);
		if (n == -1) {
			if (errno != EAGAIN && errno != EWOULDBLOCK &&
			    errno != EINTR)
				log_debug("udp recvmmsg: %s", log_errstr(errno));
			return;
		}
		for (i = 0; i < n; i++)
			check_query(s, NULL, &rx_peer[i],
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
 * answer capped at max_udp_size.
 */
static void
check_query(struct lsn_sock *s, struct lsn_client *cl,
    const union addr_sa *peer, socklen_t plen, const uint8_t *buf, size_t len)
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
	if (cl == NULL)
		st.q_udp++;
	else
		st.q_tcp++;
	/* a TCP client outside allow never got past accept */
	allowed = cl != NULL || addr_match(cf->allow, cf->n_allow, &peer->sa);
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
	if (cl != NULL) {
		q->origin = QT_TCP;
		q->lsn = (int32_t)(cl - clients);
		q->lsn_gen = cl->gen;
		cl->n_inflight++;
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
reply_now(struct lsn_sock *s, struct lsn_client *cl, const union addr_sa *peer,
    socklen_t plen, const uint8_t *buf, size_t len, const struct dns_msg *m,
    int parsed_ok, int rcode)
{
	uint8_t out[LSN_REPLY_CAP];
	size_t n;

	n = dns_error_reply(out, sizeof(out), buf, len, m, parsed_ok, rcode);
	if (n == 0)
		return;
	if (cl != NULL)
		client_send(cl, out, n);
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
	struct lsn_client *cl;
	union addr_sa peer;
	socklen_t plen;
	uint32_t n;
	int fd, i, j, on = 1;

	(void)revents;
	for (j = 0; j < LSN_ACCEPT_BATCH; j++) {
		if (n_open_clients == n_clients && client_evictable() == NULL) {
			/* every client has queries out: wait for one */
			st.tcp_full++;
			if (accept_paused_until <= loop_now() &&
			    log_rl_allow(&rl_pause, loop_now(), &n))
				log_warnx("%d TCP clients, all busy: pausing "
				    "accept (%" PRIu32 " more pauses since the "
				    "last line)", n_clients, n);
			accept_paused_until = loop_now() + LSN_ACCEPT_PAUSE_MS;
			listeners_events();
			return;
		}
		plen = sizeof(peer);
		fd = accept(s->fd, &peer.sa, &plen);
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
		if (n_open_clients == n_clients) {
			/* idle (or never finishing a frame): its turn is over */
			st.tcp_evicted++;
			client_close(client_evictable());
		}
		for (i = 0; i < n_clients; i++)
			if (clients[i].state == CL_FREE)
				break;
		BUG_ON(i == n_clients);
		cl = &clients[i];
		cl->out = client_out + (size_t)i * LSN_OUT_CAP;
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
		fcntl(fd, F_SETFD, FD_CLOEXEC);
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
		cl->h = loop_add(fd, client_io, cl);
		BUG_ON(cl->h == -1);
		cl->fd = fd;
		client_set_state(cl, CL_OPEN);
		cl->resume = 0;
		cl->n_inflight = 0;
		cl->in_len = 0;
		cl->out_len = 0;
		cl->peer = peer;
		cl->idle_deadline_ms = loop_now() + LSN_TCP_IDLE_MS;
		cl->progress_ms = loop_now();
		n_open_clients++;
		st.tcp_accepted++;
		client_events(cl);
	}
}

/*
 * The client a full pool gives up for a newcomer: one we owe nothing
 * (no query in flight), from the source that holds the most TCP
 * connections (the heavy user pays first), and of those the one longest
 * without progress: a connection trickling bytes that never make a
 * frame, or one that stopped reading its answers, makes none.  NULL when
 * every client has queries out.
 */
static struct lsn_client *
client_evictable(void)
{
	struct lsn_client *cl, *best = NULL;
	uint32_t n, best_n = 0;
	int i;

	for (i = 0; i < n_clients; i++) {
		cl = &clients[i];
		if (cl->state == CL_FREE || cl->n_inflight > 0)
			continue;
		n = src_count(&cl->peer.sa, SRC_TCP);
		if (best == NULL || n > best_n || (n == best_n &&
		    cl->progress_ms < best->progress_ms)) {
			best = cl;
			best_n = n;
		}
	}
	return best;
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

static void
client_io(void *arg, short revents)
{
	struct lsn_client *cl = arg;

	if (revents & (POLLERR | POLLNVAL)) {
		client_close(cl);
		return;
	}
	if (revents & POLLOUT) {
		client_write(cl);
		if (cl->state == CL_FREE)
			return;
	}
	if (revents & (POLLIN | POLLHUP))
		client_read(cl);
	if (cl->state == CL_FREE)
		return;
	client_events(cl);
}

static void
client_read(struct lsn_client *cl)
{
	ssize_t n;

	n = recv(cl->fd, cl->in + cl->in_len, sizeof(cl->in) - cl->in_len, 0);
	if (n == 0) {
		/* POLLHUP keeps coming while the answers go out */
		if (cl->state == CL_OPEN)
			client_set_state(cl, CL_EOF);
		return;
	}
	if (n == -1) {
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			client_close(cl);
		return;
	}
	/* bytes alone do not restart the idle timer: whole frames do */
	cl->in_len += (size_t)n;
	client_parse(cl);
}

/* see listen.h */
int
lsn_frame(const uint8_t *buf, size_t len, size_t *flen)
{
	if (len < 2)
		return LSN_FRAME_MORE;
	*flen = (size_t)buf[0] << 8 | buf[1];
	/* no query is this long: the stream is not DNS */
	if (*flen == 0 || *flen > DNS_QUERY_MAX)
		return LSN_FRAME_BAD;
	return len - 2 >= *flen ? LSN_FRAME_OK : LSN_FRAME_MORE;
}

/* 1 when a whole frame waits in the buffer (or a bad one: that too will
 * be dealt with by client_parse). */
static int
client_has_frame(const struct lsn_client *cl)
{
	size_t flen;

	return lsn_frame(cl->in, cl->in_len, &flen) != LSN_FRAME_MORE;
}

/* Queries one TCP connection may have out. */
static int
pipeline_max(void)
{
	return (int)MIN(LSN_PIPELINE_MAX, cf->source_inflight);
}

/* Queries out of the buffered frames, while the client may have more in
 * flight; the rest waits for answers (lsn_after picks it up). */
static void
client_parse(struct lsn_client *cl)
{
	uint32_t gen = cl->gen;
	size_t flen, off = 0;
	int r;

	cl->resume = 0;
	while (cl->n_inflight < pipeline_max()) {
		r = lsn_frame(cl->in + off, cl->in_len - off, &flen);
		if (r == LSN_FRAME_BAD) {
			st.tcp_dropped++;
			client_close(cl);
			return;
		}
		if (r == LSN_FRAME_MORE)
			break;
		cl->idle_deadline_ms = loop_now() + LSN_TCP_IDLE_MS;
		if (cl->out_len == 0)
			cl->progress_ms = loop_now();
		check_query(NULL, cl, &cl->peer, sizeof(cl->peer),
		    cl->in + off + 2, flen);
		/* an immediate failure may have closed the client */
		if (cl->state == CL_FREE || cl->gen != gen)
			return;
		off += 2 + flen;
	}
	memmove(cl->in, cl->in + off, cl->in_len - off);
	cl->in_len -= off;
}

static void
client_write(struct lsn_client *cl)
{
	ssize_t n;

	if (cl->out_len == 0)
		return;
	n = send(cl->fd, cl->out, cl->out_len, MSG_NOSIGNAL);
	if (n == -1) {
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			client_close(cl);
		return;
	}
	memmove(cl->out, cl->out + n, cl->out_len - (size_t)n);
	cl->out_len -= (size_t)n;
}

/* Write one framed message: straight to the socket when nothing waits,
 * the rest into the client's buffer; a client that does not read its
 * answers is closed rather than buffered without bound. */
static void
client_send(struct lsn_client *cl, const uint8_t *msg, size_t len)
{
	uint8_t pfx[2];
	struct iovec iov[2];
	struct msghdr mh;
	size_t done = 0, left;
	ssize_t n;

	pfx[0] = (uint8_t)(len >> 8);
	pfx[1] = (uint8_t)len;
	if (cl->out_len == 0) {
		memset(&mh, 0, sizeof(mh));
		iov[0].iov_base = pfx;
		iov[0].iov_len = 2;
		iov[1].iov_base = (void *)(uintptr_t)msg;
		iov[1].iov_len = len;
		mh.msg_iov = iov;
		mh.msg_iovlen = 2;
		n = sendmsg(cl->fd, &mh, MSG_NOSIGNAL);
		if (n == -1 && errno != EAGAIN && errno != EWOULDBLOCK &&
		    errno != EINTR) {
			client_close(cl);
			return;
		}
		done = n > 0 ? (size_t)n : 0;
	}
	left = 2 + len - done;
	if (left == 0)
		return;
	if (left > LSN_OUT_CAP - cl->out_len) {
		st.tcp_dropped++;
		log_debug("tcp client not reading its answers: closing");
		client_close(cl);
		return;
	}
	if (done < 2) {
		memcpy(cl->out + cl->out_len, pfx + done, 2 - done);
		cl->out_len += 2 - done;
		done = 2;
	}
	memcpy(cl->out + cl->out_len, msg + (done - 2), 2 + len - done);
	cl->out_len += 2 + len - done;
	client_events(cl);
}

static void
client_events(struct lsn_client *cl)
{
	short ev = 0;

	if (cl->state == CL_OPEN && cl->n_inflight < pipeline_max() &&
	    cl->out_len < LSN_OUT_CAP / 2)
		ev |= POLLIN;
	if (cl->out_len > 0)
		ev |= POLLOUT;
	/* done: the client hung up (or a reload drains) and got every
	 * answer; half a frame after EOF can never become a query */
	if ((cl->state == CL_EOF || draining) && cl->n_inflight == 0 &&
	    cl->out_len == 0 && !client_has_frame(cl)) {
		client_close(cl);
		return;
	}
	loop_set(cl->h, ev);
}

static void
client_close(struct lsn_client *cl)
{
	if (cl->state == CL_FREE)
		return;
	loop_del(cl->h);
	close(cl->fd);
	cl->fd = -1;
	client_set_state(cl, CL_FREE);
	cl->gen++;	/* answers still in flight for it are dropped */
	cl->n_inflight = 0;
	src_put(&cl->peer.sa, SRC_TCP);
	n_open_clients--;
	if (accept_paused_until > loop_now()) {
		accept_paused_until = 0;
		listeners_events();
	}
}

/* The only writer of cl->state: FREE -> OPEN -> (EOF ->) FREE. */
static void
client_set_state(struct lsn_client *cl, enum cl_state to)
{
	static const unsigned next[] = {
		[CL_FREE] = 1U << CL_OPEN,
		[CL_OPEN] = 1U << CL_EOF | 1U << CL_FREE,
		[CL_EOF] = 1U << CL_FREE,
	};

	BUG_ON(!(next[cl->state] & 1U << to));
	cl->state = to;
}

/* Find where a slot's reply goes; NULL client for UDP.  -1 if gone. */
static int
slot_client(struct qt_slot *q, struct lsn_client **clp)
{
	struct lsn_client *cl;

	*clp = NULL;
	if (q->origin == QT_UDP)
		return 0;
	cl = &clients[q->lsn];
	if (cl->state == CL_FREE || cl->gen != q->lsn_gen)
		return -1;
	cl->n_inflight--;
	/* an answer restarts the idle time too: the client asked for it */
	cl->idle_deadline_ms = loop_now() + LSN_TCP_IDLE_MS;
	if (cl->in_len >= 2)
		cl->resume = any_resume = 1;
	*clp = cl;
	return 0;
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
deliver(struct qt_slot *q, struct lsn_client *cl, const uint8_t *msg,
    size_t len)
{
	if (cl != NULL) {
		client_send(cl, msg, len);
		if (cl->state != CL_FREE)
			client_events(cl);
	} else
		udp_send(&socks[q->lsn], &q->peer, q->peer_len, msg, len);
}

/* SERVFAIL & co for a slot, from its stored question. */
static void
reply_error(int slot, struct lsn_client *cl, int rcode)
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
	deliver(q, cl, out, n);
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
	struct lsn_client *cl;
	struct dns_msg cm, m2;
	const uint8_t *qb;
	size_t n, kept;

	if (q->origin == QT_SRV) {
		foreign_answer(slot, msg, len, m);
		return;
	}
	if (slot_client(q, &cl) == 0) {
		/* the answer's OPT follows the client's query */
		qb = qt_query(qt, slot, &kept, &cm);
		n = dns_answer_for_client(msg, len, m, q->client_id, qb, &cm);
		if (n != 0 && cl == NULL && n > q->udp_size) {
			if (dns_parse_answer(msg, n, &m2) == DNS_OK)
				n = dns_truncate(msg, n, q->udp_size, &m2,
				    q->client_edns);
			else
				n = 0;
			st.truncated++;
		}
		if (n != 0) {
			st.answered++;
			deliver(q, cl, msg, n);
		} else
			reply_error(slot, cl, DNS_RC_SERVFAIL);
	} else
		st.abandoned++;
	slot_release(slot);
}

/* see listen.h */
void
lsn_fail(int slot, int rcode)
{
	struct qt_slot *q = &qt->slot[slot];
	struct lsn_client *cl;

	if (q->origin == QT_SRV) {
		foreign_fail(slot, rcode);
		return;
	}
	if (slot_client(q, &cl) == 0)
		reply_error(slot, cl, rcode);
	else
		st.abandoned++;
	slot_release(slot);
}

/* see listen.h */
uint64_t
lsn_next_deadline(void *arg)
{
	uint64_t next = UINT64_MAX;
	int i;

	(void)arg;
	if (any_resume)
		return 0;	/* held-back frames: lsn_after this round */
	if ((i = qt_oldest(qt)) != -1)
		next = qt->slot[i].deadline_ms;
	if (accept_paused_until != 0)
		next = MIN(next, accept_paused_until);
	for (i = 0; i < n_clients; i++)
		if (clients[i].state != CL_FREE && clients[i].n_inflight == 0)
			next = MIN(next, clients[i].idle_deadline_ms);
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
	for (i = 0; i < n_clients; i++)
		if (clients[i].state != CL_FREE &&
		    clients[i].n_inflight == 0 &&
		    clients[i].idle_deadline_ms <= now)
			client_close(&clients[i]);
}
