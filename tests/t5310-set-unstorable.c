/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t5310 — C_SetAttributeValue of an attribute a token object reports (the runtime's
 * default: C_GetAttributeValue returns it) but the Rutoken ECP's PKCS#15 entry has no place
 * for is CKR_ATTRIBUTE_READ_ONLY, the same answer for every such attribute (PKCS #11 3.2
 * §5.7.4 allows it: "an attribute ... cannot be modified"): CKA_SUBJECT, CKA_START_DATE,
 * CKA_END_DATE, CKA_DERIVE of an RSA key pair generated on the token, CKA_SIGN_RECOVER,
 * CKA_UNWRAP of its private key, CKA_VERIFY_RECOVER, CKA_WRAP of its public key. Setting
 * such an attribute to the value it reports is accepted (nothing changes); after a refusal
 * the value is still the old one, the label can still change, and an attribute not of the
 * class (CKA_VALUE_LEN of an RSA key) stays CKR_ATTRIBUTE_TYPE_INVALID.
 * The refusal holds across C_Finalize / C_Initialize (nothing was stored).
 */
#include "api/api.h"

static CK_FUNCTION_LIST_PTR f;
static CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
static CK_ULONG bits1024 = 1024;
static CK_BYTE e65537[3] = { 1, 0, 1 };
static CK_BYTE id[3] = { 0x53, 0x10, 0x01 };

#define ATTR(t, v) { (t), &(v), sizeof(v) }

static CK_RV set1(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE h, CK_ATTRIBUTE_TYPE t, void *v,
		  CK_ULONG len)
{
	CK_ATTRIBUTE a = { t, v, len };

	return f->C_SetAttributeValue(s, h, &a, 1);
}

/* The attribute's length, or -1 when it cannot be read. */
static long get_len(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE h, CK_ATTRIBUTE_TYPE t)
{
	CK_ATTRIBUTE a = { t, NULL, 0 };

	return f->C_GetAttributeValue(s, h, &a, 1) == CKR_OK ? (long)a.ulValueLen : -1;
}

static int get_bool(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE h, CK_ATTRIBUTE_TYPE t)
{
	CK_BBOOL v = 0x55;
	CK_ATTRIBUTE a = { t, &v, sizeof v };

	return f->C_GetAttributeValue(s, h, &a, 1) == CKR_OK ? v : -1;
}

static CK_OBJECT_HANDLE find1(CK_SESSION_HANDLE s, CK_OBJECT_CLASS cls)
{
	CK_ATTRIBUTE t[] = { ATTR(CKA_CLASS, cls), ATTR(CKA_ID, id) };
	CK_OBJECT_HANDLE h[2];
	CK_ULONG n = 0;

	if (f->C_FindObjectsInit(s, t, 2) != CKR_OK)
		return CK_INVALID_HANDLE;
	f->C_FindObjects(s, h, 2, &n);
	f->C_FindObjectsFinal(s);
	return n == 1 ? h[0] : CK_INVALID_HANDLE;
}

/* The unstorable attributes of one key, each refused, none changed. */
static void refusals(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE h, const char *what,
		     CK_ATTRIBUTE_TYPE b1, CK_ATTRIBUTE_TYPE b2)
{
	static CK_BYTE subject[] = { 0x30, 0x0F, 0x31, 0x0D, 0x30, 0x0B, 0x06, 0x03, 0x55, 0x04,
				     0x03, 0x0C, 0x04, 't', '5', '3', '1' };
	char start[8] = { '2', '0', '2', '6', '0', '1', '0', '1' };
	char end[8] = { '2', '0', '3', '0', '1', '2', '3', '1' };
	char name[128];

	snprintf(name, sizeof name, "%s: CKA_SUBJECT readable (empty)", what);
	ok(get_len(s, h, CKA_SUBJECT) == 0, "%s", name);
	snprintf(name, sizeof name, "%s: set CKA_SUBJECT: CKR_ATTRIBUTE_READ_ONLY", what);
	is_rv(set1(s, h, CKA_SUBJECT, subject, sizeof subject), CKR_ATTRIBUTE_READ_ONLY, "%s", name);
	snprintf(name, sizeof name, "%s: ... CKA_SUBJECT still empty", what);
	ok(get_len(s, h, CKA_SUBJECT) == 0, "%s", name);
	snprintf(name, sizeof name, "%s: set CKA_SUBJECT to its value (empty): CKR_OK", what);
	is_rv(set1(s, h, CKA_SUBJECT, "", 0), CKR_OK, "%s", name);
	snprintf(name, sizeof name, "%s: set CKA_START_DATE: CKR_ATTRIBUTE_READ_ONLY", what);
	is_rv(set1(s, h, CKA_START_DATE, start, sizeof start), CKR_ATTRIBUTE_READ_ONLY, "%s", name);
	snprintf(name, sizeof name, "%s: set CKA_END_DATE: CKR_ATTRIBUTE_READ_ONLY", what);
	is_rv(set1(s, h, CKA_END_DATE, end, sizeof end), CKR_ATTRIBUTE_READ_ONLY, "%s", name);
	snprintf(name, sizeof name, "%s: ... CKA_START_DATE, CKA_END_DATE still empty", what);
	ok(get_len(s, h, CKA_START_DATE) == 0 && get_len(s, h, CKA_END_DATE) == 0, "%s", name);
	snprintf(name, sizeof name, "%s: set CKA_DERIVE true: CKR_ATTRIBUTE_READ_ONLY", what);
	is_rv(set1(s, h, CKA_DERIVE, &yes, 1), CKR_ATTRIBUTE_READ_ONLY, "%s", name);
	snprintf(name, sizeof name, "%s: set CKA_DERIVE false (its value): CKR_OK", what);
	is_rv(set1(s, h, CKA_DERIVE, &no, 1), CKR_OK, "%s", name);
	snprintf(name, sizeof name, "%s: ... CKA_DERIVE still false", what);
	ok(get_bool(s, h, CKA_DERIVE) == CK_FALSE, "%s", name);
	snprintf(name, sizeof name, "%s: set a boolean the card cannot keep: READ_ONLY", what);
	is_rv(set1(s, h, b1, &yes, 1), CKR_ATTRIBUTE_READ_ONLY, "%s", name);
	snprintf(name, sizeof name, "%s: set another one: CKR_ATTRIBUTE_READ_ONLY", what);
	is_rv(set1(s, h, b2, &yes, 1), CKR_ATTRIBUTE_READ_ONLY, "%s", name);
	snprintf(name, sizeof name, "%s: set CKA_VALUE_LEN (not of the class): TYPE_INVALID", what);
	is_rv(set1(s, h, CKA_VALUE_LEN, &bits1024, sizeof bits1024), CKR_ATTRIBUTE_TYPE_INVALID,
	      "%s", name);
}

