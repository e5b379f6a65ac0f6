/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * gost_keygen.c — CKM_GOST28147_KEY_GEN, CKM_KUZNYECHIK_KEY_GEN and CKM_MAGMA_KEY_GEN:
 * the 256-bit keys of GOST 28147-89 and of GOST R 34.12-2015's two ciphers, 32 bytes
 * (the mechanism's key sizes in bytes).
 */
#include "prim.h"

static CK_RV gost_keygen_len(const struct mech *m, int given, CK_ULONG value_len, size_t *len)
{
	(void)m;
	if (given && value_len != 32)
		return CKR_ATTRIBUTE_VALUE_INVALID;
	*len = 32;
	return CKR_OK;
}

const struct prim_ops prim_gost_keygen_ops = {
	.key = prim_secret_key,
	.secret = 1,
	.gen_len = gost_keygen_len,
};
