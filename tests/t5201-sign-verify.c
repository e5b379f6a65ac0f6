/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t5201 — signing, verification, decryption and encryption through the PKCS#11 API with
 * keys generated on a virtual token in the rig.
 *
 * Every signing mechanism of the issue: the module signs (the raw primitive on the token),
 * verifies its own signature, refuses it once damaged, and the signature is verified
 * independently: RSA and ECDSA by OpenSSL in this process from the public key's attributes,
 * GOST R 34.10 by the gost engine in a separate `openssl` process. Decryption: ciphertexts
 * made by OpenSSL (PKCS#1 v1.5, OAEP with SHA-1 and SHA-256 and a label). The operation
 * rules (active, not initialised, mixing one-shot and multi-part, errors ending the
 * operation, size queries, key checks) and the APDU count of a warm RSA signature.
 */
#include "api/api.h"
#include "api/token.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>

static CK_FUNCTION_LIST_PTR f;
static CK_SESSION_HANDLE s;
static char tmp[] = "/tmp/t5201-XXXXXX";
static int have_gost_engine;

static const CK_BBOOL yes = CK_TRUE;

enum { K_RSA, K_GOST01, K_GOST12, K_GOST512, K_EC, K_N };
static const char *const kname[K_N] = { "RSA-2048", "GOST 2001", "GOST 2012-256",
					"GOST 2012-512", "ECDSA P-256" };
static CK_OBJECT_HANDLE pub[K_N], priv[K_N];

/* DER OIDs */
static const uint8_t oid_cp_a[] = { 0x06, 0x07, 0x2a, 0x85, 0x03, 0x02, 0x02, 0x23, 0x01 };
static const uint8_t oid_tc26_256a[] = { 0x06, 0x09, 0x2a, 0x85, 0x03, 0x07, 0x01, 0x02, 0x01,
					 0x01, 0x01 };
static const uint8_t oid_tc26_512a[] = { 0x06, 0x09, 0x2a, 0x85, 0x03, 0x07, 0x01, 0x02, 0x01,
					 0x02, 0x01 };
static const uint8_t oid_h94[] = { 0x06, 0x07, 0x2a, 0x85, 0x03, 0x02, 0x02, 0x1e, 0x01 };
static const uint8_t oid_h256[] = { 0x06, 0x08, 0x2a, 0x85, 0x03, 0x07, 0x01, 0x01, 0x02, 0x02 };
static const uint8_t oid_h512[] = { 0x06, 0x08, 0x2a, 0x85, 0x03, 0x07, 0x01, 0x01, 0x02, 0x03 };
static const uint8_t oid_p256[] = { 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07 };
/* SubjectPublicKeyInfo algorithms of the gost engine */
static const uint8_t alg_2001[] = { 0x06, 0x06, 0x2a, 0x85, 0x03, 0x02, 0x02, 0x13 };
static const uint8_t alg_2012_256[] = { 0x06, 0x08, 0x2a, 0x85, 0x03, 0x07, 0x01, 0x01, 0x01,
					0x01 };
static const uint8_t alg_2012_512[] = { 0x06, 0x08, 0x2a, 0x85, 0x03, 0x07, 0x01, 0x01, 0x01,
					0x02 };

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

static CK_ULONG attr(CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE t, uint8_t *buf, CK_ULONG cap)
{
	CK_ATTRIBUTE a = { t, buf, cap };

	if (f->C_GetAttributeValue(s, o, &a, 1) != CKR_OK)
		return 0;
	return a.ulValueLen;
}

/* The private key with CKA_ID id (private objects may get new handles at each login). */
static CK_OBJECT_HANDLE find_priv(const char *id)
{
	CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
	CK_ATTRIBUTE t[] = { { CKA_CLASS, &cls, sizeof cls }, { CKA_ID, (void *)id, strlen(id) } };
	CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
	CK_ULONG n = 0;

	if (f->C_FindObjectsInit(s, t, 2) != CKR_OK)
		return CK_INVALID_HANDLE;
	if (f->C_FindObjects(s, &h, 1, &n) != CKR_OK || n != 1)
		h = CK_INVALID_HANDLE;
	f->C_FindObjectsFinal(s);
	return h;
}

/* --- key generation ------------------------------------------------------------------ */

static void gen(int k, const char *id)
{
	CK_MECHANISM m = { CKM_RSA_PKCS_KEY_PAIR_GEN, NULL, 0 };
	CK_ULONG bits = 2048;
	static const uint8_t e[] = { 1, 0, 1 };
	CK_ATTRIBUTE pt[8] = {
		{ CKA_TOKEN, (void *)&yes, 1 }, { CKA_VERIFY, (void *)&yes, 1 },
		{ CKA_ID, (void *)id, strlen(id) }, { CKA_ENCRYPT, (void *)&yes, 1 },
	};
	CK_ATTRIBUTE st[8] = {
		{ CKA_TOKEN, (void *)&yes, 1 }, { CKA_PRIVATE, (void *)&yes, 1 },
		{ CKA_SIGN, (void *)&yes, 1 }, { CKA_ID, (void *)id, strlen(id) },
	};
	CK_ULONG np = 3, ns = 4;
	CK_RV rv;

	switch (k) {
	case K_RSA:
		pt[np++] = (CK_ATTRIBUTE){ CKA_ENCRYPT, (void *)&yes, 1 };
		pt[np++] = (CK_ATTRIBUTE){ CKA_MODULUS_BITS, &bits, sizeof bits };
		pt[np++] = (CK_ATTRIBUTE){ CKA_PUBLIC_EXPONENT, (void *)e, sizeof e };
		st[ns++] = (CK_ATTRIBUTE){ CKA_DECRYPT, (void *)&yes, 1 };
		break;
	case K_GOST01:
	case K_GOST12:
		m.mechanism = CKM_GOSTR3410_KEY_PAIR_GEN;
		if (k == K_GOST01) {
			pt[np++] = (CK_ATTRIBUTE){ CKA_GOSTR3410_PARAMS, (void *)oid_cp_a,
						   sizeof oid_cp_a };
			pt[np++] = (CK_ATTRIBUTE){ CKA_GOSTR3411_PARAMS, (void *)oid_h94,
						   sizeof oid_h94 };
		} else {
			pt[np++] = (CK_ATTRIBUTE){ CKA_GOSTR3410_PARAMS, (void *)oid_tc26_256a,
						   sizeof oid_tc26_256a };
			pt[np++] = (CK_ATTRIBUTE){ CKA_GOSTR3411_PARAMS, (void *)oid_h256,
						   sizeof oid_h256 };
		}
		break;
	case K_GOST512:
		m.mechanism = CKM_GOSTR3410_512_KEY_PAIR_GEN;
		pt[np++] = (CK_ATTRIBUTE){ CKA_GOSTR3410_PARAMS, (void *)oid_tc26_512a,
					   sizeof oid_tc26_512a };
		pt[np++] = (CK_ATTRIBUTE){ CKA_GOSTR3411_PARAMS, (void *)oid_h512,
					   sizeof oid_h512 };
		break;
	case K_EC:
		m.mechanism = CKM_EC_KEY_PAIR_GEN;
		pt[np++] = (CK_ATTRIBUTE){ CKA_EC_PARAMS, (void *)oid_p256, sizeof oid_p256 };
		break;
	}
	rv = f->C_GenerateKeyPair(s, &m, pt, np, st, ns, &pub[k], &priv[k]);
	is_rv(rv, CKR_OK, "%s: C_GenerateKeyPair", kname[k]);
}

/* --- independent verification ------------------------------------------------------- */

static EVP_PKEY *ossl_pub(int k)
{
	uint8_t a[1024], b[16];
	CK_ULONG na, nb;
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *c = NULL;
	EVP_PKEY *pk = NULL;
	BIGNUM *n = NULL, *e = NULL;
	const uint8_t *pt = a;

	if (k == K_RSA) {
		na = attr(pub[k], CKA_MODULUS, a, sizeof a);
		nb = attr(pub[k], CKA_PUBLIC_EXPONENT, b, sizeof b);
		n = BN_bin2bn(a, (int)na, NULL);
		e = BN_bin2bn(b, (int)nb, NULL);
		if (!OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) ||
		    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e))
			goto out;
		c = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	} else {
		na = attr(pub[k], CKA_EC_POINT, a, sizeof a);
		if (na > 2 && a[0] == 0x04 && a[1] == na - 2) {   /* DER OCTET STRING */
			pt = a + 2;
			na -= 2;
		}
		if (!OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
						     "prime256v1", 0) ||
		    !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pt, na))
			goto out;
		c = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	}
	params = OSSL_PARAM_BLD_to_param(bld);
	if (c == NULL || params == NULL || EVP_PKEY_fromdata_init(c) != 1 ||
	    EVP_PKEY_fromdata(c, &pk, EVP_PKEY_PUBLIC_KEY, params) != 1)
		pk = NULL;
