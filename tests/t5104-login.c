/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t5104 — the login rules of the standard, on a virtual token initialised through the
 * module: CKR_USER_TYPE_INVALID, CKR_USER_NOT_LOGGED_IN, CKR_SESSION_READ_ONLY_EXISTS,
 * CKR_PIN_INCORRECT for a PIN of a length no PIN has (without an APDU: length rules are
 * for PINs being set, CKR_PIN_LEN_RANGE is not one of C_Login's codes; the same for the
 * old PIN of C_SetPIN), CKR_USER_ALREADY_LOGGED_IN,
 * CKR_USER_ANOTHER_ALREADY_LOGGED_IN, CKR_SESSION_READ_WRITE_SO_EXISTS; the login is the
 * token's, shared by every session, and C_GetSessionInfo follows it; closing the last
 * session logs the card out (the token's own state says so); C_SetPIN from a public and
 * a user session; C_LoginUser and C_SessionCancel of the 3.0 list; a wrong user PIN counts
 * down through CKF_USER_PIN_COUNT_LOW and CKF_USER_PIN_FINAL_TRY to CKR_PIN_LOCKED and
 * CKF_USER_PIN_LOCKED; the SO unblocks it with C_InitPIN and the user logs in again.
 */
#include "api/api.h"

static CK_FUNCTION_LIST_PTR f;
static CK_SLOT_ID slot;

static CK_STATE state(CK_SESSION_HANDLE h)
{
	CK_SESSION_INFO si;

	if (f->C_GetSessionInfo(h, &si) != CKR_OK)
		return (CK_STATE)-1;
	return si.state;
}

static CK_FLAGS tflags(void)
{
	CK_TOKEN_INFO ti;

	if (f->C_GetTokenInfo(slot, &ti) != CKR_OK)
		return 0;
	return ti.flags;
}

/* What the virtual token says is verified on the card: none, user, admin, admin+user. */
static const char *card_verified(void)
{
	static char ans[256];
	char *p;

	if (api_ctl(0, "state", ans, sizeof ans) != 0 || (p = strstr(ans, "verified=")) == NULL)
		return "?";
	p += 9;
	p[strcspn(p, " ")] = '\0';
	return p;
}

static CK_FUNCTION_LIST_3_0_PTR functions_3_0(void)
{
	CK_C_GetInterface gi = (CK_C_GetInterface)module_sym(module_open(), "C_GetInterface");
	CK_VERSION v = { 3, 0 };
	CK_INTERFACE_PTR itf = NULL;

	if (gi((CK_UTF8CHAR_PTR)"PKCS 11", &v, &itf, 0) != CKR_OK || itf == NULL)
		return NULL;
	return itf->pFunctionList;
}

int main(int argc, char **argv)
{
	CK_FUNCTION_LIST_3_0_PTR f3;
	CK_SESSION_HANDLE ro, rw, ro2, h;
	CK_FLAGS fl, seen = 0;
	long mark;
	int i, wrong = 0, order_ok = 1;
	CK_RV rv = CKR_OK;

	api_rig(argv, 1);
	f = api_module();
	is_rv(f->C_Initialize(NULL), CKR_OK, "C_Initialize");
	is_rv(api_slot_of(f, 0, &slot), CKR_OK, "the token's slot");
	is_rv(api_prepare_token(f, slot, "t5104"), CKR_OK, "C_InitToken and C_InitPIN");
	is_rv(f->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &ro), CKR_OK, "R/O session");
	is_rv(f->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &rw), CKR_OK,
	      "R/W session");
	is_ulong(state(ro), CKS_RO_PUBLIC_SESSION, "R/O: CKS_RO_PUBLIC_SESSION");
	is_ulong(state(rw), CKS_RW_PUBLIC_SESSION, "R/W: CKS_RW_PUBLIC_SESSION");

	/* refusals before anyone logs in, none of them costs an APDU */
	mark = api_apdus(0);
	is_rv(f->C_Login(ro, 77, API_PIN(API_USER_PIN)), CKR_USER_TYPE_INVALID, "user type 77");
	is_rv(f->C_Logout(ro), CKR_USER_NOT_LOGGED_IN, "C_Logout: nobody is logged in");
	is_rv(f->C_Login(rw, CKU_SO, API_PIN(API_SO_PIN)), CKR_SESSION_READ_ONLY_EXISTS,
	      "the SO, while an R/O session exists");
	is_rv(f->C_Login(ro, CKU_USER, API_PIN("123")), CKR_PIN_INCORRECT, "a PIN too short");
	is_rv(f->C_Login(ro, CKU_USER, API_PIN("123456789012345678901234567890123")),
	      CKR_PIN_INCORRECT, "a PIN too long (33)");
	is_rv(f->C_Login(ro, CKU_USER, (CK_UTF8CHAR_PTR)"", 0), CKR_PIN_INCORRECT,
	      "an empty PIN");
	is_rv(f->C_Login(ro, CKU_CONTEXT_SPECIFIC, API_PIN(API_USER_PIN)),
	      CKR_OPERATION_NOT_INITIALIZED, "CKU_CONTEXT_SPECIFIC without an operation");
	is_rv(f->C_InitPIN(rw, API_PIN(API_USER_PIN)), CKR_USER_NOT_LOGGED_IN,
	      "C_InitPIN in a public session");
	is_rv(f->C_InitPIN(ro, API_PIN(API_USER_PIN)), CKR_SESSION_READ_ONLY,
	      "C_InitPIN in an R/O session");
	is_rv(f->C_SetPIN(ro, API_PIN(API_USER_PIN), API_PIN("11112222")), CKR_SESSION_READ_ONLY,
	      "C_SetPIN in an R/O session");
	is_ulong(api_apdus(0) - mark, 0, "none of these sent an APDU");

	/* the user */
	is_rv(f->C_Login(ro, CKU_USER, API_PIN(API_USER_PIN)), CKR_OK, "the user logs in");
	is_str(card_verified(), "user", "the card has the user PIN verified");
	is_ulong(state(ro), CKS_RO_USER_FUNCTIONS, "R/O: CKS_RO_USER_FUNCTIONS");
	is_ulong(state(rw), CKS_RW_USER_FUNCTIONS, "R/W: CKS_RW_USER_FUNCTIONS");
	is_rv(f->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &h), CKR_OK, "a third session");
	is_ulong(state(h), CKS_RO_USER_FUNCTIONS, "it is logged in too");
	is_rv(f->C_CloseSession(h), CKR_OK, "closed");
	mark = api_apdus(0);
	is_rv(f->C_Login(rw, CKU_USER, API_PIN(API_USER_PIN)), CKR_USER_ALREADY_LOGGED_IN,
	      "the user again: CKR_USER_ALREADY_LOGGED_IN");
	is_rv(f->C_Login(rw, CKU_SO, API_PIN(API_SO_PIN)), CKR_USER_ANOTHER_ALREADY_LOGGED_IN,
	      "the SO: CKR_USER_ANOTHER_ALREADY_LOGGED_IN");
	is_ulong(api_apdus(0) - mark, 0, "neither sent an APDU");
	is_rv(f->C_Logout(rw), CKR_OK, "C_Logout from the other session");
	is_str(card_verified(), "none", "the card forgot the PIN");
	is_ulong(state(ro), CKS_RO_PUBLIC_SESSION, "R/O: public again");
	is_ulong(state(rw), CKS_RW_PUBLIC_SESSION, "R/W: public again");
	is_rv(f->C_Logout(ro), CKR_USER_NOT_LOGGED_IN, "a second C_Logout");

	/* C_LoginUser and C_SessionCancel (3.0) */
	f3 = functions_3_0();
	ok(f3 != NULL, "the 3.0 function list");
	if (f3 != NULL) {
		is_rv(f3->C_LoginUser(ro, CKU_USER, API_PIN(API_USER_PIN), NULL, 0), CKR_OK,
		      "C_LoginUser without a user name");
		is_ulong(state(ro), CKS_RO_USER_FUNCTIONS, "logged in");
		is_rv(f3->C_SessionCancel(ro, CKF_SIGN), CKR_OK,
		      "C_SessionCancel with nothing to cancel");
		is_rv(f3->C_SessionCancel(0xdeadbeef, CKF_SIGN), CKR_SESSION_HANDLE_INVALID,
		      "C_SessionCancel: bad handle");
		is_rv(f->C_Logout(ro), CKR_OK, "C_Logout");
	}

	/* the SO */
	is_rv(f->C_CloseSession(ro), CKR_OK, "the R/O session closes");
	is_rv(f->C_Login(rw, CKU_SO, API_PIN(API_SO_PIN)), CKR_OK, "the SO logs in");
	is_str(card_verified(), "admin", "the card has the SO PIN verified");
	is_ulong(state(rw), CKS_RW_SO_FUNCTIONS, "CKS_RW_SO_FUNCTIONS");
	is_rv(f->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &h),
	      CKR_SESSION_READ_WRITE_SO_EXISTS, "no R/O session while the SO is logged in");
	is_rv(f->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &h), CKR_OK,
	      "an R/W session is fine");
	is_ulong(state(h), CKS_RW_SO_FUNCTIONS, "and is an SO session");
	is_rv(f->C_CloseSession(h), CKR_OK, "closed");
	is_rv(f->C_Login(rw, CKU_USER, API_PIN(API_USER_PIN)), CKR_USER_ANOTHER_ALREADY_LOGGED_IN,
	      "the user: CKR_USER_ANOTHER_ALREADY_LOGGED_IN");
	is_rv(f->C_Login(rw, CKU_SO, API_PIN(API_SO_PIN)), CKR_USER_ALREADY_LOGGED_IN,
	      "the SO again: CKR_USER_ALREADY_LOGGED_IN");
	is_rv(f->C_Logout(rw), CKR_OK, "the SO logs out");

	/* closing the last session logs out */
	is_rv(f->C_Login(rw, CKU_USER, API_PIN(API_USER_PIN)), CKR_OK, "the user logs in");
	is_rv(f->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &ro2), CKR_OK, "another session");
	is_rv(f->C_CloseSession(rw), CKR_OK, "the first closes");
	is_ulong(state(ro2), CKS_RO_USER_FUNCTIONS, "the other is still logged in");
	is_str(card_verified(), "user", "and so is the card");
	is_rv(f->C_CloseSession(ro2), CKR_OK, "the last session closes");
	is_str(card_verified(), "none", "the card is logged out");
	is_rv(f->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &rw), CKR_OK,
	      "a new session");
	is_ulong(state(rw), CKS_RW_PUBLIC_SESSION, "public");
	is_rv(f->C_Login(rw, CKU_USER, API_PIN(API_USER_PIN)), CKR_OK, "the user logs in");
	is_rv(f->C_CloseAllSessions(slot), CKR_OK, "C_CloseAllSessions");
	is_str(card_verified(), "none", "C_CloseAllSessions logs the card out");

	/* C_SetPIN */
	is_rv(f->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &rw), CKR_OK,
	      "an R/W session");
	is_rv(f->C_SetPIN(rw, API_PIN(API_USER_PIN), API_PIN("12")), CKR_PIN_LEN_RANGE,
	      "C_SetPIN: a new PIN too short");
	is_rv(f->C_SetPIN(rw, API_PIN("12"), API_PIN("11112222")), CKR_PIN_INCORRECT,
	      "C_SetPIN: an old PIN too short is wrong, not of the wrong length");
	is_rv(f->C_SetPIN(rw, (CK_UTF8CHAR_PTR)"", 0, API_PIN("11112222")), CKR_PIN_INCORRECT,
	      "C_SetPIN: an empty old PIN is wrong");
	is_rv(f->C_SetPIN(rw, NULL, 8, API_PIN("11112222")), CKR_ARGUMENTS_BAD,
	      "C_SetPIN: NULL old PIN");
	is_rv(f->C_SetPIN(rw, API_PIN(API_USER_PIN), API_PIN("11112222")), CKR_OK,
	      "C_SetPIN in a public session changes the user PIN");
	is_str(card_verified(), "none", "and leaves the card logged out");
	is_ulong(state(rw), CKS_RW_PUBLIC_SESSION, "the session stays public");
	is_rv(f->C_Login(rw, CKU_USER, API_PIN(API_USER_PIN)), CKR_PIN_INCORRECT, "the old PIN fails");
	is_rv(f->C_Login(rw, CKU_USER, API_PIN("11112222")), CKR_OK, "the new one works");
	is_rv(f->C_SetPIN(rw, API_PIN("99999999"), API_PIN(API_USER_PIN)), CKR_PIN_INCORRECT,
	      "C_SetPIN with a wrong old PIN");
	is_rv(f->C_SetPIN(rw, API_PIN("11112222"), API_PIN(API_USER_PIN)), CKR_OK,
	      "C_SetPIN in the user's session");
	is_ulong(state(rw), CKS_RW_USER_FUNCTIONS, "still logged in");
	is_rv(f->C_Logout(rw), CKR_OK, "C_Logout");
	is_rv(f->C_Login(rw, CKU_USER, API_PIN(API_USER_PIN)), CKR_OK, "the PIN is back");
	is_rv(f->C_Logout(rw), CKR_OK, "C_Logout");

	/* a wrong PIN counts down and locks */
	fl = tflags();
	ok(!(fl & (CKF_USER_PIN_COUNT_LOW | CKF_USER_PIN_FINAL_TRY | CKF_USER_PIN_LOCKED)),
	   "a full counter: no low, final-try or locked flag");
	for (i = 0; i < 20 && !(fl & CKF_USER_PIN_LOCKED); i++) {
		CK_FLAGS before = fl;

		rv = f->C_Login(rw, CKU_USER, API_PIN("00000000"));
		wrong++;
		fl = tflags();
		if (rv != CKR_PIN_INCORRECT && !(rv == CKR_PIN_LOCKED && (fl & CKF_USER_PIN_LOCKED))) {
			diag("wrong PIN %d: %s", wrong, sk_rv_name(rv));
			order_ok = 0;
		}
		if (!(fl & CKF_USER_PIN_LOCKED) && !(fl & CKF_USER_PIN_COUNT_LOW))
			order_ok = 0;   /* every wrong PIN but the last leaves the count low */
		if ((fl & CKF_USER_PIN_LOCKED) && !(before & CKF_USER_PIN_FINAL_TRY))
			order_ok = 0;   /* locked only after the final try was announced */
		if ((fl & CKF_USER_PIN_FINAL_TRY) && (fl & CKF_USER_PIN_LOCKED))
			order_ok = 0;
		seen |= fl;
		diag("after wrong PIN %d: %s, flags%s%s%s", wrong, sk_rv_name(rv),
		     fl & CKF_USER_PIN_COUNT_LOW ? " COUNT_LOW" : "",
		     fl & CKF_USER_PIN_FINAL_TRY ? " FINAL_TRY" : "",
		     fl & CKF_USER_PIN_LOCKED ? " LOCKED" : "");
	}
	ok(order_ok, "each wrong PIN: CKR_PIN_INCORRECT and COUNT_LOW, FINAL_TRY, then LOCKED");
	ok(seen & CKF_USER_PIN_COUNT_LOW, "CKF_USER_PIN_COUNT_LOW was shown");
	ok(seen & CKF_USER_PIN_FINAL_TRY, "CKF_USER_PIN_FINAL_TRY was shown");
	ok(fl & CKF_USER_PIN_LOCKED, "CKF_USER_PIN_LOCKED after %d wrong PINs", wrong);
	ok(wrong >= 3 && wrong <= 15, "a sensible number of tries (%d)", wrong);
	is_rv(f->C_Login(rw, CKU_USER, API_PIN(API_USER_PIN)), CKR_PIN_LOCKED,
	      "the right PIN now: CKR_PIN_LOCKED");
	is_ulong(state(rw), CKS_RW_PUBLIC_SESSION, "nobody is logged in");
	ok(!(tflags() & CKF_SO_PIN_LOCKED), "the SO PIN is not locked");

	/* the SO unblocks */
	is_rv(f->C_Login(rw, CKU_SO, API_PIN(API_SO_PIN)), CKR_OK, "the SO logs in");
	is_rv(f->C_InitPIN(rw, NULL, 8), CKR_ARGUMENTS_BAD, "C_InitPIN: NULL PIN");
	is_rv(f->C_InitPIN(rw, API_PIN("12")), CKR_PIN_LEN_RANGE, "C_InitPIN: a PIN too short");
	is_rv(f->C_InitPIN(rw, API_PIN("55556666")), CKR_OK, "C_InitPIN unblocks with a new PIN");
	fl = tflags();
	ok(!(fl & (CKF_USER_PIN_COUNT_LOW | CKF_USER_PIN_FINAL_TRY | CKF_USER_PIN_LOCKED)),
	   "the user PIN flags are clear again");
	ok(fl & CKF_USER_PIN_INITIALIZED, "CKF_USER_PIN_INITIALIZED");
	is_rv(f->C_Logout(rw), CKR_OK, "the SO logs out");
	is_rv(f->C_Login(rw, CKU_USER, API_PIN(API_USER_PIN)), CKR_PIN_INCORRECT,
	      "the old user PIN is gone");
	is_rv(f->C_Login(rw, CKU_USER, API_PIN("55556666")), CKR_OK, "the user logs in again");
	is_ulong(state(rw), CKS_RW_USER_FUNCTIONS, "CKS_RW_USER_FUNCTIONS");
	ok(!(tflags() & (CKF_USER_PIN_COUNT_LOW | CKF_USER_PIN_LOCKED)),
	   "the right PIN refilled the counter");
	is_rv(f->C_Finalize(NULL), CKR_OK, "C_Finalize");
	return done_testing();
}
