/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t5426 — AES token secret keys of the Rutoken family, end to end through the virtual
 * token: the mechanisms (CKF_HW), import and generation (CKA_VALUE_LEN 16, 24, 32, others
 * refused), ECB, CBC and CBC_PAD one-shot and multi-part with parts that cut blocks (the
 * host keeps the partial block and the chaining value, the token does the blocks), the
 * padding checked (CKR_ENCRYPTED_DATA_INVALID, CKR_ENCRYPTED_DATA_LEN_RANGE, a held-back
 * block), size queries and short buffers that keep the operation, and CMAC one-shot and
 * multi-part; a key unwrapped into a token key. Known answers: NIST SP 800-38A F.2.1, F.2.2, F.2.5, F.2.6 (CBC-AES128 and
 * -AES256, their plaintext blocks), FIPS-197 C.2 (AES-192), RFC 4493 section 4 (AES-CMAC
 * examples 1-4); the padded encryption is also checked against `openssl enc` in another
 * process.
 */
#include "api/api.h"

static CK_FUNCTION_LIST_PTR f;
static CK_BBOOL yes = CK_TRUE;
static CK_OBJECT_CLASS c_secret = CKO_SECRET_KEY;
static CK_KEY_TYPE k_aes = CKK_AES;

#define ATTR(t, v) { (t), &(v), sizeof(v) }

