/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t5107 — several threads on two tokens at once: sessions opened and closed, logins and
 * logouts, C_GetTokenInfo, C_GetSessionInfo, the slot list, in a bounded loop. Every call
 * must give one of the answers the standard allows for what the other threads may have
 * done meanwhile, and the tokens must end as they began (no PIN try wasted, nobody logged
 * in on the card once every session is closed).
 *
 * It runs three times in the rig: with pInitArgs NULL, with CKF_OS_LOCKING_OK, and with
 * the application's mutex callbacks (which must then be used, balanced, and destroyed by
 * C_Finalize). Then the same work runs again under valgrind's helgrind
 * (--error-exitcode=99), which reports any data race or lock-order problem in the module;
 * tests/api/helgrind.supp holds the only suppressions, each explained there.
 */
#include <pthread.h>
#include <stdatomic.h>

#include "api/api.h"
#include "api/appmutex.h"

#define THREADS 6

static CK_FUNCTION_LIST_PTR f;
static CK_SLOT_ID slots[2];
static int iterations = 40;
static atomic_int bad;
static atomic_long calls;

/* rv must be one of the allowed ones; otherwise count it and say so. */
static void expect(const char *what, CK_RV rv, CK_RV a, CK_RV b)
{
	atomic_fetch_add(&calls, 1);
	if (rv == a || rv == b)
		return;
	atomic_fetch_add(&bad, 1);
	diag("%s: %s", what, sk_rv_name(rv));
}

static void *worker(void *arg)
{
	long id = (long)arg;
	int i;

	for (i = 0; i < iterations; i++) {
		CK_SLOT_ID slot = slots[(id + i) % 2];
		CK_FLAGS fl = CKF_SERIAL_SESSION | ((id + i) % 3 ? CKF_RW_SESSION : 0);
		CK_SESSION_HANDLE h, h2;
		CK_SESSION_INFO si;
		CK_TOKEN_INFO ti;
		CK_SLOT_ID ids[4];
		CK_ULONG n = 4;
		CK_RV rv;

		if (id == 0) {
			/* the slot side, next to the sessions of the others */
			expect("C_GetSlotList", f->C_GetSlotList(CK_TRUE, ids, &n), CKR_OK, CKR_OK);
			if (n != 2) {
				atomic_fetch_add(&bad, 1);
				diag("C_GetSlotList: %lu slots", n);
			}
			expect("C_GetTokenInfo", f->C_GetTokenInfo(slot, &ti), CKR_OK, CKR_OK);
			n = 0;
			expect("C_GetMechanismList", f->C_GetMechanismList(slot, NULL, &n), CKR_OK,
			       CKR_OK);
			continue;
		}
		expect("C_OpenSession", f->C_OpenSession(slot, fl, NULL, NULL, &h), CKR_OK, CKR_OK);
		expect("C_GetTokenInfo", f->C_GetTokenInfo(slot, &ti), CKR_OK, CKR_OK);
		if (ti.flags & (CKF_USER_PIN_COUNT_LOW | CKF_USER_PIN_LOCKED)) {
			atomic_fetch_add(&bad, 1);
			diag("the user PIN's counter moved");
		}
		rv = f->C_Login(h, CKU_USER, API_PIN(API_USER_PIN));
		expect("C_Login", rv, CKR_OK, CKR_USER_ALREADY_LOGGED_IN);
		expect("C_GetSessionInfo", f->C_GetSessionInfo(h, &si), CKR_OK, CKR_OK);
		if (si.slotID != slot || si.state == CKS_RW_SO_FUNCTIONS) {
			atomic_fetch_add(&bad, 1);
			diag("C_GetSessionInfo: slot %lu state %lu", si.slotID, si.state);
		}
		expect("C_OpenSession", f->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &h2),
		       CKR_OK, CKR_OK);
		expect("C_GetSessionInfo", f->C_GetSessionInfo(h2, &si), CKR_OK, CKR_OK);
		if (i % 4 == 3)
			expect("C_Logout", f->C_Logout(h), CKR_OK, CKR_USER_NOT_LOGGED_IN);
		expect("C_CloseSession", f->C_CloseSession(h2), CKR_OK, CKR_OK);
		expect("C_CloseSession", f->C_CloseSession(h), CKR_OK, CKR_OK);
		expect("C_GetSessionInfo (closed)", f->C_GetSessionInfo(h, &si),
		       CKR_SESSION_HANDLE_INVALID, CKR_SESSION_HANDLE_INVALID);
	}
	return NULL;
}

