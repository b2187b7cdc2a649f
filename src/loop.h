/* SPDX-License-Identifier: MIT */
/*
 * loop.h: the one poll() loop.  Fd slots with generations (a slot freed
 * and reused during a dispatch never sees the old revents), timers as
 * "next deadline" + "expire" callbacks per module, an after-dispatch hook
 * for batched work, and signals through a self-pipe.  Knows no DNS/TLS.
 */
#ifndef LOOP_H
#define LOOP_H

#include <sys/socket.h>

#include "compat.h"

/* Called with the revents of the slot's fd; may loop_del() any slot. */
typedef void (*loop_cb)(void *arg, short revents);
/* Earliest deadline in ms (CLOCK_MONOTONIC), or UINT64_MAX for none. */
typedef uint64_t (*loop_next_cb)(void *arg);
/* Handle everything due at or before now. */
typedef void (*loop_tick_cb)(void *arg, uint64_t now_ms);
typedef void (*loop_sig_cb)(int signo);

#define LOOP_MAX_TIMERS	8

/* Slots for max_fds descriptors (plus the self-pipe).  Start-up only. */
void	 loop_init(int max_fds);
/* Register fd (non-blocking) with no events yet; returns a handle or -1. */
int	 loop_add(int fd, loop_cb cb, void *arg);
/* Set the poll events wanted for handle h (0 = none for now). */
void	 loop_set(int h, short events);
/* Forget handle h (the caller closes the fd). */
void	 loop_del(int h);
/*
 * accept(2) on listening socket lfd, the new fd non-blocking and
 * close-on-exec from the start; -1 and errno as accept.
 */
int	 loop_accept(int lfd, void *sa, socklen_t *len);
/* Cached CLOCK_MONOTONIC ms, refreshed after every poll(). */
uint64_t loop_now(void);
/* Re-read the clock now (for start-up code before loop_run). */
uint64_t loop_clock(void);
void	 loop_timer(loop_next_cb next, loop_tick_cb tick, void *arg);
/* Runs once per iteration after all fds and timers were handled, in
 * the order registered (LOOP_MAX_AFTER at most). */
#define LOOP_MAX_AFTER	4
void	 loop_after(void (*fn)(void *), void *arg);
/* Deliver SIGHUP, SIGTERM, SIGINT, SIGUSR1, SIGUSR2 and SIGCHLD to cb in
 * the loop (and unblock them). */
void	 loop_signals(loop_sig_cb cb);
/* Hold those signals pending (1) or not (0): start-up blocks them so a
 * SIGHUP before loop_signals() is not fatal; the mask survives execve. */
void	 loop_block_signals(int block);
/* Poll until loop_stop(). */
void	 loop_run(void);
void	 loop_stop(void);

#endif
