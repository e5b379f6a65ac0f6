/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * obj_tmpl.c — the template engine: attribute values checked by their type
 * (spec/attributes.yaml) and templates checked and completed by the standard's rules per
 * class and kind (spec/objects.yaml), both through generated/sk_attrs.c. Nothing here
 * knows a particular attribute except the four the standard makes the object-creating
 * function contribute itself (CKA_LOCAL, CKA_KEY_GEN_MECHANISM, CKA_ALWAYS_SENSITIVE,
 * CKA_NEVER_EXTRACTABLE) and CKA_MODULUS_BITS of a created RSA public key; the attributes
 * the standard derives from CKA_VALUE are derived by the rules objects.yaml names.
 *
 * The order of the checks follows PKCS #11 3.2 section 4.1.1 ("Creating objects"): an
 * unknown attribute (CKR_ATTRIBUTE_TYPE_INVALID), a bad value (CKR_ATTRIBUTE_VALUE_INVALID),
 * an attribute the application may not give (CKR_ATTRIBUTE_READ_ONLY), a missing one
 * (CKR_TEMPLATE_INCOMPLETE), then inconsistency (CKR_TEMPLATE_INCONSISTENT: an attribute
 * of another class, two different values for one attribute, a class or kind that does not
 * exist).
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "crypto.h"
#include "mech.h"
#include "prim/prim.h"
#include "obj_int.h"

/* --- the tables ------------------------------------------------------------------- */

const struct sk_obj_kind *obj_kind(CK_OBJECT_CLASS cls, CK_ULONG sub)
{
	size_t i;

	for (i = 0; i < sk_obj_kinds_count; i++)
		if (sk_obj_kinds[i].cls == cls &&
		    (!sk_obj_kinds[i].has_subtype || sk_obj_kinds[i].subtype == sub))
			return &sk_obj_kinds[i];
	return NULL;
}

int obj_class_known(CK_OBJECT_CLASS cls, CK_ATTRIBUTE_TYPE *sub_attr)
{
	size_t i;

	for (i = 0; i < sk_obj_kinds_count; i++)
		if (sk_obj_kinds[i].cls == cls) {
			*sub_attr = sk_obj_kinds[i].has_subtype ? sk_obj_kinds[i].subtype_attr : 0;
			return 1;
		}
	*sub_attr = 0;
	return 0;
}

const struct sk_obj_kind *obj_kind_of(const struct lb_attr *a, size_t n)
{
	CK_ULONG cls = obj_attrs_ulong(a, n, CKA_CLASS, CK_UNAVAILABLE_INFORMATION);
	CK_ATTRIBUTE_TYPE sub_attr;

	if (!obj_class_known(cls, &sub_attr))
		return NULL;
	return obj_kind(cls, sub_attr ? obj_attrs_ulong(a, n, sub_attr, CK_UNAVAILABLE_INFORMATION)
				      : 0);
}

const struct sk_attr_rule *obj_rule(const struct sk_obj_kind *k, CK_ATTRIBUTE_TYPE t)
{
	size_t lo = k->first, hi = (size_t)k->first + k->count;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (sk_attr_rules[mid].type < t)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < (size_t)k->first + k->count && sk_attr_rules[lo].type == t)
		return &sk_attr_rules[lo];
	return NULL;
}

/* --- attribute lists ------------------------------------------------------------- */

const struct lb_attr *obj_attrs_find(const struct lb_attr *a, size_t n, CK_ATTRIBUTE_TYPE t)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (a[i].type == t)
			return &a[i];
	return NULL;
}

int obj_attrs_bool(const struct lb_attr *a, size_t n, CK_ATTRIBUTE_TYPE t, int dflt)
{
	const struct lb_attr *x = obj_attrs_find(a, n, t);

	if (x == NULL || x->len != sizeof(CK_BBOOL))
		return dflt;
	return x->value[0] != CK_FALSE;
}

CK_ULONG obj_attrs_ulong(const struct lb_attr *a, size_t n, CK_ATTRIBUTE_TYPE t, CK_ULONG dflt)
{
	const struct lb_attr *x = obj_attrs_find(a, n, t);
	CK_ULONG v;

	if (x == NULL || x->len != sizeof v)
		return dflt;
	memcpy(&v, x->value, sizeof v);
	return v;
}

