/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t5115 — the reader monitor answers the slot calls from memory. Every SCard* call the
 * module makes is counted (build/t/pcsc-count-shim.so): C_Initialize makes none and starts
 * no thread; the first slot call starts one monitor thread, which then blocks in
 * SCardGetStatusChange; from then on, with a cached token and nothing changing,
 * C_GetSlotList (size and list, present or all), C_GetSlotInfo, C_GetTokenInfo,
 * C_OpenSession + C_CloseSession, C_GetMechanismList and C_WaitForSlotEvent(CKF_DONT_BLOCK)
 * make no SCard* call at all, from this thread or any other; C_GetSessionInfo opens no
 * transaction. A removal is still seen within a second, by C_GetSlotList and by
 * C_WaitForSlotEvent(CKF_DONT_BLOCK), and costs this thread no call either. C_Finalize
 * cancels the monitor (SCardCancel) and its thread is gone when it returns. With the
 * application's mutex callbacks, C_GetSlotList takes none of them once the monitor is
 * current (the monitor's copy of the table, read without the table's lock), and still
 * sees a removal.
 */
#include "shim/pcsc-count.h"
#include "api/appmutex.h"

#define WITHIN_MS 1000

static CK_FUNCTION_LIST_PTR f;

static int present_count(void)
{
	CK_ULONG n = 0;

	return f->C_GetSlotList(CK_TRUE, NULL, &n) == CKR_OK ? (int)n : -1;
}

