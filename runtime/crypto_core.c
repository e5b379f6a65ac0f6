/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * crypto_core.c — the private OpenSSL library context, digests and random bytes; see
 * crypto.h.
 *
 * The context loads "default" and "gostprov" (libengine-gost-openssl's provider: GOST R
 * 34.11-2012 Streebog-256/512 and GOST R 34.11-94) by name, without reading openssl.cnf.
 * When gostprov is absent the GOST digests are simply unavailable; everything else works.
 */
#include "crypto.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/provider.h>
#include <openssl/rand.h>

#include "log.h"
#include "sk_names.h"

static pthread_mutex_t crypto_mutex = PTHREAD_MUTEX_INITIALIZER;
/* published with release order once made (crypto_libctx reads it without the mutex) */
static OSSL_LIB_CTX *_Atomic crypto_ctx;
static OSSL_PROVIDER *crypto_prov_default, *crypto_prov_gost;

/* The digests are generated/sk_names.c's sk_digests (spec/mechanisms.yaml `digest:`); each
 * is fetched once from its provider in the private context and kept here, by its row.
 * Written once under crypto_mutex (tried last, with release order), read without it:
 * C_DigestInit takes no lock of this file. crypto_fini (C_Finalize, when no call is
 * inside the module) clears them. */
#define CRYPTO_MD_SLOTS 64
static EVP_MD *_Atomic crypto_md_cache[CRYPTO_MD_SLOTS];
static atomic_int crypto_md_tried[CRYPTO_MD_SLOTS];

static int crypto_gost_told;

static OSSL_LIB_CTX *crypto_libctx_inlock(void)
{
	OSSL_LIB_CTX *ctx = atomic_load_explicit(&crypto_ctx, memory_order_relaxed);

	if (ctx != NULL)
		return ctx;
	ctx = OSSL_LIB_CTX_new();
	if (ctx == NULL)
		return NULL;
	crypto_prov_default = OSSL_PROVIDER_load(ctx, "default");
	if (crypto_prov_default == NULL) {
		OSSL_LIB_CTX_free(ctx);
		log_msg(LOG_ERROR, "crypto: cannot load OpenSSL's default provider");
		return NULL;
	}
	crypto_prov_gost = OSSL_PROVIDER_load(ctx, "gostprov");
	if (crypto_prov_gost == NULL && !crypto_gost_told) {
		/* said once per process, in the debug log only (stderr stays the application's) */
		crypto_gost_told = 1;
		log_msg(LOG_ERROR, "crypto: no gostprov provider (package libengine-gost-openssl): "
			"the GOST R 34.11 digests and the GOST R 34.10 hash-and-sign mechanisms "
			"are not offered");
	}
	atomic_store_explicit(&crypto_ctx, ctx, memory_order_release);
	return ctx;
}

int crypto_have_gost(void)
{
	int have;

	if (crypto_libctx() == NULL)
		return 0;
	pthread_mutex_lock(&crypto_mutex);
	have = crypto_prov_gost != NULL;
	pthread_mutex_unlock(&crypto_mutex);
	return have;
}

OSSL_LIB_CTX *crypto_libctx(void)
{
	OSSL_LIB_CTX *ctx = atomic_load_explicit(&crypto_ctx, memory_order_acquire);

	if (ctx != NULL)
		return ctx;     /* every use but the first: no lock */
	pthread_mutex_lock(&crypto_mutex);
	ERR_set_mark();
	ctx = crypto_libctx_inlock();
	ERR_pop_to_mark();
	pthread_mutex_unlock(&crypto_mutex);
	return ctx;
}

/* What the other crypto files free at crypto_fini, before the context (crypto_on_fini). */
#define CRYPTO_FINI_MAX 4
static void (*crypto_fini_fns[CRYPTO_FINI_MAX])(void);

void crypto_on_fini(void (*fn)(void))
{
	size_t i;

	pthread_mutex_lock(&crypto_mutex);
	for (i = 0; i < CRYPTO_FINI_MAX && crypto_fini_fns[i] != fn; i++)
		if (crypto_fini_fns[i] == NULL) {
			crypto_fini_fns[i] = fn;
			break;
		}
	pthread_mutex_unlock(&crypto_mutex);
}

