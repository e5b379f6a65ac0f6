/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t5404 — the GOST ciphers and MACs through PKCS #11, with session secret keys, on the
 * host: CKM_KUZNYECHIK_ECB / CKM_MAGMA_ECB, CKM_KUZNYECHIK_CTR_ACPKM / CKM_MAGMA_CTR_ACPKM
 * (section 0: plain CTR), CKM_KUZNYECHIK_MGM / CKM_MAGMA_MGM, CKM_KUZNYECHIK_MAC /
 * CKM_MAGMA_MAC, CKM_GOST28147_ECB, CKM_GOST28147 and CKM_GOST28147_MAC.
 *   Known answers: GOST R 34.13-2015 appendix A (A.1 Kuznyechik, A.2 Magma: ECB, CTR and
 *   MAC); R 1323565.1.017-2018 appendix A (Kuznyechik CTR-ACPKM, N = 256 bits); RFC 9058
 *   appendix A (MGM with both ciphers); GOST 28147-89 with the TC26-Z S-boxes is Magma in
 *   the little-endian byte order of its implementations (RFC 7836, RFC 8891), so A.2 with
 *   each key word and block reversed is a known answer for CKM_GOST28147_ECB.
 *   Cross-checks in another process, with random keys, IVs and lengths: the gostprov
 *   provider (`openssl enc -kuznyechik-ecb`, `-kuznyechik-ctr`, `-magma-ctr`,
 *   `-kuznyechik-ctr-acpkm`, `-magma-ctr-acpkm`, `openssl mac kuznyechik-mac /
 *   magma-mac`) and the gost engine (`openssl enc -gost89-cnt`, `-gost89-cnt-12`,
 *   `openssl dgst -mac gost-mac / gost-mac-12`). MGM has no other implementation on a
 *   Debian 12 host: its RFC examples and a changed tag stand for it.
 *   Rules: single and multi-part in uneven pieces, the two-call size rule, short buffers
 *   keeping the operation, ECB lengths (CKR_DATA_LEN_RANGE, CKR_ENCRYPTED_DATA_LEN_RANGE),
 *   parameters (CKR_MECHANISM_PARAM_INVALID), key types and S-box sets
 *   (CKR_KEY_TYPE_INCONSISTENT), a wrong MGM tag (CKR_ENCRYPTED_DATA_INVALID), MAC
 *   verification (CKR_SIGNATURE_INVALID, CKR_SIGNATURE_LEN_RANGE).
 */
#include "api/api.h"
#include "api/bytes.h"
#include "api/cipher.h"

static CK_FUNCTION_LIST_PTR f;
static CK_SESSION_HANDLE s;
static CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
static CK_OBJECT_CLASS c_secret = CKO_SECRET_KEY;
static char dir[] = "/tmp/t5404-XXXXXX";

#define ATTR(t, v) { (t), &(v), sizeof(v) }

/* id-tc26-gost-28147-param-Z (RFC 7836) and id-Gost28147-89-CryptoPro-A-ParamSet (RFC
 * 4357 10.3), as DER OIDs; and CryptoPro-B, a set the host does not have */
static const uint8_t oid_z[] = { 0x06, 0x09, 0x2a, 0x85, 0x03, 0x07, 0x01, 0x02, 0x05, 0x01,
				 0x01 };
static const uint8_t oid_a[] = { 0x06, 0x07, 0x2a, 0x85, 0x03, 0x02, 0x02, 0x1f, 0x01 };
static const uint8_t oid_b[] = { 0x06, 0x07, 0x2a, 0x85, 0x03, 0x02, 0x02, 0x1f, 0x02 };

/* Hex into bytes; spaces are skipped. */
static void rnd(uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)rand();
}

static CK_OBJECT_HANDLE key_of(CK_KEY_TYPE kt, const uint8_t *v, size_t n, const uint8_t *oid,
			       size_t oid_len)
{
	CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
	CK_ATTRIBUTE t[] = {
		ATTR(CKA_CLASS, c_secret), ATTR(CKA_KEY_TYPE, kt), { CKA_VALUE, (void *)v, n },
		ATTR(CKA_ENCRYPT, yes), ATTR(CKA_DECRYPT, yes), ATTR(CKA_SIGN, yes),
		ATTR(CKA_VERIFY, yes), ATTR(CKA_PRIVATE, no),
		{ CKA_GOST28147_PARAMS, (void *)oid, oid_len },
	};

	if (f->C_CreateObject(s, t, oid != NULL ? 9 : 8, &h) != CKR_OK)
		return CK_INVALID_HANDLE;
	return h;
}

/* Known answer: enc(pt) == ct one-shot and in parts, dec(ct) == pt both ways. */
static void kat(const char *what, CK_MECHANISM *m, CK_OBJECT_HANDLE k, const char *pt_hex,
		const char *ct_hex)
{
	uint8_t pt[256], ct[256], out[300];
	size_t np = unhex(pt_hex, pt), nc = unhex(ct_hex, ct);
	CK_ULONG n;

	n = sizeof out;
	ok(api_oneshot(f, s, 0, m, k, pt, np, out, &n) == CKR_OK &&
	   n == nc && memcmp(out, ct, nc) == 0,
	   "%s: C_Encrypt gives the known answer", what);
	n = sizeof out;
	ok(api_parts(f, s, 0, m, k, pt, np, out, &n) == CKR_OK &&
	   n == nc && memcmp(out, ct, nc) == 0,
	   "%s: in parts too", what);
	n = sizeof out;
	ok(api_oneshot(f, s, 1, m, k, ct, nc, out, &n) == CKR_OK &&
	   n == np && memcmp(out, pt, np) == 0,
	   "%s: C_Decrypt gives the plaintext", what);
	n = sizeof out;
	ok(api_parts(f, s, 1, m, k, ct, nc, out, &n) == CKR_OK &&
	   n == np && memcmp(out, pt, np) == 0,
	   "%s: in parts too", what);
}

