/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * op_pk.c — what the public- and private-key operations share: the Init checks and the
 * key's facts, feeding data in parts, the token's raw primitive, and the context-specific
 * login of CKA_ALWAYS_AUTHENTICATE keys; see op.h.
 */
#include "op.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "crypto.h"
#include "log.h"
#include "obj.h"
#include "op_toksym.h"
#include "session.h"

void op_pk_free(struct op_pk *o, size_t size)
{

	EVP_MD_CTX_free(o->md);
	crypto_mdsave_free(o->mst);
	if (o->buf != NULL) {
		OPENSSL_cleanse(o->buf, o->cap);
		free(o->buf);
	}
	if (o->result != NULL) {
		OPENSSL_cleanse(o->result, o->result_cap > 0 ? o->result_cap : o->p.k);
		free(o->result);
	}
	if (o->result_in != NULL && o->result_in_len > 0)
		OPENSSL_cleanse(o->result_in, o->result_in_len);
	free(o->result_in);
	free(o->label);
	prim_ctx_free(&o->p);
	OPENSSL_cleanse(o, size > sizeof *o ? size : sizeof *o);
	free(o);
}

static void op_pk_destroy(struct op *op)
{
	op_pk_free((struct op_pk *)op, 0);
}

static CK_FLAGS op_kind_flag(enum op_kind kind)
{
	switch (kind) {
	case OP_SIGN:
		return CKF_SIGN;
	case OP_VERIFY:
		return CKF_VERIFY;
	case OP_ENCRYPT:
		return CKF_ENCRYPT;
	case OP_DECRYPT:
		return CKF_DECRYPT;
	case OP_SIGN_RECOVER:
		return CKF_SIGN_RECOVER;
	case OP_VERIFY_RECOVER:
		return CKF_VERIFY_RECOVER;
	default:
		return 0;
	}
}

static CK_ATTRIBUTE_TYPE op_kind_attr(enum op_kind kind)
{
	switch (kind) {
	case OP_SIGN:
		return CKA_SIGN;
	case OP_VERIFY:
		return CKA_VERIFY;
	case OP_ENCRYPT:
		return CKA_ENCRYPT;
	case OP_SIGN_RECOVER:
		return CKA_SIGN_RECOVER;
	case OP_VERIFY_RECOVER:
		return CKA_VERIFY_RECOVER;
	default:
		return CKA_DECRYPT;
	}
}

static const struct lb_attr *op_pk_attr(const void *view, CK_ATTRIBUTE_TYPE type)
{
	return obj_view_attr(view, type);
}

/* Under the token's lock: the card still belongs to the session, the user is logged in,
 * and the token computes the raw primitive. */
static CK_RV op_pk_token_check_inlock(struct op_pk *o, CK_FLAGS flag)
{
	CK_RV rv;

	if (token_generation(o->tok) != o->gen)
		return CKR_SESSION_HANDLE_INVALID;
	rv = token_load_inlock(o->tok);
	if (rv != CKR_OK)
		return rv;
	if (!o->tok->logged_in || o->tok->user != CKU_USER)
		return CKR_USER_NOT_LOGGED_IN;
	if (!mech_token_can(o->tok->mechs, o->tok->nmechs, o->p.m->raw, flag))
		return CKR_MECHANISM_INVALID;
	return CKR_OK;
}

/* Whether the mechanism can do kind's operation at all: on the host, or (private-key
 * operations) with the token's raw form. */
static int op_pk_mech_can(const struct mech *m, CK_FLAGS flag, int on_token, int host_too)
{
	if (m == NULL || m->ops == NULL)
		return 0;
	if (!on_token)
		return (m->host_flags & flag) != 0;
	return (m->token_flags & flag) != 0 || (host_too && (m->host_flags & flag) != 0);
}

/* op_pk_prepare with the key's view taken by the caller when pre is not NULL (the caller
 * keeps and frees it), else by itself. */
