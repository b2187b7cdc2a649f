/* SPDX-License-Identifier: MIT */
/*
 * confcheck.c: what `dotfwd -t -v -c FILE` does, without the rest of the
 * daemon: problems on stderr, the effective configuration on stdout when
 * it is valid, exit 0 if valid and 1 if not.  For tests/conf/run.sh.
 * With --schema: the option table (conf_schema), for the LuCI test.
 * Not done here: reading the server section's certificate and key files
 * (dotfwd -t does; the golden files that get that far name files that
 * exist, and tests/unit/t_certkey.c covers the reading).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "fmt.h"

static struct conf c;

int
main(int argc, char **argv)
{
	struct fmt_out out, err;
	char obuf[1024], ebuf[256];
	int n;

	fmt_out_fd(&out, 1, obuf, sizeof(obuf));
	fmt_out_err(&err, ebuf, sizeof(ebuf));
	if (argc == 2 && strcmp(argv[1], "--schema") == 0) {
		conf_schema(&out);
		return fmt_flush(&out) == 0 ? 0 : 1;
	}
	if (argc != 2) {
		fprintf(stderr, "usage: confcheck FILE | --schema\n");
		return 64;
	}
	n = conf_load(&c, argv[1], &err);
	if (n == 0)
		conf_dump(&c, &out);
	fmt_flush(&out);
	return n != 0;
}
