/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * api.h — helpers for the t51xx tests: the module through the PKCS#11 API against virtual
 * tokens in the rig (tests/rig/with-tokens). Header-only, like tap.h.
 *
 * The pattern every t51xx test follows: main() calls api_rig(argv, N) first. Outside a rig
 * that re-executes the test as `timeout T tests/rig/with-tokens --fresh -n N -- TEST`; inside
 * (VTOKEN0_CTL is set by the rig) it returns and the test runs. So `prove` and `make check`
 * run the binary as is, and a developer can also run it inside a rig of their own.
 *
 *   api_rig(argv, n)            the re-exec above (n virtual tokens, fresh); api_rig_opt
 *                               adds --echo (a reader whose card is not a token)
 *   api_module()                dlopen the module, its 2.40 function list
 *   api_module_3_2()            its "PKCS 11" 3.2 function list (C_GetInterface), or NULL
 *   api_apdus(i)                APDUs token i has received so far ("> " lines of its trace)
 *   api_ins_since(i, mark, ...) the INS bytes of the APDUs after the first `mark` ones
 *   api_selects_since(i, mark, fid, mask)  how many SELECTs after them name a file whose
 *                               FID (the last two bytes of the SELECT's data) & mask is fid
 *   api_ctl(i, cmd, out, cap)   vtoken-ctl (of the build folder) on token i's control socket
 *   api_run(path, args...)      run a helper program, its exit status; api_sh(fmt, ...)
 *                               a shell line
 *   api_slot_of(fl, i, &slot)   the slot of token i (found by reader name; no APDU)
 *   api_prepare_token(fl, slot) C_InitToken + C_InitPIN: a PKCS#15 token with both PINs
 *   api_start(fl, label, ...)   C_Initialize, token 0's slot, api_prepare_token when label
 *                               is given, a session: a test each
 *   api_temp_dir(tmpl)          mkdtemp or bail out; api_remove_dir(dir) removes it after
 *   api_now_ms()                a monotonic clock for "within one second"
 */
#ifndef SCRIPTOKI_TEST_API_H
#define SCRIPTOKI_TEST_API_H

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sk_names.h"

/* CKR_* names in failures, from the generated table (compiled into the test itself). */
#define TAP_RV_NAME sk_rv_name
#include "sk_names.c"

#include "module.h"
#include "tap.h"

#define API_SO_PIN "87654321"
#define API_USER_PIN "12345678"
#define API_PIN(s) (CK_UTF8CHAR_PTR)(s), (CK_ULONG)strlen(s)

/* The rig's VTOKEN<i>_<what> variable (READER, TRACE, CTL, ...). */
static inline const char *api_env(int i, const char *what)
{
	char name[64];

	snprintf(name, sizeof name, "VTOKEN%d_%s", i, what);
	return getenv(name);
}

/*
 * Re-execute this test inside a rig with n fresh virtual tokens, unless already in one;
 * opt: one more option for the rig (only "--echo" is understood here: an extra reader
 * whose card is not a token), or NULL.
 */
/* A file of a Debian package that tools/ensure-deps installs is missing: the test fails,
 * as its one test, naming the package (tests skip only for what Debian 12 cannot install). */
static inline void api_need_fail(const char *pkg, const char *what)
{
	printf("1..1\nnot ok 1 - %s is missing: install the Debian package %s "
	       "(tools/ensure-deps test)\n", what, pkg);
	exit(1);
}

static inline void api_rig_opt(char **argv, int n, int seconds, const char *opt)
{
	const char *cnt = getenv("VTOKEN_COUNT");
	int echo = opt != NULL && strcmp(opt, "--echo") == 0;
	char ns[4096], secs[16];
	char *args[16];
	int k = 0;

	if (getenv("VTOKEN0_CTL") != NULL && getenv("VTOKEN0_TRACE") != NULL && cnt != NULL &&
	    atoi(cnt) >= n && (!echo || getenv("RESPONDER_READER") != NULL))
		return;
	if (getenv("SCRIPTOKI_API_IN_RIG") != NULL) {
		printf("Bail out! inside a rig, but without %d traced virtual tokens\n", n);
		exit(255);
	}
	/* packages tools/ensure-deps installs: the test fails without them, it does not skip */
	if (access("/usr/sbin/pcscd", X_OK) != 0)
		api_need_fail("pcscd", "/usr/sbin/pcscd");
	if (access("/usr/lib/pcsc/drivers/serial/libifdvpcd.so", R_OK) != 0)
		api_need_fail("vsmartcard-vpcd", "/usr/lib/pcsc/drivers/serial/libifdvpcd.so");
	if (access(build_path(ns, sizeof ns, "vtoken"), X_OK) != 0 ||
	    access(build_path(ns, sizeof ns, "vtoken-ctl"), X_OK) != 0)
		skip_all("the virtual token is not built");
	setenv("SCRIPTOKI_API_IN_RIG", "1", 1);
	snprintf(ns, sizeof ns, "%d", n);
	snprintf(secs, sizeof secs, "%d", seconds);
	args[k++] = "timeout";
	args[k++] = "-k";
	args[k++] = "5";
	args[k++] = secs;
	args[k++] = "tests/rig/with-tokens";
	args[k++] = "--fresh";
	args[k++] = "-n";
	args[k++] = ns;
	if (opt != NULL)
		args[k++] = (char *)opt;
	args[k++] = "--";
	args[k++] = argv[0];
	args[k] = NULL;
	fflush(stdout);
	execvp("timeout", args);
	printf("Bail out! cannot run the rig: %s\n", strerror(errno));
	exit(255);
}

static inline void api_rig_timeout(char **argv, int n, int seconds)
{
	api_rig_opt(argv, n, seconds, NULL);
}

static inline void api_rig(char **argv, int n)
{
	api_rig_opt(argv, n, 120, NULL);
}

static inline CK_FUNCTION_LIST_PTR api_module(void)
{
	return module_functions(module_open());
}

static inline CK_FUNCTION_LIST_3_2_PTR api_module_3_2(void)
{
	CK_C_GetInterface getitf = (CK_C_GetInterface)module_sym(module_open(), "C_GetInterface");
	CK_VERSION v32 = { 3, 2 };
	CK_INTERFACE_PTR itf = NULL;

	if (getitf == NULL || getitf((CK_UTF8CHAR_PTR) "PKCS 11", &v32, &itf, 0) != CKR_OK ||
	    itf == NULL)
		return NULL;
	return itf->pFunctionList;
}

static inline long api_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* How many APDUs token i has received: the "> " lines of its trace (-1: no trace). */
static inline long api_apdus(int i)
{
	const char *path = api_env(i, "TRACE");
	char line[8192];
	long n = 0;
	FILE *f;

	if (path == NULL || (f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof line, f) != NULL)
		if (line[0] == '>' && line[1] == ' ')
			n++;
	fclose(f);
	return n;
}

/*
 * The INS bytes of token i's APDUs after the first `mark` ones, at most cap; returns how
 * many APDUs came after the mark (which may exceed cap).
 */
static inline long api_ins_since(int i, long mark, unsigned *ins, size_t cap)
{
	const char *path = api_env(i, "TRACE");
	char line[8192];
	long n = 0, k = 0;
	FILE *f;

	if (path == NULL || (f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof line, f) != NULL) {
		unsigned cla, in;

		if (line[0] != '>' || line[1] != ' ')
			continue;
		if (n++ < mark)
			continue;
		if (sscanf(line + 2, "%x %x", &cla, &in) == 2 && (size_t)k < cap)
			ins[k] = in;
		k++;
	}
	fclose(f);
	return k;
}

/* 1 when every APDU after the mark has INS ins (and there is at least one). */
static inline int api_only_ins(int i, long mark, unsigned want, long *count)
{
	unsigned ins[256];
	long n = api_ins_since(i, mark, ins, 256), k;

	*count = n;
	if (n <= 0 || n > 256)
		return 0;
	for (k = 0; k < n; k++)
		if (ins[k] != want)
			return 0;
	return 1;
}

/* How many SELECTs (INS A4) among token i's APDUs after the first `mark` ones name a file
 * whose FID & mask is fid: the FID being the last two bytes of the SELECT's data (a path or
 * a FID alone). -1 without a trace. */
static inline long api_selects_since(int i, long mark, unsigned fid, unsigned mask)
{
	const char *path = api_env(i, "TRACE");
	char line[8192];
	long n = 0, hits = 0;
	FILE *f;

	if (path == NULL || (f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof line, f) != NULL) {
		unsigned b[5 + 255];
		int used, pos = 2, k = 0;

		if (line[0] != '>' || line[1] != ' ' || n++ < mark)
			continue;
		while (k < 5 + 255 && sscanf(line + pos, "%x%n", &b[k], &used) == 1) {
			pos += used;
			k++;
		}
		/* CLA INS P1 P2 Lc data...: Lc of at least 2, all its bytes there */
		if (k >= 7 && b[1] == 0xA4 && b[4] >= 2 && (int)b[4] + 5 <= k &&
		    ((b[3 + b[4]] << 8 | b[4 + b[4]]) & mask) == fid)
			hits++;
	}
	fclose(f);
	return hits;
}

/* Run vtoken-ctl on token i's control socket; its exit status, its answer in out. */
static inline int api_ctl(int i, const char *cmd, char *out, size_t cap)
{
	const char *sock = api_env(i, "CTL");
	char buf[512], prog[4096];
	int fds[2], st = -1;
	size_t got = 0;
	ssize_t r;
	pid_t pid;

	if (out == NULL) {
		out = buf;
		cap = sizeof buf;
	}
	out[0] = '\0';
	if (sock == NULL || pipe(fds) != 0)
		return -1;
	build_path(prog, sizeof prog, "vtoken-ctl");
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		dup2(fds[1], 1);
		close(fds[0]);
		close(fds[1]);
		execl(prog, "vtoken-ctl", sock, cmd, (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	while (pid > 0 && got + 1 < cap && (r = read(fds[0], out + got, cap - 1 - got)) > 0)
		got += (size_t)r;
	out[got] = '\0';
	if (got > 0 && out[got - 1] == '\n')
		out[got - 1] = '\0';
	close(fds[0]);
	if (pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st))
		return WEXITSTATUS(st);
	return -1;
}

/* Run a program (NULL-terminated argument list after the path); its exit status or -1. */
static inline int api_run(const char *path, ...)
{
	char *args[16];
	va_list ap;
	int k = 0, st = -1;
	pid_t pid;

	args[k++] = (char *)path;
	va_start(ap, path);
	while (k < 15 && (args[k] = va_arg(ap, char *)) != NULL)
		k++;
	va_end(ap);
	args[k] = NULL;
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		execv(path, args);
		_exit(127);
	}
	if (pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st))
		return WEXITSTATUS(st);
	return -1;
}

