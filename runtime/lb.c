/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * lb.c — the Lua bridge's core: one sandboxed Lua 5.4 state per token (lb.h), its
 * allocator and instruction budget, import(), and the protected calls into the family
 * script with the interpretation of what they return.
 *
 * Every call into Lua goes through lua_pcall: the C side pushes a trampoline and a light
 * userdata (neither allocates), so even an out-of-memory error while pushing arguments is
 * caught. The trampoline runs the script function with lua_call; the message handler logs
 * the traceback at LOG_ERROR. C functions called from Lua never hold malloc()ed memory
 * when they may raise.
 */
#include "lb.h"
#include "conf.h"
#include "lb_int.h"
#include "log.h"
#include "sk_names.h"

#include <dirent.h>
#include <stdatomic.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <lauxlib.h>
#include <lualib.h>
#include <openssl/crypto.h>

#ifndef SK_SCRIPTS_DIR
#define SK_SCRIPTS_DIR "/usr/share/scriptoki/scripts"
#endif
#define LB_NAME_MAX 128

static const char lb_imports_key = 'i';  /* registry: name -> imported value */
static const char lb_loading_key = 'l';  /* light userdata marking an import in progress */

/* --- allocator, budget ------------------------------------------------------------- */

/*
 * The counting allocator (lua_Alloc): refuses to grow the heap beyond vm->mem_cap, and
 * wipes every block it frees, so PINs and card data do not linger in freed memory. Lua
 * requires that shrinking never fails.
 */
static void *lb_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
	struct lb_vm *vm = ud;
	void *n;

	if (ptr == NULL)
		osize = 0;      /* osize then only tells the kind of object */
	if (nsize == 0) {
		if (ptr != NULL) {
			OPENSSL_cleanse(ptr, osize);
			free(ptr);
			vm->mem_used -= osize;
		}
		return NULL;
	}
	if (nsize <= osize) {
		OPENSSL_cleanse((char *)ptr + nsize, osize - nsize);
		n = realloc(ptr, nsize);
		if (n == NULL)
			n = ptr;        /* keep the larger block; never fail a shrink */
		vm->mem_used -= osize - nsize;
		return n;
	}
	if (nsize - osize > vm->mem_cap - vm->mem_used)
		return NULL;
	/* bytes handed out are work too (copying strings in C, where the count hook does
	 * not look): the hook raises once they have spent the budget */
	vm->budget -= (long)((nsize - osize) / LB_BYTES_PER_STEP);
	n = malloc(nsize);
	if (n == NULL)
		return NULL;
	if (ptr != NULL) {
		memcpy(n, ptr, osize);
		OPENSSL_cleanse(ptr, osize);
		free(ptr);
	}
	vm->mem_used += nsize - osize;
	return n;
}

/* The count hook: charges LB_HOOK_STEP instructions, raises when the budget is spent or
 * the call is past its wall-clock deadline. Once spent, it raises again at every step,
 * and pcall() re-raises (lb_pcall). */
static void lb_hook(lua_State *L, lua_Debug *ar)
{
	struct lb_vm *vm = lb_vm_of(L);

	vm->budget -= LB_HOOK_STEP;
	if (vm->budget <= 0) {
		vm->abort = LB_ABORT_BUDGET;
		luaL_error(L, "instruction budget exceeded (%d instructions)", (int)LB_INSN_BUDGET);
	}
	lb_check_time(L);
}

/* Starts a call's budget and deadline. */
static void lb_budget_start(struct lb_vm *vm, long budget)
{
	vm->budget = budget;
	vm->abort = LB_ABORT_NONE;
	vm->deadline_ns = lb_now_ns() + vm->time_limit_ns;
}

/* The wall-clock limit of one call: conf script_timeout (seconds, fractions allowed). */
static long long lb_time_limit(void)
{
	char v[32], *end;
	double sec;

	if (!conf_get("SCRIPTOKI_SCRIPT_TIMEOUT", "script_timeout", v, sizeof v))
		return (long long)(LB_TIME_LIMIT * 1e9);
	sec = strtod(v, &end);
	if (end == v || *end != '\0' || !(sec > 0) || sec > 86400) {
		log_msg(LOG_ERROR, "lb: script_timeout '%s' is not a number of seconds; using %.0f",
			v, LB_TIME_LIMIT);
		sec = LB_TIME_LIMIT;
	}
	return (long long)(sec * 1e9);
}

static int lb_panic(lua_State *L)
{
	/* unreachable by design: every call into Lua is protected */
	log_msg(LOG_ERROR, "lb: unprotected Lua error: %s",
		lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "?");
	return 0;
}

/* --- errors -------------------------------------------------------------------------- */

/* [-0, +0, -] */
CK_RV lb_rv_of_error(lua_State *L, int idx)
{
	CK_RV *p = luaL_testudata(L, idx, LB_RV_MT);

	return p != NULL ? *p : CKR_OK;
}

/* __tostring of the rv error object. [-0, +1, m] */
static int lb_rv_tostring(lua_State *L)
{
	CK_RV *p = luaL_checkudata(L, 1, LB_RV_MT);

	lua_pushfstring(L, "card failure: %s", sk_rv_name(*p));
	return 1;
}

/* The message handler of every call into Lua (lua.c's msghandler, plus logging): logs
 * the traceback and returns the error object unchanged. [-0, +1, m] */
static int lb_msgh(lua_State *L)
{
	struct lb_vm *vm = lb_vm_of(L);
	const char *msg;

	if (!log_on(LOG_ERROR))
		return 1;
	msg = lua_tostring(L, 1);
	if (msg == NULL) {
		if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING)
			msg = lua_tostring(L, -1);
		else
			msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
	}
	luaL_traceback(L, L, msg, 1);
	lb_log_text(vm, LOG_ERROR, "", lua_tostring(L, -1));
	lua_settop(L, 1);
	return 1;
}

/* --- the sandboxed base library --------------------------------------------------- */

/* A fresh environment reading through to the shared globals. [-0, +1, m] */
static void lb_push_env(lua_State *L)
{
	lua_newtable(L);
	lua_newtable(L);
	lua_rawgeti(L, LUA_REGISTRYINDEX, LUA_RIDX_GLOBALS);
	lua_setfield(L, -2, "__index");
	lua_setmetatable(L, -2);
}

