/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * obj.h — objects: token objects (cached from the token's script, which owns the on-card
 * format) and session objects (host memory), with their handles, attributes and the
 * template rules of spec/attributes.yaml.
 *
 * This header is the interface the crypto layer (sign, verify, decrypt, key generation)
 * uses; the PKCS#11 object functions (C_CreateObject, C_FindObjects*, ...) are the rt_*
 * functions of generated/sk_dispatch.h.
 *
 * Handles: an object's handle is stable while the object exists; handles are never reused
 * within a C_Initialize. Token objects of a token are read once per insertion (public ones)
 * and once per login (private ones); their handles end with the token's generation.
 */
#ifndef SCRIPTOKI_OBJ_H
#define SCRIPTOKI_OBJ_H

#include <stddef.h>

#include "cryptoki.h"
#include "lb.h"
#include "token.h"

CK_RV obj_init(void);
void obj_fini(void);
void obj_forget_after_fork(void);

/*
 * A snapshot of one object as a session may use it: every attribute the object has,
 * sensitive ones included (a private key's modulus, CKA_SIGN, CKA_ALWAYS_AUTHENTICATE...;
 * never a private value, which token keys do not have on the host at all).
 * obj_view checks that the handle is valid for this session: the object exists, belongs
 * to the session's token or to the session, and is private only when the user is logged in.
 */
struct obj_view {
	CK_OBJECT_HANDLE handle;
	CK_OBJECT_CLASS cls;
	CK_KEY_TYPE key_type;           /* CK_UNAVAILABLE_INFORMATION for non-keys */
	int on_token;                   /* CKA_TOKEN */
	struct token *tok;              /* the token of a token object */
	char ref[LB_REF_MAX];           /* the script's reference of a token object */
	int lazy;                       /* obj_view_as_is of a lazy token object: attrs lack
					 * what the script's object_attrs gives */
	size_t nattrs;
	struct lb_attr *attrs;          /* copies; obj_view_free cleanses them */
};

/* A copy of object h's attributes: the whole object (a lazy one is read from the card
 * first, obj_fetch) ... */
CK_RV obj_view(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE h, struct obj_view *out);
/* ... or what the cache has, lazy or not (out->lazy says which): for a caller that can
 * do with what a lazy object lists and asks for the whole one only when it cannot. */
CK_RV obj_view_as_is(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE h, struct obj_view *out);
void obj_view_free(struct obj_view *v);
const struct lb_attr *obj_view_attr(const struct obj_view *v, CK_ATTRIBUTE_TYPE type);
/* A CK_BBOOL attribute, or dflt when the object does not have it. */
int obj_view_bool(const struct obj_view *v, CK_ATTRIBUTE_TYPE type, int dflt);
/* A CK_ULONG attribute, or dflt. */
CK_ULONG obj_view_ulong(const struct obj_view *v, CK_ATTRIBUTE_TYPE type, CK_ULONG dflt);
/* Whether the key v may be used with mechanism m (CKA_ALLOWED_MECHANISMS, PKCS #11 3.2
 * 4.7): CKR_OK when its list is absent, empty or names m, else CKR_MECHANISM_INVALID (also
 * for a list that is not a whole number of CK_MECHANISM_TYPEs). runtime/obj_allowed.c. */
CK_RV obj_allowed_check(const struct obj_view *v, CK_MECHANISM_TYPE m);
/* CKR_ATTRIBUTE_VALUE_INVALID when a[n] sets a non-empty CKA_ALLOWED_MECHANISMS and t's
 * family cannot store it on the card (token_info's stores_allowed_mechanisms); for the
 * templates of token objects, before the script is asked. */
CK_RV obj_allowed_storable(const struct token *t, const struct lb_attr *a, size_t n);

/*
 * Register objects the token has just created (C_GenerateKeyPair): the script returned
 * them in its own format; they join the token's cache and get handles. The token's lock is
 * held by the caller.
 */
CK_RV obj_add_token_object_inlock(struct token *t, const struct lb_object *o,
				  CK_OBJECT_HANDLE *handle);

/*
 * A session object of session s (of token generation gen) holding a copy of what the
 * script reported of an object (C_GenerateKeyPair's session public key of a token private
 * key), CKA_TOKEN false. The token's lock is held by the caller.
 */
CK_RV obj_add_session_copy_inlock(struct token *t, unsigned gen, CK_SESSION_HANDLE s,
				  const struct lb_object *o, CK_OBJECT_HANDLE *handle);

/*
 * The user of t logged out (C_Logout): the application's private session objects on t
 * are destroyed and their handles become invalid (PKCS #11 3.2 section 5.6, C_Logout).
 * The token's lock is held by the caller.
 */
void obj_logout_inlock(struct token *t);

/*
 * Check a template against the rules of spec/objects.yaml for the object's class and key
 * type; for OBJ_CREATE and OBJ_GENERATE also complete it with the defaults (OBJ_COPY gives
 * back the checked copy template only). The result is a new attribute list (lb_attrs_free)
 * in the form scripts receive.
 */
/* OBJ_UNWRAP and OBJ_DERIVE (C_UnwrapKey, C_DeriveKey) take the unwrap rules of the
 * standard's footnotes 5 and 6 (it has none of its own for derivation: a derived key's
 * value, like an unwrapped one's, comes from the mechanism); both give CKA_LOCAL false. */
enum obj_tmpl_op { OBJ_CREATE, OBJ_GENERATE, OBJ_COPY, OBJ_UNWRAP, OBJ_DERIVE };
CK_RV obj_template(enum obj_tmpl_op op, CK_OBJECT_CLASS cls, CK_KEY_TYPE key_type,
		   const CK_ATTRIBUTE *tmpl, CK_ULONG n, struct lb_attr **out, size_t *nout);

#endif
