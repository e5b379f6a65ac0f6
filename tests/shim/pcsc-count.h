/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pcsc-count.h — what t5115-t5117 share: re-executing the test with build/t/pcsc-count-shim.so
 * preloaded (after the sanitizer runtime, when make check-asan gives one), the shim's
 * counters, and the number of threads of this process.
 */
#ifndef SCRIPTOKI_PCSC_COUNT_H
#define SCRIPTOKI_PCSC_COUNT_H

#include <dirent.h>
#include <sched.h>

#include "api/api.h"

typedef long (*pc_count_fn)(const char *fn, int all_threads);
typedef int (*pc_blocked_fn)(void);
static pc_count_fn pc_count_p;
static pc_blocked_fn pc_blocked_p;

/* Call right after api_rig(): re-executes once with the shim, then finds its counters. */
static inline void pc_shim(char **argv)
{
	if (getenv("LD_PRELOAD") == NULL || strstr(getenv("LD_PRELOAD"), "pcsc-count-shim") == NULL) {
		char shim[4096], pre[8192];
		const char *san = getenv("SAN_PRELOAD");

		build_path(shim, sizeof shim, "t/pcsc-count-shim.so");
		snprintf(pre, sizeof pre, "%s%s%s", san != NULL ? san : "", san != NULL ? ":" : "",
			 shim);
		setenv("LD_PRELOAD", pre, 1);
		execv(argv[0], argv);
		printf("Bail out! cannot re-execute with the shim\n");
		exit(255);
	}
	pc_count_p = (pc_count_fn)dlsym(RTLD_DEFAULT, "shim_pcsc_count");
	pc_blocked_p = (pc_blocked_fn)dlsym(RTLD_DEFAULT, "shim_pcsc_blocked");
	if (pc_count_p == NULL || pc_blocked_p == NULL) {
		printf("Bail out! the counting shim is not loaded\n");
		exit(255);
	}
}

/* SCard* calls (fn NULL: of any function) made by this thread / by every thread. */
static inline long pc_mine(const char *fn)
{
	return pc_count_p(fn, 0);
}

static inline long pc_all(const char *fn)
{
	return pc_count_p(fn, 1);
}

/* The threads of this process (the entries of /proc/self/task). */
static inline int pc_threads(void)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	int n = 0;

	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

/* The module's reader monitor threads (named "scriptoki-mon") in this process. */
static inline int pc_monitors(void)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	int n = 0;

	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL) {
		char path[300], name[64] = "";
		FILE *f;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, "/proc/self/task/%s/comm", e->d_name);
		if ((f = fopen(path, "r")) != NULL) {
			if (fgets(name, sizeof name, f) != NULL &&
			    strncmp(name, "scriptoki-mon", 13) == 0)
				n++;
			fclose(f);
		}
	}
	closedir(d);
	return n;
}

/* Wait (at most ms) until there are `want` monitor threads; 1 when there are. */
static inline int pc_monitors_within(int want, long ms)
{
	long end = api_now_ms() + ms;

	while (pc_monitors() != want)
		if (api_now_ms() > end)
			return 0;
		else
			sched_yield();
	return 1;
}

/* Wait (at most ms) until `want` threads are blocked in an SCardGetStatusChange without
 * a timeout; 1 when they are. A bounded poll of a condition, not a sleep. */
static inline int pc_blocked_within(int want, long ms)
{
	long end = api_now_ms() + ms;

	while (pc_blocked_p() != want)
		if (api_now_ms() > end)
			return 0;
		else
			sched_yield();
	return 1;
}

/* Wait (at most ms) until the process has `want` threads; 1 when it has. */
static inline int pc_threads_within(int want, long ms)
{
	long end = api_now_ms() + ms;

	while (pc_threads() != want)
		if (api_now_ms() > end)
			return 0;
		else
			sched_yield();
	return 1;
}

#endif
