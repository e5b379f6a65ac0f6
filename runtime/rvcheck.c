/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * rvcheck.c — the return-code check: every C_ function may give only the codes its
 * `returns:` list in spec/functions.yaml names (generated/sk_names.c). With
 * SCRIPTOKI_CHECK_RETURNS set (the test suite sets it for every test) a code outside the
 * list is reported on standard error; with SCRIPTOKI_CHECK_RETURNS=abort the process is
 * then stopped, so that the test that caused it fails where it happened. Off otherwise:
 * one load and one branch per call.
 */
#include "rvcheck.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sk_names.h"

static int rvcheck_mode;        /* 0 off, 1 report, 2 report and abort */

/* Read once, when the module is loaded: fork keeps it, C_Initialize does not change it. */
__attribute__((constructor)) static void rvcheck_setup(void)
{
	const char *e = getenv("SCRIPTOKI_CHECK_RETURNS");

	if (e == NULL || *e == '\0' || strcmp(e, "0") == 0)
		rvcheck_mode = 0;
	else
		rvcheck_mode = strcmp(e, "abort") == 0 ? 2 : 1;
}

int rvcheck_on(void)
{
	return rvcheck_mode != 0;
}

void rvcheck(enum sk_fn fn, CK_RV rv)
{
	char msg[256];
	int n;

	if (rvcheck_mode == 0 || sk_fn_may_return((unsigned)fn, rv))
		return;
	n = snprintf(msg, sizeof msg, "scriptoki: %s returned %s, which its returns: list in "
		     "spec/functions.yaml does not allow\n", sk_fn_info[fn].name, sk_rv_name(rv));
	if (n > 0)
		(void)!write(STDERR_FILENO, msg, (size_t)n < sizeof msg ? (size_t)n : sizeof msg - 1);
	if (rvcheck_mode == 2)
		abort();
}
