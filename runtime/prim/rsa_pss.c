/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * rsa_pss.c — CKM_RSA_PKCS_PSS and its hash-then-sign forms (CKM_SHA256_RSA_PKCS_PSS ...):
 * EMSA-PSS (RFC 8017 9.1) with MGF1, encoded on the host, raw RSA on the token.
 *
 * Parameter: CK_RSA_PKCS_PSS_PARAMS (PKCS #11 3.2, RSA section): hashAlg a hash PKCS #1
 * names, and for the CKM_<hash>_RSA_PKCS_PSS forms the mechanism's own hash; mgf one of
 * the CKG_MGF1_ the spec lists; sLen at most 512 here, and it must fit the modulus
 * (emLen >= hLen + sLen + 2, RFC 8017 9.1.1 step 3).
 */
#include "prim.h"

#include <string.h>

static CK_RV rsa_pss_param(const struct mech *m, const CK_MECHANISM *pm,
			   struct mech_params *out)
{
	const CK_RSA_PKCS_PSS_PARAMS *p = pm->pParameter;

	if (!mech_pkcs1_hash(p->hashAlg))
		return CKR_MECHANISM_PARAM_INVALID;
	if (m->hash != 0 && p->hashAlg != m->hash)
		return CKR_MECHANISM_PARAM_INVALID;
	out->mgf_hash = crypto_mgf_hash(p->mgf);
	if (out->mgf_hash == 0 || p->sLen > 512)
		return CKR_MECHANISM_PARAM_INVALID;
	out->hash = p->hashAlg;
	out->slen = p->sLen;
	return CKR_OK;
}

static CK_RV rsa_pss_key(struct prim_ctx *c, const struct prim_attrs *a, int private_key)
{
	CK_RV rv = prim_rsa_key(c, a, private_key);
	size_t hl = crypto_md_size(c->prm.hash);

	if (rv == CKR_OK && (c->mod_bits - 1 + 7) / 8 < hl + c->prm.slen + 2)
		rv = CKR_MECHANISM_PARAM_INVALID;
	return rv;
}

static size_t rsa_pss_max_input(const struct prim_ctx *c)
{
	return crypto_md_size(c->prm.hash);    /* the digest: PSS signs nothing else */
}

static CK_RV rsa_pss_encode(const struct prim_ctx *c, const uint8_t *in, size_t in_len,
			    uint8_t *em, const uint8_t **tin, size_t *tlen)
{
	CK_RV rv = crypto_rsa_pss_encode(c->prm.hash, c->prm.mgf_hash, c->prm.slen, in, in_len,
					 em, c->k, c->mod_bits);

	*tin = em;
	*tlen = c->k;
	return rv == CKR_KEY_SIZE_RANGE ? CKR_DATA_LEN_RANGE : rv;
}

static CK_RV rsa_pss_verify(const struct prim_ctx *c, const uint8_t *in, size_t in_len,
			    const uint8_t *sig, size_t sig_len)
{
	struct crypto_rsa_params p;

	memset(&p, 0, sizeof p);
	p.pad = CRYPTO_PAD_PSS;
	p.hash = c->prm.hash;
	p.mgf_hash = c->prm.mgf_hash;
	p.slen = c->prm.slen;
	return crypto_rsa_verify(c->pk, &p, in, in_len, sig, sig_len);
}

const struct prim_ops prim_rsa_pss_ops = {
	.param = rsa_pss_param,
	.key = rsa_pss_key,
	.sign_by_size = 1,
	.max_input = rsa_pss_max_input,
	.sign_encode = rsa_pss_encode,
	.sign_decode = prim_rsa_align,
	.verify = rsa_pss_verify,
	.host_key = prim_rsa_host_key,
	.host_sign = prim_rsa_host_raw,
};
