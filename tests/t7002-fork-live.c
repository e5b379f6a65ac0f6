/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t7002 — fork safety with a live token (DESIGN.md, invariants): the parent has the module
 * initialised, a session open and the user logged in. A child of fork() sees the library
 * uninitialised, drops what it inherited without touching it (the PC/SC context and card
 * handle stay the parent's), initialises the module itself and talks to the same token
 * (token info, a session, random numbers from the card), then finalises. Another child
 * exits without any call. The parent's session, login and card handle work throughout.
 * Each child reports through its exit status.
 */
#include "api/api.h"

static CK_FUNCTION_LIST_PTR f;
static CK_SLOT_ID slot;

/* the child's checks: a bit mask of those that failed */
static int child(void)
{
	CK_INFO info;
	CK_TOKEN_INFO ti;
	CK_SESSION_HANDLE s;
	CK_SESSION_INFO si;
	CK_BYTE rnd[32];
	CK_ULONG n = 0;
	int fail = 0;

	if (f->C_GetInfo(&info) != CKR_CRYPTOKI_NOT_INITIALIZED)
		fail |= 1;
	if (f->C_Initialize(NULL) != CKR_OK)
		return fail | 2;
	if (f->C_GetSlotList(CK_TRUE, NULL, &n) != CKR_OK || n < 1)
		fail |= 4;
	if (f->C_GetTokenInfo(slot, &ti) != CKR_OK)
		fail |= 8;
	if (f->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &s) != CKR_OK)
		return fail | 16;
	/* a new process has logged nobody in, whatever the parent did */
	if (f->C_GetSessionInfo(s, &si) != CKR_OK || si.state != CKS_RO_PUBLIC_SESSION)
		fail |= 32;
	if (f->C_GenerateRandom(s, rnd, sizeof rnd) != CKR_OK)
		fail |= 64;
	if (f->C_Finalize(NULL) != CKR_OK)
		fail |= 128;
	return fail;
}

static int run_child(int do_calls)
{
	int st = 0;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid == 0)
		_exit(do_calls ? child() : 0);
	if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

static void parent_works(CK_SESSION_HANDLE s, const char *when)
{
	CK_SESSION_INFO si;
	CK_BYTE rnd[32];
	long before = api_apdus(0);

	is_rv(f->C_GetSessionInfo(s, &si), CKR_OK, "parent, %s: C_GetSessionInfo", when);
	is_ulong(si.state, CKS_RW_USER_FUNCTIONS, "parent, %s: still logged in", when);
	is_rv(f->C_GenerateRandom(s, rnd, sizeof rnd), CKR_OK,
	      "parent, %s: its card handle works (C_GenerateRandom)", when);
	ok(api_apdus(0) > before, "parent, %s: ... and reached the card", when);
}

int main(int argc, char **argv)
{
	CK_SESSION_HANDLE s;
	int r;

	(void)argc;
	api_rig(argv, 1);
	f = api_module();
	is_rv(f->C_Initialize(NULL), CKR_OK, "parent: C_Initialize");
	is_rv(api_slot_of(f, 0, &slot), CKR_OK, "parent: the token's slot");
	is_rv(api_prepare_token(f, slot, "t7002"), CKR_OK, "parent: a PKCS#15 token with PINs");
	is_rv(f->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s), CKR_OK,
	      "parent: C_OpenSession");
	is_rv(f->C_Login(s, CKU_USER, API_PIN(API_USER_PIN)), CKR_OK, "parent: C_Login");
	parent_works(s, "before any fork");

	r = run_child(1);
	is_ulong(r, 0, "child: not initialised, then its own C_Initialize, token info, a public "
		       "session, random from the card, C_Finalize (failed checks: mask %d)", r);
	parent_works(s, "after the child");

	r = run_child(0);
	is_ulong(r, 0, "a child that exits without a call");
	parent_works(s, "after the silent child");

	r = run_child(1);
	is_ulong(r, 0, "a second working child (mask %d)", r);
	parent_works(s, "after the second child");

	is_rv(f->C_Logout(s), CKR_OK, "parent: C_Logout");
	is_rv(f->C_Finalize(NULL), CKR_OK, "parent: C_Finalize");
	return done_testing();
}
