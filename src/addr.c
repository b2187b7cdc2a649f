/* SPDX-License-Identifier: MIT */
/*
 * addr.c: address text in and out, and `allow` matching (see addr.h).
 * IPv6 is formatted here (RFC 5952) rather than by inet_ntop so that
 * glibc and musl print the same.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <string.h>

#include "addr.h"
#include "fmt.h"

static void	fmt_ip4(const uint8_t *, char *, size_t);
static void	fmt_ip6(const uint8_t *, char *, size_t);
static int	prefix_match(const uint8_t *, const uint8_t *, int);

/* see addr.h */
int
addr_is_v4mapped(const uint8_t *a)
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	    0xff, 0xff };

	return memcmp(a, mapped, sizeof(mapped)) == 0;
}

/* see addr.h */
int
addr_parse(const char *s, uint16_t port, struct addr *a)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *end, *ps = NULL;
	uint32_t pv = port;
	size_t n;
	int v6;

	if (s[0] == '[') {
		if ((end = strchr(s, ']')) == NULL)
			return -1;
		s++;
		v6 = 1;
		if (end[1] == ':')
			ps = end + 2;
		else if (end[1] != '\0')
			return -1;
	} else if ((end = strchr(s, ':')) != NULL &&
	    strchr(end + 1, ':') == NULL) {
		v6 = 0;
		ps = end + 1;
	} else {
		v6 = end != NULL;
		end = s + strlen(s);
	}
	n = (size_t)(end - s);
	if (n >= sizeof(host))
		return -1;
	memcpy(host, s, n);
	host[n] = '\0';
	if (ps != NULL && parse_u32(ps, 1, 65535, &pv) == -1)
		return -1;
	if (pv == 0)
		return -1;

	memset(a, 0, sizeof(*a));
	if (v6) {
		if (inet_pton(AF_INET6, host, &a->u.sin6.sin6_addr) != 1)
			return -1;
		a->u.sin6.sin6_family = AF_INET6;
		a->u.sin6.sin6_port = htons((uint16_t)pv);
		a->len = sizeof(a->u.sin6);
	} else {
		if (inet_pton(AF_INET, host, &a->u.sin.sin_addr) != 1)
			return -1;
		a->u.sin.sin_family = AF_INET;
		a->u.sin.sin_port = htons((uint16_t)pv);
		a->len = sizeof(a->u.sin);
	}
	return 0;
}

/* see addr.h */
int
addr_net_parse(const char *s, struct addr_net *net, int *host_bits)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *slash = strchr(s, '/');
	uint32_t max, pfx;
	size_t n = slash != NULL ? (size_t)(slash - s) : strlen(s);
	uint8_t keep;
	int i;

	if (n >= sizeof(host))
		return -1;
	memcpy(host, s, n);
	host[n] = '\0';
	memset(net, 0, sizeof(*net));
	if (strchr(host, ':') != NULL) {
		net->family = AF_INET6;
		max = 128;
	} else {
		net->family = AF_INET;
		max = 32;
	}
	if (inet_pton(net->family, host, net->addr) != 1)
		return -1;
	pfx = max;
	if (slash != NULL && parse_u32(slash + 1, 0, max, &pfx) == -1)
		return -1;
	net->prefix = (int)pfx;
	*host_bits = 0;
	for (i = 0; i < (int)max / 8; i++) {
		if (i * 8 >= (int)pfx)
			keep = 0;
		else if (i * 8 + 8 <= (int)pfx)
			keep = 0xff;
		else
			keep = (uint8_t)(0xff << (8 - (pfx - (uint32_t)i * 8)));
		if (net->addr[i] & (uint8_t)~keep)
			*host_bits = 1;
		net->addr[i] &= keep;
	}
	return 0;
}

/* see addr.h */
int
addr_eq(const struct addr *a, const struct addr *b)
{
	if (a->u.sa.sa_family != b->u.sa.sa_family)
		return 0;
	if (a->u.sa.sa_family == AF_INET)
		return a->u.sin.sin_port == b->u.sin.sin_port &&
		    memcmp(&a->u.sin.sin_addr, &b->u.sin.sin_addr, 4) == 0;
	return a->u.sin6.sin6_port == b->u.sin6.sin6_port &&
	    memcmp(&a->u.sin6.sin6_addr, &b->u.sin6.sin6_addr, 16) == 0;
}

