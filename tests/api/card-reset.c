/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * api-card-reset — another PC/SC application that resets a card, as a second program on
 * a user's desktop may do at any time.
 *
 *   api-card-reset READER [APDU-HEX]
 *
 * Connects shared to READER, sends the APDU if one is given (e.g. 00CA018100), then
 * SCardReconnect(..., SCARD_RESET_CARD) — a warm reset: the card forgets every verified
 * PIN, and every other handle to it gets SCARD_W_RESET_CARD at its next use — and
 * disconnects leaving the card as it is. Exit 0 on success, 1 on a PC/SC error (printed on
 * stderr), 2 on usage. Nothing goes to stdout: the TAP tests that run it own that.
 */
#include <winscard.h>

#include <ctype.h>
#include <stdio.h>
#include <string.h>

static long parse_hex(const char *s, unsigned char *out, size_t max)
{
	size_t n = 0;
	int hi = -1;

	for (; *s; s++) {
		int v;

		if (!isxdigit((unsigned char)*s))
			return -1;
		v = isdigit((unsigned char)*s) ? *s - '0' : tolower((unsigned char)*s) - 'a' + 10;
		if (hi < 0) {
			hi = v;
			continue;
		}
		if (n == max)
			return -1;
		out[n++] = (unsigned char)(hi << 4 | v);
		hi = -1;
	}
	return hi < 0 && n >= 4 ? (long)n : -1;
}

int main(int argc, char **argv)
{
	unsigned char cmd[261], resp[258];
	SCARDCONTEXT ctx = 0;
	SCARDHANDLE card = 0;
	DWORD proto = 0, rlen = sizeof resp;
	long n = 0;
	LONG r;
	int rv = 2;

	if (argc < 2 || argc > 3 || (argc == 3 && (n = parse_hex(argv[2], cmd, sizeof cmd)) < 0)) {
		fprintf(stderr, "usage: api-card-reset READER [APDU-HEX]\n");
		goto out;
	}
	rv = 1;
	r = SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &ctx);
	if (r != SCARD_S_SUCCESS) {
		fprintf(stderr, "api-card-reset: SCardEstablishContext: %s\n", pcsc_stringify_error(r));
		goto out;
	}
	r = SCardConnect(ctx, argv[1], SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1,
			 &card, &proto);
	if (r != SCARD_S_SUCCESS) {
		fprintf(stderr, "api-card-reset: SCardConnect: %s\n", pcsc_stringify_error(r));
		goto out;
	}
	if (n > 0) {
		r = SCardTransmit(card, proto == SCARD_PROTOCOL_T0 ? SCARD_PCI_T0 : SCARD_PCI_T1,
				  cmd, (DWORD)n, NULL, resp, &rlen);
		if (r != SCARD_S_SUCCESS) {
			fprintf(stderr, "api-card-reset: SCardTransmit: %s\n", pcsc_stringify_error(r));
			goto out;
		}
	}
	r = SCardReconnect(card, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1,
			   SCARD_RESET_CARD, &proto);
	if (r != SCARD_S_SUCCESS) {
		fprintf(stderr, "api-card-reset: SCardReconnect(RESET): %s\n", pcsc_stringify_error(r));
		goto out;
	}
	rv = 0;
out:
	if (card)
		SCardDisconnect(card, SCARD_LEAVE_CARD);
	if (ctx)
		SCardReleaseContext(ctx);
	return rv;
}
