/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * vko.c — the GOST key agreements on the host (C_DeriveKey), with a GOST R 34.10 private
 * key whose CKA_VALUE is in host memory (a session key):
 *
 *   CKM_GOSTR3410_12_DERIVE  VKO_GOSTR3410_2012_256 (RFC 7836 4.3.1): Streebog-256 of the
 *                            agreed point, with 256- and 512-bit keys; 32 bytes;
 *   CKM_GOSTR3410_DERIVE     VKO GOST R 34.10-2001 (RFC 4357 5.2): GOST R 34.11-94 of the
 *                            point under the CryptoPro parameters; 32 bytes.
 *
 * The parameter is CK_GOSTR3410_DERIVE_PARAMS (PKCS #11 2.40 GOST section, the TC26
 * extension for 2012 keys): kdf, the peer's public key (CKA_VALUE of a GOST public key,
 * bare or as a DER OCTET STRING) and the UKM (1 to 16 bytes, read little-endian). Only
 * CKD_NULL (the VKO value itself) is offered: the diversifications CKD_KDF_4357 and
 * CKD_KDF_GOSTR3411_2012_256 are not computed here (CKR_MECHANISM_PARAM_INVALID).
 */
#include "prim.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "crypto.h"
#include "crypto_sym_gost.h"

static CK_RV vko_param(const struct mech *m, const CK_MECHANISM *pm, struct mech_params *out)
{
	const CK_GOSTR3410_DERIVE_PARAMS *p = pm->pParameter;

	(void)out;
	if (p->kdf != CKD_NULL)
		return CKR_MECHANISM_PARAM_INVALID;
	if (p->pPublicData == NULL || p->ulPublicDataLen == 0 || p->pUKM == NULL ||
	    p->ulUKMLen == 0 || p->ulUKMLen > 16)
		return CKR_MECHANISM_PARAM_INVALID;
	if (crypto_md(m->type == CKM_GOSTR3410_DERIVE ? CKM_GOSTR3411 : CKM_GOSTR3411_12_256) ==
	    NULL)
		return CKR_MECHANISM_INVALID;   /* no gostprov on this host */
	return CKR_OK;
}

static int vko_key_type_ok(const struct mech *m, CK_KEY_TYPE kt)
{
	return kt == CKK_GOSTR3410 || (m->type != CKM_GOSTR3410_DERIVE && kt == CKK_GOSTR3410_512);
}

static CK_RV vko_key(struct prim_ctx *c, const struct prim_attrs *a, int private_key)
{
	const struct lb_attr *v = a->get(a->view, CKA_VALUE);
	CK_RV rv;

	if (!private_key)
		return CKR_KEY_TYPE_INCONSISTENT;
	rv = prim_copy_attr(a, CKA_GOSTR3410_PARAMS, &c->params, &c->params_len);
	if (rv != CKR_OK)
		return rv;
	if (v == NULL || v->value == NULL || v->len == 0 || v->len == CK_UNAVAILABLE_INFORMATION)
		return CKR_KEY_TYPE_INCONSISTENT;
	c->key = malloc(v->len);
	if (c->key == NULL)
		return CKR_HOST_MEMORY;
	memcpy(c->key, v->value, v->len);
	c->k = v->len;
	return CKR_OK;
}

static CK_RV vko_derive(const struct prim_ctx *c, const CK_MECHANISM *pm, size_t want,
			uint8_t *out, size_t cap, size_t *out_len)
{
	const CK_GOSTR3410_DERIVE_PARAMS *p = pm->pParameter;
	uint8_t kek[64];
	size_t n = 0;
	CK_RV rv;

	*out_len = 0;
	rv = crypto_vko(c->m->type == CKM_GOSTR3410_DERIVE ? CKM_GOSTR3411 : CKM_GOSTR3411_12_256,
			c->params, c->params_len, c->key, c->k, p->pPublicData,
			p->ulPublicDataLen, p->pUKM, p->ulUKMLen, kek, &n);
	if (rv == CKR_OK) {
		if (want == 0)
			want = n;
		if (want > n || want > cap)
			rv = CKR_TEMPLATE_INCONSISTENT;
		else
			memcpy(out, kek + n - want, want);
	}
	if (rv == CKR_OK)
		*out_len = want;
	OPENSSL_cleanse(kek, sizeof kek);
	return rv;
}

/* The card takes x || y (64 or 128 bytes, CKA_VALUE of a GOST public key, bare or in a
 * DER OCTET STRING) and the UKM, and answers the point (m/q * UKM * d) * P as x || y. */
static CK_RV vko_token_peer(const CK_MECHANISM *pm, const uint8_t **pt, size_t *pt_len,
			    const uint8_t **ukm, size_t *ukm_len, size_t *answer_len)
{
	const CK_GOSTR3410_DERIVE_PARAMS *p = pm->pParameter;
	const uint8_t *b = p->pPublicData;
	size_t n = p->ulPublicDataLen;

	if (n == 66 && b[0] == 0x04 && b[1] == 64) {
		b += 2;
		n = 64;
	} else if (n == 131 && b[0] == 0x04 && b[1] == 0x81 && b[2] == 128) {
		b += 3;
		n = 128;
	}
	if (n != 64 && n != 128)
		return CKR_MECHANISM_PARAM_INVALID;
	*pt = b;
	*pt_len = n;
	*ukm = p->pUKM;
	*ukm_len = p->ulUKMLen;
	*answer_len = n;
	return CKR_OK;
}

/* The VKO value: the hash of the card's point (RFC 7836 4.3: Streebog-256; RFC 4357 5.2:
 * GOST R 34.11-94), its last want bytes as vko_derive takes them. */
static CK_RV vko_token_finish(const struct mech *m, const CK_MECHANISM *pm, const uint8_t *z,
			      size_t zlen, size_t want, uint8_t *out, size_t cap,
			      size_t *out_len)
{
	uint8_t kek[64];
	size_t n = 0;
	CK_RV rv;

	(void)pm;
	*out_len = 0;
	if (m->type == CKM_GOSTR3410_DERIVE && zlen != 64)
		return CKR_KEY_TYPE_INCONSISTENT;
	rv = crypto_digest(m->type == CKM_GOSTR3410_DERIVE ? CKM_GOSTR3411 : CKM_GOSTR3411_12_256,
			   z, zlen, kek, &n);
	if (rv == CKR_OK) {
		if (want == 0)
			want = n;
		if (want > n || want > cap)
			rv = CKR_TEMPLATE_INCONSISTENT;
		else
			memcpy(out, kek + n - want, want);
	}
	if (rv == CKR_OK)
		*out_len = want;
	OPENSSL_cleanse(kek, sizeof kek);
	return rv;
}

const struct prim_ops prim_vko_ops = {
	.param = vko_param,
	.key = vko_key,
	.key_type_ok = vko_key_type_ok,
	.derive = vko_derive,
	.token_peer = vko_token_peer,
	.token_finish = vko_token_finish,
};
