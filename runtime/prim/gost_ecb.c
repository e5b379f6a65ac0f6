/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * gost_ecb.c — CKM_KUZNYECHIK_ECB and CKM_MAGMA_ECB (TC26 extension, 0xD4321031 and
 * 0xD4321035): the block ciphers of GOST R 34.12-2015 in the electronic codebook mode of
 * GOST R 34.13-2015 5.1, on the host, with CKK_KUZNECHIK / CKK_MAGMA keys of 32 bytes; no
 * parameter. Data a whole number of blocks (16 or 8 bytes), else CKR_DATA_LEN_RANGE /
 * CKR_ENCRYPTED_DATA_LEN_RANGE. Bytes in the order of GOST R 34.12-2015 (big-endian: the
 * standard's examples read left to right).
 */
#include "gost_sym.h"

static CK_RV gost_ecb_param(const struct mech *m, const CK_MECHANISM *pm,
			    struct mech_params *out)
{
	(void)m;
	(void)out;
	return prim_iv_param(pm, 0);
}

static CK_RV gost_ecb_key(struct prim_ctx *c, const struct prim_attrs *a, int decrypt)
{
	CK_RV rv = prim_secret_key(c, a, decrypt);

	return rv != CKR_OK ? rv : gost_sym_ecb(c, decrypt);
}

const struct prim_ops prim_gost_ecb_ops = {
	.param = gost_ecb_param,
	.key = gost_ecb_key,
	.secret = 1,
	.update_len = gost_sym_update_len,
	.update = gost_sym_update,
	.final_len = gost_sym_final_len,
	.final = gost_sym_final,
	.release = gost_sym_release,
};
