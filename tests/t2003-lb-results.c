/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t2003 — what a script's results become: true / tables / lists for success, nil and a
 * CKR name (or value) for a specific failure, CKR_FUNCTION_FAILED for errors and for
 * anything malformed; the arguments a script receives.
 */
#include "lb/lb_test.h"

#include <lauxlib.h>

static struct lb_vm *vm;
static struct fake f;

/* Replaces M.<fn> of the probe family for the next calls. */
static void set_fn(const char *fn, const char *body)
{
	char code[1024];

	snprintf(code, sizeof code, "M.%s = %s return 'set'", fn, body);
	if (eval(vm, &f, code) != CKR_OK || strcmp(eval_out, "set") != 0)
		diag("could not set M.%s", fn);
}

/* lb_invoke: push a code string for eval, take its string result */
static int push_code(lua_State *L, void *ud)
{
	lua_pushstring(L, ud);
	return 1;
}

static char took[64];

static CK_RV take_string(lua_State *L, void *ud)
{
	if (lb_result_failed(L))
		return lb_failure_rv(L, "eval");
	snprintf(took, sizeof took, "%s", lua_tostring(L, -2) ? lua_tostring(L, -2) : "?");
	return CKR_OK;
}

static CK_RV token_info_with(const char *ret, struct lb_token_info *ti)
{
	char body[512];
	struct lb_card c = fake_card(&f);

	snprintf(body, sizeof body, "function(card) return %s end", ret);
	set_fn("token_info", body);
	return lb_token_info(vm, &c, ti);
}

