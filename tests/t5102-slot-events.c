/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t5102 — two virtual tokens are two slots with tokens; removal and reinsertion (the
 * token's control socket) are seen within one second by a C_WaitForSlotEvent blocked in
 * another thread and by C_GetSlotList(CK_TRUE); CKF_DONT_BLOCK gives CKR_NO_EVENT when
 * nothing changed; the removed token's sessions are gone (CKR_SESSION_HANDLE_INVALID),
 * a call in flight gets CKR_DEVICE_REMOVED, the slot's functions say
 * CKR_TOKEN_NOT_PRESENT, the other token is untouched; after reinsertion the token is the
 * same token with nobody logged in; a C_WaitForSlotEvent blocked when another thread calls
 * C_Finalize returns CKR_CRYPTOKI_NOT_INITIALIZED.
 */
#include <pthread.h>
#include <stdatomic.h>

#include "api/api.h"
#include "api/blocked.h"

#define WITHIN_MS 1000

static CK_FUNCTION_LIST_PTR f;

struct waiter {
	pthread_t th;
	atomic_int started;
	atomic_int done;
	atomic_int tid;
	CK_RV rv;
	CK_SLOT_ID slot;
	long returned_ms;
};

static void *wait_thread(void *arg)
{
	struct waiter *w = arg;

	atomic_store(&w->tid, (int)gettid());
	atomic_store(&w->started, 1);
	w->rv = f->C_WaitForSlotEvent(0, &w->slot, NULL);
	w->returned_ms = api_now_ms();
	atomic_store(&w->done, 1);
	return NULL;
}

static void waiter_start(struct waiter *w)
{
	memset(w, 0, sizeof *w);
	w->slot = (CK_SLOT_ID)-1;
	pthread_create(&w->th, NULL, wait_thread, w);
	while (!atomic_load(&w->started))
		sched_yield();
}

/* Join within ms; 1 when the thread ended. */
static int waiter_join(struct waiter *w, long ms)
{
	struct timespec ts;

	bl_deadline(&ts, ms);
	return pthread_timedjoin_np(w->th, NULL, &ts) == 0;
}

/* Is the thread asleep in the kernel (blocked), as /proc says? Bounded by a deadline. */
static int waiter_blocked(struct waiter *w, long ms)
{
	long end = api_now_ms() + ms;
	char path[64], buf[256];

	snprintf(path, sizeof path, "/proc/self/task/%d/stat", atomic_load(&w->tid));
	while (api_now_ms() < end) {
		FILE *fp = fopen(path, "r");
		char *p;
		int sleeping = 0;

		if (fp == NULL)
			return 0;
		if (fgets(buf, sizeof buf, fp) != NULL && (p = strrchr(buf, ')')) != NULL)
			sleeping = p[1] == ' ' && p[2] == 'S';
		fclose(fp);
		if (sleeping)
			return 1;
		sched_yield();
	}
	return 0;
}

/*
 * C_GetSlotList(CK_TRUE) until it lists want slots; the time it took, -1 past the limit.
 * With buf, every call passes a buffer at once (no size query first), as applications
 * with a fixed array do.
 */
static long slots_become_in(CK_ULONG want, long since, long limit_ms, int buf)
{
	for (;;) {
		CK_SLOT_ID ids[8];
		CK_ULONG n = buf ? 8 : 0;
		long now = api_now_ms();

		if (f->C_GetSlotList(CK_TRUE, buf ? ids : NULL, &n) == CKR_OK && n == want)
			return now - since;
		if (now - since > limit_ms)
			return -1;
		struct timespec ts = { 0, 5 * 1000 * 1000 };
		nanosleep(&ts, NULL);   /* polling interval of a measurement, not a synchronisation */
	}
}

static long slots_become(CK_ULONG want, long since, long limit_ms)
{
	return slots_become_in(want, since, limit_ms, 0);
}

static int has_slot(CK_SLOT_ID want)
{
	CK_SLOT_ID ids[8];
	CK_ULONG n = 8, k;

	if (f->C_GetSlotList(CK_TRUE, ids, &n) != CKR_OK)
		return 0;
	for (k = 0; k < n; k++)
		if (ids[k] == want)
			return 1;
	return 0;
}

int main(int argc, char **argv)
{
	CK_SLOT_ID s0 = 99, s1 = 99, ev;
	CK_TOKEN_INFO t0, t1, ti;
	CK_SESSION_HANDLE h0, h0rw, h1, h;
	CK_SESSION_INFO si;
	CK_SLOT_INFO sli;
	CK_ULONG n = 0;
	CK_MECHANISM_TYPE mt[64];
	struct waiter w;
	long t_ev, t_list, t;
	CK_RV rv;
	char ans[256];

	api_rig(argv, 2);
	f = api_module();
	is_rv(f->C_Initialize(NULL), CKR_OK, "C_Initialize");
	is_rv(f->C_GetSlotList(CK_TRUE, NULL, &n), CKR_OK, "C_GetSlotList(CK_TRUE)");
	is_ulong(n, 2, "two virtual tokens are two slots with tokens");
	is_rv(api_slot_of(f, 0, &s0), CKR_OK, "token 0 has a slot");
	is_rv(api_slot_of(f, 1, &s1), CKR_OK, "token 1 has a slot");
	ok(s0 != s1, "different slots (%lu, %lu)", s0, s1);
	is_rv(f->C_GetTokenInfo(s0, &t0), CKR_OK, "token 0's info");
	is_rv(f->C_GetTokenInfo(s1, &t1), CKR_OK, "token 1's info");
	ok(memcmp(t0.serialNumber, t1.serialNumber, sizeof t0.serialNumber) != 0,
	   "two tokens, two serial numbers");
	is_rv(f->C_WaitForSlotEvent(CKF_DONT_BLOCK, &ev, NULL), CKR_NO_EVENT,
	      "CKF_DONT_BLOCK: nothing changed, CKR_NO_EVENT");

	is_rv(api_prepare_token(f, s0, "t5102"), CKR_OK, "token 0 initialised with a user PIN");
	is_rv(f->C_OpenSession(s0, CKF_SERIAL_SESSION, NULL, NULL, &h0), CKR_OK, "a session on 0");
	is_rv(f->C_OpenSession(s0, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &h0rw), CKR_OK,
	      "an R/W session on 0");
	is_rv(f->C_OpenSession(s1, CKF_SERIAL_SESSION, NULL, NULL, &h1), CKR_OK, "a session on 1");
	is_rv(f->C_Login(h0, CKU_USER, API_PIN(API_USER_PIN)), CKR_OK, "the user logs in on 0");

	/* removal */
	waiter_start(&w);
	ok(waiter_blocked(&w, 2000), "C_WaitForSlotEvent blocks in its thread");
	ok(!atomic_load(&w.done), "and has not returned");
	is_ulong(api_ctl(0, "remove", ans, sizeof ans), 0, "token 0 removed (%s)", ans);
	t = api_now_ms();
	rv = f->C_GetSessionInfo(h0rw, &si);
	ok(rv == CKR_OK || rv == CKR_DEVICE_REMOVED || rv == CKR_SESSION_HANDLE_INVALID,
	   "C_GetSessionInfo right after the removal: %s", sk_rv_name(rv));
	rv = f->C_Logout(h0);
	ok(rv == CKR_DEVICE_REMOVED || rv == CKR_SESSION_HANDLE_INVALID,
	   "C_Logout in flight: %s (CKR_DEVICE_REMOVED or CKR_SESSION_HANDLE_INVALID)",
	   sk_rv_name(rv));
	ok(waiter_join(&w, 3000), "the blocked C_WaitForSlotEvent returns");
	t_ev = w.returned_ms - t;
	is_rv(w.rv, CKR_OK, "with CKR_OK");
	is_ulong(w.slot, s0, "for token 0's slot");
	ok(t_ev <= WITHIN_MS, "within one second of the removal (%ld ms)", t_ev);
	t_list = slots_become(1, t, 3000);
	ok(t_list >= 0 && t_list <= WITHIN_MS,
	   "C_GetSlotList(CK_TRUE) lists one slot within one second (%ld ms)", t_list);
	diag("removal seen after: C_WaitForSlotEvent %ld ms, C_GetSlotList %ld ms", t_ev, t_list);
	ok(!has_slot(s0) && has_slot(s1), "the slot listed is token 1's");
	n = 0;
	is_rv(f->C_GetSlotList(CK_FALSE, NULL, &n), CKR_OK, "C_GetSlotList(CK_FALSE)");
	is_ulong(n, 2, "the empty reader keeps its slot");
	is_rv(f->C_GetSlotInfo(s0, &sli), CKR_OK, "C_GetSlotInfo of the empty slot");
	ok(!(sli.flags & CKF_TOKEN_PRESENT), "without CKF_TOKEN_PRESENT");
	is_rv(f->C_GetSessionInfo(h0, &si), CKR_SESSION_HANDLE_INVALID,
	      "the removed token's session is gone");
	is_rv(f->C_GetSessionInfo(h0rw, &si), CKR_SESSION_HANDLE_INVALID,
	      "and its other session too");
	is_rv(f->C_Login(h0, CKU_USER, API_PIN(API_USER_PIN)), CKR_SESSION_HANDLE_INVALID,
	      "C_Login on it: CKR_SESSION_HANDLE_INVALID");
	is_rv(f->C_CloseSession(h0), CKR_SESSION_HANDLE_INVALID, "C_CloseSession on it too");
	is_rv(f->C_GetTokenInfo(s0, &ti), CKR_TOKEN_NOT_PRESENT, "C_GetTokenInfo: no token");
	n = 64;
	is_rv(f->C_GetMechanismList(s0, mt, &n), CKR_TOKEN_NOT_PRESENT,
	      "C_GetMechanismList: no token");
	is_rv(f->C_GetMechanismInfo(s0, CKM_RSA_PKCS, &(CK_MECHANISM_INFO){0}),
	      CKR_TOKEN_NOT_PRESENT, "C_GetMechanismInfo: no token");
	is_rv(f->C_OpenSession(s0, CKF_SERIAL_SESSION, NULL, NULL, &h), CKR_TOKEN_NOT_PRESENT,
	      "C_OpenSession: no token");
	is_rv(f->C_InitToken(s0, API_PIN(API_SO_PIN), (CK_UTF8CHAR_PTR)"x                               "),
	      CKR_TOKEN_NOT_PRESENT, "C_InitToken: no token");
	is_rv(f->C_CloseAllSessions(s0), CKR_OK, "C_CloseAllSessions on the empty slot");
	is_rv(f->C_GetSessionInfo(h1, &si), CKR_OK, "token 1's session lives on");
	is_rv(f->C_GetTokenInfo(s1, &ti), CKR_OK, "token 1 answers");
	is_rv(f->C_WaitForSlotEvent(CKF_DONT_BLOCK, &ev, NULL), CKR_NO_EVENT,
	      "CKF_DONT_BLOCK after the event was reported: CKR_NO_EVENT");

	/* reinsertion */
	waiter_start(&w);
	ok(waiter_blocked(&w, 2000), "C_WaitForSlotEvent blocks again");
	is_ulong(api_ctl(0, "insert", ans, sizeof ans), 0, "token 0 inserted (%s)", ans);
	t = api_now_ms();
	ok(waiter_join(&w, 3000), "the blocked C_WaitForSlotEvent returns");
	t_ev = w.returned_ms - t;
	is_rv(w.rv, CKR_OK, "with CKR_OK");
	is_ulong(w.slot, s0, "for token 0's slot");
	ok(t_ev <= WITHIN_MS, "within one second of the insertion (%ld ms)", t_ev);
	t_list = slots_become(2, t, 3000);
	ok(t_list >= 0 && t_list <= WITHIN_MS,
	   "C_GetSlotList(CK_TRUE) lists two slots within one second (%ld ms)", t_list);
	diag("insertion seen after: C_WaitForSlotEvent %ld ms, C_GetSlotList %ld ms", t_ev, t_list);
	ok(has_slot(s0), "token 0 is back in its old slot %lu", s0);
	is_rv(f->C_GetSessionInfo(h0rw, &si), CKR_SESSION_HANDLE_INVALID,
	      "a session from before the removal stays gone");
	is_rv(f->C_GetTokenInfo(s0, &ti), CKR_OK, "C_GetTokenInfo of the reinserted token");
	ok(memcmp(ti.serialNumber, t0.serialNumber, sizeof ti.serialNumber) == 0 &&
	   memcmp(ti.label, "t5102 ", 6) == 0, "the same token, with the label it was given");
	is_ulong(ti.ulSessionCount, 0, "no session counted on it");
	is_rv(f->C_OpenSession(s0, CKF_SERIAL_SESSION, NULL, NULL, &h), CKR_OK, "a new session");
	is_rv(f->C_GetSessionInfo(h, &si), CKR_OK, "C_GetSessionInfo");
	is_ulong(si.state, CKS_RO_PUBLIC_SESSION, "nobody is logged in after reinsertion");
	is_rv(f->C_Login(h, CKU_USER, API_PIN(API_USER_PIN)), CKR_OK, "the user logs in again");
	is_rv(f->C_WaitForSlotEvent(CKF_DONT_BLOCK, &ev, NULL), CKR_NO_EVENT,
	      "CKF_DONT_BLOCK after the insertion was reported: CKR_NO_EVENT");

	/* C_Finalize ends a blocked wait */
	waiter_start(&w);
	ok(waiter_blocked(&w, 2000), "C_WaitForSlotEvent blocks");
	t = api_now_ms();
	is_rv(f->C_Finalize(NULL), CKR_OK, "another thread calls C_Finalize");
	ok(waiter_join(&w, 3000), "the blocked C_WaitForSlotEvent returns");
	is_rv(w.rv, CKR_CRYPTOKI_NOT_INITIALIZED, "with CKR_CRYPTOKI_NOT_INITIALIZED");
	diag("C_WaitForSlotEvent ended %ld ms after C_Finalize began", w.returned_ms - t);
	is_rv(f->C_WaitForSlotEvent(CKF_DONT_BLOCK, &ev, NULL), CKR_CRYPTOKI_NOT_INITIALIZED,
	      "C_WaitForSlotEvent after C_Finalize");

	/* and the library can start again */
	is_rv(f->C_Initialize(NULL), CKR_OK, "C_Initialize again");
	n = 0;
	is_rv(f->C_GetSlotList(CK_TRUE, NULL, &n), CKR_OK, "C_GetSlotList");
	is_ulong(n, 2, "both tokens are there");

	/* an application that always passes a buffer (no size query) sees the change too */
	is_ulong(api_ctl(1, "remove", ans, sizeof ans), 0, "token 1 removed (%s)", ans);
	t = api_now_ms();
	t_list = slots_become_in(1, t, 3000, 1);
	ok(t_list >= 0 && t_list <= WITHIN_MS,
	   "C_GetSlotList(CK_TRUE, buffer) alone lists one slot within one second (%ld ms)", t_list);
	is_ulong(api_ctl(1, "insert", ans, sizeof ans), 0, "token 1 inserted (%s)", ans);
	t = api_now_ms();
	t_list = slots_become_in(2, t, 3000, 1);
	ok(t_list >= 0 && t_list <= WITHIN_MS,
	   "C_GetSlotList(CK_TRUE, buffer) alone lists two slots within one second (%ld ms)",
	   t_list);
	is_rv(f->C_Finalize(NULL), CKR_OK, "C_Finalize");
	return done_testing();
}
