/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t5209 — the public keys the module keeps between verifications (crypto_kept.c): a
 * C_VerifyInit with a public key whose bytes it has built an OpenSSL key from before takes
 * that key again. Whatever it keeps, each verification must be the one of its own key.
 *
 * Ten RSA-2048 and ten ECDSA P-256 session key pairs (more than the eight keys kept, so
 * that kept keys are replaced); each signature verifies with its own public key, and with
 * the next key's it is CKR_SIGNATURE_INVALID, in three rounds; each signature is also
 * checked by OpenSSL in this process from the public key's attributes (the independent
 * side). Four threads verify right and wrong pairs in a shuffled order. After C_Finalize
 * and C_Initialize (the kept keys belong to the library context C_Finalize frees) ten new
 * EC keys replace every kept place; and a forked child initialises and verifies on its own
 * while the parent goes on. Last, C_Finalize and dlclose: in the ASan job LeakSanitizer
 * then reports every kept key C_Finalize did not free (the table that held them is
 * unmapped; checked), so the module must be gone (dlopen with RTLD_NOLOAD finds nothing).
 */
#include "api/api.h"

#include <dlfcn.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>
#include <pthread.h>
#include <stdatomic.h>

#define NKEYS 10

static CK_FUNCTION_LIST_PTR f;
static CK_SLOT_ID slot;

static const CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
static const CK_BYTE msg[] = "kept keys must still be the right keys";
/* DER of the OID of P-256 (1.2.840.10045.3.1.7), as CKA_EC_PARAMS */
static const CK_BYTE p256[] = { 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07 };
static const CK_BYTE hash32[32] = "thirty-two bytes stand for a has";

struct keys {
	CK_OBJECT_HANDLE pub[NKEYS], priv[NKEYS];
	CK_BYTE sig[NKEYS][256];
	CK_ULONG siglen[NKEYS];
	int rsa;
	int made;
};

static struct keys rsa_keys = { .rsa = 1 }, ec_keys;

static CK_RV make_pair(CK_SESSION_HANDLE s, int rsa, CK_OBJECT_HANDLE *pub,
		       CK_OBJECT_HANDLE *priv)
{
	CK_MECHANISM mr = { CKM_RSA_PKCS_KEY_PAIR_GEN, NULL, 0 };
	CK_MECHANISM me = { CKM_EC_KEY_PAIR_GEN, NULL, 0 };
	CK_ULONG bits = 2048;
	CK_ATTRIBUTE pr[] = { { CKA_TOKEN, (void *)&no, 1 }, { CKA_VERIFY, (void *)&yes, 1 },
			      { CKA_MODULUS_BITS, &bits, sizeof bits } };
	CK_ATTRIBUTE pe[] = { { CKA_TOKEN, (void *)&no, 1 }, { CKA_VERIFY, (void *)&yes, 1 },
			      { CKA_EC_PARAMS, (void *)p256, sizeof p256 } };
	CK_ATTRIBUTE sp[] = { { CKA_TOKEN, (void *)&no, 1 }, { CKA_SIGN, (void *)&yes, 1 },
			      { CKA_PRIVATE, (void *)&yes, 1 } };

	return f->C_GenerateKeyPair(s, rsa ? &mr : &me, rsa ? pr : pe, 3, sp, 3, pub, priv);
}

static CK_RV sign_with(CK_SESSION_HANDLE s, int rsa, CK_OBJECT_HANDLE priv, CK_BYTE *sig,
		       CK_ULONG *len)
{
	CK_MECHANISM m = { rsa ? CKM_SHA256_RSA_PKCS : CKM_ECDSA, NULL, 0 };
	CK_RV rv = f->C_SignInit(s, &m, priv);

	if (rv != CKR_OK)
		return rv;
	return rsa ? f->C_Sign(s, (CK_BYTE_PTR)msg, sizeof msg - 1, sig, len)
		   : f->C_Sign(s, (CK_BYTE_PTR)hash32, sizeof hash32, sig, len);
}

static CK_RV verify_with(CK_SESSION_HANDLE s, int rsa, CK_OBJECT_HANDLE pub, const CK_BYTE *sig,
			 CK_ULONG len)
{
	CK_MECHANISM m = { rsa ? CKM_SHA256_RSA_PKCS : CKM_ECDSA, NULL, 0 };
	CK_RV rv = f->C_VerifyInit(s, &m, pub);

	if (rv != CKR_OK)
		return rv;
	return rsa ? f->C_Verify(s, (CK_BYTE_PTR)msg, sizeof msg - 1, (CK_BYTE_PTR)sig, len)
		   : f->C_Verify(s, (CK_BYTE_PTR)hash32, sizeof hash32, (CK_BYTE_PTR)sig, len);
}

