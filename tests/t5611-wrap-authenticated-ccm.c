/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t5611 — C_WrapKeyAuthenticated and C_UnwrapKeyAuthenticated (PKCS #11 3.2, 5.18) with
 * CKM_AES_CCM and CK_CCM_MESSAGE_PARAMS (6.13.5): the ciphertext in pWrappedKey, the MAC
 * in pMAC, ulDataLen the module's (the key's length; a value given is ignored).
 *
 * Known answers: NIST SP 800-38C appendix C, Examples 1 and 2 (their payloads as generic
 * secret keys, the nonce given: CKG_NO_GENERATE). Cross-checks in another process:
 * AES-CCM of python3-cryptography decrypts what the module wraps with a nonce it draws
 * (CKG_GENERATE, CKG_GENERATE_RANDOM with fixed leading bits) and encrypts keys the module
 * unwraps. Bad paths: MAC and nonce lengths CCM does not have, too few free nonce bits to
 * draw (CKR_MECHANISM_PARAM_INVALID), a wrong AAD or MAC (CKR_WRAPPED_KEY_INVALID), the
 * GCM parameter given to CCM.
 */
#include "api/api.h"
#include "api/bytes.h"
#include "api/keys.h"

static CK_FUNCTION_LIST_3_2_PTR f;
static CK_FUNCTION_LIST_PTR fl;         /* the same list, as its 2.40 part */
static CK_SESSION_HANDLE s;
static CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
static CK_KEY_TYPE k_aes = CKK_AES, k_gen = CKK_GENERIC_SECRET;

#define AAD (CK_BYTE_PTR)"associated", 10

static CK_MECHANISM ccm(CK_CCM_MESSAGE_PARAMS *p, CK_ULONG data_len, uint8_t *nonce,
			size_t nn, CK_ULONG fixed, CK_GENERATOR_FUNCTION gen, uint8_t *mac,
			CK_ULONG mac_len)
{
	CK_MECHANISM m = { CKM_AES_CCM, p, sizeof *p };

	*p = (CK_CCM_MESSAGE_PARAMS){ data_len, nonce, nn, fixed, gen, mac, mac_len };
	return m;
}

/* SP 800-38C appendix C: K, N, A, P and C = ciphertext || MAC of Tlen bytes. */
static void kat(const char *what, const char *n_hex, const char *a_hex, const char *p_hex,
		const char *c_hex, size_t tlen)
{
	uint8_t kek[16], nonce[13], a[32], p[32], c[48], mac[16], out[48], val[48];
	size_t nn = unhex(n_hex, nonce), na = unhex(a_hex, a), np = unhex(p_hex, p);
	CK_CCM_MESSAGE_PARAMS cp;
	CK_MECHANISM m;
	CK_OBJECT_HANDLE hk, hv;
	CK_ULONG n = sizeof out, vn = sizeof val;

	unhex("404142434445464748494a4b4c4d4e4f", kek);
	unhex(c_hex, c);
	hk = api_secret_key(fl, s, CKK_AES, kek, 16, yes, no);
	hv = api_secret_key(fl, s, CKK_GENERIC_SECRET, p, np, no, yes);
	ok(hk != CK_INVALID_HANDLE && hv != CK_INVALID_HANDLE, "%s: the keys", what);
	m = ccm(&cp, 0, nonce, nn, 0, CKG_NO_GENERATE, mac, tlen);
	ok(api_awrap(f, s, &m, hk, hv, a, na, out, &n) == CKR_OK && n == np &&
	   memcmp(out, c, np) == 0 && memcmp(mac, c + np, tlen) == 0,
	   "%s: the ciphertext in pWrappedKey, the MAC in pMAC", what);
	cp.ulDataLen = 999;     /* ignored: the module sets it */
	ok(api_aunwrap(f, s, &m, hk, k_gen, c, np, a, na, val, &vn, NULL) == CKR_OK && vn == np &&
	   memcmp(val, p, np) == 0, "%s: C_UnwrapKeyAuthenticated gives the key back", what);
	f->C_DestroyObject(s, hv);
	f->C_DestroyObject(s, hk);
}

