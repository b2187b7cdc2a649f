/* SPDX-License-Identifier: MIT */
/*
 * inherit.c: the sockets, facts and state a reload hands over (see
 * inherit.h).  A number from the environment is used only if it is a
 * socket, and a socket only where its bound address and type match a
 * configured one; a state or drain fd only if it is a small regular file,
 * and its content only once the whole blob checked out.
 */
#define _GNU_SOURCE		/* memfd_create */
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <string.h>
#include <unistd.h>

#include "fmt.h"
#include "inherit.h"
#include "log.h"

extern char **environ;

#define INH_MAGIC	"dotfwd\0r"
#define INH_VERSION	1
#define FNV_OFFSET	0xcbf29ce484222325ULL
#define FNV_PRIME	0x100000001b3ULL

struct blob_hdr {
	char		 magic[8];
	uint32_t	 version;
	uint32_t	 n_rec;
	uint64_t	 len;	/* bytes after the header */
	uint64_t	 sum;	/* FNV-1a 64 of those bytes */
};

struct rec_hdr {
	uint16_t	 type;
	uint16_t	 zero;
	uint32_t	 len;	/* payload; then padding to 8 */
};

static int	blob_fd(int);
static const char *num(const char *, uint64_t *);
static uint64_t	fnv(uint64_t, const void *, size_t);

static int	inh[INH_MAX_FDS];
static int	n_inh;
static int	state_fd = -1;
static struct inh_drain drains[INH_MAX_DRAINS];
static int	n_drains;

/* fd may be adopted as a state or drain blob: a small regular file no
 * one has yet.  0, or -1. */
static int
blob_fd(int fd)
{
	struct stat sb;
	int i;

	/* one owner per fd */
	if (fd == state_fd)
		return -1;
	for (i = 0; i < n_drains; i++)
		if (fd == drains[i].fd)
			return -1;
	if (fcntl(fd, F_SETFD, FD_CLOEXEC) == -1 ||
	    fstat(fd, &sb) == -1 || !S_ISREG(sb.st_mode) ||
	    sb.st_size > INH_BLOB_MAX)
		return -1;
	return 0;
}

/* Digits at s into *v (no sign, no blank, no overflow): where they end,
 * or NULL when there are none or too many. */
static const char *
num(const char *s, uint64_t *v)
{
	const char *p;

	*v = 0;
	for (p = s; *p >= '0' && *p <= '9'; p++) {
		/* constants only: no 64-bit division on 32-bit CPUs */
		if (*v > UINT64_MAX / 10 || (*v == UINT64_MAX / 10 &&
		    (uint64_t)(*p - '0') > UINT64_MAX % 10))
			return NULL;
		*v = *v * 10 + (uint64_t)(*p - '0');
	}
	return p == s ? NULL : p;
}

/* see inherit.h */
void
inh_parse(const char *s, struct inh_var *v, const char **bad)
{
	const char *e;
	uint64_t a, b;

	memset(v, 0, sizeof(*v));
	v->state_fd = -1;
	*bad = NULL;
	for (;;) {
		while (*s == ' ')
			s++;
		if (*s == '\0')
			return;
		if (v->n_num == 2 && *s == 's') {
			/* the carried state: the first one */
			if ((e = num(s + 1, &a)) != NULL &&
			    (*e == ' ' || *e == '\0') && a > 2 &&
			    a < INT32_MAX && v->state_fd == -1)
				v->state_fd = (int)a;
			s += strcspn(s, " ");
			continue;
		}
		if (v->n_num == 2 && *s == 'd') {
			/* d<pid>.<fd>: a drainer's counts, to come */
			if ((e = num(s + 1, &a)) != NULL && *e == '.' &&
			    (e = num(e + 1, &b)) != NULL &&
			    (*e == ' ' || *e == '\0') && a > 1 &&
			    a < INT32_MAX && b > 2 && b < INT32_MAX &&
			    v->n_drains < INH_MAX_DRAINS) {
				v->drains[v->n_drains].pid = (int)a;
				v->drains[v->n_drains++].fd = (int)b;
			}
			s += strcspn(s, " ");
			continue;
		}
		if ((e = num(s, &a)) == NULL || (*e != ' ' && *e != '\0')) {
			*bad = s;
			return;
		}
		s = e;
		if (v->n_num == 0)
			v->start_ms = a;
		else if (v->n_num == 1)
			v->clock_synced = a != 0;
		else if (v->n_fds < INH_MAX_FDS && a > 2 && a < INT32_MAX)
			v->fds[v->n_fds++] = (int)a;
		if (v->n_num < 2)
			v->n_num++;
	}
}

