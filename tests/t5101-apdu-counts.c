/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t5101 — the zero-APDU start and the token cache, counted from the virtual token's own
 * trace (every APDU it receives is a "> " line): C_Initialize + C_GetSlotList +
 * C_GetSlotInfo send none; the first C_GetTokenInfo reads the token, the second and
 * C_GetSessionInfo send none; C_OpenSession and C_GetMechanismList on a known token send
 * none; C_Login sends only VERIFY (INS 20): one APDU for a right PIN, the wrong PIN at most
 * one more to read the retry counter; a PIN of the wrong length sends none. A search after
 * C_Login reads only the private objects' EFs, never the public part again; a process's
 * C_GetTokenInfo, C_Login and first search read EF.DIR and the ODF once between them, and
 * a change of the ODF through the module after them is seen by the next search.
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

/* How many token data objects labelled "t5101" a search finds (all of them). */
static long count_data(CK_SESSION_HANDLE s)
{
	static CK_OBJECT_CLASS cls = CKO_DATA;
	CK_ATTRIBUTE t[] = { { CKA_CLASS, &cls, sizeof cls }, { CKA_APPLICATION, "t5101", 5 } };
	CK_OBJECT_HANDLE h[16];
	CK_ULONG got = 0;

	if (f->C_FindObjectsInit(s, t, 2) != CKR_OK)
		return -1;
	if (f->C_FindObjects(s, h, 16, &got) != CKR_OK)
		got = (CK_ULONG)-1;
	if (f->C_FindObjectsFinal(s) != CKR_OK)
		return -1;
	return (long)got;
}

static CK_RV make_data(CK_SESSION_HANDLE s, const char *label, CK_BBOOL priv)
{
	static CK_OBJECT_CLASS cls = CKO_DATA;
	static CK_BBOOL yes = CK_TRUE;
	CK_OBJECT_HANDLE h;
	CK_ATTRIBUTE t[] = {
		{ CKA_CLASS, &cls, sizeof cls }, { CKA_TOKEN, &yes, sizeof yes },
		{ CKA_PRIVATE, &priv, sizeof priv }, { CKA_APPLICATION, "t5101", 5 },
		{ CKA_LABEL, (void *)label, (CK_ULONG)strlen(label) }, { CKA_VALUE, "v", 1 },
	};

	return f->C_CreateObject(s, t, 6, &h);
}

/*
 * find -> C_Login -> find in a fresh C_Initialize: the first search reads the public part
 * (EF.DIR, ODF, the directories, the public values); the login sends one VERIFY; the
 * second search reads only what the login makes visible, the private data object's EF
 * (SELECT + READ BINARY), never the public part again.
 */
static void find_login_find(CK_SLOT_ID slot)
{
	CK_SESSION_HANDLE s;
	unsigned ins[64];
	long first, n, k;
	int only_rd = 1, sel = 0;

	is_rv(f->C_Initialize(NULL), CKR_OK, "objects: C_Initialize");
	is_rv(f->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s), CKR_OK,
	      "objects: a R/W session");
	is_rv(f->C_Login(s, CKU_USER, API_PIN(API_USER_PIN)), CKR_OK, "objects: login");
	is_rv(make_data(s, "pub1", CK_FALSE), CKR_OK, "a public token data object");
	is_rv(make_data(s, "pub2", CK_FALSE), CKR_OK, "another");
	is_rv(make_data(s, "priv", CK_TRUE), CKR_OK, "a private one");
	is_rv(f->C_Finalize(NULL), CKR_OK, "objects: C_Finalize");

	is_rv(f->C_Initialize(NULL), CKR_OK, "find-login-find: C_Initialize");
	is_rv(f->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &s), CKR_OK,
	      "find-login-find: C_OpenSession");
	mark = api_apdus(0);
	is_ulong((CK_ULONG)count_data(s), 2, "the first search finds the two public objects");
	first = delta();
	diag("find (first, with the token's information): %ld APDUs", first);
	is_rv(f->C_Login(s, CKU_USER, API_PIN(API_USER_PIN)), CKR_OK, "find-login-find: C_Login");
	ok(api_only_ins(0, mark, 0x20, &n) && n == 1, "... one VERIFY (%ld APDUs)", n);
	delta();
	is_ulong((CK_ULONG)count_data(s), 3, "the search after the login finds the private one too");
	n = api_ins_since(0, mark, ins, 64);
	for (k = 0; k < n && k < 64; k++) {
		only_rd &= ins[k] == 0xA4 || ins[k] == 0xB0;
		sel += ins[k] == 0xA4;
	}
	diag("find after C_Login: %ld APDUs", n);
	ok(only_rd, "... it sends only SELECT and READ BINARY");
	/* one SELECT by path and one READ BINARY for the one private EF: no EF.DIR, no ODF,
	 * no directory, no public value again */
	is_ulong((CK_ULONG)n, 2, "... exactly two: the private object's EF, nothing public again");
	is_ulong((CK_ULONG)sel, 1, "... one SELECT");
	ok(n < first, "... fewer than the first search (%ld < %ld)", n, first);
	delta();
	is_ulong((CK_ULONG)count_data(s), 3, "a third search");
	is_ulong(delta(), 0, "... sends no APDU");
	is_rv(f->C_Finalize(NULL), CKR_OK, "find-login-find: C_Finalize");
}

