/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * crypto_sym.c — symmetric ciphers on the host through OpenSSL 3 in the module's private
 * library context (crypto.h): the check value of a DES3 key.
 */
#include "crypto.h"

#include <openssl/err.h>
#include <openssl/evp.h>

CK_RV crypto_des3_ecb_block(const uint8_t *key, size_t key_len, const uint8_t in[8],
			    uint8_t out[8])
{
	OSSL_LIB_CTX *ctx = crypto_libctx();
	EVP_CIPHER *cipher = NULL;
	EVP_CIPHER_CTX *c = NULL;
	int n1 = 0, n2 = 0;
	CK_RV rv = CKR_FUNCTION_FAILED;

	if (key_len != 24)
		return CKR_KEY_SIZE_RANGE;
	if (ctx == NULL)
		return CKR_FUNCTION_FAILED;
	ERR_set_mark();
	cipher = EVP_CIPHER_fetch(ctx, "DES-EDE3-ECB", NULL);
	c = EVP_CIPHER_CTX_new();
	if (cipher != NULL && c != NULL && EVP_EncryptInit_ex2(c, cipher, key, NULL, NULL) &&
	    EVP_CIPHER_CTX_set_padding(c, 0) && EVP_EncryptUpdate(c, out, &n1, in, 8) &&
	    EVP_EncryptFinal_ex(c, out + n1, &n2) && n1 + n2 == 8)
		rv = CKR_OK;
	EVP_CIPHER_CTX_free(c);
	EVP_CIPHER_free(cipher);
	ERR_pop_to_mark();
	return rv;
}
