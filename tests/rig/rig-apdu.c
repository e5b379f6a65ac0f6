/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * rig-apdu — send APDUs to a card through PC/SC and print the answers.
 *
 *   rig-apdu READER APDU...        e.g.  rig-apdu "Virtual PCD 00 00" 00CA018100
 *
 * Each APDU is hex (spaces and colons allowed inside one argument). Prints one line per
 * APDU: the response in hex, upper case, status word included. Exit status 0 when every
 * transmit succeeded (whatever the status word), 1 on a PC/SC error, 2 on usage.
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

		if (*s == ' ' || *s == ':')
			continue;
		if (!isxdigit((unsigned char)*s))
			return -1;
		v = isdigit((unsigned char)*s) ? *s - '0' : (tolower((unsigned char)*s) - 'a' + 10);
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
	static unsigned char cmd[65544], resp[65538];
	SCARDCONTEXT ctx = 0;
	SCARDHANDLE card = 0;
	DWORD proto = 0;
	LONG r;
	int i, rv = 2;

	if (argc < 3) {
		fprintf(stderr, "usage: rig-apdu READER APDU...\n");
		goto out;
	}
	rv = 1;
	r = SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &ctx);
	if (r != SCARD_S_SUCCESS) {
		fprintf(stderr, "rig-apdu: SCardEstablishContext: %s\n", pcsc_stringify_error(r));
		goto out;
	}
	r = SCardConnect(ctx, argv[1], SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1,
			 &card, &proto);
	if (r != SCARD_S_SUCCESS) {
		fprintf(stderr, "rig-apdu: SCardConnect '%s': %s\n", argv[1], pcsc_stringify_error(r));
		goto out;
	}
	for (i = 2; i < argc; i++) {
		const SCARD_IO_REQUEST *pci = proto == SCARD_PROTOCOL_T0 ? SCARD_PCI_T0 : SCARD_PCI_T1;
		long n = parse_hex(argv[i], cmd, sizeof cmd);
		DWORD rlen = sizeof resp, j;

		if (n < 0) {
			fprintf(stderr, "rig-apdu: not an APDU: '%s'\n", argv[i]);
			rv = 2;
			goto out;
		}
		r = SCardTransmit(card, pci, cmd, (DWORD)n, NULL, resp, &rlen);
		if (r != SCARD_S_SUCCESS) {
			fprintf(stderr, "rig-apdu: SCardTransmit: %s (0x%08lX)\n",
				pcsc_stringify_error(r), (unsigned long)r);
			goto out;
		}
		for (j = 0; j < rlen; j++)
			printf("%02X", resp[j]);
		printf("\n");
		fflush(stdout);
	}
	rv = 0;
out:
	if (card)
		SCardDisconnect(card, SCARD_LEAVE_CARD);
	if (ctx)
		SCardReleaseContext(ctx);
	return rv;
}
