/* SPDX-License-Identifier: BSD-2-Clause */
/* lock.c — application or OS mutexes; see lock.h. */
#include "lock.h"
#include "util.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>
#ifdef __linux__
#include <linux/membarrier.h>
#endif

static CK_CREATEMUTEX app_create;
static CK_DESTROYMUTEX app_destroy;
static CK_LOCKMUTEX app_lock;
static CK_UNLOCKMUTEX app_unlock;
static int use_app;
static int no_threads;     /* CKF_LIBRARY_CANT_CREATE_OS_THREADS */

/* --- asymmetric fences (lock.h) ----------------------------------------------------- */

/* Set once per process, before the first counted hold, and never cleared: every hold
 * reads it, and a hold must be given back the way it was taken. */
static atomic_int lock_asym;
static pthread_once_t lock_asym_once = PTHREAD_ONCE_INIT;

#if defined(__linux__) && defined(SYS_membarrier)
static int lock_membarrier(int cmd)
{
	return (int)syscall(SYS_membarrier, cmd, 0, 0);
}

static void lock_asym_setup(void)
{
	int q = lock_membarrier(MEMBARRIER_CMD_QUERY);
	int want = MEMBARRIER_CMD_PRIVATE_EXPEDITED | MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED |
		   MEMBARRIER_CMD_GLOBAL;

	/* (under valgrind or a seccomp filter the call may be refused: then no plain path) */
	if (q < 0 || (q & want) != want)
		return;
	if (lock_membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED) != 0)
		return;
	atomic_store(&lock_asym, 1);
}

void lock_asym_fence(void)
{
	if (!atomic_load_explicit(&lock_asym, memory_order_relaxed)) {
		atomic_thread_fence(memory_order_seq_cst);
		return;
	}
	if (lock_membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED) == 0)
		return;
	/* a child after fork() may have to register again (EPERM); the global command
	 * needs no registration (it waits for every processor to pass a quiescent state) */
	if (errno == EPERM && lock_membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED) == 0 &&
	    lock_membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED) == 0)
		return;
	(void)lock_membarrier(MEMBARRIER_CMD_GLOBAL);
}
#else
static void lock_asym_setup(void)
{
}

void lock_asym_fence(void)
{
	atomic_thread_fence(memory_order_seq_cst);
}
#endif

int lock_asym_on(void)
{
	return atomic_load_explicit(&lock_asym, memory_order_relaxed);
}

