/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * mech.c — the mechanism table and the joined mechanism list; see mech.h.
 *
 * The composition (hash + primitive) of each hash-then-sign mechanism comes from
 * spec/mechanisms.yaml (`hash:` and `primitive:`), generated as sk_mech_comps, and so do
 * the digests (`digest:`, generated as sk_digests); this file knows only the primitives.
 *
 * Parameters: PKCS #11 3.2 section 2.1 (RSA: CK_RSA_PKCS_PSS_PARAMS, whose hashAlg must be
 * the mechanism's own hash for the CKM_SHAx_RSA_PKCS_PSS forms; CK_RSA_PKCS_OAEP_PARAMS,
 * source CKZ_DATA_SPECIFIED or none) and the GOST section (CKM_GOSTR3410_WITH_GOSTR3411:
 * an optional DER OID of the GOST R 34.11 parameters). OIDs: GOST R 34.11-94 CryptoPro
 * parameters 1.2.643.2.2.30.1 (RFC 4357 10.2), Streebog 1.2.643.7.1.1.2.2 / .3 (RFC 9215).
 */
#include "mech.h"

#include <pthread.h>
#include <string.h>

#include "crypto.h"
#include "log.h"
#include "sk_names.h"

#define UNAVAIL CK_UNAVAILABLE_INFORMATION
#define V CKF_VERIFY
#define E CKF_ENCRYPT
#define S CKF_SIGN
#define D CKF_DECRYPT

#define DIGEST(t) { t, t, 0, MECH_DIGEST, 0, UNAVAIL, CKF_DIGEST, 0, 0, 0, MECH_PARAM_NONE }

/* The primitives. The digests are spec/mechanisms.yaml's `digest:` entries (generated as
 * sk_digests); a composition (`hash:` + `primitive:`, generated as sk_mech_comps) takes
 * its primitive's row with its own type and hash; the GOST primitives take the optional
 * hash-parameter OID once composed. */
static const struct mech mech_prims[] = {
	{ CKM_RSA_X_509, 0, CKM_RSA_X_509, MECH_RSA_X509, CKM_RSA_X_509, CKK_RSA, V | E, S | D,
	  512, 16384, MECH_PARAM_NONE },
	{ CKM_RSA_PKCS, 0, CKM_RSA_PKCS, MECH_RSA_PKCS, CKM_RSA_X_509, CKK_RSA, V | E, S | D,
	  512, 16384, MECH_PARAM_NONE },
	{ CKM_RSA_PKCS_OAEP, 0, CKM_RSA_PKCS_OAEP, MECH_RSA_OAEP, CKM_RSA_X_509, CKK_RSA, E, D,
	  512, 16384, MECH_PARAM_OAEP },
	{ CKM_RSA_PKCS_PSS, 0, CKM_RSA_PKCS_PSS, MECH_RSA_PSS, CKM_RSA_X_509, CKK_RSA, V, S,
	  512, 16384, MECH_PARAM_PSS },
	{ CKM_GOSTR3410, 0, CKM_GOSTR3410, MECH_GOST, CKM_GOSTR3410, CKK_GOSTR3410, V, S,
	  256, 256, MECH_PARAM_NONE },
	{ CKM_GOSTR3410_512, 0, CKM_GOSTR3410_512, MECH_GOST512, CKM_GOSTR3410_512,
	  CKK_GOSTR3410_512, V, S, 512, 512, MECH_PARAM_NONE },
	{ CKM_ECDSA, 0, CKM_ECDSA, MECH_ECDSA, CKM_ECDSA, CKK_EC, V, S, 192, 521,
	  MECH_PARAM_NONE },
};
#define MECH_NPRIMS (sizeof mech_prims / sizeof mech_prims[0])
#define MECH_MAX 256

/* The whole table: the primitives, then the compositions the runtime can compute. */
static struct mech mech_table[MECH_MAX];
static size_t mech_n;
static pthread_once_t mech_once = PTHREAD_ONCE_INIT;

static const struct mech *mech_prim(CK_MECHANISM_TYPE type)
{
	size_t i;

	for (i = 0; i < MECH_NPRIMS; i++)
		if (mech_prims[i].type == type)
			return &mech_prims[i];
	return NULL;
}

/* Whether PKCS #1 names the hash (it has a DigestInfo): EMSA-PKCS1-v1_5, PSS and OAEP take
 * only those. */