/* Run the shell line fmt (printf-style); its exit status or -1. */
static inline int api_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static inline int api_sh(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof cmd, fmt, ap);
	va_end(ap);
	return api_run("/bin/sh", "-c", cmd, (char *)NULL);
}

/* The slot whose description is token i's reader (C_GetSlotInfo only: no APDU). */
static inline CK_RV api_slot_of(CK_FUNCTION_LIST_PTR fl, int i, CK_SLOT_ID *slot)
{
	const char *reader = api_env(i, "READER");
	CK_SLOT_ID ids[32];
	CK_ULONG n = 32, k;
	CK_RV rv = fl->C_GetSlotList(CK_FALSE, ids, &n);

	if (rv != CKR_OK)
		return rv;
	if (reader == NULL)
		return CKR_GENERAL_ERROR;
	for (k = 0; k < n; k++) {
		CK_SLOT_INFO si;
		size_t len = strlen(reader);

		if (fl->C_GetSlotInfo(ids[k], &si) != CKR_OK)
			continue;
		if (len <= sizeof si.slotDescription &&
		    memcmp(si.slotDescription, reader, len) == 0 &&
		    (len == sizeof si.slotDescription || si.slotDescription[len] == ' ')) {
			*slot = ids[k];
			return CKR_OK;
		}
	}
	return CKR_SLOT_ID_INVALID;
}

