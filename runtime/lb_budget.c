/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * lb_budget.c — what one call into a script may cost, beyond its VM instructions.
 *
 * The count hook (lb.c) only runs between VM instructions, so a C function of the
 * standard library that works for a long time inside one instruction escapes it: a
 * backtracking pattern, `..` or table.concat copying a growing string again and again,
 * string.rep of an empty string, table.insert at the front of a long table. Three
 * charges close that:
 *
 *  - bytes: the allocator charges every byte it hands out (LB_BYTES_PER_STEP bytes cost
 *    one instruction), so copying strings is paid for, whichever function copies;
 *  - work: the library functions whose running time is not bounded by what they
 *    allocate are replaced by wrappers that charge, before they run, a bound of the
 *    steps they may take (lb_budget_wrap); a call whose bound exceeds what is left of
 *    the budget fails at once instead of running;
 *  - time: a wall-clock limit per call (conf `script_timeout`), checked by the count
 *    hook and by every charge; the time the card takes to answer does not count.
 *
 * The bound of a pattern match: the matcher may try every start position (one when the
 * pattern is anchored with '^'), and at each, every quantified item (*, +, -), %b and
 * back reference may try every length of the rest of the subject; '?' tries two.
 * A pattern is at most as costly as (starts) x (n+1)^(quantifiers) x 2^(optionals)
 * x (pattern length + 1) steps for a subject of n bytes, and LB_MATCH_STEPS of them cost
 * one instruction (a step compares one byte with one pattern item). That bound is crude for
 * patterns with many quantifiers on long subjects — which is exactly the case that can
 * run for minutes; the patterns of the token scripts cost their subject's length.
 */
#include "lb_int.h"

#include <stdio.h>
#include <time.h>

#include <lauxlib.h>

long long lb_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

void lb_check_time(lua_State *L)
{
	struct lb_vm *vm = lb_vm_of(L);

	if (vm->deadline_ns != 0 && lb_now_ns() > vm->deadline_ns) {
		vm->abort = LB_ABORT_TIME;
		luaL_error(L, "time limit of %.1f s per call exceeded",
			   (double)vm->time_limit_ns / 1e9);
	}
}

void lb_charge(lua_State *L, double steps)
{
	struct lb_vm *vm = lb_vm_of(L);

	if (!(steps < (double)vm->budget)) {       /* also catches NaN */
		char msg[96];

		vm->budget = 0;
		vm->abort = LB_ABORT_BUDGET;
		/* lua_pushfstring knows no %g */
		snprintf(msg, sizeof msg, "instruction budget exceeded (a library call would "
			 "cost up to %.3g instructions)", steps);
		luaL_error(L, "%s", msg);
	}
	vm->budget -= (long)steps;
	lb_check_time(L);
}

/* The index just past the set starting at p[i] == '[' (Lua's own rule: the first
 * character after "[" or "[^" is part of the set, even ']'). */
static size_t lb_set_end(const char *p, size_t m, size_t i)
{
	size_t j = i + 1;

	if (j < m && p[j] == '^')
		j++;
	do {
		if (j >= m)
			return m;               /* malformed: the matcher itself will say so */
		if (p[j++] == '%' && j < m)
			j++;
	} while (j < m && p[j] != ']');
	return j < m ? j + 1 : m;
}

/* The bound of steps a match of the pattern p[0..m) in a subject of n bytes may take. */
static double lb_pattern_cost(const char *p, size_t m, size_t n, int anchor_ok)
{
	double len = (double)n + 1, starts = len, per = 1;
	size_t i = 0, last_q = 0;       /* just past the last *, + or - */

	if (anchor_ok && m > 0 && p[0] == '^') {
		starts = 1;
		i = 1;
	}
	while (i < m) {
		char c = p[i];

		if (c == '(' || c == ')' || (c == '$' && i + 1 == m)) {
			i++;
			continue;
		}
		if (c == '%' && i + 1 < m) {
			char d = p[i + 1];

			if (d == 'b') {                 /* %bxy scans for the balance */
				per *= len;
				i += 4;
				continue;
			}
			if (d == 'f') {                 /* %f[set]: one test */
				i = i + 2 < m && p[i + 2] == '[' ? lb_set_end(p, m, i + 2) : i + 2;
				continue;
			}
			if (d >= '0' && d <= '9') {     /* a back reference compares a capture */
				per *= len;
				i += 2;
				continue;
			}
			i += 2;
		} else if (c == '[') {
			i = lb_set_end(p, m, i);
		} else {
			i++;
		}
		if (i < m && (p[i] == '*' || p[i] == '+' || p[i] == '-')) {
			per *= len;
			last_q = ++i;
		} else if (i < m && p[i] == '?') {
			per *= 2;
			i++;
		}
	}
	/* A quantified item at the very end (only ')' after it) never makes the match fail
	 * after it expanded: it ends the attempt, so its expansion is paid once per match (and
	 * matches do not overlap), not once per combination: gmatch('[^,]+') is linear. */
	if (last_q > 0) {
		size_t j = last_q;

		while (j < m && p[j] == ')')
			j++;
		if (j == m)
			return starts * (per / len) * ((double)m + 1) + len * (per / len);
	}
	return starts * per * ((double)m + 1);
}

