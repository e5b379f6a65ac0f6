/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * op_msg.c — the message-based functions of PKCS #11 3.0 (3.2 sections 5.9, 5.11, 5.14,
 * 5.16): C_MessageEncryptInit ... C_MessageVerifyFinal.
 *
 * A process (the Init call) holds a mechanism and a key until its Final call; each
 * message within it is one C_EncryptMessage, or one C_EncryptMessageBegin followed by
 * C_EncryptMessageNext calls up to the one with CKF_END_OF_MESSAGE (signing and
 * verification: a non-NULL pulSignatureLen / pSignature). The rules, from those sections:
 * - a message call without the process is CKR_OPERATION_NOT_INITIALIZED, as is a Next
 *   without a Begin; a one-shot call or a Begin while a multi-part message is in
 *   progress is CKR_OPERATION_ACTIVE, and leaves that message alone;
 * - an error ends the current message only, never the process; the last Next ends its
 *   message unless it is a size query or gets CKR_BUFFER_TOO_SMALL (both keep it, and
 *   feed nothing: the retry gives the same part again); C_VerifyMessageNext with a
 *   signature always ends it;
 * - a one-shot call's size query computes nothing (an AEAD message gives as many bytes as
 *   it takes, a signature is as long as the key says), so it generates no IV;
 * - C_MessageEncryptInit(NULL) ends the process and any message in it; the Final call
 *   does the same (a message in progress is dropped, as NSS's softoken does: the
 *   standard gives Final no other outcome);
 * - a process and the classic operation of the same function exclude each other
 *   (opstate.h: op_busy), as two operations of one kind would.
 *
 * Encryption and decryption run the AEAD primitives (prim_ops.msg_param, prim/prim.h):
 * each message is one classic operation of the primitive, started by its key hook with
 * the classic parameter its adapter builds from the message's parameter (the key's value
 * kept from the Init), the tag taken off the end of the classic ciphertext into pTag, or
 * appended from pTag before the classic decryption's final check. A wrong tag is
 * CKR_AEAD_DECRYPT_FAILED (3.0), and no plaintext is given (the classic decryption holds
 * all of it until its tag is verified).
 *
 * Signing and verification run what C_Sign and C_Verify run: the MACs (HMAC, CMAC),
 * restarted for each message from the Init's mechanism and the kept key value, and the
 * signatures (hash-then-sign RSA, ECDSA, GOST R 34.10 with token keys, verification with
 * public keys on the host), a fresh hash for each message. Their message parameter is
 * none: (NULL, 0). A key with CKA_ALWAYS_AUTHENTICATE takes C_Login(CKU_CONTEXT_SPECIFIC)
 * before each message's signature: each message is one use (3.2, 4.9).
 *
 * The IV generators (AES-GCM "MessageEncrypt"): CKG_GENERATE_COUNTER fills the IV's bits
 * after its ulIvFixedBits leading ones with a counter of the process, from zero;
 * CKG_GENERATE_RANDOM with the host's random bytes; CKG_GENERATE, which the module must
 * have and whose method is its own, is random when 64 bits or more are free (NIST SP
 * 800-38D 8.2.2), else the counter (8.2.1), which cannot repeat. A counter that would
 * wrap within the free bits fails the message (CKR_MECHANISM_PARAM_INVALID: the fixed
 * bits leave no IV). CKG_GENERATE_COUNTER_XOR (3.2) is not offered: its input must stay
 * the same from call to call, and the IV written back changes it.
 */
#include "op.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "crypto.h"
#include "session.h"
#include "sk_dispatch.h"

struct op_msg {
	struct op_pk pk;                /* first: op_pk's machinery, pk.op opstate's view */
	enum op_kind classic;           /* OP_ENCRYPT ...: the key's usage */
	int cipher, decrypt;            /* an AEAD process; decryption */
	CK_MECHANISM mech;              /* the Init's mechanism, its parameter copied */
	uint8_t *mparam;
	int in_msg;                     /* a multi-part message is in progress */
	size_t tag_len;                 /* ... its tag's length */
	size_t in_total, out_total;     /* ... what it took and gave */
	uint64_t counter;               /* the IV counter, from zero */
};

static void op_msg_destroy(struct op *op)
{
	struct op_msg *o = (struct op_msg *)op;

	if (o->mparam != NULL) {
		OPENSSL_cleanse(o->mparam, o->mech.ulParameterLen);
		free(o->mparam);
	}
	op_pk_free(&o->pk, sizeof *o);
}

