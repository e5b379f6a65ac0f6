/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t4017 — Kuznyechik and Magma modes on the host against OpenSSL's command line with the
 * gostprov provider, in another process, for random keys, IVs and lengths:
 *   ECB: kuznyechik-ecb; Magma, which the provider has in no ECB form, through the gamma of
 *   magma-ctr (the encryptions of the counter blocks IV || i);
 *   CTR: kuznyechik-ctr, magma-ctr (fed here in random chunks);
 *   CTR-ACPKM: kuznyechik-ctr-acpkm and magma-ctr-acpkm, whose sections are 4096 and 1024
 *   bytes there;
 *   MAC: `openssl mac` kuznyechik-mac and magma-mac.
 * MGM and KExp15 have no other implementation on a Debian 12 host (the provider has
 * neither; the engine's kexp15 ciphers are not usable from `openssl enc`): t4015 checks
 * them against the documents' examples only.
 */
#include "crypto.h"
#include "crypto_sym_gost.h"
#include "crypto/crypto_test.h"

#include <unistd.h>

#define PROV "openssl enc -provider gostprov -provider default"

static char dir[] = "/tmp/t4017-XXXXXX";
static uint8_t in[20000], ours[20000], theirs[20000 + 64];

static const char *cname(enum crypto_gost_alg alg)
{
	return alg == CRYPTO_KUZNYECHIK ? "kuznyechik" : "magma";
}

static size_t rnd(size_t max)
{
	uint8_t r[4];

	crypto_random(r, sizeof r);
	return ((size_t)r[0] << 24 | (size_t)r[1] << 16 | (size_t)r[2] << 8 | r[3]) % max;
}

static void kuz_ecb(void)
{
	struct crypto_gost_blk *b = NULL;
	uint8_t key[32];
	char kh[65], cmd[512];
	int good_e = 1, good_d = 1, i;
	size_t n;
	long tl;

	for (i = 0; i < 4; i++) {
		crypto_random(key, 32);
		ct_hex(key, 32, kh);
		n = 16 * (1 + rnd(200));
		crypto_random(in, n);
		if (crypto_gost_blk_new(CRYPTO_KUZNYECHIK, key, 32, &b) != CKR_OK) {
			good_e = good_d = 0;
			break;
		}
		crypto_gost_ecb(b, 1, in, n, ours);
		snprintf(cmd, sizeof cmd, PROV " -kuznyechik-ecb -nopad -K %s -in in.bin "
			 "-out out.bin", kh);
		tl = ct_filter(dir, cmd, in, n, theirs, sizeof theirs);
		if (tl != (long)n || memcmp(ours, theirs, n) != 0)
			good_e = 0;
		crypto_gost_ecb(b, 0, in, n, ours);
		snprintf(cmd, sizeof cmd, PROV " -d -kuznyechik-ecb -nopad -K %s -in in.bin "
			 "-out out.bin", kh);
		tl = ct_filter(dir, cmd, in, n, theirs, sizeof theirs);
		if (tl != (long)n || memcmp(ours, theirs, n) != 0)
			good_d = 0;
		crypto_gost_blk_free(b);
		b = NULL;
	}
	ok(good_e, "Kuznyechik ECB encryption equals openssl enc -kuznyechik-ecb");
	ok(good_d, "Kuznyechik ECB decryption equals openssl enc -d -kuznyechik-ecb");
}

/* Magma ECB: E(IV || i) for i = 0, 1, ... is magma-ctr's gamma (GOST R 34.13-2015 5.2). */
static void magma_ecb(void)
{
	struct crypto_gost_blk *b = NULL;
	uint8_t key[32], iv[4], zero[8 * 64] = { 0 }, ctr[8 * 64];
	char kh[65], ivh[9], cmd[512];
	int good_e = 1, good_d = 1, i;
	size_t j;
	long tl;

	for (i = 0; i < 4; i++) {
		crypto_random(key, 32);
		crypto_random(iv, 4);
		iv[3] &= 0x7f;          /* no carry out of the low half in 64 blocks */
		ct_hex(key, 32, kh);
		ct_hex(iv, 4, ivh);
		for (j = 0; j < 64; j++) {
			memcpy(ctr + 8 * j, iv, 4);
			memset(ctr + 8 * j + 4, 0, 3);
			ctr[8 * j + 7] = (uint8_t)j;
		}
		if (crypto_gost_blk_new(CRYPTO_MAGMA, key, 32, &b) != CKR_OK) {
			good_e = good_d = 0;
			break;
		}
		crypto_gost_ecb(b, 1, ctr, sizeof ctr, ours);
		snprintf(cmd, sizeof cmd, PROV " -magma-ctr -K %s -iv %s -in in.bin -out out.bin",
			 kh, ivh);
		tl = ct_filter(dir, cmd, zero, sizeof zero, theirs, sizeof theirs);
		if (tl != (long)sizeof zero || memcmp(ours, theirs, sizeof zero) != 0)
			good_e = 0;
		crypto_gost_ecb(b, 0, theirs, sizeof zero, ours);
		if (memcmp(ours, ctr, sizeof ctr) != 0)
			good_d = 0;
		crypto_gost_blk_free(b);
		b = NULL;
	}
	ok(good_e, "Magma ECB encryption of the counter blocks equals magma-ctr's gamma");
	ok(good_d, "Magma ECB decryption of that gamma gives the counter blocks");
}

static void ctr(enum crypto_gost_alg alg, int acpkm)
{
	size_t bl = crypto_gost_block_len(alg), section = 0, n, i, chunk;
	struct crypto_gost_ctr *c = NULL;
	uint8_t key[32], iv[8];
	char kh[65], ivh[17], cmd[512];
	int good = 1, t;
	long tl;

	if (acpkm)
		section = alg == CRYPTO_KUZNYECHIK ? 4096 : 1024;
	for (t = 0; t < 5; t++) {
		crypto_random(key, 32);
		crypto_random(iv, bl / 2);
		ct_hex(key, 32, kh);
		ct_hex(iv, bl / 2, ivh);
		n = acpkm ? 2 * section + rnd(2 * section) : 1 + rnd(3000);
		crypto_random(in, n);
		if (crypto_gost_ctr_new(alg, key, 32, iv, bl / 2, section, &c) != CKR_OK) {
			good = 0;
			break;
		}
		for (i = 0; i < n; i += chunk) {
			chunk = 1 + rnd(700);
			if (chunk > n - i)
				chunk = n - i;
			crypto_gost_ctr_update(c, in + i, chunk, ours + i);
		}
		crypto_gost_ctr_free(c);
		c = NULL;
		snprintf(cmd, sizeof cmd, PROV " -%s-ctr%s -K %s -iv %s -in in.bin -out out.bin",
			 cname(alg), acpkm ? "-acpkm" : "", kh, ivh);
		tl = ct_filter(dir, cmd, in, n, theirs, sizeof theirs);
		if (tl != (long)n || memcmp(ours, theirs, n) != 0)
			good = 0;
	}
	ok(good, "%s CTR%s in random chunks equals openssl enc -%s-ctr%s",
	   alg == CRYPTO_KUZNYECHIK ? "Kuznyechik" : "Magma", acpkm ? "-ACPKM" : "", cname(alg),
	   acpkm ? "-acpkm" : "");
}

static void mac(enum crypto_gost_alg alg)
{
	size_t bl = crypto_gost_block_len(alg), n;
	static const size_t fixed[] = { 0, 1, 8, 16, 17, 32 };
	uint8_t key[32], m[16];
	char kh[65], cmd[512];
	int good = 1, t;
	long tl;

	for (t = 0; t < 10; t++) {
		crypto_random(key, 32);
		ct_hex(key, 32, kh);
		n = t < 6 ? fixed[t] : rnd(500);
		crypto_random(in, n);
		if (crypto_gost_mac(alg, key, 32, in, n, m, bl) != CKR_OK) {
			good = 0;
			break;
		}
		snprintf(cmd, sizeof cmd, "openssl mac -provider gostprov -provider default "
			 "-macopt hexkey:%s -binary -in in.bin -out out.bin %s-mac", kh, cname(alg));
		tl = ct_filter(dir, cmd, in, n, theirs, sizeof theirs);
		if (tl != (long)bl || memcmp(m, theirs, bl) != 0) {
			diag("%s MAC differs for %zu bytes", cname(alg), n);
			good = 0;
		}
	}
	ok(good, "%s MAC (0, 1, 8, 16, 17, 32 and random lengths) equals openssl mac %s-mac",
	   alg == CRYPTO_KUZNYECHIK ? "Kuznyechik" : "Magma", cname(alg));
}

int main(void)
{
	if (!crypto_have_gost())
		skip_all("no gostprov provider");
	if (mkdtemp(dir) == NULL) {
		ok(0, "a temporary folder");
		return done_testing();
	}
	if (ct_run("openssl list -provider gostprov -cipher-algorithms 2>/dev/null | "
		   "grep -q kuznyechik-ctr-acpkm") != 0) {
		ok(0, "openssl has the gostprov provider (Debian package libengine-gost-openssl)");
	} else {
		kuz_ecb();
		magma_ecb();
		ctr(CRYPTO_KUZNYECHIK, 0);
		ctr(CRYPTO_MAGMA, 0);
		ctr(CRYPTO_KUZNYECHIK, 1);
		ctr(CRYPTO_MAGMA, 1);
		mac(CRYPTO_KUZNYECHIK);
		mac(CRYPTO_MAGMA);
	}
	ct_run("rm -rf %s", dir);
	crypto_fini();
	return done_testing();
}
