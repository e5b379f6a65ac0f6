/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * bytes.h — hexadecimal text and bytes, for the tests that read known answers from the
 * standards (written as hex, with spaces allowed between groups) and compare results with
 * other programs' output: their hex text (api_cmd_hex) or the file they write
 * (api_filter).
 */
#ifndef SCRIPTOKI_TEST_BYTES_H
#define SCRIPTOKI_TEST_BYTES_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* The bytes of hex text h into out (room enough); spaces are skipped; stops at the first
 * character that is not a hex pair. Their number. */
static inline size_t unhex(const char *h, uint8_t *out)
{
	size_t n = 0;
	unsigned v;

	while (*h != '\0') {
		if (*h == ' ') {
			h++;
			continue;
		}
		if (h[1] == '\0' || sscanf(h, "%2x", &v) != 1)
			break;
		out[n++] = (uint8_t)v;
		h += 2;
	}
	return n;
}

/* p[0..n) as lower-case hex into out (2n + 1 bytes). */
static inline void hex(const uint8_t *p, size_t n, char *out)
{
	size_t i;

	for (i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", p[i]);
	out[2 * n] = '\0';
}

/* Run the shell line cmd and read the bytes it prints as hex digit pairs (one run, as
 * "bytes.hex()" prints, or groups apart, as `od -An -tx1` prints) into out[0..cap), their
 * number into *n. 0 when cmd succeeds and prints at least one byte and nothing else. */
static inline int api_cmd_hex(const char *cmd, uint8_t *out, size_t cap, size_t *n)
{
	FILE *p = popen(cmd, "r");
	int c, half = -1, bad = 0;

	*n = 0;
	if (p == NULL)
		return -1;
	while ((c = fgetc(p)) != EOF) {
		int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
			: c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;

		if (d < 0) {
			if ((c != ' ' && c != '\n' && c != '\t') || half >= 0)
				bad = 1;        /* not hex, or half a byte */
		} else if (half < 0) {
			half = d;
		} else if (*n < cap) {
			out[(*n)++] = (uint8_t)(half << 4 | d);
			half = -1;
		} else {
			bad = 1;                /* more than out holds */
		}
	}
	return pclose(p) == 0 && !bad && half < 0 && *n > 0 ? 0 : -1;
}

/* The bytes cmd writes to out.bin (at most cap of them into out; -1 when it fails), run
 * with the shell in dir where in.bin holds in[0..n). */
static inline long api_filter(const char *dir, const char *cmd, const uint8_t *in, size_t n,
			      uint8_t *out, size_t cap)
{
	char path[512], full[2048];
	FILE *fp;
	long got;

	snprintf(path, sizeof path, "%s/in.bin", dir);
	fp = fopen(path, "wb");
	if (fp == NULL || (n > 0 && fwrite(in, 1, n, fp) != n)) {
		if (fp != NULL)
			fclose(fp);
		return -1;
	}
	fclose(fp);
	snprintf(full, sizeof full, "cd %s && rm -f out.bin && %s 2>/dev/null", dir, cmd);
	if (system(full) != 0)
		return -1;
	snprintf(path, sizeof path, "%s/out.bin", dir);
	fp = fopen(path, "rb");
	if (fp == NULL)
		return -1;
	got = (long)fread(out, 1, cap, fp);
	fclose(fp);
	return got;
}

#endif
