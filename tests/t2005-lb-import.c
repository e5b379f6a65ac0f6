/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t2005 — import(name): only [a-z0-9_/] names inside the scripts folder, only text
 * chunks, each run once per VM, each with its own _ENV.
 */
#include "lb/lb_test.h"

#include <lauxlib.h>
#include <lualib.h>

static const char eval_family[] =
	"-- SPDX-License-Identifier: BSD-2-Clause\n"
	"local M = {}\n"
	"function M.eval(card, code)\n"
	"  return assert(load(code, '=eval', 't', setmetatable({ M = M }, { __index = _ENV })))()\n"
	"end\n"
	"return M\n";

struct chunk {
	char buf[4096];
	size_t len;
};

static int writer(lua_State *L, const void *p, size_t sz, void *ud)
{
	struct chunk *c = ud;

	if (sz > sizeof c->buf - c->len)
		return 1;
	memcpy(c->buf + c->len, p, sz);
	c->len += sz;
	return 0;
}

/* A real binary chunk of this Lua, written as lib/binary.lua. */
static void put_binary_chunk(void)
{
	lua_State *L = luaL_newstate();
	static struct chunk c;

	luaL_loadstring(L, "return 'from a binary chunk'");
	if (lua_dump(L, writer, &c, 1) != 0 || c.len < 4 || c.buf[0] != 0x1B)
		diag("lua_dump failed");
	put("lib/binary.lua", c.buf, c.len);
	lua_close(L);
}

int main(void)
{
	static const char *const bad[] = {
		"../probe/token", "lib/../probe/token", "/etc/passwd", "lib//probe_util",
		"lib/", "Lib/probe_util", "lib/probe_util.lua", "", "lib/probe util",
		"lib\\\\probe_util", "./lib/probe_util", "lib/.hidden", "lib/a-b",
	};
	struct fake f = { 0 };
	struct lb_vm *vm = open_probe(), *tvm = NULL;
	char code[256], *big;
	size_t i;

	is_eval(vm, &f, "local a = import('lib/probe_util') local b = import('lib/probe_util')\n"
			"return tostring(rawequal(a, b)) .. ' ' .. _G.probe_util_runs",
		"true 1", "an import runs once per VM and returns the same value");
	is_eval(vm, &f, "return type(import('lib/probe_util').apdu)", "function",
		"the value is what the script returned");
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		snprintf(code, sizeof code, "local ok, e = pcall(import, '%s')\n"
			 "return tostring(ok) .. ' ' .. tostring(e:find('a script name') ~= nil)",
			 bad[i]);
		is_eval(vm, &f, code, "false true", "import('%s') is refused by name", bad[i]);
	}
	is_eval(vm, &f, "return tostring(pcall(import, 123))", "false",
		"a number is not a script name");
	is_eval(vm, &f, "return tostring(pcall(import))", "false", "import() without a name");
	is_eval(vm, &f, "local ok, e = pcall(import, 'lib/no_such_script')\n"
			"return tostring(ok) .. ' ' .. tostring(e:find('no such script') ~= nil)",
		"false true", "a missing script");

	/* a scripts folder of our own */
	make_tmp_dir();
	put_str("t/token.lua", eval_family);
	put_binary_chunk();
	put_str("lib/nothing.lua", "-- SPDX-License-Identifier: BSD-2-Clause\nlocal x = 1\n");
	put_str("lib/self.lua", "-- SPDX-License-Identifier: BSD-2-Clause\n"
				"return import('lib/self')\n");
	put_str("lib/fails.lua", "-- SPDX-License-Identifier: BSD-2-Clause\nerror('no')\n");
	put_str("lib/syntax.lua", "-- SPDX-License-Identifier: BSD-2-Clause\nreturn {\n");
	put_str("lib/sub/deep.lua", "-- SPDX-License-Identifier: BSD-2-Clause\nreturn 'deep'\n");
	big = malloc(LB_SCRIPT_MAX + 100);
	memset(big, ' ', LB_SCRIPT_MAX + 100);
	memcpy(big, "return 1 --", 11);
	put("lib/big.lua", big, LB_SCRIPT_MAX + 100);
	free(big);
	{
		char dirpath[512];

		snprintf(dirpath, sizeof dirpath, "%s/lib/adir.lua", tmp_dir);
		mkdir(dirpath, 0700);
	}
	is_rv(lb_open(tmp_dir, "t", &tvm), CKR_OK, "a family of a temporary folder");
	if (tvm == NULL) {
		rm_tmp_dir();
		return done_testing();
	}
	is_eval(tvm, &f, "local ok, e = pcall(import, 'lib/binary')\n"
			 "return tostring(ok) .. ' ' .. tostring(e:find('binary') ~= nil)",
		"false true", "a binary chunk named .lua is refused");
	is_eval(tvm, &f, "return tostring(import('lib/nothing'))", "true",
		"a script that returns nothing gives true");
	is_eval(tvm, &f, "local ok, e = pcall(import, 'lib/self')\n"
			 "return tostring(ok) .. ' ' .. tostring(e:find('imports itself') ~= nil)",
		"false true", "a script importing itself fails, without a hang");
	is_eval(tvm, &f, "return tostring(pcall(import, 'lib/fails'))", "false",
		"a script that raises");
	is_eval(tvm, &f, "return tostring(pcall(import, 'lib/fails'))", "false",
		"... still fails the second time");
	is_eval(tvm, &f, "return tostring(pcall(import, 'lib/syntax'))", "false",
		"a syntax error");
	is_eval(tvm, &f, "return import('lib/sub/deep')", "deep", "a script in a subfolder");
	is_eval(tvm, &f, "local ok, e = pcall(import, 'lib/big')\n"
			 "return tostring(ok) .. ' ' .. tostring(e:find('larger') ~= nil)",
		"false true", "a script larger than LB_SCRIPT_MAX is refused");
	is_eval(tvm, &f, "return tostring(pcall(import, 'lib/adir'))", "false",
		"a folder named .lua is not a script");
	lb_close(tvm);

	/* lb_open's own checks */
	tvm = NULL;
	is_rv(lb_open(tmp_dir, "../t", &tvm), CKR_ARGUMENTS_BAD, "lb_open: a family with ..");
	is_rv(lb_open(tmp_dir, "lib/sub", &tvm), CKR_ARGUMENTS_BAD, "lb_open: a family with /");
	is_rv(lb_open(tmp_dir, "missing", &tvm), CKR_FUNCTION_FAILED, "lb_open: no such family");
	put_str("notable/token.lua", "-- SPDX-License-Identifier: BSD-2-Clause\nreturn 5\n");
	is_rv(lb_open(tmp_dir, "notable", &tvm), CKR_FUNCTION_FAILED,
	      "lb_open: a token.lua that returns no table");
	ok(tvm == NULL, "... and no VM");
	rm_tmp_dir();
	lb_close(vm);
	return done_testing();
}
