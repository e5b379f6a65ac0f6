/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t5308 — CKA_ALLOWED_MECHANISMS (PKCS #11 3.2 section 4.7) is stored, reported and
 * enforced, never accepted and ignored:
 * - an RSA pair generated on the token for RSA-PSS only (CKM_SHA256_RSA_PKCS_PSS,
 *   CKM_RSA_PKCS_PSS) reports that list on both halves, also read anew after C_Finalize /
 *   C_Initialize; C_SignInit and C_VerifyInit with CKM_SHA256_RSA_PKCS are
 *   CKR_MECHANISM_INVALID, with CKM_SHA256_RSA_PKCS_PSS they work and the signature
 *   verifies; OpenSC's pkcs15-tool still lists the key (the list is a private element of
 *   its directory entry that OpenSC skips);
 * - a key generated without the attribute reads the empty list and signs with both;
 * - a public key created in the session with the list is held to it too;
 * - a list longer than the token's directory entry keeps (64):
 *   CKR_ATTRIBUTE_VALUE_INVALID, and nothing is stored.
 */
#include "api/api.h"

static CK_FUNCTION_LIST_PTR f;
static CK_SLOT_ID slot;
static CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
static CK_ULONG bits1024 = 1024;
static CK_BYTE e65537[] = { 0x01, 0x00, 0x01 };
static CK_MECHANISM_TYPE pss_only[] = { CKM_SHA256_RSA_PKCS_PSS, CKM_RSA_PKCS_PSS };
static CK_RSA_PKCS_PSS_PARAMS pss256 = { CKM_SHA256, CKG_MGF1_SHA256, 32 };
static const char msg[] = "allowed mechanisms";

#define ATTR(t, v) { (t), &(v), sizeof(v) }

static CK_RV gen(CK_SESSION_HANDLE s, const char *id, CK_MECHANISM_TYPE *allowed,
		 CK_ULONG nallowed, CK_OBJECT_HANDLE *pub, CK_OBJECT_HANDLE *priv)
{
	CK_MECHANISM m = { CKM_RSA_PKCS_KEY_PAIR_GEN, NULL, 0 };
	CK_ATTRIBUTE pt[] = {
		ATTR(CKA_TOKEN, yes), ATTR(CKA_MODULUS_BITS, bits1024),
		ATTR(CKA_PUBLIC_EXPONENT, e65537), { CKA_ID, (void *)id, 1 },
		{ CKA_ALLOWED_MECHANISMS, allowed, nallowed * sizeof *allowed },
	};
	CK_ATTRIBUTE vt[] = {
		ATTR(CKA_TOKEN, yes), ATTR(CKA_PRIVATE, yes), ATTR(CKA_SIGN, yes),
		{ CKA_ALLOWED_MECHANISMS, allowed, nallowed * sizeof *allowed },
	};

	return f->C_GenerateKeyPair(s, &m, pt, allowed != NULL ? 5 : 4, vt,
				    allowed != NULL ? 4 : 3, pub, priv);
}

/* The key's list, compared with want[0..n). */
static int has_list(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE h, const CK_MECHANISM_TYPE *want,
		    CK_ULONG n)
{
	CK_MECHANISM_TYPE got[80];
	CK_ATTRIBUTE a = { CKA_ALLOWED_MECHANISMS, got, sizeof got };

	if (f->C_GetAttributeValue(s, h, &a, 1) != CKR_OK)
		return 0;
	return a.ulValueLen == n * sizeof *want && (n == 0 || memcmp(got, want, a.ulValueLen) == 0);
}

static CK_OBJECT_HANDLE find(CK_SESSION_HANDLE s, CK_OBJECT_CLASS cls, const char *id)
{
	CK_ATTRIBUTE q[] = { ATTR(CKA_CLASS, cls), { CKA_ID, (void *)id, 1 } };
	CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
	CK_ULONG n = 0;

	if (f->C_FindObjectsInit(s, q, 2) == CKR_OK) {
		f->C_FindObjects(s, &h, 1, &n);
		f->C_FindObjectsFinal(s);
	}
	return n == 1 ? h : CK_INVALID_HANDLE;
}

