/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t5701 — which functions are real and which are stubs, by version: the lists are printed
 * (spec/module.yaml `implemented:`, as the generated probe gives it), the count is the one
 * README.md states ("N of the 104 functions are implemented"), and the functions of 2.40
 * that were stubs until the round that added them (C_DigestKey, the recovery signatures,
 * the dual functions, the operation state) are real through the 2.40 function list: for
 * session 0 each answers CKR_SESSION_HANDLE_INVALID, where a stub says
 * CKR_FUNCTION_NOT_SUPPORTED. t5002 sweeps the stubs themselves.
 */
#include <stddef.h>
#include <stdio.h>

#include "functions.h"
#include "module.h"
#include "tap.h"

typedef CK_RV (*any_fn)(CK_ULONG, CK_ULONG, CK_ULONG, CK_ULONG, CK_ULONG, CK_ULONG);

static const char *const added[] = {
	"C_DigestKey", "C_SignRecoverInit", "C_SignRecover", "C_VerifyRecoverInit",
	"C_VerifyRecover", "C_DigestEncryptUpdate", "C_DecryptDigestUpdate",
	"C_SignEncryptUpdate", "C_DecryptVerifyUpdate", "C_GetOperationState",
	"C_SetOperationState",
};

/* README.md's "N of the M functions are implemented", or -1. */
static int readme_count(int *total)
{
	char line[4096];
	FILE *fp = fopen("README.md", "r");
	int n = -1;
	char *p;

	if (fp == NULL)
		return -1;
	while (n < 0 && fgets(line, sizeof line, fp) != NULL) {
		if (strstr(line, " functions are implemented") == NULL)
			continue;
		/* the figure: "N of the M functions are implemented" */
		for (p = line; (p = strstr(p, " of the ")) != NULL; p++) {
			const char *q = p;
			int a, b;
			while (q > line && q[-1] >= '0' && q[-1] <= '9')
				q--;
			if (sscanf(q, "%d of the %d functions are implemented", &a, &b) == 2) {
				n = a;
				*total = b;
				break;
			}
		}
	}
	fclose(fp);
	return n;
}

int main(void)
{
	void *h = module_open();
	CK_C_GetFunctionList getfl = (CK_C_GetFunctionList)module_sym(h, "C_GetFunctionList");
	CK_FUNCTION_LIST_PTR fl = NULL;
	char real[4096] = "", stubs[4096] = "";
	int i, v, nreal = 0, nstub = 0, total = 0, stated;
	size_t k;

	if (getfl == NULL || getfl(&fl) != CKR_OK || fl == NULL) {
		printf("Bail out! no function list\n");
		return 255;
	}
	for (v = 0; v < 3; v++) {
		int since = v == 0 ? 240 : v == 1 ? 300 : 320, r = 0, s = 0;

		real[0] = stubs[0] = '\0';
		for (i = 0; i < N_FUNCTIONS; i++) {
			const struct fn *f = &all_functions[i];
			char *to;
			if (f->since != since)
				continue;
			to = is_implemented(f->name) ? real : stubs;
			if (is_implemented(f->name))
				r++;
			else
				s++;
			if (strlen(to) + strlen(f->name) + 2 < sizeof real) {
				strcat(to, " ");
				strcat(to, f->name);
			}
		}
		printf("# %d.%02d: %d real:%s\n", since / 100, since % 100, r, real);
		printf("# %d.%02d: %d stubs:%s\n", since / 100, since % 100, s, s ? stubs : " none");
		nreal += r;
		nstub += s;
	}
	is_ulong((unsigned long)(nreal + nstub), (unsigned long)N_FUNCTIONS,
		 "every function of the spec is in one of the lists");
	stated = readme_count(&total);
	ok(stated == nreal && total == N_FUNCTIONS,
	   "README.md says %d of the %d functions are implemented: the spec has %d of %d "
	   "(fix the sentence in README's Status)", stated, total, nreal, N_FUNCTIONS);

	is_rv(fl->C_Initialize(NULL), CKR_OK, "C_Initialize");
	for (k = 0; k < sizeof added / sizeof added[0]; k++) {
		const struct fn *f = NULL;
		const char *base = (const char *)fl + offsetof(CK_FUNCTION_LIST, C_Initialize);
		any_fn p;
		CK_RV rv;

		for (i = 0; i < N_FUNCTIONS; i++)
			if (strcmp(all_functions[i].name, added[k]) == 0)
				f = &all_functions[i];
		ok(f != NULL && f->since == 240 && is_implemented(added[k]),
		   "%s: a 2.40 function the spec calls implemented", added[k]);
		if (f == NULL)
			continue;
		p = (any_fn)((void *const *)(const void *)base)[f->index];
		/* every argument 0: the session handle is checked first (a stub checks
		 * nothing) */
		rv = p(0, 0, 0, 0, 0, 0);
		is_rv(rv, CKR_SESSION_HANDLE_INVALID, "%s: real through the 2.40 list (session 0)",
		      added[k]);
	}
	is_rv(fl->C_Finalize(NULL), CKR_OK, "C_Finalize");
	return done_testing();
}
