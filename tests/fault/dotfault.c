/* SPDX-License-Identifier: MIT */
/*
 * dotfault.c: a fault-injecting DNS-over-TLS server for dotfwd's
 * integration tests.  One thread, one poll(): options, the listener, up
 * to FT_MAX_CONNS connection slots (fault_conn.c runs each), signals.
 * It answers queries itself (fault_dns.c) and misbehaves on demand:
 * reorder, delay, close, reset, go silent, send garbage or wrong IDs,
 * close when idle, split answers across records.  See tests/fault/README.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>

#include "fault.h"

#define ACCEPT_BURST	16	/* accepts per wakeup */
#define NUM_MAX		86400000	/* a day in ms; counts too */

enum { O_STR, O_NUM, O_FLAG };

#define OFF(f)	offsetof(struct fopts, f)
static const struct {
	const char	*name;
	int		 kind;
	size_t		 off;
} opt_defs[] = {
	{ "-l", O_STR, OFF(listen) },
	{ "-c", O_STR, OFF(cert) },
	{ "-k", O_STR, OFF(key) },
	{ "--log", O_STR, OFF(log) },
	{ "--log-time", O_FLAG, OFF(log_time) },
	{ "--reorder", O_NUM, OFF(reorder) },
	{ "--delay", O_NUM, OFF(delay_ms) },
	{ "--delay-slow-only", O_FLAG, OFF(delay_slow_only) },
	{ "--drop-slow", O_FLAG, OFF(drop_slow) },
	{ "--close-after", O_NUM, OFF(close_after) },
	{ "--reset-after", O_NUM, OFF(reset_after) },
	{ "--silent-after", O_NUM, OFF(silent_after) },
	{ "--silent-handshake", O_FLAG, OFF(silent_handshake) },
	{ "--idle-close", O_NUM, OFF(idle_close_ms) },
	{ "--garbage-after", O_NUM, OFF(garbage_after) },
	{ "--wrong-id-after", O_NUM, OFF(wrong_id_after) },
	{ "--keepalive", O_NUM, OFF(keepalive_ms) },
	{ "--pad-answers", O_FLAG, OFF(pad_answers) },
	{ "--max-conns", O_NUM, OFF(max_conns) },
	{ "--no-resume", O_FLAG, OFF(no_resume) },
	{ "--split", O_NUM, OFF(split_ms) }
};

static void	usage(void) DEAD;
static void	die(const char *, ...) PRINTF(1, 2) DEAD;
static void	parse_args(int, char **);
static int	parse_addr(const char *, struct sockaddr_storage *,
		    socklen_t *);
static void	fmt_addr(const struct sockaddr_storage *, char *, size_t);
static void	on_signal(int);
static void	setup_signals(void);
static int	open_listener(void);
static int	n_active(void);
static void	accept_some(uint64_t);
static void	sweep(void);
static void	handle_signals(uint64_t);
static void	shutdown_all(void) DEAD;

static struct fopts	 opt = {
	.close_after = -1, .reset_after = -1, .silent_after = -1,
	.garbage_after = -1, .wrong_id_after = -1, .keepalive_ms = -1,
	.max_conns = FT_MAX_CONNS
};
static FILE		*g_log;
static int		 g_lfd = -1;
static int		 g_pipe[2] = { -1, -1 };
static int		 g_silent;	/* SIGUSR1: black hole for all */
static unsigned		 g_conn_num;
static struct fconn	*g_conns[FT_MAX_CONNS];
static volatile sig_atomic_t g_sig_term, g_sig_usr2;
/* Only the handler writes it; the loop compares with what it handled. */
static volatile sig_atomic_t g_sig_usr1;
static sig_atomic_t	 g_usr1_done;

static void
usage(void)
{
	fprintf(stderr, "usage: dotfault -l ADDR:PORT -c CERT.pem -k KEY.pem"
	    " [--log FILE] [--log-time]\n"
	    "\t[--reorder N] [--delay MS [--delay-slow-only]] [--drop-slow]"
	    " [--close-after N]\n"
	    "\t[--reset-after N] [--silent-after N] [--silent-handshake]\n"
	    "\t[--idle-close MS] [--garbage-after N] [--wrong-id-after N]\n"
	    "\t[--keepalive MS] [--pad-answers] [--max-conns N]"
	    " [--no-resume] [--split MS]\n");
	exit(EX_USAGE_);
}

static void
die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "dotfault: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	exit(EX_OS_);
}

