/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * crypto_sym.c — symmetric ciphers on the host through OpenSSL 3 in the module's private
 * library context (crypto.h): the check value of a DES3 key, and the block-cipher modes
 * (ECB, CBC, CBC with PKCS #7 padding, CTR, GCM, CCM) fed in parts.
 *
 * The partial blocks are kept here, not by OpenSSL, so that the length every call gives
 * is known before it runs (the two-call rule of PKCS #11): EVP receives whole blocks
 * with its padding off, and the padding is this file's (added at Final, removed there
 * after the last block, checked without branching on its bytes). A GCM decryption gives
 * no plaintext before its tag is verified: the ciphertext is kept until Final. CCM keeps
 * its input in both directions (OpenSSL computes a CCM message in one call; the MAC of
 * SP 800-38C covers the plaintext before any of it is encrypted).
 */
#include "crypto.h"

#include <stdint.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>

CK_RV crypto_des3_ecb_block(const uint8_t *key, size_t key_len, const uint8_t in[8],
			    uint8_t out[8])
{
	OSSL_LIB_CTX *ctx = crypto_libctx();
	EVP_CIPHER *cipher = NULL;
	EVP_CIPHER_CTX *c = NULL;
	int n1 = 0, n2 = 0;
	CK_RV rv = CKR_FUNCTION_FAILED;

	if (key_len != 24)
		return CKR_KEY_SIZE_RANGE;
	if (ctx == NULL)
		return CKR_FUNCTION_FAILED;
	ERR_set_mark();
	cipher = EVP_CIPHER_fetch(ctx, "DES-EDE3-ECB", NULL);
	c = EVP_CIPHER_CTX_new();
	if (cipher != NULL && c != NULL && EVP_EncryptInit_ex2(c, cipher, key, NULL, NULL) &&
	    EVP_CIPHER_CTX_set_padding(c, 0) && EVP_EncryptUpdate(c, out, &n1, in, 8) &&
	    EVP_EncryptFinal_ex(c, out + n1, &n2) && n1 + n2 == 8)
		rv = CKR_OK;
	EVP_CIPHER_CTX_free(c);
	EVP_CIPHER_free(cipher);
	ERR_pop_to_mark();
	return rv;
}

/* --- block-cipher modes, single and multi-part ------------------------------------ */

struct crypto_sym {
	EVP_CIPHER_CTX *ctx;
	enum crypto_sym_mode mode;
	int decrypt;
	size_t bs;                      /* the cipher's block size */
	uint8_t pend[32];               /* block modes: the partial block kept */
	size_t pend_len;
	uint64_t ctr_left;              /* CTR: blocks the counter has left (UINT64_MAX: many) */
	uint8_t *hold;                  /* GCM decryption: the ciphertext and tag, to Final */
	size_t hold_len, hold_cap;
	size_t tag_len;
	uint8_t *fin;                   /* the last part, computed once (a retry after
					 * CKR_BUFFER_TOO_SMALL gets it again) */
	size_t fin_len;
	int fin_done;
	CK_RV fin_rv;
	/* CCM: what Final needs to compute the message in one call */
	EVP_CIPHER *ccm;
	uint8_t *ccm_key, *ccm_aad;
	size_t ccm_key_len, ccm_aad_len, ccm_data_len, ccm_nonce_len;
	uint8_t ccm_nonce[13];
};

static int sym_blockwise(const struct crypto_sym *s)
{
	return s->mode == CRYPTO_SYM_ECB || s->mode == CRYPTO_SYM_CBC ||
	       s->mode == CRYPTO_SYM_CBC_PAD;
}

CK_RV crypto_sym_new(const char *cipher, enum crypto_sym_mode mode, int decrypt,
		     const uint8_t *key, size_t key_len, const uint8_t *iv, size_t iv_len,
		     const uint8_t *aad, size_t aad_len, size_t tag_len, unsigned ctr_bits,
		     struct crypto_sym **out)
{
	OSSL_LIB_CTX *lctx = crypto_libctx();
	EVP_CIPHER *c = NULL;
	struct crypto_sym *s;
	OSSL_PARAM prm[2];
	size_t ivl = iv_len;
	int n = 0, ok = 0;
	CK_RV rv = CKR_FUNCTION_FAILED;

	*out = NULL;
	if (lctx == NULL)
		return CKR_FUNCTION_FAILED;
	s = OPENSSL_zalloc(sizeof *s);
	if (s == NULL)
		return CKR_HOST_MEMORY;
	s->mode = mode;
	s->decrypt = decrypt;
	s->tag_len = tag_len;
	s->ctr_left = UINT64_MAX;
	ERR_set_mark();
	c = EVP_CIPHER_fetch(lctx, cipher, NULL);
	s->ctx = EVP_CIPHER_CTX_new();
	if (c != NULL && (size_t)EVP_CIPHER_get_key_length(c) != key_len) {
		rv = CKR_KEY_SIZE_RANGE;        /* never read past the key */
	} else if (c != NULL && s->ctx != NULL) {
		s->bs = (size_t)EVP_CIPHER_get_block_size(c);
		if (mode == CRYPTO_SYM_CTR || mode == CRYPTO_SYM_GCM)
			s->bs = 16;
		prm[0] = OSSL_PARAM_construct_size_t("ivlen", &ivl);
		prm[1] = OSSL_PARAM_construct_end();
		ok = EVP_CipherInit_ex2(s->ctx, c, NULL, NULL, !decrypt, NULL) &&
		     (mode != CRYPTO_SYM_GCM || EVP_CIPHER_CTX_set_params(s->ctx, prm)) &&
		     EVP_CipherInit_ex2(s->ctx, NULL, key, iv, !decrypt, NULL) &&
		     EVP_CIPHER_CTX_set_padding(s->ctx, 0);
		if (ok && mode == CRYPTO_SYM_GCM && aad_len > 0)
			ok = EVP_CipherUpdate(s->ctx, NULL, &n, aad, (int)aad_len);
	}
	if (ok && mode == CRYPTO_SYM_CTR && ctr_bits < 64 && iv != NULL && iv_len == 16) {
		uint64_t ctr = 0;
		size_t i;

		for (i = 8; i < 16; i++)
			ctr = ctr << 8 | iv[i];
		ctr &= ((uint64_t)1 << ctr_bits) - 1;
		s->ctr_left = ((uint64_t)1 << ctr_bits) - ctr;
	}
	if (ok && s->bs > 0 && s->bs <= sizeof s->pend / 2)
		rv = CKR_OK;
	EVP_CIPHER_free(c);
	ERR_pop_to_mark();
	if (rv != CKR_OK) {
		crypto_sym_free(s);
		return rv;
	}
	*out = s;
	return CKR_OK;
}

void crypto_sym_free(struct crypto_sym *s)
{
	if (s == NULL)
		return;
	EVP_CIPHER_CTX_free(s->ctx);
	EVP_CIPHER_free(s->ccm);
	OPENSSL_clear_free(s->ccm_key, s->ccm_key_len);
	OPENSSL_clear_free(s->ccm_aad, s->ccm_aad_len);
	OPENSSL_clear_free(s->hold, s->hold_cap);
	OPENSSL_clear_free(s->fin, s->fin_len);
	OPENSSL_clear_free(s, sizeof *s);
}

/* How many of pend_len + n bytes an update processes now. */
static size_t sym_take(const struct crypto_sym *s, size_t n)
{
	size_t total = s->pend_len + n, take;

	if (!sym_blockwise(s))
		return (s->mode == CRYPTO_SYM_GCM && s->decrypt) || s->mode == CRYPTO_SYM_CCM ? 0 : n;
	take = total - total % s->bs;
	/* a padded decryption keeps its last block for Final, which removes the padding */
	if (s->mode == CRYPTO_SYM_CBC_PAD && s->decrypt && take == total && take > 0)
		take -= s->bs;
	return take;
}

size_t crypto_sym_update_len(const struct crypto_sym *s, size_t n)
{
	return sym_take(s, n);
}

static CK_RV sym_run(struct crypto_sym *s, const uint8_t *in, size_t n, uint8_t *out,
		     size_t *out_len)
{
	int got = 0;
	CK_RV rv = CKR_OK;

	*out_len = 0;
	if (n == 0)
		return CKR_OK;
	if (n > INT32_MAX)
		return s->decrypt ? CKR_ENCRYPTED_DATA_LEN_RANGE : CKR_DATA_LEN_RANGE;
	ERR_set_mark();
	if (!EVP_CipherUpdate(s->ctx, out, &got, in, (int)n) || (size_t)got != n)
		rv = CKR_FUNCTION_FAILED;
	ERR_pop_to_mark();
	*out_len = (size_t)got;
	return rv;
}

CK_RV crypto_sym_update(struct crypto_sym *s, const uint8_t *in, size_t n, uint8_t *out,
			size_t *out_len)
{
	size_t take = sym_take(s, n), done = 0, k, first;
	uint8_t *nh;
	CK_RV rv;

	*out_len = 0;
	if (s->fin_done)
		return CKR_FUNCTION_FAILED;
	if (s->mode == CRYPTO_SYM_CTR) {
		uint64_t blocks = (n + 15) / 16;

		/* the counter's bits must not wrap (PKCS #11 3.2, CKM_AES_CTR) */
		if (s->ctr_left != UINT64_MAX && blocks > s->ctr_left)
			return s->decrypt ? CKR_ENCRYPTED_DATA_LEN_RANGE : CKR_DATA_LEN_RANGE;
		if (s->ctr_left != UINT64_MAX && n % 16 != 0)
			s->ctr_left = blocks;   /* a partial block ends the stream's counter */
		if (s->ctr_left != UINT64_MAX)
			s->ctr_left -= blocks;
	}
	if (s->mode == CRYPTO_SYM_CCM &&
	    n > s->ccm_data_len + (s->decrypt ? s->tag_len : 0) - s->hold_len)
		/* more than B_0 announced (PKCS #11 3.2, CKM_AES_CCM: ulDataLen) */
		return s->decrypt ? CKR_ENCRYPTED_DATA_LEN_RANGE : CKR_DATA_LEN_RANGE;
	if ((s->mode == CRYPTO_SYM_GCM && s->decrypt) || s->mode == CRYPTO_SYM_CCM) {
		if (n > SIZE_MAX / 2 - s->hold_len)
			return s->decrypt ? CKR_ENCRYPTED_DATA_LEN_RANGE : CKR_DATA_LEN_RANGE;
		if (s->hold_len + n > s->hold_cap) {
			size_t cap = (s->hold_len + n) * 2 + 32;

			nh = OPENSSL_zalloc(cap);
			if (nh == NULL)
				return CKR_HOST_MEMORY;
			if (s->hold_len > 0)
				memcpy(nh, s->hold, s->hold_len);
			OPENSSL_clear_free(s->hold, s->hold_cap);
			s->hold = nh;
			s->hold_cap = cap;
		}
		if (n > 0)
			memcpy(s->hold + s->hold_len, in, n);
		s->hold_len += n;
		return CKR_OK;
	}
	if (!sym_blockwise(s))
		return sym_run(s, in, n, out, out_len);
	/* complete the kept partial block first */
	if (take > 0 && s->pend_len > 0) {
		first = s->bs - s->pend_len;
		memcpy(s->pend + s->pend_len, in, first);
		rv = sym_run(s, s->pend, s->bs, out, &k);
		if (rv != CKR_OK)
			return rv;
		done = k;
		in += first;
		n -= first;
		take -= s->bs;
		s->pend_len = 0;
	}
	if (take > 0) {
		rv = sym_run(s, in, take, out + done, &k);
		if (rv != CKR_OK)
			return rv;
		done += k;
		in += take;
		n -= take;
	}
	memcpy(s->pend + s->pend_len, in, n);
	s->pend_len += n;
	*out_len = done;
	return CKR_OK;
}

size_t crypto_sym_final_len(const struct crypto_sym *s)
{
	if (s->fin_done)
		return s->fin_len;
	switch (s->mode) {
	case CRYPTO_SYM_CBC_PAD:
		return s->bs;   /* encryption: one block; decryption: at most that */
	case CRYPTO_SYM_GCM:
		if (!s->decrypt)
			return s->tag_len;
		return s->hold_len > s->tag_len ? s->hold_len - s->tag_len : 0;
	case CRYPTO_SYM_CCM:
		if (!s->decrypt)
			return s->hold_len + s->tag_len;
		return s->hold_len > s->tag_len ? s->hold_len - s->tag_len : 0;
	default:
		return 0;
	}
}

/* CCM at Final: the whole message in one EVP call, the order OpenSSL's CCM needs (the
 * nonce and tag lengths, the key and nonce, the plaintext's length, the AAD, the data). */
static CK_RV sym_ccm_compute(struct crypto_sym *s)
{
	OSSL_PARAM prm[2];
	size_t len = s->hold_len, ivl = s->ccm_nonce_len;
	int got = 0, ok;
	CK_RV rv = CKR_FUNCTION_FAILED;

	if (s->decrypt) {
		if (len != s->ccm_data_len + s->tag_len)
			return CKR_ENCRYPTED_DATA_LEN_RANGE;
		len -= s->tag_len;
	} else if (len != s->ccm_data_len) {
		return CKR_DATA_LEN_RANGE;      /* fewer bytes than ulDataLen said */
	}
	if (len > INT32_MAX || s->ccm_aad_len > INT32_MAX)
		return s->decrypt ? CKR_ENCRYPTED_DATA_LEN_RANGE : CKR_DATA_LEN_RANGE;
	ERR_set_mark();
	s->ctx = EVP_CIPHER_CTX_new();
	prm[0] = OSSL_PARAM_construct_size_t("ivlen", &ivl);
	prm[1] = OSSL_PARAM_construct_end();
	ok = s->ctx != NULL &&
	     EVP_CipherInit_ex2(s->ctx, s->ccm, NULL, NULL, !s->decrypt, NULL) &&
	     EVP_CIPHER_CTX_set_params(s->ctx, prm) &&
	     EVP_CIPHER_CTX_ctrl(s->ctx, EVP_CTRL_AEAD_SET_TAG, (int)s->tag_len,
				 s->decrypt ? s->hold + len : NULL) &&
	     EVP_CipherInit_ex2(s->ctx, NULL, s->ccm_key, s->ccm_nonce, !s->decrypt, NULL) &&
	     EVP_CipherUpdate(s->ctx, NULL, &got, NULL, (int)len) &&
	     (s->ccm_aad_len == 0 ||
	      EVP_CipherUpdate(s->ctx, NULL, &got, s->ccm_aad, (int)s->ccm_aad_len));
	if (ok) {
		got = 0;
		/* a decryption's update is where OpenSSL checks the tag; an empty message
		 * still needs an input pointer, or OpenSSL takes the call for Final's */
		if (EVP_CipherUpdate(s->ctx, s->fin, &got,
				     s->hold != NULL ? s->hold : (const uint8_t *)"",
				     (int)len) != 1 ||
		    (size_t)got != len)
			rv = s->decrypt ? CKR_ENCRYPTED_DATA_INVALID : CKR_FUNCTION_FAILED;
		else if (s->decrypt)
			rv = CKR_OK;
		else if (EVP_CIPHER_CTX_ctrl(s->ctx, EVP_CTRL_AEAD_GET_TAG, (int)s->tag_len,
					     s->fin + len))
			rv = CKR_OK;
	}
	ERR_pop_to_mark();
	s->fin_len = s->decrypt ? len : len + s->tag_len;
	return rv;
}

static CK_RV sym_final_compute(struct crypto_sym *s)
{
	uint8_t blk[32];
	size_t k = 0, len, pad, i;
	unsigned bad;
	int got = 0;
	CK_RV rv = CKR_OK;

	s->fin = OPENSSL_zalloc(crypto_sym_final_len(s) + 1);
	if (s->fin == NULL)
		return CKR_HOST_MEMORY;
	switch (s->mode) {
	case CRYPTO_SYM_ECB:
	case CRYPTO_SYM_CBC:
		if (s->pend_len != 0)
			rv = s->decrypt ? CKR_ENCRYPTED_DATA_LEN_RANGE : CKR_DATA_LEN_RANGE;
		break;
	case CRYPTO_SYM_CBC_PAD:
		if (!s->decrypt) {
			/* PKCS #7 padding (RFC 5652 6.3): 1..bs bytes of the pad's length */
			pad = s->bs - s->pend_len;
			memset(s->pend + s->pend_len, (int)pad, pad);
			rv = sym_run(s, s->pend, s->bs, s->fin, &k);
			s->fin_len = k;
			break;
		}
		if (s->pend_len != s->bs) {
			rv = CKR_ENCRYPTED_DATA_LEN_RANGE;
			break;
		}
		rv = sym_run(s, s->pend, s->bs, blk, &k);
		if (rv != CKR_OK)
			break;
		pad = blk[s->bs - 1];
		bad = (unsigned)(pad == 0) | (unsigned)(pad > s->bs);
		for (i = 0; i < s->bs; i++)
			bad |= (unsigned)(i >= s->bs - pad && pad <= s->bs && blk[i] != pad);
		if (bad) {
			rv = CKR_ENCRYPTED_DATA_INVALID;
			break;
		}
		s->fin_len = s->bs - pad;
		memcpy(s->fin, blk, s->fin_len);
		break;
	case CRYPTO_SYM_GCM:
		ERR_set_mark();
		if (!s->decrypt) {
			if (!EVP_EncryptFinal_ex(s->ctx, blk, &got) ||
			    !EVP_CIPHER_CTX_ctrl(s->ctx, EVP_CTRL_AEAD_GET_TAG, (int)s->tag_len,
						 s->fin))
				rv = CKR_FUNCTION_FAILED;
			s->fin_len = s->tag_len;
		} else if (s->hold_len < s->tag_len) {
			rv = CKR_ENCRYPTED_DATA_LEN_RANGE;
		} else {
			len = s->hold_len - s->tag_len;
			got = 0;
			if (len > INT32_MAX ||
			    (len > 0 && !EVP_DecryptUpdate(s->ctx, s->fin, &got, s->hold, (int)len)))
				rv = CKR_FUNCTION_FAILED;
			else if (!EVP_CIPHER_CTX_ctrl(s->ctx, EVP_CTRL_AEAD_SET_TAG,
						      (int)s->tag_len, s->hold + len))
				rv = CKR_FUNCTION_FAILED;
			else if (EVP_DecryptFinal_ex(s->ctx, blk, &got) != 1)
				rv = CKR_ENCRYPTED_DATA_INVALID;        /* the tag is wrong */
			s->fin_len = len;
		}
		ERR_pop_to_mark();
		break;
	case CRYPTO_SYM_CCM:
		rv = sym_ccm_compute(s);
		break;
	default:
		break;
	}
	OPENSSL_cleanse(blk, sizeof blk);
	if (rv != CKR_OK) {
		OPENSSL_cleanse(s->fin, s->fin_len);
		s->fin_len = 0;
	}
	return rv;
}

CK_RV crypto_sym_final(struct crypto_sym *s, uint8_t *out, size_t cap, size_t *out_len)
{
	if (!s->fin_done) {
		size_t bound = crypto_sym_final_len(s);

		s->fin_rv = sym_final_compute(s);
		s->fin_done = 1;
		if (s->fin_len > bound)
			s->fin_rv = CKR_FUNCTION_FAILED;
	}
	*out_len = s->fin_len;
	if (s->fin_rv != CKR_OK)
		return s->fin_rv;
	if (out == NULL || cap < s->fin_len)
		return CKR_BUFFER_TOO_SMALL;
	if (s->fin_len > 0)
		memcpy(out, s->fin, s->fin_len);
	return CKR_OK;
}

CK_RV crypto_sym_ccm_new(const char *cipher, int decrypt, const uint8_t *key, size_t key_len,
			 const uint8_t *nonce, size_t nonce_len, const uint8_t *aad,
			 size_t aad_len, size_t tag_len, size_t data_len,
			 struct crypto_sym **out)
{
	OSSL_LIB_CTX *lctx = crypto_libctx();
	struct crypto_sym *s;
	size_t l = 15 - nonce_len;      /* the length field's bytes (SP 800-38C A.1: q) */
	CK_RV rv = CKR_OK;

	*out = NULL;
	if (nonce == NULL || nonce_len < 7 || nonce_len > 13 || tag_len < 4 || tag_len > 16 ||
	    tag_len % 2 != 0 || (aad_len > 0 && aad == NULL))
		return CKR_MECHANISM_PARAM_INVALID;
	/* the plaintext's length must fit in l bytes (SP 800-38C A.2.1: Q < 2^(8q)) */
	if (l < sizeof(size_t) && (uint64_t)data_len >> (8 * l) != 0)
		return CKR_MECHANISM_PARAM_INVALID;
	if (cipher == NULL || lctx == NULL || key_len == 0)
		return cipher == NULL ? CKR_KEY_SIZE_RANGE : CKR_FUNCTION_FAILED;
	s = OPENSSL_zalloc(sizeof *s);
	if (s == NULL)
		return CKR_HOST_MEMORY;
	s->mode = CRYPTO_SYM_CCM;
	s->decrypt = decrypt;
	s->tag_len = tag_len;
	s->bs = 16;
	s->ctr_left = UINT64_MAX;
	s->ccm_data_len = data_len;
	s->ccm_nonce_len = nonce_len;
	memcpy(s->ccm_nonce, nonce, nonce_len);
	ERR_set_mark();
	s->ccm = EVP_CIPHER_fetch(lctx, cipher, NULL);
	ERR_pop_to_mark();
	s->ccm_key = OPENSSL_malloc(key_len);
	s->ccm_aad = OPENSSL_malloc(aad_len > 0 ? aad_len : 1);
	if (s->ccm_key == NULL || s->ccm_aad == NULL)
		rv = CKR_HOST_MEMORY;
	else if (s->ccm == NULL)
		rv = CKR_FUNCTION_FAILED;
	else if ((size_t)EVP_CIPHER_get_key_length(s->ccm) != key_len)
		rv = CKR_KEY_SIZE_RANGE;
	if (rv != CKR_OK) {
		crypto_sym_free(s);
		return rv;
	}
	memcpy(s->ccm_key, key, key_len);
	s->ccm_key_len = key_len;
	if (aad_len > 0)
		memcpy(s->ccm_aad, aad, aad_len);
	s->ccm_aad_len = aad_len;
	*out = s;
	return CKR_OK;
}

/* --- MACs (HMAC, CMAC) ------------------------------------------------------------ */

struct crypto_mac {
	EVP_MAC_CTX *ctx;
	size_t len;                     /* the MAC's full length */
};

CK_RV crypto_mac_new(const char *mac, const char *digest, const char *cipher,
		     const uint8_t *key, size_t key_len, struct crypto_mac **out, size_t *len)
{
	OSSL_LIB_CTX *lctx = crypto_libctx();
	struct crypto_mac *m;
	EVP_MAC *alg = NULL;
	OSSL_PARAM prm[2];
	CK_RV rv = CKR_FUNCTION_FAILED;

	*out = NULL;
	if (lctx == NULL || key_len == 0)
		return CKR_FUNCTION_FAILED;
	m = OPENSSL_zalloc(sizeof *m);
	if (m == NULL)
		return CKR_HOST_MEMORY;
	if (digest != NULL)
		prm[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)digest, 0);
	else
		prm[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_CIPHER, (char *)cipher, 0);
	prm[1] = OSSL_PARAM_construct_end();
	ERR_set_mark();
	alg = EVP_MAC_fetch(lctx, mac, NULL);
	if (alg != NULL)
		m->ctx = EVP_MAC_CTX_new(alg);
	if (m->ctx != NULL && EVP_MAC_init(m->ctx, key, key_len, prm)) {
		m->len = EVP_MAC_CTX_get_mac_size(m->ctx);
		if (m->len > 0 && m->len <= CRYPTO_MD_MAX)
			rv = CKR_OK;
	}
	EVP_MAC_free(alg);
	ERR_pop_to_mark();
	if (rv != CKR_OK) {
		crypto_mac_free(m);
		return rv == CKR_FUNCTION_FAILED && digest != NULL ? CKR_MECHANISM_INVALID : rv;
	}
	*out = m;
	*len = m->len;
	return CKR_OK;
}

CK_RV crypto_mac_update(struct crypto_mac *m, const uint8_t *p, size_t n)
{
	CK_RV rv = CKR_OK;

	if (n == 0)
		return CKR_OK;
	ERR_set_mark();
	if (!EVP_MAC_update(m->ctx, p, n))
		rv = CKR_FUNCTION_FAILED;
	ERR_pop_to_mark();
	return rv;
}

CK_RV crypto_mac_final(struct crypto_mac *m, uint8_t *out)
{
	size_t got = 0;
	CK_RV rv = CKR_OK;

	ERR_set_mark();
	if (!EVP_MAC_final(m->ctx, out, &got, m->len) || got != m->len)
		rv = CKR_FUNCTION_FAILED;
	ERR_pop_to_mark();
	return rv;
}

void crypto_mac_free(struct crypto_mac *m)
{
	if (m == NULL)
		return;
	EVP_MAC_CTX_free(m->ctx);
	OPENSSL_clear_free(m, sizeof *m);
}
