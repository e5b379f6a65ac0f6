/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * crypto_gost_sym.c — Kuznyechik and Magma (GOST R 34.12-2015) and their modes: ECB, CTR,
 * CTR-ACPKM, OMAC and MGM; see crypto_sym_gost.h.
 *
 * The block function is the gostprov provider's, in the private library context:
 * "kuznyechik-ecb" directly; Magma through "magma-cbc" (the provider has no Magma ECB)
 * with the chaining undone here: encrypting P_i ^ C_{i-1} in CBC gives E(P_i), and
 * CBC-decrypting C_i gives D(C_i) ^ C_{i-1}, from which C_{i-1} is removed again.
 *
 * Blocks are byte strings whose first byte is the most significant (the standards write
 * them so, and their examples read so).
 */
#include "crypto_sym_gost.h"

#include "crypto.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>

struct crypto_gost_blk {
	enum crypto_gost_alg alg;
	size_t bl;
	EVP_CIPHER_CTX *enc, *dec;
	uint8_t prev_enc[CRYPTO_GOST_BLOCK_MAX];        /* Magma: last CBC output */
	uint8_t prev_dec[CRYPTO_GOST_BLOCK_MAX];        /* Magma: last CBC input */
};

size_t crypto_gost_block_len(enum crypto_gost_alg alg)
{
	return alg == CRYPTO_KUZNYECHIK ? 16 : 8;
}

static CK_RV crypto_gost_blk_key(struct crypto_gost_blk *b, const uint8_t *key)
{
	static const uint8_t zero[CRYPTO_GOST_BLOCK_MAX];
	OSSL_LIB_CTX *ctx = crypto_libctx();
	EVP_CIPHER *ci = NULL;
	CK_RV rv = CKR_FUNCTION_FAILED;

	if (ctx == NULL)
		return CKR_FUNCTION_FAILED;
	ci = EVP_CIPHER_fetch(ctx, b->alg == CRYPTO_KUZNYECHIK ? "kuznyechik-ecb" : "magma-cbc",
			      NULL);
	if (ci == NULL)
		goto out;
	if (b->alg == CRYPTO_MAGMA && (size_t)EVP_CIPHER_get_iv_length(ci) != b->bl)
		goto out;
	/* a new key on a used context (ACPKM): the provider wants a fresh context */
	if (!EVP_CIPHER_CTX_reset(b->enc) || !EVP_CIPHER_CTX_reset(b->dec))
		goto out;
	if (!EVP_CipherInit_ex2(b->enc, ci, key, b->alg == CRYPTO_MAGMA ? zero : NULL, 1,
				NULL) ||
	    !EVP_CipherInit_ex2(b->dec, ci, key, b->alg == CRYPTO_MAGMA ? zero : NULL, 0,
				NULL) ||
	    !EVP_CIPHER_CTX_set_padding(b->enc, 0) || !EVP_CIPHER_CTX_set_padding(b->dec, 0))
		goto out;
	memset(b->prev_enc, 0, sizeof b->prev_enc);
	memset(b->prev_dec, 0, sizeof b->prev_dec);
	rv = CKR_OK;
out:
	EVP_CIPHER_free(ci);
	return rv;
}

CK_RV crypto_gost_blk_new(enum crypto_gost_alg alg, const uint8_t *key, size_t key_len,
			  struct crypto_gost_blk **out)
{
	struct crypto_gost_blk *b;
	CK_RV rv;

	*out = NULL;
	if (key_len != CRYPTO_GOST_KEY_LEN)
		return CKR_KEY_SIZE_RANGE;
	if (alg != CRYPTO_KUZNYECHIK && alg != CRYPTO_MAGMA)
		return CKR_MECHANISM_INVALID;
	b = calloc(1, sizeof *b);
	if (b == NULL)
		return CKR_HOST_MEMORY;
	b->alg = alg;
	b->bl = crypto_gost_block_len(alg);
	ERR_set_mark();
	b->enc = EVP_CIPHER_CTX_new();
	b->dec = EVP_CIPHER_CTX_new();
	rv = b->enc == NULL || b->dec == NULL ? CKR_HOST_MEMORY : crypto_gost_blk_key(b, key);
	ERR_pop_to_mark();
	if (rv != CKR_OK) {
		crypto_gost_blk_free(b);
		return rv;
	}
	*out = b;
	return CKR_OK;
}

