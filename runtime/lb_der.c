/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * lb_der.c — the `der` library: BER/DER TLV trees (ITU-T X.690).
 *
 *   der.decode(s [, pos])  -> node, next_pos | nil, message
 *       one TLV starting at pos (default 1). A node is {tag=0x30, cons=true, child, ...}
 *       or {tag=0x04, cons=false, value="..."}. tag is the identifier octets read as one
 *       big-endian integer (0x30, 0xA1, 0x9F1F), at most 4 of them. BER's indefinite
 *       length is accepted for constructed values; lengths take at most 4 octets.
 *   der.decode_all(s)      -> {node, ...} | nil, message   every TLV of s, back to back
 *   der.decode(s, pos, "flat"), der.decode_all(s, "flat")
 *       flat TLV: a value is never read as children, also when its tag has the
 *       constructed bit (0x20) set: every node is {tag=, cons=, value="..."}, cons telling
 *       the bit. This is how ISO/IEC 7816-4 BER-TLV data objects such as PIV's (NIST SP
 *       800-73-4 part 1, 3.1: tag 53 holding a run of TLVs read by the card's own rules)
 *       are read one level at a time. The indefinite length has no place there (ISO/IEC
 *       7816-4 5.2.2) and is malformed in this mode.
 *   der.encode(node)       -> bytes (DER lengths); a node with children encodes them,
 *       otherwise its value (default ""). Misuse raises an error.
 *
 * Malformed, truncated or too deeply nested input (LB_DER_MAX_DEPTH) is a value
 * (nil, message): card data is untrusted, and the script decides what it means. Every
 * read is checked against the end of its enclosing value.
 */
#include "lb_int.h"

#include <stdint.h>

#include <lauxlib.h>

struct lb_tlv {
	uint32_t tag;
	int cons;
	int indefinite;
	size_t hdr;     /* identifier + length octets */
	size_t len;     /* content octets (definite form) */
};

/* Reads one header at p (avail bytes); NULL or the reason it is malformed. */
static const char *lb_der_header(const uint8_t *p, size_t avail, struct lb_tlv *t)
{
	size_t i = 0, k;

	if (avail < 2)
		return "truncated header";
	t->tag = p[i];
	t->cons = (p[i] & 0x20) != 0;
	if ((p[i++] & 0x1F) == 0x1F) {
		do {
			if (i >= avail)
				return "truncated tag";
			if (i >= 4)
				return "tag longer than 4 octets";
			t->tag = t->tag << 8 | p[i];
		} while (p[i++] & 0x80);
	}
	if (i >= avail)
		return "truncated length";
	t->indefinite = 0;
	if (p[i] < 0x80) {
		t->len = p[i++];
	} else if (p[i] == 0x80) {
		if (!t->cons)
			return "indefinite length of a primitive value";
		t->indefinite = 1;
		t->len = 0;
		i++;
	} else {
		k = p[i++] & 0x7F;
		if (k > 4)
			return "length longer than 4 octets";
		if (k > avail - i)
			return "truncated length";
		t->len = 0;
		while (k-- > 0)
			t->len = t->len << 8 | p[i++];
	}
	t->hdr = i;
	if (!t->indefinite && t->len > avail - i)
		return "value runs past the end of its container";
	return NULL;
}

/* Decodes one TLV at p[*off] (within end) into a node table.
 * [-0, +1 | 0, m]: pushes the node, or nothing and returns the reason. */
static const char *lb_der_node(lua_State *L, const uint8_t *p, size_t end, size_t *off,
			       int depth, int flat)
{
	struct lb_tlv t;
	const char *err;
	size_t cend, pos;
	lua_Integer n = 0;

	if (depth > LB_DER_MAX_DEPTH)
		return "nested too deeply";
	err = lb_der_header(p + *off, end - *off, &t);
	if (err != NULL)
		return err;
	if (flat && t.indefinite)
		return "indefinite length in a flat TLV";
	luaL_checkstack(L, 4, "der.decode");
	lua_createtable(L, 0, 3);
	lua_pushinteger(L, (lua_Integer)t.tag);
	lua_setfield(L, -2, "tag");
	lua_pushboolean(L, t.cons);
	lua_setfield(L, -2, "cons");
	pos = *off + t.hdr;
	cend = t.indefinite ? end : pos + t.len;
	if (!t.cons || flat) {
		lua_pushlstring(L, (const char *)p + pos, t.len);
		lua_setfield(L, -2, "value");
		*off = cend;
		return NULL;
	}
	for (;;) {
		if (t.indefinite) {
			if (cend - pos >= 2 && p[pos] == 0 && p[pos + 1] == 0) {
				pos += 2;       /* end-of-contents */
				break;
			}
			if (pos >= cend) {
				lua_pop(L, 1);
				return "indefinite length without end-of-contents";
			}
		} else if (pos >= cend) {
			break;
		}
		err = lb_der_node(L, p, cend, &pos, depth + 1, 0);
		if (err != NULL) {
			lua_pop(L, 1);
			return err;
		}
		lua_rawseti(L, -2, ++n);
	}
	*off = pos;
	return NULL;
}

/* The optional mode argument at idx: 1 for "flat", 0 for none; misuse raises. */
static int lb_der_flat(lua_State *L, int idx)
{
	static const char *const modes[] = { "tree", "flat", NULL };

	return luaL_checkoption(L, idx, "tree", modes);
}

