/* SPDX-License-Identifier: BSD-2-Clause */
/* pcsc.c — PC/SC through pcsc-lite; see pcsc.h. */
#include "pcsc.h"
#include "trace.h"

#include <string.h>

#include "log.h"

/* One place where PC/SC codes become Cryptoki codes (as OpenSC's sc_to_cryptoki_error). */
CK_RV pcsc_to_rv(LONG rc)
{
	switch (rc) {
	case SCARD_S_SUCCESS:
		return CKR_OK;
	case SCARD_W_REMOVED_CARD:
	case SCARD_E_NO_SMARTCARD:
	case SCARD_E_NOT_TRANSACTED:   /* removal not yet seen by pcscd's poll */
		return CKR_DEVICE_REMOVED;
	case SCARD_E_UNKNOWN_READER:
	case SCARD_E_READER_UNAVAILABLE:
	case SCARD_E_NO_READERS_AVAILABLE:
		return CKR_DEVICE_REMOVED;
	case SCARD_W_RESET_CARD:
	case SCARD_W_UNPOWERED_CARD:
	case SCARD_W_UNRESPONSIVE_CARD:
	case SCARD_E_PROTO_MISMATCH:
	case SCARD_F_COMM_ERROR:
	case SCARD_E_COMM_DATA_LOST:
		return CKR_DEVICE_ERROR;
	case SCARD_E_NO_MEMORY:
		return CKR_HOST_MEMORY;
	case SCARD_E_CANCELLED:
		return CKR_FUNCTION_CANCELED;
	case SCARD_E_TIMEOUT:
		return CKR_NO_EVENT;
	case SCARD_E_NO_SERVICE:
	case SCARD_E_SERVICE_STOPPED:
		return CKR_DEVICE_REMOVED;
	case SCARD_W_UNSUPPORTED_CARD:
	case SCARD_E_CARD_UNSUPPORTED:
		return CKR_TOKEN_NOT_RECOGNIZED;
	default:
		return CKR_DEVICE_ERROR;
	}
}

const char *pcsc_error_name(LONG rc)
{
	return pcsc_stringify_error(rc);
}

CK_RV pcsc_ctx_open(struct pcsc_ctx *c)
{
	LONG rc;

	if (c->valid && SCardIsValidContext(c->ctx) == SCARD_S_SUCCESS)
		return CKR_OK;
	if (c->valid)
		SCardReleaseContext(c->ctx);
	c->valid = 0;
	rc = SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &c->ctx);
	if (rc != SCARD_S_SUCCESS) {
		log_msg(LOG_ERROR, "pcsc: no context: %s", pcsc_error_name(rc));
		return pcsc_to_rv(rc);
	}
	c->valid = 1;
	return CKR_OK;
}

void pcsc_ctx_close(struct pcsc_ctx *c)
{
	if (c->valid)
		SCardReleaseContext(c->ctx);
	c->valid = 0;
}

void pcsc_ctx_forget(struct pcsc_ctx *c)
{
	c->valid = 0;
}

/* The reader names of a multi-string, at most cap of them. */
static size_t pcsc_split(const char *multi, DWORD len, struct pcsc_reader *out, size_t cap)
{
	size_t n = 0;
	const char *p = multi, *end = multi + len;

	while (p < end && *p != '\0' && n < cap) {
		size_t l = strnlen(p, (size_t)(end - p));
		if (l < PCSC_READER_NAME) {
			memset(&out[n], 0, sizeof out[n]);
			memcpy(out[n].name, p, l);
			n++;
		}
		p += l + 1;
	}
	return n;
}

static void pcsc_fill(struct pcsc_reader *r, const SCARD_READERSTATE *st)
{
	r->present = (st->dwEventState & SCARD_STATE_PRESENT) &&
		     !(st->dwEventState & SCARD_STATE_MUTE);
	r->events = (unsigned)(st->dwEventState >> 16);
	r->atr_len = st->cbAtr <= PCSC_MAX_ATR ? st->cbAtr : 0;
	memcpy(r->atr, st->rgbAtr, r->atr_len);
}

CK_RV pcsc_list(struct pcsc_ctx *c, struct pcsc_reader *out, size_t cap, size_t *n)
{
	char multi[PCSC_MAX_READERS * PCSC_READER_NAME];
	SCARD_READERSTATE st[PCSC_MAX_READERS];
	DWORD len = sizeof multi;
	LONG rc;
	size_t i, k;
	CK_RV rv;

	*n = 0;
	rv = pcsc_ctx_open(c);
	if (rv != CKR_OK)
		return CKR_OK;          /* no PC/SC service: no reader */
	rc = SCardListReaders(c->ctx, NULL, multi, &len);
	if (rc == SCARD_E_NO_READERS_AVAILABLE)
		return CKR_OK;
	if (rc == SCARD_E_NO_SERVICE || rc == SCARD_E_SERVICE_STOPPED ||
	    rc == SCARD_E_INVALID_HANDLE) {
		pcsc_ctx_close(c);      /* pcscd went away; a later call starts afresh */
		return CKR_OK;
	}
	if (rc != SCARD_S_SUCCESS)
		return pcsc_to_rv(rc);
	k = pcsc_split(multi, len, out, cap < PCSC_MAX_READERS ? cap : PCSC_MAX_READERS);
	memset(st, 0, sizeof st);
	for (i = 0; i < k; i++) {
		st[i].szReader = out[i].name;
		st[i].dwCurrentState = SCARD_STATE_UNAWARE;
	}
	rc = SCardGetStatusChange(c->ctx, 0, st, (DWORD)k);
	if (rc != SCARD_S_SUCCESS && rc != SCARD_E_TIMEOUT)
		return pcsc_to_rv(rc);
	for (i = 0; i < k; i++)
		pcsc_fill(&out[i], &st[i]);
	*n = k;
	return CKR_OK;
}