/* sk_bad_args: a message call's bad argument ends its message (opstate.h). */
static void op_msg_end_message(struct op *op)
{
	((struct op_msg *)op)->in_msg = 0;
}

/* The key usage, the mechanism flag and the classic twin of a process kind; 1 for the
 * ciphers. */
static int op_msg_usage(enum op_kind kind, CK_FLAGS *need, enum op_kind *classic)
{
	switch (kind) {
	case OP_MSG_ENCRYPT:
		*need = CKF_MESSAGE_ENCRYPT;
		*classic = OP_ENCRYPT;
		return 1;
	case OP_MSG_DECRYPT:
		*need = CKF_MESSAGE_DECRYPT;
		*classic = OP_DECRYPT;
		return 1;
	case OP_MSG_SIGN:
		*need = CKF_MESSAGE_SIGN;
		*classic = OP_SIGN;
		return 0;
	default:
		*need = CKF_MESSAGE_VERIFY;
		*classic = OP_VERIFY;
		return 0;
	}
}

/* C_Message*Init. */
static CK_RV op_msg_init(CK_SESSION_HANDLE h, enum op_kind kind, const CK_MECHANISM *pm,
			 CK_OBJECT_HANDLE key)
{
	struct sess_info si;
	struct prim_msg stand, form;
	const CK_MECHANISM *key_mech = NULL;
	const struct mech *m;
	struct op_pk *pk = NULL;
	struct op_msg *o;
	enum op_kind classic;
	CK_FLAGS need;
	int cipher = op_msg_usage(kind, &need, &classic);
	CK_RV rv = sess_call(h, &si);

	if (rv != CKR_OK)
		return rv;
	if (pm == NULL) {
		/* the process ends, and a message in it (5.9, C_MessageEncryptInit) */
		op_end(h, kind);
		return CKR_OK;
	}
	rv = op_busy(h, kind);
	if (rv != CKR_OK)
		return rv;
	m = mech_find(pm->mechanism);
	if (m == NULL || m->ops == NULL || (cipher && m->ops->msg_param == NULL))
		return CKR_MECHANISM_INVALID;
	if (cipher) {
		/* the Init's parameter says nothing of the messages (the standard's example
		 * gives the first message's CK_GCM_MESSAGE_PARAMS): its form only; the key
		 * is checked as a message would start */
		if ((pm->pParameter != NULL || pm->ulParameterLen != 0) &&
		    m->ops->msg_param(m, pm->pParameter, pm->ulParameterLen, NULL, 0, &form) !=
			    CKR_OK)
			return CKR_MECHANISM_PARAM_INVALID;
		rv = m->ops->msg_param(m, NULL, 0, NULL, 0, &stand);
		if (rv != CKR_OK)
			return rv;
		key_mech = &stand.classic;
	}
	rv = op_pk_prepare(h, classic, need, pm, key_mech, key, sizeof *o, &pk);
	if (rv != CKR_OK)
		return rv;
	o = (struct op_msg *)pk;
	o->pk.op.kind = kind;
	o->pk.op.destroy = op_msg_destroy;
	o->pk.op.end_message = op_msg_end_message;
	o->classic = classic;
	o->cipher = cipher;
	o->decrypt = kind == OP_MSG_DECRYPT;
	o->mech = *pm;
	o->mech.pParameter = NULL;
	if (!cipher && pm->ulParameterLen > 0) {
		/* a MAC restarts with it for each message (CK_MAC_GENERAL_PARAMS) */
		o->mparam = malloc(pm->ulParameterLen);
		if (o->mparam == NULL) {
			op_msg_destroy(&o->pk.op);
			return CKR_HOST_MEMORY;
		}
		memcpy(o->mparam, pm->pParameter, pm->ulParameterLen);
		o->mech.pParameter = o->mparam;
	} else {
		o->mech.ulParameterLen = 0;
	}
	rv = op_start(h, &o->pk.op);
	if (rv != CKR_OK)
		op_msg_destroy(&o->pk.op);
	return rv;
}

/* --- a message's start --------------------------------------------------------------- */

static const struct lb_attr *op_msg_key_attr(const void *view, CK_ATTRIBUTE_TYPE type)
{
	return type == CKA_VALUE ? view : NULL;
}

