/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * lb_obj.c — the Lua bridge's side of token objects (lb.h: lb_objects, lb_create_object,
 * lb_destroy_object, lb_set_attributes, lb_generate_key_pair).
 *
 * Attributes cross the boundary as a table keyed by CKA number whose values are typed by
 * spec/attributes.yaml (generated/sk_attrs.c): bool -> boolean, ulong -> integer,
 * mechanisms -> list of integers, template -> a nested attribute table, everything else
 * (bytes, utf8, date, bigint) -> string. What a script returns is checked strictly: an
 * object is {ref = string of 1..63 bytes, attrs = table}; an unknown attribute, a value of
 * the wrong Lua type, a ref too long, or an attribute twice gives CKR_FUNCTION_FAILED with
 * one log line naming the problem.
 *
 * The calls run like lb.c's (a protected trampoline, the card lent for the call only,
 * the instruction budget reset), through a runner of this file: lb.c keeps its runner
 * private. Results are built into the caller's structs as they are read, so that an error
 * raised half-way (out of memory) leaks nothing: the caller frees what is there.
 *
 * Stack comments: [-o, +p, x] as in lb_int.h.
 */
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <openssl/crypto.h>

#include "lb.h"
#include "lb_int.h"
#include "log.h"
#include "sk_attrs.h"
#include "sk_names.h"

#define LBO_OBJECTS_MAX 4096
#define LBO_ATTRS_MAX   256

struct lb_obj_call;
/* lb_invoke's callbacks (lb_int.h): push the arguments after the card, take the results */
typedef int (*lb_obj_push_fn)(lua_State *L, void *ud);
typedef CK_RV (*lb_obj_take_fn)(lua_State *L, void *ud);

struct lb_obj_call {
	const char *fn;
	lb_obj_push_fn push;
	lb_obj_take_fn take;
	struct lb_vm *vm;
	/* arguments */
	int logged_in;
	const char *ref;
	CK_MECHANISM_TYPE mech;
	const struct lb_attr *a1, *a2;
	size_t n1, n2;
	/* results */
	struct lb_object **objs;
	size_t *nobjs;
	struct lb_object *o1, *o2;
};

/* --- freeing --------------------------------------------------------------------- */

void lb_attrs_free(struct lb_attr *a, size_t n)
{
	size_t i;

	if (a == NULL)
		return;
	for (i = 0; i < n; i++)
		if (a[i].value != NULL) {
			OPENSSL_cleanse(a[i].value, a[i].len);
			free(a[i].value);
		}
	free(a);
}

void lb_object_clear(struct lb_object *o)
{
	if (o == NULL)
		return;
	lb_attrs_free(o->attrs, o->nattrs);
	memset(o, 0, sizeof *o);
}

void lb_objects_free(struct lb_object *o, size_t n)
{
	size_t i;

	if (o == NULL)
		return;
	for (i = 0; i < n; i++)
		lb_object_clear(&o[i]);
	free(o);
}

/* --- C -> Lua ---------------------------------------------------------------------- */

static int lb_obj_vtype(CK_ATTRIBUTE_TYPE t)
{
	const struct sk_attr_type *ti = sk_attr_type_of(t);

	return ti == NULL ? -1 : ti->vtype;
}

static lua_Integer lb_obj_ulong_at(const uint8_t *p)
{
	CK_ULONG v;

	memcpy(&v, p, sizeof v);
	return (lua_Integer)v;
}

static void lb_obj_push_attrs(lua_State *L, const struct lb_attr *a, size_t n, int nested);

/* Pushes one value as its type says. [-0, +1, m] */
static void lb_obj_push_value(lua_State *L, CK_ATTRIBUTE_TYPE type, const uint8_t *v, CK_ULONG len,
			   int nested)
{
	CK_ULONG i, k, sl, count;

	switch (lb_obj_vtype(type)) {
	case SK_AV_BOOL:
		lua_pushboolean(L, len == 1 && v[0] != CK_FALSE);
		break;
	case SK_AV_ULONG:
		if (len == sizeof(CK_ULONG))
			lua_pushinteger(L, lb_obj_ulong_at(v));
		else
			lua_pushnil(L);
		break;
	case SK_AV_MECHANISMS:
		lua_createtable(L, (int)(len / sizeof(CK_ULONG)), 0);
		for (i = 0; i < len / sizeof(CK_ULONG); i++) {
			lua_pushinteger(L, lb_obj_ulong_at(v + i * sizeof(CK_ULONG)));
			lua_rawseti(L, -2, (lua_Integer)i + 1);
		}
		break;
	case SK_AV_TEMPLATE:
		lua_newtable(L);
		if (nested)
			break;
		for (k = 0, count = 0; k + 2 * sizeof(CK_ULONG) <= len && count < LBO_ATTRS_MAX;
		     count++) {
			CK_ULONG st;

			memcpy(&st, v + k, sizeof st);
			memcpy(&sl, v + k + sizeof(CK_ULONG), sizeof sl);
			k += 2 * sizeof(CK_ULONG);
			if (sl > len - k)
				break;
			lua_pushinteger(L, (lua_Integer)st);
			lb_obj_push_value(L, st, v + k, sl, 1);
			lua_rawset(L, -3);
			k += sl;
		}
		break;
	default:
		lua_pushlstring(L, (const char *)v, len);
		break;
	}
}

