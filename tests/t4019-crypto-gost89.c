/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t4019 — GOST 28147-89 on the host (computed with the gostprov provider in the module's
 * private context) against the gost ENGINE in separate `openssl` processes, for random
 * keys, IVs and lengths:
 *   ECB (TC26-Z): E(X) is the first block of CFB with IV = X over zeros (`openssl enc
 *   -gost89`, whose default S-boxes are TC26-Z, as CRYPT_PARAMS set to them shows);
 *   CNT (CryptoPro-A and TC26-Z) and CFB (TC26-Z), past the 1024-byte key meshing, fed
 *   here in random chunks: `openssl enc -gost89-cnt`, `-gost89-cnt-12`, `-gost89`;
 *   MAC: `openssl dgst -mac gost-mac` / `gost-mac-12`, 4 and 8 bytes, one-shot and in
 *   pieces.
 * The documents give no examples for GOST 28147-89 with the CryptoPro parameters (RFC 4357
 * has none); with TC26-Z it is Magma, whose example (GOST R 34.12-2015 A.2) checks ECB. Bad parameters are refused with their CKR_*.
 */
#include "crypto.h"
#include "crypto_sym_gost.h"
#include "crypto/crypto_test.h"

#include <unistd.h>

static char dir[] = "/tmp/t4019-XXXXXX";
static uint8_t in[8192], ours[8192], theirs[8192 + 64];

static size_t rnd(size_t max)
{
	uint8_t r[4];

	crypto_random(r, sizeof r);
	return ((size_t)r[0] << 24 | (size_t)r[1] << 16 | (size_t)r[2] << 8 | r[3]) % max;
}

static void ecb_tests(void)
{
	static const uint8_t zero[8];
	uint8_t key[32], x[32], e[32], back[32];
	char kh[65], ivh[17], cmd[512];
	int good = 1, t;
	size_t j;
	long tl;

	for (t = 0; t < 3; t++) {
		crypto_random(key, 32);
		crypto_random(x, 32);
		ct_hex(key, 32, kh);
		if (crypto_gost89_ecb(CRYPTO_GOST89_TC26_Z, 1, key, 32, x, 32, e) != CKR_OK ||
		    crypto_gost89_ecb(CRYPTO_GOST89_TC26_Z, 0, key, 32, e, 32, back) !=
		    CKR_OK || memcmp(back, x, 32) != 0) {
			good = 0;
			continue;
		}
		for (j = 0; j < 4; j++) {
			ct_hex(x + 8 * j, 8, ivh);
			snprintf(cmd, sizeof cmd, "CRYPT_PARAMS=id-tc26-gost-28147-param-Z openssl "
				 "enc -engine gost -gost89 -K %s -iv %s -in in.bin -out out.bin", kh,
				 ivh);
			tl = ct_filter(dir, cmd, zero, 8, theirs, sizeof theirs);
			if (tl != 8 || memcmp(theirs, e + 8 * j, 8) != 0)
				good = 0;
		}
	}
	ok(good, "ECB (TC26-Z): E(X) equals the engine's CFB gamma for IV = X, and decrypts "
	   "back");
	is_rv(crypto_gost89_ecb(CRYPTO_GOST89_TC26_Z, 1, key, 32, x, 12, e), CKR_DATA_LEN_RANGE,
	      "ECB: 12 bytes are refused");
	is_rv(crypto_gost89_ecb(CRYPTO_GOST89_CRYPTOPRO_A, 1, key, 32, x, 8, e),
	      CKR_MECHANISM_PARAM_INVALID, "ECB: the CryptoPro-A parameters are not offered");
	is_rv(crypto_gost89_ecb(CRYPTO_GOST89_TC26_Z, 1, key, 24, x, 8, e), CKR_KEY_SIZE_RANGE,
	      "ECB: a 24-byte key is refused");
	/* the environment must not change the S-boxes under us */
	setenv("CRYPT_PARAMS", "id-Gost28147-89-CryptoPro-A-ParamSet", 1);
	is_rv(crypto_gost89_ecb(CRYPTO_GOST89_TC26_Z, 1, key, 32, x, 8, e), CKR_FUNCTION_FAILED,
	      "ECB: refused while CRYPT_PARAMS names another set");
	unsetenv("CRYPT_PARAMS");
}

