/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ecdh.c — CKM_ECDH1_DERIVE and CKM_ECDH1_COFACTOR_DERIVE on the host (C_DeriveKey), with
 * an EC private key whose CKA_VALUE is in host memory (a session key).
 *
 * PKCS #11 3.2, EC section (elliptic curve Diffie-Hellman key derivation): the parameter
 * is CK_ECDH1_DERIVE_PARAMS; the shared secret is the x-coordinate of d * Q_peer (SEC 1
 * 3.3.1, crypto_ecdh), then the KDF: CKD_NULL takes it as it is, and then pSharedData must
 * be empty; CKD_SHA1_KDF ... CKD_SHA512_KDF (and the SHA-3 ones) are the KDF of ANSI X9.63
 * (SEC 1 3.6.1): H(Z || counter || SharedInfo), the 32-bit big-endian counter from 1, as
 * many blocks as the key needs. The key's length is the template's (CKA_VALUE_LEN, or the
 * key type's own); with CKD_NULL a shorter key drops bytes "from the leading end" of the
 * secret, as the standard says for its Diffie-Hellman derivations. The cofactor form
 * differs only in the secret: the x-coordinate of h * d * Q_peer (SEC 1 3.3.2,
 * crypto_ecdh_cofactor), which is d * Q_peer's on a curve of cofactor 1 (every prime curve
 * OpenSSL names but secp112r2 and secp128r2, both below the mechanism's 192 bits). A token
 * key derives through its family only with a mechanism the family declares (op_keymgmt.c).
 */
#include "prim.h"

#include <string.h>

#include <openssl/crypto.h>

#include "crypto_sym_gost.h"

/* The hash of an X9.63 KDF, 0 for CKD_NULL, CK_UNAVAILABLE_INFORMATION for another. */
static CK_MECHANISM_TYPE ecdh_kdf_hash(CK_EC_KDF_TYPE kdf)
{
	switch (kdf) {
	case CKD_NULL: return 0;
	case CKD_SHA1_KDF: return CKM_SHA_1;
	case CKD_SHA224_KDF: return CKM_SHA224;
	case CKD_SHA256_KDF: return CKM_SHA256;
	case CKD_SHA384_KDF: return CKM_SHA384;
	case CKD_SHA512_KDF: return CKM_SHA512;
	case CKD_SHA3_224_KDF: return CKM_SHA3_224;
	case CKD_SHA3_256_KDF: return CKM_SHA3_256;
	case CKD_SHA3_384_KDF: return CKM_SHA3_384;
	case CKD_SHA3_512_KDF: return CKM_SHA3_512;
	default: return CK_UNAVAILABLE_INFORMATION;
	}
}

static CK_RV ecdh_param(const struct mech *m, const CK_MECHANISM *pm, struct mech_params *out)
{
	const CK_ECDH1_DERIVE_PARAMS *p = pm->pParameter;
	CK_MECHANISM_TYPE h = ecdh_kdf_hash(p->kdf);

	(void)m;
	(void)out;
	if (h == CK_UNAVAILABLE_INFORMATION || (h != 0 && crypto_md(h) == NULL))
		return CKR_MECHANISM_PARAM_INVALID;
	if (p->pPublicData == NULL || p->ulPublicDataLen == 0)
		return CKR_MECHANISM_PARAM_INVALID;
	if (h == 0 && (p->ulSharedDataLen != 0 || p->pSharedData != NULL))
		return CKR_MECHANISM_PARAM_INVALID;
	if (p->ulSharedDataLen > 0 && p->pSharedData == NULL)
		return CKR_MECHANISM_PARAM_INVALID;
	return CKR_OK;
}

static CK_RV ecdh_key(struct prim_ctx *c, const struct prim_attrs *a, int private_key)
{
	const struct lb_attr *v = a->get(a->view, CKA_VALUE);
	CK_RV rv;

	if (!private_key)
		return CKR_KEY_TYPE_INCONSISTENT;
	rv = prim_copy_attr(a, CKA_EC_PARAMS, &c->params, &c->params_len);
	if (rv != CKR_OK)
		return rv;
	if (v == NULL || v->value == NULL || v->len == 0 || v->len == CK_UNAVAILABLE_INFORMATION)
		return CKR_KEY_TYPE_INCONSISTENT;
	c->key = malloc(v->len);
	if (c->key == NULL)
		return CKR_HOST_MEMORY;
	memcpy(c->key, v->value, v->len);
	c->k = v->len;
	return CKR_OK;
}

/* X9.63: out[0..want) = H(z || 00000001 || info) || H(z || 00000002 || info) ... */
static CK_RV ecdh_x963(CK_MECHANISM_TYPE hash, const uint8_t *z, size_t zlen,
		       const uint8_t *info, size_t info_len, uint8_t *out, size_t want)
{
	uint8_t blk[64], ctr[4];
	size_t done = 0, n;
	uint32_t i;
	EVP_MD_CTX *md = NULL;
	CK_RV rv = CKR_OK;

	for (i = 1; done < want && rv == CKR_OK; i++) {
		ctr[0] = (uint8_t)(i >> 24);
		ctr[1] = (uint8_t)(i >> 16);
		ctr[2] = (uint8_t)(i >> 8);
		ctr[3] = (uint8_t)i;
		rv = crypto_digest_new(hash, &md);
		if (rv == CKR_OK)
			rv = crypto_digest_update(md, z, zlen);
		if (rv == CKR_OK)
			rv = crypto_digest_update(md, ctr, sizeof ctr);
		if (rv == CKR_OK && info_len > 0)
			rv = crypto_digest_update(md, info, info_len);
		if (rv == CKR_OK)
			rv = crypto_digest_final(md, blk, &n);
		EVP_MD_CTX_free(md);
		md = NULL;
		if (rv != CKR_OK)
			break;
		if (n > want - done)
			n = want - done;
		memcpy(out + done, blk, n);
		done += n;
	}
	OPENSSL_cleanse(blk, sizeof blk);
	return rv;
}

/* The key from the shared secret z: CKD_NULL or the X9.63 KDF of pm's parameter. */
static CK_RV ecdh_finish(const struct mech *m, const CK_MECHANISM *pm, const uint8_t *z,
			 size_t zlen, size_t want, uint8_t *out, size_t cap, size_t *out_len)
{
	const CK_ECDH1_DERIVE_PARAMS *p = pm->pParameter;
	CK_MECHANISM_TYPE h = ecdh_kdf_hash(p->kdf);
	CK_RV rv = CKR_OK;

	(void)m;
	*out_len = 0;
	if (h == 0) {
		if (want == 0)
			want = zlen;
		if (want > zlen || want > cap) {
			rv = CKR_TEMPLATE_INCONSISTENT;
			goto out;
		}
		memcpy(out, z + zlen - want, want);      /* the leading end dropped */
	} else {
		if (want == 0)
			want = EVP_MD_get_size(crypto_md(h));
		if (want > cap) {
			rv = CKR_TEMPLATE_INCONSISTENT;
			goto out;
		}
		rv = ecdh_x963(h, z, zlen, p->pSharedData, p->ulSharedDataLen, out, want);
		if (rv != CKR_OK)
			goto out;
	}
	*out_len = want;
out:
	return rv;
}

static CK_RV ecdh_derive(const struct prim_ctx *c, const CK_MECHANISM *pm, size_t want,
			 uint8_t *out, size_t cap, size_t *out_len)
{
	const CK_ECDH1_DERIVE_PARAMS *p = pm->pParameter;
	uint8_t z[128];
	size_t zlen = 0;
	CK_RV rv;

	*out_len = 0;
	rv = (c->m->type == CKM_ECDH1_COFACTOR_DERIVE ? crypto_ecdh_cofactor : crypto_ecdh)(
		c->params, c->params_len, c->key, c->k, p->pPublicData, p->ulPublicDataLen, z,
		&zlen);
	if (rv == CKR_OK)
		rv = ecdh_finish(c->m, pm, z, zlen, want, out, cap, out_len);
	OPENSSL_cleanse(z, sizeof z);
	return rv;
}

/* The coordinate sizes of the prime curves PKCS #11 users meet: secp160 and brainpool
 * 160 ... 512 bits, the NIST curves 192 ... 521. */
static int ecdh_field_size_known(size_t fs)
{
	return fs == 20 || fs == 24 || fs == 28 || fs == 32 || fs == 40 || fs == 48 ||
	       fs == 64 || fs == 66;
}

/* The card takes the uncompressed point 04 || X || Y, bare or in a DER OCTET STRING, and
 * answers X (as many bytes as a coordinate). A compressed point is not decompressed here:
 * CKR_MECHANISM_PARAM_INVALID. */
static CK_RV ecdh_token_peer(const CK_MECHANISM *pm, const uint8_t **pt, size_t *pt_len,
			     const uint8_t **ukm, size_t *ukm_len, size_t *answer_len)
{
	const CK_ECDH1_DERIVE_PARAMS *p = pm->pParameter;
	const uint8_t *b = p->pPublicData;
	size_t n = p->ulPublicDataLen;

	*ukm = NULL;
	*ukm_len = 0;
	/* a bare point first (04 3F 04 ... is also the start of a wrapped one): its length is
	 * 2 * the field size + 1 of a prime curve the standard names (160 ... 521 bits) */
	if (n >= 3 && n % 2 == 1 && b[0] == 0x04 && ecdh_field_size_known((n - 1) / 2)) {
		*pt = b;
		*pt_len = n;
		*answer_len = (n - 1) / 2;
		return CKR_OK;
	}
	if (n >= 2 && b[0] == 0x04 && b[1] < 0x80 && (size_t)b[1] == n - 2 && n - 2 >= 3 &&
	    (n - 2) % 2 == 1 && b[2] == 0x04) {
		b += 2;
		n -= 2;
	} else if (n >= 3 && b[0] == 0x04 && b[1] == 0x81 && (size_t)b[2] == n - 3 &&
		   (n - 3) % 2 == 1 && b[3] == 0x04) {
		b += 3;
		n -= 3;
	}
	if (n < 3 || n % 2 != 1 || b[0] != 0x04)
		return CKR_MECHANISM_PARAM_INVALID;
	*pt = b;
	*pt_len = n;
	*answer_len = (n - 1) / 2;
	return CKR_OK;
}

const struct prim_ops prim_ecdh_ops = {
	.param = ecdh_param,
	.key = ecdh_key,
	.derive = ecdh_derive,
	.token_peer = ecdh_token_peer,
	.token_finish = ecdh_finish,
};
