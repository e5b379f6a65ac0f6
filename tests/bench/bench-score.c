/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * bench-score.c — the scoreboard: PKCS#11 calls through several modules, side by side in
 * one run, as operations per second with 1, 2 and 4 threads, and the targets of the
 * performance work with their ratios.
 *
 *   bench --scoreboard --module NAME=PATH ... [--slot-by-reader NAME] [--pin PIN]
 *         [--turns N] [--turn-ms MS] [--openssl-sha256 OPS64,OPS16K]
 *         [--openssl-verify RSA2048,P256] [--plot-data FILE] [--only TEXT]
 *
 * The keys, by CKA_ID: 01 an RSA-2048 key pair, 02 an ECDSA P-256 one, 03 a GOST R 34.10-2001
 * one (a module without one shows "-" in its rows). The decryption row's ciphertext is made
 * here with OpenSSL from the public key's modulus and exponent, and decrypted once and
 * compared before it is timed; the verification rows verify the module's own signature.
 * --openssl-verify gives `openssl speed`'s verifications per second (rsa2048, ecdsap256),
 * printed next to the module's.
 *
 * Each module is initialised once, a session opened and the user logged in; each worker
 * thread then opens a session of its own on the same token, so that no two threads share
 * a session. A cell (operation, module, threads) is measured in --turns turns of
 * --turn-ms milliseconds each, the modules taking turns, so that a change in the machine's
 * load hits every module alike; its figure is its best turn's (the operations of all
 * threads over the turn's time): on a shared machine a turn can only be slowed by what
 * else runs, so the best of several is the steadiest estimate of the code's own speed, and
 * every module is measured the same way. A module that cannot do an operation (no such object, mechanism) shows "-".
 * --only measures only the rows whose name contains TEXT (e.g. "SHA-256": the digest rows;
 * the others show "-" and their targets "not measured").
 * Scriptoki's module is the first --module; the others are its references. Makes no
 * judgement of its own beyond printing each target as "met" or "missed by X".
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>

#include "cryptoki.h"

#define MAX_MODS 6
#define MAX_THREADS 4
#define NOPS 14

struct mod {
	const char *name, *path;
	void *dl;
	CK_FUNCTION_LIST_PTR f;
	CK_SLOT_ID slot;
	CK_SESSION_HANDLE s;
	CK_SESSION_HANDLE ws[MAX_THREADS];      /* one per worker thread */
	CK_OBJECT_HANDLE priv, pub, ecpriv, ecpub, gostpriv;
	CK_BYTE sig[512], ecsig[128], ct[512];
	CK_ULONG siglen, ecsiglen, ctlen;
	int ok;
	int evp;                /* not a module: OpenSSL's EVP_Digest in this process */
};

enum op { OP_GETATTR, OP_FIND, OP_OPENCLOSE, OP_SESSINFO, OP_SLOTLIST, OP_SIGN, OP_SIGN_EC,
	  OP_SIGN_GOST, OP_DECRYPT, OP_RANDOM, OP_VERIFY, OP_VERIFY_EC, OP_SHA64, OP_SHA16K };
static const char *const op_names[NOPS] = {
	"C_GetAttributeValue (cached)", "C_FindObjects (cached, all)",
	"C_OpenSession+C_CloseSession", "C_GetSessionInfo", "C_GetSlotList (size+list)",
	"C_Sign SHA256-RSA-2048 (warm)", "C_Sign ECDSA P-256 (warm)",
	"C_Sign GOSTR3410-2001 (warm)", "C_Decrypt RSA-PKCS-2048 (warm)",
	"C_GenerateRandom 32 B", "C_Verify SHA256-RSA-2048", "C_Verify ECDSA P-256",
	"SHA-256 64 B (Init+Digest)", "SHA-256 16 KB (Init+Digest)",
};

/* The rows the token's card does the work of: measured with 1 and 2 threads only, in
 * longer turns (they are APDU-bound). */
