/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * crypto_kept.c — public keys kept between operations; see crypto.h.
 *
 * A host verification (or public-key encryption) builds its OpenSSL key from the object's
 * attributes: the key management's fetch, the big numbers, and for RSA the Montgomery
 * set-up of its first operation, which OpenSSL then keeps in the key. Done at every
 * C_VerifyInit, that was half a verification's time (openssl speed verifies with one key
 * again and again). The last keys built are kept here with a copy of the bytes they were
 * built from, and an operation with the same bytes takes another reference to the same
 * key: public values only, nothing secret, and a key is used read-only (OpenSSL's keys may
 * be shared by threads that way). A lookup holds the table's read-mostly lock shared (no
 * locked instruction for the first threads, lock.h); keeping a new key, exclusive.
 */
#include "crypto.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "lock.h"

#define KEPT_MAX 8

struct kept_key {
	uint64_t hash;
	int kind;
	size_t a_len, b_len;
	uint8_t *bytes;         /* a then b */
	EVP_PKEY *pk;           /* the table's reference */
};

static struct kept_key kept[KEPT_MAX];
static unsigned kept_next;              /* the next place to take (round robin) */
static struct lock_rw kept_lk;
static atomic_int kept_ready;           /* the lock is made (C_Initialize) */

/* FNV-1a over kind, the lengths and the bytes. */
static uint64_t kept_hash(int kind, const uint8_t *a, size_t a_len, const uint8_t *b,
			  size_t b_len)
{
	uint64_t h = 14695981039346656037ULL ^ (uint64_t)kind;
	size_t i;

	h = (h ^ a_len) * 1099511628211ULL;
	for (i = 0; i < a_len; i++)
		h = (h ^ a[i]) * 1099511628211ULL;
	h = (h ^ b_len) * 1099511628211ULL;
	for (i = 0; i < b_len; i++)
		h = (h ^ b[i]) * 1099511628211ULL;
	return h;
}

static int kept_is(const struct kept_key *k, uint64_t h, int kind, const uint8_t *a,
		   size_t a_len, const uint8_t *b, size_t b_len)
{
	return k->pk != NULL && k->hash == h && k->kind == kind && k->a_len == a_len &&
	       k->b_len == b_len && memcmp(k->bytes, a, a_len) == 0 &&
	       memcmp(k->bytes + a_len, b, b_len) == 0;
}

CK_RV crypto_kept_init(void)
{
	CK_RV rv = lock_rw_create(&kept_lk);

	if (rv == CKR_OK)
		atomic_store(&kept_ready, 1);
	return rv;
}

void crypto_kept_fini(void)
{
	size_t i;

	if (!atomic_exchange(&kept_ready, 0))
		return;
	/* (C_Finalize: no call is inside the module any more) */
	for (i = 0; i < KEPT_MAX; i++) {
		EVP_PKEY_free(kept[i].pk);
		free(kept[i].bytes);
	}
	memset(kept, 0, sizeof kept);
	kept_next = 0;
	lock_rw_destroy(&kept_lk);
}

void crypto_kept_forget_after_fork(void)
{
	/* the parent's table and lock, as they were (another thread may have held it) */
	memset(kept, 0, sizeof kept);
	kept_next = 0;
	lock_rw_forget(&kept_lk);
	atomic_store(&kept_ready, 0);
}

EVP_PKEY *crypto_kept_take(int kind, const uint8_t *a, size_t a_len, const uint8_t *b,
			   size_t b_len)
{
	EVP_PKEY *pk = NULL;
	uint64_t h;
	size_t i;

	if (!atomic_load_explicit(&kept_ready, memory_order_acquire) ||
	    lock_rw_shared(&kept_lk) != CKR_OK)
		return NULL;
	h = kept_hash(kind, a, a_len, b, b_len);
	for (i = 0; i < KEPT_MAX && pk == NULL; i++)
		if (kept_is(&kept[i], h, kind, a, a_len, b, b_len) &&
		    EVP_PKEY_up_ref(kept[i].pk) == 1)
			pk = kept[i].pk;
	lock_rw_release(&kept_lk);
	return pk;
}

void crypto_kept_put(int kind, const uint8_t *a, size_t a_len, const uint8_t *b, size_t b_len,
		     EVP_PKEY *pk)
{
	uint64_t h;
	uint8_t *copy;
	struct kept_key *k;
	size_t i;

	if (!atomic_load_explicit(&kept_ready, memory_order_acquire) || a_len + b_len == 0)
		return;
	copy = malloc(a_len + b_len);
	if (copy == NULL)
		return;
	memcpy(copy, a, a_len);
	memcpy(copy + a_len, b, b_len);
	h = kept_hash(kind, a, a_len, b, b_len);
	if (lock_rw_exclusive(&kept_lk) != CKR_OK) {
		free(copy);
		return;
	}
	for (i = 0; i < KEPT_MAX; i++)
		if (kept_is(&kept[i], h, kind, a, a_len, b, b_len))
			break;          /* another thread kept it meanwhile */
	if (i == KEPT_MAX && EVP_PKEY_up_ref(pk) == 1) {
		k = &kept[kept_next++ % KEPT_MAX];
		/* a key given away keeps its own references: this is the table's only */
		EVP_PKEY_free(k->pk);
		free(k->bytes);
		k->hash = h;
		k->kind = kind;
		k->a_len = a_len;
		k->b_len = b_len;
		k->bytes = copy;
		k->pk = pk;
		copy = NULL;
	}
	lock_rw_release(&kept_lk);
	free(copy);
}
