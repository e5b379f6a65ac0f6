/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * crypto_vko.c — key agreement with a private key on the host: VKO GOST R 34.10-2012
 * (RFC 7836 4.3) and GOST R 34.10-2001 (RFC 4357 5.2) on crypto_ec.c's GOST curves, and
 * ECDH on the named curves OpenSSL knows; see crypto_sym_gost.h. Computed with OpenSSL's
 * EC and BN API in the private library context (no engine).
 */
#include "crypto_sym_gost.h"

#include "crypto.h"

#include <string.h>

#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/objects.h>

/* n bytes little-endian into a BIGNUM (BN_lebin2bn), NULL on failure. */
static BIGNUM *crypto_le_bn(const uint8_t *p, size_t n, BN_CTX *bc)
{
	BIGNUM *b = BN_CTX_get(bc);

	return b != NULL && BN_lebin2bn(p, (int)n, b) != NULL ? b : NULL;
}

/* x || y of a GOST public key: bare, or in a DER OCTET STRING. */
static const uint8_t *crypto_vko_point(const uint8_t *pub, size_t len, size_t size)
{
	size_t n = 2 * size;

	if (len == n)
		return pub;
	if (n < 128 && len == n + 2 && pub[0] == 0x04 && pub[1] == n)
		return pub + 2;
	if (n >= 128 && n < 256 && len == n + 3 && pub[0] == 0x04 && pub[1] == 0x81 &&
	    pub[2] == n)
		return pub + 3;
	return NULL;
}

CK_RV crypto_vko(CK_MECHANISM_TYPE hash, const uint8_t *oid_der, size_t oid_len,
		 const uint8_t *priv, size_t priv_len, const uint8_t *pub, size_t pub_len,
		 const uint8_t *ukm, size_t ukm_len, uint8_t *out, size_t *out_len)
{
	uint8_t xy[2 * 64];
	const EC_GROUP *g;
	const uint8_t *pt;
	size_t size = 0;
	BN_CTX *bc = NULL;
	EC_POINT *q = NULL, *k = NULL;
	BIGNUM *d, *u, *x, *y, *h, *t;
	CK_RV rv = CKR_FUNCTION_FAILED;

	*out_len = 0;
	if (hash != CKM_GOSTR3411_12_256 && hash != CKM_GOSTR3411_12_512 && hash != CKM_GOSTR3411)
		return CKR_MECHANISM_INVALID;
	g = crypto_gost_group_of(oid_der, oid_len, &size);
	if (g == NULL)
		return CKR_CURVE_NOT_SUPPORTED;
	if (priv == NULL || priv_len != size)
		return CKR_KEY_SIZE_RANGE;
	pt = pub != NULL ? crypto_vko_point(pub, pub_len, size) : NULL;
	if (pt == NULL || ukm == NULL || ukm_len == 0 || ukm_len > 16)
		return CKR_MECHANISM_PARAM_INVALID;
	ERR_set_mark();
	bc = BN_CTX_secure_new_ex(crypto_libctx());
	if (bc == NULL) {
		rv = CKR_HOST_MEMORY;
		goto out;
	}
	BN_CTX_start(bc);
	d = crypto_le_bn(priv, size, bc);
	u = crypto_le_bn(ukm, ukm_len, bc);
	x = crypto_le_bn(pt, size, bc);
	y = crypto_le_bn(pt + size, size, bc);
	h = BN_CTX_get(bc);
	t = BN_CTX_get(bc);
	q = EC_POINT_new(g);
	k = EC_POINT_new(g);
	if (d == NULL || u == NULL || x == NULL || y == NULL || h == NULL || t == NULL ||
	    q == NULL || k == NULL || !EC_GROUP_get_cofactor(g, h, bc))
		goto out;
	if (BN_is_zero(d) || BN_cmp(d, EC_GROUP_get0_order(g)) >= 0) {
		rv = CKR_KEY_SIZE_RANGE;
		goto out;
	}
	BN_set_flags(d, BN_FLG_CONSTTIME);
	if (BN_is_zero(u) && !BN_one(u))
		goto out;
	/* the peer's point must be on the curve (OpenSSL checks it here) and not 0 */
	if (!EC_POINT_set_affine_coordinates(g, q, x, y, bc) || EC_POINT_is_at_infinity(g, q)) {
		rv = CKR_MECHANISM_PARAM_INVALID;
		goto out;
	}
	/* t = m/q * UKM * d mod q */
	if (!BN_mod_mul(t, d, u, EC_GROUP_get0_order(g), bc) ||
	    !BN_mod_mul(t, t, h, EC_GROUP_get0_order(g), bc) || !EC_POINT_mul(g, k, NULL, q, t, bc))
		goto out;
	if (EC_POINT_is_at_infinity(g, k)) {
		rv = CKR_MECHANISM_PARAM_INVALID;      /* a point of small order */
		goto out;
	}
	if (!EC_POINT_get_affine_coordinates(g, k, x, y, bc) ||
	    BN_bn2lebinpad(x, xy, (int)size) != (int)size ||
	    BN_bn2lebinpad(y, xy + size, (int)size) != (int)size)
		goto out;
	rv = crypto_digest(hash, xy, 2 * size, out, out_len);
out:
	OPENSSL_cleanse(xy, sizeof xy);
	EC_POINT_free(q);
	EC_POINT_clear_free(k);
	if (bc != NULL)
		BN_CTX_end(bc);
	BN_CTX_free(bc);
	ERR_pop_to_mark();
	return rv;
}