/* Start the primitive's state again under the kept key value, with mech's parameter. */
static CK_RV op_msg_rekey(struct op_msg *o, const CK_MECHANISM *mech)
{
	struct prim_ctx *c = &o->pk.p;
	const struct prim_ops *ops = c->m->ops;
	uint8_t *key = c->key;
	size_t klen = c->k;
	struct lb_attr v = { CKA_VALUE, klen, key };
	struct prim_attrs a = { &v, op_msg_key_attr };
	CK_RV rv;

	if (key == NULL)
		return CKR_FUNCTION_FAILED;
	if (ops->release != NULL)
		ops->release(c);
	c->key = NULL;
	c->init_mech = mech;
	rv = ops->key(c, &a, o->classic == OP_SIGN || o->classic == OP_DECRYPT);
	c->init_mech = NULL;
	if (c->key == NULL) {
		c->key = key;   /* the key hook failed before it took the value */
		c->k = klen;
	} else {
		OPENSSL_cleanse(key, klen);
		free(key);
	}
	return rv;
}

/* One message's parameter of an AEAD process, checked as the classic parameter would be
 * (the IV's and the tag's lengths, the associated data), before anything is generated. */
static CK_RV op_msg_aead_param(struct op_msg *o, void *param, CK_ULONG len, const uint8_t *aad,
			       size_t aad_len, struct prim_msg *pm)
{
	const struct mech *m = o->pk.p.m;
	struct mech_params prm;
	CK_RV rv;

	if (param == NULL)
		return CKR_MECHANISM_PARAM_INVALID;     /* a message needs its own */
	rv = m->ops->msg_param(m, param, len, aad, aad_len, pm);
	if (rv != CKR_OK)
		return CKR_MECHANISM_PARAM_INVALID;
	memset(&prm, 0, sizeof prm);
	rv = m->ops->param(m, &pm->classic, &prm);
	if (rv != CKR_OK)
		return CKR_MECHANISM_PARAM_INVALID;
	if (!o->decrypt && pm->gen != CKG_NO_GENERATE) {
		if (pm->gen != CKG_GENERATE && pm->gen != CKG_GENERATE_COUNTER &&
		    pm->gen != CKG_GENERATE_RANDOM)
			return CKR_MECHANISM_PARAM_INVALID;
		if (pm->fixed_bits >= (CK_ULONG)pm->iv_len * 8)
			return CKR_MECHANISM_PARAM_INVALID;     /* no bit left to generate */
	}
	return CKR_OK;
}

/* The IV's bits after the fixed ones: the counter's next value (big-endian, in the
 * rightmost bits) or random bytes. */
static CK_RV op_msg_gen_iv(struct op_msg *o, struct prim_msg *pm)
{
	size_t bits = pm->iv_len * 8 - pm->fixed_bits, first = pm->fixed_bits / 8, i;
	uint8_t keep = (uint8_t)(0xFFu << (8 - pm->fixed_bits % 8));    /* of iv[first] */
	int counter = pm->gen == CKG_GENERATE_COUNTER || (pm->gen == CKG_GENERATE && bits < 64);
	uint8_t *gen;
	uint64_t v;
	CK_RV rv = CKR_OK;

	if (pm->fixed_bits % 8 == 0)
		keep = 0;
	gen = malloc(pm->iv_len);
	if (gen == NULL)
		return CKR_HOST_MEMORY;
	memset(gen, 0, pm->iv_len);
	if (counter) {
		if (bits < 64 && (o->counter >> bits) != 0) {
			rv = CKR_MECHANISM_PARAM_INVALID;       /* every IV is used */
			goto out;
		}
		v = o->counter++;
		for (i = pm->iv_len; i > 0 && v != 0; i--, v >>= 8)
			gen[i - 1] = (uint8_t)v;
	} else {
		rv = crypto_random(gen, pm->iv_len);
		if (rv != CKR_OK)
			goto out;
	}
	pm->iv[first] = (uint8_t)((pm->iv[first] & keep) | (gen[first] & (uint8_t)~keep));
	for (i = first + 1; i < pm->iv_len; i++)
		pm->iv[i] = gen[i];
out:
	OPENSSL_cleanse(gen, pm->iv_len);
	free(gen);
	return rv;
}

/* A message of an AEAD process begins: its IV made (encryption), the primitive started. */
static CK_RV op_msg_aead_start(struct op_msg *o, void *param, CK_ULONG len, const uint8_t *aad,
			       size_t aad_len)
{
	struct prim_msg pm;
	CK_RV rv = op_msg_aead_param(o, param, len, aad, aad_len, &pm);

	if (rv == CKR_OK && !o->decrypt && pm.gen != CKG_NO_GENERATE)
		rv = op_msg_gen_iv(o, &pm);
	if (rv == CKR_OK)
		rv = op_msg_rekey(o, &pm.classic);
	o->tag_len = rv == CKR_OK ? pm.tag_len : 0;
	o->in_total = o->out_total = 0;
	return rv;
}

