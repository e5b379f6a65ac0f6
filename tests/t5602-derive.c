/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t5602 — C_DeriveKey with session private keys (CKA_VALUE in host memory):
 * CKM_ECDH1_DERIVE with the known answer of RFC 5903 8.1 (ECDH on P-256, both sides),
 * random keys made by openssl against `openssl pkeyutl -derive` in another process (P-256,
 * P-384), the X9.63 KDFs against `openssl kdf X963KDF`; CKM_ECDH1_COFACTOR_DERIVE with
 * NIST's ECC CDH primitive vector (CAVS, P-256 COUNT 0) and the same against `openssl
 * pkeyutl -derive -pkeyopt ecdh_cofactor_mode:1`, its rules, and a token key (the family
 * does not declare it: CKR_MECHANISM_INVALID); CKM_GOSTR3410_12_DERIVE with the
 * example of RFC 7836 appendix B (VKO_GOSTR3410_2012_256 on id-tc26-gost-3410-12-512-
 * paramSetA, both sides); and the rules of PKCS #11 3.2 (5.18, the EC and GOST sections,
 * 4.10): the key's length (CKA_VALUE_LEN, bytes dropped from the leading end), CKA_DERIVE
 * (CKR_KEY_FUNCTION_NOT_PERMITTED), the base key's class and handle, templates without
 * CKA_CLASS or CKA_KEY_TYPE (CKR_TEMPLATE_INCOMPLETE), token keys (CKR_TEMPLATE_INCONSISTENT),
 * bad parameters (CKR_MECHANISM_PARAM_INVALID: the struct's size, the KDF, shared data
 * with CKD_NULL, a point not on the curve, a UKM), and the new key's CKA_LOCAL,
 * CKA_ALWAYS_SENSITIVE, CKA_NEVER_EXTRACTABLE; a token private key derives through the
 * token (t5605 checks it in depth).
 */
#include "api/api.h"
#include "api/bytes.h"
#include "api/keys.h"
#include "cavs_ecc_cdh.h"

#include <fcntl.h>

static CK_FUNCTION_LIST_PTR f;
static CK_SESSION_HANDLE s;
static CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
static CK_OBJECT_CLASS c_secret = CKO_SECRET_KEY, c_priv = CKO_PRIVATE_KEY;
static CK_KEY_TYPE k_gen = CKK_GENERIC_SECRET, k_aes = CKK_AES, k_ec = CKK_EC;
static char dir[] = "/tmp/t5602-XXXXXX";

#define ATTR(t, v) { (t), &(v), sizeof(v) }

static const uint8_t p256[] = { 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07 };
static const uint8_t p384[] = { 0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22 };

/* RFC 5903 8.1 (256-bit random ECP group) */
#define R5903_I "c88f01f510d9ac3f70a292daa2316de544e9aab8afe84049c62a9c57862d1433"
#define R5903_GI "04dad0b65394221cf9b051e1feca5787d098dfe637fc90b9ef945d0c3772581180" \
		 "5271a0461cdb8252d61f1c456fa3e59ab1f45b33accf5f58389e0577b8990bb3"
#define R5903_R "c6ef9c5d78ae012a011164acb397ce2088685d8f06bf9be0b283ab46476bee53"
#define R5903_GR "04d12dfb5289c8d4f81208b70270398c342296970a0bccb74c736fc7554494bf63" \
		 "56fbf3ca366cc23e8157854c13c58d6aac23f046ada30f8353e74f33039872ab"
#define R5903_GIR "d6840f6b42f6edafd13116e0e12565202fef8e9ece7dce03812464d04b9442de"

static CK_OBJECT_HANDLE ec_key(const uint8_t *params, size_t pn, const uint8_t *d, size_t dn,
			       CK_BBOOL derive)
{
	CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
	CK_ATTRIBUTE t[] = {
		ATTR(CKA_CLASS, c_priv), ATTR(CKA_KEY_TYPE, k_ec),
		{ CKA_EC_PARAMS, (void *)params, pn }, { CKA_VALUE, (void *)d, dn },
		ATTR(CKA_DERIVE, derive),
	};
	CK_RV rv = f->C_CreateObject(s, t, 5, &h);

	if (rv != CKR_OK)
		diag("C_CreateObject of an EC private key: %s", sk_rv_name(rv));
	return h;
}

/* Derive a key of type kt (len bytes if not 0) and read its value. */
static CK_RV derive(CK_MECHANISM *m, CK_OBJECT_HANDLE base, CK_KEY_TYPE kt, CK_ULONG len,
		    uint8_t *val, CK_ULONG *vn, CK_OBJECT_HANDLE *ph)
{
	CK_ATTRIBUTE t[] = {
		ATTR(CKA_CLASS, c_secret), ATTR(CKA_KEY_TYPE, kt), ATTR(CKA_EXTRACTABLE, yes),
		ATTR(CKA_SENSITIVE, no), ATTR(CKA_PRIVATE, no), ATTR(CKA_VALUE_LEN, len),
	};
	CK_ATTRIBUTE a = { CKA_VALUE, val, *vn };
	CK_OBJECT_HANDLE h = 0;
	CK_RV rv = f->C_DeriveKey(s, m, base, t, len != 0 ? 6 : 5, &h);

	if (ph != NULL)
		*ph = h;
	if (rv != CKR_OK)
		return rv;
	rv = f->C_GetAttributeValue(s, h, &a, 1);
	*vn = a.ulValueLen;
	return rv;
}

static void ecdh_kat(void)
{
	uint8_t di[32], dr[32], gi[65], gr[65], want[32], val[64], wrapped[67];
	CK_ECDH1_DERIVE_PARAMS p = { CKD_NULL, 0, NULL, 65, gr };
	CK_MECHANISM m = { CKM_ECDH1_DERIVE, &p, sizeof p };
	CK_OBJECT_HANDLE hi, hr, h = 0;
	CK_ULONG vn;

	unhex(R5903_I, di);
	unhex(R5903_R, dr);
	unhex(R5903_GI, gi);
	unhex(R5903_GR, gr);
	unhex(R5903_GIR, want);
	hi = ec_key(p256, sizeof p256, di, 32, yes);
	hr = ec_key(p256, sizeof p256, dr, 32, yes);
	ok(hi != CK_INVALID_HANDLE && hr != CK_INVALID_HANDLE, "the session EC keys of RFC 5903");
	vn = sizeof val;
	ok(derive(&m, hi, k_gen, 0, val, &vn, &h) == CKR_OK && vn == 32 &&
	   memcmp(val, want, 32) == 0, "RFC 5903 8.1: i with g^r gives the shared x");
	is_ulong(api_get_bool(f, s, h, CKA_LOCAL), CK_FALSE, "a derived key: CKA_LOCAL false");
	is_ulong(api_get_bool(f, s, h, CKA_ALWAYS_SENSITIVE), CK_FALSE,
		 "CKA_ALWAYS_SENSITIVE false (the base key's is)");
	is_ulong(api_get_bool(f, s, h, CKA_NEVER_EXTRACTABLE), CK_FALSE,
		 "CKA_NEVER_EXTRACTABLE false");
	p.pPublicData = gi;
	vn = sizeof val;
	ok(derive(&m, hr, k_gen, 0, val, &vn, NULL) == CKR_OK && vn == 32 &&
	   memcmp(val, want, 32) == 0, "RFC 5903 8.1: r with g^i gives the same");
	wrapped[0] = 0x04;
	wrapped[1] = 65;
	memcpy(wrapped + 2, gi, 65);
	p.pPublicData = wrapped;
	p.ulPublicDataLen = 67;
	vn = sizeof val;
	ok(derive(&m, hr, k_gen, 0, val, &vn, NULL) == CKR_OK && vn == 32 &&
	   memcmp(val, want, 32) == 0, "the peer's point in a DER OCTET STRING");
	p.pPublicData = gi;
	p.ulPublicDataLen = 65;
	vn = sizeof val;
	ok(derive(&m, hr, k_aes, 16, val, &vn, NULL) == CKR_OK && vn == 16 &&
	   memcmp(val, want + 16, 16) == 0,
	   "an AES key of 16 bytes: the leading end dropped");
	vn = sizeof val;
	ok(derive(&m, hr, k_aes, 0, val, &vn, NULL) == CKR_OK && vn == 32 &&
	   memcmp(val, want, 32) == 0, "an AES key without CKA_VALUE_LEN: all 32 bytes");
}

/* A key made by openssl on curve; d its scalar (from the DER ECPrivateKey), q its point. */
static int openssl_ec_key(const char *curve, const char *name, uint8_t *d, size_t *dn,
			  uint8_t *q, size_t *qn)
{
	uint8_t der[256];
	char cmd[512];
	size_t n, i;

	snprintf(cmd, sizeof cmd, "openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:%s "
		 "-pkeyopt ec_param_enc:named_curve -out %s/%s.pem 2>/dev/null && openssl ec -in "
		 "%s/%s.pem -outform DER 2>/dev/null | od -An -tx1 -v", curve, dir, name, dir,
		 name);
	if (api_cmd_hex(cmd, der, sizeof der, &n) != 0)
		return -1;
	/* ECPrivateKey (RFC 5915): SEQUENCE { INTEGER 1, OCTET STRING d, ... } */
	for (i = 0; i + 5 < n; i++)
		if (der[i] == 0x02 && der[i + 1] == 0x01 && der[i + 2] == 0x01 &&
		    der[i + 3] == 0x04)
			break;
	if (i + 5 >= n || der[i + 4] > 66 || i + 5 + der[i + 4] > n)
		return -1;
	*dn = der[i + 4];
	memcpy(d, der + i + 5, *dn);
	/* the uncompressed point ends the SubjectPublicKeyInfo */
	snprintf(cmd, sizeof cmd, "openssl pkey -in %s/%s.pem -pubout -outform DER -out "
		 "%s/%s.pub 2>/dev/null && od -An -tx1 -v %s/%s.pub", dir, name, dir, name, dir,
		 name);
	if (api_cmd_hex(cmd, der, sizeof der, &n) != 0 || n < 2 * *dn + 1)
		return -1;
	*qn = 2 * *dn + 1;
	memcpy(q, der + n - *qn, *qn);
	return q[0] == 0x04 ? 0 : -1;
}

/* against openssl in another process; mech CKM_ECDH1_DERIVE or CKM_ECDH1_COFACTOR_DERIVE
 * (openssl's cofactor mode) */
static void ecdh_openssl(CK_MECHANISM_TYPE mech)
{
	static const struct {
		const char *curve;
		const uint8_t *params;
		size_t pn;
	} c[] = { { "P-256", p256, sizeof p256 }, { "P-384", p384, sizeof p384 } };
	uint8_t d[66], q[133], pd[66], pq[133], z[66], val[66], info[9] = "t5602 kdf";
	size_t dn, qn, pdn, pqn, zn, i;
	CK_ECDH1_DERIVE_PARAMS p;
	CK_MECHANISM m = { mech, &p, sizeof p };
	CK_OBJECT_HANDLE h;
	CK_ULONG vn;
	char cmd[768], zh[133], ih[19];
	const char *mode = mech == CKM_ECDH1_COFACTOR_DERIVE ?
			   " -pkeyopt ecdh_cofactor_mode:1" : "";
	const char *mn = mech == CKM_ECDH1_COFACTOR_DERIVE ? "cofactor " : "";

	for (i = 0; i < 2; i++) {
		if (openssl_ec_key(c[i].curve, "ours", d, &dn, q, &qn) != 0 ||
		    openssl_ec_key(c[i].curve, "peer", pd, &pdn, pq, &pqn) != 0) {
			ok(0, "%s: openssl makes two keys", c[i].curve);
			continue;
		}
		h = ec_key(c[i].params, c[i].pn, d, dn, yes);
		snprintf(cmd, sizeof cmd, "openssl pkeyutl -derive -inkey %s/ours.pem -peerkey "
			 "%s/peer.pub -peerform DER%s | od -An -tx1 -v", dir, dir, mode);
		ok(api_cmd_hex(cmd, z, sizeof z, &zn) == 0 && zn == dn,
		   "%s: openssl pkeyutl -derive%s", c[i].curve, mode);
		p.kdf = CKD_NULL;
		p.ulSharedDataLen = 0;
		p.pSharedData = NULL;
		p.ulPublicDataLen = pqn;
		p.pPublicData = pq;
		vn = sizeof val;
		ok(derive(&m, h, k_gen, 0, val, &vn, NULL) == CKR_OK && vn == zn &&
		   memcmp(val, z, zn) == 0, "%s: C_DeriveKey (%sECDH) agrees with it",
		   c[i].curve, mn);
		/* ANSI X9.63 with SHA-256 and shared data, 40 bytes (two hash blocks) */
		hex(z, zn, zh);
		hex(info, sizeof info, ih);
		snprintf(cmd, sizeof cmd, "openssl kdf -keylen 40 -kdfopt digest:SHA256 -kdfopt "
			 "hexsecret:%s -kdfopt hexinfo:%s -binary X963KDF | od -An -tx1 -v", zh,
			 ih);
		ok(api_cmd_hex(cmd, z, sizeof z, &zn) == 0 && zn == 40, "%s: openssl kdf X963KDF",
		   c[i].curve);
		p.kdf = CKD_SHA256_KDF;
		p.ulSharedDataLen = sizeof info;
		p.pSharedData = info;
		vn = sizeof val;
		ok(derive(&m, h, k_gen, 40, val, &vn, NULL) == CKR_OK && vn == 40 &&
		   memcmp(val, z, 40) == 0, "%s: CKD_SHA256_KDF (%sECDH) agrees with it",
		   c[i].curve, mn);
		f->C_DestroyObject(s, h);
	}
}

static void ecdh_rules(void)
{
	uint8_t di[32], gr[65], val[64], sd[4] = { 1, 2, 3, 4 };
	CK_ECDH1_DERIVE_PARAMS p = { CKD_NULL, 0, NULL, 65, gr };
	CK_MECHANISM m = { CKM_ECDH1_DERIVE, &p, sizeof p }, short_m = { CKM_ECDH1_DERIVE, &p, 8 };
	CK_OBJECT_HANDLE hi, hno, h = 0, hsec = 0;
	CK_ULONG vn, len33 = 33;
	CK_ATTRIBUTE t[] = {
		ATTR(CKA_CLASS, c_secret), ATTR(CKA_KEY_TYPE, k_gen), ATTR(CKA_PRIVATE, no),
		ATTR(CKA_TOKEN, yes),
	};
	CK_ATTRIBUTE tlen[] = {
		ATTR(CKA_CLASS, c_secret), ATTR(CKA_KEY_TYPE, k_gen), ATTR(CKA_VALUE_LEN, len33),
	};
	CK_ATTRIBUTE tsec[] = {
		ATTR(CKA_CLASS, c_secret), ATTR(CKA_KEY_TYPE, k_gen), { CKA_VALUE, di, 32 },
		ATTR(CKA_DERIVE, yes), ATTR(CKA_PRIVATE, no),
	};
	CK_ATTRIBUTE tval[] = {
		ATTR(CKA_CLASS, c_secret), ATTR(CKA_KEY_TYPE, k_gen), { CKA_VALUE, di, 32 },
	};

	unhex(R5903_I, di);
	unhex(R5903_GR, gr);
	hi = ec_key(p256, sizeof p256, di, 32, yes);
	hno = ec_key(p256, sizeof p256, di, 32, no);
	ok(f->C_CreateObject(s, tsec, 5, &hsec) == CKR_OK, "a generic secret with CKA_DERIVE");
	vn = sizeof val;
	is_rv(derive(&m, hno, k_gen, 0, val, &vn, NULL), CKR_KEY_FUNCTION_NOT_PERMITTED,
	      "a base key without CKA_DERIVE");
	is_rv(derive(&m, hsec, k_gen, 0, val, &vn, NULL), CKR_KEY_TYPE_INCONSISTENT,
	      "a secret key for ECDH");
	is_rv(derive(&m, 0x7fff0001, k_gen, 0, val, &vn, NULL), CKR_KEY_HANDLE_INVALID,
	      "a base key handle that is none");
	is_rv(f->C_DeriveKey(s, &m, hi, t, 3, NULL), CKR_ARGUMENTS_BAD, "no place for the handle");
	is_rv(f->C_DeriveKey(s, &m, hi, t, 4, &h), CKR_TEMPLATE_INCONSISTENT,
	      "a token key (as C_CreateObject)");
	is_rv(f->C_DeriveKey(s, &m, hi, t + 1, 2, &h), CKR_TEMPLATE_INCOMPLETE, "no CKA_CLASS");
	is_rv(f->C_DeriveKey(s, &m, hi, t, 1, &h), CKR_TEMPLATE_INCOMPLETE, "no CKA_KEY_TYPE");
	is_rv(f->C_DeriveKey(s, &m, hi, tlen, 3, &h), CKR_TEMPLATE_INCONSISTENT,
	      "CKA_VALUE_LEN 33 of a 32-byte secret");
	is_rv(f->C_DeriveKey(s, &m, hi, tval, 3, &h), CKR_ATTRIBUTE_READ_ONLY,
	      "a template with CKA_VALUE");
	is_rv(f->C_DeriveKey(s, &short_m, hi, t, 3, &h), CKR_MECHANISM_PARAM_INVALID,
	      "a parameter of the wrong size");
	p.kdf = 0x7777;
	is_rv(f->C_DeriveKey(s, &m, hi, t, 3, &h), CKR_MECHANISM_PARAM_INVALID, "an unknown KDF");
	p.kdf = CKD_NULL;
	p.pSharedData = sd;
	p.ulSharedDataLen = sizeof sd;
	is_rv(f->C_DeriveKey(s, &m, hi, t, 3, &h), CKR_MECHANISM_PARAM_INVALID,
	      "shared data with CKD_NULL");
	p.pSharedData = NULL;
	p.ulSharedDataLen = 0;
	gr[64] ^= 1;
	is_rv(f->C_DeriveKey(s, &m, hi, t, 3, &h), CKR_MECHANISM_PARAM_INVALID,
	      "a peer point not on the curve");
	gr[64] ^= 1;
	p.ulPublicDataLen = 0;
	is_rv(f->C_DeriveKey(s, &m, hi, t, 3, &h), CKR_MECHANISM_PARAM_INVALID, "no peer point");
	p.ulPublicDataLen = 65;
	is_rv(f->C_DeriveKey(s, &m, hi, t, 3, &h), CKR_OK, "and right again");
}

/* RFC 7836 appendix B: id-tc26-gost-3410-12-512-paramSetA; keys little-endian */
#define B_OID "06092a8503070102010201"
#define B_A_PRIV "c990ecd972fce84ec4db022778f50fcac726f46708384b8d458304962d7147f8" \
		 "c2db41cef22c90b102f2968404f9b9be6d47c79692d81826b32b8daca43cb667"
#define B_A_PUB "aab0eda4abff21208d18799fb9a8556654ba783070eba10cb9abb253ec56dcf5" \
		"d3ccba6192e464e6e5bcb6dea137792f2431f6c897eb1b3c0cc14327b1adc0a7" \
		"914613a3074e363aedb204d38d3563971bd8758e878c9db11403721b48002d38" \
		"461f92472d40ea92f9958c0ffa4c93756401b97f89fdbe0b5e46e4a4631cdb5a"
#define B_B_PRIV "48c859f7b6f11585887cc05ec6ef1390cfea739b1a18c0d4662293ef63b79e3b" \
		 "8014070b44918590b4b996acfea4edfbbbcccc8c06edd8bf5bda92a51392d0db"
#define B_B_PUB "192fe183b9713a077253c72c8735de2ea42a3dbc66ea317838b65fa32523cd5e" \
		"fca974eda7c863f4954d1147f1f2b25c395fce1c129175e876d132e94ed5a651" \
		"04883b414c9b592ec4dc84826f07d0b6d9006dda176ce48c391e3f97d102e03b" \
		"b598bf132a228a45f7201aba08fc524a2d77e43a362ab022ad4028f75bde3b79"
#define B_UKM "1d80603c8544c727"
#define B_KEK "c9a9a77320e2cc559ed72dce6f47e2192ccea95fa648670582c054c0ef36c221"

static CK_OBJECT_HANDLE gost_key(const uint8_t *oid, size_t on, const uint8_t *d, size_t dn)
{
	static const uint8_t h512[] = { 0x06, 0x08, 0x2a, 0x85, 0x03, 0x07, 0x01, 0x01, 0x02,
					0x03 };     /* id-tc26-gost3411-12-512 */
	CK_KEY_TYPE kt = CKK_GOSTR3410_512;
	CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
	CK_ATTRIBUTE t[] = {
		ATTR(CKA_CLASS, c_priv), ATTR(CKA_KEY_TYPE, kt),
		{ CKA_GOSTR3410_PARAMS, (void *)oid, on },
		{ CKA_GOSTR3411_PARAMS, (void *)h512, sizeof h512 }, { CKA_VALUE, (void *)d, dn },
		ATTR(CKA_DERIVE, yes),
	};
	CK_RV rv = f->C_CreateObject(s, t, 6, &h);

	if (rv != CKR_OK)
		diag("C_CreateObject of a GOST private key: %s", sk_rv_name(rv));
	return h;
}

static void vko(void)
{
	uint8_t oid[16], ap[64], aq[128], bp[64], bq[128], ukm[8], want[32], val[64];
	size_t on = unhex(B_OID, oid);
	CK_GOSTR3410_DERIVE_PARAMS p = { CKD_NULL, bq, 128, ukm, 8 };
	CK_MECHANISM m = { CKM_GOSTR3410_12_DERIVE, &p, sizeof p };
	CK_OBJECT_HANDLE ha, hb;
	CK_ULONG vn;
	CK_MECHANISM_INFO mi;
	CK_SLOT_ID slot = 0;

	unhex(B_A_PRIV, ap);
	unhex(B_A_PUB, aq);
	unhex(B_B_PRIV, bp);
	unhex(B_B_PUB, bq);
	unhex(B_UKM, ukm);
	unhex(B_KEK, want);
	if (api_slot_of(f, 0, &slot) != CKR_OK ||
	    f->C_GetMechanismInfo(slot, CKM_GOSTR3410_12_DERIVE, &mi) != CKR_OK ||
	    !(mi.flags & CKF_DERIVE)) {
		ok(0, "CKM_GOSTR3410_12_DERIVE offered with CKF_DERIVE");
		return;
	}
	ha = gost_key(oid, on, ap, 64);
	hb = gost_key(oid, on, bp, 64);
	vn = sizeof val;
	ok(derive(&m, ha, k_gen, 0, val, &vn, NULL) == CKR_OK && vn == 32 &&
	   memcmp(val, want, 32) == 0, "RFC 7836 B: A's side gives KEK_VKO");
	p.pPublicData = aq;
	vn = sizeof val;
	ok(derive(&m, hb, k_gen, 0, val, &vn, NULL) == CKR_OK && vn == 32 &&
	   memcmp(val, want, 32) == 0, "RFC 7836 B: B's side too");
	vn = sizeof val;
	ok(derive(&m, hb, CKK_KUZNECHIK, 0, val, &vn, NULL) == CKR_OK && vn == 32 &&
	   memcmp(val, want, 32) == 0, "a Kuznyechik key of it");
	p.ulUKMLen = 0;
	is_rv(derive(&m, hb, k_gen, 0, val, &vn, NULL), CKR_MECHANISM_PARAM_INVALID, "no UKM");
	p.ulUKMLen = 8;
	p.kdf = CKD_SHA256_KDF;
	is_rv(derive(&m, hb, k_gen, 0, val, &vn, NULL), CKR_MECHANISM_PARAM_INVALID,
	      "a KDF of ECDH");
	p.kdf = CKD_NULL;
	p.ulPublicDataLen = 127;
	is_rv(derive(&m, hb, k_gen, 0, val, &vn, NULL), CKR_MECHANISM_PARAM_INVALID,
	      "a public key of 127 bytes");
	p.ulPublicDataLen = 128;
	m.mechanism = CKM_ECDH1_DERIVE;
	is_rv(derive(&m, hb, k_gen, 0, val, &vn, NULL), CKR_MECHANISM_PARAM_INVALID,
	      "ECDH with the GOST parameter (its size differs)");
}

/* CKM_ECDH1_COFACTOR_DERIVE: the known answer (cavs_ecc_cdh.h), and the rules it shares
 * with CKM_ECDH1_DERIVE */
static void ecdh_cofactor(void)
{
	uint8_t d[32], q[65], want[32], val[64], sd[4] = { 1, 2, 3, 4 };
	CK_ECDH1_DERIVE_PARAMS p = { CKD_NULL, 0, NULL, 65, q };
	CK_MECHANISM m = { CKM_ECDH1_COFACTOR_DERIVE, &p, sizeof p };
	CK_MECHANISM short_m = { CKM_ECDH1_COFACTOR_DERIVE, &p, 8 };
	CK_OBJECT_HANDLE h, hno;
	CK_ULONG vn = sizeof val;

	unhex(CDH_D, d);
	unhex(CDH_Q, q);
	unhex(CDH_Z, want);
	h = ec_key(p256, sizeof p256, d, 32, yes);
	hno = ec_key(p256, sizeof p256, d, 32, no);
	ok(derive(&m, h, k_gen, 0, val, &vn, NULL) == CKR_OK && vn == 32 &&
	   memcmp(val, want, 32) == 0, "CKM_ECDH1_COFACTOR_DERIVE: CAVS ECC CDH P-256 COUNT 0 "
	   "gives ZIUT");
	vn = sizeof val;
	ok(derive(&m, h, k_aes, 16, val, &vn, NULL) == CKR_OK && vn == 16 &&
	   memcmp(val, want + 16, 16) == 0, "... an AES key of 16 bytes: the leading end dropped");
	is_rv(derive(&short_m, h, k_gen, 0, val, &vn, NULL), CKR_MECHANISM_PARAM_INVALID,
	      "... a parameter of the wrong size");
	p.pSharedData = sd;
	p.ulSharedDataLen = sizeof sd;
	is_rv(derive(&m, h, k_gen, 0, val, &vn, NULL), CKR_MECHANISM_PARAM_INVALID,
	      "... shared data with CKD_NULL");
	p.pSharedData = NULL;
	p.ulSharedDataLen = 0;
	q[10] ^= 1;
	is_rv(derive(&m, h, k_gen, 0, val, &vn, NULL), CKR_MECHANISM_PARAM_INVALID,
	      "... a peer point off the curve");
	q[10] ^= 1;
	is_rv(derive(&m, hno, k_gen, 0, val, &vn, NULL), CKR_KEY_FUNCTION_NOT_PERMITTED,
	      "... a key without CKA_DERIVE");
	f->C_DestroyObject(s, h);
	f->C_DestroyObject(s, hno);
}

/* A private key on the token: the token agrees the key (the contract's derive; t5605
 * checks the values against openssl), so the derivation succeeds. */
static void token_key(void)
{
	uint8_t gr[65], val[64];
	CK_ECDH1_DERIVE_PARAMS p = { CKD_NULL, 0, NULL, 65, gr };
	CK_MECHANISM m = { CKM_ECDH1_DERIVE, &p, sizeof p };
	CK_MECHANISM gen = { CKM_EC_KEY_PAIR_GEN, NULL, 0 };
	CK_ATTRIBUTE pt[] = { ATTR(CKA_TOKEN, yes), { CKA_EC_PARAMS, (void *)p256, sizeof p256 } };
	CK_ATTRIBUTE vt[] = { ATTR(CKA_TOKEN, yes), ATTR(CKA_DERIVE, yes) };
	CK_OBJECT_HANDLE pub = 0, priv = 0;
	CK_ULONG vn = sizeof val;

	unhex(R5903_GR, gr);
	is_rv(f->C_GenerateKeyPair(s, &gen, pt, 2, vt, 2, &pub, &priv), CKR_OK,
	      "a P-256 key pair on the token");
	is_rv(derive(&m, priv, k_gen, 0, val, &vn, NULL), CKR_OK,
	      "ECDH with the token's private key: the token agrees (t5605)");
	ok(vn == 32, "... 32 bytes");
	m.mechanism = CKM_ECDH1_COFACTOR_DERIVE;
	is_rv(derive(&m, priv, k_gen, 0, val, &vn, NULL), CKR_MECHANISM_INVALID,
	      "CKM_ECDH1_COFACTOR_DERIVE with the token's private key: the family does not "
	      "declare it");
	f->C_DestroyObject(s, priv);
	f->C_DestroyObject(s, pub);
}

int main(int argc, char **argv)
{
	CK_SLOT_ID slot = 0;
	CK_MECHANISM_INFO mi;

	(void)argc;
	api_rig(argv, 1);
	api_temp_dir(dir);
	f = api_module();
	api_start(f, "t5602", CKF_SERIAL_SESSION | CKF_RW_SESSION, "a R/W session", &slot, &s);
	is_rv(f->C_Login(s, CKU_USER, API_PIN(API_USER_PIN)), CKR_OK, "user login");
	ok(f->C_GetMechanismInfo(slot, CKM_ECDH1_DERIVE, &mi) == CKR_OK &&
	   (mi.flags & CKF_DERIVE) && mi.ulMinKeySize == 192 && mi.ulMaxKeySize == 521,
	   "CKM_ECDH1_DERIVE: derive, 192-521 bits");
	ok(f->C_GetMechanismInfo(slot, CKM_ECDH1_COFACTOR_DERIVE, &mi) == CKR_OK &&
	   (mi.flags & CKF_DERIVE) && mi.ulMinKeySize == 192 && mi.ulMaxKeySize == 521,
	   "CKM_ECDH1_COFACTOR_DERIVE: derive, 192-521 bits");
	ecdh_kat();
	ecdh_openssl(CKM_ECDH1_DERIVE);
	ecdh_openssl(CKM_ECDH1_COFACTOR_DERIVE);
	ecdh_cofactor();
	ecdh_rules();
	vko();
	token_key();
	is_rv(f->C_CloseSession(s), CKR_OK, "close the session");
	is_rv(f->C_Finalize(NULL), CKR_OK, "C_Finalize");
	api_remove_dir(dir);
	return done_testing();
}
