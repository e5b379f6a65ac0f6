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
 */
#include "prim.h"

#include <string.h>

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

const struct prim_ops prim_gost3410_ops = {
	.param = gost_param,
	.key = gost_key,
	.max_input = gost_max_input,
	.sign_encode = gost_encode,
	.verify = gost_verify,
};
