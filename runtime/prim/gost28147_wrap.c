/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * gost28147_wrap.c — CKM_GOST28147_KEY_WRAP on the host: C_WrapKey and C_UnwrapKey of a
 * 32-byte secret key with a CKK_GOST28147 key (PKCS #11 2.40 Current Mechanisms, "GOST
 * 28147-89 keys wrapping/unwrapping with GOST 28147-89": a mechanism "for key wrapping;
 * and key unwrapping, based on GOST 28147-89", whose purpose is to wrap the keys GOST
 * 28147-89 key generation makes; its parameter "an 8-byte MAC initialization vector. This
 * parameter may be omitted then a zero initialization vector is used"; the S-boxes those
 * of the wrapping key's CKA_GOST28147_PARAMS).
 *
 * The algorithm is RFC 4357 6.1 (wrap) and 6.2 (unwrap), the one whose MAC takes the UKM
 * as its initialization vector: CEK_ENC = ECB(KEK, CEK), CEK_MAC = gost28147IMIT(UKM, KEK,
 * CEK) of 4 bytes; the wrapped key is CEK_ENC | CEK_MAC, 36 bytes — the UKM is the
 * mechanism's parameter, not part of the output. (RFC 4357 6.3, the CryptoPro key wrap,
 * first diversifies the KEK with the UKM: that is not this mechanism.) A parameter of
 * another length than 0 or 8 is CKR_MECHANISM_PARAM_INVALID; a key to wrap of another
 * length than 32 bytes CKR_KEY_SIZE_RANGE; a wrapped key of another length than 36
 * CKR_WRAPPED_KEY_LEN_RANGE, one whose MAC does not match CKR_WRAPPED_KEY_INVALID.
 *
 * ECB on this host has the TC26-Z S-boxes only (crypto_gost89.c: the provider has no ECB
 * with fixed CryptoPro-A S-boxes): a wrapping key with another CKA_GOST28147_PARAMS is
 * CKR_WRAPPING_KEY_TYPE_INCONSISTENT (CKR_UNWRAPPING_KEY_TYPE_INCONSISTENT).
 */
#include "gost_sym.h"

#include <stdlib.h>
#include <string.h>

struct gost28147_wrap {
	enum crypto_gost89_set set;
	uint8_t ukm[8];                 /* zero when the parameter is omitted */
};

static CK_RV gost28147_wrap_param(const struct mech *m, const CK_MECHANISM *pm,
				  struct mech_params *out)
{
	(void)m;
	(void)out;
	return prim_iv_param(pm, pm->ulParameterLen == 0 ? 0 : 8);
}

static CK_RV gost28147_wrap_key(struct prim_ctx *c, const struct prim_attrs *a, int unwrap)
{
	const CK_MECHANISM *pm = c->init_mech;
	struct gost28147_wrap *w;
	enum crypto_gost89_set set;
	CK_RV rv = gost89_set_of_key(a, &set);

	if (rv == CKR_OK && set != CRYPTO_GOST89_TC26_Z)
		rv = CKR_KEY_TYPE_INCONSISTENT;         /* no ECB with these S-boxes here */
	if (rv == CKR_OK)
		rv = prim_secret_key(c, a, unwrap);
	if (rv != CKR_OK)
		return rv;
	if (c->k != 32)
		return CKR_KEY_SIZE_RANGE;
	w = calloc(1, sizeof *w);
	if (w == NULL)
		return CKR_HOST_MEMORY;
	w->set = set;
	if (pm != NULL && pm->ulParameterLen == sizeof w->ukm && pm->pParameter != NULL)
		memcpy(w->ukm, pm->pParameter, sizeof w->ukm);
	c->state = w;
	return CKR_OK;
}

static size_t gost28147_wrap_len(const struct prim_ctx *c, size_t n)
{
	(void)c;
	return n == CRYPTO_GOST89_CEK_LEN ? CRYPTO_GOST89_WRAP_LEN : 0;
}

static CK_RV gost28147_wrap_wrap(const struct prim_ctx *c, const uint8_t *in, size_t n,
				 uint8_t *out, size_t *out_len)
{
	const struct gost28147_wrap *w = c->state;
	CK_RV rv = crypto_gost89_wrap(w->set, c->key, c->k, w->ukm, in, n, out, out_len);

	return rv == CKR_DATA_LEN_RANGE ? CKR_KEY_SIZE_RANGE : rv;
}

static CK_RV gost28147_wrap_unwrap(const struct prim_ctx *c, const uint8_t *in, size_t n,
				   uint8_t *out, size_t *out_len)
{
	const struct gost28147_wrap *w = c->state;

	return prim_unwrap_rv(crypto_gost89_unwrap(w->set, c->key, c->k, w->ukm, in, n, out,
						   out_len));
}

static void gost28147_wrap_release(struct prim_ctx *c)
{
	prim_state_free(c, sizeof(struct gost28147_wrap));
}

const struct prim_ops prim_gost28147_wrap_ops = {
	.param = gost28147_wrap_param,
	.key = gost28147_wrap_key,
	.secret = 1,
	.release = gost28147_wrap_release,
	.wrap_len = gost28147_wrap_len,
	.wrap = gost28147_wrap_wrap,
	.unwrap = gost28147_wrap_unwrap,
};
