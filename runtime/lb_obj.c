/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * lb_obj.c — the Lua bridge's side of token objects (lb.h: lb_objects, lb_create_object,
 * lb_destroy_object, lb_set_attributes, lb_generate_key_pair, lb_object_attrs).
 *
 * Attributes cross the boundary as lb_attrs.c converts them. What a script returns is
 * read by the contract's object record (spec/script-contract.yaml: ref, a string of 1..63
 * bytes, and attrs, an attribute table; generated/sk_contract.c's field table, read by
 * lb.c's lbc_read), and the lists by the contract's bounds: a malformed answer gives
 * CKR_FUNCTION_FAILED with one log line naming the object, the field and the attribute.
 *
 * The calls run like lb.c's (a protected trampoline, the card lent for the call only,
 * the instruction budget reset), through a runner of this file: lb.c keeps its runner
 * private. Results are built into the caller's structs as they are read, so that an error
 * raised half-way (out of memory) leaks nothing: the caller frees what is there.
 *
 * Stack comments: [-o, +p, x] as in lb_int.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "lb.h"
#include "lb_int.h"
#include "log.h"
#include "sk_names.h"

_Static_assert(sizeof(((struct lb_object *)0)->ref) == LB_REF_MAX,
	       "the contract's object.ref (max 63) fills LB_REF_MAX with its NUL");

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


/* The object record at idx into o, read and checked by the contract's field table
 * (spec/script-contract.yaml's object: ref, attrs). On failure o holds what was read, for
 * the caller to free; what names the object in a list ("" for a single one).
 * [-0, +0, e] */
static CK_RV lb_obj_take_object(lua_State *L, struct lb_obj_call *c, int idx, struct lb_object *o,
				const char *what)
{
	char why[200];
	int rc;

	memset(o, 0, sizeof *o);
	rc = lbc_read(L, idx, &skc_object, o, why, sizeof why);
	if (rc == -2)
		return CKR_HOST_MEMORY;
	if (rc != 0) {
		log_msg(LOG_ERROR, "lb: %s.%s: malformed result: %s%s", c->vm->family, c->fn,
			what, why);
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
					 strcmp(c->fn, "generate_key") == 0 ||
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

	lb_attrs_push(L, c->a1, c->n1);
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
	lb_attrs_push(L, c->a1, c->n1);
	return 2;
}

static int lb_obj_push_keygen(lua_State *L, void *ud)
{
	struct lb_obj_call *c = ud;

	lua_pushinteger(L, (lua_Integer)c->mech);
	lb_attrs_push(L, c->a1, c->n1);
	lb_attrs_push(L, c->a2, c->n2);
	return 3;
}

static CK_RV lb_obj_take_list(lua_State *L, void *ud)
{
	struct lb_obj_call *c = ud;
	const struct skc_function *fn = skc_function(c->fn);
	char what[32];
	lua_Integer n, i;
	CK_RV rv;

	if (lb_result_failed(L))
		return lb_failure_rv(L, c->fn);
	if (!lua_istable(L, -2)) {
		lb_obj_bad(c, "a list of objects is due", (CK_ATTRIBUTE_TYPE)-1);
		return CKR_FUNCTION_FAILED;
	}
	n = (lua_Integer)lua_rawlen(L, -2);
	if (fn == NULL || (size_t)n > fn->max) {
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
		snprintf(what, sizeof what, "object %lld: ", (long long)i);
		rv = lb_obj_take_object(L, c, -1, &(*c->objs)[i - 1], what);
		lua_pop(L, 1);
		if (rv != CKR_OK)
			return rv;
	}
	return CKR_OK;
}

/* A lazy object (issue 11) only in objects' list: every other result is the whole object. */
static CK_RV lb_obj_not_lazy(struct lb_obj_call *c, const struct lb_object *o)
{
	if (!o->lazy)
		return CKR_OK;
	lb_obj_bad(c, "field 'lazy': only objects' list may leave attributes out",
		   (CK_ATTRIBUTE_TYPE)-1);
	return CKR_FUNCTION_FAILED;
}

static CK_RV lb_obj_take_one(lua_State *L, void *ud)
{
	struct lb_obj_call *c = ud;
	CK_RV rv;

	if (lb_result_failed(L))
		return lb_failure_rv(L, c->fn);
	rv = lb_obj_take_object(L, c, -2, c->o1, "");
	return rv == CKR_OK ? lb_obj_not_lazy(c, c->o1) : rv;
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
	rv = lb_obj_take_object(L, c, -2, c->o1, "the first object: ");
	if (rv == CKR_OK)
		rv = lb_obj_take_object(L, c, -1, c->o2, "the second object: ");
	if (rv == CKR_OK)
		rv = lb_obj_not_lazy(c, c->o1);
	return rv == CKR_OK ? lb_obj_not_lazy(c, c->o2) : rv;
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

CK_RV lb_object_attrs(struct lb_vm *vm, const struct lb_card *card, const char *ref,
			struct lb_object *out)
{
	struct lb_obj_call c = { .fn = "object_attrs", .push = lb_obj_push_ref,
			      .take = lb_obj_take_one, .ref = ref, .o1 = out };
	CK_RV rv;

	memset(out, 0, sizeof *out);
	rv = lb_obj_run(vm, card, &c);
	if (rv == CKR_OK && strcmp(out->ref, ref) != 0) {
		log_msg(LOG_ERROR, "lb: %s.object_attrs: malformed result: another object's ref",
			vm->family);
		rv = CKR_FUNCTION_FAILED;
	}
	if (rv != CKR_OK)
		lb_object_clear(out);
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

static int lb_obj_push_mech_attrs(lua_State *L, void *ud)
{
	struct lb_obj_call *c = ud;

	lua_pushinteger(L, (lua_Integer)c->mech);
	lb_attrs_push(L, c->a1, c->n1);
	return 2;
}

CK_RV lb_generate_key(struct lb_vm *vm, const struct lb_card *card, CK_MECHANISM_TYPE mech,
		      const struct lb_attr *attrs, size_t n, struct lb_object *out)
{
	struct lb_obj_call c = { .fn = "generate_key", .push = lb_obj_push_mech_attrs,
			      .take = lb_obj_take_one, .mech = mech, .a1 = attrs, .n1 = n,
			      .o1 = out };
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
