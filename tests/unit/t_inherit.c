/* SPDX-License-Identifier: MIT */
/*
 * t_inherit.c: unit tests for inherit.c, the reload hand-over: the
 * variable written by inh_format() read back by inh_init(); sockets
 * matched by exact address and type only; numbers that are not sockets
 * ignored; leftovers closed (all but AF_UNIX first); the state and
 * drain fds adopted only when they are regular files; the blob read
 * back record by record, and refused whole when a byte, the length, the
 * count, the magic or a record's bounds are wrong.  Sockets bind to
 * 127.0.0.1 only.  `./t_inherit NAME` runs one case.
 */
#include <sys/socket.h>
#include <sys/stat.h>
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
	inh_format(var, sizeof(var), 123456789012ULL, 1, -1, NULL, 0, fds, 3);
	T_ASSERT(strncmp(var, INH_ENV "=123456789012 1 ", strlen(INH_ENV) +
	    16) == 0);
	T_ASSERT(putenv(var) == 0);
	T_EQ_INT(inh_init(&start, &synced), 1);
	T_ASSERT(start == 123456789012ULL);
	T_EQ_INT(synced, 1);
	/* every exec leaves the variable out (reload.c's exec_env) */
	T_ASSERT(inh_env_value(var) == var + strlen(INH_ENV) + 1);
	T_ASSERT(inh_env_value(INH_ENV "X=1") == NULL);
	T_ASSERT(inh_env_value("DOTFWD_RELOA=1") == NULL);
	T_ASSERT(inh_env_value(INH_ENV) == NULL);
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
	inh_format(var, sizeof(var), 42, 0, -1, NULL, 0, fds, 2);
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

/* records seen by collect() */
struct seen {
	int		 n;
	int		 type[8];
	size_t		 len[8];
	char		 text[8][32];
};

static void
collect(void *arg, int type, const void *p, size_t len)
{
	struct seen *s = arg;

	if (s->n < 8) {
		s->type[s->n] = type;
		s->len[s->n] = len;
		memcpy(s->text[s->n], p, MIN(len, sizeof(s->text[0]) - 1));
		s->text[s->n][MIN(len, sizeof(s->text[0]) - 1)] = '\0';
	}
	s->n++;
}

/* A blob of three records in a new memfd. */
static int
blob3(void)
{
	struct inh_wr w;
	int fd;

	if ((fd = inh_memfd()) == -1)
		return -1;
	inh_wr_begin(&w, fd);
	inh_wr_rec(&w, INH_R_TOTALS, "totals", 6);
	inh_wr_rec(&w, INH_R_ADDR, "", 0);
	inh_wr_rec(&w, INH_R_SAMPLE, "sample-16-bytes!", 16);
	return inh_wr_end(&w) == 0 ? fd : -1;
}

static int
t_blob_round_trip(void)
{
	struct seen s;
	const char *why;
	int fd;

	memset(&s, 0, sizeof(s));
	T_ASSERT((fd = blob3()) != -1);
	T_EQ_INT(inh_read(fd, collect, &s, &why), 3);
	T_EQ_INT(s.n, 3);
	T_EQ_INT(s.type[0], INH_R_TOTALS);
	T_EQ_INT(s.len[0], 6);
	T_EQ_STR(s.text[0], "totals");
	T_EQ_INT(s.type[1], INH_R_ADDR);
	T_EQ_INT(s.len[1], 0);
	T_EQ_INT(s.type[2], INH_R_SAMPLE);
	T_EQ_STR(s.text[2], "sample-16-bytes!");
	/* written again: the old content is gone */
	{
		struct inh_wr w;

		inh_wr_begin(&w, fd);
		inh_wr_rec(&w, INH_R_RING, "r", 1);
		T_EQ_INT(inh_wr_end(&w), 0);
	}
	memset(&s, 0, sizeof(s));
	T_EQ_INT(inh_read(fd, collect, &s, &why), 1);
	T_EQ_STR(s.text[0], "r");
	close(fd);
	return 0;
}

