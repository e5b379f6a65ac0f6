/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t5301 — session objects and the template rules of spec/objects.yaml through the API:
 * C_CreateObject's checks (CKR_TEMPLATE_INCOMPLETE, CKR_ATTRIBUTE_READ_ONLY,
 * CKR_TEMPLATE_INCONSISTENT, CKR_ATTRIBUTE_VALUE_INVALID, CKR_ATTRIBUTE_TYPE_INVALID),
 * defaults and what the function contributes (CKA_LOCAL, CKA_KEY_GEN_MECHANISM,
 * CKA_ALWAYS_SENSITIVE, CKA_NEVER_EXTRACTABLE), C_GetAttributeValue's per-attribute rules
 * (sensitive and unknown attributes marked CK_UNAVAILABLE_INFORMATION while the others are
 * filled in, size queries, CKR_BUFFER_TOO_SMALL, a template-valued attribute),
 * C_SetAttributeValue (read-only, stricter-only SENSITIVE and EXTRACTABLE, MODIFIABLE),
 * C_CopyObject and C_DestroyObject (COPYABLE, DESTROYABLE), C_GetObjectSize, the search
 * (chunks, OPERATION_ACTIVE / NOT_INITIALIZED, sensitive values never match), private
 * session objects only while logged in and destroyed by C_Logout, session objects dying
 * with their session and with C_CloseAllSessions, handles never reused, and no APDU for
 * any of it once the token's objects are cached.
 */
#include "api/api.h"

static CK_FUNCTION_LIST_PTR f;
static CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
static CK_OBJECT_CLASS c_data = CKO_DATA, c_secret = CKO_SECRET_KEY;
static CK_KEY_TYPE k_aes = CKK_AES;
static CK_BYTE key16[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };
static CK_BYTE other16[16] = { 16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1 };

#define ATTR(t, v) { (t), &(v), sizeof(v) }

static CK_RV make_data(CK_SESSION_HANDLE s, const char *label, CK_BBOOL *priv,
		       CK_OBJECT_HANDLE *h)
{
	CK_ATTRIBUTE t[] = {
		ATTR(CKA_CLASS, c_data),
		{ CKA_LABEL, (void *)label, (CK_ULONG)strlen(label) },
		{ CKA_VALUE, "payload", 7 },
		ATTR(CKA_PRIVATE, *priv),
	};

	return f->C_CreateObject(s, t, 4, h);
}

static CK_RV make_aes(CK_SESSION_HANDLE s, CK_BBOOL *sensitive, CK_BBOOL *extractable,
		      CK_OBJECT_HANDLE *h)
{
	CK_ATTRIBUTE t[] = {
		ATTR(CKA_CLASS, c_secret), ATTR(CKA_KEY_TYPE, k_aes), ATTR(CKA_VALUE, key16),
		ATTR(CKA_SENSITIVE, *sensitive), ATTR(CKA_EXTRACTABLE, *extractable),
	};

	return f->C_CreateObject(s, t, 5, h);
}

static CK_ULONG get_ulong(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE h, CK_ATTRIBUTE_TYPE type)
{
	CK_ULONG v = 0xdead;
	CK_ATTRIBUTE a = { type, &v, sizeof v };

	if (f->C_GetAttributeValue(s, h, &a, 1) != CKR_OK)
		return 0xbad;
	return v;
}

static int get_bool(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE h, CK_ATTRIBUTE_TYPE type)
{
	CK_BBOOL v = 0x55;
	CK_ATTRIBUTE a = { type, &v, sizeof v };

	if (f->C_GetAttributeValue(s, h, &a, 1) != CKR_OK)
		return -1;
	return v;
}

/* How many objects a search for the template finds (all of them). */
static long count_found(CK_SESSION_HANDLE s, CK_ATTRIBUTE *t, CK_ULONG n)
{
	CK_OBJECT_HANDLE hs[64];
	CK_ULONG got = 0;

	if (f->C_FindObjectsInit(s, t, n) != CKR_OK)
		return -1;
	if (f->C_FindObjects(s, hs, 64, &got) != CKR_OK)
		got = (CK_ULONG)-1;
	f->C_FindObjectsFinal(s);
	return (long)got;
}

