/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t5304 — every (class, kind) of spec/objects.yaml through C_CreateObject as a session
 * object, driven by the generated tables themselves (generated/sk_attrs.c): the template of
 * exactly the attributes required at creation succeeds and the object then holds every
 * attribute that has a default; leaving out any one required attribute gives
 * CKR_TEMPLATE_INCOMPLETE; adding any attribute forbidden at creation gives
 * CKR_ATTRIBUTE_READ_ONLY; a value of the wrong length for each attribute's type gives
 * CKR_ATTRIBUTE_VALUE_INVALID; C_SetAttributeValue on an attribute that is not modifiable
 * to another value gives CKR_ATTRIBUTE_READ_ONLY. No APDU is sent.
 */
#include "api/api.h"
#include "sk_attrs.c"

static CK_FUNCTION_LIST_PTR f;

#define SAMPLE_MAX 136

/* Key values that are what they claim (the template engine checks them): P-256's OID and
 * its generator G as a point (SEC 2 / FIPS 186-4 D.1.2.3), GOST R 34.10-2012 parameter
 * sets of RFC 7836 (tc26 256 B, 512 A) and public values of their sizes. */
static const CK_BYTE p256[] = { 0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07 };
static const CK_BYTE p256_g[] = { 0x04, 0x41, 0x04,
	0x6B, 0x17, 0xD1, 0xF2, 0xE1, 0x2C, 0x42, 0x47, 0xF8, 0xBC, 0xE6, 0xE5, 0x63, 0xA4, 0x40, 0xF2,
	0x77, 0x03, 0x7D, 0x81, 0x2D, 0xEB, 0x33, 0xA0, 0xF4, 0xA1, 0x39, 0x45, 0xD8, 0x98, 0xC2, 0x96,
	0x4F, 0xE3, 0x42, 0xE2, 0xFE, 0x1A, 0x7F, 0x9B, 0x8E, 0xE7, 0xEB, 0x4A, 0x7C, 0x0F, 0x9E, 0x16,
	0x2B, 0xCE, 0x33, 0x57, 0x6B, 0x31, 0x5E, 0xCE, 0xCB, 0xB6, 0x40, 0x68, 0x37, 0xBF, 0x51, 0xF5 };
static const CK_BYTE ed25519[] = { 0x06, 0x03, 0x2B, 0x65, 0x70 };
static const CK_BYTE gost256_b[] = { 0x06, 0x09, 0x2A, 0x85, 0x03, 0x07, 0x01, 0x02, 0x01, 0x01,
				     0x02 };
static const CK_BYTE gost512_a[] = { 0x06, 0x09, 0x2A, 0x85, 0x03, 0x07, 0x01, 0x02, 0x01, 0x02,
				     0x01 };

static CK_ULONG sample_key(CK_ATTRIBUTE_TYPE t, const struct sk_obj_kind *k, CK_BYTE *buf)
{
	int gost512 = k->subtype == CKK_GOSTR3410_512;
	int key = k->cls == CKO_PUBLIC_KEY || k->cls == CKO_PRIVATE_KEY;

	if (!key)
		return 0;
	if (k->subtype == CKK_EC && t == CKA_EC_PARAMS) {
		memcpy(buf, p256, sizeof p256);
		return sizeof p256;
	}
	if (k->subtype == CKK_EC && t == CKA_EC_POINT) {
		memcpy(buf, p256_g, sizeof p256_g);
		return sizeof p256_g;
	}
	/* Edwards curve keys (PKCS #11 3.0): id-Ed25519 (RFC 8410), a 32-byte key */
	if (k->subtype == CKK_EC_EDWARDS && t == CKA_EC_PARAMS) {
		memcpy(buf, ed25519, sizeof ed25519);
		return sizeof ed25519;
	}
	if (k->subtype == CKK_EC_EDWARDS && t == CKA_EC_POINT) {
		buf[0] = 0x04;
		buf[1] = 32;
		memset(buf + 2, 0x44, 32);
		return 34;
	}
	if ((k->subtype == CKK_GOSTR3410 || gost512) && t == CKA_GOSTR3410_PARAMS) {
		memcpy(buf, gost512 ? gost512_a : gost256_b, sizeof gost256_b);
		return sizeof gost256_b;
	}
	if ((k->subtype == CKK_GOSTR3410 || gost512) && t == CKA_VALUE &&
	    k->cls == CKO_PUBLIC_KEY) {
		memset(buf, 0x33, gost512 ? 128 : 64);
		return gost512 ? 128 : 64;
	}
	return 0;
}

