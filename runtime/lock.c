/* SPDX-License-Identifier: BSD-2-Clause */
/* lock.c — application or OS mutexes; see lock.h. */
#include "lock.h"

#include <pthread.h>
#include <stdlib.h>

static CK_CREATEMUTEX app_create;
static CK_DESTROYMUTEX app_destroy;
static CK_LOCKMUTEX app_lock;
static CK_UNLOCKMUTEX app_unlock;
static int use_app;
static int no_threads;     /* CKF_LIBRARY_CANT_CREATE_OS_THREADS */

void lock_configure(const CK_C_INITIALIZE_ARGS *args)
{
	use_app = 0;
	no_threads = args != NULL && (args->flags & CKF_LIBRARY_CANT_CREATE_OS_THREADS);
	if (args == NULL || args->CreateMutex == NULL)
		return;
	/* Callbacks given: with CKF_OS_LOCKING_OK we may pick either and take the OS's. */
	if (args->flags & CKF_OS_LOCKING_OK)
		return;
	app_create = args->CreateMutex;
	app_destroy = args->DestroyMutex;
	app_lock = args->LockMutex;
	app_unlock = args->UnlockMutex;
	use_app = 1;
}

void lock_unconfigure(void)
{
	use_app = 0;
	app_create = NULL;
	app_destroy = NULL;
	app_lock = NULL;
	app_unlock = NULL;
}

int lock_uses_app_callbacks(void)
{
	return use_app;
}

int lock_may_create_threads(void)
{
	return !no_threads;
}

CK_RV lock_create(void **mutex)
{
	pthread_mutex_t *m;

	*mutex = NULL;
	if (use_app)
		return app_create(mutex);
	m = malloc(sizeof *m);
	if (m == NULL)
		return CKR_HOST_MEMORY;
	if (pthread_mutex_init(m, NULL) != 0) {
		free(m);
		return CKR_CANT_LOCK;
	}
	*mutex = m;
	return CKR_OK;
}

void lock_destroy(void *mutex)
{
	if (mutex == NULL)
		return;
	if (use_app) {
		app_destroy(mutex);
		return;
	}
	pthread_mutex_destroy(mutex);
	free(mutex);
}

CK_RV lock_own_create(struct lock_own *l)
{
	l->app = NULL;
	l->made = 0;
	if (use_app)
		return app_create(&l->app);
	if (pthread_mutex_init(&l->m, NULL) != 0)
		return CKR_CANT_LOCK;
	l->made = 1;
	return CKR_OK;
}

void lock_own_destroy(struct lock_own *l)
{
	if (l->made)
		pthread_mutex_destroy(&l->m);
	else if (l->app != NULL)
		app_destroy(l->app);
	l->made = 0;
	l->app = NULL;
}

CK_RV lock_own_acquire(struct lock_own *l)
{
	if (!l->made)
		return l->app != NULL ? app_lock(l->app) : CKR_CANT_LOCK;
	return pthread_mutex_lock(&l->m) == 0 ? CKR_OK : CKR_CANT_LOCK;
}

CK_RV lock_own_release(struct lock_own *l)
{
	if (!l->made)
		return l->app != NULL ? app_unlock(l->app) : CKR_CANT_LOCK;
	return pthread_mutex_unlock(&l->m) == 0 ? CKR_OK : CKR_CANT_LOCK;
}

CK_RV lock_acquire(void *mutex)
{
	if (use_app)
		return app_lock(mutex);
	return pthread_mutex_lock(mutex) == 0 ? CKR_OK : CKR_CANT_LOCK;
}

CK_RV lock_release(void *mutex)
{
	if (use_app)
		return app_unlock(mutex);
	return pthread_mutex_unlock(mutex) == 0 ? CKR_OK : CKR_CANT_LOCK;
}

CK_RV lock_rw_create(struct lock_rw *l)
{
	l->mutex = NULL;
	l->made = 0;
	if (use_app)
		return lock_create(&l->mutex);
	if (pthread_rwlock_init(&l->rw, NULL) != 0)
		return CKR_CANT_LOCK;
	l->made = 1;
	return CKR_OK;
}

void lock_rw_destroy(struct lock_rw *l)
{
	if (l->made)
		pthread_rwlock_destroy(&l->rw);
	l->made = 0;
	lock_destroy(l->mutex);
	l->mutex = NULL;
}

void lock_rw_forget(struct lock_rw *l)
{
	l->mutex = NULL;
	l->made = 0;
}

CK_RV lock_rw_shared(struct lock_rw *l)
{
	if (l->mutex != NULL)
		return lock_acquire(l->mutex);
	if (!l->made)
		return CKR_CANT_LOCK;
	return pthread_rwlock_rdlock(&l->rw) == 0 ? CKR_OK : CKR_CANT_LOCK;
}

CK_RV lock_rw_exclusive(struct lock_rw *l)
{
	if (l->mutex != NULL)
		return lock_acquire(l->mutex);
	if (!l->made)
		return CKR_CANT_LOCK;
	return pthread_rwlock_wrlock(&l->rw) == 0 ? CKR_OK : CKR_CANT_LOCK;
}

void lock_rw_release(struct lock_rw *l)
{
	if (l->mutex != NULL)
		lock_release(l->mutex);
	else if (l->made)
		pthread_rwlock_unlock(&l->rw);
}
