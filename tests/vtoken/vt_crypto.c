/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * vt_crypto.c — the virtual token's key generation and private-key operations.
 *
 * RSA uses OpenSSL for key generation and plain BIGNUM arithmetic (CRT) for the raw private
 * operation, straight from the card's private-key layout. GOST R 34.10 and ECDSA are computed
 * here on OpenSSL's EC_GROUP/EC_POINT/BIGNUM primitives, so the token needs neither the gost
 * engine nor any provider; the tests verify its signatures with the independent gost engine.
 *
 * Curve constants: CryptoPro A/B/C from RFC 4357 section 11.4; the TC26 2012 sets from
 * RFC 7836 appendix A / TC26 recommendations (id-tc26-gost-3410-12-256-paramSetA,
 * id-tc26-gost-3410-12-512-paramSetA/B/C); P-256 by OpenSSL's name (FIPS 186-4).
 */
#include "vt.h"

#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>

#define SW_OK 0x9000
#define SW_WRONG_LENGTH 0x6700
#define SW_WRONG_DATA 0x6A80
#define SW_NOT_SATISFIED 0x6985
#define SW_UNKNOWN 0x6F00

int vt_random(unsigned char *buf, size_t len)
{
	if (len == 0)
		return 0;
	return RAND_bytes(buf, (int)len) == 1 ? 0 : -1;
}

/* ---- RSA ------------------------------------------------------------------------- */

static int get_bn_le(const EVP_PKEY *pkey, const char *name, unsigned char *out, size_t len)
{
	BIGNUM *bn = NULL;
	int rv = -1;

	if (!EVP_PKEY_get_bn_param(pkey, name, &bn))
		goto out;
	if (BN_bn2lebinpad(bn, out, (int)len) < 0)
		goto out;
	rv = 0;
out:
	BN_clear_free(bn);
	return rv;
}

int vt_rsa_generate(unsigned bits, unsigned char *priv, unsigned char *pub,
		    unsigned char *modulus_le)
{
	EVP_PKEY *pkey = NULL;
	size_t h = bits / 16;
	int rv = -1;

	if (bits < 512 || bits > 4096 || bits % 16)
		goto out;
	pkey = EVP_RSA_gen(bits);
	if (!pkey)
		goto out;
	/* p ‖ 4 zero bytes ‖ q ‖ 4 zero bytes ‖ iqmp ‖ dmp1 ‖ dmq1, each h bytes LE */
	memset(priv, 0, 5 * h + 8);
	if (get_bn_le(pkey, OSSL_PKEY_PARAM_RSA_FACTOR1, priv, h) ||
	    get_bn_le(pkey, OSSL_PKEY_PARAM_RSA_FACTOR2, priv + h + 4, h) ||
	    get_bn_le(pkey, OSSL_PKEY_PARAM_RSA_COEFFICIENT1, priv + 2 * h + 8, h) ||
	    get_bn_le(pkey, OSSL_PKEY_PARAM_RSA_EXPONENT1, priv + 3 * h + 8, h) ||
	    get_bn_le(pkey, OSSL_PKEY_PARAM_RSA_EXPONENT2, priv + 4 * h + 8, h))
		goto out;
	/* modulus (2h) ‖ public exponent padded to h, LE */
	if (get_bn_le(pkey, OSSL_PKEY_PARAM_RSA_N, pub, 2 * h) ||
	    get_bn_le(pkey, OSSL_PKEY_PARAM_RSA_E, pub + 2 * h, h))
		goto out;
	memcpy(modulus_le, pub, 2 * h);
	rv = 0;
out:
	EVP_PKEY_free(pkey);
	return rv;
}

