/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * lb_ops.c — the bridge side of the private-key primitives and the token's random
 * generator: lb_sign, lb_decrypt and lb_random of lb.h, calling the family script's
 * sign(card, ref, mech, data), decrypt(card, ref, mech, data) and random(card, n); and of
 * the token secret keys' operations, lb_secret_crypt and lb_secret_mac, calling
 * secret_crypt(card, ref, mech, encrypt, iv, data) and secret_mac(card, ref, mech, data);
 * and of key agreement with a token private key, lb_derive, calling
 * derive(card, ref, mech, point, ukm).
 *
 * Each call goes through lb_invoke (lb_int.h), lb.c's own runner: protected call, fresh
 * instruction budget, the card lent for the call only, the card's answers cleansed, a full
 * collection so the data's strings are wiped by the VM's allocator, VM restart after an
 * exceeded memory cap.
 *
 * Neither the data nor the result is ever logged.
 */
#include "lb.h"
#include "lb_int.h"
#include "log.h"

#include <string.h>

#include <lauxlib.h>
#include <openssl/crypto.h>

/* One call of sign, decrypt or random. */
struct lb_op_call {
	const char *fn;
	int random;                     /* random(card, n) instead of fn(card, ref, mech, data) */
	int crypt;                      /* secret_crypt(card, ref, mech, encrypt, iv, data) */
	int derive;                     /* derive(card, ref, mech, point = in, ukm = iv) */
	int encrypt;
	const uint8_t *iv;
	size_t iv_len;
	const char *ref;
	CK_MECHANISM_TYPE mech;
	const uint8_t *in;
	size_t in_len;
	uint8_t *out;
	size_t cap;                     /* capacity of out; for random, the exact count */
	size_t out_len;
};

/* Pushes the arguments after the card. [-0, +n, m] */
static int lb_op_push(lua_State *L, void *ud)
{
	struct lb_op_call *c = ud;

	if (c->random) {
		lua_pushinteger(L, (lua_Integer)c->cap);
		return 1;
	}
	lua_pushstring(L, c->ref);
	lua_pushinteger(L, (lua_Integer)c->mech);
	if (c->crypt) {
		lua_pushboolean(L, c->encrypt);
		lua_pushlstring(L, c->iv != NULL ? (const char *)c->iv : "", c->iv_len);
	}
	lua_pushlstring(L, (const char *)c->in, c->in_len);
	if (c->derive) {
		lua_pushlstring(L, c->iv != NULL ? (const char *)c->iv : "", c->iv_len);
		return 4;
	}
	return c->crypt ? 5 : 3;
}

/* The byte string result (at -2), or the failure it names. [-0, +0, -] */
static CK_RV lb_op_take(lua_State *L, void *ud)
{
	struct lb_op_call *c = ud;
	const char *s;
	size_t len;

	if (lb_result_failed(L))
		return lb_failure_rv(L, c->fn);
	if (lua_type(L, -2) != LUA_TSTRING) {
		log_msg(LOG_ERROR, "lb: %s: malformed result: expected a byte string", c->fn);
		return CKR_FUNCTION_FAILED;
	}
	s = lua_tolstring(L, -2, &len);
	if (len > c->cap || ((c->random || c->crypt || c->derive) && len != c->cap)) {
		log_msg(LOG_ERROR, "lb: %s: malformed result: %zu bytes where %s%zu fit", c->fn,
			len, c->random || c->crypt || c->derive ? "exactly " : "at most ", c->cap);
		return CKR_FUNCTION_FAILED;
	}
	if (len > 0)
		memcpy(c->out, s, len);
	c->out_len = len;
	return CKR_OK;
}

static CK_RV lb_op_run(struct lb_vm *vm, const struct lb_card *card, struct lb_op_call *c)
{
	/* a plaintext or random bytes (keys, often) pass through Lua: wipe them after */
	struct lb_invoke inv = { .fn = c->fn,
				 .if_missing = c->derive ? CKR_MECHANISM_INVALID
							 : CKR_FUNCTION_NOT_SUPPORTED,
				 .push = lb_op_push, .take = lb_op_take, .ud = c,
				 .wipe = strcmp(c->fn, "sign") != 0 &&
					 strcmp(c->fn, "secret_mac") != 0 };
	CK_RV rv;

	c->out_len = 0;
	rv = lb_invoke(vm, card, &inv);
	if (rv != CKR_OK && c->out_len > 0) {
		OPENSSL_cleanse(c->out, c->out_len);
		c->out_len = 0;
	}
	return rv;
}

