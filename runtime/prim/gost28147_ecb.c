/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * gost28147_ecb.c — CKM_GOST28147_ECB: GOST 28147-89 in the electronic codebook mode
 * ("prostaya zamena", GOST 28147-89 section 2) on the host, with CKK_GOST28147 keys of 32
 * bytes; no parameter (PKCS #11 3.2, GOST 28147-89 section). Data a whole number of
 * 8-byte blocks, else CKR_DATA_LEN_RANGE / CKR_ENCRYPTED_DATA_LEN_RANGE. The key's
 * CKA_GOST28147_PARAMS names the S-boxes: the host's ECB has those of
 * id-tc26-gost-28147-param-Z only (crypto_sym_gost.h), a key naming CryptoPro-A or
 * another set is CKR_KEY_TYPE_INCONSISTENT. Bytes as the gost provider orders them (the
 * little-endian convention of GOST 28147-89 implementations, RFC 5830).
 */
#include "gost_sym.h"

static CK_RV gost28147_ecb_key(struct prim_ctx *c, const struct prim_attrs *a, int decrypt)
{
	enum crypto_gost89_set set;
	CK_RV rv = gost89_set_of_key(a, &set);

	if (rv == CKR_OK)
		rv = prim_secret_key(c, a, decrypt);
	return rv != CKR_OK ? rv : gost_sym_ecb89(c, set, decrypt);
}

static CK_RV gost28147_ecb_param(const struct mech *m, const CK_MECHANISM *pm,
				 struct mech_params *out)
{
	(void)m;
	(void)out;
	return prim_iv_param(pm, 0);
}

const struct prim_ops prim_gost28147_ecb_ops = {
	.param = gost28147_ecb_param,
	.key = gost28147_ecb_key,
	.secret = 1,
	.update_len = gost_sym_update_len,
	.update = gost_sym_update,
	.final_len = gost_sym_final_len,
	.final = gost_sym_final,
	.release = gost_sym_release,
};
