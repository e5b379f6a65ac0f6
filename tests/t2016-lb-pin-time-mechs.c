/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t2016 — the other records of the contract: pin_info with only the remaining count
 * (max_tries left out: -1, unknown), the defaults, and its malformed answers (a count out
 * of -1..255, more tries left than the maximum, an unknown field); utc_time, the clock of
 * a family that says clock (16 digits exactly, else CKR_FUNCTION_FAILED; a family without
 * it: CKR_FUNCTION_NOT_SUPPORTED); mechanisms, whose entries are contract records too (a
 * missing type, max below min, an unknown key: CKR_FUNCTION_FAILED naming the entry).
 */
#include "lb/lb_test.h"

static struct lb_vm *vm;
static struct fake fk;

static void set(const char *fn, const char *body)
{
	char code[1024];

	snprintf(code, sizeof code, "M.%s = function(card, ...) %s end return 'ok'", fn, body);
	if (eval(vm, &fk, code) != CKR_OK)
		diag("eval failed for: %s", body);
}

static CK_RV pin_info(const char *body, struct lb_pin_info *pi)
{
	struct lb_card c = fake_card(&fk);

	set("pin_info", body);
	pi->max_tries = pi->tries_left = 77;
	return lb_pin_info(vm, &c, CKU_USER, pi);
}

static CK_RV utc(const char *body, CK_CHAR out[16])
{
	struct lb_card c = fake_card(&fk);

	set("utc_time", body);
	memset(out, '?', 16);
	return lb_utc_time(vm, &c, out);
}

static CK_RV mechs(const char *body, struct lb_mechanism *m, size_t *n)
{
	struct lb_card c = fake_card(&fk);

	set("mechanisms", body);
	*n = 4;
	return lb_mechanisms(vm, &c, m, n);
}

int main(void)
{
	struct lb_pin_info pi;
	struct lb_mechanism m[4];
	CK_CHAR t[16];
	size_t n;

	vm = open_probe();

	is_rv(pin_info("return { tries_left = 3 }", &pi), CKR_OK, "pin_info: only tries_left");
	ok(pi.max_tries == -1 && pi.tries_left == 3, "... max_tries unknown (-1), 3 left");
	is_rv(pin_info("return {}", &pi), CKR_OK, "pin_info: an empty record");
	ok(pi.max_tries == -1 && pi.tries_left == -1, "... both unknown");
	is_rv(pin_info("return { max_tries = 10, tries_left = 0 }", &pi), CKR_OK,
	      "pin_info: locked");
	ok(pi.max_tries == 10 && pi.tries_left == 0, "... 10 and 0");
	is_rv(pin_info("return { tries_left = 256 }", &pi), CKR_FUNCTION_FAILED,
	      "pin_info: 256 tries left");
	ok(pi.max_tries == -1 && pi.tries_left == -1, "... unknown after a malformed answer");
	is_rv(pin_info("return { tries_left = -2 }", &pi), CKR_FUNCTION_FAILED,
	      "pin_info: -2 tries left");
	is_rv(pin_info("return { max_tries = 3, tries_left = 5 }", &pi), CKR_FUNCTION_FAILED,
	      "pin_info: more tries left than the maximum");
	is_rv(pin_info("return { tries = 3 }", &pi), CKR_FUNCTION_FAILED,
	      "pin_info: an unknown field");
	is_rv(pin_info("return { tries_left = '3' }", &pi), CKR_FUNCTION_FAILED,
	      "pin_info: a count as a string");
	is_rv(pin_info("return nil, 'CKR_USER_TYPE_INVALID'", &pi), CKR_USER_TYPE_INVALID,
	      "pin_info: a failure the script names");

	is_rv(utc("return '2026120123595900'", t), CKR_OK, "utc_time: 16 digits");
	ok(memcmp(t, "2026120123595900", 16) == 0, "... copied as they are");
	is_rv(utc("return '202612012359590'", t), CKR_FUNCTION_FAILED, "utc_time: 15 digits");
	is_rv(utc("return '20261201235959000'", t), CKR_FUNCTION_FAILED, "utc_time: 17 digits");
	is_rv(utc("return '2026-12-01T23:59Z'", t), CKR_FUNCTION_FAILED, "utc_time: not digits");
	is_rv(utc("return 2026120123595900", t), CKR_FUNCTION_FAILED, "utc_time: a number");
	is_rv(utc("return nil, 'CKR_DEVICE_ERROR'", t), CKR_DEVICE_ERROR,
	      "utc_time: the card failed");
	eval(vm, &fk, "M.utc_time = nil return 'ok'");
	{
		struct lb_card c = fake_card(&fk);

		is_rv(lb_utc_time(vm, &c, t), CKR_FUNCTION_NOT_SUPPORTED,
		      "a family without utc_time: CKR_FUNCTION_NOT_SUPPORTED");
	}

	is_rv(mechs("return { { type = CKM.RSA_PKCS, min = 1024, max = 4096, flags = CKF.SIGN }, "
		    "{ type = CKM.ECDSA } }", m, &n), CKR_OK, "mechanisms: two");
	ok(n == 2 && m[0].type == CKM_RSA_PKCS && m[0].info.ulMinKeySize == 1024 &&
	   m[0].info.ulMaxKeySize == 4096 && m[0].info.flags == CKF_SIGN, "... the first as given");
	ok(m[1].type == CKM_ECDSA && m[1].info.ulMinKeySize == 0 && m[1].info.flags == 0,
	   "... the second with the defaults");
	is_rv(mechs("return { { min = 1 } }", m, &n), CKR_FUNCTION_FAILED,
	      "mechanisms: an entry without type");
	ok(n == 0, "... none taken");
	is_rv(mechs("return { { type = 1, min = 2048, max = 1024 } }", m, &n), CKR_FUNCTION_FAILED,
	      "mechanisms: max below min");
	is_rv(mechs("return { { type = 1, flag = 1 } }", m, &n), CKR_FUNCTION_FAILED,
	      "mechanisms: an unknown key");
	is_rv(mechs("return { { type = -1 } }", m, &n), CKR_FUNCTION_FAILED,
	      "mechanisms: a negative type");
	is_rv(mechs("local l = {} for i = 1, 4097 do l[i] = { type = i } end return l", m, &n),
	      CKR_FUNCTION_FAILED, "mechanisms: more than the contract's 4096");
	lb_close(vm);
	return done_testing();
}
