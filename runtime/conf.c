/* SPDX-License-Identifier: BSD-2-Clause */
/* conf.c — the module's settings and the report of their mistakes; see conf.h. */
#include "conf.h"

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "log.h"

/* the configuration file: /etc/scriptoki.conf, or SYSCONFDIR's for an installed module */
#ifndef SK_CONF_FILE
#define SK_CONF_FILE "/etc/scriptoki.conf"
#endif
#define CONF_DEFAULT SK_CONF_FILE

/* Every key the file may hold. A new setting is one line here (and one in conf.h). */
static const struct conf_key conf_keys[] = {
	{ "scripts", "SCRIPTOKI_SCRIPTS", CONF_TEXT },
	{ "exclusive", "SCRIPTOKI_EXCLUSIVE", CONF_BOOL },
	{ "script_timeout", "SCRIPTOKI_SCRIPT_TIMEOUT", CONF_TEXT },
	{ "pin_cache", "SCRIPTOKI_PIN_CACHE", CONF_BOOL },
};
#define CONF_NKEYS (sizeof conf_keys / sizeof conf_keys[0])

static pthread_once_t conf_once = PTHREAD_ONCE_INIT;

const struct conf_key *conf_key_at(size_t i)
{
	return i < CONF_NKEYS ? &conf_keys[i] : NULL;
}

/* "<family>.<setting>": a token family's own setting ([a-z0-9_]+ on either side of one
 * dot, the setting starting with a letter), read by lb_settings.c for the family's script
 * when its manifest declares it; the file only (no environment variable: such settings
 * may be secret, and an environment is read by too many). */
int conf_family_key(const char *k)
{
	const char *dot = strchr(k, '.');
	const char *c;

	if (dot == NULL || dot == k || strchr(dot + 1, '.') != NULL ||
	    !islower((unsigned char)dot[1]) || strlen(k) > 161)
		return 0;
	for (c = k; *c != '\0'; c++)
		if (c != dot && !(islower((unsigned char)*c) || isdigit((unsigned char)*c) ||
				  *c == '_'))
			return 0;
	return 1;
}

static const struct conf_key *conf_key_named(const char *key)
{
	size_t i;

	for (i = 0; i < CONF_NKEYS; i++)
		if (strcmp(conf_keys[i].key, key) == 0)
			return &conf_keys[i];
	return NULL;
}

const char *conf_path(int *from_env)
{
	const char *path = secure_getenv("SCRIPTOKI_CONF");
	int env = path != NULL && *path != '\0';

	if (from_env != NULL)
		*from_env = env;
	return env ? path : CONF_DEFAULT;
}

void conf_warn(const char *fmt, ...)
{
	char msg[600];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	log_warn(msg);
}

int conf_warnings(void)
{
	return log_warnings();
}

int conf_bool_value(const char *v, int *out)
{
	static const char *const yes[] = { "1", "yes", "true", "on" };
	static const char *const no[] = { "0", "no", "false", "off" };
	size_t i;

	for (i = 0; i < sizeof yes / sizeof yes[0]; i++) {
		if (strcasecmp(v, yes[i]) == 0) {
			*out = 1;
			return 1;
		}
		if (strcasecmp(v, no[i]) == 0) {
			*out = 0;
			return 1;
		}
	}
	return 0;
}

static char *conf_trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

/*
 * One pass over the file. With key NULL: report every mistake (conf_check). Otherwise the
 * first well-formed value of key into dst, its line number into *lineno; 1 when found.
 */