static void stream_tests(enum crypto_gost89_set set, int cfb, const char *name)
{
	struct crypto_gost89_stream *s = NULL;
	uint8_t key[32], iv[8];
	char kh[65], ivh[17], cmd[512];
	size_t n, i, chunk;
	int good_e = 1, good_d = 1, t;
	long tl;

	for (t = 0; t < 4; t++) {
		crypto_random(key, 32);
		crypto_random(iv, 8);
		ct_hex(key, 32, kh);
		ct_hex(iv, 8, ivh);
		n = 1 + rnd(4000);
		crypto_random(in, n);
		if (crypto_gost89_stream_new(set, cfb, 1, key, 32, iv, 8, &s) != CKR_OK) {
			good_e = good_d = 0;
			break;
		}
		for (i = 0; i < n; i += chunk) {
			chunk = 1 + rnd(900);
			if (chunk > n - i)
				chunk = n - i;
			crypto_gost89_stream_update(s, in + i, chunk, ours + i);
		}
		crypto_gost89_stream_free(s);
		s = NULL;
		snprintf(cmd, sizeof cmd, "CRYPT_PARAMS=id-tc26-gost-28147-param-Z openssl enc "
			 "-engine gost -%s -K %s -iv %s -in in.bin -out out.bin", name, kh, ivh);
		tl = ct_filter(dir, cmd, in, n, theirs, sizeof theirs);
		if (tl != (long)n || memcmp(ours, theirs, n) != 0)
			good_e = 0;
		if (crypto_gost89_stream(set, cfb, 0, key, 32, iv, 8, theirs, n, ours) != CKR_OK ||
		    memcmp(ours, in, n) != 0)
			good_d = 0;
	}
	ok(good_e, "%s: encryption in random chunks equals openssl enc -engine gost -%s",
	   name, name);
	ok(good_d, "%s: the engine's ciphertext decrypts here", name);
	is_rv(crypto_gost89_stream(set, cfb, 1, key, 32, iv, 4, in, 8, ours),
	      CKR_MECHANISM_PARAM_INVALID, "%s: a 4-byte IV is refused", name);
	is_rv(crypto_gost89_stream(set, cfb, 1, key, 31, iv, 8, in, 8, ours), CKR_KEY_SIZE_RANGE,
	      "%s: a 31-byte key is refused", name);
}

static void mac_tests(enum crypto_gost89_set set, const char *name)
{
	static const size_t fixed[] = { 1, 7, 8, 9, 16, 1500 };
	struct crypto_gost89_mac *g = NULL;
	uint8_t key[32], m[8], m2[8], iv[8] = { 0 };
	char kh[65], cmd[512];
	size_t n, i, len;
	int good = 1, good_chunks = 1, t;
	long tl;

	for (t = 0; t < 10; t++) {
		crypto_random(key, 32);
		ct_hex(key, 32, kh);
		n = t < 6 ? fixed[t] : 1 + rnd(3000);
		len = t % 2 == 0 ? 4 : 8;
		crypto_random(in, n);
		if (crypto_gost89_mac(set, key, 32, NULL, 0, in, n, m, len) != CKR_OK) {
			good = 0;
			break;
		}
		snprintf(cmd, sizeof cmd, "openssl dgst -engine gost -mac %s -macopt hexkey:%s "
			 "-macopt size:%zu -binary -out out.bin in.bin", name, kh, len);
		tl = ct_filter(dir, cmd, in, n, theirs, sizeof theirs);
		if (tl != (long)len || memcmp(m, theirs, len) != 0) {
			diag("%s: differs for %zu bytes", name, n);
			good = 0;
		}
		/* in pieces, with an all-zero IV (the same as none) */
		crypto_gost89_mac_new(set, key, 32, iv, 8, &g);
		for (i = 0; i < n; i += 3)
			crypto_gost89_mac_update(g, in + i, i + 3 > n ? n - i : 3);
		crypto_gost89_mac_final(g, m2, len);
		crypto_gost89_mac_free(g);
		g = NULL;
		if (memcmp(m, m2, len) != 0)
			good_chunks = 0;
	}
	ok(good, "%s: 4- and 8-byte MACs of 1..3000 bytes equal openssl dgst -engine gost", name);
	ok(good_chunks, "%s: the same in 3-byte pieces with a zero IV", name);
	/* an IV is the initial state: MAC_IV(M) = MAC(M ^ IV on the first block) */
	crypto_random(iv, 8);
	crypto_random(in, 40);
	crypto_gost89_mac(set, key, 32, iv, 8, in, 40, m, 8);
	for (i = 0; i < 8; i++)
		in[i] ^= iv[i];
	crypto_gost89_mac(set, key, 32, NULL, 0, in, 40, m2, 8);
	ok(memcmp(m, m2, 8) == 0, "%s: a MAC with an IV is the MAC of the first block ^ IV", name);
	is_rv(crypto_gost89_mac(set, key, 32, in, 4, in, 40, m, 4), CKR_MECHANISM_PARAM_INVALID,
	      "%s: a 4-byte IV is refused", name);
	is_rv(crypto_gost89_mac(set, key, 32, NULL, 0, in, 40, m, 9),
	      CKR_MECHANISM_PARAM_INVALID, "%s: a 9-byte MAC is refused", name);
}

