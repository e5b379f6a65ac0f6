/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * crypto_pkey.c — private keys held on the host (session objects): the raw RSA private
 * operation, ECDSA, GOST R 34.10-2012 and EdDSA signing, and key-pair generation for
 * them; see crypto.h.
 *
 * RSA, ECDSA and EdDSA run in OpenSSL 3's default provider in the module's private library
 * context (RSA with blinding, as OpenSSL always does it). GOST R 34.10 has no provider
 * (its keys live only in the gost engine, which the module must not load), so it is
 * computed here with the EC and BN API on the curves of crypto_ec.c:
 *   signing (GOST R 34.10-2012 section 6.1): e = alpha mod q (1 when 0), alpha the hash
 *   read little-endian; k random in [1, q-1]; C = kP, r = x_C mod q (again when 0);
 *   s = (r d + k e) mod q (again when 0); the signature s || r, each big-endian
 *   (RFC 4491 2.2.2, as crypto_gost_verify reads it);
 *   keys: d random in [1, q-1], Q = dP; CKA_VALUE of the public key is x || y, each
 *   little-endian (PKCS #11 3.2, GOST R 34.10 section), the private CKA_VALUE d
 *   little-endian.
 * The private scalars are BIGNUMs with BN_FLG_CONSTTIME and EC_POINT_mul's scalar
 * multiplication, which OpenSSL 3 computes in constant time for a scalar below the order.
 *
 * Ed25519 and Ed448 (RFC 8032; PKCS #11 3.0 section 2.3.14-2.3.16, CKK_EC_EDWARDS): the
 * curve is named by CKA_EC_PARAMS, the OID of RFC 8410 (1.3.101.112 id-Ed25519,
 * 1.3.101.113 id-Ed448) or the printable string "edwards25519" / "edwards448" of PKCS #11
 * 3.0; CKA_EC_POINT is the public key's RFC 8032 encoding in a DER OCTET STRING (a bare
 * one is taken too), CKA_VALUE of the private key its RFC 8032 private key (32 or 57
 * bytes).
 */
#include "crypto.h"
#include "crypto_sym_gost.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/param_build.h>
#include <openssl/params.h>
#include <openssl/rsa.h>

/* --- RSA ---------------------------------------------------------------------------- */

static const char *const crypto_rsa_names[CRYPTO_RSA_NPARTS] = {
	OSSL_PKEY_PARAM_RSA_N, OSSL_PKEY_PARAM_RSA_E, OSSL_PKEY_PARAM_RSA_D,
	OSSL_PKEY_PARAM_RSA_FACTOR1, OSSL_PKEY_PARAM_RSA_FACTOR2,
	OSSL_PKEY_PARAM_RSA_EXPONENT1, OSSL_PKEY_PARAM_RSA_EXPONENT2,
	OSSL_PKEY_PARAM_RSA_COEFFICIENT1,
};

CK_RV crypto_rsa_private_pkey(const struct crypto_rsa_parts *parts, EVP_PKEY **out)
{
	OSSL_LIB_CTX *lctx = crypto_libctx();
	OSSL_PARAM_BLD *bld = NULL;
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *pc = NULL;
	BIGNUM *bn[CRYPTO_RSA_NPARTS] = { NULL };
	int i, n = CRYPTO_RSA_NPARTS, crt = 1;
	CK_RV rv = CKR_HOST_MEMORY;

	*out = NULL;
	if (lctx == NULL)
		return CKR_FUNCTION_FAILED;
	for (i = 0; i <= CRYPTO_RSA_D; i++)
		if (parts->v[i] == NULL || crypto_be_len(parts->v[i], parts->len[i]) == 0)
			return CKR_KEY_TYPE_INCONSISTENT;
	for (i = CRYPTO_RSA_P; i < CRYPTO_RSA_NPARTS; i++)
		if (parts->v[i] == NULL || crypto_be_len(parts->v[i], parts->len[i]) == 0)
			crt = 0;
	if (!crt)
		n = CRYPTO_RSA_D + 1;   /* without all of the CRT values: d alone */
	ERR_set_mark();
	bld = OSSL_PARAM_BLD_new();
	if (bld == NULL)
		goto out;
	for (i = 0; i < n; i++) {
		bn[i] = BN_secure_new();
		if (bn[i] == NULL || BN_bin2bn(parts->v[i], (int)parts->len[i], bn[i]) == NULL)
			goto out;
		if (i >= CRYPTO_RSA_D)
			BN_set_flags(bn[i], BN_FLG_CONSTTIME);
		if (!OSSL_PARAM_BLD_push_BN(bld, crypto_rsa_names[i], bn[i]))
			goto out;
	}
	params = OSSL_PARAM_BLD_to_param(bld);
	pc = EVP_PKEY_CTX_new_from_name(lctx, "RSA", NULL);
	if (params == NULL || pc == NULL)
		goto out;
	rv = EVP_PKEY_fromdata_init(pc) == 1 &&
	     EVP_PKEY_fromdata(pc, out, EVP_PKEY_KEYPAIR, params) == 1
	     ? CKR_OK : CKR_KEY_TYPE_INCONSISTENT;
out:
	EVP_PKEY_CTX_free(pc);
	OSSL_PARAM_free(params);   /* secure-heap BNs: cleared when freed */
	OSSL_PARAM_BLD_free(bld);
	for (i = 0; i < CRYPTO_RSA_NPARTS; i++)
		BN_clear_free(bn[i]);
	ERR_pop_to_mark();
	return rv;
}

CK_RV crypto_rsa_private_raw(EVP_PKEY *pk, const uint8_t *in, size_t k, uint8_t *out)
{
	OSSL_LIB_CTX *lctx = crypto_libctx();
	EVP_PKEY_CTX *pc;
	size_t olen = k;
	CK_RV rv = CKR_OK;

	if (lctx == NULL)
		return CKR_FUNCTION_FAILED;
	ERR_set_mark();
	pc = EVP_PKEY_CTX_new_from_pkey(lctx, pk, NULL);
	if (pc == NULL) {
		rv = CKR_HOST_MEMORY;
		goto out;
	}
	if (EVP_PKEY_decrypt_init(pc) != 1 ||
	    EVP_PKEY_CTX_set_rsa_padding(pc, RSA_NO_PADDING) != 1) {
		rv = CKR_FUNCTION_FAILED;
		goto out;
	}
	/* RSA_NO_PADDING: a block of exactly k bytes, below n (else OpenSSL refuses it) */
	if (EVP_PKEY_decrypt(pc, out, &olen, in, k) != 1 || olen > k) {
		rv = CKR_DATA_INVALID;
		goto out;
	}
	if (olen < k) {
		memmove(out + (k - olen), out, olen);
		memset(out, 0, k - olen);
	}
out:
	EVP_PKEY_CTX_free(pc);
	ERR_pop_to_mark();
	return rv;
}

/* A BIGNUM parameter of pk as big-endian bytes of its own length (malloc'ed). */
static CK_RV crypto_pkey_bn(EVP_PKEY *pk, const char *name, uint8_t **out, size_t *len)
{
	BIGNUM *bn = NULL;
	int n;

	*out = NULL;
	*len = 0;
	if (EVP_PKEY_get_bn_param(pk, name, &bn) != 1)
		return CKR_FUNCTION_FAILED;
	n = BN_num_bytes(bn);
	*out = malloc(n > 0 ? (size_t)n : 1);
	if (*out == NULL) {
		BN_clear_free(bn);
		return CKR_HOST_MEMORY;
	}
	*len = n > 0 ? (size_t)BN_bn2bin(bn, *out) : 0;
	if (n == 0) {
		(*out)[0] = 0;  /* a zero integer is one zero byte */
		*len = 1;
	}
	BN_clear_free(bn);
	return CKR_OK;
}

CK_RV crypto_rsa_generate(size_t bits, const uint8_t *e, size_t e_len,
			  struct crypto_rsa_key *out)
{
	OSSL_LIB_CTX *lctx = crypto_libctx();
	EVP_PKEY_CTX *pc = NULL;
	EVP_PKEY *pk = NULL;
	BIGNUM *be = NULL;
	int i;
	CK_RV rv = CKR_FUNCTION_FAILED;

	memset(out, 0, sizeof *out);
	if (lctx == NULL)
		return CKR_FUNCTION_FAILED;
	ERR_set_mark();
	be = BN_bin2bn(e, (int)e_len, NULL);
	pc = EVP_PKEY_CTX_new_from_name(lctx, "RSA", NULL);
	if (be == NULL || pc == NULL) {
		rv = CKR_HOST_MEMORY;
		goto out;
	}
	if (EVP_PKEY_keygen_init(pc) != 1 || EVP_PKEY_CTX_set_rsa_keygen_bits(pc, (int)bits) != 1)
		goto out;
	if (EVP_PKEY_CTX_set1_rsa_keygen_pubexp(pc, be) != 1) {
		rv = CKR_ATTRIBUTE_VALUE_INVALID;       /* an exponent OpenSSL does not take */
		goto out;
	}
	if (EVP_PKEY_generate(pc, &pk) != 1) {
		/* OpenSSL refuses an even or too small exponent only here */
		rv = CKR_ATTRIBUTE_VALUE_INVALID;
		goto out;
	}
	rv = CKR_OK;
	for (i = 0; i < CRYPTO_RSA_NPARTS && rv == CKR_OK; i++)
		rv = crypto_pkey_bn(pk, crypto_rsa_names[i], &out->v[i], &out->len[i]);
	if (rv != CKR_OK)
		crypto_rsa_key_free(out);
out:
	EVP_PKEY_free(pk);
	EVP_PKEY_CTX_free(pc);
	BN_free(be);
	ERR_pop_to_mark();
	return rv;
}

void crypto_rsa_key_free(struct crypto_rsa_key *k)
{
	int i;

	for (i = 0; i < CRYPTO_RSA_NPARTS; i++) {
		if (k->v[i] != NULL) {
			OPENSSL_cleanse(k->v[i], k->len[i]);
			free(k->v[i]);
		}
		k->v[i] = NULL;
		k->len[i] = 0;
	}
}

/* --- ECDSA ---------------------------------------------------------------------------- */

CK_RV crypto_ec_private_pkey(const uint8_t *ec_params, size_t params_len, const uint8_t *d,
			     size_t d_len, EVP_PKEY **out)
{
	OSSL_LIB_CTX *lctx = crypto_libctx();
	const char *name = crypto_ec_curve_name(ec_params, params_len);
	OSSL_PARAM_BLD *bld = NULL;
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *pc = NULL;
	EC_GROUP *g = NULL;
	EC_POINT *pt = NULL;
	BIGNUM *bd = NULL;
	unsigned char *pub = NULL;
	size_t pub_len;
	CK_RV rv = CKR_KEY_TYPE_INCONSISTENT;

	*out = NULL;
	if (lctx == NULL)
		return CKR_FUNCTION_FAILED;
	if (name == NULL || d == NULL || d_len == 0)
		return CKR_KEY_TYPE_INCONSISTENT;
	ERR_set_mark();
	g = EC_GROUP_new_by_curve_name_ex(lctx, NULL, OBJ_sn2nid(name));
	bd = BN_secure_new();
	if (g == NULL || bd == NULL || BN_bin2bn(d, (int)d_len, bd) == NULL)
		goto out;
	BN_set_flags(bd, BN_FLG_CONSTTIME);
	if (BN_is_zero(bd) || BN_cmp(bd, EC_GROUP_get0_order(g)) >= 0)
		goto out;       /* not a private key of this curve */
	/* the public point too: OpenSSL's key checks and some of its paths want it */
	pt = EC_POINT_new(g);
	if (pt == NULL || !EC_POINT_mul(g, pt, bd, NULL, NULL, NULL))
		goto out;
	pub_len = EC_POINT_point2buf(g, pt, POINT_CONVERSION_UNCOMPRESSED, &pub, NULL);
	bld = OSSL_PARAM_BLD_new();
	if (pub_len == 0 || bld == NULL ||
	    !OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, name, 0) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, bd) ||
	    !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pub, pub_len))
		goto out;
	params = OSSL_PARAM_BLD_to_param(bld);
	pc = EVP_PKEY_CTX_new_from_name(lctx, "EC", NULL);
	if (params == NULL || pc == NULL || EVP_PKEY_fromdata_init(pc) != 1)
		goto out;
	if (EVP_PKEY_fromdata(pc, out, EVP_PKEY_KEYPAIR, params) == 1)
		rv = CKR_OK;