out:
	BN_free(n);
	BN_free(e);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	EVP_PKEY_CTX_free(c);
	return pk;
}

struct vparams {
	int pad;                /* RSA padding, 0 for EC */
	const char *md;         /* NULL: the data is the hash (raw mechanism) */
	const char *mgf;
	int slen;
};

/* OpenSSL verifies sig over data (hashing it when md is set). */
static int ossl_verify(int k, const struct vparams *vp, const uint8_t *data, size_t len,
		       const uint8_t *sig, size_t siglen)
{
	EVP_PKEY *pk = ossl_pub(k);
	EVP_PKEY_CTX *c = NULL;
	uint8_t der[160], h[64];
	unsigned hl = 0;
	const uint8_t *in = data;
	size_t in_len = len, dl = 0;
	ECDSA_SIG *es = NULL;
	unsigned char *dp = der;
	int r = -1;

	if (pk == NULL)
		return -1;
	if (vp->md != NULL) {
		if (!EVP_Digest(data, len, h, &hl, EVP_get_digestbyname(vp->md), NULL))
			goto out;
		in = h;
		in_len = hl;
	}
	c = EVP_PKEY_CTX_new(pk, NULL);
	if (c == NULL || EVP_PKEY_verify_init(c) != 1)
		goto out;
	if (k == K_RSA) {
		if (EVP_PKEY_CTX_set_rsa_padding(c, vp->pad) != 1)
			goto out;
		if (vp->md != NULL && vp->pad != RSA_NO_PADDING &&
		    EVP_PKEY_CTX_set_signature_md(c, EVP_get_digestbyname(vp->md)) != 1)
			goto out;
		/* raw PSS: the data is a hash of the MGF's algorithm (the test's choice) */
		if (vp->md == NULL && vp->pad == RSA_PKCS1_PSS_PADDING &&
		    EVP_PKEY_CTX_set_signature_md(c, EVP_get_digestbyname(vp->mgf)) != 1)
			goto out;
		if (vp->pad == RSA_PKCS1_PSS_PADDING &&
		    (EVP_PKEY_CTX_set_rsa_mgf1_md(c, EVP_get_digestbyname(vp->mgf)) != 1 ||
		     EVP_PKEY_CTX_set_rsa_pss_saltlen(c, vp->slen) != 1))
			goto out;
		if (vp->pad == RSA_NO_PADDING) {
			/* X.509: recover and compare */
			uint8_t m[512];
			size_t ml = sizeof m;

			EVP_PKEY_CTX_free(c);
			c = EVP_PKEY_CTX_new(pk, NULL);
			r = c != NULL && EVP_PKEY_verify_recover_init(c) == 1 &&
			    EVP_PKEY_CTX_set_rsa_padding(c, RSA_NO_PADDING) == 1 &&
			    EVP_PKEY_verify_recover(c, m, &ml, sig, siglen) == 1 && ml == in_len &&
			    memcmp(m, in, ml) == 0;
			goto out;
		}
		r = EVP_PKEY_verify(c, sig, siglen, in, in_len);
	} else {
		BIGNUM *br = BN_bin2bn(sig, (int)siglen / 2, NULL);
		BIGNUM *bs = BN_bin2bn(sig + siglen / 2, (int)siglen / 2, NULL);

		es = ECDSA_SIG_new();
		if (es == NULL || !ECDSA_SIG_set0(es, br, bs))
			goto out;
		dl = (size_t)i2d_ECDSA_SIG(es, &dp);
		r = EVP_PKEY_verify(c, der, dl, in, in_len);
	}
out:
	ECDSA_SIG_free(es);
	EVP_PKEY_CTX_free(c);
	EVP_PKEY_free(pk);
	return r;
}

