/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * obj_int.h — what the files of the object layer share (obj.c, obj_tmpl.c, obj_keygen.c).
 * Not part of the runtime's API: that is obj.h.
 *
 * Attributes are held as struct lb_attr in Cryptoki's encoding (CK_BBOOL one byte, CK_ULONG
 * native, arrays of CK_MECHANISM_TYPE native). Template-valued attributes (CKA_WRAP_TEMPLATE
 * ...) cannot be held as CK_ATTRIBUTE arrays (those carry pointers); they are serialised as
 * records of CK_ULONG type, CK_ULONG length and the value bytes, one after the other.
 */
#ifndef SCRIPTOKI_OBJ_INT_H
#define SCRIPTOKI_OBJ_INT_H

#include "obj.h"
#include "sk_attrs.h"

#define OBJ_VALUE_MAX (1u << 18)        /* the largest attribute value accepted (256 KiB) */

/* The (class, subtype) pair of spec/objects.yaml, or NULL when it does not exist. */
const struct sk_obj_kind *obj_kind(CK_OBJECT_CLASS cls, CK_ULONG sub);
/* The kind of an object from its CKA_CLASS and subtype attribute; NULL when unknown. */
const struct sk_obj_kind *obj_kind_of(const struct lb_attr *a, size_t n);
/* 1 when the class is in objects.yaml; *sub_attr: its subtype attribute (0 if none). */
int obj_class_known(CK_OBJECT_CLASS cls, CK_ATTRIBUTE_TYPE *sub_attr);
/* The rule of attribute t for objects of kind k, or NULL when k has no such attribute. */
const struct sk_attr_rule *obj_rule(const struct sk_obj_kind *k, CK_ATTRIBUTE_TYPE t);

/* Attribute lists. */
const struct lb_attr *obj_attrs_find(const struct lb_attr *a, size_t n, CK_ATTRIBUTE_TYPE t);
int obj_attrs_bool(const struct lb_attr *a, size_t n, CK_ATTRIBUTE_TYPE t, int dflt);
CK_ULONG obj_attrs_ulong(const struct lb_attr *a, size_t n, CK_ATTRIBUTE_TYPE t, CK_ULONG dflt);
/* Replace or append attribute t (a copy of v). */
CK_RV obj_attrs_set(struct lb_attr **a, size_t *n, CK_ATTRIBUTE_TYPE t, const void *v,
		    CK_ULONG len);
CK_RV obj_attrs_set_bool(struct lb_attr **a, size_t *n, CK_ATTRIBUTE_TYPE t, int v);
CK_RV obj_attrs_set_ulong(struct lb_attr **a, size_t *n, CK_ATTRIBUTE_TYPE t, CK_ULONG v);
CK_RV obj_attrs_dup(const struct lb_attr *a, size_t n, struct lb_attr **out, size_t *nout);
/* Add the spec's defaults of kind k for what a (from a script) leaves out. */
CK_RV obj_attrs_complete(const struct sk_obj_kind *k, struct lb_attr **a, size_t *n);

/* Check one application attribute by the type attributes.yaml gives it, and convert it.
 * CKR_ATTRIBUTE_TYPE_INVALID (unknown type) or CKR_ATTRIBUTE_VALUE_INVALID. */
CK_RV obj_attr_check(const CK_ATTRIBUTE *in);
CK_RV obj_attr_from_ck(const CK_ATTRIBUTE *in, struct lb_attr *out);
/* Copy one value to the application (the rules of C_GetAttributeValue for one
 * attribute that may be revealed): CKR_OK or CKR_BUFFER_TOO_SMALL. */
CK_RV obj_attr_to_ck(const struct lb_attr *a, CK_ATTRIBUTE *out);
/* Cleanse and free one value. */
void obj_attr_wipe(struct lb_attr *a);
/* 1 when two values are equal (bools compared as truth values). */
int obj_attr_equal(const struct lb_attr *a, const struct lb_attr *b);

/* Never revealed: a `sensitive` attribute of an object that is sensitive or unextractable. */
int obj_hidden(const struct sk_obj_kind *k, const struct lb_attr *a, size_t n,
	       CK_ATTRIBUTE_TYPE t);

/* Make the token's object cache current (token lock held; loads the token's cache too). */
CK_RV obj_cache_inlock(struct token *t);

/* obj_template with the SO flag (so_only attributes may be set to CK_TRUE by the SO). */
CK_RV obj_template_ex(enum obj_tmpl_op op, CK_OBJECT_CLASS cls, CK_ULONG sub,
		      const CK_ATTRIBUTE *tmpl, CK_ULONG n, int is_so, struct lb_attr **out,
		      size_t *nout);

/* The derived attributes of a value set after the template was completed (C_GenerateKey):
 * those the template gave checked against it, the absent ones added. */
CK_RV obj_attrs_derive_value(const struct sk_obj_kind *k, struct lb_attr **a, size_t *n);

/* Secret keys: the value of a secret key template checked by its key type
 * (the lengths the key type's generation mechanism gives). CKR_ATTRIBUTE_VALUE_INVALID. */
CK_RV obj_secret_check(enum obj_tmpl_op op, CK_KEY_TYPE kt, const struct lb_attr *a, size_t n);
/* The generation mechanism of secret key type kt (a host CKF_GENERATE primitive, whose
 * gen_len knows the key type's lengths), or NULL. */
struct mech;
const struct mech *obj_secret_keygen(CK_KEY_TYPE kt);

/*
 * A new object of the call's session s from a template checked and completed by the rules
 * of op (obj_template_ex, with the session's SO state), then completed by fill (NULL:
 * nothing to add; it may change *a and *n), then stored as C_CreateObject stores it:
 * token secret keys refused with CKR_TEMPLATE_INCONSISTENT, private objects only for the
 * logged-in user. fill runs only for a template that the session may store.
 */
typedef CK_RV (*obj_fill_fn)(void *arg, const struct sk_obj_kind *k, struct lb_attr **a,
			     size_t *n);
/* C_GenerateKey of a token secret key (CKA_TOKEN true): the template checked as for
 * generation, then the family's generate_key makes it on the card (obj.c). */
CK_RV obj_generate_token_secret(CK_SESSION_HANDLE s, CK_MECHANISM_TYPE mech, CK_ULONG key_type,
				const CK_ATTRIBUTE *tmpl, CK_ULONG n, CK_OBJECT_HANDLE *ph);
CK_RV obj_create_filled(CK_SESSION_HANDLE s, enum obj_tmpl_op op, CK_OBJECT_CLASS cls,
			CK_ULONG sub, const CK_ATTRIBUTE *tmpl, CK_ULONG n, obj_fill_fn fill,
			void *arg, CK_OBJECT_HANDLE *ph);

/* Undo the creation of session object h of session s (C_GenerateKeyPair's first half when
 * the second fails), whatever its CKA_DESTROYABLE says; its values are cleansed. */
void obj_destroy_session_object(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE h);

#endif
