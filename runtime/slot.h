/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * slot.h — slots are PC/SC readers. A reader gets a slot ID the first time it is seen and
 * keeps it for the life of the process; a reader that disappears keeps its slot, with no
 * token. Looking at the readers is IPC with pcscd only: no card is touched and no APDU is
 * sent by any function here except through a token (token.h).
 */
#ifndef SCRIPTOKI_SLOT_H
#define SCRIPTOKI_SLOT_H

#include "cryptoki.h"
#include "token.h"

CK_RV slot_init(void);          /* at C_Initialize: no PC/SC call at all */
void slot_fini(void);           /* at C_Finalize: also wakes a blocked C_WaitForSlotEvent */
void slot_forget_after_fork(void);

/* The token of a slot (which may hold no card). CKR_SLOT_ID_INVALID for an unknown ID. */
CK_RV slot_token(CK_SLOT_ID id, struct token **tok);

/* Re-read the readers' states; CKR_OK and whether a card is present in slot id. */
CK_RV slot_present(CK_SLOT_ID id, int *present);

/* Without any lock, while the reader monitor keeps the table current: 1 with the token of
 * slot id when a card is in it as the monitor's last update saw it; 0 when the caller must
 * ask slot_enter_token (no monitor, unknown ID, no card). */
int slot_fast_token(CK_SLOT_ID id, struct token **tok);
/* Without any lock: 1 when the reader monitor's last update had slot id (a slot, with a
 * card or not, stays until C_Finalize); 0 when the caller must ask slot_token. */
int slot_fast_known(CK_SLOT_ID id);

/* token_enter() the token of a slot that must hold a card, with its cache loaded
 * (token_enter_cached() when cached_ok: the call only reads the cache; else
 * token_enter_so_current(): C_OpenSession, which decides on an SO login only):
 * CKR_SLOT_ID_INVALID, CKR_TOKEN_NOT_PRESENT (also for a card gone meanwhile), or what
 * reading the token said. On CKR_OK the caller token_leave()s. */
CK_RV slot_enter_token(CK_SLOT_ID id, int cached_ok, struct token **out);
/* The same without reading the token: its card connected and served by a family, nothing
 * read from it yet (C_GetTokenInfo of a card that does not parse, C_InitToken). */
CK_RV slot_enter_card(CK_SLOT_ID id, int cached_ok, struct token **out);

#endif
