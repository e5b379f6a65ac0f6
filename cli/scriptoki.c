/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * scriptoki — the diagnostic command of the Scriptoki PKCS#11 module (scriptoki(1)).
 *
 *   scriptoki doctor             what the module would see: the configuration in effect and
 *                                where each value came from, the scripts folder and its
 *                                families, the optional providers, the readers and the
 *                                family each present card matched (or why none did)
 *   scriptoki check-scripts DIR  check a scripts folder as the module would load it
 *   scriptoki --version
 *
 * It is linked with the module's own runtime objects (built with the same compiled-in
 * folders), so it reads the configuration with the module's code, loads the scripts in the
 * module's sandbox and asks the module's family matcher — it cannot disagree with it.
 *
 * Exit status: the sum of the problems found (0: none):
 *   1 configuration mistakes       2 the scripts folder is missing or a script is broken
 *   4 the PC/SC service cannot be reached
 *   8 a card is present that no family serves          64 usage error
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <lauxlib.h>
#include <lualib.h>

#include "conf.h"
#include "crypto.h"
#include "lb.h"
#include "log.h"
#include "pcsc.h"
#include "sk_dispatch.h"
#include "sk_names.h"

/*
 * MANIFESTS: the runtime's summary of dir/family/family.yaml into out ("priority 0, 5 ATR
 * patterns, no probe"), 0 when it parses, else its FILE:LINE error and -1. Weak: the
 * command links without it and then shows only whether the manifest is there.
 */
__attribute__((weak)) int lb_family_describe(const char *dir, const char *family, char *out,
					     size_t cap);

enum {
	BAD_CONF = 1,
	BAD_SCRIPTS = 2,
	BAD_PCSC = 4,
	BAD_CARD = 8,
	BAD_USAGE = 64,
};

static int is_dir(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static int is_file(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The entries of dir (sorted; "." and ".." left out), or NULL when it cannot be read. */
static char **list_dir(const char *dir, size_t *n)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **v = NULL, **g;
	size_t cap = 0;

	*n = 0;
	if (d == NULL)
		return NULL;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (*n + 1 >= cap) {
			cap = cap ? 2 * cap : 16;
			g = realloc(v, cap * sizeof *v);
			if (g == NULL)
				break;
			v = g;
		}
		v[(*n)++] = strdup(e->d_name);
	}
	closedir(d);
	if (v == NULL)
		v = calloc(1, sizeof *v);
	else
		qsort(v, *n, sizeof *v, cmp_str);
	return v;
}