static int mech_pkcs1_hash(CK_MECHANISM_TYPE hash)
{
	size_t len;

	return crypto_digest_info(hash, &len) != NULL;
}

static void mech_build(void)
{
	const struct mech *p;
	struct mech *m;
	size_t i;

	mech_n = 0;
	for (i = 0; i < sk_digests_count && mech_n < MECH_MAX; i++)
		mech_table[mech_n++] = (struct mech)DIGEST(sk_digests[i].mech);
	for (i = 0; i < MECH_NPRIMS && mech_n < MECH_MAX; i++)
		mech_table[mech_n++] = mech_prims[i];
	for (i = 0; i < sk_mech_comps_count && mech_n < MECH_MAX; i++) {
		p = mech_prim(sk_mech_comps[i].primitive);
		/* a primitive or a digest the runtime does not compute: not offered */
		if (p == NULL || p->prim == MECH_RSA_OAEP || p->prim == MECH_RSA_X509 ||
		    sk_digest_of(sk_mech_comps[i].hash) == NULL)
			continue;
		if ((p->prim == MECH_RSA_PKCS || p->prim == MECH_RSA_PSS) &&
		    !mech_pkcs1_hash(sk_mech_comps[i].hash))
			continue;
		m = &mech_table[mech_n++];
		*m = *p;
		m->type = sk_mech_comps[i].type;
		m->hash = sk_mech_comps[i].hash;
		m->primitive = p->type;
		m->host_flags &= ~(CKF_ENCRYPT | CKF_DECRYPT);
		m->token_flags &= ~(CKF_ENCRYPT | CKF_DECRYPT);
		if (p->prim == MECH_GOST || p->prim == MECH_GOST512)
			m->param = MECH_PARAM_GOST_HASH;
	}
	if (mech_n == MECH_MAX)
		log_msg(LOG_ERROR, "mech: more than %d mechanisms: the rest are not offered",
			MECH_MAX);
}

/* DER OIDs of the GOST R 34.11 parameters a CKM_GOSTR3410_WITH_GOSTR3411* may name. */
static const struct {
	CK_MECHANISM_TYPE hash;
	uint8_t len;
	uint8_t der[10];
} mech_gost_hash_oids[] = {
	{ CKM_GOSTR3411, 9, { 0x06, 0x07, 0x2a, 0x85, 0x03, 0x02, 0x02, 0x1e, 0x01 } },
	{ CKM_GOSTR3411_12_256, 10, { 0x06, 0x08, 0x2a, 0x85, 0x03, 0x07, 0x01, 0x01, 0x02,
				      0x02 } },
	{ CKM_GOSTR3411_12_512, 10, { 0x06, 0x08, 0x2a, 0x85, 0x03, 0x07, 0x01, 0x01, 0x02,
				      0x03 } },
};

const struct mech *mech_find(CK_MECHANISM_TYPE type)
{
	size_t i;

	pthread_once(&mech_once, mech_build);
	for (i = 0; i < mech_n; i++)
		if (mech_table[i].type == type)
			return &mech_table[i];
	return NULL;
}

static CK_RV mech_check_pss(const struct mech *m, const CK_MECHANISM *pm,
			    struct mech_params *out)
{
	const CK_RSA_PKCS_PSS_PARAMS *p = pm->pParameter;

	if (p == NULL || pm->ulParameterLen != sizeof *p)
		return CKR_MECHANISM_PARAM_INVALID;
	if (!mech_pkcs1_hash(p->hashAlg))
		return CKR_MECHANISM_PARAM_INVALID;
	if (m->hash != 0 && p->hashAlg != m->hash)
		return CKR_MECHANISM_PARAM_INVALID;
	out->mgf_hash = crypto_mgf_hash(p->mgf);
	if (out->mgf_hash == 0 || p->sLen > 512)
		return CKR_MECHANISM_PARAM_INVALID;
	out->hash = p->hashAlg;
	out->slen = p->sLen;
	return CKR_OK;
}

