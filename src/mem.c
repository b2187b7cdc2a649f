/* SPDX-License-Identifier: MIT */
/*
 * mem.c: start-up allocation.  Pools are carved out of chunks taken from
 * calloc before mem_seal(); nothing is ever freed, and after the seal an
 * allocation is a bug (test builds also trap malloc itself).
 */
#include "log.h"
#include "mem.h"

#define MEM_ALIGN	16
#define MEM_CHUNK	(256 * 1024)	/* small pools share a chunk */

static uint8_t	*chunk;
static size_t	 chunk_left;
static size_t	 total;
static int	 sealed;

/* see mem.h */
void *
mem_alloc(size_t len)
{
	void *p;

	BUG_ON(sealed);
	len = (len + MEM_ALIGN - 1) & ~(size_t)(MEM_ALIGN - 1);
	if (len == 0)
		len = MEM_ALIGN;
	total += len;
	if (len > MEM_CHUNK / 4) {
		/* big pools get their own block */
		if ((p = calloc(1, len)) == NULL)
			fatal(EX_OS_, "out of memory (%zu bytes)", len);
		return p;
	}
	if (len > chunk_left) {
		if ((chunk = calloc(1, MEM_CHUNK)) == NULL)
			fatal(EX_OS_, "out of memory (%d bytes)", MEM_CHUNK);
		chunk_left = MEM_CHUNK;
	}
	p = chunk;
	chunk += len;
	chunk_left -= len;
	return p;
}

/* see mem.h */
void
mem_seal(void)
{
	sealed = 1;
}

/* see mem.h */
int
mem_is_sealed(void)
{
	return sealed;
}

/* see mem.h */
size_t
mem_total(void)
{
	return total;
}