unsigned vt_rsa_private(const unsigned char *priv, size_t h, const unsigned char *in_le,
			size_t inlen, unsigned char *out_le)
{
	BN_CTX *ctx = BN_CTX_new();
	BIGNUM *p, *q, *qinv, *dp, *dq, *c, *n, *m1, *m2, *t;
	unsigned sw = SW_UNKNOWN;

	if (!ctx)
		return SW_UNKNOWN;
	BN_CTX_start(ctx);
	p = BN_CTX_get(ctx);
	q = BN_CTX_get(ctx);
	qinv = BN_CTX_get(ctx);
	dp = BN_CTX_get(ctx);
	dq = BN_CTX_get(ctx);
	c = BN_CTX_get(ctx);
	n = BN_CTX_get(ctx);
	m1 = BN_CTX_get(ctx);
	m2 = BN_CTX_get(ctx);
	t = BN_CTX_get(ctx);
	if (!t)
		goto out;
	if (inlen != 2 * h) {
		sw = SW_WRONG_LENGTH;
		goto out;
	}
	if (!BN_lebin2bn(priv, (int)h, p) || !BN_lebin2bn(priv + h + 4, (int)h, q) ||
	    !BN_lebin2bn(priv + 2 * h + 8, (int)h, qinv) ||
	    !BN_lebin2bn(priv + 3 * h + 8, (int)h, dp) ||
	    !BN_lebin2bn(priv + 4 * h + 8, (int)h, dq) || !BN_lebin2bn(in_le, (int)inlen, c))
		goto out;
	if (BN_is_zero(p) || BN_is_zero(q) || BN_is_one(p) || BN_is_one(q)) {
		sw = SW_NOT_SATISFIED;
		goto out;
	}
	if (!BN_mul(n, p, q, ctx))
		goto out;
	if (BN_cmp(c, n) >= 0) {
		sw = SW_WRONG_DATA;
		goto out;
	}
	BN_set_flags(dp, BN_FLG_CONSTTIME);
	BN_set_flags(dq, BN_FLG_CONSTTIME);
	/* m1 = c^dp mod p, m2 = c^dq mod q, m = m2 + q * (qinv * (m1 - m2) mod p) */
	if (!BN_mod(t, c, p, ctx) || !BN_mod_exp(m1, t, dp, p, ctx) ||
	    !BN_mod(t, c, q, ctx) || !BN_mod_exp(m2, t, dq, q, ctx) ||
	    !BN_mod_sub(t, m1, m2, p, ctx) || !BN_mod_mul(t, t, qinv, p, ctx) ||
	    !BN_mul(t, t, q, ctx) || !BN_add(m1, m2, t))
		goto out;
	if (BN_bn2lebinpad(m1, out_le, (int)(2 * h)) < 0)
		goto out;
	sw = SW_OK;
out:
	BN_CTX_end(ctx);
	BN_CTX_free(ctx);
	return sw;
}

/* ---- elliptic curves ------------------------------------------------------------- */

struct vt_curve {
	int alg;
	unsigned param;
	size_t size;            /* bytes per coordinate / scalar */
	int nid;                /* named curve, or NID_undef for the explicit ones */
	const char *p, *a, *b, *q, *x, *y;
	unsigned cofactor;
};

/* CryptoPro paramsets (RFC 4357 11.4), valid for GOST R 34.10-2001 and 2012-256. */
#define CP_A "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFD97", \
	"FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFD94", "A6", \
	"FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF6C611070995AD10045841B09B761B893", "1", \
	"8D91E471E0989CDA27DF505A453F2B7635294F2DDF23E3B122ACC99C9E9F1E14", 1
#define CP_B "8000000000000000000000000000000000000000000000000000000000000C99", \
	"8000000000000000000000000000000000000000000000000000000000000C96", \
	"3E1AF419A269A5F866A7D3C25C3DF80AE979259373FF2B182F49D4CE7E1BBC8B", \
	"800000000000000000000000000000015F700CFFF1A624E5E497161BCC8A198F", "1", \
	"3FA8124359F96680B83D1C3EB2C070E5C545C9858D03ECFB744BF8D717717EFC", 1
#define CP_C "9B9F605F5A858107AB1EC85E6B41C8AACF846E86789051D37998F7B9022D759B", \
	"9B9F605F5A858107AB1EC85E6B41C8AACF846E86789051D37998F7B9022D7598", "805A", \
	"9B9F605F5A858107AB1EC85E6B41C8AA582CA3511EDDFB74F02F3A6598980BB9", "0", \
	"41ECE55743711A8C3CBF3783CD08C0EE4D4DC440D4641A8F366E550DFDB3BB67", 1
