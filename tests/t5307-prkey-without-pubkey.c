/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t5307 — a private key whose token has no public-key object for it still has its public
 * attributes (PKCS #11 3.2 6.1.3, 6.3.4, 6.55.3), taken from the certificate with its
 * CKA_ID as OpenSC's module takes them:
 * - an RSA key and its certificate stored by OpenSC's pkcs15-init, the public key it
 *   stores with them deleted by pkcs15-init: CKA_MODULUS and CKA_PUBLIC_EXPONENT of the
 *   private key are the certificate's, as `openssl x509` prints them in another process;
 *   still after C_SetAttributeValue of its label, and after C_Finalize / C_Initialize;
 * - a P-256 key imported through C_CreateObject (which stores no public-key object) and
 *   its certificate stored by pkcs15-init: CKA_EC_PARAMS is the certificate's curve, as
 *   `openssl pkey` writes its SubjectPublicKeyInfo;
 * - a GOST R 34.10-2001 pair generated on the token whose public key is destroyed: the
 *   private key keeps CKA_GOSTR3410_PARAMS and CKA_GOSTR3411_PARAMS (they are in its
 *   PKCS#15 entry).
 * A public key listed for none of them shows the token holds only the private halves.
 */
#include "api/token.h"

static CK_FUNCTION_LIST_PTR f;
static CK_SLOT_ID slot;
static char dir[] = "/tmp/t5307-XXXXXX";
static CK_BBOOL yes = CK_TRUE;
static CK_OBJECT_CLASS c_priv = CKO_PRIVATE_KEY, c_pub = CKO_PUBLIC_KEY;

#define ATTR(t, v) { (t), &(v), sizeof(v) }

static const CK_BYTE p256[] = { 0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07 };
/* id-GostR3410-2001-CryptoPro-A-ParamSet, id-GostR3411-94-CryptoProParamSet (RFC 4357) */
static const CK_BYTE gost_a[] = { 0x06, 0x07, 0x2A, 0x85, 0x03, 0x02, 0x02, 0x23, 0x01 };
static const CK_BYTE gost_h94[] = { 0x06, 0x07, 0x2A, 0x85, 0x03, 0x02, 0x02, 0x1E, 0x01 };

/* How many objects of class cls with CKA_ID id the session sees; the first in *h. */
static CK_ULONG count(CK_SESSION_HANDLE s, CK_OBJECT_CLASS *cls, const char *id,
		      CK_OBJECT_HANDLE *h)
{
	CK_ATTRIBUTE q[] = { { CKA_CLASS, cls, sizeof *cls }, { CKA_ID, (void *)id, 1 } };
	CK_OBJECT_HANDLE hs[4];
	CK_ULONG n = 0;

	if (f->C_FindObjectsInit(s, q, 2) != CKR_OK)
		return 99;
	if (f->C_FindObjects(s, hs, 4, &n) != CKR_OK)
		n = 99;
	f->C_FindObjectsFinal(s);
	if (n > 0 && h != NULL)
		*h = hs[0];
	return n;
}

static CK_RV get(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE h, CK_ATTRIBUTE_TYPE t,
		 CK_BYTE *out, CK_ULONG *len)
{
	CK_ATTRIBUTE a = { t, out, *len };
	CK_RV rv = f->C_GetAttributeValue(s, h, &a, 1);

	*len = a.ulValueLen;
	return rv;
}

static void hex(char *out, const CK_BYTE *p, CK_ULONG n)
{
	CK_ULONG i;

	for (i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02X", p[i]);
	out[2 * n] = '\0';
}

/* The RSA private key with ID 57: its modulus and exponent are the certificate's. */
static void check_rsa(CK_SESSION_HANDLE s, const char *when)
{
	CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
	CK_BYTE n[600], e[16];
	CK_ULONG nlen = sizeof n, elen = sizeof e;
	char want[1300] = "", got[1300], line[1400];
	unsigned long ewant = 0, egot = 0;
	long k;
	FILE *fp;

	is_ulong(count(s, &c_priv, "\x57", &h), 1, "%s: the RSA private key (ID 57) is listed",
		 when);
	is_rv(get(s, h, CKA_MODULUS, n, &nlen), CKR_OK, "%s: its CKA_MODULUS", when);
	is_rv(get(s, h, CKA_PUBLIC_EXPONENT, e, &elen), CKR_OK, "%s: its CKA_PUBLIC_EXPONENT",
	      when);
	if (nlen > sizeof n)
		nlen = 0;
	hex(got, n, nlen);
	snprintf(line, sizeof line, "openssl x509 -in %s/rsa.crt -noout -modulus", dir);
	fp = popen(line, "r");
	if (fp != NULL && fgets(line, sizeof line, fp) != NULL &&
	    strncmp(line, "Modulus=", 8) == 0)
		sscanf(line + 8, "%1299[0-9A-F]", want);
	if (fp != NULL)
		pclose(fp);
	ok(want[0] != '\0' && strcmp(got, want) == 0,
	   "%s: the modulus is the certificate's (openssl x509 -modulus)", when);
	for (k = 0; elen <= sizeof e && k < (long)elen; k++)
		egot = egot << 8 | e[k];
	snprintf(line, sizeof line,
		 "openssl x509 -in %s/rsa.crt -noout -text | sed -n 's/.*Exponent: "
		 "\\([0-9]*\\).*/\\1/p'",
		 dir);
	fp = popen(line, "r");
	if (fp != NULL && fgets(line, sizeof line, fp) != NULL)
		ewant = strtoul(line, NULL, 10);
	if (fp != NULL)
		pclose(fp);
	ok(ewant != 0 && egot == ewant, "%s: the exponent is the certificate's (%lu)", when,
	   ewant);
}

static void check_ec_gost(CK_SESSION_HANDLE s, const char *when)
{
	CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
	CK_BYTE v[128], spki[256];
	CK_ULONG len = sizeof v;
	long n;

	is_ulong(count(s, &c_priv, "\x58", &h), 1, "%s: the EC private key (ID 58) is listed",
		 when);
	is_rv(get(s, h, CKA_EC_PARAMS, v, &len), CKR_OK, "%s: its CKA_EC_PARAMS", when);
	/* SubjectPublicKeyInfo of P-256: 30 59 30 13 06 07 <id-ecPublicKey> 06 08 <curve> ... */
	n = api_get_file(dir, "ec.spki", spki, sizeof spki);
	ok(n > 23 && len == 10 && memcmp(spki + 13, v, 10) == 0 && memcmp(v, p256, 10) == 0,
	   "%s: CKA_EC_PARAMS is the certificate's curve (openssl pkey)", when);

	len = sizeof v;
	is_ulong(count(s, &c_priv, "\x59", &h), 1, "%s: the GOST private key (ID 59) is listed",
		 when);
	is_rv(get(s, h, CKA_GOSTR3410_PARAMS, v, &len), CKR_OK, "%s: its CKA_GOSTR3410_PARAMS",
	      when);
	ok(len == sizeof gost_a && memcmp(v, gost_a, len) == 0, "%s: CryptoPro A, as generated",
	   when);
	len = sizeof v;
	is_rv(get(s, h, CKA_GOSTR3411_PARAMS, v, &len), CKR_OK, "%s: its CKA_GOSTR3411_PARAMS",
	      when);
	ok(len == sizeof gost_h94 && memcmp(v, gost_h94, len) == 0,
	   "%s: GOST R 34.11-94 CryptoPro, as generated", when);
}

static CK_RV login_session(CK_SESSION_HANDLE *s)
{
	CK_RV rv = f->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, s);

	if (rv == CKR_OK)
		rv = f->C_Login(*s, CKU_USER, API_PIN(API_USER_PIN));
	return rv;
}

/* Import the P-256 key of dir/ec.der (SEC 1 ECPrivateKey: 30 77 02 01 01 04 20 d ...). */
static CK_RV import_ec(CK_SESSION_HANDLE s)
{
	CK_KEY_TYPE kt = CKK_EC;
	CK_BYTE der[256];
	long n = api_get_file(dir, "ec.der", der, sizeof der);
	CK_OBJECT_HANDLE h;
	CK_ATTRIBUTE t[] = {
		ATTR(CKA_CLASS, c_priv), ATTR(CKA_KEY_TYPE, kt), ATTR(CKA_TOKEN, yes),
		ATTR(CKA_PRIVATE, yes), ATTR(CKA_SIGN, yes), { CKA_ID, "\x58", 1 },
		{ CKA_LABEL, "ec-nopub", 8 }, { CKA_EC_PARAMS, (void *)p256, sizeof p256 },
		{ CKA_VALUE, der + 7, 32 },
	};

	if (n < 39 || der[0] != 0x30 || der[5] != 0x04 || der[6] != 0x20)
		return CKR_GENERAL_ERROR;
	return f->C_CreateObject(s, t, sizeof t / sizeof t[0], &h);
}

static CK_RV gen_gost(CK_SESSION_HANDLE s)
{
	CK_MECHANISM m = { CKM_GOSTR3410_KEY_PAIR_GEN, NULL, 0 };
	CK_ATTRIBUTE pt[] = {
		ATTR(CKA_TOKEN, yes), { CKA_ID, "\x59", 1 },
		{ CKA_GOSTR3410_PARAMS, (void *)gost_a, sizeof gost_a },
		{ CKA_GOSTR3411_PARAMS, (void *)gost_h94, sizeof gost_h94 },
	};
	CK_ATTRIBUTE st[] = { ATTR(CKA_TOKEN, yes), ATTR(CKA_PRIVATE, yes), ATTR(CKA_SIGN, yes) };
	CK_OBJECT_HANDLE pub, priv;
	CK_RV rv = f->C_GenerateKeyPair(s, &m, pt, 4, st, 3, &pub, &priv);

	return rv == CKR_OK ? f->C_DestroyObject(s, pub) : rv;
}

int main(int argc, char **argv)
{
	const char *reader;
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
	CK_ATTRIBUTE lab = { CKA_LABEL, "renamed", 7 };

	(void)argc;
	f = api_opensc_start(argv, 300, dir, "t5307", &slot);
	reader = api_env(0, "READER");

	/* the RSA key with full-length CRT parts, which OpenSC's Rutoken ECP store needs
	 * (tests/vtoken/rsa-full; the test runs from the top of the tree) */
	is_ulong(api_sh("tests/vtoken/rsa-full %s/rsa.pem 2048 && cd %s && "
			"openssl req -x509 -new -key rsa.pem -subj /CN=t5307-rsa -days 2 "
			"-out rsa.crt && "
			"openssl ecparam -genkey -name prime256v1 -noout -outform DER "
			"-out ec.der && "
			"openssl req -x509 -new -key ec.der -keyform DER -subj /CN=t5307-ec "
			"-days 2 -out ec.crt && openssl x509 -in ec.crt -noout -pubkey | "
			"openssl pkey -pubin -outform DER -out ec.spki", dir, dir), 0,
		 "openssl makes an RSA-2048 and a P-256 key, each with its certificate");
	if (!is_ulong(api_sh("cd %s && timeout 120 pkcs15-init --reader '%s' "
			     "--store-private-key rsa.pem --auth-id 02 --id 57 --pin %s "
			     "--label rsa-nopub >out 2>&1 && "
			     "timeout 60 pkcs15-init --reader '%s' --store-certificate rsa.crt "
			     "--id 57 --pin %s --label rsa-cert >>out 2>&1 && "
			     "timeout 60 pkcs15-init --reader '%s' --store-certificate ec.crt "
			     "--id 58 --pin %s --label ec-cert >>out 2>&1 && "
			     "timeout 60 pkcs15-init --reader '%s' --delete-objects pubkey "
			     "--id 57 --pin %s >>out 2>&1", dir, reader, API_USER_PIN, reader,
			     API_USER_PIN, reader, API_USER_PIN, reader, API_USER_PIN), 0,
		      "pkcs15-init stores the RSA key and both certificates, and deletes the "
		      "RSA public key it stored"))
		api_sh("sed 's/^/#   /' %s/out >&2", dir);

	is_rv(f->C_Initialize(NULL), CKR_OK, "C_Initialize");
	is_rv(login_session(&s), CKR_OK, "a logged-in R/W session");
	is_rv(import_ec(s), CKR_OK, "C_CreateObject imports the P-256 private key (ID 58)");
	is_rv(gen_gost(s), CKR_OK, "a GOST R 34.10-2001 pair (ID 59), its public key destroyed");
	is_ulong(count(s, &c_pub, "\x57", NULL) + count(s, &c_pub, "\x58", NULL) +
		 count(s, &c_pub, "\x59", NULL), 0, "no public-key object for any of them");
	check_rsa(s, "as listed");
	check_ec_gost(s, "as listed");
	count(s, &c_priv, "\x57", &h);
	is_rv(f->C_SetAttributeValue(s, h, &lab, 1), CKR_OK, "C_SetAttributeValue of its label");
	check_rsa(s, "renamed");
	is_rv(f->C_Finalize(NULL), CKR_OK, "C_Finalize");

	is_rv(f->C_Initialize(NULL), CKR_OK, "C_Initialize again: the objects read anew");
	is_rv(login_session(&s), CKR_OK, "a logged-in session");
	check_rsa(s, "read again");
	check_ec_gost(s, "read again");
	is_rv(f->C_Finalize(NULL), CKR_OK, "C_Finalize");
	api_remove_dir(dir);
	return done_testing();
}
