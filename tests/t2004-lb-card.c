/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t2004 — the card object: transmit and atr, a card kept beyond its call (expired, a
 * clean error), transmit failures carrying their CK_RV out of the script.
 */
#include "lb/lb_test.h"

int main(void)
{
	struct fake f = { 0 };
	struct lb_vm *vm = open_probe();
	static const uint8_t answer[] = { 0x01, 0x02, 0x61, 0x10 };

	memcpy(f.answer, answer, sizeof answer);
	f.answer_len = sizeof answer;
	is_eval(vm, &f, "local d, sw = card:transmit('\\0\\xA4\\4\\0')\n"
			"return bytes.hex(d) .. ' ' .. ('%04X'):format(sw)", "0102 6110",
		"transmit returns the data and the status word");
	ok(f.last_len == 4 && memcmp(f.last, "\0\xA4\4\0", 4) == 0, "... the card got the APDU");
	f.answer_len = 0;
	is_eval(vm, &f, "local d, sw = card:transmit('\\0\\xA4\\4\\0') return #d .. ' ' .. sw",
		"0 36864", "an answer of SW only: empty data");
	is_eval(vm, &f, "return bytes.hex(card:atr())", "3B901122", "card:atr()");
	is_eval(vm, &f, "return tostring(card)", "card", "tostring(card)");
	is_eval(vm, &f, "return tostring(getmetatable(card))", "card",
		"the card's metatable is not given away");
	is_rv(eval(vm, &f, "card:transmit('\\0\\0')"), CKR_FUNCTION_FAILED,
	      "an APDU shorter than 4 bytes is misuse");
	is_rv(eval(vm, &f, "card:transmit(('\\0'):rep(65546))"), CKR_FUNCTION_FAILED,
	      "an APDU longer than 65545 bytes is misuse");
	is_rv(eval(vm, &f, "card.transmit({}, '\\0\\0\\0\\0')"), CKR_FUNCTION_FAILED,
	      "transmit on something that is not a card");
	is_eval(vm, &f, "local d, sw = card:transmit(('\\0'):rep(65545)) return tostring(sw)",
		"36864", "the longest APDU passes");

	/* a card kept beyond its call */
	is_eval(vm, &f, "M.stash = card return 'kept'", "kept", "a script keeps its card");
	is_eval(vm, &f, "return tostring(M.stash)", "card (expired)", "... it is expired later");
	is_eval(vm, &f, "return tostring(rawequal(M.stash, card))", "false",
		"... each call gets its own card");
	f.count = 0;
	is_rv(eval(vm, &f, "M.stash:transmit('\\0\\xA4\\4\\0') return 'sent'"),
	      CKR_FUNCTION_FAILED, "transmit on an expired card fails the call");
	is_ulong(f.count, 0, "... and sends nothing");
	is_eval(vm, &f, "local ok, e = pcall(M.stash.atr, M.stash)\n"
			"return tostring(ok) .. ' ' .. tostring(e:find('expired') ~= nil)",
		"false true", "atr on an expired card raises a clean error");
	is_rv(lb_logout(vm, &(struct lb_card){ .transmit = fake_transmit, .ctx = &f }), CKR_OK,
	      "the VM goes on working");

	/* transmit failures */
	f.fail_rv = CKR_DEVICE_REMOVED;
	f.count = 0;
	is_rv(eval(vm, &f, "card:transmit('\\0\\xA4\\4\\0') return 'sent'"), CKR_DEVICE_REMOVED,
	      "a transmit failure gives its CK_RV");
	is_rv(eval(vm, &f, "local ok, e = pcall(card.transmit, card, '\\0\\xA4\\4\\0')\n"
			   "return 'swallowed ' .. tostring(e)"), CKR_DEVICE_REMOVED,
	      "... even when the script catches it");
	is_rv(eval(vm, &f, "pcall(card.transmit, card, '\\0\\xA4\\4\\0')\n"
			   "pcall(card.transmit, card, '\\0\\xA4\\4\\0') return nil, 'CKR_PIN_INCORRECT'"),
	      CKR_DEVICE_REMOVED, "... or returns another code");
	is_ulong(f.count, 3, "a card that failed is not asked again within the call");
	is_rv(eval(vm, &f, "local ok, e = pcall(card.transmit, card, '\\0\\xA4\\4\\0')\n"
			   "error('card said: ' .. tostring(e))"), CKR_DEVICE_REMOVED,
	      "the error object has a printable form");
	f.fail_rv = CKR_DEVICE_ERROR;
	is_rv(eval(vm, &f, "card:transmit('\\0\\xA4\\4\\0')"), CKR_DEVICE_ERROR,
	      "another failure code passes unchanged");
	f.fail_rv = CKR_OK;
	f.answer[0] = 0x90;
	f.answer_len = 1;
	is_rv(eval(vm, &f, "card:transmit('\\0\\xA4\\4\\0') return 'ok'"), CKR_DEVICE_ERROR,
	      "an answer of one byte is CKR_DEVICE_ERROR");
	f.answer_len = 0;
	is_eval(vm, &f, "local _, sw = card:transmit('\\0\\xA4\\4\\0') return tostring(sw)",
		"36864", "the next call transmits again");
	lb_close(vm);
	return done_testing();
}