/* A message of a signing or verification process begins: no parameter; a fresh MAC or
 * hash. */
static CK_RV op_msg_sig_start(struct op_msg *o, const void *param, CK_ULONG len)
{
	struct op_pk *pk = &o->pk;

	if (param != NULL || len != 0)
		return CKR_MECHANISM_PARAM_INVALID;
	if (pk->p.m->ops->secret)
		return op_msg_rekey(o, &o->mech);
	pk->len = 0;
	if (pk->p.m->hash != 0) {
		return op_pk_hash_restart(pk);
	}
	return CKR_OK;
}

/* --- encryption and decryption -------------------------------------------------------- */

/* The message's last part: in through the primitive's update into out (room for
 * in_total + n - out_total bytes), then (decryption) the tag, then its final; the tag
 * taken off into tag (encryption). *got: the bytes written to out. */
static CK_RV op_msg_aead_last(struct op_msg *o, const uint8_t *in, size_t n, uint8_t *out,
			      uint8_t *tag, size_t *got)
{
	struct prim_ctx *c = &o->pk.p;
	const struct prim_ops *ops = c->m->ops;
	size_t need = o->in_total + n - o->out_total, g1 = 0, g2 = 0, cap;
	uint8_t *fin;
	CK_RV rv;

	*got = 0;
	rv = ops->update(c, in != NULL ? in : (const uint8_t *)"", n, out, &g1);
	if (rv != CKR_OK)
		return rv;
	if (o->decrypt && o->tag_len > 0)
		rv = ops->update(c, tag, o->tag_len, NULL, &g2);
	if (rv != CKR_OK || g2 != 0)
		return rv != CKR_OK ? rv : CKR_FUNCTION_FAILED;
	cap = need - g1 + o->tag_len + 1;
	fin = malloc(cap);
	if (fin == NULL)
		return CKR_HOST_MEMORY;
	rv = ops->final(c, fin, cap, &g2);
	if (rv == CKR_OK && g1 + g2 != need + (o->decrypt ? 0 : o->tag_len))
		rv = CKR_FUNCTION_FAILED;       /* not the stream the hook promised */
	if (rv == CKR_OK) {
		memcpy(out + g1, fin, need - g1);
		if (!o->decrypt && o->tag_len > 0)
			memcpy(tag, fin + (need - g1), o->tag_len);
		*got = need;
	}
	OPENSSL_cleanse(fin, cap);
	free(fin);
	if (o->decrypt && rv == CKR_ENCRYPTED_DATA_INVALID)
		rv = CKR_AEAD_DECRYPT_FAILED;   /* the tag is wrong (5.11) */
	return rv;
}

/* C_EncryptMessage / C_DecryptMessage. */
static CK_RV op_msg_crypt(CK_SESSION_HANDLE h, enum op_kind kind, void *param, CK_ULONG plen,
			  const uint8_t *aad, CK_ULONG aad_len, const uint8_t *in, CK_ULONG n,
			  CK_BYTE_PTR out, CK_ULONG_PTR pulOut)
{
	struct prim_msg pm;
	struct op_pk *pk;
	struct op_msg *o;
	size_t got = 0;
	CK_RV rv = op_pk_get(h, kind, &pk);

	if (rv != CKR_OK)
		return rv;
	o = (struct op_msg *)pk;
	if (o->in_msg) {
		rv = CKR_OPERATION_ACTIVE;      /* not within a multi-part message */
		goto out;
	}
	rv = op_msg_aead_param(o, param, plen, aad, aad_len, &pm);
	if (rv != CKR_OK || !op_output_fits(out, pulOut, n, &rv))
		goto out;                       /* a size query computes nothing */
	rv = op_msg_aead_start(o, param, plen, aad, aad_len);
	if (rv == CKR_OK)
		rv = op_msg_aead_last(o, in, n, out, pm.tag, &got);
	if (rv == CKR_OK)
		*pulOut = got;
out:
	op_pk_put(pk, 0);
	return rv;
}

