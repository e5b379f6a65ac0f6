/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * eddsa.c — CKM_EDDSA (PKCS #11 3.0 section 2.3.14) with CKK_EC_EDWARDS keys: Ed25519 and
 * Ed448 (RFC 8032), wholly on the host: signing with a private key held on the host (a
 * session object with its CKA_VALUE), verification with CKA_EC_PARAMS and CKA_EC_POINT;
 * and CKM_EC_EDWARDS_KEY_PAIR_GEN (3.0 section 2.3.15), the pair made on the host. The
 * curve is named by CKA_EC_PARAMS (crypto_pkey.c: the OIDs of RFC 8410 or the printable
 * names of 3.0). A signature is R || S, 64 bytes for Ed25519 and 114 for Ed448.
 *
 * The pure forms only: the mechanism's optional CK_EDDSA_PARAMS (Ed25519ctx, Ed25519ph,
 * Ed448 with a context) are not taken, and a parameter is CKR_MECHANISM_PARAM_INVALID. The
 * message is signed as a whole (PureEdDSA hashes it twice), so CKM_EDDSA is single-part
 * only (3.0's table of EdDSA mechanisms) and its input is bounded by eddsa_max_input.
 */
#include "prim.h"

#include <string.h>

#include <openssl/crypto.h>

#define EDDSA_INPUT_MAX (64u * 1024u)

static CK_RV eddsa_key(struct prim_ctx *c, const struct prim_attrs *a, int private_key)
{
	CK_RV rv = prim_copy_attr(a, CKA_EC_PARAMS, &c->params, &c->params_len);

	if (rv != CKR_OK)
		return rv;
	if (crypto_eddsa_check_params(c->params, c->params_len, &c->k, &c->out_len) != CKR_OK)
		return CKR_KEY_SIZE_RANGE;
	if (!private_key)
		rv = prim_copy_attr(a, CKA_EC_POINT, &c->point, &c->point_len);
	return rv;
}

static size_t eddsa_max_input(const struct prim_ctx *c)
{
	(void)c;
	return EDDSA_INPUT_MAX;
}

/* The message is what is signed: no block of its own. */
static CK_RV eddsa_encode(const struct prim_ctx *c, const uint8_t *in, size_t in_len,
			  uint8_t *em, const uint8_t **tin, size_t *tlen)
{
	(void)c;
	(void)em;
	*tin = in;
	*tlen = in_len;
	return CKR_OK;
}

static CK_RV eddsa_verify(const struct prim_ctx *c, const uint8_t *in, size_t in_len,
			  const uint8_t *sig, size_t sig_len)
{
	return crypto_eddsa_verify(c->params, c->params_len, c->point, c->point_len, in, in_len,
				   sig, sig_len);
}

static CK_RV eddsa_host_key(struct prim_ctx *c, const struct prim_attrs *a)
{
	const struct lb_attr *v = a->get(a->view, CKA_VALUE);

	if (v == NULL || v->value == NULL || v->len == 0 || v->len == CK_UNAVAILABLE_INFORMATION)
		return CKR_KEY_TYPE_INCONSISTENT;
	return crypto_eddsa_private_pkey(c->params, c->params_len, v->value, v->len, &c->priv);
}

static CK_RV eddsa_host_sign(const struct prim_ctx *c, const uint8_t *in, size_t in_len,
			     uint8_t *out, size_t *out_len)
{
	size_t len = c->out_len;
	CK_RV rv = crypto_eddsa_sign(c->priv, in != NULL ? in : (const uint8_t *)"", in_len, out,
				     &len);

	if (rv == CKR_OK)
		*out_len = len;
	return rv;
}

/* CKM_EC_EDWARDS_KEY_PAIR_GEN: CKA_EC_POINT (the encoded public key in a DER OCTET
 * STRING, as 3.0 gives it) for the public half; CKA_EC_PARAMS and CKA_VALUE (the RFC 8032
 * private key) for the private half. */
static CK_RV eddsa_pair_gen(const struct mech *m, const struct prim_attrs *pub,
			    struct prim_pair *out)
{
	const struct lb_attr *p = pub->get(pub->view, CKA_EC_PARAMS);
	uint8_t priv[57], pt[2 + 57];
	size_t len = 0;
	CK_RV rv;

	(void)m;
	if (p == NULL || p->value == NULL || p->len == 0)
		return CKR_TEMPLATE_INCOMPLETE;
	rv = crypto_eddsa_generate(p->value, p->len, priv, pt + 2, &len);
	if (rv != CKR_OK)
		return rv;
	pt[0] = 0x04;
	pt[1] = (uint8_t)len;
	rv = prim_pair_add(out->pub, &out->npub, CKA_EC_POINT, pt, len + 2);
	if (rv == CKR_OK)
		rv = prim_pair_add(out->priv, &out->npriv, CKA_EC_PARAMS, p->value, p->len);
	if (rv == CKR_OK)
		rv = prim_pair_add(out->priv, &out->npriv, CKA_VALUE, priv, len);
	OPENSSL_cleanse(priv, sizeof priv);
	return rv;
}

const struct prim_ops prim_eddsa_ops = {
	.key = eddsa_key,
	.max_input = eddsa_max_input,
	.sign_encode = eddsa_encode,
	.verify = eddsa_verify,
	.host_key = eddsa_host_key,
	.host_sign = eddsa_host_sign,
	.pair_gen = eddsa_pair_gen,
};
