/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t7301 — C_InitToken repairs what an interrupted C_InitToken left. The virtual token
 * fails each APDU of C_InitToken in turn (fail-at k 6F00: answered, not executed). Some
 * faults leave a PKCS#15 structure that does not parse (a TokenInfo created but never
 * written holds only zero bytes). For every k:
 *   - C_GetTokenInfo answers CKR_OK, never CKR_DEVICE_ERROR; for a broken structure it
 *     shows a token to initialise (CKF_TOKEN_INITIALIZED clear), and C_OpenSession says
 *     CKR_TOKEN_NOT_RECOGNIZED;
 *   - a second C_InitToken (its SO PIN checked by the card) succeeds, and the token works:
 *     its label, SO login, C_InitPIN, user login, a token object created and found.
 * For the broken ones, C_GetSlotInfo still shows a token present, and OpenSC (pkcs15-tool
 * -D, and pkcs11-tool -O through opensc-pkcs11) then reads the repaired token and the
 * object on it. The first broken one is repaired by an application instead: pkcs11-tool
 * --init-token through this module, which asks C_GetTokenInfo first.
 */
#include <fcntl.h>

#include "api/api.h"

static CK_FUNCTION_LIST_PTR f;
static const char *opensc_module = "/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so";

static void label32(CK_UTF8CHAR *lab, const char *s)
{
	size_t n = strlen(s);

	memset(lab, ' ', 32);
	memcpy(lab, s, n < 32 ? n : 32);
}

/* Run a program with its output (both streams) in the file out; its exit status. */
static int run_out(const char *out, char *const argv[])
{
	int st = -1, fd;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fd < 0)
			_exit(126);
		dup2(fd, 1);
		dup2(fd, 2);
		close(fd);
		execvp(argv[0], argv);
		_exit(127);
	}
	if (pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st))
		return WEXITSTATUS(st);
	return -1;
}

/* 1 when the file holds the string. */
static int file_has(const char *path, const char *want)
{
	char buf[65536];
	size_t n;
	FILE *fp = fopen(path, "r");

	if (fp == NULL)
		return 0;
	n = fread(buf, 1, sizeof buf - 1, fp);
	fclose(fp);
	buf[n] = '\0';
	return strstr(buf, want) != NULL;
}

/* The token works after a repair: label, SO login + C_InitPIN, user login, an object. */
static int works(CK_SLOT_ID slot, const char *label, const char *objlabel)
{
	CK_OBJECT_CLASS cls = CKO_DATA;
	CK_BBOOL yes = CK_TRUE;
	CK_ATTRIBUTE t[] = {
		{ CKA_CLASS, &cls, sizeof cls }, { CKA_TOKEN, &yes, sizeof yes },
		{ CKA_LABEL, (void *)objlabel, (CK_ULONG)strlen(objlabel) },
		{ CKA_VALUE, "repaired", 8 },
	};
	CK_ATTRIBUTE find[] = { { CKA_LABEL, (void *)objlabel, (CK_ULONG)strlen(objlabel) } };
	CK_TOKEN_INFO ti;
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE h, hs[4];
	CK_ULONG got = 0;
	char got_label[33];
	CK_RV rv;

	rv = f->C_GetTokenInfo(slot, &ti);
	if (rv != CKR_OK)
		return diag("  C_GetTokenInfo: %s", sk_rv_name(rv)), 0;
	api_unpad(got_label, ti.label, 32);
	if (strcmp(got_label, label) != 0 || !(ti.flags & CKF_TOKEN_INITIALIZED))
		return diag("  label '%s', flags %#lx", got_label, (unsigned long)ti.flags), 0;
	rv = f->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s);
	if (rv != CKR_OK)
		return diag("  C_OpenSession: %s", sk_rv_name(rv)), 0;
	if ((rv = f->C_Login(s, CKU_SO, API_PIN(API_SO_PIN))) != CKR_OK ||
	    (rv = f->C_InitPIN(s, API_PIN(API_USER_PIN))) != CKR_OK ||
	    (rv = f->C_Logout(s)) != CKR_OK ||
	    (rv = f->C_Login(s, CKU_USER, API_PIN(API_USER_PIN))) != CKR_OK ||
	    (rv = f->C_CreateObject(s, t, 4, &h)) != CKR_OK ||
	    (rv = f->C_FindObjectsInit(s, find, 1)) != CKR_OK ||
	    (rv = f->C_FindObjects(s, hs, 4, &got)) != CKR_OK ||
	    (rv = f->C_FindObjectsFinal(s)) != CKR_OK ||
	    (rv = f->C_Logout(s)) != CKR_OK) {
		diag("  SO login / InitPIN / user login / create / find: %s", sk_rv_name(rv));
		f->C_CloseSession(s);
		return 0;
	}
	f->C_CloseSession(s);
	if (got != 1)
		return diag("  the new object found %lu times", (unsigned long)got), 0;
	return 1;
}

