/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * appmutex.h — the application's mutex callbacks of CK_C_INITIALIZE_ARGS (PKCS #11 3.2
 * section 5.4.1), as a test gives them to the module: plain pthread mutexes, each use
 * counted, so that a test can say the module used them (and only them) and destroyed
 * what it created. api_app_mutexes(&args) zeroes args and sets the four callbacks.
 */
#ifndef SCRIPTOKI_TEST_APPMUTEX_H
#define SCRIPTOKI_TEST_APPMUTEX_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "cryptoki.h"

static atomic_int app_mutex_created, app_mutex_destroyed, app_mutex_locks, app_mutex_unlocks,
	app_mutex_live;

static CK_RV app_mutex_create(CK_VOID_PTR_PTR m)
{
	pthread_mutex_t *p = malloc(sizeof *p);

	if (p == NULL)
		return CKR_HOST_MEMORY;
	pthread_mutex_init(p, NULL);
	*m = p;
	atomic_fetch_add(&app_mutex_created, 1);
	atomic_fetch_add(&app_mutex_live, 1);
	return CKR_OK;
}

static CK_RV app_mutex_destroy(CK_VOID_PTR m)
{
	pthread_mutex_destroy(m);
	free(m);
	atomic_fetch_add(&app_mutex_destroyed, 1);
	atomic_fetch_sub(&app_mutex_live, 1);
	return CKR_OK;
}

static CK_RV app_mutex_lock(CK_VOID_PTR m)
{
	if (pthread_mutex_lock(m) != 0)
		return CKR_CANT_LOCK;
	atomic_fetch_add(&app_mutex_locks, 1);
	return CKR_OK;
}

static CK_RV app_mutex_unlock(CK_VOID_PTR m)
{
	atomic_fetch_add(&app_mutex_unlocks, 1);
	return pthread_mutex_unlock(m) == 0 ? CKR_OK : CKR_CANT_LOCK;
}

static inline void api_app_mutexes(CK_C_INITIALIZE_ARGS *args)
{
	memset(args, 0, sizeof *args);
	args->CreateMutex = app_mutex_create;
	args->DestroyMutex = app_mutex_destroy;
	args->LockMutex = app_mutex_lock;
	args->UnlockMutex = app_mutex_unlock;
}

#endif