/* The MAC of data: C_Sign one-shot (with a size query) and in parts must agree; and
 * C_Verify accepts it. Returns its length, or 0 on any failure. */
static size_t mac_of(CK_MECHANISM *m, CK_OBJECT_HANDLE k, const uint8_t *d, size_t n,
		     uint8_t *mac)
{
	uint8_t two[16];
	CK_ULONG len = 0, len2 = sizeof two;
	size_t off, piece;

	if (f->C_SignInit(s, m, k) != CKR_OK || f->C_Sign(s, (CK_BYTE_PTR)d, n, NULL, &len) !=
	    CKR_OK || len > 16 || f->C_Sign(s, (CK_BYTE_PTR)d, n, mac, &len) != CKR_OK)
		return 0;
	if (f->C_SignInit(s, m, k) != CKR_OK)
		return 0;
	for (off = 0; off < n; off += piece) {
		piece = n - off < 13 ? n - off : 13;
		if (f->C_SignUpdate(s, (CK_BYTE_PTR)d + off, piece) != CKR_OK)
			return 0;
	}
	if (f->C_SignFinal(s, two, &len2) != CKR_OK || len2 != len || memcmp(two, mac, len) != 0)
		return 0;
	if (f->C_VerifyInit(s, m, k) != CKR_OK ||
	    f->C_Verify(s, (CK_BYTE_PTR)d, n, mac, len) != CKR_OK)
		return 0;
	return len;
}

#define KZ_KEY "8899aabbccddeeff0011223344556677fedcba98765432100123456789abcdef"
#define MG_KEY "ffeeddccbbaa99887766554433221100f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff"
#define KZ_P "1122334455667700ffeeddccbbaa998800112233445566778899aabbcceeff0a" \
	     "112233445566778899aabbcceeff0a002233445566778899aabbcceeff0a0011"
#define MG_P "92def06b3c130a59db54c704f8189d204a98fb2e67a8024c8912409b17b57e41"

static CK_OBJECT_HANDLE hkz, hmg;

static void known_answers(void)
{
	uint8_t k[32], mac[16], d[64], p[16];
	CK_MECHANISM m = { CKM_KUZNYECHIK_ECB, NULL, 0 };
	size_t n;

	unhex(KZ_KEY, k);
	hkz = key_of(CKK_KUZNECHIK, k, 32, NULL, 0);
	unhex(MG_KEY, k);
	hmg = key_of(CKK_MAGMA, k, 32, NULL, 0);
	ok(hkz != CK_INVALID_HANDLE && hmg != CK_INVALID_HANDLE,
	   "the keys of GOST R 34.13-2015 appendix A");

	/* GOST R 34.13-2015 A.1.1 and A.2.1: ECB */
	kat("GOST R 34.13-2015 A.1.1 Kuznyechik ECB", &m, hkz, KZ_P,
	    "7f679d90bebc24305a468d42b9d4edcdb429912c6e0032f9285452d76718d08b"
	    "f0ca33549d247ceef3f5a5313bd4b157d0b09ccde830b9eb3a02c4c5aa8ada98");
	m.mechanism = CKM_MAGMA_ECB;
	kat("GOST R 34.13-2015 A.2.1 Magma ECB", &m, hmg, MG_P,
	    "2b073f0494f372a0de70e715d3556e4811d8d9e9eacfbc1e7c68260996c67efb");

	/* A.1.2 and A.2.2: CTR, as CTR-ACPKM with section 0 (the key never changes); the
	 * parameter is the section's bits (4 bytes big-endian) and half a block of IV */
	n = unhex("00000000" "1234567890abcef0", p);
	m = (CK_MECHANISM){ CKM_KUZNYECHIK_CTR_ACPKM, p, n };
	kat("GOST R 34.13-2015 A.1.2 Kuznyechik CTR", &m, hkz, KZ_P,
	    "f195d8bec10ed1dbd57b5fa240bda1b885eee733f6a13e5df33ce4b33c45dee4"
	    "a5eae88be6356ed3d5e877f13564a3a5cb91fab1f20cbab6d1c6d15820bdba73");
	kat("A.1.2, its first 21 bytes (a partial block)", &m, hkz,
	    "1122334455667700ffeeddccbbaa99880011223344",
	    "f195d8bec10ed1dbd57b5fa240bda1b885eee733f6");
	n = unhex("00000000" "12345678", p);
	m = (CK_MECHANISM){ CKM_MAGMA_CTR_ACPKM, p, n };
	kat("GOST R 34.13-2015 A.2.2 Magma CTR", &m, hmg, MG_P,
	    "4e98110c97b7b93c3e250d93d6e85d69136d868807b2dbef568eb680ab52a12d");

	/* R 1323565.1.017-2018 appendix A: Kuznyechik CTR-ACPKM with N = 256 bits */
	n = unhex("00000100" "1234567890abcef0", p);
	m = (CK_MECHANISM){ CKM_KUZNYECHIK_CTR_ACPKM, p, n };
	kat("R 1323565.1.017-2018 A: Kuznyechik CTR-ACPKM, N = 256", &m, hkz,
	    KZ_P "33445566778899aabbcceeff0a0011224455667788 99aabbcceeff0a00112233"
	    "5566778899aabbcceeff0a0011223344",
	    "f195d8bec10ed1dbd57b5fa240bda1b885eee733f6a13e5df33ce4b33c45dee4"
	    "4bceeb8f646f4c55001706275e85e800587c4df568d094393e4834afd0805046"
	    "cf30f57686aeece11cfc6c316b8a896edffd07ec813636460c4f3b743423163e"
	    "6409a9c282fac8d469d221e7fbd6de5d");

	/* A.1.6 and A.2.6: the MAC, n/2 bits */
	m = (CK_MECHANISM){ CKM_KUZNYECHIK_MAC, NULL, 0 };
	n = unhex(KZ_P, d);
	ok(mac_of(&m, hkz, d, n, mac) == 8 && memcmp(mac, "\x33\x6f\x4d\x29\x60\x59\xfb\xe3", 8) == 0,
	   "GOST R 34.13-2015 A.1.6: the Kuznyechik MAC, one-shot and in parts, verified");
	m.mechanism = CKM_MAGMA_MAC;
	n = unhex(MG_P, d);
	ok(mac_of(&m, hmg, d, n, mac) == 4 && memcmp(mac, "\x15\x4e\x72\x10", 4) == 0,
	   "GOST R 34.13-2015 A.2.6: the Magma MAC, one-shot and in parts, verified");
}