int main(int argc, char **argv)
{
	CK_SLOT_ID slot = 0, ids[8], ev = (CK_SLOT_ID)-1;
	CK_SLOT_INFO sli;
	CK_TOKEN_INFO ti;
	CK_SESSION_INFO si;
	CK_SESSION_HANDLE h, h2;
	CK_MECHANISM_TYPE mechs[256];
	CK_ULONG n, nm = 256;
	long mine, all, t0, t;
	int threads, i;
	char ans[256];

	(void)argc;
	api_rig(argv, 2);
	pc_shim(argv);
	f = api_module();

	threads = pc_threads();
	ok(threads >= 1, "the process has %d thread(s) before C_Initialize", threads);
	is_rv(f->C_Initialize(NULL), CKR_OK, "C_Initialize");
	is_ulong((unsigned long)pc_all(NULL), 0, "C_Initialize makes no SCard* call");
	is_ulong((unsigned long)pc_threads(), (unsigned long)threads,
		 "C_Initialize starts no thread");

	is_rv(api_slot_of(f, 0, &slot), CKR_OK, "the first slot call (token 0's slot)");
	ok(pc_monitors_within(1, 2000), "... starts one monitor thread");
	ok(pc_blocked_within(1, 2000), "... which blocks in SCardGetStatusChange");
	is_rv(api_prepare_token(f, slot, "t5115"), CKR_OK, "C_InitToken and C_InitPIN");
	is_rv(f->C_GetTokenInfo(slot, &ti), CKR_OK, "C_GetTokenInfo reads the token");
	is_rv(f->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &h), CKR_OK,
	      "a session that stays open");
	ok(pc_blocked_within(1, 2000), "the monitor waits again");

	mine = pc_mine(NULL);
	all = pc_all(NULL);
	for (i = 0; i < 100; i++) {
		n = 0;
		if (f->C_GetSlotList(CK_TRUE, NULL, &n) != CKR_OK || n != 2)
			break;
		if (f->C_GetSlotList(CK_TRUE, ids, &n) != CKR_OK)
			break;
		n = 8;
		if (f->C_GetSlotList(CK_FALSE, ids, &n) != CKR_OK)
			break;
		if (f->C_GetSlotInfo(slot, &sli) != CKR_OK || !(sli.flags & CKF_TOKEN_PRESENT))
			break;
		if (f->C_GetTokenInfo(slot, &ti) != CKR_OK)
			break;
		if (f->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &h2) != CKR_OK ||
		    f->C_CloseSession(h2) != CKR_OK)
			break;
		nm = 256;
		if (f->C_GetMechanismList(slot, mechs, &nm) != CKR_OK)
			break;
		if (f->C_WaitForSlotEvent(CKF_DONT_BLOCK, &ev, NULL) != CKR_NO_EVENT)
			break;
	}
	is_ulong(i, 100, "100 rounds of the cached slot and token calls succeed");
	is_ulong((unsigned long)(pc_mine(NULL) - mine), 0,
		 "... and make no SCard* call from this thread");
	is_ulong((unsigned long)(pc_all(NULL) - all), 0, "... nor from any other");

	mine = pc_mine(NULL);
	all = pc_mine("SCardBeginTransaction") + pc_mine("SCardEndTransaction");
	is_rv(f->C_GetSessionInfo(h, &si), CKR_OK, "C_GetSessionInfo");
	is_ulong((unsigned long)(pc_mine("SCardBeginTransaction") +
				 pc_mine("SCardEndTransaction") - all), 0,
		 "C_GetSessionInfo opens no PC/SC transaction");
	ok(pc_mine(NULL) - mine <= 1, "... and makes at most one round trip (%ld)",
	   pc_mine(NULL) - mine);

	/* a removal: seen within a second, still without a call of this thread */
	mine = pc_mine(NULL);
	is_ulong(api_ctl(1, "remove", ans, sizeof ans), 0, "token 1 removed (%s)", ans);
	t0 = api_now_ms();
	while (present_count() != 1 && api_now_ms() - t0 < 3000)
		sched_yield();
	t = api_now_ms() - t0;
	ok(present_count() == 1 && t <= WITHIN_MS,
	   "C_GetSlotList lists one token within one second of the removal (%ld ms)", t);
	is_rv(f->C_WaitForSlotEvent(CKF_DONT_BLOCK, &ev, NULL), CKR_OK,
	      "C_WaitForSlotEvent(CKF_DONT_BLOCK) reports it");
	ok(ev != slot, "... on token 1's slot, not token 0's");
	is_ulong((unsigned long)(pc_mine(NULL) - mine), 0,
		 "seeing it cost this thread no SCard* call");
	is_ulong(api_ctl(1, "insert", ans, sizeof ans), 0, "token 1 inserted (%s)", ans);
	t0 = api_now_ms();
	while (present_count() != 2 && api_now_ms() - t0 < 3000)
		sched_yield();
	t = api_now_ms() - t0;
	ok(present_count() == 2 && t <= WITHIN_MS,
	   "C_GetSlotList lists two tokens within one second of the insertion (%ld ms)", t);

	all = pc_all("SCardCancel");
	is_rv(f->C_Finalize(NULL), CKR_OK, "C_Finalize");
	ok(pc_all("SCardCancel") > all, "C_Finalize cancels the monitor's wait (SCardCancel)");
	is_ulong((unsigned long)pc_monitors(), 0, "the monitor thread is gone when C_Finalize returns");
	is_ulong((unsigned long)pc_blocked_p(), 0, "nothing waits in SCardGetStatusChange");

	/* and again: the next C_Initialize starts no thread, its first slot call one */
	is_rv(f->C_Initialize(NULL), CKR_OK, "C_Initialize again");
	is_ulong((unsigned long)pc_monitors(), 0, "no monitor thread");
	n = 0;
	is_rv(f->C_GetSlotList(CK_TRUE, NULL, &n), CKR_OK, "C_GetSlotList");
	is_ulong(n, 2, "both tokens");
	ok(pc_monitors_within(1, 2000), "one monitor thread again");
	is_rv(f->C_Finalize(NULL), CKR_OK, "C_Finalize");
	is_ulong((unsigned long)pc_monitors(), 0, "and it is gone");

	/* the slot list without the table's lock: counted through the application's locks */
	CK_C_INITIALIZE_ARGS app;
	int locks;

	api_app_mutexes(&app);
	is_rv(f->C_Initialize(&app), CKR_OK, "C_Initialize with the application's mutexes");
	n = 0;
	is_rv(f->C_GetSlotList(CK_TRUE, NULL, &n), CKR_OK, "C_GetSlotList starts the monitor");
	ok(pc_blocked_within(1, 2000), "the monitor waits in SCardGetStatusChange");
	locks = atomic_load(&app_mutex_locks);
	for (i = 0; i < 100; i++) {
		n = 0;
		if (f->C_GetSlotList(CK_TRUE, NULL, &n) != CKR_OK || n != 2)
			break;
		if (f->C_GetSlotList(CK_TRUE, ids, &n) != CKR_OK || n != 2)
			break;
		n = 8;
		if (f->C_GetSlotList(CK_FALSE, ids, &n) != CKR_OK || n != 2)
			break;
		n = 1;
		if (f->C_GetSlotList(CK_FALSE, ids, &n) != CKR_BUFFER_TOO_SMALL || n != 2)
			break;
		if (f->C_GetSlotInfo(slot, &sli) != CKR_OK || !(sli.flags & CKF_TOKEN_PRESENT))
			break;
	}
	is_ulong(i, 100,
		 "100 rounds of C_GetSlotList (sizes, lists, a short buffer) and C_GetSlotInfo");
	is_ulong((unsigned long)(atomic_load(&app_mutex_locks) - locks), 0,
		 "... taking none of the application's mutexes");
	is_rv(f->C_GetSlotInfo(8, &sli), CKR_SLOT_ID_INVALID, "a slot that is not there");
	is_ulong(api_ctl(1, "remove", ans, sizeof ans), 0, "token 1 removed (%s)", ans);
	t0 = api_now_ms();
	while (present_count() != 1 && api_now_ms() - t0 < 3000)
		sched_yield();
	ok(present_count() == 1, "the lock-free list shows the removal (%ld ms)",
	   api_now_ms() - t0);
	n = 8;
	ok(f->C_GetSlotList(CK_FALSE, ids, &n) == CKR_OK && n == 2,
	   "the empty reader is still a slot");
	{
		int with = 0, k2;

		for (k2 = 0; k2 < 2; k2++)
			with += f->C_GetSlotInfo(ids[k2], &sli) == CKR_OK &&
				(sli.flags & CKF_TOKEN_PRESENT);
		is_ulong((unsigned long)with, 1, "C_GetSlotInfo: one of the two slots has a token");
	}
	is_ulong(api_ctl(1, "insert", ans, sizeof ans), 0, "token 1 inserted (%s)", ans);
	t0 = api_now_ms();
	while (present_count() != 2 && api_now_ms() - t0 < 3000)
		sched_yield();
	is_ulong((unsigned long)present_count(), 2, "and the insertion");
	is_rv(f->C_Finalize(NULL), CKR_OK, "C_Finalize");
	return done_testing();
}
