/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t5003 — C_Initialize / C_Finalize / C_GetInfo and every rule of CK_C_INITIALIZE_ARGS:
 * pReserved must be NULL; the four mutex callbacks come all together or not at all;
 * CKF_OS_LOCKING_OK and CKF_LIBRARY_CANT_CREATE_OS_THREADS are accepted; a second
 * C_Initialize is CKR_CRYPTOKI_ALREADY_INITIALIZED; the application's callbacks are used
 * (and balanced) when it gives them without CKF_OS_LOCKING_OK; a failing CreateMutex
 * fails C_Initialize and leaves the library uninitialised.
 */
#include <pthread.h>

#include "module.h"
#include "tap.h"

static int n_create, n_destroy, n_lock, n_unlock, fail_create;

static CK_RV t_create(CK_VOID_PTR_PTR m)
{
	pthread_mutex_t *p;
	if (fail_create)
		return CKR_HOST_MEMORY;
	p = malloc(sizeof *p);
	pthread_mutex_init(p, NULL);
	*m = p;
	__atomic_add_fetch(&n_create, 1, __ATOMIC_SEQ_CST);
	return CKR_OK;
}

static CK_RV t_destroy(CK_VOID_PTR m)
{
	pthread_mutex_destroy(m);
	free(m);
	__atomic_add_fetch(&n_destroy, 1, __ATOMIC_SEQ_CST);
	return CKR_OK;
}

static CK_RV t_lock(CK_VOID_PTR m)
{
	pthread_mutex_lock(m);
	__atomic_add_fetch(&n_lock, 1, __ATOMIC_SEQ_CST);
	return CKR_OK;
}

static CK_RV t_unlock(CK_VOID_PTR m)
{
	__atomic_add_fetch(&n_unlock, 1, __ATOMIC_SEQ_CST);
	pthread_mutex_unlock(m);
	return CKR_OK;
}

static void reset_counts(void)
{
	n_create = n_destroy = n_lock = n_unlock = 0;
}

static int all_blank_padded(const CK_UTF8CHAR *p, size_t n)
{
	size_t i;
	for (i = 0; i < n; i++)
		if (p[i] == '\0')
			return 0;
	return 1;
}

