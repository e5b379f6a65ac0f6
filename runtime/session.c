/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * session.c — C_OpenSession, C_CloseSession, C_CloseAllSessions, C_GetSessionInfo,
 * C_SessionCancel, C_GetSessionValidationFlags, and the legacy C_GetFunctionStatus and
 * C_CancelFunction. The login
 * functions, which work on a session's token, are login.c's.
 *
 * The session table has its own lock, held only while the table is read or changed —
 * never during card I/O. It is read-mostly (lock.h): every call with a session handle
 * reads the table, shared, so threads do so side by side; opening and closing sessions
 * change it, exclusive. Readers skip a session whose token has gone; the writers drop
 * such entries. Login state lives in the token (token.h) under the token's lock.
 * A session whose token was removed (its generation is old) is gone: the next call with
 * it gets CKR_SESSION_HANDLE_INVALID and the entry is dropped.
 *
 * The handle checks of the generated entry points (sk_dispatch.h) live here too: a call
 * with a session handle looks it up once, in sk_session, and keeps what it found in a
 * per-thread record until sk_session_end; sess_call and the functions below read the
 * record instead of the table. The record also carries the call's login requirement
 * (functions.yaml `login:`), checked in sess_enter once the token is locked.
 */
#include "session.h"

#include <stdlib.h>
#include <string.h>

#include "lock.h"
#include "log.h"
#include "opstate.h"
#include "sk_dispatch.h"
#include "slot.h"

struct session {
	CK_SESSION_HANDLE handle;
	CK_SLOT_ID slot;
	CK_FLAGS flags;
	struct token *tok;
	unsigned gen;
};

/* The session of the call this thread is in (sk_session .. sk_session_end). */
struct sess_this {
	int set;
	unsigned need;          /* SK_NEED_RW, SK_LOGIN_* */
	struct session s;
};

static _Thread_local struct sess_this sess_this_call;

static struct lock_rw sess_lock;
static struct session *sessions;
static size_t nsessions, cap_sessions;
static CK_SESSION_HANDLE next_handle;

static CK_RV sess_get(CK_SESSION_HANDLE h, struct session *out);

/* Does session h still exist? The operation table's question (opstate.h). */
static int sess_exists(CK_SESSION_HANDLE h)
{
	struct session s;

	return sess_get(h, &s) == CKR_OK;
}

CK_RV sess_init(void)
{
	op_set_session_check(sess_exists);
	sessions = NULL;
	nsessions = cap_sessions = 0;
	next_handle = 1;
	return lock_rw_create(&sess_lock);
}

void sess_fini(void)
{
	free(sessions);
	sessions = NULL;
	nsessions = cap_sessions = 0;
	lock_rw_destroy(&sess_lock);
}

void sess_forget_after_fork(void)
{
	/* the table was the parent's; the child starts with none */
	sessions = NULL;
	nsessions = cap_sessions = 0;
	lock_rw_forget(&sess_lock);
}

/* Is the table's entry s still a session (its token not removed since)? */
static int sess_live(const struct session *s)
{
	return s->gen == token_generation(s->tok);
}

/* Drop sessions whose token has since been removed (sess_lock held exclusive). */
static void sess_prune_inlock(void)
{
	size_t i = 0;

	while (i < nsessions) {
		if (!sess_live(&sessions[i]))
			sessions[i] = sessions[--nsessions];
		else
			i++;
	}
}

void sess_count(struct token *t, CK_ULONG *all, CK_ULONG *rw)
{
	size_t i;

	*all = *rw = 0;
	if (lock_rw_shared(&sess_lock) != CKR_OK)
		return;
	for (i = 0; i < nsessions; i++)
		if (sessions[i].tok == t && sess_live(&sessions[i])) {
			(*all)++;
			if (sessions[i].flags & CKF_RW_SESSION)
				(*rw)++;
		}
	lock_rw_release(&sess_lock);
}

/* The table index of live session h, or -1 (sess_lock held, shared or exclusive). */
static long sess_index_inlock(CK_SESSION_HANDLE h)
{
	size_t i;

	for (i = 0; i < nsessions; i++)
		if (sessions[i].handle == h)
			return sess_live(&sessions[i]) ? (long)i : -1;
	return -1;
}

/* A copy of the session (the table may move); CKR_SESSION_HANDLE_INVALID when gone. */
static CK_RV sess_get(CK_SESSION_HANDLE h, struct session *out)
{
	long i;
	CK_RV rv = lock_rw_shared(&sess_lock);

	if (rv != CKR_OK)
		return rv;
	i = sess_index_inlock(h);
	if (i >= 0)
		*out = sessions[i];
	lock_rw_release(&sess_lock);
	return i >= 0 ? CKR_OK : CKR_SESSION_HANDLE_INVALID;
}

