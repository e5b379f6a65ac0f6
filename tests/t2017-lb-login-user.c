/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t2017 — the login arguments of the contract: lb_login_user passes C_LoginUser's name to
 * the script's login as its fourth argument (bytes as given, NUL bytes included), lb_login
 * passes none (login sees three arguments, username nil), and a protected authentication
 * path's NULL PIN arrives as nil; the script's answer is taken as for any login, and a
 * malformed one (a table) is CKR_FUNCTION_FAILED.
 */
#include "lb/lb_test.h"

static struct lb_vm *vm;
static struct fake fk;

/* login records what it got in M.seen, returns true */
static const char *const record =
	"M.login = function(...) "
	"  local card, user, pin, username = ... "
	"  M.seen = string.format('%d user=%d pin=%s name=%s', select('#', ...), "
	"user, pin == nil and 'nil' or #pin .. ' bytes', "
	"username == nil and 'nil' or string.format('%q', username)) "
	"  return true "
	"end return 'ok'";

int main(void)
{
	struct lb_card c;

	vm = open_probe();
	c = fake_card(&fk);
	is_eval(vm, &fk, record, "ok", "a login that records its arguments");

	is_rv(lb_login(vm, &c, CKU_USER, (const CK_UTF8CHAR *)"1234", 4), CKR_OK, "lb_login");
	is_eval(vm, &fk, "return M.seen", "3 user=1 pin=4 bytes name=nil",
		"... card, user and PIN; no name");
	is_rv(lb_login_user(vm, &c, CKU_USER, (const CK_UTF8CHAR *)"123456", 6,
			    (const CK_UTF8CHAR *)"alice", 5), CKR_OK, "lb_login_user with alice");
	is_eval(vm, &fk, "return M.seen", "4 user=1 pin=6 bytes name=\"alice\"",
		"... the name as the fourth argument");
	is_rv(lb_login_user(vm, &c, CKU_SO, (const CK_UTF8CHAR *)"12345678", 8,
			    (const CK_UTF8CHAR *)"a\0b", 3), CKR_OK, "a name with a NUL byte");
	is_eval(vm, &fk, "return M.seen", "4 user=0 pin=8 bytes name=\"a\\0b\"",
		"... passed as its bytes");
	is_rv(lb_login_user(vm, &c, CKU_USER, NULL, 0, (const CK_UTF8CHAR *)"bob", 3), CKR_OK,
	      "a protected authentication path with a name");
	is_eval(vm, &fk, "return M.seen", "4 user=1 pin=nil name=\"bob\"",
		"... the PIN is nil");
	is_rv(lb_login_user(vm, &c, CKU_USER, (const CK_UTF8CHAR *)"1234", 4, NULL, 0), CKR_OK,
	      "lb_login_user without a name");
	is_eval(vm, &fk, "return M.seen", "3 user=1 pin=4 bytes name=nil", "... as lb_login");

	is_eval(vm, &fk, "M.login = function(card, user, pin, username) "
			 "if username ~= 'alice' then return nil, 'CKR_PIN_INCORRECT' end "
			 "return true end return 'ok'", "ok", "a login that knows alice only");
	is_rv(lb_login_user(vm, &c, CKU_USER, (const CK_UTF8CHAR *)"1234", 4,
			    (const CK_UTF8CHAR *)"mallory", 7), CKR_PIN_INCORRECT,
	      "another name: the script's CKR_PIN_INCORRECT");
	is_eval(vm, &fk, "M.login = function() return { ok = true } end return 'ok'", "ok",
		"a login answering a table");
	is_rv(lb_login_user(vm, &c, CKU_USER, (const CK_UTF8CHAR *)"1234", 4,
			    (const CK_UTF8CHAR *)"alice", 5), CKR_FUNCTION_FAILED,
	      "... CKR_FUNCTION_FAILED");
	lb_close(vm);
	return done_testing();
}
