/* SPDX-License-Identifier: MIT */
/*
 * main.c: command line, start-up order (config, anchors, pools, sockets,
 * privileges, seal) and the loop.  No protocol logic lives here.
 */
#include <sys/types.h>

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "cert.h"
#include "conf.h"
#include "der.h"
#include "fmt.h"
#include "listen.h"
#include "inherit.h"
#include "log.h"
#include "loop.h"
#include "mem.h"
#include "opt.h"
#include "priv.h"
#include "qtab.h"
#include "query.h"
#include "reload.h"
#include "ring.h"
#include "server.h"
#include "stats.h"
#include "ta.h"
#include "upstat.h"
#include "upstream.h"

#define DEFAULT_CONF	"/etc/config/dotfwd"
/* the OpenWrt package's system user; elsewhere, without it, "nobody" */
#define UNPRIV_USER	"dotfwd"
#define UNPRIV_FALLBACK	"nobody"

static void	usage(const char *, const struct opt_args *) DEAD;
static void	on_signal(int);
static int	status_main(int, char **);
static int	version(void);

static struct conf	 conf;	/* big: keep it off the stack */
static struct qt	 qtab;

/* After what getopt(3) would have said, when it was a bad option. */
static void
usage(const char *argv0, const struct opt_args *g)
{
	struct fmt_out err;
	char buf[512];

	fmt_out_err(&err, buf, sizeof(buf));
	if (g->why != NULL)
		fmt_printf(&err, "%s: %s: %c\n", argv0, g->why, g->opt);
	fmt_puts(&err,
	    "usage: dotfwd [-c FILE] [-t] [-s] [-v]...\n"
	    "       dotfwd -V | --version\n"
	    "       dotfwd query [-s ADDR[:PORT]] [-n AUTH_NAME] [-C CAFILE] "
	    "[-p PIN] [-k]\n"
	    "                    [-t TYPE] [-f NAMESFILE] [-c FILE] "
	    "[NAME [TYPE]]\n"
	    "       dotfwd status [-c FILE]\n");
	exit(EX_USAGE_);
}

/* "dotfwd 0.1.0 (certificate clock floor 2026-11-27)" */
static int
version(void)
{
	char date[DER_DATE_LEN], buf[128];
	struct fmt_out out;

	fmt_out_fd(&out, STDOUT_FILENO, buf, sizeof(buf));
	if (DOTFWD_TIME_FLOOR <= 0)
		fmt_printf(&out, "dotfwd %s (no certificate clock floor)\n",
		    DOTFWD_VERSION);
	else {
		der_fmt_date(DOTFWD_TIME_FLOOR, date);
		fmt_printf(&out, "dotfwd %s (certificate clock floor %s)\n",
		    DOTFWD_VERSION, date);
	}
	fmt_flush(&out);
	return 0;
}

static void
on_signal(int signo)
{
	switch (signo) {
	case SIGTERM:
	case SIGINT:
		log_info("stopping on signal %d", signo);
		loop_stop();
		break;
	case SIGUSR1:
		st_log(loop_now());
		ust_log();
		srv_log();
		break;
	case SIGUSR2:
		/* OpenWrt's ntpd hotplug hook: the clock is now right */
		if (!cert_clock_synced())
			log_info("clock synchronised: full certificate time "
			    "checks from now on");
		cert_set_clock_synced(1);
		up_clock_synced();
		break;
	case SIGHUP:
		/* a new configuration, or the WAN is back (same file) */
		reload_hup();
		break;
	case SIGCHLD:
		reload_reap();
		break;
	default:
		break;
	}
}

/* dotfwd status [-c FILE] */
static int
status_main(int argc, char **argv)
{
	const char *file = DEFAULT_CONF;
	struct opt_args g = { 1, 0, NULL, 0, NULL };
	int ch;

	while ((ch = opt_getopt(&g, argc, argv, "c:")) != -1) {
		if (ch != 'c')
			usage(argv[0], &g);
		file = g.arg;
	}
	if (g.ind != argc)
		usage(argv[0], &g);
	return st_status_query(file);
}

