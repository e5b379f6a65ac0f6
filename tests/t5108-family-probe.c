/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t5108 — family manifests through the module, against a virtual Rutoken ECP: a copy of
 * the scripts folder gains a family "aa_probe" whose family.yaml lists the same ATRs as
 * rutoken_ecp at a higher priority, with an application probe. C_Initialize sends no APDU
 * (the probe runs when the token is loaded); a SELECT probe the card refuses falls through
 * to rutoken_ecp, and only its VM is started; a probe function of aa_probe's script that
 * says yes makes aa_probe serve the card, in the VM that asked; a broken aa_probe manifest
 * is logged with file:line and rutoken_ecp still serves the card.
 */
#include <sys/stat.h>

#include "api/api.h"
#include "files.h"

static CK_FUNCTION_LIST_PTR f;
static char scripts[1024], log_path[1024];

static int spew(const char *rel, const char *a, const char *b)
{
	char path[2048];

	snprintf(path, sizeof path, "%s/%s", scripts, rel);
	return file_write(path, a, b);
}

static int log_count(const char *needle)
{
	char *s = file_read(log_path);
	const char *p;
	int c = 0;

	for (p = s; p != NULL && (p = strstr(p, needle)) != NULL; p += strlen(needle))
		c++;
	free(s);
	return c;
}

/* One C_Initialize .. C_Finalize: the token's model, and the APDUs C_Initialize sent. */
static CK_RV model_of(char *model, long *init_apdus)
{
	CK_TOKEN_INFO ti;
	CK_SLOT_ID slot;
	long mark = api_apdus(0);
	CK_RV rv = f->C_Initialize(NULL);

	model[0] = '\0';
	*init_apdus = api_apdus(0) - mark;
	if (rv != CKR_OK)
		return rv;
	rv = api_slot_of(f, 0, &slot);
	if (rv == CKR_OK)
		rv = f->C_GetTokenInfo(slot, &ti);
	if (rv == CKR_OK)
		api_unpad(model, ti.model, sizeof ti.model);
	f->C_Finalize(NULL);
	return rv;
}

/* 1 when token 0's trace holds, after the first mark APDUs, one starting with hex. */
static int sent_since(long mark, const char *hex)
{
	char *s = file_read(api_env(0, "TRACE")), *line, *save = NULL;
	long n = 0;
	int found = 0;

	for (line = s != NULL ? strtok_r(s, "\n", &save) : NULL; line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		if (line[0] != '>' || line[1] != ' ')
			continue;
		if (n++ >= mark && strncmp(line + 2, hex, strlen(hex)) == 0)
			found = 1;
	}
	free(s);
	return found;
}

#define PROBE_AID "F0 53 4B 54 45 53 54"

int main(int argc, char **argv)
{
	char tmpl[1024], model[64], path[2048], *yaml, *p;
	const char *dir;
	long init_apdus, mark;
	int vms, vms_ecp;

	api_rig(argv, 1);
	snprintf(tmpl, sizeof tmpl, "%s/t5108.XXXXXX",
		 getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp");
	dir = mkdtemp(tmpl);
	ok(dir != NULL, "a temporary folder");
	if (dir == NULL)
		return done_testing();
	snprintf(scripts, sizeof scripts, "%s/scripts", dir);
	snprintf(log_path, sizeof log_path, "%s/log", dir);
	setenv("SCRIPTOKI_DEBUG", "2", 1);
	setenv("SCRIPTOKI_DEBUG_FILE", log_path, 1);
	f = api_module();
	is_ulong(api_run("/bin/cp", "-R", "scripts", scripts, (char *)NULL), 0,
		 "a copy of the scripts folder");
	setenv("SCRIPTOKI_SCRIPTS", scripts, 1);
	snprintf(path, sizeof path, "%s/aa_probe", scripts);
	ok(mkdir(path, 0700) == 0, "a family folder aa_probe");

	/* aa_probe: rutoken_ecp's ATRs at priority 10 */
	snprintf(path, sizeof path, "%s/rutoken_ecp/family.yaml", scripts);
	yaml = file_read(path);
	p = yaml != NULL ? strstr(yaml, "priority: 0\n") : NULL;
	ok(p != NULL, "rutoken_ecp's manifest has 'priority: 0'");
	if (p == NULL)
		return done_testing();
	memcpy(p, "priority: 9\n", 12);
	ok(spew("aa_probe/token.lua", "-- SPDX-License-Identifier: BSD-2-Clause\n"
		"local base = import(\"rutoken_ecp/token\")\n"
		"local T = setmetatable({}, { __index = base })\n"
		"function T.is_mine(card) return true end\n"
		"function T.token_info(card)\n"
		"  local t, e = base.token_info(card)\n"
		"  if t then t.model = \"Probed ECP\" end\n"
		"  return t, e\n"
		"end\n"
		"return T\n", ""), "aa_probe/token.lua: rutoken_ecp's, another model");

	/* a SELECT probe the virtual token refuses */
	ok(spew("aa_probe/family.yaml", yaml, "probe:\n  select_aid: " PROBE_AID "\n"),
	   "aa_probe/family.yaml: a SELECT probe");
	mark = api_apdus(0);
	vms = log_count(": VM started");
	vms_ecp = log_count("lb: rutoken_ecp: VM started");
	is_rv(model_of(model, &init_apdus), CKR_OK, "the token, with aa_probe's SELECT refused");
	is_ulong(init_apdus, 0, "C_Initialize sends no APDU");
	is_str(model, "Rutoken ECP", "... rutoken_ecp serves it");
	ok(sent_since(mark, "00 A4 04 00 07 " PROBE_AID " 00"), "... after the probe's SELECT");
	ok(log_count("lb: aa_probe: probe SELECT answered") >= 1, "... whose answer is logged");
	is_ulong(log_count(": VM started") - vms, 1, "... one VM started");
	is_ulong(log_count("lb: rutoken_ecp: VM started") - vms_ecp, 1, "... rutoken_ecp's");

	/* a probe function that says yes */
	ok(spew("aa_probe/family.yaml", yaml, "probe: { function: is_mine }\n"),
	   "aa_probe/family.yaml: a probe function");
	vms = log_count(": VM started");
	vms_ecp = log_count("lb: aa_probe: VM started");
	is_rv(model_of(model, &init_apdus), CKR_OK, "the token, with aa_probe's probe function");
	is_ulong(init_apdus, 0, "C_Initialize sends no APDU");
	is_str(model, "Probed ECP", "... aa_probe serves it");
	is_ulong(log_count(": VM started") - vms, 1, "... in the one VM");
	is_ulong(log_count("lb: aa_probe: VM started") - vms_ecp, 1, "... its probe's");

	/* a broken manifest */
	ok(spew("aa_probe/family.yaml", yaml, "probe:\n  selct_aid: " PROBE_AID "\n"),
	   "aa_probe/family.yaml: a misspelt key");
	is_rv(model_of(model, &init_apdus), CKR_OK, "the token, with aa_probe's manifest broken");
	is_str(model, "Rutoken ECP", "... rutoken_ecp serves it");
	{
		int lines = 0;

		for (p = yaml; *p != '\0'; p++)
			lines += *p == '\n';
		snprintf(path, sizeof path, "%s/aa_probe/family.yaml:%d: unknown key 'selct_aid'",
			 scripts, lines + 2);
	}
	ok(log_count(path) >= 1, "... and the broken one is logged with its line");

	free(yaml);
	api_run("/bin/rm", "-rf", dir, (char *)NULL);
	return done_testing();
}
