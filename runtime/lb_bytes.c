/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * lb_bytes.c — the `bytes` library: byte strings as scripts handle APDUs.
 *
 *   bytes.hex(s)          "\x00\xA4" -> "00A4" (upper case, no separators)
 *   bytes.unhex(h)        "00 a4 04 00" -> bytes; blanks between digits are allowed
 *   bytes.u16(n)          0..65535 -> 2 bytes, big-endian
 *   bytes.be(s)           big-endian bytes (1..8) -> integer
 *   bytes.be(n, width)    integer -> width bytes (1..8), big-endian
 *   bytes.reverse(s)      bytes in reverse order
 *   bytes.xor(a, b)       a XOR b, same lengths
 *
 * Misuse (a wrong type, a bad hex digit, unequal lengths) raises an error.
 */
#include "lb_int.h"

#include <stdint.h>
#include <string.h>

#include <lauxlib.h>

static const char lb_hexdigits[] = "0123456789ABCDEF";

/* [-1, +1, e] */
static int lb_bytes_hex(lua_State *L)
{
	size_t n, i;
	const unsigned char *s = (const unsigned char *)luaL_checklstring(L, 1, &n);
	luaL_Buffer b;
	char *p;

	p = luaL_buffinitsize(L, &b, 2 * n);
	for (i = 0; i < n; i++) {
		p[2 * i] = lb_hexdigits[s[i] >> 4];
		p[2 * i + 1] = lb_hexdigits[s[i] & 15];
	}
	luaL_pushresultsize(&b, 2 * n);
	return 1;
}

static int lb_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* [-1, +1, e] */
static int lb_bytes_unhex(lua_State *L)
{
	size_t n, i, o = 0;
	const char *s = luaL_checklstring(L, 1, &n);
	luaL_Buffer b;
	char *p;
	int hi = -1, v;

	p = luaL_buffinitsize(L, &b, n / 2 + 1);
	for (i = 0; i < n; i++) {
		if (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r' || s[i] == ':') {
			if (hi >= 0)
				return luaL_error(L, "bytes.unhex: a lone digit at %d", (int)i);
			continue;
		}
		v = lb_hexval((unsigned char)s[i]);
		if (v < 0)
			return luaL_error(L, "bytes.unhex: not a hex digit at %d", (int)i + 1);
		if (hi < 0) {
			hi = v;
		} else {
			p[o++] = (char)(hi << 4 | v);
			hi = -1;
		}
	}
	if (hi >= 0)
		return luaL_error(L, "bytes.unhex: an odd number of digits");
	luaL_pushresultsize(&b, o);
	return 1;
}

/* [-1, +1, e] */
static int lb_bytes_u16(lua_State *L)
{
	lua_Integer v = luaL_checkinteger(L, 1);
	char out[2];

	luaL_argcheck(L, v >= 0 && v <= 0xFFFF, 1, "not in 0..65535");
	out[0] = (char)(v >> 8);
	out[1] = (char)v;
	lua_pushlstring(L, out, 2);
	return 1;
}

/* [-1|2, +1, e] */
static int lb_bytes_be(lua_State *L)
{
	size_t n, i;
	const unsigned char *s;
	lua_Unsigned v = 0;
	lua_Integer w;
	char out[8];

	if (lua_type(L, 1) == LUA_TNUMBER) {
		v = (lua_Unsigned)luaL_checkinteger(L, 1);
		w = luaL_checkinteger(L, 2);
		luaL_argcheck(L, w >= 1 && w <= 8, 2, "a width of 1..8 bytes");
		luaL_argcheck(L, w == 8 || v >> (8 * w) == 0, 1, "does not fit the width");
		for (i = 0; i < (size_t)w; i++)
			out[w - 1 - (lua_Integer)i] = (char)(v >> (8 * i));
		lua_pushlstring(L, out, (size_t)w);
		return 1;
	}
	s = (const unsigned char *)luaL_checklstring(L, 1, &n);
	luaL_argcheck(L, n >= 1 && n <= 8, 1, "1..8 bytes");
	for (i = 0; i < n; i++)
		v = v << 8 | s[i];
	lua_pushinteger(L, (lua_Integer)v);
	return 1;
}

/* [-1, +1, e] */
static int lb_bytes_reverse(lua_State *L)
{
	size_t n, i;
	const char *s = luaL_checklstring(L, 1, &n);
	luaL_Buffer b;
	char *p = luaL_buffinitsize(L, &b, n);

	/* eight bytes at a time (an RSA value reversed is 128-512 bytes: every signature) */
	for (i = 0; i + 8 <= n; i += 8) {
		uint64_t w;

		memcpy(&w, s + n - 8 - i, 8);
		w = __builtin_bswap64(w);
		memcpy(p + i, &w, 8);
	}
	for (; i < n; i++)
		p[i] = s[n - 1 - i];
	luaL_pushresultsize(&b, n);
	return 1;
}

/* [-2, +1, e] */
static int lb_bytes_xor(lua_State *L)
{
	size_t na, nb, i;
	const char *a = luaL_checklstring(L, 1, &na);
	const char *b2 = luaL_checklstring(L, 2, &nb);
	luaL_Buffer b;
	char *p;

	luaL_argcheck(L, na == nb, 2, "not the length of the first");
	p = luaL_buffinitsize(L, &b, na);
	for (i = 0; i < na; i++)
		p[i] = (char)(a[i] ^ b2[i]);
	luaL_pushresultsize(&b, na);
	return 1;
}

static const luaL_Reg lb_bytes_lib[] = {
	{ "hex", lb_bytes_hex },
	{ "unhex", lb_bytes_unhex },
	{ "u16", lb_bytes_u16 },
	{ "be", lb_bytes_be },
	{ "reverse", lb_bytes_reverse },
	{ "xor", lb_bytes_xor },
	{ NULL, NULL },
};

int lb_open_bytes(lua_State *L)
{
	luaL_newlib(L, lb_bytes_lib);
	return 1;
}
