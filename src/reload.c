/* SPDX-License-Identifier: MIT */
/*
 * reload.c: SIGHUP (see reload.h).  The order matters: nothing of the
 * running state is touched until the new file passed `dotfwd -t`; after
 * the fork the parent touches nothing but the listening sockets (the
 * child owns the upstream connections and the queries in flight).
 * _Fork, not fork: dotfwd has one thread, so libc's locks need no care
 * across the fork (and their code stays out of the binary).
 */
#define _GNU_SOURCE		/* _Fork() in glibc */
#include <sys/syscall.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include <bearssl_hash.h>

#include "cert.h"
#include "fmt.h"
#include "inherit.h"
#include "listen.h"
#include "log.h"
#include "loop.h"
#include "priv.h"
#include "reload.h"
#include "ring.h"
#include "server.h"
#include "stats.h"
#include "upstream.h"

#define SELF_EXE	"/proc/self/exe"
#define RELOAD_MAX_ENV	256	/* environment entries passed on */
#define CHECK_MS	10000	/* `dotfwd -t` gets this long */
#define CHECK_LINES	20	/* of its output, logged at most */
#define DRAIN_EXTRA_MS	2000	/* drain: timeout_ms + this, at most */

extern char **environ;

static int	digest(uint8_t out[32]);
static int	check_config(void);
static void	handover(void);
static int	write_state(void);
static void	drain_start(int);
static uint64_t	drain_next(void *);
static void	drain_tick(void *, uint64_t);
static void	take(void *, int, const void *, size_t);

static char		**self_argv;
static const char	*path;		/* the configuration file */
static const struct conf *cf;
static uint8_t		 running_digest[32];
static int		 have_digest;
static int		 draining;
static uint64_t		 drain_deadline_ms;
static int		 report_fd = -1;	/* the drainer's counts */
/* forked copies whose counts are still to come (ours or an earlier
 * image's: all are this PID's children) */
static struct inh_drain	 pend[INH_MAX_DRAINS];
static int		 n_pend;

/* SHA-256 of the configuration file's bytes; -1 if unreadable. */
static int
digest(uint8_t out[32])
{
	br_sha256_context h;
	uint8_t buf[4096];
	ssize_t n;
	int fd;

	/* as the unprivileged user: the file must be readable by its group */
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	br_sha256_init(&h);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		br_sha256_update(&h, buf, (size_t)n);
	close(fd);
	if (n == -1)
		return -1;
	br_sha256_out(&h, out);
	return 0;
}

/* see reload.h */
void
reload_init(char **argv, const char *conf_path, const struct conf *c)
{
	self_argv = argv;
	path = conf_path;
	cf = c;
	have_digest = digest(running_digest) == 0;
}

/* Environment for an exec: ours without INH_ENV, plus 'extra'. */
static char **
exec_env(char *extra)
{
	static char *env[RELOAD_MAX_ENV + 2];
	size_t n = 0;
	char **e;

	for (e = environ; e != NULL && *e != NULL; e++) {
		if (inh_env_value(*e) != NULL)
			continue;
		if (n < RELOAD_MAX_ENV)
			env[n++] = *e;
	}
	if (extra != NULL)
		env[n++] = extra;
	env[n] = NULL;
	return env;
}

/* Log the complete lines of the checker's output (the rest too when
 * 'flush'); past CHECK_LINES lines, one note instead of the others. */
static void
log_lines(char *buf, size_t *len, int *n_lines, int flush)
{
	char *p = buf, *end = buf + *len, *nl;

	while (p < end) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL) {
			if (!flush)
				break;
			nl = end;	/* buf has room for this NUL */
		}
		*nl = '\0';
		if (nl > p) {
			if (*n_lines < CHECK_LINES)
				log_warnx("%s", p);
			else if (*n_lines == CHECK_LINES)
				log_warnx("(more problems not shown)");
			(*n_lines)++;
		}
		p = nl < end ? nl + 1 : end;
	}
	*len = (size_t)(end - p);
	memmove(buf, p, *len);
}

