/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fuzz-tmpl — attribute templates into C_CreateObject and C_GenerateKeyPair, through the
 * whole module (its objects linked in, its entry points called directly) with one card:
 * the virtual Rutoken ECP's APDU processor behind fake-pcsc.c, initialised once with both
 * PINs and kept logged in as the user by a session that stays open. Each input runs in a
 * session of its own, closed at the end, so session objects never pile up; objects that
 * reach the token are destroyed again.
 *
 * Input:
 *   byte 0   what to call: bit 0 C_CreateObject, bit 1 C_GenerateKeyPair (neither: both)
 *   byte 1   the key-pair mechanism (index into mechs[], modulo)
 *   byte 2   how many attributes the first template has (the rest form the second)
 *   then attributes, each: TYPE LEN VALUE
 *     TYPE   one byte: an index into types[] below, or 0xFF then 4 bytes (little-endian)
 *            of a raw type (CKF_ARRAY_ATTRIBUTE masked off: those values hold pointers)
 *     LEN    0..0xFC: that many bytes of value follow; 0xFD: one byte v follows, the value
 *            is the CK_ULONG v; 0xFE: one byte follows, the value is that CK_BBOOL;
 *            0xFF: no value (pValue NULL, length 0)
 *   The first template goes to C_CreateObject and as the public one to C_GenerateKeyPair,
 *   the second as the private one.
 *
 * What must hold: no crash, leak or sanitizer report, every return value is a CKR the spec
 * names, and an object the module made answers C_GetAttributeValue for the very
 * attributes it was made with, within the lengths it reports.
 */
#include "fuzz.h"

#include "cryptoki.h"
#include "fake-pcsc.h"
#include "sk_names.h"

#include <string.h>

CK_RV C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR list);

#define MAX_ATTRS 48

static const CK_ATTRIBUTE_TYPE types[] = {
	CKA_CLASS, CKA_TOKEN, CKA_PRIVATE, CKA_LABEL, CKA_APPLICATION, CKA_VALUE, CKA_OBJECT_ID,
	CKA_CERTIFICATE_TYPE, CKA_ISSUER, CKA_SERIAL_NUMBER, CKA_SUBJECT, CKA_ID, CKA_KEY_TYPE,
	CKA_SENSITIVE, CKA_ENCRYPT, CKA_DECRYPT, CKA_WRAP, CKA_UNWRAP, CKA_SIGN, CKA_SIGN_RECOVER,
	CKA_VERIFY, CKA_VERIFY_RECOVER, CKA_DERIVE, CKA_START_DATE, CKA_END_DATE, CKA_MODULUS,
	CKA_MODULUS_BITS, CKA_PUBLIC_EXPONENT, CKA_PRIVATE_EXPONENT, CKA_PRIME_1, CKA_PRIME_2,
	CKA_EXPONENT_1, CKA_EXPONENT_2, CKA_COEFFICIENT, CKA_EXTRACTABLE, CKA_LOCAL,
	CKA_NEVER_EXTRACTABLE, CKA_ALWAYS_SENSITIVE, CKA_KEY_GEN_MECHANISM, CKA_MODIFIABLE,
	CKA_COPYABLE, CKA_DESTROYABLE, CKA_EC_PARAMS, CKA_EC_POINT, CKA_ALWAYS_AUTHENTICATE,
	CKA_WRAP_WITH_TRUSTED, CKA_TRUSTED, CKA_CERTIFICATE_CATEGORY, CKA_CHECK_VALUE,
	CKA_GOSTR3410_PARAMS, CKA_GOSTR3411_PARAMS, CKA_GOST28147_PARAMS, CKA_ALLOWED_MECHANISMS,
	CKA_PUBLIC_KEY_INFO, CKA_VALUE_LEN, CKA_URL, CKA_HASH_OF_SUBJECT_PUBLIC_KEY,
};

static const CK_MECHANISM_TYPE mechs[] = {
	CKM_RSA_PKCS_KEY_PAIR_GEN, CKM_EC_KEY_PAIR_GEN, CKM_GOSTR3410_KEY_PAIR_GEN,
	CKM_GOSTR3410_512_KEY_PAIR_GEN, CKM_DSA_KEY_PAIR_GEN, CKM_EC_EDWARDS_KEY_PAIR_GEN,
};

static CK_FUNCTION_LIST_PTR f;
static CK_SLOT_ID slot;

#define PIN(s) (CK_UTF8CHAR_PTR)(s), (CK_ULONG)(sizeof(s) - 1)

/* Once: a token with both PINs, the user logged in by a session that stays open. */
static void setup(void)
{
	CK_UTF8CHAR label[32];
	CK_SLOT_ID slots[4];
	CK_ULONG n = 4;
	CK_SESSION_HANDLE s;

	fuzz_assert(C_GetFunctionList(&f) == CKR_OK);
	fuzz_assert(f->C_Initialize(NULL) == CKR_OK);
	fuzz_assert(f->C_GetSlotList(CK_TRUE, slots, &n) == CKR_OK && n == 1);
	slot = slots[0];
	memset(label, ' ', sizeof label);
	memcpy(label, "fuzz", 4);
	fuzz_assert(f->C_InitToken(slot, PIN("87654321"), label) == CKR_OK);
	fuzz_assert(f->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s) ==
		    CKR_OK);
	fuzz_assert(f->C_Login(s, CKU_SO, PIN("87654321")) == CKR_OK);
	fuzz_assert(f->C_InitPIN(s, PIN("12345678")) == CKR_OK);
	fuzz_assert(f->C_Logout(s) == CKR_OK);
	fuzz_assert(f->C_Login(s, CKU_USER, PIN("12345678")) == CKR_OK);
}