/* Pushes an attribute table. [-0, +1, m] */
static void lb_obj_push_attrs(lua_State *L, const struct lb_attr *a, size_t n, int nested)
{
	size_t i;

	lua_createtable(L, 0, (int)n);
	for (i = 0; i < n; i++) {
		lua_pushinteger(L, (lua_Integer)a[i].type);
		lb_obj_push_value(L, a[i].type, a[i].value, a[i].len, nested);
		lua_rawset(L, -3);
	}
}

/* --- Lua -> C ---------------------------------------------------------------------- */

static void lb_obj_bad(struct lb_obj_call *c, const char *what, CK_ATTRIBUTE_TYPE t)
{
	const char *name = sk_name(SK_FAM_CKA, t);

	if (t == (CK_ATTRIBUTE_TYPE)-1)
		log_msg(LOG_ERROR, "lb: %s.%s: malformed result: %s", c->vm->family, c->fn, what);
	else if (name != NULL)
		log_msg(LOG_ERROR, "lb: %s.%s: malformed result: %s: %s", c->vm->family, c->fn,
			name, what);
	else
		log_msg(LOG_ERROR, "lb: %s.%s: malformed result: attribute 0x%08lx: %s",
			c->vm->family, c->fn, (unsigned long)t, what);
}

/* Appends bytes to a growing buffer; 0 on success. */
static int lb_obj_append(uint8_t **buf, CK_ULONG *len, const void *p, size_t n)
{
	uint8_t *b;

	if (n == 0)
		return 0;
	if (*len + n > (1u << 20))
		return -1;
	b = malloc(*len + n);
	if (b == NULL)
		return -1;
	if (*len > 0)
		memcpy(b, *buf, *len);
	memcpy(b + *len, p, n);
	if (*buf != NULL) {
		OPENSSL_cleanse(*buf, *len);
		free(*buf);
	}
	*buf = b;
	*len += n;
	return 0;
}

/* The value at the top of the stack, converted into out->value/len (out->type set).
 * NULL or a complaint. Raises nothing. [-0, +0, -] */