/* DER TLV helper: appends tag, length, content to out; returns the new length. */
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

/* The GOST public key as the gost engine reads it (SubjectPublicKeyInfo, DER). */
static size_t gost_spki(int k, uint8_t *out)
{
	uint8_t value[300], params[64], algid[96], bits[300], os[300], body[400];
	const uint8_t *alg = k == K_GOST01 ? alg_2001 : k == K_GOST12 ? alg_2012_256 : alg_2012_512;
	size_t alg_len = k == K_GOST01 ? sizeof alg_2001 : sizeof alg_2012_256;
	CK_ULONG vl = attr(pub[k], CKA_VALUE, value, sizeof value);
	size_t pl = 0, al = 0, ol, bl, n = 0;

	if (k == K_GOST01) {
		memcpy(params, oid_cp_a, sizeof oid_cp_a);
		memcpy(params + sizeof oid_cp_a, oid_h94, sizeof oid_h94);
		pl = sizeof oid_cp_a + sizeof oid_h94;
	} else if (k == K_GOST12) {
		memcpy(params, oid_tc26_256a, sizeof oid_tc26_256a);
		pl = sizeof oid_tc26_256a;
	} else {
		memcpy(params, oid_tc26_512a, sizeof oid_tc26_512a);
		pl = sizeof oid_tc26_512a;
	}
	memcpy(algid, alg, alg_len);
	al = tlv(algid, alg_len, 0x30, params, pl);
	ol = tlv(os, 0, 0x04, value, vl);
	bits[0] = 0x00;
	memcpy(bits + 1, os, ol);
	n = tlv(body, 0, 0x30, algid, al);
	bl = tlv(body, n, 0x03, bits, ol + 1);
	return tlv(out, 0, 0x30, body, bl);
}

/* The gost engine, in another process, verifies sig over data (hashed with md, or raw). */
static int engine_verify(int k, const char *md, const uint8_t *data, size_t len,
			 const uint8_t *sig, size_t siglen)
{
	uint8_t spki[500];
	size_t n = gost_spki(k, spki);

	if (api_put_file(tmp, "pub.der", spki, n) || api_put_file(tmp, "data.bin", data, len) ||
	    api_put_file(tmp, "sig.bin", sig, siglen))
		return -1;
	if (md != NULL)
		return run("cd %s && openssl dgst -engine gost -%s -keyform DER -verify pub.der "
			   "-signature sig.bin data.bin >out.txt 2>&1", tmp, md);
	return run("cd %s && openssl pkeyutl -engine gost -verify -pubin -keyform DER "
		   "-inkey pub.der -in data.bin -sigfile sig.bin >out.txt 2>&1", tmp);
}

/* --- signatures ------------------------------------------------------------------------ */

struct sigcase {
	const char *name;
	CK_MECHANISM_TYPE mech;
	int key;
	void *param;
	CK_ULONG param_len;
	size_t data_len;        /* 0: a message; else raw input of this length */
	struct vparams vp;
	const char *engine_md;  /* GOST: the engine's digest for the hashed forms */
};

static const char msg[] = "The quick brown fox signs on a virtual Rutoken";

