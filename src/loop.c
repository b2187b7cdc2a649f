/* SPDX-License-Identifier: MIT */
/*
 * loop.c: poll() over a fixed array of fd slots.  Interest is set by
 * the owning module after each handler (derived from its state); the
 * loop only dispatches.  Signal handlers just flag and write a byte.
 */
#include <sys/syscall.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "loop.h"
#include "mem.h"

struct loop_slot {
	loop_cb		 cb;
	void		*arg;
	uint32_t	 gen;		/* bumped on every loop_del */
	uint32_t	 polled_gen;	/* gen when the pollfd was filled */
};

struct loop_timer {
	loop_next_cb	 next;
	loop_tick_cb	 tick;
	void		*arg;
};

static void	sig_handler(int);
static void	sig_drain(void *, short);

static struct pollfd	*pfd;
static struct loop_slot	*slot;
static int		 n_slot;	/* capacity */
static int		 n_used;	/* highest used index + 1 */
static struct loop_timer timers[LOOP_MAX_TIMERS];
static int		 n_timers;
static struct loop_after {
	void		(*fn)(void *);
	void		*arg;
}			 after[LOOP_MAX_AFTER];
static int		 n_after;
static loop_sig_cb	 sig_cb;
static int		 sig_pipe[2] = { -1, -1 };
static volatile sig_atomic_t sig_pending[32];
static volatile sig_atomic_t stopping;
static uint64_t		 now_ms;

static const int handled_sigs[] = { SIGHUP, SIGTERM, SIGINT, SIGUSR1,
    SIGUSR2, SIGCHLD };

/* see loop.h */
void
loop_init(int max_fds)
{
	int i;

	n_slot = max_fds + 1;
	pfd = mem_alloc(sizeof(*pfd) * (size_t)n_slot);
	slot = mem_alloc(sizeof(*slot) * (size_t)n_slot);
	for (i = 0; i < n_slot; i++)
		pfd[i].fd = -1;
	loop_clock();
}

/* see loop.h */
int
loop_add(int fd, loop_cb cb, void *arg)
{
	int i;

	for (i = 0; i < n_slot; i++)
		if (pfd[i].fd < 0)
			break;
	if (i == n_slot)
		return -1;
	pfd[i].fd = fd;
	pfd[i].events = 0;
	pfd[i].revents = 0;
	slot[i].cb = cb;
	slot[i].arg = arg;
	if (i >= n_used)
		n_used = i + 1;
	return i;
}

/* see loop.h */
void
loop_set(int h, short events)
{
	BUG_ON(h < 0 || h >= n_slot || pfd[h].fd < 0);
	pfd[h].events = events;
}

/* see loop.h */
void
loop_del(int h)
{
	BUG_ON(h < 0 || h >= n_slot || pfd[h].fd < 0);
	pfd[h].fd = -1;
	pfd[h].events = 0;
	slot[h].cb = NULL;
	slot[h].gen++;
	while (n_used > 0 && pfd[n_used - 1].fd < 0)
		n_used--;
}

/* see loop.h */
int
loop_accept(int lfd, void *sa, socklen_t *len)
{
	/* raw: musl's accept4() carries an accept + fcntl fallback */
	return (int)syscall(SYS_accept4, lfd, sa, len,
	    SOCK_NONBLOCK | SOCK_CLOEXEC);
}

/* see loop.h */
uint64_t
loop_clock(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	now_ms = (uint64_t)ts.tv_sec * 1000 +
	    (uint32_t)ts.tv_nsec / 1000000;
	return now_ms;
}

/* see loop.h */
uint64_t
loop_now(void)
{
	return now_ms;
}

/* see loop.h */
void
loop_timer(loop_next_cb next, loop_tick_cb tick, void *arg)
{
	BUG_ON(n_timers >= LOOP_MAX_TIMERS);
	timers[n_timers].next = next;
	timers[n_timers].tick = tick;
	timers[n_timers].arg = arg;
	n_timers++;
}

/* see loop.h */
void
loop_after(void (*fn)(void *), void *arg)
{
	BUG_ON(n_after >= LOOP_MAX_AFTER);
	after[n_after].fn = fn;
	after[n_after].arg = arg;
	n_after++;
}

static void
sig_handler(int signo)
{
	int saved = errno;
	char c = 0;

	if (signo > 0 && signo < 32)
		sig_pending[signo] = 1;
	(void)write(sig_pipe[1], &c, 1);
	errno = saved;
}

static void
sig_drain(void *arg, short revents)
{
	char buf[64];
	size_t i;

	(void)arg;
	(void)revents;
	while (read(sig_pipe[0], buf, sizeof(buf)) > 0)
		;
	for (i = 0; i < nitems(handled_sigs); i++) {
		if (!sig_pending[handled_sigs[i]])
			continue;
		sig_pending[handled_sigs[i]] = 0;
		if (sig_cb != NULL)
			sig_cb(handled_sigs[i]);
	}
}

/* see loop.h */
void
loop_block_signals(int block)
{
	sigset_t set;
	size_t i;

	sigemptyset(&set);
	for (i = 0; i < nitems(handled_sigs); i++)
		sigaddset(&set, handled_sigs[i]);
	sigprocmask(block ? SIG_BLOCK : SIG_UNBLOCK, &set, NULL);
}

/* see loop.h */
void
loop_signals(loop_sig_cb cb)
{
	struct sigaction sa;
	size_t i;
	int h;

	sig_cb = cb;
	if (syscall(SYS_pipe2, sig_pipe, O_NONBLOCK | O_CLOEXEC) == -1)
		fatal(EX_OS_, "pipe");
	if ((h = loop_add(sig_pipe[0], sig_drain, NULL)) == -1)
		fatalx(EX_SOFT_, "no loop slot for signals");
	loop_set(h, POLLIN);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = sig_handler;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	for (i = 0; i < nitems(handled_sigs); i++)
		if (sigaction(handled_sigs[i], &sa, NULL) == -1)
			fatal(EX_OS_, "sigaction");
	/* what came during start-up (or across a reload's exec) now */
	loop_block_signals(0);
}

/* see loop.h */
void
loop_stop(void)
{
	stopping = 1;
}

/* see loop.h */
void
loop_run(void)
{
	uint64_t next, t;
	int i, n, timeout;

	stopping = 0;
	while (!stopping) {
		next = UINT64_MAX;
		for (i = 0; i < n_timers; i++) {
			t = timers[i].next(timers[i].arg);
			if (t < next)
				next = t;
		}
		loop_clock();
		if (next == UINT64_MAX)
			timeout = -1;
		else if (next <= now_ms)
			timeout = 0;
		else
			timeout = (int)MIN(next - now_ms, 60000);
		for (i = 0; i < n_used; i++) {
			pfd[i].revents = 0;
			slot[i].polled_gen = slot[i].gen;
		}
		n = poll(pfd, (nfds_t)n_used, timeout);
		loop_clock();
		if (n == -1 && errno != EINTR)
			fatal(EX_OS_, "poll");
		for (i = 0; n > 0 && i < n_used; i++) {
			if (pfd[i].revents == 0 || pfd[i].fd < 0 ||
			    slot[i].gen != slot[i].polled_gen)
				continue;
			slot[i].cb(slot[i].arg, pfd[i].revents);
		}
		for (i = 0; i < n_timers; i++)
			if (timers[i].next(timers[i].arg) <= now_ms)
				timers[i].tick(timers[i].arg, now_ms);
		for (i = 0; i < n_after; i++)
			after[i].fn(after[i].arg);
	}
}
