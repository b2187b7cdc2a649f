/* SPDX-License-Identifier: MIT */
/*
 * replay.c: main() for the fuzz targets in builds without libFuzzer
 * (host-asan: `make test` replays every committed corpus under ASan and
 * UBSan).  Each argument is a file, or a directory whose regular files
 * are taken in name order; each is passed once to LLVMFuzzerTestOneInput.
 * Prints "ok - fuzz/NAME: N inputs" (NAME: the program's name without
 * "fuzz_"), or "not ok - fuzz/NAME: ..." when an input cannot be read
 * or there is none; a broken contract aborts (the sanitizer's report
 * says where), and tests/run.sh counts the exit status.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REPLAY_MAX	(1024 * 1024)	/* corpus files are small */

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int	run_file(const char *);
static int	by_name(const void *, const void *);

static const char	*name;
static long		 n_inputs;

static int
run_file(const char *path)
{
	uint8_t *buf;
	size_t len;
	FILE *f;

	if ((f = fopen(path, "rb")) == NULL)
		return -1;
	if ((buf = malloc(REPLAY_MAX + 1)) == NULL) {
		fclose(f);
		return -1;
	}
	len = fread(buf, 1, REPLAY_MAX + 1, f);
	if (ferror(f) || len > REPLAY_MAX) {
		fclose(f);
		free(buf);
		errno = EFBIG;
		return -1;
	}
	fclose(f);
	/* an exact-size copy, so ASan sees a read past the end */
	buf = realloc(buf, len > 0 ? len : 1);
	LLVMFuzzerTestOneInput(buf, len);
	free(buf);
	n_inputs++;
	return 0;
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
main(int argc, char **argv)
{
	struct dirent *de;
	struct stat sb;
	char path[4096], **names;
	size_t n, cap, i;
	DIR *d;
	int k;

	name = strrchr(argv[0], '/') != NULL ? strrchr(argv[0], '/') + 1 :
	    argv[0];
	if (strncmp(name, "fuzz_", 5) == 0)
		name += 5;
	for (k = 1; k < argc; k++) {
		if (stat(argv[k], &sb) == -1) {
			printf("not ok - fuzz/%s: %s: %s\n", name, argv[k],
			    strerror(errno));
			return 1;
		}
		if (!S_ISDIR(sb.st_mode)) {
			if (run_file(argv[k]) == -1) {
				printf("not ok - fuzz/%s: %s: %s\n", name,
				    argv[k], strerror(errno));
				return 1;
			}
			continue;
		}
		if ((d = opendir(argv[k])) == NULL)
			return 1;
		names = NULL;
		n = cap = 0;
		while ((de = readdir(d)) != NULL) {
			if (de->d_name[0] == '.')
				continue;
			if (n == cap) {
				cap = cap ? 2 * cap : 64;
				if ((names = realloc(names, cap *
				    sizeof(*names))) == NULL)
					return 1;
			}
			if ((names[n++] = strdup(de->d_name)) == NULL)
				return 1;
		}
		closedir(d);
		if (n > 0)
			qsort(names, n, sizeof(*names), by_name);
		for (i = 0; i < n; i++) {
			snprintf(path, sizeof(path), "%s/%s", argv[k],
			    names[i]);
			if (stat(path, &sb) == 0 && S_ISREG(sb.st_mode) &&
			    run_file(path) == -1) {
				printf("not ok - fuzz/%s: %s: %s\n", name, path,
				    strerror(errno));
				return 1;
			}
			free(names[i]);
		}
		free(names);
	}
	if (n_inputs == 0) {
		printf("not ok - fuzz/%s: no input\n", name);
		return 1;
	}
	printf("ok - fuzz/%s: %ld inputs\n", name, n_inputs);
	return 0;
}
