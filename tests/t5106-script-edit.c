/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t5106 — token behaviour is script: a copy of the scripts folder, named by
 * SCRIPTOKI_SCRIPTS (and then by the configuration file's "scripts =" line through
 * SCRIPTOKI_CONF), is edited between C_Finalize and C_Initialize — the model string and
 * the mechanism list of rutoken_ecp/token.lua (an on-card key generation dropped: the host
 * still makes session pairs with it, but not as the token's own with CKF_HW; the raw RSA
 * limit lowered: the token's sizes are those of its signing) — and the module's answers
 * change with the next C_Initialize, with no rebuild. A script broken by the edit fails
 * the token's calls with a CKR (the slots stay listed), and mending it mends the token.
 */
#include <sys/stat.h>

#include "api/api.h"
#include "files.h"

static CK_FUNCTION_LIST_PTR f;
static CK_SLOT_ID slot;
static char lua[4096];

/* Replace the one occurrence of from by to in the script; 1 when it was there once. */
static int edit(const char *from, const char *to)
{
	char *s = file_read(lua), *p, *out;
	int done = 0;

	if (s == NULL)
		return 0;
	p = strstr(s, from);
	if (p != NULL && strstr(p + 1, from) == NULL &&
	    (out = malloc(strlen(s) - strlen(from) + strlen(to) + 1)) != NULL) {
		memcpy(out, s, (size_t)(p - s));
		strcpy(out + (p - s), to);
		strcat(out, p + strlen(from));
		done = file_write(lua, out, NULL);
		free(out);
	}
	free(s);
	return done;
}

/*
 * One C_Initialize .. C_Finalize: the model; whether CKM_GOSTR3410_512_KEY_PAIR_GEN is
 * listed (1) and described as the token's own, CKF_HW (2); the largest RSA key the token
 * signs with.
 */
static CK_RV look(char *model, int *gen512, CK_ULONG *nmech, CK_ULONG *rsa_max)
{
	CK_TOKEN_INFO ti;
	CK_MECHANISM_TYPE mt[256];
	CK_MECHANISM_INFO mi;
	CK_ULONG n = 256, k;
	CK_RV rv = f->C_Initialize(NULL);

	*gen512 = 0;
	*nmech = 0;
	*rsa_max = 0;
	model[0] = '\0';
	if (rv != CKR_OK)
		return rv;
	rv = api_slot_of(f, 0, &slot);
	if (rv == CKR_OK)
		rv = f->C_GetTokenInfo(slot, &ti);
	if (rv == CKR_OK) {
		api_unpad(model, ti.model, sizeof ti.model);
		rv = f->C_GetMechanismList(slot, mt, &n);
	}
	if (rv == CKR_OK) {
		*nmech = n;
		for (k = 0; k < n; k++)
			if (mt[k] == CKM_GOSTR3410_512_KEY_PAIR_GEN)
				*gen512 |= 1;
		if (f->C_GetMechanismInfo(slot, CKM_GOSTR3410_512_KEY_PAIR_GEN, &mi) == CKR_OK &&
		    (mi.flags & CKF_HW))
			*gen512 |= 2;
		if (f->C_GetMechanismInfo(slot, CKM_RSA_X_509, &mi) == CKR_OK)
			*rsa_max = mi.ulMaxKeySize;
	}
	f->C_Finalize(NULL);
	return rv;
}

int main(int argc, char **argv)
{
	char tmpl[1024], scripts[1024], conf[1024], model[64], line[2048];
	const char *dir;
	CK_ULONG n0, n, rsa_max;
	CK_SLOT_ID ids[4];
	CK_TOKEN_INFO ti;
	int gen512;
	CK_RV rv;

	api_rig(argv, 1);
	f = api_module();
	snprintf(tmpl, sizeof tmpl, "%s/t5106.XXXXXX",
		 getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp");
	dir = mkdtemp(tmpl);
	ok(dir != NULL, "a temporary folder");
	if (dir == NULL)
		return done_testing();
	snprintf(scripts, sizeof scripts, "%s/scripts", dir);
	snprintf(lua, sizeof lua, "%s/rutoken_ecp/token.lua", scripts);
	snprintf(conf, sizeof conf, "%s/scriptoki.conf", dir);
	is_ulong(api_run("/bin/cp", "-R", "scripts", scripts, (char *)NULL), 0,
		 "a copy of the scripts folder");
	setenv("SCRIPTOKI_SCRIPTS", scripts, 1);

	is_rv(look(model, &gen512, &n0, &rsa_max), CKR_OK, "the copy as it is");
	is_str(model, "Rutoken ECP", "model: Rutoken ECP");
	is_ulong(gen512, 3, "CKM_GOSTR3410_512_KEY_PAIR_GEN is listed and described");
	is_ulong(rsa_max, 4096, "RSA keys up to 4096 bits sign");

	ok(edit("model = \"Rutoken ECP\",", "model = \"Edited ECP\","), "edit: the model");
	ok(edit("\t\t{ type = CKM.GOSTR3410_512_KEY_PAIR_GEN,",
		"\t\t-- { type = CKM.GOSTR3410_512_KEY_PAIR_GEN,"),
	   "edit: drop CKM_GOSTR3410_512_KEY_PAIR_GEN");
	ok(edit("{ type = CKM.RSA_X_509, min = 1024, max = 4096,",
		"{ type = CKM.RSA_X_509, min = 1024, max = 2048,"),
	   "edit: raw RSA up to 2048 bits");
	is_rv(look(model, &gen512, &n, &rsa_max), CKR_OK, "the edited copy, next C_Initialize");
	is_str(model, "Edited ECP", "model: Edited ECP");
	is_ulong(gen512, 1, "CKM_GOSTR3410_512_KEY_PAIR_GEN is the host's only (no CKF_HW)");
	is_ulong(n, n0, "as many mechanisms (%lu): the host makes session pairs", n);
	is_ulong(rsa_max, 2048, "RSA keys up to 2048 bits");

	/* the configuration file names the folder */
	unsetenv("SCRIPTOKI_SCRIPTS");
	snprintf(line, sizeof line, "# t5106\n  scripts = %s  \n", scripts);
	ok(file_write(conf, line, NULL), "a configuration file with 'scripts = ...'");
	setenv("SCRIPTOKI_CONF", conf, 1);
	ok(edit("model = \"Edited ECP\",", "model = \"Conf ECP\","), "edit: the model again");
	is_rv(look(model, &gen512, &n, &rsa_max), CKR_OK, "the folder of SCRIPTOKI_CONF");
	is_str(model, "Conf ECP", "model: Conf ECP");
	setenv("SCRIPTOKI_SCRIPTS", scripts, 1);

	/* a broken script is an error, not a crash */
	ok(edit("model = \"Conf ECP\",", "model = \"Conf ECP\" +,"), "edit: a syntax error");
	is_rv(f->C_Initialize(NULL), CKR_OK, "C_Initialize with a broken script");
	n = 4;
	is_rv(f->C_GetSlotList(CK_TRUE, ids, &n), CKR_OK, "C_GetSlotList still works");
	is_ulong(n, 1, "the slot is listed");
	rv = f->C_GetTokenInfo(ids[0], &ti);
	ok(rv != CKR_OK && rv != CKR_GENERAL_ERROR, "C_GetTokenInfo fails cleanly: %s",
	   sk_rv_name(rv));
	is_rv(f->C_Finalize(NULL), CKR_OK, "C_Finalize");
	ok(edit("model = \"Conf ECP\" +,", "model = \"Mended ECP\","), "edit: mend it");
	is_rv(look(model, &gen512, &n, &rsa_max), CKR_OK, "the mended script");
	is_str(model, "Mended ECP", "model: Mended ECP");

	/* and the original folder is untouched */
	unsetenv("SCRIPTOKI_SCRIPTS");
	unsetenv("SCRIPTOKI_CONF");
	is_rv(look(model, &gen512, &n, &rsa_max), CKR_OK,
	      "without the variables: the module's own scripts");
	is_str(model, "Rutoken ECP", "model: Rutoken ECP");
	is_ulong(n, n0, "all mechanisms");
	is_ulong(rsa_max, 4096, "RSA keys up to 4096 bits");

	api_run("/bin/rm", "-rf", dir, (char *)NULL);
	return done_testing();
}
