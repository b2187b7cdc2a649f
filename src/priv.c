/* SPDX-License-Identifier: MIT */
/*
 * priv.c: dropping root and the two capabilities kept for reloads.
 * Raw capget/capset (no libcap, no kernel headers in a musl sysroot).
 */
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/types.h>

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "priv.h"

#define CAPV3			0x20080522	/* _LINUX_CAPABILITY_VERSION_3 */
#define CAP_DAC_READ_SEARCH_	2
#define CAP_NET_BIND_SERVICE_	10
#define BIT(c)			(1u << (c))
#define KEPT	(BIT(CAP_DAC_READ_SEARCH_) | BIT(CAP_NET_BIND_SERVICE_))

#ifndef PR_CAP_AMBIENT
#define PR_CAP_AMBIENT		47
#define PR_CAP_AMBIENT_RAISE	2
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

/* Only the first 32 capabilities matter here; the upper word is zero. */
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

/* Set CAP_DAC_READ_SEARCH in the effective set; returns 1 if that
 * changed it. */
static int
set_read(int on)
{
	struct cap_data d[2];
	uint32_t was;

	if (cap_get(d) == -1 ||
	    !(d[0].permitted & BIT(CAP_DAC_READ_SEARCH_)))
		return 0;
	was = d[0].effective & BIT(CAP_DAC_READ_SEARCH_);
	if (on)
		d[0].effective |= BIT(CAP_DAC_READ_SEARCH_);
	else
		d[0].effective &= ~BIT(CAP_DAC_READ_SEARCH_);
	if ((d[0].effective & BIT(CAP_DAC_READ_SEARCH_)) == was)
		return 0;
	return cap_set(d) == 0;
}

/* see priv.h */
void
priv_read(int on)
{
	static int raised;	/* lower only what was raised here */

	if (geteuid() == 0)
		return;
	if (on && !raised)
		raised = set_read(1);
	else if (!on && raised) {
		set_read(0);
		raised = 0;
	}
}

/* see priv.h */
void
priv_drop(const char *user)
{
	struct cap_data d[2];
	struct passwd *pw;
	int c;

	if (geteuid() != 0) {
		(void)set_read(0);
		return;
	}
	if ((pw = getpwnam(user)) == NULL)
		fatalx(EX_OS_, "no user %s to drop privileges to", user);
	/* keep the permitted set across setuid, then trim it to KEPT */
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) == -1)
		log_warn("PR_SET_KEEPCAPS: a reload will not bind low ports");
	/* as root, setgid/setuid set the real, effective and saved ids */
	if (setgroups(1, &pw->pw_gid) == -1 || setgid(pw->pw_gid) == -1 ||
	    setuid(pw->pw_uid) == -1)
		fatal(EX_OS_, "dropping privileges to %s", user);
	if (setuid(0) != -1)
		fatalx(EX_OS_, "could regain root after dropping it");
	(void)prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
	memset(d, 0, sizeof(d));
	d[0].effective = BIT(CAP_NET_BIND_SERVICE_);
	d[0].permitted = KEPT;
	d[0].inheritable = KEPT;
	if (cap_set(d) == -1) {
		/* capabilities unsupported: run with none at all */
		log_warn("capset: reloads will need readable config files");
		memset(d, 0, sizeof(d));
		(void)cap_set(d);
		return;
	}
	/* ambient: kept across the reload's execve (Linux 4.3 and later) */
	for (c = 0; c < 32; c++)
		if ((KEPT & BIT(c)) && prctl(PR_CAP_AMBIENT,
		    PR_CAP_AMBIENT_RAISE, c, 0, 0) == -1)
			log_debug("ambient capability %d: %s", c,
			    strerror(errno));
}
