/* SPDX-License-Identifier: MIT */
/*
 * backend.c: the plain DNS backend of server mode (see backend.h).  One
 * connected UDP socket carries every query; an answer that is truncated
 * (TC, or longer than our buffer) sends its query again on the one TCP
 * connection, which is opened on demand, pipelined (answers may come in
 * any order) and closed after BE_TCP_IDLE_MS without work.  A slot whose
 * deadline passes is answered by its owner; a late answer then finds its
 * ID changed and is dropped.
 */
#include <sys/socket.h>

#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "backend.h"
#include "dns.h"
#include "log.h"
#include "loop.h"
#include "mem.h"

#define BE_UDP_BATCH	32	/* datagrams per wakeup, for fairness */
#define BE_RX_CAP	4096	/* we advertise 1232: longer is truncated */
#define BE_TX_CAP	8192	/* framed queries waiting for TCP */
#define BE_MSG_CAP	(2 + DNS_MSG_MAX)	/* one framed TCP answer */
#define BE_CONNECT_MS	2000
#define BE_TCP_IDLE_MS	5000	/* below BIND's tcp-idle-timeout (30 s) */
#define BE_LOG_MS	60000	/* the same trouble: a line a minute */

enum be_tcp_state { BT_CLOSED, BT_CONNECTING, BT_OPEN };

static void	udp_read(void *, short);
static void	match(uint8_t *, size_t, int, int);
static void	tcp_queue(int);
static void	tcp_open(void);
static void	tcp_io(void *, short);
static void	tcp_read(void);
static void	tcp_write(void);
static void	tcp_fail(const char *);
static void	tcp_close(void);
static void	tcp_events(void);
static int	tcp_busy(void);
static void	trouble(const char *, const char *);
static uint64_t	be_next(void *);
static void	be_tick(void *, uint64_t);

static struct addr	 be_addr;
static char		 be_name[ADDR_STR_CAP];
static struct qt	*qt;
static struct be_cbs	 cbs;
static int		 udp_fd = -1, udp_h = -1;
static uint8_t		*udp_rx;
static struct {
	enum be_tcp_state state;
	int		 fd, h;
	uint64_t	 deadline_ms;	/* connecting: give up; open: idle */
	size_t		 tx_len, rx_len;
	uint8_t		*tx;		/* BE_TX_CAP */
	uint8_t		*rx;		/* BE_MSG_CAP */
}			 tcp = { BT_CLOSED, -1, -1, 0, 0, 0, NULL, NULL };
static uint64_t		 log_next_ms;

/* see backend.h */
int
be_max_fds(void)
{
	return 2;
}

