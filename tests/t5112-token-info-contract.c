/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t5112 — the contract's token fields reach CK_TOKEN_INFO, through the test family
 * contracttest (rutoken_ecp with fields set over its answer) on a virtual Rutoken ECP:
 * CKF_WRITE_PROTECTED, CKF_CLOCK_ON_TOKEN with utcTime read at each call, the session
 * limits, the memory sizes, the hardware and firmware versions; plain rutoken_ecp's
 * defaults (no limit, memory CK_UNAVAILABLE_INFORMATION, no clock: utcTime blank); the PIN
 * flags of a card that tells only the remaining count (1: FINAL_TRY without COUNT_LOW,
 * 0: LOCKED); and a malformed answer (a field out of bounds, a clock that does not tell the
 * time) is CKR_FUNCTION_FAILED, not a crash or a half-filled CK_TOKEN_INFO.
 */
#include "api/contract_family.h"

static CK_FUNCTION_LIST_PTR f;

static CK_RV info(const char *answer, CK_TOKEN_INFO *ti)
{
	CK_SLOT_ID slot;
	CK_RV rv;

	if (!cf_answer(answer))
		return CKR_GENERAL_ERROR;
	rv = f->C_Initialize(NULL);
	if (rv != CKR_OK)
		return rv;
	rv = api_slot_of(f, 0, &slot);
	if (rv == CKR_OK)
		rv = f->C_GetTokenInfo(slot, ti);
	f->C_Finalize(NULL);
	return rv;
}

