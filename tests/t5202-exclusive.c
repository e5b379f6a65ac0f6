/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t5202 — the APDU count of a warm RSA-2048 signature, shared and exclusive.
 *
 * Shared (the default): another application may use the card between two of our calls,
 * so every signature selects the key and sets the security environment again: SELECT, MSE
 * SET, and the two chained PSO parts of a 256-byte input — 4 APDUs.
 * Exclusive (SCRIPTOKI_EXCLUSIVE=1): the module connects with SCARD_SHARE_EXCLUSIVE, so no
 * other application can touch the card and the script keeps the environment it set: a
 * warm signature is its PSO only, 2 APDUs. Another application's connection is refused
 * meanwhile; any other call to the token (here C_GenerateRandom) makes the next signature
 * set the environment again; every signature verifies.
 */
#include "api/api.h"

static const CK_BBOOL yes = CK_TRUE;

/* Another PC/SC application asks the card for its serial; its exit status. */
static int other_app(void)
{
	char cmd[256];

	snprintf(cmd, sizeof cmd, "'%s/rig-apdu' '%s' '00 CA 01 81 00' >/dev/null 2>&1",
		 build_dir(), api_env(0, "READER"));
	return api_run("/bin/sh", "-c", cmd, (char *)NULL);
}

static CK_RV gen_rsa(CK_FUNCTION_LIST_PTR f, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE *pub,
		     CK_OBJECT_HANDLE *priv)
{
	CK_MECHANISM m = { CKM_RSA_PKCS_KEY_PAIR_GEN, NULL, 0 };
	CK_ULONG bits = 2048;
	static const uint8_t e[] = { 1, 0, 1 };
	CK_ATTRIBUTE pt[] = {
		{ CKA_TOKEN, (void *)&yes, 1 }, { CKA_VERIFY, (void *)&yes, 1 },
		{ CKA_ID, "\x52", 1 }, { CKA_MODULUS_BITS, &bits, sizeof bits },
		{ CKA_PUBLIC_EXPONENT, (void *)e, sizeof e },
	};
	CK_ATTRIBUTE st[] = {
		{ CKA_TOKEN, (void *)&yes, 1 }, { CKA_PRIVATE, (void *)&yes, 1 },
		{ CKA_SIGN, (void *)&yes, 1 }, { CKA_ID, "\x52", 1 },
	};

	return f->C_GenerateKeyPair(s, &m, pt, 5, st, 4, pub, priv);
}

/* Sign and verify once; the APDUs of the C_Sign (INS list into ins). */
static long sign_once(CK_FUNCTION_LIST_PTR f, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE pub,
		      CK_OBJECT_HANDLE priv, const char *what, char *list, size_t cap)
{
	CK_MECHANISM m = { CKM_SHA256_RSA_PKCS, NULL, 0 };
	static const char msg[] = "t5202 warm signature";
	CK_BYTE sig[512];
	CK_ULONG len = sizeof sig;
	unsigned ins[16];
	long before, n, i;

	f->C_SignInit(s, &m, priv);
	before = api_apdus(0);
	is_rv(f->C_Sign(s, (CK_BYTE_PTR)msg, sizeof msg - 1, sig, &len), CKR_OK, "%s: C_Sign", what);
	n = api_ins_since(0, before, ins, 16);
	list[0] = '\0';
	for (i = 0; i < n && i < 16; i++)
		snprintf(list + strlen(list), cap - strlen(list), " %02X", ins[i]);
	is_rv(f->C_VerifyInit(s, &m, pub), CKR_OK, "%s: C_VerifyInit", what);
	is_rv(f->C_Verify(s, (CK_BYTE_PTR)msg, sizeof msg - 1, sig, len), CKR_OK,
	      "%s: the signature verifies", what);
	return n;
}

