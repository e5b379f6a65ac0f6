/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t5502 — private keys made by `openssl genpkey` in another process (RSA-2048, EC P-256,
 * Ed25519, and GOST R 34.10-2012-256 by the gost engine) given to C_CreateObject as session
 * objects, then used by the module: its signatures verified by openssl with the key's
 * own public half (PEM written by openssl), openssl's ciphertext decrypted. Then the
 * rules around session private keys and session pairs: CKA_SIGN false, the key type,
 * CKA_ALLOWED_MECHANISMS stored and enforced, sizes and curves refused with their codes
 * (CKR_ATTRIBUTE_VALUE_INVALID, CKR_CURVE_NOT_SUPPORTED, CKR_TEMPLATE_INCONSISTENT),
 * a token private key with a session public key made by the token, the opposite refused, CKR_SESSION_READ_ONLY for
 * token pairs in a R/O session, CKR_USER_NOT_LOGGED_IN for private ones; a non-sensitive
 * key's values readable; and the keys gone with C_Logout (private ones), C_CloseSession
 * and C_Finalize.
 */
#include "api/api.h"
#include "api/token.h"

static CK_FUNCTION_LIST_PTR f;
static CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
static CK_OBJECT_CLASS c_priv = CKO_PRIVATE_KEY;
static char tmp[] = "/tmp/t5502-XXXXXX";
static int have_gost_engine;

#define ATTR(t, v) { (t), &(v), sizeof(v) }

static CK_BYTE oid_p256[] = { 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07 };
static CK_BYTE oid_ed25519[] = { 0x06, 0x03, 0x2b, 0x65, 0x70 };
/* id-GostR3410-2001-CryptoPro-A-ParamSet (RFC 4357), what the engine's paramset:A is */
static CK_BYTE oid_cp_a[] = { 0x06, 0x07, 0x2a, 0x85, 0x03, 0x02, 0x02, 0x23, 0x01 };
static CK_BYTE oid_tc26_256b[] = { 0x06, 0x09, 0x2a, 0x85, 0x03, 0x07, 0x01, 0x02, 0x01,
				   0x01, 0x02 };
static CK_BYTE oid_h256[] = { 0x06, 0x08, 0x2a, 0x85, 0x03, 0x07, 0x01, 0x01, 0x02, 0x02 };
static CK_BYTE oid_unknown[] = { 0x06, 0x03, 0x2a, 0x03, 0x04 };       /* 1.2.3.4 */

static const uint8_t msg[] = "a message for keys made by openssl";

static int run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int run(const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(cmd, sizeof cmd, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof cmd)
		return -1;
	return system(cmd);
}

static long get(const char *name, uint8_t *p, size_t cap)
{
	char path[256];
	FILE *fp;
	size_t n;

	snprintf(path, sizeof path, "%s/%s", tmp, name);
	fp = fopen(path, "rb");
	if (fp == NULL)
		return -1;
	n = fread(p, 1, cap, fp);
	fclose(fp);
	return (long)n;
}

static long attr(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE h, CK_ATTRIBUTE_TYPE t, void *buf,
		 size_t cap, CK_RV *prv)
{
	CK_ATTRIBUTE a = { t, buf, cap };
	CK_RV rv = f->C_GetAttributeValue(s, h, &a, 1);

	if (prv != NULL)
		*prv = rv;
	return rv == CKR_OK ? (long)a.ulValueLen : -1;
}

static int abool(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE h, CK_ATTRIBUTE_TYPE t)
{
	CK_BBOOL b = 0x55;

	return attr(s, h, t, &b, sizeof b, NULL) == 1 ? b : -1;
}

/* --- a small DER reader for openssl's PKCS #8 output --------------------------------- */

struct der {
	const uint8_t *p, *end;
};

/* The next TLV: its tag and content; 0 when there is none or it is malformed. */
static int der_next(struct der *d, unsigned *tag, const uint8_t **c, size_t *len)
{
	size_t n, i, k;

	if (d->end - d->p < 2)
		return 0;
	*tag = d->p[0];
	n = d->p[1];
	d->p += 2;
	if (n & 0x80) {
		k = n & 0x7f;
		if (k == 0 || k > 2 || (size_t)(d->end - d->p) < k)
			return 0;
		for (n = 0, i = 0; i < k; i++)
			n = (n << 8) | *d->p++;
	}
	if ((size_t)(d->end - d->p) < n)
		return 0;
	*c = d->p;
	*len = n;
	d->p += n;
	return 1;
}

