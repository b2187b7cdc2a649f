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

static struct conf c;

int
main(int argc, char **argv)
{
	int n;

	if (argc == 2 && strcmp(argv[1], "--schema") == 0) {
		conf_schema(stdout);
		return 0;
	}
	if (argc != 2) {
		fprintf(stderr, "usage: confcheck FILE | --schema\n");
		return 64;
	}
	n = conf_load(&c, argv[1], stderr);
	if (n == 0)
		conf_dump(&c, stdout);
	return n != 0;
}
