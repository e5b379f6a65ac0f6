/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * op_sign.c — C_SignInit, C_Sign, C_SignUpdate, C_SignFinal (hash and padding on the
 * host, the raw primitive on the token) and C_VerifyInit, C_Verify, C_VerifyUpdate,
 * C_VerifyFinal (entirely on the host, with public-key objects); see op.h for the rules.
 */
#include "op.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "crypto.h"
#include "sk_dispatch.h"

/* The token's signature of in (the hash, or the data of an unhashed mechanism) into
 * sig[0..o->out_len). */
static CK_RV op_sign_compute(struct op_pk *o, const uint8_t *in, size_t in_len, uint8_t *sig)
{
	uint8_t *em = NULL;
	const uint8_t *tin = in;
	size_t tlen = in_len, slen = o->out_len;
	CK_RV rv = CKR_OK;

	switch (o->m->prim) {
	case MECH_RSA_X509:
	case MECH_RSA_PKCS:
	case MECH_RSA_PSS:
		em = malloc(o->k);
		if (em == NULL)
			return CKR_HOST_MEMORY;
		if (o->m->prim == MECH_RSA_PKCS) {
			rv = crypto_rsa_pkcs1_encode(o->m->hash, in, in_len, em, o->k);
		} else if (o->m->prim == MECH_RSA_PSS) {
			rv = crypto_rsa_pss_encode(o->prm.hash, o->prm.mgf_hash, o->prm.slen, in,
						   in_len, em, o->k, o->mod_bits);
			if (rv == CKR_KEY_SIZE_RANGE)
				rv = CKR_DATA_LEN_RANGE;
		} else if (in_len > o->k) {
			rv = CKR_DATA_LEN_RANGE;
		} else {
			memset(em, 0, o->k - in_len);
			if (in_len > 0)
				memcpy(em + (o->k - in_len), in, in_len);
			/* the block must be below the modulus */
			if (memcmp(em, o->modulus, o->k) >= 0)
				rv = CKR_DATA_INVALID;
		}
		tin = em;
		tlen = o->k;
		break;
	case MECH_GOST:
	case MECH_GOST512:
		if (in_len != o->k)
			rv = CKR_DATA_LEN_RANGE;
		break;
	case MECH_ECDSA:
		/* FIPS 186-4 6.4: only the leftmost bits of a longer hash count */
		if (in_len == 0)
			rv = CKR_DATA_LEN_RANGE;
		else if (tlen > o->k)
			tlen = o->k;
		break;
	default:
		rv = CKR_MECHANISM_INVALID;
	}
	if (rv == CKR_OK)
		rv = op_pk_token(o, 0, tin, tlen, sig, &slen);
	if (rv == CKR_OK && o->m->key_type == CKK_RSA && slen < o->k && slen > 0) {
		memmove(sig + (o->k - slen), sig, slen);
		memset(sig, 0, o->k - slen);
		slen = o->k;
	}
	if (rv == CKR_OK && slen != o->out_len)
		rv = CKR_DEVICE_ERROR;  /* the script answered a signature of another size */
	if (em != NULL) {
		OPENSSL_cleanse(em, o->k);
		free(em);
	}
	return rv;
}

/* C_Sign (oneshot, with data) and C_SignFinal. */
static CK_RV op_sign_finish(CK_SESSION_HANDLE h, int oneshot, const uint8_t *data, size_t len,
			    CK_BYTE_PTR pSignature, CK_ULONG_PTR pulSignatureLen)
{
	uint8_t hbuf[CRYPTO_MD_MAX];
	const uint8_t *in;
	size_t in_len;
	struct op_pk *o;
	CK_RV rv = op_pk_get(h, OP_SIGN, &o);

	if (rv != CKR_OK)
		return rv;
	if (!oneshot && o->m->hash == 0) {
		op_pk_put(o, 1);                /* single-part only, as in op_sign_update */
		return CKR_FUNCTION_NOT_SUPPORTED;
	}
	if ((oneshot && o->multipart) || (!oneshot && o->oneshot)) {
		rv = CKR_OPERATION_ACTIVE;      /* single- and multi-part calls do not mix */
		goto end;
	}
	if (!op_output_fits(pSignature, pulSignatureLen, o->out_len, &rv)) {
		if (oneshot)
			o->oneshot = 1;
		op_pk_put(o, 0);        /* a size query keeps the operation */
		return rv;
	}
	if (o->always_auth && !o->authed) {
		rv = CKR_USER_NOT_LOGGED_IN;
		goto end;
	}
	if (oneshot) {
		rv = op_pk_feed(o, data, len, op_pk_max_input(o));
		if (rv != CKR_OK)
			goto end;
	}
	rv = op_pk_input(o, hbuf, &in, &in_len);
	if (rv != CKR_OK)
		goto end;
	rv = op_sign_compute(o, in, in_len, pSignature);
	if (rv == CKR_OK)
		*pulSignatureLen = o->out_len;
end:
	OPENSSL_cleanse(hbuf, sizeof hbuf);
	op_pk_put(o, 1);
	return rv;
}

CK_RV rt_SignInit(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, CK_OBJECT_HANDLE hKey)
{
	return op_pk_init(hSession, OP_SIGN, pMechanism, hKey);
}

