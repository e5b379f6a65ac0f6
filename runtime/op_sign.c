/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * op_sign.c — C_SignInit, C_Sign, C_SignUpdate, C_SignFinal (hash and padding on the
 * host, the raw primitive on the token) and C_VerifyInit, C_Verify, C_VerifyUpdate,
 * C_VerifyFinal (entirely on the host, with public-key objects), and the verification
 * with the signature given up front of 3.2 (C_VerifySignatureInit, C_VerifySignature,
 * C_VerifySignatureUpdate, C_VerifySignatureFinal: the same operation, holding the
 * signature); see op.h for the rules.
 * MACs (HMAC, CMAC) sign and verify with session secret keys on the host (op_mac_*), and
 * with token secret keys on the token (op_toksym.c takes the Init and every later call).
 */
#include "op.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "crypto.h"
#include "op_toksym.h"
#include "sk_dispatch.h"

/* The token's signature of in (the hash, or the data of an unhashed mechanism) into
 * sig[0..o->p.out_len): the primitive encodes the block, the token signs it, the primitive
 * puts the answer into the signature's form. */
CK_RV op_sign_compute(struct op_pk *o, const uint8_t *in, size_t in_len, uint8_t *sig)
{
	const struct prim_ops *ops = o->p.m->ops;
	const uint8_t *tin = in;
	size_t tlen = in_len, slen = o->p.out_len, cap = o->p.k > 0 ? o->p.k : 1;
	uint8_t *em = malloc(cap);
	CK_RV rv;

	if (em == NULL)
		return CKR_HOST_MEMORY;
	rv = ops->sign_encode != NULL ? ops->sign_encode(&o->p, in, in_len, em, &tin, &tlen)
				      : CKR_MECHANISM_INVALID;
	if (rv == CKR_OK)
		rv = op_pk_private(o, 0, tin, tlen, sig, &slen);
	if (rv == CKR_OK && ops->sign_decode != NULL)
		ops->sign_decode(&o->p, sig, &slen);
	if (rv == CKR_OK && slen != o->p.out_len)
		rv = CKR_DEVICE_ERROR;  /* the script answered a signature of another size */
	OPENSSL_cleanse(em, cap);
	free(em);
	return rv;
}

/* --- MACs with secret keys (host) ------------------------------------------------- */

/* C_Sign / C_SignFinal of a MAC: its length is known at Init, so a size query or a short
 * buffer computes nothing and keeps the operation. */
static CK_RV op_mac_sign(struct op_pk *o, int oneshot, const uint8_t *data, size_t len,
			 CK_BYTE_PTR sig, CK_ULONG_PTR plen)
{
	const struct prim_ops *ops = o->p.m->ops;
	size_t got = 0;
	CK_RV rv;

	if ((oneshot && o->multipart) || (!oneshot && o->oneshot)) {
		rv = CKR_OPERATION_ACTIVE;      /* single- and multi-part calls do not mix */
		goto end;
	}
	if (!op_output_fits(sig, plen, o->p.out_len, &rv)) {
		if (oneshot)
			o->oneshot = 1;
		op_pk_put(o, 0);
		return rv;
	}
	rv = oneshot ? ops->update(&o->p, data != NULL ? data : (const uint8_t *)"", len, NULL,
				   &got) : CKR_OK;
	if (rv == CKR_OK)
		rv = ops->final(&o->p, sig, *plen, &got);
	if (rv == CKR_OK)
		*plen = got;
end:
	op_pk_put(o, 1);
	return rv;
}

