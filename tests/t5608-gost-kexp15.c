/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t5608 — C_WrapKey and C_UnwrapKey with CKM_KUZNYECHIK_KEXP_15_WRAP and
 * CKM_MAGMA_KEXP_15_WRAP (KExp15 / KImp15, R 1323565.1.017-2018) under twin keys
 * (CKK_KUZNECHIK_TWIN_KEY, CKK_MAGMA_TWIN_KEY: K_Exp_MAC | K_Exp_ENC, 64 bytes): the
 * examples of R 1323565.1.017-2018 for both ciphers (the key K = 8899..cdef exported with
 * IV 0909472dd9f26be8 and 67bed654); random keys of several lengths, IVs and twin keys
 * against KExp15 computed in another process from the gost provider's command-line
 * primitives (`openssl mac kuznyechik-mac / magma-mac` of IV | K, `openssl enc
 * -kuznyechik-ctr / -magma-ctr` of K | MAC), both ways; twin keys made by C_CreateObject;
 * and the rules: the two-call size rule, the IV's length, the wrapping key's type and
 * length, CKA_WRAP / CKA_UNWRAP, keys too long, wrapped keys too short, too long or
 * changed, and the attributes of an unwrapped key.
 */
#include "api/api.h"
#include "api/bytes.h"
#include "api/keys.h"

static CK_FUNCTION_LIST_PTR f;
static CK_SESSION_HANDLE s;
static CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
static CK_OBJECT_CLASS c_secret = CKO_SECRET_KEY;
static CK_KEY_TYPE k_gen = CKK_GENERIC_SECRET;
static char dir[] = "/tmp/t5608-XXXXXX";

#define ATTR(t, v) { (t), &(v), sizeof(v) }

/* R 1323565.1.017-2018, the examples of KExp15: the key exported and the two keys of the
 * export (the same for both ciphers). */
#define EX_K "8899aabbccddeeff0011223344556677fedcba98765432100123456789abcdef"
#define EX_MAC "08090a0b0c0d0e0f0001020304050607101112131415161718191a1b1c1d1e1f"
#define EX_ENC "202122232425262728292a2b2c2d2e2f38393a3b3c3d3e3f3031323334353637"

static void mechanisms(CK_SLOT_ID slot)
{
	static const CK_MECHANISM_TYPE mt[] = { CKM_KUZNYECHIK_KEXP_15_WRAP,
						CKM_MAGMA_KEXP_15_WRAP };
	CK_MECHANISM_INFO mi;
	size_t i;

	for (i = 0; i < 2; i++)
		ok(f->C_GetMechanismInfo(slot, mt[i], &mi) == CKR_OK &&
		   (mi.flags & (CKF_WRAP | CKF_UNWRAP)) == (CKF_WRAP | CKF_UNWRAP) &&
		   mi.ulMinKeySize == 64 && mi.ulMaxKeySize == 64,
		   "%s: wrap and unwrap, 64-byte twin keys", i == 0 ? "Kuznyechik KExp15" :
		   "Magma KExp15");
}

/* Twin keys by C_CreateObject: CKA_VALUE_LEN is the value's length. */
static void twin_keys(void)
{
	uint8_t v[64];
	CK_ULONG len = 0;
	CK_ATTRIBUTE a = { CKA_VALUE_LEN, &len, sizeof len };
	CK_OBJECT_HANDLE hk, hm;

	memset(v, 0x3c, sizeof v);
	hk = api_secret_key(f, s, CKK_KUZNECHIK_TWIN_KEY, v, 64, yes, yes);
	hm = api_secret_key(f, s, CKK_MAGMA_TWIN_KEY, v, 64, yes, yes);
	ok(hk != CK_INVALID_HANDLE, "C_CreateObject: a Kuznyechik twin key of 64 bytes");
	ok(hm != CK_INVALID_HANDLE, "C_CreateObject: a Magma twin key of 64 bytes");
	ok(f->C_GetAttributeValue(s, hk, &a, 1) == CKR_OK && len == 64,
	   "its CKA_VALUE_LEN is 64");
	f->C_DestroyObject(s, hk);
	f->C_DestroyObject(s, hm);
}

