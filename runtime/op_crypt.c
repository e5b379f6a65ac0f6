/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * op_crypt.c — C_EncryptInit, C_Encrypt, C_EncryptUpdate, C_EncryptFinal (RSA with public
 * keys, on the host) and C_DecryptInit, C_Decrypt, C_DecryptUpdate, C_DecryptFinal (the raw
 * RSA operation on the token, the padding removed on the host in constant time).
 *
 * RSA encrypts and decrypts one block: the Update calls collect the input (at most one
 * modulus long) and return no output; the Final call does the work. A decryption whose
 * plaintext does not fit the caller's buffer is kept, with its ciphertext, so that the
 * retry the standard expects after CKR_BUFFER_TOO_SMALL does not ask the token again.
 *
 * Secret-key ciphers (AES, DES3) run on the host through their primitive's update and
 * final hooks (op_sym_*), the mode's output given as it comes. With a token secret key
 * they run on the token: op_toksym.c takes the Init and every later call.
 */
#include "op.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "crypto.h"
#include "op_toksym.h"
#include "sk_dispatch.h"

/* The longest plaintext a modulus of k bytes carries with this padding. */
static size_t op_crypt_max_plain(const struct op_pk *o)
{
	const struct prim_ops *ops = o->p.m->ops;

	return ops->max_plain != NULL ? ops->max_plain(&o->p) : o->p.k;
}

/* --- secret-key ciphers (host) ------------------------------------------------------- */

/* C_EncryptUpdate / C_DecryptUpdate: the whole blocks the mode gives now. */
static CK_RV op_sym_update(struct op_pk *o, const uint8_t *in, size_t n, CK_BYTE_PTR out,
			   CK_ULONG_PTR pulOut)
{
	const struct prim_ops *ops = o->p.m->ops;
	size_t got = 0;
	CK_RV rv;

	if (o->oneshot) {
		op_pk_put(o, 1);
		return CKR_OPERATION_ACTIVE;    /* after a one-shot size query */
	}
	if (!op_output_fits(out, pulOut, ops->update_len(&o->p, n), &rv)) {
		op_pk_put(o, 0);
		return rv;
	}
	o->multipart = 1;
	rv = ops->update(&o->p, in != NULL ? in : (const uint8_t *)"", n, out, &got);
	if (rv == CKR_OK)
		*pulOut = got;
	op_pk_put(o, rv != CKR_OK);
	return rv;
}

/* C_EncryptFinal / C_DecryptFinal: the last part, computed once. */
static CK_RV op_sym_final(struct op_pk *o, CK_BYTE_PTR out, CK_ULONG_PTR pulOut)
{
	const struct prim_ops *ops = o->p.m->ops;
	size_t got = 0;
	CK_RV rv;

	if (o->oneshot) {
		op_pk_put(o, 1);
		return CKR_OPERATION_ACTIVE;
	}
	if (out == NULL) {
		*pulOut = ops->final_len(&o->p);        /* at most that (PKCS #11 3.2, 5.2) */
		op_pk_put(o, 0);
		return CKR_OK;
	}
	rv = ops->final(&o->p, out, *pulOut, &got);
	if (rv == CKR_BUFFER_TOO_SMALL) {
		*pulOut = got;
		op_pk_put(o, 0);
		return rv;
	}
	if (rv == CKR_OK)
		*pulOut = got;
	op_pk_put(o, 1);
	return rv;
}

/* C_Encrypt / C_Decrypt: all of in, computed at the first call and kept with its input
 * for the call that follows a size query or CKR_BUFFER_TOO_SMALL. */
static CK_RV op_sym_oneshot(struct op_pk *o, const uint8_t *in, size_t n, CK_BYTE_PTR out,
			    CK_ULONG_PTR pulOut)
{
	const struct prim_ops *ops = o->p.m->ops;
	size_t k1 = 0, k2 = 0, cap;
	CK_RV rv = CKR_OK;

	if (in == NULL)
		in = (const uint8_t *)"";
	if (o->multipart) {
		rv = CKR_OPERATION_ACTIVE;      /* single- and multi-part calls do not mix */
		goto end;
	}
	if (o->result == NULL) {
		/* no mode gives more than its input and a block or a tag (a GCM decryption
		 * gives nothing before Final, and then all of it) */
		cap = n + 64;
		o->result = calloc(1, cap);
		o->result_in = malloc(n > 0 ? n : 1);
		if (o->result == NULL || o->result_in == NULL) {
			rv = CKR_HOST_MEMORY;
			goto end;
		}
		o->result_cap = cap;
		rv = ops->update(&o->p, in, n, o->result, &k1);
		if (rv == CKR_OK)
			rv = ops->final(&o->p, o->result + k1, cap - k1, &k2);
		if (rv != CKR_OK)
			goto end;
		o->result_len = k1 + k2;
		if (n > 0)
			memcpy(o->result_in, in, n);
		o->result_in_len = n;
	} else if (n != o->result_in_len || (n > 0 && memcmp(in, o->result_in, n) != 0)) {
		/* the retry of a kept result must give the same input: the cipher's state
		 * has moved on */
		rv = CKR_ARGUMENTS_BAD;
		goto end;
	}
	if (!op_output_fits(out, pulOut, o->result_len, &rv)) {
		o->oneshot = 1;
		op_pk_put(o, 0);
		return rv;
	}
	if (o->result_len > 0)
		memcpy(out, o->result, o->result_len);
	*pulOut = o->result_len;
end:
	op_pk_put(o, 1);
	return rv;
}