int main(void)
{
	struct lb_card card;
	struct lb_token_info ti;
	struct lb_pin_info pi;
	struct lb_mechanism m[4];
	size_t n;
	CK_UTF8CHAR label[32];
	static const uint8_t serial_answer[] = { 0x12, 0x34, 0x90, 0x00 };
	static const uint8_t verify_1234[] = { 0x00, 0x20, 0x00, 0x02, 0x04, '1', '2', '3', '4' };

	vm = open_probe();
	card = fake_card(&f);

	/* --- failures named by the script -------------------------------------------- */
	is_rv(eval(vm, &f, "error('boom')"), CKR_FUNCTION_FAILED, "a script error");
	is_rv(eval(vm, &f, "error({})"), CKR_FUNCTION_FAILED, "an error object that is a table");
	is_rv(eval(vm, &f, "error(setmetatable({}, { __tostring = function() error('x') end }))"),
	      CKR_FUNCTION_FAILED, "an error object whose __tostring fails");
	is_rv(eval(vm, &f, "return nil, 'CKR_PIN_INCORRECT'"), CKR_PIN_INCORRECT,
	      "nil, \"CKR_PIN_INCORRECT\"");
	is_rv(eval(vm, &f, "return false, 'CKR_TOKEN_WRITE_PROTECTED'"),
	      CKR_TOKEN_WRITE_PROTECTED, "false, a name");
	is_rv(eval(vm, &f, "return nil, CKR.PIN_LOCKED"), CKR_PIN_LOCKED, "nil, CKR.PIN_LOCKED");
	is_rv(eval(vm, &f, "return nil, 'CKR_NO_SUCH_THING'"), CKR_FUNCTION_FAILED,
	      "an unknown CKR name");
	is_rv(eval(vm, &f, "return nil, 'PIN_INCORRECT'"), CKR_FUNCTION_FAILED,
	      "a name without its CKR_ prefix");
	is_rv(eval(vm, &f, "return nil, 'CKA_LABEL'"), CKR_FUNCTION_FAILED,
	      "a name of another family");
	is_rv(eval(vm, &f, "return nil, 'CKR_OK'"), CKR_FUNCTION_FAILED, "a failure with CKR_OK");
	is_rv(eval(vm, &f, "return nil"), CKR_FUNCTION_FAILED, "nil without a name");
	is_rv(eval(vm, &f, "return nil, {}"), CKR_FUNCTION_FAILED, "nil with a table");
	is_rv(eval(vm, &f, "return nil, -5"), CKR_FUNCTION_FAILED, "nil with a negative number");

	/* --- token_info ------------------------------------------------------------------ */
	memcpy(f.answer, serial_answer, sizeof serial_answer);
	f.answer_len = sizeof serial_answer;
	is_rv(lb_token_info(vm, &card, &ti), CKR_OK, "token_info of the probe family");
	is_str(ti.label, "probe token", "label");
	is_str(ti.serial, "1234", "serial from the card's answer");
	is_str(ti.model, "Probe", "model");
	is_str(ti.manufacturer, "Scriptoki tests", "manufacturer");
	ok(ti.hw.major == 1 && ti.hw.minor == 0 && ti.fw.major == 2 && ti.fw.minor == 3,
	   "versions");
	ok(ti.min_pin == 4 && ti.max_pin == 16, "PIN lengths");
	ok(ti.initialized && ti.user_pin_initialized && ti.login_required && !ti.rng, "flags");
	f.answer_len = 0;

	is_rv(token_info_with("{ label = ('x'):rep(32) }", &ti), CKR_OK, "a 32-byte label");
	is_ulong(strlen(ti.label), 32, "... kept whole");
	is_rv(token_info_with("{}", &ti), CKR_OK, "an empty table: every field defaults");
	ok(ti.label[0] == '\0' && !ti.initialized && ti.max_pin == 0, "... to empty / false / 0");
	{
		static const char *const bad[] = {
			"{ label = ('x'):rep(33) }",
			"{ label = 5 }",
			"{ label = 'a\\0b' }",
			"{ serial = ('1'):rep(17) }",
			"{ model = {} }",
			"{ manufacturer = ('m'):rep(33) }",
			"{ hw = { 1 } }",
			"{ hw = { 256, 0 } }",
			"{ fw = '1.0' }",
			"{ min_pin = -1 }",
			"{ max_pin = 4.5 }",
			"{ min_pin = 8, max_pin = 4 }",
			"{ initialized = 'yes' }",
			"{ rng = 1 }",
			"'a string'",
			"true",
			"setmetatable({}, { __index = function() error('no') end })",
		};
		size_t i;

		for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
			is_rv(token_info_with(bad[i], &ti), CKR_FUNCTION_FAILED,
			      "malformed token info %s", bad[i]);
	}
	is_rv(token_info_with("nil, 'CKR_DEVICE_ERROR'", &ti), CKR_DEVICE_ERROR,
	      "token_info failing with a name");

	/* --- pin_info ------------------------------------------------------------------- */
	f.answer[0] = 0x63;
	f.answer[1] = 0xC3;
	f.answer_len = 2;
	is_rv(lb_pin_info(vm, &card, CKU_USER, &pi), CKR_OK, "pin_info");
	ok(pi.max_tries == 10 && pi.tries_left == 3, "... 10 tries, 3 left (%d, %d)",
	   pi.max_tries, pi.tries_left);
	ok(f.last_len == 4 && f.last[3] == 0x02, "... the script got CKU_USER");
	is_rv(lb_pin_info(vm, &card, CKU_SO, &pi), CKR_OK, "pin_info of the SO");
	ok(f.last_len == 4 && f.last[3] == 0x01, "... the script got CKU_SO");
	f.answer_len = 0;
	is_rv(lb_pin_info(vm, &card, CKU_USER, &pi), CKR_OK, "pin_info, no counter");
	ok(pi.max_tries == 10 && pi.tries_left == -1, "... unknown tries left is -1");
	set_fn("pin_info", "function() return { tries_left = 1000 } end");
	is_rv(lb_pin_info(vm, &card, CKU_USER, &pi), CKR_FUNCTION_FAILED, "tries_left out of range");
	set_fn("pin_info", "function() return { tries_left = '3' } end");
	is_rv(lb_pin_info(vm, &card, CKU_USER, &pi), CKR_FUNCTION_FAILED, "tries_left a string");

	/* --- login and the PIN's way in ------------------------------------------------- */
	is_rv(lb_login(vm, &card, CKU_USER, (const CK_UTF8CHAR *)"1234", 4), CKR_OK, "login");
	ok(f.last_len == sizeof verify_1234 && memcmp(f.last, verify_1234, f.last_len) == 0,
	   "... the script built VERIFY from the PIN it got");
	is_rv(lb_login(vm, &card, CKU_USER, (const CK_UTF8CHAR *)"12\0" "4", 4), CKR_OK,
	      "a PIN with a NUL byte reaches the script whole");
	ok(f.last_len == 9 && memcmp(f.last + 5, "12\0" "4", 4) == 0, "... all 4 bytes of it");
	is_rv(lb_login(vm, &card, CKU_USER, NULL, 0), CKR_PIN_LEN_RANGE,
	      "a NULL PIN (protected path) reaches the script as nil");
	f.answer[0] = 0x63;
	f.answer[1] = 0xC2;
	f.answer_len = 2;
	is_rv(lb_login(vm, &card, CKU_USER, (const CK_UTF8CHAR *)"9999", 4), CKR_PIN_INCORRECT,
	      "63 C2 is CKR_PIN_INCORRECT");
	f.answer[1] = 0x83;
	f.answer[0] = 0x69;
	is_rv(lb_login(vm, &card, CKU_USER, (const CK_UTF8CHAR *)"9999", 4), CKR_PIN_LOCKED,
	      "69 83 is CKR_PIN_LOCKED");
	is_rv(lb_set_pin(vm, &card, CKU_USER, (const CK_UTF8CHAR *)"1111", 4,
			 (const CK_UTF8CHAR *)"2222", 4), CKR_PIN_INCORRECT,
	      "set_pin failing with an integer code");
	f.answer_len = 0;
	is_rv(lb_set_pin(vm, &card, CKU_USER, (const CK_UTF8CHAR *)"1111", 4,
			 (const CK_UTF8CHAR *)"22222", 5), CKR_OK, "set_pin");
	ok(f.last_len == 16 && f.last[1] == 0x24 && f.last[4] == 11 &&
	   memcmp(f.last + 5, "\x04" "1111\x05" "22222", 11) == 0, "... both PINs reached it");
	is_rv(lb_init_pin(vm, &card, (const CK_UTF8CHAR *)"5555", 4), CKR_OK, "init_pin");
	ok(f.last_len == 9 && f.last[1] == 0x2C, "... sent RESET RETRY COUNTER");
	memset(label, ' ', sizeof label);
	memcpy(label, "My token", 8);
	is_rv(lb_init_token(vm, &card, (const CK_UTF8CHAR *)"87654321", 8, label), CKR_OK,
	      "init_token");
	ok(f.last_len == 13 && f.last[4] == 8 && memcmp(f.last + 5, "My token", 8) == 0,
	   "... the label reaches the script without its padding");
	is_rv(lb_logout(vm, &card), CKR_OK, "logout");

	set_fn("login", "function() return 1 end");
	is_rv(lb_login(vm, &card, CKU_USER, (const CK_UTF8CHAR *)"1234", 4), CKR_FUNCTION_FAILED,
	      "login returning 1 instead of true");
	set_fn("login", "function() return {} end");
	is_rv(lb_login(vm, &card, CKU_USER, (const CK_UTF8CHAR *)"1234", 4), CKR_FUNCTION_FAILED,
	      "login returning a table");
	set_fn("login", "42");
	is_rv(lb_login(vm, &card, CKU_USER, (const CK_UTF8CHAR *)"1234", 4), CKR_FUNCTION_FAILED,
	      "login that is not a function");
	set_fn("init_pin", "nil");
	is_rv(lb_init_pin(vm, &card, (const CK_UTF8CHAR *)"5555", 4), CKR_TOKEN_WRITE_PROTECTED,
	      "a family without init_pin: CKR_TOKEN_WRITE_PROTECTED (C_InitPIN's code for it)");
	set_fn("logout", "nil");
	is_rv(lb_logout(vm, &card), CKR_OK, "a family without logout: nothing to do");

	/* --- mechanisms --------------------------------------------------------------- */
	n = 4;
	is_rv(lb_mechanisms(vm, &card, m, &n), CKR_OK, "mechanisms");
	is_ulong(n, 2, "... two of them");
	ok(m[0].type == CKM_RSA_PKCS && m[0].info.ulMinKeySize == 1024 &&
	   m[0].info.ulMaxKeySize == 2048 && m[0].info.flags == (CKF_HW | CKF_SIGN | CKF_DECRYPT),
	   "... the first is CKM_RSA_PKCS 1024..2048 HW|SIGN|DECRYPT");
	ok(m[1].type == CKM_RSA_PKCS_KEY_PAIR_GEN, "... the second its key pair generation");
	n = 1;
	is_rv(lb_mechanisms(vm, &card, m, &n), CKR_BUFFER_TOO_SMALL, "room for one only");
	is_ulong(n, 2, "... says how many there are");
	n = 0;
	is_rv(lb_mechanisms(vm, &card, NULL, &n), CKR_BUFFER_TOO_SMALL, "a size query");
	is_ulong(n, 2, "... says how many there are");
	set_fn("mechanisms", "function() return { { type = 'x' } } end");
	n = 4;
	is_rv(lb_mechanisms(vm, &card, m, &n), CKR_FUNCTION_FAILED, "a mechanism type not integer");
	is_ulong(n, 0, "... and no mechanism");
	set_fn("mechanisms", "function() return { { type = 1, flags = -1 } } end");
	n = 4;
	is_rv(lb_mechanisms(vm, &card, m, &n), CKR_FUNCTION_FAILED, "negative flags");
	set_fn("mechanisms", "function() return { 5 } end");
	n = 4;
	is_rv(lb_mechanisms(vm, &card, m, &n), CKR_FUNCTION_FAILED, "a list of numbers");
	set_fn("mechanisms", "function() return {} end");
	n = 4;
	is_rv(lb_mechanisms(vm, &card, m, &n), CKR_OK, "no mechanism at all");
	is_ulong(n, 0, "... zero");
	set_fn("mechanisms", "nil");
	n = 4;
	is_rv(lb_mechanisms(vm, &card, m, &n), CKR_OK, "a family without mechanisms()");
	is_ulong(n, 0, "... declares none");

	/* --- lb_invoke, for the bridge's other files ---------------------------------- */
	{
		struct lb_invoke inv = { .fn = "eval", .if_missing = CKR_FUNCTION_NOT_SUPPORTED,
					 .push = push_code, .take = take_string,
					 .ud = "return 'via ' .. 'invoke'" };

		is_rv(lb_invoke(vm, &card, &inv), CKR_OK, "lb_invoke");
		is_str(took, "via invoke", "... its take saw the results");
		inv.ud = "return nil, 'CKR_KEY_HANDLE_INVALID'";
		is_rv(lb_invoke(vm, &card, &inv), CKR_KEY_HANDLE_INVALID,
		      "lb_invoke: a failure named by the script");
		inv.ud = "error('x')";
		is_rv(lb_invoke(vm, &card, &inv), CKR_FUNCTION_FAILED, "lb_invoke: an error");
		inv.fn = "no_such_function";
		is_rv(lb_invoke(vm, &card, &inv), CKR_FUNCTION_NOT_SUPPORTED,
		      "lb_invoke: a missing function");
	}

	/* --- a closed or missing VM ---------------------------------------------------- */
	is_rv(lb_token_info(NULL, &card, &ti), CKR_ARGUMENTS_BAD, "no VM");
	lb_close(vm);
	return done_testing();
}
