/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t5702 — signatures with recovery (PKCS #11 3.2, 5.13 C_SignRecover and 5.15
 * C_VerifyRecover) with CKM_RSA_PKCS and CKM_RSA_X_509, on a virtual token.
 *
 * C_SignRecover with an RSA key generated on the token (CKA_SIGN_RECOVER): the signature
 * is checked by `openssl pkeyutl -verifyrecover` in another process, which must give the
 * data back (the whole block for raw RSA). C_VerifyRecover with the public key of a key
 * made by `openssl genpkey` (imported as a session object with CKA_VERIFY_RECOVER), over
 * signatures made by `openssl pkeyutl -sign` in another process (PKCS #1 v1.5 type 1, and
 * raw), and with the token key's public half over the token's own. The rules: the two-call
 * size rule keeps the operation (the recovered length is the exact one), an error ends it
 * (CKR_DATA_LEN_RANGE for data the padding cannot carry, CKR_DATA_INVALID for a raw block
 * not below the modulus, CKR_SIGNATURE_LEN_RANGE, CKR_SIGNATURE_INVALID), CKR_OPERATION_ACTIVE,
 * a NULL mechanism ending the operation, CKR_KEY_FUNCTION_NOT_PERMITTED without the
 * recovery attributes, CKR_MECHANISM_INVALID for a hash-then-sign mechanism or PSS, and
 * CKR_KEY_HANDLE_INVALID.
 */
#include "api/api.h"
#include "api/token.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>

static CK_FUNCTION_LIST_PTR f;
static CK_SESSION_HANDLE s;
static char tmp[] = "/tmp/t5702-XXXXXX";
static CK_BBOOL yes = CK_TRUE, no = CK_FALSE;

#define ATTR(t, v) { (t), &(v), sizeof(v) }

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

static CK_ULONG attr(CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE t, uint8_t *buf, CK_ULONG cap)
{
	CK_ATTRIBUTE a = { t, buf, cap };

	if (f->C_GetAttributeValue(s, o, &a, 1) != CKR_OK)
		return 0;
	return a.ulValueLen;
}

/* An RSA-1024 pair on the token; recover: with CKA_SIGN_RECOVER / CKA_VERIFY_RECOVER. */
static CK_RV gen(const char *id, int recover, CK_OBJECT_HANDLE *pub, CK_OBJECT_HANDLE *priv)
{
	CK_MECHANISM m = { CKM_RSA_PKCS_KEY_PAIR_GEN, NULL, 0 };
	CK_ULONG bits = 1024;
	static uint8_t e[] = { 1, 0, 1 };
	CK_BBOOL rec = recover ? CK_TRUE : CK_FALSE;
	CK_ATTRIBUTE pt[] = {
		ATTR(CKA_TOKEN, yes), ATTR(CKA_VERIFY, yes), ATTR(CKA_VERIFY_RECOVER, rec),
		{ CKA_ID, (void *)id, strlen(id) }, ATTR(CKA_MODULUS_BITS, bits),
		{ CKA_PUBLIC_EXPONENT, e, sizeof e },
	};
	CK_ATTRIBUTE st[] = {
		ATTR(CKA_TOKEN, yes), ATTR(CKA_PRIVATE, yes), ATTR(CKA_SIGN, yes),
		ATTR(CKA_SIGN_RECOVER, rec), { CKA_ID, (void *)id, strlen(id) },
	};

	return f->C_GenerateKeyPair(s, &m, pt, sizeof pt / sizeof pt[0], st,
				    sizeof st / sizeof st[0], pub, priv);
}

/* The token public key's DER SubjectPublicKeyInfo in tmp/name, for openssl. */
static int export_pub(CK_OBJECT_HANDLE pub, const char *name, size_t *k)
{
	uint8_t n[600], e[16];
	CK_ULONG nl = attr(pub, CKA_MODULUS, n, sizeof n), el = attr(pub, CKA_PUBLIC_EXPONENT, e,
								       sizeof e);
	OSSL_PARAM_BLD *b = OSSL_PARAM_BLD_new();
	BIGNUM *bn = BN_bin2bn(n, (int)nl, NULL), *be = BN_bin2bn(e, (int)el, NULL);
	OSSL_PARAM *prm = NULL;
	EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	EVP_PKEY *pk = NULL;
	unsigned char *der = NULL;
	int len = -1, rv = -1;

	if (nl == 0 || el == 0 || b == NULL || bn == NULL || be == NULL || pc == NULL)
		goto out;
	*k = nl;
	OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_N, bn);
	OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_E, be);
	prm = OSSL_PARAM_BLD_to_param(b);
	if (prm == NULL || EVP_PKEY_fromdata_init(pc) != 1 ||
	    EVP_PKEY_fromdata(pc, &pk, EVP_PKEY_PUBLIC_KEY, prm) != 1)
		goto out;
	len = i2d_PUBKEY(pk, &der);
	if (len > 0)
		rv = api_put_file(tmp, name, der, (size_t)len);
