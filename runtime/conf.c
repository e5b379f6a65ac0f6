/* SPDX-License-Identifier: BSD-2-Clause */
/* conf.c — the module's settings; see conf.h. */
#include "conf.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define CONF_DEFAULT "/etc/scriptoki.conf"

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

/* The value of "key = value" in the configuration file; 1 when found. */
static int conf_file(const char *key, char *dst, size_t cap)
{
	const char *path = secure_getenv("SCRIPTOKI_CONF");
	char *line = NULL, *k, *v, *eq, *hash;
	size_t lcap = 0;
	int found = 0;
	FILE *f;

	if (path == NULL || *path == '\0')
		path = CONF_DEFAULT;
	f = fopen(path, "re");
	if (f == NULL)
		return 0;
	while (!found && getline(&line, &lcap, f) > 0) {
		hash = strchr(line, '#');
		if (hash != NULL)
			*hash = '\0';
		eq = strchr(line, '=');
		if (eq == NULL)
			continue;
		*eq = '\0';
		k = conf_trim(line);
		v = conf_trim(eq + 1);
		if (strcmp(k, key) != 0 || *v == '\0' || strlen(v) >= cap)
			continue;
		memcpy(dst, v, strlen(v) + 1);
		found = 1;
	}
	free(line);
	fclose(f);
	return found;
}

int conf_get(const char *env, const char *key, char *buf, size_t cap)
{
	const char *e = env != NULL ? secure_getenv(env) : NULL;

	if (e != NULL && *e != '\0' && strlen(e) < cap) {
		memcpy(buf, e, strlen(e) + 1);
		return 1;
	}
	return conf_file(key, buf, cap);
}

int conf_flag(const char *env, const char *key)
{
	char v[16];

	if (!conf_get(env, key, v, sizeof v))
		return 0;
	return strcmp(v, "1") == 0 || strcasecmp(v, "yes") == 0 || strcasecmp(v, "true") == 0 ||
	       strcasecmp(v, "on") == 0;
}
