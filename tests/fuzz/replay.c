/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * replay.c — main() for a fuzz target built without libFuzzer: runs the target once on
 * each file named, or on each regular file of each folder named (in name order), and
 * prints how many it ran. Exit status 0 when all ran (a bug aborts the run), 2 on a file
 * it cannot read, 3 when it was given no input at all (an empty corpus proves nothing).
 */
#include "fuzz.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t n = 0, cap = 0, r;

	if (f == NULL) {
		perror(path);
		return -1;
	}
	for (;;) {
		if (n == cap) {
			uint8_t *g = realloc(buf, cap ? 2 * cap : 4096);
			if (g == NULL) {
				free(buf);
				fclose(f);
				return -1;
			}
			buf = g;
			cap = cap ? 2 * cap : 4096;
		}
		r = fread(buf + n, 1, cap - n, f);
		if (r == 0)
			break;
		n += r;
	}
	fclose(f);
	LLVMFuzzerTestOneInput(buf, n);
	free(buf);
	return 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int run_dir(const char *dir, long *count)
{
	struct dirent *e;
	char **names = NULL, path[4096];
	size_t n = 0, i;
	struct stat st;
	int rc = 0;
	DIR *d = opendir(dir);

	if (d == NULL) {
		perror(dir);
		return -1;
	}
	while ((e = readdir(d)) != NULL) {
		char **g;

		if (e->d_name[0] == '.')
			continue;
		g = realloc(names, (n + 1) * sizeof *names);
		if (g == NULL || (g[n] = strdup(e->d_name)) == NULL) {
			names = g != NULL ? g : names;
			rc = -1;
			break;
		}
		names = g;
		n++;
	}
	closedir(d);
	qsort(names, n, sizeof *names, by_name);
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		if (rc == 0 && stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
			if (run_file(path) != 0)
				rc = -1;
			else
				(*count)++;
		}
		free(names[i]);
	}
	free(names);
	return rc;
}

int main(int argc, char **argv)
{
	long count = 0;
	struct stat st;
	int i;

	for (i = 1; i < argc; i++) {
		if (stat(argv[i], &st) != 0) {
			perror(argv[i]);
			return 2;
		}
		if (S_ISDIR(st.st_mode) ? run_dir(argv[i], &count) != 0 : run_file(argv[i]) != 0)
			return 2;
		if (!S_ISDIR(st.st_mode))
			count++;
	}
	printf("replayed %ld input(s)\n", count);
	return count > 0 ? 0 : 3;
}
