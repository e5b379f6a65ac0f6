/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * crypto_ec.c — signature verification on elliptic curves: ECDSA on the named curves
 * OpenSSL knows, and GOST R 34.10-2001/2012 computed here with OpenSSL's EC and BN API
 * (no engine); see crypto.h.
 *
 * GOST curves, in short Weierstrass form y^2 = x^3 + ax + b over GF(p), with the order q
 * of the base point (x, y) and the cofactor:
 *   CryptoPro A, B, C (GOST R 34.10-2001 and 2012-256): RFC 4357 section 11.4;
 *   TC26 256 A and 512 A, B, C (GOST R 34.10-2012): RFC 7836 appendix A and the TC26
 *   recommendations it cites (256 A and 512 C are twisted Edwards curves, given here in
 *   their Weierstrass form).
 * The OIDs that name them: RFC 4357 (1.2.643.2.2.35.x, 1.2.643.2.2.36.x) and RFC 7836 /
 * RFC 9215 (1.2.643.7.1.2.1.1.x, 1.2.643.7.1.2.1.2.x).
 *
 * Verification (GOST R 34.10-2012 section 6.2): 0 < r, s < q; e = alpha mod q (1 when 0),
 * alpha the hash read little-endian; v = e^-1; z1 = s v, z2 = -r v (mod q);
 * C = z1 P + z2 Q; valid when x_C mod q == r.
 */
#include "crypto.h"
#include "crypto_sym_gost.h"

#include <pthread.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/param_build.h>

struct crypto_gost_curve {
	size_t size;                    /* bytes of p and q */
	const char *p, *a, *b, *q, *x, *y;
	unsigned cofactor;
};

static const struct crypto_gost_curve crypto_cp_a = { 32,
	"FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFD97",
	"FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFD94",
	"A6",
	"FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF6C611070995AD10045841B09B761B893",
	"1",
	"8D91E471E0989CDA27DF505A453F2B7635294F2DDF23E3B122ACC99C9E9F1E14", 1 };

static const struct crypto_gost_curve crypto_cp_b = { 32,
	"8000000000000000000000000000000000000000000000000000000000000C99",
	"8000000000000000000000000000000000000000000000000000000000000C96",
	"3E1AF419A269A5F866A7D3C25C3DF80AE979259373FF2B182F49D4CE7E1BBC8B",
	"800000000000000000000000000000015F700CFFF1A624E5E497161BCC8A198F",
	"1",
	"3FA8124359F96680B83D1C3EB2C070E5C545C9858D03ECFB744BF8D717717EFC", 1 };

static const struct crypto_gost_curve crypto_cp_c = { 32,
	"9B9F605F5A858107AB1EC85E6B41C8AACF846E86789051D37998F7B9022D759B",
	"9B9F605F5A858107AB1EC85E6B41C8AACF846E86789051D37998F7B9022D7598",
	"805A",
	"9B9F605F5A858107AB1EC85E6B41C8AA582CA3511EDDFB74F02F3A6598980BB9",
	"0",
	"41ECE55743711A8C3CBF3783CD08C0EE4D4DC440D4641A8F366E550DFDB3BB67", 1 };

static const struct crypto_gost_curve crypto_tc26_256_a = { 32,
	"FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFD97",
	"C2173F1513981673AF4892C23035A27CE25E2013BF95AA33B22C656F277E7335",
	"295F9BAE7428ED9CCC20E7C359A9D41A22FCCD9108E17BF7BA9337A6F8AE9513",
	"400000000000000000000000000000000FD8CDDFC87B6635C115AF556C360C67",
	"91E38443A5E82C0D880923425712B2BB658B9196932E02C78B2582FE742DAA28",
	"32879423AB1A0375895786C4BB46E9565FDE0B5344766740AF268ADB32322E5C", 4 };

