/* SPDX-License-Identifier: BSD-2-Clause */
/* log.c — the opt-in debug log; see log.h. */
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static pthread_once_t log_once = PTHREAD_ONCE_INIT;
static int log_lvl;
static int log_fd = -1;

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
	if (*end != '\0' || n <= 0)
		return;
	log_lvl = n > LOG_CARD ? LOG_CARD : (int)n;
	if (path != NULL && *path != '\0') {
		log_fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
		if (log_fd < 0)
			log_lvl = 0;    /* asked for a file we cannot write: stay silent */
	} else {
		log_fd = STDERR_FILENO;
	}
}

int log_level(void)
{
	pthread_once(&log_once, log_setup);
	return log_lvl;
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
	log_setup();
}