void crypto_gost_blk_free(struct crypto_gost_blk *b)
{
	if (b == NULL)
		return;
	EVP_CIPHER_CTX_free(b->enc);    /* cleanses the key schedule */
	EVP_CIPHER_CTX_free(b->dec);
	OPENSSL_cleanse(b, sizeof *b);
	free(b);
}

/* Replace the key (ACPKM), keeping the contexts. */
static CK_RV crypto_gost_blk_rekey(struct crypto_gost_blk *b, const uint8_t *key)
{
	CK_RV rv;

	ERR_set_mark();
	rv = crypto_gost_blk_key(b, key);
	ERR_pop_to_mark();
	return rv;
}

static CK_RV crypto_gost_ecb_inner(struct crypto_gost_blk *b, int encrypt, const uint8_t *in,
				   size_t n, uint8_t *out)
{
	EVP_CIPHER_CTX *c = encrypt ? b->enc : b->dec;
	uint8_t t[CRYPTO_GOST_BLOCK_MAX], u[CRYPTO_GOST_BLOCK_MAX];
	size_t i, j;
	int ol;

	if (b->alg == CRYPTO_KUZNYECHIK) {
		while (n > 0) {
			/* EVP_CipherUpdate counts in int */
			size_t chunk = n > (1u << 20) ? (1u << 20) : n;

			if (!EVP_CipherUpdate(c, out, &ol, in, (int)chunk) || (size_t)ol != chunk)
				return CKR_FUNCTION_FAILED;
			in += chunk;
			out += chunk;
			n -= chunk;
		}
		return CKR_OK;
	}
	for (i = 0; i < n; i += b->bl) {
		if (encrypt) {
			for (j = 0; j < b->bl; j++)
				t[j] = in[i + j] ^ b->prev_enc[j];
			if (!EVP_CipherUpdate(c, out + i, &ol, t, (int)b->bl) ||
			    (size_t)ol != b->bl)
				return CKR_FUNCTION_FAILED;
			memcpy(b->prev_enc, out + i, b->bl);
		} else {
			memcpy(u, in + i, b->bl);       /* in may be out */
			if (!EVP_CipherUpdate(c, t, &ol, u, (int)b->bl) || (size_t)ol != b->bl)
				return CKR_FUNCTION_FAILED;
			for (j = 0; j < b->bl; j++)
				out[i + j] = t[j] ^ b->prev_dec[j];
			memcpy(b->prev_dec, u, b->bl);
		}
	}
	OPENSSL_cleanse(t, sizeof t);
	return CKR_OK;
}

CK_RV crypto_gost_ecb(struct crypto_gost_blk *b, int encrypt, const uint8_t *in, size_t n,
		      uint8_t *out)
{
	CK_RV rv;

	if (n % b->bl != 0)
		return CKR_DATA_LEN_RANGE;
	if (n == 0)
		return CKR_OK;
	ERR_set_mark();
	rv = crypto_gost_ecb_inner(b, encrypt, in, n, out);
	ERR_pop_to_mark();
	return rv;
}

/* One block encrypted; the modes below use only this direction. */
static CK_RV crypto_gost_enc1(struct crypto_gost_blk *b, const uint8_t *in, uint8_t *out)
{
	return crypto_gost_ecb(b, 1, in, b->bl, out);
}

/* --- CTR, CTR-ACPKM ------------------------------------------------------------------- */

