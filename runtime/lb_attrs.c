/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * lb_attrs.c — token object attributes between C and Lua, for the Lua bridge (lb_obj.c's
 * calls, lb.c's reading of the contract's attributes fields).
 *
 * Attributes cross the boundary as a table keyed by CKA number whose values are typed by
 * spec/attributes.yaml (generated/sk_attrs.c): bool -> boolean, ulong -> integer,
 * mechanisms -> list of integers, template -> a nested attribute table, everything else
 * (bytes, utf8, date, bigint) -> string. What a script returns is checked strictly: an
 * unknown attribute, a value of the wrong Lua type, a date that is not 8 characters, or
 * an attribute twice is refused with the attribute named.
 *
 * Stack comments: [-o, +p, x] as in lb_int.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "lb.h"
#include "lb_int.h"
#include "sk_attrs.h"
#include "sk_names.h"

/* the most entries of a nested template or a mechanism list */
#define LBA_NESTED_MAX 256

void lb_attrs_free(struct lb_attr *a, size_t n)
{
	size_t i;

	if (a == NULL)
		return;
	for (i = 0; i < n; i++)
		if (a[i].value != NULL) {
			OPENSSL_cleanse(a[i].value, a[i].len);
			free(a[i].value);
		}
	free(a);
}

static int lb_attrs_vtype(CK_ATTRIBUTE_TYPE t)
{
	const struct sk_attr_type *ti = sk_attr_type_of(t);

	return ti == NULL ? -1 : ti->vtype;
}

static lua_Integer lb_attrs_ulong_at(const uint8_t *p)
{
	CK_ULONG v;

	memcpy(&v, p, sizeof v);
	return (lua_Integer)v;
}

static void lb_attrs_push_nested(lua_State *L, const struct lb_attr *a, size_t n, int nested);

/* Pushes one value as its type says. [-0, +1, m] */
static void lb_attrs_push_value(lua_State *L, CK_ATTRIBUTE_TYPE type, const uint8_t *v, CK_ULONG len,
			   int nested)
{
	CK_ULONG i, k, sl, count;

	switch (lb_attrs_vtype(type)) {
	case SK_AV_BOOL:
		lua_pushboolean(L, len == 1 && v[0] != CK_FALSE);
		break;
	case SK_AV_ULONG:
		if (len == sizeof(CK_ULONG))
			lua_pushinteger(L, lb_attrs_ulong_at(v));
		else
			lua_pushnil(L);
		break;
	case SK_AV_MECHANISMS:
		lua_createtable(L, (int)(len / sizeof(CK_ULONG)), 0);
		for (i = 0; i < len / sizeof(CK_ULONG); i++) {
			lua_pushinteger(L, lb_attrs_ulong_at(v + i * sizeof(CK_ULONG)));
			lua_rawseti(L, -2, (lua_Integer)i + 1);
		}
		break;
	case SK_AV_TEMPLATE:
		lua_newtable(L);
		if (nested)
			break;
		for (k = 0, count = 0; k + 2 * sizeof(CK_ULONG) <= len && count < LBA_NESTED_MAX;
		     count++) {
			CK_ULONG st;

			memcpy(&st, v + k, sizeof st);
			memcpy(&sl, v + k + sizeof(CK_ULONG), sizeof sl);
			k += 2 * sizeof(CK_ULONG);
			if (sl > len - k)
				break;
			lua_pushinteger(L, (lua_Integer)st);
			lb_attrs_push_value(L, st, v + k, sl, 1);
			lua_rawset(L, -3);
			k += sl;
		}
		break;
	default:
		lua_pushlstring(L, (const char *)v, len);
		break;
	}
}

/* Pushes an attribute table. [-0, +1, m] */
static void lb_attrs_push_nested(lua_State *L, const struct lb_attr *a, size_t n, int nested)
{
	size_t i;

	lua_createtable(L, 0, (int)n);
	for (i = 0; i < n; i++) {
		lua_pushinteger(L, (lua_Integer)a[i].type);
		lb_attrs_push_value(L, a[i].type, a[i].value, a[i].len, nested);
		lua_rawset(L, -3);
	}
}

/* Appends bytes to a growing buffer; 0 on success. */
static int lb_attrs_append(uint8_t **buf, CK_ULONG *len, const void *p, size_t n)
{
	uint8_t *b;

	if (n == 0)
		return 0;
	if (*len + n > (1u << 20))
		return -1;
	b = malloc(*len + n);
	if (b == NULL)
		return -1;
	if (*len > 0)
		memcpy(b, *buf, *len);
	memcpy(b + *len, p, n);
	if (*buf != NULL) {
		OPENSSL_cleanse(*buf, *len);
		free(*buf);
	}
	*buf = b;
	*len += n;
	return 0;
}

/* The value at the top of the stack, converted into out->value/len (out->type set).
 * NULL or a complaint. Raises nothing. [-0, +0, -] */
