/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * op_digest.c — C_DigestInit, C_Digest, C_DigestUpdate, C_DigestKey, C_DigestFinal on the
 * host, and C_GenerateRandom / C_SeedRandom.
 *
 * SHA-1 and SHA-2 run through crypto_mdsave (their state can be saved: op_state.c), the
 * other digests through EVP.
 *
 * Random bytes: the host's DRBG (in the private OpenSSL context), XORed with the token's
 * generator when the token reports one (CKF_RNG) and its script offers random(card, n).
 * Either source alone is then enough. The token's generator cannot be seeded:
 * C_SeedRandom answers CKR_RANDOM_SEED_NOT_SUPPORTED.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "crypto.h"
#include "log.h"
#include "mech.h"
#include "obj.h"
#include "op.h"
#include "opstate.h"
#include "util.h"
#include "session.h"
#include "sk_dispatch.h"
#include "token.h"

static void op_digest_destroy(struct op *op)
{
	struct op_digest *o = (struct op_digest *)op;

	EVP_MD_CTX_free(o->md);
	/* cleansed, in st_space or its own memory: after C_DigestKey it holds key-derived
	 * state. The rest of the operation (its mechanism, sizes and marks) is no secret. */
	crypto_mdsave_free(o->st);
	free(o);
}

CK_RV op_digest_get(CK_SESSION_HANDLE h, struct op_digest **out)
{
	struct sess_info si;
	struct op *op;
	CK_RV rv = sess_call(h, &si);

	if (rv == CKR_OK)
		rv = op_acquire(h, OP_DIGEST, &op);
	if (rv == CKR_OK)
		*out = (struct op_digest *)op;
	return rv;
}

static CK_RV op_digest_update(struct op_digest *o, const uint8_t *p, size_t n)
{
	if (p == NULL)
		p = (const uint8_t *)"";
	return o->st != NULL ? crypto_mdsave_update(o->st, p, n) : crypto_digest_update(o->md, p, n);
}

static CK_RV op_digest_final(struct op_digest *o, uint8_t *out, size_t *len)
{
	return o->st != NULL ? crypto_mdsave_final(o->st, out, len) : crypto_digest_final(o->md, out, len);
}

static struct op_digest *op_digest_new(CK_MECHANISM_TYPE mech)
{
	/* st_space is not zeroed here: crypto_mdsave_new_in starts a state in it */
	struct op_digest *o = malloc(sizeof *o);

	if (o == NULL)
		return NULL;
	UTIL_ZERO(o, offsetof(struct op_digest, st_space));
	o->op.kind = OP_DIGEST;
	o->op.destroy = op_digest_destroy;
	o->mech = mech;
	o->size = crypto_mdsave_can(mech);      /* (no look-up in the table for these) */
	if (o->size == 0)
		o->size = crypto_md_size(mech);
	return o;
}

/*
 * The entry points of these calls have checked the session's handle (sk_session) just
 * before, and the digest needs nothing else of the session: no sess_call here (it would
 * only copy what sk_session found). A session closed since is the slots' answer
 * (op_start, op_acquire: CKR_SESSION_CLOSED).
 */
CK_RV rt_DigestInit(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism)
{
	struct mech_params prm;
	struct op_digest *o = NULL;
	const struct mech *m;
	CK_RV rv;

	if (pMechanism == NULL) {
		/* 3.0 and later: an Init without a mechanism ends the active operation */
		op_end(hSession, OP_DIGEST);
		return CKR_OK;
	}
	m = mech_find(pMechanism->mechanism);
	if (m == NULL || m->prim != MECH_DIGEST || crypto_md(m->hash) == NULL)
		rv = CKR_MECHANISM_INVALID;
	else
		rv = mech_check_param(m, pMechanism, &prm);
	if (rv != CKR_OK) {
		/* an active digest answers first (op_start says it for a good mechanism; the
		 * session's slots are asked only here, on the way out) */
		return op_busy(hSession, OP_DIGEST) == CKR_OPERATION_ACTIVE ? CKR_OPERATION_ACTIVE
									     : rv;
	}
	o = op_digest_new(m->hash);
	if (o == NULL)
		return CKR_HOST_MEMORY;
	/* SHA-1 and SHA-2 through the API whose state C_GetOperationState can save */
	rv = crypto_mdsave_can(m->hash) ? crypto_mdsave_new_in(m->hash, o->st_space, &o->st)
					: crypto_digest_new(m->hash, &o->md);
	if (rv == CKR_OK)
		rv = op_start(hSession, &o->op);
	if (rv != CKR_OK)
		op_digest_destroy(&o->op);
	return rv;
}

