/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t2022 — a family's own settings (the contract's `settings` library, family.yaml's
 * "settings:") and the block cipher of the `crypto` library:
 *   - settings.get reads "<family>.<name>" of the configuration file for a setting the
 *     manifest declares; nil when the file does not set it; a setting the manifest does
 *     not declare, or another family's, is a script error;
 *   - the configuration file's check takes "<family>.<name>" keys without a warning;
 *   - a broken settings: list in a manifest is reported as file:line and skips the family;
 *   - a secret setting never reaches the debug log (SCRIPTOKI_DEBUG=3, a child process):
 *     neither its text nor its bytes, in a log line, an APDU, an answer or an error; and
 *     the bridge holds no copy of it after the call;
 *   - crypto.block: the known answers of FIPS 197 Appendix C.1 and C.3 (AES-128, AES-256)
 *     and of SP 800-67 Rev. 1 Appendix B.1 (TDEA, three keys), both directions, and its
 *     refusals (a key of the wrong length, a partial block, an unknown cipher).
 */
#include "lb/lb_test.h"
#include "lb/lb_debug_log.h"

#include "conf.h"

/* the secret of the tests: 24 bytes, as the file gives it (hex) */
#define KEY_HEX "A1B2C3D4E5F60718293A4B5C6D7E8F90A1B2C3D4E5F60718"
#define KEY_SPACED "A1 B2 C3 D4 E5 F6 07 18"

static const char token_lua[] =
	"-- SPDX-License-Identifier: BSD-2-Clause\n"
	"local M = {}\n"
	"function M.eval(card, code)\n"
	"  local env = setmetatable({ card = card }, { __index = _ENV })\n"
	"  local f, err = load(code, '=eval', 't', env)\n"
	"  if not f then error(err, 0) end\n"
	"  return f()\n"
	"end\n"
	"return M\n";

static char logbuf[1 << 20];

static struct lb_vm *open_family(const char *dir, const char *name)
{
	struct lb_vm *vm = NULL;
	CK_RV rv = lb_open(dir, name, &vm);

	if (rv != CKR_OK) {
		printf("Bail out! lb_open(%s): %s\n", name, sk_rv_name(rv));
		exit(255);
	}
	return vm;
}

static void child(const void *dir)
{
	struct fake f = { 0 };
	struct lb_vm *vm;

	vm = open_family(dir, "acme");
	/* a careless script: the key in a log line, in an APDU, in print and in an error */
	eval(vm, &f, "local k = settings.get('key')\n"
		     "local b = bytes.unhex(k)\n"
		     "log.debug('the key is %s', k)\n"
		     "log.debug('its bytes %s', bytes.hex(b))\n"
		     "print('key', k)\n"
		     "card:transmit('\\x80\\xEE\\x00\\x00' .. string.char(#b) .. b)\n"
		     "error('bad key ' .. k)\n");
	lb_close(vm);
}