/* pcall(f, ...) that cannot swallow a spent budget or memory cap. [-n, +r, e] */
static int lb_pcall(lua_State *L)
{
	struct lb_vm *vm = lb_vm_of(L);
	int st;

	luaL_checkany(L, 1);
	st = lua_pcall(L, lua_gettop(L) - 1, LUA_MULTRET, 0);
	if (st != LUA_OK && (st == LUA_ERRMEM || vm->abort != LB_ABORT_NONE))
		return lua_error(L);
	luaL_checkstack(L, 1, NULL);
	lua_pushboolean(L, st == LUA_OK);
	lua_insert(L, 1);
	return lua_gettop(L);
}

/* The message handler lb_xpcall installs: the script's handler (upvalue 1), except once
 * the budget is spent. Lua runs a handler for an error raised inside the count hook with
 * hooks disabled, so the script's handler must not run then: it could loop for ever.
 * [-1, +1, e] */
static int lb_xpcall_msgh(lua_State *L)
{
	if (lb_vm_of(L)->abort != LB_ABORT_NONE)
		return 1;
	lua_pushvalue(L, lua_upvalueindex(1));
	lua_insert(L, 1);
	lua_call(L, lua_gettop(L) - 1, 1);
	return 1;
}

/* xpcall(f, handler, ...), with the same rule. [-n, +r, e] */
static int lb_xpcall(lua_State *L)
{
	struct lb_vm *vm = lb_vm_of(L);
	int n = lua_gettop(L);
	int st;

	luaL_checktype(L, 2, LUA_TFUNCTION);
	/* f handler args... -> msgh f args... */
	lua_pushvalue(L, 2);
	lua_pushcclosure(L, lb_xpcall_msgh, 1);
	lua_replace(L, 2);
	lua_pushvalue(L, 1);
	lua_copy(L, 2, 1);
	lua_copy(L, -1, 2);
	lua_pop(L, 1);
	st = lua_pcall(L, n - 2, LUA_MULTRET, 1);
	if (st != LUA_OK && (st == LUA_ERRMEM || vm->abort != LB_ABORT_NONE))
		return lua_error(L);
	luaL_checkstack(L, 1, NULL);
	lua_pushboolean(L, st == LUA_OK);
	lua_replace(L, 1);      /* the handler's slot holds the status */
	return lua_gettop(L);
}

/* setmetatable(t, mt) without finalizers: Lua runs __gc with hooks disabled, so a
 * finalizer would escape the instruction budget. Upvalue 1: the base library's.
 * [-2, +1, e] */
static int lb_setmetatable(lua_State *L)
{
	if (lua_type(L, 2) == LUA_TTABLE) {
		lua_pushliteral(L, "__gc");
		if (lua_rawget(L, 2) != LUA_TNIL)
			return luaL_argerror(L, 2, "finalizers (__gc) are not available");
		lua_pop(L, 1);
	}
	lua_pushvalue(L, lua_upvalueindex(1));
	lua_insert(L, 1);
	lua_call(L, lua_gettop(L) - 1, 1);
	return 1;
}

/* load(chunk [, name [, mode [, env]]]): text only; without env the chunk gets a fresh
 * environment, not the shared globals. Upvalue 1: the base library's load. [-n, +r, e] */
static int lb_load(lua_State *L)
{
	int had_env = lua_gettop(L) >= 4;

	lua_settop(L, 4);
	lua_pushliteral(L, "t");
	lua_replace(L, 3);
	if (!had_env) {
		lb_push_env(L);
		lua_replace(L, 4);
	}
	lua_pushvalue(L, lua_upvalueindex(1));
	lua_insert(L, 1);
	lua_call(L, 4, LUA_MULTRET);
	return lua_gettop(L);
}

/* print(...) goes to the debug log (LOG_CARD), never to standard output. [-n, +0, e] */
static int lb_print(lua_State *L)
{
	int n = lua_gettop(L), i;
	luaL_Buffer b;

	if (!log_on(LOG_CARD))
		return 0;
	luaL_buffinit(L, &b);
	for (i = 1; i <= n; i++) {
		if (i > 1)
			luaL_addchar(&b, '\t');
		luaL_tolstring(L, i, NULL);
		luaL_addvalue(&b);
	}
	luaL_pushresult(&b);
	lb_log_text(lb_vm_of(L), LOG_CARD, "print: ", lua_tostring(L, -1));
	return 0;
}

/* --- import -------------------------------------------------------------------------- */

int lb_name_ok(const char *name, int family_only)
{
	size_t i, n = strlen(name);

	if (n == 0 || n > LB_NAME_MAX || name[0] == '/' || name[n - 1] == '/')
		return 0;
	for (i = 0; i < n; i++) {
		char c = name[i];

		if (c == '/') {
			if (family_only || name[i + 1] == '/')
				return 0;
		} else if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) {
			return 0;
		}
	}
	return 1;
}

/* import(name): runs <scripts dir>/<name>.lua once per VM (text only, its own _ENV) and
 * returns its value (true when it returns nothing). [-1, +1, e] */
static int lb_import(lua_State *L)
{
	struct lb_vm *vm = lb_vm_of(L);
	const char *name = luaL_checkstring(L, 1);
	const char *path;
	struct stat st;
	char *buf;
	size_t got = 0;
	ssize_t r;
	int fd, err = 0;

	luaL_argcheck(L, lb_name_ok(name, 0), 1,
		      "a script name is [a-z0-9_] parts separated by '/'");
	lua_settop(L, 1);
	lua_rawgetp(L, LUA_REGISTRYINDEX, &lb_imports_key);            /* 2: cache */
	if (lua_getfield(L, 2, name) != LUA_TNIL) {
		if (lua_touserdata(L, -1) == &lb_loading_key)
			return luaL_error(L, "import '%s': it imports itself or failed earlier",
					  name);
		return 1;
	}
	lua_pop(L, 1);
	path = lua_pushfstring(L, "%s/%s.lua", vm->dir, name);         /* 3 */
	if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
		return luaL_error(L, "import '%s': no such script", name);
	if ((size_t)st.st_size > LB_SCRIPT_MAX)
		return luaL_error(L, "import '%s': larger than %d bytes", name, (int)LB_SCRIPT_MAX);
	buf = lua_newuserdatauv(L, (size_t)st.st_size + 1, 0);         /* 4 */
	/* no Lua call from open() to close(): nothing may raise while fd is open */
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = errno;
	} else {
		while (got <= (size_t)st.st_size) {
			r = read(fd, buf + got, (size_t)st.st_size + 1 - got);
			if (r < 0 && errno == EINTR)
				continue;
			if (r < 0)
				err = errno;
			if (r <= 0)
				break;
			got += (size_t)r;
		}
		close(fd);
	}
	if (err != 0)
		return luaL_error(L, "import '%s': %s", name, strerror(err));
	if (got != (size_t)st.st_size)
		return luaL_error(L, "import '%s': the file changed while being read", name);
	lua_pushfstring(L, "@%s.lua", name);                            /* 5 */
	if (luaL_loadbufferx(L, buf, got, lua_tostring(L, 5), "t") != LUA_OK)
		return lua_error(L);
	lb_push_env(L);
	lua_setupvalue(L, -2, 1);                                       /* its _ENV */
	lua_pushlightuserdata(L, (void *)&lb_loading_key);
	lua_setfield(L, 2, name);
	lua_call(L, 0, 1);
	if (lua_isnil(L, -1)) {
		lua_pop(L, 1);
		lua_pushboolean(L, 1);
	}
	lua_pushvalue(L, -1);
	lua_setfield(L, 2, name);
	return 1;
}

