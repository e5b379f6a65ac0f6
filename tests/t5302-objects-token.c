/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t5302 — token objects through the API against the virtual token: a data object stored
 * on the token (C_CreateObject through the script), found and read with no APDU once
 * cached, still there after C_Finalize / C_Initialize, renamed (C_SetAttributeValue on the
 * card), refused in a read-only session, private ones only after login, destroyed; then
 * all or nothing: with the virtual token failing each APDU of C_CreateObject and of
 * C_DestroyObject in turn, every call fails, the token's state file is byte for byte what it
 * was, and the module's cache still shows what the token holds.
 */
#include <sys/stat.h>

#include "api/api.h"

static CK_FUNCTION_LIST_PTR f;
static CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
static CK_OBJECT_CLASS c_data = CKO_DATA;

#define ATTR(t, v) { (t), &(v), sizeof(v) }

static CK_RV make_token_data(CK_SESSION_HANDLE s, const char *label, CK_BBOOL *priv,
			     CK_OBJECT_HANDLE *h)
{
	CK_ATTRIBUTE t[] = {
		ATTR(CKA_CLASS, c_data), ATTR(CKA_TOKEN, yes), ATTR(CKA_PRIVATE, *priv),
		{ CKA_LABEL, (void *)label, (CK_ULONG)strlen(label) },
		{ CKA_APPLICATION, "t5302", 5 },
		{ CKA_VALUE, "token payload", 13 },
	};

	return f->C_CreateObject(s, t, 6, h);
}

/* The handles of the objects labelled label (at most 16); how many. */
static long find_label(CK_SESSION_HANDLE s, const char *label, CK_OBJECT_HANDLE *hs)
{
	CK_ATTRIBUTE t[] = { { CKA_LABEL, (void *)label, (CK_ULONG)strlen(label) } };
	CK_OBJECT_HANDLE dummy[16];
	CK_ULONG got = 0;

	if (hs == NULL)
		hs = dummy;
	if (f->C_FindObjectsInit(s, t, 1) != CKR_OK)
		return -1;
	if (f->C_FindObjects(s, hs, 16, &got) != CKR_OK)
		got = (CK_ULONG)-1;
	f->C_FindObjectsFinal(s);
	return (long)got;
}

/* The token's state file, whole. */
static char *state(size_t *len)
{
	const char *path = api_env(0, "STATE");
	struct stat st;
	char *buf;
	FILE *fp;

	*len = 0;
	if (path == NULL || stat(path, &st) != 0 || (fp = fopen(path, "rb")) == NULL)
		return NULL;
	buf = malloc((size_t)st.st_size + 1);
	if (buf != NULL)
		*len = fread(buf, 1, (size_t)st.st_size, fp);
	fclose(fp);
	return buf;
}

static int same_state(const char *a, size_t alen)
{
	size_t blen;
	char *b = state(&blen);
	int same = b != NULL && a != NULL && alen == blen && memcmp(a, b, alen) == 0;

	free(b);
	return same;
}

static void faults_create(CK_SESSION_HANDLE s)
{
	CK_OBJECT_HANDLE h;
	char *before;
	size_t len;
	long n, i, mark;
	int all_failed = 1, all_same = 1, cache_same = 1;
	CK_RV rv;

	/* how many APDUs a good create sends, then fail each of them in turn */
	mark = api_apdus(0);
	is_rv(make_token_data(s, "probe", &no, &h), CKR_OK, "a create to count its APDUs");
	n = api_apdus(0) - mark;
	ok(n > 0, "... it sent %ld APDUs", n);
	is_rv(f->C_DestroyObject(s, h), CKR_OK, "... and its object destroyed again");
	before = state(&len);
	ok(before != NULL, "the token's state file");
	for (i = 1; i <= n; i++) {
		char cmd[64];

		snprintf(cmd, sizeof cmd, "fail-at %ld 6F00", i);
		api_ctl(0, cmd, NULL, 0);
		rv = make_token_data(s, "faulty", &no, &h);
		api_ctl(0, "fail-at 1000000 6F00", NULL, 0);
		if (rv == CKR_OK) {
			all_failed = 0;
			diag("APDU %ld failed, C_CreateObject said CKR_OK", i);
			f->C_DestroyObject(s, h);
		}
		if (!same_state(before, len)) {
			all_same = 0;
			diag("APDU %ld failed: the token changed", i);
		}
		if (find_label(s, "faulty", NULL) != 0) {
			cache_same = 0;
			diag("APDU %ld failed: the module shows an object", i);
		}
	}
	ok(all_failed, "C_CreateObject fails whichever of its %ld APDUs fails", n);
	ok(all_same, "... and the token is byte for byte as before");
	ok(cache_same, "... and the module shows no new object");
	free(before);
	is_rv(make_token_data(s, "faulty", &no, &h), CKR_OK, "without a fault it works");
	is_ulong((CK_ULONG)find_label(s, "faulty", NULL), 1, "... one object");

	/* the same for C_DestroyObject */
	mark = api_apdus(0);
	before = state(&len);
	all_failed = all_same = cache_same = 1;
	for (i = 1; i <= 64; i++) {
		char cmd[64];
		long sent;

		snprintf(cmd, sizeof cmd, "fail-at %ld 6F00", i);
		api_ctl(0, cmd, NULL, 0);
		mark = api_apdus(0);
		rv = f->C_DestroyObject(s, h);
		sent = api_apdus(0) - mark;
		api_ctl(0, "fail-at 1000000 6F00", NULL, 0);
		if (rv == CKR_OK && sent >= i) {
			all_failed = 0;
			diag("APDU %ld of C_DestroyObject failed, it said CKR_OK", i);
		}
		if (rv == CKR_OK)
			break;          /* fewer APDUs than i: the destroy went through */
		if (!same_state(before, len))
			all_same = 0;
		if (find_label(s, "faulty", NULL) != 1)
			cache_same = 0;
	}
	ok(all_failed, "C_DestroyObject fails whichever of its APDUs fails (%ld tried)", i);
	ok(all_same, "... and the token is as before");
	ok(cache_same, "... and the module still shows the object");
	is_ulong((CK_ULONG)find_label(s, "faulty", NULL), 0, "the last try destroyed it");
	free(before);
}

