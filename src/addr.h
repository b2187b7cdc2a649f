/* SPDX-License-Identifier: MIT */
/*
 * addr.h: IP addresses as the configuration writes them and as sockets
 * see them: parsing "ADDR[:PORT]" and "ADDR[/PREFIX]", the text forms
 * (RFC 5952 for IPv6, the same on glibc and musl) and prefix matching
 * for `allow`, the only part that runs per packet.  A leaf: no I/O.
 */
#ifndef ADDR_H
#define ADDR_H

#include <netinet/in.h>
#include <sys/socket.h>

#include "compat.h"

union addr_sa {
	struct sockaddr		sa;
	struct sockaddr_in	sin;
	struct sockaddr_in6	sin6;
};

/* An address with a port, ready for bind() or connect(). */
struct addr {
	union addr_sa	 u;	/* port in network order */
	socklen_t	 len;	/* sizeof sin or sin6 */
};

/* A prefix of `allow`. */
struct addr_net {
	int		 family;	/* AF_INET or AF_INET6 */
	uint8_t		 addr[16];	/* network order, host bits zero */
	int		 prefix;	/* 0..32 or 0..128 */
};

#define ADDR_STR_CAP	64	/* "[v6]:port" and "v6/prefix" with NUL */

/*
 * "1.2.3.4", "1.2.3.4:53", "[::1]:53", "[::1]" or a bare "2001:db8::1"
 * (no port then) into *a.  'port' is the default, 0 when the text must
 * give one.  Returns 0, or -1 (and *a undefined).
 */
int	addr_parse(const char *s, uint16_t port, struct addr *a);

/*
 * "ADDR" or "ADDR/PREFIX" into *net, host bits cleared; *host_bits says
 * whether any were set.  Returns 0 or -1.
 */
int	addr_net_parse(const char *s, struct addr_net *net, int *host_bits);

/* "1.2.3.4:853" or "[::1]:853" ("?" for other families); returns buf. */
const char *addr_str(const struct addr *, char *buf, size_t cap);
/* 4 (AF_INET) or 16 (AF_INET6) bytes as text, no port; returns buf. */
const char *addr_ip_str(int family, const uint8_t *a, char *buf, size_t cap);
/* The address alone, "1.2.3.4" or "::1" ("?" for other families): a
 * client in the log; returns buf. */
const char *addr_host_str(const struct sockaddr *, char *buf, size_t cap);
/* "10.0.0.0/8" or "fc00::/7"; returns buf. */
const char *addr_net_str(const struct addr_net *, char *buf, size_t cap);

/* 1 when both are the same family, address and port. */
int	addr_eq(const struct addr *, const struct addr *);

/*
 * 1 when the source address sa is inside one of the n prefixes.  An
 * IPv4-mapped IPv6 source (::ffff:a.b.c.d) is what it is, an IPv6
 * address: IPv4 prefixes never match it (the listening sockets are
 * IPv6-only, so such a source is forged), IPv6 ones such as
 * ::ffff:0:0/96 do.
 */
int	addr_match(const struct addr_net *nets, int n,
	    const struct sockaddr *sa);

/* 1 when the 16 bytes are an IPv4-mapped IPv6 address (RFC 4291 2.5.5.2). */
int	addr_is_v4mapped(const uint8_t *a16);

#endif
