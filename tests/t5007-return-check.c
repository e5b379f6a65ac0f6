/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t5007 — the return-code check (runtime/rvcheck.c, generated/sk_names.c): the tables hold
 * each function's `returns:` list of spec/functions.yaml plus the codes the standard allows
 * every function (CKR_OK, CKR_GENERAL_ERROR, CKR_HOST_MEMORY, CKR_FUNCTION_FAILED), those
 * of functions with a session handle, CKR_CRYPTOKI_NOT_INITIALIZED where C_Initialize is
 * needed and CKR_FUNCTION_NOT_SUPPORTED for stubs only; and the check itself: off without
 * SCRIPTOKI_CHECK_RETURNS, a report on standard error with it, and a report and SIGABRT
 * with SCRIPTOKI_CHECK_RETURNS=abort — only for a code outside the list. The check is
 * compiled in from the runtime's own source and run in child processes.
 */
#include <signal.h>
#include <sys/wait.h>

#include "tap.h"
#include "sk_dispatch.h"
#include "sk_names.c"
#include "../runtime/rvcheck.c"

/* The one name rvcheck prints here (the module's table is generated/sk_lists.c). */
const struct sk_fn_info sk_fn_info[SK_FN__COUNT] = {
	[SK_FN_C_Login] = { "C_Login", 240, 0, 1 },
};

static int child(void)
{
	rvcheck(SK_FN_C_Login, CKR_PIN_INCORRECT);      /* allowed: no word */
	rvcheck(SK_FN_C_Login, CKR_PIN_LEN_RANGE);      /* not in C_Login's list */
	printf("survived\n");
	return 0;
}

/* Run this program as the child with SCRIPTOKI_CHECK_RETURNS=mode (NULL: unset); its
 * stdout and stderr into out and err; its wait status. */
static int run(const char *self, const char *mode, char *out, char *err, size_t cap)
{
	int po[2], pe[2], st = -1;
	pid_t pid;
	ssize_t n;

	if (pipe(po) != 0 || pipe(pe) != 0)
		return -1;
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		dup2(po[1], 1);
		dup2(pe[1], 2);
		if (mode != NULL)
			setenv("SCRIPTOKI_CHECK_RETURNS", mode, 1);
		else
			unsetenv("SCRIPTOKI_CHECK_RETURNS");
		execl(self, self, "child", (char *)NULL);
		_exit(127);
	}
	close(po[1]);
	close(pe[1]);
	n = read(po[0], out, cap - 1);
	out[n > 0 ? n : 0] = '\0';
	n = read(pe[0], err, cap - 1);
	err[n > 0 ? n : 0] = '\0';
	close(po[0]);
	close(pe[0]);
	waitpid(pid, &st, 0);
	return st;
}

int main(int argc, char **argv)
{
	static const CK_RV universal[] = { CKR_OK, CKR_GENERAL_ERROR, CKR_HOST_MEMORY,
					   CKR_FUNCTION_FAILED };
	char out[512], err[1024];
	int st, all_universal = 1, stubs = 1, implemented = 1, not_init = 1;
	unsigned fn;
	size_t i;

	if (argc > 1 && strcmp(argv[1], "child") == 0)
		return child();

	is_ulong(sk_fn_returns_count, SK_FN__COUNT, "a list for each of the %d functions",
		 SK_FN__COUNT);
	for (fn = 0; fn < SK_FN__COUNT; fn++) {
		for (i = 0; i < sizeof universal / sizeof universal[0]; i++)
			all_universal &= sk_fn_may_return(fn, universal[i]);
		if (fn != SK_FN_C_Initialize && fn != SK_FN_C_GetFunctionList &&
		    fn != SK_FN_C_GetInterfaceList && fn != SK_FN_C_GetInterface)
			not_init &= sk_fn_may_return(fn, CKR_CRYPTOKI_NOT_INITIALIZED);
	}
	ok(all_universal, "every function may give the universal codes of section 5.1.1");
	ok(not_init, "every function that needs C_Initialize may say CKR_CRYPTOKI_NOT_INITIALIZED");
	ok(!sk_fn_may_return(SK_FN_C_Initialize, CKR_CRYPTOKI_NOT_INITIALIZED),
	   "... and C_Initialize may not");
	stubs &= sk_fn_may_return(SK_FN_C_AsyncJoin, CKR_FUNCTION_NOT_SUPPORTED);
	implemented &= !sk_fn_may_return(SK_FN_C_Sign, CKR_FUNCTION_NOT_SUPPORTED);
	ok(stubs, "a stub (C_AsyncJoin) may say CKR_FUNCTION_NOT_SUPPORTED");
	ok(implemented, "an implemented function (C_Sign) may not");
	ok(sk_fn_may_return(SK_FN_C_Sign, CKR_SESSION_HANDLE_INVALID) &&
	   sk_fn_may_return(SK_FN_C_Sign, CKR_KEY_FUNCTION_NOT_PERMITTED) == 0,
	   "C_Sign: the session codes of section 5.1.2, not another function's codes");
	ok(sk_fn_may_return(SK_FN_C_Login, CKR_PIN_INCORRECT) &&
	   !sk_fn_may_return(SK_FN_C_Login, CKR_PIN_LEN_RANGE),
	   "C_Login may say CKR_PIN_INCORRECT, not CKR_PIN_LEN_RANGE");

	st = run(argv[0], NULL, out, err, sizeof out);
	ok(WIFEXITED(st) && WEXITSTATUS(st) == 0 && err[0] == '\0' &&
	   strstr(out, "survived") != NULL, "without SCRIPTOKI_CHECK_RETURNS: no check");
	st = run(argv[0], "1", out, err, sizeof out);
	ok(WIFEXITED(st) && WEXITSTATUS(st) == 0 && strstr(out, "survived") != NULL,
	   "SCRIPTOKI_CHECK_RETURNS=1: the process goes on");
	ok(strstr(err, "C_Login returned CKR_PIN_LEN_RANGE") != NULL &&
	   strstr(err, "CKR_PIN_INCORRECT") == NULL,
	   "... after one report, of the code outside the list only");
	st = run(argv[0], "abort", out, err, sizeof out);
	ok(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT, "SCRIPTOKI_CHECK_RETURNS=abort: SIGABRT");
	ok(strstr(err, "C_Login returned CKR_PIN_LEN_RANGE") != NULL &&
	   strstr(out, "survived") == NULL, "... after the report, where the code was returned");
	return done_testing();
}