/* Session h of the running call: the record sk_session made, else (another handle, or
 * no generated entry point above) the table. */
static CK_RV sess_get_call(CK_SESSION_HANDLE h, struct session *out)
{
	const struct sess_this *c = &sess_this_call;

	if (c->set && c->s.handle == h) {
		*out = c->s;
		return CKR_OK;
	}
	return sess_get(h, out);
}

static void sess_info_of(const struct session *s, struct sess_info *out)
{
	out->slot = s->slot;
	out->flags = s->flags;
	out->tok = s->tok;
	out->gen = s->gen;
}

CK_RV sess_lookup(CK_SESSION_HANDLE h, struct sess_info *out)
{
	struct session s;
	CK_RV rv = sess_get(h, &s);

	if (rv == CKR_OK)
		sess_info_of(&s, out);
	return rv;
}

CK_RV sess_call(CK_SESSION_HANDLE h, struct sess_info *out)
{
	struct session s;
	CK_RV rv = sess_get_call(h, &s);

	if (rv == CKR_OK)
		sess_info_of(&s, out);
	return rv;
}

CK_RV sk_session(CK_SESSION_HANDLE h, unsigned need)
{
	struct sess_this *c = &sess_this_call;
	CK_RV rv;

	c->set = 0;
	rv = sess_get(h, &c->s);
	if (rv != CKR_OK)
		return rv;
	/* the session's kind is fixed when it opens: no token state is needed for this */
	if ((need & SK_NEED_RW) && !(c->s.flags & CKF_RW_SESSION))
		return CKR_SESSION_READ_ONLY;
	c->need = need;
	c->set = 1;
	return CKR_OK;
}

void sk_session_end(void)
{
	sess_this_call.set = 0;
}

CK_RV sk_slot(CK_SLOT_ID id)
{
	struct token *t;

	return slot_token(id, &t);
}

/* The login requirement of the running call on session s (its token locked). */
static CK_RV sess_check_login_inlock(const struct session *s)
{
	const struct sess_this *c = &sess_this_call;
	unsigned need = c->set && c->s.handle == s->handle ? c->need : 0;

	if (!(need & (SK_LOGIN_USER | SK_LOGIN_SO | SK_LOGIN_ANY)))
		return CKR_OK;
	if (!s->tok->logged_in)
		return CKR_USER_NOT_LOGGED_IN;
	if ((need & SK_LOGIN_SO) && s->tok->user != CKU_SO)
		return CKR_USER_NOT_LOGGED_IN;
	if ((need & SK_LOGIN_USER) && s->tok->user != CKU_USER)
		return CKR_USER_NOT_LOGGED_IN;
	return CKR_OK;
}

/* Log the token out when its last session went (the standard's rule), card I/O included. */
static void sess_logout_if_last(struct token *t)
{
	CK_ULONG all, rw;
	struct lb_card card;

	sess_count(t, &all, &rw);
	if (all != 0)
		return;
	if (token_enter(t) != CKR_OK)
		return;
	sess_count(t, &all, &rw);   /* a session may have been opened meanwhile */
	if (all == 0 && t->logged_in) {
		/* the card-wide logout stays: it is what makes this application's logout real
		 * on the card; other applications logged in verify their cached PIN again */
		token_card(t, &card);
		lb_logout(t->vm, &card);
		t->logged_in = 0;
		token_logged_out_inlock(t);
	}
	token_leave(t);
}

