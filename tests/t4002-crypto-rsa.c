/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t4002 — RSA on the host against OpenSSL's own RSA in the application's default context:
 * our PKCS #1 v1.5 and PSS encodings signed with a raw private operation verify with
 * OpenSSL; OpenSSL's signatures verify with ours; OpenSSL's PKCS #1 v1.5 and OAEP
 * ciphertexts, decrypted raw, unpad with ours; our encryptions decrypt with OpenSSL;
 * every kind of damage is refused with the code PKCS #11 names.
 */
#include "crypto.h"
#include "crypto/crypto_test.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

static EVP_PKEY *key;           /* the test's private key, default context */
static EVP_PKEY *pub;           /* the module's view: n and e only, private context */
static uint8_t n_be[1024], e_be[16];
static size_t n_len, e_len, k;

static const struct { CK_MECHANISM_TYPE mech; const char *name; } hashes[] = {
	{ CKM_SHA_1, "SHA1" }, { CKM_SHA224, "SHA224" }, { CKM_SHA256, "SHA256" },
	{ CKM_SHA384, "SHA384" }, { CKM_SHA512, "SHA512" }, { CKM_SHA3_256, "SHA3-256" },
};

/* The token's job: m^d mod n on a k-byte block. */
static int raw_private(const uint8_t *in, uint8_t *out)
{
	EVP_PKEY_CTX *c = EVP_PKEY_CTX_new(key, NULL);
	size_t olen = k;
	int ok = c != NULL && EVP_PKEY_decrypt_init(c) == 1 &&
		 EVP_PKEY_CTX_set_rsa_padding(c, RSA_NO_PADDING) == 1 &&
		 EVP_PKEY_decrypt(c, out, &olen, in, k) == 1 && olen == k;

	EVP_PKEY_CTX_free(c);
	return ok ? 0 : -1;
}

static int ossl_verify(int pad, const char *md, const char *mgf, int slen, const uint8_t *h,
		       size_t hlen, const uint8_t *sig)
{
	EVP_PKEY_CTX *c = EVP_PKEY_CTX_new(key, NULL);
	int r = -1;

	if (c == NULL || EVP_PKEY_verify_init(c) != 1 ||
	    EVP_PKEY_CTX_set_rsa_padding(c, pad) != 1)
		goto out;
	if (md != NULL && EVP_PKEY_CTX_set_signature_md(c, EVP_get_digestbyname(md)) != 1)
		goto out;
	if (pad == RSA_PKCS1_PSS_PADDING &&
	    (EVP_PKEY_CTX_set_rsa_mgf1_md(c, EVP_get_digestbyname(mgf)) != 1 ||
	     EVP_PKEY_CTX_set_rsa_pss_saltlen(c, slen) != 1))
		goto out;
	r = EVP_PKEY_verify(c, sig, k, h, hlen);
out:
	EVP_PKEY_CTX_free(c);
	return r;
}

static int ossl_sign(int pad, const char *md, const char *mgf, int slen, const uint8_t *h,
		     size_t hlen, uint8_t *sig)
{
	EVP_PKEY_CTX *c = EVP_PKEY_CTX_new(key, NULL);
	size_t sl = k;
	int r = -1;

	if (c == NULL || EVP_PKEY_sign_init(c) != 1 || EVP_PKEY_CTX_set_rsa_padding(c, pad) != 1)
		goto out;
	if (md != NULL && EVP_PKEY_CTX_set_signature_md(c, EVP_get_digestbyname(md)) != 1)
		goto out;
	if (pad == RSA_PKCS1_PSS_PADDING &&
	    (EVP_PKEY_CTX_set_rsa_mgf1_md(c, EVP_get_digestbyname(mgf)) != 1 ||
	     EVP_PKEY_CTX_set_rsa_pss_saltlen(c, slen) != 1))
		goto out;
	r = EVP_PKEY_sign(c, sig, &sl, h, hlen) == 1 && sl == k ? 0 : -1;
out:
	EVP_PKEY_CTX_free(c);
	return r;
}

