/* SPDX-License-Identifier: MIT */
/*
 * priv.c: dropping root to one capability, and lending it across a
 * reload's execve.  Raw capget/capset/prctl (no libcap, no kernel headers
 * in a musl sysroot), and raw setgroups/setgid/setuid: libc's apply them
 * to every thread (musl's __synccall), dotfwd has one.
 */
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "priv.h"

#define PRIV_PASSWD		"/etc/passwd"
#define PRIV_PASSWD_LINE	1024	/* longer lines are not users of ours */
#define CAPV3			0x20080522	/* _LINUX_CAPABILITY_VERSION_3 */
#define CAP_NET_BIND_SERVICE_	10
#define KEPT			(1u << CAP_NET_BIND_SERVICE_)
#define CAP_MAX_			64	/* two 32-bit words */

/* the 32-bit-id calls where the plain ones take 16-bit ids (arm, i386) */
#ifdef SYS_setuid32
#define SYS_SETUID	SYS_setuid32
#define SYS_SETGID	SYS_setgid32
#define SYS_SETGROUPS	SYS_setgroups32
#else
#define SYS_SETUID	SYS_setuid
#define SYS_SETGID	SYS_setgid
#define SYS_SETGROUPS	SYS_setgroups
#endif

#ifndef PR_CAPBSET_DROP
#define PR_CAPBSET_DROP		24
#endif
#ifndef PR_SET_NO_NEW_PRIVS
#define PR_SET_NO_NEW_PRIVS	38
#endif
#ifndef PR_CAP_AMBIENT
#define PR_CAP_AMBIENT		47
#endif
#ifndef PR_CAP_AMBIENT_RAISE
#define PR_CAP_AMBIENT_RAISE	2
#endif
#ifndef PR_CAP_AMBIENT_CLEAR_ALL
#define PR_CAP_AMBIENT_CLEAR_ALL 4
#endif

struct cap_hdr {
	uint32_t	version;
	int		pid;
};
struct cap_data {
	uint32_t	effective;
	uint32_t	permitted;
	uint32_t	inheritable;
};

static int	cap_get(struct cap_data[2]);
static int	cap_set(const struct cap_data[2]);
static void	keep_only(uint32_t);
static void	bounding_cut(void);
static void	no_new_privs(void);

static int
cap_get(struct cap_data d[2])
{
	struct cap_hdr h = { CAPV3, 0 };

	memset(d, 0, 2 * sizeof(*d));
	return (int)syscall(SYS_capget, &h, d);
}

static int
cap_set(const struct cap_data d[2])
{
	struct cap_hdr h = { CAPV3, 0 };

	return (int)syscall(SYS_capset, &h, d);
}

/*
 * Permitted and effective become (permitted & 'keep'), inheritable and
 * ambient empty.  Lowering never fails for lack of privilege.
 */
static void
keep_only(uint32_t keep)
{
	struct cap_data d[2];

	/* ambient first: it must stay a subset of permitted */
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) == -1 &&
	    errno != EINVAL)	/* EINVAL: a kernel before 4.3 has none */
		log_warn("clearing the ambient capabilities");
	if (cap_get(d) == -1)
		return;
	d[0].permitted &= keep;
	d[0].effective = d[0].permitted;
	d[0].inheritable = 0;
	memset(&d[1], 0, sizeof(d[1]));
	if (cap_set(d) == -1)
		log_warn("capset");
}

/* The bounding set down to KEPT (needs CAP_SETPCAP: root only). */
static void
bounding_cut(void)
{
	int c;

	for (c = 0; c < CAP_MAX_; c++) {
		if (c == CAP_NET_BIND_SERVICE_)
			continue;
		if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) == -1) {
			if (errno != EINVAL)	/* past the kernel's last */
				log_warn("dropping capability %d from the "
				    "bounding set", c);
			break;
		}
	}
}

