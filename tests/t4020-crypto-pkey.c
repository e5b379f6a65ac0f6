/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t4020 — host private keys (runtime/crypto_pkey.c): EdDSA against RFC 8032's test vectors
 * (section 7.1 TEST 1 and TEST 2 for Ed25519, section 7.4 "Blank" for Ed448); GOST R
 * 34.10-2012 keys made and used on every parameter set the module knows, each signature
 * accepted by crypto_gost_verify and refused once damaged, and the signature's shape (r
 * and s below q, so never 0 or q itself); ECDSA keys of P-256, P-384 and P-521 made, used
 * and verified; RSA keys made at 1024 and 2048 bits whose raw private operation the public
 * key undoes; and the refusals (curves, sizes, exponents, blocks not below the modulus).
 * The signatures are checked by openssl in other processes in t5501/t5502.
 */
#include "crypto.h"
#include "crypto/crypto_test.h"

#include <openssl/evp.h>

static const struct {
	const char *name, *params, *secret, *public, *msg, *sig;
} ed_kat[] = {
	/* RFC 8032 7.1 TEST 1 */
	{ "Ed25519 TEST 1", "06032b6570",
	  "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
	  "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
	  "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bac"
	  "c61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b" },
	/* RFC 8032 7.1 TEST 2; CKA_EC_PARAMS as the printable name of PKCS #11 3.0 */
	{ "Ed25519 TEST 2", "(printable)",
	  "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
	  "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
	  "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e"
	  "458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00" },
	/* RFC 8032 7.4 -----Blank */
	{ "Ed448 Blank", "06032b6571",
	  "6c82a562cb808d10d632be89c8513ebf6c929f34ddfa8c9f63c9960ef6e348a3528c8a3fcc2f044e"
	  "39a3fc5b94492f8f032e7549a20098f95b",
	  "5fd7449b59b461fd2ce787ec616ad46a1da1342485a70e1f8a0ea75d80e96778edf124769b46c706"
	  "1bd6783df1e50f6cd1fa1abeafe8256180", "",
	  "533a37f6bbe457251f023c0d88f976ae2dfb504a843e34d2074fd823d41a591f2b233f034f628281"
	  "f2fd7a22ddd47d7828c59bd0a21bfd3980ff0d2028d4b18a9df63e006c5d1c2d345b925d8dc00b41"
	  "04852db99ac5c7cdda8530a113a0f4dbb61149f05a7363268c71d95808ff2e652600" },
};