/* PKCS #8 PrivateKeyInfo: the content of its privateKey OCTET STRING. */
static int pkcs8_inner(const uint8_t *der, size_t n, struct der *inner)
{
	struct der d = { der, der + n }, seq;
	const uint8_t *c;
	size_t len;
	unsigned tag;

	if (!der_next(&d, &tag, &c, &len) || tag != 0x30)
		return 0;
	seq.p = c;
	seq.end = c + len;
	if (!der_next(&seq, &tag, &c, &len) || tag != 0x02 ||           /* version */
	    !der_next(&seq, &tag, &c, &len) || tag != 0x30 ||           /* algorithm */
	    !der_next(&seq, &tag, &c, &len) || tag != 0x04)             /* privateKey */
		return 0;
	inner->p = c;
	inner->end = c + len;
	return 1;
}

/* openssl writes the key `name`.pem, its DER PKCS #8 form (pkcs8 -topk8: `pkey -outform
 * DER` of OpenSSL 3.0 writes the older PKCS #1 / RFC 5915 forms) and its public PEM. */
static int openssl_key(const char *name, const char *genopts)
{
	return run("cd %s && openssl genpkey %s -out %s.pem 2>/dev/null && "
		   "openssl pkcs8 -topk8 -nocrypt -in %s.pem -outform DER -out %s.der 2>/dev/null && "
		   "openssl pkey -in %s.pem -pubout -out %s.pub.pem 2>/dev/null",
		   tmp, genopts, name, name, name, name, name);
}

static CK_RV sign(CK_SESSION_HANDLE s, CK_MECHANISM_TYPE mech, CK_OBJECT_HANDLE k,
		  uint8_t *sig, CK_ULONG *slen)
{
	CK_MECHANISM m = { mech, NULL, 0 };
	CK_RV rv = f->C_SignInit(s, &m, k);

	if (rv != CKR_OK)
		return rv;
	return f->C_Sign(s, (CK_BYTE_PTR)msg, sizeof msg - 1, sig, slen);
}

/* r || s as DER for openssl. */
static size_t ecdsa_der(uint8_t *out, const uint8_t *sig, size_t half)
{
	size_t n = 2, i;

	out[0] = 0x30;
	for (i = 0; i < 2; i++) {
		const uint8_t *v = sig + i * half;
		size_t l = half;

		while (l > 1 && v[0] == 0) {
			v++;
			l--;
		}
		out[n++] = 0x02;
		out[n++] = (uint8_t)(l + (v[0] >> 7));
		if (v[0] & 0x80)
			out[n++] = 0;
		memcpy(out + n, v, l);
		n += l;
	}
	out[1] = (uint8_t)(n - 2);
	return n;
}

