/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * op_keymgmt.c — C_WrapKey, C_UnwrapKey and C_DeriveKey with keys in host memory.
 *
 * What a mechanism computes is its primitive's (runtime/prim/, the wrap, unwrap and
 * derive hooks of prim.h; spec/mechanisms.yaml `host: [CKF_WRAP, CKF_UNWRAP]` or
 * `[CKF_DERIVE]`); this file does the rules of PKCS #11 3.2 that every one shares
 * (section 5.18 and the key attributes of 4.7-4.10):
 *
 * - the wrapping (unwrapping, base) key must allow the use: CKA_WRAP (CKA_UNWRAP,
 *   CKA_DERIVE) true, else CKR_KEY_FUNCTION_NOT_PERMITTED, and CKA_ALLOWED_MECHANISMS;
 *   its handle, type and size errors are the function's own codes (CKR_WRAPPING_KEY_*,
 *   CKR_UNWRAPPING_KEY_*, CKR_KEY_*);
 * - C_WrapKey wraps secret keys whose CKA_EXTRACTABLE is true (else
 *   CKR_KEY_UNEXTRACTABLE); a key with CKA_WRAP_WITH_TRUSTED only with a wrapping key
 *   whose CKA_TRUSTED is true, and a key that does not match the wrapping key's
 *   CKA_WRAP_TEMPLATE not at all (CKR_KEY_NOT_WRAPPABLE, also for other classes); the
 *   output follows the two-call rule (op_output_fits);
 * - C_UnwrapKey and C_DeriveKey make a secret key from a template that names
 *   CKA_CLASS and CKA_KEY_TYPE (else CKR_TEMPLATE_INCOMPLETE), checked by the unwrap rules
 *   of spec/objects.yaml (OBJ_UNWRAP, OBJ_DERIVE) and stored as C_CreateObject stores
 *   (a token key only of a type its family keeps on the token, op_toksym.c: else
 *   CKR_TEMPLATE_INCONSISTENT); the unwrapping key's CKA_UNWRAP_TEMPLATE
 *   joins the template (a different value for one attribute: CKR_TEMPLATE_INCONSISTENT).
 *   The new key has CKA_LOCAL false; an unwrapped key CKA_ALWAYS_SENSITIVE and
 *   CKA_NEVER_EXTRACTABLE false, and CKA_EXTRACTABLE true unless the template says
 *   otherwise ("by default set to CK_TRUE", 5.18 C_UnwrapKey); a derived key CKA_ALWAYS_SENSITIVE true when the base key's
 *   is and the new key is sensitive, CKA_NEVER_EXTRACTABLE true when the base key's is and
 *   the new key is not extractable (4.10, secret key objects).
 * - A derived key's length is the template's CKA_VALUE_LEN, else the key type's fixed
 *   length, else what the mechanism gives.
 *
 * RSA (CKM_RSA_PKCS, CKM_RSA_PKCS_OAEP) wraps with a public key on the host and unwraps
 * with the token's private key: its script decrypts (lb_decrypt, as C_Decrypt), the host
 * checks the ciphertext first and removes the padding after.
 *
 * Every key is read as a snapshot (obj_view, copies cleansed when freed); no lock is held
 * while computing on the host, and the new object is stored by obj_create_filled under the object
 * layer's own lock. C_DeriveKey with a private key of the token (ECDH, VKO): the token's
 * script computes the agreed point (lb_derive), the host the KDF (the primitive's
 * token_peer and token_finish hooks); a token that does not declare the mechanism with
 * CKF_DERIVE answers CKR_MECHANISM_INVALID.
 */
#include "op.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "obj.h"
#include "obj_int.h"
#include "session.h"
#include "sk_dispatch.h"

static const struct lb_attr *km_attr(const void *view, CK_ATTRIBUTE_TYPE type)
{
	return obj_view_attr(view, type);
}

