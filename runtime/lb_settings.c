/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * lb_settings.c — the `settings` library: a family's own settings of the configuration
 * file, for the family's script.
 *
 *   settings.get(name)   the value of "<family>.<name>" in the configuration file (a
 *                        string), or nil when the file does not set it; name must be one
 *                        of the manifest's settings (family.yaml, "settings:"), else the
 *                        call raises (a script asking for what it did not declare is a
 *                        mistake, and the manifest is where a user reads what the family
 *                        takes)
 *
 * A setting the manifest marks `secret: true` (a card management key) is handled as a
 * PIN is: the value, and its bytes when it is hex, are redacted from every log line and
 * APDU trace of the call that read it (lb_log.c); the C copies are cleansed and freed when
 * the call ends (lb_settings_clear), and that call's garbage, the Lua strings with it, is
 * collected at its end by the allocator that wipes what it frees (lb.c). No family name
 * appears here: every family declares the settings it reads.
 */
#include "lb_int.h"
#include "conf.h"
#include "log.h"

#include <ctype.h>
#include <string.h>

#include <lauxlib.h>
#include <openssl/crypto.h>

/* Keeps a copy of p[0..n) as a secret of the running call; 0, or -1 when full or out of
 * memory (the caller then refuses the value rather than let it go unredacted). */
static int lbs_keep(struct lb_vm *vm, const void *p, size_t n)
{
	int i;

	for (i = 0; i < LB_SET_SECRETS; i++) {
		if (vm->set_secret[i] != NULL)
			continue;
		vm->set_secret[i] = OPENSSL_malloc(n > 0 ? n : 1);
		if (vm->set_secret[i] == NULL)
			return -1;
		memcpy(vm->set_secret[i], p, n);
		vm->set_secret_len[i] = n;
		return 0;
	}
	return -1;
}

/* The bytes of hex text ("0102..." or "01 02 ..."): n, or 0 when s is not such text. */
static size_t lbs_unhex(const char *s, unsigned char *out, size_t cap)
{
	size_t n = 0;
	int hi = -1, d;

	for (; *s != '\0'; s++) {
		if (*s == ' ' || *s == ':')
			continue;
		if (!isxdigit((unsigned char)*s))
			return 0;
		d = isdigit((unsigned char)*s) ? *s - '0' : tolower((unsigned char)*s) - 'a' + 10;
		if (hi < 0) {
			hi = d;
			continue;
		}
		if (n == cap)
			return 0;
		out[n++] = (unsigned char)(hi << 4 | d);
		hi = -1;
	}
	return hi < 0 ? n : 0;
}

/* [-1, +1, e] */
static int lbs_get(lua_State *L)
{
	struct lb_vm *vm = lb_vm_of(L);
	const char *name = luaL_checkstring(L, 1);
	char key[200], *val;
	unsigned char *raw = NULL;
	size_t n, rn = 0;
	int secret = 0, decl, found, bad = 0;

	decl = lb_family_setting(vm->dir, vm->family, name, &secret);
	if (decl < 0)
		return luaL_error(L, "settings.get: the family's manifest does not read");
	if (decl == 0)
		return luaL_argerror(L, 1, "not a setting of the family's manifest");
	if ((size_t)snprintf(key, sizeof key, "%s.%s", vm->family, name) >= sizeof key)
		return luaL_argerror(L, 1, "too long");
	/* the value lives in a userdata: freed by the collector, never leaked on a raise */
	val = lua_newuserdatauv(L, CONF_VALUE_MAX + CONF_VALUE_MAX / 2, 0);
	found = conf_family_lookup(key, val, CONF_VALUE_MAX);
	if (!found) {
		OPENSSL_cleanse(val, CONF_VALUE_MAX);
		lua_pushnil(L);
		return 1;
	}
	n = strlen(val);
	if (secret) {
		raw = (unsigned char *)val + CONF_VALUE_MAX;
		rn = lbs_unhex(val, raw, CONF_VALUE_MAX / 2);
		if (lbs_keep(vm, val, n) != 0 || (rn > 0 && lbs_keep(vm, raw, rn) != 0))
			bad = 1;
	}
	if (!bad)
		lua_pushlstring(L, val, n);
	OPENSSL_cleanse(val, CONF_VALUE_MAX + CONF_VALUE_MAX / 2);
	if (bad)
		return luaL_error(L, "settings.get: too many secret settings in one call");
	log_msg(LOG_CALLS, "lb: %s: setting %s read%s", vm->family, key,
		secret ? " (secret: masked)" : "");
	return 1;
}

int lb_settings_clear(struct lb_vm *vm)
{
	int i, any = 0;

	for (i = 0; i < LB_SET_SECRETS; i++) {
		if (vm->set_secret[i] == NULL)
			continue;
		OPENSSL_clear_free(vm->set_secret[i], vm->set_secret_len[i]);
		vm->set_secret[i] = NULL;
		vm->set_secret_len[i] = 0;
		any = 1;
	}
	return any;
}

static const luaL_Reg lb_settings_lib[] = {
	{ "get", lbs_get },
	{ NULL, NULL },
};

int lb_open_settings(lua_State *L)
{
	luaL_newlib(L, lb_settings_lib);
	return 1;
}
