/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t5114 — each PIN against its own rule, on a virtual Rutoken ECP. After C_InitToken the
 * token has only the SO PIN (8..32), yet CK_TOKEN_INFO reports the user PIN's rule (4..32),
 * what an application needs to choose one, and C_InitPIN("1234") works; a user PIN of 3 is
 * CKR_PIN_LEN_RANGE. The SO PIN keeps its own: C_Login(CKU_SO, "1234") is CKR_PIN_INCORRECT
 * without an APDU, and C_SetPIN of the SO PIN to 7 bytes is CKR_PIN_LEN_RANGE. C_InitToken
 * verifies the current SO PIN before any length rule of the new token: a wrong SO PIN of a
 * legal length, a short one and one longer than any PIN of the card are all
 * CKR_PIN_INCORRECT (C_InitToken has no CKR_PIN_LEN_RANGE), and the token is untouched;
 * on a blank token an SO PIN too short for the new token is CKR_PIN_INCORRECT too.
 */
#include "api/api.h"

static CK_FUNCTION_LIST_PTR f;

static CK_RV init_token(CK_SLOT_ID slot, const char *pin)
{
	CK_UTF8CHAR label[32];

	memset(label, ' ', sizeof label);
	memcpy(label, "t5114", 5);
	return f->C_InitToken(slot, (CK_UTF8CHAR_PTR)pin, (CK_ULONG)strlen(pin), label);
}

int main(int argc, char **argv)
{
	CK_SLOT_ID slot = 0;
	CK_SESSION_HANDLE s;
	CK_TOKEN_INFO ti;
	char label[33];
	long mark;

	api_rig(argv, 1);
	f = api_module();
	is_rv(f->C_Initialize(NULL), CKR_OK, "C_Initialize");
	is_rv(api_slot_of(f, 0, &slot), CKR_OK, "the virtual token's slot");

	/* a blank token: the new token's SO PIN rule */
	is_rv(init_token(slot, "1234"), CKR_PIN_INCORRECT,
	      "C_InitToken of a blank token with a 4-byte SO PIN: CKR_PIN_INCORRECT");
	is_rv(f->C_GetTokenInfo(slot, &ti), CKR_OK, "C_GetTokenInfo");
	ok(!(ti.flags & CKF_TOKEN_INITIALIZED), "... the token is still blank");

	is_rv(init_token(slot, API_SO_PIN), CKR_OK, "C_InitToken");
	is_rv(f->C_GetTokenInfo(slot, &ti), CKR_OK, "C_GetTokenInfo");
	ok(!(ti.flags & CKF_USER_PIN_INITIALIZED), "no user PIN yet");
	is_ulong(ti.ulMinPinLen, 4, "ulMinPinLen is the user PIN's minimum, 4");
	is_ulong(ti.ulMaxPinLen, 32, "ulMaxPinLen is the user PIN's maximum, 32");

	is_rv(f->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s), CKR_OK,
	      "a read-write session");
	mark = api_apdus(0);
	is_rv(f->C_Login(s, CKU_SO, API_PIN("1234")), CKR_PIN_INCORRECT,
	      "C_Login(SO) with 4 bytes: shorter than the SO PIN's rule, CKR_PIN_INCORRECT");
	is_ulong(api_apdus(0) - mark, 0, "... without an APDU (no try spent)");
	is_rv(f->C_Login(s, CKU_SO, API_PIN(API_SO_PIN)), CKR_OK, "C_Login(SO)");
	is_rv(f->C_InitPIN(s, API_PIN("123")), CKR_PIN_LEN_RANGE,
	      "C_InitPIN with 3 bytes: CKR_PIN_LEN_RANGE");
	is_rv(f->C_InitPIN(s, API_PIN("1234")), CKR_OK, "C_InitPIN with 4 bytes, the user minimum");
	is_rv(f->C_SetPIN(s, API_PIN(API_SO_PIN), API_PIN("7654321")), CKR_PIN_LEN_RANGE,
	      "C_SetPIN of the SO PIN to 7 bytes: below the SO PIN's rule");
	is_rv(f->C_Logout(s), CKR_OK, "C_Logout");
	is_rv(f->C_Login(s, CKU_USER, API_PIN("1234")), CKR_OK, "C_Login(USER, \"1234\")");
	is_rv(f->C_Logout(s), CKR_OK, "C_Logout");
	is_rv(f->C_GetTokenInfo(slot, &ti), CKR_OK, "C_GetTokenInfo");
	ok(ti.flags & CKF_USER_PIN_INITIALIZED, "the user PIN is there");
	is_ulong(ti.ulMinPinLen, 4, "ulMinPinLen still 4");
	is_rv(f->C_CloseSession(s), CKR_OK, "C_CloseSession");

	/* a wrong SO PIN of any length: CKR_PIN_INCORRECT, the token untouched */
	is_rv(init_token(slot, "11111111"), CKR_PIN_INCORRECT,
	      "C_InitToken with a wrong SO PIN of 8 bytes: CKR_PIN_INCORRECT");
	is_rv(init_token(slot, "1234"), CKR_PIN_INCORRECT,
	      "C_InitToken with a wrong SO PIN of 4 bytes: CKR_PIN_INCORRECT");
	mark = api_apdus(0);
	is_rv(init_token(slot, "123456789012345678901234567890123"), CKR_PIN_INCORRECT,
	      "C_InitToken with 33 bytes, longer than any PIN of the card: CKR_PIN_INCORRECT");
	ok(api_apdus(0) - mark <= 1, "... the PIN never sent (at most the empty VERIFY)");
	is_rv(f->C_GetTokenInfo(slot, &ti), CKR_OK, "C_GetTokenInfo");
	api_unpad(label, ti.label, sizeof ti.label);
	is_str(label, "t5114", "the token is untouched");
	ok(ti.flags & CKF_USER_PIN_INITIALIZED, "... its user PIN too");
	is_rv(f->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &s), CKR_OK, "a session");
	is_rv(f->C_Login(s, CKU_USER, API_PIN("1234")), CKR_OK, "... the user PIN still works");
	f->C_CloseAllSessions(slot);
	is_rv(init_token(slot, API_SO_PIN), CKR_OK, "C_InitToken with the right SO PIN");
	f->C_Finalize(NULL);
	return done_testing();
}