void crypto_fini(void)
{
	void (*fns[CRYPTO_FINI_MAX])(void);
	size_t i;

	pthread_mutex_lock(&crypto_mutex);
	memcpy(fns, crypto_fini_fns, sizeof fns);
	pthread_mutex_unlock(&crypto_mutex);
	for (i = 0; i < CRYPTO_FINI_MAX; i++)
		if (fns[i] != NULL)
			fns[i]();
	pthread_mutex_lock(&crypto_mutex);
	for (i = 0; i < CRYPTO_MD_SLOTS; i++) {
		atomic_store(&crypto_md_tried[i], 0);
		EVP_MD_free(atomic_exchange(&crypto_md_cache[i], NULL));
	}
	if (crypto_prov_gost != NULL)
		OSSL_PROVIDER_unload(crypto_prov_gost);
	if (crypto_prov_default != NULL)
		OSSL_PROVIDER_unload(crypto_prov_default);
	crypto_prov_gost = crypto_prov_default = NULL;
	OSSL_LIB_CTX_free(atomic_exchange(&crypto_ctx, NULL));
	pthread_mutex_unlock(&crypto_mutex);
}

/* The row of a digest in sk_digests, or NULL (also when the table outgrew the cache). */
static const struct sk_digest *crypto_md_entry(CK_MECHANISM_TYPE hash, size_t *idx)
{
	const struct sk_digest *d = sk_digest_of(hash);
	size_t i = d != NULL ? (size_t)(d - sk_digests) : 0;

	if (d == NULL || i >= CRYPTO_MD_SLOTS)
		return NULL;
	if (idx != NULL)
		*idx = i;
	return d;
}

/* The first use of a digest: fetch it, under the mutex, and publish the result. */
static const EVP_MD *crypto_md_fetch(const struct sk_digest *e, size_t i)
{
	OSSL_LIB_CTX *ctx;
	EVP_MD *md = NULL;
	char props[48];

	pthread_mutex_lock(&crypto_mutex);
	ERR_set_mark();
	if (atomic_load_explicit(&crypto_md_tried[i], memory_order_relaxed)) {
		md = atomic_load_explicit(&crypto_md_cache[i], memory_order_relaxed);
		goto out;
	}
	ctx = crypto_libctx_inlock();
	if (ctx == NULL)
		goto out;
	/* from the provider the spec names; gostprov's algorithms carry no provider=
	 * property, and their names are its own */
	snprintf(props, sizeof props, "provider=%s", e->provider);
	md = EVP_MD_fetch(ctx, e->openssl, strcmp(e->provider, "default") == 0 ? props : NULL);
	if (md == NULL)
		log_msg(LOG_ERROR, "crypto: %s is not in OpenSSL's %s provider: "
			"that digest and its compositions are not offered", e->openssl,
			e->provider);
	atomic_store_explicit(&crypto_md_cache[i], md, memory_order_relaxed);
	/* release: a thread that sees tried sees the pointer too */
	atomic_store_explicit(&crypto_md_tried[i], 1, memory_order_release);
out:
	ERR_pop_to_mark();
	pthread_mutex_unlock(&crypto_mutex);
	return md;
}

const EVP_MD *crypto_md(CK_MECHANISM_TYPE hash)
{
	size_t i = 0;
	const struct sk_digest *e = crypto_md_entry(hash, &i);

	if (e == NULL)
		return NULL;
	/* every use after the first: one acquire load, no lock, nothing on the error queue */
	if (atomic_load_explicit(&crypto_md_tried[i], memory_order_acquire))
		return atomic_load_explicit(&crypto_md_cache[i], memory_order_relaxed);
	return crypto_md_fetch(e, i);
}

size_t crypto_md_size(CK_MECHANISM_TYPE hash)
{
	const struct sk_digest *e = sk_digest_of(hash);

	return e != NULL ? e->size : 0;
}

CK_MECHANISM_TYPE crypto_mgf_hash(CK_RSA_PKCS_MGF_TYPE mgf)
{
	size_t i;

	for (i = 0; i < sk_digests_count; i++)
		if (sk_digests[i].mgf != 0 && sk_digests[i].mgf == mgf)
			return sk_digests[i].mech;
	return 0;
}

const uint8_t *crypto_digest_info(CK_MECHANISM_TYPE hash, size_t *len)
{
	const struct sk_digest *e = sk_digest_of(hash);

	*len = e != NULL ? e->digest_info_len : 0;
	return e != NULL ? e->digest_info : NULL;
}

CK_MECHANISM_TYPE crypto_digest_by_name(const char *script_name)
{
	size_t i;

	for (i = 0; i < sk_digests_count; i++)
		if (strcmp(sk_digests[i].script, script_name) == 0)
			return sk_digests[i].mech;
	return 0;
}