/*
 * `dotfwd -t -c FILE` in a child, its output logged: 0 when the file is
 * valid, 1 when it has errors, -1 when it could not be checked.  Blocks the loop for as long as the check takes (milliseconds;
 * the kernel queues queries meanwhile), CHECK_MS at most.
 */
static int
check_config(void)
{
	char *argv[] = { self_argv[0], "-t", "-c", (char *)path, NULL };
	char buf[1024], ebuf[128];
	struct fmt_out err;
	size_t len = 0;
	struct pollfd p;
	uint64_t end = loop_clock() + CHECK_MS;
	int pfd[2], st_, n_lines = 0, null;
	pid_t pid;
	ssize_t n;

	/* the child's dup2 copies of pfd[1] stay open across its execve */
	if (syscall(SYS_pipe2, pfd, O_CLOEXEC) == -1) {
		log_warn("SIGHUP: pipe");
		return -1;
	}
	if ((pid = _Fork()) == -1) {
		log_warn("SIGHUP: fork");
		close(pfd[0]);
		close(pfd[1]);
		return -1;
	}
	if (pid == 0) {
		null = open("/dev/null", O_RDWR);
		if (null != -1)
			dup2(null, 0);
		dup2(pfd[1], 1);
		dup2(pfd[1], 2);
		execve(SELF_EXE, argv, exec_env(NULL));
		fmt_out_err(&err, ebuf, sizeof(ebuf));
		fmt_printf(&err, "cannot run %s -t: %s\n", SELF_EXE,
		    log_errstr(errno));
		_exit(EX_OS_);
	}
	close(pfd[1]);
	p.fd = pfd[0];
	p.events = POLLIN;
	for (;;) {
		if (loop_clock() >= end) {
			log_warnx("SIGHUP: configuration check took over %d "
			    "ms: stopped", CHECK_MS);
			kill(pid, SIGKILL);
			break;
		}
		if (poll(&p, 1, (int)(end - loop_clock())) <= 0)
			continue;
		n = read(pfd[0], buf + len, sizeof(buf) - 1 - len);
		if (n == 0)
			break;
		if (n == -1) {
			if (errno == EINTR)
				continue;
			break;
		}
		len += (size_t)n;
		log_lines(buf, &len, &n_lines, 0);
		if (len == sizeof(buf) - 1)	/* one line longer than buf */
			log_lines(buf, &len, &n_lines, 1);
	}
	log_lines(buf, &len, &n_lines, 1);
	close(pfd[0]);
	while (waitpid(pid, &st_, 0) == -1)
		if (errno != EINTR)
			return -1;
	if (!WIFEXITED(st_))
		return -1;
	return WEXITSTATUS(st_) == 0 ? 0 : WEXITSTATUS(st_) == 1 ? 1 : -1;
}

/* see reload.h */
void
reload_hup(void)
{
	uint8_t d[32];
	int r;

	if (draining)
		return;
	if (digest(d) == -1) {
		log_warn("SIGHUP: cannot read %s, keeping the running "
		    "configuration; re-checking upstreams", path);
		up_recheck();
		return;
	}
	if (have_digest && memcmp(d, running_digest, sizeof(d)) == 0) {
		log_info("SIGHUP: %s unchanged: re-checking upstreams",
		    path);
		up_recheck();
		/* renewed server certificate files, if any */
		srv_recheck();
		return;
	}
	if ((r = check_config()) != 0) {
		log_warnx("SIGHUP: %s %s (above): keeping the running "
		    "configuration", path, r == 1 ? "has errors" :
		    "could not be checked");
		up_recheck();
		return;
	}
	handover();
}

