/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * mech.c — the mechanism table and the joined mechanism list; see mech.h.
 *
 * Everything here is data of spec/mechanisms.yaml: the digests (`digest:`, generated as
 * sk_digests), the primitives (`prim:`, generated as sk_prims, each computed by the
 * struct prim_ops of runtime/prim/<impl>.c) and the compositions (`hash:` + `primitive:`,
 * generated as sk_mech_comps). A composition the runtime cannot compute is left out of
 * the table, and the debug log says why (SCRIPTOKI_DEBUG=1).
 *
 * Parameters: this file checks their form (none; a struct of the size the spec names; an
 * optional OID); the primitive's file checks the rest (prim_ops.param).
 */
#include "mech.h"

#include <pthread.h>
#include <string.h>

#include "crypto.h"
#include "log.h"
#include "prim/prim.h"
#include "sk_names.h"

#define UNAVAIL CK_UNAVAILABLE_INFORMATION
#define MECH_MAX 256

/* The whole table: the digests, the primitives, then the compositions the runtime can
 * compute, built once from the generated tables. */
static struct mech mech_table[MECH_MAX];
static size_t mech_n;
static pthread_once_t mech_once = PTHREAD_ONCE_INIT;

/* Whether PKCS #1 names the hash (it has a DigestInfo): EMSA-PKCS1-v1_5, PSS and OAEP take
 * only those. */
int mech_pkcs1_hash(CK_MECHANISM_TYPE hash)
{
	size_t len;

	return crypto_digest_info(hash, &len) != NULL;
}

static const char *mech_name(CK_MECHANISM_TYPE type)
{
	const char *n = sk_name(SK_FAM_CKM, type);

	return n != NULL ? n : "a vendor mechanism";
}

static void mech_from_prim(struct mech *m, const struct sk_prim *p)
{
	memset(m, 0, sizeof *m);
	m->type = p->mech;
	m->primitive = p->mech;
	m->prim = MECH_PRIMITIVE;
	m->raw = p->raw;
	m->key_type = p->key_type;
	m->host_flags = p->host_flags;
	m->token_flags = p->token_flags;
	m->inherit_flags = p->inherit_flags;
	m->min_bits = p->min_bits;
	m->max_bits = p->max_bits;
	m->param = p->param;
	m->param_size = p->param_size;
	m->ops = p->ops;
}

/* Why the runtime cannot compute composition c, or NULL when it can. */
static const char *mech_comp_unusable(const struct sk_mech_comp *c, const struct sk_prim *p)
{
	if (p == NULL)
		return "the runtime computes no such primitive (no prim: in the spec)";
	if (p->compose == SK_PRIM_COMPOSE_NONE)
		return "the primitive composes with no hash";
	if (sk_digest_of(c->hash) == NULL)
		return "its hash is no digest the host computes (no digest: in the spec)";
	if (p->compose == SK_PRIM_COMPOSE_PKCS1 && !mech_pkcs1_hash(c->hash))
		return "PKCS #1 names no DigestInfo for its hash";
	return NULL;
}

static void mech_build(void)
{
	const struct sk_prim *p;
	const char *why;
	struct mech *m;
	size_t i;

	mech_n = 0;
	for (i = 0; i < sk_digests_count && mech_n < MECH_MAX; i++) {
		m = &mech_table[mech_n++];
		memset(m, 0, sizeof *m);
		m->type = m->hash = sk_digests[i].mech;
		m->prim = MECH_DIGEST;
		m->key_type = UNAVAIL;
		m->host_flags = CKF_DIGEST;
	}
	for (i = 0; i < sk_prims_count && mech_n < MECH_MAX; i++)
		mech_from_prim(&mech_table[mech_n++], &sk_prims[i]);
	for (i = 0; i < sk_mech_comps_count && mech_n < MECH_MAX; i++) {
		p = sk_prim_of(sk_mech_comps[i].primitive);
		why = mech_comp_unusable(&sk_mech_comps[i], p);
		if (why != NULL) {
			/* make check reads these lines: a composition missing from the list
			 * must say why */
			log_msg(LOG_ERROR, "mech: %s (%s + %s) is not offered: %s",
				mech_name(sk_mech_comps[i].type), mech_name(sk_mech_comps[i].hash),
				mech_name(sk_mech_comps[i].primitive), why);
			continue;
		}
		m = &mech_table[mech_n++];
		mech_from_prim(m, p);
		m->type = sk_mech_comps[i].type;
		m->hash = sk_mech_comps[i].hash;
		/* a composition hashes, then signs or verifies: no encryption, no wrapping, and
		 * no recovery (the digest is what a signature would give back) */
		m->host_flags &= ~(CKF_ENCRYPT | CKF_DECRYPT | CKF_MESSAGE_ENCRYPT |
				   CKF_MESSAGE_DECRYPT | CKF_WRAP | CKF_UNWRAP | CKF_VERIFY_RECOVER);
		m->token_flags &= ~(CKF_ENCRYPT | CKF_DECRYPT | CKF_MESSAGE_ENCRYPT |
				    CKF_MESSAGE_DECRYPT | CKF_WRAP | CKF_UNWRAP | CKF_SIGN_RECOVER);
		m->param = p->compose_param;
		if (crypto_md(m->hash) == NULL)
			log_msg(LOG_ERROR, "mech: %s is not offered by the host: its digest %s is "
				"not available here (the token may still offer it)",
				mech_name(m->type), mech_name(m->hash));
	}
	if (mech_n == MECH_MAX)
		log_msg(LOG_ERROR, "mech: more than %d mechanisms: the rest are not offered",
			MECH_MAX);
}