CK_RV obj_attrs_set(struct lb_attr **a, size_t *n, CK_ATTRIBUTE_TYPE t, const void *v,
		    CK_ULONG len)
{
	uint8_t *copy = NULL;
	struct lb_attr *x;
	size_t i;

	if (len > 0) {
		copy = malloc(len);
		if (copy == NULL)
			return CKR_HOST_MEMORY;
		memcpy(copy, v, len);
	}
	for (i = 0; i < *n; i++)
		if ((*a)[i].type == t) {
			if ((*a)[i].value != NULL) {
				OPENSSL_cleanse((*a)[i].value, (*a)[i].len);
				free((*a)[i].value);
			}
			(*a)[i].value = copy;
			(*a)[i].len = len;
			return CKR_OK;
		}
	x = realloc(*a, (*n + 1) * sizeof *x);
	if (x == NULL) {
		free(copy);
		return CKR_HOST_MEMORY;
	}
	*a = x;
	x[*n].type = t;
	x[*n].len = len;
	x[*n].value = copy;
	(*n)++;
	return CKR_OK;
}

CK_RV obj_attrs_set_bool(struct lb_attr **a, size_t *n, CK_ATTRIBUTE_TYPE t, int v)
{
	CK_BBOOL b = v ? CK_TRUE : CK_FALSE;

	return obj_attrs_set(a, n, t, &b, sizeof b);
}

CK_RV obj_attrs_set_ulong(struct lb_attr **a, size_t *n, CK_ATTRIBUTE_TYPE t, CK_ULONG v)
{
	return obj_attrs_set(a, n, t, &v, sizeof v);
}

CK_RV obj_attrs_dup(const struct lb_attr *a, size_t n, struct lb_attr **out, size_t *nout)
{
	struct lb_attr *c = NULL;
	size_t i;

	*out = NULL;
	*nout = 0;
	if (n == 0)
		return CKR_OK;
	c = calloc(n, sizeof *c);
	if (c == NULL)
		return CKR_HOST_MEMORY;
	for (i = 0; i < n; i++) {
		c[i].type = a[i].type;
		c[i].len = a[i].len;
		if (a[i].len == 0)
			continue;
		c[i].value = malloc(a[i].len);
		if (c[i].value == NULL) {
			lb_attrs_free(c, i);
			return CKR_HOST_MEMORY;
		}
		memcpy(c[i].value, a[i].value, a[i].len);
	}
	*out = c;
	*nout = n;
	return CKR_OK;
}

static CK_RV obj_add_default(const struct sk_attr_rule *r, struct lb_attr **a, size_t *n)
{
	switch (r->dkind) {
	case SK_DEF_BOOL:
		return obj_attrs_set_bool(a, n, r->type, r->dulong != 0);
	case SK_DEF_ULONG:
		return obj_attrs_set_ulong(a, n, r->type, r->dulong);
	case SK_DEF_BYTES:
		return obj_attrs_set(a, n, r->type, r->dbytes, r->dlen);
	default:
		return CKR_OK;
	}
}

/*
 * The value of a derived attribute (objects.yaml `derive:`) computed from v[0..len), the
 * object's CKA_VALUE, into out (room for CRYPTO_MD_MAX bytes): CKR_OK, or
 * CKR_ATTRIBUTE_VALUE_INVALID when the value is not one the rule can use (an AES key of
 * another length).
 */
static CK_RV obj_derive_one(const struct sk_attr_rule *r, const uint8_t *v, CK_ULONG len,
			    uint8_t *out, CK_ULONG *out_len)
{
	static const uint8_t zero[16];
	uint8_t buf[CRYPTO_MD_MAX];
	size_t n = 0;
	CK_RV rv;

	switch (r->derive) {
	case SK_DERIVE_VALUE_LENGTH:
		memcpy(out, &len, sizeof len);
		*out_len = sizeof len;
		return CKR_OK;
	case SK_DERIVE_SHA1_PREFIX:
		rv = crypto_digest(CKM_SHA_1, v, len, buf, &n);
		break;
	case SK_DERIVE_AES_ECB_ZERO_BLOCK:
		rv = crypto_aes_ecb_block(v, len, zero, buf);
		if (rv == CKR_KEY_SIZE_RANGE)
			rv = CKR_ATTRIBUTE_VALUE_INVALID;
		n = sizeof zero;
		break;
	case SK_DERIVE_DES3_ECB_ZERO_BLOCK:
		rv = crypto_des3_ecb_block(v, len, zero, buf);
		if (rv == CKR_KEY_SIZE_RANGE)
			rv = CKR_ATTRIBUTE_VALUE_INVALID;
		n = 8;
		break;
	default:
		return CKR_FUNCTION_FAILED;
	}
	if (rv == CKR_OK && n < 3)
		rv = CKR_FUNCTION_FAILED;
	if (rv == CKR_OK) {
		memcpy(out, buf, 3);    /* "the first three bytes" (4.6.2, 4.10) */
		*out_len = 3;
	}
	OPENSSL_cleanse(buf, sizeof buf);
	return rv;
}

