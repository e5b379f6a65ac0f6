/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * bench-score.c — the scoreboard: PKCS#11 calls through several modules, side by side in
 * one run, as operations per second with 1, 2 and 4 threads, and the targets of the
 * performance work with their ratios.
 *
 *   bench --scoreboard --module NAME=PATH ... [--slot-by-reader NAME] [--pin PIN]
 *         [--turns N] [--turn-ms MS] [--openssl-sha256 OPS64,OPS16K] [--plot-data FILE]
 *         [--only TEXT]
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

#include <openssl/evp.h>

#include "cryptoki.h"

#define MAX_MODS 6
#define MAX_THREADS 4
#define NOPS 9

struct mod {
	const char *name, *path;
	void *dl;
	CK_FUNCTION_LIST_PTR f;
	CK_SLOT_ID slot;
	CK_SESSION_HANDLE s;
	CK_SESSION_HANDLE ws[MAX_THREADS];      /* one per worker thread */
	CK_OBJECT_HANDLE priv, pub;
	CK_BYTE sig[512];
	CK_ULONG siglen;
	int ok;
	int evp;                /* not a module: OpenSSL's EVP_Digest in this process */
};

enum op { OP_GETATTR, OP_FIND, OP_OPENCLOSE, OP_SESSINFO, OP_SLOTLIST, OP_SIGN, OP_VERIFY,
	  OP_SHA64, OP_SHA16K };
static const char *const op_names[NOPS] = {
	"C_GetAttributeValue (cached)", "C_FindObjects (cached, all)",
	"C_OpenSession+C_CloseSession", "C_GetSessionInfo", "C_GetSlotList (size+list)",
	"C_Sign SHA256-RSA-2048 (warm)", "C_Verify SHA256-RSA-2048", "SHA-256 64 B (Init+Digest)",
	"SHA-256 16 KB (Init+Digest)",
};
static const int thread_counts[] = { 1, 2, 4 };
#define NTC 3

static const char bench_msg[] = "a message to sign, over and over";
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

static CK_OBJECT_HANDLE find_one(struct mod *m, CK_OBJECT_CLASS cls)
{
	CK_ATTRIBUTE q[] = { { CKA_CLASS, &cls, sizeof cls }, { CKA_ID, "\x01", 1 } };
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
	case OP_VERIFY:
		if (f->C_VerifyInit(s, &rsa, m->pub) != CKR_OK)
			return -1;
		return f->C_Verify(s, (CK_BYTE_PTR)bench_msg, sizeof bench_msg - 1, m->sig,
				   m->siglen) == CKR_OK ? 0 : -1;
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
	m->priv = find_one(m, CKO_PRIVATE_KEY);
	m->pub = find_one(m, CKO_PUBLIC_KEY);
	if (m->priv != CK_INVALID_HANDLE) {
		CK_MECHANISM rsa = { CKM_SHA256_RSA_PKCS, NULL, 0 };

		m->siglen = sizeof m->sig;
		if (m->f->C_SignInit(m->s, &rsa, m->priv) != CKR_OK ||
		    m->f->C_Sign(m->s, (CK_BYTE_PTR)bench_msg, sizeof bench_msg - 1, m->sig,
				 &m->siglen) != CKR_OK)
			m->siglen = 0;
	}
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
	double ossl64 = 0, ossl16k = 0;
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
			if (o == OP_SIGN && nth > 2)
				continue;
			for (k = 0; k < nmods; k++) {
				struct mod *m = &mods[k];

				if (!m->ok || (m->evp && o != OP_SHA64 && o != OP_SHA16K) ||
				    (only != NULL && strstr(op_names[o], only) == NULL) ||
				    (o == OP_SIGN && m->priv == CK_INVALID_HANDLE) ||
				    ((o == OP_VERIFY || o == OP_GETATTR) &&
				     m->pub == CK_INVALID_HANDLE) ||
				    (o == OP_VERIFY && m->siglen == 0) ||
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
					n = turn(ws, nth, (enum op)o, o == OP_SIGN ? turn_ms * 3 :
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
			if (o == OP_SIGN && thread_counts[t] > 2)
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