/* A key handle's snapshot; a bad handle is bad_handle (the function's own code). */
CK_RV km_view(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE k, CK_RV bad_handle, struct obj_view *v)
{
	CK_RV rv = obj_view(h, k, v);

	return rv == CKR_OBJECT_HANDLE_INVALID ? bad_handle : rv;
}

/* The mechanism's parameter: a secret-key primitive checks all of it (prim.h), the others
 * after mech_check_param checked its form. */
static CK_RV km_param(const struct mech *m, const CK_MECHANISM *pm, struct mech_params *prm)
{
	if (m->ops->secret)
		return m->ops->param != NULL ? m->ops->param(m, pm, prm) : prim_iv_param(pm, 0);
	return mech_check_param(m, pm, prm);
}

/*
 * The key of a wrapping, unwrapping or derivation: its class and type for the mechanism,
 * its usage attribute, CKA_ALLOWED_MECHANISMS, and the primitive's key hook into c (with
 * the caller's mechanism as c->init_mech). The codes of the function: bad_type for the
 * wrong class or type, bad_size for a size the mechanism does not take.
 */
/* km_key's checks of the key itself: class and type, the usage, CKA_ALLOWED_MECHANISMS. */
CK_RV km_key_usable(const struct mech *m, const CK_MECHANISM *pm, const struct obj_view *v,
		    CK_OBJECT_CLASS cls, CK_ATTRIBUTE_TYPE usage, CK_RV bad_type)
{
	if (v->cls != cls || (m->ops->key_type_ok != NULL ? !m->ops->key_type_ok(m, v->key_type)
							   : v->key_type != m->key_type))
		return bad_type;
	if (!obj_view_bool(v, usage, 0))
		return CKR_KEY_FUNCTION_NOT_PERMITTED;
	return obj_allowed_check(v, pm->mechanism);
}

CK_RV km_key(struct prim_ctx *c, const CK_MECHANISM *pm, const struct obj_view *v,
	     CK_OBJECT_CLASS cls, CK_ATTRIBUTE_TYPE usage, int private_key, CK_RV bad_type,
	     CK_RV bad_size)
{
	const struct mech *m = c->m;
	struct prim_attrs attrs;
	CK_RV rv = km_key_usable(m, pm, v, cls, usage, bad_type);

	if (rv != CKR_OK)
		return rv;
	attrs.view = v;
	attrs.get = km_attr;
	c->init_mech = pm;
	rv = m->ops->key(c, &attrs, private_key);
	c->init_mech = NULL;
	if (rv == CKR_KEY_SIZE_RANGE)
		return bad_size;
	if (rv == CKR_KEY_TYPE_INCONSISTENT)
		return bad_type;
	return rv;
}

/* The class and key type a template names: both given (CKR_TEMPLATE_INCOMPLETE), a
 * secret key (CKR_TEMPLATE_INCONSISTENT: the mechanisms here make no other class). */
CK_RV km_template_kind(const CK_ATTRIBUTE *t, CK_ULONG n, CK_KEY_TYPE *kt)
{
	const CK_ATTRIBUTE *cls = NULL, *typ = NULL;
	CK_OBJECT_CLASS c;
	CK_ULONG i;
	CK_RV rv;

	for (i = 0; i < n; i++) {
		rv = obj_attr_check(&t[i]);
		if (rv != CKR_OK)
			return rv;
		if (t[i].type == CKA_CLASS && cls == NULL)
			cls = &t[i];
		if (t[i].type == CKA_KEY_TYPE && typ == NULL)
			typ = &t[i];
	}
	if (cls == NULL || typ == NULL)
		return CKR_TEMPLATE_INCOMPLETE;
	memcpy(&c, cls->pValue, sizeof c);
	memcpy(kt, typ->pValue, sizeof *kt);
	return c == CKO_SECRET_KEY ? CKR_OK : CKR_TEMPLATE_INCONSISTENT;
}