/*
 * Add the derived attributes that are absent. strict: a value the rule cannot use fails
 * (templates); else that attribute stays absent (objects read from a card, which the
 * module did not make).
 */
static CK_RV obj_attrs_derive(const struct sk_obj_kind *k, struct lb_attr **a, size_t *n,
			      int strict)
{
	const struct lb_attr *v;
	uint8_t out[CRYPTO_MD_MAX];
	CK_ULONG out_len = 0;
	size_t i;
	CK_RV rv = CKR_OK;

	for (i = k->first; i < (size_t)k->first + k->count && rv == CKR_OK; i++) {
		const struct sk_attr_rule *r = &sk_attr_rules[i];

		if (r->derive == SK_DERIVE_NONE || obj_attrs_find(*a, *n, r->type) != NULL ||
		    (v = obj_attrs_find(*a, *n, CKA_VALUE)) == NULL)
			continue;
		rv = obj_derive_one(r, v->value, v->len, out, &out_len);
		if (rv == CKR_OK)
			rv = obj_attrs_set(a, n, r->type, out, out_len);
		else if (!strict && rv != CKR_HOST_MEMORY)
			rv = CKR_OK;
	}
	OPENSSL_cleanse(out, sizeof out);
	return rv;
}

/* A derived attribute the template gives must be the derived value (an empty one is the
 * application asking for none, and kept). */
static CK_RV obj_derived_given(const struct sk_obj_kind *k, const struct lb_attr *a, size_t n)
{
	const struct lb_attr *v = obj_attrs_find(a, n, CKA_VALUE), *have;
	uint8_t out[CRYPTO_MD_MAX];
	CK_ULONG out_len = 0;
	size_t i;
	CK_RV rv = CKR_OK;

	for (i = k->first; i < (size_t)k->first + k->count && rv == CKR_OK; i++) {
		const struct sk_attr_rule *r = &sk_attr_rules[i];

		if (r->derive == SK_DERIVE_NONE || v == NULL ||
		    (have = obj_attrs_find(a, n, r->type)) == NULL || have->len == 0)
			continue;
		rv = obj_derive_one(r, v->value, v->len, out, &out_len);
		if (rv == CKR_OK && (have->len != out_len || memcmp(have->value, out, out_len) != 0))
			rv = CKR_ATTRIBUTE_VALUE_INVALID;
	}
	OPENSSL_cleanse(out, sizeof out);
	return rv;
}

CK_RV obj_attrs_derive_value(const struct sk_obj_kind *k, struct lb_attr **a, size_t *n)
{
	CK_RV rv = obj_derived_given(k, *a, *n);

	return rv == CKR_OK ? obj_attrs_derive(k, a, n, 1) : rv;
}

CK_RV obj_attrs_complete(const struct sk_obj_kind *k, struct lb_attr **a, size_t *n)
{
	size_t i;
	CK_RV rv = CKR_OK;

	for (i = k->first; i < (size_t)k->first + k->count && rv == CKR_OK; i++)
		if (obj_attrs_find(*a, *n, sk_attr_rules[i].type) == NULL)
			rv = obj_add_default(&sk_attr_rules[i], a, n);
	if (rv == CKR_OK)
		rv = obj_attrs_derive(k, a, n, 0);
	return rv;
}

/* --- one value ------------------------------------------------------------------- */

static int obj_vtype(CK_ATTRIBUTE_TYPE t)
{
	const struct sk_attr_type *ti = sk_attr_type_of(t);

	return ti == NULL ? -1 : ti->vtype;
}

