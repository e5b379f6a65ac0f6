/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t5012 — what spec/functions.yaml requires of a session (`rw:`, `login:`), on a virtual
 * token: C_InitPIN (rw, login: so), C_SetPIN (rw) and C_Logout (login: any).
 *   - a read-only session: CKR_SESSION_READ_ONLY, before the PIN arguments are looked at,
 *     and without an APDU;
 *   - nobody, or the wrong user, logged in: CKR_USER_NOT_LOGGED_IN, without an APDU;
 *   - the requirement met, the function's own checks follow (a NULL PIN:
 *     CKR_ARGUMENTS_BAD) and it works;
 *   - the SO's login lost to a card reset by another application: CKR_USER_NOT_LOGGED_IN
 *     (the requirement is checked against the card's state, not a stale one).
 */
#include "api/api.h"

static CK_FUNCTION_LIST_PTR f;

/* Another PC/SC application (build/pcsc-probe) resets the card; 0 when it did. */
static int reset_card(void)
{
	char cmd[512], line[256], last[256] = "";
	FILE *p;

	snprintf(cmd, sizeof cmd, "'%s/pcsc-probe' -r '%s' reset 2>&1", build_dir(),
		 api_env(0, "READER"));
	fflush(stdout);
	p = popen(cmd, "r");
	if (p == NULL)
		return -1;
	while (fgets(line, sizeof line, p) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		snprintf(last, sizeof last, "%s", line);
	}
	if (pclose(p) != 0 || strcmp(last, "reset") != 0) {
		diag("pcsc-probe: %s", last);
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	CK_SLOT_ID slot = 0;
	CK_SESSION_HANDLE ro = 0, rw = 0;
	char cmd[4096];
	long mark;

	api_rig(argv, 1);
	if (access(build_path(cmd, sizeof cmd, "pcsc-probe"), X_OK) != 0)
		skip_all("pcsc-probe is not built");
	f = api_module();
	is_rv(f->C_Initialize(NULL), CKR_OK, "C_Initialize");
	is_rv(api_slot_of(f, 0, &slot), CKR_OK, "the token's slot");
	is_rv(api_prepare_token(f, slot, "t5012"), CKR_OK, "C_InitToken and C_InitPIN");
	is_rv(f->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &ro), CKR_OK, "R/O session");
	is_rv(f->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &rw), CKR_OK,
	      "R/W session");

	/* rw: true */
	mark = api_apdus(0);
	is_rv(f->C_InitPIN(ro, API_PIN(API_USER_PIN)), CKR_SESSION_READ_ONLY,
	      "C_InitPIN in an R/O session: CKR_SESSION_READ_ONLY");
	is_rv(f->C_InitPIN(ro, NULL, 0), CKR_SESSION_READ_ONLY,
	      "... also with a NULL PIN: the session is said first");
	is_rv(f->C_SetPIN(ro, API_PIN(API_USER_PIN), API_PIN("11112222")), CKR_SESSION_READ_ONLY,
	      "C_SetPIN in an R/O session: CKR_SESSION_READ_ONLY");
	is_rv(f->C_SetPIN(ro, NULL, 0, NULL, 0), CKR_SESSION_READ_ONLY,
	      "... also with NULL PINs");
	is_rv(f->C_SetPIN(rw, NULL, 0, NULL, 0), CKR_ARGUMENTS_BAD,
	      "C_SetPIN in an R/W session with NULL PINs: CKR_ARGUMENTS_BAD");
	/* login: so and login: any, nobody logged in */
	is_rv(f->C_InitPIN(rw, API_PIN(API_USER_PIN)), CKR_USER_NOT_LOGGED_IN,
	      "C_InitPIN, nobody logged in: CKR_USER_NOT_LOGGED_IN");
	is_rv(f->C_InitPIN(rw, NULL, 0), CKR_USER_NOT_LOGGED_IN,
	      "... also with a NULL PIN");
	is_rv(f->C_Logout(rw), CKR_USER_NOT_LOGGED_IN, "C_Logout, nobody logged in");
	is_rv(f->C_Logout(ro), CKR_USER_NOT_LOGGED_IN, "... from the R/O session too");
	is_ulong(api_apdus(0) - mark, 0, "none of these sent an APDU");

	/* the user is not the SO */
	is_rv(f->C_Login(ro, CKU_USER, API_PIN(API_USER_PIN)), CKR_OK, "the user logs in");
	mark = api_apdus(0);
	is_rv(f->C_InitPIN(rw, API_PIN(API_USER_PIN)), CKR_USER_NOT_LOGGED_IN,
	      "C_InitPIN as the user: CKR_USER_NOT_LOGGED_IN (login: so)");
	is_ulong(api_apdus(0) - mark, 0, "... without an APDU");
	is_rv(f->C_Logout(rw), CKR_OK, "C_Logout as the user (login: any)");
	is_rv(f->C_Logout(ro), CKR_USER_NOT_LOGGED_IN, "a second C_Logout");

	/* the SO */
	is_rv(f->C_CloseSession(ro), CKR_OK, "the R/O session closed (the SO needs none)");
	is_rv(f->C_Login(rw, CKU_SO, API_PIN(API_SO_PIN)), CKR_OK, "the SO logs in");
	is_rv(f->C_InitPIN(rw, NULL, 0), CKR_ARGUMENTS_BAD,
	      "C_InitPIN as the SO with a NULL PIN: the function's own CKR_ARGUMENTS_BAD");
	is_rv(f->C_InitPIN(rw, API_PIN(API_USER_PIN)), CKR_OK, "C_InitPIN as the SO");

	/* the SO's login lost to a reset by another application */
	is_ulong(reset_card(), 0, "another application resets the card");
	is_rv(f->C_InitPIN(rw, API_PIN(API_USER_PIN)), CKR_USER_NOT_LOGGED_IN,
	      "C_InitPIN after the reset: CKR_USER_NOT_LOGGED_IN");
	is_rv(f->C_Logout(rw), CKR_USER_NOT_LOGGED_IN,
	      "C_Logout after the reset: nobody is logged in");
	is_rv(f->C_Login(rw, CKU_SO, API_PIN(API_SO_PIN)), CKR_OK, "the SO logs in again");
	is_rv(f->C_Logout(rw), CKR_OK, "the SO logs out");
	is_rv(f->C_Finalize(NULL), CKR_OK, "C_Finalize");
	return done_testing();
}
