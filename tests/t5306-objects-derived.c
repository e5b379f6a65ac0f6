/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t5306 — the attributes the standard derives from an object's value, and the answers
 * independent test suites expect for attributes a template did not give:
 * - CKA_VALUE_LEN of AES and generic secret keys made by C_CreateObject;
 * - CKA_CHECK_VALUE of AES keys (first three bytes of AES-ECB of a zero block, 4.10) and
 *   of certificates (first three bytes of SHA-1 of CKA_VALUE, 4.6.2): known answers from
 *   the standards (AES-128 under the all-zero key of FIPS 197 / the AESAVS tables, SHA-1
 *   of "abc" from FIPS 180), and each result also recomputed by OpenSSL's command line in
 *   another process; a check value given with another value: CKR_ATTRIBUTE_VALUE_INVALID;
 *   an empty one is kept; an AES key of a length AES does not have:
 *   CKR_ATTRIBUTE_VALUE_INVALID;
 * - CKA_ALLOWED_MECHANISMS of a key created without it: the empty list;
 * - C_CopyObject naming another CKA_CLASS: CKR_ATTRIBUTE_READ_ONLY (4.1.1's order);
 * - a token private key's components that never leave the card (CKA_PRIVATE_EXPONENT,
 *   CKA_PRIME_1, an EC key's CKA_VALUE): CKR_ATTRIBUTE_SENSITIVE, not
 *   CKR_ATTRIBUTE_TYPE_INVALID; an attribute the kind does not have still is;
 * - key values checked for what they are: CKA_EC_PARAMS that is not DER
 *   (CKR_DOMAIN_PARAMS_INVALID), names a curve the module does not know
 *   (CKR_CURVE_NOT_SUPPORTED), a point not on the curve (CKR_ATTRIBUTE_VALUE_INVALID), at
 *   C_CreateObject and at C_GenerateKeyPair; RSA sizes out of range at generation
 *   (CKR_ATTRIBUTE_VALUE_INVALID), an even public exponent at creation;
 * - C_Logout destroys the application's private session objects (5.6): their handles are
 *   invalid, also after the next login, and a search does not find them; public session
 *   objects stay.
 */
#include "api/api.h"

static CK_FUNCTION_LIST_PTR f;
static CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
static CK_OBJECT_CLASS c_secret = CKO_SECRET_KEY, c_cert = CKO_CERTIFICATE, c_data = CKO_DATA;
static CK_OBJECT_CLASS c_priv = CKO_PRIVATE_KEY;
static CK_KEY_TYPE k_aes = CKK_AES, k_generic = CKK_GENERIC_SECRET;
static CK_CERTIFICATE_TYPE x509 = CKC_X_509;

#define ATTR(t, v) { (t), &(v), sizeof(v) }

static CK_RV make_secret(CK_SESSION_HANDLE s, CK_KEY_TYPE *kt, const CK_BYTE *v, CK_ULONG n,
			 const CK_BYTE *kcv, CK_ULONG kcv_len, CK_OBJECT_HANDLE *h)
{
	CK_ATTRIBUTE t[] = {
		ATTR(CKA_CLASS, c_secret), ATTR(CKA_KEY_TYPE, *kt), { CKA_VALUE, (void *)v, n },
		ATTR(CKA_EXTRACTABLE, yes), ATTR(CKA_SENSITIVE, no),
		{ CKA_CHECK_VALUE, (void *)kcv, kcv_len },
	};

	return f->C_CreateObject(s, t, kcv != NULL ? 6 : 5, h);
}

static CK_ULONG get(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE h, CK_ATTRIBUTE_TYPE type,
		    CK_BYTE *out, CK_ULONG cap, CK_RV *rv)
{
	CK_ATTRIBUTE a = { type, out, cap };

	*rv = f->C_GetAttributeValue(s, h, &a, 1);
	return a.ulValueLen;
}

/* The first three bytes of what `openssl ARGS` prints in hex for input in[0..n), or -1. */
static int openssl_hex3(const char *args, const CK_BYTE *in, size_t n, CK_BYTE out[3])
{
	char path[] = "/tmp/t5306-XXXXXX", cmd[512], line[256];
	unsigned b[3];
	int fd = mkstemp(path), rc = -1;
	FILE *p;

	if (fd < 0)
		return -1;
	if (write(fd, in, n) != (ssize_t)n) {
		close(fd);
		unlink(path);
		return -1;
	}
	close(fd);
	snprintf(cmd, sizeof cmd, "openssl %s < %s | od -An -tx1 -N3", args, path);
	p = popen(cmd, "r");
	if (p != NULL && fgets(line, sizeof line, p) != NULL &&
	    sscanf(line, "%x %x %x", &b[0], &b[1], &b[2]) == 3) {
		out[0] = (CK_BYTE)b[0];
		out[1] = (CK_BYTE)b[1];
		out[2] = (CK_BYTE)b[2];
		rc = 0;
	}
	if (p != NULL)
		pclose(p);
	unlink(path);
	return rc;
}

static void secret_keys(CK_SESSION_HANDLE s)
{
	static const CK_BYTE zero16[16], key24[24] = { 0x01, 0x23, 0x45, 0x67, 0x89, 0xAB,
		0xCD, 0xEF, 0xFE, 0xDC, 0xBA, 0x98, 0x76, 0x54, 0x32, 0x10, 0x0F, 0x1E, 0x2D,
		0x3C, 0x4B, 0x5A, 0x69, 0x78 };
	/* AES-128 of the zero block under the zero key: 66E94BD4EF8A2C3B884CFA59CA342B2E
	 * (FIPS 197 / NIST AESAVS, the all-zero known answer) */
	static const CK_BYTE kat[3] = { 0x66, 0xE9, 0x4B }, bad[3] = { 0x66, 0xE9, 0x4C };
	CK_BYTE out[64], ref[3];
	CK_OBJECT_HANDLE h = 0, h2 = 0;
	CK_ULONG n, len = 0;
	char args[256];
	CK_RV rv;
	int i;

	is_rv(make_secret(s, &k_aes, zero16, 16, NULL, 0, &h), CKR_OK, "an AES-128 key");
	n = get(s, h, CKA_VALUE_LEN, (CK_BYTE *)&len, sizeof len, &rv);
	is_rv(rv, CKR_OK, "... has CKA_VALUE_LEN");
	is_ulong(len, 16, "... of 16");
	n = get(s, h, CKA_CHECK_VALUE, out, sizeof out, &rv);
	is_rv(rv, CKR_OK, "... has CKA_CHECK_VALUE");
	ok(n == 3 && memcmp(out, kat, 3) == 0, "... the known answer 66E94B (got %lu bytes)", n);

	is_rv(make_secret(s, &k_aes, key24, 24, NULL, 0, &h2), CKR_OK, "an AES-192 key");
	n = get(s, h2, CKA_CHECK_VALUE, out, sizeof out, &rv);
	for (i = 0, args[0] = '\0'; i < 24; i++)
		snprintf(args + strlen(args), sizeof args - strlen(args), "%02X", key24[i]);
	{
		char a2[320];

		snprintf(a2, sizeof a2, "enc -aes-192-ecb -nopad -K %s", args);
		ok(openssl_hex3(a2, zero16, 16, ref) == 0, "openssl enc -aes-192-ecb ran");
	}
	ok(rv == CKR_OK && n == 3 && memcmp(out, ref, 3) == 0,
	   "... its check value is what OpenSSL's command line computes");
	f->C_DestroyObject(s, h2);

	is_rv(make_secret(s, &k_aes, zero16, 16, kat, 3, &h2), CKR_OK,
	      "a check value given that matches: accepted");
	f->C_DestroyObject(s, h2);
	is_rv(make_secret(s, &k_aes, zero16, 16, bad, 3, &h2), CKR_ATTRIBUTE_VALUE_INVALID,
	      "a check value given that does not match: CKR_ATTRIBUTE_VALUE_INVALID");
	is_rv(make_secret(s, &k_aes, zero16, 16, bad, 0, &h2), CKR_OK,
	      "an empty check value given: accepted");
	n = get(s, h2, CKA_CHECK_VALUE, out, sizeof out, &rv);
	ok(rv == CKR_OK && n == 0, "... and kept empty");
	f->C_DestroyObject(s, h2);
	is_rv(make_secret(s, &k_aes, zero16, 15, NULL, 0, &h2), CKR_ATTRIBUTE_VALUE_INVALID,
	      "an AES key of 15 bytes: CKR_ATTRIBUTE_VALUE_INVALID");

	n = get(s, h, CKA_ALLOWED_MECHANISMS, out, sizeof out, &rv);
	is_rv(rv, CKR_OK, "CKA_ALLOWED_MECHANISMS of a key created without it");
	is_ulong(n, 0, "... is the empty list");
	f->C_DestroyObject(s, h);

	is_rv(make_secret(s, &k_generic, key24, 20, NULL, 0, &h), CKR_OK, "a generic secret");
	len = 0;
	get(s, h, CKA_VALUE_LEN, (CK_BYTE *)&len, sizeof len, &rv);
	ok(rv == CKR_OK && len == 20, "... has CKA_VALUE_LEN 20 (%lu)", len);
	f->C_DestroyObject(s, h);
}

static void certificates(CK_SESSION_HANDLE s)
{
	/* SHA-1("abc") = A9993E36 4706816A BA3E2571 7850C26C 9CD0D89D (FIPS 180-4 example) */
	static const CK_BYTE kat[3] = { 0xA9, 0x99, 0x3E };
	static const CK_BYTE der[] = { 0x30, 0x03, 0x02, 0x01, 0x05 };
	CK_ATTRIBUTE t[] = {
		ATTR(CKA_CLASS, c_cert), ATTR(CKA_CERTIFICATE_TYPE, x509),
		{ CKA_SUBJECT, "\x30\x00", 2 }, { CKA_VALUE, "abc", 3 },
	};
	CK_BYTE out[16], ref[3];
	CK_OBJECT_HANDLE h = 0;
	CK_ULONG n;
	CK_RV rv;

	is_rv(f->C_CreateObject(s, t, 4, &h), CKR_OK, "a certificate object");
	n = get(s, h, CKA_CHECK_VALUE, out, sizeof out, &rv);
	ok(rv == CKR_OK && n == 3 && memcmp(out, kat, 3) == 0,
	   "... its CKA_CHECK_VALUE is the SHA-1 known answer A9993E");
	f->C_DestroyObject(s, h);
	t[3] = (CK_ATTRIBUTE){ CKA_VALUE, (void *)der, sizeof der };
	is_rv(f->C_CreateObject(s, t, 4, &h), CKR_OK, "another certificate object");
	n = get(s, h, CKA_CHECK_VALUE, out, sizeof out, &rv);
	ok(openssl_hex3("dgst -sha1 -binary", der, sizeof der, ref) == 0,
	   "openssl dgst -sha1 ran");
	ok(rv == CKR_OK && n == 3 && memcmp(out, ref, 3) == 0,
	   "... its check value is what OpenSSL's command line computes");
	f->C_DestroyObject(s, h);
}

static void copy_class(CK_SESSION_HANDLE s)
{
	CK_ATTRIBUTE t[] = { ATTR(CKA_CLASS, c_data), { CKA_VALUE, "x", 1 } };
	CK_ATTRIBUTE chg[] = { ATTR(CKA_CLASS, c_cert) };
	CK_OBJECT_HANDLE h = 0, h2 = 0;

	is_rv(f->C_CreateObject(s, t, 2, &h), CKR_OK, "a data object");
	is_rv(f->C_CopyObject(s, h, chg, 1, &h2), CKR_ATTRIBUTE_READ_ONLY,
	      "C_CopyObject to another CKA_CLASS: CKR_ATTRIBUTE_READ_ONLY");
	f->C_DestroyObject(s, h);
}

static void token_keys(CK_SESSION_HANDLE s)
{
	static CK_ULONG bits = 1024;
	static CK_BYTE e[3] = { 1, 0, 1 };
	/* prime256v1 (secp256r1) as a DER OID: 1.2.840.10045.3.1.7 */
	static CK_BYTE p256[] = { 0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07 };
	CK_MECHANISM rsa_gen = { CKM_RSA_PKCS_KEY_PAIR_GEN, NULL, 0 };
	CK_MECHANISM ec_gen = { CKM_EC_KEY_PAIR_GEN, NULL, 0 };
	CK_ATTRIBUTE pt[] = { ATTR(CKA_TOKEN, yes), ATTR(CKA_MODULUS_BITS, bits),
			      ATTR(CKA_PUBLIC_EXPONENT, e), { CKA_ID, "\x51", 1 } };
	CK_ATTRIBUTE et[] = { ATTR(CKA_TOKEN, yes), ATTR(CKA_EC_PARAMS, p256),
			      { CKA_ID, "\x52", 1 } };
	CK_ATTRIBUTE vt[] = { ATTR(CKA_TOKEN, yes), ATTR(CKA_PRIVATE, yes), ATTR(CKA_SIGN, yes) };
	CK_OBJECT_HANDLE pub = 0, priv = 0;
	CK_BYTE out[600];
	CK_RV rv;

	is_rv(f->C_GenerateKeyPair(s, &rsa_gen, pt, 4, vt, 3, &pub, &priv), CKR_OK,
	      "an RSA-1024 token key pair");
	get(s, priv, CKA_PRIVATE_EXPONENT, out, sizeof out, &rv);
	is_rv(rv, CKR_ATTRIBUTE_SENSITIVE, "its CKA_PRIVATE_EXPONENT: CKR_ATTRIBUTE_SENSITIVE");
	get(s, priv, CKA_PRIME_1, out, sizeof out, &rv);
	is_rv(rv, CKR_ATTRIBUTE_SENSITIVE, "its CKA_PRIME_1: CKR_ATTRIBUTE_SENSITIVE");
	get(s, priv, CKA_COEFFICIENT, out, sizeof out, &rv);
	is_rv(rv, CKR_ATTRIBUTE_SENSITIVE, "its CKA_COEFFICIENT: CKR_ATTRIBUTE_SENSITIVE");
	get(s, priv, CKA_EC_POINT, out, sizeof out, &rv);
	is_rv(rv, CKR_ATTRIBUTE_TYPE_INVALID,
	      "an attribute RSA keys do not have: still CKR_ATTRIBUTE_TYPE_INVALID");
	get(s, priv, CKA_ALLOWED_MECHANISMS, out, sizeof out, &rv);
	is_rv(rv, CKR_OK, "its CKA_ALLOWED_MECHANISMS reads");
	is_rv(f->C_GenerateKeyPair(s, &ec_gen, et, 3, vt, 3, &pub, &priv), CKR_OK,
	      "a P-256 token key pair");
	get(s, priv, CKA_VALUE, out, sizeof out, &rv);
	is_rv(rv, CKR_ATTRIBUTE_SENSITIVE, "its CKA_VALUE: CKR_ATTRIBUTE_SENSITIVE");
	(void)c_priv;
}

static void key_values(CK_SESSION_HANDLE s)
{
	static CK_OBJECT_CLASS c_pub = CKO_PUBLIC_KEY;
	static CK_KEY_TYPE k_ec = CKK_EC, k_rsa = CKK_RSA;
	static CK_BYTE p256[] = { 0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07 };
	static CK_BYTE unknown[] = { 0x06, 0x03, 0x2A, 0x03, 0x04 };        /* 1.2.3.4 */
	static CK_BYTE garbled[] = { 0x06, 0x09, 0x2A, 0x86, 0x48 };        /* length lies */
	static CK_BYTE even_e[] = { 0x01, 0x00, 0x00 };
	CK_BYTE point[67] = { 0x04, 0x41, 0x04 }, good[80], mod[128];
	CK_ULONG bits[] = { 0, 1025, 1000000 };
	CK_ATTRIBUTE find[] = { ATTR(CKA_CLASS, c_pub), ATTR(CKA_KEY_TYPE, k_ec) };
	CK_ATTRIBUTE ec[] = { ATTR(CKA_CLASS, c_pub), ATTR(CKA_KEY_TYPE, k_ec),
			      ATTR(CKA_EC_PARAMS, p256), { CKA_EC_POINT, point, sizeof point } };
	CK_ATTRIBUTE rsa[] = { ATTR(CKA_CLASS, c_pub), ATTR(CKA_KEY_TYPE, k_rsa),
			       ATTR(CKA_MODULUS, mod), ATTR(CKA_PUBLIC_EXPONENT, even_e) };
	CK_MECHANISM rsa_gen = { CKM_RSA_PKCS_KEY_PAIR_GEN, NULL, 0 };
	CK_MECHANISM ec_gen = { CKM_EC_KEY_PAIR_GEN, NULL, 0 };
	CK_ATTRIBUTE vt[] = { ATTR(CKA_TOKEN, yes), ATTR(CKA_PRIVATE, yes), ATTR(CKA_SIGN, yes) };
	CK_ATTRIBUTE rt[] = { ATTR(CKA_TOKEN, yes), ATTR(CKA_MODULUS_BITS, bits[0]) };
	CK_ATTRIBUTE et[] = { ATTR(CKA_TOKEN, yes), ATTR(CKA_EC_PARAMS, unknown) };
	CK_OBJECT_HANDLE h = 0, pub = 0, priv = 0;
	CK_ULONG n = 0, i;
	CK_RV rv;

	memset(point + 3, 0x01, sizeof point - 3);
	memset(mod, 0xC5, sizeof mod);
	is_rv(f->C_CreateObject(s, ec, 4, &h), CKR_ATTRIBUTE_VALUE_INVALID,
	      "an EC public key whose point is not on P-256: CKR_ATTRIBUTE_VALUE_INVALID");
	ec[2] = (CK_ATTRIBUTE)ATTR(CKA_EC_PARAMS, unknown);
	is_rv(f->C_CreateObject(s, ec, 4, &h), CKR_CURVE_NOT_SUPPORTED,
	      "... on a curve the module does not know: CKR_CURVE_NOT_SUPPORTED");
	ec[2] = (CK_ATTRIBUTE)ATTR(CKA_EC_PARAMS, garbled);
	is_rv(f->C_CreateObject(s, ec, 4, &h), CKR_DOMAIN_PARAMS_INVALID,
	      "... with CKA_EC_PARAMS that is not DER: CKR_DOMAIN_PARAMS_INVALID");
	/* a real point: the public half of the P-256 pair made on the token */
	f->C_FindObjectsInit(s, find, 2);
	f->C_FindObjects(s, &pub, 1, &n);
	f->C_FindObjectsFinal(s);
	ec[3] = (CK_ATTRIBUTE){ CKA_EC_POINT, good, sizeof good };
	ok(n == 1 && f->C_GetAttributeValue(s, pub, &ec[3], 1) == CKR_OK,
	   "the token's P-256 public key and its CKA_EC_POINT");
	ec[2] = (CK_ATTRIBUTE)ATTR(CKA_EC_PARAMS, p256);
	is_rv(f->C_CreateObject(s, ec, 4, &h), CKR_OK, "... as a session object: accepted");
	f->C_DestroyObject(s, h);
	is_rv(f->C_CreateObject(s, rsa, 4, &h), CKR_ATTRIBUTE_VALUE_INVALID,
	      "an RSA public key with an even exponent: CKR_ATTRIBUTE_VALUE_INVALID");

	for (i = 0; i < sizeof bits / sizeof bits[0]; i++) {
		rt[1] = (CK_ATTRIBUTE)ATTR(CKA_MODULUS_BITS, bits[i]);
		rv = f->C_GenerateKeyPair(s, &rsa_gen, rt, 2, vt, 3, &pub, &priv);
		is_rv(rv, CKR_ATTRIBUTE_VALUE_INVALID,
		      "C_GenerateKeyPair with CKA_MODULUS_BITS %lu: CKR_ATTRIBUTE_VALUE_INVALID",
		      bits[i]);
	}
	is_rv(f->C_GenerateKeyPair(s, &ec_gen, et, 2, vt, 3, &pub, &priv),
	      CKR_CURVE_NOT_SUPPORTED, "C_GenerateKeyPair on an unknown curve: "
	      "CKR_CURVE_NOT_SUPPORTED");
	et[1] = (CK_ATTRIBUTE)ATTR(CKA_EC_PARAMS, garbled);
	is_rv(f->C_GenerateKeyPair(s, &ec_gen, et, 2, vt, 3, &pub, &priv),
	      CKR_DOMAIN_PARAMS_INVALID, "... with CKA_EC_PARAMS that is not DER: "
	      "CKR_DOMAIN_PARAMS_INVALID");
}

static void logout(CK_SESSION_HANDLE s)
{
	CK_ATTRIBUTE t[] = { ATTR(CKA_CLASS, c_data), { CKA_LABEL, "t5306-logout", 12 },
			     ATTR(CKA_PRIVATE, yes) };
	CK_ATTRIBUTE q = { CKA_CLASS, NULL, 0 };
	CK_OBJECT_HANDLE priv = 0, pub = 0, found[4];
	CK_ULONG n = 0;

	is_rv(f->C_CreateObject(s, t, 3, &priv), CKR_OK, "a private session object");
	t[2] = (CK_ATTRIBUTE)ATTR(CKA_PRIVATE, no);
	is_rv(f->C_CreateObject(s, t, 3, &pub), CKR_OK, "a public session object");
	is_rv(f->C_Logout(s), CKR_OK, "C_Logout");
	is_rv(f->C_GetAttributeValue(s, priv, &q, 1), CKR_OBJECT_HANDLE_INVALID,
	      "the private session object's handle is invalid after logout");
	is_rv(f->C_GetAttributeValue(s, pub, &q, 1), CKR_OK, "the public one stays");
	is_rv(f->C_Login(s, CKU_USER, API_PIN(API_USER_PIN)), CKR_OK, "login again");
	is_rv(f->C_GetAttributeValue(s, priv, &q, 1), CKR_OBJECT_HANDLE_INVALID,
	      "... the private one is still gone");
	t[2] = (CK_ATTRIBUTE){ CKA_LABEL, "t5306-logout", 12 };
	f->C_FindObjectsInit(s, &t[1], 1);
	f->C_FindObjects(s, found, 4, &n);
	f->C_FindObjectsFinal(s);
	ok(n == 1 && found[0] == pub, "... and a search finds only the public one (%lu)", n);
	f->C_DestroyObject(s, pub);
}

int main(int argc, char **argv)
{
	CK_SLOT_ID slot = 0;
	CK_SESSION_HANDLE s = 0;

	api_rig(argv, 1);
	f = api_module();
	is_rv(f->C_Initialize(NULL), CKR_OK, "C_Initialize");
	is_rv(api_slot_of(f, 0, &slot), CKR_OK, "the token's slot");
	is_rv(api_prepare_token(f, slot, "t5306"), CKR_OK, "C_InitToken and C_InitPIN");
	is_rv(f->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s),
	      CKR_OK, "a read-write session");
	is_rv(f->C_Login(s, CKU_USER, API_PIN(API_USER_PIN)), CKR_OK, "user login");
	secret_keys(s);
	certificates(s);
	copy_class(s);
	token_keys(s);
	key_values(s);
	logout(s);
	is_rv(f->C_Finalize(NULL), CKR_OK, "C_Finalize");
	return done_testing();
}
