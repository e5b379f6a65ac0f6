/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t5401 — secret keys as session objects: C_GenerateKey for AES (16/24/32), DES3 (24, odd
 * parity), generic secret, the HMAC key types, GOST 28147, Kuznyechik and Magma, and
 * C_CreateObject's value rule for them; the attributes the standard gives generated and
 * created keys (PKCS #11 3.2, 4.7 and 4.10: CKA_LOCAL, CKA_KEY_GEN_MECHANISM,
 * CKA_ALWAYS_SENSITIVE, CKA_NEVER_EXTRACTABLE, CKA_VALUE_LEN, CKA_CHECK_VALUE), checked
 * against OpenSSL's command line in another process (the check value is the first three
 * bytes of the key's ECB encryption of a zero block); the refusals (token secret keys,
 * in a read-only session, lengths, forbidden and missing attributes, mechanism and
 * parameter), the mechanism list,
 * and private keys gone with C_Logout.
 */
#include "api/api.h"
#include "api/bytes.h"

static CK_FUNCTION_LIST_PTR f;
static CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
static CK_OBJECT_CLASS c_secret = CKO_SECRET_KEY;

#define ATTR(t, v) { (t), &(v), sizeof(v) }

/* The first block of `openssl enc -<cipher> -K key -nopad` of a zero block of bs bytes,
 * run in another process; out gets bs bytes. 0 on success. */
static int openssl_zero_block(const char *cipher, const uint8_t *key, size_t klen, size_t bs,
			      uint8_t *out)
{
	char khex[2 * 64 + 1], cmd[512], path[] = "/tmp/t5401-XXXXXX";
	uint8_t zero[16] = { 0 };
	unsigned v;
	size_t i;
	FILE *p;
	int fd = mkstemp(path), rc = -1;

	if (fd < 0)
		return -1;
	if (write(fd, zero, bs) != (ssize_t)bs) {
		close(fd);
		unlink(path);
		return -1;
	}
	close(fd);
	hex(key, klen, khex);
	snprintf(cmd, sizeof cmd, "openssl enc -%s -K %s -nopad -in %s | od -An -tx1 -v",
		 cipher, khex, path);
	p = popen(cmd, "r");
	if (p != NULL) {
		for (i = 0; i < bs && fscanf(p, "%x", &v) == 1; i++)
			out[i] = (uint8_t)v;
		rc = pclose(p) == 0 && i == bs ? 0 : -1;
	}
	unlink(path);
	return rc;
}

static CK_ULONG get_ulong(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE h, CK_ATTRIBUTE_TYPE type)
{
	CK_ULONG v = 0xdead;
	CK_ATTRIBUTE a = { type, &v, sizeof v };

	if (f->C_GetAttributeValue(s, h, &a, 1) != CKR_OK)
		return 0xbad;
	return v;
}

static int get_bool(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE h, CK_ATTRIBUTE_TYPE type)
{
	CK_BBOOL v = 0x55;
	CK_ATTRIBUTE a = { type, &v, sizeof v };

	if (f->C_GetAttributeValue(s, h, &a, 1) != CKR_OK)
		return -1;
	return v;
}

static CK_ULONG get_bytes(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE h, CK_ATTRIBUTE_TYPE type,
			  uint8_t *buf, CK_ULONG cap)
{
	CK_ATTRIBUTE a = { type, buf, cap };

	if (f->C_GetAttributeValue(s, h, &a, 1) != CKR_OK)
		return 0;
	return a.ulValueLen;
}

/* Generate an extractable, non-sensitive key of mechanism m (value_len 0: none given). */
static CK_RV gen(CK_SESSION_HANDLE s, CK_MECHANISM_TYPE m, CK_ULONG value_len,
		 CK_OBJECT_HANDLE *h)
{
	CK_MECHANISM mech = { m, NULL, 0 };
	CK_ATTRIBUTE t[] = {
		ATTR(CKA_CLASS, c_secret), ATTR(CKA_SENSITIVE, no), ATTR(CKA_EXTRACTABLE, yes),
		ATTR(CKA_VALUE_LEN, value_len),
	};

	return f->C_GenerateKey(s, &mech, t, value_len != 0 ? 4 : 3, h);
}