static void kat(const char *what, CK_MECHANISM_TYPE mt, CK_KEY_TYPE twin, const char *iv_hex,
		const char *want_hex)
{
	uint8_t tw[64], k[32], iv[8], want[48], out[64], val[64];
	size_t niv = unhex(iv_hex, iv), nw = unhex(want_hex, want);
	CK_MECHANISM m = { mt, iv, niv };
	CK_OBJECT_HANDLE ht, hv, hu = 0;
	CK_ULONG n = sizeof out, vn = sizeof val;

	unhex(EX_MAC, tw);
	unhex(EX_ENC, tw + 32);
	unhex(EX_K, k);
	ht = api_secret_key(f, s, twin, tw, 64, yes, yes);
	hv = api_secret_key(f, s, CKK_GENERIC_SECRET, k, 32, no, yes);
	ok(ht != CK_INVALID_HANDLE && hv != CK_INVALID_HANDLE, "%s: the keys", what);
	ok(api_wrap(f, s, &m, ht, hv, out, &n) == CKR_OK && n == nw && memcmp(out, want, nw) == 0,
	   "%s: C_WrapKey gives the example's KExp15", what);
	ok(api_unwrap(f, s, &m, ht, k_gen, want, nw, val, &vn, &hu) == CKR_OK && vn == 32 &&
	   memcmp(val, k, 32) == 0, "%s: C_UnwrapKey gives K back", what);
	f->C_DestroyObject(s, ht);
	f->C_DestroyObject(s, hv);
	f->C_DestroyObject(s, hu);
}

static void known_answers(void)
{
	kat("R 1323565.1.017-2018, Kuznyechik", CKM_KUZNYECHIK_KEXP_15_WRAP,
	    CKK_KUZNECHIK_TWIN_KEY, "0909472dd9f26be8",
	    "e36184e84e8d736ff36cc2e5ae065dc656b23c20f549b02fdff88e1f3f30d8c2"
	    "9a53f3ca554dbad80de152b9a4625b32");
	kat("R 1323565.1.017-2018, Magma", CKM_MAGMA_KEXP_15_WRAP, CKK_MAGMA_TWIN_KEY,
	    "67bed654",
	    "cfd5a12d5b81b6e1e99c916d07900c6ac12703fb3abded55567bf3742c899c75"
	    "5dafe7b42e3a8bd9");
}

#define PROV "openssl %s -provider gostprov -provider default"

/* KExp15 by the provider's command line (cipher "kuznyechik" or "magma", block bl):
 * MAC = OMAC_{K_Exp_MAC}(IV | K), a whole block; out = CTR_{K_Exp_ENC, IV}(K | MAC). */
static long cli_kexp15(const char *cipher, size_t bl, const uint8_t *tw, const uint8_t *iv,
		       const uint8_t *k, size_t kn, uint8_t *out)
{
	char mh[65], eh[65], ivh[17], cmd[1024];
	uint8_t buf[8 + 64 + 16];

	hex(tw, 32, mh);
	hex(tw + 32, 32, eh);
	hex(iv, bl / 2, ivh);
	memcpy(buf, iv, bl / 2);
	memcpy(buf + bl / 2, k, kn);
	snprintf(cmd, sizeof cmd, PROV " -macopt hexkey:%s -binary -in in.bin -out out.bin %s-mac",
		 "mac", mh, cipher);
	if (api_filter(dir, cmd, buf, bl / 2 + kn, buf + 8 + kn, bl) != (long)bl)
		return -1;
	memcpy(buf + 8, k, kn);
	snprintf(cmd, sizeof cmd, PROV " -%s-ctr -K %s -iv %s -in in.bin -out out.bin", "enc",
		 cipher, eh, ivh);
	return api_filter(dir, cmd, buf + 8, kn + bl, out, kn + bl);
}