out:
	OPENSSL_free(der);
	EVP_PKEY_free(pk);
	EVP_PKEY_CTX_free(pc);
	OSSL_PARAM_free(prm);
	OSSL_PARAM_BLD_free(b);
	BN_free(bn);
	BN_free(be);
	return rv;
}

/* A session public key from openssl's key in tmp/name (PEM), with CKA_VERIFY_RECOVER rec. */
static CK_OBJECT_HANDLE import_pub(const char *name, CK_BBOOL rec)
{
	char path[256];
	uint8_t n[600], e[16];
	BIGNUM *bn = NULL, *be = NULL;
	EVP_PKEY *pk = NULL;
	FILE *fp;
	CK_OBJECT_CLASS cls = CKO_PUBLIC_KEY;
	CK_KEY_TYPE kt = CKK_RSA;
	CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
	int nl = 0, el = 0;

	snprintf(path, sizeof path, "%s/%s", tmp, name);
	fp = fopen(path, "r");
	if (fp == NULL)
		return h;
	pk = PEM_read_PrivateKey(fp, NULL, NULL, NULL);
	fclose(fp);
	if (pk != NULL && EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_N, &bn) == 1 &&
	    EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_E, &be) == 1) {
		nl = BN_bn2bin(bn, n);
		el = BN_bn2bin(be, e);
	}
	if (nl > 0 && el > 0) {
		CK_ATTRIBUTE t[] = {
			ATTR(CKA_CLASS, cls), ATTR(CKA_KEY_TYPE, kt), { CKA_MODULUS, n, (CK_ULONG)nl },
			{ CKA_PUBLIC_EXPONENT, e, (CK_ULONG)el }, ATTR(CKA_VERIFY_RECOVER, rec),
			ATTR(CKA_TOKEN, no),
		};
		if (f->C_CreateObject(s, t, sizeof t / sizeof t[0], &h) != CKR_OK)
			h = CK_INVALID_HANDLE;
	}
	BN_free(bn);
	BN_free(be);
	EVP_PKEY_free(pk);
	return h;
}

static CK_MECHANISM m_pkcs = { CKM_RSA_PKCS, NULL, 0 };
static CK_MECHANISM m_raw = { CKM_RSA_X_509, NULL, 0 };