/*
 * The records of a template-valued attribute (obj_int.h: CK_ULONG type, CK_ULONG length,
 * the value) one after the other: *pos advances; 1 with the next one, 0 at the end or on
 * a malformed record.
 */
static int km_record(const struct lb_attr *t, size_t *pos, CK_ATTRIBUTE *out)
{
	CK_ULONG type, len;

	if (t == NULL || t->value == NULL || t->len - *pos < 2 * sizeof(CK_ULONG) ||
	    *pos > t->len)
		return 0;
	memcpy(&type, t->value + *pos, sizeof type);
	memcpy(&len, t->value + *pos + sizeof type, sizeof len);
	*pos += 2 * sizeof(CK_ULONG);
	if (len > t->len - *pos)
		return 0;
	out->type = type;
	out->pValue = t->value + *pos;
	out->ulValueLen = len;
	*pos += len;
	return 1;
}

/* The key v matches the wrapping key's CKA_WRAP_TEMPLATE (absent or empty: any key). */
int km_wrap_template_ok(const struct obj_view *wk, const struct obj_view *v)
{
	const struct lb_attr *t = obj_view_attr(wk, CKA_WRAP_TEMPLATE);
	CK_ATTRIBUTE r;
	struct lb_attr want;
	const struct lb_attr *have;
	size_t pos = 0;

	if (t == NULL || t->len == 0 || t->len == CK_UNAVAILABLE_INFORMATION)
		return 1;
	while (km_record(t, &pos, &r)) {
		have = obj_view_attr(v, r.type);
		want.type = r.type;
		want.value = r.pValue;
		want.len = r.ulValueLen;
		if (have == NULL || !obj_attr_equal(have, &want))
			return 0;
	}
	return pos == t->len;
}

/* The template with the unwrapping key's CKA_UNWRAP_TEMPLATE joined (its values point
 * into the view, which outlives *out; *out is malloc'ed). */
CK_RV km_join_unwrap_template(const struct obj_view *uk, const CK_ATTRIBUTE *t, CK_ULONG n,
			      CK_ATTRIBUTE **out, CK_ULONG *nout)
{
	const struct lb_attr *ut = obj_view_attr(uk, CKA_UNWRAP_TEMPLATE);
	CK_ATTRIBUTE r, *j;
	size_t pos = 0, extra = 0;
	CK_ULONG i, k;

	if (ut != NULL && ut->len != CK_UNAVAILABLE_INFORMATION)
		while (km_record(ut, &pos, &r))
			extra++;
	j = malloc((n + extra + 1) * sizeof *j);
	if (j == NULL)
		return CKR_HOST_MEMORY;
	if (n > 0)
		memcpy(j, t, n * sizeof *j);
	k = n;
	pos = 0;
	while (extra > 0 && km_record(ut, &pos, &r)) {
		struct lb_attr a, b;
		int given = 0;

		for (i = 0; i < n; i++) {
			if (t[i].type != r.type)
				continue;
			given = 1;
			a.type = b.type = r.type;
			a.value = t[i].pValue;
			a.len = t[i].ulValueLen;
			b.value = r.pValue;
			b.len = r.ulValueLen;
			if (!obj_attr_equal(&a, &b)) {
				free(j);
				return CKR_TEMPLATE_INCONSISTENT;
			}
		}
		if (!given)
			j[k++] = r;
	}
	*out = j;
	*nout = k;
	return CKR_OK;
}

/* --- the new key's value -------------------------------------------------------- */

struct km_fill {
	const uint8_t *value;
	size_t len;
	int derived;                    /* C_DeriveKey: what the base key says */
	int base_always_sensitive, base_never_extractable;
	int extractable_default;        /* C_UnwrapKey: CKA_EXTRACTABLE not in the template */
};