static void mgm_answers(void)
{
	uint8_t nonce[16], aad[64];
	CK_GCM_PARAMS g;
	CK_MECHANISM m = { CKM_KUZNYECHIK_MGM, &g, sizeof g };

	/* RFC 9058 A.1 (Kuznyechik): nonce, A (41 bytes), P (67 bytes), C || T */
	unhex("1122334455667700ffeeddccbbaa9988", nonce);
	g = (CK_GCM_PARAMS){ nonce, 16, 128, aad, unhex("02020202020202020101010101010101"
		"04040404040404040303030303030303ea05050505050505 05", aad), 128 };
	kat("RFC 9058 A.1 Kuznyechik MGM", &m, hkz,
	    KZ_P "aabbcc",
	    "a9757b8147956e9055b8a33de89f42fc8075d2212bf9fd5bd3f7069aadc16b39"
	    "497ab15915a6ba85936b5d0ea9f6851cc60c14d4d3f883d0ab94420695c76deb"
	    "2c7552" "cf5d656f40c34f5c46e8bb0e29fcdb4c");
	g.ulTagBits = 64;
	kat("RFC 9058 A.1 with a 64-bit tag (its first half)", &m, hkz, KZ_P "aabbcc",
	    "a9757b8147956e9055b8a33de89f42fc8075d2212bf9fd5bd3f7069aadc16b39"
	    "497ab15915a6ba85936b5d0ea9f6851cc60c14d4d3f883d0ab94420695c76deb"
	    "2c7552" "cf5d656f40c34f5c");
	/* RFC 9058 A.2 (Magma) */
	unhex("12def06b3c130a59", nonce);
	m.mechanism = CKM_MAGMA_MGM;
	g = (CK_GCM_PARAMS){ nonce, 8, 64, aad, unhex("01010101010101010202020202020202"
		"03030303030303030404040404040404 0505050505050505ea", aad), 64 };
	kat("RFC 9058 A.2 Magma MGM", &m, hmg,
	    "ffeeddccbbaa9988 1122334455667700 8899aabbcceeff0a 0011223344556677"
	    "99aabbcceeff0a00 1122334455667788 aabbcceeff0a0011 2233445566778899 aabbcc",
	    "c795066c5f9ea03b85113342459185ae1f2e00d6bf2b785d940470b8bb9c8e7d"
	    "9a5dd3731f7ddc70ec27cb0ace6fa57670f65c646abb75d547aa37c3bcb5c34e"
	    "03bb9c" "a7928069aa10fd10");
}

/* GOST 28147-89, TC26-Z = Magma with each 32-bit key word and each block reversed. */
static void rev_words(const uint8_t *in, uint8_t *out, size_t n, size_t w)
{
	size_t i, j;

	for (i = 0; i < n; i += w)
		for (j = 0; j < w; j++)
			out[i + j] = in[i + w - 1 - j];
}

static void gost89_answers(void)
{
	uint8_t k[32], k89[32], p[32], c[32];
	char ph[65], ch[65];
	CK_OBJECT_HANDLE h;
	CK_MECHANISM m = { CKM_GOST28147_ECB, NULL, 0 };

	unhex(MG_KEY, k);
	rev_words(k, k89, 32, 4);
	h = key_of(CKK_GOST28147, k89, 32, oid_z, sizeof oid_z);
	ok(h != CK_INVALID_HANDLE, "a GOST 28147-89 key with the TC26-Z parameters");
	unhex(MG_P, p);
	unhex("2b073f0494f372a0de70e715d3556e4811d8d9e9eacfbc1e7c68260996c67efb", c);
	rev_words(p, k, 32, 8);
	hex(k, 32, ph);
	rev_words(c, k, 32, 8);
	hex(k, 32, ch);
	kat("GOST R 34.13-2015 A.2.1 as GOST 28147-89 ECB with TC26-Z", &m, h, ph, ch);
}

