/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t3112 — the virtual PIV card's APDU processor, fed directly (no pcscd): SELECT and its
 * application property template, GET DATA / PUT DATA with chaining and GET RESPONSE, the
 * PIN and PUK rules, the management key (3DES and AES, mutual and one-way authentication)
 * gating administration, key generation, GENERAL AUTHENTICATE (RSA, ECDSA P-256/P-384,
 * ECDH) checked with OpenSSL, the Yubico extensions, RESET, the state file round trip, and
 * a random-APDU run under AddressSanitizer.
 */
#include "vt.h"
#include "vt_piv.h"
#include "../tap.h"

#define VT_TEST_CARD struct vt_piv
#define VT_TEST_PROCESS vt_piv_process
#include "vt_test.h"

#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>

static const unsigned char mgm3des[24] = {
	1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 6, 7, 8
};

/* A case 3/4 short APDU with this header and data. */
static unsigned txd(struct vt_piv *c, const char *hdr, const unsigned char *d, size_t n)
{
	unsigned char a[300];
	size_t h = unhex(hdr, a, 4);

	a[h] = (unsigned char)n;
	memcpy(a + h + 1, d, n);
	return txb(c, a, h + 1 + n);
}

static int ecb(const EVP_CIPHER *ci, const unsigned char *key, int enc, const unsigned char *in,
	       size_t n, unsigned char *out)
{
	EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
	int l = 0, good;

	good = x && EVP_CipherInit_ex(x, ci, NULL, key, NULL, enc) &&
	       EVP_CIPHER_CTX_set_padding(x, 0) && EVP_CipherUpdate(x, out, &l, in, (int)n) &&
	       l == (int)n;
	EVP_CIPHER_CTX_free(x);
	return good ? 0 : -1;
}

/* Mutual authentication (SP 800-73-4 Part 2 Appendix A.1) as a client does it. */
static unsigned mutual_auth(struct vt_piv *c, unsigned alg, const EVP_CIPHER *ci,
			    const unsigned char *key, int spoil)
{
	unsigned char d[64], w[16], ch[16], exp[16];
	char hdr[16];
	size_t bs = alg == 0x03 ? 8 : 16;
	unsigned s;

	snprintf(hdr, sizeof hdr, "0087%02X9B", alg);
	s = txd(c, hdr, (const unsigned char *)"\x7C\x02\x80\x00", 4);
	if (s != 0x9000 || rlen != 4 + bs + 2 || rbuf[0] != 0x7C || rbuf[2] != 0x80)
		return s == 0x9000 ? 0x1 : s;
	if (ecb(ci, key, 0, rbuf + 4, bs, w))
		return 0x2;
	if (spoil)
		w[0] ^= 1;
	RAND_bytes(ch, (int)bs);
	d[0] = 0x7C;
	d[1] = (unsigned char)(4 + 2 * bs);
	d[2] = 0x80;
	d[3] = (unsigned char)bs;
	memcpy(d + 4, w, bs);
	d[4 + bs] = 0x81;
	d[5 + bs] = (unsigned char)bs;
	memcpy(d + 6 + bs, ch, bs);
	s = txd(c, hdr, d, 6 + 2 * bs);
	if (s != 0x9000)
		return s;
	if (ecb(ci, key, 1, ch, bs, exp) || rlen != 4 + bs + 2 || rbuf[2] != 0x82 ||
	    memcmp(rbuf + 4, exp, bs))
		return 0x3;         /* the card did not prove the key */
	return s;
}

/* ---- the tests ------------------------------------------------------------------- */

