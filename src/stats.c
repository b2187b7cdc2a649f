/* SPDX-License-Identifier: MIT */
/*
 * stats.c: the counters struct, its SIGUSR1 line and the status socket
 * behind `dotfwd status` (JSON).  Integer only.  The socket's name is
 * public (abstract namespace), so both ends check who is on the other
 * side (SO_PEERCRED): the daemon serves only root and its own user, and
 * refuses to start when another process holds the name; the client
 * trusts only a server run by root, by itself or by the owner of the
 * configuration file, and gives it a deadline and a size cap.
 */
#define _GNU_SOURCE		/* O_PATH: Linux */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>

#include "fmt.h"
#include "inherit.h"
#include "log.h"
#include "loop.h"
#include "mem.h"
#include "stats.h"

#define ST_NAME_PREFIX	"dotfwd-status:"
#define ST_CLIENT_MS	1000	/* a status reader gets this long */
#define ST_QUERY_MS	3000	/* `dotfwd status`: the whole exchange */
#define ST_RETRY_MS	50	/* backlog full: try again after this */
#define ST_LOG_MS	60000	/* refused readers: one line a minute */

/* SO_PEERCRED's struct ucred, spelt out: glibc and musl show theirs
 * only with _GNU_SOURCE. */
struct st_cred {
	int32_t		 pid;
	uint32_t	 uid;
	uint32_t	 gid;
};

struct st st;

static int	abs_path(const char *, char *, size_t);
static int	status_addr(const char *, struct sockaddr_un *, socklen_t *);
static void	status_accept(void *, short);
static void	status_write(void *, short);
static void	status_drop(void);
static size_t	status_json(char *, size_t);
static uint64_t	status_next(void *);
static void	status_tick(void *, uint64_t);
static int	peer_cred(int, struct st_cred *);
static void	squatter(const struct sockaddr_un *, socklen_t) DEAD;
static uint64_t	up_secs(uint64_t);

static size_t	(*up_json)(char *, size_t, size_t);
static size_t	(*hist_json)(char *, size_t, size_t);
static int	(*is_synced)(void);
static char	*doc;			/* ST_JSON_CAP */
static size_t	 doc_len, doc_off;
static int	 lfd = -1, lh = -1;	/* listener */
static int	 cfd = -1, ch = -1;	/* the one reader being served */
static uint64_t	 client_deadline_ms;
static struct log_rl rl_refused;
static char	 reply[ST_JSON_CAP + 1];	/* `dotfwd status` */

/*
 * The file's absolute path, links resolved, as the kernel names the open
 * file (what realpath(3) does on Linux, without its malloc).
 */
static int
abs_path(const char *path, char *abs, size_t cap)
{
	char fdp[32];
	ssize_t n;
	int fd;

	if ((fd = open(path, O_PATH | O_CLOEXEC)) == -1)
		return -1;
	fmt_snprintf(fdp, sizeof(fdp), "/proc/self/fd/%d", fd);
	n = readlink(fdp, abs, cap - 1);
	close(fd);
	if (n <= 0 || (size_t)n >= cap - 1 || abs[0] != '/')
		return -1;
	abs[n] = '\0';
	return 0;
}

/* Abstract socket name from the config's absolute path. */
static int
status_addr(const char *conf_path, struct sockaddr_un *sun, socklen_t *len)
{
	char abs[PATH_MAX];
	size_t n;

	if (abs_path(conf_path, abs, sizeof(abs)) == -1)
		return -1;
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	n = fmt_snprintf(sun->sun_path + 1, sizeof(sun->sun_path) - 1, "%s%s",
	    ST_NAME_PREFIX, abs);
	if (n >= sizeof(sun->sun_path) - 1)
		return -1;
	*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n);
	return 0;
}