/* A valid value of the attribute's type: into buf, its length. */
static CK_ULONG sample(CK_ATTRIBUTE_TYPE t, const struct sk_obj_kind *k, unsigned rules,
		       CK_BYTE *buf)
{
	const struct sk_attr_type *ti = sk_attr_type_of(t);
	CK_ULONG v;

	if (t == CKA_CLASS || (k->has_subtype && t == k->subtype_attr)) {
		v = t == CKA_CLASS ? k->cls : k->subtype;
		memcpy(buf, &v, sizeof v);
		return sizeof v;
	}
	if ((v = sample_key(t, k, buf)) != 0)
		return v;
	if (t == CKA_VALUE && k->cls == CKO_SECRET_KEY && k->subtype == CKK_AES) {
		memset(buf, 0x5A, 16);  /* an AES key has an AES key's length */
		return 16;
	}
	if (t == CKA_VALUE && k->cls == CKO_SECRET_KEY &&
	    (k->subtype == CKK_DES3 || k->subtype == CKK_GOST28147 ||
	     k->subtype == CKK_KUZNECHIK || k->subtype == CKK_MAGMA)) {
		v = k->subtype == CKK_DES3 ? 24 : 32;   /* the key type's one length */
		memset(buf, 0x5B, v);
		return v;
	}
	switch (ti != NULL ? ti->vtype : SK_AV_BYTES) {
	case SK_AV_BOOL:
		buf[0] = (rules & SK_AR_SO_ONLY) ? CK_FALSE : CK_TRUE;
		return 1;
	case SK_AV_ULONG:
		v = 1;
		memcpy(buf, &v, sizeof v);
		return sizeof v;
	case SK_AV_DATE:
		memcpy(buf, "20260101", 8);
		return 8;
	case SK_AV_MECHANISMS:
		v = CKM_SHA256;
		memcpy(buf, &v, sizeof v);
		return sizeof v;
	case SK_AV_TEMPLATE:
		return 0;
	default:
		memcpy(buf, "\x01\x00\x01", 3);
		return 3;
	}
}

/* A value of a wrong length for the type, or 0 when every length is right. */
static int wrong(CK_ATTRIBUTE_TYPE t, CK_ULONG *len)
{
	const struct sk_attr_type *ti = sk_attr_type_of(t);

	switch (ti != NULL ? ti->vtype : SK_AV_BYTES) {
	case SK_AV_BOOL:
		*len = 2;
		return 1;
	case SK_AV_ULONG:
	case SK_AV_MECHANISMS:
		*len = sizeof(CK_ULONG) - 1;
		return 1;
	case SK_AV_DATE:
		*len = 5;
		return 1;
	case SK_AV_TEMPLATE:
		*len = sizeof(CK_ATTRIBUTE) - 1;
		return 1;
	default:
		return 0;
	}
}

struct tmpl {
	CK_ATTRIBUTE a[64];
	CK_BYTE v[64][SAMPLE_MAX];
	CK_ULONG n;
};

/* The attributes of kind k required at creation, plus CKA_TOKEN false. */
static void required(const struct sk_obj_kind *k, struct tmpl *t, CK_ATTRIBUTE_TYPE skip)
{
	unsigned i;

	t->n = 0;
	for (i = k->first; i < (unsigned)k->first + k->count; i++) {
		const struct sk_attr_rule *r = &sk_attr_rules[i];

		if (!(r->rules & SK_AR_CREATE_REQUIRED) && r->type != CKA_CLASS &&
		    !(k->has_subtype && r->type == k->subtype_attr) && r->type != CKA_TOKEN)
			continue;
		if (r->type == skip)
			continue;
		t->a[t->n].type = r->type;
		t->a[t->n].pValue = t->v[t->n];
		t->a[t->n].ulValueLen = sample(r->type, k, r->rules, t->v[t->n]);
		if (r->type == CKA_TOKEN)
			t->v[t->n][0] = CK_FALSE;
		t->n++;
	}
}

static void add(struct tmpl *t, const struct sk_obj_kind *k, const struct sk_attr_rule *r)
{
	t->a[t->n].type = r->type;
	t->a[t->n].pValue = t->v[t->n];
	t->a[t->n].ulValueLen = sample(r->type, k, r->rules, t->v[t->n]);
	t->n++;
}

static const char *name(CK_ATTRIBUTE_TYPE t)
{
	const char *n = sk_name(SK_FAM_CKA, t);

	return n != NULL ? n : "?";
}