static void sign_recover(CK_OBJECT_HANDLE pub, CK_OBJECT_HANDLE priv, CK_OBJECT_HANDLE norec)
{
	static const uint8_t data[] = "recover me: 36 bytes of a message";
	CK_MECHANISM m_sha = { CKM_SHA256_RSA_PKCS, NULL, 0 };
	uint8_t sig[256], block[128], rec[256], n[256];
	CK_ULONG sl, rl;
	CK_C_SessionCancel cancel;
	size_t k = 0;
	long got;

	ok(export_pub(pub, "tokpub.der", &k) == 0 && k == 128, "the token key's public half "
	   "for openssl");
	attr(pub, CKA_MODULUS, n, sizeof n);

	/* PKCS #1 v1.5 */
	is_rv(f->C_SignRecoverInit(s, &m_pkcs, priv), CKR_OK, "C_SignRecoverInit RSA-PKCS");
	is_rv(f->C_SignRecoverInit(s, &m_pkcs, priv), CKR_OPERATION_ACTIVE,
	      "a second Init: CKR_OPERATION_ACTIVE");
	sl = 0;
	is_rv(f->C_SignRecover(s, (CK_BYTE_PTR)data, sizeof data, NULL, &sl), CKR_OK,
	      "C_SignRecover size query");
	is_ulong(sl, 128, "... the modulus length");
	sl = 127;
	is_rv(f->C_SignRecover(s, (CK_BYTE_PTR)data, sizeof data, sig, &sl), CKR_BUFFER_TOO_SMALL,
	      "C_SignRecover with a short buffer");
	is_ulong(sl, 128, "... says how much, and the operation goes on");
	sl = sizeof sig;
	is_rv(f->C_SignRecover(s, (CK_BYTE_PTR)data, sizeof data, sig, &sl), CKR_OK,
	      "C_SignRecover");
	is_ulong(sl, 128, "... 128 bytes");
	sl = sizeof sig;
	is_rv(f->C_SignRecover(s, (CK_BYTE_PTR)data, sizeof data, sig + 128, &sl),
	      CKR_OPERATION_NOT_INITIALIZED, "... which ended the operation");
	ok(api_put_file(tmp, "sig1", sig, 128) == 0 &&
	   run("openssl pkeyutl -verifyrecover -pubin -keyform DER -inkey %s/tokpub.der "
	       "-in %s/sig1 -out %s/rec1 2>/dev/null", tmp, tmp, tmp) == 0 &&
	   (got = get("rec1", rec, sizeof rec)) == (long)sizeof data &&
	   memcmp(rec, data, sizeof data) == 0,
	   "openssl pkeyutl -verifyrecover (another process) gives the data back");

	is_rv(f->C_VerifyRecoverInit(s, &m_pkcs, pub), CKR_OK, "C_VerifyRecoverInit, token public key");
	rl = 0;
	is_rv(f->C_VerifyRecover(s, sig, 128, NULL, &rl), CKR_OK, "C_VerifyRecover size query");
	is_ulong(rl, sizeof data, "... the exact length of the data");
	rl = sizeof data - 1;
	is_rv(f->C_VerifyRecover(s, sig, 128, rec, &rl), CKR_BUFFER_TOO_SMALL,
	      "C_VerifyRecover with a short buffer");
	rl = sizeof rec;
	memset(rec, 0, sizeof rec);
	is_rv(f->C_VerifyRecover(s, sig, 128, rec, &rl), CKR_OK, "C_VerifyRecover");
	ok(rl == sizeof data && memcmp(rec, data, rl) == 0, "... recovers the data");
	is_rv(f->C_VerifyRecover(s, sig, 128, rec, &rl), CKR_OPERATION_NOT_INITIALIZED,
	      "... and ended the operation");

	/* raw RSA: the block comes back whole */
	memset(block, 0x5a, sizeof block);
	block[0] = 0x00;
	is_rv(f->C_SignRecoverInit(s, &m_raw, priv), CKR_OK, "C_SignRecoverInit RSA-X-509");
	sl = sizeof sig;
	is_rv(f->C_SignRecover(s, block, sizeof block, sig, &sl), CKR_OK, "C_SignRecover raw");
	ok(sl == 128 && api_put_file(tmp, "sig2", sig, 128) == 0 &&
	   run("openssl pkeyutl -verifyrecover -pubin -keyform DER -inkey %s/tokpub.der "
	       "-pkeyopt rsa_padding_mode:none -in %s/sig2 -out %s/rec2 2>/dev/null", tmp, tmp,
	       tmp) == 0 && get("rec2", rec, sizeof rec) == 128 && memcmp(rec, block, 128) == 0,
	   "openssl (no padding, another process) recovers the raw block");
	is_rv(f->C_VerifyRecoverInit(s, &m_raw, pub), CKR_OK, "C_VerifyRecoverInit raw");
	rl = sizeof rec;
	is_rv(f->C_VerifyRecover(s, sig, 128, rec, &rl), CKR_OK, "C_VerifyRecover raw");
	ok(rl == 128 && memcmp(rec, block, 128) == 0, "... the whole block");

	/* errors end the operation */
	is_rv(f->C_SignRecoverInit(s, &m_pkcs, priv), CKR_OK, "C_SignRecoverInit");
	sl = sizeof sig;
	is_rv(f->C_SignRecover(s, block, 128 - 10, sig, &sl), CKR_DATA_LEN_RANGE,
	      "118 bytes do not fit PKCS #1 v1.5 (k - 11): CKR_DATA_LEN_RANGE");
	is_rv(f->C_SignRecover(s, block, 10, sig, &sl), CKR_OPERATION_NOT_INITIALIZED,
	      "... which ended the operation");
	is_rv(f->C_SignRecoverInit(s, &m_raw, priv), CKR_OK, "C_SignRecoverInit raw");
	sl = sizeof sig;
	is_rv(f->C_SignRecover(s, n, 128, sig, &sl), CKR_DATA_INVALID,
	      "a raw block equal to the modulus: CKR_DATA_INVALID");
	is_rv(f->C_SignRecover(s, block, 128, sig, &sl), CKR_OPERATION_NOT_INITIALIZED,
	      "... which ended the operation");
	is_rv(f->C_SignRecoverInit(s, &m_raw, priv), CKR_OK, "C_SignRecoverInit raw");
	sl = sizeof sig;
	is_rv(f->C_SignRecover(s, block, 129, sig, &sl), CKR_DATA_LEN_RANGE,
	      "a raw block longer than the modulus: CKR_DATA_LEN_RANGE");
	is_rv(f->C_SignRecoverInit(s, &m_pkcs, priv), CKR_OK, "C_SignRecoverInit");
	is_rv(f->C_SignRecoverInit(s, NULL, priv), CKR_OK, "C_SignRecoverInit(NULL) ...");
	sl = sizeof sig;
	is_rv(f->C_SignRecover(s, block, 10, sig, &sl), CKR_OPERATION_NOT_INITIALIZED,
	      "... ends the operation");

	is_rv(f->C_VerifyRecoverInit(s, &m_pkcs, pub), CKR_OK, "C_VerifyRecoverInit");
	rl = sizeof rec;
	is_rv(f->C_VerifyRecover(s, sig, 127, rec, &rl), CKR_SIGNATURE_LEN_RANGE,
	      "a signature of 127 bytes: CKR_SIGNATURE_LEN_RANGE");
	is_rv(f->C_VerifyRecover(s, sig, 128, rec, &rl), CKR_OPERATION_NOT_INITIALIZED,
	      "... which ended the operation");
	is_rv(f->C_VerifyRecoverInit(s, &m_pkcs, pub), CKR_OK, "C_VerifyRecoverInit");
	rl = sizeof rec;
	/* sig holds the raw signature of block: its recovered block is no type 1 padding */
	is_rv(f->C_VerifyRecover(s, sig, 128, rec, &rl), CKR_SIGNATURE_INVALID,
	      "a signature whose block is no PKCS #1 type 1: CKR_SIGNATURE_INVALID");
	is_rv(f->C_VerifyRecover(s, sig, 128, rec, &rl), CKR_OPERATION_NOT_INITIALIZED,
	      "... which ended the operation");
	is_rv(f->C_VerifyRecoverInit(s, &m_raw, pub), CKR_OK, "C_VerifyRecoverInit raw");
	rl = sizeof rec;
	is_rv(f->C_VerifyRecover(s, n, 128, rec, &rl), CKR_SIGNATURE_INVALID,
	      "a \"signature\" equal to the modulus: CKR_SIGNATURE_INVALID");

	/* C_SessionCancel (3.0: the exported symbol) knows the two kinds */
	cancel = (CK_C_SessionCancel)module_sym(module_open(), "C_SessionCancel");
	ok(cancel != NULL, "C_SessionCancel is exported");
	if (cancel == NULL)
		return;
	is_rv(f->C_SignRecoverInit(s, &m_pkcs, priv), CKR_OK, "C_SignRecoverInit");
	is_rv(f->C_VerifyRecoverInit(s, &m_pkcs, pub), CKR_OK, "C_VerifyRecoverInit");
	is_rv(cancel(s, CKF_SIGN_RECOVER), CKR_OK, "C_SessionCancel(CKF_SIGN_RECOVER)");
	sl = sizeof sig;
	is_rv(f->C_SignRecover(s, block, 10, sig, &sl), CKR_OPERATION_NOT_INITIALIZED,
	      "... ended the signature");
	is_rv(f->C_VerifyRecoverInit(s, &m_pkcs, pub), CKR_OPERATION_ACTIVE,
	      "... and not the verification");
	is_rv(cancel(s, CKF_VERIFY_RECOVER), CKR_OK,
	      "C_SessionCancel(CKF_VERIFY_RECOVER)");
	is_rv(f->C_VerifyRecoverInit(s, &m_pkcs, pub), CKR_OK, "... ended it: a new Init works");
	is_rv(f->C_VerifyRecoverInit(s, NULL, pub), CKR_OK, "(ended)");

	/* keys and mechanisms */
	is_rv(f->C_SignRecoverInit(s, &m_pkcs, norec), CKR_KEY_FUNCTION_NOT_PERMITTED,
	      "a key without CKA_SIGN_RECOVER: CKR_KEY_FUNCTION_NOT_PERMITTED");
	is_rv(f->C_SignRecoverInit(s, &m_sha, priv), CKR_MECHANISM_INVALID,
	      "CKM_SHA256_RSA_PKCS has no recovery: CKR_MECHANISM_INVALID");
	is_rv(f->C_SignRecoverInit(s, &m_pkcs, pub), CKR_KEY_TYPE_INCONSISTENT,
	      "a public key to sign with: CKR_KEY_TYPE_INCONSISTENT");
	is_rv(f->C_SignRecoverInit(s, &m_pkcs, 0x7777), CKR_KEY_HANDLE_INVALID,
	      "no such key: CKR_KEY_HANDLE_INVALID");
	is_rv(f->C_VerifyRecoverInit(s, &m_sha, pub), CKR_MECHANISM_INVALID,
	      "CKM_SHA256_RSA_PKCS verifies with no recovery either");
}

