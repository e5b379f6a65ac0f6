/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * lb_ops.c — the bridge side of the private-key primitives and the token's random
 * generator: lb_sign, lb_decrypt and lb_random of lb.h, calling the family script's
 * sign(card, ref, mech, data), decrypt(card, ref, mech, data) and random(card, n).
 *
 * A call runs the way lb.c runs its own: protected by lua_pcall with a traceback handler,
 * with a fresh instruction budget, the card lent for the call only (card objects of other
 * calls are expired), the card's answers cleansed from the bridge's buffer afterwards, and
 * a full collection so the data's strings are wiped by the VM's allocator. A VM that lb.c
 * stopped after an exceeded memory cap is restarted through lb_call_string (a call of a
 * function no script has), which starts it again without touching the card.
 *
 * Neither the data nor the result is ever logged.
 */
#include "lb.h"
#include "lb_int.h"
#include "log.h"
#include "sk_names.h"

#include <string.h>

#include <lauxlib.h>
#include <openssl/crypto.h>

struct lbo_call {
	struct lb_vm *vm;
	const char *fn;
	int random;                     /* random(card, n) instead of fn(card, ref, mech, data) */
	const char *ref;
	CK_MECHANISM_TYPE mech;
	const uint8_t *in;
	size_t in_len;
	uint8_t *out;
	size_t cap;                     /* capacity of out; for random, the exact count */
	size_t out_len;
	CK_RV rv;
};

/* The traceback handler: logs and returns the error object unchanged. [-0, +1, m] */
static int lbo_msgh(lua_State *L)
{
	struct lb_vm *vm = lb_vm_of(L);
	const char *msg;

	if (!log_on(LOG_ERROR))
		return 1;
	msg = lua_tostring(L, 1);
	if (msg == NULL) {
		if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING)
			msg = lua_tostring(L, -1);
		else
			msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
	}
	luaL_traceback(L, L, msg, 1);
	lb_log_text(vm, LOG_ERROR, "", lua_tostring(L, -1));
	lua_settop(L, 1);
	return 1;
}

/* A failure result (nil or false, then a "CKR_NAME" or a CKR number). [-0, +0, -] */
static CK_RV lbo_failure(lua_State *L, struct lbo_call *c)
{
	unsigned long v = 0;
	const char *name;

	if (lua_type(L, -1) == LUA_TSTRING) {
		name = lua_tostring(L, -1);
		if (strncmp(name, "CKR_", 4) != 0 || !sk_lookup(name, &v)) {
			log_msg(LOG_ERROR, "lb: %s.%s: unknown return code %.64s", c->vm->family,
				c->fn, name);
			return CKR_FUNCTION_FAILED;
		}
	} else if (lua_isinteger(L, -1) && lua_tointeger(L, -1) > 0) {
		v = (unsigned long)lua_tointeger(L, -1);
	} else {
		log_msg(LOG_ERROR, "lb: %s.%s: malformed result: failure without a CKR_ name",
			c->vm->family, c->fn);
		return CKR_FUNCTION_FAILED;
	}
	if (v == CKR_OK) {
		log_msg(LOG_ERROR, "lb: %s.%s: malformed result: failure with CKR_OK",
			c->vm->family, c->fn);
		return CKR_FUNCTION_FAILED;
	}
	log_msg(LOG_CALLS, "lb: %s.%s: %s", c->vm->family, c->fn, sk_rv_name(v));
	return (CK_RV)v;
}

/* The byte string result. [-0, +0, -] */
static CK_RV lbo_take(lua_State *L, struct lbo_call *c)
{
	const char *s;
	size_t len;

	if (lua_isnil(L, -2) || (lua_isboolean(L, -2) && !lua_toboolean(L, -2)))
		return lbo_failure(L, c);
	if (lua_type(L, -2) != LUA_TSTRING) {
		log_msg(LOG_ERROR, "lb: %s.%s: malformed result: expected a byte string",
			c->vm->family, c->fn);
		return CKR_FUNCTION_FAILED;
	}
	s = lua_tolstring(L, -2, &len);
	if (len > c->cap || (c->random && len != c->cap)) {
		log_msg(LOG_ERROR, "lb: %s.%s: malformed result: %zu bytes where %s%zu fit",
			c->vm->family, c->fn, len, c->random ? "exactly " : "at most ", c->cap);
		return CKR_FUNCTION_FAILED;
	}
	if (len > 0)
		memcpy(c->out, s, len);
	c->out_len = len;
	return CKR_OK;
}

/* Runs under lua_pcall with the call as a light userdata. [-1, +0, e] */
static int lbo_trampoline(lua_State *L)
{
	struct lbo_call *c = lua_touserdata(L, 1);
	int nargs = 1;

	lua_settop(L, 0);
	lua_rawgeti(L, LUA_REGISTRYINDEX, c->vm->mod_ref);
	if (lua_getfield(L, 1, c->fn) != LUA_TFUNCTION) {
		if (lua_isnil(L, -1)) {
			log_msg(LOG_CALLS, "lb: %s: no function %s", c->vm->family, c->fn);
			c->rv = CKR_FUNCTION_NOT_SUPPORTED;
		} else {
			log_msg(LOG_ERROR, "lb: %s: %s is not a function", c->vm->family, c->fn);
			c->rv = CKR_FUNCTION_FAILED;
		}
		return 0;
	}
	lb_card_push(L, c->vm);
	if (c->random) {
		lua_pushinteger(L, (lua_Integer)c->cap);
		nargs++;
	} else {
		lua_pushstring(L, c->ref);
		lua_pushinteger(L, (lua_Integer)c->mech);
		lua_pushlstring(L, (const char *)c->in, c->in_len);
		nargs += 3;
	}
	lua_call(L, nargs, 2);
	c->rv = lbo_take(L, c);
	return 0;
}

