/* SPDX-License-Identifier: MIT */
/*
 * conf.h: the configuration (SPEC.md section 3) as the daemon uses it:
 * struct conf, loading and checking a file (the -t check), the
 * effective configuration and the option schema.  The syntax is uci.c's,
 * the values opt.c's, the addresses addr.c's.  Touches no socket.
 */
#ifndef CONF_H
#define CONF_H

#include "addr.h"
#include "compat.h"

struct fmt_out;		/* fmt.h */

/* Bounds; each keeps a config and its structs small and fixed. */
#define CONF_MAX_LISTEN		16	/* listen addresses per section */
#define CONF_MAX_ALLOW		32	/* allow prefixes */
#define CONF_MAX_UPSTREAMS	16	/* config upstream sections */
#define CONF_MAX_ADDRS		8	/* addresses per upstream */
#define CONF_MAX_PINS		8	/* SPKI pins per upstream */
#define CONF_NAME_CAP		254	/* DNS name, 253 chars + NUL */
#define CONF_PATH_CAP		256
#define CONF_SECTION_CAP	64	/* section name + NUL */
#define CONF_FILE_MAX		(256 * 1024)	/* bigger files are refused */

enum conf_policy { CONF_POLICY_ORDERED, CONF_POLICY_ROUNDROBIN,
    CONF_POLICY_FASTEST };

struct conf_upstream {
	char		 name[CONF_SECTION_CAP];	/* or "@upstream[N]" */
	int		 line;				/* of "config upstream" */
	char		 auth_name[CONF_NAME_CAP];	/* required */
	struct addr	 addr[CONF_MAX_ADDRS];		/* default port 853 */
	int		 n_addr;
	uint8_t		 pin[CONF_MAX_PINS][32];	/* SHA-256 of SPKI */
	int		 n_pin;
	int		 enabled;			/* default 1 */
};

struct conf_server {
	int		 present;	/* a "config server" section exists */
	int		 line;
	struct addr	 listen[CONF_MAX_LISTEN];
	int		 n_listen;
	char		 cert[CONF_PATH_CAP];	/* PEM chain, leaf first */
	char		 key[CONF_PATH_CAP];	/* PEM EC or RSA key */
	int		 cert_line, key_line;	/* where they were set */
	struct addr	 backend;		/* default port 53 */
	int		 has_backend;		/* 0: the upstreams answer */
	uint32_t	 max_clients;		/* 16, 1..1024 */
	uint32_t	 idle_timeout_ms;	/* 10000, 100..3600000 */
};

struct conf {
	char		 file[CONF_PATH_CAP];	/* path it was read from */
	struct addr	 listen[CONF_MAX_LISTEN];	/* main */
	int		 n_listen;
	struct addr_net	 allow[CONF_MAX_ALLOW];
	int		 n_allow;
	uint32_t	 timeout_ms;		/* 2500, 100..60000 */
	uint32_t	 idle_timeout_ms;	/* 9000, 0..3600000; 0 = never */
	uint32_t	 connections;		/* 1, 1..8 */
	int		 policy;		/* CONF_POLICY_* */
	uint32_t	 padding;		/* 128, 0..512; 0 = off */
	char		 ca_file[CONF_PATH_CAP];	/* "" = none */
	uint32_t	 max_inflight;		/* 256, 1..4096 */
	uint32_t	 max_tcp_clients;	/* 32, 1..1024 */
	uint32_t	 source_tcp;		/* 8, 1..1024: TCP clients per
						 * source address */
	uint32_t	 source_inflight;	/* 64, 1..4096: queries in
						 * flight per source address */
	uint32_t	 max_udp_size;		/* 1232, 512..4096: UDP answer
						 * cap (amplification) */
	int		 log_level;		/* LOG_L_* numbering: 0..3 */
	struct conf_upstream up[CONF_MAX_UPSTREAMS];
	int		 n_up;			/* all sections, enabled or not */
	struct conf_server srv;
};

/* Built-in defaults (SPEC.md section 3), before any file is read. */
void	conf_defaults(struct conf *);

/*
 * Read and validate 'path' into *c (which conf_load resets to defaults).
 * Each problem is printed to 'err' as "FILE:LINE: message\n" (warnings as
 * "FILE:LINE: warning: message\n").  Returns the number of errors: 0 means
 * the configuration is valid and complete.  May malloc (start-up only).
 */
int	conf_load(struct conf *c, const char *path, struct fmt_out *err);

/* The same on a buffer; 'name' is used as FILE in messages. */
int	conf_parse(struct conf *c, const char *name, const char *buf,
	    size_t len, struct fmt_out *err);

/*
 * Print the effective configuration in uci's own format
 * (config/option/list, values single-quoted): `dotfwd -t -v` output and
 * the golden files of tests/conf.
 */
void	conf_dump(const struct conf *c, struct fmt_out *out);

/*
 * The option table, one line per option: "SECTION NAME TYPE [LO HI]
 * [CHOICE...] [default=VALUE]", TYPE one of uint bool enum path hostname
 * address address_list cidr_list pin_list; a list default has its items
 * separated by commas.  For the LuCI page's test.
 */
void	conf_schema(struct fmt_out *out);

#endif
