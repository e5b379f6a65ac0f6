/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t5125 — sessions opened and closed by several threads at once (runtime/session.c: the
 * table's lock taken shared, each thread with a shard of handles, free entries and
 * counts; the exclusive path for the rest). Four threads open and close sessions as fast
 * as they can, each holding up to HOLD at a time (so the table grows under the others),
 * and each hands one session per round to the next thread, which closes it (a session
 * counted by one thread, closed by another). Then two threads at a time race to close
 * the same session: exactly one gets CKR_OK. Checked: every handle given is new, every
 * session answers C_GetSessionInfo with its own slot and kind while it is open and
 * CKR_SESSION_HANDLE_INVALID once closed, C_GetTokenInfo counts the sessions left (all
 * and read-write), and closing a logged-in token's last session logs it out, also when
 * the last one was opened by another thread and when several threads close the last ones
 * together (PKCS #11 3.2 §5.6, C_CloseSession). All of it with OS locking and with the
 * application's mutexes (which have no shared mode: everything takes the exclusive
 * path). Bounded by rounds; under SANITIZE=thread this is the session table's race check.
 */
#include <pthread.h>
#include <stdatomic.h>

#include "api/api.h"
#include "api/appmutex.h"
#include "api/tsan.h"

#define NT 4
#define ROUNDS 60
#define HOLD 48
#define RACES 200

#define RO CKF_SERIAL_SESSION
#define RW (CKF_SERIAL_SESSION | CKF_RW_SESSION)

static CK_FUNCTION_LIST_PTR f;
static CK_SLOT_ID slot;
static atomic_long bad;
static _Atomic CK_SESSION_HANDLE mailbox[NT];
static CK_SESSION_HANDLE given[NT][ROUNDS * (HOLD + 1) + 8];
static size_t ngiven[NT];
static atomic_long rw_open;             /* the handed-over sessions still open, read-write */

static void fail(const char *what, CK_SESSION_HANDLE h, CK_RV rv)
{
	if (atomic_fetch_add(&bad, 1) < 10)
		diag("%s (session %lu): %s", what, (unsigned long)h, sk_rv_name(rv));
}

/* C_GetSessionInfo of h says it is a session of our slot, of the kind it was opened as. */
static void check_info(CK_SESSION_HANDLE h, CK_FLAGS kind)
{
	CK_SESSION_INFO si;
	CK_RV rv = f->C_GetSessionInfo(h, &si);

	if (rv != CKR_OK)
		fail("C_GetSessionInfo of an open session", h, rv);
	else if (si.slotID != slot || si.flags != kind)
		fail("C_GetSessionInfo: another session's slot or kind", h, CKR_GENERAL_ERROR);
}

static void *churn(void *arg)
{
	int me = (int)(intptr_t)arg, round, i, n;
	CK_SESSION_HANDLE h[HOLD], got;
	CK_FLAGS kind[HOLD];
	CK_RV rv;

	for (round = 0; round < ROUNDS; round++) {
		/* a different number each round: the table fills and empties unevenly */
		n = 1 + (round * 7 + me * 13) % HOLD;
		for (i = 0; i < n; i++) {
			kind[i] = (i + me) % 3 == 0 ? RW : RO;
			rv = f->C_OpenSession(slot, kind[i], NULL, NULL, &h[i]);
			if (rv != CKR_OK) {
				fail("C_OpenSession", 0, rv);
				return NULL;
			}
			given[me][ngiven[me]++] = h[i];
		}
		for (i = 0; i < n; i++)
			check_info(h[i], kind[i]);
		/* the first goes to the next thread; what the one before gave us is closed here */
		if (kind[0] == RW)
			atomic_fetch_add(&rw_open, 1);
		got = atomic_exchange(&mailbox[(me + 1) % NT], h[0]);
		if (got != CK_INVALID_HANDLE) {
			CK_SESSION_INFO si;

			if (f->C_GetSessionInfo(got, &si) == CKR_OK && (si.flags & CKF_RW_SESSION))
				atomic_fetch_sub(&rw_open, 1);
			if ((rv = f->C_CloseSession(got)) != CKR_OK)
				fail("C_CloseSession of a session another thread opened", got, rv);
		}
		for (i = n - 1; i >= 1; i--) {
			if ((rv = f->C_CloseSession(h[i])) != CKR_OK)
				fail("C_CloseSession", h[i], rv);
			else if ((rv = f->C_CloseSession(h[i])) != CKR_SESSION_HANDLE_INVALID)
				fail("C_CloseSession again: not CKR_SESSION_HANDLE_INVALID", h[i], rv);
		}
	}
	return NULL;
}