CK_RV rt_Sign(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pData, CK_ULONG ulDataLen,
	      CK_BYTE_PTR pSignature, CK_ULONG_PTR pulSignatureLen)
{
	return op_sign_finish(hSession, 1, pData, ulDataLen, pSignature, pulSignatureLen);
}

/* C_SignUpdate, C_VerifyUpdate: one more part of a multi-part operation of that kind. */
static CK_RV op_sign_update(CK_SESSION_HANDLE h, enum op_kind kind, CK_BYTE_PTR part,
			    CK_ULONG len)
{
	struct op_pk *o;
	CK_RV rv = op_pk_get(h, kind, &o);

	if (rv != CKR_OK)
		return rv;
	if (o->m->hash == 0) {
		/* a single-part mechanism: no Update at all; an error, so the operation
		 * ends (PKCS #11 3.2, C_SignUpdate) */
		op_pk_put(o, 1);
		return CKR_FUNCTION_NOT_SUPPORTED;
	}
	if (o->oneshot) {
		op_pk_put(o, 1);
		return CKR_OPERATION_ACTIVE;    /* after a C_Sign size query */
	}
	o->multipart = 1;
	rv = op_pk_feed(o, part, len, op_pk_max_input(o));
	op_pk_put(o, rv != CKR_OK);
	return rv;
}

CK_RV rt_SignUpdate(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pPart, CK_ULONG ulPartLen)
{
	return op_sign_update(hSession, OP_SIGN, pPart, ulPartLen);
}

CK_RV rt_SignFinal(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pSignature,
		   CK_ULONG_PTR pulSignatureLen)
{
	return op_sign_finish(hSession, 0, NULL, 0, pSignature, pulSignatureLen);
}

/* --- verification ------------------------------------------------------------------ */

static CK_RV op_verify_compute(struct op_pk *o, const uint8_t *in, size_t in_len,
			       const uint8_t *sig, size_t sig_len)
{
	struct crypto_rsa_params p;

	memset(&p, 0, sizeof p);
	switch (o->m->prim) {
	case MECH_RSA_X509:
		p.pad = CRYPTO_PAD_X509;
		return crypto_rsa_verify(o->pk, &p, in, in_len, sig, sig_len);
	case MECH_RSA_PKCS:
		p.pad = CRYPTO_PAD_PKCS1;
		p.hash = o->m->hash;
		return crypto_rsa_verify(o->pk, &p, in, in_len, sig, sig_len);
	case MECH_RSA_PSS:
		p.pad = CRYPTO_PAD_PSS;
		p.hash = o->prm.hash;
		p.mgf_hash = o->prm.mgf_hash;
		p.slen = o->prm.slen;
		return crypto_rsa_verify(o->pk, &p, in, in_len, sig, sig_len);
	case MECH_GOST:
	case MECH_GOST512:
		return crypto_gost_verify(o->params, o->params_len, o->point, o->point_len, in,
					  in_len, sig, sig_len);
	case MECH_ECDSA:
		return crypto_ecdsa_verify(o->params, o->params_len, o->point, o->point_len, in,
					   in_len, sig, sig_len);
	default:
		return CKR_MECHANISM_INVALID;
	}
}

static CK_RV op_verify_finish(CK_SESSION_HANDLE h, int oneshot, const uint8_t *data, size_t len,
			      const uint8_t *sig, size_t sig_len)
{
	uint8_t hbuf[CRYPTO_MD_MAX];
	const uint8_t *in;
	size_t in_len;
	struct op_pk *o;
	CK_RV rv = op_pk_get(h, OP_VERIFY, &o);

	if (rv != CKR_OK)
		return rv;
	if (!oneshot && o->m->hash == 0) {
		op_pk_put(o, 1);                /* single-part only, as in op_sign_update */
		return CKR_FUNCTION_NOT_SUPPORTED;
	}
	if (oneshot && o->multipart) {
		rv = CKR_OPERATION_ACTIVE;
		goto end;
	}
	if (oneshot) {
		rv = op_pk_feed(o, data, len, op_pk_max_input(o));
		if (rv != CKR_OK)
			goto end;
	}
	rv = op_pk_input(o, hbuf, &in, &in_len);
	if (rv == CKR_OK)
		rv = op_verify_compute(o, in, in_len, sig, sig_len);
end:
	op_pk_put(o, 1);
	return rv;
}

CK_RV rt_VerifyInit(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism,
		    CK_OBJECT_HANDLE hKey)
{
	return op_pk_init(hSession, OP_VERIFY, pMechanism, hKey);
}

CK_RV rt_Verify(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pData, CK_ULONG ulDataLen,
		CK_BYTE_PTR pSignature, CK_ULONG ulSignatureLen)
{
	return op_verify_finish(hSession, 1, pData, ulDataLen, pSignature, ulSignatureLen);
}

CK_RV rt_VerifyUpdate(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pPart, CK_ULONG ulPartLen)
{
	return op_sign_update(hSession, OP_VERIFY, pPart, ulPartLen);
}

CK_RV rt_VerifyFinal(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pSignature, CK_ULONG ulSignatureLen)
{
	return op_verify_finish(hSession, 0, NULL, 0, pSignature, ulSignatureLen);
}
