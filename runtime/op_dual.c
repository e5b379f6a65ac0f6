/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * op_dual.c — the dual-function updates of PKCS #11 3.2, 5.17: C_DigestEncryptUpdate,
 * C_DecryptDigestUpdate, C_SignEncryptUpdate, C_DecryptVerifyUpdate. Each continues two
 * operations of the session with one part: the plaintext goes to the digest, signature or
 * verification, and to the encryption; or the ciphertext is decrypted and what the
 * decryption gives out goes on to the digest or verification.
 *
 * Rules: both operations must be active (else CKR_OPERATION_NOT_INITIALIZED, and the one
 * that is active stays as it was: the call continued nothing). The output follows the
 * two-call convention of 5.2 with the cipher's exact update length (whole blocks; a
 * public-key cipher collects its one block and gives nothing before Final): a size query
 * or CKR_BUFFER_TOO_SMALL advances neither operation. Any other error ends both, as an
 * error of either Update would end its own (5.1: 5.17 has the two run as one call). The
 * halves are those of the single Update calls: one-shot and multi-part do not mix
 * (CKR_OPERATION_ACTIVE after a one-shot size query), a single-part signature (raw RSA,
 * PSS, ECDSA, GOST R 34.10) has no Update (CKR_FUNCTION_NOT_SUPPORTED, appended to the two
 * signing functions' lists as to C_SignUpdate's). As the standard notes, a decryption that
 * keeps its last part for Final (CBC-PAD, GCM, RSA) passes that part on only there: the
 * application gives it to the digest or verification itself.
 *
 * Locks: the two operations are taken in the order of their kinds (opstate.h), the same
 * for every caller, so two dual calls on one session cannot wait for each other.
 */
#include "op.h"

#include "log.h"
#include "op_toksym.h"
#include "session.h"
#include "sk_dispatch.h"

/* Both operations of the call, held, or the first failure (nothing held then). */
static CK_RV dual_get(CK_SESSION_HANDLE h, enum op_kind a, enum op_kind b, struct op **oa,
		      struct op **ob)
{
	struct sess_info si;
	enum op_kind first = a < b ? a : b, second = a < b ? b : a;
	struct op *o1, *o2;
	CK_RV rv = sess_call(h, &si);

	if (rv != CKR_OK)
		return rv;
	rv = op_acquire(h, first, &o1);
	if (rv != CKR_OK)
		return rv;
	rv = op_acquire(h, second, &o2);
	if (rv != CKR_OK) {
		op_release(o1, 0);
		return rv;
	}
	*oa = a < b ? o1 : o2;
	*ob = a < b ? o2 : o1;
	return CKR_OK;
}

static void dual_put(struct op *a, struct op *b, int end)
{
	op_release(b, end);
	op_release(a, end);
}

/* --- the cipher's half ----------------------------------------------------------------- */

/* The exact output of an update of n bytes. */
static size_t dual_crypt_len(const struct op_pk *c, size_t n)
{
	const struct prim_ops *ops = c->p.m->ops;

	return ops->secret ? ops->update_len(&c->p, n) : 0;
}

static CK_RV dual_crypt(struct op_pk *c, int decrypt, const uint8_t *in, size_t n, uint8_t *out,
			size_t *got)
{
	const struct prim_ops *ops = c->p.m->ops;
	size_t max;
	CK_RV rv;

	c->multipart = 1;
	*got = 0;
	if (ops->secret)
		return ops->update(&c->p, in, n, out, got);
	/* a public-key cipher: one block, collected (op_crypt.c) */
	max = decrypt ? c->p.k : ops->max_plain != NULL ? ops->max_plain(&c->p) : c->p.k;
	rv = op_pk_feed(c, in, n, max);
	return decrypt && rv == CKR_DATA_LEN_RANGE ? CKR_ENCRYPTED_DATA_LEN_RANGE : rv;
}

/* --- the signature's half ---------------------------------------------------------------- */

static CK_RV dual_sign_check(const struct op_pk *s)
{
	if (s->oneshot)
		return CKR_OPERATION_ACTIVE;    /* after a one-shot size query */
	if (!s->p.m->ops->secret && s->p.m->hash == 0)
		return CKR_FUNCTION_NOT_SUPPORTED;      /* single-part only */
	return CKR_OK;
}