/* --- encryption (host) -------------------------------------------------------------- */

static CK_RV op_encrypt_finish(CK_SESSION_HANDLE h, int oneshot, const uint8_t *data,
			       size_t len, CK_BYTE_PTR out, CK_ULONG_PTR pulOut)
{
	struct op_pk *o;
	size_t olen = 0;
	CK_RV rv = op_pk_get(h, OP_ENCRYPT, &o);

	if (rv != CKR_OK)
		return rv;
	if (op_toksym_is(&o->op))               /* a token secret key: op_toksym.c */
		return oneshot ? op_toksym_oneshot(&o->op, data, len, out, pulOut)
			       : op_toksym_final(&o->op, out, pulOut);
	if (o->p.m->ops->secret)
		return oneshot ? op_sym_oneshot(o, data, len, out, pulOut)
			       : op_sym_final(o, out, pulOut);
	if ((oneshot && o->multipart) || (!oneshot && o->oneshot)) {
		rv = CKR_OPERATION_ACTIVE;      /* single- and multi-part calls do not mix */
		goto end;
	}
	if (!op_output_fits(out, pulOut, o->p.k, &rv)) {
		if (oneshot)
			o->oneshot = 1;
		op_pk_put(o, 0);
		return rv;
	}
	if (oneshot) {
		rv = op_pk_feed(o, data, len, o->p.k);
		if (rv != CKR_OK)
			goto end;
	}
	rv = o->p.m->ops->encrypt == NULL ? CKR_MECHANISM_INVALID :
		o->p.m->ops->encrypt(&o->p, o->buf != NULL ? o->buf : (const uint8_t *)"", o->len,
				     out, &olen);
	if (rv == CKR_OK)
		*pulOut = olen;
end:
	op_pk_put(o, 1);
	return rv;
}

CK_RV rt_EncryptInit(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism,
		     CK_OBJECT_HANDLE hKey)
{
	return op_key_init(hSession, OP_ENCRYPT, pMechanism, hKey);
}

CK_RV rt_Encrypt(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pData, CK_ULONG ulDataLen,
		 CK_BYTE_PTR pEncryptedData, CK_ULONG_PTR pulEncryptedDataLen)
{
	return op_encrypt_finish(hSession, 1, pData, ulDataLen, pEncryptedData,
				 pulEncryptedDataLen);
}

CK_RV rt_EncryptUpdate(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pPart, CK_ULONG ulPartLen,
		       CK_BYTE_PTR pEncryptedPart, CK_ULONG_PTR pulEncryptedPartLen)
{
	struct op_pk *o;
	CK_RV rv = op_pk_get(hSession, OP_ENCRYPT, &o);

	if (rv != CKR_OK)
		return rv;
	if (op_toksym_is(&o->op))
		return op_toksym_update(&o->op, pPart, ulPartLen, pEncryptedPart,
					pulEncryptedPartLen);
	if (o->p.m->ops->secret)
		return op_sym_update(o, pPart, ulPartLen, pEncryptedPart, pulEncryptedPartLen);
	if (o->oneshot) {
		op_pk_put(o, 1);
		return CKR_OPERATION_ACTIVE;    /* after a C_Encrypt size query */
	}
	o->multipart = 1;
	rv = op_pk_feed(o, pPart, ulPartLen, op_crypt_max_plain(o));
	op_pk_put(o, rv != CKR_OK);
	if (rv != CKR_OK)
		return rv;
	*pulEncryptedPartLen = 0;
	return CKR_OK;
}

CK_RV rt_EncryptFinal(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pLastEncryptedPart,
		      CK_ULONG_PTR pulLastEncryptedPartLen)
{
	return op_encrypt_finish(hSession, 0, NULL, 0, pLastEncryptedPart,
				 pulLastEncryptedPartLen);
}

/* --- decryption (token + host) ------------------------------------------------------- */

/* Decrypt ct[0..k) into o->result (k bytes), o->result_len. */
static CK_RV op_decrypt_compute(struct op_pk *o, const uint8_t *ct)
{
	uint8_t *em = malloc(o->p.k);
	size_t elen = o->p.k, mlen = 0;
	CK_RV rv = CKR_OK;

	if (o->result == NULL)
		o->result = malloc(o->p.k);
	if (o->result_in == NULL)
		o->result_in = malloc(o->p.k);
	if (em == NULL || o->result == NULL || o->result_in == NULL) {
		rv = CKR_HOST_MEMORY;
		goto out;
	}
	rv = op_pk_private(o, 1, ct, o->p.k, em, &elen);
	if (rv != CKR_OK)
		goto out;
	rv = o->p.m->ops->decrypt_decode != NULL ?
		o->p.m->ops->decrypt_decode(&o->p, em, elen, o->result, &mlen) :
		CKR_MECHANISM_INVALID;
	if (rv != CKR_OK)
		goto out;
	o->result_len = mlen;
	memcpy(o->result_in, ct, o->p.k);
out:
	if (em != NULL) {
		OPENSSL_cleanse(em, o->p.k);
		free(em);
	}
	return rv;
}

