/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t5014 — verification with the signature given up front (PKCS #11 3.2, 5.15:
 * C_VerifySignatureInit, C_VerifySignature, C_VerifySignatureUpdate,
 * C_VerifySignatureFinal) through the 3.2 function list: a signature made by `openssl dgst
 * -sha256 -sign` (another process) with a key of `openssl genpkey`, whose public key is
 * given to the module by its modulus, verified one-shot and in parts; a changed message
 * is CKR_SIGNATURE_INVALID and ends the operation; a signature of the wrong length is
 * CKR_SIGNATURE_LEN_RANGE at Init; an HMAC (RFC 4231 test case 1) the same way; the rules:
 * the classic C_Verify* calls do not touch such an operation and its calls not a classic
 * one (CKR_OPERATION_NOT_INITIALIZED, the operation kept), one of either kind at a time
 * (CKR_OPERATION_ACTIVE), Init with no mechanism ends it, and its state cannot be saved.
 */
#include "api/token.h"
#include "api/bytes.h"

static CK_FUNCTION_LIST_3_2_PTR f;
static CK_SESSION_HANDLE s;
static char dir[] = "/tmp/t5014-XXXXXX";

static int sh(const char *cmd, char *out, size_t cap)
{
	FILE *p = popen(cmd, "r");
	size_t n = 0;

	if (p == NULL)
		return -1;
	if (out != NULL) {
		n = fread(out, 1, cap - 1, p);
		out[n] = '\0';
	}
	return pclose(p);
}

