/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t5203 — CKA_ALWAYS_AUTHENTICATE end to end on a virtual Rutoken ECP.
 *
 * PKCS #11 3.2, 4.9 (private key objects) and C_Login: a key with CKA_ALWAYS_AUTHENTICATE
 * wants C_Login(CKU_CONTEXT_SPECIFIC) after each C_SignInit / C_DecryptInit; without it the
 * call using the key returns CKR_USER_NOT_LOGGED_IN (and, being an error, ends the
 * operation); a wrong PIN is CKR_PIN_INCORRECT, costs a try, and leaves the operation as if
 * no C_Login had been made; C_Login(CKU_CONTEXT_SPECIFIC) with no such operation is
 * CKR_OPERATION_NOT_INITIALIZED.
 *
 * The key is generated through C_GenerateKeyPair and stored with PKCS#15 userConsent 1
 * (as OpenSC does): it keeps the attribute over C_Finalize / C_Initialize, the context
 * login sends a VERIFY right before the key's SELECT, MSE and PSO, pkcs11-tool signs with
 * it (doing the context login itself) and OpenSC's own module reads it as "always
 * authenticate"; a key OpenSC's pkcs15-init generates with --user-consent 1 reads true here.
 */
#include "api/api.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>

static const CK_BBOOL yes = CK_TRUE;
static CK_FUNCTION_LIST_PTR f;
static const char msg[] = "t5203: a PIN for each signature";

#define OPENSC_MODULE "/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so"

static CK_RV gen_rsa(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE *pub, CK_OBJECT_HANDLE *priv)
{
	CK_MECHANISM m = { CKM_RSA_PKCS_KEY_PAIR_GEN, NULL, 0 };
	CK_ULONG bits = 2048;
	static const uint8_t e[] = { 1, 0, 1 };
	CK_ATTRIBUTE pt[] = {
		{ CKA_TOKEN, (void *)&yes, 1 }, { CKA_VERIFY, (void *)&yes, 1 },
		{ CKA_ID, "\x53", 1 }, { CKA_MODULUS_BITS, &bits, sizeof bits },
		{ CKA_PUBLIC_EXPONENT, (void *)e, sizeof e }, { CKA_LABEL, "always", 6 },
	};
	CK_ATTRIBUTE st[] = {
		{ CKA_TOKEN, (void *)&yes, 1 }, { CKA_PRIVATE, (void *)&yes, 1 },
		{ CKA_SIGN, (void *)&yes, 1 }, { CKA_DECRYPT, (void *)&yes, 1 },
		{ CKA_ID, "\x53", 1 }, { CKA_LABEL, "always", 6 },
		{ CKA_ALWAYS_AUTHENTICATE, (void *)&yes, 1 },
	};

	return f->C_GenerateKeyPair(s, &m, pt, 6, st, 7, pub, priv);
}

static CK_OBJECT_HANDLE find_key(CK_SESSION_HANDLE s, CK_OBJECT_CLASS cls)
{
	CK_ATTRIBUTE q[] = { { CKA_CLASS, &cls, sizeof cls }, { CKA_ID, "\x53", 1 } };
	CK_OBJECT_HANDLE h[2] = { CK_INVALID_HANDLE, CK_INVALID_HANDLE };
	CK_ULONG n = 0;

	if (f->C_FindObjectsInit(s, q, 2) != CKR_OK)
		return CK_INVALID_HANDLE;
	f->C_FindObjects(s, h, 2, &n);
	f->C_FindObjectsFinal(s);
	return n == 1 ? h[0] : CK_INVALID_HANDLE;
}

static int always_auth(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE h)
{
	CK_BBOOL v = 0xAA;
	CK_ATTRIBUTE a = { CKA_ALWAYS_AUTHENTICATE, &v, sizeof v };

	if (f->C_GetAttributeValue(s, h, &a, 1) != CKR_OK || a.ulValueLen != 1)
		return -1;
	return v == CK_TRUE;
}

static int verifies(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE pub, const CK_BYTE *sig,
		    CK_ULONG len)
{
	CK_MECHANISM m = { CKM_SHA256_RSA_PKCS, NULL, 0 };

	return f->C_VerifyInit(s, &m, pub) == CKR_OK &&
	       f->C_Verify(s, (CK_BYTE_PTR)msg, sizeof msg - 1, (CK_BYTE_PTR)sig, len) == CKR_OK;
}

