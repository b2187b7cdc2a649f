/* SPDX-License-Identifier: MIT */
/*
 * lsnconn.c: the LAN side's TCP clients, a fixed pool.  Each client reads
 * 2-byte frames into its own buffer and hands whole ones to listen.c's
 * policy, at most LC_PIPELINE_MAX in flight (the rest waits, read again
 * by the after-hook as answers come); answers go straight to the socket,
 * or into an output buffer while the client does not read.  A full pool
 * gives up the idle client of its heaviest source for a newcomer.
 * Explicit state machine: FREE, OPEN, EOF.
 */
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "dns.h"
#include "log.h"
#include "loop.h"
#include "lsnconn.h"
#include "mem.h"
#include "source.h"
#include "stats.h"

#define LC_TCP_IDLE_MS	10000	/* RFC 7766 6.2.3: close idle clients;
				 * only a whole frame restarts it */
#define LC_PIPELINE_MAX	32	/* queries one TCP client may have out
				 * (and no more than source_inflight) */
#define LC_OUT_CAP	16384	/* unsent answers per client; beyond it
				 * the client is not reading: close it */

/*
 * A TCP client slot.  accept: FREE -> OPEN; the client shuts down its
 * side (EOF): OPEN -> EOF, answered what it asked, then closed; closed
 * by either side: OPEN or EOF -> FREE.  Only client_set_state() writes
 * the state.
 */
enum cl_state { CL_FREE, CL_OPEN, CL_EOF };

struct lc_client {
	enum cl_state	 state;
	int		 fd;		/* while not FREE */
	int		 h;
	uint32_t	 gen;
	int		 resume;	/* frames wait in 'in': parse them */
	int		 n_inflight;
	union addr_sa	 peer;		/* holds a SRC_TCP reference */
	uint64_t	 idle_deadline_ms;	/* last whole frame or answer
						 * + LC_TCP_IDLE_MS */
	uint64_t	 progress_ms;	/* accept, or a whole frame while
					 * it had no answer unread */
	size_t		 in_len;
	size_t		 out_len;
	uint8_t		 in[2 + DNS_QUERY_MAX];
	uint8_t		*out;		/* LC_OUT_CAP */
};

static void	lc_after(void *);
static void	client_io(void *, short);
static void	client_read(struct lc_client *);
static void	client_parse(struct lc_client *);
static void	client_write(struct lc_client *);
static void	client_send(struct lc_client *, const uint8_t *, size_t);
static void	client_events(struct lc_client *);
static void	client_close(struct lc_client *);
static void	client_set_state(struct lc_client *, enum cl_state);
static int	client_has_frame(const struct lc_client *);
static struct lc_client *client_evictable(void);
static int	client_unread_query(const struct lc_client *);
static int	pipeline_max(void);

static const struct conf *cf;
static struct lc_ops	 ops;
static struct lc_client *clients;
static uint8_t		*client_out;	/* LC_OUT_CAP per client */
static int		 n_clients;
static int		 n_open_clients;
static int		 any_resume;
static int		 draining;	/* a reload's forked copy */

/* see lsnconn.h */
void
lc_init(const struct conf *c, const struct lc_ops *o)
{
	cf = c;
	ops = *o;
	n_clients = (int)c->max_tcp_clients;
	/* zeroed: every client CL_FREE; nothing is written before one
	 * comes, so the slots and buffers never used stay out of RSS */
	clients = mem_alloc(sizeof(*clients) * (size_t)n_clients);
	client_out = mem_alloc(LC_OUT_CAP * (size_t)n_clients);
}

/* see lsnconn.h */
void
lc_start(void)
{
	loop_after(lc_after, NULL);
}