static void test_select(void)
{
	struct vt_piv *c = vt_piv_new_factory();

	ok(c != NULL, "factory card");
	is_ulong(tx(c, "00A4040005A000000308"), 0x9000, "SELECT by the 5-byte RID");
	ok(rlen > 2 && rbuf[0] == 0x61 && rbuf[1] == rlen - 4, "... answers the property template 61");
	ok(rlen > 10 && !memcmp(rbuf + 2, "\x4F\x06\x00\x00\x10\x00\x01\x00", 8),
	   "... with the PIX 00 00 10 00 01 00 (tag 4F)");
	is_ulong(tx(c, "00A404000BA000000308000010000100"), 0x9000, "SELECT by the full AID");
	is_ulong(tx(c, "00A404000BA000000308000010000200"), 0x6A82, "another AID -> 6A82");
	is_ulong(tx(c, "00A4040004A0000003"), 0x6A82, "a 4-byte prefix -> 6A82");
	is_ulong(tx(c, "00A4000002 3F00"), 0x6A86, "SELECT by FID -> 6A86");
	is_ulong(tx(c, "00A404000CA000000308"), 0x6700, "Lc beyond the data -> 6700");
	is_ulong(tx(c, "80A4040005A000000308"), 0x6E00, "CLA 80 -> 6E00");
	is_ulong(tx(c, "0CA4040005A000000308"), 0x6E00, "secure messaging -> 6E00");
	is_ulong(tx(c, "00B0000000"), 0x6D00, "READ BINARY -> 6D00");
	is_ulong(tx(c, "00FD0000"), 0x9000, "GET VERSION");
	ok(rlen == 5 && rbuf[0] == 5, "... 3 bytes, major 5");
	is_ulong(tx(c, "00F8000000"), 0x9000, "GET SERIAL");
	ok(rlen == 6 && !memcmp(rbuf, c->serial, 4), "... the card's 4 bytes");
	vt_piv_free(c);
}

static void test_data(void)
{
	struct vt_piv *c = vt_piv_new_factory();
	unsigned char obj[1200], a[300];
	size_t i, off, got;

	is_ulong(tx(c, "00CB3FFF 03 5C017E 00"), 0x9000, "GET DATA discovery object");
	ok(rlen > 4 && rbuf[0] == 0x7E && rbuf[2] == 0x4F, "... a 7E template with the AID");
	is_ulong(tx(c, "00CB3FFF 05 5C035FC102 00"), 0x6A82, "no CHUID yet -> 6A82");
	is_ulong(tx(c, "00CB3FFF 05 5C035FC103 00"), 0x6982, "fingerprints need the PIN -> 6982");
	is_ulong(tx(c, "00CB3FFF 05 5C035FC1FF 00"), 0x6A82, "an unknown tag -> 6A82");
	is_ulong(tx(c, "00CB3FFF 03 5D017E 00"), 0x6A80, "not a tag list -> 6A80");
	is_ulong(tx(c, "00CB3FFE 03 5C017E 00"), 0x6A86, "P1 P2 not 3F FF -> 6A86");
	is_ulong(tx(c, "00DB3FFF 08 5C035FC102 530100"), 0x6982,
		 "PUT DATA without the management key -> 6982");
	is_ulong(mutual_auth(c, 0x03, EVP_des_ede3_ecb(), mgm3des, 1), 0x6982,
		 "a wrong witness -> 6982");
	is_ulong(tx(c, "00DB3FFF 08 5C035FC102 530100"), 0x6982, "... and no rights");
	is_ulong(mutual_auth(c, 0x08, EVP_aes_128_ecb(), mgm3des, 0), 0x6A86,
		 "the wrong algorithm for the key -> 6A86");
	is_ulong(mutual_auth(c, 0x03, EVP_des_ede3_ecb(), mgm3des, 0), 0x9000,
		 "3DES mutual authentication with the default key (card proves it too)");
	is_ulong(tx(c, "00DB3FFF 09 5C035FC102 53023401"), 0x9000, "PUT DATA CHUID");
	is_ulong(tx(c, "00CB3FFF 05 5C035FC102 00"), 0x9000, "GET DATA CHUID");
	ok(rlen == 6 && !memcmp(rbuf, "\x53\x02\x34\x01", 4), "... 53 02 34 01");
	is_ulong(tx(c, "00DB3FFF 07 5C035FC102 5300"), 0x9000, "PUT DATA with nothing");
	is_ulong(tx(c, "00CB3FFF 05 5C035FC102 00"), 0x6A82, "... deletes the object");
	is_ulong(tx(c, "00DB3FFF 07 5C035FC1FF 5300"), 0x6A80, "PUT DATA to an unknown tag -> 6A80");
	is_ulong(tx(c, "00DB3FFF 07 5C035FC105 5400"), 0x6A80, "PUT DATA without 53 -> 6A80");

	/* a certificate-sized object in a chain, read back through GET RESPONSE */
	obj[0] = 0x5C; obj[1] = 3; obj[2] = 0x5F; obj[3] = 0xC1; obj[4] = 0x05;
	obj[5] = 0x53; obj[6] = 0x82; obj[7] = 0x03; obj[8] = 0xE8;
	for (i = 0; i < 1000; i++)
		obj[9 + i] = (unsigned char)(i * 7);
	for (off = 0; off < 1009; off += 255) {
		size_t n = 1009 - off < 255 ? 1009 - off : 255;

		unhex(off + n < 1009 ? "10DB3FFF" : "00DB3FFF", a, 4);
		a[4] = (unsigned char)n;
		memcpy(a + 5, obj + off, n);
		if (txb(c, a, 5 + n) != 0x9000)
			break;
	}
	is_ulong(sw(), 0x9000, "PUT DATA of 1000 bytes in four chained parts");
	got = 0;
	tx(c, "00CB3FFF 05 5C035FC105 00");
	is_ulong(sw(), 0x6100, "GET DATA of it: 256 bytes and 61 00");
	memcpy(obj + 1100 - 1100, rbuf, 0);
	{
		static unsigned char back[1100];

		memcpy(back, rbuf, rlen - 2);
		got = rlen - 2;
		while ((sw() & 0xFF00) == 0x6100 && got < sizeof back) {
			tx(c, "00C0000000");
			memcpy(back + got, rbuf, rlen - 2 < sizeof back - got ? rlen - 2 : 0);
			got += rlen - 2;
		}
		is_ulong(sw(), 0x9000, "... the rest through GET RESPONSE");
		ok(got == 1004 && !memcmp(back + 4, obj + 9, 1000), "... all 1000 bytes as written");
	}
	/* a chain that another command interrupts is dropped, and that command runs */
	is_ulong(tx(c, "10DB3FFF 07 5C035FC10A 5300"), 0x9000, "a first chain part");
	is_ulong(tx(c, "00CB3FFF 03 5C017E 00"), 0x9000, "another command ends the chain and runs");
	is_ulong(tx(c, "00DB3FFF 02 0000"), 0x6A80, "the last part alone is not the chain's");
	vt_piv_power_reset(c);
	is_ulong(tx(c, "00DB3FFF 08 5C035FC102 530100"), 0x6982, "power loss drops the authentication");
	vt_piv_free(c);
}