static CK_RV obj_check_value(int vt, const void *p, CK_ULONG len, int nested)
{
	const CK_ATTRIBUTE *sub = p;
	const unsigned char *b = p;
	CK_ULONG i;
	CK_RV rv;

	if (len > OBJ_VALUE_MAX || (p == NULL && len > 0))
		return CKR_ATTRIBUTE_VALUE_INVALID;
	switch (vt) {
	case SK_AV_BOOL:
		return len == sizeof(CK_BBOOL) && (b[0] == CK_TRUE || b[0] == CK_FALSE)
			       ? CKR_OK : CKR_ATTRIBUTE_VALUE_INVALID;
	case SK_AV_ULONG:
		return len == sizeof(CK_ULONG) ? CKR_OK : CKR_ATTRIBUTE_VALUE_INVALID;
	case SK_AV_DATE:
		if (len == 0)
			return CKR_OK;
		if (len != sizeof(CK_DATE))
			return CKR_ATTRIBUTE_VALUE_INVALID;
		for (i = 0; i < len; i++)
			if (b[i] < '0' || b[i] > '9')
				return CKR_ATTRIBUTE_VALUE_INVALID;
		return CKR_OK;
	case SK_AV_MECHANISMS:
		return len % sizeof(CK_MECHANISM_TYPE) == 0 ? CKR_OK : CKR_ATTRIBUTE_VALUE_INVALID;
	case SK_AV_TEMPLATE:
		if (nested || len % sizeof(CK_ATTRIBUTE) != 0)
			return CKR_ATTRIBUTE_VALUE_INVALID;
		for (i = 0; i < len / sizeof(CK_ATTRIBUTE); i++) {
			int st = obj_vtype(sub[i].type);

			if (st < 0)
				return CKR_ATTRIBUTE_VALUE_INVALID;
			rv = obj_check_value(st, sub[i].pValue, sub[i].ulValueLen, 1);
			if (rv != CKR_OK)
				return rv;
		}
		return CKR_OK;
	default:
		return CKR_OK;
	}
}

CK_RV obj_attr_check(const CK_ATTRIBUTE *in)
{
	int vt = obj_vtype(in->type);

	if (vt < 0)
		return CKR_ATTRIBUTE_TYPE_INVALID;
	return obj_check_value(vt, in->pValue, in->ulValueLen, 0);
}

CK_RV obj_attr_from_ck(const CK_ATTRIBUTE *in, struct lb_attr *out)
{
	const CK_ATTRIBUTE *sub = in->pValue;
	CK_ULONG len = in->ulValueLen, i, k;
	uint8_t *p;
	CK_RV rv = obj_attr_check(in);

	out->type = in->type;
	out->len = 0;
	out->value = NULL;
	if (rv != CKR_OK)
		return rv;
	if (obj_vtype(in->type) == SK_AV_TEMPLATE) {
		len = 0;
		for (i = 0; i < in->ulValueLen / sizeof(CK_ATTRIBUTE); i++)
			len += 2 * sizeof(CK_ULONG) + sub[i].ulValueLen;
	}
	if (len == 0)
		return CKR_OK;
	p = malloc(len);
	if (p == NULL)
		return CKR_HOST_MEMORY;
	if (obj_vtype(in->type) != SK_AV_TEMPLATE) {
		memcpy(p, in->pValue, len);
	} else {
		for (i = 0, k = 0; i < in->ulValueLen / sizeof(CK_ATTRIBUTE); i++) {
			memcpy(p + k, &sub[i].type, sizeof(CK_ULONG));
			memcpy(p + k + sizeof(CK_ULONG), &sub[i].ulValueLen, sizeof(CK_ULONG));
			k += 2 * sizeof(CK_ULONG);
			if (sub[i].ulValueLen > 0)
				memcpy(p + k, sub[i].pValue, sub[i].ulValueLen);
			k += sub[i].ulValueLen;
		}
	}
	out->value = p;
	out->len = len;
	return CKR_OK;
}

/* The records of a serialised template: how many, and whether they are well formed. */
static int obj_tmpl_records(const struct lb_attr *a, CK_ULONG *count)
{
	CK_ULONG k = 0, n = 0, len;

	while (k < a->len) {
		if (a->len - k < 2 * sizeof(CK_ULONG))
			return 0;
		memcpy(&len, a->value + k + sizeof(CK_ULONG), sizeof len);
		k += 2 * sizeof(CK_ULONG);
		if (len > a->len - k)
			return 0;
		k += len;
		n++;
	}
	*count = n;
	return 1;
}

