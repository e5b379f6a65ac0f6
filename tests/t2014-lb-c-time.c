/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t2014 — time spent inside one C function is bounded too: a backtracking pattern, a
 * quadratic concatenation, an empty string repeated for ever, a front insert loop, and a
 * call that runs past the wall-clock limit all fail their call quickly with
 * CKR_FUNCTION_FAILED, and the VM answers the next call. The everyday uses of the same
 * functions (the token scripts' own patterns) still work.
 *
 * Each case runs under an alarm: without the charges, a case takes minutes and the
 * alarm ends the test as a failure instead of letting it hang.
 */
#include "lb/lb_test.h"

#include <signal.h>
#include <time.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* One pathological call: fails with CKR_FUNCTION_FAILED within limit seconds. */
static void fails_fast(struct lb_vm *vm, struct fake *f, const char *code, double limit,
		       const char *what)
{
	double t0 = now(), dt;
	CK_RV rv;

	alarm(120);
	rv = eval(vm, f, code);
	dt = now() - t0;
	alarm(0);
	is_rv(rv, CKR_FUNCTION_FAILED, "%s fails", what);
	ok(dt < limit, "... within %.2f s (limit %.0f s)", dt, limit);
	is_eval(vm, f, "return 'alive'", "alive", "... and the VM answers the next call");
}

int main(void)
{
	struct fake f = { 0 };
	struct lb_vm *vm, *quick = NULL;
	double t0, dt;
	CK_RV rv;

	setenv("SCRIPTOKI_SCRIPT_TIMEOUT", "30", 1);
	vm = open_probe();

	/* string patterns: the matcher runs in C, where the count hook never fires */
	fails_fast(vm, &f, "local s = ('a'):rep(30000)\n"
			   "return tostring(s:find('.-.-.-.-b'))", 10,
		   "a backtracking string.find on 30000 bytes");
	fails_fast(vm, &f, "local s = ('a'):rep(20000)\n"
			   "return tostring(s:match('(a*)*(a*)*b'))", 10,
		   "a nested-quantifier string.match");
	fails_fast(vm, &f, "local s = ('a'):rep(20000)\n"
			   "return (s:gsub('a-a-a-a-b', 'x'))", 10, "a backtracking string.gsub");
	fails_fast(vm, &f, "local s = ('ab'):rep(10000)\n"
			   "for w in s:gmatch('.-.-.-c') do return w end return 'none'", 10,
		   "a backtracking string.gmatch");
	fails_fast(vm, &f, "local s = ('a'):rep(4000000)\n"
			   "return tostring(s:find(('a'):rep(2000000) .. 'b', 1, true))", 10,
		   "a plain string.find whose needle almost matches everywhere");

	/* bytes copied: a quadratic concatenation is few instructions and little live memory */
	fails_fast(vm, &f, "local s = ''\n"
			   "for i = 1, 200000 do s = s .. 'xxxxxxxxxx' end return #s", 10,
		   "a quadratic .. concatenation");
	fails_fast(vm, &f, "local t = {}\n"
			   "for i = 1, 200000 do t[1] = table.concat({ t[1] or '', 'xxxxxxxxxx' }) end\n"
			   "return #t[1]", 10, "a quadratic table.concat");
	fails_fast(vm, &f, "local s = ''\n"
			   "for i = 1, 200000 do s = string.format('%s%s', s, 'xxxxxxxxxx') end\n"
			   "return #s", 10, "a quadratic string.format");
	fails_fast(vm, &f, "return #(('' ):rep(1e15))", 10,
		   "string.rep of an empty string 10^15 times");
	fails_fast(vm, &f, "local t = {}\n"
			   "for i = 1, 300000 do table.insert(t, 1, i) end return #t", 10,
		   "a front table.insert loop");
	fails_fast(vm, &f, "return tostring(table.move({}, 1, 1e13, 2))", 10,
		   "a table.move of 10^13 empty slots");

	/* what the token scripts do with the same functions still works */
	is_eval(vm, &f, "return (('41 42 43'):gsub('%s', ''))", "414243", "gsub('%%s', '')");
	is_eval(vm, &f, "return select(1, ('label  \\0\\0'):gsub('[ \\0]+$', ''))", "label",
		"gsub('[ \\0]+$', '')");
	is_eval(vm, &f, "local k, h = ('prk:3f00aa'):match('^(%a+):(%x+)$') return k .. h",
		"prk3f00aa", "match('^(%%a+):(%%x+)$')");
	is_eval(vm, &f, "local h = ('00'):rep(2048) .. '01'\n"
			"return tostring(#(h:gsub('..', function(x) return string.char(tonumber(x, 16)) end)))",
		"2049", "gsub('..', f) on 4 KiB of hex");
	is_eval(vm, &f, "local t = {} for i = 1, 10000 do t[#t + 1] = string.format('%02X', i % 256) end\n"
			"return tostring(#table.concat(t))", "20000", "10000 string.format and a concat");
	is_eval(vm, &f, "local s = ('\\0'):rep(400) .. '\\1' return tostring(#s:gsub('^%z+', ''))",
		"1", "gsub('^%%z+', '') on 401 bytes");

	is_eval(vm, &f, "local args = {} for i = 1, 9 do args[i] = 'MODULUS=x:' .. ('AB'):rep(260) end\n"
			"local s, n = table.concat(args, ','), 0\n"
			"for k = 1, 10 do for fld in s:gmatch('[^,]+') do\n"
			"  local name, v = fld:match('^(%u[%u%d_]*)=(.*)$') if name then n = n + 1 end\n"
			"end end return tostring(n)", "90",
		"a test family's parsing: 10 x gmatch('[^,]+') on 4.8 KB, and 90 anchored matches");

	/* the wall-clock limit: a VM opened with 0.2 s fails a long call by time, first */
	setenv("SCRIPTOKI_SCRIPT_TIMEOUT", "0.2", 1);
	rv = lb_open(LB_SCRIPTS, "probe", &quick);
	ok(rv == CKR_OK && quick != NULL, "a VM with a 0.2 s limit opens");
	if (quick != NULL) {
		alarm(120);
		t0 = now();
		rv = eval(quick, &f, "while true do end");
		dt = now() - t0;
		alarm(0);
		is_rv(rv, CKR_FUNCTION_FAILED, "an endless loop fails");
		ok(quick->last_abort == LB_ABORT_TIME, "... by the wall-clock limit (abort %d)",
		   quick->last_abort);
		ok(dt >= 0.19 && dt < 5, "... after %.2f s", dt);
		is_eval(quick, &f, "for i = 1, 1e5 do end return 'alive'", "alive",
			"the VM answers the next call (the limit is per call)");
	}
	lb_close(quick);
	unsetenv("SCRIPTOKI_SCRIPT_TIMEOUT");

	lb_close(vm);
	return done_testing();
}
