/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * rsa_oaep.c — CKM_RSA_PKCS_OAEP: RSAES-OAEP (RFC 8017 7.1) with MGF1; encryption on the
 * host, raw RSA decryption on the token and the padding removed on the host in constant
 * time.
 *
 * Parameter: CK_RSA_PKCS_OAEP_PARAMS (PKCS #11 3.2, RSA section): hashAlg a hash PKCS #1
 * names, mgf one of the CKG_MGF1_ the spec lists, source CKZ_DATA_SPECIFIED with its data
 * (at most 1 MiB here) or none at all. The modulus must hold 2 hLen + 2 bytes.
 */
#include "prim.h"

#include <string.h>

static CK_RV rsa_oaep_param(const struct mech *m, const CK_MECHANISM *pm,
			    struct mech_params *out)
{
	const CK_RSA_PKCS_OAEP_PARAMS *p = pm->pParameter;

	(void)m;
	if (!mech_pkcs1_hash(p->hashAlg))
		return CKR_MECHANISM_PARAM_INVALID;
	out->mgf_hash = crypto_mgf_hash(p->mgf);
	if (out->mgf_hash == 0)
		return CKR_MECHANISM_PARAM_INVALID;
	if (p->source != 0 && p->source != CKZ_DATA_SPECIFIED)
		return CKR_MECHANISM_PARAM_INVALID;
	if (p->source == 0 && (p->pSourceData != NULL || p->ulSourceDataLen != 0))
		return CKR_MECHANISM_PARAM_INVALID;
	if (p->ulSourceDataLen > 0 && p->pSourceData == NULL)
		return CKR_MECHANISM_PARAM_INVALID;
	if (p->ulSourceDataLen > (1u << 20))
		return CKR_MECHANISM_PARAM_INVALID;
	out->hash = p->hashAlg;
	out->label = p->pSourceData;
	out->label_len = p->ulSourceDataLen;
	return CKR_OK;
}

static CK_RV rsa_oaep_key(struct prim_ctx *c, const struct prim_attrs *a, int private_key)
{
	CK_RV rv = prim_rsa_key(c, a, private_key);

	if (rv == CKR_OK && c->k < 2 * crypto_md_size(c->prm.hash) + 2)
		rv = CKR_KEY_SIZE_RANGE;
	return rv;
}

static size_t rsa_oaep_max_plain(const struct prim_ctx *c)
{
	size_t h2 = 2 * crypto_md_size(c->prm.hash) + 2;       /* RFC 8017 7.1.1 step 1b */

	return c->k >= h2 ? c->k - h2 : 0;
}

static void rsa_oaep_params(const struct prim_ctx *c, struct crypto_rsa_params *p)
{
	memset(p, 0, sizeof *p);
	p->pad = CRYPTO_PAD_OAEP;
	p->hash = c->prm.hash;
	p->mgf_hash = c->prm.mgf_hash;
	p->label = c->prm.label;
	p->label_len = c->prm.label_len;
}

static CK_RV rsa_oaep_encrypt(const struct prim_ctx *c, const uint8_t *in, size_t in_len,
			      uint8_t *out, size_t *out_len)
{
	struct crypto_rsa_params p;

	rsa_oaep_params(c, &p);
	return crypto_rsa_encrypt(c->pk, &p, in, in_len, out, out_len);
}

static CK_RV rsa_oaep_decode(const struct prim_ctx *c, uint8_t *em, size_t em_len,
			     uint8_t *out, size_t *out_len)
{
	struct crypto_rsa_params p;

	rsa_oaep_params(c, &p);
	return prim_rsa_unpad(c, &p, em, em_len, out, out_len);
}

const struct prim_ops prim_rsa_oaep_ops = {
	.param = rsa_oaep_param,
	.key = rsa_oaep_key,
	.max_plain = rsa_oaep_max_plain,
	.encrypt = rsa_oaep_encrypt,
	.decrypt_check = prim_rsa_decrypt_check,
	.wrap_len = prim_rsa_wrap_len,
	.wrap = prim_rsa_wrap,
	.decrypt_decode = rsa_oaep_decode,
	.host_key = prim_rsa_host_key,
	.host_decrypt = prim_rsa_host_raw,
};
