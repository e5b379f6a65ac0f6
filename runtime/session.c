/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * session.c — C_OpenSession, C_CloseSession, C_CloseAllSessions, C_GetSessionInfo,
 * C_SessionCancel, C_Login, C_LoginUser, C_Logout, C_InitPIN, C_SetPIN, and the legacy
 * C_GetFunctionStatus and C_CancelFunction.
 *
 * The session table has its own lock, held only while the table is read or changed —
 * never during card I/O. Login state lives in the token (token.h) under the token's lock.
 * A session whose token was removed (its generation is old) is gone: the next call with
 * it gets CKR_SESSION_HANDLE_INVALID and the entry is dropped.
 */
#include "session.h"

#include <stdlib.h>
#include <string.h>

#include "lock.h"
#include "log.h"
#include "obj.h"
#include "op.h"
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

static void *sess_lock;
static struct session *sessions;
static size_t nsessions, cap_sessions;
static CK_SESSION_HANDLE next_handle;

CK_RV sess_init(void)
{
	sessions = NULL;
	nsessions = cap_sessions = 0;
	next_handle = 1;
	return lock_create(&sess_lock);
}

void sess_fini(void)
{
	free(sessions);
	sessions = NULL;
	nsessions = cap_sessions = 0;
	lock_destroy(sess_lock);
	sess_lock = NULL;
}

void sess_forget_after_fork(void)
{
	/* the table was the parent's; the child starts with none */
	sessions = NULL;
	nsessions = cap_sessions = 0;
	sess_lock = NULL;
}

/* Drop sessions whose token has since been removed. */
static void sess_prune_inlock(void)
{
	size_t i = 0;

	while (i < nsessions) {
		if (sessions[i].gen != token_generation(sessions[i].tok))
			sessions[i] = sessions[--nsessions];
		else
			i++;
	}
}

void sess_count(struct token *t, CK_ULONG *all, CK_ULONG *rw)
{
	size_t i;

	*all = *rw = 0;
	if (lock_acquire(sess_lock) != CKR_OK)
		return;
	sess_prune_inlock();
	for (i = 0; i < nsessions; i++)
		if (sessions[i].tok == t) {
			(*all)++;
			if (sessions[i].flags & CKF_RW_SESSION)
				(*rw)++;
		}
	lock_release(sess_lock);
}

/* The table index of live session h, or -1 (sess_lock held; prunes first). */
static long sess_index_inlock(CK_SESSION_HANDLE h)
{
	size_t i;

	sess_prune_inlock();
	for (i = 0; i < nsessions; i++)
		if (sessions[i].handle == h)
			return (long)i;
	return -1;
}

/* A copy of the session (the table may move); CKR_SESSION_HANDLE_INVALID when gone. */
static CK_RV sess_get(CK_SESSION_HANDLE h, struct session *out)
{
	long i;
	CK_RV rv = lock_acquire(sess_lock);

	if (rv != CKR_OK)
		return rv;
	i = sess_index_inlock(h);
	if (i >= 0)
		*out = sessions[i];
	lock_release(sess_lock);
	return i >= 0 ? CKR_OK : CKR_SESSION_HANDLE_INVALID;
}

CK_RV sess_lookup(CK_SESSION_HANDLE h, struct sess_info *out)
{
	struct session s;
	CK_RV rv = sess_get(h, &s);

	if (rv != CKR_OK)
		return rv;
	out->slot = s.slot;
	out->flags = s.flags;
	out->tok = s.tok;
	out->gen = s.gen;
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
	token_leave(t);
	if (rv != CKR_OK)
		return rv;

	s.slot = slotID;
	s.flags = flags & (CKF_SERIAL_SESSION | CKF_RW_SESSION);
	s.tok = t;
	rv = lock_acquire(sess_lock);
	if (rv != CKR_OK)
		return rv;
	if (nsessions == cap_sessions) {
		size_t ncap = cap_sessions ? cap_sessions * 2 : 16;
		struct session *n = realloc(sessions, ncap * sizeof *n);
		if (n == NULL) {
			lock_release(sess_lock);
			return CKR_HOST_MEMORY;
		}
		sessions = n;
		cap_sessions = ncap;
	}
	s.handle = next_handle++;
	sessions[nsessions++] = s;
	*phSession = s.handle;
	lock_release(sess_lock);
	return CKR_OK;
}