/* One run: C_Initialize(args), the threads, checks, C_Finalize. */
static void run(const char *name, CK_C_INITIALIZE_ARGS *args)
{
	pthread_t th[THREADS];
	CK_TOKEN_INFO ti;
	long i;
	int k;

	atomic_store(&bad, 0);
	atomic_store(&calls, 0);
	is_rv(f->C_Initialize(args), CKR_OK, "%s: C_Initialize", name);
	for (k = 0; k < 2; k++)
		is_rv(api_slot_of(f, k, &slots[k]), CKR_OK, "%s: token %d's slot", name, k);
	for (i = 0; i < THREADS; i++)
		pthread_create(&th[i], NULL, worker, (void *)i);
	for (i = 0; i < THREADS; i++)
		pthread_join(th[i], NULL);
	is_ulong(atomic_load(&bad), 0, "%s: %ld calls from %d threads, each answered as allowed",
		 name, atomic_load(&calls), THREADS);
	for (k = 0; k < 2; k++) {
		is_rv(f->C_GetTokenInfo(slots[k], &ti), CKR_OK, "%s: token %d's info", name, k);
		is_ulong(ti.ulSessionCount, 0, "%s: token %d has no session left", name, k);
		ok(!(ti.flags & (CKF_USER_PIN_COUNT_LOW | CKF_USER_PIN_LOCKED)),
		   "%s: token %d's user PIN counter is full", name, k);
	}
	is_rv(f->C_Finalize(NULL), CKR_OK, "%s: C_Finalize", name);
}

static void prepare(void)
{
	int k;

	is_rv(f->C_Initialize(NULL), CKR_OK, "C_Initialize");
	for (k = 0; k < 2; k++) {
		is_rv(api_slot_of(f, k, &slots[k]), CKR_OK, "token %d's slot", k);
		is_rv(api_prepare_token(f, slots[k], "t5107"), CKR_OK, "token %d initialised", k);
	}
	is_rv(f->C_Finalize(NULL), CKR_OK, "C_Finalize");
}

/* The card side: nobody verified once every session is closed. */
static void cards_logged_out(const char *name)
{
	char ans[256];
	int k;

	for (k = 0; k < 2; k++) {
		api_ctl(k, "state", ans, sizeof ans);
		ok(strstr(ans, "verified=none") != NULL, "%s: token %d's card is logged out (%s)",
		   name, k, ans);
	}
}

int main(int argc, char **argv)
{
	CK_C_INITIALIZE_ARGS args;
	int st;

	api_rig_timeout(argv, 2, 600);
	f = api_module();

	if (argc > 1 && strcmp(argv[1], "--workload") == 0) {
		/* the child under helgrind: small, both locking kinds */
		iterations = 6;
		run("helgrind, OS locks", NULL);
		api_app_mutexes(&args);
		run("helgrind, application locks", &args);
		return done_testing();
	}

	prepare();
	run("pInitArgs NULL", NULL);
	cards_logged_out("pInitArgs NULL");

	memset(&args, 0, sizeof args);
	args.flags = CKF_OS_LOCKING_OK;
	run("CKF_OS_LOCKING_OK", &args);

	api_app_mutexes(&args);
	run("application mutexes", &args);
	ok(atomic_load(&app_mutex_created) >= 4, "the application's CreateMutex was used (%d mutexes)",
	   atomic_load(&app_mutex_created));
	ok(atomic_load(&app_mutex_locks) > 100, "its LockMutex was used (%d times)", atomic_load(&app_mutex_locks));
	is_ulong(atomic_load(&app_mutex_unlocks), atomic_load(&app_mutex_locks), "every lock was unlocked");
	is_ulong(atomic_load(&app_mutex_live), 0, "C_Finalize destroyed every mutex it created (%d)",
		 atomic_load(&app_mutex_destroyed));
	cards_logged_out("application mutexes");

	/* the same work under helgrind; a sanitizer build (make check-asan, check-tsan) is
	 * checked by its sanitizer instead: valgrind cannot run it */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
	ok(1, "# SKIP helgrind cannot run a sanitizer build");
	return done_testing();
#endif
	if (access("/usr/bin/valgrind", X_OK) != 0) {
		ok(0, "valgrind is there (Debian package valgrind, tools/ensure-deps test)");
		return done_testing();
	}
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		char *dir = realpath("scripts", NULL);

		/* the documented way of naming the scripts folder, which the first card access
		 * of each token reads: that path is checked for races too */
		if (dir != NULL)
			setenv("SCRIPTOKI_SCRIPTS", dir, 1);
		/* its TAP goes to stderr as diagnostics: this test counts once */
		dup2(2, 1);
		execl("/usr/bin/valgrind", "valgrind", "--tool=helgrind", "--error-exitcode=99",
		      "-q", "--suppressions=tests/api/helgrind.supp", argv[0], "--workload",
		      (char *)NULL);
		_exit(127);
	}
	st = -1;
	if (pid > 0)
		waitpid(pid, &st, 0);
	ok(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	   "helgrind: no data race, no lock-order problem, and the work passed (exit %d)",
	   WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	return done_testing();
}