static int conf_scan(const char *key, char *dst, size_t cap, unsigned *lineno)
{
	int from_env;
	const char *path = conf_path(&from_env);
	char *line = NULL, *k, *v, *eq, *hash;
	size_t lcap = 0;
	unsigned no = 0;
	int found = 0;
	FILE *f = fopen(path, "re");

	if (f == NULL) {
		/* no file at the default place is normal; anything else is a mistake */
		if (key == NULL && (from_env || errno != ENOENT))
			conf_warn("%s: cannot read the configuration file: %s; using the defaults",
				  path, strerror(errno));
		return 0;
	}
	while (!found && getline(&line, &lcap, f) > 0) {
		const struct conf_key *ck;
		int b;

		no++;
		hash = strchr(line, '#');
		if (hash != NULL)
			*hash = '\0';
		eq = strchr(line, '=');
		if (eq == NULL) {
			if (key == NULL && *conf_trim(line) != '\0')
				conf_warn("%s:%u: not a \"key = value\" line", path, no);
			continue;
		}
		*eq = '\0';
		k = conf_trim(line);
		v = conf_trim(eq + 1);
		ck = conf_key_named(k);
		if (key == NULL) {
			if (ck == NULL && conf_family_key(k)) {
				if (*v == '\0')
					conf_warn("%s:%u: no value for \"%s\"", path, no, k);
				else if (strlen(v) >= CONF_VALUE_MAX)
					conf_warn("%s:%u: the value of \"%s\" is too long", path,
						  no, k);
			} else if (ck == NULL)
				conf_warn("%s:%u: unknown key \"%.64s\"", path, no, k);
			else if (*v == '\0')
				conf_warn("%s:%u: no value for \"%s\"", path, no, k);
			else if (ck->kind == CONF_BOOL && !conf_bool_value(v, &b))
				conf_warn("%s:%u: unknown value \"%.64s\" for \"%s\" (yes or no); "
					  "using no", path, no, v, k);
			else if (strlen(v) >= CONF_VALUE_MAX)
				conf_warn("%s:%u: the value of \"%s\" is too long", path, no, k);
			continue;
		}
		if (strcmp(k, key) != 0 || *v == '\0' || strlen(v) >= cap)
			continue;
		memcpy(dst, v, strlen(v) + 1);
		*lineno = no;
		found = 1;
	}
	/* the line may have held a secret setting (a family's key): wipe it (explicit_bzero:
	 * this file is also linked without OpenSSL, by the command line tool and the fuzzer;
	 * like OPENSSL_cleanse, the compiler may not drop it) */
	if (line != NULL)
		explicit_bzero(line, lcap);
	free(line);
	fclose(f);
	return found;
}

static void conf_check_once(void)
{
	size_t i;
	int b;

	for (i = 0; i < CONF_NKEYS; i++) {
		const char *e = secure_getenv(conf_keys[i].env);

		if (e == NULL || *e == '\0')
			continue;
		if (strlen(e) >= CONF_VALUE_MAX)
			conf_warn("%s: the value is too long; ignored", conf_keys[i].env);
		else if (conf_keys[i].kind == CONF_BOOL && !conf_bool_value(e, &b))
			conf_warn("%s: unknown value \"%.64s\" (yes or no); using no",
				  conf_keys[i].env, e);
	}
	conf_scan(NULL, NULL, 0, NULL);
	/* the debug log's own settings (SCRIPTOKI_DEBUG, SCRIPTOKI_DEBUG_FILE) */
	log_level();
}

void conf_check(void)
{
	pthread_once(&conf_once, conf_check_once);
}

int conf_lookup(const char *key, char *buf, size_t cap, char *origin, size_t origin_cap)
{
	const struct conf_key *ck = conf_key_named(key);
	const char *e = ck != NULL ? secure_getenv(ck->env) : NULL;
	unsigned no = 0;

	conf_check();
	if (e != NULL && *e != '\0' && strlen(e) < cap) {
		memcpy(buf, e, strlen(e) + 1);
		if (origin != NULL)
			snprintf(origin, origin_cap, "environment %s", ck->env);
		return 1;
	}
	if (conf_scan(key, buf, cap, &no)) {
		if (origin != NULL)
			snprintf(origin, origin_cap, "%s:%u", conf_path(NULL), no);
		return 1;
	}
	if (origin != NULL)
		snprintf(origin, origin_cap, "built-in default");
	return 0;
}

int conf_family_lookup(const char *key, char *buf, size_t cap)
{
	unsigned no = 0;

	conf_check();
	if (!conf_family_key(key))
		return 0;
	return conf_scan(key, buf, cap, &no);
}

int conf_get(const char *env, const char *key, char *buf, size_t cap)
{
	(void)env;      /* the key's variable is in conf_keys */
	return conf_lookup(key, buf, cap, NULL, 0);
}

int conf_flag(const char *env, const char *key)
{
	char v[CONF_VALUE_MAX];
	int b = 0;

	if (!conf_get(env, key, v, sizeof v) || !conf_bool_value(v, &b))
		return 0;
	return b;
}