static int found(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE want)
{
	CK_OBJECT_HANDLE hs[64];
	CK_ULONG got = 0, i;
	int seen = 0;

	if (f->C_FindObjectsInit(s, NULL, 0) != CKR_OK)
		return -1;
	if (f->C_FindObjects(s, hs, 64, &got) == CKR_OK)
		for (i = 0; i < got; i++)
			seen |= hs[i] == want;
	f->C_FindObjectsFinal(s);
	return seen;
}

static void template_rules(CK_SESSION_HANDLE s)
{
	CK_OBJECT_HANDLE h;
	CK_ULONG bad_len = 1, des3 = CKK_BLOWFISH, weird_class = 0x1234, mech = CKM_AES_KEY_GEN;
	CK_BYTE two = 2;
	CK_BYTE modulus[4] = { 1, 0, 0, 1 };
	CK_ATTRIBUTE no_class[] = { { CKA_LABEL, "x", 1 } };
	CK_ATTRIBUTE no_value[] = { ATTR(CKA_CLASS, c_secret), ATTR(CKA_KEY_TYPE, k_aes) };
	CK_ATTRIBUTE no_type[] = { ATTR(CKA_CLASS, c_secret), ATTR(CKA_VALUE, key16) };
	CK_ATTRIBUTE local[] = { ATTR(CKA_CLASS, c_secret), ATTR(CKA_KEY_TYPE, k_aes),
				 ATTR(CKA_VALUE, key16), ATTR(CKA_LOCAL, no) };
	CK_ATTRIBUTE genmech[] = { ATTR(CKA_CLASS, c_secret), ATTR(CKA_KEY_TYPE, k_aes),
				   ATTR(CKA_VALUE, key16), ATTR(CKA_KEY_GEN_MECHANISM, mech) };
	CK_ATTRIBUTE other_class[] = { ATTR(CKA_CLASS, c_secret), ATTR(CKA_KEY_TYPE, k_aes),
				       ATTR(CKA_VALUE, key16), ATTR(CKA_MODULUS, modulus) };
	CK_ATTRIBUTE unknown[] = { ATTR(CKA_CLASS, c_data), { 0x7ffffff0UL, "x", 1 } };
	CK_ATTRIBUTE short_bool[] = { ATTR(CKA_CLASS, c_data), { CKA_TOKEN, &bad_len, 4 } };
	CK_ATTRIBUTE two_bool[] = { ATTR(CKA_CLASS, c_data), ATTR(CKA_TOKEN, two) };
	CK_ATTRIBUTE short_class[] = { { CKA_CLASS, &c_data, 2 } };
	CK_ATTRIBUTE bad_date[] = { ATTR(CKA_CLASS, c_secret), ATTR(CKA_KEY_TYPE, k_aes),
				    ATTR(CKA_VALUE, key16), { CKA_START_DATE, "2026", 4 } };
	CK_ATTRIBUTE no_kind[] = { ATTR(CKA_CLASS, c_secret), ATTR(CKA_KEY_TYPE, des3),
				   ATTR(CKA_VALUE, key16) };
	CK_ATTRIBUTE no_such_class[] = { ATTR(CKA_CLASS, weird_class) };
	CK_ATTRIBUTE twice_diff[] = { ATTR(CKA_CLASS, c_data), { CKA_LABEL, "a", 1 },
				      { CKA_LABEL, "b", 1 } };
	CK_ATTRIBUTE twice_same[] = { ATTR(CKA_CLASS, c_data), { CKA_LABEL, "a", 1 },
				      { CKA_LABEL, "a", 1 } };
	CK_KEY_TYPE k_generic = CKK_GENERIC_SECRET;
	CK_ATTRIBUTE secret_on_token[] = { ATTR(CKA_CLASS, c_secret),
					   ATTR(CKA_KEY_TYPE, k_generic), ATTR(CKA_VALUE, key16),
					   ATTR(CKA_TOKEN, yes) };
	CK_ATTRIBUTE trusted[] = { ATTR(CKA_CLASS, c_secret), ATTR(CKA_KEY_TYPE, k_aes),
				   ATTR(CKA_VALUE, key16), ATTR(CKA_TRUSTED, yes) };
	CK_ATTRIBUTE null_value[] = { ATTR(CKA_CLASS, c_data), { CKA_VALUE, NULL, 5 } };

	is_rv(f->C_CreateObject(s, no_class, 1, &h), CKR_TEMPLATE_INCOMPLETE, "no CKA_CLASS");
	is_rv(f->C_CreateObject(s, no_value, 2, &h), CKR_TEMPLATE_INCOMPLETE,
	      "secret key without CKA_VALUE [footnote 1]");
	is_rv(f->C_CreateObject(s, no_type, 2, &h), CKR_TEMPLATE_INCOMPLETE,
	      "secret key without CKA_KEY_TYPE");
	is_rv(f->C_CreateObject(s, local, 4, &h), CKR_ATTRIBUTE_READ_ONLY,
	      "CKA_LOCAL given [footnote 2]");
	is_rv(f->C_CreateObject(s, genmech, 4, &h), CKR_ATTRIBUTE_READ_ONLY,
	      "CKA_KEY_GEN_MECHANISM given [footnote 2]");
	is_rv(f->C_CreateObject(s, other_class, 4, &h), CKR_TEMPLATE_INCONSISTENT,
	      "a public-key attribute in a secret-key template");
	is_rv(f->C_CreateObject(s, unknown, 2, &h), CKR_ATTRIBUTE_TYPE_INVALID,
	      "an attribute type nobody defines");
	is_rv(f->C_CreateObject(s, short_bool, 2, &h), CKR_ATTRIBUTE_VALUE_INVALID,
	      "a CK_BBOOL of 4 bytes");
	is_rv(f->C_CreateObject(s, two_bool, 2, &h), CKR_ATTRIBUTE_VALUE_INVALID,
	      "a CK_BBOOL that is neither CK_TRUE nor CK_FALSE");
	is_rv(f->C_CreateObject(s, short_class, 1, &h), CKR_ATTRIBUTE_VALUE_INVALID,
	      "a CKA_CLASS of 2 bytes");
	is_rv(f->C_CreateObject(s, bad_date, 4, &h), CKR_ATTRIBUTE_VALUE_INVALID,
	      "a CK_DATE of 4 bytes");
	is_rv(f->C_CreateObject(s, no_kind, 3, &h), CKR_TEMPLATE_INCONSISTENT,
	      "a key type objects.yaml does not list for secret keys");
	is_rv(f->C_CreateObject(s, no_such_class, 1, &h), CKR_ATTRIBUTE_VALUE_INVALID,
	      "an object class that does not exist");
	is_rv(f->C_CreateObject(s, twice_diff, 3, &h), CKR_TEMPLATE_INCONSISTENT,
	      "one attribute twice with two values");
	is_rv(f->C_CreateObject(s, twice_same, 3, &h), CKR_OK, "one attribute twice, same value");
	is_rv(f->C_CreateObject(s, secret_on_token, 4, &h), CKR_TEMPLATE_INCONSISTENT,
	      "a token secret key of a type the family does not keep on the token (generic)");
	is_rv(f->C_CreateObject(s, trusted, 4, &h), CKR_ATTRIBUTE_READ_ONLY,
	      "CKA_TRUSTED true by the user [footnote 10]");
	is_rv(f->C_CreateObject(s, null_value, 2, &h), CKR_ATTRIBUTE_VALUE_INVALID,
	      "a NULL value with a length");
}