/* --- the VM ------------------------------------------------------------------------- */

static const char *const lb_removed[] = {
	"dofile", "loadfile", "collectgarbage", "require", "warn", NULL,
};

/* Opens the sandbox into a new state. Runs protected. [-0, +0, e] */
static int lb_setup(lua_State *L)
{
	static const luaL_Reg libs[] = {
		{ LUA_GNAME, luaopen_base },
		{ LUA_STRLIBNAME, luaopen_string },
		{ LUA_TABLIBNAME, luaopen_table },
		{ LUA_MATHLIBNAME, luaopen_math },
		{ LUA_UTF8LIBNAME, luaopen_utf8 },
		{ NULL, NULL },
	};
	static const luaL_Reg ours[] = {
		{ "bytes", lb_open_bytes },
		{ "der", lb_open_der },
		{ "crypto", lb_open_crypto },
		{ "log", lb_open_log },
		{ "settings", lb_open_settings },
		{ NULL, NULL },
	};
	static const luaL_Reg base[] = {
		{ "pcall", lb_pcall },
		{ "xpcall", lb_xpcall },
		{ "print", lb_print },
		{ "import", lb_import },
		{ NULL, NULL },
	};
	const luaL_Reg *l;
	const char *const *r;

	for (l = libs; l->name != NULL; l++) {
		luaL_requiref(L, l->name, l->func, 1);
		lua_pop(L, 1);
	}
	lb_budget_wrap(L);      /* string and table functions pay for their work in C */
	lua_rawgeti(L, LUA_REGISTRYINDEX, LUA_RIDX_GLOBALS);            /* 1: _G */
	for (r = lb_removed; *r != NULL; r++) {
		lua_pushnil(L);
		lua_setfield(L, 1, *r);
	}
	lua_getfield(L, 1, "load");
	lua_pushcclosure(L, lb_load, 1);
	lua_setfield(L, 1, "load");
	lua_getfield(L, 1, "setmetatable");
	lua_pushcclosure(L, lb_setmetatable, 1);
	lua_setfield(L, 1, "setmetatable");
	luaL_setfuncs(L, base, 0);
	for (l = ours; l->name != NULL; l++) {
		l->func(L);
		lua_setfield(L, 1, l->name);
	}
	lb_set_consts(L, 1);
	lb_card_register(L);
	if (luaL_newmetatable(L, LB_RV_MT)) {
		lua_pushcfunction(L, lb_rv_tostring);
		lua_setfield(L, -2, "__tostring");
	}
	lua_pop(L, 1);
	lua_newtable(L);
	lua_rawsetp(L, LUA_REGISTRYINDEX, &lb_imports_key);
	return 0;
}

/* Loads family/token.lua and keeps the table it returns. Runs protected. [-0, +0, e] */
static int lb_load_family(lua_State *L)
{
	struct lb_vm *vm = lb_vm_of(L);

	lua_pushcfunction(L, lb_import);
	lua_pushfstring(L, "%s/token", vm->family);
	lua_call(L, 1, 1);
	if (!lua_istable(L, -1))
		return luaL_error(L, "%s/token.lua returns a %s, not a table", vm->family,
				  luaL_typename(L, -1));
	vm->mod_ref = luaL_ref(L, LUA_REGISTRYINDEX);
	return 0;
}

static void lb_stop(struct lb_vm *vm)
{
	if (vm->L == NULL)
		return;
	lb_budget_start(vm, LB_INSN_BUDGET / 100);     /* for finalizers the script may have set */
	lua_close(vm->L);
	vm->L = NULL;
}

/* Creates the state and runs token.lua. */
static CK_RV lb_start(struct lb_vm *vm)
{
	lua_State *L;
	CK_RV rv = CKR_OK;
	int st;

	vm->mem_used = 0;
	lb_budget_start(vm, LB_INSN_BUDGET);
	L = lua_newstate(lb_alloc, vm);
	if (L == NULL)
		return CKR_HOST_MEMORY;
	vm->L = L;
	lua_atpanic(L, lb_panic);
	lua_sethook(L, lb_hook, LUA_MASKCOUNT, LB_HOOK_STEP);
	lua_pushcfunction(L, lb_msgh);
	lua_pushcfunction(L, lb_setup);
	st = lua_pcall(L, 0, 0, 1);
	if (st == LUA_OK) {
		lua_pushcfunction(L, lb_load_family);
		st = lua_pcall(L, 0, 0, 1);
	}
	if (st != LUA_OK) {
		log_msg(LOG_ERROR, "lb: %s: cannot load %s/token.lua%s", vm->family, vm->family,
			st == LUA_ERRMEM ? ": memory cap exceeded" : "");
		rv = CKR_FUNCTION_FAILED;
		lb_stop(vm);
		return rv;
	}
	lua_settop(L, 0);
	lua_gc(L, LUA_GCCOLLECT);
	log_msg(LOG_CALLS, "lb: %s: VM started", vm->family);
	return rv;
}

CK_RV lb_open(const char *dir, const char *family, struct lb_vm **out)
{
	struct lb_vm *vm = NULL;
	CK_RV rv = CKR_OK;

	*out = NULL;
	if (dir == NULL || family == NULL || !lb_name_ok(family, 1)) {
		rv = CKR_ARGUMENTS_BAD;
		goto out;
	}
	vm = calloc(1, sizeof *vm);
	if (vm == NULL) {
		rv = CKR_HOST_MEMORY;
		goto out;
	}
	vm->mem_cap = LB_MEM_CAP;
	vm->time_limit_ns = lb_time_limit();
	vm->mod_ref = LUA_NOREF;
	vm->transmit_rv = CKR_OK;
	vm->dir = strdup(dir);
	vm->family = strdup(family);
	if (vm->dir == NULL || vm->family == NULL) {
		rv = CKR_HOST_MEMORY;
		goto out;
	}
	rv = lb_start(vm);
	if (rv != CKR_OK)
		goto out;
	*out = vm;
	vm = NULL;
out:
	lb_close(vm);
	return rv;
}