static void eddsa(void)
{
	uint8_t params[32], secret[64], pub[64], pt[70], m[8], sig[128], want[128], gpriv[57],
		gpub[57];
	size_t i, sl, glen = 0;
	EVP_PKEY *pk = NULL;
	int pl, kl, ml, wl;

	for (i = 0; i < sizeof ed_kat / sizeof ed_kat[0]; i++) {
		const char *name = ed_kat[i].name;

		/* the printable form, whole: "edwards25519" */
		if (i == 1) {
			pl = ct_unhex("130c6564776172647332353531", params, sizeof params);
			params[pl++] = '9';
		} else {
			pl = ct_unhex(ed_kat[i].params, params, sizeof params);
		}
		kl = ct_unhex(ed_kat[i].secret, secret, sizeof secret);
		ct_unhex(ed_kat[i].public, pub, sizeof pub);
		ml = ct_unhex(ed_kat[i].msg, m, sizeof m);
		wl = ct_unhex(ed_kat[i].sig, want, sizeof want);
		is_rv(crypto_eddsa_private_pkey(params, (size_t)pl, secret, (size_t)kl, &pk), CKR_OK,
		      "%s: the private key", name);
		sl = sizeof sig;
		is_rv(crypto_eddsa_sign(pk, m, (size_t)ml, sig, &sl), CKR_OK, "%s: signed", name);
		ok(sl == (size_t)wl && memcmp(sig, want, sl) == 0, "%s: RFC 8032's signature",
		   name);
		EVP_PKEY_free(pk);
		pk = NULL;
		/* CKA_EC_POINT as a DER OCTET STRING, and bare */
		pt[0] = 0x04;
		pt[1] = (uint8_t)kl;
		memcpy(pt + 2, pub, (size_t)kl);
		is_rv(crypto_eddsa_verify(params, (size_t)pl, pt, (size_t)kl + 2, m, (size_t)ml,
					  want, (size_t)wl), CKR_OK, "%s: verified", name);
		is_rv(crypto_eddsa_verify(params, (size_t)pl, pub, (size_t)kl, m, (size_t)ml, want,
					  (size_t)wl), CKR_OK, "%s: verified (a bare point)", name);
		want[3] ^= 0x10;
		is_rv(crypto_eddsa_verify(params, (size_t)pl, pt, (size_t)kl + 2, m, (size_t)ml,
					  want, (size_t)wl), CKR_SIGNATURE_INVALID,
		      "%s: a changed signature is refused", name);
		is_rv(crypto_eddsa_verify(params, (size_t)pl, pt, (size_t)kl + 2, m, (size_t)ml,
					  want, (size_t)wl - 1), CKR_SIGNATURE_LEN_RANGE,
		      "%s: a short one by its length", name);
		/* a new key of the curve signs what its public key verifies */
		is_rv(crypto_eddsa_generate(params, (size_t)pl, gpriv, gpub, &glen), CKR_OK,
		      "%s: a new key", name);
		ok(glen == (size_t)kl, "... of %d bytes", kl);
		is_rv(crypto_eddsa_private_pkey(params, (size_t)pl, gpriv, glen, &pk), CKR_OK,
		      "... taken back");
		sl = sizeof sig;
		ok(crypto_eddsa_sign(pk, m, (size_t)ml, sig, &sl) == CKR_OK &&
		   crypto_eddsa_verify(params, (size_t)pl, gpub, glen, m, (size_t)ml, sig, sl) ==
		   CKR_OK, "... signs, and its public key verifies");
		EVP_PKEY_free(pk);
		pk = NULL;
	}
	pl = ct_unhex("06082a8648ce3d030107", params, sizeof params);       /* P-256 */
	is_rv(crypto_eddsa_check_params(params, (size_t)pl, NULL, NULL), CKR_CURVE_NOT_SUPPORTED,
	      "P-256 is no Edwards curve");
	is_rv(crypto_eddsa_generate(params, (size_t)pl, gpriv, gpub, &glen),
	      CKR_CURVE_NOT_SUPPORTED, "... and makes no EdDSA key");
	pl = ct_unhex("06032b6570", params, sizeof params);
	is_rv(crypto_eddsa_private_pkey(params, (size_t)pl, secret, 31, &pk),
	      CKR_KEY_TYPE_INCONSISTENT, "a 31-byte Ed25519 private key is refused");
}

static const struct {
	const char *name, *oid;
	size_t size;
} gost_sets[] = {
	{ "CryptoPro A", "06072a850302022301", 32 },
	{ "CryptoPro B", "06072a850302022302", 32 },
	{ "CryptoPro C", "06072a850302022303", 32 },
	{ "TC26 256 A", "06092a8503070102010101", 32 },
	{ "TC26 256 B", "06092a8503070102010102", 32 },
	{ "TC26 512 A", "06092a8503070102010201", 64 },
	{ "TC26 512 B", "06092a8503070102010202", 64 },
	{ "TC26 512 C", "06092a8503070102010203", 64 },
};

