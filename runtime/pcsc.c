/* SPDX-License-Identifier: BSD-2-Clause */
/* pcsc.c — PC/SC through pcsc-lite; see pcsc.h. */
#include "pcsc.h"
#include "trace.h"

#include <stdatomic.h>
#include <reader.h>

#include <string.h>

#include "log.h"

static atomic_uint pcsc_epoch_now = 1;
static atomic_int pcsc_watched_now;

void pcsc_set_watched(int on)
{
	atomic_store(&pcsc_watched_now, on);
}

int pcsc_watched(void)
{
	return atomic_load_explicit(&pcsc_watched_now, memory_order_relaxed);
}

int pcsc_service_lost(LONG rc)
{
	return rc == SCARD_E_NO_SERVICE || rc == SCARD_E_SERVICE_STOPPED ||
	       rc == SCARD_E_INVALID_HANDLE || rc == SCARD_F_COMM_ERROR;
}

unsigned pcsc_epoch(void)
{
	return atomic_load(&pcsc_epoch_now);
}

/* rc came from a call on the context or handle of epoch `of`: when it says the daemon is
 * gone, every context of that epoch is dead (a later epoch was already noticed). */
static LONG pcsc_note(LONG rc, unsigned of)
{
	unsigned cur = of;

	if (pcsc_service_lost(rc) &&
	    atomic_compare_exchange_strong(&pcsc_epoch_now, &cur, of + 1))
		log_msg(LOG_ERROR, "pcsc: the PC/SC service is gone (%s); new contexts from now on",
			pcsc_error_name(rc));
	return rc;
}

/* One place where PC/SC codes become Cryptoki codes (as OpenSC's sc_to_cryptoki_error). */
CK_RV pcsc_to_rv(LONG rc)
{
	switch (rc) {
	case SCARD_S_SUCCESS:
		return CKR_OK;
	case SCARD_E_INVALID_HANDLE:
	case SCARD_F_COMM_ERROR:        /* the daemon went away under a call */
		return CKR_DEVICE_REMOVED;
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

	unsigned epoch = pcsc_epoch();

	if (c->valid && c->epoch == epoch && SCardIsValidContext(c->ctx) == SCARD_S_SUCCESS)
		return CKR_OK;
	if (c->valid)
		SCardReleaseContext(c->ctx);    /* a dead daemon's: frees the client's side */
	c->valid = 0;
	rc = SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &c->ctx);
	if (rc != SCARD_S_SUCCESS) {
		log_msg(LOG_ERROR, "pcsc: no context: %s", pcsc_error_name(rc));
		return pcsc_to_rv(rc);
	}
	c->valid = 1;
	c->epoch = epoch;
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
	r->state = st->dwEventState & ~(DWORD)SCARD_STATE_CHANGED;
	r->atr_len = st->cbAtr <= PCSC_MAX_ATR ? st->cbAtr : 0;
	memcpy(r->atr, st->rgbAtr, r->atr_len);
}

static CK_RV pcsc_list_once(struct pcsc_ctx *c, struct pcsc_reader *out, size_t cap, size_t *n,
			    LONG *last)
{
	char multi[PCSC_MAX_READERS * PCSC_READER_NAME];
	SCARD_READERSTATE st[PCSC_MAX_READERS];
	DWORD len = sizeof multi;
	LONG rc;
	size_t i, k;
	CK_RV rv;

	*n = 0;
	*last = SCARD_S_SUCCESS;
	rv = pcsc_ctx_open(c);
	if (rv != CKR_OK)
		return CKR_OK;          /* no PC/SC service: no reader */
	rc = *last = pcsc_note(SCardListReaders(c->ctx, NULL, multi, &len), c->epoch);
	if (rc == SCARD_E_NO_READERS_AVAILABLE)
		return CKR_OK;
	if (pcsc_service_lost(rc))
		return CKR_OK;          /* pcscd went away; the next context is a new one */
	if (rc != SCARD_S_SUCCESS)
		return pcsc_to_rv(rc);
	k = pcsc_split(multi, len, out, cap < PCSC_MAX_READERS ? cap : PCSC_MAX_READERS);
	memset(st, 0, sizeof st);
	for (i = 0; i < k; i++) {
		st[i].szReader = out[i].name;
		st[i].dwCurrentState = SCARD_STATE_UNAWARE;
	}
	rc = *last = pcsc_note(SCardGetStatusChange(c->ctx, 0, st, (DWORD)k), c->epoch);
	if (pcsc_service_lost(rc))
		return CKR_OK;
	if (rc != SCARD_S_SUCCESS && rc != SCARD_E_TIMEOUT)
		return pcsc_to_rv(rc);
	for (i = 0; i < k; i++)
		pcsc_fill(&out[i], &st[i]);
	*n = k;
	return CKR_OK;
}

