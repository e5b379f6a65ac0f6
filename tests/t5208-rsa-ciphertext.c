/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t5208 — an RSA ciphertext that is not an integer below the modulus (RFC 8017 5.1.2
 * step 1: "ciphertext representative out of range") is refused on the host with
 * CKR_ENCRYPTED_DATA_INVALID before the token sees it: C_Decrypt and
 * C_DecryptUpdate/C_DecryptFinal with CKM_RSA_PKCS, CKM_RSA_PKCS_OAEP and CKM_RSA_X_509,
 * the ciphertext equal to the modulus and above it, no APDU sent, and the operation ended
 * as by any error. The largest valid ciphertext (the modulus minus one) still reaches the
 * token, and raw RSA decrypts it to what raw RSA encryption of the answer gives back.
 */
#include "api/api.h"

int main(int argc, char **argv)
{
	static CK_BBOOL yes = CK_TRUE;
	static CK_ULONG bits = 1024;
	static CK_BYTE e65537[] = { 1, 0, 1 };
	CK_MECHANISM gen = { CKM_RSA_PKCS_KEY_PAIR_GEN, NULL, 0 };
	CK_ATTRIBUTE pt[] = { { CKA_TOKEN, &yes, 1 }, { CKA_MODULUS_BITS, &bits, sizeof bits },
			      { CKA_PUBLIC_EXPONENT, e65537, 3 }, { CKA_ID, "\x08", 1 },
			      { CKA_ENCRYPT, &yes, 1 } };
	CK_ATTRIBUTE vt[] = { { CKA_TOKEN, &yes, 1 }, { CKA_PRIVATE, &yes, 1 },
			      { CKA_DECRYPT, &yes, 1 } };
	CK_RSA_PKCS_OAEP_PARAMS oaep = { CKM_SHA_1, CKG_MGF1_SHA1, 0, NULL, 0 };
	struct { const char *name; CK_MECHANISM m; } cs[] = {
		{ "CKM_RSA_PKCS", { CKM_RSA_PKCS, NULL, 0 } },
		{ "CKM_RSA_PKCS_OAEP", { CKM_RSA_PKCS_OAEP, &oaep, sizeof oaep } },
		{ "CKM_RSA_X_509", { CKM_RSA_X_509, NULL, 0 } },
	};
	CK_MECHANISM x509 = { CKM_RSA_X_509, NULL, 0 };
	CK_BYTE n[256], bad[2][256], ct[256], out[256], back[256];
	CK_ATTRIBUTE na = { CKA_MODULUS, n, sizeof n };
	CK_FUNCTION_LIST_PTR f;
	CK_SLOT_ID slot = 0;
	CK_SESSION_HANDLE s = 0;
	CK_OBJECT_HANDLE pub = 0, priv = 0;
	CK_ULONG k, ol, bl;
	size_t i, j;
	long mark;

	api_rig(argv, 1);
	f = api_module();

	is_rv(f->C_Initialize(NULL), CKR_OK, "C_Initialize");
	is_rv(api_slot_of(f, 0, &slot), CKR_OK, "the token's slot");
	is_rv(api_prepare_token(f, slot, "t5208"), CKR_OK, "C_InitToken and C_InitPIN");
	is_rv(f->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s),
	      CKR_OK, "a session");
	is_rv(f->C_Login(s, CKU_USER, API_PIN(API_USER_PIN)), CKR_OK, "user login");
	is_rv(f->C_GenerateKeyPair(s, &gen, pt, 5, vt, 3, &pub, &priv), CKR_OK,
	      "an RSA-1024 key pair on the token");
	is_rv(f->C_GetAttributeValue(s, pub, &na, 1), CKR_OK, "its modulus");
	k = na.ulValueLen;
	is_ulong(k, 128, "128 bytes");
	memcpy(bad[0], n, k);           /* the modulus itself */
	memset(bad[1], 0xff, k);        /* above it */

	for (i = 0; i < sizeof cs / sizeof cs[0]; i++) {
		for (j = 0; j < 2; j++) {
			const char *what = j == 0 ? "the modulus" : "above the modulus";

			is_rv(f->C_DecryptInit(s, &cs[i].m, priv), CKR_OK, "%s: C_DecryptInit",
			      cs[i].name);
			mark = api_apdus(0);
			ol = sizeof out;
			is_rv(f->C_Decrypt(s, bad[j], k, out, &ol), CKR_ENCRYPTED_DATA_INVALID,
			      "%s: C_Decrypt of %s is CKR_ENCRYPTED_DATA_INVALID", cs[i].name,
			      what);
			is_ulong((unsigned long)api_apdus(0), (unsigned long)mark,
				 "%s: ... and no APDU was sent", cs[i].name);
			ol = sizeof out;
			is_rv(f->C_Decrypt(s, bad[j], k, out, &ol),
			      CKR_OPERATION_NOT_INITIALIZED, "%s: the error ended the operation",
			      cs[i].name);

			/* in parts, and as a size query */
			f->C_DecryptInit(s, &cs[i].m, priv);
			mark = api_apdus(0);
			ol = sizeof out;
			is_rv(f->C_DecryptUpdate(s, bad[j], 64, out, &ol), CKR_OK,
			      "%s: C_DecryptUpdate takes a part", cs[i].name);
			ol = sizeof out;
			is_rv(f->C_DecryptUpdate(s, bad[j] + 64, k - 64, out, &ol), CKR_OK,
			      "%s: ... and the rest", cs[i].name);
			ol = sizeof out;
			is_rv(f->C_DecryptFinal(s, out, &ol), CKR_ENCRYPTED_DATA_INVALID,
			      "%s: C_DecryptFinal of %s is CKR_ENCRYPTED_DATA_INVALID",
			      cs[i].name, what);
			f->C_DecryptInit(s, &cs[i].m, priv);
			ol = 0;
			is_rv(f->C_Decrypt(s, bad[j], k, NULL, &ol), CKR_ENCRYPTED_DATA_INVALID,
			      "%s: so is a size query", cs[i].name);
			is_ulong((unsigned long)api_apdus(0), (unsigned long)mark,
				 "%s: no APDU for any of them", cs[i].name);
		}
	}

	/* the largest ciphertext below the modulus is the token's to decrypt */
	memcpy(ct, n, k);
	for (j = k; j-- > 0;)
		if (ct[j]-- != 0)
			break;
	is_rv(f->C_DecryptInit(s, &x509, priv), CKR_OK, "raw RSA: C_DecryptInit");
	mark = api_apdus(0);
	ol = sizeof out;
	is_rv(f->C_Decrypt(s, ct, k, out, &ol), CKR_OK, "raw RSA: the modulus minus one "
	      "decrypts");
	ok(api_apdus(0) > mark, "raw RSA: on the token");
	is_rv(f->C_EncryptInit(s, &x509, pub), CKR_OK, "raw RSA: C_EncryptInit");
	bl = sizeof back;
	is_rv(f->C_Encrypt(s, out, ol, back, &bl), CKR_OK, "raw RSA: C_Encrypt of the answer");
	ok(bl == k && memcmp(back, ct, k) == 0, "raw RSA: gives the ciphertext back");

	is_rv(f->C_Finalize(NULL), CKR_OK, "C_Finalize");
	return done_testing();
}
