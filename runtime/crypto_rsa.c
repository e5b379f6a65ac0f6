/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * crypto_rsa.c — RSA on the host: the signature encodings the token's raw primitive
 * (CKM_RSA_X_509) is fed with, verification and encryption with public keys, and the
 * removal of encryption padding after the token's raw decryption; see crypto.h.
 *
 * Encodings follow PKCS #1 v2.2 (RFC 8017): EMSA-PKCS1-v1_5 (9.2, with the DigestInfo
 * prefixes of its note 1, and of NIST's OIDs for SHA-3), EMSA-PSS (9.1) with MGF1 (B.2.1).
 * Padding removal uses OpenSSL's constant-time RSA_padding_check_PKCS1_type_2 and
 * RSA_padding_check_PKCS1_OAEP_mgf1 (deprecated in 3.0, still the only public
 * constant-time routines that work on a block decrypted elsewhere).
 */
#define OPENSSL_SUPPRESS_DEPRECATED
#include "crypto.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>

CK_RV crypto_rsa_pkcs1_encode(CK_MECHANISM_TYPE hash, const uint8_t *in, size_t in_len,
			      uint8_t *em, size_t k)
{
	const uint8_t *prefix = NULL;
	size_t plen = 0, t_len;

	if (hash != 0) {
		/* the DigestInfo of RFC 8017 9.2 note 1, from spec/mechanisms.yaml */
		prefix = crypto_digest_info(hash, &plen);
		if (prefix == NULL)
			return CKR_MECHANISM_INVALID;
		if (in_len != crypto_md_size(hash))
			return CKR_DATA_LEN_RANGE;
	}
	t_len = plen + in_len;
	if (k < 11 || t_len > k - 11)
		return CKR_DATA_LEN_RANGE;
	em[0] = 0x00;
	em[1] = 0x01;
	memset(em + 2, 0xff, k - t_len - 3);
	em[k - t_len - 1] = 0x00;
	if (plen > 0)
		memcpy(em + k - t_len, prefix, plen);
	if (in_len > 0)
		memcpy(em + k - in_len, in, in_len);
	return CKR_OK;
}

/* MGF1 (RFC 8017 B.2.1): mask ^= MGF1(seed)[0..len). */
static CK_RV crypto_mgf1_xor(const EVP_MD *md, const uint8_t *seed, size_t seed_len,
			     uint8_t *mask, size_t len)
{
	uint8_t block[CRYPTO_MD_MAX], cnt[4];
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	size_t done = 0, i, n;
	unsigned int hl = 0;
	uint32_t counter = 0;
	CK_RV rv = CKR_OK;

	if (c == NULL)
		return CKR_HOST_MEMORY;
	while (done < len) {
		cnt[0] = (uint8_t)(counter >> 24);
		cnt[1] = (uint8_t)(counter >> 16);
		cnt[2] = (uint8_t)(counter >> 8);
		cnt[3] = (uint8_t)counter;
		if (!EVP_DigestInit_ex(c, md, NULL) || !EVP_DigestUpdate(c, seed, seed_len) ||
		    !EVP_DigestUpdate(c, cnt, sizeof cnt) || !EVP_DigestFinal_ex(c, block, &hl) ||
		    hl == 0) {
			rv = CKR_FUNCTION_FAILED;
			goto out;
		}
		n = len - done < hl ? len - done : hl;
		for (i = 0; i < n; i++)
			mask[done + i] ^= block[i];
		done += n;
		counter++;
	}
out:
	OPENSSL_cleanse(block, sizeof block);
	EVP_MD_CTX_free(c);
	return rv;
}