/* OpenSSL's own verdict on key k's signature, from its public key's attributes: 1 good. */
static int openssl_verifies(CK_SESSION_HANDLE s, struct keys *K, int k)
{
	CK_BYTE a1[512], a2[128];
	CK_ATTRIBUTE rsa_a[] = { { CKA_MODULUS, a1, sizeof a1 },
				 { CKA_PUBLIC_EXPONENT, a2, sizeof a2 } };
	CK_ATTRIBUTE ec_a[] = { { CKA_EC_POINT, a1, sizeof a1 } };
	OSSL_PARAM_BLD *b = OSSL_PARAM_BLD_new();
	OSSL_PARAM *p = NULL;
	EVP_PKEY_CTX *c = NULL;
	EVP_PKEY *pk = NULL;
	EVP_MD_CTX *md = NULL;
	BIGNUM *n = NULL, *e = NULL, *r = NULL, *sv = NULL;
	ECDSA_SIG *es = NULL;
	unsigned char *der = NULL;
	int good = 0, dl;

	if (b == NULL)
		return 0;
	if (K->rsa) {
		if (f->C_GetAttributeValue(s, K->pub[k], rsa_a, 2) != CKR_OK)
			goto out;
		n = BN_bin2bn(a1, (int)rsa_a[0].ulValueLen, NULL);
		e = BN_bin2bn(a2, (int)rsa_a[1].ulValueLen, NULL);
		if (n == NULL || e == NULL || !OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_N, n) ||
		    !OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_E, e))
			goto out;
	} else {
		/* CKA_EC_POINT is a DER OCTET STRING around the uncompressed point (65 bytes) */
		if (f->C_GetAttributeValue(s, K->pub[k], ec_a, 1) != CKR_OK ||
		    ec_a[0].ulValueLen != 67 || a1[0] != 0x04 || a1[1] != 65 ||
		    !OSSL_PARAM_BLD_push_utf8_string(b, OSSL_PKEY_PARAM_GROUP_NAME, "P-256", 0) ||
		    !OSSL_PARAM_BLD_push_octet_string(b, OSSL_PKEY_PARAM_PUB_KEY, a1 + 2, 65))
			goto out;
	}
	p = OSSL_PARAM_BLD_to_param(b);
	c = EVP_PKEY_CTX_new_from_name(NULL, K->rsa ? "RSA" : "EC", NULL);
	if (p == NULL || c == NULL || EVP_PKEY_fromdata_init(c) != 1 ||
	    EVP_PKEY_fromdata(c, &pk, EVP_PKEY_PUBLIC_KEY, p) != 1)
		goto out;
	if (K->rsa) {
		md = EVP_MD_CTX_new();
		good = md != NULL &&
		       EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, pk) == 1 &&
		       EVP_DigestVerify(md, K->sig[k], K->siglen[k], msg, sizeof msg - 1) == 1;
	} else {
		/* PKCS #11's r || s, to DER for OpenSSL */
		EVP_PKEY_CTX *vc;

		r = BN_bin2bn(K->sig[k], 32, NULL);
		sv = BN_bin2bn(K->sig[k] + 32, 32, NULL);
		es = ECDSA_SIG_new();
		if (K->siglen[k] != 64 || r == NULL || sv == NULL || es == NULL ||
		    !ECDSA_SIG_set0(es, r, sv))
			goto out;
		r = sv = NULL;
		dl = i2d_ECDSA_SIG(es, &der);
		vc = EVP_PKEY_CTX_new(pk, NULL);
		good = dl > 0 && vc != NULL && EVP_PKEY_verify_init(vc) == 1 &&
		       EVP_PKEY_verify(vc, der, (size_t)dl, hash32, sizeof hash32) == 1;
		EVP_PKEY_CTX_free(vc);
	}
out:
	OPENSSL_free(der);
	ECDSA_SIG_free(es);
	BN_free(r);
	BN_free(sv);
	EVP_MD_CTX_free(md);
	EVP_PKEY_free(pk);
	EVP_PKEY_CTX_free(c);
	OSSL_PARAM_free(p);
	OSSL_PARAM_BLD_free(b);
	BN_free(n);
	BN_free(e);
	return good;
}

static void make_keys(CK_SESSION_HANDLE s, struct keys *K, const char *what)
{
	int k, bad = 0, independent = 0;

	for (k = 0; k < NKEYS; k++) {
		K->siglen[k] = sizeof K->sig[k];
		if (make_pair(s, K->rsa, &K->pub[k], &K->priv[k]) != CKR_OK ||
		    sign_with(s, K->rsa, K->priv[k], K->sig[k], &K->siglen[k]) != CKR_OK)
			bad++;
		else
			independent += openssl_verifies(s, K, k);
	}
	K->made = bad == 0;
	is_ulong(bad, 0, "%s: %d session key pairs made, a signature with each", what, NKEYS);
	is_ulong(independent, NKEYS, "%s: OpenSSL verifies each signature with its public key",
		 what);
}

/* Three rounds: own key CKR_OK, the next key's CKR_SIGNATURE_INVALID; the mismatches. */
static int rounds(CK_SESSION_HANDLE s, struct keys *K)
{
	int r, k, bad = 0;

	for (r = 0; r < 3; r++)
		for (k = 0; k < NKEYS; k++) {
			if (verify_with(s, K->rsa, K->pub[k], K->sig[k], K->siglen[k]) != CKR_OK)
				bad++;
			if (verify_with(s, K->rsa, K->pub[(k + 1) % NKEYS], K->sig[k],
					K->siglen[k]) != CKR_SIGNATURE_INVALID)
				bad++;
		}
	return bad;
}

