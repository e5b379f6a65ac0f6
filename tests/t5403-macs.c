/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t5403 — MACs as signing and verification with session secret keys, on the host: HMAC
 * with SHA-1, SHA-2 and SHA-3 (RFC 4231 test cases 1, 2 and 5, the last through
 * CKM_SHA256_HMAC_GENERAL's truncation), AES CMAC (NIST SP 800-38B appendix D.1, examples
 * 1-4) and CKM_AES_CMAC_GENERAL; single and multi-part; random keys and data against
 * `openssl mac` in another process; and the rules: the two-call size rule,
 * CKR_BUFFER_TOO_SMALL keeping the operation, one-shot and multi-part not mixed,
 * CKR_SIGNATURE_INVALID, CKR_SIGNATURE_LEN_RANGE, CKR_MECHANISM_PARAM_INVALID for a
 * _GENERAL length out of range, CKR_KEY_TYPE_INCONSISTENT, CKR_KEY_FUNCTION_NOT_PERMITTED.
 */
#include "api/api.h"
#include "api/bytes.h"

static CK_FUNCTION_LIST_PTR f;
static CK_SESSION_HANDLE s;
static CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
static CK_OBJECT_CLASS c_secret = CKO_SECRET_KEY;

#define ATTR(t, v) { (t), &(v), sizeof(v) }

static CK_OBJECT_HANDLE key_of(CK_KEY_TYPE kt, const uint8_t *v, size_t n, CK_BBOOL sign)
{
	CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
	CK_ATTRIBUTE t[] = {
		ATTR(CKA_CLASS, c_secret), ATTR(CKA_KEY_TYPE, kt), { CKA_VALUE, (void *)v, n },
		ATTR(CKA_SIGN, sign), ATTR(CKA_PRIVATE, no),
	};

	if (f->C_CreateObject(s, t, 5, &h) != CKR_OK)
		return CK_INVALID_HANDLE;
	return h;
}

/* Sign one-shot (after a size query) and in parts; verify both ways; compare. */
static void kat(const char *what, CK_MECHANISM *m, CK_OBJECT_HANDLE k, const uint8_t *d,
		size_t n, const char *mac_hex)
{
	uint8_t want[64], got[80];
	size_t nw = unhex(mac_hex, want), off, piece;
	CK_ULONG len = 0;

	is_rv(f->C_SignInit(s, m, k), CKR_OK, "%s: C_SignInit", what);
	is_rv(f->C_Sign(s, (CK_BYTE_PTR)d, n, NULL, &len), CKR_OK, "%s: size query", what);
	is_ulong(len, nw, "%s: the MAC's length", what);
	len = sizeof got;
	ok(f->C_Sign(s, (CK_BYTE_PTR)d, n, got, &len) == CKR_OK && len == nw &&
	   memcmp(got, want, nw) == 0, "%s: C_Sign gives the known answer", what);
	is_rv(f->C_SignInit(s, m, k), CKR_OK, "%s: again in parts", what);
	for (off = 0, piece = 1; off < n; off += piece, piece = piece * 3 + 1) {
		if (piece > n - off)
			piece = n - off;
		if (f->C_SignUpdate(s, (CK_BYTE_PTR)d + off, piece) != CKR_OK)
			break;
	}
	len = sizeof got;
	memset(got, 0, sizeof got);
	ok(f->C_SignFinal(s, got, &len) == CKR_OK && len == nw && memcmp(got, want, nw) == 0,
	   "%s: C_SignUpdate/C_SignFinal too", what);
	is_rv(f->C_VerifyInit(s, m, k), CKR_OK, "%s: C_VerifyInit", what);
	is_rv(f->C_Verify(s, (CK_BYTE_PTR)d, n, want, nw), CKR_OK, "%s: C_Verify", what);
	is_rv(f->C_VerifyInit(s, m, k), CKR_OK, "%s: in parts", what);
	if (n > 1)
		is_rv(f->C_VerifyUpdate(s, (CK_BYTE_PTR)d, 1), CKR_OK, "%s: a first part", what);
	is_rv(f->C_VerifyUpdate(s, (CK_BYTE_PTR)d + (n > 1), n - (n > 1)), CKR_OK,
	      "%s: the rest", what);
	is_rv(f->C_VerifyFinal(s, want, nw), CKR_OK, "%s: C_VerifyFinal", what);
	want[nw - 1] ^= 1;
	is_rv(f->C_VerifyInit(s, m, k), CKR_OK, "%s: a wrong MAC", what);
	is_rv(f->C_Verify(s, (CK_BYTE_PTR)d, n, want, nw), CKR_SIGNATURE_INVALID,
	      "%s: CKR_SIGNATURE_INVALID", what);
	is_rv(f->C_VerifyInit(s, m, k), CKR_OK, "%s: a MAC of another length", what);
	is_rv(f->C_Verify(s, (CK_BYTE_PTR)d, n, want, nw - 1), CKR_SIGNATURE_LEN_RANGE,
	      "%s: CKR_SIGNATURE_LEN_RANGE", what);
}