static int op_on_card(int o)
{
	return o == OP_SIGN || o == OP_SIGN_EC || o == OP_SIGN_GOST || o == OP_DECRYPT ||
	       o == OP_RANDOM;
}
static const int thread_counts[] = { 1, 2, 4 };
#define NTC 3

static const char bench_msg[] = "a message to sign, over and over";
/* what a raw ECDSA or GOST signature signs: a 32-byte hash (any 32 bytes will do) */
static const CK_BYTE bench_hash[32] = "0123456789abcdef0123456789abcdef";
static CK_BYTE data16k[16384];
/* fetched once, as openssl speed does (EVP_sha256() would fetch at every call) */
static EVP_MD *evp_sha256;

struct worker {
	struct mod *m;
	CK_SESSION_HANDLE s;
	enum op op;
	long ops;
	int failed;
	pthread_t th;
};

static atomic_int go, stop;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static CK_OBJECT_HANDLE find_one(struct mod *m, CK_OBJECT_CLASS cls, const char *id)
{
	CK_ATTRIBUTE q[] = { { CKA_CLASS, &cls, sizeof cls }, { CKA_ID, (void *)id, 1 } };
	CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
	CK_ULONG n = 0;

	if (m->f->C_FindObjectsInit(m->s, q, 2) != CKR_OK)
		return CK_INVALID_HANDLE;
	m->f->C_FindObjects(m->s, &h, 1, &n);
	m->f->C_FindObjectsFinal(m->s);
	return n == 1 ? h : CK_INVALID_HANDLE;
}

