/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t3100 — the virtual token's APDU processor, fed directly (no pcscd): malformed APDUs get
 * ISO status words, the file system, PIN rules, access control, chaining and GET RESPONSE,
 * key generation and signatures (RSA and ECDSA checked with OpenSSL), state round trip,
 * and a random-APDU run that must neither crash nor overrun (built with AddressSanitizer).
 */
/* EC_KEY and ECDSA_do_verify: an independent check, deprecated API is fine in a test */
#define OPENSSL_SUPPRESS_DEPRECATED

#include "vt.h"
#include "../tap.h"

#define VT_TEST_CARD struct vt_card
#define VT_TEST_PROCESS vt_process
#define VT_TEST_SAVE vt_save
#define VT_TEST_LOAD vt_load
#include "vt_test.h"

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/obj_mac.h>
#include <openssl/rand.h>

static void test_malformed(void)
{
	struct vt_card *c = vt_new_factory();
	unsigned char big[300];

	ok(c != NULL, "factory card");
	is_ulong(txb(c, (const unsigned char *)"", 0), 0x6700, "empty APDU -> 6700");
	is_ulong(tx(c, "00"), 0x6700, "1 byte -> 6700");
	is_ulong(tx(c, "00A400"), 0x6700, "3 bytes -> 6700");
	is_ulong(tx(c, "00A4000005 3F00"), 0x6700, "Lc larger than the data -> 6700");
	is_ulong(tx(c, "00A40000 02 3F00 00 00"), 0x6700, "trailing bytes -> 6700");
	is_ulong(tx(c, "00A40000 00 0000 00"), 0x6700, "extended with Lc 0 -> 6700");
	is_ulong(tx(c, "00A40000 00 00"), 0x6700, "6 bytes ending in 00 00 -> 6700");
	is_ulong(tx(c, "FFA4000000"), 0x6E00, "CLA FF -> 6E00");
	is_ulong(tx(c, "01A4000000"), 0x6881, "logical channel 1 -> 6881");
	is_ulong(tx(c, "0CA4000000"), 0x6882, "secure messaging -> 6882");
	is_ulong(tx(c, "40A4000000"), 0x6E00, "CLA 40 -> 6E00");
	is_ulong(tx(c, "0060000000"), 0x6D00, "INS 60 -> 6D00");
	is_ulong(tx(c, "0012000000"), 0x6D00, "unknown INS -> 6D00");
	is_ulong(tx(c, "80A4000000"), 0x6E00, "SELECT with CLA 80 -> 6E00");
	is_ulong(tx(c, "008A000000"), 0x6E00, "erase with CLA 00 -> 6E00");
	is_ulong(tx(c, "00A4050000"), 0x6A86, "SELECT P1 05 -> 6A86");
	is_ulong(tx(c, "00A4000102 3F00"), 0x6A86, "SELECT P2 01 -> 6A86");
	is_ulong(tx(c, "00A40800 03 100010 00"), 0x6A87, "odd path length -> 6A87");
	is_ulong(tx(c, "00A40000 03 3F0000 00"), 0x6700, "FID of 3 bytes -> 6700");
	is_ulong(tx(c, "00C0000010"), 0x6985, "GET RESPONSE with nothing pending -> 6985");
	is_ulong(tx(c, "0084000000"), 0x9000, "GET CHALLENGE Le 00 -> 9000");
	is_ulong(rlen, 258, "... with 256 bytes");
	is_ulong(tx(c, "00840000"), 0x6700, "GET CHALLENGE without Le -> 6700");
	is_ulong(tx(c, "00CA018100"), 0x9000, "GET DATA serial");
	is_ulong(rlen, 6, "... 4 bytes");
	is_ulong(tx(c, "00CA018102"), 0x6C04, "GET DATA serial Le 2 -> 6C04");
	is_ulong(tx(c, "00CA010100"), 0x6A88, "GET DATA of another tag -> 6A88");
	is_ulong(tx(c, "00B0000010"), 0x6986, "READ BINARY without a current EF -> 6986");
	is_ulong(tx(c, "00B0810010"), 0x6A81, "READ BINARY with an SFI -> 6A81");
	is_ulong(tx(c, "00D6000001 00"), 0x6986, "UPDATE BINARY without a current EF -> 6986");
	is_ulong(tx(c, "002A9E9A 02 0102 00"), 0x6985, "PSO without MSE -> 6985");
	is_ulong(tx(c, "00224100 03 840101"), 0x6A86, "MSE P2 00 -> 6A86");
	is_ulong(tx(c, "002241B6 02 8401"), 0x6A80, "MSE with a short TLV -> 6A80");
	is_ulong(tx(c, "002241B6 03 840101"), 0x9000, "MSE for key 1");
	is_ulong(tx(c, "002A9E9A 02 0102 00"), 0x6A88, "PSO with a missing key -> 6A88");
	is_ulong(tx(c, "002A1234 02 0102 00"), 0x6A86, "PSO with unknown P1P2 -> 6A86");
	is_ulong(tx(c, "00468001"), 0x6A82, "GENERATE without key files -> 6A82");
	is_ulong(tx(c, "00468001 02 A605"), 0x6A80, "GENERATE with a bad A6 template -> 6A80");
	is_ulong(tx(c, "00E00000 04 62021234"), 0x6A80, "CREATE with a bad FCP -> 6A80");
	is_ulong(tx(c, "00E00000 05 6203 830210"), 0x6A80, "CREATE with a cut TLV -> 6A80");
	is_ulong(tx(c, "00E00000 0E 620C 800200108202010083022F01"), 0x6A80,
		 "CREATE without tag 86 -> 6A80");
	is_ulong(tx(c, "00E00000 03 620401"), 0x6A80, "CREATE with a long length byte -> 6A80");
	is_ulong(tx(c, "00240102 03 A50131"), 0x6A80, "CHANGE without tag 80 -> 6A80");
	is_ulong(tx(c, "00240102 08 80020004 A5023132"), 0x6A80,
		 "CHANGE whose A5 data falls short of tag 80 -> 6A80");
	is_ulong(tx(c, "00240102 07 80020002 A50331"), 0x6A80, "CHANGE with a cut A5 -> 6A80");
	is_ulong(tx(c, "00200009 01 31"), 0x6A88, "VERIFY of a PIN that does not exist -> 6A88");
	is_ulong(tx(c, "00200000 01 31"), 0x6A88, "VERIFY of reference 0 -> 6A88");
	is_ulong(tx(c, "00200102 01 31"), 0x6A86, "VERIFY P1 01 -> 6A86");
	memset(big, 0x31, sizeof big);
	memcpy(big, "\x00\x20\x00\x02\x21", 5);
	is_ulong(txb(c, big, 5 + 0x21), 0x6700, "VERIFY with a 33-byte PIN -> 6700");
	is_ulong(tx(c, "802C0302"), 0x6E00, "RESET RETRY COUNTER with CLA 80 -> 6E00");
	is_ulong(tx(c, "80400100"), 0x6A86, "RESET ACCESS RIGHTS P1 01 -> 6A86");
	is_ulong(tx(c, "80844E18"), 0x6A86, "end of init with a wrong P2 -> 6A86");
	vt_free(c);
}