/* C_Verify / C_VerifyFinal of a MAC: recomputed and compared in constant time. */
static CK_RV op_mac_verify(struct op_pk *o, int oneshot, const uint8_t *data, size_t len,
			   const uint8_t *sig, size_t sig_len)
{
	const struct prim_ops *ops = o->p.m->ops;
	uint8_t mac[CRYPTO_MD_MAX];
	size_t got = 0;
	CK_RV rv = CKR_OK;

	if (oneshot && o->multipart)
		rv = CKR_OPERATION_ACTIVE;
	else if (oneshot)
		rv = ops->update(&o->p, data != NULL ? data : (const uint8_t *)"", len, NULL, &got);
	if (rv == CKR_OK)
		rv = ops->final(&o->p, mac, sizeof mac, &got);
	if (rv == CKR_OK && sig_len != got)
		rv = CKR_SIGNATURE_LEN_RANGE;
	if (rv == CKR_OK && CRYPTO_memcmp(mac, sig, got) != 0)
		rv = CKR_SIGNATURE_INVALID;
	OPENSSL_cleanse(mac, sizeof mac);
	op_pk_put(o, 1);
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
	if (op_toksym_is(&o->op))
		return op_toksym_sign(&o->op, oneshot, data, len, pSignature, pulSignatureLen);
	if (o->p.m->ops->secret)
		return op_mac_sign(o, oneshot, data, len, pSignature, pulSignatureLen);
	if (!oneshot && o->p.m->hash == 0) {
		op_pk_put(o, 1);                /* single-part only, as in op_sign_update */
		return CKR_FUNCTION_NOT_SUPPORTED;
	}
	if ((oneshot && o->multipart) || (!oneshot && o->oneshot)) {
		rv = CKR_OPERATION_ACTIVE;      /* single- and multi-part calls do not mix */
		goto end;
	}
	if (!op_output_fits(pSignature, pulSignatureLen, o->p.out_len, &rv)) {
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
		*pulSignatureLen = o->p.out_len;
end:
	OPENSSL_cleanse(hbuf, sizeof hbuf);
	op_pk_put(o, 1);
	return rv;
}

CK_RV rt_SignInit(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, CK_OBJECT_HANDLE hKey)
{
	return op_key_init(hSession, OP_SIGN, pMechanism, hKey);
}

CK_RV rt_Sign(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pData, CK_ULONG ulDataLen,
	      CK_BYTE_PTR pSignature, CK_ULONG_PTR pulSignatureLen)
{
	return op_sign_finish(hSession, 1, pData, ulDataLen, pSignature, pulSignatureLen);
}

/* C_SignUpdate, C_VerifyUpdate: one more part of a multi-part operation of that kind. */
static CK_RV op_sign_update_as(CK_SESSION_HANDLE h, enum op_kind kind, CK_BYTE_PTR part,
			       CK_ULONG len, int given)
{
	struct op_pk *o;
	CK_RV rv = op_pk_get(h, kind, &o);

	if (rv != CKR_OK)
		return rv;
	if (o->op.sig_given != given) {
		op_pk_put(o, 0);        /* the other form's operation: not this call's */
		return CKR_OPERATION_NOT_INITIALIZED;
	}
	if (op_toksym_is(&o->op))
		return op_toksym_mac_update(&o->op, part, len);
	if (o->p.m->ops->secret) {
		/* a MAC: fed as it comes */
		if (o->oneshot) {
			op_pk_put(o, 1);
			return CKR_OPERATION_ACTIVE;
		}
		o->multipart = 1;
		rv = o->p.m->ops->update(&o->p, part != NULL ? part : (const uint8_t *)"", len,
					 NULL, NULL);
		op_pk_put(o, rv != CKR_OK);
		return rv;
	}
	if (o->p.m->hash == 0) {
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

static CK_RV op_sign_update(CK_SESSION_HANDLE h, enum op_kind kind, CK_BYTE_PTR part,
			    CK_ULONG len)
{
	return op_sign_update_as(h, kind, part, len, 0);
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
	const struct prim_ops *ops = o->p.m->ops;

	if (ops->verify == NULL)
		return CKR_MECHANISM_INVALID;
	return ops->verify(&o->p, in, in_len, sig, sig_len);
}

/* C_Verify (oneshot, with data) and C_VerifyFinal with the signature sig; given: the
 * 3.2 forms, with the signature the operation holds (sig is then not read). */
static CK_RV op_verify_finish(CK_SESSION_HANDLE h, int oneshot, const uint8_t *data, size_t len,
			      const uint8_t *sig, size_t sig_len, int given)
{
	uint8_t hbuf[CRYPTO_MD_MAX];
	const uint8_t *in;
	size_t in_len;
	struct op_pk *o;
	CK_RV rv = op_pk_get(h, OP_VERIFY, &o);

	if (rv != CKR_OK)
		return rv;
	if (o->op.sig_given != given) {
		op_pk_put(o, 0);        /* the other form's operation: not this call's */
		return CKR_OPERATION_NOT_INITIALIZED;
	}
	if (given) {
		sig = o->op.given_sig;  /* the operation's own: valid while it is held */
		sig_len = o->op.given_sig_len;
	}
	if (op_toksym_is(&o->op))
		return op_toksym_verify(&o->op, oneshot, data, len, sig, sig_len);
	if (o->p.m->ops->secret)
		return op_mac_verify(o, oneshot, data, len, sig, sig_len);
	if (!oneshot && o->p.m->hash == 0) {
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
	return op_key_init(hSession, OP_VERIFY, pMechanism, hKey);
}

CK_RV rt_Verify(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pData, CK_ULONG ulDataLen,
		CK_BYTE_PTR pSignature, CK_ULONG ulSignatureLen)
{
	return op_verify_finish(hSession, 1, pData, ulDataLen, pSignature, ulSignatureLen, 0);
}

CK_RV rt_VerifyUpdate(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pPart, CK_ULONG ulPartLen)
{
	return op_sign_update(hSession, OP_VERIFY, pPart, ulPartLen);
}

CK_RV rt_VerifyFinal(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pSignature, CK_ULONG ulSignatureLen)
{
	return op_verify_finish(hSession, 0, NULL, 0, pSignature, ulSignatureLen, 0);
}

/* --- verification with the signature given at Init (PKCS #11 3.2) ----------------------- */

CK_RV rt_VerifySignatureInit(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism,
			     CK_OBJECT_HANDLE hKey, CK_BYTE_PTR pSignature, CK_ULONG ulSignatureLen)
{
	unsigned char *copy = NULL;
	struct op *op;
	CK_RV rv;

	if (pMechanism != NULL) {
		copy = malloc(ulSignatureLen > 0 ? ulSignatureLen : 1);
		if (copy == NULL)
			return CKR_HOST_MEMORY;
		if (ulSignatureLen > 0)
			memcpy(copy, pSignature, ulSignatureLen);
	}
	/* the checks and the start of C_VerifyInit (NULL: the active operation ends) */
	rv = rt_VerifyInit(hSession, pMechanism, hKey);
	if (rv != CKR_OK || pMechanism == NULL) {
		free(copy);
		return rv;
	}
	rv = op_acquire(hSession, OP_VERIFY, &op);
	if (rv != CKR_OK) {
		free(copy);
		return rv == CKR_OPERATION_NOT_INITIALIZED ? CKR_SESSION_CLOSED : rv;
	}
	op->given_sig = copy;
	op->given_sig_len = ulSignatureLen;
	op->sig_given = 1;
	/* a signature whose length the key already tells is checked now (5.15) */
	if (!op_toksym_is(op)) {
		const struct op_pk *o = (const struct op_pk *)op;

		if (!o->p.m->ops->secret && o->p.out_len != 0 && ulSignatureLen != o->p.out_len) {
			op_release(op, 1);
			return CKR_SIGNATURE_LEN_RANGE;
		}
	}
	op_release(op, 0);
	return CKR_OK;
}

CK_RV rt_VerifySignature(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pData, CK_ULONG ulDataLen)
{
	return op_verify_finish(hSession, 1, pData, ulDataLen, NULL, 0, 1);
}

CK_RV rt_VerifySignatureUpdate(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pPart,
			       CK_ULONG ulPartLen)
{
	return op_sign_update_as(hSession, OP_VERIFY, pPart, ulPartLen, 1);
}

CK_RV rt_VerifySignatureFinal(CK_SESSION_HANDLE hSession)
{
	return op_verify_finish(hSession, 0, NULL, 0, NULL, 0, 1);
}
