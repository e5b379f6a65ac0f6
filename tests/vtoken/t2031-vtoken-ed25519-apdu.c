/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t2031 — the virtual Rutoken ECP's Ed25519 extension (README.md "Ed25519 (extension)"),
 * fed directly to the APDU processor (no pcscd; built with AddressSanitizer/UBSan like
 * t3100): the RSF kinds and their sizes, GENERATE KEY PAIR answering the 32-byte public
 * key, PSO COMPUTE DIGITAL SIGNATURE over the whole message (empty, short, chained up to
 * the 8192-byte limit), each signature checked by OpenSSL's own Ed25519 verification, the
 * RFC 8032 7.1 known answers with an imported seed, and the refusals.
 */
#include "vt.h"
#include "../rfc8032.h"
#include "../tap.h"

#define VT_TEST_CARD struct vt_card
#define VT_TEST_PROCESS vt_process
#define VT_TEST_SAVE vt_save
#define VT_TEST_LOAD vt_load
#include "vt_test.h"

#include <stdlib.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

/* private RSF 6002/00kk: kind 08 01, 32 bytes; public 6001/00kk: kind 18 01, 32 bytes,
 * readable (access byte 47: read, update, use, delete; update and use need the user PIN) */
#define CREATE_PRIV(kk) "00E00000 27 6F25 80020020 82021000 830200" kk " 8506080100AA0000" \
			"860F 4600020200000002 0000000000000000"
#define CREATE_PUB(kk) "00E00000 27 6F25 80020020 82021000 830200" kk " 8506180100AA0000" \
		       "860F 4700020000000002 0000000000000000"

/* OpenSSL's verification of an Ed25519 signature: 1 good, 0 not */
static int ed_verify(const unsigned char *pub, const unsigned char *msg, size_t len,
		     const unsigned char *sig)
{
	EVP_PKEY *k = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pub, 32);
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	int rc = k && md && EVP_DigestVerifyInit(md, NULL, NULL, NULL, k) == 1 &&
		 EVP_DigestVerify(md, sig, 64, len ? msg : (const unsigned char *)"", len) == 1;

	EVP_MD_CTX_free(md);
	EVP_PKEY_free(k);
	return rc;
}

/* PSO sign of msg (len bytes) with command chaining (255-byte parts, as the family
 * script sends them); the SW of the last part, the signature in rbuf */
static unsigned pso_sign(struct vt_card *c, const unsigned char *msg, size_t len)
{
	unsigned char apdu[5 + 255 + 1];
	size_t off = 0, n;
	unsigned s;

	while (len - off > 255) {
		memcpy(apdu, "\x10\x2A\x9E\x9A\xFF", 5);
		memcpy(apdu + 5, msg + off, 255);
		s = txb(c, apdu, 260);
		if (s != 0x9000)
			return s;
		off += 255;
	}
	n = len - off;
	memcpy(apdu, "\x00\x2A\x9E\x9A", 4);
	if (n) {
		apdu[4] = (unsigned char)n;
		memcpy(apdu + 5, msg + off, n);
		apdu[5 + n] = 0x40;
		return txb(c, apdu, 6 + n);
	}
	apdu[4] = 0x40;
	return txb(c, apdu, 5);
}