static void test_pins(void)
{
	struct vt_piv *c = vt_piv_new_factory();

	is_ulong(tx(c, "00200080"), 0x63C3, "VERIFY without data: 63 C3");
	is_ulong(tx(c, "0020008008 313233343537FFFF"), 0x63C2, "wrong PIN: 63 C2");
	is_ulong(tx(c, "0020008007 313233343536FF"), 0x6A80, "7 bytes -> 6A80");
	is_ulong(tx(c, "0020008008 313233343536FFFF"), 0x9000, "right PIN");
	is_ulong(tx(c, "00200080"), 0x9000, "VERIFY without data: 90 00 now");
	is_ulong(c->pin.tries_left, 3, "the counter is back to 3");
	is_ulong(tx(c, "0020FF8008 313233343536FFFF"), 0x6A86, "VERIFY P1 FF with data -> 6A86");
	is_ulong(tx(c, "00FF0080"), 0x6A86, "SET MANAGEMENT KEY with P1 00 -> 6A86");
	is_ulong(tx(c, "00FFFFFF1B 039B18 010203040506070801020304050607080102030405060708"),
		 0x6982, "SET MANAGEMENT KEY without the management key -> 6982");
	is_ulong(tx(c, "0020FF80"), 0x9000, "VERIFY P1 FF resets the PIN status");
	is_ulong(tx(c, "00200080"), 0x63C3, "... 63 C3 again");
	is_ulong(tx(c, "00200081"), 0x63C3, "PUK status: 63 C3");
	is_ulong(tx(c, "00200082"), 0x6A88, "reference 82 -> 6A88");
	is_ulong(tx(c, "0024008010 313233343536FFFF 3635343332FFFFFF"), 0x6A80,
		 "a new PIN of 5 digits -> 6A80");
	is_ulong(tx(c, "0024008010 313233343536FFFF 363534FF33323130"), 0x6A80,
		 "padding inside the new PIN -> 6A80");
	is_ulong(tx(c, "0024008010 313233343536FFFF 3635343332310000"), 0x9000,
		 "CHANGE REFERENCE DATA: an 8-byte PIN");
	is_ulong(tx(c, "0020008008 313233343536FFFF"), 0x63C2, "the old PIN is refused");
	is_ulong(tx(c, "002C008010 3132333435363738 313131313131FFFF"), 0x9000,
		 "RESET RETRY COUNTER with the PUK");
	is_ulong(c->pin.tries_left, 3, "... restores the tries");
	is_ulong(tx(c, "0020008008 313131313131FFFF"), 0x9000, "... and sets the PIN");
	is_ulong(tx(c, "002C008110 3132333435363738 313131313131FFFF"), 0x6A88,
		 "RESET RETRY COUNTER for the PUK -> 6A88");
	is_ulong(tx(c, "00FB0000"), 0x6985, "RESET while PIN and PUK work -> 6985");
	tx(c, "0020008008 303030303030FFFF");
	tx(c, "0020008008 303030303030FFFF");
	is_ulong(tx(c, "0020008008 303030303030FFFF"), 0x6983, "the third wrong PIN blocks: 69 83");
	is_ulong(tx(c, "0020008008 313131313131FFFF"), 0x6983, "... even the right one");
	is_ulong(tx(c, "00200080"), 0x6983, "... status 69 83");
	is_ulong(tx(c, "00FB0000"), 0x6985, "RESET with the PUK usable -> 6985");
	tx(c, "002C008010 3030303030303030 323232323232FFFF");
	tx(c, "002C008010 3030303030303030 323232323232FFFF");
	is_ulong(tx(c, "002C008010 3030303030303030 323232323232FFFF"), 0x6983,
		 "three wrong PUKs block it");
	is_ulong(tx(c, "00FB0000"), 0x9000, "RESET with both blocked");
	is_ulong(tx(c, "0020008008 313233343536FFFF"), 0x9000, "the default PIN is back");
	is_ulong(mutual_auth(c, 0x03, EVP_des_ede3_ecb(), mgm3des, 0), 0x9000,
		 "... and the default management key");
	is_ulong(tx(c, "00FA0505"), 0x9000, "SET PIN RETRIES 5 5 (PIN and management key)");
	is_ulong(tx(c, "00200080"), 0x63C5, "... 63 C5");
	is_ulong(tx(c, "00FA0505"), 0x6982, "... needs the PIN verified again");
	vt_piv_free(c);
}

