/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t5802 — message-based signing and verification (PKCS #11 3.2, 5.14 and 5.16): HMAC
 * (RFC 4231 test cases 1 and 2, SHA-256 and SHA-512; test case 5 through
 * CKM_SHA256_HMAC_GENERAL's 16 bytes) and AES CMAC (NIST SP 800-38B appendix D.1,
 * examples 1-4) through C_SignMessage and C_SignMessageBegin/Next, several messages in one
 * process; random keys and messages against `openssl mac` in another process; ECDSA
 * P-256 with SHA-256 and a key made on the (virtual) token, each message's signature
 * verified by the module and by Python's `cryptography` in another process; an RSA key
 * with CKA_ALWAYS_AUTHENTICATE asking for the PIN before each message; and the rules: the size query and CKR_BUFFER_TOO_SMALL keeping the message (its part not fed
 * twice), a message parameter where none belongs (CKR_MECHANISM_PARAM_INVALID),
 * CKR_SIGNATURE_INVALID / CKR_SIGNATURE_LEN_RANGE ending the message but not the process,
 * CKR_OPERATION_NOT_INITIALIZED / CKR_OPERATION_ACTIVE, the classic operation excluded,
 * CKR_KEY_FUNCTION_NOT_PERMITTED, and the mechanisms' CKF_MESSAGE_SIGN /
 * CKF_MESSAGE_VERIFY / CKF_MULTI_MESSAGE.
 */
#include "api/api.h"
#include "api/bytes.h"

static CK_FUNCTION_LIST_3_0_PTR f;
static CK_SESSION_HANDLE s;
static CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
static CK_OBJECT_CLASS c_secret = CKO_SECRET_KEY;
static char tmp[] = "/tmp/t5802-XXXXXX";

#define ATTR(t, v) { (t), &(v), sizeof(v) }

static CK_OBJECT_HANDLE key_of(CK_KEY_TYPE kt, const uint8_t *v, size_t n, CK_BBOOL sign,
			       CK_BBOOL verify)
{
	CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
	CK_ATTRIBUTE t[] = {
		ATTR(CKA_CLASS, c_secret), ATTR(CKA_KEY_TYPE, kt), { CKA_VALUE, (void *)v, n },
		ATTR(CKA_SIGN, sign), ATTR(CKA_VERIFY, verify), ATTR(CKA_PRIVATE, no),
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

/* Sign one message one-shot and in parts (twice in one process), verify both ways. */
static void kat(const char *what, CK_MECHANISM *m, CK_OBJECT_HANDLE k, const uint8_t *d,
		size_t n, const char *mac_hex)
{
	uint8_t want[64], got[80];
	size_t nw = unhex(mac_hex, want), off, piece;
	CK_ULONG len = 0;
	int round;

	is_rv(f->C_MessageSignInit(s, m, k), CKR_OK, "%s: C_MessageSignInit", what);
	is_rv(f->C_SignMessage(s, NULL, 0, (CK_BYTE_PTR)d, n, NULL, &len), CKR_OK,
	      "%s: size query", what);
	is_ulong(len, nw, "%s: the MAC's length", what);
	for (round = 0; round < 2; round++) {
		len = sizeof got;
		ok(f->C_SignMessage(s, NULL, 0, (CK_BYTE_PTR)d, n, got, &len) == CKR_OK &&
		   len == nw && memcmp(got, want, nw) == 0,
		   "%s: C_SignMessage gives the known answer (message %d)", what, round + 1);
	}
	is_rv(f->C_SignMessageBegin(s, NULL, 0), CKR_OK, "%s: C_SignMessageBegin", what);
	for (off = 0, piece = 1; off < n; off += piece, piece = piece * 3 + 1) {
		if (piece > n - off)
			piece = n - off;
		if (f->C_SignMessageNext(s, NULL, 0, (CK_BYTE_PTR)d + off, piece, NULL, NULL) !=
		    CKR_OK)
			break;
	}
	len = sizeof got;
	memset(got, 0, sizeof got);
	ok(f->C_SignMessageNext(s, NULL, 0, NULL, 0, got, &len) == CKR_OK && len == nw &&
	   memcmp(got, want, nw) == 0, "%s: in parts too", what);
	is_rv(f->C_MessageSignFinal(s), CKR_OK, "%s: C_MessageSignFinal", what);

	is_rv(f->C_MessageVerifyInit(s, m, k), CKR_OK, "%s: C_MessageVerifyInit", what);
	is_rv(f->C_VerifyMessage(s, NULL, 0, (CK_BYTE_PTR)d, n, want, nw), CKR_OK,
	      "%s: C_VerifyMessage", what);
	is_rv(f->C_VerifyMessageBegin(s, NULL, 0), CKR_OK, "%s: C_VerifyMessageBegin", what);
	if (n > 1)
		is_rv(f->C_VerifyMessageNext(s, NULL, 0, (CK_BYTE_PTR)d, 1, NULL, 0), CKR_OK,
		      "%s: a first part", what);
	is_rv(f->C_VerifyMessageNext(s, NULL, 0, (CK_BYTE_PTR)d + (n > 1), n - (n > 1), want, nw),
	      CKR_OK, "%s: the rest with the MAC", what);
	want[0] ^= 1;
	is_rv(f->C_VerifyMessage(s, NULL, 0, (CK_BYTE_PTR)d, n, want, nw), CKR_SIGNATURE_INVALID,
	      "%s: a wrong MAC: CKR_SIGNATURE_INVALID", what);
	want[0] ^= 1;
	is_rv(f->C_VerifyMessage(s, NULL, 0, (CK_BYTE_PTR)d, n, want, nw), CKR_OK,
	      "%s: the process went on", what);
	is_rv(f->C_MessageVerifyFinal(s), CKR_OK, "%s: C_MessageVerifyFinal", what);
}

static void known_answers(void)
{
	uint8_t k1[20], k2[4], k5[20], kc[16], d1[8], d2[28], d5[20], dc[64];
	CK_ULONG sixteen = 16;
	CK_MECHANISM h256 = { CKM_SHA256_HMAC, NULL, 0 }, h512 = { CKM_SHA512_HMAC, NULL, 0 },
		     hg = { CKM_SHA256_HMAC_GENERAL, &sixteen, sizeof sixteen },
		     cmac = { CKM_AES_CMAC, NULL, 0 };
	CK_KEY_TYPE gs = CKK_GENERIC_SECRET;
	CK_OBJECT_HANDLE h1, h2, h5, hc;

	memset(k1, 0x0b, sizeof k1);
	memcpy(k2, "Jefe", 4);
	memset(k5, 0x0c, sizeof k5);
	memcpy(d1, "Hi There", 8);
	memcpy(d2, "what do ya want for nothing?", 28);
	memcpy(d5, "Test With Truncation", 20);
	h1 = key_of(gs, k1, 20, yes, yes);
	h2 = key_of(gs, k2, 4, yes, yes);
	h5 = key_of(gs, k5, 20, yes, yes);
	kat("RFC 4231 1, HMAC-SHA-256", &h256, h1, d1, 8,
	    "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
	kat("RFC 4231 2, HMAC-SHA-512", &h512, h2, d2, 28,
	    "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554"
	    "9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737");
	kat("RFC 4231 5, HMAC-SHA-256 cut to 16 bytes", &hg, h5, d5, 20,
	    "a3b6167473100ee06e0c796c2955552b");

	unhex("2b7e151628aed2a6abf7158809cf4f3c", kc);
	unhex("6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51"
	      "30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710", dc);
	hc = key_of(CKK_AES, kc, 16, yes, yes);
	kat("SP 800-38B D.1 example 1 (empty)", &cmac, hc, dc, 0,
	    "bb1d6929e95937287fa37d129b756746");
	kat("SP 800-38B D.1 example 2", &cmac, hc, dc, 16, "070a16b46b4d4144f79bdd9dd04a287c");
	kat("SP 800-38B D.1 example 3", &cmac, hc, dc, 40, "dfa66747de9ae63030ca32611497c827");
	kat("SP 800-38B D.1 example 4", &cmac, hc, dc, 64, "51f0bebf7e3b9d92fc49741779363cfe");
}

static int run_out(const char *cmd, char *out, size_t cap)
{
	FILE *p = popen(cmd, "r");
	size_t n;

	if (p == NULL)
		return -1;
	n = fread(out, 1, cap - 1, p);
	out[n] = '\0';
	while (n > 0 && (out[n - 1] == '\n' || out[n - 1] == '\r'))
		out[--n] = '\0';
	return pclose(p);
}

/* Random keys and messages: the module's MACs against `openssl mac`. */
static void cross(const char *what, CK_MECHANISM_TYPE mt, CK_KEY_TYPE kt, size_t klen,
		  const char *macopt)
{
	uint8_t key[32], data[3][100], mac[64];
	char kh[65], cmd[1024], path[256], got[256], mh[129];
	CK_MECHANISM m = { mt, NULL, 0 };
	CK_OBJECT_HANDLE h;
	CK_ULONG n;
	size_t i, j;
	FILE *fp;
	int agree = 1;

	for (i = 0; i < klen; i++)
		key[i] = (uint8_t)rand();
	hex(key, klen, kh);
	h = key_of(kt, key, klen, yes, no);
	is_rv(f->C_MessageSignInit(s, &m, h), CKR_OK, "%s: C_MessageSignInit", what);
	for (j = 0; j < 3; j++) {
		for (i = 0; i < sizeof data[j]; i++)
			data[j][i] = (uint8_t)rand();
		n = sizeof mac;
		if (f->C_SignMessage(s, NULL, 0, data[j], 37 + 31 * j, mac, &n) != CKR_OK) {
			agree = 0;
			continue;
		}
		hex(mac, n, mh);
		snprintf(path, sizeof path, "%s/msg", tmp);
		fp = fopen(path, "wb");
		if (fp == NULL || fwrite(data[j], 1, 37 + 31 * j, fp) != 37 + 31 * j) {
			agree = 0;
			if (fp != NULL)
				fclose(fp);
			continue;
		}
		fclose(fp);
		/* the MAC's name comes last, after every option */
		snprintf(cmd, sizeof cmd, "openssl mac -macopt hexkey:%s -in %s %s", kh, path,
			 macopt);
		if (run_out(cmd, got, sizeof got) != 0 || strcasecmp(got, mh) != 0) {
			diag("%s: openssl says '%s', the module %s", what, got, mh);
			agree = 0;
		}
	}
	ok(agree, "%s: three messages of one process agree with openssl mac", what);
	is_rv(f->C_MessageSignFinal(s), CKR_OK, "%s: C_MessageSignFinal", what);
}

static void rules(CK_SLOT_ID slot)
{
	uint8_t key[32], mac[40], mac2[40], part[10];
	CK_MECHANISM m = { CKM_SHA256_HMAC, NULL, 0 }, cbc = { CKM_AES_CBC, key, 16 };
	CK_MECHANISM_INFO info;
	CK_OBJECT_HANDLE k, k_nosign;
	CK_KEY_TYPE gs = CKK_GENERIC_SECRET;
	CK_ULONG n, n1, param = 0;

	memset(key, 3, sizeof key);
	memset(part, 0x61, sizeof part);
	k = key_of(gs, key, 32, yes, yes);
	k_nosign = key_of(gs, key, 32, no, no);

	is_rv(f->C_GetMechanismInfo(slot, CKM_SHA256_HMAC, &info), CKR_OK, "HMAC's information");
	ok((info.flags & (CKF_MESSAGE_SIGN | CKF_MESSAGE_VERIFY | CKF_MULTI_MESSAGE)) ==
		   (CKF_MESSAGE_SIGN | CKF_MESSAGE_VERIFY | CKF_MULTI_MESSAGE) &&
	   !(info.flags & (CKF_MESSAGE_ENCRYPT | CKF_MESSAGE_DECRYPT)),
	   "CKM_SHA256_HMAC: CKF_MESSAGE_SIGN, CKF_MESSAGE_VERIFY, CKF_MULTI_MESSAGE");
	is_rv(f->C_GetMechanismInfo(slot, CKM_AES_CMAC, &info), CKR_OK, "CMAC's information");
	ok((info.flags & (CKF_MESSAGE_SIGN | CKF_MESSAGE_VERIFY)) ==
		   (CKF_MESSAGE_SIGN | CKF_MESSAGE_VERIFY), "CKM_AES_CMAC: the message flags");
	is_rv(f->C_GetMechanismInfo(slot, CKM_SHA256, &info), CKR_OK, "SHA-256's information");
	ok(!(info.flags & (CKF_MESSAGE_SIGN | CKF_MESSAGE_VERIFY | CKF_MULTI_MESSAGE)),
	   "CKM_SHA256: none");
	is_rv(f->C_MessageSignInit(s, &cbc, k), CKR_MECHANISM_INVALID,
	      "C_MessageSignInit with CBC: CKR_MECHANISM_INVALID");

	n = sizeof mac;
	is_rv(f->C_SignMessage(s, NULL, 0, part, 10, mac, &n), CKR_OPERATION_NOT_INITIALIZED,
	      "C_SignMessage without Init");
	is_rv(f->C_VerifyMessageBegin(s, NULL, 0), CKR_OPERATION_NOT_INITIALIZED,
	      "C_VerifyMessageBegin without Init");
	is_rv(f->C_MessageSignFinal(s), CKR_OPERATION_NOT_INITIALIZED, "Final without Init");
	is_rv(f->C_MessageSignInit(s, &m, k_nosign), CKR_KEY_FUNCTION_NOT_PERMITTED,
	      "a key without CKA_SIGN: CKR_KEY_FUNCTION_NOT_PERMITTED");
	is_rv(f->C_MessageVerifyInit(s, &m, k_nosign), CKR_KEY_FUNCTION_NOT_PERMITTED,
	      "a key without CKA_VERIFY: CKR_KEY_FUNCTION_NOT_PERMITTED");

	is_rv(f->C_MessageSignInit(s, &m, k), CKR_OK, "C_MessageSignInit");
	is_rv(f->C_MessageSignInit(s, &m, k), CKR_OPERATION_ACTIVE, "twice: CKR_OPERATION_ACTIVE");
	is_rv(f->C_SignInit(s, &m, k), CKR_OPERATION_ACTIVE,
	      "C_SignInit beside it: CKR_OPERATION_ACTIVE");
	n = sizeof mac;
	is_rv(f->C_SignMessage(s, &param, sizeof param, part, 10, mac, &n),
	      CKR_MECHANISM_PARAM_INVALID, "a message parameter HMAC has not");
	n = 31;
	is_rv(f->C_SignMessage(s, NULL, 0, part, 10, mac, &n), CKR_BUFFER_TOO_SMALL,
	      "a short buffer: CKR_BUFFER_TOO_SMALL");
	is_ulong(n, 32, "... says 32");
	n = sizeof mac;
	is_rv(f->C_SignMessage(s, NULL, 0, part, 10, mac, &n), CKR_OK, "then the MAC");
	is_rv(f->C_SignMessageNext(s, NULL, 0, part, 10, NULL, NULL), CKR_OPERATION_NOT_INITIALIZED,
	      "Next without Begin");
	is_rv(f->C_SignMessageBegin(s, NULL, 0), CKR_OK, "Begin");
	is_rv(f->C_SignMessageBegin(s, NULL, 0), CKR_OPERATION_ACTIVE, "Begin again");
	n = sizeof mac2;
	is_rv(f->C_SignMessage(s, NULL, 0, part, 10, mac2, &n), CKR_OPERATION_ACTIVE,
	      "C_SignMessage within a message: CKR_OPERATION_ACTIVE");
	is_rv(f->C_SignMessageNext(s, NULL, 0, part, 4, NULL, NULL), CKR_OK, "a part");
	n1 = 0;
	is_rv(f->C_SignMessageNext(s, NULL, 0, part + 4, 6, NULL, &n1), CKR_OK,
	      "the last part's size query");
	is_ulong(n1, 32, "... 32");
	n1 = 8;
	is_rv(f->C_SignMessageNext(s, NULL, 0, part + 4, 6, mac2, &n1), CKR_BUFFER_TOO_SMALL,
	      "a short buffer");
	n1 = sizeof mac2;
	memset(mac2, 0, sizeof mac2);
	ok(f->C_SignMessageNext(s, NULL, 0, part + 4, 6, mac2, &n1) == CKR_OK && n1 == 32 &&
	   memcmp(mac, mac2, 32) == 0,
	   "the same MAC as the one-shot message: the size query and the short buffer fed nothing");
	is_rv(f->C_SignMessageNext(s, NULL, 0, part, 1, NULL, NULL), CKR_OPERATION_NOT_INITIALIZED,
	      "after the last part: no message");
	is_rv(f->C_SignMessageBegin(s, NULL, 0), CKR_OK, "Begin");
	is_rv(f->C_SignMessageNext(s, &param, sizeof param, part, 4, NULL, NULL),
	      CKR_MECHANISM_PARAM_INVALID, "a parameter in a part");
	is_rv(f->C_SignMessageNext(s, NULL, 0, part, 4, NULL, NULL), CKR_OPERATION_NOT_INITIALIZED,
	      "... ended the message");
	is_rv(f->C_SignMessageBegin(s, NULL, 0), CKR_OK, "Begin");
	is_rv(f->C_MessageSignFinal(s), CKR_OK, "Final with a message in progress");
	is_rv(f->C_SignMessageBegin(s, NULL, 0), CKR_OPERATION_NOT_INITIALIZED, "... ended all");
	is_rv(f->C_SignInit(s, &m, k), CKR_OK, "C_SignInit now");
	is_rv(f->C_MessageSignInit(s, &m, k), CKR_OPERATION_ACTIVE, "... excludes the process");
	is_rv(f->C_SignInit(s, NULL, k), CKR_OK, "ended");

	/* verification ends its message with every answer, the process goes on */
	is_rv(f->C_MessageVerifyInit(s, &m, k), CKR_OK, "C_MessageVerifyInit");
	is_rv(f->C_VerifyMessage(s, NULL, 0, part, 10, mac, 31), CKR_SIGNATURE_LEN_RANGE,
	      "a short MAC: CKR_SIGNATURE_LEN_RANGE");
	is_rv(f->C_VerifyMessageBegin(s, NULL, 0), CKR_OK, "Begin");
	is_rv(f->C_VerifyMessageNext(s, NULL, 0, part, 10, mac + 1, 32), CKR_SIGNATURE_INVALID,
	      "a wrong MAC: CKR_SIGNATURE_INVALID");
	is_rv(f->C_VerifyMessageNext(s, NULL, 0, part, 10, mac, 32), CKR_OPERATION_NOT_INITIALIZED,
	      "... ended the message");
	is_rv(f->C_VerifyMessageBegin(s, NULL, 0), CKR_OK, "Begin");
	is_rv(f->C_VerifyMessageNext(s, NULL, 0, part, 10, mac, 32), CKR_OK, "the right MAC");
	is_rv(f->C_VerifyMessage(s, NULL, 0, part, 10, mac, 32), CKR_OK, "and one-shot");
	is_rv(f->C_SessionCancel(s, CKF_MESSAGE_VERIFY), CKR_OK, "C_SessionCancel");
	is_rv(f->C_MessageVerifyFinal(s), CKR_OPERATION_NOT_INITIALIZED, "... ended the process");
}

/* ECDSA P-256 with SHA-256, the key on the token; verification by the module and by
 * Python's cryptography in another process. */
static void token_ecdsa(CK_SLOT_ID slot)
{
	static const uint8_t oid_p256[] = { 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01,
					    0x07 };
	CK_MECHANISM gen = { CKM_EC_KEY_PAIR_GEN, NULL, 0 }, m = { CKM_ECDSA_SHA256, NULL, 0 };
	CK_ATTRIBUTE pt[] = {
		{ CKA_TOKEN, &yes, 1 }, { CKA_VERIFY, &yes, 1 }, { CKA_ID, "m1", 2 },
		{ CKA_EC_PARAMS, (void *)oid_p256, sizeof oid_p256 },
	};
	CK_ATTRIBUTE st[] = {
		{ CKA_TOKEN, &yes, 1 }, { CKA_PRIVATE, &yes, 1 }, { CKA_SIGN, &yes, 1 },
		{ CKA_ID, "m1", 2 },
	};
	CK_OBJECT_HANDLE pub = 0, priv = 0;
	CK_MECHANISM_INFO info;
	uint8_t point[80], sig[2][64], data[2][50];
	char ph[200], sh[2][130], dh[2][101], cmd[2048], out[64];
	CK_ATTRIBUTE ga = { CKA_EC_POINT, point, sizeof point };
	CK_ULONG n;
	int j, all = 1;

	is_rv(f->C_Login(s, CKU_USER, API_PIN(API_USER_PIN)), CKR_OK, "C_Login");
	is_rv(f->C_GenerateKeyPair(s, &gen, pt, 4, st, 4, &pub, &priv), CKR_OK,
	      "ECDSA: a P-256 key pair on the token");
	is_rv(f->C_GetMechanismInfo(slot, CKM_ECDSA_SHA256, &info), CKR_OK,
	      "ECDSA-SHA256's information");
	ok((info.flags & (CKF_MESSAGE_SIGN | CKF_MESSAGE_VERIFY | CKF_MULTI_MESSAGE)) ==
		   (CKF_MESSAGE_SIGN | CKF_MESSAGE_VERIFY | CKF_MULTI_MESSAGE),
	   "CKM_ECDSA_SHA256: CKF_MESSAGE_SIGN (the token signs), CKF_MESSAGE_VERIFY");
	is_rv(f->C_MessageSignInit(s, &m, priv), CKR_OK, "ECDSA: C_MessageSignInit");
	for (j = 0; j < 2; j++) {
		memset(data[j], 'a' + j, sizeof data[j]);
		n = sizeof sig[j];
		if (j == 0) {
			if (f->C_SignMessage(s, NULL, 0, data[j], sizeof data[j], sig[j], &n) !=
			    CKR_OK || n != 64)
				all = 0;
		} else if (f->C_SignMessageBegin(s, NULL, 0) != CKR_OK ||
			   f->C_SignMessageNext(s, NULL, 0, data[j], 20, NULL, NULL) != CKR_OK ||
			   f->C_SignMessageNext(s, NULL, 0, data[j] + 20, 30, sig[j], &n) !=
				   CKR_OK || n != 64) {
			all = 0;
		}
	}
	ok(all, "ECDSA: two messages signed by the token, one in parts");
	is_rv(f->C_MessageSignFinal(s), CKR_OK, "ECDSA: C_MessageSignFinal");
	is_rv(f->C_MessageVerifyInit(s, &m, pub), CKR_OK, "ECDSA: C_MessageVerifyInit");
	for (j = 0, all = 1; j < 2; j++)
		if (f->C_VerifyMessage(s, NULL, 0, data[j], sizeof data[j], sig[j], 64) != CKR_OK)
			all = 0;
	ok(all, "ECDSA: the module verifies both");
	is_rv(f->C_VerifyMessage(s, NULL, 0, data[1], sizeof data[1], sig[0], 64),
	      CKR_SIGNATURE_INVALID, "ECDSA: a signature of another message is refused");
	is_rv(f->C_MessageVerifyFinal(s), CKR_OK, "ECDSA: C_MessageVerifyFinal");

	/* the independent check: CKA_EC_POINT is a DER OCTET STRING of the point */
	is_rv(f->C_GetAttributeValue(s, pub, &ga, 1), CKR_OK, "ECDSA: the public point");
	if (ga.ulValueLen != 67 || point[0] != 0x04 || point[1] != 65)
		ok(0, "ECDSA: a DER OCTET STRING of an uncompressed point (%lu bytes)",
		   ga.ulValueLen);
	hex(point + 2, 65, ph);
	for (j = 0; j < 2; j++) {
		hex(sig[j], 64, sh[j]);
		hex(data[j], sizeof data[j], dh[j]);
	}
	snprintf(cmd, sizeof cmd,
		 "/usr/bin/python3 -c 'import sys\n"
		 "from cryptography.hazmat.primitives import hashes\n"
		 "from cryptography.hazmat.primitives.asymmetric import ec, utils\n"
		 "k=ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), "
		 "bytes.fromhex(sys.argv[1]))\n"
		 "for s, d in ((sys.argv[2], sys.argv[3]), (sys.argv[4], sys.argv[5])):\n"
		 "  b=bytes.fromhex(s)\n"
		 "  k.verify(utils.encode_dss_signature(int.from_bytes(b[:32],\"big\"), "
		 "int.from_bytes(b[32:],\"big\")), bytes.fromhex(d), ec.ECDSA(hashes.SHA256()))\n"
		 "print(\"verified\")' %s %s %s %s %s 2>&1", ph, sh[0], dh[0], sh[1], dh[1]);
	ok(run_out(cmd, out, sizeof out) == 0 && strcmp(out, "verified") == 0,
	   "ECDSA: Python's cryptography verifies both messages' signatures (%s)", out);
}

/* A key with CKA_ALWAYS_AUTHENTICATE: each message is a use (3.2, 4.9), the PIN again
 * before each (C_Login with CKU_CONTEXT_SPECIFIC). */
static void always_authenticate(void)
{
	CK_MECHANISM gen = { CKM_RSA_PKCS_KEY_PAIR_GEN, NULL, 0 }, m = { CKM_SHA256_RSA_PKCS, NULL, 0 };
	CK_ULONG bits = 1024;
	static const uint8_t e[] = { 1, 0, 1 };
	CK_ATTRIBUTE pt[] = {
		{ CKA_TOKEN, &yes, 1 }, { CKA_VERIFY, &yes, 1 }, { CKA_ID, "m2", 2 },
		{ CKA_MODULUS_BITS, &bits, sizeof bits }, { CKA_PUBLIC_EXPONENT, (void *)e, sizeof e },
	};
	CK_ATTRIBUTE st[] = {
		{ CKA_TOKEN, &yes, 1 }, { CKA_PRIVATE, &yes, 1 }, { CKA_SIGN, &yes, 1 },
		{ CKA_ID, "m2", 2 }, { CKA_ALWAYS_AUTHENTICATE, &yes, 1 },
	};
	CK_OBJECT_HANDLE pub = 0, priv = 0;
	uint8_t sig[128];
	CK_ULONG n;

	is_rv(f->C_GenerateKeyPair(s, &gen, pt, 5, st, 5, &pub, &priv), CKR_OK,
	      "always: an RSA key pair with CKA_ALWAYS_AUTHENTICATE");
	is_rv(f->C_MessageSignInit(s, &m, priv), CKR_OK, "always: C_MessageSignInit");
	n = sizeof sig;
	is_rv(f->C_SignMessage(s, NULL, 0, (CK_BYTE_PTR) "one", 3, sig, &n), CKR_USER_NOT_LOGGED_IN,
	      "always: no signature before the context-specific login");
	is_rv(f->C_Login(s, CKU_CONTEXT_SPECIFIC, API_PIN(API_USER_PIN)), CKR_OK,
	      "always: C_Login(CKU_CONTEXT_SPECIFIC)");
	n = sizeof sig;
	is_rv(f->C_SignMessage(s, NULL, 0, (CK_BYTE_PTR) "one", 3, sig, &n), CKR_OK,
	      "always: then a message's signature");
	n = sizeof sig;
	is_rv(f->C_SignMessage(s, NULL, 0, (CK_BYTE_PTR) "two", 3, sig + 1, &n),
	      CKR_USER_NOT_LOGGED_IN, "always: the next message needs the PIN again");
	is_rv(f->C_MessageSignFinal(s), CKR_OK, "always: C_MessageSignFinal");
	is_rv(f->C_MessageVerifyInit(s, &m, pub), CKR_OK, "always: C_MessageVerifyInit");
	is_rv(f->C_VerifyMessage(s, NULL, 0, (CK_BYTE_PTR) "one", 3, sig, 128), CKR_OK,
	      "always: the signature verifies");
	is_rv(f->C_MessageVerifyFinal(s), CKR_OK, "always: C_MessageVerifyFinal");
}

int main(int argc, char **argv)
{
	CK_SLOT_ID slot = 0;

	api_rig_timeout(argv, 1, 300);
	if (mkdtemp(tmp) == NULL)
		return printf("Bail out! mkdtemp\n"), 255;
	if (access("/usr/bin/python3", X_OK) != 0 ||
	    system("/usr/bin/python3 -c 'import cryptography' 2>/dev/null") != 0)
		api_need_fail("python3-cryptography", "Python's cryptography package");
	srand((unsigned)time(NULL) ^ (unsigned)getpid());
	f = module_30();
	is_rv(f->C_Initialize(NULL), CKR_OK, "C_Initialize");
	is_rv(api_slot_of((CK_FUNCTION_LIST_PTR)f, 0, &slot), CKR_OK, "the token's slot");
	is_rv(api_prepare_token((CK_FUNCTION_LIST_PTR)f, slot, "t5802"), CKR_OK,
	      "a PKCS#15 token with PINs");
	is_rv(f->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s), CKR_OK,
	      "a session");

	known_answers();
	cross("HMAC-SHA-256", CKM_SHA256_HMAC, CKK_GENERIC_SECRET, 32, "-digest SHA256 HMAC");
	cross("HMAC-SHA3-512", CKM_SHA3_512_HMAC, CKK_GENERIC_SECRET, 24, "-digest SHA3-512 HMAC");
	cross("AES-256 CMAC", CKM_AES_CMAC, CKK_AES, 32, "-cipher AES-256-CBC CMAC");
	rules(slot);
	token_ecdsa(slot);
	always_authenticate();

	is_rv(f->C_CloseSession(s), CKR_OK, "close the session");
	is_rv(f->C_Finalize(NULL), CKR_OK, "C_Finalize");
	{
		char path[300];

		snprintf(path, sizeof path, "%s/msg", tmp);
		unlink(path);
		rmdir(tmp);
	}
	return done_testing();
}