/* id-tc26-gost-3410-12-256-paramSetA */
#define TC26_256_A "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFD97", \
	"C2173F1513981673AF4892C23035A27CE25E2013BF95AA33B22C656F277E7335", \
	"295F9BAE7428ED9CCC20E7C359A9D41A22FCCD9108E17BF7BA9337A6F8AE9513", \
	"400000000000000000000000000000000FD8CDDFC87B6635C115AF556C360C67", \
	"91E38443A5E82C0D880923425712B2BB658B9196932E02C78B2582FE742DAA28", \
	"32879423AB1A0375895786C4BB46E9565FDE0B5344766740AF268ADB32322E5C", 4
/* id-tc26-gost-3410-12-512-paramSetA, B, C */
#define TC26_512_A \
	"FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF" \
	"FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFDC7", \
	"FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF" \
	"FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFDC4", \
	"E8C2505DEDFC86DDC1BD0B2B6667F1DA34B82574761CB0E879BD081CFD0B6265" \
	"EE3CB090F30D27614CB4574010DA90DD862EF9D4EBEE4761503190785A71C760", \
	"FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF" \
	"27E69532F48D89116FF22B8D4E0560609B4B38ABFAD2B85DCACDB1411F10B275", "3", \
	"7503CFE87A836AE3A61B8816E25450E6CE5E1C93ACF1ABC1778064FDCBEFA921DF16" \
	"26BE4FD036E93D75E6A50E3A41E98028FE5FC235F5B889A589CB5215F2A4", 1
#define TC26_512_B \
	"8000000000000000000000000000000000000000000000000000000000000000" \
	"000000000000000000000000000000000000000000000000000000000000006F", \
	"8000000000000000000000000000000000000000000000000000000000000000" \
	"000000000000000000000000000000000000000000000000000000000000006C", \
	"687D1B459DC841457E3E06CF6F5E2517B97C7D614AF138BCBF85DC806C4B289F" \
	"3E965D2DB1416D217F8B276FAD1AB69C50F78BEE1FA3106EFB8CCBC7C5140116", \
	"8000000000000000000000000000000000000000000000000000000000000001" \
	"49A1EC142565A545ACFDB77BD9D40CFA8B996712101BEA0EC6346C54374F25BD", "2", \
	"1A8F7EDA389B094C2C071E3647A8940F3C123B697578C213BE6DD9E6C8EC7335" \
	"DCB228FD1EDF4A39152CBCAAF8C0398828041055F94CEEEC7E21340780FE41BD", 1
#define TC26_512_C \
	"FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF" \
	"FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFDC7", \
	"DC9203E514A721875485A529D2C722FB187BC8980EB866644DE41C68E1430645" \
	"46E861C0E2C9EDD92ADE71F46FCF50FF2AD97F951FDA9F2A2EB6546F39689BD3", \
	"B4C4EE28CEBC6C2C8AC12952CF37F16AC7EFB6A9F69F4B57FFDA2E4F0DE5ADE0" \
	"38CBC2FFF719D2C18DE0284B8BFEF3B52B8CC7A5F5BF0A3C8D2319A5312557E1", \
	"3FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF" \
	"C98CDBA46506AB004C33A9FF5147502CC8EDA9E7A769A12694623CEF47F023ED", \
	"E2E31EDFC23DE7BDEBE241CE593EF5DE2295B7A9CBAEF021D385F7074CEA043A" \
	"A27272A7AE602BF2A7B9033DB9ED3610C6FB85487EAE97AAC5BC7928C1950148", \
	"F5CE40D95B5EB899ABBCCFF5911CB8577939804D6527378B8C108C3D2090FF9B" \
	"E18E2D33E3021ED2EF32D85822423B6304F726AA854BAE07D0396E9A9ADDC40F", 4