static void verify_openssl(void)
{
	static const uint8_t data[] = "signed by openssl";
	uint8_t sig[256], rec[256], block[128];
	CK_OBJECT_HANDLE pub, norec;
	CK_ULONG rl;
	long sl;

	ok(run("openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out %s/k.pem "
	       "2>/dev/null", tmp) == 0, "openssl genpkey: an RSA-1024 key");
	pub = import_pub("k.pem", CK_TRUE);
	norec = import_pub("k.pem", CK_FALSE);
	ok(pub != CK_INVALID_HANDLE && norec != CK_INVALID_HANDLE,
	   "its public key as session objects");

	ok(api_put_file(tmp, "d", data, sizeof data) == 0 &&
	   run("openssl pkeyutl -sign -inkey %s/k.pem -in %s/d -out %s/s1 2>/dev/null", tmp, tmp,
	       tmp) == 0 && (sl = get("s1", sig, sizeof sig)) == 128,
	   "openssl pkeyutl -sign (PKCS #1 v1.5, another process)");
	is_rv(f->C_VerifyRecoverInit(s, &m_pkcs, pub), CKR_OK, "C_VerifyRecoverInit");
	rl = sizeof rec;
	is_rv(f->C_VerifyRecover(s, sig, 128, rec, &rl), CKR_OK, "C_VerifyRecover");
	ok(rl == sizeof data && memcmp(rec, data, rl) == 0, "... gives openssl's data");
	sig[77] ^= 1;
	is_rv(f->C_VerifyRecoverInit(s, &m_pkcs, pub), CKR_OK, "C_VerifyRecoverInit");
	rl = sizeof rec;
	is_rv(f->C_VerifyRecover(s, sig, 128, rec, &rl), CKR_SIGNATURE_INVALID,
	      "one bit changed: CKR_SIGNATURE_INVALID");

	memset(block, 0x33, sizeof block);
	block[0] = 0;
	/* the raw private-key operation (RSASP1 = RSADP): pkeyutl -sign takes no block of a
	 * modulus' length, its raw decryption is the same operation */
	ok(api_put_file(tmp, "b", block, sizeof block) == 0 &&
	   run("openssl pkeyutl -decrypt -inkey %s/k.pem -pkeyopt rsa_padding_mode:none -in %s/b "
	       "-out %s/s2 2>/dev/null", tmp, tmp, tmp) == 0 &&
	   get("s2", sig, sizeof sig) == 128, "openssl's raw private-key operation on a block");
	is_rv(f->C_VerifyRecoverInit(s, &m_raw, pub), CKR_OK, "C_VerifyRecoverInit raw");
	rl = sizeof rec;
	is_rv(f->C_VerifyRecover(s, sig, 128, rec, &rl), CKR_OK, "C_VerifyRecover raw");
	ok(rl == 128 && memcmp(rec, block, 128) == 0, "... gives openssl's block");

	is_rv(f->C_VerifyRecoverInit(s, &m_pkcs, norec), CKR_KEY_FUNCTION_NOT_PERMITTED,
	      "a key without CKA_VERIFY_RECOVER: CKR_KEY_FUNCTION_NOT_PERMITTED");
}

