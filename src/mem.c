/* SPDX-License-Identifier: MIT */
/*
 * mem.c: start-up allocation.  Pools come from anonymous mappings taken
 * before mem_seal(): small ones packed into shared chunks, big ones in
 * mappings of their own, page-aligned, so that a pool nobody uses (a TCP
 * client's output buffer, the spill rows of the query table, the large
 * answer buffer) never becomes resident.  Nothing is written here: the
 * kernel's zero pages are the zeroing.  Never frees; after the seal an
 * allocation is a bug (test builds also trap malloc itself).  Scratch
 * for files and parsing is mapped and unmapped apart (mem_temp).
 */
#include <sys/mman.h>

#include <string.h>

#include "log.h"
#include "mem.h"

#define MEM_ALIGN	16
#define MEM_CHUNK	(64 * 1024)	/* small pools share a chunk */
#define MEM_OWN_MIN	4096	/* from here on a pool gets its own pages:
				 * untouched, they stay out of RSS */

static void	*map(size_t);

static uint8_t	*chunk;
static size_t	 chunk_left;
static size_t	 total;
static int	 sealed;

/* Fresh zero pages (not resident until written). */
static void *
map(size_t len)
{
	void *p;

	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
	    -1, 0);
	if (p == MAP_FAILED)
		fatal(EX_OS_, "out of memory (%zu bytes)", len);
	return p;
}

/* see mem.h */
void *
mem_temp(size_t len)
{
	uint8_t *p;

	/* the length goes in front, for munmap */
	if (len > SIZE_MAX / 2)
		return NULL;
	len += MEM_ALIGN;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
	    -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	memcpy(p, &len, sizeof(len));
	return p + MEM_ALIGN;
}

/* see mem.h */
void
mem_temp_free(void *v)
{
	uint8_t *p = v;
	size_t len;

	if (p == NULL)
		return;
	p -= MEM_ALIGN;
	memcpy(&len, p, sizeof(len));
	(void)munmap(p, len);
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
	if (len >= MEM_OWN_MIN)
		return map(len);	/* the kernel rounds up to pages */
	if (len > chunk_left) {
		chunk = map(MEM_CHUNK);
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
