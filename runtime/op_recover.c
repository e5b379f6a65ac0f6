/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * op_recover.c — C_SignRecoverInit, C_SignRecover (the token's raw signature, as C_Sign
 * computes it) and C_VerifyRecoverInit, C_VerifyRecover (the public key's operation on
 * the host): signatures that carry their data (PKCS #11 3.2, 5.13 and 5.15).
 *
 * The mechanisms are those whose spec entry gives CKF_SIGN_RECOVER / CKF_VERIFY_RECOVER
 * (spec/mechanisms.yaml: CKM_RSA_PKCS and CKM_RSA_X_509). The Init checks are op_pk's,
 * with the key's CKA_SIGN_RECOVER / CKA_VERIFY_RECOVER (false unless set). Both calls are
 * single-part and follow op.h's rules: the two-call convention keeps the operation, any
 * error ends it. Signing encodes with the primitive's sign_encode (CKR_DATA_LEN_RANGE for
 * data the padding cannot carry, CKR_DATA_INVALID for a raw block not below the modulus),
 * and the token signs; recovery runs the primitive's verify_recover. The length a
 * recovered PKCS #1 block gives is known only once it is computed, so a size query
 * computes it (a public-key operation, cheap) and answers the exact length.
 */
#include "op.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "sk_dispatch.h"

CK_RV rt_SignRecoverInit(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism,
			 CK_OBJECT_HANDLE hKey)
{
	return op_pk_init(hSession, OP_SIGN_RECOVER, pMechanism, hKey);
}

CK_RV rt_VerifyRecoverInit(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism,
			   CK_OBJECT_HANDLE hKey)
{
	return op_pk_init(hSession, OP_VERIFY_RECOVER, pMechanism, hKey);
}

/* The token's signature of data into sig (o->p.out_len bytes). */
static CK_RV op_recover_sign(struct op_pk *o, const uint8_t *data, size_t len, uint8_t *sig)
{
	const struct prim_ops *ops = o->p.m->ops;
	size_t cap = o->p.k > 0 ? o->p.k : 1, tlen = len, slen = o->p.out_len;
	const uint8_t *tin = data;
	uint8_t *em = malloc(cap);
	CK_RV rv;

	if (em == NULL)
		return CKR_HOST_MEMORY;
	if (len > op_pk_max_input(o))
		rv = CKR_DATA_LEN_RANGE;
	else
		rv = ops->sign_encode != NULL ? ops->sign_encode(&o->p, data, len, em, &tin, &tlen)
					      : CKR_MECHANISM_INVALID;
	if (rv == CKR_OK)
		rv = op_pk_token(o, 0, tin, tlen, sig, &slen);
	if (rv == CKR_OK && ops->sign_decode != NULL)
		ops->sign_decode(&o->p, sig, &slen);
	if (rv == CKR_OK && slen != o->p.out_len)
		rv = CKR_DEVICE_ERROR;  /* the script answered a signature of another size */
	OPENSSL_cleanse(em, cap);
	free(em);
	return rv;
}

CK_RV rt_SignRecover(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pData, CK_ULONG ulDataLen,
		     CK_BYTE_PTR pSignature, CK_ULONG_PTR pulSignatureLen)
{
	struct op_pk *o;
	CK_RV rv = op_pk_get(hSession, OP_SIGN_RECOVER, &o);

	if (rv != CKR_OK)
		return rv;
	if (!op_output_fits(pSignature, pulSignatureLen, o->p.out_len, &rv)) {
		op_pk_put(o, 0);        /* a size query keeps the operation */
		return rv;
	}
	if (o->always_auth && !o->authed) {
		rv = CKR_USER_NOT_LOGGED_IN;
		goto end;
	}
	rv = op_recover_sign(o, pData != NULL ? pData : (const uint8_t *)"", ulDataLen,
			     pSignature);
	if (rv == CKR_OK)
		*pulSignatureLen = o->p.out_len;
end:
	op_pk_put(o, 1);
	return rv;
}

CK_RV rt_VerifyRecover(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pSignature,
		       CK_ULONG ulSignatureLen, CK_BYTE_PTR pData, CK_ULONG_PTR pulDataLen)
{
	const struct prim_ops *ops;
	struct op_pk *o;
	uint8_t *buf = NULL;
	size_t got = 0;
	CK_RV rv = op_pk_get(hSession, OP_VERIFY_RECOVER, &o);

	if (rv != CKR_OK)
		return rv;
	ops = o->p.m->ops;
	if (ulSignatureLen != o->p.k || pSignature == NULL) {
		rv = CKR_SIGNATURE_LEN_RANGE;
		goto end;
	}
	buf = malloc(o->p.k);
	if (buf == NULL) {
		rv = CKR_HOST_MEMORY;
		goto end;
	}
	rv = ops->verify_recover != NULL ?
		ops->verify_recover(&o->p, pSignature, ulSignatureLen, buf, &got) :
		CKR_MECHANISM_INVALID;
	if (rv != CKR_OK)
		goto end;
	if (!op_output_fits(pData, pulDataLen, got, &rv)) {
		OPENSSL_cleanse(buf, o->p.k);
		free(buf);
		op_pk_put(o, 0);        /* the size rule keeps the operation */
		return rv;
	}
	if (got > 0)
		memcpy(pData, buf, got);
	*pulDataLen = got;
end:
	if (buf != NULL) {
		OPENSSL_cleanse(buf, o->p.k);
		free(buf);
	}
	op_pk_put(o, 1);
	return rv;
}