/* see inherit.h */
int
inh_init(uint64_t *start_ms, int *clock_synced)
{
	static struct inh_var v;	/* 800 bytes: off the stack */
	const char *e = NULL, *bad;
	char **env;
	int i;

	for (env = environ; env != NULL && *env != NULL; env++)
		if ((e = inh_env_value(*env)) != NULL)
			break;
	if (e == NULL)
		return 0;
	inh_parse(e, &v, &bad);
	if (bad != NULL)
		log_warnx("%s: unreadable from \"%.32s\" on: ignored", INH_ENV,
		    bad);
	if (v.n_num >= 1)
		*start_ms = v.start_ms;
	if (v.n_num >= 2)
		*clock_synced = v.clock_synced;
	/* a state or drain number is used only if it is a small file, a
	 * socket number only if it is a socket */
	if (v.state_fd != -1 && blob_fd(v.state_fd) == 0)
		state_fd = v.state_fd;
	for (i = 0; i < v.n_drains && n_drains < INH_MAX_DRAINS; i++)
		if (blob_fd(v.drains[i].fd) == 0)
			drains[n_drains++] = v.drains[i];
	for (i = 0; i < v.n_fds && n_inh < INH_MAX_FDS; i++)
		if (fcntl(v.fds[i], F_SETFD, FD_CLOEXEC) == 0 &&
		    getsockopt(v.fds[i], SOL_SOCKET, SO_TYPE, &(int){0},
		    &(socklen_t){sizeof(int)}) == 0)
			inh[n_inh++] = v.fds[i];
	return 1;
}

/* see inherit.h */
const char *
inh_env_value(const char *entry)
{
	size_t k = sizeof(INH_ENV) - 1;

	return strncmp(entry, INH_ENV, k) == 0 && entry[k] == '=' ?
	    entry + k + 1 : NULL;
}

/* see inherit.h */
int
inh_take(const struct sockaddr *sa, socklen_t len, int type)
{
	struct sockaddr_storage ss;
	socklen_t sl, tl;
	int i, t, fd;

	for (i = 0; i < n_inh; i++) {
		if (inh[i] == -1)
			continue;
		sl = sizeof(ss);
		tl = sizeof(t);
		memset(&ss, 0, sizeof(ss));
		if (getsockopt(inh[i], SOL_SOCKET, SO_TYPE, &t, &tl) == -1 ||
		    t != type ||
		    getsockname(inh[i], (struct sockaddr *)&ss, &sl) == -1 ||
		    sl != len || memcmp(&ss, sa, len) != 0)
			continue;
		fd = inh[i];
		inh[i] = -1;
		return fd;
	}
	return -1;
}

/* see inherit.h */
void
inh_drop_unused(int all)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int i;

	for (i = 0; i < n_inh; i++) {
		if (inh[i] == -1)
			continue;
		sl = sizeof(ss);
		if (!all && getsockname(inh[i], (struct sockaddr *)&ss,
		    &sl) == 0 && ss.ss_family == AF_UNIX)
			continue;
		close(inh[i]);
		inh[i] = -1;
	}
}

/* see inherit.h */
int
inh_state_fd(void)
{
	int fd = state_fd;

	state_fd = -1;
	return fd;
}

/* see inherit.h */
int
inh_drains(struct inh_drain *out, int cap)
{
	int i, n = MIN(cap, n_drains);

	for (i = 0; i < n_drains; i++) {
		if (i < n)
			out[i] = drains[i];
		else
			close(drains[i].fd);
	}
	n_drains = 0;
	return n;
}

/* see inherit.h */
void
inh_format(char *buf, size_t cap, uint64_t start_ms, int clock_synced,
    int sfd, const struct inh_drain *dr, int n_dr, const int *fds, int n_fds)
{
	size_t len;
	int i;

	BUG_ON(cap < INH_VAR_CAP || n_fds > INH_MAX_FDS ||
	    n_dr > INH_MAX_DRAINS);
	len = fmt_snprintf(buf, cap, "%s=%" PRIu64 " %d", INH_ENV, start_ms,
	    clock_synced != 0);
	if (sfd != -1)
		len += fmt_snprintf(buf + len, cap - len, " s%d", sfd);
	for (i = 0; i < n_dr; i++)
		len += fmt_snprintf(buf + len, cap - len, " d%d.%d",
		    dr[i].pid, dr[i].fd);
	for (i = 0; i < n_fds; i++)
		len += fmt_snprintf(buf + len, cap - len, " %d", fds[i]);
}

static uint64_t
fnv(uint64_t h, const void *p, size_t len)
{
	const uint8_t *b = p;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= b[i];
		h *= FNV_PRIME;
	}
	return h;
}

/* see inherit.h */
int
inh_memfd(void)
{
	int fd;

	if ((fd = memfd_create("dotfwd-reload", MFD_CLOEXEC)) == -1)
		log_warn("reload: memfd_create");
	return fd;
}

