/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t5803 — closing a session while another thread is inside a message-based call on it is
 * an error code in that thread, never freed memory (DESIGN.md, "No crash from an
 * application's race"; the message-based processes hold their key and state as t7201's
 * signature does).
 *
 * Thread A loops: C_OpenSession, C_Login, a session AES key, C_MessageEncryptInit with
 * AES-GCM and C_MessageSignInit with ECDSA-SHA256 and the token's key, then rounds of
 * C_EncryptMessageBegin + C_EncryptMessageNext (1 MiB, host work while holding the
 * process) and C_SignMessage (1 MiB hashed, then the token), C_CloseSession. Thread B
 * calls C_CloseAllSessions while A is inside one of those calls (a counter tells it, not a
 * sleep). The work runs in a child with glibc's malloc perturbation; every answer must be
 * one its function's list allows for what the other thread did.
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <sys/mman.h>

#include "api/api.h"

#define ROUNDS 10
#define DATA (1024 * 1024)

static CK_FUNCTION_LIST_3_0_PTR f;
static CK_SLOT_ID slot0;
static const CK_BBOOL yes = CK_TRUE;
static CK_BBOOL no = CK_FALSE;
static const uint8_t oid_p256[] = { 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07 };

struct stats {
	atomic_long calls, messages, closes, bad;
	char first_bad[160];
};
static struct stats *st;
static atomic_int stop;
static long deadline_ms;
static atomic_long seq;         /* odd while A is inside a message call */

static void expect(const char *what, CK_RV rv, const CK_RV *allowed, size_t n)
{
	size_t i;

	atomic_fetch_add(&st->calls, 1);
	for (i = 0; i < n; i++)
		if (rv == allowed[i])
			return;
	if (atomic_fetch_add(&st->bad, 1) == 0)
		snprintf(st->first_bad, sizeof st->first_bad, "%s: %s", what, sk_rv_name(rv));
}
#define EXPECT(what, rv, ...)                                                               \
	do {                                                                                \
		static const CK_RV ok_[] = { __VA_ARGS__ };                                 \
		expect(what, rv, ok_, sizeof ok_ / sizeof ok_[0]);                          \
	} while (0)
/* A's session taken away by B before the call, or while it runs (PKCS #11 3.2 5.1.2) */
#define CLOSED CKR_SESSION_HANDLE_INVALID, CKR_SESSION_CLOSED
#define GONE CLOSED, CKR_OPERATION_NOT_INITIALIZED

static CK_FUNCTION_LIST_3_0_PTR module_30(void)
{
	void *h = module_open();
	CK_C_GetInterface get = (CK_C_GetInterface)module_sym(h, "C_GetInterface");
	CK_VERSION v = { 3, 0 };
	CK_INTERFACE_PTR itf = NULL;

	if (get((CK_UTF8CHAR_PTR) "PKCS 11", &v, &itf, 0) != CKR_OK || itf == NULL) {
		printf("Bail out! no 3.0 interface\n");
		exit(255);
	}
	return itf->pFunctionList;
}

static CK_OBJECT_HANDLE find_key(CK_SESSION_HANDLE s)
{
	CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
	CK_ATTRIBUTE t[] = { { CKA_CLASS, &cls, sizeof cls }, { CKA_ID, "r1", 2 } };
	CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
	CK_ULONG n = 0;

	if (f->C_FindObjectsInit(s, t, 2) != CKR_OK)
		return CK_INVALID_HANDLE;
	if (f->C_FindObjects(s, &h, 1, &n) != CKR_OK)
		n = 0;
	f->C_FindObjectsFinal(s);
	return n == 1 ? h : CK_INVALID_HANDLE;
}

