/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t1001 — lock.c's counters with asymmetric fences (lock.h), linked in directly: the
 * first LOCK_RW_OWN threads alive count with plain stores, the writer (or C_Finalize's
 * gate) pays with membarrier. Shown here:
 *  - on a kernel that has membarrier's private expedited command, the plain path is on;
 *  - a lock_rw excludes its writers from its readers, with more threads than owned
 *    counters (owned and shared ones at once);
 *  - the gate's pattern (lock_count + lock_asym_fence): a thread that counted itself in
 *    and saw "open" never finds the resource torn down;
 *  - owned counters go back when a thread ends (a pool of short-lived threads keeps the
 *    plain path), the 17th live thread gets a shared one, and a child after fork() has
 *    the counters of the parent's other threads free again.
 */
#include "tap.h"

#include <linux/membarrier.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lock.h"

#define READERS 20              /* more than LOCK_RW_OWN */
#define WRITES 20000            /* per writer */
#define CLOSES 4000

/* --- a lock_rw: writers move two words apart and back; readers must never see them apart */
static struct lock_rw rw;
static _Atomic long word_a, word_b;
static atomic_int stop;
static _Atomic long apart, reads, writes;

static void *reader(void *arg)
{
	(void)arg;
	while (!atomic_load(&stop)) {
		if (lock_rw_shared(&rw) != CKR_OK) {
			atomic_fetch_add(&apart, 1000000);
			break;
		}
		if (atomic_load_explicit(&word_a, memory_order_relaxed) !=
		    atomic_load_explicit(&word_b, memory_order_relaxed))
			atomic_fetch_add(&apart, 1);
		lock_rw_release(&rw);
		atomic_fetch_add_explicit(&reads, 1, memory_order_relaxed);
	}
	return NULL;
}

static void *writer(void *arg)
{
	int i;

	(void)arg;
	for (i = 0; i < WRITES; i++) {
		if (lock_rw_exclusive(&rw) != CKR_OK)
			break;
		atomic_fetch_add_explicit(&word_a, 1, memory_order_relaxed);
		for (int spin = 0; spin < 50; spin++)
			atomic_signal_fence(memory_order_seq_cst);
		atomic_fetch_add_explicit(&word_b, 1, memory_order_relaxed);
		lock_rw_release(&rw);
		atomic_fetch_add_explicit(&writes, 1, memory_order_relaxed);
	}
	return NULL;
}

/* --- the gate: counted in, then "open?"; the closer marks, fences, waits, tears down --- */
static struct lock_count gate;
static atomic_int closed;
static _Atomic(long *) resource;
static _Atomic long torn_seen, entered;

static void *caller(void *arg)
{
	unsigned mine = lock_count_pick();
	unsigned calls = 0;

	(void)arg;
	while (!atomic_load(&stop)) {
		lock_count_in(&gate, mine);
		if (!atomic_load(&closed)) {
			long *r = atomic_load_explicit(&resource, memory_order_relaxed);
			if (r == NULL || *r != 42)
				atomic_fetch_add(&torn_seen, 1);
			atomic_fetch_add_explicit(&entered, 1, memory_order_relaxed);
			lock_count_out(&gate, mine);
			if ((++calls & 63) == 0)
				sched_yield();  /* (the closer gets its turns too) */
			continue;
		}
		/* turned away (as sk_enter turns a call away): out, and off the processor
		 * until it opens again, as an application would not call at once again */
		lock_count_out(&gate, mine);
		while (atomic_load(&closed) && !atomic_load(&stop))
			sched_yield();
	}
	return NULL;
}

static long closer(void)
{
	static long cells[2] = { 42, 42 };
	long rounds = 0;
	int i;

	for (i = 0; i < CLOSES; i++) {
		atomic_store(&closed, 1);
		lock_asym_fence();
		while (lock_count_sum(&gate) != 0)
			sched_yield();
		/* torn down: nobody that counted in can look at it now */
		long *r = atomic_exchange(&resource, NULL);
		*r = 0;
		cells[i & 1] = 42;
		atomic_store(&resource, &cells[i & 1]);
		*r = 42;
		atomic_store(&closed, 0);
		rounds++;
		/* open until a few calls came in */
		long e0 = atomic_load(&entered);
		while (atomic_load(&entered) < e0 + 100)
			sched_yield();
	}
	return rounds;
}

