/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t5704 — C_DigestKey (PKCS #11 3.2, 5.12) and C_GetOperationState / C_SetOperationState
 * (5.6), on the host.
 *
 * C_DigestKey: a session secret key's value between two C_DigestUpdate parts gives
 * `openssl dgst -sha256` of the three concatenated (another process); a sensitive key is
 * digested into SHA-256 (SoftHSMv2's rule: SHA-1/SHA-2 take any secret key) and refused
 * for GOST R 34.11-94 where the host has it; a public key and a data object are
 * CKR_KEY_INDIGESTIBLE, a wrong handle CKR_KEY_HANDLE_INVALID, and both end the digest;
 * no digest: CKR_OPERATION_NOT_INITIALIZED; after a C_Digest size query:
 * CKR_OPERATION_ACTIVE.
 *
 * State: for SHA-1, SHA-224, SHA-256, SHA-384 and SHA-512, half of a message digested,
 * the state saved (size query, CKR_BUFFER_TOO_SMALL, then the bytes: the digest goes on
 * in its session), restored into a new session (twice, and over an active digest of
 * another mechanism), the rest digested there: the result is `openssl dgst` of the whole
 * message. Every byte of a saved state changed in turn, the state cut short, and a state
 * made by another process (this test, run again) are CKR_SAVED_STATE_INVALID; a key
 * handle given is CKR_KEY_NOT_NEEDED; CKR_STATE_UNSAVEABLE for SHA3-256, for a digest that
 * took a key, and beside an encryption; CKR_OPERATION_NOT_INITIALIZED with nothing active.
 *
 * Hash-then-verify (CKM_SHA256_RSA_PKCS with the public key of `openssl genpkey`, over a
 * signature of `openssl dgst -sign`, both in another process): half the message verified,
 * the state saved together with a digest's, restored into a new session with the key as
 * hAuthenticationKey: C_VerifyFinal accepts openssl's signature there, and the digest is
 * openssl's. Without the key CKR_KEY_NEEDED, with another public key CKR_KEY_CHANGED, with
 * an encryption key CKR_KEY_NOT_NEEDED; an HMAC verification is CKR_STATE_UNSAVEABLE.
 */
#include "api/api.h"
#include "api/bytes.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

static CK_FUNCTION_LIST_PTR f;
static CK_SESSION_HANDLE s;
static char tmp[] = "/tmp/t5704-XXXXXX";
static CK_BBOOL yes = CK_TRUE, no = CK_FALSE;

#define ATTR(t, v) { (t), &(v), sizeof(v) }

static int put(const char *path, const uint8_t *p, size_t n)
{
	FILE *fp = fopen(path, "wb");
	int rv;

	if (fp == NULL)
		return -1;
	rv = fwrite(p, 1, n, fp) == n ? 0 : -1;
	return fclose(fp) != 0 ? -1 : rv;
}

/* `openssl dgst -<alg> -r` of p[0..n) in another process: the digest's length or -1. */
static long dgst(const char *alg, const uint8_t *p, size_t n, uint8_t *out)
{
	char cmd[512], line[512], path[300];
	FILE *pp;
	long len = -1;

	snprintf(path, sizeof path, "%s/in", tmp);
	if (put(path, p, n) != 0)
		return -1;
	snprintf(cmd, sizeof cmd, "openssl dgst -%s -r %s", alg, path);
	pp = popen(cmd, "r");
	if (pp == NULL)
		return -1;
	if (fgets(line, sizeof line, pp) != NULL) {
		char *sp = strchr(line, ' ');
		if (sp != NULL) {
			*sp = '\0';
			len = (long)unhex(line, out);
		}
	}
	return pclose(pp) == 0 ? len : -1;
}

static CK_OBJECT_HANDLE secret(const uint8_t *v, size_t n, CK_BBOOL sensitive)
{
	CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
	CK_KEY_TYPE kt = CKK_GENERIC_SECRET;
	CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
	CK_ATTRIBUTE t[] = {
		ATTR(CKA_CLASS, cls), ATTR(CKA_KEY_TYPE, kt), { CKA_VALUE, (void *)v, n },
		ATTR(CKA_SENSITIVE, sensitive), ATTR(CKA_PRIVATE, no), ATTR(CKA_SIGN, yes),
	};

	if (f->C_CreateObject(s, t, sizeof t / sizeof t[0], &h) != CKR_OK)
		return CK_INVALID_HANDLE;
	return h;
}

static uint8_t msg[1500];

static void digest_key(void)
{
	static const uint8_t kv[24] = "a key's value, 24 bytes";
	CK_MECHANISM sha = { CKM_SHA256, NULL, 0 }, g94 = { CKM_GOSTR3411, NULL, 0 };
	CK_OBJECT_CLASS c_pub = CKO_PUBLIC_KEY, c_data = CKO_DATA;
	CK_KEY_TYPE k_rsa = CKK_RSA;
	static uint8_t n[128], e[3] = { 1, 0, 1 };
	CK_ATTRIBUTE pt[] = { ATTR(CKA_CLASS, c_pub), ATTR(CKA_KEY_TYPE, k_rsa),
			      { CKA_MODULUS, n, sizeof n }, { CKA_PUBLIC_EXPONENT, e, sizeof e } };
	CK_ATTRIBUTE dt[] = { ATTR(CKA_CLASS, c_data), { CKA_VALUE, (void *)kv, sizeof kv } };
	CK_OBJECT_HANDLE k = secret(kv, sizeof kv, CK_FALSE), ks = secret(kv, sizeof kv, CK_TRUE);
	CK_OBJECT_HANDLE pub = CK_INVALID_HANDLE, data = CK_INVALID_HANDLE;
	uint8_t all[64], want[64], got[64];
	CK_ULONG gl = sizeof got;
	long wl;

	memset(n, 0xc5, sizeof n);
	ok(k != CK_INVALID_HANDLE && ks != CK_INVALID_HANDLE, "two secret keys, one sensitive");
	is_rv(f->C_CreateObject(s, pt, 4, &pub), CKR_OK, "a public key");
	is_rv(f->C_CreateObject(s, dt, 2, &data), CKR_OK, "a data object");

	memcpy(all, "abc", 3);
	memcpy(all + 3, kv, sizeof kv);
	memcpy(all + 3 + sizeof kv, "defg", 4);
	wl = dgst("sha256", all, 3 + sizeof kv + 4, want);
	is_rv(f->C_DigestKey(s, k), CKR_OPERATION_NOT_INITIALIZED,
	      "C_DigestKey with no digest: CKR_OPERATION_NOT_INITIALIZED");
	is_rv(f->C_DigestInit(s, &sha), CKR_OK, "C_DigestInit SHA-256");
	is_rv(f->C_DigestUpdate(s, (CK_BYTE_PTR)"abc", 3), CKR_OK, "C_DigestUpdate");
	is_rv(f->C_DigestKey(s, k), CKR_OK, "C_DigestKey");
	is_rv(f->C_DigestUpdate(s, (CK_BYTE_PTR)"defg", 4), CKR_OK, "C_DigestUpdate");
	is_rv(f->C_DigestFinal(s, got, &gl), CKR_OK, "C_DigestFinal");
	ok(wl == 32 && gl == 32 && memcmp(got, want, 32) == 0,
	   "data, the key's value, data: openssl dgst of the three (another process)");

	is_rv(f->C_DigestInit(s, &sha), CKR_OK, "C_DigestInit SHA-256");
	is_rv(f->C_DigestKey(s, ks), CKR_OK, "a sensitive key into SHA-256 (SoftHSMv2's rule)");
	gl = sizeof got;
	is_rv(f->C_DigestFinal(s, got, &gl), CKR_OK, "C_DigestFinal");
	wl = dgst("sha256", kv, sizeof kv, want);
	ok(gl == 32 && memcmp(got, want, 32) == 0, "... the digest of its value");

	if (f->C_DigestInit(s, &g94) == CKR_OK) {
		is_rv(f->C_DigestKey(s, ks), CKR_KEY_INDIGESTIBLE,
		      "a sensitive key into GOST R 34.11-94: CKR_KEY_INDIGESTIBLE");
		is_rv(f->C_DigestUpdate(s, msg, 1), CKR_OPERATION_NOT_INITIALIZED,
		      "... which ended the digest");
	} else {
		ok(1, "# SKIP no GOST R 34.11-94 on this host");
		ok(1, "# SKIP");
	}

	is_rv(f->C_DigestInit(s, &sha), CKR_OK, "C_DigestInit");
	is_rv(f->C_DigestKey(s, pub), CKR_KEY_INDIGESTIBLE, "a public key: CKR_KEY_INDIGESTIBLE");
	is_rv(f->C_DigestUpdate(s, msg, 1), CKR_OPERATION_NOT_INITIALIZED,
	      "... which ended the digest");
	is_rv(f->C_DigestInit(s, &sha), CKR_OK, "C_DigestInit");
	is_rv(f->C_DigestKey(s, data), CKR_KEY_INDIGESTIBLE, "a data object: CKR_KEY_INDIGESTIBLE");
	is_rv(f->C_DigestInit(s, &sha), CKR_OK, "C_DigestInit");
	is_rv(f->C_DigestKey(s, 0x7777), CKR_KEY_HANDLE_INVALID,
	      "no such object: CKR_KEY_HANDLE_INVALID");
	is_rv(f->C_DigestUpdate(s, msg, 1), CKR_OPERATION_NOT_INITIALIZED,
	      "... which ended the digest");
	is_rv(f->C_DigestInit(s, &sha), CKR_OK, "C_DigestInit");
	gl = 0;
	is_rv(f->C_Digest(s, msg, 10, NULL, &gl), CKR_OK, "a C_Digest size query");
	is_rv(f->C_DigestKey(s, k), CKR_OPERATION_ACTIVE,
	      "then C_DigestKey: CKR_OPERATION_ACTIVE (one-shot and parts do not mix)");

	/* a digest that took a key is not saved */
	is_rv(f->C_DigestInit(s, &sha), CKR_OK, "C_DigestInit");
	is_rv(f->C_DigestKey(s, k), CKR_OK, "C_DigestKey");
	gl = 0;
	is_rv(f->C_GetOperationState(s, NULL, &gl), CKR_STATE_UNSAVEABLE,
	      "its state: CKR_STATE_UNSAVEABLE (it would carry the key)");
	gl = sizeof got;
	is_rv(f->C_DigestFinal(s, got, &gl), CKR_OK, "... and the digest goes on");
}

static const struct {
	CK_MECHANISM_TYPE mech;
	const char *openssl;
	size_t len;
} algs[] = {
	{ CKM_SHA_1, "sha1", 20 },     { CKM_SHA224, "sha224", 28 }, { CKM_SHA256, "sha256", 32 },
	{ CKM_SHA384, "sha384", 48 }, { CKM_SHA512, "sha512", 64 },
};

/* A saved SHA-256 state of half of msg (the caller frees *out). */
static CK_RV half_state(CK_SESSION_HANDLE h, CK_MECHANISM_TYPE mech, uint8_t **out,
			CK_ULONG *len)
{
	CK_MECHANISM m = { mech, NULL, 0 };
	CK_RV rv = f->C_DigestInit(h, &m);

	*out = NULL;
	if (rv == CKR_OK)
		rv = f->C_DigestUpdate(h, msg, 700);
	if (rv == CKR_OK)
		rv = f->C_DigestUpdate(h, msg + 700, 77);
	*len = 0;
	if (rv == CKR_OK)
		rv = f->C_GetOperationState(h, NULL, len);
	if (rv == CKR_OK && (*out = malloc(*len)) == NULL)
		rv = CKR_HOST_MEMORY;
	if (rv == CKR_OK)
		rv = f->C_GetOperationState(h, *out, len);
	return rv;
}

static void state(CK_SLOT_ID slot, const char *self)
{
	uint8_t want[64], got[64], *blob = NULL, *bad;
	CK_MECHANISM sha1 = { CKM_SHA_1, NULL, 0 }, sha3 = { CKM_SHA3_256, NULL, 0 };
	CK_MECHANISM cbc = { CKM_AES_CBC, (void *)"0123456789abcdef", 16 };
	CK_SESSION_HANDLE s2;
	CK_OBJECT_HANDLE aes;
	CK_ULONG len, gl, need, i;
	CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
	CK_KEY_TYPE kt = CKK_AES;
	CK_ATTRIBUTE at[] = { ATTR(CKA_CLASS, cls), ATTR(CKA_KEY_TYPE, kt),
			      { CKA_VALUE, msg, 16 }, ATTR(CKA_ENCRYPT, yes), ATTR(CKA_PRIVATE, no) };
	char path[300];
	long wl, bl;
	size_t a;
	int all_refused;

	gl = 0;
	is_rv(f->C_GetOperationState(s, NULL, &gl), CKR_OPERATION_NOT_INITIALIZED,
	      "no operation: CKR_OPERATION_NOT_INITIALIZED");
	is_rv(f->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &s2), CKR_OK,
	      "a second session");
	for (a = 0; a < sizeof algs / sizeof algs[0]; a++) {
		const char *nm = algs[a].openssl;
		CK_MECHANISM m = { algs[a].mech, NULL, 0 };
		wl = dgst(nm, msg, sizeof msg, want);
		is_rv(f->C_DigestInit(s, &m), CKR_OK, "%s: C_DigestInit", nm);
		is_rv(f->C_DigestUpdate(s, msg, 777), CKR_OK, "%s: half of the message", nm);
		need = 0;
		is_rv(f->C_GetOperationState(s, NULL, &need), CKR_OK, "%s: its state's size", nm);
		blob = malloc(need + 1);
		len = need - 1;
		is_rv(f->C_GetOperationState(s, blob, &len), CKR_BUFFER_TOO_SMALL,
		      "%s: a short buffer: CKR_BUFFER_TOO_SMALL", nm);
		ok(len == need, "%s: ... says how much", nm);
		len = need + 1;
		is_rv(f->C_GetOperationState(s, blob, &len), CKR_OK, "%s: C_GetOperationState", nm);
		ok(len == need, "%s: %lu bytes", nm, len);
		/* the digest goes on in its session */
		is_rv(f->C_DigestUpdate(s, msg + 777, sizeof msg - 777), CKR_OK,
		      "%s: the rest, in the first session", nm);
		gl = sizeof got;
		is_rv(f->C_DigestFinal(s, got, &gl), CKR_OK, "%s: C_DigestFinal", nm);
		ok(wl == (long)algs[a].len && gl == algs[a].len && memcmp(got, want, gl) == 0,
		   "%s: openssl dgst of the message (another process)", nm);
		/* restored elsewhere, over another digest */
		is_rv(f->C_DigestInit(s2, &sha1), CKR_OK, "%s: a SHA-1 digest in the second session",
		      nm);
		is_rv(f->C_SetOperationState(s2, blob, len, CK_INVALID_HANDLE, CK_INVALID_HANDLE),
		      CKR_OK, "%s: C_SetOperationState into the second session", nm);
		is_rv(f->C_DigestUpdate(s2, msg + 777, sizeof msg - 777), CKR_OK,
		      "%s: the rest there", nm);
		gl = sizeof got;
		is_rv(f->C_DigestFinal(s2, got, &gl), CKR_OK, "%s: C_DigestFinal", nm);
		ok(gl == algs[a].len && memcmp(got, want, gl) == 0,
		   "%s: the restored digest gives openssl dgst of the whole message", nm);
		is_rv(f->C_SetOperationState(s2, blob, len, CK_INVALID_HANDLE, CK_INVALID_HANDLE),
		      CKR_OK, "%s: the same state again", nm);
		is_rv(f->C_DigestUpdate(s2, msg + 777, sizeof msg - 777), CKR_OK, "%s: the rest",
		      nm);
		gl = sizeof got;
		ok(f->C_DigestFinal(s2, got, &gl) == CKR_OK && gl == algs[a].len &&
		   memcmp(got, want, gl) == 0, "%s: the same digest", nm);
		free(blob);
	}

	is_rv(half_state(s, CKM_SHA256, &blob, &len), CKR_OK, "a SHA-256 state");
	is_rv(f->C_DigestInit(s, NULL), CKR_OK, "... and its digest ended");
	bad = malloc(len);
	all_refused = 1;
	for (i = 0; i < len; i++) {
		memcpy(bad, blob, len);
		bad[i] ^= 0x01;
		all_refused &= f->C_SetOperationState(s2, bad, len, CK_INVALID_HANDLE,
						      CK_INVALID_HANDLE) == CKR_SAVED_STATE_INVALID;
	}
	ok(all_refused, "each of its %lu bytes changed: CKR_SAVED_STATE_INVALID", len);
	is_rv(f->C_SetOperationState(s2, blob, len - 1, CK_INVALID_HANDLE, CK_INVALID_HANDLE),
	      CKR_SAVED_STATE_INVALID, "one byte short: CKR_SAVED_STATE_INVALID");
	is_rv(f->C_SetOperationState(s2, blob, 5, CK_INVALID_HANDLE, CK_INVALID_HANDLE),
	      CKR_SAVED_STATE_INVALID, "five bytes: CKR_SAVED_STATE_INVALID");
	memset(bad, 0, len);
	is_rv(f->C_SetOperationState(s2, bad, len, CK_INVALID_HANDLE, CK_INVALID_HANDLE),
	      CKR_SAVED_STATE_INVALID, "zeros: CKR_SAVED_STATE_INVALID");
	aes = CK_INVALID_HANDLE;
	is_rv(f->C_CreateObject(s, at, 5, &aes), CKR_OK, "an AES key");
	is_rv(f->C_SetOperationState(s2, blob, len, aes, CK_INVALID_HANDLE), CKR_KEY_NOT_NEEDED,
	      "with an encryption key: CKR_KEY_NOT_NEEDED");
	is_rv(f->C_SetOperationState(s2, blob, len, CK_INVALID_HANDLE, aes), CKR_KEY_NOT_NEEDED,
	      "with an authentication key: CKR_KEY_NOT_NEEDED");

	/* made by another process */
	snprintf(path, sizeof path, "%s/blob", tmp);
	ok(api_run(self, "--blob", path, (char *)NULL) == 0, "another process saves a state");
	bl = -1;
	{
		FILE *fp = fopen(path, "rb");
		if (fp != NULL) {
			bl = (long)fread(bad, 1, len, fp);
			fclose(fp);
		}
	}
	ok(bl == (long)len, "... of the same form (%ld bytes)", bl);
	is_rv(f->C_SetOperationState(s2, bad, len, CK_INVALID_HANDLE, CK_INVALID_HANDLE),
	      CKR_SAVED_STATE_INVALID, "another process's state: CKR_SAVED_STATE_INVALID");
	free(bad);
	free(blob);

	/* what is not saved */
	is_rv(f->C_DigestInit(s, &sha3), CKR_OK, "a SHA3-256 digest");
	is_rv(f->C_DigestUpdate(s, msg, 10), CKR_OK, "C_DigestUpdate");
	gl = 0;
	is_rv(f->C_GetOperationState(s, NULL, &gl), CKR_STATE_UNSAVEABLE,
	      "SHA3-256 (OpenSSL's EVP keeps its state): CKR_STATE_UNSAVEABLE");
	gl = sizeof got;
	is_rv(f->C_DigestFinal(s, got, &gl), CKR_OK, "... and it goes on");
	is_rv(f->C_DigestInit(s, &sha1), CKR_OK, "a SHA-1 digest");
	is_rv(f->C_EncryptInit(s, &cbc, aes), CKR_OK, "beside an AES encryption");
	gl = 0;
	is_rv(f->C_GetOperationState(s, NULL, &gl), CKR_STATE_UNSAVEABLE,
	      "with a key operation: CKR_STATE_UNSAVEABLE");
	is_rv(f->C_EncryptInit(s, NULL, aes), CKR_OK, "the encryption ended");
	gl = 0;
	is_rv(f->C_GetOperationState(s, NULL, &gl), CKR_OK, "the digest alone is saved again");
	is_rv(f->C_DigestInit(s, NULL), CKR_OK, "the digest ended");
	is_rv(f->C_CloseSession(s2), CKR_OK, "close the second session");
}

/* A session RSA public key (CKA_VERIFY) from openssl's PEM key at path. */
static CK_OBJECT_HANDLE import_pub(const char *path)
{
	uint8_t n[600], e[16];
	BIGNUM *bn = NULL, *be = NULL;
	EVP_PKEY *pk = NULL;
	FILE *fp = fopen(path, "r");
	CK_OBJECT_CLASS cls = CKO_PUBLIC_KEY;
	CK_KEY_TYPE kt = CKK_RSA;
	CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
	int nl = 0, el = 0;

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
			{ CKA_PUBLIC_EXPONENT, e, (CK_ULONG)el }, ATTR(CKA_VERIFY, yes),
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

static void verify_state(CK_SLOT_ID slot)
{
	CK_MECHANISM rsa = { CKM_SHA256_RSA_PKCS, NULL, 0 }, sha1 = { CKM_SHA_1, NULL, 0 };
	CK_MECHANISM hm = { CKM_SHA256_HMAC, NULL, 0 };
	static const uint8_t hk[32] = "an HMAC key of thirty-two bytes";
	CK_OBJECT_CLASS c_sec = CKO_SECRET_KEY;
	CK_KEY_TYPE k_gen = CKK_GENERIC_SECRET;
	CK_ATTRIBUTE ht[] = { ATTR(CKA_CLASS, c_sec), ATTR(CKA_KEY_TYPE, k_gen),
			      { CKA_VALUE, (void *)hk, sizeof hk }, ATTR(CKA_VERIFY, yes),
			      ATTR(CKA_PRIVATE, no) };
	char cmd[1024], path[300], other[300];
	uint8_t sig[256], want[64], got[64], blob[1024];
	CK_OBJECT_HANDLE pub, pub2, hkey = CK_INVALID_HANDLE;
	CK_SESSION_HANDLE s2;
	CK_ULONG len, gl;
	FILE *fp;
	long sl = -1, wl;

	snprintf(path, sizeof path, "%s/k.pem", tmp);
	snprintf(other, sizeof other, "%s/k2.pem", tmp);
	snprintf(cmd, sizeof cmd, "openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 "
		 "-out %s 2>/dev/null && openssl genpkey -algorithm RSA -pkeyopt "
		 "rsa_keygen_bits:1024 -out %s 2>/dev/null", path, other);
	ok(system(cmd) == 0, "openssl genpkey: two RSA-1024 keys");
	wl = dgst("sha1", msg, sizeof msg, want);      /* also writes tmp/in */
	snprintf(cmd, sizeof cmd, "openssl dgst -sha256 -sign %s -out %s/sig %s/in", path, tmp,
		 tmp);
	ok(system(cmd) == 0, "openssl dgst -sha256 -sign of the message (another process)");
	snprintf(cmd, sizeof cmd, "%s/sig", tmp);
	fp = fopen(cmd, "rb");
	if (fp != NULL) {
		sl = (long)fread(sig, 1, sizeof sig, fp);
		fclose(fp);
	}
	pub = import_pub(path);
	pub2 = import_pub(other);
	ok(sl == 128 && wl == 20 && pub != CK_INVALID_HANDLE && pub2 != CK_INVALID_HANDLE,
	   "its signature, and both public keys as session objects");

	is_rv(f->C_DigestInit(s, &sha1), CKR_OK, "a SHA-1 digest");
	is_rv(f->C_VerifyInit(s, &rsa, pub), CKR_OK, "and a CKM_SHA256_RSA_PKCS verification");
	is_rv(f->C_DigestUpdate(s, msg, 777), CKR_OK, "half of the message to the digest");
	is_rv(f->C_VerifyUpdate(s, msg, 777), CKR_OK, "and to the verification");
	len = sizeof blob;
	is_rv(f->C_GetOperationState(s, blob, &len), CKR_OK, "C_GetOperationState of both");
	is_rv(f->C_VerifyUpdate(s, msg + 777, sizeof msg - 777), CKR_OK, "the rest, here");
	is_rv(f->C_VerifyFinal(s, sig, 128), CKR_OK, "C_VerifyFinal: openssl's signature");
	is_rv(f->C_DigestInit(s, NULL), CKR_OK, "(the digest ended here)");

	is_rv(f->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &s2), CKR_OK,
	      "a second session");
	is_rv(f->C_SetOperationState(s2, blob, len, CK_INVALID_HANDLE, CK_INVALID_HANDLE),
	      CKR_KEY_NEEDED, "restored without the key: CKR_KEY_NEEDED");
	is_rv(f->C_SetOperationState(s2, blob, len, CK_INVALID_HANDLE, pub2), CKR_KEY_CHANGED,
	      "with another public key: CKR_KEY_CHANGED");
	is_rv(f->C_SetOperationState(s2, blob, len, pub, pub), CKR_KEY_NOT_NEEDED,
	      "with an encryption key too: CKR_KEY_NOT_NEEDED");
	gl = sizeof got;
	is_rv(f->C_DigestFinal(s2, got, &gl), CKR_OPERATION_NOT_INITIALIZED,
	      "the refused restores started nothing");
	is_rv(f->C_SetOperationState(s2, blob, len, CK_INVALID_HANDLE, pub), CKR_OK,
	      "with its key: C_SetOperationState");
	is_rv(f->C_DigestUpdate(s2, msg + 777, sizeof msg - 777), CKR_OK, "the rest to the digest");
	is_rv(f->C_VerifyUpdate(s2, msg + 777, sizeof msg - 777), CKR_OK,
	      "and to the verification");
	is_rv(f->C_VerifyFinal(s2, sig, 128), CKR_OK,
	      "C_VerifyFinal in the second session: openssl's signature holds");
	gl = sizeof got;
	is_rv(f->C_DigestFinal(s2, got, &gl), CKR_OK, "C_DigestFinal");
	ok(gl == 20 && memcmp(got, want, 20) == 0, "... openssl dgst -sha1 of the whole message");
	is_rv(f->C_SetOperationState(s2, blob, len, CK_INVALID_HANDLE, pub), CKR_OK,
	      "restored again");
	is_rv(f->C_VerifyUpdate(s2, msg + 777, sizeof msg - 777 - 1), CKR_OK,
	      "the rest but one byte");
	is_rv(f->C_VerifyFinal(s2, sig, 128), CKR_SIGNATURE_INVALID,
	      "C_VerifyFinal: CKR_SIGNATURE_INVALID (the state is the real one)");

	is_rv(f->C_CreateObject(s, ht, 5, &hkey), CKR_OK, "an HMAC key");
	is_rv(f->C_VerifyInit(s, &hm, hkey), CKR_OK, "an HMAC verification");
	gl = 0;
	is_rv(f->C_GetOperationState(s, NULL, &gl), CKR_STATE_UNSAVEABLE,
	      "its state (derived from the key): CKR_STATE_UNSAVEABLE");
	is_rv(f->C_VerifyInit(s, NULL, hkey), CKR_OK, "ended");
	is_rv(f->C_CloseSession(s2), CKR_OK, "close the second session");
}

/* --blob PATH: save a SHA-256 state in this (other) process and write it to PATH. */
static int blob_child(const char *path)
{
	CK_SLOT_ID slot = 0;
	uint8_t *blob = NULL;
	CK_ULONG len = 0;
	int rv = 1;

	if (f->C_Initialize(NULL) == CKR_OK && api_slot_of(f, 0, &slot) == CKR_OK &&
	    f->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &s) == CKR_OK &&
	    half_state(s, CKM_SHA256, &blob, &len) == CKR_OK && put(path, blob, len) == 0)
		rv = 0;
	free(blob);
	f->C_Finalize(NULL);
	return rv;
}

int main(int argc, char **argv)
{
	CK_SLOT_ID slot = 0;
	size_t i;

	api_rig(argv, 1);
	f = api_module();
	for (i = 0; i < sizeof msg; i++)
		msg[i] = (uint8_t)(i * 131 + 7);
	if (argc == 3 && strcmp(argv[1], "--blob") == 0)
		return blob_child(argv[2]);
	if (mkdtemp(tmp) == NULL)
		return printf("Bail out! mkdtemp\n"), 255;
	is_rv(f->C_Initialize(NULL), CKR_OK, "C_Initialize");
	is_rv(api_slot_of(f, 0, &slot), CKR_OK, "the token's slot");
	is_rv(f->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &s), CKR_OK, "a session");
	digest_key();
	state(slot, argv[0]);
	verify_state(slot);
	is_rv(f->C_CloseSession(s), CKR_OK, "close the session");
	is_rv(f->C_Finalize(NULL), CKR_OK, "C_Finalize");
	{
		char cmd[400];
		snprintf(cmd, sizeof cmd, "rm -rf %s", tmp);
		if (system(cmd) != 0)
			diag("could not remove %s", tmp);
	}
	return done_testing();
}