CK_RV rt_OpenSession(CK_SLOT_ID slotID, CK_FLAGS flags, CK_VOID_PTR pApplication,
		     CK_NOTIFY Notify, CK_SESSION_HANDLE_PTR phSession)
{
	struct token *t;
	struct session s;
	CK_ULONG max_all, max_rw, all = 0, rw = 0;
	size_t i;
	CK_RV rv;

	rv = slot_token(slotID, &t);            /* CKR_SLOT_ID_INVALID comes first */
	if (rv != CKR_OK)
		return rv;
	if (!(flags & CKF_SERIAL_SESSION))
		return CKR_SESSION_PARALLEL_NOT_SUPPORTED;
	rv = slot_enter_token(slotID, 0, &t);   /* the login state must be current */
	if (rv != CKR_OK)
		return rv;
	if (t->logged_in && t->user == CKU_SO && !(flags & CKF_RW_SESSION))
		rv = CKR_SESSION_READ_WRITE_SO_EXISTS;
	s.gen = token_generation(t);
	/* the family's limits (token_info's max_sessions, max_rw_sessions; 0: none) */
	max_all = t->info.max_sessions;
	max_rw = t->info.max_rw_sessions;
	token_leave(t);
	if (rv != CKR_OK)
		return rv;

	s.slot = slotID;
	s.flags = flags & (CKF_SERIAL_SESSION | CKF_RW_SESSION);
	s.tok = t;
	rv = lock_rw_exclusive(&sess_lock);
	if (rv != CKR_OK)
		return rv;
	sess_prune_inlock();
	for (i = 0; i < nsessions; i++)
		if (sessions[i].tok == t) {
			all++;
			rw += (sessions[i].flags & CKF_RW_SESSION) != 0;
		}
	if ((max_all != CK_EFFECTIVELY_INFINITE && all >= max_all) ||
	    (max_rw != CK_EFFECTIVELY_INFINITE && (flags & CKF_RW_SESSION) && rw >= max_rw)) {
		lock_rw_release(&sess_lock);
		return CKR_SESSION_COUNT;
	}
	if (nsessions == cap_sessions) {
		size_t ncap = cap_sessions ? cap_sessions * 2 : 16;
		struct session *n = realloc(sessions, ncap * sizeof *n);
		if (n == NULL) {
			lock_rw_release(&sess_lock);
			return CKR_HOST_MEMORY;
		}
		sessions = n;
		cap_sessions = ncap;
	}
	s.handle = next_handle++;
	sessions[nsessions++] = s;
	*phSession = s.handle;
	lock_rw_release(&sess_lock);
	return CKR_OK;
}

CK_RV rt_CloseSession(CK_SESSION_HANDLE hSession)
{
	struct token *t;
	long i;
	CK_RV rv = lock_rw_exclusive(&sess_lock);

	if (rv != CKR_OK)
		return rv;
	sess_prune_inlock();
	i = sess_index_inlock(hSession);
	if (i < 0) {
		lock_rw_release(&sess_lock);
		return CKR_SESSION_HANDLE_INVALID;
	}
	t = sessions[i].tok;
	sessions[i] = sessions[--nsessions];
	lock_rw_release(&sess_lock);
	op_end_all(hSession);   /* its operations may hold plaintext: free them now */
	sess_logout_if_last(t);
	return CKR_OK;
}

CK_RV rt_CloseAllSessions(CK_SLOT_ID slotID)
{
	struct token *t;
	size_t i = 0;
	CK_RV rv = slot_token(slotID, &t);

	if (rv != CKR_OK)
		return rv;
	rv = lock_rw_exclusive(&sess_lock);
	if (rv != CKR_OK)
		return rv;
	while (i < nsessions) {
		if (sessions[i].tok == t)
			sessions[i] = sessions[--nsessions];
		else
			i++;
	}
	lock_rw_release(&sess_lock);
	op_prune();        /* their operations end now (a caller inside one keeps it) */
	sess_logout_if_last(t);
	return CKR_OK;
}

/* Lock the token of session s (found by sess_get_call), and check the call's login
 * requirement against the login state the card has now (a reset by another
 * application, seen by token_enter, logs out). */
static CK_RV sess_enter_session(CK_SESSION_HANDLE h, struct session *s)
{
	CK_RV rv = sess_get_call(h, s);

	if (rv != CKR_OK)
		return rv;
	rv = token_enter(s->tok);
	if (rv != CKR_OK)
		return rv == CKR_DEVICE_REMOVED ? CKR_DEVICE_REMOVED : rv;
	if (token_generation(s->tok) != s->gen) {
		token_leave(s->tok);
		return CKR_SESSION_HANDLE_INVALID;
	}
	rv = sess_check_login_inlock(s);
	if (rv != CKR_OK)
		token_leave(s->tok);
	return rv;
}

CK_RV sess_enter(CK_SESSION_HANDLE h, struct sess_info *out)
{
	struct session s;
	CK_RV rv = sess_enter_session(h, &s);

	if (rv == CKR_OK)
		sess_info_of(&s, out);
	return rv;
}

static CK_STATE sess_state_inlock(const struct session *s)
{
	int rw = (s->flags & CKF_RW_SESSION) != 0;

	if (!s->tok->logged_in)
		return rw ? CKS_RW_PUBLIC_SESSION : CKS_RO_PUBLIC_SESSION;
	if (s->tok->user == CKU_SO)
		return CKS_RW_SO_FUNCTIONS;
	return rw ? CKS_RW_USER_FUNCTIONS : CKS_RO_USER_FUNCTIONS;
}