static CK_RV create(CK_SESSION_HANDLE s, CK_KEY_TYPE kt, const uint8_t *v, CK_ULONG len,
		    CK_OBJECT_HANDLE *h)
{
	CK_ATTRIBUTE t[] = {
		ATTR(CKA_CLASS, c_secret), ATTR(CKA_KEY_TYPE, kt), { CKA_VALUE, (void *)v, len },
	};

	return f->C_CreateObject(s, t, 3, h);
}

/* A generated key: its attributes as the standard gives them, its check value as OpenSSL
 * computes it (cipher NULL: none). */
static void generated(CK_SESSION_HANDLE s, CK_MECHANISM_TYPE m, CK_KEY_TYPE kt,
		      CK_ULONG value_len, size_t want_len, const char *cipher, size_t bs,
		      const char *what)
{
	CK_OBJECT_HANDLE h = CK_INVALID_HANDLE, h2 = CK_INVALID_HANDLE;
	uint8_t v[512], v2[512], kcv[8], want[16];
	CK_ULONG n, n2;

	is_rv(gen(s, m, value_len, &h), CKR_OK, "%s: C_GenerateKey", what);
	is_ulong(get_ulong(s, h, CKA_CLASS), CKO_SECRET_KEY, "%s: a secret key", what);
	is_ulong(get_ulong(s, h, CKA_KEY_TYPE), kt, "%s: of its key type", what);
	is_ulong(get_ulong(s, h, CKA_VALUE_LEN), want_len, "%s: CKA_VALUE_LEN", what);
	is_ulong(get_ulong(s, h, CKA_KEY_GEN_MECHANISM), m, "%s: CKA_KEY_GEN_MECHANISM", what);
	ok(get_bool(s, h, CKA_LOCAL) == CK_TRUE, "%s: CKA_LOCAL true", what);
	ok(get_bool(s, h, CKA_TOKEN) == CK_FALSE, "%s: a session object", what);
	ok(get_bool(s, h, CKA_ALWAYS_SENSITIVE) == CK_FALSE &&
	   get_bool(s, h, CKA_NEVER_EXTRACTABLE) == CK_FALSE,
	   "%s: not ALWAYS_SENSITIVE nor NEVER_EXTRACTABLE (made readable)", what);
	n = get_bytes(s, h, CKA_VALUE, v, sizeof v);
	is_ulong(n, want_len, "%s: CKA_VALUE of that length", what);
	is_rv(gen(s, m, value_len, &h2), CKR_OK, "%s: a second one", what);
	n2 = get_bytes(s, h2, CKA_VALUE, v2, sizeof v2);
	ok(n == n2 && n > 0 && memcmp(v, v2, n) != 0, "%s: two keys differ", what);
	if (cipher != NULL) {
		is_ulong(get_bytes(s, h, CKA_CHECK_VALUE, kcv, sizeof kcv), 3,
			 "%s: a 3-byte CKA_CHECK_VALUE", what);
		ok(openssl_zero_block(cipher, v, n, bs, want) == 0 && memcmp(kcv, want, 3) == 0,
		   "%s: CKA_CHECK_VALUE is OpenSSL's %s of a zero block", what, cipher);
	} else {
		is_ulong(get_bytes(s, h, CKA_CHECK_VALUE, kcv, sizeof kcv), 0,
			 "%s: no check value", what);
	}
	is_rv(f->C_DestroyObject(s, h), CKR_OK, "%s: destroyed", what);
	is_rv(f->C_DestroyObject(s, h2), CKR_OK, "%s: the second too", what);
	is_rv(f->C_GetAttributeValue(s, h, (CK_ATTRIBUTE[]){ { CKA_LABEL, NULL, 0 } }, 1),
	      CKR_OBJECT_HANDLE_INVALID, "%s: its handle is gone", what);
}