static void test_files(void)
{
	struct vt_card *c = vt_new_factory();
	int i;
	int have80 = 0, have82 = 0, have83 = 0, have86 = 0;
	size_t k;

	is_ulong(tx(c, "00A40000 02 3F00 00"), 0x9000, "SELECT MF");
	ok(rlen > 4 && rbuf[0] == 0x62 && rbuf[1] == rlen - 4 && rbuf[1] < 128,
	   "FCP template 62, shorter than 128 bytes");
	for (k = 2; k + 1 < rlen - 2; k += 2 + rbuf[k + 1]) {
		have80 |= rbuf[k] == 0x80 && rbuf[k + 1] == 2;
		have82 |= rbuf[k] == 0x82 && rbuf[k + 1] == 2 && rbuf[k + 2] == 0x38;
		have83 |= rbuf[k] == 0x83 && rbuf[k + 1] == 2 && rbuf[k + 2] == 0x3F;
		have86 |= rbuf[k] == 0x86 && rbuf[k + 1] == 15;
	}
	ok(have80 && have82 && have83 && have86, "FCP has 80, 82 (DF), 83 (3F00), 86 (15 bytes)");
	is_ulong(tx(c, "00A4000C 02 3F00"), 0x9000, "SELECT MF without FCP");
	is_ulong(rlen, 2, "... answers no data");
	is_ulong(tx(c, "00A40000 00"), 0x9000, "list: first child of the MF");
	ok(rbuf[12] == 0x10 && rbuf[13] == 0x00, "... is 1000");
	is_ulong(tx(c, "00A40000 00"), 0x9000, "list: first child of 1000");
	is_ulong(tx(c, "00A40300 00"), 0x9000, "list: back to the parent");
	ok(rbuf[12] == 0x10 && rbuf[13] == 0x00, "... 1000");
	is_ulong(tx(c, "00A40002 02 1000 00"), 0x9000, "list: next after 1000 in 1000");
	ok(rbuf[12] == 0x10 && rbuf[13] == 0x01, "... is 1001");
	is_ulong(tx(c, "00A40300 00"), 0x9000, "back to 1000");
	is_ulong(tx(c, "00A40002 02 1004 00"), 0x6A82, "list: nothing after the last child");
	is_ulong(tx(c, "00A40800 06 100010006002 00"), 0x9000, "SELECT by path 1000/1000/6002");
	is_ulong(tx(c, "00A40800 02 5000 00"), 0x6A82, "no PKCS#15 application at factory");
	is_ulong(tx(c, "00A40300 00"), 0x9000, "parent of 6002");
	is_ulong(tx(c, "00A40100 02 6001 00"), 0x9000, "SELECT child DF 6001");
	is_ulong(tx(c, "00A40200 02 6001 00"), 0x6A82, "SELECT EF 6001 (a DF) -> 6A82");

	/* an EF in the MF: creating needs the user PIN after initialisation */
	tx(c, "00A40000 02 3F00 00");
	is_ulong(tx(c, "00E00000 1F 6F1D 80020010 82020100 83022F01 860F 4300010000000001"
		       "00000000000000"), 0x6982, "CREATE EF without the user PIN -> 6982");
	is_ulong(tx(c, "00200002 08 3132333435363738"), 0x9000, "VERIFY user");
	is_ulong(tx(c, "00E00000 1F 6F1D 80020010 82020100 83022F01 860F 4300010000000001"
		       "00000000000000"), 0x9000, "CREATE EF 2F01 (16 bytes, update = admin)");
	is_ulong(tx(c, "00E00000 1F 6F1D 80020010 82020100 83022F01 860F 4300010000000001"
		       "00000000000000"), 0x6A89, "CREATE it again -> 6A89");
	is_ulong(tx(c, "00B0000000"), 0x6282, "READ BINARY Le 256 of 16 bytes -> 6282");
	is_ulong(rlen, 18, "... 16 bytes of zeros");
	is_ulong(tx(c, "00B0001000"), 0x6B00, "READ BINARY at the end -> 6B00");
	is_ulong(tx(c, "00D60000 02 4142"), 0x6982, "UPDATE without the admin PIN -> 6982");
	tx(c, "80400000");
	is_ulong(tx(c, "00200001 08 3837363534333231"), 0x9000, "VERIFY admin");
	is_ulong(tx(c, "00D6000E 02 4142"), 0x9000, "UPDATE the last two bytes");
	is_ulong(tx(c, "00D6000F 02 4142"), 0x6A84, "UPDATE past the end -> 6A84");
	is_ulong(tx(c, "00D60011 01 41"), 0x6B00, "UPDATE beyond the end -> 6B00");
	is_ulong(tx(c, "00B0000E02"), 0x9000, "READ the two bytes back");
	ok(rbuf[0] == 0x41 && rbuf[1] == 0x42, "... AB");
	is_ulong(tx(c, "00E40000 02 2F01"), 0x9000, "DELETE 2F01 (delete = admin)");
	is_ulong(tx(c, "00A40000 02 2F01 00"), 0x6A82, "... it is gone");
	is_ulong(tx(c, "00E40000 02 1000"), 0x6982, "DELETE a system DF -> 6982 (never)");

	/* erase: empty card, no access control until the end of initialisation */
	is_ulong(tx(c, "808A0000"), 0x9000, "erase");
	is_ulong(tx(c, "00A40000 02 3F00 00"), 0x6A82, "no MF after erase");
	is_ulong(tx(c, "00E00000 1F 6F1D 80020010 82020100 83022F00 860F 4300010000000001"
		       "00000000000000"), 0x6A82, "CREATE an EF without MF -> 6A82");
	is_ulong(tx(c, "80844E19"), 0x6985, "end of init without MF -> 6985");
	is_ulong(tx(c, "00E00000 1F 6F1D 80020000 82023800 83023F00 860F 4702020100000000FF"
		       "000000000000 00"), 0x9000, "CREATE MF without any PIN");
	is_ulong(tx(c, "00E00000 1F 6F1D 80020010 82020100 83022F00 860F 4300010000000001"
		       "00000000000000"), 0x9000, "CREATE 2F00 in the new MF (current)");
	is_ulong(tx(c, "00D60000 01 55"), 0x9000, "UPDATE without PIN in the init phase");
	is_ulong(tx(c, "80844E19"), 0x9000, "end of initialisation");
	is_ulong(tx(c, "00D60000 01 55"), 0x6982, "... now UPDATE needs the admin PIN");
	for (i = 0; i < 3; i++)
		tx(c, "00A40000 00");
	vt_free(c);
}