static int ossl_encrypt(int pad, const char *md, const uint8_t *label, size_t llen,
			const uint8_t *in, size_t in_len, uint8_t *out)
{
	EVP_PKEY_CTX *c = EVP_PKEY_CTX_new(key, NULL);
	size_t ol = k;
	int r = -1;

	if (c == NULL || EVP_PKEY_encrypt_init(c) != 1 ||
	    EVP_PKEY_CTX_set_rsa_padding(c, pad) != 1)
		goto out;
	if (pad == RSA_PKCS1_OAEP_PADDING) {
		if (EVP_PKEY_CTX_set_rsa_oaep_md(c, EVP_get_digestbyname(md)) != 1 ||
		    EVP_PKEY_CTX_set_rsa_mgf1_md(c, EVP_get_digestbyname(md)) != 1)
			goto out;
		if (llen > 0 && EVP_PKEY_CTX_set0_rsa_oaep_label(c, OPENSSL_memdup(label, llen),
								  (int)llen) != 1)
			goto out;
	}
	r = EVP_PKEY_encrypt(c, out, &ol, in, in_len) == 1 && ol == k ? 0 : -1;
out:
	EVP_PKEY_CTX_free(c);
	return r;
}

static int ossl_decrypt(int pad, const char *md, const uint8_t *in, uint8_t *out, size_t *ol)
{
	EVP_PKEY_CTX *c = EVP_PKEY_CTX_new(key, NULL);
	int r = -1;

	*ol = k;
	if (c == NULL || EVP_PKEY_decrypt_init(c) != 1 ||
	    EVP_PKEY_CTX_set_rsa_padding(c, pad) != 1)
		goto out;
	if (pad == RSA_PKCS1_OAEP_PADDING &&
	    (EVP_PKEY_CTX_set_rsa_oaep_md(c, EVP_get_digestbyname(md)) != 1 ||
	     EVP_PKEY_CTX_set_rsa_mgf1_md(c, EVP_get_digestbyname(md)) != 1))
		goto out;
	r = EVP_PKEY_decrypt(c, out, ol, in, k) == 1 ? 0 : -1;
out:
	EVP_PKEY_CTX_free(c);
	return r;
}

static void setup(unsigned bits)
{
	BIGNUM *bn = NULL, *be = NULL;

	EVP_PKEY_free(key);
	EVP_PKEY_free(pub);
	key = EVP_RSA_gen(bits);
	if (key == NULL || !EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_N, &bn) ||
	    !EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_E, &be)) {
		printf("Bail out! cannot make an RSA key\n");
		exit(255);
	}
	n_len = (size_t)BN_bn2bin(bn, n_be);
	e_len = (size_t)BN_bn2bin(be, e_be);
	k = n_len;
	BN_free(bn);
	BN_free(be);
	is_rv(crypto_rsa_pkey(n_be, n_len, e_be, e_len, &pub), CKR_OK,
	      "RSA-%u: a public key from n and e", bits);
}

