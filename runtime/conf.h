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
 *   <family>.<name>  (file only)  a token family's own setting, which its manifest
 *              declares (lb_settings.c); e.g. piv.management_key
 *
 * Mistakes (a line that is not `key = value`, an unknown key or value, an unreadable file
 * named by SCRIPTOKI_CONF, a bad environment value) are reported once per process on
 * standard error as `scriptoki: FILE:LINE: what` and in the debug log; the setting then
 * keeps its default and the module works on.
 */
#ifndef SCRIPTOKI_CONF_H
#define SCRIPTOKI_CONF_H

#include <stddef.h>

#define CONF_VALUE_MAX 4096

enum conf_kind { CONF_TEXT, CONF_BOOL };

struct conf_key {
	const char *key;        /* in the file */
	const char *env;        /* its environment variable */
	enum conf_kind kind;
};

/* The known keys, i = 0, 1, ...; NULL past the last. */
const struct conf_key *conf_key_at(size_t i);

/* The configuration file in use; *from_env says whether SCRIPTOKI_CONF named it. */
const char *conf_path(int *from_env);

/* Check the environment and the file once per process and report each mistake. */
void conf_check(void);

/* Report one mistake (standard error and the debug log); conf_warnings() counts them. */
__attribute__((format(printf, 1, 2)))
void conf_warn(const char *fmt, ...);
int conf_warnings(void);

/* The value of key into buf and where it came from ("environment SCRIPTOKI_X",
 * "FILE:LINE", or "default" when unset) into origin; 1 when set. */
int conf_lookup(const char *key, char *buf, size_t cap, char *origin, size_t origin_cap);

/* The setting's value into buf: 1 when set (non-empty and fitting), else 0. */
/* A token family's setting "<family>.<name>" (conf_family_key) from the file only: 1 with
 * its value in buf. The file's lines are wiped after reading (the value may be a secret;
 * the caller cleanses buf). */
int conf_family_key(const char *key);
int conf_family_lookup(const char *key, char *buf, size_t cap);

int conf_get(const char *env, const char *key, char *buf, size_t cap);

/* A yes/no setting: 1 for 1/yes/true/on, 0 for anything else or when unset. */
int conf_flag(const char *env, const char *key);

/* 1/yes/true/on or 0/no/false/off (any case) into *out: 1; anything else: 0. */
int conf_bool_value(const char *v, int *out);

#endif