/* The command tpl with @K replaced by the key's hex and @I by the IV's. */
static void subst(char *out, size_t cap, const char *tpl, const char *kh, const char *ivh)
{
	size_t n = 0;
	const char *r;

	while (*tpl != '\0' && n + 1 < cap) {
		r = tpl[0] == '@' && tpl[1] == 'K' ? kh : tpl[0] == '@' && tpl[1] == 'I' ? ivh : NULL;
		if (r == NULL) {
			out[n++] = *tpl++;
			continue;
		}
		while (*r != '\0' && n + 1 < cap)
			out[n++] = *r++;
		tpl += 2;
	}
	out[n] = '\0';
}

/* Random keys, IVs and lengths against openssl in another process. */
static void cross_enc(const char *what, CK_MECHANISM_TYPE mt, CK_KEY_TYPE kt, const uint8_t *oid,
		      size_t oid_len, size_t bl, uint32_t section_bits, const char *cmd_fmt)
{
	static uint8_t data[20000], out[20100], want[20100];
	uint8_t key[32], prm[12];
	char kh[65], ivh[33], cmd[1024];
	CK_MECHANISM m = { mt, prm, 0 };
	CK_OBJECT_HANDLE h;
	CK_ULONG n;
	size_t dlen, ivlen;
	int t, good = 1, good_d = 1;
	long got;

	for (t = 0; t < 4; t++) {
		rnd(key, 32);
		h = key_of(kt, key, 32, oid, oid_len);
		if (mt == CKM_GOST28147) {
			ivlen = 8;
			rnd(prm, 8);
			m.ulParameterLen = 8;
			hex(prm, 8, ivh);
		} else if (mt == CKM_KUZNYECHIK_ECB) {
			ivlen = 0;
			m.pParameter = NULL;
			ivh[0] = '\0';
		} else {
			ivlen = bl / 2;
			prm[0] = (uint8_t)(section_bits >> 24);
			prm[1] = (uint8_t)(section_bits >> 16);
			prm[2] = (uint8_t)(section_bits >> 8);
			prm[3] = (uint8_t)section_bits;
			rnd(prm + 4, ivlen);
			m.ulParameterLen = 4 + ivlen;
			hex(prm + 4, ivlen, ivh);
		}
		dlen = section_bits > 0 ? 2 * section_bits / 8 + (size_t)rand() % (section_bits / 8)
					: 1 + (size_t)rand() % 3000;
		if (mt == CKM_KUZNYECHIK_ECB)
			dlen = 16 * (1 + (size_t)rand() % 200);
		rnd(data, dlen);
		n = sizeof out;
		if (api_parts(f, s, 0, &m, h, data, dlen, out, &n) != CKR_OK || n != dlen) {
			good = 0;
			continue;
		}
		hex(key, 32, kh);
		subst(cmd, sizeof cmd, cmd_fmt, kh, ivh);
		got = api_filter(dir, cmd, data, dlen, want, sizeof want);
		if (got != (long)dlen || memcmp(out, want, dlen) != 0) {
			diag("%s: differs for %zu bytes", what, dlen);
			good = 0;
		}
		n = sizeof out;
		if (api_oneshot(f, s, 1, &m, h, want, dlen, out, &n) != CKR_OK || n != dlen ||
		    memcmp(out, data, dlen) != 0)
			good_d = 0;
		f->C_DestroyObject(s, h);
	}
	ok(good, "%s: encrypted in parts, the same as %.*s", what, 40, cmd_fmt);
	ok(good_d, "%s: openssl's ciphertext decrypts to the data", what);
}

static void cross_mac(const char *what, CK_MECHANISM_TYPE mt, CK_KEY_TYPE kt, const uint8_t *oid,
		      size_t oid_len, size_t len, const char *cmd_fmt)
{
	static const size_t fixed[] = { 0, 1, 8, 16, 17, 33 };
	static uint8_t data[4000], want[64];
	uint8_t key[32], mac[16];
	char kh[65], cmd[1024];
	CK_MECHANISM m = { mt, NULL, 0 };
	CK_OBJECT_HANDLE h;
	size_t dlen;
	int t, good = 1;
	long got;

	for (t = 0; t < 9; t++) {
		rnd(key, 32);
		h = key_of(kt, key, 32, oid, oid_len);
		dlen = t < 6 ? fixed[t] : 1 + (size_t)rand() % 3000;
		rnd(data, dlen);
		hex(key, 32, kh);
		subst(cmd, sizeof cmd, cmd_fmt, kh, "");
		got = api_filter(dir, cmd, data, dlen, want, sizeof want);
		if (mac_of(&m, h, data, dlen, mac) != len || got < (long)len ||
		    memcmp(mac, want, len) != 0) {
			diag("%s: differs for %zu bytes", what, dlen);
			good = 0;
		}
		f->C_DestroyObject(s, h);
	}
	ok(good, "%s: the MAC (its first %zu bytes) equals openssl's, random keys, lengths 0, 1, "
	   "8, 16, 17, 33 and random", what, len);
}

#define PROV "openssl enc -provider gostprov -provider default"
#define ENG "CRYPT_PARAMS=id-tc26-gost-28147-param-Z openssl enc -engine gost"

