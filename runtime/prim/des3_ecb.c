/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * des3_ecb.c — CKM_DES3_ECB: triple DES (NIST SP 800-67, keying option 1: 24 bytes) in ECB
 * mode on the host; no parameter, input a multiple of 8 bytes.
 */
#include "prim.h"

static CK_RV des3_ecb_param(const struct mech *m, const CK_MECHANISM *pm, struct mech_params *out)
{
	(void)m;
	(void)out;
	return prim_iv_param(pm, 0);
}

static CK_RV des3_ecb_key(struct prim_ctx *c, const struct prim_attrs *a, int decrypt)
{
	CK_RV rv = prim_secret_key(c, a, decrypt);

	if (rv != CKR_OK)
		return rv;
	return prim_sym_start(c, "DES-EDE3-ECB", CRYPTO_SYM_ECB, decrypt,
			      NULL, 0, NULL, 0, 0, 0);
}

const struct prim_ops prim_des3_ecb_ops = {
	.param = des3_ecb_param,
	.key = des3_ecb_key,
	.secret = 1,
	.update_len = prim_sym_update_len,
	.update = prim_sym_update,
	.final_len = prim_sym_final_len,
	.final = prim_sym_final,
	.release = prim_sym_release,
};