static void test_generate_sign(void)
{
	struct vt_card *c = vt_new_factory();
	unsigned char pub[32], msg[VT_CHAIN_MAX + 1], sig[64], apdu[16];
	size_t lens[] = { 0, 1, 32, 255, 256, 1000, VT_CHAIN_MAX };
	size_t i;
	int good = 1;

	tx(c, "00200002 08 3132333435363738");
	is_ulong(tx(c, "00E00000 27 6F25 80020040 82021000 83020003 8506080100AA0000"
		       "860F 4600020200000002 0000000000000000"), 0x6A80,
		 "a private Ed25519 RSF of 64 bytes -> 6A80");
	is_ulong(tx(c, "00E00000 27 6F25 80020020 82021000 83020003 8506080200AA0000"
		       "860F 4600020200000002 0000000000000000"), 0x6A80,
		 "an Ed25519 RSF with parameter byte 02 -> 6A80");
	is_ulong(tx(c, "00E00000 27 6F25 80020040 82021000 83020003 8506180100AA0000"
		       "860F 4700020000000002 0000000000000000"), 0x6A80,
		 "a public Ed25519 RSF of 64 bytes (x || y) -> 6A80");
	is_ulong(tx(c, CREATE_PRIV("03")), 0x9000, "CREATE private Ed25519 RSF (08 01, 32 bytes)");
	is_ulong(tx(c, CREATE_PUB("03")), 0x9000, "CREATE public Ed25519 RSF (18 01, 32 bytes)");
	is_ulong(tx(c, "002241B6 03 840103"), 0x9000, "MSE sign key 3");
	is_ulong(tx(c, "002A9E9A 03 616263 40"), 0x6984, "PSO before GENERATE -> 6984");
	is_ulong(tx(c, "00468003 02 A600 00"), 0x6A80, "GENERATE with a template -> 6A80");
	is_ulong(tx(c, "00468003 00"), 0x9000, "GENERATE KEY PAIR 46 80 03");
	is_ulong(rlen, 34, "... answers the 32-byte public key");
	memcpy(pub, rbuf, 32);
	is_ulong(tx(c, "00A40800 08 1000100060010003 00"), 0x9000, "SELECT the public RSF");
	is_ulong(tx(c, "00B00000 20"), 0x9000, "READ BINARY of the public RSF");
	ok(rlen == 34 && memcmp(rbuf, pub, 32) == 0, "... holds the key GENERATE answered");
	is_ulong(tx(c, "00A40800 08 1000100060020003 00"), 0x9000, "SELECT the private RSF");
	is_ulong(tx(c, "00B00000 20"), 0x6982, "the seed is never read");

	RAND_bytes(msg, sizeof msg);
	is_ulong(tx(c, "002241B6 03 840103"), 0x9000, "MSE sign key 3");
	for (i = 0; i < sizeof lens / sizeof lens[0]; i++) {
		unsigned s = pso_sign(c, msg, lens[i]);

		if (s != 0x9000 || rlen != 66 || !ed_verify(pub, msg, lens[i], rbuf)) {
			diag("message of %zu bytes: SW %04X, %zu bytes", lens[i], s, rlen);
			good = 0;
			continue;
		}
		memcpy(sig, rbuf, 64);
		msg[lens[i] ? lens[i] - 1 : 0] ^= 0x01;
		if (ed_verify(pub, msg, lens[i] ? lens[i] : 1, sig)) {
			diag("a changed message of %zu bytes verifies", lens[i]);
			good = 0;
		}
		msg[lens[i] ? lens[i] - 1 : 0] ^= 0x01;
	}
	ok(good, "PSO signs messages of 0, 1, 32, 255, 256, 1000, 8192 bytes (chained): "
	   "OpenSSL verifies each, and not the message changed");
	is_ulong(pso_sign(c, msg, VT_CHAIN_MAX + 1), 0x6700, "8193 bytes overflow the chain -> 6700");
	/* the same message twice: PureEdDSA is deterministic */
	pso_sign(c, msg, 100);
	memcpy(sig, rbuf, 64);
	pso_sign(c, msg, 100);
	ok(memcmp(sig, rbuf, 64) == 0, "the same message gives the same signature (RFC 8032)");
	/* an extended APDU, not chained */
	{
		unsigned char *ext = malloc(7 + 3000 + 2);

		memcpy(ext, "\x00\x2A\x9E\x9A\x00\x0B\xB8", 7);
		memcpy(ext + 7, msg, 3000);
		ext[3007] = 0x00;
		ext[3008] = 0x40;
		is_ulong(txb(c, ext, 3009), 0x9000, "PSO sign of 3000 bytes in one extended APDU");
		ok(rlen == 66 && ed_verify(pub, msg, 3000, rbuf), "... verifies");
		free(ext);
		ext = calloc(1, 7 + VT_CHAIN_MAX + 1 + 2);
		memcpy(ext, "\x00\x2A\x9E\x9A\x00\x20\x01", 7);
		is_ulong(txb(c, ext, 7 + VT_CHAIN_MAX + 1 + 2), 0x6700,
			 "an extended APDU of 8193 bytes -> 6700");
		free(ext);
	}
	is_ulong(tx(c, "002241B8 03 840103"), 0x9000, "MSE decipher with the Ed25519 key");
	is_ulong(tx(c, "002A8086 02 0102 00"), 0x6985, "... PSO decipher -> 6985");
	is_ulong(tx(c, "002241A6 03 840103"), 0x9000, "MSE key agreement with the Ed25519 key");
	memcpy(apdu, "\x00\x86\x00\x00\x06\x7C\x04\x85\x02\x04\x00\x00", 12);
	is_ulong(txb(c, apdu, 12), 0x6985, "... GENERAL AUTHENTICATE -> 6985");
	is_ulong(tx(c, "80400000"), 0x9000, "log out");
	is_ulong(tx(c, "002241B6 03 840103"), 0x9000, "MSE sign");
	is_ulong(tx(c, "002A9E9A 03 616263 40"), 0x6982, "PSO without the user PIN -> 6982");
	is_ulong(tx(c, "00468003 00"), 0x6982, "GENERATE without the user PIN -> 6982");
	vt_free(c);
}

