/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * aes_ccm.c — CKM_AES_CCM: AES in Counter with CBC-MAC mode (NIST SP 800-38C) on the host.
 * Parameter: CK_CCM_PARAMS (PKCS #11 3.2, AES CCM section): ulDataLen the length of the
 * plaintext (CCM's B_0 block holds it, so it is known before the first byte: a message of
 * another length is CKR_DATA_LEN_RANGE, or CKR_ENCRYPTED_DATA_LEN_RANGE when decrypting),
 * pNonce/ulNonceLen the nonce (7..13 bytes), pAAD/ulAADLen the associated data, ulMACLen
 * the MAC's length (4, 6, 8, 10, 12, 14 or 16 bytes; SP 800-38C A.1). Encryption gives the
 * ciphertext and its MAC at Final; decryption takes the ciphertext with the MAC appended
 * and gives the plaintext at Final, once the MAC is verified (CKR_ENCRYPTED_DATA_INVALID
 * otherwise). The hooks have the shape of aes_gcm.c's.
 */
#include "prim.h"

#include <string.h>

static CK_RV aes_ccm_param(const struct mech *m, const CK_MECHANISM *pm,
			   struct mech_params *out)
{
	const CK_CCM_PARAMS *p = pm->pParameter;

	(void)m;
	(void)out;
	if (p == NULL || pm->ulParameterLen != sizeof *p)
		return CKR_MECHANISM_PARAM_INVALID;
	if (p->pNonce == NULL || p->ulNonceLen < 7 || p->ulNonceLen > 13)
		return CKR_MECHANISM_PARAM_INVALID;
	if (p->ulMACLen < 4 || p->ulMACLen > 16 || p->ulMACLen % 2 != 0)
		return CKR_MECHANISM_PARAM_INVALID;
	if (p->ulAADLen > 0 && p->pAAD == NULL)
		return CKR_MECHANISM_PARAM_INVALID;
	if (p->ulAADLen > (1u << 24) || p->ulDataLen > (1u << 30))
		return CKR_MECHANISM_PARAM_INVALID;     /* the module's limits */
	/* the length must fit in the 15 - ulNonceLen bytes of B_0 (SP 800-38C A.2.1) */
	if (p->ulNonceLen > 11 && (uint64_t)p->ulDataLen >> (8 * (15 - p->ulNonceLen)) != 0)
		return CKR_MECHANISM_PARAM_INVALID;
	return CKR_OK;
}

/* OpenSSL's name of AES-CCM for a key of c->k bytes. */
static const char *aes_ccm_name(const struct prim_ctx *c)
{
	return c->k == 16 ? "AES-128-CCM" : c->k == 24 ? "AES-192-CCM"
					   : c->k == 32 ? "AES-256-CCM" : NULL;
}

static CK_RV aes_ccm_key(struct prim_ctx *c, const struct prim_attrs *a, int decrypt)
{
	const CK_CCM_PARAMS *p = c->init_mech->pParameter;
	struct crypto_sym *s = NULL;
	CK_RV rv = prim_secret_key(c, a, decrypt);

	if (rv != CKR_OK)
		return rv;
	rv = crypto_sym_ccm_new(aes_ccm_name(c), decrypt, c->key, c->k, p->pNonce,
				p->ulNonceLen, p->pAAD, p->ulAADLen, p->ulMACLen, p->ulDataLen,
				&s);
	if (rv == CKR_OK)
		c->state = s;
	return rv;
}

const struct prim_ops prim_aes_ccm_ops = {
	.param = aes_ccm_param,
	.key = aes_ccm_key,
	.secret = 1,
	.update_len = prim_sym_update_len,
	.update = prim_sym_update,
	.final_len = prim_sym_final_len,
	.final = prim_sym_final,
	.release = prim_sym_release,
	.msg_param = prim_ccm_msg_param,
};