static void sign_case(const struct sigcase *c)
{
	CK_MECHANISM m = { c->mech, c->param, c->param_len };
	uint8_t data[512], sig[1024], sig2[1024];
	CK_ULONG len, dlen, slen, slen2;
	int indep;
	CK_RV rv;

	if (c->data_len == 0) {
		dlen = sizeof msg - 1;
		memcpy(data, msg, dlen);
	} else {
		dlen = c->data_len;
		f->C_GenerateRandom(s, data, dlen);
		if (c->mech == CKM_RSA_X_509)
			data[0] = 0x00;         /* below the modulus */
	}
	rv = f->C_SignInit(s, &m, priv[c->key]);
	if (!is_rv(rv, CKR_OK, "%s: C_SignInit", c->name))
		return;
	len = 0;
	is_rv(f->C_Sign(s, data, dlen, NULL, &len), CKR_OK, "%s: size query", c->name);
	slen = len - 1;
	is_rv(f->C_Sign(s, data, dlen, sig, &slen), CKR_BUFFER_TOO_SMALL,
	      "%s: a short buffer is CKR_BUFFER_TOO_SMALL and keeps the operation", c->name);
	slen = sizeof sig;
	is_rv(f->C_Sign(s, data, dlen, sig, &slen), CKR_OK, "%s: C_Sign", c->name);
	is_ulong(slen, len, "%s: the signature is as long as announced", c->name);
	slen2 = sizeof sig2;
	is_rv(f->C_Sign(s, data, dlen, sig2, &slen2), CKR_OPERATION_NOT_INITIALIZED,
	      "%s: C_Sign ended the operation", c->name);

	is_rv(f->C_VerifyInit(s, &m, pub[c->key]), CKR_OK, "%s: C_VerifyInit", c->name);
	is_rv(f->C_Verify(s, data, dlen, sig, slen), CKR_OK, "%s: the module verifies it",
	      c->name);
	sig[slen / 3] ^= 0x10;
	f->C_VerifyInit(s, &m, pub[c->key]);
	is_rv(f->C_Verify(s, data, dlen, sig, slen), CKR_SIGNATURE_INVALID,
	      "%s: damaged, it is CKR_SIGNATURE_INVALID", c->name);
	sig[slen / 3] ^= 0x10;
	f->C_VerifyInit(s, &m, pub[c->key]);
	is_rv(f->C_Verify(s, data, dlen, sig, slen - 1), CKR_SIGNATURE_LEN_RANGE,
	      "%s: shortened, it is CKR_SIGNATURE_LEN_RANGE", c->name);

	if (c->key == K_RSA || c->key == K_EC) {
		indep = ossl_verify(c->key, &c->vp, data, dlen, sig, slen);
		is_ulong(indep, 1, "%s: OpenSSL verifies the signature", c->name);
	} else if (have_gost_engine) {
		indep = engine_verify(c->key, c->engine_md, data, dlen, sig, slen);
		is_ulong(indep, 0, "%s: the gost engine (another process) verifies the signature",
			 c->name);
	}

	/* the same in parts: sign with Update/Final, verify with Update/Final */
	if (f->C_SignInit(s, &m, priv[c->key]) != CKR_OK)
		return;
	if (c->data_len != 0) {
		/* a mechanism without a hash signs in one part only */
		is_rv(f->C_SignUpdate(s, data, dlen), CKR_FUNCTION_NOT_SUPPORTED,
		      "%s: single-part only: C_SignUpdate is refused", c->name);
		slen2 = sizeof sig2;
		is_rv(f->C_Sign(s, data, dlen, sig2, &slen2), CKR_OPERATION_NOT_INITIALIZED,
		      "%s: ... an error: it ended the operation", c->name);
		is_rv(f->C_VerifyInit(s, &m, pub[c->key]), CKR_OK, "%s: C_VerifyInit", c->name);
		is_rv(f->C_VerifyUpdate(s, data, dlen), CKR_FUNCTION_NOT_SUPPORTED,
		      "%s: single-part only: C_VerifyUpdate is refused", c->name);
		is_rv(f->C_Verify(s, data, dlen, sig, slen), CKR_OPERATION_NOT_INITIALIZED,
		      "%s: ... an error: it ended the operation", c->name);
		return;
	}
	rv = f->C_SignUpdate(s, data, dlen / 2);
	if (rv == CKR_OK)
		rv = f->C_SignUpdate(s, data + dlen / 2, dlen - dlen / 2);
	slen2 = sizeof sig2;
	if (rv == CKR_OK)
		rv = f->C_SignFinal(s, sig2, &slen2);
	is_rv(rv, CKR_OK, "%s: multi-part signing", c->name);
	rv = f->C_VerifyInit(s, &m, pub[c->key]);
	if (rv == CKR_OK)
		rv = f->C_VerifyUpdate(s, data, 5);
	if (rv == CKR_OK)
		rv = f->C_VerifyUpdate(s, data + 5, dlen - 5);
	if (rv == CKR_OK)
		rv = f->C_VerifyFinal(s, sig2, slen2);
	is_rv(rv, CKR_OK, "%s: multi-part verification", c->name);
}

