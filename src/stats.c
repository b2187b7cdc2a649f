/* SPDX-License-Identifier: MIT */
/*
 * stats.c: the counters struct and its SIGUSR1 line.  Integer only.
 */
#include <inttypes.h>

#include "log.h"
#include "stats.h"

struct st st;

/* see stats.h */
void
st_log(uint64_t now_ms)
{
	log_info("stats: uptime %" PRIu64 "s, queries udp %" PRIu64
	    " tcp %" PRIu64 ", answered %" PRIu64 ", servfail %" PRIu64
	    " (timeouts %" PRIu64 "), refused %" PRIu64 ", formerr %" PRIu64
	    ", notimp %" PRIu64 ", dropped %" PRIu64 ", truncated %" PRIu64
	    ", table full %" PRIu64 ", tcp accepted %" PRIu64 " paused %"
	    PRIu64 " closed %" PRIu64 ", late answers %" PRIu64,
	    (now_ms - st.start_ms) / 1000, st.q_udp, st.q_tcp, st.answered,
	    st.servfail, st.timeouts, st.refused, st.formerr, st.notimp,
	    st.dropped, st.truncated, st.qtab_full, st.tcp_accepted,
	    st.tcp_full, st.tcp_dropped, st.late);
}
