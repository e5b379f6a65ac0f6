/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * lb_crypto.c — the `crypto` library: the few host primitives scripts need, from the
 * module's private OpenSSL library context (runtime/crypto.h), never the application's.
 *
 *   crypto.random(n)           n (0..65536) random bytes from the private context's DRBG
 *   crypto.digest(name, data)  every digest of spec/mechanisms.yaml by its `script` name:
 *                              "sha1", "sha256", "sha3-256", "sha512-224", "streebog256",
 *                              "gostr3411-94", ... (the GOST ones need the gost provider)
 *   crypto.block(cipher, key, data, decrypt)
 *                              data (whole blocks, at most 4096 bytes) encrypted, or
 *                              decrypted when decrypt is true, in ECB mode without padding:
 *                              cipher "des-ede3" (a 24-byte key), "aes-128", "aes-192" or
 *                              "aes-256"; what a card's challenge-response authentication
 *                              with a symmetric key needs (PIV's management key)
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

/* [-4, +1, e] */
static int lb_crypto_block(lua_State *L)
{
	static const struct { const char *name, *ossl; size_t key, bs; } ciphers[] = {
		{ "des-ede3", "DES-EDE3-ECB", 24, 8 },
		{ "aes-128", "AES-128-ECB", 16, 16 },
		{ "aes-192", "AES-192-ECB", 24, 16 },
		{ "aes-256", "AES-256-ECB", 32, 16 },
	};
	const char *name = luaL_checkstring(L, 1);
	size_t klen, n, got = 0, fin = 0, i;
	const char *key = luaL_checklstring(L, 2, &klen);
	const char *data = luaL_checklstring(L, 3, &n);
	int decrypt = lua_toboolean(L, 4);
	struct crypto_sym *s = NULL;
	luaL_Buffer b;
	unsigned char *out;
	CK_RV rv;

	for (i = 0; i < sizeof ciphers / sizeof ciphers[0]; i++)
		if (strcmp(name, ciphers[i].name) == 0)
			break;
	if (i == sizeof ciphers / sizeof ciphers[0])
		return luaL_argerror(L, 1, "des-ede3, aes-128, aes-192 or aes-256");
	luaL_argcheck(L, klen == ciphers[i].key, 2, "a key of the cipher's length");
	luaL_argcheck(L, n > 0 && n <= 4096 && n % ciphers[i].bs == 0, 3,
		      "whole blocks, at most 4096 bytes");
	out = (unsigned char *)luaL_buffinitsize(L, &b, n);
	/* no raise while s is held */
	rv = crypto_sym_new(ciphers[i].ossl, CRYPTO_SYM_ECB, decrypt, (const uint8_t *)key,
			    klen, NULL, 0, NULL, 0, 0, 0, &s);
	if (rv == CKR_OK)
		rv = crypto_sym_update(s, (const uint8_t *)data, n, out, &got);
	if (rv == CKR_OK)
		rv = crypto_sym_final(s, out + got, n - got, &fin);
	crypto_sym_free(s);
	if (rv != CKR_OK || got + fin != n)
		return luaL_error(L, "crypto.block: %s failed", name);
	luaL_pushresultsize(&b, n);
	return 1;
}

static const luaL_Reg lb_crypto_lib[] = {
	{ "random", lb_crypto_random },
	{ "digest", lb_crypto_digest },
	{ "block", lb_crypto_block },
	{ NULL, NULL },
};

int lb_open_crypto(lua_State *L)
{
	luaL_newlib(L, lb_crypto_lib);
	return 1;
}