int main(int argc, char **argv)
{
	CK_MECHANISM gen = { CKM_RSA_PKCS_KEY_PAIR_GEN, NULL, 0 };
	CK_ATTRIBUTE pt[] = { ATTR(CKA_TOKEN, yes), ATTR(CKA_MODULUS_BITS, bits1024),
			      ATTR(CKA_PUBLIC_EXPONENT, e65537), ATTR(CKA_ID, id),
			      { CKA_LABEL, "t5310", 5 } };
	CK_ATTRIBUTE vt[] = { ATTR(CKA_TOKEN, yes), ATTR(CKA_PRIVATE, yes), ATTR(CKA_SIGN, yes),
			      ATTR(CKA_ID, id), { CKA_LABEL, "t5310", 5 } };
	CK_OBJECT_HANDLE pub, priv;
	CK_SESSION_HANDLE s;
	CK_SLOT_ID slot;
	char label[16];
	CK_ATTRIBUTE la = { CKA_LABEL, label, sizeof label };

	api_rig(argv, 1);
	f = api_module();
	is_rv(f->C_Initialize(NULL), CKR_OK, "C_Initialize");
	is_rv(api_slot_of(f, 0, &slot), CKR_OK, "the virtual token's slot");
	is_rv(api_prepare_token(f, slot, "t5310"), CKR_OK, "C_InitToken and C_InitPIN");
	is_rv(f->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s), CKR_OK,
	      "C_OpenSession (read-write)");
	is_rv(f->C_Login(s, CKU_USER, API_PIN(API_USER_PIN)), CKR_OK, "C_Login");
	is_rv(f->C_GenerateKeyPair(s, &gen, pt, 5, vt, 5, &pub, &priv), CKR_OK,
	      "an RSA-1024 pair on the token");

	refusals(s, priv, "private key", CKA_SIGN_RECOVER, CKA_UNWRAP);
	refusals(s, pub, "public key", CKA_VERIFY_RECOVER, CKA_WRAP);

	is_rv(set1(s, priv, CKA_LABEL, "renamed", 7), CKR_OK, "the label still changes");
	is_rv(f->C_GetAttributeValue(s, priv, &la, 1), CKR_OK, "... read it back");
	ok(la.ulValueLen == 7 && memcmp(label, "renamed", 7) == 0, "... 'renamed'");
	f->C_Finalize(NULL);

	/* nothing was stored: the same answers from the card's own objects */
	is_rv(f->C_Initialize(NULL), CKR_OK, "C_Initialize again");
	is_rv(api_slot_of(f, 0, &slot), CKR_OK, "the slot");
	is_rv(f->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s), CKR_OK,
	      "C_OpenSession");
	is_rv(f->C_Login(s, CKU_USER, API_PIN(API_USER_PIN)), CKR_OK, "C_Login");
	priv = find1(s, CKO_PRIVATE_KEY);
	pub = find1(s, CKO_PUBLIC_KEY);
	ok(priv != CK_INVALID_HANDLE && pub != CK_INVALID_HANDLE, "both halves found again");
	refusals(s, priv, "private key, read again", CKA_SIGN_RECOVER, CKA_UNWRAP);
	is_rv(f->C_DestroyObject(s, priv), CKR_OK, "destroy the private key");
	is_rv(f->C_DestroyObject(s, pub), CKR_OK, "destroy the public key");
	f->C_Finalize(NULL);
	return done_testing();
}
