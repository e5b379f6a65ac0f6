/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * files.h — whole text files for the tests that read logs and traces or write scripts and
 * configuration files.
 */
#ifndef SCRIPTOKI_TEST_FILES_H
#define SCRIPTOKI_TEST_FILES_H

#include <stdio.h>
#include <stdlib.h>

/* The file's contents, NUL-terminated, in memory the caller frees; NULL when it cannot be
 * read. */
static inline char *file_read(const char *path)
{
	FILE *fp = fopen(path, "r");
	char *buf = NULL;
	long n;

	if (fp == NULL)
		return NULL;
	if (fseek(fp, 0, SEEK_END) == 0 && (n = ftell(fp)) >= 0 && fseek(fp, 0, SEEK_SET) == 0 &&
	    (buf = malloc((size_t)n + 1)) != NULL) {
		if (fread(buf, 1, (size_t)n, fp) != (size_t)n) {
			free(buf);
			buf = NULL;
		} else {
			buf[n] = '\0';
		}
	}
	fclose(fp);
	return buf;
}

/* Write the texts a and b (b may be NULL) as the whole file; 1 when it was written. */
static inline int file_write(const char *path, const char *a, const char *b)
{
	FILE *fp = fopen(path, "w");
	int ok_ = fp != NULL && fputs(a, fp) >= 0 && (b == NULL || fputs(b, fp) >= 0);

	if (fp != NULL && fclose(fp) != 0)
		ok_ = 0;
	return ok_;
}

#endif