static CK_RV op_pk_prepare_view(CK_SESSION_HANDLE h, enum op_kind kind, CK_FLAGS need,
				const CK_MECHANISM *pm, const CK_MECHANISM *key_mech,
				CK_OBJECT_HANDLE key, size_t size, struct op_pk **out,
				const struct obj_view *pre)
{
	CK_FLAGS flag = op_kind_flag(kind);
	int private_key = kind == OP_SIGN || kind == OP_DECRYPT || kind == OP_SIGN_RECOVER;
	struct sess_info si;
	struct obj_view own;
	const struct obj_view *v = &own;
	struct prim_attrs attrs;
	struct op_pk *o = NULL;
	const struct mech *m;
	int have_view = 0, view_ok, secret, on_token, host_key = 0, token_form, by_size;
	CK_RV rv, view_rv;

	*out = NULL;
	if (key_mech == NULL)
		key_mech = pm;
	rv = sess_call(h, &si);
	if (rv != CKR_OK)
		return rv;
	m = mech_find(pm->mechanism);
	secret = m != NULL && m->ops != NULL && m->ops->secret;
	on_token = private_key && !secret;
	if (!op_pk_mech_can(m, need, on_token, 1))
		return CKR_MECHANISM_INVALID;
	by_size = kind == OP_SIGN && on_token && m->ops->sign_by_size;
	if (m->hash != 0 && crypto_md(m->hash) == NULL)
		return CKR_MECHANISM_INVALID;   /* e.g. no gostprov on this host */
	o = calloc(1, size > sizeof *o ? size : sizeof *o);
	if (o == NULL)
		return CKR_HOST_MEMORY;
	o->op.kind = kind;
	o->op.destroy = op_pk_destroy;
	o->p.m = m;
	o->session = h;
	o->gen = si.gen;
	/* a secret-key primitive checks its whole parameter (prim.h) */
	if (secret)
		rv = m->ops->param != NULL ? m->ops->param(m, key_mech, &o->p.prm)
					   : prim_iv_param(key_mech, 0);
	else
		rv = mech_check_param(m, key_mech, &o->p.prm);
	if (rv != CKR_OK)
		goto out;
	if (o->p.prm.label_len > 0) {
		o->label = malloc(o->p.prm.label_len);
		if (o->label == NULL) {
			rv = CKR_HOST_MEMORY;
			goto out;
		}
		memcpy(o->label, o->p.prm.label, o->p.prm.label_len);
		o->p.prm.label = o->label;
	}
	/* a private key that is a session object holds its values: the host computes with
	 * it (prim.h host_key ...), and the token is not asked */
	if (pre != NULL) {
		v = pre;
		view_rv = CKR_OK;
	} else {
		view_rv = obj_view_as_is(h, key, &own);
		have_view = view_rv == CKR_OK;
	}
	/* a lazy key (issue 11) is read whole from the card first, unless it is an RSA key
	 * with CKA_MODULUS_BITS and signing on the token needs only its size */
	if (view_rv == CKR_OK && v->lazy &&
	    !(by_size && v->key_type == CKK_RSA && obj_view_attr(v, CKA_MODULUS_BITS) != NULL)) {
		if (have_view)
			obj_view_free(&own);
		view_rv = obj_view(h, key, &own);
		have_view = view_rv == CKR_OK;
		v = &own;
	}
	o->p.by_size = view_rv == CKR_OK && v->lazy;
	view_ok = view_rv == CKR_OK;
	if (on_token && view_ok && !v->on_token && v->cls == CKO_PRIVATE_KEY) {
		host_key = 1;
		on_token = 0;
		if (!op_pk_mech_can(m, flag, 0, 0)) {
			rv = CKR_MECHANISM_INVALID;     /* the token's form only */
			goto out;
		}
	}
	o->tok = si.tok;
	/* a mechanism of the host's form only (EdDSA) with a token key: refused below */
	token_form = on_token && op_pk_mech_can(m, flag, 1, 0);
	if (token_form) {
		/* the token computes with the key only for a logged-in user: say so first,
		 * as the key may be a private object the session cannot see yet. Only the
		 * cached login state is read here (no PC/SC transaction); C_Sign/C_Decrypt
		 * enter the card and check it again, after any reset by another application */
		rv = token_enter_cached(o->tok);
		if (rv != CKR_OK)
			goto out;
		rv = op_pk_token_check_inlock(o, flag);
		token_leave(o->tok);
		if (rv != CKR_OK)
			goto out;
	}
	rv = view_rv;
	if (rv == CKR_OBJECT_HANDLE_INVALID)
		rv = CKR_KEY_HANDLE_INVALID;
	if (rv != CKR_OK)
		goto out;
	if (v->cls != (secret ? CKO_SECRET_KEY : private_key ? CKO_PRIVATE_KEY : CKO_PUBLIC_KEY) ||
	    (m->ops->key_type_ok != NULL ? !m->ops->key_type_ok(m, v->key_type)
					 : v->key_type != m->key_type)) {
		rv = CKR_KEY_TYPE_INCONSISTENT;
		goto out;
	}
	/* CKA_SIGN_RECOVER and CKA_VERIFY_RECOVER are false unless the key says otherwise
	 * (spec/objects.yaml); the others' absence does not forbid */
	if (!obj_view_bool(v, op_kind_attr(kind), kind != OP_SIGN_RECOVER &&
						     kind != OP_VERIFY_RECOVER)) {
		rv = CKR_KEY_FUNCTION_NOT_PERMITTED;
		goto out;
	}
	if ((rv = obj_allowed_check(v, pm->mechanism)) != CKR_OK)
		goto out;
	attrs.view = v;
	attrs.get = op_pk_attr;
	o->p.init_mech = key_mech;
	rv = m->ops->key(&o->p, &attrs, private_key);
	if (rv == CKR_OK && host_key)
		rv = m->ops->host_key != NULL ? m->ops->host_key(&o->p, &attrs)
					      : CKR_MECHANISM_INVALID;
	o->p.init_mech = NULL;
	if (rv != CKR_OK)
		goto out;
	o->host_key = host_key;
	if (host_key) {
		o->always_auth = obj_view_bool(v, CKA_ALWAYS_AUTHENTICATE, 0);
	} else if (on_token) {
		/* the private key lives on the token: only its script can use it */
		if (!token_form || !v->on_token || v->tok == NULL || v->tok != si.tok) {
			rv = CKR_KEY_FUNCTION_NOT_PERMITTED;
			goto out;
		}
		memcpy(o->ref, v->ref, sizeof o->ref);
		o->ref[sizeof o->ref - 1] = '\0';
		o->always_auth = obj_view_bool(v, CKA_ALWAYS_AUTHENTICATE, 0);
	}
	o->key = key;
	if (m->hash != 0) {
		rv = op_pk_hash_restart(o);
		if (rv != CKR_OK)
			goto out;
	}
	*out = o;
	o = NULL;
out:
	if (have_view)
		obj_view_free(&own);
	if (o != NULL)
		op_pk_destroy(&o->op);
	return rv;
}