static CK_RV lb_op_primitive(struct lb_vm *vm, const struct lb_card *card, const char *fn,
			   const char *ref, CK_MECHANISM_TYPE mech, const uint8_t *in,
			   size_t in_len, uint8_t *out, size_t *out_len)
{
	struct lb_op_call c = { .fn = fn, .ref = ref, .mech = mech, .in = in, .in_len = in_len,
			      .out = out, .cap = *out_len };
	CK_RV rv;

	if (ref == NULL || strlen(ref) >= LB_REF_MAX || (in == NULL && in_len > 0))
		return CKR_ARGUMENTS_BAD;
	rv = lb_op_run(vm, card, &c);
	*out_len = rv == CKR_OK ? c.out_len : 0;
	return rv;
}

CK_RV lb_sign(struct lb_vm *vm, const struct lb_card *card, const char *ref,
	      CK_MECHANISM_TYPE mech, const uint8_t *in, size_t in_len, uint8_t *out,
	      size_t *out_len)
{
	return lb_op_primitive(vm, card, "sign", ref, mech, in, in_len, out, out_len);
}

CK_RV lb_decrypt(struct lb_vm *vm, const struct lb_card *card, const char *ref,
		 CK_MECHANISM_TYPE mech, const uint8_t *in, size_t in_len, uint8_t *out,
		 size_t *out_len)
{
	return lb_op_primitive(vm, card, "decrypt", ref, mech, in, in_len, out, out_len);
}

CK_RV lb_secret_crypt(struct lb_vm *vm, const struct lb_card *card, const char *ref,
		      CK_MECHANISM_TYPE mech, int encrypt, const uint8_t *iv, size_t iv_len,
		      const uint8_t *in, size_t in_len, uint8_t *out, size_t *out_len)
{
	/* the answer has exactly the length of the input: a cipher of whole blocks */
	struct lb_op_call c = { .fn = "secret_crypt", .crypt = 1, .encrypt = encrypt,
			      .iv = iv, .iv_len = iv_len, .ref = ref, .mech = mech, .in = in,
			      .in_len = in_len, .out = out, .cap = in_len };
	CK_RV rv;

	if (ref == NULL || strlen(ref) >= LB_REF_MAX || (in == NULL && in_len > 0) ||
	    (iv == NULL && iv_len > 0) || *out_len < in_len)
		return CKR_ARGUMENTS_BAD;
	rv = lb_op_run(vm, card, &c);
	*out_len = rv == CKR_OK ? c.out_len : 0;
	return rv;
}

CK_RV lb_secret_mac(struct lb_vm *vm, const struct lb_card *card, const char *ref,
		    CK_MECHANISM_TYPE mech, const uint8_t *in, size_t in_len, uint8_t *out,
		    size_t *out_len)
{
	return lb_op_primitive(vm, card, "secret_mac", ref, mech, in, in_len, out, out_len);
}

CK_RV lb_derive(struct lb_vm *vm, const struct lb_card *card, const char *ref,
		CK_MECHANISM_TYPE mech, const uint8_t *point, size_t point_len,
		const uint8_t *ukm, size_t ukm_len, uint8_t *out, size_t *out_len)
{
	/* the agreed point has one length the host knows from the key (lb.h): a shorter or
	 * longer answer is a broken script, not a secret to cut to size */
	struct lb_op_call c = { .fn = "derive", .derive = 1, .iv = ukm, .iv_len = ukm_len,
			      .ref = ref, .mech = mech, .in = point, .in_len = point_len,
			      .out = out, .cap = *out_len };
	CK_RV rv;

	if (ref == NULL || strlen(ref) >= LB_REF_MAX || point == NULL || point_len == 0 ||
	    (ukm == NULL && ukm_len > 0) || *out_len == 0)
		return CKR_ARGUMENTS_BAD;
	rv = lb_op_run(vm, card, &c);
	*out_len = rv == CKR_OK ? c.out_len : 0;
	return rv;
}

CK_RV lb_random(struct lb_vm *vm, const struct lb_card *card, uint8_t *out, size_t len)
{
	struct lb_op_call c = { .fn = "random", .random = 1, .out = out, .cap = len };

	if (len == 0)
		return CKR_OK;
	return lb_op_run(vm, card, &c);
}