out:
	EVP_PKEY_CTX_free(pc);
	OSSL_PARAM_free(params);   /* secure-heap BNs: cleared when freed */
	OSSL_PARAM_BLD_free(bld);
	OPENSSL_free(pub);
	EC_POINT_free(pt);
	BN_clear_free(bd);
	EC_GROUP_free(g);
	ERR_pop_to_mark();
	return rv;
}

CK_RV crypto_ecdsa_sign(EVP_PKEY *pk, size_t size, const uint8_t *hash, size_t hash_len,
			uint8_t *sig)
{
	OSSL_LIB_CTX *lctx = crypto_libctx();
	EVP_PKEY_CTX *sc = NULL;
	ECDSA_SIG *es = NULL;
	unsigned char der[160];
	const unsigned char *p = der;
	size_t der_len = sizeof der;
	const BIGNUM *r, *s;
	CK_RV rv = CKR_FUNCTION_FAILED;

	if (lctx == NULL)
		return CKR_FUNCTION_FAILED;
	if (hash_len == 0)
		return CKR_DATA_LEN_RANGE;
	ERR_set_mark();
	sc = EVP_PKEY_CTX_new_from_pkey(lctx, pk, NULL);
	if (sc == NULL || EVP_PKEY_sign_init(sc) != 1 ||
	    EVP_PKEY_sign(sc, der, &der_len, hash, hash_len) != 1)
		goto out;
	es = d2i_ECDSA_SIG(NULL, &p, (long)der_len);
	if (es == NULL)
		goto out;
	ECDSA_SIG_get0(es, &r, &s);
	/* r || s, each as long as the order (PKCS #11 3.2, ECDSA) */
	if (BN_bn2binpad(r, sig, (int)size) == (int)size &&
	    BN_bn2binpad(s, sig + size, (int)size) == (int)size)
		rv = CKR_OK;
out:
	ECDSA_SIG_free(es);
	EVP_PKEY_CTX_free(sc);
	ERR_pop_to_mark();
	return rv;
}

