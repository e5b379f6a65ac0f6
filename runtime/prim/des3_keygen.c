/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * des3_keygen.c — CKM_DES3_KEY_GEN: triple-DES keys of three DES keys, 24 bytes, with
 * their parity bits set as FIPS 46-3 gives them (each byte of odd parity; PKCS #11 2.40,
 * DES3 section: "When DES3 keys are generated, their parity bits are set properly").
 * The mechanism's key sizes are reported in bytes (24).
 */
#include "prim.h"

static CK_RV des3_keygen_len(const struct mech *m, int given, CK_ULONG value_len, size_t *len)
{
	(void)m;
	if (given && value_len != 24)
		return CKR_ATTRIBUTE_VALUE_INVALID;
	*len = 24;
	return CKR_OK;
}

/* The low bit of each byte makes its number of one bits odd. */
static void des3_keygen_fix(uint8_t *key, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		uint8_t b = key[i] & 0xfe, ones = 0, x;

		for (x = b; x != 0; x &= (uint8_t)(x - 1))
			ones++;
		key[i] = (uint8_t)(b | ((ones & 1) == 0));
	}
}

const struct prim_ops prim_des3_keygen_ops = {
	.key = prim_secret_key,
	.secret = 1,
	.gen_len = des3_keygen_len,
	.gen_fix = des3_keygen_fix,
};