static void *thread_a(void *arg)
{
	static uint8_t data[DATA], out[DATA];
	CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
	CK_KEY_TYPE kt = CKK_AES;
	uint8_t key[16], iv[12], tag[16], sig[64];
	CK_ATTRIBUTE t[] = {
		{ CKA_CLASS, &cls, sizeof cls }, { CKA_KEY_TYPE, &kt, sizeof kt },
		{ CKA_VALUE, key, sizeof key }, { CKA_ENCRYPT, (void *)&yes, 1 },
		{ CKA_PRIVATE, &no, 1 },
	};
	CK_GCM_MESSAGE_PARAMS p = { iv, 12, 32, CKG_GENERATE_COUNTER, tag, 128 };
	CK_MECHANISM gcm = { CKM_AES_GCM, NULL, 0 }, ecdsa = { CKM_ECDSA_SHA256, NULL, 0 };

	memset(data, 0x5a, sizeof data);
	memset(key, 0x11, sizeof key);
	memset(iv, 0, sizeof iv);
	while (!atomic_load(&stop) && api_now_ms() < deadline_ms) {
		CK_SESSION_HANDLE s;
		CK_OBJECT_HANDLE k = CK_INVALID_HANDLE, priv;
		CK_ULONG n;
		CK_RV rv;
		int i;

		rv = f->C_OpenSession(slot0, CKF_SERIAL_SESSION, NULL, NULL, &s);
		EXPECT("A: C_OpenSession", rv, CKR_OK);
		if (rv != CKR_OK)
			break;
		rv = f->C_Login(s, CKU_USER, API_PIN(API_USER_PIN));
		EXPECT("A: C_Login", rv, CKR_OK, CKR_USER_ALREADY_LOGGED_IN, CLOSED);
		priv = find_key(s);
		rv = f->C_CreateObject(s, t, 5, &k);
		EXPECT("A: C_CreateObject", rv, CKR_OK, CLOSED);
		rv = f->C_MessageEncryptInit(s, &gcm, k);
		EXPECT("A: C_MessageEncryptInit", rv, CKR_OK, CLOSED,
		       CKR_KEY_HANDLE_INVALID);
		rv = f->C_MessageSignInit(s, &ecdsa, priv);
		EXPECT("A: C_MessageSignInit", rv, CKR_OK, CLOSED,
		       CKR_KEY_HANDLE_INVALID, CKR_USER_NOT_LOGGED_IN);
		for (i = 0; i < ROUNDS && !atomic_load(&stop); i++) {
			rv = f->C_EncryptMessageBegin(s, &p, sizeof p, NULL, 0);
			EXPECT("A: C_EncryptMessageBegin", rv, CKR_OK, GONE);
			n = sizeof out;
			atomic_fetch_add(&seq, 1);
			rv = f->C_EncryptMessageNext(s, &p, sizeof p, data, sizeof data, out, &n,
						     CKF_END_OF_MESSAGE);
			atomic_fetch_add(&seq, 1);
			EXPECT("A: C_EncryptMessageNext", rv, CKR_OK, GONE);
			if (rv == CKR_OK)
				atomic_fetch_add(&st->messages, 1);
			n = sizeof sig;
			atomic_fetch_add(&seq, 1);
			rv = f->C_SignMessage(s, NULL, 0, data, sizeof data, sig, &n);
			atomic_fetch_add(&seq, 1);
			EXPECT("A: C_SignMessage", rv, CKR_OK, GONE, CKR_USER_NOT_LOGGED_IN);
			if (rv == CKR_OK)
				atomic_fetch_add(&st->messages, 1);
		}
		rv = f->C_MessageEncryptFinal(s);
		EXPECT("A: C_MessageEncryptFinal", rv, CKR_OK, GONE);
		rv = f->C_CloseSession(s);
		EXPECT("A: C_CloseSession", rv, CKR_OK, CLOSED);
	}
	atomic_store(&stop, 1);
	return arg;
}

static void *thread_b(void *arg)
{
	while (!atomic_load(&stop) && api_now_ms() < deadline_ms) {
		long s0 = atomic_load(&seq);

		/* every other call of A is hit while it runs */
		if (s0 % 2 == 0 || s0 % 4 == 3) {
			sched_yield();
			continue;
		}
		EXPECT("B: C_CloseAllSessions", f->C_CloseAllSessions(slot0), CKR_OK);
		atomic_fetch_add(&st->closes, 1);
		while (atomic_load(&seq) == s0 && !atomic_load(&stop) && api_now_ms() < deadline_ms)
			sched_yield();
	}
	atomic_store(&stop, 1);
	return arg;
}

