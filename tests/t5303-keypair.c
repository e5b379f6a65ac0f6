/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t5303 — C_GenerateKeyPair through the API against the virtual token: the template checks
 * before any APDU (mechanism, mechanism parameter, CKR_TEMPLATE_INCOMPLETE without
 * CKA_MODULUS_BITS, CKR_ATTRIBUTE_READ_ONLY for CKA_MODULUS or CKA_LOCAL,
 * CKR_TEMPLATE_INCONSISTENT for a key type that does not fit the mechanism or a token
 * public key of a session private key, CKR_SESSION_READ_ONLY, CKR_USER_NOT_LOGGED_IN),
 * then an RSA-1024 and a GOST R 34.10-2012-256 pair: both halves found, sharing CKA_ID, CKA_LOCAL, CKA_KEY_GEN_MECHANISM,
 * CKA_ALWAYS_SENSITIVE and CKA_NEVER_EXTRACTABLE true, the private key's public parts
 * readable and nothing secret; and all or nothing: failing each APDU of a generation in
 * turn leaves the token's state file as it was and no new object in the module, or (for
 * the deletions of the old directory copies after the commit) the complete pair.
 */

#include "api/api.h"
#include "api/token.h"

static CK_FUNCTION_LIST_PTR f;
static CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
static CK_ULONG bits1024 = 1024;
static CK_BYTE e65537[3] = { 1, 0, 1 };
static CK_BYTE id[4] = { 0xA1, 0xB2, 0xC3, 0xD4 };
/* id-tc26-gost-3410-2012-256-paramSetB and id-tc26-gost3411-12-256 (DER OIDs) */
static CK_BYTE gost_b[] = { 0x06, 0x09, 0x2A, 0x85, 0x03, 0x07, 0x01, 0x02, 0x01, 0x01, 0x02 };
static CK_BYTE streebog256[] = { 0x06, 0x08, 0x2A, 0x85, 0x03, 0x07, 0x01, 0x01, 0x02, 0x02 };

#define ATTR(t, v) { (t), &(v), sizeof(v) }

static CK_MECHANISM rsa_gen = { CKM_RSA_PKCS_KEY_PAIR_GEN, NULL, 0 };

static CK_RV gen_rsa(CK_SESSION_HANDLE s, CK_ATTRIBUTE *extra_pub, CK_ULONG nextra,
		     CK_OBJECT_HANDLE *pub, CK_OBJECT_HANDLE *priv)
{
	CK_ATTRIBUTE pt[8] = {
		ATTR(CKA_TOKEN, yes), ATTR(CKA_MODULUS_BITS, bits1024),
		ATTR(CKA_PUBLIC_EXPONENT, e65537), ATTR(CKA_ID, id), { CKA_LABEL, "rsa", 3 },
	};
	CK_ATTRIBUTE vt[] = { ATTR(CKA_TOKEN, yes), ATTR(CKA_PRIVATE, yes), ATTR(CKA_SIGN, yes),
			      { CKA_LABEL, "rsa", 3 } };
	CK_ULONG i;

	for (i = 0; i < nextra && i < 3; i++)
		pt[5 + i] = extra_pub[i];
	return f->C_GenerateKeyPair(s, &rsa_gen, pt, 5 + nextra, vt, 4, pub, priv);
}

static long count_keys(CK_SESSION_HANDLE s)
{
	CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
	CK_ATTRIBUTE t[] = { ATTR(CKA_CLASS, cls) };
	CK_OBJECT_HANDLE hs[32];
	CK_ULONG got = 0;

	if (f->C_FindObjectsInit(s, t, 1) != CKR_OK)
		return -1;
	f->C_FindObjects(s, hs, 32, &got);
	f->C_FindObjectsFinal(s);
	return (long)got;
}