static void get_rules(CK_SESSION_HANDLE s)
{
	CK_OBJECT_HANDLE sens, open_key, d;
	CK_KEY_TYPE kt = 0;
	CK_BYTE val[32], small[4];
	CK_ULONG cls = 0;
	CK_ATTRIBUTE t[3];

	is_rv(make_aes(s, &yes, &no, &sens), CKR_OK, "AES session key, sensitive");
	is_rv(make_aes(s, &no, &yes, &open_key), CKR_OK, "AES session key, not sensitive");

	t[0] = (CK_ATTRIBUTE){ CKA_KEY_TYPE, &kt, sizeof kt };
	t[1] = (CK_ATTRIBUTE){ CKA_VALUE, val, sizeof val };
	t[2] = (CK_ATTRIBUTE){ CKA_MODULUS, val, sizeof val };
	is_rv(f->C_GetAttributeValue(s, sens, t, 3), CKR_ATTRIBUTE_SENSITIVE,
	      "sensitive value: CKR_ATTRIBUTE_SENSITIVE");
	is_ulong(kt, CKK_AES, "... while CKA_KEY_TYPE is filled in");
	is_ulong(t[0].ulValueLen, sizeof kt, "... with its length");
	is_ulong(t[1].ulValueLen, CK_UNAVAILABLE_INFORMATION,
		 "... CKA_VALUE: CK_UNAVAILABLE_INFORMATION");
	is_ulong(t[2].ulValueLen, CK_UNAVAILABLE_INFORMATION,
		 "... CKA_MODULUS (no such attribute): CK_UNAVAILABLE_INFORMATION");

	t[0] = (CK_ATTRIBUTE){ CKA_MODULUS, val, sizeof val };
	t[1] = (CK_ATTRIBUTE){ CKA_CLASS, &cls, sizeof cls };
	is_rv(f->C_GetAttributeValue(s, open_key, t, 2), CKR_ATTRIBUTE_TYPE_INVALID,
	      "an attribute the object lacks: CKR_ATTRIBUTE_TYPE_INVALID");
	is_ulong(cls, CKO_SECRET_KEY, "... the other one is filled in");

	t[0] = (CK_ATTRIBUTE){ CKA_VALUE, NULL, 0 };
	is_rv(f->C_GetAttributeValue(s, open_key, t, 1), CKR_OK, "size query (pValue NULL)");
	is_ulong(t[0].ulValueLen, 16, "... 16 bytes");
	t[0] = (CK_ATTRIBUTE){ CKA_VALUE, small, sizeof small };
	is_rv(f->C_GetAttributeValue(s, open_key, t, 1), CKR_BUFFER_TOO_SMALL,
	      "a 4-byte buffer: CKR_BUFFER_TOO_SMALL");
	is_ulong(t[0].ulValueLen, CK_UNAVAILABLE_INFORMATION, "... length unavailable");
	t[0] = (CK_ATTRIBUTE){ CKA_VALUE, val, sizeof val };
	is_rv(f->C_GetAttributeValue(s, open_key, t, 1), CKR_OK, "the value of an open key");
	ok(t[0].ulValueLen == 16 && memcmp(val, key16, 16) == 0, "... is the key given");

	/* defaults and what C_CreateObject contributes */
	is_ulong((CK_ULONG)get_bool(s, sens, CKA_TOKEN), CK_FALSE, "default CKA_TOKEN false");
	is_ulong((CK_ULONG)get_bool(s, sens, CKA_PRIVATE), CK_TRUE,
		 "secret keys default to CKA_PRIVATE true");
	is_ulong((CK_ULONG)get_bool(s, sens, CKA_LOCAL), CK_FALSE, "CKA_LOCAL false (created)");
	is_ulong((CK_ULONG)get_bool(s, sens, CKA_ALWAYS_SENSITIVE), CK_FALSE,
		 "CKA_ALWAYS_SENSITIVE false (created)");
	is_ulong((CK_ULONG)get_bool(s, sens, CKA_NEVER_EXTRACTABLE), CK_FALSE,
		 "CKA_NEVER_EXTRACTABLE false (created)");
	is_ulong(get_ulong(s, sens, CKA_KEY_GEN_MECHANISM), CK_UNAVAILABLE_INFORMATION,
		 "CKA_KEY_GEN_MECHANISM unavailable (created)");
	is_ulong((CK_ULONG)get_bool(s, sens, CKA_MODIFIABLE), CK_TRUE, "default CKA_MODIFIABLE");

	/* C_SetAttributeValue */
	t[0] = (CK_ATTRIBUTE){ CKA_SENSITIVE, &yes, 1 };
	is_rv(f->C_SetAttributeValue(s, open_key, t, 1), CKR_OK, "CKA_SENSITIVE false -> true");
	t[0] = (CK_ATTRIBUTE){ CKA_VALUE, val, sizeof val };
	is_rv(f->C_GetAttributeValue(s, open_key, t, 1), CKR_ATTRIBUTE_SENSITIVE,
	      "... and the value is hidden from then on");
	t[0] = (CK_ATTRIBUTE){ CKA_SENSITIVE, &no, 1 };
	is_rv(f->C_SetAttributeValue(s, open_key, t, 1), CKR_ATTRIBUTE_READ_ONLY,
	      "CKA_SENSITIVE true -> false [footnote 11]");
	t[0] = (CK_ATTRIBUTE){ CKA_EXTRACTABLE, &no, 1 };
	is_rv(f->C_SetAttributeValue(s, open_key, t, 1), CKR_OK, "CKA_EXTRACTABLE true -> false");
	t[0] = (CK_ATTRIBUTE){ CKA_EXTRACTABLE, &yes, 1 };
	is_rv(f->C_SetAttributeValue(s, open_key, t, 1), CKR_ATTRIBUTE_READ_ONLY,
	      "CKA_EXTRACTABLE false -> true [footnote 12]");
	is_ulong((CK_ULONG)get_bool(s, open_key, CKA_ALWAYS_SENSITIVE), CK_FALSE,
		 "CKA_ALWAYS_SENSITIVE stays false");
	t[0] = (CK_ATTRIBUTE){ CKA_VALUE, other16, sizeof other16 };
	is_rv(f->C_SetAttributeValue(s, open_key, t, 1), CKR_ATTRIBUTE_READ_ONLY,
	      "CKA_VALUE of a key is read-only");
	t[0] = (CK_ATTRIBUTE){ CKA_VALUE, key16, sizeof key16 };
	is_rv(f->C_SetAttributeValue(s, open_key, t, 1), CKR_ATTRIBUTE_READ_ONLY,
	      "... also when it repeats the hidden value (no guessing oracle)");
	t[0] = (CK_ATTRIBUTE){ CKA_CLASS, &c_data, sizeof c_data };
	is_rv(f->C_SetAttributeValue(s, open_key, t, 1), CKR_ATTRIBUTE_READ_ONLY,
	      "CKA_CLASS is read-only");
	t[0] = (CK_ATTRIBUTE){ CKA_MODULUS, val, 8 };
	is_rv(f->C_SetAttributeValue(s, open_key, t, 1), CKR_ATTRIBUTE_TYPE_INVALID,
	      "an attribute secret keys do not have");
	t[0] = (CK_ATTRIBUTE){ CKA_LABEL, "renamed", 7 };
	t[1] = (CK_ATTRIBUTE){ CKA_VALUE, other16, sizeof other16 };
	is_rv(f->C_SetAttributeValue(s, open_key, t, 2), CKR_ATTRIBUTE_READ_ONLY,
	      "a label with a read-only value: refused as a whole");
	t[0] = (CK_ATTRIBUTE){ CKA_LABEL, val, sizeof val };
	is_rv(f->C_GetAttributeValue(s, open_key, t, 1), CKR_OK, "... the label");
	is_ulong(t[0].ulValueLen, 0, "... is still empty");
	t[0] = (CK_ATTRIBUTE){ CKA_LABEL, "renamed", 7 };
	t[1] = (CK_ATTRIBUTE){ CKA_CLASS, &c_secret, sizeof c_secret };
	is_rv(f->C_SetAttributeValue(s, open_key, t, 2), CKR_OK,
	      "CKA_LABEL is modifiable; CKA_CLASS repeated unchanged is no change");
	t[0] = (CK_ATTRIBUTE){ CKA_LABEL, val, sizeof val };
	is_rv(f->C_GetAttributeValue(s, open_key, t, 1), CKR_OK, "... read back");
	ok(t[0].ulValueLen == 7 && memcmp(val, "renamed", 7) == 0, "... the new label");

	/* a data object, and the search never matching a hidden value */
	is_rv(make_data(s, "d", &no, &d), CKR_OK, "data object");
	t[0] = (CK_ATTRIBUTE){ CKA_VALUE, key16, sizeof key16 };
	is_ulong((CK_ULONG)count_found(s, t, 1), 0, "a search by a sensitive value finds nothing");
	t[0] = (CK_ATTRIBUTE){ CKA_VALUE, "payload", 7 };
	is_ulong((CK_ULONG)count_found(s, t, 1), 1, "a search by a data object's value finds it");
	f->C_DestroyObject(s, d);
	f->C_DestroyObject(s, sens);
	f->C_DestroyObject(s, open_key);
}

