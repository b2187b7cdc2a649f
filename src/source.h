/* SPDX-License-Identifier: MIT */
/*
 * source.h: per-source accounting for the LAN side: how many TCP
 * connections and in-flight queries each client address holds, so that
 * no single host can take every TCP slot or the whole in-flight table.
 * One fixed open-addressing table from the arena, sized at start-up so
 * that it can never fill (an entry lives only while it holds something,
 * and everything it can hold is itself a bounded pool).  Does no I/O.
 */
#ifndef SOURCE_H
#define SOURCE_H

#include <sys/socket.h>

#include "compat.h"

enum src_kind { SRC_TCP, SRC_QUERY, SRC_N };

/*
 * Start-up: room for 'max_refs' references at once (TCP connections +
 * in-flight queries: every entry holds at least one).  Seeds the table's
 * hash key from getrandom(), so a LAN host cannot pick addresses that
 * collide.
 */
void	src_init(int max_refs);

/*
 * Take one reference of 'kind' for the source address of sa (AF_INET or
 * AF_INET6; an IPv4-mapped IPv6 address is its own IPv6 source, not the
 * IPv4 one).  Returns 0, or -1 when the source already holds 'limit' of
 * that kind (nothing taken) or sa is of another family.
 */
int	src_hold(const struct sockaddr *sa, enum src_kind kind,
	    uint32_t limit);

/* Give back a reference src_hold() took for the same address. */
void	src_put(const struct sockaddr *sa, enum src_kind kind);

/* References of 'kind' the source holds now (0 when unknown). */
uint32_t src_count(const struct sockaddr *sa, enum src_kind kind);

/* Sources holding anything now (for the status). */
int	src_n_live(void);

#endif
