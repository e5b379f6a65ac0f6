/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * drop_token.h — C_InitToken as a drop_op (drop.h) for t7105 and t7107: the outcome is
 * 0 when the token has its old label, user PIN and data object, 1 when it is freshly
 * initialised with the new label, 2 when it is a token to initialise (C_GetTokenInfo
 * answers, without CKF_TOKEN_INITIALIZED and CKF_USER_PIN_INITIALIZED; a session opens,
 * or, when what is on the card does not parse, is refused with CKR_TOKEN_NOT_RECOGNIZED,
 * runtime/tokfn.c): what a failed call must leave at least, since the erase cannot be
 * undone. The drop_op's "next call" shows that C_InitToken repairs it. The cleanup
 * initialises it again as the baseline (and, when the module cannot, wipes it through
 * PC/SC first, so that the other k still run).
 */
#ifndef SCRIPTOKI_TEST_DROP_TOKEN_H
#define SCRIPTOKI_TEST_DROP_TOKEN_H

#include "api/drop.h"

static CK_RV none(CK_SESSION_HANDLE *ps)
{
	(void)ps;
	return CKR_OK;
}

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

/* 0: the old label, the user's PIN and the data object; 1: the new label, no user PIN;
 * 2: a token to initialise */
static int inittoken_outcome(CK_SESSION_HANDLE *ps)
{
	CK_TOKEN_INFO ti;
	char label[33];
	CK_RV rv = drop_reopen_as(ps, 0);

	if ((rv != CKR_OK && rv != CKR_TOKEN_NOT_RECOGNIZED) ||
	    drop_fl->C_GetTokenInfo(drop_slot, &ti) != CKR_OK)
		return -1;
	if (!(ti.flags & (CKF_TOKEN_INITIALIZED | CKF_USER_PIN_INITIALIZED)))
		return 2;
	if (rv != CKR_OK)
		return -1;      /* not recognised, yet shown as initialised */
	api_unpad(label, ti.label, sizeof ti.label);
	if (strcmp(label, "relabelled") == 0 && (ti.flags & CKF_TOKEN_INITIALIZED) &&
	    !(ti.flags & CKF_USER_PIN_INITIALIZED))
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
	char apdu[4096];
	CK_RV rv;

	drop_fl->C_CloseAllSessions(drop_slot);
	rv = api_prepare_token(drop_fl, drop_slot, "drops");
	if (rv != CKR_OK) {
		/* a token the module cannot initialise again (a failure of the drop_op's
		 * "next call"): the test wipes it through PC/SC (80 8A needs no PIN), then
		 * initialises it, so that the other k still run */
		diag("C_InitToken's baseline: %s; the card is wiped with 80 8A", sk_rv_name(rv));
		drop_fl->C_Finalize(NULL);
		api_run(build_path(apdu, sizeof apdu, "rig-apdu"), api_env(0, "READER"),
			"808A0000", NULL);
		rv = drop_reopen_as(ps, 0);
		drop_fl->C_CloseAllSessions(drop_slot);
		if (rv == CKR_OK)
			rv = api_prepare_token(drop_fl, drop_slot, "drops");
	}

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
	"the erase cannot be undone: a call that fails after it (an APDU refused, the card "
	"pulled out) leaves a token without a complete PKCS#15 structure, shown as a token "
	"to initialise",
	"a token to initialise",
};

static inline void inittoken_setup(char **argv, int seconds)
{
	CK_SESSION_HANDLE s;

	api_rig_timeout(argv, 1, seconds);
	drop_fl = api_module();
	is_rv(drop_fl->C_Initialize(NULL), CKR_OK, "C_Initialize");
	is_rv(api_slot_of(drop_fl, 0, &drop_slot), CKR_OK, "the virtual token's slot");
	is_rv(inittoken_cleanup(&s), CKR_OK, "the token is initialised, with a data object");
	drop_fl->C_Finalize(NULL);
}

#endif
