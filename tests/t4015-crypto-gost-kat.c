/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t4015 — Kuznyechik and Magma on the host against the examples of the standards
 * themselves: GOST R 34.12-2015 appendix A (one block each), GOST R 34.13-2015 appendix A
 * (ECB, CTR, MAC), R 1323565.1.017-2018 (CTR-ACPKM, KExp15), RFC 9058 appendix A (MGM);
 * one-shot and in every chunking; and every bad parameter refused with its CKR_*.
 */
#include "crypto.h"
#include "crypto_sym_gost.h"
#include "crypto/crypto_test.h"

/* The key of GOST R 34.12-2015 A.1 and GOST R 34.13-2015 A.1 (Kuznyechik). */
static const char *kz_key = "8899aabbccddeeff0011223344556677fedcba98765432100123456789abcdef";
/* The key of GOST R 34.12-2015 A.2 and GOST R 34.13-2015 A.2 (Magma). */
static const char *mg_key = "ffeeddccbbaa99887766554433221100f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff";

/* GOST R 34.13-2015 A.1: plaintext P1..P4 (P1 is GOST R 34.12-2015 A.1's a). */
static const char *kz_p = "1122334455667700ffeeddccbbaa9988"
			  "00112233445566778899aabbcceeff0a"
			  "112233445566778899aabbcceeff0a00"
			  "2233445566778899aabbcceeff0a0011";
/* A.1.1 ECB (C1 is GOST R 34.12-2015 A.1's b) */
static const char *kz_ecb = "7f679d90bebc24305a468d42b9d4edcd"
			    "b429912c6e0032f9285452d76718d08b"
			    "f0ca33549d247ceef3f5a5313bd4b157"
			    "d0b09ccde830b9eb3a02c4c5aa8ada98";
/* A.1.2 CTR, IV = 1234567890abcef0 */
static const char *kz_ctr = "f195d8bec10ed1dbd57b5fa240bda1b8"
			    "85eee733f6a13e5df33ce4b33c45dee4"
			    "a5eae88be6356ed3d5e877f13564a3a5"
			    "cb91fab1f20cbab6d1c6d15820bdba73";
/* A.1.6 MAC, s = 64 */
static const char *kz_mac = "336f4d296059fbe3";

/* GOST R 34.13-2015 A.2: plaintext P1..P4; A.2.1 ECB. */
static const char *mg_p = "92def06b3c130a59db54c704f8189d204a98fb2e67a8024c8912409b17b57e41";
static const char *mg_ecb = "2b073f0494f372a0de70e715d3556e4811d8d9e9eacfbc1e7c68260996c67efb";
/* A.2.2 CTR, IV = 12345678 */
static const char *mg_ctr = "4e98110c97b7b93c3e250d93d6e85d69136d868807b2dbef568eb680ab52a12d";
/* A.2.6 MAC, s = 32 (the whole block: 154e72102030c5bb) */
static const char *mg_mac = "154e72102030c5bb";

static uint8_t b1[512], b2[512], b3[512], key[32];

/* Hex into out; spaces in the hex (kept where the documents break lines) are ignored. */
static size_t hx(const char *hex, uint8_t *out)
{
	char clean[1100];
	size_t i, j = 0;
	int n;

	for (i = 0; hex[i] != '\0' && j + 1 < sizeof clean; i++)
		if (hex[i] != ' ')
			clean[j++] = hex[i];
	clean[j] = '\0';
	n = ct_unhex(clean, out, 512);

	if (n < 0) {
		printf("Bail out! bad hex in the test\n");
		exit(255);
	}
	return (size_t)n;
}

static int eq(const uint8_t *p, const char *hex)
{
	uint8_t want[512];
	size_t n = hx(hex, want);

	return memcmp(p, want, n) == 0;
}

