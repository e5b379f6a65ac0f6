/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * lock.h — mutexes as CK_C_INITIALIZE_ARGS says: the application's callbacks when it
 * gave them and did not allow OS locking, pthread mutexes otherwise (also when
 * pInitArgs was NULL: the module is always safe to call from several threads).
 */
#ifndef SCRIPTOKI_LOCK_H
#define SCRIPTOKI_LOCK_H

#include <pthread.h>

#include "cryptoki.h"

/* Choose the primitive for this initialisation. args may be NULL. */
void lock_configure(const CK_C_INITIALIZE_ARGS *args);
/* Forget the application's callbacks (C_Finalize, or a child after fork). */
void lock_unconfigure(void);
/* 1 when the application's callbacks are in use. */
int lock_uses_app_callbacks(void);
/* 0 when the application forbade the library its own threads
 * (CKF_LIBRARY_CANT_CREATE_OS_THREADS). */
int lock_may_create_threads(void);

CK_RV lock_create(void **mutex);
void lock_destroy(void *mutex);
CK_RV lock_acquire(void *mutex);
CK_RV lock_release(void *mutex);

/*
 * A mutex kept inside the struct it guards (an operation's own lock, made and destroyed
 * with every operation): no allocation with pthread mutexes; with the application's
 * callbacks, one of its mutexes.
 */
struct lock_own {
	pthread_mutex_t m;
	void *app;              /* the application's mutex, when its callbacks are in use */
	int made;
};

CK_RV lock_own_create(struct lock_own *l);
void lock_own_destroy(struct lock_own *l);
CK_RV lock_own_acquire(struct lock_own *l);
CK_RV lock_own_release(struct lock_own *l);

/*
 * A read-mostly lock for the module's tables: taken shared by the cached calls, so that
 * threads read side by side, and exclusive where the table changes. It is a pthread
 * rwlock, or with the application's callbacks one of its mutexes (which has no shared
 * mode: shared and exclusive are then the same).
 */
struct lock_rw {
	pthread_rwlock_t rw;
	int made;               /* rw initialised */
	void *mutex;            /* instead of rw, with the application's locks */
};

CK_RV lock_rw_create(struct lock_rw *l);
void lock_rw_destroy(struct lock_rw *l);
/* A child after fork: the parent's lock is left as it is, and none is held. */
void lock_rw_forget(struct lock_rw *l);
CK_RV lock_rw_shared(struct lock_rw *l);
CK_RV lock_rw_exclusive(struct lock_rw *l);
void lock_rw_release(struct lock_rw *l);

#endif
