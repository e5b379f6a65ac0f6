/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * crypto_mdsave.c — SHA-1 and SHA-2 (224, 256, 384, 512) digests whose running state can
 * be saved and restored (C_GetOperationState / C_SetOperationState, op_state.c).
 *
 * OpenSSL 3's EVP_MD_CTX keeps a provider's state to itself: no call exports it, and
 * EVP_MD_CTX_copy only copies within the process. Its low-level SHA API (SHA_CTX,
 * SHA256_CTX, SHA512_CTX; deprecated in 3.0 but present, the same compression code the
 * default provider runs) has plain structs whose bytes are the whole state: the chaining
 * values, the length so far and the buffered part of a block. The digests are computed
 * here through that API, and their state is those bytes. A state read back is checked
 * for what the library's code relies on (the buffered count within a block, the output
 * length of its variant) before it is used; op_state.c authenticates the bytes first.
 * Other digests (SHA-3, SHA-512/224 and /256, the GOST ones) run through EVP and cannot
 * be saved: their operations answer CKR_STATE_UNSAVEABLE.
 */
#define OPENSSL_SUPPRESS_DEPRECATED     /* the low-level SHA API: see above */
#include "crypto.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/sha.h>

struct crypto_mdsave {
	CK_MECHANISM_TYPE hash;
	int embedded;           /* in the caller's memory (crypto_mdsave_new_in): not freed */
	union {
		SHA_CTX s1;
		SHA256_CTX s256;
		SHA512_CTX s512;
	} u;
};
_Static_assert(sizeof(struct crypto_mdsave) <= CRYPTO_MDSAVE_SPACE,
	       "CRYPTO_MDSAVE_SPACE holds a struct crypto_mdsave");

size_t crypto_mdsave_can(CK_MECHANISM_TYPE hash)
{
	switch (hash) {
	case CKM_SHA_1:
		return SHA_DIGEST_LENGTH;
	case CKM_SHA224:
		return SHA224_DIGEST_LENGTH;
	case CKM_SHA256:
		return SHA256_DIGEST_LENGTH;
	case CKM_SHA384:
		return SHA384_DIGEST_LENGTH;
	case CKM_SHA512:
		return SHA512_DIGEST_LENGTH;
	default:
		return 0;
	}
}

/* The size of the library's context for hash. */
static size_t crypto_mdsave_ctx_size(CK_MECHANISM_TYPE hash)
{
	switch (hash) {
	case CKM_SHA_1:
		return sizeof(SHA_CTX);
	case CKM_SHA224:
	case CKM_SHA256:
		return sizeof(SHA256_CTX);
	default:
		return sizeof(SHA512_CTX);
	}
}

/* Start a digest of hash in s (zeroed); 0 when the library refuses. */
static int crypto_mdsave_start(struct crypto_mdsave *s, CK_MECHANISM_TYPE hash)
{
	int ok;

	s->hash = hash;
	switch (hash) {
	case CKM_SHA_1:
		ok = SHA1_Init(&s->u.s1);
		break;
	case CKM_SHA224:
		ok = SHA224_Init(&s->u.s256);
		break;
	case CKM_SHA256:
		ok = SHA256_Init(&s->u.s256);
		break;
	case CKM_SHA384:
		ok = SHA384_Init(&s->u.s512);
		break;
	default:
		ok = SHA512_Init(&s->u.s512);
		break;
	}
	return ok == 1;
}

CK_RV crypto_mdsave_new(CK_MECHANISM_TYPE hash, struct crypto_mdsave **out)
{
	struct crypto_mdsave *s;

	if (!crypto_mdsave_can(hash))
		return CKR_MECHANISM_INVALID;
	s = calloc(1, sizeof *s);
	if (s == NULL)
		return CKR_HOST_MEMORY;
	if (!crypto_mdsave_start(s, hash)) {
		free(s);
		return CKR_FUNCTION_FAILED;
	}
	*out = s;
	return CKR_OK;
}