static void block_tests(void)
{
	struct crypto_gost_blk *b = NULL;

	/* GOST R 34.12-2015 A.1: Kuznyechik */
	hx(kz_key, key);
	is_rv(crypto_gost_blk_new(CRYPTO_KUZNYECHIK, key, 32, &b), CKR_OK, "Kuznyechik: key");
	hx("1122334455667700ffeeddccbbaa9988", b1);
	is_rv(crypto_gost_ecb(b, 1, b1, 16, b2), CKR_OK, "Kuznyechik: encrypt a block");
	ok(eq(b2, "7f679d90bebc24305a468d42b9d4edcd"), "GOST R 34.12-2015 A.1: encryption");
	is_rv(crypto_gost_ecb(b, 0, b2, 16, b2), CKR_OK, "Kuznyechik: decrypt in place");
	ok(eq(b2, "1122334455667700ffeeddccbbaa9988"), "GOST R 34.12-2015 A.1: decryption");
	is_rv(crypto_gost_ecb(b, 1, b1, 15, b2), CKR_DATA_LEN_RANGE, "ECB: 15 bytes refused");
	crypto_gost_blk_free(b);

	/* GOST R 34.12-2015 A.2: Magma */
	hx(mg_key, key);
	is_rv(crypto_gost_blk_new(CRYPTO_MAGMA, key, 32, &b), CKR_OK, "Magma: key");
	hx("fedcba9876543210", b1);
	is_rv(crypto_gost_ecb(b, 1, b1, 8, b2), CKR_OK, "Magma: encrypt a block");
	ok(eq(b2, "4ee901e5c2d8ca3d"), "GOST R 34.12-2015 A.2: encryption");
	is_rv(crypto_gost_ecb(b, 0, b2, 8, b2), CKR_OK, "Magma: decrypt in place");
	ok(eq(b2, "fedcba9876543210"), "GOST R 34.12-2015 A.2: decryption");
	is_rv(crypto_gost_ecb(b, 0, b2, 12, b2), CKR_DATA_LEN_RANGE, "ECB: 12 bytes refused");
	crypto_gost_blk_free(b);

	is_rv(crypto_gost_blk_new(CRYPTO_MAGMA, key, 31, &b), CKR_KEY_SIZE_RANGE,
	      "a 31-byte key is refused");
	ok(b == NULL, "and no context is made");
}

static void ecb_tests(enum crypto_gost_alg alg, const char *k, const char *p, const char *c,
		      const char *name)
{
	struct crypto_gost_blk *b = NULL;
	size_t n = hx(p, b1), bl = crypto_gost_block_len(alg), i;

	hx(k, key);
	is_rv(crypto_gost_blk_new(alg, key, 32, &b), CKR_OK, "%s: key", name);
	is_rv(crypto_gost_ecb(b, 1, b1, n, b2), CKR_OK, "%s ECB: encrypt", name);
	ok(eq(b2, c), "%s ECB: GOST R 34.13-2015 A.%c.1", name, alg == CRYPTO_MAGMA ? '2' : '1');
	/* block by block, in place: the Magma chaining trick must carry over calls */
	memcpy(b3, b2, n);
	for (i = 0; i < n; i += bl)
		crypto_gost_ecb(b, 0, b3 + i, bl, b3 + i);
	ok(memcmp(b3, b1, n) == 0, "%s ECB: decrypted block by block", name);
	for (i = 0; i < n; i += bl)
		crypto_gost_ecb(b, 1, b1 + i, bl, b3 + i);
	ok(memcmp(b3, b2, n) == 0, "%s ECB: encrypted block by block", name);
	crypto_gost_blk_free(b);
}

static void ctr_tests(enum crypto_gost_alg alg, const char *k, const char *iv_hex,
		      const char *p, const char *c, const char *name)
{
	struct crypto_gost_ctr *x = NULL;
	uint8_t iv[16];
	size_t n = hx(p, b1), ivl = hx(iv_hex, iv), chunk, i;
	int all = 1;

	hx(k, key);
	is_rv(crypto_gost_ctr(alg, key, 32, iv, ivl, 0, b1, n, b2), CKR_OK, "%s CTR", name);
	ok(eq(b2, c), "%s CTR: GOST R 34.13-2015 A.%c.2", name, alg == CRYPTO_MAGMA ? '2' : '1');
	/* every chunk size gives the same stream */
	for (chunk = 1; chunk <= n; chunk++) {
		if (crypto_gost_ctr_new(alg, key, 32, iv, ivl, 0, &x) != CKR_OK) {
			all = 0;
			break;
		}
		for (i = 0; i < n; i += chunk)
			crypto_gost_ctr_update(x, b2 + i, i + chunk > n ? n - i : chunk, b3 + i);
		crypto_gost_ctr_free(x);
		if (memcmp(b3, b1, n) != 0)
			all = 0;
	}
	ok(all, "%s CTR: decryption in chunks of 1..%zu bytes", name, n);
	is_rv(crypto_gost_ctr(alg, key, 32, iv, ivl - 1, 0, b1, n, b2),
	      CKR_MECHANISM_PARAM_INVALID, "%s CTR: a short IV is refused", name);
	is_rv(crypto_gost_ctr(alg, key, 32, iv, ivl, 5, b1, n, b2), CKR_MECHANISM_PARAM_INVALID,
	      "%s CTR-ACPKM: a section that is not whole blocks is refused", name);
	is_rv(crypto_gost_ctr(alg, key, 16, iv, ivl, 0, b1, n, b2), CKR_KEY_SIZE_RANGE,
	      "%s CTR: a 16-byte key is refused", name);
}