static void known_answers(void)
{
	uint8_t k1[20], k5[20], ck[16], m[64];
	CK_MAC_GENERAL_PARAMS l16 = 16;
	CK_MECHANISM m1 = { CKM_SHA_1_HMAC, NULL, 0 }, m224 = { CKM_SHA224_HMAC, NULL, 0 };
	CK_MECHANISM m256 = { CKM_SHA256_HMAC, NULL, 0 }, m384 = { CKM_SHA384_HMAC, NULL, 0 };
	CK_MECHANISM m512 = { CKM_SHA512_HMAC, NULL, 0 }, m3 = { CKM_SHA3_256_HMAC, NULL, 0 };
	CK_MECHANISM g256 = { CKM_SHA256_HMAC_GENERAL, &l16, sizeof l16 };
	CK_MECHANISM cmac = { CKM_AES_CMAC, NULL, 0 }, gcmac = { CKM_AES_CMAC_GENERAL, &l16,
								  sizeof l16 };
	CK_OBJECT_HANDLE h1, hj, h5, hc, hown;
	CK_MAC_GENERAL_PARAMS l8 = 8;

	memset(k1, 0x0b, sizeof k1);
	memset(k5, 0x0c, sizeof k5);
	h1 = key_of(CKK_GENERIC_SECRET, k1, 20, yes);
	hj = key_of(CKK_GENERIC_SECRET, (const uint8_t *)"Jefe", 4, yes);
	h5 = key_of(CKK_GENERIC_SECRET, k5, 20, yes);
	hown = key_of(CKK_SHA256_HMAC, k1, 20, yes);
	kat("RFC 4231 1, HMAC-SHA-224", &m224, h1, (const uint8_t *)"Hi There", 8,
	    "896fb1128abbdf196832107cd49df33f47b4b1169912ba4f53684b22");
	kat("RFC 4231 1, HMAC-SHA-256", &m256, h1, (const uint8_t *)"Hi There", 8,
	    "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
	kat("RFC 4231 1, HMAC-SHA-256 with a CKK_SHA256_HMAC key", &m256, hown,
	    (const uint8_t *)"Hi There", 8,
	    "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
	kat("RFC 4231 1, HMAC-SHA-384", &m384, h1, (const uint8_t *)"Hi There", 8,
	    "afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59c"
	    "faea9ea9076ede7f4af152e8b2fa9cb6");
	kat("RFC 4231 1, HMAC-SHA-512", &m512, h1, (const uint8_t *)"Hi There", 8,
	    "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cde"
	    "daa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854");
	kat("RFC 2202 2 (RFC 4231's key), HMAC-SHA-1", &m1, h1, (const uint8_t *)"Hi There", 8,
	    "b617318655057264e28bc0b6fb378c8ef146be00");
	kat("HMAC-SHA3-256 (FIPS 202 / FIPS 198-1)", &m3, h1, (const uint8_t *)"Hi There", 8,
	    "ba85192310dffa96e2a3a40e69774351140bb7185e1202cdcc917589f95e16bb");
	kat("RFC 4231 2, HMAC-SHA-256", &m256, hj,
	    (const uint8_t *)"what do ya want for nothing?", 28,
	    "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
	kat("RFC 4231 5, HMAC-SHA-256 truncated to 128 bits (_GENERAL)", &g256, h5,
	    (const uint8_t *)"Test With Truncation", 20, "a3b6167473100ee06e0c796c2955552b");

	unhex("2b7e151628aed2a6abf7158809cf4f3c", ck);
	unhex("6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51"
	      "30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710", m);
	hc = key_of(CKK_AES, ck, 16, yes);
	kat("SP 800-38B D.1 example 1 (empty)", &cmac, hc, m, 0,
	    "bb1d6929e95937287fa37d129b756746");
	kat("SP 800-38B D.1 example 2", &cmac, hc, m, 16, "070a16b46b4d4144f79bdd9dd04a287c");
	kat("SP 800-38B D.1 example 3", &cmac, hc, m, 40, "dfa66747de9ae63030ca32611497c827");
	kat("SP 800-38B D.1 example 4", &cmac, hc, m, 64, "51f0bebf7e3b9d92fc49741779363cfe");
	gcmac.pParameter = &l8;
	kat("SP 800-38B D.1 example 4, 8 bytes (_GENERAL)", &gcmac, hc, m, 64,
	    "51f0bebf7e3b9d92");
}

/* Random key and data against `openssl mac` in another process. */
static void cross(const char *what, CK_MECHANISM_TYPE mt, CK_KEY_TYPE kt, size_t klen,
		  size_t dlen, const char *opts)
{
	uint8_t key[64], data[300], got[64], want[64];
	char khex[129], cmd[700], path[] = "/tmp/t5403-XXXXXX";
	CK_MECHANISM m = { mt, NULL, 0 };
	CK_OBJECT_HANDLE h;
	CK_ULONG n = sizeof got;
	size_t nw = 0, i;
	unsigned v;
	FILE *p;
	int fd;

	srand((unsigned)time(NULL) ^ (unsigned)getpid() ^ (unsigned)mt);
	for (i = 0; i < klen; i++) {
		key[i] = (uint8_t)rand();
		sprintf(khex + 2 * i, "%02x", key[i]);
	}
	for (i = 0; i < dlen; i++)
		data[i] = (uint8_t)rand();
	h = key_of(kt, key, klen, yes);
	is_rv(f->C_SignInit(s, &m, h), CKR_OK, "%s: C_SignInit", what);
	is_rv(f->C_Sign(s, data, dlen, got, &n), CKR_OK, "%s: C_Sign of random data", what);
	fd = mkstemp(path);
	ok(fd >= 0 && write(fd, data, dlen) == (ssize_t)dlen, "%s: input for openssl", what);
	close(fd);
	/* the MAC's name comes last, after every option */
	snprintf(cmd, sizeof cmd, "openssl mac -macopt hexkey:%s -binary -in %s %s | od -An -tx1 -v",
		 khex, path, opts);
	p = popen(cmd, "r");
	while (p != NULL && nw < sizeof want && fscanf(p, "%x", &v) == 1)
		want[nw++] = (uint8_t)v;
	ok(p != NULL && pclose(p) == 0, "%s: openssl mac ran", what);
	unlink(path);
	ok(n == nw && memcmp(got, want, nw) == 0, "%s: the same MAC as openssl mac (%zu bytes)",
	   what, nw);
}

static void rules(void)
{
	uint8_t k[32] = { 1, 2, 3 }, sig[80];
	CK_MAC_GENERAL_PARAMS l0 = 0, l33 = 33;
	CK_MECHANISM m256 = { CKM_SHA256_HMAC, NULL, 0 };
	CK_MECHANISM g0 = { CKM_SHA256_HMAC_GENERAL, &l0, sizeof l0 };
	CK_MECHANISM g33 = { CKM_SHA256_HMAC_GENERAL, &l33, sizeof l33 };
	CK_MECHANISM gshort = { CKM_SHA256_HMAC_GENERAL, &l0, 4 };
	CK_MECHANISM mparam = { CKM_SHA256_HMAC, &l0, sizeof l0 };
	CK_MECHANISM cmac = { CKM_AES_CMAC, NULL, 0 };
	CK_OBJECT_HANDLE h = key_of(CKK_GENERIC_SECRET, k, 32, yes);
	CK_OBJECT_HANDLE nosign = key_of(CKK_GENERIC_SECRET, k, 32, no);
	CK_OBJECT_HANDLE aes = key_of(CKK_AES, k, 16, yes);
	CK_OBJECT_HANDLE h384 = key_of(CKK_SHA384_HMAC, k, 32, yes);
	CK_ULONG n;

	is_rv(f->C_SignInit(s, &g0, h), CKR_MECHANISM_PARAM_INVALID, "_GENERAL of 0 bytes");
	is_rv(f->C_SignInit(s, &g33, h), CKR_MECHANISM_PARAM_INVALID, "_GENERAL of 33 bytes");
	is_rv(f->C_SignInit(s, &gshort, h), CKR_MECHANISM_PARAM_INVALID,
	      "_GENERAL with a 4-byte parameter");
	is_rv(f->C_SignInit(s, &mparam, h), CKR_MECHANISM_PARAM_INVALID, "HMAC with a parameter");
	is_rv(f->C_SignInit(s, &m256, aes), CKR_KEY_TYPE_INCONSISTENT, "HMAC with an AES key");
	is_rv(f->C_SignInit(s, &m256, h384), CKR_KEY_TYPE_INCONSISTENT,
	      "HMAC-SHA-256 with a CKK_SHA384_HMAC key");
	is_rv(f->C_SignInit(s, &cmac, h), CKR_KEY_TYPE_INCONSISTENT, "CMAC with a generic key");
	is_rv(f->C_SignInit(s, &m256, nosign), CKR_KEY_FUNCTION_NOT_PERMITTED,
	      "a key with CKA_SIGN false");
	is_rv(f->C_VerifyInit(s, &m256, nosign), CKR_OK, "... verifies (CKA_VERIFY)");
	is_rv(f->C_VerifyInit(s, NULL, nosign), CKR_OK, "(ended)");
	is_rv(f->C_SignInit(s, &m256, h), CKR_OK, "C_SignInit");
	is_rv(f->C_SignInit(s, &m256, h), CKR_OPERATION_ACTIVE, "... twice");
	n = 10;
	is_rv(f->C_Sign(s, k, 5, sig, &n), CKR_BUFFER_TOO_SMALL, "a buffer of 10");
	is_ulong(n, 32, "... says 32");
	is_rv(f->C_SignUpdate(s, k, 5), CKR_OPERATION_ACTIVE, "an update after it");
	n = sizeof sig;
	is_rv(f->C_SignFinal(s, sig, &n), CKR_OPERATION_NOT_INITIALIZED, "... ended the operation");
	is_rv(f->C_SignInit(s, &m256, h), CKR_OK, "again");
	is_rv(f->C_SignUpdate(s, k, 5), CKR_OK, "an update");
	n = sizeof sig;
	is_rv(f->C_Sign(s, k, 5, sig, &n), CKR_OPERATION_ACTIVE, "C_Sign after it");
	is_rv(f->C_SignUpdate(s, k, 5), CKR_OPERATION_NOT_INITIALIZED, "... ended the operation");
	is_rv(f->C_SignInit(s, &m256, h), CKR_OK, "again");
	is_rv(f->C_SignUpdate(s, k, 5), CKR_OK, "an update");
	is_rv(f->C_SignFinal(s, NULL, &n), CKR_OK, "Final's size query");
	is_ulong(n, 32, "... 32");
	n = sizeof sig;
	is_rv(f->C_SignFinal(s, sig, &n), CKR_OK, "C_SignFinal");
	is_rv(f->C_VerifyInit(s, &m256, h), CKR_OK, "verification");
	is_rv(f->C_Verify(s, k, 5, sig, 32), CKR_OK, "of the same data");
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
	cross("HMAC-SHA-256", CKM_SHA256_HMAC, CKK_GENERIC_SECRET, 37, 200,
	      "-digest SHA256 HMAC");
	cross("HMAC-SHA-512, a key longer than its block", CKM_SHA512_HMAC, CKK_GENERIC_SECRET,
	      64, 131, "-digest SHA512 HMAC");
	cross("HMAC-SHA3-384", CKM_SHA3_384_HMAC, CKK_GENERIC_SECRET, 20, 77,
	      "-digest SHA3-384 HMAC");
	cross("AES-256-CMAC", CKM_AES_CMAC, CKK_AES, 32, 99, "-cipher AES-256-CBC CMAC");
	rules();

	is_rv(f->C_CloseSession(s), CKR_OK, "close the session");
	is_rv(f->C_Finalize(NULL), CKR_OK, "C_Finalize");
	return done_testing();
}
