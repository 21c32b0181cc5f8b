/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * replay PATH...: run one fuzz target's LLVMFuzzerTestOneInput over files,
 * without libFuzzer. Linked with one fuzz_<target>.c into replay_<target>;
 * meson runs it as the test replay-<target> (suite unit) over
 * tests/fuzz/regress/<target> and tests/fuzz/corpus/<target>, so every
 * crash once found and every seed is re-run by every build, with the
 * build's own compiler and sanitizers (build-asan: ASan + UBSan).
 *
 * A PATH is a file or a directory (its regular files, not recursively, in
 * name order; names starting with '.' are skipped). A missing directory is
 * skipped: regress/<target> exists only once a crash has been found.
 * Each input's name is printed before it runs, so a crash names its input.
 * Exit: 0 when every input ran, 1 when a file could not be read or no
 * input was found at all; a contract check or a sanitizer aborts.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

static int
run_file(const char *path)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	long sz;
	FILE *f;

	f = fopen(path, "rb");
	if (f == NULL) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (fseek(f, 0, SEEK_END) != 0 || (sz = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
		fprintf(stderr, "replay: %s: cannot size it\n", path);
		fclose(f);
		return -1;
	}
	/* an exact-size heap copy, as libFuzzer passes it: ASan sees overreads */
	buf = malloc(sz > 0 ? (size_t)sz : 1);
	if (buf == NULL || (sz > 0 && fread(buf, 1, (size_t)sz, f) != (size_t)sz)) {
		fprintf(stderr, "replay: %s: read failed\n", path);
		free(buf);
		fclose(f);
		return -1;
	}
	fclose(f);
	len = (size_t)sz;
	printf("replay: %s (%zu bytes)\n", path, len);
	fflush(stdout);
	LLVMFuzzerTestOneInput(buf, len);
	free(buf);
	return 0;
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Returns the number of inputs run, or -1 on a read error. */
static int
run_dir(const char *dir)
{
	char **names = NULL, path[4096];
	size_t n = 0, cap = 0, i;
	struct dirent *de;
	struct stat st;
	int ran = 0, err = 0;
	DIR *d;

	d = opendir(dir);
	if (d == NULL) {
		if (errno == ENOENT)
			return 0;
		fprintf(stderr, "replay: %s: %s\n", dir, strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (n == cap) {
			char **nn;

			cap = cap ? cap * 2 : 64;
			nn = realloc(names, cap * sizeof(*names));
			if (nn == NULL) {
				err = 1;
				break;
			}
			names = nn;
		}
		names[n] = strdup(de->d_name);
		if (names[n] == NULL) {
			err = 1;
			break;
		}
		n++;
	}
	closedir(d);
	if (n > 0)
		qsort(names, n, sizeof(*names), cmp_names);
	for (i = 0; i < n && !err; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
			continue;
		if (run_file(path) < 0)
			err = 1;
		else
			ran++;
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return err ? -1 : ran;
}

int
main(int argc, char **argv)
{
	struct stat st;
	int i, r, total = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE|DIR...\n", argv[0]);
		return 2;
	}
	for (i = 1; i < argc; i++) {
		if (stat(argv[i], &st) == 0 && S_ISREG(st.st_mode))
			r = run_file(argv[i]) < 0 ? -1 : 1;
		else
			r = run_dir(argv[i]);
		if (r < 0)
			return 1;
		total += r;
	}
	printf("replay: %d input(s) ran without a finding\n", total);
	if (total == 0) {
		fprintf(stderr, "replay: no input found in the paths given\n");
		return 1;
	}
	return 0;
}
