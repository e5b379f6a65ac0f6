/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * hmac.c — HMAC (RFC 2104, FIPS 198-1) with the host's digests as signing and
 * verification with secret keys: CKM_SHA_1_HMAC, CKM_SHA224_HMAC ... CKM_SHA3_512_HMAC,
 * CKM_GOSTR3411_12_256_HMAC / _512_HMAC (Streebog, from gostprov where the host has it),
 * and their _GENERAL forms, whose CK_MAC_GENERAL_PARAMS gives the MAC's length (1 up to
 * the digest's; the MAC's first bytes). Keys: generic secret keys, or those of the
 * mechanism's own HMAC key type of 3.0 (CKK_SHA256_HMAC ...). PKCS #11 3.2, the
 * SHA-1/SHA-2/SHA-3 sections' "general-length HMAC" and "HMAC" mechanisms.
 */
#include "prim.h"

#include <string.h>

static const struct hmac_kind {
	CK_MECHANISM_TYPE mech, hash;
	int general;
	CK_KEY_TYPE own;                /* its 3.0 HMAC key type (0: none) */
} hmac_kinds[] = {
	{ CKM_SHA_1_HMAC, CKM_SHA_1, 0, CKK_SHA_1_HMAC },
	{ CKM_SHA_1_HMAC_GENERAL, CKM_SHA_1, 1, CKK_SHA_1_HMAC },
	{ CKM_SHA224_HMAC, CKM_SHA224, 0, CKK_SHA224_HMAC },
	{ CKM_SHA224_HMAC_GENERAL, CKM_SHA224, 1, CKK_SHA224_HMAC },
	{ CKM_SHA256_HMAC, CKM_SHA256, 0, CKK_SHA256_HMAC },
	{ CKM_SHA256_HMAC_GENERAL, CKM_SHA256, 1, CKK_SHA256_HMAC },
	{ CKM_SHA384_HMAC, CKM_SHA384, 0, CKK_SHA384_HMAC },
	{ CKM_SHA384_HMAC_GENERAL, CKM_SHA384, 1, CKK_SHA384_HMAC },
	{ CKM_SHA512_HMAC, CKM_SHA512, 0, CKK_SHA512_HMAC },
	{ CKM_SHA512_HMAC_GENERAL, CKM_SHA512, 1, CKK_SHA512_HMAC },
	{ CKM_SHA3_224_HMAC, CKM_SHA3_224, 0, CKK_SHA3_224_HMAC },
	{ CKM_SHA3_224_HMAC_GENERAL, CKM_SHA3_224, 1, CKK_SHA3_224_HMAC },
	{ CKM_SHA3_256_HMAC, CKM_SHA3_256, 0, CKK_SHA3_256_HMAC },
	{ CKM_SHA3_256_HMAC_GENERAL, CKM_SHA3_256, 1, CKK_SHA3_256_HMAC },
	{ CKM_SHA3_384_HMAC, CKM_SHA3_384, 0, CKK_SHA3_384_HMAC },
	{ CKM_SHA3_384_HMAC_GENERAL, CKM_SHA3_384, 1, CKK_SHA3_384_HMAC },
	{ CKM_SHA3_512_HMAC, CKM_SHA3_512, 0, CKK_SHA3_512_HMAC },
	{ CKM_SHA3_512_HMAC_GENERAL, CKM_SHA3_512, 1, CKK_SHA3_512_HMAC },
	{ CKM_GOSTR3411_12_256_HMAC, CKM_GOSTR3411_12_256, 0, 0 },
	{ CKM_GOSTR3411_12_512_HMAC, CKM_GOSTR3411_12_512, 0, 0 },
};

static const struct hmac_kind *hmac_kind_of(CK_MECHANISM_TYPE mech)
{
	size_t i;

	for (i = 0; i < sizeof hmac_kinds / sizeof hmac_kinds[0]; i++)
		if (hmac_kinds[i].mech == mech)
			return &hmac_kinds[i];
	return NULL;
}

static CK_RV hmac_param(const struct mech *m, const CK_MECHANISM *pm, struct mech_params *out)
{
	const struct hmac_kind *k = hmac_kind_of(m->type);

	(void)out;
	if (k == NULL)
		return CKR_MECHANISM_INVALID;
	return prim_mac_param(pm, k->general, crypto_md_size(k->hash));
}

static int hmac_key_type_ok(const struct mech *m, CK_KEY_TYPE kt)
{
	const struct hmac_kind *k = hmac_kind_of(m->type);

	return kt == CKK_GENERIC_SECRET || (k != NULL && k->own != 0 && kt == k->own);
}

static CK_RV hmac_key(struct prim_ctx *c, const struct prim_attrs *a, int sign)
{
	const struct hmac_kind *k = hmac_kind_of(c->m->type);
	const EVP_MD *md = k != NULL ? crypto_md(k->hash) : NULL;
	CK_ULONG len = 0;
	CK_RV rv;

	if (md == NULL)
		return CKR_MECHANISM_INVALID;   /* e.g. no gostprov on this host */
	rv = prim_secret_key(c, a, sign);
	if (rv != CKR_OK)
		return rv;
	if (k->general)
		memcpy(&len, c->init_mech->pParameter, sizeof len);
	return prim_mac_start(c, "HMAC", EVP_MD_get0_name(md), NULL, len);
}

const struct prim_ops prim_hmac_ops = {
	.param = hmac_param,
	.key = hmac_key,
	.secret = 1,
	.key_type_ok = hmac_key_type_ok,
	.update = prim_mac_update,
	.final = prim_mac_final,
	.release = prim_mac_release,
};