static void cross_checks(void)
{
	cross_enc("Kuznyechik ECB", CKM_KUZNYECHIK_ECB, CKK_KUZNECHIK, NULL, 0, 16, 0,
		  PROV " -kuznyechik-ecb -nopad -K @K -in in.bin -out out.bin");
	cross_enc("Kuznyechik CTR", CKM_KUZNYECHIK_CTR_ACPKM, CKK_KUZNECHIK, NULL, 0, 16, 0,
		  PROV " -kuznyechik-ctr -K @K -iv @I -in in.bin -out out.bin");
	cross_enc("Magma CTR", CKM_MAGMA_CTR_ACPKM, CKK_MAGMA, NULL, 0, 8, 0,
		  PROV " -magma-ctr -K @K -iv @I -in in.bin -out out.bin");
	/* the provider's sections: 4096 bytes for Kuznyechik, 1024 for Magma */
	cross_enc("Kuznyechik CTR-ACPKM, N = 32768 bits", CKM_KUZNYECHIK_CTR_ACPKM, CKK_KUZNECHIK,
		  NULL, 0, 16, 32768,
		  PROV " -kuznyechik-ctr-acpkm -K @K -iv @I -in in.bin -out out.bin");
	cross_enc("Magma CTR-ACPKM, N = 8192 bits", CKM_MAGMA_CTR_ACPKM, CKK_MAGMA, NULL, 0, 8,
		  8192, PROV " -magma-ctr-acpkm -K @K -iv @I -in in.bin -out out.bin");
	cross_enc("GOST 28147-89 counter, CryptoPro-A", CKM_GOST28147, CKK_GOST28147, oid_a,
		  sizeof oid_a, 8, 0, ENG " -gost89-cnt -K @K -iv @I -in in.bin -out out.bin");
	cross_enc("GOST 28147-89 counter, TC26-Z", CKM_GOST28147, CKK_GOST28147, oid_z,
		  sizeof oid_z, 8, 0, ENG " -gost89-cnt-12 -K @K -iv @I -in in.bin -out out.bin");
	cross_mac("Kuznyechik MAC", CKM_KUZNYECHIK_MAC, CKK_KUZNECHIK, NULL, 0, 8,
		  "openssl mac -provider gostprov -provider default -macopt hexkey:@K -binary "
		  "-in in.bin -out out.bin kuznyechik-mac");
	cross_mac("Magma MAC", CKM_MAGMA_MAC, CKK_MAGMA, NULL, 0, 4,
		  "openssl mac -provider gostprov -provider default -macopt hexkey:@K -binary "
		  "-in in.bin -out out.bin magma-mac");
	cross_mac("GOST 28147-89 MAC, CryptoPro-A", CKM_GOST28147_MAC, CKK_GOST28147, oid_a,
		  sizeof oid_a, 4, "openssl dgst -engine gost -mac gost-mac -macopt hexkey:@K "
		  "-macopt size:4 -binary -out out.bin in.bin");
	cross_mac("GOST 28147-89 MAC, TC26-Z", CKM_GOST28147_MAC, CKK_GOST28147, oid_z,
		  sizeof oid_z, 4, "openssl dgst -engine gost -mac gost-mac-12 -macopt hexkey:@K "
		  "-macopt size:4 -binary -out out.bin in.bin");
}

