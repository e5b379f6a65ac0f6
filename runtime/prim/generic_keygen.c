/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * generic_keygen.c — CKM_GENERIC_SECRET_KEY_GEN and the 3.0 HMAC key generations
 * (CKM_SHA256_KEY_GEN ...): keys of the template's CKA_VALUE_LEN bytes, 1 to 512 here.
 * PKCS #11 3.2, generic secret key section: the mechanism's key sizes are in bits.
 */
#include "prim.h"

#define GENERIC_MAX 512         /* bytes: the module's limit (4096 bits) */

static CK_RV generic_keygen_len(const struct mech *m, int given, CK_ULONG value_len,
				size_t *len)
{
	(void)m;
	if (!given)
		return CKR_TEMPLATE_INCOMPLETE;
	if (value_len == 0 || value_len > GENERIC_MAX)
		return CKR_ATTRIBUTE_VALUE_INVALID;
	*len = value_len;
	return CKR_OK;
}

const struct prim_ops prim_generic_keygen_ops = {
	.key = prim_secret_key,
	.secret = 1,
	.gen_len = generic_keygen_len,
};