static void created_rsa(CK_SESSION_HANDLE s)
{
	static const CK_ATTRIBUTE_TYPE types[8] = {
		CKA_MODULUS, CKA_PUBLIC_EXPONENT, CKA_PRIVATE_EXPONENT, CKA_PRIME_1, CKA_PRIME_2,
		CKA_EXPONENT_1, CKA_EXPONENT_2, CKA_COEFFICIENT,
	};
	CK_KEY_TYPE kt = CKK_RSA;
	CK_ATTRIBUTE t[16] = { ATTR(CKA_CLASS, c_priv), ATTR(CKA_KEY_TYPE, kt),
			       ATTR(CKA_TOKEN, no), ATTR(CKA_SIGN, yes), ATTR(CKA_DECRYPT, yes) };
	uint8_t der[4000], sig[512], ct[512], out[512];
	struct der inner, seq;
	const uint8_t *c;
	size_t len, nt = 5, i;
	unsigned tag;
	CK_OBJECT_HANDLE h = 0;
	CK_ULONG slen = sizeof sig, olen = sizeof out;
	CK_MECHANISM m1 = { CKM_RSA_PKCS, NULL, 0 };
	long n;

	if (openssl_key("rsa", "-algorithm RSA -pkeyopt rsa_keygen_bits:2048") != 0 ||
	    (n = get("rsa.der", der, sizeof der)) <= 0 || !pkcs8_inner(der, (size_t)n, &inner) ||
	    !der_next(&inner, &tag, &c, &len) || tag != 0x30) {
		ok(0, "openssl genpkey RSA");
		return;
	}
	/* RSAPrivateKey (RFC 8017 A.1.2): version, n, e, d, p, q, dP, dQ, qInv */
	seq.p = c;
	seq.end = c + len;
	der_next(&seq, &tag, &c, &len);
	for (i = 0; i < 8 && der_next(&seq, &tag, &c, &len) && tag == 0x02; i++) {
		t[nt].type = types[i];
		t[nt].pValue = (void *)c;
		t[nt].ulValueLen = len;
		nt++;
	}
	is_ulong(i, 8, "RSA: the eight integers of openssl's key");
	is_rv(f->C_CreateObject(s, t, nt, &h), CKR_OK,
	      "RSA: C_CreateObject of openssl's private key, a session object");
	is_rv(sign(s, CKM_SHA256_RSA_PKCS, h, sig, &slen), CKR_OK, "RSA: SHA256-RSA-PKCS C_Sign");
	api_put_file(tmp, "data.bin", msg, sizeof msg - 1);
	api_put_file(tmp, "sig.bin", sig, slen);
	is_ulong(run("cd %s && openssl dgst -sha256 -verify rsa.pub.pem -signature sig.bin "
		     "data.bin >out.txt 2>&1", tmp), 0,
		 "RSA: openssl verifies it with the key's public half");
	slen = sizeof sig;
	is_rv(sign(s, CKM_SHA384_RSA_PKCS_PSS, h, sig, &slen), CKR_MECHANISM_PARAM_INVALID,
	      "RSA: a PSS signature needs its parameter");
	api_put_file(tmp, "msg.bin", msg, 24);
	if (run("cd %s && openssl pkeyutl -encrypt -pubin -inkey rsa.pub.pem "
		"-pkeyopt rsa_padding_mode:oaep -in msg.bin -out ct.bin 2>/dev/null", tmp) == 0 &&
	    get("ct.bin", ct, sizeof ct) == 256) {
		CK_RSA_PKCS_OAEP_PARAMS oaep = { CKM_SHA_1, CKG_MGF1_SHA1, CKZ_DATA_SPECIFIED,
						 NULL, 0 };
		CK_MECHANISM mo = { CKM_RSA_PKCS_OAEP, &oaep, sizeof oaep };

		is_rv(f->C_DecryptInit(s, &mo, h), CKR_OK, "RSA: OAEP C_DecryptInit");
		olen = 0;
		is_rv(f->C_Decrypt(s, ct, 256, NULL, &olen), CKR_OK, "RSA: a size query");
		olen = 4;
		is_rv(f->C_Decrypt(s, ct, 256, out, &olen), CKR_BUFFER_TOO_SMALL,
		      "RSA: a short buffer");
		is_ulong(olen, 24, "... says the plaintext's length");
		is_rv(f->C_Decrypt(s, ct, 256, out, &olen), CKR_OK,
		      "RSA: C_Decrypt of openssl's OAEP ciphertext");
		ok(olen == 24 && memcmp(out, msg, 24) == 0, "... gives the plaintext");
	} else {
		ok(0, "openssl pkeyutl -encrypt");
	}
	/* a ciphertext not below the modulus */
	memset(ct, 0xff, 256);
	is_rv(f->C_DecryptInit(s, &m1, h), CKR_OK, "RSA: PKCS #1 C_DecryptInit");
	olen = sizeof out;
	is_rv(f->C_Decrypt(s, ct, 256, out, &olen), CKR_ENCRYPTED_DATA_INVALID,
	      "RSA: a ciphertext above the modulus: CKR_ENCRYPTED_DATA_INVALID");
	f->C_DestroyObject(s, h);
}