int main(void)
{
	char conf[300], dir[300];
	struct fake f = { 0 };
	struct lb_vm *vm, *other;
	int i, clean;

	make_tmp_dir();
	snprintf(dir, sizeof dir, "%s/scripts", tmp_dir);
	put_str("scripts/acme/family.yaml",
		"# SPDX-License-Identifier: BSD-2-Clause\n"
		"atr:\n"
		"  - value: 3B 90\n"
		"settings:\n"
		"  - { name: key, secret: true }\n"
		"  - { name: key_algorithm }\n"
		"  - { name: unset }\n");
	put_str("scripts/acme/token.lua", token_lua);
	put_str("scripts/other/family.yaml",
		"atr:\n"
		"  - value: 3B 91\n"
		"settings:\n"
		"  - { name: colour, secret: false }\n");
	put_str("scripts/other/token.lua", token_lua);
	put_str("scripts/broken/family.yaml",
		"atr:\n"
		"  - value: 3B 92\n"
		"settings:\n"
		"  - { name: Bad-Name }\n");
	put_str("scripts/broken/token.lua", token_lua);
	put_str("scripts.conf",
		"# a family's settings\n"
		"acme.key = " KEY_HEX "\n"
		"acme.key_algorithm = 3des\n"
		"other.colour = blue\n"
		"no_such_key = 1\n");
	snprintf(conf, sizeof conf, "%s/scripts.conf", tmp_dir);
	setenv("SCRIPTOKI_CONF", conf, 1);

	/* the file's check: only the unknown plain key is a mistake */
	conf_check();
	is_ulong((unsigned long)conf_warnings(), 1, "the configuration check warns once (no_such_key), "
				   "not for acme.key or other.colour");
	ok(conf_family_key("acme.key") && conf_family_key("piv.management_key") &&
	   !conf_family_key("acme") && !conf_family_key(".key") && !conf_family_key("a.b.c") &&
	   !conf_family_key("acme.Key") && !conf_family_key("acme.1key"),
	   "family keys are <family>.<setting>");

	vm = open_family(dir, "acme");
	is_eval(vm, &f, "return settings.get('key_algorithm')", "3des",
		"settings.get: a declared setting's value");
	is_eval(vm, &f, "return tostring(settings.get('unset'))", "nil",
		"... nil when the file does not set it");
	is_eval(vm, &f, "return settings.get('key') == '" KEY_HEX "' and 'same' or 'differs'",
		"same", "... a secret one too");
	clean = 1;
	for (i = 0; i < LB_SET_SECRETS; i++)
		if (vm->set_secret[i] != NULL)
			clean = 0;
	ok(clean, "after the call the bridge holds no copy of the secret");
	is_rv(eval(vm, &f, "return settings.get('colour')"), CKR_FUNCTION_FAILED,
	       "another family's setting is a script error");
	is_rv(eval(vm, &f, "return settings.get('nothing')"), CKR_FUNCTION_FAILED,
	       "... and so is an undeclared one");
	is_rv(eval(vm, &f, "return settings.get(1 < 2)"), CKR_FUNCTION_FAILED,
	       "... and a name that is not a string");
	other = open_family(dir, "other");
	is_eval(other, &f, "return settings.get('colour')", "blue",
		"the other family reads its own");
	is_rv(eval(other, &f, "return settings.get('key')"), CKR_FUNCTION_FAILED,
	       "... but not acme's");
	lb_close(other);
	{
		struct lb_vm *b = NULL;

		ok(lb_open(dir, "broken", &b) == CKR_OK &&
		   lb_family_setting(dir, "broken", "x", &i) < 0,
		       "a manifest with a bad setting name does not read");
		lb_close(b);
	}

	/* crypto.block */
	is_eval(vm, &f, "return bytes.hex(crypto.block('aes-128', "
			"bytes.unhex('000102030405060708090A0B0C0D0E0F'), "
			"bytes.unhex('00112233445566778899AABBCCDDEEFF')))",
		"69C4E0D86A7B0430D8CDB78070B4C55A", "crypto.block: AES-128 (FIPS 197 C.1)");
	is_eval(vm, &f, "return bytes.hex(crypto.block('aes-256', "
			"bytes.unhex('000102030405060708090A0B0C0D0E0F"
			"101112131415161718191A1B1C1D1E1F'), "
			"bytes.unhex('00112233445566778899AABBCCDDEEFF')))",
		"8EA2B7CA516745BFEAFC49904B496089", "AES-256 (FIPS 197 C.3)");
	is_eval(vm, &f, "return bytes.hex(crypto.block('des-ede3', "
			"bytes.unhex('0123456789ABCDEF23456789ABCDEF01456789ABCDEF0123'), "
			"'The qufck brown fox jump'))",
		"A826FD8CE53B855FCCE21C8112256FE668D5C05DD9B6B900",
		"TDEA, three keys (SP 800-67 Rev. 1 B.1)");
	is_eval(vm, &f, "return crypto.block('des-ede3', "
			"bytes.unhex('0123456789ABCDEF23456789ABCDEF01456789ABCDEF0123'), "
			"bytes.unhex('A826FD8CE53B855FCCE21C8112256FE668D5C05DD9B6B900'), true)",
		"The qufck brown fox jump", "... and back");
	is_eval(vm, &f, "return crypto.block('aes-192', string.rep('k', 24), "
			"crypto.block('aes-192', string.rep('k', 24), string.rep('p', 32)), true)",
		"pppppppppppppppppppppppppppppppp", "AES-192 there and back, two blocks");
	is_rv(eval(vm, &f, "return crypto.block('aes-128', string.rep('k', 24), "
			    "string.rep('p', 16))"), CKR_FUNCTION_FAILED,
	       "a key of the wrong length is refused");
	is_rv(eval(vm, &f, "return crypto.block('aes-128', string.rep('k', 16), "
			    "string.rep('p', 15))"), CKR_FUNCTION_FAILED, "... a partial block");
	is_rv(eval(vm, &f, "return crypto.block('des', string.rep('k', 8), "
			    "string.rep('p', 8))"), CKR_FUNCTION_FAILED, "... an unknown cipher");
	lb_close(vm);

	/* the secret never reaches the debug log */
	ok(lb_debug_log(child, dir, logbuf, sizeof logbuf), "the child ran");
	ok(contains(logbuf, "the key is"), "the script's log line is there");
	ok(contains(logbuf, "its bytes"), "... the one with its bytes too");
	ok(contains(logbuf, "card > 80 EE 00 00"), "... the APDU's header");
	ok(contains(logbuf, "bad key"), "... and the error");
	ok(contains(logbuf, "setting acme.key read (secret: masked)"),
	   "the log says the secret setting was read");
	ok(!contains(logbuf, KEY_HEX) && !contains(logbuf, "a1b2c3d4e5f6"),
	   "the key is not in the log as text");
	ok(!contains(logbuf, KEY_SPACED) && !contains(logbuf, "A1B2C3D4E5F6"),
	   "... nor as bytes");
	if (tap_failed)
		diag("log:\n%s", logbuf);
	rm_tmp_dir();
	return done_testing();
}
