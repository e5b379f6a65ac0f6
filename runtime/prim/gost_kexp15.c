/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * gost_kexp15.c — CKM_KUZNYECHIK_KEXP_15_WRAP and CKM_MAGMA_KEXP_15_WRAP on the host:
 * C_WrapKey and C_UnwrapKey with the key export KExp15 / KImp15 of R 1323565.1.017-2018
 * (crypto_sym_gost.h): KExp15(K) = CTR_{K_Exp_ENC, IV}(K | OMAC_{K_Exp_MAC}(IV | K)), the
 * MAC a whole block; the wrapped key is as long as the key plus one block (16 bytes for
 * Kuznyechik, 8 for Magma).
 *
 * The wrapping key is a "twin key" of the TC26 block (CKK_KUZNECHIK_TWIN_KEY,
 * CKK_MAGMA_TWIN_KEY; values as published by Aktiv, AktivCo/pkcs11jna
 * Pkcs11Tc26Constants.java) whose CKA_VALUE, 64 bytes, holds both keys of the export:
 * K_Exp_MAC in its first 32 bytes, K_Exp_ENC in its last 32. No normative PKCS #11 text
 * of that layout was found; it is the order in which KEG gives the two export keys
 * (RFC 9189 8.3.1: "K_EXP_MAC | K_EXP_ENC = KDF_TREE..."; the gost engine's key transport,
 * gost_ec_keyx.c, likewise takes the MAC key from the first half of KEG's output and the
 * cipher key from the second), KEG being what makes a twin key, and the order another
 * PKCS #11 implementation's test feeds the standard's example into a twin key. Another
 * value length is CKR_WRAPPING_KEY_SIZE_RANGE (CKR_UNWRAPPING_KEY_SIZE_RANGE).
 *
 * The parameter is the IV, n/16 bytes: 8 for Kuznyechik, 4 for Magma, as in the
 * standard's examples (the same public sources pass it as the mechanism's parameter);
 * another length or none is CKR_MECHANISM_PARAM_INVALID. Any secret key of 1 to 64 bytes is
 * wrapped (else CKR_KEY_SIZE_RANGE); a wrapped key not longer than a block, or of a key
 * longer than 64 bytes, is CKR_WRAPPED_KEY_LEN_RANGE, one whose MAC does not match
 * CKR_WRAPPED_KEY_INVALID.
 */
#include "gost_sym.h"

#include <stdlib.h>
#include <string.h>

#define KEXP15_KEY_MAX 64               /* crypto_kexp15's longest key */
#define KEXP15_TWIN_LEN (2 * CRYPTO_GOST_KEY_LEN)

struct gost_kexp15 {
	enum crypto_gost_alg alg;
	size_t iv_len;
	uint8_t iv[CRYPTO_GOST_BLOCK_MAX / 2];
};

static enum crypto_gost_alg kexp15_alg(const struct mech *m)
{
	return m->key_type == CKK_MAGMA_TWIN_KEY ? CRYPTO_MAGMA : CRYPTO_KUZNYECHIK;
}

static CK_RV kexp15_param(const struct mech *m, const CK_MECHANISM *pm, struct mech_params *out)
{
	(void)out;
	return prim_iv_param(pm, crypto_gost_block_len(kexp15_alg(m)) / 2);
}

static CK_RV kexp15_key(struct prim_ctx *c, const struct prim_attrs *a, int unwrap)
{
	const CK_MECHANISM *pm = c->init_mech;
	struct gost_kexp15 *s;
	CK_RV rv = prim_secret_key(c, a, unwrap);

	if (rv != CKR_OK)
		return rv;
	if (c->k != KEXP15_TWIN_LEN)
		return CKR_KEY_SIZE_RANGE;
	s = calloc(1, sizeof *s);
	if (s == NULL)
		return CKR_HOST_MEMORY;
	s->alg = kexp15_alg(c->m);
	s->iv_len = crypto_gost_block_len(s->alg) / 2;
	/* the param hook checked the length */
	if (pm == NULL || pm->pParameter == NULL || pm->ulParameterLen != s->iv_len) {
		free(s);
		return CKR_MECHANISM_PARAM_INVALID;
	}
	memcpy(s->iv, pm->pParameter, s->iv_len);
	c->state = s;
	return CKR_OK;
}

static size_t kexp15_wrap_len(const struct prim_ctx *c, size_t n)
{
	const struct gost_kexp15 *s = c->state;

	return n >= 1 && n <= KEXP15_KEY_MAX ? n + crypto_gost_block_len(s->alg) : 0;
}

static CK_RV kexp15_wrap(const struct prim_ctx *c, const uint8_t *in, size_t n, uint8_t *out,
			 size_t *out_len)
{
	const struct gost_kexp15 *s = c->state;
	/* K_Exp_MAC | K_Exp_ENC */
	CK_RV rv = crypto_kexp15(s->alg, c->key + CRYPTO_GOST_KEY_LEN, c->key, s->iv, s->iv_len,
				 in, n, out, out_len);

	return rv == CKR_DATA_LEN_RANGE ? CKR_KEY_SIZE_RANGE : rv;
}

static CK_RV kexp15_unwrap(const struct prim_ctx *c, const uint8_t *in, size_t n, uint8_t *out,
			   size_t *out_len)
{
	const struct gost_kexp15 *s = c->state;

	return prim_unwrap_rv(crypto_kimp15(s->alg, c->key + CRYPTO_GOST_KEY_LEN, c->key, s->iv,
					    s->iv_len, in, n, out, out_len));
}

static void kexp15_release(struct prim_ctx *c)
{
	prim_state_free(c, sizeof(struct gost_kexp15));
}

const struct prim_ops prim_gost_kexp15_ops = {
	.param = kexp15_param,
	.key = kexp15_key,
	.secret = 1,
	.release = kexp15_release,
	.wrap_len = kexp15_wrap_len,
	.wrap = kexp15_wrap,
	.unwrap = kexp15_unwrap,
};
