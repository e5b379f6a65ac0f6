/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * gost_sym.c — what the GOST cipher and MAC primitive files share (gost_sym.h): one state
 * for the modes of crypto_sym_gost.h (Kuznyechik/Magma ECB, CTR(-ACPKM) and MGM; GOST
 * 28147-89 ECB and counter mode) and for their MACs, and the prim_ops hooks that run it.
 */
#include "gost_sym.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

enum gost_kind { GOST_ECB, GOST_ECB89, GOST_CTR, GOST_CNT89, GOST_MGM };

struct gost_sym {
	enum gost_kind kind;
	int decrypt;
	size_t bl;                      /* the block length */
	enum crypto_gost89_set set;     /* GOST_ECB89 */
	struct crypto_gost_blk *blk;
	struct crypto_gost_ctr *ctr;
	struct crypto_gost89_stream *cnt;
	struct crypto_gost_mgm *mgm;
	uint8_t pend[CRYPTO_GOST_BLOCK_MAX];    /* ECB: the partial block kept */
	size_t pend_len;
	uint8_t *hold;                  /* MGM decryption: the ciphertext and tag, to Final */
	size_t hold_len, hold_cap, tag_len;
	uint8_t *fin;                   /* the last part, computed once */
	size_t fin_len;
	int fin_done;
	CK_RV fin_rv;
};

enum crypto_gost_alg gost_alg_of(const struct prim_ctx *c)
{
	return c->m->key_type == CKK_MAGMA ? CRYPTO_MAGMA : CRYPTO_KUZNYECHIK;
}

CK_RV gost89_set_of_key(const struct prim_attrs *a, enum crypto_gost89_set *set)
{
	const struct lb_attr *v = a->get(a->view, CKA_GOST28147_PARAMS);
	int s;

	if (v == NULL || v->value == NULL || v->len == 0 || v->len == CK_UNAVAILABLE_INFORMATION)
		return CKR_KEY_TYPE_INCONSISTENT;
	s = crypto_gost89_set_of(v->value, v->len);
	if (s < 0)
		return CKR_KEY_TYPE_INCONSISTENT;       /* an S-box set this host lacks */
	*set = (enum crypto_gost89_set)s;
	return CKR_OK;
}

static CK_RV gost_sym_alloc(struct prim_ctx *c, enum gost_kind kind, int decrypt, size_t bl,
			    struct gost_sym **out)
{
	struct gost_sym *g = calloc(1, sizeof *g);

	if (g == NULL)
		return CKR_HOST_MEMORY;
	g->kind = kind;
	g->decrypt = decrypt;
	g->bl = bl;
	c->state = g;
	*out = g;
	return CKR_OK;
}

CK_RV gost_sym_ecb(struct prim_ctx *c, int decrypt)
{
	enum crypto_gost_alg alg = gost_alg_of(c);
	struct gost_sym *g;
	CK_RV rv = gost_sym_alloc(c, GOST_ECB, decrypt, crypto_gost_block_len(alg), &g);

	return rv != CKR_OK ? rv : crypto_gost_blk_new(alg, c->key, c->k, &g->blk);
}

CK_RV gost_sym_ecb89(struct prim_ctx *c, enum crypto_gost89_set set, int decrypt)
{
	struct gost_sym *g;
	uint8_t probe[8] = { 0 };
	CK_RV rv;

	/* ECB has the TC26-Z S-boxes only (crypto_sym_gost.h): say so at Init */
	if (set != CRYPTO_GOST89_TC26_Z)
		return CKR_KEY_TYPE_INCONSISTENT;
	rv = crypto_gost89_ecb(set, 1, c->key, c->k, probe, 8, probe);
	OPENSSL_cleanse(probe, sizeof probe);
	if (rv != CKR_OK)
		return rv;
	rv = gost_sym_alloc(c, GOST_ECB89, decrypt, 8, &g);
	if (rv == CKR_OK)
		g->set = set;
	return rv;
}

CK_RV gost_sym_ctr(struct prim_ctx *c, const uint8_t *iv, size_t iv_len, size_t section)
{
	enum crypto_gost_alg alg = gost_alg_of(c);
	struct gost_sym *g;
	CK_RV rv = gost_sym_alloc(c, GOST_CTR, 0, crypto_gost_block_len(alg), &g);

	return rv != CKR_OK ? rv : crypto_gost_ctr_new(alg, c->key, c->k, iv, iv_len, section,
						       &g->ctr);
}

CK_RV gost_sym_cnt89(struct prim_ctx *c, enum crypto_gost89_set set, int decrypt,
		     const uint8_t *iv)
{
	struct gost_sym *g;
	CK_RV rv = gost_sym_alloc(c, GOST_CNT89, decrypt, 8, &g);

	return rv != CKR_OK ? rv : crypto_gost89_stream_new(set, 0, !decrypt, c->key, c->k, iv,
							    8, &g->cnt);
}

