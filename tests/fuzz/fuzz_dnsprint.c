/* SPDX-License-Identifier: MIT */
/*
 * fuzz_dnsprint.c: libFuzzer target for what `dotfwd query` does with a
 * server's answer (dnsprint.c: dig's presentation of any bytes) and for
 * what server mode adds to answers (dns_add_server_opts: the result
 * must still parse, with the keepalive it was given).  A broken
 * contract aborts, so libFuzzer keeps the input.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns.h"
#include "dnsedit.h"
#include "dnsprint.h"
#include "fmt.h"

#define FZ_CAP		(DNS_MSG_MAX + 1)

#define FZ_CHECK(c) do {						\
	if (!(c))							\
		abort();						\
} while (0)

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static uint8_t	fz_buf[FZ_CAP];
static char	fz_text[1 << 16];	/* the printed text, cut if longer */

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dns_msg m, m2;
	struct fmt_out o;
	size_t n;

	if (size > DNS_MSG_MAX)
		return 0;
	fmt_out_mem(&o, fz_text, sizeof(fz_text));
	(void)dp_print(&o, data, size);

	memcpy(fz_buf, data, size);
	if (dns_parse_answer(fz_buf, size, &m) != DNS_OK)
		return 0;
	n = dns_add_server_opts(fz_buf, size, FZ_CAP, &m, 20, 468);
	FZ_CHECK(n >= size && n <= DNS_MSG_MAX);
	if (n == size)
		return 0;
	/* grown: the OPT was last, and what it carries now is ours */
	FZ_CHECK(n % 468 == 0);
	FZ_CHECK(dns_parse_answer(fz_buf, n, &m2) == DNS_OK);
	FZ_CHECK(m2.has_opt && m2.opt_off == m.opt_off);
	return 0;
}
