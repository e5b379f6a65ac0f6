/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t5804 — message-based encryption and decryption with the other AEAD mechanisms:
 * CKM_AES_CCM with CK_CCM_MESSAGE_PARAMS (the examples of NIST SP 800-38C appendix C,
 * C.1 and C.2) and CKM_KUZNYECHIK_MGM / CKM_MAGMA_MGM with CK_GCM_MESSAGE_PARAMS (RFC 9058
 * appendix A.1 and A.2), one-shot (C_EncryptMessage) and in parts (Begin / Next with
 * CKF_END_OF_MESSAGE), the tag or MAC through the parameter, decryption back, a wrong tag
 * CKR_AEAD_DECRYPT_FAILED without plaintext; counter nonces for CCM; MGM nonce generation
 * only with the nonce's first bit fixed (RFC 9058 3.1: it is 0); the mechanisms' message
 * flags.
 */
#include "api/api.h"
#include "api/bytes.h"

static CK_FUNCTION_LIST_3_0_PTR f;
static CK_SESSION_HANDLE s;
static CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
static CK_OBJECT_CLASS c_secret = CKO_SECRET_KEY;

#define ATTR(t, v) { (t), &(v), sizeof(v) }

static CK_OBJECT_HANDLE key_of(CK_KEY_TYPE kt, const char *hexval)
{
	uint8_t v[64];
	size_t n = unhex(hexval, v);
	CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
	CK_ATTRIBUTE t[] = {
		ATTR(CKA_CLASS, c_secret), ATTR(CKA_KEY_TYPE, kt), { CKA_VALUE, v, n },
		ATTR(CKA_ENCRYPT, yes), ATTR(CKA_DECRYPT, yes), ATTR(CKA_PRIVATE, no),
	};

	if (f->C_CreateObject(s, t, 6, &h) != CKR_OK)
		return CK_INVALID_HANDLE;
	return h;
}

static CK_FUNCTION_LIST_3_0_PTR module_30(void)
{
	void *h = module_open();
	CK_C_GetInterface get = (CK_C_GetInterface)module_sym(h, "C_GetInterface");
	CK_VERSION v = { 3, 0 };
	CK_INTERFACE_PTR itf = NULL;

	if (get((CK_UTF8CHAR_PTR) "PKCS 11", &v, &itf, 0) != CKR_OK || itf == NULL) {
		printf("Bail out! no 3.0 interface\n");
		exit(255);
	}
	return itf->pFunctionList;
}

/* One message both ways with mechanism type mt and the parameter param (its tag or MAC
 * buffer tag, tag_len bytes): ciphertext ct || tag as expected; then in parts; then a
 * wrong tag. */
static void kat(const char *what, CK_MECHANISM_TYPE mt, CK_OBJECT_HANDLE k, void *param,
		CK_ULONG plen, uint8_t *tag, size_t tag_len, const char *aad_hex,
		const char *pt_hex, const char *want_hex)
{
	CK_MECHANISM m = { mt, NULL, 0 };
	uint8_t aad[256], pt[256], want[300], out[300];
	size_t na = unhex(aad_hex, aad), np = unhex(pt_hex, pt), nw = unhex(want_hex, want);
	CK_ULONG n, a, b;

	is_rv(f->C_MessageEncryptInit(s, &m, k), CKR_OK, "%s: C_MessageEncryptInit", what);
	n = sizeof out;
	memset(tag, 0, tag_len);
	is_rv(f->C_EncryptMessage(s, param, plen, aad, na, pt, np, out, &n), CKR_OK,
	      "%s: C_EncryptMessage", what);
	ok(n == np && nw == np + tag_len && memcmp(out, want, np) == 0 &&
	   memcmp(tag, want + np, tag_len) == 0, "%s: the ciphertext and the tag", what);
	/* in parts: 1 byte, then the rest with CKF_END_OF_MESSAGE */
	memset(tag, 0, tag_len);
	is_rv(f->C_EncryptMessageBegin(s, param, plen, aad, na), CKR_OK,
	      "%s: C_EncryptMessageBegin", what);
	a = sizeof out;
	is_rv(f->C_EncryptMessageNext(s, param, plen, pt, 1, out, &a, 0), CKR_OK,
	      "%s: C_EncryptMessageNext (1 byte)", what);
	b = sizeof out - a;
	is_rv(f->C_EncryptMessageNext(s, param, plen, pt + 1, np - 1, out + a, &b,
				      CKF_END_OF_MESSAGE), CKR_OK,
	      "%s: C_EncryptMessageNext (the rest, end of message)", what);
	ok(a + b == np && memcmp(out, want, np) == 0 && memcmp(tag, want + np, tag_len) == 0,
	   "%s: in parts the same ciphertext and tag", what);
	is_rv(f->C_MessageEncryptFinal(s), CKR_OK, "%s: C_MessageEncryptFinal", what);

	is_rv(f->C_MessageDecryptInit(s, &m, k), CKR_OK, "%s: C_MessageDecryptInit", what);
	memcpy(tag, want + np, tag_len);
	n = sizeof out;
	is_rv(f->C_DecryptMessage(s, param, plen, aad, na, want, np, out, &n), CKR_OK,
	      "%s: C_DecryptMessage", what);
	ok(n == np && memcmp(out, pt, np) == 0, "%s: the plaintext back", what);
	tag[0] ^= 1;
	n = sizeof out;
	memset(out, 0, sizeof out);
	is_rv(f->C_DecryptMessage(s, param, plen, aad, na, want, np, out, &n),
	      CKR_AEAD_DECRYPT_FAILED, "%s: a wrong tag: CKR_AEAD_DECRYPT_FAILED", what);
	ok(memcmp(out, pt, np) != 0, "%s: ... and no plaintext", what);
	is_rv(f->C_MessageDecryptFinal(s), CKR_OK, "%s: C_MessageDecryptFinal", what);
}