static CK_RV dual_sign_feed(struct op_pk *s, const uint8_t *p, size_t n)
{
	s->multipart = 1;
	if (s->p.m->ops->secret)
		return s->p.m->ops->update(&s->p, p, n, NULL, NULL);
	return op_pk_feed(s, p, n, op_pk_max_input(s));
}

/* --- the four calls ------------------------------------------------------------------ */

/*
 * One dual call: kind is the other operation (OP_DIGEST, OP_SIGN or OP_VERIFY), cipher
 * OP_ENCRYPT or OP_DECRYPT. Encryption: in goes to both. Decryption: in is decrypted into
 * out, and that goes on.
 */
static CK_RV dual_update(CK_SESSION_HANDLE h, enum op_kind kind, enum op_kind cipher,
			 const uint8_t *in, CK_ULONG n, CK_BYTE_PTR out, CK_ULONG_PTR pulOut)
{
	int decrypt = cipher == OP_DECRYPT;
	struct op *oo, *oc;
	struct op_pk *c;
	struct op_digest *d = NULL;
	struct op_pk *s = NULL;
	size_t got = 0;
	CK_RV rv = dual_get(h, kind, cipher, &oo, &oc);

	if (rv != CKR_OK)
		return rv;
	if (op_toksym_is(oo) || op_toksym_is(oc) || oo->sig_given) {
		/* a token secret key's operation keeps no host state to feed, and a
		 * verification of 3.2 takes its data through C_VerifySignatureUpdate */
		log_msg(LOG_ERROR, "dual function: one of its operations is one it cannot join "
			"(a token secret key's, or C_VerifySignatureInit's)");
		rv = CKR_FUNCTION_FAILED;
		goto end;
	}
	if (in == NULL)
		in = (const uint8_t *)"";
	c = (struct op_pk *)oc;
	if (kind == OP_DIGEST)
		d = (struct op_digest *)oo;
	else
		s = (struct op_pk *)oo;
	/* what would refuse either half, before anything moves */
	if (c->oneshot || (d != NULL && d->oneshot)) {
		rv = CKR_OPERATION_ACTIVE;
		goto end;
	}
	if (s != NULL && (rv = dual_sign_check(s)) != CKR_OK)
		goto end;
	if (!op_output_fits(out, pulOut, dual_crypt_len(c, n), &rv)) {
		dual_put(oo, oc, 0);    /* a size query or a short buffer: neither moves */
		return rv;
	}
	rv = dual_crypt(c, decrypt, in, n, out, &got);
	if (rv != CKR_OK)
		goto end;
	if (decrypt)
		in = out, n = got;      /* the plaintext goes on */
	rv = d != NULL ? op_digest_feed(d, in, n) : dual_sign_feed(s, in, n);
	if (rv == CKR_OK)
		*pulOut = got;
end:
	dual_put(oo, oc, rv != CKR_OK);
	return rv;
}

CK_RV rt_DigestEncryptUpdate(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pPart, CK_ULONG ulPartLen,
			     CK_BYTE_PTR pEncryptedPart, CK_ULONG_PTR pulEncryptedPartLen)
{
	return dual_update(hSession, OP_DIGEST, OP_ENCRYPT, pPart, ulPartLen, pEncryptedPart,
			   pulEncryptedPartLen);
}

CK_RV rt_DecryptDigestUpdate(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pEncryptedPart,
			     CK_ULONG ulEncryptedPartLen, CK_BYTE_PTR pPart, CK_ULONG_PTR pulPartLen)
{
	return dual_update(hSession, OP_DIGEST, OP_DECRYPT, pEncryptedPart, ulEncryptedPartLen,
			   pPart, pulPartLen);
}

CK_RV rt_SignEncryptUpdate(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pPart, CK_ULONG ulPartLen,
			   CK_BYTE_PTR pEncryptedPart, CK_ULONG_PTR pulEncryptedPartLen)
{
	return dual_update(hSession, OP_SIGN, OP_ENCRYPT, pPart, ulPartLen, pEncryptedPart,
			   pulEncryptedPartLen);
}

CK_RV rt_DecryptVerifyUpdate(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pEncryptedPart,
			     CK_ULONG ulEncryptedPartLen, CK_BYTE_PTR pPart, CK_ULONG_PTR pulPartLen)
{
	return dual_update(hSession, OP_VERIFY, OP_DECRYPT, pEncryptedPart, ulEncryptedPartLen,
			   pPart, pulPartLen);
}