static void created_ec(CK_SESSION_HANDLE s, int ed)
{
	const char *name = ed ? "Ed25519" : "EC P-256";
	CK_KEY_TYPE kt = ed ? CKK_EC_EDWARDS : CKK_EC;
	uint8_t der[400], sig[200], sder[200];
	struct der inner, seq;
	const uint8_t *c, *d = NULL;
	size_t len, dlen = 0, sl;
	unsigned tag;
	CK_OBJECT_HANDLE h = 0;
	CK_ULONG slen = sizeof sig;
	CK_RV rv;
	long n;

	if (openssl_key(ed ? "ed" : "ec", ed ? "-algorithm ed25519"
					 : "-algorithm EC -pkeyopt ec_paramgen_curve:P-256") != 0 ||
	    (n = get(ed ? "ed.der" : "ec.der", der, sizeof der)) <= 0 ||
	    !pkcs8_inner(der, (size_t)n, &inner)) {
		ok(0, "%s: openssl genpkey", name);
		return;
	}
	if (ed) {
		/* RFC 8410 7: CurvePrivateKey, an OCTET STRING of the 32-byte key */
		if (der_next(&inner, &tag, &c, &len) && tag == 0x04 && len == 32) {
			d = c;
			dlen = len;
		}
	} else if (der_next(&inner, &tag, &c, &len) && tag == 0x30) {
		/* ECPrivateKey (RFC 5915): version, privateKey OCTET STRING, ... */
		seq.p = c;
		seq.end = c + len;
		if (der_next(&seq, &tag, &c, &len) && tag == 0x02 &&
		    der_next(&seq, &tag, &c, &len) && tag == 0x04) {
			d = c;
			dlen = len;
		}
	}
	ok(d != NULL && dlen == 32, "%s: the private key of openssl's key", name);
	if (d == NULL)
		return;
	{
		CK_ATTRIBUTE t[] = { ATTR(CKA_CLASS, c_priv), ATTR(CKA_KEY_TYPE, kt),
				     ATTR(CKA_TOKEN, no), ATTR(CKA_SIGN, yes),
				     { CKA_EC_PARAMS, ed ? oid_ed25519 : oid_p256,
				       ed ? sizeof oid_ed25519 : sizeof oid_p256 },
				     { CKA_VALUE, (void *)d, dlen } };

		rv = f->C_CreateObject(s, t, 6, &h);
	}
	is_rv(rv, CKR_OK, "%s: C_CreateObject of openssl's private key", name);
	rv = sign(s, ed ? CKM_EDDSA : CKM_ECDSA_SHA256, h, sig, &slen);
	is_rv(rv, CKR_OK, "%s: C_Sign", name);
	api_put_file(tmp, "data.bin", msg, sizeof msg - 1);
	if (ed) {
		api_put_file(tmp, "sig.bin", sig, slen);
		is_ulong(run("cd %s && openssl pkeyutl -verify -pubin -inkey ed.pub.pem -rawin "
			     "-in data.bin -sigfile sig.bin >out.txt 2>&1", tmp), 0,
			 "%s: openssl verifies it with the key's public half", name);
		/* RFC 8032 signatures are deterministic: openssl's own is the same */
		if (run("cd %s && openssl pkeyutl -sign -inkey ed.pem -rawin -in data.bin "
			"-out sig2.bin 2>/dev/null", tmp) == 0 && get("sig2.bin", sder, 64) == 64)
			ok(slen == 64 && memcmp(sder, sig, 64) == 0,
			   "%s: the signature is openssl's own, byte for byte", name);
		else
			ok(0, "openssl pkeyutl -sign");
	} else {
		sl = ecdsa_der(sder, sig, 32);
		api_put_file(tmp, "sig.bin", sder, sl);
		is_ulong(run("cd %s && openssl dgst -sha256 -verify ec.pub.pem -signature sig.bin "
			     "data.bin >out.txt 2>&1", tmp), 0,
			 "%s: openssl verifies it with the key's public half", name);
	}
	f->C_DestroyObject(s, h);
}

/* A hex integer (big-endian, as BN_print gives it: no leading zeros, so possibly of odd
 * length) into its bytes reversed (little-endian), as long as n. */
static int hex_le(const char *hex, uint8_t *out, size_t n)
{
	char even[2 * 64 + 2];
	size_t len = strlen(hex), i;
	unsigned v;

	if (len == 0 || len > 2 * n)
		return -1;
	snprintf(even, sizeof even, "%s%s", len % 2 ? "0" : "", hex);
	len = strlen(even);
	memset(out, 0, n);
	for (i = 0; i < len / 2; i++) {
		if (sscanf(even + 2 * i, "%2x", &v) != 1)
			return -1;
		out[len / 2 - 1 - i] = (uint8_t)v;
	}
	return 0;
}