static void test_pins(void)
{
	struct vt_card *c = vt_new_factory();
	int i;

	is_ulong(tx(c, "00200002"), 0x63CA, "empty VERIFY: 10 tries left");
	is_ulong(tx(c, "00200002 08 3030303030303030"), 0x6300, "wrong PIN -> 6300");
	is_ulong(tx(c, "00200002"), 0x63C9, "empty VERIFY: 9 tries left");
	is_ulong(tx(c, "00200002 08 3132333435363738"), 0x9000, "right PIN");
	is_ulong(tx(c, "00200002"), 0x9000, "empty VERIFY when verified -> 9000");
	is_ulong(tx(c, "00200001 08 3837363534333231"), 0x6F86,
		 "admin while the user is verified -> 6F86");
	is_ulong(tx(c, "80400000"), 0x9000, "RESET ACCESS RIGHTS");
	is_ulong(tx(c, "00200002"), 0x63CA, "... logged out, counter back to 10");
	is_ulong(tx(c, "00200001 08 3837363534333231"), 0x9000, "admin now");
	vt_power_reset(c);
	is_ulong(tx(c, "00200001"), 0x63CA, "power-off drops the login");
	for (i = 0; i < 9; i++)
		tx(c, "00200002 01 30");
	is_ulong(tx(c, "00200002"), 0x63C1, "after 9 wrong PINs one try is left");
	is_ulong(tx(c, "00200002 01 30"), 0x6983, "the 10th wrong PIN blocks -> 6983");
	is_ulong(tx(c, "00200002 08 3132333435363738"), 0x6983, "blocked even for the right PIN");
	is_ulong(tx(c, "002C0302"), 0x6982, "unblock without admin -> 6982");
	tx(c, "00200001 08 3837363534333231");
	is_ulong(tx(c, "002C0302"), 0x9000, "admin unblocks the user PIN");
	is_ulong(tx(c, "002C0301"), 0x6982, "the admin PIN can never be unblocked");
	is_ulong(tx(c, "00240102 0C 80020006 A506 313131313131"), 0x9000,
		 "admin sets the user PIN to 111111");
	is_ulong(tx(c, "00240102 09 80020003 A503 313131"), 0x6A80,
		 "a PIN shorter than the minimum -> 6A80");
	tx(c, "80400000");
	is_ulong(tx(c, "00200002 06 313131313131"), 0x9000, "the new user PIN works");
	is_ulong(tx(c, "00240101 0E 80020008 A508 3131313131313131"), 0x6982,
		 "the user cannot change the admin PIN");
	vt_free(c);
}

