/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * aes_cbc.c — CKM_AES_CBC: AES in CBC mode (NIST SP 800-38A 6.2) on the host; the parameter
 * is the 16-byte IV, input a multiple of 16 bytes (PKCS #11 3.2, AES section).
 */
#include "prim.h"

static CK_RV aes_cbc_param(const struct mech *m, const CK_MECHANISM *pm, struct mech_params *out)
{
	(void)m;
	(void)out;
	return prim_iv_param(pm, 16);
}

static CK_RV aes_cbc_key(struct prim_ctx *c, const struct prim_attrs *a, int decrypt)
{
	CK_RV rv = prim_secret_key(c, a, decrypt);

	if (rv != CKR_OK)
		return rv;
	return prim_sym_start(c, prim_aes_name(c, "CBC"), CRYPTO_SYM_CBC, decrypt,
			      c->init_mech->pParameter, 16, NULL, 0, 0, 0);
}

const struct prim_ops prim_aes_cbc_ops = {
	.param = aes_cbc_param,
	.key = aes_cbc_key,
	.secret = 1,
	.update_len = prim_sym_update_len,
	.update = prim_sym_update,
	.final_len = prim_sym_final_len,
	.final = prim_sym_final,
	.release = prim_sym_release,
};