static void template_attribute(CK_SESSION_HANDLE s)
{
	CK_OBJECT_HANDLE h;
	CK_ATTRIBUTE inner[2] = { ATTR(CKA_SENSITIVE, yes), ATTR(CKA_EXTRACTABLE, no) };
	CK_ATTRIBUTE t[] = { ATTR(CKA_CLASS, c_secret), ATTR(CKA_KEY_TYPE, k_aes),
			     ATTR(CKA_VALUE, key16), { CKA_UNWRAP_TEMPLATE, inner, sizeof inner } };
	CK_ATTRIBUTE q = { CKA_UNWRAP_TEMPLATE, NULL, 0 }, back[2];
	CK_BBOOL b0 = 9, b1 = 9;

	is_rv(f->C_CreateObject(s, t, 4, &h), CKR_OK, "a key with CKA_UNWRAP_TEMPLATE");
	is_rv(f->C_GetAttributeValue(s, h, &q, 1), CKR_OK, "its size");
	is_ulong(q.ulValueLen, 2 * sizeof(CK_ATTRIBUTE), "... two attributes");
	back[0] = (CK_ATTRIBUTE){ 0, NULL, 0 };
	back[1] = (CK_ATTRIBUTE){ 0, NULL, 0 };
	q.pValue = back;
	is_rv(f->C_GetAttributeValue(s, h, &q, 1), CKR_OK, "the inner types and lengths");
	ok(back[0].type == CKA_SENSITIVE && back[0].ulValueLen == 1 &&
	   back[1].type == CKA_EXTRACTABLE && back[1].ulValueLen == 1, "... as given");
	back[0].pValue = &b0;
	back[1].pValue = &b1;
	is_rv(f->C_GetAttributeValue(s, h, &q, 1), CKR_OK, "the inner values");
	ok(b0 == CK_TRUE && b1 == CK_FALSE, "... as given");
	f->C_DestroyObject(s, h);
}

