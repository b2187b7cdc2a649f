/* SPDX-License-Identifier: MIT */
/*
 * fuzz_tcp.c: libFuzzer target for the LAN side's TCP framing, what a
 * LAN client sends over TCP.  The input (after a first byte choosing how
 * the stream is cut into reads) is the byte stream of one connection.
 * It is read the way lsnconn.c's client_read()/client_parse() read it:
 * into a buffer of 2 + DNS_QUERY_MAX bytes, frames taken out with
 * lc_frame() (and, like listen.c's check_query(), parsed and turned into
 * the upstream form of a slot), the rest moved to the front.  Contracts
 * checked: a frame is always inside the buffer and exactly the bytes of
 * the stream at that place; a full buffer always holds a whole or a bad
 * frame (so a client can never wedge a slot with a frame that cannot
 * fit); the stream ends with nothing or a partial frame left, or at a
 * bad length.
 */
#include <stdlib.h>
#include <string.h>

#include "dns.h"
#include "dnsedit.h"
#include "lsnconn.h"
#include "qtab.h"

#define FZ_CHECK(c) do {						\
	if (!(c))							\
		abort();						\
} while (0)

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void	fz_query(const uint8_t *, size_t);

static uint8_t	fz_in[2 + DNS_QUERY_MAX];	/* struct lc_client's 'in' */
static uint8_t	fz_q[QT_Q_MAX + 128];	/* an upstream form, padded */

/* What check_query() does with a frame's bytes. */
static void
fz_query(const uint8_t *msg, size_t len)
{
	struct dns_msg m, mu;
	size_t n;

	if (dns_parse_query(msg, len, &m) != DNS_OK)
		return;
	n = dns_build_upstream(fz_q, sizeof(fz_q), msg, &m, 0x1234, 128, 1);
	FZ_CHECK(n != 0 && n <= sizeof(fz_q));
	FZ_CHECK(dns_parse_query(fz_q, n, &mu) == DNS_OK);
	FZ_CHECK(dns_same_question(msg, &m, fz_q, &mu));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *s;
	size_t n, in_len = 0, pos = 0, off, flen, read_len, consumed = 0;
	unsigned cut;
	int r = LC_FRAME_MORE;

	if (size < 1)
		return 0;
	cut = data[0];
	s = data + 1;
	n = size - 1;
	while (pos < n) {
		/* one recv(): 1..256 bytes, never past the buffer's room */
		read_len = 1 + (cut + pos * 7) % 256;
		read_len = read_len < n - pos ? read_len : n - pos;
		if (read_len > sizeof(fz_in) - in_len)
			read_len = sizeof(fz_in) - in_len;
		FZ_CHECK(read_len > 0);
		memcpy(fz_in + in_len, s + pos, read_len);
		in_len += read_len;
		pos += read_len;
		off = 0;
		while ((r = lc_frame(fz_in + off, in_len - off, &flen)) ==
		    LC_FRAME_OK) {
			FZ_CHECK(flen >= 1 && flen <= DNS_QUERY_MAX);
			FZ_CHECK(off + 2 + flen <= in_len);
			/* the frame is the stream's bytes at that place */
			FZ_CHECK(memcmp(fz_in + off, s + consumed, 2 + flen) ==
			    0);
			fz_query(fz_in + off + 2, flen);
			off += 2 + flen;
			consumed += 2 + flen;
		}
		if (r == LC_FRAME_BAD)
			return 0;	/* lsnconn.c closes the client */
		memmove(fz_in, fz_in + off, in_len - off);
		in_len -= off;
		/* the buffer can always take the rest of a frame */
		FZ_CHECK(in_len < sizeof(fz_in));
	}
	FZ_CHECK(consumed + in_len == n);
	return 0;
}