struct tmpl {
	CK_ATTRIBUTE a[MAX_ATTRS];
	CK_ULONG n;
};

static void tmpl_free(struct tmpl *t)
{
	CK_ULONG i;

	for (i = 0; i < t->n; i++)
		free(t->a[i].pValue);
	t->n = 0;
}

/* One attribute from *p; 0 at the end of the input. */
static int take_attr(const uint8_t **p, size_t *left, CK_ATTRIBUTE *a)
{
	const uint8_t *q = *p;
	size_t l = *left, len;
	uint8_t t, code;

	if (l < 2)
		return 0;
	t = *q++, l--;
	if (t == 0xFF) {
		if (l < 5)
			return 0;
		a->type = ((CK_ATTRIBUTE_TYPE)q[0] | (CK_ATTRIBUTE_TYPE)q[1] << 8 |
			   (CK_ATTRIBUTE_TYPE)q[2] << 16 | (CK_ATTRIBUTE_TYPE)q[3] << 24) &
			  ~(CK_ATTRIBUTE_TYPE)CKF_ARRAY_ATTRIBUTE;
		q += 4, l -= 4;
	} else {
		a->type = types[t % (sizeof types / sizeof *types)];
	}
	code = *q++, l--;
	a->pValue = NULL;
	a->ulValueLen = 0;
	if (code == 0xFF) {
		/* no value */
	} else if (code == 0xFD || code == 0xFE) {
		if (l < 1)
			return 0;
		if (code == 0xFD) {
			CK_ULONG v = *q;

			a->pValue = malloc(sizeof v);
			fuzz_assert(a->pValue != NULL);
			memcpy(a->pValue, &v, sizeof v);
			a->ulValueLen = sizeof v;
		} else {
			a->pValue = malloc(1);
			fuzz_assert(a->pValue != NULL);
			*(CK_BBOOL *)a->pValue = *q;
			a->ulValueLen = 1;
		}
		q++, l--;
	} else {
		len = code < l ? code : l;
		/* exactly len bytes on the heap, so that an overread is caught */
		a->pValue = malloc(len ? len : 1);
		fuzz_assert(a->pValue != NULL);
		memcpy(a->pValue, q, len);
		a->ulValueLen = len;
		q += len, l -= len;
	}
	*p = q;
	*left = l;
	return 1;
}

static void check_rv(CK_RV rv)
{
	if (sk_rv_name(rv) == NULL) {
		fprintf(stderr, "not a CKR: 0x%lx\n", (unsigned long)rv);
		fuzz_assert(0);
	}
}

/* The object answers C_GetAttributeValue for the types of t. */
static void check_object(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE h, const struct tmpl *t)
{
	CK_ATTRIBUTE q[MAX_ATTRS];
	CK_ULONG i, want[MAX_ATTRS];
	CK_RV rv;

	for (i = 0; i < t->n; i++) {
		q[i].type = t->a[i].type;
		q[i].pValue = NULL;
		q[i].ulValueLen = 0;
	}
	rv = f->C_GetAttributeValue(s, h, q, t->n);
	check_rv(rv);
	for (i = 0; i < t->n; i++) {
		want[i] = q[i].ulValueLen;
		if (q[i].ulValueLen == CK_UNAVAILABLE_INFORMATION || q[i].ulValueLen > 65536)
			q[i].ulValueLen = 0;
		q[i].pValue = q[i].ulValueLen ? malloc(q[i].ulValueLen) : NULL;
	}
	rv = f->C_GetAttributeValue(s, h, q, t->n);
	check_rv(rv);
	for (i = 0; i < t->n; i++) {
		if (want[i] != CK_UNAVAILABLE_INFORMATION && want[i] <= 65536 &&
		    q[i].ulValueLen != CK_UNAVAILABLE_INFORMATION)
			fuzz_assert(q[i].ulValueLen <= want[i]);
		free(q[i].pValue);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tmpl t1 = { .n = 0 }, t2 = { .n = 0 };
	CK_MECHANISM m = { 0, NULL, 0 };
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE h, pub, priv;
	const uint8_t *p;
	size_t left;
	unsigned what, n1;
	CK_RV rv;

	if (size < 3)
		return 0;
	if (f == NULL)
		setup();
	what = data[0] & 3;
	if (what == 0)
		what = 3;
	m.mechanism = mechs[data[1] % (sizeof mechs / sizeof *mechs)];
	n1 = data[2];
	p = data + 3;
	left = size - 3;
	while (t1.n < MAX_ATTRS && t1.n < n1 && take_attr(&p, &left, &t1.a[t1.n]))
		t1.n++;
	while (t2.n < MAX_ATTRS && take_attr(&p, &left, &t2.a[t2.n]))
		t2.n++;

	fuzz_assert(f->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s) ==
		    CKR_OK);
	if (what & 1) {
		rv = f->C_CreateObject(s, t1.a, t1.n, &h);
		check_rv(rv);
		if (rv == CKR_OK) {
			check_object(s, h, &t1);
			check_rv(f->C_DestroyObject(s, h));
		}
	}
	if (what & 2) {
		rv = f->C_GenerateKeyPair(s, &m, t1.a, t1.n, t2.a, t2.n, &pub, &priv);
		check_rv(rv);
		if (rv == CKR_OK) {
			check_object(s, pub, &t1);
			check_object(s, priv, &t2);
			check_rv(f->C_DestroyObject(s, pub));
			check_rv(f->C_DestroyObject(s, priv));
		}
	}
	fuzz_assert(f->C_CloseSession(s) == CKR_OK);
	tmpl_free(&t1);
	tmpl_free(&t2);
	return 0;
}
