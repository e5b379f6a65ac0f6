/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * session.h — sessions and the login state the standard defines (per token, shared by
 * all of the application's sessions with it).
 */
#ifndef SCRIPTOKI_SESSION_H
#define SCRIPTOKI_SESSION_H

#include "cryptoki.h"
#include "token.h"

CK_RV sess_init(void);
void sess_fini(void);
void sess_forget_after_fork(void);

/* What the object and crypto layers need to know of a session. */
struct sess_info {
	CK_SLOT_ID slot;
	CK_FLAGS flags;         /* CKF_RW_SESSION | CKF_SERIAL_SESSION */
	struct token *tok;
	unsigned gen;           /* the token generation the session belongs to */
};

/* CKR_OK and the session's facts, or CKR_SESSION_HANDLE_INVALID (also for a session
 * whose token has been removed since it was opened). Reads the table (no lock, no write):
 * for another session than the call's, or to ask whether the call's own still exists. */
CK_RV sess_lookup(CK_SESSION_HANDLE h, struct sess_info *out);

/* The same for the session of the running call: what the generated entry point found
 * (sk_session, sk_dispatch.h) when h is its handle, without the table; else sess_lookup. */
CK_RV sess_call(CK_SESSION_HANDLE h, struct sess_info *out);

/* Lock the token of the call's session h for a state read or a card operation, and check
 * the call's login requirement (spec/functions.yaml `login:`) against the login state the
 * card has now: CKR_OK with the token entered (the caller token_leave()s) and the
 * session's facts, or CKR_SESSION_HANDLE_INVALID, CKR_DEVICE_REMOVED,
 * CKR_USER_NOT_LOGGED_IN, or what token_enter said. */
CK_RV sess_enter(CK_SESSION_HANDLE h, struct sess_info *out);

/* How many live sessions the token has (all, and read/write), with the session table's
 * lock exclusive: no session opens or closes meanwhile. */
void sess_count(struct token *t, CK_ULONG *all, CK_ULONG *rw);
/* The same as a moment's sum, with the lock shared (a session opened meanwhile is one
 * opened a moment later): for C_GetTokenInfo, whose counts are a report, not a decision.
 * No writer's barrier (lock.h) and no wait for the other threads' opens and closes. */
void sess_count_moment(struct token *t, CK_ULONG *all, CK_ULONG *rw);

#endif