static CK_RV mech_check_oaep(const CK_MECHANISM *pm, struct mech_params *out)
{
	const CK_RSA_PKCS_OAEP_PARAMS *p = pm->pParameter;

	if (p == NULL || pm->ulParameterLen != sizeof *p)
		return CKR_MECHANISM_PARAM_INVALID;
	if (!mech_pkcs1_hash(p->hashAlg))
		return CKR_MECHANISM_PARAM_INVALID;
	out->mgf_hash = crypto_mgf_hash(p->mgf);
	if (out->mgf_hash == 0)
		return CKR_MECHANISM_PARAM_INVALID;
	if (p->source != 0 && p->source != CKZ_DATA_SPECIFIED)
		return CKR_MECHANISM_PARAM_INVALID;
	if (p->source == 0 && (p->pSourceData != NULL || p->ulSourceDataLen != 0))
		return CKR_MECHANISM_PARAM_INVALID;
	if (p->ulSourceDataLen > 0 && p->pSourceData == NULL)
		return CKR_MECHANISM_PARAM_INVALID;
	if (p->ulSourceDataLen > (1u << 20))
		return CKR_MECHANISM_PARAM_INVALID;
	out->hash = p->hashAlg;
	out->label = p->pSourceData;
	out->label_len = p->ulSourceDataLen;
	return CKR_OK;
}

static CK_RV mech_check_gost_hash(const struct mech *m, const CK_MECHANISM *pm)
{
	size_t i;

	if (pm->pParameter == NULL || pm->ulParameterLen == 0)
		return CKR_OK;
	for (i = 0; i < sizeof mech_gost_hash_oids / sizeof mech_gost_hash_oids[0]; i++)
		if (mech_gost_hash_oids[i].hash == m->hash &&
		    pm->ulParameterLen == mech_gost_hash_oids[i].len &&
		    memcmp(pm->pParameter, mech_gost_hash_oids[i].der, pm->ulParameterLen) == 0)
			return CKR_OK;
	return CKR_MECHANISM_PARAM_INVALID;
}

CK_RV mech_check_param(const struct mech *m, const CK_MECHANISM *pm, struct mech_params *out)
{
	memset(out, 0, sizeof *out);
	out->hash = m->hash;
	switch (m->param) {
	case MECH_PARAM_PSS:
		return mech_check_pss(m, pm, out);
	case MECH_PARAM_OAEP:
		return mech_check_oaep(pm, out);
	case MECH_PARAM_GOST_HASH:
		return mech_check_gost_hash(m, pm);
	case MECH_PARAM_NONE:
	default:
		/* no parameter: any length is wrong, whatever the pointer (NULL with a length
		 * too); a pointer with length 0 says nothing and is accepted */
		if (pm->ulParameterLen != 0)
			return CKR_MECHANISM_PARAM_INVALID;
		return CKR_OK;
	}
}

/* --- the joined list ------------------------------------------------------------------ */

#define MECH_OP_FLAGS (CKF_ENCRYPT | CKF_DECRYPT | CKF_DIGEST | CKF_SIGN | CKF_SIGN_RECOVER | \
		       CKF_VERIFY | CKF_VERIFY_RECOVER | CKF_GENERATE | CKF_GENERATE_KEY_PAIR | \
		       CKF_WRAP | CKF_UNWRAP | CKF_DERIVE | CKF_MESSAGE_ENCRYPT | \
		       CKF_MESSAGE_DECRYPT | CKF_MESSAGE_SIGN | CKF_MESSAGE_VERIFY | \
		       CKF_MULTI_MESSAGE | CKF_FIND_OBJECTS | CKF_ENCAPSULATE | CKF_DECAPSULATE)
#define MECH_EC_FLAGS (CKF_EC_F_P | CKF_EC_F_2M | CKF_EC_ECPARAMETERS | CKF_EC_OID | \
		       CKF_EC_UNCOMPRESS | CKF_EC_COMPRESS | CKF_EC_CURVENAME)

static const struct lb_mechanism *mech_decl(const struct lb_mechanism *decl, size_t ndecl,
					    CK_MECHANISM_TYPE type)
{
	size_t i;

	for (i = 0; i < ndecl; i++)
		if (decl[i].type == type)
			return &decl[i];
	return NULL;
}

int mech_token_can(const struct lb_mechanism *decl, size_t ndecl, CK_MECHANISM_TYPE raw,
		   CK_FLAGS flags)
{
	const struct lb_mechanism *d = mech_decl(decl, ndecl, raw);

	return d != NULL && (d->info.flags & flags) == flags;
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
		out->flags |= r->info.flags & m->token_flags;
		if (m->prim == MECH_ECDSA)
			out->flags |= r->info.flags & MECH_EC_FLAGS;
		if (r->info.flags & m->token_flags) {
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