static void rules(void)
{
	uint8_t key[32] = { 1, 2, 3 }, buf[64] = { 0 }, out[128], ct[128], p[16], nonce[16] = { 0 };
	uint8_t iv8[8] = { 0 }, mac[16];
	CK_OBJECT_HANDLE hz = key_of(CKK_GOST28147, key, 32, oid_z, sizeof oid_z);
	CK_OBJECT_HANDLE ha = key_of(CKK_GOST28147, key, 32, oid_a, sizeof oid_a);
	CK_OBJECT_HANDLE hb = key_of(CKK_GOST28147, key, 32, oid_b, sizeof oid_b);
	CK_OBJECT_HANDLE haes = key_of(CKK_AES, key, 16, NULL, 0);
	CK_MECHANISM ecb = { CKM_KUZNYECHIK_ECB, NULL, 0 }, mecb = { CKM_MAGMA_ECB, NULL, 0 };
	CK_MECHANISM ecb89 = { CKM_GOST28147_ECB, NULL, 0 }, cnt = { CKM_GOST28147, iv8, 8 };
	CK_MECHANISM ctr = { CKM_KUZNYECHIK_CTR_ACPKM, p, 12 }, m89 = { CKM_GOST28147_MAC, NULL, 0 };
	CK_MECHANISM kmac = { CKM_KUZNYECHIK_MAC, NULL, 0 };
	CK_GCM_PARAMS g = { nonce, 16, 128, NULL, 0, 128 };
	CK_MECHANISM mgm = { CKM_KUZNYECHIK_MGM, &g, sizeof g };
	CK_ULONG n, n2;
	size_t i;

	ok(hz != CK_INVALID_HANDLE && ha != CK_INVALID_HANDLE && hb != CK_INVALID_HANDLE &&
	   haes != CK_INVALID_HANDLE, "keys for the rules");

	/* key types */
	is_rv(f->C_EncryptInit(s, &ecb, hmg), CKR_KEY_TYPE_INCONSISTENT,
	      "Kuznyechik ECB with a Magma key");
	is_rv(f->C_EncryptInit(s, &mecb, haes), CKR_KEY_TYPE_INCONSISTENT,
	      "Magma ECB with an AES key");
	is_rv(f->C_EncryptInit(s, &ecb89, hkz), CKR_KEY_TYPE_INCONSISTENT,
	      "GOST 28147 ECB with a Kuznyechik key");
	is_rv(f->C_SignInit(s, &kmac, hmg), CKR_KEY_TYPE_INCONSISTENT,
	      "the Kuznyechik MAC with a Magma key");
	/* S-box sets */
	is_rv(f->C_EncryptInit(s, &ecb89, ha), CKR_KEY_TYPE_INCONSISTENT,
	      "GOST 28147 ECB with CryptoPro-A S-boxes (the host's ECB has TC26-Z only)");
	is_rv(f->C_EncryptInit(s, &cnt, hb), CKR_KEY_TYPE_INCONSISTENT,
	      "GOST 28147 counter mode with CryptoPro-B S-boxes (not on this host)");
	is_rv(f->C_SignInit(s, &m89, hb), CKR_KEY_TYPE_INCONSISTENT,
	      "the GOST 28147 MAC with CryptoPro-B S-boxes");
	is_rv(f->C_EncryptInit(s, &cnt, ha), CKR_OK, "GOST 28147 counter mode with CryptoPro-A");
	n = sizeof out;
	is_rv(f->C_Encrypt(s, buf, 13, out, &n), CKR_OK, "any length");
	ok(n == 13, "as long as the data");

	/* parameters */
	ecb.pParameter = iv8;
	ecb.ulParameterLen = 8;
	is_rv(f->C_EncryptInit(s, &ecb, hkz), CKR_MECHANISM_PARAM_INVALID, "ECB with a parameter");
	ecb = (CK_MECHANISM){ CKM_KUZNYECHIK_ECB, NULL, 0 };
	cnt.ulParameterLen = 7;
	is_rv(f->C_EncryptInit(s, &cnt, hz), CKR_MECHANISM_PARAM_INVALID,
	      "GOST 28147 with a 7-byte IV");
	cnt.pParameter = NULL;
	cnt.ulParameterLen = 0;
	is_rv(f->C_EncryptInit(s, &cnt, hz), CKR_MECHANISM_PARAM_INVALID, "GOST 28147 without IV");
	m89.pParameter = iv8;
	m89.ulParameterLen = 4;
	is_rv(f->C_SignInit(s, &m89, hz), CKR_MECHANISM_PARAM_INVALID,
	      "the GOST 28147 MAC with a 4-byte IV");
	memset(p, 0, sizeof p);
	ctr.ulParameterLen = 8;
	is_rv(f->C_EncryptInit(s, &ctr, hkz), CKR_MECHANISM_PARAM_INVALID,
	      "Kuznyechik CTR-ACPKM with Magma's 8-byte parameter");
	ctr.ulParameterLen = 12;
	p[3] = 64;
	is_rv(f->C_EncryptInit(s, &ctr, hkz), CKR_MECHANISM_PARAM_INVALID,
	      "Kuznyechik CTR-ACPKM with a section of 64 bits (not whole blocks)");
	p[3] = 0;
	p[2] = 1;
	is_rv(f->C_EncryptInit(s, &ctr, hkz), CKR_OK, "a section of 256 bits is taken");
	n = sizeof out;
	is_rv(f->C_Encrypt(s, buf, 5, out, &n), CKR_OK, "and encrypts");
	is_rv(f->C_SignInit(s, &kmac, hkz), CKR_OK, "the Kuznyechik MAC");
	n = sizeof mac;
	is_rv(f->C_Sign(s, buf, 16, mac, &n), CKR_OK, "signs");
	kmac.pParameter = iv8;
	kmac.ulParameterLen = 8;
	is_rv(f->C_SignInit(s, &kmac, hkz), CKR_MECHANISM_PARAM_INVALID,
	      "the Kuznyechik MAC takes no parameter");
	kmac = (CK_MECHANISM){ CKM_KUZNYECHIK_MAC, NULL, 0 };
	g.ulIvLen = 8;
	is_rv(f->C_EncryptInit(s, &mgm, hkz), CKR_MECHANISM_PARAM_INVALID,
	      "Kuznyechik MGM with an 8-byte nonce");
	g.ulIvLen = 16;
	nonce[0] = 0x80;
	is_rv(f->C_EncryptInit(s, &mgm, hkz), CKR_MECHANISM_PARAM_INVALID,
	      "MGM with the nonce's top bit set (RFC 9058 3.1)");
	nonce[0] = 0;
	g.ulTagBits = 24;
	is_rv(f->C_EncryptInit(s, &mgm, hkz), CKR_MECHANISM_PARAM_INVALID, "MGM with a 24-bit tag");
	g.ulTagBits = 136;
	is_rv(f->C_EncryptInit(s, &mgm, hkz), CKR_MECHANISM_PARAM_INVALID,
	      "MGM with a tag longer than the block");
	g.ulTagBits = 100;
	is_rv(f->C_EncryptInit(s, &mgm, hkz), CKR_MECHANISM_PARAM_INVALID,
	      "MGM with a tag of 100 bits (not whole bytes)");
	g.ulTagBits = 128;
	mgm.ulParameterLen = sizeof g - 1;
	is_rv(f->C_EncryptInit(s, &mgm, hkz), CKR_MECHANISM_PARAM_INVALID,
	      "MGM with a parameter of the wrong size");
	mgm.ulParameterLen = sizeof g;

	/* ECB lengths */
	is_rv(f->C_EncryptInit(s, &ecb, hkz), CKR_OK, "Kuznyechik ECB");
	n = sizeof out;
	is_rv(f->C_Encrypt(s, buf, 17, out, &n), CKR_DATA_LEN_RANGE, "17 bytes");
	is_rv(f->C_DecryptInit(s, &mecb, hmg), CKR_OK, "Magma ECB decryption");
	n = sizeof out;
	is_rv(f->C_Decrypt(s, buf, 12, out, &n), CKR_ENCRYPTED_DATA_LEN_RANGE, "12 bytes");
	is_rv(f->C_EncryptInit(s, &ecb89, hz), CKR_OK, "GOST 28147 ECB");
	n = 0;
	is_rv(f->C_EncryptUpdate(s, buf, 5, NULL, &n), CKR_OK, "5 bytes: the size");
	ok(n == 0, "nothing yet");
	n = sizeof out;
	is_rv(f->C_EncryptUpdate(s, buf, 5, out, &n), CKR_OK, "5 bytes kept");
	n = 0;
	is_rv(f->C_EncryptUpdate(s, buf, 11, NULL, &n), CKR_OK, "11 more: the size");
	ok(n == 16, "two blocks");
	n = 8;
	is_rv(f->C_EncryptUpdate(s, buf, 11, out, &n), CKR_BUFFER_TOO_SMALL, "in 8 bytes of room");
	ok(n == 16, "says 16");
	n = sizeof out;
	is_rv(f->C_EncryptUpdate(s, buf, 11, out, &n), CKR_OK, "given room, the operation went on");
	ok(n == 16, "two blocks out");
	n = sizeof out;
	is_rv(f->C_EncryptUpdate(s, buf, 3, out, &n), CKR_OK, "3 more");
	n = sizeof out;
	is_rv(f->C_EncryptFinal(s, out, &n), CKR_DATA_LEN_RANGE, "Final with 3 bytes left");
	n = sizeof out;
	is_rv(f->C_EncryptUpdate(s, buf, 8, out, &n), CKR_OPERATION_NOT_INITIALIZED,
	      "the error ended the operation");

	/* MGM: size queries, a short buffer, the tag at Final, a changed tag */
	for (i = 0; i < sizeof buf; i++)
		buf[i] = (uint8_t)i;
	is_rv(f->C_EncryptInit(s, &mgm, hkz), CKR_OK, "Kuznyechik MGM");
	n = 0;
	is_rv(f->C_Encrypt(s, buf, 40, NULL, &n), CKR_OK, "the size of C_Encrypt");
	ok(n == 56, "40 bytes and a 16-byte tag");
	n = 10;
	is_rv(f->C_Encrypt(s, buf, 40, ct, &n), CKR_BUFFER_TOO_SMALL, "10 bytes of room");
	ok(n == 56, "says 56");
	n = sizeof ct;
	is_rv(f->C_Encrypt(s, buf, 40, ct, &n), CKR_OK, "then the ciphertext");
	is_rv(f->C_DecryptInit(s, &mgm, hkz), CKR_OK, "MGM decryption, in parts");
	n = sizeof out;
	is_rv(f->C_DecryptUpdate(s, ct, 30, out, &n), CKR_OK, "30 bytes");
	ok(n == 0, "no plaintext before the tag is checked");
	n = sizeof out;
	is_rv(f->C_DecryptUpdate(s, ct + 30, 26, out, &n), CKR_OK, "the rest");
	n2 = 0;
	is_rv(f->C_DecryptFinal(s, NULL, &n2), CKR_OK, "the size of Final");
	ok(n2 == 40, "40 bytes");
	n2 = 39;
	is_rv(f->C_DecryptFinal(s, out, &n2), CKR_BUFFER_TOO_SMALL, "39 bytes of room");
	n2 = sizeof out;
	is_rv(f->C_DecryptFinal(s, out, &n2), CKR_OK, "then the plaintext");
	ok(n2 == 40 && memcmp(out, buf, 40) == 0, "the data again");
	ct[55] ^= 1;
	is_rv(f->C_DecryptInit(s, &mgm, hkz), CKR_OK, "a changed tag");
	n = sizeof out;
	is_rv(f->C_Decrypt(s, ct, 56, out, &n), CKR_ENCRYPTED_DATA_INVALID,
	      "C_Decrypt: CKR_ENCRYPTED_DATA_INVALID");
	ct[55] ^= 1;
	ct[3] ^= 1;
	is_rv(f->C_DecryptInit(s, &mgm, hkz), CKR_OK, "a changed ciphertext");
	n = sizeof out;
	is_rv(f->C_Decrypt(s, ct, 56, out, &n), CKR_ENCRYPTED_DATA_INVALID, "fails its tag too");
	is_rv(f->C_DecryptInit(s, &mgm, hkz), CKR_OK, "shorter than a tag");
	n = sizeof out;
	is_rv(f->C_Decrypt(s, ct, 15, out, &n), CKR_ENCRYPTED_DATA_LEN_RANGE, "15 bytes");

	/* MAC verification */
	is_rv(f->C_SignInit(s, &kmac, hkz), CKR_OK, "a Kuznyechik MAC");
	n = sizeof mac;
	is_rv(f->C_Sign(s, buf, 20, mac, &n), CKR_OK, "of 20 bytes");
	mac[0] ^= 1;
	is_rv(f->C_VerifyInit(s, &kmac, hkz), CKR_OK, "verify");
	is_rv(f->C_Verify(s, buf, 20, mac, 8), CKR_SIGNATURE_INVALID, "a changed MAC");
	mac[0] ^= 1;
	is_rv(f->C_VerifyInit(s, &kmac, hkz), CKR_OK, "verify");
	is_rv(f->C_Verify(s, buf, 20, mac, 7), CKR_SIGNATURE_LEN_RANGE, "a short MAC");
	/* the GOST 28147 MAC: 4 bytes; an IV of zeros is no IV, another IV changes it */
	m89 = (CK_MECHANISM){ CKM_GOST28147_MAC, NULL, 0 };
	n = mac_of(&m89, ha, buf, 20, mac);
	ok(n == 4, "the GOST 28147 MAC is 4 bytes");
	m89.pParameter = iv8;
	m89.ulParameterLen = 8;
	ok(mac_of(&m89, ha, buf, 20, out) == 4 && memcmp(out, mac, 4) == 0,
	   "an IV of zeros gives the MAC without IV");
	iv8[0] = 1;
	ok(mac_of(&m89, ha, buf, 20, out) == 4 && memcmp(out, mac, 4) != 0,
	   "another IV gives another MAC");
}