static void copy_destroy(CK_SESSION_HANDLE s)
{
	CK_OBJECT_HANDLE d, c, locked, undead, nocopy;
	CK_ATTRIBUTE t[4];
	CK_BYTE buf[32];
	CK_ULONG size = 0;

	is_rv(make_data(s, "orig", &no, &d), CKR_OK, "data object to copy");
	t[0] = (CK_ATTRIBUTE){ CKA_LABEL, "copy", 4 };
	is_rv(f->C_CopyObject(s, d, t, 1, &c), CKR_OK, "C_CopyObject with a new label");
	ok(c != d && c != CK_INVALID_HANDLE, "... a new handle");
	t[0] = (CK_ATTRIBUTE){ CKA_LABEL, buf, sizeof buf };
	t[1] = (CK_ATTRIBUTE){ CKA_VALUE, buf + 8, 16 };
	is_rv(f->C_GetAttributeValue(s, c, t, 2), CKR_OK, "the copy's label and value");
	ok(t[0].ulValueLen == 4 && memcmp(buf, "copy", 4) == 0 && t[1].ulValueLen == 7 &&
	   memcmp(buf + 8, "payload", 7) == 0, "... the new label, the old value");
	t[0] = (CK_ATTRIBUTE){ CKA_VALUE, "other", 5 };
	is_rv(f->C_CopyObject(s, d, t, 1, &c), CKR_ATTRIBUTE_READ_ONLY,
	      "a copy may not change a data object's value");
	is_rv(f->C_GetObjectSize(s, d, &size), CKR_OK, "C_GetObjectSize");
	ok(size >= 7 + 4, "... counts the value and the label (%lu)", size);

	t[0] = (CK_ATTRIBUTE){ CKA_CLASS, &c_data, sizeof c_data };
	t[1] = (CK_ATTRIBUTE){ CKA_MODIFIABLE, &no, 1 };
	is_rv(f->C_CreateObject(s, t, 2, &locked), CKR_OK, "CKA_MODIFIABLE false object");
	t[0] = (CK_ATTRIBUTE){ CKA_LABEL, "x", 1 };
	is_rv(f->C_SetAttributeValue(s, locked, t, 1), CKR_ACTION_PROHIBITED,
	      "... C_SetAttributeValue: CKR_ACTION_PROHIBITED");
	t[0] = (CK_ATTRIBUTE){ CKA_CLASS, &c_data, sizeof c_data };
	t[1] = (CK_ATTRIBUTE){ CKA_DESTROYABLE, &no, 1 };
	is_rv(f->C_CreateObject(s, t, 2, &undead), CKR_OK, "CKA_DESTROYABLE false object");
	is_rv(f->C_DestroyObject(s, undead), CKR_ACTION_PROHIBITED,
	      "... C_DestroyObject: CKR_ACTION_PROHIBITED");
	t[1] = (CK_ATTRIBUTE){ CKA_COPYABLE, &no, 1 };
	is_rv(f->C_CreateObject(s, t, 2, &nocopy), CKR_OK, "CKA_COPYABLE false object");
	is_rv(f->C_CopyObject(s, nocopy, NULL, 0, &c), CKR_ACTION_PROHIBITED,
	      "... C_CopyObject: CKR_ACTION_PROHIBITED");
	t[0] = (CK_ATTRIBUTE){ CKA_COPYABLE, &yes, 1 };
	is_rv(f->C_SetAttributeValue(s, nocopy, t, 1), CKR_ATTRIBUTE_READ_ONLY,
	      "... and CKA_COPYABLE cannot become true again");
	is_rv(f->C_DestroyObject(s, d), CKR_OK, "C_DestroyObject");
	is_rv(f->C_DestroyObject(s, d), CKR_OBJECT_HANDLE_INVALID, "... the handle is gone");
	is_rv(f->C_GetAttributeValue(s, d, t, 1), CKR_OBJECT_HANDLE_INVALID,
	      "... for C_GetAttributeValue too");
	is_rv(f->C_GetAttributeValue(s, CK_INVALID_HANDLE, t, 1), CKR_OBJECT_HANDLE_INVALID,
	      "CK_INVALID_HANDLE");
}

