/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * aes_keygen.c — CKM_AES_KEY_GEN: AES keys of 16, 24 or 32 bytes (FIPS 197), generated on
 * the host. PKCS #11 3.2, AES section: the template gives CKA_VALUE_LEN, and the
 * mechanism's ulMinKeySize/ulMaxKeySize are in bytes.
 */
#include "prim.h"

static CK_RV aes_keygen_len(const struct mech *m, int given, CK_ULONG value_len, size_t *len)
{
	(void)m;
	if (!given)
		return CKR_TEMPLATE_INCOMPLETE;
	if (value_len != 16 && value_len != 24 && value_len != 32)
		return CKR_ATTRIBUTE_VALUE_INVALID;
	*len = value_len;
	return CKR_OK;
}

const struct prim_ops prim_aes_keygen_ops = {
	.key = prim_secret_key,
	.secret = 1,
	.gen_len = aes_keygen_len,
};