/* C_EncryptMessageBegin / C_DecryptMessageBegin. */
static CK_RV op_msg_crypt_begin(CK_SESSION_HANDLE h, enum op_kind kind, void *param,
				CK_ULONG plen, const uint8_t *aad, CK_ULONG aad_len)
{
	struct op_pk *pk;
	struct op_msg *o;
	CK_RV rv = op_pk_get(h, kind, &pk);

	if (rv != CKR_OK)
		return rv;
	o = (struct op_msg *)pk;
	if (o->in_msg)
		rv = CKR_OPERATION_ACTIVE;
	else
		rv = op_msg_aead_start(o, param, plen, aad, aad_len);
	if (rv == CKR_OK)
		o->in_msg = 1;
	op_pk_put(pk, 0);
	return rv;
}

/* C_EncryptMessageNext / C_DecryptMessageNext. */
static CK_RV op_msg_crypt_next(CK_SESSION_HANDLE h, enum op_kind kind, void *param,
			       CK_ULONG plen, const uint8_t *in, CK_ULONG n, CK_BYTE_PTR out,
			       CK_ULONG_PTR pulOut, CK_FLAGS flags)
{
	struct prim_msg pm;
	struct op_pk *pk;
	struct op_msg *o;
	const struct prim_ops *ops;
	int last = (flags & CKF_END_OF_MESSAGE) != 0;
	size_t got = 0;
	CK_RV rv = op_pk_get(h, kind, &pk);

	if (rv != CKR_OK)
		return rv;
	o = (struct op_msg *)pk;
	ops = o->pk.p.m->ops;
	if (!o->in_msg) {
		op_pk_put(pk, 0);
		return CKR_OPERATION_NOT_INITIALIZED;   /* no C_EncryptMessageBegin */
	}
	if (flags & ~(CK_FLAGS)CKF_END_OF_MESSAGE) {
		rv = CKR_ARGUMENTS_BAD;                 /* a flag the function has not */
		goto end;
	}
	/* the parameter again: the last part writes (or reads) its tag; a part before it
	 * may give none */
	memset(&pm, 0, sizeof pm);
	if ((last || param != NULL) &&
	    (param == NULL || ops->msg_param(o->pk.p.m, param, plen, NULL, 0, &pm) != CKR_OK ||
	     pm.tag_len != o->tag_len)) {
		rv = CKR_MECHANISM_PARAM_INVALID;
		goto end;
	}
	if (in == NULL)
		in = (const uint8_t *)"";
	if (!last) {
		if (!op_output_fits(out, pulOut, ops->update_len(&o->pk.p, n), &rv))
			goto keep;
		rv = ops->update(&o->pk.p, in, n, out, &got);
		if (rv != CKR_OK)
			goto end;
		o->in_total += n;
		o->out_total += got;
		*pulOut = got;
		goto keep;
	}
	if (!op_output_fits(out, pulOut, o->in_total + n - o->out_total, &rv))
		goto keep;              /* a size query or a short buffer: the message goes on */
	rv = op_msg_aead_last(o, in, n, out, pm.tag, &got);
	if (rv == CKR_OK)
		*pulOut = got;
end:
	o->in_msg = 0;
keep:
	op_pk_put(pk, 0);
	return rv;
}

/* C_MessageEncryptFinal ... C_MessageVerifyFinal: the process ends. */
static CK_RV op_msg_final(CK_SESSION_HANDLE h, enum op_kind kind)
{
	struct op_pk *pk;
	CK_RV rv = op_pk_get(h, kind, &pk);

	if (rv != CKR_OK)
		return rv;
	op_pk_put(pk, 1);
	return CKR_OK;
}

/* --- signing and verification --------------------------------------------------------- */

static CK_RV op_msg_feed(struct op_msg *o, const uint8_t *p, size_t n)
{
	struct op_pk *pk = &o->pk;

	if (p == NULL)
		p = (const uint8_t *)"";
	if (pk->p.m->ops->secret)
		return pk->p.m->ops->update(&pk->p, p, n, NULL, NULL);
	return op_pk_feed(pk, p, n, op_pk_max_input(pk));
}