static const char *lb_obj_take_value(lua_State *L, struct lb_attr *out, int nested)
{
	int vt = lb_obj_vtype(out->type);
	size_t sl;
	const char *s;
	CK_ULONG v;
	lua_Integer i, n;
	int idx = lua_gettop(L);

	switch (vt) {
	case -1:
		return "unknown attribute";
	case SK_AV_BOOL: {
		CK_BBOOL b;

		if (!lua_isboolean(L, idx))
			return "a boolean is due";
		b = lua_toboolean(L, idx) ? CK_TRUE : CK_FALSE;
		return lb_obj_append(&out->value, &out->len, &b, 1) ? "out of memory" : NULL;
	}
	case SK_AV_ULONG:
		if (!lua_isinteger(L, idx))
			return "an integer is due";
		v = (CK_ULONG)lua_tointeger(L, idx);
		return lb_obj_append(&out->value, &out->len, &v, sizeof v) ? "out of memory" : NULL;
	case SK_AV_MECHANISMS:
		if (!lua_istable(L, idx))
			return "a list of mechanisms is due";
		n = (lua_Integer)lua_rawlen(L, idx);
		if (n > LBO_ATTRS_MAX)
			return "too many mechanisms";
		if (!lua_checkstack(L, 2))
			return "out of memory";
		for (i = 1; i <= n; i++) {
			lua_rawgeti(L, idx, i);
			if (!lua_isinteger(L, -1)) {
				lua_pop(L, 1);
				return "a list of mechanisms (integers) is due";
			}
			v = (CK_ULONG)lua_tointeger(L, -1);
			lua_pop(L, 1);
			if (lb_obj_append(&out->value, &out->len, &v, sizeof v))
				return "out of memory";
		}
		return NULL;
	case SK_AV_TEMPLATE:
		if (nested)
			return "a template inside a template";
		if (!lua_istable(L, idx))
			return "an attribute table is due";
		if (!lua_checkstack(L, 3))
			return "out of memory";
		lua_pushnil(L);
		while (lua_next(L, idx) != 0) {
			struct lb_attr sub = { 0, 0, NULL };
			const char *bad;
			CK_ULONG hdr[2];

			if (!lua_isinteger(L, -2)) {
				lua_pop(L, 2);
				return "a template's keys are CKA numbers";
			}
			sub.type = (CK_ATTRIBUTE_TYPE)lua_tointeger(L, -2);
			bad = lb_obj_take_value(L, &sub, 1);
			lua_pop(L, 1);
			if (bad == NULL) {
				hdr[0] = sub.type;
				hdr[1] = sub.len;
				if (lb_obj_append(&out->value, &out->len, hdr, sizeof hdr) ||
				    lb_obj_append(&out->value, &out->len, sub.value, sub.len))
					bad = "out of memory";
			}
			if (sub.value != NULL) {
				OPENSSL_cleanse(sub.value, sub.len);
				free(sub.value);
			}
			if (bad != NULL) {
				lua_pop(L, 1);
				return bad;
			}
		}
		return NULL;
	default:
		if (lua_type(L, idx) != LUA_TSTRING)
			return "a string is due";
		s = lua_tolstring(L, idx, &sl);
		if (vt == SK_AV_DATE && sl != 0 && sl != 8)
			return "a date is 8 characters YYYYMMDD, or empty";
		return lb_obj_append(&out->value, &out->len, s, sl) ? "out of memory" : NULL;
	}
}

static int lb_obj_cmp_attr(const void *a, const void *b)
{
	const struct lb_attr *x = a, *y = b;

	return x->type < y->type ? -1 : x->type > y->type;
}

/* The object table at idx into o (o is cleared first; on failure it holds what was read,
 * for the caller to free). [-0, +0, -] */
static CK_RV lb_obj_take_object(lua_State *L, struct lb_obj_call *c, int idx, struct lb_object *o)
{
	size_t len, i;
	const char *s;
	int at;

	memset(o, 0, sizeof *o);
	idx = lua_absindex(L, idx);
	if (!lua_istable(L, idx)) {
		lb_obj_bad(c, "an object is {ref = REF, attrs = ATTRS}", (CK_ATTRIBUTE_TYPE)-1);
		return CKR_FUNCTION_FAILED;
	}
	if (!lua_checkstack(L, 4))
		return CKR_HOST_MEMORY;
	lua_pushliteral(L, "ref");
	lua_rawget(L, idx);
	if (lua_type(L, -1) != LUA_TSTRING) {
		lua_pop(L, 1);
		lb_obj_bad(c, "ref: a string is due", (CK_ATTRIBUTE_TYPE)-1);
		return CKR_FUNCTION_FAILED;
	}
	s = lua_tolstring(L, -1, &len);
	if (len == 0 || len >= LB_REF_MAX || memchr(s, '\0', len) != NULL) {
		lua_pop(L, 1);
		lb_obj_bad(c, "ref: 1..63 bytes without NUL", (CK_ATTRIBUTE_TYPE)-1);
		return CKR_FUNCTION_FAILED;
	}
	memcpy(o->ref, s, len + 1);
	lua_pop(L, 1);
	lua_pushliteral(L, "attrs");
	lua_rawget(L, idx);
	at = lua_gettop(L);
	if (!lua_istable(L, at)) {
		lua_pop(L, 1);
		lb_obj_bad(c, "attrs: a table keyed by CKA numbers is due", (CK_ATTRIBUTE_TYPE)-1);
		return CKR_FUNCTION_FAILED;
	}
	lua_pushnil(L);
	while (lua_next(L, at) != 0) {
		struct lb_attr *n;
		const char *bad;

		if (!lua_isinteger(L, -2)) {
			lua_pop(L, 3);
			lb_obj_bad(c, "attrs: keys are CKA numbers", (CK_ATTRIBUTE_TYPE)-1);
			return CKR_FUNCTION_FAILED;
		}
		if (o->nattrs >= LBO_ATTRS_MAX) {
			lua_pop(L, 3);
			lb_obj_bad(c, "attrs: too many attributes", (CK_ATTRIBUTE_TYPE)-1);
			return CKR_FUNCTION_FAILED;
		}
		n = realloc(o->attrs, (o->nattrs + 1) * sizeof *n);
		if (n == NULL) {
			lua_pop(L, 3);
			return CKR_HOST_MEMORY;
		}
		o->attrs = n;
		memset(&n[o->nattrs], 0, sizeof *n);
		n[o->nattrs].type = (CK_ATTRIBUTE_TYPE)lua_tointeger(L, -2);
		o->nattrs++;
		bad = lb_obj_take_value(L, &n[o->nattrs - 1], 0);
		lua_pop(L, 1);
		if (bad != NULL) {
			lua_pop(L, 2);
			lb_obj_bad(c, bad, n[o->nattrs - 1].type);
			return CKR_FUNCTION_FAILED;
		}
	}
	lua_pop(L, 1);
	if (o->nattrs > 1)
		qsort(o->attrs, o->nattrs, sizeof *o->attrs, lb_obj_cmp_attr);
	for (i = 1; i < o->nattrs; i++)
		if (o->attrs[i].type == o->attrs[i - 1].type) {
			lb_obj_bad(c, "given twice", o->attrs[i].type);
			return CKR_FUNCTION_FAILED;
		}
	return CKR_OK;
}