static void generation(CK_SESSION_HANDLE s)
{
	static const uint8_t gparams[] = { 0x06, 0x07, 0x2a, 0x85, 0x03, 0x02, 0x02, 0x1f, 0x01 };
	CK_MECHANISM aes = { CKM_AES_KEY_GEN, NULL, 0 }, bad = aes;
	CK_ULONG len16 = 16, len20 = 20, len32 = 32;
	CK_KEY_TYPE k_des3 = CKK_DES3, k_aes = CKK_AES;
	CK_OBJECT_CLASS c_data = CKO_DATA;
	CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
	uint8_t v[32], parity = 1;
	CK_ULONG n, i;

	generated(s, CKM_AES_KEY_GEN, CKK_AES, 16, 16, "aes-128-ecb", 16, "AES-128");
	generated(s, CKM_AES_KEY_GEN, CKK_AES, 24, 24, "aes-192-ecb", 16, "AES-192");
	generated(s, CKM_AES_KEY_GEN, CKK_AES, 32, 32, "aes-256-ecb", 16, "AES-256");
	generated(s, CKM_DES3_KEY_GEN, CKK_DES3, 0, 24, "des-ede3", 8, "DES3");
	generated(s, CKM_DES3_KEY_GEN, CKK_DES3, 24, 24, "des-ede3", 8, "DES3 with VALUE_LEN 24");
	generated(s, CKM_GENERIC_SECRET_KEY_GEN, CKK_GENERIC_SECRET, 40, 40, NULL, 0,
		  "generic secret");
	generated(s, CKM_SHA256_KEY_GEN, CKK_SHA256_HMAC, 32, 32, NULL, 0, "SHA-256 HMAC key");
	generated(s, CKM_KUZNYECHIK_KEY_GEN, CKK_KUZNECHIK, 32, 32, NULL, 0, "Kuznyechik");
	generated(s, CKM_MAGMA_KEY_GEN, CKK_MAGMA, 0, 32, NULL, 0, "Magma");

	/* DES3: odd parity in every byte (FIPS 46-3) */
	is_rv(gen(s, CKM_DES3_KEY_GEN, 0, &h), CKR_OK, "a DES3 key");
	n = get_bytes(s, h, CKA_VALUE, v, sizeof v);
	for (i = 0; i < n; i++)
		parity &= (uint8_t)(__builtin_popcount(v[i]) & 1);
	ok(n == 24 && parity, "its 24 bytes have odd parity");

	/* GOST 28147: the parameter set is required at generation (6.54.2) */
	{
		CK_MECHANISM g = { CKM_GOST28147_KEY_GEN, NULL, 0 };
		CK_ATTRIBUTE t[] = { ATTR(CKA_CLASS, c_secret), ATTR(CKA_PRIVATE, no),
				     { CKA_GOST28147_PARAMS, (void *)gparams, sizeof gparams } };

		is_rv(f->C_GenerateKey(s, &g, t, 2, &h), CKR_TEMPLATE_INCOMPLETE,
		      "GOST 28147 without CKA_GOST28147_PARAMS");
		is_rv(f->C_GenerateKey(s, &g, t, 3, &h), CKR_OK, "GOST 28147 with them");
		is_ulong(get_ulong(s, h, CKA_VALUE_LEN), 32, "... a 32-byte key");
	}

	/* the refusals */
	{
		CK_ATTRIBUTE noneed[] = { ATTR(CKA_CLASS, c_secret) };
		CK_ATTRIBUTE l20[] = { ATTR(CKA_VALUE_LEN, len20) };
		CK_ATTRIBUTE tok[] = { ATTR(CKA_VALUE_LEN, len16), ATTR(CKA_TOKEN, yes) };
		CK_ATTRIBUTE val[] = { ATTR(CKA_VALUE_LEN, len16), ATTR(CKA_VALUE, v) };
		CK_ATTRIBUTE loc[] = { ATTR(CKA_VALUE_LEN, len16), ATTR(CKA_LOCAL, yes) };
		CK_ATTRIBUTE kt[] = { ATTR(CKA_VALUE_LEN, len16), ATTR(CKA_KEY_TYPE, k_des3) };
		CK_ATTRIBUTE ktok[] = { ATTR(CKA_VALUE_LEN, len32), ATTR(CKA_KEY_TYPE, k_aes) };
		CK_ATTRIBUTE cls[] = { ATTR(CKA_VALUE_LEN, len16), ATTR(CKA_CLASS, c_data) };
		CK_ATTRIBUTE d3[] = { ATTR(CKA_VALUE_LEN, len16) };
		CK_MECHANISM des3 = { CKM_DES3_KEY_GEN, NULL, 0 };

		is_rv(f->C_GenerateKey(s, &aes, noneed, 1, &h), CKR_TEMPLATE_INCOMPLETE,
		      "AES without CKA_VALUE_LEN");
		is_rv(f->C_GenerateKey(s, &aes, l20, 1, &h), CKR_ATTRIBUTE_VALUE_INVALID,
		      "AES of 20 bytes");
		is_rv(f->C_GenerateKey(s, &des3, d3, 1, &h), CKR_ATTRIBUTE_VALUE_INVALID,
		      "DES3 of 16 bytes");
		/* the Rutoken family keeps AES keys on the token (t5426): in this read-only
		 * session that is the session's refusal */
		is_rv(f->C_GenerateKey(s, &aes, tok, 2, &h), CKR_SESSION_READ_ONLY,
		      "a token AES key in a read-only session");
		ok(f->C_GenerateKey(s, &aes, val, 2, &h) != CKR_OK,
		   "CKA_VALUE is forbidden at generation");
		is_rv(f->C_GenerateKey(s, &aes, loc, 2, &h), CKR_ATTRIBUTE_READ_ONLY,
		      "CKA_LOCAL is forbidden at generation");
		is_rv(f->C_GenerateKey(s, &aes, kt, 2, &h), CKR_TEMPLATE_INCONSISTENT,
		      "another key type than the mechanism's");
		is_rv(f->C_GenerateKey(s, &aes, ktok, 2, &h), CKR_OK, "the mechanism's key type");
		is_rv(f->C_GenerateKey(s, &aes, cls, 2, &h), CKR_TEMPLATE_INCONSISTENT,
		      "another class");
		bad.pParameter = v;
		bad.ulParameterLen = 4;
		is_rv(f->C_GenerateKey(s, &bad, d3, 1, &h), CKR_MECHANISM_PARAM_INVALID,
		      "a parameter");
		bad = (CK_MECHANISM){ CKM_RSA_PKCS, NULL, 0 };
		is_rv(f->C_GenerateKey(s, &bad, d3, 1, &h), CKR_MECHANISM_INVALID,
		      "no key generation");
		bad = (CK_MECHANISM){ CKM_DES_KEY_GEN, NULL, 0 };
		is_rv(f->C_GenerateKey(s, &bad, d3, 1, &h), CKR_MECHANISM_INVALID,
		      "a generation the module does not offer");
	}
	/* defaults: sensitive, not extractable, private */
	{
		CK_ATTRIBUTE t[] = { ATTR(CKA_VALUE_LEN, len16) };
		CK_ATTRIBUTE a = { CKA_VALUE, v, sizeof v };

		is_rv(f->C_GenerateKey(s, &aes, t, 1, &h), CKR_OK, "an AES key by default");
		ok(get_bool(s, h, CKA_SENSITIVE) == CK_TRUE &&
		   get_bool(s, h, CKA_ALWAYS_SENSITIVE) == CK_TRUE, "sensitive, always");
		ok(get_bool(s, h, CKA_EXTRACTABLE) == CK_FALSE &&
		   get_bool(s, h, CKA_NEVER_EXTRACTABLE) == CK_TRUE, "never extractable");
		ok(get_bool(s, h, CKA_PRIVATE) == CK_TRUE, "private");
		is_rv(f->C_GetAttributeValue(s, h, &a, 1), CKR_ATTRIBUTE_SENSITIVE,
		      "its value is not revealed");
		is_ulong(a.ulValueLen, CK_UNAVAILABLE_INFORMATION, "... and marked so");
		is_ulong(get_bytes(s, h, CKA_CHECK_VALUE, v, sizeof v), 3,
			 "its check value is (4.10: not sensitive)");
	}
}

