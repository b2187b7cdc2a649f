/* SPDX-License-Identifier: MIT */
/*
 * reload.c: SIGHUP (see reload.h).  The order matters: nothing of the
 * running state is touched until the new file passed `dotfwd -t`; after
 * the fork the parent touches nothing but the listening sockets (the
 * child owns the upstream connections and the queries in flight).
 */
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include <bearssl_hash.h>

#include "cert.h"
#include "inherit.h"
#include "listen.h"
#include "log.h"
#include "loop.h"
#include "priv.h"
#include "reload.h"
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
static void	drain_start(void);
static uint64_t	drain_next(void *);
static void	drain_tick(void *, uint64_t);

static char		**self_argv;
static const char	*path;		/* the configuration file */
static const struct conf *cf;
static uint8_t		 running_digest[32];
static int		 have_digest;
static int		 draining;
static uint64_t		 drain_deadline_ms;

/* SHA-256 of the configuration file's bytes; -1 if unreadable. */
static int
digest(uint8_t out[32])
{
	br_sha256_context h;
	uint8_t buf[4096];
	ssize_t n;
	int fd;

	priv_read(1);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	priv_read(0);
	if (fd == -1)
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
	size_t n = 0, k = strlen(INH_ENV);
	char **e;

	for (e = environ; e != NULL && *e != NULL; e++) {
		if (strncmp(*e, INH_ENV, k) == 0 && (*e)[k] == '=')
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
	char buf[1024];
	size_t len = 0;
	struct pollfd p;
	uint64_t end = loop_clock() + CHECK_MS;
	int pfd[2], st_, n_lines = 0, null;
	pid_t pid;
	ssize_t n;

	if (pipe(pfd) == -1) {
		log_warn("SIGHUP: pipe");
		return -1;
	}
	fcntl(pfd[0], F_SETFD, FD_CLOEXEC);
	if ((pid = fork()) == -1) {
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
		dprintf(2, "cannot run %s -t: %s\n", SELF_EXE,
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

/* see reload.h */
void
reload_reap(void)
{
	pid_t pid;
	int st_;

	while ((pid = waitpid(-1, &st_, WNOHANG)) > 0)
		if (!WIFEXITED(st_) || WEXITSTATUS(st_) != 0)
			log_warnx("pid %d (a reload's forked copy) ended with "
			    "status %d", (int)pid, WIFEXITED(st_) ?
			    WEXITSTATUS(st_) : 128 + WTERMSIG(st_));
}

/* Fork a drainer if anything is in flight, then exec with the sockets. */
static void
handover(void)
{
	static char var[INH_VAR_CAP];
	int fds[INH_MAX_FDS], n, i, forked = 0;
	pid_t pid;

	lsn_flush(NULL);	/* answers queued this round leave first */
	n = lsn_fds(fds, INH_MAX_FDS - 1);
	if ((i = st_status_fd()) != -1)
		fds[n++] = i;
	inh_format(var, sizeof(var), st.start_ms, cert_clock_synced(), fds, n);
	if (lsn_busy()) {
		if ((pid = fork()) == -1) {
			log_warn("SIGHUP: fork: keeping the running "
			    "configuration");
			return;
		}
		if (pid == 0) {
			drain_start();
			return;
		}
		forked = 1;
		log_info("SIGHUP: pid %d answers the queries in flight",
		    (int)pid);
	}
	log_info("SIGHUP: %s changed: re-executing with %d sockets",
	    path, n);
	for (i = 0; i < n; i++)
		fcntl(fds[i], F_SETFD, 0);
	/* a signal during the new image's start-up waits for its loop */
	loop_block_signals(1);
	execve(SELF_EXE, self_argv, exec_env(var));
	log_warn("SIGHUP: exec %s", SELF_EXE);
	loop_block_signals(0);
	/* the drainer owns the upstream connections now: start afresh */
	if (forked)
		fatalx(EX_OS_, "cannot re-execute after handing over queries");
	for (i = 0; i < n; i++)
		fcntl(fds[i], F_SETFD, FD_CLOEXEC);
}

/* The forked copy: no more listening, answer what is out, exit. */
static void
drain_start(void)
{
	draining = 1;
	st_status_close();
	lsn_drain();
	drain_deadline_ms = loop_now() + cf->timeout_ms + DRAIN_EXTRA_MS;
	loop_timer(drain_next, drain_tick, NULL);
}

static uint64_t
drain_next(void *arg)
{
	(void)arg;
	return lsn_busy() ? drain_deadline_ms : 0;
}

static void
drain_tick(void *arg, uint64_t now)
{
	(void)arg;
	(void)now;
	if (lsn_busy())
		log_warnx("SIGHUP: pid %d: queries still open at the drain "
		    "deadline, exiting", (int)getpid());
	else
		log_info("SIGHUP: pid %d: the queries in flight are answered, "
		    "exiting", (int)getpid());
	loop_stop();
}
