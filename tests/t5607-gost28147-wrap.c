/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t5607 — C_WrapKey and C_UnwrapKey with CKM_GOST28147_KEY_WRAP (RFC 4357 6.1 and 6.2: the
 * 32-byte key as CEK_ENC = ECB(KEK, CEK) and CEK_MAC = gost28147IMIT(UKM, KEK, CEK), the
 * 8-byte UKM the mechanism's parameter, zero when omitted): the known answer of RFC 7836
 * appendix B (its key wrap example, the ECB and MAC stage under the derived KEK, S-boxes
 * id-tc26-gost-28147-param-Z); random keys and UKMs against the gost engine's GOST 28147
 * in another process (`openssl enc -gost89-cbc` one block at a time is ECB,
 * `openssl dgst -mac gost-mac-12` of the key with the UKM added to its first block is
 * gost28147IMIT with the UKM as IV), both ways; and the rules: the two-call size rule,
 * the parameter's length, the wrapping key's type and S-boxes, CKA_WRAP / CKA_UNWRAP,
 * keys of other lengths, wrapped keys of other lengths, changed or under another UKM,
 * and the attributes of an unwrapped key.
 */
#include "api/api.h"
#include "api/bytes.h"
#include "api/keys.h"

static CK_FUNCTION_LIST_PTR f;
static CK_SESSION_HANDLE s;
static CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
static CK_OBJECT_CLASS c_secret = CKO_SECRET_KEY;
static CK_KEY_TYPE k_aes = CKK_AES, k_des3 = CKK_DES3;
static char dir[] = "/tmp/t5607-XXXXXX";

#define ATTR(t, v) { (t), &(v), sizeof(v) }

/* id-tc26-gost-28147-param-Z (RFC 7836) and id-Gost28147-89-CryptoPro-A-ParamSet. */
static const uint8_t oid_z[] = { 0x06, 0x09, 0x2a, 0x85, 0x03, 0x07, 0x01, 0x02, 0x05, 0x01,
				 0x01 };
static const uint8_t oid_a[] = { 0x06, 0x07, 0x2a, 0x85, 0x03, 0x02, 0x02, 0x1f, 0x01 };

/* An extractable session secret key (api_secret_key); oid: CKA_GOST28147_PARAMS. */
static CK_OBJECT_HANDLE key_of(CK_KEY_TYPE kt, const uint8_t *v, size_t n, CK_BBOOL wrap,
			       const uint8_t *oid, size_t oid_len)
{
	CK_ATTRIBUTE p = { CKA_GOST28147_PARAMS, (void *)oid, oid_len };

	return api_secret_key_with(f, s, kt, v, n, wrap, yes, &p, oid != NULL);
}

/* An extractable GOST 28147 key (TC26-Z) unwrapped from w; its value into val (32). */
static CK_RV unwrap(CK_MECHANISM *m, CK_OBJECT_HANDLE kek, const uint8_t *w, size_t wn,
		    uint8_t *val, CK_OBJECT_HANDLE *ph)
{
	CK_ATTRIBUTE z = { CKA_GOST28147_PARAMS, (void *)oid_z, sizeof oid_z };
	CK_ULONG vn = 32;
	CK_RV rv = api_unwrap_with(f, s, m, kek, CKK_GOST28147, &z, 1, w, wn, val, &vn, ph);

	return rv == CKR_OK && vn != 32 ? CKR_GENERAL_ERROR : rv;
}

static void mechanism(CK_SLOT_ID slot)
{
	CK_MECHANISM_INFO mi;

	ok(f->C_GetMechanismInfo(slot, CKM_GOST28147_KEY_WRAP, &mi) == CKR_OK &&
	   (mi.flags & (CKF_WRAP | CKF_UNWRAP)) == (CKF_WRAP | CKF_UNWRAP) &&
	   !(mi.flags & (CKF_ENCRYPT | CKF_DECRYPT)) && mi.ulMinKeySize == 32 &&
	   mi.ulMaxKeySize == 32, "CKM_GOST28147_KEY_WRAP: wrap and unwrap, 32-byte keys");
}

/* RFC 7836 appendix B, the key wrap example: KEK(UKM) = a1aa..2ed9 (what its KDF gives
 * for the UKM af21434145656378), CEK = 2021..3f, CEK_ENC = d155..4c5a, CEK_MAC =
 * be33f052; parameter set id-tc26-gost-28147-param-Z. */
static void known_answer(void)
{
	uint8_t kek[32], cek[32], ukm[8], want[36], out[64], val[32];
	CK_MECHANISM m = { CKM_GOST28147_KEY_WRAP, ukm, 8 };
	CK_OBJECT_HANDLE hk, hv, hu = 0;
	CK_ULONG n = sizeof out;

	unhex("a1aa5f7de402d7b3d323f2991c8d4534013137010a83754fd0af6d7cd4922ed9", kek);
	unhex("202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f", cek);
	unhex("af21434145656378", ukm);
	unhex("d15547f8ee85121bc87d4b1027d26027ecc071bba6e72f3fec6f620f56834c5a" "be33f052",
	      want);
	hk = key_of(CKK_GOST28147, kek, 32, yes, oid_z, sizeof oid_z);
	hv = key_of(CKK_GOST28147, cek, 32, no, oid_z, sizeof oid_z);
	ok(hk != CK_INVALID_HANDLE && hv != CK_INVALID_HANDLE, "RFC 7836 B: the keys");
	ok(api_wrap(f, s, &m, hk, hv, out, &n) == CKR_OK && n == 36 && memcmp(out, want, 36) == 0,
	   "RFC 7836 B: C_WrapKey gives CEK_ENC | CEK_MAC");
	ok(unwrap(&m, hk, want, 36, val, &hu) == CKR_OK && memcmp(val, cek, 32) == 0,
	   "RFC 7836 B: C_UnwrapKey gives the CEK back");
	f->C_DestroyObject(s, hk);
	f->C_DestroyObject(s, hv);
	f->C_DestroyObject(s, hu);
}

/* RFC 4357 6.1 computed by the gost engine (TC26-Z) in other processes: ECB as CBC of one
 * block with a zero IV, gost28147IMIT(UKM, KEK, CEK) as the engine's MAC of the CEK with
 * the UKM added to its first block (the IV is the MAC's initial state). 0 on success. */
static int engine_wrap(const uint8_t *kek, const uint8_t *ukm, const uint8_t *cek,
		       uint8_t *out)
{
	char kh[65], cmd[1024];
	uint8_t m[32];
	size_t i;

	hex(kek, 32, kh);
	for (i = 0; i < 4; i++) {
		snprintf(cmd, sizeof cmd, "CRYPT_PARAMS=id-tc26-gost-28147-param-Z openssl enc "
			 "-engine gost -gost89-cbc -nopad -K %s -iv 0000000000000000 "
			 "-in in.bin -out out.bin", kh);
		if (api_filter(dir, cmd, cek + 8 * i, 8, out + 8 * i, 8) != 8)
			return -1;
	}
	memcpy(m, cek, 32);
	for (i = 0; i < 8; i++)
		m[i] ^= ukm[i];
	snprintf(cmd, sizeof cmd, "openssl dgst -engine gost -mac gost-mac-12 -macopt hexkey:%s "
		 "-macopt size:4 -binary -out out.bin in.bin", kh);
	return api_filter(dir, cmd, m, 32, out + 32, 4) == 4 ? 0 : -1;
}

static void cross_check(void)
{
	uint8_t kek[32], cek[32], ukm[8], w[64], want[36], val[32];
	int t, tries = 0, good_w = 0, good_u = 0;

	for (t = 0; t < 6; t++) {
		/* the last try omits the parameter: a zero UKM */
		CK_MECHANISM m = { CKM_GOST28147_KEY_WRAP, t < 5 ? ukm : NULL, t < 5 ? 8 : 0 };
		CK_OBJECT_HANDLE hk, hv, hu = 0;
		CK_ULONG n = sizeof w;

		if (f->C_GenerateRandom(s, kek, 32) != CKR_OK ||
		    f->C_GenerateRandom(s, cek, 32) != CKR_OK ||
		    f->C_GenerateRandom(s, ukm, 8) != CKR_OK)
			continue;
		if (t == 5)
			memset(ukm, 0, sizeof ukm);
		tries++;
		hk = key_of(CKK_GOST28147, kek, 32, yes, oid_z, sizeof oid_z);
		hv = key_of(CKK_GOST28147, cek, 32, no, oid_z, sizeof oid_z);
		if (engine_wrap(kek, ukm, cek, want) != 0) {
			diag("the engine's wrap did not run");
			continue;
		}
		if (api_wrap(f, s, &m, hk, hv, w, &n) == CKR_OK && n == 36 &&
		    memcmp(w, want, 36) == 0)
			good_w++;
		else
			diag("wrap differs from the engine's (try %d)", t);
		if (unwrap(&m, hk, want, 36, val, &hu) == CKR_OK && memcmp(val, cek, 32) == 0)
			good_u++;
		else
			diag("the engine's wrapping does not unwrap (try %d)", t);
		f->C_DestroyObject(s, hk);
		f->C_DestroyObject(s, hv);
		if (hu != 0)
			f->C_DestroyObject(s, hu);
	}
	ok(tries == 6 && good_w == tries, "C_WrapKey equals the gost engine's RFC 4357 6.1 "
	   "(ECB and MAC in other processes), random keys and UKMs, a zero UKM when omitted "
	   "(%d of %d)", good_w, tries);
	ok(good_u == tries, "C_UnwrapKey unwraps what the engine computed (%d of %d)", good_u,
	   tries);
}

static void rules(void)
{
	uint8_t kek[32], key[32], w[64], val[32], ukm[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	uint8_t ukm2[8] = { 1, 2, 3, 4, 5, 6, 7, 9 };
	CK_MECHANISM m = { CKM_GOST28147_KEY_WRAP, ukm, 8 }, m7 = { CKM_GOST28147_KEY_WRAP, ukm, 7 };
	CK_MECHANISM m2 = { CKM_GOST28147_KEY_WRAP, ukm2, 8 };
	CK_MECHANISM m0 = { CKM_GOST28147_KEY_WRAP, NULL, 0 };
	CK_OBJECT_HANDLE hk, hnw, ha, hkz, haes, hv, h16, hu = 0;
	CK_KEY_TYPE k_kz = CKK_KUZNECHIK;
	CK_ULONG n, len;
	uint8_t label[] = "unwrapped";
	CK_ATTRIBUTE taes[] = {
		ATTR(CKA_CLASS, c_secret), ATTR(CKA_KEY_TYPE, k_aes), ATTR(CKA_PRIVATE, no),
		ATTR(CKA_ENCRYPT, yes), { CKA_LABEL, label, sizeof label - 1 },
	};
	CK_ATTRIBUTE tdes[] = {
		ATTR(CKA_CLASS, c_secret), ATTR(CKA_KEY_TYPE, k_des3), ATTR(CKA_PRIVATE, no),
	};
	CK_ATTRIBUTE tkz[] = {
		ATTR(CKA_CLASS, c_secret), ATTR(CKA_KEY_TYPE, k_kz), ATTR(CKA_PRIVATE, no),
	};
	CK_ATTRIBUTE a_len = { CKA_VALUE_LEN, &len, sizeof len };
	char lb[32];
	CK_ATTRIBUTE a_label = { CKA_LABEL, lb, sizeof lb };

	f->C_GenerateRandom(s, kek, sizeof kek);
	f->C_GenerateRandom(s, key, sizeof key);
	hk = key_of(CKK_GOST28147, kek, 32, yes, oid_z, sizeof oid_z);
	hnw = key_of(CKK_GOST28147, kek, 32, no, oid_z, sizeof oid_z);
	ha = key_of(CKK_GOST28147, kek, 32, yes, oid_a, sizeof oid_a);
	hkz = key_of(CKK_KUZNECHIK, kek, 32, yes, NULL, 0);
	haes = key_of(CKK_AES, kek, 32, yes, NULL, 0);
	hv = key_of(CKK_AES, key, 32, no, NULL, 0);
	h16 = key_of(CKK_AES, key, 16, no, NULL, 0);
	ok(hk != CK_INVALID_HANDLE && hnw != CK_INVALID_HANDLE && ha != CK_INVALID_HANDLE &&
	   hkz != CK_INVALID_HANDLE && haes != CK_INVALID_HANDLE && hv != CK_INVALID_HANDLE &&
	   h16 != CK_INVALID_HANDLE, "keys for the rules");

	/* the two-call rule */
	n = 0;
	is_rv(f->C_WrapKey(s, &m, hk, hv, NULL, &n), CKR_OK, "size query");
	is_ulong(n, 36, "32 bytes of CEK_ENC and 4 of CEK_MAC");
	n = 35;
	is_rv(f->C_WrapKey(s, &m, hk, hv, w, &n), CKR_BUFFER_TOO_SMALL, "a short buffer");
	is_ulong(n, 36, "... says the length");

	/* the parameter, the keys */
	n = sizeof w;
	is_rv(f->C_WrapKey(s, &m7, hk, hv, w, &n), CKR_MECHANISM_PARAM_INVALID, "a UKM of 7 bytes");
	is_rv(f->C_WrapKey(s, &m, hnw, hv, w, &n), CKR_KEY_FUNCTION_NOT_PERMITTED,
	      "a wrapping key without CKA_WRAP");
	is_rv(f->C_WrapKey(s, &m, hkz, hv, w, &n), CKR_WRAPPING_KEY_TYPE_INCONSISTENT,
	      "a Kuznyechik wrapping key");
	is_rv(f->C_WrapKey(s, &m, haes, hv, w, &n), CKR_WRAPPING_KEY_TYPE_INCONSISTENT,
	      "an AES wrapping key");
	is_rv(f->C_WrapKey(s, &m, ha, hv, w, &n), CKR_WRAPPING_KEY_TYPE_INCONSISTENT,
	      "CryptoPro-A S-boxes (the host's ECB has TC26-Z only)");
	is_rv(f->C_WrapKey(s, &m, hk, h16, w, &n), CKR_KEY_SIZE_RANGE,
	      "a key of 16 bytes (RFC 4357 wraps 32)");

	/* wrap, unwrap; the attributes of the unwrapped key */
	n = sizeof w;
	is_rv(f->C_WrapKey(s, &m, hk, hv, w, &n), CKR_OK, "wrap a 32-byte AES key");
	is_rv(f->C_UnwrapKey(s, &m, hk, w, n, taes, 5, &hu), CKR_OK, "unwrap it as an AES key");
	is_ulong(api_get_bool(f, s, hu, CKA_LOCAL), CK_FALSE, "the unwrapped key: CKA_LOCAL false");
	is_ulong(api_get_bool(f, s, hu, CKA_ALWAYS_SENSITIVE), CK_FALSE,
		 "CKA_ALWAYS_SENSITIVE false");
	is_ulong(api_get_bool(f, s, hu, CKA_NEVER_EXTRACTABLE), CK_FALSE,
		 "CKA_NEVER_EXTRACTABLE false");
	is_ulong(api_get_bool(f, s, hu, CKA_ENCRYPT), CK_TRUE, "CKA_ENCRYPT as the template says");
	ok(f->C_GetAttributeValue(s, hu, &a_label, 1) == CKR_OK &&
	   a_label.ulValueLen == sizeof label - 1 && memcmp(lb, label, sizeof label - 1) == 0,
	   "CKA_LABEL as the template says");
	ok(f->C_GetAttributeValue(s, hu, &a_len, 1) == CKR_OK && len == 32, "CKA_VALUE_LEN 32");
	is_rv(f->C_UnwrapKey(s, &m, hk, w, n, tkz, 3, &hu), CKR_OK, "... or as a Kuznyechik key");
	is_rv(f->C_UnwrapKey(s, &m, hk, w, n, tdes, 3, &hu), CKR_WRAPPED_KEY_INVALID,
	      "authentic, but no DES3 key: CKR_WRAPPED_KEY_INVALID");
	is_rv(f->C_UnwrapKey(s, &m, hnw, w, n, taes, 5, &hu), CKR_KEY_FUNCTION_NOT_PERMITTED,
	      "an unwrapping key without CKA_UNWRAP");
	is_rv(f->C_UnwrapKey(s, &m, haes, w, n, taes, 5, &hu),
	      CKR_UNWRAPPING_KEY_TYPE_INCONSISTENT, "an AES unwrapping key");
	is_rv(f->C_UnwrapKey(s, &m, ha, w, n, taes, 5, &hu), CKR_UNWRAPPING_KEY_TYPE_INCONSISTENT,
	      "an unwrapping key with CryptoPro-A S-boxes");
	is_rv(f->C_UnwrapKey(s, &m7, hk, w, n, taes, 5, &hu), CKR_MECHANISM_PARAM_INVALID,
	      "unwrap with a UKM of 7 bytes");
	is_rv(f->C_UnwrapKey(s, &m, hk, w, n - 1, taes, 5, &hu), CKR_WRAPPED_KEY_LEN_RANGE,
	      "a wrapped key one byte short");
	memcpy(w + 36, ukm, 8);
	is_rv(f->C_UnwrapKey(s, &m, hk, w, 44, taes, 5, &hu), CKR_WRAPPED_KEY_LEN_RANGE,
	      "44 bytes (RFC 4357's form with the UKM) is not this mechanism's");
	is_rv(f->C_UnwrapKey(s, &m2, hk, w, n, taes, 5, &hu), CKR_WRAPPED_KEY_INVALID,
	      "another UKM: the MAC does not match");
	is_rv(f->C_UnwrapKey(s, &m0, hk, w, n, taes, 5, &hu), CKR_WRAPPED_KEY_INVALID,
	      "no UKM (a zero one): the MAC does not match");
	w[3] ^= 0x10;
	is_rv(f->C_UnwrapKey(s, &m, hk, w, n, taes, 5, &hu), CKR_WRAPPED_KEY_INVALID,
	      "one bit of CEK_ENC changed");
	w[3] ^= 0x10;
	w[35] ^= 0x01;
	is_rv(f->C_UnwrapKey(s, &m, hk, w, n, taes, 5, &hu), CKR_WRAPPED_KEY_INVALID,
	      "one bit of CEK_MAC changed");
	w[35] ^= 0x01;
	is_rv(f->C_UnwrapKey(s, &m, hk, w, n, taes, 5, &hu), CKR_OK, "restored, it unwraps");
	(void)val;
}

int main(int argc, char **argv)
{
	CK_SLOT_ID slot = 0;

	(void)argc;
	api_rig(argv, 1);
	if (system("openssl engine gost >/dev/null 2>&1") != 0)
		api_need_fail("libengine-gost-openssl", "the gost engine");
	api_temp_dir(dir);
	f = api_module();
	api_start(f, NULL, CKF_SERIAL_SESSION, "a session", &slot, &s);
	mechanism(slot);
	known_answer();
	cross_check();
	rules();
	is_rv(f->C_CloseSession(s), CKR_OK, "close the session");
	is_rv(f->C_Finalize(NULL), CKR_OK, "C_Finalize");
	api_remove_dir(dir);
	return done_testing();
}
