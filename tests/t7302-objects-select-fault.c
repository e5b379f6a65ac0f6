/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t7302 — a PKCS#15 file that cannot be selected while the token is first read is an
 * error, and not remembered. A token holds a public and a private data object (in the
 * DODF, listed in the ODF). Then, in a fresh C_Initialize each time, the virtual token
 * answers 6A82 (file not found, not executed) to each APDU in turn of the first
 * C_OpenSession, C_GetTokenInfo, C_FindObjectsInit and C_FindObjects, and then of
 * C_Login and the search for the private object: every call either fails
 * (CKR_DEVICE_ERROR) or shows the object and an initialised token — never CKR_OK with
 * the object missing — and after a failure the same calls, with the card answering again,
 * find it (the failure was not cached).
 */
#include "api/api.h"

static CK_FUNCTION_LIST_PTR f;
static const char *label = "t7302 data", *plabel = "t7302 private";

static CK_RV find(CK_SESSION_HANDLE s, const char *l, CK_ULONG *found)
{
	CK_ATTRIBUTE t[] = { { CKA_LABEL, (void *)l, (CK_ULONG)strlen(l) } };
	CK_OBJECT_HANDLE hs[8];
	CK_RV rv = f->C_FindObjectsInit(s, t, 1);

	*found = 0;
	if (rv == CKR_OK) {
		rv = f->C_FindObjects(s, hs, 8, found);
		f->C_FindObjectsFinal(s);
	}
	return rv;
}

/* C_OpenSession, C_GetTokenInfo, the public object; with priv, then C_Login and the
 * private object: the first code that is not CKR_OK, or CKR_OK; *found: how many of the
 * objects looked for were found once; *inited: the token flag. */
static CK_RV look(CK_SLOT_ID slot, int priv, int *found, int *inited)
{
	CK_SESSION_HANDLE s;
	CK_TOKEN_INFO ti;
	CK_ULONG n;
	CK_RV rv;

	*found = 0;
	*inited = 0;
	rv = f->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &s);
	if (rv != CKR_OK)
		return rv;
	rv = f->C_GetTokenInfo(slot, &ti);
	if (rv == CKR_OK) {
		*inited = (ti.flags & CKF_TOKEN_INITIALIZED) != 0;
		rv = find(s, label, &n);
		*found += rv == CKR_OK && n == 1;
	}
	if (rv == CKR_OK && priv) {
		rv = f->C_Login(s, CKU_USER, API_PIN(API_USER_PIN));
		if (rv == CKR_OK) {
			rv = find(s, plabel, &n);
			*found += rv == CKR_OK && n == 1;
			f->C_Logout(s);
		}
	}
	f->C_CloseSession(s);
	return rv;
}

int main(int argc, char **argv)
{
	CK_OBJECT_CLASS cls = CKO_DATA;
	CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	CK_ATTRIBUTE t[] = {
		{ CKA_CLASS, &cls, sizeof cls }, { CKA_TOKEN, &yes, sizeof yes },
		{ CKA_PRIVATE, &no, sizeof no },
		{ CKA_LABEL, (void *)label, (CK_ULONG)strlen(label) },
		{ CKA_VALUE, "payload", 7 },
	};
	CK_ATTRIBUTE pt[] = {
		{ CKA_CLASS, &cls, sizeof cls }, { CKA_TOKEN, &yes, sizeof yes },
		{ CKA_PRIVATE, &yes, sizeof yes },
		{ CKA_LABEL, (void *)plabel, (CK_ULONG)strlen(plabel) },
		{ CKA_VALUE, "secret", 6 },
	};
	CK_SLOT_ID slot = 0;
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE h;
	long mark, n, k;
	int found, inited, failed = 0, silent = 0, sticky = 0, wrong_rv = 0, priv;
	char cmd[64];
	CK_RV rv;

	(void)argc;
	api_rig_timeout(argv, 1, 600);
	f = api_module();
	is_rv(f->C_Initialize(NULL), CKR_OK, "C_Initialize");
	is_rv(api_slot_of(f, 0, &slot), CKR_OK, "the token's slot");
	is_rv(api_prepare_token(f, slot, "t7302"), CKR_OK, "an initialised token");
	is_rv(f->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s), CKR_OK,
	      "C_OpenSession");
	is_rv(f->C_Login(s, CKU_USER, API_PIN(API_USER_PIN)), CKR_OK, "C_Login");
	is_rv(f->C_CreateObject(s, t, 5, &h), CKR_OK, "a public data object on the token");
	is_rv(f->C_CreateObject(s, pt, 5, &h), CKR_OK, "a private one");
	f->C_Logout(s);
	f->C_CloseSession(s);
	is_rv(f->C_Finalize(NULL), CKR_OK, "C_Finalize");

	/* the APDUs of a first look after C_Initialize */
	is_rv(f->C_Initialize(NULL), CKR_OK, "C_Initialize");
	mark = api_apdus(0);
	rv = look(slot, 1, &found, &inited);
	n = api_apdus(0) - mark;
	ok(rv == CKR_OK && found == 2 && inited, "a first look finds both objects (%ld APDUs)", n);
	f->C_Finalize(NULL);

	for (priv = 0; priv <= 1; priv++)
		for (k = 1; k <= n; k++) {
			f->C_Initialize(NULL);
			snprintf(cmd, sizeof cmd, "fail-at %ld 6A82", k);
			api_ctl(0, cmd, NULL, 0);
			rv = look(slot, priv, &found, &inited);
			api_ctl(0, "fail-at 1000000 6A82", NULL, 0);
			if (rv == CKR_OK) {
				if (found != 1 + priv || !inited) {
					diag("6A82 at APDU %ld: CKR_OK, %d of %d objects found, "
					     "token %sinitialised", k, found, 1 + priv,
					     inited ? "" : "not ");
					silent++;
				}
			} else {
				failed++;
				if (rv != CKR_DEVICE_ERROR) {
					diag("6A82 at APDU %ld: %s", k, sk_rv_name(rv));
					wrong_rv++;
				}
				rv = look(slot, priv, &found, &inited);
				if (rv != CKR_OK || found != 1 + priv || !inited) {
					diag("6A82 at APDU %ld, then again: %s, %d found, "
					     "%sinitialised", k, sk_rv_name(rv), found,
					     inited ? "" : "not ");
					sticky++;
				}
			}
			f->C_Finalize(NULL);
		}
	ok(failed > 0, "%d of the %ld faults made a call fail", failed, 2 * n);
	is_ulong(silent, 0, "no fault gives CKR_OK without the object or as an uninitialised token");
	is_ulong(wrong_rv, 0, "a failure is CKR_DEVICE_ERROR");
	is_ulong(sticky, 0, "after a failure the next calls read the card again and find the object");
	return done_testing();
}
