/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t5405 — CKM_AES_CCM (PKCS #11 3.2, AES CCM section; NIST SP 800-38C) with session AES
 * keys, on the host: the examples of NIST SP 800-38C appendix C (C.1 to C.4: nonces of 7,
 * 8, 12 and 13 bytes, MACs of 4, 6, 8 and 14 bytes, C.4 with 65536 bytes of associated
 * data), single and multi-part in uneven pieces; random keys, nonces, AAD and lengths
 * against Python's cryptography (AESCCM) in another process — `openssl enc` takes no AEAD
 * cipher ("AEAD ciphers not supported"); that library sits on the same OpenSSL, so the
 * NIST examples are the independent check; and the rules: CK_CCM_PARAMS checked
 * (nonce 7..13, MAC length 4..16 and even, ulDataLen within the nonce's length field),
 * ulDataLen given up front (more data: CKR_DATA_LEN_RANGE at once, less: at Final;
 * CKR_ENCRYPTED_DATA_LEN_RANGE when decrypting), a wrong MAC CKR_ENCRYPTED_DATA_INVALID,
 * nothing before Final, size queries and short buffers, a key of another type.
 */
#include "api/api.h"
#include "api/bytes.h"
#include "api/cipher.h"

static CK_FUNCTION_LIST_PTR f;
static CK_SESSION_HANDLE s;
static CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
static CK_OBJECT_CLASS c_secret = CKO_SECRET_KEY;

#define ATTR(t, v) { (t), &(v), sizeof(v) }

static CK_OBJECT_HANDLE key_of(CK_KEY_TYPE kt, const uint8_t *v, size_t n)
{
	CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
	CK_ATTRIBUTE t[] = {
		ATTR(CKA_CLASS, c_secret), ATTR(CKA_KEY_TYPE, kt), { CKA_VALUE, (void *)v, n },
		ATTR(CKA_ENCRYPT, yes), ATTR(CKA_DECRYPT, yes), ATTR(CKA_PRIVATE, no),
	};

	if (f->C_CreateObject(s, t, 6, &h) != CKR_OK)
		return CK_INVALID_HANDLE;
	return h;
}

static uint8_t aad4[65536];

/* NIST SP 800-38C appendix C: K = 40..4f, N = 10.. (nlen bytes), A = 00.. (alen bytes;
 * C.4: 00..ff repeated), P = 20.. (plen bytes), MAC of tlen bytes; C || T given. */
static void example(const char *what, size_t nlen, size_t alen, size_t plen, size_t tlen,
		    const char *ct_hex)
{
	uint8_t k[16], nonce[13], p[32], ct[64], out[64];
	CK_CCM_PARAMS c;
	CK_MECHANISM m = { CKM_AES_CCM, &c, sizeof c };
	CK_OBJECT_HANDLE h;
	size_t i, nc = unhex(ct_hex, ct);
	CK_ULONG n;

	for (i = 0; i < 16; i++)
		k[i] = (uint8_t)(0x40 + i);
	for (i = 0; i < nlen; i++)
		nonce[i] = (uint8_t)(0x10 + i);
	for (i = 0; i < alen; i++)
		aad4[i] = (uint8_t)i;
	for (i = 0; i < plen; i++)
		p[i] = (uint8_t)(0x20 + i);
	h = key_of(CKK_AES, k, 16);
	c = (CK_CCM_PARAMS){ plen, nonce, nlen, aad4, alen, tlen };
	n = sizeof out;
	ok(api_oneshot(f, s, 0, &m, h, p, plen, out, &n) == CKR_OK &&
	   n == nc && memcmp(out, ct, nc) == 0,
	   "%s: C_Encrypt gives the example's ciphertext and MAC", what);
	n = sizeof out;
	ok(api_parts(f, s, 0, &m, h, p, plen, out, &n) == CKR_OK &&
	   n == nc && memcmp(out, ct, nc) == 0,
	   "%s: in parts too", what);
	n = sizeof out;
	ok(api_oneshot(f, s, 1, &m, h, ct, nc, out, &n) == CKR_OK &&
	   n == plen && memcmp(out, p, plen) == 0,
	   "%s: C_Decrypt gives the plaintext", what);
	n = sizeof out;
	ok(api_parts(f, s, 1, &m, h, ct, nc, out, &n) == CKR_OK &&
	   n == plen && memcmp(out, p, plen) == 0,
	   "%s: in parts too", what);
	f->C_DestroyObject(s, h);
}

static void examples(void)
{
	example("SP 800-38C C.1", 7, 8, 4, 4, "7162015b4dac255d");
	example("SP 800-38C C.2", 8, 16, 16, 6, "d2a1f0e051ea5f62081a7792073d593d1fc64fbfaccd");
	example("SP 800-38C C.3", 12, 20, 24, 8,
		"e3b201a9f5b71a7a9b1ceaeccd97e70b6176aad9a4428aa5484392fbc1b09951");
	example("SP 800-38C C.4 (65536 bytes of AAD)", 13, 65536, 32, 14,
		"69915dad1e84c6376a68c2967e4dab615ae0fd1faec44cc484828529463ccf72"
		"b4ac6bec93e8598e7f0dadbcea5b");
}

/* Random parameters against Python's cryptography (AESCCM) in another process. */
static void cross(size_t klen, size_t nlen, size_t alen, size_t plen, size_t tlen)
{
	uint8_t key[32], nonce[13], aad[64], data[300], out[400], want[400];
	char kh[65], nh[27], ah[129], dh[601], cmd[2048];
	CK_CCM_PARAMS c = { plen, nonce, nlen, aad, alen, tlen };
	CK_MECHANISM m = { CKM_AES_CCM, &c, sizeof c };
	CK_OBJECT_HANDLE h;
	CK_ULONG n = sizeof out;
	size_t got = 0, i;
	unsigned v;
	FILE *p;

	for (i = 0; i < 32; i++)
		key[i] = (uint8_t)rand();
	for (i = 0; i < 13; i++)
		nonce[i] = (uint8_t)rand();
	for (i = 0; i < alen; i++)
		aad[i] = (uint8_t)rand();
	for (i = 0; i < plen; i++)
		data[i] = (uint8_t)rand();
	h = key_of(CKK_AES, key, klen);
	is_rv(api_parts(f, s, 0, &m, h, data, plen, out, &n), CKR_OK,
	      "AES-%zu-CCM, nonce %zu, AAD %zu, data %zu, MAC %zu: encrypted in parts", 8 * klen,
	      nlen, alen, plen, tlen);
	hex(key, klen, kh);
	hex(nonce, nlen, nh);
	hex(aad, alen, ah);
	hex(data, plen, dh);
	snprintf(cmd, sizeof cmd, "python3 -c 'import sys\n"
		 "from cryptography.hazmat.primitives.ciphers.aead import AESCCM\n"
		 "b = bytes.fromhex\n"
		 "sys.stdout.write(AESCCM(b(\"%s\"), %zu).encrypt(b(\"%s\"), b(\"%s\"), "
		 "b(\"%s\") or None).hex())'", kh, tlen, nh, dh, ah);
	p = popen(cmd, "r");
	while (p != NULL && got < sizeof want && fscanf(p, "%2x", &v) == 1)
		want[got++] = (uint8_t)v;
	ok(p != NULL && pclose(p) == 0, "python3 cryptography's AESCCM ran");
	ok(n == got && got == plen + tlen && memcmp(out, want, got) == 0,
	   "the same ciphertext and MAC as AESCCM (%zu bytes)", got);
	n = sizeof out;
	ok(api_oneshot(f, s, 1, &m, h, want, got, out, &n) == CKR_OK && n == plen &&
	   memcmp(out, data, plen) == 0, "its output decrypts here to the data");
	f->C_DestroyObject(s, h);
}

static void rules(void)
{
	uint8_t key[32] = { 9 }, nonce[13] = { 1 }, buf[200] = { 0 }, out[300], ct[300];
	CK_OBJECT_HANDLE h = key_of(CKK_AES, key, 16), hk = key_of(CKK_KUZNECHIK, key, 32);
	CK_CCM_PARAMS c = { 20, nonce, 12, NULL, 0, 16 };
	CK_MECHANISM m = { CKM_AES_CCM, &c, sizeof c };
	CK_ULONG n, n2;

	ok(h != CK_INVALID_HANDLE && hk != CK_INVALID_HANDLE, "keys for the rules");
	c.ulNonceLen = 6;
	is_rv(f->C_EncryptInit(s, &m, h), CKR_MECHANISM_PARAM_INVALID, "a 6-byte nonce");
	c.ulNonceLen = 14;
	is_rv(f->C_EncryptInit(s, &m, h), CKR_MECHANISM_PARAM_INVALID, "a 14-byte nonce");
	c.ulNonceLen = 12;
	c.ulMACLen = 5;
	is_rv(f->C_EncryptInit(s, &m, h), CKR_MECHANISM_PARAM_INVALID, "a 5-byte MAC");
	c.ulMACLen = 2;
	is_rv(f->C_EncryptInit(s, &m, h), CKR_MECHANISM_PARAM_INVALID, "a 2-byte MAC");
	c.ulMACLen = 18;
	is_rv(f->C_EncryptInit(s, &m, h), CKR_MECHANISM_PARAM_INVALID, "an 18-byte MAC");
	c.ulMACLen = 16;
	c.ulAADLen = 4;
	is_rv(f->C_EncryptInit(s, &m, h), CKR_MECHANISM_PARAM_INVALID, "AAD length without AAD");
	c.ulAADLen = 0;
	c.pNonce = NULL;
	is_rv(f->C_EncryptInit(s, &m, h), CKR_MECHANISM_PARAM_INVALID, "no nonce");
	c.pNonce = nonce;
	c.ulNonceLen = 13;
	c.ulDataLen = 65536;
	is_rv(f->C_EncryptInit(s, &m, h), CKR_MECHANISM_PARAM_INVALID,
	      "65536 bytes with a 13-byte nonce (a 2-byte length field)");
	c.ulDataLen = 65535;
	is_rv(f->C_EncryptInit(s, &m, h), CKR_OK, "65535 bytes fit");
	is_rv(f->C_EncryptInit(s, NULL, h), CKR_OK, "ended");
	c.ulNonceLen = 12;
	c.ulDataLen = 20;
	m.ulParameterLen = sizeof c - 1;
	is_rv(f->C_EncryptInit(s, &m, h), CKR_MECHANISM_PARAM_INVALID, "a parameter's wrong size");
	m.ulParameterLen = sizeof c;
	m.pParameter = NULL;
	is_rv(f->C_EncryptInit(s, &m, h), CKR_MECHANISM_PARAM_INVALID, "no parameter");
	m.pParameter = &c;
	is_rv(f->C_EncryptInit(s, &m, hk), CKR_KEY_TYPE_INCONSISTENT, "a Kuznyechik key");

	/* ulDataLen up front */
	is_rv(f->C_EncryptInit(s, &m, h), CKR_OK, "CCM of 20 bytes");
	n = sizeof out;
	is_rv(f->C_Encrypt(s, buf, 21, out, &n), CKR_DATA_LEN_RANGE, "21 bytes given");
	is_rv(f->C_EncryptInit(s, &m, h), CKR_OK, "again");
	n = sizeof out;
	is_rv(f->C_Encrypt(s, buf, 19, out, &n), CKR_DATA_LEN_RANGE, "19 bytes given");
	is_rv(f->C_EncryptInit(s, &m, h), CKR_OK, "in parts");
	n = sizeof out;
	is_rv(f->C_EncryptUpdate(s, buf, 15, out, &n), CKR_OK, "15 bytes");
	ok(n == 0, "nothing before Final (the MAC covers all of it first)");
	n = sizeof out;
	is_rv(f->C_EncryptUpdate(s, buf, 6, out, &n), CKR_DATA_LEN_RANGE,
	      "6 more: past ulDataLen at once");
	is_rv(f->C_EncryptInit(s, &m, h), CKR_OK, "the size rule");
	n = 0;
	is_rv(f->C_Encrypt(s, buf, 20, NULL, &n), CKR_OK, "the size of C_Encrypt");
	ok(n == 36, "20 bytes and a 16-byte MAC");
	n = 35;
	is_rv(f->C_Encrypt(s, buf, 20, ct, &n), CKR_BUFFER_TOO_SMALL, "35 bytes of room");
	n = sizeof ct;
	is_rv(f->C_Encrypt(s, buf, 20, ct, &n), CKR_OK, "then all of it");
	is_rv(f->C_DecryptInit(s, &m, h), CKR_OK, "decryption in parts");
	n = sizeof out;
	is_rv(f->C_DecryptUpdate(s, ct, 36, out, &n), CKR_OK, "36 bytes");
	ok(n == 0, "nothing before the MAC is verified");
	n2 = 0;
	is_rv(f->C_DecryptFinal(s, NULL, &n2), CKR_OK, "the size of Final");
	ok(n2 == 20, "20");
	n2 = 10;
	is_rv(f->C_DecryptFinal(s, out, &n2), CKR_BUFFER_TOO_SMALL, "10 bytes of room");
	n2 = sizeof out;
	is_rv(f->C_DecryptFinal(s, out, &n2), CKR_OK, "then the plaintext");
	ok(n2 == 20 && memcmp(out, buf, 20) == 0, "the data again");
	is_rv(f->C_DecryptInit(s, &m, h), CKR_OK, "a short ciphertext");
	n = sizeof out;
	is_rv(f->C_Decrypt(s, ct, 35, out, &n), CKR_ENCRYPTED_DATA_LEN_RANGE, "35 bytes");
	is_rv(f->C_DecryptInit(s, &m, h), CKR_OK, "a long one");
	n = sizeof out;
	is_rv(f->C_DecryptUpdate(s, ct, 36, out, &n), CKR_OK, "36 bytes");
	n = sizeof out;
	is_rv(f->C_DecryptUpdate(s, ct, 1, out, &n), CKR_ENCRYPTED_DATA_LEN_RANGE, "and one more");
	ct[35] ^= 1;
	is_rv(f->C_DecryptInit(s, &m, h), CKR_OK, "a changed MAC");
	n = sizeof out;
	is_rv(f->C_Decrypt(s, ct, 36, out, &n), CKR_ENCRYPTED_DATA_INVALID,
	      "CKR_ENCRYPTED_DATA_INVALID");
	ct[35] ^= 1;
	ct[0] ^= 1;
	is_rv(f->C_DecryptInit(s, &m, h), CKR_OK, "a changed ciphertext");
	n = sizeof out;
	is_rv(f->C_Decrypt(s, ct, 36, out, &n), CKR_ENCRYPTED_DATA_INVALID, "fails its MAC");
	/* an empty message: the MAC alone */
	c.ulDataLen = 0;
	is_rv(f->C_EncryptInit(s, &m, h), CKR_OK, "an empty message");
	n = sizeof out;
	is_rv(f->C_Encrypt(s, buf, 0, out, &n), CKR_OK, "encrypts");
	ok(n == 16, "to its 16-byte MAC");
	is_rv(f->C_DecryptInit(s, &m, h), CKR_OK, "and back");
	n2 = sizeof ct;
	is_rv(f->C_Decrypt(s, out, n, ct, &n2), CKR_OK, "the MAC verifies");
	ok(n2 == 0, "no plaintext");
}

int main(int argc, char **argv)
{
	CK_SLOT_ID slot = 0;

	(void)argc;
	api_rig(argv, 1);
	if (system("python3 -c 'from cryptography.hazmat.primitives.ciphers.aead import "
		   "AESCCM' >/dev/null 2>&1") != 0)
		api_need_fail("python3-cryptography", "Python's cryptography (AESCCM)");
	srand((unsigned)time(NULL) ^ (unsigned)getpid());
	f = api_module();
	is_rv(f->C_Initialize(NULL), CKR_OK, "C_Initialize");
	is_rv(api_slot_of(f, 0, &slot), CKR_OK, "the token's slot");
	is_rv(f->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &s), CKR_OK, "a session");

	examples();
	cross(16, 7, 0, 1, 4);
	cross(24, 10, 13, 77, 10);
	cross(32, 13, 64, 256, 16);
	cross(16, 12, 30, 0, 8);
	rules();

	is_rv(f->C_CloseSession(s), CKR_OK, "close the session");
	is_rv(f->C_Finalize(NULL), CKR_OK, "C_Finalize");
	return done_testing();
}
