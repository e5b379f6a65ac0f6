/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * lb_crypto.c — the `crypto` library: the few host primitives scripts need, from the
 * module's private OpenSSL library context (runtime/crypto.h), never the application's.
 *
 *   crypto.random(n)           n (0..65536) random bytes from the private context's DRBG
 *   crypto.digest(name, data)  every digest of spec/mechanisms.yaml by its `script` name:
 *                              "sha1", "sha256", "sha3-256", "sha512-224", "streebog256",
 *                              "gostr3411-94", ... (the GOST ones need the gost provider)
 */
#include "lb_int.h"

#include <string.h>

#include <lauxlib.h>

#include "crypto.h"

/* [-1, +1, e] */
static int lb_crypto_random(lua_State *L)
{
	lua_Integer n = luaL_checkinteger(L, 1);
	luaL_Buffer b;
	unsigned char *p;

	luaL_argcheck(L, n >= 0 && n <= 65536, 1, "0..65536 bytes");
	p = (unsigned char *)luaL_buffinitsize(L, &b, (size_t)n);
	if (crypto_random(p, (size_t)n) != CKR_OK)
		return luaL_error(L, "crypto.random: the random generator failed");
	luaL_pushresultsize(&b, (size_t)n);
	return 1;
}

/* [-2, +1, e] */
static int lb_crypto_digest(lua_State *L)
{
	const char *name = luaL_checkstring(L, 1);
	size_t n, mdlen = 0;
	const char *data = luaL_checklstring(L, 2, &n);
	CK_MECHANISM_TYPE mech = crypto_digest_by_name(name);
	unsigned char md[CRYPTO_MD_MAX];
	CK_RV rv;

	if (mech == 0)
		return luaL_argerror(L, 1, "a digest of spec/mechanisms.yaml (sha256, ...)");
	if (crypto_md(mech) == NULL)
		return luaL_error(L, "crypto.digest: %s is not available on this host", name);
	/* one-shot: the context is freed before we may raise */
	rv = crypto_digest(mech, (const uint8_t *)data, n, md, &mdlen);
	if (rv != CKR_OK)
		return luaL_error(L, "crypto.digest: %s failed", name);
	lua_pushlstring(L, (const char *)md, mdlen);
	return 1;
}

static const luaL_Reg lb_crypto_lib[] = {
	{ "random", lb_crypto_random },
	{ "digest", lb_crypto_digest },
	{ NULL, NULL },
};

int lb_open_crypto(lua_State *L)
{
	luaL_newlib(L, lb_crypto_lib);
	return 1;
}