static CK_RV km_fill_value(void *arg, const struct sk_obj_kind *k, struct lb_attr **a,
			   size_t *n)
{
	const struct km_fill *f = arg;
	CK_RV rv = obj_attrs_set(a, n, CKA_VALUE, f->value, f->len);

	if (rv == CKR_OK && k != NULL)
		rv = obj_attrs_derive_value(k, a, n);
	if (rv == CKR_OK && f->extractable_default)
		rv = obj_attrs_set_bool(a, n, CKA_EXTRACTABLE, 1);
	if (rv == CKR_OK && f->derived)
		rv = obj_attrs_set_bool(a, n, CKA_ALWAYS_SENSITIVE,
					f->base_always_sensitive &&
					obj_attrs_bool(*a, *n, CKA_SENSITIVE, 0));
	if (rv == CKR_OK && f->derived)
		rv = obj_attrs_set_bool(a, n, CKA_NEVER_EXTRACTABLE,
					f->base_never_extractable &&
					!obj_attrs_bool(*a, *n, CKA_EXTRACTABLE, 1));
	return rv;
}

/* A value of len bytes is a key of type kt (the lengths its generation knows). */
static int km_len_ok(CK_KEY_TYPE kt, size_t len)
{
	const struct mech *g = obj_secret_keygen(kt);
	size_t l;

	return len > 0 && (g == NULL || g->ops->gen_len(g, 1, len, &l) == CKR_OK);
}

CK_RV km_unwrapped_key(CK_SESSION_HANDLE h, CK_KEY_TYPE kt, const CK_ATTRIBUTE *t, CK_ULONG nt,
		       const uint8_t *value, size_t len, CK_OBJECT_HANDLE_PTR phKey)
{
	struct km_fill f;
	CK_ULONG i;

	if (!km_len_ok(kt, len))
		return CKR_WRAPPED_KEY_INVALID; /* authentic, but no key of the type asked for */
	memset(&f, 0, sizeof f);
	f.value = value;
	f.len = len;
	f.extractable_default = 1;
	for (i = 0; i < nt; i++)
		if (t[i].type == CKA_EXTRACTABLE)
			f.extractable_default = 0;
	return obj_create_filled(h, OBJ_UNWRAP, CKO_SECRET_KEY, kt, t, nt, km_fill_value, &f,
				 phKey);
}

CK_RV km_wrapped_key(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE hKey, const struct obj_view *wk,
		     struct obj_view *k, const struct lb_attr **val)
{
	CK_RV rv = km_view(h, hKey, CKR_KEY_HANDLE_INVALID, k);

	if (rv != CKR_OK)
		return rv;
	*val = obj_view_attr(k, CKA_VALUE);
	if (!obj_view_bool(k, CKA_EXTRACTABLE, 0))
		rv = CKR_KEY_UNEXTRACTABLE;
	else if (k->cls != CKO_SECRET_KEY || *val == NULL || (*val)->value == NULL ||
		 (*val)->len == 0 || (*val)->len == CK_UNAVAILABLE_INFORMATION ||
		 (obj_view_bool(k, CKA_WRAP_WITH_TRUSTED, 0) &&
		  !obj_view_bool(wk, CKA_TRUSTED, 0)) ||
		 !km_wrap_template_ok(wk, k))
		rv = CKR_KEY_NOT_WRAPPABLE;
	if (rv != CKR_OK)
		obj_view_free(k);
	return rv;
}

/* --- C_WrapKey ------------------------------------------------------------------ */