CK_RV crypto_ec_generate(const uint8_t *ec_params, size_t params_len, uint8_t **d,
			 size_t *d_len, uint8_t **point, size_t *point_len)
{
	OSSL_LIB_CTX *lctx = crypto_libctx();
	const char *name;
	EVP_PKEY_CTX *pc = NULL;
	EVP_PKEY *pk = NULL;
	BIGNUM *bd = NULL;
	uint8_t pub[1 + 2 * 66];
	size_t pub_len = 0, size;
	CK_RV rv = crypto_ec_check_params(ec_params, params_len);

	*d = *point = NULL;
	*d_len = *point_len = 0;
	if (rv != CKR_OK)
		return rv;
	name = crypto_ec_curve_name(ec_params, params_len);
	size = crypto_ec_size(ec_params, params_len);
	if (lctx == NULL || name == NULL || size == 0 || size > 66)
		return CKR_CURVE_NOT_SUPPORTED;
	rv = CKR_FUNCTION_FAILED;
	ERR_set_mark();
	pc = EVP_PKEY_CTX_new_from_name(lctx, "EC", NULL);
	if (pc == NULL || EVP_PKEY_keygen_init(pc) != 1 ||
	    EVP_PKEY_CTX_set_group_name(pc, name) != 1 || EVP_PKEY_generate(pc, &pk) != 1)
		goto out;
	if (EVP_PKEY_get_octet_string_param(pk, OSSL_PKEY_PARAM_PUB_KEY, pub, sizeof pub,
					    &pub_len) != 1 || pub_len != 1 + 2 * size ||
	    EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_PRIV_KEY, &bd) != 1)
		goto out;
	*d = malloc(size);
	*point = malloc(pub_len + 3);
	if (*d == NULL || *point == NULL) {
		rv = CKR_HOST_MEMORY;
		goto out;
	}
	/* CKA_VALUE: d as big-endian bytes as long as the order (SEC 1 2.3.7) */
	if (BN_bn2binpad(bd, *d, (int)size) != (int)size)
		goto out;
	*d_len = size;
	/* CKA_EC_POINT: the uncompressed point in a DER OCTET STRING */
	if (pub_len < 128) {
		(*point)[0] = 0x04;
		(*point)[1] = (uint8_t)pub_len;
		memcpy(*point + 2, pub, pub_len);
		*point_len = pub_len + 2;
	} else {
		(*point)[0] = 0x04;
		(*point)[1] = 0x81;
		(*point)[2] = (uint8_t)pub_len;
		memcpy(*point + 3, pub, pub_len);
		*point_len = pub_len + 3;
	}
	rv = CKR_OK;