const struct mech *mech_find(CK_MECHANISM_TYPE type)
{
	size_t i;

	pthread_once(&mech_once, mech_build);
	for (i = 0; i < mech_n; i++)
		if (mech_table[i].type == type)
			return &mech_table[i];
	return NULL;
}

CK_RV mech_check_param(const struct mech *m, const CK_MECHANISM *pm, struct mech_params *out)
{
	memset(out, 0, sizeof *out);
	out->hash = m->hash;
	switch (m->param) {
	case SK_PRIM_PARAM_STRUCT:
		if (pm->pParameter == NULL || pm->ulParameterLen != m->param_size)
			return CKR_MECHANISM_PARAM_INVALID;
		break;
	case SK_PRIM_PARAM_HASH_OID:
		/* optional: none at all says nothing */
		if (pm->pParameter == NULL || pm->ulParameterLen == 0)
			return CKR_OK;
		break;
	case SK_PRIM_PARAM_NONE:
	default:
		/* no parameter: any length is wrong, whatever the pointer (NULL with a length
		 * too); a pointer with length 0 says nothing and is accepted */
		return pm->ulParameterLen != 0 ? CKR_MECHANISM_PARAM_INVALID : CKR_OK;
	}
	/* the primitive's own rule */
	if (m->ops == NULL || m->ops->param == NULL)
		return CKR_MECHANISM_PARAM_INVALID;
	return m->ops->param(m, pm, out);
}

/* --- the joined list ------------------------------------------------------------------ */

#define MECH_OP_FLAGS (CKF_ENCRYPT | CKF_DECRYPT | CKF_DIGEST | CKF_SIGN | CKF_SIGN_RECOVER | \
		       CKF_VERIFY | CKF_VERIFY_RECOVER | CKF_GENERATE | CKF_GENERATE_KEY_PAIR | \
		       CKF_WRAP | CKF_UNWRAP | CKF_DERIVE | CKF_MESSAGE_ENCRYPT | \
		       CKF_MESSAGE_DECRYPT | CKF_MESSAGE_SIGN | CKF_MESSAGE_VERIFY | \
		       CKF_MULTI_MESSAGE | CKF_FIND_OBJECTS | CKF_ENCAPSULATE | CKF_DECAPSULATE)

static const struct lb_mechanism *mech_decl(const struct lb_mechanism *decl, size_t ndecl,
					    CK_MECHANISM_TYPE type)
{
	size_t i;

	for (i = 0; i < ndecl; i++)
		if (decl[i].type == type)
			return &decl[i];
	return NULL;
}

/* What the token's declaration of a raw form lets the host build on it: its flags, and
 * CKF_SIGN_RECOVER where it signs (a signature with recovery is the same raw operation on
 * the token, only its encoding differs; op_recover.c). */
static CK_FLAGS mech_raw_flags(const struct lb_mechanism *d)
{
	return d->info.flags | ((d->info.flags & CKF_SIGN) ? CKF_SIGN_RECOVER : 0);
}

int mech_token_can(const struct lb_mechanism *decl, size_t ndecl, CK_MECHANISM_TYPE raw,
		   CK_FLAGS flags)
{
	const struct lb_mechanism *d = mech_decl(decl, ndecl, raw);

	return d != NULL && (mech_raw_flags(d) & flags) == flags;
}