/*
 * C_GetTokenInfo -> C_OpenSession -> C_Login -> find in a fresh C_Initialize (what
 * pkcs11-tool --sign does): the token's information and its objects are one snapshot of
 * the public part, so EF.DIR (2F00) and the ODF (5031) are each selected once, not again
 * for the search.
 */
static void info_login_find(CK_SLOT_ID slot)
{
	static CK_OBJECT_CLASS c_secret = CKO_SECRET_KEY;
	static CK_BBOOL yes = CK_TRUE;
	CK_ULONG len = 16;
	CK_MECHANISM gen = { CKM_AES_KEY_GEN, NULL, 0 };
	CK_ATTRIBUTE kt[] = { { CKA_TOKEN, &yes, sizeof yes }, { CKA_VALUE_LEN, &len, sizeof len },
			      { CKA_LABEL, "t5101-aes", 9 } };
	CK_TOKEN_INFO ti;
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE k;
	long at;

	is_rv(f->C_Initialize(NULL), CKR_OK, "info-login-find: C_Initialize");
	at = api_apdus(0);
	is_rv(f->C_GetTokenInfo(slot, &ti), CKR_OK, "info-login-find: C_GetTokenInfo");
	is_rv(f->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &s), CKR_OK,
	      "info-login-find: C_OpenSession");
	is_rv(f->C_Login(s, CKU_USER, API_PIN(API_USER_PIN)), CKR_OK, "info-login-find: C_Login");
	is_ulong((CK_ULONG)count_data(s), 3, "info-login-find: the search finds all three");
	diag("C_GetTokenInfo + C_Login + find: %ld APDUs", api_apdus(0) - at);
	is_ulong((CK_ULONG)api_selects_since(0, at, 0x2F00, 0xFFFF), 1, "... EF.DIR is selected once");
	is_ulong((CK_ULONG)api_selects_since(0, at, 0x5031, 0xFFFF), 1, "... the ODF is selected once");
	is_ulong((CK_ULONG)api_selects_since(0, at, 0x5032, 0xFFFF), 1, "... TokenInfo once");
	is_rv(f->C_Finalize(NULL), CKR_OK, "info-login-find: C_Finalize");

	/* a change of the ODF through the module after the token's information was read
	 * (the token's first secret key makes its SKDF, a new entry in the ODF): the next
	 * search reads the new directory */
	is_rv(f->C_Initialize(NULL), CKR_OK, "ODF change: C_Initialize");
	is_rv(f->C_GetTokenInfo(slot, &ti), CKR_OK, "ODF change: C_GetTokenInfo");
	is_rv(f->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s), CKR_OK,
	      "ODF change: a R/W session");
	is_rv(f->C_Login(s, CKU_USER, API_PIN(API_USER_PIN)), CKR_OK, "ODF change: C_Login");
	is_rv(f->C_GenerateKey(s, &gen, kt, 3, &k), CKR_OK,
	      "ODF change: C_GenerateKey AES-128 on the token, its first secret key");
	{
		CK_ATTRIBUTE q[] = { { CKA_CLASS, &c_secret, sizeof c_secret },
				     { CKA_LABEL, "t5101-aes", 9 } };
		CK_OBJECT_HANDLE h[4];
		CK_ULONG n = 0;

		if (f->C_FindObjectsInit(s, q, 2) == CKR_OK) {
			f->C_FindObjects(s, h, 4, &n);
			f->C_FindObjectsFinal(s);
		}
		is_ulong(n, 1, "... a search finds it (its directory, new in the ODF, is read)");
	}
	is_ulong((CK_ULONG)count_data(s), 3, "... and the data objects are still all there");
	is_rv(f->C_Finalize(NULL), CKR_OK, "ODF change: C_Finalize");
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

	find_login_find(slot);
	info_login_find(slot);
	return done_testing();
}