static const struct crypto_gost_curve crypto_tc26_512_a = { 64,
	"FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF"
	"FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFDC7",
	"FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF"
	"FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFDC4",
	"E8C2505DEDFC86DDC1BD0B2B6667F1DA34B82574761CB0E879BD081CFD0B6265"
	"EE3CB090F30D27614CB4574010DA90DD862EF9D4EBEE4761503190785A71C760",
	"FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF"
	"27E69532F48D89116FF22B8D4E0560609B4B38ABFAD2B85DCACDB1411F10B275",
	"3",
	"7503CFE87A836AE3A61B8816E25450E6CE5E1C93ACF1ABC1778064FDCBEFA921"
	"DF1626BE4FD036E93D75E6A50E3A41E98028FE5FC235F5B889A589CB5215F2A4", 1 };

static const struct crypto_gost_curve crypto_tc26_512_b = { 64,
	"8000000000000000000000000000000000000000000000000000000000000000"
	"000000000000000000000000000000000000000000000000000000000000006F",
	"8000000000000000000000000000000000000000000000000000000000000000"
	"000000000000000000000000000000000000000000000000000000000000006C",
	"687D1B459DC841457E3E06CF6F5E2517B97C7D614AF138BCBF85DC806C4B289F"
	"3E965D2DB1416D217F8B276FAD1AB69C50F78BEE1FA3106EFB8CCBC7C5140116",
	"8000000000000000000000000000000000000000000000000000000000000001"
	"49A1EC142565A545ACFDB77BD9D40CFA8B996712101BEA0EC6346C54374F25BD",
	"2",
	"1A8F7EDA389B094C2C071E3647A8940F3C123B697578C213BE6DD9E6C8EC7335"
	"DCB228FD1EDF4A39152CBCAAF8C0398828041055F94CEEEC7E21340780FE41BD", 1 };

static const struct crypto_gost_curve crypto_tc26_512_c = { 64,
	"FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF"
	"FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFDC7",
	"DC9203E514A721875485A529D2C722FB187BC8980EB866644DE41C68E1430645"
	"46E861C0E2C9EDD92ADE71F46FCF50FF2AD97F951FDA9F2A2EB6546F39689BD3",
	"B4C4EE28CEBC6C2C8AC12952CF37F16AC7EFB6A9F69F4B57FFDA2E4F0DE5ADE0"
	"38CBC2FFF719D2C18DE0284B8BFEF3B52B8CC7A5F5BF0A3C8D2319A5312557E1",
	"3FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF"
	"C98CDBA46506AB004C33A9FF5147502CC8EDA9E7A769A12694623CEF47F023ED",
	"E2E31EDFC23DE7BDEBE241CE593EF5DE2295B7A9CBAEF021D385F7074CEA043A"
	"A27272A7AE602BF2A7B9033DB9ED3610C6FB85487EAE97AAC5BC7928C1950148",
	"F5CE40D95B5EB899ABBCCFF5911CB8577939804D6527378B8C108C3D2090FF9B"
	"E18E2D33E3021ED2EF32D85822423B6304F726AA854BAE07D0396E9A9ADDC40F", 4 };

static const struct {
	const char *oid;
	const struct crypto_gost_curve *curve;
} crypto_gost_oids[] = {
	{ "1.2.643.2.2.35.1", &crypto_cp_a },           /* id-GostR3410-2001-CryptoPro-A */
	{ "1.2.643.2.2.35.2", &crypto_cp_b },           /* ...-B */
	{ "1.2.643.2.2.35.3", &crypto_cp_c },           /* ...-C */
	{ "1.2.643.2.2.36.0", &crypto_cp_a },           /* ...-XchA */
	{ "1.2.643.2.2.36.1", &crypto_cp_c },           /* ...-XchB */
	{ "1.2.643.7.1.2.1.1.1", &crypto_tc26_256_a },  /* id-tc26-gost-3410-12-256-paramSetA */
	{ "1.2.643.7.1.2.1.1.2", &crypto_cp_a },        /* ...-256-paramSetB */
	{ "1.2.643.7.1.2.1.1.3", &crypto_cp_b },        /* ...-256-paramSetC */
	{ "1.2.643.7.1.2.1.1.4", &crypto_cp_c },        /* ...-256-paramSetD */
	{ "1.2.643.7.1.2.1.2.1", &crypto_tc26_512_a },  /* id-tc26-gost-3410-12-512-paramSetA */
	{ "1.2.643.7.1.2.1.2.2", &crypto_tc26_512_b },  /* ...-512-paramSetB */
	{ "1.2.643.7.1.2.1.2.3", &crypto_tc26_512_c },  /* ...-512-paramSetC */
};