/* see stats.h */
void
st_status_init(const char *conf_path,
    size_t (*upstreams)(char *, size_t, size_t), int (*clock_synced)(void))
{
	struct sockaddr_un sun;
	socklen_t len;

	up_json = upstreams;
	is_synced = clock_synced;
	doc = mem_alloc(ST_JSON_CAP);
	log_rl_init(&rl_refused, ST_LOG_MS, 1);
	if (status_addr(conf_path, &sun, &len) == -1) {
		log_warnx("status: no socket name for %s", conf_path);
		return;
	}
	if ((lfd = inh_take((struct sockaddr *)&sun, len,
	    SOCK_STREAM)) != -1)
		;	/* handed over by a reload, still listening */
	else if ((lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) == -1)
		fatal(EX_OS_, "status socket");
	else if (bind(lfd, (struct sockaddr *)&sun, len) == -1) {
		/* `dotfwd status` would talk to whoever holds the name */
		if (errno == EADDRINUSE)
			squatter(&sun, len);
		fatal(EX_OS_, "status socket @%s", sun.sun_path + 1);
	} else if (listen(lfd, 4) == -1)
		fatal(EX_OS_, "status socket: listen");
	if ((lh = loop_add(lfd, status_accept, NULL)) == -1)
		fatalx(EX_SOFT_, "no loop slot for the status socket");
	loop_set(lh, POLLIN);
	loop_timer(status_next, status_tick, NULL);
}

/* see stats.h */
int
st_status_fd(void)
{
	return lfd;
}

/* see stats.h */
void
st_status_close(void)
{
	if (cfd != -1)
		status_drop();
	if (lfd != -1) {
		loop_del(lh);
		close(lfd);
		lfd = lh = -1;
	}
}

static uint64_t
status_next(void *arg)
{
	(void)arg;
	return cfd != -1 ? client_deadline_ms : UINT64_MAX;
}

/* A reader that does not take its document in time is dropped. */
static void
status_tick(void *arg, uint64_t now)
{
	(void)arg;
	if (cfd != -1 && now >= client_deadline_ms)
		status_drop();
}

/* Never returns: says who holds the status socket's name. */
static void
squatter(const struct sockaddr_un *sun, socklen_t len)
{
	struct st_cred uc;
	int fd;

	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) != -1 && connect(fd, (const struct sockaddr *)sun, len) == 0 &&
	    peer_cred(fd, &uc) == 0)
		fatalx(EX_OS_, "status socket @%s is held by pid %ld (uid %ld):"
		    " another dotfwd runs with this configuration, or another "
		    "program took the name; not starting", sun->sun_path + 1,
		    (long)uc.pid, (long)uc.uid);
	fatalx(EX_OS_, "status socket @%s is in use: another dotfwd runs "
	    "with this configuration, or another program took the name; not "
	    "starting", sun->sun_path + 1);
}

/* The credentials of the other end of a unix socket (see unix(7)). */
static int
peer_cred(int fd, struct st_cred *uc)
{
	socklen_t len = sizeof(*uc);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, uc, &len) == -1 ||
	    len != sizeof(*uc))
		return -1;
	return 0;
}

static void
status_accept(void *arg, short revents)
{
	struct st_cred uc;
	uint32_t n;
	int fd;

	(void)arg;
	(void)revents;
	if ((fd = loop_accept(lfd, NULL, NULL)) == -1)
		return;
	memset(&uc, 0xff, sizeof(uc));
	/* the counters and upstreams are for root and our own user only */
	if (peer_cred(fd, &uc) == -1 || (uc.uid != 0 && uc.uid != geteuid())) {
		if (log_rl_allow(&rl_refused, loop_now(), &n))
			log_info("status: refused a reader with uid %ld (pid "
			    "%ld): only root and uid %ld may read it",
			    (long)uc.uid, (long)uc.pid, (long)geteuid());
		close(fd);
		return;
	}
	if (cfd != -1) {
		/* one reader at a time: a stuck one is dropped at its
		 * deadline, the newcomer is simply closed */
		close(fd);
		return;
	}
	if ((ch = loop_add(fd, status_write, NULL)) == -1) {
		close(fd);
		return;
	}
	cfd = fd;
	doc_len = status_json(doc, ST_JSON_CAP);
	doc_off = 0;
	client_deadline_ms = loop_now() + ST_CLIENT_MS;
	loop_set(ch, POLLOUT);
}

static void
status_write(void *arg, short revents)
{
	ssize_t n;

	(void)arg;
	(void)revents;
	n = send(cfd, doc + doc_off, doc_len - doc_off, MSG_NOSIGNAL);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0 || (doc_off += (size_t)n) == doc_len)
		status_drop();
}

