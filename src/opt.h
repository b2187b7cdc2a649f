/* SPDX-License-Identifier: MIT */
/*
 * opt.h: the option model: what kinds of value an option may take, and
 * one table row per option (name, kind, where it is stored, its range
 * and its default).  Parses a value's text into its field, formats it
 * back, and says what a valid value looks like.  The tables themselves
 * are conf.c's (which options exist); this knows no option by name.  A
 * leaf apart from addr.h; does no I/O.
 */
#ifndef OPT_H
#define OPT_H

#include "compat.h"

enum opt_kind {
	OPT_UINT,		/* uint32_t in lo..hi */
	OPT_BOOL,		/* int 0/1 */
	OPT_IGNORE,		/* boolean, checked and dropped (the init
				 * script's own options) */
	OPT_ENUM,		/* int: index into names */
	OPT_PATH,		/* char[hi]: a file name */
	OPT_HOST,		/* char[hi]: a DNS name */
	OPT_ADDR,		/* struct addr; n_off: its int has_ flag */
	OPT_ADDR_LIST,		/* struct addr[hi]; n_off: int count */
	OPT_NET_LIST,		/* struct addr_net[hi]; n_off: int count */
	OPT_PIN_LIST		/* uint8_t[hi][32]; n_off: int count */
};

/*
 * One row per option.  off: the field in the section's struct; n_off:
 * its count (lists) or has_ flag (OPT_ADDR).  lo..hi: the range of
 * OPT_UINT; hi: the items of a list, or the bytes of a string with its
 * NUL.  port: default port of an address, 0 when it must be given.
 * def: the default as the file would write it (list items separated by
 * blanks), or NULL for none.
 */
struct opt_row {
	const char		*name;
	enum opt_kind		 kind;
	size_t			 off;
	size_t			 n_off;
	uint32_t		 lo;
	uint32_t		 hi;
	uint16_t		 port;
	const char *const	*names;
	const char		*def;
};

/* What opt_set() found. */
enum {
	OPT_OK = 0,
	OPT_HOST_BITS = 1,	/* stored, but a prefix had host bits set */
	OPT_EINVAL = -1,	/* not a value of this kind */
	OPT_EIP = -2,		/* OPT_HOST: an IP address, not a name */
	OPT_EDUP = -3		/* a list item equal to an earlier one */
};

/* 1 for the list kinds (written with `list`). */
int	opt_is_list(const struct opt_row *);

/*
 * Parse s as item i of row r (i = 0 for single values) into the struct
 * at base.  Counts and has_ flags are the caller's, except that OPT_ADDR
 * sets its has_ flag.  Returns OPT_OK, OPT_HOST_BITS or an OPT_E* code;
 * on an error a list's item i may be scratch.
 */
int	opt_set(const struct opt_row *r, void *base, int i, const char *s);

/* Apply r->def to the struct at base (counts included); a default that
 * does not parse is a bug. */
void	opt_default(const struct opt_row *r, void *base);

/* Items of row r stored at base: its list count, has_ flag, 0 for
 * OPT_IGNORE, else 1. */
int	opt_count(const struct opt_row *r, const void *base);

/* Item i of row r as the file would write it, in buf[cap] (or, for
 * strings, the field itself).  Long enough: OPT_TEXT_CAP. */
#define OPT_TEXT_CAP	80
const char *opt_text(const struct opt_row *r, const void *base, int i,
	    char *buf, size_t cap);

/* What a valid value of row r looks like, for messages. */
void	opt_hint(const struct opt_row *r, char *buf, size_t cap);

/* The kind's name in `--schema` output: uint bool enum path hostname
 * address address_list cidr_list pin_list. */
const char *opt_kind_name(enum opt_kind);

/*
 * Command-line options as POSIX getopt(3) (and musl's, whose stdio
 * messages it spares us), the state in *g instead of globals: zero *g
 * and set g->ind to 1 first.  Returns the option character (its
 * argument in g->arg), -1 at the first operand, at "-" or after "--"
 * (g->ind: the operand), or '?' with g->why "unrecognized option" or
 * "option requires an argument" and g->opt the character; the caller
 * prints "ARGV0: WHY: C".  No I/O.
 */
struct opt_args {
	int		 ind;		/* argv[ind]: the next to look at */
	int		 pos;		/* in argv[ind] (0: not started) */
	char		*arg;
	int		 opt;
	const char	*why;
};
int	opt_getopt(struct opt_args *g, int argc, char *const *argv,
	    const char *spec);

#endif