/* The dotted text of a DER OID (tag 06); 0 on success. */
static int crypto_oid_text(const uint8_t *der, size_t len, char *buf, size_t cap)
{
	const unsigned char *p = der;
	ASN1_OBJECT *obj;
	int n;

	if (len < 3 || len > 64 || der[0] != 0x06 || der[1] != len - 2)
		return -1;
	obj = d2i_ASN1_OBJECT(NULL, &p, (long)len);
	if (obj == NULL)
		return -1;
	n = OBJ_obj2txt(buf, (int)cap, obj, 1);
	ASN1_OBJECT_free(obj);
	return n > 0 && (size_t)n < cap ? 0 : -1;
}

static const struct crypto_gost_curve *crypto_gost_curve(const uint8_t *der, size_t len)
{
	char txt[80];
	size_t i;

	if (crypto_oid_text(der, len, txt, sizeof txt) != 0)
		return NULL;
	for (i = 0; i < sizeof crypto_gost_oids / sizeof crypto_gost_oids[0]; i++)
		if (strcmp(txt, crypto_gost_oids[i].oid) == 0)
			return crypto_gost_oids[i].curve;
	return NULL;
}

size_t crypto_gost_size(const uint8_t *oid_der, size_t len)
{
	const struct crypto_gost_curve *c;

	ERR_set_mark();
	c = crypto_gost_curve(oid_der, len);
	ERR_pop_to_mark();
	return c != NULL ? c->size : 0;
}

static EC_GROUP *crypto_gost_group(const struct crypto_gost_curve *c, BN_CTX *ctx)
{
	BIGNUM *p = NULL, *a = NULL, *b = NULL, *q = NULL, *x = NULL, *y = NULL, *h = NULL;
	EC_GROUP *g = NULL, *rv = NULL;
	EC_POINT *gen = NULL;

	if (!BN_hex2bn(&p, c->p) || !BN_hex2bn(&a, c->a) || !BN_hex2bn(&b, c->b) ||
	    !BN_hex2bn(&q, c->q) || !BN_hex2bn(&x, c->x) || !BN_hex2bn(&y, c->y))
		goto out;
	h = BN_new();
	if (h == NULL || !BN_set_word(h, c->cofactor))
		goto out;
	g = EC_GROUP_new_curve_GFp(p, a, b, ctx);
	if (g == NULL)
		goto out;
	gen = EC_POINT_new(g);
	if (gen == NULL || !EC_POINT_set_affine_coordinates(g, gen, x, y, ctx) ||
	    !EC_GROUP_set_generator(g, gen, q, h))
		goto out;
	rv = g;
	g = NULL;
out:
	EC_POINT_free(gen);
	EC_GROUP_free(g);
	BN_free(p);
	BN_free(a);
	BN_free(b);
	BN_free(q);
	BN_free(x);
	BN_free(y);
	BN_free(h);
	return rv;
}

/* Built groups, one per curve, made on first use and kept until crypto_fini. A group
 * is only read once built, so threads share it. */
