/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * gost_mgm.c — CKM_KUZNYECHIK_MGM and CKM_MAGMA_MGM (TC26 extension, 0xD432102D and
 * 0xD432102E): the Multilinear Galois Mode AEAD of RFC 9058 over Kuznyechik or Magma, on
 * the host, CKK_KUZNECHIK / CKK_MAGMA keys of 32 bytes.
 *
 * Parameter: CK_GCM_PARAMS, as for CKM_AES_GCM — pIv/ulIvLen the nonce, one block (16 or
 * 8 bytes) whose leftmost bit is 0 (RFC 9058 3.1: ICN has n-1 bits); ulIvBits is
 * informational; pAAD/ulAADLen the associated data; ulTagBits the tag's length S, 32 to n
 * bits in whole bytes (RFC 9058 3.1). Aktiv's Java bindings of the extension define no
 * structure of MGM's own, and an AEAD mode with a nonce, AAD and tag length is what
 * CK_GCM_PARAMS carries. Encryption gives the ciphertext and then, at Final, the tag;
 * decryption takes the ciphertext with the tag appended and gives the plaintext at Final
 * once the tag is verified (CKR_ENCRYPTED_DATA_INVALID otherwise). The hooks have the
 * shape of aes_gcm.c's.
 *
 * Message-based (C_MessageEncryptInit ...): CK_GCM_MESSAGE_PARAMS, as for AES-GCM. A
 * generated nonce must keep its leftmost bit 0, so generation needs at least that bit
 * fixed by the caller (ulIvFixedBits >= 1, the fixed part's first bit 0: the classic
 * rule above refuses the rest).
 */
#include "gost_sym.h"

static CK_RV gost_mgm_param(const struct mech *m, const CK_MECHANISM *pm,
			    struct mech_params *out)
{
	const CK_GCM_PARAMS *p = pm->pParameter;
	size_t bl = crypto_gost_block_len(m->key_type == CKK_MAGMA ? CRYPTO_MAGMA
								   : CRYPTO_KUZNYECHIK);

	(void)out;
	if (p == NULL || pm->ulParameterLen != sizeof *p)
		return CKR_MECHANISM_PARAM_INVALID;
	if (p->pIv == NULL || p->ulIvLen != bl || (p->pIv[0] & 0x80) != 0)
		return CKR_MECHANISM_PARAM_INVALID;
	if (p->ulAADLen > 0 && p->pAAD == NULL)
		return CKR_MECHANISM_PARAM_INVALID;
	if (p->ulAADLen > (1u << 24))
		return CKR_MECHANISM_PARAM_INVALID;     /* the module's limit */
	if (p->ulTagBits < 32 || p->ulTagBits > 8 * bl || p->ulTagBits % 8 != 0)
		return CKR_MECHANISM_PARAM_INVALID;
	return CKR_OK;
}

static CK_RV gost_mgm_key(struct prim_ctx *c, const struct prim_attrs *a, int decrypt)
{
	const CK_GCM_PARAMS *p = c->init_mech->pParameter;
	CK_RV rv = prim_secret_key(c, a, decrypt);

	return rv != CKR_OK ? rv : gost_sym_mgm(c, decrypt, p->pIv, p->ulIvLen, p->pAAD,
						p->ulAADLen, p->ulTagBits / 8);
}

static CK_RV gost_mgm_msg_param(const struct mech *m, void *param, CK_ULONG len,
				const uint8_t *aad, size_t aad_len, struct prim_msg *out)
{
	static CK_BYTE stand_in[16];    /* zeros: a valid nonce of either block size */
	size_t bl = crypto_gost_block_len(m->key_type == CKK_MAGMA ? CRYPTO_MAGMA
								   : CRYPTO_KUZNYECHIK);
	CK_RV rv = prim_gcm_msg_param(m, param, len, aad, aad_len, stand_in, bl, 8 * bl, out);

	if (rv == CKR_OK && param != NULL && out->gen != CKG_NO_GENERATE &&
	    out->fixed_bits == 0)
		rv = CKR_MECHANISM_PARAM_INVALID;       /* the nonce's first bit is not kept */
	return rv;
}

const struct prim_ops prim_gost_mgm_ops = {
	.param = gost_mgm_param,
	.key = gost_mgm_key,
	.secret = 1,
	.update_len = gost_sym_update_len,
	.update = gost_sym_update,
	.final_len = gost_sym_final_len,
	.final = gost_sym_final,
	.release = gost_sym_release,
	.msg_param = gost_mgm_msg_param,
};