static size_t hx(const char *hex, uint8_t *out, size_t cap)
{
	int n = ct_unhex(hex, out, cap);

	if (n < 0) {
		printf("Bail out! bad hex in the test\n");
		exit(255);
	}
	return (size_t)n;
}

/*
 * GOST 28147-89 with the TC26-Z S-boxes is the Magma of GOST R 34.12-2015 (RFC 7836 and
 * RFC 8891 say so), in the little-endian byte order of the gost engine and provider: each
 * 32-bit key word and the block reversed. So GOST R 34.12-2015 A.2 is a known answer.
 */
static void ecb_kat(void)
{
	uint8_t k[32], k89[32], p[8], p89[8], c[8], want[8];
	size_t i, j;

	hx("ffeeddccbbaa99887766554433221100f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff", k, sizeof k);
	hx("fedcba9876543210", p, sizeof p);
	hx("4ee901e5c2d8ca3d", want, sizeof want);
	for (i = 0; i < 8; i++)
		for (j = 0; j < 4; j++)
			k89[4 * i + j] = k[4 * i + 3 - j];
	for (i = 0; i < 8; i++)
		p89[i] = p[7 - i];
	is_rv(crypto_gost89_ecb(CRYPTO_GOST89_TC26_Z, 1, k89, 32, p89, 8, c), CKR_OK,
	      "ECB TC26-Z: the Magma example");
	for (i = 0; i < 8 && c[i] == want[7 - i]; i++)
		;
	ok(i == 8, "ECB TC26-Z: GOST R 34.12-2015 A.2 (Magma), bytes reversed");
	is_rv(crypto_gost89_ecb(CRYPTO_GOST89_TC26_Z, 0, k89, 32, c, 8, c), CKR_OK,
	      "ECB TC26-Z: decrypt it");
	ok(memcmp(c, p89, 8) == 0, "ECB TC26-Z: gives the plaintext");
}

int main(void)
{
	uint8_t oid[16];

	if (!crypto_have_gost())
		skip_all("no gostprov provider");
	ok(crypto_gost89_set_of(oid, hx("06072a850302021f01", oid, sizeof oid)) ==
	   CRYPTO_GOST89_CRYPTOPRO_A, "the CryptoPro-A OID");
	ok(crypto_gost89_set_of(oid, hx("06092a8503070102050101", oid, sizeof oid)) ==
	   CRYPTO_GOST89_TC26_Z, "the TC26-Z OID");
	ok(crypto_gost89_set_of(oid, hx("06072a850302021f02", oid, sizeof oid)) == -1,
	   "CryptoPro-B is not offered");
	ecb_kat();
	if (mkdtemp(dir) == NULL) {
		ok(0, "a temporary folder");
		return done_testing();
	}
	if (ct_run("openssl engine gost >/dev/null 2>&1") != 0) {
		ok(0, "OpenSSL's gost engine is there (Debian package libengine-gost-openssl)");
	} else {
		ecb_tests();
		stream_tests(CRYPTO_GOST89_CRYPTOPRO_A, 0, "gost89-cnt");
		stream_tests(CRYPTO_GOST89_TC26_Z, 0, "gost89-cnt-12");
		stream_tests(CRYPTO_GOST89_TC26_Z, 1, "gost89");
		{
			uint8_t k[32] = { 0 }, iv[8] = { 0 }, b[8] = { 0 };

			is_rv(crypto_gost89_stream(CRYPTO_GOST89_CRYPTOPRO_A, 1, 1, k, 32, iv, 8,
						   b, 8, b), CKR_MECHANISM_PARAM_INVALID,
			      "CFB with CryptoPro-A is not offered");
		}
		mac_tests(CRYPTO_GOST89_CRYPTOPRO_A, "gost-mac");
		mac_tests(CRYPTO_GOST89_TC26_Z, "gost-mac-12");
	}
	ct_run("rm -rf %s", dir);
	crypto_fini();
	return done_testing();
}