static void
fmt_ip4(const uint8_t *a, char *buf, size_t cap)
{
	fmt_snprintf(buf, cap, "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
}

static void
fmt_ip6(const uint8_t *a, char *buf, size_t cap)
{
	unsigned w[8];
	size_t o = 0;
	int i, j, best = -1, best_len = 1;

	if (addr_is_v4mapped(a)) {
		fmt_snprintf(buf, cap, "::ffff:%u.%u.%u.%u", a[12], a[13],
		    a[14], a[15]);
		return;
	}
	for (i = 0; i < 8; i++)
		w[i] = (unsigned)a[2 * i] << 8 | a[2 * i + 1];
	/* the first longest run of two or more zero groups becomes "::" */
	for (i = 0; i < 8; i = j + 1) {
		for (j = i; j < 8 && w[j] == 0; j++)
			continue;
		if (j - i > best_len) {
			best = i;
			best_len = j - i;
		}
	}
	buf[0] = '\0';
	for (i = 0; i < 8 && o < cap; ) {
		if (i == best) {
			o += fmt_snprintf(buf + o, cap - o, "::");
			i += best_len;
			continue;
		}
		o += fmt_snprintf(buf + o, cap - o, "%s%x",
		    i > 0 && i != best + best_len ? ":" : "", w[i]);
		i++;
	}
}

/* see addr.h */
const char *
addr_ip_str(int family, const uint8_t *a, char *buf, size_t cap)
{
	if (family == AF_INET)
		fmt_ip4(a, buf, cap);
	else
		fmt_ip6(a, buf, cap);
	return buf;
}

/* see addr.h */
const char *
addr_net_str(const struct addr_net *n, char *buf, size_t cap)
{
	char ip[INET6_ADDRSTRLEN + 1];

	fmt_snprintf(buf, cap, "%s/%d", addr_ip_str(n->family, n->addr, ip,
	    sizeof(ip)), n->prefix);
	return buf;
}

/* see addr.h */
const char *
addr_host_str(const struct sockaddr *sa, char *buf, size_t cap)
{
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;

	if (sa->sa_family == AF_INET) {
		memcpy(&sin, sa, sizeof(sin));
		addr_ip_str(AF_INET, (const uint8_t *)&sin.sin_addr, buf, cap);
	} else if (sa->sa_family == AF_INET6) {
		memcpy(&sin6, sa, sizeof(sin6));
		addr_ip_str(AF_INET6, sin6.sin6_addr.s6_addr, buf, cap);
	} else
		fmt_snprintf(buf, cap, "?");
	return buf;
}

/* see addr.h */
const char *
addr_str(const struct addr *a, char *buf, size_t cap)
{
	char ip[INET6_ADDRSTRLEN + 1];

	if (a->u.sa.sa_family == AF_INET) {
		fmt_ip4((const uint8_t *)&a->u.sin.sin_addr, ip, sizeof(ip));
		fmt_snprintf(buf, cap, "%s:%u", ip, ntohs(a->u.sin.sin_port));
	} else if (a->u.sa.sa_family == AF_INET6) {
		fmt_ip6(a->u.sin6.sin6_addr.s6_addr, ip, sizeof(ip));
		fmt_snprintf(buf, cap, "[%s]:%u", ip,
		    ntohs(a->u.sin6.sin6_port));
	} else
		fmt_snprintf(buf, cap, "?");
	return buf;
}

static int
prefix_match(const uint8_t *net, const uint8_t *a, int bits)
{
	int n = bits / 8;
	uint8_t mask;

	if (memcmp(net, a, (size_t)n) != 0)
		return 0;
	if (bits % 8 == 0)
		return 1;
	mask = (uint8_t)(0xff << (8 - bits % 8));
	return (net[n] & mask) == (a[n] & mask);
}

/* see addr.h */
int
addr_match(const struct addr_net *nets, int n, const struct sockaddr *sa)
{
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;
	const uint8_t *a4 = NULL, *a6 = NULL;
	int i;

	if (sa->sa_family == AF_INET) {
		memcpy(&sin, sa, sizeof(sin));
		a4 = (const uint8_t *)&sin.sin_addr;
	} else if (sa->sa_family == AF_INET6) {
		/* an IPv4-mapped source is IPv6 here: our IPv6 sockets are
		 * IPV6_V6ONLY, so no IPv4 client ever looks like one; such
		 * a packet is forged, and must not pass as 127.0.0.1 */
		memcpy(&sin6, sa, sizeof(sin6));
		a6 = sin6.sin6_addr.s6_addr;
	} else
		return 0;
	for (i = 0; i < n; i++) {
		if (nets[i].family == AF_INET && a4 != NULL &&
		    prefix_match(nets[i].addr, a4, nets[i].prefix))
			return 1;
		if (nets[i].family == AF_INET6 && a6 != NULL &&
		    prefix_match(nets[i].addr, a6, nets[i].prefix))
			return 1;
	}
	return 0;
}
