/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * gost28147_mac.c — CKM_GOST28147_MAC: the GOST 28147-89 MAC ("imitovstavka", GOST
 * 28147-89 section 5) as signing and verification on the host, 4 bytes long (PKCS #11 3.2,
 * GOST 28147-89 MAC section: "the output ... is 4 bytes"); CKK_GOST28147 keys of 32 bytes.
 * Parameter: none, or an 8-byte IV, the MAC's initial state (RFC 4357 6.1,
 * gost28147IMIT); another length is CKR_MECHANISM_PARAM_INVALID. S-boxes from the key's
 * CKA_GOST28147_PARAMS, CryptoPro-A or TC26-Z (else CKR_KEY_TYPE_INCONSISTENT).
 */
#include "gost_sym.h"

#define GOST28147_MAC_LEN 4

static CK_RV gost28147_mac_param(const struct mech *m, const CK_MECHANISM *pm,
				 struct mech_params *out)
{
	(void)m;
	(void)out;
	return prim_iv_param(pm, pm->ulParameterLen == 0 ? 0 : 8);
}

static CK_RV gost28147_mac_key(struct prim_ctx *c, const struct prim_attrs *a, int sign)
{
	const CK_MECHANISM *pm = c->init_mech;
	enum crypto_gost89_set set;
	CK_RV rv = gost89_set_of_key(a, &set);

	if (rv == CKR_OK)
		rv = prim_secret_key(c, a, sign);
	if (rv != CKR_OK)
		return rv;
	return gost89_mac_start(c, set, pm->ulParameterLen == 8 ? pm->pParameter : NULL,
				pm->ulParameterLen == 8 ? 8 : 0, GOST28147_MAC_LEN);
}

const struct prim_ops prim_gost28147_mac_ops = {
	.param = gost28147_mac_param,
	.key = gost28147_mac_key,
	.secret = 1,
	.update = gost_mac_update,
	.final = gost_mac_final,
	.release = gost_mac_release,
};