CK_RV op_digest_resume(CK_SESSION_HANDLE h, CK_MECHANISM_TYPE mech, struct crypto_mdsave *st,
		       int multipart, int oneshot)
{
	struct op_digest *o = op_digest_new(mech);
	CK_RV rv;

	if (o == NULL) {
		crypto_mdsave_free(st);
		return CKR_HOST_MEMORY;
	}
	o->st = st;
	o->multipart = multipart;
	o->oneshot = oneshot;
	rv = op_start(h, &o->op);
	if (rv != CKR_OK)
		op_digest_destroy(&o->op);
	return rv;
}

/* What a C_Digest or C_DigestFinal brings (op_digest_ends). */
struct op_digest_call {
	int oneshot;
	const void *out;
	CK_ULONG room;
};

/* The call ends the operation: it is no size query (or it is refused, which ends it too). */
static int op_digest_ends(const struct op *op, void *arg)
{
	const struct op_digest *o = (const struct op_digest *)op;
	const struct op_digest_call *c = arg;

	if ((c->oneshot && o->multipart) || (!c->oneshot && o->oneshot))
		return 1;
	return c->out != NULL && c->room >= o->size;
}

static CK_RV op_digest_finish(CK_SESSION_HANDLE h, int oneshot, const uint8_t *data,
			      size_t len, CK_BYTE_PTR out, CK_ULONG_PTR pulOut)
{
	struct op_digest_call c = { oneshot, out, *pulOut };
	struct op_digest *o;
	struct op *op;
	size_t dlen = 0;
	int taken = 0;
	/* (no sess_call: see rt_DigestInit) in the usual case the operation is ours alone
	 * from here (op_acquire_ending) */
	CK_RV rv = op_acquire_ending(h, OP_DIGEST, op_digest_ends, &c, &op, &taken);

	if (rv != CKR_OK)
		return rv;
	o = (struct op_digest *)op;
	if ((oneshot && o->multipart) || (!oneshot && o->oneshot)) {
		rv = CKR_OPERATION_ACTIVE;      /* single- and multi-part calls do not mix */
		goto end;
	}
	if (!op_output_fits(out, pulOut, o->size, &rv)) {
		/* (never taken: op_digest_ends said so) */
		if (oneshot)
			o->oneshot = 1; /* a C_Digest size query: C_Digest must follow */
		op_release(&o->op, 0);
		return rv;
	}
	if (oneshot)
		rv = op_digest_update(o, data, len);
	if (rv == CKR_OK)
		rv = op_digest_final(o, out, &dlen);
	if (rv == CKR_OK)
		*pulOut = dlen;
end:
	if (taken)
		op_drop(&o->op);        /* out of the slots already: the only reference */
	else
		op_release(&o->op, 1);
	return rv;
}

CK_RV rt_Digest(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pData, CK_ULONG ulDataLen,
		CK_BYTE_PTR pDigest, CK_ULONG_PTR pulDigestLen)
{
	return op_digest_finish(hSession, 1, pData, ulDataLen, pDigest, pulDigestLen);
}

CK_RV op_digest_feed(struct op_digest *o, const uint8_t *p, size_t n)
{
	if (o->oneshot)
		return CKR_OPERATION_ACTIVE;    /* after a C_Digest size query */
	o->multipart = 1;
	return op_digest_update(o, p, n);
}

CK_RV rt_DigestUpdate(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pPart, CK_ULONG ulPartLen)
{
	struct op_digest *o;
	CK_RV rv = op_digest_get(hSession, &o);

	if (rv != CKR_OK)
		return rv;
	rv = op_digest_feed(o, pPart, ulPartLen);
	op_release(&o->op, rv != CKR_OK);
	return rv;
}

/*
 * C_DigestKey: the value of a session secret key (CKO_SECRET_KEY, held in host memory,
 * obj_secret.c) into the digest. Keys whose value the module cannot read — token keys,
 * private and public keys (whose "value" is no byte string the standard digests) — are
 * CKR_KEY_INDIGESTIBLE. PKCS #11 3.2 (5.12) puts no rule on sensitive keys; what is
 * digested never leaves as the key, only through a one-way function, as SoftHSMv2 reasons:
 * it digests any secret key into SHA-1 and SHA-2, and refuses a sensitive or
 * unextractable one into other hashes. Here the same: a sensitive (or unextractable) key
 * goes into SHA-1, SHA-2, SHA-3 and Streebog, and is CKR_KEY_INDIGESTIBLE for GOST R
 * 34.11-94, whose collision resistance is broken. A digest that took a key keeps the fact
 * (C_GetOperationState then answers CKR_STATE_UNSAVEABLE: its state would carry what the
 * key put in, in the clear).
 */