CK_RV rt_CloseSession(CK_SESSION_HANDLE hSession)
{
	struct token *t;
	long i;
	CK_RV rv = lock_acquire(sess_lock);

	if (rv != CKR_OK)
		return rv;
	i = sess_index_inlock(hSession);
	if (i < 0) {
		lock_release(sess_lock);
		return CKR_SESSION_HANDLE_INVALID;
	}
	t = sessions[i].tok;
	sessions[i] = sessions[--nsessions];
	lock_release(sess_lock);
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
	rv = lock_acquire(sess_lock);
	if (rv != CKR_OK)
		return rv;
	while (i < nsessions) {
		if (sessions[i].tok == t)
			sessions[i] = sessions[--nsessions];
		else
			i++;
	}
	lock_release(sess_lock);
	op_prune();        /* their operations end now (a caller inside one keeps it) */
	sess_logout_if_last(t);
	return CKR_OK;
}

/* Lock the session's token for a state read or a card operation. */
static CK_RV sess_enter(CK_SESSION_HANDLE h, struct session *s)
{
	CK_RV rv = sess_get(h, s);

	if (rv != CKR_OK)
		return rv;
	rv = token_enter(s->tok);
	if (rv != CKR_OK)
		return rv == CKR_DEVICE_REMOVED ? CKR_DEVICE_REMOVED : rv;
	if (token_generation(s->tok) != s->gen) {
		token_leave(s->tok);
		return CKR_SESSION_HANDLE_INVALID;
	}
	return CKR_OK;
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
	CK_RV rv = sess_enter(hSession, &s);

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
 * may be asked to cancel, and the operation kinds of this module among them. The others
 * (recovery, message-based, key management) cannot be active here: nothing to cancel.
 */
static const struct {
	CK_FLAGS flag;
	enum op_kind kind;
} sess_cancel_kinds[] = {
	{ CKF_ENCRYPT, OP_ENCRYPT }, { CKF_DECRYPT, OP_DECRYPT }, { CKF_DIGEST, OP_DIGEST },
	{ CKF_SIGN, OP_SIGN },       { CKF_VERIFY, OP_VERIFY },   { CKF_FIND_OBJECTS, OP_FIND },
};

#define SESS_CANCEL_FLAGS                                                                 \
	(CKF_ENCRYPT | CKF_DECRYPT | CKF_DIGEST | CKF_SIGN | CKF_SIGN_RECOVER | CKF_VERIFY | \
	 CKF_VERIFY_RECOVER | CKF_GENERATE | CKF_GENERATE_KEY_PAIR | CKF_WRAP | CKF_UNWRAP |  \
	 CKF_DERIVE | CKF_MESSAGE_ENCRYPT | CKF_MESSAGE_DECRYPT | CKF_MESSAGE_SIGN |          \
	 CKF_MESSAGE_VERIFY | CKF_FIND_OBJECTS | CKF_ENCAPSULATE | CKF_DECAPSULATE)

CK_RV rt_SessionCancel(CK_SESSION_HANDLE hSession, CK_FLAGS flags)
{
	struct session s;
	size_t i;
	CK_RV rv = sess_get(hSession, &s);

	if (rv != CKR_OK)
		return rv;
	if (flags & ~(CK_FLAGS)SESS_CANCEL_FLAGS)
		return CKR_ARGUMENTS_BAD;       /* a bit that names no operation */
	/* an operation another thread is inside of ends too: that call finishes with what
	 * it holds (opstate.h) and a private-key one does not reach the card */
	for (i = 0; i < sizeof sess_cancel_kinds / sizeof sess_cancel_kinds[0]; i++)
		if (flags & sess_cancel_kinds[i].flag)
			op_end(hSession, sess_cancel_kinds[i].kind);
	return CKR_OK;
}

/* Does any read-only session of this token exist? */
static int sess_ro_exists(struct token *t)
{
	CK_ULONG all, rw;

	sess_count(t, &all, &rw);
	return all > rw;
}

/* Each PIN has its own length rule (the family's token_info: min_pin/max_pin for the
 * user's, so_min_pin/so_max_pin for the SO's; 0 is no rule). */
static CK_RV sess_check_pin_len(const struct token *t, CK_USER_TYPE user, CK_ULONG len)
{
	CK_ULONG min = user == CKU_SO ? t->info.so_min_pin : t->info.min_pin;
	CK_ULONG max = user == CKU_SO ? t->info.so_max_pin : t->info.max_pin;

	if (min && len < min)
		return CKR_PIN_LEN_RANGE;
	if (max && len > max)
		return CKR_PIN_LEN_RANGE;
	return CKR_OK;
}

/* name (C_LoginUser's) is one of the user names the family declared in token_info. */
static int sess_user_declared(const struct token *t, const CK_UTF8CHAR *name, CK_ULONG len)
{
	size_t i;

	for (i = 0; i < t->info.users_count && i < sizeof t->info.users / sizeof t->info.users[0];
	     i++)
		if (strlen(t->info.users[i]) == len && memcmp(t->info.users[i], name, len) == 0)
			return 1;
	return 0;
}

static CK_RV sess_login(CK_SESSION_HANDLE hSession, CK_USER_TYPE userType, CK_UTF8CHAR_PTR pPin,
			CK_ULONG ulPinLen, const CK_UTF8CHAR *name, CK_ULONG name_len)
{
	struct session s;
	struct lb_card card;
	struct token *t;
	CK_RV rv;

	if (userType != CKU_SO && userType != CKU_USER && userType != CKU_CONTEXT_SPECIFIC)
		return sess_get(hSession, &s) == CKR_OK ? CKR_USER_TYPE_INVALID
							: CKR_SESSION_HANDLE_INVALID;
	rv = sess_enter(hSession, &s);
	if (rv != CKR_OK)
		return rv;
	t = s.tok;
	rv = token_load_inlock(t);
	if (rv != CKR_OK)
		goto out;
	if (name != NULL) {
		/* C_LoginUser with a name: only for a family that declared named users, and
		 * only one of them (a name the token does not know cannot log in: the name and
		 * PIN together are wrong, as a PIN alone would be) */
		if (t->info.users_count == 0 || userType == CKU_CONTEXT_SPECIFIC) {
			rv = CKR_USER_TYPE_INVALID;
			goto out;
		}
		if (!sess_user_declared(t, name, name_len)) {
			rv = CKR_PIN_INCORRECT;
			goto out;
		}
	}
	if (userType == CKU_CONTEXT_SPECIFIC) {
		/* re-authentication belongs to an operation on a key that asks for it */
		rv = op_context_login_inlock(hSession, t, pPin, ulPinLen);
		goto out;
	}
	if (t->logged_in) {
		rv = t->user == userType ? CKR_USER_ALREADY_LOGGED_IN
					 : CKR_USER_ANOTHER_ALREADY_LOGGED_IN;
		goto out;
	}
	if (userType == CKU_SO && sess_ro_exists(t)) {
		rv = CKR_SESSION_READ_ONLY_EXISTS;
		goto out;
	}
	if (userType == CKU_USER && !t->info.user_pin_initialized) {
		rv = CKR_USER_PIN_NOT_INITIALIZED;
		goto out;
	}
	if (pPin == NULL && !t->info.protected_auth_path) {
		rv = CKR_ARGUMENTS_BAD;    /* no protected authentication path on this token */
		goto out;
	}
	/* a PIN being checked is right or wrong: one of a length that user's PIN may not
	 * have is wrong, and costs no try on the card (length rules are for PINs being set).
	 * A NULL PIN goes to the token's protected authentication path. */
	if (pPin != NULL && sess_check_pin_len(t, userType, ulPinLen) != CKR_OK) {
		rv = CKR_PIN_INCORRECT;
		goto out;
	}
	token_card(t, &card);
	rv = lb_login_user(t->vm, &card, userType, pPin, pPin != NULL ? ulPinLen : 0, name,
			   name_len);
	if (rv == CKR_OK) {
		struct lb_pin_info *pi = userType == CKU_SO ? &t->pin_so : &t->pin_user;
		t->logged_in = 1;
		t->user = userType;
		if (pPin != NULL && name == NULL)
			token_logged_in_inlock(t, userType, pPin, ulPinLen);   /* the PIN cache */
		t->objs_private_valid = 0;        /* private objects are read once per login */
		pi->tries_left = pi->max_tries;   /* a good PIN resets the card's counter */
	} else if (rv == CKR_PIN_INCORRECT || rv == CKR_PIN_LOCKED) {
		t->pins_valid = 0;                /* read the counters again when asked */
	}
out:
	token_leave(t);
	return rv;
}

CK_RV rt_Login(CK_SESSION_HANDLE hSession, CK_USER_TYPE userType, CK_UTF8CHAR_PTR pPin,
	       CK_ULONG ulPinLen)
{
	return sess_login(hSession, userType, pPin, ulPinLen, NULL, 0);
}

CK_RV rt_LoginUser(CK_SESSION_HANDLE hSession, CK_USER_TYPE userType, CK_UTF8CHAR_PTR pPin,
		   CK_ULONG ulPinLen, CK_UTF8CHAR_PTR pUsername, CK_ULONG ulUsernameLen)
{
	/* an empty name is the anonymous form, C_Login's */
	if (ulUsernameLen != 0 && pUsername == NULL) {
		struct session s;
		CK_RV rv = sess_get(hSession, &s);
		return rv != CKR_OK ? rv : CKR_ARGUMENTS_BAD;
	}
	return sess_login(hSession, userType, pPin, ulPinLen,
			  ulUsernameLen != 0 ? pUsername : NULL, ulUsernameLen);
}

CK_RV rt_Logout(CK_SESSION_HANDLE hSession)
{
	struct session s;
	struct lb_card card;
	CK_RV rv = sess_enter(hSession, &s);

	if (rv != CKR_OK)
		return rv;
	if (!s.tok->logged_in) {
		rv = CKR_USER_NOT_LOGGED_IN;
	} else {
		token_card(s.tok, &card);
		rv = lb_logout(s.tok->vm, &card);
		/* whatever the card said, this application is logged out now, and its
		 * private session objects are gone with the login */
		s.tok->logged_in = 0;
		obj_logout_inlock(s.tok);
		token_logged_out_inlock(s.tok);
		if (rv != CKR_DEVICE_REMOVED)
			rv = CKR_OK;
	}
	token_leave(s.tok);
	return rv;
}

CK_RV rt_InitPIN(CK_SESSION_HANDLE hSession, CK_UTF8CHAR_PTR pPin, CK_ULONG ulPinLen)
{
	struct session s;
	struct lb_card card;
	CK_RV rv = sess_enter(hSession, &s);

	if (rv != CKR_OK)
		return rv;
	if (!(s.flags & CKF_RW_SESSION))
		rv = CKR_SESSION_READ_ONLY;
	else if (!s.tok->logged_in || s.tok->user != CKU_SO)
		rv = CKR_USER_NOT_LOGGED_IN;
	else if (pPin == NULL)
		rv = CKR_ARGUMENTS_BAD;
	else
		rv = token_load_inlock(s.tok);
	if (rv == CKR_OK)
		rv = sess_check_pin_len(s.tok, CKU_USER, ulPinLen);   /* the user PIN's rule */
	if (rv == CKR_OK) {
		token_card(s.tok, &card);
		rv = lb_init_pin(s.tok->vm, &card, pPin, ulPinLen);
		/* the user PIN and its counter changed: read both again */
		s.tok->info_valid = 0;
		s.tok->pins_valid = 0;
	}
	token_leave(s.tok);
	return rv;
}

CK_RV rt_SetPIN(CK_SESSION_HANDLE hSession, CK_UTF8CHAR_PTR pOldPin, CK_ULONG ulOldLen,
		CK_UTF8CHAR_PTR pNewPin, CK_ULONG ulNewLen)
{
	struct session s;
	struct lb_card card;
	CK_USER_TYPE who;
	CK_RV rv = sess_enter(hSession, &s);

	if (rv != CKR_OK)
		return rv;
	who = s.tok->logged_in && s.tok->user == CKU_SO ? CKU_SO : CKU_USER;
	if (!(s.flags & CKF_RW_SESSION))
		rv = CKR_SESSION_READ_ONLY;
	else if (pOldPin == NULL || pNewPin == NULL)
		rv = CKR_ARGUMENTS_BAD;
	else
		rv = token_load_inlock(s.tok);
	/* the old PIN is checked (right or wrong), the new one set (its length rules) */
	if (rv == CKR_OK && sess_check_pin_len(s.tok, who, ulOldLen) != CKR_OK)
		rv = CKR_PIN_INCORRECT;
	if (rv == CKR_OK)
		rv = sess_check_pin_len(s.tok, who, ulNewLen);
	if (rv == CKR_OK) {
		int was = s.tok->logged_in;
		token_card(s.tok, &card);
		rv = lb_set_pin(s.tok->vm, &card, who, pOldPin, ulOldLen, pNewPin, ulNewLen);
		if (rv == CKR_PIN_INCORRECT || rv == CKR_PIN_LOCKED)
			s.tok->pins_valid = 0;
		/* verifying the old PIN logged that user in on the card; a public session
		 * must not leave the card unlocked behind the application's back */
		if (!was && rv != CKR_DEVICE_REMOVED)
			lb_logout(s.tok->vm, &card);
	}
	token_leave(s.tok);
	return rv;
}

/* The legacy parallel functions (PKCS #11 3.2, parallel function management): no function
 * of this module runs in parallel with the application, so there is never one to ask
 * about or to cancel. */
static CK_RV sess_not_parallel(CK_SESSION_HANDLE hSession)
{
	struct session s;
	CK_RV rv = sess_get(hSession, &s);   /* an invalid handle is said first */

	return rv != CKR_OK ? rv : CKR_FUNCTION_NOT_PARALLEL;
}

CK_RV rt_GetFunctionStatus(CK_SESSION_HANDLE hSession)
{
	return sess_not_parallel(hSession);
}

CK_RV rt_CancelFunction(CK_SESSION_HANDLE hSession)
{
	return sess_not_parallel(hSession);
}
