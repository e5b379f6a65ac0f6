/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t5610 — C_WrapKeyAuthenticated and C_UnwrapKeyAuthenticated (PKCS #11 3.2, 5.18) with
 * CKM_AES_GCM and CK_GCM_MESSAGE_PARAMS (6.13.3): the ciphertext in pWrappedKey, the tag
 * in pTag, the associated data from the functions' own arguments.
 *
 * Known answers: Test Cases 4 and 16 of "The Galois/Counter Mode of Operation (GCM)"
 * (McGrew and Viega, the specification NIST SP 800-38D is based on; appendix B), their
 * 60-byte plaintext as a generic secret key, wrapped under the 128- and 256-bit keys with
 * the given IV and AAD (CKG_NO_GENERATE) and unwrapped back. Cross-checks in another
 * process: AES-GCM of python3-cryptography decrypts what the module wraps with an IV it
 * generates (CKG_GENERATE; CKG_GENERATE_RANDOM with fixed leading bits) and encrypts keys
 * the module unwraps. The rules: the size query (no IV drawn, no tag written) and
 * CKR_BUFFER_TOO_SMALL; a wrong AAD, a changed ciphertext or tag
 * (CKR_WRAPPED_KEY_INVALID, and no object made); tag lengths and generators the module
 * does not take (CKR_MECHANISM_PARAM_INVALID); other mechanisms (CKR_MECHANISM_INVALID);
 * CKA_WRAP / CKA_UNWRAP false (CKR_KEY_FUNCTION_NOT_PERMITTED); a key that is not
 * extractable (CKR_KEY_UNEXTRACTABLE), wants a trusted wrapping key or misses the
 * CKA_WRAP_TEMPLATE (CKR_KEY_NOT_WRAPPABLE); the handle and type codes of both keys; the
 * template (CKR_TEMPLATE_INCOMPLETE, a length no AES key has: CKR_WRAPPED_KEY_INVALID);
 * and the new key's CKA_LOCAL, CKA_ALWAYS_SENSITIVE, CKA_NEVER_EXTRACTABLE (false) and
 * CKA_EXTRACTABLE (true unless the template says otherwise).
 */
#include "api/api.h"
#include "api/bytes.h"
#include "api/keys.h"

static CK_FUNCTION_LIST_3_2_PTR f;
static CK_FUNCTION_LIST_PTR fl;         /* the same list, as its 2.40 part */
static CK_SESSION_HANDLE s;
static CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
static CK_OBJECT_CLASS c_secret = CKO_SECRET_KEY;
static CK_KEY_TYPE k_aes = CKK_AES, k_gen = CKK_GENERIC_SECRET;

#define ATTR(t, v) { (t), &(v), sizeof(v) }
#define AAD (CK_BYTE_PTR)"header of the wrapped key", 25

/* The GCM mechanism over p. */
static CK_MECHANISM gcm(CK_GCM_MESSAGE_PARAMS *p, uint8_t *iv, size_t niv, CK_ULONG fixed,
			CK_GENERATOR_FUNCTION gen, uint8_t *tag, CK_ULONG tag_bits)
{
	CK_MECHANISM m = { CKM_AES_GCM, p, sizeof *p };

	*p = (CK_GCM_MESSAGE_PARAMS){ iv, niv, fixed, gen, tag, tag_bits };
	return m;
}

/* The session's objects (all or nothing: a refused unwrap makes none). */
static int count_objects(void)
{
	CK_OBJECT_HANDLE h[64];
	CK_ULONG n = 0;

	if (f->C_FindObjectsInit(s, NULL, 0) != CKR_OK)
		return -1;
	if (f->C_FindObjects(s, h, 64, &n) != CKR_OK)
		n = (CK_ULONG)-1;
	f->C_FindObjectsFinal(s);
	return (int)n;
}

/* Known answers: the GCM specification's Test Cases 4 (128-bit key) and 16 (256-bit). */
static void kat(const char *what, const char *kek_hex, const char *c_hex, const char *t_hex)
{
	static const char *p_hex = "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a3"
				   "18a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39";
	static const char *a_hex = "feedfacedeadbeeffeedfacedeadbeefabaddad2";
	uint8_t kek[32], p[60], a[20], c[60], t[16], iv[12], tag[16], out[80], val[80];
	size_t nk = unhex(kek_hex, kek), np = unhex(p_hex, p), na = unhex(a_hex, a);
	CK_GCM_MESSAGE_PARAMS gp;
	CK_MECHANISM m;
	CK_OBJECT_HANDLE hk = api_secret_key(fl, s, CKK_AES, kek, nk, yes, no), hv, hu = 0;
	CK_ULONG n = sizeof out, vn = sizeof val;

	unhex(c_hex, c);
	unhex(t_hex, t);
	unhex("cafebabefacedbaddecaf888", iv);
	hv = api_secret_key(fl, s, CKK_GENERIC_SECRET, p, np, no, yes);
	ok(hk != CK_INVALID_HANDLE && hv != CK_INVALID_HANDLE, "%s: the keys", what);
	m = gcm(&gp, iv, 12, 0, CKG_NO_GENERATE, tag, 128);
	memset(tag, 0, sizeof tag);
	ok(api_awrap(f, s, &m, hk, hv, a, na, out, &n) == CKR_OK && n == 60 &&
	   memcmp(out, c, 60) == 0 && memcmp(tag, t, 16) == 0,
	   "%s: the ciphertext in pWrappedKey, the tag in pTag", what);
	ok(api_aunwrap(f, s, &m, hk, k_gen, c, 60, a, na, val, &vn, &hu) == CKR_OK && vn == 60 &&
	   memcmp(val, p, 60) == 0, "%s: C_UnwrapKeyAuthenticated gives the key back", what);
	f->C_DestroyObject(s, hu);
	f->C_DestroyObject(s, hv);
	f->C_DestroyObject(s, hk);
}

static void known_answers(void)
{
	kat("GCM Test Case 4", "feffe9928665731c6d6a8f9467308308",
	    "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7"
	    "d8f6a5aac84aa051ba30b396a0aac973d58e091", "5bc94fbc3221a5db94fae95ae7121a47");
	kat("GCM Test Case 16", "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308",
	    "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da"
	    "7b08b1056828838c5f61e6393ba7a0abcc9f662", "76fc6ece0f4e1768cddf8853bb2d551b");
}

/* Random AES and generic secret keys, wrapped with a generated IV, against python. */
static void cross_check(void)
{
	static const size_t keks[] = { 16, 24, 32 };
	static const struct { CK_KEY_TYPE kt; size_t len; } keys[] = {
		{ CKK_AES, 16 }, { CKK_AES, 32 }, { CKK_GENERIC_SECRET, 40 },
		{ CKK_GENERIC_SECRET, 7 },
	};
	uint8_t kek[32], key[64], w[64], o[128], val[64], iv[16], tag[16], ct[80];
	size_t i, j, on;
	int good_w = 0, good_u = 0, good_fix = 1, tries = 0;

	for (i = 0; i < 3; i++)
		for (j = 0; j < sizeof keys / sizeof keys[0]; j++) {
			CK_OBJECT_HANDLE hk, hv, hu = 0;
			CK_ULONG n = sizeof w, vn = sizeof val;
			CK_GCM_MESSAGE_PARAMS gp;
			CK_GENERATOR_FUNCTION gen = j % 2 ? CKG_GENERATE_RANDOM : CKG_GENERATE;
			CK_ULONG fixed = j % 2 ? 32 : 0;
			size_t niv = j == 3 ? 16 : 12;
			CK_MECHANISM m = gcm(&gp, iv, niv, fixed, gen, tag, 128);

			if (f->C_GenerateRandom(s, kek, keks[i]) != CKR_OK ||
			    f->C_GenerateRandom(s, key, keys[j].len) != CKR_OK)
				continue;
			tries++;
			memset(iv, 0xA5, sizeof iv);
			hk = api_secret_key(fl, s, CKK_AES, kek, keks[i], yes, no);
			hv = api_secret_key(fl, s, keys[j].kt, key, keys[j].len, no, yes);
			if (api_awrap(f, s, &m, hk, hv, AAD, w, &n) == CKR_OK && n == keys[j].len) {
				memcpy(ct, w, n);
				memcpy(ct + n, tag, 16);
				if (api_py_aead("AESGCM", 0, 1, kek, keks[i], iv, niv, AAD, ct, n + 16,
						o, sizeof o, &on) == 0 && on == keys[j].len &&
				    memcmp(o, key, on) == 0)
					good_w++;
				else
					diag("python: kek %zu, key %zu", keks[i], keys[j].len);
				if (fixed == 32 && memcmp(iv, "\xA5\xA5\xA5\xA5", 4) != 0)
					good_fix = 0;
				if (memcmp(iv + 4, "\xA5\xA5\xA5\xA5\xA5\xA5\xA5\xA5", 8) == 0)
					good_fix = 0;   /* nothing generated */
			} else {
				diag("wrap: kek %zu, key %zu", keks[i], keys[j].len);
			}
			if (f->C_GenerateRandom(s, iv, niv) == CKR_OK &&
			    api_py_aead("AESGCM", 0, 0, kek, keks[i], iv, niv, AAD, key, keys[j].len, o,
					sizeof o, &on) == 0 &&
			    on == keys[j].len + 16) {
				memcpy(tag, o + keys[j].len, 16);
				gp.ivGenerator = CKG_NO_GENERATE;       /* ignored by unwrap */
				if (api_aunwrap(f, s, &m, hk, keys[j].kt == CKK_AES ? k_aes : k_gen, o,
					    keys[j].len, AAD, val, &vn, &hu) == CKR_OK &&
				    vn == keys[j].len && memcmp(val, key, vn) == 0)
					good_u++;
				else
					diag("unwrap: kek %zu, key %zu", keks[i], keys[j].len);
			}
			f->C_DestroyObject(s, hk);
			f->C_DestroyObject(s, hv);
			if (hu != 0)
				f->C_DestroyObject(s, hu);
		}
	ok(tries == 12, "12 random cases (AES 16/24/32-byte KEKs; AES and generic secret keys)");
	is_ulong(good_w, 12, "python3-cryptography's AES-GCM unwraps every wrapping");
	is_ulong(good_u, 12, "... and the module unwraps every one of its wrappings");
	ok(good_fix, "the generated IVs keep their ulIvFixedBits and change the rest");
}

static void rules(void)
{
	uint8_t kek[16] = "0123456789abcdef", key[32] = "an AES-256 key, thirty-two bytes";
	uint8_t w[64], w2[64], iv[12], iv0[12], tag[16], tag0[16], bad[64], val[64];
	CK_OBJECT_HANDLE hk = api_secret_key(fl, s, CKK_AES, kek, 16, yes, no), hv, hne, hnw, hg;
	CK_OBJECT_HANDLE hu = 0;
	CK_GCM_MESSAGE_PARAMS gp;
	CK_GCM_PARAMS classic = { iv, 12, 96, NULL, 0, 128 };
	CK_MECHANISM m, mkw = { CKM_AES_KEY_WRAP, NULL, 0 }, mmgm = { CKM_KUZNYECHIK_MGM, &gp,
								     sizeof gp };
	CK_ATTRIBUTE t_aes[] = { ATTR(CKA_CLASS, c_secret), ATTR(CKA_KEY_TYPE, k_aes) };
	CK_ATTRIBUTE t_ne[] = { ATTR(CKA_CLASS, c_secret), ATTR(CKA_KEY_TYPE, k_aes),
				ATTR(CKA_EXTRACTABLE, no), ATTR(CKA_PRIVATE, no) };
	CK_ULONG n, vn;
	int before;

	hv = api_secret_key(fl, s, CKK_AES, key, 32, no, yes);
	hne = api_secret_key(fl, s, CKK_AES, key, 32, no, no);
	hnw = api_secret_key(fl, s, CKK_AES, kek, 16, no, no);  /* CKA_WRAP, CKA_UNWRAP false */
	hg = api_secret_key(fl, s, CKK_GENERIC_SECRET, kek, 16, yes, no);
	ok(hk && hv && hne && hnw && hg, "the keys");
	memset(iv, 0, sizeof iv);
	m = gcm(&gp, iv, 12, 0, CKG_GENERATE, tag, 128);

	/* the two-call rule: no IV drawn, no tag written before the real call */
	memset(tag, 0x11, sizeof tag);
	n = 0;
	is_rv(f->C_WrapKeyAuthenticated(s, &m, hk, hv, AAD, NULL, &n), CKR_OK,
	      "pWrappedKey NULL: the size");
	is_ulong(n, 32, "... the key's length (the tag is in pTag)");
	n = 31;
	is_rv(f->C_WrapKeyAuthenticated(s, &m, hk, hv, AAD, w, &n), CKR_BUFFER_TOO_SMALL,
	      "one byte short: CKR_BUFFER_TOO_SMALL");
	is_ulong(n, 32, "... and the size");
	ok(memcmp(iv, "\0\0\0\0\0\0\0\0\0\0\0\0", 12) == 0 &&
	   memcmp(tag, "\x11\x11\x11\x11\x11\x11\x11\x11\x11\x11\x11\x11\x11\x11\x11\x11", 16) ==
		   0, "neither drew an IV nor wrote a tag");
	n = sizeof w;
	is_rv(f->C_WrapKeyAuthenticated(s, &m, hk, hv, AAD, w, &n), CKR_OK, "the wrap");
	memcpy(iv0, iv, 12);
	memcpy(tag0, tag, 16);
	n = sizeof w2;
	is_rv(f->C_WrapKeyAuthenticated(s, &m, hk, hv, AAD, w2, &n), CKR_OK, "again");
	ok(memcmp(iv, iv0, 12) != 0 && memcmp(w, w2, 32) != 0,
	   "CKG_GENERATE: another IV, another wrapping");

	/* unwrap with the first IV and tag; AAD, ciphertext and tag are bound */
	memcpy(iv, iv0, 12);
	memcpy(tag, tag0, 16);
	vn = sizeof val;
	is_rv(api_aunwrap(f, s, &m, hk, k_aes, w, 32, AAD, val, &vn, &hu), CKR_OK, "it unwraps");
	ok(vn == 32 && memcmp(val, key, 32) == 0, "... to the key's value");
	ok(api_get_bool(fl, s, hu, CKA_LOCAL) == 0 &&
	   api_get_bool(fl, s, hu, CKA_ALWAYS_SENSITIVE) == 0 &&
	   api_get_bool(fl, s, hu, CKA_NEVER_EXTRACTABLE) == 0 &&
	   api_get_bool(fl, s, hu, CKA_EXTRACTABLE) == 1,
	   "the new key: CKA_LOCAL, CKA_ALWAYS_SENSITIVE, CKA_NEVER_EXTRACTABLE false, "
	   "CKA_EXTRACTABLE true");
	is_rv(f->C_UnwrapKeyAuthenticated(s, &m, hk, w, 32, t_ne, 4, AAD, &hu), CKR_OK,
	      "with CKA_EXTRACTABLE false in the template");
	ok(api_get_bool(fl, s, hu, CKA_EXTRACTABLE) == 0, "... the new key is not extractable");
	before = count_objects();
	vn = sizeof val;
	is_rv(api_aunwrap(f, s, &m, hk, k_aes, w, 32, (CK_BYTE_PTR)"header of the wrapped kez",
			  25, val, &vn, &hu), CKR_WRAPPED_KEY_INVALID,
	      "other AAD: CKR_WRAPPED_KEY_INVALID");
	vn = sizeof val;
	is_rv(api_aunwrap(f, s, &m, hk, k_aes, w, 32, NULL, 0, val, &vn, &hu),
	      CKR_WRAPPED_KEY_INVALID, "no AAD: CKR_WRAPPED_KEY_INVALID");
	memcpy(bad, w, 32);
	bad[7] ^= 0x01;
	vn = sizeof val;
	is_rv(api_aunwrap(f, s, &m, hk, k_aes, bad, 32, AAD, val, &vn, &hu),
	      CKR_WRAPPED_KEY_INVALID, "one bit of the ciphertext changed: CKR_WRAPPED_KEY_INVALID");
	tag[15] ^= 0x80;
	vn = sizeof val;
	is_rv(api_aunwrap(f, s, &m, hk, k_aes, w, 32, AAD, val, &vn, &hu), CKR_WRAPPED_KEY_INVALID,
	      "one bit of the tag changed: CKR_WRAPPED_KEY_INVALID");
	tag[15] ^= 0x80;
	iv[0] ^= 0x01;
	vn = sizeof val;
	is_rv(api_aunwrap(f, s, &m, hk, k_aes, w, 32, AAD, val, &vn, &hu), CKR_WRAPPED_KEY_INVALID,
	      "another IV: CKR_WRAPPED_KEY_INVALID");
	iv[0] ^= 0x01;
	vn = sizeof val;
	is_rv(api_aunwrap(f, s, &m, hk, k_aes, w, 31, AAD, val, &vn, &hu), CKR_WRAPPED_KEY_INVALID,
	      "a byte short: CKR_WRAPPED_KEY_INVALID");
	ok(count_objects() == before, "none of them made an object");
	is_rv(f->C_UnwrapKeyAuthenticated(s, &m, hk, w, 32, t_aes, 1, AAD, &hu),
	      CKR_TEMPLATE_INCOMPLETE, "a template without CKA_KEY_TYPE: CKR_TEMPLATE_INCOMPLETE");
	is_rv(f->C_UnwrapKeyAuthenticated(s, &m, hk, w, 0, t_aes, 2, AAD, &hu),
	      CKR_WRAPPED_KEY_LEN_RANGE, "an empty wrapped key: CKR_WRAPPED_KEY_LEN_RANGE");

	/* the parameter */
	gp.ulTagBits = 0;
	n = sizeof w;
	is_rv(f->C_WrapKeyAuthenticated(s, &m, hk, hv, AAD, w, &n), CKR_MECHANISM_PARAM_INVALID,
	      "ulTagBits 0 (no tag): CKR_MECHANISM_PARAM_INVALID");
	gp.ulTagBits = 100;
	is_rv(f->C_WrapKeyAuthenticated(s, &m, hk, hv, AAD, w, &n), CKR_MECHANISM_PARAM_INVALID,
	      "ulTagBits 100: CKR_MECHANISM_PARAM_INVALID");
	is_rv(f->C_UnwrapKeyAuthenticated(s, &m, hk, w, 32, t_aes, 2, AAD, &hu),
	      CKR_MECHANISM_PARAM_INVALID, "... unwrapping too");
	gp.ulTagBits = 136;
	is_rv(f->C_WrapKeyAuthenticated(s, &m, hk, hv, AAD, w, &n), CKR_MECHANISM_PARAM_INVALID,
	      "ulTagBits 136: CKR_MECHANISM_PARAM_INVALID");
	gp.ulTagBits = 96;
	n = sizeof w;
	is_rv(f->C_WrapKeyAuthenticated(s, &m, hk, hv, AAD, w, &n), CKR_OK,
	      "ulTagBits 96 is taken");
	vn = sizeof val;
	ok(api_aunwrap(f, s, &m, hk, k_aes, w, 32, AAD, val, &vn, &hu) == CKR_OK && vn == 32 &&
	   memcmp(val, key, 32) == 0, "... and unwraps with its 12-byte tag");
	gp.ulTagBits = 128;
	gp.pTag = NULL;
	is_rv(f->C_WrapKeyAuthenticated(s, &m, hk, hv, AAD, w, &n), CKR_MECHANISM_PARAM_INVALID,
	      "pTag NULL: CKR_MECHANISM_PARAM_INVALID");
	gp.pTag = tag;
	gp.ivGenerator = CKG_GENERATE_COUNTER;
	is_rv(f->C_WrapKeyAuthenticated(s, &m, hk, hv, AAD, w, &n), CKR_MECHANISM_PARAM_INVALID,
	      "CKG_GENERATE_COUNTER (no process to count in): CKR_MECHANISM_PARAM_INVALID");
	gp.ivGenerator = CKG_GENERATE_COUNTER_XOR;
	is_rv(f->C_WrapKeyAuthenticated(s, &m, hk, hv, AAD, w, &n), CKR_MECHANISM_PARAM_INVALID,
	      "CKG_GENERATE_COUNTER_XOR: CKR_MECHANISM_PARAM_INVALID");
	gp.ivGenerator = CKG_GENERATE;
	gp.ulIvFixedBits = 40;
	is_rv(f->C_WrapKeyAuthenticated(s, &m, hk, hv, AAD, w, &n), CKR_MECHANISM_PARAM_INVALID,
	      "40 fixed bits of 96 (fewer than 64 to draw): CKR_MECHANISM_PARAM_INVALID");
	gp.ulIvFixedBits = 32;
	is_rv(f->C_WrapKeyAuthenticated(s, &m, hk, hv, AAD, w, &n), CKR_OK,
	      "32 fixed bits of 96 are taken");
	gp.ulIvFixedBits = 0;
	gp.ulIvLen = 0;
	is_rv(f->C_WrapKeyAuthenticated(s, &m, hk, hv, AAD, w, &n), CKR_MECHANISM_PARAM_INVALID,
	      "an empty IV: CKR_MECHANISM_PARAM_INVALID");
	gp.ulIvLen = 12;
	m.ulParameterLen = sizeof gp - 1;
	is_rv(f->C_WrapKeyAuthenticated(s, &m, hk, hv, AAD, w, &n), CKR_MECHANISM_PARAM_INVALID,
	      "a parameter of the wrong size: CKR_MECHANISM_PARAM_INVALID");
	m.pParameter = &classic;
	m.ulParameterLen = sizeof classic;
	is_rv(f->C_WrapKeyAuthenticated(s, &m, hk, hv, AAD, w, &n), CKR_MECHANISM_PARAM_INVALID,
	      "CK_GCM_PARAMS (C_Encrypt's): CKR_MECHANISM_PARAM_INVALID");
	m.pParameter = NULL;
	m.ulParameterLen = 0;
	is_rv(f->C_WrapKeyAuthenticated(s, &m, hk, hv, AAD, w, &n), CKR_MECHANISM_PARAM_INVALID,
	      "no parameter: CKR_MECHANISM_PARAM_INVALID");
	m = gcm(&gp, iv, 12, 0, CKG_GENERATE, tag, 128);
	is_rv(f->C_WrapKeyAuthenticated(s, &mkw, hk, hv, AAD, w, &n), CKR_MECHANISM_INVALID,
	      "CKM_AES_KEY_WRAP (no AEAD): CKR_MECHANISM_INVALID");
	is_rv(f->C_WrapKeyAuthenticated(s, &mmgm, hk, hv, AAD, w, &n), CKR_MECHANISM_INVALID,
	      "CKM_KUZNYECHIK_MGM (no authenticated wrap in the standard): CKR_MECHANISM_INVALID");
	is_rv(f->C_UnwrapKeyAuthenticated(s, &mkw, hk, w, 32, t_aes, 2, AAD, &hu),
	      CKR_MECHANISM_INVALID, "... unwrapping too");

	/* the keys */
	is_rv(f->C_WrapKeyAuthenticated(s, &m, hnw, hv, AAD, w, &n),
	      CKR_KEY_FUNCTION_NOT_PERMITTED, "CKA_WRAP false: CKR_KEY_FUNCTION_NOT_PERMITTED");
	is_rv(f->C_UnwrapKeyAuthenticated(s, &m, hnw, w, 32, t_aes, 2, AAD, &hu),
	      CKR_KEY_FUNCTION_NOT_PERMITTED, "CKA_UNWRAP false: CKR_KEY_FUNCTION_NOT_PERMITTED");
	is_rv(f->C_WrapKeyAuthenticated(s, &m, hk, hne, AAD, w, &n), CKR_KEY_UNEXTRACTABLE,
	      "CKA_EXTRACTABLE false: CKR_KEY_UNEXTRACTABLE");
	is_rv(f->C_WrapKeyAuthenticated(s, &m, hg, hv, AAD, w, &n),
	      CKR_WRAPPING_KEY_TYPE_INCONSISTENT,
	      "a generic secret wrapping key: CKR_WRAPPING_KEY_TYPE_INCONSISTENT");
	is_rv(f->C_UnwrapKeyAuthenticated(s, &m, hg, w, 32, t_aes, 2, AAD, &hu),
	      CKR_UNWRAPPING_KEY_TYPE_INCONSISTENT,
	      "... unwrapping: CKR_UNWRAPPING_KEY_TYPE_INCONSISTENT");
	is_rv(f->C_WrapKeyAuthenticated(s, &m, 0x7777, hv, AAD, w, &n),
	      CKR_WRAPPING_KEY_HANDLE_INVALID, "no such wrapping key: CKR_WRAPPING_KEY_HANDLE_INVALID");
	is_rv(f->C_WrapKeyAuthenticated(s, &m, hk, 0x7777, AAD, w, &n), CKR_KEY_HANDLE_INVALID,
	      "no such key: CKR_KEY_HANDLE_INVALID");
	is_rv(f->C_UnwrapKeyAuthenticated(s, &m, 0x7777, w, 32, t_aes, 2, AAD, &hu),
	      CKR_UNWRAPPING_KEY_HANDLE_INVALID,
	      "no such unwrapping key: CKR_UNWRAPPING_KEY_HANDLE_INVALID");
	is_rv(f->C_WrapKeyAuthenticated(s, &m, hk, hv, (CK_BYTE_PTR)NULL, 5, w, &n),
	      CKR_ARGUMENTS_BAD, "pAssociatedData NULL with a length: CKR_ARGUMENTS_BAD");
	f->C_DestroyObject(s, hv);
	f->C_DestroyObject(s, hne);
	f->C_DestroyObject(s, hnw);
	f->C_DestroyObject(s, hg);
	f->C_DestroyObject(s, hk);
}

/* CKA_WRAP_WITH_TRUSTED and CKA_WRAP_TEMPLATE, as C_WrapKey has them. */
static void wrap_template_trusted(void)
{
	uint8_t kek[16] = "0123456789abcdef", key[16] = "sixteen byte key", w[32], iv[12],
		tag[16];
	CK_ATTRIBUTE want[] = { ATTR(CKA_KEY_TYPE, k_aes) };
	CK_ATTRIBUTE tt[] = {
		ATTR(CKA_CLASS, c_secret), ATTR(CKA_KEY_TYPE, k_aes), { CKA_VALUE, kek, 16 },
		ATTR(CKA_WRAP, yes), ATTR(CKA_WRAP_TEMPLATE, want),
		ATTR(CKA_PRIVATE, no),
	};
	CK_ATTRIBUTE ttrust[] = {
		ATTR(CKA_CLASS, c_secret), ATTR(CKA_KEY_TYPE, k_aes), { CKA_VALUE, key, 16 },
		ATTR(CKA_EXTRACTABLE, yes), ATTR(CKA_WRAP_WITH_TRUSTED, yes), ATTR(CKA_PRIVATE, no),
	};
	CK_GCM_MESSAGE_PARAMS gp;
	CK_MECHANISM m = gcm(&gp, iv, 12, 0, CKG_GENERATE, tag, 128);
	CK_OBJECT_HANDLE hk = api_secret_key(fl, s, CKK_AES, kek, 16, yes, no), hkt = 0, htr = 0;
	CK_OBJECT_HANDLE hv, hg;
	CK_ULONG n = sizeof w;

	hv = api_secret_key(fl, s, CKK_AES, key, 16, no, yes);
	hg = api_secret_key(fl, s, CKK_GENERIC_SECRET, key, 16, no, yes);
	ok(f->C_CreateObject(s, tt, 6, &hkt) == CKR_OK, "a KEK with CKA_WRAP_TEMPLATE {AES}");
	is_rv(f->C_WrapKeyAuthenticated(s, &m, hkt, hv, AAD, w, &n), CKR_OK, "it wraps an AES key");
	n = sizeof w;
	is_rv(f->C_WrapKeyAuthenticated(s, &m, hkt, hg, AAD, w, &n), CKR_KEY_NOT_WRAPPABLE,
	      "not a generic secret: CKR_KEY_NOT_WRAPPABLE");
	ok(f->C_CreateObject(s, ttrust, 6, &htr) == CKR_OK, "a key with CKA_WRAP_WITH_TRUSTED");
	n = sizeof w;
	is_rv(f->C_WrapKeyAuthenticated(s, &m, hk, htr, AAD, w, &n), CKR_KEY_NOT_WRAPPABLE,
	      "an untrusted KEK does not wrap it: CKR_KEY_NOT_WRAPPABLE");
}

static void mechanisms(CK_SLOT_ID slot)
{
	CK_MECHANISM_INFO mi;

	ok(f->C_GetMechanismInfo(slot, CKM_AES_GCM, &mi) == CKR_OK && mi.ulMinKeySize == 16 &&
	   mi.ulMaxKeySize == 32, "CKM_AES_GCM: 16-32 byte keys");
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
	api_start(fl, "t5610", CKF_SERIAL_SESSION | CKF_RW_SESSION, "a R/W session", &slot, &s);
	mechanisms(slot);
	known_answers();
	cross_check();
	rules();
	wrap_template_trusted();
	is_rv(f->C_CloseSession(s), CKR_OK, "close the session");
	is_rv(f->C_Finalize(NULL), CKR_OK, "C_Finalize");
	return done_testing();
}