int main(int argc, char **argv)
{
	CK_SLOT_ID slot = 0;
	CK_SESSION_HANDLE s = 0, ro = 0;
	CK_OBJECT_HANDLE h = 0, p = 0, hs[16];
	CK_BYTE buf[64];
	CK_ATTRIBUTE t[3];
	CK_BBOOL tok = 0;
	long mark;

	api_rig(argv, 1);
	f = api_module();
	is_rv(f->C_Initialize(NULL), CKR_OK, "C_Initialize");
	is_rv(api_slot_of(f, 0, &slot), CKR_OK, "the token's slot");
	is_rv(api_prepare_token(f, slot, "t5302"), CKR_OK, "C_InitToken and C_InitPIN");
	is_rv(f->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s), CKR_OK,
	      "R/W session");
	is_rv(f->C_Login(s, CKU_USER, API_PIN(API_USER_PIN)), CKR_OK, "user login");

	is_rv(make_token_data(s, "stored", &no, &h), CKR_OK, "a public data object on the token");
	is_ulong((CK_ULONG)find_label(s, "stored", hs), 1, "... found");
	is_ulong(hs[0], h, "... by its handle");
	t[0] = (CK_ATTRIBUTE){ CKA_VALUE, buf, sizeof buf };
	t[1] = (CK_ATTRIBUTE){ CKA_TOKEN, &tok, 1 };
	is_rv(f->C_GetAttributeValue(s, h, t, 2), CKR_OK, "its value and CKA_TOKEN");
	ok(t[0].ulValueLen == 13 && memcmp(buf, "token payload", 13) == 0 && tok == CK_TRUE,
	   "... as stored, on the token");
	mark = api_apdus(0);
	find_label(s, "stored", NULL);
	f->C_GetAttributeValue(s, h, t, 2);
	is_ulong((CK_ULONG)(api_apdus(0) - mark), 0, "search and read of a cached object: no APDU");

	t[0] = (CK_ATTRIBUTE){ CKA_LABEL, "renamed", 7 };
	is_rv(f->C_SetAttributeValue(s, h, t, 1), CKR_OK, "rename it on the token");
	is_ulong((CK_ULONG)find_label(s, "renamed", NULL), 1, "... found by its new label");
	t[0] = (CK_ATTRIBUTE){ CKA_VALUE, "x", 1 };
	is_rv(f->C_SetAttributeValue(s, h, t, 1), CKR_ATTRIBUTE_READ_ONLY,
	      "a data object's value is read-only");

	is_rv(make_token_data(s, "hidden", &yes, &p), CKR_OK, "a private data object on the token");
	is_rv(f->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &ro), CKR_OK, "R/O session");
	is_rv(make_token_data(ro, "ro", &no, &h), CKR_SESSION_READ_ONLY,
	      "no token object from a R/O session");
	is_rv(f->C_DestroyObject(ro, p), CKR_SESSION_READ_ONLY, "no destroy from a R/O session");
	is_rv(f->C_CloseSession(ro), CKR_OK, "close it");

	is_rv(f->C_Logout(s), CKR_OK, "logout");
	is_ulong((CK_ULONG)find_label(s, "hidden", NULL), 0, "the private object is hidden");
	is_ulong((CK_ULONG)find_label(s, "renamed", NULL), 1, "the public one is not");
	is_rv(f->C_Login(s, CKU_USER, API_PIN(API_USER_PIN)), CKR_OK, "login");
	is_ulong((CK_ULONG)find_label(s, "hidden", NULL), 1, "the private object is back");

	/* what the card holds survives the module */
	is_rv(f->C_Finalize(NULL), CKR_OK, "C_Finalize");
	is_rv(f->C_Initialize(NULL), CKR_OK, "C_Initialize");
	is_rv(f->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s), CKR_OK,
	      "R/W session");
	is_ulong((CK_ULONG)find_label(s, "renamed", hs), 1, "the public object read from the card");
	is_ulong((CK_ULONG)find_label(s, "hidden", NULL), 0, "the private one not before login");
	is_rv(f->C_Login(s, CKU_USER, API_PIN(API_USER_PIN)), CKR_OK, "login");
	is_ulong((CK_ULONG)find_label(s, "hidden", &p), 1, "... now it is there");
	is_rv(f->C_DestroyObject(s, p), CKR_OK, "destroy the private object");
	is_ulong((CK_ULONG)find_label(s, "hidden", NULL), 0, "... gone");

	faults_create(s);

	is_rv(f->C_Finalize(NULL), CKR_OK, "C_Finalize");
	return done_testing();
}