CK_RV crypto_rsa_pss_encode(CK_MECHANISM_TYPE hash, CK_MECHANISM_TYPE mgf_hash, size_t slen,
			    const uint8_t *mhash, size_t hlen, uint8_t *em, size_t k,
			    size_t mod_bits)
{
	static const uint8_t zeros[8];
	const EVP_MD *md = crypto_md(hash), *mgf = crypto_md(mgf_hash);
	size_t em_bits = mod_bits - 1, em_len = (em_bits + 7) / 8, db_len;
	uint8_t salt[512], h[CRYPTO_MD_MAX], *e;
	EVP_MD_CTX *c = NULL;
	unsigned int hl = 0;
	CK_RV rv = CKR_OK;

	if (md == NULL || mgf == NULL)
		return CKR_MECHANISM_INVALID;
	if (hlen != crypto_md_size(hash))
		return CKR_DATA_LEN_RANGE;
	if (mod_bits < 2 || em_len > k || slen > sizeof salt || em_len < hlen + slen + 2)
		return CKR_KEY_SIZE_RANGE;
	ERR_set_mark();
	rv = crypto_random(salt, slen);
	if (rv != CKR_OK)
		goto out;
	c = EVP_MD_CTX_new();
	if (c == NULL) {
		rv = CKR_HOST_MEMORY;
		goto out;
	}
	if (!EVP_DigestInit_ex(c, md, NULL) || !EVP_DigestUpdate(c, zeros, sizeof zeros) ||
	    !EVP_DigestUpdate(c, mhash, hlen) || (slen > 0 && !EVP_DigestUpdate(c, salt, slen)) ||
	    !EVP_DigestFinal_ex(c, h, &hl) || hl != hlen) {
		rv = CKR_FUNCTION_FAILED;
		goto out;
	}
	/* em = 00.. (k - emLen) || maskedDB || H || bc */
	memset(em, 0, k);
	e = em + (k - em_len);
	db_len = em_len - hlen - 1;
	e[db_len - slen - 1] = 0x01;
	memcpy(e + db_len - slen, salt, slen);
	rv = crypto_mgf1_xor(mgf, h, hlen, e, db_len);
	if (rv != CKR_OK)
		goto out;
	e[0] &= (uint8_t)(0xff >> (8 * em_len - em_bits));
	memcpy(e + db_len, h, hlen);
	e[em_len - 1] = 0xbc;
out:
	OPENSSL_cleanse(salt, sizeof salt);
	EVP_MD_CTX_free(c);
	ERR_pop_to_mark();
	return rv;
}

CK_RV crypto_rsa_pkey(const uint8_t *n, size_t n_len, const uint8_t *e, size_t e_len,
		      EVP_PKEY **out)
{
	OSSL_LIB_CTX *lctx = crypto_libctx();
	OSSL_PARAM_BLD *bld = NULL;
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *pc = NULL;
	BIGNUM *bn = NULL, *be = NULL;
	CK_RV rv = CKR_OK;

	*out = NULL;
	if (lctx == NULL)
		return CKR_FUNCTION_FAILED;
	if (crypto_be_len(n, n_len) == 0 || crypto_be_len(e, e_len) == 0)
		return CKR_KEY_TYPE_INCONSISTENT;
	*out = crypto_kept_take(CRYPTO_KEPT_RSA, n, n_len, e, e_len);
	if (*out != NULL)
		return CKR_OK;
	ERR_set_mark();
	bn = BN_bin2bn(n, (int)n_len, NULL);
	be = BN_bin2bn(e, (int)e_len, NULL);
	bld = OSSL_PARAM_BLD_new();
	if (bn == NULL || be == NULL || bld == NULL ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, be)) {
		rv = CKR_HOST_MEMORY;
		goto out;
	}
	params = OSSL_PARAM_BLD_to_param(bld);
	pc = EVP_PKEY_CTX_new_from_name(lctx, "RSA", NULL);
	if (params == NULL || pc == NULL) {
		rv = CKR_HOST_MEMORY;
		goto out;
	}
	if (EVP_PKEY_fromdata_init(pc) != 1 ||
	    EVP_PKEY_fromdata(pc, out, EVP_PKEY_PUBLIC_KEY, params) != 1)
		rv = CKR_FUNCTION_FAILED;
	else
		crypto_kept_put(CRYPTO_KEPT_RSA, n, n_len, e, e_len, *out);