void lock_configure(const CK_C_INITIALIZE_ARGS *args)
{
	pthread_once(&lock_asym_once, lock_asym_setup);
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

/*
 * The module's mutexes (the tables', the slots', a token's) are held for a few hundred
 * instructions at a time, except a token's during card I/O. With two threads on two
 * cores, a thread that finds one taken would otherwise sleep in the kernel and be woken
 * at once, which costs far more than the wait: glibc's adaptive mutex spins a little
 * first (bounded), then sleeps as usual.
 */
static int lock_os_init(pthread_mutex_t *m)
{
	pthread_mutexattr_t a;
	int rc;

	if (pthread_mutexattr_init(&a) != 0)
		return -1;
#ifdef PTHREAD_MUTEX_ADAPTIVE_NP
	pthread_mutexattr_settype(&a, PTHREAD_MUTEX_ADAPTIVE_NP);
#endif
	rc = pthread_mutex_init(m, &a);
	pthread_mutexattr_destroy(&a);
	return rc;
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
	if (lock_os_init(m) != 0) {
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

CK_RV lock_short_create(struct lock_short *l)
{
	atomic_init(&l->held, 0);
	l->app = NULL;
	if (use_app)
		return app_create(&l->app);
	/* the flag is the lock's own business; helgrind sees a lock */
	LOCK_HG_UNCHECKED(&l->held, sizeof l->held);
#ifdef LOCK_HG
	ANNOTATE_RWLOCK_CREATE(l);
#endif
	return CKR_OK;
}

void lock_short_destroy(struct lock_short *l)
{
	if (l->app != NULL)
		app_destroy(l->app);
#ifdef LOCK_HG
	else
		ANNOTATE_RWLOCK_DESTROY(l);
#endif
	l->app = NULL;
}

CK_RV lock_short_app(struct lock_short *l, int acquire)
{
	return acquire ? app_lock(l->app) : app_unlock(l->app);
}

void lock_short_wait(struct lock_short *l)
{
	int spins = 0;

	for (;;) {
		/* read until it looks free, then try: the word is written only by a try */
		if (atomic_load_explicit(&l->held, memory_order_relaxed) == 0 &&
		    atomic_exchange_explicit(&l->held, 1, memory_order_acquire) == 0)
			return;
		if (++spins > 64)
			sched_yield();  /* the holder may be off the processor */
#if defined(__x86_64__) || defined(__i386__)
		else
			__builtin_ia32_pause();
#endif
	}
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

/*
 * This thread's counter in every lock_rw and lock_count: one of LOCK_RW_OWN to itself,
 * taken from lock_own_free at its first hold and given back when it ends (a thread key's
 * destructor), or one of the shared ones, handed out in turn (two threads of the
 * application get two cache lines). lock_rw_me_plus1 is the index + 1.
 */
static _Atomic unsigned lock_own_free = (1u << LOCK_RW_OWN) - 1;
static _Atomic unsigned lock_rw_next_reader;
static _Thread_local unsigned lock_rw_me_plus1 UTIL_TLS_HOT;

static unsigned lock_shared_index(void)
{
	return LOCK_RW_OWN + atomic_fetch_add_explicit(&lock_rw_next_reader, 1,
						       memory_order_relaxed) %
				     (LOCK_RW_READERS - LOCK_RW_OWN);
}

/* The thread ends: its counter is free (every hold of it was given back). Should the
 * thread call in again later in its exit (another key's destructor), it counts in a
 * shared counter. */
static void lock_thread_ends(void *v)
{
	unsigned idx = (unsigned)(uintptr_t)v - 1;

	lock_rw_me_plus1 = lock_shared_index() + 1;
	if (idx < LOCK_RW_OWN)
		atomic_fetch_or_explicit(&lock_own_free, 1u << idx, memory_order_release);
}

static struct util_tkey lock_thread_key = UTIL_TKEY_INIT(lock_thread_ends);

static unsigned lock_pick_new(void)
{
	unsigned m, idx;

	m = atomic_load_explicit(&lock_own_free, memory_order_relaxed);
	while (m != 0) {
		idx = (unsigned)__builtin_ctz(m);
		/* acquire: the previous owner's last plain store to it happened before */
		if (atomic_compare_exchange_weak_explicit(&lock_own_free, &m, m & ~(1u << idx),
							  memory_order_acquire,
							  memory_order_relaxed)) {
			if (util_tkey_set(&lock_thread_key, (void *)(uintptr_t)(idx + 1)))
				return idx;
			atomic_fetch_or_explicit(&lock_own_free, 1u << idx, memory_order_release);
			break;
		}
	}
	return lock_shared_index();
}

/* Who this thread is, for lock_rw_release: the address of one of its own variables. */
static uintptr_t lock_rw_self(void)
{
	return (uintptr_t)&lock_rw_me_plus1;
}

/* This thread's counter, 0 .. LOCK_RW_READERS - 1. */
static unsigned lock_rw_mine_index(void)
{
	unsigned me = lock_rw_me_plus1;

	if (me == 0) {
		me = lock_pick_new() + 1;
		lock_rw_me_plus1 = me;
	}
	return me - 1;
}

void lock_fork_child(void)
{
	unsigned me = lock_rw_me_plus1;
	unsigned all = (1u << LOCK_RW_OWN) - 1;

	/* only this thread went on: its own counter (if any) stays its own */
	atomic_store_explicit(&lock_own_free, me != 0 && me - 1 < LOCK_RW_OWN ?
						      all & ~(1u << (me - 1)) : all,
			      memory_order_relaxed);
}

/* Count in (lock_in) or out (lock_out) on counter idx of r, idx this thread's: owned and
 * lock_asym, a plain load and store (the compiler may not move what follows above it);
 * else an atomic read-modify-write. (Only the owner writes an owned counter, either way.) */
static inline void lock_in(struct lock_rw_readers *r, unsigned idx)
{
	if (idx < LOCK_RW_OWN && atomic_load_explicit(&lock_asym, memory_order_relaxed)) {
		atomic_store_explicit(&r[idx].n,
				      atomic_load_explicit(&r[idx].n, memory_order_relaxed) + 1,
				      memory_order_relaxed);
		atomic_signal_fence(memory_order_seq_cst);
	} else {
		atomic_fetch_add(&r[idx].n, 1);
	}
}

/* release: what the hold read or wrote is done before a writer (or C_Finalize) sees 0 */
static inline void lock_out(struct lock_rw_readers *r, unsigned idx)
{
	if (idx < LOCK_RW_OWN && atomic_load_explicit(&lock_asym, memory_order_relaxed)) {
		atomic_store_explicit(&r[idx].n,
				      atomic_load_explicit(&r[idx].n, memory_order_relaxed) - 1,
				      memory_order_release);
		atomic_signal_fence(memory_order_seq_cst);
	} else {
		atomic_fetch_sub(&r[idx].n, 1);
	}
}

CK_RV lock_rw_create(struct lock_rw *l)
{
	int i;

	l->mutex = NULL;
	l->made = 0;
	for (i = 0; i < LOCK_RW_READERS; i++)
		atomic_init(&l->r[i].n, 0);
	atomic_init(&l->writing, 0);
	atomic_init(&l->writer, 0);
	if (use_app)
		return lock_create(&l->mutex);
	if (pthread_mutex_init(&l->w, NULL) != 0)
		return CKR_CANT_LOCK;
	l->made = 1;
	/* the counters are the lock's own business; helgrind sees an rwlock */
	LOCK_HG_UNCHECKED(l->r, sizeof l->r);
	LOCK_HG_UNCHECKED(&l->writing, sizeof l->writing);
	LOCK_HG_UNCHECKED(&l->writer, sizeof l->writer);
#ifdef LOCK_HG
	ANNOTATE_RWLOCK_CREATE(l);
#endif
	return CKR_OK;
}

void lock_rw_destroy(struct lock_rw *l)
{
	if (l->made) {
#ifdef LOCK_HG
		ANNOTATE_RWLOCK_DESTROY(l);
#endif
		pthread_mutex_destroy(&l->w);
	}
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
	unsigned idx;

	if (l->mutex != NULL)
		return lock_acquire(l->mutex);
	if (!l->made)
		return CKR_CANT_LOCK;
	idx = lock_rw_mine_index();
	for (;;) {
		/* either this reader sees the writer's flag or the writer sees this reader's
		 * count (lock_rw_exclusive): sequentially consistent, or lock_asym's fence */
		lock_in(l->r, idx);
		if (!atomic_load(&l->writing))
			break;
		lock_out(l->r, idx);
		/* a writer holds it or is about to: wait for it where it holds its mutex */
		if (pthread_mutex_lock(&l->w) != 0)
			return CKR_CANT_LOCK;
		pthread_mutex_unlock(&l->w);
	}
#ifdef LOCK_HG
	ANNOTATE_RWLOCK_ACQUIRED(l, 0);
#endif
	return CKR_OK;
}

CK_RV lock_rw_exclusive(struct lock_rw *l)
{
	int i, spins;

	if (l->mutex != NULL)
		return lock_acquire(l->mutex);
	if (!l->made)
		return CKR_CANT_LOCK;
	if (pthread_mutex_lock(&l->w) != 0)
		return CKR_CANT_LOCK;
	atomic_store(&l->writing, 1);
	atomic_store_explicit(&l->writer, lock_rw_self(), memory_order_relaxed);
	lock_asym_fence();
	/* the readers inside finish (they hold it for a table read, never for card I/O);
	 * new ones wait on the mutex */
	for (i = 0; i < LOCK_RW_READERS; i++)
		for (spins = 0; atomic_load(&l->r[i].n) != 0; spins++)
			if (spins > 64)
				sched_yield();
#ifdef LOCK_HG
	ANNOTATE_RWLOCK_ACQUIRED(l, 1);
#endif
	return CKR_OK;
}

void lock_rw_release(struct lock_rw *l)
{
	unsigned *me = &lock_rw_me_plus1;       /* (one look-up of this thread's variables) */

	if (l->mutex != NULL) {
		lock_release(l->mutex);
		return;
	}
	if (!l->made)
		return;
	if (atomic_load_explicit(&l->writer, memory_order_relaxed) == (uintptr_t)me) {
		atomic_store_explicit(&l->writer, 0, memory_order_relaxed);
#ifdef LOCK_HG
		ANNOTATE_RWLOCK_RELEASED(l, 1);
#endif
		atomic_store(&l->writing, 0);
		pthread_mutex_unlock(&l->w);
		return;
	}
#ifdef LOCK_HG
	ANNOTATE_RWLOCK_RELEASED(l, 0);
#endif
	/* (a shared hold: this thread counted it, so its counter is set) */
	lock_out(l->r, *me - 1);
}

unsigned lock_count_pick(void)
{
	return lock_rw_mine_index();
}

void lock_count_in(struct lock_count *c, unsigned mine)
{
	lock_in(c->r, mine);
}

void lock_count_out(struct lock_count *c, unsigned mine)
{
	lock_out(c->r, mine);
}

long lock_count_sum(struct lock_count *c)
{
	long n = 0;
	int i;

	for (i = 0; i < LOCK_RW_READERS; i++)
		n += atomic_load(&c->r[i].n);
	return n;
}

void lock_count_reset(struct lock_count *c)
{
	int i;

	for (i = 0; i < LOCK_RW_READERS; i++)
		atomic_store(&c->r[i].n, 0);
}