/* OpenSC reads the repaired token: pkcs15-tool -D shows its label, opensc-pkcs11 the object. */
static int opensc_reads(const char *label, const char *objlabel)
{
	char out[] = "/tmp/t7301-XXXXXX";
	char *p15[] = { "timeout", "60", "pkcs15-tool", "-D", NULL };
	char *p11[] = { "timeout", "60", "pkcs11-tool", "--module", (char *)opensc_module, "-O",
			NULL };
	int fd = mkstemp(out), good = 1;

	if (fd < 0)
		return 0;
	close(fd);
	if (run_out(out, p15) != 0 || !file_has(out, label)) {
		diag("  pkcs15-tool -D does not show the label '%s'", label);
		good = 0;
	}
	if (run_out(out, p11) != 0 || !file_has(out, objlabel)) {
		diag("  pkcs11-tool -O (opensc-pkcs11) does not list '%s'", objlabel);
		good = 0;
	}
	unlink(out);
	return good;
}

int main(int argc, char **argv)
{
	CK_UTF8CHAR lab[32];
	CK_SLOT_ID slot = 0;
	CK_TOKEN_INFO ti;
	CK_SESSION_HANDLE s;
	long mark, n, k;
	int broken = 0, bad_info = 0, bad_repair = 0, bad_opensc = 0, opensc, by_tool = 0;
	int wrong_so = 0;
	char cmd[64], label[48], objlabel[48];

	(void)argc;
	api_rig_timeout(argv, 1, 1200);
	opensc = access(opensc_module, R_OK) == 0 && access("/usr/bin/pkcs15-tool", X_OK) == 0 &&
		 access("/usr/bin/pkcs11-tool", X_OK) == 0;
	f = api_module();
	is_rv(f->C_Initialize(NULL), CKR_OK, "C_Initialize");
	is_rv(api_slot_of(f, 0, &slot), CKR_OK, "the token's slot");
	is_rv(api_prepare_token(f, slot, "t7301"), CKR_OK, "an initialised token");

	/* how many APDUs one C_InitToken sends */
	label32(lab, "t7301");
	mark = api_apdus(0);
	is_rv(f->C_InitToken(slot, API_PIN(API_SO_PIN), lab), CKR_OK, "a clean C_InitToken");
	n = api_apdus(0) - mark;
	ok(n > 10, "C_InitToken sends %ld APDUs", n);

	for (k = 1; k <= n; k++) {
		CK_RV rv, rvi, rvs;
		int is_broken = 0;

		snprintf(cmd, sizeof cmd, "fail-at %ld 6F00", k);
		api_ctl(0, cmd, NULL, 0);
		label32(lab, "interrupted");
		rv = f->C_InitToken(slot, API_PIN(API_SO_PIN), lab);
		api_ctl(0, "fail-at 1000000 6F00", NULL, 0);
		if (rv == CKR_OK) {
			/* only a step after the token was complete can fail harmlessly */
			rvi = f->C_GetTokenInfo(slot, &ti);
			api_unpad(label, ti.label, 32);
			if (rvi != CKR_OK || strcmp(label, "interrupted") != 0) {
				diag("fault at %ld: CKR_OK, but the token is not the new one", k);
				bad_info++;
			}
		}

		rvi = f->C_GetTokenInfo(slot, &ti);
		if (rvi != CKR_OK) {
			diag("fault at %ld (%s): C_GetTokenInfo %s", k, sk_rv_name(rv),
			     sk_rv_name(rvi));
			bad_info++;
		}
		rvs = f->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &s);
		if (rvs == CKR_OK) {
			f->C_CloseSession(s);
		} else if (rvs == CKR_TOKEN_NOT_RECOGNIZED) {
			CK_SLOT_INFO si;

			is_broken = 1;
			if (rvi == CKR_OK && (ti.flags & CKF_TOKEN_INITIALIZED)) {
				diag("fault at %ld: unrecognised, yet shown initialised", k);
				bad_info++;
			}
			if (f->C_GetSlotInfo(slot, &si) != CKR_OK || !(si.flags & CKF_TOKEN_PRESENT)) {
				diag("fault at %ld: the slot shows no token", k);
				bad_info++;
			}
		} else {
			diag("fault at %ld (%s): C_OpenSession %s", k, sk_rv_name(rv),
			     sk_rv_name(rvs));
			bad_info++;
		}
		broken += is_broken;

		snprintf(label, sizeof label, "repaired %ld", k);
		snprintf(objlabel, sizeof objlabel, "object after fault %ld", k);
		label32(lab, label);
		if (is_broken) {
			/* the card checks the SO PIN even though its structure is unreadable */
			rv = f->C_InitToken(slot, API_PIN("11223344"), lab);
			if (rv != CKR_PIN_INCORRECT) {
				diag("fault at %ld: C_InitToken with a wrong SO PIN: %s", k,
				     sk_rv_name(rv));
				wrong_so++;
			}
			if (f->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &s) !=
			    CKR_TOKEN_NOT_RECOGNIZED) {
				diag("fault at %ld: a wrong SO PIN changed the token", k);
				wrong_so++;
			}
		}
		if (is_broken && opensc && !by_tool) {
			/* an application repairs it: pkcs11-tool through this module */
			char out[] = "/tmp/t7301-XXXXXX", mod[4096];
			char *tool[] = { "timeout", "60", "pkcs11-tool", "--module",
					 (char *)module_path(mod, sizeof mod), "--slot-index", "0",
					 "--init-token", "--label", label, "--so-pin",
					 API_SO_PIN, NULL };
			int fd = mkstemp(out), st;

			if (fd >= 0)
				close(fd);
			st = run_out(out, tool);
			unlink(out);
			by_tool = 1;
			/* this process's module learns of the other application's change at
			 * its next C_Initialize */
			f->C_Finalize(NULL);
			f->C_Initialize(NULL);
			rv = st == 0 ? CKR_OK : CKR_FUNCTION_FAILED;
			if (st != 0)
				diag("fault at %ld: pkcs11-tool --init-token exits %d", k, st);
		} else {
			rv = f->C_InitToken(slot, API_PIN(API_SO_PIN), lab);
		}
		if (rv != CKR_OK) {
			diag("fault at %ld: the repairing C_InitToken: %s", k, sk_rv_name(rv));
			bad_repair++;
			continue;
		}
		if (!works(slot, label, objlabel)) {
			diag("fault at %ld: the repaired token does not work", k);
			bad_repair++;
			continue;
		}
		if (is_broken && opensc && !opensc_reads(label, objlabel)) {
			diag("fault at %ld: OpenSC cannot read the repaired token", k);
			bad_opensc++;
		}
	}
	ok(broken > 0, "%d of the %ld faults leave a structure that does not parse", broken, n);
	ok(by_tool || !opensc, "pkcs11-tool --init-token through the module repaired one");
	is_ulong(wrong_so, 0, "on an unreadable token C_InitToken with a wrong SO PIN is "
		 "CKR_PIN_INCORRECT and changes nothing");
	is_ulong(bad_info, 0, "after every fault C_GetTokenInfo answers, and an unreadable "
		 "structure shows as a token to initialise");
	is_ulong(bad_repair, 0, "after every fault C_InitToken repairs the token, and it works");
	if (opensc)
		is_ulong(bad_opensc, 0, "OpenSC reads every repaired token and its object");
	else
		ok(1, "# SKIP OpenSC is not installed");
	is_rv(f->C_Finalize(NULL), CKR_OK, "C_Finalize");
	return done_testing();
}
