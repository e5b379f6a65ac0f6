/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t4016 — AES key wrap on the host: the vectors of RFC 3394 section 4 and RFC 5649
 * section 6, random keys wrapped here and unwrapped by `openssl enc` in another process
 * (and the reverse), and every damaged or badly sized input refused with its CKR_*.
 */
#include "crypto.h"
#include "crypto_sym_gost.h"
#include "crypto/crypto_test.h"

#include <unistd.h>

static char dir[] = "/tmp/t4016-XXXXXX";

static size_t hx(const char *hex, uint8_t *out)
{
	int n = ct_unhex(hex, out, 256);

	if (n < 0) {
		printf("Bail out! bad hex in the test\n");
		exit(255);
	}
	return (size_t)n;
}

static const struct {
	int pad;
	const char *kek, *key, *wrapped, *where;
} kat[] = {
	{ 0, "000102030405060708090A0B0C0D0E0F", "00112233445566778899AABBCCDDEEFF",
	  "1FA68B0A8112B447AEF34BD8FB5A7B829D3E862371D2CFE5", "RFC 3394 4.1" },
	{ 0, "000102030405060708090A0B0C0D0E0F1011121314151617",
	  "00112233445566778899AABBCCDDEEFF",
	  "96778B25AE6CA435F92B5B97C050AED2468AB8A17AD84E5D", "RFC 3394 4.2" },
	{ 0, "000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F",
	  "00112233445566778899AABBCCDDEEFF",
	  "64E8C3F9CE0F5BA263E9777905818A2A93C8191E7D6E8AE7", "RFC 3394 4.3" },
	{ 0, "000102030405060708090A0B0C0D0E0F1011121314151617",
	  "00112233445566778899AABBCCDDEEFF0001020304050607",
	  "031D33264E15D33268F24EC260743EDCE1C6C7DDEE725A936BA814915C6762D2", "RFC 3394 4.4" },
	{ 0, "000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F",
	  "00112233445566778899AABBCCDDEEFF0001020304050607",
	  "A8F9BC1612C68B3FF6E6F4FBE30E71E4769C8B80A32CB8958CD5D17D6B254DA1", "RFC 3394 4.5" },
	{ 0, "000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F",
	  "00112233445566778899AABBCCDDEEFF000102030405060708090A0B0C0D0E0F",
	  "28C9F404C4B810F4CBCCB35CFB87F8263F5786E2D80ED326CBC7F0E71A99F43BFB988B9B7A02DD21",
	  "RFC 3394 4.6" },
	{ 1, "5840df6e29b02af1ab493b705bf16ea1ae8338f4dcc176a8",
	  "c37b7e6492584340bed12207808941155068f738",
	  "138bdeaa9b8fa7fc61f97742e72248ee5ae6ae5360d1ae6a5f54f373fa543b6a",
	  "RFC 5649 6 (20 octets)" },
	{ 1, "5840df6e29b02af1ab493b705bf16ea1ae8338f4dcc176a8", "466f7250617369",
	  "afbeb0f07dfbf5419200f2ccb50bb24f", "RFC 5649 6 (7 octets)" },
};

static void kat_tests(void)
{
	uint8_t kek[32], key[64], want[80], out[96], back[96];
	size_t i, kl, n, wl, ol, bl;

	for (i = 0; i < sizeof kat / sizeof kat[0]; i++) {
		kl = hx(kat[i].kek, kek);
		n = hx(kat[i].key, key);
		wl = hx(kat[i].wrapped, want);
		is_rv(crypto_aes_wrap(kat[i].pad, kek, kl, key, n, out, &ol), CKR_OK, "%s: wrap",
		      kat[i].where);
		ok(ol == wl && memcmp(out, want, wl) == 0, "%s: the wrapped key", kat[i].where);
		is_rv(crypto_aes_unwrap(kat[i].pad, kek, kl, want, wl, back, &bl), CKR_OK,
		      "%s: unwrap", kat[i].where);
		ok(bl == n && memcmp(back, key, n) == 0, "%s: the key back", kat[i].where);
		want[wl / 2] ^= 4;
		is_rv(crypto_aes_unwrap(kat[i].pad, kek, kl, want, wl, back, &bl),
		      CKR_ENCRYPTED_DATA_INVALID, "%s: a damaged wrap fails its check",
		      kat[i].where);
		ok(bl == 0, "%s: and gives no key", kat[i].where);
	}
}