/* One operation; 0 or -1. */
static int run_op(struct mod *m, CK_SESSION_HANDLE s, enum op op)
{
	CK_FUNCTION_LIST_PTR f = m->f;
	CK_MECHANISM rsa = { CKM_SHA256_RSA_PKCS, NULL, 0 }, sha = { CKM_SHA256, NULL, 0 };
	CK_MECHANISM ec = { CKM_ECDSA, NULL, 0 }, gost = { CKM_GOSTR3410, NULL, 0 };
	CK_MECHANISM pkcs1 = { CKM_RSA_PKCS, NULL, 0 };
	CK_BYTE buf[512], label[64], id[64];
	CK_ULONG len = sizeof buf, n;
	CK_OBJECT_HANDLE hs[32];
	CK_SLOT_ID slots[16];
	CK_SESSION_INFO si;
	CK_SESSION_HANDLE s2;
	CK_ATTRIBUTE a[] = { { CKA_LABEL, label, sizeof label }, { CKA_ID, id, sizeof id } };
	unsigned int dl;

	if (m->evp)
		return (op == OP_SHA64 || op == OP_SHA16K) && evp_sha256 != NULL &&
		       EVP_Digest(data16k, op == OP_SHA64 ? 64 : sizeof data16k, buf, &dl,
				  evp_sha256, NULL) == 1 ? 0 : -1;
	switch (op) {
	case OP_GETATTR:
		return f->C_GetAttributeValue(s, m->pub, a, 2) == CKR_OK ? 0 : -1;
	case OP_FIND:
		if (f->C_FindObjectsInit(s, NULL, 0) != CKR_OK)
			return -1;
		n = 0;
		f->C_FindObjects(s, hs, 32, &n);
		return f->C_FindObjectsFinal(s) == CKR_OK && n > 0 ? 0 : -1;
	case OP_OPENCLOSE:
		if (f->C_OpenSession(m->slot, CKF_SERIAL_SESSION, NULL, NULL, &s2) != CKR_OK)
			return -1;
		return f->C_CloseSession(s2) == CKR_OK ? 0 : -1;
	case OP_SESSINFO:
		return f->C_GetSessionInfo(s, &si) == CKR_OK ? 0 : -1;
	case OP_SLOTLIST:
		n = 0;
		if (f->C_GetSlotList(CK_TRUE, NULL, &n) != CKR_OK)
			return -1;
		n = 16;
		return f->C_GetSlotList(CK_TRUE, slots, &n) == CKR_OK ? 0 : -1;
	case OP_SIGN:
		if (f->C_SignInit(s, &rsa, m->priv) != CKR_OK)
			return -1;
		return f->C_Sign(s, (CK_BYTE_PTR)bench_msg, sizeof bench_msg - 1, buf, &len) ==
		       CKR_OK ? 0 : -1;
	case OP_SIGN_EC:
	case OP_SIGN_GOST:
		if (f->C_SignInit(s, op == OP_SIGN_EC ? &ec : &gost,
				  op == OP_SIGN_EC ? m->ecpriv : m->gostpriv) != CKR_OK)
			return -1;
		return f->C_Sign(s, (CK_BYTE_PTR)bench_hash, sizeof bench_hash, buf, &len) ==
		       CKR_OK ? 0 : -1;
	case OP_DECRYPT:
		if (f->C_DecryptInit(s, &pkcs1, m->priv) != CKR_OK)
			return -1;
		return f->C_Decrypt(s, m->ct, m->ctlen, buf, &len) == CKR_OK &&
		       len == sizeof bench_msg - 1 ? 0 : -1;
	case OP_RANDOM:
		return f->C_GenerateRandom(s, buf, 32) == CKR_OK ? 0 : -1;
	case OP_VERIFY:
		if (f->C_VerifyInit(s, &rsa, m->pub) != CKR_OK)
			return -1;
		return f->C_Verify(s, (CK_BYTE_PTR)bench_msg, sizeof bench_msg - 1, m->sig,
				   m->siglen) == CKR_OK ? 0 : -1;
	case OP_VERIFY_EC:
		if (f->C_VerifyInit(s, &ec, m->ecpub) != CKR_OK)
			return -1;
		return f->C_Verify(s, (CK_BYTE_PTR)bench_hash, sizeof bench_hash, m->ecsig,
				   m->ecsiglen) == CKR_OK ? 0 : -1;
	case OP_SHA64:
	case OP_SHA16K:
		if (f->C_DigestInit(s, &sha) != CKR_OK)
			return -1;
		return f->C_Digest(s, data16k, op == OP_SHA64 ? 64 : sizeof data16k, buf, &len) ==
		       CKR_OK ? 0 : -1;
	}
	return -1;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;

	while (!atomic_load(&go))
		;
	/* at least one operation a turn, however short the turn and however busy the
	 * machine: a turn that ends before its threads ran would have no figure */
	do {
		if (run_op(w->m, w->s, w->op) < 0) {
			w->failed = 1;
			break;
		}
		w->ops++;
	} while (!atomic_load_explicit(&stop, memory_order_relaxed));
	return NULL;
}

/* One turn of ms milliseconds; the operations done, or -1. */
static long turn(struct worker *ws, int nth, enum op op, long ms, double *secs)
{
	double t0, t1;
	long total = 0;
	int i, failed = 0;

	atomic_store(&go, 0);
	atomic_store(&stop, 0);
	for (i = 0; i < nth; i++) {
		ws[i].op = op;
		ws[i].ops = 0;
		ws[i].failed = 0;
		if (pthread_create(&ws[i].th, NULL, worker_main, &ws[i]) != 0)
			return -1;
	}
	t0 = now_s();
	atomic_store(&go, 1);
	{
		struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
		nanosleep(&ts, NULL);   /* the turn's length, not a synchronisation */
	}
	atomic_store(&stop, 1);
	for (i = 0; i < nth; i++) {
		pthread_join(ws[i].th, NULL);
		total += ws[i].ops;
		failed |= ws[i].failed;
	}
	t1 = now_s();
	*secs += t1 - t0;
	return failed ? -1 : total;
}

/* m->ct: bench_msg encrypted with PKCS #1 v1.5 under m->pub, by OpenSSL from the key's
 * modulus and exponent as the module gives them; 0, or -1 when it cannot be made. */