static const struct vt_curve vt_curves[] = {
	{ VT_ALG_GOST2001, 0x20, 32, NID_undef, CP_A },
	{ VT_ALG_GOST2001, 0x30, 32, NID_undef, CP_B },
	{ VT_ALG_GOST2001, 0x40, 32, NID_undef, CP_C },
	{ VT_ALG_GOST2012_256, 0x20, 32, NID_undef, CP_A },
	{ VT_ALG_GOST2012_256, 0x30, 32, NID_undef, CP_B },
	{ VT_ALG_GOST2012_256, 0x40, 32, NID_undef, CP_C },
	{ VT_ALG_GOST2012_256, 0x50, 32, NID_undef, TC26_256_A },
	{ VT_ALG_GOST2012_512, 0x20, 64, NID_undef, TC26_512_A },
	{ VT_ALG_GOST2012_512, 0x30, 64, NID_undef, TC26_512_B },
	{ VT_ALG_GOST2012_512, 0x40, 64, NID_undef, TC26_512_C },
	{ VT_ALG_ECDSA, 0x01, 32, NID_X9_62_prime256v1, NULL, NULL, NULL, NULL, NULL, NULL, 1 },
};

static const struct vt_curve *find_curve(int alg, unsigned param)
{
	size_t i;

	for (i = 0; i < sizeof vt_curves / sizeof vt_curves[0]; i++)
		if (vt_curves[i].alg == alg && vt_curves[i].param == param)
			return &vt_curves[i];
	return NULL;
}

size_t vt_ec_size(int alg, unsigned param)
{
	const struct vt_curve *c = find_curve(alg, param);

	return c ? c->size : 0;
}