out:
	if (rv != CKR_OK) {
		if (*d != NULL)
			OPENSSL_cleanse(*d, size);
		free(*d);
		free(*point);
		*d = *point = NULL;
		*d_len = *point_len = 0;
	}
	BN_clear_free(bd);
	EVP_PKEY_free(pk);
	EVP_PKEY_CTX_free(pc);
	ERR_pop_to_mark();
	return rv;
}

/* --- GOST R 34.10-2012 -------------------------------------------------------------- */

/* A random scalar in [1, q-1], constant-time flagged, from the private context's DRBG
 * (ctx is of crypto_libctx(): the application's default context is not touched). */
static int crypto_gost_scalar(BIGNUM *k, const BIGNUM *q, BN_CTX *ctx)
{
	do {
		if (!BN_priv_rand_range_ex(k, q, 0, ctx))
			return 0;
	} while (BN_is_zero(k));
	BN_set_flags(k, BN_FLG_CONSTTIME);
	return 1;
}

CK_RV crypto_gost_sign(const uint8_t *oid_der, size_t oid_len, const uint8_t *d,
		       size_t d_len, const uint8_t *hash, size_t hash_len, uint8_t *sig)
{
	size_t size = 0;
	const EC_GROUP *g = crypto_gost_group_of(oid_der, oid_len, &size);
	const BIGNUM *q;
	BN_CTX *ctx = NULL;
	EC_POINT *C = NULL;
	BIGNUM *bd, *e, *k, *r, *s, *t;
	CK_RV rv = CKR_FUNCTION_FAILED;

	if (g == NULL)
		return CKR_KEY_TYPE_INCONSISTENT;
	if (d_len != size)
		return CKR_KEY_TYPE_INCONSISTENT;
	if (hash_len != size)
		return CKR_DATA_LEN_RANGE;
	ERR_set_mark();
	ctx = BN_CTX_secure_new_ex(crypto_libctx());
	if (ctx == NULL) {
		rv = CKR_HOST_MEMORY;
		goto out;
	}
	BN_CTX_start(ctx);
	bd = BN_CTX_get(ctx);
	e = BN_CTX_get(ctx);
	k = BN_CTX_get(ctx);
	r = BN_CTX_get(ctx);
	s = BN_CTX_get(ctx);
	t = BN_CTX_get(ctx);
	C = EC_POINT_new(g);
	if (t == NULL || C == NULL)
		goto out;
	q = EC_GROUP_get0_order(g);
	if (!BN_lebin2bn(d, (int)d_len, bd))
		goto out;
	BN_set_flags(bd, BN_FLG_CONSTTIME);
	if (BN_is_zero(bd) || BN_cmp(bd, q) >= 0) {
		rv = CKR_KEY_TYPE_INCONSISTENT;
		goto out;
	}
	if (!BN_lebin2bn(hash, (int)hash_len, e) || !BN_nnmod(e, e, q, ctx))
		goto out;
	if (BN_is_zero(e) && !BN_one(e))
		goto out;
	for (;;) {
		if (!crypto_gost_scalar(k, q, ctx) || !EC_POINT_mul(g, C, k, NULL, NULL, ctx) ||
		    !EC_POINT_get_affine_coordinates(g, C, r, NULL, ctx) ||
		    !BN_nnmod(r, r, q, ctx))
			goto out;
		if (BN_is_zero(r))
			continue;
		/* s = (r d + k e) mod q */
		if (!BN_mod_mul(s, r, bd, q, ctx) || !BN_mod_mul(t, k, e, q, ctx) ||
		    !BN_mod_add(s, s, t, q, ctx))
			goto out;
		if (!BN_is_zero(s))
			break;
	}
	if (BN_bn2binpad(s, sig, (int)size) == (int)size &&
	    BN_bn2binpad(r, sig + size, (int)size) == (int)size)
		rv = CKR_OK;
out:
	EC_POINT_free(C);
	if (ctx != NULL) {
		BN_CTX_end(ctx);
		BN_CTX_free(ctx);
	}
	ERR_pop_to_mark();
	return rv;
}