/* pwrite all of it, or set the sticky error */
static void
wr(struct inh_wr *w, const void *p, size_t len, uint64_t off)
{
	const uint8_t *b = p;
	ssize_t n;

	while (w->err == 0 && len > 0) {
		n = pwrite(w->fd, b, len, (off_t)off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			w->err = n == -1 ? errno : EIO;
			break;
		}
		b += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
}

/* see inherit.h */
void
inh_wr_begin(struct inh_wr *w, int fd)
{
	memset(w, 0, sizeof(*w));
	w->fd = fd;
	w->off = sizeof(struct blob_hdr);
	w->sum = FNV_OFFSET;
	if (fd == -1 || ftruncate(fd, 0) == -1)
		w->err = fd == -1 ? EBADF : errno;
}

/* see inherit.h */
void
inh_wr_rec(struct inh_wr *w, int type, const void *p, size_t len)
{
	static const uint8_t pad[8];
	struct rec_hdr rh;
	size_t npad = (8 - len % 8) % 8;

	BUG_ON(type <= 0 || type > UINT16_MAX || len > INH_REC_MAX);
	memset(&rh, 0, sizeof(rh));
	rh.type = (uint16_t)type;
	rh.len = (uint32_t)len;
	if (w->off + sizeof(rh) + len + npad > INH_BLOB_MAX) {
		w->err = EFBIG;
		return;
	}
	wr(w, &rh, sizeof(rh), w->off);
	wr(w, p, len, w->off + sizeof(rh));
	wr(w, pad, npad, w->off + sizeof(rh) + len);
	w->sum = fnv(fnv(fnv(w->sum, &rh, sizeof(rh)), p, len), pad, npad);
	w->off += sizeof(rh) + len + npad;
	w->n_rec++;
}

/* see inherit.h */
int
inh_wr_end(struct inh_wr *w)
{
	struct blob_hdr h;

	memset(&h, 0, sizeof(h));
	memcpy(h.magic, INH_MAGIC, sizeof(h.magic));
	h.version = INH_VERSION;
	h.n_rec = w->n_rec;
	h.len = w->off - sizeof(h);
	h.sum = w->sum;
	wr(w, &h, sizeof(h), 0);
	return w->err == 0 ? 0 : -1;
}

/* pread exactly len bytes at off: 0, or -1 */
static int
rd(int fd, void *p, size_t len, uint64_t off)
{
	uint8_t *b = p;
	ssize_t n;

	while (len > 0) {
		n = pread(fd, b, len, (off_t)off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		b += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return 0;
}

/* see inherit.h */
int
inh_read(int fd, void (*cb)(void *, int, const void *, size_t), void *arg,
    const char **why)
{
	uint64_t buf[INH_REC_MAX / 8];
	struct blob_hdr h;
	struct rec_hdr rh;
	struct stat sb;
	uint64_t off, end, sum;
	uint32_t n;
	size_t npad;
	int pass;

	*why = NULL;
	if (fstat(fd, &sb) == -1 || !S_ISREG(sb.st_mode) ||
	    sb.st_size > INH_BLOB_MAX ||
	    (uint64_t)sb.st_size < sizeof(h) || rd(fd, &h, sizeof(h), 0) == -1)
		*why = "not a state blob";
	else if (memcmp(h.magic, INH_MAGIC, sizeof(h.magic)) != 0 ||
	    h.version != INH_VERSION)
		*why = "unknown format";
	else if (h.len != (uint64_t)sb.st_size - sizeof(h))
		*why = "truncated";
	if (*why != NULL)
		return -1;
	end = sizeof(h) + h.len;
	/* pass 0 checks everything, pass 1 delivers */
	for (pass = 0; pass < 2; pass++) {
		sum = FNV_OFFSET;
		for (off = sizeof(h), n = 0; off < end; n++) {
			if (end - off < sizeof(rh) ||
			    rd(fd, &rh, sizeof(rh), off) == -1 ||
			    rh.type == 0 || rh.zero != 0 ||
			    rh.len > INH_REC_MAX) {
				*why = "bad record";
				return -1;
			}
			npad = (8 - rh.len % 8) % 8;
			if (end - off - sizeof(rh) < rh.len + npad ||
			    rd(fd, buf, rh.len + npad, off + sizeof(rh)) == -1) {
				*why = "record past the end";
				return -1;
			}
			if (pass == 1)
				cb(arg, rh.type, buf, rh.len);
			sum = fnv(fnv(sum, &rh, sizeof(rh)), buf,
			    rh.len + npad);
			off += sizeof(rh) + rh.len + npad;
		}
		if (pass == 0 && (n != h.n_rec || sum != h.sum)) {
			*why = n != h.n_rec ? "record count" : "checksum";
			return -1;
		}
	}
	return (int)n;
}