/* Two threads close one session at the same moment (a barrier between them). */
static pthread_barrier_t race_go, race_done;
static _Atomic CK_SESSION_HANDLE race_h;
static atomic_int race_ok, race_invalid, race_other;

static void race_close(void)
{
	CK_RV rv = f->C_CloseSession(atomic_load(&race_h));

	if (rv == CKR_OK)
		atomic_fetch_add(&race_ok, 1);
	else if (rv == CKR_SESSION_HANDLE_INVALID)
		atomic_fetch_add(&race_invalid, 1);
	else
		atomic_fetch_add(&race_other, 1);
}

static void *racer(void *arg)
{
	int i;

	(void)arg;
	for (i = 0; i < RACES; i++) {
		pthread_barrier_wait(&race_go);
		race_close();
		pthread_barrier_wait(&race_done);
	}
	return NULL;
}

/* The state of a new session, closed again at once; 0 when none could be opened. */
static CK_STATE fresh_state(void)
{
	CK_SESSION_HANDLE s;
	CK_SESSION_INFO si;
	CK_STATE st = 0;

	if (f->C_OpenSession(slot, RO, NULL, NULL, &s) != CKR_OK)
		return 0;
	if (f->C_GetSessionInfo(s, &si) == CKR_OK)
		st = si.state;
	f->C_CloseSession(s);
	return st;
}

static void *open_one(void *arg)
{
	CK_SESSION_HANDLE *out = arg;

	if (f->C_OpenSession(slot, RW, NULL, NULL, out) != CKR_OK)
		*out = CK_INVALID_HANDLE;
	return NULL;
}

static void *close_one(void *arg)
{
	CK_SESSION_HANDLE *h = arg;

	if (f->C_CloseSession(*h) != CKR_OK)
		*h = CK_INVALID_HANDLE;
	return NULL;
}

/* Several threads close the last sessions of a logged-in token together. */
static pthread_barrier_t last_go;
static CK_SESSION_HANDLE last_h[NT][8];

static void *close_last(void *arg)
{
	int me = (int)(intptr_t)arg, i;
	CK_RV rv;

	for (i = 0; i < 8; i++)
		if (f->C_OpenSession(slot, i % 2 ? RW : RO, NULL, NULL, &last_h[me][i]) != CKR_OK)
			fail("C_OpenSession (logged in)", 0, CKR_GENERAL_ERROR);
	pthread_barrier_wait(&last_go);         /* all open; main closes its own */
	pthread_barrier_wait(&last_go);
	for (i = 0; i < 8; i++)
		if ((rv = f->C_CloseSession(last_h[me][i])) != CKR_OK)
			fail("C_CloseSession of one of the last ones", last_h[me][i], rv);
	return NULL;
}

static void bail(const char *what)
{
	printf("Bail out! %s failed\n", what);
	exit(255);
}

static int cmp_handle(const void *a, const void *b)
{
	CK_SESSION_HANDLE x = *(const CK_SESSION_HANDLE *)a, y = *(const CK_SESSION_HANDLE *)b;

	return x < y ? -1 : x > y;
}