CK_RV crypto_digest_new(CK_MECHANISM_TYPE hash, EVP_MD_CTX **out)
{
	const EVP_MD *md = crypto_md(hash);
	EVP_MD_CTX *c = NULL;
	CK_RV rv = CKR_OK;

	*out = NULL;
	if (md == NULL)
		return CKR_MECHANISM_INVALID;
	ERR_set_mark();
	c = EVP_MD_CTX_new();
	if (c == NULL) {
		rv = CKR_HOST_MEMORY;
		goto out;
	}
	if (!EVP_DigestInit_ex(c, md, NULL)) {
		rv = CKR_FUNCTION_FAILED;
		goto out;
	}
	*out = c;
	c = NULL;
out:
	EVP_MD_CTX_free(c);
	ERR_pop_to_mark();
	return rv;
}

CK_RV crypto_digest_update(EVP_MD_CTX *c, const uint8_t *p, size_t n)
{
	CK_RV rv = CKR_OK;

	if (n == 0)
		return CKR_OK;
	ERR_set_mark();
	if (!EVP_DigestUpdate(c, p, n))
		rv = CKR_FUNCTION_FAILED;
	ERR_pop_to_mark();
	return rv;
}

CK_RV crypto_digest_final(EVP_MD_CTX *c, uint8_t *out, size_t *out_len)
{
	unsigned int n = 0;
	CK_RV rv = CKR_OK;

	ERR_set_mark();
	if (!EVP_DigestFinal_ex(c, out, &n))
		rv = CKR_FUNCTION_FAILED;
	ERR_pop_to_mark();
	*out_len = n;
	return rv;
}

CK_RV crypto_digest(CK_MECHANISM_TYPE hash, const uint8_t *p, size_t n, uint8_t *out,
		    size_t *out_len)
{
	EVP_MD_CTX *c = NULL;
	CK_RV rv = crypto_digest_new(hash, &c);

	if (rv == CKR_OK)
		rv = crypto_digest_update(c, p, n);
	if (rv == CKR_OK)
		rv = crypto_digest_final(c, out, out_len);
	EVP_MD_CTX_free(c);
	return rv;
}

CK_RV crypto_random(uint8_t *out, size_t n)
{
	OSSL_LIB_CTX *ctx = crypto_libctx();
	CK_RV rv = CKR_OK;

	if (n == 0)
		return CKR_OK;
	if (ctx == NULL)
		return CKR_FUNCTION_FAILED;
	ERR_set_mark();
	if (RAND_bytes_ex(ctx, out, n, 0) != 1)
		rv = CKR_FUNCTION_FAILED;
	ERR_pop_to_mark();
	return rv;
}

CK_RV crypto_aes_ecb_block(const uint8_t *key, size_t key_len, const uint8_t in[16],
			   uint8_t out[16])
{
	OSSL_LIB_CTX *ctx = crypto_libctx();
	const char *name = key_len == 16 ? "AES-128-ECB" : key_len == 24 ? "AES-192-ECB" :
			   key_len == 32 ? "AES-256-ECB" : NULL;
	EVP_CIPHER *cipher = NULL;
	EVP_CIPHER_CTX *c = NULL;
	int n1 = 0, n2 = 0;
	CK_RV rv = CKR_FUNCTION_FAILED;

	if (name == NULL)
		return CKR_KEY_SIZE_RANGE;
	if (ctx == NULL)
		return CKR_FUNCTION_FAILED;
	ERR_set_mark();
	cipher = EVP_CIPHER_fetch(ctx, name, NULL);
	c = EVP_CIPHER_CTX_new();
	if (cipher != NULL && c != NULL && EVP_EncryptInit_ex2(c, cipher, key, NULL, NULL) &&
	    EVP_CIPHER_CTX_set_padding(c, 0) && EVP_EncryptUpdate(c, out, &n1, in, 16) &&
	    EVP_EncryptFinal_ex(c, out + n1, &n2) && n1 + n2 == 16)
		rv = CKR_OK;
	EVP_CIPHER_CTX_free(c);
	EVP_CIPHER_free(cipher);
	ERR_pop_to_mark();
	return rv;
}

size_t crypto_be_len(const uint8_t *p, size_t n)
{
	while (n > 0 && *p == 0) {
		p++;
		n--;
	}
	return n;
}

size_t crypto_be_bits(const uint8_t *p, size_t n)
{
	uint8_t top;
	size_t bits;

	while (n > 0 && *p == 0) {
		p++;
		n--;
	}
	if (n == 0)
		return 0;
	bits = (n - 1) * 8;
	for (top = *p; top != 0; top >>= 1)
		bits++;
	return bits;
}
