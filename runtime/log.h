/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * log.h — the opt-in debug log.
 *
 * Off by default. SCRIPTOKI_DEBUG=N switches it on (1: failed calls and errors,
 * 2: every call, 3: also card traffic); SCRIPTOKI_DEBUG_FILE=PATH appends to PATH
 * instead of standard error. Nothing is ever written to standard output, and no
 * caller may pass a PIN or key material to these functions.
 */
#ifndef SCRIPTOKI_LOG_H
#define SCRIPTOKI_LOG_H

#include <stdatomic.h>

enum { LOG_ERROR = 1, LOG_CALLS = 2, LOG_CARD = 3 };

/* Current level (0 = off); reads the environment once per process. Every entry point
 * asks: after the first time, one load (log.c publishes the level once it is set up and
 * a mistake in its settings reported). */
extern _Atomic int log_level_known;     /* log.c's; -1 until then */
int log_level_slow(void);
static inline int log_level(void)
{
	int l = atomic_load_explicit(&log_level_known, memory_order_acquire);

	return l >= 0 ? l : log_level_slow();
}

/* A mistake of the user's (a bad setting): "scriptoki: MSG" on standard error, and in the
 * log when that is a file. Callers report each mistake once per process. */
void log_warn(const char *msg);
/* How many log_warn() calls this process made. */
int log_warnings(void);

#define log_on(level) (log_level() >= (level))

__attribute__((format(printf, 2, 3)))
void log_msg(int level, const char *fmt, ...);

/* After fork(): the child re-reads the environment and reopens the file. */
void log_reset_after_fork(void);

#endif
