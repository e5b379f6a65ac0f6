/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t2029 — the contract's init_pin(card, new, so_pin) (spec/script-contract.yaml): a family
 * whose card resets the user PIN with the SO's secret in one command (PIV's RESET RETRY
 * COUNTER: the PUK and the new PIN) says init_pin_so_pin in token_info and is given the
 * SO PIN of the SO's login as the second argument. Checked here:
 * - token_info's init_pin_so_pin reaches struct lb_token_info (true, false, left out:
 *   false); a value that is not a boolean is CKR_FUNCTION_FAILED;
 * - lb_init_pin_so passes the new PIN and the SO PIN in that order (the script sends both
 *   in one APDU to the fake card, which records it); lb_init_pin and lb_init_pin_so with
 *   no SO PIN pass nil; the script's failure is passed on;
 * - neither PIN reaches a level-3 debug log (card traffic logged), as text or as hex,
 *   though the script puts both into an APDU, a log line and an error message.
 */
#include "lb/lb_test.h"
#include "lb/lb_debug_log.h"

static const char NEW_PIN[] = "73519468", SO_PIN[] = "61829374";
#define PINARG(s) (const CK_UTF8CHAR *)(s), (CK_ULONG)strlen(s)

static char logbuf[1 << 20];

/* init_pin sends 00 2C 00 80 <new ‖ so_pin> (so_pin nil: new only, P1 01) */
static const char echo_script[] =
	"M.init_pin = function(card, new, so, extra)\n"
	"  if type(new) ~= 'string' or extra ~= nil then return nil, 'CKR_ARGUMENTS_BAD' end\n"
	"  if so == nil then\n"
	"    card:transmit('\\x00\\x2C\\x01\\x80' .. string.char(#new) .. new)\n"
	"    return nil, 'CKR_USER_NOT_LOGGED_IN'\n"
	"  end\n"
	"  card:transmit('\\x00\\x2C\\x00\\x80' .. string.char(#new + #so) .. new .. so)\n"
	"  return true\n"
	"end return 'set'";

static CK_RV info_from(struct lb_vm *vm, struct fake *fk, const char *fields,
		       struct lb_token_info *ti)
{
	char code[512];
	struct lb_card c = fake_card(fk);

	snprintf(code, sizeof code, "M.token_info = function(card) return { label = 'x'%s } end "
		 "return 'ok'", fields);
	if (eval(vm, fk, code) != CKR_OK)
		return CKR_GENERAL_ERROR;
	memset(ti, 0x5a, sizeof *ti);
	return lb_token_info(vm, &c, ti);
}

static void child(const void *arg)
{
	struct fake f = { 0 };
	struct lb_card card = fake_card(&f);
	struct lb_vm *vm;

	vm = open_probe();
	eval(vm, &f, echo_script);
	lb_init_pin_so(vm, &card, PINARG(NEW_PIN), PINARG(SO_PIN));
	/* a script that logs both PINs and fails with them in its message */
	eval(vm, &f, "M.init_pin = function(card, new, so)\n"
		     "  card:transmit('\\x80\\xDA\\x01\\x02' .. string.char(#new + #so) .. new .. so)\n"
		     "  log.debug('new %s so %s', new, so) print('so', so)\n"
		     "  error('bad so pin ' .. so .. ' new ' .. new)\n"
		     "end return 'set'");
	lb_init_pin_so(vm, &card, PINARG(NEW_PIN), PINARG(SO_PIN));
	lb_close(vm);
}

int main(void)
{
	struct fake fk = { 0 };
	struct lb_card card = fake_card(&fk);
	struct lb_token_info ti;
	struct lb_vm *vm;

	vm = open_probe();

	/* token_info's field */
	is_rv(info_from(vm, &fk, ", init_pin_so_pin = true", &ti), CKR_OK,
	      "token_info with init_pin_so_pin = true");
	ok(ti.init_pin_so_pin == 1, "... reaches lb_token_info");
	is_rv(info_from(vm, &fk, ", init_pin_so_pin = false", &ti), CKR_OK, "false");
	ok(ti.init_pin_so_pin == 0, "... is 0");
	is_rv(info_from(vm, &fk, "", &ti), CKR_OK, "left out");
	ok(ti.init_pin_so_pin == 0, "... defaults to false");
	is_rv(info_from(vm, &fk, ", init_pin_so_pin = 'yes'", &ti), CKR_FUNCTION_FAILED,
	      "a string: malformed, CKR_FUNCTION_FAILED");

	/* the arguments */
	is_eval(vm, &fk, echo_script, "set", "a script whose init_pin echoes its arguments");
	fk.count = 0;
	is_rv(lb_init_pin_so(vm, &card, PINARG(NEW_PIN), PINARG(SO_PIN)), CKR_OK,
	      "lb_init_pin_so: the new PIN and the SO PIN");
	ok(fk.count == 1 && fk.last_len == 21 && memcmp(fk.last, "\x00\x2C\x00\x80\x10", 5) == 0 &&
	   memcmp(fk.last + 5, NEW_PIN, 8) == 0 && memcmp(fk.last + 13, SO_PIN, 8) == 0,
	   "... reach the script in order (new, so_pin)");
	is_rv(lb_init_pin(vm, &card, PINARG(NEW_PIN)), CKR_USER_NOT_LOGGED_IN,
	      "lb_init_pin: so_pin is nil (the script's own failure passed on)");
	ok(fk.last_len == 13 && fk.last[2] == 0x01 && memcmp(fk.last + 5, NEW_PIN, 8) == 0,
	   "... and the new PIN is still the first argument");
	is_rv(lb_init_pin_so(vm, &card, PINARG(NEW_PIN), NULL, 0), CKR_USER_NOT_LOGGED_IN,
	      "lb_init_pin_so without an SO PIN: nil too");
	lb_close(vm);

	/* the PINs never reach the log */
	make_tmp_dir();
	ok(lb_debug_log(child, NULL, logbuf, sizeof logbuf), "the child ran");
	rm_tmp_dir();
	ok(contains(logbuf, "card > 00 2C 00 80"), "RESET RETRY COUNTER is logged (its header)");
	ok(contains(logbuf, "card > 80 DA 01 02"), "the vendor APDU's header is logged");
	ok(contains(logbuf, "bad so pin"), "the script's error is logged");
	ok(contains(logbuf, "new ") && contains(logbuf, " so "), "log.debug is logged");
	ok(!contains(logbuf, NEW_PIN) && !contains(logbuf, SO_PIN), "neither PIN as text");
	ok(!contains_hex(logbuf, NEW_PIN, 1) && !contains_hex(logbuf, NEW_PIN, 0) &&
	   !contains_hex(logbuf, SO_PIN, 1) && !contains_hex(logbuf, SO_PIN, 0),
	   "... nor as hex");
	if (tap_failed)
		diag("log:\n%s", logbuf);
	return done_testing();
}
