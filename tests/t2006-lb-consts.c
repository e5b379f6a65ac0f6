/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t2006 — the constant tables a script sees hold the values of generated/cryptoki.h,
 * under the name without its prefix; every CKR_ of the spec is there.
 */
#include "lb/lb_test.h"

int main(void)
{
	static const struct {
		const char *lua;
		unsigned long value;
	} want[] = {
		{ "CKR.OK", CKR_OK },
		{ "CKR.PIN_INCORRECT", CKR_PIN_INCORRECT },
		{ "CKR.PIN_LOCKED", CKR_PIN_LOCKED },
		{ "CKR.DEVICE_REMOVED", CKR_DEVICE_REMOVED },
		{ "CKR.FUNCTION_FAILED", CKR_FUNCTION_FAILED },
		{ "CKR.VENDOR_DEFINED", CKR_VENDOR_DEFINED },
		{ "CKM.RSA_PKCS", CKM_RSA_PKCS },
		{ "CKM.SHA256_RSA_PKCS", CKM_SHA256_RSA_PKCS },
		{ "CKM.ECDSA", CKM_ECDSA },
		{ "CKM.EC_KEY_PAIR_GEN", CKM_EC_KEY_PAIR_GEN },
		{ "CKM.GOSTR3410", CKM_GOSTR3410 },
		{ "CKA.LABEL", CKA_LABEL },
		{ "CKA.VALUE", CKA_VALUE },
		{ "CKA.ID", CKA_ID },
		{ "CKK.RSA", CKK_RSA },
		{ "CKK.EC", CKK_EC },
		{ "CKO.PRIVATE_KEY", CKO_PRIVATE_KEY },
		{ "CKO.CERTIFICATE", CKO_CERTIFICATE },
		{ "CKU.SO", CKU_SO },
		{ "CKU.USER", CKU_USER },
		{ "CKU.CONTEXT_SPECIFIC", CKU_CONTEXT_SPECIFIC },
		{ "CKF.RNG", CKF_RNG },
		{ "CKF.TOKEN_INITIALIZED", CKF_TOKEN_INITIALIZED },
		{ "CKF.USER_PIN_LOCKED", CKF_USER_PIN_LOCKED },
		{ "CKF.HW", CKF_HW },
		{ "CKF.SIGN", CKF_SIGN },
		{ "CKF.GENERATE_KEY_PAIR", CKF_GENERATE_KEY_PAIR },
		{ "CKF.SERIAL_SESSION", CKF_SERIAL_SESSION },
		{ "CK.TRUE", CK_TRUE },
	};
	struct fake f = { 0 };
	struct lb_vm *vm = open_probe();
	char code[160], expect[64];
	size_t i, nckr = 0;

	for (i = 0; i < sizeof want / sizeof want[0]; i++) {
		snprintf(code, sizeof code, "return ('%%d'):format(%s)", want[i].lua);
		snprintf(expect, sizeof expect, "%ld", (long)want[i].value);
		is_eval(vm, &f, code, expect, "%s == 0x%lx", want[i].lua, want[i].value);
	}
	is_eval(vm, &f, "return ('%d'):format(CK.UNAVAILABLE_INFORMATION)", "-1",
		"CK_UNAVAILABLE_INFORMATION (~0) reads as -1");
	is_eval(vm, &f, "return tostring(CKR.NO_SUCH_CODE)", "nil", "an unknown name is nil");
	is_eval(vm, &f, "return tostring(CKR.CKR_OK)", "nil", "names carry no prefix");

	for (i = 0; i < sk_consts_count; i++)
		if (sk_consts[i].family == SK_FAM_CKR)
			nckr++;
	snprintf(expect, sizeof expect, "%zu", nckr);
	is_eval(vm, &f, "local n = 0 for k, v in pairs(CKR) do n = n + 1 end return n .. ''",
		expect, "pairs(CKR) sees every CKR_ of the spec (%zu)", nckr);
	is_eval(vm, &f, "for k, v in pairs(CKR) do\n"
			"  if type(k) ~= 'string' or math.type(v) ~= 'integer' then return k end\n"
			"end return 'ok'", "ok", "names are strings, values integers");
	is_eval(vm, &f, "return tostring(pcall(function() CKM.NEW = 1 end))", "false",
		"adding a constant is refused");
	is_eval(vm, &f, "return tostring(pcall(rawset, CKM, 'RSA_PKCS', 1)) .. CKM.RSA_PKCS",
		"false1", "nor can rawset shadow one");
	is_eval(vm, &f, "return tostring(getmetatable(CKR))", "constants",
		"the metatable is not given away");
	lb_close(vm);
	return done_testing();
}