/* SP 800-38A appendix F: the keys, the IV and the four plaintext blocks */
static const CK_BYTE key128[16] = {
	0x2b, 0x7e, 0x15, 0x16, 0x28, 0xae, 0xd2, 0xa6, 0xab, 0xf7, 0x15, 0x88, 0x09, 0xcf, 0x4f, 0x3c,
};
static const CK_BYTE key256[32] = {
	0x60, 0x3d, 0xeb, 0x10, 0x15, 0xca, 0x71, 0xbe, 0x2b, 0x73, 0xae, 0xf0, 0x85, 0x7d, 0x77, 0x81,
	0x1f, 0x35, 0x2c, 0x07, 0x3b, 0x61, 0x08, 0xd7, 0x2d, 0x98, 0x10, 0xa3, 0x09, 0x14, 0xdf, 0xf4,
};
static const CK_BYTE iv[16] = {
	0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
};
static const CK_BYTE pt[64] = {
	0x6b, 0xc1, 0xbe, 0xe2, 0x2e, 0x40, 0x9f, 0x96, 0xe9, 0x3d, 0x7e, 0x11, 0x73, 0x93, 0x17, 0x2a,
	0xae, 0x2d, 0x8a, 0x57, 0x1e, 0x03, 0xac, 0x9c, 0x9e, 0xb7, 0x6f, 0xac, 0x45, 0xaf, 0x8e, 0x51,
	0x30, 0xc8, 0x1c, 0x46, 0xa3, 0x5c, 0xe4, 0x11, 0xe5, 0xfb, 0xc1, 0x19, 0x1a, 0x0a, 0x52, 0xef,
	0xf6, 0x9f, 0x24, 0x45, 0xdf, 0x4f, 0x9b, 0x17, 0xad, 0x2b, 0x41, 0x7b, 0xe6, 0x6c, 0x37, 0x10,
};
/* F.2.1 CBC-AES128.Encrypt, F.2.5 CBC-AES256.Encrypt */
static const CK_BYTE cbc128[64] = {
	0x76, 0x49, 0xab, 0xac, 0x81, 0x19, 0xb2, 0x46, 0xce, 0xe9, 0x8e, 0x9b, 0x12, 0xe9, 0x19, 0x7d,
	0x50, 0x86, 0xcb, 0x9b, 0x50, 0x72, 0x19, 0xee, 0x95, 0xdb, 0x11, 0x3a, 0x91, 0x76, 0x78, 0xb2,
	0x73, 0xbe, 0xd6, 0xb8, 0xe3, 0xc1, 0x74, 0x3b, 0x71, 0x16, 0xe6, 0x9e, 0x22, 0x22, 0x95, 0x16,
	0x3f, 0xf1, 0xca, 0xa1, 0x68, 0x1f, 0xac, 0x09, 0x12, 0x0e, 0xca, 0x30, 0x75, 0x86, 0xe1, 0xa7,
};
static const CK_BYTE cbc256[64] = {
	0xf5, 0x8c, 0x4c, 0x04, 0xd6, 0xe5, 0xf1, 0xba, 0x77, 0x9e, 0xab, 0xfb, 0x5f, 0x7b, 0xfb, 0xd6,
	0x9c, 0xfc, 0x4e, 0x96, 0x7e, 0xdb, 0x80, 0x8d, 0x67, 0x9f, 0x77, 0x7b, 0xc6, 0x70, 0x2c, 0x7d,
	0x39, 0xf2, 0x33, 0x69, 0xa9, 0xd9, 0xba, 0xcf, 0xa5, 0x30, 0xe2, 0x63, 0x04, 0x23, 0x14, 0x61,
	0xb2, 0xeb, 0x05, 0xe2, 0xc3, 0x9b, 0xe9, 0xfc, 0xda, 0x6c, 0x19, 0x07, 0x8c, 0x6a, 0x9d, 0x1b,
};
/* FIPS-197 C.2: AES-192 of 00112233..ff under 000102..17 */
static const CK_BYTE key192[24] = {
	0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b,
	0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17,
};
static const CK_BYTE fips_pt[16] = {
	0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff,
};
static const CK_BYTE fips_c2[16] = {
	0xdd, 0xa9, 0x7c, 0xa4, 0x86, 0x4c, 0xdf, 0xe0, 0x6e, 0xaf, 0x70, 0xa0, 0xec, 0x0d, 0x71, 0x91,
};
/* RFC 4493 section 4, AES-128 key 2b7e1516..: the CMAC of the first 0, 16, 40, 64 bytes */
static const struct {
	CK_ULONG len;
	CK_BYTE mac[16];
} cmacs[] = {
	{ 0, { 0xbb, 0x1d, 0x69, 0x29, 0xe9, 0x59, 0x37, 0x28, 0x7f, 0xa3, 0x7d, 0x12, 0x9b, 0x75, 0x67, 0x46 } },
	{ 16, { 0x07, 0x0a, 0x16, 0xb4, 0x6b, 0x4d, 0x41, 0x44, 0xf7, 0x9b, 0xdd, 0x9d, 0xd0, 0x4a, 0x28, 0x7c } },
	{ 40, { 0xdf, 0xa6, 0x67, 0x47, 0xde, 0x9a, 0xe6, 0x30, 0x30, 0xca, 0x32, 0x61, 0x14, 0x97, 0xc8, 0x27 } },
	{ 64, { 0x51, 0xf0, 0xbe, 0xbf, 0x7e, 0x3b, 0x9d, 0x92, 0xfc, 0x49, 0x74, 0x17, 0x79, 0x36, 0x3c, 0xfe } },
};

static CK_RV import(CK_SESSION_HANDLE s, const CK_BYTE *v, CK_ULONG len, CK_OBJECT_HANDLE *h)
{
	CK_ATTRIBUTE t[] = {
		ATTR(CKA_CLASS, c_secret), ATTR(CKA_KEY_TYPE, k_aes), ATTR(CKA_TOKEN, yes),
		{ CKA_VALUE, (void *)v, len }, ATTR(CKA_ENCRYPT, yes), ATTR(CKA_DECRYPT, yes),
		ATTR(CKA_SIGN, yes), ATTR(CKA_VERIFY, yes),
	};

	return f->C_CreateObject(s, t, sizeof t / sizeof t[0], h);
}

/* Multi-part en- or decryption of in in the parts cuts (summing to n) and Final: out and
 * *outn get all output; CKR_GENERAL_ERROR when an Update gave other than whole blocks so
 * far (padded decryption: all but the last block). */
