/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * aes_kw.c — CKM_AES_KEY_WRAP (RFC 3394) and CKM_AES_KEY_WRAP_KWP (RFC 5649) on the host,
 * for C_WrapKey and C_UnwrapKey with an AES wrapping key in host memory.
 *
 * PKCS #11 3.2, AES key wrap section: both have an optional parameter, the IV: 8 bytes for
 * CKM_AES_KEY_WRAP (RFC 3394 2.2.3: the default A6A6A6A6A6A6A6A6 when absent), 4 bytes
 * for CKM_AES_KEY_WRAP_KWP (RFC 5649 3: the constant A65959A6 of its alternative IV). RFC
 * 3394 wraps values of whole 64-bit blocks, two at least: any other key is
 * CKR_KEY_SIZE_RANGE for C_WrapKey; RFC 5649 wraps any length from one byte.
 */
#include "prim.h"

#include <stdlib.h>
#include <string.h>

#include "crypto_sym_gost.h"

struct aes_kw {
	size_t iv_len;                  /* 0: the default IV */
	uint8_t iv[8];
};

static int aes_kw_pad(const struct mech *m)
{
	return m->type == CKM_AES_KEY_WRAP_KWP;
}

static CK_RV aes_kw_param(const struct mech *m, const CK_MECHANISM *pm, struct mech_params *out)
{
	(void)out;
	if (pm->ulParameterLen == 0)
		return CKR_OK;
	return prim_iv_param(pm, aes_kw_pad(m) ? 4 : 8);
}

static CK_RV aes_kw_key(struct prim_ctx *c, const struct prim_attrs *a, int unwrap)
{
	const CK_MECHANISM *pm = c->init_mech;
	struct aes_kw *s;
	CK_RV rv = prim_secret_key(c, a, unwrap);

	if (rv != CKR_OK)
		return rv;
	if (c->k != 16 && c->k != 24 && c->k != 32)
		return CKR_KEY_SIZE_RANGE;
	s = calloc(1, sizeof *s);
	if (s == NULL)
		return CKR_HOST_MEMORY;
	if (pm != NULL && pm->ulParameterLen > 0 && pm->ulParameterLen <= sizeof s->iv) {
		s->iv_len = pm->ulParameterLen;
		memcpy(s->iv, pm->pParameter, s->iv_len);
	}
	c->state = s;
	return CKR_OK;
}

static size_t aes_kw_wrap_len(const struct prim_ctx *c, size_t n)
{
	if (aes_kw_pad(c->m))   /* RFC 5649 4.1: padded to 64-bit blocks, plus the AIV */
		return n >= 1 && n <= (1u << 30) ? (n + 7) / 8 * 8 + 8 : 0;
	return n >= 16 && n % 8 == 0 && n <= (1u << 30) ? n + 8 : 0;
}

static CK_RV aes_kw_wrap(const struct prim_ctx *c, const uint8_t *in, size_t n, uint8_t *out,
			 size_t *out_len)
{
	const struct aes_kw *s = c->state;
	CK_RV rv = crypto_aes_wrap_iv(aes_kw_pad(c->m), c->key, c->k,
				      s->iv_len > 0 ? s->iv : NULL, s->iv_len, in, n, out,
				      out_len);

	return rv == CKR_DATA_LEN_RANGE ? CKR_KEY_SIZE_RANGE : rv;
}

static CK_RV aes_kw_unwrap(const struct prim_ctx *c, const uint8_t *in, size_t n, uint8_t *out,
			   size_t *out_len)
{
	const struct aes_kw *s = c->state;

	return prim_unwrap_rv(crypto_aes_unwrap_iv(aes_kw_pad(c->m), c->key, c->k,
						   s->iv_len > 0 ? s->iv : NULL, s->iv_len, in, n,
						   out, out_len));
}

static void aes_kw_release(struct prim_ctx *c)
{
	prim_state_free(c, sizeof(struct aes_kw));
}

const struct prim_ops prim_aes_kw_ops = {
	.param = aes_kw_param,
	.key = aes_kw_key,
	.secret = 1,
	.release = aes_kw_release,
	.wrap_len = aes_kw_wrap_len,
	.wrap = aes_kw_wrap,
	.unwrap = aes_kw_unwrap,
};