static CK_RV lbo_run(struct lb_vm *vm, const struct lb_card *card, struct lbo_call *c)
{
	lua_State *L;
	CK_RV rv;
	char none[1];
	int st;

	if (vm == NULL)
		return CKR_ARGUMENTS_BAD;
	if (vm->L == NULL) {
		/* stopped after a memory cap: lb.c starts it again on its next call */
		rv = lb_call_string(vm, card, "scriptoki_restart_vm", "", none, sizeof none);
		if (vm->L == NULL)
			return rv != CKR_OK ? rv : CKR_FUNCTION_FAILED;
	}
	L = vm->L;
	c->vm = vm;
	c->rv = CKR_FUNCTION_FAILED;
	c->out_len = 0;
	lua_settop(L, 0);
	vm->budget = LB_INSN_BUDGET;
	vm->abort = LB_ABORT_NONE;
	vm->transmit_rv = CKR_OK;
	vm->card = card;
	vm->card_gen++;
	vm->secret[0] = vm->secret[1] = NULL;
	vm->secret_len[0] = vm->secret_len[1] = 0;
	lua_pushcfunction(L, lbo_msgh);
	lua_pushcfunction(L, lbo_trampoline);
	lua_pushlightuserdata(L, c);
	st = lua_pcall(L, 1, 0, 1);
	vm->card = NULL;
	vm->card_gen++;
	if (vm->transmit_rv != CKR_OK) {
		rv = vm->transmit_rv;
	} else if (st == LUA_OK) {
		rv = c->rv;
	} else {
		rv = st == LUA_ERRMEM ? CKR_HOST_MEMORY : CKR_FUNCTION_FAILED;
		if (st == LUA_ERRMEM)
			log_msg(LOG_ERROR, "lb: %s.%s: memory cap of %u bytes exceeded",
				vm->family, c->fn, (unsigned)LB_MEM_CAP);
		else if (vm->abort == LB_ABORT_BUDGET)
			log_msg(LOG_ERROR, "lb: %s.%s: instruction budget exceeded", vm->family,
				c->fn);
		else
			log_msg(LOG_ERROR, "lb: %s.%s: script error", vm->family, c->fn);
	}
	if (vm->resp_dirty > 0) {
		OPENSSL_cleanse(vm->resp, vm->resp_dirty);
		vm->resp_dirty = 0;
	}
	lua_settop(L, 0);
	/* the data and result strings are wiped by the allocator when collected */
	vm->budget = LB_INSN_BUDGET;
	vm->abort = LB_ABORT_NONE;
	lua_gc(L, LUA_GCCOLLECT);
	if (rv != CKR_OK && c->out_len > 0) {
		OPENSSL_cleanse(c->out, c->out_len);
		c->out_len = 0;
	}
	return rv;
}

static CK_RV lbo_primitive(struct lb_vm *vm, const struct lb_card *card, const char *fn,
			   const char *ref, CK_MECHANISM_TYPE mech, const uint8_t *in,
			   size_t in_len, uint8_t *out, size_t *out_len)
{
	struct lbo_call c = { .fn = fn, .ref = ref, .mech = mech, .in = in, .in_len = in_len,
			      .out = out, .cap = *out_len };
	CK_RV rv;

	if (ref == NULL || strlen(ref) >= LB_REF_MAX || (in == NULL && in_len > 0))
		return CKR_ARGUMENTS_BAD;
	rv = lbo_run(vm, card, &c);
	*out_len = rv == CKR_OK ? c.out_len : 0;
	return rv;
}

CK_RV lb_sign(struct lb_vm *vm, const struct lb_card *card, const char *ref,
	      CK_MECHANISM_TYPE mech, const uint8_t *in, size_t in_len, uint8_t *out,
	      size_t *out_len)
{
	return lbo_primitive(vm, card, "sign", ref, mech, in, in_len, out, out_len);
}

CK_RV lb_decrypt(struct lb_vm *vm, const struct lb_card *card, const char *ref,
		 CK_MECHANISM_TYPE mech, const uint8_t *in, size_t in_len, uint8_t *out,
		 size_t *out_len)
{
	return lbo_primitive(vm, card, "decrypt", ref, mech, in, in_len, out, out_len);
}

CK_RV lb_random(struct lb_vm *vm, const struct lb_card *card, uint8_t *out, size_t len)
{
	struct lbo_call c = { .fn = "random", .random = 1, .out = out, .cap = len };

	if (len == 0)
		return CKR_OK;
	return lbo_run(vm, card, &c);
}