int main(int argc, char **argv)
{
	static const char data[] = "a message of t5014, signed by openssl";
	CK_C_GetInterface getitf;
	CK_INTERFACE_PTR itf = NULL;
	CK_VERSION v32 = { 3, 2 };
	CK_SLOT_ID slot = 0;
	CK_OBJECT_CLASS c_pub = CKO_PUBLIC_KEY, c_sec = CKO_SECRET_KEY;
	CK_KEY_TYPE k_rsa = CKK_RSA, k_gen = CKK_GENERIC_SECRET;
	CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	CK_MECHANISM m = { CKM_SHA256_RSA_PKCS, NULL, 0 }, hm = { CKM_SHA256_HMAC, NULL, 0 };
	uint8_t mod[512], sig[512], e[] = { 1, 0, 1 }, hkey[20], hmac[32], st[4096];
	char cmd[1024], out[2048], *p;
	CK_OBJECT_HANDLE pub = CK_INVALID_HANDLE, hk = CK_INVALID_HANDLE;
	CK_ULONG n;
	size_t nmod;
	long nsig;
	void *h;

	api_rig(argv, 1);
	h = module_open();
	getitf = (CK_C_GetInterface)module_sym(h, "C_GetInterface");
	if (!ok(getitf != NULL && getitf((CK_UTF8CHAR_PTR) "PKCS 11", &v32, &itf, 0) == CKR_OK &&
		itf != NULL, "the 3.2 interface") || mkdtemp(dir) == NULL)
		return done_testing();
	f = itf->pFunctionList;

	/* openssl, another process: a key, its modulus, a signature of data */
	snprintf(cmd, sizeof cmd,
		 "cd %s && openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out k.pem "
		 "2>/dev/null && printf '%%s' '%s' > data && openssl dgst -sha256 -sign k.pem "
		 "-out sig data && openssl rsa -in k.pem -noout -modulus", dir, data);
	ok(sh(cmd, out, sizeof out) == 0 && strncmp(out, "Modulus=", 8) == 0,
	   "openssl genpkey, dgst -sign, rsa -modulus");
	p = out + 8;
	p[strcspn(p, "\n")] = '\0';
	nmod = unhex(p, mod);
	nsig = api_get_file(dir, "sig", sig, sizeof sig);
	ok(nmod == 256 && nsig == 256, "a 2048-bit modulus and a 256-byte signature");

	is_rv(f->C_Initialize(NULL), CKR_OK, "C_Initialize");
	is_rv(api_slot_of((CK_FUNCTION_LIST_PTR)f, 0, &slot), CKR_OK, "the virtual token's slot");
	is_rv(f->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s), CKR_OK,
	      "C_OpenSession");
	{
		CK_ATTRIBUTE t[] = {
			{ CKA_CLASS, &c_pub, sizeof c_pub }, { CKA_KEY_TYPE, &k_rsa, sizeof k_rsa },
			{ CKA_VERIFY, &yes, 1 }, { CKA_MODULUS, mod, nmod },
			{ CKA_PUBLIC_EXPONENT, e, sizeof e },
		};
		is_rv(f->C_CreateObject(s, t, 5, &pub), CKR_OK, "openssl's public key as a session object");
	}

	/* one-shot */
	is_rv(f->C_VerifySignatureInit(s, &m, pub, sig, (CK_ULONG)nsig), CKR_OK,
	      "C_VerifySignatureInit(SHA256-RSA-PKCS, openssl's signature)");
	is_rv(f->C_VerifySignature(s, (CK_BYTE_PTR)data, sizeof data - 1), CKR_OK,
	      "C_VerifySignature: openssl's signature verifies");
	is_rv(f->C_VerifySignature(s, (CK_BYTE_PTR)data, sizeof data - 1),
	      CKR_OPERATION_NOT_INITIALIZED, "... and the operation has ended");
	/* in parts */
	is_rv(f->C_VerifySignatureInit(s, &m, pub, sig, (CK_ULONG)nsig), CKR_OK, "Init again");
	is_rv(f->C_VerifySignatureUpdate(s, (CK_BYTE_PTR)data, 10), CKR_OK, "Update (10 bytes)");
	is_rv(f->C_VerifySignatureUpdate(s, (CK_BYTE_PTR)data + 10, sizeof data - 11), CKR_OK,
	      "Update (the rest)");
	is_rv(f->C_VerifySignatureFinal(s), CKR_OK, "C_VerifySignatureFinal: it verifies");
	/* a changed message */
	is_rv(f->C_VerifySignatureInit(s, &m, pub, sig, (CK_ULONG)nsig), CKR_OK, "Init again");
	is_rv(f->C_VerifySignature(s, (CK_BYTE_PTR) "another message", 15), CKR_SIGNATURE_INVALID,
	      "another message: CKR_SIGNATURE_INVALID");
	is_rv(f->C_VerifySignatureFinal(s), CKR_OPERATION_NOT_INITIALIZED, "... which ended it");
	/* a signature of the wrong length */
	is_rv(f->C_VerifySignatureInit(s, &m, pub, sig, 255), CKR_SIGNATURE_LEN_RANGE,
	      "a 255-byte signature for a 2048-bit key: CKR_SIGNATURE_LEN_RANGE at Init");
	is_rv(f->C_VerifySignature(s, (CK_BYTE_PTR)data, sizeof data - 1),
	      CKR_OPERATION_NOT_INITIALIZED, "... and no operation");

	/* the two forms apart */
	is_rv(f->C_VerifySignatureInit(s, &m, pub, sig, (CK_ULONG)nsig), CKR_OK, "Init again");
	is_rv(f->C_Verify(s, (CK_BYTE_PTR)data, sizeof data - 1, sig, (CK_ULONG)nsig),
	      CKR_OPERATION_NOT_INITIALIZED, "C_Verify on it: CKR_OPERATION_NOT_INITIALIZED");
	is_rv(f->C_VerifyFinal(s, sig, (CK_ULONG)nsig), CKR_OPERATION_NOT_INITIALIZED,
	      "C_VerifyFinal on it: the same");
	is_rv(f->C_VerifyInit(s, &m, pub), CKR_OPERATION_ACTIVE,
	      "C_VerifyInit meanwhile: CKR_OPERATION_ACTIVE");
	n = sizeof st;
	is_rv(f->C_GetOperationState(s, st, &n), CKR_STATE_UNSAVEABLE,
	      "C_GetOperationState: CKR_STATE_UNSAVEABLE");
	is_rv(f->C_VerifySignature(s, (CK_BYTE_PTR)data, sizeof data - 1), CKR_OK,
	      "... and the operation is still there: it verifies");
	is_rv(f->C_VerifyInit(s, &m, pub), CKR_OK, "a classic C_VerifyInit");
	is_rv(f->C_VerifySignature(s, (CK_BYTE_PTR)data, sizeof data - 1),
	      CKR_OPERATION_NOT_INITIALIZED, "C_VerifySignature on it: CKR_OPERATION_NOT_INITIALIZED");
	is_rv(f->C_VerifySignatureInit(s, &m, pub, sig, (CK_ULONG)nsig), CKR_OPERATION_ACTIVE,
	      "C_VerifySignatureInit meanwhile: CKR_OPERATION_ACTIVE");
	is_rv(f->C_Verify(s, (CK_BYTE_PTR)data, sizeof data - 1, sig, (CK_ULONG)nsig), CKR_OK,
	      "the classic one verifies");
	is_rv(f->C_VerifySignatureInit(s, &m, pub, sig, (CK_ULONG)nsig), CKR_OK, "Init again");
	is_rv(f->C_VerifySignatureInit(s, NULL, CK_INVALID_HANDLE, NULL, 0), CKR_OK,
	      "Init with no mechanism ends it");
	is_rv(f->C_VerifySignature(s, (CK_BYTE_PTR)data, sizeof data - 1),
	      CKR_OPERATION_NOT_INITIALIZED, "... it has ended");

	/* an HMAC: RFC 4231 test case 1 (key 0x0b x 20, "Hi There") */
	memset(hkey, 0x0b, sizeof hkey);
	unhex("b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7", hmac);
	{
		CK_ATTRIBUTE t[] = {
			{ CKA_CLASS, &c_sec, sizeof c_sec }, { CKA_KEY_TYPE, &k_gen, sizeof k_gen },
			{ CKA_VERIFY, &yes, 1 }, { CKA_VALUE, hkey, sizeof hkey },
			{ CKA_PRIVATE, &no, 1 },
		};
		is_rv(f->C_CreateObject(s, t, 5, &hk), CKR_OK, "the RFC 4231 key (public)");
	}
	is_rv(f->C_VerifySignatureInit(s, &hm, hk, hmac, sizeof hmac), CKR_OK,
	      "C_VerifySignatureInit(SHA256-HMAC, RFC 4231 1's MAC)");
	is_rv(f->C_VerifySignature(s, (CK_BYTE_PTR) "Hi There", 8), CKR_OK,
	      "RFC 4231 test case 1 verifies");
	hmac[31] ^= 1;
	is_rv(f->C_VerifySignatureInit(s, &hm, hk, hmac, sizeof hmac), CKR_OK, "a changed MAC");
	is_rv(f->C_VerifySignatureUpdate(s, (CK_BYTE_PTR) "Hi ", 3), CKR_OK, "Update");
	is_rv(f->C_VerifySignatureUpdate(s, (CK_BYTE_PTR) "There", 5), CKR_OK, "Update");
	is_rv(f->C_VerifySignatureFinal(s), CKR_SIGNATURE_INVALID, "... CKR_SIGNATURE_INVALID");

	/* a dual function does not feed it: its data goes through C_VerifySignatureUpdate */
	{
		CK_KEY_TYPE k_aes = CKK_AES;
		uint8_t aes[16] = { 0 }, ct[16] = { 0 }, pt[16];
		CK_MECHANISM ecb = { CKM_AES_ECB, NULL, 0 };
		CK_OBJECT_HANDLE ak = CK_INVALID_HANDLE;
		CK_ATTRIBUTE t[] = {
			{ CKA_CLASS, &c_sec, sizeof c_sec }, { CKA_KEY_TYPE, &k_aes, sizeof k_aes },
			{ CKA_DECRYPT, &yes, 1 }, { CKA_VALUE, aes, sizeof aes },
			{ CKA_PRIVATE, &no, 1 },
		};
		is_rv(f->C_CreateObject(s, t, 5, &ak), CKR_OK, "an AES key");
		is_rv(f->C_DecryptInit(s, &ecb, ak), CKR_OK, "C_DecryptInit(AES-ECB)");
		is_rv(f->C_VerifySignatureInit(s, &hm, hk, hmac, sizeof hmac), CKR_OK,
		      "C_VerifySignatureInit(SHA256-HMAC)");
		n = sizeof pt;
		is_rv(f->C_DecryptVerifyUpdate(s, ct, sizeof ct, pt, &n), CKR_FUNCTION_FAILED,
		      "C_DecryptVerifyUpdate with it: CKR_FUNCTION_FAILED");
		is_rv(f->C_VerifySignatureFinal(s), CKR_OPERATION_NOT_INITIALIZED,
		      "... an error, which ended both");
	}

	is_rv(f->C_CloseSession(s), CKR_OK, "C_CloseSession");
	is_rv(f->C_VerifySignature(s, (CK_BYTE_PTR)data, 1), CKR_SESSION_HANDLE_INVALID,
	      "a closed session: CKR_SESSION_HANDLE_INVALID");
	is_rv(f->C_Finalize(NULL), CKR_OK, "C_Finalize");
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	sh(cmd, NULL, 0);
	return done_testing();
}
