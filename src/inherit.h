/* SPDX-License-Identifier: MIT */
/*
 * inherit.h: what one image hands the next across a reload's execve: the
 * listening sockets (matched to the configuration by address and type),
 * the start time and the clock state, in one environment variable; and
 * the carried state (counters, health, the sample ring) in a memfd, a
 * blob of typed records whose payloads the owning modules define and
 * check.  The same blob format carries a drainer's counts back (see
 * reload.h).  A leaf: sockets and files only, no other module.
 *
 * INH_ENV="<start ms> <synced 0|1> [s<state fd>] [d<pid>.<fd>]... <fd>..."
 */
#ifndef INHERIT_H
#define INHERIT_H

#include <sys/socket.h>

#include "compat.h"

#define INH_ENV		"DOTFWD_RELOAD"
#define INH_MAX_FDS	64	/* 2 per listen address, 1 per server listen
				 * address, the status socket */
/* drainers whose counts are not in yet (reloads quicker than a drain);
 * an older one past this is dropped, its counts with it (logged) */
#define INH_MAX_DRAINS	4
#define INH_VAR_CAP	(sizeof(INH_ENV) + 48 + 16 + INH_MAX_DRAINS * 24 + \
			    INH_MAX_FDS * 12)

/*
 * The blob: a header (magic, version, record count, length, FNV-1a 64
 * checksum of everything after the header), then records of a 16-bit
 * type, a 32-bit payload length and the payload, padded to 8 bytes.
 * A reader believes nothing until the whole blob checked out: size,
 * every record inside it, the count and the checksum.  The payloads are
 * the writing module's structs (the same binary on both sides: a reload
 * executes /proc/self/exe); each reader checks its length and fields.
 */
#define INH_BLOB_MAX	(512 * 1024)	/* 128 addresses + a ring: < 80 KB */
#define INH_REC_MAX	1024		/* one payload, read on the stack */

enum inh_rec {
	INH_R_TOTALS = 1,	/* stats.c: struct st */
	INH_R_ADDR,		/* upstream.c: one upstream address */
	INH_R_RING,		/* ring.c: the ring's head */
	INH_R_RING_COL,		/* ring.c: the address of an RTT column */
	INH_R_SAMPLE		/* ring.c: one sample, oldest first */
};

/* How a record is taken: the previous image's state replaces ours; a
 * drainer's counts are added to ours. */
enum inh_mode { INH_RESTORE, INH_ADD };

struct inh_wr {
	int		 fd;
	int		 err;	/* sticky: a write failed */
	uint64_t	 off;
	uint32_t	 n_rec;
	uint64_t	 sum;
};

struct inh_drain {
	int		 pid;	/* the forked copy answering old queries */
	int		 fd;	/* the memfd its counts are written to */
};

/*
 * Start-up: read INH_ENV (every exec leaves it out: see inh_env_value).
 * Returns 1 when this process was started by a reload, and then sets
 * *start_ms and *clock_synced.  A state or drain fd is adopted only if
 * it is a regular file of at most INH_BLOB_MAX bytes.
 */
int	inh_init(uint64_t *start_ms, int *clock_synced);

/* entry ("NAME=value", from environ) is INH_ENV's: its value, else NULL */
const char	*inh_env_value(const char *entry);

/* INH_ENV's value as read, before any descriptor is looked at. */
struct inh_var {
	int		 n_num;		/* leading numbers seen: 0, 1, 2 */
	uint64_t	 start_ms;	/* when n_num >= 1 */
	int		 clock_synced;	/* when n_num == 2 */
	int		 state_fd;	/* the first s<fd>, or -1 */
	struct inh_drain drains[INH_MAX_DRAINS];	/* d<pid>.<fd>, pid > 1 */
	int		 n_drains;
	int		 fds[INH_MAX_FDS];	/* the numbers after the second */
	int		 n_fds;
};

/*
 * Read INH_ENV's value (what follows "INH_ENV=") into *v: tokens
 * separated by spaces, digits only; the first two numbers are the start
 * time and the clock state; after them "s<fd>", "d<pid>.<fd>" and
 * descriptors, each kept when plausible (3..INT32_MAX-1; a pid over 1)
 * and while there is room; a malformed s or d token is skipped.
 * Reading stops at a number that is not one (*bad then points to it,
 * else NULL).  Pure: no descriptor is touched (inh_init checks them);
 * the fuzzer calls it too.
 */
void	inh_parse(const char *s, struct inh_var *v, const char **bad);
/* A handed-over socket of 'type' bound to exactly sa/len, or -1. */
int	inh_take(const struct sockaddr *sa, socklen_t len, int type);
/* Close the handed-over sockets nobody took; 'all' 0 keeps AF_UNIX ones
 * (the status socket is taken later in start-up). */
void	inh_drop_unused(int all);
/* The carried state's fd (the caller reads and closes it), or -1. */
int	inh_state_fd(void);
/* The pending drainers handed over: copies up to cap into out, returns
 * how many (the caller owns their fds from then on). */
int	inh_drains(struct inh_drain *out, int cap);
/* "INH_ENV=..." for the next image into buf (cap >= INH_VAR_CAP);
 * state_fd -1 for none. */
void	inh_format(char *buf, size_t cap, uint64_t start_ms, int clock_synced,
	    int state_fd, const struct inh_drain *drains, int n_drains,
	    const int *fds, int n_fds);

/* A new empty memfd (close-on-exec), or -1 (logged). */
int	inh_memfd(void);
/* Start a blob in fd (emptied first).  Then inh_wr_rec() per record and
 * inh_wr_end(): 0, or -1 when any write failed (w->err). */
void	inh_wr_begin(struct inh_wr *w, int fd);
void	inh_wr_rec(struct inh_wr *w, int type, const void *p, size_t len);
int	inh_wr_end(struct inh_wr *w);
/*
 * Check the whole blob in fd, then hand each record to cb in order.
 * Returns the number of records delivered, or -1 (nothing delivered)
 * when the blob is not one we wrote: *why says what was wrong.
 */
int	inh_read(int fd, void (*cb)(void *arg, int type, const void *p,
	    size_t len), void *arg, const char **why);

#endif