static void creation(CK_SESSION_HANDLE s)
{
	static const uint8_t zero32[32];
	static const uint8_t kcv128[3] = { 0x66, 0xe9, 0x4b };  /* AES-128(0^16, 0^16) */
	static const uint8_t kcv256[3] = { 0xdc, 0x95, 0xc0 };  /* AES-256(0^32, 0^16) */
	static const uint8_t des3key[24] = {
		0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0x23, 0x45, 0x67, 0x89,
		0xab, 0xcd, 0xef, 0x01, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0x01, 0x23 };
	CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
	uint8_t kcv[8], want[8];
	CK_ULONG bad_len = 3;

	is_rv(create(s, CKK_AES, zero32, 16, &h), CKR_OK, "an AES-128 key from its value");
	ok(get_bytes(s, h, CKA_CHECK_VALUE, kcv, sizeof kcv) == 3 && memcmp(kcv, kcv128, 3) == 0,
	   "its check value (FIPS 197 zero key and block: 66e94b...)");
	is_ulong(get_ulong(s, h, CKA_VALUE_LEN), 16, "its CKA_VALUE_LEN");
	ok(get_bool(s, h, CKA_LOCAL) == CK_FALSE, "CKA_LOCAL false");
	is_ulong(get_ulong(s, h, CKA_KEY_GEN_MECHANISM), CK_UNAVAILABLE_INFORMATION,
		 "CKA_KEY_GEN_MECHANISM unavailable");
	ok(get_bool(s, h, CKA_ALWAYS_SENSITIVE) == CK_FALSE &&
	   get_bool(s, h, CKA_NEVER_EXTRACTABLE) == CK_FALSE,
	   "neither ALWAYS_SENSITIVE nor NEVER_EXTRACTABLE");
	is_rv(create(s, CKK_AES, zero32, 32, &h), CKR_OK, "an AES-256 key");
	ok(get_bytes(s, h, CKA_CHECK_VALUE, kcv, sizeof kcv) == 3 && memcmp(kcv, kcv256, 3) == 0,
	   "its check value (dc95c0...)");
	is_rv(create(s, CKK_AES, zero32, 15, &h), CKR_ATTRIBUTE_VALUE_INVALID, "AES of 15 bytes");
	is_rv(create(s, CKK_AES, zero32, 0, &h), CKR_ATTRIBUTE_VALUE_INVALID, "AES of none");
	is_rv(create(s, CKK_DES3, des3key, 24, &h), CKR_OK, "a DES3 key");
	ok(get_bytes(s, h, CKA_CHECK_VALUE, kcv, sizeof kcv) == 3 &&
	   openssl_zero_block("des-ede3", des3key, 24, 8, want) == 0 && memcmp(kcv, want, 3) == 0,
	   "its check value is OpenSSL's");
	is_rv(create(s, CKK_DES3, des3key, 16, &h), CKR_ATTRIBUTE_VALUE_INVALID, "DES3 of 16");
	is_rv(create(s, CKK_KUZNECHIK, zero32, 32, &h), CKR_OK, "a Kuznyechik key");
	is_rv(create(s, CKK_MAGMA, zero32, 31, &h), CKR_ATTRIBUTE_VALUE_INVALID, "Magma of 31");
	is_rv(create(s, CKK_SHA256_HMAC, zero32, 20, &h), CKR_OK, "a SHA-256 HMAC key");
	is_ulong(get_ulong(s, h, CKA_VALUE_LEN), 20, "... CKA_VALUE_LEN from its value");
	is_rv(create(s, CKK_GENERIC_SECRET, zero32, 0, &h), CKR_ATTRIBUTE_VALUE_INVALID,
	      "a generic secret of no bytes");
	{
		CK_ATTRIBUTE t[] = {
			ATTR(CKA_CLASS, c_secret), { CKA_KEY_TYPE, &(CK_KEY_TYPE){ CKK_AES },
						     sizeof(CK_KEY_TYPE) },
			{ CKA_VALUE, (void *)zero32, 16 },
			{ CKA_CHECK_VALUE, (void *)kcv256, 3 },
		};
		CK_ATTRIBUTE tok[] = { t[0], t[1], t[2], ATTR(CKA_TOKEN, yes) };
		CK_ATTRIBUTE vl[] = { t[0], t[1], t[2], ATTR(CKA_VALUE_LEN, bad_len) };

		is_rv(f->C_CreateObject(s, t, 4, &h), CKR_ATTRIBUTE_VALUE_INVALID,
		      "a check value that is not the key's");
		is_rv(f->C_CreateObject(s, tok, 4, &h), CKR_SESSION_READ_ONLY,
		      "a token AES key in a read-only session");
		is_rv(f->C_CreateObject(s, vl, 4, &h), CKR_ATTRIBUTE_READ_ONLY,
		      "CKA_VALUE_LEN is not given to C_CreateObject");
	}
	/* CKA_WRAP_WITH_TRUSTED stays true; CKA_TRUSTED is the SO's */
	{
		CK_ATTRIBUTE wwt = ATTR(CKA_WRAP_WITH_TRUSTED, yes), wwf = ATTR(CKA_WRAP_WITH_TRUSTED, no);
		CK_ATTRIBUTE tr = ATTR(CKA_TRUSTED, yes);

		is_rv(create(s, CKK_AES, zero32, 16, &h), CKR_OK, "an AES key");
		is_rv(f->C_SetAttributeValue(s, h, &wwt, 1), CKR_ATTRIBUTE_READ_ONLY,
		      "CKA_WRAP_WITH_TRUSTED is not modifiable");
		{
			CK_ATTRIBUTE t[] = { ATTR(CKA_CLASS, c_secret),
					     { CKA_KEY_TYPE, &(CK_KEY_TYPE){ CKK_AES },
					       sizeof(CK_KEY_TYPE) },
					     { CKA_VALUE, (void *)zero32, 16 }, wwt };
			CK_OBJECT_HANDLE c = CK_INVALID_HANDLE;

			is_rv(f->C_CreateObject(s, t, 4, &h), CKR_OK, "one wrapped only with trusted keys");
			ok(get_bool(s, h, CKA_WRAP_WITH_TRUSTED) == CK_TRUE, "... says so");
			is_rv(f->C_CopyObject(s, h, &wwf, 1, &c), CKR_ATTRIBUTE_READ_ONLY,
			      "... and a copy cannot say otherwise");
			t[3] = tr;
			ok(f->C_CreateObject(s, t, 4, &c) != CKR_OK,
			   "the user cannot make a trusted key");
		}
	}
}