static int rsa_ciphertext(struct mod *m)
{
	CK_BYTE n[512], e[16];
	CK_ATTRIBUTE a[] = { { CKA_MODULUS, n, sizeof n }, { CKA_PUBLIC_EXPONENT, e, sizeof e } };
	OSSL_PARAM_BLD *b = NULL;
	OSSL_PARAM *p = NULL;
	EVP_PKEY_CTX *c = NULL, *enc = NULL;
	EVP_PKEY *k = NULL;
	BIGNUM *bn = NULL, *be = NULL;
	size_t len = sizeof m->ct;
	int rc = -1;

	if (m->pub == CK_INVALID_HANDLE || m->f->C_GetAttributeValue(m->s, m->pub, a, 2) != CKR_OK)
		return -1;
	bn = BN_bin2bn(n, (int)a[0].ulValueLen, NULL);
	be = BN_bin2bn(e, (int)a[1].ulValueLen, NULL);
	b = OSSL_PARAM_BLD_new();
	if (bn != NULL && be != NULL && b != NULL &&
	    OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_N, bn) == 1 &&
	    OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_E, be) == 1)
		p = OSSL_PARAM_BLD_to_param(b);
	c = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	if (p != NULL && c != NULL && EVP_PKEY_fromdata_init(c) == 1 &&
	    EVP_PKEY_fromdata(c, &k, EVP_PKEY_PUBLIC_KEY, p) == 1 &&
	    (enc = EVP_PKEY_CTX_new_from_pkey(NULL, k, NULL)) != NULL &&
	    EVP_PKEY_encrypt_init(enc) == 1 &&
	    EVP_PKEY_CTX_set_rsa_padding(enc, RSA_PKCS1_PADDING) == 1 &&
	    EVP_PKEY_encrypt(enc, m->ct, &len, (const unsigned char *)bench_msg,
			     sizeof bench_msg - 1) == 1) {
		m->ctlen = len;
		rc = 0;
	}
	EVP_PKEY_CTX_free(enc);
	EVP_PKEY_free(k);
	EVP_PKEY_CTX_free(c);
	OSSL_PARAM_free(p);
	OSSL_PARAM_BLD_free(b);
	BN_free(bn);
	BN_free(be);
	return rc;
}

/* The keys and what the rows need of them (a signature to verify, a ciphertext checked
 * to decrypt to the message); what a module cannot do leaves its rows "-". */
static void mod_keys(struct mod *m)
{
	CK_MECHANISM rsa = { CKM_SHA256_RSA_PKCS, NULL, 0 }, ec = { CKM_ECDSA, NULL, 0 };
	CK_MECHANISM pkcs1 = { CKM_RSA_PKCS, NULL, 0 };
	CK_BYTE out[512];
	CK_ULONG len = sizeof out;

	m->priv = find_one(m, CKO_PRIVATE_KEY, "\x01");
	m->pub = find_one(m, CKO_PUBLIC_KEY, "\x01");
	m->ecpriv = find_one(m, CKO_PRIVATE_KEY, "\x02");
	m->ecpub = find_one(m, CKO_PUBLIC_KEY, "\x02");
	m->gostpriv = find_one(m, CKO_PRIVATE_KEY, "\x03");
	m->siglen = sizeof m->sig;
	if (m->priv == CK_INVALID_HANDLE || m->f->C_SignInit(m->s, &rsa, m->priv) != CKR_OK ||
	    m->f->C_Sign(m->s, (CK_BYTE_PTR)bench_msg, sizeof bench_msg - 1, m->sig,
			 &m->siglen) != CKR_OK)
		m->siglen = 0;
	m->ecsiglen = sizeof m->ecsig;
	if (m->ecpriv == CK_INVALID_HANDLE || m->f->C_SignInit(m->s, &ec, m->ecpriv) != CKR_OK ||
	    m->f->C_Sign(m->s, (CK_BYTE_PTR)bench_hash, sizeof bench_hash, m->ecsig,
			 &m->ecsiglen) != CKR_OK)
		m->ecsiglen = 0;
	if (m->priv == CK_INVALID_HANDLE || rsa_ciphertext(m) != 0 ||
	    m->f->C_DecryptInit(m->s, &pkcs1, m->priv) != CKR_OK ||
	    m->f->C_Decrypt(m->s, m->ct, m->ctlen, out, &len) != CKR_OK ||
	    len != sizeof bench_msg - 1 || memcmp(out, bench_msg, len) != 0) {
		if (m->ctlen != 0)
			fprintf(stderr, "bench: %s does not decrypt OpenSSL's ciphertext to the "
				"message; no decryption row\n", m->name);
		m->ctlen = 0;
	}
}

