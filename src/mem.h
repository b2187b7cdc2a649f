/* SPDX-License-Identifier: MIT */
/*
 * mem.h: the start-up arena.  Every pool is carved here before
 * mem_seal(); after the seal any allocation is a bug.  Never frees.
 */
#ifndef MEM_H
#define MEM_H

#include "compat.h"

/*
 * Zeroed, 16-byte aligned; from 4 KB on page-aligned in pages of its own,
 * which stay out of RSS until written.  Exits 71 when memory is short;
 * BUG after seal.
 */
void	*mem_alloc(size_t len);
/* Called just before loop_run(); test builds then abort on malloc. */
void	 mem_seal(void);
int	 mem_is_sealed(void);
/* Bytes handed out so far (for the start-up log line and status). */
size_t	 mem_total(void);

/*
 * Scratch outside the arena, for reading files and the configuration
 * (start-up, `dotfwd -t`, the query client): fresh zeroed pages, given
 * back to the kernel by mem_temp_free().  NULL when memory is short.
 * Nothing in dotfwd uses malloc.
 */
void	*mem_temp(size_t len);
void	 mem_temp_free(void *);

#endif
