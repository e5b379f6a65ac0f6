/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t5118 — the family's session limits (token_info's max_sessions, max_rw_sessions, through
 * the test family contracttest on a virtual Rutoken ECP) are enforced: C_OpenSession beyond
 * them is CKR_SESSION_COUNT (PKCS#11 3.2 §5.6.1), a read-only session may still open while
 * the read-write limit is reached, closing a session makes room again, and without limits
 * (plain rutoken_ecp's answer, 0: CK_EFFECTIVELY_INFINITE) many sessions open.
 */
#include "api/contract_family.h"

static CK_FUNCTION_LIST_PTR f;

#define RO CKF_SERIAL_SESSION
#define RW (CKF_SERIAL_SESSION | CKF_RW_SESSION)

int main(int argc, char **argv)
{
	CK_SESSION_HANDLE h[40], extra;
	CK_TOKEN_INFO ti;
	CK_SLOT_ID slot;
	size_t i;
	int all_ok;

	api_rig(argv, 1);
	f = api_module();
	if (!cf_setup("t5118"))
		return done_testing();

	/* no limit */
	is_rv(cf_answer(""), 1, "contracttest: no extra fields");
	is_rv(f->C_Initialize(NULL), CKR_OK, "C_Initialize");
	is_rv(api_slot_of(f, 0, &slot), CKR_OK, "the virtual token's slot");
	is_rv(api_prepare_token(f, slot, "t5118"), CKR_OK, "C_InitToken and C_InitPIN");
	all_ok = 1;
	for (i = 0; i < 40; i++)
		if (f->C_OpenSession(slot, i % 2 ? RW : RO, NULL, NULL, &h[i]) != CKR_OK)
			all_ok = 0;
	ok(all_ok, "no limit: 40 sessions open, half of them read-write");
	is_rv(f->C_CloseAllSessions(slot), CKR_OK, "C_CloseAllSessions");
	f->C_Finalize(NULL);

	/* three sessions, two of them read-write */
	is_rv(cf_answer("token_info = { max_sessions = 3, max_rw_sessions = 2 }"), 1,
	      "contracttest: max_sessions 3, max_rw_sessions 2");
	is_rv(f->C_Initialize(NULL), CKR_OK, "C_Initialize");
	is_rv(api_slot_of(f, 0, &slot), CKR_OK, "the slot");
	is_rv(f->C_OpenSession(slot, RW, NULL, NULL, &h[0]), CKR_OK, "read-write session 1");
	is_rv(f->C_OpenSession(slot, RW, NULL, NULL, &h[1]), CKR_OK, "read-write session 2");
	extra = CK_INVALID_HANDLE;
	is_rv(f->C_OpenSession(slot, RW, NULL, NULL, &extra), CKR_SESSION_COUNT,
	      "a third read-write session: CKR_SESSION_COUNT");
	ok(extra == CK_INVALID_HANDLE, "... no handle given");
	is_rv(f->C_OpenSession(slot, RO, NULL, NULL, &h[2]), CKR_OK,
	      "a read-only session while the read-write limit is reached");
	is_rv(f->C_GetTokenInfo(slot, &ti), CKR_OK, "C_GetTokenInfo");
	is_ulong(ti.ulSessionCount, 3, "ulSessionCount 3");
	is_ulong(ti.ulRwSessionCount, 2, "ulRwSessionCount 2");
	is_rv(f->C_OpenSession(slot, RO, NULL, NULL, &extra), CKR_SESSION_COUNT,
	      "a fourth session (read-only): CKR_SESSION_COUNT");
	is_rv(f->C_CloseSession(h[0]), CKR_OK, "close a read-write session");
	is_rv(f->C_OpenSession(slot, RO, NULL, NULL, &h[0]), CKR_OK,
	      "room again: a read-only session opens");
	is_rv(f->C_OpenSession(slot, RW, NULL, NULL, &extra), CKR_SESSION_COUNT,
	      "three open again: even a read-write one is refused");
	is_rv(f->C_CloseSession(h[0]), CKR_OK, "close the read-only one");
	is_rv(f->C_OpenSession(slot, RW, NULL, NULL, &h[0]), CKR_OK,
	      "a read-write session opens again after one closed");
	is_rv(f->C_CloseAllSessions(slot), CKR_OK, "C_CloseAllSessions");
	is_rv(f->C_OpenSession(slot, RW, NULL, NULL, &h[0]), CKR_OK,
	      "after C_CloseAllSessions the count starts again");
	is_rv(f->C_CloseAllSessions(slot), CKR_OK, "C_CloseAllSessions");
	f->C_Finalize(NULL);

	/* one session only */
	is_rv(cf_answer("token_info = { max_sessions = 1 }"), 1, "contracttest: max_sessions 1");
	is_rv(f->C_Initialize(NULL), CKR_OK, "C_Initialize");
	is_rv(api_slot_of(f, 0, &slot), CKR_OK, "the slot");
	is_rv(f->C_OpenSession(slot, RO, NULL, NULL, &h[0]), CKR_OK, "one session");
	is_rv(f->C_OpenSession(slot, RW, NULL, NULL, &extra), CKR_SESSION_COUNT,
	      "a second: CKR_SESSION_COUNT");
	f->C_Finalize(NULL);

	cf_cleanup();
	return done_testing();
}
