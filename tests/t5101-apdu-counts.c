/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t5101 — the zero-APDU start and the token cache, counted from the virtual token's own
 * trace (every APDU it receives is a "> " line): C_Initialize + C_GetSlotList +
 * C_GetSlotInfo send none; the first C_GetTokenInfo reads the token, the second and
 * C_GetSessionInfo send none; C_OpenSession and C_GetMechanismList on a known token send
 * none; C_Login sends only VERIFY (INS 20): one APDU for a right PIN, the wrong PIN at most
 * one more to read the retry counter; a PIN of the wrong length sends none.
 */
#include "api/api.h"

static CK_FUNCTION_LIST_PTR f;

/* APDUs since the last call (and the mark moves on). */
static long mark;
static long delta(void)
{
	long now = api_apdus(0), d = now - mark;

	mark = now;
	return d;
}

static void zero_start(const char *when)
{
	CK_SLOT_ID ids[8];
	CK_SLOT_INFO si;
	CK_ULONG n = 0, k;

	mark = api_apdus(0);
	ok(mark >= 0, "%s: the token's trace is readable", when);
	is_rv(f->C_Initialize(NULL), CKR_OK, "%s: C_Initialize", when);
	is_ulong(delta(), 0, "%s: C_Initialize sends no APDU", when);
	is_rv(f->C_GetSlotList(CK_TRUE, NULL, &n), CKR_OK, "%s: C_GetSlotList size", when);
	is_ulong(n, 1, "%s: one slot with a token", when);
	n = 8;
	is_rv(f->C_GetSlotList(CK_TRUE, ids, &n), CKR_OK, "%s: C_GetSlotList", when);
	n = 8;
	is_rv(f->C_GetSlotList(CK_FALSE, ids, &n), CKR_OK, "%s: C_GetSlotList (all)", when);
	for (k = 0; k < n; k++)
		is_rv(f->C_GetSlotInfo(ids[k], &si), CKR_OK, "%s: C_GetSlotInfo %lu", when, ids[k]);
	is_ulong(delta(), 0, "%s: C_GetSlotList and C_GetSlotInfo send no APDU", when);
}