static void sign_cases(void)
{
	static CK_RSA_PKCS_PSS_PARAMS pss256 = { CKM_SHA256, CKG_MGF1_SHA256, 32 };
	static CK_RSA_PKCS_PSS_PARAMS pss1 = { CKM_SHA_1, CKG_MGF1_SHA1, 20 };
	static CK_RSA_PKCS_PSS_PARAMS pss384 = { CKM_SHA384, CKG_MGF1_SHA384, 48 };
	static CK_RSA_PKCS_PSS_PARAMS pss512 = { CKM_SHA512, CKG_MGF1_SHA512, 0 };
	static CK_RSA_PKCS_PSS_PARAMS pss224 = { CKM_SHA224, CKG_MGF1_SHA224, 28 };
	const struct sigcase cases[] = {
		{ "RSA PKCS#1 (raw)", CKM_RSA_PKCS, K_RSA, NULL, 0, 51,
		  { RSA_PKCS1_PADDING, NULL, NULL, 0 }, NULL },
		{ "RSA X.509", CKM_RSA_X_509, K_RSA, NULL, 0, 256,
		  { RSA_NO_PADDING, NULL, NULL, 0 }, NULL },
		{ "SHA1-RSA-PKCS", CKM_SHA1_RSA_PKCS, K_RSA, NULL, 0, 0,
		  { RSA_PKCS1_PADDING, "SHA1", NULL, 0 }, NULL },
		{ "SHA224-RSA-PKCS", CKM_SHA224_RSA_PKCS, K_RSA, NULL, 0, 0,
		  { RSA_PKCS1_PADDING, "SHA224", NULL, 0 }, NULL },
		{ "SHA256-RSA-PKCS", CKM_SHA256_RSA_PKCS, K_RSA, NULL, 0, 0,
		  { RSA_PKCS1_PADDING, "SHA256", NULL, 0 }, NULL },
		{ "SHA384-RSA-PKCS", CKM_SHA384_RSA_PKCS, K_RSA, NULL, 0, 0,
		  { RSA_PKCS1_PADDING, "SHA384", NULL, 0 }, NULL },
		{ "SHA512-RSA-PKCS", CKM_SHA512_RSA_PKCS, K_RSA, NULL, 0, 0,
		  { RSA_PKCS1_PADDING, "SHA512", NULL, 0 }, NULL },
		{ "RSA-PSS (raw, SHA-256)", CKM_RSA_PKCS_PSS, K_RSA, &pss256, sizeof pss256, 32,
		  { RSA_PKCS1_PSS_PADDING, NULL, "SHA256", 32 }, NULL },
		{ "SHA1-RSA-PSS", CKM_SHA1_RSA_PKCS_PSS, K_RSA, &pss1, sizeof pss1, 0,
		  { RSA_PKCS1_PSS_PADDING, "SHA1", "SHA1", 20 }, NULL },
		{ "SHA224-RSA-PSS", CKM_SHA224_RSA_PKCS_PSS, K_RSA, &pss224, sizeof pss224, 0,
		  { RSA_PKCS1_PSS_PADDING, "SHA224", "SHA224", 28 }, NULL },
		{ "SHA256-RSA-PSS", CKM_SHA256_RSA_PKCS_PSS, K_RSA, &pss256, sizeof pss256, 0,
		  { RSA_PKCS1_PSS_PADDING, "SHA256", "SHA256", 32 }, NULL },
		{ "SHA384-RSA-PSS", CKM_SHA384_RSA_PKCS_PSS, K_RSA, &pss384, sizeof pss384, 0,
		  { RSA_PKCS1_PSS_PADDING, "SHA384", "SHA384", 48 }, NULL },
		{ "SHA512-RSA-PSS (no salt)", CKM_SHA512_RSA_PKCS_PSS, K_RSA, &pss512,
		  sizeof pss512, 0, { RSA_PKCS1_PSS_PADDING, "SHA512", "SHA512", 0 }, NULL },
		{ "GOST 2001 (raw)", CKM_GOSTR3410, K_GOST01, NULL, 0, 32, { 0 }, NULL },
		{ "GOST 2001 with GOST R 34.11-94", CKM_GOSTR3410_WITH_GOSTR3411, K_GOST01, NULL, 0,
		  0, { 0 }, "md_gost94" },
		{ "GOST 2012-256 (raw)", CKM_GOSTR3410, K_GOST12, NULL, 0, 32, { 0 }, NULL },
		{ "GOST 2012-256 with Streebog-256", CKM_GOSTR3410_WITH_GOSTR3411_12_256, K_GOST12,
		  NULL, 0, 0, { 0 }, "md_gost12_256" },
		{ "GOST 2012-512 (raw)", CKM_GOSTR3410_512, K_GOST512, NULL, 0, 64, { 0 }, NULL },
		{ "GOST 2012-512 with Streebog-512", CKM_GOSTR3410_WITH_GOSTR3411_12_512,
		  K_GOST512, NULL, 0, 0, { 0 }, "md_gost12_512" },
		{ "ECDSA (raw)", CKM_ECDSA, K_EC, NULL, 0, 32, { 0 }, NULL },
		{ "ECDSA-SHA1", CKM_ECDSA_SHA1, K_EC, NULL, 0, 0, { 0, "SHA1", NULL, 0 }, NULL },
		{ "ECDSA-SHA224", CKM_ECDSA_SHA224, K_EC, NULL, 0, 0, { 0, "SHA224", NULL, 0 },
		  NULL },
		{ "ECDSA-SHA256", CKM_ECDSA_SHA256, K_EC, NULL, 0, 0, { 0, "SHA256", NULL, 0 },
		  NULL },
		{ "ECDSA-SHA384", CKM_ECDSA_SHA384, K_EC, NULL, 0, 0, { 0, "SHA384", NULL, 0 },
		  NULL },
		{ "ECDSA-SHA512", CKM_ECDSA_SHA512, K_EC, NULL, 0, 0, { 0, "SHA512", NULL, 0 },
		  NULL },
	};
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++)
		if (priv[cases[i].key] != CK_INVALID_HANDLE)
			sign_case(&cases[i]);
}

/* --- the operation rules ------------------------------------------------------------- */