static CK_FLAGS token_flags(CK_SLOT_ID slot)
{
	CK_TOKEN_INFO ti;

	return f->C_GetTokenInfo(slot, &ti) == CKR_OK ? ti.flags : 0;
}

static int sh(const char *cmd)
{
	return api_run("/bin/sh", "-c", cmd, (char *)NULL);
}

/* The public key as a PEM file, from the module's attributes (for openssl dgst -verify). */
static int write_pub_pem(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE pub, const char *path)
{
	CK_BYTE n[512], e[8];
	CK_ATTRIBUTE a[] = { { CKA_MODULUS, n, sizeof n }, { CKA_PUBLIC_EXPONENT, e, sizeof e } };
	OSSL_PARAM_BLD *b = NULL;
	OSSL_PARAM *p = NULL;
	EVP_PKEY_CTX *c = NULL;
	EVP_PKEY *k = NULL;
	BIGNUM *bn = NULL, *be = NULL;
	FILE *out = NULL;
	int rc = -1;

	if (f->C_GetAttributeValue(s, pub, a, 2) != CKR_OK)
		goto out;
	bn = BN_bin2bn(n, (int)a[0].ulValueLen, NULL);
	be = BN_bin2bn(e, (int)a[1].ulValueLen, NULL);
	b = OSSL_PARAM_BLD_new();
	if (bn == NULL || be == NULL || b == NULL ||
	    !OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_N, bn) ||
	    !OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_E, be))
		goto out;
	p = OSSL_PARAM_BLD_to_param(b);
	c = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	if (p == NULL || c == NULL || EVP_PKEY_fromdata_init(c) <= 0 ||
	    EVP_PKEY_fromdata(c, &k, EVP_PKEY_PUBLIC_KEY, p) <= 0)
		goto out;
	out = fopen(path, "w");
	if (out != NULL && PEM_write_PUBKEY(out, k))
		rc = 0;
out:
	if (out != NULL)
		fclose(out);
	EVP_PKEY_free(k);
	EVP_PKEY_CTX_free(c);
	OSSL_PARAM_free(p);
	OSSL_PARAM_BLD_free(b);
	BN_free(bn);
	BN_free(be);
	return rc;
}