/* A record of a carried blob to its module; *arg: enum inh_mode. */
static void
take(void *arg, int type, const void *p, size_t len)
{
	int mode = *(int *)arg;

	switch (type) {
	case INH_R_TOTALS:
		st_restore(p, len, mode);
		break;
	case INH_R_ADDR:
		up_restore(p, len, mode);
		break;
	case INH_R_RING:
	case INH_R_RING_COL:
	case INH_R_SAMPLE:
		/* a drainer's ring is not the running one */
		if (mode == INH_RESTORE)
			ring_restore(type, p, len);
		break;
	default:
		break;
	}
}

/* see reload.h */
void
reload_restore(void)
{
	const char *why;
	int fd, mode = INH_RESTORE, r;

	n_pend = inh_drains(pend, INH_MAX_DRAINS);
	if ((fd = inh_state_fd()) == -1)
		return;
	if ((r = inh_read(fd, take, &mode, &why)) == -1)
		log_warnx("reload: the carried counters are unusable (%s): "
		    "they start from zero", why);
	else
		log_debug("reload: %d records of counters and health taken "
		    "over", r);
	close(fd);
}

/* see reload.h */
void
reload_reap(void)
{
	const char *why;
	pid_t pid;
	int st_, i, mode = INH_ADD, fd;

	while ((pid = waitpid(-1, &st_, WNOHANG)) > 0) {
		for (i = 0; i < n_pend && pend[i].pid != (int)pid; i++)
			;
		fd = i < n_pend ? pend[i].fd : -1;
		if (i < n_pend)
			pend[i] = pend[--n_pend];
		if (!WIFEXITED(st_) || WEXITSTATUS(st_) != 0)
			log_warnx("pid %d (a reload's forked copy) ended with "
			    "status %d%s", (int)pid, WIFEXITED(st_) ?
			    WEXITSTATUS(st_) : 128 + WTERMSIG(st_),
			    fd != -1 ? ": its counts are lost" : "");
		else if (fd != -1 && inh_read(fd, take, &mode, &why) == -1)
			log_warnx("pid %d (a reload's forked copy): its counts "
			    "are unusable (%s)", (int)pid, why);
		if (fd != -1)
			close(fd);
	}
}

/* The state for the next image in a new memfd: its fd, or -1 (logged:
 * the next image starts its counters from zero). */
static int
write_state(void)
{
	struct inh_wr w;
	int fd;

	if ((fd = inh_memfd()) == -1)
		return -1;
	inh_wr_begin(&w, fd);
	st_carry(&w);
	up_carry(&w);
	ring_carry(&w);
	if (inh_wr_end(&w) == -1) {
		log_warnx("SIGHUP: cannot write the counters for the next "
		    "image (%s): they start from zero", log_errstr(w.err));
		close(fd);
		return -1;
	}
	return fd;
}

/* fds handed to the next image: not closed by the execve (1) or again
 * closed by it (0, when the execve failed) */
static void
keep_open(const int *fds, int n, int sfd, int keep)
{
	int i;

	for (i = 0; i < n; i++)
		fcntl(fds[i], F_SETFD, keep ? 0 : FD_CLOEXEC);
	for (i = 0; i < n_pend; i++)
		fcntl(pend[i].fd, F_SETFD, keep ? 0 : FD_CLOEXEC);
	if (sfd != -1)
		fcntl(sfd, F_SETFD, keep ? 0 : FD_CLOEXEC);
}

/*
 * Fork a drainer if anything is in flight (with a memfd for its
 * counts), then exec with the sockets, the state and the drainers.  The
 * state is written first: after it nothing runs here but fork and exec,
 * so what the next image and the drainer count adds up.
 */