/* The named curve of CKA_EC_PARAMS (a DER OID), or NID_undef. */
static int crypto_ecdh_nid(const uint8_t *der, size_t len)
{
	const unsigned char *p = der;
	ASN1_OBJECT *obj;
	int nid;

	if (der == NULL || len < 3 || len > 64 || der[0] != 0x06 || der[1] != len - 2)
		return NID_undef;
	obj = d2i_ASN1_OBJECT(NULL, &p, (long)len);
	if (obj == NULL)
		return NID_undef;
	nid = OBJ_obj2nid(obj);
	ASN1_OBJECT_free(obj);
	return nid;
}

/* The point as SEC 1 encodes it: bare (02/03/04 ...) or inside a DER OCTET STRING. */
static const uint8_t *crypto_ecdh_point(const uint8_t *pub, size_t len, size_t fs,
					size_t *pt_len)
{
	if ((len == 2 * fs + 1 && pub[0] == 0x04) ||
	    (len == fs + 1 && (pub[0] == 0x02 || pub[0] == 0x03))) {
		*pt_len = len;
		return pub;
	}
	if (len >= 2 && pub[0] == 0x04 && pub[1] < 0x80 && (size_t)pub[1] == len - 2) {
		*pt_len = len - 2;
		return pub + 2;
	}
	if (len >= 3 && pub[0] == 0x04 && pub[1] == 0x81 && (size_t)pub[2] == len - 3) {
		*pt_len = len - 3;
		return pub + 3;
	}
	return NULL;
}

/* SEC 1 3.3.1 (d * Q) or, with cofactor, 3.3.2 and SP 800-56A rev. 3 5.7.1.2 (the ECC
 * CDH primitive: h * d * Q, the curve's cofactor h not reduced modulo the order, as
 * OpenSSL's cofactor mode computes it). */
