/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * vt_test.h — the harness the virtual cards' APDU tests share (t3100 the Rutoken ECP,
 * t3112 the PIV card): a response buffer, hex input, and sending one APDU. Define
 * VT_TEST_CARD (the card's struct) and VT_TEST_PROCESS (its APDU processor) first.
 */
#ifndef VT_TEST_H
#define VT_TEST_H

#include <stdio.h>
#include <string.h>

#include "vt.h"

#if !defined(VT_TEST_CARD) || !defined(VT_TEST_PROCESS)
#error "define VT_TEST_CARD and VT_TEST_PROCESS before including vt_test.h"
#endif

static unsigned char rbuf[VT_RESP_MAX];
static size_t rlen;

/* "00 A4 04 00" or "00A40400" into out; stops at the first character that is not hex. */
static size_t unhex(const char *s, unsigned char *out, size_t cap)
{
	size_t n = 0;

	while (*s && n < cap) {
		unsigned v;

		if (*s == ' ') {
			s++;
			continue;
		}
		if (sscanf(s, "%2x", &v) != 1)
			break;
		out[n++] = (unsigned char)v;
		s += 2;
	}
	return n;
}

/* the status word of the last answer */
static unsigned sw(void)
{
	return (unsigned)rbuf[rlen - 2] << 8 | rbuf[rlen - 1];
}

/* Send raw bytes; returns the SW. rbuf/rlen hold the response. */
static unsigned txb(VT_TEST_CARD *c, const unsigned char *a, size_t n)
{
	VT_TEST_PROCESS(c, a, n, rbuf, &rlen);
	return sw();
}

/* Send an APDU written in hex. */
__attribute__((unused)) static unsigned tx(VT_TEST_CARD *c, const char *hex)
{
	unsigned char a[700];

	return txb(c, a, unhex(hex, a, sizeof a));
}

#endif
