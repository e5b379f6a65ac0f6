/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t5402 — AES (ECB, CBC, CBC-PAD, CTR, GCM) and DES3 (ECB, CBC, CBC-PAD) with session
 * secret keys, on the host: the known answers of NIST SP 800-38A appendix F (F.1.1 ECB,
 * F.2.1 CBC, F.5.1 CTR, F.1.5 ECB-AES256) and of the GCM specification (McGrew and Viega,
 * test cases 2 and 4; NIST SP 800-38D), single and multi-part in uneven pieces; random
 * inputs checked against `openssl enc` in another process; and the operation rules
 * (PKCS #11 3.2, 5.2 and the function descriptions): the two-call size rule,
 * CKR_BUFFER_TOO_SMALL keeping the operation, an error ending it, one-shot and multi-part
 * not mixed, CKR_OPERATION_ACTIVE, CKR_DATA_LEN_RANGE / CKR_ENCRYPTED_DATA_LEN_RANGE,
 * CKR_MECHANISM_PARAM_INVALID, CKR_KEY_FUNCTION_NOT_PERMITTED, CKR_KEY_TYPE_INCONSISTENT,
 * bad padding and a wrong GCM tag as CKR_ENCRYPTED_DATA_INVALID.
 */
#include "api/api.h"
#include "api/bytes.h"
#include "api/cipher.h"

static CK_FUNCTION_LIST_PTR f;
static CK_SESSION_HANDLE s;
static CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
static CK_OBJECT_CLASS c_secret = CKO_SECRET_KEY;

#define ATTR(t, v) { (t), &(v), sizeof(v) }

static CK_OBJECT_HANDLE key_of(CK_KEY_TYPE kt, const uint8_t *v, size_t n, CK_BBOOL enc)
{
	CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
	CK_ATTRIBUTE t[] = {
		ATTR(CKA_CLASS, c_secret), ATTR(CKA_KEY_TYPE, kt), { CKA_VALUE, (void *)v, n },
		ATTR(CKA_ENCRYPT, enc), ATTR(CKA_PRIVATE, no),
	};

	if (f->C_CreateObject(s, t, 5, &h) != CKR_OK)
		return CK_INVALID_HANDLE;
	return h;
}

/* Known answer: enc(pt) == ct one-shot and in parts, dec(ct) == pt both ways. */
static void kat(const char *what, CK_MECHANISM *m, CK_OBJECT_HANDLE k, const char *pt_hex,
		const char *ct_hex)
{
	uint8_t pt[256], ct[256], out[300];
	size_t np = unhex(pt_hex, pt), nc = unhex(ct_hex, ct);
	CK_ULONG n;

	n = sizeof out;
	ok(api_oneshot(f, s, 0, m, k, pt, np, out, &n) == CKR_OK &&
	   n == nc && memcmp(out, ct, nc) == 0,
	   "%s: C_Encrypt gives the known answer", what);
	n = sizeof out;
	ok(api_parts(f, s, 0, m, k, pt, np, out, &n) == CKR_OK &&
	   n == nc && memcmp(out, ct, nc) == 0,
	   "%s: in parts too", what);
	n = sizeof out;
	ok(api_oneshot(f, s, 1, m, k, ct, nc, out, &n) == CKR_OK &&
	   n == np && memcmp(out, pt, np) == 0,
	   "%s: C_Decrypt gives the plaintext", what);
	n = sizeof out;
	ok(api_parts(f, s, 1, m, k, ct, nc, out, &n) == CKR_OK &&
	   n == np && memcmp(out, pt, np) == 0,
	   "%s: in parts too", what);
}

#define F_PT "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51" \
	     "30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710"

static void known_answers(void)
{
	uint8_t k128[16], k256[32], iv[16], kz[16], gk[16], giv[12], aad[20], zero[16] = { 0 };
	CK_OBJECT_HANDLE h128, h256, hz, hg;
	CK_MECHANISM ecb = { CKM_AES_ECB, NULL, 0 }, cbc = { CKM_AES_CBC, iv, 16 };
	CK_AES_CTR_PARAMS ctr;
	CK_GCM_PARAMS g2 = { zero, 12, 96, NULL, 0, 128 }, g4;
	CK_MECHANISM mctr = { CKM_AES_CTR, &ctr, sizeof ctr }, mg = { CKM_AES_GCM, &g2, sizeof g2 };

	unhex("2b7e151628aed2a6abf7158809cf4f3c", k128);
	unhex("603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4", k256);
	unhex("000102030405060708090a0b0c0d0e0f", iv);
	h128 = key_of(CKK_AES, k128, 16, yes);
	h256 = key_of(CKK_AES, k256, 32, yes);
	ok(h128 != CK_INVALID_HANDLE && h256 != CK_INVALID_HANDLE, "the SP 800-38A keys");
	kat("SP 800-38A F.1.1 ECB-AES128", &ecb, h128, F_PT,
	    "3ad77bb40d7a3660a89ecaf32466ef97f5d3d58503b9699de785895a96fdbaaf"
	    "43b1cd7f598ece23881b00e3ed0306887b0c785e27e8ad3f8223207104725dd4");
	kat("SP 800-38A F.1.5 ECB-AES256", &ecb, h256, F_PT,
	    "f3eed1bdb5d2a03c064b5a7e3db181f8591ccb10d410ed26dc5ba74a31362870"
	    "b6ed21b99ca6f4f9f153e7b1beafed1d23304b7a39f9f3ff067d8d8f9e24ecc7");
	kat("SP 800-38A F.2.1 CBC-AES128", &cbc, h128, F_PT,
	    "7649abac8119b246cee98e9b12e9197d5086cb9b507219ee95db113a917678b2"
	    "73bed6b8e3c1743b7116e69e222295163ff1caa1681fac09120eca307586e1a7");
	ctr.ulCounterBits = 128;
	unhex("f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff", ctr.cb);
	kat("SP 800-38A F.5.1 CTR-AES128", &mctr, h128, F_PT,
	    "874d6191b620e3261bef6864990db6ce9806f66b7970fdff8617187bb9fffdff"
	    "5ae4df3edbd5d35e5b4f09020db03eab1e031dda2fbe03d1792170a0f3009cee");
	kat("SP 800-38A F.5.1, first 20 bytes (a partial block)", &mctr, h128,
	    "6bc1bee22e409f96e93d7e117393172aae2d8a57", "874d6191b620e3261bef6864990db6ce9806f66b");

	memset(kz, 0, sizeof kz);
	hz = key_of(CKK_AES, kz, 16, yes);
	kat("GCM test case 2", &mg, hz, "00000000000000000000000000000000",
	    "0388dace60b6a392f328c2b971b2fe78ab6e47d42cec13bdf53a67b21257bddf");
	unhex("feffe9928665731c6d6a8f9467308308", gk);
	unhex("cafebabefacedbaddecaf888", giv);
	unhex("feedfacedeadbeeffeedfacedeadbeefabaddad2", aad);
	hg = key_of(CKK_AES, gk, 16, yes);
	g4 = (CK_GCM_PARAMS){ giv, 12, 96, aad, 20, 128 };
	mg.pParameter = &g4;
	kat("GCM test case 4 (with AAD)", &mg, hg,
	    "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
	    "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39",
	    "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e"
	    "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091"
	    "5bc94fbc3221a5db94fae95ae7121a47");
	g4.ulTagBits = 96;
	kat("GCM test case 4 with a 96-bit tag", &mg, hg,
	    "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
	    "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39",
	    "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e"
	    "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091"
	    "5bc94fbc3221a5db94fae95a");
}

/* Random key, IV and data against `openssl enc` in another process. */
static void cross(const char *what, CK_MECHANISM_TYPE mt, CK_KEY_TYPE kt, size_t klen,
		  size_t ivlen, size_t dlen, const char *cipher, int pad)
{
	uint8_t key[32], iv[16], data[200], out[300], want[300];
	char khex[65], ivhex[33], cmd[600], path[] = "/tmp/t5402-XXXXXX";
	CK_MECHANISM m = { mt, ivlen > 0 ? iv : NULL, ivlen };
	CK_OBJECT_HANDLE h;
	CK_ULONG n = sizeof out;
	size_t got = 0;
	unsigned v;
	FILE *p;
	int fd, i;

	srand((unsigned)time(NULL) ^ (unsigned)getpid() ^ (unsigned)dlen);
	for (i = 0; i < 32; i++)
		key[i] = (uint8_t)rand();
	for (i = 0; i < 16; i++)
		iv[i] = (uint8_t)rand();
	for (i = 0; i < (int)dlen; i++)
		data[i] = (uint8_t)rand();
	if (kt == CKK_DES3)
		for (i = 0; i < 24; i++)        /* DES keys of odd parity */
			key[i] = (uint8_t)((key[i] & 0xfe) | !(__builtin_popcount(key[i] & 0xfe) & 1));
	h = key_of(kt, key, klen, yes);
	is_rv(api_oneshot(f, s, 0, &m, h, data, dlen, out, &n), CKR_OK,
	      "%s: C_Encrypt of random data", what);
	fd = mkstemp(path);
	ok(fd >= 0 && write(fd, data, dlen) == (ssize_t)dlen, "%s: input for openssl", what);
	close(fd);
	hex(key, klen, khex);
	hex(iv, ivlen, ivhex);
	snprintf(cmd, sizeof cmd, "openssl enc -%s -K %s %s %s %s -in %s | od -An -tx1 -v",
		 cipher, khex, ivlen > 0 ? "-iv" : "", ivlen > 0 ? ivhex : "",
		 pad ? "" : "-nopad", path);
	p = popen(cmd, "r");
	while (p != NULL && got < sizeof want && fscanf(p, "%x", &v) == 1)
		want[got++] = (uint8_t)v;
	ok(p != NULL && pclose(p) == 0, "%s: openssl enc ran", what);
	unlink(path);
	ok(n == got && memcmp(out, want, got) == 0, "%s: the same ciphertext as openssl enc (%zu bytes)",
	   what, got);
	n = sizeof want;
	ok(api_parts(f, s, 1, &m, h, out, got, want, &n) == CKR_OK &&
	   n == dlen && memcmp(want, data, dlen) == 0,
	   "%s: decrypted in parts, the data again", what);
}

static void rules(void)
{
	uint8_t key[32] = { 7 }, d3[24], iv[16] = { 0 }, buf[64], out[128], ct[64];
	CK_OBJECT_HANDLE h = key_of(CKK_AES, key, 16, yes), noenc = key_of(CKK_AES, key, 16, no);
	CK_OBJECT_HANDLE hd3;
	CK_MECHANISM ecb = { CKM_AES_ECB, NULL, 0 }, cbc = { CKM_AES_CBC, iv, 16 };
	CK_MECHANISM pad = { CKM_AES_CBC_PAD, iv, 16 }, bad = { CKM_AES_CBC, iv, 15 };
	CK_MECHANISM ecbp = { CKM_AES_ECB, iv, 16 };
	CK_AES_CTR_PARAMS ctr = { 0, { 0 } };
	CK_GCM_PARAMS g = { iv, 12, 96, NULL, 0, 100 };
	CK_MECHANISM mctr = { CKM_AES_CTR, &ctr, sizeof ctr }, mg = { CKM_AES_GCM, &g, sizeof g };
	CK_MECHANISM des3ecb = { CKM_DES3_ECB, NULL, 0 };
	CK_ULONG n, n2;
	int i;

	memset(buf, 0x41, sizeof buf);
	for (i = 0; i < 24; i++)
		d3[i] = (uint8_t)(0x01 + 2 * i) | 1;
	hd3 = key_of(CKK_DES3, d3, 24, yes);
	/* Init */
	is_rv(f->C_EncryptInit(s, &bad, h), CKR_MECHANISM_PARAM_INVALID, "a CBC IV of 15 bytes");
	is_rv(f->C_EncryptInit(s, &ecbp, h), CKR_MECHANISM_PARAM_INVALID, "ECB with a parameter");
	is_rv(f->C_EncryptInit(s, &mctr, h), CKR_MECHANISM_PARAM_INVALID, "CTR of 0 counter bits");
	is_rv(f->C_EncryptInit(s, &mg, h), CKR_MECHANISM_PARAM_INVALID, "a GCM tag of 100 bits");
	g.ulTagBits = 128;
	g.ulIvLen = 0;
	is_rv(f->C_EncryptInit(s, &mg, h), CKR_MECHANISM_PARAM_INVALID, "a GCM IV of no bytes");
	mg.ulParameterLen = 8;
	is_rv(f->C_EncryptInit(s, &mg, h), CKR_MECHANISM_PARAM_INVALID, "a GCM parameter of 8 bytes");
	is_rv(f->C_EncryptInit(s, &ecb, noenc), CKR_KEY_FUNCTION_NOT_PERMITTED,
	      "a key with CKA_ENCRYPT false");
	is_rv(f->C_DecryptInit(s, &ecb, noenc), CKR_OK, "... may still decrypt");
	is_rv(f->C_DecryptInit(s, NULL, noenc), CKR_OK, "(ended)");
	is_rv(f->C_EncryptInit(s, &ecb, hd3), CKR_KEY_TYPE_INCONSISTENT, "AES with a DES3 key");
	is_rv(f->C_EncryptInit(s, &des3ecb, h), CKR_KEY_TYPE_INCONSISTENT, "DES3 with an AES key");
	is_rv(f->C_EncryptInit(s, &ecb, h), CKR_OK, "C_EncryptInit");
	is_rv(f->C_EncryptInit(s, &ecb, h), CKR_OPERATION_ACTIVE, "... twice");
	/* lengths */
	n = sizeof out;
	is_rv(f->C_Encrypt(s, buf, 15, out, &n), CKR_DATA_LEN_RANGE, "ECB of 15 bytes");
	n = sizeof out;
	is_rv(f->C_Encrypt(s, buf, 16, out, &n), CKR_OPERATION_NOT_INITIALIZED,
	      "the error ended the operation");
	is_rv(f->C_DecryptInit(s, &cbc, h), CKR_OK, "CBC decryption");
	n = sizeof out;
	is_rv(f->C_DecryptUpdate(s, buf, 20, out, &n), CKR_OK, "an update of 20 bytes");
	is_ulong(n, 16, "... gives one block");
	n = sizeof out;
	is_rv(f->C_DecryptFinal(s, out, &n), CKR_ENCRYPTED_DATA_LEN_RANGE,
	      "a partial block left at Final");
	/* two-call rule, short buffer */
	is_rv(f->C_EncryptInit(s, &pad, h), CKR_OK, "CBC-PAD");
	is_rv(f->C_Encrypt(s, buf, 20, NULL, &n), CKR_OK, "size query");
	is_ulong(n, 32, "... 32 bytes for 20");
	n2 = 16;
	is_rv(f->C_Encrypt(s, buf, 20, out, &n2), CKR_BUFFER_TOO_SMALL, "a buffer of 16");
	is_ulong(n2, 32, "... says 32");
	n = sizeof out;
	is_rv(f->C_EncryptUpdate(s, buf, 16, out, &n), CKR_OPERATION_ACTIVE,
	      "an update after a one-shot size query");
	is_rv(f->C_EncryptInit(s, &pad, h), CKR_OK, "CBC-PAD again");
	n = 0;
	is_rv(f->C_Encrypt(s, buf, 20, NULL, &n), CKR_OK, "size query");
	n = sizeof ct;
	is_rv(f->C_Encrypt(s, buf, 20, ct, &n), CKR_OK, "then the ciphertext");
	is_ulong(n, 32, "of 32 bytes");
	is_rv(f->C_EncryptInit(s, &pad, h), CKR_OK, "CBC-PAD in parts");
	n = sizeof out;
	is_rv(f->C_EncryptUpdate(s, buf, 5, out, &n), CKR_OK, "an update of 5 bytes");
	is_ulong(n, 0, "... gives nothing yet");
	n = sizeof out;
	is_rv(f->C_Encrypt(s, buf, 20, out, &n), CKR_OPERATION_ACTIVE,
	      "C_Encrypt after an update");
	n = sizeof out;
	is_rv(f->C_EncryptFinal(s, out, &n), CKR_OPERATION_NOT_INITIALIZED, "... which ended it");
	/* padding */
	is_rv(f->C_DecryptInit(s, &pad, h), CKR_OK, "CBC-PAD decryption");
	n = sizeof out;
	is_rv(f->C_Decrypt(s, ct, 32, out, &n), CKR_OK, "of the ciphertext");
	ok(n == 20 && memcmp(out, buf, 20) == 0, "... the 20 bytes again");
	is_rv(f->C_DecryptInit(s, &pad, h), CKR_OK, "CBC-PAD decryption in parts");
	n = sizeof out;
	is_rv(f->C_DecryptUpdate(s, ct, 32, out, &n), CKR_OK, "an update of both blocks");
	is_ulong(n, 16, "... keeps the last block for Final");
	is_rv(f->C_DecryptFinal(s, NULL, &n), CKR_OK, "Final's size query");
	ok(n >= 4, "... at least the rest (%lu)", n);
	n = 2;
	is_rv(f->C_DecryptFinal(s, out, &n), CKR_BUFFER_TOO_SMALL, "a buffer of 2");
	is_ulong(n, 4, "... says 4");
	is_rv(f->C_DecryptFinal(s, out + 16, &n), CKR_OK, "then Final");
	ok(n == 4 && memcmp(out, buf, 20) == 0, "... the data again");
	ct[31] ^= 0x55;
	is_rv(f->C_DecryptInit(s, &pad, h), CKR_OK, "a ciphertext with bad padding");
	n = sizeof out;
	is_rv(f->C_Decrypt(s, ct, 32, out, &n), CKR_ENCRYPTED_DATA_INVALID,
	      "CKR_ENCRYPTED_DATA_INVALID");
	is_rv(f->C_DecryptInit(s, &pad, h), CKR_OK, "a ciphertext of 20 bytes");
	n = sizeof out;
	is_rv(f->C_Decrypt(s, ct, 20, out, &n), CKR_ENCRYPTED_DATA_LEN_RANGE,
	      "CKR_ENCRYPTED_DATA_LEN_RANGE");
	/* GCM: the tag */
	mg.ulParameterLen = sizeof g;
	g.ulIvLen = 12;
	is_rv(f->C_EncryptInit(s, &mg, h), CKR_OK, "GCM");
	n = sizeof ct;
	is_rv(f->C_Encrypt(s, buf, 20, ct, &n), CKR_OK, "GCM encryption");
	is_ulong(n, 36, "... data and a 16-byte tag");
	ct[35] ^= 1;
	is_rv(f->C_DecryptInit(s, &mg, h), CKR_OK, "GCM decryption of a wrong tag");
	n = sizeof out;
	is_rv(f->C_DecryptUpdate(s, ct, 36, out, &n), CKR_OK, "an update");
	is_ulong(n, 0, "... gives nothing before the tag is verified");
	n = sizeof out;
	is_rv(f->C_DecryptFinal(s, out, &n), CKR_ENCRYPTED_DATA_INVALID, "the tag is refused");
	{
		uint8_t big[200], bct[232], back[232];
		CK_ULONG bn = sizeof bct, bb = sizeof back;

		memset(big, 0x3c, sizeof big);
		is_rv(api_oneshot(f, s, 0, &mg, h, big, sizeof big, bct, &bn), CKR_OK,
		      "GCM of 200 bytes");
		is_ulong(bn, 216, "... and its tag");
		ok(api_oneshot(f, s, 1, &mg, h, bct, bn, back, &bb) == CKR_OK && bb == sizeof big &&
		   memcmp(back, big, sizeof big) == 0, "C_Decrypt of it in one call");
	}
	is_rv(f->C_DecryptInit(s, &mg, h), CKR_OK, "GCM decryption of 10 bytes");
	n = sizeof out;
	is_rv(f->C_Decrypt(s, ct, 10, out, &n), CKR_ENCRYPTED_DATA_LEN_RANGE,
	      "shorter than its tag");
	/* CTR: the counter may not wrap within its bits */
	ctr.ulCounterBits = 8;
	memset(ctr.cb, 0, sizeof ctr.cb);
	ctr.cb[15] = 0xff;
	is_rv(f->C_EncryptInit(s, &mctr, h), CKR_OK, "CTR, 8 counter bits at 0xff");
	n = sizeof out;
	is_rv(f->C_Encrypt(s, buf, 16, out, &n), CKR_OK, "one block fits");
	is_rv(f->C_EncryptInit(s, &mctr, h), CKR_OK, "again");
	n = sizeof out;
	is_rv(f->C_Encrypt(s, buf, 17, out, &n), CKR_DATA_LEN_RANGE, "two blocks wrap it");
}

int main(int argc, char **argv)
{
	CK_SLOT_ID slot = 0;

	api_rig(argv, 1);
	f = api_module();
	is_rv(f->C_Initialize(NULL), CKR_OK, "C_Initialize");
	is_rv(api_slot_of(f, 0, &slot), CKR_OK, "the token's slot");
	is_rv(f->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &s), CKR_OK, "a session");

	known_answers();
	cross("AES-128-ECB", CKM_AES_ECB, CKK_AES, 16, 0, 160, "aes-128-ecb", 0);
	cross("AES-192-CBC", CKM_AES_CBC, CKK_AES, 24, 16, 96, "aes-192-cbc", 0);
	cross("AES-256-CBC-PAD", CKM_AES_CBC_PAD, CKK_AES, 32, 16, 77, "aes-256-cbc", 1);
	cross("AES-256-CBC-PAD, a whole block", CKM_AES_CBC_PAD, CKK_AES, 32, 16, 64,
	      "aes-256-cbc", 1);
	cross("DES3-ECB", CKM_DES3_ECB, CKK_DES3, 24, 0, 64, "des-ede3", 0);
	cross("DES3-CBC", CKM_DES3_CBC, CKK_DES3, 24, 8, 40, "des-ede3-cbc", 0);
	cross("DES3-CBC-PAD", CKM_DES3_CBC_PAD, CKK_DES3, 24, 8, 43, "des-ede3-cbc", 1);
	rules();

	is_rv(f->C_CloseSession(s), CKR_OK, "close the session");
	is_rv(f->C_Finalize(NULL), CKR_OK, "C_Finalize");
	return done_testing();
}
