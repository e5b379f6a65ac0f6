/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t2002 — the caps of a VM: memory (LB_MEM_CAP) and instructions (LB_INSN_BUDGET per
 * call). A script that exceeds them fails its call cleanly, cannot swallow the failure
 * with pcall, and leaves a VM that answers the next call.
 */
#include "lb/lb_test.h"

#include <time.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(void)
{
	struct fake f = { 0 };
	struct lb_vm *vm = open_probe(), *vm2 = NULL;
	double t0;
	CK_RV rv;

	ok(vm->mem_used > 0 && vm->mem_used < LB_MEM_CAP / 4,
	   "a fresh VM uses %zu bytes, well under the cap", vm->mem_used);

	/* memory */
	is_rv(eval(vm, &f, "local t = {} for i = 1, 1e9 do t[i] = ('x'):rep(1000) .. i end"),
	      CKR_FUNCTION_FAILED, "a script allocating without bound fails");
	ok(vm->mem_used <= LB_MEM_CAP, "the heap stayed under the cap (%zu bytes)", vm->mem_used);
	is_eval(vm, &f, "return 'alive'", "alive", "the VM answers the next call");
	is_rv(eval(vm, &f, "return ('x'):rep(1 << 30)"), CKR_FUNCTION_FAILED,
	      "one allocation over the cap fails");
	is_rv(eval(vm, &f,
		   "for i = 1, 50 do pcall(function() local t = {}\n"
		   "  for j = 1, 1e9 do t[j] = ('y'):rep(100) .. j end end) end\n"
		   "return 'swallowed'"),
	      CKR_FUNCTION_FAILED, "pcall cannot swallow the memory cap");
	is_rv(eval(vm, &f, "M.hog = {} for i = 1, 1e9 do M.hog[i] = ('z'):rep(500) .. i end"),
	      CKR_FUNCTION_FAILED, "a script keeping its garbage in the module fails");
	ok(vm->L == NULL || vm->mem_used < LB_MEM_CAP / 2,
	   "... and its VM is restarted rather than left full");
	is_eval(vm, &f, "return type(M.hog)", "nil", "the restarted VM runs a fresh token.lua");
	is_eval(vm, &f, "return bytes.hex('\\1\\2')", "0102", "... with its libraries");

	/* instructions */
	t0 = now();
	is_rv(eval(vm, &f, "while true do end"), CKR_FUNCTION_FAILED, "an endless loop fails");
	ok(now() - t0 < 20, "... within %.1f s", now() - t0);
	is_eval(vm, &f, "return 'alive'", "alive", "the VM answers the next call");
	is_rv(eval(vm, &f, "while true do pcall(function() while true do end end) end"),
	      CKR_FUNCTION_FAILED, "pcall cannot swallow the instruction budget");
	is_rv(eval(vm, &f, "while true do xpcall(function() while true do end end,\n"
			   "  function() while true do end end) end"),
	      CKR_FUNCTION_FAILED, "nor xpcall with an endless handler");
	is_rv(eval(vm, &f, "local function r() return r() end return r()"),
	      CKR_FUNCTION_FAILED, "endless tail calls fail");
	is_rv(eval(vm, &f, "local function r() return 1 + r() end return r()"),
	      CKR_FUNCTION_FAILED, "endless recursion fails (stack overflow)");
	is_eval(vm, &f, "return tostring(pcall(setmetatable, {},\n"
			"  { __gc = function() while true do end end }))", "false",
		"no finalizers: Lua would run them without the budget");
	is_eval(vm, &f, "local mt = {} local t = setmetatable({}, mt)\n"
			"mt.__gc = function() while true do end end t = nil return 'late'", "late",
		"a __gc added later is not a finalizer (Lua marks at setmetatable)");
	is_eval(vm, &f, "return getmetatable(setmetatable({}, { __index = { x = 'mt' } })).__index.x",
		"mt", "setmetatable still works");
	is_eval(vm, &f, "for i = 1, 6e7 do end return 'a'", "a",
		"60 million instructions fit one call");
	is_eval(vm, &f, "for i = 1, 6e7 do end return 'b'", "b",
		"... and the budget is per call");

	/* a family whose token.lua never returns */
	make_tmp_dir();
	put_str("spin/token.lua", "-- SPDX-License-Identifier: BSD-2-Clause\nwhile true do end\n");
	put_str("fat/token.lua", "-- SPDX-License-Identifier: BSD-2-Clause\n"
				 "local t = {} for i = 1, 1e9 do t[i] = ('q'):rep(99) .. i end\n");
	rv = lb_open(tmp_dir, "spin", &vm2);
	ok(rv != CKR_OK && vm2 == NULL, "a token.lua that loops fails lb_open (%s)",
	   sk_rv_name(rv));
	rv = lb_open(tmp_dir, "fat", &vm2);
	ok(rv != CKR_OK && vm2 == NULL, "a token.lua that eats memory fails lb_open (%s)",
	   sk_rv_name(rv));
	rm_tmp_dir();

	lb_close(vm);
	return done_testing();
}