void lb_close(struct lb_vm *vm)
{
	if (vm == NULL)
		return;
	lb_stop(vm);
	OPENSSL_cleanse(vm->resp, sizeof vm->resp);
	free(vm->dir);
	free(vm->family);
	free(vm);
}

/* --- calls into the family script ----------------------------------------------- */

struct lb_call;
typedef void (*lb_push_fn)(lua_State *L, struct lb_call *c, int *nargs);
typedef CK_RV (*lb_take_fn)(lua_State *L, struct lb_call *c);

struct lb_call {
	const char *fn;         /* the module's function */
	int with_card;          /* pass the card first */
	CK_RV if_missing;       /* result when the script has no such function */
	lb_push_fn push;        /* pushes the other arguments */
	lb_take_fn take;        /* interprets results (stack: first, second) */
	struct lb_vm *vm;
	CK_RV rv;
	/* arguments */
	CK_ULONG user;
	const CK_UTF8CHAR *pin, *pin2, *label, *name;
	CK_ULONG pin_len, pin2_len, name_len;
	const char *sarg;
	const struct lb_invoke *inv;    /* lb_invoke's call */
	int wipe;                       /* secrets besides the PINs: full collection after */
	/* results */
	void *out;
	size_t *n;
	size_t cap;
};

/* Pushes a PIN (or nil for the protected authentication path). [-0, +1, m] */
static void lb_push_pin(lua_State *L, const CK_UTF8CHAR *pin, CK_ULONG len)
{
	if (pin == NULL)
		lua_pushnil(L);
	else
		lua_pushlstring(L, (const char *)pin, len);
}

static void lb_malformed(struct lb_call *c, const char *what)
{
	log_msg(LOG_ERROR, "lb: %s.%s: malformed result: %s", c->vm->family, c->fn, what);
}

/* A failure result (first value nil or false) named by its second value: a "CKR_NAME"
 * string or a CKR integer. [-0, +0, -] */
static CK_RV lb_failure(lua_State *L, struct lb_call *c)
{
	unsigned long v = 0;
	const char *name;

	if (lua_type(L, -1) == LUA_TSTRING) {
		name = lua_tostring(L, -1);
		if (strncmp(name, "CKR_", 4) != 0 || !sk_lookup(name, &v)) {
			log_msg(LOG_ERROR, "lb: %s.%s: unknown return code %.64s", c->vm->family,
				c->fn, name);
			return CKR_FUNCTION_FAILED;
		}
	} else if (lua_isinteger(L, -1) && lua_tointeger(L, -1) > 0) {
		v = (unsigned long)lua_tointeger(L, -1);
	} else {
		lb_malformed(c, "failure without a CKR_ name");
		return CKR_FUNCTION_FAILED;
	}
	if (v == CKR_OK) {
		lb_malformed(c, "failure with CKR_OK");
		return CKR_FUNCTION_FAILED;
	}
	log_msg(LOG_CALLS, "lb: %s.%s: %s", c->vm->family, c->fn, sk_rv_name(v));
	return (CK_RV)v;
}

int lb_result_failed(lua_State *L)
{
	return lua_isnil(L, -2) || (lua_isboolean(L, -2) && !lua_toboolean(L, -2));
}

CK_RV lb_failure_rv(lua_State *L, const char *fn)
{
	struct lb_call c = { .fn = fn, .vm = lb_vm_of(L) };

	return lb_failure(L, &c);
}

/* true, or a failure. */
static CK_RV lb_take_true(lua_State *L, struct lb_call *c)
{
	if (lb_result_failed(L))
		return lb_failure(L, c);
	if (!lua_isboolean(L, -2)) {
		lb_malformed(c, "expected true, or nil and a CKR_ name");
		return CKR_FUNCTION_FAILED;
	}
	return CKR_OK;
}

/* --- records of the contract (spec/script-contract.yaml, sk_contract.h) ------------- */

/* The value of an integer field as the script meant it: -1 stays -1 for CK_ULONG fields
 * (CK_UNAVAILABLE_INFORMATION). */
static long long lbc_int_of(const void *out, const struct skc_field *f)
{
	const char *p = (const char *)out + f->offset;

	if (f->ctype == SKC_C_ULONG) {
		CK_ULONG v;

		memcpy(&v, p, sizeof v);
		return v == CK_UNAVAILABLE_INFORMATION ? -1 : (long long)v;
	} else {
		int v;

		memcpy(&v, p, sizeof v);
		return v;
	}
}

static void lbc_set_int(void *out, const struct skc_field *f, long long v)
{
	char *p = (char *)out + f->offset;

	if (f->ctype == SKC_C_ULONG) {
		CK_ULONG u = v < 0 ? CK_UNAVAILABLE_INFORMATION : (CK_ULONG)v;

		memcpy(p, &u, sizeof u);
	} else {
		int i = (int)v;

		memcpy(p, &i, sizeof i);
	}
}

static int lbc_string_ok(lua_State *L, int idx, size_t lo, size_t max, const char **s,
			 size_t *len)
{
	if (lua_type(L, idx) != LUA_TSTRING)
		return 0;
	*s = lua_tolstring(L, idx, len);
	return *len >= lo && *len <= max && memchr(*s, '\0', *len) == NULL;
}

/* One field of the value at -1 into out: 1, 0 when malformed (detail may say more), -1
 * when out of memory. [-0, +0, -] */