static int mod_open(struct mod *m, const char *reader, const char *pin)
{
	CK_C_GetFunctionList get;
	CK_C_INITIALIZE_ARGS ia;
	CK_SLOT_ID ids[32];
	CK_ULONG n = 32, k;
	CK_RV rv;

	m->dl = dlopen(m->path, RTLD_NOW | RTLD_LOCAL);
	if (m->dl == NULL) {
		fprintf(stderr, "bench: %s: %s\n", m->name, dlerror());
		return -1;
	}
	get = (CK_C_GetFunctionList)dlsym(m->dl, "C_GetFunctionList");
	if (get == NULL || get(&m->f) != CKR_OK)
		return -1;
	/* several threads call it: OS locking, or a module may take none (OpenSC does not
	 * lock with NULL arguments) */
	memset(&ia, 0, sizeof ia);
	ia.flags = CKF_OS_LOCKING_OK;
	rv = m->f->C_Initialize(&ia);
	if (rv != CKR_OK)
		return -1;
	if (m->f->C_GetSlotList(CK_TRUE, ids, &n) != CKR_OK || n == 0)
		return -1;
	m->slot = ids[0];
	for (k = n; k-- > 0;) {
		CK_SLOT_INFO si;
		CK_TOKEN_INFO ti;

		/* the rig's token 0 by its reader's name; else an initialised token */
		if (reader != NULL && m->f->C_GetSlotInfo(ids[k], &si) == CKR_OK &&
		    memcmp(si.slotDescription, reader, strlen(reader)) == 0)
			m->slot = ids[k];
		if (reader == NULL && m->f->C_GetTokenInfo(ids[k], &ti) == CKR_OK &&
		    (ti.flags & CKF_TOKEN_INITIALIZED))
			m->slot = ids[k];
	}
	if (m->f->C_OpenSession(m->slot, CKF_SERIAL_SESSION, NULL, NULL, &m->s) != CKR_OK)
		return -1;
	for (k = 0; k < MAX_THREADS; k++)
		if (m->f->C_OpenSession(m->slot, CKF_SERIAL_SESSION, NULL, NULL, &m->ws[k]) !=
		    CKR_OK)
			return -1;
	rv = m->f->C_Login(m->s, CKU_USER, (CK_UTF8CHAR_PTR)pin, strlen(pin));
	if (rv != CKR_OK && rv != CKR_USER_ALREADY_LOGGED_IN)
		return -1;
	mod_keys(m);
	m->ok = 1;
	return 0;
}

static void mod_close(struct mod *m)
{
	if (m->f != NULL) {
		m->f->C_CloseAllSessions(m->slot);
		m->f->C_Finalize(NULL);
	}
	/* not dlclose()d: a module's threads may outlive its C_Finalize by a little */
}