static void
handover(void)
{
	static char var[INH_VAR_CAP];
	int fds[INH_MAX_FDS], n, i, sfd, rfd = -1, forked = 0;
	pid_t pid;

	lsn_flush(NULL);	/* answers queued this round leave first */
	n = lsn_fds(fds, INH_MAX_FDS - 1);
	n += srv_fds(fds + n, INH_MAX_FDS - 1 - n);
	if ((i = st_status_fd()) != -1)
		fds[n++] = i;
	sfd = write_state();
	/* established DoT clients stay with the copy until they are quiet */
	if (lsn_busy() || srv_busy()) {
		if ((rfd = inh_memfd()) != -1 && n_pend == INH_MAX_DRAINS) {
			/* reloads quicker than drains: the oldest is
			 * forgotten (reaped all the same) */
			log_warnx("SIGHUP: %d forked copies still draining: "
			    "the counts of pid %d will be lost", n_pend,
			    pend[0].pid);
			close(pend[0].fd);
			memmove(&pend[0], &pend[1], sizeof(pend[0]) *
			    (size_t)--n_pend);
		}
		if ((pid = _Fork()) == -1) {
			log_warn("SIGHUP: fork: keeping the running "
			    "configuration");
			if (sfd != -1)
				close(sfd);
			if (rfd != -1)
				close(rfd);
			return;
		}
		if (pid == 0) {
			if (sfd != -1)
				close(sfd);
			drain_start(rfd);
			return;
		}
		forked = 1;
		log_info("SIGHUP: pid %d answers the queries in flight",
		    (int)pid);
		if (rfd != -1) {
			pend[n_pend].pid = (int)pid;
			pend[n_pend++].fd = rfd;
		}
	}
	inh_format(var, sizeof(var), st.start_ms, cert_clock_synced(), sfd,
	    pend, n_pend, fds, n);
	log_info("SIGHUP: %s changed: re-executing with %d sockets",
	    path, n);
	keep_open(fds, n, sfd, 1);
	/* a signal during the new image's start-up waits for its loop */
	loop_block_signals(1);
	/* lent for the execve only (a new port-53 address); see priv.h */
	priv_exec(1);
	execve(SELF_EXE, self_argv, exec_env(var));
	log_warn("SIGHUP: exec %s", SELF_EXE);
	priv_exec(0);
	loop_block_signals(0);
	/* the drainer owns the upstream connections now: start afresh */
	if (forked)
		fatalx(EX_OS_, "cannot re-execute after handing over queries");
	keep_open(fds, n, sfd, 0);
	if (sfd != -1)
		close(sfd);
}

/*
 * The forked copy: no more listening, answer what is out, exit.  Its
 * counters start at zero, so what it writes at the end (to fd, -1: it
 * could not be made) is exactly what it did; the other drainers' fds
 * belong to the image that reaps them.
 */
static void
drain_start(int fd)
{
	int i;

	draining = 1;
	report_fd = fd;
	for (i = 0; i < n_pend; i++)
		if (pend[i].fd != fd)
			close(pend[i].fd);
	n_pend = 0;
	st_reset_counts();
	up_reset_counts();
	st_status_close();
	lsn_drain();
	srv_drain();
	drain_deadline_ms = loop_now() + cf->timeout_ms + DRAIN_EXTRA_MS;
	loop_timer(drain_next, drain_tick, NULL);
}

static uint64_t
drain_next(void *arg)
{
	(void)arg;
	return lsn_busy() || srv_busy() ? drain_deadline_ms : 0;
}

static void
drain_tick(void *arg, uint64_t now)
{
	struct inh_wr w;

	(void)arg;
	(void)now;
	if (lsn_busy() || srv_busy())
		log_warnx("SIGHUP: pid %d: queries still open at the drain "
		    "deadline, exiting", (int)getpid());
	else
		log_info("SIGHUP: pid %d: the queries in flight are answered, "
		    "exiting", (int)getpid());
	if (report_fd != -1) {
		inh_wr_begin(&w, report_fd);
		st_carry(&w);
		up_carry(&w);
		if (inh_wr_end(&w) == -1)
			log_warnx("SIGHUP: pid %d: cannot write its counts "
			    "(%s)", (int)getpid(), log_errstr(w.err));
		close(report_fd);
		report_fd = -1;
	}
	loop_stop();
}