out:
	EVP_PKEY_CTX_free(pc);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_free(bn);
	BN_free(be);
	ERR_pop_to_mark();
	return rv;
}

static size_t crypto_rsa_k(EVP_PKEY *pk)
{
	int s = EVP_PKEY_get_size(pk);

	return s > 0 ? (size_t)s : 0;
}

/* m = s^e mod n, as k bytes; CKR_SIGNATURE_INVALID when s >= n. */
static CK_RV crypto_rsa_public_raw(EVP_PKEY *pk, const uint8_t *sig, size_t k, uint8_t *m)
{
	OSSL_LIB_CTX *lctx = crypto_libctx();
	EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new_from_pkey(lctx, pk, NULL);
	size_t mlen = k;
	CK_RV rv = CKR_OK;

	if (pc == NULL)
		return CKR_HOST_MEMORY;
	if (EVP_PKEY_verify_recover_init(pc) != 1 ||
	    EVP_PKEY_CTX_set_rsa_padding(pc, RSA_NO_PADDING) != 1) {
		rv = CKR_FUNCTION_FAILED;
		goto out;
	}
	if (EVP_PKEY_verify_recover(pc, m, &mlen, sig, k) != 1 || mlen > k) {
		rv = CKR_SIGNATURE_INVALID;
		goto out;
	}
	if (mlen < k) {         /* right-align, as a k-byte block */
		memmove(m + (k - mlen), m, mlen);
		memset(m, 0, k - mlen);
	}
out:
	EVP_PKEY_CTX_free(pc);
	return rv;
}

static CK_RV crypto_rsa_pss_verify(EVP_PKEY *pk, const struct crypto_rsa_params *p,
				   const uint8_t *in, size_t in_len, const uint8_t *sig,
				   size_t sig_len)
{
	OSSL_LIB_CTX *lctx = crypto_libctx();
	const EVP_MD *md = crypto_md(p->hash), *mgf = crypto_md(p->mgf_hash);
	EVP_PKEY_CTX *pc = NULL;
	CK_RV rv = CKR_OK;
	int r;

	if (md == NULL || mgf == NULL)
		return CKR_MECHANISM_INVALID;
	if (in_len != crypto_md_size(p->hash))
		return CKR_DATA_LEN_RANGE;
	pc = EVP_PKEY_CTX_new_from_pkey(lctx, pk, NULL);
	if (pc == NULL)
		return CKR_HOST_MEMORY;
	if (EVP_PKEY_verify_init(pc) != 1 ||
	    EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PSS_PADDING) != 1 ||
	    EVP_PKEY_CTX_set_signature_md(pc, md) != 1 ||
	    EVP_PKEY_CTX_set_rsa_mgf1_md(pc, mgf) != 1 ||
	    EVP_PKEY_CTX_set_rsa_pss_saltlen(pc, (int)p->slen) != 1) {
		rv = CKR_FUNCTION_FAILED;
		goto out;
	}
	r = EVP_PKEY_verify(pc, sig, sig_len, in, in_len);
	rv = r == 1 ? CKR_OK : CKR_SIGNATURE_INVALID;
out:
	EVP_PKEY_CTX_free(pc);
	return rv;
}

