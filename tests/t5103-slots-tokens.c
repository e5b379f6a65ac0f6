/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t5103 — C_GetSlotList's two-call convention and CKR_BUFFER_TOO_SMALL, slot IDs stable
 * across calls, CKR_SLOT_ID_INVALID for unknown slots in every slot function,
 * C_GetSlotInfo and C_GetTokenInfo field by field (label, manufacturer, model, serial as
 * the token's GET DATA gives it, flags before and after initialisation, PIN limits,
 * session counts), C_GetMechanismList / C_GetMechanismInfo (two-call,
 * CKR_BUFFER_TOO_SMALL, CKR_MECHANISM_INVALID), C_InitToken's refusals (a session open,
 * a wrong SO PIN: the token stays as it was), a card no script knows (the rig's echo
 * reader: a slot with a token, CKR_TOKEN_NOT_RECOGNIZED), and bad input: NULL pointers,
 * invalid and closed session handles, flags the standard forbids.
 */
#include <ctype.h>

#include "api/api.h"

static CK_FUNCTION_LIST_PTR f;

static int padded(const CK_UTF8CHAR *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] == '\0')
			return 0;
	return 1;
}

/* The serial the virtual token announced in its trace ("# start port P serial XXXXXXXX"). */
static int trace_serial(char *out, size_t cap)
{
	const char *path = api_env(0, "TRACE");
	char line[512];
	int found = 0;
	FILE *fp;

	if (path == NULL || (fp = fopen(path, "r")) == NULL)
		return 0;
	while (!found && fgets(line, sizeof line, fp) != NULL) {
		char *p = strstr(line, " serial ");
		size_t i;

		if (line[0] != '#' || p == NULL)
			continue;
		p += 8;
		for (i = 0; i + 1 < cap && isxdigit((unsigned char)p[i]); i++)
			out[i] = (char)tolower((unsigned char)p[i]);
		out[i] = '\0';
		found = i > 0;
	}
	fclose(fp);
	return found;
}

static void invalid_slot(CK_SLOT_ID bad)
{
	CK_SLOT_INFO sli;
	CK_TOKEN_INFO ti;
	CK_MECHANISM_INFO mi;
	CK_MECHANISM_TYPE mt[4];
	CK_ULONG n = 4;
	CK_SESSION_HANDLE h;
	CK_UTF8CHAR label[32];

	memset(label, ' ', sizeof label);
	is_rv(f->C_GetSlotInfo(bad, &sli), CKR_SLOT_ID_INVALID, "C_GetSlotInfo(%lu)", bad);
	is_rv(f->C_GetTokenInfo(bad, &ti), CKR_SLOT_ID_INVALID, "C_GetTokenInfo(%lu)", bad);
	is_rv(f->C_GetMechanismList(bad, NULL, &n), CKR_SLOT_ID_INVALID,
	      "C_GetMechanismList(%lu, NULL)", bad);
	is_rv(f->C_GetMechanismList(bad, mt, &n), CKR_SLOT_ID_INVALID, "C_GetMechanismList(%lu)",
	      bad);
	is_rv(f->C_GetMechanismInfo(bad, CKM_RSA_PKCS, &mi), CKR_SLOT_ID_INVALID,
	      "C_GetMechanismInfo(%lu)", bad);
	is_rv(f->C_OpenSession(bad, CKF_SERIAL_SESSION, NULL, NULL, &h), CKR_SLOT_ID_INVALID,
	      "C_OpenSession(%lu)", bad);
	is_rv(f->C_CloseAllSessions(bad), CKR_SLOT_ID_INVALID, "C_CloseAllSessions(%lu)", bad);
	is_rv(f->C_InitToken(bad, API_PIN(API_SO_PIN), label), CKR_SLOT_ID_INVALID,
	      "C_InitToken(%lu)", bad);
}