CK_RV crypto_mdsave_new_in(CK_MECHANISM_TYPE hash, void *mem, struct crypto_mdsave **out)
{
	struct crypto_mdsave *s = mem;

	if (!crypto_mdsave_can(hash))
		return CKR_MECHANISM_INVALID;
	memset(s, 0, sizeof *s);
	s->embedded = 1;
	if (!crypto_mdsave_start(s, hash)) {
		OPENSSL_cleanse(s, sizeof *s);
		return CKR_FUNCTION_FAILED;
	}
	*out = s;
	return CKR_OK;
}

CK_RV crypto_mdsave_update(struct crypto_mdsave *s, const uint8_t *p, size_t n)
{
	int ok = 1;

	if (n == 0)
		return CKR_OK;
	switch (s->hash) {
	case CKM_SHA_1:
		ok = SHA1_Update(&s->u.s1, p, n);
		break;
	case CKM_SHA224:
	case CKM_SHA256:
		ok = SHA256_Update(&s->u.s256, p, n);   /* SHA-224 shares it (md_len says) */
		break;
	default:
		ok = SHA512_Update(&s->u.s512, p, n);   /* and SHA-384 this one */
		break;
	}
	return ok == 1 ? CKR_OK : CKR_FUNCTION_FAILED;
}

CK_RV crypto_mdsave_final(struct crypto_mdsave *s, uint8_t *out, size_t *out_len)
{
	int ok;

	switch (s->hash) {
	case CKM_SHA_1:
		ok = SHA1_Final(out, &s->u.s1);
		break;
	case CKM_SHA224:
	case CKM_SHA256:
		ok = SHA256_Final(out, &s->u.s256);
		break;
	default:
		ok = SHA512_Final(out, &s->u.s512);
		break;
	}
	if (ok != 1)
		return CKR_FUNCTION_FAILED;
	*out_len = crypto_mdsave_can(s->hash);
	return CKR_OK;
}

void crypto_mdsave_free(struct crypto_mdsave *s)
{
	int embedded;

	if (s == NULL)
		return;
	embedded = s->embedded;
	/* what the library's context of this hash has (the union's larger members are
	 * never written for a smaller hash: zero, or never touched in st_space) */
	OPENSSL_cleanse(s, offsetof(struct crypto_mdsave, u) + crypto_mdsave_ctx_size(s->hash));
	if (!embedded)
		free(s);
}

size_t crypto_mdsave_export(const struct crypto_mdsave *s, uint8_t *out, size_t cap)
{
	size_t n = crypto_mdsave_ctx_size(s->hash);

	if (out != NULL && cap >= n)
		memcpy(out, &s->u, n);
	return n;
}

/* What the library's code relies on in a context: a buffered count within the block and
 * its variant's output length (SHA-224 and SHA-384 share the larger ones' code). */
static int crypto_mdsave_sane(const struct crypto_mdsave *s)
{
	switch (s->hash) {
	case CKM_SHA_1:
		return s->u.s1.num < SHA_CBLOCK;
	case CKM_SHA224:
		return s->u.s256.num < SHA_CBLOCK && s->u.s256.md_len == SHA224_DIGEST_LENGTH;
	case CKM_SHA256:
		return s->u.s256.num < SHA_CBLOCK && s->u.s256.md_len == SHA256_DIGEST_LENGTH;
	case CKM_SHA384:
		return s->u.s512.num < SHA512_CBLOCK && s->u.s512.md_len == SHA384_DIGEST_LENGTH;
	default:
		return s->u.s512.num < SHA512_CBLOCK && s->u.s512.md_len == SHA512_DIGEST_LENGTH;
	}
}

CK_RV crypto_mdsave_import(CK_MECHANISM_TYPE hash, const uint8_t *p, size_t n,
			   struct crypto_mdsave **out)
{
	struct crypto_mdsave *s;

	if (!crypto_mdsave_can(hash) || n != crypto_mdsave_ctx_size(hash))
		return CKR_SAVED_STATE_INVALID;
	s = calloc(1, sizeof *s);
	if (s == NULL)
		return CKR_HOST_MEMORY;
	s->hash = hash;
	memcpy(&s->u, p, n);
	if (!crypto_mdsave_sane(s)) {
		crypto_mdsave_free(s);
		return CKR_SAVED_STATE_INVALID;
	}
	*out = s;
	return CKR_OK;
}
