/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pcsc.h — the only code that calls SCard*. PC/SC errors become CK_RV here, once.
 *
 * Contexts: pcsc-lite serialises the calls of one SCARDCONTEXT, so each user that may
 * block (the slot table, each token's card, C_WaitForSlotEvent) has its own context; a
 * token's card calls never wait behind another token's. A token's reset questions
 * (token.h, struct token_probe) have two more, so that threads asking them are answered
 * side by side.
 */
#ifndef SCRIPTOKI_PCSC_H
#define SCRIPTOKI_PCSC_H

#include <stddef.h>
#include <stdint.h>
#include <winscard.h>

#include "cryptoki.h"

#define PCSC_MAX_READERS 16
#define PCSC_READER_NAME 128
#define PCSC_MAX_ATR 33

CK_RV pcsc_to_rv(LONG rc);
const char *pcsc_error_name(LONG rc);

struct pcsc_reader {
	char name[PCSC_READER_NAME];
	int present;            /* a card is in the reader */
	unsigned events;        /* pcscd's event counter for this reader */
	unsigned long state;    /* pcscd's whole state word (SCARD_STATE_*, the counter in
				 * bits 16-31), SCARD_STATE_CHANGED cleared; 0 when unknown */
	uint8_t atr[PCSC_MAX_ATR];
	size_t atr_len;
};

/*
 * A context that may be established lazily; 0 when not (yet) established.
 *
 * pcscd may stop and come back under a running application (a package upgrade, socket
 * activation). Every context and card handle of the old daemon is then dead, although
 * pcsc-lite's SCardIsValidContext still says yes: it looks only at the client's own table.
 * So any call that finds the service gone (pcsc_service_lost) bumps a process-wide epoch,
 * and pcsc_ctx_open establishes a new context for every context of an older epoch. Listing
 * readers and connecting retry once at once with the new context, so the first slot call
 * after a restart already sees the new daemon's readers and cards.
 */
struct pcsc_ctx {
	SCARDCONTEXT ctx;
	int valid;
	unsigned epoch;         /* pcsc_epoch() when it was established */
};

/* SCARD_E_NO_SERVICE, _SERVICE_STOPPED, _INVALID_HANDLE, SCARD_F_COMM_ERROR: the daemon
 * this context or handle belonged to is gone. */
int pcsc_service_lost(LONG rc);
/* Bumped each time a call found the service gone (lock-free). */
unsigned pcsc_epoch(void);

CK_RV pcsc_ctx_open(struct pcsc_ctx *c);
void pcsc_ctx_close(struct pcsc_ctx *c);
/* After fork(): forget the parent's context without releasing it. */
void pcsc_ctx_forget(struct pcsc_ctx *c);

/*
 * The readers and their state, without touching any card (IPC with pcscd only).
 * No PC/SC service or no reader is an empty list, not an error.
 */
CK_RV pcsc_list(struct pcsc_ctx *c, struct pcsc_reader *out, size_t cap, size_t *n);

/*
 * Block until some reader's state differs from *known (or the reader list changes), at
 * most timeout_ms (-1: forever). CKR_OK with *known updated; CKR_FUNCTION_CANCELED when
 * pcsc_cancel() was called; CKR_NO_EVENT on timeout. A reader's state word, when known,
 * is what the wait compares with (so a mute card is not "changed" at every call).
 * pcsc_cancel may be called from another thread while one waits (SCardCancel).
 */
CK_RV pcsc_wait(struct pcsc_ctx *c, struct pcsc_reader *known, size_t n, long timeout_ms);
void pcsc_cancel(struct pcsc_ctx *c);
/* Whether a reader monitor (slot.c) is watching the readers right now, so that a removal
 * is noticed without asking (lock-free; set by the monitor). */
void pcsc_set_watched(int on);
int pcsc_watched(void);
/* The same by the context's handle, from a thread that does not own the context (0: none). */
void pcsc_cancel_handle(SCARDCONTEXT h);

struct pcsc_card {
	SCARDHANDLE h;
	DWORD proto;
	DWORD share;            /* SCARD_SHARE_SHARED, or _EXCLUSIVE when configured */
	int connected;
	unsigned epoch;         /* of the context it was connected on */
	uint8_t atr[PCSC_MAX_ATR];
	size_t atr_len;
};

/* exclusive: no other application may connect while we hold the card. */
CK_RV pcsc_connect(struct pcsc_ctx *c, const char *reader, int exclusive, struct pcsc_card *card);
/* What the reader's driver says of the reader, through the connected card's handle (IPC
 * only, no APDU): its vendor name into vendor (printable ASCII, "" when not told) and its
 * version. Bit 1 of the result: a name was told; bit 2: a version. */
int pcsc_reader_info(struct pcsc_card *card, char *vendor, size_t cap, CK_VERSION *ver);
/* After SCARD_W_RESET_CARD: take the card back as it is (no reset of our own). */
CK_RV pcsc_reconnect(struct pcsc_card *card);
void pcsc_disconnect(struct pcsc_card *card);
/* 1 when the handle still refers to a present, unreset card (IPC only, no APDU). */
LONG pcsc_status(struct pcsc_card *card);

/*
 * Ask pcscd about the card handle in one round trip, without a transaction: its answer to
 * SCardGetAttrib(SCARD_ATTR_ATR_STRING) comes after its checks of the handle, so that a
 * card reset by another application since our last call answers SCARD_W_RESET_CARD, a
 * removed one SCARD_W_REMOVED_CARD, and a card in another application's transaction
 * SCARD_E_SHARING_VIOLATION, as SCardBeginTransaction would (which waits instead).
 * SCARD_S_SUCCESS when none of those (also when the driver has no such attribute:
 * pcsc-lite's SCARD_E_UNSUPPORTED_FEATURE, after the checks). Measured on Debian 12's
 * pcsc-lite 1.9.9 through vpcd: about 73 us against 133 us for Begin+End; the reset is
 * reported until the handle is reconnected, as to the other calls.
 */
LONG pcsc_probe(struct pcsc_card *card);
LONG pcsc_begin(struct pcsc_card *card);
void pcsc_end(struct pcsc_card *card);
LONG pcsc_transmit(struct pcsc_card *card, const uint8_t *apdu, size_t len, uint8_t *resp,
		   size_t *resp_len);

#endif