/* Frames held back while a client had LC_PIPELINE_MAX queries out. */
static void
lc_after(void *arg)
{
	struct lc_client *cl;
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

/* see lsnconn.h */
int
lc_is_full(void)
{
	return n_open_clients == n_clients && client_evictable() == NULL;
}

/* see lsnconn.h */
int
lc_open(int fd, const union addr_sa *peer)
{
	struct lc_client *cl, *victim;
	int i, on = 1;

	if (n_open_clients == n_clients) {
		/* idle (or never finishing a frame): its turn is over */
		if ((victim = client_evictable()) == NULL)
			return -1;
		st.tcp_evicted++;
		client_close(victim);
	}
	for (i = 0; i < n_clients; i++)
		if (clients[i].state == CL_FREE)
			break;
	BUG_ON(i == n_clients);
	cl = &clients[i];
	cl->out = client_out + (size_t)i * LC_OUT_CAP;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
	cl->h = loop_add(fd, client_io, cl);
	BUG_ON(cl->h == -1);
	cl->fd = fd;
	client_set_state(cl, CL_OPEN);
	cl->resume = 0;
	cl->n_inflight = 0;
	cl->in_len = 0;
	cl->out_len = 0;
	cl->peer = *peer;
	cl->idle_deadline_ms = loop_now() + LC_TCP_IDLE_MS;
	cl->progress_ms = loop_now();
	n_open_clients++;
	st.tcp_accepted++;
	client_events(cl);
	return 0;
}

/*
 * The client a full pool gives up for a newcomer: one we owe nothing
 * (no query in flight), from the source that holds the most TCP
 * connections (the heavy user pays first), and of those the one longest
 * without progress: a connection trickling bytes that never make a
 * frame, or one that stopped reading its answers, makes none.  Not one
 * whose unread bytes complete a query (a newcomer's first queries wait in
 * its socket until the next poll round: closing it then would reset the
 * connection and throw them away); a trickler's byte that came in this
 * round does not protect it.  NULL when every client has queries out or
 * waiting.
 */
static struct lc_client *
client_evictable(void)
{
	struct lc_client *cl, *best = NULL;
	uint32_t n, best_n = 0;
	int i;

	for (i = 0; i < n_clients; i++) {
		cl = &clients[i];
		if (cl->state == CL_FREE || cl->n_inflight > 0 ||
		    client_unread_query(cl))
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

/* 1 when the bytes waiting in cl's socket finish a query frame. */
static int
client_unread_query(const struct lc_client *cl)
{
	uint8_t hdr[2];
	size_t have = MIN(cl->in_len, 2), flen;
	int unread;

	/* raw: musl's ioctl() carries time64 conversions */
	if (syscall(SYS_ioctl, cl->fd, FIONREAD, &unread) != 0 || unread <= 0)
		return 0;
	memcpy(hdr, cl->in, have);
	if (have < 2 && recv(cl->fd, hdr + have, 2 - have,
	    MSG_PEEK | MSG_DONTWAIT) != (ssize_t)(2 - have))
		return 0;
	/* MORE: a length client_parse takes (hdr holds no body) */
	return lc_frame(hdr, 2, &flen) == LC_FRAME_MORE &&
	    cl->in_len + (size_t)unread >= 2 + flen;
}

static void
client_io(void *arg, short revents)
{
	struct lc_client *cl = arg;

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
client_read(struct lc_client *cl)
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

/* see lsnconn.h */
int
lc_frame(const uint8_t *buf, size_t len, size_t *flen)
{
	if (len < 2)
		return LC_FRAME_MORE;
	*flen = (size_t)buf[0] << 8 | buf[1];
	/* no query is this long: the stream is not DNS */
	if (*flen == 0 || *flen > DNS_QUERY_MAX)
		return LC_FRAME_BAD;
	return len - 2 >= *flen ? LC_FRAME_OK : LC_FRAME_MORE;
}

/* 1 when a whole frame waits in the buffer (or a bad one: that too will
 * be dealt with by client_parse). */
static int
client_has_frame(const struct lc_client *cl)
{
	size_t flen;

	return lc_frame(cl->in, cl->in_len, &flen) != LC_FRAME_MORE;
}

/* Queries one TCP connection may have out. */
static int
pipeline_max(void)
{
	return (int)MIN(LC_PIPELINE_MAX, cf->source_inflight);
}

/* Queries out of the buffered frames, while the client may have more in
 * flight; the rest waits for answers (lc_after picks it up). */
static void
client_parse(struct lc_client *cl)
{
	uint32_t gen = cl->gen;
	size_t flen, off = 0;
	int r;

	cl->resume = 0;
	while (cl->n_inflight < pipeline_max()) {
		r = lc_frame(cl->in + off, cl->in_len - off, &flen);
		if (r == LC_FRAME_BAD) {
			st.tcp_dropped++;
			client_close(cl);
			return;
		}
		if (r == LC_FRAME_MORE)
			break;
		cl->idle_deadline_ms = loop_now() + LC_TCP_IDLE_MS;
		if (cl->out_len == 0)
			cl->progress_ms = loop_now();
		ops.query((int)(cl - clients), &cl->peer, cl->in + off + 2,
		    flen);
		/* an immediate failure may have closed the client */
		if (cl->state == CL_FREE || cl->gen != gen)
			return;
		off += 2 + flen;
	}
	memmove(cl->in, cl->in + off, cl->in_len - off);
	cl->in_len -= off;
}

static void
client_write(struct lc_client *cl)
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
client_send(struct lc_client *cl, const uint8_t *msg, size_t len)
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
	if (left > LC_OUT_CAP - cl->out_len) {
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
client_events(struct lc_client *cl)
{
	short ev = 0;

	if (cl->state == CL_OPEN && cl->n_inflight < pipeline_max() &&
	    cl->out_len < LC_OUT_CAP / 2)
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
client_close(struct lc_client *cl)
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
	ops.closed();
}

/* The only writer of cl->state: FREE -> OPEN -> (EOF ->) FREE. */
static void
client_set_state(struct lc_client *cl, enum cl_state to)
{
	static const unsigned next[] = {
		[CL_FREE] = 1U << CL_OPEN,
		[CL_OPEN] = 1U << CL_EOF | 1U << CL_FREE,
		[CL_EOF] = 1U << CL_FREE,
	};

	BUG_ON(!(next[cl->state] & 1U << to));
	cl->state = to;
}

/* see lsnconn.h */
int
lc_n_open(void)
{
	return n_open_clients;
}

/* see lsnconn.h */
void
lc_drain(void)
{
	int i;

	draining = 1;
	for (i = 0; i < n_clients; i++)
		if (clients[i].state != CL_FREE)
			client_events(&clients[i]);
}

/* see lsnconn.h */
uint32_t
lc_hold(int i)
{
	clients[i].n_inflight++;
	return clients[i].gen;
}

/* see lsnconn.h */
int
lc_answered(int i, uint32_t gen)
{
	struct lc_client *cl = &clients[i];

	if (cl->state == CL_FREE || cl->gen != gen)
		return -1;
	cl->n_inflight--;
	/* an answer restarts the idle time too: the client asked for it */
	cl->idle_deadline_ms = loop_now() + LC_TCP_IDLE_MS;
	if (cl->in_len >= 2)
		cl->resume = any_resume = 1;
	return 0;
}

/* see lsnconn.h */
void
lc_send(int i, const uint8_t *msg, size_t len)
{
	struct lc_client *cl = &clients[i];

	client_send(cl, msg, len);
	if (cl->state != CL_FREE)
		client_events(cl);
}

/* see lsnconn.h */
uint64_t
lc_next_deadline(void)
{
	uint64_t next = UINT64_MAX;
	int i;

	if (any_resume)
		return 0;	/* held-back frames: lc_after this round */
	for (i = 0; i < n_clients; i++)
		if (clients[i].state != CL_FREE && clients[i].n_inflight == 0)
			next = MIN(next, clients[i].idle_deadline_ms);
	return next;
}

/* see lsnconn.h */
void
lc_expire(uint64_t now)
{
	int i;

	for (i = 0; i < n_clients; i++)
		if (clients[i].state != CL_FREE &&
		    clients[i].n_inflight == 0 &&
		    clients[i].idle_deadline_ms <= now)
			client_close(&clients[i]);
}