static void created_gost(CK_SESSION_HANDLE s)
{
	CK_KEY_TYPE kt = CKK_GOSTR3410;
	char line[512], hex[200] = "";
	uint8_t d[32], sig[128];
	CK_OBJECT_HANDLE h = 0;
	CK_ULONG slen = sizeof sig;
	FILE *p;
	CK_RV rv;

	if (!have_gost_engine) {
		ok(1, "# SKIP no gost engine for openssl");
		return;
	}
	snprintf(line, sizeof line, "cd %s && openssl genpkey -engine gost -algorithm "
		 "gost2012_256 -pkeyopt paramset:A -out g.pem 2>/dev/null && openssl pkey "
		 "-engine gost -in g.pem -pubout -out g.pub.pem 2>/dev/null && openssl pkey "
		 "-engine gost -in g.pem -text -noout 2>/dev/null", tmp);
	p = popen(line, "r");
	while (p != NULL && fgets(line, sizeof line, p) != NULL)
		if (sscanf(line, "Private key: %199[0-9A-Fa-f]", hex) == 1)
			break;
	if (p != NULL)
		pclose(p);
	ok(hex[0] != '\0' && hex_le(hex, d, sizeof d) == 0,
	   "GOST 2012-256: the gost engine's private key (another process)");
	{
		CK_ATTRIBUTE t[] = { ATTR(CKA_CLASS, c_priv), ATTR(CKA_KEY_TYPE, kt),
				     ATTR(CKA_TOKEN, no), ATTR(CKA_SIGN, yes),
				     ATTR(CKA_GOSTR3410_PARAMS, oid_cp_a),
				     ATTR(CKA_GOSTR3411_PARAMS, oid_h256), ATTR(CKA_VALUE, d) };

		rv = f->C_CreateObject(s, t, 7, &h);
	}
	is_rv(rv, CKR_OK, "GOST 2012-256: C_CreateObject of the engine's private key");
	is_rv(sign(s, CKM_GOSTR3410_WITH_GOSTR3411_12_256, h, sig, &slen), CKR_OK,
	      "GOST 2012-256: C_Sign with Streebog-256");
	api_put_file(tmp, "data.bin", msg, sizeof msg - 1);
	api_put_file(tmp, "sig.bin", sig, slen);
	is_ulong(run("cd %s && openssl dgst -engine gost -md_gost12_256 -verify g.pub.pem "
		     "-signature sig.bin data.bin >out.txt 2>&1", tmp), 0,
		 "GOST 2012-256: the gost engine verifies it with the key's public half");
	f->C_DestroyObject(s, h);
}

/* --- the rules ------------------------------------------------------------------------ */

static CK_RV gen_rsa(CK_SESSION_HANDLE s, CK_ULONG bits, CK_ATTRIBUTE *extra_pub, size_t npx,
		     CK_ATTRIBUTE *priv_t, size_t nst, CK_OBJECT_HANDLE *pub, CK_OBJECT_HANDLE *priv)
{
	CK_MECHANISM gen = { CKM_RSA_PKCS_KEY_PAIR_GEN, NULL, 0 };
	CK_ATTRIBUTE pt[8] = { ATTR(CKA_MODULUS_BITS, bits) };
	size_t i;

	for (i = 0; i < npx && i < 7; i++)
		pt[1 + i] = extra_pub[i];
	return f->C_GenerateKeyPair(s, &gen, pt, 1 + npx, priv_t, nst, pub, priv);
}

/* A token private key with a session public key: made by the token, the public half
 * then a session object only. */
