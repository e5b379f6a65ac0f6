/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t7104 — C_SetPIN (the user's) and C_InitPIN (by the SO) with the virtual token's card
 * pulled out at each APDU k of the call (drop_each): the call fails with a code its
 * returns: list allows or the change is complete; after reinsertion the PIN is the old one
 * or the new one (C_Login says which); the next such call succeeds and leaves no orphan
 * file. Then the same with the APDU answered 6F 00 instead.
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

/* the card forgets every verified PIN (C_Logout sends 80 40), so that each call starts alike */
static CK_RV setpin_prepare(CK_SESSION_HANDLE *ps)
{
	CK_RV rv = drop_fl->C_Login(*ps, CKU_USER, API_PIN(API_USER_PIN));

	if (rv == CKR_OK)
		rv = drop_fl->C_Logout(*ps);
	return rv;
}

static const struct drop_op setpin = {
	"C_SetPIN", 0, setpin_prepare, setpin_run, setpin_outcome, setpin_cleanup, NULL, NULL,
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
	"C_InitPIN", CKU_SO + 1, none, initpin_run, initpin_outcome, initpin_cleanup, NULL, NULL,
};

int main(int argc, char **argv)
{
	CK_SESSION_HANDLE s;

	(void)argc;
	api_rig_timeout(argv, 1, 280);
	drop_fl = api_module();
	is_rv(drop_fl->C_Initialize(NULL), CKR_OK, "C_Initialize");
	is_rv(api_slot_of(drop_fl, 0, &drop_slot), CKR_OK, "the virtual token's slot");
	is_rv(drop_reopen_as(&s, 0), CKR_OK, "a session");
	drop_fl->C_CloseAllSessions(drop_slot);
	is_rv(api_prepare_token(drop_fl, drop_slot, "drops"), CKR_OK, "the token is initialised");
	drop_fl->C_Finalize(NULL);
	drop_each(&setpin, NULL, CKR_OK);
	drop_each(&initpin, NULL, CKR_OK);
	/* the same with a status word instead */
	drop_each(&setpin, "6F00", CKR_OK);
	drop_each(&initpin, "6F00", CKR_OK);
	return done_testing();
}