CK_RV obj_attr_to_ck(const struct lb_attr *a, CK_ATTRIBUTE *out)
{
	CK_ATTRIBUTE *sub = out->pValue;
	CK_ULONG n, i, k, len;
	CK_RV rv = CKR_OK;

	if (obj_vtype(a->type) != SK_AV_TEMPLATE) {
		if (out->pValue == NULL) {
			out->ulValueLen = a->len;
		} else if (out->ulValueLen < a->len) {
			out->ulValueLen = CK_UNAVAILABLE_INFORMATION;
			rv = CKR_BUFFER_TOO_SMALL;
		} else {
			if (a->len > 0)
				memcpy(out->pValue, a->value, a->len);
			out->ulValueLen = a->len;
		}
		return rv;
	}
	if (!obj_tmpl_records(a, &n))
		n = 0;
	if (out->pValue == NULL) {
		out->ulValueLen = n * sizeof(CK_ATTRIBUTE);
		return CKR_OK;
	}
	if (out->ulValueLen < n * sizeof(CK_ATTRIBUTE)) {
		out->ulValueLen = CK_UNAVAILABLE_INFORMATION;
		return CKR_BUFFER_TOO_SMALL;
	}
	for (i = 0, k = 0; i < n; i++) {
		memcpy(&sub[i].type, a->value + k, sizeof(CK_ULONG));
		memcpy(&len, a->value + k + sizeof(CK_ULONG), sizeof len);
		k += 2 * sizeof(CK_ULONG);
		if (sub[i].pValue == NULL) {
			sub[i].ulValueLen = len;
		} else if (sub[i].ulValueLen < len) {
			sub[i].ulValueLen = CK_UNAVAILABLE_INFORMATION;
			rv = CKR_BUFFER_TOO_SMALL;
		} else {
			if (len > 0)
				memcpy(sub[i].pValue, a->value + k, len);
			sub[i].ulValueLen = len;
		}
		k += len;
	}
	out->ulValueLen = n * sizeof(CK_ATTRIBUTE);
	return rv;
}

void obj_attr_wipe(struct lb_attr *a)
{
	if (a->value != NULL) {
		OPENSSL_cleanse(a->value, a->len);
		free(a->value);
	}
	a->value = NULL;
	a->len = 0;
}

int obj_attr_equal(const struct lb_attr *a, const struct lb_attr *b)
{
	if (a->type != b->type)
		return 0;
	if (obj_vtype(a->type) == SK_AV_BOOL && a->len == 1 && b->len == 1)
		return (a->value[0] != 0) == (b->value[0] != 0);
	return a->len == b->len && (a->len == 0 || memcmp(a->value, b->value, a->len) == 0);
}

int obj_hidden(const struct sk_obj_kind *k, const struct lb_attr *a, size_t n,
	       CK_ATTRIBUTE_TYPE t)
{
	const struct sk_attr_rule *r = k != NULL ? obj_rule(k, t) : NULL;

	if (r == NULL || !(r->rules & SK_AR_SENSITIVE))
		return 0;
	return obj_attrs_bool(a, n, CKA_SENSITIVE, 1) || !obj_attrs_bool(a, n, CKA_EXTRACTABLE, 0);
}

/* --- templates ------------------------------------------------------------------- */

static unsigned obj_forbidden_bit(enum obj_tmpl_op op)
{
	if (op == OBJ_UNWRAP || op == OBJ_DERIVE)
		return SK_AR_UNWRAP_FORBIDDEN;
	return op == OBJ_GENERATE ? SK_AR_GENERATE_FORBIDDEN : SK_AR_CREATE_FORBIDDEN;
}

static unsigned obj_required_bit(enum obj_tmpl_op op)
{
	if (op == OBJ_UNWRAP || op == OBJ_DERIVE)
		return SK_AR_UNWRAP_REQUIRED;
	return op == OBJ_GENERATE ? SK_AR_GENERATE_REQUIRED : SK_AR_CREATE_REQUIRED;
}

/* The number of bits of a big-endian unsigned integer. */
static CK_ULONG obj_bits(const uint8_t *p, CK_ULONG len)
{
	CK_ULONG i = 0, bits;
	uint8_t top;

	while (i < len && p[i] == 0)
		i++;
	if (i == len)
		return 0;
	bits = (len - i - 1) * 8;
	for (top = p[i]; top != 0; top >>= 1)
		bits++;
	return bits;
}