static void mechanisms(CK_SLOT_ID slot)
{
	static const struct { CK_MECHANISM_TYPE m; CK_ULONG min, max; } want[] = {
		{ CKM_AES_KEY_GEN, 16, 32 }, { CKM_DES3_KEY_GEN, 24, 24 },
		{ CKM_GENERIC_SECRET_KEY_GEN, 8, 4096 }, { CKM_GOST28147_KEY_GEN, 32, 32 },
		{ CKM_KUZNYECHIK_KEY_GEN, 32, 32 }, { CKM_MAGMA_KEY_GEN, 32, 32 },
	};
	CK_MECHANISM_TYPE list[512];
	CK_ULONG n = 512, i, j;
	CK_MECHANISM_INFO info;

	is_rv(f->C_GetMechanismList(slot, list, &n), CKR_OK, "the mechanism list");
	for (i = 0; i < sizeof want / sizeof want[0]; i++) {
		for (j = 0; j < n && list[j] != want[i].m; j++)
			;
		ok(j < n, "%s is listed", sk_name(SK_FAM_CKM, want[i].m));
		is_rv(f->C_GetMechanismInfo(slot, want[i].m, &info), CKR_OK, "... its information");
		ok((info.flags & CKF_GENERATE) && !(info.flags & CKF_GENERATE_KEY_PAIR) &&
		   info.ulMinKeySize == want[i].min && info.ulMaxKeySize == want[i].max,
		   "... CKF_GENERATE, key sizes %lu..%lu", want[i].min, want[i].max);
	}
}