static void mac_tests(enum crypto_gost_alg alg, const char *k, const char *p, const char *m,
		      const char *name)
{
	struct crypto_gost_mac *x = NULL;
	size_t n = hx(p, b1), bl = crypto_gost_block_len(alg), chunk, i;
	uint8_t mac[16];
	int all = 1;

	hx(k, key);
	is_rv(crypto_gost_mac(alg, key, 32, b1, n, mac, bl), CKR_OK, "%s MAC", name);
	ok(eq(mac, m), "%s MAC: GOST R 34.13-2015 A.%c.6", name, alg == CRYPTO_MAGMA ? '2' : '1');
	for (chunk = 1; chunk <= n; chunk++) {
		memset(mac, 0, sizeof mac);
		if (crypto_gost_mac_new(alg, key, 32, &x) != CKR_OK) {
			all = 0;
			break;
		}
		for (i = 0; i < n; i += chunk)
			crypto_gost_mac_update(x, b1 + i, i + chunk > n ? n - i : chunk);
		crypto_gost_mac_final(x, mac, bl / 2);
		crypto_gost_mac_free(x);
		hx(m, b3);
		if (memcmp(mac, b3, bl / 2) != 0 || mac[bl / 2] != 0)
			all = 0;
	}
	ok(all, "%s MAC: s = n/2 in chunks of 1..%zu bytes", name, n);
	is_rv(crypto_gost_mac(alg, key, 32, b1, n, mac, bl + 1), CKR_MECHANISM_PARAM_INVALID,
	      "%s MAC: longer than a block is refused", name);
	is_rv(crypto_gost_mac(alg, key, 32, b1, n, mac, 0), CKR_MECHANISM_PARAM_INVALID,
	      "%s MAC: length 0 is refused", name);
	/* a change anywhere changes the MAC */
	b1[n - 1] ^= 1;
	crypto_gost_mac(alg, key, 32, b1, n, mac, bl);
	ok(!eq(mac, m), "%s MAC: one bit of the data changes it", name);
	/* the partial-block path (K2): a block and a half vs. the same padded by hand */
	crypto_gost_mac(alg, key, 32, b1, bl + 3, mac, bl);
	crypto_gost_mac(alg, key, 32, b1, bl + 4, b3, bl);
	ok(memcmp(mac, b3, bl) != 0, "%s MAC: the lengths bl+3 and bl+4 differ", name);
}

static void acpkm_tests(void)
{
	/* R 1323565.1.017-2018 appendix A (Kuznyechik, CTR-ACPKM, N = 256 bits): the plaintext of
	 * GOST R 34.13-2015 A.1 and three more blocks, IV = 1234567890abcef0 */
	static const char *p =
		"1122334455667700ffeeddccbbaa998800112233445566778899aabbcceeff0a"
		"112233445566778899aabbcceeff0a002233445566778899aabbcceeff0a0011"
		"33445566778899aabbcceeff0a0011224455667788 99aabbcceeff0a00112233"
		"5566778899aabbcceeff0a0011223344";
	static const char *c =
		"f195d8bec10ed1dbd57b5fa240bda1b885eee733f6a13e5df33ce4b33c45dee4"
		"4bceeb8f646f4c55001706275e85e800587c4df568d094393e4834afd0805046"
		"cf30f57686aeece11cfc6c316b8a896edffd07ec813636460c4f3b743423163e"
		"6409a9c282fac8d469d221e7fbd6de5d";
	uint8_t iv[8];
	struct crypto_gost_ctr *x = NULL;
	size_t n = hx(p, b1), i;

	hx(kz_key, key);
	hx("1234567890abcef0", iv);
	is_rv(crypto_gost_ctr(CRYPTO_KUZNYECHIK, key, 32, iv, 8, 32, b1, n, b2), CKR_OK,
	      "Kuznyechik CTR-ACPKM, N = 256 bits");
	ok(n == 112 && eq(b2, c), "R 1323565.1.017-2018 appendix A: CTR-ACPKM example");
	/* in odd chunks across the section boundaries */
	is_rv(crypto_gost_ctr_new(CRYPTO_KUZNYECHIK, key, 32, iv, 8, 32, &x), CKR_OK,
	      "CTR-ACPKM context");
	for (i = 0; i < n; i += 7)
		crypto_gost_ctr_update(x, b2 + i, i + 7 > n ? n - i : 7, b3 + i);
	crypto_gost_ctr_free(x);
	ok(memcmp(b3, b1, n) == 0, "CTR-ACPKM: decrypted in chunks of 7 bytes");
	/* the first section is plain CTR */
	crypto_gost_ctr(CRYPTO_KUZNYECHIK, key, 32, iv, 8, 0, b1, n, b3);
	ok(memcmp(b3, b2, 32) == 0 && memcmp(b3 + 32, b2 + 32, 16) != 0,
	   "CTR-ACPKM: the first section equals CTR, the second does not");
}