static void refusals(CK_SESSION_HANDLE s, CK_SESSION_HANDLE ro)
{
	CK_OBJECT_HANDLE pub, priv;
	CK_MECHANISM not_gen = { CKM_RSA_PKCS, NULL, 0 };
	CK_MECHANISM ec_gen = { CKM_EC_KEY_PAIR_GEN, NULL, 0 };
	CK_MECHANISM with_param = { CKM_RSA_PKCS_KEY_PAIR_GEN, e65537, sizeof e65537 };
	CK_KEY_TYPE rsa = CKK_RSA;
	CK_BYTE modulus[128] = { 0x80 };
	CK_ATTRIBUTE no_bits[] = { ATTR(CKA_TOKEN, yes), ATTR(CKA_PUBLIC_EXPONENT, e65537) };
	CK_ATTRIBUTE vt[] = { ATTR(CKA_TOKEN, yes) };
	CK_ATTRIBUTE with_modulus[] = { ATTR(CKA_MODULUS, modulus) };
	CK_ATTRIBUTE with_local[] = { ATTR(CKA_LOCAL, yes) };
	CK_ATTRIBUTE rsa_type[] = { ATTR(CKA_KEY_TYPE, rsa), ATTR(CKA_TOKEN, yes) };
	CK_ATTRIBUTE token_pub[] = { ATTR(CKA_TOKEN, yes), ATTR(CKA_MODULUS_BITS, bits1024) };
	CK_ATTRIBUTE session_priv[] = { ATTR(CKA_TOKEN, no) };
	long mark;

	count_keys(s);          /* the private objects of this login are read once, here */
	mark = api_apdus(0);

	is_rv(f->C_GenerateKeyPair(s, &not_gen, no_bits, 2, vt, 1, &pub, &priv),
	      CKR_MECHANISM_INVALID, "CKM_RSA_PKCS generates no key pair");
	is_rv(f->C_GenerateKeyPair(s, &with_param, no_bits, 2, vt, 1, &pub, &priv),
	      CKR_MECHANISM_PARAM_INVALID, "a parameter for a mechanism that takes none");
	is_rv(f->C_GenerateKeyPair(s, &rsa_gen, no_bits, 2, vt, 1, &pub, &priv),
	      CKR_TEMPLATE_INCOMPLETE, "RSA without CKA_MODULUS_BITS [footnote 3]");
	is_rv(gen_rsa(s, with_modulus, 1, &pub, &priv), CKR_ATTRIBUTE_READ_ONLY,
	      "CKA_MODULUS given to generation [footnote 4]");
	is_rv(gen_rsa(s, with_local, 1, &pub, &priv), CKR_ATTRIBUTE_READ_ONLY,
	      "CKA_LOCAL given to generation");
	is_rv(f->C_GenerateKeyPair(s, &ec_gen, rsa_type, 2, vt, 1, &pub, &priv),
	      CKR_TEMPLATE_INCONSISTENT, "CKK_RSA with CKM_EC_KEY_PAIR_GEN");
	is_rv(f->C_GenerateKeyPair(s, &rsa_gen, token_pub, 2, session_priv, 1, &pub, &priv),
	      CKR_TEMPLATE_INCONSISTENT,
	      "a token public key of a session private key (runtime/obj_keygen.c)");
	is_rv(gen_rsa(ro, NULL, 0, &pub, &priv), CKR_SESSION_READ_ONLY, "a R/O session");
	is_ulong((CK_ULONG)(api_apdus(0) - mark), 0, "none of these sent an APDU");
}