CK_RV crypto_rsa_verify(EVP_PKEY *pk, const struct crypto_rsa_params *p, const uint8_t *in,
			size_t in_len, const uint8_t *sig, size_t sig_len)
{
	size_t k = crypto_rsa_k(pk);
	uint8_t *m = NULL, *want = NULL;
	CK_RV rv = CKR_OK;

	if (k == 0)
		return CKR_FUNCTION_FAILED;
	if (sig_len != k)
		return CKR_SIGNATURE_LEN_RANGE;
	ERR_set_mark();
	if (p->pad == CRYPTO_PAD_PSS) {
		rv = crypto_rsa_pss_verify(pk, p, in, in_len, sig, sig_len);
		goto out;
	}
	m = malloc(k);
	want = malloc(k);
	if (m == NULL || want == NULL) {
		rv = CKR_HOST_MEMORY;
		goto out;
	}
	if (p->pad == CRYPTO_PAD_PKCS1) {
		rv = crypto_rsa_pkcs1_encode(p->hash, in, in_len, want, k);
	} else if (p->pad == CRYPTO_PAD_X509) {
		if (in_len > k) {
			rv = CKR_DATA_LEN_RANGE;
		} else {
			memset(want, 0, k - in_len);
			memcpy(want + (k - in_len), in, in_len);
		}
	} else {
		rv = CKR_MECHANISM_INVALID;
	}
	if (rv != CKR_OK)
		goto out;
	rv = crypto_rsa_public_raw(pk, sig, k, m);
	if (rv != CKR_OK)
		goto out;
	if (CRYPTO_memcmp(m, want, k) != 0)
		rv = CKR_SIGNATURE_INVALID;
out:
	free(m);
	free(want);
	ERR_pop_to_mark();
	return rv;
}

CK_RV crypto_rsa_recover(EVP_PKEY *pk, enum crypto_rsa_pad pad, const uint8_t *sig,
			 size_t sig_len, uint8_t *out, size_t *out_len)
{
	OSSL_LIB_CTX *lctx = crypto_libctx();
	size_t k = crypto_rsa_k(pk), mlen = k;
	EVP_PKEY_CTX *pc;
	CK_RV rv = CKR_OK;

	if (k == 0)
		return CKR_FUNCTION_FAILED;
	if (sig_len != k)
		return CKR_SIGNATURE_LEN_RANGE;
	if (pad == CRYPTO_PAD_X509) {
		rv = crypto_rsa_public_raw(pk, sig, k, out);    /* the whole block */
		if (rv == CKR_OK)
			*out_len = k;
		return rv;
	}
	if (pad != CRYPTO_PAD_PKCS1)
		return CKR_MECHANISM_INVALID;
	/* OpenSSL's public decryption with PKCS #1 padding and no digest set checks the
	 * type 1 block (00 01 FF.. 00, eight FF at least) and gives T */
	ERR_set_mark();
	pc = EVP_PKEY_CTX_new_from_pkey(lctx, pk, NULL);
	if (pc == NULL) {
		rv = CKR_HOST_MEMORY;
	} else if (EVP_PKEY_verify_recover_init(pc) != 1 ||
		   EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PADDING) != 1) {
		rv = CKR_FUNCTION_FAILED;
	} else if (EVP_PKEY_verify_recover(pc, out, &mlen, sig, k) != 1 || mlen > k - 11) {
		rv = CKR_SIGNATURE_INVALID;
	} else {
		*out_len = mlen;
	}
	EVP_PKEY_CTX_free(pc);
	ERR_pop_to_mark();
	return rv;
}