static void search(CK_SESSION_HANDLE s)
{
	CK_OBJECT_HANDLE made[5], hs[8];
	CK_ULONG got = 0, total = 0;
	CK_ATTRIBUTE t[] = { { CKA_LABEL, "many", 4 } };
	int i, all = 1;

	for (i = 0; i < 5; i++)
		all &= make_data(s, "many", &no, &made[i]) == CKR_OK;
	ok(all, "five data objects labelled 'many'");
	is_rv(f->C_FindObjects(s, hs, 8, &got), CKR_OPERATION_NOT_INITIALIZED,
	      "C_FindObjects without C_FindObjectsInit");
	is_rv(f->C_FindObjectsFinal(s), CKR_OPERATION_NOT_INITIALIZED,
	      "C_FindObjectsFinal without C_FindObjectsInit");
	is_rv(f->C_FindObjectsInit(s, t, 1), CKR_OK, "C_FindObjectsInit by label");
	is_rv(f->C_FindObjectsInit(s, t, 1), CKR_OPERATION_ACTIVE, "... again: OPERATION_ACTIVE");
	while (f->C_FindObjects(s, hs, 2, &got) == CKR_OK && got > 0) {
		ok(got <= 2, "a chunk of at most 2 (%lu)", got);
		total += got;
	}
	is_ulong(total, 5, "five found in chunks");
	is_rv(f->C_FindObjectsFinal(s), CKR_OK, "C_FindObjectsFinal");
	for (i = 0; i < 5; i++)
		f->C_DestroyObject(s, made[i]);
	is_ulong((CK_ULONG)count_found(s, t, 1), 0, "destroyed: none found");
}

