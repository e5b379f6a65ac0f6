/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * contract_family.h — for t5112 and t5113: a copy of the scripts folder in which the test
 * family tests/scripts/contracttest (rutoken_ecp with the contract's extra fields) serves
 * the virtual Rutoken ECP first (rutoken_ecp's manifest at priority 9), its answers
 * written by the test into contracttest/answer.lua before each C_Initialize.
 */
#ifndef SCRIPTOKI_TEST_CONTRACT_FAMILY_H
#define SCRIPTOKI_TEST_CONTRACT_FAMILY_H

#include <sys/stat.h>

#include "api.h"

static char cf_dir[1024], cf_scripts[1100];

static inline int cf_write(const char *rel, const char *a, const char *b)
{
	char path[2200];
	FILE *fp;
	int good;

	snprintf(path, sizeof path, "%s/%s", cf_scripts, rel);
	fp = fopen(path, "w");
	good = fp != NULL && fputs(a, fp) >= 0 && fputs(b, fp) >= 0;
	if (fp != NULL && fclose(fp) != 0)
		good = 0;
	return good;
}

/* The copy, SCRIPTOKI_SCRIPTS naming it; 0 when something failed (reported). */
static inline int cf_setup(const char *name)
{
	char path[2200], yaml[8192], *p;
	size_t n;
	FILE *fp;

	snprintf(cf_dir, sizeof cf_dir, "%s/%s.XXXXXX",
		 getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp", name);
	if (mkdtemp(cf_dir) == NULL) {
		ok(0, "a temporary folder");
		return 0;
	}
	snprintf(cf_scripts, sizeof cf_scripts, "%s/scripts", cf_dir);
	if (api_run("/bin/cp", "-R", "scripts", cf_scripts, (char *)NULL) != 0 ||
	    api_run("/bin/cp", "-R", "tests/scripts/contracttest", cf_scripts, (char *)NULL) != 0) {
		ok(0, "a copy of the scripts folder with contracttest");
		return 0;
	}
	snprintf(path, sizeof path, "%s/rutoken_ecp/family.yaml", cf_scripts);
	fp = fopen(path, "r");
	n = fp != NULL ? fread(yaml, 1, sizeof yaml - 1, fp) : 0;
	if (fp != NULL)
		fclose(fp);
	yaml[n] = '\0';
	p = strstr(yaml, "priority: 0\n");
	if (p == NULL) {
		ok(0, "rutoken_ecp's manifest has 'priority: 0'");
		return 0;
	}
	memcpy(p, "priority: 9\n", 12);
	if (!cf_write("contracttest/family.yaml", yaml, "")) {
		ok(0, "contracttest/family.yaml");
		return 0;
	}
	setenv("SCRIPTOKI_SCRIPTS", cf_scripts, 1);
	return 1;
}

/* contracttest/answer.lua: "return { body }". */
static inline int cf_answer(const char *body)
{
	char text[8192];

	snprintf(text, sizeof text, "return { %s }\n", body);
	return cf_write("contracttest/answer.lua", "-- SPDX-License-Identifier: BSD-2-Clause\n",
			text);
}

static inline void cf_cleanup(void)
{
	if (cf_dir[0] != '\0')
		api_run("/bin/rm", "-rf", cf_dir, (char *)NULL);
}

#endif
