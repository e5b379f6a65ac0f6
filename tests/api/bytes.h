/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * bytes.h — hexadecimal text and bytes, for the tests that read known answers from the
 * standards (written as hex, with spaces allowed between groups) and compare results with
 * other programs' hex output.
 */
#ifndef SCRIPTOKI_TEST_BYTES_H
#define SCRIPTOKI_TEST_BYTES_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

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

#endif