CK_RV op_pk_prepare(CK_SESSION_HANDLE h, enum op_kind kind, CK_FLAGS need,
		    const CK_MECHANISM *pm, const CK_MECHANISM *key_mech, CK_OBJECT_HANDLE key,
		    size_t size, struct op_pk **out)
{
	return op_pk_prepare_view(h, kind, need, pm, key_mech, key, size, out, NULL);
}

/* op_pk_init with the key's view as op_pk_prepare_view takes it. */
static CK_RV op_pk_init_view(CK_SESSION_HANDLE h, enum op_kind kind, const CK_MECHANISM *pm,
			     CK_OBJECT_HANDLE key, const struct obj_view *pre)
{
	struct op_pk *o = NULL;
	CK_RV rv;

	if (pm == NULL) {
		struct sess_info si;

		rv = sess_call(h, &si);
		if (rv != CKR_OK)
			return rv;
		/* 3.0 and later: an Init without a mechanism ends the active operation */
		op_end(h, kind);
		return CKR_OK;
	}
	/* its message-based twin counts as one of the kind (opstate.h: op_busy) */
	rv = op_busy(h, kind);
	if (rv == CKR_OK)
		rv = op_pk_prepare_view(h, kind, op_kind_flag(kind), pm, NULL, key, 0, &o, pre);
	if (rv != CKR_OK)
		return rv;
	rv = op_start(h, &o->op);
	if (rv != CKR_OK)
		op_pk_destroy(&o->op);
	return rv;
}