static CK_RV op_decrypt_finish(CK_SESSION_HANDLE h, int oneshot, const uint8_t *ct, size_t len,
			       CK_BYTE_PTR out, CK_ULONG_PTR pulOut)
{
	struct op_pk *o;
	CK_RV rv = op_pk_get(h, OP_DECRYPT, &o);

	if (rv != CKR_OK)
		return rv;
	if (op_toksym_is(&o->op))
		return oneshot ? op_toksym_oneshot(&o->op, ct, len, out, pulOut)
			       : op_toksym_final(&o->op, out, pulOut);
	if (o->p.m->ops->secret)
		return oneshot ? op_sym_oneshot(o, ct, len, out, pulOut)
			       : op_sym_final(o, out, pulOut);
	if ((oneshot && o->multipart) || (!oneshot && o->oneshot)) {
		rv = CKR_OPERATION_ACTIVE;      /* single- and multi-part calls do not mix */
		goto end;
	}
	if (!oneshot) {
		ct = o->buf;
		len = o->len;
	}
	if (len != o->p.k || ct == NULL) {
		rv = CKR_ENCRYPTED_DATA_LEN_RANGE;
		goto end;
	}
	/* the primitive's own check of the ciphertext, on the host: before any size
	 * answer, and before the token sees it */
	rv = o->p.m->ops->decrypt_check != NULL ? o->p.m->ops->decrypt_check(&o->p, ct, len)
						: CKR_MECHANISM_INVALID;
	if (rv != CKR_OK)
		goto end;
	if (out == NULL) {
		*pulOut = o->result_len > 0 && memcmp(o->result_in, ct, o->p.k) == 0 ?
				  o->result_len : op_crypt_max_plain(o);
		if (oneshot)
			o->oneshot = 1;
		op_pk_put(o, 0);
		return CKR_OK;
	}
	if (o->result_len == 0 || memcmp(o->result_in, ct, o->p.k) != 0) {
		if (o->always_auth && !o->authed) {
			rv = CKR_USER_NOT_LOGGED_IN;
			goto end;
		}
		o->result_len = 0;
		rv = op_decrypt_compute(o, ct);
		if (rv != CKR_OK)
			goto end;
	}
	if (*pulOut < o->result_len) {
		*pulOut = o->result_len;
		if (oneshot)
			o->oneshot = 1;
		op_pk_put(o, 0);
		return CKR_BUFFER_TOO_SMALL;
	}
	memcpy(out, o->result, o->result_len);
	*pulOut = o->result_len;
end:
	op_pk_put(o, 1);
	return rv;
}

CK_RV rt_DecryptInit(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism,
		     CK_OBJECT_HANDLE hKey)
{
	return op_key_init(hSession, OP_DECRYPT, pMechanism, hKey);
}

CK_RV rt_Decrypt(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pEncryptedData,
		 CK_ULONG ulEncryptedDataLen, CK_BYTE_PTR pData, CK_ULONG_PTR pulDataLen)
{
	return op_decrypt_finish(hSession, 1, pEncryptedData, ulEncryptedDataLen, pData,
				 pulDataLen);
}

CK_RV rt_DecryptUpdate(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pEncryptedPart,
		       CK_ULONG ulEncryptedPartLen, CK_BYTE_PTR pPart, CK_ULONG_PTR pulPartLen)
{
	struct op_pk *o;
	CK_RV rv = op_pk_get(hSession, OP_DECRYPT, &o);

	if (rv != CKR_OK)
		return rv;
	if (op_toksym_is(&o->op))
		return op_toksym_update(&o->op, pEncryptedPart, ulEncryptedPartLen, pPart,
					pulPartLen);
	if (o->p.m->ops->secret)
		return op_sym_update(o, pEncryptedPart, ulEncryptedPartLen, pPart, pulPartLen);
	if (o->oneshot) {
		op_pk_put(o, 1);
		return CKR_OPERATION_ACTIVE;    /* after a C_Decrypt size query */
	}
	o->multipart = 1;
	rv = op_pk_feed(o, pEncryptedPart, ulEncryptedPartLen, o->p.k);
	op_pk_put(o, rv != CKR_OK);
	if (rv != CKR_OK)
		return rv == CKR_DATA_LEN_RANGE ? CKR_ENCRYPTED_DATA_LEN_RANGE : rv;
	*pulPartLen = 0;
	return CKR_OK;
}

CK_RV rt_DecryptFinal(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pLastPart,
		      CK_ULONG_PTR pulLastPartLen)
{
	return op_decrypt_finish(hSession, 0, NULL, 0, pLastPart, pulLastPartLen);
}
