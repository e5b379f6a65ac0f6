/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t5420 — token secret keys through the API against the virtual token: a GOST 28147-89
 * and a Kuznyechik key imported with known values (C_CreateObject, CKA_TOKEN true) compute
 * the known answers of GOST R 34.12-2015 (A.2 Magma = GOST 28147-89 with the TC26-Z
 * S-boxes, in the gost engine's byte order; A.1 Kuznyechik) and GOST R 34.13-2015 (A.1.6
 * OMAC) on the token, and agree with the OpenSSL gost engine run in another process
 * (ECB, the GOST 28147-89 MAC); multi-part encryption gives what one-shot gives; the
 * attributes (CKA_LOCAL, CKA_KEY_GEN_MECHANISM, CKA_VALUE_LEN, CKA_CHECK_VALUE = the
 * token's encryption of a zero block, CKA_VALUE sensitive); a key generated on the token
 * (C_GenerateKey) round-trips and still decrypts in another process after C_Finalize; the
 * mechanism list shows CKF_HW; mechanisms the token does not compute with its keys are
 * refused; C_DestroyObject removes the key from the card; and with the virtual token
 * failing each APDU of an import and of a generation in turn, every call fails and the
 * state file is byte for byte what it was; a card pulled mid-encryption gives an error.
 * DES3 token keys (three-key TDEA, 24 bytes): the NIST SP 800-67 example on the token, CBC
 * and CBC_PAD (one-shot and in parts) against `openssl enc -des-ede3-cbc` in another
 * process, the check value, a generated key (CKA_LOCAL, odd parity as the card makes it,
 * round trip), the refusals (IV and data lengths, key sizes, a DES3 MAC), and the same
 * faults at every APDU of a DES3 import and generation.
 */

#include "api/api.h"
#include "api/bytes.h"
#include "api/token.h"
#include "api/drop.h"

static CK_FUNCTION_LIST_PTR f;
static CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
static CK_OBJECT_CLASS c_secret = CKO_SECRET_KEY;
static CK_KEY_TYPE k_g89 = CKK_GOST28147, k_kuz = CKK_KUZNECHIK;

#define ATTR(t, v) { (t), &(v), sizeof(v) }

/* GOST R 34.12-2015 A.2, in the gost engine's byte order (tests/vtoken/README.md): each
 * 4-byte key word and the whole block reversed. */
static const CK_BYTE k89[32] = {
	0xcc, 0xdd, 0xee, 0xff, 0x88, 0x99, 0xaa, 0xbb, 0x44, 0x55, 0x66, 0x77, 0x00, 0x11,
	0x22, 0x33, 0xf3, 0xf2, 0xf1, 0xf0, 0xf7, 0xf6, 0xf5, 0xf4, 0xfb, 0xfa, 0xf9, 0xf8,
	0xff, 0xfe, 0xfd, 0xfc,
};
static const CK_BYTE p89[8] = { 0x10, 0x32, 0x54, 0x76, 0x98, 0xba, 0xdc, 0xfe };
static const CK_BYTE c89[8] = { 0x3d, 0xca, 0xd8, 0xc2, 0xe5, 0x01, 0xe9, 0x4e };
/* GOST R 34.12-2015 A.1 and GOST R 34.13-2015 A.1.6 */
static const CK_BYTE kk[32] = {
	0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55,
	0x66, 0x77, 0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54, 0x32, 0x10, 0x01, 0x23, 0x45, 0x67,
	0x89, 0xab, 0xcd, 0xef,
};
static const CK_BYTE pk[64] = {
	0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x00, 0xff, 0xee, 0xdd, 0xcc, 0xbb, 0xaa,
	0x99, 0x88, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb,
	0xcc, 0xee, 0xff, 0x0a, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa,
	0xbb, 0xcc, 0xee, 0xff, 0x0a, 0x00, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99,
	0xaa, 0xbb, 0xcc, 0xee, 0xff, 0x0a, 0x00, 0x11,
};
static const CK_BYTE ck[16] = {
	0x7f, 0x67, 0x9d, 0x90, 0xbe, 0xbc, 0x24, 0x30, 0x5a, 0x46, 0x8d, 0x42, 0xb9, 0xd4,
	0xed, 0xcd,
};
static const CK_BYTE omac[8] = { 0x33, 0x6f, 0x4d, 0x29, 0x60, 0x59, 0xfb, 0xe3 };
/* CKA_GOST28147_PARAMS: id-tc26-gost-28147-param-Z, 1.2.643.7.1.2.5.1.1 (RFC 7836) */
static const CK_BYTE oid_z[] = { 0x06, 0x09, 0x2a, 0x85, 0x03, 0x07, 0x01, 0x02, 0x05, 0x01, 0x01 };
/* id-Gost28147-89-CryptoPro-A-ParamSet, 1.2.643.2.2.31.1 (RFC 4357): not on the card */
static const CK_BYTE oid_a[] = { 0x06, 0x07, 0x2a, 0x85, 0x03, 0x02, 0x02, 0x1f, 0x01 };

static CK_RV import(CK_SESSION_HANDLE s, CK_KEY_TYPE *kt, const CK_BYTE *v, const char *label,
		    CK_OBJECT_HANDLE *h)
{
	CK_ATTRIBUTE t[] = {
		ATTR(CKA_CLASS, c_secret), { CKA_KEY_TYPE, kt, sizeof *kt }, ATTR(CKA_TOKEN, yes),
		{ CKA_VALUE, (void *)v, 32 }, { CKA_LABEL, (void *)label, (CK_ULONG)strlen(label) },
		ATTR(CKA_ENCRYPT, yes), ATTR(CKA_DECRYPT, yes), ATTR(CKA_SIGN, yes),
		ATTR(CKA_VERIFY, yes), { CKA_GOST28147_PARAMS, (void *)oid_z, sizeof oid_z },
	};

	return f->C_CreateObject(s, t, *kt == CKK_GOST28147 ? 10 : 9, h);
}

/* NIST SP 800-67 (Rev. 1, appendix B), the TDEA example: Key1 || Key2 || Key3, the plain
 * text "The qufck brown fox jump" (sic) and its ECB encryption. */
static const CK_BYTE k67[24] = {
	0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
	0x01, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0x01, 0x23,
};
static const char p67[] = "The qufck brown fox jump";
static const CK_BYTE c67[24] = {
	0xa8, 0x26, 0xfd, 0x8c, 0xe5, 0x3b, 0x85, 0x5f, 0xcc, 0xe2, 0x1c, 0x81, 0x12, 0x25, 0x6f,
	0xe6, 0x68, 0xd5, 0xc0, 0x5d, 0xd9, 0xb6, 0xb9, 0x00,
};
static CK_KEY_TYPE k_des3 = CKK_DES3;

static CK_RV import_des3(CK_SESSION_HANDLE s, const CK_BYTE *v, CK_ULONG len, const char *label,
			 CK_OBJECT_HANDLE *h)
{
	CK_ATTRIBUTE t[] = {
		ATTR(CKA_CLASS, c_secret), ATTR(CKA_KEY_TYPE, k_des3), ATTR(CKA_TOKEN, yes),
		{ CKA_VALUE, (void *)v, len }, { CKA_LABEL, (void *)label, (CK_ULONG)strlen(label) },
		ATTR(CKA_ENCRYPT, yes), ATTR(CKA_DECRYPT, yes),
	};

	return f->C_CreateObject(s, t, sizeof t / sizeof t[0], h);
}

/* C_GenerateKey CKM_DES3_KEY_GEN on the token; vlen: a CKA_VALUE_LEN to give, or 0 */
static CK_RV generate_des3(CK_SESSION_HANDLE s, const char *label, CK_ULONG vlen,
			   CK_OBJECT_HANDLE *h)
{
	CK_MECHANISM m = { CKM_DES3_KEY_GEN, NULL, 0 };
	CK_ATTRIBUTE t[] = {
		ATTR(CKA_TOKEN, yes), { CKA_LABEL, (void *)label, (CK_ULONG)strlen(label) },
		ATTR(CKA_ENCRYPT, yes), ATTR(CKA_DECRYPT, yes), ATTR(CKA_VALUE_LEN, vlen),
	};

	return f->C_GenerateKey(s, &m, t, vlen ? 5 : 4, h);
}

static CK_RV generate(CK_SESSION_HANDLE s, const char *label, CK_OBJECT_HANDLE *h)
{
	CK_MECHANISM m = { CKM_GOST28147_KEY_GEN, NULL, 0 };
	CK_ATTRIBUTE t[] = {
		ATTR(CKA_TOKEN, yes), { CKA_LABEL, (void *)label, (CK_ULONG)strlen(label) },
		ATTR(CKA_ENCRYPT, yes), ATTR(CKA_DECRYPT, yes),
		{ CKA_GOST28147_PARAMS, (void *)oid_z, sizeof oid_z },
	};

	return f->C_GenerateKey(s, &m, t, 5, h);
}

static CK_RV crypt1(CK_SESSION_HANDLE s, int enc, CK_MECHANISM_TYPE mt, CK_OBJECT_HANDLE h,
		    const CK_BYTE *in, CK_ULONG n, CK_BYTE *out)
{
	CK_MECHANISM m = { mt, NULL, 0 };
	CK_ULONG ol = n;
	CK_RV rv = (enc ? f->C_EncryptInit : f->C_DecryptInit)(s, &m, h);

	if (rv != CKR_OK)
		return rv;
	rv = (enc ? f->C_Encrypt : f->C_Decrypt)(s, (CK_BYTE_PTR)in, n, out, &ol);
	if (rv == CKR_OK && ol != n)
		rv = CKR_GENERAL_ERROR;
	return rv;
}

/* One-shot en- or decryption with a mechanism and its IV (iv NULL: none); *outn in/out. */
static CK_RV crypt_iv(CK_SESSION_HANDLE s, int enc, CK_MECHANISM_TYPE mt, const CK_BYTE *iv,
		      CK_ULONG ivlen, CK_OBJECT_HANDLE h, const CK_BYTE *in, CK_ULONG n,
		      CK_BYTE *out, CK_ULONG *outn)
{
	CK_MECHANISM m = { mt, (void *)iv, iv ? ivlen : 0 };
	CK_RV rv = (enc ? f->C_EncryptInit : f->C_DecryptInit)(s, &m, h);

	if (rv != CKR_OK)
		return rv;
	return (enc ? f->C_Encrypt : f->C_Decrypt)(s, (CK_BYTE_PTR)in, n, out, outn);
}

/* The GOST 28147-89 key RSFs of a state file (proprietary attribute 0A 00 00 AA 00 00). */
static CK_ULONG count_g89_rsfs(const char *st)
{
	CK_ULONG n = 0;

	while (st != NULL && (st = strstr(st, " 10 32 1 0a0000aa0000 ")) != NULL) {
		n++;
		st++;
	}
	return n;
}

/* A command's output in hex (first line), in another process. */
static int run_hex(const char *cmd, char *out, size_t cap)
{
	FILE *p = popen(cmd, "r");
	size_t n;

	if (p == NULL)
		return -1;
	n = fread(out, 1, cap - 1, p);
	out[n] = '\0';
	while (n > 0 && (out[n - 1] == '\n' || out[n - 1] == ' '))
		out[--n] = '\0';
	return pclose(p);
}

/* The gost engine's GOST 28147-89 ECB encryption of one block x: the first block of its
 * CFB encryption of zeros with IV = x (t4019's way). */
static int engine_ecb(const CK_BYTE *key, const CK_BYTE *x, char *out, size_t cap)
{
	char kh[65], xh[17], cmd[512];

	hex(key, 32, kh);
	hex(x, 8, xh);
	snprintf(cmd, sizeof cmd, "head -c 8 /dev/zero | CRYPT_PARAMS=id-tc26-gost-28147-param-Z "
		 "openssl enc -engine gost -gost89 -K %s -iv %s 2>/dev/null | od -An -tx1 | "
		 "tr -d ' \\n'", kh, xh);
	return run_hex(cmd, out, cap);
}

static void known_answers(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE g, CK_OBJECT_HANDLE k)
{
	CK_BYTE out[4096], back[4096], data[4096], zero[8] = { 0 }, kcv[8];
	CK_MECHANISM ecb = { CKM_GOST28147_ECB, NULL, 0 }, mac = { CKM_GOST28147_MAC, NULL, 0 };
	CK_MECHANISM kmac = { CKM_KUZNYECHIK_MAC, NULL, 0 };
	CK_ATTRIBUTE a[2];
	CK_ULONG n, got, total;
	char theirs[8300], ours[8300], cmd[600], kh[65];
	size_t i;
	int good;

	is_rv(crypt1(s, 1, CKM_GOST28147_ECB, g, p89, 8, out), CKR_OK, "GOST 28147-89 ECB on the token");
	ok(memcmp(out, c89, 8) == 0, "... the GOST R 34.12-2015 A.2 example");
	is_rv(crypt1(s, 0, CKM_GOST28147_ECB, g, c89, 8, back), CKR_OK, "... decrypted");
	ok(memcmp(back, p89, 8) == 0, "... back to the plaintext");
	ok(engine_ecb(k89, p89, theirs, sizeof theirs) == 0 && strcmp(theirs, "3dcad8c2e501e94e") == 0,
	   "the gost engine (another process) agrees on the example");

	/* random data, 4096 bytes: one PSO per 4096 on the card; against the engine */
	api_run("/bin/true", (char *)NULL);
	for (i = 0; i < sizeof data; i++)
		data[i] = (CK_BYTE)(rand() & 0xFF);
	is_rv(crypt1(s, 1, CKM_GOST28147_ECB, g, data, 64, out), CKR_OK, "ECB of 64 random bytes");
	good = 1;
	for (i = 0; i < 64; i += 8) {
		hex(out + i, 8, ours);
		if (engine_ecb(k89, data + i, theirs, sizeof theirs) != 0 || strcmp(ours, theirs) != 0)
			good = 0;
	}
	ok(good, "... each block what the gost engine computes");

	/* multi-part: parts of 3, 13, 24, 4056 bytes; output as whole blocks come */
	is_rv(crypt1(s, 1, CKM_GOST28147_ECB, g, data, sizeof data, out), CKR_OK,
	      "one-shot ECB of 4096 bytes");
	is_rv(f->C_EncryptInit(s, &ecb, g), CKR_OK, "C_EncryptInit for parts");
	{
		static const CK_ULONG parts[] = { 3, 13, 24, 4056 };
		CK_ULONG off = 0, j;

		total = 0;
		good = 1;
		for (j = 0; j < 4; j++) {
			got = sizeof back - total;
			if (f->C_EncryptUpdate(s, data + off, parts[j], back + total, &got) != CKR_OK)
				good = 0;
			total += got;
			off += parts[j];
		}
		got = 0;
		if (f->C_EncryptFinal(s, NULL, &got) != CKR_OK || got != 0 ||
		    f->C_EncryptFinal(s, back + total, &got) != CKR_OK)
			good = 0;
	}
	ok(good && total == sizeof data && memcmp(out, back, sizeof data) == 0,
	   "... in parts of 3, 13, 24, 4056 bytes: the same ciphertext");
	is_rv(f->C_EncryptInit(s, &ecb, g), CKR_OK, "C_EncryptInit");
	n = 0;
	is_rv(f->C_Encrypt(s, data, 12, NULL, &n), CKR_DATA_LEN_RANGE,
	      "12 bytes in ECB: CKR_DATA_LEN_RANGE");

	/* the check value: the token's encryption of a zero block */
	is_rv(crypt1(s, 1, CKM_GOST28147_ECB, g, zero, 8, kcv), CKR_OK, "E(0) on the token");
	a[0] = (CK_ATTRIBUTE){ CKA_CHECK_VALUE, out, 8 };
	is_rv(f->C_GetAttributeValue(s, g, a, 1), CKR_OK, "CKA_CHECK_VALUE");
	ok(a[0].ulValueLen == 3 && memcmp(out, kcv, 3) == 0, "... the first 3 bytes of E(0)");
	ok(engine_ecb(k89, zero, theirs, sizeof theirs) == 0 &&
	   (hex(kcv, 8, ours), strcmp(ours, theirs) == 0), "... which the gost engine computes too");
	a[0] = (CK_ATTRIBUTE){ CKA_VALUE, out, 32 };
	is_rv(f->C_GetAttributeValue(s, g, a, 1), CKR_ATTRIBUTE_SENSITIVE,
	      "CKA_VALUE of a token secret key: CKR_ATTRIBUTE_SENSITIVE");
	ok(api_get_bool(f, s, g, CKA_LOCAL) == CK_FALSE, "imported: CKA_LOCAL false");
	is_ulong(api_get_ulong(f, s, g, CKA_VALUE_LEN), 32, "CKA_VALUE_LEN 32");
	is_ulong(api_get_ulong(f, s, g, CKA_KEY_GEN_MECHANISM), CK_UNAVAILABLE_INFORMATION,
	       "CKA_KEY_GEN_MECHANISM unavailable");
	ok(api_get_bool(f, s, g, CKA_TOKEN) == CK_TRUE, "CKA_TOKEN true");

	/* the MAC, against the engine's gost-mac-12 */
	got = sizeof out;
	is_rv(f->C_SignInit(s, &mac, g), CKR_OK, "C_SignInit GOST 28147-89 MAC");
	is_rv(f->C_Sign(s, data, 77, out, &got), CKR_OK, "... MAC of 77 bytes on the token");
	is_ulong(got, 4, "... 4 bytes");
	hex(k89, 32, kh);
	{
		FILE *fp = fopen("t5420-msg.bin", "wb");

		fwrite(data, 1, 77, fp);
		fclose(fp);
	}
	snprintf(cmd, sizeof cmd, "openssl dgst -engine gost -mac gost-mac-12 -macopt hexkey:%s "
		 "t5420-msg.bin 2>/dev/null | awk '{ print $NF }'", kh);
	hex(out, 4, ours);
	ok(run_hex(cmd, theirs, sizeof theirs) == 0 && strcmp(ours, theirs) == 0,
	   "... what the gost engine's gost-mac-12 computes");
	remove("t5420-msg.bin");
	is_rv(f->C_SignInit(s, &mac, g), CKR_OK, "C_SignInit");
	is_rv(f->C_SignUpdate(s, data, 40), CKR_OK, "... C_SignUpdate 40");
	is_rv(f->C_SignUpdate(s, data + 40, 37), CKR_OK, "... C_SignUpdate 37");
	got = sizeof back;
	is_rv(f->C_SignFinal(s, back, &got), CKR_OK, "... C_SignFinal");
	ok(got == 4 && memcmp(back, out, 4) == 0, "... the same MAC");
	is_rv(f->C_VerifyInit(s, &mac, g), CKR_OK, "C_VerifyInit");
	is_rv(f->C_Verify(s, data, 77, out, 4), CKR_OK, "... the MAC verifies");
	out[0] ^= 1;
	is_rv(f->C_VerifyInit(s, &mac, g), CKR_OK, "C_VerifyInit");
	is_rv(f->C_Verify(s, data, 77, out, 4), CKR_SIGNATURE_INVALID,
	      "... a changed one: CKR_SIGNATURE_INVALID");

	/* Kuznyechik */
	is_rv(crypt1(s, 1, CKM_KUZNYECHIK_ECB, k, pk, 16, out), CKR_OK, "Kuznyechik ECB on the token");
	ok(memcmp(out, ck, 16) == 0, "... the GOST R 34.12-2015 A.1 example");
	got = sizeof out;
	is_rv(f->C_SignInit(s, &kmac, k), CKR_OK, "C_SignInit Kuznyechik OMAC");
	is_rv(f->C_Sign(s, (CK_BYTE_PTR)pk, 64, out, &got), CKR_OK, "... the MAC of A.1.6's 4 blocks");
	ok(got == 16 && memcmp(out, omac, 8) == 0, "... the GOST R 34.13-2015 A.1.6 MAC (its 64 bits)");

	/* what the token does not compute with its keys */
	{
		CK_MECHANISM aes = { CKM_AES_ECB, NULL, 0 }, ctr = { CKM_KUZNYECHIK_CTR_ACPKM, NULL, 0 };
		CK_MECHANISM withp = { CKM_GOST28147_ECB, zero, 8 };

		is_rv(f->C_EncryptInit(s, &aes, g), CKR_KEY_TYPE_INCONSISTENT,
		      "AES ECB with a GOST key: CKR_KEY_TYPE_INCONSISTENT");
		is_rv(f->C_EncryptInit(s, &ctr, k), CKR_MECHANISM_INVALID,
		      "Kuznyechik CTR-ACPKM (not computed by the token): CKR_MECHANISM_INVALID");
		is_rv(f->C_EncryptInit(s, &withp, g), CKR_MECHANISM_PARAM_INVALID,
		      "ECB with a parameter: CKR_MECHANISM_PARAM_INVALID");
	}
}

static CK_RV make_key(CK_SESSION_HANDLE s, int gen, int des3, const char *label,
		      CK_OBJECT_HANDLE *h)
{
	if (des3)
		return gen ? generate_des3(s, label, 0, h) : import_des3(s, k67, 24, label, h);
	return gen ? generate(s, label, h) : import(s, &k_g89, k89, label, h);
}

/* `openssl enc -des-ede3-cbc` of in (pad: PKCS #7, else -nopad) under key, in another
 * process: its bytes into out, their number (-1 when it fails). */
static long openssl_des3_cbc(const CK_BYTE *key, const CK_BYTE *iv, int pad, const CK_BYTE *in,
			     size_t n, CK_BYTE *out, size_t cap)
{
	char dir[] = "/tmp/t5420-XXXXXX", kh[49], ivh[17], cmd[256];
	long got;

	api_temp_dir(dir);
	hex(key, 24, kh);
	hex(iv, 8, ivh);
	snprintf(cmd, sizeof cmd, "openssl enc -des-ede3-cbc %s -K %s -iv %s -in in.bin -out out.bin",
		 pad ? "" : "-nopad", kh, ivh);
	got = api_filter(dir, cmd, in, n, out, cap);
	api_remove_dir(dir);
	return got;
}

/* DES3 token keys: three-key TDEA, 24 bytes, ECB, CBC and CBC_PAD on the token */
static void des3_keys(CK_SESSION_HANDLE s)
{
	CK_SLOT_ID slot;
	CK_SESSION_INFO si;
	CK_MECHANISM_INFO mi;
	CK_OBJECT_HANDLE h, g, x;
	CK_BYTE iv[8], data[203], out[256], back[256], ref[256], zero[8] = { 0 }, kcv[8];
	CK_BYTE key[24];
	CK_ATTRIBUTE a[1];
	CK_ULONG n, m, l;
	long rn;
	size_t i;
	char *st;
	size_t len;
	int good, odd, same = 0;

	is_rv(f->C_GetSessionInfo(s, &si), CKR_OK, "DES3: the session's slot");
	slot = si.slotID;
	is_rv(f->C_GetMechanismInfo(slot, CKM_DES3_ECB, &mi), CKR_OK, "C_GetMechanismInfo DES3 ECB");
	ok((mi.flags & CKF_HW) && mi.ulMinKeySize == 24 && mi.ulMaxKeySize == 24,
	   "... CKF_HW, 24..24 bytes: the token computes it");
	is_rv(f->C_GetMechanismInfo(slot, CKM_DES3_KEY_GEN, &mi), CKR_OK,
	      "C_GetMechanismInfo DES3 key generation");
	ok((mi.flags & (CKF_HW | CKF_GENERATE)) == (CKF_HW | CKF_GENERATE), "... CKF_HW and generate");

	is_rv(import_des3(s, k67, 24, "d3kat", &h), CKR_OK,
	      "C_CreateObject of a DES3 token key (the SP 800-67 key)");
	ok(api_get_bool(f, s, h, CKA_TOKEN) == CK_TRUE && api_get_bool(f, s, h, CKA_LOCAL) == CK_FALSE,
	   "... CKA_TOKEN true, CKA_LOCAL false");
	is_ulong(api_get_ulong(f, s, h, CKA_VALUE_LEN), 24, "... CKA_VALUE_LEN 24");
	st = api_state(0, &len);
	ok(st != NULL && strstr(st, " 10 24 1 0d0000aa0000 ") != NULL &&
	   strstr(st, "0123456789abcdef23456789abcdef01456789abcdef0123") != NULL,
	   "... a DES3 RSF (kind 0D) in 6003 with the value as written");
	free(st);
	n = sizeof out;
	is_rv(crypt_iv(s, 1, CKM_DES3_ECB, NULL, 0, h, (const CK_BYTE *)p67, 24, out, &n), CKR_OK,
	      "DES3 ECB on the token");
	ok(n == 24 && memcmp(out, c67, 24) == 0, "... the NIST SP 800-67 TDEA example");
	n = sizeof back;
	is_rv(crypt_iv(s, 0, CKM_DES3_ECB, NULL, 0, h, c67, 24, back, &n), CKR_OK, "... decrypted");
	ok(n == 24 && memcmp(back, p67, 24) == 0, "... its plain text back");

	/* the check value: the first 3 bytes of E(0), the token's and OpenSSL's */
	n = 8;
	is_rv(crypt_iv(s, 1, CKM_DES3_ECB, NULL, 0, h, zero, 8, kcv, &n), CKR_OK, "E(0) on the token");
	a[0] = (CK_ATTRIBUTE){ CKA_CHECK_VALUE, out, sizeof out };
	is_rv(f->C_GetAttributeValue(s, h, a, 1), CKR_OK, "CKA_CHECK_VALUE");
	memset(iv, 0, sizeof iv);
	rn = openssl_des3_cbc(k67, iv, 0, zero, 8, ref, sizeof ref);
	ok(a[0].ulValueLen == 3 && memcmp(out, kcv, 3) == 0 && rn == 8 && memcmp(ref, kcv, 8) == 0,
	   "... the first 3 bytes of E(0), as openssl enc -des-ede3-cbc (IV 0) computes it");
	a[0] = (CK_ATTRIBUTE){ CKA_VALUE, out, 24 };
	is_rv(f->C_GetAttributeValue(s, h, a, 1), CKR_ATTRIBUTE_SENSITIVE,
	      "CKA_VALUE: CKR_ATTRIBUTE_SENSITIVE");

	/* CBC and CBC_PAD against openssl, random IV and data */
	for (i = 0; i < sizeof iv; i++)
		iv[i] = (CK_BYTE)(rand() & 0xFF);
	for (i = 0; i < sizeof data; i++)
		data[i] = (CK_BYTE)(rand() & 0xFF);
	n = sizeof out;
	is_rv(crypt_iv(s, 1, CKM_DES3_CBC, iv, 8, h, data, 200, out, &n), CKR_OK,
	      "DES3 CBC of 200 bytes on the token");
	rn = openssl_des3_cbc(k67, iv, 0, data, 200, ref, sizeof ref);
	ok(n == 200 && rn == 200 && memcmp(out, ref, 200) == 0, "... as openssl enc -des-ede3-cbc -nopad");
	n = sizeof back;
	is_rv(crypt_iv(s, 0, CKM_DES3_CBC, iv, 8, h, ref, 200, back, &n), CKR_OK,
	      "... decrypting openssl's ciphertext");
	ok(n == 200 && memcmp(back, data, 200) == 0, "... gives the data back");
	n = sizeof out;
	is_rv(crypt_iv(s, 1, CKM_DES3_CBC_PAD, iv, 8, h, data, 203, out, &n), CKR_OK,
	      "DES3 CBC_PAD of 203 bytes (padded on the host)");
	rn = openssl_des3_cbc(k67, iv, 1, data, 203, ref, sizeof ref);
	ok(n == 208 && rn == 208 && memcmp(out, ref, 208) == 0,
	   "... 208 bytes, as openssl enc -des-ede3-cbc (PKCS #7 padding)");
	{
		CK_MECHANISM mp = { CKM_DES3_CBC_PAD, iv, 8 };
		static const CK_ULONG cuts[] = { 5, 11, 3, 100, 89 };
		size_t j;
		CK_RV rv;

		/* in parts that cut blocks: the host keeps the partial block and the chaining */
		rv = f->C_DecryptInit(s, &mp, h);
		m = 0;
		for (j = 0, l = 0; rv == CKR_OK && j < 5; j++) {
			n = sizeof back - m;
			rv = f->C_DecryptUpdate(s, ref + l, cuts[j], back + m, &n);
			l += cuts[j];
			m += n;
		}
		n = sizeof back - m;
		if (rv == CKR_OK)
			rv = f->C_DecryptFinal(s, back + m, &n);
		m += n;
		is_rv(rv, CKR_OK, "CBC_PAD decryption of openssl's ciphertext in parts of 5, 11, 3, 100, 89");
		ok(m == 203 && memcmp(back, data, 203) == 0, "... the 203 bytes back, the padding dropped");
	}

	/* refusals */
	n = sizeof out;
	is_rv(crypt_iv(s, 1, CKM_DES3_CBC, iv, 16, h, data, 16, out, &n), CKR_MECHANISM_PARAM_INVALID,
	      "a 16-byte IV for DES3 CBC: CKR_MECHANISM_PARAM_INVALID");
	n = sizeof out;
	is_rv(crypt_iv(s, 1, CKM_DES3_CBC_PAD, NULL, 0, h, data, 16, out, &n),
	      CKR_MECHANISM_PARAM_INVALID, "DES3 CBC_PAD without an IV: CKR_MECHANISM_PARAM_INVALID");
	n = sizeof out;
	is_rv(crypt_iv(s, 1, CKM_DES3_ECB, NULL, 0, h, data, 12, out, &n), CKR_DATA_LEN_RANGE,
	      "DES3 ECB of 12 bytes: CKR_DATA_LEN_RANGE");
	{
		CK_MECHANISM cm = { CKM_DES3_CMAC, NULL, 0 }, am = { CKM_AES_ECB, NULL, 0 };

		is_rv(f->C_SignInit(s, &cm, h), CKR_MECHANISM_INVALID,
		      "DES3 CMAC with a token DES3 key (not computed by the token): CKR_MECHANISM_INVALID");
		is_rv(f->C_EncryptInit(s, &am, h), CKR_KEY_TYPE_INCONSISTENT,
		      "AES ECB with a DES3 key: CKR_KEY_TYPE_INCONSISTENT");
	}
	is_rv(import_des3(s, k67, 16, "d3short", &x), CKR_ATTRIBUTE_VALUE_INVALID,
	      "a 16-byte DES3 token key (two-key TDEA): CKR_ATTRIBUTE_VALUE_INVALID");
	is_rv(generate_des3(s, "d3g16", 16, &x), CKR_ATTRIBUTE_VALUE_INVALID,
	      "C_GenerateKey DES3 with CKA_VALUE_LEN 16: CKR_ATTRIBUTE_VALUE_INVALID");
	is_ulong((CK_ULONG)api_find_label(f, s, "d3short", NULL) +
		 (CK_ULONG)api_find_label(f, s, "d3g16", NULL), 0, "... neither left a key");

	/* generated on the token, with and without CKA_VALUE_LEN */
	is_rv(generate_des3(s, "d3gen", 24, &g), CKR_OK,
	      "C_GenerateKey DES3 (CKA_VALUE_LEN 24) on the token");
	is_rv(generate_des3(s, "d3gen0", 0, &x), CKR_OK, "... and without CKA_VALUE_LEN");
	is_ulong(api_get_ulong(f, s, x, CKA_VALUE_LEN), 24, "... which is 24 bytes too");
	ok(api_get_bool(f, s, g, CKA_LOCAL) == CK_TRUE, "... CKA_LOCAL true");
	is_ulong(api_get_ulong(f, s, g, CKA_KEY_GEN_MECHANISM), CKM_DES3_KEY_GEN,
		 "... CKA_KEY_GEN_MECHANISM CKM_DES3_KEY_GEN");
	n = 8;
	is_rv(crypt_iv(s, 1, CKM_DES3_ECB, NULL, 0, g, zero, 8, kcv, &n), CKR_OK, "... E(0)");
	a[0] = (CK_ATTRIBUTE){ CKA_CHECK_VALUE, out, sizeof out };
	ok(f->C_GetAttributeValue(s, g, a, 1) == CKR_OK && a[0].ulValueLen == 3 &&
	   memcmp(out, kcv, 3) == 0, "... CKA_CHECK_VALUE is its first 3 bytes");
	n = sizeof out;
	is_rv(crypt_iv(s, 1, CKM_DES3_CBC_PAD, iv, 8, g, data, 50, out, &n), CKR_OK,
	      "... CBC_PAD encrypts");
	m = sizeof back;
	is_rv(crypt_iv(s, 0, CKM_DES3_CBC_PAD, iv, 8, g, out, n, back, &m), CKR_OK, "... and decrypts");
	ok(n == 56 && m == 50 && memcmp(back, data, 50) == 0, "... round trip");
	/* the value only the card (and the test, through its state file) sees: odd parity,
	 * and the key OpenSSL computes the same with */
	st = api_state(0, &len);
	good = 0;
	odd = 1;
	{
		const char *p = st;
		char ch[49];

		/* the last DES3 RSF line of 6003 whose value is not the imported key's */
		while (p != NULL && (p = strstr(p, " 10 24 1 0d0000aa0000 ")) != NULL) {
			const char *e = strchr(p + 22, ' ');

			p++;
			if (e == NULL || strlen(e + 1) < 48)
				continue;
			memcpy(ch, e + 1, 48);
			ch[48] = '\0';
			if (strcmp(ch, "0123456789abcdef23456789abcdef01456789abcdef0123") == 0)
				continue;
			if (unhex(ch, key) != 24)
				continue;
			for (i = 0; i < 24; i++) {
				unsigned v = key[i], ones = 0;

				for (; v; v >>= 1)
					ones += v & 1;
				odd &= ones % 2;
			}
			good++;
			memset(iv, 0, sizeof iv);
			if (openssl_des3_cbc(key, iv, 0, zero, 8, ref, sizeof ref) == 8 &&
			    memcmp(ref, kcv, 8) == 0)
				same++;
		}
	}
	free(st);
	ok(good == 2 && odd, "the two generated keys on the card: every byte of odd parity");
	ok(same == 1, "... one of them is the key whose E(0) the token gave, in openssl's hands too");
	is_rv(f->C_DestroyObject(s, x), CKR_OK, "C_DestroyObject of a generated DES3 key");
	is_rv(f->C_DestroyObject(s, g), CKR_OK, "... and the other");
	is_rv(f->C_DestroyObject(s, h), CKR_OK, "... and the imported one");
	st = api_state(0, &len);
	ok(st != NULL && strstr(st, " 10 24 1 0d0000aa0000 ") == NULL, "... no DES3 RSF left in 6003");
	free(st);
}

static void faults(CK_SESSION_HANDLE s, int gen, int des3)
{
	const char *what = gen ? des3 ? "C_GenerateKey (DES3)" : "C_GenerateKey"
			       : des3 ? "C_CreateObject (DES3)" : "C_CreateObject";
	CK_OBJECT_HANDLE h;
	char *before;
	size_t len;
	long n, i, mark;
	int all_failed = 1, all_same = 1, cache_same = 1;
	CK_RV rv;

	mark = api_apdus(0);
	rv = make_key(s, gen, des3, "probe", &h);
	n = api_apdus(0) - mark;
	is_rv(rv, CKR_OK, "%s of a token secret key, to count its APDUs (%ld)", what, n);
	is_rv(f->C_DestroyObject(s, h), CKR_OK, "... destroyed again");
	before = api_state(0, &len);
	ok(before != NULL, "the token's state file");
	for (i = 1; i <= n; i++) {
		char cmd[64];

		snprintf(cmd, sizeof cmd, "fail-at %ld 6F00", i);
		api_ctl(0, cmd, NULL, 0);
		rv = make_key(s, gen, des3, "faulty", &h);
		api_ctl(0, "fail-at 1000000 6F00", NULL, 0);
		if (rv == CKR_OK) {
			all_failed = 0;
			diag("APDU %ld failed, %s said CKR_OK", i, what);
			f->C_DestroyObject(s, h);
		}
		if (!api_same_state(before, len)) {
			all_same = 0;
			diag("APDU %ld failed: the token changed", i);
		}
		if (api_find_label(f, s, "faulty", NULL) != 0) {
			cache_same = 0;
			diag("APDU %ld failed: the module shows an object", i);
		}
	}
	ok(all_failed, "%s fails whichever of its %ld APDUs fails", what, n);
	ok(all_same, "... and the state file is byte for byte as before");
	ok(cache_same, "... and the module shows no new object");
	free(before);
}

/* The first token secret key of a token also creates its SKDF and names it in the ODF:
 * every APDU of that import failed in turn (until one try succeeds), each failure leaving
 * the state file as it was. The successful last try is the key h. */
static void faults_first(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE *h)
{
	char *before;
	size_t len;
	long i, mark, sent = 0;
	int all_same = 1, cache_same = 1, none_ok = 1;
	CK_RV rv = CKR_GENERAL_ERROR;

	before = api_state(0, &len);
	for (i = 1; i <= 64; i++) {
		char cmd[64];

		snprintf(cmd, sizeof cmd, "fail-at %ld 6F00", i);
		api_ctl(0, cmd, NULL, 0);
		mark = api_apdus(0);
		rv = import(s, &k_g89, k89, "g89", h);
		sent = api_apdus(0) - mark;
		api_ctl(0, "fail-at 1000000 6F00", NULL, 0);
		if (rv == CKR_OK) {
			if (sent >= i)
				none_ok = 0;    /* the failed APDU was one of its own */
			break;
		}
		if (!api_same_state(before, len)) {
			all_same = 0;
			diag("APDU %ld of the first import failed: the token changed", i);
		}
		if (api_find_label(f, s, "g89", NULL) != 0)
			cache_same = 0;
	}
	ok(rv == CKR_OK && i > 10 && none_ok,
	   "the first import (with the SKDF's creation) fails whichever of its %ld APDUs fails",
	   i - 1);
	ok(all_same, "... and the state file is byte for byte as before");
	ok(cache_same, "... and the module shows no key");
	free(before);
}

/* The card pulled out at the GENERATE of a generation: an error; back in, no key, and the
 * next generation succeeds although the RSF the first one created stayed on the card (it
 * is reclaimed: no SKDF entry names it). */
static void pulled_generate(CK_SESSION_HANDLE *s)
{
	unsigned ins[64];
	long mark, n, k, at = -1;
	CK_OBJECT_HANDLE h;
	CK_BYTE out[8], zero[8] = { 0 };
	CK_RV rv, rrv = CKR_GENERAL_ERROR;

	mark = api_apdus(0);
	is_rv(generate(*s, "count", &h), CKR_OK, "a generation, to find its GENERATE");
	n = api_ins_since(0, mark, ins, 64);
	for (k = 0; k < n && k < 64; k++)
		if (ins[k] == 0x46)
			at = k + 1;
	ok(at > 1, "... GENERATE is its APDU %ld of %ld", at, n);
	is_rv(f->C_DestroyObject(*s, h), CKR_OK, "... destroyed");
	drop_arm(at);
	rv = generate(*s, "pulled", &h);
	ok(rv != CKR_OK && drop_rv_allowed(rv), "the card pulled at GENERATE: %s", sk_rv_name(rv));
	drop_recover(f, s, 1, &rrv);
	is_rv(rrv, CKR_OK, "the card back, a new session, logged in");
	is_ulong((CK_ULONG)api_find_label(f, *s, "pulled", NULL), 0, "... no key");
	is_rv(generate(*s, "after", &h), CKR_OK,
	      "the next generation succeeds (the RSF left behind is reclaimed)");
	is_rv(crypt1(*s, 1, CKM_GOST28147_ECB, h, zero, 8, out), CKR_OK, "... and its key works");
	is_rv(f->C_DestroyObject(*s, h), CKR_OK, "... destroyed");
}

int main(int argc, char **argv)
{
	CK_SLOT_ID slot = 0;
	CK_SESSION_HANDLE s = 0;
	CK_OBJECT_HANDLE g = 0, k = 0, gen = 0, hs[16];
	CK_MECHANISM_INFO mi;
	CK_BYTE data[64], ct[64], out[64], zero[8] = { 0 }, kcv[8];
	CK_ATTRIBUTE a[1];
	CK_MECHANISM ecb = { CKM_GOST28147_ECB, NULL, 0 };
	CK_ULONG n;
	char *st;
	size_t len;
	pid_t pid;
	int status;
	size_t i;

	api_rig(argv, 1);
	srand((unsigned)time(NULL));
	f = api_module();
	is_rv(f->C_Initialize(NULL), CKR_OK, "C_Initialize");
	is_rv(api_slot_of(f, 0, &slot), CKR_OK, "the token's slot");
	is_rv(api_prepare_token(f, slot, "t5420"), CKR_OK, "C_InitToken and C_InitPIN");
	is_rv(f->C_GetMechanismInfo(slot, CKM_GOST28147_ECB, &mi), CKR_OK,
	      "C_GetMechanismInfo GOST 28147-89 ECB");
	ok((mi.flags & (CKF_HW | CKF_ENCRYPT | CKF_DECRYPT)) == (CKF_HW | CKF_ENCRYPT | CKF_DECRYPT),
	   "... CKF_HW, encrypt and decrypt: the token computes it");
	is_rv(f->C_GetMechanismInfo(slot, CKM_GOST28147_KEY_GEN, &mi), CKR_OK,
	      "C_GetMechanismInfo GOST 28147-89 key generation");
	ok((mi.flags & (CKF_HW | CKF_GENERATE)) == (CKF_HW | CKF_GENERATE), "... CKF_HW and generate");
	is_rv(f->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s), CKR_OK,
	      "R/W session");
	is_rv(f->C_Login(s, CKU_USER, API_PIN(API_USER_PIN)), CKR_OK, "user login");

	faults_first(s, &g);
	is_ulong((CK_ULONG)api_find_label(f, s, "g89", NULL), 1, "a GOST 28147-89 key imported onto the token");
	is_rv(import(s, &k_kuz, kk, "kuz", &k), CKR_OK, "import a Kuznyechik key onto the token");
	{
		CK_ATTRIBUTE t[] = {
			ATTR(CKA_CLASS, c_secret), ATTR(CKA_KEY_TYPE, k_g89), ATTR(CKA_TOKEN, yes),
			{ CKA_VALUE, (void *)k89, 32 },
			{ CKA_GOST28147_PARAMS, (void *)oid_a, sizeof oid_a },
		};
		CK_OBJECT_HANDLE h;
		CK_KEY_TYPE k_gen = CKK_GENERIC_SECRET;
		CK_ATTRIBUTE ta[] = {
			ATTR(CKA_CLASS, c_secret), ATTR(CKA_KEY_TYPE, k_gen), ATTR(CKA_TOKEN, yes),
			{ CKA_VALUE, (void *)k89, 24 },
		};

		is_rv(f->C_CreateObject(s, t, 5, &h), CKR_ATTRIBUTE_VALUE_INVALID,
		      "a GOST 28147-89 key with the CryptoPro-A S-boxes: not on this token");
		is_rv(f->C_CreateObject(s, ta, 4, &h), CKR_TEMPLATE_INCONSISTENT,
		      "a token generic secret key (the family leaves it to the host): "
		      "CKR_TEMPLATE_INCONSISTENT");
		{
			CK_ATTRIBUTE tr[] = {
				ATTR(CKA_CLASS, c_secret), ATTR(CKA_KEY_TYPE, k_kuz),
				ATTR(CKA_TOKEN, yes), { CKA_VALUE, (void *)kk, 32 },
				ATTR(CKA_SENSITIVE, no), ATTR(CKA_EXTRACTABLE, yes),
			};

			is_rv(f->C_CreateObject(s, tr, 6, &h), CKR_TEMPLATE_INCONSISTENT,
			      "a token key that should be readable (not sensitive, extractable): "
			      "the card never gives a value back, CKR_TEMPLATE_INCONSISTENT");
		}
	}
	st = api_state(0, &len);
	ok(st != NULL && strstr(st, "ccddeeff8899aabb44556677") != NULL,
	   "the key value is in the card's state file (6003), as written");
	free(st);
	known_answers(s, g, k);

	/* generated on the token */
	is_rv(generate(s, "gen", &gen), CKR_OK, "C_GenerateKey GOST 28147-89 on the token");
	ok(api_get_bool(f, s, gen, CKA_LOCAL) == CK_TRUE, "... CKA_LOCAL true");
	is_ulong(api_get_ulong(f, s, gen, CKA_KEY_GEN_MECHANISM), CKM_GOST28147_KEY_GEN,
		 "... CKA_KEY_GEN_MECHANISM");
	ok(api_get_bool(f, s, gen, CKA_ALWAYS_SENSITIVE) == CK_TRUE &&
	   api_get_bool(f, s, gen, CKA_NEVER_EXTRACTABLE) == CK_TRUE, "... always sensitive, never extractable");
	is_rv(crypt1(s, 1, CKM_GOST28147_ECB, gen, zero, 8, kcv), CKR_OK, "... E(0)");
	a[0] = (CK_ATTRIBUTE){ CKA_CHECK_VALUE, out, 8 };
	ok(f->C_GetAttributeValue(s, gen, a, 1) == CKR_OK && a[0].ulValueLen == 3 &&
	   memcmp(out, kcv, 3) == 0, "... CKA_CHECK_VALUE is its first 3 bytes");
	for (i = 0; i < sizeof data; i++)
		data[i] = (CK_BYTE)(rand() & 0xFF);
	is_rv(crypt1(s, 1, CKM_GOST28147_ECB, gen, data, 64, ct), CKR_OK, "... encrypts");
	is_rv(crypt1(s, 0, CKM_GOST28147_ECB, gen, ct, 64, out), CKR_OK, "... decrypts");
	ok(memcmp(out, data, 64) == 0 && memcmp(ct, data, 64) != 0, "... round trip");

	/* another process after C_Finalize: the key is on the card */
	is_rv(f->C_Finalize(NULL), CKR_OK, "C_Finalize");
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		CK_SESSION_HANDLE s2;
		CK_ULONG ol = 64;
		int rc = 1;

		if (f->C_Initialize(NULL) == CKR_OK &&
		    f->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &s2) == CKR_OK &&
		    f->C_Login(s2, CKU_USER, API_PIN(API_USER_PIN)) == CKR_OK &&
		    api_find_label(f, s2, "gen", hs) == 1 && f->C_DecryptInit(s2, &ecb, hs[0]) == CKR_OK &&
		    f->C_Decrypt(s2, ct, 64, out, &ol) == CKR_OK && ol == 64 &&
		    memcmp(out, data, 64) == 0)
			rc = 0;
		f->C_Finalize(NULL);
		_exit(rc);
	}
	ok(pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	   WEXITSTATUS(status) == 0, "another process finds the generated key and decrypts with it");
	is_rv(f->C_Initialize(NULL), CKR_OK, "C_Initialize again");
	is_rv(f->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s), CKR_OK,
	      "R/W session");
	is_rv(f->C_Login(s, CKU_USER, API_PIN(API_USER_PIN)), CKR_OK, "user login");
	is_ulong((CK_ULONG)api_find_label(f, s, "gen", hs), 1, "the generated key, found again");
	gen = hs[0];
	is_ulong((CK_ULONG)api_find_label(f, s, "g89", hs), 1, "the imported one");
	g = hs[0];

	/* a card pulled out in the middle of an encryption */
	is_rv(f->C_EncryptInit(s, &ecb, g), CKR_OK, "C_EncryptInit");
	n = sizeof out;
	is_rv(f->C_EncryptUpdate(s, data, 16, out, &n), CKR_OK, "C_EncryptUpdate");
	api_ctl(0, "drop-at 1", NULL, 0);
	n = sizeof out;
	ok(f->C_EncryptUpdate(s, data, 16, out, &n) != CKR_OK,
	   "the card pulled at the next part: an error, no crash");
	api_ctl(0, "insert", NULL, 0);
	f->C_CloseAllSessions(slot);
	is_rv(f->C_Finalize(NULL), CKR_OK, "C_Finalize");
	is_rv(f->C_Initialize(NULL), CKR_OK, "C_Initialize");
	{
		long tries = 0;

		while (f->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s) !=
		       CKR_OK && tries++ < 50)
			usleep(100000);
	}
	is_rv(f->C_Login(s, CKU_USER, API_PIN(API_USER_PIN)), CKR_OK, "after re-insertion: login");
	is_ulong((CK_ULONG)api_find_label(f, s, "gen", hs), 1, "the generated key is still there");
	gen = hs[0];

	st = api_state(0, &len);
	n = count_g89_rsfs(st);
	free(st);
	{
		CK_ATTRIBUTE t[] = { ATTR(CKA_TOKEN, yes) };
		CK_OBJECT_HANDLE c;

		is_rv(f->C_CopyObject(s, gen, NULL, 0, &c), CKR_ACTION_PROHIBITED,
		      "C_CopyObject of a token secret key: its value is not on the host");
		is_rv(f->C_CopyObject(s, gen, t, 1, &c), CKR_ACTION_PROHIBITED,
		      "... not onto the token either");
	}
	{
		CK_ATTRIBUTE t[] = { { CKA_LABEL, "renamed", 7 } };
		CK_ATTRIBUTE e[] = { ATTR(CKA_ENCRYPT, yes) };
		CK_BYTE again[64];

		is_rv(f->C_SetAttributeValue(s, gen, t, 1), CKR_OK,
		      "C_SetAttributeValue: the key's label changes on the card");
		is_ulong((CK_ULONG)api_find_label(f, s, "renamed", hs), 1, "... found by it");
		is_rv(crypt1(s, 1, CKM_GOST28147_ECB, gen, data, 64, again), CKR_OK,
		      "... and it still encrypts");
		ok(memcmp(again, ct, 64) == 0, "... as before");
		is_rv(f->C_SetAttributeValue(s, gen, e, 1), CKR_OK,
		      "an attribute set to the value it has: no change, CKR_OK");
	}
	is_rv(f->C_DestroyObject(s, gen), CKR_OK, "C_DestroyObject of the generated key");
	is_ulong((CK_ULONG)api_find_label(f, s, "gen", NULL), 0, "... gone");
	st = api_state(0, &len);
	ok(n == 2 && count_g89_rsfs(st) == 1, "... and its RSF in 6003 deleted on the card");
	free(st);

	faults(s, 0, 0);
	faults(s, 1, 0);
	des3_keys(s);
	faults(s, 0, 1);
	faults(s, 1, 1);
	pulled_generate(&s);
	is_rv(f->C_Finalize(NULL), CKR_OK, "C_Finalize");
	return done_testing();
}