#define CRYPTO_NCURVES 7
static const struct crypto_gost_curve *const crypto_curves[CRYPTO_NCURVES] = {
	&crypto_cp_a, &crypto_cp_b, &crypto_cp_c, &crypto_tc26_256_a, &crypto_tc26_512_a,
	&crypto_tc26_512_b, &crypto_tc26_512_c,
};
static pthread_mutex_t crypto_group_mutex = PTHREAD_MUTEX_INITIALIZER;
static EC_GROUP *crypto_groups[CRYPTO_NCURVES];

static void crypto_ec_fini(void);

static const EC_GROUP *crypto_gost_group_cached(const struct crypto_gost_curve *c, BN_CTX *ctx)
{
	EC_GROUP *g = NULL;
	size_t i;

	for (i = 0; i < CRYPTO_NCURVES && crypto_curves[i] != c; i++)
		;
	if (i == CRYPTO_NCURVES)
		return NULL;
	pthread_mutex_lock(&crypto_group_mutex);
	if (crypto_groups[i] == NULL) {
		crypto_groups[i] = crypto_gost_group(c, ctx);
		if (crypto_groups[i] != NULL)
			crypto_on_fini(crypto_ec_fini);    /* freed with the context */
	}
	g = crypto_groups[i];
	pthread_mutex_unlock(&crypto_group_mutex);
	return g;
}

static void crypto_ec_fini(void)
{
	size_t i;

	pthread_mutex_lock(&crypto_group_mutex);
	for (i = 0; i < CRYPTO_NCURVES; i++) {
		EC_GROUP_free(crypto_groups[i]);
		crypto_groups[i] = NULL;
	}
	pthread_mutex_unlock(&crypto_group_mutex);
}

/* The public key as x || y: accepts the bare 2*size bytes, or them in an OCTET STRING. */
static const uint8_t *crypto_gost_point(const uint8_t *pub, size_t len, size_t size)
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

CK_RV crypto_gost_verify(const uint8_t *oid_der, size_t oid_len, const uint8_t *pub,
			 size_t pub_len, const uint8_t *hash, size_t hash_len, const uint8_t *sig,
			 size_t sig_len)
{
	const struct crypto_gost_curve *c;
	const uint8_t *xy;
	BN_CTX *ctx = NULL;
	const EC_GROUP *g = NULL;
	EC_POINT *Q = NULL, *C = NULL;
	BIGNUM *r, *s, *e, *v, *z1, *z2, *x, *y;
	const BIGNUM *q;
	CK_RV rv = CKR_FUNCTION_FAILED;

	ERR_set_mark();
	c = crypto_gost_curve(oid_der, oid_len);
	if (c == NULL) {
		rv = CKR_KEY_SIZE_RANGE;
		goto out;
	}
	if (sig_len != 2 * c->size) {
		rv = CKR_SIGNATURE_LEN_RANGE;
		goto out;
	}
	if (hash_len != c->size) {
		rv = CKR_DATA_LEN_RANGE;
		goto out;
	}
	xy = crypto_gost_point(pub, pub_len, c->size);
	if (xy == NULL) {
		rv = CKR_PUBLIC_KEY_INVALID;
		goto out;
	}
	ctx = BN_CTX_new();
	if (ctx == NULL) {
		rv = CKR_HOST_MEMORY;
		goto out;
	}
	BN_CTX_start(ctx);
	r = BN_CTX_get(ctx);
	s = BN_CTX_get(ctx);
	e = BN_CTX_get(ctx);
	v = BN_CTX_get(ctx);
	z1 = BN_CTX_get(ctx);
	z2 = BN_CTX_get(ctx);
	x = BN_CTX_get(ctx);
	y = BN_CTX_get(ctx);
	if (y == NULL)
		goto out;
	g = crypto_gost_group_cached(c, ctx);
	if (g == NULL)
		goto out;
	q = EC_GROUP_get0_order(g);
	Q = EC_POINT_new(g);
	C = EC_POINT_new(g);
	if (Q == NULL || C == NULL)
		goto out;
	if (!BN_lebin2bn(xy, (int)c->size, x) || !BN_lebin2bn(xy + c->size, (int)c->size, y))
		goto out;
	if (!EC_POINT_set_affine_coordinates(g, Q, x, y, ctx) ||
	    EC_POINT_is_on_curve(g, Q, ctx) != 1) {
		rv = CKR_PUBLIC_KEY_INVALID;
		goto out;
	}
	/* s || r, big-endian */
	if (!BN_bin2bn(sig, (int)c->size, s) || !BN_bin2bn(sig + c->size, (int)c->size, r))
		goto out;
	rv = CKR_SIGNATURE_INVALID;
	if (BN_is_zero(r) || BN_is_zero(s) || BN_cmp(r, q) >= 0 || BN_cmp(s, q) >= 0)
		goto out;
	rv = CKR_FUNCTION_FAILED;
	if (!BN_lebin2bn(hash, (int)hash_len, e) || !BN_nnmod(e, e, q, ctx))
		goto out;
	if (BN_is_zero(e) && !BN_one(e))
		goto out;
	if (!BN_mod_inverse(v, e, q, ctx) || !BN_mod_mul(z1, s, v, q, ctx) ||
	    !BN_sub(z2, q, r) || !BN_mod_mul(z2, z2, v, q, ctx))
		goto out;
	if (!EC_POINT_mul(g, C, z1, Q, z2, ctx))
		goto out;
	rv = CKR_SIGNATURE_INVALID;
	if (EC_POINT_is_at_infinity(g, C))
		goto out;
	rv = CKR_FUNCTION_FAILED;
	if (!EC_POINT_get_affine_coordinates(g, C, x, NULL, ctx) || !BN_nnmod(x, x, q, ctx))
		goto out;
	rv = BN_cmp(x, r) == 0 ? CKR_OK : CKR_SIGNATURE_INVALID;
out:
	EC_POINT_free(Q);
	EC_POINT_free(C);
	if (ctx != NULL) {
		BN_CTX_end(ctx);
		BN_CTX_free(ctx);
	}
	ERR_pop_to_mark();
	return rv;
}