/* ">= want": "met", or how far off; "<= want" with le. */
static void target(const char *what, double ratio, double want, int le)
{
	double off = le ? (ratio / want - 1) * 100 : (1 - ratio / want) * 100;

	if (ratio <= 0) {
		printf("  %-62s      -   (target %s %.2fx): not measured\n", what, le ? "<=" : ">=",
		       want);
		return;
	}
	if (le ? ratio <= want : ratio >= want)
		printf("  %-62s %7.2fx (target %s %.2fx): met\n", what, ratio, le ? "<=" : ">=",
		       want);
	else
		printf("  %-62s %7.2fx (target %s %.2fx): missed by %.*f%%\n", what, ratio,
		       le ? "<=" : ">=", want, off < 1 ? 1 : 0, off);
}

int bench_score_main(int argc, char **argv);

int bench_score_main(int argc, char **argv)
{
	static struct mod mods[MAX_MODS];
	static double res[NOPS][MAX_MODS][NTC];      /* ops/s; 0: not measured, <0 failed */
	static struct worker ws[MAX_THREADS];
	const char *reader = getenv("VTOKEN0_READER"), *pin = "12345678", *plot = NULL;
	const char *only = NULL;
	double ossl64 = 0, ossl16k = 0, ossl_rsav = 0, ossl_ecv = 0;
	long turns = 5, turn_ms = 100;
	int nmods = 0, i, o, t, k, r;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--module") == 0 && i + 1 < argc && nmods < MAX_MODS) {
			char *eq = strchr(argv[++i], '=');

			if (eq == NULL)
				return 2;
			*eq = '\0';
			mods[nmods].name = argv[i];
			mods[nmods++].path = eq + 1;
		} else if (strcmp(argv[i], "--pin") == 0 && i + 1 < argc) {
			pin = argv[++i];
		} else if (strcmp(argv[i], "--turns") == 0 && i + 1 < argc) {
			turns = atol(argv[++i]);
		} else if (strcmp(argv[i], "--turn-ms") == 0 && i + 1 < argc) {
			turn_ms = atol(argv[++i]);
		} else if (strcmp(argv[i], "--openssl-sha256") == 0 && i + 1 < argc) {
			if (sscanf(argv[++i], "%lf,%lf", &ossl64, &ossl16k) != 2)
				return 2;
		} else if (strcmp(argv[i], "--openssl-verify") == 0 && i + 1 < argc) {
			if (sscanf(argv[++i], "%lf,%lf", &ossl_rsav, &ossl_ecv) != 2)
				return 2;
		} else if (strcmp(argv[i], "--only") == 0 && i + 1 < argc) {
			only = argv[++i];
		} else if (strcmp(argv[i], "--plot-data") == 0 && i + 1 < argc) {
			plot = argv[++i];
		} else if (strcmp(argv[i], "--scoreboard") != 0) {
			fprintf(stderr, "bench --scoreboard: unknown argument '%s'\n", argv[i]);
			return 2;
		}
	}
	if (nmods == 0 || turns < 1 || turn_ms < 1) {
		fprintf(stderr, "bench --scoreboard: at least one --module NAME=PATH\n");
		return 2;
	}
	memset(data16k, 0x5a, sizeof data16k);
	if (nmods < MAX_MODS) {
		/* the floor of the digest rows, in the same turns: what `openssl speed -evp
		 * sha256` measures (EVP_Digest per buffer), in this process */
		evp_sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
		mods[nmods].name = "EVP";
		mods[nmods].evp = 1;
		mods[nmods++].ok = 1;
	}
	for (k = 0; k < nmods; k++)
		if (!mods[k].evp && mod_open(&mods[k], strcmp(mods[k].name, "SoftHSM") == 0 ? NULL : reader,
			     pin) < 0)
			fprintf(stderr, "bench: module %s cannot be used; its column stays empty\n",
				mods[k].name);

	for (o = 0; o < NOPS; o++) {
		for (t = 0; t < NTC; t++) {
			int nth = thread_counts[t];
			double best[MAX_MODS] = { 0 };

			/* the slow card rows once, with 1 and 2 threads: they are APDU-bound */
			if (op_on_card(o) && nth > 2)
				continue;
			for (k = 0; k < nmods; k++) {
				struct mod *m = &mods[k];

				if (!m->ok || (m->evp && o != OP_SHA64 && o != OP_SHA16K) ||
				    (only != NULL && strstr(op_names[o], only) == NULL) ||
				    (o == OP_SIGN && m->priv == CK_INVALID_HANDLE) ||
				    (o == OP_SIGN_EC && m->ecpriv == CK_INVALID_HANDLE) ||
				    (o == OP_SIGN_GOST && m->gostpriv == CK_INVALID_HANDLE) ||
				    (o == OP_DECRYPT && m->ctlen == 0) ||
				    ((o == OP_VERIFY || o == OP_GETATTR) &&
				     m->pub == CK_INVALID_HANDLE) ||
				    (o == OP_VERIFY && m->siglen == 0) ||
				    (o == OP_VERIFY_EC && (m->ecpub == CK_INVALID_HANDLE ||
							   m->ecsiglen == 0)) ||
				    run_op(m, m->s, (enum op)o) < 0) {
					res[o][k][t] = -1;
					continue;
				}
			}
			for (r = 0; r < turns; r++)
				for (k = 0; k < nmods; k++) {
					long n;
					double secs = 0;
					int kk = r % 2 ? nmods - 1 - k : k;

					if (res[o][kk][t] < 0)
						continue;
					for (i = 0; i < nth; i++) {
						ws[i].m = &mods[kk];
						ws[i].s = mods[kk].ws[i];
					}
					n = turn(ws, nth, (enum op)o, op_on_card(o) ? turn_ms * 3 :
						 turn_ms, &secs);
					if (n < 0)
						res[o][kk][t] = -1;
					else if (secs > 0 && (double)n / secs > best[kk])
						best[kk] = (double)n / secs;
				}
			for (k = 0; k < nmods; k++)
				if (res[o][k][t] >= 0 && best[k] > 0)
					res[o][k][t] = best[k];
		}
	}

	printf("PKCS#11 calls side by side, operations per second (all threads together);\n"
	       "each cell the best of %ld turns of %ld ms, the modules taking turns. "
	       "\"-\": not offered.\n\n",
	       turns, turn_ms);
	printf("%-30s %3s", "operation", "thr");
	for (k = 0; k < nmods; k++)
		printf(" %12s", mods[k].name);
	for (k = 1; k < nmods; k++)
		printf("  %9s", "÷");
	printf("\n");
	for (o = 0; o < NOPS; o++)
		for (t = 0; t < NTC; t++) {
			if (op_on_card(o) && thread_counts[t] > 2)
				continue;
			printf("%-30s %3d", op_names[o], thread_counts[t]);
			for (k = 0; k < nmods; k++)
				if (res[o][k][t] > 0)
					printf(" %12.0f", res[o][k][t]);
				else
					printf(" %12s", "-");
			for (k = 1; k < nmods; k++)
				if (res[o][0][t] > 0 && res[o][k][t] > 0)
					printf("  %8.2fx", res[o][0][t] / res[o][k][t]);
				else
					printf("  %9s", "-");
			printf("\n");
		}
	printf("(÷: %s's figure over each reference's", mods[0].name);
	for (k = 1; k < nmods; k++)
		printf("%s %s", k == 1 ? ":" : ",", mods[k].name);
	printf(")\n");
	if (ossl64 > 0)
		printf("openssl speed -evp sha256: %.0f ops/s at 64 B, %.0f ops/s at 16 KB\n",
		       ossl64, ossl16k);
	/* openssl speed verifies a hash; C_Verify SHA256-RSA-PKCS hashes the message too */
	if (ossl_rsav > 0 && res[OP_VERIFY][0][0] > 0)
		printf("openssl speed rsa2048: %.0f verifications/s; %s's C_Verify, 1 thread: "
		       "%.2fx\n", ossl_rsav, mods[0].name, res[OP_VERIFY][0][0] / ossl_rsav);
	if (ossl_ecv > 0 && res[OP_VERIFY_EC][0][0] > 0)
		printf("openssl speed ecdsap256: %.0f verifications/s; %s's C_Verify, 1 thread: "
		       "%.2fx\n", ossl_ecv, mods[0].name, res[OP_VERIFY_EC][0][0] / ossl_ecv);

	printf("\nTargets (ratios from this run):\n");
	{
		int oc = -1;
		static const enum op cached[] = { OP_GETATTR, OP_FIND, OP_OPENCLOSE, OP_SESSINFO };
		char what[128];

		for (k = 1; k < nmods; k++)
			if (strcmp(mods[k].name, "OpenSC") == 0)
				oc = k;
		for (i = 0; i < 4; i++) {
			o = cached[i];
			snprintf(what, sizeof what, "%s vs OpenSC, 1 thread", op_names[o]);
			target(what, oc > 0 && res[o][0][0] > 0 && res[o][oc][0] > 0 ?
			       res[o][0][0] / res[o][oc][0] : 0, 1.0, 0);
			snprintf(what, sizeof what, "%s, 2 threads / 1 thread", op_names[o]);
			target(what, res[o][0][0] > 0 && res[o][0][1] > 0 ?
			       res[o][0][1] / res[o][0][0] : 0, 1.6, 0);
		}
		target("C_GetSlotList vs OpenSC, 1 thread", oc > 0 && res[OP_SLOTLIST][oc][0] > 0 &&
		       res[OP_SLOTLIST][0][0] > 0 ? res[OP_SLOTLIST][0][0] /
		       res[OP_SLOTLIST][oc][0] : 0, 1000, 0);
		for (k = 1; k < nmods; k++)
			if (mods[k].evp) {
				target("SHA-256 16 KB vs EVP_Digest in the same turns",
				       res[OP_SHA16K][0][0] > 0 && res[OP_SHA16K][k][0] > 0 ?
				       res[OP_SHA16K][0][0] / res[OP_SHA16K][k][0] : 0, 0.95, 0);
				target("SHA-256 64 B vs EVP_Digest in the same turns",
				       res[OP_SHA64][0][0] > 0 && res[OP_SHA64][k][0] > 0 ?
				       res[OP_SHA64][0][0] / res[OP_SHA64][k][0] : 0, 0.5, 0);
			}
		target("SHA-256 16 KB vs openssl speed", ossl16k > 0 && res[OP_SHA16K][0][0] > 0 ?
		       res[OP_SHA16K][0][0] / ossl16k : 0, 0.95, 0);
		target("SHA-256 64 B vs openssl speed", ossl64 > 0 && res[OP_SHA64][0][0] > 0 ?
		       res[OP_SHA64][0][0] / ossl64 : 0, 0.5, 0);
	}

	if (plot != NULL) {
		FILE *p = fopen(plot, "w");

		if (p != NULL) {
			fprintf(p, "# threads");
			for (k = 0; k < nmods; k++)
				if (!mods[k].evp)
					fprintf(p, " \"%s getattr\" \"%s find\" \"%s sessinfo\"",
						mods[k].name, mods[k].name, mods[k].name);
			fprintf(p, "\n");
			for (t = 0; t < NTC; t++) {
				fprintf(p, "%d", thread_counts[t]);
				for (k = 0; k < nmods; k++)
					if (!mods[k].evp)
						fprintf(p, " %.0f %.0f %.0f",
							res[OP_GETATTR][k][t] > 0 ? res[OP_GETATTR][k][t] : 0,
							res[OP_FIND][k][t] > 0 ? res[OP_FIND][k][t] : 0,
							res[OP_SESSINFO][k][t] > 0 ? res[OP_SESSINFO][k][t] : 0);
				fprintf(p, "\n");
			}
			fclose(p);
		}
	}
	for (k = 0; k < nmods; k++)
		if (!mods[k].evp)
			mod_close(&mods[k]);
	return 0;
}