static int lbc_field(lua_State *L, const struct skc_field *f, void *out, char *detail,
		     size_t cap)
{
	char *p = (char *)out + f->offset;
	const char *s;
	size_t len, i, n;
	lua_Integer v;

	switch (f->type) {
	case SKC_STRING:
		if (!lbc_string_ok(L, -1, f->min_len, f->max_len, &s, &len))
			return 0;
		memcpy(p, s, len);
		p[len] = '\0';
		return 1;
	case SKC_INTEGER:
		if (!lua_isinteger(L, -1))
			return 0;
		v = lua_tointeger(L, -1);
		if (v < f->lo || v > f->hi)
			return 0;
		lbc_set_int(out, f, v);
		return 1;
	case SKC_BOOLEAN:
		if (!lua_isboolean(L, -1))
			return 0;
		i = (size_t)lua_toboolean(L, -1);
		memcpy(p, &(int){ (int)i }, sizeof(int));
		return 1;
	case SKC_VERSION: {
		lua_Integer a, b;
		int good;

		if (!lua_istable(L, -1) || lua_rawlen(L, -1) != 2)
			return 0;
		lua_rawgeti(L, -1, 1);
		lua_rawgeti(L, -2, 2);
		good = lua_isinteger(L, -2) && lua_isinteger(L, -1);
		a = good ? lua_tointeger(L, -2) : -1;
		b = good ? lua_tointeger(L, -1) : -1;
		lua_pop(L, 2);
		if (a < 0 || a > 255 || b < 0 || b > 255)
			return 0;
		((CK_VERSION *)(void *)p)->major = (CK_BYTE)a;
		((CK_VERSION *)(void *)p)->minor = (CK_BYTE)b;
		return 1;
	}
	case SKC_NAMES:
		if (!lua_istable(L, -1))
			return 0;
		n = lua_rawlen(L, -1);
		if (n > f->max_count)
			return 0;
		for (i = 0; i < n; i++) {
			int good;

			lua_rawgeti(L, -1, (lua_Integer)i + 1);
			good = lbc_string_ok(L, -1, 1, f->max_len, &s, &len);
			if (good) {
				memcpy(p + i * (f->max_len + 1), s, len);
				p[i * (f->max_len + 1) + len] = '\0';
			}
			lua_pop(L, 1);
			if (!good)
				return 0;
		}
		memcpy((char *)out + f->count_offset, &n, sizeof n);
		return 1;
	case SKC_ATTRIBUTES:
		/* into the caller's struct as they are read: an error raised half-way leaks
		 * nothing (lb_attrs.c) */
		switch (lb_attrs_read(L, -1, f->max_count, (struct lb_attr **)(void *)p,
				      (size_t *)(void *)((char *)out + f->count_offset),
				      detail, cap)) {
		case 0:
			return 1;
		case -2:
			return -1;
		default:
			return 0;
		}
	}
	return 0;
}

/* Frees what out's attributes fields hold and zeroes out. */
static void lbc_clear(const struct skc_record *rec, void *out)
{
	size_t i, n;
	struct lb_attr *a;

	for (i = 0; i < rec->nfields; i++)
		if (rec->fields[i].type == SKC_ATTRIBUTES) {
			memcpy(&a, (char *)out + rec->fields[i].offset, sizeof a);
			memcpy(&n, (char *)out + rec->fields[i].count_offset, sizeof n);
			lb_attrs_free(a, n);
		}
	memset(out, 0, rec->size);
}

/*
 * Reads the record at idx into out (rec->size bytes) as the contract describes it: every
 * field typed and within its bounds, a field left out takes its default, a key the
 * contract does not know is refused (a misspelt field would otherwise be silently
 * ignored), and the rules between fields hold. 0, or -1 with out freed and zeroed and why
 * saying which field is wrong, or -2 (out of memory) likewise. [-0, +0, -]
 */
int lbc_read(lua_State *L, int idx, const struct skc_record *rec, void *out, char *why,
	     size_t cap)
{
	char detail[128];
	size_t i;
	int got, rc = -1;

	idx = lua_absindex(L, idx);
	memset(out, 0, rec->size);
	if (!lua_istable(L, idx)) {
		snprintf(why, cap, "expected a %s table", rec->name);
		return -1;
	}
	for (i = 0; i < rec->nfields; i++) {
		const struct skc_field *f = &rec->fields[i];

		lua_getfield(L, idx, f->name);
		if (lua_isnil(L, -1)) {
			lua_pop(L, 1);
			if (f->required) {
				snprintf(why, cap, "field '%s' is missing: %s", f->name, f->what);
				goto bad;
			}
			if (f->type == SKC_INTEGER)
				lbc_set_int(out, f, f->default_from >= 0
					    ? lbc_int_of(out, &rec->fields[f->default_from]) : f->def);
			else if (f->type == SKC_BOOLEAN)
				memcpy((char *)out + f->offset, &(int){ (int)f->def }, sizeof(int));
			continue;
		}
		detail[0] = '\0';
		got = lbc_field(L, f, out, detail, sizeof detail);
		if (got != 1) {
			lua_pop(L, 1);
			snprintf(why, cap, "field '%s': %s", f->name,
				 got < 0 ? "out of memory" : detail[0] != '\0' ? detail : f->what);
			rc = got < 0 ? -2 : -1;
			goto bad;
		}
		lua_pop(L, 1);
	}
	for (i = 0; i < rec->nfields; i++) {
		const struct skc_field *f = &rec->fields[i];
		long long v = f->type == SKC_INTEGER ? lbc_int_of(out, f) : 0, w;

		if (f->at_least >= 0) {
			w = lbc_int_of(out, &rec->fields[f->at_least]);
			if (v >= 0 && w >= 0 && v < w) {
				snprintf(why, cap, "field '%s' (%lld) is below '%s' (%lld)", f->name,
					 v, rec->fields[f->at_least].name, w);
				goto bad;
			}
		}
		if (f->at_most >= 0) {
			w = lbc_int_of(out, &rec->fields[f->at_most]);
			if (v >= 0 && w >= 0 && v > w) {
				snprintf(why, cap, "field '%s' (%lld) is above '%s' (%lld)", f->name,
					 v, rec->fields[f->at_most].name, w);
				goto bad;
			}
		}
	}
	/* keys the contract does not know */
	lua_pushnil(L);
	while (lua_next(L, idx) != 0) {
		const char *k = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : NULL;
		int known = 0;

		for (i = 0; k != NULL && i < rec->nfields; i++)
			if (strcmp(rec->fields[i].name, k) == 0)
				known = 1;
		lua_pop(L, 1);
		if (!known) {
			if (k != NULL)
				snprintf(why, cap, "field '%.64s' is not one of a %s", k, rec->name);
			else
				snprintf(why, cap, "a key that is not a field name");
			lua_pop(L, 1);
			goto bad;
		}
	}
	return 0;
bad:
	lbc_clear(rec, out);
	return rc;
}

/* A record result, or a failure. */
static CK_RV lb_take_record(lua_State *L, struct lb_call *c, const struct skc_record *rec)
{
	char why[160];

	if (lb_result_failed(L))
		return lb_failure(L, c);
	if (lbc_read(L, -2, rec, c->out, why, sizeof why) != 0) {
		lb_malformed(c, why);
		return CKR_FUNCTION_FAILED;
	}
	return CKR_OK;
}