/* --- ECDSA ---------------------------------------------------------------------------- */

/* The OpenSSL group name of CKA_EC_PARAMS (a named curve's OID), or NULL. */
static const char *crypto_ec_group_name(const uint8_t *der, size_t len)
{
	const unsigned char *p = der;
	ASN1_OBJECT *obj;
	int nid;

	if (len < 3 || len > 64 || der[0] != 0x06 || der[1] != len - 2)
		return NULL;
	obj = d2i_ASN1_OBJECT(NULL, &p, (long)len);
	if (obj == NULL)
		return NULL;
	nid = OBJ_obj2nid(obj);
	ASN1_OBJECT_free(obj);
	return nid != NID_undef ? OBJ_nid2sn(nid) : NULL;
}

const char *crypto_ec_curve_name(const uint8_t *ec_params, size_t len)
{
	const char *name;

	ERR_set_mark();
	name = ec_params != NULL ? crypto_ec_group_name(ec_params, len) : NULL;
	ERR_pop_to_mark();
	return name;
}

size_t crypto_ec_size(const uint8_t *ec_params, size_t len)
{
	const char *name;
	EC_GROUP *g = NULL;
	size_t size = 0;
	int nid;

	ERR_set_mark();
	name = crypto_ec_group_name(ec_params, len);
	nid = name != NULL ? OBJ_sn2nid(name) : NID_undef;
	if (nid != NID_undef)
		g = EC_GROUP_new_by_curve_name_ex(crypto_libctx(), NULL, nid);
	if (g != NULL)
		size = ((size_t)EC_GROUP_order_bits(g) + 7) / 8;
	EC_GROUP_free(g);
	ERR_pop_to_mark();
	return size;
}