int main(int argc, char **argv)
{
	CK_OBJECT_HANDLE pub = 0, priv = 0, pub2 = 0, priv2 = 0;
	CK_SLOT_ID slot = 0;

	api_rig_timeout(argv, 1, 300);
	f = api_module();
	if (mkdtemp(tmp) == NULL)
		return printf("Bail out! mkdtemp\n"), 255;
	is_rv(f->C_Initialize(NULL), CKR_OK, "C_Initialize");
	is_rv(api_slot_of(f, 0, &slot), CKR_OK, "the token's slot");
	is_rv(api_prepare_token(f, slot, "t5702"), CKR_OK, "a PKCS#15 token with PINs");
	is_rv(f->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s), CKR_OK,
	      "C_OpenSession");
	is_rv(f->C_Login(s, CKU_USER, API_PIN(API_USER_PIN)), CKR_OK, "C_Login");
	is_rv(gen("r1", 1, &pub, &priv), CKR_OK, "an RSA-1024 pair with recovery");
	is_rv(gen("r2", 0, &pub2, &priv2), CKR_OK, "an RSA-1024 pair without");

	sign_recover(pub, priv, priv2);
	verify_openssl();

	is_rv(f->C_CloseSession(s), CKR_OK, "close the session");
	is_rv(f->C_Finalize(NULL), CKR_OK, "C_Finalize");
	run("rm -rf %s", tmp);
	return done_testing();
}