static void sign_tests(unsigned bits)
{
	uint8_t h[64], em[1024], sig[1024], t[1024];
	struct crypto_rsa_params p;
	size_t i, hl;

	for (i = 0; i < sizeof hashes / sizeof hashes[0]; i++) {
		hl = crypto_md_size(hashes[i].mech);
		crypto_random(h, hl);

		/* PKCS #1 v1.5: ours signs, OpenSSL verifies */
		memset(&p, 0, sizeof p);
		p.pad = CRYPTO_PAD_PKCS1;
		p.hash = hashes[i].mech;
		ok(crypto_rsa_pkcs1_encode(hashes[i].mech, h, hl, em, k) == CKR_OK &&
		   raw_private(em, sig) == 0 &&
		   ossl_verify(RSA_PKCS1_PADDING, hashes[i].name, NULL, 0, h, hl, sig) == 1,
		   "RSA-%u %s PKCS#1 v1.5: our encoding verifies with OpenSSL", bits,
		   hashes[i].name);
		is_rv(crypto_rsa_verify(pub, &p, h, hl, sig, k), CKR_OK,
		      "RSA-%u %s PKCS#1 v1.5: and with ours", bits, hashes[i].name);
		ok(ossl_sign(RSA_PKCS1_PADDING, hashes[i].name, NULL, 0, h, hl, sig) == 0 &&
		   crypto_rsa_verify(pub, &p, h, hl, sig, k) == CKR_OK,
		   "RSA-%u %s PKCS#1 v1.5: OpenSSL's signature verifies with ours", bits,
		   hashes[i].name);
		h[0] ^= 1;
		is_rv(crypto_rsa_verify(pub, &p, h, hl, sig, k), CKR_SIGNATURE_INVALID,
		      "RSA-%u %s PKCS#1 v1.5: another hash is CKR_SIGNATURE_INVALID", bits,
		      hashes[i].name);
		h[0] ^= 1;
		is_rv(crypto_rsa_verify(pub, &p, h, hl, sig, k - 1), CKR_SIGNATURE_LEN_RANGE,
		      "RSA-%u %s PKCS#1 v1.5: a short signature is CKR_SIGNATURE_LEN_RANGE", bits,
		      hashes[i].name);
		is_rv(crypto_rsa_verify(pub, &p, h, hl - 1, sig, k), CKR_DATA_LEN_RANGE,
		      "RSA-%u %s PKCS#1 v1.5: a hash of the wrong size is CKR_DATA_LEN_RANGE",
		      bits, hashes[i].name);

		/* PSS, salt as long as the hash: ours signs, OpenSSL verifies, and back */
		if ((bits - 1 + 7) / 8 < 2 * hl + 2) {
			is_rv(crypto_rsa_pss_encode(hashes[i].mech, hashes[i].mech, hl, h, hl, em,
						    k, bits), CKR_KEY_SIZE_RANGE,
			      "RSA-%u %s PSS: a salt as long as the hash does not fit", bits,
			      hashes[i].name);
			continue;
		}
		memset(&p, 0, sizeof p);
		p.pad = CRYPTO_PAD_PSS;
		p.hash = p.mgf_hash = hashes[i].mech;
		p.slen = hl;
		ok(crypto_rsa_pss_encode(p.hash, p.mgf_hash, p.slen, h, hl, em, k, bits) ==
			   CKR_OK && raw_private(em, sig) == 0 &&
		   ossl_verify(RSA_PKCS1_PSS_PADDING, hashes[i].name, hashes[i].name, (int)hl, h,
			       hl, sig) == 1,
		   "RSA-%u %s PSS: our encoding verifies with OpenSSL", bits, hashes[i].name);
		is_rv(crypto_rsa_verify(pub, &p, h, hl, sig, k), CKR_OK,
		      "RSA-%u %s PSS: and with ours", bits, hashes[i].name);
		ok(ossl_sign(RSA_PKCS1_PSS_PADDING, hashes[i].name, hashes[i].name, (int)hl, h, hl,
			     sig) == 0 && crypto_rsa_verify(pub, &p, h, hl, sig, k) == CKR_OK,
		   "RSA-%u %s PSS: OpenSSL's signature verifies with ours", bits, hashes[i].name);
		sig[k / 2] ^= 0x40;
		is_rv(crypto_rsa_verify(pub, &p, h, hl, sig, k), CKR_SIGNATURE_INVALID,
		      "RSA-%u %s PSS: a damaged signature is CKR_SIGNATURE_INVALID", bits,
		      hashes[i].name);
	}

	/* PSS with MGF1-SHA1 over SHA-256 and an empty salt */
	memset(&p, 0, sizeof p);
	p.pad = CRYPTO_PAD_PSS;
	p.hash = CKM_SHA256;
	p.mgf_hash = CKM_SHA_1;
	p.slen = 0;
	crypto_random(h, 32);
	ok(crypto_rsa_pss_encode(p.hash, p.mgf_hash, 0, h, 32, em, k, bits) == CKR_OK &&
	   raw_private(em, sig) == 0 &&
	   ossl_verify(RSA_PKCS1_PSS_PADDING, "SHA256", "SHA1", 0, h, 32, sig) == 1 &&
	   crypto_rsa_verify(pub, &p, h, 32, sig, k) == CKR_OK,
	   "RSA-%u PSS SHA-256 with MGF1-SHA1 and no salt, both ways", bits);
	is_rv(crypto_rsa_pss_encode(CKM_SHA512, CKM_SHA512, k, h, 64, em, k, bits),
	      CKR_KEY_SIZE_RANGE, "RSA-%u PSS: a salt longer than the key allows is refused",
	      bits);

	/* CKM_RSA_PKCS on raw data (the DigestInfo is the caller's) */
	memset(&p, 0, sizeof p);
	p.pad = CRYPTO_PAD_PKCS1;
	memcpy(t, "any data the application wants signed", 37);
	ok(crypto_rsa_pkcs1_encode(0, t, 37, em, k) == CKR_OK && raw_private(em, sig) == 0 &&
	   ossl_verify(RSA_PKCS1_PADDING, NULL, NULL, 0, t, 37, sig) == 1 &&
	   crypto_rsa_verify(pub, &p, t, 37, sig, k) == CKR_OK,
	   "RSA-%u CKM_RSA_PKCS on raw data, both ways", bits);
	is_rv(crypto_rsa_pkcs1_encode(0, t, k - 10, em, k), CKR_DATA_LEN_RANGE,
	      "RSA-%u CKM_RSA_PKCS: data longer than k - 11 is CKR_DATA_LEN_RANGE", bits);
	is_rv(crypto_rsa_pkcs1_encode(0, t, k - 11, em, k), CKR_OK,
	      "RSA-%u CKM_RSA_PKCS: k - 11 bytes fit", bits);

	/* CKM_RSA_X_509: the block itself */
	memset(&p, 0, sizeof p);
	p.pad = CRYPTO_PAD_X509;
	memset(em, 0, k);
	memcpy(em + k - 5, "\x01\x02\x03\x04\x05", 5);
	ok(raw_private(em, sig) == 0 && crypto_rsa_verify(pub, &p, em + k - 5, 5, sig, k) ==
	   CKR_OK, "RSA-%u CKM_RSA_X_509: a short block verifies left-padded with zeros", bits);
	memset(sig, 0xff, k);
	is_rv(crypto_rsa_verify(pub, &p, em, k, sig, k), CKR_SIGNATURE_INVALID,
	      "RSA-%u: a signature above the modulus is CKR_SIGNATURE_INVALID", bits);
}

