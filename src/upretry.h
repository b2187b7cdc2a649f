/* SPDX-License-Identifier: MIT */
/*
 * upretry.h: the retry list of the upstream pool: the slots of
 * connections that failed (QT_RETRY), in order, each sent again after
 * the loop's dispatch while it has sends and time left, else answered
 * with an error.  Owns the list (linked through qt_slot.next); the pool
 * sends, the owner answers, through the callbacks.
 */
#ifndef UPRETRY_H
#define UPRETRY_H

#include "compat.h"
#include "qtab.h"

/*
 * Start-up.  'submit': queue a QT_WAIT slot for an upstream again (0),
 * or -1 when none can take it.  'fail': answer the slot with 'rcode'
 * and release it; it must not call ur_*().
 */
void	ur_init(struct qt *, int (*submit)(int slot),
	    void (*fail)(int slot, int rcode));

/* A slot of a failed connection: QT_RETRY, detached (conn -1), last on
 * the list. */
void	ur_add(int slot);

/* Take a listed slot off the list (it is answered elsewhere: deadline);
 * it is QT_WAIT again. */
void	ur_remove(int slot);

/* 1 while the list holds slots (the next ur_run() has work). */
int	ur_is_pending(void);

/*
 * Work the whole list: each slot past its deadline fails (counted as a
 * timeout), one sent twice already (RFC 7766 6.2.1: one resend) or that
 * no upstream takes fails too, the rest is submitted again.
 */
void	ur_run(void);

#endif