int
main(int argc, char **argv)
{
	const char *file = DEFAULT_CONF;
	struct opt_args g = { 1, 0, NULL, 0, NULL };
	struct fmt_out out, err;
	struct up_cbs cbs;
	char obuf[1024], ebuf[256];
	int ch, check = 0, use_syslog = 0, verbose = 0, n, reloaded, synced = 0;

	if (argc > 1 && (strcmp(argv[1], "--version") == 0 ||
	    strcmp(argv[1], "-V") == 0))
		return version();
	if (argc > 1 && strcmp(argv[1], "status") == 0)
		return status_main(argc - 1, argv + 1);
	if (argc > 1 && strcmp(argv[1], "query") == 0)
		return query_main(argc - 1, argv + 1, DEFAULT_CONF);
	while ((ch = opt_getopt(&g, argc, argv, "c:stvV")) != -1) {
		switch (ch) {
		case 'c':
			file = g.arg;
			break;
		case 's':
			use_syslog = 1;
			break;
		case 't':
			check = 1;
			break;
		case 'v':
			verbose++;
			break;
		case 'V':
			return version();
		default:
			usage(argv[0], &g);
		}
	}
	if (g.ind != argc)
		usage(argv[0], &g);

	if (!check) {
		loop_block_signals(1);	/* until loop_signals() */
		reload_init(argv, file, &conf);
	}
	fmt_out_err(&err, ebuf, sizeof(ebuf));
	n = conf_load(&conf, file, &err);
	/* the server's certificate and key belong to the check (start-up
	 * reads them in srv_init) */
	if (n == 0 && check)
		n = srv_check_files(&conf, &err);
	if (check) {
		if (n == 0 && verbose > 0) {
			fmt_out_fd(&out, STDOUT_FILENO, obuf, sizeof(obuf));
			conf_dump(&conf, &out);
			fmt_flush(&out);
		}
		return n == 0 ? 0 : 1;
	}
	if (n != 0) {
		fmt_printf(&err, "dotfwd: %s: %d error%s, not starting\n", file,
		    n, n == 1 ? "" : "s");
		return EX_CONFIG_;
	}
	log_init(use_syslog, MIN(LOG_L_DEBUG, MAX(conf.log_level,
	    verbose > 0 ? LOG_L_INFO + verbose : 0)));
	/* a peer closing mid-write must not kill the process */
	signal(SIGPIPE, SIG_IGN);
	if (ta_init(conf.ca_file, &err) == -1)
		return EX_CONFIG_;
	/* relaxed "not yet valid" rule until the clock is known good */
	cert_set_time_floor(DOTFWD_TIME_FLOOR);
	cert_set_clock_synced(0);
	st.start_ms = loop_clock();
	/* a reload hands over sockets, start time and the clock state */
	if ((reloaded = inh_init(&st.start_ms, &synced)) != 0)
		cert_set_clock_synced(synced);
	if (!reloaded && !cert_clock_synced())
		log_info("clock not synchronised yet: accepting certificates "
		    "that are not yet valid until it is (SIGUSR2 or NTP)");

	qt_init(&qtab, (int)conf.max_inflight);
	srv_init(&conf, &qtab);	/* takes its handed-over sockets first */
	lsn_init(&conf, &qtab);
	cbs.answer = lsn_answer;
	cbs.fail = lsn_fail;
	lsn_set_foreign(srv_answer, srv_fail);
	/* + the signal pipe, the status listener and its reader */
	loop_init(lsn_max_fds(&conf) + up_max_fds(&conf) +
	    srv_max_fds(&conf) + 3);
	lsn_start();	/* its after-hook parses before upstream flushes */
	up_init(&conf, &qtab, &cbs);
	loop_after(lsn_flush, NULL);	/* UDP answers, retries' included */
	ring_init();
	srv_start();	/* after up_init: its flush follows theirs */
	loop_timer(lsn_next_deadline, lsn_expire, NULL);
	loop_signals(on_signal);
	/* a reload carries totals, upstream health and the ring */
	reload_restore();
	ring_start();
	reload_reap();	/* a copy that ended before this image ran */
	st_status_init(file, ust_json, cert_clock_synced);
	st_status_history(ring_json);
	inh_drop_unused(1);
	priv_drop(UNPRIV_USER, UNPRIV_FALLBACK);
	log_info("dotfwd %s %s: %d listen addresses, %d upstream "
	    "sections, %zu KB of pools", DOTFWD_VERSION,
	    reloaded ? "reloaded" : "started", conf.n_listen,
	    conf.n_up, mem_total() / 1024);
	mem_seal();
	loop_run();
	return 0;
}