int main(int argc, char **argv)
{
	CK_SLOT_ID slot = 0;
	CK_SESSION_HANDLE s = 0;
	CK_OBJECT_HANDLE priv = 0, pub = 0;
	CK_MECHANISM aes = { CKM_AES_KEY_GEN, NULL, 0 };
	CK_ULONG len16 = 16;
	CK_ATTRIBUTE t[] = { ATTR(CKA_VALUE_LEN, len16), ATTR(CKA_PRIVATE, no) };

	api_rig(argv, 1);
	f = api_module();
	is_rv(f->C_Initialize(NULL), CKR_OK, "C_Initialize");
	is_rv(api_slot_of(f, 0, &slot), CKR_OK, "the token's slot");
	is_rv(api_prepare_token(f, slot, "t5401"), CKR_OK, "C_InitToken and C_InitPIN");
	is_rv(f->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &s), CKR_OK,
	      "a R/O session (session objects need no more)");
	is_rv(f->C_GenerateKey(s, &aes, t, 1, &priv), CKR_USER_NOT_LOGGED_IN,
	      "a private key needs the user");
	is_rv(f->C_GenerateKey(s, &aes, t, 2, &pub), CKR_OK, "a public one does not");
	is_rv(f->C_Login(s, CKU_USER, API_PIN(API_USER_PIN)), CKR_OK, "user login");

	mechanisms(slot);
	generation(s);
	creation(s);

	is_rv(f->C_GenerateKey(s, &aes, t, 1, &priv), CKR_OK, "a private key");
	is_rv(f->C_Logout(s), CKR_OK, "logout");
	ok(get_ulong(s, priv, CKA_VALUE_LEN) == 0xbad, "the private key is gone with C_Logout");
	is_ulong(get_ulong(s, pub, CKA_VALUE_LEN), 16, "the public one stays");
	is_rv(f->C_CloseSession(s), CKR_OK, "close the session");
	is_rv(f->C_Finalize(NULL), CKR_OK, "C_Finalize");
	return done_testing();
}
