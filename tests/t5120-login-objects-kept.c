/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t5120 — what the token's script keeps of the public part between a search and a login
 * (the directories it read) is forgotten by every change of the card's objects: after a
 * token object is created or destroyed through the module, the next login's objects are
 * read from the card, so a private object made in between is there and a public one
 * destroyed in between does not come back. And a login after a logout still finds the
 * private objects (with new handles: a token object shown by a login lives as long as it).
 */
#include "api/api.h"

static CK_FUNCTION_LIST_PTR f;
static CK_OBJECT_CLASS c_data = CKO_DATA;
static CK_BBOOL yes = CK_TRUE, no = CK_FALSE;

static CK_RV make(CK_SESSION_HANDLE s, const char *label, CK_BBOOL *priv, CK_OBJECT_HANDLE *h)
{
	CK_ATTRIBUTE t[] = {
		{ CKA_CLASS, &c_data, sizeof c_data }, { CKA_TOKEN, &yes, sizeof yes },
		{ CKA_PRIVATE, priv, sizeof *priv }, { CKA_APPLICATION, "t5120", 5 },
		{ CKA_LABEL, (void *)label, (CK_ULONG)strlen(label) }, { CKA_VALUE, "v", 1 },
	};

	return f->C_CreateObject(s, t, 6, h);
}

/* The handle of the one object labelled so (0 when none, or not exactly one). */
static CK_OBJECT_HANDLE find(CK_SESSION_HANDLE s, const char *label)
{
	CK_ATTRIBUTE t[] = { { CKA_APPLICATION, "t5120", 5 },
			     { CKA_LABEL, (void *)label, (CK_ULONG)strlen(label) } };
	CK_OBJECT_HANDLE h[4];
	CK_ULONG got = 0;

	if (f->C_FindObjectsInit(s, t, 2) != CKR_OK)
		return 0;
	if (f->C_FindObjects(s, h, 4, &got) != CKR_OK)
		got = 0;
	f->C_FindObjectsFinal(s);
	return got == 1 ? h[0] : 0;
}

int main(int argc, char **argv)
{
	CK_SLOT_ID slot = 0;
	CK_SESSION_HANDLE s = 0;
	CK_OBJECT_HANDLE pub, gone, priv, later, h;

	api_rig(argv, 1);
	f = api_module();
	is_rv(f->C_Initialize(NULL), CKR_OK, "C_Initialize");
	is_rv(api_slot_of(f, 0, &slot), CKR_OK, "the token's slot");
	is_rv(api_prepare_token(f, slot, "t5120"), CKR_OK, "C_InitToken and C_InitPIN");
	is_rv(f->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s), CKR_OK,
	      "R/W session");
	is_rv(f->C_Login(s, CKU_USER, API_PIN(API_USER_PIN)), CKR_OK, "login");
	is_rv(make(s, "pub", &no, &pub), CKR_OK, "a public token object");
	is_rv(make(s, "gone", &no, &gone), CKR_OK, "another, to be destroyed");
	is_rv(make(s, "priv", &yes, &priv), CKR_OK, "a private one");
	is_rv(f->C_Finalize(NULL), CKR_OK, "C_Finalize");

	/* a new C_Initialize: the public part is read (and kept by the script) */
	is_rv(f->C_Initialize(NULL), CKR_OK, "C_Initialize again");
	is_rv(f->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s), CKR_OK,
	      "R/W session");
	pub = find(s, "pub");
	gone = find(s, "gone");
	ok(pub != 0 && gone != 0, "the public objects are found before the login");
	is_ulong(find(s, "priv"), 0, "the private one is not");
	is_rv(f->C_Login(s, CKU_USER, API_PIN(API_USER_PIN)), CKR_OK, "login");
	priv = find(s, "priv");
	ok(priv != 0, "after the login the private one is found");
	is_ulong(find(s, "pub"), pub, "... the public one keeps its handle");

	/* changes through the module, then the login is read again */
	is_rv(f->C_DestroyObject(s, gone), CKR_OK, "destroy a public token object");
	is_rv(make(s, "later", &yes, &later), CKR_OK, "make a private one");
	is_rv(f->C_Logout(s), CKR_OK, "logout");
	is_ulong(find(s, "priv"), 0, "logged out: no private object is found");
	is_rv(f->C_Login(s, CKU_USER, API_PIN(API_USER_PIN)), CKR_OK, "login again");
	h = find(s, "later");
	ok(h != 0, "the private object made before the logout is found");
	is_ulong(find(s, "gone"), 0, "the destroyed one does not come back");
	ok(find(s, "priv") != 0, "the first private object is found again (a new login: a new handle)");
	is_ulong(find(s, "pub"), pub, "the public one keeps its handle");
	is_rv(f->C_DestroyObject(s, h), CKR_OK, "destroy the private one made");
	is_rv(f->C_Logout(s), CKR_OK, "logout");
	is_rv(f->C_Login(s, CKU_USER, API_PIN(API_USER_PIN)), CKR_OK, "login again");
	is_ulong(find(s, "later"), 0, "the destroyed private object does not come back");
	ok(find(s, "priv") != 0, "the other one is still there");
	is_rv(f->C_Finalize(NULL), CKR_OK, "C_Finalize");
	return done_testing();
}