/* What the object-creating function contributes itself (section 4.1.1 item 4). */
static CK_RV obj_contribute(enum obj_tmpl_op op, const struct sk_obj_kind *k,
			    struct lb_attr **a, size_t *n)
{
	const struct lb_attr *m;
	CK_RV rv = CKR_OK;
	int gen = op == OBJ_GENERATE;

	if (obj_rule(k, CKA_LOCAL) != NULL)
		rv = obj_attrs_set_bool(a, n, CKA_LOCAL, gen);
	if (rv == CKR_OK && obj_rule(k, CKA_KEY_GEN_MECHANISM) != NULL)
		rv = obj_attrs_set_ulong(a, n, CKA_KEY_GEN_MECHANISM, CK_UNAVAILABLE_INFORMATION);
	if (rv == CKR_OK && obj_rule(k, CKA_ALWAYS_SENSITIVE) != NULL)
		rv = obj_attrs_set_bool(a, n, CKA_ALWAYS_SENSITIVE,
					gen && obj_attrs_bool(*a, *n, CKA_SENSITIVE, 0));
	if (rv == CKR_OK && obj_rule(k, CKA_NEVER_EXTRACTABLE) != NULL)
		rv = obj_attrs_set_bool(a, n, CKA_NEVER_EXTRACTABLE,
					gen && !obj_attrs_bool(*a, *n, CKA_EXTRACTABLE, 1));
	if (rv == CKR_OK && !gen && obj_rule(k, CKA_MODULUS_BITS) != NULL &&
	    obj_attrs_find(*a, *n, CKA_MODULUS_BITS) == NULL &&
	    (m = obj_attrs_find(*a, *n, CKA_MODULUS)) != NULL)
		rv = obj_attrs_set_ulong(a, n, CKA_MODULUS_BITS, obj_bits(m->value, m->len));
	return rv;
}

static int obj_attr_at(const struct lb_attr *a, size_t n, CK_ATTRIBUTE_TYPE t,
		       const uint8_t **v, size_t *len)
{
	const struct lb_attr *x = obj_attrs_find(a, n, t);

	*v = x != NULL ? x->value : NULL;
	*len = x != NULL ? x->len : 0;
	return x != NULL;
}

const struct mech *obj_secret_keygen(CK_KEY_TYPE kt)
{
	const struct mech *m;
	size_t i;

	for (i = 0; i < sk_prims_count; i++) {
		if (sk_prims[i].key_type != kt || !(sk_prims[i].host_flags & CKF_GENERATE))
			continue;
		m = mech_find(sk_prims[i].mech);
		if (m != NULL && m->ops != NULL && m->ops->gen_len != NULL)
			return m;
	}
	return NULL;
}

CK_RV obj_secret_check(enum obj_tmpl_op op, CK_KEY_TYPE kt, const struct lb_attr *a, size_t n)
{
	const struct lb_attr *v = obj_attrs_find(a, n, CKA_VALUE);
	const struct mech *m;
	size_t len;

	if (op != OBJ_CREATE || v == NULL)
		return CKR_OK;
	if (v->len == 0)
		return CKR_ATTRIBUTE_VALUE_INVALID;     /* no key at all */
	m = obj_secret_keygen(kt);
	if (m != NULL && m->ops->gen_len(m, 1, v->len, &len) != CKR_OK)
		return CKR_ATTRIBUTE_VALUE_INVALID;
	return CKR_OK;
}

/*
 * The key values of a template checked by what they are (not only by their type): a curve
 * the host knows and a point on it, a GOST parameter set and a point of its size, an RSA
 * modulus and an odd public exponent. CKR_CURVE_NOT_SUPPORTED, CKR_DOMAIN_PARAMS_INVALID
 * or CKR_ATTRIBUTE_VALUE_INVALID; a generation template has only the parameters.
 */