static void split_pair(CK_SESSION_HANDLE s)
{
	CK_BYTE id[3] = { 0x77, 0x88, 0x99 };
	CK_OBJECT_CLASS c_pub = CKO_PUBLIC_KEY;
	CK_ATTRIBUTE pt[] = { ATTR(CKA_TOKEN, no), ATTR(CKA_ID, id), ATTR(CKA_VERIFY, yes) };
	CK_ATTRIBUTE st[] = { ATTR(CKA_TOKEN, yes), ATTR(CKA_SIGN, yes), ATTR(CKA_PRIVATE, yes) };
	CK_ATTRIBUTE find[] = { ATTR(CKA_CLASS, c_pub), ATTR(CKA_ID, id) };
	CK_OBJECT_HANDLE pub = 0, priv = 0, found[4];
	CK_MECHANISM m = { CKM_SHA256_RSA_PKCS, NULL, 0 };
	CK_ULONG nfound = 0, slen;
	uint8_t sig[256];

	is_rv(gen_rsa(s, 1024, pt, 3, st, 3, &pub, &priv), CKR_OK,
	      "a session public key with a token private key: made");
	ok(abool(s, pub, CKA_TOKEN) == 0 && abool(s, priv, CKA_TOKEN) == 1,
	   "... the public half in the session, the private half on the token");
	ok(abool(s, pub, CKA_LOCAL) == 1, "... both made by the token (CKA_LOCAL)");
	f->C_FindObjectsInit(s, find, 2);
	f->C_FindObjects(s, found, 4, &nfound);
	f->C_FindObjectsFinal(s);
	ok(nfound == 1 && found[0] == pub, "... and the only public key of that CKA_ID");
	slen = sizeof sig;
	is_rv(sign(s, CKM_SHA256_RSA_PKCS, priv, sig, &slen), CKR_OK, "... the token signs");
	is_rv(f->C_VerifyInit(s, &m, pub), CKR_OK, "... C_VerifyInit with the session half");
	is_rv(f->C_Verify(s, (CK_BYTE_PTR)msg, sizeof msg - 1, sig, slen), CKR_OK,
	      "... which verifies it");
	is_rv(f->C_DestroyObject(s, priv), CKR_OK, "... the token key destroyed");
	f->C_DestroyObject(s, pub);
}