CK_RV op_pk_init(CK_SESSION_HANDLE h, enum op_kind kind, const CK_MECHANISM *pm,
		 CK_OBJECT_HANDLE key)
{
	return op_pk_init_view(h, kind, pm, key, NULL);
}

CK_RV op_key_init(CK_SESSION_HANDLE h, enum op_kind kind, const CK_MECHANISM *pm,
		  CK_OBJECT_HANDLE key)
{
	struct sess_info si;
	struct obj_view v;
	CK_RV rv;

	/* a call without a mechanism, of a bad session or with a key that cannot be seen is
	 * never the token secret keys': op_pk_init's alone, with its own look at the key */
	if (pm == NULL || sess_call(h, &si) != CKR_OK || obj_view_as_is(h, key, &v) != CKR_OK)
		return op_pk_init(h, kind, pm, key);
	if (!op_toksym_init_view(h, &si, kind, pm, &v, &rv))
		rv = op_pk_init_view(h, kind, pm, key, &v);
	obj_view_free(&v);
	return rv;
}

CK_RV op_pk_get(CK_SESSION_HANDLE h, enum op_kind kind, struct op_pk **out)
{
	struct sess_info si;
	struct op *op;
	CK_RV rv = sess_call(h, &si);

	if (rv != CKR_OK)
		return rv;
	rv = op_acquire(h, kind, &op);
	if (rv != CKR_OK)
		return rv;
	*out = (struct op_pk *)op;
	return CKR_OK;
}

void op_pk_put(struct op_pk *o, int end)
{
	op_release(&o->op, end);
}

size_t op_pk_max_input(const struct op_pk *o)
{
	return o->p.m->ops->max_input != NULL ? o->p.m->ops->max_input(&o->p) : o->p.k;
}

CK_RV op_pk_feed(struct op_pk *o, const uint8_t *p, size_t n, size_t max)
{
	uint8_t *nb;

	if (o->mst != NULL)
		return crypto_mdsave_update(o->mst, p != NULL ? p : (const uint8_t *)"", n);
	if (o->md != NULL)
		return crypto_digest_update(o->md, p, n);
	if (n > max || o->len > max - n)
		return CKR_DATA_LEN_RANGE;
	if (o->buf == NULL) {
		nb = calloc(1, max > 0 ? max : 1);
		if (nb == NULL)
			return CKR_HOST_MEMORY;
		o->buf = nb;
		o->cap = max > 0 ? max : 1;
	}
	if (n > 0)
		memcpy(o->buf + o->len, p, n);
	o->len += n;
	return CKR_OK;
}

CK_RV op_pk_hash_restart(struct op_pk *o)
{
	CK_MECHANISM_TYPE hash = o->p.m->hash;

	EVP_MD_CTX_free(o->md);
	o->md = NULL;
	crypto_mdsave_free(o->mst);
	o->mst = NULL;
	return crypto_mdsave_can(hash) ? crypto_mdsave_new(hash, &o->mst)
				       : crypto_digest_new(hash, &o->md);
}

CK_RV op_pk_input(struct op_pk *o, uint8_t *out, const uint8_t **in, size_t *in_len)
{
	CK_RV rv;

	if (o->mst != NULL) {
		rv = crypto_mdsave_final(o->mst, out, in_len);
		crypto_mdsave_free(o->mst);
		o->mst = NULL;
		*in = out;
		return rv;
	}
	if (o->md != NULL) {
		rv = crypto_digest_final(o->md, out, in_len);
		EVP_MD_CTX_free(o->md);
		o->md = NULL;
		*in = out;
		return rv;
	}
	*in = o->buf != NULL ? o->buf : out;
	*in_len = o->len;
	return CKR_OK;
}

