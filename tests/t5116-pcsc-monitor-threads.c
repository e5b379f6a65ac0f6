/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t5116 — the reader monitor and the application's rules for threads, and fork.
 * With CKF_LIBRARY_CANT_CREATE_OS_THREADS the module never starts a thread: each slot call
 * asks pcscd itself (its SCard* calls are counted, build/t/pcsc-count-shim.so), a removal
 * is seen all the same, and C_WaitForSlotEvent(CKF_DONT_BLOCK) reports it. With threads
 * allowed, a child forked from a process whose monitor runs has no monitor (the thread
 * is not inherited), is not initialised, and after its own C_Initialize its first slot
 * call starts its own monitor, which answers its slot calls without a round trip; the
 * parent's monitor is untouched and still answers the parent.
 */
#include <sys/wait.h>

#include "shim/pcsc-count.h"

static CK_FUNCTION_LIST_PTR f;

static int present_count(void)
{
	CK_ULONG n = 0;

	return f->C_GetSlotList(CK_TRUE, NULL, &n) == CKR_OK ? (int)n : -1;
}

/* the child: a bit mask of the checks that failed */
static int child(void)
{
	CK_ULONG n = 0;
	CK_INFO info;
	long mine;
	int fail = 0, i;

	if (pc_monitors() != 0)
		fail |= 1;      /* the parent's monitor thread is not inherited */
	if (f->C_GetInfo(&info) != CKR_CRYPTOKI_NOT_INITIALIZED)
		fail |= 2;
	if (f->C_Initialize(NULL) != CKR_OK)
		fail |= 4;
	if (f->C_GetSlotList(CK_TRUE, NULL, &n) != CKR_OK || n != 1)
		fail |= 8;
#if defined(__SANITIZE_THREAD__)
	/* ThreadSanitizer cannot follow a thread started after a multi-threaded fork: in
	 * its builds the module polls in such a child (runtime/slot.c) */
	if (pc_monitors() != 0)
		fail |= 16;
	mine = pc_mine(NULL);
	if (f->C_GetSlotList(CK_TRUE, NULL, &n) != CKR_OK || n != 1 || pc_mine(NULL) == mine)
		fail |= 32;
	(void)i;
#else
	if (!pc_monitors_within(1, 2000) || !pc_blocked_within(1, 2000))
		fail |= 16;     /* its own monitor, blocked in its wait */
	mine = pc_mine(NULL);
	for (i = 0; i < 50; i++)
		if (f->C_GetSlotList(CK_TRUE, NULL, &n) != CKR_OK || n != 1)
			fail |= 32;
	if (pc_mine(NULL) != mine)
		fail |= 64;     /* answered from its monitor's table */
#endif
	if (f->C_Finalize(NULL) != CKR_OK || pc_monitors() != 0)
		fail |= 128;
	return fail;
}

int main(int argc, char **argv)
{
	CK_C_INITIALIZE_ARGS a;
	CK_SLOT_ID slot = 0, ev;
	CK_ULONG n;
	long mine, t0, t;
	int threads, st = 0;
	pid_t pid;
	char ans[256];

	(void)argc;
	api_rig(argv, 1);
	pc_shim(argv);
	f = api_module();
	threads = pc_threads();

	/* the application forbids threads */
	memset(&a, 0, sizeof a);
	a.flags = CKF_LIBRARY_CANT_CREATE_OS_THREADS | CKF_OS_LOCKING_OK;
	is_rv(f->C_Initialize(&a), CKR_OK, "C_Initialize(CKF_LIBRARY_CANT_CREATE_OS_THREADS)");
	is_ulong((unsigned long)pc_all(NULL), 0, "no SCard* call");
	is_rv(api_slot_of(f, 0, &slot), CKR_OK, "the token's slot");
	n = 0;
	is_rv(f->C_GetSlotList(CK_TRUE, NULL, &n), CKR_OK, "C_GetSlotList");
	is_ulong(n, 1, "one token");
	is_ulong((unsigned long)pc_threads(), (unsigned long)threads, "no thread was started");
	is_ulong((unsigned long)pc_monitors(), 0, "... no monitor");
	is_ulong((unsigned long)pc_blocked_p(), 0, "nothing waits in SCardGetStatusChange");
	mine = pc_mine("SCardListReaders");
	n = 0;
	is_rv(f->C_GetSlotList(CK_TRUE, NULL, &n), CKR_OK, "C_GetSlotList again");
	ok(pc_mine("SCardListReaders") > mine, "... asks pcscd itself (no monitor to ask)");
	is_ulong(api_ctl(0, "remove", ans, sizeof ans), 0, "the token is removed (%s)", ans);
	t0 = api_now_ms();
	while (present_count() != 0 && api_now_ms() - t0 < 3000)
		sched_yield();
	t = api_now_ms() - t0;
	ok(present_count() == 0 && t <= 1000, "the removal is seen within one second (%ld ms)", t);
	ev = (CK_SLOT_ID)-1;
	is_rv(f->C_WaitForSlotEvent(CKF_DONT_BLOCK, &ev, NULL), CKR_OK,
	      "C_WaitForSlotEvent(CKF_DONT_BLOCK) reports it");
	is_ulong(ev, slot, "... on the token's slot");
	is_ulong(api_ctl(0, "insert", ans, sizeof ans), 0, "the token is back (%s)", ans);
	t0 = api_now_ms();
	while (present_count() != 1 && api_now_ms() - t0 < 3000)
		sched_yield();
	is_ulong((unsigned long)present_count(), 1, "and listed again");
	is_ulong((unsigned long)pc_monitors(), 0, "still no monitor thread");
	is_rv(f->C_Finalize(NULL), CKR_OK, "C_Finalize");

	/* threads allowed: a monitor; then fork */
	is_rv(f->C_Initialize(NULL), CKR_OK, "C_Initialize(NULL)");
	n = 0;
	is_rv(f->C_GetSlotList(CK_TRUE, NULL, &n), CKR_OK, "C_GetSlotList");
	ok(pc_monitors_within(1, 2000), "a monitor thread");
	ok(pc_blocked_within(1, 2000), "... waiting");
	fflush(stdout);
#if defined(__SANITIZE_THREAD__)
	/* ThreadSanitizer's runtime can deadlock in a child forked while another thread
	 * blocks (the monitor in SCardGetStatusChange): the plain and ASan builds run this */
	(void)st;
	(void)child;
	(void)pid;
	ok(1, "# SKIP a fork beside a blocked thread under ThreadSanitizer");
	ok(1, "# SKIP the child's own monitor under ThreadSanitizer");
#else
	pid = fork();
	if (pid == 0)
		_exit(child());
	ok(pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st), "the child ran");
	is_ulong(WEXITSTATUS(st), 0, "the child: no inherited monitor, then its own (mask %d)",
		 WEXITSTATUS(st));
#endif
	is_ulong((unsigned long)pc_monitors(), 1, "the parent's monitor is still there");
	mine = pc_mine(NULL);
	n = 0;
	is_rv(f->C_GetSlotList(CK_TRUE, NULL, &n), CKR_OK, "the parent's C_GetSlotList");
	is_ulong(n, 1, "one token");
	is_ulong((unsigned long)(pc_mine(NULL) - mine), 0, "... answered by its monitor");
	is_rv(f->C_Finalize(NULL), CKR_OK, "C_Finalize");
	is_ulong((unsigned long)pc_monitors(), 0, "no monitor thread is left");
	return done_testing();
}
