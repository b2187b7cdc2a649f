/* SPDX-License-Identifier: MIT */
/*
 * source.c: per-source counters (see source.h).  Linear probing over a
 * power-of-two table at most 3/4 full, deletion by backward shift (no
 * tombstones, so lookups stay short however long it runs), and a keyed
 * hash so that the slot an address lands in cannot be predicted.
 */
#include <sys/random.h>

#include <netinet/in.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mem.h"
#include "source.h"

#define SRC_MIX		0x9e3779b97f4a7c15ULL	/* 2^64 / golden ratio */

struct src_ent {
	uint8_t		 family;	/* 0: empty */
	uint8_t		 addr[16];	/* IPv4 in the first 4 bytes */
	uint16_t	 n[SRC_N];
};

static struct src_ent	*tab;
static uint32_t		 mask;		/* capacity - 1 */
static int		 n_live;
static uint64_t		 key[2];

static int	src_key(const struct sockaddr *, struct src_ent *);
static uint32_t	src_hash(const struct src_ent *);
static int	src_find(const struct src_ent *, uint32_t *);
static void	src_delete(uint32_t);

/* see source.h */
void
src_init(int max_refs)
{
	uint32_t cap = 16;

	BUG_ON(max_refs < 1);
	/* every live entry holds a reference: at most 3/4 full */
	while (cap < (uint32_t)max_refs + (uint32_t)max_refs / 3 + 1)
		cap <<= 1;
	tab = mem_alloc(sizeof(*tab) * cap);
	mask = cap - 1;
	n_live = 0;
	if (getrandom(key, sizeof(key), GRND_NONBLOCK) != sizeof(key)) {
		/* early boot without entropy: weaker, still per process */
		key[0] = (uint64_t)time(NULL) * SRC_MIX ^ (uint64_t)getpid();
		key[1] = (uint64_t)(uintptr_t)&key ^ SRC_MIX;
	}
}

/* The table's key for sa; -1 for families that are not IP. */
static int
src_key(const struct sockaddr *sa, struct src_ent *e)
{
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;

	memset(e, 0, sizeof(*e));
	if (sa->sa_family == AF_INET) {
		memcpy(&sin, sa, sizeof(sin));
		memcpy(e->addr, &sin.sin_addr, 4);
	} else if (sa->sa_family == AF_INET6) {
		memcpy(&sin6, sa, sizeof(sin6));
		memcpy(e->addr, &sin6.sin6_addr, 16);
	} else
		return -1;
	e->family = (uint8_t)sa->sa_family;
	return 0;
}

static uint32_t
src_hash(const struct src_ent *e)
{
	uint64_t w[2], h = key[0] ^ e->family;
	int i;

	memcpy(w, e->addr, sizeof(w));
	for (i = 0; i < 2; i++) {
		h = (h ^ w[i]) * SRC_MIX;
		h ^= h >> 29;
		h = (h ^ key[1]) * SRC_MIX;
		h ^= h >> 32;
	}
	return (uint32_t)h;
}

/* 1 and *at = its slot when e's address is in the table; else 0 and
 * *at = the empty slot where it would go. */
static int
src_find(const struct src_ent *e, uint32_t *at)
{
	uint32_t i;

	for (i = src_hash(e) & mask; tab[i].family != 0; i = (i + 1) & mask)
		if (tab[i].family == e->family &&
		    memcmp(tab[i].addr, e->addr, sizeof(e->addr)) == 0) {
			*at = i;
			return 1;
		}
	*at = i;
	return 0;
}

/* Empty slot i and pull later entries of its run back over it, so that
 * no lookup ever stops at a hole before its entry. */
static void
src_delete(uint32_t i)
{
	uint32_t j = i, home;

	for (;;) {
		tab[i].family = 0;
		for (;;) {
			j = (j + 1) & mask;
			if (tab[j].family == 0)
				return;
			home = src_hash(&tab[j]) & mask;
			/* j may move to i unless its home lies in (i, j] */
			if (i <= j ? (home <= i || home > j) :
			    (home <= i && home > j))
				break;
		}
		tab[i] = tab[j];
		i = j;
	}
}

/* see source.h */
int
src_hold(const struct sockaddr *sa, enum src_kind kind, uint32_t limit)
{
	struct src_ent e;
	uint32_t i;

	if (src_key(sa, &e) == -1)
		return -1;
	if (!src_find(&e, &i)) {
		if (limit == 0)
			return -1;
		/* cannot fill: the callers' pools bound the references */
		BUG_ON((uint32_t)n_live >= mask);
		tab[i] = e;
		n_live++;
	} else if (tab[i].n[kind] >= limit)
		return -1;
	BUG_ON(tab[i].n[kind] == UINT16_MAX);
	tab[i].n[kind]++;
	return 0;
}

/* see source.h */
void
src_put(const struct sockaddr *sa, enum src_kind kind)
{
	struct src_ent e;
	uint32_t i;
	int k, any = 0;

	if (src_key(sa, &e) == -1)
		return;
	BUG_ON(!src_find(&e, &i) || tab[i].n[kind] == 0);
	tab[i].n[kind]--;
	for (k = 0; k < SRC_N; k++)
		any |= tab[i].n[k] != 0;
	if (!any) {
		src_delete(i);
		n_live--;
	}
}

/* see source.h */
uint32_t
src_count(const struct sockaddr *sa, enum src_kind kind)
{
	struct src_ent e;
	uint32_t i;

	if (src_key(sa, &e) == -1 || !src_find(&e, &i))
		return 0;
	return tab[i].n[kind];
}

/* see source.h */
int
src_n_live(void)
{
	return n_live;
}
