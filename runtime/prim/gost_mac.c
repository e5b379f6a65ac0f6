/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * gost_mac.c — CKM_KUZNYECHIK_MAC and CKM_MAGMA_MAC (TC26 extension, 0xD4321033 and
 * 0xD4321037): the MAC of GOST R 34.13-2015 5.6 (OMAC1 over Kuznyechik or Magma) as
 * signing and verification on the host, with CKK_KUZNECHIK / CKK_MAGMA keys of 32 bytes;
 * no parameter. The MAC is half a block long, s = n/2 (8 bytes for Kuznyechik, 4 for
 * Magma), the length of GOST R 34.13-2015's examples A.1.6 and A.2.6; the extension
 * defines no _GENERAL form with another length.
 */
#include "gost_sym.h"

static CK_RV gost_mac_param(const struct mech *m, const CK_MECHANISM *pm,
			    struct mech_params *out)
{
	(void)m;
	(void)out;
	return prim_iv_param(pm, 0);
}

static CK_RV gost_mac_key(struct prim_ctx *c, const struct prim_attrs *a, int sign)
{
	CK_RV rv = prim_secret_key(c, a, sign);

	return rv != CKR_OK ? rv : gost_mac_start(c, crypto_gost_block_len(gost_alg_of(c)) / 2);
}

const struct prim_ops prim_gost_mac_ops = {
	.param = gost_mac_param,
	.key = gost_mac_key,
	.secret = 1,
	.update = gost_mac_update,
	.final = gost_mac_final,
	.release = gost_mac_release,
};