int main(int argc, char **argv)
{
	CK_FUNCTION_LIST_PTR f;
	CK_SLOT_ID slot = 0;
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE pub, priv;
	CK_BYTE rnd[16];
	char list[64];
	long n;
	int st;

	(void)argc;
	api_rig_timeout(argv, 1, 200);
	f = api_module();
	unsetenv("SCRIPTOKI_EXCLUSIVE");

	/* shared */
	is_rv(f->C_Initialize(NULL), CKR_OK, "C_Initialize (shared)");
	is_rv(api_slot_of(f, 0, &slot), CKR_OK, "the token's slot");
	is_rv(api_prepare_token(f, slot, "t5202"), CKR_OK, "a PKCS#15 token with PINs");
	is_rv(f->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s), CKR_OK,
	      "C_OpenSession");
	is_rv(f->C_Login(s, CKU_USER, API_PIN(API_USER_PIN)), CKR_OK, "C_Login");
	is_rv(gen_rsa(f, s, &pub, &priv), CKR_OK, "an RSA-2048 key pair on the token");
	sign_once(f, s, pub, priv, "shared, cold", list, sizeof list);
	n = sign_once(f, s, pub, priv, "shared, warm", list, sizeof list);
	is_str(list, " A4 22 2A 2A", "shared: a warm signature selects, sets the environment, "
				     "and sends the chained PSO (INS%s)", list);
	is_ulong(n, 4, "shared: 4 APDUs");
	st = other_app();
	is_ulong(st, 0, "shared: another application may use the card meanwhile");
	is_rv(f->C_Finalize(NULL), CKR_OK, "C_Finalize");

	/* exclusive */
	setenv("SCRIPTOKI_EXCLUSIVE", "1", 1);
	is_rv(f->C_Initialize(NULL), CKR_OK, "C_Initialize (SCRIPTOKI_EXCLUSIVE=1)");
	is_rv(f->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s), CKR_OK,
	      "C_OpenSession");
	is_rv(f->C_Login(s, CKU_USER, API_PIN(API_USER_PIN)), CKR_OK, "C_Login");
	{
		CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY, pcls = CKO_PUBLIC_KEY;
		CK_ATTRIBUTE q[] = { { CKA_CLASS, &cls, sizeof cls }, { CKA_ID, "\x52", 1 } };
		CK_ATTRIBUTE pq[] = { { CKA_CLASS, &pcls, sizeof pcls }, { CKA_ID, "\x52", 1 } };
		CK_ATTRIBUTE mod = { CKA_MODULUS, NULL, 0 };
		CK_ULONG cnt = 0;

		f->C_FindObjectsInit(s, q, 2);
		f->C_FindObjects(s, &priv, 1, &cnt);
		f->C_FindObjectsFinal(s);
		ok(cnt == 1, "the private key is found again");
		cnt = 0;
		f->C_FindObjectsInit(s, pq, 2);
		f->C_FindObjects(s, &pub, 1, &cnt);
		f->C_FindObjectsFinal(s);
		ok(cnt == 1, "and its public key");
		/* the public key's value is read from the card when first needed (a lazy
		 * object): by the first C_VerifyInit below, whose SELECT would make the warm
		 * signature after it select the key again. Read it now. */
		is_rv(f->C_GetAttributeValue(s, pub, &mod, 1), CKR_OK,
		      "the public key's modulus (read from the card once)");
	}
	sign_once(f, s, pub, priv, "exclusive, cold", list, sizeof list);
	n = sign_once(f, s, pub, priv, "exclusive, warm", list, sizeof list);
	is_str(list, " 2A 2A", "exclusive: a warm signature is its PSO only (INS%s)", list);
	ok(n <= 2, "exclusive: at most 2 APDUs (%ld)", n);
	st = other_app();
	ok(st != 0, "exclusive: another application cannot connect meanwhile (exit %d)", st);
	is_rv(f->C_GenerateRandom(s, rnd, sizeof rnd), CKR_OK, "another call to the token");
	n = sign_once(f, s, pub, priv, "exclusive, after it", list, sizeof list);
	is_str(list, " A4 22 2A 2A", "... makes the next signature set the environment again (INS%s)",
	       list);
	n = sign_once(f, s, pub, priv, "exclusive, warm again", list, sizeof list);
	is_ulong(n, 2, "... and the one after is warm again");
	is_rv(f->C_Finalize(NULL), CKR_OK, "C_Finalize");
	st = other_app();
	is_ulong(st, 0, "after C_Finalize the card is free for others again");
	return done_testing();
}
