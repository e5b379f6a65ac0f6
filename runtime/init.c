/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * init.c — C_Initialize, C_Finalize and the hooks around every entry point.
 *
 * The rules of CK_C_INITIALIZE_ARGS (PKCS #11 3.2, C_Initialize): pReserved must be NULL;
 * the four mutex callbacks are given all together or not at all; CKF_OS_LOCKING_OK lets
 * the library use OS locks; CKF_LIBRARY_CANT_CREATE_OS_THREADS forbids it to start threads.
 *
 * The gate: every call that needs an initialised library is counted while it runs.
 * C_Finalize first marks the library not initialised — a call arriving after that gets
 * CKR_CRYPTOKI_NOT_INITIALIZED — then waits until the calls already inside have left, and
 * only then frees the tables and locks they use (DESIGN.md, "No crash from an
 * application's race"). C_WaitForSlotEvent is not counted: it may block for ever, and
 * slot_fini wakes it and waits it out itself.
 *
 * Fork: a pthread_atfork child handler (registered at the first C_Initialize) bumps a fork
 * generation, and C_Initialize records the generation it ran in. A child that inherited an
 * initialised library sees another generation at its first call — one atomic load, no
 * system call on the path of every entry point — forgets everything it inherited without
 * touching it (the parent still owns those handles), and is "not initialised" until it
 * calls C_Initialize itself. (A child made without the C library's fork(), by a raw clone
 * system call, runs no atfork handler; such a child must not call the library before exec.)
 */
#include "init.h"

#include <pthread.h>
#include <stdatomic.h>

#include "conf.h"
#include "lock.h"
#include "crypto.h"
#include "log.h"
#include "rvcheck.h"
#include "obj.h"
#include "opstate.h"
#include "sk_dispatch.h"
#include "sk_names.h"
#include "session.h"
#include "slot.h"
#include "util.h"

/* Serialises C_Initialize and C_Finalize against each other; never held during card I/O. */
static pthread_mutex_t init_mutex = PTHREAD_MUTEX_INITIALIZER;
static atomic_int initialized;
/* bumped in the child of every fork(); init_gen is its value at C_Initialize */
static atomic_uint fork_gen;
static atomic_uint init_gen;
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

/* The gate: calls inside the module (a counter per thread, lock.h: a call writes no cache
 * line of another thread's), and C_Finalize waiting for them to leave. */
static struct lock_count gate_calls;
static atomic_int gate_draining;
static pthread_mutex_t gate_mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_cond = PTHREAD_COND_INITIALIZER;
/* per thread (one look-up of a shared library's thread-local memory per sk_enter and
 * per sk_leave: both in one struct) */
struct gate_thread {
	/* one bit per sk_enter not yet left: was that call counted? (the entry points pair
	 * sk_enter and sk_leave; the bit tells sk_leave what sk_enter did) */
	unsigned long counted;
	unsigned mine_plus1;    /* its counter in gate_calls + 1 (lock_count_pick), as the
				 * last counted call took it (the same for the thread's life but
				 * for its very end, lock.c) */
};
static _Thread_local struct gate_thread gate_me UTIL_TLS_HOT;

/* This thread's gate_me, looked up once: the compiler would look it up again after every
 * call it makes (it takes the look-up for cheap); the empty asm makes the address a value
 * of its own, kept in a register. */
static inline struct gate_thread *gate_mine(void)
{
	struct gate_thread *g = &gate_me;

	__asm__("" : "+r"(g));
	return g;
}

static void init_atfork_child(void)
{
	/* a thread of the parent may have held them at the moment of fork() */
	pthread_mutex_t fresh = PTHREAD_MUTEX_INITIALIZER;
	pthread_mutex_t fresh_gate = PTHREAD_MUTEX_INITIALIZER;
	pthread_cond_t fresh_cond = PTHREAD_COND_INITIALIZER;
	init_mutex = fresh;
	gate_mutex = fresh_gate;
	gate_cond = fresh_cond;
	/* async-signal-safe: only the counters; the child forgets at its first call */
	lock_fork_child();
	atomic_fetch_add(&fork_gen, 1);
}

/* This process is not the one that ran C_Initialize (a fork since). */
static int init_forked(void)
{
	return atomic_load_explicit(&fork_gen, memory_order_acquire) !=
	       atomic_load_explicit(&init_gen, memory_order_relaxed);
}

/* A counted call leaves; while C_Finalize waits, it is woken to count again. */
static void gate_leave(unsigned mine)
{
	lock_count_out(&gate_calls, mine);
	if (atomic_load(&gate_draining)) {
		pthread_mutex_lock(&gate_mutex);
		pthread_cond_broadcast(&gate_cond);
		pthread_mutex_unlock(&gate_mutex);
	}
}

/* C_Finalize (init_mutex held, the library already marked not initialised): wait until
 * every counted call has left. New calls see "not initialised" and do not stay. */
static void gate_drain(void)
{
	atomic_store(&gate_draining, 1);
	pthread_mutex_lock(&gate_mutex);
	/* the fence each time: a call counted with plain stores (lock.h) sees the marks,
	 * "not initialised" and "draining", or is seen; and one that leaves after this sum
	 * sees "draining" and wakes this thread */
	for (;;) {
		lock_asym_fence();
		if (lock_count_sum(&gate_calls) == 0)
			break;
		pthread_cond_wait(&gate_cond, &gate_mutex);
	}
	pthread_mutex_unlock(&gate_mutex);
	atomic_store(&gate_draining, 0);
}

static void init_register_atfork(void)
{
	pthread_atfork(NULL, NULL, init_atfork_child);
}

/* The child's view after fork(): drop what was inherited, touch nothing of the parent's. */
static void init_forget_inherited_inlock(void)
{
	obj_forget_after_fork();
	op_forget_after_fork();
	crypto_kept_forget_after_fork();
	sess_forget_after_fork();
	slot_forget_after_fork();
	lock_unconfigure();
	log_reset_after_fork();
	/* the parent's calls in other threads are not ours; this thread is in none */
	lock_count_reset(&gate_calls);
	atomic_store(&gate_draining, 0);
	atomic_store(&initialized, 0);
	log_msg(LOG_CALLS, "fork detected: inherited state dropped, C_Initialize needed");
}

static int init_check_fork(void)
{
	/* the hot path: two loads, plain moves on x86 */
	if (atomic_load(&initialized) && init_forked()) {
		pthread_mutex_lock(&init_mutex);
		if (atomic_load(&initialized) && init_forked())
			init_forget_inherited_inlock();
		pthread_mutex_unlock(&init_mutex);
	}
	return atomic_load(&initialized);
}

int init_is_initialized(void)
{
	return init_check_fork();
}

static CK_RV init_check_args(const CK_C_INITIALIZE_ARGS *a)
{
	int given;

	if (a == NULL)
		return CKR_OK;
	if (a->pReserved != NULL)
		return CKR_ARGUMENTS_BAD;
	given = (a->CreateMutex != NULL) + (a->DestroyMutex != NULL) + (a->LockMutex != NULL) +
		(a->UnlockMutex != NULL);
	if (given != 0 && given != 4)
		return CKR_ARGUMENTS_BAD;
	return CKR_OK;
}

CK_RV rt_Initialize(CK_VOID_PTR pInitArgs)
{
	const CK_C_INITIALIZE_ARGS *args = pInitArgs;
	CK_RV rv;

	pthread_once(&atfork_once, init_register_atfork);
	rv = init_check_args(args);
	if (rv != CKR_OK)
		return rv;

	pthread_mutex_lock(&init_mutex);
	if (atomic_load(&initialized) && init_forked())
		init_forget_inherited_inlock();
	if (atomic_load(&initialized)) {
		rv = CKR_CRYPTOKI_ALREADY_INITIALIZED;
		goto out;
	}
	conf_check();               /* report configuration mistakes once per process */
	lock_configure(args);
	rv = slot_init();           /* no PC/SC call: readers are looked at lazily */
	if (rv != CKR_OK) {
		lock_unconfigure();
		goto out;
	}
	rv = sess_init();
	if (rv != CKR_OK) {
		slot_fini();
		lock_unconfigure();
		goto out;
	}
	rv = op_init();
	if (rv == CKR_OK && (rv = obj_init()) != CKR_OK)
		op_fini();
	if (rv == CKR_OK && (rv = crypto_kept_init()) != CKR_OK) {
		obj_fini();
		op_fini();
	}
	if (rv != CKR_OK) {
		sess_fini();
		slot_fini();
		lock_unconfigure();
		goto out;
	}
	atomic_store(&init_gen, atomic_load(&fork_gen));
	atomic_store(&initialized, 1);
	log_msg(LOG_CALLS, "initialised (%s locking%s)",
		lock_uses_app_callbacks() ? "application" : "OS",
		!lock_may_create_threads() ? ", no threads" : "");
out:
	pthread_mutex_unlock(&init_mutex);
	return rv;
}

CK_RV rt_Finalize(CK_VOID_PTR pReserved)
{
	CK_RV rv = CKR_OK;

	if (pReserved != NULL)
		return CKR_ARGUMENTS_BAD;
	pthread_mutex_lock(&init_mutex);
	if (!atomic_load(&initialized) || init_forked()) {
		rv = CKR_CRYPTOKI_NOT_INITIALIZED;
		goto out;
	}
	atomic_store(&initialized, 0);
	/* C_Finalize is not counted itself (sk_enter); the calls that are may still use
	 * everything below: wait for them before it goes */
	gate_drain();
	obj_fini();
	op_fini();
	crypto_kept_fini();     /* (its keys belong to the context crypto_fini frees) */
	crypto_fini();
	sess_fini();
	slot_fini();
	lock_unconfigure();
out:
	pthread_mutex_unlock(&init_mutex);
	return rv;
}

CK_RV sk_enter(enum sk_fn fn, int need_init)
{
	struct gate_thread *g = gate_mine();

	g->counted <<= 1;
	if (log_on(LOG_CALLS))
		log_msg(LOG_CALLS, "%s", sk_fn_info[fn].name);
	if (!need_init)
		return CKR_OK;
	if (!init_check_fork())         /* first: a child forgets the parent's count */
		return CKR_CRYPTOKI_NOT_INITIALIZED;
	if (fn == SK_FN_C_Finalize || fn == SK_FN_C_WaitForSlotEvent)
		return CKR_OK;
	/* counted before the second look: C_Finalize marks first and counts after, so one
	 * of the two sees the other (sequentially consistent atomics) */
	g->mine_plus1 = lock_count_pick() + 1;
	lock_count_in(&gate_calls, g->mine_plus1 - 1);
	if (!atomic_load(&initialized)) {
		gate_leave(g->mine_plus1 - 1);
		return CKR_CRYPTOKI_NOT_INITIALIZED;
	}
	g->counted |= 1;
	return CKR_OK;
}

CK_RV sk_leave(enum sk_fn fn, CK_RV rv)
{
	struct gate_thread *g = gate_mine();
	int counted = g->counted & 1;

	g->counted >>= 1;
	if (log_on(LOG_CALLS) || (rv != CKR_OK && log_on(LOG_ERROR)))
		log_msg(rv == CKR_OK ? LOG_CALLS : LOG_ERROR, "%s = %s", sk_fn_info[fn].name,
			sk_rv_name(rv));
	rvcheck(fn, rv);
	if (counted)
		gate_leave(g->mine_plus1 - 1);  /* last: C_Finalize may tear everything down right after */
	return rv;
}