CK_RV rt_WrapKey(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism,
		 CK_OBJECT_HANDLE hWrappingKey, CK_OBJECT_HANDLE hKey, CK_BYTE_PTR pWrappedKey,
		 CK_ULONG_PTR pulWrappedKeyLen)
{
	struct sess_info si;
	struct prim_ctx c;
	struct obj_view wk, k;
	const struct mech *m;
	const struct lb_attr *val;
	int have_wk = 0, have_k = 0;
	size_t need, out_len = 0;
	CK_RV rv = sess_call(hSession, &si);

	memset(&c, 0, sizeof c);
	if (rv != CKR_OK)
		return rv;
	m = mech_find(pMechanism->mechanism);
	if (m == NULL || m->ops == NULL || !(m->host_flags & CKF_WRAP) || m->ops->wrap == NULL ||
	    m->ops->wrap_len == NULL)
		return CKR_MECHANISM_INVALID;
	c.m = m;
	rv = km_param(m, pMechanism, &c.prm);
	if (rv != CKR_OK)
		goto out;
	rv = km_view(hSession, hWrappingKey, CKR_WRAPPING_KEY_HANDLE_INVALID, &wk);
	if (rv != CKR_OK)
		goto out;
	have_wk = 1;
	rv = km_key(&c, pMechanism, &wk, m->ops->secret ? CKO_SECRET_KEY : CKO_PUBLIC_KEY,
		    CKA_WRAP, 0, CKR_WRAPPING_KEY_TYPE_INCONSISTENT,
		    CKR_WRAPPING_KEY_SIZE_RANGE);
	if (rv != CKR_OK)
		goto out;
	rv = km_wrapped_key(hSession, hKey, &wk, &k, &val);
	if (rv != CKR_OK)
		goto out;
	have_k = 1;
	need = m->ops->wrap_len(&c, val->len);
	if (need == 0) {
		rv = CKR_KEY_SIZE_RANGE;
		goto out;
	}
	if (!op_output_fits(pWrappedKey, pulWrappedKeyLen, need, &rv))
		goto out;
	rv = m->ops->wrap(&c, val->value, val->len, pWrappedKey, &out_len);
	if (rv == CKR_OK)
		*pulWrappedKeyLen = out_len;
out:
	if (have_k)
		obj_view_free(&k);
	if (have_wk)
		obj_view_free(&wk);
	prim_ctx_free(&c);
	return rv;
}

/* --- C_UnwrapKey ---------------------------------------------------------------- */

/* The error of a token's decryption as the error of an unwrapping. */
static CK_RV km_unwrap_rv(CK_RV rv)
{
	if (rv == CKR_ENCRYPTED_DATA_LEN_RANGE)
		return CKR_WRAPPED_KEY_LEN_RANGE;
	if (rv == CKR_ENCRYPTED_DATA_INVALID)
		return CKR_WRAPPED_KEY_INVALID;
	return rv;
}

/*
 * Unwrap in[0..n) with the token's private key v (RSA): the host checks the ciphertext,
 * the token's script computes the raw primitive under the token's lock (as op_pk_token
 * does for C_Decrypt), the host removes the padding in constant time. out has room for
 * c->k bytes. A private key in host memory, or one that wants CKA_ALWAYS_AUTHENTICATE (no
 * operation here for C_Login to re-authenticate), is not used.
 */
static CK_RV km_token_unwrap(const struct sess_info *si, const struct obj_view *v,
			     const struct prim_ctx *c, const uint8_t *in, size_t n, uint8_t *out,
			     size_t *out_len)
{
	struct token *t = si->tok;
	struct lb_card card;
	uint8_t *em = NULL;
	size_t em_len = c->k;
	CK_RV rv;

	*out_len = 0;
	if (!v->on_token || v->tok == NULL || v->tok != t)
		return CKR_UNWRAPPING_KEY_TYPE_INCONSISTENT;
	if (obj_view_bool(v, CKA_ALWAYS_AUTHENTICATE, 0))
		return CKR_KEY_FUNCTION_NOT_PERMITTED;
	rv = km_unwrap_rv(c->m->ops->decrypt_check(c, in, n));
	if (rv != CKR_OK)
		return rv;
	em = malloc(c->k);
	if (em == NULL)
		return CKR_HOST_MEMORY;
	rv = token_enter(t);
	if (rv != CKR_OK)
		goto out;
	if (token_generation(t) != si->gen)
		rv = CKR_SESSION_HANDLE_INVALID;
	if (rv == CKR_OK)
		rv = token_load_inlock(t);
	if (rv == CKR_OK && (!t->logged_in || t->user != CKU_USER))
		rv = CKR_USER_NOT_LOGGED_IN;
	if (rv == CKR_OK && !mech_token_can(t->mechs, t->nmechs, c->m->raw, CKF_DECRYPT))
		rv = CKR_MECHANISM_INVALID;
	if (rv == CKR_OK) {
		token_card(t, &card);
		rv = lb_decrypt(t->vm, &card, v->ref, c->m->raw, in, n, em, &em_len);
	}
	token_leave(t);
	if (rv == CKR_OK)
		rv = km_unwrap_rv(c->m->ops->decrypt_decode(c, em, em_len, out, out_len));
out:
	OPENSSL_cleanse(em, c->k);
	free(em);
	return rv;
}

