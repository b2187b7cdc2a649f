/* SPDX-License-Identifier: MIT */
/*
 * uci.h: UCI syntax, as libuci reads a file: a tokenizer (quotes,
 * comments, continuations, ';') and the commands config/option/list/
 * package applied to a model of sections, options and values (merges,
 * overwrites, deletes).  Knows no option names or meanings.  Also keeps
 * the problems found in a file, by line, for both this layer and the
 * one that reads the model (conf.c).  A leaf; allocates only while a
 * file is read.
 */
#ifndef UCI_H
#define UCI_H

#include "compat.h"

struct fmt_out;		/* fmt.h */

#define UCI_SECTION_CAP	64	/* section name + NUL */
#define UCI_SHOW_CAP	64	/* bytes of a value quoted in a message */
#define UCI_SHOW_BUF	(UCI_SHOW_CAP * 4 + 4)	/* each may become \xNN */

/* The model: what the file says after merges, overwrites and deletes. */
struct uci_val {
	struct uci_val	*next;
	const char	*s;
	int		 line;		/* of the option/list keyword */
};

struct uci_opt {
	struct uci_opt	*next;
	const char	*name;
	int		 line;		/* of the command that set the value */
	int		 is_list;
	int		 deleted;	/* "option x ''" */
	struct uci_val	*head, **tail;
};

struct uci_sec {
	const char	*type;
	const char	*name;		/* NULL: anonymous */
	int		 line;		/* of its first "config" */
	int		 index;		/* N of @type[N]: among its type */
	int		 n_opt;
	struct uci_opt	*opts, **tail;
};

struct uci;

/*
 * Read buf[len] (not NUL-terminated) as the file 'name' (used in
 * messages).  Returns the model with the syntax problems recorded, or
 * NULL when memory is short (nothing to free then).  The model points
 * into storage owned by the result: valid until uci_free().
 */
struct uci *uci_parse(const char *name, const char *buf, size_t len);
void	uci_free(struct uci *);

/*
 * 0 when the text could not become a model (control characters, memory
 * short): the sections are then not worth reading.
 */
int	uci_is_usable(const struct uci *);

/* The sections in file order (a merged section at its first place). */
int	uci_n_sec(const struct uci *);
const struct uci_sec *uci_sec(const struct uci *, int i);

/* "name", or "@type[N]" for an anonymous section; returns buf. */
const char *uci_sec_label(const struct uci_sec *, char *buf, size_t cap);

/*
 * Record a problem at 'line' (an error, or a warning when is_warn).  At
 * most a fixed number are kept; the rest are only counted.
 */
void	uci_report(struct uci *, int line, int is_warn, const char *fmt, ...)
	    PRINTF(4, 5);
/* Errors so far, kept or not (warnings do not count). */
int	uci_n_err(const struct uci *);
/*
 * Print the problems sorted by line (file order within a line) as
 * "FILE:LINE: message" or "FILE:LINE: warning: message", then how many
 * were not kept.
 */
void	uci_flush(struct uci *, struct fmt_out *err);

/* A value for a message: printable ASCII, the rest escaped, cut after
 * UCI_SHOW_CAP bytes; buf has UCI_SHOW_BUF bytes.  Returns buf. */
const char *uci_show(const char *s, char *buf);

#endif
