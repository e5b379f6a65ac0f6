/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * lb_log.c — what the bridge logs of a script, and the scripts' `log` library:
 *
 *   log.debug(fmt, ...)   string.format, then the debug log at LOG_CARD
 *   log.error(fmt, ...)   the same at LOG_ERROR
 *
 * Scripts never pass PINs or key material to these; the PINs and the secret settings
 * (settings.get) of the current call are redacted from every line anyway (lb_log_text),
 * and lb_has_secret lets the card library keep them out of its APDU traces.
 */
#include "lb_int.h"
#include "log.h"

#include <string.h>

#include <lauxlib.h>
#include <openssl/crypto.h>

#define LB_SECRET_MIN 3    /* shorter PINs would redact half of every line */

int lb_has_secret(const struct lb_vm *vm, const void *p, size_t n)
{
	int i;

	for (i = 0; i < 2; i++)
		if (vm->secret[i] != NULL && vm->secret_len[i] >= LB_SECRET_MIN &&
		    memmem(p, n, vm->secret[i], vm->secret_len[i]) != NULL)
			return 1;
	for (i = 0; i < LB_SET_SECRETS; i++)
		if (vm->set_secret[i] != NULL && vm->set_secret_len[i] >= LB_SECRET_MIN &&
		    memmem(p, n, vm->set_secret[i], vm->set_secret_len[i]) != NULL)
			return 1;
	return 0;
}

void lb_log_text(const struct lb_vm *vm, int level, const char *what, const char *text)
{
	const char *p = text, *nl;
	char line[900], *hit;
	size_t n;
	int lines = 0, i;

	if (!log_on(level))
		return;
	while (*p != '\0' && lines++ < 40) {
		nl = strchr(p, '\n');
		if (nl == NULL)
			nl = p + strlen(p);
		n = (size_t)(nl - p) < sizeof line - 1 ? (size_t)(nl - p) : sizeof line - 1;
		memcpy(line, p, n);
		line[n] = '\0';
		for (i = 0; i < 2; i++) {
			if (vm->secret[i] == NULL || vm->secret_len[i] < LB_SECRET_MIN)
				continue;
			while ((hit = memmem(line, n, vm->secret[i], vm->secret_len[i])) != NULL)
				memset(hit, '*', vm->secret_len[i]);
		}
		for (i = 0; i < LB_SET_SECRETS; i++) {
			if (vm->set_secret[i] == NULL || vm->set_secret_len[i] < LB_SECRET_MIN)
				continue;
			while ((hit = memmem(line, n, vm->set_secret[i],
					     vm->set_secret_len[i])) != NULL)
				memset(hit, '*', vm->set_secret_len[i]);
		}
		log_msg(level, "lb: %s: %s%s", vm->family, what, line);
		OPENSSL_cleanse(line, sizeof line);
		p = *nl != '\0' ? nl + 1 : nl;
	}
}

/* log.debug / log.error: upvalue 1 is the level, 2 string.format. [-n, +0, e] */
static int lb_log(lua_State *L)
{
	int level = (int)lua_tointeger(L, lua_upvalueindex(1));
	int n = lua_gettop(L);

	if (!log_on(level))
		return 0;
	luaL_checkstring(L, 1);
	lua_pushvalue(L, lua_upvalueindex(2));
	lua_insert(L, 1);
	lua_call(L, n, 1);
	lb_log_text(lb_vm_of(L), level, "", lua_tostring(L, -1));
	return 0;
}

/* Needs the string library opened first. [-0, +1, m] */
int lb_open_log(lua_State *L)
{
	lua_createtable(L, 0, 2);                               /* log */
	luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
	lua_getfield(L, -1, "string");
	lua_getfield(L, -1, "format");                          /* log loaded string format */
	lua_replace(L, -3);
	lua_pop(L, 1);                                          /* log format */
	lua_pushinteger(L, LOG_CARD);
	lua_pushvalue(L, -2);
	lua_pushcclosure(L, lb_log, 2);
	lua_setfield(L, -3, "debug");
	lua_pushinteger(L, LOG_ERROR);
	lua_insert(L, -2);
	lua_pushcclosure(L, lb_log, 2);
	lua_setfield(L, -2, "error");
	return 1;
}
