/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t5430 — Ed25519 token keys of the Rutoken family (issue 9 item 7), end to end through the
 * virtual token's Ed25519 extension: the mechanisms (CKF_HW), C_GenerateKeyPair with
 * CKM_EC_EDWARDS_KEY_PAIR_GEN and CKA_TOKEN true (CKA_EC_PARAMS as the OID of RFC 8410 or
 * PKCS #11 3.0's printable "edwards25519"; Ed448 refused), the objects' attributes
 * (CKK_EC_EDWARDS, CKA_EC_POINT the DER OCTET STRING of the 32-byte key, CKA_LOCAL), C_Sign
 * CKM_EDDSA on the token (the whole message: empty, short, chained up to 8192 bytes; longer
 * refused), each signature checked by `openssl pkeyutl -verify -rawin` in another process
 * with the public key from CKA_EC_POINT and by C_Verify on the host, a changed message
 * refused by both; Ed25519ph / a context refused; an imported token private key signing
 * the RFC 8032 7.1 TEST 1 and TEST 2 known answers; and every APDU of a key generation
 * failed in turn, each leaving the token's state file byte for byte as it was.
 */
#include "api/api.h"
#include "api/bytes.h"
#include "api/token.h"
#include "rfc8032.h"

static CK_FUNCTION_LIST_PTR f;
static CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
static CK_OBJECT_CLASS c_priv = CKO_PRIVATE_KEY;
static CK_KEY_TYPE k_ed = CKK_EC_EDWARDS;
static char W[64];

#define ATTR(t, v) { (t), &(v), sizeof(v) }

/* RFC 8410 3: id-Ed25519 1.3.101.112, id-Ed448 1.3.101.113; PKCS #11 3.0 2.3.5: the
 * curve as a PrintableString */
static const CK_BYTE oid_ed25519[] = { 0x06, 0x03, 0x2b, 0x65, 0x70 };
static const CK_BYTE oid_ed448[] = { 0x06, 0x03, 0x2b, 0x65, 0x71 };
static const CK_BYTE name_ed25519[] = { 0x13, 0x0c, 'e', 'd', 'w', 'a', 'r', 'd', 's', '2', '5',
					 '5', '1', '9' };

static CK_RV gen_pair(CK_SESSION_HANDLE s, const CK_BYTE *params, size_t plen, const char *label,
		      CK_OBJECT_HANDLE *pub, CK_OBJECT_HANDLE *priv)
{
	CK_MECHANISM m = { CKM_EC_EDWARDS_KEY_PAIR_GEN, NULL, 0 };
	CK_ATTRIBUTE pt[] = {
		ATTR(CKA_TOKEN, yes), ATTR(CKA_VERIFY, yes),
		{ CKA_EC_PARAMS, (void *)params, (CK_ULONG)plen },
		{ CKA_LABEL, (void *)label, (CK_ULONG)strlen(label) },
	};
	CK_ATTRIBUTE st[] = {
		ATTR(CKA_TOKEN, yes), ATTR(CKA_PRIVATE, yes), ATTR(CKA_SIGN, yes),
		ATTR(CKA_SENSITIVE, yes),
		{ CKA_LABEL, (void *)label, (CK_ULONG)strlen(label) },
	};

	return f->C_GenerateKeyPair(s, &m, pt, 4, st, 5, pub, priv);
}

static CK_RV sign(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE k, const CK_BYTE *msg, size_t n,
		  CK_BYTE *sig, CK_ULONG *slen)
{
	CK_MECHANISM m = { CKM_EDDSA, NULL, 0 };
	CK_RV rv = f->C_SignInit(s, &m, k);

	if (rv != CKR_OK)
		return rv;
	return f->C_Sign(s, (CK_BYTE_PTR)msg, (CK_ULONG)n, sig, slen);
}

static CK_RV verify(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE k, const CK_BYTE *msg, size_t n,
		    const CK_BYTE *sig, CK_ULONG slen)
{
	CK_MECHANISM m = { CKM_EDDSA, NULL, 0 };
	CK_RV rv = f->C_VerifyInit(s, &m, k);

	if (rv != CKR_OK)
		return rv;
	return f->C_Verify(s, (CK_BYTE_PTR)msg, (CK_ULONG)n, (CK_BYTE_PTR)sig, slen);
}

/* `openssl pkeyutl -verify -rawin` of msg and sig with the SubjectPublicKeyInfo (RFC 8410
 * 4) of the 32-byte key, in another process: 1 verified, 0 refused, -1 no answer */
static int openssl_verify(const CK_BYTE *key, const CK_BYTE *msg, size_t n, const CK_BYTE *sig)
{
	CK_BYTE spki[44] = { 0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21,
			     0x00 };
	char cmd[1024];
	int st;

	memcpy(spki + 12, key, 32);
	if (api_put_file(W, "pub.der", spki, sizeof spki) || api_put_file(W, "msg", msg, n) ||
	    api_put_file(W, "sig", sig, 64))
		return -1;
	snprintf(cmd, sizeof cmd, "openssl pkeyutl -verify -pubin -keyform DER -inkey %s/pub.der "
		 "-rawin -in %s/msg -sigfile %s/sig >/dev/null 2>&1", W, W, W);
	fflush(stdout);
	st = system(cmd);
	if (st == -1 || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st) == 0 ? 1 : WEXITSTATUS(st) == 1 ? 0 : -1;
}

/* Every APDU of an Ed25519 key generation failed in turn. Up to its commit point (the
 * UPDATE BINARY that makes both directory entries visible, the last D6) each failure is an
 * error that leaves the token's state file byte for byte as before and no object in the
 * module; a failure of the APDU after it (the deletion of a directory's old copy, which
 * the next change reclaims) still makes the pair. */
static void faults(CK_SESSION_HANDLE s)
{
	CK_OBJECT_HANDLE pub, priv;
	unsigned ins[64];
	char *before;
	size_t len;
	long n, i, mark, commit = 0;
	int all_failed = 1, all_same = 1, none_shown = 1, made_after = 1;
	CK_RV rv;

	mark = api_apdus(0);
	rv = gen_pair(s, oid_ed25519, sizeof oid_ed25519, "probe", &pub, &priv);
	n = api_apdus(0) - mark;
	is_rv(rv, CKR_OK, "an Ed25519 key pair, to count its APDUs (%ld)", n);
	if (api_ins_since(0, mark, ins, 64) == n && n <= 64)
		for (i = 0; i < n; i++)
			if (ins[i] == 0xD6)
				commit = i + 1;
	ok(commit > 0 && n >= commit, "... its commit point is APDU %ld", commit);
	is_rv(f->C_DestroyObject(s, priv), CKR_OK, "... its private key destroyed");
	is_rv(f->C_DestroyObject(s, pub), CKR_OK, "... and its public key");
	before = api_state(0, &len);
	ok(before != NULL && n >= 5, "the token's state file");
	for (i = 1; i <= commit; i++) {
		char cmd[64];

		snprintf(cmd, sizeof cmd, "fail-at %ld 6F00", i);
		api_ctl(0, cmd, NULL, 0);
		rv = gen_pair(s, oid_ed25519, sizeof oid_ed25519, "faulty", &pub, &priv);
		api_ctl(0, "fail-at 1000000 6F00", NULL, 0);
		if (rv == CKR_OK) {
			all_failed = 0;
			diag("APDU %ld failed, C_GenerateKeyPair said CKR_OK", i);
			f->C_DestroyObject(s, priv);
			f->C_DestroyObject(s, pub);
		}
		if (!api_same_state(before, len)) {
			all_same = 0;
			diag("APDU %ld failed: the token changed", i);
		}
		if (api_find_label(f, s, "faulty", NULL) != 0) {
			none_shown = 0;
			diag("APDU %ld failed: the module shows an object", i);
		}
	}
	ok(all_failed, "C_GenerateKeyPair fails whichever of its first %ld APDUs fails", commit);
	ok(all_same, "... and the state file is byte for byte as before");
	ok(none_shown, "... and the module shows no new object");
	free(before);
	/* the first APDU after the commit (later ones depend on what this one leaves) */
	for (i = commit + 1; i <= n && i <= commit + 1; i++) {
		char cmd[64];

		snprintf(cmd, sizeof cmd, "fail-at %ld 6F00", i);
		api_ctl(0, cmd, NULL, 0);
		rv = gen_pair(s, oid_ed25519, sizeof oid_ed25519, "late", &pub, &priv);
		api_ctl(0, "fail-at 1000000 6F00", NULL, 0);
		if (rv != CKR_OK || api_find_label(f, s, "late", NULL) != 2) {
			made_after = 0;
			diag("APDU %ld (after the commit) failed: %s", i, sk_rv_name(rv));
		}
		if (rv == CKR_OK) {
			f->C_DestroyObject(s, priv);
			f->C_DestroyObject(s, pub);
		}
	}
	ok(made_after && commit < n, "a failure after the commit point (APDU %ld, deleting an old "
	   "directory copy) still makes the pair", commit + 1);
	rv = gen_pair(s, oid_ed25519, sizeof oid_ed25519, "after", &pub, &priv);
	is_rv(rv, CKR_OK, "a key pair after the faults");
}

/* RFC 8032 7.1, TEST 1 and TEST 2: the secret key imported as a token private key, its
 * signature of the test's message compared byte for byte */
static void known_answers(CK_SESSION_HANDLE s)
{
	const struct rfc8032_test *v = rfc8032_tests;
	CK_OBJECT_CLASS c_pub = CKO_PUBLIC_KEY;
	size_t i;

	for (i = 0; i < 2; i++) {
		CK_BYTE seed[32], msg[1], want[64], sig[64];
		size_t ml = unhex(v[i].msg, msg);
		CK_ULONG sl = sizeof sig;
		CK_ATTRIBUTE t[] = {
			ATTR(CKA_CLASS, c_priv), ATTR(CKA_KEY_TYPE, k_ed), ATTR(CKA_TOKEN, yes),
			ATTR(CKA_PRIVATE, yes), ATTR(CKA_SIGN, yes),
			{ CKA_EC_PARAMS, (void *)oid_ed25519, sizeof oid_ed25519 },
			{ CKA_VALUE, seed, 32 },
		};
		CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;

		unhex(v[i].seed, seed);
		unhex(v[i].sig, want);
		is_rv(f->C_CreateObject(s, t, 7, &h), CKR_OK,
		      "RFC 8032 TEST %zu: the secret key imported as a token key", i + 1);
		ok(api_get_bool(f, s, h, CKA_TOKEN) == 1 &&
		   api_get_ulong(f, s, h, CKA_KEY_TYPE) == CKK_EC_EDWARDS,
		   "... a CKK_EC_EDWARDS token object");
		is_rv(sign(s, h, msg, ml, sig, &sl), CKR_OK, "... C_Sign CKM_EDDSA on the token");
		ok(sl == 64 && memcmp(sig, want, 64) == 0, "... the signature is RFC 8032's");
		is_rv(f->C_DestroyObject(s, h), CKR_OK, "... destroyed");
		{
			/* the public key as a token object: CKA_EC_POINT 04 20 key */
			CK_BYTE pt[34] = { 0x04, 0x20 };
			CK_ATTRIBUTE u[] = {
				ATTR(CKA_CLASS, c_pub), ATTR(CKA_KEY_TYPE, k_ed),
				ATTR(CKA_TOKEN, yes), ATTR(CKA_VERIFY, yes),
				{ CKA_EC_PARAMS, (void *)name_ed25519, sizeof name_ed25519 },
				{ CKA_EC_POINT, pt, sizeof pt },
			};
			CK_BYTE got[40];

			unhex(v[i].pub, pt + 2);
			is_rv(f->C_CreateObject(s, u, 6, &h), CKR_OK,
			      "RFC 8032 TEST %zu: the public key stored on the token", i + 1);
			ok(api_get_attr(f, s, h, CKA_EC_POINT, got, sizeof got) == 34 &&
			   memcmp(got, pt, 34) == 0, "... its CKA_EC_POINT as given");
			is_rv(verify(s, h, msg, ml, want, 64), CKR_OK,
			      "... C_Verify of RFC 8032's signature with it");
			want[10] ^= 0x20;
			is_rv(verify(s, h, msg, ml, want, 64), CKR_SIGNATURE_INVALID,
			      "... and of a changed one: CKR_SIGNATURE_INVALID");
			is_rv(f->C_DestroyObject(s, h), CKR_OK, "... destroyed");
		}
	}
	{
		CK_BYTE seed[31] = { 1 };
		CK_ATTRIBUTE t[] = {
			ATTR(CKA_CLASS, c_priv), ATTR(CKA_KEY_TYPE, k_ed), ATTR(CKA_TOKEN, yes),
			{ CKA_EC_PARAMS, (void *)oid_ed25519, sizeof oid_ed25519 },
			{ CKA_VALUE, seed, sizeof seed },
		};
		CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;

		is_rv(f->C_CreateObject(s, t, 5, &h), CKR_ATTRIBUTE_VALUE_INVALID,
		      "an Ed25519 private value of 31 bytes");
	}
}

int main(int argc, char **argv)
{
	CK_SLOT_ID slot = 0;
	CK_SESSION_HANDLE s = 0;
	CK_OBJECT_HANDLE pub = 0, priv = 0, pub2 = 0, priv2 = 0, h, h2;
	CK_MECHANISM_INFO mi;
	CK_BYTE point[64], buf[64], key[32], sig[64], msg[8193];
	CK_ULONG sl;
	size_t lens[] = { 0, 3, 255, 256, 1000, 8192 }, i, n;
	char tmpl[] = "/tmp/t5430.XXXXXX";
	int good_os = 1, bad_os = 1, good_host = 1, bad_host = 1;

	api_rig(argv, 1);
	if (mkdtemp(tmpl) == NULL)
		return 1;
	snprintf(W, sizeof W, "%s", tmpl);
	f = api_module();
	is_rv(f->C_Initialize(NULL), CKR_OK, "C_Initialize");
	is_rv(api_slot_of(f, 0, &slot), CKR_OK, "the token's slot");
	is_rv(api_prepare_token(f, slot, "t5430"), CKR_OK, "C_InitToken and C_InitPIN");
	is_rv(f->C_GetMechanismInfo(slot, CKM_EDDSA, &mi), CKR_OK, "C_GetMechanismInfo CKM_EDDSA");
	ok((mi.flags & (CKF_HW | CKF_SIGN | CKF_VERIFY)) == (CKF_HW | CKF_SIGN | CKF_VERIFY),
	   "... CKF_HW, CKF_SIGN (the token) and CKF_VERIFY (the host)");
	ok(mi.ulMinKeySize == 255 && mi.ulMaxKeySize >= 255, "... 255 bits (%lu..%lu)",
	   mi.ulMinKeySize, mi.ulMaxKeySize);
	is_rv(f->C_GetMechanismInfo(slot, CKM_EC_EDWARDS_KEY_PAIR_GEN, &mi), CKR_OK,
	      "C_GetMechanismInfo CKM_EC_EDWARDS_KEY_PAIR_GEN");
	ok((mi.flags & (CKF_HW | CKF_GENERATE_KEY_PAIR)) == (CKF_HW | CKF_GENERATE_KEY_PAIR),
	   "... CKF_HW and CKF_GENERATE_KEY_PAIR");
	is_rv(f->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s), CKR_OK,
	      "R/W session");
	is_rv(f->C_Login(s, CKU_USER, API_PIN(API_USER_PIN)), CKR_OK, "user login");

	/* generation, CKA_EC_PARAMS in both forms; Ed448 refused */
	is_rv(gen_pair(s, oid_ed25519, sizeof oid_ed25519, "ed-oid", &pub, &priv), CKR_OK,
	      "C_GenerateKeyPair CKM_EC_EDWARDS_KEY_PAIR_GEN on the token (the OID)");
	is_rv(gen_pair(s, name_ed25519, sizeof name_ed25519, "ed-name", &pub2, &priv2), CKR_OK,
	      "... and with CKA_EC_PARAMS \"edwards25519\" (PrintableString)");
	is_rv(gen_pair(s, oid_ed448, sizeof oid_ed448, "ed448", &h, &h2), CKR_CURVE_NOT_SUPPORTED,
	      "Ed448 on the token -> CKR_CURVE_NOT_SUPPORTED");
	ok(api_get_bool(f, s, pub, CKA_TOKEN) == 1 && api_get_bool(f, s, priv, CKA_TOKEN) == 1,
	   "both are token objects");
	ok(api_get_ulong(f, s, pub, CKA_KEY_TYPE) == CKK_EC_EDWARDS &&
	   api_get_ulong(f, s, priv, CKA_KEY_TYPE) == CKK_EC_EDWARDS, "... CKK_EC_EDWARDS");
	ok(api_get_bool(f, s, priv, CKA_LOCAL) == 1 && api_get_bool(f, s, pub, CKA_LOCAL) == 1 &&
	   api_get_ulong(f, s, priv, CKA_KEY_GEN_MECHANISM) == CKM_EC_EDWARDS_KEY_PAIR_GEN,
	   "... CKA_LOCAL, CKA_KEY_GEN_MECHANISM CKM_EC_EDWARDS_KEY_PAIR_GEN");
	n = api_get_attr(f, s, pub, CKA_EC_PARAMS, buf, sizeof buf);
	ok(n == sizeof oid_ed25519 && memcmp(buf, oid_ed25519, n) == 0,
	   "the public key's CKA_EC_PARAMS: the OID 1.3.101.112");
	n = api_get_attr(f, s, priv, CKA_EC_PARAMS, buf, sizeof buf);
	ok(n == sizeof oid_ed25519 && memcmp(buf, oid_ed25519, n) == 0, "... the private key's too");
	n = api_get_attr(f, s, pub, CKA_EC_POINT, point, sizeof point);
	ok(n == 34 && point[0] == 0x04 && point[1] == 0x20,
	   "CKA_EC_POINT: the DER OCTET STRING of the 32-byte key (04 20 ...)");
	memcpy(key, point + 2, 32);
	{
		CK_ATTRIBUTE a = { CKA_VALUE, buf, sizeof buf };

		is_rv(f->C_GetAttributeValue(s, priv, &a, 1), CKR_ATTRIBUTE_SENSITIVE,
		      "the private key's CKA_VALUE is sensitive");
	}
	ok(api_get_bool(f, s, priv, CKA_SENSITIVE) == 1 &&
	   api_get_bool(f, s, priv, CKA_EXTRACTABLE) == 0,
	   "... CKA_SENSITIVE true, CKA_EXTRACTABLE false");
	n = api_get_attr(f, s, pub2, CKA_EC_POINT, buf, sizeof buf);
	ok(n == 34 && memcmp(buf + 2, key, 32) != 0, "the second pair has another key");

	/* signing on the token, verification in openssl and on the host */
	for (i = 0; i < sizeof msg; i++)
		msg[i] = (CK_BYTE)(i * 7 + 3);
	sl = 0;
	{
		CK_MECHANISM m = { CKM_EDDSA, NULL, 0 };

		is_rv(f->C_SignInit(s, &m, priv), CKR_OK, "C_SignInit CKM_EDDSA");
		is_rv(f->C_Sign(s, msg, 3, NULL, &sl), CKR_OK, "... size query");
		is_ulong(sl, 64, "... 64 bytes");
		sl = 10;
		is_rv(f->C_Sign(s, msg, 3, sig, &sl), CKR_BUFFER_TOO_SMALL, "... a short buffer");
		sl = sizeof sig;
		is_rv(f->C_Sign(s, msg, 3, sig, &sl), CKR_OK, "... then C_Sign");
	}
	for (i = 0; i < sizeof lens / sizeof lens[0]; i++) {
		size_t l = lens[i];
		CK_RV rv;

		sl = sizeof sig;
		rv = sign(s, priv, msg, l, sig, &sl);
		if (rv != CKR_OK || sl != 64) {
			diag("C_Sign of %zu bytes: %s", l, sk_rv_name(rv));
			good_os = good_host = 0;
			continue;
		}
		/* OpenSSL 3.0's pkeyutl takes no empty input: the empty message is checked by
		 * C_Verify here and by RFC 8032's TEST 1 below */
		if (l > 0 && openssl_verify(key, msg, l, sig) != 1) {
			diag("openssl does not verify the signature of %zu bytes", l);
			good_os = 0;
		}
		if (verify(s, pub, msg, l, sig, 64) != CKR_OK) {
			diag("C_Verify refuses the signature of %zu bytes", l);
			good_host = 0;
		}
		/* the last byte changed, or one byte more than the empty message */
		msg[l ? l - 1 : 0] ^= 0x01;
		if (l > 0 && openssl_verify(key, msg, l, sig) != 0) {
			diag("openssl verifies a changed message (%zu)", l);
			bad_os = 0;
		}
		if (verify(s, pub, msg, l ? l : 1, sig, 64) != CKR_SIGNATURE_INVALID) {
			diag("C_Verify takes a changed message (%zu)", l);
			bad_host = 0;
		}
		msg[l ? l - 1 : 0] ^= 0x01;
	}
	ok(good_os, "C_Sign CKM_EDDSA of 0, 3, 255, 256, 1000 and 8192 bytes: openssl pkeyutl "
	   "-verify -rawin (another process) verifies each but the empty one with the key "
	   "from CKA_EC_POINT");
	ok(bad_os, "... and refuses each for a changed message");
	ok(good_host, "C_Verify with the public key object verifies each on the host");
	ok(bad_host, "... and gives CKR_SIGNATURE_INVALID for a changed message");
	sl = sizeof sig;
	is_rv(sign(s, priv, msg, 8193, sig, &sl), CKR_DATA_LEN_RANGE,
	      "a message of 8193 bytes: more than the token's chain -> CKR_DATA_LEN_RANGE");
	sl = sizeof sig;
	is_rv(sign(s, priv2, msg, 100, sig, &sl), CKR_OK, "the \"edwards25519\" key signs");
	n = api_get_attr(f, s, pub2, CKA_EC_POINT, buf, sizeof buf);
	ok(n == 34 && openssl_verify(buf + 2, msg, 100, sig) == 1, "... and openssl verifies it");
	ok(openssl_verify(key, msg, 100, sig) == 0, "... not with the other key");

	/* parameters and key types refused */
	{
		CK_EDDSA_PARAMS ph = { CK_TRUE, 0, NULL }, ctx = { CK_FALSE, 3, (CK_BYTE_PTR)"abc" };
		CK_MECHANISM mph = { CKM_EDDSA, &ph, sizeof ph }, mctx = { CKM_EDDSA, &ctx, sizeof ctx };
		CK_MECHANISM ecdsa = { CKM_ECDSA, NULL, 0 };

		is_rv(f->C_SignInit(s, &mph, priv), CKR_MECHANISM_PARAM_INVALID,
		      "CK_EDDSA_PARAMS phFlag true (Ed25519ph) -> CKR_MECHANISM_PARAM_INVALID");
		is_rv(f->C_SignInit(s, &mctx, priv), CKR_MECHANISM_PARAM_INVALID,
		      "CK_EDDSA_PARAMS with a context (Ed25519ctx) -> CKR_MECHANISM_PARAM_INVALID");
		is_rv(f->C_SignInit(s, &ecdsa, priv), CKR_KEY_TYPE_INCONSISTENT,
		      "CKM_ECDSA with the Ed25519 key -> CKR_KEY_TYPE_INCONSISTENT");
	}

	known_answers(s);
	faults(s);

	is_rv(f->C_Logout(s), CKR_OK, "log out");
	sl = sizeof sig;
	is_rv(sign(s, priv, msg, 3, sig, &sl), CKR_USER_NOT_LOGGED_IN,
	      "C_SignInit without the user -> CKR_USER_NOT_LOGGED_IN");
	f->C_CloseSession(s);
	is_rv(f->C_Finalize(NULL), CKR_OK, "C_Finalize");

	/* a new C_Initialize: the pair is read back from the card */
	is_rv(f->C_Initialize(NULL), CKR_OK, "C_Initialize again");
	is_rv(f->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &s), CKR_OK, "a new session");
	is_rv(f->C_Login(s, CKU_USER, API_PIN(API_USER_PIN)), CKR_OK, "user login");
	{
		CK_ATTRIBUTE t[] = { { CKA_LABEL, "ed-oid", 6 }, ATTR(CKA_CLASS, c_priv) };
		CK_OBJECT_CLASS c_pub = CKO_PUBLIC_KEY;
		CK_ATTRIBUTE tp[] = { { CKA_LABEL, "ed-oid", 6 }, ATTR(CKA_CLASS, c_pub) };
		CK_ULONG got = 0, gotp = 0;

		f->C_FindObjectsInit(s, t, 2);
		f->C_FindObjects(s, &h, 1, &got);
		f->C_FindObjectsFinal(s);
		f->C_FindObjectsInit(s, tp, 2);
		f->C_FindObjects(s, &h2, 1, &gotp);
		f->C_FindObjectsFinal(s);
		ok(got == 1 && gotp == 1, "the pair is found again by its label");
		n = got ? api_get_attr(f, s, h2, CKA_EC_POINT, buf, sizeof buf) : 0;
		ok(n == 34 && memcmp(buf + 2, key, 32) == 0, "... with the same CKA_EC_POINT");
		ok(api_get_ulong(f, s, h, CKA_KEY_TYPE) == CKK_EC_EDWARDS &&
		   api_get_bool(f, s, h, CKA_LOCAL) == 1,
		   "... the private key CKK_EC_EDWARDS, local");
		sl = sizeof sig;
		is_rv(sign(s, h, msg, 50, sig, &sl), CKR_OK, "... it signs");
		ok(openssl_verify(key, msg, 50, sig) == 1, "... and openssl verifies");
	}
	f->C_CloseSession(s);
	is_rv(f->C_Finalize(NULL), CKR_OK, "C_Finalize");
	(void)no;
	{
		char cmd[128];

		snprintf(cmd, sizeof cmd, "rm -rf %s", W);
		if (system(cmd) != 0)
			diag("could not remove %s", W);
	}
	return done_testing();
}
