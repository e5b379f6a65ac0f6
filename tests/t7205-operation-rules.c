/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t7205 — rules of the operations (issue 15): the legacy C_GetFunctionStatus and
 * C_CancelFunction answer CKR_FUNCTION_NOT_PARALLEL; a one-shot size query (C_Digest,
 * C_Sign with a NULL output) followed by the multi-part C_DigestFinal/C_SignFinal or an
 * Update is CKR_OPERATION_ACTIVE, not a result over other data (single- and multi-part
 * calls do not mix), and that error ends the operation; a single-part mechanism (raw
 * ECDSA) refuses C_SignUpdate and C_VerifyUpdate; a mechanism without parameters refuses
 * a parameter length, also with a NULL pointer; a bad argument caught by the generated
 * checks (a NULL length pointer) ends the operation like any other error.
 */
#include "api/api.h"
#include "api/tsan.h"

static CK_FUNCTION_LIST_PTR f;
static const CK_BBOOL yes = CK_TRUE;
static const uint8_t oid_p256[] = { 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07 };
static const char msg[] = "single part, multi part";

int main(int argc, char **argv)
{
	CK_MECHANISM gen = { CKM_EC_KEY_PAIR_GEN, NULL, 0 };
	CK_MECHANISM sha = { CKM_SHA256, NULL, 0 };
	CK_MECHANISM sha_len = { CKM_SHA256, NULL, 8 };
	CK_MECHANISM ecdsa = { CKM_ECDSA, NULL, 0 };
	CK_MECHANISM ecdsa_len = { CKM_ECDSA, NULL, 4 };
	CK_MECHANISM ecdsa_sha = { CKM_ECDSA_SHA256, NULL, 0 };
	CK_ATTRIBUTE pt[] = {
		{ CKA_TOKEN, (void *)&yes, 1 }, { CKA_VERIFY, (void *)&yes, 1 },
		{ CKA_ID, "o1", 2 }, { CKA_EC_PARAMS, (void *)oid_p256, sizeof oid_p256 },
	};
	CK_ATTRIBUTE pr[] = {
		{ CKA_TOKEN, (void *)&yes, 1 }, { CKA_PRIVATE, (void *)&yes, 1 },
		{ CKA_SIGN, (void *)&yes, 1 }, { CKA_ID, "o1", 2 },
	};
	CK_BYTE_PTR data = (CK_BYTE_PTR)msg;
	CK_ULONG dlen = sizeof msg - 1, len;
	CK_OBJECT_HANDLE pub, priv;
	CK_SESSION_HANDLE s;
	CK_SLOT_ID slot = 0;
	uint8_t md[64], want[32], sig[128], hash[32];

	(void)argc;
	api_rig(argv, 1);
	f = api_module();
	memset(hash, 0x11, sizeof hash);
	is_rv(f->C_Initialize(NULL), CKR_OK, "C_Initialize");
	is_rv(api_slot_of(f, 0, &slot), CKR_OK, "token 0's slot");
	is_rv(api_prepare_token(f, slot, "t7205"), CKR_OK, "token initialised");
	is_rv(f->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s), CKR_OK,
	      "a session");
	is_rv(f->C_Login(s, CKU_USER, API_PIN(API_USER_PIN)), CKR_OK, "user login");
	is_rv(f->C_GenerateKeyPair(s, &gen, pt, 4, pr, 4, &pub, &priv), CKR_OK,
	      "an ECDSA P-256 key pair");

	/* 13: the legacy parallel functions */
	is_rv(f->C_GetFunctionStatus(s), CKR_FUNCTION_NOT_PARALLEL,
	      "C_GetFunctionStatus: CKR_FUNCTION_NOT_PARALLEL");
	is_rv(f->C_CancelFunction(s), CKR_FUNCTION_NOT_PARALLEL,
	      "C_CancelFunction: CKR_FUNCTION_NOT_PARALLEL");

	/* the digest in parts, to compare the one-shot ones with */
	is_rv(f->C_DigestInit(s, &sha), CKR_OK, "C_DigestInit");
	is_rv(f->C_DigestUpdate(s, data, 5), CKR_OK, "C_DigestUpdate");
	is_rv(f->C_DigestUpdate(s, data + 5, dlen - 5), CKR_OK, "C_DigestUpdate");
	len = sizeof want;
	is_rv(f->C_DigestFinal(s, want, &len), CKR_OK, "C_DigestFinal");

	/* 15: a one-shot size query, then the multi-part calls */
	is_rv(f->C_DigestInit(s, &sha), CKR_OK, "C_DigestInit");
	len = 0;
	is_rv(f->C_Digest(s, data, dlen, NULL, &len), CKR_OK, "C_Digest size query");
	is_ulong(len, 32, "... 32 bytes");
	len = sizeof md;
	is_rv(f->C_DigestFinal(s, md, &len), CKR_OPERATION_ACTIVE,
	      "C_DigestFinal after a C_Digest size query: CKR_OPERATION_ACTIVE");
	is_rv(f->C_DigestUpdate(s, data, dlen), CKR_OPERATION_NOT_INITIALIZED,
	      "... the error ended the operation");
	is_rv(f->C_DigestInit(s, &sha), CKR_OK, "C_DigestInit");
	len = 0;
	is_rv(f->C_Digest(s, data, dlen, NULL, &len), CKR_OK, "C_Digest size query");
	is_rv(f->C_DigestUpdate(s, data, dlen), CKR_OPERATION_ACTIVE,
	      "C_DigestUpdate after a C_Digest size query: CKR_OPERATION_ACTIVE");
	is_rv(f->C_DigestInit(s, &sha), CKR_OK, "C_DigestInit (the error ended the last one)");
	len = 0;
	is_rv(f->C_Digest(s, data, dlen, NULL, &len), CKR_OK, "C_Digest size query");
	len = sizeof md;
	is_rv(f->C_Digest(s, data, dlen, md, &len), CKR_OK, "... then C_Digest itself");
	ok(len == 32 && memcmp(md, want, 32) == 0, "... the digest the parts gave");

	is_rv(f->C_SignInit(s, &ecdsa_sha, priv), CKR_OK, "C_SignInit ECDSA-SHA256");
	len = 0;
	is_rv(f->C_Sign(s, data, dlen, NULL, &len), CKR_OK, "C_Sign size query");
	is_ulong(len, 64, "... 64 bytes");
	len = sizeof sig;
	is_rv(f->C_SignFinal(s, sig, &len), CKR_OPERATION_ACTIVE,
	      "C_SignFinal after a C_Sign size query: CKR_OPERATION_ACTIVE");
	len = sizeof sig;
	is_rv(f->C_Sign(s, data, dlen, sig, &len), CKR_OPERATION_NOT_INITIALIZED,
	      "... the error ended the operation");
	is_rv(f->C_SignInit(s, &ecdsa_sha, priv), CKR_OK, "C_SignInit ECDSA-SHA256");
	len = 0;
	is_rv(f->C_Sign(s, data, dlen, NULL, &len), CKR_OK, "C_Sign size query");
	is_rv(f->C_SignUpdate(s, data, dlen), CKR_OPERATION_ACTIVE,
	      "C_SignUpdate after a C_Sign size query: CKR_OPERATION_ACTIVE");
	is_rv(f->C_SignInit(s, &ecdsa_sha, priv), CKR_OK, "C_SignInit ECDSA-SHA256");
	len = 0;
	is_rv(f->C_Sign(s, data, dlen, NULL, &len), CKR_OK, "C_Sign size query");
	len = sizeof sig;
	is_rv(f->C_Sign(s, data, dlen, sig, &len), CKR_OK, "... then C_Sign itself");
	is_rv(f->C_VerifyInit(s, &ecdsa_sha, pub), CKR_OK, "C_VerifyInit");
	is_rv(f->C_Verify(s, data, dlen, sig, len), CKR_OK, "... the signature verifies");

	/* 16: single-part mechanisms */
	is_rv(f->C_SignInit(s, &ecdsa, priv), CKR_OK, "C_SignInit raw ECDSA");
	is_rv(f->C_SignUpdate(s, hash, sizeof hash), CKR_FUNCTION_NOT_SUPPORTED,
	      "C_SignUpdate with raw ECDSA (single-part only) is refused");
	len = sizeof sig;
	is_rv(f->C_Sign(s, hash, sizeof hash, sig, &len), CKR_OPERATION_NOT_INITIALIZED,
	      "... an error: it ended the operation");
	is_rv(f->C_SignInit(s, &ecdsa, priv), CKR_OK, "C_SignInit raw ECDSA");
	len = sizeof sig;
	is_rv(f->C_SignFinal(s, sig, &len), CKR_FUNCTION_NOT_SUPPORTED,
	      "C_SignFinal with raw ECDSA is refused too (no signature of nothing)");
	is_rv(f->C_SignInit(s, &ecdsa, priv), CKR_OK, "C_SignInit raw ECDSA");
	len = sizeof sig;
	is_rv(f->C_Sign(s, hash, sizeof hash, sig, &len), CKR_OK, "... C_Sign works");
	is_rv(f->C_VerifyInit(s, &ecdsa, pub), CKR_OK, "C_VerifyInit raw ECDSA");
	is_rv(f->C_VerifyUpdate(s, hash, sizeof hash), CKR_FUNCTION_NOT_SUPPORTED,
	      "C_VerifyUpdate with raw ECDSA is refused");
	is_rv(f->C_VerifyInit(s, &ecdsa, pub), CKR_OK, "C_VerifyInit raw ECDSA");
	is_rv(f->C_VerifyFinal(s, sig, len), CKR_FUNCTION_NOT_SUPPORTED,
	      "C_VerifyFinal with raw ECDSA is refused");
	is_rv(f->C_VerifyInit(s, &ecdsa, pub), CKR_OK, "C_VerifyInit raw ECDSA");
	is_rv(f->C_Verify(s, hash, sizeof hash, sig, len), CKR_OK, "... C_Verify verifies");
	is_rv(f->C_SignInit(s, &ecdsa_sha, priv), CKR_OK, "C_SignInit ECDSA-SHA256");
	is_rv(f->C_SignUpdate(s, data, dlen), CKR_OK, "C_SignUpdate with a hashing mechanism");
	len = sizeof sig;
	is_rv(f->C_SignFinal(s, sig, &len), CKR_OK, "... and C_SignFinal");

	/* 14: a bad argument found by the generated checks ends the operation too */
	is_rv(f->C_DigestInit(s, &sha), CKR_OK, "C_DigestInit");
	is_rv(f->C_Digest(s, data, dlen, md, NULL), CKR_ARGUMENTS_BAD,
	      "C_Digest with a NULL length pointer: CKR_ARGUMENTS_BAD");
	len = sizeof md;
	is_rv(f->C_Digest(s, data, dlen, md, &len), CKR_OPERATION_NOT_INITIALIZED,
	      "... and the digest ended");
	is_rv(f->C_DigestInit(s, &sha), CKR_OK, "C_DigestInit");
	is_rv(f->C_DigestUpdate(s, data, dlen), CKR_OK, "C_DigestUpdate");
	is_rv(f->C_DigestFinal(s, md, NULL), CKR_ARGUMENTS_BAD,
	      "C_DigestFinal with a NULL length pointer: CKR_ARGUMENTS_BAD");
	is_rv(f->C_DigestUpdate(s, data, dlen), CKR_OPERATION_NOT_INITIALIZED,
	      "... and the digest ended");
	is_rv(f->C_DigestInit(s, &sha), CKR_OK, "C_DigestInit");
	is_rv(f->C_DigestUpdate(s, NULL, 5), CKR_ARGUMENTS_BAD,
	      "C_DigestUpdate(NULL, 5): CKR_ARGUMENTS_BAD");
	is_rv(f->C_DigestUpdate(s, data, dlen), CKR_OPERATION_NOT_INITIALIZED,
	      "... and the digest ended");
	is_rv(f->C_SignInit(s, &ecdsa, priv), CKR_OK, "C_SignInit");
	is_rv(f->C_Sign(s, hash, sizeof hash, sig, NULL), CKR_ARGUMENTS_BAD,
	      "C_Sign with a NULL length pointer: CKR_ARGUMENTS_BAD");
	len = sizeof sig;
	is_rv(f->C_Sign(s, hash, sizeof hash, sig, &len), CKR_OPERATION_NOT_INITIALIZED,
	      "... and the signature ended");
	is_rv(f->C_VerifyInit(s, &ecdsa, pub), CKR_OK, "C_VerifyInit");
	is_rv(f->C_Verify(s, NULL, 32, sig, 64), CKR_ARGUMENTS_BAD,
	      "C_Verify(NULL, 32, ...): CKR_ARGUMENTS_BAD");
	is_rv(f->C_Verify(s, hash, sizeof hash, sig, 64), CKR_OPERATION_NOT_INITIALIZED,
	      "... and the verification ended");
	is_rv(f->C_DigestInit(s, &sha), CKR_OK, "C_DigestInit");
	is_rv(f->C_GetSessionInfo(s, NULL), CKR_ARGUMENTS_BAD,
	      "C_GetSessionInfo(NULL): CKR_ARGUMENTS_BAD");
	len = sizeof md;
	is_rv(f->C_Digest(s, data, dlen, md, &len), CKR_OK,
	      "... which continues no operation: the digest goes on");

	/* 17: no parameter means no parameter length either */
	is_rv(f->C_DigestInit(s, &sha_len), CKR_MECHANISM_PARAM_INVALID,
	      "C_DigestInit(SHA256, NULL, 8): CKR_MECHANISM_PARAM_INVALID");
	is_rv(f->C_SignInit(s, &ecdsa_len, priv), CKR_MECHANISM_PARAM_INVALID,
	      "C_SignInit(ECDSA, NULL, 4): CKR_MECHANISM_PARAM_INVALID");
	is_rv(f->C_DigestInit(s, &sha), CKR_OK, "C_DigestInit(SHA256, NULL, 0) is fine");
	len = sizeof md;
	is_rv(f->C_Digest(s, data, dlen, md, &len), CKR_OK, "... C_Digest");

	is_rv(f->C_CloseSession(s), CKR_OK, "C_CloseSession");
	is_rv(f->C_Finalize(NULL), CKR_OK, "C_Finalize");
	return done_testing();
}