static void gost(void)
{
	uint8_t oid[16], d[64], xy[128], h[64], sig[128];
	size_t i, size;
	int ol, j, bad;

	for (i = 0; i < sizeof gost_sets / sizeof gost_sets[0]; i++) {
		const char *name = gost_sets[i].name;

		ol = ct_unhex(gost_sets[i].oid, oid, sizeof oid);
		is_rv(crypto_gost_generate(oid, (size_t)ol, d, xy, &size), CKR_OK,
		      "GOST %s: a new key", name);
		is_ulong(size, gost_sets[i].size, "... with %zu-byte coordinates", size);
		for (j = 0, bad = 0; j < 4; j++) {
			/* hashes of several forms: all ones, all zero (e = 1), random */
			if (j == 0)
				memset(h, 0xff, size);
			else if (j == 1)
				memset(h, 0, size);
			else
				crypto_random(h, size);
			bad |= crypto_gost_sign(oid, (size_t)ol, d, size, h, size, sig) != CKR_OK;
			bad |= crypto_gost_verify(oid, (size_t)ol, xy, 2 * size, h, size, sig,
						  2 * size) != CKR_OK;
			sig[2 * size - 1] ^= 1;
			bad |= crypto_gost_verify(oid, (size_t)ol, xy, 2 * size, h, size, sig,
						  2 * size) != CKR_SIGNATURE_INVALID;
		}
		ok(!bad, "GOST %s: four signatures verified, and refused once changed", name);
		is_rv(crypto_gost_sign(oid, (size_t)ol, d, size, h, size - 1, sig),
		      CKR_DATA_LEN_RANGE, "GOST %s: a hash of another length", name);
		is_rv(crypto_gost_sign(oid, (size_t)ol, d, size - 1, h, size, sig),
		      CKR_KEY_TYPE_INCONSISTENT, "GOST %s: a private key of another length", name);
	}
	memset(d, 0, sizeof d);
	ol = ct_unhex(gost_sets[0].oid, oid, sizeof oid);
	is_rv(crypto_gost_sign(oid, (size_t)ol, d, 32, h, 32, sig), CKR_KEY_TYPE_INCONSISTENT,
	      "GOST: a zero private key is refused");
	ol = ct_unhex("06032a0304", oid, sizeof oid);
	is_rv(crypto_gost_generate(oid, (size_t)ol, d, xy, &size), CKR_ATTRIBUTE_VALUE_INVALID,
	      "GOST: an OID of no parameter set makes no key");
}

static void ecdsa(void)
{
	static const struct {
		const char *name, *oid;
		size_t size;
	} curves[] = {
		{ "P-256", "06082a8648ce3d030107", 32 },
		{ "P-384", "06052b81040022", 48 },
		{ "P-521", "06052b81040023", 66 },
	};
	uint8_t params[16], h[64], sig[140], *d, *pt;
	size_t i, dl, pl;
	EVP_PKEY *pk = NULL;
	int ol;

	for (i = 0; i < sizeof curves / sizeof curves[0]; i++) {
		ol = ct_unhex(curves[i].oid, params, sizeof params);
		is_rv(crypto_ec_generate(params, (size_t)ol, &d, &dl, &pt, &pl), CKR_OK,
		      "%s: a new key", curves[i].name);
		ok(dl == curves[i].size && pl == 2 * curves[i].size + 1 + (pl > 129 ? 3 : 2) &&
		   pt[0] == 0x04, "... CKA_VALUE of %zu bytes, CKA_EC_POINT a DER OCTET STRING",
		   curves[i].size);
		is_rv(crypto_ec_private_pkey(params, (size_t)ol, d, dl, &pk), CKR_OK, "... taken back");
		crypto_random(h, sizeof h);
		is_rv(crypto_ecdsa_sign(pk, curves[i].size, h, 32, sig), CKR_OK, "... signs");
		is_rv(crypto_ecdsa_verify(params, (size_t)ol, pt, pl, h, 32, sig, 2 * curves[i].size),
		      CKR_OK, "... and its point verifies");
		sig[0] ^= 0x80;
		is_rv(crypto_ecdsa_verify(params, (size_t)ol, pt, pl, h, 32, sig, 2 * curves[i].size),
		      CKR_SIGNATURE_INVALID, "... not a changed signature");
		EVP_PKEY_free(pk);
		pk = NULL;
		memset(d, 0, dl);
		is_rv(crypto_ec_private_pkey(params, (size_t)ol, d, dl, &pk),
		      CKR_KEY_TYPE_INCONSISTENT, "%s: a zero private key is refused",
		      curves[i].name);
		free(d);
		free(pt);
	}
	ol = ct_unhex("06032a0304", params, sizeof params);
	is_rv(crypto_ec_generate(params, (size_t)ol, &d, &dl, &pt, &pl), CKR_CURVE_NOT_SUPPORTED,
	      "an unknown curve: CKR_CURVE_NOT_SUPPORTED");
}