static void cross_check(void)
{
	static const struct { size_t kek, key, nonce, mac; CK_ULONG fixed; } cases[] = {
		{ 16, 16, 13, 16, 0 }, { 24, 32, 12, 8, 32 }, { 32, 24, 8, 4, 0 },
		{ 32, 40, 13, 10, 40 },
	};
	uint8_t kek[32], key[48], w[48], o[96], val[48], nonce[13], mac[16], ct[64];
	size_t i, on;
	int good_w = 0, good_u = 0, good_fix = 1;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		CK_OBJECT_HANDLE hk, hv;
		CK_ULONG n = sizeof w, vn = sizeof val;
		CK_CCM_MESSAGE_PARAMS cp;
		CK_MECHANISM m = ccm(&cp, 0, nonce, cases[i].nonce, cases[i].fixed,
				     i % 2 ? CKG_GENERATE_RANDOM : CKG_GENERATE, mac, cases[i].mac);

		if (f->C_GenerateRandom(s, kek, cases[i].kek) != CKR_OK ||
		    f->C_GenerateRandom(s, key, cases[i].key) != CKR_OK)
			continue;
		memset(nonce, 0x5A, sizeof nonce);
		hk = api_secret_key(fl, s, CKK_AES, kek, cases[i].kek, yes, no);
		hv = api_secret_key(fl, s, cases[i].key == 40 ? CKK_GENERIC_SECRET : CKK_AES, key,
				    cases[i].key, no, yes);
		if (api_awrap(f, s, &m, hk, hv, AAD, w, &n) == CKR_OK && n == cases[i].key) {
			memcpy(ct, w, n);
			memcpy(ct + n, mac, cases[i].mac);
			if (api_py_aead("AESCCM", cases[i].mac, 1, kek, cases[i].kek, nonce,
					cases[i].nonce, AAD, ct, n + cases[i].mac, o, sizeof o,
					&on) == 0 && on == n && memcmp(o, key, n) == 0)
				good_w++;
			else
				diag("python: case %zu", i);
			if (cases[i].fixed != 0 &&
			    memcmp(nonce, "\x5A\x5A\x5A\x5A\x5A", cases[i].fixed / 8) != 0)
				good_fix = 0;
			if (memcmp(nonce + cases[i].fixed / 8, "\x5A\x5A\x5A\x5A\x5A\x5A\x5A\x5A",
				   8) == 0)
				good_fix = 0;
		} else {
			diag("wrap: case %zu", i);
		}
		if (f->C_GenerateRandom(s, nonce, cases[i].nonce) == CKR_OK &&
		    api_py_aead("AESCCM", cases[i].mac, 0, kek, cases[i].kek, nonce, cases[i].nonce,
				AAD, key, cases[i].key, o, sizeof o, &on) == 0 &&
		    on == cases[i].key + cases[i].mac) {
			memcpy(mac, o + cases[i].key, cases[i].mac);
			if (api_aunwrap(f, s, &m, hk, cases[i].key == 40 ? k_gen : k_aes, o, cases[i].key,
				    AAD, val, &vn, NULL) == CKR_OK && vn == cases[i].key &&
			    memcmp(val, key, vn) == 0)
				good_u++;
			else
				diag("unwrap: case %zu", i);
		}
		f->C_DestroyObject(s, hk);
		f->C_DestroyObject(s, hv);
	}
	is_ulong(good_w, 4, "python3-cryptography's AES-CCM unwraps every wrapping");
	is_ulong(good_u, 4, "... and the module unwraps every one of its wrappings");
	ok(good_fix, "the drawn nonces keep their ulNonceFixedBits and change the rest");
}

