/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * crypto_test.h — helpers shared by the host-crypto tests (t4xxx): hex, files, and
 * running an openssl command in a separate process.
 */
#ifndef SCRIPTOKI_CRYPTO_TEST_H
#define SCRIPTOKI_CRYPTO_TEST_H

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sk_names.h"
#define TAP_RV_NAME sk_rv_name
#include "tap.h"

/* Decode hex (no separators) into out; returns the byte count, or -1. */
static inline int ct_unhex(const char *hex, uint8_t *out, size_t cap)
{
	size_t n = strlen(hex), i;
	unsigned v;

	if (n % 2 != 0 || n / 2 > cap)
		return -1;
	for (i = 0; i < n / 2; i++) {
		if (sscanf(hex + 2 * i, "%2x", &v) != 1)
			return -1;
		out[i] = (uint8_t)v;
	}
	return (int)(n / 2);
}

static inline void ct_hex(const uint8_t *p, size_t n, char *out)
{
	size_t i;

	for (i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", p[i]);
	out[2 * n] = '\0';
}

/* Read a whole file; returns its length or -1. */
static inline long ct_read(const char *path, uint8_t *buf, size_t cap)
{
	FILE *f = fopen(path, "rb");
	size_t n;

	if (f == NULL)
		return -1;
	n = fread(buf, 1, cap, f);
	fclose(f);
	return (long)n;
}

static inline int ct_write(const char *path, const uint8_t *buf, size_t n)
{
	FILE *f = fopen(path, "wb");
	int rv;

	if (f == NULL)
		return -1;
	rv = fwrite(buf, 1, n, f) == n ? 0 : -1;
	if (fclose(f) != 0)
		rv = -1;
	return rv;
}

/* Run a shell command made with printf rules; its exit status as system() gives it. */
static inline int ct_run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static inline int ct_run(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(cmd, sizeof cmd, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof cmd)
		return -1;
	return system(cmd);
}

/*
 * Feed in[0..n) to a command in another process and read what it writes: the input is
 * dir/in.bin, the command must write dir/out.bin (cmd is run in dir, with "in.bin" and
 * "out.bin" as the names to use). Returns the output length, or -1 when the command fails.
 */
static inline long ct_filter(const char *dir, const char *cmd, const uint8_t *in, size_t n,
			     uint8_t *out, size_t cap)
{
	char path[512];

	snprintf(path, sizeof path, "%s/in.bin", dir);
	if (ct_write(path, in, n) != 0)
		return -1;
	snprintf(path, sizeof path, "%s/out.bin", dir);
	remove(path);
	if (ct_run("cd %s && %s >/dev/null 2>&1", dir, cmd) != 0)
		return -1;
	return ct_read(path, out, cap);
}

#endif