static EC_GROUP *curve_group(const struct vt_curve *c, BN_CTX *ctx)
{
	BIGNUM *p = NULL, *a = NULL, *b = NULL, *q = NULL, *x = NULL, *y = NULL, *h = NULL;
	EC_GROUP *g = NULL, *rv = NULL;
	EC_POINT *gen = NULL;

	if (c->nid != NID_undef)
		return EC_GROUP_new_by_curve_name(c->nid);
	if (!BN_hex2bn(&p, c->p) || !BN_hex2bn(&a, c->a) || !BN_hex2bn(&b, c->b) ||
	    !BN_hex2bn(&q, c->q) || !BN_hex2bn(&x, c->x) || !BN_hex2bn(&y, c->y))
		goto out;
	h = BN_new();
	if (!h || !BN_set_word(h, c->cofactor))
		goto out;
	g = EC_GROUP_new_curve_GFp(p, a, b, ctx);
	if (!g)
		goto out;
	gen = EC_POINT_new(g);
	if (!gen || !EC_POINT_set_affine_coordinates(g, gen, x, y, ctx) ||
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

/* GOST speaks little-endian on this card; ECDSA big-endian (README.md, extensions). */
static int is_le(const struct vt_curve *c)
{
	return c->alg != VT_ALG_ECDSA;
}

static int bn_out(const struct vt_curve *c, const BIGNUM *bn, unsigned char *out)
{
	int r = is_le(c) ? BN_bn2lebinpad(bn, out, (int)c->size) :
			   BN_bn2binpad(bn, out, (int)c->size);
	return r < 0 ? -1 : 0;
}

static BIGNUM *bn_in(const struct vt_curve *c, const unsigned char *in, size_t len, BIGNUM *r)
{
	return is_le(c) ? BN_lebin2bn(in, (int)len, r) : BN_bin2bn(in, (int)len, r);
}

int vt_ec_generate(int alg, unsigned param, unsigned char *d, unsigned char *pubxy)
{
	const struct vt_curve *c = find_curve(alg, param);
	BN_CTX *ctx = BN_CTX_new();
	EC_GROUP *g = NULL;
	EC_POINT *pt = NULL;
	BIGNUM *k, *x, *y;
	const BIGNUM *q;
	int rv = -1;

	if (!c || !ctx)
		goto out;
	BN_CTX_start(ctx);
	k = BN_CTX_get(ctx);
	x = BN_CTX_get(ctx);
	y = BN_CTX_get(ctx);
	g = curve_group(c, ctx);
	if (!y || !g)
		goto out;
	q = EC_GROUP_get0_order(g);
	do {
		if (!BN_priv_rand_range(k, q))
			goto out;
	} while (BN_is_zero(k));
	pt = EC_POINT_new(g);
	if (!pt || !EC_POINT_mul(g, pt, k, NULL, NULL, ctx) ||
	    !EC_POINT_get_affine_coordinates(g, pt, x, y, ctx))
		goto out;
	if (bn_out(c, k, d) || bn_out(c, x, pubxy) || bn_out(c, y, pubxy + c->size))
		goto out;
	rv = 0;
out:
	EC_POINT_free(pt);
	EC_GROUP_free(g);
	if (ctx) {
		BN_CTX_end(ctx);
		BN_CTX_free(ctx);
	}
	return rv;
}

unsigned vt_ec_sign(int alg, unsigned param, const unsigned char *d, const unsigned char *hash,
		    size_t hashlen, unsigned char *sig)
{
	const struct vt_curve *c = find_curve(alg, param);
	BN_CTX *ctx = BN_CTX_new();
	EC_GROUP *g = NULL;
	EC_POINT *pt = NULL;
	BIGNUM *key, *e, *k, *r, *s, *t;
	const BIGNUM *q;
	unsigned sw = SW_UNKNOWN;
	int tries;

	if (!c || !ctx)
		goto out;
	BN_CTX_start(ctx);
	key = BN_CTX_get(ctx);
	e = BN_CTX_get(ctx);
	k = BN_CTX_get(ctx);
	r = BN_CTX_get(ctx);
	s = BN_CTX_get(ctx);
	t = BN_CTX_get(ctx);
	g = curve_group(c, ctx);
	if (!t || !g)
		goto out;
	pt = EC_POINT_new(g);
	if (!pt)
		goto out;
	q = EC_GROUP_get0_order(g);
	if (is_le(c) ? hashlen != c->size : (hashlen == 0 || hashlen > 64)) {
		sw = SW_WRONG_LENGTH;
		goto out;
	}
	if (!bn_in(c, d, c->size, key) || !bn_in(c, hash, hashlen, e))
		goto out;
	if (BN_is_zero(key) || BN_cmp(key, q) >= 0) {
		sw = SW_NOT_SATISFIED;
		goto out;
	}
	if (is_le(c)) {
		/* GOST R 34.10: e = alpha mod q, 1 if zero */
		if (!BN_nnmod(e, e, q, ctx))
			goto out;
		if (BN_is_zero(e) && !BN_one(e))
			goto out;
	} else {
		/* ECDSA (FIPS 186-4 6.4): the leftmost bits of the hash, as many as q has */
		int excess = (int)hashlen * 8 - BN_num_bits(q);

		if (excess > 0 && !BN_rshift(e, e, excess))
			goto out;
	}
	for (tries = 0; tries < 64; tries++) {
		do {
			if (!BN_priv_rand_range(k, q))
				goto out;
		} while (BN_is_zero(k));
		if (!EC_POINT_mul(g, pt, k, NULL, NULL, ctx) ||
		    !EC_POINT_get_affine_coordinates(g, pt, r, NULL, ctx) ||
		    !BN_nnmod(r, r, q, ctx))
			goto out;
		if (BN_is_zero(r))
			continue;
		if (is_le(c)) {
			/* s = (r d + k e) mod q */
			if (!BN_mod_mul(s, r, key, q, ctx) || !BN_mod_mul(t, k, e, q, ctx) ||
			    !BN_mod_add(s, s, t, q, ctx))
				goto out;
		} else {
			/* s = k^-1 (e + r d) mod q */
			if (!BN_mod_mul(s, r, key, q, ctx) || !BN_mod_add(s, s, e, q, ctx) ||
			    !BN_mod_inverse(t, k, q, ctx) || !BN_mod_mul(s, s, t, q, ctx))
				goto out;
		}
		if (!BN_is_zero(s))
			break;
	}
	if (tries == 64)
		goto out;
	if (bn_out(c, r, sig) || bn_out(c, s, sig + c->size))
		goto out;
	sw = SW_OK;
out:
	EC_POINT_free(pt);
	EC_GROUP_free(g);
	if (ctx) {
		BN_CTX_end(ctx);
		BN_CTX_free(ctx);
	}
	return sw;
}

/*
 * Key agreement with a stored EC key (extension, README.md "Key agreement"). ECDSA keys
 * (P-256, big-endian): point = SEC 1 point of the peer, the answer its x coordinate of
 * d * Q (SEC 1 3.3.1), 32 bytes. GOST keys (little-endian): point = x || y of the peer, ukm
 * 1..16 bytes read little-endian (0 taken as 1), the answer (m/q * UKM * d) * Q as x || y,
 * the VKO point before its hash (RFC 7836 4.3, RFC 4357 5.2). A point that is not on the
 * curve, or of small order, is 6A80.
 */
unsigned vt_ec_agree(int alg, unsigned param, const unsigned char *d, const unsigned char *point,
		     size_t plen, const unsigned char *ukm, size_t ukmlen, unsigned char *out,
		     size_t *outlen)
{
	const struct vt_curve *c = find_curve(alg, param);
	BN_CTX *ctx = BN_CTX_new();
	EC_GROUP *g = NULL;
	EC_POINT *q = NULL, *k = NULL;
	BIGNUM *key, *u, *x, *y, *h;
	unsigned sw = SW_UNKNOWN;

	*outlen = 0;
	if (!c || !ctx)
		goto out;
	BN_CTX_start(ctx);
	key = BN_CTX_get(ctx);
	u = BN_CTX_get(ctx);
	x = BN_CTX_get(ctx);
	y = BN_CTX_get(ctx);
	h = BN_CTX_get(ctx);
	g = curve_group(c, ctx);
	if (!h || !g)
		goto out;
	q = EC_POINT_new(g);
	k = EC_POINT_new(g);
	if (!q || !k || !bn_in(c, d, c->size, key))
		goto out;
	if (BN_is_zero(key) || BN_cmp(key, EC_GROUP_get0_order(g)) >= 0) {
		sw = SW_NOT_SATISFIED;
		goto out;
	}
	if (is_le(c)) {
		if (plen != 2 * c->size || ukmlen == 0 || ukmlen > 16) {
			sw = SW_WRONG_DATA;
			goto out;
		}
		if (!BN_lebin2bn(point, (int)c->size, x) ||
		    !BN_lebin2bn(point + c->size, (int)c->size, y) ||
		    !BN_lebin2bn(ukm, (int)ukmlen, u) || !BN_set_word(h, c->cofactor))
			goto out;
		if (BN_is_zero(u) && !BN_one(u))
			goto out;
		if (!EC_POINT_set_affine_coordinates(g, q, x, y, ctx)) {
			sw = SW_WRONG_DATA;
			goto out;
		}
		if (!BN_mod_mul(key, key, u, EC_GROUP_get0_order(g), ctx) ||
		    !BN_mod_mul(key, key, h, EC_GROUP_get0_order(g), ctx))
			goto out;
	} else {
		if (ukmlen != 0 || plen == 0 || !EC_POINT_oct2point(g, q, point, plen, ctx)) {
			sw = SW_WRONG_DATA;
			goto out;
		}
	}
	if (EC_POINT_is_at_infinity(g, q)) {
		sw = SW_WRONG_DATA;
		goto out;
	}
	BN_set_flags(key, BN_FLG_CONSTTIME);
	if (!EC_POINT_mul(g, k, NULL, q, key, ctx))
		goto out;
	if (EC_POINT_is_at_infinity(g, k)) {
		sw = SW_WRONG_DATA;
		goto out;
	}
	if (!EC_POINT_get_affine_coordinates(g, k, x, y, ctx) || bn_out(c, x, out))
		goto out;
	if (is_le(c)) {
		if (bn_out(c, y, out + c->size))
			goto out;
		*outlen = 2 * c->size;
	} else {
		*outlen = c->size;
	}
	sw = SW_OK;
out:
	EC_POINT_free(q);
	EC_POINT_clear_free(k);
	EC_GROUP_free(g);
	if (ctx) {
		BN_CTX_end(ctx);
		BN_CTX_free(ctx);
	}
	return sw;
}

int vt_ec_selftest(char *err, size_t errlen)
{
	BN_CTX *ctx = BN_CTX_new();
	size_t i;
	int rv = -1;

	if (!ctx) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (i = 0; i < sizeof vt_curves / sizeof vt_curves[0]; i++) {
		EC_GROUP *g = curve_group(&vt_curves[i], ctx);
		int good = g && EC_GROUP_check(g, ctx) == 1;

		EC_GROUP_free(g);
		if (!good) {
			snprintf(err, errlen, "curve alg %02x param %02x fails its check",
				 (unsigned)vt_curves[i].alg, vt_curves[i].param);
			goto out;
		}
	}
	rv = 0;
out:
	BN_CTX_free(ctx);
	return rv;
}
