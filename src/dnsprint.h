/* SPDX-License-Identifier: MIT */
/*
 * dnsprint.h: DNS messages in presentation form for `dotfwd query`, the
 * way dig shows them: the header and its flags, the OPT pseudosection,
 * every section in zone-file form (RFC 1035 5.1; unknown types as RFC
 * 3597 \# data); type and rcode names both ways; names to wire form.
 * Writes only to the fmt.h sink it is given; knows no socket.
 */
#ifndef DNSPRINT_H
#define DNSPRINT_H

#include "compat.h"

struct fmt_out;		/* fmt.h */

#define DP_NAME_CAP	1024	/* a name in text, every byte escaped */

/* "AAAA", "aaaa" or "TYPE28" -> 28; -1 when unknown. */
int	dp_type_value(const char *);
/* 28 -> "AAAA", 65280 -> "TYPE65280" (in buf when not in the table). */
const char *dp_type_name(unsigned type, char *buf, size_t cap);
/* 3 -> "NXDOMAIN", 16 -> "BADVERS", else "RCODE17" in buf. */
const char *dp_rcode_name(unsigned rcode, char *buf, size_t cap);

/*
 * "www.example.com" (a final dot optional; "." is the root; "\." and
 * "\DDD" escapes) into wire form in out[cap].  Returns the length, or
 * -1 when it is no valid name.
 */
int	dp_name_to_wire(const char *name, uint8_t *out, size_t cap);

/* Base64 (RFC 4648, with padding) of len bytes into out[cap]. */
void	dp_base64(const uint8_t *in, size_t len, char *out, size_t cap);

/*
 * The whole message as dig prints it, from ";; ->>HEADER<<-" to the
 * last section.  Returns 0, or -1 when the message is malformed (what
 * could be read is printed, then a line saying where it broke).
 */
int	dp_print(struct fmt_out *out, const uint8_t *msg, size_t len);

#endif