CK_RV rt_UnwrapKey(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism,
		   CK_OBJECT_HANDLE hUnwrappingKey, CK_BYTE_PTR pWrappedKey,
		   CK_ULONG ulWrappedKeyLen, CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulAttributeCount,
		   CK_OBJECT_HANDLE_PTR phKey)
{
	struct sess_info si;
	struct prim_ctx c;
	struct obj_view uk;
	const struct mech *m;
	CK_ATTRIBUTE *t = NULL;
	CK_ULONG nt = 0;
	CK_KEY_TYPE kt = 0;
	uint8_t *buf = NULL;
	size_t len = 0, cap = 0;
	int have_uk = 0, on_token;
	CK_RV rv = sess_call(hSession, &si);

	memset(&c, 0, sizeof c);
	if (rv != CKR_OK)
		return rv;
	m = mech_find(pMechanism->mechanism);
	on_token = m != NULL && m->ops != NULL && !m->ops->secret;
	if (m == NULL || m->ops == NULL ||
	    (on_token ? !(m->token_flags & CKF_UNWRAP) || m->ops->decrypt_check == NULL ||
			m->ops->decrypt_decode == NULL
		      : !(m->host_flags & CKF_UNWRAP) || m->ops->unwrap == NULL))
		return CKR_MECHANISM_INVALID;
	c.m = m;
	rv = km_param(m, pMechanism, &c.prm);
	if (rv == CKR_OK)
		rv = km_template_kind(pTemplate, ulAttributeCount, &kt);
	if (rv != CKR_OK)
		goto out;
	rv = km_view(hSession, hUnwrappingKey, CKR_UNWRAPPING_KEY_HANDLE_INVALID, &uk);
	if (rv != CKR_OK)
		goto out;
	have_uk = 1;
	rv = km_key(&c, pMechanism, &uk, m->ops->secret ? CKO_SECRET_KEY : CKO_PRIVATE_KEY,
		    CKA_UNWRAP, 1, CKR_UNWRAPPING_KEY_TYPE_INCONSISTENT,
		    CKR_UNWRAPPING_KEY_SIZE_RANGE);
	if (rv == CKR_OK)
		rv = km_join_unwrap_template(&uk, pTemplate, ulAttributeCount, &t, &nt);
	if (rv != CKR_OK)
		goto out;
	if (!on_token && (ulWrappedKeyLen == 0 || ulWrappedKeyLen > KM_SECRET_MAX + 16)) {
		rv = CKR_WRAPPED_KEY_LEN_RANGE;
		goto out;
	}
	cap = on_token ? c.k : ulWrappedKeyLen;
	buf = malloc(cap > 0 ? cap : 1);
	if (buf == NULL) {
		rv = CKR_HOST_MEMORY;
		goto out;
	}
	rv = on_token ? km_token_unwrap(&si, &uk, &c, pWrappedKey, ulWrappedKeyLen, buf, &len)
		      : m->ops->unwrap(&c, pWrappedKey, ulWrappedKeyLen, buf, &len);
	if (rv == CKR_OK)
		rv = km_unwrapped_key(hSession, kt, t, nt, buf, len, phKey);
out:
	if (buf != NULL) {
		OPENSSL_cleanse(buf, cap > 0 ? cap : 1);
		free(buf);
	}
	free(t);
	if (have_uk)
		obj_view_free(&uk);
	prim_ctx_free(&c);
	return rv;
}