static void
parse_args(int argc, char **argv)
{
	char *end;
	long v;
	size_t k;
	int i;

	for (i = 1; i < argc; i++) {
		for (k = 0; k < nitems(opt_defs); k++)
			if (strcmp(argv[i], opt_defs[k].name) == 0)
				break;
		if (k == nitems(opt_defs))
			usage();
		if (opt_defs[k].kind == O_FLAG) {
			*(int *)(void *)((char *)&opt + opt_defs[k].off) = 1;
			continue;
		}
		if (++i == argc)
			usage();
		if (opt_defs[k].kind == O_STR) {
			*(const char **)(void *)((char *)&opt +
			    opt_defs[k].off) = argv[i];
			continue;
		}
		errno = 0;
		v = strtol(argv[i], &end, 10);
		if (errno != 0 || end == argv[i] || *end != '\0' || v < 0 ||
		    v > NUM_MAX)
			usage();
		*(int *)(void *)((char *)&opt + opt_defs[k].off) = (int)v;
	}
	if (opt.listen == NULL || opt.cert == NULL || opt.key == NULL ||
	    opt.max_conns < 1 || opt.max_conns > FT_MAX_CONNS ||
	    opt.reorder > FT_MAX_PENDING)
		usage();
}

/* "127.0.0.1:853" or "[::1]:853". */
static int
parse_addr(const char *s, struct sockaddr_storage *ss, socklen_t *sl)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)(void *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)(void *)ss;
	char host[64];
	const char *colon, *h;
	size_t hl;
	char *end;
	long port;

	memset(ss, 0, sizeof(*ss));
	if ((colon = strrchr(s, ':')) == NULL)
		return -1;
	h = s;
	hl = (size_t)(colon - s);
	if (hl >= 2 && s[0] == '[' && s[hl - 1] == ']') {
		h++;
		hl -= 2;
	}
	if (hl == 0 || hl >= sizeof(host))
		return -1;
	memcpy(host, h, hl);
	host[hl] = '\0';
	errno = 0;
	port = strtol(colon + 1, &end, 10);
	if (errno != 0 || end == colon + 1 || *end != '\0' || port < 0 ||
	    port > 65535)
		return -1;
	if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		*sl = sizeof(*sin);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		*sl = sizeof(*sin6);
		return 0;
	}
	return -1;
}

static void
fmt_addr(const struct sockaddr_storage *ss, char *out, size_t cap)
{
	const struct sockaddr_in *sin = (const void *)ss;
	const struct sockaddr_in6 *sin6 = (const void *)ss;
	char a[INET6_ADDRSTRLEN];

	if (ss->ss_family == AF_INET6 &&
	    inet_ntop(AF_INET6, &sin6->sin6_addr, a, sizeof(a)) != NULL)
		snprintf(out, cap, "[%s]:%u", a, ntohs(sin6->sin6_port));
	else if (ss->ss_family == AF_INET &&
	    inet_ntop(AF_INET, &sin->sin_addr, a, sizeof(a)) != NULL)
		snprintf(out, cap, "%s:%u", a, ntohs(sin->sin_port));
	else
		snprintf(out, cap, "?");
}

/* Only flags and a wake-up byte; the loop does the work. */
static void
on_signal(int sig)
{
	int saved = errno;
	char c = 0;

	if (sig == SIGUSR1)
		g_sig_usr1++;
	else if (sig == SIGUSR2)
		g_sig_usr2 = 1;
	else
		g_sig_term = 1;
	if (write(g_pipe[1], &c, 1) == -1)
		(void)0;	/* pipe full: a wake-up is pending anyway */
	errno = saved;
}

static void
setup_signals(void)
{
	struct sigaction sa;
	int i;

	if (pipe(g_pipe) == -1)
		die("pipe: %s", strerror(errno));
	for (i = 0; i < 2; i++)
		if (fcntl(g_pipe[i], F_SETFL, O_NONBLOCK) == -1 ||
		    fcntl(g_pipe[i], F_SETFD, FD_CLOEXEC) == -1)
			die("fcntl: %s", strerror(errno));
	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGUSR2, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
}

static int
open_listener(void)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	char a[INET6_ADDRSTRLEN + 8];
	int fd, one = 1;

	if (parse_addr(opt.listen, &ss, &sl) == -1)
		usage();
	fd = socket(ss.ss_family, SOCK_STREAM, 0);
	if (fd == -1)
		die("socket: %s", strerror(errno));
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ss.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, sl) == -1)
		die("bind %s: %s", opt.listen, strerror(errno));
	if (listen(fd, FT_MAX_CONNS) == -1)
		die("listen: %s", strerror(errno));
	if (fcntl(fd, F_SETFL, O_NONBLOCK) == -1)
		die("fcntl: %s", strerror(errno));
	sl = sizeof(ss);
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) == -1)
		die("getsockname: %s", strerror(errno));
	fmt_addr(&ss, a, sizeof(a));
	flog("listen %s", a);
	return fd;
}

static int
n_active(void)
{
	int i, n = 0;

	for (i = 0; i < FT_MAX_CONNS; i++)
		if (g_conns[i] != NULL && fconn_is_active(g_conns[i]))
			n++;
	return n;
}

