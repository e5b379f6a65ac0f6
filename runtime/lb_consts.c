/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * lb_consts.c — the constant tables (CKR, CKM, CKA, CKK, CKO, CKU, CKF, ...) built from
 * the generated name tables.
 *
 * One read-only table per prefix of generated/sk_names.h (a proxy: type() says
 * "userdata"; indexing and pairs() work), keyed by the name without the prefix: CKM.RSA_PKCS, CKR.PIN_INCORRECT, CKF.SIGN, CK.UNAVAILABLE_INFORMATION. Families
 * that share a prefix (CKF's token and mechanism flags) share its table. Values are Lua
 * integers (CK_ULONG as a 64-bit integer; ~0 reads as -1).
 */
#include "lb_int.h"
#include "log.h"
#include "sk_names.h"

#include <string.h>

#include <lauxlib.h>

/* __newindex of a constant table. [-3, +0, e] */
static int lb_const_newindex(lua_State *L)
{
	return luaL_error(L, "the constant tables are read-only");
}

/* The iterator of lb_const_pairs: next(t, k) of the real table. [-2, +2|1, e] */
static int lb_const_next(lua_State *L)
{
	lua_settop(L, 2);
	if (lua_next(L, 1))
		return 2;
	lua_pushnil(L);
	return 1;
}

/* __pairs of a constant table: iterate the real one (upvalue 1). [-1, +3, -] */
static int lb_const_pairs(lua_State *L)
{
	lua_pushcfunction(L, lb_const_next);
	lua_pushvalue(L, lua_upvalueindex(1));
	lua_pushnil(L);
	return 3;
}

/* Wraps the table on top in a read-only proxy: an empty userdata, so that not even
 * rawset can add or shadow a name. [-1, +1, m] */
static void lb_readonly(lua_State *L)
{
	lua_newuserdatauv(L, 0, 0);             /* proxy */
	lua_createtable(L, 0, 4);               /* its metatable */
	lua_pushvalue(L, -3);
	lua_setfield(L, -2, "__index");
	lua_pushcfunction(L, lb_const_newindex);
	lua_setfield(L, -2, "__newindex");
	lua_pushvalue(L, -3);
	lua_pushcclosure(L, lb_const_pairs, 1);
	lua_setfield(L, -2, "__pairs");
	lua_pushliteral(L, "constants");
	lua_setfield(L, -2, "__metatable");
	lua_setmetatable(L, -2);
	lua_remove(L, -2);
}

void lb_set_consts(lua_State *L, int idx)
{
	size_t i, plen;
	const struct sk_const *c;
	const char *prefix;

	idx = lua_absindex(L, idx);
	lua_newtable(L);        /* prefix -> real table, while building */
	for (i = 0; i < sk_consts_count; i++) {
		c = &sk_consts[i];
		prefix = sk_families[c->family].prefix;
		plen = strlen(prefix);
		if (strncmp(c->name, prefix, plen) != 0 || c->name[plen] != '_')
			continue;       /* not PREFIX_NAME: nothing sensible to call it */
		if (lua_getfield(L, -1, prefix) == LUA_TNIL) {
			lua_pop(L, 1);
			lua_newtable(L);
			lua_pushvalue(L, -1);
			lua_setfield(L, -3, prefix);
		}
		lua_pushinteger(L, (lua_Integer)c->value);
		lua_setfield(L, -2, c->name + plen + 1);
		lua_pop(L, 1);
	}
	lua_pushnil(L);
	while (lua_next(L, -2) != 0) {
		lua_pushvalue(L, -2);           /* prefix */
		lua_insert(L, -2);
		lb_readonly(L);
		lua_settable(L, idx);           /* G[prefix] = proxy */
	}
	lua_pop(L, 1);
}