CK_RV crypto_gost_generate(const uint8_t *oid_der, size_t oid_len, uint8_t *d, uint8_t *xy,
			   size_t *size_out)
{
	size_t size = 0;
	const EC_GROUP *g = crypto_gost_group_of(oid_der, oid_len, &size);
	BN_CTX *ctx = NULL;
	EC_POINT *Q = NULL;
	BIGNUM *bd, *x, *y;
	CK_RV rv = CKR_FUNCTION_FAILED;

	*size_out = 0;
	if (g == NULL)
		return CKR_ATTRIBUTE_VALUE_INVALID;
	ERR_set_mark();
	ctx = BN_CTX_secure_new_ex(crypto_libctx());
	if (ctx == NULL) {
		rv = CKR_HOST_MEMORY;
		goto out;
	}
	BN_CTX_start(ctx);
	bd = BN_CTX_get(ctx);
	x = BN_CTX_get(ctx);
	y = BN_CTX_get(ctx);
	Q = EC_POINT_new(g);
	if (y == NULL || Q == NULL || !crypto_gost_scalar(bd, EC_GROUP_get0_order(g), ctx) ||
	    !EC_POINT_mul(g, Q, bd, NULL, NULL, ctx) ||
	    !EC_POINT_get_affine_coordinates(g, Q, x, y, ctx))
		goto out;
	if (BN_bn2lebinpad(bd, d, (int)size) != (int)size ||
	    BN_bn2lebinpad(x, xy, (int)size) != (int)size ||
	    BN_bn2lebinpad(y, xy + size, (int)size) != (int)size)
		goto out;
	*size_out = size;
	rv = CKR_OK;
out:
	if (rv != CKR_OK)
		OPENSSL_cleanse(d, size);
	EC_POINT_free(Q);
	if (ctx != NULL) {
		BN_CTX_end(ctx);
		BN_CTX_free(ctx);
	}
	ERR_pop_to_mark();
	return rv;
}