static void
status_drop(void)
{
	loop_del(ch);
	close(cfd);
	cfd = ch = -1;
}

/* Append printf output; stops (and stays) at cap - 1. */
static size_t PRINTF(4, 5)
add(char *buf, size_t len, size_t cap, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	if (len >= cap - 1)
		return len;
	va_start(ap, fmt);
	n = fmt_vsnprintf(buf + len, cap - len, fmt, ap);
	va_end(ap);
	return MIN(len + n, cap - 1);
}

static size_t
status_json(char *buf, size_t cap)
{
	size_t len = 0;

	len = add(buf, len, cap, "{\"version\": \"%s\", \"uptime\": %"
	    PRIu64 ", \"clock_synced\": %s, \"totals\": {\"queries\": %"
	    PRIu64 ", \"queries_udp\": %" PRIu64 ", \"queries_tcp\": %"
	    PRIu64 ", \"answered\": %" PRIu64 ", \"servfail\": %" PRIu64
	    ", \"timeouts\": %" PRIu64 ", \"refused\": %" PRIu64
	    ", \"formerr\": %" PRIu64 ", \"truncated\": %" PRIu64
	    ", \"table_full\": %" PRIu64 ", \"source_full\": %" PRIu64
	    ", \"notimp\": %" PRIu64 ", \"abandoned\": %" PRIu64
	    ", \"tcp_accepted\": %" PRIu64 ", \"tcp_refused\": %" PRIu64
	    ", \"tcp_source_full\": %" PRIu64 ", \"tcp_evicted\": %" PRIu64
	    ", \"tcp_paused\": %" PRIu64 "}, \"upstreams\": ",
	    DOTFWD_VERSION, up_secs(loop_now()),
	    is_synced() ? "true" : "false", st.q_udp + st.q_tcp, st.q_udp,
	    st.q_tcp, st.answered, st.servfail, st.timeouts, st.refused,
	    st.formerr, st.truncated, st.qtab_full, st.source_full, st.notimp,
	    st.abandoned, st.tcp_accepted, st.tcp_refused, st.tcp_source_full,
	    st.tcp_evicted, st.tcp_full);
	len = up_json(buf, len, cap);
	if (hist_json != NULL)
		len = hist_json(buf, len, cap);
	len = add(buf, len, cap, "}\n");
	return len;
}

/* seconds since start-up at ms */
static uint64_t
up_secs(uint64_t ms)
{
	uint32_t r;

	return u64_div(ms - st.start_ms, 1000, &r);
}

/* see stats.h */
void
st_status_history(size_t (*history)(char *, size_t, size_t))
{
	hist_json = history;
}

/* see stats.h */
void
st_carry(struct inh_wr *w)
{
	inh_wr_rec(w, INH_R_TOTALS, &st, sizeof(st));
}

/* see stats.h */
int
st_restore(const void *p, size_t len, int mode)
{
	uint64_t v[sizeof(struct st) / sizeof(uint64_t)], *to;
	size_t i;

	if (len != sizeof(st))
		return -1;
	memcpy(v, p, sizeof(v));
	/* struct st is uint64_t counters after start_ms, nothing else */
	to = (uint64_t *)(void *)&st;
	for (i = 1; i < nitems(v); i++)
		to[i] = (mode == INH_ADD ? to[i] : 0) + v[i];
	return 0;
}

/* see stats.h */
void
st_reset_counts(void)
{
	uint64_t start = st.start_ms;

	memset(&st, 0, sizeof(st));
	st.start_ms = start;
}