static void flags_of(CK_SLOT_ID slot, CK_MECHANISM_TYPE mt, const char *what)
{
	CK_MECHANISM_INFO mi;
	CK_FLAGS want = CKF_MESSAGE_ENCRYPT | CKF_MESSAGE_DECRYPT | CKF_MULTI_MESSAGE;

	is_rv(f->C_GetMechanismInfo(slot, mt, &mi), CKR_OK, "%s: C_GetMechanismInfo", what);
	ok((mi.flags & want) == want, "%s: CKF_MESSAGE_ENCRYPT, _DECRYPT, CKF_MULTI_MESSAGE",
	   what);
}

int main(int argc, char **argv)
{
	CK_SLOT_ID slot = 0;
	CK_OBJECT_HANDLE kccm, kkz, kmg;
	uint8_t nonce[16], mac[16], out[64];
	CK_CCM_MESSAGE_PARAMS cp;
	CK_GCM_MESSAGE_PARAMS gp;
	CK_MECHANISM m = { CKM_AES_CCM, NULL, 0 };
	CK_ULONG n;
	int i, counting;

	api_rig(argv, 1);
	f = module_30();
	is_rv(f->C_Initialize(NULL), CKR_OK, "C_Initialize");
	is_rv(api_slot_of((CK_FUNCTION_LIST_PTR)f, 0, &slot), CKR_OK, "the virtual token's slot");
	is_rv(f->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s), CKR_OK,
	      "C_OpenSession");
	flags_of(slot, CKM_AES_CCM, "CKM_AES_CCM");
	flags_of(slot, CKM_KUZNYECHIK_MGM, "CKM_KUZNYECHIK_MGM");
	flags_of(slot, CKM_MAGMA_MGM, "CKM_MAGMA_MGM");

	/* NIST SP 800-38C C.1 and C.2: K = 40..4f, N = 10.., A = 00.., P = 20.. */
	kccm = key_of(CKK_AES, "404142434445464748494a4b4c4d4e4f");
	ok(kccm != CK_INVALID_HANDLE, "an AES-128 key");
	unhex("10111213141516", nonce);
	cp = (CK_CCM_MESSAGE_PARAMS){ 4, nonce, 7, 0, CKG_NO_GENERATE, mac, 4 };
	kat("SP 800-38C C.1", CKM_AES_CCM, kccm, &cp, sizeof cp, mac, 4, "0001020304050607",
	    "20212223", "7162015b4dac255d");
	unhex("1011121314151617", nonce);
	cp = (CK_CCM_MESSAGE_PARAMS){ 16, nonce, 8, 0, CKG_NO_GENERATE, mac, 6 };
	kat("SP 800-38C C.2", CKM_AES_CCM, kccm, &cp, sizeof cp, mac, 6,
	    "000102030405060708090a0b0c0d0e0f", "202122232425262728292a2b2c2d2e2f",
	    "d2a1f0e051ea5f62081a7792073d593d1fc64fbfaccd");

	/* CCM counter nonces: the fixed first 32 bits kept, then 0, 1, 2 */
	is_rv(f->C_MessageEncryptInit(s, &m, kccm), CKR_OK, "CCM: C_MessageEncryptInit");
	counting = 1;
	for (i = 0; i < 3; i++) {
		memset(nonce, 0, sizeof nonce);
		memcpy(nonce, "\xca\xfe\xf0\x0d", 4);
		cp = (CK_CCM_MESSAGE_PARAMS){ 4, nonce, 12, 32, CKG_GENERATE_COUNTER, mac, 8 };
		n = sizeof out;
		if (f->C_EncryptMessage(s, &cp, sizeof cp, NULL, 0, (CK_BYTE_PTR) "abcd", 4, out,
					&n) != CKR_OK ||
		    memcmp(nonce, "\xca\xfe\xf0\x0d", 4) != 0 || nonce[11] != i)
			counting = 0;
	}
	ok(counting, "CCM: CKG_GENERATE_COUNTER gives the fixed part, then 0, 1, 2");
	is_rv(f->C_MessageEncryptFinal(s), CKR_OK, "CCM: C_MessageEncryptFinal");

	/* RFC 9058 A.1 (Kuznyechik) and A.2 (Magma) */
	kkz = key_of(CKK_KUZNECHIK,
		     "8899aabbccddeeff0011223344556677fedcba98765432100123456789abcdef");
	ok(kkz != CK_INVALID_HANDLE, "a Kuznyechik key (RFC 9058 A.1)");
	unhex("1122334455667700ffeeddccbbaa9988", nonce);
	gp = (CK_GCM_MESSAGE_PARAMS){ nonce, 16, 0, CKG_NO_GENERATE, mac, 128 };
	kat("RFC 9058 A.1 Kuznyechik MGM", CKM_KUZNYECHIK_MGM, kkz, &gp, sizeof gp, mac, 16,
	    "0202020202020202010101010101010104040404040404040303030303030303"
	    "ea0505050505050505",
	    "1122334455667700ffeeddccbbaa998800112233445566778899aabbcceeff0a"
	    "112233445566778899aabbcceeff0a002233445566778899aabbcceeff0a0011aabbcc",
	    "a9757b8147956e9055b8a33de89f42fc8075d2212bf9fd5bd3f7069aadc16b39"
	    "497ab15915a6ba85936b5d0ea9f6851cc60c14d4d3f883d0ab94420695c76deb"
	    "2c7552cf5d656f40c34f5c46e8bb0e29fcdb4c");
	kmg = key_of(CKK_MAGMA, "ffeeddccbbaa99887766554433221100f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff");
	ok(kmg != CK_INVALID_HANDLE, "a Magma key (RFC 9058 A.2)");
	unhex("12def06b3c130a59", nonce);
	gp = (CK_GCM_MESSAGE_PARAMS){ nonce, 8, 0, CKG_NO_GENERATE, mac, 64 };
	kat("RFC 9058 A.2 Magma MGM", CKM_MAGMA_MGM, kmg, &gp, sizeof gp, mac, 8,
	    "0101010101010101020202020202020203030303030303030404040404040404"
	    "0505050505050505ea",
	    "ffeeddccbbaa998811223344556677008899aabbcceeff0a0011223344556677"
	    "99aabbcceeff0a001122334455667788aabbcceeff0a00112233445566778899aabbcc",
	    "c795066c5f9ea03b85113342459185ae1f2e00d6bf2b785d940470b8bb9c8e7d"
	    "9a5dd3731f7ddc70ec27cb0ace6fa57670f65c646abb75d547aa37c3bcb5c34e"
	    "03bb9ca7928069aa10fd10");

	/* MGM nonce generation: refused unless the first bit is fixed (and 0) */
	m.mechanism = CKM_KUZNYECHIK_MGM;
	is_rv(f->C_MessageEncryptInit(s, &m, kkz), CKR_OK, "MGM: C_MessageEncryptInit");
	memset(nonce, 0, sizeof nonce);
	gp = (CK_GCM_MESSAGE_PARAMS){ nonce, 16, 0, CKG_GENERATE_RANDOM, mac, 128 };
	n = sizeof out;
	is_rv(f->C_EncryptMessage(s, &gp, sizeof gp, NULL, 0, (CK_BYTE_PTR) "abcd", 4, out, &n),
	      CKR_MECHANISM_PARAM_INVALID, "MGM: a random nonce with no fixed bit: refused");
	counting = 1;
	for (i = 0; i < 8; i++) {
		memset(nonce, 0, sizeof nonce);
		gp = (CK_GCM_MESSAGE_PARAMS){ nonce, 16, 8, CKG_GENERATE_RANDOM, mac, 128 };
		n = sizeof out;
		if (f->C_EncryptMessage(s, &gp, sizeof gp, NULL, 0, (CK_BYTE_PTR) "abcd", 4, out,
					&n) != CKR_OK || nonce[0] != 0)
			counting = 0;
	}
	ok(counting, "MGM: random nonces with the first byte fixed at 0 work and keep it");
	nonce[0] = 0x80;
	gp = (CK_GCM_MESSAGE_PARAMS){ nonce, 16, 8, CKG_GENERATE_COUNTER, mac, 128 };
	n = sizeof out;
	is_rv(f->C_EncryptMessage(s, &gp, sizeof gp, NULL, 0, (CK_BYTE_PTR) "abcd", 4, out, &n),
	      CKR_MECHANISM_PARAM_INVALID, "MGM: a fixed first bit of 1: refused");
	is_rv(f->C_MessageEncryptFinal(s), CKR_OK, "MGM: C_MessageEncryptFinal");

	is_rv(f->C_CloseSession(s), CKR_OK, "C_CloseSession");
	is_rv(f->C_Finalize(NULL), CKR_OK, "C_Finalize");
	return done_testing();
}