/* --- C_DeriveKey ---------------------------------------------------------------- */

/* The length of the key to derive: the template's CKA_VALUE_LEN, else the key type's
 * fixed length (its generation needs none), else 0 (what the mechanism gives). */
static CK_RV km_derive_len(const CK_ATTRIBUTE *t, CK_ULONG n, CK_KEY_TYPE kt, size_t *want,
			   int *given)
{
	const struct mech *g = obj_secret_keygen(kt);
	CK_ULONG i, v;
	size_t l = 0;

	*want = 0;
	*given = 0;
	for (i = 0; i < n; i++)
		if (t[i].type == CKA_VALUE_LEN) {
			memcpy(&v, t[i].pValue, sizeof v);
			if (v == 0 || v > KM_SECRET_MAX)
				return CKR_ATTRIBUTE_VALUE_INVALID;
			*want = v;
			*given = 1;
			return CKR_OK;
		}
	if (g != NULL && g->ops->gen_len(g, 0, 0, &l) == CKR_OK)
		*want = l;
	return CKR_OK;
}

/*
 * Key agreement with the token's private key v: the token's script computes the agreed
 * point (the contract's derive: the ECDH x coordinate, the unhashed VKO point) under the
 * token's lock, logged in as the user, as op_pk_token does for C_Sign; the host applies
 * the KDF after (the primitive's token_finish). A key that wants CKA_ALWAYS_AUTHENTICATE
 * is not used (no operation here for C_Login to re-authenticate).
 */
static CK_RV km_token_derive(const struct sess_info *si, const struct obj_view *v,
			     const struct mech *m, const CK_MECHANISM *pm, size_t want,
			     uint8_t *out, size_t cap, size_t *out_len)
{
	struct token *t = si->tok;
	struct lb_card card;
	const uint8_t *pt = NULL, *ukm = NULL;
	size_t pt_len = 0, ukm_len = 0, zlen = 0;
	uint8_t z[2 * 66];
	CK_RV rv;

	*out_len = 0;
	if (m->ops->token_peer == NULL || m->ops->token_finish == NULL)
		return CKR_MECHANISM_INVALID;
	if (!v->on_token || v->tok == NULL || v->tok != t)
		return CKR_KEY_TYPE_INCONSISTENT;
	rv = km_key_usable(m, pm, v, CKO_PRIVATE_KEY, CKA_DERIVE, CKR_KEY_TYPE_INCONSISTENT);
	if (rv != CKR_OK)
		return rv;
	if (obj_view_bool(v, CKA_ALWAYS_AUTHENTICATE, 0))
		return CKR_KEY_FUNCTION_NOT_PERMITTED;
	rv = m->ops->token_peer(pm, &pt, &pt_len, &ukm, &ukm_len, &zlen);
	if (rv != CKR_OK)
		return rv;
	if (zlen == 0 || zlen > sizeof z)
		return CKR_MECHANISM_PARAM_INVALID;
	rv = token_enter(t);
	if (rv != CKR_OK)
		return rv;
	if (token_generation(t) != si->gen)
		rv = CKR_SESSION_HANDLE_INVALID;
	if (rv == CKR_OK)
		rv = token_load_inlock(t);
	if (rv == CKR_OK && (!t->logged_in || t->user != CKU_USER))
		rv = CKR_USER_NOT_LOGGED_IN;
	if (rv == CKR_OK && !mech_token_can(t->mechs, t->nmechs, m->type, CKF_DERIVE))
		rv = CKR_MECHANISM_INVALID;
	if (rv == CKR_OK) {
		token_card(t, &card);
		rv = lb_derive(t->vm, &card, v->ref, m->type, pt, pt_len, ukm, ukm_len, z, &zlen);
	}
	token_leave(t);
	if (rv == CKR_OK)
		rv = m->ops->token_finish(m, pm, z, zlen, want, out, cap, out_len);
	OPENSSL_cleanse(z, sizeof z);
	return rv;
}

