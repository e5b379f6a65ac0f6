/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * lock.h — mutexes as CK_C_INITIALIZE_ARGS says: the application's callbacks when it
 * gave them and did not allow OS locking, pthread mutexes otherwise (also when
 * pInitArgs was NULL: the module is always safe to call from several threads).
 */
#ifndef SCRIPTOKI_LOCK_H
#define SCRIPTOKI_LOCK_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

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
 * threads read side by side, and exclusive where the table changes.
 *
 * With OS locking it is a lock of this module, made so that readers write no memory in
 * common: every thread counts its shared holds in a counter of its own (on a cache line of
 * its own), and a writer, one at a time (a mutex), says it is coming and waits for every
 * counter to drain. A reader that sees a writer coming steps back and waits for it on the
 * mutex. So shared holds on two cores cost no cache line going back and forth; an
 * exclusive hold costs a look at every counter. A shared hold must not be taken again by
 * the thread that holds it (a writer waiting in between would wait for ever), nor made
 * exclusive.
 *
 * The first LOCK_RW_OWN threads alive at a time have a counter each to themselves; the
 * threads beyond share the other LOCK_RW_READERS - LOCK_RW_OWN. A shared counter is
 * counted with atomic read-modify-writes. An owned one, where the kernel has membarrier
 * (lock_asym), with plain loads and stores: the store that counts a reader in and its
 * look for a writer may pass each other in the processor, and the writer makes up for it
 * with a barrier on every processor that runs a thread of the process (membarrier's
 * private expedited command, about a microsecond) between saying it comes and reading the
 * counters. The same "asymmetric fence" as the userspace RCU library's membarrier
 * flavour: the frequent side costs no locked instruction, the rare side a system call.
 *
 * With the application's callbacks it is one of its mutexes (which has no shared mode:
 * shared and exclusive are then the same).
 */
#define LOCK_RW_OWN 16
#define LOCK_RW_READERS 32

struct lock_rw_readers {
	_Atomic long n;
	char pad[64 - sizeof(long)];
};

struct lock_rw {
	struct lock_rw_readers r[LOCK_RW_READERS];
	_Atomic int writing;    /* a writer holds it or waits for the readers */
	_Atomic uintptr_t writer;       /* the thread that holds it exclusive (lock.c), or 0 */
	pthread_mutex_t w;      /* the writers' */
	int made;               /* w initialised */
	void *mutex;            /* instead of all that, with the application's locks */
} __attribute__((aligned(64)));

CK_RV lock_rw_create(struct lock_rw *l);
void lock_rw_destroy(struct lock_rw *l);
/* A child after fork: the parent's lock is left as it is, and none is held. */
void lock_rw_forget(struct lock_rw *l);
CK_RV lock_rw_shared(struct lock_rw *l);
CK_RV lock_rw_exclusive(struct lock_rw *l);
/* Give back a hold of either kind. */
void lock_rw_release(struct lock_rw *l);

/*
 * The calls inside the module (init.c's gate, which C_Finalize waits on), counted the
 * same way: each thread on a counter of its own, so that a call in and out writes no
 * cache line another thread writes. Lock-free, the same with the application's locks.
 * lock_count_in and lock_count_out must be paired on one thread, with the counter
 * lock_count_pick gave that thread; lock_count_sum is how many are in. A C_Finalize marks
 * the library closed, calls lock_asym_fence and then sums; a call counts itself in and
 * then looks at the mark: the two cannot both miss each other (sequentially consistent
 * atomics on a shared counter; on an owned one, plain stores and the fence, as above).
 */
struct lock_count {
	struct lock_rw_readers r[LOCK_RW_READERS];
} __attribute__((aligned(64)));

/* This thread's counter (the same one its lock_rw holds use), for the caller to keep:
 * once per thread, so that a call in and out needs no look-up of its own. */
unsigned lock_count_pick(void);
void lock_count_in(struct lock_count *c, unsigned mine);
void lock_count_out(struct lock_count *c, unsigned mine);
long lock_count_sum(struct lock_count *c);
/* All counters to 0 (a child after fork: the parent's calls are not its own). */
void lock_count_reset(struct lock_count *c);

/* The rare side's barrier (above): between a store that says "I come" (a writer's flag,
 * C_Finalize's mark) and the reading of the counters. A full fence where lock_asym is
 * off. */
void lock_asym_fence(void);
/* 1 when owned counters are counted with plain stores (membarrier registered). */
int lock_asym_on(void);
/* A child after fork() (async-signal-safe): the counters owned by the parent's other
 * threads are free again. */
void lock_fork_child(void);

/*
 * What valgrind's helgrind (the thread test, t5107) must be told of the module's own
 * synchronisation, which it cannot see (it knows pthread's, not atomics): a lock_rw is an
 * rwlock to it, and a lock-free reader (session.c) takes over what a writer published.
 * Nothing (a few instructions) outside valgrind; nothing at all without its header.
 */
#if defined(__has_include)
#if __has_include(<valgrind/helgrind.h>)
#include <valgrind/helgrind.h>
#define LOCK_HG 1
#endif
#endif
#ifdef LOCK_HG
#define LOCK_HG_PUBLISH(p) ANNOTATE_HAPPENS_BEFORE(p)
#define LOCK_HG_TAKE_OVER(p) ANNOTATE_HAPPENS_AFTER(p)
#define LOCK_HG_UNCHECKED(p, n) VALGRIND_HG_DISABLE_CHECKING(p, n)
#else
#define LOCK_HG_PUBLISH(p) ((void)(p))
#define LOCK_HG_TAKE_OVER(p) ((void)(p))
#define LOCK_HG_UNCHECKED(p, n) ((void)(p), (void)(n))
#endif

/*
 * A short lock, for a few loads and stores and nothing that waits long (no card I/O; at
 * most a shared hold of a lock_rw, whose writers hold it for memory work only): the
 * operation slots of a session (opstate.h), taken once or more in every call on a
 * session. With OS locking it is a word spun on: uncontended, one atomic exchange in and
 * one store out (a pthread mutex costs some forty instructions each way); contended, a
 * few spins, then sched_yield until it is free. With the application's callbacks, one of
 * its mutexes, as for every lock of the module. helgrind sees a lock (its annotations).
 */
struct lock_short {
	atomic_int held;
	void *app;              /* the application's mutex, when its callbacks are in use */
};

CK_RV lock_short_create(struct lock_short *l);
void lock_short_destroy(struct lock_short *l);
/* (the slow halves of the two below) */
CK_RV lock_short_app(struct lock_short *l, int acquire);
void lock_short_wait(struct lock_short *l);

static inline CK_RV lock_short_acquire(struct lock_short *l)
{
	if (l->app != NULL)
		return lock_short_app(l, 1);
	if (atomic_exchange_explicit(&l->held, 1, memory_order_acquire) != 0)
		lock_short_wait(l);
#ifdef LOCK_HG
	ANNOTATE_RWLOCK_ACQUIRED(l, 1);
#endif
	return CKR_OK;
}

static inline CK_RV lock_short_release(struct lock_short *l)
{
	if (l->app != NULL)
		return lock_short_app(l, 0);
#ifdef LOCK_HG
	ANNOTATE_RWLOCK_RELEASED(l, 1);
#endif
	atomic_store_explicit(&l->held, 0, memory_order_release);
	return CKR_OK;
}

#endif
