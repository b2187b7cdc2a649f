/* SPDX-License-Identifier: MIT */
/*
 * t_lsnconn.c: unit tests for lsnconn.c's choice of the TCP client a
 * full pool gives up for a newcomer, over socketpairs standing in for
 * accepted connections (nothing polls them: what a client sent stays
 * unread in its socket, as within one poll round).  A client whose
 * unread bytes are only part of a frame (a trickler) is given up; one
 * whose unread bytes finish a query is not, and when every client is
 * like that the pool is full.  Each case runs in a child process of its
 * own, with a fresh pool.  `./t_lsnconn NAME` runs one case.
 */
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "compat.h"
#include "conf.h"
#include "loop.h"
#include "lsnconn.h"
#include "source.h"
#include "t.h"

#define POOL	4

static struct conf	 c;
static int		 peer_fd[POOL];	/* our side of each client */
static union addr_sa	 peer_addr[POOL];
static int		 n_queries;

static void
on_query(int cl, const union addr_sa *peer, const uint8_t *msg, size_t len)
{
	(void)cl;
	(void)peer;
	(void)msg;
	(void)len;
	n_queries++;
}

static void
on_closed(void)
{
}

/* client i from 127.0.0.(i+1), opened on a fresh socketpair */
static int
open_client(int i)
{
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1)
		return -1;
	memset(&peer_addr[i], 0, sizeof(peer_addr[i]));
	peer_addr[i].sin.sin_family = AF_INET;
	peer_addr[i].sin.sin_addr.s_addr = htonl(0x7f000001u + (uint32_t)i);
	if (src_hold(&peer_addr[i].sa, SRC_TCP, 100) == -1 ||
	    lc_open(sv[1], &peer_addr[i]) == -1)
		return -1;
	peer_fd[i] = sv[0];
	return 0;
}

/* 1 when the daemon's side of client i was closed */
static int
was_closed(int i)
{
	char b[64];
	ssize_t n = recv(peer_fd[i], b, sizeof(b), MSG_DONTWAIT);

	return n == 0 || (n == -1 && errno == ECONNRESET);
}

/* a 2-byte length of 32 and one byte: a frame that does not finish */
static const uint8_t trickle[] = { 0x00, 0x20, 'x' };
/* a whole 12-byte query frame (the header is all lc_frame looks at) */
static const uint8_t query[] = { 0x00, 0x0c, 0x12, 0x34, 0x01, 0x00, 0x00,
    0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00 };

static int
fill(const uint8_t *const what[POOL], const size_t len[POOL])
{
	int i;

	for (i = 0; i < POOL; i++) {
		if (open_client(i) == -1)
			T_FAIL("client %d not opened", i);
		if (write(peer_fd[i], what[i], len[i]) != (ssize_t)len[i])
			T_FAIL("client %d: write", i);
	}
	return 0;
}

/* fn in a child with a fresh pool: its result */
static int
in_child(int (*fn)(void))
{
	static const struct lc_ops ops = { on_query, on_closed };
	pid_t pid;
	int st;

	fflush(stdout);
	if ((pid = fork()) == -1)
		T_FAIL("fork");
	if (pid == 0) {
		c.max_tcp_clients = POOL;
		c.source_inflight = 8;
		loop_init(64);
		src_init(64);
		lc_init(&c, &ops);
		st = fn();
		fflush(stdout);
		_exit(st == 0 ? 0 : 1);
	}
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		T_FAIL("the case's child did not exit");
	return WEXITSTATUS(st) == 0 ? 0 : -1;
}

/* every client has a trickled byte unread: one is given up all the same */
static int
run_tricklers(void)
{
	const uint8_t *w[POOL] = { trickle, trickle, trickle, trickle };
	const size_t l[POOL] = { 3, 3, 3, 3 };
	int i, closed = 0, sv[2];

	if (fill(w, l) != 0)
		return -1;
	T_EQ_INT(lc_is_full(), 0);
	T_ASSERT(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	T_EQ_INT(lc_open(sv[1], &peer_addr[0]), 0);
	for (i = 0; i < POOL; i++)
		closed += was_closed(i);
	T_EQ_INT(closed, 1);
	close(sv[0]);
	return 0;
}

/* a client whose unread bytes finish a query is kept; a trickler goes */
static int
run_query_kept(void)
{
	const uint8_t *w[POOL] = { query, query, trickle, query };
	const size_t l[POOL] = { sizeof(query), sizeof(query), 3,
	    sizeof(query) };
	int sv[2];

	if (fill(w, l) != 0)
		return -1;
	T_EQ_INT(lc_is_full(), 0);
	T_ASSERT(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	T_EQ_INT(lc_open(sv[1], &peer_addr[0]), 0);
	T_EQ_INT(was_closed(0), 0);
	T_EQ_INT(was_closed(1), 0);
	T_EQ_INT(was_closed(2), 1);
	T_EQ_INT(was_closed(3), 0);
	close(sv[0]);
	return 0;
}

/* queries waiting in every client: the pool is full, the newcomer refused */
static int
run_all_queries(void)
{
	const uint8_t *w[POOL] = { query, query, query, query };
	const size_t l[POOL] = { sizeof(query), sizeof(query), sizeof(query),
	    sizeof(query) };
	int i, sv[2];

	if (fill(w, l) != 0)
		return -1;
	T_EQ_INT(lc_is_full(), 1);
	T_ASSERT(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	T_EQ_INT(lc_open(sv[1], &peer_addr[0]), -1);
	for (i = 0; i < POOL; i++)
		T_EQ_INT(was_closed(i), 0);
	close(sv[0]);
	close(sv[1]);
	T_EQ_INT(n_queries, 0);		/* nothing was read */
	return 0;
}

static int
t_tricklers(void)
{
	return in_child(run_tricklers);
}

static int
t_query_kept(void)
{
	return in_child(run_query_kept);
}

static int
t_all_queries(void)
{
	return in_child(run_all_queries);
}

static const struct t_case cases[] = {
	{ "tricklers",		t_tricklers },
	{ "query_kept",		t_query_kept },
	{ "all_queries",	t_all_queries },
};

int
main(int argc, char **argv)
{
	return t_main(argc, argv, "lsnconn", cases, nitems(cases));
}
