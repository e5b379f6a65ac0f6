/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t5111 — C_GetSlotInfo tells the reader's vendor and version as PC/SC's driver gives them
 * (SCARD_ATTR_VENDOR_NAME, SCARD_ATTR_VENDOR_IFD_VERSION), learnt through the card handle
 * the module opens anyway: before any card call the slot says "PC/SC reader" and the
 * module has neither connected nor asked (the zero-APDU, zero-connect start); after
 * C_GetTokenInfo it names the vendor and version 2.5, asked once only, and C_GetSlotInfo
 * sends no APDU. The driver's side is played by build/t/pcsc-attr-shim.so (LD_PRELOAD);
 * the virtual token's real driver, vpcd, tells neither, and then "PC/SC reader" stays.
 */
#include "api/api.h"

typedef int (*count_fn)(void);

int main(int argc, char **argv)
{
	CK_FUNCTION_LIST_PTR f;
	CK_SLOT_INFO si;
	CK_TOKEN_INFO ti;
	CK_SLOT_ID slot = 0;
	count_fn connects, getattribs;
	char man[33];
	long apdus;
	int asked;

	(void)argc;
	api_rig(argv, 1);
	if (getenv("LD_PRELOAD") == NULL || strstr(getenv("LD_PRELOAD"), "pcsc-attr-shim") == NULL) {
		char shim[4096], pre[8192];
		const char *san = getenv("SAN_PRELOAD");   /* make check-asan: ASan comes first */

		build_path(shim, sizeof shim, "t/pcsc-attr-shim.so");
		snprintf(pre, sizeof pre, "%s%s%s", san != NULL ? san : "", san != NULL ? ":" : "",
			 shim);
		setenv("LD_PRELOAD", pre, 1);
		execv(argv[0], argv);
		printf("Bail out! cannot re-execute with the shim\n");
		return 255;
	}
	connects = (count_fn)dlsym(RTLD_DEFAULT, "shim_connect_count");
	getattribs = (count_fn)dlsym(RTLD_DEFAULT, "shim_getattrib_count");
	if (connects == NULL || getattribs == NULL) {
		printf("Bail out! the shim is not loaded\n");
		return 255;
	}
	f = api_module();
	is_rv(f->C_Initialize(NULL), CKR_OK, "C_Initialize");
	is_rv(api_slot_of(f, 0, &slot), CKR_OK, "the token's slot");
	is_rv(f->C_GetSlotInfo(slot, &si), CKR_OK, "C_GetSlotInfo before any card call");
	api_unpad(man, si.manufacturerID, sizeof si.manufacturerID);
	is_str(man, "PC/SC reader", "... the manufacturer is not known yet");
	ok(si.hardwareVersion.major == 0 && si.hardwareVersion.minor == 0, "... nor the version");
	is_ulong((unsigned long)connects(), 0, "... and the module has not connected to the card");
	is_ulong((unsigned long)getattribs(), 0, "... nor asked the driver");

	is_rv(f->C_GetTokenInfo(slot, &ti), CKR_OK, "C_GetTokenInfo connects to the card");
	asked = getattribs();
	ok(asked >= 1, "... and asks the driver through that handle (%d)", asked);
	apdus = api_apdus(0);
	is_rv(f->C_GetSlotInfo(slot, &si), CKR_OK, "C_GetSlotInfo");
	api_unpad(man, si.manufacturerID, sizeof si.manufacturerID);
	is_str(man, "Scriptoki Test Readers", "... the manufacturer is the driver's vendor name");
	ok(si.hardwareVersion.major == 2 && si.hardwareVersion.minor == 5,
	   "... the hardware version is the driver's IFD version 2.5 (got %u.%u)",
	   si.hardwareVersion.major, si.hardwareVersion.minor);
	ok((si.flags & CKF_TOKEN_PRESENT) && (si.flags & CKF_HW_SLOT), "... flags as before");
	is_ulong((unsigned long)(api_apdus(0) - apdus), 0, "... C_GetSlotInfo sent no APDU");
	is_rv(f->C_GetTokenInfo(slot, &ti), CKR_OK, "C_GetTokenInfo again");
	is_rv(f->C_GetSlotInfo(slot, &si), CKR_OK, "C_GetSlotInfo again");
	is_ulong((unsigned long)getattribs(), (unsigned long)asked, "... the driver is asked once");
	is_rv(f->C_Finalize(NULL), CKR_OK, "C_Finalize");
	return done_testing();
}
