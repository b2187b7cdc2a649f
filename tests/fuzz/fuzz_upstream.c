/* SPDX-License-Identifier: MIT */
/*
 * fuzz_upstream.c: libFuzzer target for what an upstream sends once TLS
 * is up: the plaintext stream of a DoT connection, reassembled by
 * upconn.c's uc_feed() (records cut anywhere, messages whole in a record
 * or gathered), each message matched by upmatch.c's um_match() against
 * the slots in flight, and a matched answer edited for its client as
 * listen.c's lsn_answer() does (ID, question case, OPT, truncation to the
 * client's UDP size).
 *
 * Input: byte 0: k = 1 + (b & 7) queries in flight, for a0.test ..
 * a<k-1>.test type A (b & 0x40: TXT), with client EDNS when b & 0x10;
 * when b & 0x08 the odd ones were sent on another connection.  Byte 1:
 * how the stream is cut into records.  The rest: the stream.  The slots
 * get the same IDs every run (slot i: ID i), so a corpus answer with ID
 * i matches slot i.
 *
 * Contracts checked: uc_feed() consumes 1..len bytes (it pauses only
 * for the big buffer another connection holds: never here); a message it
 * reports lies inside the stream or its own buffer; um_match() returns
 * only a slot that is live, sent on this connection, with the same
 * question; an answer once matched never matches again; the client's
 * copy parses, carries the client's ID and fits its UDP size.
 */
#include <stdlib.h>
#include <string.h>

#include "dns.h"
#include "dnsedit.h"
#include "qtab.h"
#include "upconn.h"
#include "upmatch.h"

#define FZ_SLOTS	16
#define FZ_CHECK(c) do {						\
	if (!(c))							\
		abort();						\
} while (0)

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void	fz_reset(void);
static void	fz_slots(uint8_t);
static void	fz_answer(struct uc *, uint8_t *, size_t);
static void	fz_fail(struct uc *, enum uc_fail, const char *);

static const struct uc_ops fz_ops = { NULL, NULL, fz_answer, fz_fail };
static struct qt	fz_qt;
static struct uc	fz_uc;
static int		fz_ready;
static int		fz_n_answered;

/* Every slot free, generation 0, free list in index order (as after
 * qt_init): the same IDs every run.  A harness may reach into qtab. */
static void
fz_reset(void)
{
	int i;

	while ((i = qt_oldest(&fz_qt)) != -1)
		qt_release(&fz_qt, i);
	for (i = 0; i < fz_qt.n; i++) {
		fz_qt.slot[i].gen = 0;
		fz_qt.slot[i].next = i + 1 < fz_qt.n ? i + 1 : -1;
	}
	fz_qt.free_head = 0;
}

/* k queries in flight, filled the way listen.c and upstream.c do. */
static void
fz_slots(uint8_t b)
{
	uint8_t cq[64];
	struct qt_slot *q;
	struct dns_msg m;
	size_t n;
	int i, k = 1 + (b & 7);

	for (i = 0; i < k; i++) {
		/* the client's query: ID 0x4000 + i, "a<i>.test" */
		memset(cq, 0, 12);
		cq[0] = 0x40;
		cq[1] = (uint8_t)i;
		cq[2] = 0x01;
		cq[5] = 1;
		n = 12;
		cq[n++] = 2;
		cq[n++] = 'a';
		cq[n++] = (uint8_t)('0' + i % 10);
		memcpy(cq + n, "\4test\0", 6);
		n += 6;
		cq[n++] = 0;
		cq[n++] = b & 0x40 ? 16 : 1;
		cq[n++] = 0;
		cq[n++] = 1;
		if (b & 0x10) {
			cq[11] = 1;
			memcpy(cq + n, "\0\0\51\20\0\0\0\0\0\0\0", 11);
			n += 11;
		}
		FZ_CHECK(dns_parse_query(cq, n, &m) == DNS_OK);
		FZ_CHECK(qt_alloc(&fz_qt, 0, 1500) == i);
		q = &fz_qt.slot[i];
		q->origin = QT_UDP;
		q->client_id = m.id;
		q->client_edns = (uint8_t)m.has_opt;
		q->udp_size = m.udp_size < 1232 ? m.udp_size : 1232;
		FZ_CHECK(qt_set_query(&fz_qt, i, cq, &m, 128, 1) == 0);
		q->conn = (b & 0x08) && (i & 1) ? 1 : 0;
		qt_sent(&fz_qt, i, 0);
	}
}