static void rules(void)
{
	CK_MECHANISM m = { CKM_SHA256_RSA_PKCS, NULL, 0 };
	CK_MECHANISM raw = { CKM_RSA_PKCS, NULL, 0 };
	CK_MECHANISM des = { CKM_DES_ECB, NULL, 0 };
	CK_RSA_PKCS_PSS_PARAMS bad = { CKM_SHA384, CKG_MGF1_SHA256, 32 };
	CK_MECHANISM pss = { CKM_SHA256_RSA_PKCS_PSS, &bad, sizeof bad };
	uint8_t sig[512], big[300];
	CK_ULONG len = sizeof sig;

	is_rv(f->C_Sign(s, (CK_BYTE_PTR)msg, 5, sig, &len), CKR_OPERATION_NOT_INITIALIZED,
	      "C_Sign without C_SignInit");
	is_rv(f->C_SignInit(s, &m, priv[K_RSA]), CKR_OK, "C_SignInit");
	is_rv(f->C_SignInit(s, &m, priv[K_RSA]), CKR_OPERATION_ACTIVE,
	      "a second C_SignInit is CKR_OPERATION_ACTIVE");
	is_rv(f->C_SignUpdate(s, (CK_BYTE_PTR)msg, 5), CKR_OK, "C_SignUpdate");
	len = sizeof sig;
	is_rv(f->C_Sign(s, (CK_BYTE_PTR)msg, 5, sig, &len), CKR_OPERATION_ACTIVE,
	      "C_Sign after C_SignUpdate is CKR_OPERATION_ACTIVE");
	len = sizeof sig;
	is_rv(f->C_SignFinal(s, sig, &len), CKR_OPERATION_NOT_INITIALIZED,
	      "and that error ended the operation");

	is_rv(f->C_SignInit(s, &m, pub[K_RSA]), CKR_KEY_TYPE_INCONSISTENT,
	      "signing with a public key is CKR_KEY_TYPE_INCONSISTENT");
	if (priv[K_GOST12] != CK_INVALID_HANDLE)
		is_rv(f->C_SignInit(s, &m, priv[K_GOST12]), CKR_KEY_TYPE_INCONSISTENT,
		      "an RSA mechanism with a GOST key is CKR_KEY_TYPE_INCONSISTENT");
	is_rv(f->C_SignInit(s, &m, 0x7fff0000), CKR_KEY_HANDLE_INVALID,
	      "an unknown key is CKR_KEY_HANDLE_INVALID");
	is_rv(f->C_SignInit(s, &des, priv[K_RSA]), CKR_MECHANISM_INVALID,
	      "DES is CKR_MECHANISM_INVALID");
	is_rv(f->C_SignInit(s, &pss, priv[K_RSA]), CKR_MECHANISM_PARAM_INVALID,
	      "PSS whose hashAlg is not the mechanism's is CKR_MECHANISM_PARAM_INVALID");
	is_rv(f->C_VerifyInit(s, &m, priv[K_RSA]), CKR_KEY_TYPE_INCONSISTENT,
	      "verifying with a private key is CKR_KEY_TYPE_INCONSISTENT");

	/* an error in C_Sign ends the operation */
	is_rv(f->C_SignInit(s, &raw, priv[K_RSA]), CKR_OK, "C_SignInit (RSA PKCS)");
	memset(big, 1, sizeof big);
	len = sizeof sig;
	is_rv(f->C_Sign(s, big, 250, sig, &len), CKR_DATA_LEN_RANGE,
	      "more than k - 11 bytes is CKR_DATA_LEN_RANGE");
	len = sizeof sig;
	is_rv(f->C_Sign(s, big, 20, sig, &len), CKR_OPERATION_NOT_INITIALIZED,
	      "and ended the operation");

	/* usage flags: a pair generated with CKA_SIGN and CKA_VERIFY false */
	if (priv[K_EC] != CK_INVALID_HANDLE) {
		CK_MECHANISM gen = { CKM_EC_KEY_PAIR_GEN, NULL, 0 };
		CK_MECHANISM ecdsa = { CKM_ECDSA_SHA256, NULL, 0 };
		static const CK_BBOOL off = CK_FALSE;
		CK_ATTRIBUTE pt[] = { { CKA_TOKEN, (void *)&yes, 1 }, { CKA_VERIFY, (void *)&off, 1 },
				      { CKA_EC_PARAMS, (void *)oid_p256, sizeof oid_p256 },
				      { CKA_ID, "nosign", 6 } };
		CK_ATTRIBUTE st[] = { { CKA_TOKEN, (void *)&yes, 1 }, { CKA_PRIVATE, (void *)&yes, 1 },
				      { CKA_SIGN, (void *)&off, 1 }, { CKA_DERIVE, (void *)&yes, 1 },
				      { CKA_ID, "nosign", 6 } };
		CK_OBJECT_HANDLE hp, hs;

		if (is_rv(f->C_GenerateKeyPair(s, &gen, pt, 4, st, 5, &hp, &hs), CKR_OK,
			  "a P-256 pair that may neither sign nor verify")) {
			is_rv(f->C_SignInit(s, &ecdsa, hs), CKR_KEY_FUNCTION_NOT_PERMITTED,
			      "CKA_SIGN false: CKR_KEY_FUNCTION_NOT_PERMITTED");
			is_rv(f->C_VerifyInit(s, &ecdsa, hp), CKR_KEY_FUNCTION_NOT_PERMITTED,
			      "CKA_VERIFY false: CKR_KEY_FUNCTION_NOT_PERMITTED");
			f->C_DestroyObject(s, hs);
			f->C_DestroyObject(s, hp);
		}
		is_rv(f->C_DecryptInit(s, &ecdsa, priv[K_EC]), CKR_MECHANISM_INVALID,
		      "ECDSA is no decryption mechanism");
		is_rv(f->C_DecryptInit(s, &raw, priv[K_EC]), CKR_KEY_TYPE_INCONSISTENT,
		      "RSA decryption with an EC key is CKR_KEY_TYPE_INCONSISTENT");
		is_rv(f->C_EncryptInit(s, &ecdsa, pub[K_EC]), CKR_MECHANISM_INVALID,
		      "ECDSA is no encryption mechanism");
	}

	/* C_SignInit with a NULL mechanism ends the active operation (3.0) */
	is_rv(f->C_SignInit(s, &m, priv[K_RSA]), CKR_OK, "C_SignInit");
	is_rv(f->C_SignInit(s, NULL, CK_INVALID_HANDLE), CKR_OK,
	      "C_SignInit(NULL) ends it");
	is_rv(f->C_SignInit(s, &m, priv[K_RSA]), CKR_OK, "and a new one can start");
	f->C_SignInit(s, NULL, CK_INVALID_HANDLE);
}

/* --- decryption and encryption ------------------------------------------------------ */