static CK_RV lb_take_token_info(lua_State *L, struct lb_call *c)
{
	return lb_take_record(L, c, &skc_token_info);
}

static CK_RV lb_take_pin_info(lua_State *L, struct lb_call *c)
{
	return lb_take_record(L, c, &skc_pin_info);
}

static CK_RV lb_take_utc_time(lua_State *L, struct lb_call *c)
{
	const char *s;
	size_t len, i;

	if (lb_result_failed(L))
		return lb_failure(L, c);
	if (!lbc_string_ok(L, -2, SKC_UTC_TIME_LEN, SKC_UTC_TIME_LEN, &s, &len)) {
		lb_malformed(c, "expected a string of 16 digits, YYYYMMDDhhmmss00");
		return CKR_FUNCTION_FAILED;
	}
	for (i = 0; i < len; i++)
		if (s[i] < '0' || s[i] > '9') {
			lb_malformed(c, "expected a string of 16 digits, YYYYMMDDhhmmss00");
			return CKR_FUNCTION_FAILED;
		}
	memcpy(c->out, s, SKC_UTC_TIME_LEN);
	return CKR_OK;
}

static CK_RV lb_take_mechanisms(lua_State *L, struct lb_call *c)
{
	struct lb_mechanism *o = c->out;
	struct lb_mechanism_row row;
	const struct skc_function *fn = skc_function("mechanisms");
	size_t max = fn != NULL ? fn->max : 0;
	lua_Integer len, i;
	char why[160], what[200];
	int t;

	if (lb_result_failed(L))
		return lb_failure(L, c);
	if (!lua_istable(L, -2)) {
		lb_malformed(c, "expected a list");
		return CKR_FUNCTION_FAILED;
	}
	t = lua_absindex(L, -2);
	len = (lua_Integer)lua_rawlen(L, t);
	if ((size_t)len > max) {
		snprintf(what, sizeof what, "more than %zu mechanisms", max);
		lb_malformed(c, what);
		return CKR_FUNCTION_FAILED;
	}
	for (i = 1; i <= len; i++) {
		int bad;

		lua_rawgeti(L, t, i);
		bad = lbc_read(L, -1, &skc_mechanism, &row, why, sizeof why);
		lua_pop(L, 1);
		if (bad) {
			snprintf(what, sizeof what, "mechanism %lld: %s", (long long)i, why);
			lb_malformed(c, what);
			return CKR_FUNCTION_FAILED;
		}
		if ((size_t)(i - 1) < c->cap && o != NULL) {
			o[i - 1].type = row.type;
			o[i - 1].info.ulMinKeySize = row.min;
			o[i - 1].info.ulMaxKeySize = row.max;
			o[i - 1].info.flags = row.flags;
			o[i - 1].token_keys = row.token_keys;
		}
	}
	*c->n = (size_t)len;
	return (size_t)len > c->cap ? CKR_BUFFER_TOO_SMALL : CKR_OK;
}

static CK_RV lb_take_string(lua_State *L, struct lb_call *c)
{
	size_t len;
	const char *s;

	if (lb_result_failed(L))
		return lb_failure(L, c);
	if (lua_type(L, -2) != LUA_TSTRING) {
		lb_malformed(c, "expected a string");
		return CKR_FUNCTION_FAILED;
	}
	s = lua_tolstring(L, -2, &len);
	if (c->cap > 0) {
		if (len >= c->cap)
			len = c->cap - 1;
		memcpy(c->out, s, len);
		((char *)c->out)[len] = '\0';
	}
	return CKR_OK;
}

/* The trampoline, run under lua_pcall with the light userdata of the call. [-1, +0, e] */
static int lb_trampoline(lua_State *L)
{
	struct lb_call *c = lua_touserdata(L, 1);
	int nargs = 0;

	lua_settop(L, 0);
	lua_rawgeti(L, LUA_REGISTRYINDEX, c->vm->mod_ref);
	if (lua_getfield(L, 1, c->fn) != LUA_TFUNCTION) {
		if (lua_isnil(L, -1)) {
			/* the contract says what a missing function means (if_missing) */
			const struct skc_function *f = skc_function(c->fn);

			log_msg(LOG_CALLS, "lb: %s: no function %s", c->vm->family, c->fn);
			c->rv = f != NULL ? f->if_missing : c->if_missing;
		} else {
			log_msg(LOG_ERROR, "lb: %s: %s is not a function", c->vm->family, c->fn);
			c->rv = CKR_FUNCTION_FAILED;
		}
		return 0;
	}
	if (c->with_card) {
		lb_card_push(L, c->vm);
		nargs++;
	}
	if (c->push != NULL)
		c->push(L, c, &nargs);
	lua_call(L, nargs, 2);
	c->rv = c->take(L, c);
	return 0;
}

