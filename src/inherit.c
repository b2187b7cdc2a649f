/* SPDX-License-Identifier: MIT */
/*
 * inherit.c: the sockets and facts a reload hands over (see inherit.h).
 * A number from the environment is used only if it is a socket, and a
 * socket only where its bound address and type match a configured one.
 */
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <string.h>
#include <unistd.h>

#include "inherit.h"
#include "log.h"

static int	inh[INH_MAX_FDS];
static int	n_inh;

/* see inherit.h */
int
inh_parse(const char *s, uint64_t *start_ms, int *clock_synced, int *fds,
    int cap, const char **bad)
{
	char *end;
	unsigned long long v;
	int i = 0, n = 0;

	*bad = NULL;
	for (;; i++) {
		while (*s == ' ')
			s++;
		if (*s == '\0')
			break;
		errno = 0;
		/* strtoull would take a sign or blanks: digits only */
		if (*s < '0' || *s > '9' ||
		    (v = strtoull(s, &end, 10), errno != 0)) {
			*bad = s;
			break;
		}
		s = end;
		if (i == 0)
			*start_ms = v;
		else if (i == 1)
			*clock_synced = v != 0;
		else if (n < cap && v > 2 && v < INT32_MAX)
			fds[n++] = (int)v;
	}
	return n;
}

/* see inherit.h */
int
inh_init(uint64_t *start_ms, int *clock_synced)
{
	const char *e, *bad;
	int fds[INH_MAX_FDS], i, n;

	if ((e = getenv(INH_ENV)) == NULL)
		return 0;
	n = inh_parse(e, start_ms, clock_synced, fds, INH_MAX_FDS, &bad);
	if (bad != NULL)
		log_warnx("%s: unreadable from \"%.32s\" on: ignored", INH_ENV,
		    bad);
	/* a number is used only if it is a socket */
	for (i = 0; i < n; i++)
		if (fcntl(fds[i], F_SETFD, FD_CLOEXEC) == 0 &&
		    getsockopt(fds[i], SOL_SOCKET, SO_TYPE, &(int){0},
		    &(socklen_t){sizeof(int)}) == 0)
			inh[n_inh++] = fds[i];
	unsetenv(INH_ENV);
	return 1;
}

/* see inherit.h */
int
inh_take(const struct sockaddr *sa, socklen_t len, int type)
{
	struct sockaddr_storage ss;
	socklen_t sl, tl;
	int i, t, fd;

	for (i = 0; i < n_inh; i++) {
		if (inh[i] == -1)
			continue;
		sl = sizeof(ss);
		tl = sizeof(t);
		memset(&ss, 0, sizeof(ss));
		if (getsockopt(inh[i], SOL_SOCKET, SO_TYPE, &t, &tl) == -1 ||
		    t != type ||
		    getsockname(inh[i], (struct sockaddr *)&ss, &sl) == -1 ||
		    sl != len || memcmp(&ss, sa, len) != 0)
			continue;
		fd = inh[i];
		inh[i] = -1;
		return fd;
	}
	return -1;
}

/* see inherit.h */
void
inh_drop_unused(int all)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int i;

	for (i = 0; i < n_inh; i++) {
		if (inh[i] == -1)
			continue;
		sl = sizeof(ss);
		if (!all && getsockname(inh[i], (struct sockaddr *)&ss,
		    &sl) == 0 && ss.ss_family == AF_UNIX)
			continue;
		close(inh[i]);
		inh[i] = -1;
	}
}

/* see inherit.h */
void
inh_format(char *buf, size_t cap, uint64_t start_ms, int clock_synced,
    const int *fds, int n_fds)
{
	size_t len;
	int i, n;

	BUG_ON(cap < INH_VAR_CAP || n_fds > INH_MAX_FDS);
	n = snprintf(buf, cap, "%s=%" PRIu64 " %d", INH_ENV, start_ms,
	    clock_synced != 0);
	len = (size_t)n;
	for (i = 0; i < n_fds; i++) {
		n = snprintf(buf + len, cap - len, " %d", fds[i]);
		len += (size_t)n;
	}
}