static void invalid_session(CK_SESSION_HANDLE bad, const char *what)
{
	CK_SESSION_INFO si;

	is_rv(f->C_GetSessionInfo(bad, &si), CKR_SESSION_HANDLE_INVALID, "%s: C_GetSessionInfo",
	      what);
	is_rv(f->C_Login(bad, CKU_USER, API_PIN(API_USER_PIN)), CKR_SESSION_HANDLE_INVALID,
	      "%s: C_Login", what);
	is_rv(f->C_Login(bad, 77, API_PIN(API_USER_PIN)), CKR_SESSION_HANDLE_INVALID,
	      "%s: C_Login with a bad user type", what);
	is_rv(f->C_Logout(bad), CKR_SESSION_HANDLE_INVALID, "%s: C_Logout", what);
	is_rv(f->C_InitPIN(bad, API_PIN(API_USER_PIN)), CKR_SESSION_HANDLE_INVALID,
	      "%s: C_InitPIN", what);
	is_rv(f->C_SetPIN(bad, API_PIN(API_USER_PIN), API_PIN(API_USER_PIN)),
	      CKR_SESSION_HANDLE_INVALID, "%s: C_SetPIN", what);
	is_rv(f->C_CloseSession(bad), CKR_SESSION_HANDLE_INVALID, "%s: C_CloseSession", what);
}