struct crypto_gost_ctr {
	struct crypto_gost_blk *b;
	size_t bl, section;
	size_t in_section;              /* bytes of gamma used in this section */
	uint8_t ctr[CRYPTO_GOST_BLOCK_MAX];
	uint8_t gamma[CRYPTO_GOST_BLOCK_MAX];
	size_t gamma_left;              /* unused bytes at the end of gamma */
};

/*
 * ACPKM (R 1323565.1.017-2018): the next section's key is the first 256 bits of
 * ECB_K(D), D = 80 81 ... 9F (the constant of that section, 32 bytes).
 */
static CK_RV crypto_gost_acpkm(struct crypto_gost_blk *b)
{
	uint8_t d[CRYPTO_GOST_KEY_LEN], k[CRYPTO_GOST_KEY_LEN];
	size_t i;
	CK_RV rv;

	for (i = 0; i < sizeof d; i++)
		d[i] = (uint8_t)(0x80 + i);
	rv = crypto_gost_ecb(b, 1, d, sizeof d, k);
	if (rv == CKR_OK)
		rv = crypto_gost_blk_rekey(b, k);
	OPENSSL_cleanse(k, sizeof k);
	return rv;
}

CK_RV crypto_gost_ctr_new(enum crypto_gost_alg alg, const uint8_t *key, size_t key_len,
			  const uint8_t *iv, size_t iv_len, size_t section,
			  struct crypto_gost_ctr **out)
{
	size_t bl = crypto_gost_block_len(alg);
	struct crypto_gost_ctr *c;
	CK_RV rv;

	*out = NULL;
	if (iv == NULL || iv_len != bl / 2 || (section != 0 && section % bl != 0))
		return key_len != CRYPTO_GOST_KEY_LEN ? CKR_KEY_SIZE_RANGE :
		       CKR_MECHANISM_PARAM_INVALID;
	c = calloc(1, sizeof *c);
	if (c == NULL)
		return CKR_HOST_MEMORY;
	rv = crypto_gost_blk_new(alg, key, key_len, &c->b);
	if (rv != CKR_OK) {
		free(c);
		return rv;
	}
	c->bl = bl;
	c->section = section;
	memcpy(c->ctr, iv, iv_len);     /* CTR_1 = IV || 0^(n/2) (GOST R 34.13-2015 5.2.1) */
	*out = c;
	return CKR_OK;
}

static void crypto_gost_ctr_incr(uint8_t *ctr, size_t bl)
{
	size_t i = bl;

	while (i-- > 0 && ++ctr[i] == 0)
		;
}

CK_RV crypto_gost_ctr_update(struct crypto_gost_ctr *c, const uint8_t *in, size_t n,
			     uint8_t *out)
{
	size_t i;
	CK_RV rv;

	while (n > 0) {
		if (c->gamma_left == 0) {
			if (c->section != 0 && c->in_section == c->section) {
				rv = crypto_gost_acpkm(c->b);
				if (rv != CKR_OK)
					return rv;
				c->in_section = 0;
			}
			rv = crypto_gost_enc1(c->b, c->ctr, c->gamma);
			if (rv != CKR_OK)
				return rv;
			crypto_gost_ctr_incr(c->ctr, c->bl);
			c->gamma_left = c->bl;
			c->in_section += c->bl;
		}
		for (i = c->bl - c->gamma_left; i < c->bl && n > 0; i++, n--)
			*out++ = *in++ ^ c->gamma[i];
		c->gamma_left = c->bl - i;
	}
	return CKR_OK;
}

void crypto_gost_ctr_free(struct crypto_gost_ctr *c)
{
	if (c == NULL)
		return;
	crypto_gost_blk_free(c->b);
	OPENSSL_cleanse(c, sizeof *c);
	free(c);
}

CK_RV crypto_gost_ctr(enum crypto_gost_alg alg, const uint8_t *key, size_t key_len,
		      const uint8_t *iv, size_t iv_len, size_t section, const uint8_t *in,
		      size_t n, uint8_t *out)
{
	struct crypto_gost_ctr *c;
	CK_RV rv = crypto_gost_ctr_new(alg, key, key_len, iv, iv_len, section, &c);

	if (rv != CKR_OK)
		return rv;
	rv = crypto_gost_ctr_update(c, in, n, out);
	crypto_gost_ctr_free(c);
	return rv;
}

