/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t5119 — the object table with many objects: 1200 session objects in two sessions, a
 * third of them destroyed, one session closed, then more made (the table grows, its index
 * is rebuilt and the dead ones are swept out). After each step every handle answers as it
 * should: a live object by its handle with its own label, a destroyed one or one of the
 * closed session CKR_OBJECT_HANDLE_INVALID, and a search finds exactly the live ones, each
 * once. Handles keep counting up.
 */
#include "api/api.h"

#define N 1200

static CK_FUNCTION_LIST_PTR f;
static CK_OBJECT_CLASS c_data = CKO_DATA;
static CK_BBOOL no = CK_FALSE;
static CK_OBJECT_HANDLE h[2 * N];
static int alive[2 * N];
static CK_OBJECT_HANDLE found_h[4 * N];

static CK_RV make(CK_SESSION_HANDLE s, int i, CK_OBJECT_HANDLE *out)
{
	char label[32];
	CK_ATTRIBUTE t[] = {
		{ CKA_CLASS, &c_data, sizeof c_data },
		{ CKA_LABEL, label, 0 },
		{ CKA_APPLICATION, "t5119", 5 },
		{ CKA_PRIVATE, &no, sizeof no },
	};

	t[1].ulValueLen = (CK_ULONG)snprintf(label, sizeof label, "obj-%d", i);
	return f->C_CreateObject(s, t, 4, out);
}

/* Every object answers as it should by its handle: the count of the wrong ones. */
static int check_handles(CK_SESSION_HANDLE s, int n)
{
	char label[32], want[32];
	int i, bad = 0;

	for (i = 0; i < n; i++) {
		CK_ATTRIBUTE t = { CKA_LABEL, label, sizeof label };
		CK_RV rv = f->C_GetAttributeValue(s, h[i], &t, 1);

		snprintf(want, sizeof want, "obj-%d", i);
		if (alive[i] ? rv != CKR_OK || t.ulValueLen != strlen(want) ||
			       memcmp(label, want, t.ulValueLen) != 0
			     : rv != CKR_OBJECT_HANDLE_INVALID)
			bad++;
	}
	return bad;
}

/* A search for them all finds exactly the live ones, each once: the count of mistakes
 * (-1 when the search itself failed). */
static long check_find(CK_SESSION_HANDLE s, int n)
{
	CK_ATTRIBUTE t = { CKA_APPLICATION, "t5119", 5 };
	CK_ULONG got = 0, total = 0;
	long bad = 0;
	int i, live = 0;
	CK_ULONG j;

	if (f->C_FindObjectsInit(s, &t, 1) != CKR_OK)
		return -1;
	do {
		/* odd chunks: the reads resume where the last one stopped */
		if (f->C_FindObjects(s, found_h + total, 7, &got) != CKR_OK)
			return -1;
		total += got;
	} while (got > 0 && total + 7 <= sizeof found_h / sizeof found_h[0]);
	if (f->C_FindObjectsFinal(s) != CKR_OK)
		return -1;
	for (i = 0; i < n; i++) {
		int seen = 0;

		for (j = 0; j < total; j++)
			seen += found_h[j] == h[i];
		if (seen != (alive[i] ? 1 : 0))
			bad++;
		live += alive[i];
	}
	return bad + labs((long)total - live);
}

int main(int argc, char **argv)
{
	CK_SLOT_ID slot = 0;
	CK_SESSION_HANDLE s = 0, s2 = 0;
	int i, ok_make = 1, ok_up = 1, ok_destroy = 1;

	api_rig(argv, 1);
	f = api_module();
	is_rv(f->C_Initialize(NULL), CKR_OK, "C_Initialize");
	is_rv(api_slot_of(f, 0, &slot), CKR_OK, "the token's slot");
	is_rv(f->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &s), CKR_OK, "a session");
	is_rv(f->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &s2), CKR_OK,
	      "a second session");

	for (i = 0; i < N; i++) {
		ok_make &= make(i % 2 ? s2 : s, i, &h[i]) == CKR_OK;
		alive[i] = 1;
		ok_up &= i == 0 || h[i] > h[i - 1];
	}
	ok(ok_make, "%d session objects made, alternately in the two sessions", N);
	ok(ok_up, "... their handles count up");
	is_ulong((CK_ULONG)check_handles(s, N), 0, "each answers by its handle with its label");
	is_ulong((CK_ULONG)check_find(s, N), 0, "a search finds each once");

	for (i = 0; i < N; i += 3) {
		ok_destroy &= f->C_DestroyObject(s, h[i]) == CKR_OK;
		alive[i] = 0;
	}
	ok(ok_destroy, "every third destroyed");
	is_rv(f->C_DestroyObject(s, h[0]), CKR_OBJECT_HANDLE_INVALID,
	      "destroying one again: CKR_OBJECT_HANDLE_INVALID");
	is_ulong((CK_ULONG)check_handles(s, N), 0, "the destroyed ones' handles are invalid, the others good");
	is_ulong((CK_ULONG)check_find(s2, N), 0, "a search (from the other session) finds the rest");

	is_rv(f->C_CloseSession(s2), CKR_OK, "close the second session");
	for (i = 1; i < N; i += 2)
		alive[i] = 0;
	is_ulong((CK_ULONG)check_handles(s, N), 0, "its objects' handles are invalid at once");
	is_ulong((CK_ULONG)check_find(s, N), 0, "a search leaves them out");

	/* as many again: the table doubles, so the dead ones are swept out and the index
	 * rebuilt, with handles that were never given before */
	ok_make = ok_up = 1;
	for (i = N; i < 2 * N; i++) {
		ok_make &= make(s, i, &h[i]) == CKR_OK;
		alive[i] = 1;
		ok_up &= h[i] > h[i - 1];
	}
	ok(ok_make, "%d more made", N);
	ok(ok_up, "... with handles above every earlier one");
	is_ulong((CK_ULONG)check_handles(s, 2 * N), 0, "every handle, old and new, answers as it should");
	is_ulong((CK_ULONG)check_find(s, 2 * N), 0, "a search finds exactly the live ones");
	is_rv(f->C_GetAttributeValue(s, CK_INVALID_HANDLE, NULL, 0), CKR_OBJECT_HANDLE_INVALID,
	      "CK_INVALID_HANDLE: CKR_OBJECT_HANDLE_INVALID");
	is_rv(f->C_GetAttributeValue(s, h[2 * N - 1] + 1000, NULL, 0), CKR_OBJECT_HANDLE_INVALID,
	      "a handle never given: CKR_OBJECT_HANDLE_INVALID");

	is_rv(f->C_CloseSession(s), CKR_OK, "close the first session");
	is_rv(f->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &s), CKR_OK, "a new session");
	for (i = 0; i < 2 * N; i++)
		alive[i] = 0;
	is_ulong((CK_ULONG)check_handles(s, 2 * N), 0, "no session object is left");
	is_ulong((CK_ULONG)check_find(s, 2 * N), 0, "... nor found");
	is_rv(f->C_Finalize(NULL), CKR_OK, "C_Finalize");
	return done_testing();
}