/* --- running a call ------------------------------------------------------------------ */

/* The call, through the bridge's own runner (protection, card lending, budget, PIN
 * redaction, cleansing, VM restart). */
static CK_RV lb_obj_run(struct lb_vm *vm, const struct lb_card *card, struct lb_obj_call *c)
{
	/* a created or changed object may carry key values: wipe them after */
	struct lb_invoke inv = { .fn = c->fn, .if_missing = CKR_FUNCTION_NOT_SUPPORTED,
				 .push = c->push, .take = c->take, .ud = c,
				 .wipe = strcmp(c->fn, "create_object") == 0 ||
					 strcmp(c->fn, "set_attributes") == 0 };

	if (vm == NULL || card == NULL)
		return CKR_ARGUMENTS_BAD;
	c->vm = vm;
	return lb_invoke(vm, card, &inv);
}

/* --- the calls ----------------------------------------------------------------------- */

static int lb_obj_push_logged_in(lua_State *L, void *ud)
{
	struct lb_obj_call *c = ud;

	lua_pushboolean(L, c->logged_in);
	return 1;
}

static int lb_obj_push_attrs1(lua_State *L, void *ud)
{
	struct lb_obj_call *c = ud;

	lb_obj_push_attrs(L, c->a1, c->n1, 0);
	return 1;
}

static int lb_obj_push_ref(lua_State *L, void *ud)
{
	struct lb_obj_call *c = ud;

	lua_pushstring(L, c->ref);
	return 1;
}

static int lb_obj_push_ref_attrs(lua_State *L, void *ud)
{
	struct lb_obj_call *c = ud;

	lua_pushstring(L, c->ref);
	lb_obj_push_attrs(L, c->a1, c->n1, 0);
	return 2;
}

static int lb_obj_push_keygen(lua_State *L, void *ud)
{
	struct lb_obj_call *c = ud;

	lua_pushinteger(L, (lua_Integer)c->mech);
	lb_obj_push_attrs(L, c->a1, c->n1, 0);
	lb_obj_push_attrs(L, c->a2, c->n2, 0);
	return 3;
}

static CK_RV lb_obj_take_list(lua_State *L, void *ud)
{
	struct lb_obj_call *c = ud;
	lua_Integer n, i;
	CK_RV rv;

	if (lb_result_failed(L))
		return lb_failure_rv(L, c->fn);
	if (!lua_istable(L, -2)) {
		lb_obj_bad(c, "a list of objects is due", (CK_ATTRIBUTE_TYPE)-1);
		return CKR_FUNCTION_FAILED;
	}
	n = (lua_Integer)lua_rawlen(L, -2);
	if (n > LBO_OBJECTS_MAX) {
		lb_obj_bad(c, "too many objects", (CK_ATTRIBUTE_TYPE)-1);
		return CKR_FUNCTION_FAILED;
	}
	if (n == 0)
		return CKR_OK;
	*c->objs = calloc((size_t)n, sizeof **c->objs);
	if (*c->objs == NULL)
		return CKR_HOST_MEMORY;
	for (i = 1; i <= n; i++) {
		lua_rawgeti(L, -2, i);
		*c->nobjs = (size_t)i;
		rv = lb_obj_take_object(L, c, -1, &(*c->objs)[i - 1]);
		lua_pop(L, 1);
		if (rv != CKR_OK)
			return rv;
	}
	return CKR_OK;
}