static void crypt_cases(void)
{
	static const char label[] = "t5201 label";
	CK_RSA_PKCS_OAEP_PARAMS oaep1 = { CKM_SHA_1, CKG_MGF1_SHA1, 0, NULL, 0 };
	CK_RSA_PKCS_OAEP_PARAMS oaep256 = { CKM_SHA256, CKG_MGF1_SHA256, CKZ_DATA_SPECIFIED,
					    (void *)label, sizeof label - 1 };
	struct { const char *name; CK_MECHANISM m; int pad; const char *md; int lbl; } cs[] = {
		{ "RSA PKCS#1 v1.5", { CKM_RSA_PKCS, NULL, 0 }, RSA_PKCS1_PADDING, NULL, 0 },
		{ "RSA OAEP SHA-1", { CKM_RSA_PKCS_OAEP, &oaep1, sizeof oaep1 },
		  RSA_PKCS1_OAEP_PADDING, "SHA1", 0 },
		{ "RSA OAEP SHA-256 with a label", { CKM_RSA_PKCS_OAEP, &oaep256, sizeof oaep256 },
		  RSA_PKCS1_OAEP_PADDING, "SHA256", 1 },
	};
	uint8_t pt[64], ct[512], out[512];
	EVP_PKEY *pk = ossl_pub(K_RSA);
	EVP_PKEY_CTX *c;
	size_t i, cl;
	CK_ULONG ol;

	f->C_GenerateRandom(s, pt, sizeof pt);
	for (i = 0; i < sizeof cs / sizeof cs[0]; i++) {
		cl = sizeof ct;
		c = EVP_PKEY_CTX_new(pk, NULL);
		if (c == NULL || EVP_PKEY_encrypt_init(c) != 1 ||
		    EVP_PKEY_CTX_set_rsa_padding(c, cs[i].pad) != 1 ||
		    (cs[i].md != NULL &&
		     (EVP_PKEY_CTX_set_rsa_oaep_md(c, EVP_get_digestbyname(cs[i].md)) != 1 ||
		      EVP_PKEY_CTX_set_rsa_mgf1_md(c, EVP_get_digestbyname(cs[i].md)) != 1)) ||
		    (cs[i].lbl && EVP_PKEY_CTX_set0_rsa_oaep_label(
					  c, OPENSSL_memdup(label, sizeof label - 1),
					  (int)sizeof label - 1) != 1) ||
		    EVP_PKEY_encrypt(c, ct, &cl, pt, 40) != 1) {
			ok(0, "%s: OpenSSL encrypts", cs[i].name);
			EVP_PKEY_CTX_free(c);
			continue;
		}
		EVP_PKEY_CTX_free(c);
		is_rv(f->C_DecryptInit(s, &cs[i].m, priv[K_RSA]), CKR_OK, "%s: C_DecryptInit",
		      cs[i].name);
		ol = 0;
		is_rv(f->C_Decrypt(s, ct, cl, NULL, &ol), CKR_OK, "%s: size query", cs[i].name);
		ok(ol >= 40 && ol <= 256, "%s: a size that suffices (%lu)", cs[i].name, ol);
		ol = 10;
		is_rv(f->C_Decrypt(s, ct, cl, out, &ol), CKR_BUFFER_TOO_SMALL,
		      "%s: a short buffer is CKR_BUFFER_TOO_SMALL", cs[i].name);
		is_ulong(ol, 40, "%s: and gives the exact length", cs[i].name);
		ol = sizeof out;
		is_rv(f->C_Decrypt(s, ct, cl, out, &ol), CKR_OK, "%s: C_Decrypt of OpenSSL's "
		      "ciphertext", cs[i].name);
		ok(ol == 40 && memcmp(out, pt, 40) == 0, "%s: the plaintext", cs[i].name);

		/* damaged */
		ct[cl - 1] ^= 1;
		f->C_DecryptInit(s, &cs[i].m, priv[K_RSA]);
		ol = sizeof out;
		is_rv(f->C_Decrypt(s, ct, cl, out, &ol), CKR_ENCRYPTED_DATA_INVALID,
		      "%s: a damaged ciphertext is CKR_ENCRYPTED_DATA_INVALID", cs[i].name);
		f->C_DecryptInit(s, &cs[i].m, priv[K_RSA]);
		ol = sizeof out;
		is_rv(f->C_Decrypt(s, ct, cl - 1, out, &ol), CKR_ENCRYPTED_DATA_LEN_RANGE,
		      "%s: a short one is CKR_ENCRYPTED_DATA_LEN_RANGE", cs[i].name);

		/* the module encrypts with the public key, the token decrypts */
		ol = sizeof ct;
		is_rv(f->C_EncryptInit(s, &cs[i].m, pub[K_RSA]), CKR_OK, "%s: C_EncryptInit",
		      cs[i].name);
		is_rv(f->C_Encrypt(s, pt, 33, ct, &ol), CKR_OK, "%s: C_Encrypt", cs[i].name);
		cl = ol;
		ol = sizeof out;
		ok(f->C_DecryptInit(s, &cs[i].m, priv[K_RSA]) == CKR_OK &&
		   f->C_Decrypt(s, ct, cl, out, &ol) == CKR_OK && ol == 33 &&
		   memcmp(out, pt, 33) == 0, "%s: and decrypts what the module encrypted",
		   cs[i].name);
	}
	EVP_PKEY_free(pk);
}

/* --- APDU count ---------------------------------------------------------------------- */

static void apdu_count(void)
{
	CK_MECHANISM m = { CKM_SHA256_RSA_PKCS, NULL, 0 };
	uint8_t sig[512];
	CK_ULONG len = sizeof sig;
	long before;

	unsigned ins[16];
	char list[128] = "";
	long n, i, other = 0;

	f->C_SignInit(s, &m, priv[K_RSA]);
	f->C_Sign(s, (CK_BYTE_PTR)msg, 10, sig, &len);   /* warm up */
	before = api_apdus(0);
	len = sizeof sig;
	is_rv(f->C_SignInit(s, &m, priv[K_RSA]), CKR_OK, "warm: C_SignInit");
	is_ulong(api_apdus(0) - before, 0, "warm: C_SignInit sends no APDU");
	is_rv(f->C_Sign(s, (CK_BYTE_PTR)msg, 10, sig, &len), CKR_OK, "warm: C_Sign");
	n = api_ins_since(0, before, ins, 16);
	for (i = 0; i < n && i < 16; i++) {
		snprintf(list + strlen(list), sizeof list - strlen(list), " %02X", ins[i]);
		other += ins[i] != 0xA4 && ins[i] != 0x22 && ins[i] != 0x2A;
	}
	is_ulong(other, 0, "warm: C_Sign sends only the script's SELECT, MSE and PSO (INS%s)",
		 list);
	/* shared access (the default): the key is selected and the environment set again
	 * every time, since another application may have used the card meanwhile; the
	 * exclusive mode's 2 APDUs are t5202's */
	is_ulong(n, 4, "a warm RSA-2048 signature sends 4 APDUs with shared access (INS%s)", list);
}