static CK_RV crypto_ecdh_do(const uint8_t *ec_params, size_t params_len, const uint8_t *priv,
			    size_t priv_len, const uint8_t *pub, size_t pub_len, uint8_t *out,
			    size_t *out_len, int cofactor)
{
	OSSL_LIB_CTX *lctx = crypto_libctx();
	EC_GROUP *g = NULL;
	EC_POINT *q = NULL, *k = NULL;
	BN_CTX *bc = NULL;
	BIGNUM *d, *x;
	const uint8_t *pt;
	size_t fs, pt_len = 0;
	int nid;
	CK_RV rv = CKR_FUNCTION_FAILED;

	*out_len = 0;
	if (lctx == NULL)
		return CKR_FUNCTION_FAILED;
	ERR_set_mark();
	nid = crypto_ecdh_nid(ec_params, params_len);
	g = nid != NID_undef ? EC_GROUP_new_by_curve_name_ex(lctx, NULL, nid) : NULL;
	if (g == NULL || EC_GROUP_get_field_type(g) != NID_X9_62_prime_field) {
		rv = CKR_CURVE_NOT_SUPPORTED;
		goto out;
	}
	fs = ((size_t)EC_GROUP_get_degree(g) + 7) / 8;
	if (priv == NULL || priv_len == 0 || priv_len > fs + 1) {
		rv = CKR_KEY_SIZE_RANGE;
		goto out;
	}
	pt = pub != NULL ? crypto_ecdh_point(pub, pub_len, fs, &pt_len) : NULL;
	if (pt == NULL) {
		rv = CKR_MECHANISM_PARAM_INVALID;
		goto out;
	}
	bc = BN_CTX_secure_new_ex(lctx);
	if (bc == NULL) {
		rv = CKR_HOST_MEMORY;
		goto out;
	}
	BN_CTX_start(bc);
	d = BN_CTX_get(bc);
	x = BN_CTX_get(bc);
	q = EC_POINT_new(g);
	k = EC_POINT_new(g);
	if (d == NULL || x == NULL || q == NULL || k == NULL ||
	    BN_bin2bn(priv, (int)priv_len, d) == NULL)
		goto out;
	if (BN_is_zero(d) || BN_cmp(d, EC_GROUP_get0_order(g)) >= 0) {
		rv = CKR_KEY_SIZE_RANGE;
		goto out;
	}
	BN_set_flags(d, BN_FLG_CONSTTIME);
	/* decoding checks that the point is on the curve */
	if (!EC_POINT_oct2point(g, q, pt, pt_len, bc) || EC_POINT_is_at_infinity(g, q)) {
		rv = CKR_MECHANISM_PARAM_INVALID;
		goto out;
	}
	if (!EC_POINT_mul(g, k, NULL, q, d, bc))
		goto out;
	/* a cofactor of 1 (every prime curve OpenSSL names but secp112r2 and secp128r2)
	 * changes nothing; on the others, h * (d * Q) = (h * d) * Q */
	if (cofactor && !BN_is_one(EC_GROUP_get0_cofactor(g)) &&
	    !EC_POINT_mul(g, k, NULL, k, EC_GROUP_get0_cofactor(g), bc))
		goto out;
	if (EC_POINT_is_at_infinity(g, k)) {
		rv = CKR_MECHANISM_PARAM_INVALID;
		goto out;
	}
	if (!EC_POINT_get_affine_coordinates(g, k, x, NULL, bc) ||
	    BN_bn2binpad(x, out, (int)fs) != (int)fs)
		goto out;
	*out_len = fs;
	rv = CKR_OK;
out:
	EC_POINT_free(q);
	EC_POINT_clear_free(k);
	if (bc != NULL)
		BN_CTX_end(bc);
	BN_CTX_free(bc);
	EC_GROUP_free(g);
	ERR_pop_to_mark();
	return rv;
}

CK_RV crypto_ecdh(const uint8_t *ec_params, size_t params_len, const uint8_t *priv,
		  size_t priv_len, const uint8_t *pub, size_t pub_len, uint8_t *out,
		  size_t *out_len)
{
	return crypto_ecdh_do(ec_params, params_len, priv, priv_len, pub, pub_len, out,
			      out_len, 0);
}

CK_RV crypto_ecdh_cofactor(const uint8_t *ec_params, size_t params_len, const uint8_t *priv,
			   size_t priv_len, const uint8_t *pub, size_t pub_len, uint8_t *out,
			   size_t *out_len)
{
	return crypto_ecdh_do(ec_params, params_len, priv, priv_len, pub, pub_len, out,
			      out_len, 1);
}
