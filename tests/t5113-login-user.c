/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t5113 — named users and the protected authentication path, through the test family
 * contracttest on a virtual Rutoken ECP. A family that declares no users (plain answers):
 * C_LoginUser with a name is CKR_USER_TYPE_INVALID, with an empty name it is C_Login.
 * Declaring users {alice, carol}: C_LoginUser("alice") logs in (the PIN verified by the
 * card), a name not declared is CKR_PIN_INCORRECT without an APDU, and carol, whom the
 * script refuses itself with CKR_PIN_LOCKED, shows that the name reaches the script's
 * login; a NULL name with a length is CKR_ARGUMENTS_BAD. With protected_auth_path the
 * token reports CKF_PROTECTED_AUTHENTICATION_PATH and C_Login with a NULL PIN reaches the
 * script (which verifies its "PIN pad" PIN); without it a NULL PIN is CKR_ARGUMENTS_BAD.
 */
#include "api/contract_family.h"

static CK_FUNCTION_LIST_PTR f;
static CK_FUNCTION_LIST_3_0_PTR f3;     /* C_LoginUser is a 3.0 function */
static CK_SLOT_ID slot;

static CK_RV open_with(const char *answer, CK_SESSION_HANDLE *s)
{
	CK_RV rv;

	if (!cf_answer(answer))
		return CKR_GENERAL_ERROR;
	rv = f->C_Initialize(NULL);
	if (rv == CKR_OK)
		rv = api_slot_of(f, 0, &slot);
	if (rv == CKR_OK)
		rv = f->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, s);
	return rv;
}

#define NAME(s) (CK_UTF8CHAR_PTR)(s), (CK_ULONG)strlen(s)

int main(int argc, char **argv)
{
	CK_SESSION_HANDLE s;
	CK_TOKEN_INFO ti;
	CK_SESSION_INFO si;
	long mark;

	api_rig(argv, 1);
	{
		void *h = module_open();
		CK_C_GetInterface getitf = (CK_C_GetInterface)module_sym(h, "C_GetInterface");
		CK_VERSION v30 = { 3, 0 };
		CK_INTERFACE_PTR itf = NULL;

		f = module_functions(h);
		is_rv(getitf((CK_UTF8CHAR_PTR)"PKCS 11", &v30, &itf, 0), CKR_OK,
		      "C_GetInterface: the 3.0 function list");
		if (itf == NULL)
			return done_testing();
		f3 = itf->pFunctionList;
	}
	if (!cf_setup("t5113"))
		return done_testing();
	is_rv(cf_answer(""), 1, "contracttest: no extra fields");
	is_rv(f->C_Initialize(NULL), CKR_OK, "C_Initialize");
	is_rv(api_slot_of(f, 0, &slot), CKR_OK, "the virtual token's slot");
	is_rv(api_prepare_token(f, slot, "t5113"), CKR_OK, "C_InitToken and C_InitPIN");
	f->C_Finalize(NULL);

	/* no users declared */
	is_rv(open_with("", &s), CKR_OK, "a session, no users declared");
	is_rv(f3->C_LoginUser(s, CKU_USER, API_PIN(API_USER_PIN), NAME("alice")),
	      CKR_USER_TYPE_INVALID, "C_LoginUser(alice): CKR_USER_TYPE_INVALID");
	is_rv(f3->C_LoginUser(s, CKU_USER, API_PIN(API_USER_PIN), NULL, 0), CKR_OK,
	      "C_LoginUser without a name: C_Login");
	is_rv(f->C_Logout(s), CKR_OK, "C_Logout");
	is_rv(f->C_Login(s, CKU_USER, NULL, 0), CKR_ARGUMENTS_BAD,
	      "C_Login with a NULL PIN, no protected authentication path: CKR_ARGUMENTS_BAD");
	f->C_Finalize(NULL);

	/* alice and carol */
	is_rv(open_with("token_info = { users = { 'alice', 'carol' } }, "
			"refuse_users = { carol = 'CKR_PIN_LOCKED' }", &s), CKR_OK,
	      "a session, users alice and carol declared");
	is_rv(f3->C_LoginUser(s, CKU_USER, API_PIN(API_USER_PIN), NAME("alice")), CKR_OK,
	      "C_LoginUser(alice) with the user PIN");
	is_rv(f->C_GetSessionInfo(s, &si), CKR_OK, "C_GetSessionInfo");
	is_ulong(si.state, CKS_RW_USER_FUNCTIONS, "... alice is logged in");
	is_rv(f->C_Logout(s), CKR_OK, "C_Logout");
	mark = api_apdus(0);
	is_rv(f3->C_LoginUser(s, CKU_USER, API_PIN(API_USER_PIN), NAME("mallory")),
	      CKR_PIN_INCORRECT, "C_LoginUser(mallory), not declared: CKR_PIN_INCORRECT");
	is_ulong(api_apdus(0) - mark, 0, "... without an APDU");
	is_rv(f3->C_LoginUser(s, CKU_USER, API_PIN("99999999"), NAME("alice")), CKR_PIN_INCORRECT,
	      "C_LoginUser(alice) with a wrong PIN: the card says no");
	is_rv(f3->C_LoginUser(s, CKU_USER, API_PIN(API_USER_PIN), NAME("alic")),
	      CKR_PIN_INCORRECT, "C_LoginUser(alic), a prefix of a user: CKR_PIN_INCORRECT");
	is_rv(f3->C_LoginUser(s, CKU_USER, API_PIN(API_USER_PIN), NAME("carol")), CKR_PIN_LOCKED,
	      "C_LoginUser(carol): the script's own answer, so the name reached it");
	is_rv(f3->C_LoginUser(s, CKU_USER, API_PIN(API_USER_PIN), NULL, 5), CKR_ARGUMENTS_BAD,
	      "C_LoginUser with a NULL name of 5 bytes: CKR_ARGUMENTS_BAD");
	is_rv(f->C_GetSessionInfo(s, &si), CKR_OK, "C_GetSessionInfo");
	is_ulong(si.state, CKS_RW_PUBLIC_SESSION, "... nobody is logged in");
	f->C_Finalize(NULL);

	/* a protected authentication path */
	is_rv(open_with("token_info = { protected_auth_path = true }, pin_pad = '" API_USER_PIN "'",
			&s), CKR_OK, "a session, protected authentication path");
	is_rv(f->C_GetTokenInfo(slot, &ti), CKR_OK, "C_GetTokenInfo");
	ok(ti.flags & CKF_PROTECTED_AUTHENTICATION_PATH, "CKF_PROTECTED_AUTHENTICATION_PATH");
	is_rv(f->C_Login(s, CKU_USER, NULL, 0), CKR_OK,
	      "C_Login with a NULL PIN: the family's PIN pad");
	is_rv(f->C_GetSessionInfo(s, &si), CKR_OK, "C_GetSessionInfo");
	is_ulong(si.state, CKS_RW_USER_FUNCTIONS, "... logged in");
	is_rv(f->C_Logout(s), CKR_OK, "C_Logout");
	is_rv(f->C_Login(s, CKU_USER, API_PIN(API_USER_PIN)), CKR_OK,
	      "C_Login with a PIN still works");
	f->C_Finalize(NULL);

	cf_cleanup();
	return done_testing();
}
