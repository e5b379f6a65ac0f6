/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * crypto_wrap.c — AES key wrap (RFC 3394) and AES key wrap with padding (RFC 5649) through
 * OpenSSL's "AES-<bits>-WRAP" and "AES-<bits>-WRAP-PAD" in the private library context;
 * see crypto_sym_gost.h; and the GOST 28147-89 key wrap of RFC 4357 6.1 and 6.2 over
 * crypto_gost89.c's ECB and MAC. The GOST key export (KExp15) is in crypto_gost_sym.c.
 */
#include "crypto_sym_gost.h"

#include "crypto.h"

#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>

static CK_RV crypto_aes_wrap_op(int enc, int pad, const uint8_t *kek, size_t kek_len,
				const uint8_t *iv, size_t iv_len, const uint8_t *in,
				size_t in_len, uint8_t *out, size_t *out_len)
{
	OSSL_LIB_CTX *ctx = crypto_libctx();
	const char *name;
	EVP_CIPHER *ci = NULL;
	EVP_CIPHER_CTX *c = NULL;
	int n1 = 0, n2 = 0;
	CK_RV rv = CKR_FUNCTION_FAILED;

	*out_len = 0;
	switch (kek_len) {
	case 16: name = pad ? "AES-128-WRAP-PAD" : "AES-128-WRAP"; break;
	case 24: name = pad ? "AES-192-WRAP-PAD" : "AES-192-WRAP"; break;
	case 32: name = pad ? "AES-256-WRAP-PAD" : "AES-256-WRAP"; break;
	default: return CKR_KEY_SIZE_RANGE;
	}
	/* RFC 3394 2.2.1: n >= 2 64-bit blocks; RFC 5649: 1 octet or more plaintext,
	 * 16 octets or more wrapped (3. and 4.); OpenSSL counts in int */
	if (in_len > (1u << 30))
		return CKR_DATA_LEN_RANGE;
	if (!pad && (in_len % 8 != 0 || in_len < (enc ? 16u : 24u)))
		return CKR_DATA_LEN_RANGE;
	if (pad && (enc ? in_len < 1 : in_len < 16 || in_len % 8 != 0))
		return CKR_DATA_LEN_RANGE;
	/* RFC 3394 2.2.3: a 64-bit IV; RFC 5649 3: its 32-bit constant part (AIV's first half) */
	if (iv != NULL && iv_len != (pad ? 4u : 8u))
		return CKR_MECHANISM_PARAM_INVALID;
	if (ctx == NULL)
		return CKR_FUNCTION_FAILED;
	ERR_set_mark();
	ci = EVP_CIPHER_fetch(ctx, name, NULL);
	c = EVP_CIPHER_CTX_new();
	if (c == NULL) {
		rv = CKR_HOST_MEMORY;
		goto out;
	}
	if (ci == NULL || !EVP_CipherInit_ex2(c, ci, kek, iv, enc, NULL))
		goto out;
	if (!EVP_CipherUpdate(c, out, &n1, in, (int)in_len)) {
		/* the one failure of an unwrap with good lengths: the integrity check */
		rv = enc ? CKR_FUNCTION_FAILED : CKR_ENCRYPTED_DATA_INVALID;
		goto out;
	}
	if (!EVP_CipherFinal_ex(c, out + n1, &n2))
		goto out;
	*out_len = (size_t)n1 + (size_t)n2;
	rv = CKR_OK;
out:
	EVP_CIPHER_CTX_free(c);
	EVP_CIPHER_free(ci);
	ERR_pop_to_mark();
	return rv;
}

CK_RV crypto_aes_wrap_iv(int pad, const uint8_t *kek, size_t kek_len, const uint8_t *iv,
			 size_t iv_len, const uint8_t *in, size_t in_len, uint8_t *out,
			 size_t *out_len)
{
	return crypto_aes_wrap_op(1, pad, kek, kek_len, iv, iv_len, in, in_len, out, out_len);
}

