/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t5013 — C_GetSessionValidationFlags (PKCS #11 3.2, 5.6) through the 3.2 function list:
 * the module has no validation object and no validated algorithm, so a session's last
 * operation met no validation: CKS_LAST_VALIDATION_OK's flags are 0, before and after an
 * operation, with no APDU; a closed session is CKR_SESSION_HANDLE_INVALID and a NULL
 * pFlags CKR_ARGUMENTS_BAD, as every other call.
 */
#include "api/api.h"

int main(int argc, char **argv)
{
	CK_C_GetInterface getitf;
	CK_INTERFACE_PTR itf = NULL;
	CK_VERSION v32 = { 3, 2 };
	CK_FUNCTION_LIST_3_2_PTR f;
	CK_SESSION_HANDLE s = CK_INVALID_HANDLE;
	CK_SLOT_ID slot = 0;
	CK_MECHANISM sha = { CKM_SHA256, NULL, 0 };
	CK_BYTE out[32];
	CK_ULONG n = sizeof out;
	CK_FLAGS flags;
	long mark;
	void *h;

	api_rig(argv, 1);
	h = module_open();
	getitf = (CK_C_GetInterface)module_sym(h, "C_GetInterface");
	if (!ok(getitf != NULL && getitf((CK_UTF8CHAR_PTR) "PKCS 11", &v32, &itf, 0) == CKR_OK &&
		itf != NULL, "the 3.2 interface"))
		return done_testing();
	f = itf->pFunctionList;
	is_rv(f->C_Initialize(NULL), CKR_OK, "C_Initialize");
	is_rv(api_slot_of((CK_FUNCTION_LIST_PTR)f, 0, &slot), CKR_OK, "the virtual token's slot");
	is_rv(f->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &s), CKR_OK, "C_OpenSession");

	mark = api_apdus(0);
	flags = 0xdead;
	is_rv(f->C_GetSessionValidationFlags(s, CKS_LAST_VALIDATION_OK, &flags), CKR_OK,
	      "C_GetSessionValidationFlags(CKS_LAST_VALIDATION_OK) of a new session");
	is_ulong(flags, 0, "... no validation met: 0");
	is_rv(f->C_DigestInit(s, &sha), CKR_OK, "C_DigestInit(SHA-256)");
	is_rv(f->C_Digest(s, (CK_BYTE_PTR) "abc", 3, out, &n), CKR_OK, "C_Digest");
	flags = 0xdead;
	is_rv(f->C_GetSessionValidationFlags(s, CKS_LAST_VALIDATION_OK, &flags), CKR_OK,
	      "after a digest");
	is_ulong(flags, 0, "... still 0: SHA-256 of this module is not a validated one");
	is_ulong((CK_ULONG)(api_apdus(0) - mark), 0, "no APDU for any of it");
	is_rv(f->C_GetSessionValidationFlags(s, CKS_LAST_VALIDATION_OK, NULL), CKR_ARGUMENTS_BAD,
	      "pFlags NULL: CKR_ARGUMENTS_BAD");
	is_rv(f->C_CloseSession(s), CKR_OK, "C_CloseSession");
	is_rv(f->C_GetSessionValidationFlags(s, CKS_LAST_VALIDATION_OK, &flags),
	      CKR_SESSION_HANDLE_INVALID, "the closed session: CKR_SESSION_HANDLE_INVALID");
	is_rv(f->C_Finalize(NULL), CKR_OK, "C_Finalize");
	is_rv(f->C_GetSessionValidationFlags(s, CKS_LAST_VALIDATION_OK, &flags),
	      CKR_CRYPTOKI_NOT_INITIALIZED, "after C_Finalize: CKR_CRYPTOKI_NOT_INITIALIZED");
	return done_testing();
}
