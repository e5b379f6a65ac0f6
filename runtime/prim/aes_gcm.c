/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * aes_gcm.c — CKM_AES_GCM: AES in Galois/Counter mode (NIST SP 800-38D) on the host.
 * Parameter: CK_GCM_PARAMS in the six-field layout of 3.0 (PKCS #11 3.2, AES GCM
 * section): pIv/ulIvLen the IV (1..256 bytes here; ulIvBits is informational), pAAD/
 * ulAADLen the additional data, ulTagBits the tag's length — one SP 800-38D 5.2.1.2
 * allows: 128, 120, 112, 104, 96, 64 or 32. Encryption gives the ciphertext and then, at
 * Final, the tag; decryption takes the ciphertext with the tag appended and gives the
 * plaintext at Final, after the tag is verified (CKR_ENCRYPTED_DATA_INVALID otherwise).
 */
#include "prim.h"

#include <string.h>

#define GCM_IV_MAX 256

static CK_RV aes_gcm_param(const struct mech *m, const CK_MECHANISM *pm,
			   struct mech_params *out)
{
	const CK_GCM_PARAMS *p = pm->pParameter;
	CK_ULONG t;

	(void)m;
	(void)out;
	if (p == NULL || pm->ulParameterLen != sizeof *p)
		return CKR_MECHANISM_PARAM_INVALID;
	if (p->pIv == NULL || p->ulIvLen == 0 || p->ulIvLen > GCM_IV_MAX)
		return CKR_MECHANISM_PARAM_INVALID;
	if (p->ulAADLen > 0 && p->pAAD == NULL)
		return CKR_MECHANISM_PARAM_INVALID;
	if (p->ulAADLen > (1u << 24))
		return CKR_MECHANISM_PARAM_INVALID;     /* the module's limit */
	t = p->ulTagBits;
	if (!(t == 128 || t == 120 || t == 112 || t == 104 || t == 96 || t == 64 || t == 32))
		return CKR_MECHANISM_PARAM_INVALID;
	return CKR_OK;
}

static CK_RV aes_gcm_key(struct prim_ctx *c, const struct prim_attrs *a, int decrypt)
{
	const CK_GCM_PARAMS *p = c->init_mech->pParameter;
	CK_RV rv = prim_secret_key(c, a, decrypt);

	if (rv != CKR_OK)
		return rv;
	return prim_sym_start(c, prim_aes_name(c, "GCM"), CRYPTO_SYM_GCM, decrypt, p->pIv,
			      p->ulIvLen, p->pAAD, p->ulAADLen, p->ulTagBits / 8, 0);
}

/* Message-based encryption (PKCS #11 3.2, AES-GCM "MessageEncrypt"/"MessageDecrypt"):
 * CK_GCM_MESSAGE_PARAMS, whose classic form is the CK_GCM_PARAMS above. */
static CK_RV aes_gcm_msg_param(const struct mech *m, void *param, CK_ULONG len,
			       const uint8_t *aad, size_t aad_len, struct prim_msg *out)
{
	static CK_BYTE stand_in[12];    /* zeros: only the key is checked with it */

	return prim_gcm_msg_param(m, param, len, aad, aad_len, stand_in, sizeof stand_in, 128,
				  out);
}

const struct prim_ops prim_aes_gcm_ops = {
	.param = aes_gcm_param,
	.key = aes_gcm_key,
	.secret = 1,
	.update_len = prim_sym_update_len,
	.update = prim_sym_update,
	.final_len = prim_sym_final_len,
	.final = prim_sym_final,
	.release = prim_sym_release,
	.msg_param = aes_gcm_msg_param,
};