/* The fed message's signature into sig (room for out_len bytes). */
static CK_RV op_msg_sign_result(struct op_msg *o, uint8_t *sig, CK_ULONG_PTR plen)
{
	struct op_pk *pk = &o->pk;
	uint8_t hbuf[CRYPTO_MD_MAX];
	const uint8_t *in;
	size_t in_len = 0, got = 0;
	CK_RV rv;

	if (pk->p.m->ops->secret) {
		rv = pk->p.m->ops->final(&pk->p, sig, *plen, &got);
		if (rv == CKR_OK)
			*plen = got;
		return rv;
	}
	/* CKA_ALWAYS_AUTHENTICATE (3.2, 4.9): the PIN for each use, and each message is
	 * one: C_Login(CKU_CONTEXT_SPECIFIC) before every message's signature */
	if (pk->always_auth && !pk->authed)
		return CKR_USER_NOT_LOGGED_IN;
	rv = op_pk_input(pk, hbuf, &in, &in_len);
	if (rv == CKR_OK) {
		rv = op_sign_compute(pk, in, in_len, sig);
		pk->authed = 0;
	}
	if (rv == CKR_OK)
		*plen = pk->p.out_len;
	OPENSSL_cleanse(hbuf, sizeof hbuf);
	return rv;
}

/* The fed message checked against sig. */
static CK_RV op_msg_verify_result(struct op_msg *o, const uint8_t *sig, size_t sig_len)
{
	struct op_pk *pk = &o->pk;
	uint8_t buf[CRYPTO_MD_MAX];
	const uint8_t *in;
	size_t len = 0;
	CK_RV rv;

	if (pk->p.m->ops->secret) {
		rv = pk->p.m->ops->final(&pk->p, buf, sizeof buf, &len);
		if (rv == CKR_OK && sig_len != len)
			rv = CKR_SIGNATURE_LEN_RANGE;
		if (rv == CKR_OK && CRYPTO_memcmp(buf, sig, len) != 0)
			rv = CKR_SIGNATURE_INVALID;
	} else {
		rv = op_pk_input(pk, buf, &in, &len);
		if (rv == CKR_OK)
			rv = pk->p.m->ops->verify != NULL ?
				pk->p.m->ops->verify(&pk->p, in, len, sig, sig_len) :
				CKR_MECHANISM_INVALID;
	}
	OPENSSL_cleanse(buf, sizeof buf);
	return rv;
}

/* C_SignMessage. */
static CK_RV op_msg_sign(CK_SESSION_HANDLE h, void *param, CK_ULONG plen, const uint8_t *data,
			 CK_ULONG n, CK_BYTE_PTR sig, CK_ULONG_PTR plen_sig)
{
	struct op_pk *pk;
	struct op_msg *o;
	CK_RV rv = op_pk_get(h, OP_MSG_SIGN, &pk);

	if (rv != CKR_OK)
		return rv;
	o = (struct op_msg *)pk;
	if (o->in_msg)
		rv = CKR_OPERATION_ACTIVE;
	else if (param != NULL || plen != 0)
		rv = CKR_MECHANISM_PARAM_INVALID;
	else if (op_output_fits(sig, plen_sig, pk->p.out_len, &rv)) {
		rv = op_msg_sig_start(o, param, plen);
		if (rv == CKR_OK)
			rv = op_msg_feed(o, data, n);
		if (rv == CKR_OK)
			rv = op_msg_sign_result(o, sig, plen_sig);
	}
	op_pk_put(pk, 0);
	return rv;
}

/* C_VerifyMessage. */
static CK_RV op_msg_verify(CK_SESSION_HANDLE h, void *param, CK_ULONG plen, const uint8_t *data,
			   CK_ULONG n, const uint8_t *sig, CK_ULONG sig_len)
{
	struct op_pk *pk;
	struct op_msg *o;
	CK_RV rv = op_pk_get(h, OP_MSG_VERIFY, &pk);

	if (rv != CKR_OK)
		return rv;
	o = (struct op_msg *)pk;
	if (o->in_msg) {
		rv = CKR_OPERATION_ACTIVE;
	} else {
		rv = op_msg_sig_start(o, param, plen);
		if (rv == CKR_OK)
			rv = op_msg_feed(o, data, n);
		if (rv == CKR_OK)
			rv = op_msg_verify_result(o, sig != NULL ? sig : (const uint8_t *)"",
						  sig_len);
	}
	op_pk_put(pk, 0);
	return rv;
}

/* C_SignMessageBegin / C_VerifyMessageBegin. */
static CK_RV op_msg_sig_begin(CK_SESSION_HANDLE h, enum op_kind kind, void *param,
			      CK_ULONG plen)
{
	struct op_pk *pk;
	struct op_msg *o;
	CK_RV rv = op_pk_get(h, kind, &pk);

	if (rv != CKR_OK)
		return rv;
	o = (struct op_msg *)pk;
	rv = o->in_msg ? CKR_OPERATION_ACTIVE : op_msg_sig_start(o, param, plen);
	if (rv == CKR_OK)
		o->in_msg = 1;
	op_pk_put(pk, 0);
	return rv;
}

