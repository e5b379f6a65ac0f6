/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * op_state.c — C_GetOperationState and C_SetOperationState (PKCS #11 3.2, 5.6): the
 * session's cryptographic operations as a byte string, and back, in this process.
 *
 * What can be saved: a digest of SHA-1 or SHA-2, whose running state is the low-level
 * library's plain struct (crypto_mdsave.c), in any session of this module and as often
 * as wanted. What cannot, with CKR_STATE_UNSAVEABLE, which the standard allows for any
 * operation whose state the module cannot give out: the other digests (OpenSSL 3 has no
 * export of an EVP digest's state), a digest that took a key with C_DigestKey (its state
 * would carry what the key put in, in the clear), and every key operation — a signature
 * or decryption runs on the token, whose half of the work is no state here, and a
 * host-side cipher, MAC or verification would put its key's schedule (or chaining values
 * derived from it) into the blob. Since only key-less states are saved, C_SetOperationState
 * needs no key: a key handle given is CKR_KEY_NOT_NEEDED (CKR_KEY_NEEDED and
 * CKR_KEY_CHANGED cannot arise). No cryptographic operation active:
 * CKR_OPERATION_NOT_INITIALIZED; a search (C_FindObjects*) is no cryptographic operation
 * and is neither saved nor refused.
 *
 * The blob is the module's own, versioned (integers big-endian):
 *   "SKOS"  version (1)  count (1)  then per operation:
 *   kind (1: digest)  mechanism (8)  marks (1: bit 0 multi-part, bit 1 one-shot size
 *   query kept)  length (4)  state
 *   and an HMAC-SHA-256 of everything before it under a key drawn at random once per
 *   process.
 * So a blob changed in any byte, cut short, or made by another process or another module
 * is CKR_SAVED_STATE_INVALID before any of it is read; the MAC's key never leaves the
 * process. Restoring replaces the session's cryptographic operations with the saved ones
 * (the state is the whole session's), and the restored digest goes on as the saved one
 * would have.
 */
#include "op.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "crypto.h"
#include "session.h"
#include "sk_dispatch.h"

#define ST_MAGIC "SKOS"
#define ST_VERSION 1
#define ST_KIND_DIGEST 1
#define ST_HEAD 6               /* magic, version, count */
#define ST_OP_HEAD 14           /* kind, mechanism, marks, length */
#define ST_MAC 32
#define ST_MAC_KEY 32

static uint8_t st_key[ST_MAC_KEY];
static pthread_once_t st_key_once = PTHREAD_ONCE_INIT;
static CK_RV st_key_rv = CKR_GENERAL_ERROR;

static void st_key_make(void)
{
	st_key_rv = crypto_random(st_key, sizeof st_key);
}

/* The blob's MAC of p[0..n) into mac (ST_MAC bytes). */
static CK_RV st_mac(const uint8_t *p, size_t n, uint8_t *mac)
{
	struct crypto_mac *m = NULL;
	size_t len = 0;
	CK_RV rv;

	if (pthread_once(&st_key_once, st_key_make) != 0)
		return CKR_GENERAL_ERROR;
	if (st_key_rv != CKR_OK)
		return st_key_rv;
	rv = crypto_mac_new("HMAC", "SHA2-256", NULL, st_key, sizeof st_key, &m, &len);
	if (rv == CKR_OK && len != ST_MAC)
		rv = CKR_GENERAL_ERROR;
	if (rv == CKR_OK)
		rv = crypto_mac_update(m, p, n);
	if (rv == CKR_OK)
		rv = crypto_mac_final(m, mac);
	crypto_mac_free(m);
	return rv;
}

static void st_put_be(uint8_t *p, uint64_t v, size_t n)
{
	while (n-- > 0) {
		p[n] = (uint8_t)v;
		v >>= 8;
	}
}

static uint64_t st_get_be(const uint8_t *p, size_t n)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

/* The key operations, whose state is not saved (see above). */
static const enum op_kind st_key_kinds[] = {
	OP_ENCRYPT, OP_DECRYPT, OP_SIGN, OP_VERIFY, OP_SIGN_RECOVER, OP_VERIFY_RECOVER,
};

#define ST_NKEY_KINDS (sizeof st_key_kinds / sizeof st_key_kinds[0])

CK_RV rt_GetOperationState(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pOperationState,
			   CK_ULONG_PTR pulOperationStateLen)
{
	struct sess_info si;
	struct op_digest *d;
	size_t i, slen, need;
	uint8_t *p;
	CK_RV rv = sess_call(hSession, &si);

	if (rv != CKR_OK)
		return rv;
	for (i = 0; i < ST_NKEY_KINDS; i++)
		if (op_active(hSession, st_key_kinds[i]) == CKR_OK)
			return CKR_STATE_UNSAVEABLE;
	rv = op_digest_get(hSession, &d);
	if (rv != CKR_OK)
		return rv;      /* CKR_OPERATION_NOT_INITIALIZED: nothing to save */
	if (d->st == NULL || d->keyed) {
		rv = CKR_STATE_UNSAVEABLE;
		goto out;
	}
	slen = crypto_mdsave_export(d->st, NULL, 0);
	need = ST_HEAD + ST_OP_HEAD + slen + ST_MAC;
	/* a state saved is no call of the digest: whatever this answers, it goes on */
	if (!op_output_fits(pOperationState, pulOperationStateLen, need, &rv))
		goto out;
	p = pOperationState;
	memcpy(p, ST_MAGIC, 4);
	p[4] = ST_VERSION;
	p[5] = 1;
	p += ST_HEAD;
	p[0] = ST_KIND_DIGEST;
	st_put_be(p + 1, d->mech, 8);
	p[9] = (uint8_t)((d->multipart ? 1 : 0) | (d->oneshot ? 2 : 0));
	st_put_be(p + 10, slen, 4);
	crypto_mdsave_export(d->st, p + ST_OP_HEAD, slen);
	rv = st_mac(pOperationState, need - ST_MAC, pOperationState + need - ST_MAC);
	if (rv == CKR_OK)
		*pulOperationStateLen = need;
	else
		OPENSSL_cleanse(pOperationState, need);
out:
	op_release(&d->op, 0);
	return rv;
}

CK_RV rt_SetOperationState(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pOperationState,
			   CK_ULONG ulOperationStateLen, CK_OBJECT_HANDLE hEncryptionKey,
			   CK_OBJECT_HANDLE hAuthenticationKey)
{
	uint8_t mac[ST_MAC];
	struct sess_info si;
	struct crypto_mdsave *st = NULL;
	const uint8_t *p = pOperationState;
	size_t n = ulOperationStateLen, slen, i;
	CK_MECHANISM_TYPE mech;
	unsigned marks;
	CK_RV rv = sess_call(hSession, &si);

	if (rv != CKR_OK)
		return rv;
	/* the MAC first: nothing of a blob this process did not make is read */
	if (p == NULL || n < ST_HEAD + ST_MAC)
		return CKR_SAVED_STATE_INVALID;
	rv = st_mac(p, n - ST_MAC, mac);
	if (rv != CKR_OK)
		return rv;
	if (CRYPTO_memcmp(mac, p + n - ST_MAC, ST_MAC) != 0)
		return CKR_SAVED_STATE_INVALID;
	n -= ST_MAC;
	if (memcmp(p, ST_MAGIC, 4) != 0 || p[4] != ST_VERSION || p[5] != 1 ||
	    n < ST_HEAD + ST_OP_HEAD)
		return CKR_SAVED_STATE_INVALID;
	p += ST_HEAD;
	n -= ST_HEAD;
	mech = (CK_MECHANISM_TYPE)st_get_be(p + 1, 8);
	marks = p[9];
	slen = (size_t)st_get_be(p + 10, 4);
	if (p[0] != ST_KIND_DIGEST || (marks & ~3u) != 0 || slen != n - ST_OP_HEAD ||
	    crypto_md(mech) == NULL)
		return CKR_SAVED_STATE_INVALID;
	/* a digest needs no key */
	if (hEncryptionKey != CK_INVALID_HANDLE || hAuthenticationKey != CK_INVALID_HANDLE)
		return CKR_KEY_NOT_NEEDED;
	rv = crypto_mdsave_import(mech, p + ST_OP_HEAD, slen, &st);
	if (rv != CKR_OK)
		return rv;
	/* the state is the session's whole: what it does not hold ends */
	for (i = 0; i < ST_NKEY_KINDS; i++)
		op_end(hSession, st_key_kinds[i]);
	op_end(hSession, OP_DIGEST);
	return op_digest_resume(hSession, mech, st, marks & 1, (marks & 2) != 0);
}
