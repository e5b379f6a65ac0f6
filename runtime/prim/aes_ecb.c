/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * aes_ecb.c — CKM_AES_ECB: AES (FIPS 197) in ECB mode (NIST SP 800-38A 6.1) on the host; no
 * parameter, input a multiple of 16 bytes (PKCS #11 3.2, AES section).
 */
#include "prim.h"

static CK_RV aes_ecb_param(const struct mech *m, const CK_MECHANISM *pm, struct mech_params *out)
{
	(void)m;
	(void)out;
	return prim_iv_param(pm, 0);
}

static CK_RV aes_ecb_key(struct prim_ctx *c, const struct prim_attrs *a, int decrypt)
{
	CK_RV rv = prim_secret_key(c, a, decrypt);

	if (rv != CKR_OK)
		return rv;
	return prim_sym_start(c, prim_aes_name(c, "ECB"), CRYPTO_SYM_ECB, decrypt,
			      NULL, 0, NULL, 0, 0, 0);
}

const struct prim_ops prim_aes_ecb_ops = {
	.param = aes_ecb_param,
	.key = aes_ecb_key,
	.secret = 1,
	.update_len = prim_sym_update_len,
	.update = prim_sym_update,
	.final_len = prim_sym_final_len,
	.final = prim_sym_final,
	.release = prim_sym_release,
};
