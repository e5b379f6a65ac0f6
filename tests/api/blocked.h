/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * blocked.h — what the tests of "a call passes another that hangs in card I/O" share
 * (t5124, t7001): a thread's flags behind a mutex, a bounded wait for one, and a bounded
 * wait until a thread sleeps in the kernel inside its call. Header-only, after api.h.
 */
#ifndef SCRIPTOKI_TEST_BLOCKED_H
#define SCRIPTOKI_TEST_BLOCKED_H

#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
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

/* Wait for a flag (set under mu, with cv broadcast) with a deadline; 1 when set in time. */
static inline int bl_wait_flag(pthread_mutex_t *mu, pthread_cond_t *cv, int *flag, long ms)
{
	struct timespec ts;
	int got;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
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