static void cross_check(const char *what, CK_MECHANISM_TYPE mt, CK_KEY_TYPE twin,
			const char *cipher, size_t bl)
{
	static const size_t lens[] = { 32, 32, 1, 17, 64 };
	uint8_t tw[64], k[64], iv[8], w[96], want[96], val[64];
	size_t i;
	int tries = 0, good_w = 0, good_u = 0;

	for (i = 0; i < sizeof lens / sizeof lens[0]; i++) {
		CK_MECHANISM m = { mt, iv, bl / 2 };
		CK_OBJECT_HANDLE ht, hv, hu = 0;
		CK_ULONG n = sizeof w, vn = sizeof val;
		long got;

		if (f->C_GenerateRandom(s, tw, 64) != CKR_OK ||
		    f->C_GenerateRandom(s, k, lens[i]) != CKR_OK ||
		    f->C_GenerateRandom(s, iv, bl / 2) != CKR_OK)
			continue;
		tries++;
		ht = api_secret_key(f, s, twin, tw, 64, yes, yes);
		hv = api_secret_key(f, s, CKK_GENERIC_SECRET, k, lens[i], no, yes);
		got = cli_kexp15(cipher, bl, tw, iv, k, lens[i], want);
		if (got != (long)(lens[i] + bl)) {
			diag("%s: the command line's KExp15 did not run", what);
			continue;
		}
		if (api_wrap(f, s, &m, ht, hv, w, &n) == CKR_OK && n == lens[i] + bl &&
		    memcmp(w, want, n) == 0)
			good_w++;
		else
			diag("%s: wrap of %zu bytes differs", what, lens[i]);
		if (api_unwrap(f, s, &m, ht, k_gen, want, (size_t)got, val, &vn, &hu) == CKR_OK &&
		    vn == lens[i] && memcmp(val, k, vn) == 0)
			good_u++;
		else
			diag("%s: unwrap of %zu bytes failed", what, lens[i]);
		f->C_DestroyObject(s, ht);
		f->C_DestroyObject(s, hv);
		if (hu != 0)
			f->C_DestroyObject(s, hu);
	}
	ok(tries == 5 && good_w == tries, "%s: C_WrapKey equals KExp15 from the provider's "
	   "OMAC and CTR in other processes, random twin keys, IVs, keys of 32, 1, 17, 64 "
	   "bytes (%d of %d)", what, good_w, tries);
	ok(good_u == tries, "%s: C_UnwrapKey imports what they exported (%d of %d)", what,
	   good_u, tries);
}