/* --- OMAC ----------------------------------------------------------------------------- */

struct crypto_gost_mac {
	struct crypto_gost_blk *b;
	size_t bl;
	uint8_t acc[CRYPTO_GOST_BLOCK_MAX];     /* C_{i-1} */
	uint8_t buf[CRYPTO_GOST_BLOCK_MAX];     /* the last, maybe final, block */
	size_t buf_len;
};

/* x <<= 1 as an n-bit string; the bit shifted out is returned. */
static int crypto_gost_shl1(uint8_t *x, size_t bl)
{
	int carry = 0, top;
	size_t i = bl;

	while (i-- > 0) {
		top = x[i] >> 7;
		x[i] = (uint8_t)(x[i] << 1 | carry);
		carry = top;
	}
	return carry;
}

CK_RV crypto_gost_mac_new(enum crypto_gost_alg alg, const uint8_t *key, size_t key_len,
			  struct crypto_gost_mac **out)
{
	struct crypto_gost_mac *m;
	CK_RV rv;

	*out = NULL;
	m = calloc(1, sizeof *m);
	if (m == NULL)
		return CKR_HOST_MEMORY;
	rv = crypto_gost_blk_new(alg, key, key_len, &m->b);
	if (rv != CKR_OK) {
		free(m);
		return rv;
	}
	m->bl = crypto_gost_block_len(alg);
	*out = m;
	return CKR_OK;
}

static CK_RV crypto_gost_mac_block(struct crypto_gost_mac *m, const uint8_t *p)
{
	size_t j;

	for (j = 0; j < m->bl; j++)
		m->acc[j] ^= p[j];
	return crypto_gost_enc1(m->b, m->acc, m->acc);
}

CK_RV crypto_gost_mac_update(struct crypto_gost_mac *m, const uint8_t *p, size_t n)
{
	size_t take;
	CK_RV rv;

	while (n > 0) {
		if (m->buf_len == m->bl) {
			/* more data follows: the buffered block is not the last */
			rv = crypto_gost_mac_block(m, m->buf);
			if (rv != CKR_OK)
				return rv;
			m->buf_len = 0;
		}
		take = m->bl - m->buf_len < n ? m->bl - m->buf_len : n;
		memcpy(m->buf + m->buf_len, p, take);
		m->buf_len += take;
		p += take;
		n -= take;
	}
	return CKR_OK;
}

CK_RV crypto_gost_mac_final(struct crypto_gost_mac *m, uint8_t *mac, size_t mac_len)
{
	uint8_t k[CRYPTO_GOST_BLOCK_MAX], r[CRYPTO_GOST_BLOCK_MAX] = { 0 };
	uint8_t rb = m->bl == 16 ? 0x87 : 0x1b;        /* B_128, B_64 (GOST R 34.13-2015 5.6) */
	size_t j;
	CK_RV rv;

	if (mac_len == 0 || mac_len > m->bl)
		return CKR_MECHANISM_PARAM_INVALID;
	/* R = E_K(0^n); K1 = R << 1 (^ B_n when the msb of R is 1); K2 likewise from K1 */
	rv = crypto_gost_enc1(m->b, r, r);
	if (rv != CKR_OK)
		return rv;
	memcpy(k, r, m->bl);
	if (crypto_gost_shl1(k, m->bl))
		k[m->bl - 1] ^= rb;
	if (m->buf_len < m->bl) {
		/* an incomplete (or empty) last block: pad with 1 0...0 and use K2 */
		if (crypto_gost_shl1(k, m->bl))
			k[m->bl - 1] ^= rb;
		m->buf[m->buf_len] = 0x80;
		memset(m->buf + m->buf_len + 1, 0, m->bl - m->buf_len - 1);
	}
	for (j = 0; j < m->bl; j++)
		m->buf[j] ^= k[j];
	rv = crypto_gost_mac_block(m, m->buf);
	if (rv == CKR_OK)
		memcpy(mac, m->acc, mac_len);   /* MSB_s */
	OPENSSL_cleanse(k, sizeof k);
	OPENSSL_cleanse(r, sizeof r);
	memset(m->acc, 0, sizeof m->acc);
	m->buf_len = 0;
	return rv;
}