static void rsa(void)
{
	static const uint8_t f4[] = { 1, 0, 1 }, even[] = { 1, 0, 0 };
	static const size_t sizes[] = { 1024, 2048 };
	struct crypto_rsa_key key;
	struct crypto_rsa_parts parts;
	struct crypto_rsa_params p;
	EVP_PKEY *priv = NULL, *pub = NULL;
	uint8_t blk[256], sig[256];
	size_t i, j, k;

	memset(&p, 0, sizeof p);
	p.pad = CRYPTO_PAD_X509;
	for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		k = sizes[i] / 8;
		is_rv(crypto_rsa_generate(sizes[i], f4, sizeof f4, &key), CKR_OK,
		      "RSA-%zu: a new key", sizes[i]);
		ok(key.len[CRYPTO_RSA_N] == k && crypto_be_bits(key.v[CRYPTO_RSA_N], k) == sizes[i] &&
		   key.len[CRYPTO_RSA_E] == 3 && memcmp(key.v[CRYPTO_RSA_E], f4, 3) == 0,
		   "... n of %zu bits, e = 65537", sizes[i]);
		ok(key.len[CRYPTO_RSA_P] > 0 && key.len[CRYPTO_RSA_QINV] > 0,
		   "... and its CRT values");
		for (j = 0; j < CRYPTO_RSA_NPARTS; j++) {
			parts.v[j] = key.v[j];
			parts.len[j] = key.len[j];
		}
		is_rv(crypto_rsa_private_pkey(&parts, &priv), CKR_OK, "... taken back");
		is_rv(crypto_rsa_pkey(key.v[0], key.len[0], key.v[1], key.len[1], &pub), CKR_OK,
		      "... its public key");
		crypto_random(blk, k);
		blk[0] = 0;
		is_rv(crypto_rsa_private_raw(priv, blk, k, sig), CKR_OK, "... the raw private RSA");
		is_rv(crypto_rsa_verify(pub, &p, blk, k, sig, k), CKR_OK,
		      "... which the public key undoes");
		EVP_PKEY_free(priv);
		priv = NULL;
		/* d alone (no CRT values) computes the same */
		for (j = CRYPTO_RSA_P; j < CRYPTO_RSA_NPARTS; j++)
			parts.v[j] = NULL;
		is_rv(crypto_rsa_private_pkey(&parts, &priv), CKR_OK, "... from n, e and d alone");
		memset(sig, 0, sizeof sig);
		ok(crypto_rsa_private_raw(priv, blk, k, sig) == CKR_OK &&
		   crypto_rsa_verify(pub, &p, blk, k, sig, k) == CKR_OK, "... the same operation");
		memset(blk, 0xff, k);
		is_rv(crypto_rsa_private_raw(priv, blk, k, sig), CKR_DATA_INVALID,
		      "... a block not below n: CKR_DATA_INVALID");
		parts.v[CRYPTO_RSA_E] = NULL;
		EVP_PKEY_free(priv);
		priv = NULL;
		is_rv(crypto_rsa_private_pkey(&parts, &priv), CKR_KEY_TYPE_INCONSISTENT,
		      "... without e: refused");
		EVP_PKEY_free(pub);
		pub = NULL;
		crypto_rsa_key_free(&key);
		ok(key.v[0] == NULL && key.len[2] == 0, "... freed");
	}
	is_rv(crypto_rsa_generate(1024, even, sizeof even, &key), CKR_ATTRIBUTE_VALUE_INVALID,
	      "an even exponent is refused");
}

int main(void)
{
	eddsa();
	gost();
	ecdsa();
	rsa();
	crypto_fini();
	return done_testing();
}