enum { LB_W_FIND, LB_W_MATCH, LB_W_GMATCH, LB_W_GSUB, LB_W_REP, LB_W_INSERT, LB_W_REMOVE,
       LB_W_MOVE };

static double lb_string_len(lua_State *L, int idx)
{
	size_t n = 0;

	if (lua_type(L, idx) == LUA_TSTRING || lua_type(L, idx) == LUA_TNUMBER)
		lua_tolstring(L, idx, &n);
	return (double)n;
}

/* What the call at hand may cost, from its arguments; 0 when they are wrong (the
 * original function raises its own error then). [-0, +0, e] */
static double lb_cost_of(lua_State *L, int kind)
{
	size_t n = 0, m = 0;
	const char *p;
	lua_Integer a, b;

	switch (kind) {
	case LB_W_FIND:
	case LB_W_MATCH:
	case LB_W_GMATCH:
	case LB_W_GSUB:
		if (lua_type(L, 2) != LUA_TSTRING && lua_type(L, 2) != LUA_TNUMBER)
			return 0;
		n = (size_t)lb_string_len(L, 1);
		p = lua_tolstring(L, 2, &m);
		if (kind == LB_W_FIND && lua_toboolean(L, 4))   /* plain: memcmp per start */
			return ((double)n + 1) * ((double)m + 1) / LB_MATCH_STEPS;
		return lb_pattern_cost(p, m, n, kind != LB_W_GMATCH) / LB_MATCH_STEPS;
	case LB_W_REP:
		if (lua_type(L, 2) != LUA_TNUMBER || !(lua_tonumber(L, 2) > 0))
			return 0;
		/* one loop step per copy, and the bytes it writes (also charged when the
		 * result is allocated; the loop itself is what an empty string leaves) */
		return lua_tonumber(L, 2) * (1 + (lb_string_len(L, 1) + lb_string_len(L, 3)) /
				    LB_BYTES_PER_STEP);
	case LB_W_INSERT:
		if (lua_gettop(L) != 3 || lua_type(L, 2) != LUA_TNUMBER)
			return 0;
		a = (lua_Integer)luaL_len(L, 1);
		b = (lua_Integer)lua_tonumber(L, 2);
		return a >= b ? (double)a - (double)b + 1 : 0;
	case LB_W_REMOVE:
		if (lua_gettop(L) < 2 || lua_type(L, 2) != LUA_TNUMBER)
			return 0;
		a = (lua_Integer)luaL_len(L, 1);
		b = (lua_Integer)lua_tonumber(L, 2);
		return a >= b ? (double)a - (double)b + 1 : 0;
	case LB_W_MOVE:         /* (floats with integral values are accepted too) */
		if (lua_type(L, 2) != LUA_TNUMBER || lua_type(L, 3) != LUA_TNUMBER)
			return 0;
		return lua_tonumber(L, 3) >= lua_tonumber(L, 2) ?
			       lua_tonumber(L, 3) - lua_tonumber(L, 2) + 1 : 0;
	}
	return 0;
}

/* The wrapper: upvalue 1 the original function, 2 its kind. [-n, +r, e] */
static int lb_charged(lua_State *L)
{
	int kind = (int)lua_tointeger(L, lua_upvalueindex(2));

	lb_charge(L, lb_cost_of(L, kind));
	lua_pushvalue(L, lua_upvalueindex(1));
	lua_insert(L, 1);
	lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
	return lua_gettop(L);
}

static void lb_wrap_one(lua_State *L, const char *lib, const char *name, int kind)
{
	lua_getglobal(L, lib);
	lua_getfield(L, -1, name);
	lua_pushinteger(L, kind);
	lua_pushcclosure(L, lb_charged, 2);
	lua_setfield(L, -2, name);
	lua_pop(L, 1);
}

void lb_budget_wrap(lua_State *L)
{
	/* the string metatable's __index is the string table: s:find() is wrapped too */
	lb_wrap_one(L, "string", "find", LB_W_FIND);
	lb_wrap_one(L, "string", "match", LB_W_MATCH);
	lb_wrap_one(L, "string", "gmatch", LB_W_GMATCH);
	lb_wrap_one(L, "string", "gsub", LB_W_GSUB);
	lb_wrap_one(L, "string", "rep", LB_W_REP);
	lb_wrap_one(L, "table", "insert", LB_W_INSERT);
	lb_wrap_one(L, "table", "remove", LB_W_REMOVE);
	lb_wrap_one(L, "table", "move", LB_W_MOVE);
}