static void one_kind(CK_SESSION_HANDLE s, const struct sk_obj_kind *k)
{
	const char *what = sk_name(SK_FAM_CKO, k->cls);
	char kind[96];
	struct tmpl t;
	CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
	unsigned i;
	int defaults_ok = 1, incomplete_ok = 1, forbidden_ok = 1, length_ok = 1, ro_ok = 1;
	CK_RV rv;
	const char *sub = k->has_subtype ? sk_name(k->subtype_attr == CKA_KEY_TYPE ? SK_FAM_CKK
										 : SK_FAM_CKC,
						   k->subtype) : "";

	snprintf(kind, sizeof kind, "%s%s%s", what ? what : "?", k->has_subtype ? "/" : "",
		 sub ? sub : "?");
	required(k, &t, (CK_ATTRIBUTE_TYPE)-1);
	rv = f->C_CreateObject(s, t.a, t.n, &h);
	is_rv(rv, CKR_OK, "%s: the required attributes alone (%lu)", kind, t.n);
	for (i = k->first; rv == CKR_OK && i < (unsigned)k->first + k->count; i++) {
		const struct sk_attr_rule *r = &sk_attr_rules[i];
		CK_ATTRIBUTE q = { r->type, NULL, 0 };

		if (r->dkind == SK_DEF_NONE)
			continue;
		if (f->C_GetAttributeValue(s, h, &q, 1) != CKR_OK) {
			defaults_ok = 0;
			diag("%s: %s has a default but is missing", kind, name(r->type));
		}
	}
	ok(defaults_ok, "%s: every attribute with a default is there", kind);
	for (i = k->first; i < (unsigned)k->first + k->count; i++) {
		const struct sk_attr_rule *r = &sk_attr_rules[i];
		CK_ATTRIBUTE q;
		CK_OBJECT_HANDLE x;
		CK_ULONG len;

		if ((r->rules & SK_AR_CREATE_REQUIRED) && r->type != CKA_CLASS &&
		    !(k->has_subtype && r->type == k->subtype_attr)) {
			required(k, &t, r->type);
			if (f->C_CreateObject(s, t.a, t.n, &x) != CKR_TEMPLATE_INCOMPLETE) {
				incomplete_ok = 0;
				diag("%s: without %s: not CKR_TEMPLATE_INCOMPLETE", kind,
				     name(r->type));
			}
		}
		if (r->rules & SK_AR_CREATE_FORBIDDEN) {
			required(k, &t, (CK_ATTRIBUTE_TYPE)-1);
			add(&t, k, r);
			if (f->C_CreateObject(s, t.a, t.n, &x) != CKR_ATTRIBUTE_READ_ONLY) {
				forbidden_ok = 0;
				diag("%s: with %s: not CKR_ATTRIBUTE_READ_ONLY", kind,
				     name(r->type));
			}
		}
		if (wrong(r->type, &len)) {
			required(k, &t, r->type);
			add(&t, k, r);
			t.a[t.n - 1].ulValueLen = len;
			if (f->C_CreateObject(s, t.a, t.n, &x) != CKR_ATTRIBUTE_VALUE_INVALID) {
				length_ok = 0;
				diag("%s: %s of %lu bytes: not CKR_ATTRIBUTE_VALUE_INVALID", kind,
				     name(r->type), len);
			}
		}
		if (h != CK_INVALID_HANDLE && !(r->rules & SK_AR_MODIFIABLE)) {
			CK_BYTE v[SAMPLE_MAX];

			/* a value other than the object's: an unchanged one is no change */
			q.type = r->type;
			q.pValue = v;
			q.ulValueLen = sizeof v;
			if (f->C_GetAttributeValue(s, h, &q, 1) == CKR_OK && q.ulValueLen > 0) {
				v[0] ^= 1;
			} else {
				q.ulValueLen = sample(r->type, k, r->rules, v);
				if (q.ulValueLen == 0)
					continue;       /* an empty template value */
			}
			if (f->C_SetAttributeValue(s, h, &q, 1) != CKR_ATTRIBUTE_READ_ONLY) {
				ro_ok = 0;
				diag("%s: C_SetAttributeValue(%s): not CKR_ATTRIBUTE_READ_ONLY",
				     kind, name(r->type));
			}
		}
	}
	ok(incomplete_ok, "%s: each required attribute left out: CKR_TEMPLATE_INCOMPLETE", kind);
	ok(forbidden_ok, "%s: each forbidden attribute given: CKR_ATTRIBUTE_READ_ONLY", kind);
	ok(length_ok, "%s: each wrong length: CKR_ATTRIBUTE_VALUE_INVALID", kind);
	ok(ro_ok, "%s: each attribute that is not modifiable: CKR_ATTRIBUTE_READ_ONLY", kind);
	if (h != CK_INVALID_HANDLE)
		f->C_DestroyObject(s, h);
}

int main(int argc, char **argv)
{
	CK_SLOT_ID slot = 0;
	CK_SESSION_HANDLE s = 0;
	CK_OBJECT_HANDLE hs[4];
	CK_ULONG got = 0;
	size_t i;
	long mark;

	api_rig(argv, 1);
	f = api_module();
	is_rv(f->C_Initialize(NULL), CKR_OK, "C_Initialize");
	is_rv(api_slot_of(f, 0, &slot), CKR_OK, "the token's slot");
	is_rv(api_prepare_token(f, slot, "t5304"), CKR_OK, "C_InitToken and C_InitPIN");
	is_rv(f->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &s), CKR_OK, "session");
	is_rv(f->C_Login(s, CKU_USER, API_PIN(API_USER_PIN)), CKR_OK, "user login");
	/* the token's objects of this login are read once, here */
	is_rv(f->C_FindObjectsInit(s, NULL, 0), CKR_OK, "a first search");
	f->C_FindObjects(s, hs, 4, &got);
	f->C_FindObjectsFinal(s);
	ok(sk_obj_kinds_count > 0, "objects.yaml has %zu kinds", sk_obj_kinds_count);
	mark = api_apdus(0);
	for (i = 0; i < sk_obj_kinds_count; i++)
		one_kind(s, &sk_obj_kinds[i]);
	is_ulong((CK_ULONG)(api_apdus(0) - mark), 0, "session objects cost no APDU");
	is_rv(f->C_Finalize(NULL), CKR_OK, "C_Finalize");
	return done_testing();
}
