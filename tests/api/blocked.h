/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * blocked.h — what the tests of "a call passes another that hangs in card I/O" share
 * (t5124, t7001): a thread's flags behind a mutex, a bounded wait for one, and a bounded
 * wait until a thread sleeps in the kernel inside its call, a token's process ID.
 * Header-only, after api.h (t5102 uses its deadline).
 */
#ifndef SCRIPTOKI_TEST_BLOCKED_H
#define SCRIPTOKI_TEST_BLOCKED_H

#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>

/* A flag, read under its mutex. */
static inline int bl_flag_now(pthread_mutex_t *mu, const int *flag)
{
	int v;

	pthread_mutex_lock(mu);
	v = *flag;
	pthread_mutex_unlock(mu);
	return v;
}

/* The CLOCK_REALTIME deadline ms from now (for pthread_cond_timedwait and the like). */
static inline void bl_deadline(struct timespec *ts, long ms)
{
	clock_gettime(CLOCK_REALTIME, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

/* Virtual token i's process ID, as the rig tells it; bails out of the test without. */
static inline pid_t bl_token_pid(int i)
{
	const char *s = api_env(i, "PID");
	pid_t pid = s != NULL ? (pid_t)atol(s) : 0;

	if (pid <= 0) {
		printf("Bail out! the rig did not say token %d's pid\n", i);
		exit(255);
	}
	return pid;
}

/* C_Initialize with CKF_OS_LOCKING_OK (threads will call), as a test. */
static inline void bl_initialize(CK_FUNCTION_LIST_PTR f)
{
	CK_C_INITIALIZE_ARGS args;

	memset(&args, 0, sizeof args);
	args.flags = CKF_OS_LOCKING_OK;
	is_rv(f->C_Initialize(&args), CKR_OK, "C_Initialize with OS locking");
}

/* This thread's kernel ID into *tid, under mu (for bl_wait_blocked). */
static inline void bl_tell_tid(pthread_mutex_t *mu, long *tid)
{
	pthread_mutex_lock(mu);
	*tid = (long)syscall(SYS_gettid);
	pthread_mutex_unlock(mu);
}

/* A call's result into *rv (when given) and the flag set, under mu, waking the waiters. */
static inline void bl_set_flag(pthread_mutex_t *mu, pthread_cond_t *cv, int *flag, CK_RV *rv,
			       CK_RV value)
{
	pthread_mutex_lock(mu);
	if (rv != NULL)
		*rv = value;
	*flag = 1;
	pthread_cond_broadcast(cv);
	pthread_mutex_unlock(mu);
}

/* Wait for a flag (set under mu, with cv broadcast) with a deadline; 1 when set in time. */
static inline int bl_wait_flag(pthread_mutex_t *mu, pthread_cond_t *cv, int *flag, long ms)
{
	struct timespec ts;
	int got;

	bl_deadline(&ts, ms);
	pthread_mutex_lock(mu);
	while (!*flag && pthread_cond_timedwait(cv, mu, &ts) == 0)
		;
	got = *flag;
	pthread_mutex_unlock(mu);
	return got;
}

/* Thread tid of this process is asleep in the kernel ('S' in /proc/self/task/TID/stat). */
static inline int bl_thread_sleeping(long tid)
{
	char path[64], buf[512], *p;
	FILE *fp;
	size_t n;

	snprintf(path, sizeof path, "/proc/self/task/%ld/stat", tid);
	fp = fopen(path, "r");
	if (fp == NULL)
		return 0;
	n = fread(buf, 1, sizeof buf - 1, fp);
	fclose(fp);
	buf[n] = '\0';
	p = strrchr(buf, ')');          /* the state follows the command name */
	return p != NULL && p[1] == ' ' && p[2] == 'S';
}

/*
 * Wait (bounded by ms, no sleep as synchronisation) until the thread whose kernel ID it
 * stores in *tid (under mu) is seen asleep three looks in a row without having set *done:
 * it hangs inside its call. 1 when it does.
 */
static inline int bl_wait_blocked(pthread_mutex_t *mu, const long *tid, const int *done, long ms)
{
	long t0 = api_now_ms(), me = 0;
	int blocked = 0, i;

	while (api_now_ms() - t0 < ms && !blocked) {
		pthread_mutex_lock(mu);
		me = *tid;
		pthread_mutex_unlock(mu);
		for (i = 0; i < 3 && me != 0 && !bl_flag_now(mu, done); i++) {
			if (!bl_thread_sleeping(me))
				break;
			sched_yield();
		}
		blocked = me != 0 && i == 3 && !bl_flag_now(mu, done);
		if (!blocked)
			sched_yield();
	}
	return blocked;
}

#endif
