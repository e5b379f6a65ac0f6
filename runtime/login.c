/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * login.c — C_Login, C_LoginUser, C_Logout, C_InitPIN and C_SetPIN: the login state of a
 * session's token (token.h), changed through the family script.
 *
 * Above the session, object and operation layers: a logout drops the private session
 * objects (obj.h), a context-specific login goes to the operation that asked for it
 * (op.h). The generated entry point has checked the session handle and `rw:`;
 * sess_enter checks `login:` once the token is locked (spec/functions.yaml).
 */
#include <string.h>

#include "lb.h"
#include "obj.h"
#include "op.h"
#include "pincache.h"
#include "session.h"
#include "sk_dispatch.h"
#include "token.h"

/* Does any read-only session of this token exist? */
static int login_ro_exists(struct token *t)
{
	CK_ULONG all, rw;

	sess_count(t, &all, &rw);
	return all > rw;
}

/* Each PIN has its own length rule (the family's token_info: min_pin/max_pin for the
 * user's, so_min_pin/so_max_pin for the SO's; 0 is no rule). */
static CK_RV login_check_pin_len(const struct token *t, CK_USER_TYPE user, CK_ULONG len)
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
static int login_user_declared(const struct token *t, const CK_UTF8CHAR *name, CK_ULONG len)
{
	size_t i;

	for (i = 0; i < t->info.users_count && i < sizeof t->info.users / sizeof t->info.users[0];
	     i++)
		if (strlen(t->info.users[i]) == len && memcmp(t->info.users[i], name, len) == 0)
			return 1;
	return 0;
}

static CK_RV login_as(CK_SESSION_HANDLE hSession, CK_USER_TYPE userType, CK_UTF8CHAR_PTR pPin,
		      CK_ULONG ulPinLen, const CK_UTF8CHAR *name, CK_ULONG name_len)
{
	struct sess_info s;
	struct lb_card card;
	struct token *t;
	CK_RV rv;

	if (userType != CKU_SO && userType != CKU_USER && userType != CKU_CONTEXT_SPECIFIC)
		return CKR_USER_TYPE_INVALID;
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
		if (!login_user_declared(t, name, name_len)) {
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
	if (userType == CKU_SO && login_ro_exists(t)) {
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
	if (pPin != NULL && login_check_pin_len(t, userType, ulPinLen) != CKR_OK) {
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
	return login_as(hSession, userType, pPin, ulPinLen, NULL, 0);
}

CK_RV rt_LoginUser(CK_SESSION_HANDLE hSession, CK_USER_TYPE userType, CK_UTF8CHAR_PTR pPin,
		   CK_ULONG ulPinLen, CK_UTF8CHAR_PTR pUsername, CK_ULONG ulUsernameLen)
{
	/* an empty name is the anonymous form, C_Login's */
	if (ulUsernameLen != 0 && pUsername == NULL)
		return CKR_ARGUMENTS_BAD;
	return login_as(hSession, userType, pPin, ulPinLen,
			ulUsernameLen != 0 ? pUsername : NULL, ulUsernameLen);
}

CK_RV rt_Logout(CK_SESSION_HANDLE hSession)
{
	struct sess_info s;
	struct lb_card card;
	CK_RV rv = sess_enter(hSession, &s);

	if (rv != CKR_OK)
		return rv;      /* login: any — CKR_USER_NOT_LOGGED_IN when nobody is */
	token_card(s.tok, &card);
	rv = lb_logout(s.tok->vm, &card);
	/* whatever the card said, this application is logged out now, and its private
	 * session objects are gone with the login */
	s.tok->logged_in = 0;
	obj_logout_inlock(s.tok);
	token_logged_out_inlock(s.tok);
	if (rv != CKR_DEVICE_REMOVED)
		rv = CKR_OK;
	token_leave(s.tok);
	return rv;
}

/*
 * The SO PIN C_InitPIN gives the family's init_pin: only a family whose token_info says
 * init_pin_so_pin (a card that resets the user PIN with the SO's secret: PIV's RESET
 * RETRY COUNTER takes the PUK with the new PIN) is given the SO PIN of this login, from
 * the PIN cache, as a secret of the call (masked in traces, wiped after it, never logged).
 * NULL when the family does not ask, or when no PIN is kept (pin_cache off, a login on a
 * protected authentication path): the script's so_pin is then nil.
 */
static void login_so_pin(const struct token *t, const CK_UTF8CHAR **pin, CK_ULONG *len)
{
	CK_USER_TYPE who = 0;
	const CK_UTF8CHAR *p = NULL;
	CK_ULONG n = 0;

	*pin = NULL;
	*len = 0;
	if (!t->info.init_pin_so_pin || !t->logged_in || t->user != CKU_SO)
		return;
	if (pincache_get(t->pin, &who, &p, &n) && who == CKU_SO && p != NULL) {
		*pin = p;
		*len = n;
	}
}

CK_RV rt_InitPIN(CK_SESSION_HANDLE hSession, CK_UTF8CHAR_PTR pPin, CK_ULONG ulPinLen)
{
	struct sess_info s;
	struct lb_card card;
	CK_RV rv = sess_enter(hSession, &s);

	if (rv != CKR_OK)
		return rv;      /* rw and login: so (functions.yaml) are checked by now */
	if (pPin == NULL)
		rv = CKR_ARGUMENTS_BAD;
	else
		rv = token_load_inlock(s.tok);
	if (rv == CKR_OK)
		rv = login_check_pin_len(s.tok, CKU_USER, ulPinLen);   /* the user PIN's rule */
	if (rv == CKR_OK) {
		const CK_UTF8CHAR *so_pin = NULL;
		CK_ULONG so_len = 0;

		login_so_pin(s.tok, &so_pin, &so_len);
		token_card(s.tok, &card);
		rv = lb_init_pin_so(s.tok->vm, &card, pPin, ulPinLen, so_pin, so_len);
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
	struct sess_info s;
	struct lb_card card;
	CK_USER_TYPE who;
	CK_RV rv = sess_enter(hSession, &s);

	if (rv != CKR_OK)
		return rv;
	who = s.tok->logged_in && s.tok->user == CKU_SO ? CKU_SO : CKU_USER;
	/* rw (functions.yaml) is checked by now */
	if (pOldPin == NULL || pNewPin == NULL)
		rv = CKR_ARGUMENTS_BAD;
	else
		rv = token_load_inlock(s.tok);
	/* the old PIN is checked (right or wrong), the new one set (its length rules) */
	if (rv == CKR_OK && login_check_pin_len(s.tok, who, ulOldLen) != CKR_OK)
		rv = CKR_PIN_INCORRECT;
	if (rv == CKR_OK)
		rv = login_check_pin_len(s.tok, who, ulNewLen);
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