/* C_SignMessageNext (verify 0: sig/plen_sig) and C_VerifyMessageNext (verify 1:
 * vsig/vlen). */
static CK_RV op_msg_sig_next(CK_SESSION_HANDLE h, int verify, void *param, CK_ULONG plen,
			     const uint8_t *part, CK_ULONG n, CK_BYTE_PTR sig,
			     CK_ULONG_PTR plen_sig, const uint8_t *vsig, CK_ULONG vlen)
{
	struct op_pk *pk;
	struct op_msg *o;
	int last = verify ? vsig != NULL : plen_sig != NULL;
	CK_RV rv = op_pk_get(h, verify ? OP_MSG_VERIFY : OP_MSG_SIGN, &pk);

	if (rv != CKR_OK)
		return rv;
	o = (struct op_msg *)pk;
	if (!o->in_msg) {
		op_pk_put(pk, 0);
		return CKR_OPERATION_NOT_INITIALIZED;
	}
	if (param != NULL || plen != 0) {
		rv = CKR_MECHANISM_PARAM_INVALID;
		goto end;
	}
	if (last && !verify && !op_output_fits(sig, plen_sig, pk->p.out_len, &rv))
		goto keep;      /* the part is fed by the call that gets the signature */
	rv = op_msg_feed(o, part, n);
	if (rv != CKR_OK || !last)
		goto done;
	rv = verify ? op_msg_verify_result(o, vsig, vlen) : op_msg_sign_result(o, sig, plen_sig);
end:
	o->in_msg = 0;
keep:
	op_pk_put(pk, 0);
	return rv;
done:
	if (rv != CKR_OK)
		o->in_msg = 0;  /* an error ends the message */
	op_pk_put(pk, 0);
	return rv;
}

/* --- the entry points ----------------------------------------------------------------- */

CK_RV rt_MessageEncryptInit(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism,
			    CK_OBJECT_HANDLE hKey)
{
	return op_msg_init(hSession, OP_MSG_ENCRYPT, pMechanism, hKey);
}

CK_RV rt_EncryptMessage(CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter,
			CK_ULONG ulParameterLen, CK_BYTE_PTR pAssociatedData,
			CK_ULONG ulAssociatedDataLen, CK_BYTE_PTR pPlaintext,
			CK_ULONG ulPlaintextLen, CK_BYTE_PTR pCiphertext,
			CK_ULONG_PTR pulCiphertextLen)
{
	return op_msg_crypt(hSession, OP_MSG_ENCRYPT, pParameter, ulParameterLen,
			    pAssociatedData, ulAssociatedDataLen, pPlaintext, ulPlaintextLen,
			    pCiphertext, pulCiphertextLen);
}

CK_RV rt_EncryptMessageBegin(CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter,
			     CK_ULONG ulParameterLen, CK_BYTE_PTR pAssociatedData,
			     CK_ULONG ulAssociatedDataLen)
{
	return op_msg_crypt_begin(hSession, OP_MSG_ENCRYPT, pParameter, ulParameterLen,
				  pAssociatedData, ulAssociatedDataLen);
}

CK_RV rt_EncryptMessageNext(CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter,
			    CK_ULONG ulParameterLen, CK_BYTE_PTR pPlaintextPart,
			    CK_ULONG ulPlaintextPartLen, CK_BYTE_PTR pCiphertextPart,
			    CK_ULONG_PTR pulCiphertextPartLen, CK_FLAGS flags)
{
	return op_msg_crypt_next(hSession, OP_MSG_ENCRYPT, pParameter, ulParameterLen,
				 pPlaintextPart, ulPlaintextPartLen, pCiphertextPart,
				 pulCiphertextPartLen, flags);
}

CK_RV rt_MessageEncryptFinal(CK_SESSION_HANDLE hSession)
{
	return op_msg_final(hSession, OP_MSG_ENCRYPT);
}

CK_RV rt_MessageDecryptInit(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism,
			    CK_OBJECT_HANDLE hKey)
{
	return op_msg_init(hSession, OP_MSG_DECRYPT, pMechanism, hKey);
}