int main(int argc, char **argv)
{
	CK_TOKEN_INFO ti;
	CK_SESSION_INFO si;
	CK_SESSION_HANDLE s;
	CK_MECHANISM_TYPE mechs[256];
	CK_ULONG nm = 256;
	CK_SLOT_ID slot = 0;
	long d, n;
	int k;

	api_rig(argv, 1);
	f = api_module();

	/* a factory token: no PKCS#15 structure yet */
	zero_start("factory token");
	is_rv(api_slot_of(f, 0, &slot), CKR_OK, "the token's slot is found by its reader name");
	is_ulong(delta(), 0, "finding the slot sends no APDU");
	is_rv(f->C_GetTokenInfo(slot, &ti), CKR_OK, "first C_GetTokenInfo");
	d = delta();
	ok(d > 0, "the first C_GetTokenInfo reads the token (%ld APDUs)", d);
	diag("first C_GetTokenInfo, factory token: %ld APDUs", d);
	is_rv(f->C_GetTokenInfo(slot, &ti), CKR_OK, "second C_GetTokenInfo");
	is_ulong(delta(), 0, "the second C_GetTokenInfo sends no APDU");
	is_rv(api_prepare_token(f, slot, "t5101"), CKR_OK, "C_InitToken and C_InitPIN");
	diag("C_InitToken + C_Login(SO) + C_InitPIN + C_Logout: %ld APDUs", delta());
	is_rv(f->C_Finalize(NULL), CKR_OK, "C_Finalize");
	is_ulong(delta(), 0, "C_Finalize sends no APDU");

	/* an initialised token, in a fresh C_Initialize */
	zero_start("initialised token");
	is_rv(f->C_GetTokenInfo(slot, &ti), CKR_OK, "first C_GetTokenInfo");
	d = delta();
	ok(d > 0, "the first C_GetTokenInfo reads the token (%ld APDUs)", d);
	diag("first C_GetTokenInfo, initialised token: %ld APDUs", d);
	ok(ti.flags & CKF_USER_PIN_INITIALIZED, "the user PIN is initialised");
	is_rv(f->C_GetTokenInfo(slot, &ti), CKR_OK, "second C_GetTokenInfo");
	is_ulong(delta(), 0, "the second C_GetTokenInfo sends no APDU");
	is_rv(f->C_GetMechanismList(slot, mechs, &nm), CKR_OK, "C_GetMechanismList");
	is_ulong(delta(), 0, "C_GetMechanismList on a known token sends no APDU");
	is_rv(f->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &s), CKR_OK, "C_OpenSession");
	is_ulong(delta(), 0, "C_OpenSession on a known token sends no APDU");
	is_rv(f->C_GetSessionInfo(s, &si), CKR_OK, "C_GetSessionInfo");
	is_ulong(delta(), 0, "C_GetSessionInfo sends no APDU");

	is_rv(f->C_Login(s, CKU_USER, API_PIN("123")), CKR_PIN_INCORRECT, "a 3-digit PIN");
	is_ulong(delta(), 0, "... is wrong without an APDU (no PIN has that length)");

	is_rv(f->C_Login(s, CKU_USER, API_PIN("00000000")), CKR_PIN_INCORRECT, "a wrong PIN");
	k = api_only_ins(0, mark, 0x20, &n);
	ok(k, "a wrong PIN sends only VERIFY (%ld APDUs)", n);
	ok(n >= 1 && n <= 2, "a wrong PIN: one VERIFY, at most one more for the counter (%ld)", n);
	diag("C_Login, wrong PIN: %ld APDUs, all VERIFY", n);
	delta();
	is_rv(f->C_GetTokenInfo(slot, &ti), CKR_OK, "C_GetTokenInfo after a wrong PIN");
	ok(ti.flags & CKF_USER_PIN_COUNT_LOW, "it shows CKF_USER_PIN_COUNT_LOW");
	k = api_only_ins(0, mark, 0x20, &n);
	ok(k || n == 0, "re-reading the counters after a wrong PIN sends only VERIFY (%ld APDUs)",
	   n);
	diag("C_GetTokenInfo after a wrong PIN: %ld APDUs", n);
	delta();

	is_rv(f->C_Login(s, CKU_USER, API_PIN(API_USER_PIN)), CKR_OK, "C_Login(USER)");
	k = api_only_ins(0, mark, 0x20, &n);
	ok(k, "C_Login sends only VERIFY");
	is_ulong(n, 1, "C_Login with the right PIN sends exactly one APDU");
	diag("C_Login, right PIN: %ld APDUs, all VERIFY", n);
	delta();
	is_rv(f->C_GetSessionInfo(s, &si), CKR_OK, "C_GetSessionInfo when logged in");
	is_ulong(si.state, CKS_RO_USER_FUNCTIONS, "the session is a user session");
	is_rv(f->C_GetTokenInfo(slot, &ti), CKR_OK, "C_GetTokenInfo when logged in");
	ok(!(ti.flags & CKF_USER_PIN_COUNT_LOW), "a right PIN clears CKF_USER_PIN_COUNT_LOW");
	is_ulong(delta(), 0, "neither sends an APDU");

	is_rv(f->C_Logout(s), CKR_OK, "C_Logout");
	d = delta();
	diag("C_Logout: %ld APDUs", d);
	ok(d <= 1, "C_Logout sends at most one APDU (%ld)", d);
	is_rv(f->C_CloseSession(s), CKR_OK, "C_CloseSession");
	is_ulong(delta(), 0, "closing a public session sends no APDU");
	is_rv(f->C_Finalize(NULL), CKR_OK, "C_Finalize");
	return done_testing();
}
