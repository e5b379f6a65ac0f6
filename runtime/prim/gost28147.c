/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * gost28147.c — CKM_GOST28147: GOST 28147-89 in counter mode ("gammirovanie", GOST
 * 28147-89 section 3) with the CryptoPro key meshing of RFC 4357 2.3, on the host, any
 * data length; CKK_GOST28147 keys of 32 bytes. Parameter: the 8-byte IV (PKCS #11 3.2,
 * GOST 28147-89 section: "an 8-byte initialization vector"), else
 * CKR_MECHANISM_PARAM_INVALID. The key's CKA_GOST28147_PARAMS names the S-boxes:
 * id-Gost28147-89-CryptoPro-A-ParamSet (RFC 4357 10.3) or id-tc26-gost-28147-param-Z
 * (RFC 7836), the sets the gost provider has; a key naming another set is
 * CKR_KEY_TYPE_INCONSISTENT. The mode is counter mode for both sets (the provider's
 * gost89-cnt and gost89-cnt-12); CFB ("gammirovanie s obratnoy svyazyu", which the
 * CryptoPro-A parameter set itself names) is not offered by this mechanism.
 */
#include "gost_sym.h"

static CK_RV gost28147_param(const struct mech *m, const CK_MECHANISM *pm,
			     struct mech_params *out)
{
	(void)m;
	(void)out;
	return prim_iv_param(pm, 8);
}

static CK_RV gost28147_key(struct prim_ctx *c, const struct prim_attrs *a, int decrypt)
{
	enum crypto_gost89_set set;
	CK_RV rv = gost89_set_of_key(a, &set);

	if (rv == CKR_OK)
		rv = prim_secret_key(c, a, decrypt);
	return rv != CKR_OK ? rv : gost_sym_cnt89(c, set, decrypt, c->init_mech->pParameter);
}

const struct prim_ops prim_gost28147_ops = {
	.param = gost28147_param,
	.key = gost28147_key,
	.secret = 1,
	.update_len = gost_sym_update_len,
	.update = gost_sym_update,
	.final_len = gost_sym_final_len,
	.final = gost_sym_final,
	.release = gost_sym_release,
};