int main(int argc, char **argv)
{
	CK_SLOT_ID slot = 0;
	CK_SESSION_HANDLE s = 0, s2 = 0, s3 = 0;
	CK_OBJECT_HANDLE pub, priv, other, later;
	CK_ATTRIBUTE t[1];
	long mark;

	api_rig(argv, 1);
	f = api_module();
	is_rv(f->C_Initialize(NULL), CKR_OK, "C_Initialize");
	is_rv(api_slot_of(f, 0, &slot), CKR_OK, "the token's slot");
	is_rv(api_prepare_token(f, slot, "t5301"), CKR_OK, "C_InitToken and C_InitPIN");
	is_rv(f->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s), CKR_OK,
	      "R/W session");
	is_rv(f->C_Login(s, CKU_USER, API_PIN(API_USER_PIN)), CKR_OK, "user login");

	template_rules(s);
	get_rules(s);
	template_attribute(s);
	copy_destroy(s);
	search(s);

	/* private session objects only while logged in */
	is_rv(make_data(s, "secret", &yes, &priv), CKR_OK, "private data session object");
	is_rv(make_data(s, "public", &no, &pub), CKR_OK, "public data session object");
	is_rv(f->C_Logout(s), CKR_OK, "logout");
	is_ulong((CK_ULONG)found(s, priv), 0, "the private one is not found");
	is_ulong((CK_ULONG)found(s, pub), 1, "the public one is");
	t[0] = (CK_ATTRIBUTE){ CKA_LABEL, NULL, 0 };
	is_rv(f->C_GetAttributeValue(s, priv, t, 1), CKR_OBJECT_HANDLE_INVALID,
	      "the private one's handle is invalid while logged out");
	is_rv(make_data(s, "x", &yes, &other), CKR_USER_NOT_LOGGED_IN,
	      "creating a private object needs the user");
	is_rv(f->C_Login(s, CKU_USER, API_PIN(API_USER_PIN)), CKR_OK, "login again");
	/* C_Logout destroyed it (PKCS #11 3.2 section 5.6): it does not come back */
	is_ulong((CK_ULONG)found(s, priv), 0, "the private one does not come back");

	/* no APDU for searching and reading objects once cached */
	mark = api_apdus(0);
	is_ulong((CK_ULONG)found(s, pub), 1, "a search");
	is_rv(f->C_GetAttributeValue(s, pub, t, 1), CKR_OK, "an attribute");
	is_ulong((CK_ULONG)(api_apdus(0) - mark), 0, "... sent no APDU");

	/* session objects: visible in the application's other sessions, gone with their own */
	is_rv(f->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &s2), CKR_OK,
	      "a second (R/O) session");
	is_ulong((CK_ULONG)found(s2, pub), 1, "it sees the first session's object");
	is_rv(make_data(s2, "from s2", &no, &other), CKR_OK,
	      "a R/O session may create session objects");
	is_rv(f->C_CloseSession(s2), CKR_OK, "close the second session");
	is_ulong((CK_ULONG)found(s, other), 0, "its object died with it");
	is_rv(f->C_GetAttributeValue(s, other, t, 1), CKR_OBJECT_HANDLE_INVALID,
	      "... its handle is invalid");
	is_rv(make_data(s, "later", &no, &later), CKR_OK, "one more object");
	ok(later > other && later > pub && later > priv, "handles are never reused (%lu)", later);
	is_rv(f->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &s3), CKR_OK,
	      "a third session");
	is_rv(f->C_CloseAllSessions(slot), CKR_OK, "C_CloseAllSessions");
	is_rv(f->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &s), CKR_OK,
	      "a fresh session");
	is_ulong((CK_ULONG)found(s, pub), 0, "every session object is gone");
	is_rv(f->C_GetAttributeValue(s, later, t, 1), CKR_OBJECT_HANDLE_INVALID,
	      "... by handle too");
	is_rv(f->C_Finalize(NULL), CKR_OK, "C_Finalize");
	return done_testing();
}