CK_RV crypto_aes_unwrap_iv(int pad, const uint8_t *kek, size_t kek_len, const uint8_t *iv,
			   size_t iv_len, const uint8_t *in, size_t in_len, uint8_t *out,
			   size_t *out_len)
{
	CK_RV rv = crypto_aes_wrap_op(0, pad, kek, kek_len, iv, iv_len, in, in_len, out, out_len);

	if (rv != CKR_OK)
		OPENSSL_cleanse(out, in_len);
	return rv;
}

CK_RV crypto_aes_wrap(int pad, const uint8_t *kek, size_t kek_len, const uint8_t *in,
		      size_t in_len, uint8_t *out, size_t *out_len)
{
	return crypto_aes_wrap_iv(pad, kek, kek_len, NULL, 0, in, in_len, out, out_len);
}

CK_RV crypto_aes_unwrap(int pad, const uint8_t *kek, size_t kek_len, const uint8_t *in,
			size_t in_len, uint8_t *out, size_t *out_len)
{
	return crypto_aes_unwrap_iv(pad, kek, kek_len, NULL, 0, in, in_len, out, out_len);
}

/* --- GOST 28147-89 key wrap (RFC 4357 6.1, 6.2) ------------------------------------- */

CK_RV crypto_gost89_wrap(enum crypto_gost89_set set, const uint8_t *kek, size_t kek_len,
			 const uint8_t *ukm, const uint8_t *cek, size_t cek_len, uint8_t *out,
			 size_t *out_len)
{
	CK_RV rv;

	*out_len = 0;
	if (cek_len != CRYPTO_GOST89_CEK_LEN)
		return CKR_DATA_LEN_RANGE;
	/* 6.1 step 2: CEK_MAC = gost28147IMIT(UKM, KEK, CEK), 4 bytes */
	rv = crypto_gost89_mac(set, kek, kek_len, ukm, 8, cek, cek_len,
			       out + CRYPTO_GOST89_CEK_LEN, CRYPTO_GOST89_WRAP_MAC_LEN);
	/* step 3: CEK_ENC = ECB(KEK, CEK); the wrapping here is CEK_ENC | CEK_MAC, the UKM
	 * being the caller's (step 4's UKM | CEK_ENC | CEK_MAC without its first part) */
	if (rv == CKR_OK)
		rv = crypto_gost89_ecb(set, 1, kek, kek_len, cek, cek_len, out);
	if (rv != CKR_OK) {
		OPENSSL_cleanse(out, CRYPTO_GOST89_WRAP_LEN);
		return rv;
	}
	*out_len = CRYPTO_GOST89_WRAP_LEN;
	return CKR_OK;
}

CK_RV crypto_gost89_unwrap(enum crypto_gost89_set set, const uint8_t *kek, size_t kek_len,
			   const uint8_t *ukm, const uint8_t *in, size_t in_len, uint8_t *out,
			   size_t *out_len)
{
	uint8_t cek[CRYPTO_GOST89_CEK_LEN], mac[CRYPTO_GOST89_WRAP_MAC_LEN];
	CK_RV rv;

	*out_len = 0;
	/* 6.2 step 1: a wrapping of another length is an error */
	if (in_len != CRYPTO_GOST89_WRAP_LEN)
		return CKR_DATA_LEN_RANGE;
	/* step 3: CEK = ECB^-1(KEK, CEK_ENC); step 4: its MAC compared with CEK_MAC */
	rv = crypto_gost89_ecb(set, 0, kek, kek_len, in, CRYPTO_GOST89_CEK_LEN, cek);
	if (rv == CKR_OK)
		rv = crypto_gost89_mac(set, kek, kek_len, ukm, 8, cek, sizeof cek, mac,
				       sizeof mac);
	if (rv == CKR_OK && CRYPTO_memcmp(mac, in + CRYPTO_GOST89_CEK_LEN, sizeof mac) != 0)
		rv = CKR_ENCRYPTED_DATA_INVALID;
	if (rv == CKR_OK) {
		memcpy(out, cek, sizeof cek);
		*out_len = sizeof cek;
	}
	OPENSSL_cleanse(cek, sizeof cek);
	OPENSSL_cleanse(mac, sizeof mac);
	return rv;
}
