/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t5123 — the session table (runtime/session.c: a handle names its place, places and the
 * memory of closed sessions are used again): many sessions open (the table grows) and
 * each keeps its own kind; a closed session's handle is CKR_SESSION_HANDLE_INVALID
 * (PKCS #11 3.2 §5.1.2) also after a later session got its place; no handle is ever given
 * twice; a session that takes over a closed one's memory has none of its operations; and
 * a removed token's sessions are gone, are not counted once the card is back, and what
 * their operations held is freed (make check-asan: no leak, no double free).
 */
#include "api/api.h"

#define RO CKF_SERIAL_SESSION
#define RW (CKF_SERIAL_SESSION | CKF_RW_SESSION)
#define MANY 300
#define CYCLES 2000

static CK_FUNCTION_LIST_PTR f;
static CK_SESSION_HANDLE given[MANY + MANY / 2 + CYCLES + 16];
static size_t ngiven;

/* Remember a handle; 0 when it was given before (or is CK_INVALID_HANDLE). */
static int fresh(CK_SESSION_HANDLE h)
{
	size_t i;

	if (h == CK_INVALID_HANDLE)
		return 0;
	for (i = 0; i < ngiven; i++)
		if (given[i] == h)
			return 0;
	if (ngiven < sizeof given / sizeof given[0])
		given[ngiven++] = h;
	return 1;
}

int main(int argc, char **argv)
{
	static CK_SESSION_HANDLE h[MANY], again[MANY / 2];
	CK_SESSION_HANDLE a, b, prev;
	CK_OBJECT_HANDLE objs[4];
	CK_SESSION_INFO si;
	CK_TOKEN_INFO ti;
	CK_SLOT_ID slot = 0, ev;
	CK_ULONG n;
	char ans[256];
	size_t i;
	int all_ok, kinds_ok, unique;

	(void)argc;
	api_rig(argv, 1);
	f = api_module();
	is_rv(f->C_Initialize(NULL), CKR_OK, "C_Initialize");
	is_rv(api_slot_of(f, 0, &slot), CKR_OK, "the virtual token's slot");
	is_rv(api_prepare_token(f, slot, "t5123"), CKR_OK, "C_InitToken and C_InitPIN");

	/* many: the table grows several times over */
	all_ok = unique = 1;
	for (i = 0; i < MANY; i++) {
		if (f->C_OpenSession(slot, i % 2 ? RW : RO, NULL, NULL, &h[i]) != CKR_OK)
			all_ok = 0;
		else if (!fresh(h[i]))
			unique = 0;
	}
	ok(all_ok, "%d sessions open, every other one read-write", MANY);
	ok(unique, "... each with a handle of its own");
	kinds_ok = 1;
	for (i = 0; i < MANY; i++)
		if (f->C_GetSessionInfo(h[i], &si) != CKR_OK || si.slotID != slot ||
		    (si.flags & RW) != (i % 2 ? RW : RO))
			kinds_ok = 0;
	ok(kinds_ok, "C_GetSessionInfo: each session has its slot and its kind");
	is_rv(f->C_GetTokenInfo(slot, &ti), CKR_OK, "C_GetTokenInfo");
	is_ulong(ti.ulSessionCount, MANY, "ulSessionCount %d", MANY);
	is_ulong(ti.ulRwSessionCount, MANY / 2, "ulRwSessionCount %d", MANY / 2);

	/* every other one closed; their handles are dead, the others live */
	all_ok = 1;
	for (i = 0; i < MANY; i += 2)
		if (f->C_CloseSession(h[i]) != CKR_OK)
			all_ok = 0;
	ok(all_ok, "the read-only half closed");
	all_ok = 1;
	for (i = 0; i < MANY; i++) {
		CK_RV want = i % 2 ? CKR_OK : CKR_SESSION_HANDLE_INVALID;
		if (f->C_GetSessionInfo(h[i], &si) != want)
			all_ok = 0;
	}
	ok(all_ok, "closed ones: CKR_SESSION_HANDLE_INVALID; the others answer");
	is_rv(f->C_CloseSession(h[0]), CKR_SESSION_HANDLE_INVALID, "closing one again");
	is_rv(f->C_GetTokenInfo(slot, &ti), CKR_OK, "C_GetTokenInfo");
	is_ulong(ti.ulSessionCount, MANY / 2, "ulSessionCount %d", MANY / 2);

	/* their places and memory go to new sessions: the old handles stay dead */
	all_ok = unique = 1;
	for (i = 0; i < MANY / 2; i++) {
		if (f->C_OpenSession(slot, RO, NULL, NULL, &again[i]) != CKR_OK)
			all_ok = 0;
		else if (!fresh(again[i]))
			unique = 0;
	}
	ok(all_ok, "%d sessions more", MANY / 2);
	ok(unique, "... none with a handle given before");
	all_ok = 1;
	for (i = 0; i < MANY; i += 2)
		if (f->C_GetSessionInfo(h[i], &si) != CKR_SESSION_HANDLE_INVALID ||
		    f->C_FindObjectsInit(h[i], NULL, 0) != CKR_SESSION_HANDLE_INVALID)
			all_ok = 0;
	for (i = 0; i < MANY / 2; i++)
		if (f->C_GetSessionInfo(again[i], &si) != CKR_OK || (si.flags & RW) != RO)
			all_ok = 0;
	ok(all_ok, "the closed handles are still invalid; the new sessions answer as theirs");
	is_rv(f->C_CloseAllSessions(slot), CKR_OK, "C_CloseAllSessions");
	all_ok = 1;
	for (i = 0; i < MANY; i++)
		if (f->C_GetSessionInfo(h[i], &si) != CKR_SESSION_HANDLE_INVALID)
			all_ok = 0;
	for (i = 0; i < MANY / 2; i++)
		if (f->C_GetSessionInfo(again[i], &si) != CKR_SESSION_HANDLE_INVALID)
			all_ok = 0;
	ok(all_ok, "... and after C_CloseAllSessions none answers");

	/* open and close, over and over (the same place each time): a new handle each time,
	 * larger than the one before */
	all_ok = unique = 1;
	prev = 0;
	for (i = 0; i < CYCLES; i++) {
		if (f->C_OpenSession(slot, RO, NULL, NULL, &a) != CKR_OK) {
			all_ok = 0;
			break;
		}
		if (a <= prev || !fresh(a))
			unique = 0;
		prev = a;
		if (f->C_CloseSession(a) != CKR_OK)
			all_ok = 0;
	}
	ok(all_ok, "%d times open and close", CYCLES);
	ok(unique, "... a new handle each time");

	/* a session that takes over a closed one's memory has none of its operations */
	is_rv(f->C_OpenSession(slot, RO, NULL, NULL, &a), CKR_OK, "session A");
	is_rv(f->C_FindObjectsInit(a, NULL, 0), CKR_OK, "A starts a search");
	is_rv(f->C_CloseSession(a), CKR_OK, "A closed during its search");
	is_rv(f->C_OpenSession(slot, RO, NULL, NULL, &b), CKR_OK, "session B");
	ok(b != a, "B's handle is not A's");
	n = 99;
	is_rv(f->C_FindObjects(b, objs, 4, &n), CKR_OPERATION_NOT_INITIALIZED,
	      "B has no search: CKR_OPERATION_NOT_INITIALIZED");
	is_rv(f->C_FindObjectsInit(b, NULL, 0), CKR_OK, "B starts one of its own");
	is_rv(f->C_FindObjectsInit(b, NULL, 0), CKR_OPERATION_ACTIVE,
	      "... and a second while it runs: CKR_OPERATION_ACTIVE");
	is_rv(f->C_FindObjects(a, objs, 4, &n), CKR_SESSION_HANDLE_INVALID,
	      "A's handle does not reach B's search");
	is_rv(f->C_FindObjectsFinal(b), CKR_OK, "B's search ends");
	is_rv(f->C_FindObjectsFinal(b), CKR_OPERATION_NOT_INITIALIZED, "... once");

	/* a removed token: its sessions are gone and not counted when the card is back */
	is_rv(f->C_FindObjectsInit(b, NULL, 0), CKR_OK, "B starts a search again");
	is_ulong(api_ctl(0, "remove", ans, sizeof ans), 0, "the token removed (%s)", ans);
	is_rv(f->C_WaitForSlotEvent(0, &ev, NULL), CKR_OK, "the module saw the removal");
	is_rv(f->C_GetSessionInfo(b, &si), CKR_SESSION_HANDLE_INVALID,
	      "B is gone: CKR_SESSION_HANDLE_INVALID");
	n = 99;
	is_rv(f->C_FindObjects(b, objs, 4, &n), CKR_SESSION_HANDLE_INVALID,
	      "... its search too");
	is_ulong(api_ctl(0, "insert", ans, sizeof ans), 0, "the token back (%s)", ans);
	is_rv(f->C_WaitForSlotEvent(0, &ev, NULL), CKR_OK, "the module saw it back");
	is_rv(f->C_OpenSession(slot, RO, NULL, NULL, &a), CKR_OK, "a session on it");
	ok(fresh(a), "... with a handle never given before");
	is_rv(f->C_GetTokenInfo(slot, &ti), CKR_OK, "C_GetTokenInfo");
	is_ulong(ti.ulSessionCount, 1, "ulSessionCount 1: the removed token's session is not counted");
	is_rv(f->C_CloseSession(b), CKR_SESSION_HANDLE_INVALID,
	      "closing the removed token's session: CKR_SESSION_HANDLE_INVALID");
	is_rv(f->C_CloseSession(a), CKR_OK, "the new one closes");
	is_rv(f->C_Finalize(NULL), CKR_OK, "C_Finalize");
	return done_testing();
}
