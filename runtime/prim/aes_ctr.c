/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * aes_ctr.c — CKM_AES_CTR: AES in counter mode (NIST SP 800-38A 6.5) on the host, any
 * input length. Parameter: CK_AES_CTR_PARAMS (PKCS #11 3.2, AES CTR section): cb the
 * initial counter block, ulCounterBits (1..128) how many of its low bits count; the
 * counter may not wrap within them (else CKR_DATA_LEN_RANGE).
 */
#include "prim.h"

static CK_RV aes_ctr_param(const struct mech *m, const CK_MECHANISM *pm,
			   struct mech_params *out)
{
	const CK_AES_CTR_PARAMS *p = pm->pParameter;

	(void)m;
	(void)out;
	if (p == NULL || pm->ulParameterLen != sizeof *p)
		return CKR_MECHANISM_PARAM_INVALID;
	if (p->ulCounterBits == 0 || p->ulCounterBits > 128)
		return CKR_MECHANISM_PARAM_INVALID;
	return CKR_OK;
}

static CK_RV aes_ctr_key(struct prim_ctx *c, const struct prim_attrs *a, int decrypt)
{
	const CK_AES_CTR_PARAMS *p = c->init_mech->pParameter;
	CK_RV rv = prim_secret_key(c, a, decrypt);

	if (rv != CKR_OK)
		return rv;
	return prim_sym_start(c, prim_aes_name(c, "CTR"), CRYPTO_SYM_CTR, decrypt, p->cb,
			      sizeof p->cb, NULL, 0, 0, (unsigned)p->ulCounterBits);
}

const struct prim_ops prim_aes_ctr_ops = {
	.param = aes_ctr_param,
	.key = aes_ctr_key,
	.secret = 1,
	.update_len = prim_sym_update_len,
	.update = prim_sym_update,
	.final_len = prim_sym_final_len,
	.final = prim_sym_final,
	.release = prim_sym_release,
};
