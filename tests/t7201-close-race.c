/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t7201 — closing a session while another thread is inside an operation on it is an
 * error code in that thread, never freed memory (DESIGN.md, "No crash from an
 * application's race"; issue 13, defect 1).
 *
 * Two tokens. Thread A loops on token 0: C_OpenSession, C_Login, find the private key,
 * then 20 × (C_SignInit, C_Sign; every other time C_DigestInit, C_Digest too),
 * C_CloseSession. Thread B loops C_CloseAllSessions on token 0 (which takes A's session
 * away, often while A is inside C_Sign or C_Digest) and a
 * C_FindObjectsInit/C_FindObjectsFinal on token 1 (a new operation anywhere: the module
 * once freed the operations of closed sessions right there, including the one A was
 * signing with). A signs with CKM_ECDSA_SHA256 over 1 MiB, so that each C_Sign spends a
 * while hashing on the host, holding its operation but not the token; B aims at a C_Sign
 * of A, then at a C_Digest, and so on, starting when A says it is about to call one (a
 * counter, not a sleep). The work runs in a child process with glibc's malloc
 * perturbation (freed memory is overwritten at once, so a use after free shows); the
 * child must exit normally, every call having answered one of the codes its spec list
 * allows for what the other thread did. Bounded by iterations and by time (a few
 * seconds).
 */
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/mman.h>

#include "api/api.h"
#include "api/tsan.h"

#define ROUNDS 20
#define DATA (1024 * 1024)

static CK_FUNCTION_LIST_PTR f;
static CK_SLOT_ID slot0, slot1;
static const CK_BBOOL yes = CK_TRUE;
static const uint8_t oid_p256[] = { 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07 };

/* shared with the parent */
struct stats {
	atomic_long calls, signatures, digests, closes, bad;
	char first_bad[160];
};
static struct stats *st;
static atomic_int stop;
static long deadline_ms;
/* A's C_Sign and C_Digest calls: odd while one is in progress, aimed_digest telling which
 * (B aims at those, not by sleeping) */
static atomic_long sign_seq;
static atomic_int aimed_digest;


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
/* A's session taken away by B: before the call (handle invalid) or while the call
 * runs, after its handle check (CKR_SESSION_CLOSED, PKCS #11 3.2 section 5.1.2); every
 * function of A's below lists both */
#define CLOSED CKR_SESSION_HANDLE_INVALID, CKR_SESSION_CLOSED
#define EXPECT(what, rv, ...)                                                               \
	do {                                                                                \
		static const CK_RV ok_[] = { __VA_ARGS__ };                                 \
		expect(what, rv, ok_, sizeof ok_ / sizeof ok_[0]);                          \
	} while (0)

static CK_OBJECT_HANDLE find_key(CK_SESSION_HANDLE s)
{
	CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
	CK_ATTRIBUTE t[] = { { CKA_CLASS, &cls, sizeof cls }, { CKA_ID, "r1", 2 } };
	CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
	CK_ULONG n = 0;
	CK_RV rv;

	rv = f->C_FindObjectsInit(s, t, 2);
	EXPECT("A: C_FindObjectsInit", rv, CKR_OK, CLOSED);
	if (rv != CKR_OK)
		return CK_INVALID_HANDLE;
	rv = f->C_FindObjects(s, &h, 1, &n);
	EXPECT("A: C_FindObjects", rv, CKR_OK, CLOSED);
	rv = f->C_FindObjectsFinal(s);
	EXPECT("A: C_FindObjectsFinal", rv, CKR_OK, CLOSED);
	return n == 1 ? h : CK_INVALID_HANDLE;
}

/* A's data, signed and digested whole */
static uint8_t data[DATA];

/* One single-part C_Sign (ECDSA P-256: 64 bytes) or C_Digest (SHA-256: 32) over data,
 * marked in sign_seq while it runs for B to aim at, counted in *done when it answered
 * CKR_OK with its length. */
static void aimed(CK_SESSION_HANDLE s, int digest, atomic_long *done)
{
	uint8_t out[64];
	CK_ULONG len = sizeof out;
	CK_RV rv;

	atomic_store(&aimed_digest, digest);
	atomic_fetch_add(&sign_seq, 1);
	rv = digest ? f->C_Digest(s, data, sizeof data, out, &len)
		    : f->C_Sign(s, data, sizeof data, out, &len);
	atomic_fetch_add(&sign_seq, 1);
	if (digest)
		EXPECT("A: C_Digest", rv, CKR_OK, CLOSED, CKR_OPERATION_NOT_INITIALIZED);
	else
		EXPECT("A: C_Sign", rv, CKR_OK, CLOSED, CKR_OPERATION_NOT_INITIALIZED,
		       CKR_USER_NOT_LOGGED_IN);
	if (rv == CKR_OK) {
		atomic_fetch_add(done, 1);
		if (len != (digest ? 32u : 64u))
			EXPECT(digest ? "A: C_Digest's length" : "A: C_Sign's length",
			       CKR_GENERAL_ERROR, CKR_OK);
	}
}

static void *thread_a(void *arg)
{
	CK_MECHANISM m = { CKM_ECDSA_SHA256, NULL, 0 };
	CK_MECHANISM sha = { CKM_SHA256, NULL, 0 };

	memset(data, 0x5a, sizeof data);
	while (!atomic_load(&stop) && api_now_ms() < deadline_ms) {
		CK_SESSION_HANDLE s;
		CK_OBJECT_HANDLE key;
		CK_RV rv;
		int i;

		rv = f->C_OpenSession(slot0, CKF_SERIAL_SESSION, NULL, NULL, &s);
		EXPECT("A: C_OpenSession", rv, CKR_OK);
		if (rv != CKR_OK)
			break;
		rv = f->C_Login(s, CKU_USER, API_PIN(API_USER_PIN));
		EXPECT("A: C_Login", rv, CKR_OK, CKR_USER_ALREADY_LOGGED_IN, CLOSED);
		key = find_key(s);
		for (i = 0; key != CK_INVALID_HANDLE && i < ROUNDS; i++) {
			rv = f->C_SignInit(s, &m, key);
			EXPECT("A: C_SignInit", rv, CKR_OK, CLOSED,
			       CKR_USER_NOT_LOGGED_IN, CKR_KEY_HANDLE_INVALID);
			if (rv != CKR_OK)
				break;
			aimed(s, 0, &st->signatures);
			/* every other round a single-part digest of the same data too (its
			 * C_Digest has the operation to itself, out of the session: a close
			 * meanwhile finds nothing to end), hit by B one time in two */
			if (i % 2 == 1) {
				rv = f->C_DigestInit(s, &sha);
				EXPECT("A: C_DigestInit", rv, CKR_OK, CLOSED);
				if (rv != CKR_OK)
					break;
				aimed(s, 1, &st->digests);
			}
		}
		rv = f->C_CloseSession(s);
		EXPECT("A: C_CloseSession", rv, CKR_OK, CLOSED);
	}
	atomic_store(&stop, 1);
	return arg;
}

static void *thread_b(void *arg)
{
	CK_OBJECT_CLASS cls = CKO_PUBLIC_KEY;
	CK_ATTRIBUTE t[] = { { CKA_CLASS, &cls, sizeof cls } };
	CK_SESSION_HANDLE s1;
	CK_RV rv;

	rv = f->C_OpenSession(slot1, CKF_SERIAL_SESSION, NULL, NULL, &s1);
	EXPECT("B: C_OpenSession", rv, CKR_OK);
	while (rv == CKR_OK && !atomic_load(&stop) && api_now_ms() < deadline_ms) {
		long seq = atomic_load(&sign_seq);

		/* a C_Sign of A hit while it runs, then a C_Digest, and so on; the calls
		 * before the one aimed at finish */
		if (seq % 2 == 0 ||
		    atomic_load(&aimed_digest) != (int)(atomic_load(&st->closes) % 2)) {
			sched_yield();
			continue;
		}

		EXPECT("B: C_CloseAllSessions", f->C_CloseAllSessions(slot0), CKR_OK);
		atomic_fetch_add(&st->closes, 1);
		EXPECT("B: C_FindObjectsInit", f->C_FindObjectsInit(s1, t, 1), CKR_OK);
		EXPECT("B: C_FindObjectsFinal", f->C_FindObjectsFinal(s1), CKR_OK);
		while (atomic_load(&sign_seq) == seq && !atomic_load(&stop) &&
		       api_now_ms() < deadline_ms)
			sched_yield();
	}
	atomic_store(&stop, 1);
	f->C_CloseSession(s1);
	return arg;
}

/* The child: the race itself; exit 0 when every answer was allowed. */
static int workload(long ms)
{
	pthread_t a, b;

	if (f->C_Initialize(NULL) != CKR_OK)
		return 3;
	/* an application looks at the slots first */
	if (api_slot_of(f, 0, &slot0) != CKR_OK || api_slot_of(f, 1, &slot1) != CKR_OK)
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
	is_rv(api_slot_of(f, 0, &slot0), CKR_OK, "token 0's slot");
	is_rv(api_slot_of(f, 1, &slot1), CKR_OK, "token 1's slot");
	is_rv(api_prepare_token(f, slot0, "t7201-0"), CKR_OK, "token 0 initialised");
	is_rv(api_prepare_token(f, slot1, "t7201-1"), CKR_OK, "token 1 initialised");
	is_rv(f->C_OpenSession(slot0, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s),
	      CKR_OK, "a session on token 0");
	is_rv(f->C_Login(s, CKU_USER, API_PIN(API_USER_PIN)), CKR_OK, "user login");
	is_rv(f->C_GenerateKeyPair(s, &m, pt, 4, pr, 4, &pub, &priv), CKR_OK,
	      "an ECDSA P-256 key pair on token 0");
	is_rv(f->C_CloseSession(s), CKR_OK, "C_CloseSession");
	is_rv(f->C_Finalize(NULL), CKR_OK, "C_Finalize");
}

/* The counters, in memory the child (another program image) maps too. */
static int stats_map(int fd)
{
	st = mmap(NULL, sizeof *st, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	return st == MAP_FAILED ? -1 : 0;
}

int main(int argc, char **argv)
{
	char fdarg[16], msarg[32];
	long ms = 6000;
	int status = -1, fd;
	pid_t pid;

	api_rig_timeout(argv, 2, 120);
	f = api_module();
	if (argc > 3 && strcmp(argv[1], "--child") == 0) {
		if (stats_map(atoi(argv[2])) != 0)
			return 5;
		return workload(atol(argv[3]));
	}
	if (argc > 1 && atol(argv[1]) > 0)
		ms = atol(argv[1]);
	fd = memfd_create("t7201-stats", 0);
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
		/* the module and libc in the child see freed memory overwritten at once */
		setenv("GLIBC_TUNABLES", "glibc.malloc.perturb=165", 1);
		execl("/proc/self/exe", argv[0], "--child", fdarg, msarg, (char *)NULL);
		_exit(127);
	}
	if (pid > 0)
		waitpid(pid, &status, 0);
	if (WIFSIGNALED(status))
		diag("the workload died of signal %d (%s)", WTERMSIG(status),
		     strsignal(WTERMSIG(status)));
	ok(WIFEXITED(status), "the race of C_Sign and C_CloseAllSessions did not crash the module");
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	   "every call answered an allowed code (exit %d; %ld calls, %ld signatures, "
	   "%ld digests, %ld C_CloseAllSessions)%s%s",
	   WIFEXITED(status) ? WEXITSTATUS(status) : -1, atomic_load(&st->calls),
	   atomic_load(&st->signatures), atomic_load(&st->digests), atomic_load(&st->closes),
	   st->first_bad[0] ? "; first other: " : "", st->first_bad);
	ok(atomic_load(&st->signatures) > 0 && atomic_load(&st->digests) > 0 &&
	   atomic_load(&st->closes) > 1,
	   "both threads did their work: signatures and digests made, sessions closed under them");
	return done_testing();
}
