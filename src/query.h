/* SPDX-License-Identifier: MIT */
/*
 * query.h: `dotfwd query` (SPEC.md section 2), a DoT client for people:
 * one connection made with the daemon's own client side (upconn.c,
 * tls.c, cert.c, ta.c), one question or a file of them pipelined, the
 * answer shown the way dig shows it, one line about the TLS connection.
 * Shares no state with the daemon: it is a program of its own.
 */
#ifndef QUERY_H
#define QUERY_H

/*
 * argv[0] is "query".  'conf_path': the configuration read when -s is
 * not given (-c FILE overrides it).  Returns the exit status: 0 when an
 * answer came (whatever its rcode; with -f: every query got one), 64
 * usage, 66 a file that cannot be read, 78 a bad configuration, 69 no
 * answer (one line on stderr says why).
 */
int	query_main(int argc, char **argv, const char *conf_path);

#endif