void crypto_gost_mac_free(struct crypto_gost_mac *m)
{
	if (m == NULL)
		return;
	crypto_gost_blk_free(m->b);
	OPENSSL_cleanse(m, sizeof *m);
	free(m);
}

CK_RV crypto_gost_mac(enum crypto_gost_alg alg, const uint8_t *key, size_t key_len,
		      const uint8_t *p, size_t n, uint8_t *mac, size_t mac_len)
{
	struct crypto_gost_mac *m;
	CK_RV rv;

	if (mac_len == 0 || mac_len > crypto_gost_block_len(alg))
		return CKR_MECHANISM_PARAM_INVALID;
	rv = crypto_gost_mac_new(alg, key, key_len, &m);
	if (rv != CKR_OK)
		return rv;
	rv = crypto_gost_mac_update(m, p, n);
	if (rv == CKR_OK)
		rv = crypto_gost_mac_final(m, mac, mac_len);
	crypto_gost_mac_free(m);
	return rv;
}

/* --- MGM (RFC 9058) ------------------------------------------------------------------- */

struct crypto_gost_mgm {
	struct crypto_gost_blk *b;
	size_t bl, tag_len;
	int encrypt, in_data, done;
	uint8_t y[CRYPTO_GOST_BLOCK_MAX];       /* Y_i: counter of the encryption */
	uint8_t z[CRYPTO_GOST_BLOCK_MAX];       /* Z_i: counter of the MAC */
	uint8_t sum[CRYPTO_GOST_BLOCK_MAX];     /* the sum of H_i (x) block_i so far */
	uint8_t buf[CRYPTO_GOST_BLOCK_MAX];     /* a partial A or C block */
	size_t buf_len;
	uint8_t gamma[CRYPTO_GOST_BLOCK_MAX];
	size_t gamma_left;
	uint64_t a_len, c_len;                  /* bytes */
};

/*
 * x (x) y in GF(2^n) with the polynomials of RFC 9058 3.1: x^128 + x^7 + x^2 + x + 1
 * (Kuznyechik) and x^64 + x^4 + x^3 + x + 1 (Magma); the first byte holds the highest
 * coefficients. Shift-and-add, bit by bit, with no branch on the data.
 */
static void crypto_gost_gf_mul(const uint8_t *x, const uint8_t *y, uint8_t *out, size_t bl)
{
	uint8_t v[CRYPTO_GOST_BLOCK_MAX], r[CRYPTO_GOST_BLOCK_MAX] = { 0 };
	uint8_t poly = bl == 16 ? 0x87 : 0x1b, mask;
	size_t i, j;
	int bit, carry;

	memcpy(v, x, bl);
	/* r = sum over the bits of y, lowest first, of v * x^k */
	for (i = bl; i-- > 0;)
		for (bit = 0; bit < 8; bit++) {
			mask = (uint8_t)-(uint8_t)((y[i] >> bit) & 1);
			for (j = 0; j < bl; j++)
				r[j] ^= v[j] & mask;
			carry = crypto_gost_shl1(v, bl);
			v[bl - 1] ^= poly & (uint8_t)-(uint8_t)carry;
		}
	memcpy(out, r, bl);
	OPENSSL_cleanse(v, sizeof v);
	OPENSSL_cleanse(r, sizeof r);
}

/* incr_l / incr_r: the left or right half of a block plus one, modulo 2^(n/2). */
static void crypto_gost_incr_half(uint8_t *x, size_t bl, int right)
{
	crypto_gost_ctr_incr(right ? x + bl / 2 : x, bl / 2);
}