/* --- the store-buffering litmus test, round by round: one thread counts in and looks at
 * the flag, the other raises the flag, fences and sums. Without a fence on both sides a
 * processor lets each load pass its own store, and both may read 0 ("neither saw the
 * other"); lock_asym_fence on the rare side must rule that out against plain stores. --- */
#define LITMUS_ROUNDS 100000
static struct lock_count litmus;
static atomic_int flag, go, done_round;
static int seen_flag[LITMUS_ROUNDS];

static void spin_until(atomic_int *v, int want)
{
	int spins = 0;

	while (atomic_load_explicit(v, memory_order_acquire) != want)
		if (++spins > 1000) {
			sched_yield();  /* (the other thread may need this processor) */
			spins = 0;
		}
}

/* both threads leave this at the same moment (the last to arrive lets both go), so that
 * their stores and loads overlap */
static atomic_int arrived;

static void both_arrive(int r)
{
	int spins = 0;

	atomic_fetch_add(&arrived, 1);
	while (atomic_load_explicit(&arrived, memory_order_acquire) < 2 * r)
		if (++spins > 100000) {
			sched_yield();
			spins = 0;
		}
}

static void *litmus_counter(void *arg)
{
	unsigned mine = lock_count_pick();
	int r;

	*(unsigned *)arg = mine;
	for (r = 1; r <= LITMUS_ROUNDS; r++) {
		both_arrive(r);
		lock_count_in(&litmus, mine);
		seen_flag[r - 1] = atomic_load_explicit(&flag, memory_order_relaxed);
		atomic_store_explicit(&done_round, r, memory_order_release);
		spin_until(&go, -r);    /* the other side has summed */
		lock_count_out(&litmus, mine);
		atomic_store_explicit(&done_round, -r, memory_order_release);
	}
	return NULL;
}

/* the number of rounds in which neither side saw the other */
static long litmus_run(unsigned *counter_idx)
{
	pthread_t t;
	long both_missed = 0;
	int r;

	lock_count_reset(&litmus);
	if (pthread_create(&t, NULL, litmus_counter, counter_idx) != 0)
		return -1;
	for (r = 1; r <= LITMUS_ROUNDS; r++) {
		atomic_store_explicit(&flag, 0, memory_order_relaxed);
		both_arrive(r);
		atomic_store_explicit(&flag, 1, memory_order_relaxed);
		lock_asym_fence();
		long sum = lock_count_sum(&litmus);
		spin_until(&done_round, r);
		if (sum == 0 && seen_flag[r - 1] == 0)
			both_missed++;
		atomic_store_explicit(&go, -r, memory_order_release);
		spin_until(&done_round, -r);
	}
	pthread_join(t, NULL);
	return both_missed;
}

/* --- which counter a thread gets ---------------------------------------------------- */
static void *pick_once(void *arg)
{
	*(unsigned *)arg = lock_count_pick();
	return NULL;
}

static pthread_barrier_t hold;

static void *pick_and_hold(void *arg)
{
	*(unsigned *)arg = lock_count_pick();
	pthread_barrier_wait(&hold);        /* all picked */
	pthread_barrier_wait(&hold);        /* the test is done with them */
	return NULL;
}

static unsigned pick_in_new_thread(void)
{
	pthread_t t;
	unsigned got = ~0u;

	if (pthread_create(&t, NULL, pick_once, &got) == 0)
		pthread_join(t, NULL);
	return got;
}