static const char *lb_attrs_take_value(lua_State *L, struct lb_attr *out, int nested)
{
	int vt = lb_attrs_vtype(out->type);
	size_t sl;
	const char *s;
	CK_ULONG v;
	lua_Integer i, n;
	int idx = lua_gettop(L);

	switch (vt) {
	case -1:
		return "unknown attribute";
	case SK_AV_BOOL: {
		CK_BBOOL b;

		if (!lua_isboolean(L, idx))
			return "a boolean is due";
		b = lua_toboolean(L, idx) ? CK_TRUE : CK_FALSE;
		return lb_attrs_append(&out->value, &out->len, &b, 1) ? "out of memory" : NULL;
	}
	case SK_AV_ULONG:
		if (!lua_isinteger(L, idx))
			return "an integer is due";
		v = (CK_ULONG)lua_tointeger(L, idx);
		return lb_attrs_append(&out->value, &out->len, &v, sizeof v) ? "out of memory" : NULL;
	case SK_AV_MECHANISMS:
		if (!lua_istable(L, idx))
			return "a list of mechanisms is due";
		n = (lua_Integer)lua_rawlen(L, idx);
		if (n > LBA_NESTED_MAX)
			return "too many mechanisms";
		if (!lua_checkstack(L, 2))
			return "out of memory";
		for (i = 1; i <= n; i++) {
			lua_rawgeti(L, idx, i);
			if (!lua_isinteger(L, -1)) {
				lua_pop(L, 1);
				return "a list of mechanisms (integers) is due";
			}
			v = (CK_ULONG)lua_tointeger(L, -1);
			lua_pop(L, 1);
			if (lb_attrs_append(&out->value, &out->len, &v, sizeof v))
				return "out of memory";
		}
		return NULL;
	case SK_AV_TEMPLATE:
		if (nested)
			return "a template inside a template";
		if (!lua_istable(L, idx))
			return "an attribute table is due";
		if (!lua_checkstack(L, 3))
			return "out of memory";
		lua_pushnil(L);
		while (lua_next(L, idx) != 0) {
			struct lb_attr sub = { 0, 0, NULL };
			const char *bad;
			CK_ULONG hdr[2];

			if (!lua_isinteger(L, -2)) {
				lua_pop(L, 2);
				return "a template's keys are CKA numbers";
			}
			sub.type = (CK_ATTRIBUTE_TYPE)lua_tointeger(L, -2);
			bad = lb_attrs_take_value(L, &sub, 1);
			lua_pop(L, 1);
			if (bad == NULL) {
				hdr[0] = sub.type;
				hdr[1] = sub.len;
				if (lb_attrs_append(&out->value, &out->len, hdr, sizeof hdr) ||
				    lb_attrs_append(&out->value, &out->len, sub.value, sub.len))
					bad = "out of memory";
			}
			if (sub.value != NULL) {
				OPENSSL_cleanse(sub.value, sub.len);
				free(sub.value);
			}
			if (bad != NULL) {
				lua_pop(L, 1);
				return bad;
			}
		}
		return NULL;
	default:
		if (lua_type(L, idx) != LUA_TSTRING)
			return "a string is due";
		s = lua_tolstring(L, idx, &sl);
		if (vt == SK_AV_DATE && sl != 0 && sl != 8)
			return "a date is 8 characters YYYYMMDD, or empty";
		return lb_attrs_append(&out->value, &out->len, s, sl) ? "out of memory" : NULL;
	}
}

static int lb_attrs_cmp_attr(const void *a, const void *b)
{
	const struct lb_attr *x = a, *y = b;

	return x->type < y->type ? -1 : x->type > y->type;
}

/* The complaint about attribute t into why. */
static void lb_attrs_why(char *why, size_t cap, CK_ATTRIBUTE_TYPE t, const char *what)
{
	const char *name = sk_name(SK_FAM_CKA, t);

	if (name != NULL)
		snprintf(why, cap, "%s: %s", name, what);
	else
		snprintf(why, cap, "attribute 0x%08lx: %s", (unsigned long)t, what);
}

int lb_attrs_read(lua_State *L, int idx, size_t max, struct lb_attr **a, size_t *n,
		      char *why, size_t cap)
{
	size_t i;

	idx = lua_absindex(L, idx);
	if (!lua_istable(L, idx)) {
		snprintf(why, cap, "a table keyed by CKA numbers is due");
		return -1;
	}
	if (!lua_checkstack(L, 4))
		return -2;
	lua_pushnil(L);
	while (lua_next(L, idx) != 0) {
		struct lb_attr *grown;
		const char *bad;

		if (!lua_isinteger(L, -2)) {
			lua_pop(L, 2);
			snprintf(why, cap, "keys are CKA numbers");
			return -1;
		}
		if (*n >= max) {
			lua_pop(L, 2);
			snprintf(why, cap, "more than %zu attributes", max);
			return -1;
		}
		grown = realloc(*a, (*n + 1) * sizeof *grown);
		if (grown == NULL) {
			lua_pop(L, 2);
			return -2;
		}
		*a = grown;
		memset(&grown[*n], 0, sizeof *grown);
		grown[*n].type = (CK_ATTRIBUTE_TYPE)lua_tointeger(L, -2);
		(*n)++;
		bad = lb_attrs_take_value(L, &grown[*n - 1], 0);
		lua_pop(L, 1);
		if (bad != NULL) {
			lua_pop(L, 1);
			if (strcmp(bad, "out of memory") == 0)
				return -2;
			lb_attrs_why(why, cap, grown[*n - 1].type, bad);
			return -1;
		}
	}
	if (*n > 1)
		qsort(*a, *n, sizeof **a, lb_attrs_cmp_attr);
	for (i = 1; i < *n; i++)
		if ((*a)[i].type == (*a)[i - 1].type) {
			lb_attrs_why(why, cap, (*a)[i].type, "given twice");
			return -1;
		}
	return 0;
}

void lb_attrs_push(lua_State *L, const struct lb_attr *a, size_t n)
{
	lb_attrs_push_nested(L, a, n, 0);
}