static void
accept_some(uint64_t now)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	char peer[INET6_ADDRSTRLEN + 8];
	int fd, i, k;

	for (k = 0; k < ACCEPT_BURST; k++) {
		sl = sizeof(ss);
		fd = accept(g_lfd, (struct sockaddr *)&ss, &sl);
		if (fd == -1)
			return;	/* EAGAIN, or retry on the next wakeup */
		fmt_addr(&ss, peer, sizeof(peer));
		flog("conn %u accept %s", ++g_conn_num, peer);
		for (i = 0; i < FT_MAX_CONNS; i++)
			if (g_conns[i] == NULL)
				break;
		if (i == FT_MAX_CONNS || n_active() >= opt.max_conns) {
			flog("conn %u close reason=max-conns", g_conn_num);
			close(fd);
			continue;
		}
		g_conns[i] = fconn_new(fd, g_conn_num, now);
	}
}

/* Free the connections that ended (never in the middle of a pass). */
static void
sweep(void)
{
	int i;

	for (i = 0; i < FT_MAX_CONNS; i++) {
		if (g_conns[i] == NULL || !fconn_is_dead(g_conns[i]))
			continue;
		fconn_free(g_conns[i]);
		g_conns[i] = NULL;
	}
}

static void
handle_signals(uint64_t now)
{
	int i;

	if (g_sig_term)
		shutdown_all();
	while (g_usr1_done != g_sig_usr1) {
		g_usr1_done++;
		g_silent = !g_silent;
		fconn_set_silent(g_silent);
		flog("silent %s", g_silent ? "on" : "off");
		/* Time in the black hole does not count as idle. */
		for (i = 0; !g_silent && i < FT_MAX_CONNS; i++)
			if (g_conns[i] != NULL)
				fconn_touch(g_conns[i], now);
	}
	if (g_sig_usr2) {
		g_sig_usr2 = 0;
		for (i = 0; i < FT_MAX_CONNS; i++)
			if (g_conns[i] != NULL)
				fconn_kill(g_conns[i], "sigusr2", 1);
		sweep();
	}
}

static void
shutdown_all(void)
{
	int i;

	for (i = 0; i < FT_MAX_CONNS; i++)
		if (g_conns[i] != NULL)
			fconn_kill(g_conns[i], "exit", 0);
	sweep();
	flog("exit");
	ftls_cleanup();
	close(g_lfd);
	if (g_log != stderr)
		fclose(g_log);
	exit(0);
}

int
main(int argc, char **argv)
{
	struct pollfd pfd[2 + FT_MAX_CONNS];
	struct fconn *who[2 + FT_MAX_CONNS];
	char err[256], junk[64];
	uint64_t now, dl;
	int i, n, timeout;

	parse_args(argc, argv);
	g_log = stderr;
	if (opt.log != NULL && (g_log = fopen(opt.log, "a")) == NULL)
		die("%s: %s", opt.log, strerror(errno));
	flog_init(g_log, opt.log_time);
	fconn_config(&opt);
	if (ftls_setup(opt.cert, opt.key, !opt.no_resume, err,
	    sizeof(err)) == -1) {
		fprintf(stderr, "dotfault: %s\n", err);
		exit(EX_CONFIG_);
	}
	setup_signals();
	g_lfd = open_listener();
	flog("ready");

	for (;;) {
		now = fnow_ms();
		handle_signals(now);
		for (i = 0; i < FT_MAX_CONNS; i++)
			if (g_conns[i] != NULL)
				fconn_run(g_conns[i], now);
		sweep();

		n = 0;
		pfd[n].fd = g_pipe[0];
		pfd[n].events = POLLIN;
		who[n++] = NULL;
		/* A black hole accepts nothing: SYNs queue in the backlog. */
		pfd[n].fd = g_silent ? -1 : g_lfd;
		pfd[n].events = POLLIN;
		who[n++] = NULL;
		dl = UINT64_MAX;
		for (i = 0; i < FT_MAX_CONNS; i++) {
			if (g_conns[i] == NULL)
				continue;
			fconn_pollfd(g_conns[i], &pfd[n]);
			who[n++] = g_conns[i];
			dl = MIN(dl, fconn_deadline(g_conns[i], now));
		}
		timeout = -1;
		if (dl != UINT64_MAX)
			timeout = dl <= now ? 0 : (int)MIN(dl - now, INT_MAX);
		if (poll(pfd, (nfds_t)n, timeout) == -1) {
			if (errno == EINTR)
				continue;
			die("poll: %s", strerror(errno));
		}
		while (read(g_pipe[0], junk, sizeof(junk)) > 0)
			;
		now = fnow_ms();
		for (i = 2; i < n; i++)
			fconn_revents(who[i], &pfd[i]);
		if (pfd[1].revents & POLLIN)
			accept_some(now);
	}
}