/* --- EdDSA ---------------------------------------------------------------------------- */

static const struct {
	const char *name;               /* OpenSSL's */
	size_t key_len, sig_len;
	uint8_t oid[5];                 /* RFC 8410 */
	const char *printable;          /* PKCS #11 3.0 */
} crypto_ed_curves[] = {
	{ "ED25519", 32, 64, { 0x06, 0x03, 0x2b, 0x65, 0x70 }, "edwards25519" },
	{ "ED448", 57, 114, { 0x06, 0x03, 0x2b, 0x65, 0x71 }, "edwards448" },
};

/* The curve of CKA_EC_PARAMS, or -1. */
static int crypto_ed_curve(const uint8_t *p, size_t len)
{
	size_t i, n;

	for (i = 0; i < sizeof crypto_ed_curves / sizeof crypto_ed_curves[0]; i++) {
		n = strlen(crypto_ed_curves[i].printable);
		if (len == sizeof crypto_ed_curves[i].oid &&
		    memcmp(p, crypto_ed_curves[i].oid, len) == 0)
			return (int)i;
		if (len == n + 2 && p[0] == 0x13 && p[1] == n &&
		    memcmp(p + 2, crypto_ed_curves[i].printable, n) == 0)
			return (int)i;
	}
	return -1;
}

CK_RV crypto_eddsa_check_params(const uint8_t *ec_params, size_t len, size_t *key_len,
				size_t *sig_len)
{
	int c = ec_params != NULL ? crypto_ed_curve(ec_params, len) : -1;

	if (c < 0)
		return CKR_CURVE_NOT_SUPPORTED;
	if (key_len != NULL)
		*key_len = crypto_ed_curves[c].key_len;
	if (sig_len != NULL)
		*sig_len = crypto_ed_curves[c].sig_len;
	return CKR_OK;
}

/* The key's bytes inside a DER OCTET STRING of n bytes, or bare. */
static const uint8_t *crypto_ed_bytes(const uint8_t *v, size_t len, size_t n)
{
	if (len == n)
		return v;
	if (len == n + 2 && v[0] == 0x04 && v[1] == n)
		return v + 2;
	return NULL;
}

CK_RV crypto_eddsa_private_pkey(const uint8_t *ec_params, size_t params_len,
				const uint8_t *value, size_t value_len, EVP_PKEY **out)
{
	int c = crypto_ed_curve(ec_params, params_len);
	const uint8_t *v;

	*out = NULL;
	if (c < 0)
		return CKR_KEY_TYPE_INCONSISTENT;
	v = crypto_ed_bytes(value, value_len, crypto_ed_curves[c].key_len);
	if (v == NULL)
		return CKR_KEY_TYPE_INCONSISTENT;
	ERR_set_mark();
	*out = EVP_PKEY_new_raw_private_key_ex(crypto_libctx(), crypto_ed_curves[c].name, NULL,
					       v, crypto_ed_curves[c].key_len);
	ERR_pop_to_mark();
	return *out != NULL ? CKR_OK : CKR_KEY_TYPE_INCONSISTENT;
}