static CK_RV obj_key_values(enum obj_tmpl_op op, CK_OBJECT_CLASS cls, CK_ULONG kt,
			    const struct lb_attr *a, size_t n)
{
	const uint8_t *p, *q;
	size_t plen, qlen, size;
	int have_p;

	if (cls == CKO_SECRET_KEY)
		return obj_secret_check(op, kt, a, n);
	if (cls != CKO_PUBLIC_KEY && cls != CKO_PRIVATE_KEY)
		return CKR_OK;
	switch (kt) {
	case CKK_EC:
		if (!obj_attr_at(a, n, CKA_EC_PARAMS, &p, &plen))
			return CKR_OK;  /* a generation's private half leaves it out */
		if (op == OBJ_CREATE && cls == CKO_PUBLIC_KEY &&
		    obj_attr_at(a, n, CKA_EC_POINT, &q, &qlen))
			return crypto_ec_check_public(p, plen, q, qlen);
		return crypto_ec_check_params(p, plen);
	case CKK_EC_EDWARDS:
		/* Ed25519 or Ed448 (crypto_pkey.c), the curves the host computes */
		if (!obj_attr_at(a, n, CKA_EC_PARAMS, &p, &plen))
			return CKR_OK;
		return crypto_eddsa_check_params(p, plen, NULL, NULL);
	case CKK_GOSTR3410:
	case CKK_GOSTR3410_512:
		have_p = obj_attr_at(a, n, CKA_GOSTR3410_PARAMS, &p, &plen);
		if (!have_p)
			return CKR_OK;
		if (plen < 2 || p[0] != 0x06 || p[1] >= 0x80 || (size_t)p[1] != plen - 2)
			return CKR_DOMAIN_PARAMS_INVALID;
		size = crypto_gost_size(p, plen);
		if (size == 0)
			return CKR_CURVE_NOT_SUPPORTED;
		if ((kt == CKK_GOSTR3410) != (size == 32))
			return CKR_TEMPLATE_INCONSISTENT;
		if (op == OBJ_CREATE && cls == CKO_PUBLIC_KEY &&
		    obj_attr_at(a, n, CKA_VALUE, &q, &qlen) && qlen != 2 * size)
			return CKR_ATTRIBUTE_VALUE_INVALID;
		return CKR_OK;
	case CKK_RSA:
		if (op == OBJ_CREATE && cls == CKO_PUBLIC_KEY) {
			if (obj_attr_at(a, n, CKA_MODULUS, &p, &plen) &&
			    crypto_be_bits(p, plen) < 2)
				return CKR_ATTRIBUTE_VALUE_INVALID;
			if (obj_attr_at(a, n, CKA_PUBLIC_EXPONENT, &q, &qlen) &&
			    (crypto_be_bits(q, qlen) < 2 || !(q[qlen - 1] & 1)))
				return CKR_ATTRIBUTE_VALUE_INVALID;
		}
		if (op == OBJ_GENERATE && cls == CKO_PUBLIC_KEY &&
		    obj_attr_at(a, n, CKA_MODULUS_BITS, &p, &plen)) {
			CK_ULONG bits;

			memcpy(&bits, p, sizeof bits);
			if (bits == 0)
				return CKR_ATTRIBUTE_VALUE_INVALID;
		}
		return CKR_OK;
	default:
		return CKR_OK;
	}
}

