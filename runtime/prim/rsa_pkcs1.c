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

/* CKM_RSA_PKCS_KEY_PAIR_GEN (its entry's sizes are the host's): CKA_MODULUS_BITS within
 * them, CKA_PUBLIC_EXPONENT when given (else 65537, F4); the public half gets n and e, the
 * private half every integer of the key (PKCS #11 3.2, RSA private key attributes). A
 * size outside the entry is CKR_ATTRIBUTE_VALUE_INVALID, as the token's script answers
 * (CKR_KEY_SIZE_RANGE is not one of C_GenerateKeyPair's codes). */
static CK_RV rsa_pkcs1_pair_gen(const struct mech *m, const struct prim_attrs *pub,
				struct prim_pair *out)
{
	static const uint8_t f4[] = { 0x01, 0x00, 0x01 };
	static const CK_ATTRIBUTE_TYPE types[CRYPTO_RSA_NPARTS] = {
		CKA_MODULUS, CKA_PUBLIC_EXPONENT, CKA_PRIVATE_EXPONENT, CKA_PRIME_1,
		CKA_PRIME_2, CKA_EXPONENT_1, CKA_EXPONENT_2, CKA_COEFFICIENT,
	};
	const struct lb_attr *b = pub->get(pub->view, CKA_MODULUS_BITS);
	const struct lb_attr *e = pub->get(pub->view, CKA_PUBLIC_EXPONENT);
	struct crypto_rsa_key key;
	CK_ULONG bits;
	size_t i;
	CK_RV rv;

	if (b == NULL || b->len != sizeof bits)
		return CKR_TEMPLATE_INCOMPLETE;
	memcpy(&bits, b->value, sizeof bits);
	if (bits < m->min_bits || bits > m->max_bits)
		return CKR_ATTRIBUTE_VALUE_INVALID;
	if (e != NULL && (e->len == 0 || crypto_be_bits(e->value, e->len) < 2 ||
			  crypto_be_len(e->value, e->len) > 8 || !(e->value[e->len - 1] & 1)))
		return CKR_ATTRIBUTE_VALUE_INVALID;     /* RFC 8017 3.1: odd, 3 or more */
	rv = e != NULL ? crypto_rsa_generate(bits, e->value, e->len, &key)
		       : crypto_rsa_generate(bits, f4, sizeof f4, &key);
	if (rv != CKR_OK)
		return rv;
	rv = prim_pair_add(out->pub, &out->npub, CKA_MODULUS, key.v[0], key.len[0]);
	if (rv == CKR_OK)
		rv = prim_pair_add(out->pub, &out->npub, CKA_PUBLIC_EXPONENT, key.v[1], key.len[1]);
	for (i = 0; i < CRYPTO_RSA_NPARTS && rv == CKR_OK; i++)
		rv = prim_pair_add(out->priv, &out->npriv, types[i], key.v[i], key.len[i]);
	crypto_rsa_key_free(&key);
	return rv;
}

const struct prim_ops prim_rsa_pkcs1_ops = {
	.key = prim_rsa_key,
	.sign_by_size = 1,
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
	.host_key = prim_rsa_host_key,
	.host_sign = prim_rsa_host_raw,
	.host_decrypt = prim_rsa_host_raw,
	.pair_gen = rsa_pkcs1_pair_gen,
};