static void mgm_case(enum crypto_gost_alg alg, const char *k, const char *nonce_hex,
		     const char *a, const char *p, const char *c, const char *t,
		     const char *name)
{
	uint8_t nonce[16], aad[64], tag[16];
	size_t nl = hx(nonce_hex, nonce), al = hx(a, aad), n = hx(p, b1), tl = hx(t, tag);
	struct crypto_gost_mgm *g = NULL;
	uint8_t out_tag[16];
	size_t i;

	hx(k, key);
	/* one call each */
	is_rv(crypto_gost_mgm_new(alg, 1, key, 32, nonce, nl, tl, &g), CKR_OK, "%s MGM", name);
	crypto_gost_mgm_aad(g, aad, al);
	crypto_gost_mgm_update(g, b1, n, b2);
	is_rv(crypto_gost_mgm_final(g, out_tag), CKR_OK, "%s MGM: final", name);
	crypto_gost_mgm_free(g);
	ok(eq(b2, c), "%s MGM: RFC 9058 ciphertext", name);
	ok(memcmp(out_tag, tag, tl) == 0, "%s MGM: RFC 9058 tag", name);

	/* byte by byte, decrypting */
	crypto_gost_mgm_new(alg, 0, key, 32, nonce, nl, tl, &g);
	for (i = 0; i < al; i++)
		crypto_gost_mgm_aad(g, aad + i, 1);
	for (i = 0; i < n; i++)
		crypto_gost_mgm_update(g, b2 + i, 1, b3 + i);
	is_rv(crypto_gost_mgm_final(g, tag), CKR_OK, "%s MGM: byte-wise decryption verifies",
	      name);
	crypto_gost_mgm_free(g);
	ok(memcmp(b3, b1, n) == 0, "%s MGM: and gives the plaintext", name);

	/* damage: the ciphertext, the AAD, the tag */
	b2[n / 2] ^= 0x10;
	crypto_gost_mgm_new(alg, 0, key, 32, nonce, nl, tl, &g);
	crypto_gost_mgm_aad(g, aad, al);
	crypto_gost_mgm_update(g, b2, n, b3);
	is_rv(crypto_gost_mgm_final(g, tag), CKR_ENCRYPTED_DATA_INVALID,
	      "%s MGM: a changed ciphertext fails the tag", name);
	crypto_gost_mgm_free(g);
	b2[n / 2] ^= 0x10;
	aad[0] ^= 1;
	crypto_gost_mgm_new(alg, 0, key, 32, nonce, nl, tl, &g);
	crypto_gost_mgm_aad(g, aad, al);
	crypto_gost_mgm_update(g, b2, n, b3);
	is_rv(crypto_gost_mgm_final(g, tag), CKR_ENCRYPTED_DATA_INVALID,
	      "%s MGM: changed associated data fails the tag", name);
	crypto_gost_mgm_free(g);
	aad[0] ^= 1;
	tag[tl - 1] ^= 0x80;
	crypto_gost_mgm_new(alg, 0, key, 32, nonce, nl, tl, &g);
	crypto_gost_mgm_aad(g, aad, al);
	crypto_gost_mgm_update(g, b2, n, b3);
	is_rv(crypto_gost_mgm_final(g, tag), CKR_ENCRYPTED_DATA_INVALID,
	      "%s MGM: a changed tag fails", name);
	is_rv(crypto_gost_mgm_final(g, tag), CKR_DATA_LEN_RANGE, "%s MGM: final twice", name);
	crypto_gost_mgm_free(g);
	tag[tl - 1] ^= 0x80;

	/* a truncated tag (S = 32 bits) is the tag's prefix */
	crypto_gost_mgm_new(alg, 1, key, 32, nonce, nl, 4, &g);
	crypto_gost_mgm_aad(g, aad, al);
	crypto_gost_mgm_update(g, b1, n, b3);
	memset(out_tag, 0, sizeof out_tag);
	is_rv(crypto_gost_mgm_final(g, out_tag), CKR_OK, "%s MGM: S = 32", name);
	ok(memcmp(out_tag, tag, 4) == 0 && out_tag[4] == 0, "%s MGM: a 4-byte tag is MSB_32",
	   name);
	crypto_gost_mgm_free(g);

	/* AAD after data */
	crypto_gost_mgm_new(alg, 1, key, 32, nonce, nl, tl, &g);
	crypto_gost_mgm_update(g, b1, 3, b3);
	is_rv(crypto_gost_mgm_aad(g, aad, 1), CKR_DATA_LEN_RANGE,
	      "%s MGM: associated data after data is refused", name);
	crypto_gost_mgm_free(g);

	/* parameters */
	g = NULL;
	is_rv(crypto_gost_mgm_new(alg, 1, key, 32, nonce, nl, 3, &g),
	      CKR_MECHANISM_PARAM_INVALID, "%s MGM: a 3-byte tag is refused", name);
	is_rv(crypto_gost_mgm_new(alg, 1, key, 32, nonce, nl, nl + 1, &g),
	      CKR_MECHANISM_PARAM_INVALID, "%s MGM: a tag longer than a block is refused", name);
	is_rv(crypto_gost_mgm_new(alg, 1, key, 32, nonce, nl - 1, tl, &g),
	      CKR_MECHANISM_PARAM_INVALID, "%s MGM: a short nonce is refused", name);
	nonce[0] |= 0x80;
	is_rv(crypto_gost_mgm_new(alg, 1, key, 32, nonce, nl, tl, &g),
	      CKR_MECHANISM_PARAM_INVALID, "%s MGM: a nonce with its top bit set is refused",
	      name);
	ok(g == NULL, "%s MGM: no context from bad parameters", name);
}

