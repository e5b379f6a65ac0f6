/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * des3_cbc.c — CKM_DES3_CBC: triple DES in CBC mode on the host; the parameter is the
 * 8-byte IV, input a multiple of 8 bytes.
 */
#include "prim.h"

static CK_RV des3_cbc_param(const struct mech *m, const CK_MECHANISM *pm, struct mech_params *out)
{
	(void)m;
	(void)out;
	return prim_iv_param(pm, 8);
}

static CK_RV des3_cbc_key(struct prim_ctx *c, const struct prim_attrs *a, int decrypt)
{
	CK_RV rv = prim_secret_key(c, a, decrypt);

	if (rv != CKR_OK)
		return rv;
	return prim_sym_start(c, "DES-EDE3-CBC", CRYPTO_SYM_CBC, decrypt,
			      c->init_mech->pParameter, 8, NULL, 0, 0, 0);
}

const struct prim_ops prim_des3_cbc_ops = {
	.param = des3_cbc_param,
	.key = des3_cbc_key,
	.secret = 1,
	.update_len = prim_sym_update_len,
	.update = prim_sym_update,
	.final_len = prim_sym_final_len,
	.final = prim_sym_final,
	.release = prim_sym_release,
};