static void check_pair(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE pub, CK_OBJECT_HANDLE priv,
		       CK_MECHANISM_TYPE mech, const char *what)
{
	CK_BYTE a[64], b[64];
	CK_ATTRIBUTE ta = { CKA_ID, a, sizeof a }, tb = { CKA_ID, b, sizeof b };

	ok(f->C_GetAttributeValue(s, pub, &ta, 1) == CKR_OK &&
	   f->C_GetAttributeValue(s, priv, &tb, 1) == CKR_OK && ta.ulValueLen > 0 &&
	   ta.ulValueLen == tb.ulValueLen && memcmp(a, b, ta.ulValueLen) == 0,
	   "%s: both halves share a non-empty CKA_ID", what);
	is_ulong((CK_ULONG)api_get_bool(f, s, priv, CKA_LOCAL), CK_TRUE, "%s: CKA_LOCAL", what);
	is_ulong((CK_ULONG)api_get_bool(f, s, pub, CKA_LOCAL), CK_TRUE, "%s: public CKA_LOCAL",
		 what);
	is_ulong(api_get_ulong(f, s, priv, CKA_KEY_GEN_MECHANISM), mech, "%s: CKA_KEY_GEN_MECHANISM",
		 what);
	is_ulong((CK_ULONG)api_get_bool(f, s, priv, CKA_ALWAYS_SENSITIVE), CK_TRUE,
		 "%s: CKA_ALWAYS_SENSITIVE", what);
	is_ulong((CK_ULONG)api_get_bool(f, s, priv, CKA_NEVER_EXTRACTABLE), CK_TRUE,
		 "%s: CKA_NEVER_EXTRACTABLE", what);
	is_ulong(api_get_ulong(f, s, priv, CKA_CLASS), CKO_PRIVATE_KEY, "%s: private key class",
		 what);
	is_ulong(api_get_ulong(f, s, pub, CKA_CLASS), CKO_PUBLIC_KEY, "%s: public key class", what);
	is_ulong((CK_ULONG)api_get_bool(f, s, priv, CKA_TOKEN), CK_TRUE, "%s: on the token", what);
}

static void faults(CK_SESSION_HANDLE s)
{
	CK_OBJECT_HANDLE pub, priv;
	char *before;
	size_t len;
	long n, i, mark, keys;
	int all_failed = 1, all_same = 1, none_shown = 1, completed = 0;
	CK_RV rv;

	mark = api_apdus(0);
	is_rv(gen_rsa(s, NULL, 0, &pub, &priv), CKR_OK, "a generation to count its APDUs");
	n = api_apdus(0) - mark;
	ok(n > 0 && n < 200, "... it sent %ld APDUs", n);
	keys = count_keys(s);
	before = api_state(0, &len);
	ok(before != NULL, "the token's state file");
	for (i = 1; i <= n; i++) {
		char cmd[64], *now;
		size_t nlen;

		snprintf(cmd, sizeof cmd, "fail-at %ld 6F00", i);
		api_ctl(0, cmd, NULL, 0);
		rv = gen_rsa(s, NULL, 0, &pub, &priv);
		api_ctl(0, "fail-at 1000000 6F00", NULL, 0);
		if (rv == CKR_OK && count_keys(s) == keys + 1) {
			/* past the commit (the ODF's update): an old directory copy that
			 * cannot be deleted stays for the next change; the pair is complete */
			completed++;
			/* one more generation reclaims that copy (not undone if it fails later) */
			if (gen_rsa(s, NULL, 0, &pub, &priv) != CKR_OK)
				all_failed = 0;
			free(before);
			before = api_state(0, &len);
			keys += 2;
			continue;
		}
		if (rv == CKR_OK) {
			all_failed = 0;
			diag("APDU %ld failed, C_GenerateKeyPair said CKR_OK", i);
		}
		now = api_state(0, &nlen);
		if (now == NULL || nlen != len || memcmp(now, before, len) != 0) {
			all_same = 0;
			diag("APDU %ld failed: the token changed", i);
		}
		free(now);
		if (count_keys(s) != keys) {
			none_shown = 0;
			diag("APDU %ld failed: the module shows another key", i);
		}
	}
	ok(all_failed, "C_GenerateKeyPair fails whichever of its %ld APDUs fails, or the pair is "
	   "complete (%d of the last APDUs, after its commit)", n, completed);
	ok(completed <= 2, "... which is the case only for the deletions of the old directories");
	ok(all_same, "... the token is byte for byte as before");
	ok(none_shown, "... and the module shows no new key");
	free(before);
}

