/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t7104 — C_SetPIN (the user's), C_InitPIN (by the SO) and C_InitToken with the virtual
 * token's card pulled out at each APDU k of the call (drop_each): the call fails with a
 * code its returns: list allows or the change is complete; after reinsertion the PIN is
 * the old one or the new one (C_Login says which), the token has its old label and objects
 * or is freshly initialised; the next such call succeeds and leaves no orphan file.
 * C_InitToken erases the card before it builds the new structure, so a card pulled out in
 * between leaves neither: that gap is reported as a TODO. Then the same with the APDU
 * answered 6F 00 instead.
 */
#include "api/drop.h"

#define NEW_PIN "24681357"

static CK_RV none(CK_SESSION_HANDLE *ps)
{
	(void)ps;
	return CKR_OK;
}

/* Which of two PINs the user's is: 0 old, 1 new, -1 neither. A wrong try is made good by
 * the right one (it resets the counter), so the token's state is as it was. */
static int user_pin_is(CK_SESSION_HANDLE s, const char *old, const char *new_pin)
{
	if (drop_fl->C_Login(s, CKU_USER, API_PIN(new_pin)) == CKR_OK) {
		drop_fl->C_Logout(s);
		return 1;
	}
	if (drop_fl->C_Login(s, CKU_USER, API_PIN(old)) == CKR_OK) {
		drop_fl->C_Logout(s);
		return 0;
	}
	return -1;
}

/* --- C_SetPIN in a R/W public session: the user's PIN -------------------------------------- */
static CK_RV setpin_run(CK_SESSION_HANDLE *ps)
{
	return drop_fl->C_SetPIN(*ps, API_PIN(API_USER_PIN), API_PIN(NEW_PIN));
}

static int setpin_outcome(CK_SESSION_HANDLE *ps)
{
	return user_pin_is(*ps, API_USER_PIN, NEW_PIN);
}

static CK_RV setpin_cleanup(CK_SESSION_HANDLE *ps)
{
	return drop_fl->C_SetPIN(*ps, API_PIN(NEW_PIN), API_PIN(API_USER_PIN));
}

static const struct drop_op setpin = {
	"C_SetPIN", 0, none, setpin_run, setpin_outcome, setpin_cleanup, NULL,
};

/* --- C_InitPIN by the SO ---------------------------------------------------------------------- */
static CK_RV initpin_run(CK_SESSION_HANDLE *ps)
{
	return drop_fl->C_InitPIN(*ps, API_PIN(NEW_PIN));
}

static int initpin_outcome(CK_SESSION_HANDLE *ps)
{
	int r;

	drop_fl->C_Logout(*ps);
	r = user_pin_is(*ps, API_USER_PIN, NEW_PIN);
	if (drop_fl->C_Login(*ps, CKU_SO, API_PIN(API_SO_PIN)) != CKR_OK)
		return -1;
	return r;
}

static CK_RV initpin_cleanup(CK_SESSION_HANDLE *ps)
{
	return drop_fl->C_InitPIN(*ps, API_PIN(API_USER_PIN));
}

static const struct drop_op initpin = {
	"C_InitPIN", CKU_SO + 1, none, initpin_run, initpin_outcome, initpin_cleanup, NULL,
};

/* --- C_InitToken ------------------------------------------------------------------------------ */
static CK_RV init_as(const char *label)
{
	CK_UTF8CHAR lab[32];

	memset(lab, ' ', sizeof lab);
	memcpy(lab, label, strlen(label));
	drop_fl->C_CloseAllSessions(drop_slot);
	return drop_fl->C_InitToken(drop_slot, API_PIN(API_SO_PIN), lab);
}

static CK_RV inittoken_run(CK_SESSION_HANDLE *ps)
{
	(void)ps;
	return init_as("relabelled");
}

/* 0: the old label, the user's PIN and the data object; 1: the new label, no user PIN */
static int inittoken_outcome(CK_SESSION_HANDLE *ps)
{
	CK_TOKEN_INFO ti;
	char label[33];

	if (drop_reopen_as(ps, 0) != CKR_OK || drop_fl->C_GetTokenInfo(drop_slot, &ti) != CKR_OK)
		return -1;
	api_unpad(label, ti.label, sizeof ti.label);
	if (strcmp(label, "relabelled") == 0 && !(ti.flags & CKF_USER_PIN_INITIALIZED))
		return 1;
	if (strcmp(label, "drops") == 0 && (ti.flags & CKF_USER_PIN_INITIALIZED) &&
	    drop_login(*ps, CKU_USER + 1) == CKR_OK &&
	    drop_count(drop_fl, *ps, CKO_DATA, "keep") == 1 && drop_fl->C_Logout(*ps) == CKR_OK)
		return 0;
	return -1;
}

/* back to the baseline: initialised as "drops", both PINs, one data object */
static CK_RV inittoken_cleanup(CK_SESSION_HANDLE *ps)
{
	CK_OBJECT_CLASS cls = CKO_DATA;
	CK_BBOOL yes = CK_TRUE;
	CK_ATTRIBUTE t[] = { { CKA_CLASS, &cls, sizeof cls }, { CKA_TOKEN, &yes, 1 },
			     { CKA_PRIVATE, &yes, 1 }, { CKA_LABEL, "keep", 4 },
			     { CKA_VALUE, "kept", 4 } };
	CK_OBJECT_HANDLE h;
	CK_RV rv;

	drop_fl->C_CloseAllSessions(drop_slot);
	rv = api_prepare_token(drop_fl, drop_slot, "drops");

	drop_fl->C_CloseAllSessions(drop_slot);
	if (rv == CKR_OK)
		rv = drop_reopen_as(ps, CKU_USER + 1);
	if (rv == CKR_OK)
		rv = drop_fl->C_CreateObject(*ps, t, 5, &h);
	if (rv == CKR_OK)
		rv = drop_fl->C_Logout(*ps);
	if (rv != CKR_OK)
		diag("C_InitToken's baseline: %s", sk_rv_name(rv));
	return rv;
}

static const struct drop_op inittoken = {
	"C_InitToken", 0, none, inittoken_run, inittoken_outcome, inittoken_cleanup,
	"the erase cannot be undone: a card pulled out after it leaves a token without "
	"a complete PKCS#15 structure, and one pulled out between the CREATE and the UPDATE "
	"of TokenInfo one that token_info() refuses (CKR_DEVICE_ERROR), so that not even "
	"C_InitToken can repair it (init_token and token_info are not changed here)",
};

int main(int argc, char **argv)
{
	CK_SESSION_HANDLE s;

	(void)argc;
	api_rig_timeout(argv, 1, 280);
	drop_fl = api_module();
	is_rv(drop_fl->C_Initialize(NULL), CKR_OK, "C_Initialize");
	is_rv(api_slot_of(drop_fl, 0, &drop_slot), CKR_OK, "the virtual token's slot");
	is_rv(inittoken_cleanup(&s), CKR_OK, "the token is initialised, with a data object");
	drop_fl->C_Finalize(NULL);
	drop_each(&setpin, NULL, CKR_OK);
	drop_each(&initpin, NULL, CKR_OK);
	/* the same with a status word instead */
	drop_each(&setpin, "6F00", CKR_OK);
	drop_each(&initpin, "6F00", CKR_OK);
	drop_each(&inittoken, "6F00", CKR_OK);
	/* last: a pulled card can leave a token that even C_InitToken cannot repair */
	drop_each(&inittoken, NULL, CKR_OK);
	return done_testing();
}