static CK_RV lb_obj_take_one(lua_State *L, void *ud)
{
	struct lb_obj_call *c = ud;
	if (lb_result_failed(L))
		return lb_failure_rv(L, c->fn);
	return lb_obj_take_object(L, c, -2, c->o1);
}

static CK_RV lb_obj_take_true(lua_State *L, void *ud)
{
	struct lb_obj_call *c = ud;
	if (lb_result_failed(L))
		return lb_failure_rv(L, c->fn);
	if (!lua_isboolean(L, -2)) {
		lb_obj_bad(c, "true, or nil and a CKR_ name, is due", (CK_ATTRIBUTE_TYPE)-1);
		return CKR_FUNCTION_FAILED;
	}
	return CKR_OK;
}

static CK_RV lb_obj_take_pair(lua_State *L, void *ud)
{
	struct lb_obj_call *c = ud;
	CK_RV rv;

	if (lb_result_failed(L))
		return lb_failure_rv(L, c->fn);
	rv = lb_obj_take_object(L, c, -2, c->o1);
	if (rv == CKR_OK)
		rv = lb_obj_take_object(L, c, -1, c->o2);
	return rv;
}

CK_RV lb_objects(struct lb_vm *vm, const struct lb_card *card, int logged_in,
		 struct lb_object **objs, size_t *n)
{
	struct lb_obj_call c = { .fn = "objects", .push = lb_obj_push_logged_in,
			      .take = lb_obj_take_list, .logged_in = logged_in, .objs = objs,
			      .nobjs = n };
	CK_RV rv;

	*objs = NULL;
	*n = 0;
	rv = lb_obj_run(vm, card, &c);
	if (rv != CKR_OK) {
		lb_objects_free(*objs, *n);
		*objs = NULL;
		*n = 0;
	}
	return rv;
}

CK_RV lb_create_object(struct lb_vm *vm, const struct lb_card *card, const struct lb_attr *attrs,
		       size_t n, struct lb_object *out)
{
	struct lb_obj_call c = { .fn = "create_object", .push = lb_obj_push_attrs1,
			      .take = lb_obj_take_one, .a1 = attrs, .n1 = n, .o1 = out };
	CK_RV rv;

	memset(out, 0, sizeof *out);
	rv = lb_obj_run(vm, card, &c);
	if (rv != CKR_OK)
		lb_object_clear(out);
	return rv;
}

CK_RV lb_destroy_object(struct lb_vm *vm, const struct lb_card *card, const char *ref)
{
	struct lb_obj_call c = { .fn = "destroy_object", .push = lb_obj_push_ref,
			      .take = lb_obj_take_true, .ref = ref };

	return lb_obj_run(vm, card, &c);
}

CK_RV lb_set_attributes(struct lb_vm *vm, const struct lb_card *card, const char *ref,
			const struct lb_attr *attrs, size_t n, struct lb_object *out)
{
	struct lb_obj_call c = { .fn = "set_attributes", .push = lb_obj_push_ref_attrs,
			      .take = lb_obj_take_one, .ref = ref, .a1 = attrs, .n1 = n, .o1 = out };
	CK_RV rv;

	memset(out, 0, sizeof *out);
	rv = lb_obj_run(vm, card, &c);
	if (rv != CKR_OK)
		lb_object_clear(out);
	return rv;
}

CK_RV lb_generate_key_pair(struct lb_vm *vm, const struct lb_card *card, CK_MECHANISM_TYPE mech,
			   const struct lb_attr *pub, size_t npub, const struct lb_attr *priv,
			   size_t npriv, struct lb_object *pub_out, struct lb_object *priv_out)
{
	struct lb_obj_call c = { .fn = "generate_key_pair", .push = lb_obj_push_keygen,
			      .take = lb_obj_take_pair, .mech = mech, .a1 = pub, .n1 = npub,
			      .a2 = priv, .n2 = npriv, .o1 = pub_out, .o2 = priv_out };
	CK_RV rv;

	memset(pub_out, 0, sizeof *pub_out);
	memset(priv_out, 0, sizeof *priv_out);
	rv = lb_obj_run(vm, card, &c);
	if (rv != CKR_OK) {
		lb_object_clear(pub_out);
		lb_object_clear(priv_out);
	}
	return rv;
}