/* Each damage: the whole blob refused, no record delivered. */
static int
t_blob_garbage(void)
{
	struct seen s;
	struct stat sb;
	const char *why;
	uint8_t b;
	off_t size, off;
	int fd, flips = 0;

	T_ASSERT((fd = blob3()) != -1);
	T_ASSERT(fstat(fd, &sb) == 0);
	size = sb.st_size;
	/* any single byte changed, anywhere */
	for (off = 0; off < size; off++) {
		T_ASSERT(pread(fd, &b, 1, off) == 1);
		b ^= 0x40;
		T_ASSERT(pwrite(fd, &b, 1, off) == 1);
		memset(&s, 0, sizeof(s));
		if (inh_read(fd, collect, &s, &why) != -1 || s.n != 0)
			T_FAIL("byte %lld changed: not refused",
			    (long long)off);
		flips++;
		b ^= 0x40;
		T_ASSERT(pwrite(fd, &b, 1, off) == 1);
	}
	T_ASSERT(flips > 32);
	memset(&s, 0, sizeof(s));
	T_EQ_INT(inh_read(fd, collect, &s, &why), 3);
	/* cut short, or longer than it says */
	T_ASSERT(ftruncate(fd, size - 8) == 0);
	T_EQ_INT(inh_read(fd, collect, &s, &why), -1);
	T_EQ_STR(why, "truncated");
	T_ASSERT(ftruncate(fd, size + 8) == 0);
	T_EQ_INT(inh_read(fd, collect, &s, &why), -1);
	/* empty, and far too big */
	T_ASSERT(ftruncate(fd, 0) == 0);
	T_EQ_INT(inh_read(fd, collect, &s, &why), -1);
	T_ASSERT(ftruncate(fd, INH_BLOB_MAX + 1) == 0);
	T_EQ_INT(inh_read(fd, collect, &s, &why), -1);
	T_EQ_INT(s.n, 3);	/* only the good read above delivered */
	close(fd);
	return 0;
}

/* Too much for INH_BLOB_MAX: the writer says so, nothing half-made
 * is read back as good. */
static int
t_blob_full(void)
{
	static uint8_t big[INH_REC_MAX];
	struct inh_wr w;
	struct seen s;
	const char *why;
	int fd, i;

	T_ASSERT((fd = inh_memfd()) != -1);
	inh_wr_begin(&w, fd);
	for (i = 0; i < INH_BLOB_MAX / INH_REC_MAX + 2; i++)
		inh_wr_rec(&w, INH_R_ADDR, big, sizeof(big));
	T_EQ_INT(inh_wr_end(&w), -1);
	memset(&s, 0, sizeof(s));
	if (inh_read(fd, collect, &s, &why) != -1 && s.n != (int)w.n_rec)
		T_FAIL("a blob that did not fit read back as %d records", s.n);
	close(fd);
	return 0;
}

/* s<fd> and d<pid>.<fd>: taken when they are regular files, once. */
static int
t_state_and_drains(void)
{
	char var[INH_VAR_CAP];
	struct inh_drain dr[INH_MAX_DRAINS + 1], got[INH_MAX_DRAINS];
	uint64_t start = 0;
	int sfd, sock, synced, i, n;

	T_ASSERT((sfd = blob3()) != -1);
	sock = socket(AF_INET, SOCK_DGRAM, 0);
	T_ASSERT(sock > 2);
	for (i = 0; i < 2; i++) {
		dr[i].pid = 1000 + i;
		T_ASSERT((dr[i].fd = inh_memfd()) != -1);
	}
	dr[2].pid = 1002;
	dr[2].fd = sock;		/* a socket is no blob */
	inh_format(var, sizeof(var), 77, 1, sfd, dr, 3, NULL, 0);
	T_ASSERT(putenv(var) == 0);
	T_EQ_INT(inh_init(&start, &synced), 1);
	T_ASSERT(start == 77);
	T_EQ_INT(inh_state_fd(), sfd);
	T_EQ_INT(inh_state_fd(), -1);	/* handed out once */
	n = inh_drains(got, INH_MAX_DRAINS);
	T_EQ_INT(n, 2);
	T_EQ_INT(got[0].pid, 1000);
	T_EQ_INT(got[0].fd, dr[0].fd);
	T_EQ_INT(got[1].pid, 1001);
	T_EQ_INT(inh_drains(got, INH_MAX_DRAINS), 0);
	/* garbage tokens: a state fd that is a socket, a pid of 1, a
	 * missing fd; the same fd twice is taken once */
	snprintf(var, sizeof(var), "%s=5 0 s%d d1.%d d7. d8.%d d9.%d",
	    INH_ENV, sock, dr[0].fd, dr[1].fd, dr[1].fd);
	T_ASSERT(putenv(var) == 0);
	T_EQ_INT(inh_init(&start, &synced), 1);
	T_EQ_INT(inh_state_fd(), -1);
	n = inh_drains(got, INH_MAX_DRAINS);
	T_EQ_INT(n, 1);
	T_EQ_INT(got[0].pid, 8);
	close(sfd);
	close(sock);
	close(dr[0].fd);
	close(dr[1].fd);
	return 0;
}

static const struct t_case cases[] = {
	{ "round_trip",		t_round_trip },
	{ "unix_kept_first",	t_unix_kept_first },
	{ "absent_or_garbage",	t_absent_or_garbage },
	{ "blob_round_trip",	t_blob_round_trip },
	{ "blob_garbage",	t_blob_garbage },
	{ "blob_full",		t_blob_full },
	{ "state_and_drains",	t_state_and_drains },
};

T_MAIN("inherit", cases)