static BIGNUM *le2bn(const unsigned char *p, size_t n)
{
	return BN_lebin2bn(p, (int)n, NULL);
}

static void test_rsa(void)
{
	struct vt_card *c = vt_new_factory();
	unsigned char mod[128], in[128], apdu[300];
	BIGNUM *n, *e, *m, *s, *r;
	BN_CTX *ctx = BN_CTX_new();

	tx(c, "00200002 08 3132333435363738");
	/* RSA-1024: private 5h+8 = 328 = 0x148, public 3h = 192 = 0xC0; public readable */
	is_ulong(tx(c, "00E00000 27 6F25 80020148 82021000 83020001 8506230000AA0000"
		       "860F 4600020200000002 0000000000000000"), 0x9000, "CREATE private RSF");
	is_ulong(tx(c, "00E00000 27 6F25 800200C0 82021000 83020001 8506330000AA0000"
		       "860F 4700020000000002 0000000000000000"), 0x9000, "CREATE public RSF");
	is_ulong(tx(c, "00B0000000"), 0x6982, "an unwritten public RSF reads nothing");
	is_ulong(tx(c, "00468001 40"), 0x6140, "GENERATE with Le 64: 64 bytes and 61 40");
	memcpy(mod, rbuf, 64);
	is_ulong(tx(c, "00C00000 40"), 0x9000, "GET RESPONSE: the other 64");
	memcpy(mod + 64, rbuf, 64);
	is_ulong(tx(c, "00A40800 08 1000100060010001 00"), 0x9000, "SELECT the public RSF");
	is_ulong(tx(c, "00B00000C0"), 0x9000, "READ BINARY of a public RSF whose AM allows it");
	ok(memcmp(rbuf, mod, 128) == 0, "... holds the modulus (LE) from GENERATE");
	ok(rbuf[128] == 0x01 && rbuf[129] == 0x00 && rbuf[130] == 0x01, "... and e = 65537 (LE)");
	is_ulong(tx(c, "00A40800 08 1000100060020001 00"), 0x9000, "SELECT the private RSF");
	is_ulong(tx(c, "00B0000000"), 0x6982, "a private key is never read");

	/* raw signature over a value < n, checked with OpenSSL: s^e mod n == input */
	RAND_bytes(in, sizeof in);
	in[127] = 0x00;         /* LE: most significant byte last */
	memcpy(apdu, "\x00\x2A\x9E\x9A\x80", 5);
	memcpy(apdu + 5, in, 128);
	apdu[133] = 0x00;
	is_ulong(tx(c, "002241B6 03 840101"), 0x9000, "MSE sign key 1");
	is_ulong(txb(c, apdu, 134), 0x9000, "PSO sign (raw RSA, LE)");
	n = le2bn(mod, 128);
	e = BN_new();
	BN_set_word(e, 65537);
	s = le2bn(rbuf, 128);
	m = le2bn(in, 128);
	r = BN_new();
	BN_mod_exp(r, s, e, n, ctx);
	ok(BN_cmp(r, m) == 0, "the signature verifies with the public key");

	/* decipher: encrypt with the public key, send chained in two parts */
	BN_mod_exp(r, m, e, n, ctx);
	BN_bn2lebinpad(r, in, 128);
	is_ulong(tx(c, "002241B8 03 840101"), 0x9000, "MSE decipher key 1");
	memcpy(apdu, "\x10\x2A\x80\x86\x40", 5);
	memcpy(apdu + 5, in, 64);
	is_ulong(txb(c, apdu, 69), 0x9000, "chained PSO part 1");
	memcpy(apdu, "\x00\x2A\x80\x86\x40", 5);
	memcpy(apdu + 5, in + 64, 64);
	apdu[69] = 0;
	is_ulong(txb(c, apdu, 70), 0x9000, "chained PSO last part");
	BN_free(s);
	s = le2bn(rbuf, 128);
	ok(BN_cmp(s, m) == 0, "deciphered the value back");
	is_ulong(tx(c, "00A40000 02 3F00 00"), 0x9000, "SELECT between chain parts...");
	memcpy(apdu, "\x10\x2A\x80\x86\x40", 5);
	txb(c, apdu, 69);
	is_ulong(tx(c, "00A40000 02 3F00 00"), 0x6883, "... breaks the chain: 6883");
	in[127] = 0xFF;
	memcpy(apdu, "\x00\x2A\x80\x86\x80", 5);
	memset(apdu + 5, 0xFF, 128);
	apdu[133] = 0;
	is_ulong(txb(c, apdu, 134), 0x6A80, "input >= n -> 6A80");
	is_ulong(tx(c, "002A8086 02 0102 00"), 0x6700, "input of the wrong length -> 6700");
	is_ulong(tx(c, "80400000"), 0x9000, "log out");
	memcpy(apdu, "\x00\x2A\x80\x86\x80", 5);
	memcpy(apdu + 5, in, 128);
	is_ulong(txb(c, apdu, 134), 0x6982, "PSO without the user PIN -> 6982");
	BN_free(n);
	BN_free(e);
	BN_free(s);
	BN_free(m);
	BN_free(r);
	BN_CTX_free(ctx);
	vt_free(c);
}

