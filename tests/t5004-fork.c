/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t5004 — fork safety: a child of an initialised process sees the library as not
 * initialised, may call C_Initialize and use it, and nothing it does changes the parent's
 * state. Each child reports through its exit status.
 */
#include <sys/wait.h>
#include <unistd.h>

#include "module.h"
#include "tap.h"

/* child: returns a bit mask of failed checks */
static int child(CK_FUNCTION_LIST_PTR f)
{
	CK_INFO info;
	int fail = 0;

	if (f->C_GetInfo(&info) != CKR_CRYPTOKI_NOT_INITIALIZED)
		fail |= 1;
	if (f->C_Finalize(NULL) != CKR_CRYPTOKI_NOT_INITIALIZED)
		fail |= 2;
	if (f->C_Initialize(NULL) != CKR_OK)
		fail |= 4;
	if (f->C_GetInfo(&info) != CKR_OK)
		fail |= 8;
	if (f->C_Initialize(NULL) != CKR_CRYPTOKI_ALREADY_INITIALIZED)
		fail |= 16;
	if (f->C_Finalize(NULL) != CKR_OK)
		fail |= 32;
	return fail;
}

static int run_child(CK_FUNCTION_LIST_PTR f)
{
	int st = 0;
	pid_t pid = fork();

	if (pid == 0)
		_exit(child(f));
	if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

int main(void)
{
	void *h = module_open();
	CK_FUNCTION_LIST_PTR f = module_functions(h);
	CK_C_INITIALIZE_ARGS a;
	CK_INFO info;
	int r;

	is_rv(f->C_Initialize(NULL), CKR_OK, "parent: C_Initialize");
	r = run_child(f);
	is_ulong(r, 0, "child: not initialised, then C_Initialize, use, C_Finalize all work (mask %d)", r);
	is_rv(f->C_GetInfo(&info), CKR_OK, "parent: still initialised after the child");
	r = run_child(f);
	is_ulong(r, 0, "a second child behaves the same (mask %d)", r);
	is_rv(f->C_Finalize(NULL), CKR_OK, "parent: C_Finalize");

	memset(&a, 0, sizeof a);
	a.flags = CKF_OS_LOCKING_OK;
	is_rv(f->C_Initialize(&a), CKR_OK, "parent: C_Initialize with OS locking");
	r = run_child(f);
	is_ulong(r, 0, "child of an OS-locking parent (mask %d)", r);
	is_rv(f->C_Finalize(NULL), CKR_OK, "parent: C_Finalize");

	r = run_child(f);
	is_ulong(r, 0, "child of an uninitialised parent behaves the same (mask %d)", r);
	dlclose(h);
	return done_testing();
}
