/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * aes_cmac.c — CKM_AES_CMAC and CKM_AES_CMAC_GENERAL: CMAC (NIST SP 800-38B) with AES
 * keys, as signing and verification on the host; the _GENERAL form's
 * CK_MAC_GENERAL_PARAMS gives the MAC's length (1..16: its first bytes). PKCS #11 3.2,
 * AES CMAC section.
 */
#include "prim.h"

#include <string.h>

static CK_RV aes_cmac_param(const struct mech *m, const CK_MECHANISM *pm,
			    struct mech_params *out)
{
	(void)out;
	return prim_mac_param(pm, m->type == CKM_AES_CMAC_GENERAL, 16);
}

static CK_RV aes_cmac_key(struct prim_ctx *c, const struct prim_attrs *a, int sign)
{
	CK_ULONG len = 0;
	CK_RV rv = prim_secret_key(c, a, sign);

	if (rv != CKR_OK)
		return rv;
	if (c->m->type == CKM_AES_CMAC_GENERAL)
		memcpy(&len, c->init_mech->pParameter, sizeof len);
	return prim_mac_start(c, "CMAC", NULL, prim_aes_name(c, "CBC"), len);
}

const struct prim_ops prim_aes_cmac_ops = {
	.param = aes_cmac_param,
	.key = aes_cmac_key,
	.secret = 1,
	.update = prim_mac_update,
	.final = prim_mac_final,
	.release = prim_mac_release,
};