static void test_ecdsa(void)
{
	struct vt_card *c = vt_new_factory();
	unsigned char pub[64], hash[32], apdu[64];
	EC_KEY *key = EC_KEY_new_by_curve_name(NID_X9_62_prime256v1);
	BIGNUM *x = NULL, *y = NULL, *r = NULL, *s = NULL;
	ECDSA_SIG *sig = ECDSA_SIG_new();
	int good;
	char err[128];

	ok(vt_ec_selftest(err, sizeof err) == 0, "every curve in the table checks out");
	tx(c, "00200002 08 3132333435363738");
	is_ulong(tx(c, "00E00000 27 6F25 80020020 82021000 83020005 8506070100AA0000"
		       "860F 4600020200000002 0000000000000000"), 0x9000,
		 "CREATE private ECDSA P-256 RSF (extension)");
	is_ulong(tx(c, "00E00000 27 6F25 80020040 82021000 83020005 8506170100AA0000"
		       "860F 4600020000000002 0000000000000000"), 0x9000,
		 "CREATE public ECDSA P-256 RSF");
	is_ulong(tx(c, "00468005 00"), 0x9000, "GENERATE ECDSA");
	is_ulong(rlen, 66, "... x || y, 64 bytes");
	memcpy(pub, rbuf, 64);
	RAND_bytes(hash, sizeof hash);
	memcpy(apdu, "\x00\x2A\x9E\x9A\x20", 5);
	memcpy(apdu + 5, hash, 32);
	apdu[37] = 0;
	tx(c, "002241B6 03 840105");
	is_ulong(txb(c, apdu, 38), 0x9000, "PSO sign with ECDSA");
	is_ulong(rlen, 66, "... r || s, 64 bytes");
	x = BN_bin2bn(pub, 32, NULL);
	y = BN_bin2bn(pub + 32, 32, NULL);
	r = BN_bin2bn(rbuf, 32, NULL);
	s = BN_bin2bn(rbuf + 32, 32, NULL);
	good = EC_KEY_set_public_key_affine_coordinates(key, x, y) == 1 &&
	       ECDSA_SIG_set0(sig, r, s) == 1;
	ok(good && ECDSA_do_verify(hash, 32, sig, key) == 1,
	   "OpenSSL's ECDSA verifies the signature (big-endian encodings)");
	hash[0] ^= 1;
	ok(ECDSA_do_verify(hash, 32, sig, key) != 1, "... and rejects another hash");
	is_ulong(tx(c, "002241B8 03 840105"), 0x9000, "MSE decipher with an EC key");
	is_ulong(tx(c, "002A8086 02 0102 00"), 0x6985, "... PSO decipher -> 6985");
	ECDSA_SIG_free(sig);
	EC_KEY_free(key);
	BN_free(x);
	BN_free(y);
	vt_free(c);
}