CK_RV obj_template_ex(enum obj_tmpl_op op, CK_OBJECT_CLASS cls, CK_ULONG sub,
		      const CK_ATTRIBUTE *tmpl, CK_ULONG n, int is_so, struct lb_attr **out,
		      size_t *nout)
{
	const struct sk_obj_kind *k;
	const struct sk_attr_rule *r;
	struct lb_attr *a = NULL, one;
	size_t na = 0;
	CK_ULONG i, j;
	CK_RV rv = CKR_OK;

	*out = NULL;
	*nout = 0;
	/* 1. every attribute known, every value well formed */
	for (i = 0; i < n && rv == CKR_OK; i++)
		rv = obj_attr_check(&tmpl[i]);
	if (rv != CKR_OK)
		goto out;
	k = obj_kind(cls, sub);
	if (k == NULL) {
		rv = CKR_TEMPLATE_INCONSISTENT;
		goto out;
	}
	/* the class and kind the template names are the ones asked for (by the template
	 * itself at creation, by the mechanism at generation); a copy that names others
	 * tries to change two read-only attributes (4.1.1: read-only comes first) */
	for (i = 0; i < n; i++)
		if ((tmpl[i].type == CKA_CLASS &&
		     memcmp(tmpl[i].pValue, &cls, sizeof cls) != 0) ||
		    (k->has_subtype && tmpl[i].type == k->subtype_attr &&
		     memcmp(tmpl[i].pValue, &sub, sizeof sub) != 0)) {
			rv = op == OBJ_COPY ? CKR_ATTRIBUTE_READ_ONLY : CKR_TEMPLATE_INCONSISTENT;
			goto out;
		}
	/* 2. nothing the application may not give */
	for (i = 0; i < n; i++) {
		r = obj_rule(k, tmpl[i].type);
		if (r == NULL)
			continue;
		if (op == OBJ_COPY ? !(r->rules & (SK_AR_MODIFIABLE | SK_AR_COPY_MODIFIABLE))
				   : (r->rules & obj_forbidden_bit(op)) != 0) {
			rv = CKR_ATTRIBUTE_READ_ONLY;
			goto out;
		}
		if ((r->rules & SK_AR_SO_ONLY) && !is_so &&
		    *(const CK_BBOOL *)tmpl[i].pValue != CK_FALSE) {
			rv = CKR_ATTRIBUTE_READ_ONLY;
			goto out;
		}
	}
	/* 3. nothing missing */
	if (op != OBJ_COPY) {
		for (j = k->first; j < (CK_ULONG)k->first + k->count; j++) {
			r = &sk_attr_rules[j];
			if (!(r->rules & obj_required_bit(op)) || r->type == CKA_CLASS ||
			    (k->has_subtype && r->type == k->subtype_attr))
				continue;
			for (i = 0; i < n && tmpl[i].type != r->type; i++)
				;
			if (i == n) {
				rv = CKR_TEMPLATE_INCOMPLETE;
				goto out;
			}
		}
	}
	/* 4. consistent: attributes of this kind, one value each, the class and kind asked */
	for (i = 0; i < n; i++) {
		if (obj_rule(k, tmpl[i].type) == NULL) {
			rv = CKR_TEMPLATE_INCONSISTENT;
			goto out;
		}
		rv = obj_attr_from_ck(&tmpl[i], &one);
		if (rv != CKR_OK)
			goto out;
		for (j = 0; j < na && a[j].type != one.type; j++)
			;
		if (j < na) {
			int same = obj_attr_equal(&a[j], &one);
			obj_attr_wipe(&one);
			if (!same) {
				rv = CKR_TEMPLATE_INCONSISTENT;
				goto out;
			}
			continue;
		}
		rv = obj_attrs_set(&a, &na, one.type, one.value, one.len);
		obj_attr_wipe(&one);
		if (rv != CKR_OK)
			goto out;
	}
	if (obj_attrs_ulong(a, na, CKA_CLASS, cls) != cls ||
	    (k->has_subtype && obj_attrs_ulong(a, na, k->subtype_attr, sub) != sub)) {
		rv = CKR_TEMPLATE_INCONSISTENT;
		goto out;
	}
	if (op == OBJ_COPY)
		goto done;
	/* 4b. key values that are what they claim to be */
	rv = obj_key_values(op, cls, sub, a, na);
	if (rv != CKR_OK)
		goto out;
	/* 5. completed: class, kind, defaults, and what the function contributes */
	rv = obj_attrs_set_ulong(&a, &na, CKA_CLASS, cls);
	if (rv == CKR_OK && k->has_subtype)
		rv = obj_attrs_set_ulong(&a, &na, k->subtype_attr, sub);
	if (rv == CKR_OK)
		rv = obj_derived_given(k, a, na);
	if (rv == CKR_OK)
		rv = obj_attrs_derive(k, &a, &na, 1);
	if (rv == CKR_OK)
		rv = obj_attrs_complete(k, &a, &na);
	if (rv == CKR_OK)
		rv = obj_contribute(op, k, &a, &na);
	if (rv != CKR_OK)
		goto out;
done:
	*out = a;
	*nout = na;
	a = NULL;
	na = 0;
out:
	lb_attrs_free(a, na);
	return rv;
}

CK_RV obj_template(enum obj_tmpl_op op, CK_OBJECT_CLASS cls, CK_KEY_TYPE key_type,
		   const CK_ATTRIBUTE *tmpl, CK_ULONG n, struct lb_attr **out, size_t *nout)
{
	return obj_template_ex(op, cls, key_type, tmpl, n, 0, out, nout);
}

/* obj.h; next to the template engine, below obj.c (obj_allowed.c uses obj.c) */
CK_RV obj_allowed_storable(const struct token *t, const struct lb_attr *a, size_t n)
{
	const struct lb_attr *l = obj_attrs_find(a, n, CKA_ALLOWED_MECHANISMS);

	/* an empty list restricts nothing: it is what a key without the attribute has */
	if (l == NULL || l->len == 0 || t->info.stores_allowed_mechanisms)
		return CKR_OK;
	return CKR_ATTRIBUTE_VALUE_INVALID;
}
