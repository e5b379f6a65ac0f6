/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fake-pcsc.c — the SCard* functions runtime/pcsc.c calls, for fuzz targets that run the
 * whole module in their own process with no pcscd: one reader, always holding the
 * virtual Rutoken ECP of tests/vtoken (its APDU processor, vt_process, linked in). Linked
 * instead of libpcsclite. A wait with a timeout reports no change at once (SCARD_E_TIMEOUT);
 * a wait without one (the module's reader monitor) blocks until SCardCancel, as pcsc-lite
 * does when nothing changes, so the monitor neither spins nor changes what a run does.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <winscard.h>

#include "fake-pcsc.h"
#include "vt.h"

const SCARD_IO_REQUEST g_rgSCardT0Pci = { SCARD_PROTOCOL_T0, sizeof(SCARD_IO_REQUEST) };
const SCARD_IO_REQUEST g_rgSCardT1Pci = { SCARD_PROTOCOL_T1, sizeof(SCARD_IO_REQUEST) };
const SCARD_IO_REQUEST g_rgSCardRawPci = { SCARD_PROTOCOL_RAW, sizeof(SCARD_IO_REQUEST) };

#define FAKE_READER "Fuzz Reader 00 00"

/* the virtual token's ATR (tests/vtoken/vtoken.c) */
static const unsigned char fake_atr[] = { 0x3B, 0x8B, 0x01, 0x52, 0x75, 0x74, 0x6F, 0x6B,
					  0x65, 0x6E, 0x20, 0x45, 0x43, 0x50, 0xA0 };
static struct vt_card *fake_card;

/* an infinite SCardGetStatusChange waits here for SCardCancel */
static pthread_mutex_t fake_wait_mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t fake_wait_cond = PTHREAD_COND_INITIALIZER;
static int fake_cancelled;

struct vt_card *fake_pcsc_card(void)
{
	if (fake_card == NULL)
		fake_card = vt_new_factory();
	return fake_card;
}

void fake_pcsc_free(void)
{
	vt_free(fake_card);
	fake_card = NULL;
}

LONG SCardEstablishContext(DWORD scope, LPCVOID r1, LPCVOID r2, LPSCARDCONTEXT ctx)
{
	(void)scope, (void)r1, (void)r2;
	*ctx = 1;
	return SCARD_S_SUCCESS;
}

LONG SCardReleaseContext(SCARDCONTEXT ctx)
{
	(void)ctx;
	return SCARD_S_SUCCESS;
}

LONG SCardIsValidContext(SCARDCONTEXT ctx)
{
	return ctx == 1 ? SCARD_S_SUCCESS : SCARD_E_INVALID_HANDLE;
}

LONG SCardListReaders(SCARDCONTEXT ctx, LPCSTR groups, LPSTR readers, LPDWORD len)
{
	static const char multi[] = FAKE_READER "\0";

	(void)ctx, (void)groups;
	if (readers != NULL) {
		if (*len < sizeof multi)
			return SCARD_E_INSUFFICIENT_BUFFER;
		memcpy(readers, multi, sizeof multi);
	}
	*len = sizeof multi;
	return SCARD_S_SUCCESS;
}

LONG SCardGetStatusChange(SCARDCONTEXT ctx, DWORD timeout, SCARD_READERSTATE *st, DWORD n)
{
	DWORD i, changed = 0;

	(void)ctx;
	for (i = 0; i < n; i++) {
		DWORD now;

		if (strcmp(st[i].szReader, FAKE_READER) != 0) {
			/* the PnP pseudo reader: one reader, as it was told */
			st[i].dwEventState = st[i].dwCurrentState & ~(DWORD)SCARD_STATE_CHANGED;
			continue;
		}
		now = SCARD_STATE_PRESENT | (1u << 16);
		if ((st[i].dwCurrentState & ~(DWORD)0xFFFF & ~(DWORD)SCARD_STATE_CHANGED) !=
			    (now & ~(DWORD)0xFFFF) ||
		    !(st[i].dwCurrentState & SCARD_STATE_PRESENT)) {
			now |= SCARD_STATE_CHANGED;
			changed = 1;
		}
		st[i].dwEventState = now;
		st[i].cbAtr = sizeof fake_atr;
		memcpy(st[i].rgbAtr, fake_atr, sizeof fake_atr);
	}
	if (changed || timeout == 0)
		return SCARD_S_SUCCESS;
	if (timeout != INFINITE)
		return SCARD_E_TIMEOUT;
	/* nothing will ever change here: block until cancelled */
	pthread_mutex_lock(&fake_wait_mutex);
	while (!fake_cancelled)
		pthread_cond_wait(&fake_wait_cond, &fake_wait_mutex);
	fake_cancelled = 0;
	pthread_mutex_unlock(&fake_wait_mutex);
	return SCARD_E_CANCELLED;
}

LONG SCardCancel(SCARDCONTEXT ctx)
{
	(void)ctx;
	pthread_mutex_lock(&fake_wait_mutex);
	fake_cancelled = 1;
	pthread_cond_broadcast(&fake_wait_cond);
	pthread_mutex_unlock(&fake_wait_mutex);
	return SCARD_S_SUCCESS;
}

LONG SCardConnect(SCARDCONTEXT ctx, LPCSTR reader, DWORD share, DWORD protos,
		  LPSCARDHANDLE h, LPDWORD proto)
{
	(void)ctx, (void)share, (void)protos;
	if (strcmp(reader, FAKE_READER) != 0)
		return SCARD_E_UNKNOWN_READER;
	if (fake_pcsc_card() == NULL)
		return SCARD_E_NO_MEMORY;
	*h = 1;
	*proto = SCARD_PROTOCOL_T1;
	return SCARD_S_SUCCESS;
}

LONG SCardReconnect(SCARDHANDLE h, DWORD share, DWORD protos, DWORD init, LPDWORD proto)
{
	(void)h, (void)share, (void)protos;
	if (init != SCARD_LEAVE_CARD && fake_card != NULL)
		vt_power_reset(fake_card);
	*proto = SCARD_PROTOCOL_T1;
	return SCARD_S_SUCCESS;
}

LONG SCardDisconnect(SCARDHANDLE h, DWORD how)
{
	(void)h;
	if (how != SCARD_LEAVE_CARD && fake_card != NULL)
		vt_power_reset(fake_card);
	return SCARD_S_SUCCESS;
}

/* The reader answers no attribute (the module then says "PC/SC reader"). */
LONG SCardGetAttrib(SCARDHANDLE h, DWORD id, LPBYTE buf, LPDWORD len)
{
	(void)h;
	(void)id;
	(void)buf;
	(void)len;
	return SCARD_E_UNSUPPORTED_FEATURE;
}

LONG SCardBeginTransaction(SCARDHANDLE h)
{
	(void)h;
	return SCARD_S_SUCCESS;
}

LONG SCardEndTransaction(SCARDHANDLE h, DWORD how)
{
	(void)h, (void)how;
	return SCARD_S_SUCCESS;
}

LONG SCardStatus(SCARDHANDLE h, LPSTR name, LPDWORD nlen, LPDWORD state, LPDWORD proto,
		 LPBYTE atr, LPDWORD alen)
{
	(void)h;
	if (name != NULL && nlen != NULL && *nlen >= sizeof FAKE_READER)
		memcpy(name, FAKE_READER, sizeof FAKE_READER);
	if (nlen != NULL)
		*nlen = sizeof FAKE_READER;
	if (state != NULL)
		*state = SCARD_SPECIFIC;
	if (proto != NULL)
		*proto = SCARD_PROTOCOL_T1;
	if (alen != NULL) {
		if (atr != NULL && *alen >= sizeof fake_atr)
			memcpy(atr, fake_atr, sizeof fake_atr);
		*alen = sizeof fake_atr;
	}
	return SCARD_S_SUCCESS;
}

LONG SCardTransmit(SCARDHANDLE h, const SCARD_IO_REQUEST *send_pci, LPCBYTE apdu, DWORD len,
		   SCARD_IO_REQUEST *recv_pci, LPBYTE resp, LPDWORD rlen)
{
	static unsigned char buf[VT_RESP_MAX];
	size_t n = 0;

	(void)h, (void)send_pci, (void)recv_pci;
	if (fake_pcsc_card() == NULL)
		return SCARD_E_NO_MEMORY;
	vt_process(fake_card, apdu, len, buf, &n);
	if (n > *rlen)
		return SCARD_E_INSUFFICIENT_BUFFER;
	memcpy(resp, buf, n);
	*rlen = (DWORD)n;
	return SCARD_S_SUCCESS;
}

const char *pcsc_stringify_error(const LONG rc)
{
	static char buf[32];

	snprintf(buf, sizeof buf, "fake PC/SC error 0x%08lX", (unsigned long)rc);
	return buf;
}