/* RFC 8032 section 7.1, TEST 1 (empty message) and TEST 2 (one byte 72): the seed
 * imported with CHANGE REFERENCE DATA, the public key written the same way */
static void test_rfc8032(void)
{
	const struct rfc8032_test *v = rfc8032_tests;
	size_t i;

	for (i = 0; i < 2; i++) {
		struct vt_card *c = vt_new_factory();
		unsigned char seed[32], pub[32], want[64], msg[1], gen[32], apdu[64];
		size_t ml = unhex(v[i].msg, msg, sizeof msg);

		unhex(v[i].seed, seed, 32);
		unhex(v[i].pub, pub, 32);
		unhex(v[i].sig, want, 64);
		tx(c, "00200002 08 3132333435363738");
		is_ulong(tx(c, CREATE_PRIV("07")), 0x9000, "TEST %zu: CREATE the private RSF", i + 1);
		memcpy(apdu, "\x00\x24\x01\x00\x26\x80\x02\x00\x20\xA5\x20", 11);
		memcpy(apdu + 11, seed, 32);
		is_ulong(txb(c, apdu, 43), 0x9000, "TEST %zu: import the seed", i + 1);
		ok(vt_ed_public(seed, gen) == 0 && memcmp(gen, pub, 32) == 0,
		   "TEST %zu: the public key derived from the seed is RFC 8032's", i + 1);
		is_ulong(tx(c, "002241B6 03 840107"), 0x9000, "TEST %zu: MSE", i + 1);
		is_ulong(pso_sign(c, msg, ml), 0x9000, "TEST %zu: PSO sign", i + 1);
		ok(rlen == 66 && memcmp(rbuf, want, 64) == 0,
		   "TEST %zu: the signature is RFC 8032's", i + 1);
		vt_free(c);
	}
}

static void test_state(void)
{
	struct vt_card *c = vt_new_factory(), *d;
	char *a = NULL;
	size_t al = 0;
	unsigned char pub[32], sig[64];

	tx(c, "00200002 08 3132333435363738");
	tx(c, CREATE_PRIV("09"));
	tx(c, CREATE_PUB("09"));
	is_ulong(tx(c, "00468009 00"), 0x9000, "GENERATE key 9");
	memcpy(pub, rbuf, 32);
	d = save_load(c, &a, &al);
	if (d) {
		tx(d, "00200002 08 3132333435363738");
		tx(d, "002241B6 03 840109");
		is_ulong(pso_sign(d, (const unsigned char *)"abc", 3), 0x9000,
			 "the loaded card signs with key 9");
		memcpy(sig, rbuf, 64);
		ok(ed_verify(pub, (const unsigned char *)"abc", 3, sig),
		   "... with the key generated before the save");
		vt_free(d);
	}
	free(a);
	vt_free(c);
}

int main(void)
{
	test_generate_sign();
	test_rfc8032();
	test_state();
	return done_testing();
}