CK_RV crypto_rsa_encrypt(EVP_PKEY *pk, const struct crypto_rsa_params *p, const uint8_t *in,
			 size_t in_len, uint8_t *out, size_t *out_len)
{
	OSSL_LIB_CTX *lctx = crypto_libctx();
	size_t k = crypto_rsa_k(pk), hl, olen;
	EVP_PKEY_CTX *pc = NULL;
	uint8_t *block = NULL, *label = NULL;
	const uint8_t *src = in;
	int pad;
	CK_RV rv = CKR_OK;

	if (k == 0)
		return CKR_FUNCTION_FAILED;
	switch (p->pad) {
	case CRYPTO_PAD_X509:
		if (in_len > k)
			return CKR_DATA_LEN_RANGE;
		pad = RSA_NO_PADDING;
		break;
	case CRYPTO_PAD_PKCS1:
		if (k < 11 || in_len > k - 11)
			return CKR_DATA_LEN_RANGE;
		pad = RSA_PKCS1_PADDING;
		break;
	case CRYPTO_PAD_OAEP:
		hl = crypto_md_size(p->hash);
		if (crypto_md(p->hash) == NULL || crypto_md(p->mgf_hash) == NULL)
			return CKR_MECHANISM_PARAM_INVALID;
		if (k < 2 * hl + 2 || in_len > k - 2 * hl - 2)
			return CKR_DATA_LEN_RANGE;
		pad = RSA_PKCS1_OAEP_PADDING;
		break;
	default:
		return CKR_MECHANISM_INVALID;
	}
	ERR_set_mark();
	if (p->pad == CRYPTO_PAD_X509) {
		block = malloc(k);
		if (block == NULL) {
			rv = CKR_HOST_MEMORY;
			goto out;
		}
		memset(block, 0, k - in_len);
		memcpy(block + (k - in_len), in, in_len);
		src = block;
		in_len = k;
	}
	pc = EVP_PKEY_CTX_new_from_pkey(lctx, pk, NULL);
	if (pc == NULL) {
		rv = CKR_HOST_MEMORY;
		goto out;
	}
	if (EVP_PKEY_encrypt_init(pc) != 1 || EVP_PKEY_CTX_set_rsa_padding(pc, pad) != 1) {
		rv = CKR_FUNCTION_FAILED;
		goto out;
	}
	if (p->pad == CRYPTO_PAD_OAEP) {
		if (EVP_PKEY_CTX_set_rsa_oaep_md(pc, crypto_md(p->hash)) != 1 ||
		    EVP_PKEY_CTX_set_rsa_mgf1_md(pc, crypto_md(p->mgf_hash)) != 1) {
			rv = CKR_FUNCTION_FAILED;
			goto out;
		}
		if (p->label_len > 0) {
			label = OPENSSL_memdup(p->label, p->label_len);
			if (label == NULL) {
				rv = CKR_HOST_MEMORY;
				goto out;
			}
			if (EVP_PKEY_CTX_set0_rsa_oaep_label(pc, label, (int)p->label_len) != 1) {
				rv = CKR_FUNCTION_FAILED;
				goto out;
			}
			label = NULL;   /* the context owns it */
		}
	}
	olen = k;
	if (EVP_PKEY_encrypt(pc, out, &olen, src, in_len) != 1) {
		/* only a raw block can be refused: it is not below the modulus */
		rv = p->pad == CRYPTO_PAD_X509 ? CKR_DATA_INVALID : CKR_FUNCTION_FAILED;
		goto out;
	}
	*out_len = olen;
out:
	OPENSSL_free(label);
	EVP_PKEY_CTX_free(pc);
	if (block != NULL) {
		OPENSSL_cleanse(block, k);
		free(block);
	}
	ERR_pop_to_mark();
	return rv;
}

CK_RV crypto_rsa_unpad(const struct crypto_rsa_params *p, const uint8_t *em, size_t k,
		       uint8_t *out, size_t *out_len)
{
	int r = -1;
	CK_RV rv = CKR_OK;

	if (k == 0 || k > 8192)
		return CKR_ENCRYPTED_DATA_LEN_RANGE;
	ERR_set_mark();
	switch (p->pad) {
	case CRYPTO_PAD_X509:
		memcpy(out, em, k);
		r = (int)k;
		break;
	case CRYPTO_PAD_PKCS1:
		r = RSA_padding_check_PKCS1_type_2(out, (int)k, em, (int)k, (int)k);
		break;
	case CRYPTO_PAD_OAEP:
		if (crypto_md(p->hash) == NULL || crypto_md(p->mgf_hash) == NULL) {
			rv = CKR_MECHANISM_PARAM_INVALID;
			goto out;
		}
		r = RSA_padding_check_PKCS1_OAEP_mgf1(out, (int)k, em, (int)k, (int)k, p->label,
						      (int)p->label_len, crypto_md(p->hash),
						      crypto_md(p->mgf_hash));
		break;
	default:
		rv = CKR_MECHANISM_INVALID;
		goto out;
	}
	if (r < 0)
		rv = CKR_ENCRYPTED_DATA_INVALID;
	else
		*out_len = (size_t)r;
out:
	ERR_pop_to_mark();
	return rv;
}