CK_RV rt_DeriveKey(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism,
		   CK_OBJECT_HANDLE hBaseKey, CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulAttributeCount,
		   CK_OBJECT_HANDLE_PTR phKey)
{
	struct sess_info si;
	struct prim_ctx c;
	struct obj_view bk;
	struct km_fill f;
	const struct mech *m;
	CK_KEY_TYPE kt = 0;
	uint8_t secret[KM_SECRET_MAX];
	size_t want = 0, len = 0;
	int have_bk = 0, given = 0;
	CK_RV rv = sess_call(hSession, &si);

	memset(&c, 0, sizeof c);
	if (rv != CKR_OK)
		return rv;
	m = mech_find(pMechanism->mechanism);
	if (m == NULL || m->ops == NULL || !(m->host_flags & CKF_DERIVE) || m->ops->derive == NULL)
		return CKR_MECHANISM_INVALID;
	if (phKey == NULL)
		return CKR_ARGUMENTS_BAD;       /* these mechanisms return one new key */
	c.m = m;
	rv = km_param(m, pMechanism, &c.prm);
	if (rv == CKR_OK)
		rv = km_template_kind(pTemplate, ulAttributeCount, &kt);
	if (rv == CKR_OK)
		rv = km_derive_len(pTemplate, ulAttributeCount, kt, &want, &given);
	if (rv != CKR_OK)
		goto out;
	rv = km_view(hSession, hBaseKey, CKR_KEY_HANDLE_INVALID, &bk);
	if (rv != CKR_OK)
		goto out;
	have_bk = 1;
	if (bk.on_token && bk.cls == CKO_PRIVATE_KEY && obj_view_attr(&bk, CKA_VALUE) == NULL &&
	    (m->ops->key_type_ok != NULL ? m->ops->key_type_ok(m, bk.key_type)
					 : bk.key_type == m->key_type)) {
		/* the private key lives on the token: the token agrees, the host derives */
		rv = km_token_derive(&si, &bk, m, pMechanism, want, secret, sizeof secret, &len);
	} else {
		rv = km_key(&c, pMechanism, &bk, CKO_PRIVATE_KEY, CKA_DERIVE, 1,
			    CKR_KEY_TYPE_INCONSISTENT, CKR_KEY_SIZE_RANGE);
		if (rv == CKR_OK)
			rv = m->ops->derive(&c, pMechanism, want, secret, sizeof secret, &len);
	}
	if (rv != CKR_OK)
		goto out;
	if (!km_len_ok(kt, len)) {
		rv = given ? CKR_ATTRIBUTE_VALUE_INVALID : CKR_TEMPLATE_INCOMPLETE;
		goto out;
	}
	memset(&f, 0, sizeof f);
	f.value = secret;
	f.len = len;
	f.derived = 1;
	f.base_always_sensitive = obj_view_bool(&bk, CKA_ALWAYS_SENSITIVE, 0);
	f.base_never_extractable = obj_view_bool(&bk, CKA_NEVER_EXTRACTABLE, 0);
	rv = obj_create_filled(hSession, OBJ_DERIVE, CKO_SECRET_KEY, kt, pTemplate,
			       ulAttributeCount, km_fill_value, &f, phKey);
out:
	OPENSSL_cleanse(secret, sizeof secret);
	if (have_bk)
		obj_view_free(&bk);
	prim_ctx_free(&c);
	return rv;
}