int mech_token_keys(const struct lb_mechanism *decl, size_t ndecl, CK_MECHANISM_TYPE type,
		    CK_FLAGS flags)
{
	size_t i;

	for (i = 0; i < ndecl; i++)
		if (decl[i].type == type && decl[i].token_keys &&
		    (decl[i].info.flags & flags) == flags)
			return 1;
	return 0;
}

int mech_token_keys_type(const struct lb_mechanism *decl, size_t ndecl, CK_KEY_TYPE kt)
{
	const struct mech *m;
	size_t i;

	for (i = 0; i < ndecl; i++) {
		if (!decl[i].token_keys || !(decl[i].info.flags & CKF_GENERATE))
			continue;
		m = mech_find(decl[i].type);
		if (m != NULL && m->key_type == kt)
			return 1;
	}
	return 0;
}

/* 1 and the joined information when the module offers type, else 0. */
static int mech_join(const struct lb_mechanism *decl, size_t ndecl, CK_MECHANISM_TYPE type,
		     CK_MECHANISM_INFO *out)
{
	const struct mech *m = mech_find(type);
	const struct lb_mechanism *d = mech_decl(decl, ndecl, type), *r;

	if (m == NULL) {
		if (d == NULL)
			return 0;
		*out = d->info;         /* the token's own (key generation, ...) */
		return 1;
	}
	/* the host's digests need the host's provider (gostprov for the GOST ones) */
	if (m->hash != 0 && crypto_md(m->hash) == NULL)
		return d != NULL ? (*out = d->info, 1) : 0;
	out->flags = m->host_flags;
	out->ulMinKeySize = m->min_bits;
	out->ulMaxKeySize = m->max_bits;
	r = m->raw != 0 ? mech_decl(decl, ndecl, m->raw) : NULL;
	if (r != NULL) {
		out->flags |= mech_raw_flags(r) & m->token_flags;
		/* message-based signing signs as C_Sign does: with the token's CKF_SIGN */
		if (r->info.flags & m->token_flags & CKF_SIGN)
			out->flags |= m->token_flags & (CKF_MESSAGE_SIGN | CKF_MULTI_MESSAGE);
		out->flags |= r->info.flags & m->inherit_flags;
		/* unwrapping with a token key is the token's decryption (op_keymgmt.c) */
		if ((r->info.flags & CKF_DECRYPT) && (m->token_flags & CKF_UNWRAP))
			out->flags |= CKF_UNWRAP;
		if (mech_raw_flags(r) & m->token_flags) {
			/* signing and decryption work with the token's key sizes */
			out->ulMinKeySize = r->info.ulMinKeySize;
			out->ulMaxKeySize = r->info.ulMaxKeySize;
		}
	}
	if (d != NULL)
		out->flags |= d->info.flags & ~MECH_OP_FLAGS;   /* CKF_HW, EC flags, ... */
	return 1;
}

CK_RV mech_list(const struct lb_mechanism *decl, size_t ndecl, CK_MECHANISM_TYPE *out,
		CK_ULONG *count)
{
	CK_MECHANISM_INFO info;
	CK_ULONG cap = *count, n = 0;
	size_t i;

	for (i = 0; i < ndecl; i++) {
		if (mech_decl(decl, i, decl[i].type) != NULL)
			continue;       /* declared twice */
		if (!mech_join(decl, ndecl, decl[i].type, &info))
			continue;
		if (out != NULL && n < cap)
			out[n] = decl[i].type;
		n++;
	}
	pthread_once(&mech_once, mech_build);
	for (i = 0; i < mech_n; i++) {
		if (mech_decl(decl, ndecl, mech_table[i].type) != NULL)
			continue;
		if (!mech_join(decl, ndecl, mech_table[i].type, &info))
			continue;
		if (out != NULL && n < cap)
			out[n] = mech_table[i].type;
		n++;
	}
	*count = n;
	return out != NULL && n > cap ? CKR_BUFFER_TOO_SMALL : CKR_OK;
}

CK_RV mech_info(const struct lb_mechanism *decl, size_t ndecl, CK_MECHANISM_TYPE type,
		CK_MECHANISM_INFO *out)
{
	return mech_join(decl, ndecl, type, out) ? CKR_OK : CKR_MECHANISM_INVALID;
}
