/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t7204 — C_Finalize while other threads are inside calls (DESIGN.md, "No crash from an
 * application's race"; issue 13): it waits for the calls already inside the module, and
 * every call that arrives after it began answers CKR_CRYPTOKI_NOT_INITIALIZED. Nothing is
 * destroyed under a running call.
 *
 * Rounds of: C_Initialize (OS locks, or the application's mutex callbacks), four threads
 * (every third round twenty: more than the gate's 16 owned counters, lock.h, so that owned
 * and shared ones are counted in at once; every round's threads are new, so the counters
 * of ended threads are used again) calling in a loop (slot list, token info, open a session, session info, a search, a
 * SHA-256 digest of 64 KiB, close), C_Finalize from the main thread once the threads have
 * made a number of calls (counted, not timed), the threads go on until the module says
 * "not initialised" and stop; then the next round. Each thread checks that once it saw
 * CKR_CRYPTOKI_NOT_INITIALIZED every later call says so too, and every answer is one the
 * function's list allows. The work runs in a child with glibc's malloc perturbation, so
 * that a call touching freed memory crashes, which fails the test.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <sys/mman.h>

#include "api/api.h"
#include "api/appmutex.h"
#include "api/tsan.h"

#define THREADS 4
#define MANY_THREADS 20         /* every third round */
#define ROUNDS 24
#define CALLS_BEFORE 60         /* calls made in a round before C_Finalize */

static CK_FUNCTION_LIST_PTR f;
static CK_SLOT_ID slot;

struct stats {
	atomic_long calls, after, bad, rounds;
	char first_bad[160];
};
static struct stats *st;

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static long round_calls;

static void bad(const char *what, CK_RV rv)
{
	if (atomic_fetch_add(&st->bad, 1) == 0)
		snprintf(st->first_bad, sizeof st->first_bad, "%s: %s", what, sk_rv_name(rv));
}

/* One thread's view: has it seen "not initialised" yet? */
struct view {
	int gone;
};

/* rv must be allowed; after "not initialised" only that is. 1 while the thread goes on. */
static int check(struct view *v, const char *what, CK_RV rv, const CK_RV *allowed, size_t n)
{
	size_t i;

	atomic_fetch_add(&st->calls, 1);
	pthread_mutex_lock(&mu);
	round_calls++;
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&mu);
	if (v->gone) {
		atomic_fetch_add(&st->after, 1);
		if (rv != CKR_CRYPTOKI_NOT_INITIALIZED)
			bad(what, rv);  /* C_Finalize had begun: nothing may run any more */
		return 0;
	}
	if (rv == CKR_CRYPTOKI_NOT_INITIALIZED) {
		v->gone = 1;
		return 0;
	}
	for (i = 0; i < n; i++)
		if (rv == allowed[i])
			return 1;
	bad(what, rv);
	return 1;
}
#define CHECK(v, what, rv, ...)                                                             \
	({                                                                                  \
		static const CK_RV ok_[] = { __VA_ARGS__ };                                 \
		check(v, what, rv, ok_, sizeof ok_ / sizeof ok_[0]);                        \
	})

static void *worker(void *arg)
{
	static uint8_t data[64 * 1024];
	struct view v = { 0 };
	CK_MECHANISM sha = { CKM_SHA256, NULL, 0 };
	CK_OBJECT_CLASS cls = CKO_DATA;
	CK_ATTRIBUTE t[] = { { CKA_CLASS, &cls, sizeof cls } };
	int k;

	while (!v.gone) {
		CK_SLOT_ID ids[8];
		CK_ULONG n = 8, dlen;
		CK_TOKEN_INFO ti;
		CK_SESSION_INFO si;
		CK_SESSION_HANDLE s = CK_INVALID_HANDLE;
		uint8_t md[32];
		CK_RV rv;

		CHECK(&v, "C_GetSlotList", f->C_GetSlotList(CK_TRUE, ids, &n), CKR_OK);
		CHECK(&v, "C_GetTokenInfo", f->C_GetTokenInfo(slot, &ti), CKR_OK);
		rv = f->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &s);
		if (!CHECK(&v, "C_OpenSession", rv, CKR_OK) || rv != CKR_OK)
			continue;
		CHECK(&v, "C_GetSessionInfo", f->C_GetSessionInfo(s, &si), CKR_OK);
		CHECK(&v, "C_FindObjectsInit", f->C_FindObjectsInit(s, t, 1), CKR_OK);
		CHECK(&v, "C_FindObjectsFinal", f->C_FindObjectsFinal(s), CKR_OK);
		for (k = 0; k < 2; k++) {
			dlen = sizeof md;
			CHECK(&v, "C_DigestInit", f->C_DigestInit(s, &sha), CKR_OK);
			CHECK(&v, "C_Digest", f->C_Digest(s, data, sizeof data, md, &dlen), CKR_OK);
		}
		CHECK(&v, "C_CloseSession", f->C_CloseSession(s), CKR_OK);
	}
	/* a few more: all must say "not initialised" */
	for (k = 0; k < 3; k++) {
		CK_SLOT_ID ids[8];
		CK_ULONG n = 8;
		CK_SESSION_HANDLE s;

		CHECK(&v, "C_GetSlotList (after)", f->C_GetSlotList(CK_TRUE, ids, &n), CKR_OK);
		CHECK(&v, "C_OpenSession (after)",
		      f->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &s), CKR_OK);
	}
	return arg;
}