/* One block of A or C (zero-padded) into the MAC sum: sum ^= E_K(Z_i) (x) block. */
static CK_RV crypto_gost_mgm_absorb(struct crypto_gost_mgm *g, const uint8_t *blk)
{
	uint8_t h[CRYPTO_GOST_BLOCK_MAX], t[CRYPTO_GOST_BLOCK_MAX];
	size_t j;
	CK_RV rv = crypto_gost_enc1(g->b, g->z, h);

	if (rv != CKR_OK)
		return rv;
	crypto_gost_incr_half(g->z, g->bl, 0);
	crypto_gost_gf_mul(h, blk, t, g->bl);
	for (j = 0; j < g->bl; j++)
		g->sum[j] ^= t[j];
	OPENSSL_cleanse(h, sizeof h);
	return CKR_OK;
}

CK_RV crypto_gost_mgm_new(enum crypto_gost_alg alg, int encrypt, const uint8_t *key,
			  size_t key_len, const uint8_t *nonce, size_t nonce_len, size_t tag_len,
			  struct crypto_gost_mgm **out)
{
	size_t bl = crypto_gost_block_len(alg);
	struct crypto_gost_mgm *g;
	CK_RV rv;

	*out = NULL;
	if (key_len != CRYPTO_GOST_KEY_LEN)
		return CKR_KEY_SIZE_RANGE;
	if (nonce == NULL || nonce_len != bl || (nonce[0] & 0x80) != 0 || tag_len < 4 ||
	    tag_len > bl)
		return CKR_MECHANISM_PARAM_INVALID;
	g = calloc(1, sizeof *g);
	if (g == NULL)
		return CKR_HOST_MEMORY;
	rv = crypto_gost_blk_new(alg, key, key_len, &g->b);
	if (rv != CKR_OK) {
		free(g);
		return rv;
	}
	g->bl = bl;
	g->tag_len = tag_len;
	g->encrypt = encrypt;
	/* Y_1 = E_K(0 || ICN), Z_1 = E_K(1 || ICN) (RFC 9058 4.1) */
	memcpy(g->y, nonce, bl);
	memcpy(g->z, nonce, bl);
	g->z[0] |= 0x80;
	rv = crypto_gost_enc1(g->b, g->y, g->y);
	if (rv == CKR_OK)
		rv = crypto_gost_enc1(g->b, g->z, g->z);
	if (rv != CKR_OK) {
		crypto_gost_mgm_free(g);
		return rv;
	}
	*out = g;
	return CKR_OK;
}

/* Data into the MAC: whole blocks as they fill. */
static CK_RV crypto_gost_mgm_feed(struct crypto_gost_mgm *g, const uint8_t *p, size_t n)
{
	size_t take;
	CK_RV rv;

	while (n > 0) {
		take = g->bl - g->buf_len < n ? g->bl - g->buf_len : n;
		memcpy(g->buf + g->buf_len, p, take);
		g->buf_len += take;
		p += take;
		n -= take;
		if (g->buf_len == g->bl) {
			rv = crypto_gost_mgm_absorb(g, g->buf);
			if (rv != CKR_OK)
				return rv;
			g->buf_len = 0;
		}
	}
	return CKR_OK;
}

/* A partial last block of A (or C), padded with zeros (RFC 9058 4.1: A_h* || 0^(n-u)). */
static CK_RV crypto_gost_mgm_flush(struct crypto_gost_mgm *g)
{
	CK_RV rv;

	if (g->buf_len == 0)
		return CKR_OK;
	memset(g->buf + g->buf_len, 0, g->bl - g->buf_len);
	rv = crypto_gost_mgm_absorb(g, g->buf);
	g->buf_len = 0;
	return rv;
}