int main(int argc, char **argv)
{
	CK_TOKEN_INFO ti;
	CK_SLOT_ID slot;
	char model[32];

	api_rig(argv, 1);
	f = api_module();
	if (!cf_setup("t5112"))
		return done_testing();

	/* a token with both PINs, through plain rutoken_ecp's answers */
	is_rv(cf_answer(""), 1, "contracttest: no extra fields");
	is_rv(f->C_Initialize(NULL), CKR_OK, "C_Initialize");
	is_rv(api_slot_of(f, 0, &slot), CKR_OK, "the virtual token's slot");
	is_rv(api_prepare_token(f, slot, "t5112"), CKR_OK, "C_InitToken and C_InitPIN");
	is_rv(f->C_GetTokenInfo(slot, &ti), CKR_OK, "C_GetTokenInfo");
	api_unpad(model, ti.model, sizeof ti.model);
	is_str(model, "Rutoken ECP", "the model is rutoken_ecp's (contracttest adds nothing)");
	ok(!(ti.flags & (CKF_WRITE_PROTECTED | CKF_CLOCK_ON_TOKEN |
			 CKF_PROTECTED_AUTHENTICATION_PATH)),
	   "no write protection, clock or protected authentication path");
	is_ulong(ti.ulMaxSessionCount, CK_EFFECTIVELY_INFINITE, "no session limit");
	is_ulong(ti.ulMaxRwSessionCount, CK_EFFECTIVELY_INFINITE, "no read-write session limit");
	is_ulong(ti.ulTotalPublicMemory, CK_UNAVAILABLE_INFORMATION, "public memory unknown");
	is_ulong(ti.ulFreePrivateMemory, CK_UNAVAILABLE_INFORMATION, "free private memory unknown");
	ok(memcmp(ti.utcTime, "                ", 16) == 0, "utcTime blank without a clock");
	f->C_Finalize(NULL);

	/* every new field */
	is_rv(info("token_info = { write_protected = true, clock = true, max_sessions = 5, "
		   "max_rw_sessions = 2, total_public_memory = 65536, free_public_memory = 4096, "
		   "total_private_memory = 8192, free_private_memory = 512, hw = { 2, 1 }, "
		   "fw = { 3, 4 } }, utc_time = '2026120123595900'", &ti), CKR_OK,
	      "C_GetTokenInfo with the new fields");
	ok(ti.flags & CKF_WRITE_PROTECTED, "CKF_WRITE_PROTECTED");
	ok(ti.flags & CKF_CLOCK_ON_TOKEN, "CKF_CLOCK_ON_TOKEN");
	ok(ti.flags & CKF_TOKEN_INITIALIZED && ti.flags & CKF_USER_PIN_INITIALIZED,
	   "rutoken_ecp's own flags kept");
	ok(memcmp(ti.utcTime, "2026120123595900", 16) == 0, "utcTime from utc_time");
	is_ulong(ti.ulMaxSessionCount, 5, "ulMaxSessionCount");
	is_ulong(ti.ulMaxRwSessionCount, 2, "ulMaxRwSessionCount");
	is_ulong(ti.ulTotalPublicMemory, 65536, "ulTotalPublicMemory");
	is_ulong(ti.ulFreePublicMemory, 4096, "ulFreePublicMemory");
	is_ulong(ti.ulTotalPrivateMemory, 8192, "ulTotalPrivateMemory");
	is_ulong(ti.ulFreePrivateMemory, 512, "ulFreePrivateMemory");
	ok(ti.hardwareVersion.major == 2 && ti.hardwareVersion.minor == 1, "hardwareVersion 2.1");
	ok(ti.firmwareVersion.major == 3 && ti.firmwareVersion.minor == 4, "firmwareVersion 3.4");

	/* PIN counters without a maximum */
	is_rv(info("pin_info = { [CKU.USER] = { tries_left = 1 }, [CKU.SO] = { tries_left = 0 } }",
		   &ti), CKR_OK, "C_GetTokenInfo: only the remaining tries are known");
	ok(ti.flags & CKF_USER_PIN_FINAL_TRY, "one user try left: CKF_USER_PIN_FINAL_TRY");
	ok(!(ti.flags & CKF_USER_PIN_COUNT_LOW), "... without CKF_USER_PIN_COUNT_LOW (no maximum)");
	ok(!(ti.flags & CKF_USER_PIN_LOCKED), "... not locked");
	ok(ti.flags & CKF_SO_PIN_LOCKED, "no SO try left: CKF_SO_PIN_LOCKED");
	is_rv(info("pin_info = { [CKU.USER] = { tries_left = 3 } }", &ti), CKR_OK,
	      "C_GetTokenInfo: three tries left, no maximum");
	ok(!(ti.flags & (CKF_USER_PIN_FINAL_TRY | CKF_USER_PIN_COUNT_LOW | CKF_USER_PIN_LOCKED)),
	   "... no user PIN flag");
	is_rv(info("pin_info = { [CKU.USER] = { max_tries = 5, tries_left = 3 } }", &ti), CKR_OK,
	      "C_GetTokenInfo: three of five tries left");
	ok(ti.flags & CKF_USER_PIN_COUNT_LOW && !(ti.flags & CKF_USER_PIN_FINAL_TRY),
	   "... CKF_USER_PIN_COUNT_LOW with the maximum known");

	/* malformed answers */
	is_rv(info("token_info = { max_sessions = -5 }", &ti), CKR_FUNCTION_FAILED,
	      "max_sessions -5: CKR_FUNCTION_FAILED");
	is_rv(info("token_info = { free_public_memory = 10, total_public_memory = 5 }", &ti),
	      CKR_FUNCTION_FAILED, "more free memory than total: CKR_FUNCTION_FAILED");
	is_rv(info("token_info = { clock = true }", &ti), CKR_FUNCTION_FAILED,
	      "a clock without utc_time: CKR_FUNCTION_FAILED");
	is_rv(info("token_info = { clock = true }, utc_time = 'noon'", &ti), CKR_FUNCTION_FAILED,
	      "a clock answering 'noon': CKR_FUNCTION_FAILED");
	is_rv(info("token_info = { hw = 2 }", &ti), CKR_FUNCTION_FAILED,
	      "a hardware version that is a number: CKR_FUNCTION_FAILED");
	is_rv(info("", &ti), CKR_OK, "the plain answer again: the token is fine");

	cf_cleanup();
	return done_testing();
}