/* lsn_answer()'s work for a matched answer. */
static void
fz_answer(struct uc *u, uint8_t *msg, size_t len)
{
	struct qt_slot *q;
	struct dns_msg m, cm, out;
	const uint8_t *qb;
	size_t n, kept;
	int i;

	FZ_CHECK(u == &fz_uc);
	if ((i = um_match(&fz_qt, u->idx, msg, len, &m)) < 0) {
		FZ_CHECK(i == UM_NONE || i == UM_MISMATCH);
		return;
	}
	q = &fz_qt.slot[i];
	FZ_CHECK(q->state == QT_SENT && q->conn == u->idx);
	FZ_CHECK(m.qdcount == 1 && (m.flags & DNS_F_QR));
	qb = qt_query(&fz_qt, i, &kept, &cm);
	FZ_CHECK(dns_same_question(msg, &m, qb, &cm));
	n = dns_answer_for_client(msg, len, &m, q->client_id, qb, &cm);
	FZ_CHECK(n <= len);
	if (n != 0 && n > q->udp_size) {
		if (dns_parse_answer(msg, n, &out) == DNS_OK)
			n = dns_truncate(msg, n, q->udp_size, &out,
			    q->client_edns);
		else
			n = 0;
		FZ_CHECK(n <= q->udp_size);
	}
	if (n != 0) {
		FZ_CHECK(dns_parse_answer(msg, n, &out) == DNS_OK);
		FZ_CHECK(out.id == q->client_id && out.qdcount == 1);
	}
	qt_release(&fz_qt, i);
	FZ_CHECK(qt_lookup(&fz_qt, qt_id(&fz_qt, i)) == -1 ||
	    fz_qt.slot[i].state == QT_FREE);
	fz_n_answered++;
}

static void
fz_fail(struct uc *u, enum uc_fail kind, const char *why)
{
	FZ_CHECK(u == &fz_uc && kind == UC_F_LOST && why != NULL);
	uc_shut(&fz_uc, 0);	/* no socket: buffers and state only */
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *buf, *p;
	size_t len, rec, n, off, used;
	unsigned cut;

	if (!fz_ready) {
		qt_init(&fz_qt, FZ_SLOTS);
		/* its own gather buffer and the shared big one (no TLS
		 * until uc_open, which never comes here) */
		uc_init(&fz_uc, &fz_ops, &fz_qt, 0, "fuzz", NULL, 0);
		fz_ready = 1;
	}
	if (size < 2)
		return 0;
	fz_reset();
	fz_slots(data[0]);
	fz_uc.state = UC_READY;
	fz_uc.msg_len = 0;
	fz_n_answered = 0;
	cut = data[1];
	len = size - 2;
	/* an exact-size, editable copy: answers are edited in place */
	FZ_CHECK((buf = malloc(len > 0 ? len : 1)) != NULL);
	memcpy(buf, data + 2, len);
	for (off = 0; off < len && fz_uc.state == UC_READY; off += rec) {
		/* one TLS record's plaintext: 1..2048 bytes */
		rec = 1 + (cut * 131 + off * 7) % 2048;
		rec = rec < len - off ? rec : len - off;
		p = buf + off;
		n = rec;
		while (n > 0 && fz_uc.state == UC_READY) {
			used = uc_feed(&fz_uc, p, n);
			FZ_CHECK(used >= 1 && used <= n);
			FZ_CHECK(fz_uc.msg_len <= UC_MSG_CAP);
			p += used;
			n -= used;
		}
	}
	FZ_CHECK(fz_n_answered <= 1 + (data[0] & 7));
	free(buf);
	return 0;
}