CK_RV op_pk_token(struct op_pk *o, int decrypt, const uint8_t *in, size_t in_len,
		  uint8_t *out, size_t *out_len)
{
	struct lb_card card;
	struct sess_info si;
	CK_RV rv = token_enter(o->tok);

	if (rv != CKR_OK)
		return rv;
	if (!op_still_active(&o->op)) {
		/* ended by another thread while this call waited for the card: its session
		 * was closed, or C_SessionCancel cancelled it; the key is not used */
		rv = sess_lookup(o->session, &si) == CKR_OK ? CKR_FUNCTION_CANCELED
							    : CKR_SESSION_CLOSED;
	} else {
		rv = op_pk_token_check_inlock(o, decrypt ? CKF_DECRYPT : CKF_SIGN);
	}
	if (rv == CKR_OK) {
		token_card(o->tok, &card);
		if (o->always_auth)
			card.relogin = NULL;    /* its PIN is the user's to give: never cached */
		rv = (decrypt ? lb_decrypt : lb_sign)(o->tok->vm, &card, o->ref, o->p.m->raw, in,
						      in_len, out, out_len);
	}
	token_leave(o->tok);
	return rv;
}

CK_RV op_pk_private(struct op_pk *o, int decrypt, const uint8_t *in, size_t in_len,
		    uint8_t *out, size_t *out_len)
{
	const struct prim_ops *ops = o->p.m->ops;
	CK_RV (*fn)(const struct prim_ctx *, const uint8_t *, size_t, uint8_t *, size_t *);

	if (!o->host_key)
		return op_pk_token(o, decrypt, in, in_len, out, out_len);
	fn = decrypt ? ops->host_decrypt : ops->host_sign;
	return fn != NULL ? fn(&o->p, in, in_len, out, out_len) : CKR_MECHANISM_INVALID;
}

/* The context-specific login for operation o, which the caller refers to. */
static CK_RV op_context_login_ref(struct op_pk *o, struct token *t, const CK_UTF8CHAR *pin,
				  CK_ULONG len)
{
	struct lb_card card;
	CK_RV rv;

	if (!t->logged_in || t->user != CKU_USER)
		return CKR_USER_NOT_LOGGED_IN;
	if (pin == NULL)
		return CKR_ARGUMENTS_BAD;       /* no protected authentication path */
	/* PKCS #11 3.2, 4.9 (private key objects): after a refused re-authentication the
	 * operation goes on "as if C_Login had not been called", so an earlier success of
	 * this operation no longer counts */
	o->authed = 0;
	token_card(t, &card);
	rv = lb_login(t->vm, &card, CKU_CONTEXT_SPECIFIC, pin, len);
	if (rv == CKR_OK) {
		o->authed = 1;
		t->pin_user.tries_left = t->pin_user.max_tries; /* a good PIN resets the counter */
		return rv;
	}
	log_msg(LOG_CALLS, "op: context-specific login refused");
	if (rv == CKR_PIN_INCORRECT || rv == CKR_PIN_LOCKED)
		t->pins_valid = 0;      /* the card counted a try: read the counters again */
	if (rv == CKR_PIN_LOCKED) {
		/* ... "and this also logs the user out from the token" (same section) */
		lb_logout(t->vm, &card);
		t->logged_in = 0;
	}
	return rv;
}

CK_RV op_context_login_inlock(CK_SESSION_HANDLE h, struct token *t, const CK_UTF8CHAR *pin,
			      CK_ULONG len)
{
	/* a message-based signing process too: its op_pk is where op_msg.c keeps it */
	static const enum op_kind kinds[] = { OP_SIGN, OP_DECRYPT, OP_SIGN_RECOVER, OP_MSG_SIGN };
	struct op_pk *o = NULL, *cand;
	struct op *op;
	size_t i;
	CK_RV rv;

	/* a reference, not op_acquire: the operation may be in use by a call that waits for
	 * this token's lock, which we hold; only always_auth, tok (fixed at Init) and the
	 * atomic authed are touched */
	for (i = 0; i < sizeof kinds / sizeof kinds[0] && o == NULL; i++) {
		if (op_ref(h, kinds[i], &op) != CKR_OK)
			continue;
		cand = (struct op_pk *)op;
		if (!op_toksym_is(op) && cand->always_auth && cand->tok == t)
			o = cand;
		else
			op_unref(op);
	}
	if (o == NULL)
		return CKR_OPERATION_NOT_INITIALIZED;
	rv = op_context_login_ref(o, t, pin, len);
	op_unref(&o->op);
	return rv;
}