static int round_once(CK_C_INITIALIZE_ARGS *args, int nth)
{
	pthread_t th[MANY_THREADS];
	CK_RV rv;
	long i;

	if (f->C_Initialize(args) != CKR_OK)
		return 3;
	if (api_slot_of(f, 0, &slot) != CKR_OK)
		return 6;
	pthread_mutex_lock(&mu);
	round_calls = 0;
	pthread_mutex_unlock(&mu);
	for (i = 0; i < nth; i++)
		pthread_create(&th[i], NULL, worker, (void *)i);
	pthread_mutex_lock(&mu);
	while (round_calls < CALLS_BEFORE)
		pthread_cond_wait(&cv, &mu);
	pthread_mutex_unlock(&mu);
	rv = f->C_Finalize(NULL);       /* while the threads are busy */
	if (rv != CKR_OK)
		bad("C_Finalize", rv);
	for (i = 0; i < nth; i++)
		pthread_join(th[i], NULL);
	atomic_fetch_add(&st->rounds, 1);
	return 0;
}

static int workload(void)
{
	CK_C_INITIALIZE_ARGS app;
	int r, rc;

	api_app_mutexes(&app);
	for (r = 0; r < ROUNDS; r++) {
		rc = round_once(r % 2 ? &app : NULL, r % 3 == 2 ? MANY_THREADS : THREADS);
		if (rc != 0)
			return rc;
	}
	return atomic_load(&st->bad) == 0 ? 0 : 1;
}

static int stats_map(int fd)
{
	st = mmap(NULL, sizeof *st, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	return st == MAP_FAILED ? -1 : 0;
}

int main(int argc, char **argv)
{
	char fdarg[16];
	int status = -1, fd;
	pid_t pid;

	api_rig_timeout(argv, 1, 120);
	f = api_module();
	if (argc > 2 && strcmp(argv[1], "--child") == 0) {
		if (stats_map(atoi(argv[2])) != 0)
			return 5;
		return workload();
	}
	fd = memfd_create("t7204-stats", 0);
	if (fd < 0 || ftruncate(fd, sizeof *st) != 0 || stats_map(fd) != 0) {
		printf("Bail out! shared memory: %s\n", strerror(errno));
		return 255;
	}
	is_rv(f->C_Initialize(NULL), CKR_OK, "C_Initialize");
	is_rv(api_slot_of(f, 0, &slot), CKR_OK, "token 0's slot");
	is_rv(api_prepare_token(f, slot, "t7204"), CKR_OK, "token 0 initialised");
	is_rv(f->C_Finalize(NULL), CKR_OK, "C_Finalize");

	snprintf(fdarg, sizeof fdarg, "%d", fd);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		setenv("GLIBC_TUNABLES", "glibc.malloc.perturb=165", 1);
		execl("/proc/self/exe", argv[0], "--child", fdarg, (char *)NULL);
		_exit(127);
	}
	if (pid > 0)
		waitpid(pid, &status, 0);
	if (WIFSIGNALED(status))
		diag("the workload died of signal %d (%s)", WTERMSIG(status),
		     strsignal(WTERMSIG(status)));
	ok(WIFEXITED(status), "C_Finalize racing %d or %d threads' calls did not crash the module",
	   THREADS, MANY_THREADS);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	   "%ld rounds, %ld calls, each answered as allowed; %ld after C_Finalize began, all "
	   "CKR_CRYPTOKI_NOT_INITIALIZED (exit %d)%s%s",
	   atomic_load(&st->rounds), atomic_load(&st->calls), atomic_load(&st->after),
	   WIFEXITED(status) ? WEXITSTATUS(status) : -1, st->first_bad[0] ? "; first other: " : "",
	   st->first_bad);
	is_ulong(atomic_load(&st->rounds), ROUNDS, "every round finished");
	return done_testing();
}