/* see backend.h */
void
be_init(const struct addr *a, struct qt *t, const struct be_cbs *cb)
{
	be_addr = *a;
	addr_str(a, be_name, sizeof(be_name));
	qt = t;
	cbs = *cb;
	udp_rx = mem_alloc(BE_RX_CAP);
	tcp.tx = mem_alloc(BE_TX_CAP);
	tcp.rx = mem_alloc(BE_MSG_CAP);
	udp_fd = socket(a->u.sa.sa_family,
	    SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (udp_fd == -1)
		fatal(EX_OS_, "backend %s: socket", be_name);
	/* connected: only the backend's datagrams come in, and a dead
	 * port shows as ECONNREFUSED */
	if (connect(udp_fd, &a->u.sa, a->len) == -1)
		fatal(EX_OS_, "backend %s: connect", be_name);
}

/* see backend.h */
void
be_start(void)
{
	udp_h = loop_add(udp_fd, udp_read, NULL);
	BUG_ON(udp_h == -1);
	loop_set(udp_h, POLLIN);
	loop_timer(be_next, be_tick, NULL);
}

/* One line per kind of trouble and minute; the rest at debug level. */
static void
trouble(const char *what, const char *why)
{
	if (loop_now() >= log_next_ms) {
		log_warnx("backend %s: %s: %s", be_name, what, why);
		log_next_ms = loop_now() + BE_LOG_MS;
	} else
		log_debug("backend %s: %s: %s", be_name, what, why);
}

/* see backend.h */
int
be_submit(int slot)
{
	struct qt_slot *s = &qt->slot[slot];
	uint8_t q[QT_Q_MAX];	/* no padding here (see server.c) */
	ssize_t n;
	int tries;

	BUG_ON(s->state != QT_WAIT || s->origin != QT_SRV);
	s->srv |= QT_SRV_BACKEND;
	s->srv &= (uint8_t)~QT_SRV_TCP;
	BUG_ON(s->qlen > sizeof(q));
	qt_query_copy(qt, slot, 0, q, s->qlen);
	/* a refusal may be the ICMP of an earlier datagram: try twice */
	for (tries = 0; tries < 2; tries++) {
		n = send(udp_fd, q, s->qlen, 0);
		if (n == (ssize_t)s->qlen) {
			qt_sent(qt, slot, loop_now());
			return 0;
		}
		if (n == -1 && errno != ECONNREFUSED && errno != EINTR)
			break;
	}
	trouble("send", n == -1 ? log_errstr(errno) : "short write");
	return -1;
}

static void
udp_read(void *arg, short revents)
{
	ssize_t n;
	int i;

	(void)arg;
	(void)revents;
	for (i = 0; i < BE_UDP_BATCH; i++) {
		/* MSG_TRUNC: the datagram's real length */
		n = recv(udp_fd, udp_rx, BE_RX_CAP, MSG_TRUNC);
		if (n == -1) {
			if (errno == ECONNREFUSED)
				trouble("udp", "connection refused (is it "
				    "running?)");
			else if (errno != EAGAIN && errno != EWOULDBLOCK &&
			    errno != EINTR)
				trouble("udp", log_errstr(errno));
			return;
		}
		match(udp_rx, MIN((size_t)n, BE_RX_CAP), n > BE_RX_CAP, 0);
	}
}

/*
 * An answer from the backend: its slot must be live, sent there (over
 * TCP when it came over TCP) and ask the same question.  A truncated
 * UDP answer sends the query again over TCP.
 */
static void
match(uint8_t *msg, size_t len, int cut, int from_tcp)
{
	struct qt_slot *s;
	struct dns_msg m, qm;
	const uint8_t *q;
	size_t kept;
	int i;

	if (len < DNS_HDR_LEN || (i = qt_lookup(qt, dns_get16(msg))) == -1)
		return;
	s = &qt->slot[i];
	if (s->origin != QT_SRV || s->state != QT_SENT ||
	    !(s->srv & QT_SRV_BACKEND) || !(s->srv & QT_SRV_TCP) != !from_tcp)
		return;
	if (cut) {
		tcp_queue(i);
		return;
	}
	q = qt_query(qt, i, &kept, &qm);
	if (dns_parse_answer(msg, len, &m) != DNS_OK ||
	    !(m.flags & DNS_F_QR) || m.qdcount != 1 ||
	    !dns_same_question(msg, &m, q, &qm)) {
		log_debug("backend %s: answer %u does not match its query",
		    be_name, (unsigned)dns_get16(msg));
		return;
	}
	if ((m.flags & DNS_F_TC) && !from_tcp) {
		tcp_queue(i);
		return;
	}
	cbs.answer(i, msg, len, &m);
}

/* The query again, framed, for the TCP connection. */
static void
tcp_queue(int slot)
{
	struct qt_slot *s = &qt->slot[slot];

	if (2 + (size_t)s->qlen > BE_TX_CAP - tcp.tx_len) {
		trouble("tcp", "too many queries waiting");
		cbs.fail(slot, DNS_RC_SERVFAIL);
		return;
	}
	dns_put16(tcp.tx + tcp.tx_len, s->qlen);
	qt_query_copy(qt, slot, 0, tcp.tx + tcp.tx_len + 2, s->qlen);
	tcp.tx_len += 2 + (size_t)s->qlen;
	s->srv |= QT_SRV_TCP;
	if (tcp.state == BT_CLOSED)
		tcp_open();
	else
		tcp_events();
}

static void
tcp_open(void)
{
	int fd, on = 1;

	fd = socket(be_addr.u.sa.sa_family,
	    SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1) {
		tcp_fail(log_errstr(errno));
		return;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
	if (connect(fd, &be_addr.u.sa, be_addr.len) == -1 &&
	    errno != EINPROGRESS) {
		close(fd);
		tcp_fail(log_errstr(errno));
		return;
	}
	if ((tcp.h = loop_add(fd, tcp_io, NULL)) == -1) {
		close(fd);
		tcp_fail("no loop slot");
		return;
	}
	tcp.fd = fd;
	tcp.state = BT_CONNECTING;
	tcp.rx_len = 0;
	tcp.deadline_ms = loop_now() + BE_CONNECT_MS;
	tcp_events();
}

static void
tcp_io(void *arg, short revents)
{
	socklen_t len = sizeof(int);
	int err = 0;

	(void)arg;
	if (tcp.state == BT_CONNECTING) {
		if (getsockopt(tcp.fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1)
			err = errno;
		if (err != 0 || (revents & (POLLERR | POLLHUP))) {
			tcp_fail(log_errstr(err != 0 ? err : ECONNREFUSED));
			return;
		}
		if (!(revents & POLLOUT))
			return;
		tcp.state = BT_OPEN;
		tcp.deadline_ms = loop_now() + BE_TCP_IDLE_MS;
	}
	if (revents & POLLOUT)
		tcp_write();
	if (tcp.state == BT_OPEN && (revents & (POLLIN | POLLHUP | POLLERR)))
		tcp_read();
	tcp_events();
}

static void
tcp_write(void)
{
	ssize_t n;

	if (tcp.tx_len == 0)
		return;
	n = send(tcp.fd, tcp.tx, tcp.tx_len, MSG_NOSIGNAL);
	if (n == -1) {
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			tcp_fail(log_errstr(errno));
		return;
	}
	memmove(tcp.tx, tcp.tx + n, tcp.tx_len - (size_t)n);
	tcp.tx_len -= (size_t)n;
	tcp.deadline_ms = loop_now() + BE_TCP_IDLE_MS;
}

/* Whole answers out of the stream, in whatever order they come. */
static void
tcp_read(void)
{
	size_t flen, off;
	ssize_t n;

	n = recv(tcp.fd, tcp.rx + tcp.rx_len, BE_MSG_CAP - tcp.rx_len, 0);
	if (n == 0) {
		tcp_fail("closed by the backend");
		return;
	}
	if (n == -1) {
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			tcp_fail(log_errstr(errno));
		return;
	}
	tcp.rx_len += (size_t)n;
	tcp.deadline_ms = loop_now() + BE_TCP_IDLE_MS;
	for (off = 0; tcp.rx_len - off >= 2; off += 2 + flen) {
		flen = dns_get16(tcp.rx + off);
		if (flen == 0) {
			tcp_fail("zero-length message");
			return;
		}
		if (tcp.rx_len - off < 2 + flen)
			break;
		match(tcp.rx + off + 2, flen, 0, 1);
		if (tcp.state != BT_OPEN)
			return;
	}
	memmove(tcp.rx, tcp.rx + off, tcp.rx_len - off);
	tcp.rx_len -= off;
}

/* 1 while a live slot waits for a TCP answer. */
static int
tcp_busy(void)
{
	int i;

	for (i = 0; i < qt->n; i++)
		if (qt->slot[i].state != QT_FREE &&
		    qt->slot[i].origin == QT_SRV &&
		    (qt->slot[i].srv & QT_SRV_TCP))
			return 1;
	return 0;
}

static void
tcp_close(void)
{
	if (tcp.fd != -1) {
		loop_del(tcp.h);
		close(tcp.fd);
	}
	tcp.fd = tcp.h = -1;
	tcp.state = BT_CLOSED;
	tcp.tx_len = tcp.rx_len = 0;
}

/* The connection is gone: what waited on it gets SERVFAIL now. */
static void
tcp_fail(const char *why)
{
	struct qt_slot *s;
	int i;

	if (tcp_busy() || tcp.tx_len > 0)
		trouble("tcp", why);
	else
		log_debug("backend %s: tcp: %s", be_name, why);
	tcp_close();
	for (i = 0; i < qt->n; i++) {
		s = &qt->slot[i];
		if (s->state != QT_FREE && s->origin == QT_SRV &&
		    (s->srv & QT_SRV_TCP))
			cbs.fail(i, DNS_RC_SERVFAIL);
	}
}

static void
tcp_events(void)
{
	if (tcp.fd == -1)
		return;
	loop_set(tcp.h, tcp.state == BT_CONNECTING ? POLLOUT :
	    (short)(POLLIN | (tcp.tx_len > 0 ? POLLOUT : 0)));
}

static uint64_t
be_next(void *arg)
{
	(void)arg;
	return tcp.state == BT_CLOSED ? UINT64_MAX : tcp.deadline_ms;
}

static void
be_tick(void *arg, uint64_t now)
{
	(void)arg;
	if (tcp.state == BT_CLOSED || tcp.deadline_ms > now)
		return;
	if (tcp.state == BT_CONNECTING)
		tcp_fail("connect timeout");
	else if (tcp_busy() || tcp.tx_len > 0)
		tcp.deadline_ms = now + BE_TCP_IDLE_MS;
	else {
		log_debug("backend %s: tcp idle, closing", be_name);
		tcp_close();
	}
}