static void check_pss_only(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE pub, CK_OBJECT_HANDLE priv,
			   const char *when)
{
	CK_MECHANISM pkcs = { CKM_SHA256_RSA_PKCS, NULL, 0 };
	CK_MECHANISM pss = { CKM_SHA256_RSA_PKCS_PSS, &pss256, sizeof pss256 };
	CK_BYTE sig[256];
	CK_ULONG len = sizeof sig;

	ok(has_list(s, priv, pss_only, 2), "%s: the private key reports its two mechanisms", when);
	ok(has_list(s, pub, pss_only, 2), "%s: the public key too", when);
	is_rv(f->C_SignInit(s, &pkcs, priv), CKR_MECHANISM_INVALID,
	      "%s: C_SignInit with CKM_SHA256_RSA_PKCS is refused", when);
	is_rv(f->C_VerifyInit(s, &pkcs, pub), CKR_MECHANISM_INVALID,
	      "%s: C_VerifyInit with CKM_SHA256_RSA_PKCS is refused", when);
	is_rv(f->C_SignInit(s, &pss, priv), CKR_OK, "%s: C_SignInit with SHA256-RSA-PSS", when);
	is_rv(f->C_Sign(s, (CK_BYTE_PTR)msg, sizeof msg - 1, sig, &len), CKR_OK,
	      "%s: C_Sign with it", when);
	is_rv(f->C_VerifyInit(s, &pss, pub), CKR_OK, "%s: C_VerifyInit with SHA256-RSA-PSS", when);
	is_rv(f->C_Verify(s, (CK_BYTE_PTR)msg, sizeof msg - 1, sig, len), CKR_OK,
	      "%s: the signature verifies", when);
}

