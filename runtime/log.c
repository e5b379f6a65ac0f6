/* SPDX-License-Identifier: BSD-2-Clause */
/* log.c — the opt-in debug log; see log.h. */
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static pthread_once_t log_once = PTHREAD_ONCE_INIT;
static int log_lvl;
static int log_fd = -1;
/* a mistake in the log's own settings, reported (once) after log_setup has run */
static char log_problem[600];
static atomic_int log_problem_state;    /* 0 none, 1 to report, 2 reported */

static void log_setup(void)
{
	const char *lvl = getenv("SCRIPTOKI_DEBUG");
	const char *path = getenv("SCRIPTOKI_DEBUG_FILE");
	char *end;
	long n;

	log_lvl = 0;
	log_fd = -1;
	if (lvl == NULL || *lvl == '\0')
		return;
	n = strtol(lvl, &end, 10);
	if (*end != '\0' || n < 0) {
		snprintf(log_problem, sizeof log_problem,
			 "SCRIPTOKI_DEBUG: \"%.64s\" is not a level (0 to 3); the debug log stays off",
			 lvl);
		goto problem;
	}
	if (n == 0)
		return;
	log_lvl = n > LOG_CARD ? LOG_CARD : (int)n;
	if (path != NULL && *path != '\0') {
		log_fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
		if (log_fd < 0) {
			/* asked for a file we cannot write: no log, and say so once */
			snprintf(log_problem, sizeof log_problem,
				 "SCRIPTOKI_DEBUG_FILE: cannot open %.400s: %s; the debug log stays off",
				 path, strerror(errno));
			log_lvl = 0;
			goto problem;
		}
	} else {
		log_fd = STDERR_FILENO;
	}
	return;
problem:
	{
		int none = 0;

		atomic_compare_exchange_strong(&log_problem_state, &none, 1);
	}
}

_Atomic int log_level_known = -1;

int log_level_slow(void)
{
	int due = 1;

	pthread_once(&log_once, log_setup);
	if (atomic_load(&log_problem_state) == 1 &&
	    atomic_compare_exchange_strong(&log_problem_state, &due, 2))
		log_warn(log_problem);
	/* from now on log_level is this load (log_fd and the rest are set before it) */
	atomic_store_explicit(&log_level_known, log_lvl, memory_order_release);
	return log_lvl;
}

static atomic_int log_nwarnings;

void log_warn(const char *msg)
{
	atomic_fetch_add(&log_nwarnings, 1);
	/* standard error in p11-kit's manner, and the debug log when it goes elsewhere */
	fprintf(stderr, "scriptoki: %s\n", msg);
	if (log_level() >= LOG_ERROR && log_fd != STDERR_FILENO)
		log_msg(LOG_ERROR, "warning: %s", msg);
}

int log_warnings(void)
{
	return atomic_load(&log_nwarnings);
}

void log_msg(int level, const char *fmt, ...)
{
	char buf[2048];	/* room for a call trace line (runtime/trace.c) */
	struct timespec ts;
	va_list ap;
	int n, m;

	if (log_level() < level)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	n = snprintf(buf, sizeof buf, "scriptoki %ld.%06ld [%ld:%ld] ", (long)ts.tv_sec,
		     ts.tv_nsec / 1000, (long)getpid(), (long)syscall(SYS_gettid));
	va_start(ap, fmt);
	m = vsnprintf(buf + n, sizeof buf - (size_t)n - 1, fmt, ap);
	va_end(ap);
	if (m < 0)
		return;
	n += m;
	if (n > (int)sizeof buf - 2)
		n = (int)sizeof buf - 2;
	buf[n++] = '\n';
	/* one write per line so concurrent threads do not interleave inside a line */
	while (write(log_fd, buf, (size_t)n) < 0 && errno == EINTR)
		;
}

void log_reset_after_fork(void)
{
	/* the parent's descriptor is shared and stays valid; only re-read the settings */
	if (log_fd > STDERR_FILENO)
		close(log_fd);
	/* the next log_level publishes the child's level (and reports its mistake) */
	atomic_store(&log_level_known, -1);
	log_setup();
}
