/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * op_state.c — C_GetOperationState and C_SetOperationState (PKCS #11 3.2, 5.6): the
 * session's cryptographic operations as a byte string, and back, in this process.
 *
 * What can be saved: a digest of SHA-1 or SHA-2, whose running state is the low-level
 * library's plain struct (crypto_mdsave.c), and a hash-then-verify operation over them
 * with no mechanism parameter (CKM_SHA256_RSA_PKCS, CKM_ECDSA_SHA384 ...: its hash's state
 * and which public key it verifies with), in any session of this module and as often as
 * wanted. What cannot, with CKR_STATE_UNSAVEABLE, which the standard allows for any
 * operation whose state the module cannot give out: the other digests (OpenSSL 3 has no
 * export of an EVP digest's state), a digest that took a key with C_DigestKey (its state
 * would carry what the key put in, in the clear), the other verifications (a MAC's state
 * is derived from its key; PSS's parameter is not kept), signatures and decryptions (the
 * token's half of the work is no state here, and a token key's login state cannot be
 * carried over), and encryptions (a host cipher's state holds its key schedule).
 *
 * Keys (5.6): a restored verification needs its key as hAuthenticationKey
 * (CK_INVALID_HANDLE: CKR_KEY_NEEDED); one that is not the key it was saved with (its
 * class, type and public values, hashed into the state) is CKR_KEY_CHANGED; a key given
 * where the state needs none is CKR_KEY_NOT_NEEDED (hEncryptionKey always: no encryption is
 * saved). No cryptographic operation active: CKR_OPERATION_NOT_INITIALIZED; a search
 * (C_FindObjects*) is no cryptographic operation and is neither saved nor refused.
 *
 * The blob is the module's own, versioned (integers big-endian):
 *   "SKOS"  version (1)  count (1, 1 or 2)  then per operation:
 *   kind (1: digest, 2: verification)  mechanism (8)  marks (1: bit 0 multi-part, bit 1
 *   one-shot size query kept)  length (4)  state (a verification: its key's SHA-256
 *   fingerprint, 32 bytes, then the hash's state)
 *   and an HMAC-SHA-256 of everything before it under a key drawn at random once per
 *   process.
 * So a blob changed in any byte, cut short, or made by another process or another module
 * is CKR_SAVED_STATE_INVALID before any of it is read; the MAC's key never leaves the
 * process. Restoring checks all of it and the keys first, then replaces the session's
 * cryptographic operations with the saved ones (the state is the whole session's); each
 * restored operation goes on as the saved one would have.
 */
#include "op.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "crypto.h"
#include "obj.h"
#include "op_toksym.h"
#include "session.h"
#include "sk_dispatch.h"

#define ST_MAGIC "SKOS"
#define ST_VERSION 1
#define ST_KIND_DIGEST 1
#define ST_KIND_VERIFY 2
#define ST_HEAD 6               /* magic, version, count */
#define ST_OP_HEAD 14           /* kind, mechanism, marks, length */
#define ST_FP 32                /* a key's fingerprint */
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

/*
 * The fingerprint of public key h of session s: SHA-256 over its class, type and public
 * values (each as type, length, value). CKR_KEY_CHANGED when there is no such public key.
 */
static CK_RV st_fingerprint(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE h, uint8_t *fp)
{
	static const CK_ATTRIBUTE_TYPE types[] = {
		CKA_MODULUS, CKA_PUBLIC_EXPONENT, CKA_EC_PARAMS, CKA_EC_POINT, CKA_VALUE,
		CKA_GOSTR3410_PARAMS,
	};
	struct crypto_mdsave *md = NULL;
	const struct lb_attr *a;
	struct obj_view v;
	uint8_t head[3 * 8];
	size_t i, n = 0;
	CK_RV rv = obj_view(s, h, &v);

	if (rv != CKR_OK)
		return rv == CKR_HOST_MEMORY ? rv : CKR_KEY_CHANGED;
	if (v.cls != CKO_PUBLIC_KEY) {
		rv = CKR_KEY_CHANGED;
		goto out;
	}
	rv = crypto_mdsave_new(CKM_SHA256, &md);
	st_put_be(head, v.cls, 8);
	st_put_be(head + 8, v.key_type, 8);
	if (rv == CKR_OK)
		rv = crypto_mdsave_update(md, head, 16);
	for (i = 0; rv == CKR_OK && i < sizeof types / sizeof types[0]; i++) {
		a = obj_view_attr(&v, types[i]);
		if (a == NULL)
			continue;
		st_put_be(head, types[i], 8);
		st_put_be(head + 8, a->len, 8);
		rv = crypto_mdsave_update(md, head, 16);
		if (rv == CKR_OK && a->len > 0)
			rv = crypto_mdsave_update(md, a->value, a->len);
	}
	if (rv == CKR_OK)
		rv = crypto_mdsave_final(md, fp, &n);
out:
	crypto_mdsave_free(md);
	obj_view_free(&v);
	return rv;
}

/* The operations whose state is never saved (see above). */
static const enum op_kind st_other_kinds[] = {
	OP_ENCRYPT, OP_DECRYPT, OP_SIGN, OP_SIGN_RECOVER, OP_VERIFY_RECOVER,
};

#define ST_NOTHER (sizeof st_other_kinds / sizeof st_other_kinds[0])

/* A verification whose state is saved: hash-then-verify over SHA-1/SHA-2, no parameter. */
static int st_verify_saveable(const struct op_pk *o)
{
	return !o->p.m->ops->secret && o->p.m->hash != 0 && o->mst != NULL &&
	       o->p.m->param == SK_PRIM_PARAM_NONE;
}

/* One record at p (NULL: its length only). */
static size_t st_record(uint8_t *p, int kind, CK_MECHANISM_TYPE mech, int multipart,
			int oneshot, const uint8_t *fp, const struct crypto_mdsave *st)
{
	size_t slen = crypto_mdsave_export(st, NULL, 0) + (fp != NULL ? ST_FP : 0);

	if (p != NULL) {
		p[0] = (uint8_t)kind;
		st_put_be(p + 1, mech, 8);
		p[9] = (uint8_t)((multipart ? 1 : 0) | (oneshot ? 2 : 0));
		st_put_be(p + 10, slen, 4);
		if (fp != NULL)
			memcpy(p + ST_OP_HEAD, fp, ST_FP);
		crypto_mdsave_export(st, p + ST_OP_HEAD + (fp != NULL ? ST_FP : 0), slen);
	}
	return ST_OP_HEAD + slen;
}

CK_RV rt_GetOperationState(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pOperationState,
			   CK_ULONG_PTR pulOperationStateLen)
{
	uint8_t fp[ST_FP];
	struct sess_info si;
	struct op_digest *d = NULL;
	struct op *op = NULL;
	struct op_pk *vo = NULL;
	size_t i, need = ST_HEAD + ST_MAC;
	uint8_t *p;
	CK_RV rv = sess_call(hSession, &si);

	if (rv != CKR_OK)
		return rv;
	for (i = 0; i < ST_NOTHER; i++)
		if (op_active(hSession, st_other_kinds[i]) == CKR_OK)
			return CKR_STATE_UNSAVEABLE;
	/* held in the order of their kinds, as every caller takes two (op_dual.c) */
	rv = op_digest_get(hSession, &d);
	if (rv == CKR_OPERATION_NOT_INITIALIZED)
		d = NULL;
	else if (rv != CKR_OK)
		return rv;
	rv = op_acquire(hSession, OP_VERIFY, &op);
	if (rv == CKR_OK)
		vo = (struct op_pk *)op;
	else if (rv != CKR_OPERATION_NOT_INITIALIZED)
		goto out;
	rv = CKR_OK;
	if (d == NULL && vo == NULL) {
		rv = CKR_OPERATION_NOT_INITIALIZED;     /* nothing to save */
		goto out;
	}
	if ((d != NULL && (d->st == NULL || d->keyed)) ||
	    (vo != NULL && (op_toksym_is(&vo->op) || vo->op.sig_given || !st_verify_saveable(vo)))) {
		rv = CKR_STATE_UNSAVEABLE;
		goto out;
	}
	if (vo != NULL) {
		rv = st_fingerprint(hSession, vo->key, fp);
		if (rv == CKR_KEY_CHANGED)
			rv = CKR_STATE_UNSAVEABLE;      /* its key is gone: nothing to restore with */
		if (rv != CKR_OK)
			goto out;
	}
	if (d != NULL)
		need += st_record(NULL, ST_KIND_DIGEST, d->mech, d->multipart, d->oneshot, NULL,
				  d->st);
	if (vo != NULL)
		need += st_record(NULL, ST_KIND_VERIFY, vo->p.m->type, vo->multipart, 0, fp,
				  vo->mst);
	/* a state saved is no call of these operations: whatever this answers, they go on */
	if (!op_output_fits(pOperationState, pulOperationStateLen, need, &rv))
		goto out;
	p = pOperationState;
	memcpy(p, ST_MAGIC, 4);
	p[4] = ST_VERSION;
	p[5] = (uint8_t)((d != NULL) + (vo != NULL));
	p += ST_HEAD;
	if (d != NULL)
		p += st_record(p, ST_KIND_DIGEST, d->mech, d->multipart, d->oneshot, NULL, d->st);
	if (vo != NULL)
		st_record(p, ST_KIND_VERIFY, vo->p.m->type, vo->multipart, 0, fp, vo->mst);
	rv = st_mac(pOperationState, need - ST_MAC, pOperationState + need - ST_MAC);
	if (rv == CKR_OK)
		*pulOperationStateLen = need;
	else
		OPENSSL_cleanse(pOperationState, need);
out:
	if (vo != NULL)
		op_pk_put(vo, 0);
	if (d != NULL)
		op_release(&d->op, 0);
	OPENSSL_cleanse(fp, sizeof fp);
	return rv;
}

/* A record read back: its kind, mechanism, marks, fingerprint and the hash's state. */
struct st_rec {
	int kind;
	CK_MECHANISM_TYPE mech;
	unsigned marks;
	const uint8_t *fp;
	struct crypto_mdsave *st;
};

/* Parse one record at p[0..n): CKR_OK and its length in *used. */
static CK_RV st_parse(const uint8_t *p, size_t n, struct st_rec *r, size_t *used)
{
	const struct mech *m;
	size_t slen, off;

	if (n < ST_OP_HEAD)
		return CKR_SAVED_STATE_INVALID;
	r->kind = p[0];
	r->mech = (CK_MECHANISM_TYPE)st_get_be(p + 1, 8);
	r->marks = p[9];
	slen = (size_t)st_get_be(p + 10, 4);
	off = r->kind == ST_KIND_VERIFY ? ST_FP : 0;
	if ((r->kind != ST_KIND_DIGEST && r->kind != ST_KIND_VERIFY) || (r->marks & ~3u) != 0 ||
	    slen > n - ST_OP_HEAD || slen < off)
		return CKR_SAVED_STATE_INVALID;
	m = mech_find(r->mech);
	if (m == NULL || (r->kind == ST_KIND_DIGEST ? m->prim != MECH_DIGEST
						    : m->hash == 0 || !(m->host_flags & CKF_VERIFY) ||
						      m->param != SK_PRIM_PARAM_NONE))
		return CKR_SAVED_STATE_INVALID;
	r->fp = off > 0 ? p + ST_OP_HEAD : NULL;
	*used = ST_OP_HEAD + slen;
	return crypto_mdsave_import(r->kind == ST_KIND_DIGEST ? r->mech : m->hash,
				    p + ST_OP_HEAD + off, slen - off, &r->st);
}

/* Start the verification of record r with key h in session s, with its hash's state. */
static CK_RV st_resume_verify(CK_SESSION_HANDLE s, struct st_rec *r, CK_OBJECT_HANDLE h)
{
	CK_MECHANISM mech = { r->mech, NULL, 0 };
	struct op_pk *o;
	CK_RV rv = op_pk_init(s, OP_VERIFY, &mech, h);

	if (rv == CKR_KEY_HANDLE_INVALID || rv == CKR_KEY_TYPE_INCONSISTENT ||
	    rv == CKR_KEY_FUNCTION_NOT_PERMITTED || rv == CKR_KEY_SIZE_RANGE ||
	    rv == CKR_USER_NOT_LOGGED_IN)
		return CKR_KEY_CHANGED; /* not the key it was (its attributes changed since) */
	if (rv == CKR_MECHANISM_INVALID || rv == CKR_MECHANISM_PARAM_INVALID)
		return CKR_SAVED_STATE_INVALID;
	if (rv != CKR_OK)
		return rv;
	rv = op_pk_get(s, OP_VERIFY, &o);
	if (rv != CKR_OK)
		return rv;
	crypto_mdsave_free(o->mst);
	o->mst = r->st;
	r->st = NULL;
	o->multipart = (r->marks & 1) != 0;
	op_pk_put(o, 0);
	return CKR_OK;
}

CK_RV rt_SetOperationState(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pOperationState,
			   CK_ULONG ulOperationStateLen, CK_OBJECT_HANDLE hEncryptionKey,
			   CK_OBJECT_HANDLE hAuthenticationKey)
{
	uint8_t mac[ST_MAC], fp[ST_FP];
	struct sess_info si;
	struct st_rec recs[2];
	const uint8_t *p = pOperationState;
	size_t n = ulOperationStateLen, used, i, count = 0;
	int need_auth = 0;
	CK_RV rv = sess_call(hSession, &si);

	if (rv != CKR_OK)
		return rv;
	memset(recs, 0, sizeof recs);
	/* the MAC first: nothing of a blob this process did not make is read */
	if (p == NULL || n < ST_HEAD + ST_MAC)
		return CKR_SAVED_STATE_INVALID;
	rv = st_mac(p, n - ST_MAC, mac);
	if (rv != CKR_OK)
		return rv;
	if (CRYPTO_memcmp(mac, p + n - ST_MAC, ST_MAC) != 0)
		return CKR_SAVED_STATE_INVALID;
	n -= ST_MAC;
	if (memcmp(p, ST_MAGIC, 4) != 0 || p[4] != ST_VERSION || p[5] < 1 || p[5] > 2)
		return CKR_SAVED_STATE_INVALID;
	count = p[5];
	p += ST_HEAD;
	n -= ST_HEAD;
	for (i = 0; i < count; i++) {
		rv = st_parse(p, n, &recs[i], &used);
		if (rv != CKR_OK)
			goto out;
		p += used;
		n -= used;
		need_auth |= recs[i].kind == ST_KIND_VERIFY;
	}
	if (n != 0 || (count == 2 && recs[0].kind == recs[1].kind)) {
		rv = CKR_SAVED_STATE_INVALID;
		goto out;
	}
	/* the keys (5.6): the verification's, and no other */
	if (hEncryptionKey != CK_INVALID_HANDLE ||
	    (!need_auth && hAuthenticationKey != CK_INVALID_HANDLE)) {
		rv = CKR_KEY_NOT_NEEDED;
		goto out;
	}
	if (need_auth && hAuthenticationKey == CK_INVALID_HANDLE) {
		rv = CKR_KEY_NEEDED;
		goto out;
	}
	for (i = 0; i < count; i++) {
		if (recs[i].kind != ST_KIND_VERIFY)
			continue;
		rv = st_fingerprint(hSession, hAuthenticationKey, fp);
		if (rv == CKR_OK && CRYPTO_memcmp(fp, recs[i].fp, ST_FP) != 0)
			rv = CKR_KEY_CHANGED;
		if (rv != CKR_OK)
			goto out;
	}
	/* the state is the session's whole: what it does not hold ends */
	for (i = 0; i < ST_NOTHER; i++)
		op_end(hSession, st_other_kinds[i]);
	op_end(hSession, OP_DIGEST);
	op_end(hSession, OP_VERIFY);
	for (i = 0; i < count && rv == CKR_OK; i++) {
		if (recs[i].kind == ST_KIND_DIGEST) {
			rv = op_digest_resume(hSession, recs[i].mech, recs[i].st, recs[i].marks & 1,
					      (recs[i].marks & 2) != 0);
			recs[i].st = NULL;      /* taken, also on error */
		} else {
			rv = st_resume_verify(hSession, &recs[i], hAuthenticationKey);
		}
	}
	if (rv != CKR_OK) {
		/* all or nothing: what was restored before the failure goes too */
		op_end(hSession, OP_DIGEST);
		op_end(hSession, OP_VERIFY);
	}
out:
	for (i = 0; i < 2; i++)
		crypto_mdsave_free(recs[i].st);
	return rv;
}
