/* SPDX-License-Identifier: BSD-2-Clause */
/* bench-pcsc.c — benchmark cases that talk to a reader through PC/SC; see bench.h. */
#include "bench.h"

#include <winscard.h>

#include <stdio.h>
#include <stdlib.h>

struct pcsc_state {
	SCARDCONTEXT ctx;
	SCARDHANDLE card;
	const SCARD_IO_REQUEST *pci;
};

int bench_pcsc_open(void **state, const char *reader, char *err, size_t errlen)
{
	struct pcsc_state *st;
	DWORD proto = 0;
	LONG r;
	int rv = -1;

	st = calloc(1, sizeof *st);
	if (!st) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	r = SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &st->ctx);
	if (r != SCARD_S_SUCCESS) {
		snprintf(err, errlen, "SCardEstablishContext: %s", pcsc_stringify_error(r));
		goto out;
	}
	/* Keep the handle for the whole run: an unused card is powered off at pcscd's next poll. */
	r = SCardConnect(st->ctx, reader, SCARD_SHARE_SHARED,
			 SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, &st->card, &proto);
	if (r != SCARD_S_SUCCESS) {
		snprintf(err, errlen, "SCardConnect '%s': %s", reader, pcsc_stringify_error(r));
		goto out;
	}
	st->pci = proto == SCARD_PROTOCOL_T0 ? SCARD_PCI_T0 : SCARD_PCI_T1;
	rv = 0;
out:
	if (rv < 0 && st) {
		bench_pcsc_close(st);
		st = NULL;
	}
	*state = st;
	return rv;
}

int bench_pcsc_get_serial(void *state, char *err, size_t errlen)
{
	/* GET DATA, tag 0x0181: the Rutoken's serial number (4 bytes) */
	static const unsigned char apdu[] = { 0x00, 0xCA, 0x01, 0x81, 0x00 };
	struct pcsc_state *st = state;
	unsigned char resp[258];
	DWORD len = sizeof resp;
	LONG r;

	r = SCardTransmit(st->card, st->pci, apdu, sizeof apdu, NULL, resp, &len);
	if (r != SCARD_S_SUCCESS) {
		snprintf(err, errlen, "SCardTransmit: %s", pcsc_stringify_error(r));
		return -1;
	}
	if (len < 2 || resp[len - 2] != 0x90 || resp[len - 1] != 0x00) {
		snprintf(err, errlen, "GET DATA answered SW %02X%02X", len >= 2 ? resp[len - 2] : 0,
			 len >= 2 ? resp[len - 1] : 0);
		return -1;
	}
	return 0;
}

void bench_pcsc_close(void *state)
{
	struct pcsc_state *st = state;

	if (!st)
		return;
	if (st->card)
		SCardDisconnect(st->card, SCARD_LEAVE_CARD);
	if (st->ctx)
		SCardReleaseContext(st->ctx);
	free(st);
}