static void rules(CK_SLOT_ID slot, CK_SESSION_HANDLE s)
{
	CK_OBJECT_HANDLE pub = 0, priv = 0, a, b;
	CK_MECHANISM_TYPE allowed[] = { CKM_SHA256_RSA_PKCS };
	CK_ATTRIBUTE nosign[] = { ATTR(CKA_SIGN, no), ATTR(CKA_DECRYPT, no) };
	CK_ATTRIBUTE alw[] = { ATTR(CKA_SIGN, yes), ATTR(CKA_ALLOWED_MECHANISMS, allowed) };
	CK_ATTRIBUTE tok[] = { ATTR(CKA_TOKEN, yes) };
	CK_ATTRIBUTE sess[] = { ATTR(CKA_TOKEN, no) };
	CK_BYTE even[] = { 0x01, 0x00, 0x00 };
	CK_ATTRIBUTE even_e[] = { ATTR(CKA_PUBLIC_EXPONENT, even) };
	CK_MECHANISM_TYPE got[4];
	uint8_t sig[512];
	CK_ULONG slen = sizeof sig;
	CK_MECHANISM ecgen = { CKM_EC_KEY_PAIR_GEN, NULL, 0 };
	CK_MECHANISM edgen = { CKM_EC_EDWARDS_KEY_PAIR_GEN, NULL, 0 };
	CK_MECHANISM g512 = { CKM_GOSTR3410_512_KEY_PAIR_GEN, NULL, 0 };
	CK_ATTRIBUTE unknown_curve[] = { ATTR(CKA_EC_PARAMS, oid_unknown) };
	CK_ATTRIBUTE p256_curve[] = { ATTR(CKA_EC_PARAMS, oid_p256) };
	CK_ATTRIBUTE g256_for_512[] = { ATTR(CKA_GOSTR3410_PARAMS, oid_tc26_256b),
					ATTR(CKA_GOSTR3411_PARAMS, oid_h256) };
	CK_SESSION_HANDLE ro = 0;

	is_rv(gen_rsa(s, 1024, NULL, 0, nosign, 2, &pub, &priv), CKR_OK,
	      "an RSA-1024 session pair with CKA_SIGN and CKA_DECRYPT false");
	is_rv(sign(s, CKM_SHA256_RSA_PKCS, priv, sig, &slen), CKR_KEY_FUNCTION_NOT_PERMITTED,
	      "C_SignInit: CKR_KEY_FUNCTION_NOT_PERMITTED (the key's own CKA_SIGN)");
	{
		CK_MECHANISM m = { CKM_RSA_PKCS, NULL, 0 };

		is_rv(f->C_DecryptInit(s, &m, priv), CKR_KEY_FUNCTION_NOT_PERMITTED,
		      "C_DecryptInit: the same for CKA_DECRYPT");
		is_rv(f->C_SignInit(s, &m, pub), CKR_KEY_TYPE_INCONSISTENT,
		      "a public key for signing: CKR_KEY_TYPE_INCONSISTENT");
	}
	f->C_DestroyObject(s, pub);
	f->C_DestroyObject(s, priv);

	is_rv(gen_rsa(s, 1024, NULL, 0, alw, 2, &pub, &priv), CKR_OK,
	      "a pair with CKA_ALLOWED_MECHANISMS { CKM_SHA256_RSA_PKCS }");
	ok(attr(s, priv, CKA_ALLOWED_MECHANISMS, got, sizeof got, NULL) == sizeof allowed &&
	   got[0] == CKM_SHA256_RSA_PKCS, "... stored with the key");
	slen = sizeof sig;
	is_rv(sign(s, CKM_SHA256_RSA_PKCS, priv, sig, &slen), CKR_OK, "... which signs with it");
	slen = sizeof sig;
	is_rv(sign(s, CKM_SHA384_RSA_PKCS, priv, sig, &slen), CKR_MECHANISM_INVALID,
	      "... and with no other (CKR_MECHANISM_INVALID, as for token keys)");
	f->C_DestroyObject(s, pub);
	f->C_DestroyObject(s, priv);

	is_rv(gen_rsa(s, 512, NULL, 0, NULL, 0, &pub, &priv), CKR_ATTRIBUTE_VALUE_INVALID,
	      "RSA-512: below the host's sizes, CKR_ATTRIBUTE_VALUE_INVALID");
	is_rv(gen_rsa(s, 8192, NULL, 0, NULL, 0, &pub, &priv), CKR_ATTRIBUTE_VALUE_INVALID,
	      "RSA-8192: above them");
	is_rv(gen_rsa(s, 1024, even_e, 1, NULL, 0, &pub, &priv), CKR_ATTRIBUTE_VALUE_INVALID,
	      "an even public exponent");
	is_rv(f->C_GenerateKeyPair(s, &ecgen, unknown_curve, 1, NULL, 0, &a, &b),
	      CKR_CURVE_NOT_SUPPORTED, "EC on an unknown curve: CKR_CURVE_NOT_SUPPORTED");
	is_rv(f->C_GenerateKeyPair(s, &edgen, p256_curve, 1, NULL, 0, &a, &b),
	      CKR_CURVE_NOT_SUPPORTED, "EdDSA on P-256: CKR_CURVE_NOT_SUPPORTED");
	is_rv(f->C_GenerateKeyPair(s, &g512, g256_for_512, 2, NULL, 0, &a, &b),
	      CKR_TEMPLATE_INCONSISTENT, "GOST 512 with a 256-bit parameter set");
	is_rv(gen_rsa(s, 1024, tok, 1, sess, 1, &pub, &priv), CKR_TEMPLATE_INCONSISTENT,
	      "a token public key with a session private key: CKR_TEMPLATE_INCONSISTENT");
	split_pair(s);

	is_rv(f->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &ro), CKR_OK,
	      "a R/O session");
	is_rv(gen_rsa(ro, 1024, tok, 1, tok, 1, &pub, &priv), CKR_SESSION_READ_ONLY,
	      "... a token pair there: CKR_SESSION_READ_ONLY");
	is_rv(gen_rsa(ro, 1024, NULL, 0, NULL, 0, &pub, &priv), CKR_OK,
	      "... a session pair there: made");
	f->C_CloseSession(ro);
	is_rv(f->C_GetAttributeValue(s, priv, NULL, 0), CKR_OBJECT_HANDLE_INVALID,
	      "closing that session destroyed its private key");
	is_rv(f->C_GetAttributeValue(s, pub, NULL, 0), CKR_OBJECT_HANDLE_INVALID,
	      "... and its public key");
}

