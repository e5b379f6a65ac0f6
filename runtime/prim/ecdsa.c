/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ecdsa.c — CKM_ECDSA and its hash-then-sign forms (CKM_ECDSA_SHA256 ...): the token signs
 * the (truncated) hash, the host verifies with CKA_EC_PARAMS and CKA_EC_POINT. Signatures
 * are r || s, each as long as the curve's order (PKCS #11 3.2, ECDSA section). A private
 * key held on the host (a session object with its CKA_VALUE) signs there instead.
 */
#include "prim.h"

#include <stdlib.h>

#include <openssl/crypto.h>

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

/* A private key held on the host: CKA_VALUE on the curve of CKA_EC_PARAMS (key took). */
static CK_RV ecdsa_host_key(struct prim_ctx *c, const struct prim_attrs *a)
{
	const struct lb_attr *v = a->get(a->view, CKA_VALUE);

	if (v == NULL || v->value == NULL || v->len == 0 || v->len == CK_UNAVAILABLE_INFORMATION)
		return CKR_KEY_TYPE_INCONSISTENT;
	return crypto_ec_private_pkey(c->params, c->params_len, v->value, v->len, &c->priv);
}

/* The token's raw CKM_ECDSA on the host: the (truncated) hash in, r || s out. */
static CK_RV ecdsa_host_sign(const struct prim_ctx *c, const uint8_t *in, size_t in_len,
			     uint8_t *out, size_t *out_len)
{
	CK_RV rv = crypto_ecdsa_sign(c->priv, c->k, in, in_len, out);

	if (rv == CKR_OK)
		*out_len = c->out_len;
	return rv;
}

/* CKM_EC_KEY_PAIR_GEN: a key on the named curve of CKA_EC_PARAMS (any prime or binary
 * curve OpenSSL knows by its OID; else CKR_CURVE_NOT_SUPPORTED); CKA_EC_POINT for the
 * public half, CKA_EC_PARAMS and CKA_VALUE for the private half. */
static CK_RV ecdsa_pair_gen(const struct mech *m, const struct prim_attrs *pub,
			    struct prim_pair *out)
{
	const struct lb_attr *p = pub->get(pub->view, CKA_EC_PARAMS);
	uint8_t *d = NULL, *pt = NULL;
	size_t d_len = 0, pt_len = 0;
	CK_RV rv;

	if (p == NULL || p->value == NULL || p->len == 0)
		return CKR_TEMPLATE_INCOMPLETE;
	rv = crypto_ec_check_params(p->value, p->len);
	if (rv != CKR_OK)
		return rv;
	/* the entry's sizes: the order's bits (P-521's 66 bytes are 521 bits) */
	if (crypto_ec_size(p->value, p->len) * 8 < m->min_bits ||
	    crypto_ec_size(p->value, p->len) * 8 > m->max_bits + 7)
		return CKR_CURVE_NOT_SUPPORTED;
	rv = crypto_ec_generate(p->value, p->len, &d, &d_len, &pt, &pt_len);
	if (rv != CKR_OK)
		return rv;
	rv = prim_pair_add(out->pub, &out->npub, CKA_EC_POINT, pt, pt_len);
	if (rv == CKR_OK)
		rv = prim_pair_add(out->priv, &out->npriv, CKA_EC_PARAMS, p->value, p->len);
	if (rv == CKR_OK)
		rv = prim_pair_add(out->priv, &out->npriv, CKA_VALUE, d, d_len);
	OPENSSL_cleanse(d, d_len);
	free(d);
	free(pt);
	return rv;
}

const struct prim_ops prim_ecdsa_ops = {
	.key = ecdsa_key,
	.max_input = ecdsa_max_input,
	.sign_encode = ecdsa_encode,
	.verify = ecdsa_verify,
	.host_key = ecdsa_host_key,
	.host_sign = ecdsa_host_sign,
	.pair_gen = ecdsa_pair_gen,
};