/* Blank-padded field → C string (trailing blanks cut). */
static inline void api_unpad(char *out, const CK_UTF8CHAR *p, size_t n)
{
	memcpy(out, p, n);
	while (n > 0 && out[n - 1] == ' ')
		n--;
	out[n] = '\0';
}

/* C_InitToken with API_SO_PIN and label, then the SO sets the user PIN API_USER_PIN. */
static inline CK_RV api_prepare_token(CK_FUNCTION_LIST_PTR fl, CK_SLOT_ID slot, const char *label)
{
	CK_UTF8CHAR lab[32];
	CK_SESSION_HANDLE s;
	size_t len = strlen(label);
	CK_RV rv;

	memset(lab, ' ', sizeof lab);
	memcpy(lab, label, len < sizeof lab ? len : sizeof lab);
	rv = fl->C_InitToken(slot, API_PIN(API_SO_PIN), lab);
	if (rv != CKR_OK)
		return rv;
	rv = fl->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s);
	if (rv != CKR_OK)
		return rv;
	rv = fl->C_Login(s, CKU_SO, API_PIN(API_SO_PIN));
	if (rv == CKR_OK)
		rv = fl->C_InitPIN(s, API_PIN(API_USER_PIN));
	if (rv == CKR_OK)
		rv = fl->C_Logout(s);
	fl->C_CloseSession(s);
	return rv;
}

/* The start most tests share, each step a test of its own: C_Initialize, the slot of token
 * 0, C_InitToken and C_InitPIN when label is not NULL, a session with flags (what names
 * it). 1 when every step passed. */
static inline int api_start(CK_FUNCTION_LIST_PTR fl, const char *label, CK_FLAGS flags,
			    const char *what, CK_SLOT_ID *slot, CK_SESSION_HANDLE *s)
{
	int good = is_rv(fl->C_Initialize(NULL), CKR_OK, "C_Initialize");

	good &= is_rv(api_slot_of(fl, 0, slot), CKR_OK, "the token's slot");
	if (label != NULL)
		good &= is_rv(api_prepare_token(fl, *slot, label), CKR_OK,
			      "C_InitToken and C_InitPIN");
	good &= is_rv(fl->C_OpenSession(*slot, flags, NULL, NULL, s), CKR_OK, "%s", what);
	return good;
}

/* mkdtemp(tmpl), or the whole test bails out. */
static inline void api_temp_dir(char *tmpl)
{
	if (mkdtemp(tmpl) == NULL) {
		printf("Bail out! mkdtemp %s\n", tmpl);
		exit(255);
	}
}

/* The directory and what the test left in it. */
static inline void api_remove_dir(const char *dir)
{
	if (api_run("/bin/rm", "-rf", dir, (char *)NULL) != 0)
		diag("cannot remove %s", dir);
}

#endif
