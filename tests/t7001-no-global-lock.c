/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t7001 — no module-wide lock is held during card I/O (DESIGN.md, invariants).
 *
 * Two virtual tokens. Token 0's process is stopped (SIGSTOP), so any APDU sent to it hangs
 * until it is continued. Thread A asks token 0 for its token info (its first call: it must
 * talk to the card) and hangs in card I/O — we wait until the thread is seen blocked in the
 * kernel, and that token 0's APDU count has not moved, rather than sleeping. While it hangs,
 * thread B makes calls that need the slot table, the session table and token 1's card
 * (C_GetInfo, C_GetSlotList, C_GetSlotInfo of both slots, C_GetTokenInfo, C_OpenSession,
 * C_GetSessionInfo, C_CloseSession on token 1). They must all finish while A is still
 * blocked; a module-wide lock would hold them behind A until the deadline. Then token 0 is
 * continued and A's call completes normally.
 */
#include <pthread.h>
#include <signal.h>

#include "api/api.h"
#include "api/blocked.h"

static CK_FUNCTION_LIST_PTR fl;
static CK_SLOT_ID slot0, slot1;

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int a_done, b_done;
static long a_tid;
static CK_RV a_rv = CKR_GENERAL_ERROR;
static CK_RV b_rv[8];

static void *thread_a(void *arg)
{
	CK_TOKEN_INFO ti;
	CK_RV rv;

	bl_tell_tid(&mu, &a_tid);
	rv = fl->C_GetTokenInfo(slot0, &ti);
	bl_set_flag(&mu, &cv, &a_done, &a_rv, rv);
	return arg;
}

static void *thread_b(void *arg)
{
	CK_INFO info;
	CK_SLOT_ID ids[32];
	CK_ULONG n = 32;
	CK_SLOT_INFO si;
	CK_TOKEN_INFO ti;
	CK_SESSION_HANDLE s = CK_INVALID_HANDLE;
	CK_SESSION_INFO sinfo;

	b_rv[0] = fl->C_GetInfo(&info);
	b_rv[1] = fl->C_GetSlotList(CK_TRUE, ids, &n);
	b_rv[2] = fl->C_GetSlotInfo(slot0, &si);
	b_rv[3] = fl->C_GetSlotInfo(slot1, &si);
	b_rv[4] = fl->C_GetTokenInfo(slot1, &ti);          /* card I/O on the other token */
	b_rv[5] = fl->C_OpenSession(slot1, CKF_SERIAL_SESSION, NULL, NULL, &s);
	b_rv[6] = fl->C_GetSessionInfo(s, &sinfo);
	b_rv[7] = fl->C_CloseSession(s);
	bl_set_flag(&mu, &cv, &b_done, NULL, CKR_OK);
	return arg;
}

int main(int argc, char **argv)
{
	pthread_t ta, tb;
	pid_t tok0;
	long before;
	int blocked;

	(void)argc;
	api_rig(argv, 2);
	fl = api_module();
	tok0 = bl_token_pid(0);

	bl_initialize(fl);
	is_rv(api_slot_of(fl, 0, &slot0), CKR_OK, "token 0's slot");
	is_rv(api_slot_of(fl, 1, &slot1), CKR_OK, "token 1's slot");

	before = api_apdus(0);
	ok(kill(tok0, SIGSTOP) == 0, "token 0 is stopped: its card answers nothing");
	pthread_create(&ta, NULL, thread_a, NULL);

	/* wait until A sleeps in the kernel inside its call (bounded; no sleep as sync) */
	blocked = bl_wait_blocked(&mu, &a_tid, &a_done, 10000);
	ok(blocked, "thread A is blocked in C_GetTokenInfo of the stopped token");
	is_ulong(api_apdus(0), before, "token 0 has answered nothing meanwhile");

	pthread_create(&tb, NULL, thread_b, NULL);
	ok(bl_wait_flag(&mu, &cv, &b_done, 15000), "thread B's calls all finished while A was blocked");
	ok(!bl_flag_now(&mu, &a_done), "... and A was still blocked when they had");
	is_rv(b_rv[0], CKR_OK, "C_GetInfo");
	is_rv(b_rv[1], CKR_OK, "C_GetSlotList");
	is_rv(b_rv[2], CKR_OK, "C_GetSlotInfo of the blocked token's slot");
	is_rv(b_rv[3], CKR_OK, "C_GetSlotInfo of the other slot");
	is_rv(b_rv[4], CKR_OK, "C_GetTokenInfo of the other token (card I/O on it)");
	is_rv(b_rv[5], CKR_OK, "C_OpenSession on the other token");
	is_rv(b_rv[6], CKR_OK, "C_GetSessionInfo");
	is_rv(b_rv[7], CKR_OK, "C_CloseSession");

	ok(kill(tok0, SIGCONT) == 0, "token 0 continues");
	ok(bl_wait_flag(&mu, &cv, &a_done, 20000), "thread A's call returns");
	is_rv(a_rv, CKR_OK, "... with the token info");
	if (!bl_flag_now(&mu, &b_done))
		diag("thread B is stuck: not joining it");
	else
		pthread_join(tb, NULL);
	if (bl_flag_now(&mu, &a_done))
		pthread_join(ta, NULL);
	if (bl_flag_now(&mu, &a_done) && bl_flag_now(&mu, &b_done))
		is_rv(fl->C_Finalize(NULL), CKR_OK, "C_Finalize");
	return done_testing();
}