static void run(const char *how, CK_C_INITIALIZE_ARGS *args, int prepare)
{
	static CK_SESSION_HANDLE all[NT * (ROUNDS * (HOLD + 1) + 8)];
	pthread_t th[NT];
	CK_SESSION_HANDLE anchor, x, y;
	CK_SESSION_INFO si;
	CK_TOKEN_INFO ti;
	size_t n = 0, i, dup = 0;
	int k, left = 0;

	atomic_store(&bad, 0);
	atomic_store(&rw_open, 0);
	for (k = 0; k < NT; k++) {
		atomic_store(&mailbox[k], CK_INVALID_HANDLE);
		ngiven[k] = 0;
	}
	is_rv(f->C_Initialize(args), CKR_OK, "%s: C_Initialize", how);
	is_rv(api_slot_of(f, 0, &slot), CKR_OK, "%s: the virtual token's slot", how);
	if (prepare)
		is_rv(api_prepare_token(f, slot, "t5125"), CKR_OK, "%s: C_InitToken and C_InitPIN",
		      how);
	is_rv(f->C_OpenSession(slot, RO, NULL, NULL, &anchor), CKR_OK,
	      "%s: a session that stays open", how);

	/* the churn */
	for (k = 0; k < NT; k++)
		if (pthread_create(&th[k], NULL, churn, (void *)(intptr_t)k) != 0)
			bail("pthread_create");
	for (k = 0; k < NT; k++)
		pthread_join(th[k], NULL);
	is_ulong(atomic_load(&bad), 0, "%s: %d threads opened and closed %d rounds of up to %d "
		"sessions each, every call answered as it should", how, NT, ROUNDS, HOLD);
	for (k = 0; k < NT; k++)
		for (i = 0; i < ngiven[k]; i++)
			all[n++] = given[k][i];
	qsort(all, n, sizeof all[0], cmp_handle);
	for (i = 0; i < n; i++)
		if (all[i] == CK_INVALID_HANDLE || (i > 0 && all[i] == all[i - 1]))
			dup++;
	ok(n > (size_t)NT * ROUNDS && dup == 0,
	   "%s: %zu handles given, none twice and none CK_INVALID_HANDLE", how, n);
	for (k = 0; k < NT; k++)
		left += atomic_load(&mailbox[k]) != CK_INVALID_HANDLE;
	is_rv(f->C_GetTokenInfo(slot, &ti), CKR_OK, "%s: C_GetTokenInfo", how);
	is_ulong(ti.ulSessionCount, 1 + (CK_ULONG)left,
		 "%s: it counts the session kept and the %d handed over and not yet closed",
		 how, left);
	is_ulong(ti.ulRwSessionCount, (CK_ULONG)atomic_load(&rw_open),
		 "%s: ... and the read-write ones among them", how);
	for (k = 0; k < NT; k++) {
		x = atomic_exchange(&mailbox[k], CK_INVALID_HANDLE);
		if (x != CK_INVALID_HANDLE && f->C_CloseSession(x) != CKR_OK)
			fail("C_CloseSession of a handed-over session", x, CKR_GENERAL_ERROR);
	}
	is_rv(f->C_GetTokenInfo(slot, &ti), CKR_OK, "%s: C_GetTokenInfo", how);
	ok(ti.ulSessionCount == 1 && ti.ulRwSessionCount == 0,
	   "%s: once those are closed, one session is left (%lu, %lu read-write)", how,
	   (unsigned long)ti.ulSessionCount, (unsigned long)ti.ulRwSessionCount);
	is_rv(f->C_GetSessionInfo(given[0][1], &si), CKR_SESSION_HANDLE_INVALID,
	      "%s: a closed session's handle stays invalid", how);

	/* two threads, one session */
	atomic_store(&race_ok, 0);
	atomic_store(&race_invalid, 0);
	atomic_store(&race_other, 0);
	pthread_barrier_init(&race_go, NULL, 2);
	pthread_barrier_init(&race_done, NULL, 2);
	if (pthread_create(&th[0], NULL, racer, NULL) != 0)
		bail("pthread_create");
	for (k = 0; k < RACES; k++) {
		if (f->C_OpenSession(slot, k % 2 ? RW : RO, NULL, NULL, &x) != CKR_OK)
			x = CK_INVALID_HANDLE;
		atomic_store(&race_h, x);
		pthread_barrier_wait(&race_go);
		race_close();
		pthread_barrier_wait(&race_done);
	}
	pthread_join(th[0], NULL);
	pthread_barrier_destroy(&race_go);
	pthread_barrier_destroy(&race_done);
	ok(atomic_load(&race_ok) == RACES && atomic_load(&race_invalid) == RACES &&
	   atomic_load(&race_other) == 0,
	   "%s: two threads closing one session at once, %d times: one CKR_OK and one "
	   "CKR_SESSION_HANDLE_INVALID each time (%d, %d, %d other)", how, RACES,
	   atomic_load(&race_ok), atomic_load(&race_invalid), atomic_load(&race_other));

	/* the last close logs out: a session another thread opened */
	is_rv(f->C_Login(anchor, CKU_USER, API_PIN(API_USER_PIN)), CKR_OK, "%s: C_Login", how);
	if (pthread_create(&th[0], NULL, open_one, &x) != 0)
		bail("pthread_create");
	pthread_join(th[0], NULL);
	ok(x != CK_INVALID_HANDLE, "%s: another thread opens a session", how);
	is_rv(f->C_CloseSession(anchor), CKR_OK, "%s: the first session closed", how);
	is_rv(f->C_GetSessionInfo(x, &si), CKR_OK, "%s: the other one answers", how);
	is_ulong(si.state, CKS_RW_USER_FUNCTIONS, "%s: ... still logged in", how);
	if (pthread_create(&th[0], NULL, close_one, &x) != 0)
		bail("pthread_create");
	pthread_join(th[0], NULL);
	ok(x != CK_INVALID_HANDLE, "%s: a third thread closes it, the token's last", how);
	is_ulong(fresh_state(), CKS_RO_PUBLIC_SESSION, "%s: a new session: logged out", how);

	/* ... and the last ones closed by several threads together */
	is_rv(f->C_OpenSession(slot, RO, NULL, NULL, &y), CKR_OK, "%s: C_OpenSession", how);
	is_rv(f->C_Login(y, CKU_USER, API_PIN(API_USER_PIN)), CKR_OK, "%s: C_Login", how);
	pthread_barrier_init(&last_go, NULL, NT + 1);
	for (k = 0; k < NT; k++)
		if (pthread_create(&th[k], NULL, close_last, (void *)(intptr_t)k) != 0)
			bail("pthread_create");
	pthread_barrier_wait(&last_go);
	is_rv(f->C_CloseSession(y), CKR_OK, "%s: the login's own session closed", how);
	is_rv(f->C_GetSessionInfo(last_h[NT - 1][1], &si), CKR_OK,
	      "%s: another thread's session answers", how);
	is_ulong(si.state, CKS_RW_USER_FUNCTIONS, "%s: ... logged in while %d sessions are open",
		 how, NT * 8);
	pthread_barrier_wait(&last_go);
	for (k = 0; k < NT; k++)
		pthread_join(th[k], NULL);
	pthread_barrier_destroy(&last_go);
	is_ulong(atomic_load(&bad), 0, "%s: %d threads closed the last %d sessions together", how,
		NT, NT * 8);
	is_ulong(fresh_state(), CKS_RO_PUBLIC_SESSION, "%s: a new session: logged out", how);
	is_rv(f->C_GetTokenInfo(slot, &ti), CKR_OK, "%s: C_GetTokenInfo", how);
	is_ulong(ti.ulSessionCount, 0, "%s: no session is left", how);
	is_rv(f->C_Finalize(NULL), CKR_OK, "%s: C_Finalize", how);
}

int main(int argc, char **argv)
{
	CK_C_INITIALIZE_ARGS args;

	(void)argc;
	api_rig_timeout(argv, 1, 300);
	f = api_module();
	run("OS locking", NULL, 1);

	api_app_mutexes(&args);
	run("application mutexes", &args, 0);
	/* every open and close took the application's mutex for the session table */
	ok(atomic_load(&app_mutex_locks) > 2 * NT * ROUNDS,
	   "application mutexes: they were used (%d locks)", atomic_load(&app_mutex_locks));
	is_ulong(atomic_load(&app_mutex_live), 0,
		 "application mutexes: C_Finalize destroyed every one it created (%d)",
		 atomic_load(&app_mutex_created));
	return done_testing();
}