static int workload(long ms)
{
	pthread_t a, b;

	if (f->C_Initialize(NULL) != CKR_OK)
		return 3;
	if (api_slot_of((CK_FUNCTION_LIST_PTR)f, 0, &slot0) != CKR_OK)
		return 6;
	deadline_ms = api_now_ms() + ms;
	pthread_create(&a, NULL, thread_a, NULL);
	pthread_create(&b, NULL, thread_b, NULL);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	if (f->C_Finalize(NULL) != CKR_OK)
		return 4;
	return atomic_load(&st->bad) == 0 ? 0 : 1;
}

static void prepare(void)
{
	CK_MECHANISM m = { CKM_EC_KEY_PAIR_GEN, NULL, 0 };
	CK_ATTRIBUTE pt[] = {
		{ CKA_TOKEN, (void *)&yes, 1 }, { CKA_VERIFY, (void *)&yes, 1 },
		{ CKA_ID, "r1", 2 }, { CKA_EC_PARAMS, (void *)oid_p256, sizeof oid_p256 },
	};
	CK_ATTRIBUTE pr[] = {
		{ CKA_TOKEN, (void *)&yes, 1 }, { CKA_PRIVATE, (void *)&yes, 1 },
		{ CKA_SIGN, (void *)&yes, 1 }, { CKA_ID, "r1", 2 },
	};
	CK_OBJECT_HANDLE pub, priv;
	CK_SESSION_HANDLE s;

	is_rv(f->C_Initialize(NULL), CKR_OK, "C_Initialize");
	is_rv(api_slot_of((CK_FUNCTION_LIST_PTR)f, 0, &slot0), CKR_OK, "the token's slot");
	is_rv(api_prepare_token((CK_FUNCTION_LIST_PTR)f, slot0, "t5803"), CKR_OK,
	      "the token initialised");
	is_rv(f->C_OpenSession(slot0, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s),
	      CKR_OK, "a session");
	is_rv(f->C_Login(s, CKU_USER, API_PIN(API_USER_PIN)), CKR_OK, "user login");
	is_rv(f->C_GenerateKeyPair(s, &m, pt, 4, pr, 4, &pub, &priv), CKR_OK,
	      "an ECDSA P-256 key pair on the token");
	is_rv(f->C_CloseSession(s), CKR_OK, "C_CloseSession");
	is_rv(f->C_Finalize(NULL), CKR_OK, "C_Finalize");
}

static int stats_map(int fd)
{
	st = mmap(NULL, sizeof *st, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	return st == MAP_FAILED ? -1 : 0;
}

int main(int argc, char **argv)
{
	char fdarg[16], msarg[32];
	long ms = 4000;
	int status = -1, fd;
	pid_t pid;

	api_rig_timeout(argv, 1, 120);
	f = module_30();
	if (argc > 3 && strcmp(argv[1], "--child") == 0) {
		if (stats_map(atoi(argv[2])) != 0)
			return 5;
		return workload(atol(argv[3]));
	}
	fd = memfd_create("t5803-stats", 0);
	if (fd < 0 || ftruncate(fd, sizeof *st) != 0 || stats_map(fd) != 0) {
		printf("Bail out! shared memory: %s\n", strerror(errno));
		return 255;
	}
	prepare();
	snprintf(fdarg, sizeof fdarg, "%d", fd);
	snprintf(msarg, sizeof msarg, "%ld", ms);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		setenv("GLIBC_TUNABLES", "glibc.malloc.perturb=165", 1);
		execl("/proc/self/exe", argv[0], "--child", fdarg, msarg, (char *)NULL);
		_exit(127);
	}
	if (pid > 0)
		waitpid(pid, &status, 0);
	if (WIFSIGNALED(status))
		diag("the workload died of signal %d (%s)", WTERMSIG(status),
		     strsignal(WTERMSIG(status)));
	ok(WIFEXITED(status), "the race of message calls and C_CloseAllSessions did not crash");
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	   "every call answered an allowed code (exit %d; %ld calls, %ld messages, "
	   "%ld C_CloseAllSessions)%s%s",
	   WIFEXITED(status) ? WEXITSTATUS(status) : -1, atomic_load(&st->calls),
	   atomic_load(&st->messages), atomic_load(&st->closes),
	   st->first_bad[0] ? "; first other: " : "", st->first_bad);
	ok(atomic_load(&st->messages) > 0 && atomic_load(&st->closes) > 0,
	   "both threads did their work");
	return done_testing();
}
