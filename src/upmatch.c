/* SPDX-License-Identifier: MIT */
/*
 * upmatch.c: matching what an upstream sends to what was asked on that
 * connection: a slot's query (upstream ID = slot + generation, then
 * QR and the question compared), or the liveness probe, ". IN NS", which
 * any resolver answers from its cache.  Does no I/O of its own (the
 * probe is queued on the connection) and no logging.
 */
#include <string.h>

#include "dnsedit.h"
#include "upmatch.h"

#define UM_PROBE_CAP	(DNS_HDR_LEN + 5 + 11 + 4 + 512)

static uint8_t		 probe_q[UM_PROBE_CAP];	/* upstream form, ID 0 */
static size_t		 probe_len;
static struct dns_msg	 probe_m;	/* its question, for matching */
static uint16_t		 probe_seq;

/* see upmatch.h */
int
um_match(const struct qt *t, int conn, const uint8_t *msg, size_t len,
    struct dns_msg *m)
{
	struct dns_msg qm;
	const uint8_t *q;
	size_t kept;
	int i;

	memset(m, 0, sizeof(*m));
	if (len < DNS_HDR_LEN || (i = qt_lookup(t, dns_get16(msg))) == -1 ||
	    t->slot[i].state != QT_SENT || t->slot[i].conn != conn)
		return UM_NONE;
	q = qt_query(t, i, &kept, &qm);
	if (dns_parse_answer(msg, len, m) != DNS_OK ||
	    !(m->flags & DNS_F_QR) || m->qdcount != 1 ||
	    !dns_same_question(msg, m, q, &qm))
		return UM_MISMATCH;
	return i;
}

/* see upmatch.h */
void
um_probe_init(unsigned pad_block)
{
	static const uint8_t q[] = { 0, 0, 0x01, 0, 0, 1, 0, 0, 0, 0, 0, 0,
	    0, 0, 2, 0, 1 };
	struct dns_msg m;

	BUG_ON(dns_parse_query(q, sizeof(q), &m) != DNS_OK);
	probe_len = dns_build_upstream(probe_q, sizeof(probe_q), q, &m, 0,
	    pad_block, 1);
	BUG_ON(probe_len == 0 ||
	    dns_parse_query(probe_q, probe_len, &probe_m) != DNS_OK);
}

/* see upmatch.h */
uint16_t
um_probe_send(struct uc *u, const struct qt *t)
{
	uint16_t id;
	int i;

	/* an ID no slot has now (a later clash only costs a mismatch) */
	for (i = 0; i < 8; i++) {
		id = (uint16_t)(++probe_seq * 40503U + (unsigned)u->idx);
		if (qt_lookup(t, id) == -1)
			break;
	}
	/* one still waiting to be written (TLS output blocked) will do:
	 * never leave the deadline in the past with nothing out */
	if (uc_probe(u, probe_q, probe_len, id) == -1)
		id = u->probe_id;
	return id;
}

/* see upmatch.h */
int
um_probe_answer(const uint8_t *msg, size_t len, uint16_t id)
{
	struct dns_msg m;

	return dns_get16(msg) == id &&
	    dns_parse_answer(msg, len, &m) == DNS_OK &&
	    (m.flags & DNS_F_QR) && m.qdcount == 1 &&
	    dns_same_question(msg, &m, probe_q, &probe_m);
}