static void mgm_tests(void)
{
	/* RFC 9058 A.1 (Kuznyechik): K, nonce, A (41 bytes), P (67 bytes), C, T */
	mgm_case(CRYPTO_KUZNYECHIK, kz_key, "1122334455667700ffeeddccbbaa9988",
		 "0202020202020202010101010101010104040404040404040303030303030303"
		 "ea05050505050505""05",
		 "1122334455667700ffeeddccbbaa998800112233445566778899aabbcceeff0a"
		 "112233445566778899aabbcceeff0a002233445566778899aabbcceeff0a0011"
		 "aabbcc",
		 "a9757b8147956e9055b8a33de89f42fc8075d2212bf9fd5bd3f7069aadc16b39"
		 "497ab15915a6ba85936b5d0ea9f6851cc60c14d4d3f883d0ab94420695c76deb"
		 "2c7552",
		 "cf5d656f40c34f5c46e8bb0e29fcdb4c", "Kuznyechik");
	/* RFC 9058 A.2 (Magma) */
	mgm_case(CRYPTO_MAGMA, mg_key, "12def06b3c130a59",
		 "0101010101010101020202020202020203030303030303030404040404040404"
		 "05050505050505""05ea",
		 "ffeeddccbbaa998811223344556677008899aabbcceeff0a0011223344556677"
		 "99aabbcceeff0a00112233445566778 8aabbcceeff0a001122334455667788 99"
		 "aabbcc",
		 "c795066c5f9ea03b85113342459185ae1f2e00d6bf2b785d940470b8bb9c8e7d"
		 "9a5dd3731f7ddc70ec27cb0ace6fa57670f65c646abb75d547aa37c3bcb5c34e"
		 "03bb9c",
		 "a7928069aa10fd10", "Magma");
}

