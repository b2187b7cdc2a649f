/* SPDX-License-Identifier: MIT */
/*
 * memwrap.c: test builds only (BOARD=host-asan).  Linked with
 * -Wl,--wrap=malloc,... so that every allocation our own code makes goes
 * through here; once mem_is_sealed() says the start-up arena is sealed, an
 * allocation is a bug: name it on stderr and abort.  free(NULL) stays
 * allowed.  Calls made inside libc are not wrapped.
 */
#include <netdb.h>
#include <string.h>
#include <unistd.h>

#include "mem.h"

void	*__real_malloc(size_t);
void	*__real_calloc(size_t, size_t);
void	*__real_realloc(void *, size_t);
void	 __real_free(void *);
char	*__real_strdup(const char *);
char	*__real_strndup(const char *, size_t);
int	 __real_getaddrinfo(const char *, const char *,
	    const struct addrinfo *, struct addrinfo **);

void	*__wrap_malloc(size_t);
void	*__wrap_calloc(size_t, size_t);
void	*__wrap_realloc(void *, size_t);
void	 __wrap_free(void *);
char	*__wrap_strdup(const char *);
char	*__wrap_strndup(const char *, size_t);
int	 __wrap_getaddrinfo(const char *, const char *,
	    const struct addrinfo *, struct addrinfo **);

static void
check(const char *fn)
{
	static const char pre[] = "dotfwd: malloc after seal: ";

	if (!mem_is_sealed())
		return;
	/* write(2), not stdio: stdio may allocate. */
	(void)!write(STDERR_FILENO, pre, sizeof(pre) - 1);
	(void)!write(STDERR_FILENO, fn, strlen(fn));
	(void)!write(STDERR_FILENO, "\n", 1);
	abort();
}

void *
__wrap_malloc(size_t n)
{
	check("malloc");
	return __real_malloc(n);
}

void *
__wrap_calloc(size_t n, size_t sz)
{
	check("calloc");
	return __real_calloc(n, sz);
}

void *
__wrap_realloc(void *p, size_t n)
{
	check("realloc");
	return __real_realloc(p, n);
}

void
__wrap_free(void *p)
{
	if (p != NULL)
		check("free");
	__real_free(p);
}

char *
__wrap_strdup(const char *s)
{
	check("strdup");
	return __real_strdup(s);
}

char *
__wrap_strndup(const char *s, size_t n)
{
	check("strndup");
	return __real_strndup(s, n);
}

int
__wrap_getaddrinfo(const char *node, const char *service,
    const struct addrinfo *hints, struct addrinfo **res)
{
	check("getaddrinfo");
	return __real_getaddrinfo(node, service, hints, res);
}
