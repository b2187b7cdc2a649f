/* SPDX-License-Identifier: MIT */
/*
 * t_inherit.c: unit tests for inherit.c, the reload hand-over: the
 * variable written by inh_format() read back by inh_init(); sockets
 * matched by exact address and type only; numbers that are not sockets
 * ignored; leftovers closed (all but AF_UNIX first).  Sockets bind to
 * 127.0.0.1 only.  `./t_inherit NAME` runs one case.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "inherit.h"
#include "t.h"

/* A socket of 'type' bound to 127.0.0.1 on a kernel-chosen port. */
static int
bound(int type, struct sockaddr_in *sin)
{
	socklen_t len = sizeof(*sin);
	int fd;

	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fd = socket(AF_INET, type, 0)) == -1 ||
	    bind(fd, (struct sockaddr *)sin, sizeof(*sin)) == -1 ||
	    getsockname(fd, (struct sockaddr *)sin, &len) == -1)
		return -1;
	return fd;
}

static int
is_open(int fd)
{
	return fcntl(fd, F_GETFD) != -1;
}

static int
t_round_trip(void)
{
	char var[INH_VAR_CAP];
	struct sockaddr_in a, b, other;
	uint64_t start = 0;
	int fds[3], fa, fb, synced = 0, devnull;

	fa = bound(SOCK_DGRAM, &a);
	fb = bound(SOCK_STREAM, &b);
	T_ASSERT(fa != -1 && fb != -1);
	devnull = open("/dev/null", O_RDONLY);	/* not a socket */
	T_ASSERT(devnull > 2);
	fds[0] = fa;
	fds[1] = devnull;
	fds[2] = fb;
	inh_format(var, sizeof(var), 123456789012ULL, 1, fds, 3);
	T_ASSERT(strncmp(var, INH_ENV "=123456789012 1 ", strlen(INH_ENV) +
	    16) == 0);
	T_ASSERT(putenv(var) == 0);
	T_EQ_INT(inh_init(&start, &synced), 1);
	T_ASSERT(start == 123456789012ULL);
	T_EQ_INT(synced, 1);
	T_ASSERT(getenv(INH_ENV) == NULL);
	/* handed-over sockets are close-on-exec again */
	T_ASSERT(fcntl(fa, F_GETFD) & FD_CLOEXEC);
	/* wrong type, wrong port: not taken */
	T_EQ_INT(inh_take((struct sockaddr *)&a, sizeof(a), SOCK_STREAM), -1);
	other = a;
	other.sin_port = htons((uint16_t)(ntohs(a.sin_port) ^ 1));
	T_EQ_INT(inh_take((struct sockaddr *)&other, sizeof(other),
	    SOCK_DGRAM), -1);
	/* exact match: taken once */
	T_EQ_INT(inh_take((struct sockaddr *)&a, sizeof(a), SOCK_DGRAM), fa);
	T_EQ_INT(inh_take((struct sockaddr *)&a, sizeof(a), SOCK_DGRAM), -1);
	/* the number that is no socket was never adopted: not closed */
	inh_drop_unused(1);
	T_ASSERT(is_open(devnull));
	T_ASSERT(is_open(fa));
	T_ASSERT(!is_open(fb));	/* not taken: closed */
	close(fa);
	close(devnull);
	return 0;
}

static int
t_unix_kept_first(void)
{
	char var[INH_VAR_CAP];
	struct sockaddr_un sun;
	struct sockaddr_in a;
	uint64_t start = 7;
	socklen_t len;
	int fds[2], fu, fa, synced = 1;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path + 1, "t_inherit", 9);	/* abstract */
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 10);
	fu = socket(AF_UNIX, SOCK_STREAM, 0);
	T_ASSERT(fu != -1 && bind(fu, (struct sockaddr *)&sun, len) == 0);
	fa = bound(SOCK_DGRAM, &a);
	T_ASSERT(fa != -1);
	fds[0] = fu;
	fds[1] = fa;
	inh_format(var, sizeof(var), 42, 0, fds, 2);
	T_ASSERT(putenv(var) == 0);
	T_EQ_INT(inh_init(&start, &synced), 1);
	T_ASSERT(start == 42);
	T_EQ_INT(synced, 0);
	inh_drop_unused(0);	/* listen.c: addresses no longer listed */
	T_ASSERT(!is_open(fa));
	T_ASSERT(is_open(fu));
	T_EQ_INT(inh_take((struct sockaddr *)&sun, len, SOCK_STREAM), fu);
	close(fu);
	return 0;
}

static int
t_absent_or_garbage(void)
{
	uint64_t start = 5;
	int synced = 3;

	unsetenv(INH_ENV);
	T_EQ_INT(inh_init(&start, &synced), 0);
	T_ASSERT(start == 5);
	T_EQ_INT(synced, 3);
	/* unreadable from "x" on: what came before stands, nothing after */
	T_ASSERT(setenv(INH_ENV, "9 1 x 1", 1) == 0);
	T_EQ_INT(inh_init(&start, &synced), 1);
	T_ASSERT(start == 9);
	T_EQ_INT(synced, 1);
	T_EQ_INT(inh_take((struct sockaddr *)&(struct sockaddr_in){
	    .sin_family = AF_INET }, sizeof(struct sockaddr_in), SOCK_DGRAM),
	    -1);
	return 0;
}

static const struct t_case cases[] = {
	{ "round_trip",		t_round_trip },
	{ "unix_kept_first",	t_unix_kept_first },
	{ "absent_or_garbage",	t_absent_or_garbage },
};

T_MAIN("inherit", cases)
