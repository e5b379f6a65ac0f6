/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * rsa_x509.c — CKM_RSA_X_509, raw RSA (RFC 8017 5.2: RSASP1 / RSAVP1, 5.1: RSAEP /
 * RSADP): the caller's block, right-aligned to the modulus, is what the token signs or
 * decrypts and what the host verifies or encrypts.
 */
#include "prim.h"

#include <string.h>

static size_t rsa_x509_max(const struct prim_ctx *c)
{
	return c->k;
}

static CK_RV rsa_x509_encode(const struct prim_ctx *c, const uint8_t *in, size_t in_len,
			     uint8_t *em, const uint8_t **tin, size_t *tlen)
{
	CK_RV rv = prim_rsa_block(c, in, in_len, em);

	/* the block must be below the modulus */
	if (rv == CKR_OK && memcmp(em, c->modulus, c->k) >= 0)
		rv = CKR_DATA_INVALID;
	*tin = em;
	*tlen = c->k;
	return rv;
}

static void rsa_x509_params(struct crypto_rsa_params *p)
{
	memset(p, 0, sizeof *p);
	p->pad = CRYPTO_PAD_X509;
}

static CK_RV rsa_x509_verify(const struct prim_ctx *c, const uint8_t *in, size_t in_len,
			     const uint8_t *sig, size_t sig_len)
{
	struct crypto_rsa_params p;

	rsa_x509_params(&p);
	return crypto_rsa_verify(c->pk, &p, in, in_len, sig, sig_len);
}

static CK_RV rsa_x509_encrypt(const struct prim_ctx *c, const uint8_t *in, size_t in_len,
			      uint8_t *out, size_t *out_len)
{
	struct crypto_rsa_params p;

	rsa_x509_params(&p);
	return crypto_rsa_encrypt(c->pk, &p, in, in_len, out, out_len);
}

static CK_RV rsa_x509_decode(const struct prim_ctx *c, uint8_t *em, size_t em_len,
			     uint8_t *out, size_t *out_len)
{
	struct crypto_rsa_params p;

	rsa_x509_params(&p);
	return prim_rsa_unpad(c, &p, em, em_len, out, out_len);
}

static CK_RV rsa_x509_verify_recover(const struct prim_ctx *c, const uint8_t *sig, size_t sig_len,
				uint8_t *out, size_t *out_len)
{
	return crypto_rsa_recover(c->pk, CRYPTO_PAD_X509, sig, sig_len, out, out_len);
}

const struct prim_ops prim_rsa_x509_ops = {
	.key = prim_rsa_key,
	.max_input = rsa_x509_max,
	.sign_encode = rsa_x509_encode,
	.sign_decode = prim_rsa_align,
	.verify = rsa_x509_verify,
	.verify_recover = rsa_x509_verify_recover,
	.max_plain = rsa_x509_max,
	.encrypt = rsa_x509_encrypt,
	.decrypt_check = prim_rsa_decrypt_check,
	.decrypt_decode = rsa_x509_decode,
	.host_key = prim_rsa_host_key,
	.host_sign = prim_rsa_host_raw,
	.host_decrypt = prim_rsa_host_raw,
};