int main(int argc, char **argv)
{
	CK_SLOT_ID slot = 0;
	CK_SESSION_HANDLE s = 0, ro = 0;
	CK_OBJECT_HANDLE pub = 0, priv = 0, gpub = 0, gpriv = 0;
	CK_BYTE mod[600];
	CK_ATTRIBUTE t[2];
	CK_MECHANISM gost_gen = { CKM_GOSTR3410_KEY_PAIR_GEN, NULL, 0 };
	CK_ATTRIBUTE gp[] = { ATTR(CKA_TOKEN, yes), ATTR(CKA_GOSTR3410_PARAMS, gost_b),
			      ATTR(CKA_GOSTR3411_PARAMS, streebog256) };
	/* pkcs11-tool repeats the domain parameters in the private template */
	CK_ATTRIBUTE gv[] = { ATTR(CKA_TOKEN, yes), ATTR(CKA_PRIVATE, yes),
			      ATTR(CKA_GOSTR3410_PARAMS, gost_b),
			      ATTR(CKA_GOSTR3411_PARAMS, streebog256) };

	api_rig(argv, 1);
	f = api_module();
	is_rv(f->C_Initialize(NULL), CKR_OK, "C_Initialize");
	is_rv(api_slot_of(f, 0, &slot), CKR_OK, "the token's slot");
	is_rv(api_prepare_token(f, slot, "t5303"), CKR_OK, "C_InitToken and C_InitPIN");
	is_rv(f->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s), CKR_OK,
	      "R/W session");
	is_rv(f->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &ro), CKR_OK, "R/O session");
	is_rv(gen_rsa(s, NULL, 0, &pub, &priv), CKR_USER_NOT_LOGGED_IN,
	      "a private key on the token needs the user");
	is_rv(f->C_Login(s, CKU_USER, API_PIN(API_USER_PIN)), CKR_OK, "user login");
	refusals(s, ro);

	is_rv(gen_rsa(s, NULL, 0, &pub, &priv), CKR_OK, "RSA-1024 key pair");
	check_pair(s, pub, priv, CKM_RSA_PKCS_KEY_PAIR_GEN, "RSA");
	t[0] = (CK_ATTRIBUTE){ CKA_MODULUS, mod, sizeof mod };
	is_rv(f->C_GetAttributeValue(s, priv, t, 1), CKR_OK, "the private key's modulus");
	is_ulong(t[0].ulValueLen, 128, "... 128 bytes");
	t[0] = (CK_ATTRIBUTE){ CKA_PRIVATE_EXPONENT, mod, sizeof mod };
	ok(f->C_GetAttributeValue(s, priv, t, 1) != CKR_OK &&
	   t[0].ulValueLen == CK_UNAVAILABLE_INFORMATION, "no private exponent leaves the token");
	is_ulong(api_get_ulong(f, s, pub, CKA_MODULUS_BITS), 1024, "public CKA_MODULUS_BITS");

	is_rv(f->C_GenerateKeyPair(s, &gost_gen, gp, 3, gv, 4, &gpub, &gpriv), CKR_OK,
	      "GOST R 34.10-2012-256 key pair, parameters repeated in the private template");
	check_pair(s, gpub, gpriv, CKM_GOSTR3410_KEY_PAIR_GEN, "GOST");
	t[0] = (CK_ATTRIBUTE){ CKA_VALUE, mod, sizeof mod };
	is_rv(f->C_GetAttributeValue(s, gpub, t, 1), CKR_OK, "the GOST public key");
	is_ulong(t[0].ulValueLen, 64, "... 64 bytes");

	faults(s);
	is_rv(f->C_Finalize(NULL), CKR_OK, "C_Finalize");
	return done_testing();
}