/* No execve may ever grant privileges again (setuid, file caps). */
static void
no_new_privs(void)
{
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		log_warn("PR_SET_NO_NEW_PRIVS");
}

/*
 * The uid and gid of 'name' from /etc/passwd ("name:pw:uid:gid:..."),
 * read here rather than with getpwnam(), which brings a good part of a
 * C library's name service code with it.  Returns 0, or -1 when there is
 * no such line.  Lines longer than the buffer are skipped.
 */
static int
find_user(const char *name, uint32_t *uid, uint32_t *gid)
{
	char buf[PRIV_PASSWD_LINE], *line, *nl, *f[4], *p;
	size_t len = 0, nlen = strlen(name);
	ssize_t n;
	int fd, k, found = -1, skipping = 0;

	if ((fd = open(PRIV_PASSWD, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	while (found == -1) {
		n = read(fd, buf + len, sizeof(buf) - 1 - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
		buf[len] = '\0';
		line = buf;
		while (found == -1 && (nl = strchr(line, '\n')) != NULL) {
			*nl = '\0';
			if (!skipping && strncmp(line, name, nlen) == 0 &&
			    line[nlen] == ':') {
				/* fields 1..3 after the name */
				for (k = 0, p = line; k < 4 && p != NULL; k++) {
					f[k] = p;
					if ((p = strchr(p, ':')) != NULL)
						*p++ = '\0';
				}
				if (k == 4 && p != NULL &&
				    parse_u32(f[2], 0, UINT32_MAX - 1, uid) == 0 &&
				    parse_u32(f[3], 0, UINT32_MAX - 1, gid) == 0)
					found = 0;
			}
			skipping = 0;
			line = nl + 1;
		}
		len -= (size_t)(line - buf);
		memmove(buf, line, len);
		if (len == sizeof(buf) - 1) {
			len = 0;	/* a line too long to be ours */
			skipping = 1;
		}
	}
	close(fd);
	return found;
}

/* see priv.h */
void
priv_drop(const char *user, const char *fallback)
{
	uint32_t uid, gid;
	const char *name = user;

	if (geteuid() != 0) {
		keep_only(KEPT);
		no_new_privs();
		return;
	}
	if (find_user(user, &uid, &gid) == -1) {
		if (fallback == NULL || find_user(fallback, &uid, &gid) == -1)
			fatalx(EX_OS_, "no user %s to drop privileges to",
			    user);
		log_warnx("no user %s: running as %s, which other programs "
		    "may share", user, fallback);
		name = fallback;
	}
	if (uid == 0)
		fatalx(EX_OS_, "user %s is root: not dropping privileges to "
		    "it", name);
	bounding_cut();
	/* keep the permitted set across setuid, then trim it */
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) == -1)
		log_warn("PR_SET_KEEPCAPS: a reload will not bind low ports");
	/* as root, setgid/setuid set the real, effective and saved ids */
	if (syscall(SYS_SETGROUPS, 1, &(gid_t){ (gid_t)gid }) == -1 ||
	    syscall(SYS_SETGID, (gid_t)gid) == -1 ||
	    syscall(SYS_SETUID, (uid_t)uid) == -1)
		fatal(EX_OS_, "dropping privileges to %s", name);
	if (syscall(SYS_SETUID, 0) != -1)
		fatalx(EX_OS_, "could regain root after dropping it");
	(void)prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
	keep_only(KEPT);
	no_new_privs();
}

/* see priv.h */
void
priv_exec(int on)
{
	struct cap_data d[2];

	if (!on) {
		keep_only(KEPT);
		return;
	}
	if (cap_get(d) == -1 || !(d[0].permitted & KEPT))
		return;
	/* ambient needs the capability inheritable as well */
	d[0].inheritable = KEPT;
	if (cap_set(d) == -1 || prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE,
	    CAP_NET_BIND_SERVICE_, 0, 0) == -1)
		log_warn("SIGHUP: the new image will not bind ports below "
		    "1024");
}