CK_RV crypto_ec_check_params(const uint8_t *ec_params, size_t len)
{
	const unsigned char *p = ec_params;
	ASN1_OBJECT *obj;

	if (len < 2 || ec_params == NULL)
		return CKR_DOMAIN_PARAMS_INVALID;
	if (ec_params[0] != 0x06)       /* explicit parameters, a curve's printable name */
		return ec_params[0] == 0x30 || ec_params[0] == 0x13 ? CKR_CURVE_NOT_SUPPORTED
								    : CKR_DOMAIN_PARAMS_INVALID;
	if (ec_params[1] >= 0x80 || (size_t)ec_params[1] != len - 2)
		return CKR_DOMAIN_PARAMS_INVALID;
	ERR_set_mark();
	obj = d2i_ASN1_OBJECT(NULL, &p, (long)len);
	ERR_pop_to_mark();
	if (obj == NULL || p != ec_params + len) {
		ASN1_OBJECT_free(obj);
		return CKR_DOMAIN_PARAMS_INVALID;
	}
	ASN1_OBJECT_free(obj);
	return crypto_ec_size(ec_params, len) != 0 ? CKR_OK : CKR_CURVE_NOT_SUPPORTED;
}

/* The point of CKA_EC_POINT: inside a DER OCTET STRING, or bare (04 || x || y). */
static const uint8_t *crypto_ec_point(const uint8_t *pub, size_t len, size_t *out_len)
{
	size_t n, hl;

	if (len >= 2 && pub[0] == 0x04) {
		if (pub[1] < 0x80) {
			n = pub[1];
			hl = 2;
		} else if (pub[1] == 0x81 && len >= 3) {
			n = pub[2];
			hl = 3;
		} else {
			n = 0;
			hl = 0;
		}
		/* an OCTET STRING whose content is a point (04, 02 or 03 first) */
		if (hl > 0 && n == len - hl && n > 0 &&
		    (pub[hl] == 0x04 || pub[hl] == 0x02 || pub[hl] == 0x03)) {
			*out_len = n;
			return pub + hl;
		}
	}
	*out_len = len;
	return pub;
}

/* The public key of a named curve from CKA_EC_PARAMS and CKA_EC_POINT, in the private
 * context: CKR_OK, CKR_PUBLIC_KEY_INVALID when the point does not decode onto the curve
 * (decoding checks that), or CKR_FUNCTION_FAILED. OpenSSL's error queue as it was. */
static CK_RV crypto_ec_pkey(const uint8_t *ec_params, size_t params_len, const uint8_t *pub,
			    size_t pub_len, EVP_PKEY **out)
{
	OSSL_LIB_CTX *lctx = crypto_libctx();
	const char *name;
	const uint8_t *pt;
	size_t pt_len;
	OSSL_PARAM_BLD *bld = NULL;
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *pc = NULL;
	CK_RV rv = CKR_FUNCTION_FAILED;

	*out = NULL;
	if (lctx == NULL)
		return CKR_FUNCTION_FAILED;
	*out = crypto_kept_take(CRYPTO_KEPT_EC, ec_params, params_len, pub, pub_len);
	if (*out != NULL)
		return CKR_OK;
	ERR_set_mark();
	name = crypto_ec_group_name(ec_params, params_len);
	pt = crypto_ec_point(pub, pub_len, &pt_len);
	bld = OSSL_PARAM_BLD_new();
	if (name == NULL || bld == NULL ||
	    !OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, name, 0) ||
	    !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pt, pt_len))
		goto out;
	params = OSSL_PARAM_BLD_to_param(bld);
	pc = EVP_PKEY_CTX_new_from_name(lctx, "EC", NULL);
	if (params == NULL || pc == NULL || EVP_PKEY_fromdata_init(pc) != 1)
		goto out;
	rv = EVP_PKEY_fromdata(pc, out, EVP_PKEY_PUBLIC_KEY, params) == 1
	     ? CKR_OK : CKR_PUBLIC_KEY_INVALID;
	if (rv == CKR_OK)
		crypto_kept_put(CRYPTO_KEPT_EC, ec_params, params_len, pub, pub_len, *out);