static void free_list(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* Lua's own parser on every .lua file under dir (no code runs); the number of failures. */
static int syntax_check(const char *dir, const char *indent, int *nfiles)
{
	size_t n, i;
	char **v = list_dir(dir, &n), path[4096];
	int bad = 0;

	if (v == NULL)
		return 0;
	for (i = 0; i < n; i++) {
		size_t len = strlen(v[i]);

		snprintf(path, sizeof path, "%s/%s", dir, v[i]);
		if (is_dir(path)) {
			bad += syntax_check(path, indent, nfiles);
		} else if (len > 4 && strcmp(v[i] + len - 4, ".lua") == 0) {
			lua_State *L = luaL_newstate();

			(*nfiles)++;
			if (L == NULL || luaL_loadfilex(L, path, "t") != LUA_OK) {
				printf("%ssyntax error: %s\n", indent,
				       L != NULL ? lua_tostring(L, -1) : "out of memory");
				bad++;
			}
			if (L != NULL)
				lua_close(L);
		}
	}
	free_list(v, n);
	return bad;
}

/* The families of a scripts folder: each subfolder (but lib/) holding a token.lua. */
static int check_families(const char *dir)
{
	size_t n, i;
	char **v = list_dir(dir, &n), path[4096];
	int problems = 0, nfam = 0, nfiles = 0;

	if (v == NULL) {
		printf("  cannot read %s: %s\n", dir, strerror(errno));
		return BAD_SCRIPTS;
	}
	snprintf(path, sizeof path, "%s/lib", dir);
	if (is_dir(path)) {
		int bad = syntax_check(path, "    ", &nfiles);

		printf("  lib/ (shared libraries): %d files, %s\n", nfiles,
		       bad ? "SYNTAX ERRORS" : "syntax ok");
		if (bad)
			problems |= BAD_SCRIPTS;
	}
	for (i = 0; i < n; i++) {
		struct lb_vm *vm = NULL;
		int bad, has_token, has_manifest;

		if (strcmp(v[i], "lib") == 0)
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, v[i]);
		if (!is_dir(path))
			continue;
		snprintf(path, sizeof path, "%s/%s/token.lua", dir, v[i]);
		has_token = is_file(path);
		snprintf(path, sizeof path, "%s/%s/family.yaml", dir, v[i]);
		has_manifest = is_file(path);
		if (!has_token && !has_manifest) {
			printf("  %s/: neither family.yaml nor token.lua, not a family\n", v[i]);
			continue;
		}
		nfam++;
		printf("  family %s\n", v[i]);
		/*
		 * MANIFESTS: which cards a family serves moves to scripts/<family>/family.yaml
		 * (ATR patterns, an optional application probe, a priority), read by the
		 * runtime's own parser. When the runtime offers lb_family_describe() (below),
		 * its summary or its FILE:LINE error is shown here; until then, the manifest's
		 * presence, and the family is matched by token.lua's match(atr).
		 */
		if (has_manifest && lb_family_describe != NULL) {
			char what[512];

			if (lb_family_describe(dir, v[i], what, sizeof what) == 0) {
				printf("    manifest: %s\n", what);
			} else {
				printf("    manifest: BROKEN: %s\n", what);
				problems |= BAD_SCRIPTS;
			}
		} else if (has_manifest) {
			printf("    manifest: family.yaml\n");
		} else {
			printf("    manifest: none (cards are matched by token.lua's match(atr))\n");
		}
		if (!has_token) {
			printf("    scripts: no token.lua\n");
			problems |= BAD_SCRIPTS;
			continue;
		}
		nfiles = 0;
		snprintf(path, sizeof path, "%s/%s", dir, v[i]);
		bad = syntax_check(path, "    ", &nfiles);
		printf("    scripts: %d files, %s\n", nfiles, bad ? "SYNTAX ERRORS" : "syntax ok");
		if (bad) {
			problems |= BAD_SCRIPTS;
			continue;
		}
		/* the module's sandbox: imports resolve, token.lua runs and returns its table */
		if (lb_open(dir, v[i], &vm) != CKR_OK) {
			printf("    loading in the module's sandbox: FAILED (SCRIPTOKI_DEBUG=1 shows "
			       "the traceback)\n");
			problems |= BAD_SCRIPTS;
		} else {
			printf("    loads in the module's sandbox: ok\n");
			lb_close(vm);
		}
	}
	if (nfam == 0) {
		printf("  no family at all: no card can be recognised\n");
		problems |= BAD_SCRIPTS;
	}
	free_list(v, n);
	return problems;
}

static void hex(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		printf("%s%02X", i ? " " : "", p[i]);
}

/* The card doctor lends the matcher: it answers no APDU (an application probe fails). */
static CK_RV no_transmit(void *ctx, const uint8_t *apdu, size_t apdu_len, uint8_t *resp,
			 size_t *resp_len)
{
	(void)ctx;
	(void)apdu;
	(void)apdu_len;
	(void)resp;
	*resp_len = 0;
	return CKR_DEVICE_ERROR;
}

static int check_readers(const char *dir)
{
	struct pcsc_ctx ctx = { 0 };
	struct pcsc_reader r[PCSC_MAX_READERS];
	size_t n = 0, i;
	int problems = 0;
	CK_RV rv = pcsc_ctx_open(&ctx);

	printf("\nReaders (PC/SC)\n");
	if (rv == CKR_OK)
		rv = pcsc_list(&ctx, r, PCSC_MAX_READERS, &n);
	if (rv != CKR_OK) {
		printf("  cannot reach the PC/SC service (%s): is pcscd installed and running?\n",
		       sk_rv_name(rv));
		pcsc_ctx_close(&ctx);
		return BAD_PCSC;
	}
	if (n == 0)
		printf("  no reader (none attached, or pcscd cannot be reached)\n");
	for (i = 0; i < n; i++) {
		char family[256];

		printf("  %s: ", r[i].name);
		if (!r[i].present) {
			printf("no card\n");
			continue;
		}
		printf("card, ATR ");
		hex(r[i].atr, r[i].atr_len);
		printf("\n");
		/* the module's own matcher, on the manifests' ATR patterns; doctor sends no
		 * APDU, so a family that needs an application probe answers "no" here */
		{
			struct lb_card card = { .transmit = no_transmit, .atr = r[i].atr,
						.atr_len = r[i].atr_len };

			rv = lb_find_family(dir, &card, family, sizeof family);
		}
		if (rv == CKR_OK) {
			printf("    served by family %s\n", family);
		} else if (rv == CKR_TOKEN_NOT_RECOGNIZED) {
			printf("    no family serves it: no family of %s accepts this ATR\n", dir);
			problems |= BAD_CARD;
		} else {
			printf("    no family serves it: a family's script failed while asked (%s; "
			       "see the scripts above)\n", sk_rv_name(rv));
			problems |= BAD_CARD;
		}
	}
	pcsc_ctx_close(&ctx);
	return problems;
}

