/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * op_authwrap.c — C_WrapKeyAuthenticated and C_UnwrapKeyAuthenticated (PKCS #11 3.2,
 * section 5.18: the two functions after C_DeriveKey) with session keys in host memory.
 *
 * The standard's text, as this file reads it:
 * - The mechanisms are the AEAD ones whose sections describe an authenticated wrap:
 *   CKM_AES_GCM (6.13.3, "AES-GCM Authenticated Wrap / Unwrap") with CK_GCM_MESSAGE_PARAMS
 *   and CKM_AES_CCM (6.13.5) with CK_CCM_MESSAGE_PARAMS, the parameters of the
 *   message-based functions. No other section (GOST's MGM among them) names these
 *   functions, so no other mechanism is taken: CKR_MECHANISM_INVALID.
 * - The associated data is the function's pAssociatedData/ulAssociatedDataLen (the
 *   message parameters have no AAD field). pWrappedKey receives the ciphertext alone, as
 *   long as the key's value (the example of 5.18 wraps into a buffer of the key's size);
 *   the tag (MAC) goes to the parameter's pTag (pMAC), ulTagBits (ulMACLen) long, and on
 *   unwrapping is read from there.
 * - Wrapping: the IV (nonce) is the parameter's pIv, given whole with CKG_NO_GENERATE, or
 *   made by the module and written back whole, its ulIvFixedBits leading bits kept.
 *   CKG_GENERATE (which modules must have) and CKG_GENERATE_RANDOM fill the free bits
 *   with random bytes; as "Modules may also reject ulIvFixedBits values which are too
 *   large", fewer than 64 free bits are refused (NIST SP 800-38D 8.2.2 bounds random IVs
 *   by their free bits). CKG_GENERATE_COUNTER and CKG_GENERATE_COUNTER_XOR are not
 *   offered: a one-shot call has no process to count in, and a counter restarting from
 *   zero at every call would repeat IVs under one key. These are
 *   CKR_MECHANISM_PARAM_INVALID, as are a tag length the cipher does not take and a
 *   missing pTag. Unwrapping ignores ulIvFixedBits and ivGenerator.
 * - CCM: ulDataLen is set by the module (6.13.5: the key's length when wrapping, the
 *   wrapped key's when unwrapping); a value given there is ignored.
 * - The size query and CKR_BUFFER_TOO_SMALL follow 5.2 (op_output_fits) and, like a size
 *   query of the message functions, generate no IV and write no tag.
 * - The key rules are C_WrapKey's and C_UnwrapKey's (op_keymgmt.c, through op.h):
 *   CKA_WRAP / CKA_UNWRAP (CKR_KEY_FUNCTION_NOT_PERMITTED, which 5.1 gives to such keys),
 *   CKA_EXTRACTABLE of the wrapped key (CKR_KEY_UNEXTRACTABLE), CKA_WRAP_WITH_TRUSTED and
 *   CKA_WRAP_TEMPLATE (CKR_KEY_NOT_WRAPPABLE), secret keys only; the unwrapping key's
 *   CKA_UNWRAP_TEMPLATE joins the template; the new key has CKA_LOCAL,
 *   CKA_ALWAYS_SENSITIVE and CKA_NEVER_EXTRACTABLE false, and CKA_EXTRACTABLE true unless
 *   the template says otherwise (5.18). A wrong tag, a changed ciphertext or other
 *   associated data is CKR_WRAPPED_KEY_INVALID (the function's list has no
 *   CKR_AEAD_DECRYPT_FAILED), and no key is made: the decryption holds the value until
 *   the tag is verified.
 */
#include "op.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "crypto.h"
#include "obj.h"
#include "session.h"
#include "sk_dispatch.h"

/* The mechanisms whose sections describe the authenticated wrap (6.13.3, 6.13.5). */
static const struct mech *aw_mech(CK_MECHANISM_TYPE type)
{
	const struct mech *m;

	if (type != CKM_AES_GCM && type != CKM_AES_CCM)
		return NULL;
	m = mech_find(type);
	if (m == NULL || m->ops == NULL || !m->ops->secret || m->ops->msg_param == NULL ||
	    m->ops->param == NULL || m->ops->key == NULL || m->ops->update == NULL ||
	    m->ops->final == NULL)
		return NULL;
	return m;
}

/* The session's call and the mechanism (CKR_MECHANISM_INVALID if none of aw_mech's) into
 * c, which is cleared first. */
static CK_RV aw_begin(CK_SESSION_HANDLE h, const CK_MECHANISM *pm, struct sess_info *si,
		      struct prim_ctx *c)
{
	CK_RV rv = sess_call(h, si);

	memset(c, 0, sizeof *c);
	if (rv != CKR_OK)
		return rv;
	c->m = aw_mech(pm->mechanism);
	return c->m == NULL ? CKR_MECHANISM_INVALID : CKR_OK;
}

/* The snapshot (into v) of the wrapping or unwrapping key hk, a secret key for m whose
 * usage attribute is true; on an error nothing is kept. */
static CK_RV aw_kek(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE hk, const struct mech *m,
		    const CK_MECHANISM *pm, CK_ATTRIBUTE_TYPE usage, CK_RV bad_handle,
		    CK_RV bad_type, struct obj_view *v)
{
	CK_RV rv = km_view(h, hk, bad_handle, v);

	if (rv != CKR_OK)
		return rv;
	rv = km_key_usable(m, pm, v, CKO_SECRET_KEY, usage, bad_type);
	if (rv != CKR_OK)
		obj_view_free(v);
	return rv;
}

/*
 * The message parameter of pm into *pmsg, its classic mechanism (pmsg->classic) checked as
 * the classic parameter is: the IV's and the tag's lengths, the associated data, and for
 * a wrapping the generator. data_len: CCM's ulDataLen.
 */
static CK_RV aw_param(const struct mech *m, const CK_MECHANISM *pm, const uint8_t *aad,
		      size_t aad_len, int unwrap, size_t data_len, struct prim_msg *pmsg)
{
	struct mech_params prm;

	if (pm->pParameter == NULL ||
	    m->ops->msg_param(m, pm->pParameter, pm->ulParameterLen, aad, aad_len, pmsg) !=
		    CKR_OK)
		return CKR_MECHANISM_PARAM_INVALID;
	if (m->type == CKM_AES_CCM)
		pmsg->cls.ccm.ulDataLen = data_len;
	if (pmsg->tag_len == 0 || pmsg->tag == NULL)
		return CKR_MECHANISM_PARAM_INVALID;     /* no tag: no authentication */
	memset(&prm, 0, sizeof prm);
	if (m->ops->param(m, &pmsg->classic, &prm) != CKR_OK)
		return CKR_MECHANISM_PARAM_INVALID;
	if (unwrap || pmsg->gen == CKG_NO_GENERATE)
		return CKR_OK;
	if (pmsg->gen != CKG_GENERATE && pmsg->gen != CKG_GENERATE_RANDOM)
		return CKR_MECHANISM_PARAM_INVALID;
	if (pmsg->fixed_bits > (CK_ULONG)pmsg->iv_len * 8 ||
	    (CK_ULONG)pmsg->iv_len * 8 - pmsg->fixed_bits < 64)
		return CKR_MECHANISM_PARAM_INVALID;     /* too few bits left to draw at random */
	return CKR_OK;
}

/* The IV's bits after its fixed_bits leading ones, drawn at random, written into the
 * caller's IV. */
static CK_RV aw_gen_iv(struct prim_msg *pmsg)
{
	size_t first = pmsg->fixed_bits / 8, part = pmsg->fixed_bits % 8, i;
	uint8_t keep = part == 0 ? 0 : (uint8_t)(0xFFu << (8 - part));   /* of iv[first] */
	uint8_t *gen = malloc(pmsg->iv_len), *iv = pmsg->iv;
	CK_RV rv;

	if (gen == NULL)
		return CKR_HOST_MEMORY;
	rv = crypto_random(gen, pmsg->iv_len);
	if (rv == CKR_OK) {
		iv[first] = (uint8_t)((iv[first] & keep) | (gen[first] & (uint8_t)~keep));
		for (i = first + 1; i < pmsg->iv_len; i++)
			iv[i] = gen[i];
	}
	OPENSSL_cleanse(gen, pmsg->iv_len);
	free(gen);
	return rv;
}

/*
 * The primitive (started by the key hook) over in[0..n): encryption gives n bytes of
 * ciphertext into out and the tag into tag; decryption takes the tag after the
 * ciphertext and gives the n bytes of plaintext once the tag is verified
 * (CKR_WRAPPED_KEY_INVALID otherwise). out has room for n bytes.
 */
static CK_RV aw_run(struct prim_ctx *c, int decrypt, const uint8_t *in, size_t n, uint8_t *tag,
		    size_t tag_len, uint8_t *out)
{
	const struct prim_ops *ops = c->m->ops;
	size_t cap = n + tag_len + 64, g1 = 0, g2 = 0, g3 = 0;
	uint8_t *buf = malloc(cap);
	CK_RV rv;

	if (buf == NULL)
		return CKR_HOST_MEMORY;
	rv = ops->update(c, in, n, buf, &g1);
	if (rv == CKR_OK && decrypt)
		rv = ops->update(c, tag, tag_len, buf + g1, &g2);
	if (rv == CKR_OK && g1 + g2 <= cap)
		rv = ops->final(c, buf + g1 + g2, cap - g1 - g2, &g3);
	else if (rv == CKR_OK)
		rv = CKR_FUNCTION_FAILED;
	if (rv == CKR_OK && g1 + g2 + g3 != n + (decrypt ? 0 : tag_len))
		rv = CKR_FUNCTION_FAILED;       /* not the stream the hooks promise */
	if (rv == CKR_OK) {
		memcpy(out, buf, n);
		if (!decrypt)
			memcpy(tag, buf + n, tag_len);
	}
	if (decrypt && (rv == CKR_ENCRYPTED_DATA_INVALID || rv == CKR_ENCRYPTED_DATA_LEN_RANGE))
		rv = CKR_WRAPPED_KEY_INVALID;   /* the tag is not the data's */
	OPENSSL_cleanse(buf, cap);
	free(buf);
	return rv;
}

/* --- C_WrapKeyAuthenticated ------------------------------------------------------ */

CK_RV rt_WrapKeyAuthenticated(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism,
			      CK_OBJECT_HANDLE hWrappingKey, CK_OBJECT_HANDLE hKey,
			      CK_BYTE_PTR pAssociatedData, CK_ULONG ulAssociatedDataLen,
			      CK_BYTE_PTR pWrappedKey, CK_ULONG_PTR pulWrappedKeyLen)
{
	struct sess_info si;
	struct prim_ctx c;
	struct prim_msg pmsg;
	struct obj_view wk, k;
	const struct mech *m;
	const struct lb_attr *val;
	uint8_t *tag = NULL;
	int have_wk = 0, have_k = 0;
	CK_RV rv = aw_begin(hSession, pMechanism, &si, &c);

	if (rv != CKR_OK)
		return rv;
	m = c.m;
	rv = aw_kek(hSession, hWrappingKey, m, pMechanism, CKA_WRAP,
		    CKR_WRAPPING_KEY_HANDLE_INVALID, CKR_WRAPPING_KEY_TYPE_INCONSISTENT, &wk);
	if (rv != CKR_OK)
		goto out;
	have_wk = 1;
	rv = km_wrapped_key(hSession, hKey, &wk, &k, &val);
	if (rv != CKR_OK)
		goto out;
	have_k = 1;
	if (val->len > KM_SECRET_MAX) {
		rv = CKR_KEY_SIZE_RANGE;
		goto out;
	}
	rv = aw_param(m, pMechanism, pAssociatedData, ulAssociatedDataLen, 0, val->len, &pmsg);
	if (rv != CKR_OK)
		goto out;
	if (!op_output_fits(pWrappedKey, pulWrappedKeyLen, val->len, &rv))
		goto out;               /* a size query: no IV drawn, no tag written */
	if (pmsg.gen != CKG_NO_GENERATE) {
		rv = aw_gen_iv(&pmsg);
		if (rv != CKR_OK)
			goto out;
	}
	rv = km_key(&c, &pmsg.classic, &wk, CKO_SECRET_KEY, CKA_WRAP, 0,
		    CKR_WRAPPING_KEY_TYPE_INCONSISTENT, CKR_WRAPPING_KEY_SIZE_RANGE);
	if (rv != CKR_OK)
		goto out;
	tag = malloc(pmsg.tag_len);
	if (tag == NULL) {
		rv = CKR_HOST_MEMORY;
		goto out;
	}
	rv = aw_run(&c, 0, val->value, val->len, tag, pmsg.tag_len, pWrappedKey);
	if (rv == CKR_OK) {
		memcpy(pmsg.tag, tag, pmsg.tag_len);
		*pulWrappedKeyLen = val->len;
	}
out:
	free(tag);
	if (have_k)
		obj_view_free(&k);
	if (have_wk)
		obj_view_free(&wk);
	prim_ctx_free(&c);
	return rv;
}

/* --- C_UnwrapKeyAuthenticated ---------------------------------------------------- */

CK_RV rt_UnwrapKeyAuthenticated(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism,
				CK_OBJECT_HANDLE hUnwrappingKey, CK_BYTE_PTR pWrappedKey,
				CK_ULONG ulWrappedKeyLen, CK_ATTRIBUTE_PTR pTemplate,
				CK_ULONG ulAttributeCount, CK_BYTE_PTR pAssociatedData,
				CK_ULONG ulAssociatedDataLen, CK_OBJECT_HANDLE_PTR phKey)
{
	struct sess_info si;
	struct prim_ctx c;
	struct prim_msg pmsg;
	struct obj_view uk;
	const struct mech *m;
	CK_ATTRIBUTE *t = NULL;
	CK_ULONG nt = 0;
	CK_KEY_TYPE kt = 0;
	uint8_t *buf = NULL;
	int have_uk = 0;
	CK_RV rv = aw_begin(hSession, pMechanism, &si, &c);

	if (rv != CKR_OK)
		return rv;
	m = c.m;
	rv = aw_param(m, pMechanism, pAssociatedData, ulAssociatedDataLen, 1, ulWrappedKeyLen,
		      &pmsg);
	if (rv == CKR_OK)
		rv = km_template_kind(pTemplate, ulAttributeCount, &kt);
	if (rv != CKR_OK)
		goto out;
	rv = aw_kek(hSession, hUnwrappingKey, m, pMechanism, CKA_UNWRAP,
		    CKR_UNWRAPPING_KEY_HANDLE_INVALID, CKR_UNWRAPPING_KEY_TYPE_INCONSISTENT, &uk);
	if (rv != CKR_OK)
		goto out;
	have_uk = 1;
	rv = km_join_unwrap_template(&uk, pTemplate, ulAttributeCount, &t, &nt);
	if (rv != CKR_OK)
		goto out;
	if (ulWrappedKeyLen == 0 || ulWrappedKeyLen > KM_SECRET_MAX) {
		rv = CKR_WRAPPED_KEY_LEN_RANGE;
		goto out;
	}
	rv = km_key(&c, &pmsg.classic, &uk, CKO_SECRET_KEY, CKA_UNWRAP, 1,
		    CKR_UNWRAPPING_KEY_TYPE_INCONSISTENT, CKR_UNWRAPPING_KEY_SIZE_RANGE);
	if (rv != CKR_OK)
		goto out;
	buf = malloc(ulWrappedKeyLen);
	if (buf == NULL) {
		rv = CKR_HOST_MEMORY;
		goto out;
	}
	rv = aw_run(&c, 1, pWrappedKey, ulWrappedKeyLen, pmsg.tag, pmsg.tag_len, buf);
	if (rv == CKR_OK)
		rv = km_unwrapped_key(hSession, kt, t, nt, buf, ulWrappedKeyLen, phKey);
out:
	if (buf != NULL) {
		OPENSSL_cleanse(buf, ulWrappedKeyLen);
		free(buf);
	}
	free(t);
	if (have_uk)
		obj_view_free(&uk);
	prim_ctx_free(&c);
	return rv;
}
