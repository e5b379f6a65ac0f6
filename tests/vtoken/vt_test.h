/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * vt_test.h — the harness the virtual cards' APDU tests share (t3100 the Rutoken ECP,
 * t3112 the PIV card): a response buffer, hex input, and sending one APDU. Define
 * VT_TEST_CARD (the card's struct) and VT_TEST_PROCESS (its APDU processor) first, and
 * for save_load() VT_TEST_SAVE and VT_TEST_LOAD (its state file's writer and reader);
 * include it after tap.h.
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

#if defined(VT_TEST_SAVE) && defined(VT_TEST_LOAD)
/* The card's state saved (the text in *text, *len bytes; free it) and loaded into a new
 * card, which it returns (NULL when that fails): the tests "save" and "load what was
 * saved". */
__attribute__((unused)) static VT_TEST_CARD *save_load(VT_TEST_CARD *c, char **text, size_t *len)
{
	FILE *f = open_memstream(text, len);
	VT_TEST_CARD *d = NULL;
	char err[128];
	int saved = f != NULL && VT_TEST_SAVE(c, f) == 0;

	if (f != NULL && fclose(f) != 0)
		saved = 0;
	ok(saved, "save");
	f = *text != NULL ? fmemopen(*text, *len, "r") : NULL;
	if (f != NULL) {
		d = VT_TEST_LOAD(f, err, sizeof err);
		fclose(f);
	}
	ok(d != NULL, "load what was saved");
	return d;
}
#endif

#endif