static int op_digest_strong(CK_MECHANISM_TYPE hash)
{
	return hash != CKM_GOSTR3411;
}

CK_RV rt_DigestKey(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hKey)
{
	struct op_digest *o;
	struct obj_view v;
	const struct lb_attr *val;
	int have_view = 0;
	CK_RV rv = op_digest_get(hSession, &o);

	if (rv != CKR_OK)
		return rv;
	if (o->oneshot) {
		rv = CKR_OPERATION_ACTIVE;      /* after a C_Digest size query */
		goto end;
	}
	rv = obj_view(hSession, hKey, &v);
	if (rv == CKR_OBJECT_HANDLE_INVALID)
		rv = CKR_KEY_HANDLE_INVALID;
	if (rv != CKR_OK)
		goto end;
	have_view = 1;
	val = obj_view_attr(&v, CKA_VALUE);
	if (v.cls != CKO_SECRET_KEY || v.on_token || val == NULL ||
	    ((obj_view_bool(&v, CKA_SENSITIVE, 1) || !obj_view_bool(&v, CKA_EXTRACTABLE, 0)) &&
	     !op_digest_strong(o->mech))) {
		rv = CKR_KEY_INDIGESTIBLE;
		goto end;
	}
	rv = op_digest_feed(o, val->value, val->len);
	if (rv == CKR_OK)
		o->keyed = 1;
end:
	if (have_view)
		obj_view_free(&v);
	op_release(&o->op, rv != CKR_OK);
	return rv;
}

CK_RV rt_DigestFinal(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pDigest, CK_ULONG_PTR pulDigestLen)
{
	return op_digest_finish(hSession, 0, NULL, 0, pDigest, pulDigestLen);
}

/* --- random -------------------------------------------------------------------------- */

#define OP_RANDOM_CHUNK 1024

/* XOR the token's random bytes into out, when it has a generator its script offers. */
static CK_RV op_random_token(const struct sess_info *si, uint8_t *out, size_t len)
{
	uint8_t chunk[OP_RANDOM_CHUNK];
	struct lb_card card;
	size_t done = 0, n, i;
	CK_RV rv = token_enter(si->tok);

	if (rv != CKR_OK)
		return rv;
	if (token_generation(si->tok) != si->gen) {
		rv = CKR_SESSION_HANDLE_INVALID;
		goto out;
	}
	rv = token_load_inlock(si->tok);
	if (rv != CKR_OK || !si->tok->info.rng)
		goto out;
	token_card(si->tok, &card);
	while (done < len) {
		n = len - done < sizeof chunk ? len - done : sizeof chunk;
		rv = lb_random(si->tok->vm, &card, chunk, n);
		if (rv == CKR_FUNCTION_NOT_SUPPORTED) {
			rv = CKR_OK;    /* the script has no random(): the host's alone */
			break;
		}
		if (rv != CKR_OK)
			break;
		for (i = 0; i < n; i++)
			out[done + i] ^= chunk[i];
		done += n;
	}
out:
	OPENSSL_cleanse(chunk, sizeof chunk);
	token_leave(si->tok);
	return rv;
}

CK_RV rt_GenerateRandom(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pRandomData,
			CK_ULONG ulRandomLen)
{
	struct sess_info si;
	CK_RV rv = sess_call(hSession, &si);

	if (rv != CKR_OK || ulRandomLen == 0)
		return rv;
	rv = crypto_random(pRandomData, ulRandomLen);
	if (rv == CKR_OK)
		rv = op_random_token(&si, pRandomData, ulRandomLen);
	if (rv != CKR_OK)
		OPENSSL_cleanse(pRandomData, ulRandomLen);
	return rv;
}

CK_RV rt_SeedRandom(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pSeed, CK_ULONG ulSeedLen)
{
	struct sess_info si;
	CK_RV rv = sess_call(hSession, &si);

	return rv != CKR_OK ? rv : CKR_RANDOM_SEED_NOT_SUPPORTED;
}