int main(void)
{
	pthread_t rd[READERS], wr[2];
	int q = (int)syscall(SYS_membarrier, MEMBARRIER_CMD_QUERY, 0, 0);
	int have = q >= 0 && (q & MEMBARRIER_CMD_PRIVATE_EXPEDITED);
	unsigned held[LOCK_RW_OWN + 2], extra, again, i, owned;
	int n;

	lock_configure(NULL);
	diag("membarrier query: %#x", q);
	if (have)
		ok(lock_asym_on(), "membarrier's private expedited command is there: plain path on");
	else
		ok(!lock_asym_on(), "no membarrier: every counter counted atomically");

	/* the litmus test */
	unsigned lit_idx = ~0u;
	long missed = litmus_run(&lit_idx);
	diag("litmus: counter %u, %d rounds, both missed in %ld", lit_idx, LITMUS_ROUNDS, missed);
	ok(missed == 0, "store buffering: a count-in and a fenced flag never both miss (%ld of %d)",
	   missed, LITMUS_ROUNDS);

	/* a lock_rw with 20 readers (owned and shared counters) and two writers */
	ok(lock_rw_create(&rw) == CKR_OK, "lock_rw made");
	for (n = 0; n < READERS; n++)
		pthread_create(&rd[n], NULL, reader, NULL);
	pthread_create(&wr[0], NULL, writer, NULL);
	pthread_create(&wr[1], NULL, writer, NULL);
	pthread_join(wr[0], NULL);
	pthread_join(wr[1], NULL);
	atomic_store(&stop, 1);
	for (n = 0; n < READERS; n++)
		pthread_join(rd[n], NULL);
	diag("%ld reads, %ld writes", atomic_load(&reads), atomic_load(&writes));
	ok(atomic_load(&writes) == 2 * WRITES, "both writers had all their holds (%ld)",
	   atomic_load(&writes));
	ok(atomic_load(&reads) > 0, "the readers read too");
	ok(atomic_load(&apart) == 0, "no reader ever saw a writer's half-done change (%ld)",
	   atomic_load(&apart));
	ok(atomic_load(&word_a) == 2 * WRITES && atomic_load(&word_b) == 2 * WRITES,
	   "and the writers excluded each other");
	lock_rw_destroy(&rw);

	/* the gate's pattern */
	static long first = 42;
	atomic_store(&resource, &first);
	atomic_store(&stop, 0);
	lock_count_reset(&gate);
	for (n = 0; n < READERS; n++)
		pthread_create(&rd[n], NULL, caller, NULL);
	long rounds = closer();
	atomic_store(&stop, 1);
	for (n = 0; n < READERS; n++)
		pthread_join(rd[n], NULL);
	diag("%ld closes, %ld calls let in", rounds, atomic_load(&entered));
	ok(atomic_load(&entered) > 0, "calls came in between the closes");
	ok(atomic_load(&torn_seen) == 0,
	   "no call counted in and let in ever found the resource torn down (%ld)",
	   atomic_load(&torn_seen));
	ok(lock_count_sum(&gate) == 0, "every call counted out");

	/* owned counters come back when their threads end: 40 short-lived threads, one at
	 * a time, and the next one still owns its counter */
	for (i = 0; i < 40; i++)
		(void)pick_in_new_thread();
	again = pick_in_new_thread();
	ok(again < LOCK_RW_OWN, "after 40 ended threads a new one owns a counter (%u)", again);

	/* with every owned counter taken by a live thread, the next thread shares one */
	owned = lock_count_pick() < LOCK_RW_OWN;   /* the main thread's own */
	pthread_barrier_init(&hold, NULL, LOCK_RW_OWN + 1);
	for (i = 0; i < LOCK_RW_OWN; i++)
		pthread_create(&rd[i], NULL, pick_and_hold, &held[i]);
	pthread_barrier_wait(&hold);
	unsigned n_owned = owned;
	for (i = 0; i < LOCK_RW_OWN; i++)
		n_owned += held[i] < LOCK_RW_OWN;
	extra = pick_in_new_thread();
	ok(n_owned == LOCK_RW_OWN, "%u live threads own the %d counters", n_owned, LOCK_RW_OWN);
	ok(extra >= LOCK_RW_OWN && extra < LOCK_RW_READERS,
	   "the next live thread counts in a shared one (%u)", extra);

	/* a child after fork(): only the forking thread went on, the others' are free */
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		lock_fork_child();
		unsigned c = pick_in_new_thread();
		_exit(c < LOCK_RW_OWN ? 0 : 1);
	}
	int st = 0;
	waitpid(pid, &st, 0);
	ok(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	   "in the child, a new thread owns a counter the parent's threads had");
	pthread_barrier_wait(&hold);
	for (i = 0; i < LOCK_RW_OWN; i++)
		pthread_join(rd[i], NULL);
	pthread_barrier_destroy(&hold);
	return done_testing();
}