static void rules(void)
{
	uint8_t kek[16] = "0123456789abcdef", key[16] = "sixteen byte key", w[32], val[32],
		nonce[13], mac[16];
	CK_OBJECT_HANDLE hk = api_secret_key(fl, s, CKK_AES, kek, 16, yes, no);
	CK_OBJECT_HANDLE hv = api_secret_key(fl, s, CKK_AES, key, 16, no, yes);
	CK_CCM_MESSAGE_PARAMS cp;
	CK_GCM_MESSAGE_PARAMS gp = { nonce, 12, 0, CKG_GENERATE, mac, 128 };
	CK_MECHANISM m = ccm(&cp, 0, nonce, 13, 0, CKG_GENERATE, mac, 16);
	CK_MECHANISM mg = { CKM_AES_CCM, &gp, sizeof gp };
	CK_ULONG n = sizeof w, vn = sizeof val;

	ok(hk != CK_INVALID_HANDLE && hv != CK_INVALID_HANDLE, "the keys");
	memset(nonce, 0, sizeof nonce);
	memset(mac, 0x22, sizeof mac);
	n = 0;
	is_rv(f->C_WrapKeyAuthenticated(s, &m, hk, hv, AAD, NULL, &n), CKR_OK,
	      "pWrappedKey NULL: the size");
	ok(n == 16 && memcmp(nonce, "\0\0\0\0\0\0\0\0\0\0\0\0\0", 13) == 0 && mac[0] == 0x22,
	   "... the key's length; no nonce drawn, no MAC written");
	n = sizeof w;
	is_rv(f->C_WrapKeyAuthenticated(s, &m, hk, hv, AAD, w, &n), CKR_OK, "the wrap");
	is_rv(api_aunwrap(f, s, &m, hk, k_aes, w, 16, (CK_BYTE_PTR)"associatee", 10, val, &vn, NULL),
	      CKR_WRAPPED_KEY_INVALID, "other AAD: CKR_WRAPPED_KEY_INVALID");
	mac[3] ^= 0x10;
	vn = sizeof val;
	is_rv(api_aunwrap(f, s, &m, hk, k_aes, w, 16, AAD, val, &vn, NULL),
	      CKR_WRAPPED_KEY_INVALID, "a changed MAC: CKR_WRAPPED_KEY_INVALID");
	mac[3] ^= 0x10;
	vn = sizeof val;
	ok(api_aunwrap(f, s, &m, hk, k_aes, w, 16, AAD, val, &vn, NULL) == CKR_OK && vn == 16 &&
	   memcmp(val, key, 16) == 0, "the right ones unwrap it");
	cp.ulMACLen = 5;
	is_rv(f->C_WrapKeyAuthenticated(s, &m, hk, hv, AAD, w, &n), CKR_MECHANISM_PARAM_INVALID,
	      "a 5-byte MAC: CKR_MECHANISM_PARAM_INVALID");
	cp.ulMACLen = 0;
	is_rv(f->C_WrapKeyAuthenticated(s, &m, hk, hv, AAD, w, &n), CKR_MECHANISM_PARAM_INVALID,
	      "no MAC: CKR_MECHANISM_PARAM_INVALID");
	cp.ulMACLen = 16;
	cp.ulNonceLen = 6;
	cp.nonceGenerator = CKG_NO_GENERATE;
	is_rv(f->C_WrapKeyAuthenticated(s, &m, hk, hv, AAD, w, &n), CKR_MECHANISM_PARAM_INVALID,
	      "a 6-byte nonce: CKR_MECHANISM_PARAM_INVALID");
	cp.ulNonceLen = 7;
	cp.nonceGenerator = CKG_GENERATE;
	is_rv(f->C_WrapKeyAuthenticated(s, &m, hk, hv, AAD, w, &n), CKR_MECHANISM_PARAM_INVALID,
	      "CKG_GENERATE with a 7-byte nonce (56 bits to draw): CKR_MECHANISM_PARAM_INVALID");
	cp.nonceGenerator = CKG_NO_GENERATE;
	is_rv(f->C_WrapKeyAuthenticated(s, &m, hk, hv, AAD, w, &n), CKR_OK,
	      "... given whole (CKG_NO_GENERATE) it is taken");
	is_rv(f->C_WrapKeyAuthenticated(s, &mg, hk, hv, AAD, w, &n), CKR_MECHANISM_PARAM_INVALID,
	      "CK_GCM_MESSAGE_PARAMS for CCM: CKR_MECHANISM_PARAM_INVALID");
	f->C_DestroyObject(s, hv);
	f->C_DestroyObject(s, hk);
}

int main(int argc, char **argv)
{
	CK_SLOT_ID slot = 0;

	(void)argc;
	api_rig(argv, 1);
	f = api_module_3_2();
	if (!ok(f != NULL, "the 3.2 interface"))
		return done_testing();
	fl = (CK_FUNCTION_LIST_PTR)f;
	api_start(fl, "t5611", CKF_SERIAL_SESSION | CKF_RW_SESSION, "a R/W session", &slot, &s);
	/* SP 800-38C C.1 and C.2 */
	kat("SP 800-38C Example 1", "10111213141516", "0001020304050607", "20212223",
	    "7162015b4dac255d", 4);
	kat("SP 800-38C Example 2", "1011121314151617", "000102030405060708090a0b0c0d0e0f",
	    "202122232425262728292a2b2c2d2e2f", "d2a1f0e051ea5f62081a7792073d593d1fc64fbfaccd", 6);
	cross_check();
	rules();
	is_rv(f->C_CloseSession(s), CKR_OK, "close the session");
	is_rv(f->C_Finalize(NULL), CKR_OK, "C_Finalize");
	return done_testing();
}