static void test_state(void)
{
	struct vt_card *c = vt_new_factory(), *d;
	char *a = NULL, *b = NULL, err[128];
	size_t al = 0, bl = 0;
	FILE *f;

	tx(c, "00200002 08 3132333435363738");
	tx(c, "00200002 01 30");    /* one wrong try, persistent */
	d = save_load(c, &a, &al);
	if (d) {
		f = open_memstream(&b, &bl);
		vt_save(d, f);
		fclose(f);
		ok(al == bl && memcmp(a, b, al) == 0, "save(load(save(x))) == save(x)");
		is_ulong(tx(d, "00200002"), 0x63C9, "the retry counter survived");
		vt_free(d);
	}
	a[al / 2] = '\0';
	f = fmemopen(a, al / 2, "r");
	d = vt_load(f, err, sizeof err);
	fclose(f);
	ok(d == NULL, "a truncated state file is refused: %s", err);
	free(a);
	free(b);
	vt_free(c);
}

/* Random APDUs, with real command headers half of the time: no crash, sane answers. */
static void test_random(void)
{
	static const unsigned char ins[] = { 0xA4, 0xB0, 0xD6, 0xE0, 0xE4, 0x20, 0x24, 0x2C,
					     0x84, 0xCA, 0x22, 0x2A, 0x46, 0xC0, 0x40, 0x8A };
	struct vt_card *cards[2] = { vt_new_factory(), vt_new_empty() };
	unsigned char a[300];
	int i, k, bad = 0;

	for (k = 0; k < 2; k++) {
		tx(cards[k], "00200002 08 3132333435363738");
		for (i = 0; i < 20000; i++) {
			unsigned char r[2];
			size_t n;

			RAND_bytes(r, 2);
			n = r[0] % 2 ? (size_t)(r[1] % 12) : (size_t)r[1] + (r[0] & 0x2C);
			if (n > sizeof a)
				n = sizeof a;
			RAND_bytes(a, (int)n);
			if (n > 1 && (r[0] & 6)) {
				a[0] &= 0x90;
				a[1] = ins[r[1] % sizeof ins];
			}
			if (n > 5 && (r[0] & 0x40))
				a[4] = (unsigned char)(n - 5);
			if (a[1] == 0x8A && n > 1)
				a[1] = 0x84;    /* keep the card's content */
			vt_process(cards[k], a, n, rbuf, &rlen);
			if (rlen < 2 || rlen > VT_RESP_MAX)
				bad++;
		}
		ok(bad == 0, "20000 random APDUs to a %s card: every answer has a status word",
		   k ? "blank" : "factory");
		vt_free(cards[k]);
	}
}

int main(void)
{
	test_malformed();
	test_files();
	test_pins();
	test_rsa();
	test_ecdsa();
	test_state();
	test_random();
	return done_testing();
}
