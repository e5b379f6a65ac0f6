/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ecdsa.c — CKM_ECDSA and its hash-then-sign forms (CKM_ECDSA_SHA256 ...): the token signs
 * the (truncated) hash, the host verifies with CKA_EC_PARAMS and CKA_EC_POINT. Signatures
 * are r || s, each as long as the curve's order (PKCS #11 3.2, ECDSA section).
 */
#include "prim.h"

static CK_RV ecdsa_key(struct prim_ctx *c, const struct prim_attrs *a, int private_key)
{
	CK_RV rv = prim_copy_attr(a, CKA_EC_PARAMS, &c->params, &c->params_len);

	if (rv != CKR_OK)
		return rv;
	c->k = crypto_ec_size(c->params, c->params_len);
	if (c->k == 0)
		return CKR_KEY_SIZE_RANGE;
	c->out_len = 2 * c->k;
	if (!private_key)
		rv = prim_copy_attr(a, CKA_EC_POINT, &c->point, &c->point_len);
	return rv;
}

static size_t ecdsa_max_input(const struct prim_ctx *c)
{
	(void)c;
	return CRYPTO_MD_MAX;
}

static CK_RV ecdsa_encode(const struct prim_ctx *c, const uint8_t *in, size_t in_len,
			  uint8_t *em, const uint8_t **tin, size_t *tlen)
{
	(void)em;
	if (in_len == 0)
		return CKR_DATA_LEN_RANGE;
	/* FIPS 186-4 6.4: only the leftmost bits of a longer hash count */
	*tin = in;
	*tlen = in_len > c->k ? c->k : in_len;
	return CKR_OK;
}

static CK_RV ecdsa_verify(const struct prim_ctx *c, const uint8_t *in, size_t in_len,
			  const uint8_t *sig, size_t sig_len)
{
	return crypto_ecdsa_verify(c->params, c->params_len, c->point, c->point_len, in, in_len,
				   sig, sig_len);
}

const struct prim_ops prim_ecdsa_ops = {
	.key = ecdsa_key,
	.max_input = ecdsa_max_input,
	.sign_encode = ecdsa_encode,
	.verify = ecdsa_verify,
};