static CK_RV parts(CK_SESSION_HANDLE s, int enc, CK_MECHANISM *m, CK_OBJECT_HANDLE h,
		   const CK_BYTE *in, const CK_ULONG *cuts, size_t ncuts, CK_BYTE *out,
		   CK_ULONG *outn)
{
	CK_ULONG done = 0, fed = 0, l;
	CK_RV rv = (enc ? f->C_EncryptInit : f->C_DecryptInit)(s, m, h);
	size_t i;
	int held = !enc && m->mechanism == CKM_AES_CBC_PAD;

	for (i = 0; rv == CKR_OK && i < ncuts; i++) {
		l = 256;
		rv = (enc ? f->C_EncryptUpdate : f->C_DecryptUpdate)(s, (CK_BYTE_PTR)in + fed,
								     cuts[i], out + done, &l);
		fed += cuts[i];
		if (rv == CKR_OK && l != (held && fed % 16 == 0 && fed > 0 ? fed - 16 : fed / 16 * 16) - done)
			rv = CKR_GENERAL_ERROR;
		done += l;
	}
	if (rv == CKR_OK) {
		l = 256;
		rv = (enc ? f->C_EncryptFinal : f->C_DecryptFinal)(s, out + done, &l);
		done += l;
	}
	*outn = done;
	return rv;
}

/* `openssl enc -aes-128-cbc` (PKCS #7 padding) of in, in another process: its hex. */
static int openssl_cbc_pad(const CK_BYTE *in, size_t n, char *out, size_t cap)
{
	char path[] = "/tmp/t5426-XXXXXX", cmd[512];
	int fd = mkstemp(path), rc = -1;
	FILE *p;
	size_t got;

	if (fd < 0)
		return -1;
	if (write(fd, in, n) == (ssize_t)n) {
		snprintf(cmd, sizeof cmd, "openssl enc -aes-128-cbc -K 2b7e151628aed2a6abf71588"
			 "09cf4f3c -iv 000102030405060708090a0b0c0d0e0f -in %s | od -An -v -tx1 | "
			 "tr -d ' \\n'", path);
		p = popen(cmd, "r");
		if (p != NULL) {
			got = fread(out, 1, cap - 1, p);
			out[got] = '\0';
			rc = pclose(p) == 0 && got > 0 ? 0 : -1;
		}
	}
	close(fd);
	unlink(path);
	return rc;
}

