/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * conf.h — the module's settings. Each comes from an environment variable first, then
 * from a `key = value` line of the configuration file (SCRIPTOKI_CONF, default
 * /etc/scriptoki.conf; '#' starts a comment). Environment variables are read with
 * secure_getenv: a set-user-ID program ignores them.
 *
 *   scripts    SCRIPTOKI_SCRIPTS    the folder of the token scripts
 *   exclusive  SCRIPTOKI_EXCLUSIVE  connect to cards exclusively (yes/no)
 *   script_timeout  SCRIPTOKI_SCRIPT_TIMEOUT  wall-clock seconds per script call (lb.c)
 *   pin_cache  SCRIPTOKI_PIN_CACHE  keep the login PIN to verify it again (pincache.h; on)
 */
#ifndef SCRIPTOKI_CONF_H
#define SCRIPTOKI_CONF_H

#include <stddef.h>

/* The setting's value into buf: 1 when set (non-empty and fitting), else 0. */
int conf_get(const char *env, const char *key, char *buf, size_t cap);

/* A yes/no setting: 1 for 1/yes/true/on, 0 for anything else or when unset. */
int conf_flag(const char *env, const char *key);

#endif