static EVP_PKEY *ec_pub(const char *group, const unsigned char *pt, size_t n)
{
	OSSL_PARAM_BLD *b = OSSL_PARAM_BLD_new();
	OSSL_PARAM *p = NULL;
	EVP_PKEY_CTX *x = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	EVP_PKEY *k = NULL;

	if (b && x && OSSL_PARAM_BLD_push_utf8_string(b, OSSL_PKEY_PARAM_GROUP_NAME, group, 0) &&
	    OSSL_PARAM_BLD_push_octet_string(b, OSSL_PKEY_PARAM_PUB_KEY, pt, n) &&
	    (p = OSSL_PARAM_BLD_to_param(b)) && EVP_PKEY_fromdata_init(x) > 0)
		EVP_PKEY_fromdata(x, &k, EVP_PKEY_PUBLIC_KEY, p);
	OSSL_PARAM_free(p);
	OSSL_PARAM_BLD_free(b);
	EVP_PKEY_CTX_free(x);
	return k;
}

static int verify_ecdsa(EVP_PKEY *k, const unsigned char *h, size_t hn, const unsigned char *sig,
			size_t sn)
{
	EVP_PKEY_CTX *x = EVP_PKEY_CTX_new(k, NULL);
	int r = x && EVP_PKEY_verify_init(x) > 0 && EVP_PKEY_verify(x, sig, sn, h, hn) == 1;

	EVP_PKEY_CTX_free(x);
	return r;
}