static void kexp_tests(void)
{
	/* R 1323565.1.017-2018 appendix A (Magma): the key K = 8899..cdef is exported under
	 * K_enc and K_mac with IV = 67bed654 (the example of KExp15 with Magma) */
	uint8_t kenc[32], kmac[32], iv[8], out[96], back[64];
	size_t n = 0, m = 0;

	hx(kz_key, key);
	hx("202122232425262728292a2b2c2d2e2f38393a3b3c3d3e3f3031323334353637", kenc);
	hx("08090a0b0c0d0e0f0001020304050607101112131415161718191a1b1c1d1e1f", kmac);
	hx("67bed654", iv);
	is_rv(crypto_kexp15(CRYPTO_MAGMA, kenc, kmac, iv, 4, key, 32, out, &n), CKR_OK,
	      "KExp15 Magma");
	ok(n == 40 && eq(out, "cfd5a12d5b81b6e1e99c916d07900c6ac12703fb3abded55"
			      "567bf3742c899c755dafe7b42e3a8bd9"),
	   "KExp15 Magma: the example of R 1323565.1.017-2018");
	is_rv(crypto_kimp15(CRYPTO_MAGMA, kenc, kmac, iv, 4, out, n, back, &m), CKR_OK,
	      "KImp15 Magma");
	ok(m == 32 && memcmp(back, key, 32) == 0, "KImp15 Magma: gives the key back");
	out[3] ^= 1;
	is_rv(crypto_kimp15(CRYPTO_MAGMA, kenc, kmac, iv, 4, out, n, back, &m),
	      CKR_ENCRYPTED_DATA_INVALID, "KImp15: a changed export fails its MAC");
	ok(m == 0, "KImp15: no key on failure");
	out[3] ^= 1;
	out[n - 1] ^= 1;
	is_rv(crypto_kimp15(CRYPTO_MAGMA, kenc, kmac, iv, 4, out, n, back, &m),
	      CKR_ENCRYPTED_DATA_INVALID, "KImp15: a changed MAC fails");
	is_rv(crypto_kimp15(CRYPTO_MAGMA, kenc, kmac, iv, 4, out, 8, back, &m),
	      CKR_DATA_LEN_RANGE, "KImp15: no key at all is refused");
	is_rv(crypto_kimp15(CRYPTO_MAGMA, kenc, kmac, iv, 8, out, n, back, &m),
	      CKR_MECHANISM_PARAM_INVALID, "KImp15: an IV of 8 bytes for Magma is refused");
	is_rv(crypto_kexp15(CRYPTO_KUZNYECHIK, kenc, kmac, iv, 4, key, 32, out, &n),
	      CKR_MECHANISM_PARAM_INVALID, "KExp15: an IV of 4 bytes for Kuznyechik is refused");

	/* Kuznyechik: an export round trip, and the MAC really is checked */
	hx("0909472dd9f26be8", iv);
	is_rv(crypto_kexp15(CRYPTO_KUZNYECHIK, kenc, kmac, iv, 8, key, 32, out, &n), CKR_OK,
	      "KExp15 Kuznyechik");
	ok(n == 48, "KExp15 Kuznyechik: 32 + 16 bytes");
	is_rv(crypto_kimp15(CRYPTO_KUZNYECHIK, kenc, kmac, iv, 8, out, n, back, &m), CKR_OK,
	      "KImp15 Kuznyechik");
	ok(m == 32 && memcmp(back, key, 32) == 0, "KImp15 Kuznyechik: gives the key back");
	is_rv(crypto_kimp15(CRYPTO_KUZNYECHIK, kmac, kenc, iv, 8, out, n, back, &m),
	      CKR_ENCRYPTED_DATA_INVALID, "KImp15 Kuznyechik: swapped keys fail");
}

int main(void)
{
	if (!crypto_have_gost())
		skip_all("no gostprov provider");
	block_tests();
	ecb_tests(CRYPTO_KUZNYECHIK, kz_key, kz_p, kz_ecb, "Kuznyechik");
	ecb_tests(CRYPTO_MAGMA, mg_key, mg_p, mg_ecb, "Magma");
	ctr_tests(CRYPTO_KUZNYECHIK, kz_key, "1234567890abcef0", kz_p, kz_ctr, "Kuznyechik");
	ctr_tests(CRYPTO_MAGMA, mg_key, "12345678", mg_p, mg_ctr, "Magma");
	mac_tests(CRYPTO_KUZNYECHIK, kz_key, kz_p, kz_mac, "Kuznyechik");
	mac_tests(CRYPTO_MAGMA, mg_key, mg_p, mg_mac, "Magma");
	acpkm_tests();
	mgm_tests();
	kexp_tests();
	crypto_fini();
	return done_testing();
}
