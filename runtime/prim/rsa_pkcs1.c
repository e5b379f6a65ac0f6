/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * rsa_pkcs1.c — CKM_RSA_PKCS and its hash-then-sign forms (CKM_SHA256_RSA_PKCS ...):
 * EMSA-PKCS1-v1_5 signatures (RFC 8017 9.2; the hashed forms prefix the digest's
 * DigestInfo) and RSAES-PKCS1-v1_5 encryption (RFC 8017 7.2). The token computes raw RSA
 * over the encoded block; the host verifies, encrypts and removes the padding.
 */
#include "prim.h"

#include <string.h>

static size_t rsa_pkcs1_max_input(const struct prim_ctx *c)
{
	return c->k;
}

static size_t rsa_pkcs1_max_plain(const struct prim_ctx *c)
{
	return c->k >= 11 ? c->k - 11 : 0;     /* RFC 8017 7.2.1: mLen <= k - 11 */
}

static void rsa_pkcs1_params(const struct prim_ctx *c, struct crypto_rsa_params *p)
{
	memset(p, 0, sizeof *p);
	p->pad = CRYPTO_PAD_PKCS1;
	p->hash = c->m->hash;
}

static CK_RV rsa_pkcs1_encode(const struct prim_ctx *c, const uint8_t *in, size_t in_len,
			      uint8_t *em, const uint8_t **tin, size_t *tlen)
{
	*tin = em;
	*tlen = c->k;
	return crypto_rsa_pkcs1_encode(c->m->hash, in, in_len, em, c->k);
}

static CK_RV rsa_pkcs1_verify(const struct prim_ctx *c, const uint8_t *in, size_t in_len,
			      const uint8_t *sig, size_t sig_len)
{
	struct crypto_rsa_params p;

	rsa_pkcs1_params(c, &p);
	return crypto_rsa_verify(c->pk, &p, in, in_len, sig, sig_len);
}

static CK_RV rsa_pkcs1_encrypt(const struct prim_ctx *c, const uint8_t *in, size_t in_len,
			       uint8_t *out, size_t *out_len)
{
	struct crypto_rsa_params p;

	rsa_pkcs1_params(c, &p);
	return crypto_rsa_encrypt(c->pk, &p, in, in_len, out, out_len);
}

static CK_RV rsa_pkcs1_decode(const struct prim_ctx *c, uint8_t *em, size_t em_len,
			      uint8_t *out, size_t *out_len)
{
	struct crypto_rsa_params p;

	rsa_pkcs1_params(c, &p);
	return prim_rsa_unpad(c, &p, em, em_len, out, out_len);
}

static CK_RV rsa_pkcs1_verify_recover(const struct prim_ctx *c, const uint8_t *sig, size_t sig_len,
				uint8_t *out, size_t *out_len)
{
	return crypto_rsa_recover(c->pk, CRYPTO_PAD_PKCS1, sig, sig_len, out, out_len);
}

const struct prim_ops prim_rsa_pkcs1_ops = {
	.key = prim_rsa_key,
	.max_input = rsa_pkcs1_max_input,
	.sign_encode = rsa_pkcs1_encode,
	.sign_decode = prim_rsa_align,
	.verify = rsa_pkcs1_verify,
	.verify_recover = rsa_pkcs1_verify_recover,
	.max_plain = rsa_pkcs1_max_plain,
	.encrypt = rsa_pkcs1_encrypt,
	.decrypt_check = prim_rsa_decrypt_check,
	.wrap_len = prim_rsa_wrap_len,
	.wrap = prim_rsa_wrap,
	.decrypt_decode = rsa_pkcs1_decode,
};