static void hex(const CK_BYTE *b, size_t n, char *out)
{
	size_t i;

	for (i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", b[i]);
}

int main(int argc, char **argv)
{
	CK_SLOT_ID slot = 0;
	CK_SESSION_HANDLE s = 0;
	CK_OBJECT_HANDLE k128 = 0, k192 = 0, k256 = 0, g = 0, h;
	CK_MECHANISM_INFO mi;
	CK_MECHANISM ecb = { CKM_AES_ECB, NULL, 0 }, cbc = { CKM_AES_CBC, (void *)iv, 16 };
	CK_MECHANISM pad = { CKM_AES_CBC_PAD, (void *)iv, 16 }, cmac = { CKM_AES_CMAC, NULL, 0 };
	CK_MECHANISM gen = { CKM_AES_KEY_GEN, NULL, 0 };
	CK_BYTE out[256], back[256], mac[16];
	CK_ULONG n, l, vl;
	char got[600], want[600];
	static const CK_MECHANISM_TYPE hw[] = {
		CKM_AES_KEY_GEN, CKM_AES_ECB, CKM_AES_CBC, CKM_AES_CMAC,
	};
	size_t i;

	api_rig(argv, 1);
	f = api_module();
	is_rv(f->C_Initialize(NULL), CKR_OK, "C_Initialize");
	is_rv(api_slot_of(f, 0, &slot), CKR_OK, "the token's slot");
	is_rv(api_prepare_token(f, slot, "t5426"), CKR_OK, "C_InitToken and C_InitPIN");
	for (i = 0; i < sizeof hw / sizeof hw[0]; i++) {
		is_rv(f->C_GetMechanismInfo(slot, hw[i], &mi), CKR_OK, "C_GetMechanismInfo %s",
		      sk_name(SK_FAM_CKM, hw[i]));
		ok(mi.flags & CKF_HW, "... CKF_HW: the token computes it with its keys");
	}
	is_rv(f->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s), CKR_OK,
	      "R/W session");
	is_rv(f->C_Login(s, CKU_USER, API_PIN(API_USER_PIN)), CKR_OK, "user login");

	/* import and generation */
	is_rv(import(s, key128, 16, &k128), CKR_OK, "import an AES-128 token key");
	is_rv(import(s, key192, 24, &k192), CKR_OK, "import an AES-192 token key");
	is_rv(import(s, key256, 32, &k256), CKR_OK, "import an AES-256 token key");
	is_rv(import(s, key256, 20, &h), CKR_ATTRIBUTE_VALUE_INVALID, "an AES key of 20 bytes");
	for (vl = 16; vl <= 32; vl += 8) {
		CK_ATTRIBUTE t[] = { ATTR(CKA_TOKEN, yes), ATTR(CKA_VALUE_LEN, vl),
				     ATTR(CKA_ENCRYPT, yes), ATTR(CKA_DECRYPT, yes) };
		CK_ATTRIBUTE a = ATTR(CKA_VALUE_LEN, n);

		is_rv(f->C_GenerateKey(s, &gen, t, 4, &g), CKR_OK,
		      "C_GenerateKey AES on the token, CKA_VALUE_LEN %lu", vl);
		n = 0;
		is_rv(f->C_GetAttributeValue(s, g, &a, 1), CKR_OK, "... its CKA_VALUE_LEN");
		is_ulong(n, vl, "... is %lu", vl);
		l = sizeof out;
		is_rv(f->C_EncryptInit(s, &cbc, g), CKR_OK, "... C_EncryptInit CBC");
		is_rv(f->C_Encrypt(s, (CK_BYTE_PTR)pt, 64, out, &l), CKR_OK, "... C_Encrypt");
		n = sizeof back;
		is_rv(f->C_DecryptInit(s, &cbc, g), CKR_OK, "... C_DecryptInit CBC");
		is_rv(f->C_Decrypt(s, out, l, back, &n), CKR_OK, "... C_Decrypt");
		ok(n == 64 && memcmp(back, pt, 64) == 0, "... gives the plaintext back");
		if (vl < 32)
			is_rv(f->C_DestroyObject(s, g), CKR_OK, "... C_DestroyObject");
	}
	{
		CK_ULONG bad = 20;
		CK_ATTRIBUTE t[] = { ATTR(CKA_TOKEN, yes), ATTR(CKA_VALUE_LEN, bad) };

		is_rv(f->C_GenerateKey(s, &gen, t, 2, &h), CKR_ATTRIBUTE_VALUE_INVALID,
		      "C_GenerateKey AES of 20 bytes on the token");
	}

	/* ECB: FIPS-197 C.2 */
	l = sizeof out;
	is_rv(f->C_EncryptInit(s, &ecb, k192), CKR_OK, "ECB with the AES-192 key");
	is_rv(f->C_Encrypt(s, (CK_BYTE_PTR)fips_pt, 16, out, &l), CKR_OK, "... C_Encrypt");
	ok(l == 16 && memcmp(out, fips_c2, 16) == 0, "... FIPS-197 C.2");

	/* CBC multi-part, parts that cut the blocks: SP 800-38A F.2.1 and F.2.6 */
	{
		static const CK_ULONG c1[] = { 5, 20, 0, 39 }, c2[] = { 17, 31, 16 },
				      c3[] = { 1, 15, 16, 1, 31 };

		is_rv(parts(s, 1, &cbc, k128, pt, c1, 4, out, &n), CKR_OK,
		      "CBC-AES128 encryption in parts of 5, 20, 0, 39 bytes");
		ok(n == 64 && memcmp(out, cbc128, 64) == 0, "... SP 800-38A F.2.1");
		is_rv(parts(s, 0, &cbc, k256, cbc256, c2, 3, out, &n), CKR_OK,
		      "CBC-AES256 decryption in parts of 17, 31, 16 bytes");
		ok(n == 64 && memcmp(out, pt, 64) == 0, "... SP 800-38A F.2.6");
		is_rv(parts(s, 1, &cbc, k256, pt, c3, 5, out, &n), CKR_OK,
		      "CBC-AES256 encryption in parts of 1, 15, 16, 1, 31 bytes");
		ok(n == 64 && memcmp(out, cbc256, 64) == 0, "... SP 800-38A F.2.5");
		is_rv(parts(s, 0, &cbc, k128, cbc128, c3, 5, out, &n), CKR_OK,
		      "CBC-AES128 decryption in the same parts");
		ok(n == 64 && memcmp(out, pt, 64) == 0, "... SP 800-38A F.2.2");
	}
	/* a partial block left at Final: no padding in CKM_AES_CBC */
	is_rv(f->C_EncryptInit(s, &cbc, k128), CKR_OK, "CBC: C_EncryptInit");
	l = sizeof out;
	is_rv(f->C_EncryptUpdate(s, (CK_BYTE_PTR)pt, 20, out, &l), CKR_OK, "... 20 bytes");
	is_ulong(l, 16, "... one block out");
	l = sizeof out;
	is_rv(f->C_EncryptFinal(s, out, &l), CKR_DATA_LEN_RANGE, "... Final with 4 left over");
	is_rv(f->C_EncryptInit(s, &cbc, k128), CKR_OK, "... which ended the operation");
	l = sizeof out;
	is_rv(f->C_Encrypt(s, (CK_BYTE_PTR)pt, 17, out, &l), CKR_DATA_LEN_RANGE,
	      "CBC one-shot of 17 bytes: CKR_DATA_LEN_RANGE");

	/* CBC_PAD: against openssl enc, one-shot and in parts */
	{
		static const CK_ULONG c1[] = { 7, 30 }, c2[] = { 16, 16, 16 }, c3[] = { 47, 1 };
		CK_BYTE ct[64];
		CK_ULONG ctn;

		l = 0;
		is_rv(f->C_EncryptInit(s, &pad, k128), CKR_OK, "CBC_PAD: C_EncryptInit");
		is_rv(f->C_Encrypt(s, (CK_BYTE_PTR)pt, 37, NULL, &l), CKR_OK, "... size query");
		is_ulong(l, 48, "... 48 bytes for 37");
		l = 47;
		is_rv(f->C_Encrypt(s, (CK_BYTE_PTR)pt, 37, out, &l), CKR_BUFFER_TOO_SMALL,
		      "... 47 bytes of room: CKR_BUFFER_TOO_SMALL");
		l = sizeof out;
		is_rv(f->C_Encrypt(s, (CK_BYTE_PTR)pt, 37, out, &l), CKR_OK,
		      "... the operation stayed: C_Encrypt");
		is_ulong(l, 48, "... 48 bytes");
		memcpy(ct, out, 48);
		ctn = l;
		hex(out, l, got);
		ok(openssl_cbc_pad(pt, 37, want, sizeof want) == 0 && strcmp(got, want) == 0,
		   "... as openssl enc -aes-128-cbc (another process)");
		is_rv(parts(s, 1, &pad, k128, pt, c1, 2, out, &n), CKR_OK,
		      "CBC_PAD encryption in parts of 7 and 30 bytes");
		ok(n == 48 && memcmp(out, ct, 48) == 0, "... the same ciphertext");
		is_rv(parts(s, 0, &pad, k128, ct, c2, 3, out, &n), CKR_OK,
		      "CBC_PAD decryption in parts of 16 (the last block waits for Final)");
		ok(n == 37 && memcmp(out, pt, 37) == 0, "... the 37 bytes back");
		is_rv(parts(s, 0, &pad, k128, ct, c3, 2, out, &n), CKR_OK,
		      "CBC_PAD decryption in parts of 47 and 1");
		ok(n == 37 && memcmp(out, pt, 37) == 0, "... the 37 bytes back");
		n = 37;
		is_rv(f->C_DecryptInit(s, &pad, k128), CKR_OK, "CBC_PAD: C_DecryptInit");
		is_rv(f->C_Decrypt(s, ct, ctn, back, &n), CKR_OK,
		      "... one-shot into exactly 37 bytes of room");
		ok(n == 37 && memcmp(back, pt, 37) == 0, "... the plaintext");
		n = 36;
		is_rv(f->C_DecryptInit(s, &pad, k128), CKR_OK, "CBC_PAD: C_DecryptInit");
		is_rv(f->C_Decrypt(s, ct, ctn, back, &n), CKR_BUFFER_TOO_SMALL, "... into 36");
		is_ulong(n, 37, "... says 37");
		n = 37;
		is_rv(f->C_Decrypt(s, ct, ctn, back, &n), CKR_OK, "... then into 37: it stayed");
		ok(n == 37 && memcmp(back, pt, 37) == 0, "... the plaintext");
		n = sizeof back;
		is_rv(f->C_DecryptInit(s, &pad, k128), CKR_OK, "CBC_PAD: C_DecryptInit");
		is_rv(f->C_Decrypt(s, ct, 40, back, &n), CKR_ENCRYPTED_DATA_LEN_RANGE,
		      "... 40 bytes: CKR_ENCRYPTED_DATA_LEN_RANGE");
		/* SP 800-38A F.2.1's ciphertext decrypts to pt: 0x10 is no padding of pt's
		 * last block (2.10.4's padding is 1..16 bytes of their count) */
		n = sizeof back;
		is_rv(f->C_DecryptInit(s, &pad, k128), CKR_OK, "CBC_PAD: C_DecryptInit");
		is_rv(f->C_Decrypt(s, (CK_BYTE_PTR)cbc128, 64, back, &n), CKR_ENCRYPTED_DATA_INVALID,
		      "... a last block without a valid padding: CKR_ENCRYPTED_DATA_INVALID");
		is_rv(f->C_DecryptInit(s, &pad, k128), CKR_OK, "... in parts");
		l = sizeof back;
		is_rv(f->C_DecryptUpdate(s, (CK_BYTE_PTR)cbc128, 64, back, &l), CKR_OK,
		      "... C_DecryptUpdate of 64 bytes");
		is_ulong(l, 48, "... gives 48");
		l = sizeof back;
		is_rv(f->C_DecryptFinal(s, back, &l), CKR_ENCRYPTED_DATA_INVALID,
		      "... C_DecryptFinal: CKR_ENCRYPTED_DATA_INVALID");
	}

	/* CMAC: RFC 4493 examples 1-4, one-shot and in parts */
	for (i = 0; i < sizeof cmacs / sizeof cmacs[0]; i++) {
		CK_ULONG half = cmacs[i].len / 2 + 3 > cmacs[i].len ? cmacs[i].len
								     : cmacs[i].len / 2 + 3;

		l = sizeof mac;
		is_rv(f->C_SignInit(s, &cmac, k128), CKR_OK, "CMAC of %lu bytes: C_SignInit",
		      cmacs[i].len);
		is_rv(f->C_Sign(s, (CK_BYTE_PTR)pt, cmacs[i].len, mac, &l), CKR_OK, "... C_Sign");
		ok(l == 16 && memcmp(mac, cmacs[i].mac, 16) == 0, "... RFC 4493 example %zu", i + 1);
		l = sizeof mac;
		is_rv(f->C_SignInit(s, &cmac, k128), CKR_OK, "... C_SignInit");
		is_rv(f->C_SignUpdate(s, (CK_BYTE_PTR)pt, half), CKR_OK, "... C_SignUpdate");
		is_rv(f->C_SignUpdate(s, (CK_BYTE_PTR)pt + half, cmacs[i].len - half), CKR_OK,
		      "... C_SignUpdate");
		is_rv(f->C_SignFinal(s, mac, &l), CKR_OK, "... C_SignFinal");
		ok(l == 16 && memcmp(mac, cmacs[i].mac, 16) == 0, "... the same MAC in parts");
		is_rv(f->C_VerifyInit(s, &cmac, k128), CKR_OK, "... C_VerifyInit");
		is_rv(f->C_Verify(s, (CK_BYTE_PTR)pt, cmacs[i].len, mac, 16), CKR_OK, "... C_Verify");
	}
	mac[0] ^= 1;
	is_rv(f->C_VerifyInit(s, &cmac, k128), CKR_OK, "C_VerifyInit");
	is_rv(f->C_Verify(s, (CK_BYTE_PTR)pt, 64, mac, 16), CKR_SIGNATURE_INVALID,
	      "a changed CMAC: CKR_SIGNATURE_INVALID");

	/* unwrapped into a token key (as C_CreateObject, the value passes the host once) */
	{
		CK_BBOOL no = CK_FALSE, loc = CK_TRUE;
		CK_ATTRIBUTE kt[] = {
			ATTR(CKA_CLASS, c_secret), ATTR(CKA_KEY_TYPE, k_aes),
			{ CKA_VALUE, (void *)key128, 16 }, ATTR(CKA_WRAP, yes), ATTR(CKA_UNWRAP, yes),
		};
		CK_ATTRIBUTE vt[] = {
			ATTR(CKA_CLASS, c_secret), ATTR(CKA_KEY_TYPE, k_aes),
			{ CKA_VALUE, (void *)key192, 24 }, ATTR(CKA_EXTRACTABLE, yes),
		};
		CK_ATTRIBUTE ut[] = {
			ATTR(CKA_CLASS, c_secret), ATTR(CKA_KEY_TYPE, k_aes), ATTR(CKA_TOKEN, yes),
			ATTR(CKA_ENCRYPT, yes),
		};
		CK_ATTRIBUTE la = ATTR(CKA_LOCAL, loc);
		CK_MECHANISM kw = { CKM_AES_KEY_WRAP, NULL, 0 };
		CK_OBJECT_HANDLE kek, v, u = 0;
		CK_BYTE w[64];
		CK_ULONG wn = sizeof w;

		is_rv(f->C_CreateObject(s, kt, 5, &kek), CKR_OK, "a session AES key to wrap with");
		is_rv(f->C_CreateObject(s, vt, 4, &v), CKR_OK, "a session AES-192 key to wrap");
		is_rv(f->C_WrapKey(s, &kw, kek, v, w, &wn), CKR_OK, "C_WrapKey AES key wrap");
		is_rv(f->C_UnwrapKey(s, &kw, kek, w, wn, ut, 4, &u), CKR_OK,
		      "C_UnwrapKey into a token AES key");
		is_rv(f->C_GetAttributeValue(s, u, &la, 1), CKR_OK, "... its CKA_LOCAL");
		ok(loc == no, "... is false");
		l = sizeof out;
		is_rv(f->C_EncryptInit(s, &ecb, u), CKR_OK, "... ECB on the token");
		is_rv(f->C_Encrypt(s, (CK_BYTE_PTR)fips_pt, 16, out, &l), CKR_OK, "... C_Encrypt");
		ok(l == 16 && memcmp(out, fips_c2, 16) == 0, "... FIPS-197 C.2: the unwrapped value");
		is_rv(f->C_DestroyObject(s, u), CKR_OK, "... C_DestroyObject");
	}

	is_rv(f->C_DestroyObject(s, k128), CKR_OK, "C_DestroyObject of the AES-128 key");
	is_rv(f->C_DestroyObject(s, k192), CKR_OK, "... the AES-192 key");
	is_rv(f->C_DestroyObject(s, k256), CKR_OK, "... the AES-256 key");
	is_rv(f->C_DestroyObject(s, g), CKR_OK, "... the generated one");
	is_rv(f->C_Finalize(NULL), CKR_OK, "C_Finalize");
	return done_testing();
}
