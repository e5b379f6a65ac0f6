/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * vt_ed25519.c — the virtual Rutoken ECP's Ed25519 keys (an extension of this virtual token,
 * README.md "Ed25519 (extension)"): key generation and PureEdDSA signing (RFC 8032 5.1),
 * with OpenSSL's EVP_PKEY_ED25519. The private-key RSF holds the 32-byte seed (RFC 8032
 * 5.1.5's "private key"), the public-key RSF the 32-byte encoded point A (5.1.2). The card
 * signs the whole message it is given, not a hash: PureEdDSA hashes the message itself.
 */
#include "vt.h"

#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#define SW_OK 0x9000
#define SW_UNKNOWN 0x6F00

size_t vt_ed_size(int alg, unsigned param)
{
	return alg == VT_ALG_ED25519 && param == VT_ED25519_PARAM ? VT_ED25519_LEN : 0;
}

int vt_ed_public(const unsigned char *seed, unsigned char *pub)
{
	EVP_PKEY *k = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, VT_ED25519_LEN);
	size_t n = VT_ED25519_LEN;
	int rc = -1;

	if (k && EVP_PKEY_get_raw_public_key(k, pub, &n) == 1 && n == VT_ED25519_LEN)
		rc = 0;
	EVP_PKEY_free(k);
	return rc;
}

int vt_ed_generate(unsigned char *seed, unsigned char *pub)
{
	if (vt_random(seed, VT_ED25519_LEN))
		return -1;
	if (vt_ed_public(seed, pub)) {
		OPENSSL_cleanse(seed, VT_ED25519_LEN);
		return -1;
	}
	return 0;
}

unsigned vt_ed_sign(const unsigned char *seed, const unsigned char *msg, size_t len,
		    unsigned char *sig)
{
	EVP_PKEY *k = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, VT_ED25519_LEN);
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	size_t n = 2 * VT_ED25519_LEN;
	unsigned sw = SW_UNKNOWN;

	/* PureEdDSA: no digest (NULL md), the message as a whole */
	if (k && md && EVP_DigestSignInit(md, NULL, NULL, NULL, k) == 1 &&
	    EVP_DigestSign(md, sig, &n, len ? msg : (const unsigned char *)"", len) == 1 &&
	    n == 2 * VT_ED25519_LEN)
		sw = SW_OK;
	EVP_MD_CTX_free(md);
	EVP_PKEY_free(k);
	return sw;
}