CK_RV crypto_gost_mgm_aad(struct crypto_gost_mgm *g, const uint8_t *a, size_t n)
{
	if (g->in_data || g->done)
		return CKR_DATA_LEN_RANGE;
	/* the lengths go into n/2 bits as bit counts */
	if (n > (UINT64_MAX >> 4) - g->a_len)
		return CKR_DATA_LEN_RANGE;
	g->a_len += n;
	return crypto_gost_mgm_feed(g, a, n);
}

CK_RV crypto_gost_mgm_update(struct crypto_gost_mgm *g, const uint8_t *in, size_t n,
			     uint8_t *out)
{
	uint8_t c;
	size_t i;
	CK_RV rv;

	if (g->done)
		return CKR_DATA_LEN_RANGE;
	if (!g->in_data) {
		rv = crypto_gost_mgm_flush(g);
		if (rv != CKR_OK)
			return rv;
		g->in_data = 1;
	}
	if (n > (UINT64_MAX >> 4) - g->c_len)
		return CKR_DATA_LEN_RANGE;
	g->c_len += n;
	for (i = 0; i < n; i++) {
		if (g->gamma_left == 0) {
			/* C_i = P_i ^ E_K(Y_i), Y_{i+1} = incr_r(Y_i) */
			rv = crypto_gost_enc1(g->b, g->y, g->gamma);
			if (rv != CKR_OK)
				return rv;
			crypto_gost_incr_half(g->y, g->bl, 1);
			g->gamma_left = g->bl;
		}
		c = in[i] ^ g->gamma[g->bl - g->gamma_left--];
		/* the MAC is over the ciphertext: C when encrypting, the input when not */
		g->buf[g->buf_len++] = g->encrypt ? c : in[i];
		out[i] = c;
		if (g->buf_len == g->bl) {
			rv = crypto_gost_mgm_absorb(g, g->buf);
			if (rv != CKR_OK)
				return rv;
			g->buf_len = 0;
		}
	}
	return CKR_OK;
}

CK_RV crypto_gost_mgm_final(struct crypto_gost_mgm *g, uint8_t *tag)
{
	uint8_t len[CRYPTO_GOST_BLOCK_MAX] = { 0 }, t[CRYPTO_GOST_BLOCK_MAX];
	uint64_t bits[2];
	size_t h = g->bl / 2, j, k;
	uint8_t diff = 0;
	CK_RV rv;

	if (g->done)
		return CKR_DATA_LEN_RANGE;
	g->done = 1;
	rv = crypto_gost_mgm_flush(g);
	if (rv != CKR_OK)
		return rv;
	/* len(A) || len(C), each n/2 bits, big-endian bit counts */
	bits[0] = g->a_len * 8;
	bits[1] = g->c_len * 8;
	for (k = 0; k < 2; k++)
		for (j = 0; j < h && j < 8; j++)
			len[k * h + h - 1 - j] = (uint8_t)(bits[k] >> (8 * j));
	rv = crypto_gost_mgm_absorb(g, len);
	if (rv == CKR_OK)
		rv = crypto_gost_enc1(g->b, g->sum, t);       /* T = MSB_S(E_K(sum)) */
	if (rv != CKR_OK)
		return rv;
	if (g->encrypt) {
		memcpy(tag, t, g->tag_len);
	} else {
		for (j = 0; j < g->tag_len; j++)
			diff |= (uint8_t)(t[j] ^ tag[j]);
		rv = diff == 0 ? CKR_OK : CKR_ENCRYPTED_DATA_INVALID;
	}
	OPENSSL_cleanse(t, sizeof t);
	return rv;
}

void crypto_gost_mgm_free(struct crypto_gost_mgm *g)
{
	if (g == NULL)
		return;
	crypto_gost_blk_free(g->b);
	OPENSSL_cleanse(g, sizeof *g);
	free(g);
}

/* --- KExp15 / KImp15 ------------------------------------------------------------------ */

#define CRYPTO_KEXP_KEY_MAX 64