static void sensitive_false(CK_SESSION_HANDLE s)
{
	CK_ATTRIBUTE st[] = { ATTR(CKA_SIGN, yes), ATTR(CKA_SENSITIVE, no),
			      ATTR(CKA_EXTRACTABLE, yes) };
	CK_OBJECT_HANDLE pub = 0, priv = 0;
	uint8_t buf[300], n_[300];
	long nd, nn;

	is_rv(gen_rsa(s, 1024, NULL, 0, st, 3, &pub, &priv), CKR_OK,
	      "a session pair with CKA_SENSITIVE false, CKA_EXTRACTABLE true");
	ok(abool(s, priv, CKA_ALWAYS_SENSITIVE) == 0 && abool(s, priv, CKA_NEVER_EXTRACTABLE) == 0,
	   "... CKA_ALWAYS_SENSITIVE and CKA_NEVER_EXTRACTABLE false");
	nd = attr(s, priv, CKA_PRIVATE_EXPONENT, buf, sizeof buf, NULL);
	nn = attr(s, priv, CKA_MODULUS, n_, sizeof n_, NULL);
	ok(nd > 100 && nd <= 128 && nn == 128, "... its CKA_PRIVATE_EXPONENT readable");
	ok(attr(s, priv, CKA_PRIME_1, buf, sizeof buf, NULL) == 64 &&
	   attr(s, priv, CKA_COEFFICIENT, buf, sizeof buf, NULL) > 0,
	   "... and its CRT values");
	f->C_DestroyObject(s, pub);
	f->C_DestroyObject(s, priv);
}

int main(int argc, char **argv)
{
	CK_SLOT_ID slot = 0;
	CK_SESSION_HANDLE s = 0;
	CK_OBJECT_HANDLE pub = 0, priv = 0, ppub = 0, ppriv = 0;
	CK_ATTRIBUTE pubobj[] = { ATTR(CKA_PRIVATE, no), ATTR(CKA_SIGN, yes) };
	uint8_t sig[512];
	CK_ULONG slen = sizeof sig;

	api_rig(argv, 1);
	if (mkdtemp(tmp) == NULL) {
		printf("Bail out! mkdtemp\n");
		return 255;
	}
	have_gost_engine = run("openssl engine gost >/dev/null 2>&1") == 0;
	f = api_module();
	is_rv(f->C_Initialize(NULL), CKR_OK, "C_Initialize");
	is_rv(api_slot_of(f, 0, &slot), CKR_OK, "the token's slot");
	is_rv(api_prepare_token(f, slot, "t5502"), CKR_OK, "C_InitToken and C_InitPIN");
	is_rv(f->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s), CKR_OK,
	      "a R/W session");

	/* without a login: private objects are refused, a pair of public ones is not */
	is_rv(gen_rsa(s, 1024, NULL, 0, NULL, 0, &pub, &priv), CKR_USER_NOT_LOGGED_IN,
	      "a session pair with a private private key needs the user");
	is_rv(gen_rsa(s, 1024, NULL, 0, pubobj, 2, &ppub, &ppriv), CKR_OK,
	      "a pair whose private key has CKA_PRIVATE false does not");
	is_rv(sign(s, CKM_SHA256_RSA_PKCS, ppriv, sig, &slen), CKR_OK,
	      "... and signs without a login (the key is the host's)");

	is_rv(f->C_Login(s, CKU_USER, API_PIN(API_USER_PIN)), CKR_OK, "user login");
	created_rsa(s);
	created_ec(s, 0);
	created_ec(s, 1);
	created_gost(s);
	rules(slot, s);
	sensitive_false(s);

	is_rv(gen_rsa(s, 1024, NULL, 0, NULL, 0, &pub, &priv), CKR_OK,
	      "a session pair, private key private");
	is_rv(f->C_Logout(s), CKR_OK, "C_Logout");
	is_rv(f->C_GetAttributeValue(s, priv, NULL, 0), CKR_OBJECT_HANDLE_INVALID,
	      "the private session key is gone with the logout");
	slen = sizeof sig;
	/* the mechanism signs on the token too: the login comes first, as for a private
	 * token key the session cannot see now (op_pk.c) */
	is_rv(sign(s, CKM_SHA256_RSA_PKCS, priv, sig, &slen), CKR_USER_NOT_LOGGED_IN,
	      "... and cannot sign");
	ok(abool(s, pub, CKA_TOKEN) == 0, "its public key stays");
	ok(abool(s, ppriv, CKA_PRIVATE) == 0, "so does the non-private private key");
	is_rv(f->C_Finalize(NULL), CKR_OK, "C_Finalize");
	is_rv(f->C_Initialize(NULL), CKR_OK, "C_Initialize again");
	is_rv(f->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &s), CKR_OK, "a session");
	is_rv(f->C_GetAttributeValue(s, ppriv, NULL, 0), CKR_OBJECT_HANDLE_INVALID,
	      "after C_Finalize no session key is left");
	is_rv(f->C_Finalize(NULL), CKR_OK, "C_Finalize");
	run("rm -rf %s", tmp);
	return done_testing();
}