static void bad_tests(void)
{
	uint8_t kek[32] = { 1 }, key[64] = { 2 }, out[96];
	size_t ol;

	is_rv(crypto_aes_wrap(0, kek, 20, key, 16, out, &ol), CKR_KEY_SIZE_RANGE,
	      "a 20-byte KEK is refused");
	is_rv(crypto_aes_unwrap(1, kek, 0, key, 16, out, &ol), CKR_KEY_SIZE_RANGE,
	      "an empty KEK is refused");
	is_rv(crypto_aes_wrap(0, kek, 16, key, 8, out, &ol), CKR_DATA_LEN_RANGE,
	      "RFC 3394: one block is refused");
	is_rv(crypto_aes_wrap(0, kek, 16, key, 20, out, &ol), CKR_DATA_LEN_RANGE,
	      "RFC 3394: 20 bytes are refused");
	is_rv(crypto_aes_unwrap(0, kek, 16, key, 16, out, &ol), CKR_DATA_LEN_RANGE,
	      "RFC 3394: a 16-byte wrap is refused");
	is_rv(crypto_aes_unwrap(0, kek, 16, key, 28, out, &ol), CKR_DATA_LEN_RANGE,
	      "RFC 3394: a 28-byte wrap is refused");
	is_rv(crypto_aes_wrap(1, kek, 16, key, 0, out, &ol), CKR_DATA_LEN_RANGE,
	      "RFC 5649: an empty key is refused");
	is_rv(crypto_aes_unwrap(1, kek, 16, key, 8, out, &ol), CKR_DATA_LEN_RANGE,
	      "RFC 5649: an 8-byte wrap is refused");
	is_rv(crypto_aes_unwrap(1, kek, 16, key, 20, out, &ol), CKR_DATA_LEN_RANGE,
	      "RFC 5649: a 20-byte wrap is refused");
	is_rv(crypto_aes_unwrap(1, kek, 16, key, 24, out, &ol), CKR_ENCRYPTED_DATA_INVALID,
	      "RFC 5649: 24 random bytes fail the check");
	is_rv(crypto_aes_unwrap(0, kek, 32, key, 40, out, &ol), CKR_ENCRYPTED_DATA_INVALID,
	      "RFC 3394: 40 random bytes fail the check");
}

/* Random keys against `openssl enc -id-aes<bits>-wrap[-pad]` in another process. */
static void cross_tests(void)
{
	static const size_t kek_lens[] = { 16, 24, 32 };
	uint8_t kek[32], key[80], out[96], theirs[128];
	char kh[65], cmd[512];
	size_t i, j, n, ol;
	long tl;
	int pad, good_wrap, good_unwrap;

	for (pad = 0; pad <= 1; pad++)
		for (i = 0; i < 3; i++) {
			good_wrap = good_unwrap = 1;
			for (j = 0; j < 6; j++) {
				crypto_random(kek, kek_lens[i]);
				ct_hex(kek, kek_lens[i], kh);
				crypto_random(key, sizeof key);
				n = pad ? 1 + (size_t)key[0] % 70 : 16 + 8 * ((size_t)key[0] % 7);
				if (crypto_aes_wrap(pad, kek, kek_lens[i], key, n, out, &ol) !=
				    CKR_OK) {
					good_wrap = 0;
					continue;
				}
				/* ours unwrapped by OpenSSL's command line */
				snprintf(cmd, sizeof cmd,
					 "openssl enc -d -id-aes%zu-wrap%s -K %s -iv %s "
					 "-in in.bin -out out.bin", kek_lens[i] * 8,
					 pad ? "-pad" : "", kh, pad ? "A65959A6" :
					 "A6A6A6A6A6A6A6A6");
				tl = ct_filter(dir, cmd, out, ol, theirs, sizeof theirs);
				if (tl != (long)n || memcmp(theirs, key, n) != 0)
					good_unwrap = 0;
				/* OpenSSL's command line's wrap unwrapped here */
				snprintf(cmd, sizeof cmd,
					 "openssl enc -id-aes%zu-wrap%s -K %s -iv %s "
					 "-in in.bin -out out.bin", kek_lens[i] * 8,
					 pad ? "-pad" : "", kh, pad ? "A65959A6" :
					 "A6A6A6A6A6A6A6A6");
				tl = ct_filter(dir, cmd, key, n, theirs, sizeof theirs);
				if (tl != (long)ol || memcmp(theirs, out, ol) != 0 ||
				    crypto_aes_unwrap(pad, kek, kek_lens[i], theirs, (size_t)tl,
						      out, &ol) != CKR_OK || ol != n ||
				    memcmp(out, key, n) != 0)
					good_wrap = 0;
			}
			ok(good_unwrap, "AES-%zu %s: our wraps unwrap with openssl enc",
			   kek_lens[i] * 8, pad ? "RFC 5649" : "RFC 3394");
			ok(good_wrap, "AES-%zu %s: openssl enc's wraps are ours and unwrap here",
			   kek_lens[i] * 8, pad ? "RFC 5649" : "RFC 3394");
		}
}

int main(void)
{
	kat_tests();
	bad_tests();
	if (mkdtemp(dir) == NULL) {
		ok(0, "a temporary folder");
	} else {
		cross_tests();
		ct_run("rm -rf %s", dir);
	}
	crypto_fini();
	return done_testing();
}