/* Runs one call: lends the card, calls, takes the card back, cleans up. */
static CK_RV lb_run_once(struct lb_vm *vm, const struct lb_card *card, struct lb_call *c)
{
	lua_State *L;
	CK_RV rv = CKR_OK;
	int st;

	if (vm == NULL)
		return CKR_ARGUMENTS_BAD;
	if (vm->L == NULL) {
		rv = lb_start(vm);      /* after a reset */
		if (rv != CKR_OK)
			return rv;
	}
	L = vm->L;
	c->vm = vm;
	c->rv = CKR_FUNCTION_FAILED;
	lua_settop(L, 0);
	lb_budget_start(vm, LB_INSN_BUDGET);
	vm->transmit_rv = CKR_OK;
	vm->card = card;
	vm->card_gen++;
	vm->secret[0] = c->pin;
	vm->secret_len[0] = c->pin != NULL ? c->pin_len : 0;
	vm->secret[1] = c->pin2;
	vm->secret_len[1] = c->pin2 != NULL ? c->pin2_len : 0;
	lua_pushcfunction(L, lb_msgh);
	lua_pushcfunction(L, lb_trampoline);
	lua_pushlightuserdata(L, c);
	st = lua_pcall(L, 1, 0, 1);
	vm->card = NULL;
	vm->card_gen++;
	vm->secret[0] = vm->secret[1] = NULL;
	vm->secret_len[0] = vm->secret_len[1] = 0;
	if (lb_settings_clear(vm))
		c->wipe = 1;    /* the secret's Lua strings go with the call's garbage */
	if (vm->transmit_rv != CKR_OK) {
		rv = vm->transmit_rv;   /* the card failed: that is the answer */
	} else if (st == LUA_OK) {
		rv = c->rv;
	} else {
		rv = CKR_FUNCTION_FAILED;
		if (st == LUA_ERRMEM)
			log_msg(LOG_ERROR, "lb: %s.%s: memory cap of %u bytes exceeded",
				vm->family, c->fn, (unsigned)LB_MEM_CAP);
		else if (vm->abort == LB_ABORT_BUDGET)
			log_msg(LOG_ERROR, "lb: %s.%s: instruction budget exceeded", vm->family,
				c->fn);
		else if (vm->abort == LB_ABORT_TIME)
			log_msg(LOG_ERROR, "lb: %s.%s: time limit of %.1f s exceeded", vm->family,
				c->fn, (double)vm->time_limit_ns / 1e9);
		else
			log_msg(LOG_ERROR, "lb: %s.%s: script error", vm->family, c->fn);
	}
	if (vm->resp_dirty > 0) {
		OPENSSL_cleanse(vm->resp, vm->resp_dirty);
		vm->resp_dirty = 0;
	}
	vm->last_abort = vm->abort;
	lua_settop(L, 0);
	lb_budget_start(vm, LB_INSN_BUDGET);
	/* A call that carried secrets (PINs, plaintext, key values) drops all its garbage
	 * now: the allocator wipes what it frees. Other calls leave theirs to the collector's
	 * own incremental pace (measured: even one explicit step cost a signature as much
	 * as running the script). */
	if (c->pin != NULL || c->pin2 != NULL || c->wipe || st != LUA_OK)
		lua_gc(L, LUA_GCCOLLECT);
	if (st == LUA_ERRMEM && vm->mem_used > vm->mem_cap / 2) {
		log_msg(LOG_ERROR, "lb: %s: script keeps %zu bytes; restarting its VM", vm->family,
			vm->mem_used);
		lb_stop(vm);
	}
	return rv;
}

/* The contract's kind of call (spec/script-contract.yaml): SKC_PRIVATE_KEY, SKC_CHANGE, or
 * SKC_READ (also for a function the contract does not list: eval of the tests). */
static int lb_call_kind(const char *fn)
{
	const struct skc_function *f = skc_function(fn);

	return f != NULL ? f->kind : SKC_READ;
}

/*
 * The login policy around one call: this application's login state decides, not the
 * card's, which another process may have left verified (one that exited logged in without
 * C_Finalize). When nobody is logged in through this application, a private-key operation
 * is refused, and before a change of token objects the card's access rights are reset
 * (drop_rights), so the card allows exactly what it allows without login — a public
 * session's rights, as the standard has them. And when the card has forgotten a login the
 * application still holds (another process logged out), relogin verifies the PIN again
 * and the call runs once more — never a call that carries a PIN itself.
 */
static CK_RV lb_run(struct lb_vm *vm, const struct lb_card *card, struct lb_call *c)
{
	CK_RV rv;

	if (card != NULL && card->public_only) {
		switch (lb_call_kind(c->fn)) {
		case SKC_PRIVATE_KEY:
			log_msg(LOG_CALLS, "lb: %s: nobody is logged in through this application",
				c->fn);
			return CKR_USER_NOT_LOGGED_IN;
		case SKC_CHANGE:
			if (card->drop_rights != NULL) {
				rv = card->drop_rights(card->ctx);
				if (rv != CKR_OK)
					return rv;
			}
			break;
		}
	}
	rv = lb_run_once(vm, card, c);
	if (rv == CKR_USER_NOT_LOGGED_IN && card != NULL && card->relogin != NULL &&
	    c->pin == NULL && c->pin2 == NULL && card->relogin(card->ctx) == CKR_OK)
		rv = lb_run_once(vm, card, c);
	return rv;
}

static void lb_push_user(lua_State *L, struct lb_call *c, int *nargs)
{
	lua_pushinteger(L, (lua_Integer)c->user);
	(*nargs)++;
}

static void lb_push_user_pin(lua_State *L, struct lb_call *c, int *nargs)
{
	lua_pushinteger(L, (lua_Integer)c->user);
	lb_push_pin(L, c->pin, c->pin_len);
	*nargs += 2;
	if (c->name != NULL) {
		lua_pushlstring(L, (const char *)c->name, c->name_len);
		(*nargs)++;
	}
}

static void lb_push_set_pin(lua_State *L, struct lb_call *c, int *nargs)
{
	lua_pushinteger(L, (lua_Integer)c->user);
	lb_push_pin(L, c->pin, c->pin_len);
	lb_push_pin(L, c->pin2, c->pin2_len);
	*nargs += 3;
}

static void lb_push_init_pin(lua_State *L, struct lb_call *c, int *nargs)
{
	lb_push_pin(L, c->pin, c->pin_len);
	lb_push_pin(L, c->pin2, c->pin2_len);      /* the SO PIN, or nil */
	*nargs += 2;
}

static void lb_push_init_token(lua_State *L, struct lb_call *c, int *nargs)
{
	size_t n = 32;

	lb_push_pin(L, c->pin, c->pin_len);
	/* the label without its blank padding */
	while (n > 0 && c->label[n - 1] == ' ')
		n--;
	lua_pushlstring(L, (const char *)c->label, n);
	*nargs += 2;
}

static void lb_push_sarg(lua_State *L, struct lb_call *c, int *nargs)
{
	lua_pushstring(L, c->sarg);
	(*nargs)++;
}

CK_RV lb_token_info(struct lb_vm *vm, const struct lb_card *card, struct lb_token_info *out)
{
	struct lb_call c = { .fn = "token_info", .with_card = 1,
			     .if_missing = CKR_FUNCTION_NOT_SUPPORTED,
			     .take = lb_take_token_info, .out = out };

	return lb_run(vm, card, &c);
}

CK_RV lb_pin_info(struct lb_vm *vm, const struct lb_card *card, CK_USER_TYPE user,
		  struct lb_pin_info *out)
{
	struct lb_call c = { .fn = "pin_info", .with_card = 1,
			     .if_missing = CKR_FUNCTION_NOT_SUPPORTED, .push = lb_push_user,
			     .take = lb_take_pin_info, .user = user, .out = out };
	CK_RV rv;

	rv = lb_run(vm, card, &c);
	if (rv != CKR_OK)
		out->max_tries = out->tries_left = -1;
	return rv;
}

