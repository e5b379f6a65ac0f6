/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t2009 — PINs never reach the debug log: a child runs login, set_pin, init_pin and
 * init_token with SCRIPTOKI_DEBUG=3 (card traffic logged) into a file; the parent checks
 * the traffic is there and the PINs, in text or in hex, are not. Also a PIN inside a
 * script's error message, inside an APDU the INS rule does not know, and an APDU the
 * script marks sensitive.
 */
#include "lb/lb_test.h"
#include "lb/lb_debug_log.h"

static const char *const pins[] = { "975318642", "864213579", "531864297", "246813579" };

static char logbuf[1 << 20];

static void child(const void *arg)
{
	struct fake f = { 0 };
	struct lb_card card = fake_card(&f);
	struct lb_vm *vm;
	CK_UTF8CHAR label[32];
	static const uint8_t secret_answer[] = { 0x5E, 0xC4, 0x37, 0x90, 0x00 };

	vm = open_probe();
	lb_login(vm, &card, CKU_USER, (const CK_UTF8CHAR *)pins[0], 9);
	lb_set_pin(vm, &card, CKU_USER, (const CK_UTF8CHAR *)pins[0], 9,
		   (const CK_UTF8CHAR *)pins[1], 9);
	lb_init_pin(vm, &card, (const CK_UTF8CHAR *)pins[2], 9);
	memset(label, ' ', sizeof label);
	memcpy(label, "masked test", 11);
	lb_init_token(vm, &card, (const CK_UTF8CHAR *)pins[3], 9, label);
	/* a script that puts the PIN into a vendor APDU, a log line and an error */
	eval(vm, &f, "M.login = function(card, user, pin)\n"
		     "  card:transmit('\\x80\\xDA\\x01\\x02' .. string.char(#pin) .. pin)\n"
		     "  log.debug('pin is %s', pin) print('pin', pin)\n"
		     "  error('wrong pin ' .. pin)\n"
		     "end return 'set'");
	lb_login(vm, &card, CKU_USER, (const CK_UTF8CHAR *)pins[0], 9);
	/* an APDU the script marks sensitive, and its answer */
	memcpy(f.answer, secret_answer, sizeof secret_answer);
	f.answer_len = sizeof secret_answer;
	eval(vm, &f, "card:transmit('\\x80\\xDB\\x00\\x00\\x04\\x11\\x22\\x33\\x44', true)\n"
		     "return 'sent'");
	lb_close(vm);
}

int main(void)
{
	size_t i;

	make_tmp_dir();
	ok(lb_debug_log(child, NULL, logbuf, sizeof logbuf), "the child ran");
	rm_tmp_dir();

	/* the log is not empty: otherwise the checks below prove nothing */
	ok(contains(logbuf, "card > 00 20 00 02"), "VERIFY is logged (its header)");
	ok(contains(logbuf, "card > 00 24 00 02"), "CHANGE REFERENCE DATA is logged");
	ok(contains(logbuf, "card > 00 2C 02 02"), "RESET RETRY COUNTER is logged");
	ok(contains(logbuf, "card > 80 EE 00 00 0B"), "other APDUs are logged whole");
	ok(contains(logbuf, "card > 80 DA 01 02"), "the vendor APDU's header is logged");
	ok(contains(logbuf, "wrong pin"), "the script's error is logged");
	ok(contains(logbuf, "pin is"), "log.debug is logged");
	ok(contains(logbuf, "card > 80 DB 00 00"), "the sensitive APDU's header is logged");
	for (i = 0; i < sizeof pins / sizeof pins[0]; i++) {
		ok(!contains(logbuf, pins[i]), "PIN %zu is not in the log as text", i + 1);
		ok(!contains_hex(logbuf, pins[i], 1) && !contains_hex(logbuf, pins[i], 0),
		   "PIN %zu is not in the log as hex", i + 1);
	}
	ok(!contains(logbuf, "11 22 33 44"), "the sensitive APDU's data is masked");
	ok(!contains(logbuf, "5E C4 37"), "... and its answer's data");
	ok(contains(logbuf, "masked) 90 00"), "... but not its status word");
	if (tap_failed)
		diag("log:\n%s", logbuf);
	return done_testing();
}