int main(void)
{
	void *h = module_open();
	CK_FUNCTION_LIST_PTR f = module_functions(h);
	CK_C_INITIALIZE_ARGS a;
	CK_INFO info;
	CK_ULONG count = 99;
	int mask;

	is_rv(f->C_GetInfo(&info), CKR_CRYPTOKI_NOT_INITIALIZED, "C_GetInfo before C_Initialize");
	is_rv(f->C_Finalize(NULL), CKR_CRYPTOKI_NOT_INITIALIZED, "C_Finalize before C_Initialize");

	/* pInitArgs NULL */
	is_rv(f->C_Initialize(NULL), CKR_OK, "C_Initialize(NULL)");
	is_rv(f->C_Initialize(NULL), CKR_CRYPTOKI_ALREADY_INITIALIZED, "a second C_Initialize");
	is_rv(f->C_GetInfo(NULL), CKR_ARGUMENTS_BAD, "C_GetInfo(NULL)");
	is_rv(f->C_GetInfo(&info), CKR_OK, "C_GetInfo");
	ok(info.cryptokiVersion.major == 3 && info.cryptokiVersion.minor == 2,
	   "Cryptoki version 3.2 (got %d.%d)", info.cryptokiVersion.major,
	   info.cryptokiVersion.minor);
	ok(memcmp(info.manufacturerID, "Scriptoki project", 17) == 0,
	   "manufacturerID names the project");
	ok(memcmp(info.libraryDescription, "Scriptoki", 9) == 0, "libraryDescription names the module");
	ok(all_blank_padded(info.manufacturerID, sizeof info.manufacturerID) &&
	   all_blank_padded(info.libraryDescription, sizeof info.libraryDescription),
	   "text fields are blank-padded, not NUL-terminated");
	ok(info.flags == 0, "flags are 0");
	is_rv(f->C_Finalize((CK_VOID_PTR)&a), CKR_ARGUMENTS_BAD, "C_Finalize with pReserved set");
	is_rv(f->C_Finalize(NULL), CKR_OK, "C_Finalize(NULL)");
	is_rv(f->C_Finalize(NULL), CKR_CRYPTOKI_NOT_INITIALIZED, "a second C_Finalize");

	/* pReserved must be NULL */
	memset(&a, 0, sizeof a);
	a.pReserved = &a;
	is_rv(f->C_Initialize(&a), CKR_ARGUMENTS_BAD, "pReserved set: CKR_ARGUMENTS_BAD");
	is_rv(f->C_GetInfo(&info), CKR_CRYPTOKI_NOT_INITIALIZED, "... and nothing was initialised");

	/* every partial set of mutex callbacks is refused */
	for (mask = 1; mask < 15; mask++) {
		memset(&a, 0, sizeof a);
		a.CreateMutex = (mask & 1) ? t_create : NULL;
		a.DestroyMutex = (mask & 2) ? t_destroy : NULL;
		a.LockMutex = (mask & 4) ? t_lock : NULL;
		a.UnlockMutex = (mask & 8) ? t_unlock : NULL;
		a.flags = (mask & 1) ? CKF_OS_LOCKING_OK : 0;
		is_rv(f->C_Initialize(&a), CKR_ARGUMENTS_BAD, "callbacks given partially (mask %d)", mask);
	}
	is_rv(f->C_GetInfo(&info), CKR_CRYPTOKI_NOT_INITIALIZED, "... none of them initialised");

	/* no callbacks, no flags; OS locking; no threads */
	memset(&a, 0, sizeof a);
	is_rv(f->C_Initialize(&a), CKR_OK, "no callbacks, no flags");
	is_rv(f->C_Finalize(NULL), CKR_OK, "C_Finalize");
	a.flags = CKF_OS_LOCKING_OK;
	is_rv(f->C_Initialize(&a), CKR_OK, "CKF_OS_LOCKING_OK");
	is_rv(f->C_Finalize(NULL), CKR_OK, "C_Finalize");
	a.flags = CKF_LIBRARY_CANT_CREATE_OS_THREADS;
	is_rv(f->C_Initialize(&a), CKR_OK, "CKF_LIBRARY_CANT_CREATE_OS_THREADS");
	is_rv(f->C_Finalize(NULL), CKR_OK, "C_Finalize");

	/* the application's callbacks, without CKF_OS_LOCKING_OK: they must be used */
	memset(&a, 0, sizeof a);
	a.CreateMutex = t_create;
	a.DestroyMutex = t_destroy;
	a.LockMutex = t_lock;
	a.UnlockMutex = t_unlock;
	reset_counts();
	is_rv(f->C_Initialize(&a), CKR_OK, "all four callbacks, no OS locking");
	ok(n_create > 0, "the application's CreateMutex was used (%d)", n_create);
	is_rv(f->C_GetSlotList(CK_FALSE, NULL, &count), CKR_OK, "C_GetSlotList");
	ok(n_lock > 0 && n_lock == n_unlock, "its LockMutex/UnlockMutex were used and balanced (%d/%d)",
	   n_lock, n_unlock);
	is_rv(f->C_Finalize(NULL), CKR_OK, "C_Finalize");
	ok(n_destroy == n_create, "every mutex created was destroyed (%d/%d)", n_destroy, n_create);

	/* with CKF_OS_LOCKING_OK as well, the library may take either: it takes the OS's */
	a.flags = CKF_OS_LOCKING_OK;
	reset_counts();
	is_rv(f->C_Initialize(&a), CKR_OK, "callbacks and CKF_OS_LOCKING_OK");
	is_rv(f->C_GetSlotList(CK_FALSE, NULL, &count), CKR_OK, "C_GetSlotList");
	ok(n_create == 0 && n_lock == 0, "OS locks were chosen");
	is_rv(f->C_Finalize(NULL), CKR_OK, "C_Finalize");

	/* a failing CreateMutex fails C_Initialize, all or nothing */
	a.flags = 0;
	fail_create = 1;
	is_rv(f->C_Initialize(&a), CKR_HOST_MEMORY, "CreateMutex failing fails C_Initialize with its code");
	is_rv(f->C_GetInfo(&info), CKR_CRYPTOKI_NOT_INITIALIZED, "... and leaves the library uninitialised");
	fail_create = 0;
	is_rv(f->C_Initialize(NULL), CKR_OK, "a later C_Initialize works");
	is_rv(f->C_GetSlotList(CK_TRUE, NULL, NULL), CKR_ARGUMENTS_BAD, "C_GetSlotList without pulCount");
	count = 99;
	is_rv(f->C_GetSlotList(CK_TRUE, NULL, &count), CKR_OK, "C_GetSlotList size query");
	is_ulong(count, 0, "no slots yet");
	is_rv(f->C_Finalize(NULL), CKR_OK, "C_Finalize");

	dlclose(h);
	return done_testing();
}