CK_RV rt_DecryptMessage(CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter,
			CK_ULONG ulParameterLen, CK_BYTE_PTR pAssociatedData,
			CK_ULONG ulAssociatedDataLen, CK_BYTE_PTR pCiphertext,
			CK_ULONG ulCiphertextLen, CK_BYTE_PTR pPlaintext, CK_ULONG_PTR pulPlaintextLen)
{
	return op_msg_crypt(hSession, OP_MSG_DECRYPT, pParameter, ulParameterLen,
			    pAssociatedData, ulAssociatedDataLen, pCiphertext, ulCiphertextLen,
			    pPlaintext, pulPlaintextLen);
}

CK_RV rt_DecryptMessageBegin(CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter,
			     CK_ULONG ulParameterLen, CK_BYTE_PTR pAssociatedData,
			     CK_ULONG ulAssociatedDataLen)
{
	return op_msg_crypt_begin(hSession, OP_MSG_DECRYPT, pParameter, ulParameterLen,
				  pAssociatedData, ulAssociatedDataLen);
}

CK_RV rt_DecryptMessageNext(CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter,
			    CK_ULONG ulParameterLen, CK_BYTE_PTR pCiphertextPart,
			    CK_ULONG ulCiphertextPartLen, CK_BYTE_PTR pPlaintextPart,
			    CK_ULONG_PTR pulPlaintextPartLen, CK_FLAGS flags)
{
	return op_msg_crypt_next(hSession, OP_MSG_DECRYPT, pParameter, ulParameterLen,
				 pCiphertextPart, ulCiphertextPartLen, pPlaintextPart,
				 pulPlaintextPartLen, flags);
}

CK_RV rt_MessageDecryptFinal(CK_SESSION_HANDLE hSession)
{
	return op_msg_final(hSession, OP_MSG_DECRYPT);
}

CK_RV rt_MessageSignInit(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism,
			 CK_OBJECT_HANDLE hKey)
{
	return op_msg_init(hSession, OP_MSG_SIGN, pMechanism, hKey);
}

CK_RV rt_SignMessage(CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter, CK_ULONG ulParameterLen,
		     CK_BYTE_PTR pData, CK_ULONG ulDataLen, CK_BYTE_PTR pSignature,
		     CK_ULONG_PTR pulSignatureLen)
{
	return op_msg_sign(hSession, pParameter, ulParameterLen, pData, ulDataLen, pSignature,
			   pulSignatureLen);
}

CK_RV rt_SignMessageBegin(CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter,
			  CK_ULONG ulParameterLen)
{
	return op_msg_sig_begin(hSession, OP_MSG_SIGN, pParameter, ulParameterLen);
}

CK_RV rt_SignMessageNext(CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter,
			 CK_ULONG ulParameterLen, CK_BYTE_PTR pDataPart, CK_ULONG ulDataPartLen,
			 CK_BYTE_PTR pSignature, CK_ULONG_PTR pulSignatureLen)
{
	return op_msg_sig_next(hSession, 0, pParameter, ulParameterLen, pDataPart, ulDataPartLen,
			       pSignature, pulSignatureLen, NULL, 0);
}

CK_RV rt_MessageSignFinal(CK_SESSION_HANDLE hSession)
{
	return op_msg_final(hSession, OP_MSG_SIGN);
}

CK_RV rt_MessageVerifyInit(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism,
			   CK_OBJECT_HANDLE hKey)
{
	return op_msg_init(hSession, OP_MSG_VERIFY, pMechanism, hKey);
}

CK_RV rt_VerifyMessage(CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter,
		       CK_ULONG ulParameterLen, CK_BYTE_PTR pData, CK_ULONG ulDataLen,
		       CK_BYTE_PTR pSignature, CK_ULONG ulSignatureLen)
{
	return op_msg_verify(hSession, pParameter, ulParameterLen, pData, ulDataLen, pSignature,
			     ulSignatureLen);
}

CK_RV rt_VerifyMessageBegin(CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter,
			    CK_ULONG ulParameterLen)
{
	return op_msg_sig_begin(hSession, OP_MSG_VERIFY, pParameter, ulParameterLen);
}

CK_RV rt_VerifyMessageNext(CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter,
			   CK_ULONG ulParameterLen, CK_BYTE_PTR pDataPart, CK_ULONG ulDataPartLen,
			   CK_BYTE_PTR pSignature, CK_ULONG ulSignatureLen)
{
	return op_msg_sig_next(hSession, 1, pParameter, ulParameterLen, pDataPart, ulDataPartLen,
			       NULL, NULL, pSignature, ulSignatureLen);
}

CK_RV rt_MessageVerifyFinal(CK_SESSION_HANDLE hSession)
{
	return op_msg_final(hSession, OP_MSG_VERIFY);
}