/* der.decode(s [, pos [, mode]]) [-1|2|3, +2, e] */
static int lb_der_decode(lua_State *L)
{
	size_t n, off;
	const uint8_t *s = (const uint8_t *)luaL_checklstring(L, 1, &n);
	lua_Integer pos = luaL_optinteger(L, 2, 1);
	int flat = lb_der_flat(L, 3);
	const char *err;

	luaL_argcheck(L, pos >= 1 && (lua_Unsigned)pos <= (lua_Unsigned)n + 1, 2,
		      "out of range");
	off = (size_t)pos - 1;
	err = lb_der_node(L, s, n, &off, 1, flat);
	if (err != NULL) {
		lua_pushnil(L);
		lua_pushfstring(L, "der.decode: %s (at byte %d)", err, (int)pos);
		return 2;
	}
	lua_pushinteger(L, (lua_Integer)off + 1);
	return 2;
}

/* der.decode_all(s [, mode]) [-1|2, +1|2, e] */
static int lb_der_decode_all(lua_State *L)
{
	size_t n, off = 0, start;
	const uint8_t *s = (const uint8_t *)luaL_checklstring(L, 1, &n);
	int flat = lb_der_flat(L, 2);
	const char *err;
	lua_Integer i = 0;

	lua_settop(L, 1);
	lua_newtable(L);
	while (off < n) {
		start = off;
		err = lb_der_node(L, s, n, &off, 1, flat);
		if (err != NULL) {
			lua_pushnil(L);
			lua_pushfstring(L, "der.decode_all: %s (in the TLV at byte %d)", err,
					(int)start + 1);
			return 2;
		}
		lua_rawseti(L, -2, ++i);
	}
	return 1;
}

/* Encodes the node at idx; pushes its bytes. [-0, +1, e] */
static void lb_der_encode_node(lua_State *L, int idx, int depth)
{
	lua_Integer tag;
	lua_Unsigned len, nchild, i, pending = 0;
	unsigned char hdr[4 + 1 + 4];
	size_t h = 0, tl;
	int k;

	if (depth > LB_DER_MAX_DEPTH)
		luaL_error(L, "der.encode: nested deeper than %d", LB_DER_MAX_DEPTH);
	if (!lua_istable(L, idx))
		luaL_error(L, "der.encode: a node is a table, not a %s", luaL_typename(L, idx));
	luaL_checkstack(L, 8, "der.encode");
	lua_pushliteral(L, "tag");
	lua_rawget(L, idx);
	if (!lua_isinteger(L, -1))
		luaL_error(L, "der.encode: a node needs an integer tag");
	tag = lua_tointeger(L, -1);
	lua_pop(L, 1);
	if (tag < 0 || tag > 0xFFFFFFFF)
		luaL_error(L, "der.encode: tag out of range");
	nchild = lua_rawlen(L, idx);
	if (nchild > 0) {
		lua_pushliteral(L, "");
		for (i = 1; i <= nchild; i++) {
			lua_rawgeti(L, idx, (lua_Integer)i);
			lb_der_encode_node(L, lua_gettop(L), depth + 1);
			lua_remove(L, -2);      /* the child table */
			if (++pending == 64) {
				lua_concat(L, (int)pending + 1);
				pending = 0;
			}
		}
		lua_concat(L, (int)pending + 1);
	} else {
		lua_pushliteral(L, "value");
		lua_rawget(L, idx);
		if (lua_isnil(L, -1)) {
			lua_pop(L, 1);
			lua_pushliteral(L, "");
		} else if (lua_type(L, -1) != LUA_TSTRING) {
			luaL_error(L, "der.encode: value is a string, not a %s",
				   luaL_typename(L, -1));
		}
	}
	lua_tolstring(L, -1, &tl);
	len = tl;
	if (len > 0xFFFFFFFF)
		luaL_error(L, "der.encode: value too long");
	for (k = 3; k > 0 && ((lua_Unsigned)tag >> (8 * k)) == 0; k--)
		;
	for (; k >= 0; k--)
		hdr[h++] = (unsigned char)((lua_Unsigned)tag >> (8 * k));
	if (len < 0x80) {
		hdr[h++] = (unsigned char)len;
	} else {
		for (k = 3; k > 0 && (len >> (8 * k)) == 0; k--)
			;
		hdr[h++] = (unsigned char)(0x80 | (k + 1));
		for (; k >= 0; k--)
			hdr[h++] = (unsigned char)(len >> (8 * k));
	}
	lua_pushlstring(L, (const char *)hdr, h);
	lua_insert(L, -2);
	lua_concat(L, 2);
}

/* der.encode(node) [-1, +1, e] */
static int lb_der_encode(lua_State *L)
{
	luaL_checktype(L, 1, LUA_TTABLE);
	lua_settop(L, 1);
	lb_der_encode_node(L, 1, 1);
	return 1;
}

static const luaL_Reg lb_der_lib[] = {
	{ "decode", lb_der_decode },
	{ "decode_all", lb_der_decode_all },
	{ "encode", lb_der_encode },
	{ NULL, NULL },
};

int lb_open_der(lua_State *L)
{
	luaL_newlib(L, lb_der_lib);
	return 1;
}