out:
	EVP_PKEY_CTX_free(pc);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	ERR_pop_to_mark();
	return rv;
}

CK_RV crypto_ec_check_public(const uint8_t *ec_params, size_t params_len, const uint8_t *pub,
			     size_t pub_len)
{
	EVP_PKEY *pk = NULL;
	CK_RV rv = crypto_ec_check_params(ec_params, params_len);

	if (rv != CKR_OK)
		return rv;
	if (pub == NULL || pub_len == 0)
		return CKR_ATTRIBUTE_VALUE_INVALID;
	rv = crypto_ec_pkey(ec_params, params_len, pub, pub_len, &pk);
	EVP_PKEY_free(pk);
	return rv == CKR_PUBLIC_KEY_INVALID ? CKR_ATTRIBUTE_VALUE_INVALID : rv;
}

CK_RV crypto_ecdsa_verify(const uint8_t *ec_params, size_t params_len, const uint8_t *pub,
			  size_t pub_len, const uint8_t *hash, size_t hash_len, const uint8_t *sig,
			  size_t sig_len)
{
	OSSL_LIB_CTX *lctx = crypto_libctx();
	size_t size;
	EVP_PKEY_CTX *vc = NULL;
	EVP_PKEY *pk = NULL;
	ECDSA_SIG *es = NULL;
	BIGNUM *r = NULL, *s = NULL;
	unsigned char *der = NULL;
	int der_len;
	CK_RV rv = CKR_FUNCTION_FAILED;

	if (lctx == NULL)
		return CKR_FUNCTION_FAILED;
	size = crypto_ec_size(ec_params, params_len);
	if (size == 0)
		return CKR_KEY_SIZE_RANGE;
	if (sig_len != 2 * size)
		return CKR_SIGNATURE_LEN_RANGE;
	if (hash_len == 0)
		return CKR_DATA_LEN_RANGE;
	rv = crypto_ec_pkey(ec_params, params_len, pub, pub_len, &pk);
	if (rv != CKR_OK)
		return rv;
	rv = CKR_FUNCTION_FAILED;
	ERR_set_mark();
	r = BN_bin2bn(sig, (int)size, NULL);
	s = BN_bin2bn(sig + size, (int)size, NULL);
	es = ECDSA_SIG_new();
	if (r == NULL || s == NULL || es == NULL || !ECDSA_SIG_set0(es, r, s))
		goto out;
	r = s = NULL;
	der_len = i2d_ECDSA_SIG(es, &der);
	if (der_len <= 0)
		goto out;
	vc = EVP_PKEY_CTX_new_from_pkey(lctx, pk, NULL);
	if (vc == NULL || EVP_PKEY_verify_init(vc) != 1)
		goto out;
	rv = EVP_PKEY_verify(vc, der, (size_t)der_len, hash, hash_len) == 1 ? CKR_OK
									     : CKR_SIGNATURE_INVALID;
out:
	OPENSSL_free(der);
	ECDSA_SIG_free(es);
	BN_free(r);
	BN_free(s);
	EVP_PKEY_CTX_free(vc);
	EVP_PKEY_free(pk);
	ERR_pop_to_mark();
	return rv;
}

/* --- for crypto_vko.c ------------------------------------------------------------------- */

const EC_GROUP *crypto_gost_group_of(const uint8_t *oid_der, size_t len, size_t *size)
{
	const struct crypto_gost_curve *c;
	const EC_GROUP *g = NULL;
	BN_CTX *bc;

	ERR_set_mark();
	c = crypto_gost_curve(oid_der, len);
	bc = c != NULL ? BN_CTX_new_ex(crypto_libctx()) : NULL;
	if (bc != NULL)
		g = crypto_gost_group_cached(c, bc);
	BN_CTX_free(bc);
	ERR_pop_to_mark();
	if (size != NULL)
		*size = g != NULL ? c->size : 0;
	return g;
}