int main(int argc, char **argv)
{
	CK_MECHANISM m = { CKM_SHA256_RSA_PKCS, NULL, 0 };
	CK_SLOT_ID slot = 0;
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE pub, priv;
	CK_BYTE sig[512], sig2[512];
	CK_ULONG len, len2;
	unsigned ins[32];
	char list[160], cmd[1024], modbuf[4096], dir[] = "/tmp/t5203-XXXXXX";
	long before, n, i, vi;
	const char *mod;

	(void)argc;
	api_rig_timeout(argv, 1, 240);
	f = api_module();
	unsetenv("SCRIPTOKI_EXCLUSIVE");
	if (mkdtemp(dir) == NULL) {
		printf("Bail out! mkdtemp: %s\n", strerror(errno));
		return 255;
	}

	is_rv(f->C_Initialize(NULL), CKR_OK, "C_Initialize");
	is_rv(api_slot_of(f, 0, &slot), CKR_OK, "the token's slot");
	is_rv(api_prepare_token(f, slot, "t5203"), CKR_OK, "a PKCS#15 token with PINs");
	is_rv(f->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s), CKR_OK,
	      "C_OpenSession");
	is_rv(f->C_Login(s, CKU_USER, API_PIN(API_USER_PIN)), CKR_OK, "C_Login");
	is_rv(gen_rsa(s, &pub, &priv), CKR_OK,
	      "an RSA-2048 pair with CKA_ALWAYS_AUTHENTICATE true on the token");
	is_ulong(always_auth(s, priv), 1, "the new private key says CKA_ALWAYS_AUTHENTICATE true");
	{
		/* PKCS #11 4.9: only a private key (CKA_PRIVATE true) may ask for it */
		CK_MECHANISM g = { CKM_RSA_PKCS_KEY_PAIR_GEN, NULL, 0 };
		CK_ULONG bits = 1024;
		static const CK_BBOOL no = CK_FALSE;
		CK_OBJECT_HANDLE a, b;
		CK_ATTRIBUTE pt[] = { { CKA_TOKEN, (void *)&yes, 1 },
				      { CKA_MODULUS_BITS, &bits, sizeof bits } };
		CK_ATTRIBUTE st[] = { { CKA_TOKEN, (void *)&yes, 1 }, { CKA_PRIVATE, (void *)&no, 1 },
				      { CKA_ALWAYS_AUTHENTICATE, (void *)&yes, 1 } };

		before = api_apdus(0);
		is_rv(f->C_GenerateKeyPair(s, &g, pt, 2, st, 3, &a, &b), CKR_TEMPLATE_INCONSISTENT,
		      "CKA_ALWAYS_AUTHENTICATE with CKA_PRIVATE false is refused");
		n = api_ins_since(0, before, ins, 32);
		for (i = 0, vi = 0; i < n && i < 32; i++)
			vi |= ins[i] == 0x46 || ins[i] == 0xE0;
		ok(vi == 0, "... before anything is created on the card");
	}

	/* the attribute is stored on the card, not only in the cache */
	is_rv(f->C_Finalize(NULL), CKR_OK, "C_Finalize");
	is_rv(f->C_Initialize(NULL), CKR_OK, "C_Initialize again");
	is_rv(f->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s), CKR_OK,
	      "C_OpenSession");
	is_rv(f->C_Login(s, CKU_USER, API_PIN(API_USER_PIN)), CKR_OK, "C_Login");
	priv = find_key(s, CKO_PRIVATE_KEY);
	pub = find_key(s, CKO_PUBLIC_KEY);
	ok(priv != CK_INVALID_HANDLE && pub != CK_INVALID_HANDLE, "the pair is found again");
	is_ulong(always_auth(s, priv), 1, "... and its CKA_ALWAYS_AUTHENTICATE reads back true");

	/* no context login: refused, and the operation is over */
	is_rv(f->C_Login(s, CKU_CONTEXT_SPECIFIC, API_PIN(API_USER_PIN)),
	      CKR_OPERATION_NOT_INITIALIZED, "C_Login(CONTEXT_SPECIFIC) with no operation");
	is_rv(f->C_SignInit(s, &m, priv), CKR_OK, "C_SignInit");
	len = 0;
	is_rv(f->C_Sign(s, (CK_BYTE_PTR)msg, sizeof msg - 1, NULL, &len), CKR_OK,
	      "a size query needs no context login");
	ok(len == 256, "... 256 bytes (%lu)", (unsigned long)len);
	before = api_apdus(0);
	len = sizeof sig;
	is_rv(f->C_Sign(s, (CK_BYTE_PTR)msg, sizeof msg - 1, sig, &len), CKR_USER_NOT_LOGGED_IN,
	      "C_Sign without C_Login(CONTEXT_SPECIFIC) is CKR_USER_NOT_LOGGED_IN");
	is_ulong(api_apdus(0) - before, 0, "... and sends no APDU");
	is_rv(f->C_Sign(s, (CK_BYTE_PTR)msg, sizeof msg - 1, sig, &len),
	      CKR_OPERATION_NOT_INITIALIZED, "... and ends the operation");

	/* with it */
	is_rv(f->C_SignInit(s, &m, priv), CKR_OK, "C_SignInit");
	before = api_apdus(0);
	is_rv(f->C_Login(s, CKU_CONTEXT_SPECIFIC, API_PIN(API_USER_PIN)), CKR_OK,
	      "C_Login(CONTEXT_SPECIFIC) with the user PIN");
	len = sizeof sig;
	is_rv(f->C_Sign(s, (CK_BYTE_PTR)msg, sizeof msg - 1, sig, &len), CKR_OK, "C_Sign");
	ok(verifies(s, pub, sig, len), "the signature verifies");
	n = api_ins_since(0, before, ins, 32);
	list[0] = '\0';
	for (i = 0; i < n && i < 32; i++)
		snprintf(list + strlen(list), sizeof list - strlen(list), " %02X", ins[i]);
	/* the last VERIFY, then only the key's SELECT and MSE SET before the PSO */
	vi = -1;
	for (i = 0; i < n && i < 32; i++)
		if (ins[i] == 0x20)
			vi = i;
	ok(vi >= 0, "the context login sent a VERIFY (INS%s)", list);
	{
		long k = vi + 1;

		while (k < n && k < 32 && (ins[k] == 0xA4 || ins[k] == 0x22))
			k++;
		ok(vi >= 0 && k < n && k < 32 && ins[k] == 0x2A,
		   "... right before the signature's SELECT, MSE and PSO (INS%s)", list);
	}

	/* a second signature needs a second context login */
	is_rv(f->C_SignInit(s, &m, priv), CKR_OK, "C_SignInit for a second signature");
	len2 = sizeof sig2;
	is_rv(f->C_Sign(s, (CK_BYTE_PTR)msg, sizeof msg - 1, sig2, &len2), CKR_USER_NOT_LOGGED_IN,
	      "... without a new context login it is refused");
	is_rv(f->C_SignInit(s, &m, priv), CKR_OK, "C_SignInit");
	is_rv(f->C_Login(s, CKU_CONTEXT_SPECIFIC, API_PIN(API_USER_PIN)), CKR_OK,
	      "C_Login(CONTEXT_SPECIFIC)");
	len2 = sizeof sig2;
	is_rv(f->C_Sign(s, (CK_BYTE_PTR)msg, sizeof msg - 1, sig2, &len2), CKR_OK,
	      "the second C_Sign");
	ok(verifies(s, pub, sig2, len2), "... verifies");

	/* multi-part: the login counts for C_SignFinal */
	is_rv(f->C_SignInit(s, &m, priv), CKR_OK, "C_SignInit (multi-part)");
	is_rv(f->C_SignUpdate(s, (CK_BYTE_PTR)msg, 10), CKR_OK, "C_SignUpdate");
	is_rv(f->C_Login(s, CKU_CONTEXT_SPECIFIC, API_PIN(API_USER_PIN)), CKR_OK,
	      "C_Login(CONTEXT_SPECIFIC) between the parts");
	is_rv(f->C_SignUpdate(s, (CK_BYTE_PTR)msg + 10, sizeof msg - 11), CKR_OK, "C_SignUpdate");
	len = sizeof sig;
	is_rv(f->C_SignFinal(s, sig, &len), CKR_OK, "C_SignFinal");
	ok(verifies(s, pub, sig, len), "... verifies");
	is_rv(f->C_SignInit(s, &m, priv), CKR_OK, "C_SignInit (multi-part, no login)");
	is_rv(f->C_SignUpdate(s, (CK_BYTE_PTR)msg, sizeof msg - 1), CKR_OK, "C_SignUpdate");
	len = sizeof sig;
	is_rv(f->C_SignFinal(s, sig, &len), CKR_USER_NOT_LOGGED_IN,
	      "C_SignFinal without the context login is refused");

	/* a wrong context PIN */
	ok(!(token_flags(slot) & CKF_USER_PIN_COUNT_LOW), "no CKF_USER_PIN_COUNT_LOW yet");
	is_rv(f->C_SignInit(s, &m, priv), CKR_OK, "C_SignInit");
	is_rv(f->C_Login(s, CKU_CONTEXT_SPECIFIC, API_PIN("00000000")), CKR_PIN_INCORRECT,
	      "a wrong context PIN is CKR_PIN_INCORRECT");
	ok(token_flags(slot) & CKF_USER_PIN_COUNT_LOW, "... and costs a try (CKF_USER_PIN_COUNT_LOW)");
	len = sizeof sig;
	is_rv(f->C_Sign(s, (CK_BYTE_PTR)msg, sizeof msg - 1, sig, &len), CKR_USER_NOT_LOGGED_IN,
	      "... the operation goes on as without a login: C_Sign is refused");
	is_rv(f->C_SignInit(s, &m, priv), CKR_OK, "C_SignInit");
	is_rv(f->C_Login(s, CKU_CONTEXT_SPECIFIC, API_PIN(API_USER_PIN)), CKR_OK,
	      "a good PIN first");
	is_rv(f->C_Login(s, CKU_CONTEXT_SPECIFIC, API_PIN("00000000")), CKR_PIN_INCORRECT,
	      "then a wrong one");
	len = sizeof sig;
	is_rv(f->C_Sign(s, (CK_BYTE_PTR)msg, sizeof msg - 1, sig, &len), CKR_USER_NOT_LOGGED_IN,
	      "... the wrong one undoes the good one");
	is_rv(f->C_SignInit(s, &m, priv), CKR_OK, "C_SignInit");
	is_rv(f->C_Login(s, CKU_CONTEXT_SPECIFIC, API_PIN(API_USER_PIN)), CKR_OK,
	      "the right context PIN");
	ok(!(token_flags(slot) & CKF_USER_PIN_COUNT_LOW), "... restores the counter");
	len = sizeof sig;
	is_rv(f->C_Sign(s, (CK_BYTE_PTR)msg, sizeof msg - 1, sig, &len), CKR_OK, "C_Sign");
	ok(verifies(s, pub, sig, len), "... verifies");

	/* decryption asks for it too */
	{
		CK_MECHANISM em = { CKM_RSA_PKCS, NULL, 0 };
		CK_BYTE ct[256], pt[256];
		CK_ULONG cl = sizeof ct, pl = sizeof pt;

		is_rv(f->C_EncryptInit(s, &em, pub), CKR_OK, "C_EncryptInit with the public key");
		is_rv(f->C_Encrypt(s, (CK_BYTE_PTR)msg, sizeof msg - 1, ct, &cl), CKR_OK,
		      "C_Encrypt");
		is_rv(f->C_DecryptInit(s, &em, priv), CKR_OK, "C_DecryptInit");
		is_rv(f->C_Decrypt(s, ct, cl, pt, &pl), CKR_USER_NOT_LOGGED_IN,
		      "C_Decrypt without the context login is refused");
		is_rv(f->C_DecryptInit(s, &em, priv), CKR_OK, "C_DecryptInit");
		is_rv(f->C_Login(s, CKU_CONTEXT_SPECIFIC, API_PIN(API_USER_PIN)), CKR_OK,
		      "C_Login(CONTEXT_SPECIFIC)");
		pl = sizeof pt;
		is_rv(f->C_Decrypt(s, ct, cl, pt, &pl), CKR_OK, "C_Decrypt");
		ok(pl == sizeof msg - 1 && memcmp(pt, msg, pl) == 0, "... gives the message back");
	}
	is_rv(f->C_Login(s, CKU_CONTEXT_SPECIFIC, API_PIN(API_USER_PIN)),
	      CKR_OPERATION_NOT_INITIALIZED, "C_Login(CONTEXT_SPECIFIC) after the operation ended");

	/* the public key for openssl, then the module is closed for the tools */
	snprintf(cmd, sizeof cmd, "%s/pub.pem", dir);
	is_ulong(write_pub_pem(s, pub, cmd), 0, "the public key as PEM");
	is_rv(f->C_Finalize(NULL), CKR_OK, "C_Finalize");

	/* pkcs11-tool does the context login itself when the key says so */
	mod = module_path(modbuf, sizeof modbuf);
	if (access("/usr/bin/pkcs11-tool", X_OK) != 0) {
		ok(0, "pkcs11-tool is there (Debian package opensc, tools/ensure-deps test)");
	} else {
		snprintf(cmd, sizeof cmd, "printf '%%s' '%s' >%s/msg", msg, dir);
		sh(cmd);
		snprintf(cmd, sizeof cmd,
			 "timeout 60 pkcs11-tool --module '%s' --slot-index 0 --login --pin %s "
			 "--sign --mechanism SHA256-RSA-PKCS --id 53 --input-file %s/msg "
			 "--output-file %s/sig >%s/out 2>&1",
			 mod, API_USER_PIN, dir, dir, dir);
		is_ulong(sh(cmd), 0, "pkcs11-tool --sign with the key");
		snprintf(cmd, sizeof cmd,
			 "timeout 60 pkcs11-tool --module '%s' --slot-index 0 --login --pin %s "
			 "--list-objects --type privkey 2>/dev/null | grep -A8 'label: *always' "
			 "| grep -q 'Access:.*always authenticate'", mod, API_USER_PIN);
		is_ulong(sh(cmd), 0, "pkcs11-tool lists it as always authenticate");
		snprintf(cmd, sizeof cmd, "openssl dgst -sha256 -verify %s/pub.pem -signature %s/sig "
			 "%s/msg >/dev/null 2>&1", dir, dir, dir);
		is_ulong(sh(cmd), 0, "its signature verifies with OpenSSL");
	}

	/* OpenSC reads the PKCS#15 userConsent the same way */
	if (access("/usr/bin/pkcs15-tool", X_OK) != 0 || access(OPENSC_MODULE, R_OK) != 0) {
		ok(0, "pkcs15-tool and OpenSC's module are there (Debian packages opensc, "
		      "opensc-pkcs11)");
	} else {
		snprintf(cmd, sizeof cmd,
			 "timeout 60 pkcs15-tool --reader '%s' -D 2>&1 | grep -A12 '^Private RSA Key' "
			 "| grep -q 'ID *: 53'", api_env(0, "READER"));
		is_ulong(sh(cmd), 0, "pkcs15-tool -D lists the private key (ID 53)");
		snprintf(cmd, sizeof cmd,
			 "timeout 60 pkcs11-tool --module %s --slot-index 0 --login --pin %s "
			 "--list-objects --type privkey 2>/dev/null | grep -A8 'label: *always' "
			 "| grep -q 'Access:.*always authenticate'", OPENSC_MODULE, API_USER_PIN);
		is_ulong(sh(cmd), 0, "OpenSC's module reads it as always authenticate "
				     "(userConsent)");
	}
	/* ... and a key OpenSC makes with CKA_ALWAYS_AUTHENTICATE reads true here */
	if (access("/usr/bin/pkcs15-init", X_OK) != 0) {
		ok(0, "pkcs15-init is there (Debian package opensc)");
	} else {
		CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
		CK_ATTRIBUTE q[] = { { CKA_CLASS, &cls, sizeof cls }, { CKA_ID, "\x54", 1 } };
		CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
		CK_ULONG cnt = 0;

		snprintf(cmd, sizeof cmd,
			 "timeout 120 pkcs15-init --reader '%s' -G rsa/1024 --auth-id 02 --id 54 "
			 "--pin %s --label opensc-always --user-consent 1 >%s/out 2>&1",
			 api_env(0, "READER"), API_USER_PIN, dir);
		if (!is_ulong(sh(cmd), 0, "OpenSC's pkcs15-init generates an RSA key with "
				     "--user-consent 1 (ID 54)")) {
			snprintf(cmd, sizeof cmd, "sed 's/^/#   /' %s/out >&2", dir);
			sh(cmd);
		}
		is_rv(f->C_Initialize(NULL), CKR_OK, "C_Initialize");
		is_rv(f->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &s), CKR_OK,
		      "C_OpenSession");
		is_rv(f->C_Login(s, CKU_USER, API_PIN(API_USER_PIN)), CKR_OK, "C_Login");
		if (f->C_FindObjectsInit(s, q, 2) == CKR_OK) {
			f->C_FindObjects(s, &h, 1, &cnt);
			f->C_FindObjectsFinal(s);
		}
		ok(cnt == 1 && always_auth(s, h) == 1,
		   "Scriptoki reads OpenSC's key as CKA_ALWAYS_AUTHENTICATE true");
		is_rv(f->C_SignInit(s, &m, h), CKR_OK, "C_SignInit with it");
		len = sizeof sig;
		is_rv(f->C_Sign(s, (CK_BYTE_PTR)msg, sizeof msg - 1, sig, &len),
		      CKR_USER_NOT_LOGGED_IN, "... wants the context login");
		is_rv(f->C_SignInit(s, &m, h), CKR_OK, "C_SignInit");
		is_rv(f->C_Login(s, CKU_CONTEXT_SPECIFIC, API_PIN(API_USER_PIN)), CKR_OK,
		      "C_Login(CONTEXT_SPECIFIC)");
		len = sizeof sig;
		is_rv(f->C_Sign(s, (CK_BYTE_PTR)msg, sizeof msg - 1, sig, &len), CKR_OK,
		      "... and signs with it");
		is_rv(f->C_Finalize(NULL), CKR_OK, "C_Finalize");
	}
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	sh(cmd);
	return done_testing();
}
