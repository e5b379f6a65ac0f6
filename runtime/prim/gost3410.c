/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * gost3410.c — GOST R 34.10-2001/2012 signatures: CKM_GOSTR3410 (256-bit curves),
 * CKM_GOSTR3410_512 (512-bit curves) and their hash-then-sign forms
 * (CKM_GOSTR3410_WITH_GOSTR3411*). The token signs the hash; the host verifies with
 * CKA_GOSTR3410_PARAMS and CKA_VALUE. A signature is s || r, each as long as a coordinate:
 * the entry's key size in bytes (32 or 64).
 *
 * Parameter of the composed forms (PKCS #11 3.2, GOST section): optionally the DER OID of
 * the GOST R 34.11 parameters, which must be those of the mechanism's hash: GOST R 34.11-94
 * CryptoPro parameters 1.2.643.2.2.30.1 (RFC 4357 10.2), Streebog 1.2.643.7.1.1.2.2 / .3
 * (RFC 9215).
 *
 * A private key held on the host (a session object with its CKA_VALUE) signs there
 * (crypto_gost_sign), with the same input and answer as the token's raw form.
 */
#include "prim.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

static const struct {
	CK_MECHANISM_TYPE hash;
	uint8_t len;
	uint8_t der[10];
} gost_hash_oids[] = {
	{ CKM_GOSTR3411, 9, { 0x06, 0x07, 0x2a, 0x85, 0x03, 0x02, 0x02, 0x1e, 0x01 } },
	{ CKM_GOSTR3411_12_256, 10, { 0x06, 0x08, 0x2a, 0x85, 0x03, 0x07, 0x01, 0x01, 0x02,
				      0x02 } },
	{ CKM_GOSTR3411_12_512, 10, { 0x06, 0x08, 0x2a, 0x85, 0x03, 0x07, 0x01, 0x01, 0x02,
				      0x03 } },
};

static CK_RV gost_param(const struct mech *m, const CK_MECHANISM *pm, struct mech_params *out)
{
	size_t i;

	(void)out;
	for (i = 0; i < sizeof gost_hash_oids / sizeof gost_hash_oids[0]; i++)
		if (gost_hash_oids[i].hash == m->hash &&
		    pm->ulParameterLen == gost_hash_oids[i].len &&
		    memcmp(pm->pParameter, gost_hash_oids[i].der, pm->ulParameterLen) == 0)
			return CKR_OK;
	return CKR_MECHANISM_PARAM_INVALID;
}

static CK_RV gost_key(struct prim_ctx *c, const struct prim_attrs *a, int private_key)
{
	CK_RV rv;

	c->k = c->m->max_bits / 8;
	c->out_len = 2 * c->k;
	if (private_key)
		return CKR_OK;
	rv = prim_copy_attr(a, CKA_GOSTR3410_PARAMS, &c->params, &c->params_len);
	if (rv == CKR_OK && crypto_gost_size(c->params, c->params_len) != c->k)
		rv = CKR_KEY_SIZE_RANGE;
	if (rv == CKR_OK)
		rv = prim_copy_attr(a, CKA_VALUE, &c->point, &c->point_len);
	return rv;
}

static size_t gost_max_input(const struct prim_ctx *c)
{
	return c->k;
}

static CK_RV gost_encode(const struct prim_ctx *c, const uint8_t *in, size_t in_len,
			 uint8_t *em, const uint8_t **tin, size_t *tlen)
{
	(void)em;
	*tin = in;
	*tlen = in_len;
	return in_len != c->k ? CKR_DATA_LEN_RANGE : CKR_OK;
}

static CK_RV gost_verify(const struct prim_ctx *c, const uint8_t *in, size_t in_len,
			 const uint8_t *sig, size_t sig_len)
{
	return crypto_gost_verify(c->params, c->params_len, c->point, c->point_len, in, in_len,
				  sig, sig_len);
}

/* A private key held on the host: CKA_VALUE (d, little-endian, as long as a coordinate)
 * on the curve of its CKA_GOSTR3410_PARAMS, which must be of the entry's size. */
static CK_RV gost_host_key(struct prim_ctx *c, const struct prim_attrs *a)
{
	const struct lb_attr *v = a->get(a->view, CKA_VALUE);
	CK_RV rv = prim_copy_attr(a, CKA_GOSTR3410_PARAMS, &c->params, &c->params_len);

	if (rv == CKR_OK && crypto_gost_size(c->params, c->params_len) != c->k)
		rv = CKR_KEY_SIZE_RANGE;
	if (rv != CKR_OK)
		return rv;
	if (v == NULL || v->value == NULL || v->len != c->k)
		return CKR_KEY_TYPE_INCONSISTENT;
	c->key = malloc(c->k);
	if (c->key == NULL)
		return CKR_HOST_MEMORY;
	memcpy(c->key, v->value, c->k);         /* cleansed by prim_ctx_free (c->k bytes) */
	return CKR_OK;
}

/* The token's raw CKM_GOSTR3410(_512) on the host: the hash in, s || r out. */
static CK_RV gost_host_sign(const struct prim_ctx *c, const uint8_t *in, size_t in_len,
			    uint8_t *out, size_t *out_len)
{
	CK_RV rv = crypto_gost_sign(c->params, c->params_len, c->key, c->k, in, in_len, out);

	if (rv == CKR_OK)
		*out_len = c->out_len;
	return rv;
}

/* CKM_GOSTR3410_KEY_PAIR_GEN, CKM_GOSTR3410_512_KEY_PAIR_GEN: a key on the curve of
 * CKA_GOSTR3410_PARAMS, of the entry's size (the template engine has checked that the
 * parameter set fits the key type); CKA_VALUE (x || y) for the public half, the domain
 * parameters and CKA_VALUE (d) for the private half. */
static CK_RV gost_pair_gen(const struct mech *m, const struct prim_attrs *pub,
			   struct prim_pair *out)
{
	const struct lb_attr *p = pub->get(pub->view, CKA_GOSTR3410_PARAMS);
	const struct lb_attr *h = pub->get(pub->view, CKA_GOSTR3411_PARAMS);
	const struct lb_attr *c = pub->get(pub->view, CKA_GOST28147_PARAMS);
	uint8_t d[64], xy[128];
	size_t size = 0;
	CK_RV rv;

	if (p == NULL || p->value == NULL || p->len == 0)
		return CKR_TEMPLATE_INCOMPLETE;
	if (crypto_gost_size(p->value, p->len) != m->max_bits / 8)
		return CKR_ATTRIBUTE_VALUE_INVALID;
	rv = crypto_gost_generate(p->value, p->len, d, xy, &size);
	if (rv != CKR_OK)
		return rv;
	rv = prim_pair_add(out->pub, &out->npub, CKA_VALUE, xy, 2 * size);
	if (rv == CKR_OK)
		rv = prim_pair_add(out->priv, &out->npriv, CKA_GOSTR3410_PARAMS, p->value, p->len);
	if (rv == CKR_OK && h != NULL && h->len > 0)
		rv = prim_pair_add(out->priv, &out->npriv, CKA_GOSTR3411_PARAMS, h->value, h->len);
	if (rv == CKR_OK && c != NULL && c->len > 0)
		rv = prim_pair_add(out->priv, &out->npriv, CKA_GOST28147_PARAMS, c->value, c->len);
	if (rv == CKR_OK)
		rv = prim_pair_add(out->priv, &out->npriv, CKA_VALUE, d, size);
	OPENSSL_cleanse(d, sizeof d);
	return rv;
}

const struct prim_ops prim_gost3410_ops = {
	.param = gost_param,
	.key = gost_key,
	.max_input = gost_max_input,
	.sign_encode = gost_encode,
	.verify = gost_verify,
	.host_key = gost_host_key,
	.host_sign = gost_host_sign,
	.pair_gen = gost_pair_gen,
};
