/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t5501 — session key pairs (C_GenerateKeyPair with CKA_TOKEN false on both halves) made
 * on the host: RSA-2048, EC P-256/P-384/P-521, GOST R 34.10-2012 256 and 512, Ed25519 and
 * Ed448. For each: the attributes PKCS #11 3.2 gives a generated pair (CKA_LOCAL,
 * CKA_KEY_GEN_MECHANISM, CKA_ALWAYS_SENSITIVE, CKA_NEVER_EXTRACTABLE, the public values,
 * CKA_ATTRIBUTE_SENSITIVE for the private ones), a signature verified by the module and
 * by the openssl command line in another process (the public key exported from the
 * attributes as a DER SubjectPublicKeyInfo; GOST by the gost engine there), and for RSA
 * ciphertexts made by openssl (PKCS #1 v1.5 and OAEP) decrypted by the module. Then the
 * mechanism list's flags for what the host does now.
 */
#include "api/api.h"
#include "api/token.h"

static CK_FUNCTION_LIST_PTR f;
static CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
static char tmp[] = "/tmp/t5501-XXXXXX";
static int have_gost_engine;

#define ATTR(t, v) { (t), &(v), sizeof(v) }

/* DER OIDs: the curves (RFC 5480), Ed25519/Ed448 (RFC 8410), GOST (RFC 9215) */
static CK_BYTE oid_p256[] = { 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07 };
static CK_BYTE oid_p384[] = { 0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22 };
static CK_BYTE oid_p521[] = { 0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x23 };
static CK_BYTE oid_ed25519[] = { 0x06, 0x03, 0x2b, 0x65, 0x70 };
static CK_BYTE oid_ed448[] = { 0x06, 0x03, 0x2b, 0x65, 0x71 };
static CK_BYTE oid_tc26_256b[] = { 0x06, 0x09, 0x2a, 0x85, 0x03, 0x07, 0x01, 0x02, 0x01,
				   0x01, 0x02 };
static CK_BYTE oid_tc26_512a[] = { 0x06, 0x09, 0x2a, 0x85, 0x03, 0x07, 0x01, 0x02, 0x01,
				   0x02, 0x01 };
static CK_BYTE oid_h256[] = { 0x06, 0x08, 0x2a, 0x85, 0x03, 0x07, 0x01, 0x01, 0x02, 0x02 };
static CK_BYTE oid_h512[] = { 0x06, 0x08, 0x2a, 0x85, 0x03, 0x07, 0x01, 0x01, 0x02, 0x03 };
static const uint8_t alg_rsa[] = { 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01,
				   0x01, 0x05, 0x00 };
static const uint8_t alg_ec[] = { 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01 };
static const uint8_t alg_g256[] = { 0x06, 0x08, 0x2a, 0x85, 0x03, 0x07, 0x01, 0x01, 0x01,
				    0x01 };
static const uint8_t alg_g512[] = { 0x06, 0x08, 0x2a, 0x85, 0x03, 0x07, 0x01, 0x01, 0x01,
				    0x02 };

static const uint8_t msg[] = "the quick brown fox signs over the lazy dog";

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

/* One attribute's value; its length, or -1 with *rv the call's code. */
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

static CK_ULONG aulong(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE h, CK_ATTRIBUTE_TYPE t)
{
	CK_ULONG v = 0xbad;

	return attr(s, h, t, &v, sizeof v, NULL) == (long)sizeof v ? v : 0xbad;
}

/* DER: tag, length, content appended at out[at]; the new length. */
static size_t tlv(uint8_t *out, size_t at, uint8_t tag, const uint8_t *c, size_t n)
{
	out[at++] = tag;
	if (n < 128) {
		out[at++] = (uint8_t)n;
	} else if (n < 256) {
		out[at++] = 0x81;
		out[at++] = (uint8_t)n;
	} else {
		out[at++] = 0x82;
		out[at++] = (uint8_t)(n >> 8);
		out[at++] = (uint8_t)n;
	}
	memmove(out + at, c, n);
	return at + n;
}

/* A DER INTEGER of the unsigned big-endian v. */
static size_t der_uint(uint8_t *out, size_t at, const uint8_t *v, size_t n)
{
	uint8_t b[1100];

	while (n > 1 && v[0] == 0) {
		v++;
		n--;
	}
	b[0] = 0;
	memcpy(b + 1, v, n);
	return (v[0] & 0x80) ? tlv(out, at, 0x02, b, n + 1) : tlv(out, at, 0x02, v, n);
}

/* SubjectPublicKeyInfo: SEQUENCE { algid (its content), BIT STRING 00 || key }. */
static size_t spki(uint8_t *out, const uint8_t *alg, size_t alg_len, const uint8_t *key,
		   size_t key_len)
{
	uint8_t body[1400], bits[1200];
	size_t n;

	n = tlv(body, 0, 0x30, alg, alg_len);
	bits[0] = 0;
	memcpy(bits + 1, key, key_len);
	n = tlv(body, n, 0x03, bits, key_len + 1);
	return tlv(out, 0, 0x30, body, n);
}

/* r || s (each half of len) as a DER ECDSA-Sig-Value. */
static size_t ecdsa_der(uint8_t *out, const uint8_t *sig, size_t len)
{
	uint8_t body[300];
	size_t n = der_uint(body, 0, sig, len / 2);

	n = der_uint(body, n, sig + len / 2, len / 2);
	return tlv(out, 0, 0x30, body, n);
}

/* The public key of a session pair as a DER SPKI in pub.der. */
static int export_public(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE pub, CK_KEY_TYPE kt)
{
	uint8_t a[600], b[600], key[1200], alg[64], out[1400];
	long al, bl;
	size_t n = 0, algn = 0;

	if (kt == CKK_RSA) {
		al = attr(s, pub, CKA_MODULUS, a, sizeof a, NULL);
		bl = attr(s, pub, CKA_PUBLIC_EXPONENT, b, sizeof b, NULL);
		if (al <= 0 || bl <= 0)
			return -1;
		n = der_uint(out, 0, a, (size_t)al);
		n = der_uint(out, n, b, (size_t)bl);
		n = tlv(key, 0, 0x30, out, n);
		n = spki(out, alg_rsa, sizeof alg_rsa, key, n);
	} else if (kt == CKK_EC || kt == CKK_EC_EDWARDS) {
		al = attr(s, pub, CKA_EC_PARAMS, a, sizeof a, NULL);
		bl = attr(s, pub, CKA_EC_POINT, b, sizeof b, NULL);
		if (al <= 0 || bl < 2 || b[0] != 0x04)
			return -1;
		/* the point is inside the DER OCTET STRING of CKA_EC_POINT */
		if (kt == CKK_EC) {
			memcpy(alg, alg_ec, sizeof alg_ec);
			memcpy(alg + sizeof alg_ec, a, (size_t)al);
			algn = sizeof alg_ec + (size_t)al;
		} else {
			memcpy(alg, a, (size_t)al);     /* id-Ed25519 / id-Ed448, no parameters */
			algn = (size_t)al;
		}
		n = spki(out, alg, algn, b + (b[1] == 0x81 ? 3 : 2),
			 (size_t)bl - (b[1] == 0x81 ? 3 : 2));
	} else {
		/* GOST R 34.10-2012: algorithm parameters SEQUENCE { paramset OID } (RFC 9215),
		 * the key an OCTET STRING of x || y */
		uint8_t params[64], os[200];
		long pl = attr(s, pub, CKA_GOSTR3410_PARAMS, params, sizeof params, NULL);
		size_t ol;

		bl = attr(s, pub, CKA_VALUE, b, sizeof b, NULL);
		if (pl <= 0 || bl <= 0)
			return -1;
		algn = kt == CKK_GOSTR3410 ? sizeof alg_g256 : sizeof alg_g512;
		memcpy(alg, kt == CKK_GOSTR3410 ? alg_g256 : alg_g512, algn);
		algn = tlv(alg, algn, 0x30, params, (size_t)pl);
		ol = tlv(os, 0, 0x04, b, (size_t)bl);
		n = spki(out, alg, algn, os, ol);
	}
	return api_put_file(tmp, "pub.der", out, n);
}

static CK_RV sign(CK_SESSION_HANDLE s, CK_MECHANISM *m, CK_OBJECT_HANDLE k, const uint8_t *d,
		  size_t n, uint8_t *sig, CK_ULONG *slen)
{
	CK_RV rv = f->C_SignInit(s, m, k);

	if (rv != CKR_OK)
		return rv;
	return f->C_Sign(s, (CK_BYTE_PTR)d, n, sig, slen);
}

static CK_RV verify(CK_SESSION_HANDLE s, CK_MECHANISM *m, CK_OBJECT_HANDLE k, const uint8_t *d,
		    size_t n, uint8_t *sig, CK_ULONG slen)
{
	CK_RV rv = f->C_VerifyInit(s, m, k);

	if (rv != CKR_OK)
		return rv;
	return f->C_Verify(s, (CK_BYTE_PTR)d, n, sig, slen);
}

/* Sign msg with mech, verify with the module, then flip a bit: the module refuses it. */
static int sign_check(CK_SESSION_HANDLE s, const char *name, CK_MECHANISM *m,
		      CK_OBJECT_HANDLE pub, CK_OBJECT_HANDLE priv, uint8_t *sig, CK_ULONG *slen)
{
	CK_ULONG cap = *slen;
	CK_RV rv = sign(s, m, priv, msg, sizeof msg - 1, sig, slen);

	is_rv(rv, CKR_OK, "%s: C_Sign with the session private key", name);
	if (rv != CKR_OK)
		return -1;
	ok(*slen <= cap, "%s: a signature of %lu bytes", name, *slen);
	is_rv(verify(s, m, pub, msg, sizeof msg - 1, sig, *slen), CKR_OK,
	      "%s: the module verifies it", name);
	sig[*slen / 2] ^= 0x01;
	is_rv(verify(s, m, pub, msg, sizeof msg - 1, sig, *slen), CKR_SIGNATURE_INVALID,
	      "%s: ... and refuses it with one bit changed", name);
	sig[*slen / 2] ^= 0x01;
	return api_put_file(tmp, "data.bin", msg, sizeof msg - 1) == 0 &&
		       api_put_file(tmp, "sig.bin", sig, *slen) == 0 ? 0 : -1;
}

/* The attributes every generated pair has (PKCS #11 3.2, 4.7-4.9). */
static void common_attrs(CK_SESSION_HANDLE s, const char *name, CK_OBJECT_HANDLE pub,
			 CK_OBJECT_HANDLE priv, CK_MECHANISM_TYPE gen)
{
	uint8_t id[16];

	ok(abool(s, pub, CKA_TOKEN) == 0 && abool(s, priv, CKA_TOKEN) == 0,
	   "%s: both halves are session objects", name);
	ok(abool(s, pub, CKA_LOCAL) == 1 && abool(s, priv, CKA_LOCAL) == 1,
	   "%s: CKA_LOCAL true on both", name);
	ok(aulong(s, pub, CKA_KEY_GEN_MECHANISM) == gen &&
	   aulong(s, priv, CKA_KEY_GEN_MECHANISM) == gen, "%s: CKA_KEY_GEN_MECHANISM", name);
	ok(abool(s, priv, CKA_SENSITIVE) == 1 && abool(s, priv, CKA_ALWAYS_SENSITIVE) == 1,
	   "%s: sensitive, and always was", name);
	ok(abool(s, priv, CKA_EXTRACTABLE) == 0 && abool(s, priv, CKA_NEVER_EXTRACTABLE) == 1,
	   "%s: not extractable, and never was", name);
	ok(abool(s, priv, CKA_PRIVATE) == 1, "%s: the private key is a private object", name);
	ok(attr(s, pub, CKA_ID, id, sizeof id, NULL) == 2 &&
	   attr(s, priv, CKA_ID, id, sizeof id, NULL) == 2 && id[0] == 0x55,
	   "%s: the private half has the public template's CKA_ID", name);
}

static const CK_BYTE kid[2] = { 0x55, 0x01 };

/* The private template of every pair: sensitive, sign (and decrypt for RSA). */
#define PRIV_TMPL(extra...) { ATTR(CKA_TOKEN, no), ATTR(CKA_SIGN, yes), \
			      ATTR(CKA_SENSITIVE, yes), ATTR(CKA_EXTRACTABLE, no), ##extra }

static void rsa_pair(CK_SESSION_HANDLE s)
{
	CK_MECHANISM gen = { CKM_RSA_PKCS_KEY_PAIR_GEN, NULL, 0 };
	CK_ULONG bits = 2048;
	CK_BYTE e[3] = { 1, 0, 1 }, buf[600];
	CK_ATTRIBUTE pt[] = { ATTR(CKA_TOKEN, no), ATTR(CKA_MODULUS_BITS, bits),
			      ATTR(CKA_PUBLIC_EXPONENT, e), ATTR(CKA_VERIFY, yes),
			      ATTR(CKA_ENCRYPT, yes), { CKA_ID, (void *)kid, sizeof kid } };
	CK_ATTRIBUTE st[] = PRIV_TMPL(ATTR(CKA_DECRYPT, yes));
	CK_OBJECT_HANDLE pub = 0, priv = 0;
	CK_MECHANISM m = { CKM_SHA256_RSA_PKCS, NULL, 0 };
	CK_RSA_PKCS_PSS_PARAMS pss = { CKM_SHA256, CKG_MGF1_SHA256, 32 };
	CK_MECHANISM mp = { CKM_SHA256_RSA_PKCS_PSS, &pss, sizeof pss };
	CK_RSA_PKCS_OAEP_PARAMS oaep = { CKM_SHA256, CKG_MGF1_SHA256, CKZ_DATA_SPECIFIED, NULL, 0 };
	CK_MECHANISM mo = { CKM_RSA_PKCS_OAEP, &oaep, sizeof oaep };
	CK_MECHANISM m1 = { CKM_RSA_PKCS, NULL, 0 };
	CK_MECHANISM mx = { CKM_RSA_X_509, NULL, 0 };
	uint8_t sig[512], ct[512], pt_out[512];
	CK_ULONG slen = sizeof sig, olen;
	CK_RV rv;
	long n;

	rv = f->C_GenerateKeyPair(s, &gen, pt, 6, st, 5, &pub, &priv);
	is_rv(rv, CKR_OK, "RSA-2048: C_GenerateKeyPair of a session pair");
	if (rv != CKR_OK)
		return;
	common_attrs(s, "RSA-2048", pub, priv, CKM_RSA_PKCS_KEY_PAIR_GEN);
	is_ulong(attr(s, pub, CKA_MODULUS, buf, sizeof buf, NULL), 256,
		 "RSA-2048: a 256-byte CKA_MODULUS");
	ok(buf[0] & 0x80, "... of 2048 bits");
	is_ulong(aulong(s, pub, CKA_MODULUS_BITS), 2048, "RSA-2048: CKA_MODULUS_BITS");
	ok(attr(s, pub, CKA_PUBLIC_EXPONENT, buf, sizeof buf, NULL) == 3 && buf[0] == 1 &&
	   buf[1] == 0 && buf[2] == 1, "RSA-2048: CKA_PUBLIC_EXPONENT 65537");
	ok(attr(s, priv, CKA_MODULUS, buf, sizeof buf, NULL) == 256,
	   "RSA-2048: the private key's modulus is readable");
	attr(s, priv, CKA_PRIVATE_EXPONENT, buf, sizeof buf, &rv);
	is_rv(rv, CKR_ATTRIBUTE_SENSITIVE, "RSA-2048: CKA_PRIVATE_EXPONENT is sensitive");
	attr(s, priv, CKA_PRIME_1, buf, sizeof buf, &rv);
	is_rv(rv, CKR_ATTRIBUTE_SENSITIVE, "RSA-2048: CKA_PRIME_1 too");
	ok(export_public(s, pub, CKK_RSA) == 0, "RSA-2048: the public key as DER");

	if (sign_check(s, "SHA256-RSA-PKCS", &m, pub, priv, sig, &slen) == 0)
		is_ulong(run("cd %s && openssl dgst -sha256 -keyform DER -verify pub.der "
			     "-signature sig.bin data.bin >out.txt 2>&1", tmp), 0,
			 "SHA256-RSA-PKCS: openssl (another process) verifies the signature");
	slen = sizeof sig;
	if (sign_check(s, "SHA256-RSA-PKCS-PSS", &mp, pub, priv, sig, &slen) == 0)
		is_ulong(run("cd %s && openssl dgst -sha256 -keyform DER -verify pub.der "
			     "-sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:32 "
			     "-signature sig.bin data.bin >out.txt 2>&1", tmp), 0,
			 "SHA256-RSA-PKCS-PSS: openssl verifies the signature");
	slen = sizeof sig;
	if (sign_check(s, "RSA-PKCS (raw T)", &m1, pub, priv, sig, &slen) == 0)
		is_ulong(run("cd %s && openssl pkeyutl -verifyrecover -pubin -keyform DER "
			     "-inkey pub.der -in sig.bin -out rec.bin >out.txt 2>&1 && "
			     "cmp -s rec.bin data.bin", tmp), 0,
			 "RSA-PKCS: openssl recovers the signed data");
	slen = sizeof sig;
	memset(ct, 0, 256);
	memcpy(ct + 256 - 20, msg, 20);
	if (sign(s, &mx, priv, ct, 256, sig, &slen) == CKR_OK) {
		api_put_file(tmp, "sig.bin", sig, slen);
		api_put_file(tmp, "blk.bin", ct, 256);
		is_ulong(run("cd %s && openssl pkeyutl -verifyrecover -pubin -keyform DER "
			     "-inkey pub.der -pkeyopt rsa_padding_mode:none -in sig.bin "
			     "-out rec.bin >out.txt 2>&1 && cmp -s rec.bin blk.bin", tmp), 0,
			 "RSA-X-509: openssl recovers the raw block");
	} else {
		ok(0, "RSA-X-509: C_Sign");
	}

	/* openssl encrypts, the module decrypts */
	api_put_file(tmp, "msg.bin", msg, 16);
	if (run("cd %s && openssl pkeyutl -encrypt -pubin -keyform DER -inkey pub.der "
		"-in msg.bin -out ct.bin >out.txt 2>&1", tmp) == 0 &&
	    (n = get("ct.bin", ct, sizeof ct)) == 256) {
		olen = sizeof pt_out;
		is_rv(f->C_DecryptInit(s, &m1, priv), CKR_OK, "RSA-PKCS: C_DecryptInit");
		is_rv(f->C_Decrypt(s, ct, 256, pt_out, &olen), CKR_OK,
		      "RSA-PKCS: C_Decrypt of openssl's ciphertext");
		ok(olen == 16 && memcmp(pt_out, msg, 16) == 0, "... gives the plaintext");
		ct[100] ^= 0x40;
		olen = sizeof pt_out;
		f->C_DecryptInit(s, &m1, priv);
		rv = f->C_Decrypt(s, ct, 256, pt_out, &olen);
		/* OpenSSL's implicit rejection is not used here: the padding check is the
		 * module's constant-time one, which answers with the code */
		ok(rv == CKR_ENCRYPTED_DATA_INVALID || (rv == CKR_OK && (olen != 16 ||
		   memcmp(pt_out, msg, 16) != 0)),
		   "RSA-PKCS: a changed ciphertext does not give the plaintext");
	} else {
		ok(0, "openssl pkeyutl -encrypt");
	}
	if (run("cd %s && openssl pkeyutl -encrypt -pubin -keyform DER -inkey pub.der "
		"-pkeyopt rsa_padding_mode:oaep -pkeyopt rsa_oaep_md:sha256 "
		"-pkeyopt rsa_mgf1_md:sha256 -in msg.bin -out ct.bin >out.txt 2>&1", tmp) == 0 &&
	    get("ct.bin", ct, sizeof ct) == 256) {
		olen = sizeof pt_out;
		is_rv(f->C_DecryptInit(s, &mo, priv), CKR_OK, "RSA-OAEP: C_DecryptInit");
		is_rv(f->C_Decrypt(s, ct, 256, pt_out, &olen), CKR_OK,
		      "RSA-OAEP (SHA-256): C_Decrypt of openssl's ciphertext");
		ok(olen == 16 && memcmp(pt_out, msg, 16) == 0, "... gives the plaintext");
		ct[7] ^= 0x01;
		olen = sizeof pt_out;
		f->C_DecryptInit(s, &mo, priv);
		is_rv(f->C_Decrypt(s, ct, 256, pt_out, &olen), CKR_ENCRYPTED_DATA_INVALID,
		      "RSA-OAEP: a changed ciphertext is CKR_ENCRYPTED_DATA_INVALID");
	} else {
		ok(0, "openssl pkeyutl -encrypt OAEP");
	}
	/* and the module's own encryption round trip */
	olen = sizeof ct;
	is_rv(f->C_EncryptInit(s, &mo, pub), CKR_OK, "RSA-OAEP: C_EncryptInit");
	is_rv(f->C_Encrypt(s, (CK_BYTE_PTR)msg, 20, ct, &olen), CKR_OK, "RSA-OAEP: C_Encrypt");
	slen = sizeof pt_out;
	f->C_DecryptInit(s, &mo, priv);
	ok(f->C_Decrypt(s, ct, olen, pt_out, &slen) == CKR_OK && slen == 20 &&
	   memcmp(pt_out, msg, 20) == 0, "RSA-OAEP: the module decrypts its own ciphertext");

	/* the key's usage and type */
	{
		CK_MECHANISM ec = { CKM_ECDSA, NULL, 0 };

		is_rv(f->C_SignInit(s, &ec, priv), CKR_KEY_TYPE_INCONSISTENT,
		      "an RSA key with CKM_ECDSA: CKR_KEY_TYPE_INCONSISTENT");
	}
	is_rv(f->C_DestroyObject(s, priv), CKR_OK, "RSA-2048: C_DestroyObject of the private key");
	is_rv(f->C_SignInit(s, &m, priv), CKR_KEY_HANDLE_INVALID, "... and it is gone");
	f->C_DestroyObject(s, pub);
}

struct ec_case {
	const char *name;
	CK_BYTE *params;
	size_t params_len;
	CK_MECHANISM_TYPE mech;
	const char *md;
	size_t half;
};

static void ec_pair(CK_SESSION_HANDLE s, const struct ec_case *c)
{
	CK_MECHANISM gen = { CKM_EC_KEY_PAIR_GEN, NULL, 0 };
	CK_ATTRIBUTE pt[] = { ATTR(CKA_TOKEN, no), { CKA_EC_PARAMS, c->params, c->params_len },
			      ATTR(CKA_VERIFY, yes), { CKA_ID, (void *)kid, sizeof kid } };
	CK_ATTRIBUTE st[] = PRIV_TMPL();
	CK_OBJECT_HANDLE pub = 0, priv = 0;
	CK_MECHANISM m = { c->mech, NULL, 0 };
	uint8_t buf[300], sig[300], der[300];
	CK_ULONG slen = sizeof sig;
	CK_RV rv;
	long n;

	rv = f->C_GenerateKeyPair(s, &gen, pt, 4, st, 4, &pub, &priv);
	is_rv(rv, CKR_OK, "%s: C_GenerateKeyPair of a session pair", c->name);
	if (rv != CKR_OK)
		return;
	common_attrs(s, c->name, pub, priv, CKM_EC_KEY_PAIR_GEN);
	n = attr(s, pub, CKA_EC_POINT, buf, sizeof buf, NULL);
	ok(n == (long)(2 * c->half + 1 + (2 * c->half + 1 < 128 ? 2 : 3)) && buf[0] == 0x04 &&
	   buf[n - (long)(2 * c->half) - 1] == 0x04,
	   "%s: CKA_EC_POINT is the uncompressed point in a DER OCTET STRING", c->name);
	ok(attr(s, priv, CKA_EC_PARAMS, buf, sizeof buf, NULL) == (long)c->params_len &&
	   memcmp(buf, c->params, c->params_len) == 0, "%s: the private key's CKA_EC_PARAMS",
	   c->name);
	attr(s, priv, CKA_VALUE, buf, sizeof buf, &rv);
	is_rv(rv, CKR_ATTRIBUTE_SENSITIVE, "%s: the private CKA_VALUE is sensitive", c->name);
	ok(export_public(s, pub, CKK_EC) == 0, "%s: the public key as DER", c->name);
	if (sign_check(s, c->name, &m, pub, priv, sig, &slen) == 0) {
		is_ulong(slen, 2 * c->half, "%s: r || s", c->name);
		api_put_file(tmp, "sig.bin", der, ecdsa_der(der, sig, slen));
		is_ulong(run("cd %s && openssl dgst -%s -keyform DER -verify pub.der "
			     "-signature sig.bin data.bin >out.txt 2>&1", tmp, c->md), 0,
			 "%s: openssl (another process) verifies the signature", c->name);
	}
	f->C_DestroyObject(s, pub);
	f->C_DestroyObject(s, priv);
}

static void gost_pair(CK_SESSION_HANDLE s, int is512)
{
	const char *name = is512 ? "GOST 2012-512" : "GOST 2012-256";
	CK_MECHANISM gen = { is512 ? CKM_GOSTR3410_512_KEY_PAIR_GEN : CKM_GOSTR3410_KEY_PAIR_GEN,
			     NULL, 0 };
	CK_ATTRIBUTE pt[] = { ATTR(CKA_TOKEN, no),
			      { CKA_GOSTR3410_PARAMS, is512 ? oid_tc26_512a : oid_tc26_256b,
				is512 ? sizeof oid_tc26_512a : sizeof oid_tc26_256b },
			      { CKA_GOSTR3411_PARAMS, is512 ? oid_h512 : oid_h256,
				is512 ? sizeof oid_h512 : sizeof oid_h256 },
			      ATTR(CKA_VERIFY, yes), { CKA_ID, (void *)kid, sizeof kid } };
	CK_ATTRIBUTE st[] = PRIV_TMPL();
	CK_OBJECT_HANDLE pub = 0, priv = 0;
	CK_MECHANISM m = { is512 ? CKM_GOSTR3410_WITH_GOSTR3411_12_512
				 : CKM_GOSTR3410_WITH_GOSTR3411_12_256, NULL, 0 };
	size_t size = is512 ? 64 : 32;
	uint8_t buf[300], sig[300];
	CK_ULONG slen = sizeof sig;
	CK_RV rv;

	rv = f->C_GenerateKeyPair(s, &gen, pt, 5, st, 4, &pub, &priv);
	is_rv(rv, CKR_OK, "%s: C_GenerateKeyPair of a session pair", name);
	if (rv != CKR_OK)
		return;
	common_attrs(s, name, pub, priv, gen.mechanism);
	is_ulong(attr(s, pub, CKA_VALUE, buf, sizeof buf, NULL), 2 * size,
		 "%s: the public CKA_VALUE is x || y", name);
	ok(attr(s, priv, CKA_GOSTR3410_PARAMS, buf, sizeof buf, NULL) == (long)pt[1].ulValueLen,
	   "%s: the private key has the parameter set", name);
	attr(s, priv, CKA_VALUE, buf, sizeof buf, &rv);
	is_rv(rv, CKR_ATTRIBUTE_SENSITIVE, "%s: the private CKA_VALUE is sensitive", name);
	if (sign_check(s, name, &m, pub, priv, sig, &slen) == 0) {
		is_ulong(slen, 2 * size, "%s: s || r", name);
		if (have_gost_engine) {
			export_public(s, pub, is512 ? CKK_GOSTR3410_512 : CKK_GOSTR3410);
			is_ulong(run("cd %s && openssl dgst -engine gost -%s -keyform DER "
				     "-verify pub.der -signature sig.bin data.bin >out.txt 2>&1",
				     tmp, is512 ? "md_gost12_512" : "md_gost12_256"), 0,
				 "%s: the gost engine (another process) verifies it", name);
		} else {
			ok(1, "# SKIP no gost engine for openssl");
		}
	}
	f->C_DestroyObject(s, pub);
	f->C_DestroyObject(s, priv);
}

static void ed_pair(CK_SESSION_HANDLE s, int is448)
{
	const char *name = is448 ? "Ed448" : "Ed25519";
	CK_MECHANISM gen = { CKM_EC_EDWARDS_KEY_PAIR_GEN, NULL, 0 };
	CK_ATTRIBUTE pt[] = { ATTR(CKA_TOKEN, no),
			      { CKA_EC_PARAMS, is448 ? oid_ed448 : oid_ed25519,
				is448 ? sizeof oid_ed448 : sizeof oid_ed25519 },
			      ATTR(CKA_VERIFY, yes), { CKA_ID, (void *)kid, sizeof kid } };
	CK_ATTRIBUTE st[] = PRIV_TMPL();
	CK_OBJECT_HANDLE pub = 0, priv = 0;
	CK_MECHANISM m = { CKM_EDDSA, NULL, 0 };
	size_t klen = is448 ? 57 : 32;
	uint8_t buf[300], sig[300];
	CK_ULONG slen = sizeof sig;
	CK_RV rv;

	rv = f->C_GenerateKeyPair(s, &gen, pt, 4, st, 4, &pub, &priv);
	is_rv(rv, CKR_OK, "%s: C_GenerateKeyPair of a session pair", name);
	if (rv != CKR_OK)
		return;
	common_attrs(s, name, pub, priv, CKM_EC_EDWARDS_KEY_PAIR_GEN);
	is_ulong(aulong(s, pub, CKA_KEY_TYPE), CKK_EC_EDWARDS, "%s: CKK_EC_EDWARDS", name);
	ok(attr(s, pub, CKA_EC_POINT, buf, sizeof buf, NULL) == (long)klen + 2 &&
	   buf[0] == 0x04 && buf[1] == klen,
	   "%s: CKA_EC_POINT is the %zu-byte key in a DER OCTET STRING", name, klen);
	attr(s, priv, CKA_VALUE, buf, sizeof buf, &rv);
	is_rv(rv, CKR_ATTRIBUTE_SENSITIVE, "%s: the private CKA_VALUE is sensitive", name);
	ok(export_public(s, pub, CKK_EC_EDWARDS) == 0, "%s: the public key as DER", name);
	if (sign_check(s, name, &m, pub, priv, sig, &slen) == 0) {
		is_ulong(slen, 2 * klen, "%s: R || S", name);
		is_ulong(run("cd %s && openssl pkeyutl -verify -pubin -keyform DER -inkey pub.der "
			     "-rawin -in data.bin -sigfile sig.bin >out.txt 2>&1", tmp), 0,
			 "%s: openssl (another process) verifies the signature", name);
	}
	{
		CK_MECHANISM ed_param = { CKM_EDDSA, buf, 8 };

		memset(buf, 0, 8);
		is_rv(f->C_SignInit(s, &ed_param, priv), CKR_MECHANISM_PARAM_INVALID,
		      "%s: a CK_EDDSA_PARAMS (the ctx/ph forms) is not taken", name);
	}
	is_rv(f->C_SignInit(s, &m, priv), CKR_OK, "%s: C_SignInit", name);
	is_rv(f->C_SignUpdate(s, (CK_BYTE_PTR)msg, 4), CKR_FUNCTION_NOT_SUPPORTED,
	      "%s: single-part only", name);
	f->C_DestroyObject(s, pub);
	f->C_DestroyObject(s, priv);
}

static void mechanisms(CK_SLOT_ID slot)
{
	static const struct {
		CK_MECHANISM_TYPE m;
		CK_FLAGS flags;
		CK_ULONG min, max;
	} want[] = {
		{ CKM_RSA_PKCS_KEY_PAIR_GEN, CKF_GENERATE_KEY_PAIR, 1024, 4096 },
		{ CKM_EC_KEY_PAIR_GEN, CKF_GENERATE_KEY_PAIR, 192, 521 },
		{ CKM_EC_EDWARDS_KEY_PAIR_GEN, CKF_GENERATE_KEY_PAIR, 255, 448 },
		/* the Rutoken family signs Ed25519 with its token keys: the token's sizes, as
		 * for RSA (runtime/mech.c mech_join); Ed448 session keys still sign (ed_pair) */
		{ CKM_EDDSA, CKF_SIGN | CKF_VERIFY, 255, 255 },
		{ CKM_RSA_PKCS_OAEP, CKF_ENCRYPT | CKF_DECRYPT, 0, 0 },
		{ CKM_RSA_PKCS_PSS, CKF_SIGN | CKF_VERIFY, 0, 0 },
		{ CKM_ECDSA, CKF_SIGN | CKF_VERIFY, 0, 0 },
	};
	CK_MECHANISM_INFO info;
	size_t i;

	for (i = 0; i < sizeof want / sizeof want[0]; i++) {
		memset(&info, 0, sizeof info);
		is_rv(f->C_GetMechanismInfo(slot, want[i].m, &info), CKR_OK,
		      "C_GetMechanismInfo(%s)", sk_name(SK_FAM_CKM, want[i].m));
		ok((info.flags & want[i].flags) == want[i].flags &&
		   (want[i].min == 0 || (info.ulMinKeySize == want[i].min &&
					 info.ulMaxKeySize == want[i].max)),
		   "... the host's operations%s", want[i].min ? " and key sizes" : "");
	}
}

int main(int argc, char **argv)
{
	static const struct ec_case ecs[] = {
		{ "ECDSA-SHA256 P-256", oid_p256, sizeof oid_p256, CKM_ECDSA_SHA256, "sha256", 32 },
		{ "ECDSA-SHA384 P-384", oid_p384, sizeof oid_p384, CKM_ECDSA_SHA384, "sha384", 48 },
		{ "ECDSA-SHA512 P-521", oid_p521, sizeof oid_p521, CKM_ECDSA_SHA512, "sha512", 66 },
	};
	CK_SLOT_ID slot = 0;
	CK_SESSION_HANDLE s = 0;
	size_t i;

	api_rig(argv, 1);
	if (mkdtemp(tmp) == NULL) {
		printf("Bail out! mkdtemp\n");
		return 255;
	}
	have_gost_engine = run("openssl engine gost >/dev/null 2>&1") == 0;
	f = api_module();
	is_rv(f->C_Initialize(NULL), CKR_OK, "C_Initialize");
	is_rv(api_slot_of(f, 0, &slot), CKR_OK, "the token's slot");
	is_rv(api_prepare_token(f, slot, "t5501"), CKR_OK, "C_InitToken and C_InitPIN");
	is_rv(f->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &s), CKR_OK,
	      "a R/O session: session objects need no more");
	is_rv(f->C_Login(s, CKU_USER, API_PIN(API_USER_PIN)), CKR_OK, "user login");

	mechanisms(slot);
	rsa_pair(s);
	for (i = 0; i < sizeof ecs / sizeof ecs[0]; i++)
		ec_pair(s, &ecs[i]);
	gost_pair(s, 0);
	gost_pair(s, 1);
	ed_pair(s, 0);
	ed_pair(s, 1);

	is_rv(f->C_CloseSession(s), CKR_OK, "close the session");
	is_rv(f->C_Finalize(NULL), CKR_OK, "C_Finalize");
	run("rm -rf %s", tmp);
	return done_testing();
}