static void test_ec(void)
{
	struct vt_piv *c = vt_piv_new_factory();
	unsigned char pt[97], hash[48], d[120], sec[48], sec2[48];
	EVP_PKEY *pub = NULL, *peer = NULL;
	EVP_PKEY_CTX *x = NULL;
	size_t ptn, n = sizeof sec2;

	is_ulong(tx(c, "0047009A05 AC03800111"), 0x6982, "GENERATE without the management key");
	mutual_auth(c, 0x03, EVP_des_ede3_ecb(), mgm3des, 0);
	is_ulong(tx(c, "0047009B05 AC03800111"), 0x6A88, "GENERATE into 9B -> 6A88");
	is_ulong(tx(c, "0047009A05 AC03800199"), 0x6A80, "an unknown algorithm -> 6A80");
	is_ulong(tx(c, "0047009A05 AB03800111"), 0x6A80, "no AC template -> 6A80");
	is_ulong(tx(c, "0047009A08 AC06800111AA0104"), 0x6A80, "PIN policy 4 -> 6A80");
	is_ulong(tx(c, "0047009A05 AC03800111 00"), 0x9000, "GENERATE P-256 in 9A");
	ok(rlen == 2 + 5 + 65 && rbuf[0] == 0x7F && rbuf[1] == 0x49 && rbuf[3] == 0x86 &&
	   rbuf[4] == 0x41 && rbuf[5] == 0x04, "... 7F49 { 86 41 04 x y }");
	ptn = 65;
	memcpy(pt, rbuf + 5, ptn);
	pub = ec_pub("P-256", pt, ptn);
	ok(pub != NULL, "... a point OpenSSL takes");
	is_ulong(tx(c, "00F7009A"), 0x9000, "GET METADATA 9A");
	ok(rlen > 12 && rbuf[0] == 1 && rbuf[2] == 0x11 && rbuf[5] == 2 && rbuf[9] == 1 &&
	   rbuf[10] == 0x04, "... P-256, PIN once, generated, then the public key");
	is_ulong(tx(c, "00F70080"), 0x9000, "GET METADATA of the PIN");
	ok(rlen == 16 && rbuf[9] == 1 && rbuf[12] == 3 && rbuf[13] == 3, "... default, 3 of 3 tries");
	is_ulong(tx(c, "00F7009C"), 0x6A88, "GET METADATA of an empty slot -> 6A88");

	RAND_bytes(hash, 32);
	d[0] = 0x7C; d[1] = 0x24; d[2] = 0x82; d[3] = 0x00; d[4] = 0x81; d[5] = 0x20;
	memcpy(d + 6, hash, 32);
	is_ulong(txd(c, "0087119A", d, 38), 0x6982, "ECDSA without the PIN -> 6982");
	tx(c, "0020008008 313233343536FFFF");
	is_ulong(txd(c, "0087079A", d, 38), 0x6A86, "... with the RSA algorithm -> 6A86");
	is_ulong(txd(c, "0087119A", d, 38), 0x9000, "ECDSA P-256 of a SHA-256 hash");
	ok(rlen > 6 && rbuf[0] == 0x7C && rbuf[2] == 0x82 &&
	   verify_ecdsa(pub, hash, 32, rbuf + 4, rbuf[3]), "... OpenSSL verifies the DER signature");
	is_ulong(txd(c, "0087119A", d, 38), 0x9000, "PIN once: a second signature needs no VERIFY");

	/* ECDH: the card's x coordinate equals OpenSSL's */
	peer = EVP_EC_gen("P-256");
	ok(peer && EVP_PKEY_get_octet_string_param(peer, OSSL_PKEY_PARAM_PUB_KEY, pt, sizeof pt,
						   &ptn) && ptn == 65, "a peer key");
	d[0] = 0x7C; d[1] = 0x45; d[2] = 0x82; d[3] = 0x00; d[4] = 0x85; d[5] = 0x41;
	memcpy(d + 6, pt, 65);
	is_ulong(txd(c, "0087119A", d, 71), 0x9000, "ECDH with tag 85");
	memcpy(sec, rbuf + 4, 32);
	x = EVP_PKEY_CTX_new(peer, NULL);
	ok(x && EVP_PKEY_derive_init(x) > 0 && EVP_PKEY_derive_set_peer(x, pub) > 0 &&
	   EVP_PKEY_derive(x, sec2, &n) > 0 && n == 32 && rlen == 38 && !memcmp(sec, sec2, 32),
	   "... the same secret as OpenSSL");
	d[6 + 10] ^= 1;
	is_ulong(txd(c, "0087119A", d, 71), 0x6A80, "a point off the curve -> 6A80");
	d[6] = 0x02;
	is_ulong(txd(c, "0087119A", d, 71), 0x6A80, "not an uncompressed point -> 6A80");
	is_ulong(tx(c, "0087119A06 7C04820081 00"), 0x6A80, "an empty hash -> 6A80");
	is_ulong(tx(c, "0087119A04 7C028100"), 0x6A80, "no 82 request -> 6A80");
	EVP_PKEY_CTX_free(x);
	EVP_PKEY_free(pub);
	EVP_PKEY_free(peer);

	/* P-384 in a retired slot, imported (Yubico IMPORT KEY, tag 06) */
	{
		EVP_PKEY *k = EVP_EC_gen("P-384");
		BIGNUM *bn = NULL;
		unsigned char imp[60];

		ok(k && EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_PRIV_KEY, &bn) &&
		   BN_bn2binpad(bn, imp + 2, 48) == 48, "an OpenSSL P-384 key");
		imp[0] = 0x06;
		imp[1] = 48;
		is_ulong(txd(c, "00FE1482", imp, 50), 0x9000, "IMPORT KEY P-384 into 82");
		is_ulong(txd(c, "00FE1182", imp, 50), 0x6A80, "... as P-256 -> 6A80 (wrong length)");
		is_ulong(txd(c, "00FE149B", imp, 50), 0x6A88, "... into 9B -> 6A88");
		is_ulong(tx(c, "00F70082"), 0x9000, "GET METADATA 82");
		ok(rlen > 10 && rbuf[2] == 0x14 && rbuf[9] == 2, "... P-384, imported");
		RAND_bytes(hash, 48);
		d[0] = 0x7C; d[1] = 0x34; d[2] = 0x82; d[3] = 0x00; d[4] = 0x81; d[5] = 0x30;
		memcpy(d + 6, hash, 48);
		is_ulong(txd(c, "00871482", d, 54), 0x9000, "ECDSA P-384 of a SHA-384 hash");
		ok(verify_ecdsa(k, hash, 48, rbuf + 4, rbuf[3]), "... OpenSSL verifies it");
		BN_clear_free(bn);
		EVP_PKEY_free(k);
	}
	vt_piv_free(c);
}

