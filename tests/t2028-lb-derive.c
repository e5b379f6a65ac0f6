/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t2028 — the contract's derive(card, ref, mech, point, ukm) (spec/script-contract.yaml):
 * the arguments reach the script in order (echoed back and checked); the answer, the
 * agreed point before any KDF, must have exactly the length the host expects — shorter,
 * longer or not a string is CKR_FUNCTION_FAILED with nothing given back; a failure the
 * script names is passed on; a family without derive answers the contract's if_missing
 * code (CKR_MECHANISM_INVALID); bad arguments are refused before the script runs.
 */
#include "lb/lb_test.h"

static struct lb_vm *vm;
static struct fake fk;

static void set(const char *body)
{
	char code[1024];

	snprintf(code, sizeof code, "M.derive = function(card, ...) %s end return 'ok'", body);
	if (eval(vm, &fk, code) != CKR_OK)
		diag("eval failed for: %s", body);
}

static CK_RV derive(const char *body, CK_MECHANISM_TYPE mech, const char *point,
		    const char *ukm, uint8_t *out, size_t *n)
{
	struct lb_card c = fake_card(&fk);

	if (body != NULL)
		set(body);
	return lb_derive(vm, &c, "prkey:1", mech, (const uint8_t *)point, strlen(point),
			 (const uint8_t *)ukm, strlen(ukm), out, n);
}

int main(void)
{
	uint8_t out[64];
	size_t n;

	vm = open_probe();

	n = 4;
	is_rv(derive("local ref, mech, point, ukm = ... "
		     "if ref ~= 'prkey:1' or mech ~= CKM.ECDH1_DERIVE or ukm ~= '' then "
		     "return nil, 'CKR_ARGUMENTS_BAD' end return point:sub(2, 5)",
		     CKM_ECDH1_DERIVE, "\x04" "ABCDEFGH", "", out, &n), CKR_OK,
	      "derive: ref, mech, point and an empty ukm reach the script");
	ok(n == 4 && memcmp(out, "ABCD", 4) == 0, "... the x coordinate back");
	n = 8;
	is_rv(derive("local ref, mech, point, ukm = ... "
		     "if mech ~= CKM.GOSTR3410_12_DERIVE then return nil, 'CKR_ARGUMENTS_BAD' end "
		     "return ukm .. point",
		     CKM_GOSTR3410_12_DERIVE, "XYXY", "UKMU", out, &n), CKR_OK,
	      "derive: the VKO UKM is the fifth argument");
	ok(n == 8 && memcmp(out, "UKMUXYXY", 8) == 0, "... in order");

	n = 4;
	memset(out, 0, sizeof out);
	is_rv(derive("return '123'", CKM_ECDH1_DERIVE, "\x04" "ABCDEFGH", "", out, &n),
	      CKR_FUNCTION_FAILED, "derive: a shorter answer is malformed");
	ok(n == 0, "... nothing given back");
	n = 4;
	is_rv(derive("return '12345'", CKM_ECDH1_DERIVE, "\x04" "ABCDEFGH", "", out, &n),
	      CKR_FUNCTION_FAILED, "derive: a longer answer is malformed");
	ok(n == 0 && out[0] == 0, "... and not copied");
	n = 4;
	is_rv(derive("return ''", CKM_ECDH1_DERIVE, "\x04" "ABCDEFGH", "", out, &n),
	      CKR_FUNCTION_FAILED, "derive: an empty answer is malformed");
	n = 4;
	is_rv(derive("return 1234", CKM_ECDH1_DERIVE, "\x04" "ABCDEFGH", "", out, &n),
	      CKR_FUNCTION_FAILED, "derive: a number is malformed");
	n = 4;
	is_rv(derive("return { 'x' }", CKM_ECDH1_DERIVE, "\x04" "ABCDEFGH", "", out, &n),
	      CKR_FUNCTION_FAILED, "derive: a table is malformed");
	n = 4;
	is_rv(derive("error('boom')", CKM_ECDH1_DERIVE, "\x04" "ABCDEFGH", "", out, &n),
	      CKR_FUNCTION_FAILED, "derive: a script error is CKR_FUNCTION_FAILED");
	n = 4;
	is_rv(derive("return nil, 'CKR_DEVICE_REMOVED'", CKM_ECDH1_DERIVE, "\x04" "ABCDEFGH",
		     "", out, &n), CKR_DEVICE_REMOVED, "derive: a failure the script names");
	ok(n == 0, "... nothing given back");
	n = 4;
	is_rv(derive("return nil, 'CKR_MECHANISM_PARAM_INVALID'", CKM_ECDH1_DERIVE, "\x04" "AB",
		     "", out, &n), CKR_MECHANISM_PARAM_INVALID,
	      "derive: a point the card refused");

	n = 4;
	is_rv(derive("return '1234'", CKM_ECDH1_DERIVE, "", "", out, &n), CKR_ARGUMENTS_BAD,
	      "derive: no point: refused before the script");
	n = 0;
	is_rv(derive(NULL, CKM_ECDH1_DERIVE, "\x04" "AB", "", out, &n), CKR_ARGUMENTS_BAD,
	      "derive: no expected length: refused");

	eval(vm, &fk, "M.derive = nil return 'ok'");
	n = 4;
	is_rv(derive(NULL, CKM_ECDH1_DERIVE, "\x04" "ABCDEFGH", "", out, &n),
	      CKR_MECHANISM_INVALID, "a family without derive: CKR_MECHANISM_INVALID");
	lb_close(vm);
	return done_testing();
}