int main(int argc, char **argv)
{
	CK_SLOT_ID ids[8], ids2[8], slot = 0, echo;
	CK_SLOT_INFO sli;
	CK_TOKEN_INFO ti;
	CK_SESSION_INFO si;
	CK_SESSION_HANDLE ro, rw, h;
	CK_MECHANISM_TYPE *mt;
	CK_MECHANISM_INFO mi;
	CK_ULONG n, n2, k, nm;
	CK_SLOT_ID ev;
	char s[80], serial[32];
	int i, all_ok, same;

	api_rig_opt(argv, 2, 120, "--echo");
	f = api_module();
	is_rv(f->C_Initialize(NULL), CKR_OK, "C_Initialize");

	/* C_GetSlotList */
	is_rv(f->C_GetSlotList(CK_TRUE, NULL, NULL), CKR_ARGUMENTS_BAD, "C_GetSlotList: NULL count");
	n = 0;
	is_rv(f->C_GetSlotList(CK_TRUE, NULL, &n), CKR_OK, "C_GetSlotList(NULL): the size");
	is_ulong(n, 3, "three slots with a card: two tokens and the echo card");
	n2 = 1;
	ids[1] = 4242;
	is_rv(f->C_GetSlotList(CK_TRUE, ids, &n2), CKR_BUFFER_TOO_SMALL, "a buffer for one");
	is_ulong(n2, 3, "CKR_BUFFER_TOO_SMALL tells the size needed");
	is_ulong(ids[1], 4242, "and writes nothing past the buffer");
	n2 = 0;
	is_rv(f->C_GetSlotList(CK_FALSE, ids, &n2), CKR_BUFFER_TOO_SMALL, "a buffer for none");
	ok(n2 >= 3, "the size again (%lu)", n2);
	n = 8;
	is_rv(f->C_GetSlotList(CK_TRUE, ids, &n), CKR_OK, "C_GetSlotList with room");
	is_ulong(n, 3, "three slots");
	ok(ids[0] != ids[1] && ids[1] != ids[2] && ids[0] != ids[2], "three different IDs");
	same = 1;
	for (i = 0; i < 5; i++) {
		n2 = 8;
		if (i % 2 == 0) {
			/* every slot with a card is among all slots */
			if (f->C_GetSlotList(CK_FALSE, ids2, &n2) != CKR_OK || n2 < n)
				same = 0;
			for (k = 0; k < n; k++) {
				CK_ULONG j;
				int found = 0;

				for (j = 0; j < n2; j++)
					found |= ids2[j] == ids[k];
				same &= found;
			}
		} else if (f->C_GetSlotList(CK_TRUE, ids2, &n2) != CKR_OK || n2 != n ||
			   memcmp(ids, ids2, n * sizeof ids[0]) != 0) {
			same = 0;
		}
	}
	ok(same, "the slot IDs are the same in later calls, with and without tokenPresent");
	is_rv(api_slot_of(f, 0, &slot), CKR_OK, "token 0's slot");

	/* C_GetSlotInfo */
	is_rv(f->C_GetSlotInfo(slot, NULL), CKR_ARGUMENTS_BAD, "C_GetSlotInfo: NULL");
	is_rv(f->C_GetSlotInfo(slot, &sli), CKR_OK, "C_GetSlotInfo");
	ok(padded(sli.slotDescription, sizeof sli.slotDescription) &&
	   padded(sli.manufacturerID, sizeof sli.manufacturerID), "its strings are blank-padded");
	api_unpad(s, sli.slotDescription, sizeof sli.slotDescription);
	is_str(s, api_env(0, "READER"), "the description is the reader's name");
	is_ulong(sli.flags & (CKF_TOKEN_PRESENT | CKF_REMOVABLE_DEVICE | CKF_HW_SLOT),
		 CKF_TOKEN_PRESENT | CKF_REMOVABLE_DEVICE | CKF_HW_SLOT,
		 "CKF_TOKEN_PRESENT | CKF_REMOVABLE_DEVICE | CKF_HW_SLOT");

	/* invalid slots */
	invalid_slot(99);
	invalid_slot(12345);

	/* a card the scripts do not know: a slot with a token that is not recognised */
	n2 = 8;
	f->C_GetSlotList(CK_TRUE, ids2, &n2);
	echo = (CK_SLOT_ID)-1;
	for (k = 0; k < n2; k++) {
		if (f->C_GetSlotInfo(ids2[k], &sli) != CKR_OK)
			continue;
		api_unpad(s, sli.slotDescription, sizeof sli.slotDescription);
		if (getenv("RESPONDER_READER") != NULL && strcmp(s, getenv("RESPONDER_READER")) == 0)
			echo = ids2[k];
	}
	ok(echo != (CK_SLOT_ID)-1, "the echo card's reader is a slot with a token (%lu)", echo);
	is_rv(f->C_GetTokenInfo(echo, &ti), CKR_TOKEN_NOT_RECOGNIZED,
	      "its C_GetTokenInfo: CKR_TOKEN_NOT_RECOGNIZED");
	is_rv(f->C_OpenSession(echo, CKF_SERIAL_SESSION, NULL, NULL, &h), CKR_TOKEN_NOT_RECOGNIZED,
	      "its C_OpenSession: CKR_TOKEN_NOT_RECOGNIZED");
	n2 = 0;
	is_rv(f->C_GetMechanismList(echo, NULL, &n2), CKR_TOKEN_NOT_RECOGNIZED,
	      "its C_GetMechanismList: CKR_TOKEN_NOT_RECOGNIZED");
	invalid_slot((CK_SLOT_ID)-1);

	/* C_GetTokenInfo: the factory token */
	is_rv(f->C_GetTokenInfo(slot, NULL), CKR_ARGUMENTS_BAD, "C_GetTokenInfo: NULL");
	is_rv(f->C_GetTokenInfo(slot, &ti), CKR_OK, "C_GetTokenInfo of a factory token");
	ok(padded(ti.label, 32) && padded(ti.manufacturerID, 32) && padded(ti.model, 16) &&
	   padded(ti.serialNumber, 16), "its strings are blank-padded");
	api_unpad(s, ti.manufacturerID, sizeof ti.manufacturerID);
	is_str(s, "Aktiv Co.", "manufacturer");
	api_unpad(s, ti.model, sizeof ti.model);
	is_str(s, "Rutoken ECP", "model");
	api_unpad(s, ti.serialNumber, sizeof ti.serialNumber);
	ok(trace_serial(serial, sizeof serial), "the token's serial, from its trace: %s", serial);
	is_str(s, serial, "serialNumber is the serial of GET DATA, in hex");
	ok(ti.flags & CKF_RNG, "CKF_RNG");
	ok(ti.flags & CKF_LOGIN_REQUIRED, "CKF_LOGIN_REQUIRED");
	ok(!(ti.flags & CKF_TOKEN_INITIALIZED), "no CKF_TOKEN_INITIALIZED before C_InitToken");
	ok(!(ti.flags & CKF_USER_PIN_INITIALIZED), "no CKF_USER_PIN_INITIALIZED either");
	ok(!(ti.flags & (CKF_USER_PIN_LOCKED | CKF_SO_PIN_LOCKED | CKF_USER_PIN_FINAL_TRY |
			 CKF_SO_PIN_FINAL_TRY | CKF_WRITE_PROTECTED | CKF_CLOCK_ON_TOKEN)),
	   "no locked, final-try, write-protected or clock flag");

	/* initialised */
	is_rv(api_prepare_token(f, slot, "t5103 token"), CKR_OK, "C_InitToken + C_InitPIN");
	is_rv(f->C_GetTokenInfo(slot, &ti), CKR_OK, "C_GetTokenInfo after initialisation");
	api_unpad(s, ti.label, sizeof ti.label);
	is_str(s, "t5103 token", "the label C_InitToken gave");
	api_unpad(s, ti.serialNumber, sizeof ti.serialNumber);
	is_str(s, serial, "the same serial");
	ok(ti.flags & CKF_TOKEN_INITIALIZED, "CKF_TOKEN_INITIALIZED");
	ok(ti.flags & CKF_USER_PIN_INITIALIZED, "CKF_USER_PIN_INITIALIZED");
	ok(ti.flags & CKF_LOGIN_REQUIRED, "CKF_LOGIN_REQUIRED");
	ok(!(ti.flags & (CKF_USER_PIN_COUNT_LOW | CKF_SO_PIN_COUNT_LOW)), "no PIN count low");
	ok(ti.ulMinPinLen >= 1 && ti.ulMinPinLen <= 8, "ulMinPinLen %lu (1..8)", ti.ulMinPinLen);
	ok(ti.ulMaxPinLen >= 8 && ti.ulMaxPinLen <= 32, "ulMaxPinLen %lu (8..32)", ti.ulMaxPinLen);
	is_ulong(ti.ulMaxSessionCount, CK_EFFECTIVELY_INFINITE, "ulMaxSessionCount");
	is_ulong(ti.ulMaxRwSessionCount, CK_EFFECTIVELY_INFINITE, "ulMaxRwSessionCount");
	is_ulong(ti.ulSessionCount, 0, "no session");
	is_ulong(ti.ulRwSessionCount, 0, "no R/W session");
	is_ulong(ti.ulTotalPublicMemory, CK_UNAVAILABLE_INFORMATION, "memory: unavailable");

	/* C_InitToken refuses while a session exists, and with a wrong SO PIN */
	is_rv(f->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &h), CKR_OK, "a session");
	is_rv(f->C_InitToken(slot, API_PIN(API_SO_PIN), (CK_UTF8CHAR_PTR)"gone                            "),
	      CKR_SESSION_EXISTS, "C_InitToken with a session open: CKR_SESSION_EXISTS");
	is_rv(f->C_CloseSession(h), CKR_OK, "closed");
	is_rv(f->C_InitToken(slot, API_PIN("11111111"), (CK_UTF8CHAR_PTR)"gone                            "),
	      CKR_PIN_INCORRECT, "C_InitToken with a wrong SO PIN: CKR_PIN_INCORRECT");
	is_rv(f->C_GetTokenInfo(slot, &ti), CKR_OK, "C_GetTokenInfo");
	api_unpad(s, ti.label, sizeof ti.label);
	is_str(s, "t5103 token", "the token is untouched");
	ok(ti.flags & CKF_USER_PIN_INITIALIZED, "its user PIN too");
	ok(ti.flags & CKF_SO_PIN_COUNT_LOW, "the wrong SO PIN shows as CKF_SO_PIN_COUNT_LOW");

	/* session counts */
	is_rv(f->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, NULL), CKR_ARGUMENTS_BAD,
	      "C_OpenSession: NULL handle pointer");
	is_rv(f->C_OpenSession(slot, 0, NULL, NULL, &h), CKR_SESSION_PARALLEL_NOT_SUPPORTED,
	      "C_OpenSession without CKF_SERIAL_SESSION");
	is_rv(f->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &ro), CKR_OK, "an R/O session");
	is_rv(f->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &rw), CKR_OK,
	      "an R/W session");
	ok(ro != CK_INVALID_HANDLE && rw != CK_INVALID_HANDLE && ro != rw, "two valid handles");
	is_rv(f->C_GetTokenInfo(slot, &ti), CKR_OK, "C_GetTokenInfo");
	is_ulong(ti.ulSessionCount, 2, "two sessions");
	is_ulong(ti.ulRwSessionCount, 1, "one of them R/W");
	is_rv(f->C_GetSessionInfo(ro, NULL), CKR_ARGUMENTS_BAD, "C_GetSessionInfo: NULL");
	is_rv(f->C_GetSessionInfo(rw, &si), CKR_OK, "C_GetSessionInfo");
	is_ulong(si.slotID, slot, "its slot");
	is_ulong(si.state, CKS_RW_PUBLIC_SESSION, "CKS_RW_PUBLIC_SESSION");
	is_ulong(si.flags, CKF_SERIAL_SESSION | CKF_RW_SESSION, "its flags");
	is_rv(f->C_CloseSession(rw), CKR_OK, "close the R/W session");
	is_rv(f->C_GetTokenInfo(slot, &ti), CKR_OK, "C_GetTokenInfo");
	is_ulong(ti.ulSessionCount, 1, "one session");
	is_ulong(ti.ulRwSessionCount, 0, "no R/W session");

	/* bad session handles */
	invalid_session(CK_INVALID_HANDLE, "handle 0");
	invalid_session(0xdeadbeef, "handle 0xdeadbeef");
	invalid_session(rw, "a closed handle");
	is_rv(f->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &h), CKR_OK, "a new session");
	ok(h != rw && h != ro, "handles are not reused");
	is_rv(f->C_Login(ro, CKU_USER, NULL, 8), CKR_ARGUMENTS_BAD, "C_Login: NULL PIN");
	is_rv(f->C_CloseAllSessions(slot), CKR_OK, "C_CloseAllSessions");
	invalid_session(ro, "after C_CloseAllSessions");
	is_rv(f->C_GetTokenInfo(slot, &ti), CKR_OK, "C_GetTokenInfo");
	is_ulong(ti.ulSessionCount, 0, "no session left");

	/* mechanisms */
	is_rv(f->C_GetMechanismList(slot, NULL, NULL), CKR_ARGUMENTS_BAD,
	      "C_GetMechanismList: NULL count");
	nm = 0;
	is_rv(f->C_GetMechanismList(slot, NULL, &nm), CKR_OK, "C_GetMechanismList: the size");
	ok(nm >= 1, "some mechanisms (%lu)", nm);
	mt = calloc(nm + 1, sizeof *mt);
	n = nm - 1;
	mt[nm - 1] = 4242;
	is_rv(f->C_GetMechanismList(slot, mt, &n), CKR_BUFFER_TOO_SMALL, "room for one less");
	is_ulong(n, nm, "the size needed");
	is_ulong(mt[nm - 1], 4242, "nothing written past the buffer");
	n = nm + 1;
	is_rv(f->C_GetMechanismList(slot, mt, &n), CKR_OK, "C_GetMechanismList");
	is_ulong(n, nm, "as many as announced");
	all_ok = 1;
	for (k = 0; k < n; k++) {
		if (f->C_GetMechanismInfo(slot, mt[k], &mi) != CKR_OK || mi.ulMinKeySize >
		    mi.ulMaxKeySize || mi.flags == 0) {
			diag("mechanism 0x%lx: no sensible C_GetMechanismInfo", mt[k]);
			all_ok = 0;
		}
	}
	ok(all_ok, "C_GetMechanismInfo describes every mechanism listed");
	all_ok = 0;
	for (k = 0; k < n; k++)
		if (mt[k] == CKM_RSA_PKCS && f->C_GetMechanismInfo(slot, mt[k], &mi) == CKR_OK &&
		    (mi.flags & CKF_SIGN) && (mi.flags & CKF_HW))
			all_ok = 1;
	ok(all_ok, "CKM_RSA_PKCS is there, CKF_SIGN and CKF_HW");
	is_rv(f->C_GetMechanismInfo(slot, CKM_VENDOR_DEFINED | 0x7777, &mi), CKR_MECHANISM_INVALID,
	      "an unknown mechanism: CKR_MECHANISM_INVALID");
	is_rv(f->C_GetMechanismInfo(slot, CKM_RSA_PKCS, NULL), CKR_ARGUMENTS_BAD,
	      "C_GetMechanismInfo: NULL");
	free(mt);

	/* C_WaitForSlotEvent's arguments */
	is_rv(f->C_WaitForSlotEvent(CKF_DONT_BLOCK, NULL, NULL), CKR_ARGUMENTS_BAD,
	      "C_WaitForSlotEvent: NULL slot");
	is_rv(f->C_WaitForSlotEvent(CKF_DONT_BLOCK, &ev, &ev), CKR_ARGUMENTS_BAD,
	      "C_WaitForSlotEvent: pReserved not NULL");

	is_rv(f->C_Finalize(NULL), CKR_OK, "C_Finalize");
	n = 0;
	is_rv(f->C_GetSlotList(CK_TRUE, NULL, &n), CKR_CRYPTOKI_NOT_INITIALIZED,
	      "C_GetSlotList after C_Finalize");
	is_rv(f->C_GetSessionInfo(h, &si), CKR_CRYPTOKI_NOT_INITIALIZED,
	      "C_GetSessionInfo after C_Finalize");
	return done_testing();
}