static void test_rsa_and_aes(void)
{
	struct vt_piv *c = vt_piv_new_factory();
	static unsigned char resp[600], m[256], d[270], back[256];
	unsigned char aes[16], ch[16], enc[16], key[28];
	size_t got = 0, n;
	EVP_PKEY *pub = NULL;
	EVP_PKEY_CTX *x = NULL;
	OSSL_PARAM_BLD *b = NULL;
	OSSL_PARAM *p = NULL;

	mutual_auth(c, 0x03, EVP_des_ede3_ecb(), mgm3des, 0);
	is_ulong(tx(c, "0047009C05 AC03800107 00"), 0x610E, "GENERATE RSA-2048 in 9C: 256 bytes, 61 0E");
	memcpy(resp, rbuf, rlen - 2);
	got = rlen - 2;
	is_ulong(tx(c, "00C0000000"), 0x9000, "GET RESPONSE: the rest");
	memcpy(resp + got, rbuf, rlen - 2);
	got += rlen - 2;
	ok(got == 5 + 4 + 256 + 5 && resp[0] == 0x7F && resp[1] == 0x49 && resp[5] == 0x81 &&
	   resp[6] == 0x82 && resp[9 + 256] == 0x82 && !memcmp(resp + 9 + 256 + 2, "\x01\x00\x01", 3),
	   "... 7F49 { 81 modulus (256), 82 01 00 01 }");
	b = OSSL_PARAM_BLD_new();
	x = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	if (b && x) {
		BIGNUM *bn_n = BN_bin2bn(resp + 9, 256, NULL), *bn_e = BN_bin2bn(resp + 267, 3, NULL);

		if (OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_N, bn_n) &&
		    OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_E, bn_e) &&
		    (p = OSSL_PARAM_BLD_to_param(b)) && EVP_PKEY_fromdata_init(x) > 0)
			EVP_PKEY_fromdata(x, &pub, EVP_PKEY_PUBLIC_KEY, p);
		BN_free(bn_n);
		BN_free(bn_e);
	}
	EVP_PKEY_CTX_free(x);
	ok(pub != NULL, "the public key");

	/* raw RSA: m^d from the card, then ^e with OpenSSL gives m back */
	RAND_bytes(m, sizeof m);
	m[0] = 0x00;
	d[0] = 0x7C; d[1] = 0x82; d[2] = 0x01; d[3] = 0x06; d[4] = 0x82; d[5] = 0x00;
	d[6] = 0x81; d[7] = 0x82; d[8] = 0x01; d[9] = 0x00;
	memcpy(d + 10, m, 256);
	{
		unsigned char a[300];
		size_t an = 0;

		memcpy(a, "\x00\x87\x07\x9C", 4);
		a[4] = 0x00;
		a[5] = 0x01;
		a[6] = 0x0A;
		memcpy(a + 7, d, 266);
		an = 7 + 266;
		is_ulong(txb(c, a, an), 0x6982, "RSA without the PIN -> 6982 (extended APDU)");
		tx(c, "0020008008 313233343536FFFF");
		is_ulong(txb(c, a, an), 0x9000, "raw RSA after VERIFY (9C: PIN always)");
		ok(rlen == 4 + 4 + 256 + 2 && rbuf[0] == 0x7C && rbuf[4] == 0x82, "... 7C { 82 256 bytes }");
		x = EVP_PKEY_CTX_new(pub, NULL);
		n = sizeof back;
		ok(x && EVP_PKEY_encrypt_init(x) > 0 &&
		   EVP_PKEY_CTX_set_rsa_padding(x, RSA_NO_PADDING) > 0 &&
		   EVP_PKEY_encrypt(x, back, &n, rbuf + 8, 256) > 0 && n == 256 &&
		   !memcmp(back, m, 256), "... OpenSSL's public operation gives the block back");
		EVP_PKEY_CTX_free(x);
		is_ulong(txb(c, a, an), 0x6982, "PIN always: the next use needs a new VERIFY");
		memset(a + 7 + 10, 0xFF, 256);
		tx(c, "0020008008 313233343536FFFF");
		is_ulong(txb(c, a, an), 0x6A80, "a block not below the modulus -> 6A80");
	}

	/* an AES-128 management key, then one-way authentication (Appendix A.2) */
	RAND_bytes(aes, sizeof aes);
	key[0] = 0x08; key[1] = 0x9B; key[2] = 16;
	memcpy(key + 3, aes, 16);
	is_ulong(txd(c, "00FFFFFF", key, 19), 0x9000, "SET MANAGEMENT KEY to AES-128");
	key[2] = 15;
	is_ulong(txd(c, "00FFFFFF", key, 18), 0x6A80, "... a 15-byte AES key -> 6A80");
	vt_piv_power_reset(c);
	is_ulong(mutual_auth(c, 0x03, EVP_des_ede3_ecb(), mgm3des, 0), 0x6A86,
		 "3DES is no longer the key's algorithm -> 6A86");
	is_ulong(tx(c, "0087089B04 7C028100 00"), 0x9000, "AES: ask the card for a challenge");
	ok(rlen == 22 && rbuf[2] == 0x81 && rbuf[3] == 16, "... 16 bytes");
	memcpy(ch, rbuf + 4, 16);
	ecb(EVP_aes_128_ecb(), aes, 1, ch, 16, enc);
	d[0] = 0x7C; d[1] = 0x12; d[2] = 0x82; d[3] = 0x10;
	memcpy(d + 4, enc, 16);
	d[4] ^= 0x80;
	is_ulong(txd(c, "0087089B", d, 20), 0x6982, "a wrong response -> 6982");
	is_ulong(txd(c, "0087089B", d, 20), 0x6982, "... and the challenge is used up");
	tx(c, "0087089B04 7C028100 00");
	memcpy(ch, rbuf + 4, 16);
	ecb(EVP_aes_128_ecb(), aes, 1, ch, 16, enc);
	memcpy(d + 4, enc, 16);
	is_ulong(txd(c, "0087089B", d, 20), 0x9000, "the right response authenticates");
	is_ulong(tx(c, "00DB3FFF 09 5C035FC102 53023401"), 0x9000, "... PUT DATA works");
	is_ulong(mutual_auth(c, 0x08, EVP_aes_128_ecb(), aes, 0), 0x9000,
		 "AES-128 mutual authentication");
	{
		unsigned char k256[35], kk[32];

		RAND_bytes(kk, 32);
		k256[0] = 0x0C; k256[1] = 0x9B; k256[2] = 32;
		memcpy(k256 + 3, kk, 32);
		is_ulong(txd(c, "00FFFFFE", k256, 35), 0x9000, "SET MANAGEMENT KEY AES-256 (touch)");
		is_ulong(mutual_auth(c, 0x0C, EVP_aes_256_ecb(), kk, 0), 0x9000,
			 "AES-256 mutual authentication");
		is_ulong(tx(c, "00F7009B"), 0x9000, "GET METADATA 9B");
		ok(rlen == 12 && rbuf[2] == 0x0C && rbuf[6] == 2 && rbuf[9] == 0,
		   "... AES-256, touch always, not the default");
	}
	OSSL_PARAM_free(p);
	OSSL_PARAM_BLD_free(b);
	EVP_PKEY_free(pub);
	vt_piv_free(c);
}