/* see stats.h */
int
st_status_query(const char *conf_path)
{
	struct fmt_out out, err;
	char ebuf[256];
	struct sockaddr_un sun;
	struct st_cred uc;
	struct pollfd pfd;
	struct stat sb;
	socklen_t len;
	uint64_t end;
	size_t got = 0;
	ssize_t n;
	int fd, r, left;

	fmt_out_err(&err, ebuf, sizeof(ebuf));
	if (status_addr(conf_path, &sun, &len) == -1 ||
	    stat(conf_path, &sb) == -1) {
		fmt_printf(&err, "dotfwd: %s: %s\n", conf_path,
		    log_errstr(errno));
		return EX_CONFIG_;
	}
	end = loop_clock() + ST_QUERY_MS;
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1) {
		fmt_printf(&err, "dotfwd: socket: %s\n", log_errstr(errno));
		return EX_OS_;
	}
	/* non-blocking: a listener that never accepts cannot hold us */
	while ((r = connect(fd, (struct sockaddr *)&sun, len)) == -1 &&
	    errno == EAGAIN && loop_clock() + ST_RETRY_MS < end)
		poll(NULL, 0, ST_RETRY_MS);
	if (r == -1) {
		fmt_printf(&err, "dotfwd: not running (no status socket for "
		    "%s)\n", conf_path);
		close(fd);
		return EX_UNAVAILABLE_;
	}
	/* anyone may bind the name first: talk only to root, ourselves or
	 * the owner of the configuration (the listener's credentials are
	 * those of its listen(), before the daemon dropped root) */
	if (peer_cred(fd, &uc) == -1 || (uc.uid != 0 && uc.uid != getuid() &&
	    uc.uid != sb.st_uid)) {
		fmt_printf(&err, "dotfwd: the status socket for %s is held by "
		    "pid %ld, uid %ld (not root, not uid %ld, not the owner of "
		    "the file): not trusting it\n", conf_path, (long)uc.pid,
		    (long)uc.uid, (long)getuid());
		close(fd);
		return EX_NOPERM_;
	}
	pfd.fd = fd;
	pfd.events = POLLIN;
	for (;;) {
		left = (int)(end > loop_clock() ? end - loop_clock() : 0);
		if (left == 0 || poll(&pfd, 1, left) < 1) {
			fmt_printf(&err, "dotfwd: status: no complete answer "
			    "within %d ms\n", ST_QUERY_MS);
			close(fd);
			return EX_UNAVAILABLE_;
		}
		n = read(fd, reply + got, sizeof(reply) - got);
		if (n == -1 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n <= 0)
			break;
		if ((got += (size_t)n) == sizeof(reply)) {
			fmt_printf(&err, "dotfwd: status: answer over %d "
			    "bytes: not a dotfwd status\n", ST_JSON_CAP);
			close(fd);
			return EX_UNAVAILABLE_;
		}
	}
	close(fd);
	if (n == -1) {
		fmt_printf(&err, "dotfwd: status: %s\n", log_errstr(errno));
		return EX_OS_;
	}
	/* printed only once whole: no half document for a script */
	if (got < 3 || reply[0] != '{' || memcmp(reply + got - 2, "}\n",
	    2) != 0) {
		fmt_puts(&err, "dotfwd: status: not a dotfwd status answer\n");
		return EX_UNAVAILABLE_;
	}
	/* the answer is the sink's buffer, written out as it stands */
	fmt_out_fd(&out, STDOUT_FILENO, reply, sizeof(reply));
	out.len = got;
	if (fmt_flush(&out) == -1)
		return EX_OS_;
	return 0;
}

/* see stats.h */
void
st_log(uint64_t now_ms)
{
	log_info("stats: uptime %" PRIu64 "s, queries udp %" PRIu64
	    " tcp %" PRIu64 ", answered %" PRIu64 ", servfail %" PRIu64
	    " (timeouts %" PRIu64 "), refused %" PRIu64 ", formerr %" PRIu64
	    ", notimp %" PRIu64 ", dropped %" PRIu64 ", truncated %" PRIu64
	    ", table full %" PRIu64 ", source full %" PRIu64 ", tcp accepted %"
	    PRIu64 " paused %" PRIu64 " closed %" PRIu64 " refused %" PRIu64
	    " over_source %" PRIu64 " evicted %" PRIu64 ", abandoned %"
	    PRIu64 ", late answers %" PRIu64,
	    up_secs(now_ms), st.q_udp, st.q_tcp, st.answered,
	    st.servfail, st.timeouts, st.refused, st.formerr, st.notimp,
	    st.dropped, st.truncated, st.qtab_full, st.source_full,
	    st.tcp_accepted, st.tcp_full, st.tcp_dropped, st.tcp_refused,
	    st.tcp_source_full, st.tcp_evicted, st.abandoned, st.late);
}
