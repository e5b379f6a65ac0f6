/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * lb_crypto.c — the `crypto` library: the few host primitives scripts need, from
 * OpenSSL's default provider. Nothing here loads an engine or a provider.
 *
 *   crypto.random(n)           n (0..65536) random bytes from RAND_bytes
 *   crypto.digest(name, data)  "sha1", "sha224", "sha256", "sha384", "sha512"
 */
#include "lb_int.h"

#include <string.h>

#include <lauxlib.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

/* [-1, +1, e] */
static int lb_crypto_random(lua_State *L)
{
	lua_Integer n = luaL_checkinteger(L, 1);
	luaL_Buffer b;
	unsigned char *p;

	luaL_argcheck(L, n >= 0 && n <= 65536, 1, "0..65536 bytes");
	p = (unsigned char *)luaL_buffinitsize(L, &b, (size_t)n);
	if (n > 0 && RAND_bytes(p, (int)n) != 1)
		return luaL_error(L, "crypto.random: the random generator failed");
	luaL_pushresultsize(&b, (size_t)n);
	return 1;
}

static const struct {
	const char *name;
	const EVP_MD *(*md)(void);
} lb_digests[] = {
	{ "sha1", EVP_sha1 },
	{ "sha224", EVP_sha224 },
	{ "sha256", EVP_sha256 },
	{ "sha384", EVP_sha384 },
	{ "sha512", EVP_sha512 },
};

/* [-2, +1, e] */
static int lb_crypto_digest(lua_State *L)
{
	const char *name = luaL_checkstring(L, 1);
	size_t n, i;
	const char *data = luaL_checklstring(L, 2, &n);
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	int ok;

	for (i = 0; i < sizeof lb_digests / sizeof lb_digests[0]; i++)
		if (strcmp(name, lb_digests[i].name) == 0)
			break;
	if (i == sizeof lb_digests / sizeof lb_digests[0])
		return luaL_argerror(L, 1, "sha1, sha224, sha256, sha384 or sha512");
	/* one-shot: OpenSSL frees its context before we may raise */
	ok = EVP_Digest(data, n, md, &mdlen, lb_digests[i].md(), NULL);
	if (ok != 1)
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