/* OpenSC's pkcs11-tool, another process, reads the mechanism information: the standard
 * GOST 28147 mechanisms by name (OpenSC 0.23 knows them), the TC26 ones by number; the
 * message-based flags it has no names for as "other flags" (0x38: CKF_MESSAGE_SIGN,
 * _VERIFY, CKF_MULTI_MESSAGE; 0x26: CKF_MESSAGE_ENCRYPT, _DECRYPT, CKF_MULTI_MESSAGE). */
static void listed_by_pkcs11_tool(void)
{
	static const char *const want[] = {
		"GOST28147-ECB, keySize={32,32}, encrypt, decrypt",
		"GOST28147, keySize={32,32}, encrypt, decrypt",
		"GOST28147-MAC, keySize={32,32}, sign, verify, other flags=0x38",
		"mechtype-0xD4321031, keySize={32,32}, encrypt, decrypt",
		"mechtype-0xD4321032, keySize={32,32}, encrypt, decrypt",
		"mechtype-0xD4321033, keySize={32,32}, sign, verify, other flags=0x38",
		"mechtype-0xD4321035, keySize={32,32}, encrypt, decrypt",
		"mechtype-0xD4321036, keySize={32,32}, encrypt, decrypt",
		"mechtype-0xD4321037, keySize={32,32}, sign, verify, other flags=0x38",
		"mechtype-0xD432102D, keySize={32,32}, encrypt, decrypt, other flags=0x26",
		"mechtype-0xD432102E, keySize={32,32}, encrypt, decrypt, other flags=0x26",
	};
	char cmd[1024], line[256], mod[512], *hw;
	int seen[sizeof want / sizeof want[0]] = { 0 };
	size_t i, all = 1;
	FILE *p;

	if (access("/usr/bin/pkcs11-tool", X_OK) != 0) {
		ok(0, "pkcs11-tool is there (Debian package opensc, tools/ensure-deps test)");
		return;
	}
	snprintf(cmd, sizeof cmd, "timeout 60 pkcs11-tool --module '%s' --slot-index 0 "
		 "--list-mechanisms 2>&1", build_path(mod, sizeof mod, "scriptoki-pkcs11.so"));
	p = popen(cmd, "r");
	while (p != NULL && fgets(line, sizeof line, p) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		/* ", hw": the token computes it too, with its own keys (t5420): not this test's */
		if ((hw = strstr(line, ", hw,")) != NULL)
			memmove(hw, hw + 4, strlen(hw + 4) + 1);
		for (i = 0; i < sizeof want / sizeof want[0]; i++)
			if (strcmp(line + strspn(line, " "), want[i]) == 0)
				seen[i] = 1;
	}
	ok(p != NULL && pclose(p) == 0, "pkcs11-tool --list-mechanisms ran");
	for (i = 0; i < sizeof want / sizeof want[0]; i++)
		if (!seen[i]) {
			diag("not listed: %s", want[i]);
			all = 0;
		}
	ok(all, "pkcs11-tool lists the GOST ciphers and MACs with 32-byte keys and their "
	   "operations");
}

int main(int argc, char **argv)
{
	CK_SLOT_ID slot = 0;

	(void)argc;
	api_rig(argv, 1);
	if (system("openssl list -provider gostprov -cipher-algorithms >/dev/null 2>&1") != 0 ||
	    system("openssl engine gost >/dev/null 2>&1") != 0)
		api_need_fail("libengine-gost-openssl", "the gost provider and engine");
	api_temp_dir(dir);
	srand((unsigned)time(NULL) ^ (unsigned)getpid());
	f = api_module();
	api_start(f, NULL, CKF_SERIAL_SESSION, "a session", &slot, &s);

	known_answers();
	mgm_answers();
	gost89_answers();
	cross_checks();
	rules();
	listed_by_pkcs11_tool();

	is_rv(f->C_CloseSession(s), CKR_OK, "close the session");
	is_rv(f->C_Finalize(NULL), CKR_OK, "C_Finalize");
	api_remove_dir(dir);
	return done_testing();
}