CK_RV lb_login_user(struct lb_vm *vm, const struct lb_card *card, CK_USER_TYPE user,
		    const CK_UTF8CHAR *pin, CK_ULONG len, const CK_UTF8CHAR *name,
		    CK_ULONG name_len)
{
	struct lb_call c = { .fn = "login", .with_card = 1,
			     .if_missing = CKR_FUNCTION_NOT_SUPPORTED, .push = lb_push_user_pin,
			     .take = lb_take_true, .user = user, .pin = pin, .pin_len = len,
			     .name = name, .name_len = name_len };

	return lb_run(vm, card, &c);
}

CK_RV lb_login(struct lb_vm *vm, const struct lb_card *card, CK_USER_TYPE user,
	       const CK_UTF8CHAR *pin, CK_ULONG len)
{
	return lb_login_user(vm, card, user, pin, len, NULL, 0);
}

CK_RV lb_utc_time(struct lb_vm *vm, const struct lb_card *card, CK_CHAR out[SKC_UTC_TIME_LEN])
{
	struct lb_call c = { .fn = "utc_time", .with_card = 1,
			     .if_missing = CKR_FUNCTION_NOT_SUPPORTED,
			     .take = lb_take_utc_time, .out = out };

	return lb_run(vm, card, &c);
}

CK_RV lb_logout(struct lb_vm *vm, const struct lb_card *card)
{
	struct lb_call c = { .fn = "logout", .with_card = 1, .if_missing = CKR_OK,
			     .take = lb_take_true };

	return lb_run(vm, card, &c);
}

CK_RV lb_set_pin(struct lb_vm *vm, const struct lb_card *card, CK_USER_TYPE user,
		 const CK_UTF8CHAR *old_pin, CK_ULONG old_len, const CK_UTF8CHAR *new_pin,
		 CK_ULONG new_len)
{
	struct lb_call c = { .fn = "set_pin", .with_card = 1,
			     .if_missing = CKR_FUNCTION_NOT_SUPPORTED, .push = lb_push_set_pin,
			     .take = lb_take_true, .user = user, .pin = old_pin,
			     .pin_len = old_len, .pin2 = new_pin, .pin2_len = new_len };

	return lb_run(vm, card, &c);
}

CK_RV lb_init_pin(struct lb_vm *vm, const struct lb_card *card, const CK_UTF8CHAR *pin,
		  CK_ULONG len)
{
	return lb_init_pin_so(vm, card, pin, len, NULL, 0);
}

CK_RV lb_init_pin_so(struct lb_vm *vm, const struct lb_card *card, const CK_UTF8CHAR *pin,
		     CK_ULONG len, const CK_UTF8CHAR *so_pin, CK_ULONG so_len)
{
	struct lb_call c = { .fn = "init_pin", .with_card = 1,
			     .if_missing = CKR_FUNCTION_NOT_SUPPORTED, .push = lb_push_init_pin,
			     .take = lb_take_true, .pin = pin, .pin_len = len, .pin2 = so_pin,
			     .pin2_len = so_len };

	return lb_run(vm, card, &c);
}

CK_RV lb_init_token(struct lb_vm *vm, const struct lb_card *card, const CK_UTF8CHAR *so_pin,
		    CK_ULONG len, const CK_UTF8CHAR *label)
{
	struct lb_call c = { .fn = "init_token", .with_card = 1,
			     .if_missing = CKR_FUNCTION_NOT_SUPPORTED,
			     .push = lb_push_init_token, .take = lb_take_true, .pin = so_pin,
			     .pin_len = len, .label = label };

	if (label == NULL)
		return CKR_ARGUMENTS_BAD;
	return lb_run(vm, card, &c);
}

CK_RV lb_mechanisms(struct lb_vm *vm, const struct lb_card *card, struct lb_mechanism *out,
		    size_t *n)
{
	struct lb_call c = { .fn = "mechanisms", .with_card = 1, .if_missing = CKR_OK,
			     .take = lb_take_mechanisms, .out = out, .n = n, .cap = *n };
	CK_RV rv;

	*n = 0;
	rv = lb_run(vm, card, &c);
	if (rv != CKR_OK && rv != CKR_BUFFER_TOO_SMALL)
		*n = 0;
	return rv;
}

static void lb_push_invoke(lua_State *L, struct lb_call *c, int *nargs)
{
	if (c->inv->push != NULL)
		*nargs += c->inv->push(L, c->inv->ud);
}

static CK_RV lb_take_invoke(lua_State *L, struct lb_call *c)
{
	return c->inv->take(L, c->inv->ud);
}

CK_RV lb_invoke(struct lb_vm *vm, const struct lb_card *card, const struct lb_invoke *inv)
{
	struct lb_call c = { .fn = inv->fn, .with_card = 1, .if_missing = inv->if_missing,
			     .push = lb_push_invoke, .take = lb_take_invoke, .inv = inv,
			     .pin = inv->secret[0], .pin_len = inv->secret_len[0],
			     .pin2 = inv->secret[1], .pin2_len = inv->secret_len[1],
			     .wipe = inv->wipe };

	return lb_run(vm, card, &c);
}

CK_RV lb_call_string(struct lb_vm *vm, const struct lb_card *card, const char *fn,
		     const char *arg, char *out, size_t cap)
{
	struct lb_call c = { .fn = fn, .with_card = 1,
			     .if_missing = CKR_FUNCTION_NOT_SUPPORTED, .push = lb_push_sarg,
			     .take = lb_take_string, .sarg = arg, .out = out, .cap = cap };

	if (cap > 0)
		out[0] = '\0';
	return lb_run(vm, card, &c);
}

/* --- where scripts live ----------------------------------------------------------- */

static atomic_int lb_dir_warned;

const char *lb_scripts_dir_into(char *buf, size_t cap)
{
	char origin[4200];
	const char *dir = SK_SCRIPTS_DIR;
	struct stat st;

	if (conf_lookup("scripts", buf, cap, origin, sizeof origin))
		dir = buf;
	else
		snprintf(origin, sizeof origin, "the built-in default");
	/* a missing folder would otherwise show only as "token not recognized" */
	if ((stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) && atomic_exchange(&lb_dir_warned, 1) == 0)
		conf_warn("the scripts folder %.1000s (from %.1000s) is missing; no card can be "
			  "recognised", dir, origin);
	if (dir != buf)
		snprintf(buf, cap, "%s", dir);
	return buf;
}

const char *lb_scripts_dir(void)
{
	/* one buffer for the process (not a thread-local: the module's static TLS stays
	 * small, util.h's UTIL_TLS_HOT); the module itself uses lb_scripts_dir_into */
	static char buf[4096];

	return lb_scripts_dir_into(buf, sizeof buf);
}

const char *lb_default_scripts_dir(void)
{
	return SK_SCRIPTS_DIR;
}