CK_RV rt_GetSessionInfo(CK_SESSION_HANDLE hSession, CK_SESSION_INFO_PTR pInfo)
{
	struct session s;
	CK_RV rv = sess_enter_session(hSession, &s);

	if (rv != CKR_OK)
		return rv;
	memset(pInfo, 0, sizeof *pInfo);
	pInfo->slotID = s.slot;
	pInfo->state = sess_state_inlock(&s);
	pInfo->flags = s.flags;
	pInfo->ulDeviceError = 0;
	token_leave(s.tok);
	return CKR_OK;
}

/*
 * C_SessionCancel's flags (PKCS #11 3.x, C_SessionCancel): the session-based operations it
 * may be asked to cancel, and the operation kinds of this module among them (a
 * message-based process ends whole). The others (key management) cannot be active here:
 * nothing to cancel.
 */
static const struct {
	CK_FLAGS flag;
	enum op_kind kind;
} sess_cancel_kinds[] = {
	{ CKF_ENCRYPT, OP_ENCRYPT }, { CKF_DECRYPT, OP_DECRYPT }, { CKF_DIGEST, OP_DIGEST },
	{ CKF_SIGN, OP_SIGN },       { CKF_VERIFY, OP_VERIFY },   { CKF_FIND_OBJECTS, OP_FIND },
	{ CKF_MESSAGE_ENCRYPT, OP_MSG_ENCRYPT }, { CKF_MESSAGE_DECRYPT, OP_MSG_DECRYPT },
	{ CKF_MESSAGE_SIGN, OP_MSG_SIGN },       { CKF_MESSAGE_VERIFY, OP_MSG_VERIFY },
	{ CKF_SIGN_RECOVER, OP_SIGN_RECOVER }, { CKF_VERIFY_RECOVER, OP_VERIFY_RECOVER },
};

#define SESS_CANCEL_FLAGS                                                                 \
	(CKF_ENCRYPT | CKF_DECRYPT | CKF_DIGEST | CKF_SIGN | CKF_SIGN_RECOVER | CKF_VERIFY | \
	 CKF_VERIFY_RECOVER | CKF_GENERATE | CKF_GENERATE_KEY_PAIR | CKF_WRAP | CKF_UNWRAP |  \
	 CKF_DERIVE | CKF_MESSAGE_ENCRYPT | CKF_MESSAGE_DECRYPT | CKF_MESSAGE_SIGN |          \
	 CKF_MESSAGE_VERIFY | CKF_FIND_OBJECTS | CKF_ENCAPSULATE | CKF_DECAPSULATE)

CK_RV rt_SessionCancel(CK_SESSION_HANDLE hSession, CK_FLAGS flags)
{
	size_t i;

	if (flags & ~(CK_FLAGS)SESS_CANCEL_FLAGS)
		return CKR_ARGUMENTS_BAD;       /* a bit that names no operation */
	/* an operation another thread is inside of ends too: that call finishes with what
	 * it holds (opstate.h) and a private-key one does not reach the card */
	for (i = 0; i < sizeof sess_cancel_kinds / sizeof sess_cancel_kinds[0]; i++)
		if (flags & sess_cancel_kinds[i].flag)
			op_end(hSession, sess_cancel_kinds[i].kind);
	return CKR_OK;
}

/* The legacy parallel functions (PKCS #11 3.2, parallel function management): no function
 * of this module runs in parallel with the application, so there is never one to ask
 * about or to cancel. */
static CK_RV sess_not_parallel(CK_SESSION_HANDLE hSession)
{
	(void)hSession;         /* an invalid one was said first (sk_session) */
	return CKR_FUNCTION_NOT_PARALLEL;
}

CK_RV rt_GetFunctionStatus(CK_SESSION_HANDLE hSession)
{
	return sess_not_parallel(hSession);
}

CK_RV rt_CancelFunction(CK_SESSION_HANDLE hSession)
{
	return sess_not_parallel(hSession);
}

/*
 * C_GetSessionValidationFlags (PKCS #11 3.2, 5.6): the validation flags (those of the
 * token's CKO_VALIDATION objects) that the session's last operation met. This module has
 * no validation object and none of its algorithms is validated by an authority, so no
 * operation meets one: every type of flags asked for is 0 (CKS_LAST_VALIDATION_OK is the
 * one type 3.2 defines; the function's list has no code for a type it does not know).
 */
CK_RV rt_GetSessionValidationFlags(CK_SESSION_HANDLE hSession,
				   CK_SESSION_VALIDATION_FLAGS_TYPE type, CK_FLAGS_PTR pFlags)
{
	(void)hSession;         /* checked by the entry point (sk_session) */
	(void)type;
	*pFlags = 0;
	return CKR_OK;
}