static void crypt_tests(unsigned bits)
{
	static const uint8_t label[] = "a label for OAEP";
	uint8_t msg[64], ct[1024], em[1024], out[1024];
	struct crypto_rsa_params p;
	size_t i, ol = 0;
	CK_RV rv;

	crypto_random(msg, sizeof msg);

	/* PKCS#1 v1.5 type 2: OpenSSL encrypts, the token's raw op and our unpadding */
	memset(&p, 0, sizeof p);
	p.pad = CRYPTO_PAD_PKCS1;
	ok(ossl_encrypt(RSA_PKCS1_PADDING, NULL, NULL, 0, msg, 48, ct) == 0 &&
	   raw_private(ct, em) == 0, "RSA-%u PKCS#1 v1.5: OpenSSL encrypts", bits);
	rv = crypto_rsa_unpad(&p, em, k, out, &ol);
	ok(rv == CKR_OK && ol == 48 && memcmp(out, msg, 48) == 0,
	   "RSA-%u PKCS#1 v1.5: our unpadding recovers the message", bits);
	em[1] = 0x01;
	is_rv(crypto_rsa_unpad(&p, em, k, out, &ol), CKR_ENCRYPTED_DATA_INVALID,
	      "RSA-%u PKCS#1 v1.5: a block of type 1 is CKR_ENCRYPTED_DATA_INVALID", bits);
	memset(em, 0x5a, k);
	is_rv(crypto_rsa_unpad(&p, em, k, out, &ol), CKR_ENCRYPTED_DATA_INVALID,
	      "RSA-%u PKCS#1 v1.5: garbage is CKR_ENCRYPTED_DATA_INVALID", bits);

	/* our encryption, OpenSSL decrypts */
	ok(crypto_rsa_encrypt(pub, &p, msg, 20, ct, &ol) == CKR_OK && ol == k &&
	   ossl_decrypt(RSA_PKCS1_PADDING, NULL, ct, out, &ol) == 0 && ol == 20 &&
	   memcmp(out, msg, 20) == 0, "RSA-%u PKCS#1 v1.5: our encryption decrypts in OpenSSL",
	   bits);
	is_rv(crypto_rsa_encrypt(pub, &p, msg, k - 10, ct, &ol), CKR_DATA_LEN_RANGE,
	      "RSA-%u PKCS#1 v1.5: more than k - 11 bytes is CKR_DATA_LEN_RANGE", bits);

	/* OAEP with each hash, with and without a label */
	for (i = 0; i < sizeof hashes / sizeof hashes[0]; i++) {
		size_t hl = crypto_md_size(hashes[i].mech);
		int with_label = (int)(i % 2);

		if (k < 2 * hl + 2 + 16)
			continue;
		memset(&p, 0, sizeof p);
		p.pad = CRYPTO_PAD_OAEP;
		p.hash = p.mgf_hash = hashes[i].mech;
		if (with_label) {
			p.label = label;
			p.label_len = sizeof label - 1;
		}
		ok(ossl_encrypt(RSA_PKCS1_OAEP_PADDING, hashes[i].name, p.label, p.label_len, msg,
				16, ct) == 0 && raw_private(ct, em) == 0 &&
		   crypto_rsa_unpad(&p, em, k, out, &ol) == CKR_OK && ol == 16 &&
		   memcmp(out, msg, 16) == 0,
		   "RSA-%u OAEP %s%s: OpenSSL's ciphertext unpads with ours", bits,
		   hashes[i].name, with_label ? " with a label" : "");
		p.label_len = with_label ? 0 : 1;
		p.label = label;
		is_rv(crypto_rsa_unpad(&p, em, k, out, &ol), CKR_ENCRYPTED_DATA_INVALID,
		      "RSA-%u OAEP %s: another label is CKR_ENCRYPTED_DATA_INVALID", bits,
		      hashes[i].name);
		if (!with_label) {
			p.label = NULL;
			p.label_len = 0;
			ok(crypto_rsa_encrypt(pub, &p, msg, 16, ct, &ol) == CKR_OK &&
			   ossl_decrypt(RSA_PKCS1_OAEP_PADDING, hashes[i].name, ct, out, &ol) ==
				   0 && ol == 16 && memcmp(out, msg, 16) == 0,
			   "RSA-%u OAEP %s: our encryption decrypts in OpenSSL", bits,
			   hashes[i].name);
		}
	}

	/* raw X.509 encryption: a block below the modulus round-trips */
	memset(&p, 0, sizeof p);
	p.pad = CRYPTO_PAD_X509;
	ok(crypto_rsa_encrypt(pub, &p, msg, 32, ct, &ol) == CKR_OK && raw_private(ct, em) == 0 &&
	   crypto_rsa_unpad(&p, em, k, out, &ol) == CKR_OK && ol == k &&
	   memcmp(out + k - 32, msg, 32) == 0,
	   "RSA-%u X.509: raw encryption and decryption give the block back", bits);
	memset(out, 0xff, k);
	is_rv(crypto_rsa_encrypt(pub, &p, out, k, ct, &ol), CKR_DATA_INVALID,
	      "RSA-%u X.509: a block above the modulus is CKR_DATA_INVALID", bits);
}

int main(void)
{
	uint8_t em[300];
	unsigned bits[] = { 1024, 2048, 4096 };
	size_t i;

	for (i = 0; i < sizeof bits / sizeof bits[0]; i++) {
		setup(bits[i]);
		sign_tests(bits[i]);
		crypt_tests(bits[i]);
	}
	/* a modulus of 2047 bits: PSS's emLen is one byte shorter than k when bits = 8n+1 */
	is_rv(crypto_rsa_pss_encode(CKM_SHA256, CKM_SHA256, 32, em, 32, em, 129, 1025), CKR_OK,
	      "PSS for a 1025-bit modulus leaves the first byte zero");
	ok(em[0] == 0 && em[128] == 0xbc, "and ends in bc");
	EVP_PKEY_free(pub);
	is_rv(crypto_rsa_pkey(em, 0, em, 1, &pub), CKR_KEY_TYPE_INCONSISTENT,
	      "an empty modulus is refused");
	EVP_PKEY_free(key);
	EVP_PKEY_free(pub);
	crypto_fini();
	return done_testing();
}
