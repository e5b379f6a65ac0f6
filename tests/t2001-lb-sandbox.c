/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t2001 — the Lua sandbox: only base (trimmed), string, table, math, utf8 and Scriptoki's
 * libraries; no binary chunks; one _ENV per chunk; print never reaches standard output.
 */
#include "lb/lb_test.h"

int main(void)
{
	static const char *const absent[] = {
		"io", "os", "package", "debug", "require", "dofile", "loadfile",
		"collectgarbage", "coroutine", "warn", "module", "setfenv", "loadstring",
	};
	static const char *const present[] = {
		"string", "table", "math", "utf8", "bytes", "der", "crypto", "log", "import",
		"CKR", "CKM", "CKA", "CKK", "CKO", "CKU", "CKF", "pcall", "load",
	};
	struct fake f = { 0 };
	struct lb_vm *vm = open_probe();
	char code[128];
	size_t i;

	for (i = 0; i < sizeof absent / sizeof absent[0]; i++) {
		snprintf(code, sizeof code, "return type(%s)", absent[i]);
		is_eval(vm, &f, code, "nil", "%s is absent", absent[i]);
		snprintf(code, sizeof code, "return type(rawget(_G, '%s'))", absent[i]);
		is_eval(vm, &f, code, "nil", "%s is absent from _G", absent[i]);
	}
	for (i = 0; i < sizeof present / sizeof present[0]; i++) {
		snprintf(code, sizeof code, "return type(%s) ~= 'nil' and 'yes' or 'no'",
			 present[i]);
		is_eval(vm, &f, code, "yes", "%s is there", present[i]);
	}

	/* binary chunks: string.dump works, but nothing loads its output */
	is_eval(vm, &f,
		"local bin = string.dump(function() return 1 end)\n"
		"local f1, e1 = load(bin)\n"
		"local f2, e2 = load(bin, 'x', 'b')\n"
		"local f3, e3 = load(bin, 'x', 'bt', {})\n"
		"return tostring(f1 or f2 or f3) .. ' ' .. tostring(e1:find('binary') and\n"
		"  e2:find('binary') and e3:find('binary') and true)",
		"nil true", "load refuses binary chunks in every mode");
	is_eval(vm, &f,
		"local parts = { string.dump(function() return 1 end), '' }\n"
		"local f, e = load(function() return table.remove(parts, 1) end)\n"
		"return tostring(f) .. ' ' .. tostring(e ~= nil and e:find('binary') ~= nil)",
		"nil true", "load refuses a binary chunk from a reader function");
	is_eval(vm, &f, "return tostring(load('return 6 * 7')())", "42", "load of text works");
	is_eval(vm, &f, "return tostring(load('return x', 'c', 't', { x = 'env' })())", "env",
		"load with an explicit env");

	/* one environment per chunk */
	is_eval(vm, &f, "load('leak = 1')() return tostring(rawget(_G, 'leak'))", "nil",
		"a loaded chunk without env does not write the shared globals");
	is_eval(vm, &f, "import('lib/probe_util') return tostring(private_global)", "nil",
		"an imported script's globals stay in its own _ENV");
	is_eval(vm, &f, "return tostring(rawget(_G, 'private_global'))", "nil",
		"... and out of _G");
	is_eval(vm, &f, "return tostring(_G.probe_util_runs)", "1",
		"a script may share a value through _G on purpose");

	/* print goes to the debug log: a TAP line printed here would fail this test */
	is_eval(vm, &f, "print('not ok 999 - print reached standard output') return 'quiet'",
		"quiet", "print does not write to standard output");
	is_eval(vm, &f, "log.debug('%s %d', 'x', 1) log.error('e') return 'logged'", "logged",
		"log.debug and log.error");

	/* pcall and xpcall still work for ordinary errors */
	is_eval(vm, &f, "local ok, e = pcall(error, 'boom', 0) return tostring(ok) .. e",
		"falseboom", "pcall catches an ordinary error");
	is_eval(vm, &f, "return select('#', pcall(function() return 1, 2, 3 end)) .. ''", "4",
		"pcall returns every result");
	is_eval(vm, &f,
		"local ok, e = xpcall(function(a) error(a .. '!', 0) end,\n"
		"  function(m) return 'handled ' .. m end, 'x')\n"
		"return tostring(ok) .. ' ' .. e", "false handled x!", "xpcall runs its handler");
	is_eval(vm, &f,
		"local r = table.pack(xpcall(function(a, b) return a + b, 'z' end, print, 2, 3))\n"
		"return tostring(r[1]) .. r[2] .. r[3] .. r.n", "true5z3",
		"xpcall passes arguments and returns every result");
	is_eval(vm, &f, "return tostring(pcall(pcall))", "false", "pcall() without a function raises");

	/* the constant tables cannot be changed */
	is_eval(vm, &f, "return tostring(pcall(function() CKR.OK = 5 end)) .. CKR.OK", "false0",
		"constant tables are read-only");

	/* the string metatable exists (methods) but offers nothing dangerous */
	is_eval(vm, &f, "return ('%d'):format(7) .. type(getmetatable('').__index.dump)", "7function",
		"string methods work");

	lb_close(vm);
	return done_testing();
}