static void test_state(void)
{
	struct vt_piv *c = vt_piv_new_factory(), *c2;
	char *t1 = NULL, *t2 = NULL, err[128];
	size_t n1 = 0, n2 = 0;
	FILE *f;

	mutual_auth(c, 0x03, EVP_des_ede3_ecb(), mgm3des, 0);
	tx(c, "0047009A05 AC03800111 00");
	tx(c, "0047009D05 AC03800114 00");
	tx(c, "00DB3FFF 09 5C035FC102 53023401");
	tx(c, "0020008008 303030303030FFFF");
	f = open_memstream(&t1, &n1);
	ok(f && vt_piv_save(c, f) == 0 && fclose(f) == 0, "save");
	f = fmemopen(t1, n1, "r");
	c2 = f ? vt_piv_load(f, err, sizeof err) : NULL;
	if (f)
		fclose(f);
	ok(c2 != NULL, "load it back");
	if (c2) {
		f = open_memstream(&t2, &n2);
		ok(f && vt_piv_save(c2, f) == 0 && fclose(f) == 0, "save again");
		ok(n1 == n2 && t2 && !memcmp(t1, t2, n1), "the same text");
		is_ulong(c2->pin.tries_left, 2, "the PIN counter survives");
		is_ulong(c2->mgmt_ok, 0, "the authentication does not");
		is_ulong(tx(c2, "00F7009D"), 0x9000, "the 9D key is there");
		vt_piv_free(c2);
	}
	{
		const char *bad[] = {
			"vtoken-state 1\nend\n",
			"vtoken-piv-state 1\nserial 01020304\nend\n",
			"vtoken-piv-state 1\nserial 01020304\npin 3 4 313233343536ffff\n"
			"puk 3 3 3132333435363738\nmgmt 03 0 010203040506070801020304050607080102030405060708\nend\n",
			"vtoken-piv-state 1\nserial 01020304\npin 3 3 313233343536ffff\n"
			"puk 3 3 3132333435363738\nmgmt 03 0 010203040506070801020304050607080102030405060708\n"
			"key 9a 11 1 2 1 00112233\nend\n",
			"vtoken-piv-state 1\nserial 01020304\npin 3 3 313233343536ffff\n"
			"puk 3 3 3132333435363738\nmgmt 03 0 010203040506070801020304050607080102030405060708\n"
			"object 5fc1ff 00\nend\n",
			"vtoken-piv-state 1\nserial 01020304\npin 3 3 313233343536ffff\n"
			"puk 3 3 3132333435363738\nmgmt 03 0 010203040506070801020304050607080102030405060708\n",
		};
		const char *why[] = {
			"the Rutoken header", "no credentials", "more tries left than allowed",
			"a key that is no key", "an unknown object tag", "no end line",
		};
		size_t i;

		for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
			f = fmemopen((void *)bad[i], strlen(bad[i]), "r");
			c2 = f ? vt_piv_load(f, err, sizeof err) : NULL;
			if (f)
				fclose(f);
			ok(c2 == NULL, "refused: %s", why[i]);
			vt_piv_free(c2);
		}
	}
	free(t1);
	free(t2);
	vt_piv_free(c);
}