static void rules(void)
{
	uint8_t tw[64], key[80], w[160], iv[8] = { 1, 2, 3, 4, 5, 6, 7, 8 }, val[64];
	CK_MECHANISM kz = { CKM_KUZNYECHIK_KEXP_15_WRAP, iv, 8 };
	CK_MECHANISM kz4 = { CKM_KUZNYECHIK_KEXP_15_WRAP, iv, 4 };
	CK_MECHANISM kz0 = { CKM_KUZNYECHIK_KEXP_15_WRAP, NULL, 0 };
	CK_MECHANISM mg = { CKM_MAGMA_KEXP_15_WRAP, iv, 4 };
	CK_MECHANISM mg8 = { CKM_MAGMA_KEXP_15_WRAP, iv, 8 };
	CK_OBJECT_HANDLE ht, hnw, hmt, hkz, h32, hv, h65, htv, hu = 0;
	CK_KEY_TYPE k_twin = CKK_KUZNECHIK_TWIN_KEY;
	CK_ULONG n, vn;
	CK_ATTRIBUTE t[] = {
		ATTR(CKA_CLASS, c_secret), ATTR(CKA_KEY_TYPE, k_gen), ATTR(CKA_PRIVATE, no),
		ATTR(CKA_SIGN, yes),
	};
	CK_ATTRIBUTE ttw[] = {
		ATTR(CKA_CLASS, c_secret), ATTR(CKA_KEY_TYPE, k_twin), ATTR(CKA_PRIVATE, no),
		ATTR(CKA_WRAP, yes), ATTR(CKA_EXTRACTABLE, yes), ATTR(CKA_SENSITIVE, no),
	};

	f->C_GenerateRandom(s, tw, sizeof tw);
	f->C_GenerateRandom(s, key, sizeof key);
	ht = api_secret_key(f, s, CKK_KUZNECHIK_TWIN_KEY, tw, 64, yes, yes);
	hnw = api_secret_key(f, s, CKK_KUZNECHIK_TWIN_KEY, tw, 64, no, yes);
	hmt = api_secret_key(f, s, CKK_MAGMA_TWIN_KEY, tw, 64, yes, yes);
	hkz = api_secret_key(f, s, CKK_KUZNECHIK, tw, 32, yes, yes);
	h32 = api_secret_key(f, s, CKK_KUZNECHIK_TWIN_KEY, tw, 32, yes, yes);
	hv = api_secret_key(f, s, CKK_KUZNECHIK, key, 32, no, yes);
	h65 = api_secret_key(f, s, CKK_GENERIC_SECRET, key, 65, no, yes);
	htv = api_secret_key(f, s, CKK_KUZNECHIK_TWIN_KEY, key, 64, no, yes);
	ok(ht != CK_INVALID_HANDLE && hnw != CK_INVALID_HANDLE && hmt != CK_INVALID_HANDLE &&
	   hkz != CK_INVALID_HANDLE && h32 != CK_INVALID_HANDLE && hv != CK_INVALID_HANDLE &&
	   h65 != CK_INVALID_HANDLE && htv != CK_INVALID_HANDLE, "keys for the rules");

	/* the two-call rule */
	n = 0;
	is_rv(f->C_WrapKey(s, &kz, ht, hv, NULL, &n), CKR_OK, "size query");
	is_ulong(n, 48, "Kuznyechik: the key and a 16-byte MAC");
	n = 47;
	is_rv(f->C_WrapKey(s, &kz, ht, hv, w, &n), CKR_BUFFER_TOO_SMALL, "a short buffer");
	is_ulong(n, 48, "... says the length");
	n = 0;
	is_rv(f->C_WrapKey(s, &mg, hmt, hv, NULL, &n), CKR_OK, "Magma size query");
	is_ulong(n, 40, "Magma: the key and an 8-byte MAC");

	/* the IV, the keys */
	n = sizeof w;
	is_rv(f->C_WrapKey(s, &kz4, ht, hv, w, &n), CKR_MECHANISM_PARAM_INVALID,
	      "Kuznyechik with an IV of 4 bytes");
	is_rv(f->C_WrapKey(s, &kz0, ht, hv, w, &n), CKR_MECHANISM_PARAM_INVALID,
	      "Kuznyechik without an IV");
	is_rv(f->C_WrapKey(s, &mg8, hmt, hv, w, &n), CKR_MECHANISM_PARAM_INVALID,
	      "Magma with an IV of 8 bytes");
	is_rv(f->C_WrapKey(s, &kz, hnw, hv, w, &n), CKR_KEY_FUNCTION_NOT_PERMITTED,
	      "a twin key without CKA_WRAP");
	is_rv(f->C_WrapKey(s, &kz, hmt, hv, w, &n), CKR_WRAPPING_KEY_TYPE_INCONSISTENT,
	      "a Magma twin key for Kuznyechik KExp15");
	is_rv(f->C_WrapKey(s, &kz, hkz, hv, w, &n), CKR_WRAPPING_KEY_TYPE_INCONSISTENT,
	      "a Kuznyechik key that is no twin key");
	is_rv(f->C_WrapKey(s, &kz, h32, hv, w, &n), CKR_WRAPPING_KEY_SIZE_RANGE,
	      "a twin key of 32 bytes");
	is_rv(f->C_WrapKey(s, &kz, ht, h65, w, &n), CKR_KEY_SIZE_RANGE,
	      "a key of 65 bytes (KExp15 here takes up to 64)");

	/* wrap, unwrap; the attributes of the unwrapped key */
	n = sizeof w;
	is_rv(f->C_WrapKey(s, &kz, ht, hv, w, &n), CKR_OK, "wrap a Kuznyechik key");
	is_rv(f->C_UnwrapKey(s, &kz, ht, w, n, t, 4, &hu), CKR_OK, "unwrap it");
	is_ulong(api_get_bool(f, s, hu, CKA_LOCAL), CK_FALSE, "the unwrapped key: CKA_LOCAL false");
	is_ulong(api_get_bool(f, s, hu, CKA_ALWAYS_SENSITIVE), CK_FALSE,
		 "CKA_ALWAYS_SENSITIVE false");
	is_ulong(api_get_bool(f, s, hu, CKA_NEVER_EXTRACTABLE), CK_FALSE,
		 "CKA_NEVER_EXTRACTABLE false");
	is_ulong(api_get_bool(f, s, hu, CKA_SIGN), CK_TRUE, "CKA_SIGN as the template says");
	is_rv(f->C_UnwrapKey(s, &kz, hnw, w, n, t, 4, &hu), CKR_KEY_FUNCTION_NOT_PERMITTED,
	      "an unwrapping key without CKA_UNWRAP");
	is_rv(f->C_UnwrapKey(s, &kz, hmt, w, n, t, 4, &hu), CKR_UNWRAPPING_KEY_TYPE_INCONSISTENT,
	      "a Magma twin key for Kuznyechik KImp15");
	is_rv(f->C_UnwrapKey(s, &kz, hkz, w, n, t, 4, &hu), CKR_UNWRAPPING_KEY_TYPE_INCONSISTENT,
	      "a Kuznyechik key that is no twin key");
	is_rv(f->C_UnwrapKey(s, &kz, h32, w, n, t, 4, &hu), CKR_UNWRAPPING_KEY_SIZE_RANGE,
	      "an unwrapping twin key of 32 bytes");
	is_rv(f->C_UnwrapKey(s, &kz4, ht, w, n, t, 4, &hu), CKR_MECHANISM_PARAM_INVALID,
	      "unwrap with an IV of 4 bytes");
	is_rv(f->C_UnwrapKey(s, &kz, ht, w, 16, t, 4, &hu), CKR_WRAPPED_KEY_LEN_RANGE,
	      "16 bytes: a MAC and no key");
	memset(w + n, 0, sizeof w - n);
	is_rv(f->C_UnwrapKey(s, &kz, ht, w, 64 + 16 + 1, t, 4, &hu), CKR_WRAPPED_KEY_LEN_RANGE,
	      "81 bytes: a key longer than 64");
	is_rv(f->C_UnwrapKey(s, &kz, ht, w, n - 1, t, 4, &hu), CKR_WRAPPED_KEY_INVALID,
	      "one byte short: its MAC does not match");
	w[5] ^= 0x20;
	is_rv(f->C_UnwrapKey(s, &kz, ht, w, n, t, 4, &hu), CKR_WRAPPED_KEY_INVALID,
	      "one bit of the key changed");
	w[5] ^= 0x20;
	w[n - 1] ^= 0x01;
	is_rv(f->C_UnwrapKey(s, &kz, ht, w, n, t, 4, &hu), CKR_WRAPPED_KEY_INVALID,
	      "one bit of the MAC changed");
	w[n - 1] ^= 0x01;
	iv[0] ^= 1;
	is_rv(f->C_UnwrapKey(s, &kz, ht, w, n, t, 4, &hu), CKR_WRAPPED_KEY_INVALID,
	      "another IV");
	iv[0] ^= 1;

	/* a twin key wrapped and unwrapped as a twin key, which then wraps */
	n = sizeof w;
	is_rv(f->C_WrapKey(s, &kz, ht, htv, w, &n), CKR_OK, "wrap a twin key (64 bytes)");
	is_ulong(n, 80, "64 + 16 bytes");
	is_rv(f->C_UnwrapKey(s, &kz, ht, w, n, ttw, 6, &hu), CKR_OK, "unwrap it as a twin key");
	n = sizeof w;
	vn = sizeof val;
	htv = api_secret_key(f, s, CKK_KUZNECHIK_TWIN_KEY, key, 64, yes, yes);
	ok(f->C_WrapKey(s, &kz, hu, hv, w, &n) == CKR_OK &&
	   api_unwrap(f, s, &kz, htv, k_gen, w, n, val, &vn, &hu) == CKR_OK && vn == 32 &&
	   memcmp(val, key, 32) == 0,
	   "the unwrapped twin key wraps what a twin key of the original value unwraps");
}

int main(int argc, char **argv)
{
	CK_SLOT_ID slot = 0;

	(void)argc;
	api_rig(argv, 1);
	if (system("openssl list -provider gostprov -cipher-algorithms >/dev/null 2>&1") != 0)
		api_need_fail("libengine-gost-openssl", "the gost provider");
	api_temp_dir(dir);
	f = api_module();
	api_start(f, NULL, CKF_SERIAL_SESSION, "a session", &slot, &s);
	mechanisms(slot);
	twin_keys();
	known_answers();
	cross_check("Kuznyechik", CKM_KUZNYECHIK_KEXP_15_WRAP, CKK_KUZNECHIK_TWIN_KEY,
		    "kuznyechik", 16);
	cross_check("Magma", CKM_MAGMA_KEXP_15_WRAP, CKK_MAGMA_TWIN_KEY, "magma", 8);
	rules();
	is_rv(f->C_CloseSession(s), CKR_OK, "close the session");
	is_rv(f->C_Finalize(NULL), CKR_OK, "C_Finalize");
	api_remove_dir(dir);
	return done_testing();
}