CK_RV pcsc_list(struct pcsc_ctx *c, struct pcsc_reader *out, size_t cap, size_t *n)
{
	LONG last;
	CK_RV rv = pcsc_list_once(c, out, cap, n, &last);

	/* the daemon we knew is gone: a new one may already be there */
	if (rv == CKR_OK && pcsc_service_lost(last))
		rv = pcsc_list_once(c, out, cap, n, &last);
	return rv;
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
		st[i].dwCurrentState = known[i].state != 0 ? (DWORD)known[i].state :
				       (known[i].present ? SCARD_STATE_PRESENT : SCARD_STATE_EMPTY) |
				       ((DWORD)known[i].events << 16);
	}
	/* pcsc-lite's pseudo reader: its state changes when readers come or go */
	st[n].szReader = "\\\\?PnP?\\Notification";
	st[n].dwCurrentState = (DWORD)n << 16;
	rc = pcsc_note(SCardGetStatusChange(c->ctx, timeout_ms < 0 ? INFINITE : (DWORD)timeout_ms,
					    st, (DWORD)n + 1), c->epoch);
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

void pcsc_cancel_handle(SCARDCONTEXT h)
{
	if (h != 0)
		SCardCancel(h);
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
	rc = pcsc_note(SCardConnect(c->ctx, reader, card->share,
				    SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, &card->h, &card->proto),
		       c->epoch);
	if (pcsc_service_lost(rc) && pcsc_ctx_open(c) == CKR_OK)
		/* the daemon was restarted: once more on a context of the new one */
		rc = pcsc_note(SCardConnect(c->ctx, reader, card->share,
					    SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, &card->h,
					    &card->proto), c->epoch);
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
	card->epoch = c->epoch;
	return CKR_OK;
}

int pcsc_reader_info(struct pcsc_card *card, char *vendor, size_t cap, CK_VERSION *ver)
{
	uint8_t buf[256];
	DWORD len = sizeof buf - 1;
	int have = 0;

	/* PC/SC Part 3 vendor information, answered by the reader's driver (IPC only, no
	 * APDU): SCARD_ATTR_VENDOR_NAME, a string; SCARD_ATTR_VENDOR_IFD_VERSION, a DWORD
	 * 0xMMmmbbbb (major, minor, build) */
	if (cap > 0)
		vendor[0] = '\0';
	memset(ver, 0, sizeof *ver);
	if (SCardGetAttrib(card->h, SCARD_ATTR_VENDOR_NAME, buf, &len) == SCARD_S_SUCCESS &&
	    len > 0 && cap > 0) {
		size_t n = len < sizeof buf ? len : sizeof buf - 1, i;

		buf[n] = '\0';
		n = strnlen((const char *)buf, n);
		if (n >= cap)
			n = cap - 1;
		for (i = 0; i < n; i++)     /* printable ASCII only: it goes into CK_SLOT_INFO */
			vendor[i] = buf[i] >= 0x20 && buf[i] < 0x7f ? (char)buf[i] : '?';
		vendor[n] = '\0';
		have |= n > 0;
	}
	len = sizeof buf;
	if (SCardGetAttrib(card->h, SCARD_ATTR_VENDOR_IFD_VERSION, buf, &len) == SCARD_S_SUCCESS &&
	    len >= 4) {
		uint32_t v;

		memcpy(&v, buf, sizeof v);      /* the driver's DWORD, in host order */

		ver->major = (CK_BYTE)(v >> 24);
		ver->minor = (CK_BYTE)(v >> 16);
		have |= v != 0 ? 2 : 0;
	}
	return have;
}

CK_RV pcsc_reconnect(struct pcsc_card *card)
{
	LONG rc = pcsc_note(SCardReconnect(card->h, card->share,
					   SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, SCARD_LEAVE_CARD,
					   &card->proto), card->epoch);
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
	return pcsc_note(SCardStatus(card->h, name, &nlen, &state, &proto, atr, &alen),
			 card->epoch);
}

LONG pcsc_probe(struct pcsc_card *card)
{
	uint8_t atr[PCSC_MAX_ATR + 31];
	DWORD len = sizeof atr;
	LONG rc;

	if (!card->connected)
		return SCARD_E_INVALID_HANDLE;
	rc = SCardGetAttrib(card->h, SCARD_ATTR_ATR_STRING, atr, &len);
	if (rc == SCARD_E_UNSUPPORTED_FEATURE)
		rc = SCARD_S_SUCCESS;   /* the driver's answer: pcscd's checks passed */
	return pcsc_note(rc, card->epoch);
}

LONG pcsc_begin(struct pcsc_card *card)
{
	return pcsc_note(SCardBeginTransaction(card->h), card->epoch);
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
	rc = pcsc_note(SCardTransmit(card->h, pci, apdu, (DWORD)len, NULL, resp, &rlen),
		       card->epoch);

	*resp_len = rc == SCARD_S_SUCCESS ? rlen : 0;
	return rc;
}