static int doctor(void)
{
	int problems = 0, from_env, lvl;
	const char *path = conf_path(&from_env), *dir, *e;
	char val[CONF_VALUE_MAX], origin[CONF_VALUE_MAX + 64];
	size_t i;
	const struct conf_key *k;

	printf("Scriptoki %d.%d, PKCS#11 %d.%d\n", SK_LIBRARY_VERSION_MAJOR,
	       SK_LIBRARY_VERSION_MINOR, SK_CRYPTOKI_VERSION_MAJOR, SK_CRYPTOKI_VERSION_MINOR);
	printf("\nConfiguration\n");
	fflush(stdout);
	conf_check();           /* the mistakes go to standard error, as the module says them */
	printf("  file: %s (%s%s)\n", path, from_env ? "from SCRIPTOKI_CONF" : "the default",
	       is_file(path) ? "" : from_env ? ", MISSING" : ", absent: defaults apply");
	for (i = 0; (k = conf_key_at(i)) != NULL; i++) {
		if (!conf_lookup(k->key, val, sizeof val, origin, sizeof origin)) {
			if (strcmp(k->key, "scripts") == 0)
				snprintf(val, sizeof val, "%s", lb_default_scripts_dir());
			else
				snprintf(val, sizeof val, "%s", k->kind == CONF_BOOL ? "no" : "");
		} else if (k->kind == CONF_BOOL) {
			int b = 0;

			if (!conf_bool_value(val, &b))
				snprintf(origin + strlen(origin), sizeof origin - strlen(origin),
					 ", not yes or no: taken as no");
			snprintf(val, sizeof val, "%s", b ? "yes" : "no");
		}
		printf("  %-10s = %s  (%s; %s)\n", k->key, val, origin, k->env);
	}
	lvl = log_level();
	e = getenv("SCRIPTOKI_DEBUG_FILE");
	printf("  debug log: %s", lvl ? "" : "off");
	if (lvl)
		printf("level %d, to %s", lvl, e != NULL && *e ? e : "standard error");
	printf("  (SCRIPTOKI_DEBUG, SCRIPTOKI_DEBUG_FILE)\n");
	fflush(stdout);
	if (conf_warnings() > 0) {
		printf("  %d mistake%s, reported above on standard error\n", conf_warnings(),
		       conf_warnings() == 1 ? "" : "s");
		problems |= BAD_CONF;
	}

	dir = lb_scripts_dir();
	printf("\nScripts folder: %s\n", dir);
	if (!is_dir(dir)) {
		printf("  MISSING: no card can be recognised (set scripts = DIR or "
		       "SCRIPTOKI_SCRIPTS)\n");
		problems |= BAD_SCRIPTS;
	} else {
		problems |= check_families(dir);
	}

	printf("\nOptional providers\n");
	if (crypto_have_gost())
		printf("  gostprov: found (GOST R 34.11 digests, GOST R 34.10 hash-and-sign)\n");
	else
		printf("  gostprov: not found (package libengine-gost-openssl): the GOST R 34.11 "
		       "digests and the GOST R 34.10 hash-and-sign mechanisms are not offered\n");

	problems |= check_readers(dir);
	printf("\n%s\n", problems ? "Problems found (see above); exit status says which kinds"
				  : "No problem found.");
	return problems;
}

static int check_scripts(const char *dir)
{
	int problems;

	if (!is_dir(dir)) {
		printf("%s: not a folder\n", dir);
		return BAD_SCRIPTS;
	}
	printf("Scripts folder: %s\n", dir);
	fflush(stdout);
	problems = check_families(dir);
	printf("%s\n", problems ? "Problems found." : "All scripts are fine.");
	return problems;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: scriptoki doctor\n"
		   "       scriptoki check-scripts DIR\n"
		   "       scriptoki --version\n"
		   "See scriptoki(1).\n");
}

int main(int argc, char **argv)
{
	int rc;

	if (argc == 2 && strcmp(argv[1], "--version") == 0) {
		printf("scriptoki %d.%d\n", SK_LIBRARY_VERSION_MAJOR, SK_LIBRARY_VERSION_MINOR);
		return 0;
	}
	if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "help") == 0)) {
		usage(stdout);
		return 0;
	}
	if (argc == 2 && strcmp(argv[1], "doctor") == 0) {
		rc = doctor();
	} else if (argc == 3 && strcmp(argv[1], "check-scripts") == 0) {
		/* the module's own traceback for a script that fails to load */
		if (getenv("SCRIPTOKI_DEBUG") == NULL)
			setenv("SCRIPTOKI_DEBUG", "1", 1);
		rc = check_scripts(argv[2]);
	} else {
		usage(stderr);
		return BAD_USAGE;
	}
	fflush(stdout);
	return rc;
}
