/* SPDX-License-Identifier: MIT */
/*
 * mem.c: start-up allocation.  Pools are carved out of chunks taken from
 * calloc before mem_seal(); nothing is ever freed, and after the seal an
 * allocation is a bug (test builds also trap malloc itself).
 */
#include <string.h>

#include "log.h"
#include "mem.h"

#define MEM_ALIGN	16
#define MEM_CHUNK	(256 * 1024)	/* small pools share a chunk */

static void	*block_get(size_t);

static void	*blocks;	/* every block, linked through its first word:
				 * the arena owns them all (and leak checkers
				 * see them reachable) */
static uint8_t	*chunk;
static size_t	 chunk_left;
static size_t	 total;
static int	 sealed;

static void *
block_get(size_t len)
{
	uint8_t *b;

	if ((b = calloc(1, MEM_ALIGN + len)) == NULL)
		fatal(EX_OS_, "out of memory (%zu bytes)", len);
	memcpy(b, &blocks, sizeof(blocks));
	blocks = b;
	return b + MEM_ALIGN;
}

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
	if (len > MEM_CHUNK / 4)
		return block_get(len);	/* big pools get their own block */
	if (len > chunk_left) {
		chunk = block_get(MEM_CHUNK);
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