CK_RV crypto_eddsa_sign(EVP_PKEY *pk, const uint8_t *msg, size_t len, uint8_t *sig,
			size_t *sig_len)
{
	EVP_MD_CTX *mc;
	CK_RV rv = CKR_FUNCTION_FAILED;

	ERR_set_mark();
	mc = EVP_MD_CTX_new();
	if (mc != NULL && EVP_DigestSignInit_ex(mc, NULL, NULL, crypto_libctx(), NULL, pk,
						NULL) == 1 &&
	    EVP_DigestSign(mc, sig, sig_len, msg, len) == 1)
		rv = CKR_OK;
	EVP_MD_CTX_free(mc);
	ERR_pop_to_mark();
	return rv;
}

CK_RV crypto_eddsa_verify(const uint8_t *ec_params, size_t params_len, const uint8_t *point,
			  size_t point_len, const uint8_t *msg, size_t len, const uint8_t *sig,
			  size_t sig_len)
{
	int c = crypto_ed_curve(ec_params, params_len);
	const uint8_t *pt;
	EVP_PKEY *pk = NULL;
	EVP_MD_CTX *mc = NULL;
	CK_RV rv = CKR_FUNCTION_FAILED;

	if (c < 0)
		return CKR_KEY_SIZE_RANGE;
	if (sig_len != crypto_ed_curves[c].sig_len)
		return CKR_SIGNATURE_LEN_RANGE;
	pt = crypto_ed_bytes(point, point_len, crypto_ed_curves[c].key_len);
	if (pt == NULL)
		return CKR_PUBLIC_KEY_INVALID;
	ERR_set_mark();
	pk = EVP_PKEY_new_raw_public_key_ex(crypto_libctx(), crypto_ed_curves[c].name, NULL, pt,
					    crypto_ed_curves[c].key_len);
	mc = EVP_MD_CTX_new();
	if (pk == NULL) {
		rv = CKR_PUBLIC_KEY_INVALID;
		goto out;
	}
	if (mc == NULL || EVP_DigestVerifyInit_ex(mc, NULL, NULL, crypto_libctx(), NULL, pk,
						  NULL) != 1)
		goto out;
	rv = EVP_DigestVerify(mc, sig, sig_len, msg, len) == 1 ? CKR_OK : CKR_SIGNATURE_INVALID;
out:
	EVP_MD_CTX_free(mc);
	EVP_PKEY_free(pk);
	ERR_pop_to_mark();
	return rv;
}

CK_RV crypto_eddsa_generate(const uint8_t *ec_params, size_t params_len, uint8_t *priv,
			    uint8_t *pub, size_t *key_len)
{
	int c = ec_params != NULL ? crypto_ed_curve(ec_params, params_len) : -1;
	EVP_PKEY_CTX *pc = NULL;
	EVP_PKEY *pk = NULL;
	size_t n, m;
	CK_RV rv = CKR_FUNCTION_FAILED;

	*key_len = 0;
	if (c < 0)
		return CKR_CURVE_NOT_SUPPORTED;
	n = m = crypto_ed_curves[c].key_len;
	ERR_set_mark();
	pc = EVP_PKEY_CTX_new_from_name(crypto_libctx(), crypto_ed_curves[c].name, NULL);
	if (pc != NULL && EVP_PKEY_keygen_init(pc) == 1 && EVP_PKEY_generate(pc, &pk) == 1 &&
	    EVP_PKEY_get_raw_private_key(pk, priv, &n) == 1 &&
	    EVP_PKEY_get_raw_public_key(pk, pub, &m) == 1 &&
	    n == crypto_ed_curves[c].key_len && m == n) {
		*key_len = n;
		rv = CKR_OK;
	} else {
		OPENSSL_cleanse(priv, crypto_ed_curves[c].key_len);
	}
	EVP_PKEY_free(pk);
	EVP_PKEY_CTX_free(pc);
	ERR_pop_to_mark();
	return rv;
}