int main(int argc, char **argv)
{
	CK_SLOT_ID slot = 0;
	CK_MECHANISM md = { CKM_GOSTR3411_12_256, NULL, 0 };
	uint8_t dg[64], rnd[600];
	CK_ULONG dl = sizeof dg;
	int k;

	api_rig_timeout(argv, 1, 300);
	f = api_module();
	if (mkdtemp(tmp) == NULL)
		return printf("Bail out! mkdtemp\n"), 255;
	have_gost_engine = run("openssl engine gost >/dev/null 2>&1") == 0;
	is_rv(f->C_Initialize(NULL), CKR_OK, "C_Initialize");
	is_rv(api_slot_of(f, 0, &slot), CKR_OK, "the token's slot");
	is_rv(api_prepare_token(f, slot, "t5201"), CKR_OK, "a PKCS#15 token with PINs");
	is_rv(f->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s), CKR_OK,
	      "C_OpenSession");
	is_rv(f->C_Login(s, CKU_USER, API_PIN(API_USER_PIN)), CKR_OK, "C_Login");

	/* host-side, no key */
	is_rv(f->C_DigestInit(s, &md), CKR_OK, "C_DigestInit Streebog-256");
	dl = 0;
	is_rv(f->C_Digest(s, (CK_BYTE_PTR)"x", 1, NULL, &dl), CKR_OK, "C_Digest size query");
	is_ulong(dl, 32, "... 32 bytes");
	dl = 31;
	is_rv(f->C_Digest(s, (CK_BYTE_PTR)"x", 1, dg, &dl), CKR_BUFFER_TOO_SMALL,
	      "C_Digest with a short buffer");
	is_ulong(dl, 32, "... says how much, and the operation goes on");
	dl = sizeof dg;
	is_rv(f->C_Digest(s, (CK_BYTE_PTR)"012345678901234567890123456789012345678901234567890123456789012", 63, dg, &dl),
	      CKR_OK, "C_Digest");
	ok(dl == 32 && dg[0] == 0x9d && dg[31] == 0x00, "GOST R 34.11-2012 example M1");
	memset(rnd, 0, sizeof rnd);
	is_rv(f->C_GenerateRandom(s, rnd, sizeof rnd), CKR_OK, "C_GenerateRandom 600 bytes");
	ok(memcmp(rnd, rnd + 300, 300) != 0, "random halves differ");
	is_rv(f->C_SeedRandom(s, rnd, 8), CKR_RANDOM_SEED_NOT_SUPPORTED, "C_SeedRandom");

	for (k = 0; k < K_N; k++) {
		char id[8];

		snprintf(id, sizeof id, "k%d", k);
		gen(k, id);
	}
	if (priv[K_RSA] != CK_INVALID_HANDLE) {
		rules();
		crypt_cases();
		apdu_count();
	}
	sign_cases();

	/* not logged in: private-key operations are refused */
	f->C_Logout(s);
	{
		CK_MECHANISM m = { CKM_SHA256_RSA_PKCS, NULL, 0 };
		CK_MECHANISM oaep = { CKM_RSA_PKCS, NULL, 0 };
		uint8_t sig[512];
		CK_ULONG len = sizeof sig;

		is_rv(f->C_SignInit(s, &m, priv[K_RSA]), CKR_USER_NOT_LOGGED_IN,
		      "after C_Logout, C_SignInit is CKR_USER_NOT_LOGGED_IN");
		is_rv(f->C_DecryptInit(s, &oaep, priv[K_RSA]), CKR_USER_NOT_LOGGED_IN,
		      "and C_DecryptInit too");
		is_rv(f->C_VerifyInit(s, &m, pub[K_RSA]), CKR_OK,
		      "verification needs no login");
		is_rv(f->C_VerifyInit(s, NULL, CK_INVALID_HANDLE), CKR_OK, "(ended)");
		/* a signature started while logged in, finished after a logout */
		is_rv(f->C_Login(s, CKU_USER, API_PIN(API_USER_PIN)), CKR_OK, "C_Login again");
		priv[K_RSA] = find_priv("k0");
		is_rv(f->C_SignInit(s, &m, priv[K_RSA]), CKR_OK, "C_SignInit");
		f->C_Logout(s);
		is_rv(f->C_Sign(s, (CK_BYTE_PTR)msg, 4, sig, &len), CKR_USER_NOT_LOGGED_IN,
		      "C_Sign after C_Logout is CKR_USER_NOT_LOGGED_IN");
		len = sizeof sig;
		is_rv(f->C_Sign(s, (CK_BYTE_PTR)msg, 4, sig, &len), CKR_OPERATION_NOT_INITIALIZED,
		      "and ended the operation");
		/* C_Login(CONTEXT_SPECIFIC) without an operation that needs it */
		is_rv(f->C_Login(s, CKU_USER, API_PIN(API_USER_PIN)), CKR_OK, "C_Login again");
		priv[K_RSA] = find_priv("k0");
		is_rv(f->C_Login(s, CKU_CONTEXT_SPECIFIC, API_PIN(API_USER_PIN)),
		      CKR_OPERATION_NOT_INITIALIZED,
		      "C_Login(CKU_CONTEXT_SPECIFIC) with no operation is "
		      "CKR_OPERATION_NOT_INITIALIZED");
		is_rv(f->C_SignInit(s, &m, priv[K_RSA]), CKR_OK, "C_SignInit");
		is_rv(f->C_Login(s, CKU_CONTEXT_SPECIFIC, API_PIN(API_USER_PIN)),
		      CKR_OPERATION_NOT_INITIALIZED,
		      "nor with a key without CKA_ALWAYS_AUTHENTICATE");
		len = sizeof sig;
		is_rv(f->C_Sign(s, (CK_BYTE_PTR)msg, 4, sig, &len), CKR_OK,
		      "which signs without it");
	}
	f->C_CloseSession(s);
	is_rv(f->C_Finalize(NULL), CKR_OK, "C_Finalize");
	run("rm -rf %s", tmp);
	return done_testing();
}