CK_RV pcsc_wait(struct pcsc_ctx *c, struct pcsc_reader *known, size_t n, long timeout_ms)
{
	SCARD_READERSTATE st[PCSC_MAX_READERS + 1];
	size_t i;
	LONG rc;
	CK_RV rv = pcsc_ctx_open(c);

	if (rv != CKR_OK)
		return rv;
	if (n > PCSC_MAX_READERS)
		n = PCSC_MAX_READERS;
	memset(st, 0, sizeof st);
	for (i = 0; i < n; i++) {
		st[i].szReader = known[i].name;
		st[i].dwCurrentState = (known[i].present ? SCARD_STATE_PRESENT : SCARD_STATE_EMPTY) |
				       ((DWORD)known[i].events << 16);
	}
	/* pcsc-lite's pseudo reader: its state changes when readers come or go */
	st[n].szReader = "\\\\?PnP?\\Notification";
	st[n].dwCurrentState = (DWORD)n << 16;
	rc = SCardGetStatusChange(c->ctx, timeout_ms < 0 ? INFINITE : (DWORD)timeout_ms, st,
				  (DWORD)n + 1);
	if (rc != SCARD_S_SUCCESS)
		return pcsc_to_rv(rc);
	for (i = 0; i < n; i++)
		pcsc_fill(&known[i], &st[i]);
	return CKR_OK;
}

void pcsc_cancel(struct pcsc_ctx *c)
{
	if (c->valid)
		SCardCancel(c->ctx);
}

CK_RV pcsc_connect(struct pcsc_ctx *c, const char *reader, int exclusive, struct pcsc_card *card)
{
	char name[PCSC_READER_NAME];
	DWORD nlen = sizeof name, state, proto, alen = PCSC_MAX_ATR;
	LONG rc;
	CK_RV rv = pcsc_ctx_open(c);

	if (rv != CKR_OK)
		return rv;
	memset(card, 0, sizeof *card);
	card->share = exclusive ? SCARD_SHARE_EXCLUSIVE : SCARD_SHARE_SHARED;
	rc = SCardConnect(c->ctx, reader, card->share, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1,
			  &card->h, &card->proto);
	if (rc != SCARD_S_SUCCESS) {
		log_msg(LOG_ERROR, "pcsc: connect '%s': %s", reader, pcsc_error_name(rc));
		return pcsc_to_rv(rc);
	}
	rc = SCardStatus(card->h, name, &nlen, &state, &proto, card->atr, &alen);
	if (rc != SCARD_S_SUCCESS) {
		SCardDisconnect(card->h, SCARD_LEAVE_CARD);
		return pcsc_to_rv(rc);
	}
	card->atr_len = alen;
	card->connected = 1;
	return CKR_OK;
}

CK_RV pcsc_reconnect(struct pcsc_card *card)
{
	LONG rc = SCardReconnect(card->h, card->share, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1,
				 SCARD_LEAVE_CARD, &card->proto);
	if (rc != SCARD_S_SUCCESS)
		log_msg(LOG_ERROR, "pcsc: reconnect: %s", pcsc_error_name(rc));
	return pcsc_to_rv(rc);
}

void pcsc_disconnect(struct pcsc_card *card)
{
	if (card->connected)
		SCardDisconnect(card->h, SCARD_LEAVE_CARD);
	card->connected = 0;
}

LONG pcsc_status(struct pcsc_card *card)
{
	char name[PCSC_READER_NAME];
	uint8_t atr[PCSC_MAX_ATR];
	DWORD nlen = sizeof name, state, proto, alen = sizeof atr;

	if (!card->connected)
		return SCARD_E_INVALID_HANDLE;
	return SCardStatus(card->h, name, &nlen, &state, &proto, atr, &alen);
}

LONG pcsc_begin(struct pcsc_card *card)
{
	return SCardBeginTransaction(card->h);
}

void pcsc_end(struct pcsc_card *card)
{
	SCardEndTransaction(card->h, SCARD_LEAVE_CARD);
}

LONG pcsc_transmit(struct pcsc_card *card, const uint8_t *apdu, size_t len, uint8_t *resp,
		   size_t *resp_len)
{
	const SCARD_IO_REQUEST *pci = card->proto == SCARD_PROTOCOL_T0 ? SCARD_PCI_T0 : SCARD_PCI_T1;
	DWORD rlen = (DWORD)*resp_len;
	LONG rc;

	trace_apdu(apdu, len);
	rc = SCardTransmit(card->h, pci, apdu, (DWORD)len, NULL, resp, &rlen);

	*resp_len = rc == SCARD_S_SUCCESS ? rlen : 0;
	return rc;
}