CK_RV crypto_kexp15(enum crypto_gost_alg alg, const uint8_t *k_enc, const uint8_t *k_mac,
		    const uint8_t *iv, size_t iv_len, const uint8_t *key, size_t key_len,
		    uint8_t *out, size_t *out_len)
{
	size_t bl = crypto_gost_block_len(alg);
	uint8_t buf[CRYPTO_KEXP_KEY_MAX + CRYPTO_GOST_BLOCK_MAX];
	struct crypto_gost_mac *m = NULL;
	CK_RV rv;

	*out_len = 0;
	if (iv == NULL || iv_len != bl / 2)
		return CKR_MECHANISM_PARAM_INVALID;
	if (key_len == 0 || key_len > CRYPTO_KEXP_KEY_MAX)
		return CKR_DATA_LEN_RANGE;
	/* KEYMAC = OMAC_{K_mac}(IV || K) (R 1323565.1.017-2018) */
	rv = crypto_gost_mac_new(alg, k_mac, CRYPTO_GOST_KEY_LEN, &m);
	if (rv == CKR_OK)
		rv = crypto_gost_mac_update(m, iv, iv_len);
	if (rv == CKR_OK)
		rv = crypto_gost_mac_update(m, key, key_len);
	if (rv == CKR_OK)
		rv = crypto_gost_mac_final(m, buf + key_len, bl);
	crypto_gost_mac_free(m);
	memcpy(buf, key, key_len);
	/* KEXP = CTR_{K_enc,IV}(K || KEYMAC) */
	if (rv == CKR_OK)
		rv = crypto_gost_ctr(alg, k_enc, CRYPTO_GOST_KEY_LEN, iv, iv_len, 0, buf,
				     key_len + bl, out);
	if (rv == CKR_OK)
		*out_len = key_len + bl;
	OPENSSL_cleanse(buf, sizeof buf);
	return rv;
}

CK_RV crypto_kimp15(enum crypto_gost_alg alg, const uint8_t *k_enc, const uint8_t *k_mac,
		    const uint8_t *iv, size_t iv_len, const uint8_t *in, size_t in_len,
		    uint8_t *out, size_t *out_len)
{
	size_t bl = crypto_gost_block_len(alg), key_len, j;
	uint8_t buf[CRYPTO_KEXP_KEY_MAX + CRYPTO_GOST_BLOCK_MAX], mac[CRYPTO_GOST_BLOCK_MAX];
	struct crypto_gost_mac *m = NULL;
	uint8_t diff = 0;
	CK_RV rv;

	*out_len = 0;
	if (iv == NULL || iv_len != bl / 2)
		return CKR_MECHANISM_PARAM_INVALID;
	if (in_len <= bl || in_len - bl > CRYPTO_KEXP_KEY_MAX)
		return CKR_DATA_LEN_RANGE;
	key_len = in_len - bl;
	rv = crypto_gost_ctr(alg, k_enc, CRYPTO_GOST_KEY_LEN, iv, iv_len, 0, in, in_len, buf);
	if (rv == CKR_OK)
		rv = crypto_gost_mac_new(alg, k_mac, CRYPTO_GOST_KEY_LEN, &m);
	if (rv == CKR_OK)
		rv = crypto_gost_mac_update(m, iv, iv_len);
	if (rv == CKR_OK)
		rv = crypto_gost_mac_update(m, buf, key_len);
	if (rv == CKR_OK)
		rv = crypto_gost_mac_final(m, mac, bl);
	crypto_gost_mac_free(m);
	if (rv == CKR_OK) {
		for (j = 0; j < bl; j++)
			diff |= (uint8_t)(mac[j] ^ buf[key_len + j]);
		if (diff != 0) {
			rv = CKR_ENCRYPTED_DATA_INVALID;
		} else {
			memcpy(out, buf, key_len);
			*out_len = key_len;
		}
	}
	OPENSSL_cleanse(buf, sizeof buf);
	OPENSSL_cleanse(mac, sizeof mac);
	return rv;
}