int main(int argc, char **argv)
{
	CK_MECHANISM pkcs = { CKM_SHA256_RSA_PKCS, NULL, 0 };
	CK_MECHANISM pss = { CKM_SHA256_RSA_PKCS_PSS, &pss256, sizeof pss256 };
	CK_MECHANISM_TYPE many[65];
	CK_OBJECT_HANDLE pub, priv, pub2, priv2, spub;
	CK_SESSION_HANDLE s;
	CK_BYTE mod[128], sig[256];
	CK_ATTRIBUTE ma = { CKA_MODULUS, mod, sizeof mod };
	CK_ULONG len, i;
	char cmd[512];

	(void)argc;
	api_rig_timeout(argv, 1, 240);
	f = api_module();
	is_rv(f->C_Initialize(NULL), CKR_OK, "C_Initialize");
	is_rv(api_slot_of(f, 0, &slot), CKR_OK, "the token's slot");
	is_rv(api_prepare_token(f, slot, "t5308"), CKR_OK, "an initialised token");
	is_rv(f->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s), CKR_OK,
	      "C_OpenSession");
	is_rv(f->C_Login(s, CKU_USER, API_PIN(API_USER_PIN)), CKR_OK, "C_Login");

	is_rv(gen(s, "\x61", pss_only, 2, &pub, &priv), CKR_OK,
	      "C_GenerateKeyPair with CKA_ALLOWED_MECHANISMS = { SHA256-RSA-PSS, RSA-PSS }");
	check_pss_only(s, pub, priv, "generated");

	is_rv(gen(s, "\x62", NULL, 0, &pub2, &priv2), CKR_OK, "a pair without the attribute");
	ok(has_list(s, priv2, NULL, 0), "its private key reads the empty list");
	is_rv(f->C_SignInit(s, &pkcs, priv2), CKR_OK, "it signs with CKM_SHA256_RSA_PKCS");
	len = sizeof sig;
	is_rv(f->C_Sign(s, (CK_BYTE_PTR)msg, sizeof msg - 1, sig, &len), CKR_OK, "... C_Sign");
	is_rv(f->C_SignInit(s, &pss, priv2), CKR_OK, "... and with SHA256-RSA-PSS");
	is_rv(f->C_SignInit(s, NULL, priv2), CKR_OK, "(ended)");

	/* a session public key with the list: the same rule on the host */
	is_rv(f->C_GetAttributeValue(s, pub2, &ma, 1), CKR_OK, "the second key's modulus");
	{
		CK_OBJECT_CLASS cls = CKO_PUBLIC_KEY;
		CK_KEY_TYPE kt = CKK_RSA;
		CK_ATTRIBUTE t[] = {
			ATTR(CKA_CLASS, cls), ATTR(CKA_KEY_TYPE, kt), ATTR(CKA_TOKEN, no),
			{ CKA_MODULUS, mod, ma.ulValueLen }, ATTR(CKA_PUBLIC_EXPONENT, e65537),
			ATTR(CKA_VERIFY, yes), { CKA_ALLOWED_MECHANISMS, pss_only, sizeof pss_only },
		};

		is_rv(f->C_CreateObject(s, t, 7, &spub), CKR_OK, "a session public key for PSS only");
		ok(has_list(s, spub, pss_only, 2), "... reports its list");
		is_rv(f->C_VerifyInit(s, &pkcs, spub), CKR_MECHANISM_INVALID,
		      "... C_VerifyInit with CKM_SHA256_RSA_PKCS is refused");
		is_rv(f->C_VerifyInit(s, &pss, spub), CKR_OK, "... with SHA256-RSA-PSS it starts");
		is_rv(f->C_VerifyInit(s, NULL, spub), CKR_OK, "(ended)");
	}

	/* too long a list for the directory entry: refused, not shortened */
	for (i = 0; i < 65; i++)
		many[i] = CKM_SHA256_RSA_PKCS_PSS;
	is_rv(gen(s, "\x63", many, 65, &pub2, &priv2), CKR_ATTRIBUTE_VALUE_INVALID,
	      "65 allowed mechanisms: CKR_ATTRIBUTE_VALUE_INVALID");
	ok(find(s, CKO_PRIVATE_KEY, "\x63") == CK_INVALID_HANDLE &&
	   find(s, CKO_PUBLIC_KEY, "\x63") == CK_INVALID_HANDLE, "... and no key was made");
	is_rv(f->C_Finalize(NULL), CKR_OK, "C_Finalize");

	/* read anew from the card */
	is_rv(f->C_Initialize(NULL), CKR_OK, "C_Initialize again");
	is_rv(f->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s), CKR_OK,
	      "C_OpenSession");
	is_rv(f->C_Login(s, CKU_USER, API_PIN(API_USER_PIN)), CKR_OK, "C_Login");
	pub = find(s, CKO_PUBLIC_KEY, "\x61");
	priv = find(s, CKO_PRIVATE_KEY, "\x61");
	ok(pub != CK_INVALID_HANDLE && priv != CK_INVALID_HANDLE, "the PSS-only pair is listed");
	check_pss_only(s, pub, priv, "read again");
	is_rv(f->C_Finalize(NULL), CKR_OK, "C_Finalize");

	if (access("/usr/bin/pkcs15-tool", X_OK) != 0) {
		ok(0, "pkcs15-tool is there (Debian package opensc)");
	} else {
		snprintf(cmd, sizeof cmd,
			 "timeout 60 pkcs15-tool --reader '%s' -D 2>&1 | grep -A12 '^Private RSA Key' "
			 "| grep -q 'ID *: 61'", api_env(0, "READER"));
		is_ulong(api_run("/bin/sh", "-c", cmd, (char *)NULL), 0,
			 "OpenSC's pkcs15-tool -D still lists the private key (ID 61)");
		snprintf(cmd, sizeof cmd,
			 "timeout 60 pkcs15-tool --reader '%s' -D 2>&1 | grep -A12 '^Public RSA Key' "
			 "| grep -q 'ID *: 61'", api_env(0, "READER"));
		is_ulong(api_run("/bin/sh", "-c", cmd, (char *)NULL), 0,
			 "... and the public key");
	}
	return done_testing();
}