CK_RV gost_sym_mgm(struct prim_ctx *c, int decrypt, const uint8_t *nonce, size_t nonce_len,
		   const uint8_t *aad, size_t aad_len, size_t tag_len)
{
	enum crypto_gost_alg alg = gost_alg_of(c);
	struct gost_sym *g;
	CK_RV rv = gost_sym_alloc(c, GOST_MGM, decrypt, crypto_gost_block_len(alg), &g);

	if (rv != CKR_OK)
		return rv;
	g->tag_len = tag_len;
	rv = crypto_gost_mgm_new(alg, !decrypt, c->key, c->k, nonce, nonce_len, tag_len, &g->mgm);
	if (rv == CKR_OK && aad_len > 0)
		rv = crypto_gost_mgm_aad(g->mgm, aad, aad_len);
	return rv == CKR_DATA_LEN_RANGE ? CKR_MECHANISM_PARAM_INVALID : rv;
}

/* How many bytes an update of n gives now. */
static size_t gost_take(const struct gost_sym *g, size_t n)
{
	size_t total = g->pend_len + n;

	switch (g->kind) {
	case GOST_ECB:
	case GOST_ECB89:
		return total - total % g->bl;
	case GOST_MGM:
		return g->decrypt ? 0 : n;
	default:
		return n;
	}
}

size_t gost_sym_update_len(const struct prim_ctx *c, size_t n)
{
	return gost_take(c->state, n);
}

/* Whole blocks of ECB. */
static CK_RV gost_ecb_run(struct gost_sym *g, struct prim_ctx *c, const uint8_t *in, size_t n,
			  uint8_t *out)
{
	if (g->kind == GOST_ECB89)
		return crypto_gost89_ecb(g->set, !g->decrypt, c->key, c->k, in, n, out);
	return crypto_gost_ecb(g->blk, !g->decrypt, in, n, out);
}

static CK_RV gost_hold(struct gost_sym *g, const uint8_t *in, size_t n)
{
	uint8_t *nh;
	size_t cap;

	if (n > SIZE_MAX / 4 - g->hold_len)
		return CKR_ENCRYPTED_DATA_LEN_RANGE;
	if (g->hold_len + n > g->hold_cap) {
		cap = (g->hold_len + n) * 2 + 32;
		nh = calloc(1, cap);
		if (nh == NULL)
			return CKR_HOST_MEMORY;
		if (g->hold_len > 0)
			memcpy(nh, g->hold, g->hold_len);
		if (g->hold != NULL) {
			OPENSSL_cleanse(g->hold, g->hold_cap);
			free(g->hold);
		}
		g->hold = nh;
		g->hold_cap = cap;
	}
	if (n > 0)
		memcpy(g->hold + g->hold_len, in, n);
	g->hold_len += n;
	return CKR_OK;
}

CK_RV gost_sym_update(struct prim_ctx *c, const uint8_t *in, size_t n, uint8_t *out,
		      size_t *out_len)
{
	struct gost_sym *g = c->state;
	size_t take = gost_take(g, n), done = 0, first;
	CK_RV rv;

	*out_len = 0;
	if (g->fin_done)
		return CKR_FUNCTION_FAILED;
	switch (g->kind) {
	case GOST_CTR:
		rv = n > 0 ? crypto_gost_ctr_update(g->ctr, in, n, out) : CKR_OK;
		break;
	case GOST_CNT89:
		rv = n > 0 ? crypto_gost89_stream_update(g->cnt, in, n, out) : CKR_OK;
		break;
	case GOST_MGM:
		if (g->decrypt)
			return gost_hold(g, in, n);
		rv = n > 0 ? crypto_gost_mgm_update(g->mgm, in, n, out) : CKR_OK;
		break;
	default:
		/* ECB: complete the kept partial block first */
		rv = CKR_OK;
		if (take > 0 && g->pend_len > 0) {
			first = g->bl - g->pend_len;
			memcpy(g->pend + g->pend_len, in, first);
			rv = gost_ecb_run(g, c, g->pend, g->bl, out);
			if (rv != CKR_OK)
				return rv;
			done = g->bl;
			in += first;
			n -= first;
			take -= g->bl;
			g->pend_len = 0;
		}
		if (take > 0) {
			rv = gost_ecb_run(g, c, in, take, out + done);
			if (rv != CKR_OK)
				return rv;
			done += take;
			in += take;
			n -= take;
		}
		if (n > 0)
			memcpy(g->pend + g->pend_len, in, n);
		g->pend_len += n;
		*out_len = done;
		return CKR_OK;
	}
	if (rv == CKR_OK)
		*out_len = n;
	return rv;
}

size_t gost_sym_final_len(const struct prim_ctx *c)
{
	const struct gost_sym *g = c->state;

	if (g->fin_done)
		return g->fin_len;
	if (g->kind != GOST_MGM)
		return 0;
	if (!g->decrypt)
		return g->tag_len;
	return g->hold_len > g->tag_len ? g->hold_len - g->tag_len : 0;
}