static atomic_int tbad;

static void *verifier(void *arg)
{
	unsigned x = 2463534242u + (unsigned)(long)arg * 7919u;
	CK_SESSION_HANDLE s;
	int i;

	if (f->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &s) != CKR_OK) {
		atomic_fetch_add(&tbad, 1);
		return NULL;
	}
	for (i = 0; i < 150; i++) {
		struct keys *K;
		int k, j;
		CK_RV rv;

		x ^= x << 13, x ^= x >> 17, x ^= x << 5;
		K = x & 1 ? &rsa_keys : &ec_keys;
		k = (int)((x >> 1) % NKEYS);
		j = x & 0x100 ? k : (int)((x >> 9) % NKEYS);
		rv = verify_with(s, K->rsa, K->pub[j], K->sig[k], K->siglen[k]);
		if (rv != (j == k ? CKR_OK : CKR_SIGNATURE_INVALID))
			atomic_fetch_add(&tbad, 1);
	}
	f->C_CloseSession(s);
	return NULL;
}

int main(int argc, char **argv)
{
	CK_SESSION_HANDLE s;
	pthread_t th[4];
	struct keys again = { 0 };
	int i, st = -1;
	pid_t pid;
	void *mh;
	char path[4096];

	api_rig(argv, 1);
	mh = module_open();
	f = module_functions(mh);
	if (!api_start(f, "t5209", CKF_SERIAL_SESSION | CKF_RW_SESSION, "a session", &slot, &s))
		return done_testing();
	is_rv(f->C_Login(s, CKU_USER, API_PIN(API_USER_PIN)), CKR_OK, "the user logs in");
	make_keys(s, &rsa_keys, "RSA-2048");
	make_keys(s, &ec_keys, "ECDSA P-256");
	if (rsa_keys.made)
		is_ulong(rounds(s, &rsa_keys), 0, "RSA: 3 rounds, each signature good with its "
			 "own key and CKR_SIGNATURE_INVALID with the next one's");
	if (ec_keys.made)
		is_ulong(rounds(s, &ec_keys), 0, "ECDSA: the same");

	for (i = 0; i < 4; i++)
		pthread_create(&th[i], NULL, verifier, (void *)(long)i);
	for (i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	is_ulong(atomic_load(&tbad), 0, "4 threads, 150 verifications each, right and wrong "
		 "pairs of both kinds shuffled: each answered as its key says");

	/* Under TSan no fork beside the module's reader monitor: Debian 12's libtsan can leave
	 * the child spinning on its allocator's lock (tests/sanitize/sanitize.mk, t7002) */
	if (dlsym(RTLD_DEFAULT, "__tsan_init") != NULL) {
		ok(1, "# SKIP no fork beside a thread under TSan");
		goto after_fork;
	}
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		/* the child: its own initialisation, a key of its own, the kept keys its own */
		CK_SESSION_HANDLE cs;
		CK_OBJECT_HANDLE pub, priv;
		CK_BYTE sig[128];
		CK_ULONG len = sizeof sig;
		int ok = f->C_Initialize(NULL) == CKR_OK &&
			 f->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &cs) == CKR_OK &&
			 f->C_Login(cs, CKU_USER, API_PIN(API_USER_PIN)) == CKR_OK &&
			 make_pair(cs, 0, &pub, &priv) == CKR_OK &&
			 sign_with(cs, 0, priv, sig, &len) == CKR_OK &&
			 verify_with(cs, 0, pub, sig, len) == CKR_OK &&
			 verify_with(cs, 0, pub, sig, len) == CKR_OK;

		sig[5] ^= 1;
		ok = ok && verify_with(cs, 0, pub, sig, len) == CKR_SIGNATURE_INVALID;
		f->C_Finalize(NULL);
		_exit(ok ? 0 : 1);
	}
	ok(pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0,
	   "a forked child initialises, verifies with a key of its own, twice, and refuses a "
	   "damaged signature");
after_fork:
	if (ec_keys.made)
		is_ulong(rounds(s, &ec_keys), 0, "the parent goes on: its keys as before");

	is_rv(f->C_Finalize(NULL), CKR_OK, "C_Finalize (the session keys go, and the kept ones)");
	is_rv(f->C_Initialize(NULL), CKR_OK, "C_Initialize again");
	is_rv(f->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s), CKR_OK,
	      "a session");
	is_rv(f->C_Login(s, CKU_USER, API_PIN(API_USER_PIN)), CKR_OK, "the user logs in");
	make_keys(s, &again, "ECDSA P-256, after C_Initialize again");
	if (again.made)
		is_ulong(rounds(s, &again), 0, "... all ten good with their own key only (every "
			 "kept place taken again)");
	is_rv(f->C_Finalize(NULL), CKR_OK, "C_Finalize");
	f = NULL;
	dlclose(mh);
	ok(dlopen(module_path(path, sizeof path), RTLD_NOW | RTLD_NOLOAD) == NULL,
	   "dlclose unloads the module (what it kept and did not free is a leak now)");
	return done_testing();
}
