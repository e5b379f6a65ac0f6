/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t5117 — PC/SC transactions only where APDUs go (SCard* calls counted by
 * build/t/pcsc-count-shim.so). With shared access: a call that sends APDUs (C_Login,
 * C_Logout) is one transaction, SCardBeginTransaction and SCardEndTransaction once each,
 * around its SCardTransmit calls; with nobody logged in C_GetSessionInfo, C_GetTokenInfo of
 * the cached token and C_OpenSession make no SCard* call at all; logged in,
 * C_GetSessionInfo asks for a reset with one SCardGetAttrib (pcsc_probe: one round trip)
 * and nothing else, no transaction. With exclusive access (SCRIPTOKI_EXCLUSIVE=1) no call
 * opens a transaction at all, and those that send nothing make no SCard* call.
 */
#include "shim/pcsc-count.h"

static CK_FUNCTION_LIST_PTR f;

static long txns(void)
{
	return pc_mine("SCardBeginTransaction");
}

static long ends(void)
{
	return pc_mine("SCardEndTransaction");
}

static void run(const char *mode, CK_SLOT_ID slot, int exclusive)
{
	CK_SESSION_HANDLE h, h2;
	CK_SESSION_INFO si;
	CK_TOKEN_INFO ti;
	long b, e, x, all, a, c;
	int k;

	is_rv(f->C_GetTokenInfo(slot, &ti), CKR_OK, "%s: C_GetTokenInfo reads the token", mode);
	is_rv(f->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &h), CKR_OK,
	      "%s: C_OpenSession", mode);

	b = txns(), e = ends(), all = pc_mine(NULL);
	is_rv(f->C_GetTokenInfo(slot, &ti), CKR_OK, "%s: C_GetTokenInfo (cached)", mode);
	is_rv(f->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &h2), CKR_OK,
	      "%s: another C_OpenSession", mode);
	is_rv(f->C_GetSessionInfo(h2, &si), CKR_OK, "%s: C_GetSessionInfo", mode);
	is_rv(f->C_CloseSession(h2), CKR_OK, "%s: C_CloseSession", mode);
	is_ulong((unsigned long)(txns() - b + ends() - e), 0,
		 "%s: none of them opens a transaction", mode);
	is_ulong((unsigned long)(pc_mine(NULL) - all), 0,
		 "%s: nobody logged in: none makes any SCard* call", mode);

	b = txns(), e = ends(), x = pc_mine("SCardTransmit");
	is_rv(f->C_Login(h, CKU_USER, API_PIN(API_USER_PIN)), CKR_OK, "%s: C_Login", mode);
	ok(pc_mine("SCardTransmit") > x, "%s: C_Login sends APDUs (%ld)", mode,
	   pc_mine("SCardTransmit") - x);
	is_ulong((unsigned long)(txns() - b), exclusive ? 0 : 1,
		 "%s: C_Login: %s SCardBeginTransaction", mode, exclusive ? "no" : "one");
	is_ulong((unsigned long)(ends() - e), exclusive ? 0 : 1,
		 "%s: ... and as many SCardEndTransaction", mode);

	/* shared: whether another application reset the card (the login would be gone) is
	 * asked with SCardGetAttrib, which pcscd answers after its checks of the handle:
	 * one round trip, where a transaction's Begin and End are two. The first time the
	 * module also connects a card handle of its own for the question (a context, a
	 * connection, its status), asks on the token's handle, and from then on asks on
	 * that one (beside other threads, without the token's lock) */
	b = txns(), e = ends(), all = pc_mine(NULL), a = pc_mine("SCardGetAttrib");
	c = pc_mine("SCardConnect");
	is_rv(f->C_GetSessionInfo(h, &si), CKR_OK, "%s: C_GetSessionInfo when logged in", mode);
	is_ulong(si.state, CKS_RO_USER_FUNCTIONS, "%s: ... a user session", mode);
	is_ulong((unsigned long)(txns() - b + ends() - e), 0, "%s: ... no transaction", mode);
	is_ulong((unsigned long)(pc_mine("SCardGetAttrib") - a), exclusive ? 0 : 1, "%s: ... %s",
		 mode, exclusive ? "no SCardGetAttrib" : "one SCardGetAttrib (the reset check)");
	is_ulong((unsigned long)(pc_mine("SCardConnect") - c), exclusive ? 0 : 1,
		 "%s: ... %s", mode, exclusive ? "no connection" : "one connection (the question's "
		 "handle)");
	is_ulong((unsigned long)(pc_mine(NULL) - all), exclusive ? 0 : 4,
		 "%s: ... and no other SCard* call than its context and status", mode);
	for (k = 0; k < 3; k++) {
		b = txns(), e = ends(), all = pc_mine(NULL), a = pc_mine("SCardGetAttrib");
		is_rv(f->C_GetSessionInfo(h, &si), CKR_OK, "%s: C_GetSessionInfo again (%d)",
		      mode, k + 1);
		is_ulong(si.state, CKS_RO_USER_FUNCTIONS, "%s: ... a user session", mode);
		is_ulong((unsigned long)(txns() - b + ends() - e), 0, "%s: ... no transaction",
			 mode);
		is_ulong((unsigned long)(pc_mine("SCardGetAttrib") - a), exclusive ? 0 : 1,
			 "%s: ... %s", mode, exclusive ? "no SCardGetAttrib" : "one SCardGetAttrib");
		is_ulong((unsigned long)(pc_mine(NULL) - all), exclusive ? 0 : 1,
			 "%s: ... and no other SCard* call", mode);
	}

	b = txns(), e = ends();
	is_rv(f->C_Logout(h), CKR_OK, "%s: C_Logout", mode);
	is_ulong((unsigned long)(txns() - b), exclusive ? 0 : 1, "%s: C_Logout: %s transaction",
		 mode, exclusive ? "no" : "one");
	is_ulong((unsigned long)(ends() - e), exclusive ? 0 : 1, "%s: ... ended", mode);
	is_rv(f->C_CloseSession(h), CKR_OK, "%s: C_CloseSession", mode);
}

int main(int argc, char **argv)
{
	CK_SLOT_ID slot = 0;

	(void)argc;
	api_rig(argv, 1);
	pc_shim(argv);
	f = api_module();

	unsetenv("SCRIPTOKI_EXCLUSIVE");
	is_rv(f->C_Initialize(NULL), CKR_OK, "C_Initialize");
	is_rv(api_slot_of(f, 0, &slot), CKR_OK, "the token's slot");
	is_rv(api_prepare_token(f, slot, "t5117"), CKR_OK, "C_InitToken and C_InitPIN");
	ok(pc_blocked_within(1, 2000), "the monitor waits");
	run("shared", slot, 0);
	is_rv(f->C_Finalize(NULL), CKR_OK, "C_Finalize");

	setenv("SCRIPTOKI_EXCLUSIVE", "1", 1);
	is_rv(f->C_Initialize(NULL), CKR_OK, "C_Initialize (SCRIPTOKI_EXCLUSIVE=1)");
	is_rv(api_slot_of(f, 0, &slot), CKR_OK, "the token's slot");
	ok(pc_blocked_within(1, 2000), "the monitor waits");
	run("exclusive", slot, 1);
	is_rv(f->C_Finalize(NULL), CKR_OK, "C_Finalize");
	unsetenv("SCRIPTOKI_EXCLUSIVE");
	return done_testing();
}