static void test_random(void)
{
	struct vt_piv *c = vt_piv_new_factory();
	static const unsigned char ins[] = {
		0xA4, 0xCB, 0xDB, 0x20, 0x24, 0x2C, 0x87, 0x47, 0xC0, 0xFD, 0xF8, 0xFE, 0xF7,
		0xFF, 0xFA, 0x00
	};
	unsigned char a[600], r[4];
	int i, good = 1;

	mutual_auth(c, 0x03, EVP_des_ede3_ecb(), mgm3des, 0);
	tx(c, "0020008008 313233343536FFFF");
	for (i = 0; i < 20000 && good; i++) {
		size_t n;

		RAND_bytes(r, sizeof r);
		n = r[0] % 2 ? r[1] % 300 : (size_t)(r[1] % 40);
		RAND_bytes(a, n);
		if (n > 1)
			a[1] = ins[r[2] % sizeof ins];
		if (n > 0 && r[3] % 2)
			a[0] &= 0x10;
		if (n > 4 && r[3] % 4 == 1)
			a[4] = (unsigned char)(n - 5);
		vt_piv_process(c, a, n, rbuf, &rlen);
		good = rlen >= 2 && rlen <= VT_RESP_MAX;
	}
	ok(good, "20000 random APDUs: an answer to each, no overrun (AddressSanitizer)");
	vt_piv_free(c);
}

int main(void)
{
	test_select();
	test_data();
	test_pins();
	test_ec();
	test_rsa_and_aes();
	test_state();
	test_random();
	return done_testing();
}