static CK_RV gost_final_compute(struct gost_sym *g, size_t bound)
{
	size_t len;
	CK_RV rv = CKR_OK;

	g->fin = calloc(1, bound + 1);
	if (g->fin == NULL)
		return CKR_HOST_MEMORY;
	switch (g->kind) {
	case GOST_ECB:
	case GOST_ECB89:
		/* ECB takes whole blocks only (GOST R 34.13-2015 5.1; no padding here) */
		if (g->pend_len != 0)
			rv = g->decrypt ? CKR_ENCRYPTED_DATA_LEN_RANGE : CKR_DATA_LEN_RANGE;
		break;
	case GOST_MGM:
		if (!g->decrypt) {
			rv = crypto_gost_mgm_final(g->mgm, g->fin);
			g->fin_len = g->tag_len;
			break;
		}
		if (g->hold_len < g->tag_len) {
			rv = CKR_ENCRYPTED_DATA_LEN_RANGE;
			break;
		}
		len = g->hold_len - g->tag_len;
		rv = len > 0 ? crypto_gost_mgm_update(g->mgm, g->hold, len, g->fin) : CKR_OK;
		if (rv == CKR_OK)
			rv = crypto_gost_mgm_final(g->mgm, g->hold + len);
		g->fin_len = len;
		break;
	default:
		break;
	}
	if (rv != CKR_OK) {
		OPENSSL_cleanse(g->fin, bound + 1);
		g->fin_len = 0;
	}
	return rv;
}

CK_RV gost_sym_final(struct prim_ctx *c, uint8_t *out, size_t cap, size_t *out_len)
{
	struct gost_sym *g = c->state;

	if (!g->fin_done) {
		size_t bound = gost_sym_final_len(c);

		g->fin_rv = gost_final_compute(g, bound);
		g->fin_done = 1;
		if (g->fin_len > bound)
			g->fin_rv = CKR_FUNCTION_FAILED;
	}
	*out_len = g->fin_len;
	if (g->fin_rv != CKR_OK)
		return g->fin_rv;
	if (out == NULL || cap < g->fin_len)
		return CKR_BUFFER_TOO_SMALL;
	if (g->fin_len > 0)
		memcpy(out, g->fin, g->fin_len);
	return CKR_OK;
}

void gost_sym_release(struct prim_ctx *c)
{
	struct gost_sym *g = c->state;

	if (g == NULL)
		return;
	crypto_gost_blk_free(g->blk);
	crypto_gost_ctr_free(g->ctr);
	crypto_gost89_stream_free(g->cnt);
	crypto_gost_mgm_free(g->mgm);
	if (g->hold != NULL) {
		OPENSSL_cleanse(g->hold, g->hold_cap);
		free(g->hold);
	}
	if (g->fin != NULL) {
		OPENSSL_cleanse(g->fin, g->fin_len);
		free(g->fin);
	}
	OPENSSL_cleanse(g, sizeof *g);
	free(g);
	c->state = NULL;
}

/* --- MACs ---------------------------------------------------------------------------- */

struct gost_mac {
	struct crypto_gost_mac *m;      /* Kuznyechik / Magma OMAC */
	struct crypto_gost89_mac *m89;  /* GOST 28147-89 */
};

CK_RV gost_mac_start(struct prim_ctx *c, size_t len)
{
	struct gost_mac *g = calloc(1, sizeof *g);

	if (g == NULL)
		return CKR_HOST_MEMORY;
	c->state = g;
	c->out_len = len;
	return crypto_gost_mac_new(gost_alg_of(c), c->key, c->k, &g->m);
}

CK_RV gost89_mac_start(struct prim_ctx *c, enum crypto_gost89_set set, const uint8_t *iv,
		       size_t iv_len, size_t len)
{
	struct gost_mac *g = calloc(1, sizeof *g);

	if (g == NULL)
		return CKR_HOST_MEMORY;
	c->state = g;
	c->out_len = len;
	return crypto_gost89_mac_new(set, c->key, c->k, iv, iv_len, &g->m89);
}

CK_RV gost_mac_update(struct prim_ctx *c, const uint8_t *in, size_t n, uint8_t *out,
		      size_t *out_len)
{
	struct gost_mac *g = c->state;

	(void)out;
	if (out_len != NULL)
		*out_len = 0;
	if (n == 0)
		return CKR_OK;
	return g->m != NULL ? crypto_gost_mac_update(g->m, in, n)
			    : crypto_gost89_mac_update(g->m89, in, n);
}

CK_RV gost_mac_final(struct prim_ctx *c, uint8_t *out, size_t cap, size_t *out_len)
{
	struct gost_mac *g = c->state;

	*out_len = c->out_len;
	if (out == NULL || cap < c->out_len)
		return CKR_BUFFER_TOO_SMALL;
	return g->m != NULL ? crypto_gost_mac_final(g->m, out, c->out_len)
			    : crypto_gost89_mac_final(g->m89, out, c->out_len);
}

void gost_mac_release(struct prim_ctx *c)
{
	struct gost_mac *g = c->state;

	if (g == NULL)
		return;
	crypto_gost_mac_free(g->m);
	crypto_gost89_mac_free(g->m89);
	free(g);
	c->state = NULL;
}
